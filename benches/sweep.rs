//! The orphans sweep at scale: `cargo bench --bench sweep -- [--objects 100000] [--orphans 1000]`
//! puts N small objects on the test S3 server (Garage) with rows for all but ~1 % of them in
//! PostgreSQL, then runs `uploadd sweep orphans --json` as a child process and reports its
//! time and peak RSS (wait4). Needs `scripts/services.sh start`. Not CI.

#[path = "common.rs"]
mod common;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sqlx::Connection;

fn arg(name: &str, default: usize) -> usize {
    std::env::args().skip_while(|a| a != name).nth(1).and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
#[allow(clippy::zombie_processes)] // the child is reaped with wait4 (for its rusage)
async fn main() {
    let objects = arg("--objects", 100_000);
    let orphans = arg("--orphans", objects / 100);
    let s = common::services();
    let run = format!("sweepbench{}", std::process::id());
    let prefix = format!("{run}/");
    // A fresh database with the schema.
    let admin = s["UPLOADD_TEST_POSTGRES_URL"].clone();
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("postgres");
    sqlx::query(&format!("CREATE DATABASE {run}")).execute(&mut conn).await.expect("create db");
    let db_url = format!("{}/{run}", admin.rsplit_once('/').map(|x| x.0).unwrap_or(&admin));
    let dir = tempfile::tempdir().expect("tempdir");
    let vars: Vec<(String, String)> = vec![
        ("UPLOADD_DATABASE__URL", db_url.clone()),
        ("UPLOADD_SWEEP__ORPHANS_GRACE", "0s".into()),
        ("UPLOADD_SWEEP__MAX_DELETIONS", (orphans * 2).to_string()),
        ("UPLOADD_HTTP__LISTEN", String::new()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .chain(common::s3_env(&s, &prefix))
    .collect();
    let cfg = uploadd::config::Config::load_with_env(None, Some(dir.path()), &vars).expect("config");
    let app = uploadd::app::App::open(cfg).await.expect("app");
    // Objects: three outputs per upload; the last `orphans` objects have no row.
    let keys: Vec<String> = (0..objects).map(|i| format!("{prefix}uploads/u{:07}/v{}.jpg", i / 3, i % 3)).collect();
    let body = dir.path().join("body");
    std::fs::write(&body, b"x").expect("body");
    let t = Instant::now();
    let opts = uploadd::storage::PutOptions { content_type: "image/jpeg", cache_control: None, sha256: None };
    futures_util::stream::iter(keys.iter())
        .for_each_concurrent(64, |k| {
            let (app, body) = (&app, &body);
            async move {
                app.storage.put_file(k, body, opts).await.expect("put");
            }
        })
        .await;
    eprintln!("put {objects} objects in {:.0}s", t.elapsed().as_secs_f64());
    let referenced = objects - orphans;
    let mut db = sqlx::PgConnection::connect(&db_url).await.expect("db");
    for chunk in keys[..referenced].chunks(3000) {
        let mut uploads =
            String::from("INSERT INTO uploads (id, profile, status, source_key, created_at, updated_at) VALUES ");
        let mut outputs = String::from(
            "INSERT INTO upload_outputs (upload_id, variant, object_key, content_type, bytes, sha256) VALUES ",
        );
        let mut seen = std::collections::BTreeSet::new();
        for (n, k) in chunk.iter().enumerate() {
            let id = k.split('/').nth(2).unwrap_or("u");
            if seen.insert(id.to_owned()) {
                if seen.len() > 1 {
                    uploads.push(',');
                }
                uploads.push_str(&format!("('{id}','default','ready','{prefix}incoming/{id}',0,0)"));
            }
            if n > 0 {
                outputs.push(',');
            }
            let variant = k.rsplit('/').next().unwrap_or("v");
            outputs.push_str(&format!("('{id}','{variant}','{k}','image/jpeg',1,'x')"));
        }
        sqlx::raw_sql(&format!("{uploads} ON CONFLICT DO NOTHING")).execute(&mut db).await.expect("uploads");
        sqlx::raw_sql(&outputs).execute(&mut db).await.expect("outputs");
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // The sweep itself, in its own process so its peak RSS is its own.
    let bin = std::env::var("UPLOADD_BIN").unwrap_or_else(|_| "target/release/uploadd".into());
    let mut cmd = std::process::Command::new(&bin);
    cmd.arg("--data-dir").arg(dir.path()).args(["sweep", "orphans", "--json"]);
    for (k, v) in &vars {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped());
    let t = Instant::now();
    let child = cmd.spawn().expect("spawn uploadd (build it with cargo build --release)");
    let pid = child.id() as i32;
    let mut status = 0;
    // SAFETY: plain struct filled by wait4 for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let stdout = child.stdout;
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut o) = stdout {
            use std::io::Read;
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = t.elapsed().as_secs_f64();
    let report: serde_json::Value = serde_json::from_str(out.join().unwrap_or_default().trim()).unwrap_or_default();
    println!(
        "{}",
        serde_json::json!({
            "objects": objects, "orphans": orphans, "seconds": secs, "peak_rss_kib": usage.ru_maxrss,
            "examined": report["examined"], "removed": report["removed"], "kept": report["kept"], "outcome": report["outcome"],
        })
    );
    // Clean up.
    let mut token = None;
    loop {
        let page = app.storage.list_page(&prefix, token, 1000).await.expect("list");
        for o in &page.objects {
            let _ = app.storage.delete(&o.key).await;
        }
        match page.next {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    drop(db);
    let _ = sqlx::query(&format!("DROP DATABASE {run}")).execute(&mut conn).await;
}
