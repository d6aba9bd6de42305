//! Shared by the benchmarks: the services env file and peak-RSS helpers.
#![allow(dead_code)]

use std::collections::HashMap;

/// The env file written by `scripts/services.sh start` (addresses of Redis, S3, clamd…).
pub fn services() -> HashMap<String, String> {
    let path = std::env::var("UPLOADD_TEST_ENV").unwrap_or_else(|_| "/tmp/uploadd-test-services/env".into());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}; run scripts/services.sh start"));
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

/// Current and peak resident set size of this process, KiB.
pub fn rss_kib() -> (u64, u64) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Samples VmRSS every 20 ms until stopped; returns the maximum seen (KiB).
pub struct RssSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<u64>>,
}

impl RssSampler {
    pub fn start() -> RssSampler {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut max = 0;
            while !s.load(std::sync::atomic::Ordering::Relaxed) {
                max = max.max(rss_kib().0);
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            max
        });
        RssSampler { stop, handle: Some(handle) }
    }

    pub fn finish(mut self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.handle.take().and_then(|h| h.join().ok()).unwrap_or(0)
    }
}

/// uploadd settings for the services' S3 bucket with every prefix under `prefix`.
pub fn s3_env(s: &HashMap<String, String>, prefix: &str) -> Vec<(String, String)> {
    [
        ("UPLOADD_STORAGE__BACKEND", "s3".to_owned()),
        ("UPLOADD_STORAGE__BUCKET", s["UPLOADD_TEST_S3_BUCKET"].clone()),
        ("UPLOADD_STORAGE__ENDPOINT", s["UPLOADD_TEST_S3_ENDPOINT"].clone()),
        ("UPLOADD_STORAGE__REGION", s["UPLOADD_TEST_S3_REGION"].clone()),
        ("UPLOADD_STORAGE__FORCE_PATH_STYLE", "true".to_owned()),
        ("UPLOADD_STORAGE__ACCESS_KEY_ID", s["UPLOADD_TEST_S3_ACCESS_KEY_ID"].clone()),
        ("UPLOADD_STORAGE__SECRET_ACCESS_KEY", s["UPLOADD_TEST_S3_SECRET_ACCESS_KEY"].clone()),
        ("UPLOADD_STORAGE__INCOMING_PREFIX", format!("{prefix}incoming/")),
        ("UPLOADD_STORAGE__OUTPUT_PREFIX", format!("{prefix}uploads/")),
        ("UPLOADD_STORAGE__QUARANTINE_PREFIX", format!("{prefix}quarantine/")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
