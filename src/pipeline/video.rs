//! The video stage: probe (ffprobe JSON), transcode to web MP4 (H.264 + AAC, `+faststart`,
//! upright, inside the profile's box, even dimensions, never upscaled), and a poster frame
//! rendered through the same variant code as images.
//!
//! Safety: ffmpeg and ffprobe only read the local temp file — `-protocol_whitelist file`, the
//! demuxer forced to the container the magic bytes showed, `-nostdin`, MOV external references
//! left disabled — inside `process`'s confinement (own process group, nice, file-size cap,
//! wall-clock limit derived from the clip's duration). Text playlists (HLS, concat, SDP) have no
//! video magic bytes and are rejected by validation; one behind a real container header (an AVI
//! `RIFF` header) reaches ffprobe, whose forced demuxer finds no video in it: rejected `corrupt`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use uuid::Uuid;

use super::validate::Detected;
use super::{Failure, Produced, Stage, write_rendered};
use crate::app::App;
use crate::config::{Profile, VideoConfig};
use crate::media::{self, ImageFormat};
use crate::process::{self, Limits, ProcessError};
use crate::workdir::JobDir;

/// What ffprobe says about a clip (recorded as the upload's `media`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VideoInfo {
    pub kind: &'static str,
    pub container: String,
    pub duration_secs: f64,
    /// Display dimensions (after rotation).
    pub width: u32,
    pub height: u32,
    pub rotation: i32,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    pub bit_rate: Option<u64>,
    pub frame_rate: Option<f64>,
}

/// The ffmpeg demuxer for a detected container (never guessed from the file name).
pub fn demuxer_for(mime: &str) -> Option<&'static str> {
    match mime {
        "video/mp4" | "video/quicktime" => Some("mov"),
        "video/webm" | "video/x-matroska" => Some("matroska"),
        "video/x-msvideo" => Some("avi"),
        _ => None,
    }
}

fn s(v: &str) -> String {
    v.to_owned()
}

/// Parses `ffprobe -print_format json -show_format -show_streams` output.
pub fn parse_probe(json: &[u8]) -> Result<VideoInfo, String> {
    let v: serde_json::Value = serde_json::from_slice(json).map_err(|e| format!("unreadable ffprobe output: {e}"))?;
    let streams = v["streams"].as_array().cloned().unwrap_or_default();
    let video = streams
        .iter()
        .find(|st| st["codec_type"] == "video" && st["disposition"]["attached_pic"].as_i64() != Some(1))
        .ok_or("no video stream")?;
    let audio = streams.iter().find(|st| st["codec_type"] == "audio");
    let num = |x: &serde_json::Value| x.as_str().and_then(|s| s.parse::<f64>().ok()).or_else(|| x.as_f64());
    let w = video["width"]
        .as_u64()
        .and_then(|w| u32::try_from(w).ok())
        .filter(|w| *w > 0)
        .ok_or("video stream has no width")?;
    let h = video["height"]
        .as_u64()
        .and_then(|h| u32::try_from(h).ok())
        .filter(|h| *h > 0)
        .ok_or("video stream has no height")?;
    let rotation = video["side_data_list"]
        .as_array()
        .and_then(|l| l.iter().find_map(|sd| sd["rotation"].as_f64()))
        .or_else(|| num(&video["tags"]["rotate"]))
        .map_or(0, |r| (r.round() as i32).rem_euclid(360));
    let (width, height) = if rotation == 90 || rotation == 270 { (h, w) } else { (w, h) };
    let duration = num(&v["format"]["duration"]).or_else(|| num(&video["duration"])).unwrap_or(0.0);
    if !(duration.is_finite() && duration > 0.0) {
        return Err("the clip has no duration".into());
    }
    let frame_rate = video["avg_frame_rate"].as_str().and_then(|r| {
        let (a, b) = r.split_once('/')?;
        let (a, b) = (a.parse::<f64>().ok()?, b.parse::<f64>().ok()?);
        (b > 0.0).then(|| a / b)
    });
    Ok(VideoInfo {
        kind: "video",
        container: v["format"]["format_name"].as_str().unwrap_or("").to_owned(),
        duration_secs: duration,
        width,
        height,
        rotation,
        video_codec: video["codec_name"].as_str().unwrap_or("").to_owned(),
        audio_codec: audio.and_then(|a| a["codec_name"].as_str()).map(str::to_owned),
        bit_rate: num(&v["format"]["bit_rate"]).map(|b| b as u64),
        frame_rate,
    })
}

/// Output size: inside the box, never upscaled, even (yuv420p needs it), at least 2×2.
pub fn fit_even(w: u32, h: u32, box_w: u32, box_h: u32) -> (u32, u32) {
    let s = (f64::from(box_w) / f64::from(w)).min(f64::from(box_h) / f64::from(h)).min(1.0);
    let even = |x: f64| ((x.floor() as u32) & !1).max(2);
    (even(f64::from(w) * s), even(f64::from(h) * s))
}

/// Wall-clock limit for one ffmpeg run on a clip of `duration` seconds.
pub fn time_limit(cfg: &VideoConfig, duration: f64) -> Duration {
    let want = Duration::from_secs_f64((duration * cfg.timeout_factor).clamp(0.0, 1e7));
    want.clamp(cfg.timeout_floor.get(), cfg.timeout_ceiling.get())
}

fn limits(cfg: &VideoConfig, timeout: Duration, input_bytes: u64) -> Limits {
    Limits { timeout, nice: cfg.nice, max_file_bytes: (input_bytes.saturating_mul(4)).max(1 << 30) }
}

fn process_failure(stage: Stage, e: ProcessError, what: &str) -> Failure {
    match e {
        ProcessError::Spawn { .. } | ProcessError::Io { .. } => {
            Failure::transient(stage, "ffmpeg_unavailable", e.to_string())
        }
        // Not the input's fault: the OOM killer or an operator, or our own disk.
        ProcessError::Killed { .. } => Failure::transient(stage, "ffmpeg_killed", format!("{what}: {e}")),
        ProcessError::DiskFull { .. } => Failure::transient(stage, "disk_full", format!("{what}: {e}")),
        ProcessError::Timeout { .. } => Failure::fail(stage, "timeout", format!("{what}: {e}")),
        // The output would be over 4× the input (and over 1 GiB): retrying cannot help.
        ProcessError::OutputLimit { .. } => Failure::fail(stage, "output_too_large", format!("{what}: {e}")),
        ProcessError::Failed { .. } => Failure::reject(stage, "corrupt", format!("{what}: {e}")),
    }
}

/// Runs ffprobe on the local file with the detected demuxer forced.
pub async fn probe(cfg: &VideoConfig, path: &Path, demuxer: &str) -> Result<VideoInfo, Failure> {
    let args: Vec<String> = vec![
        s("-v"),
        s("error"),
        s("-protocol_whitelist"),
        s("file"),
        s("-print_format"),
        s("json"),
        s("-show_format"),
        s("-show_streams"),
        s("-f"),
        s(demuxer),
        s("-i"),
        path.display().to_string(),
    ];
    let out = process::run_capture(Path::new(&cfg.ffprobe), &args, limits(cfg, cfg.timeout_floor.get(), 0))
        .await
        .map_err(|e| process_failure(Stage::Video, e, "the file is not a readable video"))?;
    parse_probe(&out)
        .map_err(|m| Failure::reject(Stage::Video, "corrupt", format!("the file is not a readable video: {m}")))
}

#[allow(clippy::too_many_arguments)]
pub async fn render_video(
    app: &Arc<App>,
    id: Uuid,
    profile: &Profile,
    detected: &Detected,
    source: &Path,
    sha256: &str,
    size: u64,
    dir: &JobDir,
) -> Result<Vec<Produced>, Failure> {
    let cfg = &app.cfg.video;
    let demuxer = demuxer_for(&detected.mime).ok_or_else(|| {
        Failure::reject(Stage::Validate, "type_not_allowed", format!("{} is not a video container", detected.mime))
    })?;
    let info = {
        let _t = app.metrics.time_stage(Stage::Validate);
        probe(cfg, source, demuxer).await?
    };
    let mut facts = serde_json::to_value(&info).unwrap_or_default();
    if detected.extension_mismatch {
        facts["extension_mismatch"] = serde_json::Value::Bool(true);
    }
    app.db
        .record_facts(id, size, sha256, Some(&detected.mime), Some(&facts))
        .await
        .map_err(|e| Failure::transient(Stage::Validate, "database_unavailable", e.to_string()))?;
    let pv = &profile.video;
    if info.duration_secs > pv.max_duration.get().as_secs_f64() {
        return Err(Failure::reject(
            Stage::Validate,
            "too_long",
            format!(
                "the clip lasts {:.1}s, longer than the profile's limit of {}",
                info.duration_secs, pv.max_duration
            ),
        ));
    }
    let pixels = u64::from(info.width) * u64::from(info.height);
    if pixels > profile.max_pixels {
        return Err(Failure::reject(
            Stage::Validate,
            "too_many_pixels",
            format!(
                "the video is {}×{} = {pixels} pixels, above the limit of {}",
                info.width, info.height, profile.max_pixels
            ),
        ));
    }
    // One transcode at a time per `video.concurrency`, separate from image work.
    let _slot =
        app.video_slots.acquire().await.map_err(|e| Failure::transient(Stage::Video, "cpu_pool", e.to_string()))?;
    crate::failpoint::hit("video").await;
    let encodes = encodes(profile, &info, dir);
    let timer = std::time::Instant::now();
    {
        let _t = app.metrics.time_stage(Stage::Video);
        let args = transcode_args(cfg, profile, demuxer, source, &encodes);
        let duration = info.duration_secs;
        let (tx, mut rx) = tokio::sync::watch::channel(0u8);
        let reporter = {
            let app = app.clone();
            tokio::spawn(async move {
                while rx.changed().await.is_ok() {
                    let pct = *rx.borrow_and_update();
                    app.metrics.video_progress.set(f64::from(pct) / 100.0);
                    let _ = app.db.set_progress(id, pct).await;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            })
        };
        let result = process::run_ffmpeg(
            Path::new(&cfg.ffmpeg),
            args,
            // Extra renditions are encoded in the same run: allow for them.
            limits(cfg, time_limit(cfg, duration * encodes.len() as f64), size),
            move |secs| {
                let pct = ((secs / duration) * 100.0).clamp(0.0, 99.0) as u8;
                tx.send_if_modified(|p| {
                    let changed = *p != pct;
                    *p = pct;
                    changed
                });
            },
        )
        .await;
        reporter.abort();
        result.map_err(|e| process_failure(Stage::Video, e, "transcoding failed"))?;
    }
    app.metrics.video_transcode_seconds.observe(timer.elapsed().as_secs_f64());
    let mut produced = Vec::with_capacity(encodes.len() + profile.video.posters.len());
    for e in encodes {
        let (bytes, sha) = crate::storage::sha256_file(&e.path)
            .await
            .map_err(|err| Failure::transient(Stage::Video, "temp_unavailable", err.to_string()))?;
        produced.push(Produced {
            variant: e.name,
            extension: "mp4",
            content_type: "video/mp4",
            path: e.path,
            bytes,
            width: Some(e.width),
            height: Some(e.height),
            sha256: sha,
        });
    }
    produced.extend(posters(app, profile, demuxer, source, &info, size, dir).await?);
    Ok(produced)
}

/// One MP4 output of a transcode run: the main `video` or an extra rendition.
pub struct Encode {
    pub name: String,
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub crf: u8,
}

/// One ffmpeg run that decodes the input once and writes every output in `encodes`.
/// The main `video` output inside the profile's box, then each rendition that comes out
/// smaller than it (never upscaled, so a small source gets no redundant copies).
pub fn encodes(profile: &Profile, info: &VideoInfo, dir: &JobDir) -> Vec<Encode> {
    let pv = &profile.video;
    let (w, h) = fit_even(info.width, info.height, pv.max_width, pv.max_height);
    let mut out = vec![Encode { name: "video".into(), path: dir.file("video.mp4"), width: w, height: h, crf: pv.crf }];
    for r in &pv.renditions {
        let (rw, rh) = fit_even(info.width, info.height, r.max_width, r.max_height);
        if u64::from(rw) * u64::from(rh) >= u64::from(w) * u64::from(h) {
            tracing::debug!(rendition = %r.name, "Skipping a rendition no smaller than the main video.");
            continue;
        }
        let path = dir.file(&format!("{}.mp4", r.name));
        out.push(Encode { name: r.name.clone(), path, width: rw, height: rh, crf: r.crf.unwrap_or(pv.crf) });
    }
    out
}

pub fn transcode_args(
    cfg: &VideoConfig,
    profile: &Profile,
    demuxer: &str,
    input: &Path,
    encodes: &[Encode],
) -> Vec<String> {
    let pv = &profile.video;
    let mut args = vec![
        s("-nostdin"),
        s("-hide_banner"),
        s("-y"),
        s("-protocol_whitelist"),
        s("file"),
        // `video.threads` bounds decoding and filtering too, not only the encoder.
        s("-filter_threads"),
        cfg.threads.to_string(),
        s("-threads"),
        cfg.threads.to_string(),
        // A container that lies about its duration still stops at the profile's limit.
        s("-t"),
        format!("{:.3}", pv.max_duration.get().as_secs_f64()),
        s("-f"),
        s(demuxer),
        s("-i"),
        input.display().to_string(),
    ];
    // Output options apply to the output file that follows them, so each output repeats them.
    for e in encodes {
        args.extend([
            s("-map"),
            s("0:V:0"),
            s("-map"),
            s("0:a:0?"),
            s("-map_metadata"),
            s("-1"),
            s("-map_chapters"),
            s("-1"),
            s("-sn"),
            s("-dn"),
            // ffmpeg applies the rotation (autorotate) before this filter, so w×h is upright.
            s("-vf"),
            format!("scale={}:{}:flags=lanczos,format=yuv420p", e.width, e.height),
            s("-c:v"),
            s("libx264"),
            s("-preset"),
            pv.preset.clone(),
            s("-crf"),
            e.crf.to_string(),
            s("-c:a"),
            s("aac"),
            s("-b:a"),
            pv.audio_bitrate.clone(),
            s("-threads"),
            cfg.threads.to_string(),
            s("-movflags"),
            s("+faststart"),
            s("-f"),
            s("mp4"),
            e.path.display().to_string(),
        ]);
    }
    args
}

/// The poster: one frame at min(1 s, 10 % of the duration), seeking before the input so it
/// costs the same on a two-hour file as on a ten-second one, then the image variant code.
pub async fn posters(
    app: &Arc<App>,
    profile: &Profile,
    demuxer: &str,
    source: &Path,
    info: &VideoInfo,
    size: u64,
    dir: &JobDir,
) -> Result<Vec<Produced>, Failure> {
    if profile.video.posters.is_empty() {
        return Ok(Vec::new());
    }
    let cfg = &app.cfg.video;
    let at = (info.duration_secs * 0.1).min(1.0);
    let frame = dir.file("frame.png");
    let args = vec![
        s("-nostdin"),
        s("-hide_banner"),
        s("-y"),
        s("-protocol_whitelist"),
        s("file"),
        s("-filter_threads"),
        cfg.threads.to_string(),
        s("-threads"),
        cfg.threads.to_string(),
        s("-ss"),
        format!("{at:.3}"),
        s("-f"),
        s(demuxer),
        s("-i"),
        source.display().to_string(),
        s("-map"),
        s("0:V:0"),
        s("-frames:v"),
        s("1"),
        s("-map_metadata"),
        s("-1"),
        s("-c:v"),
        s("png"),
        s("-f"),
        s("image2"),
        frame.display().to_string(),
    ];
    process::run_ffmpeg(Path::new(&cfg.ffmpeg), args, limits(cfg, cfg.timeout_floor.get(), size), |_| {})
        .await
        .map_err(|e| process_failure(Stage::Video, e, "extracting the poster frame failed"))?;
    let data = tokio::fs::read(&frame).await.map_err(|e| {
        Failure::reject(Stage::Video, "corrupt", format!("no frame could be extracted for the poster: {e}"))
    })?;
    let variants = profile.video.posters.clone();
    let bg = profile.background_rgb();
    let max_pixels = profile.max_pixels;
    let rendered = app
        .cpu
        .run(move || {
            let info = media::probe(&data, ImageFormat::Png, max_pixels)?;
            media::render(&data, &info, &variants, bg, max_pixels)
        })
        .await
        .map_err(|e| Failure::transient(Stage::Image, "cpu_pool", e.to_string()))?
        .map_err(|e| Failure::fail(Stage::Image, "poster_failed", e.to_string()))?;
    write_rendered(dir, rendered).await
}

/// What `uploadd check-config` reports about the tools: versions, or why video cannot work.
pub async fn check_tools(cfg: &VideoConfig) -> Result<String, String> {
    let limits = Limits { timeout: Duration::from_secs(10), nice: 0, max_file_bytes: 1 << 20 };
    let encoders = process::run_capture(Path::new(&cfg.ffmpeg), &[s("-hide_banner"), s("-encoders")], limits)
        .await
        .map_err(|e| format!("ffmpeg ({}): {e}", cfg.ffmpeg))?;
    let encoders = String::from_utf8_lossy(&encoders);
    for needed in ["libx264", "aac"] {
        if !encoders.lines().any(|l| l.split_whitespace().nth(1) == Some(needed)) {
            return Err(format!("ffmpeg ({}) lacks the {needed} encoder", cfg.ffmpeg));
        }
    }
    let version = process::run_capture(Path::new(&cfg.ffprobe), &[s("-version")], limits)
        .await
        .map_err(|e| format!("ffprobe ({}): {e}", cfg.ffprobe))?;
    let first = String::from_utf8_lossy(&version).lines().next().unwrap_or("").to_owned();
    Ok(format!("ffmpeg with libx264 and aac; {first}"))
}

/// A short generated clip for `uploadd demo`, or `None` when ffmpeg is unavailable.
pub async fn sample_clip(cfg: &VideoConfig) -> Option<Vec<u8>> {
    let dir = tempfile_dir()?;
    let out = dir.join("clip.mp4");
    let args = vec![
        s("-nostdin"),
        s("-hide_banner"),
        s("-y"),
        s("-f"),
        s("lavfi"),
        s("-i"),
        s("testsrc2=duration=2:size=640x360:rate=25"),
        s("-f"),
        s("lavfi"),
        s("-i"),
        s("sine=frequency=440:duration=2"),
        s("-c:v"),
        s("libx264"),
        s("-preset"),
        s("veryfast"),
        s("-pix_fmt"),
        s("yuv420p"),
        s("-c:a"),
        s("aac"),
        s("-shortest"),
        out.display().to_string(),
    ];
    let limits = Limits { timeout: Duration::from_secs(60), nice: 0, max_file_bytes: 1 << 30 };
    let ok = process::run_ffmpeg(Path::new(&cfg.ffmpeg), args, limits, |_| {}).await.is_ok();
    let bytes = if ok { std::fs::read(&out).ok() } else { None };
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

fn tempfile_dir() -> Option<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("uploadd-sample-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).ok()?;
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded `ffprobe -print_format json -show_format -show_streams` of a phone clip.
    const ROTATED: &str = r#"{"streams":[{"index":0,"codec_name":"h264","codec_type":"video","width":1920,"height":1080,
        "avg_frame_rate":"30000/1001","disposition":{"attached_pic":0},
        "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]},
        {"index":1,"codec_name":"aac","codec_type":"audio"}],
        "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"12.345","bit_rate":"8000000"}}"#;

    #[test]
    fn probe_output_is_understood() {
        let i = parse_probe(ROTATED.as_bytes()).unwrap();
        assert_eq!((i.width, i.height, i.rotation), (1080, 1920, 270));
        assert_eq!(i.audio_codec.as_deref(), Some("aac"));
        assert!((i.duration_secs - 12.345).abs() < 1e-9);
        assert!((i.frame_rate.unwrap() - 29.97).abs() < 0.01);
        assert_eq!(
            parse_probe(br#"{"streams":[{"codec_type":"audio"}],"format":{"duration":"3"}}"#).unwrap_err(),
            "no video stream"
        );
        assert!(parse_probe(b"not json").is_err());
        assert!(parse_probe(br#"{"streams":[{"codec_type":"video","width":10,"height":10}],"format":{}}"#).is_err());
    }

    #[test]
    fn input_limits_come_before_the_input_and_cover_art_is_never_the_video() {
        let cfg = VideoConfig::default();
        let profile = Profile::default();
        let enc =
            Encode { name: "video".into(), path: PathBuf::from("/tmp/out.mp4"), width: 640, height: 360, crf: 23 };
        let args = transcode_args(&cfg, &profile, "mov", Path::new("/tmp/in"), &[enc]);
        let at = |flag: &str| args.iter().position(|a| a == flag).unwrap_or_else(|| panic!("{flag} missing: {args:?}"));
        let input = at("-i");
        // ffmpeg applies options to the next file named: after `-i` they would bind the output.
        for flag in ["-protocol_whitelist", "-f", "-t", "-threads", "-filter_threads"] {
            assert!(at(flag) < input, "{flag} must be an input option: {args:?}");
        }
        let limit: f64 = args[at("-t") + 1].parse().unwrap();
        assert!((limit - profile.video.max_duration.get().as_secs_f64()).abs() < 1e-6);
        // `V` (not `v`) skips attached pictures, as the probe does.
        assert_eq!(args[at("-map") + 1], "0:V:0");
    }

    #[test]
    fn output_size_fits_the_box_is_even_and_never_upscaled() {
        assert_eq!(fit_even(3840, 2160, 1920, 1080), (1920, 1080));
        assert_eq!(fit_even(1080, 1920, 1920, 1080), (606, 1080));
        assert_eq!(fit_even(641, 361, 1920, 1080), (640, 360));
        assert_eq!(fit_even(1, 1, 1920, 1080), (2, 2));
    }

    #[test]
    fn time_limits_scale_with_duration_within_bounds() {
        let cfg = VideoConfig::default();
        assert_eq!(time_limit(&cfg, 1.0), cfg.timeout_floor.get());
        assert_eq!(time_limit(&cfg, 600.0), Duration::from_secs(6000));
        assert_eq!(time_limit(&cfg, 1e9), cfg.timeout_ceiling.get());
    }

    #[test]
    fn demuxers_come_from_the_detected_type_only() {
        assert_eq!(demuxer_for("video/quicktime"), Some("mov"));
        assert_eq!(demuxer_for("video/webm"), Some("matroska"));
        assert_eq!(demuxer_for("application/vnd.apple.mpegurl"), None);
    }
}
