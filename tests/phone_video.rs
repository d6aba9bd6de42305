//! Videos as phones make them: HEVC 10-bit HLG in MOV (iPhone), HDR10 (PQ) in MP4 (Android),
//! rotation by display matrix, variable frame rate, 4K60 and 120 fps, HDR kept as HEVC Main 10,
//! HEVC and AV1 renditions — and the hostile counterparts (PQ tags on 8-bit content, 1000 fps).
//! Every output is checked with ffprobe; posters against the frame decoded without conversion.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use uploadd::config::{Hdr, Rendition, VideoCodec};
use uploadd::db::Status;

const T: Duration = Duration::from_secs(300);

fn ffmpeg(args: &[&str]) {
    let st = std::process::Command::new(services().get("UPLOADD_TEST_FFMPEG"))
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .status()
        .unwrap();
    assert!(st.success(), "ffmpeg {args:?}");
}

/// A clip of `seconds` at `size`/`rate` with a tone, encoded with `codec_args`.
fn clip(dir: &Path, name: &str, seconds: &str, size: &str, rate: &str, codec_args: &[&str]) -> PathBuf {
    let src = format!("testsrc2=duration={seconds}:size={size}:rate={rate}");
    clip_of(dir, name, &src, seconds, codec_args)
}

/// A clip of the lavfi source `src` with a tone of `seconds`, encoded with `codec_args`.
fn clip_of(dir: &Path, name: &str, src: &str, seconds: &str, codec_args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let tone = format!("sine=frequency=440:duration={seconds}");
    let mut args = vec!["-f", "lavfi", "-i", src, "-f", "lavfi", "-i", &tone];
    args.extend_from_slice(codec_args);
    args.extend(["-c:a", "aac", "-shortest"]);
    let out_s = out.display().to_string();
    args.push(&out_s);
    ffmpeg(&args);
    out
}

const HEVC10: &[&str] = &["-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1"];

fn hdr_clip(dir: &Path, name: &str, transfer: &str) -> PathBuf {
    let params = format!("log-level=error:colorprim=bt2020:transfer={transfer}:colormatrix=bt2020nc");
    let mut args = HEVC10.to_vec();
    args.extend([
        "-x265-params",
        &params,
        "-color_primaries",
        "bt2020",
        "-color_trc",
        transfer,
        "-colorspace",
        "bt2020nc",
    ]);
    // Smooth colour gradients: saturated colours everywhere (much of it outside BT.709's gamut),
    // no sharp edges, so a comparison of whole frames measures colour, not chroma siting. Made
    // by an expression, not lavfi's `gradients` (random colours on every run, seed or not).
    let src = "nullsrc=s=320x180:r=30:d=2,format=gbrp,\
               geq=r='128+100*sin(2*PI*(X/W+T/4))':g='128+100*sin(2*PI*(Y/H+X/(2*W)+0.33))':\
               b='128+100*sin(2*PI*((X+Y)/(W+H)-T/4+0.66))',scale=1280:720";
    clip_of(dir, name, src, "2", &args)
}

fn probe(path: &Path) -> serde_json::Value {
    let out = std::process::Command::new(services().get("UPLOADD_TEST_FFPROBE"))
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn video_stream(p: &serde_json::Value) -> &serde_json::Value {
    p["streams"].as_array().unwrap().iter().find(|s| s["codec_type"] == "video").expect("a video stream")
}

fn rate(s: &serde_json::Value) -> f64 {
    let r = s["avg_frame_rate"].as_str().unwrap();
    let (a, b) = r.split_once('/').unwrap();
    a.parse::<f64>().unwrap() / b.parse::<f64>().unwrap()
}

fn duration(p: &serde_json::Value) -> f64 {
    p["format"]["duration"].as_str().unwrap().parse().unwrap()
}

/// Mean absolute difference of two same-size RGB images.
/// The mean difference of the two pictures at 1/8 of their size: systematic colour errors
/// stay, the noise at sharp edges (chroma subsampling, compression) averages out.
fn colour_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    let small = |i: &image::RgbImage| image::imageops::thumbnail(i, i.width() / 8, i.height() / 8);
    mean_diff(&small(a), &small(b))
}

fn mean_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    sum as f64 / a.as_raw().len() as f64
}

struct Done {
    media: serde_json::Value,
    outputs: Vec<(String, PathBuf)>,
}

async fn process(app: &uploadd::app::App, env: &TestEnv, files: &[(&str, PathBuf)], profile: &str) -> Vec<Done> {
    let mut ids = Vec::new();
    for (_, path) in files {
        let id = uploadd::producer::enqueue_file(app, path, profile, uploadd::producer::EnqueueOptions::default())
            .await
            .unwrap()
            .to_string();
        ids.push(id);
    }
    let mut out = Vec::new();
    for ((name, _), id) in files.iter().zip(&ids) {
        let rec = wait_terminal(app, id, T).await;
        assert_eq!(rec.status, Status::Ready, "{name}: {:?}", rec.reason);
        let mut outputs = Vec::new();
        for o in &rec.outputs {
            let local = env.data_dir().join(format!("{id}-{}", o.key.rsplit('/').next().unwrap()));
            std::fs::write(&local, read_object(app, &o.key).await).unwrap();
            outputs.push((o.variant.clone(), local));
        }
        out.push(Done { media: rec.media.unwrap_or_default(), outputs });
    }
    out
}

fn output<'a>(d: &'a Done, variant: &str) -> &'a Path {
    &d.outputs.iter().find(|(v, _)| v == variant).unwrap_or_else(|| panic!("no {variant}: {:?}", d.outputs)).1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hdr_phone_clips_become_tone_mapped_bt709_with_tone_mapped_posters() {
    let env = TestEnv::new(Stack::Embedded).await;
    let d = env.data_dir().join("clips");
    std::fs::create_dir_all(&d).unwrap();
    let hlg = hdr_clip(&d, "iphone-hlg.mov", "arib-std-b67");
    // Portrait, as a phone records it: a display matrix, not rotated pixels.
    let hlg_rotated = d.join("iphone-hlg-portrait.mov");
    ffmpeg(&[
        "-i",
        &hlg.display().to_string(),
        "-c",
        "copy",
        "-metadata:s:v:0",
        "rotate=90",
        &hlg_rotated.display().to_string(),
    ]);
    let pq = hdr_clip(&d, "android-hdr10.mp4", "smpte2084");
    // Hostile: PQ tags on 8-bit H.264 content.
    let liar = clip(
        &d,
        "pq-tags-on-8-bit.mp4",
        "2",
        "640x360",
        "30",
        &[
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-color_trc",
            "smpte2084",
            "-color_primaries",
            "bt2020",
            "-colorspace",
            "bt2020nc",
        ],
    );
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let files = [("hlg", hlg_rotated.clone()), ("pq", pq.clone()), ("liar", liar)];
    let done = process(&app, &env, &files, "default").await;
    for ((name, src), d) in files.iter().zip(&done) {
        let hdr = if *name == "hlg" { "hlg" } else { "pq" };
        assert_eq!(d.media["hdr"], hdr, "{name}: {}", d.media);
        let video = output(d, "video");
        let p = probe(video);
        let v = video_stream(&p);
        assert_eq!(v["codec_name"], "h264", "{name}");
        assert_eq!(v["pix_fmt"], "yuv420p", "{name}: 8-bit");
        for tag in ["color_primaries", "color_transfer", "color_space"] {
            assert_eq!(v[tag], "bt709", "{name}: {tag} tagged BT.709");
        }
        let want_dims = if *name == "hlg" {
            (606, 1080)
        } else if *name == "pq" {
            (1280, 720)
        } else {
            (640, 360)
        };
        assert_eq!(
            (v["width"].as_u64().unwrap() as u32, v["height"].as_u64().unwrap() as u32),
            want_dims,
            "{name}: upright"
        );
        assert!((duration(&p) - duration(&probe(src))).abs() < 0.15, "{name}: duration kept");
        assert!(p["streams"].as_array().unwrap().iter().any(|s| s["codec_name"] == "aac"), "{name}: audio kept");
        // The poster went through the same conversion: it differs from the frame decoded
        // without it (same time, same size).
        let poster = image::open(output(d, "poster")).unwrap().into_rgb8();
        let naive = d.outputs[0].1.with_extension("naive.png");
        let at = format!("{:.3}", (duration(&probe(src)) * 0.1).min(1.0));
        let scale = format!("scale={}:{}", poster.width(), poster.height());
        ffmpeg(&[
            "-ss",
            &at,
            "-i",
            &src.display().to_string(),
            "-frames:v",
            "1",
            "-vf",
            &scale,
            &naive.display().to_string(),
        ]);
        let naive = image::open(&naive).unwrap().into_rgb8();
        let diff = mean_diff(&poster, &naive);
        assert!(diff > 8.0, "{name}: the poster is tone-mapped (mean difference {diff:.1} from the raw frame)");
        // And tone-mapped right: close to ffmpeg's own float chain (zscale to linear light,
        // BT.2020 → BT.709, `tonemap=mobius`, the BT.709 transfer) on the same frame, for the
        // poster and for the video itself. Colours outside BT.709 are clipped in RGB, as the
        // poster's zscale chain does (zscale's own `m=bt709` would carry negative components into
        // YCbCr and shift saturated reds by 8 levels). The PQ clip keeps its size, so only the
        // LUT stands between the two (measured 0.60 poster, 0.72 video); the portrait HLG clip is
        // resized before the mapping, on purpose: it is cheaper (0.72, 1.00); the 8-bit liar has
        // banding and sharp edges (2.72, 2.47).
        let bound = match *name {
            "pq" => 1.0,
            "hlg" => 1.5,
            _ => 3.0,
        };
        let transfer = if *name == "hlg" { "arib-std-b67" } else { "smpte2084" };
        let reference = |w: u32, h: u32, path: &Path| {
            let chain = format!(
                "zscale=tin={transfer}:pin=bt2020:min=bt2020nc:t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,\
                 tonemap=tonemap=mobius:desat=0,zscale=t=bt709,format=gbrp,scale={w}:{h}"
            );
            let out = path.display().to_string();
            ffmpeg(&["-ss", &at, "-i", &src.display().to_string(), "-frames:v", "1", "-vf", &chain, &out]);
            image::open(path).unwrap().into_rgb8()
        };
        let float = reference(poster.width(), poster.height(), &d.outputs[0].1.with_extension("float.png"));
        let off = colour_diff(&poster, &float);
        eprintln!("{name}: poster {off:.2} from the float chain, raw frame {diff:.1}");
        assert!(off < bound, "{name}: the poster is {off:.2} from ffmpeg's float tone mapping (raw frame: {diff:.1})");
        let frame = d.outputs[0].1.with_extension("frame.png");
        ffmpeg(&["-ss", &at, "-i", &video.display().to_string(), "-frames:v", "1", &frame.display().to_string()]);
        let frame = image::open(&frame).unwrap().into_rgb8();
        let float = reference(frame.width(), frame.height(), &d.outputs[0].1.with_extension("float-video.png"));
        let off = colour_diff(&frame, &float);
        eprintln!("{name}: video frame {off:.2} from the float chain");
        assert!(off < bound, "{name}: the video is {off:.2} from ffmpeg's float tone mapping");
    }
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frame_rates_vfr_and_4k60_keep_duration_and_obey_max_fps() {
    let env = TestEnv::new(Stack::Embedded).await;
    let d = env.data_dir().join("clips");
    std::fs::create_dir_all(&d).unwrap();
    let h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
    let k4 = clip(&d, "4k60.mp4", "1", "3840x2160", "60", &h264);
    let hfr = clip(&d, "120fps.mp4", "2", "640x360", "120", &h264);
    let absurd = clip(&d, "1000fps.mp4", "1", "320x240", "1000", &h264);
    // Variable frame rate: two frames of every three dropped, timestamps kept.
    let mut vfr_args = vec!["-vf", "select=not(mod(n\\,3))+lt(t\\,1)", "-fps_mode", "vfr"];
    vfr_args.extend_from_slice(&h264);
    let vfr = clip(&d, "vfr.mp4", "3", "640x360", "30", &vfr_args);
    let app = env.app().await;
    let worker = RunningWorker::start(&app);
    let files = [("4k60", k4.clone()), ("120", hfr.clone()), ("1000", absurd.clone()), ("vfr", vfr.clone())];
    let done = process(&app, &env, &files, "default").await;
    for ((name, src), d) in files.iter().zip(&done) {
        let p = probe(output(d, "video"));
        let v = video_stream(&p);
        let fps = rate(v);
        assert!(fps <= 60.5, "{name}: {fps} fps over max_fps 60");
        assert!(
            (duration(&p) - duration(&probe(src))).abs() < 0.2,
            "{name}: duration {} vs {}",
            duration(&p),
            duration(&probe(src))
        );
        match *name {
            "4k60" => {
                assert_eq!((v["width"].as_u64(), v["height"].as_u64()), (Some(1920), Some(1080)));
                assert!((fps - 60.0).abs() < 0.5, "60 fps kept: {fps}");
            }
            "120" => assert!((fps - 60.0).abs() < 0.5, "120 fps halved: {fps}"),
            "1000" => assert!(fps > 50.0, "1000 fps divided down to under 60, not to a crawl: {fps}"),
            _ => {}
        }
    }
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hdr_kept_as_hevc_main10_and_hevc_and_av1_renditions() {
    let env = TestEnv::new(Stack::Embedded).await;
    let d = env.data_dir().join("clips");
    std::fs::create_dir_all(&d).unwrap();
    let pq = hdr_clip(&d, "hdr10.mp4", "smpte2084");
    let sdr = clip(
        &d,
        "sdr.mp4",
        "2",
        "1920x1080",
        "30",
        &["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    );
    let app = env
        .app_with(|cfg| {
            let mut keep = cfg.profiles["default"].clone();
            keep.video.hdr = Hdr::Keep;
            cfg.profiles.insert("keep".into(), keep);
            let mut modern = cfg.profiles["default"].clone();
            let r = |name: &str, w, h, codec| Rendition {
                name: name.into(),
                max_width: w,
                max_height: h,
                crf: None,
                codec,
            };
            modern.video.renditions =
                vec![r("720p-hevc", 1280, 720, VideoCodec::Hevc), r("480p-av1", 854, 480, VideoCodec::Av1)];
            cfg.profiles.insert("modern".into(), modern);
        })
        .await;
    let worker = RunningWorker::start(&app);
    let kept = process(&app, &env, &[("pq", pq)], "keep").await;
    let p = probe(output(&kept[0], "video"));
    let v = video_stream(&p);
    assert_eq!((v["codec_name"].as_str(), v["codec_tag_string"].as_str()), (Some("hevc"), Some("hvc1")));
    assert_eq!(v["pix_fmt"], "yuv420p10le");
    assert_eq!((v["color_transfer"].as_str(), v["color_primaries"].as_str()), (Some("smpte2084"), Some("bt2020")));
    let modern = process(&app, &env, &[("sdr", sdr)], "modern").await;
    let codec = |variant: &str| {
        let p = probe(output(&modern[0], variant));
        let v = video_stream(&p).clone();
        (v["codec_name"].as_str().unwrap().to_owned(), v["height"].as_u64().unwrap())
    };
    assert_eq!(codec("video"), ("h264".to_owned(), 1080));
    assert_eq!(codec("720p-hevc"), ("hevc".to_owned(), 720));
    assert_eq!(codec("480p-av1"), ("av1".to_owned(), 480));
    worker.shutdown().await;
}
