//! Learning the outcome: completion events on the Redis stream and signed webhooks with
//! retries, against a local receiver that checks signatures and fails the first attempts.

mod common;

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use tokio_util::sync::CancellationToken;
use uploadd::db::Status;
use uploadd::media::samples;

const SECRET: &str = "test-webhook-secret";

#[derive(Debug, Clone)]
struct Received {
    status_sent: u16,
    signature_ok: bool,
    fresh: bool,
    body: serde_json::Value,
}

/// A receiver that verifies each request's signature and answers 500 to the first `fail_first`.
async fn receiver(fail_first: usize) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = log2.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let log = log.clone();
                    async move {
                        let header =
                            |k: &str| req.headers().get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                        let (ts, sig) = (header("x-uploadd-timestamp"), header("x-uploadd-signature"));
                        let body = req.into_body().collect().await.unwrap().to_bytes();
                        // Verified independently of uploadd's signer: HMAC-SHA256 over "ts.body".
                        use hmac::Mac;
                        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
                        mac.update(format!("{ts}.").as_bytes());
                        mac.update(&body);
                        let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
                        let now = uploadd::units::now_ms() / 1000;
                        let fresh = ts.parse::<i64>().is_ok_and(|t| (now - t).abs() < 300);
                        let mut log = log.lock().unwrap();
                        let status = if log.len() < fail_first { 500 } else { 200 };
                        log.push(Received {
                            status_sent: status,
                            signature_ok: sig == expected,
                            fresh,
                            body: serde_json::from_slice(&body).unwrap_or_default(),
                        });
                        let mut r = hyper::Response::new(Full::new(Bytes::from_static(b"ok")));
                        *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                        Ok::<_, Infallible>(r)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    (port, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_reach_the_event_stream_and_signed_webhooks_with_retries() {
    let (port, received) = receiver(2).await;
    let mut env = TestEnv::new(Stack::Production).await;
    env.set("UPLOADD_WEBHOOKS__SECRET", SECRET);
    env.set("UPLOADD_WEBHOOKS__ALLOWED_HOSTS", &format!("127.0.0.1:{port}"));
    // The receiver is this test, on loopback over plain HTTP: both must be allowed explicitly.
    env.set("UPLOADD_WEBHOOKS__ALLOW_HTTP", "true");
    env.set("UPLOADD_WEBHOOKS__ALLOW_PRIVATE_NETWORKS", "true");
    env.set("UPLOADD_WEBHOOKS__BASE_DELAY", "200ms");
    env.set("UPLOADD_WEBHOOKS__MAX_DELAY", "1s");
    let app = env.app().await;
    let ns = app.cfg.queue.namespace.clone();
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(format!("{ns}:events"))
        .arg("test")
        .arg("$")
        .arg("MKSTREAM")
        .query_async(&mut conn)
        .await
        .unwrap();

    let worker = RunningWorker::start(&app);
    let stop = CancellationToken::new();
    let dispatcher = tokio::spawn(uploadd::webhook::run_dispatcher(app.clone(), stop.clone()));
    let enqueue = |name: &'static str, bytes: Vec<u8>, url: String| {
        let (app, path) = (app.clone(), env.file(name, &bytes));
        async move {
            uploadd::producer::enqueue_file(
                &app,
                &path,
                "default",
                uploadd::producer::EnqueueOptions {
                    callback_url: Some(url),
                    metadata: [("user".to_owned(), "42".to_owned())].into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .to_string()
        }
    };
    let ok = enqueue("a.jpg", samples::photo_jpeg(500, 400, 1), format!("http://127.0.0.1:{port}/hook")).await;
    let bad = enqueue("b.jpg", samples::eicar(), format!("http://127.0.0.1:{port}/hook")).await;
    let ssrf =
        enqueue("c.jpg", samples::photo_jpeg(100, 100, 1), "http://169.254.169.254/latest/meta-data".into()).await;
    for id in [&ok, &bad, &ssrf] {
        wait_terminal(&app, id, Duration::from_secs(60)).await;
    }

    // Events: one entry per terminal state, readable with a consumer group.
    // The event follows the database commit: read (blocking) until all three have arrived.
    let mut entries = Vec::new();
    for _ in 0..20 {
        let reply: redis::streams::StreamReadReply = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg("test")
            .arg("c1")
            .arg("COUNT")
            .arg(100)
            .arg("BLOCK")
            .arg(500)
            .arg("STREAMS")
            .arg(format!("{ns}:events"))
            .arg(">")
            .query_async(&mut conn)
            .await
            .unwrap();
        entries.extend(reply.keys.into_iter().flat_map(|k| k.ids));
        if entries.len() >= 3 {
            break;
        }
    }
    let field = |e: &redis::streams::StreamId, k: &str| -> String { e.get(k).unwrap_or_default() };
    let mut by_id = std::collections::HashMap::new();
    for e in &entries {
        by_id.insert(
            field(e, "id"),
            (field(e, "status"), field(e, "reason_code"), field(e, "outputs"), field(e, "placeholders")),
        );
    }
    assert_eq!(entries.len(), 3, "one event per terminal state");
    assert_eq!(by_id[&ok].0, "ready");
    let outputs: Vec<serde_json::Value> = serde_json::from_str(&by_id[&ok].2).unwrap();
    assert_eq!(outputs.len(), 3);
    assert_eq!((by_id[&bad].0.as_str(), by_id[&bad].1.as_str()), ("rejected", "infected"));
    let placeholders: serde_json::Value = serde_json::from_str(&by_id[&ok].3).unwrap();
    assert_placeholders(&placeholders);
    assert_eq!(by_id[&bad].3, "", "no placeholders for a rejected upload");
    let len: u64 = redis::cmd("XLEN").arg(format!("{ns}:events")).query_async(&mut conn).await.unwrap();
    assert_eq!(len, 3);

    // Webhooks: two failures, then delivered; each signed and fresh.
    let start = std::time::Instant::now();
    loop {
        let a = app.db.webhook_status(&ok).await.unwrap().unwrap();
        let b = app.db.webhook_status(&bad).await.unwrap().unwrap();
        if a.status == "delivered" && b.status == "delivered" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "webhooks not delivered: {a:?} {b:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 4, "2 failed attempts + 2 deliveries: {got:#?}");
    assert!(got.iter().all(|r| r.signature_ok && r.fresh), "{got:#?}");
    assert_eq!(got.iter().filter(|r| r.status_sent == 500).count(), 2);
    let delivered: Vec<_> = got.iter().filter(|r| r.status_sent == 200).map(|r| r.body.clone()).collect();
    let body = delivered.iter().find(|b| b["id"] == ok.as_str()).expect("ok's webhook");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["outputs"].as_array().map(Vec::len), Some(3));
    assert_eq!(body["metadata"]["user"], "42");
    assert_placeholders(&body["placeholders"]);
    let body = delivered.iter().find(|b| b["id"] == bad.as_str()).expect("bad's webhook");
    assert_eq!((body["status"].as_str(), body["reason_code"].as_str()), (Some("rejected"), Some("infected")));
    assert!(body["placeholders"].is_null());
    let a = app.db.webhook_status(&ok).await.unwrap().unwrap();
    assert!(a.attempts >= 1 && a.last_status == Some(200));

    // A callback to a host that is not allowed is refused and never contacted.
    let s = app.db.webhook_status(&ssrf).await.unwrap().unwrap();
    assert_eq!(s.status, "refused");
    assert!(s.last_error.unwrap().contains("not in webhooks.allowed_hosts"));
    assert_eq!(app.db.get(&ssrf).await.unwrap().unwrap().status, Status::Ready, "the upload itself is unaffected");

    // `uploadd status --json` shows the delivery.
    let out = env.command().args(["status", &ok, "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "ready");
    assert_eq!(v["webhook"]["status"], "delivered");
    assert_placeholders(&v["placeholders"]);
    stop.cancel();
    dispatcher.await.unwrap();
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_and_private_addresses_are_refused_unless_allowed() {
    let (port, received) = receiver(0).await;
    let mut env = TestEnv::new(Stack::Embedded).await;
    env.set("UPLOADD_WEBHOOKS__SECRET", SECRET);
    // Allowed by name, but plain HTTP to a loopback address: refused by default.
    env.set("UPLOADD_WEBHOOKS__ALLOWED_HOSTS", &format!("127.0.0.1:{port},localhost:{port}"));
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let stop = CancellationToken::new();
    let dispatcher = tokio::spawn(uploadd::webhook::run_dispatcher(app.clone(), stop.clone()));
    let mut ids = Vec::new();
    for url in [format!("http://127.0.0.1:{port}/hook"), format!("https://localhost:{port}/hook")] {
        let path = env.file("a.jpg", &samples::photo_jpeg(200, 100, 1));
        let opts = uploadd::producer::EnqueueOptions { callback_url: Some(url), ..Default::default() };
        ids.push(uploadd::producer::enqueue_file(&app, &path, "default", opts).await.unwrap().to_string());
    }
    for id in &ids {
        assert_eq!(wait_terminal(&app, id, Duration::from_secs(60)).await.status, Status::Ready);
    }
    // http:// is refused outright; https://localhost resolves to loopback, refused at connect.
    let plain = app.db.webhook_status(&ids[0]).await.unwrap().unwrap();
    assert_eq!(plain.status, "refused", "{plain:?}");
    assert!(plain.last_error.unwrap_or_default().contains("https"));
    let start = std::time::Instant::now();
    loop {
        let s = app.db.webhook_status(&ids[1]).await.unwrap().unwrap();
        if s.attempts >= 1 {
            assert_ne!(s.status, "delivered");
            assert!(s.last_error.unwrap_or_default().contains("non-public"), "refused by address");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no attempt: {s:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(received.lock().unwrap().is_empty(), "nothing reached the receiver");
    stop.cancel();
    dispatcher.await.unwrap();
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_that_failed_after_the_commit_is_sent_later_exactly_once() {
    let (port, received) = receiver(0).await;
    let mut env = TestEnv::new(Stack::Production).await;
    env.set("UPLOADD_WEBHOOKS__SECRET", SECRET);
    env.set("UPLOADD_WEBHOOKS__ALLOWED_HOSTS", &format!("127.0.0.1:{port}"));
    env.set("UPLOADD_WEBHOOKS__ALLOW_HTTP", "true");
    env.set("UPLOADD_WEBHOOKS__ALLOW_PRIVATE_NETWORKS", "true");
    let app = env.app().await;
    let ns = app.cfg.queue.namespace.clone();
    let path = env.file("a.jpg", &samples::photo_jpeg(300, 200, 1));
    let opts = uploadd::producer::EnqueueOptions {
        callback_url: Some(format!("http://127.0.0.1:{port}/hook")),
        ..Default::default()
    };
    let id = uploadd::producer::enqueue_file(&app, &path, "default", opts).await.unwrap().to_string();
    // The first announcement fails recording the webhook, the second publishing the event;
    // the outbox keeps at it until both went out.
    require_failpoints();
    let daemon = spawn_logged_daemon(&env, &[("UPLOADD_FAILPOINTS", "announce-webhook=fail(1);announce=fail(1)")]);
    assert_eq!(wait_terminal(&app, &id, Duration::from_secs(60)).await.status, Status::Ready);
    let client = redis::Client::open(services().redis()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let start = std::time::Instant::now();
    loop {
        let len: u64 = redis::cmd("XLEN").arg(format!("{ns}:events")).query_async(&mut conn).await.unwrap();
        let hook = app.db.webhook_status(&id).await.unwrap();
        if len >= 1 && hook.as_ref().is_some_and(|h| h.status == "delivered") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(90), "not announced: events {len}, webhook {hook:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give a duplicate the chance to show up, then count.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let len: u64 = redis::cmd("XLEN").arg(format!("{ns}:events")).query_async(&mut conn).await.unwrap();
    assert_eq!(len, 1, "one event for one outcome");
    assert_eq!(received.lock().unwrap().len(), 1, "one webhook for one outcome");
    assert!(sigterm(daemon).success());
}
