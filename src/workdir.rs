//! Per-job temp directories and the bounded CPU pool.
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
}

impl Drop for JobDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.path.display(), error = %e, "Could not remove a job's temp directory; the temp sweep will.");
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
