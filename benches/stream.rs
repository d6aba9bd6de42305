//! A 2 GB upload through uploadd's streaming paths — store it under incoming/ (multipart),
//! fetch it to a temp file (hashing, size-limited), scan it with clamd (INSTREAM), store it
//! again (multipart) — while sampling the process's RSS. `cargo bench --bench stream --
//! [--mb 2048]`. Needs `scripts/services.sh start` (Garage, clamd). Not CI.

#[path = "common.rs"]
mod common;

use std::io::Write;
use std::time::Instant;

use uploadd::config::Config;
use uploadd::storage::PutOptions;

#[tokio::main]
async fn main() {
    let mb: u64 = std::env::args().skip_while(|a| a != "--mb").nth(1).and_then(|v| v.parse().ok()).unwrap_or(2048);
    let s = common::services();
    let dir = tempfile::tempdir_in(std::env::var("BENCH_TMP").unwrap_or_else(|_| "/var/tmp".into())).expect("tempdir");
    let big = dir.path().join("upload.bin");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).expect("create"));
        let mut rng = fastrand::Rng::with_seed(7);
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..mb {
            rng.fill(&mut block);
            f.write_all(&block).expect("write");
        }
    }
    let prefix = format!("streambench-{}/", std::process::id());
    let env: Vec<(String, String)> = vec![
        ("UPLOADD_SCAN__MODE", "required".to_owned()),
        ("UPLOADD_SCAN__CLAMD", s["UPLOADD_TEST_CLAMD"].clone()),
        ("UPLOADD_SCAN__MAX_BYTES", "4000MiB".to_owned()),
        ("UPLOADD_SCAN__TIMEOUT", "30m".to_owned()),
        ("UPLOADD_STORAGE__REQUEST_TIMEOUT", "30m".to_owned()),
        ("UPLOADD_HTTP__LISTEN", String::new()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .chain(common::s3_env(&s, &prefix))
    .collect();
    let cfg = Config::load_with_env(None, Some(dir.path()), &env).expect("config");
    let app = uploadd::app::App::open(cfg).await.expect("app");
    let scanner = app.scanner.clone().expect("scanner");
    let opts = PutOptions { content_type: "application/octet-stream", cache_control: None, sha256: None };
    let (base, _) = common::rss_kib();
    let sampler = common::RssSampler::start();
    let key = format!("{prefix}incoming/big");
    let t = Instant::now();
    app.storage.put_file(&key, &big, opts).await.expect("put incoming");
    let put1 = t.elapsed().as_secs_f64();
    let fetched = dir.path().join("fetched");
    let t = Instant::now();
    let f = app.storage.fetch_to_file(&key, &fetched, u64::MAX).await.expect("fetch");
    let fetch = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let verdict = scanner.scan_file(&fetched, f.bytes).await.expect("scan");
    let scan = t.elapsed().as_secs_f64();
    let t = Instant::now();
    app.storage.put_file(&format!("{prefix}uploads/big/original.bin"), &fetched, opts).await.expect("put output");
    let put2 = t.elapsed().as_secs_f64();
    let max = sampler.finish();
    let (_, hwm) = common::rss_kib();
    for k in [key.clone(), format!("{prefix}uploads/big/original.bin")] {
        let _ = app.storage.delete(&k).await;
    }
    let mbs = |secs: f64| mb as f64 / secs;
    println!(
        "{}",
        serde_json::json!({
            "bytes": f.bytes, "verdict": format!("{verdict:?}"),
            "store_incoming_s": put1, "store_incoming_mb_s": mbs(put1),
            "fetch_s": fetch, "fetch_mb_s": mbs(fetch),
            "scan_s": scan, "scan_mb_s": mbs(scan),
            "store_output_s": put2, "store_output_mb_s": mbs(put2),
            "rss_before_kib": base, "rss_max_during_kib": max, "rss_peak_kib": hwm,
        })
    );
}
