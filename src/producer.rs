//! The Rust producer API (what `uploadd enqueue` uses): put a file under the incoming prefix
//! and enqueue its job. Producers in other languages do the same with `jobs/redis/push.lua`
//! (see `jobs/README.md`).

use std::collections::BTreeMap;
use std::path::Path;

use uuid::Uuid;

use crate::app::App;
use crate::db::{DbError, Status};
use crate::job::{UploadJob, sanitize_filename};
use crate::queue::{PushOutcome, QueueError};
use crate::storage::{PutOptions, StorageError};

#[derive(Debug, thiserror::Error)]
pub enum ProducerError {
    #[error("unknown profile {0:?} (configured: {1})")]
    UnknownProfile(String, String),
    #[error("cannot read {path}: {source}")]
    Unreadable { path: String, source: std::io::Error },
    #[error("{path} is not a regular file")]
    NotAFile { path: String },
    #[error("upload id {0} already exists; choose another id or omit --id")]
    DuplicateId(Uuid),
    #[error("invalid job: {0}")]
    InvalidJob(#[from] crate::job::JobError),
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Queue(#[from] QueueError),
    #[error("{0}")]
    Db(#[from] DbError),
}

/// Options for [`enqueue_file`].
#[derive(Debug, Clone, Default)]
pub struct EnqueueOptions {
    pub upload_id: Option<Uuid>,
    pub declared_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub callback_url: Option<String>,
    /// `high` | `normal` | `low` (None: normal).
    pub priority: Option<String>,
    /// Served round-robin with other tenants (None: the default tenant).
    pub tenant: Option<String>,
}

/// Copies a local file to `{incoming_prefix}{upload_id}` in the store and enqueues it.
/// Returns the upload id.
pub async fn enqueue_file(app: &App, path: &Path, profile: &str, opts: EnqueueOptions) -> Result<Uuid, ProducerError> {
    if !app.cfg.profiles.contains_key(profile) {
        let known: Vec<&str> = app.cfg.profiles.keys().map(String::as_str).collect();
        return Err(ProducerError::UnknownProfile(profile.to_owned(), known.join(", ")));
    }
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|source| ProducerError::Unreadable { path: path.display().to_string(), source })?;
    if !meta.is_file() {
        return Err(ProducerError::NotAFile { path: path.display().to_string() });
    }
    // Readable? (metadata alone does not prove it.)
    tokio::fs::File::open(path)
        .await
        .map_err(|source| ProducerError::Unreadable { path: path.display().to_string(), source })?;
    let id = opts.upload_id.unwrap_or_else(Uuid::now_v7);
    let key = format!("{}{id}", app.cfg.storage.incoming_prefix);
    // An id already used is refused — unless it is this very upload, recorded `queued` by an
    // earlier run whose push never reached the queue: running the same command again finishes
    // the enqueue instead of leaving an id nobody can use.
    let in_queue = app.queue.find(&id.to_string()).await?.is_some();
    match app.db.get(&id.to_string()).await? {
        _ if in_queue => return Err(ProducerError::DuplicateId(id)),
        Some(row) if !(row.status == Status::Queued && row.source_key == key && row.profile == profile) => {
            return Err(ProducerError::DuplicateId(id));
        }
        Some(_) => tracing::info!(upload = %id, "Resuming an enqueue whose push did not happen."),
        None => {}
    }
    let payload = serde_json::json!({
        "version": crate::job::PAYLOAD_VERSION,
        "upload_id": id.to_string(),
        "source_key": key,
        "profile": profile,
        "declared_type": opts.declared_type,
        "original_filename": path.file_name().and_then(|n| n.to_str()).and_then(sanitize_filename),
        "metadata": opts.metadata,
        "callback_url": opts.callback_url,
        "priority": opts.priority,
        "tenant": opts.tenant,
    })
    .to_string();
    let job = UploadJob::parse(&id.to_string(), &payload, &app.cfg.storage.incoming_prefix)?;
    app.storage
        .put_file(
            &key,
            path,
            PutOptions { content_type: "application/octet-stream", cache_control: None, sha256: None },
        )
        .await?;
    enqueue_job(app, &job).await?;
    Ok(id)
}

/// Enqueues an already-uploaded source. Records the upload as `queued` first, so `status`
/// knows it at once. Pushing the same upload id twice enqueues it once.
pub async fn enqueue_job(app: &App, job: &UploadJob) -> Result<PushOutcome, ProducerError> {
    app.db.insert_queued(job).await?;
    let payload = serde_json::to_string(&job.to_payload()).unwrap_or_default();
    let id = job.upload_id.to_string();
    Ok(app.queue.push(&id, &payload, &id).await?)
}
