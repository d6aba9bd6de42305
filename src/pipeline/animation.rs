//! The optional MP4 of an animation (`animation_mp4 = true` in the profile), like Mastodon's
//! GIF → MP4: H.264 through the video runner (confined, time-limited), next to the animated
//! WebP. GIF and APNG only: Debian's ffmpeg 5.1 cannot decode animated WebP.

use std::path::Path;

use super::attempt::{Attempt, Produced};
use super::video::{animation_args, fit_even, limits, process_failure, time_limit};
use crate::formats::{ImageFormat, VIDEO_OUTPUT_CONTENT_TYPE, VIDEO_OUTPUT_EXTENSION};
use crate::media::ImageInfo;
use crate::outcome::{Failure, Reason, Stage};

/// The `animation` output's variant name (reserved in profiles).
pub const VARIANT: &str = "animation";

pub async fn run(a: &Attempt<'_>, info: &ImageInfo, input_bytes: u64) -> Result<Option<Produced>, Failure> {
    let kept = info.animation.as_ref().is_some_and(|x| x.animated_output);
    let demuxer = match info.format {
        ImageFormat::Gif => "gif",
        ImageFormat::Png => "apng",
        _ => return Ok(None),
    };
    if !a.profile.animation_mp4 || !kept {
        return Ok(None);
    }
    let cfg = &a.app.cfg.video;
    let pv = &a.profile.video;
    let (w, h) = fit_even(info.width, info.height, pv.max_width, pv.max_height);
    let out = a.dir.file(&format!("{VARIANT}.{VIDEO_OUTPUT_EXTENSION}"));
    let args = animation_args(cfg, a.profile, demuxer, &a.source, &out, w, h);
    // A frame count under `max_frames` at GIF speeds: minutes at most.
    let limit = time_limit(cfg, f64::from(info.frames.unwrap_or(1)) * 0.1);
    a.extend_deadline(limit);
    crate::process::run_ffmpeg(Path::new(&cfg.ffmpeg), args, limits(cfg, limit, input_bytes), |_| {})
        .await
        .map_err(|e| process_failure(Stage::Image, e, "making the animation's MP4 failed"))?;
    let path = out.clone();
    let (bytes, sha256) = a
        .app
        .cpu
        .run(move || crate::workdir::sha256_file(&path))
        .await
        .map_err(|e| Failure::transient(Stage::Image, Reason::CpuPool, e.to_string()))?
        .map_err(|e| super::attempt::temp_failure(Stage::Image, &e, "hashing the animation's MP4"))?;
    Ok(Some(Produced {
        variant: VARIANT.into(),
        extension: VIDEO_OUTPUT_EXTENSION,
        content_type: VIDEO_OUTPUT_CONTENT_TYPE,
        path: out,
        bytes,
        width: Some(w),
        height: Some(h),
        sha256,
    }))
}
