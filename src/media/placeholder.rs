//! What an app paints before an image loads: a BlurHash, a ThumbHash and the dominant colour,
//! computed from an already-encoded small output (a thumbnail decodes in about a millisecond),
//! never from the original.

use fast_image_resize::images::Image;
use fast_image_resize::{PixelType, ResizeAlg, ResizeOptions, Resizer};
use serde::Serialize;

use super::MediaError;
use crate::config::OutputFormat;

/// BlurHash components (x × y): 4×3 suits the usual landscape photo and is the common default.
pub const BLURHASH_COMPONENTS: (u32, u32) = (4, 3);
/// ThumbHash's input may not exceed 100×100.
const THUMB_SIDE: u32 = 100;

/// The `placeholders` object of `uploadd status --json`, events and webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Placeholders {
    pub blurhash: String,
    /// Base64 (standard alphabet, padded).
    pub thumbhash: String,
    /// `#rrggbb`.
    pub dominant_color: String,
}

/// Decodes `data` (one of our own outputs) and computes the placeholders. Transparent
/// pixels count for the colour as if painted over `background`.
pub fn compute(data: &[u8], format: OutputFormat, background: [u8; 3]) -> Result<Placeholders, MediaError> {
    let format = match format {
        OutputFormat::Jpeg => image::ImageFormat::Jpeg,
        OutputFormat::Webp => image::ImageFormat::WebP,
        OutputFormat::Png => image::ImageFormat::Png,
    };
    let img = image::load_from_memory_with_format(data, format)
        .map_err(|e| MediaError::Corrupt(format!("decoding an output for its placeholders: {e}")))?
        .into_rgba8();
    let (w, h) = img.dimensions();
    let small = shrink(img.into_raw(), w, h)?;
    from_rgba(&small.0, small.1, small.2, background)
}

/// The placeholders of RGBA pixels at most [`THUMB_SIDE`] on each side.
pub fn from_rgba(rgba: &[u8], w: u32, h: u32, background: [u8; 3]) -> Result<Placeholders, MediaError> {
    let thumb = thumbhash::rgba_to_thumb_hash(w as usize, h as usize, rgba);
    // BlurHash has no alpha: composite over the background it will be shown on.
    let opaque: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| {
            let a = u16::from(p[3]);
            let mix = |c: u8, b: u8| ((u16::from(c) * a + u16::from(b) * (255 - a) + 127) / 255) as u8;
            [mix(p[0], background[0]), mix(p[1], background[1]), mix(p[2], background[2]), 255]
        })
        .collect();
    let blurhash = blurhash::encode(BLURHASH_COMPONENTS.0, BLURHASH_COMPONENTS.1, w, h, &opaque)
        .map_err(|e| MediaError::Corrupt(format!("blurhash: {e}")))?;
    let [r, g, b] = dominant(&opaque);
    Ok(Placeholders { blurhash, thumbhash: base64(&thumb), dominant_color: format!("#{r:02x}{g:02x}{b:02x}") })
}

/// Fits the image inside [`THUMB_SIDE`]² (aspect kept, never upscaled).
fn shrink(rgba: Vec<u8>, w: u32, h: u32) -> Result<(Vec<u8>, u32, u32), MediaError> {
    if w == 0 || h == 0 {
        return Err(MediaError::Corrupt("an output with no pixels".into()));
    }
    if w <= THUMB_SIDE && h <= THUMB_SIDE {
        return Ok((rgba, w, h));
    }
    let s = (f64::from(THUMB_SIDE) / f64::from(w)).min(f64::from(THUMB_SIDE) / f64::from(h));
    let (tw, th) = (((f64::from(w) * s).round() as u32).max(1), ((f64::from(h) * s).round() as u32).max(1));
    let src = Image::from_vec_u8(w, h, rgba, PixelType::U8x4).map_err(|e| MediaError::Corrupt(e.to_string()))?;
    let mut dst = Image::new(tw, th, PixelType::U8x4);
    Resizer::new()
        .resize(
            &src,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(fast_image_resize::FilterType::Bilinear)),
        )
        .map_err(|e| MediaError::Corrupt(e.to_string()))?;
    Ok((dst.into_vec(), tw, th))
}

/// The most common colour, at 4 bits per channel, averaged over the pixels in that bucket (so
/// a photo of a red car on grey tarmac says grey, not the muddy mean of both).
fn dominant(rgba: &[u8]) -> [u8; 3] {
    let mut counts = vec![(0u32, [0u64; 3]); 4096];
    for p in rgba.chunks_exact(4) {
        let bucket = (usize::from(p[0] >> 4) << 8) | (usize::from(p[1] >> 4) << 4) | usize::from(p[2] >> 4);
        let slot = &mut counts[bucket];
        slot.0 += 1;
        for (sum, c) in slot.1.iter_mut().zip(p) {
            *sum += u64::from(*c);
        }
    }
    let (n, sums) = counts.iter().max_by_key(|(n, _)| *n).copied().unwrap_or((0, [0; 3]));
    if n == 0 {
        return [0, 0, 0];
    }
    sums.map(|s| (s / u64::from(n)) as u8)
}

/// Standard base64 with padding (RFC 4648 §4).
fn base64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, want) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")]
        {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    fn solid(w: u32, h: u32, px: [u8; 4]) -> Vec<u8> {
        (0..w * h).flat_map(|_| px).collect()
    }

    #[test]
    fn a_mostly_grey_image_with_a_red_patch_is_grey() {
        let (w, h) = (50u32, 40u32);
        let mut rgba = solid(w, h, [128, 128, 128, 255]);
        for y in 0..10 {
            for x in 0..10 {
                let i = ((y * w + x) * 4) as usize;
                rgba[i..i + 4].copy_from_slice(&[250, 10, 10, 255]);
            }
        }
        let p = from_rgba(&rgba, w, h, [255, 255, 255]).unwrap();
        assert_eq!(p.dominant_color, "#808080");
        // Size flag, maximum AC, DC (4), then 2 characters per AC component.
        assert_eq!(p.blurhash.len(), 6 + 2 * (4 * 3 - 1), "4×3 components: {}", p.blurhash);
        let thumb = thumbhash::thumb_hash_to_rgba(&decode64(&p.thumbhash)).unwrap();
        assert!(thumb.0 > 0 && thumb.1 > 0);
    }

    #[test]
    fn transparent_pixels_take_the_background_colour() {
        let p = from_rgba(&solid(20, 20, [0, 0, 0, 0]), 20, 20, [255, 255, 255]).unwrap();
        assert_eq!(p.dominant_color, "#ffffff");
    }

    #[test]
    fn outputs_of_every_format_decode_and_shrink_to_100_px() {
        let img = image::RgbImage::from_fn(640, 320, |x, _| image::Rgb([(x % 256) as u8, 40, 200]));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let p = compute(&png, OutputFormat::Png, [0, 0, 0]).unwrap();
        let (w, h, _) = thumbhash::thumb_hash_to_rgba(&decode64(&p.thumbhash)).unwrap();
        assert!(w > h, "the thumbhash keeps the 2:1 aspect: {w}×{h}");
        assert!(compute(b"not an image", OutputFormat::Jpeg, [0, 0, 0]).is_err());
    }

    fn decode64(s: &str) -> Vec<u8> {
        let val = |c: u8| match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            _ => 63,
        };
        let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').collect();
        let mut out = Vec::new();
        for chunk in bytes.chunks(4) {
            let n = chunk.iter().enumerate().fold(0u32, |n, (i, c)| n | (u32::from(val(*c)) << (18 - 6 * i)));
            for i in 0..chunk.len().saturating_sub(1) {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        out
    }
}
