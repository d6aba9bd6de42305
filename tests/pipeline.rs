//! End to end through the real services: uploads in, variants out, rows committed.

mod common;

use std::time::Duration;

use common::*;
use uploadd::db::Status;
use uploadd::media::{exif, samples};

const T: Duration = Duration::from_secs(60);

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    mime: &'static str,
    /// Expected upright size of the `display` variant.
    display: (u32, u32),
}

fn image_cases() -> Vec<Case> {
    vec![
        Case {
            name: "rotated.jpg",
            bytes: samples::photo_jpeg(1600, 1000, 6),
            mime: "image/jpeg",
            display: (675, 1080),
        },
        Case { name: "alpha.png", bytes: samples::alpha_png(640, 480), mime: "image/png", display: (640, 480) },
        Case { name: "photo.webp", bytes: samples::webp_image(2400, 1200), mime: "image/webp", display: (1920, 960) },
        Case { name: "anim.gif", bytes: samples::gif_image(200, 100, 4), mime: "image/gif", display: (200, 100) },
    ]
}

async fn images_end_to_end(stack: Stack) {
    let env = TestEnv::new(stack).await;
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let mut ids = Vec::new();
    for c in image_cases() {
        ids.push(enqueue_bytes(&app, &env, c.name, &c.bytes, Some(c.mime)).await);
    }
    for (c, id) in image_cases().iter().zip(&ids) {
        let rec = wait_terminal(&app, id, T).await;
        assert_eq!(rec.status, Status::Ready, "{}: {:?}", c.name, rec.reason);
        assert_eq!(rec.detected_type.as_deref(), Some(c.mime));
        assert_eq!(rec.bytes, Some(c.bytes.len() as u64));
        let variants: Vec<&str> = rec.outputs.iter().map(|o| o.variant.as_str()).collect();
        assert_eq!(variants, ["display", "thumb", "webp"], "{}", c.name);
        for o in &rec.outputs {
            assert_eq!(
                o.key,
                format!(
                    "{}uploads/{id}/{}.{}",
                    env.prefix,
                    o.variant,
                    if o.variant == "webp" { "webp" } else { "jpg" }
                )
            );
            let data = read_object(&app, &o.key).await;
            assert_eq!(data.len() as u64, o.bytes);
            let fmt = image::guess_format(&data).expect("output format");
            let expected_fmt = if o.variant == "webp" { image::ImageFormat::WebP } else { image::ImageFormat::Jpeg };
            assert_eq!(fmt, expected_fmt, "{} {}", c.name, o.variant);
            assert_eq!(o.content_type, if o.variant == "webp" { "image/webp" } else { "image/jpeg" });
            let img = image::load_from_memory(&data).expect("decode output");
            assert_eq!((Some(img.width()), Some(img.height())), (o.width, o.height));
            assert!(!data.windows(6).any(|w| w == b"Exif\0\0"), "{} {} carries EXIF", c.name, o.variant);
            assert_eq!(exif::jpeg_orientation(&data), None);
        }
        let display = &rec.outputs[0];
        assert_eq!((display.width, display.height), (Some(c.display.0), Some(c.display.1)), "{}", c.name);
        let thumb = &rec.outputs[1];
        assert!(thumb.width.unwrap_or(0) <= 300 && thumb.height.unwrap_or(0) <= 300);
        let placeholders = rec.placeholders.as_ref().unwrap_or_else(|| panic!("{}: no placeholders", c.name));
        assert_placeholders(placeholders);
        // The ThumbHash has the output's (upright) aspect.
        let hash = base64_decode(placeholders["thumbhash"].as_str().unwrap_or_default());
        let aspect = thumbhash::thumb_hash_to_approximate_aspect_ratio(&hash).unwrap();
        let want = c.display.0 as f32 / c.display.1 as f32;
        assert!((aspect - want).abs() / want < 0.25, "{}: thumbhash aspect {aspect}, output {want}", c.name);
        wait_deleted(&app, &rec.source_key, Duration::from_secs(10)).await;
    }
    // Orientation applied: the stored image's left half (red) is the top after rotation.
    let rotated = app.db.get(&ids[0]).await.unwrap().unwrap();
    let img = image::load_from_memory(&read_object(&app, &rotated.outputs[0].key).await).unwrap().into_rgb8();
    let (top, bottom) = (img.get_pixel(337, 100), img.get_pixel(337, 980));
    assert!(top[0] > 180 && top[2] < 80, "top should be red: {top:?}");
    assert!(bottom[2] > 180 && bottom[0] < 80, "bottom should be blue: {bottom:?}");
    // Alpha flattened onto the white background in JPEG.
    let alpha = app.db.get(&ids[1]).await.unwrap().unwrap();
    let img = image::load_from_memory(&read_object(&app, &alpha.outputs[0].key).await).unwrap().into_rgb8();
    assert!(img.get_pixel(1, 1).0.iter().all(|&c| c > 240), "transparent corner → white");
    // The rotated photo is half red (top), half blue: its dominant colour is one of them.
    let dominant = rotated.placeholders.as_ref().unwrap()["dominant_color"].as_str().unwrap().to_owned();
    let rgb = u32::from_str_radix(&dominant[1..], 16).unwrap();
    let (r, b) = (rgb >> 16, rgb & 0xff);
    assert!(r.abs_diff(b) > 100, "a dominant colour, not the mean of red and blue: {dominant}");
    // Image facts recorded.
    let media = rotated.media.expect("media facts");
    assert_eq!(media["orientation"], 6);
    assert_eq!((media["width"].as_u64(), media["height"].as_u64()), (Some(1000), Some(1600)));
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_become_variants_on_redis_postgres_s3() {
    images_end_to_end(Stack::Production).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_become_variants_on_sqlite_and_local_store() {
    images_end_to_end(Stack::EmbeddedScanned).await;
}

async fn hostile(stack: Stack) {
    let mut env = TestEnv::new(stack).await;
    env.set("UPLOADD_PROFILES__DEFAULT__MAX_BYTES", "2MiB");
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let photo = samples::photo_jpeg(800, 600, 1);
    let mut big = samples::photo_jpeg(64, 64, 1);
    big.resize(5 << 20, 0x55);
    let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
        ("eicar.jpg", samples::eicar(), Some("image/jpeg"), "infected"),
        ("report.jpg", samples::pdf_document(), Some("image/jpeg"), "type_mismatch"),
        ("program.jpg", samples::elf_binary(), Some("image/jpeg"), "type_mismatch"),
        ("report.pdf", samples::pdf_document(), None, "type_not_allowed"),
        ("truncated.jpg", photo[..photo.len() / 2].to_vec(), Some("image/jpeg"), "corrupt"),
        ("bomb.png", samples::png_header_only(30_000, 30_000), Some("image/png"), "too_many_pixels"),
        ("bomb.jpg", samples::jpeg_header_only(30_000, 30_000), None, "too_many_pixels"),
        ("huge.jpg", big, Some("image/jpeg"), "too_large"),
        ("empty.jpg", Vec::new(), None, "empty"),
        ("text.jpg", b"hello, not an image".to_vec(), None, "type_not_allowed"),
    ];
    let mut ids = Vec::new();
    for (name, bytes, declared, _) in &cases {
        ids.push(enqueue_bytes(&app, &env, name, bytes, *declared).await);
    }
    for ((name, _, _, code), id) in cases.iter().zip(&ids) {
        let rec = wait_terminal(&app, id, T).await;
        assert_eq!(rec.status, Status::Rejected, "{name}: {rec:?}");
        assert_eq!(rec.reason_code.as_deref(), Some(*code), "{name}: {:?}", rec.reason);
        assert!(rec.reason.as_deref().is_some_and(|r| !r.is_empty()), "{name} has a reason");
        assert!(rec.outputs.is_empty(), "{name} has no outputs");
        assert!(list_keys(&app, &format!("{}uploads/{id}/", env.prefix)).await.is_empty(), "{name}: nothing stored");
        assert_eq!(rec.attempts, 1, "{name} is not retried");
    }
    // Infected: quarantined (moved, not deleted), never decoded.
    let eicar = app.db.get(&ids[0]).await.unwrap().unwrap();
    assert!(eicar.reason.as_deref().unwrap_or("").contains("Test.EICAR-Custom"), "{:?}", eicar.reason);
    assert!(app.storage.head(&eicar.source_key).await.unwrap().is_none(), "infected original left incoming");
    let q = format!("{}quarantine/{}/source", env.prefix, ids[0]);
    assert_eq!(read_object(&app, &q).await, samples::eicar(), "quarantined intact");
    assert!(eicar.media.is_none() && eicar.detected_type.is_none(), "infected file was never validated or decoded");
    // Over the limit: refused before it was read (no size or hash recorded).
    let huge = app.db.get(&ids[7]).await.unwrap().unwrap();
    assert_eq!(huge.bytes, None, "the oversized file was not fetched");
    // Rejected originals are kept in incoming (nothing deleted on a rejection) except infected ones.
    let mismatch = app.db.get(&ids[1]).await.unwrap().unwrap();
    assert!(app.storage.head(&mismatch.source_key).await.unwrap().is_some());
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_bad_inputs_are_rejected_with_precise_reasons_on_s3() {
    hostile(Stack::Production).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_bad_inputs_are_rejected_with_precise_reasons_embedded() {
    hostile(Stack::EmbeddedScanned).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerunning_a_ready_upload_is_a_no_op_and_duplicate_enqueue_is_ignored() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let id = enqueue_bytes(&app, &env, "a.jpg", &samples::photo_jpeg(400, 300, 1), None).await;
    let first = wait_terminal(&app, &id, T).await;
    assert_eq!(first.status, Status::Ready);
    // The same job again (a retried HTTP request): recognised, nothing reprocessed.
    let job = uploadd::job::UploadJob::parse(
        &id,
        &format!(r#"{{"upload_id":"{id}","source_key":"{}","profile":"default"}}"#, first.source_key),
        &app.cfg.storage.incoming_prefix,
    )
    .unwrap();
    let again = uploadd::producer::enqueue_job(&app, &job).await.unwrap();
    assert_eq!(again, uploadd::queue::PushOutcome::Duplicate);
    // Even past the idempotency window, a re-run of a ready upload changes nothing.
    let again_task = uuid::Uuid::new_v4().to_string();
    app.queue.push(&again_task, &serde_json::to_string(&job.to_payload()).unwrap(), "").await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = app.db.get(&id).await.unwrap().unwrap();
    assert_eq!(after.status, Status::Ready);
    assert_eq!(after.outputs, first.outputs);
    assert_eq!(after.finished_at, first.finished_at);
    assert_eq!(list_keys(&app, &format!("{}uploads/{id}/", env.prefix)).await.len(), 3);
    let stats = app.queue.stats().await.unwrap();
    assert_eq!((stats.pending, stats.running, stats.dead), (0, 0, 0));
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_message_is_recorded_and_workers_keep_going() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let (bad_json, bad_source) = (uuid::Uuid::new_v4().to_string(), uuid::Uuid::new_v4().to_string());
    app.queue.push(&bad_json, "{not json", "").await.unwrap();
    app.queue.push(&bad_source, r#"{"source_key":"file:///etc/passwd","profile":"default"}"#, "").await.unwrap();
    // Raw producer that forgot the metadata hash entirely (apalis-redis workers die on this).
    let s = services();
    let client = redis::Client::open(s.redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let ns = &app.cfg.queue.namespace;
    let payload = format!(r#"{{"source_key":"{}incoming/x","profile":"nope"}}"#, env.prefix);
    let _: () = redis::pipe()
        .hset(format!("{ns}:data"), "no-meta", payload)
        .rpush(format!("{ns}:active"), "no-meta")
        .query_async(&mut conn)
        .await
        .unwrap();
    // And one whose payload is not even UTF-8 (it used to fail every fetch that carried it).
    let binary: &[u8] = b"{\"source_key\":\"\xff\xfe\x00\xc3\"}";
    let _: () = redis::pipe()
        .hset(format!("{ns}:data"), "binary", binary)
        .hset(format!("{ns}:meta:binary"), "attempts", 0)
        .rpush(format!("{ns}:active"), "binary")
        .query_async(&mut conn)
        .await
        .unwrap();
    // A task id that is not even text, pushed raw: it used to fail every fetch that carried it,
    // so the valid job queued behind it never ran.
    let raw_id: &[u8] = b"\xff\xfe-\x1b[31m-id";
    let _: () = redis::pipe()
        .hset(format!("{ns}:data"), raw_id, r#"{"source_key":"incoming/x","profile":"default"}"#)
        .hset([format!("{ns}:meta:").as_bytes(), raw_id].concat(), "attempts", 0)
        .rpush(format!("{ns}:active"), raw_id)
        .query_async(&mut conn)
        .await
        .unwrap();
    let good = enqueue_bytes(&app, &env, "ok.jpg", &samples::photo_jpeg(300, 200, 1), None).await;
    assert_eq!(wait_terminal(&app, &good, T).await.status, Status::Ready);
    let rec = wait_terminal(&app, &uploadd::job::upload_id_for_raw_task(raw_id).to_string(), T).await;
    assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Rejected, Some("invalid_job")), "{rec:?}");
    assert!(!rec.reason.as_deref().unwrap_or("").contains('\u{1b}'), "no raw escape reaches the record: {rec:?}");
    let bad = uploadd::job::upload_id_for_task(&bad_json, "{not json").to_string();
    let rec = wait_terminal(&app, &bad, T).await;
    assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Rejected, Some("invalid_job")));
    assert!(rec.reason.unwrap().contains("not valid JSON"));
    let src = uploadd::job::upload_id_for_task(&bad_source, "").to_string();
    let rec = wait_terminal(&app, &src, T).await;
    assert!(rec.reason.unwrap().contains("source_key"));
    let unknown = uploadd::job::upload_id_for_task("no-meta", "").to_string();
    let rec = wait_terminal(&app, &unknown, T).await;
    assert_eq!(rec.reason_code.as_deref(), Some("unknown_profile"));
    let metrics = app.metrics.render();
    assert!(metrics.contains(r#"uploadd_jobs_total{outcome="rejected",profile="unknown"}"#), "{metrics}");
    assert!(!metrics.contains(r#"profile="nope""#), "a payload's profile name is not a label value");
    let lossy = String::from_utf8_lossy(binary);
    let rec = wait_terminal(&app, &uploadd::job::upload_id_for_task("binary", &lossy).to_string(), T).await;
    assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Rejected, Some("invalid_job")), "{rec:?}");
    let dead = app.queue.list_dead(10).await.unwrap();
    assert_eq!(dead.len(), 4, "the unparseable jobs are dead-lettered: {dead:?}");
    worker.shutdown().await;
}

/// A producer that bypasses `push.lua` can store a payload of any size (Redis takes 512 MB): it
/// used to travel to the daemon whole, and stay in the connection's read buffer (a 200 MB one
/// left the daemon at 228 MB RSS), before the parser refused it. `fetch.lua` now dead-letters it
/// where it lies, and the daemon records the refusal from the id alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_payload_pushed_around_push_lua_never_reaches_the_daemon() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let ns = &app.cfg.queue.namespace;
    let big_id = uuid::Uuid::new_v4().to_string();
    let big = format!(
        r#"{{"upload_id":"{big_id}","source_key":"{}incoming/x","profile":"default","metadata":{{"k":"{}"}}}}"#,
        env.prefix,
        "a".repeat(8 << 20)
    );
    let _: () = redis::pipe()
        .hset(format!("{ns}:data"), &big_id, big)
        .hset(format!("{ns}:meta:{big_id}"), "attempts", 0)
        .rpush(format!("{ns}:active"), &big_id)
        .query_async(&mut conn)
        .await
        .unwrap();
    let good = enqueue_bytes(&app, &env, "ok.jpg", &samples::photo_jpeg(64, 48, 1), None).await;
    // Every delivery's payload size, then the real pipeline.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handler: uploadd::worker::Handler = std::sync::Arc::new(move |app, d| {
        let _ = tx.send(d.payload.len());
        Box::pin(async move { uploadd::pipeline::run_delivery(&app, &d).await })
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(uploadd::worker::run_with(app.clone(), "sizes".into(), stop.clone(), handler));
    assert_eq!(wait_terminal(&app, &good, T).await.status, Status::Ready);
    let rec = wait_terminal(&app, &big_id, T).await;
    assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Rejected, Some("invalid_job")), "{rec:?}");
    assert!(rec.reason.as_deref().unwrap_or("").contains("larger than 65536 bytes"), "{rec:?}");
    let dead = app.queue.list_dead(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert!(dead[0].last_error.as_deref().unwrap_or("").contains("larger than 65536 bytes"), "{dead:?}");
    stop.cancel();
    worker.await.unwrap().unwrap();
    let sizes: Vec<usize> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert!(!sizes.is_empty() && sizes.iter().all(|&n| n <= 65536), "delivered payload sizes: {sizes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_panics_is_recorded_as_retrying_then_failed() {
    let env = TestEnv::new(Stack::Embedded).await;
    let mut cfg = env.config();
    cfg.retry.max_attempts = 2;
    cfg.retry.base_delay = uploadd::units::HumanDuration::millis(50);
    cfg.retry.max_delay = uploadd::units::HumanDuration::millis(100);
    let app = uploadd::app::App::open(cfg).await.unwrap();
    let id = enqueue_bytes(&app, &env, "p.jpg", &samples::photo_jpeg(64, 48, 1), None).await;
    // A bug in a stage: every attempt panics. The first is recorded as a retry, the last as
    // the failure, under the job's own upload id.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let handler: uploadd::worker::Handler = std::sync::Arc::new(move |app, d| {
        let tx = tx.clone();
        Box::pin(async move {
            let before = app.db.get(&uploadd::job::upload_id_for_task(&d.task_id, &d.payload).to_string()).await;
            let _ = tx.send(before.ok().flatten().map(|r| (r.status, r.reason_code)));
            panic!("a bug in a stage")
        })
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(uploadd::worker::run_with(app.clone(), "panicky".into(), stop.clone(), handler));
    let rec = wait_terminal(&app, &id, T).await;
    assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Failed, Some("panic")), "{rec:?}");
    assert!(rec.reason.as_deref().unwrap_or("").contains("a bug in a stage"), "{rec:?}");
    let seen: Vec<_> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(seen.len(), 2, "two attempts: {seen:?}");
    assert_eq!(seen[1], Some((Status::Retrying, Some("panic".to_owned()))), "the first panic was recorded");
    let metrics = app.metrics.render();
    assert!(metrics.contains(r#"uploadd_jobs_total{outcome="failed",profile="default"} 1"#), "{metrics}");
    stop.cancel();
    worker.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bucket_is_retried_not_taken_for_a_missing_file() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let id = enqueue_bytes(&app, &env, "b.jpg", &samples::photo_jpeg(64, 48, 1), None).await;
    // A worker configured with a bucket that does not exist: S3 answers 404 NoSuchBucket.
    let mut cfg = env.config();
    cfg.retry.base_delay = uploadd::units::HumanDuration::millis(200);
    cfg.storage.bucket = format!("no-such-bucket-{}", short_id());
    let misconfigured = uploadd::app::App::open(cfg).await.unwrap();
    let worker = RunningWorker::start(&misconfigured);
    let rec = wait_status(&app, &id, T, |r| r.status != Status::Queued && r.status != Status::Processing).await;
    worker.shutdown().await;
    assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Retrying, Some("storage_unavailable")), "{rec:?}");
    // Fixed configuration: the original is still there and the upload completes.
    let worker = RunningWorker::start(&app);
    assert_eq!(wait_terminal(&app, &id, T).await.status, Status::Ready);
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_lua_refuses_ids_that_are_not_uuids_and_payloads_over_64_kib() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let ns = app.cfg.queue.namespace.clone();
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let script = redis::Script::new(uploadd::queue::PUSH_SCRIPT);
    let push = |id: Vec<u8>, payload: Vec<u8>| {
        let mut inv = script.prepare_invoke();
        inv.arg(&ns).arg(id).arg(payload).arg("").arg(60).arg(1_700_000_000);
        inv
    };
    let job = br#"{"source_key":"incoming/x","profile":"default"}"#.to_vec();
    let id = uuid::Uuid::new_v4().to_string();
    for (bad_id, payload, why) in [
        (b"not-a-uuid".to_vec(), job.clone(), "UUID"),
        (b"\xff\xfe\x1b[31m".to_vec(), job.clone(), "UUID"),
        (format!("{id}\n").into_bytes(), job.clone(), "UUID"),
        (id.clone().into_bytes(), vec![b' '; 64 * 1024 + 1], "64 KiB"),
    ] {
        let e = push(bad_id.clone(), payload).invoke_async::<i64>(&mut conn).await.unwrap_err();
        assert!(e.to_string().contains(why), "{bad_id:?}: {e}");
        let stored: bool =
            redis::cmd("HEXISTS").arg(format!("{ns}:data")).arg(&bad_id).query_async(&mut conn).await.unwrap();
        assert!(!stored, "nothing stored for {bad_id:?}");
    }
    assert_eq!(push(id.clone().into_bytes(), job).invoke_async::<i64>(&mut conn).await.unwrap(), 1);
    assert_eq!(app.queue.stats().await.unwrap().pending, 1);
}
