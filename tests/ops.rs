//! Operating uploadd: the metrics/health listener of a real daemon, checked with the real tools
//! (promtool, Prometheus, systemd-analyze, the Compose specification schema).

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use uploadd::db::Status;
use uploadd::media::samples;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn spawn_daemon(env: &TestEnv) -> Child {
    let log = std::fs::File::create(env.data_dir().join("daemon.log")).unwrap();
    env.command().arg("run").stdout(Stdio::null()).stderr(log).spawn().expect("spawn uploadd run")
}

fn sigterm(mut child: Child) -> std::process::ExitStatus {
    // SAFETY: signalling our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    child.wait().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_serves_clean_metrics_health_and_readiness() {
    let mut env = TestEnv::new(Stack::Production).await;
    let port = free_port();
    env.set("UPLOADD_HTTP__LISTEN", &format!("127.0.0.1:{port}"));
    let daemon = spawn_daemon(&env);
    wait_http(port).await;
    let app = env.app().await;
    let high = uploadd::producer::EnqueueOptions { priority: Some("high".into()), ..Default::default() };
    let ok =
        uploadd::producer::enqueue_file(&app, &env.file("a.jpg", &samples::photo_jpeg(400, 300, 1)), "default", high)
            .await
            .unwrap()
            .to_string();
    let infected = enqueue_bytes(&app, &env, "b.jpg", &samples::eicar(), None).await;
    let pdf = enqueue_bytes(&app, &env, "c.jpg", &samples::pdf_document(), Some("image/jpeg")).await;
    assert_eq!(wait_terminal(&app, &ok, Duration::from_secs(60)).await.status, Status::Ready);
    assert_eq!(wait_terminal(&app, &infected, Duration::from_secs(60)).await.status, Status::Rejected);
    assert_eq!(wait_terminal(&app, &pdf, Duration::from_secs(60)).await.status, Status::Rejected);

    let (code, body) = get(port, "/healthz").await;
    assert_eq!(code, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "ok");
    let (code, body) = get(port, "/readyz").await;
    assert_eq!(code, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    for dep in ["queue", "database", "storage", "clamd"] {
        assert_eq!(v["checks"][dep], "ok", "{body}");
    }
    assert_eq!(get(port, "/anything-else").await.0, 404, "nothing else is served");

    let (code, metrics) = get(port, "/metrics").await;
    assert_eq!(code, 200);
    for name in [
        "uploadd_jobs_total{outcome=\"ready\",profile=\"default\"} 1",
        "uploadd_jobs_total{outcome=\"rejected\",profile=\"default\"} 2",
        "uploadd_stage_duration_seconds_bucket{stage=\"scan\"",
        "uploadd_stage_failures_total{kind=\"permanent\",stage=\"scan\"} 1",
        "uploadd_stage_failures_total{kind=\"permanent\",stage=\"validate\"} 1",
        "uploadd_retries_total 0",
        "uploadd_queue_requeued_jobs_total{reason=\"worker_lost\"} 0",
        "uploadd_queue_requeued_jobs_total{reason=\"fetch_reply_lost\"} 0",
        "uploadd_jobs_in_flight 0",
        // Each job's first start, by lane and priority; every combination is exported from the start.
        "uploadd_queue_wait_seconds_count{lane=\"image\",priority=\"high\"} 1",
        "uploadd_queue_wait_seconds_count{lane=\"image\",priority=\"normal\"} 2",
        "uploadd_queue_wait_seconds_count{lane=\"video\",priority=\"high\"} 0",
        "uploadd_queue_jobs{state=\"pending\"}",
        "uploadd_queue_jobs{state=\"dead\"}",
        "uploadd_bytes_in_total",
        "uploadd_bytes_out_total",
        "uploadd_infected_files_total 1",
        "uploadd_video_transcode_seconds_bucket",
        "uploadd_sweep_objects_total{result=\"removed\",sweep=\"orphans\"}",
        "uploadd_dependency_up{dependency=\"clamd\"} 1",
        "uploadd_build_info{version=",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "process_open_fds",
    ] {
        assert!(metrics.contains(name), "missing {name:?} in /metrics");
    }
    // promtool's linter reports nothing (names, units, help texts follow the conventions).
    let mut lint = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (installed by scripts/services.sh)");
    {
        use std::io::Write;
        lint.stdin.take().unwrap().write_all(metrics.as_bytes()).unwrap();
    }
    let out = lint.wait_with_output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && report.trim().is_empty(), "promtool check metrics: {report}");

    let status = sigterm(daemon);
    assert!(status.success(), "SIGTERM → exit 0, got {status:?}");
}

/// Idle connections to the operations port, opened faster than they time out, used to take a
/// file descriptor each until the daemon (here allowed 256, as under a small `LimitNOFILE`) had
/// none left for its jobs: fetching an original failed with "Too many open files" and uploads
/// sat retrying. The listener now holds at most `MAX_CONNECTIONS` and closes the rest at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_flood_on_the_ops_port_leaves_jobs_their_file_descriptors() {
    use std::os::unix::process::CommandExt;
    let mut env = TestEnv::new(Stack::Production).await;
    let port = free_port();
    env.set("UPLOADD_HTTP__LISTEN", &format!("127.0.0.1:{port}"));
    let log_path = env.data_dir().join("daemon.log");
    let mut cmd = env.command();
    cmd.arg("run").stdout(Stdio::null()).stderr(std::fs::File::create(&log_path).unwrap());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: 256, rlim_max: 256 };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let daemon = cmd.spawn().expect("spawn uploadd run");
    wait_http(port).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let flood = tokio::spawn({
        let stop = stop.clone();
        async move {
            let mut open = std::collections::VecDeque::new();
            while !stop.is_cancelled() {
                if let Ok(s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                    open.push_back(s);
                }
                if open.len() > 1000 {
                    open.pop_front();
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    });
    tokio::time::sleep(Duration::from_secs(2)).await;
    let app = env.app().await;
    let mut ids = Vec::new();
    for (i, name) in ["a.jpg", "b.jpg", "c.jpg"].into_iter().enumerate() {
        ids.push(enqueue_bytes(&app, &env, name, &samples::photo_jpeg(200 + i as u32, 100, 1), None).await);
    }
    for id in &ids {
        let rec = wait_terminal(&app, id, Duration::from_secs(60)).await;
        assert_eq!(rec.status, Status::Ready, "under the flood: {rec:?}");
    }
    stop.cancel();
    flood.await.unwrap();
    // Once the flood ends the listener serves again.
    let start = Instant::now();
    loop {
        // In a task: `get` panics on a connection reset, which is an answer of "not yet" here.
        let answered = tokio::time::timeout(Duration::from_secs(2), tokio::spawn(get(port, "/healthz"))).await;
        if matches!(answered, Ok(Ok((200, _)))) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "/healthz after the flood: {answered:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Nothing in the daemon ran out of descriptors (before: the accept loop, the temp directory
    // of each job and the database pool did, and the jobs were retried until the flood ebbed).
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains("Too many open files"), "{log}");
    let (_, metrics) = get(port, "/metrics").await;
    assert!(metrics.contains("\nuploadd_retries_total 0\n"), "no job was retried: {metrics}");
    assert!(log.contains("Too many open connections to the operations listener"), "the operator is told: {log}");
    assert!(sigterm(daemon).success());
}

/// The other side of the cap: a client that opens every slot and never sends a byte holds them
/// for the 10 s header timeout only, then health checks are served again (the slots are not
/// held for the 60 s a connection may live).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_send_nothing_free_their_slots_after_the_header_timeout() {
    let mut env = TestEnv::new(Stack::Embedded).await;
    let port = free_port();
    env.set("UPLOADD_HTTP__LISTEN", &format!("127.0.0.1:{port}"));
    let daemon = spawn_daemon(&env);
    wait_http(port).await;
    let mut idle = Vec::new();
    for _ in 0..uploadd::http::MAX_CONNECTIONS {
        idle.push(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let refused = tokio::time::timeout(Duration::from_secs(2), tokio::spawn(get(port, "/healthz"))).await;
    assert!(!matches!(refused, Ok(Ok((200, _)))), "every slot is taken: {refused:?}");
    let start = Instant::now();
    loop {
        let answered = tokio::time::timeout(Duration::from_secs(2), tokio::spawn(get(port, "/healthz"))).await;
        if matches!(answered, Ok(Ok((200, _)))) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "/healthz while idle connections stay open: {answered:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(start.elapsed() >= Duration::from_secs(5), "the slots were held until the header timeout");
    drop(idle);
    assert!(sigterm(daemon).success());
}

#[test]
fn alert_rules_and_prometheus_config_pass_promtool() {
    for (what, file) in [("rules", "config/prometheus/alerts.yml"), ("config", "config/prometheus/prometheus.yml")] {
        let out = Command::new("promtool").args(["check", what]).arg(root().join(file)).output().unwrap();
        assert!(out.status.success(), "promtool check {what} {file}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("SUCCESS"));
    }
}

/// Every alert fires when it should and stays quiet when it should not: `promtool test rules`
/// over `config/prometheus/alerts.test.yml`, and that file covers every alert in the rules.
#[test]
fn every_alert_rule_is_unit_tested_firing_and_not_firing() {
    let tests = root().join("config/prometheus/alerts.test.yml");
    let out = Command::new("promtool").args(["test", "rules"]).arg(&tests).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("SUCCESS"), "promtool test rules: {text}");
    let rules = std::fs::read_to_string(root().join("config/prometheus/alerts.yml")).unwrap();
    let cases = std::fs::read_to_string(&tests).unwrap();
    for line in rules.lines().filter_map(|l| l.trim().strip_prefix("- alert: ")) {
        let name = line.trim();
        let firing = format!("alertname: {name}");
        assert!(cases.contains(&firing), "{name} has no test case in alerts.test.yml");
    }
}

#[test]
fn systemd_unit_verifies_and_is_strongly_hardened() {
    let dir = tempfile::tempdir().unwrap();
    // Verify the shipped unit with ExecStart pointing at the binary under test.
    let unit = std::fs::read_to_string(root().join("systemd/uploadd.service")).unwrap();
    let unit = unit.replace("/usr/local/bin/uploadd", env!("CARGO_BIN_EXE_uploadd"));
    let path = dir.path().join("uploadd.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&path).output().expect("systemd-analyze");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "systemd-analyze verify: {err}");
    let problems: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("uploadd.service") && !l.contains("Failed to create") && !l.contains("/sys/fs/cgroup"))
        .collect();
    assert!(problems.is_empty(), "systemd-analyze verify warnings: {problems:#?}");
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=yes"])
        .arg(root().join("systemd/uploadd.service"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("no exposure line in: {text}"));
    let level: f64 =
        line.split(':').nth(1).and_then(|s| s.split_whitespace().next()).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    assert!(level <= 2.0, "{line}");
    let unit = std::fs::read_to_string(root().join("systemd/uploadd.service")).unwrap();
    for key in [
        "Type=notify",
        "WatchdogSec=",
        "TimeoutStopSec=",
        "Restart=on-failure",
        "EnvironmentFile=",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=\n",
        "SystemCallFilter=@system-service",
    ] {
        assert!(unit.contains(key), "unit lacks {key:?}");
    }
}

#[test]
fn compose_file_validates_against_the_compose_specification() {
    let out = Command::new(services().get("UPLOADD_TEST_CHECK_JSONSCHEMA"))
        .args(["--builtin-schema", "vendor.compose-spec"])
        .arg(root().join("docker-compose.yml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let compose = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    for service in ["uploadd:", "redis:", "postgres:", "clamd:", "prometheus:", "grafana:"] {
        assert!(compose.contains(service), "compose lacks {service}");
    }
    assert!(!compose.contains(":latest"), "images are pinned");
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn prom_query(prom_port: u16, expr: &str) -> serde_json::Value {
    let (code, body) = get(prom_port, &format!("/api/v1/query?query={}", urlencode(expr))).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{code}: {body}"));
    assert_eq!(v["status"], "success", "invalid PromQL {expr:?}: {v}");
    v
}

/// Metric names a PromQL expression refers to.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_alphabetic() || bytes[i] == '_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == '_' || bytes[i] == ':') {
                i += 1;
            }
            let word: String = bytes[start..i].iter().collect();
            let quoted = start > 0 && (bytes[start - 1] == '"' || bytes[start - 1] == '\'');
            if !quoted && (word.starts_with("uploadd_") || word.starts_with("process_")) {
                names.insert(word);
            }
        } else {
            i += 1;
        }
    }
    names
}

use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_and_alert_query_works_against_a_real_prometheus() {
    let s = services();
    let prom_port: u16 = s.get("UPLOADD_TEST_PROMETHEUS_URL").rsplit(':').next().unwrap().parse().unwrap();
    let mut env = TestEnv::new(Stack::Production).await;
    let port = free_port();
    env.set("UPLOADD_HTTP__LISTEN", &format!("127.0.0.1:{port}"));
    // Sweeps every second, so their metrics exist too.
    for k in ["MULTIPART", "ORPHANS", "TEMP"] {
        env.set(&format!("UPLOADD_SWEEP__{k}_SCHEDULE"), "* * * * * *");
    }
    let daemon = spawn_daemon(&env);
    wait_http(port).await;
    let app = env.app().await;
    let ok = enqueue_bytes(&app, &env, "a.jpg", &samples::photo_jpeg(400, 300, 1), None).await;
    let bad = enqueue_bytes(&app, &env, "b.jpg", &samples::eicar(), None).await;
    wait_terminal(&app, &ok, Duration::from_secs(60)).await;
    wait_terminal(&app, &bad, Duration::from_secs(60)).await;
    let instance = format!("test-{port}");
    let targets = format!(r#"[{{"targets":["127.0.0.1:{port}"],"labels":{{"instance":"{instance}"}}}}]"#);
    std::fs::write(s.get("UPLOADD_TEST_PROMETHEUS_TARGETS"), targets).unwrap();
    // Wait until Prometheus has several scrapes of this daemon (rate() needs two).
    let start = Instant::now();
    loop {
        let v =
            prom_query(prom_port, &format!("count_over_time(up{{job=\"uploadd\",instance=\"{instance}\"}}[5m])")).await;
        let n = v["data"]["result"][0]["value"][1].as_str().and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
        if n >= 4.0 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "Prometheus never scraped the daemon: {v}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let v = prom_query(prom_port, &format!("uploadd_sweep_last_success_timestamp_seconds{{instance=\"{instance}\"}}"))
        .await;
    assert!(!v["data"]["result"].as_array().unwrap().is_empty(), "sweeps ran and were scraped");

    // The dashboard: every expression parses and returns data.
    let dash: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("config/grafana/dashboards/uploadd.json")).unwrap())
            .unwrap();
    let mut exprs = Vec::new();
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("expr", serde_json::Value::String(e)) => out.push(e.clone()),
                        _ => walk(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&dash, &mut exprs);
    assert!(exprs.len() >= 20, "the dashboard has {} queries", exprs.len());
    let mut names = BTreeSet::new();
    for e in &exprs {
        let v = prom_query(prom_port, e).await;
        let n = v["data"]["result"].as_array().map_or(0, Vec::len);
        assert!(n > 0 || v["data"]["resultType"] == "scalar", "dashboard query returned no data: {e}");
        names.extend(metric_names(e));
    }
    // The alert rules: loaded by Prometheus (so they parse), every query runs, and every metric
    // they name exists — a renamed metric fails here, not silently in production.
    // (Re)load the rule file as it is in this checkout.
    {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut c = tokio::net::TcpStream::connect(("127.0.0.1", prom_port)).await.unwrap();
        c.write_all(b"POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut buf = Vec::new();
        c.read_to_end(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"), "reload: {}", String::from_utf8_lossy(&buf));
    }
    let (_, body) = get(prom_port, "/api/v1/rules").await;
    let rules: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut alert_count = 0;
    for g in rules["data"]["groups"].as_array().unwrap() {
        for r in g["rules"].as_array().unwrap() {
            let q = r["query"].as_str().unwrap();
            assert_ne!(r["health"], "err", "rule {} failed: {}", r["name"], r["lastError"]);
            prom_query(prom_port, q).await;
            names.extend(metric_names(q));
            alert_count += 1;
        }
    }
    assert!(alert_count >= 5, "{alert_count} alert rules loaded");
    for name in &names {
        let v = prom_query(prom_port, &format!("count({{__name__=\"{name}\"}})")).await;
        assert!(
            !v["data"]["result"].as_array().unwrap().is_empty(),
            "metric {name} is used by a query but not exported"
        );
    }
    std::fs::write(s.get("UPLOADD_TEST_PROMETHEUS_TARGETS"), "[]").unwrap();
    assert!(sigterm(daemon).success());
}
