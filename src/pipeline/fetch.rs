//! The fetch stage: stream the original into the attempt's temp directory, hashing it and
//! stopping at the profile's byte limit, so an oversized object is never fully read.

use super::attempt::{Attempt, Stop, db_failure, storage_failure};
use super::scan::quarantine_key;
use crate::db::Status;
use crate::outcome::{Failure, Reason, Stage};
use crate::storage::{Fetched, StorageError};

pub async fn run(a: &Attempt<'_>) -> Result<Fetched, Stop> {
    let _t = a.enter(Stage::Fetch).await;
    let fetched = match a.app.storage.fetch_to_file(&a.job.source_key, &a.source, a.profile.max_bytes.bytes()).await {
        Ok(f) => f,
        Err(StorageError::NotFound(_)) => return Err(missing_source(a).await),
        Err(StorageError::TooLarge { limit, size }) => {
            let message = match size {
                Some(s) => format!("file is {s} bytes, larger than the profile's limit of {limit} bytes"),
                None => {
                    format!("file is larger than the profile's limit of {limit} bytes (stopped reading at the limit)")
                }
            };
            return Err(Failure::reject(Stage::Fetch, Reason::TooLarge, message).into());
        }
        Err(e) => return Err(storage_failure(Stage::Fetch, e).into()),
    };
    a.app.metrics.bytes_in.inc_by(fetched.bytes);
    a.record_facts(Stage::Fetch, fetched.bytes, &fetched.sha256, None, None).await?;
    Ok(fetched)
}

/// The source is gone. If we quarantined it in an earlier attempt that crashed before
/// recording, finish the rejection; otherwise the job names nothing.
async fn missing_source(a: &Attempt<'_>) -> Stop {
    let qkey = quarantine_key(a.app, a.id());
    if matches!(a.app.storage.head(&qkey).await, Ok(Some(_))) {
        let message = "infected (quarantined in an earlier attempt)";
        return match a.app.db.finish(a.id(), Status::Rejected, Reason::Infected.as_str(), message).await {
            Ok(_) => Stop::Finished(Status::Rejected),
            Err(e) => db_failure(Stage::Scan, e).into(),
        };
    }
    let message = format!("source object {:?} does not exist", a.job.source_key);
    Failure::reject(Stage::Fetch, Reason::SourceMissing, message).into()
}
