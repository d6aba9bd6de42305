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
//! decoder error is a [`MediaError::Corrupt`], never a panic.

pub mod exif;
mod jpeg;
mod raster;
pub mod samples;
mod webp;

use std::io::Cursor;

use serde::Serialize;

use crate::config::{Fit, OutputFormat, VariantSpec};
pub use raster::Raster;
use raster::RowResizer;

/// Longest side accepted from any header (also the ceiling for `image`'s own limits).
const MAX_SIDE: u32 = 65_500;
/// Progressive JPEG scans decoded at most (a hostile file can declare thousands).
const JPEG_SCAN_LIMIT: u32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The bytes are not a decodable image of the detected type.
    #[error("corrupt image: {0}")]
    Corrupt(String),
    /// The header declares more pixels than the profile allows.
    #[error("image is {width}×{height} = {} pixels, above the limit of {limit}", u64::from(*width) * u64::from(*height))]
    TooManyPixels { width: u32, height: u32, limit: u64 },
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

/// Image formats uploadd decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl ImageFormat {
    pub fn from_mime(mime: &str) -> Option<ImageFormat> {
        match mime {
            "image/jpeg" => Some(ImageFormat::Jpeg),
            "image/png" => Some(ImageFormat::Png),
            "image/webp" => Some(ImageFormat::Webp),
            "image/gif" => Some(ImageFormat::Gif),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
            ImageFormat::Webp => "webp",
            ImageFormat::Gif => "gif",
        }
    }

    fn to_image(self) -> image::ImageFormat {
        match self {
            ImageFormat::Jpeg => image::ImageFormat::Jpeg,
            ImageFormat::Png => image::ImageFormat::Png,
            ImageFormat::Webp => image::ImageFormat::WebP,
            ImageFormat::Gif => image::ImageFormat::Gif,
        }
    }
}

/// What the header says (recorded in the database as the upload's `media`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub kind: &'static str,
    pub format: ImageFormat,
    /// Upright dimensions (after EXIF orientation).
    pub width: u32,
    pub height: u32,
    /// Stored dimensions, before orientation.
    pub stored_width: u32,
    pub stored_height: u32,
    /// EXIF orientation 1–8 (1 = upright).
    pub orientation: u8,
    /// Colour type as stored, e.g. `rgb8`, `rgba8`, `l8`, `cmyk`, `ycbcr`.
    pub color: String,
    pub has_alpha: bool,
    pub progressive: bool,
}

impl ImageInfo {
    fn transposed(&self) -> bool {
        self.orientation >= 5
    }

    /// A JPEG libjpeg-turbo decodes to RGB (CMYK/YCCK ones go through `image`).
    fn libjpeg_decodes(&self) -> bool {
        self.format == ImageFormat::Jpeg && !matches!(self.color.as_str(), "cmyk" | "ycck")
    }
}

/// Reads the header only: dimensions, orientation, colour type. Rejects more than
/// `max_pixels` before anything is decoded.
pub fn probe(data: &[u8], format: ImageFormat, max_pixels: u64) -> Result<ImageInfo, MediaError> {
    let info = match format {
        ImageFormat::Jpeg => probe_jpeg(data)?,
        _ => probe_with_image(data, format)?,
    };
    let pixels = u64::from(info.stored_width) * u64::from(info.stored_height);
    if pixels > max_pixels || info.stored_width > MAX_SIDE || info.stored_height > MAX_SIDE {
        return Err(MediaError::TooManyPixels { width: info.width, height: info.height, limit: max_pixels });
    }
    if info.stored_width == 0 || info.stored_height == 0 {
        return Err(MediaError::Corrupt("zero width or height".into()));
    }
    Ok(info)
}

fn probe_jpeg(data: &[u8]) -> Result<ImageInfo, MediaError> {
    let h = turbojpeg::read_header(data).map_err(|e| MediaError::Corrupt(e.to_string()))?;
    let (w, hgt) = (dim(h.width)?, dim(h.height)?);
    let orientation = exif::jpeg_orientation(data).unwrap_or(1);
    let color = match h.colorspace {
        turbojpeg::Colorspace::Gray => "l8",
        turbojpeg::Colorspace::CMYK => "cmyk",
        turbojpeg::Colorspace::YCCK => "ycck",
        turbojpeg::Colorspace::RGB => "rgb8",
        _ => "ycbcr",
    };
    Ok(oriented_info(ImageFormat::Jpeg, w, hgt, orientation, color.into(), false, h.is_progressive))
}

fn dim(v: usize) -> Result<u32, MediaError> {
    u32::try_from(v).map_err(|_| MediaError::Corrupt("dimension out of range".into()))
}

fn oriented_info(
    format: ImageFormat,
    w: u32,
    h: u32,
    orientation: u8,
    color: String,
    has_alpha: bool,
    progressive: bool,
) -> ImageInfo {
    let (uw, uh) = if orientation >= 5 { (h, w) } else { (w, h) };
    ImageInfo {
        kind: "image",
        format,
        width: uw,
        height: uh,
        stored_width: w,
        stored_height: h,
        orientation,
        color,
        has_alpha,
        progressive,
    }
}

fn image_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits
}

fn probe_with_image(data: &[u8], format: ImageFormat) -> Result<ImageInfo, MediaError> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::with_format(Cursor::new(data), format.to_image());
    reader.limits(image_limits());
    let mut decoder = reader.into_decoder().map_err(|e| classify_image_error(&e))?;
    let (w, h) = decoder.dimensions();
    let color = decoder.color_type();
    let orientation = decoder.orientation().map(orientation_code).unwrap_or(1);
    Ok(oriented_info(format, w, h, orientation, format!("{color:?}").to_ascii_lowercase(), color.has_alpha(), false))
}

fn orientation_code(o: image::metadata::Orientation) -> u8 {
    use image::metadata::Orientation as O;
    match o {
        O::NoTransforms => 1,
        O::FlipHorizontal => 2,
        O::Rotate180 => 3,
        O::FlipVertical => 4,
        O::Rotate90FlipH => 5,
        O::Rotate90 => 6,
        O::Rotate270FlipH => 7,
        O::Rotate270 => 8,
    }
}

fn classify_image_error(e: &image::ImageError) -> MediaError {
    match e {
        image::ImageError::Limits(_) => MediaError::TooManyPixels { width: 0, height: 0, limit: 0 },
        image::ImageError::Unsupported(u) => MediaError::Unsupported(u.to_string()),
        other => MediaError::Corrupt(other.to_string()),
    }
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

/// What to produce for one variant, in the stored (raw) frame.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Output size in the raw frame (swapped back by orientation at the end).
    out_w: u32,
    out_h: u32,
    /// Centred crop of the full raw frame, as fractions of its width and height.
    crop_fw: f64,
    crop_fh: f64,
}

impl Plan {
    fn full_frame(&self) -> bool {
        self.crop_fw >= 1.0 && self.crop_fh >= 1.0
    }
    /// Smallest fraction of the full raw frame's size that still yields this output without
    /// upscaling.
    fn needed_scale(&self, raw_w: u32, raw_h: u32) -> f64 {
        let sx = f64::from(self.out_w) / (f64::from(raw_w) * self.crop_fw);
        let sy = f64::from(self.out_h) / (f64::from(raw_h) * self.crop_fh);
        sx.max(sy)
    }
}

fn plan_variant(info: &ImageInfo, v: &VariantSpec) -> Plan {
    let (w, h) = (f64::from(info.width), f64::from(info.height));
    let (bw, bh) = (f64::from(v.width), f64::from(v.height));
    let round = |x: f64| (x.round() as u32).max(1);
    let (out_w, out_h, fw, fh) = match v.fit {
        Fit::Contain => {
            let s = (bw / w).min(bh / h).min(1.0);
            let (ow, oh) = (round(w * s).min(info.width), round(h * s).min(info.height));
            (ow, oh, 1.0, 1.0)
        }
        Fit::Cover => {
            let s = (bw / w).max(bh / h);
            if s >= 1.0 {
                // Never upscale: crop the largest centred box of the target aspect, keep its size.
                let aspect = bw / bh;
                let (cw, ch) = if w / h > aspect { (h * aspect, h) } else { (w, w / aspect) };
                (round(cw).min(info.width), round(ch).min(info.height), cw / w, ch / h)
            } else {
                (v.width, v.height, (bw / s) / w, (bh / s) / h)
            }
        }
    };
    let (fw, fh) = (fw.min(1.0), fh.min(1.0));
    if info.transposed() {
        Plan { out_w: out_h, out_h: out_w, crop_fw: fh, crop_fh: fw }
    } else {
        Plan { out_w, out_h, crop_fw: fw, crop_fh: fh }
    }
}

/// The order variants are produced in (largest first) and, for each, the earlier full-frame
/// variant it is derived from (the smallest one that covers it), or `None` for the decode.
fn schedule(plans: &[Plan]) -> (Vec<usize>, Vec<Option<usize>>) {
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(u64::from(plans[i].out_w) * u64::from(plans[i].out_h)));
    let mut sources = vec![None; plans.len()];
    for (k, &i) in order.iter().enumerate() {
        let p = plans[i];
        sources[i] = order[..k]
            .iter()
            .copied()
            .filter(|&j| {
                let r = plans[j];
                r.full_frame()
                    && f64::from(r.out_w) * p.crop_fw >= f64::from(p.out_w) - 0.5
                    && f64::from(r.out_h) * p.crop_fh >= f64::from(p.out_h) - 0.5
            })
            .min_by_key(|&j| u64::from(plans[j].out_w) * u64::from(plans[j].out_h));
    }
    (order, sources)
}

/// Every variant's plan, and the fraction of the stored size the largest of them needs.
fn plan_all(info: &ImageInfo, variants: &[VariantSpec]) -> (Vec<Plan>, f64) {
    let plans: Vec<Plan> = variants.iter().map(|v| plan_variant(info, v)).collect();
    let needed = plans.iter().map(|p| p.needed_scale(info.stored_width, info.stored_height)).fold(0.0f64, f64::max);
    (plans, needed)
}

/// Decodes once and produces every variant, largest first.
pub fn render(
    data: &[u8],
    info: &ImageInfo,
    variants: &[VariantSpec],
    background: [u8; 3],
    max_pixels: u64,
) -> Result<Vec<Rendered>, MediaError> {
    let (plans, needed) = plan_all(info, variants);
    let keep_alpha = info.has_alpha && variants.iter().any(|v| v.format != OutputFormat::Jpeg && !v.flatten);
    let mut decoded = decode(data, info, needed, max_pixels)?;
    if decoded.channels == 4 && (!keep_alpha || decoded.is_opaque()) {
        decoded = decoded.flatten(background);
    }
    if decoded.channels == 4 {
        decoded.premultiply()?;
    }
    derive_variants(info, variants, &plans, background, |resizer, _, p| {
        decoded.resize(resizer, p.out_w, p.out_h, p.crop_fw, p.crop_fh)
    })
}

/// Like [`render`], reading the image from `path`. JPEGs (but CMYK) are decoded row by row and
/// resized as the rows arrive, so neither the file nor the decoded image is held in memory;
/// other formats are read whole.
pub fn render_file(
    path: &std::path::Path,
    info: &ImageInfo,
    variants: &[VariantSpec],
    background: [u8; 3],
    max_pixels: u64,
) -> Result<Vec<Rendered>, MediaError> {
    if info.libjpeg_decodes() {
        return render_jpeg_rows(path, info, variants, background, max_pixels);
    }
    let data = std::fs::read(path).map_err(|e| MediaError::Io(e.to_string()))?;
    render(&data, info, variants, background, max_pixels)
}

/// Decoded rows stream into a [`RowResizer`] per decode-sourced variant, a strip of
/// [`STRIP_ROWS`] at a time. Peak memory: libjpeg's own (for a progressive file, its whole
/// coefficient buffer), one strip, and those variants' outputs.
fn render_jpeg_rows(
    path: &std::path::Path,
    info: &ImageInfo,
    variants: &[VariantSpec],
    background: [u8; 3],
    max_pixels: u64,
) -> Result<Vec<Rendered>, MediaError> {
    let (plans, needed) = plan_all(info, variants);
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
    derive_variants(info, variants, &plans, background, |_, i, _| {
        ready
            .get_mut(i)
            .and_then(Option::take)
            .ok_or_else(|| MediaError::Corrupt("no decoded rows for a variant".into()))
    })
}

/// Rows decoded per strip: the resizer recomputes its weights per call, so strips are tall
/// enough for that to be noise, and small next to the image.
const STRIP_ROWS: usize = 128;

/// Produces every variant in [`schedule`] order: decode-sourced ones through `from_decoded`
/// (given the variant's index and plan; it returns the resized pixels, premultiplied if RGBA), the others from the smallest
/// earlier full-frame variant that covers them. Then flattening or un-premultiplying,
/// orientation and encoding.
fn derive_variants(
    info: &ImageInfo,
    variants: &[VariantSpec],
    plans: &[Plan],
    background: [u8; 3],
    mut from_decoded: impl FnMut(&mut fast_image_resize::Resizer, usize, &Plan) -> Result<Raster, MediaError>,
) -> Result<Vec<Rendered>, MediaError> {
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
        pixels = pixels.oriented(info.orientation);
        let data = encode(&pixels, v)?;
        out[i] =
            Some(Rendered { name: v.name.clone(), format: v.format, width: pixels.width, height: pixels.height, data });
        if sources.contains(&Some(i)) {
            kept[i] = Some(resized);
        }
    }
    Ok(out.into_iter().flatten().collect())
}

/// Decodes at the smallest scale covering `needed` (a fraction of the stored size; JPEG only,
/// other formats decode at full size). Returns RGB8 or RGBA8 in the stored frame.
fn decode(data: &[u8], info: &ImageInfo, needed: f64, max_pixels: u64) -> Result<Raster, MediaError> {
    let pixels = u64::from(info.stored_width) * u64::from(info.stored_height);
    if pixels > max_pixels {
        return Err(MediaError::TooManyPixels { width: info.width, height: info.height, limit: max_pixels });
    }
    if info.libjpeg_decodes() {
        return decode_jpeg(data, needed);
    }
    if info.format == ImageFormat::Webp
        && let Some(features) = webp::features(data)
    {
        // libwebp decodes about twice as fast as `image`'s pure-Rust decoder; animations fall
        // back to `image` (first frame). No shrink-on-load: libwebp's area-averaging rescaler
        // cost up to 0.02 SSIM on fine-textured images of the bench corpus. The buffer is sized
        // from libwebp's own reading of the header, so the limit is checked on that too.
        let (w, h) = (features.width, features.height);
        if u64::from(w) * u64::from(h) > max_pixels {
            return Err(MediaError::TooManyPixels { width: w, height: h, limit: max_pixels });
        }
        if let Some(r) = webp::decode(data, features) {
            return Ok(r);
        }
    }
    decode_with_image(data, info.format, max_pixels)
}

/// How much larger than the largest output the DCT-scaled decode must be (Pillow's
/// `reducing_gap` for `draft`). Measured on the photo corpus (bench/): 1.0 loses up to 0.04 SSIM
/// on fine-textured photos (the scaled IDCT aliases), 1.5 still 0.01 on one; 2.0 matches
/// Pillow's full decode within 0.001 on every image.
const REDUCING_GAP: f64 = 2.0;

/// libjpeg-turbo scaling factors are m/8; pick the smallest m with m/8 ≥ needed × gap.
fn dct_scale(needed: f64) -> usize {
    let needed = needed * REDUCING_GAP;
    (1..=8usize).find(|m| *m as f64 / 8.0 >= needed - 1e-9).unwrap_or(8)
}

fn decode_jpeg(data: &[u8], needed: f64) -> Result<Raster, MediaError> {
    let corrupt = |e: turbojpeg::Error| MediaError::Corrupt(e.to_string());
    let mut d = turbojpeg::Decompressor::new().map_err(corrupt)?;
    let header = d.read_header(data).map_err(corrupt)?;
    let factor = turbojpeg::ScalingFactor::new(dct_scale(needed), 8);
    d.set_scaling_factor(factor).map_err(corrupt)?;
    d.set_scan_limit(JPEG_SCAN_LIMIT).map_err(corrupt)?;
    let scaled = header.scaled(factor);
    let mut img = turbojpeg::Image {
        pixels: vec![0u8; scaled.width * scaled.height * 3],
        width: scaled.width,
        pitch: scaled.width * 3,
        height: scaled.height,
        format: turbojpeg::PixelFormat::RGB,
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
    Raster::new(img.pixels, dim(scaled.width)?, dim(scaled.height)?, 3)
}

fn decode_with_image(data: &[u8], format: ImageFormat, max_pixels: u64) -> Result<Raster, MediaError> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::with_format(Cursor::new(data), format.to_image());
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

fn encode(r: &Raster, v: &VariantSpec) -> Result<Vec<u8>, MediaError> {
    let fail = |message: String| MediaError::Encode { variant: v.name.clone(), message };
    match v.format {
        OutputFormat::Jpeg => {
            let mut c = turbojpeg::Compressor::new().map_err(|e| fail(e.to_string()))?;
            c.set_quality(i32::from(v.quality)).map_err(|e| fail(e.to_string()))?;
            c.set_subsamp(turbojpeg::Subsamp::Sub2x2).map_err(|e| fail(e.to_string()))?;
            let img = turbojpeg::Image {
                pixels: r.pixels.as_slice(),
                width: r.width as usize,
                pitch: r.width as usize * 3,
                height: r.height as usize,
                format: turbojpeg::PixelFormat::RGB,
            };
            c.compress_to_vec(img).map_err(|e| fail(e.to_string()))
        }
        OutputFormat::Webp => webp::encode(r, f32::from(v.quality), v.webp_method).map_err(fail),
        OutputFormat::Png => {
            use image::ImageEncoder;
            let mut buf = Vec::new();
            let color = if r.channels == 4 { image::ExtendedColorType::Rgba8 } else { image::ExtendedColorType::Rgb8 };
            image::codecs::png::PngEncoder::new(&mut buf)
                .write_image(&r.pixels, r.width, r.height, color)
                .map_err(|e| fail(e.to_string()))?;
            Ok(buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Profile;

    fn variants() -> Vec<VariantSpec> {
        Profile::default().variants
    }

    #[test]
    fn contain_never_upscales_and_keeps_aspect() {
        let info = oriented_info(ImageFormat::Jpeg, 4000, 3000, 1, "ycbcr".into(), false, false);
        let p = plan_variant(&info, &variants()[0]);
        assert_eq!((p.out_w, p.out_h), (1440, 1080));
        let small = oriented_info(ImageFormat::Jpeg, 640, 480, 1, "ycbcr".into(), false, false);
        let p = plan_variant(&small, &variants()[0]);
        assert_eq!((p.out_w, p.out_h), (640, 480));
    }

    #[test]
    fn cover_crops_to_fill() {
        let info = oriented_info(ImageFormat::Png, 4000, 2000, 1, "rgb8".into(), false, false);
        let v = VariantSpec { fit: Fit::Cover, width: 300, height: 300, ..variants()[1].clone() };
        let p = plan_variant(&info, &v);
        assert_eq!((p.out_w, p.out_h), (300, 300));
        assert!((p.crop_fw - 0.5).abs() < 1e-9 && (p.crop_fh - 1.0).abs() < 1e-9);
        // Smaller than the box: crop to the box's aspect at the original resolution.
        let tiny = oriented_info(ImageFormat::Png, 200, 100, 1, "rgb8".into(), false, false);
        let p = plan_variant(&tiny, &v);
        assert_eq!((p.out_w, p.out_h), (100, 100));
    }

    #[test]
    fn orientation_swaps_the_plan_into_the_stored_frame() {
        let info = oriented_info(ImageFormat::Jpeg, 4000, 3000, 6, "ycbcr".into(), false, false);
        assert_eq!((info.width, info.height), (3000, 4000));
        let p = plan_variant(&info, &variants()[0]);
        // Upright 810×1080 becomes 1080×810 in the stored frame.
        assert_eq!((p.out_w, p.out_h), (1080, 810));
    }

    #[test]
    fn dct_scale_covers_the_need_with_a_reducing_gap() {
        assert_eq!(dct_scale(1.0), 8);
        assert_eq!(dct_scale(0.375), 6);
        assert_eq!(dct_scale(0.18), 3);
        assert_eq!(dct_scale(0.01), 1);
    }

    #[test]
    fn renders_every_variant_with_the_right_size_and_format() {
        let jpeg = samples::photo_jpeg(1600, 1200, 1);
        let info = probe(&jpeg, ImageFormat::Jpeg, 100_000_000).unwrap();
        let out = render(&jpeg, &info, &variants(), [255, 255, 255], 100_000_000).unwrap();
        let dims: Vec<_> = out.iter().map(|r| (r.name.as_str(), r.width, r.height)).collect();
        assert_eq!(dims, [("display", 1440, 1080), ("thumb", 300, 225), ("webp", 1440, 1080)]);
        let d = image::load_from_memory(&out[0].data).unwrap();
        assert_eq!((d.width(), d.height()), (1440, 1080));
        assert_eq!(image::guess_format(&out[2].data).unwrap(), image::ImageFormat::WebP);
    }

    #[test]
    fn exif_orientation_is_applied_and_stripped() {
        // Stored landscape, left half red; orientation 6 (rotate 90° clockwise to display).
        let jpeg = samples::photo_jpeg(800, 400, 6);
        let info = probe(&jpeg, ImageFormat::Jpeg, 100_000_000).unwrap();
        assert_eq!((info.width, info.height, info.orientation), (400, 800, 6));
        let out = render(&jpeg, &info, &variants()[..1], [255, 255, 255], 100_000_000).unwrap();
        assert_eq!(exif::jpeg_orientation(&out[0].data), None, "no EXIF in outputs");
        let img = image::load_from_memory(&out[0].data).unwrap().into_rgb8();
        assert_eq!(img.dimensions(), (400, 800));
        // Rotated clockwise, the stored left half (red) is now the top half.
        let top = img.get_pixel(200, 100);
        let bottom = img.get_pixel(200, 700);
        assert!(top[0] > 200 && top[2] < 60, "top should be red, got {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "bottom should be blue, got {bottom:?}");
    }

    #[test]
    fn alpha_is_flattened_for_jpeg_and_kept_for_webp() {
        let png = samples::alpha_png(64, 64);
        let info = probe(&png, ImageFormat::Png, 100_000_000).unwrap();
        assert!(info.has_alpha);
        let mut vs = variants();
        vs.push(VariantSpec { name: "png".into(), format: OutputFormat::Png, ..vs[0].clone() });
        let out = render(&png, &info, &vs, [255, 0, 255], 100_000_000).unwrap();
        let jpeg = image::load_from_memory(&out[0].data).unwrap().into_rgb8();
        let corner = jpeg.get_pixel(0, 0); // fully transparent corner → background
        assert!(corner[0] > 230 && corner[1] < 30 && corner[2] > 230, "{corner:?}");
        let png_out = image::load_from_memory(&out[3].data).unwrap();
        assert!(png_out.color().has_alpha());
        assert_eq!(png_out.into_rgba8().get_pixel(0, 0)[3], 0);
    }

    #[test]
    fn bombs_are_refused_from_the_header() {
        let bomb = samples::png_header_only(30_000, 30_000);
        let e = probe(&bomb, ImageFormat::Png, 100_000_000).unwrap_err();
        assert!(matches!(e, MediaError::TooManyPixels { .. }), "{e}");
        let jbomb = samples::jpeg_header_only(30_000, 30_000);
        let e = probe(&jbomb, ImageFormat::Jpeg, 100_000_000).unwrap_err();
        assert!(matches!(e, MediaError::TooManyPixels { .. }), "{e}");
    }

    fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
        assert_eq!(a.len(), b.len());
        a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64
    }

    #[test]
    fn streaming_a_jpeg_from_its_file_matches_decoding_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut vs = variants();
        vs.push(VariantSpec { name: "square".into(), fit: Fit::Cover, width: 500, height: 500, ..vs[0].clone() });
        // Large enough for DCT scaling (≥ 2 × 1920 wide) and for several strips; rotated, so
        // the plans run in the stored frame.
        for (w, h, o) in [(4000, 2400, 1), (3900, 2600, 6), (700, 500, 1)] {
            let jpeg = samples::photo_jpeg(w, h, o);
            let path = dir.path().join("in.jpg");
            std::fs::write(&path, &jpeg).unwrap();
            let info = probe(&jpeg, ImageFormat::Jpeg, 100_000_000).unwrap();
            let whole = render(&jpeg, &info, &vs, [255; 3], 100_000_000).unwrap();
            let streamed = render_file(&path, &info, &vs, [255; 3], 100_000_000).unwrap();
            assert_eq!(whole.len(), streamed.len());
            for (a, b) in whole.iter().zip(&streamed) {
                assert_eq!((&a.name, a.width, a.height), (&b.name, b.width, b.height));
                let da = image::load_from_memory(&a.data).unwrap().into_rgb8();
                let db = image::load_from_memory(&b.data).unwrap().into_rgb8();
                // The two differ only in where the resize rounds between its passes.
                let d = mean_abs_diff(da.as_raw(), db.as_raw());
                assert!(d < 1.0, "{w}×{h} {}: mean difference {d}", a.name);
            }
        }
    }

    #[test]
    fn a_streamed_jpeg_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let jpeg = samples::photo_jpeg(640, 480, 1);
        let info = probe(&jpeg, ImageFormat::Jpeg, 100_000_000).unwrap();
        let path = dir.path().join("cut.jpg");
        std::fs::write(&path, &jpeg[..jpeg.len() / 2]).unwrap();
        let e = render_file(&path, &info, &variants(), [255; 3], 100_000_000).unwrap_err();
        assert!(matches!(e, MediaError::Corrupt(ref m) if m.contains("Premature end")), "{e}");
        // The file vanished or cannot be read: not the upload's fault.
        let e = render_file(&dir.path().join("gone.jpg"), &info, &variants(), [255; 3], 100_000_000).unwrap_err();
        assert!(matches!(e, MediaError::Io(_)), "{e}");
        // Not what the probe saw (the file changed under us): refused, not misread.
        let other = dir.path().join("other.jpg");
        std::fs::write(&other, samples::photo_jpeg(320, 240, 1)).unwrap();
        let e = render_file(&other, &info, &variants(), [255; 3], 100_000_000).unwrap_err();
        assert!(matches!(e, MediaError::Corrupt(_)), "{e}");
        // Garbage after a valid start.
        let mut bad = jpeg[..600].to_vec();
        bad.extend(std::iter::repeat_n(0x55u8, 4000));
        std::fs::write(&path, &bad).unwrap();
        let e = render_file(&path, &info, &variants(), [255; 3], 100_000_000).unwrap_err();
        assert!(matches!(e, MediaError::Corrupt(_)), "{e}");
    }

    #[test]
    fn truncated_files_are_corrupt() {
        let jpeg = samples::photo_jpeg(640, 480, 1);
        let cut = &jpeg[..jpeg.len() / 2];
        let info = probe(cut, ImageFormat::Jpeg, 100_000_000).unwrap();
        let e = render(cut, &info, &variants(), [255; 3], 100_000_000).unwrap_err();
        assert!(matches!(e, MediaError::Corrupt(_)), "{e}");
        let png = samples::alpha_png(300, 300);
        let cut = &png[..png.len() / 2];
        let r =
            probe(cut, ImageFormat::Png, 100_000_000).and_then(|i| render(cut, &i, &variants(), [255; 3], 100_000_000));
        assert!(matches!(r, Err(MediaError::Corrupt(_))), "{r:?}");
    }
}
