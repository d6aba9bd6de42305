//! Image work, all of it synchronous and CPU-bound (callers run it in the bounded CPU pool):
//! read facts from the header without decoding ([`probe`]), then decode once and derive every
//! variant ([`render`]).
//!
//! The fast path (measured in `bench/`): JPEGs are decoded by libjpeg-turbo at the smallest DCT
//! scale that still covers the largest variant, resized with `fast_image_resize` (SIMD
//! Lanczos3), each smaller variant is derived from the smallest intermediate that covers it,
//! EXIF orientation is applied to the small outputs rather than the big decode, and outputs are
//! encoded by libjpeg-turbo / libwebp / `image`'s PNG encoder. No output carries metadata.
//!
//! Safety: limits are checked from the header before any pixel buffer is allocated, and every
//! decoder error is a [`MediaError::Corrupt`], never a panic: the pure-Rust decoders (`image`,
//! `png`, `gif`, `image-webp`) run inside [`guarded`], so one that panics on hostile bytes makes
//! the file corrupt instead of failing the job attempt after attempt.

pub mod animation;
pub mod colour;
mod decode;
mod encode;
pub mod exif;
pub mod heif;
mod jpeg;
pub mod placeholder;
mod plan;
mod probe;
mod raster;
pub mod samples;
#[cfg(test)]
mod tests;
mod webp;

use crate::config::{Animation, Colour, OutputFormat, Profile, VariantSpec};
pub use crate::formats::ImageFormat;
use decode::{dct_scale, decode};
use encode::encode;
pub use plan::memory_estimate;
use plan::{Plan, plan_all, schedule};
use probe::dim;
pub use probe::{ImageInfo, probe, probe_file};
pub use raster::Raster;
use raster::RowResizer;

/// Longest side accepted from any header (also the ceiling for `image`'s own limits).
const MAX_SIDE: u32 = 65_500;
/// Progressive JPEG scans decoded at most (a hostile file can declare thousands; real encoders
/// write about ten).
const JPEG_SCAN_LIMIT: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The bytes are not a decodable image of the detected type.
    #[error("corrupt image: {0}")]
    Corrupt(String),
    /// The header declares more pixels than the profile allows.
    #[error("image is {width}×{height} = {} pixels, above the limit of {limit}", u64::from(*width) * u64::from(*height))]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    /// The decoder met something (a frame, a buffer) beyond its size limits that the header
    /// did not declare.
    #[error("the image is beyond the decoder's limits: {0}")]
    OverLimits(String),
    /// A valid image this build cannot handle.
    #[error("unsupported image: {0}")]
    Unsupported(String),
    /// The local file could not be read (not the upload's fault: worth a retry).
    #[error("reading the image file failed: {0}")]
    Io(String),
    /// Encoding an output failed (a bug or an impossible size), not the input's fault.
    #[error("encoding the {variant} variant failed: {message}")]
    Encode { variant: String, message: String },
}

/// Runs a decoder over the upload's bytes. A panic inside it (image-webp 0.2.4 indexes past its
/// alpha buffer when a frame's VP8 header is taller than its `ANMF`) is the file's doing — the
/// same bytes would panic on every retry — so it becomes [`MediaError::Corrupt`] with a fixed
/// message (the panic text is logged, not handed to producers).
pub(crate) fn guarded<T>(decoder: &str, f: impl FnOnce() -> Result<T, MediaError>) -> Result<T, MediaError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::warn!(decoder, panic = %msg, "A decoder panicked on an upload's bytes; the file is corrupt.");
        Err(MediaError::Corrupt(format!("the {decoder} decoder failed on this file")))
    })
}

/// One encoded output.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub name: String,
    pub format: OutputFormat,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// What to make of one image: a profile's variants (or a video's posters) and how.
#[derive(Debug, Clone)]
pub struct Recipe {
    pub variants: Vec<VariantSpec>,
    /// Transparency is flattened onto this colour where it must be.
    pub background: [u8; 3],
    pub max_pixels: u64,
    pub colour: Colour,
    pub animation: Animation,
    pub max_frames: u32,
    pub max_animation_pixels: u64,
}

impl Recipe {
    /// The profile's image variants.
    pub fn images(p: &Profile) -> Recipe {
        Recipe {
            variants: p.variants.clone(),
            background: p.background_rgb(),
            max_pixels: p.max_pixels,
            colour: p.colour,
            animation: p.animation,
            max_frames: p.max_frames,
            max_animation_pixels: p.max_animation_pixels,
        }
    }

    /// The profile's video posters.
    pub fn posters(p: &Profile) -> Recipe {
        Recipe { variants: p.video.posters.clone(), ..Recipe::images(p) }
    }
}

/// Decodes once and produces every variant, in the recipe's order. An animation the profile
/// keeps ([`ImageInfo::animation`]) has its WebP variants made frame by frame.
pub fn render(data: &[u8], info: &ImageInfo, recipe: &Recipe) -> Result<Vec<Rendered>, MediaError> {
    if info.animation.as_ref().is_some_and(|a| a.animated_output) {
        return render_animated(data, info, recipe);
    }
    render_still(data, info, recipe)
}

/// WebP variants animated, the others from the first frame.
fn render_animated(data: &[u8], info: &ImageInfo, recipe: &Recipe) -> Result<Vec<Rendered>, MediaError> {
    let mut out = animation::render_webp(data, info, recipe)?;
    let stills: Vec<VariantSpec> = recipe.variants.iter().filter(|v| v.format != OutputFormat::Webp).cloned().collect();
    if !stills.is_empty() {
        out.extend(render_still(data, info, &Recipe { variants: stills, ..recipe.clone() })?);
    }
    out.sort_by_key(|r| recipe.variants.iter().position(|v| v.name == r.name));
    Ok(out)
}

fn render_still(data: &[u8], info: &ImageInfo, recipe: &Recipe) -> Result<Vec<Rendered>, MediaError> {
    let (_, needed) = plan_all(info, &recipe.variants);
    let decoded = decode(data, info, needed, recipe)?;
    render_raster(decoded, info, recipe)
}

/// Every variant from pixels already decoded (in the stored frame; RGB8 or straight RGBA8),
/// e.g. by the HEIF child process.
pub fn render_raster(mut decoded: Raster, info: &ImageInfo, recipe: &Recipe) -> Result<Vec<Rendered>, MediaError> {
    let (plans, _) = plan_all(info, &recipe.variants);
    let keep_alpha = info.has_alpha && recipe.variants.iter().any(|v| v.format != OutputFormat::Jpeg && !v.flatten);
    if decoded.channels == 4 && (!keep_alpha || decoded.is_opaque()) {
        decoded = decoded.flatten(recipe.background);
    }
    if decoded.channels == 4 {
        decoded.premultiply()?;
    }
    derive_variants(info, recipe, &plans, |resizer, _, p| {
        decoded.resize(resizer, p.out_w, p.out_h, p.crop_fw, p.crop_fh)
    })
}

/// Like [`render`], reading the image from `path`. JPEGs (but CMYK) are decoded row by row and
/// resized as the rows arrive, so neither the file nor the decoded image is held in memory;
/// other formats are read whole.
pub fn render_file(path: &std::path::Path, info: &ImageInfo, recipe: &Recipe) -> Result<Vec<Rendered>, MediaError> {
    if info.libjpeg_decodes() {
        return render_jpeg_rows(path, info, recipe);
    }
    let data = std::fs::read(path).map_err(|e| MediaError::Io(e.to_string()))?;
    render(&data, info, recipe)
}

/// Decoded rows stream into a [`RowResizer`] per decode-sourced variant, a strip of
/// [`STRIP_ROWS`] at a time. Peak memory: libjpeg's own (for a progressive file, its whole
/// coefficient buffer), one strip, and those variants' outputs.
fn render_jpeg_rows(path: &std::path::Path, info: &ImageInfo, recipe: &Recipe) -> Result<Vec<Rendered>, MediaError> {
    let max_pixels = recipe.max_pixels;
    let (plans, needed) = plan_all(info, &recipe.variants);
    let mut dec = jpeg::RowDecoder::open(path, JPEG_SCAN_LIMIT)?;
    if (dec.width, dec.height) != (info.stored_width, info.stored_height) {
        return Err(MediaError::Corrupt(format!(
            "the header says {}×{}, the probe said {}×{}",
            dec.width, dec.height, info.stored_width, info.stored_height
        )));
    }
    if u64::from(dec.width) * u64::from(dec.height) > max_pixels {
        return Err(MediaError::TooManyPixels { width: info.width, height: info.height, limit: max_pixels });
    }
    let (w, h) = dec.start(dct_scale(needed) as u32)?;
    let (_, sources) = schedule(&plans);
    let mut streams: Vec<(usize, RowResizer)> = (0..plans.len())
        .filter(|&i| sources[i].is_none())
        .map(|i| (i, RowResizer::new(w, h, plans[i].out_w, plans[i].out_h, plans[i].crop_fw, plans[i].crop_fh)))
        .collect();
    let stride = w as usize * 3;
    let mut strip = vec![0u8; stride * STRIP_ROWS.min(h as usize)];
    let mut resizer = fast_image_resize::Resizer::new();
    loop {
        let mut n = 0;
        while n * stride < strip.len() {
            let got = dec.read(&mut strip[n * stride..])?;
            if got == 0 {
                break;
            }
            n += got;
        }
        if n == 0 {
            break;
        }
        for (_, s) in &mut streams {
            s.push(&mut resizer, &strip[..n * stride], dim(n)?)?;
        }
    }
    dec.finish()?;
    drop(strip);
    let mut ready: Vec<Option<Raster>> = vec![None; plans.len()];
    for (i, s) in streams {
        ready[i] = Some(s.finish()?);
    }
    derive_variants(info, recipe, &plans, |_, i, _| {
        ready
            .get_mut(i)
            .and_then(Option::take)
            .ok_or_else(|| MediaError::Corrupt("no decoded rows for a variant".into()))
    })
}

/// What the outputs' colours need: see [`colour::plan`].
fn colour_plan<'a>(info: &'a ImageInfo, recipe: &Recipe) -> (Option<colour::ToSrgb>, Option<&'a [u8]>) {
    colour::plan(info.icc.as_deref(), colour::Model::of(&info.color), recipe.colour)
}

/// Rows decoded per strip: the resizer recomputes its weights per call, so strips are tall
/// enough for that to be noise, and small next to the image.
const STRIP_ROWS: usize = 128;

/// Produces every variant in [`schedule`] order: decode-sourced ones through `from_decoded`
/// (given the variant's index and plan; it returns the resized pixels, premultiplied if RGBA), the others from the smallest
/// earlier full-frame variant that covers them. Then flattening or un-premultiplying, the
/// conversion to sRGB (on the small outputs, not the decode), orientation and encoding.
fn derive_variants(
    info: &ImageInfo,
    recipe: &Recipe,
    plans: &[Plan],
    mut from_decoded: impl FnMut(&mut fast_image_resize::Resizer, usize, &Plan) -> Result<Raster, MediaError>,
) -> Result<Vec<Rendered>, MediaError> {
    let (variants, background) = (&recipe.variants, recipe.background);
    let (to_srgb, embed) = colour_plan(info, recipe);
    let (order, sources) = schedule(plans);
    let mut resizer = fast_image_resize::Resizer::new();
    // Results that smaller variants derive from (same pixel format as the decode).
    let mut kept: Vec<Option<Raster>> = vec![None; variants.len()];
    let mut out: Vec<Option<Rendered>> = vec![None; variants.len()];
    for i in order {
        let (v, p) = (&variants[i], &plans[i]);
        let resized = match sources[i] {
            Some(j) => kept
                .get(j)
                .and_then(Option::as_ref)
                .ok_or_else(|| MediaError::Corrupt("an intermediate variant is missing".into()))?
                .resize(&mut resizer, p.out_w, p.out_h, p.crop_fw, p.crop_fh)?,
            None => from_decoded(&mut resizer, i, p)?,
        };
        let mut pixels = if (v.format == OutputFormat::Jpeg || v.flatten) && resized.channels == 4 {
            resized.flatten_premultiplied(background)
        } else if resized.channels == 4 {
            let mut r = resized.clone();
            r.unpremultiply()?;
            r
        } else {
            resized.clone()
        };
        if let Some(t) = &to_srgb {
            pixels = t.apply(pixels)?;
        }
        pixels = pixels.oriented(info.orientation);
        let mut data = encode(&pixels, v, embed)?;
        if let Some(icc) = embed {
            data = colour::embed(data, v.format, icc);
        }
        out[i] =
            Some(Rendered { name: v.name.clone(), format: v.format, width: pixels.width, height: pixels.height, data });
        if sources.contains(&Some(i)) {
            kept[i] = Some(resized);
        }
    }
    Ok(out.into_iter().flatten().collect())
}
