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

mod redis;
mod sqlite;

use std::time::Duration;

use serde::Serialize;

pub use self::redis::RedisQueue;
pub use self::sqlite::SqliteQueue;

use crate::config::{Config, QueueLocation};

/// Queue failures: always infrastructure (transient) from the job's point of view.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("sqlite queue: {0}")]
    Sqlite(#[from] sqlx::Error),
    #[error("queue protocol: {0}")]
    Protocol(String),
}

/// One hand-out of a job to a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub task_id: String,
    /// The raw payload (parsed by the pipeline, so a malformed one is recorded, not fatal).
    pub payload: String,
    /// Handled failures before this delivery.
    pub attempts: u32,
    /// Hand-outs including this one.
    pub deliveries: u32,
}

impl Delivery {
    /// Deliveries that ended without an outcome (the worker died or lost its lease).
    pub fn crashes(&self) -> u32 {
        self.deliveries.saturating_sub(1).saturating_sub(self.attempts)
    }
}

/// Depth of the queue by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueStats {
    pub pending: u64,
    pub scheduled: u64,
    pub running: u64,
    pub dead: u64,
    pub workers: u64,
    /// Enqueue time (ms) of the oldest pending job, 0 when none.
    pub oldest_pending_ms: i64,
}

/// A job as the queue sees it (for `status` of not-yet-started jobs and `jobs` tooling).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskInfo {
    pub id: String,
    pub state: String,
    pub attempts: u32,
    pub deliveries: u32,
    pub last_error: Option<String>,
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
    /// Try again at the given time (ms since the epoch).
    Retry { at_ms: i64, error: String },
    /// Give up: keep it in the dead set for operators.
    Dead { reason: String },
}

/// The configured queue.
#[derive(Debug, Clone)]
pub enum Queue {
    Redis(RedisQueue),
    Sqlite(SqliteQueue),
}

impl Queue {
    pub async fn connect(cfg: &Config) -> Result<Queue, QueueError> {
        match cfg.queue_location() {
            QueueLocation::Redis(url) => Ok(Queue::Redis(RedisQueue::connect(&url, &cfg.queue).await?)),
            QueueLocation::Sqlite(path) => Ok(Queue::Sqlite(SqliteQueue::open(&path, &cfg.queue).await?)),
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
        match self {
            Queue::Redis(q) => q.push(task_id, payload, idempotency_key).await,
            Queue::Sqlite(q) => q.push(task_id, payload, idempotency_key).await,
        }
    }

    /// Records a heartbeat and re-delivers jobs of workers presumed dead; returns how many.
    pub async fn heartbeat(&self, worker: &str) -> Result<u64, QueueError> {
        match self {
            Queue::Redis(q) => q.heartbeat(worker).await,
            Queue::Sqlite(q) => q.heartbeat(worker).await,
        }
    }

    /// Takes up to `max` due jobs. Also returns when the next scheduled job becomes due (ms).
    pub async fn fetch(&self, worker: &str, max: usize) -> Result<(Vec<Delivery>, Option<i64>), QueueError> {
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
    ) -> Result<(bool, Vec<Delivery>), QueueError> {
        match self {
            Queue::Redis(q) => q.settle_and_fetch(worker, task_id, how, max).await,
            Queue::Sqlite(q) => {
                let settled = q.settle(worker, task_id, how).await?;
                // The settlement stands even if the fetch fails: the fetch loop will try again.
                let deliveries = match max {
                    0 => Vec::new(),
                    _ => q.fetch(worker, max).await.map(|(d, _)| d).unwrap_or_else(|e| {
                        tracing::debug!(error = %e, "Fetching after a settlement failed.");
                        Vec::new()
                    }),
                };
                Ok((settled, deliveries))
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
        match self {
            Queue::Redis(q) => q.stats().await,
            Queue::Sqlite(q) => q.stats().await,
        }
    }

    pub async fn find(&self, task_id: &str) -> Result<Option<TaskInfo>, QueueError> {
        match self {
            Queue::Redis(q) => q.find(task_id).await,
            Queue::Sqlite(q) => q.find(task_id).await,
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
