//! Prove it survives: a mixed batch (images of several types, a video, an infected file, a
//! corrupt file) runs through a real daemon while a fault is injected — SIGKILL at each stage,
//! Redis/PostgreSQL/S3/clamd outages, a full temp disk, a slow Redis — and every run ends with
//! a full accounting: each job in exactly one terminal state right for its input, each output
//! of each ready upload exactly once in storage and in the database, nothing unowned under the
//! output prefix, no temp files left, and the daemon still ready.
//!
//! These tests stop shared services, so they run one at a time (a lock).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;
use uploadd::app::App;
use uploadd::db::Status;
use uploadd::media::samples;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Ready(usize),
    Rejected(&'static str),
}

/// The mixed batch: (file name, bytes, expected outcome).
fn mixed(env: &TestEnv, n: usize) -> Vec<(String, Vec<u8>, Expect)> {
    let video = std::fs::read(services().get("UPLOADD_TEST_SAMPLE_VIDEO")).unwrap();
    let photo = samples::photo_jpeg(900, 600, 6);
    let kinds: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("photo.jpg", photo.clone(), Expect::Ready(3)),
        ("alpha.png", samples::alpha_png(500, 400), Expect::Ready(3)),
        ("pic.webp", samples::webp_image(700, 500), Expect::Ready(3)),
        ("anim.gif", samples::gif_image(200, 150, 3), Expect::Ready(3)),
        ("clip.mp4", video, Expect::Ready(2)),
        ("eicar.jpg", samples::eicar(), Expect::Rejected("infected")),
        ("broken.jpg", photo[..photo.len() / 2].to_vec(), Expect::Rejected("corrupt")),
    ];
    let _ = env;
    (0..n).map(|i| kinds[i % kinds.len()].clone()).map(|(name, b, e)| (name.to_owned(), b, e)).collect()
}

struct Daemon {
    child: Option<Child>,
    port: u16,
}

impl Daemon {
    fn start(env: &TestEnv, port: u16, failpoints: &str) -> Daemon {
        require_failpoints();
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(env.data_dir().join("daemon.log")).unwrap();
        let child = env
            .command()
            .arg("run")
            .env("UPLOADD_HTTP__LISTEN", format!("127.0.0.1:{port}"))
            .env("UPLOADD_FAILPOINTS", failpoints)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn uploadd run");
        Daemon { child: Some(child), port }
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(c.id() as i32, libc::SIGKILL) };
            let _ = c.wait();
        }
    }

    fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        // SAFETY: signalling our own child.
        unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        c.wait().ok()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
    }
}

async fn http_status(port: u16, path: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else { return 0 };
    let _ = s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).await;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    String::from_utf8_lossy(&buf).split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

async fn fault_env() -> TestEnv {
    let mut env = TestEnv::new(Stack::Production).await;
    // Fast recovery, and a temp sweep that clears a killed job's directory promptly.
    env.set("UPLOADD_SWEEP__TEMP_SCHEDULE", "* * * * * *");
    env.set("UPLOADD_SWEEP__TEMP_MIN_AGE", "0s");
    env.set("UPLOADD_SWEEP__ORPHANS_SCHEDULE", "");
    env.set("UPLOADD_SWEEP__MULTIPART_SCHEDULE", "");
    env.set("UPLOADD_RETRY__MAX_ATTEMPTS", "60");
    env.set("UPLOADD_RETRY__MAX_DELAY", "3s");
    env.set("UPLOADD_DATABASE__CONNECT_TIMEOUT", "3s");
    env.set("UPLOADD_STORAGE__REQUEST_TIMEOUT", "10s");
    env
}

async fn enqueue_batch(app: &App, env: &TestEnv, batch: &[(String, Vec<u8>, Expect)]) -> Vec<(String, Expect)> {
    let mut out = Vec::new();
    for (name, bytes, expect) in batch {
        out.push((enqueue_bytes(app, env, name, bytes, None).await, expect.clone()));
    }
    out
}

/// The full accounting after recovery.
async fn account(
    app: &App,
    env: &TestEnv,
    jobs: &[(String, Expect)],
    daemon: &Daemon,
    timeout: Duration,
) -> BTreeMap<String, usize> {
    let mut tally = BTreeMap::new();
    let mut owned = BTreeSet::new();
    let mut quarantined = BTreeSet::new();
    for (id, expect) in jobs {
        let rec = wait_terminal(app, id, timeout).await;
        match expect {
            Expect::Ready(n) => {
                assert_eq!(rec.status, Status::Ready, "{id}: {rec:?}");
                assert_eq!(rec.outputs.len(), *n, "{id}: outputs in the database");
                let mut keys = list_keys(app, &format!("{}uploads/{id}/", env.prefix)).await;
                keys.sort();
                let mut want: Vec<String> = rec.outputs.iter().map(|o| o.key.clone()).collect();
                want.sort();
                assert_eq!(keys, want, "{id}: each output exactly once in storage");
                for o in &rec.outputs {
                    let data = read_object(app, &o.key).await;
                    assert_eq!(data.len() as u64, o.bytes, "{}: complete object", o.key);
                }
                owned.extend(want);
            }
            Expect::Rejected(code) => {
                assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Rejected, Some(*code)), "{id}: {rec:?}");
                assert!(rec.outputs.is_empty());
                if *code == "infected" {
                    // Exactly one quarantined copy, and the original gone from incoming.
                    let key = format!("{}quarantine/{id}/source", env.prefix);
                    assert!(app.storage.head(&key).await.unwrap().is_some(), "{id}: quarantined");
                    quarantined.insert(key);
                    assert!(app.storage.head(&rec.source_key).await.unwrap().is_none(), "{id}: not left in incoming");
                }
            }
        }
        *tally.entry(rec.status.as_str().to_owned()).or_default() += 1;
    }
    let all: BTreeSet<String> = list_keys(app, &format!("{}uploads/", env.prefix)).await.into_iter().collect();
    let unowned: Vec<_> = all.difference(&owned).collect();
    assert!(unowned.is_empty(), "objects under the output prefix that no upload owns: {unowned:?}");
    let held: BTreeSet<String> = list_keys(app, &format!("{}quarantine/", env.prefix)).await.into_iter().collect();
    assert_eq!(held, quarantined, "quarantine holds exactly the infected originals");
    // No temp files left (the temp sweep clears what a killed daemon left behind).
    let start = Instant::now();
    loop {
        let left = temp_entries(app);
        if left.is_empty() {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "temp files left: {left:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let start = Instant::now();
    while http_status(daemon.port, "/readyz").await != 200 {
        assert!(start.elapsed() < Duration::from_secs(30), "the daemon is not ready after recovery");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tally
}

async fn wait_log(env: &TestEnv, needle: &str, timeout: Duration) {
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(env.data_dir().join("daemon.log")).unwrap_or_default();
        if log.contains(needle) {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "never saw {needle:?} in the daemon log:\n{}",
            log.chars().rev().take(3000).collect::<String>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_every_stage_boundary_and_inside_long_stages() {
    let _serial = SERIAL.lock().await;
    for point in ["fetch", "scan", "validate", "image", "video", "store-each", "commit", "cleanup"] {
        let env = fault_env().await;
        let app = env.app().await;
        let jobs = enqueue_batch(&app, &env, &mixed(&env, 7)).await;
        let port = free_port();
        let mut daemon = Daemon::start(&env, port, &format!("{point}=sleep(60000)"));
        wait_log(&env, "Failpoint: sleeping", Duration::from_secs(60)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        daemon.kill9();
        let daemon = Daemon::start(&env, port, "");
        let tally = account(&app, &env, &jobs, &daemon, Duration::from_secs(120)).await;
        eprintln!("SIGKILL at {point}: {tally:?}");
    }
    // Inside a transcode: kill while ffmpeg is running (progress between 0 and 100).
    let mut env = fault_env().await;
    env.set("UPLOADD_PROFILES__DEFAULT__VIDEO__PRESET", "medium");
    let app = env.app().await;
    let d = env.data_dir().join("long");
    std::fs::create_dir_all(&d).unwrap();
    let clip = d.join("long.mp4");
    let st = std::process::Command::new(services().get("UPLOADD_TEST_FFMPEG"))
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=duration=20:size=1280x720:rate=25",
        ])
        .args(["-c:v", "libx264", "-preset", "ultrafast"])
        .arg(&clip)
        .status()
        .unwrap();
    assert!(st.success());
    let id = enqueue_bytes(&app, &env, "long.mp4", &std::fs::read(&clip).unwrap(), None).await;
    let port = free_port();
    let mut daemon = Daemon::start(&env, port, "");
    wait_status(&app, &id, Duration::from_secs(60), |r| r.progress.is_some_and(|p| p > 0 && p < 100)).await;
    daemon.kill9();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ps = std::process::Command::new("pgrep").arg("-f").arg(app.cfg.temp_dir()).output().unwrap();
    assert!(String::from_utf8_lossy(&ps.stdout).trim().is_empty(), "ffmpeg died with the daemon");
    let daemon = Daemon::start(&env, port, "");
    account(&app, &env, &[(id, Expect::Ready(2))], &daemon, Duration::from_secs(180)).await;
}

/// Runs the batch while `fault` breaks a dependency for a while, then accounts.
async fn outage(name: &str, service: &str, down_for: Duration) {
    let env = fault_env().await;
    let app = env.app().await;
    let jobs = enqueue_batch(&app, &env, &mixed(&env, 14)).await;
    let port = free_port();
    let mut daemon = Daemon::start(&env, port, "");
    // Let the batch get going, then take the service away mid-run.
    wait_status(&app, &jobs[0].0, Duration::from_secs(60), |r| r.status != Status::Queued).await;
    let s = services();
    s.control("stop", service);
    let started = Instant::now();
    tokio::time::sleep(down_for).await;
    // Up, and healthy: waiting for a dependency is not being wedged (systemd's watchdog would
    // otherwise restart it mid-outage).
    assert_eq!(http_status(port, "/healthz").await, 200, "the daemon stays healthy during the {service} outage");
    s.control("start", service);
    let tally = account(&app, &env, &jobs, &daemon, Duration::from_secs(180)).await;
    eprintln!("{name}: {service} down {:?}: {tally:?}", started.elapsed());
    assert!(daemon.stop().is_some_and(|s| s.success()), "clean stop after the outage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependencies_go_away_for_30_seconds_and_nothing_is_lost() {
    let _serial = SERIAL.lock().await;
    outage("redis unreachable", "redis", Duration::from_secs(30)).await;
    outage("postgres restarted", "postgres", Duration::from_secs(2)).await;
    outage("s3 stopped", "garage", Duration::from_secs(30)).await;
    outage("clamd stopped", "clamd", Duration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_temp_disk_means_retry_later_and_the_daemon_stays_up() {
    let _serial = SERIAL.lock().await;
    let mut env = fault_env().await;
    let tmp = env.data_dir().join("small-tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mount = |opts: &str| {
        let st =
            std::process::Command::new("mount").args(["-t", "tmpfs", "-o", opts, "tmpfs"]).arg(&tmp).status().unwrap();
        assert!(st.success(), "mount a tmpfs (the test needs root)");
    };
    mount("size=64k");
    env.set("UPLOADD_WORKER__TEMP_DIR", tmp.to_str().unwrap());
    let app = env.app().await;
    let photo = samples::photo_jpeg(1600, 1200, 1);
    let id = enqueue_bytes(&app, &env, "big.jpg", &photo, None).await;
    let port = free_port();
    let mut daemon = Daemon::start(&env, port, "");
    let r = wait_status(&app, &id, Duration::from_secs(60), |r| r.status == Status::Retrying).await;
    assert_eq!(r.reason_code.as_deref(), Some("disk_full"), "{r:?}");
    assert_eq!(http_status(port, "/healthz").await, 200, "the daemon stays up");
    let st = std::process::Command::new("mount").args(["-o", "remount,size=64m"]).arg(&tmp).status().unwrap();
    assert!(st.success());
    let tally = account(&app, &env, &[(id, Expect::Ready(3))], &daemon, Duration::from_secs(60)).await;
    assert_eq!(tally.get("ready"), Some(&1));
    daemon.stop();
    let _ = std::process::Command::new("umount").arg(&tmp).status();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_slower_than_the_response_timeout_is_survived() {
    let _serial = SERIAL.lock().await;
    let mut env = fault_env().await;
    env.set("UPLOADD_QUEUE__RESPONSE_TIMEOUT", "1s");
    let app = env.app().await;
    let jobs = enqueue_batch(&app, &env, &mixed(&env, 7)).await;
    let port = free_port();
    let daemon = Daemon::start(&env, port, "");
    wait_status(&app, &jobs[0].0, Duration::from_secs(60), |r| r.status != Status::Queued).await;
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for _ in 0..3 {
        // Every client (the daemon's included) stalls for 3 s: three times the timeout.
        let _: () = redis::cmd("CLIENT").arg("PAUSE").arg(3000).arg("ALL").query_async(&mut conn).await.unwrap();
        tokio::time::sleep(Duration::from_millis(3500)).await;
    }
    account(&app, &env, &jobs, &daemon, Duration::from_secs(120)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_exits_non_zero_when_its_workers_die_without_a_signal() {
    let _serial = SERIAL.lock().await;
    let env = fault_env().await;
    let mut daemon = Daemon::start(&env, free_port(), "worker-loop=panic");
    let mut child = daemon.child.take().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the daemon kept running without workers");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!status.success(), "exit status {status:?} must be non-zero so systemd restarts it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_8000_due_jobs_at_once_and_bounded_done_and_dead_data() {
    let _serial = SERIAL.lock().await;
    let mut env = fault_env().await;
    env.set("UPLOADD_WORKER__CONCURRENCY", "32");
    env.set("UPLOADD_QUEUE__MAX_DONE", "100");
    env.set("UPLOADD_QUEUE__MAX_DEAD", "50");
    let app = env.app().await;
    let ns = app.cfg.queue.namespace.clone();
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    // 8,500 retries all due at the same moment (apalis-redis 1.0 kills every worker on this),
    // plus 80 malformed ones that will be dead-lettered.
    let now = uploadd::units::now_ms() as f64 / 1000.0 - 1.0;
    let mut pipe = redis::pipe();
    for i in 0..8_580 {
        let id = format!("due-{i}");
        let payload = if i < 8_500 {
            format!(
                r#"{{"upload_id":"{}","source_key":"{}incoming/x{i}","profile":"nope"}}"#,
                uuid::Uuid::now_v7(),
                env.prefix
            )
        } else {
            "{broken".to_owned()
        };
        pipe.hset(format!("{ns}:data"), &id, payload).hset(format!("{ns}:meta:{id}"), "attempts", 1).zadd(
            format!("{ns}:scheduled"),
            &id,
            now,
        );
        if i % 1000 == 999 {
            let _: () = pipe.query_async(&mut conn).await.unwrap();
            pipe = redis::pipe();
        }
    }
    let _: () = pipe.query_async(&mut conn).await.unwrap();
    let worker = RunningWorker::start(&app);
    let start = Instant::now();
    loop {
        let s = app.queue.stats().await.unwrap();
        if s.pending + s.scheduled + s.running == 0 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(240), "backlog not drained: {s:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let counts = app.db.count_by_status().await.unwrap();
    assert_eq!(counts.get("rejected"), Some(&8_580), "every job recorded: {counts:?}");
    let done: u64 = redis::cmd("ZCARD").arg(format!("{ns}:done")).query_async(&mut conn).await.unwrap();
    let dead: u64 = redis::cmd("ZCARD").arg(format!("{ns}:dead")).query_async(&mut conn).await.unwrap();
    let data: u64 = redis::cmd("HLEN").arg(format!("{ns}:data")).query_async(&mut conn).await.unwrap();
    assert!(done <= 100, "done set bounded: {done}");
    assert_eq!(dead, 50, "dead set bounded to max_dead");
    assert_eq!(data, 50, "only dead-lettered payloads are kept");
    let metas: Vec<String> = redis::cmd("KEYS").arg(format!("{ns}:meta:*")).query_async(&mut conn).await.unwrap();
    assert_eq!(metas.len(), 50, "metadata of finished jobs is deleted");
    assert!(!worker.handle.as_ref().unwrap().is_finished(), "the worker survived");
    worker.shutdown().await;
}

/// A soak: many jobs with faults injected at random (seeded; the seed is printed). CI runs
/// `UPLOADD_SOAK_JOBS` jobs (default 300); `UPLOADD_SOAK_JOBS=2000` for the full run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_with_random_faults() {
    let _serial = SERIAL.lock().await;
    let n: usize = std::env::var("UPLOADD_SOAK_JOBS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let seed: u64 = std::env::var("UPLOADD_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| uploadd::units::now_ms() as u64);
    eprintln!("soak: seed={seed} jobs={n} (reproduce with UPLOADD_SOAK_SEED={seed} UPLOADD_SOAK_JOBS={n})");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut env = fault_env().await;
    env.set("UPLOADD_WORKER__CONCURRENCY", "8");
    let app = env.app().await;
    let started = Instant::now();
    // Small inputs keep the soak about the machinery, not the codecs.
    let small: Vec<(String, Vec<u8>, Expect)> = vec![
        ("s.jpg".into(), samples::photo_jpeg(160, 120, 1), Expect::Ready(3)),
        ("s.png".into(), samples::alpha_png(120, 90), Expect::Ready(3)),
        ("s.gif".into(), samples::gif_image(64, 48, 2), Expect::Ready(3)),
        ("e.jpg".into(), samples::eicar(), Expect::Rejected("infected")),
        ("c.jpg".into(), b"\xff\xd8\xff\xe0 not really".to_vec(), Expect::Rejected("corrupt")),
    ];
    let batch: Vec<_> = (0..n).map(|_| small[rng.usize(..small.len())].clone()).collect();
    let jobs = enqueue_batch(&app, &env, &batch).await;
    let port = free_port();
    let mut daemon = Daemon::start(&env, port, "");
    let s = services();
    let mut faults = Vec::new();
    loop {
        let open = app.db.count_by_status().await.unwrap();
        let finished: usize =
            ["ready", "rejected", "failed"].iter().map(|k| open.get(*k).copied().unwrap_or(0) as usize).sum();
        if finished >= n || faults.len() >= 12 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(500..2500))).await;
        match rng.u8(0..4) {
            0 => {
                faults.push("sigkill");
                daemon.kill9();
                daemon = Daemon::start(&env, port, "");
            }
            1 => {
                faults.push("redis-restart");
                s.control("stop", "redis");
                s.control("start", "redis");
            }
            2 => {
                faults.push("clamd-5s");
                s.control("stop", "clamd");
                tokio::time::sleep(Duration::from_secs(5)).await;
                s.control("start", "clamd");
            }
            _ => {
                faults.push("s3-5s");
                s.control("stop", "garage");
                tokio::time::sleep(Duration::from_secs(5)).await;
                s.control("start", "garage");
            }
        }
    }
    let tally = account(&app, &env, &jobs, &daemon, Duration::from_secs(600)).await;
    eprintln!(
        "soak accounting: seed={seed} jobs={n} {tally:?} faults={faults:?} duration={:.0}s — every job terminal and right, every output once, nothing unowned, no temp files",
        started.elapsed().as_secs_f64()
    );
}
