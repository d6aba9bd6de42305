//! The scan stage: clamd must call the fetched bytes clean before anything reads them. An
//! infected original moves to the quarantine prefix (copied first, then deleted, so it is never
//! lost) and is never decoded. Bytes already scanned clean for this upload are not rescanned.

use uuid::Uuid;

use super::attempt::{Attempt, Stop, db_failure, storage_failure};
use crate::app::App;
use crate::config::ScanMode;
use crate::db::Status;
use crate::outcome::{Dependency, Failure, Reason, Stage};
use crate::scan::Verdict;
use crate::storage::{Fetched, PutOptions};

pub async fn run(a: &Attempt<'_>, fetched: &Fetched) -> Result<(), Stop> {
    if a.app.cfg.scan.mode != ScanMode::Required {
        return Ok(());
    }
    let _t = a.enter(Stage::Scan).await;
    if a.scanned_sha256.as_deref() == Some(fetched.sha256.as_str()) {
        tracing::debug!(upload = %a.id(), "These exact bytes were scanned clean before; skipping the scan.");
        return Ok(());
    }
    let unavailable = |m: String| Failure::unavailable(Stage::Scan, Dependency::Clamd, Reason::ScannerUnavailable, m);
    let scanner = a
        .app
        .scanner
        .as_ref()
        .ok_or_else(|| unavailable("scanning is required but no scanner is configured".into()))?;
    // Nothing is called clean by a clamd that has not proven it scans whole files this large.
    if scanner.trusted().is_err() {
        scanner.check().await.map_err(|e| unavailable(e.to_string()))?;
    }
    match scanner.scan_file(&a.source, fetched.bytes).await {
        Ok(Verdict::Clean) => {
            a.app.db.record_scan_clean(a.id(), &fetched.sha256).await.map_err(|e| db_failure(Stage::Scan, e))?;
            Ok(())
        }
        Ok(Verdict::Infected(sig)) => Err(quarantine(a, &sig).await),
        Ok(Verdict::Unscannable(why)) => Err(Failure::reject(Stage::Scan, Reason::Unscannable, why).into()),
        Err(e) => Err(unavailable(e.to_string()).into()),
    }
}

pub fn quarantine_key(app: &App, id: Uuid) -> String {
    format!("{}{id}/source", app.cfg.storage.quarantine_prefix)
}

/// Moves an infected original to the quarantine prefix and records the rejection.
async fn quarantine(a: &Attempt<'_>, signature: &str) -> Stop {
    let (app, id) = (a.app, a.id());
    app.metrics.infected.inc();
    app.metrics.stage_failures.with_label_values(&[Stage::Scan.as_str(), "permanent"]).inc();
    tracing::warn!(upload = %id, signature, "Infected file; quarantining.");
    let qkey = quarantine_key(app, id);
    let opts = PutOptions { content_type: "application/octet-stream", cache_control: None, sha256: None };
    if let Err(e) = app.storage.copy(&a.job.source_key, &qkey, opts).await {
        return storage_failure(Stage::Scan, e).into();
    }
    if let Err(e) = app.storage.delete(&a.job.source_key).await {
        return storage_failure(Stage::Scan, e).into();
    }
    match app.db.finish(id, Status::Rejected, Reason::Infected.as_str(), &format!("infected: {signature}")).await {
        Ok(_) => Stop::Finished(Status::Rejected),
        Err(e) => db_failure(Stage::Scan, e).into(),
    }
}
