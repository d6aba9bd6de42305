//! The job queue: Redis in production, SQLite embedded. Same semantics on both:
//!
//! - **at-least-once**: a fetched job sits in the fetching worker's in-flight set until it is
//!   settled (ack / retry / dead); a worker whose heartbeat stops for
//!   `heartbeat_interval × missed_heartbeats` has its jobs re-delivered to others;
//! - **fenced settlement**: settling a job the worker no longer holds is a no-op;
//! - **deliveries are not attempts**: `deliveries` counts hand-outs (crashes included),
//!   `attempts` counts handled failures, so a job that kills its worker can be parked instead
//!   of looping forever;
//! - **bounded**: payloads are deleted on ack; the done and dead sets are trimmed;
//! - **wake-ups** (Redis pub/sub, in-process notify) instead of polling, with a fallback poll.
//!
//! Why not apalis-redis's own storage: see ARCHITECTURE.md ("Queue"). The Redis key layout is
//! apalis-redis 1.0's, so its producers interoperate; the scripts are ours.

mod diagnose;
mod redis;
mod sqlite;

use std::time::Duration;

use serde::Serialize;

pub use self::diagnose::RedisDiagnosis;
pub use self::redis::{PUSH_SCRIPT, RedisQueue};
pub use self::sqlite::SqliteQueue;

/// Upper bound of a plain task id (the same rule as `fetch.lua`).
pub const MAX_TASK_ID_BYTES: usize = 128;

/// A task id the queue hands out: 1–128 bytes of letters, digits and `- _ : .`.
pub fn is_plain_task_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_TASK_ID_BYTES
        && id.iter().all(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(b))
}

use crate::config::{Config, QueueLocation};
use crate::formats::Family;
pub use crate::formats::Lane;

/// Queue failures: always infrastructure (transient) from the job's point of view.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("sqlite queue: {0}")]
    Sqlite(#[from] sqlx::Error),
    #[error("queue protocol: {0}")]
    Protocol(String),
    /// The queue cannot be used as configured (TLS trust, credentials, permissions): what to fix.
    #[error("{0}")]
    Setup(String),
}

/// The lane a job waits in, known at enqueue (the rule of `push.lua`): a profile whose types
/// are all video (`video_profiles`), else a `declared_type` starting with `video/`, else image.
pub fn lane_of(payload: &serde_json::Map<String, serde_json::Value>, video_profiles: &[String]) -> Lane {
    let profile = payload.get("profile").and_then(|p| p.as_str());
    if profile.is_some_and(|p| video_profiles.iter().any(|v| v == p)) {
        return Lane::Video;
    }
    match payload.get("declared_type").and_then(|t| t.as_str()) {
        Some(t) if t.starts_with("video/") => Lane::Video,
        _ => Lane::Image,
    }
}

/// The profiles whose allowed types are all video: their jobs are enqueued in the video lane.
pub fn video_profiles(cfg: &Config) -> Vec<String> {
    let mut v: Vec<String> = cfg
        .profiles
        .iter()
        .filter(|(_, p)| p.accepts(Family::Video) && !p.accepts(Family::Image))
        .map(|(name, _)| name.clone())
        .collect();
    v.sort();
    v
}

/// One hand-out of a job to a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub task_id: String,
    /// The lane it was fetched from.
    pub lane: Lane,
    /// The raw payload (parsed by the pipeline, so a malformed one is recorded, not fatal).
    pub payload: String,
    /// Handled failures before this delivery.
    pub attempts: u32,
    /// Hand-outs including this one.
    pub deliveries: u32,
    /// When the job was first enqueued (ms since the epoch): the retry budget's clock.
    pub enqueued_at_ms: i64,
}

/// What one fetch took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub deliveries: Vec<Delivery>,
    /// When the next scheduled job becomes due (ms), if any.
    pub next_due: Option<i64>,
    /// Entries that could not be handed out (an id that is not a plain token, from a producer
    /// that bypassed `push.lua`): already dead-lettered, returned so they are recorded.
    pub invalid: Vec<Vec<u8>>,
    /// Entries whose payload is over [`crate::job::MAX_PAYLOAD_BYTES`] (likewise a producer that
    /// bypassed `push.lua`): dead-lettered without the payload ever leaving the queue.
    pub oversized: Vec<Vec<u8>>,
}

impl Delivery {
    /// Deliveries that ended without an outcome (the worker died or lost its lease).
    pub fn crashes(&self) -> u32 {
        self.deliveries.saturating_sub(1).saturating_sub(self.attempts)
    }
}

pub use crate::job::{MAX_TENANT_LEN, PRIORITIES, is_valid_tenant};

/// Where a payload waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub lane: Lane,
    /// Index in [`PRIORITIES`].
    pub priority: usize,
    /// "" when none.
    pub tenant: String,
}

/// Where a payload waits: its lane ([`lane_of`]), its priority and its tenant. A payload that
/// is not a JSON object waits as image, normal, default tenant (the worker records it as
/// invalid); a bad `priority` or `tenant` is refused, as `push.lua` does.
pub fn placement(payload: &str, video_profiles: &[String]) -> Result<Placement, QueueError> {
    let Ok(serde_json::Value::Object(job)) = serde_json::from_str::<serde_json::Value>(payload) else {
        return Ok(Placement { lane: Lane::Image, priority: 1, tenant: String::new() });
    };
    let priority = match job.get("priority") {
        None | Some(serde_json::Value::Null) => 1,
        Some(serde_json::Value::String(p)) if PRIORITIES.contains(&p.as_str()) => {
            PRIORITIES.iter().position(|x| x == p).unwrap_or(1)
        }
        Some(_) => return Err(QueueError::Protocol("priority must be \"high\", \"normal\" or \"low\"".into())),
    };
    let tenant = match job.get("tenant") {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(t)) if is_valid_tenant(t) => t.clone(),
        Some(_) => {
            return Err(QueueError::Protocol("tenant must be 1–64 characters of A-Z a-z 0-9 . _ - :".into()));
        }
    };
    Ok(Placement { lane: lane_of(&job, video_profiles), priority, tenant })
}

/// Depth of the queue by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    pub pending: u64,
    pub scheduled: u64,
    pub running: u64,
    pub dead: u64,
    pub workers: u64,
    /// Enqueue time (ms) of the oldest pending job, 0 when none.
    pub oldest_pending_ms: i64,
    /// Pending jobs by priority: high, normal, low.
    pub pending_by_priority: [u64; 3],
    /// Pending jobs by lane: image, video.
    pub pending_by_lane: [u64; 2],
    /// Worker loops with a live heartbeat, by the lane they fetch (image, video): a lane with
    /// pending jobs and no live loop waits until a daemon that serves it starts.
    pub live_workers_by_lane: [u64; 2],
    /// The tenants with the most pending jobs, most first (as many as asked for; "" is the
    /// default tenant).
    pub top_tenants: Vec<(String, u64)>,
}

/// A job as the queue sees it (for `status` of not-yet-started jobs and `jobs` tooling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskInfo {
    pub id: String,
    pub state: String,
    pub attempts: u32,
    pub deliveries: u32,
    pub last_error: Option<String>,
    /// `high` | `normal` | `low`; `None` for a job pushed by an older `push.lua`.
    pub priority: Option<String>,
    /// The job's tenant ("" for none); `None` for a job pushed by an older `push.lua`.
    pub tenant: Option<String>,
    /// `image` | `video`.
    pub lane: String,
    pub payload: Option<String>,
}

/// Was the push new?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    Enqueued,
    Duplicate,
}

/// How a delivery ended, from the queue's point of view.
#[derive(Debug, Clone, PartialEq)]
pub enum Settle {
    /// Done (whatever the upload's status): delete it.
    Ack,
    /// Try again at the given time (ms since the epoch), counting an attempt.
    Retry { at_ms: i64, error: String },
    /// Try again at the given time without counting an attempt or the delivery: not the job's
    /// fault (a dependency was down, or capacity was busy).
    Defer { at_ms: i64, error: String },
    /// Give up: keep it in the dead set for operators.
    Dead { reason: String },
    /// Not this lane's work (the detected type belongs to another): wait in `lane`, due at
    /// once, without counting an attempt or the delivery.
    Move { lane: Lane },
}

/// The configured queue.
#[derive(Debug, Clone)]
pub enum Queue {
    Redis(RedisQueue),
    Sqlite(SqliteQueue),
}

impl Queue {
    pub async fn connect(cfg: &Config) -> Result<Queue, QueueError> {
        let video = video_profiles(cfg);
        match cfg.queue_location() {
            QueueLocation::Redis(url) => Ok(Queue::Redis(RedisQueue::connect(&url, &cfg.queue, &video).await?)),
            QueueLocation::Sqlite(path) => Ok(Queue::Sqlite(SqliteQueue::open(&path, &cfg.queue, video).await?)),
        }
    }

    /// This queue, fetching (and waiting for) the jobs of `lane` ([`Lane::Image`] unless said).
    pub fn with_lane(&self, lane: Lane) -> Queue {
        match self {
            Queue::Redis(q) => Queue::Redis(q.with_lane(lane)),
            Queue::Sqlite(q) => Queue::Sqlite(q.with_lane(lane)),
        }
    }

    pub fn lane(&self) -> Lane {
        match self {
            Queue::Redis(q) => q.lane(),
            Queue::Sqlite(q) => q.lane(),
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Queue::Redis(_) => "redis",
            Queue::Sqlite(_) => "sqlite",
        }
    }

    /// Enqueues `payload` under `task_id` (the upload id); a second push of the same id is a
    /// no-op reported as `Duplicate`.
    pub async fn push(&self, task_id: &str, payload: &str, idempotency_key: &str) -> Result<PushOutcome, QueueError> {
        // The rules of `jobs/redis/push.lua`, on both queues.
        if uuid::Uuid::parse_str(task_id).is_err() {
            return Err(QueueError::Protocol(format!(
                "the task id must be the upload id (a UUID), not {:?}",
                crate::units::printable(task_id, 64)
            )));
        }
        if payload.len() > crate::job::MAX_PAYLOAD_BYTES {
            return Err(QueueError::Protocol("the payload is larger than 64 KiB".into()));
        }
        match self {
            Queue::Redis(q) => {
                // Refused here with the same words push.lua would use.
                placement(payload, &[])?;
                q.push(task_id, payload, idempotency_key).await
            }
            Queue::Sqlite(q) => {
                let place = placement(payload, q.video_profiles())?;
                q.push_placed(task_id, payload, idempotency_key, place).await
            }
        }
    }

    /// Records a heartbeat and re-delivers jobs of workers presumed dead; returns how many.
    pub async fn heartbeat(&self, worker: &str) -> Result<u64, QueueError> {
        match self {
            Queue::Redis(q) => q.heartbeat(worker).await,
            Queue::Sqlite(q) => q.heartbeat(worker).await,
        }
    }

    /// Takes up to `max` due jobs of this queue's lane (and says when the next scheduled one
    /// becomes due).
    pub async fn fetch(&self, worker: &str, max: usize) -> Result<Batch, QueueError> {
        match self {
            Queue::Redis(q) => q.fetch(worker, max).await,
            Queue::Sqlite(q) => q.fetch(worker, max).await,
        }
    }

    /// Waits until a job may be available or `max_wait` passed.
    pub async fn wait_for_work(&self, max_wait: Duration) {
        match self {
            Queue::Redis(q) => q.wait_for_work(max_wait).await,
            Queue::Sqlite(q) => q.wait_for_work(max_wait).await,
        }
    }

    /// Settles a delivery; false if this worker no longer held it.
    pub async fn settle(&self, worker: &str, task_id: &str, how: &Settle) -> Result<bool, QueueError> {
        match self {
            Queue::Redis(q) => q.settle(worker, task_id, how).await,
            Queue::Sqlite(q) => q.settle(worker, task_id, how).await,
        }
    }

    /// Settles a delivery and takes up to `max` more jobs: one Redis round trip for a worker
    /// that stays busy. The deliveries are this worker's, as from [`Queue::fetch`].
    pub async fn settle_and_fetch(
        &self,
        worker: &str,
        task_id: &str,
        how: &Settle,
        max: usize,
    ) -> Result<(bool, Batch), QueueError> {
        match self {
            Queue::Redis(q) => q.settle_and_fetch(worker, task_id, how, max).await,
            Queue::Sqlite(q) => {
                let settled = q.settle(worker, task_id, how).await?;
                // The settlement stands even if the fetch fails: the fetch loop will try again.
                let batch = match max {
                    0 => Batch::default(),
                    _ => q.fetch(worker, max).await.unwrap_or_else(|e| {
                        tracing::debug!(error = %e, "Fetching after a settlement failed.");
                        Batch::default()
                    }),
                };
                Ok((settled, batch))
            }
        }
    }

    /// Hands back jobs the queue says `worker` holds but that are not in `held`: a fetch whose
    /// reply was lost took them, and nobody else would run them while the worker lives. The
    /// caller must not be fetching meanwhile. Returns how many went back.
    pub async fn reconcile(&self, worker: &str, held: &[String]) -> Result<u64, QueueError> {
        match self {
            Queue::Redis(q) => q.reconcile(worker, held).await,
            Queue::Sqlite(q) => q.reconcile(worker, held).await,
        }
    }

    /// Hands unfinished jobs back on shutdown (to the front, not counted as crashes).
    pub async fn release(&self, worker: &str, task_ids: &[String]) -> Result<u64, QueueError> {
        match self {
            Queue::Redis(q) => q.release(worker, task_ids).await,
            Queue::Sqlite(q) => q.release(worker, task_ids).await,
        }
    }

    pub async fn stats(&self) -> Result<QueueStats, QueueError> {
        self.stats_with_tenants(0).await
    }

    /// [`Queue::stats`] with the `top` tenants by pending jobs.
    pub async fn stats_with_tenants(&self, top: usize) -> Result<QueueStats, QueueError> {
        match self {
            Queue::Redis(q) => q.stats(top).await,
            Queue::Sqlite(q) => q.stats(top).await,
        }
    }

    /// One tenant's pending jobs ("" is the default tenant), in the order they will run
    /// within each priority, high first; at most `limit`.
    pub async fn list_tenant(&self, tenant: &str, limit: usize) -> Result<Vec<TaskInfo>, QueueError> {
        match self {
            Queue::Redis(q) => q.list_tenant(tenant, limit).await,
            Queue::Sqlite(q) => q.list_tenant(tenant, limit).await,
        }
    }

    pub async fn find(&self, task_id: &str) -> Result<Option<TaskInfo>, QueueError> {
        match self {
            Queue::Redis(q) => q.find(task_id).await,
            Queue::Sqlite(q) => q.find(task_id).await,
        }
    }

    /// Jobs waiting in the queue (pending first, then those scheduled for a retry), oldest
    /// first, at most `limit` — for the operator tools (a producer's raw push has no row yet).
    pub async fn list_waiting(&self, limit: usize) -> Result<Vec<TaskInfo>, QueueError> {
        match self {
            Queue::Redis(q) => q.list_waiting(limit).await,
            Queue::Sqlite(q) => q.list_waiting(limit).await,
        }
    }

    /// Dead-lettered jobs, newest first.
    pub async fn list_dead(&self, limit: usize) -> Result<Vec<TaskInfo>, QueueError> {
        match self {
            Queue::Redis(q) => q.list_dead(limit).await,
            Queue::Sqlite(q) => q.list_dead(limit).await,
        }
    }

    /// Puts a dead job back in the queue with its attempts reset.
    pub async fn requeue_dead(&self, task_id: &str) -> Result<bool, QueueError> {
        match self {
            Queue::Redis(q) => q.operator(task_id, "requeue").await,
            Queue::Sqlite(q) => q.requeue_dead(task_id).await,
        }
    }

    /// Removes a job that has not started (pending or waiting for a retry).
    pub async fn cancel(&self, task_id: &str) -> Result<bool, QueueError> {
        match self {
            Queue::Redis(q) => q.operator(task_id, "cancel").await,
            Queue::Sqlite(q) => q.cancel(task_id).await,
        }
    }

    /// Appends a completion event (Redis stream `{namespace}:events`; a table in SQLite).
    pub async fn publish_event(&self, fields: &[(&str, String)]) -> Result<(), QueueError> {
        match self {
            Queue::Redis(q) => q.publish_event(fields).await,
            Queue::Sqlite(q) => q.publish_event(fields).await,
        }
    }

    /// What `uploadd doctor` checks of Redis (`None` for the SQLite queue).
    pub async fn diagnose(&self) -> Option<RedisDiagnosis> {
        match self {
            Queue::Redis(q) => Some(q.diagnose().await),
            Queue::Sqlite(_) => None,
        }
    }

    pub async fn health_check(&self) -> Result<(), QueueError> {
        match self {
            Queue::Redis(q) => q.health_check().await,
            Queue::Sqlite(q) => q.health_check().await,
        }
    }
}

/// Seconds since the epoch as a float (Redis scores).
fn now_secs() -> f64 {
    crate::units::now_ms() as f64 / 1000.0
}
