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

mod ffmpeg;
mod tonemap;

use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use uuid::Uuid;

pub use ffmpeg::{Encode, Picture, Tone, animation_args, fps_cap, poster_args, probe_args, safe_input, transcode_args};

use super::attempt::{Attempt, Produced, Stop, hash_rendered, write_rendered};
use super::validate::Detected;
use crate::app::App;
use crate::config::{Profile, VideoConfig};
use crate::formats::{ImageFormat, VIDEO_OUTPUT_CONTENT_TYPE, VIDEO_OUTPUT_EXTENSION};
use crate::media;
use crate::outcome::{Failure, Reason, Stage};
use crate::process::{self, Limits, ProcessError};
use crate::storage::Fetched;
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
    /// Decoded pixel format, e.g. `yuv420p10le`.
    pub pix_fmt: String,
    /// Colour tags as ffprobe names them (`bt2020`, `arib-std-b67`, `bt2020nc`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_primaries: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_transfer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_space: Option<String>,
    /// `pq` (HDR10), `hlg`, or none for SDR.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hdr: Option<&'static str>,
    /// Dolby Vision profile, when the stream carries a configuration record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dolby_vision_profile: Option<u32>,
    /// The brightest the stream says it gets (MaxCLL, else the mastering display's peak), in
    /// units of SDR white (100 cd/m²): what the tone mapping compresses to SDR white.
    #[serde(skip)]
    pub hdr_peak: Option<f64>,
}

impl VideoInfo {
    /// A Dolby Vision stream whose base layer is neither HDR10, HLG nor SDR (profile 5's
    /// IPTPQc2): without Dolby's own processing its colours cannot be reproduced.
    pub fn dolby_vision_without_base_layer(&self) -> bool {
        self.dolby_vision_profile == Some(5)
    }
}

const NO_VIDEO_STREAM: &str = "no video stream";

/// Parses `ffprobe -print_format json -show_format -show_streams` output.
pub fn parse_probe(json: &[u8]) -> Result<VideoInfo, String> {
    let v: serde_json::Value = serde_json::from_slice(json).map_err(|e| format!("unreadable ffprobe output: {e}"))?;
    let streams = v["streams"].as_array().cloned().unwrap_or_default();
    if streams.is_empty() {
        return Err("no streams".into());
    }
    let video = streams
        .iter()
        .find(|st| st["codec_type"] == "video" && st["disposition"]["attached_pic"].as_i64() != Some(1))
        .ok_or(NO_VIDEO_STREAM)?;
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
    let rate = |key: &str| {
        video[key].as_str().and_then(|r| {
            let (a, b) = r.split_once('/')?;
            let (a, b) = (a.parse::<f64>().ok()?, b.parse::<f64>().ok()?);
            (b > 0.0 && a > 0.0).then(|| a / b)
        })
    };
    let frame_rate = rate("avg_frame_rate").or_else(|| rate("r_frame_rate"));
    let tag = |key: &str| video[key].as_str().filter(|t| !t.is_empty() && *t != "unknown").map(str::to_owned);
    let (color_primaries, color_transfer, color_space) =
        (tag("color_primaries"), tag("color_transfer"), tag("color_space"));
    let dovi = video["side_data_list"]
        .as_array()
        .and_then(|l| l.iter().find(|sd| sd["side_data_type"].as_str().is_some_and(|t| t.contains("DOVI"))));
    let dolby_vision_profile = dovi.and_then(|d| d["dv_profile"].as_u64()).and_then(|p| u32::try_from(p).ok());
    let dv_compat = dovi.and_then(|d| d["dv_bl_signal_compatibility_id"].as_u64());
    let side_data = video["side_data_list"].as_array().map(Vec::as_slice).unwrap_or_default();
    let fraction = |v: &serde_json::Value| {
        let t = v.as_str()?;
        let (a, b) = t.split_once('/').unwrap_or((t, "1"));
        let (a, b) = (a.parse::<f64>().ok()?, b.parse::<f64>().ok()?);
        (b > 0.0).then(|| a / b)
    };
    let max_cll = side_data.iter().find_map(|sd| sd["max_content"].as_f64());
    let mastering_peak = side_data.iter().find_map(|sd| fraction(&sd["max_luminance"]));
    let hdr_peak = max_cll.or(mastering_peak).filter(|n| n.is_finite() && *n > 0.0).map(|n| n / 100.0);
    let hdr = match (color_transfer.as_deref(), dv_compat) {
        (Some("smpte2084"), _) | (_, Some(1 | 6)) => Some("pq"),
        (Some("arib-std-b67"), _) | (_, Some(4)) => Some("hlg"),
        _ => None,
    };
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
        pix_fmt: video["pix_fmt"].as_str().unwrap_or("").to_owned(),
        color_primaries,
        color_transfer,
        color_space,
        hdr,
        dolby_vision_profile,
        hdr_peak,
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

/// ffmpeg's memory for one transcode: 128 MiB + 64 bytes per source pixel (decoded frames in
/// flight, the scaler, x264's lookahead), as measured on 1080p and 4K clips.
pub fn video_memory_estimate(info: &VideoInfo) -> u64 {
    (128 << 20) + u64::from(info.width) * u64::from(info.height) * 64
}

/// The limit of one transcode run writing `outputs` MP4s (extra renditions are encoded in the
/// same run: allow for them).
pub fn transcode_limit(cfg: &VideoConfig, duration: f64, outputs: usize) -> Duration {
    time_limit(cfg, duration * outputs.max(1) as f64)
}

pub(super) fn limits(cfg: &VideoConfig, timeout: Duration, input_bytes: u64) -> Limits {
    Limits {
        timeout,
        stall: Some(cfg.stall_timeout.get()),
        nice: cfg.nice,
        max_file_bytes: (input_bytes.saturating_mul(4)).max(1 << 30),
        max_memory: None,
    }
}

pub(super) fn process_failure(stage: Stage, e: ProcessError, what: &str) -> Failure {
    match e {
        ProcessError::Spawn { .. } | ProcessError::Io { .. } => {
            Failure::transient(stage, Reason::FfmpegUnavailable, e.to_string())
        }
        // Not the input's fault: the OOM killer or an operator, or our own disk.
        ProcessError::Killed { .. } => Failure::transient(stage, Reason::FfmpegKilled, format!("{what}: {e}")),
        ProcessError::DiskFull { .. } => Failure::transient(stage, Reason::DiskFull, format!("{what}: {e}")),
        ProcessError::Timeout { .. } => Failure::fail(stage, Reason::Timeout, format!("{what}: {e}")),
        // No progress for `video.stall_timeout`: it would stall again.
        ProcessError::Stalled { .. } => Failure::fail(stage, Reason::Stalled, format!("{what}: {e}")),
        // The output would be over 4× the input (and over 1 GiB): retrying cannot help.
        ProcessError::OutputLimit { .. } => Failure::fail(stage, Reason::OutputTooLarge, format!("{what}: {e}")),
        ProcessError::Failed { .. } => Failure::reject(stage, Reason::Corrupt, format!("{what}: {e}")),
    }
}

/// Runs ffprobe on the local file with the detected demuxer forced.
pub async fn probe(cfg: &VideoConfig, path: &Path, demuxer: &str) -> Result<VideoInfo, Failure> {
    let args = probe_args(demuxer, path);
    let out = process::run_capture(Path::new(&cfg.ffprobe), &args, limits(cfg, cfg.timeout_floor.get(), 0))
        .await
        .map_err(|e| process_failure(Stage::Video, e, "the file is not a readable video"))?;
    parse_probe(&out).map_err(|m| {
        if m == NO_VIDEO_STREAM {
            Failure::reject(Stage::Video, Reason::NoVideoStream, "the file has no video stream (audio only?)")
        } else {
            Failure::reject(Stage::Video, Reason::Corrupt, format!("the file is not a readable video: {m}"))
        }
    })
}

/// The stage: probe, the profile's limits, one transcode run for every MP4 output, posters.
pub async fn run(a: &Attempt<'_>, fetched: &Fetched, detected: &Detected) -> Result<Vec<Produced>, Stop> {
    let app = a.app;
    let cfg = &app.cfg.video;
    let demuxer = detected.media.demuxer().ok_or_else(|| {
        Failure::reject(
            Stage::Validate,
            Reason::TypeNotAllowed,
            format!("{} is not a video container", detected.mime()),
        )
    })?;
    let info = {
        let _t = app.metrics.time_stage(Stage::Validate);
        probe(cfg, &a.source, demuxer).await?
    };
    a.record_facts(
        Stage::Validate,
        fetched.bytes,
        &fetched.sha256,
        Some(detected.mime()),
        Some(&detected.facts(&info)),
    )
    .await?;
    check_limits(a.profile, &info)?;
    // One transcode at a time per `video.concurrency`, separate from image work. A job that
    // would wait for a slot goes back to the queue instead of holding a worker slot meanwhile.
    let Ok(_slot) = app.video_slots.try_acquire() else {
        app.metrics.deferred.with_label_values(&["video_capacity"]).inc();
        return Err(Stop::Deferred { reason: super::VIDEO_BUSY.into(), after: super::VIDEO_BUSY_WAIT });
    };
    // ffmpeg's memory counts against the daemon's budget too: decoder, filter graph and x264's
    // lookahead grow with the frame size.
    let need = video_memory_estimate(&info);
    let _reservation = app.memory.reserve(need).await.map_err(|total| {
        Failure::reject(
            Stage::Validate,
            Reason::TooMuchMemory,
            format!(
                "transcoding this {}×{} video needs about {} MiB, more than worker.memory_budget ({} MiB)",
                info.width,
                info.height,
                need >> 20,
                total >> 20
            ),
        )
    })?;
    let encodes = encodes(a.profile, &info, &a.dir);
    let mut picture = picture(cfg, a.profile, &info);
    picture.tone = with_lut(app, &a.dir, picture.tone, info.hdr_peak).await?;
    // ffmpeg's runs have their own limits; the attempt's deadline makes room for them, so
    // `worker.job_timeout` is never shorter than the transcode the profile allows.
    let limit = transcode_limit(cfg, info.duration_secs, encodes.len());
    a.extend_deadline(limit + cfg.timeout_floor.get());
    transcode(a, demuxer, &info, fetched.bytes, &encodes, &picture).await?;
    let mut produced = Vec::with_capacity(encodes.len() + a.profile.video.posters.len());
    for e in encodes {
        let path = e.path.clone();
        let (bytes, sha256) = app
            .cpu
            .run(move || crate::workdir::sha256_file(&path))
            .await
            .map_err(|err| Failure::transient(Stage::Video, Reason::CpuPool, err.to_string()))?
            .map_err(|err| super::attempt::temp_failure(Stage::Video, &err, "hashing a transcode"))?;
        produced.push(Produced {
            variant: e.name,
            extension: VIDEO_OUTPUT_EXTENSION,
            content_type: VIDEO_OUTPUT_CONTENT_TYPE,
            path: e.path,
            bytes,
            width: Some(e.width),
            height: Some(e.height),
            sha256,
        });
    }
    produced.extend(posters(a, demuxer, &info, fetched.bytes).await?);
    Ok(produced)
}

/// What every output of the run does to the frames: HDR tone-mapped (or kept, per profile),
/// the frame rate capped.
pub fn picture(cfg: &VideoConfig, profile: &Profile, info: &VideoInfo) -> Picture {
    Picture { tone: tone(cfg, profile.video.hdr, info), fps: fps_cap(info.frame_rate, profile.video.max_fps) }
}

/// The colour handling an HDR source gets. Tags are passed to zscale only from a fixed list
/// (ffprobe's names are zscale's); an HDR clip missing some is taken as BT.2020.
pub fn tone(cfg: &VideoConfig, hdr: crate::config::Hdr, info: &VideoInfo) -> Tone {
    let Some(kind) = info.hdr else {
        return Tone::Sdr;
    };
    let transfer = if kind == "hlg" { "arib-std-b67" } else { "smpte2084" };
    if hdr == crate::config::Hdr::Keep {
        return Tone::KeepHdr { transfer: transfer.into() };
    }
    let pick = |v: &Option<String>, allowed: &[&str], default: &str| {
        v.as_deref().filter(|v| allowed.contains(v)).unwrap_or(default).to_owned()
    };
    Tone::ToSdr {
        operator: cfg.tonemap.clone(),
        transfer: transfer.into(),
        primaries: pick(&info.color_primaries, &["bt2020", "bt709", "smpte432", "smpte431"], "bt2020"),
        matrix: pick(&info.color_space, &["bt2020nc", "bt2020c", "bt709"], "bt2020nc"),
        lut: None,
    }
}

/// An HDR → SDR tone with its 3D LUT written into the job directory (once per job: the poster
/// and the transcode share it), computed on the CPU pool. A source the LUT does not cover, or
/// a job directory whose path a filter string cannot hold as it is, keeps the zscale chain.
async fn with_lut(app: &App, dir: &JobDir, tone: Tone, peak: Option<f64>) -> Result<Tone, Failure> {
    let Tone::ToSdr { operator, transfer, primaries, matrix, lut: None } = tone else {
        return Ok(tone);
    };
    let path = dir.file("tonemap.cube");
    let covered = tonemap::swscale_matrix(&matrix).is_some() && tonemap::filter_safe(&path);
    let mut lut = None;
    if covered && tokio::fs::metadata(&path).await.is_ok() {
        lut = Some(path);
    } else if covered {
        let (t, p, o) = (transfer.clone(), primaries.clone(), operator.clone());
        let text = app
            .cpu
            .run(move || tonemap::cube(&t, &p, &o, peak.unwrap_or(tonemap::DEFAULT_PEAK)))
            .await
            .map_err(|e| Failure::transient(Stage::Video, Reason::CpuPool, e.to_string()))?;
        if let Some(text) = text {
            tokio::fs::write(&path, text).await.map_err(|e| {
                Failure::transient(Stage::Video, Reason::TempUnavailable, format!("writing the tone-mapping LUT: {e}"))
            })?;
            lut = Some(path);
        }
    }
    Ok(Tone::ToSdr { operator, transfer, primaries, matrix, lut })
}

/// The profile's duration and pixel limits, from the probe; and what cannot be shown right.
fn check_limits(profile: &Profile, info: &VideoInfo) -> Result<(), Failure> {
    let pv = &profile.video;
    if info.dolby_vision_without_base_layer() {
        return Err(Failure::reject(
            Stage::Validate,
            Reason::Unsupported,
            "Dolby Vision profile 5 has no HDR10, HLG or SDR base layer; its colours cannot be converted without Dolby's decoder",
        ));
    }
    if info.duration_secs > pv.max_duration.get().as_secs_f64() {
        return Err(Failure::reject(
            Stage::Validate,
            Reason::TooLong,
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
            Reason::TooManyPixels,
            format!(
                "the video is {}×{} = {pixels} pixels, above the limit of {}",
                info.width, info.height, profile.max_pixels
            ),
        ));
    }
    Ok(())
}

/// Runs the transcode, reporting progress to the database and the progress gauge.
async fn transcode(
    a: &Attempt<'_>,
    demuxer: &str,
    info: &VideoInfo,
    size: u64,
    encodes: &[Encode],
    picture: &Picture,
) -> Result<(), Failure> {
    let (app, id) = (a.app, a.id());
    let cfg = &app.cfg.video;
    let timer = std::time::Instant::now();
    let _t = a.enter(Stage::Video).await;
    let args = transcode_args(cfg, a.profile, demuxer, &a.source, encodes, picture);
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
        limits(cfg, transcode_limit(cfg, duration, encodes.len()), size),
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
    app.metrics.video_transcode_seconds.observe(timer.elapsed().as_secs_f64());
    Ok(())
}

/// The MP4 outputs of one transcode run: the main `video` inside the profile's box, then each
/// rendition that comes out smaller than it (never upscaled, so a small source gets no
/// redundant copies).
pub fn encodes(profile: &Profile, info: &VideoInfo, dir: &JobDir) -> Vec<Encode> {
    let pv = &profile.video;
    let (w, h) = fit_even(info.width, info.height, pv.max_width, pv.max_height);
    let mut out = vec![Encode {
        name: "video".into(),
        path: dir.file("video.mp4"),
        width: w,
        height: h,
        crf: pv.crf,
        codec: crate::config::VideoCodec::H264,
    }];
    for r in &pv.renditions {
        let (rw, rh) = fit_even(info.width, info.height, r.max_width, r.max_height);
        if u64::from(rw) * u64::from(rh) >= u64::from(w) * u64::from(h) {
            tracing::debug!(rendition = %r.name, "Skipping a rendition no smaller than the main video.");
            continue;
        }
        let path = dir.file(&format!("{}.mp4", r.name));
        // About the same quality across codecs for the same `crf`: x265 and SVT-AV1 scales sit
        // higher than x264's.
        let crf = r.crf.unwrap_or(match r.codec {
            crate::config::VideoCodec::H264 => pv.crf,
            crate::config::VideoCodec::Hevc => pv.crf.saturating_add(5).min(51),
            crate::config::VideoCodec::Av1 => pv.crf.saturating_add(12).min(63),
        });
        out.push(Encode { name: r.name.clone(), path, width: rw, height: rh, crf, codec: r.codec });
    }
    out
}

/// The posters: one frame at min(1 s, 10 % of the duration), rendered through the image
/// variant code.
pub async fn posters(a: &Attempt<'_>, demuxer: &str, info: &VideoInfo, size: u64) -> Result<Vec<Produced>, Failure> {
    if a.profile.video.posters.is_empty() {
        return Ok(Vec::new());
    }
    let data = extract_frame(a.app, &a.dir, &a.source, demuxer, info, size).await?;
    let recipe = media::Recipe::posters(a.profile);
    let rendered = a
        .app
        .cpu
        .run(move || {
            let info = media::probe(&data, ImageFormat::Png, recipe.max_pixels)?;
            media::render(&data, &info, &recipe).map(hash_rendered)
        })
        .await
        .map_err(|e| Failure::transient(Stage::Image, Reason::CpuPool, e.to_string()))?
        .map_err(|e| Failure::fail(Stage::Image, Reason::PosterFailed, e.to_string()))?;
    write_rendered(a, Stage::Image, rendered).await
}

/// The poster frame as PNG bytes.
pub async fn extract_frame(
    app: &App,
    dir: &JobDir,
    source: &Path,
    demuxer: &str,
    info: &VideoInfo,
    size: u64,
) -> Result<Vec<u8>, Failure> {
    let cfg = &app.cfg.video;
    let frame = dir.file("frame.png");
    let tone = match tone(cfg, crate::config::Hdr::Tonemap, info) {
        // A kept-HDR video's poster is tone-mapped all the same: a JPEG is SDR.
        Tone::KeepHdr { .. } => Tone::Sdr,
        t => with_lut(app, dir, t, info.hdr_peak).await?,
    };
    // A seek past the only frame (a one-frame WebM, a still with a long declared duration)
    // yields no frame and no error: try once more from the start before calling it corrupt.
    let first = (info.duration_secs * 0.1).min(1.0);
    for at in [first, 0.0] {
        let _ = tokio::fs::remove_file(&frame).await;
        let args = poster_args(cfg, demuxer, source, at, &frame, &tone);
        process::run_ffmpeg(Path::new(&cfg.ffmpeg), args, limits(cfg, cfg.timeout_floor.get(), size), |_| {})
            .await
            .map_err(|e| process_failure(Stage::Video, e, "extracting the poster frame failed"))?;
        match tokio::fs::read(&frame).await {
            Ok(data) if !data.is_empty() => return Ok(data),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Failure::transient(
                    Stage::Video,
                    Reason::TempUnavailable,
                    format!("reading the poster frame: {e}"),
                ));
            }
        }
        if at == 0.0 {
            break;
        }
    }
    Err(Failure::reject(Stage::Video, Reason::Corrupt, "the video has no decodable frame for the poster"))
}

/// What `uploadd check-config` reports about the tools: versions, or why video cannot work.
pub async fn check_tools(cfg: &VideoConfig) -> Result<String, String> {
    let limits =
        Limits { timeout: Duration::from_secs(10), stall: None, nice: 0, max_file_bytes: 1 << 20, max_memory: None };
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
    let limits =
        Limits { timeout: Duration::from_secs(60), stall: None, nice: 0, max_file_bytes: 1 << 30, max_memory: None };
    let ok = process::run_ffmpeg(Path::new(&cfg.ffmpeg), args, limits, |_| {}).await.is_ok();
    let bytes = if ok { std::fs::read(&out).ok() } else { None };
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

fn s(v: &str) -> String {
    v.to_owned()
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
        assert_eq!(parse_probe(br#"{"streams":[],"format":{}}"#).unwrap_err(), "no streams");
        assert!(parse_probe(br#"{"streams":[{"codec_type":"video","width":10,"height":10}],"format":{}}"#).is_err());
        assert_eq!(i.hdr_peak, None);
    }

    #[test]
    fn the_hdr_peak_comes_from_maxcll_else_the_mastering_display() {
        let clip = |side: &str| {
            format!(
                r#"{{"streams":[{{"codec_type":"video","codec_name":"hevc","width":3840,"height":2160,
                "color_transfer":"smpte2084","side_data_list":[{side}]}}],"format":{{"duration":"5"}}}}"#
            )
        };
        let mastering = r#"{"side_data_type":"Mastering display metadata","max_luminance":"40000000/10000"}"#;
        let cll = r#"{"side_data_type":"Content light level metadata","max_content":1600,"max_average":400}"#;
        let peak = |side: &str| parse_probe(clip(side).as_bytes()).unwrap().hdr_peak;
        assert_eq!(peak(mastering), Some(40.0));
        assert_eq!(peak(&format!("{mastering},{cll}")), Some(16.0));
        assert_eq!(peak(r#"{"side_data_type":"Content light level metadata","max_content":0}"#), None);
        assert_eq!(peak(r#"{"side_data_type":"Mastering display metadata","max_luminance":"1/0"}"#), None);
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
}
