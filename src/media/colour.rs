//! Colour management: the embedded ICC profile of an image (JPEG APP2, PNG iCCP, WebP ICCP, or
//! the one a HEIF/AVIF decoder reports), read from the header, and its conversion to sRGB with
//! Little-CMS-compatible `moxcms` (pure Rust, already linked by `image`).
//!
//! Policy: an image whose profile is sRGB (or close enough that no 8-bit value moves by more
//! than one) and an untagged image are left alone — they pay nothing. Any other RGB profile
//! (Display P3, Adobe RGB, ProPhoto…) is converted to sRGB on the *outputs*, after resizing, so
//! the cost scales with the variants' pixels, not the original's. CMYK JPEGs with a profile are
//! converted at decode time (there is no RGB to resize before). Outputs are untagged sRGB,
//! which every browser assumes for untagged images; with the profile option `colour = "keep"`
//! nothing is converted and each output carries the original's profile instead.

use std::sync::{Arc, OnceLock};

use moxcms::{ColorProfile, DataColorSpace, Layout, ParsingOptions, TransformExecutor, TransformOptions};

use super::{MediaError, Raster};

/// Profiles larger than this are ignored (real ones are under 1 MiB; a hostile one could
/// otherwise make the parser allocate without bound).
pub const MAX_ICC_BYTES: usize = 4 << 20;

type Transform = Arc<dyn TransformExecutor<u8> + Send + Sync>;

/// How an image's pixels must be converted to reach sRGB.
pub struct ToSrgb(Conversion);

enum Conversion {
    /// An RGB profile: a transform per layout, built on first use.
    Rgb { profile: Box<ColorProfile>, rgb: OnceLock<Option<Transform>>, rgba: OnceLock<Option<Transform>> },
    /// A grey profile on grey pixels (decoded as R = G = B): one tone curve, applied per channel.
    Grey { curve: Box<[u8; 256]> },
}

impl std::fmt::Debug for ToSrgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &self.0 {
            Conversion::Rgb { .. } => "rgb",
            Conversion::Grey { .. } => "grey",
        };
        f.debug_struct("ToSrgb").field("profile", &kind).finish()
    }
}

/// What an image's pixels are, from its header's colour type (`l8`, `la16`, `rgb8`, `cmyk`…).
/// A profile of another kind does not describe them and is ignored, as LittleCMS, libvips and
/// browsers ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    Grey,
    Rgb,
    Cmyk,
}

impl Model {
    pub fn of(color: &str) -> Model {
        if color.starts_with("cmyk") || color == "ycck" {
            Model::Cmyk
        } else if color.starts_with('l') {
            Model::Grey
        } else {
            Model::Rgb
        }
    }
}

/// What an image's outputs need: a conversion to sRGB, and the profile to embed instead
/// (`colour = "keep"`). RGB profiles apply to RGB and grey pixels (grey is decoded as RGB),
/// grey profiles to grey pixels only; CMYK images were converted while decoding. With `keep`,
/// an RGB profile travels with the outputs; a grey one cannot (the outputs are RGB), so its
/// image is converted.
pub fn plan(icc: Option<&[u8]>, model: Model, colour: crate::config::Colour) -> (Option<ToSrgb>, Option<&[u8]>) {
    let Some(icc) = icc else {
        return (None, None);
    };
    let Some(profile) = parse(icc) else {
        return (None, None);
    };
    match (profile.color_space, model) {
        (DataColorSpace::Rgb, Model::Rgb | Model::Grey) => match colour {
            crate::config::Colour::Keep => (None, Some(icc)),
            crate::config::Colour::Srgb => (rgb(profile), None),
        },
        (DataColorSpace::Gray, Model::Grey) => (grey(&profile), None),
        _ => (None, None),
    }
}

fn parse(icc: &[u8]) -> Option<ColorProfile> {
    if icc.len() > MAX_ICC_BYTES {
        return None;
    }
    let opts = ParsingOptions { max_profile_size: MAX_ICC_BYTES, ..ParsingOptions::default() };
    ColorProfile::new_from_slice_with_options(icc, opts).ok()
}

/// The profile's description (e.g. "Display P3"), for the upload's facts.
pub fn describe(icc: &[u8]) -> Option<String> {
    let p = parse(icc)?;
    let text = match p.description.as_ref()? {
        moxcms::ProfileText::PlainString(s) => s.clone(),
        moxcms::ProfileText::Localizable(l) => l.first()?.value.clone(),
        moxcms::ProfileText::Description(d) => d.ascii_string.clone(),
    };
    let text: String = text.chars().filter(|c| !c.is_control()).take(64).collect();
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// Whether the profile describes CMYK data.
pub fn is_cmyk(icc: &[u8]) -> bool {
    parse(icc).is_some_and(|p| p.color_space == DataColorSpace::Cmyk)
}

/// The conversion an RGB image tagged with `icc` needs, or `None` when there is nothing to do:
/// an unreadable or non-RGB profile (treated as untagged), or one that is effectively sRGB.
pub fn rgb_to_srgb(icc: &[u8]) -> Option<ToSrgb> {
    rgb(parse(icc)?)
}

fn rgb(profile: ColorProfile) -> Option<ToSrgb> {
    if profile.color_space != DataColorSpace::Rgb {
        return None;
    }
    let t = ToSrgb(Conversion::Rgb { profile: Box::new(profile), rgb: OnceLock::new(), rgba: OnceLock::new() });
    let probe = t.transform(3)?;
    // A 5×5×5 grid through the transform: if nothing moves by more than one level, the
    // profile is sRGB in all but name and the image is left alone.
    const LEVELS: [u8; 5] = [0, 64, 128, 192, 255];
    let mut grid = Vec::with_capacity(3 * 125);
    for r in LEVELS {
        for g in LEVELS {
            for b in LEVELS {
                grid.extend_from_slice(&[r, g, b]);
            }
        }
    }
    let mut out = vec![0u8; grid.len()];
    probe.transform(&grid, &mut out).ok()?;
    let identity = grid.iter().zip(&out).all(|(a, b)| a.abs_diff(*b) <= 1);
    (!identity).then_some(t)
}

/// A grey profile's tone curve to sRGB (its 256 grey levels through the profile), or `None`
/// when it moves no level by more than one.
fn grey(profile: &ColorProfile) -> Option<ToSrgb> {
    let t = to_srgb_transform(profile, Layout::Gray, Layout::Rgb)?;
    let levels: Vec<u8> = (0..=255).collect();
    let mut out = vec![0u8; 256 * 3];
    t.transform(&levels, &mut out).ok()?;
    let mut curve = Box::new([0u8; 256]);
    for (c, rgb) in curve.iter_mut().zip(out.chunks_exact(3)) {
        // The neutral axis: R = G = B up to rounding; green carries most of the luminance.
        *c = rgb[1];
    }
    let identity = curve.iter().zip(0u8..=255).all(|(c, v)| c.abs_diff(v) <= 1);
    (!identity).then(|| ToSrgb(Conversion::Grey { curve }))
}

impl ToSrgb {
    fn transform(&self, channels: u8) -> Option<Transform> {
        let Conversion::Rgb { profile, rgb, rgba } = &self.0 else {
            return None;
        };
        let (cell, layout) = if channels == 4 { (rgba, Layout::Rgba) } else { (rgb, Layout::Rgb) };
        cell.get_or_init(|| to_srgb_transform(profile, layout, layout)).clone()
    }

    /// Converts `r` (RGB8 or straight-alpha RGBA8) to sRGB.
    pub fn apply(&self, mut r: Raster) -> Result<Raster, MediaError> {
        if let Conversion::Grey { curve } = &self.0 {
            let channels = usize::from(r.channels);
            for px in r.pixels.chunks_exact_mut(channels) {
                for v in px.iter_mut().take(3) {
                    *v = curve[usize::from(*v)];
                }
            }
            return Ok(r);
        }
        let t = self
            .transform(r.channels)
            .ok_or_else(|| MediaError::Unsupported("the image's colour profile cannot be converted".into()))?;
        let mut out = vec![0u8; r.pixels.len()];
        t.transform(&r.pixels, &mut out).map_err(|e| MediaError::Corrupt(format!("colour conversion: {e}")))?;
        Raster::new(out, r.width, r.height, r.channels)
    }
}

/// An ICC profile standing for a HEIF/AVIF `nclx` colour description (CICP code points), or
/// `None` when it is sRGB already (BT.709 primaries, or unspecified) or HDR (PQ, HLG: still
/// images are not tone-mapped; their colours stay as the 8-bit decode gives them).
pub fn icc_from_cicp(primaries: u16, transfer: u16) -> Option<Vec<u8>> {
    use moxcms::{CicpColorPrimaries, CicpProfile, MatrixCoefficients, TransferCharacteristics};
    if matches!(primaries, 1 | 2) || matches!(transfer, 16 | 18) {
        return None;
    }
    let color_primaries = CicpColorPrimaries::try_from(u8::try_from(primaries).ok()?).ok()?;
    let transfer_characteristics = match transfer {
        2 => TransferCharacteristics::Srgb,
        t => TransferCharacteristics::try_from(u8::try_from(t).ok()?).ok()?,
    };
    let profile = ColorProfile::new_from_cicp(CicpProfile {
        color_primaries,
        transfer_characteristics,
        matrix_coefficients: MatrixCoefficients::Bt709,
        full_range: true,
    });
    profile.encode().ok()
}

/// A transform from `profile` to sRGB, perceptual intent first, then the others: a profile may
/// carry the tables of only some intents (LittleCMS falls back likewise).
fn to_srgb_transform(profile: &ColorProfile, src: Layout, dst: Layout) -> Option<Transform> {
    use moxcms::RenderingIntent as I;
    [I::Perceptual, I::RelativeColorimetric, I::Saturation].into_iter().find_map(|rendering_intent| {
        let options = TransformOptions { rendering_intent, ..TransformOptions::default() };
        let t = profile.create_transform_8bit(src, &ColorProfile::new_srgb(), dst, options).ok()?;
        Some(t as Transform)
    })
}

/// Converts CMYK pixels (4 bytes each, 0 = no ink) to sRGB RGB8 through `icc`. A profile no
/// transform can be built from is ignored like any unreadable one: the inks are converted
/// naively, as an untagged CMYK JPEG's are.
pub fn cmyk_to_srgb(icc: &[u8], cmyk: &[u8]) -> Result<Vec<u8>, MediaError> {
    let Some(t) = parse(icc).and_then(|p| to_srgb_transform(&p, Layout::Rgba, Layout::Rgb)) else {
        return Ok(naive_cmyk(cmyk));
    };
    let mut out = vec![0u8; cmyk.len() / 4 * 3];
    t.transform(cmyk, &mut out).map_err(|e| MediaError::Unsupported(format!("the CMYK colour profile: {e}")))?;
    Ok(out)
}

/// CMYK inks to RGB without a profile: each channel is (1 − ink) × (1 − black).
fn naive_cmyk(cmyk: &[u8]) -> Vec<u8> {
    cmyk.chunks_exact(4)
        .flat_map(|p| {
            let white = 255 - u16::from(p[3]);
            [0, 1, 2].map(|i| ((255 - u16::from(p[i])) * white / 255) as u8)
        })
        .collect()
}

/// The ICC profile of a JPEG: its `APP2 ICC_PROFILE` chunks, joined in sequence order. `data`
/// may be a prefix of the file (the chunks precede the image data). Malformed chunk lists
/// (gaps, duplicates, counts that disagree) yield `None`: the image is treated as untagged.
pub fn jpeg_icc(data: &[u8]) -> Option<Vec<u8>> {
    let mut chunks: Vec<(u8, u8, &[u8])> = Vec::new();
    for (marker, seg) in jpeg_segments(data) {
        if marker == 0xE2 && seg.len() >= 14 && &seg[..12] == b"ICC_PROFILE\0" {
            chunks.push((seg[12], seg[13], &seg[14..]));
        }
    }
    let count = chunks.first()?.1;
    if count == 0 || chunks.len() != usize::from(count) || chunks.iter().any(|c| c.1 != count) {
        return None;
    }
    chunks.sort_by_key(|c| c.0);
    if chunks.iter().enumerate().any(|(i, c)| usize::from(c.0) != i + 1) {
        return None;
    }
    let icc: Vec<u8> = chunks.iter().flat_map(|c| c.2.iter().copied()).collect();
    (icc.len() <= MAX_ICC_BYTES).then_some(icc)
}

/// Whether a JPEG carries Adobe's APP14 marker (Photoshop's CMYK JPEGs store inverted ink).
pub fn jpeg_has_adobe_marker(data: &[u8]) -> bool {
    jpeg_segments(data).any(|(marker, seg)| marker == 0xEE && seg.starts_with(b"Adobe"))
}

/// The marker segments of a JPEG before its first scan, as (marker, body).
fn jpeg_segments(data: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut pos = if data.len() >= 2 && data[0] == 0xFF && data[1] == 0xD8 { 2usize } else { usize::MAX };
    std::iter::from_fn(move || {
        loop {
            let head = data.get(pos..pos.checked_add(4)?)?;
            if head[0] != 0xFF {
                return None;
            }
            let marker = head[1];
            if marker == 0xFF {
                pos += 1;
                continue;
            }
            if marker == 0xD8 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
                pos += 2;
                continue;
            }
            if marker == 0xDA || marker == 0xD9 {
                return None;
            }
            let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
            if len < 2 {
                return None;
            }
            let seg = data.get(pos + 4..pos + 2 + len)?;
            pos += 2 + len;
            return Some((marker, seg));
        }
    })
}

/// The `ICCP` chunk of an extended-format WebP. `data` may be a prefix (the chunk comes right
/// after `VP8X`).
pub fn webp_icc(data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 12 || &data[..4] != b"RIFF" || &data[8..12] != b"WEBP" {
        return None;
    }
    let mut pos = 12usize;
    while let Some(head) = data.get(pos..pos + 8) {
        let size = usize::try_from(u32::from_le_bytes([head[4], head[5], head[6], head[7]])).ok()?;
        if &head[..4] == b"ICCP" {
            if size > MAX_ICC_BYTES {
                return None;
            }
            return data.get(pos + 8..pos + 8 + size).map(<[u8]>::to_vec);
        }
        // Image data comes after the ICCP chunk: no profile.
        if matches!(&head[..4], b"VP8 " | b"VP8L" | b"ANIM" | b"ANMF" | b"ALPH") {
            return None;
        }
        pos = pos.checked_add(8 + size + (size & 1))?;
    }
    None
}

/// Adds `icc` to an encoded output (profile option `colour = "keep"`).
pub fn embed(data: Vec<u8>, format: crate::config::OutputFormat, icc: &[u8]) -> Vec<u8> {
    use crate::config::OutputFormat;
    match format {
        OutputFormat::Jpeg => embed_jpeg(data, icc),
        OutputFormat::Webp => embed_webp(data, icc),
        // The PNG encoder writes the profile itself (`iCCP`).
        OutputFormat::Png => data,
    }
}

/// Inserts `APP2 ICC_PROFILE` segments right after the start marker.
fn embed_jpeg(data: Vec<u8>, icc: &[u8]) -> Vec<u8> {
    const CHUNK: usize = 65_519; // 65535 - 2 (length) - 14 (signature, sequence, count)
    let chunks: Vec<&[u8]> = icc.chunks(CHUNK).collect();
    if data.len() < 2 || chunks.is_empty() || chunks.len() > 255 {
        return data;
    }
    let mut out = Vec::with_capacity(data.len() + icc.len() + chunks.len() * 18);
    out.extend_from_slice(&data[..2]);
    for (i, c) in chunks.iter().enumerate() {
        let len = (c.len() + 16) as u16;
        out.extend_from_slice(&[0xFF, 0xE2]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(b"ICC_PROFILE\0");
        out.push((i + 1) as u8);
        out.push(chunks.len() as u8);
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&data[2..]);
    out
}

/// Turns a simple-format WebP into the extended format with an `ICCP` chunk (or adds the chunk
/// to an extended one).
fn embed_webp(data: Vec<u8>, icc: &[u8]) -> Vec<u8> {
    if data.len() < 20 || &data[..4] != b"RIFF" || &data[8..12] != b"WEBP" || icc.len() > MAX_ICC_BYTES {
        return data;
    }
    let mut iccp = Vec::with_capacity(icc.len() + 9);
    iccp.extend_from_slice(b"ICCP");
    iccp.extend_from_slice(&(icc.len() as u32).to_le_bytes());
    iccp.extend_from_slice(icc);
    if icc.len() % 2 == 1 {
        iccp.push(0);
    }
    let body = &data[12..];
    let mut out = Vec::with_capacity(data.len() + iccp.len() + 18);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    if &body[..4] == b"VP8X" && body.len() >= 18 {
        let mut vp8x = body[..18].to_vec();
        vp8x[8] |= 0x20;
        out.extend_from_slice(&vp8x);
        out.extend_from_slice(&iccp);
        out.extend_from_slice(&body[18..]);
    } else {
        let Some((w, h, alpha)) = simple_webp_size(body) else {
            return data;
        };
        out.extend_from_slice(b"VP8X");
        out.extend_from_slice(&10u32.to_le_bytes());
        out.push(0x20 | if alpha { 0x10 } else { 0 });
        out.extend_from_slice(&[0, 0, 0]);
        out.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        out.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        out.extend_from_slice(&iccp);
        out.extend_from_slice(body);
    }
    let riff = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    out
}

/// Canvas size and alpha of a simple (`VP8 ` or `VP8L`) WebP's first chunk.
fn simple_webp_size(body: &[u8]) -> Option<(u32, u32, bool)> {
    let fourcc = body.get(..4)?;
    let d = body.get(8..)?;
    if fourcc == b"VP8 " {
        // Frame tag (3 bytes), start code (3), then 14-bit width and height.
        let w = u32::from(u16::from_le_bytes([*d.get(6)?, *d.get(7)?]) & 0x3FFF);
        let h = u32::from(u16::from_le_bytes([*d.get(8)?, *d.get(9)?]) & 0x3FFF);
        (w > 0 && h > 0).then_some((w, h, false))
    } else if fourcc == b"VP8L" {
        let bits = u32::from_le_bytes([*d.get(1)?, *d.get(2)?, *d.get(3)?, *d.get(4)?]);
        let w = (bits & 0x3FFF) + 1;
        let h = ((bits >> 14) & 0x3FFF) + 1;
        Some((w, h, (bits >> 28) & 1 == 1))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p3() -> Vec<u8> {
        ColorProfile::new_display_p3().encode().unwrap()
    }

    #[test]
    fn srgb_and_junk_profiles_need_nothing_and_p3_does() {
        assert!(rgb_to_srgb(&ColorProfile::new_srgb().encode().unwrap()).is_none());
        assert!(rgb_to_srgb(b"not a profile").is_none());
        assert!(rgb_to_srgb(&[]).is_none());
        let t = rgb_to_srgb(&p3()).expect("P3 needs converting");
        // Pure P3 red is outside sRGB: it clips to (255, 0, 0)-ish; a P3 mid-grey stays grey.
        let r = t.apply(Raster::new(vec![255, 0, 0, 128, 128, 128], 2, 1, 3).unwrap()).unwrap();
        assert!(r.pixels[0] >= 250 && r.pixels[1] < 30 && r.pixels[2] < 30, "{:?}", r.pixels);
        assert!(r.pixels[3..].iter().all(|c| c.abs_diff(128) <= 2), "{:?}", r.pixels);
        // A less saturated P3 green becomes a *more* saturated sRGB green (the point of it).
        let g = t.apply(Raster::new(vec![100, 200, 100, 255], 1, 1, 4).unwrap()).unwrap();
        assert!(g.pixels[0] < 100 && g.pixels[1] >= 200 && g.pixels[3] == 255, "{:?}", g.pixels);
    }

    #[test]
    fn a_profile_applies_only_to_pixels_of_its_kind() {
        use crate::config::Colour::{Keep, Srgb};
        let (p3, linear_grey) = (p3(), ColorProfile::new_gray_with_gamma(1.0).encode().unwrap());
        assert_eq!(Model::of("l8"), Model::Grey);
        assert_eq!(Model::of("la16"), Model::Grey);
        assert_eq!(Model::of("rgba8"), Model::Rgb);
        assert_eq!(Model::of("ycck"), Model::Cmyk);
        // RGB profile: RGB and grey pixels converted (or kept), CMYK inks never.
        assert!(matches!(plan(Some(&p3), Model::Rgb, Srgb), (Some(_), None)));
        assert!(matches!(plan(Some(&p3), Model::Grey, Srgb), (Some(_), None)));
        assert!(matches!(plan(Some(&p3), Model::Rgb, Keep), (None, Some(_))));
        assert!(matches!(plan(Some(&p3), Model::Cmyk, Srgb), (None, None)));
        assert!(matches!(plan(Some(&p3), Model::Cmyk, Keep), (None, None)));
        // Grey profile: grey pixels only, converted even with `keep` (the outputs are RGB).
        assert!(matches!(plan(Some(&linear_grey), Model::Rgb, Srgb), (None, None)));
        assert!(matches!(plan(Some(&linear_grey), Model::Grey, Keep), (Some(_), None)));
        let (t, _) = plan(Some(&linear_grey), Model::Grey, Srgb);
        let t = t.expect("a linear grey needs converting");
        // Linear mid-grey is sRGB's ~188; black and white stay; alpha is untouched.
        let r = t.apply(Raster::new(vec![0, 0, 0, 9, 128, 128, 128, 9, 255, 255, 255, 9], 3, 1, 4).unwrap()).unwrap();
        assert_eq!(&r.pixels[..4], &[0, 0, 0, 9]);
        assert!(r.pixels[4..7].iter().all(|v| v.abs_diff(188) <= 2) && r.pixels[7] == 9, "{:?}", r.pixels);
        assert_eq!(&r.pixels[8..], &[255, 255, 255, 9]);
        assert!(matches!(plan(None, Model::Grey, Srgb), (None, None)));
        assert!(matches!(plan(Some(b"junk"), Model::Grey, Srgb), (None, None)));
    }

    /// `profile` with each tag in `hide` renamed in the tag table (as if absent).
    fn without_tags(profile: &[u8], hide: &[&[u8; 4]]) -> Vec<u8> {
        let mut p = profile.to_vec();
        let n = u32::from_be_bytes(p[128..132].try_into().unwrap()) as usize;
        for i in 0..n {
            let sig = 132 + 12 * i;
            if hide.iter().any(|h| &p[sig..sig + 4] == *h) {
                p[sig..sig + 4].copy_from_slice(b"zzzz");
            }
        }
        p
    }

    #[test]
    fn a_cmyk_profile_without_a_perceptual_table_uses_another_intent_and_an_unusable_one_is_ignored() {
        // Ghostscript's press profile (installed with the test services, used by tests/photos.rs).
        let path = "/usr/share/color/icc/ghostscript/default_cmyk.icc";
        let full = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e} (run scripts/services.sh install)"));
        let inks = [0u8, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255, 40, 200, 10, 30];
        let perceptual = cmyk_to_srgb(&full, &inks).unwrap();
        // Only the colorimetric tables left: converted through them, still a profile's colours.
        let colorimetric = cmyk_to_srgb(&without_tags(&full, &[b"A2B0"]), &inks).unwrap();
        assert_eq!(colorimetric.len(), 12);
        assert!(colorimetric[..3].iter().all(|&v| v > 200), "no ink is near white: {colorimetric:?}");
        assert!(colorimetric[9..].iter().zip(&perceptual[9..]).all(|(a, b)| a.abs_diff(*b) < 40));
        assert_ne!(colorimetric[9..], naive_cmyk(&inks)[9..], "a profile's conversion, not the naive one");
        // No device-to-PCS table at all: the naive conversion, not an error.
        let none = without_tags(&full, &[b"A2B0", b"A2B1", b"A2B2"]);
        assert_eq!(cmyk_to_srgb(&none, &inks).unwrap(), naive_cmyk(&inks));
        assert_eq!(naive_cmyk(&inks)[..9], [255, 255, 255, 0, 255, 255, 0, 0, 0]);
    }

    #[test]
    fn nclx_p3_becomes_a_profile_and_srgb_or_hdr_do_not() {
        assert!(icc_from_cicp(1, 13).is_none());
        assert!(icc_from_cicp(9, 16).is_none(), "PQ is not converted");
        let p3 = icc_from_cicp(12, 13).expect("P3 D65");
        assert!(rgb_to_srgb(&p3).is_some());
    }

    #[test]
    fn jpeg_icc_chunks_are_joined_in_order_and_bad_lists_ignored() {
        let icc: Vec<u8> = (0..150_000u32).map(|i| (i % 251) as u8).collect();
        let jpeg = embed_jpeg(vec![0xFF, 0xD8, 0xFF, 0xD9], &icc);
        assert_eq!(jpeg_icc(&jpeg).as_deref(), Some(&icc[..]));
        // Chunk 2 of 3 missing.
        let one = embed_jpeg(vec![0xFF, 0xD8, 0xFF, 0xD9], &icc[..10]);
        let mut broken = one.clone();
        broken[17] = 3; // count = 3, only one chunk present
        assert_eq!(jpeg_icc(&broken), None);
        assert_eq!(jpeg_icc(&[0xFF, 0xD8, 0xFF, 0xE2, 0x00]), None);
        assert!(!jpeg_has_adobe_marker(&one));
    }

    #[test]
    fn webp_icc_survives_embedding_in_lossy_lossless_and_extended_files() {
        let rgb = Raster::new(vec![10; 16 * 8 * 3], 16, 8, 3).unwrap();
        let rgba = Raster::new(vec![10; 16 * 8 * 4], 16, 8, 4).unwrap();
        for (r, q) in [(&rgb, 80.0), (&rgba, 80.0), (&rgb, 100.0)] {
            let plain = super::super::webp::encode(r, q, 4).unwrap();
            let tagged = embed_webp(plain, &p3());
            assert_eq!(webp_icc(&tagged), Some(p3()));
            let decoded = image::load_from_memory_with_format(&tagged, image::ImageFormat::WebP).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (16, 8));
        }
    }
}
