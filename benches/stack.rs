//! Image jobs end to end through a real worker: `cargo bench --bench stack -- --manifest M
//! --env FILE [--stack production|embedded] [--rounds 3] [--concurrency 1] [--json]`.
//!
//! Each round enqueues every image of the corpus manifest (the producer uploads it; not timed),
//! then starts one in-process worker (`worker.concurrency` = `--concurrency`) and times it from
//! start until the queue is empty. Per job that is everything the daemon does for an upload:
//! queue fetch and settle, the store download, magic-byte validation, the image stage, the
//! placeholders, the uploads of the outputs, the database rows. `bench/stack.sh` runs it next to
//! `--bench images` (the image stage alone, same files) and reports the overhead of the rest.
//!
//! `--stack production`: Redis + PostgreSQL + Garage (S3) from `--env` (the `UPLOADD_TEST_*`
//! file `scripts/services.sh` writes); `embedded`: SQLite + the local directory store. Scanning
//! is off in both (clamd's cost is the scan itself, a stage of its own). Not part of CI.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use uploadd::config::Config;
use uploadd::producer::{EnqueueOptions, enqueue_file};

fn arg(name: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != name).nth(1)
}

/// `KEY=value` lines of the services' env file.
fn services(path: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("--env {path}: {e}"));
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

fn get(env: &[(String, String)], key: &str) -> String {
    env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("{key} missing from --env"))
}

/// A configuration for one round: its own data dir, and (production) its own Redis namespace,
/// PostgreSQL database and S3 prefixes.
async fn config(stack: &str, svc: &[(String, String)], dir: &std::path::Path, concurrency: usize) -> Config {
    let tag = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let mut vars: Vec<(String, String)> = vec![
        ("UPLOADD_HTTP__LISTEN".into(), String::new()),
        ("UPLOADD_LOG__LEVEL".into(), "warn".into()),
        ("UPLOADD_WORKER__CONCURRENCY".into(), concurrency.to_string()),
        ("UPLOADD_QUEUE__POLL_INTERVAL".into(), "50ms".into()),
    ];
    if let Ok(bin) = std::env::var("UPLOADD_BIN") {
        vars.push(("UPLOADD_IMAGES__HEIF_DECODER".into(), bin));
    }
    if stack == "production" {
        use sqlx::Connection;
        let admin = get(svc, "UPLOADD_TEST_POSTGRES_URL");
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE bench_{tag}")).execute(&mut conn).await.expect("create database");
        let db = admin.rsplit_once('/').map(|(base, _)| format!("{base}/bench_{tag}")).expect("postgres url");
        vars.extend([
            ("UPLOADD_QUEUE__URL".into(), get(svc, "UPLOADD_TEST_REDIS_URL")),
            ("UPLOADD_QUEUE__NAMESPACE".into(), format!("bench{tag}")),
            ("UPLOADD_DATABASE__URL".into(), db),
            ("UPLOADD_STORAGE__BACKEND".into(), "s3".into()),
            ("UPLOADD_STORAGE__BUCKET".into(), get(svc, "UPLOADD_TEST_S3_BUCKET")),
            ("UPLOADD_STORAGE__ENDPOINT".into(), get(svc, "UPLOADD_TEST_S3_ENDPOINT")),
            ("UPLOADD_STORAGE__REGION".into(), get(svc, "UPLOADD_TEST_S3_REGION")),
            ("UPLOADD_STORAGE__FORCE_PATH_STYLE".into(), "true".into()),
            ("UPLOADD_STORAGE__ACCESS_KEY_ID".into(), get(svc, "UPLOADD_TEST_S3_ACCESS_KEY_ID")),
            ("UPLOADD_STORAGE__SECRET_ACCESS_KEY".into(), get(svc, "UPLOADD_TEST_S3_SECRET_ACCESS_KEY")),
        ]);
        for (key, part) in
            [("INCOMING", "incoming"), ("OUTPUT", "uploads"), ("QUARANTINE", "quarantine"), ("ORIGINALS", "originals")]
        {
            vars.push((format!("UPLOADD_STORAGE__{key}_PREFIX"), format!("bench-{tag}/{part}/")));
        }
    }
    Config::load_with_env(None, Some(dir), &vars).expect("config")
}

#[tokio::main]
async fn main() {
    let manifest = PathBuf::from(arg("--manifest").expect("--manifest corpus/manifest.json"));
    let stack = arg("--stack").unwrap_or_else(|| "production".into());
    let svc = if stack == "production" {
        services(&arg("--env").expect("--env FILE (scripts/services.sh env)"))
    } else {
        Vec::new()
    };
    let rounds: usize = arg("--rounds").and_then(|v| v.parse().ok()).unwrap_or(3);
    let concurrency: usize = arg("--concurrency").and_then(|v| v.parse().ok()).unwrap_or(1);
    let base = manifest.parent().map(PathBuf::from).unwrap_or_default();
    let entries: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&manifest).expect("read manifest")).expect("manifest JSON");
    let files: Vec<PathBuf> = entries.iter().filter_map(|e| e["file"].as_str()).map(|f| base.join(f)).collect();
    let mut totals = Vec::new();
    let mut stage_ms = Vec::new();
    let mut ready = 0;
    for _ in 0..rounds {
        let dir = tempfile::tempdir().expect("tempdir");
        let app = uploadd::app::App::open(config(&stack, &svc, dir.path(), concurrency).await).await.expect("open app");
        for f in &files {
            enqueue_file(&app, f, "default", EnqueueOptions::default()).await.expect("enqueue");
        }
        let stop = CancellationToken::new();
        let (a, s) = (Arc::clone(&app), stop.clone());
        let start = Instant::now();
        let worker = tokio::spawn(async move { uploadd::worker::run(a, uploadd::worker::worker_name(), s).await });
        loop {
            let q = app.queue.stats().await.expect("queue stats");
            if q.pending + q.running + q.scheduled == 0 {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(3600), "the worker stopped draining: {q:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let total = start.elapsed().as_secs_f64();
        totals.push(total);
        // Where a job's time went, per stage (the rest is the queue and the hand-offs).
        let mut by_stage = serde_json::Map::new();
        let mut staged = 0.0;
        for stage in uploadd::outcome::Stage::ALL {
            let h = app.metrics.stage_duration.with_label_values(&[stage.as_str()]);
            if h.get_sample_count() > 0 {
                staged += h.get_sample_sum();
                by_stage.insert(stage.as_str().into(), (h.get_sample_sum() * 1000.0 / files.len() as f64).into());
            }
        }
        by_stage.insert("outside stages".into(), ((total - staged) * 1000.0 / files.len() as f64).into());
        stage_ms.push((total, by_stage));
        stop.cancel();
        worker.await.expect("worker task").expect("worker");
        let counts = app.db.count_by_status().await.expect("counts");
        ready = counts.get("ready").copied().unwrap_or(0);
        assert_eq!(ready as usize, files.len(), "every image ends ready: {counts:?}");
    }
    totals.sort_by(f64::total_cmp);
    let median = totals[totals.len() / 2];
    let median_stages = stage_ms.iter().find(|(t, _)| *t == median).map(|(_, s)| s.clone()).unwrap_or_default();
    let result = serde_json::json!({
        "stack": stack, "images": files.len(), "ready": ready, "rounds": rounds, "concurrency": concurrency,
        "round_totals_s": totals, "median_total_s": median,
        "images_per_sec": files.len() as f64 / median, "per_job_ms": median * 1000.0 / files.len() as f64,
        "stage_ms_per_job": median_stages,
    });
    if std::env::args().any(|a| a == "--json") {
        println!("{result}");
    } else {
        println!("{}", serde_json::to_string_pretty(&result).unwrap_or_default());
    }
}
