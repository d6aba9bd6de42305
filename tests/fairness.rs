//! Lanes, priorities and per-tenant fairness, on both queues: the real Redis of the test script (the
//! Lua scripts, `push.lua` as producers run it) and the embedded SQLite queue. Every test runs
//! the same scenario against both.

mod common;

use std::time::Duration;

use common::*;
use uploadd::config::{PriorityMode, QueueConfig};
use uploadd::queue::{Lane, PUSH_SCRIPT, Queue, RedisQueue, Settle, SqliteQueue};
use uploadd::units::HumanDuration;
use uuid::Uuid;

/// A queue of each kind, isolated (a fresh Redis namespace, a fresh SQLite file).
struct Both {
    queues: Vec<(&'static str, Queue)>,
    ns: String,
    _dir: tempfile::TempDir,
}

async fn both(mode: PriorityMode) -> Both {
    let ns = format!("fair-{}", Uuid::now_v7().simple());
    let cfg = QueueConfig {
        namespace: ns.clone(),
        priority_mode: mode,
        heartbeat_interval: HumanDuration::millis(100),
        missed_heartbeats: 2,
        ..QueueConfig::default()
    };
    let dir = tempfile::tempdir().unwrap();
    // "clips" stands for a profile whose types are all video: its jobs wait in the video lane.
    let video_profiles = vec!["clips".to_owned()];
    let redis = RedisQueue::connect(services().redis(), &cfg, &video_profiles).await.unwrap();
    let sqlite = SqliteQueue::open(&dir.path().join("queue.db"), &cfg, video_profiles).await.unwrap();
    Both { queues: vec![("redis", Queue::Redis(redis)), ("sqlite", Queue::Sqlite(sqlite))], ns, _dir: dir }
}

fn job(tenant: Option<&str>, priority: Option<&str>) -> (String, String) {
    let id = Uuid::now_v7().to_string();
    let mut payload =
        serde_json::json!({"upload_id": id, "source_key": format!("incoming/{id}"), "profile": "default"});
    if let Some(t) = tenant {
        payload["tenant"] = t.into();
    }
    if let Some(p) = priority {
        payload["priority"] = p.into();
    }
    (id, payload.to_string())
}

async fn push_many(q: &Queue, n: usize, tenant: Option<&str>, priority: Option<&str>) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let (id, payload) = job(tenant, priority);
        q.push(&id, &payload, &id).await.unwrap();
        ids.push(id);
    }
    ids
}

/// Takes one job at a time, as a worker with one slot would; acks it. Returns the ids in order.
async fn drain(q: &Queue, n: usize) -> Vec<String> {
    let mut order = Vec::new();
    for _ in 0..n {
        let batch = q.fetch("w1", 1).await.unwrap();
        let Some(d) = batch.deliveries.into_iter().next() else { break };
        assert!(q.settle("w1", &d.task_id, &Settle::Ack).await.unwrap());
        order.push(d.task_id);
    }
    order
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_tenants_single_job_does_not_wait_behind_anothers_backlog() {
    for (kind, q) in both(PriorityMode::Weighted).await.queues {
        push_many(&q, 500, Some("bulk"), None).await;
        let (single, payload) = job(Some("avatar"), None);
        q.push(&single, &payload, &single).await.unwrap();
        let order = drain(&q, 501).await;
        assert_eq!(order.len(), 501, "{kind}: every job is delivered once");
        let pos = order.iter().position(|id| *id == single).unwrap();
        assert!(pos <= 2, "{kind}: the other tenant's job ran after {pos} of the backlog's jobs");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_take_turns_and_the_default_tenant_is_one_of_them() {
    for (kind, q) in both(PriorityMode::Weighted).await.queues {
        let a = push_many(&q, 30, Some("a"), None).await;
        let b = push_many(&q, 30, Some("b"), None).await;
        let none = push_many(&q, 30, None, None).await;
        let order = drain(&q, 90).await;
        assert_eq!(order.len(), 90, "{kind}");
        // In every window of three consecutive jobs each tenant has had its turn.
        for w in order.chunks(3) {
            let has = |set: &[String]| w.iter().any(|id| set.contains(id));
            assert!(has(&a) && has(&b) && has(&none), "{kind}: {w:?} is not one of each");
        }
        // Each tenant's jobs run in the order they were pushed.
        let a_order: Vec<&String> = order.iter().filter(|id| a.contains(id)).collect();
        assert_eq!(a_order, a.iter().collect::<Vec<_>>(), "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn high_goes_first_yet_low_progresses_and_strict_mode_is_strict() {
    for (kind, q) in both(PriorityMode::Weighted).await.queues {
        let low = push_many(&q, 100, None, Some("low")).await;
        let high = push_many(&q, 100, None, Some("high")).await;
        let order = drain(&q, 50).await;
        let lows = order.iter().filter(|id| low.contains(id)).count();
        let highs = order.iter().filter(|id| high.contains(id)).count();
        assert_eq!(lows + highs, 50, "{kind}");
        // 6:3:1 with no normal work: high has 9 turns in 10, low 1.
        assert!((3..=7).contains(&lows), "{kind}: {lows} low of 50 under sustained high load");
    }
    for (kind, q) in both(PriorityMode::Strict).await.queues {
        let low = push_many(&q, 20, None, Some("low")).await;
        let normal = push_many(&q, 20, None, None).await;
        let high = push_many(&q, 20, None, Some("high")).await;
        let order = drain(&q, 60).await;
        assert_eq!(order[..20], high[..], "{kind}");
        assert_eq!(order[20..40], normal[..], "{kind}");
        assert_eq!(order[40..], low[..], "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_hand_backs_and_crashes_keep_a_jobs_tenant_and_priority() {
    for (kind, q) in both(PriorityMode::Weighted).await.queues {
        let (id, payload) = job(Some("t1"), Some("high"));
        q.push(&id, &payload, &id).await.unwrap();
        // A retry that is due at once comes back, counted.
        let d = q.fetch("w1", 1).await.unwrap().deliveries.remove(0);
        let past = uploadd::units::now_ms() - 1;
        assert!(q.settle("w1", &id, &Settle::Retry { at_ms: past, error: "x".into() }).await.unwrap());
        let d2 = q.fetch("w1", 1).await.unwrap().deliveries.remove(0);
        assert_eq!((d2.task_id.as_str(), d2.attempts), (id.as_str(), d.attempts + 1), "{kind}");
        // Handed back on shutdown: first of its tenant again.
        assert_eq!(q.release("w1", std::slice::from_ref(&id)).await.unwrap(), 1, "{kind}");
        let s = q.stats_with_tenants(5).await.unwrap();
        assert_eq!(s.pending_by_priority, [1, 0, 0], "{kind}");
        assert_eq!(s.top_tenants, vec![("t1".to_owned(), 1)], "{kind}");
        // A worker that dies holding it: a live worker's heartbeat re-delivers it.
        assert_eq!(q.fetch("doomed", 1).await.unwrap().deliveries.len(), 1, "{kind}");
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(q.heartbeat("w2").await.unwrap(), 1, "{kind}");
        let info = q.find(&id).await.unwrap().unwrap();
        assert_eq!((info.priority.as_deref(), info.tenant.as_deref()), (Some("high"), Some("t1")), "{kind}");
        let listed = q.list_tenant("t1", 10).await.unwrap();
        assert_eq!(listed.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [id.as_str()], "{kind}");
        assert_eq!(drain(&q, 5).await, std::slice::from_ref(&id), "{kind}");
        let s = q.stats_with_tenants(5).await.unwrap();
        assert_eq!((s.pending, s.top_tenants.len()), (0, 0), "{kind}: counters back to zero: {s:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_count_by_priority_and_tenant_and_cancel_keeps_them_right() {
    for (kind, q) in both(PriorityMode::Weighted).await.queues {
        push_many(&q, 5, Some("big"), Some("low")).await;
        let small = push_many(&q, 2, Some("small"), Some("high")).await;
        push_many(&q, 1, None, None).await;
        let s = q.stats_with_tenants(2).await.unwrap();
        assert_eq!(s.pending, 8, "{kind}");
        assert_eq!(s.pending_by_priority, [2, 1, 5], "{kind}");
        assert_eq!(s.top_tenants, vec![("big".to_owned(), 5), ("small".to_owned(), 2)], "{kind}");
        assert!(s.oldest_pending_ms > 0, "{kind}");
        assert!(q.cancel(&small[0]).await.unwrap(), "{kind}");
        assert!(q.cancel(&small[1]).await.unwrap(), "{kind}");
        let s = q.stats_with_tenants(5).await.unwrap();
        assert_eq!((s.pending, s.pending_by_priority), (6, [0, 1, 5]), "{kind}");
        assert!(!s.top_tenants.iter().any(|(t, _)| t == "small"), "{kind}: {s:?}");
        // The cancelled tenant left the rotation: everything else is delivered.
        assert_eq!(drain(&q, 10).await.len(), 6, "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_priorities_and_tenants_are_refused_before_anything_is_stored() {
    let b = both(PriorityMode::Weighted).await;
    for (kind, q) in &b.queues {
        for (tenant, priority) in [
            (Some("has space"), None),
            (Some(""), None),
            (Some(&*"x".repeat(65)), None),
            (Some("ünïcode"), None),
            (None, Some("urgent")),
            (None, Some("HIGH")),
        ] {
            let (id, payload) = job(tenant, priority);
            let err = q.push(&id, &payload, &id).await.unwrap_err().to_string();
            assert!(err.contains("tenant") || err.contains("priority"), "{kind}: {err}");
            assert!(q.find(&id).await.unwrap().is_none(), "{kind}: nothing stored");
        }
    }
    // push.lua refuses them itself, for producers that bypass the daemon's checks.
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (id, payload) = job(Some("a b"), None);
    let r: redis::RedisResult<i64> = redis::Script::new(PUSH_SCRIPT)
        .prepare_invoke()
        .arg(&b.ns)
        .arg(&id)
        .arg(&payload)
        .arg(&id)
        .arg(60)
        .arg(1)
        .invoke_async(&mut conn)
        .await;
    assert!(r.unwrap_err().to_string().contains("tenant must be"));
    let n: i64 = redis::cmd("HLEN").arg(format!("{}:data", b.ns)).query_async(&mut conn).await.unwrap();
    assert_eq!(n, 0);
}

/// What the previous release's push.lua wrote (or, without `meta`, an apalis-style producer):
/// the job in `{ns}:data`, its id in the single list `{ns}:active`.
async fn push_the_old_way(conn: &mut redis::aio::MultiplexedConnection, ns: &str, meta: bool) -> String {
    let (id, payload) = job(None, None);
    let mut pipe = redis::pipe();
    pipe.cmd("HSET").arg(format!("{ns}:data")).arg(&id).arg(&payload);
    if meta {
        pipe.cmd("HSET").arg(format!("{ns}:meta:{id}")).arg(&[
            "attempts",
            "0",
            "deliveries",
            "0",
            "status",
            "Pending",
            "enqueued_at",
            "1",
        ]);
    }
    pipe.cmd("RPUSH").arg(format!("{ns}:active")).arg(&id);
    let _: () = pipe.query_async(conn).await.unwrap();
    id
}

/// Meta written by hand (a producer that bypassed push.lua) with an enqueue time that is no
/// time at all: read as "unknown" (now), never as a time the worker's arithmetic overflows on
/// (`-inf` parsed as i64::MIN made `now - enqueued_at` panic in a debug build, outside the
/// job's own panic guard).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_written_absurd_enqueue_times_are_read_as_unknown() {
    let b = both(PriorityMode::Weighted).await;
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (_, q) = &b.queues[0];
    for bad in ["-inf", "inf", "nan", "-1e300", "1e300"] {
        let id = push_the_old_way(&mut conn, &b.ns, true).await;
        let _: () = redis::cmd("HSET")
            .arg(format!("{}:meta:{id}", b.ns))
            .arg(&["enqueued_at", bad])
            .query_async(&mut conn)
            .await
            .unwrap();
        let d = q.fetch("w1", 1).await.unwrap().deliveries.remove(0);
        assert_eq!(d.task_id, id);
        let now = uploadd::units::now_ms();
        assert!((now - 60_000..=now).contains(&d.enqueued_at_ms), "{bad}: read as {}", d.enqueued_at_ms);
        assert!(q.settle("w1", &id, &Settle::Ack).await.unwrap());
    }
}

/// Queues written before priorities and tenants existed drain after the upgrade: Redis jobs in
/// the single list `{ns}:active` (also as producers with an old copy of push.lua keep pushing
/// them), SQLite files without the new columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_from_before_the_upgrade_drain_alongside_new_jobs() {
    // Redis: what the old push.lua wrote.
    let b = both(PriorityMode::Weighted).await;
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut old = Vec::new();
    for _ in 0..20 {
        old.push(push_the_old_way(&mut conn, &b.ns, true).await);
    }
    let (_, q) = &b.queues[0];
    let new = push_many(q, 20, Some("t"), None).await;
    assert_eq!(q.stats().await.unwrap().pending, 40);
    let order = drain(q, 40).await;
    assert_eq!(order.len(), 40);
    // Both make progress from the start: neither waits for the other to drain.
    let first_half = &order[..20];
    assert!(first_half.iter().any(|id| old.contains(id)) && first_half.iter().any(|id| new.contains(id)));
    // An old job handed back or retried stays in the old list and is still served.
    let id = push_the_old_way(&mut conn, &b.ns, false).await;
    q.fetch("w1", 1).await.unwrap();
    assert_eq!(q.release("w1", std::slice::from_ref(&id)).await.unwrap(), 1);
    assert_eq!(drain(q, 2).await, [id]);
    // Meta written by hand with a priority no ring serves: handed back, the job goes to the
    // single list, which is always served, not to a list nobody reads.
    let id = push_the_old_way(&mut conn, &b.ns, true).await;
    let _: () = redis::cmd("HSET")
        .arg(format!("{}:meta:{id}", b.ns))
        .arg(&["priority", "urgent"])
        .query_async(&mut conn)
        .await
        .unwrap();
    q.fetch("w1", 1).await.unwrap();
    assert_eq!(q.release("w1", std::slice::from_ref(&id)).await.unwrap(), 1);
    assert_eq!(drain(q, 2).await, [id]);

    // SQLite: a queue file of the previous release, with jobs in it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.db");
    {
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE queue_jobs (id TEXT PRIMARY KEY, payload TEXT NOT NULL, state TEXT NOT NULL, \
             run_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, deliveries INTEGER NOT NULL DEFAULT 0, \
             locked_by TEXT, last_error TEXT, enqueued_at INTEGER NOT NULL, done_at INTEGER); \
             CREATE INDEX queue_jobs_due ON queue_jobs (state, run_at);",
        )
        .execute(&pool)
        .await
        .unwrap();
        for i in 0..5 {
            let (id, payload) = job(None, None);
            sqlx::query(
                "INSERT INTO queue_jobs (id, payload, state, run_at, enqueued_at) VALUES (?1, ?2, 'Pending', ?3, ?3)",
            )
            .bind(id)
            .bind(payload)
            .bind(i)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    let cfg = QueueConfig::default();
    let q = Queue::Sqlite(SqliteQueue::open(&path, &cfg, Vec::new()).await.unwrap());
    push_many(&q, 5, Some("t"), Some("low")).await;
    assert_eq!(q.stats().await.unwrap().pending_by_priority, [0, 5, 5]);
    assert_eq!(drain(&q, 20).await.len(), 10);
}

/// An ack remembers the id in `{ns}:done`, trimmed to the newest `max_done` (one call per ack:
/// the trim must neither keep one too many nor drop the newest).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_done_set_keeps_exactly_the_newest_max_done_ids() {
    let ns = format!("done-{}", Uuid::now_v7().simple());
    let cfg = QueueConfig { namespace: ns.clone(), max_done: 3, ..QueueConfig::default() };
    let q = Queue::Redis(RedisQueue::connect(services().redis(), &cfg, &[]).await.unwrap());
    let ids = push_many(&q, 5, None, None).await;
    let mut conn = redis::Client::open(services().redis()).unwrap().get_multiplexed_async_connection().await.unwrap();
    for (n, id) in drain(&q, 5).await.iter().enumerate() {
        assert_eq!(*id, ids[n], "one tenant, one priority: first in, first out");
    }
    let done: Vec<String> =
        redis::cmd("ZRANGE").arg(format!("{ns}:done")).arg(0).arg(-1).query_async(&mut conn).await.unwrap();
    let mut newest = ids[2..].to_vec();
    newest.sort();
    let mut got = done.clone();
    got.sort();
    assert_eq!(got, newest, "exactly the three newest acks are remembered: {done:?}");
}

fn job_with(fields: serde_json::Value) -> (String, String) {
    let (id, payload) = job(None, None);
    let mut v: serde_json::Value = serde_json::from_str(&payload).unwrap();
    for (k, x) in fields.as_object().unwrap() {
        v[k] = x.clone();
    }
    (id, v.to_string())
}

/// Lanes: video work (a `video/` declared type, or a video-only profile) waits apart from image
/// work and is fetched on its own; a job whose detected type belongs to the other lane moves
/// there once — fenced, at the front, no attempt or delivery spent — and a lane's retries,
/// crash recoveries and counters stay in that lane, whichever lane's fetch moves them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lanes_are_fetched_apart_and_a_job_of_the_other_lane_moves_there_once() {
    for (kind, images) in both(PriorityMode::Weighted).await.queues {
        let videos = images.with_lane(Lane::Video);
        let bulk = push_many(&images, 20, Some("bulk"), None).await;
        let (declared, p) = job_with(serde_json::json!({"declared_type": "video/mp4", "tenant": "bulk"}));
        images.push(&declared, &p, &declared).await.unwrap();
        let (clips, p) = job_with(serde_json::json!({"profile": "clips", "priority": "high"}));
        images.push(&clips, &p, &clips).await.unwrap();
        // An image type declared as an image, or a GIF, stays in the image lane.
        let (gif, p) = job_with(serde_json::json!({"declared_type": "image/gif"}));
        images.push(&gif, &p, &gif).await.unwrap();
        let s = images.stats_with_tenants(5).await.unwrap();
        assert_eq!((s.pending, s.pending_by_lane), (23, [21, 2]), "{kind}: {s:?}");
        assert_eq!(images.find(&clips).await.unwrap().unwrap().lane, "video", "{kind}");
        // Which lanes a live daemon loop fetches (`uploadd doctor` warns about a lane with
        // pending jobs and none): a video loop is named `{worker}.video`.
        assert_eq!(s.live_workers_by_lane, [0, 0], "{kind}: nothing runs yet");
        images.heartbeat(&uploadd::worker::lane_worker_name("host-a", Lane::Image)).await.unwrap();
        assert_eq!(images.stats().await.unwrap().live_workers_by_lane, [1, 0], "{kind}");
        videos.heartbeat(&uploadd::worker::lane_worker_name("host-b", Lane::Video)).await.unwrap();
        assert_eq!(images.stats().await.unwrap().live_workers_by_lane, [1, 1], "{kind}");

        // The video lane hands out exactly its two jobs while 21 image
        // jobs wait; the image lane never hands out a video job.
        let got = videos.fetch("v1", 10).await.unwrap().deliveries;
        let mut ids: Vec<&str> = got.iter().map(|d| d.task_id.as_str()).collect();
        ids.sort_unstable();
        let mut want = [clips.as_str(), declared.as_str()];
        want.sort_unstable();
        assert_eq!(ids, want, "{kind}");
        assert!(got.iter().all(|d| d.lane == Lane::Video), "{kind}");
        // A retry due at once is moved back by an image-lane fetch, into the video lane.
        let now = uploadd::units::now_ms() - 1;
        assert!(videos.settle("v1", &clips, &Settle::Retry { at_ms: now, error: "x".into() }).await.unwrap());
        let first = images.fetch("w1", 1).await.unwrap().deliveries.remove(0);
        assert_ne!(first.task_id, clips, "{kind}: a video retry is not handed to the image lane");
        assert_eq!(first.lane, Lane::Image, "{kind}");
        let again = videos.fetch("v1", 5).await.unwrap().deliveries;
        assert_eq!(again.iter().map(|d| d.task_id.as_str()).collect::<Vec<_>>(), [clips.as_str()], "{kind}");
        assert_eq!(again[0].attempts, 1, "{kind}");

        // The image job turns out to be a video: it moves. Only its holder can move it.
        assert!(!images.settle("other", &first.task_id, &Settle::Move { lane: Lane::Video }).await.unwrap(), "{kind}");
        assert!(images.settle("w1", &first.task_id, &Settle::Move { lane: Lane::Video }).await.unwrap(), "{kind}");
        let info = images.find(&first.task_id).await.unwrap().unwrap();
        assert_eq!((info.lane.as_str(), info.tenant.as_deref()), ("video", Some("bulk")), "{kind}");
        let moved = videos.fetch("v1", 5).await.unwrap().deliveries;
        assert_eq!(moved.iter().map(|d| d.task_id.as_str()).collect::<Vec<_>>(), [first.task_id.as_str()], "{kind}");
        assert_eq!((moved[0].attempts, moved[0].deliveries), (0, 1), "{kind}: a move spends nothing");
        // A video-lane worker that dies: its jobs come back to the video lane.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(images.heartbeat("w2").await.unwrap(), 3, "{kind}: v1 held three video jobs");
        let back = videos.fetch("v2", 10).await.unwrap().deliveries;
        let mut back: Vec<String> = back.into_iter().map(|d| d.task_id).collect();
        back.sort();
        let mut want = vec![clips.clone(), declared.clone(), first.task_id.clone()];
        want.sort();
        assert_eq!(back, want, "{kind}");
        for id in &back {
            assert!(videos.settle("v2", id, &Settle::Ack).await.unwrap(), "{kind}");
        }
        // The rest is image work, in order per tenant, and the counters end at zero.
        let rest = drain(&images, 30).await;
        assert_eq!(rest.len(), 20, "{kind}: {rest:?}");
        assert!(rest.contains(&gif), "{kind}");
        assert!(bulk.iter().filter(|id| **id != first.task_id).all(|id| rest.contains(id)), "{kind}");
        assert!(videos.fetch("v2", 5).await.unwrap().deliveries.is_empty(), "{kind}");
        let s = images.stats_with_tenants(5).await.unwrap();
        assert_eq!((s.pending, s.pending_by_lane, s.top_tenants.len()), (0, [0, 0], 0), "{kind}: {s:?}");
    }
}

/// A job of an older producer (the single list) that turns out to be a video joins the video
/// lane as normal priority: it does not go back to the single list, which only the image lane
/// serves (it would move forever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_producers_job_moves_to_the_video_lane_and_stays_there() {
    let b = both(PriorityMode::Weighted).await;
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let id = push_the_old_way(&mut conn, &b.ns, true).await;
    let (_, images) = &b.queues[0];
    let d = images.fetch("w1", 1).await.unwrap().deliveries.remove(0);
    assert_eq!(d.task_id, id);
    assert!(images.settle("w1", &id, &Settle::Move { lane: Lane::Video }).await.unwrap());
    assert!(images.fetch("w1", 1).await.unwrap().deliveries.is_empty());
    let videos = images.with_lane(Lane::Video);
    let d = videos.fetch("v1", 1).await.unwrap().deliveries.remove(0);
    assert_eq!((d.task_id.as_str(), d.lane), (id.as_str(), Lane::Video));
    assert!(videos.settle("v1", &id, &Settle::Ack).await.unwrap());
    assert_eq!(images.stats().await.unwrap().pending_by_lane, [0, 0]);
}
