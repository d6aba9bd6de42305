//! Profiles: what one kind of upload is allowed to be and what it becomes, and their
//! validation (errors name the key as it is written in the file).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ConfigError, OutputFormat, key_err};
use crate::formats::{Family, MediaType};
use crate::units::{ByteSize, HumanDuration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Keep the aspect ratio inside the box.
    Contain,
    /// Fill the box, cropping the overflow (centred).
    Cover,
}

/// One output image of a profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    pub name: String,
    pub width: u32,
    pub height: u32,
    #[serde(default = "default_fit")]
    pub fit: Fit,
    pub format: OutputFormat,
    #[serde(default = "default_quality")]
    pub quality: u8,
    /// libwebp effort 0–6 (only for `webp`): 4 is libwebp's default and the seed's setting.
    #[serde(default = "default_webp_method")]
    pub webp_method: u8,
    /// Flatten transparency onto the profile's background (JPEG always is). Off: WebP and PNG
    /// outputs keep their alpha channel.
    #[serde(default)]
    pub flatten: bool,
}

fn default_fit() -> Fit {
    Fit::Contain
}
fn default_quality() -> u8 {
    85
}
fn default_webp_method() -> u8 {
    4
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MismatchPolicy {
    /// A declared type that disagrees with the magic bytes rejects the upload.
    Reject,
    /// The detected type wins; the mismatch is only recorded.
    Allow,
}

/// What becomes of an image's embedded colour profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Colour {
    /// Convert to sRGB; outputs are untagged sRGB (what browsers assume).
    Srgb,
    /// Keep the original's colours and its profile (each output carries it): wide gamut kept
    /// for colour-managed viewers.
    Keep,
}

/// What becomes of an animated GIF, WebP or PNG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Animation {
    /// Every output is the first frame.
    Still,
    /// WebP variants stay animated (frame timing kept); other variants are the first frame.
    Webp,
}

/// What becomes of an HDR video (PQ/HDR10, HLG, Dolby Vision with such a base layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hdr {
    /// Tone-mapped to 8-bit BT.709 SDR (every output and the poster).
    Tonemap,
    /// Kept: HEVC Main 10 outputs tagged with the source's primaries and transfer (the poster
    /// is still tone-mapped: a JPEG is SDR).
    Keep,
}

/// The video codec of an MP4 output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    /// libx264: plays everywhere.
    #[default]
    H264,
    /// libx265, tagged `hvc1` (Apple's players need it).
    Hevc,
    /// SVT-AV1.
    Av1,
}

/// Video outputs of a profile: one MP4 rendition plus a poster frame.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VideoProfile {
    pub max_width: u32,
    pub max_height: u32,
    pub crf: u8,
    pub preset: String,
    pub audio_bitrate: String,
    pub max_duration: HumanDuration,
    /// Poster variants (same fields as image variants); the first frame at min(1 s, 10 %).
    pub posters: Vec<VariantSpec>,
    /// Extra, smaller MP4 renditions (e.g. 720p) encoded in the same ffmpeg run as `video`.
    /// A rendition that would not be smaller than the main output is skipped.
    pub renditions: Vec<Rendition>,
    /// `tonemap` (default): HDR sources become SDR BT.709; `keep`: HEVC 10-bit HDR outputs.
    pub hdr: Hdr,
    /// Frame rates above this are reduced by dropping frames (halved, or divided by the
    /// smallest whole number that brings them under it).
    pub max_fps: u32,
}

/// An extra MP4 rendition of a video, stored as `{name}.mp4`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rendition {
    pub name: String,
    pub max_width: u32,
    pub max_height: u32,
    /// Defaults to the profile's `video.crf` (+5 for HEVC, +12 for AV1: about the same quality).
    #[serde(default)]
    pub crf: Option<u8>,
    #[serde(default)]
    pub codec: VideoCodec,
}

impl Default for VideoProfile {
    fn default() -> Self {
        VideoProfile {
            max_width: 1920,
            max_height: 1080,
            crf: 23,
            preset: "veryfast".into(),
            audio_bitrate: "128k".into(),
            max_duration: HumanDuration::secs(3600),
            posters: vec![VariantSpec {
                name: "poster".into(),
                width: 1920,
                height: 1080,
                fit: Fit::Contain,
                format: OutputFormat::Jpeg,
                quality: 85,
                webp_method: 4,
                flatten: false,
            }],
            renditions: Vec::new(),
            hdr: Hdr::Tonemap,
            max_fps: 60,
        }
    }
}

/// What one kind of upload is allowed to be and what it becomes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// MIME types (as detected from magic bytes) this profile accepts.
    pub allowed_types: Vec<String>,
    /// Hard cap for any file, enforced while streaming.
    pub max_bytes: ByteSize,
    /// Tighter caps per detected type.
    pub max_bytes_by_type: BTreeMap<String, ByteSize>,
    /// Images declaring more pixels than this are rejected from the header, before decoding.
    pub max_pixels: u64,
    pub mismatch: MismatchPolicy,
    /// Keep the original as `{output_prefix}{id}/original.{ext}` (otherwise it is deleted after commit).
    pub keep_original: bool,
    /// Background for flattening transparency into JPEG, `#rrggbb`.
    pub background: String,
    /// `srgb` (default): wide-gamut images are converted to sRGB; `keep`: left as they are,
    /// with their profile embedded in every output.
    pub colour: Colour,
    /// `webp` (default): WebP variants of an animated GIF/WebP/PNG stay animated; `still`:
    /// every output is the first frame.
    pub animation: Animation,
    /// Animations with more frames than this (counted from the header) become stills.
    pub max_frames: u32,
    /// … and so do those with more pixels than this in all their frames (width × height ×
    /// frames).
    pub max_animation_pixels: u64,
    /// Also make `animation.mp4` (H.264) of an animated GIF or APNG that stays animated.
    pub animation_mp4: bool,
    pub variants: Vec<VariantSpec>,
    pub video: VideoProfile,
}

impl Default for Profile {
    fn default() -> Self {
        let v = |name: &str, w, h, format, quality| VariantSpec {
            name: name.into(),
            width: w,
            height: h,
            fit: Fit::Contain,
            format,
            quality,
            webp_method: 4,
            flatten: false,
        };
        Profile {
            allowed_types: MediaType::all().map(|t| t.mime().to_owned()).collect(),
            max_bytes: ByteSize::mib(100),
            max_bytes_by_type: BTreeMap::from([
                ("image/gif".into(), ByteSize::mib(20)),
                ("image/png".into(), ByteSize::mib(50)),
                ("image/jpeg".into(), ByteSize::mib(50)),
                ("image/webp".into(), ByteSize::mib(50)),
                ("image/heic".into(), ByteSize::mib(50)),
                ("image/avif".into(), ByteSize::mib(50)),
            ]),
            max_pixels: 100_000_000,
            mismatch: MismatchPolicy::Reject,
            keep_original: false,
            background: "#ffffff".into(),
            colour: Colour::Srgb,
            animation: Animation::Webp,
            max_frames: 1000,
            max_animation_pixels: 100_000_000,
            animation_mp4: false,
            variants: vec![
                v("display", 1920, 1080, OutputFormat::Jpeg, 85),
                v("thumb", 300, 300, OutputFormat::Jpeg, 80),
                v("webp", 1920, 1080, OutputFormat::Webp, 80),
            ],
            video: VideoProfile::default(),
        }
    }
}

impl Profile {
    /// The byte cap for a detected type (the tighter of the per-type and overall caps).
    pub fn max_bytes_for(&self, mime: &str) -> u64 {
        let overall = self.max_bytes.bytes();
        self.max_bytes_by_type.get(mime).map_or(overall, |b| b.bytes().min(overall))
    }

    /// True when the profile accepts some type of the family.
    pub fn accepts(&self, family: Family) -> bool {
        self.allowed_types.iter().any(|t| MediaType::from_mime(t).is_some_and(|m| m.family() == family))
    }

    /// Parsed `background` colour.
    pub fn background_rgb(&self) -> [u8; 3] {
        parse_hex_rgb(&self.background).unwrap_or([255, 255, 255])
    }
}

fn parse_hex_rgb(s: &str) -> Option<[u8; 3]> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let p = |i: usize| u8::from_str_radix(h.get(i..i + 2)?, 16).ok();
    Some([p(0)?, p(2)?, p(4)?])
}

pub(super) fn validate_profile(name: &str, p: &Profile) -> Result<(), ConfigError> {
    let k = |field: &str| format!("profiles.{name}.{field}");
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(key_err(format!("profiles.{name}"), "profile names use letters, digits, - and _ (max 64)"));
    }
    if p.allowed_types.is_empty() {
        return Err(key_err(k("allowed_types"), "must list at least one type"));
    }
    for t in &p.allowed_types {
        if MediaType::from_mime(t).is_none() {
            let supported: Vec<&str> = MediaType::all().map(MediaType::mime).collect();
            return Err(key_err(
                k("allowed_types"),
                format!("unsupported type {t:?} (supported: {})", supported.join(", ")),
            ));
        }
    }
    for t in p.max_bytes_by_type.keys() {
        if MediaType::from_mime(t).is_none() {
            return Err(key_err(k("max_bytes_by_type"), format!("unsupported type {t:?}")));
        }
    }
    if p.max_bytes.bytes() == 0 {
        return Err(key_err(k("max_bytes"), "must be positive"));
    }
    if p.max_pixels == 0 {
        return Err(key_err(k("max_pixels"), "must be positive"));
    }
    if p.max_frames == 0 {
        return Err(key_err(k("max_frames"), "must be at least 1"));
    }
    if p.max_animation_pixels == 0 {
        return Err(key_err(k("max_animation_pixels"), "must be positive"));
    }
    if parse_hex_rgb(&p.background).is_none() {
        return Err(key_err(k("background"), "must be #rrggbb"));
    }
    let wants_images = p.accepts(Family::Image);
    if wants_images && p.variants.is_empty() {
        return Err(key_err(k("variants"), "a profile that accepts images needs at least one variant"));
    }
    let mut names = std::collections::BTreeSet::new();
    let all = p.variants.iter().map(|v| ("variants", v)).chain(p.video.posters.iter().map(|v| ("video.posters", v)));
    for (field, v) in all {
        validate_variant(&k(field), v)?;
        if v.name == "original" || v.name == "video" || v.name == "animation" {
            return Err(key_err(k(field), format!("variant name {:?} is reserved", v.name)));
        }
        if field == "variants" && !names.insert(v.name.clone()) {
            return Err(key_err(k(field), format!("variant {:?} appears twice", v.name)));
        }
    }
    // Posters and renditions are the outputs of one video upload: their names must differ.
    let mut video_names = std::collections::BTreeSet::new();
    for v in &p.video.posters {
        if !video_names.insert(v.name.clone()) {
            return Err(key_err(k("video.posters"), format!("poster {:?} appears twice", v.name)));
        }
    }
    let pv = &p.video;
    let video_box = |key: &str, w: u32, h: u32| {
        if w < 16 || h < 16 || w > 8192 || h > 8192 {
            return Err(key_err(k(key), "video box must be between 16 and 8192 px"));
        }
        Ok(())
    };
    video_box("video.max_width", pv.max_width, pv.max_height)?;
    if pv.crf > 51 {
        return Err(key_err(k("video.crf"), "must be 0–51"));
    }
    for r in &pv.renditions {
        let key = k("video.renditions");
        if !valid_variant_name(&r.name) || r.name == "original" || r.name == "video" {
            return Err(key_err(
                key,
                format!("rendition name {:?} must be [a-z0-9_-]{{1,32}} and not reserved", r.name),
            ));
        }
        if !video_names.insert(r.name.clone()) {
            return Err(key_err(key, format!("{:?} is already the name of a poster or rendition", r.name)));
        }
        video_box("video.renditions", r.max_width, r.max_height)?;
        let max_crf = if r.codec == VideoCodec::Av1 { 63 } else { 51 };
        if r.crf.is_some_and(|c| c > max_crf) {
            return Err(key_err(key, format!("rendition {:?}: crf must be 0–{max_crf} for {:?}", r.name, r.codec)));
        }
    }
    const PRESETS: &[&str] =
        &["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];
    if !(1..=240).contains(&pv.max_fps) {
        return Err(key_err(k("video.max_fps"), "must be between 1 and 240"));
    }
    if !PRESETS.contains(&pv.preset.as_str()) {
        return Err(key_err(k("video.preset"), format!("must be one of {}", PRESETS.join(", "))));
    }
    if !pv.audio_bitrate.chars().all(|c| c.is_ascii_digit() || c == 'k') || pv.audio_bitrate.is_empty() {
        return Err(key_err(k("video.audio_bitrate"), "must look like 128k"));
    }
    Ok(())
}

/// Output names become object-key segments: a-z, 0-9, `-` and `_`, at most 32.
fn valid_variant_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn validate_variant(key: &str, v: &VariantSpec) -> Result<(), ConfigError> {
    if !valid_variant_name(&v.name) {
        return Err(key_err(key, format!("variant name {:?}: use a-z, 0-9, - and _ (max 32)", v.name)));
    }
    let max_side = v.format.max_side();
    if v.width == 0 || v.height == 0 || v.width > max_side || v.height > max_side {
        return Err(key_err(key, format!("variant {:?}: width and height must be 1–{max_side}", v.name)));
    }
    if v.quality == 0 || v.quality > 100 {
        return Err(key_err(key, format!("variant {:?}: quality must be 1–100", v.name)));
    }
    if v.webp_method > 6 {
        return Err(key_err(key, format!("variant {:?}: webp_method must be 0–6", v.name)));
    }
    Ok(())
}
