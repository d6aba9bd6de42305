//! The commit stage: one transaction makes the row `ready` with all its outputs, then (only
//! then) the original is deleted. If someone else finished or cancelled the upload meanwhile,
//! this attempt's outputs are discarded instead.

use super::attempt::{Attempt, Stop, db_failure};
use crate::db::{OutputRecord, Status};
use crate::media::placeholder::Placeholders;
use crate::outcome::Stage;

pub async fn run(
    a: &Attempt<'_>,
    outputs: &[OutputRecord],
    placeholders: Option<&Placeholders>,
) -> Result<Status, Stop> {
    let (app, id) = (a.app, a.id());
    let placeholders = placeholders.and_then(|p| serde_json::to_value(p).ok());
    let committed = {
        let _t = a.enter(Stage::Commit).await;
        app.db.commit_ready(id, outputs, placeholders.as_ref()).await.map_err(|e| db_failure(Stage::Commit, e))?
    };
    if !committed {
        let now = app.db.get(&id.to_string()).await.map_err(|e| db_failure(Stage::Commit, e))?;
        let status = now.as_ref().map_or(Status::Cancelled, |r| r.status);
        if status != Status::Ready {
            for o in outputs {
                let _ = app.storage.delete(&o.key).await;
            }
        }
        tracing::info!(upload = %id, status = %status, "Upload was finished elsewhere; discarded this attempt's outputs.");
        return Ok(status);
    }
    crate::failpoint::hit("cleanup").await;
    // The temp directory goes first, the original last: once the original is gone, nothing of
    // this attempt is left anywhere but in its outputs (tests and operators rely on that order).
    a.dir.remove();
    if let Err(e) = app.storage.delete(&a.job.source_key).await {
        tracing::warn!(upload = %id, error = %e, "Committed, but could not delete the original; the orphan sweep will.");
    }
    Ok(Status::Ready)
}
