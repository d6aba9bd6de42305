//! Operator tools behind `uploadd jobs`: list, show, retry and cancel uploads — what is needed
//! at 3 a.m. Every action goes through the same database and queue operations the daemon uses.

use serde::Serialize;
use uuid::Uuid;

use crate::app::App;
use crate::db::{DbError, DeliveryStatus, Status, UploadRecord};
use crate::job::UploadJob;
use crate::queue::{PushOutcome, QueueError, TaskInfo};
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no upload with id {0}")]
    NotFound(String),
    #[error("upload {id} is {status}; only failed, cancelled or rejected uploads can be retried")]
    NotRetryable { id: String, status: Status },
    #[error(
        "upload {id} cannot be retried: its original {key} is gone (infected files are quarantined, never re-processed)"
    )]
    SourceGone { id: String, key: String },
    #[error("upload {id} is already {status}; there is nothing to cancel")]
    AlreadyFinished { id: String, status: Status },
    #[error("upload {id} is being taken by a worker right now; run the command again in a moment")]
    Running { id: String },
    #[error(
        "upload {id} cannot be retried: its job itself is invalid ({reason}); nothing about the file was tried. Fix the producer and enqueue a corrected job under a new upload id"
    )]
    InvalidJob { id: String, reason: String },
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("{0}")]
    Queue(#[from] QueueError),
    #[error("{0}")]
    Storage(#[from] StorageError),
}

/// `uploadd jobs show`: the row, what the queue knows, and the webhook.
#[derive(Debug, Serialize)]
pub struct JobDetails {
    #[serde(flatten)]
    pub upload: UploadRecord,
    pub queue: Option<TaskInfo>,
    pub webhook: Option<DeliveryStatus>,
}

/// An upload a producer pushed that no worker has taken yet has no row: the queue's entry
/// stands for it, `queued`.
fn queued_record(task: &TaskInfo, incoming_prefix: &str) -> Option<UploadRecord> {
    let payload = task.payload.as_deref()?;
    let job = UploadJob::parse(&task.id, payload, incoming_prefix).ok()?;
    let now = crate::units::format_ms(crate::units::now_ms());
    Some(UploadRecord {
        id: job.upload_id.to_string(),
        profile: job.profile,
        status: Status::Queued,
        reason_code: None,
        reason: None,
        source_key: job.source_key,
        declared_type: job.declared_type,
        detected_type: None,
        original_filename: job.original_filename,
        metadata: job.metadata,
        bytes: None,
        sha256: None,
        media: None,
        placeholders: None,
        attempts: task.attempts,
        deliveries: task.deliveries,
        progress: None,
        callback_url: job.callback_url,
        scanned_sha256: None,
        next_attempt_at: None,
        created_at: now.clone(),
        updated_at: now,
        started_at: None,
        finished_at: None,
        outputs: Vec::new(),
    })
}

/// Uploads waiting in the queue that have no row yet (pushed by a producer, not yet taken).
pub async fn queued_without_row(app: &App, limit: usize) -> Result<Vec<UploadRecord>, AdminError> {
    let mut out = Vec::new();
    for task in app.queue.list_waiting(limit).await? {
        if let Some(rec) = queued_record(&task, &app.cfg.storage.incoming_prefix)
            && app.db.get(&rec.id).await?.is_none()
        {
            out.push(rec);
        }
    }
    Ok(out)
}

pub async fn show(app: &App, id: &str) -> Result<JobDetails, AdminError> {
    let Some(upload) = app.db.get(id).await? else {
        // Pushed by a producer and not taken yet: the queue knows it.
        let mut task = app.queue.find(id).await?.ok_or_else(|| AdminError::NotFound(id.to_owned()))?;
        let upload = queued_record(&task, &app.cfg.storage.incoming_prefix)
            .ok_or_else(|| AdminError::NotFound(id.to_owned()))?;
        task.payload = None;
        return Ok(JobDetails { upload, queue: Some(task), webhook: None });
    };
    let mut queue = app.queue.find(id).await?;
    if let Some(q) = &mut queue {
        q.payload = None; // shown as the upload's fields already
    }
    let webhook = app.db.webhook_status(id).await?;
    Ok(JobDetails { upload, queue, webhook })
}

/// Re-queues a failed, cancelled or rejected upload from its recorded job. With `dry_run`,
/// only checks that it could be.
pub async fn retry(app: &App, id: &str, dry_run: bool) -> Result<(), AdminError> {
    let rec = app.db.get(id).await?.ok_or_else(|| AdminError::NotFound(id.to_owned()))?;
    if rec.reason_code.as_deref() == Some(crate::outcome::Reason::InvalidJob.as_str()) || rec.source_key.is_empty() {
        let reason = crate::units::printable(rec.reason.as_deref().unwrap_or("invalid job"), 300);
        return Err(AdminError::InvalidJob { id: id.to_owned(), reason });
    }
    if !matches!(rec.status, Status::Failed | Status::Cancelled | Status::Rejected) {
        return Err(AdminError::NotRetryable { id: id.to_owned(), status: rec.status });
    }
    if app.storage.head(&rec.source_key).await?.is_none() {
        return Err(AdminError::SourceGone { id: id.to_owned(), key: rec.source_key });
    }
    if dry_run {
        return Ok(());
    }
    let uuid = Uuid::parse_str(id).map_err(|_| AdminError::NotFound(id.to_owned()))?;
    if !app.db.reopen(uuid).await? {
        // Someone else changed it meanwhile.
        let now = app.db.get(id).await?.map_or(Status::Cancelled, |r| r.status);
        return Err(AdminError::NotRetryable { id: id.to_owned(), status: now });
    }
    // The dead-lettered task still holds the job: put it back; otherwise enqueue it afresh.
    if !app.queue.requeue_dead(id).await? {
        let payload = serde_json::json!({
            "version": crate::job::PAYLOAD_VERSION,
            "upload_id": id,
            "source_key": rec.source_key,
            "profile": rec.profile,
            "declared_type": rec.declared_type,
            "original_filename": rec.original_filename,
            "metadata": rec.metadata,
            "callback_url": rec.callback_url,
        })
        .to_string();
        if app.queue.push(id, &payload, "").await? == PushOutcome::Duplicate {
            tracing::info!(upload = id, "The job was still queued; it will run with the reopened row.");
        }
    }
    Ok(())
}

/// Cancels an upload that has not finished. A queued job is removed from the queue; a running
/// one is marked cancelled and its worker discards its outputs at commit.
pub async fn cancel(app: &App, id: &str) -> Result<(), AdminError> {
    let Some(rec) = app.db.get(id).await? else {
        return cancel_queued(app, id).await;
    };
    if rec.status.is_terminal() {
        return Err(AdminError::AlreadyFinished { id: id.to_owned(), status: rec.status });
    }
    let uuid = Uuid::parse_str(id).map_err(|_| AdminError::NotFound(id.to_owned()))?;
    let _ = app.queue.cancel(id).await?;
    if !app
        .db
        .finish(uuid, Status::Cancelled, crate::outcome::Reason::Cancelled.as_str(), "cancelled by an operator")
        .await?
    {
        let now = app.db.get(id).await?.map_or(Status::Cancelled, |r| r.status);
        return Err(AdminError::AlreadyFinished { id: id.to_owned(), status: now });
    }
    crate::announce::terminal(app, uuid).await;
    Ok(())
}

/// Cancels an upload that is only in the queue (a producer's push no worker has taken): the
/// entry is removed and a `cancelled` row records it, so `status` and events say so.
async fn cancel_queued(app: &App, id: &str) -> Result<(), AdminError> {
    let task = app.queue.find(id).await?.ok_or_else(|| AdminError::NotFound(id.to_owned()))?;
    let rec =
        queued_record(&task, &app.cfg.storage.incoming_prefix).ok_or_else(|| AdminError::NotFound(id.to_owned()))?;
    if !app.queue.cancel(id).await? {
        return Err(AdminError::Running { id: id.to_owned() });
    }
    let payload = task.payload.unwrap_or_default();
    let job = UploadJob::parse(&task.id, &payload, &app.cfg.storage.incoming_prefix)
        .map_err(|_| AdminError::NotFound(id.to_owned()))?;
    app.db.record_cancelled(&job, "cancelled by an operator").await?;
    let uuid = Uuid::parse_str(&rec.id).map_err(|_| AdminError::NotFound(id.to_owned()))?;
    crate::announce::terminal(app, uuid).await;
    Ok(())
}
