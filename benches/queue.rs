//! Queue overhead with no-op jobs through uploadd's real worker runtime and Redis queue:
//! `cargo bench --bench queue -- --redis URL [--jobs 20000] [--backlog 50000] [--tenants N]
//! [--fairness] [--json]`.
//! Prints the same keys as `bench/celery_bench.py` so the two compare side by side. Not CI.
//! `--tenants N`: every job carries a tenant (of N, round-robin) and a priority (1 in 10 high,
//! 1 in 10 low), so the figures include the fairness scheduling; the backlog phase then uses
//! one tenant per job (`backlog` tenants). `--fairness`: tenant A's `backlog` jobs are queued
//! first, then tenant B's one job; prints how many of A's jobs started before B's (c=16).
//! `--daemons 1,2,4`: for each N, `backlog` no-op jobs drained by N workers with 16 slots each,
//! each with its own App (its own Redis connections, worker id and data dir), as N daemons on
//! one Redis would be; in this one process, so not pinned to cores.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use uploadd::app::App;
use uploadd::config::Config;
use uploadd::db::Status;
use uploadd::pipeline::JobOutcome;
use uploadd::worker::Handler;

fn arg(name: &str) -> Option<String> {
    let mut it = std::env::args();
    while let Some(a) = it.next() {
        if a == name {
            return it.next();
        }
    }
    None
}

fn now_us() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// Handler start times (µs) and the latency of each job (µs from enqueue).
#[derive(Default)]
struct Record {
    starts: Vec<u64>,
    latencies: Vec<u64>,
    /// Task ids in the order their handlers started (`--fairness`).
    order: Vec<String>,
}

/// What a bench job carries: its enqueue time, and (with `--tenants`) a tenant and priority.
fn payload(i: usize, tenants: usize) -> String {
    if tenants == 0 {
        return now_us().to_string();
    }
    let priority = match i % 10 {
        0 => "high",
        1 => "low",
        _ => "normal",
    };
    serde_json::json!({"sent": now_us(), "tenant": format!("t{}", i % tenants), "priority": priority}).to_string()
}

fn sent_at(payload: &str) -> Option<u64> {
    payload.parse().ok().or_else(|| serde_json::from_str::<serde_json::Value>(payload).ok()?.get("sent")?.as_u64())
}

async fn app(redis: &str, ns: &str, dir: &std::path::Path, concurrency: usize) -> Arc<App> {
    let env: Vec<(String, String)> = vec![
        ("UPLOADD_QUEUE__URL".into(), redis.into()),
        ("UPLOADD_QUEUE__NAMESPACE".into(), ns.into()),
        ("UPLOADD_QUEUE__MAX_DONE".into(), "1000".into()),
        ("UPLOADD_WORKER__CONCURRENCY".into(), concurrency.to_string()),
        ("UPLOADD_HTTP__LISTEN".into(), String::new()),
    ];
    App::open(Config::load_with_env(None, Some(dir), &env).expect("config")).await.expect("app")
}

fn noop(record: Arc<Mutex<Record>>) -> Handler {
    Arc::new(move |_app, d| {
        let record = record.clone();
        Box::pin(async move {
            let now = now_us();
            let sent = sent_at(&d.payload).unwrap_or(now);
            let mut r = record.lock().unwrap_or_else(|e| e.into_inner());
            r.starts.push(now);
            r.order.push(d.task_id.clone());
            r.latencies.push(now.saturating_sub(sent));
            JobOutcome::Finished { upload_id: uuid::Uuid::nil(), status: Status::Ready }
        })
    })
}

/// Starts a no-op worker on `app`; cancel the token and await the handle to stop it.
fn spawn_worker(
    app: &Arc<App>,
    record: &Arc<Mutex<Record>>,
) -> (CancellationToken, tokio::task::JoinHandle<Result<uploadd::worker::WorkerExit, uploadd::worker::WorkerError>>) {
    let stop = CancellationToken::new();
    let worker = tokio::spawn(uploadd::worker::run_with(
        app.clone(),
        uploadd::worker::worker_name(),
        stop.clone(),
        noop(record.clone()),
    ));
    (stop, worker)
}

/// Processes everything already queued with `concurrency` slots; returns jobs/s.
async fn drain(app: &Arc<App>, n: usize, record: &Arc<Mutex<Record>>) -> f64 {
    record.lock().unwrap_or_else(|e| e.into_inner()).starts.clear();
    let (stop, worker) = spawn_worker(app, record);
    let start = Instant::now();
    loop {
        let done = record.lock().unwrap_or_else(|e| e.into_inner()).starts.len();
        if done >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    // Wait for the last settlements before measuring the next phase.
    loop {
        let s = app.queue.stats().await.expect("stats");
        if s.pending + s.running == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.cancel();
    let _ = worker.await;
    n as f64 / elapsed
}

async fn push_n(app: &Arc<App>, n: usize, tenants: usize) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        app.queue.push(&uuid::Uuid::new_v4().to_string(), &payload(i, tenants), "").await.expect("push");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Tenant A's `backlog` jobs, then tenant B's one: how many of A's started before B's.
async fn fairness(app: &Arc<App>, backlog: usize, record: &Arc<Mutex<Record>>) -> usize {
    for _ in 0..backlog {
        let p = serde_json::json!({"sent": now_us(), "tenant": "a"}).to_string();
        app.queue.push(&uuid::Uuid::new_v4().to_string(), &p, "").await.expect("push");
    }
    let b = uuid::Uuid::new_v4().to_string();
    app.queue.push(&b, &serde_json::json!({"sent": now_us(), "tenant": "b"}).to_string(), "").await.expect("push");
    record.lock().unwrap_or_else(|e| e.into_inner()).order.clear();
    let (stop, worker) = spawn_worker(app, record);
    loop {
        if record.lock().unwrap_or_else(|e| e.into_inner()).order.contains(&b) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    stop.cancel();
    let _ = worker.await;
    let order = record.lock().unwrap_or_else(|e| e.into_inner()).order.clone();
    order.iter().position(|id| *id == b).unwrap_or(order.len())
}

fn pct(v: &mut [u64], p: f64) -> f64 {
    v.sort_unstable();
    v.get(((v.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(0) as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let redis = arg("--redis").unwrap_or_else(|| {
        eprintln!("usage: cargo bench --bench queue -- --redis redis://127.0.0.1:6379 [--jobs 20000] [--backlog 50000] [--json]");
        std::process::exit(2);
    });
    let jobs: usize = arg("--jobs").and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let backlog: usize = arg("--backlog").and_then(|v| v.parse().ok()).unwrap_or(50_000);
    let json = std::env::args().any(|a| a == "--json");
    let tenants: usize = arg("--tenants").and_then(|v| v.parse().ok()).unwrap_or(0);
    let dir = tempfile::tempdir().expect("tempdir");
    let ns = format!("qbench{}", std::process::id());
    let record: Arc<Mutex<Record>> = Arc::default();

    if let Some(list) = arg("--daemons") {
        let mut rows = Vec::new();
        for n in list.split(',').filter_map(|v| v.parse::<usize>().ok()) {
            let dirs: Vec<tempfile::TempDir> = (0..n).map(|_| tempfile::tempdir().expect("tempdir")).collect();
            let mut apps = Vec::new();
            for d in &dirs {
                apps.push(app(&redis, &ns, d.path(), 16).await);
            }
            push_n(&apps[0], backlog, tenants).await;
            record.lock().unwrap_or_else(|e| e.into_inner()).starts.clear();
            let start = Instant::now();
            let workers: Vec<_> = apps.iter().map(|a| spawn_worker(a, &record)).collect();
            while record.lock().unwrap_or_else(|e| e.into_inner()).starts.len() < backlog {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let rate = backlog as f64 / start.elapsed().as_secs_f64();
            for (stop, worker) in workers {
                stop.cancel();
                let _ = worker.await;
            }
            rows.push(serde_json::json!({"daemons": n, "jobs": backlog, "process_per_sec": rate}));
        }
        cleanup(&redis, &ns).await;
        println!("{}", serde_json::json!({"impl": "uploadd", "slots_per_daemon": 16, "scaling": rows}));
        return;
    }
    if std::env::args().any(|a| a == "--fairness") {
        let a16 = app(&redis, &ns, dir.path(), 16).await;
        let before = fairness(&a16, backlog, &record).await;
        cleanup(&redis, &ns).await;
        let result = serde_json::json!({"impl": "uploadd", "concurrency": 16, "backlog_a": backlog, "a_jobs_started_before_b": before});
        println!("{result}");
        return;
    }
    let a1 = app(&redis, &ns, dir.path(), 1).await;
    let enqueue_per_sec = push_n(&a1, jobs, tenants).await;
    let c1 = drain(&a1, jobs, &record).await;
    let a16 = app(&redis, &ns, dir.path(), 16).await;
    push_n(&a16, jobs, tenants).await;
    let c16 = drain(&a16, jobs, &record).await;

    // Latency at idle: one job at a time into a waiting worker.
    let lat_n = 500;
    record.lock().unwrap_or_else(|e| e.into_inner()).latencies.clear();
    let (stop, worker) = spawn_worker(&a16, &record);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..lat_n {
        a16.queue.push(&uuid::Uuid::new_v4().to_string(), &payload(0, tenants), "").await.expect("push");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    while record.lock().unwrap_or_else(|e| e.into_inner()).latencies.len() < lat_n {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.cancel();
    let _ = worker.await;
    let mut lats = record.lock().unwrap_or_else(|e| e.into_inner()).latencies.clone();
    let (p50, p99) = (pct(&mut lats, 0.5), pct(&mut lats, 0.99));

    // A 50,000-job backlog, then the worker starts.
    push_n(&a16, backlog, if tenants > 0 { backlog } else { 0 }).await;
    let backlog_rate = drain(&a16, backlog, &record).await;

    let result = serde_json::json!({
        "impl": "uploadd",
        "jobs": jobs,
        "tenants": tenants,
        "enqueue_per_sec": enqueue_per_sec,
        "process_per_sec_c1": c1,
        "process_per_sec_c16": c16,
        "latency_ms_p50": p50,
        "latency_ms_p99": p99,
        "backlog_jobs": backlog,
        "backlog_process_per_sec": backlog_rate,
    });
    cleanup(&redis, &ns).await;
    if json {
        println!("{result}");
    } else {
        println!("{}", serde_json::to_string_pretty(&result).unwrap_or_default());
    }
}

/// Deletes the bench's namespace.
async fn cleanup(redis: &str, ns: &str) {
    if let Ok(client) = redis::Client::open(redis)
        && let Ok(mut c) = client.get_multiplexed_async_connection().await
    {
        let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{ns}:*")).query_async(&mut c).await.unwrap_or_default();
        for k in keys {
            let _: Result<(), _> = redis::cmd("DEL").arg(k).query_async(&mut c).await;
        }
    }
}
