//! SIGKILL of the daemon mid-job: the job is delivered again, completes, and each output exists
//! exactly once — in storage and in the database.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;
use uploadd::db::Status;
use uploadd::media::samples;

fn spawn_daemon(env: &TestEnv, failpoints: &str) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(env.data_dir().join("daemon.log"))
        .expect("log file");
    env.command()
        .arg("run")
        .env("UPLOADD_FAILPOINTS", failpoints)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn uploadd run")
}

fn kill9(mut child: Child) {
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let _ = child.wait();
}

async fn crash_at(stack: Stack, point: &str) {
    let env = TestEnv::new(stack).await;
    let app = env.app().await;
    let id = enqueue_bytes(&app, &env, "photo.jpg", &samples::photo_jpeg(1200, 900, 1), None).await;
    let daemon = spawn_daemon(&env, &format!("{point}=sleep(60000)"));
    // Wait until the job is inside the failpoint (processing, the earlier stages done).
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(env.data_dir().join("daemon.log")).unwrap_or_default();
        if log.contains("Failpoint: sleeping") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "daemon never reached failpoint {point}:\n{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
    let leftovers: Vec<_> = std::fs::read_dir(app.cfg.temp_dir())
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
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
