//! The operations paths systemd and log shippers rely on, run against the real binary:
//! sd_notify (READY, WATCHDOG pings at the right interval and none while wedged, RELOADING and
//! READY around SIGHUP, STOPPING), SIGHUP reloading `log.level`, JSON logs, `/healthz` 503.

mod common;

use std::os::unix::net::UnixDatagram;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

/// A notification socket the test owns, collecting what the daemon sends (with when).
struct Notify {
    path: std::path::PathBuf,
    got: Arc<Mutex<Vec<(Instant, String)>>>,
    _dir: tempfile::TempDir,
}

impl Notify {
    fn new() -> Notify {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let sock = UnixDatagram::bind(&path).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let got: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
        let sink = got.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match sock.recv(&mut buf) {
                    Ok(n) => {
                        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                        let mut got = sink.lock().unwrap();
                        for line in text.lines() {
                            got.push((Instant::now(), line.to_owned()));
                        }
                    }
                    Err(e)
                        if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut =>
                    {
                        if Arc::strong_count(&sink) == 1 {
                            return;
                        }
                    }
                    Err(_) => return,
                }
            }
        });
        Notify { path, got, _dir: dir }
    }

    fn lines(&self) -> Vec<(Instant, String)> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, line: &str, after: usize, timeout: Duration) -> usize {
        let start = Instant::now();
        loop {
            if let Some(i) = self.lines().iter().skip(after).position(|(_, l)| l == line) {
                return after + i;
            }
            assert!(start.elapsed() < timeout, "never got {line:?}: {:?}", self.lines());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn daemon_env(env: &mut TestEnv) -> std::path::PathBuf {
    // log.level comes from the config file here (the environment would override it).
    env.vars.retain(|(k, _)| k != "UPLOADD_LOG__LEVEL");
    let file = env.data_dir().join("uploadd.toml");
    std::fs::write(&file, "[log]\nlevel = \"info\"\n").unwrap();
    file
}

async fn wait_log(env: &TestEnv, needle: &str) {
    let start = Instant::now();
    loop {
        let log = std::fs::read_to_string(env.data_dir().join("daemon.log")).unwrap_or_default();
        if log.contains(needle) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "never logged {needle:?}:\n{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn systemd_sees_ready_watchdog_pings_reload_and_stopping() {
    let mut env = TestEnv::new(Stack::Embedded).await;
    let config = daemon_env(&mut env);
    let notify = Notify::new();
    let log = std::fs::File::create(env.data_dir().join("daemon.log")).unwrap();
    let daemon = env
        .command()
        .arg("--config")
        .arg(&config)
        .args(["run", "--lanes", "image"])
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", "2000000")
        .stderr(log)
        .spawn()
        .unwrap();
    let ready = notify.wait_for("READY=1", 0, Duration::from_secs(30)).await;
    wait_log(&env, "Worker started.").await;
    // The watchdog is pinged every WATCHDOG_USEC / 2 while the daemon is healthy.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    let pings: Vec<Instant> =
        notify.lines().iter().skip(ready).filter(|(_, l)| l == "WATCHDOG=1").map(|(t, _)| *t).collect();
    assert!(pings.len() >= 3, "pings: {:?}", notify.lines());
    for w in pings.windows(2) {
        let gap = w[1] - w[0];
        assert!(gap >= Duration::from_millis(700) && gap <= Duration::from_millis(1600), "ping gap {gap:?}");
    }
    // SIGHUP: RELOADING, the new log level applied, READY again. The file's lanes do not count
    // as a change: `--lanes` overrides them, at start as on a reload.
    std::fs::write(&config, "[log]\nlevel = \"debug\"\n[worker]\nlanes = [\"video\"]\n").unwrap();
    let before = notify.lines().len();
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGHUP) };
    let reloading = notify.wait_for("RELOADING=1", before, Duration::from_secs(10)).await;
    notify.wait_for("READY=1", reloading, Duration::from_secs(10)).await;
    wait_log(&env, "SIGHUP: log level reloaded").await;
    let restart = "other changed settings take effect after a restart";
    let log = std::fs::read_to_string(env.data_dir().join("daemon.log")).unwrap();
    assert!(!log.contains(restart), "only log.level changed that --lanes does not override:\n{log}");
    // Other changes need a restart, and say so.
    std::fs::write(&config, "[log]\nlevel = \"debug\"\n[worker]\nconcurrency = 2\n").unwrap();
    let before = notify.lines().len();
    // SAFETY: as above.
    unsafe { libc::kill(daemon.id() as i32, libc::SIGHUP) };
    let reloading = notify.wait_for("RELOADING=1", before, Duration::from_secs(10)).await;
    notify.wait_for("READY=1", reloading, Duration::from_secs(10)).await;
    wait_log(&env, restart).await;
    let before = notify.lines().len();
    assert!(sigterm(daemon).success());
    notify.wait_for("STOPPING=1", before, Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wedged_daemon_gets_no_watchdog_ping_and_healthz_answers_503() {
    let mut env = TestEnv::new(Stack::Embedded).await;
    let port = free_port();
    env.set("UPLOADD_HTTP__LISTEN", &format!("127.0.0.1:{port}"));
    env.set("UPLOADD_QUEUE__RESPONSE_TIMEOUT", "1s");
    env.set("UPLOADD_WORKER__SHUTDOWN_GRACE", "1s");
    let notify = Notify::new();
    require_failpoints();
    let log = std::fs::File::create(env.data_dir().join("daemon.log")).unwrap();
    // The fetch loop stops coming round while its slots are free: wedged.
    let daemon = env
        .command()
        .arg("run")
        .env("NOTIFY_SOCKET", &notify.path)
        .env("WATCHDOG_USEC", "2000000")
        .env("UPLOADD_FAILPOINTS", "worker-loop=sleep(600000)")
        .stderr(log)
        .spawn()
        .unwrap();
    notify.wait_for("READY=1", 0, Duration::from_secs(30)).await;
    wait_http(port).await;
    let (code, _) = get(port, "/healthz").await;
    assert_eq!(code, 200, "healthy at first");
    // The stall limit is 30 s here (the floor); past it, /healthz says why and pings stop.
    let start = Instant::now();
    let body = loop {
        let (code, body) = get(port, "/healthz").await;
        if code == 503 {
            break body;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "never unhealthy: {code} {body}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "unhealthy");
    assert!(v["checks"]["worker"].as_str().unwrap_or_default().contains("has not run"), "{v}");
    let wedged_at = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let late: Vec<_> = notify
        .lines()
        .into_iter()
        .filter(|(t, l)| l == "WATCHDOG=1" && *t > wedged_at + Duration::from_millis(1100))
        .collect();
    assert!(late.is_empty(), "no watchdog ping while wedged: {late:?}");
    // SIGTERM still stops it: past the grace and a 15 s margin the wedged worker is abandoned.
    let stopping = Instant::now();
    let status = sigterm(daemon);
    assert!(!status.success(), "a stop that abandons a wedged worker is not a clean exit");
    assert!(stopping.elapsed() < Duration::from_secs(40), "took {:?}", stopping.elapsed());
    let log = std::fs::read_to_string(env.data_dir().join("daemon.log")).unwrap();
    assert!(log.contains("did not stop within worker.shutdown_grace"), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_with_the_documented_fields() {
    let mut env = TestEnv::new(Stack::Embedded).await;
    env.set("UPLOADD_LOG__FORMAT", "json");
    let log = std::fs::File::create(env.data_dir().join("daemon.log")).unwrap();
    let daemon = env.command().arg("run").stderr(log).spawn().unwrap();
    wait_log(&env, "Worker started.").await;
    assert!(sigterm(daemon).success());
    let text = std::fs::read_to_string(env.data_dir().join("daemon.log")).unwrap();
    let mut messages = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
        for field in ["timestamp", "level", "target"] {
            assert!(v[field].is_string(), "{field} missing: {line}");
        }
        assert!(v["fields"]["message"].is_string(), "fields.message missing: {line}");
        messages.push(v["fields"]["message"].as_str().unwrap_or_default().to_owned());
    }
    assert!(messages.iter().any(|m| m == "uploadd starting."), "{messages:?}");
    assert!(messages.iter().any(|m| m == "uploadd stopped."), "{messages:?}");
    assert!(!text.contains('\u{1b}'), "no terminal colours in JSON");
}
