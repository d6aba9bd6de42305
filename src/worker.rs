//! The worker runtime: one fetch loop per lane the daemon serves (`worker.lanes`), each with its
//! own slots and its own worker name, so one kind of work never waits for another's capacity.
//! A loop fetches deliveries as slots free up, runs each in its own task (panics
//! caught and turned into retries), settles it with the queue — fetching that task's next job
//! in the same round trip — heartbeats, hands back jobs a lost fetch reply left with it, and
//! shuts down gracefully: on cancel it stops fetching, lets in-flight jobs finish within
//! `worker.shutdown_grace`, aborts what is still running, then hands back every job the queue
//! says it still holds.

use std::collections::HashSet;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::backoff::backoff;
use crate::db::Status;
use crate::health::LoopHealth;
use crate::outcome::{Dependency, Failure, Reason, Stage};
use crate::pipeline::{self, JobOutcome};
use crate::queue::{Batch, Delivery, Lane, Queue, Settle};
use crate::units::now_ms;

/// How the worker loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerExit {
    /// Cancelled and drained (or handed back) cleanly.
    Stopped,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("the worker's slot semaphore was closed")]
    Closed,
}

/// A unique name per process: a restarted daemon never inherits a dead one's identity, so the
/// dead one's jobs are recovered by heartbeat expiry instead of being hidden.
pub fn worker_name() -> String {
    format!("{}-{}-{:04x}", hostname(), std::process::id(), fastrand::u16(..))
}

/// This machine's host name, reduced to `[A-Za-z0-9.-]` and 64 characters.
pub fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let host = if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "host".into()
    };
    host.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).take(64).collect()
}

/// What a worker does with each delivery. The daemon's is [`pipeline::run_delivery`]; the
/// queue benchmark plugs in a no-op to measure the runtime alone.
pub type Handler = Arc<dyn Fn(Arc<App>, Delivery) -> BoxFuture<'static, JobOutcome> + Send + Sync>;

/// Runs the upload pipeline until `shutdown` is cancelled.
pub async fn run(app: Arc<App>, name: String, shutdown: CancellationToken) -> Result<WorkerExit, WorkerError> {
    let handler: Handler = Arc::new(|app, d| Box::pin(async move { pipeline::run_delivery(&app, &d).await }));
    run_with(app, name, shutdown, handler).await
}

/// What a lane's loop and its job tasks share.
struct Shared {
    app: Arc<App>,
    /// The queue, fetching this lane.
    queue: Queue,
    name: String,
    health: Arc<LoopHealth>,
    handler: Handler,
    shutdown: CancellationToken,
    /// Task ids this process holds (fetched, not yet settled).
    in_flight: Mutex<HashSet<String>>,
    /// Every fetch holds this for reading until its deliveries are in `in_flight`;
    /// reconciliation holds it for writing, so a job the queue says we hold that is not in
    /// `in_flight` can only be the result of a fetch whose reply was lost.
    fetch_gate: tokio::sync::RwLock<()>,
}

/// The queue name of a lane's loop: the image lane keeps the daemon's name (what existing
/// deployments see), other lanes append theirs.
pub fn lane_worker_name(name: &str, lane: Lane) -> String {
    match lane {
        Lane::Image => name.to_owned(),
        other => format!("{name}.{}", other.as_str()),
    }
}

/// Runs `handler` on every delivery of every lane the daemon serves until `shutdown` is
/// cancelled.
pub async fn run_with(
    app: Arc<App>,
    name: String,
    shutdown: CancellationToken,
    handler: Handler,
) -> Result<WorkerExit, WorkerError> {
    // Validated with the configuration; both lanes if it could not say.
    let lanes = app.cfg.served_lanes().unwrap_or_else(|_| Lane::ALL.to_vec());
    app.health.worker_started();
    let mut loops = JoinSet::new();
    for lane in lanes {
        let lane_name = lane_worker_name(&name, lane);
        loops.spawn(run_lane(app.clone(), lane, lane_name, shutdown.clone(), handler.clone()));
    }
    let mut result = Ok(WorkerExit::Stopped);
    while let Some(r) = loops.join_next().await {
        match r {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => result = Err(e),
            Err(e) => tracing::error!(error = %e, "A lane's worker loop ended abnormally."),
        }
    }
    app.health.worker_stopped();
    result
}

/// One lane's fetch loop, until `shutdown` is cancelled.
async fn run_lane(
    app: Arc<App>,
    lane: Lane,
    name: String,
    shutdown: CancellationToken,
    handler: Handler,
) -> Result<WorkerExit, WorkerError> {
    let concurrency = app.cfg.lane_concurrency(lane);
    let queue = app.queue.with_lane(lane);
    tracing::info!(worker = %name, lane = lane.as_str(), concurrency, queue = queue.describe(), "Worker started.");
    let slots = Arc::new(Semaphore::new(concurrency));
    let health = app.health.loop_started(lane.as_str(), slots.clone());
    let shared = Arc::new(Shared {
        app: app.clone(),
        queue: queue.clone(),
        name: name.clone(),
        health: health.clone(),
        handler,
        shutdown: shutdown.clone(),
        in_flight: Mutex::default(),
        fetch_gate: tokio::sync::RwLock::new(()),
    });
    let heartbeat = tokio::spawn(heartbeat_loop(app.clone(), queue.clone(), name.clone(), shutdown.child_token()));
    let reconciler = tokio::spawn(reconcile_loop(shared.clone(), shutdown.child_token()));
    let mut tasks = JoinSet::new();
    let mut backoff = Duration::from_millis(100);
    let poll = app.cfg.queue.poll_interval.get();

    loop {
        health.alive();
        crate::failpoint::hit("worker-loop").await;
        // While a dependency is down, fetch nothing: jobs would only fail on it.
        if let Some(wait) = gate_on_breakers(&app).await {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(wait) => {}
            }
            continue;
        }
        let first = tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            p = slots.clone().acquire_owned() => p.map_err(|_| WorkerError::Closed)?,
        };
        let mut permits = vec![first];
        while let Ok(p) = slots.clone().try_acquire_owned() {
            permits.push(p);
        }
        let fetched = {
            let _gate = shared.fetch_gate.read().await;
            let r = queue.fetch(&name, permits.len()).await;
            if let Ok(batch) = &r {
                lock(&shared.in_flight).extend(batch.deliveries.iter().map(|d| d.task_id.clone()));
            }
            r
        };
        match fetched {
            Ok(Batch { deliveries, next_due, invalid, oversized }) => {
                backoff = Duration::from_millis(100);
                app.metrics.heartbeat.set(now_ms() as f64 / 1000.0);
                record_invalid(&app, invalid, oversized).await;
                if deliveries.is_empty() {
                    drop(permits);
                    let wait = next_due
                        .map(|due| Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0)))
                        .map_or(poll, |d| d.min(poll));
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = queue.wait_for_work(wait.max(Duration::from_millis(1))) => {}
                    }
                    continue;
                }
                for d in deliveries {
                    // One permit per delivery: the fetch asked for no more than it had.
                    let permit = permits.pop();
                    let shared = shared.clone();
                    tasks.spawn(async move {
                        // A task keeps its slot while the queue has work: each settlement
                        // fetches the next job in the same round trip.
                        let mut next = Some(d);
                        while let Some(d) = next.take() {
                            next = handle(&shared, &d).await;
                        }
                        drop(permit);
                    });
                }
            }
            Err(e) => {
                app.metrics.queue_errors.inc();
                tracing::warn!(error = %e, retry_in = ?backoff, "Fetching jobs failed; retrying.");
                drop(permits);
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
        while let Some(res) = tasks.try_join_next() {
            if let Err(e) = res {
                tracing::error!(error = %e, "A job task ended abnormally.");
            }
        }
    }

    let grace = app.cfg.worker.shutdown_grace.get();
    while tasks.try_join_next().is_some() {}
    let running = tasks.len();
    if running > 0 {
        tracing::info!(running, grace = ?grace, "Stopping: waiting for in-flight jobs.");
    }
    let drained = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await.is_ok();
    reconciler.abort();
    if !drained {
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        let running = lock(&shared.in_flight).drain().count();
        tracing::warn!(jobs = running, "Shutdown grace expired; handing unfinished jobs back to the queue.");
    }
    // Nothing of this worker runs any more, so whatever the queue says it holds goes back: the
    // jobs of aborted tasks, and any that a fetch left without its reply reaching us (including
    // a settle-and-fetch cut off by the abort itself). Then the worker unregisters.
    match queue.reconcile(&name, &[]).await {
        Ok(n) => app.metrics.requeued.with_label_values(&["shutdown"]).inc_by(n),
        Err(e) => {
            tracing::warn!(error = %e, "Could not hand jobs back; they will be re-delivered when this worker's heartbeat expires.")
        }
    }
    if let Err(e) = queue.release(&name, &[]).await {
        tracing::debug!(error = %e, "Could not unregister the worker.");
    }
    heartbeat.abort();
    tracing::info!(worker = %name, lane = lane.as_str(), "Worker stopped.");
    Ok(WorkerExit::Stopped)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn heartbeat_loop(app: Arc<App>, queue: Queue, name: String, stop: CancellationToken) {
    let every = app.cfg.queue.heartbeat_interval.get();
    loop {
        match queue.heartbeat(&name).await {
            Ok(n) if n > 0 => {
                app.metrics.requeued.with_label_values(&["worker_lost"]).inc_by(n);
                tracing::warn!(jobs = n, "Re-queued jobs of a worker whose heartbeat stopped.");
            }
            Ok(_) => {}
            Err(e) => {
                app.metrics.queue_errors.inc();
                tracing::warn!(error = %e, "Heartbeat failed.");
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

/// Every heartbeat interval, hands back jobs the queue says this worker holds but that no task
/// of it runs: a fetch whose reply was lost (a response timeout after the script ran, a dropped
/// connection) would otherwise leave them with a live worker that never runs them.
async fn reconcile_loop(shared: Arc<Shared>, stop: CancellationToken) {
    let every = shared.app.cfg.queue.heartbeat_interval.get();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let result = {
            let _gate = shared.fetch_gate.write().await;
            let held: Vec<String> = lock(&shared.in_flight).iter().cloned().collect();
            shared.queue.reconcile(&shared.name, &held).await
        };
        match result {
            Ok(0) => {}
            Ok(n) => {
                shared.app.metrics.requeued.with_label_values(&["fetch_reply_lost"]).inc_by(n);
                tracing::warn!(jobs = n, "Handed back jobs fetched by a request whose reply never arrived.");
            }
            Err(e) => tracing::debug!(error = %e, "Reconciling held jobs failed; will try again."),
        }
    }
}

/// How long a job waited for its first start in this lane (a retry's wait is its backoff, not
/// the queue's), by lane and priority: whether priorities and lanes do their work.
fn observe_wait(app: &App, d: &Delivery) {
    if d.deliveries != 1 || d.attempts != 0 {
        return;
    }
    // Most payloads name no priority: no second parse for them.
    let priority = if d.payload.contains("priority") {
        crate::queue::placement(&d.payload, &[]).map_or(1, |p| p.priority)
    } else {
        1
    };
    let priority = crate::queue::PRIORITIES.get(priority).copied().unwrap_or("normal");
    let waited = now_ms().saturating_sub(d.enqueued_at_ms).max(0) as f64 / 1000.0;
    app.metrics.queue_wait.with_label_values(&[d.lane.as_str(), priority]).observe(waited);
}

/// Processes one delivery and settles it; returns the next delivery when the settlement
/// fetched one (only while the worker is not stopping). Removes `d` from the in-flight set
/// once settled. Never panics out.
async fn handle(shared: &Shared, d: &Delivery) -> Option<Delivery> {
    let app = &shared.app;
    observe_wait(app, d);
    let outcome =
        AssertUnwindSafe((shared.handler)(app.clone(), d.clone())).catch_unwind().await.unwrap_or_else(|panic| {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(task = %d.task_id, panic = %msg, "A job panicked; it will be retried.");
            // The id the pipeline would have used, so the retry (or the give-up) is recorded.
            JobOutcome::Retry {
                upload_id: Some(crate::job::upload_id_for_task(&d.task_id, &d.payload)),
                failure: Failure::transient(Stage::Fetch, Reason::Panic, format!("internal error: {msg}")),
            }
        });
    let settle = decide(app, d, outcome).await;
    let worker = shared.name.as_str();
    // First, settle and fetch the next job in one round trip.
    if !shared.shutdown.is_cancelled() {
        let gate = shared.fetch_gate.read().await;
        // No next job while a dependency is down: the fetch loop waits for it to come back.
        let more = usize::from(app.breakers.open().is_empty());
        match shared.queue.settle_and_fetch(worker, &d.task_id, &settle, more).await {
            Ok((settled, batch)) => {
                let mut next = batch.deliveries;
                // Between the script and the bookkeeping: where a forced shutdown can cut in.
                crate::failpoint::hit("settle-fetched").await;
                {
                    // Removed before the next is added: a retry due at once may come straight back.
                    let mut f = lock(&shared.in_flight);
                    f.remove(&d.task_id);
                    f.extend(next.iter().map(|n| n.task_id.clone()));
                }
                drop(gate);
                if !settled {
                    tracing::warn!(task = %d.task_id, "This worker no longer held the job (its lease expired); another delivery owns it.");
                }
                record_invalid(app, batch.invalid, batch.oversized).await;
                shared.health.alive();
                app.metrics.heartbeat.set(now_ms() as f64 / 1000.0);
                return next.pop();
            }
            Err(e) => {
                drop(gate);
                app.metrics.queue_errors.inc();
                tracing::warn!(task = %d.task_id, error = %e, "Settling the job failed; retrying.");
            }
        }
    }
    // Keep trying until the queue answers: while this worker lives and heartbeats, nobody else
    // re-delivers the job, so giving up here would strand it. (If the daemon stops first, the
    // job is handed back or re-delivered when its heartbeat expires.) A `false` after a failed
    // attempt may mean that attempt did apply and only its reply was lost.
    let mut delay = Duration::from_millis(200);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match shared.queue.settle(worker, &d.task_id, &settle).await {
            Ok(settled) => {
                lock(&shared.in_flight).remove(&d.task_id);
                if !settled {
                    tracing::warn!(task = %d.task_id, "The job was no longer held when settled (its lease expired, or an earlier attempt applied).");
                }
                return None;
            }
            Err(e) => {
                app.metrics.queue_errors.inc();
                if attempt <= 3 || attempt.is_multiple_of(20) {
                    tracing::warn!(task = %d.task_id, error = %e, attempt, "Settling the job failed; retrying.");
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Turns a pipeline outcome into a queue settlement, recording retries and give-ups.
///
/// A failure caused by a dependency that its health check confirms is down is not the job's:
/// the breaker opens, the job is handed back without spending an attempt, and only the retry
/// budget's age (`retry.max_age`) bounds it. Everything else counts against
/// `retry.max_attempts` as well.
async fn decide(app: &Arc<App>, d: &Delivery, outcome: JobOutcome) -> Settle {
    let (upload_id, failure) = match outcome {
        JobOutcome::Finished { .. } => return Settle::Ack,
        JobOutcome::DeadLetter { reason, .. } => return Settle::Dead { reason },
        JobOutcome::Defer { upload_id, reason, after } => {
            let at_ms = now_ms() + i64::try_from(after.as_millis()).unwrap_or(i64::MAX / 2);
            if let Some(id) = upload_id
                && let Err(e) = app.db.requeue(id, at_ms).await
            {
                tracing::debug!(upload = %id, error = %e, "Could not record the wait.");
            }
            return Settle::Defer { at_ms, error: reason };
        }
        JobOutcome::Move { upload_id, lane } => {
            if let Err(e) = app.db.requeue(upload_id, now_ms()).await {
                tracing::debug!(upload = %upload_id, error = %e, "Could not record the move.");
            }
            return Settle::Move { lane };
        }
        JobOutcome::Retry { upload_id, failure } => (upload_id, failure),
    };
    let age = Duration::from_millis(u64::try_from(now_ms().saturating_sub(d.enqueued_at_ms)).unwrap_or(0));
    let over_age = age >= app.cfg.retry.max_age.get();
    let attempt = d.attempts + 1;
    // Not the job's own failure if the dependency it waited on really is down.
    let down = match failure.dependency() {
        Some(dep) => match probe_dependency(app, dep).await {
            Ok(()) => None,
            Err(why) => {
                trip(app, dep, &why);
                Some(dep)
            }
        },
        None => None,
    };
    let give_up = over_age || (down.is_none() && attempt >= app.cfg.retry.max_attempts);
    if give_up {
        let msg = if over_age {
            format!("gave up after {}s (retry.max_age): {}", age.as_secs(), failure.message())
        } else {
            format!("gave up after {attempt} attempts: {}", failure.message())
        };
        if let Some(id) = upload_id {
            match app.db.finish(id, Status::Failed, failure.code(), &msg).await {
                Ok(_) => {
                    // The outcome does not carry the profile: the row has it (rare path).
                    let profile = match app.db.get(&id.to_string()).await {
                        Ok(Some(r)) => r.profile,
                        _ => String::new(),
                    };
                    let label = pipeline::profile_label(app, &profile);
                    app.metrics.jobs.with_label_values(&[label, "failed"]).inc();
                    crate::announce::terminal(app, id).await;
                }
                Err(e) => {
                    // Not recorded yet: try again shortly rather than lose the verdict.
                    tracing::warn!(upload = %id, error = %e, "Could not record the failure; retrying.");
                    return Settle::Defer { at_ms: now_ms() + 5_000, error: msg };
                }
            }
        }
        tracing::error!(task = %d.task_id, "{msg}");
        return Settle::Dead { reason: msg };
    }
    if let Some(dep) = down {
        // The fetch loop holds off until the dependency answers; the job is due at once after.
        let at_ms = now_ms() + 1_000;
        let msg = format!("waiting for {} to come back: {}", dep.as_str(), failure.message());
        if let Some(id) = upload_id
            && let Err(e) = app.db.mark_retrying(id, failure.code(), &msg, at_ms).await
        {
            tracing::debug!(upload = %id, error = %e, "Could not record the wait.");
        }
        app.metrics.deferred.with_label_values(&[dep.as_str()]).inc();
        return Settle::Defer { at_ms, error: msg };
    }
    let delay = backoff(attempt, app.cfg.retry.base_delay.get(), app.cfg.retry.max_delay.get());
    let at_ms = now_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
    let msg = format!("attempt {attempt} failed at {}: {}", failure.stage().as_str(), failure.message());
    if let Some(id) = upload_id
        && let Err(e) = app.db.mark_retrying(id, failure.code(), &msg, at_ms).await
    {
        tracing::warn!(upload = %id, error = %e, "Could not record the retry.");
    }
    app.metrics.retries.inc();
    Settle::Retry { at_ms, error: msg }
}

/// Opens a dependency's breaker (and says so once).
fn trip(app: &App, dep: Dependency, why: &str) {
    if app.breakers.trip(dep, why) {
        app.metrics.breaker_open.with_label_values(&[dep.as_str()]).set(1);
        tracing::warn!(dependency = dep.as_str(), error = %why, "A dependency is down; holding off fetching jobs until it answers.");
    }
}

/// Whether a dependency answers right now (its health check, bounded in time).
pub async fn probe_dependency(app: &App, dep: Dependency) -> Result<(), String> {
    let t = Duration::from_secs(5);
    let answer = match dep {
        Dependency::Storage => {
            tokio::time::timeout(t, app.storage.health_check()).await.map(|r| r.map_err(|e| e.to_string()))
        }
        Dependency::Database => {
            tokio::time::timeout(t, app.db.health_check()).await.map(|r| r.map_err(|e| e.to_string()))
        }
        Dependency::Queue => {
            tokio::time::timeout(t, app.queue.health_check()).await.map(|r| r.map_err(|e| e.to_string()))
        }
        Dependency::Clamd => match &app.scanner {
            None => Ok(Ok(())),
            // The self-test streams `scan.max_bytes` through clamd: allow it the scan timeout.
            Some(s) => tokio::time::timeout(app.cfg.scan.timeout.get().max(t), s.check())
                .await
                .map(|r| r.map_err(|e| e.to_string())),
        },
    };
    answer.unwrap_or_else(|_| Err(format!("no answer within {}s", t.as_secs())))
}

/// While a breaker is open: probes the dependencies that are due and returns how long to
/// wait before trying again; `None` when every dependency answers (fetch).
async fn gate_on_breakers(app: &App) -> Option<Duration> {
    let open = app.breakers.open();
    if open.is_empty() {
        return None;
    }
    let now = std::time::Instant::now();
    for b in &open {
        if b.next_probe > now {
            continue;
        }
        match probe_dependency(app, b.dependency).await {
            Ok(()) => {
                if let Some(down_for) = app.breakers.close(b.dependency) {
                    app.metrics.breaker_open.with_label_values(&[b.dependency.as_str()]).set(0);
                    tracing::info!(dependency = b.dependency.as_str(), down_for = ?down_for, "The dependency answers again; resuming.");
                }
            }
            Err(why) => app.breakers.probe_failed(b.dependency, &why),
        }
    }
    let next = app.breakers.open().iter().map(|b| b.next_probe).min()?;
    Some(next.saturating_duration_since(std::time::Instant::now()).max(Duration::from_millis(50)))
}

/// Records entries the queue could not hand out (already dead-lettered there): ids that are not
/// plain tokens, and ids whose payload is too large to fetch.
async fn record_invalid(app: &Arc<App>, invalid: Vec<Vec<u8>>, oversized: Vec<Vec<u8>>) {
    let why = |raw: &[u8], too_large: bool| {
        if too_large {
            format!("invalid job: {}", crate::job::JobError::TooLarge)
        } else {
            let shown = crate::units::printable(&String::from_utf8_lossy(raw), 80);
            format!("invalid job: the task id {shown:?} is not a plain token (letters, digits, - _ : .)")
        }
    };
    let entries = invalid.into_iter().map(|r| (r, false)).chain(oversized.into_iter().map(|r| (r, true)));
    for (raw, too_large) in entries {
        let id = crate::job::upload_id_for_raw_task(&raw);
        let reason = why(&raw, too_large);
        tracing::warn!(upload = %id, reason = %reason, "Refused a queue entry; dead-lettered.");
        app.metrics.jobs.with_label_values(&["", "invalid"]).inc();
        match app.db.record_invalid_job(id, &reason).await {
            Ok(true) => crate::announce::terminal(app, id).await,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(upload = %id, error = %e, "Could not record the invalid entry (it stays dead-lettered).")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_names_are_unique_per_process_start() {
        let a = worker_name();
        assert!(a.contains(&std::process::id().to_string()));
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)));
    }
}
