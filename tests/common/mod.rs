//! Test harness: the real services started by `scripts/services.sh` (their addresses come from
//! the env file it writes), fresh isolation per test (a new Postgres database, Redis namespace,
//! S3 prefix, data dir), and helpers to run workers and wait for outcomes.
//!
//! A missing service fails the test loudly; nothing is skipped.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use uploadd::app::App;
use uploadd::config::Config;
use uploadd::db::UploadRecord;

/// Addresses of the running services.
#[derive(Debug, Clone)]
pub struct Services {
    pub vars: HashMap<String, String>,
}

impl Services {
    pub fn get(&self, k: &str) -> &str {
        self.vars
            .get(k)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("{k} missing from the services env file; re-run scripts/services.sh start"))
    }
    pub fn redis(&self) -> &str {
        self.get("UPLOADD_TEST_REDIS_URL")
    }
    pub fn postgres(&self) -> &str {
        self.get("UPLOADD_TEST_POSTGRES_URL")
    }
    pub fn clamd(&self) -> &str {
        self.get("UPLOADD_TEST_CLAMD")
    }
    /// Stops or starts one service through the project's script (for outage tests).
    pub fn control(&self, action: &str, name: &str) {
        let status = std::process::Command::new(self.get("UPLOADD_TEST_SERVICES"))
            .args([action, name])
            .env("UPLOADD_TEST_STATE", self.get("UPLOADD_TEST_STATE"))
            .status()
            .expect("run scripts/services.sh");
        assert!(status.success(), "scripts/services.sh {action} {name} failed");
    }
}

pub fn services() -> &'static Services {
    static S: OnceLock<Services> = OnceLock::new();
    S.get_or_init(|| {
        let path = std::env::var("UPLOADD_TEST_ENV").unwrap_or_else(|_| {
            let state = std::env::var("UPLOADD_TEST_STATE").unwrap_or_else(|_| {
                format!("{}/uploadd-test-services", std::env::var("TMPDIR").unwrap_or_else(|_| "/tmp".into()))
            });
            format!("{state}/env")
        });
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the integration tests need the real services, but their env file {path} cannot be read ({e}). \
                 Run the suite with scripts/test.sh (or scripts/services.sh start first)."
            )
        });
        let vars = text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        Services { vars }
    })
}

pub fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Which backends a test uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stack {
    /// Redis queue, PostgreSQL, S3 (Garage), clamd required.
    Production,
    /// SQLite queue and database, local store, clamd required.
    EmbeddedScanned,
    /// The pure embedded default (scanning off).
    Embedded,
}

/// One isolated environment: its own data dir, and (for `Production`) its own database,
/// Redis namespace and S3 prefixes.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub vars: Vec<(String, String)>,
    pub prefix: String,
    pub stack: Stack,
}

impl TestEnv {
    pub async fn new(stack: Stack) -> TestEnv {
        let dir = tempfile::tempdir().expect("tempdir");
        let id = short_id();
        let mut vars: Vec<(String, String)> = vec![
            ("UPLOADD_RETRY__BASE_DELAY".into(), "200ms".into()),
            ("UPLOADD_RETRY__MAX_DELAY".into(), "2s".into()),
            ("UPLOADD_RETRY__MAX_ATTEMPTS".into(), "30".into()),
            ("UPLOADD_QUEUE__HEARTBEAT_INTERVAL".into(), "500ms".into()),
            ("UPLOADD_QUEUE__POLL_INTERVAL".into(), "200ms".into()),
            ("UPLOADD_WORKER__SHUTDOWN_GRACE".into(), "10s".into()),
            ("UPLOADD_HTTP__LISTEN".into(), String::new()),
            ("UPLOADD_LOG__LEVEL".into(), "info".into()),
            // In-process apps have the test harness as their current executable.
            ("UPLOADD_IMAGES__HEIF_DECODER".into(), env!("CARGO_BIN_EXE_uploadd").into()),
        ];
        let prefix = if stack == Stack::Production { format!("t-{id}/") } else { String::new() };
        if stack != Stack::Embedded {
            let s = services();
            vars.push(("UPLOADD_SCAN__MODE".into(), "required".into()));
            vars.push(("UPLOADD_SCAN__CLAMD".into(), s.clamd().into()));
            vars.push(("UPLOADD_SCAN__TIMEOUT".into(), "10s".into()));
            // The clamd self-test streams a file of scan.max_bytes at every App start: at the
            // 100 MiB default, a dozen tests starting at once on two cores outlast scan.timeout.
            // No test scans a file over 32 MiB.
            vars.push(("UPLOADD_SCAN__MAX_BYTES".into(), "32MiB".into()));
        }
        if stack == Stack::Production {
            let s = services();
            vars.extend([
                ("UPLOADD_QUEUE__URL".into(), s.redis().to_owned()),
                ("UPLOADD_QUEUE__NAMESPACE".into(), format!("t{id}")),
                ("UPLOADD_DATABASE__URL".into(), fresh_postgres_db(&id).await),
                ("UPLOADD_STORAGE__BACKEND".into(), "s3".into()),
                ("UPLOADD_STORAGE__BUCKET".into(), s.get("UPLOADD_TEST_S3_BUCKET").into()),
                ("UPLOADD_STORAGE__ENDPOINT".into(), s.get("UPLOADD_TEST_S3_ENDPOINT").into()),
                ("UPLOADD_STORAGE__REGION".into(), s.get("UPLOADD_TEST_S3_REGION").into()),
                ("UPLOADD_STORAGE__FORCE_PATH_STYLE".into(), "true".into()),
                ("UPLOADD_STORAGE__ACCESS_KEY_ID".into(), s.get("UPLOADD_TEST_S3_ACCESS_KEY_ID").into()),
                ("UPLOADD_STORAGE__SECRET_ACCESS_KEY".into(), s.get("UPLOADD_TEST_S3_SECRET_ACCESS_KEY").into()),
                ("UPLOADD_STORAGE__INCOMING_PREFIX".into(), format!("{prefix}incoming/")),
                ("UPLOADD_STORAGE__OUTPUT_PREFIX".into(), format!("{prefix}uploads/")),
                ("UPLOADD_STORAGE__QUARANTINE_PREFIX".into(), format!("{prefix}quarantine/")),
                ("UPLOADD_STORAGE__ORIGINALS_PREFIX".into(), format!("{prefix}originals/")),
                ("UPLOADD_STORAGE__MULTIPART_THRESHOLD".into(), "8MiB".into()),
                ("UPLOADD_STORAGE__MULTIPART_PART_SIZE".into(), "5MiB".into()),
            ]);
        }
        TestEnv { dir, vars, prefix, stack }
    }

    pub fn set(&mut self, k: &str, v: &str) {
        self.vars.retain(|(key, _)| key != k);
        self.vars.push((k.to_owned(), v.to_owned()));
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> Config {
        Config::load_with_env(None, Some(self.dir.path()), &self.vars).expect("test config")
    }

    pub async fn app(&self) -> Arc<App> {
        App::open(self.config()).await.expect("open app")
    }

    /// An app whose configuration `edit` changed first (profiles cannot be set from the
    /// environment).
    pub async fn app_with(&self, edit: impl FnOnce(&mut Config)) -> Arc<App> {
        let mut cfg = self.config();
        edit(&mut cfg);
        App::open(cfg).await.expect("open app")
    }

    /// A file in the test's own scratch space.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let d = self.dir.path().join("inputs");
        std::fs::create_dir_all(&d).expect("mkdir");
        let p = d.join(name);
        std::fs::write(&p, bytes).expect("write input");
        p
    }

    /// A command running the real binary with this environment.
    pub fn command(&self) -> std::process::Command {
        self.command_in(self.dir.path())
    }

    /// `uploadd run` in `data_dir` with `UPLOADD_FAILPOINTS=failpoints`, its log appended to
    /// `data_dir/daemon.log`.
    pub fn spawn_daemon_in(&self, data_dir: &Path, failpoints: &str) -> std::process::Child {
        self.spawn_daemon_with(data_dir, failpoints, &[])
    }

    /// [`TestEnv::spawn_daemon_in`] with more arguments for `uploadd run` (e.g. `--lanes video`).
    pub fn spawn_daemon_with(&self, data_dir: &Path, failpoints: &str, args: &[&str]) -> std::process::Child {
        let log =
            std::fs::OpenOptions::new().create(true).append(true).open(data_dir.join("daemon.log")).expect("log file");
        self.command_in(data_dir)
            .arg("run")
            .args(args)
            .env("UPLOADD_FAILPOINTS", failpoints)
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn uploadd run")
    }

    /// The same, with another data directory: another host of the same cluster (its own
    /// temp files and worker id, the same queue, database and store).
    pub fn command_in(&self, data_dir: &Path) -> std::process::Command {
        use std::os::unix::process::CommandExt;
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_uploadd"));
        // A daemon never outlives the test that started it, even when the test panics.
        // SAFETY: prctl is async-signal-safe.
        unsafe {
            c.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        c.arg("--data-dir").arg(data_dir);
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c.env_remove("UPLOADD_CONFIG");
        c
    }
}

/// Creates an empty PostgreSQL database and returns its URL.
pub async fn fresh_postgres_db(id: &str) -> String {
    use sqlx::Connection;
    let admin = services().postgres();
    let mut conn = sqlx::PgConnection::connect(admin).await.expect("connect to test postgres");
    let name = format!("uploadd_{id}");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create database");
    admin.rsplit_once('/').map(|(base, _)| format!("{base}/{name}")).expect("postgres url")
}

/// Runs a worker in this process until the returned guard is dropped or stopped.
pub struct RunningWorker {
    pub stop: CancellationToken,
    pub handle: Option<tokio::task::JoinHandle<()>>,
}

impl RunningWorker {
    pub fn start(app: &Arc<App>) -> RunningWorker {
        let stop = CancellationToken::new();
        let (a, s) = (app.clone(), stop.clone());
        let handle = tokio::spawn(async move {
            uploadd::worker::run(a, uploadd::worker::worker_name(), s).await.expect("worker");
        });
        RunningWorker { stop, handle: Some(handle) }
    }

    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(h) = self.handle.take() {
            h.await.expect("worker task");
        }
    }
}

impl Drop for RunningWorker {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Polls the database until the upload is terminal.
pub async fn wait_terminal(app: &App, id: &str, timeout: Duration) -> UploadRecord {
    wait_status(app, id, timeout, |r| r.status.is_terminal()).await
}

pub async fn wait_status(app: &App, id: &str, timeout: Duration, pred: impl Fn(&UploadRecord) -> bool) -> UploadRecord {
    let start = Instant::now();
    loop {
        if let Some(r) = app.db.get(id).await.expect("db get") {
            if pred(&r) {
                return r;
            }
            if start.elapsed() > timeout {
                panic!("upload {id} did not reach the expected state within {timeout:?}; last: {r:#?}");
            }
        } else if start.elapsed() > timeout {
            panic!("upload {id} never appeared in the database within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every key under `prefix` in the configured store.
pub async fn list_keys(app: &App, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let page = app.storage.list_page(prefix, token, 1000).await.expect("list");
        keys.extend(page.objects.into_iter().map(|o| o.key));
        match page.next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    keys
}

/// Waits until `key` is gone from the store. The original is deleted right *after* the
/// commit, so a test that sees `ready` may look a moment before the delete lands.
pub async fn wait_deleted(app: &App, key: &str, timeout: Duration) {
    let start = Instant::now();
    while app.storage.head(key).await.expect("head").is_some() {
        assert!(start.elapsed() < timeout, "{key} still exists {timeout:?} after the commit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Fetches an object's bytes through the store.
pub async fn read_object(app: &App, key: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("obj");
    app.storage.fetch_to_file(key, &p, u64::MAX).await.expect("fetch object");
    std::fs::read(&p).expect("read object")
}

/// Enqueues bytes as a file, like `uploadd enqueue`.
pub async fn enqueue_bytes(app: &App, env: &TestEnv, name: &str, bytes: &[u8], declared: Option<&str>) -> String {
    let path = env.file(name, bytes);
    uploadd::producer::enqueue_file(
        app,
        &path,
        "default",
        uploadd::producer::EnqueueOptions { declared_type: declared.map(str::to_owned), ..Default::default() },
    )
    .await
    .expect("enqueue")
    .to_string()
}

/// Fails loudly unless this build can inject faults (the crash tests set
/// `UPLOADD_FAILPOINTS`, which only a `--features failpoints` build honours).
pub fn require_failpoints() {
    assert!(
        uploadd::failpoint::enabled(),
        "this test injects faults: build with `--features failpoints` (scripts/test.sh does)"
    );
}

/// A port nothing listens on (for a daemon's HTTP listener).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A minimal HTTP/1.1 GET (no client crate needed for three endpoints).
pub async fn get(port: u16, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect to the daemon");
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    if !head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        return (status, body.to_owned());
    }
    // De-chunk: size line, data, CRLF, …, 0.
    let (mut rest, mut out) = (body, String::new());
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    (status, out)
}

/// Waits for a daemon's HTTP listener to accept connections.
pub async fn wait_http(port: u16) {
    let start = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "the daemon's listener never came up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A service of a test's own — its own state directory and ports, started by the project's
/// script — for tests that misconfigure or stop it without disturbing the tests sharing the
/// suite's services. Stopped when dropped.
pub struct PrivateService {
    pub name: &'static str,
    pub state: PathBuf,
    extra: Vec<(String, String)>,
}

impl PrivateService {
    /// Starts `name` (`clamd`, `postgres`, `garage`, …) with extra environment for the script
    /// (e.g. `UPLOADD_CLAMD_EXTRA`).
    pub fn start(name: &'static str, extra: &[(&str, &str)]) -> PrivateService {
        // Under /tmp and world-traversable: PostgreSQL runs as its own user.
        let state = std::env::temp_dir().join(format!("uploadd-private-{name}-{}", short_id()));
        std::fs::create_dir_all(&state).expect("state dir");
        std::fs::set_permissions(&state, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
        let s =
            PrivateService { name, state, extra: extra.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
        s.control("start");
        s
    }

    /// `start` or `stop` it through the project's script.
    pub fn control(&self, action: &str) {
        let status = std::process::Command::new(services().get("UPLOADD_TEST_SERVICES"))
            .args([action, self.name])
            .env("UPLOADD_TEST_STATE", &self.state)
            .envs(self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .status()
            .expect("run scripts/services.sh");
        assert!(status.success(), "scripts/services.sh {action} {} failed", self.name);
    }

    /// A value of the env file the script wrote for this state directory.
    pub fn var(&self, key: &str) -> String {
        let text = std::fs::read_to_string(self.state.join("env")).expect("private env file");
        text.lines()
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_owned())
            .unwrap_or_else(|| panic!("{key} missing from {}", self.state.display()))
    }
}

impl Drop for PrivateService {
    fn drop(&mut self) {
        let _ = std::process::Command::new(services().get("UPLOADD_TEST_SERVICES"))
            .args(["stop", self.name])
            .env("UPLOADD_TEST_STATE", &self.state)
            .status();
        let _ = std::fs::remove_dir_all(&self.state);
    }
}

/// Peak resident memory (VmHWM) of a process, in bytes.
pub fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Runs the daemon binary for this environment, logging to `daemon.log` in its data dir.
pub fn spawn_logged_daemon(env: &TestEnv, extra: &[(&str, &str)]) -> std::process::Child {
    let log =
        std::fs::OpenOptions::new().create(true).append(true).open(env.data_dir().join("daemon.log")).expect("log");
    env.command()
        .arg("run")
        .envs(extra.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn uploadd run")
}

/// SIGTERM, then the exit status.
pub fn sigterm(mut child: std::process::Child) -> std::process::ExitStatus {
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    child.wait().expect("wait for the daemon")
}

/// A `placeholders` object as documented in jobs/README.md: a 4×3-component BlurHash, a
/// base64 ThumbHash and a `#rrggbb` colour.
pub fn assert_placeholders(p: &serde_json::Value) {
    let blurhash = p["blurhash"].as_str().unwrap_or_else(|| panic!("no blurhash in {p}"));
    assert_eq!(blurhash.len(), 28, "4×3 components: {blurhash}");
    assert_eq!(&blurhash[..1], "L", "size flag of 4×3 components: {blurhash}");
    let thumb = p["thumbhash"].as_str().unwrap_or_else(|| panic!("no thumbhash in {p}"));
    assert!(thumb.len() >= 8 && thumb.len().is_multiple_of(4), "{thumb}");
    assert!(thumb.bytes().all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(&c)), "{thumb}");
    let colour = p["dominant_color"].as_str().unwrap_or_else(|| panic!("no dominant_color in {p}"));
    assert!(colour.len() == 7 && colour.starts_with('#') && colour[1..].bytes().all(|c| c.is_ascii_hexdigit()));
}

/// Standard base64 (padded) decoding, for the ThumbHash.
pub fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => u32::from(c - b'A'),
        b'a'..=b'z' => u32::from(c - b'a') + 26,
        b'0'..=b'9' => u32::from(c - b'0') + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {s}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, c)| n | (val(*c) << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// Runs `code` with the test venv's Python (Pillow, pillow-heif), `args` as `sys.argv[1:]`;
/// returns stdout.
pub fn python(code: &str, args: &[&str]) -> String {
    let o = std::process::Command::new(services().get("UPLOADD_TEST_PYTHON"))
        .arg("-c")
        .arg(code)
        .args(args)
        .output()
        .expect("run python");
    assert!(o.status.success(), "python failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What is left in the temp directory: job directories and strays, not the temp sweep's own
/// lock file.
pub fn temp_entries(app: &App) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(app.cfg.temp_dir())
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.file_name()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n != uploadd::workdir::SWEEP_LOCK)
        .collect()
}
