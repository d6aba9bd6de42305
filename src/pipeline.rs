//! One upload's journey: fetch → scan → validate → image variants (or video) → placeholders →
//! store → commit,
//! one file per stage under `pipeline/`, each taking the delivery's [`Attempt`] context.
//!
//! Every stage returns a [`Failure`] that says what happens next: `Transient` (retry with
//! backoff), `Reject` (the input's fault: `rejected`, never retried) or `Fail` (permanent but
//! not the input's fault: `failed`). Order matters and is the crash-safety argument:
//! objects are written before the database commit, and the original is deleted only after it.
//! A crash anywhere therefore leaves either a re-runnable job or a finished one — never a
//! `ready` row without its objects, nor a lost original.

mod animation;
mod attempt;
mod commit;
mod fetch;
pub mod image;
mod placeholders;
mod scan;
mod store;
pub mod validate;
pub mod video;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use uuid::Uuid;

pub use crate::outcome::{Failure, Reason, Stage};
pub use attempt::{Attempt, Produced, Stop, output_key};

use crate::app::App;
use crate::db::{Claim, Status};
use crate::formats::{Family, MediaType};
use crate::job::UploadJob;
use crate::queue::Delivery;

/// What the worker does with the delivery afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// The upload is terminal (now or already): acknowledge.
    Finished { upload_id: Uuid, status: Status },
    /// Try again later (the worker applies backoff and the attempt limit).
    Retry { upload_id: Option<Uuid>, failure: Failure },
    /// Cannot be processed or recorded as an upload of its own: park in the dead set.
    DeadLetter { upload_id: Option<Uuid>, reason: String },
    /// Not now, through no fault of the job (e.g. every transcode slot is busy): hand it back
    /// for `after` without spending an attempt.
    Defer { upload_id: Option<Uuid>, reason: String, after: std::time::Duration },
    /// The detected type belongs to another lane: wait there (no attempt spent).
    Move { upload_id: Uuid, lane: crate::queue::Lane },
}

/// Why a video job went back to the queue, and how soon it is due again.
pub const VIDEO_BUSY: &str = "every transcode slot is busy (video.concurrency); waiting in the queue";
pub const VIDEO_BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The `profile` label for a job's metrics: a profile name from a payload becomes a label only
/// if it is configured, so producers cannot mint series.
pub fn profile_label<'a>(app: &App, name: &'a str) -> &'a str {
    if app.cfg.profiles.contains_key(name) { name } else { "unknown" }
}

/// Runs one delivery to an outcome. Never panics on input; every path ends recorded.
pub async fn run_delivery(app: &Arc<App>, d: &Delivery) -> JobOutcome {
    let incoming = &app.cfg.storage.incoming_prefix;
    let job = match UploadJob::parse(&d.task_id, &d.payload, incoming) {
        Ok(job) => job,
        Err(e) => {
            let id = crate::job::upload_id_for_task(&d.task_id, &d.payload);
            let reason = format!("invalid job: {e}");
            tracing::warn!(task = %d.task_id, upload = %id, error = %e, "Refused a malformed job.");
            app.metrics.jobs.with_label_values(&["", "invalid"]).inc();
            return match app.db.record_invalid_job(id, &reason).await {
                Ok(true) => {
                    crate::announce::terminal(app, id).await;
                    JobOutcome::DeadLetter { upload_id: Some(id), reason }
                }
                Ok(false) => JobOutcome::DeadLetter { upload_id: None, reason },
                Err(e) => JobOutcome::Retry { upload_id: None, failure: attempt::db_failure(Stage::Validate, e) },
            };
        }
    };
    let id = job.upload_id;
    let profile_label = profile_label(app, &job.profile);
    if d.crashes() >= app.cfg.worker.max_crashes {
        let msg = format!(
            "crashed: the worker processing this upload died {} times (worker.max_crashes = {})",
            d.crashes(),
            app.cfg.worker.max_crashes
        );
        tracing::error!(upload = %id, "{msg}; parking it as failed.");
        return match app.db.finish(id, Status::Failed, Reason::Crashed.as_str(), &msg).await {
            Ok(_) => {
                app.metrics.jobs.with_label_values(&[profile_label, "failed"]).inc();
                crate::announce::terminal(app, id).await;
                JobOutcome::DeadLetter { upload_id: Some(id), reason: msg }
            }
            Err(e) => JobOutcome::Retry { upload_id: Some(id), failure: attempt::db_failure(Stage::Fetch, e) },
        };
    }
    let row = match app.db.claim(&job, d.attempts + 1, d.deliveries).await {
        Ok(Claim::Proceed(row)) => row,
        Ok(Claim::SweepLocked) => {
            return JobOutcome::Defer {
                upload_id: Some(id),
                reason: "a sweep is removing this upload's old objects; waiting for it".into(),
                after: std::time::Duration::from_secs(2),
            };
        }
        Ok(Claim::Terminal(row)) => {
            tracing::info!(upload = %id, status = %row.status, "Upload already finished; nothing to do.");
            if row.status == Status::Ready {
                // A crash after the commit may have left the original behind.
                if let Err(e) = app.storage.delete(&row.source_key).await {
                    tracing::warn!(upload = %id, error = %e, "Could not delete the original of a finished upload.");
                }
            }
            app.metrics.jobs.with_label_values(&[profile_label, "duplicate"]).inc();
            // Announce it if a crash came between the commit and the announcement.
            crate::announce::terminal(app, id).await;
            return JobOutcome::Finished { upload_id: id, status: row.status };
        }
        Ok(Claim::SourceInUse(row)) => {
            tracing::warn!(upload = %id, source = %crate::units::printable(&row.source_key, 200), "Refused a job whose source another unfinished upload claims.");
            app.metrics.jobs.with_label_values(&[profile_label, "rejected"]).inc();
            crate::announce::terminal(app, id).await;
            return JobOutcome::Finished { upload_id: id, status: Status::Rejected };
        }
        Ok(Claim::Conflict(row)) => {
            let reason = format!(
                "upload id {id} already belongs to source {:?} (profile {:?}); this job names {:?} (profile {:?}) and was not processed",
                row.source_key, row.profile, job.source_key, job.profile
            );
            tracing::warn!(upload = %id, "{reason}");
            app.metrics.jobs.with_label_values(&[profile_label, "conflict"]).inc();
            return JobOutcome::DeadLetter { upload_id: None, reason };
        }
        Err(e) => {
            return JobOutcome::Retry { upload_id: Some(id), failure: attempt::db_failure(Stage::Fetch, e) };
        }
    };
    // A video job that already showed what it is waits in the queue, not in a worker slot,
    // while every transcode slot is busy.
    if row.detected_type.as_deref().and_then(MediaType::from_mime).is_some_and(|t| t.family() == Family::Video)
        && app.video_slots.available_permits() == 0
    {
        app.metrics.deferred.with_label_values(&["video_capacity"]).inc();
        return JobOutcome::Defer { upload_id: Some(id), reason: VIDEO_BUSY.into(), after: VIDEO_BUSY_WAIT };
    }
    let result = run_attempt(app, &job, row.scanned_sha256.clone(), d.lane).await;
    let f = match result {
        Ok(status) | Err(Stop::Finished(status)) => {
            tracing::info!(upload = %id, lane = d.lane.as_str(), "Upload {status}.");
            app.metrics.jobs.with_label_values(&[profile_label, status.as_str()]).inc();
            crate::announce::terminal(app, id).await;
            return JobOutcome::Finished { upload_id: id, status };
        }
        Err(Stop::Deferred { reason, after }) => {
            return JobOutcome::Defer { upload_id: Some(id), reason, after };
        }
        Err(Stop::Moved(lane)) => {
            tracing::info!(upload = %id, from = d.lane.as_str(), to = lane.as_str(), "The detected type belongs to another lane; moved.");
            app.metrics.deferred.with_label_values(&["lane_move"]).inc();
            return JobOutcome::Move { upload_id: id, lane };
        }
        Err(Stop::Failed(f)) => f,
    };
    app.metrics.stage_failures.with_label_values(&[f.stage().as_str(), f.kind()]).inc();
    match f {
        Failure::Transient { .. } => {
            tracing::warn!(upload = %id, stage = f.stage().as_str(), code = f.code(), error = f.message(), "Stage failed; will retry.");
            JobOutcome::Retry { upload_id: Some(id), failure: f }
        }
        Failure::Reject { .. } | Failure::Fail { .. } => {
            let status = if matches!(f, Failure::Reject { .. }) { Status::Rejected } else { Status::Failed };
            tracing::info!(upload = %id, stage = f.stage().as_str(), code = f.code(), reason = f.message(), "Upload {status}.");
            match app.db.finish(id, status, f.code(), f.message()).await {
                Ok(_) => {
                    app.metrics.jobs.with_label_values(&[profile_label, status.as_str()]).inc();
                    crate::announce::terminal(app, id).await;
                    JobOutcome::Finished { upload_id: id, status }
                }
                Err(e) => JobOutcome::Retry { upload_id: Some(id), failure: attempt::db_failure(f.stage(), e) },
            }
        }
    }
}

/// One attempt at the stages, bounded by its deadline (`worker.job_timeout`, extended by the
/// time limits of the ffmpeg runs it makes); a panic or a time-out is recorded against the
/// stage it happened in. A time-out in a stage that works on the input's bytes will recur:
/// permanent (`failed`, `timeout`). One in a stage that waits on a dependency is that
/// dependency's (the worker checks whether it is down).
async fn run_attempt(
    app: &Arc<App>,
    job: &UploadJob,
    scanned_sha256: Option<String>,
    lane: crate::queue::Lane,
) -> Result<Status, Stop> {
    let profile = app.cfg.profiles.get(&job.profile).ok_or_else(|| {
        Failure::reject(Stage::Validate, Reason::UnknownProfile, format!("unknown profile {:?}", job.profile))
    })?;
    let must_match = &app.cfg.storage;
    if must_match.source_key_must_match_id
        && !job.source_key.starts_with(&format!("{}{}", must_match.incoming_prefix, job.upload_id))
    {
        return Err(Failure::reject(
            Stage::Fetch,
            Reason::InvalidSource,
            format!(
                "source_key must be {}{} or start with it (storage.source_key_must_match_id)",
                must_match.incoming_prefix, job.upload_id
            ),
        )
        .into());
    }
    let dir = {
        let (workdir, id) = (app.workdir.clone(), job.upload_id.to_string());
        // Creating the temp directory is file I/O: not on the runtime's threads.
        tokio::task::spawn_blocking(move || workdir.job_dir(&id))
            .await
            .map_err(|e| Failure::transient(Stage::Fetch, Reason::TempUnavailable, e.to_string()))?
            .map_err(attempt::workdir_failure)?
    };
    let mut attempt = Attempt::with_dir(app, job, profile, scanned_sha256, dir);
    attempt.lane = Some(lane);
    let stage = attempt.stage_tracker();
    app.metrics.in_flight.inc();
    let mut run = std::pin::pin!(AssertUnwindSafe(process(&attempt)).catch_unwind());
    let result = loop {
        let deadline = attempt.deadline();
        tokio::select! {
            r = &mut run => break Some(r),
            _ = tokio::time::sleep_until(deadline) => {
                if attempt.deadline() <= tokio::time::Instant::now() {
                    break None;
                }
            }
        }
    };
    app.metrics.in_flight.dec();
    match result {
        Some(Ok(r)) => r,
        Some(Err(panic)) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            let at = stage.current();
            tracing::error!(upload = %job.upload_id, stage = at.as_str(), panic = %msg, "The job panicked; it will be retried.");
            Err(Failure::transient(at, Reason::Panic, format!("internal error: {msg}")).into())
        }
        None => {
            let at = stage.current();
            let msg = format!(
                "the attempt exceeded worker.job_timeout ({}) in the {} stage",
                app.cfg.worker.job_timeout,
                at.as_str()
            );
            Err(match attempt::waits_on(at) {
                Some(dep) => Failure::unavailable(at, dep, Reason::Timeout, msg),
                None => Failure::fail(at, Reason::Timeout, msg),
            }
            .into())
        }
    }
}

/// The stages proper, in order. Returns the terminal status reached (`Ready`, or `Rejected`
/// for an infected file, which is recorded by the scan stage because it needs the quarantine
/// move first).
async fn process(a: &Attempt<'_>) -> Result<Status, Stop> {
    let stages = async {
        let fetched = fetch::run(a).await?;
        scan::run(a, &fetched).await?;
        let detected = validate::run(a, &fetched).await?;
        move_if_other_lane(a, &fetched, &detected).await?;
        let produced = match detected.media.family() {
            Family::Image => image::run(a, &fetched, &detected).await?,
            Family::Video => video::run(a, &fetched, &detected).await?,
        };
        let placeholders = placeholders::run(a, &produced).await;
        let outputs = store::run(a, &fetched, &detected, &produced).await?;
        commit::run(a, &outputs, placeholders.as_ref()).await
    };
    match stages.await {
        Ok(status) | Err(Stop::Finished(status)) => Ok(status),
        Err(stop) => Err(stop),
    }
}

/// A job whose detected type belongs to another lane than the one it was fetched from goes to
/// that lane (its type recorded first) rather than hold this lane's slot: one kind of work
/// never waits for another's capacity. Deterministic by type, so a job moves at most once.
async fn move_if_other_lane(
    a: &Attempt<'_>,
    fetched: &crate::storage::Fetched,
    detected: &validate::Detected,
) -> Result<(), Stop> {
    let want = crate::queue::Lane::of(detected.media.family());
    match a.lane {
        Some(lane) if lane != want => {
            a.record_facts(Stage::Validate, fetched.bytes, &fetched.sha256, Some(detected.mime()), None).await?;
            Err(Stop::Moved(want))
        }
        _ => Ok(()),
    }
}
