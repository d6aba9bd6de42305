//! SIGKILL of the daemon mid-job: the job is delivered again, completes, and each output exists
//! exactly once — in storage and in the database. And the quieter loss: a fetch whose reply
//! never arrived must not leave its job with a live worker that will never run it.

mod common;

use std::process::Child;
use std::time::{Duration, Instant};

use common::*;
use uploadd::db::Status;
use uploadd::media::samples;

fn spawn_daemon(env: &TestEnv, failpoints: &str) -> Child {
    require_failpoints();
    env.spawn_daemon_in(env.data_dir(), failpoints)
}

fn kill9(mut child: Child) {
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let _ = child.wait();
}

/// Waits until the daemon's log says it sleeps in a failpoint.
async fn wait_for_failpoint(env: &TestEnv, point: &str) {
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(env.data_dir().join("daemon.log")).unwrap_or_default();
        if log.contains("Failpoint: sleeping") {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "daemon never reached failpoint {point}:\n{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn crash_at(stack: Stack, point: &str) {
    let env = TestEnv::new(stack).await;
    let app = env.app().await;
    let id = enqueue_bytes(&app, &env, "photo.jpg", &samples::photo_jpeg(1200, 900, 1), None).await;
    let daemon = spawn_daemon(&env, &format!("{point}=sleep(60000)"));
    // Wait until the job is inside the failpoint (processing, the earlier stages done).
    wait_for_failpoint(&env, point).await;
    kill9(daemon);
    let mid = app.db.get(&id).await.unwrap().unwrap();
    assert_eq!(mid.status, Status::Processing, "killed mid-job");
    assert!(mid.outputs.is_empty(), "no output is visible before the commit");
    // Restart: the dead worker's job is re-delivered after its heartbeat expires.
    let mut daemon = spawn_daemon(&env, "");
    let rec = wait_terminal(&app, &id, Duration::from_secs(90)).await;
    assert_eq!(rec.status, Status::Ready, "{rec:?}");
    assert_eq!(rec.deliveries, 2, "delivered again after the crash");
    let mut keys = list_keys(&app, &format!("{}uploads/{id}/", env.prefix)).await;
    keys.sort();
    let expected: Vec<String> =
        ["display.jpg", "thumb.jpg", "webp.webp"].iter().map(|f| format!("{}uploads/{id}/{f}", env.prefix)).collect();
    assert_eq!(keys, expected, "each output exactly once in storage");
    assert_eq!(rec.outputs.len(), 3, "each output exactly once in the database");
    wait_deleted(&app, &rec.source_key, Duration::from_secs(10)).await;
    let leftovers = temp_entries(&app);
    assert!(leftovers.len() <= 1, "at most the killed job's temp dir is left for the temp sweep: {leftovers:?}");
    // SIGTERM: a clean, zero exit.
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(daemon.id() as i32, libc::SIGTERM);
    }
    let status = daemon.wait().unwrap();
    assert!(status.success(), "graceful stop exits 0, got {status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_before_store_on_redis_postgres_s3() {
    crash_at(Stack::Production, "store").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_after_store_before_commit_on_redis_postgres_s3() {
    crash_at(Stack::Production, "commit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_image_embedded() {
    crash_at(Stack::EmbeddedScanned, "image").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_after_store_before_commit_embedded() {
    crash_at(Stack::EmbeddedScanned, "commit").await;
}

/// The queue contract the worker relies on, on both queues: settle-and-fetch settles (fenced to
/// the holder) and hands out the next job in the same call; reconcile hands back exactly what
/// the worker holds but does not know about, without counting a delivery.
async fn settle_fetch_and_reconcile(stack: Stack) {
    let env = TestEnv::new(stack).await;
    let app = env.app().await;
    let q = &app.queue;
    let [a, b, c] = [(); 3].map(|()| uuid::Uuid::new_v4().to_string());
    for id in [&a, &b] {
        q.push(id, "{}", "").await.unwrap();
    }
    let got = q.fetch("w1", 1).await.unwrap().deliveries;
    assert_eq!(got.iter().map(|d| d.task_id.as_str()).collect::<Vec<_>>(), [a.as_str()]);
    // A retry due at once, settled by its holder; the next job comes back in the same call
    // (which of the two due jobs first is the queue's business).
    let retry = uploadd::queue::Settle::Retry { at_ms: uploadd::units::now_ms(), error: "x".into() };
    let (settled, first) = q.settle_and_fetch("w1", &a, &retry, 1).await.unwrap();
    let first = first.deliveries;
    assert!(settled && first.len() == 1, "{first:?}");
    let ack = uploadd::queue::Settle::Ack;
    let (settled, second) = q.settle_and_fetch("w1", &first[0].task_id, &ack, 1).await.unwrap();
    let second = second.deliveries;
    assert!(settled && second.len() == 1, "{second:?}");
    let mut both = [first[0].task_id.clone(), second[0].task_id.clone()];
    both.sort();
    let mut expected = [a.clone(), b.clone()];
    expected.sort();
    assert_eq!(both, expected, "each job once");
    let again = if first[0].task_id == a { &first[0] } else { &second[0] };
    assert_eq!((again.attempts, again.deliveries), (1, 2), "the retry counts its attempt and delivery");
    let held = second[0].task_id.clone();
    let (settled, next) = q.settle_and_fetch("w2", &held, &ack, 1).await.unwrap();
    assert!(!settled && next.deliveries.is_empty(), "only the holder settles");
    // w1 holds one job and knows it; a fetch whose reply was lost gives it `c` as well.
    q.push(&c, "{}", "").await.unwrap();
    assert_eq!(q.fetch("w1", 1).await.unwrap().deliveries.len(), 1);
    assert_eq!(q.reconcile("w1", std::slice::from_ref(&held)).await.unwrap(), 1, "only the unknown job goes back");
    let got = q.fetch("w2", 5).await.unwrap().deliveries;
    assert_eq!(got.iter().map(|d| (d.task_id.as_str(), d.deliveries)).collect::<Vec<_>>(), [(c.as_str(), 1)]);
    assert_eq!(q.reconcile("w1", std::slice::from_ref(&held)).await.unwrap(), 0);
    let (settled, next) = q.settle_and_fetch("w1", &held, &ack, 0).await.unwrap();
    assert!(settled && next.deliveries.is_empty());
    assert!(q.settle("w2", &c, &ack).await.unwrap());
    let stats = q.stats().await.unwrap();
    assert_eq!((stats.pending, stats.scheduled, stats.running, stats.dead), (0, 0, 0, 0), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settle_and_fetch_and_reconcile_on_redis() {
    settle_fetch_and_reconcile(Stack::Production).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settle_and_fetch_and_reconcile_on_sqlite() {
    settle_fetch_and_reconcile(Stack::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_fetch_reply_was_lost_still_runs_on_redis() {
    let mut env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let ns = app.cfg.queue.namespace.clone();
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let port = free_port();
    env.set("UPLOADD_HTTP__LISTEN", &format!("127.0.0.1:{port}"));
    // The daemon's loop pauses 3 s before each fetch, so the test can take a job in the
    // daemon's name first — exactly what a fetch whose reply was lost leaves behind.
    let mut daemon = spawn_daemon(&env, "worker-loop=sleep(3000)");
    let start = Instant::now();
    let worker = loop {
        let keys: Vec<String> =
            redis::cmd("ZRANGE").arg(format!("{ns}:workers")).arg(0).arg(-1).query_async(&mut conn).await.unwrap();
        // The image lane's loop (the video lane's is named `<worker>.video`).
        if let Some(k) = keys.iter().find(|k| !k.ends_with(".video")) {
            break k.trim_start_matches(&format!("{ns}:inflight:")).to_owned();
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the daemon never registered its worker");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let photo = samples::photo_jpeg(320, 240, 1);
    let id = loop {
        let id = enqueue_bytes(&app, &env, "photo.jpg", &photo, None).await;
        let got = app.queue.fetch(&worker, 1).await.unwrap().deliveries;
        if got.len() == 1 {
            break id;
        }
        // The daemon fetched first (its pause had just ended): let it finish and try again.
        assert_eq!(wait_terminal(&app, &id, Duration::from_secs(60)).await.status, Status::Ready);
        assert!(start.elapsed() < Duration::from_secs(60), "never got ahead of the daemon's fetch");
    };
    let rec = wait_terminal(&app, &id, Duration::from_secs(60)).await;
    assert_eq!(rec.status, Status::Ready, "{rec:?}");
    assert_eq!(rec.deliveries, 1, "the lost hand-out is not counted as a crash");
    let log = std::fs::read_to_string(env.data_dir().join("daemon.log")).unwrap_or_default();
    assert!(log.contains("reply never arrived"), "the hand-back is logged:\n{log}");
    let (_, metrics) = get(port, "/metrics").await;
    assert!(
        metrics.contains("uploadd_queue_requeued_jobs_total{reason=\"fetch_reply_lost\"} 1"),
        "the hand-back is counted:\n{metrics}"
    );
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(daemon.id() as i32, libc::SIGTERM);
    }
    assert!(daemon.wait().unwrap().success());
}

/// A shutdown whose grace expires while a task is between a settle-and-fetch script and its
/// bookkeeping: the job that script handed out is in the queue's books for this worker but
/// not in its memory. The shutdown hands it back at once (not counted as a crash), instead of
/// leaving it until the worker's heartbeat expires.
async fn forced_shutdown_mid_settle_and_fetch(stack: Stack) {
    let mut env = TestEnv::new(stack).await;
    env.set("UPLOADD_WORKER__CONCURRENCY", "1");
    env.set("UPLOADD_WORKER__SHUTDOWN_GRACE", "1s");
    let app = env.app().await;
    let photo = samples::photo_jpeg(320, 240, 1);
    let first = enqueue_bytes(&app, &env, "a.jpg", &photo, None).await;
    let second = enqueue_bytes(&app, &env, "b.jpg", &photo, None).await;
    let mut daemon = spawn_daemon(&env, "settle-fetched=sleep(60000)");
    wait_for_failpoint(&env, "settle-fetched").await;
    // The first job settled; the second was handed out by the same script.
    let done = wait_terminal(&app, &first, Duration::from_secs(10)).await;
    assert_eq!(done.status, Status::Ready, "{done:?}");
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(daemon.id() as i32, libc::SIGTERM);
    }
    assert!(daemon.wait().unwrap().success(), "a forced but orderly stop exits 0");
    let log = std::fs::read_to_string(env.data_dir().join("daemon.log")).unwrap_or_default();
    assert!(log.contains("Shutdown grace expired"), "the grace expired:\n{log}");
    // Back in the queue right away (the dead worker's heartbeat has not expired), uncounted.
    let got = app.queue.fetch("test-worker", 5).await.unwrap().deliveries;
    assert_eq!(
        got.iter().map(|d| (d.task_id.as_str(), d.crashes())).collect::<Vec<_>>(),
        [(second.as_str(), 0)],
        "the cut-off hand-out is back, not counted as a crash"
    );
    app.queue.release("test-worker", std::slice::from_ref(&second)).await.unwrap();
    let mut daemon = spawn_daemon(&env, "");
    let rec = wait_terminal(&app, &second, Duration::from_secs(60)).await;
    assert_eq!((rec.status, rec.deliveries), (Status::Ready, 1), "{rec:?}");
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(daemon.id() as i32, libc::SIGTERM);
    }
    assert!(daemon.wait().unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_shutdown_mid_settle_and_fetch_hands_the_job_back_on_redis() {
    forced_shutdown_mid_settle_and_fetch(Stack::Production).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forced_shutdown_mid_settle_and_fetch_hands_the_job_back_on_sqlite() {
    forced_shutdown_mid_settle_and_fetch(Stack::Embedded).await;
}
