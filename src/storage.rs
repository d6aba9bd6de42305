//! Object storage: one interface, two backends — S3 (`aws-sdk-s3`) and a local directory (the
//! embedded default). Both use the same key layout (`incoming/…`, `uploads/…`, `quarantine/…`).
//!
//! Invariants: only this module talks to S3 or touches the store's files; a `put` is atomic (a
//! reader sees the old object, no object, or the whole new one — never a partial file); keys are
//! validated here too, so nothing outside the store root or bucket is ever reachable.

mod local;
mod s3;
mod s3_diagnose;

use std::path::Path;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

pub use local::{LocalStore, PARTIAL_DIR};
pub use s3::S3Store;
pub use s3_diagnose::permission_for;

/// One operation `uploadd doctor` tried under one prefix.
#[derive(Debug, Clone)]
pub struct Probe {
    pub prefix: String,
    pub op: &'static str,
    pub result: Result<(), String>,
}

/// What `uploadd doctor` found about the store.
#[derive(Debug, Clone, Default)]
pub struct Diagnosis {
    pub probes: Vec<Probe>,
    /// Whether the bucket has an `AbortIncompleteMultipartUpload` rule (`None`: not S3, or
    /// the rules could not be read).
    pub lifecycle_abort_rule: Option<bool>,
    /// This machine's clock minus the store's (ms), from the store's `Date` header.
    pub clock_skew_ms: Option<i64>,
}

use crate::config::{Config, StorageBackend};

/// Storage failures, classified so the pipeline knows whether to retry.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("object {0} not found")]
    NotFound(String),
    #[error("object is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64, size: Option<u64> },
    #[error("invalid object key {key:?}: {reason}")]
    InvalidKey { key: String, reason: &'static str },
    #[error("storage I/O error on {context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("S3 {op} failed: {message}")]
    S3 { op: &'static str, message: String },
    #[error("storage configuration: {0}")]
    Config(String),
}

impl StorageError {
    fn io(context: impl Into<String>, source: std::io::Error) -> StorageError {
        StorageError::Io { context: context.into(), source }
    }

    /// True for disk-full conditions on our side (temp files), which are transient.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StorageError::Io { source, .. } if source.raw_os_error() == Some(libc::ENOSPC) || source.raw_os_error() == Some(libc::EDQUOT))
    }
}

/// The time of an object or multipart upload that the store did not report: later than any
/// clock reading, so an age computed from it is negative and a sweep keeps the object as too
/// young to judge rather than taking it for infinitely old.
pub const TIME_UNKNOWN_MS: i64 = i64::MAX;

/// What a listing returns for each object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    /// Last modification, ms since the epoch.
    pub modified_ms: i64,
}

/// One page of a listing.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub objects: Vec<ObjectInfo>,
    pub next: Option<String>,
}

/// An in-progress multipart upload (S3 only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartInfo {
    pub key: String,
    pub upload_id: String,
    pub initiated_ms: i64,
}

/// One page of in-progress multipart uploads.
#[derive(Debug, Clone, Default)]
pub struct MultipartPage {
    pub uploads: Vec<MultipartInfo>,
    /// (key marker, upload id marker) for the next page.
    pub next: Option<(String, String)>,
}

/// Result of streaming an object into a local file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub bytes: u64,
    pub sha256: String,
}

/// How an object should be served.
#[derive(Debug, Clone, Copy)]
pub struct PutOptions<'a> {
    pub content_type: &'a str,
    pub cache_control: Option<&'a str>,
    /// Hex SHA-256 of the content, stored as object metadata where the backend supports it.
    pub sha256: Option<&'a str>,
}

/// The configured store.
#[derive(Debug, Clone)]
pub enum Storage {
    Local(LocalStore),
    S3(S3Store),
}

impl Storage {
    pub async fn from_config(cfg: &Config) -> Result<Storage, StorageError> {
        match cfg.storage.backend {
            StorageBackend::Local => Ok(Storage::Local(LocalStore::open(&cfg.store_root())?)),
            StorageBackend::S3 => Ok(Storage::S3(S3Store::from_config(&cfg.storage).await?)),
        }
    }

    /// `local:/path` or `s3://bucket` — for logs (never credentials).
    pub fn describe(&self) -> String {
        match self {
            Storage::Local(l) => format!("local:{}", l.root().display()),
            Storage::S3(s) => format!("s3://{}", s.bucket()),
        }
    }

    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StorageError> {
        check_key(key)?;
        match self {
            Storage::Local(l) => l.head(key).await,
            Storage::S3(s) => s.head(key).await,
        }
    }

    /// Streams `key` into a new file at `dest`, hashing as it goes and stopping as soon as more
    /// than `limit` bytes arrived (`TooLarge`), so an oversized object is never fully read.
    pub async fn fetch_to_file(&self, key: &str, dest: &Path, limit: u64) -> Result<Fetched, StorageError> {
        check_key(key)?;
        match self {
            Storage::Local(l) => l.fetch_to_file(key, dest, limit).await,
            Storage::S3(s) => s.fetch_to_file(key, dest, limit).await,
        }
    }

    /// Uploads the file at `src` to `key` atomically (multipart above the threshold on S3).
    pub async fn put_file(&self, key: &str, src: &Path, opts: PutOptions<'_>) -> Result<u64, StorageError> {
        check_key(key)?;
        match self {
            Storage::Local(l) => l.put_file(key, src).await,
            Storage::S3(s) => s.put_file(key, src, opts).await,
        }
    }

    /// Deletes `key`; deleting a missing object succeeds.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        check_key(key)?;
        match self {
            Storage::Local(l) => l.delete(key).await,
            Storage::S3(s) => s.delete(key).await,
        }
    }

    /// Copies `from` to `to` (server-side on S3).
    pub async fn copy(&self, from: &str, to: &str, opts: PutOptions<'_>) -> Result<(), StorageError> {
        check_key(from)?;
        check_key(to)?;
        match self {
            Storage::Local(l) => l.copy(from, to).await,
            Storage::S3(s) => s.copy(from, to, opts).await,
        }
    }

    /// One page of objects under `prefix`, in key order.
    pub async fn list_page(&self, prefix: &str, after: Option<String>, max: usize) -> Result<ListPage, StorageError> {
        match self {
            Storage::Local(l) => l.list_page(prefix, after, max).await,
            Storage::S3(s) => s.list_page(prefix, after, max).await,
        }
    }

    /// One page of in-progress multipart uploads; `None` for the local store (it has none).
    pub async fn list_multipart(
        &self,
        marker: Option<(String, String)>,
    ) -> Result<Option<MultipartPage>, StorageError> {
        match self {
            Storage::Local(_) => Ok(None),
            Storage::S3(s) => s.list_multipart(marker).await.map(Some),
        }
    }

    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError> {
        match self {
            Storage::Local(_) => Ok(()),
            Storage::S3(s) => s.abort_multipart(key, upload_id).await,
        }
    }

    /// Files left by interrupted writes (the local store's partial files; S3 has none — its
    /// interrupted multipart uploads are the multipart sweep's), keyed by their name.
    pub async fn partial_writes(&self) -> Result<Vec<ObjectInfo>, StorageError> {
        match self {
            Storage::Local(l) => l.partial_writes().await,
            Storage::S3(_) => Ok(Vec::new()),
        }
    }

    /// Removes one of [`Storage::partial_writes`].
    pub async fn remove_partial_write(&self, name: &str) -> Result<(), StorageError> {
        match self {
            Storage::Local(l) => l.remove_partial_write(name).await,
            Storage::S3(_) => Ok(()),
        }
    }

    /// Every operation uploadd needs, tried under each of `prefixes` (see `uploadd doctor`).
    pub async fn diagnose(&self, prefixes: &[String]) -> Diagnosis {
        match self {
            Storage::S3(s) => s.diagnose(prefixes).await,
            Storage::Local(l) => Diagnosis {
                probes: vec![Probe {
                    prefix: String::new(),
                    op: "put",
                    result: l.health_check().await.map_err(|e| e.to_string()),
                }],
                ..Diagnosis::default()
            },
        }
    }

    /// Proves the store is reachable and writable by us (used by `/readyz` and at start).
    pub async fn health_check(&self) -> Result<(), StorageError> {
        match self {
            Storage::Local(l) => l.health_check().await,
            Storage::S3(s) => s.health_check().await,
        }
    }
}

/// Keys are relative, `/`-separated, without empty/`.`/`..` segments, control characters or
/// backslashes, and at most 1024 bytes.
pub fn check_key(key: &str) -> Result<(), StorageError> {
    let bad = |reason| Err(StorageError::InvalidKey { key: key.chars().take(200).collect(), reason });
    if key.is_empty() || key.len() > 1024 {
        return bad("must be 1–1024 bytes");
    }
    if key.starts_with('/') || key.contains("://") {
        return bad("must be relative");
    }
    if key.chars().any(|c| c.is_control() || c == '\\') {
        return bad("must not contain control characters or backslashes");
    }
    if key.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return bad("must not contain empty, `.` or `..` segments");
    }
    Ok(())
}

/// Copies `reader` into a new file at `dest`, hashing, failing with `TooLarge` as soon as more
/// than `limit` bytes were seen. Not fsynced: `dest` is an attempt's scratch copy, which a crash
/// discards (the next attempt fetches again), and the page cache serves it to this process
/// whether or not it has reached the disk.
async fn stream_into_file<S, E>(mut next_chunk: S, dest: &Path, limit: u64) -> Result<Fetched, StorageError>
where
    S: AsyncChunks<Error = E>,
    E: Into<StorageError>,
{
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)
        .await
        .map_err(|e| StorageError::io(dest.display().to_string(), e))?;
    let mut hasher = Sha256::new();
    let mut total: u64 = 0;
    while let Some(chunk) = next_chunk.next_chunk().await.map_err(Into::into)? {
        total += chunk.len() as u64;
        if total > limit {
            return Err(StorageError::TooLarge { limit, size: None });
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(|e| StorageError::io(dest.display().to_string(), e))?;
    }
    file.flush().await.map_err(|e| StorageError::io(dest.display().to_string(), e))?;
    Ok(Fetched { bytes: total, sha256: hex::encode(hasher.finalize()) })
}

/// A source of byte chunks (an S3 body, a file).
trait AsyncChunks {
    type Error;
    async fn next_chunk(&mut self) -> Result<Option<bytes::Bytes>, Self::Error>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        for ok in ["incoming/a", "uploads/0196/display.jpg", "a/b/c.d"] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "./a", "a/", "s3://b/k", "a\\b", "a\nb"] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }
}
