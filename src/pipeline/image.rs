//! The image stage: header facts first (dimensions, orientation, colour), so the profile's
//! limits apply before any pixel is decoded; then one decode feeds every variant (a JPEG is
//! decoded row by row from the file), each encoded without metadata. All of it on the CPU
//! pool, hashing included.

use std::path::{Path, PathBuf};

use super::attempt::{Attempt, Produced, Stop, hash_rendered, write_rendered};
use super::validate::Detected;
use crate::media::heif::DecodeFailure;
use crate::media::{self, ImageInfo, MediaError};
use crate::outcome::{Failure, Reason, Stage};
use crate::process::{self, Limits, ProcessError};
use crate::storage::Fetched;

pub async fn run(a: &Attempt<'_>, fetched: &Fetched, detected: &Detected) -> Result<Vec<Produced>, Stop> {
    let format = detected.media.image_format().ok_or_else(|| {
        Failure::reject(Stage::Validate, Reason::TypeNotAllowed, format!("{} is not an image", detected.mime()))
    })?;
    let max_pixels = a.profile.max_pixels;
    let recipe = media::Recipe::images(a.profile);
    // Header facts, timed with validation: limits apply before any pixel is decoded.
    let mut info = {
        let _t = a.app.metrics.time_stage(Stage::Validate);
        let path = a.source.clone();
        a.app
            .cpu
            .run(move || media::probe_file(&path, format, max_pixels))
            .await
            .map_err(|e| Failure::transient(Stage::Validate, Reason::CpuPool, e.to_string()))?
            .map_err(|e| media_failure(Stage::Validate, e))?
    };
    // An animation's fate follows from its frame count and the profile's caps, and is recorded.
    info.animation = media::animation::decide(&info, &recipe);
    record_facts(a, Stage::Validate, fetched, detected, &info).await?;
    // Room in the daemon's memory budget before any pixel buffer exists.
    let need = media::memory_estimate(&info, &a.profile.variants, fetched.bytes);
    let reservation = a.app.memory.reserve(need).await.map_err(|total| {
        Failure::reject(
            Stage::Validate,
            Reason::TooMuchMemory,
            format!(
                "decoding this {}×{} image needs about {} MiB, more than worker.memory_budget ({} MiB)",
                info.width,
                info.height,
                need >> 20,
                total >> 20
            ),
        )
    })?;
    let (rendered, fell_back) = {
        let _t = a.enter(Stage::Image).await;
        // HEIC/AVIF: decoded by libheif in a confined child, into a raw file read back here.
        let decoded = if format.is_heif() { Some(decode_heif(a, &info).await?) } else { None };
        let path = a.source.clone();
        let info = info.clone();
        a.app
            .cpu
            .run(move || {
                // Held until the work really ends, even if the job was abandoned meanwhile.
                let _reservation = reservation;
                match decoded {
                    Some(raw) => {
                        let raster = media::heif::read_decoded(&raw, &info);
                        let _ = std::fs::remove_file(&raw);
                        media::render_raster(raster?, &info, &recipe).map(|r| (hash_rendered(r), None))
                    }
                    None => render_or_first_frame(&path, &info, &recipe).map(|(r, f)| (hash_rendered(r), f)),
                }
            })
            .await
            .map_err(|e| Failure::transient(Stage::Image, Reason::CpuPool, e.to_string()))?
            .map_err(|e| media_failure(Stage::Image, e))?
    };
    if let Some(facts) = fell_back {
        tracing::warn!(upload = %a.id(), reason = ?facts.reason, "The animation could not be decoded; its first frame was used.");
        info.animation = Some(facts);
        record_facts(a, Stage::Image, fetched, detected, &info).await?;
    }
    let mut produced = write_rendered(a, Stage::Image, rendered).await?;
    produced.extend(super::animation::run(a, &info, fetched.bytes).await?);
    Ok(produced)
}

/// The upload's facts as the image stage knows them (size, type, header facts).
async fn record_facts(
    a: &Attempt<'_>,
    stage: Stage,
    fetched: &Fetched,
    detected: &Detected,
    info: &ImageInfo,
) -> Result<(), Failure> {
    a.record_facts(stage, fetched.bytes, &fetched.sha256, Some(detected.mime()), Some(&detected.facts(info))).await
}

/// Every variant; an animation whose frames cannot be decoded (a frame sequence out of order, a
/// 16-bit APNG, a truncated later frame) falls back to its first frame — the default image
/// browsers and non-animating readers show — and the returned facts say so. A file whose first
/// frame cannot be decoded either is still corrupt.
fn render_or_first_frame(
    path: &Path,
    info: &ImageInfo,
    recipe: &media::Recipe,
) -> Result<(Vec<media::Rendered>, Option<media::animation::AnimationFacts>), MediaError> {
    let animated = info.animation.as_ref().filter(|x| x.animated_output);
    match (media::render_file(path, info, recipe), animated) {
        (Err(e @ (MediaError::Corrupt(_) | MediaError::Unsupported(_))), Some(facts)) => {
            let facts = media::animation::AnimationFacts {
                frames: facts.frames,
                animated_output: false,
                reason: Some(format!("the animation cannot be decoded ({e}): every output is its first frame")),
            };
            let still = ImageInfo { animation: Some(facts.clone()), ..info.clone() };
            media::render_file(path, &still, recipe).map(|r| (r, Some(facts)))
        }
        (r, _) => r.map(|r| (r, None)),
    }
}

/// Runs `uploadd heif-decode` on the original: the child may use about what the image needs
/// plus a fixed allowance, write exactly the raw image, and run for `images.heif_timeout`.
async fn decode_heif(a: &Attempt<'_>, info: &ImageInfo) -> Result<PathBuf, Failure> {
    let cfg = &a.app.cfg.images;
    let out = a.dir.file("decoded.raw");
    let px = u64::from(info.stored_width) * u64::from(info.stored_height);
    let limits = Limits {
        timeout: cfg.heif_timeout.get(),
        stall: None,
        nice: 0,
        max_file_bytes: 20 + px * 4,
        max_memory: Some((768 << 20) + px.saturating_mul(24)),
    };
    let args = [
        "heif-decode".to_owned(),
        "--max-pixels".to_owned(),
        a.profile.max_pixels.to_string(),
        "--threads".to_owned(),
        cfg.heif_threads.to_string(),
        a.source.display().to_string(),
        out.display().to_string(),
    ];
    let program = heif_decoder(&cfg.heif_decoder);
    match process::run_capture(&program, &args, limits).await {
        Ok(_) => Ok(out),
        Err(e) => Err(heif_failure(e)),
    }
}

/// The decoder program: `images.heif_decoder`, or this very binary.
fn heif_decoder(configured: &str) -> PathBuf {
    if configured.is_empty() {
        std::env::current_exe().unwrap_or_else(|_| PathBuf::from("uploadd"))
    } else {
        Path::new(configured).to_path_buf()
    }
}

/// What a failed decode means: the file's fault (corrupt, unsupported, too big) is a
/// rejection; being killed or not starting is ours, and worth a retry.
fn heif_failure(e: ProcessError) -> Failure {
    let stage = Stage::Image;
    match e {
        ProcessError::Failed { ref stderr, ref status, .. } => {
            if !stderr.contains("heif-decode: ") {
                // No message: it crashed (SIGSEGV, SIGABRT) on this input.
                return Failure::reject(
                    stage,
                    Reason::Corrupt,
                    format!("the HEIF decoder crashed on this file ({status})"),
                );
            }
            let (kind, detail) = DecodeFailure::from_stderr(stderr);
            match kind {
                DecodeFailure::Corrupt => {
                    Failure::reject(stage, Reason::Corrupt, format!("corrupt or truncated file: {detail}"))
                }
                DecodeFailure::TooManyPixels => Failure::reject(stage, Reason::TooManyPixels, detail),
                DecodeFailure::Unsupported => Failure::reject(stage, Reason::Unsupported, detail),
                DecodeFailure::Memory => Failure::reject(
                    stage,
                    Reason::TooMuchMemory,
                    format!("decoding needs more memory than the decoder may use: {detail}"),
                ),
                DecodeFailure::Io => Failure::transient(stage, Reason::TempUnavailable, detail),
            }
        }
        ProcessError::Timeout { .. } => Failure::fail(stage, Reason::Timeout, format!("decoding the image: {e}")),
        ProcessError::Killed { .. } => Failure::transient(stage, Reason::DecoderKilled, e.to_string()),
        ProcessError::Spawn { .. } => Failure::transient(stage, Reason::DecoderUnavailable, e.to_string()),
        ProcessError::OutputLimit { .. } => {
            Failure::reject(stage, Reason::Corrupt, "the decoded image is larger than its header said")
        }
        ProcessError::DiskFull { .. } => Failure::transient(stage, Reason::DiskFull, e.to_string()),
        ProcessError::Stalled { .. } | ProcessError::Io { .. } => {
            Failure::transient(stage, Reason::TempUnavailable, e.to_string())
        }
    }
}

/// What a media error means for the upload.
pub fn media_failure(stage: Stage, e: MediaError) -> Failure {
    match e {
        MediaError::Corrupt(m) => Failure::reject(stage, Reason::Corrupt, format!("corrupt or truncated file: {m}")),
        MediaError::TooManyPixels { .. } | MediaError::OverLimits(_) => {
            Failure::reject(stage, Reason::TooManyPixels, e.to_string())
        }
        MediaError::Unsupported(m) => Failure::reject(stage, Reason::Unsupported, m),
        MediaError::Encode { .. } => Failure::fail(stage, Reason::EncodeFailed, e.to_string()),
        MediaError::Io(m) => Failure::transient(stage, Reason::TempUnavailable, m),
    }
}
