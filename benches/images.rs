//! uploadd's image stage on a photo corpus: `cargo bench --bench images -- --manifest M
//! --out DIR [--rounds 5] [--workers 1] [--json]`. Each image goes through exactly what the
//! pipeline runs (`media::probe` then `media::render_file` with the default profile's variants);
//! images/s = images / median round time. Outputs of the first round are written to
//! `DIR/<stem>/` for the quality comparison (`bench/compare.py`). Not part of CI.
//! `--seed` flattens every output (the seed's semantics), `--webp-method N` overrides libwebp's
//! method, `--only SUBSTR` picks images, `--in-memory` renders from the bytes (TurboJPEG, whole
//! image) instead of streaming JPEG rows from the file, to compare the two paths.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use uploadd::config::Profile;
use uploadd::media::{self, ImageFormat};

struct Args {
    manifest: PathBuf,
    out: Option<PathBuf>,
    rounds: usize,
    workers: usize,
    json: bool,
    only: Option<String>,
    webp_method: Option<u8>,
    seed: bool,
    /// Decode from memory (TurboJPEG, whole image) instead of streaming rows from the file.
    in_memory: bool,
}

fn args() -> Args {
    let mut a = Args {
        manifest: PathBuf::new(),
        out: None,
        rounds: 5,
        workers: 1,
        json: false,
        only: None,
        webp_method: None,
        seed: false,
        in_memory: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        match k.as_str() {
            "--manifest" => a.manifest = it.next().map(PathBuf::from).unwrap_or_default(),
            "--out" => a.out = it.next().map(PathBuf::from),
            "--rounds" => a.rounds = it.next().and_then(|v| v.parse().ok()).unwrap_or(5),
            "--workers" => a.workers = it.next().and_then(|v| v.parse().ok()).unwrap_or(1),
            "--only" => a.only = it.next(),
            "--webp-method" => a.webp_method = it.next().and_then(|v| v.parse().ok()),
            // The seed's semantics: every output flattened to RGB (the default profile keeps
            // alpha in WebP, which costs more on translucent images).
            "--seed" => a.seed = true,
            "--json" => a.json = true,
            "--in-memory" => a.in_memory = true,
            _ => {} // cargo bench passes --bench
        }
    }
    if a.manifest.as_os_str().is_empty() {
        eprintln!(
            "usage: cargo bench --bench images -- --manifest corpus/manifest.json [--out DIR] [--rounds 5] [--workers 1] [--json] [--seed] [--webp-method N] [--only SUBSTR] [--in-memory]"
        );
        std::process::exit(2);
    }
    a
}

fn peak_rss_kib() -> i64 {
    // SAFETY: getrusage fills a plain struct.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    u.ru_maxrss
}

struct Item {
    file: String,
    path: PathBuf,
    format: ImageFormat,
}

fn process(item: &Item, profile: &Profile, out: Option<&Path>, in_memory: bool) -> f64 {
    let t = Instant::now();
    // As the pipeline does: the bytes for the header, then the file for rendering.
    let data = std::fs::read(&item.path).expect("read image");
    let info = media::probe(&data, item.format, profile.max_pixels).expect("probe");
    let recipe = media::Recipe::images(profile);
    let rendered = if in_memory {
        media::render(&data, &info, &recipe)
    } else {
        drop(data);
        media::render_file(&item.path, &info, &recipe)
    }
    .expect("render");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if let Some(dir) = out {
        let stem = Path::new(&item.file).file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        let d = dir.join(stem);
        std::fs::create_dir_all(&d).expect("out dir");
        for r in rendered {
            let name = match r.name.as_str() {
                "webp" => "webp.webp".to_owned(),
                n => format!("{n}.{}", r.format.extension()),
            };
            std::fs::write(d.join(name), &r.data).expect("write output");
        }
    }
    ms
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let a = args();
    let base = a.manifest.parent().unwrap_or(Path::new(".")).to_owned();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&a.manifest).expect("manifest")).expect("json");
    let items: Vec<Item> = manifest
        .as_array()
        .expect("manifest is a list")
        .iter()
        .filter_map(|m| {
            let file = m["file"].as_str()?.to_owned();
            if a.only.as_deref().is_some_and(|o| !file.contains(o)) {
                return None;
            }
            let format = match m["format"].as_str()? {
                "jpeg" => ImageFormat::Jpeg,
                "png" => ImageFormat::Png,
                "webp" => ImageFormat::Webp,
                "gif" => ImageFormat::Gif,
                _ => return None,
            };
            Some(Item { path: base.join(&file), file, format })
        })
        .collect();
    let mut profile = Profile::default();
    for v in &mut profile.variants {
        if let Some(m) = a.webp_method {
            v.webp_method = m;
        }
        v.flatten |= a.seed;
    }
    let profile = Arc::new(profile);
    let items = Arc::new(items);
    let mut totals = Vec::new();
    let mut per_image: Vec<Vec<f64>> = vec![Vec::new(); items.len()];
    for round in 0..a.rounds {
        let out = if round == 0 { a.out.clone() } else { None };
        let next = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let handles: Vec<_> = (0..a.workers)
            .map(|_| {
                let (items, profile, next, out) = (items.clone(), profile.clone(), next.clone(), out.clone());
                let in_memory = a.in_memory;
                std::thread::spawn(move || {
                    let mut times = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        times.push((i, process(item, &profile, out.as_deref(), in_memory)));
                    }
                    times
                })
            })
            .collect();
        for h in handles {
            for (i, ms) in h.join().expect("worker thread") {
                per_image[i].push(ms);
            }
        }
        totals.push(start.elapsed().as_secs_f64());
    }
    let total = median(&mut totals.clone());
    let ips = items.len() as f64 / total;
    let per: serde_json::Map<String, serde_json::Value> =
        items.iter().zip(per_image.iter_mut()).map(|(it, v)| (it.file.clone(), serde_json::json!(median(v)))).collect();
    let result = serde_json::json!({
        "impl": "uploadd",
        "workers": a.workers,
        "profile": if a.seed { "seed (all outputs flattened)" } else { "default" },
        "webp_method": profile.variants.iter().find(|v| v.name == "webp").map(|v| v.webp_method),
        "images": items.len(),
        "rounds": a.rounds,
        "median_total_s": total,
        "images_per_sec": ips,
        "per_image_ms": per,
        "peak_rss_kib": peak_rss_kib(),
    });
    if a.json {
        println!("{result}");
    } else {
        println!(
            "uploadd image stage: {} images, {} worker(s): {ips:.2} images/s (median of {} rounds: {total:.2}s)",
            items.len(),
            a.workers,
            a.rounds
        );
    }
}
