//! The video stage against the same bare ffmpeg command, a poster from a 10-minute clip, HDR
//! tone mapping against the same transcode without it, and the encode cost of HEVC and AV1
//! renditions: `cargo bench --bench video -- [--seconds 30] [--long-minutes 10]`. Needs
//! ffmpeg. Not CI.

#[path = "common.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use uploadd::config::{Config, VideoCodec};
use uploadd::formats::MediaType;
use uploadd::job::UploadJob;
use uploadd::pipeline::validate::Detected;
use uploadd::pipeline::{Attempt, video};
use uploadd::storage::Fetched;

/// A job for `clip` whose attempt has the clip as its fetched original.
fn job_for(profile: &str) -> UploadJob {
    UploadJob {
        upload_id: uuid::Uuid::now_v7(),
        source_key: "incoming/bench".into(),
        profile: profile.into(),
        declared_type: None,
        original_filename: None,
        metadata: Default::default(),
        callback_url: None,
        priority: None,
        tenant: None,
    }
}

fn arg(name: &str, default: f64) -> f64 {
    std::env::args().skip_while(|a| a != name).nth(1).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn generate(out: &Path, seconds: f64, size: &str) {
    let st = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=duration={seconds}:size={size}:rate=25"))
        .args(["-f", "lavfi", "-i"])
        .arg(format!("sine=frequency=440:duration={seconds}"))
        .args(["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"])
        .arg(out)
        .status()
        .expect("ffmpeg");
    assert!(st.success());
}

/// An HLG clip as an iPhone records it (HEVC Main 10 in MOV, BT.2020, ARIB STD-B67).
fn generate_hlg(out: &Path, seconds: f64, size: &str) {
    let st = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg(format!("testsrc2=duration={seconds}:size={size}:rate=30"))
        .args(["-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params"])
        .arg("log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc")
        .args(["-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc", "-tag:v", "hvc1"])
        .arg(out)
        .status()
        .expect("ffmpeg");
    assert!(st.success());
}

/// One transcode run through uploadd's runner; seconds.
async fn timed(app: &uploadd::app::App, args: Vec<String>) -> f64 {
    let limits = uploadd::process::Limits {
        timeout: std::time::Duration::from_secs(3600),
        stall: None,
        nice: 0,
        max_file_bytes: 1 << 34,
        max_memory: None,
    };
    let t = Instant::now();
    uploadd::process::run_ffmpeg(Path::new(&app.cfg.video.ffmpeg), args, limits, |_| {}).await.expect("transcode");
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let seconds = arg("--seconds", 30.0);
    let long_minutes = arg("--long-minutes", 10.0);
    let dir = tempfile::tempdir().expect("tempdir");
    let env: Vec<(String, String)> = vec![("UPLOADD_HTTP__LISTEN".into(), String::new())];
    let cfg = Config::load_with_env(None, Some(dir.path()), &env).expect("config");
    let app = uploadd::app::App::open(cfg).await.expect("app");
    let profile = app.cfg.profiles["default"].clone();
    let clip = dir.path().join("clip.mp4");
    generate(&clip, seconds, "1920x1080");
    let size = std::fs::metadata(&clip).expect("clip").len();
    let info = video::probe(&app.cfg.video, &clip, "mov").await.expect("probe");
    let (w, h) = video::fit_even(info.width, info.height, profile.video.max_width, profile.video.max_height);
    let detected = Detected { media: MediaType::Mp4, extension_mismatch: false };
    let fetched = Fetched { bytes: size, sha256: "x".into() };
    let (mut stage, mut bare, mut through) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..3 {
        // The same command line, run bare.
        let out = dir.path().join(format!("bare{round}.mp4"));
        let encode = video::Encode {
            name: "video".into(),
            path: out,
            width: w,
            height: h,
            crf: profile.video.crf,
            codec: VideoCodec::H264,
        };
        let sdr = video::Picture { tone: video::Tone::Sdr, fps: None };
        let args = video::transcode_args(&app.cfg.video, &profile, "mov", &clip, &[encode], &sdr);
        let t = Instant::now();
        let st = Command::new(&app.cfg.video.ffmpeg)
            .args(&args)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("ffmpeg");
        assert!(st.success());
        bare.push(t.elapsed().as_secs_f64());
        // The same command through uploadd's process runner (ffmpeg-sidecar, progress, limits).
        let out2 = dir.path().join(format!("through{round}.mp4"));
        let encode = video::Encode {
            name: "video".into(),
            path: out2,
            width: w,
            height: h,
            crf: profile.video.crf,
            codec: VideoCodec::H264,
        };
        let args = video::transcode_args(&app.cfg.video, &profile, "mov", &clip, &[encode], &sdr);
        through.push(timed(&app, args).await);
        // The whole video stage: probe + transcode (through ffmpeg-sidecar, with progress) + poster.
        let job = job_for("default");
        let attempt = Attempt::new(&app, &job, &profile, None).expect("attempt");
        std::fs::copy(&clip, &attempt.source).expect("copy clip");
        let t = Instant::now();
        let produced = video::run(&attempt, &fetched, &detected).await.expect("stage");
        stage.push(t.elapsed().as_secs_f64());
        assert_eq!(produced.len(), 2);
    }
    let (stage, bare, through) = (median(stage), median(bare), median(through));
    // A poster from a long clip: seeking before the input means it does not decode the clip.
    let long = dir.path().join("long.mp4");
    generate(&long, long_minutes * 60.0, "640x360");
    let long_info = video::probe(&app.cfg.video, &long, "mov").await.expect("probe long");
    let job = job_for("default");
    let attempt = Attempt::new(&app, &job, &profile, None).expect("attempt");
    std::fs::copy(&long, &attempt.source).expect("copy clip");
    let t = Instant::now();
    let posters = video::posters(&attempt, "mov", &long_info, 0).await.expect("poster");
    let poster_s = t.elapsed().as_secs_f64();
    assert_eq!(posters.len(), 1);

    // HDR: the whole video stage on an HLG clip (tone-mapped) against the same transcode with
    // the tone mapping left out.
    let hlg = dir.path().join("hlg.mov");
    generate_hlg(&hlg, seconds, "1920x1080");
    let hlg_size = std::fs::metadata(&hlg).expect("hlg").len();
    let hlg_info = video::probe(&app.cfg.video, &hlg, "mov").await.expect("probe hlg");
    assert_eq!(hlg_info.hdr, Some("hlg"));
    let hlg_detected = Detected { media: MediaType::QuickTime, extension_mismatch: false };
    let hlg_fetched = Fetched { bytes: hlg_size, sha256: "x".into() };
    let (mut tonemapped, mut plain) = (Vec::new(), Vec::new());
    for round in 0..3 {
        let job = job_for("default");
        let attempt = Attempt::new(&app, &job, &profile, None).expect("attempt");
        std::fs::copy(&hlg, &attempt.source).expect("copy clip");
        let t = Instant::now();
        video::run(&attempt, &hlg_fetched, &hlg_detected).await.expect("hlg stage");
        tonemapped.push(t.elapsed().as_secs_f64());
        let encode = video::Encode {
            name: "video".into(),
            path: dir.path().join(format!("hlg-plain{round}.mp4")),
            width: w,
            height: h,
            crf: profile.video.crf,
            codec: VideoCodec::H264,
        };
        let sdr = video::Picture { tone: video::Tone::Sdr, fps: None };
        plain.push(timed(&app, video::transcode_args(&app.cfg.video, &profile, "mov", &hlg, &[encode], &sdr)).await);
    }
    let (tonemapped, plain) = (median(tonemapped), median(plain));

    // Modern renditions: the encode cost of one minute of 1080p per codec (one output per run).
    let mut per_minute = serde_json::Map::new();
    for codec in [VideoCodec::H264, VideoCodec::Hevc, VideoCodec::Av1] {
        let crf = match codec {
            VideoCodec::H264 => profile.video.crf,
            VideoCodec::Hevc => profile.video.crf + 5,
            VideoCodec::Av1 => profile.video.crf + 12,
        };
        let path = dir.path().join(format!("codec-{codec:?}.mp4"));
        let encode = video::Encode { name: "r".into(), path: path.clone(), width: w, height: h, crf, codec };
        let sdr = video::Picture { tone: video::Tone::Sdr, fps: None };
        let secs = timed(&app, video::transcode_args(&app.cfg.video, &profile, "mov", &clip, &[encode], &sdr)).await;
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        per_minute.insert(
            format!("{codec:?}").to_lowercase(),
            serde_json::json!({"crf": crf, "encode_s_per_minute": secs * 60.0 / seconds, "mb_per_minute": bytes as f64 * 60.0 / seconds / 1e6}),
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "clip_seconds": seconds, "clip_size": "1920x1080", "output": format!("{w}x{h}"),
            "bare_ffmpeg_s": bare, "transcode_through_uploadd_s": through, "transcode_ratio": through / bare,
            "whole_stage_s": stage, "whole_stage_ratio": stage / bare,
            "long_clip_minutes": long_minutes, "poster_from_long_clip_s": poster_s,
            "hlg_whole_stage_tonemapped_s": tonemapped, "hlg_transcode_without_tonemap_s": plain,
            "tonemap_ratio": tonemapped / plain, "tonemap_operator": app.cfg.video.tonemap,
            "threads": app.cfg.video.threads, "preset": profile.video.preset,
            "codecs": per_minute,
        })
    );
}
