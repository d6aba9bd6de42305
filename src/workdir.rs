//! Per-job temp directories, the bounded CPU pool and the daemon-wide memory budget.
//!
//! Each job works in `{temp_dir}/job-{upload}-{pid}-{n}/`, holding an exclusive `flock` on the
//! directory's `.lock` file for as long as it runs. The directory is removed when the job ends
//! (on every path, including panics, via `Drop`). After a crash, the lock dies with the process,
//! so the temp sweep can tell abandoned directories from live ones without guessing by age.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum WorkdirError {
    #[error("temp directory {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("CPU task failed: {0}")]
    Join(String),
}

impl WorkdirError {
    pub fn is_disk_full(&self) -> bool {
        matches!(self, WorkdirError::Io { source, .. } if source.raw_os_error() == Some(libc::ENOSPC))
    }
}

/// The temp sweep's lock file, in the root (see [`WorkRoot::sweep_lock`]).
pub const SWEEP_LOCK: &str = ".sweep.lock";

/// The root under which job directories are created.
#[derive(Debug, Clone)]
pub struct WorkRoot {
    root: PathBuf,
    seq: Arc<AtomicU64>,
}

impl WorkRoot {
    pub fn new(root: &Path) -> Result<WorkRoot, WorkdirError> {
        std::fs::create_dir_all(root).map_err(|source| WorkdirError::Io { path: root.to_owned(), source })?;
        Ok(WorkRoot { root: root.to_owned(), seq: Arc::new(AtomicU64::new(0)) })
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Every entry of the root, and whether the temp sweep may remove it: a job directory
    /// whose lock no live process holds and that is older than `min_age_ms`. Blocking.
    pub fn job_dirs(&self, min_age_ms: i64) -> std::io::Result<Vec<TempEntry>> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let now = crate::units::now_ms();
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == SWEEP_LOCK {
                continue;
            }
            let path = entry.path();
            // Never follow a symlink out of the temp directory.
            let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
            let is_job_dir = is_dir && name.starts_with("job-");
            let abandoned = is_job_dir && is_abandoned(&path, min_age_ms, now) && age_ms(&path, now) >= min_age_ms;
            out.push(TempEntry { name, is_job_dir, abandoned });
        }
        Ok(out)
    }

    /// Removes an abandoned job directory (a name from [`WorkRoot::job_dirs`]). Blocking.
    pub fn remove_job_dir(&self, name: &str) -> std::io::Result<()> {
        if !name.starts_with("job-") || name.contains('/') {
            return Err(std::io::Error::other(format!("{name:?} is not a job directory")));
        }
        match std::fs::remove_dir_all(self.root.join(name)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    }

    /// Takes the temp sweep's lock (one sweep of this directory at a time); None when another
    /// process holds it. The kernel releases it when the holder exits, however it exits.
    /// Blocking.
    pub fn sweep_lock(&self) -> std::io::Result<Option<File>> {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::create_dir_all(&self.root)?;
        let path = self.root.join(SWEEP_LOCK);
        // Read-only is enough for flock, so a lock file another user created (a root-run
        // `uploadd sweep`) still works; never follow a link planted in its place, nor wait on
        // a FIFO (O_NONBLOCK), and only a regular file will do.
        let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK;
        let f = match std::fs::OpenOptions::new().read(true).custom_flags(flags).open(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .mode(0o644)
                .custom_flags(flags)
                .open(&path)?,
            r => r?,
        };
        if !f.metadata()?.is_file() {
            return Err(std::io::Error::other(format!("{} is not a regular file", path.display())));
        }
        Ok(try_lock(&f).then_some(f))
    }

    /// Creates and locks a fresh directory for one job attempt.
    pub fn job_dir(&self, upload_id: &str) -> Result<JobDir, WorkdirError> {
        let n = self.seq.fetch_add(1, Ordering::Relaxed);
        let path = self.root.join(format!("job-{upload_id}-{}-{n}", std::process::id()));
        let io = |source| WorkdirError::Io { path: path.clone(), source };
        // Private to the daemon's user (whatever the umask): the upload is not scanned yet.
        std::os::unix::fs::DirBuilderExt::mode(&mut std::fs::DirBuilder::new(), 0o700).create(&path).map_err(io)?;
        let lock = File::create(path.join(".lock")).map_err(io)?;
        if !try_lock(&lock) {
            return Err(io(std::io::Error::other("job directory is locked by another process")));
        }
        Ok(JobDir { path, _lock: lock })
    }
}

/// An entry of the temp root, as the temp sweep sees it.
#[derive(Debug, Clone)]
pub struct TempEntry {
    pub name: String,
    pub is_job_dir: bool,
    pub abandoned: bool,
}

fn age_ms(path: &Path, now: i64) -> i64 {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| now - i64::try_from(d.as_millis()).unwrap_or(0))
}

/// A job's private directory, removed on drop.
#[derive(Debug)]
pub struct JobDir {
    path: PathBuf,
    _lock: File,
}

impl JobDir {
    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Removes the directory now (a committed job's original must outlive nothing of it).
    pub fn remove(&self) {
        remove_dir(&self.path);
    }
}

fn remove_dir(path: &Path) {
    if let Err(e) = std::fs::remove_dir_all(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %e, "Could not remove a job's temp directory; the temp sweep will.");
    }
}

/// SHA-256 (hex) and length of a file, streamed. Blocking: run it on the CPU pool.
pub fn sha256_file(path: &Path) -> std::io::Result<(u64, String)> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((total, hex::encode(hasher.finalize())))
}

impl Drop for JobDir {
    fn drop(&mut self) {
        remove_dir(&self.path);
    }
}

/// Takes an exclusive, non-blocking `flock`; false if someone else holds it.
pub fn try_lock(f: &File) -> bool {
    // SAFETY: flock on a valid, open file descriptor owned by `f`.
    unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// A directory under the root that no live process holds (its lock can be taken), or that
/// has no lock file and is older than `min_age_ms` (a crash between mkdir and lock).
pub fn is_abandoned(dir: &Path, min_age_ms: i64, now_ms: i64) -> bool {
    match File::open(dir.join(".lock")) {
        Ok(f) => try_lock(&f),
        Err(_) => std::fs::metadata(dir)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .is_some_and(|d| now_ms - i64::try_from(d.as_millis()).unwrap_or(0) > min_age_ms),
    }
}

/// Runs CPU-bound work on tokio's blocking threads, at most `permits` at a time, so decoding
/// never stalls the async runtime and never oversubscribes the cores.
#[derive(Debug, Clone)]
pub struct CpuPool {
    sem: Arc<Semaphore>,
}

impl CpuPool {
    pub fn new(permits: usize) -> CpuPool {
        CpuPool { sem: Arc::new(Semaphore::new(permits.max(1))) }
    }

    pub async fn run<F, R>(&self, f: F) -> Result<R, WorkdirError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let permit = self.sem.clone().acquire_owned().await.map_err(|e| WorkdirError::Join(e.to_string()))?;
        // The permit moves into the closure: it is held until the work really ends, even if
        // the awaiting job was cancelled (a blocking task cannot be interrupted).
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        })
        .await
        .map_err(|e| WorkdirError::Join(e.to_string()))
    }
}

/// Memory-weighted admission: a job reserves the memory its decode will take (estimated from
/// the header) before allocating anything, and waits while the daemon's budget is spent, so
/// several large inputs at once cannot take the daemon past `worker.memory_budget`.
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    sem: Arc<Semaphore>,
    total: u64,
    reserved: Arc<AtomicU64>,
}

/// A reservation, returned to the budget when dropped.
#[derive(Debug)]
pub struct Reservation {
    _permit: tokio::sync::OwnedSemaphorePermit,
    bytes: u64,
    reserved: Arc<AtomicU64>,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.reserved.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

const MIB: u64 = 1 << 20;

impl MemoryBudget {
    pub fn new(total: u64) -> MemoryBudget {
        let permits = usize::try_from((total / MIB).max(1)).unwrap_or(usize::MAX).min(Semaphore::MAX_PERMITS);
        MemoryBudget { sem: Arc::new(Semaphore::new(permits)), total, reserved: Arc::default() }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Bytes reserved right now.
    pub fn reserved(&self) -> u64 {
        self.reserved.load(Ordering::Relaxed)
    }

    /// Reserves `bytes` (rounded up to MiB), waiting for room. `Err` when more than the whole
    /// budget is asked for: waiting would never end.
    pub async fn reserve(&self, bytes: u64) -> Result<Reservation, u64> {
        let mib = bytes.div_ceil(MIB).max(1);
        if mib > self.total / MIB {
            return Err(self.total);
        }
        let n = u32::try_from(mib).map_err(|_| self.total)?;
        let permit = self.sem.clone().acquire_many_owned(n).await.map_err(|_| self.total)?;
        let bytes = mib * MIB;
        self.reserved.fetch_add(bytes, Ordering::Relaxed);
        Ok(Reservation { _permit: permit, bytes, reserved: self.reserved.clone() })
    }
}

/// The default `worker.memory_budget`: half of what this process may use — the smaller of the
/// machine's memory and its cgroup's limit (v2 `memory.max` or v1 `memory.limit_in_bytes`) —,
/// at least 256 MiB.
pub fn default_memory_budget() -> u64 {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let total = read("/proc/meminfo")
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(u64::MAX, |kib| kib * 1024);
    let cgroup = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        .iter()
        .filter_map(|p| read(p)?.trim().parse::<u64>().ok())
        .min()
        .unwrap_or(u64::MAX);
    let usable = total.min(cgroup);
    if usable == u64::MAX { 1 << 30 } else { (usable / 2).max(256 * MIB) }
}

/// What `uploadd doctor` checks of the temp directory.
#[derive(Debug, Clone, Copy)]
pub struct TempProbe {
    /// Bytes free for an unprivileged writer.
    pub free: u64,
    /// Whether `flock` excludes a second holder (the temp sweep relies on it).
    pub locking: bool,
}

/// Measures free space and proves `flock` works in `dir` (created if missing). Blocking.
pub fn probe_temp_dir(dir: &Path) -> std::io::Result<TempProbe> {
    std::fs::create_dir_all(dir)?;
    let st = rustix::fs::statvfs(dir).map_err(|e| std::io::Error::from_raw_os_error(e.raw_os_error()))?;
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    let path = dir.join(format!(".doctor-{}", std::process::id()));
    let first = File::create(&path)?;
    let second = File::open(&path)?;
    let locking = try_lock(&first) && !try_lock(&second);
    drop((first, second));
    let _ = std::fs::remove_file(&path);
    Ok(TempProbe { free, locking })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_or_a_directory_in_place_of_the_sweep_lock_is_an_error_not_a_hang() {
        let root = tempfile::tempdir().unwrap();
        let w = WorkRoot::new(root.path()).unwrap();
        let path = root.path().join(SWEEP_LOCK);
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let (tx, rx) = std::sync::mpsc::channel();
        let w2 = w.clone();
        std::thread::spawn(move || tx.send(w2.sweep_lock().map(|f| f.is_some())));
        let r = rx.recv_timeout(std::time::Duration::from_secs(5)).expect("sweep_lock hung on a FIFO");
        assert!(r.is_err(), "{r:?}");
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        assert!(w.sweep_lock().is_err());
        std::fs::remove_dir(&path).unwrap();
        assert!(w.sweep_lock().unwrap().is_some(), "a fresh lock file again");
    }

    #[test]
    fn live_dirs_are_locked_and_removed_on_drop() {
        let root = tempfile::tempdir().unwrap();
        let w = WorkRoot::new(root.path()).unwrap();
        let d = w.job_dir("abc").unwrap();
        std::fs::write(d.file("x"), b"1").unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(d.path()).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o700, "job directories are private");
        assert!(!is_abandoned(d.path(), 0, i64::MAX), "a held lock means a live job");
        let p = d.path().to_owned();
        drop(d);
        assert!(!p.exists());
    }

    #[test]
    fn unlocked_dirs_are_abandoned() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("job-x-1-0");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(".lock"), b"").unwrap();
        assert!(is_abandoned(&dir, 0, 0));
        let young = root.path().join("job-y-1-0");
        std::fs::create_dir(&young).unwrap();
        assert!(!is_abandoned(&young, 60_000, crate::units::now_ms()), "no lock file yet, but too young");
    }
}
