//! Producers in other languages, run for real: the Python and Node examples enqueue against
//! the real Redis, a worker processes their jobs, and the job contract files stay valid.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use common::*;
use uploadd::db::Status;
use uploadd::media::samples;
use uploadd::storage::PutOptions;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// Runs a producer example CLI (`python` or `node`) with `args`.
fn producer(lang: &str, args: &[&str]) -> Output {
    let s = services();
    let (bin, script) = match lang {
        "python" => (s.get("UPLOADD_TEST_PYTHON"), root().join("jobs/producers/python/uploadd_producer.py")),
        _ => (s.get("UPLOADD_TEST_NODE"), root().join("jobs/producers/node/uploadd-producer.js")),
    };
    std::process::Command::new(bin).arg(script).args(args).output().expect("run producer example")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_enqueued_from_python_and_node_end_ready() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let ns = app.cfg.queue.namespace.clone();
    let redis = services().redis().to_owned();
    let worker = RunningWorker::start(&app);
    let mut ids = Vec::new();
    for lang in ["python", "node"] {
        // The producer's service uploads the file under incoming/ (here through uploadd's store)…
        let id = uuid::Uuid::now_v7().to_string();
        let key = format!("{}incoming/{id}", env.prefix);
        let file = env.file(&format!("{lang}.jpg"), &samples::photo_jpeg(640, 480, 1));
        let opts = PutOptions { content_type: "image/jpeg", cache_control: None, sha256: None };
        app.storage.put_file(&key, &file, opts).await.unwrap();
        // …then enqueues with the example client.
        let incoming = format!("{}incoming/", env.prefix);
        let args = [
            "enqueue",
            "--redis",
            &redis,
            "--namespace",
            &ns,
            "--incoming-prefix",
            &incoming,
            "--source-key",
            &key,
            "--profile",
            "default",
            "--id",
            &id,
            "--declared-type",
            "image/jpeg",
            "--priority",
            "high",
            "--tenant",
            "acme:web",
        ];
        let o = producer(lang, &args);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{lang} enqueue failed: {err}");
        // The job waits in its tenant's high-priority list (a worker may already have it).
        let task = app.queue.find(&id).await.unwrap();
        if let Some(t) = task {
            assert_eq!((t.priority.as_deref(), t.tenant.as_deref()), (Some("high"), Some("acme:web")), "{lang}");
        }
        assert_eq!(out.lines().last().map(str::trim), Some(id.as_str()), "{lang}: the upload id is the last line");
        // A retried request with the same id is recognised and adds nothing.
        let o = producer(lang, &args);
        assert_eq!(o.status.code(), Some(3), "{lang}: duplicate enqueue: {:?}", text(&o));
        ids.push((lang, id));
    }
    for (lang, id) in &ids {
        let rec = wait_terminal(&app, id, Duration::from_secs(60)).await;
        assert_eq!(rec.status, Status::Ready, "{lang}: {rec:?}");
        assert_eq!(rec.outputs.len(), 3);
        assert_eq!(rec.deliveries, 1, "{lang}: processed once");
        // And the client reads the outcome back from the events stream.
        let o = producer(lang, &["wait", "--redis", &redis, "--namespace", &ns, "--id", id, "--timeout", "30"]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "{lang} wait: {out} {err}");
        assert!(out.contains("\"ready\""), "{lang} wait output: {out}");
        let event: serde_json::Value =
            serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{lang}: {e}: {out}"));
        assert!(event["outputs"].is_array(), "{lang}: outputs parsed: {out}");
        assert_placeholders(&event["placeholders"]);
    }
    worker.shutdown().await;
}

#[test]
fn example_jobs_satisfy_the_schema_and_the_daemon() {
    let s = services();
    let schema = root().join("jobs/upload-job.schema.json");
    let examples: Vec<_> = std::fs::read_dir(root().join("jobs/examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert!(examples.len() >= 3);
    let o = std::process::Command::new(s.get("UPLOADD_TEST_CHECK_JSONSCHEMA"))
        .arg("--schemafile")
        .arg(&schema)
        .args(&examples)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    for p in &examples {
        let raw = std::fs::read_to_string(p).unwrap();
        uploadd::job::UploadJob::parse("t", &raw, "incoming/").unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
    // What the Rust producer writes is valid against the schema too.
    let job = uploadd::job::UploadJob::parse(
        "t",
        r#"{"upload_id":"0196f0c4-2f7c-7bd3-a1d1-000000000001","source_key":"incoming/x","profile":"default","metadata":{"a":"b"}}"#,
        "incoming/",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("rust.json");
    std::fs::write(&written, serde_json::to_string(&job.to_payload()).unwrap()).unwrap();
    let o = std::process::Command::new(s.get("UPLOADD_TEST_CHECK_JSONSCHEMA"))
        .arg("--schemafile")
        .arg(&schema)
        .arg(&written)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    // And the schema refuses what the daemon refuses.
    let hostile = dir.path().join("hostile.json");
    std::fs::write(&hostile, r#"{"source_key":"../etc/passwd","profile":"default","bucket":"other"}"#).unwrap();
    let o = std::process::Command::new(s.get("UPLOADD_TEST_CHECK_JSONSCHEMA"))
        .arg("--schemafile")
        .arg(&schema)
        .arg(&hostile)
        .output()
        .unwrap();
    assert!(!o.status.success());
}

/// The JSON Schema and the daemon's parser agree, case by case (null for absent included).
#[test]
fn the_schema_and_the_daemon_accept_and_refuse_the_same_jobs() {
    let s = services();
    let ok = |extra: serde_json::Value| {
        let mut job = serde_json::json!({"source_key": "incoming/abc", "profile": "default"});
        for (k, v) in extra.as_object().unwrap() {
            job[k] = v.clone();
        }
        job
    };
    let cases: Vec<(serde_json::Value, bool)> = vec![
        (ok(serde_json::json!({})), true),
        (ok(serde_json::json!({"upload_id": "0196f0c4-2f7c-7bd3-a1d1-000000000001", "version": 1})), true),
        (
            ok(serde_json::json!({"version": null, "upload_id": null, "declared_type": null,
                "original_filename": null, "metadata": null, "callback_url": null})),
            true,
        ),
        (ok(serde_json::json!({"metadata": {"user": "42"}, "callback_url": "https://h.example/x"})), true),
        (ok(serde_json::json!({"priority": "low", "tenant": "org:4711.a-b_c"})), true),
        (ok(serde_json::json!({"priority": null, "tenant": null})), true),
        (ok(serde_json::json!({"tenant": "x".repeat(64)})), true),
        (ok(serde_json::json!({"tenant": "x".repeat(65)})), false),
        (ok(serde_json::json!({"tenant": ""})), false),
        (ok(serde_json::json!({"tenant": "a b"})), false),
        (ok(serde_json::json!({"tenant": "a\n"})), false),
        (ok(serde_json::json!({"tenant": 7})), false),
        (ok(serde_json::json!({"priority": "urgent"})), false),
        (ok(serde_json::json!({"priority": "HIGH"})), false),
        (ok(serde_json::json!({"version": 2})), false),
        (ok(serde_json::json!({"bucket": "other"})), false),
        (ok(serde_json::json!({"upload_id": "nope"})), false),
        (ok(serde_json::json!({"profile": "a b"})), false),
        (ok(serde_json::json!({"source_key": "uploads/x"})), false),
        (ok(serde_json::json!({"source_key": "incoming/../x"})), false),
        (ok(serde_json::json!({"source_key": "incoming/a\u{1}b"})), false),
        (ok(serde_json::json!({"metadata": {"k": "a\nb"}})), false),
        (ok(serde_json::json!({"metadata": {"k": 1}})), false),
        (ok(serde_json::json!({"callback_url": "ftp://h.example/"})), false),
        (ok(serde_json::json!({"callback_url": "https://h.example/a b"})), false),
        (serde_json::json!({"profile": "default"}), false),
    ];
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = cases.iter().map(|(j, _)| j.to_string()).collect();
    let input = dir.path().join("cases.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let code = "import json,sys,jsonschema\n\
        schema=json.load(open(sys.argv[1]))\n\
        v=jsonschema.Draft202012Validator(schema)\n\
        for line in open(sys.argv[2]):\n    print('ok' if v.is_valid(json.loads(line)) else 'no')\n";
    let o = std::process::Command::new(s.get("UPLOADD_TEST_PYTHON"))
        .args(["-c", code])
        .arg(root().join("jobs/upload-job.schema.json"))
        .arg(&input)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let verdicts: Vec<bool> = String::from_utf8_lossy(&o.stdout).lines().map(|l| l == "ok").collect();
    assert_eq!(verdicts.len(), cases.len());
    for ((job, want), schema_ok) in cases.iter().zip(verdicts) {
        let daemon_ok = uploadd::job::UploadJob::parse("t", &job.to_string(), "incoming/").is_ok();
        assert_eq!((schema_ok, daemon_ok), (*want, *want), "schema {schema_ok}, daemon {daemon_ok}: {job}");
    }
}

/// The Python CLI run as the README shows it, without its dependency installed: one line that
/// says how to install it, not a traceback.
#[test]
fn the_python_cli_without_redis_says_how_to_install_it() {
    // `-S`: no site-packages, so no redis-py, whatever this machine has.
    let o = std::process::Command::new("python3")
        .args(["-S", "jobs/producers/python/uploadd_producer.py", "enqueue", "--redis", "redis://127.0.0.1:1"])
        .args(["--source-key", "incoming/x", "--profile", "default"])
        .current_dir(root())
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out} {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("pip install -r jobs/producers/python/requirements.txt"), "{err}");
    assert!(!err.contains("Traceback"));
}

/// `--help` is not a usage error in either CLI.
#[test]
fn both_clis_answer_help_with_exit_0() {
    for (program, script) in [
        (services().get("UPLOADD_TEST_PYTHON"), "jobs/producers/python/uploadd_producer.py"),
        (services().get("UPLOADD_TEST_NODE"), "jobs/producers/node/uploadd-producer.js"),
    ] {
        let o = std::process::Command::new(program).args([script, "--help"]).current_dir(root()).output().unwrap();
        let (out, _) = text(&o);
        assert_eq!(o.status.code(), Some(0), "{script}: {out}");
        assert!(out.contains("enqueue") && out.contains("wait"), "{script}: {out}");
    }
}
