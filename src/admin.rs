//! Operator tools behind `uploadd jobs`: list, show, retry and cancel uploads — what is needed
//! at 3 a.m. Every action goes through the same database and queue operations the daemon uses.

use serde::Serialize;
use uuid::Uuid;

use crate::app::App;
use crate::db::{DbError, DeliveryStatus, Status, UploadRecord};
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

pub async fn show(app: &App, id: &str) -> Result<JobDetails, AdminError> {
    let upload = app.db.get(id).await?.ok_or_else(|| AdminError::NotFound(id.to_owned()))?;
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
    if !matches!(rec.status, Status::Failed | Status::Cancelled | Status::Rejected) || rec.source_key.is_empty() {
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
    let rec = app.db.get(id).await?.ok_or_else(|| AdminError::NotFound(id.to_owned()))?;
    if rec.status.is_terminal() {
        return Err(AdminError::AlreadyFinished { id: id.to_owned(), status: rec.status });
    }
    let uuid = Uuid::parse_str(id).map_err(|_| AdminError::NotFound(id.to_owned()))?;
    let _ = app.queue.cancel(id).await?;
    if !app.db.finish(uuid, Status::Cancelled, "cancelled", "cancelled by an operator").await? {
        let now = app.db.get(id).await?.map_or(Status::Cancelled, |r| r.status);
        return Err(AdminError::AlreadyFinished { id: id.to_owned(), status: now });
    }
    app.notify_terminal(uuid).await;
    Ok(())
}
