//! The command-line contracts: output formats, exit codes, one-line errors.

mod common;

use std::process::Output;

use common::*;
use uploadd::media::samples;

fn run(env: &TestEnv, args: &[&str]) -> Output {
    env.command().args(args).output().expect("run uploadd")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs the binary and returns its own peak RSS in KiB (wait4 on that child only).
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also reports its rusage
fn run_measured(env: &TestEnv, args: &[&str]) -> (Output, i64) {
    use std::io::Read;
    let mut child = env
        .command()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = Vec::new();
    let mut err = Vec::new();
    child.stdout.take().expect("stdout").read_to_end(&mut out).expect("read stdout");
    child.stderr.take().expect("stderr").read_to_end(&mut err).expect("read stderr");
    let mut status = 0;
    // SAFETY: rusage is plain data; we reap our own child by pid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    let output = Output { status: std::os::unix::process::ExitStatusExt::from_raw(status), stdout: out, stderr: err };
    (output, usage.ru_maxrss)
}

#[tokio::test]
async fn enqueue_status_and_demo_json_contracts() {
    let env = TestEnv::new(Stack::Embedded).await;
    let photo = env.file("photo.jpg", &samples::photo_jpeg(800, 600, 1));
    let o = run(&env, &["enqueue", photo.to_str().unwrap(), "--profile", "default"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&o).lines().last().unwrap().trim().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "last line is the upload id: {id:?}");
    let o = run(&env, &["status", &id, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("status json");
    assert_eq!(v["status"], "queued");
    assert_eq!(v["id"], id.as_str());

    // demo processes the queue (including the job above) and reports the files it was given.
    let bad = env.file("doc.jpg", &samples::pdf_document());
    let o = run(&env, &["demo", "--json", photo.to_str().unwrap(), bad.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["status"], "ready");
    assert_eq!(rows[0]["source"], photo.to_str().unwrap());
    assert!(rows[0]["reason"].is_null());
    assert_eq!(rows[0]["detected_type"], "image/jpeg");
    let outs = rows[0]["outputs"].as_array().unwrap();
    assert_eq!(outs.len(), 3);
    for key in ["variant", "key", "content_type", "width", "height", "bytes"] {
        assert!(outs[0].get(key).is_some(), "output has {key}");
    }
    assert_eq!(rows[1]["status"], "rejected");
    assert!(rows[1]["reason"].as_str().unwrap().contains("application/pdf"));

    let o = run(&env, &["status", &id, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["status"], "ready", "the enqueued job was processed by the demo's worker");
    let o = run(&env, &["status", &id]);
    assert!(stdout(&o).contains("status:    ready"));
}

#[tokio::test]
async fn demo_without_files_processes_generated_samples() {
    let env = TestEnv::new(Stack::Embedded).await;
    let o = run(&env, &["demo"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("UPLOAD ID"), "a table: {out}");
    assert!(out.lines().filter(|l| l.contains(" ready ")).count() >= 4, "{out}");
    assert!(out.contains("corrupt or truncated"), "{out}");
    assert!(stderr(&o).contains("uploads finished"), "progress on stderr");
    assert!(stderr(&o).contains("virus scanning is off"), "the embedded default says it does not scan");
}

#[tokio::test]
async fn bad_input_gets_one_line_errors_and_nonzero_exit() {
    let env = TestEnv::new(Stack::Embedded).await;
    let photo = env.file("p.jpg", &samples::photo_jpeg(64, 64, 1));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["enqueue", photo.to_str().unwrap(), "--profile", "nope"], "unknown profile \"nope\""),
        (vec!["enqueue", "/does/not/exist.jpg", "--profile", "default"], "cannot read /does/not/exist.jpg"),
        (vec!["status", "not-a-uuid"], "not an upload id"),
        (vec!["status", "0196f0c4-2f7c-7bd3-a1d1-000000000009"], "no upload with id"),
        (vec!["demo", "/does/not/exist.png"], "cannot read /does/not/exist.png"),
    ];
    for (args, needle) in cases {
        let o = run(&env, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("uploadd: error:")).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
        assert!(lines[0].contains(needle), "{args:?}: {err}");
    }
    let cfg = env.file("bad.toml", b"[worker]\nconcurrency = \"lots\"\n");
    let o = env.command().args(["--config", cfg.to_str().unwrap(), "check-config"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("worker.concurrency"), "{}", stderr(&o));
    let o = env.command().env("UPLOADD_SCAN__MODE", "sometimes").arg("check-config").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("scan.mode"), "{}", stderr(&o));
}

#[tokio::test]
async fn check_config_redacts_secrets() {
    let env = TestEnv::new(Stack::Embedded).await;
    let o = env
        .command()
        .env("UPLOADD_DATABASE__URL", "postgres://u:hunter2-db@127.0.0.1:1/x")
        .env("UPLOADD_QUEUE__URL", "redis://:hunter2-redis@127.0.0.1:1/0")
        .env("UPLOADD_STORAGE__ACCESS_KEY_ID", "AKIAHUNTER2")
        .env("UPLOADD_STORAGE__SECRET_ACCESS_KEY", "hunter2-s3-secret")
        .arg("check-config")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let all = stdout(&o) + &stderr(&o);
    for secret in ["hunter2-db", "hunter2-redis", "AKIAHUNTER2", "hunter2-s3-secret"] {
        assert!(!all.contains(secret), "{secret} leaked:\n{all}");
    }
    assert!(all.contains("<redacted>"));
    // A failing connection must not print the password either.
    let o = env
        .command()
        .env("UPLOADD_DATABASE__URL", "postgres://u:hunter2-db@127.0.0.1:1/x")
        .env("UPLOADD_DATABASE__CONNECT_TIMEOUT", "1s")
        .args(["status", "0196f0c4-2f7c-7bd3-a1d1-000000000009"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!stderr(&o).contains("hunter2"), "{}", stderr(&o));
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_with_flat_memory() {
    let env = TestEnv::new(Stack::Embedded).await;
    let bomb = env.file("bomb.png", &samples::png_header_only(30_000, 30_000));
    let (o, max_rss_kib) = run_measured(&env, &["demo", "--json", bomb.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let row: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(row["status"], "rejected");
    assert!(row["reason"].as_str().unwrap().contains("900000000 pixels"), "{row}");
    // Decoding would need 3.6 GB; the whole process stays small.
    assert!(max_rss_kib < 100 * 1024, "peak RSS {max_rss_kib} KiB");
}
