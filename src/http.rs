//! The operations listener (default `127.0.0.1:9187`; nothing else is served on it):
//! `/metrics` (Prometheus text format), `/healthz` (alive and not wedged) and `/readyz` (every
//! dependency reachable), the latter two with a small JSON body naming each check.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::health::Health;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
}

/// Connections served at once. Prometheus, a load balancer's health check and an operator's
/// curl need a handful; the rest of the daemon's file descriptors stay for jobs.
pub const MAX_CONNECTIONS: usize = 64;

/// Serves until `stop`. Binding errors are returned at once (a taken port is a config error).
pub async fn serve(
    app: Arc<App>,
    addr: &str,
    stop: CancellationToken,
) -> Result<tokio::task::JoinHandle<()>, HttpError> {
    let sock: SocketAddr = addr
        .parse()
        .map_err(|_| HttpError::Bind { addr: addr.to_owned(), source: std::io::Error::other("not host:port") })?;
    let listener = TcpListener::bind(sock).await.map_err(|source| HttpError::Bind { addr: addr.to_owned(), source })?;
    tracing::info!(addr = %sock, "Serving /metrics, /healthz and /readyz.");
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    Ok(tokio::spawn(async move {
        let mut refusing = false;
        loop {
            let (stream, _) = tokio::select! {
                _ = stop.cancelled() => return,
                r = listener.accept() => match r {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(error = %e, "Accepting a metrics connection failed.");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            // Connections beyond the cap are closed at once: a flood of them must not take the
            // file descriptors that jobs need (sources, temp files, database and queue sockets).
            let Ok(slot) = slots.clone().try_acquire_owned() else {
                if !refusing {
                    tracing::warn!(
                        limit = MAX_CONNECTIONS,
                        "Too many open connections to the operations listener; closing new ones until some end."
                    );
                    refusing = true;
                }
                drop(stream);
                continue;
            };
            refusing = false;
            let app = app.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let svc = hyper::service::service_fn(move |req| {
                    let app = app.clone();
                    async move { Ok::<_, std::convert::Infallible>(route(&app, req).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(TokioIo::new(stream), svc);
                let _ = tokio::time::timeout(Duration::from_secs(60), conn).await;
            });
        }
    }))
}

fn response(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

async fn route(app: &App, req: Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return response(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n".into());
    }
    match req.uri().path() {
        "/metrics" => response(StatusCode::OK, "text/plain; version=0.0.4; charset=utf-8", app.metrics.render()),
        "/healthz" => match app.health.problem(Health::stall_limit(&app.cfg.queue)) {
            None => response(
                StatusCode::OK,
                "application/json",
                json!({"status": "ok", "checks": {"worker": "ok"}}).to_string(),
            ),
            Some(p) => response(
                StatusCode::SERVICE_UNAVAILABLE,
                "application/json",
                json!({"status": "unhealthy", "checks": {"worker": p}}).to_string(),
            ),
        },
        "/readyz" => {
            let (ok, checks) = readiness(app).await;
            let body = json!({"status": if ok { "ready" } else { "not ready" }, "checks": checks}).to_string();
            response(if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, "application/json", body)
        }
        _ => response(StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
    }
}

/// Checks every dependency (in parallel, 3 s each) and updates `uploadd_dependency_up`.
pub async fn readiness(app: &App) -> (bool, serde_json::Map<String, serde_json::Value>) {
    let t = Duration::from_secs(3);
    let queue = check(t, app.queue.health_check());
    let db = check(t, app.db.health_check());
    let storage = check(t, app.storage.health_check());
    let clamd = async {
        match &app.scanner {
            None => None,
            Some(s) => Some(check(t, s.ping()).await.and_then(|()| s.trusted().map_err(|e| e.to_string()))),
        }
    };
    let (q, d, s, c) = tokio::join!(queue, db, storage, clamd);
    let mut checks = serde_json::Map::new();
    let mut ok = true;
    let mut record = |name: &str, r: Result<(), String>| {
        app.metrics.ready.with_label_values(&[name]).set(i64::from(r.is_ok()));
        ok &= r.is_ok();
        checks.insert(name.into(), json!(r.err().unwrap_or_else(|| "ok".into())));
    };
    record("queue", q);
    record("database", d);
    record("storage", s);
    if let Some(c) = c {
        record("clamd", c);
    }
    // A dependency the worker found down stays "not ready" until its breaker closes.
    for b in app.breakers.open() {
        ok = false;
        checks.insert(
            format!("circuit:{}", b.dependency.as_str()),
            json!(format!("open for {}s: {}", b.open_for.as_secs(), b.last_error)),
        );
    }
    (ok, checks)
}

async fn check<E: std::fmt::Display>(t: Duration, f: impl Future<Output = Result<(), E>>) -> Result<(), String> {
    match tokio::time::timeout(t, f).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {}s", t.as_secs())),
    }
}
