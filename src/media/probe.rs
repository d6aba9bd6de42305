//! Header facts without decoding: dimensions, orientation, colour type. Limits are checked
//! here, before any pixel buffer is allocated.

use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

use serde::Serialize;

use super::{ImageFormat, JPEG_SCAN_LIMIT, MAX_SIDE, MediaError, colour, exif, jpeg};

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
    /// More than one frame (animated GIF or WebP).
    pub animated: bool,
    /// The embedded colour profile's description, e.g. `Display P3` (none: untagged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color_profile: Option<String>,
    /// The embedded ICC profile itself.
    #[serde(skip)]
    pub icc: Option<std::sync::Arc<[u8]>>,
    /// Frames the container declares (GIF, WebP, PNG; counted from the headers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<u32>,
    /// What the profile makes of an animation (set by the image stage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub animation: Option<super::animation::AnimationFacts>,
    /// HEIC/AVIF only: codec, bit depth, grid tiles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heif: Option<super::heif::HeifFacts>,
}

impl ImageInfo {
    pub(super) fn transposed(&self) -> bool {
        self.orientation >= 5
    }

    /// A JPEG libjpeg-turbo decodes to RGB (CMYK/YCCK ones go through `image`).
    pub(super) fn libjpeg_decodes(&self) -> bool {
        self.format == ImageFormat::Jpeg && !matches!(self.color.as_str(), "cmyk" | "ycck")
    }
}

/// Reads the header only: dimensions, orientation, colour type. Rejects more than
/// `max_pixels` before anything is decoded.
pub fn probe(data: &[u8], format: ImageFormat, max_pixels: u64) -> Result<ImageInfo, MediaError> {
    let mut info = match format {
        ImageFormat::Jpeg => probe_jpeg(data)?,
        ImageFormat::Heic | ImageFormat::Avif => {
            return Err(MediaError::Unsupported("HEIC/AVIF are probed from their file".into()));
        }
        ImageFormat::Png => super::guarded("PNG", || probe_png(Cursor::new(data)))?,
        _ => super::guarded(format.name(), || probe_with_image(Cursor::new(data), format))?,
    };
    info.animated = animated(format, data);
    if format == ImageFormat::Webp
        && let Some(o) = exif::webp_orientation(data)
    {
        info = reoriented(info, o);
    }
    check_limits(info, max_pixels)
}

/// Like [`probe`], from the file at `path`, reading no more of it than the header needs.
pub fn probe_file(path: &Path, format: ImageFormat, max_pixels: u64) -> Result<ImageInfo, MediaError> {
    let mut info = match format {
        ImageFormat::Jpeg => probe_jpeg_file(path)?,
        ImageFormat::Heic | ImageFormat::Avif => return super::heif::probe_file(path, format, max_pixels),
        ImageFormat::Png => {
            let f = std::fs::File::open(path).map_err(|e| MediaError::Io(e.to_string()))?;
            super::guarded("PNG", || probe_png(BufReader::new(f)))?
        }
        _ => {
            let f = std::fs::File::open(path).map_err(|e| MediaError::Io(e.to_string()))?;
            super::guarded(format.name(), || probe_with_image(BufReader::new(f), format))?
        }
    };
    let mut head = Vec::with_capacity(32);
    std::fs::File::open(path)
        .and_then(|f| f.take(32).read_to_end(&mut head))
        .map_err(|e| MediaError::Io(e.to_string()))?;
    info.animated = animated(format, &head);
    if format == ImageFormat::Webp
        && let Some(o) = exif::webp_file_orientation(path).map_err(|e| MediaError::Io(e.to_string()))?
    {
        info = reoriented(info, o);
    }
    let info = check_limits(info, max_pixels)?;
    // Frames from the container's headers (a 40,000-frame GIF is counted, not decoded).
    let frames = super::animation::count_frames(path, format)?;
    Ok(ImageInfo { frames, animated: frames.map_or(info.animated, |n| n > 1), ..info })
}

/// How much of a JPEG is read for its EXIF orientation and ICC profile (APP1 and APP2
/// segments come right after the start marker; a profile over 4 MiB is ignored anyway).
const HEADER_PREFIX: u64 = (colour::MAX_ICC_BYTES + 512 * 1024) as u64;

/// The header through libjpeg's own marker reader (which tolerates what the decoder
/// tolerates), and the EXIF orientation from a bounded prefix.
fn probe_jpeg_file(path: &Path) -> Result<ImageInfo, MediaError> {
    let d = jpeg::RowDecoder::open(path, JPEG_SCAN_LIMIT)?;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(HEADER_PREFIX).read_to_end(&mut head))
        .map_err(|e| MediaError::Io(e.to_string()))?;
    let orientation = exif::jpeg_orientation(&head).unwrap_or(1);
    let color = match d.colorspace {
        jpeg::Colorspace::Gray => "l8",
        jpeg::Colorspace::Cmyk => "cmyk",
        jpeg::Colorspace::Ycck => "ycck",
        jpeg::Colorspace::Rgb => "rgb8",
        jpeg::Colorspace::YCbCr | jpeg::Colorspace::Unknown => "ycbcr",
    };
    Ok(oriented_info(ImageFormat::Jpeg, d.width, d.height, orientation, color.into(), false, d.progressive)
        .with_icc(colour::jpeg_icc(&head)))
}

fn check_limits(info: ImageInfo, max_pixels: u64) -> Result<ImageInfo, MediaError> {
    let pixels = u64::from(info.stored_width) * u64::from(info.stored_height);
    if pixels > max_pixels || info.stored_width > MAX_SIDE || info.stored_height > MAX_SIDE {
        return Err(MediaError::TooManyPixels { width: info.width, height: info.height, limit: max_pixels });
    }
    if info.stored_width == 0 || info.stored_height == 0 {
        return Err(MediaError::Corrupt("zero width or height".into()));
    }
    Ok(info)
}

pub(super) fn probe_jpeg(data: &[u8]) -> Result<ImageInfo, MediaError> {
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
    Ok(oriented_info(ImageFormat::Jpeg, w, hgt, orientation, color.into(), false, h.is_progressive)
        .with_icc(colour::jpeg_icc(data)))
}

pub(super) fn dim(v: usize) -> Result<u32, MediaError> {
    u32::try_from(v).map_err(|_| MediaError::Corrupt("dimension out of range".into()))
}

pub(super) fn oriented_info(
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
        animated: false,
        color_profile: None,
        icc: None,
        frames: None,
        animation: None,
        heif: None,
    }
}

impl ImageInfo {
    /// The same facts with the embedded profile `icc` (ignored if empty or oversized).
    pub(super) fn with_icc(mut self, icc: Option<Vec<u8>>) -> ImageInfo {
        if let Some(icc) = icc.filter(|i| !i.is_empty() && i.len() <= colour::MAX_ICC_BYTES) {
            self.color_profile = colour::describe(&icc).or_else(|| Some("unnamed".into()));
            self.icc = Some(icc.into());
        }
        self
    }
}

/// The same facts with another EXIF orientation (one the decoder did not report).
fn reoriented(info: ImageInfo, orientation: u8) -> ImageInfo {
    let (uw, uh) = if orientation >= 5 {
        (info.stored_height, info.stored_width)
    } else {
        (info.stored_width, info.stored_height)
    };
    ImageInfo { width: uw, height: uh, orientation, ..info }
}

/// A WebP whose extended header says it is animated (VP8X flags bit 1).
fn webp_animated(head: &[u8]) -> bool {
    head.len() >= 21 && &head[12..16] == b"VP8X" && head[20] & 0x02 != 0
}

/// Whether a GIF or WebP has more than one frame, from its first bytes (GIF: judged by the
/// decoder later; a GIF is costed as animated).
fn animated(format: ImageFormat, head: &[u8]) -> bool {
    match format {
        ImageFormat::Webp => webp_animated(head),
        ImageFormat::Gif => true,
        // Still formats (an APNG is found by its frame count).
        _ => false,
    }
}

pub(super) fn image_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits
}

fn probe_with_image<R: std::io::BufRead + Seek>(input: R, format: ImageFormat) -> Result<ImageInfo, MediaError> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::with_format(input, format.image_crate());
    reader.limits(image_limits());
    let mut decoder = reader.into_decoder().map_err(|e| classify_image_error(&e))?;
    let (w, h) = decoder.dimensions();
    let color = decoder.color_type();
    let orientation = decoder.orientation().map(orientation_code).unwrap_or(1);
    let icc = decoder.icc_profile().ok().flatten();
    Ok(oriented_info(format, w, h, orientation, format!("{color:?}").to_ascii_lowercase(), color.has_alpha(), false)
        .with_icc(icc))
}

/// What a PNG's chunks before the image data may allocate while its header is read: the ICC
/// profile (kept up to [`colour::MAX_ICC_BYTES`]; deflated, so a 1 MB chunk could inflate to
/// a gigabyte) and its compressed bytes, and the EXIF chunk. Text chunks are skipped unread. An
/// ICC profile that would inflate past this is dropped unread (the image is untagged, as with
/// any profile over 4 MiB); other chunks past it make the file `corrupt`.
pub(super) const PNG_HEADER_BYTES: usize = 16 << 20;

/// A PNG's header through the `png` crate with a bounded allocation budget (the `image` crate's
/// reader inflates the ICC profile up to 512 MiB first). The colour type is named as `image`
/// names it after its `EXPAND` transformation.
fn probe_png<R: std::io::BufRead + Seek>(input: R) -> Result<ImageInfo, MediaError> {
    let corrupt = |e: png::DecodingError| match e {
        png::DecodingError::LimitsExceeded => {
            MediaError::Corrupt(format!("its metadata chunks need more than {} MiB", PNG_HEADER_BYTES >> 20))
        }
        e => MediaError::Corrupt(e.to_string()),
    };
    let mut decoder = png::Decoder::new_with_limits(input, png::Limits { bytes: PNG_HEADER_BYTES });
    decoder.set_ignore_text_chunk(true);
    decoder.set_transformations(png::Transformations::EXPAND);
    let reader = decoder.read_info().map_err(corrupt)?;
    let color = match reader.output_color_type() {
        (png::ColorType::Grayscale, png::BitDepth::Sixteen) => "l16",
        (png::ColorType::Grayscale, _) => "l8",
        (png::ColorType::GrayscaleAlpha, png::BitDepth::Sixteen) => "la16",
        (png::ColorType::GrayscaleAlpha, _) => "la8",
        (png::ColorType::Rgb, png::BitDepth::Sixteen) => "rgb16",
        (png::ColorType::Rgba, png::BitDepth::Sixteen) => "rgba16",
        (png::ColorType::Rgba, _) => "rgba8",
        (png::ColorType::Rgb | png::ColorType::Indexed, _) => "rgb8",
    };
    let info = reader.info();
    let orientation = info
        .exif_metadata
        .as_deref()
        .and_then(image::metadata::Orientation::from_exif_chunk)
        .map_or(1, orientation_code);
    let icc = info.icc_profile.as_ref().map(|p| p.to_vec());
    Ok(oriented_info(ImageFormat::Png, info.width, info.height, orientation, color.into(), color.contains('a'), false)
        .with_icc(icc))
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

pub(super) fn classify_image_error(e: &image::ImageError) -> MediaError {
    match e {
        image::ImageError::Limits(l) => MediaError::OverLimits(l.to_string()),
        image::ImageError::Unsupported(u) => MediaError::Unsupported(u.to_string()),
        other => MediaError::Corrupt(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PNG probe names colour types and alpha as the `image` crate's reader did before it.
    #[test]
    fn the_png_probe_agrees_with_the_image_crate() {
        use image::{DynamicImage, ImageFormat as F};
        let rgba = image::RgbaImage::from_fn(7, 5, |x, y| image::Rgba([x as u8 * 30, y as u8 * 40, 90, 128]));
        let base = DynamicImage::ImageRgba8(rgba);
        for img in [
            DynamicImage::ImageLuma8(base.to_luma8()),
            DynamicImage::ImageLumaA8(base.to_luma_alpha8()),
            DynamicImage::ImageRgb8(base.to_rgb8()),
            base.clone(),
            DynamicImage::ImageLuma16(base.to_luma16()),
            DynamicImage::ImageLumaA16(base.to_luma_alpha16()),
            DynamicImage::ImageRgb16(base.to_rgb16()),
            DynamicImage::ImageRgba16(base.to_rgba16()),
        ] {
            let mut png = Vec::new();
            img.write_to(&mut Cursor::new(&mut png), F::Png).unwrap();
            let ours = probe_png(Cursor::new(&png)).unwrap();
            let theirs = probe_with_image(Cursor::new(&png), ImageFormat::Png).unwrap();
            assert_eq!(ours, theirs, "{:?}", img.color());
        }
    }
}
