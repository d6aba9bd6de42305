//! Embedded queue in its own SQLite file (WAL). Same semantics as the Redis queue; wake-ups are
//! in-process (a push from this process wakes the fetch loop at once), other processes' pushes
//! are seen at the next poll.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use tokio::sync::Notify;

use super::{
    Batch, Delivery, Lane, Placement, PushOutcome, QueueError, QueueStats, Settle, TaskInfo, is_plain_task_id,
};
use crate::config::QueueConfig;
use crate::units::now_ms;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS queue_jobs (
    id          TEXT PRIMARY KEY,
    payload     TEXT NOT NULL,
    state       TEXT NOT NULL,           -- Pending | Running | Failed (waiting for retry) | Killed (dead)
    run_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    deliveries  INTEGER NOT NULL DEFAULT 0,
    locked_by   TEXT,
    last_error  TEXT,
    enqueued_at INTEGER NOT NULL,
    done_at     INTEGER
);
CREATE INDEX IF NOT EXISTS queue_jobs_due ON queue_jobs (state, run_at);
CREATE INDEX IF NOT EXISTS queue_jobs_locked ON queue_jobs (locked_by);
CREATE TABLE IF NOT EXISTS queue_workers (id TEXT PRIMARY KEY, heartbeat_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS queue_idempotency (key TEXT PRIMARY KEY, task_id TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS queue_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, fields TEXT NOT NULL);
";

/// Priorities and tenants (added after the first release: existing files gain the columns at
/// open; their jobs wait as normal priority, default tenant). The `priority` column holds the
/// job's *slot*, `lane × 3 + priority` (priority 0 high, 1 normal, 2 low; lane 0 image,
/// 1 video): each lane's rings are their own and rows from before lanes are image jobs. A tenant has a row in
/// `queue_tenants` while it has jobs waiting; the row with the lowest `turn` is served next
/// and goes to the back (round-robin), each step an index lookup.
const FAIRNESS: &str = "
CREATE TABLE IF NOT EXISTS queue_tenants (
    priority INTEGER NOT NULL,
    tenant   TEXT NOT NULL,
    turn     INTEGER NOT NULL,
    PRIMARY KEY (priority, tenant)
);
CREATE INDEX IF NOT EXISTS queue_tenants_turn ON queue_tenants (priority, turn);
CREATE INDEX IF NOT EXISTS queue_jobs_tenant ON queue_jobs (priority, tenant, run_at) WHERE state IN ('Pending', 'Failed');
INSERT OR IGNORE INTO queue_tenants (priority, tenant, turn)
    SELECT DISTINCT priority, tenant, 0 FROM queue_jobs WHERE state IN ('Pending', 'Failed');
";

/// Gives the tenants of the jobs this `WHERE` selects a turn if they have none (a job back
/// in the queue after a retry, a hand-back or a crash).
const JOIN_RING: &str = "INSERT OR IGNORE INTO queue_tenants (priority, tenant, turn) \
    SELECT DISTINCT j.priority, j.tenant, (SELECT COALESCE(MAX(turn), 0) + 1 FROM queue_tenants t WHERE t.priority = j.priority) \
    FROM queue_jobs j";

/// How many tenants one pick looks at before it falls back to the oldest due job.
const PICK_WINDOW: i64 = 8;

/// The columns [`task_info`] reads.
const TASK_COLUMNS: &str = "id, payload, state, attempts, deliveries, last_error, priority, tenant";

/// A job handed back to the front of the queue, its delivery not counted (release, reconcile).
const HAND_BACK: &str = "UPDATE queue_jobs SET state = 'Pending', locked_by = NULL, \
    deliveries = MAX(deliveries - 1, 0), run_at = 0";

#[derive(Debug, Clone)]
pub struct SqliteQueue {
    pool: SqlitePool,
    /// One per lane.
    wake: Arc<[Notify; 2]>,
    /// The lane this handle fetches.
    lane: Lane,
    /// Profiles whose jobs are enqueued in the video lane ([`super::video_profiles`]).
    video_profiles: Arc<Vec<String>>,
    poll: Duration,
    idempotency_ttl_ms: i64,
    dead_after_ms: i64,
    max_dead: i64,
    events_maxlen: i64,
    /// Turns of high, normal, low per round; `None`: strict.
    weights: Option<[u64; 3]>,
    tick: Arc<std::sync::atomic::AtomicU64>,
}

impl SqliteQueue {
    pub async fn open(path: &Path, cfg: &QueueConfig, video_profiles: Vec<String>) -> Result<SqliteQueue, QueueError> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| QueueError::Sqlite(sqlx::Error::Io(e)))?;
        }
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(15));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info('queue_jobs')").fetch_all(&pool).await?;
        if !columns.iter().any(|c| c == "priority") {
            sqlx::raw_sql(
                "ALTER TABLE queue_jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 1; \
                 ALTER TABLE queue_jobs ADD COLUMN tenant TEXT NOT NULL DEFAULT '';",
            )
            .execute(&pool)
            .await?;
        }
        sqlx::raw_sql(FAIRNESS).execute(&pool).await?;
        Ok(SqliteQueue {
            pool,
            wake: Arc::new([Notify::new(), Notify::new()]),
            lane: Lane::Image,
            video_profiles: Arc::new(video_profiles),
            poll: cfg.poll_interval.get(),
            idempotency_ttl_ms: i64::try_from(cfg.idempotency_ttl.get().as_millis()).unwrap_or(i64::MAX),
            dead_after_ms: i64::try_from((cfg.heartbeat_interval.get() * cfg.missed_heartbeats).as_millis())
                .unwrap_or(i64::MAX),
            max_dead: i64::try_from(cfg.max_dead).unwrap_or(i64::MAX),
            events_maxlen: i64::try_from(cfg.events_maxlen).unwrap_or(i64::MAX),
            weights: match cfg.priority_mode {
                crate::config::PriorityMode::Strict => None,
                crate::config::PriorityMode::Weighted => Some(cfg.priority_weights.map(u64::from)),
            },
            tick: Arc::default(),
        })
    }

    pub fn with_lane(&self, lane: Lane) -> SqliteQueue {
        let mut q = self.clone();
        q.lane = lane;
        q
    }

    pub fn lane(&self) -> Lane {
        self.lane
    }

    pub fn video_profiles(&self) -> &[String] {
        &self.video_profiles
    }

    /// The first slot of this handle's lane (see `FAIRNESS`).
    fn base(&self) -> i64 {
        3 * i64::try_from(self.lane.index()).unwrap_or(0)
    }

    /// Wakes the fetch loops of every lane (a change whose lanes are not known here).
    fn wake_all(&self) {
        for w in self.wake.iter() {
            w.notify_one();
        }
    }

    /// Slots of this lane in the order this pick tries them (see `ring.lua`'s `take_next`).
    fn pick_order(&self) -> [i64; 3] {
        let tick = self.tick.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let first = match self.weights {
            Some([h, n, l]) if h + n + l > 0 => {
                let slot = tick % (h + n + l);
                if slot < h {
                    0
                } else if slot < h + n {
                    1
                } else {
                    2
                }
            }
            _ => 0,
        };
        let b = self.base();
        match first {
            0 => [b, b + 1, b + 2],
            1 => [b + 1, b, b + 2],
            _ => [b + 2, b, b + 1],
        }
    }

    /// The rowid of the next job to run, round-robin between the tenants of each priority;
    /// falls back to the oldest due job (tenants without a turn, many tenants waiting only
    /// for retries).
    async fn pick(&self, tx: &mut sqlx::SqliteConnection, now: i64) -> Result<Option<i64>, QueueError> {
        for priority in self.pick_order() {
            let rows = sqlx::query(
                "SELECT t.tenant AS tenant, \
                   (SELECT j.rowid FROM queue_jobs j WHERE j.state IN ('Pending', 'Failed') AND j.priority = t.priority \
                      AND j.tenant = t.tenant AND j.run_at <= ?2 ORDER BY j.run_at, j.rowid LIMIT 1) AS rid, \
                   EXISTS (SELECT 1 FROM queue_jobs j WHERE j.state IN ('Pending', 'Failed') AND j.priority = t.priority \
                      AND j.tenant = t.tenant) AS waiting \
                 FROM queue_tenants t WHERE t.priority = ?1 ORDER BY t.turn LIMIT ?3",
            )
            .bind(priority)
            .bind(now)
            .bind(PICK_WINDOW)
            .fetch_all(&mut *tx)
            .await?;
            for r in rows {
                let tenant: String = r.try_get("tenant")?;
                let rid: Option<i64> = r.try_get("rid")?;
                if !r.try_get::<bool, _>("waiting")? {
                    sqlx::query("DELETE FROM queue_tenants WHERE priority = ?1 AND tenant = ?2")
                        .bind(priority)
                        .bind(&tenant)
                        .execute(&mut *tx)
                        .await?;
                    continue;
                }
                // Served (or only waiting for a retry): to the back of the round.
                sqlx::query(
                    "UPDATE queue_tenants SET turn = (SELECT MAX(turn) + 1 FROM queue_tenants WHERE priority = ?1) \
                     WHERE priority = ?1 AND tenant = ?2",
                )
                .bind(priority)
                .bind(&tenant)
                .execute(&mut *tx)
                .await?;
                if rid.is_some() {
                    return Ok(rid);
                }
            }
        }
        Ok(sqlx::query_scalar(
            "SELECT rowid FROM queue_jobs WHERE state IN ('Pending', 'Failed') AND run_at <= ?1 \
             AND priority BETWEEN ?2 AND ?2 + 2 ORDER BY run_at, rowid LIMIT 1",
        )
        .bind(now)
        .bind(self.base())
        .fetch_optional(&mut *tx)
        .await?)
    }

    /// Enqueues with the placement ([`super::placement`]) the caller already read.
    pub async fn push_placed(
        &self,
        task_id: &str,
        payload: &str,
        idem: &str,
        Placement { lane, priority, tenant }: Placement,
    ) -> Result<PushOutcome, QueueError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM queue_idempotency WHERE expires_at < ?1").bind(now).execute(&mut *tx).await?;
        if !idem.is_empty() {
            let claimed = sqlx::query("INSERT INTO queue_idempotency (key, task_id, expires_at) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO NOTHING")
                .bind(idem)
                .bind(task_id)
                .bind(now.saturating_add(self.idempotency_ttl_ms))
                .execute(&mut *tx)
                .await?;
            if claimed.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(PushOutcome::Duplicate);
            }
        }
        let res = sqlx::query(
            "INSERT INTO queue_jobs (id, payload, state, run_at, enqueued_at, priority, tenant) \
             VALUES (?1, ?2, 'Pending', ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(task_id)
        .bind(payload)
        .bind(now)
        .bind(now)
        .bind(3 * i64::try_from(lane.index()).unwrap_or(0) + i64::try_from(priority.min(2)).unwrap_or(1))
        .bind(&tenant)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!("{JOIN_RING} WHERE j.id = ?1")).bind(task_id).execute(&mut *tx).await?;
        tx.commit().await?;
        if res.rows_affected() == 1 {
            self.wake[lane.index()].notify_one();
            Ok(PushOutcome::Enqueued)
        } else {
            Ok(PushOutcome::Duplicate)
        }
    }

    pub async fn heartbeat(&self, worker: &str) -> Result<u64, QueueError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO queue_workers (id, heartbeat_at) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at")
            .bind(worker)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM queue_workers WHERE heartbeat_at < ?1 AND id <> ?2")
            .bind(now - self.dead_after_ms)
            .bind(worker)
            .execute(&mut *tx)
            .await?;
        let requeued = sqlx::query(
            "UPDATE queue_jobs SET state = 'Pending', locked_by = NULL WHERE state = 'Running' \
             AND (locked_by IS NULL OR locked_by NOT IN (SELECT id FROM queue_workers))",
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if requeued > 0 {
            sqlx::query(&format!("{JOIN_RING} WHERE j.state = 'Pending'")).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        if requeued > 0 {
            self.wake_all();
        }
        Ok(requeued)
    }

    pub async fn fetch(&self, worker: &str, max: usize) -> Result<Batch, QueueError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        // Register first: a fetch is also a sign of life, and recovery must not take what we hold.
        sqlx::query("INSERT INTO queue_workers (id, heartbeat_at) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at")
            .bind(worker)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        // Ids and payloads come back as hex, so a row another writer stored as a BLOB (or as
        // text that is not UTF-8) decodes on its own instead of failing the whole fetch.
        let mut rows = Vec::new();
        while rows.len() < max {
            let Some(rid) = self.pick(&mut tx, now).await? else { break };
            rows.push(
                sqlx::query(
                    "UPDATE queue_jobs SET state = 'Running', locked_by = ?1, deliveries = deliveries + 1 WHERE rowid = ?2 \
                     RETURNING rowid AS rid, typeof(id) AS id_type, hex(id) AS id_hex, hex(payload) AS payload_hex, attempts, deliveries, enqueued_at",
                )
                .bind(worker)
                .bind(rid)
                .fetch_one(&mut *tx)
                .await?,
            );
        }
        let mut batch = Batch::default();
        for r in rows {
            let id = hex::decode(r.try_get::<String, _>("id_hex")?).unwrap_or_default();
            let text_id = r.try_get::<String, _>("id_type")? == "text";
            if !text_id || !is_plain_task_id(&id) {
                sqlx::query(
                    "UPDATE queue_jobs SET state = 'Killed', locked_by = NULL, done_at = ?1, \
                     last_error = 'invalid job: the task id is not a plain token' WHERE rowid = ?2",
                )
                .bind(now)
                .bind(r.try_get::<i64, _>("rid")?)
                .execute(&mut *tx)
                .await?;
                batch.invalid.push(id);
                continue;
            }
            let payload = hex::decode(r.try_get::<String, _>("payload_hex")?).unwrap_or_default();
            batch.deliveries.push(Delivery {
                task_id: String::from_utf8_lossy(&id).into_owned(),
                lane: self.lane,
                payload: String::from_utf8_lossy(&payload).into_owned(),
                attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
                deliveries: u32::try_from(r.try_get::<i64, _>("deliveries")?).unwrap_or(1).max(1),
                enqueued_at_ms: r.try_get::<i64, _>("enqueued_at").unwrap_or(now),
            });
        }
        batch.next_due = sqlx::query_scalar(
            "SELECT MIN(run_at) FROM queue_jobs WHERE state IN ('Pending', 'Failed') AND priority BETWEEN ?1 AND ?1 + 2",
        )
        .bind(self.base())
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(batch)
    }

    pub async fn wait_for_work(&self, max_wait: Duration) {
        let _ = tokio::time::timeout(max_wait.min(self.poll), self.wake[self.lane.index()].notified()).await;
    }

    pub async fn settle(&self, worker: &str, task_id: &str, how: &Settle) -> Result<bool, QueueError> {
        let now = now_ms();
        let res = match how {
            Settle::Ack => {
                sqlx::query("DELETE FROM queue_jobs WHERE id = ?1 AND state = 'Running' AND locked_by = ?2")
                    .bind(task_id)
                    .bind(worker)
                    .execute(&self.pool)
                    .await?
            }
            Settle::Retry { at_ms, error } => {
                let set = "state = 'Failed', run_at = ?1, attempts = attempts + 1, last_error = ?2";
                self.put_back(set, *at_ms, error, task_id, worker, self.lane).await?
            }
            Settle::Defer { at_ms, error } => {
                let set = "state = 'Failed', run_at = ?1, deliveries = MAX(deliveries - 1, 0), last_error = ?2";
                self.put_back(set, *at_ms, error, task_id, worker, self.lane).await?
            }
            Settle::Move { lane } => {
                // To the front of the new lane (run_at 0): it has waited its turn already.
                let set = "state = 'Pending', run_at = 0, deliveries = MAX(deliveries - 1, 0), \
                           priority = ?1 + (priority % 3), last_error = ?2";
                let lane_base = 3 * i64::try_from(lane.index()).unwrap_or(0);
                let why = format!("moved to the {} lane", lane.as_str());
                self.put_back(set, lane_base, &why, task_id, worker, *lane).await?
            }
            Settle::Dead { reason } => {
                let mut tx = self.pool.begin().await?;
                let r = sqlx::query(
                    "UPDATE queue_jobs SET state = 'Killed', last_error = ?1, done_at = ?2, locked_by = NULL \
                     WHERE id = ?3 AND state = 'Running' AND locked_by = ?4",
                )
                .bind(reason)
                .bind(now)
                .bind(task_id)
                .bind(worker)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM queue_jobs WHERE state = 'Killed' AND id IN \
                     (SELECT id FROM queue_jobs WHERE state = 'Killed' ORDER BY done_at DESC LIMIT -1 OFFSET ?1)",
                )
                .bind(self.max_dead)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                r
            }
        };
        Ok(res.rows_affected() == 1)
    }

    /// Puts a job `worker` holds back in the queue (`set`: the columns to change, `?1` and
    /// `?2` bound to `a` and `b`), gives its tenant a turn and wakes `lane`'s fetch loop.
    async fn put_back(
        &self,
        set: &str,
        a: i64,
        b: &str,
        task_id: &str,
        worker: &str,
        lane: Lane,
    ) -> Result<sqlx::sqlite::SqliteQueryResult, QueueError> {
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query(&format!(
            "UPDATE queue_jobs SET {set}, locked_by = NULL WHERE id = ?3 AND state = 'Running' AND locked_by = ?4"
        ))
        .bind(a)
        .bind(b)
        .bind(task_id)
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        sqlx::query(&format!("{JOIN_RING} WHERE j.id = ?1")).bind(task_id).execute(&mut *tx).await?;
        tx.commit().await?;
        self.wake[lane.index()].notify_one();
        Ok(r)
    }

    /// Hands back what `worker` holds here but not in `held` (a fetch whose result never
    /// reached the worker); to the front, the delivery not counted.
    pub async fn reconcile(&self, worker: &str, held: &[String]) -> Result<u64, QueueError> {
        let held = serde_json::to_string(held).map_err(|e| QueueError::Protocol(e.to_string()))?;
        let n = sqlx::query(&format!(
            "{HAND_BACK} WHERE state = 'Running' AND locked_by = ?1 AND id NOT IN (SELECT value FROM json_each(?2))"
        ))
        .bind(worker)
        .bind(held)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if n > 0 {
            sqlx::query(&format!("{JOIN_RING} WHERE j.state = 'Pending' AND j.run_at = 0")).execute(&self.pool).await?;
            self.wake_all();
        }
        Ok(n)
    }

    pub async fn release(&self, worker: &str, task_ids: &[String]) -> Result<u64, QueueError> {
        let mut n = 0;
        for id in task_ids {
            n += sqlx::query(&format!("{HAND_BACK} WHERE state = 'Running' AND locked_by = ?2 AND id = ?1"))
                .bind(id)
                .bind(worker)
                .execute(&self.pool)
                .await?
                .rows_affected();
            sqlx::query(&format!("{JOIN_RING} WHERE j.id = ?1")).bind(id).execute(&self.pool).await?;
        }
        sqlx::query("DELETE FROM queue_workers WHERE id = ?1").bind(worker).execute(&self.pool).await?;
        Ok(n)
    }

    pub async fn stats(&self, top_tenants: usize) -> Result<QueueStats, QueueError> {
        let now = now_ms();
        let r = sqlx::query(
            "SELECT \
               COALESCE(SUM(state = 'Pending' OR (state = 'Failed' AND run_at <= ?1)), 0) AS pending, \
               COALESCE(SUM(state = 'Failed' AND run_at > ?1), 0) AS scheduled, \
               COALESCE(SUM(state = 'Running'), 0) AS running, \
               COALESCE(SUM(state = 'Killed'), 0) AS dead, \
               COALESCE(MIN(CASE WHEN state = 'Pending' THEN enqueued_at END), 0) AS oldest \
             FROM queue_jobs",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let workers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue_workers").fetch_one(&self.pool).await?;
        // A video loop's worker name ends in `.video` (worker::lane_worker_name).
        let mut live = [0u64; 2];
        for id in sqlx::query_scalar::<_, String>("SELECT id FROM queue_workers WHERE heartbeat_at >= ?1")
            .bind(now - self.dead_after_ms)
            .fetch_all(&self.pool)
            .await?
        {
            live[usize::from(id.ends_with(".video"))] += 1;
        }
        let mut by_priority = [0u64; 3];
        let mut by_lane = [0u64; 2];
        for r in sqlx::query("SELECT priority, COUNT(*) AS n FROM queue_jobs WHERE state = 'Pending' GROUP BY priority")
            .fetch_all(&self.pool)
            .await?
        {
            let slot = usize::try_from(r.try_get::<i64, _>("priority")?).unwrap_or(1);
            let n = u64::try_from(r.try_get::<i64, _>("n")?).unwrap_or(0);
            by_priority[slot % 3] += n;
            by_lane[(slot / 3).min(1)] += n;
        }
        let mut tenants = Vec::new();
        if top_tenants > 0 {
            for r in sqlx::query(
                "SELECT tenant, COUNT(*) AS n FROM queue_jobs WHERE state = 'Pending' GROUP BY tenant ORDER BY n DESC, tenant LIMIT ?1",
            )
            .bind(i64::try_from(top_tenants).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?
            {
                tenants.push((r.try_get::<String, _>("tenant")?, u64::try_from(r.try_get::<i64, _>("n")?).unwrap_or(0)));
            }
        }
        let n = |c: &str| -> Result<u64, sqlx::Error> { Ok(u64::try_from(r.try_get::<i64, _>(c)?).unwrap_or(0)) };
        Ok(QueueStats {
            pending: n("pending")?,
            scheduled: n("scheduled")?,
            running: n("running")?,
            dead: n("dead")?,
            workers: u64::try_from(workers).unwrap_or(0),
            oldest_pending_ms: r.try_get("oldest")?,
            pending_by_priority: by_priority,
            pending_by_lane: by_lane,
            live_workers_by_lane: live,
            top_tenants: tenants,
        })
    }

    pub async fn list_tenant(&self, tenant: &str, limit: usize) -> Result<Vec<TaskInfo>, QueueError> {
        let rows = sqlx::query(&format!(
            "SELECT {TASK_COLUMNS} FROM queue_jobs WHERE tenant = ?1 AND state IN ('Pending', 'Failed') \
             AND typeof(id) = 'text' AND typeof(payload) = 'text' ORDER BY priority % 3, run_at, rowid LIMIT ?2"
        ))
        .bind(tenant)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(task_info).collect::<Result<_, _>>().map_err(Into::into)
    }

    pub async fn find(&self, task_id: &str) -> Result<Option<TaskInfo>, QueueError> {
        let row =
            sqlx::query("SELECT id, payload, state, attempts, deliveries, last_error, priority, tenant FROM queue_jobs WHERE id = ?1")
                .bind(task_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| task_info(&r)).transpose().map_err(Into::into)
    }

    pub async fn list_waiting(&self, limit: usize) -> Result<Vec<TaskInfo>, QueueError> {
        let rows = sqlx::query(
            "SELECT id, payload, state, attempts, deliveries, last_error, priority, tenant FROM queue_jobs \
             WHERE state IN ('Pending', 'Failed') AND typeof(id) = 'text' AND typeof(payload) = 'text' \
             ORDER BY state DESC, run_at LIMIT ?1",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(task_info).collect::<Result<_, _>>().map_err(Into::into)
    }

    pub async fn list_dead(&self, limit: usize) -> Result<Vec<TaskInfo>, QueueError> {
        let rows = sqlx::query(
            "SELECT id, payload, state, attempts, deliveries, last_error, priority, tenant FROM queue_jobs WHERE state = 'Killed' ORDER BY done_at DESC LIMIT ?1",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(task_info).collect::<Result<_, _>>().map_err(Into::into)
    }

    pub async fn requeue_dead(&self, task_id: &str) -> Result<bool, QueueError> {
        let res = sqlx::query(
            "UPDATE queue_jobs SET state = 'Pending', attempts = 0, deliveries = 0, run_at = ?1, done_at = NULL WHERE id = ?2 AND state = 'Killed'",
        )
        .bind(now_ms())
        .bind(task_id)
        .execute(&self.pool)
        .await?;
        sqlx::query(&format!("{JOIN_RING} WHERE j.id = ?1")).bind(task_id).execute(&self.pool).await?;
        self.wake_all();
        Ok(res.rows_affected() == 1)
    }

    pub async fn cancel(&self, task_id: &str) -> Result<bool, QueueError> {
        let res = sqlx::query("DELETE FROM queue_jobs WHERE id = ?1 AND state IN ('Pending', 'Failed')")
            .bind(task_id)
            .execute(&self.pool)
            .await?;
        Ok(res.rows_affected() == 1)
    }

    pub async fn publish_event(&self, fields: &[(&str, String)]) -> Result<(), QueueError> {
        let map: serde_json::Map<String, serde_json::Value> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone()))).collect();
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO queue_events (at, fields) VALUES (?1, ?2)")
            .bind(now_ms())
            .bind(serde_json::Value::Object(map).to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM queue_events WHERE seq <= (SELECT MAX(seq) FROM queue_events) - ?1")
            .bind(self.events_maxlen)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn health_check(&self) -> Result<(), QueueError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }
}

fn task_info(r: &sqlx::sqlite::SqliteRow) -> Result<TaskInfo, sqlx::Error> {
    let slot = r.try_get::<i64, _>("priority")?;
    Ok(TaskInfo {
        id: r.try_get("id")?,
        state: r.try_get("state")?,
        attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
        deliveries: u32::try_from(r.try_get::<i64, _>("deliveries")?).unwrap_or(0),
        last_error: r.try_get("last_error")?,
        priority: usize::try_from(slot).ok().and_then(|i| super::PRIORITIES.get(i % 3)).map(|p| (*p).to_owned()),
        tenant: Some(r.try_get("tenant")?),
        lane: (if slot >= 3 { Lane::Video } else { Lane::Image }).as_str().to_owned(),
        payload: r.try_get("payload")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::HumanDuration;

    impl SqliteQueue {
        async fn push(&self, task_id: &str, payload: &str, idem: &str) -> Result<PushOutcome, QueueError> {
            self.push_placed(task_id, payload, idem, super::super::placement(payload, &[])?).await
        }
    }

    async fn queue(dir: &Path) -> SqliteQueue {
        let cfg = QueueConfig {
            heartbeat_interval: HumanDuration::millis(100),
            missed_heartbeats: 2,
            ..QueueConfig::default()
        };
        SqliteQueue::open(&dir.join("q.db"), &cfg, Vec::new()).await.unwrap()
    }

    #[tokio::test]
    async fn push_is_idempotent_and_fetch_leases() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(dir.path()).await;
        assert_eq!(q.push("a", "{}", "a").await.unwrap(), PushOutcome::Enqueued);
        assert_eq!(q.push("a", "{}", "a").await.unwrap(), PushOutcome::Duplicate);
        assert_eq!(q.push("b", "{}", "").await.unwrap(), PushOutcome::Enqueued);
        let got = q.fetch("w1", 10).await.unwrap().deliveries;
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].deliveries, 1);
        let again = q.fetch("w2", 10).await.unwrap().deliveries;
        assert!(again.is_empty(), "leased jobs are not handed out twice");
        assert!(q.settle("w1", "a", &Settle::Ack).await.unwrap());
        assert!(!q.settle("w2", "b", &Settle::Ack).await.unwrap(), "only the holder settles");
        assert!(q.settle("w1", "b", &Settle::Retry { at_ms: 0, error: "x".into() }).await.unwrap());
        let retry = q.fetch("w2", 10).await.unwrap().deliveries;
        assert_eq!((retry[0].attempts, retry[0].deliveries), (1, 2));
    }

    #[tokio::test]
    async fn dead_workers_jobs_are_redelivered_and_counted_as_crashes() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(dir.path()).await;
        q.push("a", "{}", "").await.unwrap();
        let got = q.fetch("dead-worker", 1).await.unwrap().deliveries;
        assert_eq!(got.len(), 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(q.heartbeat("live-worker").await.unwrap(), 1);
        let got = q.fetch("live-worker", 1).await.unwrap().deliveries;
        assert_eq!(got[0].crashes(), 1);
        assert!(!q.settle("dead-worker", "a", &Settle::Ack).await.unwrap(), "a dead worker cannot settle");
    }

    #[tokio::test]
    async fn release_hands_back_without_counting_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(dir.path()).await;
        q.push("a", "{}", "").await.unwrap();
        q.fetch("w", 1).await.unwrap();
        assert_eq!(q.release("w", &["a".into()]).await.unwrap(), 1);
        let got = q.fetch("w2", 1).await.unwrap().deliveries;
        assert_eq!(got[0].crashes(), 0);
        assert!(q.settle("w2", "a", &Settle::Dead { reason: "bad".into() }).await.unwrap());
        assert_eq!(q.list_dead(10).await.unwrap()[0].last_error.as_deref(), Some("bad"));
        assert!(q.requeue_dead("a").await.unwrap());
        assert_eq!(q.stats(0).await.unwrap().pending, 1);
    }

    #[tokio::test]
    async fn a_malformed_row_is_dead_lettered_on_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let q = queue(dir.path()).await;
        // Rows another writer stored badly: a BLOB id, a text id with an escape, a BLOB
        // payload that is not UTF-8 (under a valid id), and a good job behind them.
        for (id, payload) in
            [("X'fffe00'", "'{}'"), ("'bad' || char(27) || '[31m'", "'{}'"), ("'blob-payload'", "X'c3ff'")]
        {
            sqlx::raw_sql(&format!(
                "INSERT INTO queue_jobs (id, payload, state, run_at, enqueued_at) VALUES ({id}, {payload}, 'Pending', 0, 0)"
            ))
            .execute(&q.pool)
            .await
            .unwrap();
        }
        q.push("good", "{}", "").await.unwrap();
        let batch = q.fetch("w", 10).await.unwrap();
        let ids: Vec<&str> = batch.deliveries.iter().map(|d| d.task_id.as_str()).collect();
        assert_eq!(ids, ["blob-payload", "good"]);
        assert_eq!(batch.deliveries[0].payload, "\u{fffd}\u{fffd}", "a bad payload reaches the parser lossily");
        assert_eq!(batch.invalid, [b"\xff\xfe\x00".to_vec(), b"bad\x1b[31m".to_vec()]);
        let stats = q.stats(0).await.unwrap();
        assert_eq!((stats.dead, stats.running, stats.pending), (2, 2, 0), "{stats:?}");
        assert!(q.fetch("w", 10).await.unwrap().invalid.is_empty(), "dead-lettered once");
    }
}
