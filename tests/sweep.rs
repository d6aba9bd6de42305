//! Sweeps against the real S3 server and database: exactly the right objects go, and nothing
//! that is still wanted — not live objects, not young ones, not anything outside the prefixes,
//! not a row committed mid-sweep.

mod common;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::Duration;

use common::*;
use uploadd::db::Status;
use uploadd::media::samples;
use uploadd::storage::PutOptions;
use uploadd::sweep::{SweepKind, SweepReport};

const OPTS: PutOptions<'static> =
    PutOptions { content_type: "application/octet-stream", cache_control: None, sha256: None };

async fn put(app: &uploadd::app::App, env: &TestEnv, key: &str) {
    let f = env.file("blob", b"some bytes");
    app.storage.put_file(key, &f, OPTS).await.unwrap();
}

async fn sweep(app: &uploadd::app::App, kind: SweepKind, dry_run: bool) -> SweepReport {
    uploadd::sweep::run(app, kind, dry_run, "test-holder").await.expect("sweep")
}

fn removed(r: &SweepReport) -> BTreeSet<String> {
    r.removals.iter().map(|x| x.key.clone()).collect()
}

async fn sweep_env(stack: Stack) -> TestEnv {
    let mut env = TestEnv::new(stack).await;
    env.set("UPLOADD_SWEEP__ORPHANS_GRACE", "2s");
    env.set("UPLOADD_SWEEP__INCOMING_MAX_AGE", "2s");
    env.set("UPLOADD_SWEEP__QUARANTINE_RETENTION", "2s");
    env.set("UPLOADD_SWEEP__MULTIPART_MAX_AGE", "2s");
    env.set("UPLOADD_SWEEP__TEMP_MIN_AGE", "1s");
    env
}

/// Starts `uploadd sweep …` with its log in the data dir, and returns once the run is paused at
/// its `sweep-delete` failpoint (it has decided what to delete and holds its lease) — not after
/// a guessed delay.
async fn spawn_paused_sweep(env: &TestEnv, name: &str, cmd: &mut std::process::Command) -> std::process::Child {
    let log_path = env.data_dir().join(format!("{name}.log"));
    let log = std::fs::File::create(&log_path).expect("sweep log");
    let child = cmd.stdout(Stdio::piped()).stderr(log).spawn().expect("spawn uploadd sweep");
    wait_paused(&log_path).await;
    child
}

async fn wait_paused(log_path: &std::path::Path) {
    let start = std::time::Instant::now();
    loop {
        let text = std::fs::read_to_string(log_path).unwrap_or_default();
        if text.contains("Failpoint: sleeping") {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the sweep never reached its failpoint:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A fabricated job for `id` naming `source`, claimed so its row is `processing`.
async fn in_progress(app: &uploadd::app::App, id: uuid::Uuid, source: &str) {
    let raw = format!(r#"{{"upload_id":"{id}","source_key":"{source}","profile":"default"}}"#);
    let job = uploadd::job::UploadJob::parse("t", &raw, &app.cfg.storage.incoming_prefix).unwrap();
    app.db.claim(&job, 1, 1).await.unwrap();
}

async fn orphans_scenario(stack: Stack) {
    let env = sweep_env(stack).await;
    let app = env.app().await;
    let p = env.prefix.clone();
    // A real, ready upload (its outputs are live) and a rejected one.
    let worker = RunningWorker::start(&app);
    let ready = enqueue_bytes(&app, &env, "ok.jpg", &samples::photo_jpeg(320, 240, 1), None).await;
    let rejected = enqueue_bytes(&app, &env, "bad.jpg", &samples::pdf_document(), None).await;
    assert_eq!(wait_terminal(&app, &ready, Duration::from_secs(60)).await.status, Status::Ready);
    assert_eq!(wait_terminal(&app, &rejected, Duration::from_secs(60)).await.status, Status::Rejected);
    worker.shutdown().await;
    let ready_rec = app.db.get(&ready).await.unwrap().unwrap();
    // Dangling: a ready row whose object vanished.
    let lost = ready_rec.outputs[1].key.clone();
    app.storage.delete(&lost).await.unwrap();

    let busy = uuid::Uuid::now_v7();
    in_progress(&app, busy, &format!("{p}incoming/{busy}")).await;
    let stray = uuid::Uuid::now_v7();
    let old_keys = [
        format!("{p}uploads/{stray}/display.jpg"),    // no row: orphan
        format!("{p}uploads/{rejected}/display.jpg"), // row rejected: orphan
        format!("{p}uploads/{busy}/display.jpg"),     // upload in progress: kept
        format!("{p}incoming/{busy}"),                // source of a live upload: kept
        format!("{p}incoming/abandoned"),             // no upload, old: removed
        format!("{p}quarantine/{stray}/source"),      // retention expired: removed
        format!("{p}other/file"),                     // outside the prefixes: never
        format!("{p}uploadsx/{stray}/display.jpg"),   // outside (prefix look-alike): never
    ];
    for k in &old_keys {
        put(&app, &env, k).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let young = [format!("{p}uploads/{}/thumb.jpg", uuid::Uuid::now_v7()), format!("{p}incoming/just-arrived")];
    for k in &young {
        put(&app, &env, k).await;
    }
    // The rejected upload's original stays in incoming for inspection until incoming_max_age.
    let rejected_source = app.db.get(&rejected).await.unwrap().unwrap().source_key;
    let expected_removed: BTreeSet<String> =
        [&old_keys[0], &old_keys[1], &old_keys[4], &old_keys[5], &rejected_source].into_iter().cloned().collect();

    let before = list_keys(&app, &p).await;
    let dry = sweep(&app, SweepKind::Orphans, true).await;
    assert_eq!(list_keys(&app, &p).await, before, "a dry run changes nothing");
    assert_eq!(removed(&dry), expected_removed, "dry run: {dry:#?}");
    assert_eq!(dry.outcome, "success");

    let real = sweep(&app, SweepKind::Orphans, false).await;
    assert_eq!(removed(&real), removed(&dry), "the dry run printed exactly what the real run did");
    assert_eq!(real.removed, 5);
    assert_eq!(real.errors, 0, "{:?}", real.error_messages);
    assert_eq!(real.dangling, vec![lost.clone()], "dangling rows are reported");
    assert!(app.storage.head(&lost).await.unwrap().is_none(), "and not touched");
    let after: BTreeSet<String> = list_keys(&app, &p).await.into_iter().collect();
    let mut expected: BTreeSet<String> = before.into_iter().collect();
    for k in &expected_removed {
        expected.remove(k);
    }
    assert_eq!(after, expected, "exactly the orphans are gone");
    for o in ready_rec.outputs.iter().filter(|o| o.key != lost) {
        assert!(after.contains(&o.key), "live output {} kept", o.key);
    }
    for k in young.iter().chain(&old_keys[2..4]).chain(&old_keys[6..]) {
        assert!(after.contains(k), "{k} kept");
    }
    assert!(real.kept_by_reason.contains_key("younger than the grace period"));
    assert!(real.kept_by_reason.contains_key("its upload is in progress"));
    // A second run finds nothing more.
    let again = sweep(&app, SweepKind::Orphans, false).await;
    assert_eq!(again.removed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphans_sweep_removes_exactly_the_orphans_on_s3() {
    orphans_scenario(Stack::Production).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphans_sweep_removes_exactly_the_orphans_on_the_local_store() {
    orphans_scenario(Stack::EmbeddedScanned).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cap_stops_a_run_and_says_so() {
    let mut env = sweep_env(Stack::Production).await;
    env.set("UPLOADD_SWEEP__MAX_DELETIONS", "2");
    let app = env.app().await;
    for i in 0..5 {
        put(&app, &env, &format!("{}uploads/{}/v{i}.jpg", env.prefix, uuid::Uuid::now_v7())).await;
    }
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let r = sweep(&app, SweepKind::Orphans, false).await;
    assert_eq!((r.removed, r.outcome.as_str()), (2, "capped"));
    assert!(r.notes.iter().any(|n| n.contains("cap of 2")), "{:?}", r.notes);
    assert_eq!(list_keys(&app, &format!("{}uploads/", env.prefix)).await.len(), 3);
    let dry = sweep(&app, SweepKind::Orphans, true).await;
    assert_eq!((dry.removed, dry.outcome.as_str()), (2, "capped"), "dry runs obey the cap too");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sweep_of_a_kind_at_a_time_and_a_crashed_holder_does_not_block_forever() {
    let mut env = sweep_env(Stack::Production).await;
    env.set("UPLOADD_SWEEP__LEASE", "2s");
    let app = env.app().await;
    assert!(app.db.acquire_sweep_lease("orphans", "crashed-daemon", 2000).await.unwrap());
    let r = uploadd::sweep::run(&app, SweepKind::Orphans, false, "daemon-b").await.unwrap();
    assert_eq!(r.outcome, "skipped");
    // Another kind is independent.
    assert_eq!(sweep(&app, SweepKind::Temp, false).await.outcome, "success");
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let r = uploadd::sweep::run(&app, SweepKind::Orphans, false, "daemon-b").await.unwrap();
    assert_eq!(r.outcome, "success", "an expired lease is taken over");

    // Two daemons (processes) at once: the first holds the lease while paused mid-run.
    put(&app, &env, &format!("{}uploads/{}/x.jpg", env.prefix, uuid::Uuid::now_v7())).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    require_failpoints();
    let mut first = spawn_paused_sweep(
        &env,
        "first",
        env.command()
            .env("UPLOADD_SWEEP__LEASE", "30s")
            .env("UPLOADD_FAILPOINTS", "sweep-delete=sleep(5000)")
            .args(["sweep", "orphans", "--json"]),
    )
    .await;
    let second = env.command().args(["sweep", "orphans", "--json"]).output().unwrap();
    let second: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(second["outcome"], "skipped", "{second}");
    let out = {
        use std::io::Read;
        let mut s = String::new();
        first.stdout.take().unwrap().read_to_string(&mut s).unwrap();
        first.wait().unwrap();
        s
    };
    let first: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!((first["outcome"].as_str(), first["removed"].as_u64()), (Some("success"), Some(1)), "{first}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_committed_mid_sweep_keeps_its_objects() {
    let env = sweep_env(Stack::Production).await;
    let app = env.app().await;
    // An upload that failed earlier left an output behind: an orphan by every rule.
    let id = uuid::Uuid::now_v7();
    let source = format!("{}incoming/{id}", env.prefix);
    put(&app, &env, &source).await;
    in_progress(&app, id, &source).await;
    app.db.finish(id, Status::Failed, "test", "failed earlier").await.unwrap();
    let key = format!("{}uploads/{id}/display.jpg", env.prefix);
    put(&app, &env, &key).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // A sweep (another process) decides to delete it, then pauses just before deleting…
    let sweeper = spawn_paused_sweep(
        &env,
        "sweeper",
        env.command().env("UPLOADD_FAILPOINTS", "sweep-delete=sleep(3000)").args(["sweep", "orphans", "--json"]),
    )
    .await;
    // …while an operator's retry re-runs the upload: it rewrites the output and commits.
    assert!(app.db.reopen(id).await.unwrap());
    in_progress(&app, id, &source).await;
    put(&app, &env, &key).await;
    let output = uploadd::db::OutputRecord {
        variant: "display".into(),
        key: key.clone(),
        content_type: "image/jpeg".into(),
        bytes: 10,
        width: Some(1),
        height: Some(1),
        sha256: "x".into(),
    };
    assert!(app.db.commit_ready(id, &[output], None).await.unwrap());
    let out = sweeper.wait_with_output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(app.storage.head(&key).await.unwrap().is_some(), "the committed output survived: {report}");
    assert!(
        report["kept_by_reason"]["changed during the sweep (re-checked before deleting)"].as_u64() >= Some(1),
        "{report}"
    );
    assert!(!report["removals"].as_array().unwrap().iter().any(|r| r["key"] == key.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_job_can_claim_an_upload_while_a_sweep_deletes_its_objects() {
    let env = sweep_env(Stack::Production).await;
    let app = env.app().await;
    let id = uuid::Uuid::now_v7();
    let source = format!("{}incoming/{id}", env.prefix);
    put(&app, &env, &source).await;
    in_progress(&app, id, &source).await;
    app.db.finish(id, Status::Failed, "test", "failed earlier").await.unwrap();
    let key = format!("{}uploads/{id}/display.jpg", env.prefix);
    put(&app, &env, &key).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // The sweep has checked the object one last time and holds the upload's lock: between
    // here and its delete, a job that claimed the upload could re-store the object and commit
    // it, and the delete would then take a committed output. It cannot claim.
    require_failpoints();
    let sweeper = spawn_paused_sweep(
        &env,
        "sweeper",
        env.command().env("UPLOADD_FAILPOINTS", "sweep-locked=sleep(3000)").args(["sweep", "orphans", "--json"]),
    )
    .await;
    assert!(app.db.reopen(id).await.unwrap());
    let raw = format!(r#"{{"upload_id":"{id}","source_key":"{source}","profile":"default"}}"#);
    let job = uploadd::job::UploadJob::parse("t", &raw, &app.cfg.storage.incoming_prefix).unwrap();
    assert!(
        matches!(app.db.claim(&job, 1, 1).await.unwrap(), uploadd::db::Claim::SweepLocked),
        "a claim waits while the sweep holds the upload"
    );
    let out = sweeper.wait_with_output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["removals"].as_array().unwrap().iter().any(|r| r["key"] == key.as_str()), "{report}");
    // The sweep is done: the job claims, re-stores and commits, and its output stays.
    assert!(matches!(app.db.claim(&job, 1, 1).await.unwrap(), uploadd::db::Claim::Proceed(_)));
    put(&app, &env, &key).await;
    let output = uploadd::db::OutputRecord {
        variant: "display".into(),
        key: key.clone(),
        content_type: "image/jpeg".into(),
        bytes: 10,
        width: Some(1),
        height: Some(1),
        sha256: "x".into(),
    };
    assert!(app.db.commit_ready(id, &[output], None).await.unwrap());
    assert!(app.storage.head(&key).await.unwrap().is_some(), "the committed output exists");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_multipart_uploads_are_aborted_and_fresh_ones_kept() {
    let env = sweep_env(Stack::Production).await;
    let app = env.app().await;
    let uploadd::storage::Storage::S3(s3) = &app.storage else { panic!("S3 expected") };
    let (client, bucket) = (s3.client().clone(), s3.bucket().to_owned());
    let start = |key: String| {
        let (client, bucket) = (client.clone(), bucket.clone());
        async move {
            let id = client
                .create_multipart_upload()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
                .unwrap()
                .upload_id()
                .unwrap()
                .to_owned();
            client
                .upload_part()
                .bucket(&bucket)
                .key(&key)
                .upload_id(&id)
                .part_number(1)
                .body(aws_sdk_s3::primitives::ByteStream::from_static(b"part one"))
                .send()
                .await
                .unwrap();
            (key, id)
        }
    };
    let stale = start(format!("{}incoming/stale", env.prefix)).await;
    let outside = start(format!("{}elsewhere/stale", env.prefix)).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let fresh = start(format!("{}incoming/fresh", env.prefix)).await;
    let mine = |page: Option<uploadd::storage::MultipartPage>| -> BTreeSet<(String, String)> {
        page.unwrap()
            .uploads
            .into_iter()
            .filter(|u| u.key.starts_with(&env.prefix))
            .map(|u| (u.key, u.upload_id))
            .collect()
    };
    let dry = sweep(&app, SweepKind::Multipart, true).await;
    assert_eq!(dry.removed, 1);
    assert_eq!(mine(app.storage.list_multipart(None).await.unwrap()).len(), 3, "dry run aborts nothing");
    let r = sweep(&app, SweepKind::Multipart, false).await;
    assert_eq!(r.removed, 1, "{r:#?}");
    assert!(r.removals[0].key.contains(&stale.1));
    let left = mine(app.storage.list_multipart(None).await.unwrap());
    assert_eq!(
        left,
        BTreeSet::from([fresh.clone(), outside.clone()]),
        "only the stale one under a managed prefix went"
    );
    for (k, id) in [fresh, outside] {
        client.abort_multipart_upload().bucket(&bucket).key(k).upload_id(id).send().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temp_sweep_removes_only_what_no_running_job_holds() {
    let env = sweep_env(Stack::Embedded).await;
    let app = env.app().await;
    let temp = app.cfg.temp_dir();
    let crashed = temp.join("job-crashed-1-0");
    std::fs::create_dir_all(&crashed).unwrap();
    std::fs::write(crashed.join(".lock"), b"").unwrap();
    std::fs::write(crashed.join("source"), b"leftover").unwrap();
    std::fs::write(temp.join("not-a-job"), b"x").unwrap();
    let live = app.workdir.job_dir("live").unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = sweep(&app, SweepKind::Temp, false).await;
    assert_eq!(r.removed, 1, "{r:#?}");
    assert!(!crashed.exists());
    assert!(live.path().exists(), "a running job's directory is never touched");
    assert!(temp.join("not-a-job").exists());
    drop(live);
    // The embedded store: no multipart uploads, and orphans work through the CLI.
    let o = env.command().args(["sweep", "multipart", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["notes"][0].as_str().unwrap().contains("local store has no multipart uploads"), "{v}");
    let o = env.command().args(["sweep", "orphans", "--dry-run"]).output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("sweep orphans (dry run): success"));
}

/// Temp directories are this host's: a temp sweep killed mid-run (a daemon SIGKILLed, an OOM
/// kill) must not stop the next one — the restarted daemon clears what the crash left at once,
/// not after `sweep.lease`. Two at once still do not both run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_temp_sweep_killed_mid_run_does_not_block_the_next_one() {
    require_failpoints();
    let env = sweep_env(Stack::Embedded).await;
    let app = env.app().await;
    let temp = app.cfg.temp_dir();
    let crashed: Vec<_> = (0..2).map(|n| temp.join(format!("job-crashed-1-{n}"))).collect();
    for d in &crashed {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join(".lock"), b"").unwrap();
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut first = spawn_paused_sweep(
        &env,
        "first",
        env.command().env("UPLOADD_FAILPOINTS", "sweep-delete=sleep(60000)").args(["sweep", "temp", "--json"]),
    )
    .await;
    let second = env.command().args(["sweep", "temp", "--json"]).output().unwrap();
    let second: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(second["outcome"], "skipped", "one temp sweep at a time: {second}");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(first.id() as i32, libc::SIGKILL) };
    first.wait().unwrap();
    let r = sweep(&app, SweepKind::Temp, false).await;
    assert_eq!((r.outcome.as_str(), r.removed), ("success", 2), "{r:#?}");
    assert!(crashed.iter().all(|d| !d.exists()));
    let left: Vec<_> = std::fs::read_dir(&temp).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert!(left.iter().all(|n| n.to_string_lossy().starts_with('.')), "only the sweep's own lock file: {left:?}");
}
