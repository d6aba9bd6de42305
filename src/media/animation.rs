//! Animated GIF, WebP and PNG (APNG): frames counted from the container before anything is
//! decoded, the profile's caps applied to that count, and — when the profile keeps animation —
//! every WebP variant encoded as an animated WebP, one frame at a time (one canvas, one resized
//! frame per variant and libwebp's encoder state in memory, whatever the frame count).
//!
//! Frame timing: each frame keeps its delay; GIF delays of 10 ms or less become 100 ms, as every
//! browser plays them, so the WebP runs at the speed the GIF was seen at.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use image::AnimationDecoder;
use serde::Serialize;

use super::plan::{Plan, plan_all};
use super::probe::image_limits;
use super::{ImageFormat, ImageInfo, MediaError, Raster, Recipe, Rendered, colour, webp};
use crate::config::{Animation, OutputFormat};

/// What the header says about the animation, and what the profile made of it (part of the
/// upload's facts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnimationFacts {
    /// Frames the container declares (counted from its headers).
    pub frames: u32,
    /// Whether the WebP variants are animated.
    pub animated_output: bool,
    /// Why not, when the file is animated but the outputs are still.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Frames of an animatable file, from its headers only (`None`: not an animatable format).
pub fn count_frames(path: &Path, format: ImageFormat) -> Result<Option<u32>, MediaError> {
    super::guarded(format.name(), || count(path, format))
}

fn count(path: &Path, format: ImageFormat) -> Result<Option<u32>, MediaError> {
    let io = |e: std::io::Error| MediaError::Io(e.to_string());
    let f = std::fs::File::open(path).map_err(io)?;
    match format {
        ImageFormat::Gif => gif_frames(BufReader::new(f)).map(Some),
        ImageFormat::Webp => webp_frames(f).map(Some).map_err(io),
        ImageFormat::Png => {
            // The profile and text are not needed here: never inflated (see probe's PNG_HEADER_BYTES).
            let mut d = png::Decoder::new(BufReader::new(f));
            d.set_ignore_iccp_chunk(true);
            d.set_ignore_text_chunk(true);
            let reader = d.read_info().map_err(|e| MediaError::Corrupt(e.to_string()))?;
            Ok(Some(reader.info().animation_control.map_or(1, |a| a.num_frames.max(1))))
        }
        // Formats without animation.
        _ => Ok(None),
    }
}

/// Counts image descriptors, skipping every data sub-block unread.
fn gif_frames(mut r: impl Read) -> Result<u32, MediaError> {
    let corrupt = |m: &str| MediaError::Corrupt(format!("GIF: {m}"));
    let mut head = [0u8; 13];
    r.read_exact(&mut head).map_err(|_| corrupt("no header"))?;
    if &head[..3] != b"GIF" {
        return Err(corrupt("no header"));
    }
    let table = |packed: u8| if packed & 0x80 != 0 { 3u64 << ((packed & 7) + 1) } else { 0 };
    if !skip(&mut r, table(head[10]))? {
        return Err(corrupt("truncated colour table"));
    }
    // Cut off anywhere after that (a partial download): the complete frames count, and whether
    // the first one is usable is the decoder's call — Pillow and browsers show what is there.
    let mut frames = 0u32;
    loop {
        let mut b = [0u8; 1];
        if r.read_exact(&mut b).is_err() {
            return Ok(frames);
        }
        let complete = match b[0] {
            0x21 => r.read_exact(&mut [0u8; 1]).is_ok() && skip_sub_blocks(&mut r)?,
            0x2C => {
                let mut desc = [0u8; 9];
                let complete =
                    r.read_exact(&mut desc).is_ok() && skip(&mut r, table(desc[8]) + 1)? && skip_sub_blocks(&mut r)?;
                frames = frames.saturating_add(u32::from(complete));
                complete
            }
            _ => return Ok(frames),
        };
        if !complete {
            return Ok(frames);
        }
    }
}

/// Skips `n` bytes; `false` if the input ends first.
fn skip(r: &mut impl Read, n: u64) -> Result<bool, MediaError> {
    let got = std::io::copy(&mut r.take(n), &mut std::io::sink()).map_err(|e| MediaError::Io(e.to_string()))?;
    Ok(got == n)
}

/// Skips data sub-blocks up to their terminator; `false` if the input ends first.
fn skip_sub_blocks(r: &mut impl Read) -> Result<bool, MediaError> {
    loop {
        let mut len = [0u8; 1];
        if r.read_exact(&mut len).is_err() {
            return Ok(false);
        }
        if len[0] == 0 {
            return Ok(true);
        }
        if !skip(r, u64::from(len[0]))? {
            return Ok(false);
        }
    }
}

/// `ANMF` chunks of a WebP (1 for a still one), seeking from chunk header to chunk header.
fn webp_frames(mut f: std::fs::File) -> std::io::Result<u32> {
    let mut head = [0u8; 12];
    f.read_exact(&mut head)?;
    let mut frames = 0u32;
    let mut chunk = [0u8; 8];
    while f.read_exact(&mut chunk).is_ok() {
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        if &chunk[..4] == b"ANMF" {
            frames = frames.saturating_add(1);
        }
        f.seek(SeekFrom::Current(i64::try_from(size + (size & 1)).unwrap_or(i64::MAX)))?;
    }
    Ok(frames.max(1))
}

/// What the profile makes of an animated file: its WebP variants animated, unless the profile
/// keeps stills or the file is over a cap (then every output is the first frame).
pub fn decide(info: &ImageInfo, recipe: &Recipe) -> Option<AnimationFacts> {
    let frames = info.frames?;
    if frames < 2 {
        return None;
    }
    let pixels = u64::from(info.stored_width) * u64::from(info.stored_height) * u64::from(frames);
    let reason = if recipe.animation == Animation::Still {
        Some("the profile keeps stills (animation = \"still\")".to_owned())
    } else if !recipe.variants.iter().any(|v| v.format == OutputFormat::Webp) {
        Some("the profile has no WebP variant".to_owned())
    } else if frames > recipe.max_frames {
        Some(format!("{frames} frames, over max_frames ({})", recipe.max_frames))
    } else if pixels > recipe.max_animation_pixels {
        Some(format!("{pixels} pixels in all frames, over max_animation_pixels ({})", recipe.max_animation_pixels))
    } else {
        None
    };
    Some(AnimationFacts { frames, animated_output: reason.is_none(), reason })
}

/// A decoded frame: the whole canvas, straight RGBA, and how long it shows.
struct Frame {
    canvas: image::RgbaImage,
    delay_ms: i32,
}

/// Four RGBA8 canvases of the size a PNG's IHDR declares (0 if it has none): the output, the
/// previous frame and the decoder's working buffers.
fn png_canvas_bytes(data: &[u8]) -> u64 {
    let be = |i: usize| data.get(i..i + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_be_bytes);
    4 * 4 * u64::from(be(16)) * u64::from(be(20))
}

/// The frames of `data`, decoded one at a time, each inside [`super::guarded`]: the first panic
/// ends the sequence with a corrupt-file error.
fn frames<'a>(
    data: &'a [u8],
    format: ImageFormat,
) -> Result<Box<dyn Iterator<Item = Result<Frame, MediaError>> + 'a>, MediaError> {
    let mut inner = super::guarded(format.name(), || decoded_frames(data, format))?;
    let mut failed = false;
    Ok(Box::new(std::iter::from_fn(move || {
        if failed {
            return None;
        }
        match super::guarded(format.name(), || inner.next().transpose()) {
            Ok(next) => next.map(Ok),
            Err(e) => {
                failed = true;
                Some(Err(e))
            }
        }
    })))
}

fn decoded_frames<'a>(
    data: &'a [u8],
    format: ImageFormat,
) -> Result<Box<dyn Iterator<Item = Result<Frame, MediaError>> + 'a>, MediaError> {
    let corrupt = |e: image::ImageError| MediaError::Corrupt(e.to_string());
    let cursor = std::io::Cursor::new(data);
    let frames: image::Frames<'a> = match format {
        ImageFormat::Gif => {
            let mut d = image::codecs::gif::GifDecoder::new(cursor).map_err(corrupt)?;
            image::ImageDecoder::set_limits(&mut d, image_limits()).map_err(corrupt)?;
            d.into_frames()
        }
        ImageFormat::Webp => return webp_frames_decoded(data),
        ImageFormat::Png => {
            // `PngDecoder::new` sets no bound at all on what the header's chunks allocate (a
            // deflated ICC profile inflates before anything looks at its size): the budget is
            // the header's plus the frame buffers the decoder reserves against the same limits.
            let mut limits = image_limits();
            limits.max_alloc = Some(png_canvas_bytes(data).saturating_add(super::probe::PNG_HEADER_BYTES as u64));
            image::codecs::png::PngDecoder::with_limits(cursor, limits)
                .map_err(corrupt)?
                .apng()
                .map_err(corrupt)?
                .into_frames()
        }
        _ => return Err(MediaError::Unsupported("not an animated format".into())),
    };
    let gif = format == ImageFormat::Gif;
    Ok(Box::new(frames.map(move |f| {
        let f = f.map_err(corrupt)?;
        let (num, den) = f.delay().numer_denom_ms();
        let ms = num.checked_div(den).unwrap_or(100);
        let delay_ms = if gif && ms <= 10 { 100 } else { i32::try_from(ms.max(1)).unwrap_or(i32::MAX) };
        Ok(Frame { canvas: f.into_buffer(), delay_ms })
    })))
}

/// An animated WebP's frames through libwebp (the `image` crate's pure-Rust decoder refused
/// files libwebp and Pillow read, and panicked on one: see `media::guarded`).
fn webp_frames_decoded<'a>(
    data: &'a [u8],
) -> Result<Box<dyn Iterator<Item = Result<Frame, MediaError>> + 'a>, MediaError> {
    let mut d =
        webp::AnimDecoder::new(data).ok_or_else(|| MediaError::Corrupt("libwebp cannot read this animation".into()))?;
    let (w, h) = d.size();
    Ok(Box::new(std::iter::from_fn(move || {
        d.next_frame().map(|frame| {
            let (pixels, shows_ms) = frame.map_err(MediaError::Corrupt)?;
            let canvas = image::RgbaImage::from_raw(w, h, pixels)
                .ok_or_else(|| MediaError::Corrupt("a frame of the wrong size".into()))?;
            Ok(Frame { canvas, delay_ms: shows_ms.max(1) })
        })
    })))
}

/// Every frame's delay in milliseconds (tests).
#[cfg(test)]
pub(super) fn frame_delays(data: &[u8]) -> Result<Vec<i32>, MediaError> {
    frames(data, ImageFormat::Webp)?.map(|f| f.map(|f| f.delay_ms)).collect()
}

/// The profile's WebP variants as animated WebPs (in `variants` order), the frames decoded one
/// by one and stopped at `max_frames` whatever the file claims.
pub fn render_webp(data: &[u8], info: &ImageInfo, recipe: &Recipe) -> Result<Vec<Rendered>, MediaError> {
    let variants: Vec<_> = recipe.variants.iter().filter(|v| v.format == OutputFormat::Webp).cloned().collect();
    let (plans, _) = plan_all(info, &variants);
    let (to_srgb, embed) = colour::plan(info.icc.as_deref(), colour::Model::of(&info.color), recipe.colour);
    let mut encoders = Vec::with_capacity(variants.len());
    for (v, p) in variants.iter().zip(&plans) {
        let (w, h) = if info.transposed() { (p.out_h, p.out_w) } else { (p.out_w, p.out_h) };
        let enc = webp::AnimEncoder::new(w, h, f32::from(v.quality), v.webp_method)
            .map_err(|message| MediaError::Encode { variant: v.name.clone(), message })?;
        encoders.push(enc);
    }
    let mut resizer = fast_image_resize::Resizer::new();
    let mut count = 0u32;
    for frame in frames(data, info.format)? {
        let frame = frame?;
        count += 1;
        if count > recipe.max_frames {
            break;
        }
        let (w, h) = frame.canvas.dimensions();
        if (w, h) != (info.stored_width, info.stored_height) {
            return Err(MediaError::Corrupt(format!(
                "a {w}×{h} frame on a {}×{} canvas",
                info.stored_width, info.stored_height
            )));
        }
        let mut canvas = Raster::new(frame.canvas.into_raw(), w, h, 4)?;
        canvas.premultiply()?;
        for ((enc, p), v) in encoders.iter_mut().zip(&plans).zip(&variants) {
            let pixels = frame_for(&canvas, p, &mut resizer, info, to_srgb.as_ref())?;
            enc.add(&pixels, frame.delay_ms)
                .map_err(|message| MediaError::Encode { variant: v.name.clone(), message })?;
        }
    }
    if count == 0 {
        return Err(MediaError::Corrupt("an animation without frames".into()));
    }
    let mut out = Vec::with_capacity(encoders.len());
    for (enc, v) in encoders.into_iter().zip(&variants) {
        let (width, height) = enc.size();
        let data = enc.finish().map_err(|message| MediaError::Encode { variant: v.name.clone(), message })?;
        let data = match embed {
            Some(icc) => colour::embed(data, OutputFormat::Webp, icc),
            None => data,
        };
        out.push(Rendered { name: v.name.clone(), format: OutputFormat::Webp, width, height, data });
    }
    Ok(out)
}

/// One variant's frame: resized (premultiplied), straight alpha again, in sRGB, upright.
fn frame_for(
    canvas: &Raster,
    p: &Plan,
    resizer: &mut fast_image_resize::Resizer,
    info: &ImageInfo,
    to_srgb: Option<&colour::ToSrgb>,
) -> Result<Raster, MediaError> {
    let mut r = canvas.resize(resizer, p.out_w, p.out_h, p.crop_fw, p.crop_fh)?;
    r.unpremultiply()?;
    if let Some(t) = to_srgb {
        r = t.apply(r)?;
    }
    Ok(r.oriented(info.orientation))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gif_frames_are_counted_without_decoding() {
        let gif = super::super::samples::gif_image(32, 16, 7);
        assert_eq!(gif_frames(&gif[..]).unwrap(), 7);
        assert!(gif_frames(&b"PNG"[..]).is_err());
        // Cut anywhere: an error before the end of the header and colour table, then the count
        // of complete frames, growing with the cut, never a panic.
        let mut last = 0;
        for cut in 0..gif.len() {
            match gif_frames(&gif[..cut]) {
                Ok(n) => {
                    assert!(n >= last && n <= 7, "cut at {cut}: {n} after {last}");
                    last = n;
                }
                Err(e) => assert_eq!(last, 0, "cut at {cut}: {e} after {last} frames"),
            }
        }
        assert_eq!(last, 7);
        assert_eq!(gif_frames(&gif[..gif.len() - 1]).unwrap(), 7, "no trailer: every frame is complete");
    }
}
