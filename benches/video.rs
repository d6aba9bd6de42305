//! The video stage against the same bare ffmpeg command, and a poster from a 10-minute clip:
//! `cargo bench --bench video -- [--seconds 30] [--long-minutes 10]`. Needs ffmpeg. Not CI.

#[path = "common.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use uploadd::config::Config;
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
        let encode = video::Encode { name: "video".into(), path: out, width: w, height: h, crf: profile.video.crf };
        let args = video::transcode_args(&app.cfg.video, &profile, "mov", &clip, &[encode]);
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
        let encode = video::Encode { name: "video".into(), path: out2, width: w, height: h, crf: profile.video.crf };
        let args = video::transcode_args(&app.cfg.video, &profile, "mov", &clip, &[encode]);
        let limits = uploadd::process::Limits {
            timeout: std::time::Duration::from_secs(3600),
            stall: None,
            nice: 0,
            max_file_bytes: 1 << 34,
            max_memory: None,
        };
        let t = Instant::now();
        uploadd::process::run_ffmpeg(Path::new(&app.cfg.video.ffmpeg), args, limits, |_| {})
            .await
            .expect("through uploadd");
        through.push(t.elapsed().as_secs_f64());
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
    println!(
        "{}",
        serde_json::json!({
            "clip_seconds": seconds, "clip_size": "1920x1080", "output": format!("{w}x{h}"),
            "bare_ffmpeg_s": bare, "transcode_through_uploadd_s": through, "transcode_ratio": through / bare,
            "whole_stage_s": stage, "whole_stage_ratio": stage / bare,
            "long_clip_minutes": long_minutes, "poster_from_long_clip_s": poster_s,
        })
    );
}
