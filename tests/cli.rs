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

/// A PNG's ICC profile is stored deflated (iCCP): 1 MB of file inflates to 1 GiB. Every PNG
/// reader used to inflate it before looking at the size (the header probe up to 512 MiB, the
/// APNG frame reader without any bound), so a 1 MB upload cost a worker a gigabyte. Now no
/// reader inflates more than a profile may hold; the oversized profile is ignored, as one over
/// 4 MiB always was, and the image is processed untagged.
const ICC_BOMBS: &str = r#"
import struct, sys, zlib
out = sys.argv[1]
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
c = zlib.compressobj(9)
block = bytes(1 << 20)
bomb = b''.join(c.compress(block) for _ in range(1024)) + c.flush()
iccp = chunk(b'iCCP', b'icc\x00\x00' + bomb)
def pixels(rgb):
    return zlib.compress(b''.join(b'\x00' + bytes(rgb) * 32 for _ in range(24)))
head = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 32, 24, 8, 2, 0, 0, 0))
open(f'{out}/still.png', 'wb').write(head + iccp + chunk(b'IDAT', pixels((200, 40, 40))) + chunk(b'IEND', b''))
frames = [(220, 30, 30), (30, 30, 220)]
b = head + chunk(b'acTL', struct.pack('>II', 2, 0)) + iccp
for i, rgb in enumerate(frames):
    b += chunk(b'fcTL', struct.pack('>IIIIIHHBB', 2 * i, 32, 24, 0, 0, 10, 100, 0, 0))
    b += chunk(b'IDAT', pixels(rgb)) if i == 0 else chunk(b'fdAT', struct.pack('>I', 2 * i + 1) + pixels(rgb))
open(f'{out}/animated.png', 'wb').write(b + chunk(b'IEND', b''))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_icc_profile_that_inflates_to_a_gigabyte_is_never_inflated() {
    let env = TestEnv::new(Stack::Embedded).await;
    let dir = env.data_dir().join("bombs");
    std::fs::create_dir_all(&dir).unwrap();
    python(ICC_BOMBS, &[&dir.display().to_string()]);
    for name in ["still.png", "animated.png"] {
        let path = dir.join(name);
        assert!(std::fs::metadata(&path).unwrap().len() < 2 << 20, "{name}: a small file");
        let (o, max_rss_kib) = run_measured(&env, &["demo", "--json", path.to_str().unwrap()]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let row: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert_eq!(row["status"], "ready", "{name}: {row}");
        assert_eq!(row["outputs"].as_array().map(Vec::len), Some(3), "{name}: {row}");
        assert!(max_rss_kib < 128 * 1024, "{name}: peak RSS {max_rss_kib} KiB");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn producer_text_cannot_drive_the_operators_terminal() {
    let env = TestEnv::new(Stack::Embedded).await;
    let app = env.app().await;
    // A job whose unknown field name and metadata carry terminal escapes and a forged line.
    let id = uuid::Uuid::new_v4().to_string();
    let payload = format!(
        "{{\"upload_id\":\"{id}\",\"source_key\":\"incoming/x\",\"profile\":\"default\",\"\\u001b[2J\\u001b[31mEVIL\\nforged line\":1}}"
    );
    app.queue.push(&id, &payload, "").await.unwrap();
    let worker = RunningWorker::start(&app);
    let rec = wait_terminal(&app, &id, std::time::Duration::from_secs(30)).await;
    worker.shutdown().await;
    assert_eq!(rec.reason_code.as_deref(), Some("invalid_job"));
    for args in [vec!["jobs", "list"], vec!["jobs", "show", id.as_str()], vec!["status", id.as_str()]] {
        let out = run(&env, &args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(!text.contains('\u{1b}'), "{args:?} printed a raw escape: {text:?}");
        assert!(!text.contains("\nforged line"), "{args:?} let a producer start a line: {text:?}");
        assert!(text.contains("\\u{1b}[2J"), "{args:?} shows the escape, escaped: {text}");
    }
    // Columns line up whatever the values' lengths.
    let list = stdout(&run(&env, &["jobs", "list"]));
    let lines: Vec<&str> = list.lines().collect();
    let col = |l: &str| l.find("rejected").or_else(|| l.find("STATUS"));
    assert_eq!(col(lines[0]), col(lines[1]), "{list}");
}

/// What a producer pushed through `push.lua` and no worker has taken yet: the operator's tools
/// see it (`jobs list --status queued`, `jobs show`) and can cancel it, on both queues.
async fn operators_see_and_cancel_pushed_jobs(stack: Stack) {
    let env = TestEnv::new(stack).await;
    let app = env.app().await;
    let id = uuid::Uuid::new_v4().to_string();
    let payload = format!(r#"{{"upload_id":"{id}","source_key":"{}incoming/{id}","profile":"default"}}"#, env.prefix);
    // The producer path: no row in the database, only the queue entry.
    assert_eq!(app.queue.push(&id, &payload, &id).await.unwrap(), uploadd::queue::PushOutcome::Enqueued);
    assert!(app.db.get(&id).await.unwrap().is_none());
    let list = run(&env, &["jobs", "list", "--status", "queued"]);
    assert!(list.status.success(), "{}", stderr(&list));
    assert!(stdout(&list).contains(&id), "queued producer jobs are listed:\n{}", stdout(&list));
    let show = run(&env, &["jobs", "show", &id, "--json"]);
    assert!(show.status.success(), "{}", stderr(&show));
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!((v["status"].as_str(), v["profile"].as_str()), (Some("queued"), Some("default")), "{v}");
    assert!(v["queue"]["state"].is_string(), "{v}");
    let cancel = run(&env, &["jobs", "cancel", &id]);
    assert!(cancel.status.success(), "{}", stderr(&cancel));
    let status = run(&env, &["status", &id, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(v["status"], "cancelled", "{v}");
    let stats = app.queue.stats().await.unwrap();
    assert_eq!(stats.pending + stats.scheduled, 0, "the entry left the queue");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_see_and_cancel_pushed_jobs_on_redis() {
    operators_see_and_cancel_pushed_jobs(Stack::Production).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_see_and_cancel_pushed_jobs_on_sqlite() {
    operators_see_and_cancel_pushed_jobs(Stack::Embedded).await;
}

#[tokio::test]
async fn a_misspelled_environment_override_fails_start_up_and_check_config() {
    let mut env = TestEnv::new(Stack::Embedded).await;
    env.set("UPLOADD_WORKER_CONCURRENCY", "3");
    for args in [vec!["check-config"], vec!["run"]] {
        let out = run(&env, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("UPLOADD_WORKER_CONCURRENCY") && err.contains("did you mean UPLOADD_WORKER__CONCURRENCY?"),
            "{args:?}: {err}"
        );
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_start_up_exits_0() {
    // A database that accepts connections and never answers: start-up waits on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut env = TestEnv::new(Stack::Embedded).await;
    env.set("UPLOADD_DATABASE__URL", &format!("postgres://u@127.0.0.1:{port}/db"));
    env.set("UPLOADD_DATABASE__CONNECT_TIMEOUT", "60s");
    let child = env.command().arg("run").stderr(std::process::Stdio::piped()).spawn().unwrap();
    let _held = std::thread::spawn(move || {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept() {
            held.push(s);
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let start = std::time::Instant::now();
    let status = sigterm(child);
    assert_eq!(status.code(), Some(0), "a SIGTERM while starting is a clean stop: {status:?}");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[tokio::test]
async fn migrate_says_what_it_applied() {
    let env = TestEnv::new(Stack::Embedded).await;
    let first = stdout(&run(&env, &["migrate"]));
    assert!(first.starts_with("applied ") && first.contains("migration(s)"), "{first}");
    let again = stdout(&run(&env, &["migrate"]));
    assert!(again.contains("no migration to apply"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrying_an_invalid_job_says_why_it_cannot_be() {
    let env = TestEnv::new(Stack::Embedded).await;
    let app = env.app().await;
    let id = uuid::Uuid::new_v4().to_string();
    app.queue.push(&id, "{not json", "").await.unwrap();
    let worker = RunningWorker::start(&app);
    wait_terminal(&app, &id, std::time::Duration::from_secs(30)).await;
    worker.shutdown().await;
    let out = run(&env, &["jobs", "retry", &id]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("job itself is invalid") && err.contains("new upload id"), "{err}");
    assert!(!err.contains("only failed, cancelled or rejected"), "no contradiction: {err}");
}

/// Every command and flag in README.md's command table exists (`--help` lists it), so the
/// table cannot drift from the binary.
#[test]
fn the_readme_command_table_matches_the_binary() {
    let readme = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let table = readme.split("### Commands").nth(1).expect("a Commands section").split("\n\n").nth(1).unwrap_or("");
    let mut rows = 0;
    for line in table.lines().filter(|l| l.starts_with("| `uploadd ")) {
        let cell = line.split('`').nth(1).unwrap_or_default();
        let words: Vec<&str> = cell.split_whitespace().collect();
        // The subcommand path: the words before the first placeholder or option.
        let path: Vec<&str> = words[1..]
            .iter()
            .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !w.starts_with('-'))
            .copied()
            .collect();
        let flags: Vec<String> = cell
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .filter(|w| w.starts_with("--"))
            .map(str::to_owned)
            .collect();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_uploadd")).args(&path).arg("--help").output().unwrap();
        assert!(out.status.success(), "`uploadd {}` does not exist", path.join(" "));
        let help = String::from_utf8_lossy(&out.stdout);
        for f in &flags {
            assert!(help.contains(f.as_str()), "`uploadd {}` has no {f}:\n{help}", path.join(" "));
        }
        rows += 1;
    }
    assert!(rows >= 10, "the table was not found ({rows} rows)");
}
