//! The embedded store: object key `K` is the file `{root}/K`.
//!
//! Writes go to `{root}/.partial/` first and are renamed into place after an fsync, so a crash
//! never leaves a half-written object under a real key. Reads refuse symlinks and anything that
//! resolves outside the root. An object's age is its file's mtime.

use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use tokio::io::AsyncReadExt;

use super::{AsyncChunks, Fetched, ListPage, ObjectInfo, StorageError, stream_into_file};

/// Directory (under the root) for files being written.
pub const PARTIAL_DIR: &str = ".partial";

#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// Opens (creating if needed) a store rooted at `root`.
    pub fn open(root: &Path) -> Result<LocalStore, StorageError> {
        std::fs::create_dir_all(root.join(PARTIAL_DIR)).map_err(|e| StorageError::io(root.display().to_string(), e))?;
        let root = root.canonicalize().map_err(|e| StorageError::io(root.display().to_string(), e))?;
        Ok(LocalStore { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file for `key` (the key was validated by the caller).
    pub fn path_of(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    fn io(&self, key: &str, e: std::io::Error) -> StorageError {
        if e.kind() == std::io::ErrorKind::NotFound {
            StorageError::NotFound(key.to_owned())
        } else {
            StorageError::io(format!("local object {key}"), e)
        }
    }

    /// Refuses a path whose real location is outside the root (a symlinked directory).
    async fn ensure_inside(&self, key: &str, path: &Path) -> Result<(), StorageError> {
        let real = tokio::fs::canonicalize(path).await.map_err(|e| self.io(key, e))?;
        if real.starts_with(&self.root) {
            Ok(())
        } else {
            Err(StorageError::InvalidKey { key: key.to_owned(), reason: "resolves outside the store" })
        }
    }

    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        let path = self.path_of(key);
        match tokio::fs::symlink_metadata(&path).await {
            Ok(m) if m.is_file() => {
                Ok(Some(ObjectInfo { key: key.to_owned(), size: m.len(), modified_ms: mtime_ms(&m) }))
            }
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(key, e)),
        }
    }

    pub async fn fetch_to_file(&self, key: &str, dest: &Path, limit: u64) -> Result<Fetched, StorageError> {
        let path = self.path_of(key);
        let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&path).map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                StorageError::InvalidKey { key: key.to_owned(), reason: "is a symbolic link" }
            } else {
                self.io(key, e)
            }
        })?;
        self.ensure_inside(key, &path).await?;
        let meta = file.metadata().map_err(|e| self.io(key, e))?;
        if !meta.is_file() {
            return Err(StorageError::NotFound(key.to_owned()));
        }
        if meta.len() > limit {
            return Err(StorageError::TooLarge { limit, size: Some(meta.len()) });
        }
        let chunks = FileChunks { file: tokio::fs::File::from_std(file), buf: vec![0; 256 * 1024] };
        stream_into_file(chunks, dest, limit).await
    }

    pub async fn put_file(&self, key: &str, src: &Path) -> Result<u64, StorageError> {
        let dest = self.path_of(key);
        let parent = dest.parent().unwrap_or(&self.root).to_owned();
        tokio::fs::create_dir_all(&parent).await.map_err(|e| self.io(key, e))?;
        self.ensure_inside(key, &parent).await?;
        let partial =
            self.root.join(PARTIAL_DIR).join(format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()));
        let result = async {
            let n = tokio::fs::copy(src, &partial).await.map_err(|e| StorageError::io(format!("copy to {key}"), e))?;
            let f = tokio::fs::File::open(&partial).await.map_err(|e| self.io(key, e))?;
            f.sync_all().await.map_err(|e| self.io(key, e))?;
            tokio::fs::rename(&partial, &dest).await.map_err(|e| self.io(key, e))?;
            sync_dir(&parent).await;
            Ok(n)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&partial).await;
        }
        result
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = self.path_of(key);
        match tokio::fs::symlink_metadata(&path).await {
            Ok(m) if m.is_dir() => {
                return Err(StorageError::InvalidKey { key: key.to_owned(), reason: "is a directory" });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            _ => {}
        }
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {
                // Tidy empty parent directories up to the root (best effort).
                let mut dir = path.parent().map(Path::to_path_buf);
                while let Some(d) = dir {
                    if d == self.root || tokio::fs::remove_dir(&d).await.is_err() {
                        break;
                    }
                    dir = d.parent().map(Path::to_path_buf);
                }
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io(key, e)),
        }
    }

    pub async fn copy(&self, from: &str, to: &str) -> Result<(), StorageError> {
        let src = self.path_of(from);
        let meta = tokio::fs::symlink_metadata(&src).await.map_err(|e| self.io(from, e))?;
        if !meta.is_file() {
            return Err(StorageError::NotFound(from.to_owned()));
        }
        self.put_file(to, &src).await.map(|_| ())
    }

    /// Lists files under `prefix` in key order. Walks only the directories the prefix can
    /// match, reads one directory at a time and keeps at most `max` entries.
    pub async fn list_page(&self, prefix: &str, after: Option<String>, max: usize) -> Result<ListPage, StorageError> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || list_sync(&root, &prefix, after.as_deref(), max))
            .await
            .map_err(|e| StorageError::io("listing", std::io::Error::other(e.to_string())))?
    }

    pub async fn health_check(&self) -> Result<(), StorageError> {
        let probe = self.root.join(PARTIAL_DIR).join(format!("health-{}", std::process::id()));
        tokio::fs::write(&probe, b"ok").await.map_err(|e| StorageError::io("health check write", e))?;
        tokio::fs::remove_file(&probe).await.map_err(|e| StorageError::io("health check remove", e))?;
        Ok(())
    }
}

struct FileChunks {
    file: tokio::fs::File,
    buf: Vec<u8>,
}

impl AsyncChunks for FileChunks {
    type Error = StorageError;
    async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, StorageError> {
        let n = self.file.read(&mut self.buf).await.map_err(|e| StorageError::io("reading local object", e))?;
        Ok((n > 0).then(|| bytes::Bytes::copy_from_slice(&self.buf[..n])))
    }
}

async fn sync_dir(dir: &Path) {
    if let Ok(d) = tokio::fs::File::open(dir).await {
        let _ = d.sync_all().await;
    }
}

fn mtime_ms(m: &std::fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(super::TIME_UNKNOWN_MS, |d| i64::try_from(d.as_millis()).unwrap_or(super::TIME_UNKNOWN_MS))
}

/// Depth-first walk in key order, skipping everything `<= after`, stopping after `max` objects.
fn list_sync(root: &Path, prefix: &str, after: Option<&str>, max: usize) -> Result<ListPage, StorageError> {
    // Start from the deepest directory fully named by the prefix.
    let (dir_part, _) = prefix.rsplit_once('/').unwrap_or(("", prefix));
    let start = if dir_part.is_empty() { root.to_path_buf() } else { root.join(dir_part) };
    let start_key = if dir_part.is_empty() { String::new() } else { format!("{dir_part}/") };
    let mut page = ListPage::default();
    let mut stack: Vec<(PathBuf, String)> = vec![(start, start_key)];
    // Each stack frame is a directory to expand; entries are pushed in reverse key order.
    let mut pending: Vec<Entry> = Vec::new();
    enum Entry {
        Dir(PathBuf, String),
        File(String, std::fs::Metadata),
    }
    if let Some((dir, key)) = stack.pop() {
        expand(&dir, &key, &mut pending)?;
    }
    while let Some(entry) = pending.pop() {
        match entry {
            Entry::Dir(path, key) => {
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
                expand(&path, &key, &mut pending)?;
            }
            Entry::File(key, meta) => {
                if !key.starts_with(prefix) || after.is_some_and(|a| key.as_str() <= a) {
                    continue;
                }
                if page.objects.len() == max {
                    page.next = page.objects.last().map(|o| o.key.clone());
                    return Ok(page);
                }
                page.objects.push(ObjectInfo { key, size: meta.len(), modified_ms: mtime_ms(&meta) });
            }
        }
    }
    return Ok(page);

    fn expand(dir: &Path, key_prefix: &str, pending: &mut Vec<Entry>) -> Result<(), StorageError> {
        let rd = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StorageError::io(dir.display().to_string(), e)),
        };
        let mut entries = Vec::new();
        for ent in rd {
            let ent = ent.map_err(|e| StorageError::io(dir.display().to_string(), e))?;
            let Some(name) = ent.file_name().to_str().map(str::to_owned) else {
                continue; // not a valid key
            };
            if key_prefix.is_empty() && name == PARTIAL_DIR {
                continue;
            }
            let meta = match ent.path().symlink_metadata() {
                Ok(m) => m,
                Err(_) => continue, // vanished meanwhile
            };
            let key = format!("{key_prefix}{name}");
            if meta.is_dir() {
                entries.push(Entry::Dir(ent.path(), format!("{key}/")));
            } else if meta.is_file() {
                entries.push(Entry::File(key, meta));
            }
        }
        // Key order: a directory "a/" sorts by its key with the slash, like S3 listing does.
        entries.sort_by(|a, b| entry_key(b).cmp(entry_key(a)));
        pending.extend(entries);
        Ok(())
    }

    fn entry_key(e: &Entry) -> &str {
        match e {
            Entry::Dir(_, k) => k,
            Entry::File(k, _) => k,
        }
    }
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
}
