//! Whole-image decoding (everything but the row-streamed JPEG path): libjpeg-turbo with DCT
//! scaling for JPEG, libwebp for still WebP, `image` for the rest.

use std::io::Cursor;

use super::probe::{classify_image_error, dim, image_limits};
use super::{ImageFormat, ImageInfo, JPEG_SCAN_LIMIT, MediaError, Raster, Recipe, colour, webp};

/// Decodes at the smallest scale covering `needed` (a fraction of the stored size; JPEG only,
/// other formats decode at full size). Returns RGB8 or RGBA8 in the stored frame.
pub(super) fn decode(data: &[u8], info: &ImageInfo, needed: f64, recipe: &Recipe) -> Result<Raster, MediaError> {
    let max_pixels = recipe.max_pixels;
    let pixels = u64::from(info.stored_width) * u64::from(info.stored_height);
    if pixels > max_pixels {
        return Err(MediaError::TooManyPixels { width: info.width, height: info.height, limit: max_pixels });
    }
    if info.libjpeg_decodes() {
        return decode_jpeg(data, needed);
    }
    if info.format == ImageFormat::Jpeg
        && let Some(icc) = info.icc.as_deref().filter(|icc| colour::is_cmyk(icc))
    {
        return decode_cmyk_jpeg(data, needed, icc);
    }
    if info.format == ImageFormat::Webp
        && let Some(features) = webp::features(data)
    {
        // libwebp decodes about twice as fast as `image`'s pure-Rust decoder (an animation's
        // first frame through its animation decoder); what libwebp refuses falls back to
        // `image`. No shrink-on-load: libwebp's area-averaging rescaler
        // cost up to 0.02 SSIM on fine-textured images of the bench corpus. The buffer is sized
        // from libwebp's own reading of the header, so the limit is checked on that too.
        let (w, h) = (features.width, features.height);
        if u64::from(w) * u64::from(h) > max_pixels {
            return Err(MediaError::TooManyPixels { width: w, height: h, limit: max_pixels });
        }
        if let Some(r) = webp::decode(data, features) {
            return Ok(r);
        }
        if let Some(r) = features.animated.then(|| webp::first_frame(data)).flatten() {
            return Ok(r);
        }
    }
    if info.format == ImageFormat::Png {
        return decode_png(data, max_pixels);
    }
    super::guarded(info.format.name(), || decode_with_image(data, info.format, max_pixels))
}

/// PNG through the `png` crate, 16-bit samples stripped to 8 and palettes expanded while
/// decoding: the one buffer is the output size (a 16-bit RGBA image never exists at twice the
/// size, nor a second copy for the conversion).
fn decode_png(data: &[u8], max_pixels: u64) -> Result<Raster, MediaError> {
    let corrupt = |e: png::DecodingError| match e {
        png::DecodingError::LimitsExceeded => {
            MediaError::OverLimits(format!("decoding needs more memory than {max_pixels} pixels allow"))
        }
        e => MediaError::Corrupt(e.to_string()),
    };
    // The decoder's own allocations (the image and its row buffers) are bounded by the limit.
    let limit = usize::try_from(max_pixels.saturating_mul(4).saturating_add(64 << 20)).unwrap_or(usize::MAX);
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(data), png::Limits { bytes: limit });
    // The profile was read by the probe (bounded); text is not needed: neither is inflated.
    decoder.set_ignore_iccp_chunk(true);
    decoder.set_ignore_text_chunk(true);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(corrupt)?;
    let (w, h) = (reader.info().width, reader.info().height);
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(MediaError::TooManyPixels { width: w, height: h, limit: max_pixels });
    }
    let size = reader.output_buffer_size().ok_or_else(|| MediaError::Corrupt("image too large".into()))?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(corrupt)?;
    buf.truncate(frame.buffer_size());
    let px = w as usize * h as usize;
    match frame.color_type {
        png::ColorType::Rgb => Raster::new(buf, w, h, 3),
        png::ColorType::Rgba => Raster::new(buf, w, h, 4),
        png::ColorType::Grayscale => {
            let rgb: Vec<u8> = buf.iter().take(px).flat_map(|&g| [g, g, g]).collect();
            Raster::new(rgb, w, h, 3)
        }
        png::ColorType::GrayscaleAlpha => {
            let rgba: Vec<u8> = buf.chunks_exact(2).take(px).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect();
            Raster::new(rgba, w, h, 4)
        }
        png::ColorType::Indexed => Err(MediaError::Unsupported("a palette the decoder did not expand".into())),
    }
}

/// How much larger than the largest output the DCT-scaled decode must be (Pillow's
/// `reducing_gap` for `draft`). Measured on the photo corpus (bench/): 1.0 loses up to 0.04 SSIM
/// on fine-textured photos (the scaled IDCT aliases), 1.5 still 0.01 on one; 2.0 matches
/// Pillow's full decode within 0.001 on every image.
const REDUCING_GAP: f64 = 2.0;

/// libjpeg-turbo scaling factors are m/8; pick the smallest m with m/8 ≥ needed × gap.
pub(super) fn dct_scale(needed: f64) -> usize {
    let needed = needed * REDUCING_GAP;
    (1..=8usize).find(|m| *m as f64 / 8.0 >= needed - 1e-9).unwrap_or(8)
}

fn decode_jpeg(data: &[u8], needed: f64) -> Result<Raster, MediaError> {
    let (pixels, w, h) = turbo_decode(data, needed, turbojpeg::PixelFormat::RGB)?;
    Raster::new(pixels, w, h, 3)
}

/// libjpeg-turbo at the DCT scale covering `needed`, into `format` (RGB or CMYK).
fn turbo_decode(data: &[u8], needed: f64, format: turbojpeg::PixelFormat) -> Result<(Vec<u8>, u32, u32), MediaError> {
    let corrupt = |e: turbojpeg::Error| MediaError::Corrupt(e.to_string());
    let mut d = turbojpeg::Decompressor::new().map_err(corrupt)?;
    let header = d.read_header(data).map_err(corrupt)?;
    let factor = turbojpeg::ScalingFactor::new(dct_scale(needed), 8);
    d.set_scaling_factor(factor).map_err(corrupt)?;
    d.set_scan_limit(JPEG_SCAN_LIMIT).map_err(corrupt)?;
    let scaled = header.scaled(factor);
    let size = format.size();
    let mut img = turbojpeg::Image {
        pixels: vec![0u8; scaled.width * scaled.height * size],
        width: scaled.width,
        pitch: scaled.width * size,
        height: scaled.height,
        format,
    };
    if let Err(e) = d.decompress(data, img.as_deref_mut()) {
        // libjpeg-turbo reports recoverable warnings as errors after decoding the whole image;
        // extraneous bytes between markers are common in camera files and harmless. Anything
        // else (a truncated file above all) is corrupt.
        let msg = e.to_string();
        if !msg.contains("extraneous bytes before marker") {
            return Err(MediaError::Corrupt(msg));
        }
    }
    Ok((img.pixels, dim(scaled.width)?, dim(scaled.height)?))
}

/// A CMYK (or YCCK) JPEG with a CMYK profile: libjpeg-turbo yields the inks, the profile turns
/// them into sRGB. Photoshop (the Adobe marker) stores inverted inks.
fn decode_cmyk_jpeg(data: &[u8], needed: f64, icc: &[u8]) -> Result<Raster, MediaError> {
    let (mut inks, w, h) = turbo_decode(data, needed, turbojpeg::PixelFormat::CMYK)?;
    if colour::jpeg_has_adobe_marker(data) {
        inks.iter_mut().for_each(|v| *v = 255 - *v);
    }
    let rgb = colour::cmyk_to_srgb(icc, &inks)?;
    drop(inks);
    Raster::new(rgb, w, h, 3)
}

fn decode_with_image(data: &[u8], format: ImageFormat, max_pixels: u64) -> Result<Raster, MediaError> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::with_format(Cursor::new(data), format.image_crate());
    reader.limits(image_limits());
    let decoder = reader.into_decoder().map_err(|e| classify_image_error(&e))?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(MediaError::TooManyPixels { width: w, height: h, limit: max_pixels });
    }
    // `from_decoder` bypasses the reader's limits, so the buffer size is checked here.
    if decoder.total_bytes() > max_pixels.saturating_mul(8) {
        return Err(MediaError::TooManyPixels { width: w, height: h, limit: max_pixels });
    }
    let img = image::DynamicImage::from_decoder(decoder).map_err(|e| classify_image_error(&e))?;
    if img.color().has_alpha() {
        let rgba = img.into_rgba8();
        let (w, h) = rgba.dimensions();
        Raster::new(rgba.into_raw(), w, h, 4)
    } else {
        let rgb = img.into_rgb8();
        let (w, h) = rgb.dimensions();
        Raster::new(rgb.into_raw(), w, h, 3)
    }
}
