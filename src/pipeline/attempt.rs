//! The per-delivery context every stage takes, and what stages share: entering a stage (its
//! timer, its failpoint, the record of where the attempt is), the mapping of dependency errors
//! to failures, and the outputs produced in the job directory.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use uuid::Uuid;

use crate::app::App;
use crate::config::Profile;
use crate::db::{DbError, Status};
use crate::job::UploadJob;
use crate::outcome::{Dependency, Failure, Reason, Stage};
use crate::storage::StorageError;
use crate::workdir::JobDir;

/// How a stage stops the sequence early: a failure, a terminal status reached on the way (an
/// infected file is `rejected` by the scan stage itself), or "not now" through no fault of the
/// job (every transcode slot is busy: hand it back rather than hold a worker slot waiting).
#[derive(Debug)]
pub enum Stop {
    Failed(Failure),
    Finished(Status),
    Deferred {
        reason: String,
        after: std::time::Duration,
    },
    /// The detected type belongs to another lane: the job waits there instead.
    Moved(crate::queue::Lane),
}

impl From<Failure> for Stop {
    fn from(f: Failure) -> Stop {
        Stop::Failed(f)
    }
}

/// Which stage an attempt is in (read when it times out or panics).
#[derive(Debug, Clone, Default)]
pub struct StageTracker(Arc<AtomicU8>);

impl StageTracker {
    pub fn current(&self) -> Stage {
        Stage::from_index(self.0.load(Ordering::Relaxed))
    }
    fn set(&self, stage: Stage) {
        self.0.store(stage.index(), Ordering::Relaxed);
    }
}

/// One attempt at one upload: what every stage needs.
pub struct Attempt<'a> {
    pub app: &'a Arc<App>,
    pub job: &'a UploadJob,
    pub profile: &'a Profile,
    /// The SHA-256 of bytes clamd already reported clean for this upload (a checkpoint).
    pub scanned_sha256: Option<String>,
    /// The attempt's private temp directory (removed when the attempt ends).
    pub dir: JobDir,
    /// The fetched original, in `dir`.
    pub source: PathBuf,
    /// The lane the delivery came from; `None`: run whatever the type (no lanes to move to).
    pub lane: Option<crate::queue::Lane>,
    stage: StageTracker,
    /// When the attempt times out: `worker.job_timeout` after it began, plus the time limits
    /// of the ffmpeg runs it makes (each stage that starts one adds its limit).
    deadline: Arc<std::sync::Mutex<tokio::time::Instant>>,
}

impl<'a> Attempt<'a> {
    /// Creates the attempt's temp directory.
    pub fn new(
        app: &'a Arc<App>,
        job: &'a UploadJob,
        profile: &'a Profile,
        scanned_sha256: Option<String>,
    ) -> Result<Attempt<'a>, Failure> {
        let dir = app.workdir.job_dir(&job.upload_id.to_string()).map_err(workdir_failure)?;
        Ok(Attempt::with_dir(app, job, profile, scanned_sha256, dir))
    }

    /// An attempt in a temp directory already made.
    pub fn with_dir(
        app: &'a Arc<App>,
        job: &'a UploadJob,
        profile: &'a Profile,
        scanned_sha256: Option<String>,
        dir: JobDir,
    ) -> Attempt<'a> {
        let source = dir.file("source");
        let deadline = Arc::new(std::sync::Mutex::new(tokio::time::Instant::now() + app.cfg.worker.job_timeout.get()));
        Attempt { app, job, profile, scanned_sha256, dir, source, lane: None, stage: StageTracker::default(), deadline }
    }

    /// When the attempt times out (it may move later while the attempt runs).
    pub fn deadline(&self) -> tokio::time::Instant {
        *self.deadline.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves the deadline `by` later: a stage about to run a child with its own time limit.
    pub fn extend_deadline(&self, by: std::time::Duration) {
        *self.deadline.lock().unwrap_or_else(std::sync::PoisonError::into_inner) += by;
    }

    pub fn id(&self) -> Uuid {
        self.job.upload_id
    }

    pub fn stage_tracker(&self) -> StageTracker {
        self.stage.clone()
    }

    /// Enters `stage`: records it as the current one, passes its failpoint, and returns the
    /// timer that observes its duration when dropped (so cancelled stages count too).
    pub async fn enter(&self, stage: Stage) -> prometheus::HistogramTimer {
        self.stage.set(stage);
        crate::failpoint::hit(stage.as_str()).await;
        self.app.metrics.time_stage(stage)
    }

    /// Records what a stage learnt about the file (size, hash, type, header facts).
    pub async fn record_facts(
        &self,
        stage: Stage,
        bytes: u64,
        sha256: &str,
        detected: Option<&str>,
        facts: Option<&serde_json::Value>,
    ) -> Result<(), Failure> {
        self.app.db.record_facts(self.id(), bytes, sha256, detected, facts).await.map_err(|e| db_failure(stage, e))
    }
}

/// The temp directory could not be made.
pub fn workdir_failure(e: crate::workdir::WorkdirError) -> Failure {
    let reason = if e.is_disk_full() { Reason::DiskFull } else { Reason::TempUnavailable };
    Failure::transient(Stage::Fetch, reason, e.to_string())
}

/// The dependency a stage waits on (a time-out there is that dependency's, not the input's).
pub fn waits_on(stage: Stage) -> Option<Dependency> {
    match stage {
        Stage::Fetch | Stage::Store => Some(Dependency::Storage),
        Stage::Scan => Some(Dependency::Clamd),
        Stage::Commit => Some(Dependency::Database),
        Stage::Validate | Stage::Image | Stage::Video | Stage::Placeholders => None,
    }
}

/// A store error as a failure: a bad key is the job's fault, a full disk ours, anything else
/// the store's (a dependency: the job's attempts are not spent on it).
pub fn storage_failure(stage: Stage, e: StorageError) -> Failure {
    match e {
        StorageError::InvalidKey { .. } => Failure::reject(stage, Reason::InvalidSource, e.to_string()),
        _ if e.is_disk_full() => Failure::transient(stage, Reason::DiskFull, e.to_string()),
        _ => Failure::unavailable(stage, Dependency::Storage, Reason::StorageUnavailable, e.to_string()),
    }
}

pub fn db_failure(stage: Stage, e: DbError) -> Failure {
    Failure::unavailable(stage, Dependency::Database, Reason::DatabaseUnavailable, e.to_string())
}

/// The local temp directory failed us.
pub fn temp_failure(stage: Stage, e: &std::io::Error, what: &str) -> Failure {
    let full = matches!(e.raw_os_error(), Some(libc::ENOSPC) | Some(libc::EDQUOT));
    let reason = if full { Reason::DiskFull } else { Reason::TempUnavailable };
    Failure::transient(stage, reason, format!("{what}: {e}"))
}

/// An output produced in the job directory, not yet stored.
#[derive(Debug, Clone)]
pub struct Produced {
    pub variant: String,
    pub extension: &'static str,
    pub content_type: &'static str,
    pub path: PathBuf,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub sha256: String,
}

/// `{prefix}{upload_id}/{variant}.{ext}` — built from server-side values only.
pub fn output_key(prefix: &str, id: Uuid, variant: &str, ext: &str) -> String {
    format!("{prefix}{id}/{variant}.{ext}")
}

/// Encoded images (variants or posters) with the SHA-256 of each, computed on the CPU pool.
pub type Hashed = Vec<(crate::media::Rendered, String)>;

/// Hashes rendered images (call on the CPU pool, right after rendering).
pub fn hash_rendered(rendered: Vec<crate::media::Rendered>) -> Hashed {
    rendered
        .into_iter()
        .map(|r| {
            let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&r.data));
            (r, sha)
        })
        .collect()
}

/// Writes rendered images into the job directory as `{name}.{ext}`.
pub async fn write_rendered(a: &Attempt<'_>, stage: Stage, rendered: Hashed) -> Result<Vec<Produced>, Failure> {
    let mut out = Vec::with_capacity(rendered.len());
    for (r, sha256) in rendered {
        let ext = r.format.extension();
        let path = a.dir.file(&format!("{}.{ext}", r.name));
        tokio::fs::write(&path, &r.data)
            .await
            .map_err(|e| temp_failure(stage, &e, &format!("writing {}", path.display())))?;
        out.push(Produced {
            variant: r.name,
            extension: ext,
            content_type: r.format.content_type(),
            path,
            bytes: r.data.len() as u64,
            width: Some(r.width),
            height: Some(r.height),
            sha256,
        });
    }
    Ok(out)
}
