//! Redis queue: the Lua scripts in `lua/` (and `jobs/redis/push.lua`, shared with producers)
//! over a reconnecting connection manager, plus a pub/sub listener that turns
//! `tasks:{ns}:active:available` (image lane) and `tasks:{ns}:lane:video:available` messages into
//! wake-ups of that lane.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Script, Value};
use tokio::sync::Notify;

use super::{Batch, Delivery, Lane, PushOutcome, QueueError, QueueStats, Settle, TaskInfo, now_secs};
use crate::config::{QueueConfig, redact_url};

/// The script every producer uses to enqueue (see `jobs/README.md`).
pub const PUSH_SCRIPT: &str = include_str!("../../jobs/redis/push.lua");

/// `ring.lua`, `fetch.lua`, `settle.lua` and `hand_back.lua` define functions; these lines
/// call them. `ring.lua` (where jobs wait, which runs next) comes first in every script that
/// moves jobs.
const RING_FN: &str = include_str!("lua/ring.lua");
const FETCH_FN: &str = include_str!("lua/fetch.lua");
const SETTLE_FN: &str = include_str!("lua/settle.lua");
const HAND_BACK_FN: &str = include_str!("lua/hand_back.lua");
const CALL_FETCH: &str =
    "return fetch(ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], tonumber(ARGV[7]), true)";
const CALL_SETTLE: &str = "return settle(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]))";
/// Settle, then fetch up to ARGV[9] more of lane ARGV[11]: one round trip per job for a busy
/// worker.
const CALL_SETTLE_FETCH: &str = "local settled = settle(ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], \
    tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]))
if type(settled) == 'table' then return settled end
local fetched = fetch(ARGV[1], ARGV[2], tonumber(ARGV[9]), tonumber(ARGV[4]), ARGV[10], ARGV[11], tonumber(ARGV[12]), false)
return { settled, fetched[1], fetched[2], fetched[3], fetched[4] }";

struct Scripts {
    push: Script,
    fetch: Script,
    settle: Script,
    settle_fetch: Script,
    reconcile: Script,
    heartbeat: Script,
    release: Script,
    stats: Script,
    operator: Script,
}

#[derive(Clone)]
pub struct RedisQueue {
    conn: ConnectionManager,
    ns: String,
    scripts: Arc<Scripts>,
    /// One per lane: every wake-up message wakes each lane's fetch loop.
    wake: Arc<[Notify; 2]>,
    /// The lane this handle fetches.
    lane: Lane,
    idempotency_ttl: u64,
    dead_after: f64,
    max_dead: u64,
    max_done: u64,
    events_maxlen: u64,
    /// `ring.lua`'s weights argument (`queue.priority_mode`, `queue.priority_weights`).
    weights: String,
    /// This process's pick counter for the weights (shared by clones).
    tick: Arc<std::sync::atomic::AtomicU64>,
    listener: Arc<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQueue").field("ns", &self.ns).finish_non_exhaustive()
    }
}

impl Drop for RedisQueue {
    fn drop(&mut self) {
        // The last clone stops the pub/sub listener.
        if Arc::strong_count(&self.listener) == 1 {
            self.listener.abort();
        }
    }
}

impl RedisQueue {
    /// Connects, and records which profiles' jobs `push.lua` puts in the video lane
    /// (`{ns}:lanes`; the profiles are the same on every daemon of one namespace).
    pub async fn connect(url: &str, cfg: &QueueConfig, video_profiles: &[String]) -> Result<RedisQueue, QueueError> {
        let client = client(url, cfg)?;
        // A configurable, generous response timeout (redis-rs's 500 ms default turns a slow
        // Redis into a dead connection pool, apalis-redis #76). Operations are retried by the
        // callers.
        let mgr_cfg = ConnectionManagerConfig::new()
            .set_response_timeout(Some(cfg.response_timeout.get()))
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(3)
            .set_max_delay(Duration::from_secs(2));
        let conn = client.get_connection_manager_with_config(mgr_cfg).await.map_err(|e| setup_error(e, cfg))?;
        let wake = Arc::new([Notify::new(), Notify::new()]);
        // One channel per lane, in `Lane::ALL` order: image on apalis's, video on its own.
        let channels = [
            format!("tasks:{}:active:available", cfg.namespace),
            format!("tasks:{}:lane:video:available", cfg.namespace),
        ];
        let listener = tokio::spawn(listen(client, channels, wake.clone(), redact_url(url)));
        let q = RedisQueue {
            conn,
            ns: cfg.namespace.clone(),
            scripts: Arc::new(Scripts {
                push: Script::new(PUSH_SCRIPT),
                fetch: Script::new(&format!("{RING_FN}\n{FETCH_FN}\n{CALL_FETCH}")),
                settle: Script::new(&format!("{RING_FN}\n{SETTLE_FN}\n{CALL_SETTLE}")),
                settle_fetch: Script::new(&format!("{RING_FN}\n{SETTLE_FN}\n{FETCH_FN}\n{CALL_SETTLE_FETCH}")),
                reconcile: Script::new(&format!("{RING_FN}\n{HAND_BACK_FN}\n{}", include_str!("lua/reconcile.lua"))),
                heartbeat: Script::new(&format!("{RING_FN}\n{}", include_str!("lua/heartbeat.lua"))),
                release: Script::new(&format!("{RING_FN}\n{HAND_BACK_FN}\n{}", include_str!("lua/release.lua"))),
                stats: Script::new(include_str!("lua/stats.lua")),
                operator: Script::new(&format!("{RING_FN}\n{}", include_str!("lua/requeue.lua"))),
            }),
            wake,
            lane: Lane::Image,
            idempotency_ttl: cfg.idempotency_ttl.get().as_secs().max(1),
            dead_after: (cfg.heartbeat_interval.get() * cfg.missed_heartbeats).as_secs_f64(),
            max_dead: cfg.max_dead,
            max_done: cfg.max_done,
            events_maxlen: cfg.events_maxlen,
            weights: cfg.priority_arg(),
            tick: Arc::default(),
            listener: Arc::new(listener),
        };
        // One real script call before anything is trusted: a user without +@scripting, or
        // without access to the namespace's keys, fails here with what to change, not on the
        // first job.
        q.stats(0).await.map_err(|e| match e {
            QueueError::Redis(e) => setup_error(e, cfg),
            other => other,
        })?;
        q.warn_if_evicting().await;
        q.record_lanes(video_profiles).await?;
        Ok(q)
    }

    /// Writes `{ns}:lanes` (profile → `video`) in one transaction, replacing what was there.
    async fn record_lanes(&self, video_profiles: &[String]) -> Result<(), QueueError> {
        let key = format!("{}:lanes", self.ns);
        let mut pipe = redis::pipe();
        pipe.atomic().del(&key).ignore();
        for p in video_profiles {
            pipe.hset(&key, p, "video").ignore();
        }
        let mut conn = self.conn.clone();
        let () = pipe.query_async(&mut conn).await?;
        Ok(())
    }

    /// The first of `picks` consecutive values of the pick counter.
    fn ticks(&self, picks: usize) -> u64 {
        let n = u64::try_from(picks.max(1)).unwrap_or(1);
        self.tick.fetch_add(n, std::sync::atomic::Ordering::Relaxed) % (1 << 40)
    }

    pub fn with_lane(&self, lane: Lane) -> RedisQueue {
        let mut q = self.clone();
        q.lane = lane;
        q
    }

    pub fn lane(&self) -> Lane {
        self.lane
    }

    pub fn namespace(&self) -> &str {
        &self.ns
    }

    pub(super) fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Queue state lives in Redis: an evicting `maxmemory-policy` silently loses jobs and leases.
    async fn warn_if_evicting(&self) {
        let mut conn = self.conn.clone();
        let reply: Result<Vec<String>, _> =
            redis::cmd("CONFIG").arg("GET").arg("maxmemory-policy").query_async(&mut conn).await;
        if let Ok(v) = reply
            && let Some(policy) = v.get(1)
            && policy != "noeviction"
        {
            tracing::warn!(
                policy = %policy,
                "Redis maxmemory-policy is not `noeviction`: under memory pressure Redis may evict queued jobs and leases. Set `maxmemory-policy noeviction`."
            );
        }
    }

    pub async fn push(&self, task_id: &str, payload: &str, idem: &str) -> Result<PushOutcome, QueueError> {
        let mut conn = self.conn.clone();
        let n: i64 = self
            .scripts
            .push
            .prepare_invoke()
            .arg(&self.ns)
            .arg(task_id)
            .arg(payload)
            .arg(idem)
            .arg(self.idempotency_ttl)
            .arg(now_secs())
            .invoke_async(&mut conn)
            .await?;
        Ok(if n == 1 { PushOutcome::Enqueued } else { PushOutcome::Duplicate })
    }

    pub async fn heartbeat(&self, worker: &str) -> Result<u64, QueueError> {
        let mut conn = self.conn.clone();
        let n: u64 = self
            .scripts
            .heartbeat
            .prepare_invoke()
            .arg(&self.ns)
            .arg(worker)
            .arg(now_secs())
            .arg(self.dead_after)
            .invoke_async(&mut conn)
            .await?;
        Ok(n)
    }

    pub async fn fetch(&self, worker: &str, max: usize) -> Result<Batch, QueueError> {
        let mut conn = self.conn.clone();
        let v: Value = self
            .scripts
            .fetch
            .prepare_invoke()
            .arg(&self.ns)
            .arg(worker)
            .arg(max)
            .arg(now_secs())
            .arg(&self.weights)
            .arg(self.lane.as_str())
            .arg(self.ticks(max))
            .invoke_async(&mut conn)
            .await?;
        let Value::Array(parts) = v else {
            return Err(QueueError::Protocol("fetch reply: not an array".into()));
        };
        let mut it = parts.into_iter();
        parse_fetched(it.next(), it.next(), it.next(), it.next(), self.lane)
    }

    pub async fn wait_for_work(&self, max_wait: Duration) {
        let _ = tokio::time::timeout(max_wait, self.wake[self.lane.index()].notified()).await;
    }

    pub async fn settle(&self, worker: &str, task_id: &str, how: &Settle) -> Result<bool, QueueError> {
        let v = self.invoke_settle(&self.scripts.settle, worker, task_id, how, None).await?;
        let settled = as_u32(&v) == 1;
        if settled {
            self.wake_after(how);
        }
        Ok(settled)
    }

    /// Settles a delivery and, in the same round trip, takes up to `max` more jobs. Returns
    /// whether the settlement applied (as [`RedisQueue::settle`]) and the new deliveries.
    pub async fn settle_and_fetch(
        &self,
        worker: &str,
        task_id: &str,
        how: &Settle,
        max: usize,
    ) -> Result<(bool, Batch), QueueError> {
        let v = self.invoke_settle(&self.scripts.settle_fetch, worker, task_id, how, Some(max)).await?;
        let Value::Array(parts) = v else {
            return Err(QueueError::Protocol("settle-and-fetch reply: not an array".into()));
        };
        let mut it = parts.into_iter();
        let settled = it.next().is_some_and(|v| as_u32(&v) == 1);
        let batch = parse_fetched(it.next(), it.next(), it.next(), it.next(), self.lane)?;
        if settled {
            self.wake_after(how);
        }
        Ok((settled, batch))
    }

    /// A settlement that put the job back wakes the fetch loop of the lane it waits in.
    fn wake_after(&self, how: &Settle) {
        match how {
            Settle::Retry { .. } | Settle::Defer { .. } => self.wake[self.lane.index()].notify_one(),
            Settle::Move { lane } => self.wake[lane.index()].notify_one(),
            Settle::Ack | Settle::Dead { .. } => {}
        }
    }

    /// Runs `settle.lua` (alone, or followed by a fetch of `fetch_max` jobs).
    async fn invoke_settle(
        &self,
        script: &Script,
        worker: &str,
        task_id: &str,
        how: &Settle,
        fetch_max: Option<usize>,
    ) -> Result<Value, QueueError> {
        let (action, run_at, message, keep) = settle_args(how, self.max_done, self.max_dead);
        let mut inv = script.prepare_invoke();
        inv.arg(&self.ns).arg(worker).arg(task_id).arg(now_secs()).arg(action).arg(run_at).arg(message).arg(keep);
        if let Some(max) = fetch_max {
            inv.arg(max).arg(&self.weights).arg(self.lane.as_str()).arg(self.ticks(max));
        }
        let mut conn = self.conn.clone();
        Ok(inv.invoke_async(&mut conn).await?)
    }

    /// Hands back what this worker holds in Redis but not in `held` (see `reconcile.lua`).
    pub async fn reconcile(&self, worker: &str, held: &[String]) -> Result<u64, QueueError> {
        self.invoke_with_ids(&self.scripts.reconcile, worker, held).await
    }

    pub async fn release(&self, worker: &str, task_ids: &[String]) -> Result<u64, QueueError> {
        self.invoke_with_ids(&self.scripts.release, worker, task_ids).await
    }

    /// Runs a script taking `ns, worker, id...` and returning a count.
    async fn invoke_with_ids(&self, script: &Script, worker: &str, ids: &[String]) -> Result<u64, QueueError> {
        let mut conn = self.conn.clone();
        let mut inv = script.prepare_invoke();
        inv.arg(&self.ns).arg(worker);
        for id in ids {
            inv.arg(id);
        }
        Ok(inv.invoke_async(&mut conn).await?)
    }

    pub async fn stats(&self, top_tenants: usize) -> Result<QueueStats, QueueError> {
        let mut conn = self.conn.clone();
        let live_since = now_secs() - self.dead_after;
        let v: Vec<Value> = self
            .scripts
            .stats
            .prepare_invoke()
            .arg(&self.ns)
            .arg(top_tenants)
            .arg(live_since)
            .invoke_async(&mut conn)
            .await?;
        let n = |i: usize| v.get(i).map_or(0, as_u64);
        let oldest =
            v.get(5).and_then(as_string).and_then(|s| s.parse::<f64>().ok()).map_or(0, |s| (s * 1000.0) as i64);
        let mut by_priority = [0; 3];
        if let Some(Value::Array(by)) = v.get(6) {
            for (slot, x) in by_priority.iter_mut().zip(by) {
                *slot = as_u64(x);
            }
        }
        let mut by_lane = [0; 2];
        if let Some(Value::Array(by)) = v.get(8) {
            for (slot, x) in by_lane.iter_mut().zip(by) {
                *slot = as_u64(x);
            }
        }
        let mut live = [0; 2];
        if let Some(Value::Array(by)) = v.get(9) {
            for (slot, x) in live.iter_mut().zip(by) {
                *slot = as_u64(x);
            }
        }
        let mut tenants = Vec::new();
        if let Some(Value::Array(pairs)) = v.get(7) {
            for pair in pairs.chunks(2) {
                if let [name, jobs] = pair {
                    let name = as_string(name).unwrap_or_default();
                    let jobs = as_string(jobs).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
                    tenants.push((name, jobs.max(0.0) as u64));
                }
            }
        }
        Ok(QueueStats {
            pending: n(0),
            scheduled: n(1),
            running: n(2),
            dead: n(3),
            workers: n(4),
            oldest_pending_ms: oldest,
            pending_by_priority: by_priority,
            pending_by_lane: by_lane,
            live_workers_by_lane: live,
            top_tenants: tenants,
        })
    }

    pub async fn find(&self, task_id: &str) -> Result<Option<TaskInfo>, QueueError> {
        self.find_raw(task_id.as_bytes()).await
    }

    /// [`RedisQueue::find`] by the id's bytes (a raw producer's id need not be text).
    async fn find_raw(&self, task_id: &[u8]) -> Result<Option<TaskInfo>, QueueError> {
        let mut conn = self.conn.clone();
        // Bytes, not `String`: a producer's payload and metadata need not be UTF-8 (shown lossily).
        type RawMeta = std::collections::HashMap<Vec<u8>, Vec<u8>>;
        let (payload, meta): (Option<Vec<u8>>, RawMeta) = redis::pipe()
            .cmd("HGET")
            .arg(format!("{}:data", self.ns))
            .arg(task_id)
            .cmd("HGETALL")
            .arg([format!("{}:meta:", self.ns).as_bytes(), task_id].concat())
            .query_async(&mut conn)
            .await?;
        if payload.is_none() && meta.is_empty() {
            return Ok(None);
        }
        let payload = payload.map(|b| String::from_utf8_lossy(&b).into_owned());
        let meta: std::collections::HashMap<String, String> = meta
            .into_iter()
            .map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), String::from_utf8_lossy(&v).into_owned()))
            .collect();
        let id = crate::units::printable(&String::from_utf8_lossy(task_id), 200);
        Ok(Some(task_info(&id, payload, &meta)))
    }

    pub async fn list_waiting(&self, limit: usize) -> Result<Vec<TaskInfo>, QueueError> {
        let mut conn = self.conn.clone();
        let last = limit.saturating_sub(1);
        type Ids = Vec<Vec<u8>>;
        let (active, waiting, scheduled): (Ids, Ids, Ids) = redis::pipe()
            .cmd("LRANGE")
            .arg(format!("{}:active", self.ns))
            .arg(0)
            .arg(last)
            .cmd("ZRANGE")
            .arg(format!("{}:q:waiting", self.ns))
            .arg(0)
            .arg(last)
            .cmd("ZRANGE")
            .arg(format!("{}:scheduled", self.ns))
            .arg(0)
            .arg(last)
            .query_async(&mut conn)
            .await?;
        let mut out = Vec::new();
        for id in active.into_iter().chain(waiting).chain(scheduled).take(limit) {
            if let Some(t) = self.find_raw(&id).await? {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// One tenant's waiting jobs, high priority first, each in the order they will run.
    pub async fn list_tenant(&self, tenant: &str, limit: usize) -> Result<Vec<TaskInfo>, QueueError> {
        let mut conn = self.conn.clone();
        let mut out = Vec::new();
        let lanes = [format!("{}:q:", self.ns), format!("{}:lane:video:q:", self.ns)];
        for (p, q) in super::PRIORITIES.iter().flat_map(|p| lanes.iter().map(move |q| (p, q))) {
            let ids: Vec<Vec<u8>> = redis::cmd("LRANGE")
                .arg(format!("{q}{p}:t:{tenant}"))
                .arg(0)
                .arg(limit.saturating_sub(out.len() + 1))
                .query_async(&mut conn)
                .await?;
            for id in ids {
                if out.len() < limit
                    && let Some(t) = self.find_raw(&id).await?
                {
                    out.push(t);
                }
            }
        }
        Ok(out)
    }

    pub async fn list_dead(&self, limit: usize) -> Result<Vec<TaskInfo>, QueueError> {
        let mut conn = self.conn.clone();
        let ids: Vec<Vec<u8>> = redis::cmd("ZREVRANGE")
            .arg(format!("{}:dead", self.ns))
            .arg(0)
            .arg(limit.saturating_sub(1))
            .query_async(&mut conn)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(t) = self.find_raw(&id).await? {
                out.push(t);
            }
        }
        Ok(out)
    }

    pub async fn operator(&self, task_id: &str, action: &str) -> Result<bool, QueueError> {
        let mut conn = self.conn.clone();
        let n: i64 = self
            .scripts
            .operator
            .prepare_invoke()
            .arg(&self.ns)
            .arg(task_id)
            .arg(action)
            .arg(now_secs())
            .invoke_async(&mut conn)
            .await?;
        Ok(n == 1)
    }

    pub async fn publish_event(&self, fields: &[(&str, String)]) -> Result<(), QueueError> {
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("XADD");
        cmd.arg(format!("{}:events", self.ns)).arg("MAXLEN").arg("~").arg(self.events_maxlen).arg("*");
        for (k, v) in fields {
            cmd.arg(*k).arg(v);
        }
        let _: String = cmd.query_async(&mut conn).await?;
        Ok(())
    }

    pub async fn health_check(&self) -> Result<(), QueueError> {
        let mut conn = self.conn.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }
}

fn task_info(id: &str, payload: Option<String>, meta: &std::collections::HashMap<String, String>) -> TaskInfo {
    let num = |k: &str| meta.get(k).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
    TaskInfo {
        id: id.to_owned(),
        state: meta.get("status").cloned().unwrap_or_else(|| "Unknown".into()),
        attempts: num("attempts"),
        deliveries: num("deliveries"),
        last_error: meta.get("last_error").cloned().filter(|s| !s.is_empty()),
        priority: meta.get("priority").cloned(),
        tenant: meta.get("tenant").cloned(),
        lane: meta.get("lane").and_then(|l| Lane::parse(l)).unwrap_or(Lane::Image).as_str().to_owned(),
        payload,
    }
}

/// The arguments of `settle.lua` for a settlement.
fn settle_args(how: &Settle, max_done: u64, max_dead: u64) -> (&'static str, f64, &str, u64) {
    match how {
        Settle::Ack => ("ack", 0.0, "", max_done),
        Settle::Retry { at_ms, error } => ("retry", *at_ms as f64 / 1000.0, error.as_str(), 0),
        Settle::Defer { at_ms, error } => ("defer", *at_ms as f64 / 1000.0, error.as_str(), 0),
        Settle::Dead { reason } => ("dead", 0.0, reason.as_str(), max_dead),
        Settle::Move { lane } => ("move", 0.0, lane.as_str(), 0),
    }
}

/// Parses `fetch.lua`'s reply: the job list, the next due score, the invalid ids, the ids whose
/// payload was too large. Each entry is decoded on its own: a malformed one is skipped (and
/// said), never the whole batch.
fn parse_fetched(
    jobs: Option<Value>,
    next_due: Option<Value>,
    invalid: Option<Value>,
    oversized: Option<Value>,
    lane: Lane,
) -> Result<Batch, QueueError> {
    let Some(Value::Array(jobs)) = jobs else {
        return Err(QueueError::Protocol("fetch reply: no job list".into()));
    };
    let next_due =
        next_due.as_ref().and_then(as_string).and_then(|s| s.parse::<f64>().ok()).map(|s| (s * 1000.0) as i64);
    let mut deliveries = Vec::with_capacity(jobs.len());
    for job in jobs {
        match parse_job(job, lane) {
            Some(d) => deliveries.push(d),
            // Cannot happen with fetch.lua (it dead-letters ids it would not hand out); if it
            // did, the job stays in this worker's in-flight set and reconciliation hands it back.
            None => tracing::error!("A fetched job could not be decoded; skipped."),
        }
    }
    let ids = |v: Option<Value>| match v {
        Some(Value::Array(ids)) => ids.iter().filter_map(as_bytes).collect(),
        _ => Vec::new(),
    };
    Ok(Batch { deliveries, next_due, invalid: ids(invalid), oversized: ids(oversized) })
}

/// The latest enqueue time taken as a time (year 5138): well inside `i64` milliseconds.
const MAX_EPOCH_SECS: f64 = 1e11;

fn parse_job(job: Value, lane: Lane) -> Option<Delivery> {
    let Value::Array(f) = job else { return None };
    if f.len() < 4 {
        return None;
    }
    // Seconds since the epoch as our scripts write them; anything else (a hand-written `inf`,
    // a negative or absurd time) is unknown, read as now.
    let enqueued_at_ms = f
        .get(4)
        .and_then(as_string)
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| (0.0..=MAX_EPOCH_SECS).contains(s))
        .map_or_else(crate::units::now_ms, |s| (s * 1000.0) as i64);
    Some(Delivery {
        task_id: as_string(&f[0])?,
        lane,
        // A producer's bytes that are not UTF-8 still reach the parser (which records the job
        // as invalid) instead of failing the fetch, which would hand it back forever.
        payload: match &f[1] {
            Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
            v => as_string(v)?,
        },
        attempts: as_u32(&f[2]),
        deliveries: as_u32(&f[3]).max(1),
        enqueued_at_ms,
    })
}

fn as_bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b.clone()),
        Value::SimpleString(s) => Some(s.as_bytes().to_vec()),
        _ => None,
    }
}

fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Double(d) => Some(d.to_string()),
        _ => None,
    }
}

fn as_u64(v: &Value) -> u64 {
    match v {
        Value::Int(i) => u64::try_from(*i).unwrap_or(0),
        other => as_string(other).and_then(|s| s.parse().ok()).unwrap_or(0),
    }
}

fn as_u32(v: &Value) -> u32 {
    match v {
        Value::Int(i) => u32::try_from(*i).unwrap_or(0),
        other => as_string(other).and_then(|s| s.parse().ok()).unwrap_or(0),
    }
}

/// A client for `url`; with `queue.tls_ca_file`, one that trusts that CA (and only it).
fn client(url: &str, cfg: &QueueConfig) -> Result<redis::Client, QueueError> {
    if cfg.tls_ca_file.is_empty() {
        return redis::Client::open(url).map_err(|e| setup_error(e, cfg));
    }
    let pem = std::fs::read(&cfg.tls_ca_file)
        .map_err(|e| QueueError::Setup(format!("queue.tls_ca_file {}: {e}", cfg.tls_ca_file)))?;
    let certs = redis::TlsCertificates { client_tls: None, root_cert: Some(pem) };
    redis::Client::build_with_tls(url, certs).map_err(|e| setup_error(e, cfg))
}

/// Start-up errors an operator can fix, with what to change. Never includes the URL (it may
/// carry a password).
fn setup_error(e: redis::RedisError, cfg: &QueueConfig) -> QueueError {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    if lower.contains("certificate") || lower.contains("unknownissuer") || lower.contains("tls") {
        let hint = if cfg.tls_ca_file.is_empty() {
            "if the server's certificate is signed by a private CA, set queue.tls_ca_file to its PEM file"
        } else {
            "check that queue.tls_ca_file is the CA that signed the server's certificate and that the URL's host name is in it"
        };
        QueueError::Setup(format!("Redis TLS: {text}; {hint}"))
    } else if text.contains("NOPERM") || lower.contains("no permissions") {
        QueueError::Setup(format!(
            "Redis user lacks a permission uploadd needs: {text}; give it +@scripting +@read +@write +@pubsub on ~{ns}:* ~tasks:* &* (ACL SETUSER …), see README",
            ns = cfg.namespace
        ))
    } else if text.contains("WRONGPASS") || lower.contains("authentication") {
        QueueError::Setup(format!("Redis refused the credentials in queue.url: {text}"))
    } else {
        QueueError::Redis(e)
    }
}

/// Subscribes to each lane's wake-up channel and forwards each message as a notify of that
/// lane; reconnects forever with backoff (the fallback poll covers the gaps).
async fn listen(client: redis::Client, channels: [String; 2], wake: Arc<[Notify; 2]>, url_for_logs: String) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channels).await {
                Ok(()) => {
                    backoff = Duration::from_millis(200);
                    // Anything may have been pushed while we were away.
                    wake.iter().for_each(Notify::notify_one);
                    let mut stream = pubsub.on_message();
                    while let Some(msg) = stream.next().await {
                        let lane = usize::from(msg.get_channel_name() == channels[1]);
                        wake[lane].notify_one();
                    }
                    tracing::debug!(url = %url_for_logs, "Redis wake-up subscription ended; reconnecting.");
                }
                Err(e) => tracing::debug!(error = %e, "Redis wake-up subscribe failed; retrying."),
            },
            Err(e) => {
                tracing::debug!(error = %e, url = %url_for_logs, "Redis wake-up connection failed; retrying.")
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payload limit is written as a literal in both scripts (Lua has no access to Rust
    /// constants): each must say what the daemon's parser enforces.
    #[test]
    fn the_scripts_payload_limit_is_the_parsers() {
        let limit = crate::job::MAX_PAYLOAD_BYTES;
        assert!(PUSH_SCRIPT.contains(&format!("#payload > {limit} then")), "push.lua");
        assert!(FETCH_FN.contains(&format!("#payload > {limit} then")), "fetch.lua");
        assert!(FETCH_FN.contains(&format!("larger than {limit} bytes")), "fetch.lua's message");
    }
}
