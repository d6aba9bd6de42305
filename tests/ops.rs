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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A minimal HTTP/1.1 GET (no client crate needed for three endpoints).
async fn get(port: u16, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect to the daemon");
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn spawn_daemon(env: &TestEnv) -> Child {
    let log = std::fs::File::create(env.data_dir().join("daemon.log")).unwrap();
    env.command()
        .arg("run")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn uploadd run")
}

async fn wait_http(port: u16) {
    let start = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the daemon's listener never came up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
    let ok = enqueue_bytes(&app, &env, "a.jpg", &samples::photo_jpeg(400, 300, 1), None).await;
    let infected = enqueue_bytes(&app, &env, "b.jpg", &samples::eicar(), None).await;
    let pdf = enqueue_bytes(
        &app,
        &env,
        "c.jpg",
        &samples::pdf_document(),
        Some("image/jpeg"),
    )
    .await;
    assert_eq!(
        wait_terminal(&app, &ok, Duration::from_secs(60))
            .await
            .status,
        Status::Ready
    );
    assert_eq!(
        wait_terminal(&app, &infected, Duration::from_secs(60))
            .await
            .status,
        Status::Rejected
    );
    assert_eq!(
        wait_terminal(&app, &pdf, Duration::from_secs(60))
            .await
            .status,
        Status::Rejected
    );

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
    assert_eq!(
        get(port, "/anything-else").await.0,
        404,
        "nothing else is served"
    );

    let (code, metrics) = get(port, "/metrics").await;
    assert_eq!(code, 200);
    for name in [
        "uploadd_jobs_total{outcome=\"ready\",profile=\"default\"} 1",
        "uploadd_jobs_total{outcome=\"rejected\",profile=\"default\"} 2",
        "uploadd_stage_duration_seconds_bucket{stage=\"scan\"",
        "uploadd_stage_failures_total{kind=\"permanent\",stage=\"scan\"} 1",
        "uploadd_stage_failures_total{kind=\"permanent\",stage=\"validate\"} 1",
        "uploadd_retries_total 0",
        "uploadd_jobs_in_flight 0",
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
        lint.stdin
            .take()
            .unwrap()
            .write_all(metrics.as_bytes())
            .unwrap();
    }
    let out = lint.wait_with_output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && report.trim().is_empty(),
        "promtool check metrics: {report}"
    );

    let status = sigterm(daemon);
    assert!(status.success(), "SIGTERM → exit 0, got {status:?}");
}

#[test]
fn alert_rules_and_prometheus_config_pass_promtool() {
    for (what, file) in [
        ("rules", "config/prometheus/alerts.yml"),
        ("config", "config/prometheus/prometheus.yml"),
    ] {
        let out = Command::new("promtool")
            .args(["check", what])
            .arg(root().join(file))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool check {what} {file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("SUCCESS"));
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
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "systemd-analyze verify: {err}");
    let problems: Vec<&str> = err
        .lines()
        .filter(|l| {
            l.contains("uploadd.service")
                && !l.contains("Failed to create")
                && !l.contains("/sys/fs/cgroup")
        })
        .collect();
    assert!(
        problems.is_empty(),
        "systemd-analyze verify warnings: {problems:#?}"
    );
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
    let level: f64 = line
        .split(':')
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or(10.0);
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
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let compose = std::fs::read_to_string(root().join("docker-compose.yml")).unwrap();
    for service in [
        "uploadd:",
        "redis:",
        "postgres:",
        "clamd:",
        "prometheus:",
        "grafana:",
    ] {
        assert!(compose.contains(service), "compose lacks {service}");
    }
    assert!(!compose.contains(":latest"), "images are pinned");
}
