//! The embedded store: object key `K` is the file `{root}/K`.
//!
//! Every operation resolves its key beneath the root without following a symbolic link: it
//! walks from a directory descriptor of the root one component at a time (`openat` with
//! `O_NOFOLLOW | O_DIRECTORY`), so a link planted anywhere in the path — `incoming/dir` pointing
//! outside the store, say — is refused, and no check-then-use window exists (each step is
//! relative to the descriptor of the step before). Only regular files are read: a FIFO, a
//! device or a socket is opened with `O_NONBLOCK` (so it cannot block) and refused after
//! `fstat`. Deletes unlink the entry itself, never what it points to.
//!
//! Writes go to `{root}/.partial/` first and are renamed into place after an fsync, so a crash
//! never leaves a half-written object under a real key. An object's age is its file's mtime.
//! All of it is blocking file I/O and runs on tokio's blocking threads, never on the runtime's.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;
use sha2::{Digest, Sha256};

use super::{Fetched, ListPage, ObjectInfo, StorageError};

/// Directory (under the root) for files being written.
pub const PARTIAL_DIR: &str = ".partial";

#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
    /// The root directory, opened once: every path is resolved relative to it.
    root_fd: Arc<OwnedFd>,
}

const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);

/// Runs blocking store work on tokio's blocking threads.
async fn blocking<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StorageError::io(what.to_owned(), std::io::Error::other(e.to_string())))?
}

fn io_err(e: Errno) -> std::io::Error {
    std::io::Error::from_raw_os_error(e.raw_os_error())
}

/// A key resolved to the descriptors of its directories (root first) and its last component.
struct Resolved {
    dirs: Vec<OwnedFd>,
    names: Vec<String>,
}

impl Resolved {
    fn parent(&self) -> &OwnedFd {
        // Never empty: it starts with the root.
        &self.dirs[self.dirs.len() - 1]
    }
    fn name(&self) -> &str {
        self.names.last().map_or("", String::as_str)
    }
}

impl LocalStore {
    /// Opens (creating if needed) a store rooted at `root`.
    pub fn open(root: &Path) -> Result<LocalStore, StorageError> {
        std::fs::create_dir_all(root.join(PARTIAL_DIR)).map_err(|e| StorageError::io(root.display().to_string(), e))?;
        let root = root.canonicalize().map_err(|e| StorageError::io(root.display().to_string(), e))?;
        let fd = rustix::fs::open(&root, DIR_FLAGS, Mode::empty())
            .map_err(|e| StorageError::io(root.display().to_string(), io_err(e)))?;
        Ok(LocalStore { root, root_fd: Arc::new(fd) })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn err(key: &str, e: Errno) -> StorageError {
        match e {
            Errno::NOENT => StorageError::NotFound(key.to_owned()),
            // A symbolic link where a directory or the object should be.
            Errno::LOOP | Errno::NOTDIR => StorageError::InvalidKey {
                key: key.to_owned(),
                reason: "resolves through a symbolic link or a non-directory",
            },
            // S3 allows what a file system does not: the key is wrong here, not the disk.
            Errno::NAMETOOLONG => StorageError::InvalidKey {
                key: key.to_owned(),
                reason: "has a segment over the file system's limit of 255 bytes",
            },
            e => StorageError::io(format!("local object {key}"), io_err(e)),
        }
    }

    /// Walks `key`'s directories from the root without following links; with `create`, makes
    /// the missing ones. The key was validated by the caller (no `.`, `..` or empty segment).
    fn resolve(&self, key: &str, create: bool) -> Result<Resolved, StorageError> {
        let names: Vec<String> = key.split('/').map(str::to_owned).collect();
        let root = rustix::io::fcntl_dupfd_cloexec(&*self.root_fd, 0).map_err(|e| Self::err(key, e))?;
        let mut dirs = vec![root];
        for comp in &names[..names.len().saturating_sub(1)] {
            let cur = &dirs[dirs.len() - 1];
            let next = match rustix::fs::openat(cur, comp.as_str(), DIR_FLAGS, Mode::empty()) {
                Ok(fd) => fd,
                Err(Errno::NOENT) if create => {
                    match rustix::fs::mkdirat(cur, comp.as_str(), Mode::from_raw_mode(0o755)) {
                        Ok(()) | Err(Errno::EXIST) => {}
                        Err(e) => return Err(Self::err(key, e)),
                    }
                    rustix::fs::openat(cur, comp.as_str(), DIR_FLAGS, Mode::empty()).map_err(|e| Self::err(key, e))?
                }
                Err(e) => return Err(Self::err(key, e)),
            };
            dirs.push(next);
        }
        Ok(Resolved { dirs, names })
    }

    /// Opens the object for reading: a regular file, never through a link, never blocking.
    fn open_regular(&self, key: &str) -> Result<(File, u64, i64), StorageError> {
        let r = self.resolve(key, false)?;
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
        let fd = rustix::fs::openat(r.parent(), r.name(), flags, Mode::empty()).map_err(|e| Self::err(key, e))?;
        let st = rustix::fs::fstat(&fd).map_err(|e| Self::err(key, e))?;
        if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
            return Err(StorageError::InvalidKey { key: key.to_owned(), reason: "is not a regular file" });
        }
        // Regular files ignore O_NONBLOCK; clear it anyway so reads behave plainly.
        let _ = rustix::fs::fcntl_setfl(&fd, OFlags::empty());
        Ok((File::from(fd), u64::try_from(st.st_size).unwrap_or(0), stat_mtime_ms(&st)))
    }

    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        let (store, key) = (self.clone(), key.to_owned());
        blocking("head", move || {
            let r = match store.resolve(&key, false) {
                Ok(r) => r,
                Err(StorageError::NotFound(_)) => return Ok(None),
                Err(e) => return Err(e),
            };
            match rustix::fs::statat(r.parent(), r.name(), AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::RegularFile => Ok(Some(ObjectInfo {
                    key: key.clone(),
                    size: u64::try_from(st.st_size).unwrap_or(0),
                    modified_ms: stat_mtime_ms(&st),
                })),
                Ok(_) | Err(Errno::NOENT) => Ok(None),
                Err(e) => Err(Self::err(&key, e)),
            }
        })
        .await
    }

    pub async fn fetch_to_file(&self, key: &str, dest: &Path, limit: u64) -> Result<Fetched, StorageError> {
        let (store, key, dest) = (self.clone(), key.to_owned(), dest.to_owned());
        blocking("fetch", move || {
            let (file, size, _) = store.open_regular(&key)?;
            if size > limit {
                return Err(StorageError::TooLarge { limit, size: Some(size) });
            }
            copy_hashing(file, &dest, limit)
        })
        .await
    }

    pub async fn put_file(&self, key: &str, src: &Path) -> Result<u64, StorageError> {
        let (store, key, src) = (self.clone(), key.to_owned(), src.to_owned());
        blocking("put", move || {
            let input = File::open(&src).map_err(|e| StorageError::io(src.display().to_string(), e))?;
            store.put_from(&key, input)
        })
        .await
    }

    /// Writes `input` under `key`: into a partial file, fsynced, then renamed into place.
    fn put_from(&self, key: &str, mut input: File) -> Result<u64, StorageError> {
        let r = self.resolve(key, true)?;
        let partial = rustix::fs::openat(&*self.root_fd, PARTIAL_DIR, DIR_FLAGS, Mode::empty())
            .map_err(|e| Self::err(PARTIAL_DIR, e))?;
        let tmp = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&partial, tmp.as_str(), flags, Mode::from_raw_mode(0o644))
            .map_err(|e| Self::err(key, e))?;
        let result = (|| {
            let mut out = File::from(fd);
            let n = std::io::copy(&mut input, &mut out).map_err(|e| StorageError::io(format!("copy to {key}"), e))?;
            out.sync_all().map_err(|e| StorageError::io(format!("fsync {key}"), e))?;
            rustix::fs::renameat(&partial, tmp.as_str(), r.parent(), r.name()).map_err(|e| Self::err(key, e))?;
            let _ = rustix::fs::fsync(r.parent());
            Ok(n)
        })();
        if result.is_err() {
            let _ = rustix::fs::unlinkat(&partial, tmp.as_str(), AtFlags::empty());
        }
        result
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let (store, key) = (self.clone(), key.to_owned());
        blocking("delete", move || {
            let r = match store.resolve(&key, false) {
                Ok(r) => r,
                Err(StorageError::NotFound(_)) => return Ok(()),
                Err(e) => return Err(e),
            };
            match rustix::fs::statat(r.parent(), r.name(), AtFlags::SYMLINK_NOFOLLOW) {
                Err(Errno::NOENT) => return Ok(()),
                Err(e) => return Err(Self::err(&key, e)),
                Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Directory => {
                    return Err(StorageError::InvalidKey { key: key.clone(), reason: "is a directory" });
                }
                Ok(_) => {}
            }
            // Unlinks the entry itself: a link is removed, never what it points to.
            match rustix::fs::unlinkat(r.parent(), r.name(), AtFlags::empty()) {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(e) => return Err(Self::err(&key, e)),
            }
            // Tidy empty parent directories up to the root (best effort).
            for i in (1..r.dirs.len()).rev() {
                if rustix::fs::unlinkat(&r.dirs[i - 1], r.names[i - 1].as_str(), AtFlags::REMOVEDIR).is_err() {
                    break;
                }
            }
            Ok(())
        })
        .await
    }

    pub async fn copy(&self, from: &str, to: &str) -> Result<(), StorageError> {
        let (store, from, to) = (self.clone(), from.to_owned(), to.to_owned());
        blocking("copy", move || {
            let (file, _, _) = store.open_regular(&from)?;
            store.put_from(&to, file).map(|_| ())
        })
        .await
    }

    /// Lists files under `prefix` in key order. Walks only the directories the prefix can
    /// match, one directory at a time, keeps at most `max` entries, and never follows a link.
    pub async fn list_page(&self, prefix: &str, after: Option<String>, max: usize) -> Result<ListPage, StorageError> {
        let (store, prefix) = (self.clone(), prefix.to_owned());
        blocking("listing", move || store.list_sync(&prefix, after.as_deref(), max)).await
    }

    /// The entries of the directory at `dir_key` (`""` for the root, else ending in `/`), with
    /// their kinds; `None` when it does not exist.
    fn read_dir(&self, dir_key: &str) -> Result<Option<Vec<Entry>>, StorageError> {
        let fd = if dir_key.is_empty() {
            rustix::io::fcntl_dupfd_cloexec(&*self.root_fd, 0).map_err(|e| Self::err(dir_key, e))?
        } else {
            let trimmed = dir_key.trim_end_matches('/');
            let r = match self.resolve(&format!("{trimmed}/x"), false) {
                Ok(r) => r,
                Err(StorageError::NotFound(_)) => return Ok(None),
                Err(e) => return Err(e),
            };
            match r.dirs.into_iter().last() {
                Some(fd) => fd,
                None => return Ok(None),
            }
        };
        let mut dir = rustix::fs::Dir::read_from(&fd).map_err(|e| Self::err(dir_key, e))?;
        let mut out = Vec::new();
        while let Some(entry) = dir.read() {
            let entry = entry.map_err(|e| Self::err(dir_key, e))?;
            let name_c = entry.file_name();
            let bytes = name_c.to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            let Ok(name) = std::str::from_utf8(bytes) else { continue }; // not a valid key
            let st = match rustix::fs::statat(&fd, name_c, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) => st,
                Err(_) => continue, // vanished meanwhile
            };
            let kind = match FileType::from_raw_mode(st.st_mode) {
                FileType::Directory => Kind::Dir,
                FileType::RegularFile => Kind::File,
                _ => continue, // links, FIFOs, devices: not objects
            };
            out.push((name.to_owned(), kind, u64::try_from(st.st_size).unwrap_or(0), stat_mtime_ms(&st)));
        }
        Ok(Some(out))
    }

    /// Depth-first walk in key order, skipping everything `<= after`, stopping after `max`.
    fn list_sync(&self, prefix: &str, after: Option<&str>, max: usize) -> Result<ListPage, StorageError> {
        // Start from the deepest directory fully named by the prefix.
        let start = prefix.rsplit_once('/').map_or(String::new(), |(d, _)| format!("{d}/"));
        let mut page = ListPage::default();
        // Entries still to visit, in reverse key order (the next one is at the end).
        let mut pending: Vec<Entry> = vec![(start, Kind::Dir, 0, 0)];
        while let Some((key, kind, size, modified_ms)) = pending.pop() {
            match kind {
                Kind::Dir => {
                    // Skip whole subtrees that sort before `after` or cannot match the prefix.
                    if !(key.starts_with(prefix) || prefix.starts_with(&key)) {
                        continue;
                    }
                    if let Some(a) = after
                        && key.as_str() < a
                        && !a.starts_with(&key)
                    {
                        continue;
                    }
                    let Some(entries) = self.read_dir(&key)? else { continue };
                    let mut children: Vec<Entry> = entries
                        .into_iter()
                        .filter(|(name, _, _, _)| !(key.is_empty() && name == PARTIAL_DIR))
                        .map(|(name, kind, size, m)| match kind {
                            Kind::Dir => (format!("{key}{name}/"), kind, size, m),
                            Kind::File => (format!("{key}{name}"), kind, size, m),
                        })
                        .collect();
                    // Key order: a directory "a/" sorts by its key with the slash, like S3.
                    children.sort_by(|a, b| b.0.cmp(&a.0));
                    pending.extend(children);
                }
                Kind::File => {
                    if !key.starts_with(prefix) || after.is_some_and(|a| key.as_str() <= a) {
                        continue;
                    }
                    if page.objects.len() == max {
                        page.next = page.objects.last().map(|o| o.key.clone());
                        return Ok(page);
                    }
                    page.objects.push(ObjectInfo { key, size, modified_ms });
                }
            }
        }
        Ok(page)
    }

    /// Files in `.partial/` (writes in progress or left by a crash), keyed by their name.
    pub async fn partial_writes(&self) -> Result<Vec<ObjectInfo>, StorageError> {
        let store = self.clone();
        blocking("listing partial writes", move || {
            let entries = store.read_dir(&format!("{PARTIAL_DIR}/"))?.unwrap_or_default();
            Ok(entries
                .into_iter()
                .filter(|(_, kind, _, _)| *kind == Kind::File)
                .map(|(name, _, size, modified_ms)| ObjectInfo { key: name, size, modified_ms })
                .collect())
        })
        .await
    }

    pub async fn remove_partial_write(&self, name: &str) -> Result<(), StorageError> {
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(StorageError::InvalidKey { key: name.to_owned(), reason: "not a partial write" });
        }
        self.delete(&format!("{PARTIAL_DIR}/{name}")).await
    }

    pub async fn health_check(&self) -> Result<(), StorageError> {
        let store = self.clone();
        blocking("health check", move || {
            let key = format!("{PARTIAL_DIR}/health-{}", std::process::id());
            let r = store.resolve(&key, false)?;
            let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            let fd = rustix::fs::openat(r.parent(), r.name(), flags, Mode::from_raw_mode(0o644))
                .map_err(|e| Self::err(&key, e))?;
            File::from(fd).write_all(b"ok").map_err(|e| StorageError::io("health check write", e))?;
            rustix::fs::unlinkat(r.parent(), r.name(), AtFlags::empty()).map_err(|e| Self::err(&key, e))?;
            Ok(())
        })
        .await
    }
}

/// A directory entry: key (or name), kind, size, modification time (ms).
type Entry = (String, Kind, u64, i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
}

fn stat_mtime_ms(st: &rustix::fs::Stat) -> i64 {
    let secs = st.st_mtime;
    let nanos = i64::try_from(st.st_mtime_nsec).unwrap_or(0);
    secs.saturating_mul(1000).saturating_add(nanos / 1_000_000)
}

/// Copies `input` into a new file at `dest` (never an existing one), hashing, failing with
/// `TooLarge` as soon as more than `limit` bytes were seen. Not fsynced: a scratch copy (see
/// `stream_into_file`).
fn copy_hashing(mut input: File, dest: &Path, limit: u64) -> Result<Fetched, StorageError> {
    let ctx = || dest.display().to_string();
    let mut out =
        std::fs::OpenOptions::new().write(true).create_new(true).open(dest).map_err(|e| StorageError::io(ctx(), e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = input.read(&mut buf).map_err(|e| StorageError::io("reading local object", e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(StorageError::TooLarge { limit, size: None });
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(|e| StorageError::io(ctx(), e))?;
    }
    Ok(Fetched { bytes: total, sha256: hex::encode(hasher.finalize()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn put(store: &LocalStore, key: &str, body: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("f");
        std::fs::write(&src, body).unwrap();
        store.put_file(key, &src).await.unwrap();
    }

    #[tokio::test]
    async fn put_fetch_delete_roundtrip() {
        let root = tempfile::tempdir().unwrap();
        let store = LocalStore::open(root.path()).unwrap();
        put(&store, "uploads/x/display.jpg", b"hello").await;
        let out = tempfile::tempdir().unwrap();
        let f = store.fetch_to_file("uploads/x/display.jpg", &out.path().join("a"), 100).await.unwrap();
        assert_eq!(f.bytes, 5);
        assert_eq!(f.sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        let e = store.fetch_to_file("uploads/x/display.jpg", &out.path().join("b"), 4).await.unwrap_err();
        assert!(matches!(e, StorageError::TooLarge { limit: 4, .. }));
        store.delete("uploads/x/display.jpg").await.unwrap();
        store.delete("uploads/x/display.jpg").await.unwrap();
        assert!(store.head("uploads/x/display.jpg").await.unwrap().is_none());
        assert!(!root.path().join("uploads/x").exists(), "empty dirs are tidied");
        assert_eq!(std::fs::read_dir(root.path().join(PARTIAL_DIR)).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn symlinks_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let store = LocalStore::open(root.path()).unwrap();
        std::fs::create_dir_all(root.path().join("incoming")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.path().join("incoming/evil")).unwrap();
        let out = tempfile::tempdir().unwrap();
        let e = store.fetch_to_file("incoming/evil", &out.path().join("a"), 1 << 20).await.unwrap_err();
        assert!(matches!(e, StorageError::InvalidKey { .. }), "{e}");
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("incoming/dir")).unwrap();
        let e = store.fetch_to_file("incoming/dir/secret", &out.path().join("b"), 1 << 20).await.unwrap_err();
        assert!(matches!(e, StorageError::InvalidKey { .. }), "{e}");
    }

    #[tokio::test]
    async fn listing_is_ordered_paginated_and_prefix_bound() {
        let root = tempfile::tempdir().unwrap();
        let store = LocalStore::open(root.path()).unwrap();
        for k in ["uploads/b/2", "uploads/a/1", "uploads/a/0", "uploads-x/y", "incoming/z", "uploads/c"] {
            put(&store, k, b"x").await;
        }
        let mut keys = Vec::new();
        let mut after = None;
        loop {
            let page = store.list_page("uploads/", after.clone(), 2).await.unwrap();
            keys.extend(page.objects.iter().map(|o| o.key.clone()));
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        assert_eq!(keys, ["uploads/a/0", "uploads/a/1", "uploads/b/2", "uploads/c"]);
        let all = store.list_page("", None, 100).await.unwrap();
        assert_eq!(all.objects.len(), 6, "{:?}", all.objects);
    }

    #[tokio::test]
    async fn nothing_outside_the_root_is_reached_through_a_link() {
        let root = tempfile::tempdir().unwrap();
        let store = LocalStore::open(root.path()).unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("victim"), b"keep me").unwrap();
        std::fs::create_dir_all(root.path().join("incoming")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join("incoming/dir")).unwrap();
        let refused = |r: Result<(), StorageError>| matches!(r, Err(StorageError::InvalidKey { .. }));
        assert!(refused(store.delete("incoming/dir/victim").await), "delete through a linked directory");
        assert!(outside.path().join("victim").exists());
        assert!(matches!(store.head("incoming/dir/victim").await, Err(StorageError::InvalidKey { .. })));
        let scratch = tempfile::tempdir().unwrap();
        let src = scratch.path().join("src");
        std::fs::write(&src, b"new").unwrap();
        assert!(refused(store.put_file("incoming/dir/new", &src).await.map(|_| ())), "write through a link");
        assert!(!outside.path().join("new").exists());
        assert!(refused(store.copy("incoming/dir/victim", "uploads/x").await), "copy from behind a link");
        let listed = store.list_page("incoming/", None, 100).await.unwrap();
        assert!(listed.objects.is_empty(), "listing follows no link: {:?}", listed.objects);
        // A link as the object itself: deleting it removes the link, never its target.
        std::os::unix::fs::symlink(outside.path().join("victim"), root.path().join("incoming/file")).unwrap();
        assert!(store.head("incoming/file").await.unwrap().is_none(), "a link is not an object");
        store.delete("incoming/file").await.unwrap();
        assert!(std::fs::symlink_metadata(root.path().join("incoming/file")).is_err());
        assert_eq!(std::fs::read(outside.path().join("victim")).unwrap(), b"keep me");
        // The partial directory swapped for a link: writes are refused, nothing lands outside.
        std::fs::remove_dir(root.path().join(PARTIAL_DIR)).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join(PARTIAL_DIR)).unwrap();
        assert!(store.put_file("uploads/y", &src).await.is_err());
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1, "only the victim is outside");
    }

    #[tokio::test]
    async fn a_fifo_or_a_directory_is_refused_without_blocking() {
        let root = tempfile::tempdir().unwrap();
        let store = LocalStore::open(root.path()).unwrap();
        std::fs::create_dir_all(root.path().join("incoming/sub")).unwrap();
        let dir = rustix::fs::open(root.path().join("incoming"), DIR_FLAGS, Mode::empty()).unwrap();
        rustix::fs::mknodat(&dir, "fifo", FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
        let out = tempfile::tempdir().unwrap();
        let dest = out.path().join("a");
        let fetch = store.fetch_to_file("incoming/fifo", &dest, 1 << 20);
        let e =
            tokio::time::timeout(std::time::Duration::from_secs(5), fetch).await.expect("must not block").unwrap_err();
        assert!(matches!(e, StorageError::InvalidKey { reason: "is not a regular file", .. }), "{e}");
        assert!(store.head("incoming/fifo").await.unwrap().is_none());
        let e = store.fetch_to_file("incoming/sub", &out.path().join("b"), 1 << 20).await.unwrap_err();
        assert!(matches!(e, StorageError::InvalidKey { .. }), "{e}");
        assert!(store.delete("incoming/sub").await.is_err(), "a directory is not deleted as an object");
    }
}
