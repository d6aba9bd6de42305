//! Sweeps: abort stale multipart uploads, remove orphaned objects, remove abandoned temp
//! directories — on cron schedules inside the daemon and on demand (`uploadd sweep`).
//!
//! Their first duty is to delete nothing that is still wanted:
//! - nothing younger than its grace period, nothing a row references, nothing outside the
//!   managed prefixes (`incoming/`, `uploads/`, `quarantine/`);
//! - every deletion is re-checked against the database and the object's age right before it
//!   happens (a job may commit mid-sweep);
//! - at most `sweep.max_deletions` per run; past it the run stops and says so;
//! - `--dry-run` runs the very same code and only skips the deletes;
//! - one run of a kind at a time across daemons: a lease row with an expiry in the database;
//!   for `temp`, whose directories are this host's, a `flock` in the temp directory, which the
//!   kernel releases when its holder dies (a SIGKILLed daemon blocks nothing after restart).
//!
//! Memory is constant in the number of objects: listings are streamed page by page and checked
//! against the database in batches (one indexed query per page).

mod multipart;
mod orphans;
mod temp;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::parse_schedule;
use crate::db::DbError;
use crate::storage::StorageError;
use crate::units::{format_ms, now_ms};

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("temp directory {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the sweep lease was lost (another daemon took it over); stopped")]
    LeaseLost,
}

/// The three sweeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SweepKind {
    Multipart,
    Orphans,
    Temp,
}

impl SweepKind {
    pub const ALL: [SweepKind; 3] = [SweepKind::Multipart, SweepKind::Orphans, SweepKind::Temp];
    pub fn as_str(self) -> &'static str {
        match self {
            SweepKind::Multipart => "multipart",
            SweepKind::Orphans => "orphans",
            SweepKind::Temp => "temp",
        }
    }
    fn schedule(self, app: &App) -> &str {
        match self {
            SweepKind::Multipart => &app.cfg.sweep.multipart_schedule,
            SweepKind::Orphans => &app.cfg.sweep.orphans_schedule,
            SweepKind::Temp => &app.cfg.sweep.temp_schedule,
        }
    }
}

/// One removal (or, in a dry run, what a real run would remove).
#[derive(Debug, Clone, Serialize)]
pub struct Removal {
    pub key: String,
    pub reason: String,
}

/// What a run examined, removed and kept, and why.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    pub id: String,
    pub sweep: SweepKind,
    pub dry_run: bool,
    /// `success`, `capped` (stopped at the deletion cap), `skipped` (another run holds the
    /// lease), or `failed`.
    pub outcome: String,
    pub started_at: String,
    pub duration_ms: u64,
    pub examined: u64,
    pub removed: u64,
    pub kept: u64,
    pub errors: u64,
    pub kept_by_reason: BTreeMap<String, u64>,
    /// Everything removed (or that a real run would remove); bounded by the cap.
    pub removals: Vec<Removal>,
    /// Rows whose objects are missing (reported, never touched).
    pub dangling: Vec<String>,
    pub dangling_count: u64,
    pub error_messages: Vec<String>,
    pub notes: Vec<String>,
}

/// What keeps a second run of the same kind out.
enum Lease {
    /// A row in the database shared by every daemon, with an expiry (a crashed holder blocks
    /// the others at most `sweep.lease`), renewed as the run deletes.
    Db { name: String, holder: String, ms: i64, last_renew: Instant },
    /// The temp directory's own lock (`flock`): temp directories are local to a host (or a
    /// container), and the kernel drops the lock with its holder, however it dies.
    Local { _lock: std::fs::File },
}

impl Lease {
    /// Takes the lease for `kind`; None when another run holds it.
    async fn acquire(app: &App, kind: SweepKind, holder: &str) -> Result<Option<Lease>, SweepError> {
        if kind == SweepKind::Temp {
            let w = app.workdir.clone();
            let lock = tokio::task::spawn_blocking(move || w.sweep_lock())
                .await
                .map_err(|e| SweepError::Io { path: "temp directory".into(), source: std::io::Error::other(e) })?
                .map_err(|source| SweepError::Io { path: app.workdir.path().display().to_string(), source })?;
            return Ok(lock.map(|f| Lease::Local { _lock: f }));
        }
        let ms = i64::try_from(app.cfg.sweep.lease.get().as_millis()).unwrap_or(600_000);
        let name = kind.as_str().to_owned();
        if !app.db.acquire_sweep_lease(&name, holder, ms).await? {
            return Ok(None);
        }
        Ok(Some(Lease::Db { name, holder: holder.to_owned(), ms, last_renew: Instant::now() }))
    }

    async fn release(self, app: &App) {
        if let Lease::Db { name, holder, .. } = self
            && let Err(e) = app.db.release_sweep_lease(&name, &holder).await
        {
            tracing::warn!(error = %e, "Could not release the sweep lease; it expires on its own.");
        }
    }
}

/// Run state shared by the sweeps: counters, the cap, dry-run and the lease.
pub(crate) struct Run<'a> {
    app: &'a App,
    lease: Lease,
    pub report: SweepReport,
    cap: u64,
}

impl Run<'_> {
    fn keep(&mut self, reason: &str) {
        self.report.kept += 1;
        *self.report.kept_by_reason.entry(reason.to_owned()).or_default() += 1;
    }

    fn capped(&self) -> bool {
        self.report.removed >= self.cap
    }

    fn error(&mut self, msg: String) {
        self.report.errors += 1;
        if self.report.error_messages.len() < 100 {
            self.report.error_messages.push(msg);
        }
    }

    /// Renews the lease when a third of it has passed; fails if another holder took it.
    async fn renew(&mut self) -> Result<(), SweepError> {
        let Lease::Db { name, holder, ms, last_renew } = &mut self.lease else {
            return Ok(());
        };
        if last_renew.elapsed() >= Duration::from_millis(u64::try_from(*ms / 3).unwrap_or(1000)) {
            if !self.app.db.renew_sweep_lease(name, holder, *ms).await? {
                return Err(SweepError::LeaseLost);
            }
            *last_renew = Instant::now();
        }
        Ok(())
    }

    /// Records a removal and performs it unless this is a dry run. Returns false when the cap
    /// was already reached (nothing done); fails if the lease was lost (another daemon may be
    /// sweeping: stop deleting).
    async fn remove<F>(&mut self, key: &str, reason: &str, action: F) -> Result<bool, SweepError>
    where
        F: Future<Output = Result<(), StorageError>>,
    {
        if self.capped() {
            return Ok(false);
        }
        self.renew().await?;
        if !self.report.dry_run
            && let Err(e) = action.await
        {
            self.error(format!("{key}: {e}"));
            return Ok(true);
        }
        self.report.removed += 1;
        self.report.removals.push(Removal { key: key.to_owned(), reason: reason.to_owned() });
        Ok(true)
    }
}

/// Runs one sweep now. `holder` names this process in the lease.
pub async fn run(app: &App, kind: SweepKind, dry_run: bool, holder: &str) -> Result<SweepReport, SweepError> {
    let started = now_ms();
    let clock = Instant::now();
    let id = uuid::Uuid::now_v7().to_string();
    let mut report = SweepReport {
        id: id.clone(),
        sweep: kind,
        dry_run,
        outcome: "success".into(),
        started_at: format_ms(started),
        duration_ms: 0,
        examined: 0,
        removed: 0,
        kept: 0,
        errors: 0,
        kept_by_reason: BTreeMap::new(),
        removals: Vec::new(),
        dangling: Vec::new(),
        dangling_count: 0,
        error_messages: Vec::new(),
        notes: Vec::new(),
    };
    let Some(lease) = Lease::acquire(app, kind, holder).await? else {
        report.outcome = "skipped".into();
        report.notes.push(format!("another {} sweep holds the lease; nothing done", kind.as_str()));
        app.metrics.sweep_runs.with_label_values(&[kind.as_str(), "skipped"]).inc();
        tracing::info!(sweep = kind.as_str(), "Another daemon is running this sweep; skipped.");
        return Ok(report);
    };
    let mut run = Run { app, lease, report, cap: app.cfg.sweep.max_deletions };
    let result = match kind {
        SweepKind::Multipart => multipart::sweep(&mut run).await,
        SweepKind::Orphans => orphans::sweep(&mut run).await,
        SweepKind::Temp => temp::sweep(&mut run).await,
    };
    let Run { lease, report, .. } = run;
    lease.release(app).await;
    let mut report = report;
    report.duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    match &result {
        Err(e) => {
            report.outcome = "failed".into();
            report.error_messages.push(e.to_string());
        }
        Ok(()) if report.removed >= app.cfg.sweep.max_deletions => {
            report.outcome = "capped".into();
            report.notes.push(format!(
                "stopped at the cap of {} deletions (sweep.max_deletions); run again to continue",
                app.cfg.sweep.max_deletions
            ));
        }
        Ok(()) => {}
    }
    let m = &app.metrics;
    let k = kind.as_str();
    m.sweep_objects.with_label_values(&[k, "examined"]).inc_by(report.examined);
    m.sweep_objects.with_label_values(&[k, "kept"]).inc_by(report.kept);
    m.sweep_objects.with_label_values(&[k, "error"]).inc_by(report.errors);
    if !dry_run {
        m.sweep_objects.with_label_values(&[k, "removed"]).inc_by(report.removed);
    }
    if result.is_ok() {
        m.sweep_runs.with_label_values(&[k, "success"]).inc();
        if !dry_run {
            m.sweep_last_success.with_label_values(&[k]).set(now_ms() as f64 / 1000.0);
        }
    } else {
        m.sweep_runs.with_label_values(&[k, "failure"]).inc();
    }
    let summary = serde_json::json!({
        "kept_by_reason": report.kept_by_reason,
        "removals": report.removals.len(),
        "dangling_count": report.dangling_count,
        "notes": report.notes,
        "errors": report.error_messages,
    })
    .to_string();
    let counts = [report.examined, report.removed, report.kept, report.errors];
    if let Err(e) = app.db.record_sweep_run(&id, k, dry_run, &report.outcome, started, counts, &summary).await {
        tracing::warn!(error = %e, "Could not record the sweep run.");
    }
    tracing::info!(
        sweep = k,
        dry_run,
        outcome = %report.outcome,
        examined = report.examined,
        removed = report.removed,
        kept = report.kept,
        errors = report.errors,
        dangling = report.dangling_count,
        duration_ms = report.duration_ms,
        "Sweep finished."
    );
    result.map(|()| report)
}

/// Runs each sweep on its schedule until `stop`.
pub async fn scheduler(app: Arc<App>, holder: String, stop: CancellationToken) {
    let mut tasks = Vec::new();
    for kind in SweepKind::ALL {
        let expr = kind.schedule(&app).to_owned();
        if expr.is_empty() {
            continue;
        }
        let schedule = match parse_schedule(&expr) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(sweep = kind.as_str(), error = %e, "Invalid sweep schedule; this sweep will not run.");
                continue;
            }
        };
        app.metrics.init_sweep(kind.as_str());
        let (app, holder, stop) = (app.clone(), holder.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let Some(next) = schedule.upcoming(chrono::Utc).next() else {
                    return;
                };
                let wait = (next - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO);
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(wait) => {}
                }
                if let Err(e) = run(&app, kind, false, &holder).await {
                    tracing::error!(sweep = kind.as_str(), error = %e, "Scheduled sweep failed.");
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// The upload id an output key belongs to: `{prefix}{id}/…`.
fn upload_id_of<'k>(key: &'k str, prefix: &str) -> Option<&'k str> {
    key.strip_prefix(prefix)?.split('/').next().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keys_map_to_their_upload() {
        assert_eq!(upload_id_of("uploads/abc/display.jpg", "uploads/"), Some("abc"));
        assert_eq!(upload_id_of("uploads/abc", "uploads/"), Some("abc"));
        assert_eq!(upload_id_of("other/abc/x", "uploads/"), None);
    }
}
