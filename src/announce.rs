//! Terminal announcements: when an upload reaches a terminal state, producers hear of it once
//! on the `{namespace}:events` stream and through the job's webhook.
//!
//! The outcome is read back from the database, so an announcement says exactly what
//! `uploadd status` says, and `announced_status` remembers what was announced. The database is
//! the outbox: an upload whose `announced_status` lags its terminal status (publishing failed,
//! or the process died between the commit and the announcement) is announced again by
//! [`run_outbox`], so nothing is lost and nothing is announced twice for the same status.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::app::App;

/// Announces the upload's terminal state unless it already was. Best effort: failures are
/// logged and the outbox retries them; the upload's state is already committed.
pub async fn terminal(app: &App, id: Uuid) {
    let id = id.to_string();
    if let Err(e) = announce(app, &id).await {
        tracing::warn!(upload = %id, error = %e, "Could not announce the outcome; the outbox will retry.");
    }
}

async fn announce(app: &App, id: &str) -> Result<(), String> {
    let rec = match app.db.get(id).await.map_err(|e| e.to_string())? {
        Some(r) if r.status.is_terminal() => r,
        _ => return Ok(()),
    };
    if app.db.announced_status(id).await.map_err(|e| e.to_string())?.as_deref() == Some(rec.status.as_str()) {
        return Ok(());
    }
    if crate::failpoint::fails("announce-webhook") {
        return Err("recording the webhook: failpoint".into());
    }
    crate::webhook::schedule(app, &rec).await.map_err(|e| format!("recording the webhook: {e}"))?;
    let fields = crate::events::stream_fields(&rec);
    let refs: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.clone())).collect();
    if crate::failpoint::fails("announce") {
        return Err("publishing the completion event: failpoint".into());
    }
    app.queue.publish_event(&refs).await.map_err(|e| format!("publishing the completion event: {e}"))?;
    app.db.mark_announced(id, rec.status).await.map_err(|e| format!("recording the announcement: {e}"))?;
    Ok(())
}

/// Re-announces terminal uploads whose announcement was lost, every few seconds, until `stop`.
/// An upload is only picked up once it has been terminal for a while, so the job that
/// finished it announces it first in the normal case.
pub async fn run_outbox(app: Arc<App>, stop: CancellationToken) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
        let settled_before = crate::units::now_ms() - 10_000;
        match app.db.unannounced(settled_before, 100).await {
            Ok(ids) => {
                for id in ids {
                    if let Ok(uuid) = Uuid::parse_str(&id) {
                        terminal(&app, uuid).await;
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "Listing unannounced uploads failed."),
        }
    }
}
