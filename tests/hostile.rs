//! A hostile-input corpus (generated; nothing binary is committed): each input gets its
//! documented outcome within bounded time and memory and the worker keeps serving. Also: the
//! dead-letter tooling, duplicate ids, and secrets that must never be printed.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::*;
use uploadd::db::Status;
use uploadd::media::samples;

/// Archives via Python's standard library (the tools venv), so no archive crate is needed.
fn python(code: &str, input: &[u8]) -> Vec<u8> {
    let mut child = std::process::Command::new(services().get("UPLOADD_TEST_PYTHON"))
        .args(["-c", code])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    out.stdout
}

fn zip_of(name: &str, data: &[u8]) -> Vec<u8> {
    python(
        &format!(
            "import io,sys,zipfile\nb=io.BytesIO()\nz=zipfile.ZipFile(b,'w',zipfile.ZIP_DEFLATED)\nz.writestr('{name}',sys.stdin.buffer.read())\nz.close()\nsys.stdout.buffer.write(b.getvalue())"
        ),
        data,
    )
}

fn gzip_of(data: &[u8]) -> Vec<u8> {
    python("import gzip,sys\nsys.stdout.buffer.write(gzip.compress(sys.stdin.buffer.read()))", data)
}

/// A PNG of `w`×`h` all-zero RGB pixels: a tiny file that inflates to w·h·3 bytes.
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    python(
        &format!(
            "import struct,sys,zlib\nw,h={w},{h}\nraw=(b'\\x00'+b'\\x00'*(w*3))*h\ndef c(t,d):\n  return struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d))\n\
sys.stdout.buffer.write(b'\\x89PNG\\r\\n\\x1a\\n'+c(b'IHDR',struct.pack('>IIBBBBB',w,h,8,2,0,0,0))+c(b'IDAT',zlib.compress(raw,9))+c(b'IEND',b''))"
        ),
        b"",
    )
}

/// A GIF with a 16×16 screen whose first frame declares itself `w`×`h` (with one pixel of data).
fn gif_with_frame(w: u16, h: u16) -> Vec<u8> {
    let mut b = b"GIF89a".to_vec();
    b.extend_from_slice(&[16, 0, 16, 0, 0x80, 0, 0, 0, 0, 0, 255, 0, 0]);
    b.push(0x2c);
    for v in [0u16, 0, w, h] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&[0, 2, 2, 0x4c, 0x01, 0, 0x3b]);
    b
}

/// (file name, bytes, declared type, expected status, expected reason code)
type Case = (&'static str, Vec<u8>, Option<&'static str>, Status, Option<&'static str>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hostile_corpus_gets_its_documented_outcomes() {
    let mut env = TestEnv::new(Stack::Production).await;
    env.set("UPLOADD_PROFILES__DEFAULT__MAX_PIXELS", "20000000");
    let app = env.app().await;
    let photo = samples::photo_jpeg(640, 480, 1);
    let png = samples::alpha_png(300, 200);
    let webp = samples::webp_image(400, 300);
    let gif = samples::gif_image(120, 90, 3);
    let mut jpeg_zip = photo.clone();
    jpeg_zip.extend(zip_of("payload.txt", b"hello from inside a polyglot"));
    let mut pdf_png = b"\x89PNG\r\n\x1a\n".to_vec();
    pdf_png.extend(samples::pdf_document());
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#.to_vec();
    let cases: Vec<Case> = vec![
        ("zero.jpg", vec![], None, Status::Rejected, Some("empty")),
        ("trunc.jpg", photo[..photo.len() / 2].to_vec(), None, Status::Rejected, Some("corrupt")),
        ("trunc.png", png[..png.len() / 2].to_vec(), None, Status::Rejected, Some("corrupt")),
        ("trunc.webp", webp[..webp.len() / 2].to_vec(), None, Status::Rejected, Some("corrupt")),
        ("trunc.gif", gif[..gif.len() / 3].to_vec(), None, Status::Rejected, Some("corrupt")),
        ("giga.png", samples::png_header_only(60_000, 60_000), None, Status::Rejected, Some("too_many_pixels")),
        ("giga.jpg", samples::jpeg_header_only(65_000, 65_000), None, Status::Rejected, Some("too_many_pixels")),
        ("frames.gif", samples::gif_image(64, 64, 3000), None, Status::Ready, None),
        ("giant-frame.gif", gif_with_frame(60_000, 60_000), None, Status::Rejected, Some("too_many_pixels")),
        ("zip-bomb.png", png_bomb(6000, 6000), None, Status::Rejected, Some("too_many_pixels")),
        ("zeros.png", png_bomb(3000, 3000), None, Status::Ready, None),
        ("jpeg+zip.jpg", jpeg_zip, None, Status::Ready, None),
        ("pdf-with-png-header.png", pdf_png, Some("image/png"), Status::Rejected, Some("corrupt")),
        ("script.svg", svg, Some("image/svg+xml"), Status::Rejected, Some("type_mismatch")),
        ("script-undeclared.svg", b"<svg onload=alert(1)/>".to_vec(), None, Status::Rejected, Some("type_not_allowed")),
        ("eicar.com", samples::eicar(), None, Status::Rejected, Some("infected")),
        ("eicar.zip", zip_of("eicar.com", &samples::eicar()), None, Status::Rejected, Some("infected")),
        ("eicar.gz", gzip_of(&samples::eicar()), None, Status::Rejected, Some("infected")),
        ("liar.jpg", png.clone(), Some("image/jpeg"), Status::Rejected, Some("type_mismatch")),
    ];
    let worker = RunningWorker::start(&app);
    let start = Instant::now();
    let mut ids = Vec::new();
    for (name, bytes, declared, _, _) in &cases {
        ids.push(enqueue_bytes(&app, &env, name, bytes, *declared).await);
    }
    for ((name, _, _, status, code), id) in cases.iter().zip(&ids) {
        let rec = wait_terminal(&app, id, Duration::from_secs(120)).await;
        assert_eq!(rec.status, *status, "{name}: {:?}", rec.reason);
        assert_eq!(rec.reason_code.as_deref(), *code, "{name}: {:?}", rec.reason);
        // A reason names what is wrong with this file, never placeholder numbers.
        let reason = rec.reason.as_deref().unwrap_or("");
        assert!(!reason.contains(" 0×0") && !reason.contains("limit of 0"), "{name}: {reason}");
        if *status == Status::Ready {
            for o in &rec.outputs {
                let data = read_object(&app, &o.key).await;
                assert!(!data.windows(4).any(|w| w == b"PK\x03\x04"), "{name}: no archive survives re-encoding");
            }
        }
    }
    assert!(start.elapsed() < Duration::from_secs(120), "bounded time");
    // The worker keeps serving after all of that.
    let after = enqueue_bytes(&app, &env, "after.jpg", &samples::photo_jpeg(100, 100, 1), None).await;
    assert_eq!(wait_terminal(&app, &after, Duration::from_secs(30)).await.status, Status::Ready);
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicated_upload_id_with_different_content_never_touches_the_first() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let id = enqueue_bytes(&app, &env, "first.jpg", &samples::photo_jpeg(300, 200, 1), None).await;
    let first = wait_terminal(&app, &id, Duration::from_secs(60)).await;
    assert_eq!(first.status, Status::Ready);
    // A second job claims the same upload id for another source.
    let other = format!("{}incoming/other", env.prefix);
    let f = env.file("other", &samples::photo_jpeg(50, 50, 1));
    let opts = uploadd::storage::PutOptions { content_type: "image/jpeg", cache_control: None, sha256: None };
    app.storage.put_file(&other, &f, opts).await.unwrap();
    let payload = format!(r#"{{"upload_id":"{id}","source_key":"{other}","profile":"default"}}"#);
    app.queue.push(&uuid::Uuid::new_v4().to_string(), &payload, "").await.unwrap();
    let start = Instant::now();
    while app.queue.list_dead(10).await.unwrap().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(30), "the conflicting job was not dead-lettered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dead = app.queue.list_dead(10).await.unwrap();
    assert!(dead[0].last_error.as_deref().unwrap().contains("already belongs to source"), "{dead:?}");
    let now = app.db.get(&id).await.unwrap().unwrap();
    assert_eq!(
        (now.status, &now.source_key, &now.outputs, &now.finished_at),
        (first.status, &first.source_key, &first.outputs, &first.finished_at)
    );
    assert!(app.storage.head(&other).await.unwrap().is_some(), "the second source is left alone");
    worker.shutdown().await;
}

/// A payload naming `source_key` twice (once escaped, as `source\u005fkey`, which every JSON
/// reader unescapes to the same name): serde_json's `Value` used to keep the last one silently,
/// so the daemon processed a file another reader of the same bytes (a proxy, an audit log, a
/// producer library keeping the first) would say the job did not name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_naming_a_field_twice_is_rejected_and_no_source_touched() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let opts = || uploadd::storage::PutOptions { content_type: "image/jpeg", cache_control: None, sha256: None };
    let (a, b) = (format!("{}incoming/first", env.prefix), format!("{}incoming/second", env.prefix));
    app.storage.put_file(&a, &env.file("a", &samples::photo_jpeg(64, 48, 1)), opts()).await.unwrap();
    app.storage.put_file(&b, &env.file("b", &samples::photo_jpeg(48, 64, 1)), opts()).await.unwrap();
    let mut ids = Vec::new();
    for payload in [
        format!(r#"{{"upload_id":"ID","source_key":"{a}","profile":"default","source_key":"{b}"}}"#),
        format!(r#"{{"upload_id":"ID","source_key":"{a}","profile":"default","source\u005fkey":"{b}"}}"#),
        format!(r#"{{"upload_id":"ID","source_key":"{a}","profile":"default","metadata":{{"k":"1","k":"2"}}}}"#),
    ] {
        let id = uuid::Uuid::new_v4().to_string();
        app.queue.push(&id, &payload.replace("ID", &id), "").await.unwrap();
        ids.push(id);
    }
    for id in &ids {
        let rec = wait_terminal(&app, id, Duration::from_secs(30)).await;
        assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Rejected, Some("invalid_job")), "{rec:?}");
        assert!(rec.reason.as_deref().unwrap_or("").contains("appears twice"), "{rec:?}");
        assert!(rec.outputs.is_empty(), "{rec:?}");
    }
    // The record is written before the queue entry is settled: wait for the dead letters.
    let start = Instant::now();
    while app.queue.list_dead(10).await.unwrap().len() < 3 {
        assert!(start.elapsed() < Duration::from_secs(30), "each is dead-lettered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for key in [&a, &b] {
        assert!(app.storage.head(key).await.unwrap().is_some(), "{key} is left alone");
    }
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_list_show_retry_and_cancel_jobs() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let run = |args: &[&str]| env.command().args(args).output().unwrap();
    let text = |o: &std::process::Output| {
        (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    // A failed upload: its source was missing while clamd… no — simpler: make it fail for real
    // by exhausting attempts against a scanner that is not there.
    let mut broken = TestEnv {
        vars: env.vars.clone(),
        dir: tempfile::tempdir().unwrap(),
        prefix: env.prefix.clone(),
        stack: env.stack,
    };
    broken.set("UPLOADD_SCAN__CLAMD", "tcp://127.0.0.1:1");
    // An outage spends no attempts; only the retry budget's age ends the wait.
    broken.set("UPLOADD_RETRY__MAX_AGE", "1ms");
    let broken_app = broken.app().await;
    let worker = RunningWorker::start(&broken_app);
    let failed = enqueue_bytes(&broken_app, &broken, "f.jpg", &samples::photo_jpeg(200, 100, 1), None).await;
    let rec = wait_terminal(&app, &failed, Duration::from_secs(60)).await;
    assert_eq!(
        (rec.status, rec.reason_code.as_deref(), rec.attempts),
        (Status::Failed, Some("scanner_unavailable"), 1)
    );
    assert!(rec.reason.as_deref().unwrap().contains("retry.max_age"), "{rec:?}");
    assert!(rec.finished_at.is_some() && rec.started_at.is_some());
    worker.shutdown().await;
    let queued = enqueue_bytes(&app, &env, "q.jpg", &samples::photo_jpeg(200, 100, 1), None).await;

    let (out, _) = text(&run(&["jobs", "list", "--status", "failed", "--json"]));
    let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], failed.as_str());
    let (out, _) = text(&run(&["jobs", "list", "--status", "failed"]));
    assert!(out.contains(&failed) && out.contains("scanner_unavailable"), "{out}");
    let (out, _) = text(&run(&["jobs", "show", &failed, "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["status"].as_str(), v["queue"]["state"].as_str()), (Some("failed"), Some("Killed")), "{v}");
    let o = run(&["jobs", "retry", "--all-failed", "--dry-run"]);
    assert!(text(&o).0.contains(&format!("would retry {failed}")));
    assert_eq!(app.db.get(&failed).await.unwrap().unwrap().status, Status::Failed, "dry run changes nothing");
    let o = run(&["jobs", "retry", &failed]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(&["jobs", "retry", &queued]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("only failed, cancelled or rejected uploads can be retried"));
    let o = run(&["jobs", "cancel", &queued]);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(&["jobs", "cancel", &queued]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("already cancelled"));
    // With a healthy scanner, the retried upload now completes; the cancelled one never runs.
    let worker = RunningWorker::start(&app);
    let rec = wait_terminal(&app, &failed, Duration::from_secs(60)).await;
    assert_eq!(rec.status, Status::Ready, "{rec:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let c = app.db.get(&queued).await.unwrap().unwrap();
    assert_eq!((c.status, c.reason_code.as_deref()), (Status::Cancelled, Some("cancelled")));
    assert!(c.outputs.is_empty());
    let o = run(&["jobs", "show", "not-a-uuid"]);
    assert_eq!(o.status.code(), Some(1));
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_logs_output_or_errors() {
    let mut env = TestEnv::new(Stack::Production).await;
    let db_url = env.vars.iter().find(|(k, _)| k == "UPLOADD_DATABASE__URL").unwrap().1.clone();
    // PostgreSQL here trusts loopback, so a password in the URL is accepted and must be hidden.
    let with_password = db_url.replacen("postgres@", "postgres:pg-SECRET-1@", 1);
    env.set("UPLOADD_DATABASE__URL", &with_password);
    env.set("UPLOADD_WEBHOOKS__SECRET", "wh-SECRET-2");
    env.set("UPLOADD_LOG__LEVEL", "debug");
    let real_secret = env.vars.iter().find(|(k, _)| k == "UPLOADD_STORAGE__SECRET_ACCESS_KEY").unwrap().1.clone();
    let app = env.app().await;
    let id = enqueue_bytes(&app, &env, "a.jpg", &samples::photo_jpeg(100, 100, 1), None).await;
    let o = env.command().arg("check-config").output().unwrap();
    let mut seen = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    // A daemon at debug level processes a job, then one with a wrong S3 secret fails loudly.
    let log_path = env.data_dir().join("run.log");
    let mut daemon = env.command().arg("run").stderr(std::fs::File::create(&log_path).unwrap()).spawn().unwrap();
    wait_terminal(&app, &id, Duration::from_secs(60)).await;
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    daemon.wait().unwrap();
    let mut wrong = TestEnv {
        vars: env.vars.clone(),
        dir: tempfile::tempdir().unwrap(),
        prefix: env.prefix.clone(),
        stack: env.stack,
    };
    wrong.set("UPLOADD_STORAGE__SECRET_ACCESS_KEY", "s3-SECRET-3-wrong-value-for-the-key");
    let o = wrong.command().args(["enqueue", "/etc/hostname", "--profile", "default"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "a wrong key fails");
    seen += &String::from_utf8_lossy(&o.stderr);
    seen += &std::fs::read_to_string(&log_path).unwrap();
    let o = env.command().args(["status", &id, "--json"]).output().unwrap();
    seen += &String::from_utf8_lossy(&o.stdout);
    assert!(seen.contains("uploadd starting") && seen.contains("<redacted>"), "the logs were captured");
    for secret in ["pg-SECRET-1", "wh-SECRET-2", "s3-SECRET-3", real_secret.as_str()] {
        assert!(!seen.contains(secret), "{secret} leaked");
    }
}
