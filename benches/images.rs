//! uploadd's image stage on a photo corpus: `cargo bench --bench images -- --manifest M
//! --out DIR [--rounds 5] [--workers 1] [--json] [--placeholders]`. Each image goes through
//! exactly what the pipeline runs (`media::probe_file` then `media::render_file` with the default
//! profile's variants; HEIC/AVIF through the `uploadd heif-decode` child — `UPLOADD_BIN` or
//! `target/release/uploadd` — then `media::render_raster`); `--placeholders` adds the
//! placeholders stage (from the smallest output) and reports its share;
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
    placeholders: bool,
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
        placeholders: false,
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
            "--placeholders" => a.placeholders = true,
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

/// The uploadd binary that runs `heif-decode`.
fn uploadd_bin() -> PathBuf {
    std::env::var_os("UPLOADD_BIN").map_or_else(|| PathBuf::from("target/release/uploadd"), PathBuf::from)
}

/// What the pipeline's HEIF path does: the child decodes into a raw file, read back here.
fn render_heif(item: &Item, info: &media::ImageInfo, recipe: &media::Recipe) -> Vec<media::Rendered> {
    let raw =
        std::env::temp_dir().join(format!("uploadd-bench-{}-{}.raw", std::process::id(), item.file.replace('/', "_")));
    let st = std::process::Command::new(uploadd_bin())
        .args(["heif-decode", "--max-pixels", &recipe.max_pixels.to_string(), "--threads", "1"])
        .arg(&item.path)
        .arg(&raw)
        .status()
        .expect("run uploadd heif-decode (build it: cargo build --release)");
    assert!(st.success(), "heif-decode failed on {}", item.file);
    let raster = media::heif::read_decoded(&raw, info).expect("decoded image");
    let _ = std::fs::remove_file(&raw);
    media::render_raster(raster, info, recipe).expect("render")
}

/// (render ms, placeholders ms)
fn process(item: &Item, profile: &Profile, out: Option<&Path>, in_memory: bool, placeholders: bool) -> (f64, f64) {
    let t = Instant::now();
    let recipe = media::Recipe::images(profile);
    let rendered = if item.format.is_heif() {
        let info = media::probe_file(&item.path, item.format, profile.max_pixels).expect("probe");
        render_heif(item, &info, &recipe)
    } else if in_memory {
        let data = std::fs::read(&item.path).expect("read image");
        let info = media::probe(&data, item.format, profile.max_pixels).expect("probe");
        media::render(&data, &info, &recipe).expect("render")
    } else {
        // As the pipeline does: header facts from a bounded read, then the file for rendering.
        let info = media::probe_file(&item.path, item.format, profile.max_pixels).expect("probe");
        media::render_file(&item.path, &info, &recipe).expect("render")
    };
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    // The placeholders stage: from the smallest output, as `pipeline/placeholders.rs` does.
    let mut placeholder_ms = 0.0;
    if placeholders && let Some(small) = rendered.iter().min_by_key(|r| u64::from(r.width) * u64::from(r.height)) {
        let t = Instant::now();
        media::placeholder::compute(&small.data, small.format, recipe.background).expect("placeholders");
        placeholder_ms = t.elapsed().as_secs_f64() * 1000.0;
    }
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
    (ms, placeholder_ms)
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
                "heic" => ImageFormat::Heic,
                "avif" => ImageFormat::Avif,
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
    let mut placeholder_totals = Vec::new();
    let mut per_image: Vec<Vec<f64>> = vec![Vec::new(); items.len()];
    for round in 0..a.rounds {
        let out = if round == 0 { a.out.clone() } else { None };
        let next = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let handles: Vec<_> = (0..a.workers)
            .map(|_| {
                let (items, profile, next, out) = (items.clone(), profile.clone(), next.clone(), out.clone());
                let (in_memory, placeholders) = (a.in_memory, a.placeholders);
                std::thread::spawn(move || {
                    let mut times = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        times.push((i, process(item, &profile, out.as_deref(), in_memory, placeholders)));
                    }
                    times
                })
            })
            .collect();
        let mut placeholder_ms = 0.0;
        for h in handles {
            for (i, (ms, p)) in h.join().expect("worker thread") {
                per_image[i].push(ms + p);
                placeholder_ms += p;
            }
        }
        totals.push(start.elapsed().as_secs_f64());
        placeholder_totals.push(placeholder_ms / 1000.0);
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
        "placeholders_s_median": if a.placeholders { serde_json::json!(median(&mut placeholder_totals.clone())) } else { serde_json::Value::Null },
        "placeholders_share": if a.placeholders { serde_json::json!(median(&mut placeholder_totals.clone()) / total) } else { serde_json::Value::Null },
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
