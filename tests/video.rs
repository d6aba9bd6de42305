//! The video stage with the real ffmpeg: generated clips in several containers, a real camera
//! sample, hostile inputs (truncated files, playlists in disguise), time limits and progress.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use uploadd::db::Status;

const T: Duration = Duration::from_secs(120);

/// Generates a clip with ffmpeg's test sources. `extra` goes before the output path.
fn clip(dir: &Path, name: &str, seconds: f64, size: &str, audio: bool, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args: Vec<String> =
        ["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i"].map(String::from).to_vec();
    args.push(format!("testsrc2=duration={seconds}:size={size}:rate=25"));
    if audio {
        args.extend(["-f", "lavfi", "-i"].map(String::from));
        args.push(format!("sine=frequency=440:duration={seconds}"));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(out.display().to_string());
    let st = std::process::Command::new(services().get("UPLOADD_TEST_FFMPEG")).args(&args).status().unwrap();
    assert!(st.success(), "ffmpeg could not generate {name}");
    out
}

/// An HEVC MP4 whose samples hold only Dolby Vision RPU NAL units (type 62) and no picture:
/// what a Dolby Vision enhancement/RPU track looks like without its base layer. Made from a
/// video-only libx265 clip by retyping every NAL unit in `mdat` (length-prefixed, one track),
/// so the container, its `hvcC` and the sample table stay valid.
fn rpu_only_hevc(dir: &Path) -> Vec<u8> {
    let src = clip(
        dir,
        "hevc-video-only.mp4",
        2.0,
        "640x360",
        false,
        &["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1"],
    );
    let mut b = std::fs::read(src).unwrap();
    let be32 = |b: &[u8], at: usize| u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize;
    let mut pos = 0;
    let (start, end) = loop {
        let size = be32(&b, pos);
        if &b[pos + 4..pos + 8] == b"mdat" {
            break (pos + 8, pos + size);
        }
        pos += size;
    };
    let (mut at, mut nals) = (start, 0);
    while at + 5 <= end {
        let len = be32(&b, at);
        b[at + 4] = (62 << 1) | (b[at + 4] & 1);
        at += 4 + len;
        nals += 1;
    }
    assert!(at == end && nals >= 25, "walked {nals} NAL units to {at} of {end}");
    b
}

/// A valid one-second WebM holding a single frame.
fn single_frame_webm(dir: &Path) -> PathBuf {
    let out = dir.join("single-frame.webm");
    let st = std::process::Command::new(services().get("UPLOADD_TEST_FFMPEG"))
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc2=size=320x240:rate=1:duration=1")
        .args(["-c:v", "libvpx-vp9", "-deadline", "realtime"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    out
}

/// Adds a 90° display rotation (as phones record portrait video) by stream copy.
fn rotate90(src: &Path) -> PathBuf {
    let out = src.with_file_name("rotated.mp4");
    let st = std::process::Command::new(services().get("UPLOADD_TEST_FFMPEG"))
        .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
        .arg(src)
        .args(["-c", "copy", "-metadata:s:v:0", "rotate=90"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    assert!(ffprobe(&out).rotation, "the test clip carries a rotation");
    out
}

#[derive(Debug)]
struct Probed {
    video_codec: String,
    audio_codec: Option<String>,
    width: u32,
    height: u32,
    rotation: bool,
    pix_fmt: String,
}

fn ffprobe(path: &Path) -> Probed {
    let out = std::process::Command::new(services().get("UPLOADD_TEST_FFPROBE"))
        .args(["-v", "error", "-print_format", "json", "-show_streams"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "ffprobe failed on {}", path.display());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let streams = v["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").expect("a video stream");
    Probed {
        video_codec: video["codec_name"].as_str().unwrap().into(),
        audio_codec: streams
            .iter()
            .find(|s| s["codec_type"] == "audio")
            .map(|a| a["codec_name"].as_str().unwrap().into()),
        width: video["width"].as_u64().unwrap() as u32,
        height: video["height"].as_u64().unwrap() as u32,
        rotation: video["side_data_list"]
            .as_array()
            .is_some_and(|l| l.iter().any(|d| d["rotation"].as_f64().unwrap_or(0.0) != 0.0))
            || video["tags"]["rotate"].is_string(),
        pix_fmt: video["pix_fmt"].as_str().unwrap_or("").into(),
    }
}

/// Top-level MP4 box types in order.
fn boxes(data: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while i + 8 <= data.len() {
        let size = u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]) as usize;
        out.push(String::from_utf8_lossy(&data[i + 4..i + 8]).into_owned());
        if size < 8 {
            break;
        }
        i += size;
    }
    out
}

async fn enqueue_file(app: &uploadd::app::App, path: &Path, declared: Option<&str>) -> String {
    uploadd::producer::enqueue_file(
        app,
        path,
        "default",
        uploadd::producer::EnqueueOptions { declared_type: declared.map(str::to_owned), ..Default::default() },
    )
    .await
    .unwrap()
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clips_become_upright_web_mp4_with_posters() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let d = env.data_dir().join("clips");
    std::fs::create_dir_all(&d).unwrap();
    let h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"];
    let with_aac = [&h264[..], &["-c:a", "aac", "-shortest"]].concat();
    // (file, declared type, expected upright output size, audio expected)
    let cases: Vec<(PathBuf, &str, (u32, u32), bool)> = vec![
        (clip(&d, "a.mp4", 3.0, "640x360", true, &with_aac), "video/mp4", (640, 360), true),
        (
            clip(
                &d,
                "b.webm",
                3.0,
                "640x360",
                true,
                &["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus", "-shortest"],
            ),
            "video/webm",
            (640, 360),
            true,
        ),
        (clip(&d, "c.mov", 3.0, "640x360", true, &with_aac), "video/quicktime", (640, 360), true),
        (rotate90(&clip(&d, "landscape.mp4", 2.0, "1280x720", true, &with_aac)), "video/mp4", (606, 1080), true),
        (clip(&d, "silent.mp4", 2.0, "2560x1440", false, &h264), "video/mp4", (1920, 1080), false),
        (clip(&d, "short.mp4", 0.4, "320x240", true, &with_aac), "video/mp4", (320, 240), true),
        // One frame lasting a second: the poster seek (0.1 s) lands after the only frame.
        (single_frame_webm(&d), "video/webm", (320, 240), false),
        (PathBuf::from(services().get("UPLOADD_TEST_SAMPLE_VIDEO")), "video/mp4", (1280, 720), true),
    ];
    let worker = RunningWorker::start(&app);
    let mut ids = Vec::new();
    for (path, declared, _, _) in &cases {
        ids.push(enqueue_file(&app, path, Some(declared)).await);
    }
    for ((path, _, (w, h), audio), id) in cases.iter().zip(&ids) {
        let name = path.file_name().unwrap().to_string_lossy();
        let rec = wait_terminal(&app, id, T).await;
        assert_eq!(rec.status, Status::Ready, "{name}: {:?}", rec.reason);
        let variants: Vec<&str> = rec.outputs.iter().map(|o| o.variant.as_str()).collect();
        assert_eq!(variants, ["poster", "video"], "{name}");
        let video = &rec.outputs[1];
        assert_eq!((video.content_type.as_str(), video.key.ends_with("/video.mp4")), ("video/mp4", true));
        let local = env.data_dir().join(format!("{id}.mp4"));
        std::fs::write(&local, read_object(&app, &video.key).await).unwrap();
        let p = ffprobe(&local);
        assert_eq!(p.video_codec, "h264", "{name}");
        assert_eq!(p.pix_fmt, "yuv420p", "{name}");
        assert_eq!(p.audio_codec.as_deref(), if *audio { Some("aac") } else { None }, "{name}");
        assert_eq!((p.width, p.height), (*w, *h), "{name}: upright, inside the box, never upscaled");
        assert!(p.width.is_multiple_of(2) && p.height.is_multiple_of(2));
        assert!(!p.rotation, "{name}: rotation applied, not left as metadata");
        let order = boxes(&std::fs::read(&local).unwrap());
        let (moov, mdat) = (order.iter().position(|b| b == "moov"), order.iter().position(|b| b == "mdat"));
        assert!(moov.is_some() && moov < mdat, "{name}: +faststart puts moov before mdat: {order:?}");
        let poster = &rec.outputs[0];
        assert_eq!(poster.content_type, "image/jpeg");
        let img = image::load_from_memory(&read_object(&app, &poster.key).await).unwrap();
        let (upright_w, upright_h) = rec
            .media
            .as_ref()
            .map(|m| (m["width"].as_u64().unwrap() as u32, m["height"].as_u64().unwrap() as u32))
            .unwrap();
        let s = (1920.0 / f64::from(upright_w)).min(1080.0 / f64::from(upright_h)).min(1.0);
        let expect = ((f64::from(upright_w) * s).round() as u32, (f64::from(upright_h) * s).round() as u32);
        assert_eq!((img.width(), img.height()), expect, "{name}: poster size");
        assert_eq!(rec.progress, Some(100));
        assert_placeholders(rec.placeholders.as_ref().expect("a poster's placeholders"));
        let media = rec.media.unwrap();
        assert_eq!(media["kind"], "video");
        assert!(media["duration_secs"].as_f64().unwrap() > 0.0);
    }
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_videos_are_rejected_without_reading_anything_else() {
    let env = TestEnv::new(Stack::Production).await;
    let app = env.app().await;
    let d = env.data_dir().join("clips");
    std::fs::create_dir_all(&d).unwrap();
    // A local secret a playlist would try to pull in.
    let secret_marker = format!("SECRET-{}", short_id());
    let secret = d.join("secret.txt");
    std::fs::write(&secret, &secret_marker).unwrap();
    let s = secret.display().to_string();
    let hls = format!("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://{s}\n#EXT-X-ENDLIST\n");
    let concat = format!("ffconcat version 1.0\nfile '{s}'\n");
    // An AVI header wrapped around a playlist: it passes the magic-byte check as video/x-msvideo.
    let mut riff = b"RIFF\x00\x10\x00\x00AVI LIST".to_vec();
    riff.extend_from_slice(hls.as_bytes());
    let good = clip(
        &d,
        "full.mp4",
        3.0,
        "320x240",
        true,
        &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"],
    );
    let bytes = std::fs::read(&good).unwrap();
    let audio_only = d.join("audio.mp4");
    let st = std::process::Command::new(services().get("UPLOADD_TEST_FFMPEG"))
        .args([
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=2",
            "-c:a",
            "aac",
            "-f",
            "mp4",
        ])
        .arg(&audio_only)
        .status()
        .unwrap();
    assert!(st.success());
    let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
        ("truncated.mp4", bytes[..bytes.len() / 2].to_vec(), Some("video/mp4"), "corrupt"),
        ("playlist.mp4", hls.into_bytes(), Some("video/mp4"), "type_mismatch"),
        ("concat.avi", concat.into_bytes(), None, "type_not_allowed"),
        ("riff-playlist.avi", riff, None, "corrupt"),
        ("audio-only.mp4", std::fs::read(&audio_only).unwrap(), None, "no_video_stream"),
        ("rpu-only.mp4", rpu_only_hevc(&d), Some("video/mp4"), "corrupt"),
    ];
    let worker = RunningWorker::start(&app);
    let mut ids = Vec::new();
    for (name, bytes, declared, _) in &cases {
        ids.push(enqueue_bytes(&app, &env, name, bytes, *declared).await);
    }
    for ((name, _, _, code), id) in cases.iter().zip(&ids) {
        let rec = wait_terminal(&app, id, T).await;
        assert_eq!(rec.status, Status::Rejected, "{name}: {rec:?}");
        assert_eq!(rec.reason_code.as_deref(), Some(*code), "{name}: {:?}", rec.reason);
        assert!(rec.outputs.is_empty(), "{name}");
        let reason = rec.reason.clone().unwrap_or_default();
        // Producer-facing: what is wrong, not this host's errno texts or temp paths.
        assert!(!reason.is_empty() && !reason.contains("os error"), "{name}: {reason}");
        assert!(!reason.contains("/tmp/") && !reason.contains("job-"), "{name}: a host path in the reason: {reason}");
        let everything = serde_json::to_string(&rec).unwrap();
        assert!(!everything.contains(&secret_marker), "{name}: the referenced file leaked into the record");
    }
    let audio = app.db.get(&ids[4]).await.unwrap().unwrap();
    let reason = audio.reason.unwrap_or_default();
    assert!(reason.contains("no video stream") && !reason.contains("os error"), "{reason}");
    for key in list_keys(&app, &env.prefix).await {
        let data = read_object(&app, &key).await;
        assert!(!data.windows(secret_marker.len()).any(|w| w == secret_marker.as_bytes()), "{key} contains the secret");
    }
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transcode_past_its_time_limit_is_killed_and_recorded() {
    let mut env = TestEnv::new(Stack::Embedded).await;
    env.set("UPLOADD_VIDEO__TIMEOUT_FACTOR", "0.01");
    env.set("UPLOADD_VIDEO__TIMEOUT_FLOOR", "1s");
    env.set("UPLOADD_VIDEO__TIMEOUT_CEILING", "1s");
    env.set("UPLOADD_PROFILES__DEFAULT__VIDEO__PRESET", "veryslow");
    let app = env.app().await;
    let d = env.data_dir().join("clips");
    std::fs::create_dir_all(&d).unwrap();
    let long = clip(
        &d,
        "long.mp4",
        20.0,
        "1920x1080",
        true,
        &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"],
    );
    let worker = RunningWorker::start(&app);
    let id = enqueue_file(&app, &long, None).await;
    let rec = wait_terminal(&app, &id, T).await;
    assert_eq!((rec.status, rec.reason_code.as_deref()), (Status::Failed, Some("timeout")), "{rec:?}");
    assert!(rec.reason.unwrap().contains("limit of 1s"));
    assert_eq!(rec.attempts, 1, "not retried");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let temp = app.cfg.temp_dir();
    let ps = std::process::Command::new("pgrep").arg("-f").arg(temp.display().to_string()).output().unwrap();
    assert!(String::from_utf8_lossy(&ps.stdout).trim().is_empty(), "an ffmpeg process survived its limit");
    assert_eq!(temp_entries(&app), Vec::<std::ffi::OsString>::new(), "temp files removed");
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcode_progress_is_visible_in_status() {
    let env = TestEnv::new(Stack::Embedded).await;
    let app = env.app().await;
    let d = env.data_dir().join("clips");
    std::fs::create_dir_all(&d).unwrap();
    let c = clip(
        &d,
        "p.mp4",
        12.0,
        "1920x1080",
        true,
        &["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest"],
    );
    let worker = RunningWorker::start(&app);
    let id = enqueue_file(&app, &c, None).await;
    let mut seen = Vec::new();
    let start = std::time::Instant::now();
    loop {
        let r = app.db.get(&id).await.unwrap().unwrap();
        if let Some(p) = r.progress
            && seen.last() != Some(&p)
        {
            seen.push(p);
        }
        if r.status.is_terminal() {
            assert_eq!(r.status, Status::Ready, "{r:?}");
            break;
        }
        assert!(start.elapsed() < T);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen.iter().any(|p| *p > 0 && *p < 100), "progress seen: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress only grows: {seen:?}");
    let out = env.command().args(["status", &id]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("progress:  100%"));
    worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_renditions_come_from_the_same_run_and_never_upscale() {
    let env = TestEnv::new(Stack::Embedded).await;
    let mut cfg = env.config();
    let profile = cfg.profiles.get_mut("default").unwrap();
    profile.video.renditions = vec![
        uploadd::config::Rendition {
            name: "360p".into(),
            max_width: 640,
            max_height: 360,
            crf: Some(28),
            codec: Default::default(),
        },
        uploadd::config::Rendition {
            name: "4k".into(),
            max_width: 3840,
            max_height: 2160,
            crf: None,
            codec: Default::default(),
        },
    ];
    let app = uploadd::app::App::open(cfg).await.unwrap();
    let d = env.data_dir().join("clips");
    std::fs::create_dir_all(&d).unwrap();
    let with_aac = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"];
    let big = clip(&d, "big.mp4", 2.0, "1280x720", true, &with_aac);
    let small = clip(&d, "small.mp4", 2.0, "320x240", true, &with_aac);
    let worker = RunningWorker::start(&app);
    let (big_id, small_id) = (enqueue_file(&app, &big, None).await, enqueue_file(&app, &small, None).await);
    let rec = wait_terminal(&app, &big_id, T).await;
    assert_eq!(rec.status, Status::Ready, "{:?}", rec.reason);
    let mut variants: Vec<&str> = rec.outputs.iter().map(|o| o.variant.as_str()).collect();
    variants.sort_unstable();
    // 4k would be an upscale of a 720p source: skipped.
    assert_eq!(variants, ["360p", "poster", "video"]);
    for (variant, size) in [("video", (1280, 720)), ("360p", (640, 360))] {
        let o = rec.outputs.iter().find(|o| o.variant == variant).unwrap();
        assert!(o.key.ends_with(&format!("/{variant}.mp4")) && o.content_type == "video/mp4", "{o:?}");
        assert_eq!((o.width, o.height), (Some(size.0), Some(size.1)), "{variant}");
        let local = env.data_dir().join(format!("{variant}.mp4"));
        std::fs::write(&local, read_object(&app, &o.key).await).unwrap();
        let p = ffprobe(&local);
        assert_eq!((p.video_codec.as_str(), p.audio_codec.as_deref()), ("h264", Some("aac")), "{variant}");
        assert_eq!((p.width, p.height), size, "{variant}");
        let order = boxes(&std::fs::read(&local).unwrap());
        let (moov, mdat) = (order.iter().position(|b| b == "moov"), order.iter().position(|b| b == "mdat"));
        assert!(moov.is_some() && moov < mdat, "{variant}: faststart");
    }
    // A source already below every rendition's box gets only the main video and its poster.
    let rec = wait_terminal(&app, &small_id, T).await;
    assert_eq!(rec.status, Status::Ready, "{:?}", rec.reason);
    let mut variants: Vec<&str> = rec.outputs.iter().map(|o| o.variant.as_str()).collect();
    variants.sort_unstable();
    assert_eq!(variants, ["poster", "video"]);
    worker.shutdown().await;
}
