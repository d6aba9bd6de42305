//! The format registry: every media type uploadd knows, in one table. From a detection result
//! (magic bytes, never the client's name or Content-Type) it gives the family (image or video),
//! the decoder, the extension and Content-Type of a kept original, the extensions a client's
//! filename may carry, and the ffmpeg demuxer. Output formats live here too.
//!
//! Adding an input format touches this table and its codec file, nothing else.

use serde::{Deserialize, Serialize};

/// What kind of processing a type gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Image,
    Video,
}

/// Work is split by kind so that one kind never waits for another's capacity: each lane has
/// its own lists and is fetched on its own (its own worker loop and `worker.*_concurrency`).
/// A job's lane is chosen at enqueue (`queue::lane_of`); when the detected type disagrees, the
/// job moves lanes (`queue::Settle::Move`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lane {
    Image,
    Video,
}

impl Lane {
    pub const ALL: [Lane; 2] = [Lane::Image, Lane::Video];

    /// The name in configuration, the CLI, metrics and Redis (`meta.lane`).
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Image => "image",
            Lane::Video => "video",
        }
    }

    pub fn parse(s: &str) -> Option<Lane> {
        Lane::ALL.into_iter().find(|l| l.as_str() == s.trim())
    }

    /// The lane that processes a media family.
    pub fn of(family: Family) -> Lane {
        match family {
            Family::Image => Lane::Image,
            Family::Video => Lane::Video,
        }
    }

    /// Index in [`Lane::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The image decoders uploadd has (the `format` of an image's recorded facts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Jpeg,
    Png,
    Webp,
    Gif,
    /// HEIF with HEVC-coded images (iPhone photos), decoded by libheif in a sandboxed child.
    Heic,
    /// HEIF with AV1-coded images, likewise.
    Avif,
}

impl ImageFormat {
    /// The format's usual name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
            ImageFormat::Webp => "WebP",
            ImageFormat::Gif => "GIF",
            ImageFormat::Heic => "HEIC",
            ImageFormat::Avif => "AVIF",
        }
    }

    /// Formats decoded by libheif in a sandboxed child process (`uploadd heif-decode`).
    pub fn is_heif(self) -> bool {
        matches!(self, ImageFormat::Heic | ImageFormat::Avif)
    }

    /// The `image` crate's decoder for the format (header probe and the generic decode path).
    /// A still format `image` decodes needs nothing else in `media/`: header probing, frame
    /// counting and the memory estimate have a case for "still, decoded by `image`".
    pub fn image_crate(self) -> image::ImageFormat {
        match self {
            ImageFormat::Jpeg => image::ImageFormat::Jpeg,
            ImageFormat::Png => image::ImageFormat::Png,
            ImageFormat::Webp => image::ImageFormat::WebP,
            ImageFormat::Gif => image::ImageFormat::Gif,
            // Never decoded by `image` (see `media::heif`): its AVIF support is not compiled in.
            ImageFormat::Heic | ImageFormat::Avif => image::ImageFormat::Avif,
        }
    }
}

/// Every input type uploadd accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    Jpeg,
    Png,
    Webp,
    Gif,
    Heic,
    Avif,
    Mp4,
    QuickTime,
    Webm,
    Matroska,
    Avi,
}

/// One row of the registry.
struct Spec {
    ty: MediaType,
    mime: &'static str,
    family: Family,
    /// Extension of a kept original.
    extension: &'static str,
    /// Extensions a client's filename may carry for this type (a mismatch is only noted).
    filename_extensions: &'static [&'static str],
    /// Declared types that are the same thing under another name (container families).
    same_as: &'static [&'static str],
    image: Option<ImageFormat>,
    /// The ffmpeg demuxer, forced so ffmpeg never guesses from content or name.
    demuxer: Option<&'static str>,
}

const REGISTRY: &[Spec] = &[
    Spec {
        ty: MediaType::Jpeg,
        mime: "image/jpeg",
        family: Family::Image,
        extension: "jpg",
        filename_extensions: &["jpg", "jpeg", "jpe", "jfif"],
        same_as: &[],
        image: Some(ImageFormat::Jpeg),
        demuxer: None,
    },
    Spec {
        ty: MediaType::Png,
        mime: "image/png",
        family: Family::Image,
        extension: "png",
        filename_extensions: &["png"],
        same_as: &[],
        image: Some(ImageFormat::Png),
        demuxer: None,
    },
    Spec {
        ty: MediaType::Webp,
        mime: "image/webp",
        family: Family::Image,
        extension: "webp",
        filename_extensions: &["webp"],
        same_as: &[],
        image: Some(ImageFormat::Webp),
        demuxer: None,
    },
    Spec {
        ty: MediaType::Gif,
        mime: "image/gif",
        family: Family::Image,
        extension: "gif",
        filename_extensions: &["gif"],
        same_as: &[],
        image: Some(ImageFormat::Gif),
        demuxer: None,
    },
    // HEIF still images: `image/heic` is what iOS sends; `image/heif` is the generic name.
    Spec {
        ty: MediaType::Heic,
        mime: "image/heic",
        family: Family::Image,
        extension: "heic",
        filename_extensions: &["heic", "heif", "hif"],
        same_as: &["image/heif", "image/heic-sequence", "image/heif-sequence"],
        image: Some(ImageFormat::Heic),
        demuxer: None,
    },
    Spec {
        ty: MediaType::Avif,
        mime: "image/avif",
        family: Family::Image,
        extension: "avif",
        filename_extensions: &["avif"],
        same_as: &[],
        image: Some(ImageFormat::Avif),
        demuxer: None,
    },
    // MP4 and QuickTime share a container and browsers label them either way; so do WebM and
    // Matroska.
    Spec {
        ty: MediaType::Mp4,
        mime: "video/mp4",
        family: Family::Video,
        extension: "mp4",
        filename_extensions: &["mp4", "m4v"],
        same_as: &["video/quicktime"],
        image: None,
        demuxer: Some("mov"),
    },
    Spec {
        ty: MediaType::QuickTime,
        mime: "video/quicktime",
        family: Family::Video,
        extension: "mov",
        filename_extensions: &["mov", "qt", "mp4"],
        same_as: &["video/mp4"],
        image: None,
        demuxer: Some("mov"),
    },
    Spec {
        ty: MediaType::Webm,
        mime: "video/webm",
        family: Family::Video,
        extension: "webm",
        filename_extensions: &["webm"],
        same_as: &["video/x-matroska"],
        image: None,
        demuxer: Some("matroska"),
    },
    Spec {
        ty: MediaType::Matroska,
        mime: "video/x-matroska",
        family: Family::Video,
        extension: "mkv",
        filename_extensions: &["mkv", "webm"],
        same_as: &["video/webm"],
        image: None,
        demuxer: Some("matroska"),
    },
    Spec {
        ty: MediaType::Avi,
        mime: "video/x-msvideo",
        family: Family::Video,
        extension: "avi",
        filename_extensions: &["avi"],
        same_as: &[],
        image: None,
        demuxer: Some("avi"),
    },
];

/// What the magic bytes say a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// A type uploadd processes.
    Known(MediaType),
    /// Something recognisable that uploadd does not process (e.g. `application/pdf`).
    Other(&'static str),
}

impl Sniffed {
    pub fn mime(self) -> &'static str {
        match self {
            Sniffed::Known(t) => t.mime(),
            Sniffed::Other(m) => m,
        }
    }
}

/// Detects the type from a file's first bytes ([`SNIFF_BYTES`] are enough); `None` when
/// nothing is recognised.
pub fn sniff(head: &[u8]) -> Option<Sniffed> {
    if let Some(t) = heif_brand(head) {
        return Some(t);
    }
    let mime = infer::get(head)?.mime_type();
    Some(MediaType::from_mime(mime).map_or(Sniffed::Other(mime), Sniffed::Known))
}

/// HEIF and AVIF by their `ftyp` brands (major or compatible), before `infer`, which misses
/// some real files (e.g. `mif1` major brands with `heix`). AV1 wins when both are listed.
fn heif_brand(head: &[u8]) -> Option<Sniffed> {
    let size = usize::try_from(u32::from_be_bytes(head.get(..4)?.try_into().ok()?)).ok()?;
    if head.get(4..8)? != b"ftyp" || !(16..=4096).contains(&size) {
        return None;
    }
    let ftyp = head.get(8..size.min(head.len()))?;
    let brands: Vec<&[u8]> =
        std::iter::once(ftyp.get(..4)?).chain(ftyp.get(8..).unwrap_or_default().chunks_exact(4)).collect();
    if brands.iter().any(|b| matches!(*b, b"avif" | b"avis")) {
        return Some(Sniffed::Known(MediaType::Avif));
    }
    if brands.iter().any(|b| matches!(*b, b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx")) {
        return Some(Sniffed::Known(MediaType::Heic));
    }
    // A generic HEIF (`mif1`/`msf1` only): some other codec inside.
    if brands.iter().any(|b| matches!(*b, b"mif1" | b"msf1")) {
        return Some(Sniffed::Other("image/heif"));
    }
    None
}

/// How many leading bytes are enough for every signature we check.
pub const SNIFF_BYTES: usize = 8192;

impl MediaType {
    pub fn all() -> impl Iterator<Item = MediaType> {
        REGISTRY.iter().map(|s| s.ty)
    }

    /// The MIME types of a family, in registry order.
    pub fn mimes(family: Family) -> impl Iterator<Item = &'static str> {
        REGISTRY.iter().filter(move |s| s.family == family).map(|s| s.mime)
    }

    fn spec(self) -> &'static Spec {
        // Every variant has a row (checked by a test); the first row is never used otherwise.
        REGISTRY.iter().find(|s| s.ty == self).unwrap_or(&REGISTRY[0])
    }

    pub fn from_mime(mime: &str) -> Option<MediaType> {
        REGISTRY.iter().find(|s| s.mime == mime).map(|s| s.ty)
    }

    pub fn mime(self) -> &'static str {
        self.spec().mime
    }

    pub fn family(self) -> Family {
        self.spec().family
    }

    /// Extension of a kept original.
    pub fn extension(self) -> &'static str {
        self.spec().extension
    }

    /// The decoder for an image type.
    pub fn image_format(self) -> Option<ImageFormat> {
        self.spec().image
    }

    /// The ffmpeg demuxer for a video container.
    pub fn demuxer(self) -> Option<&'static str> {
        self.spec().demuxer
    }

    /// A client filename extension (lower case) that fits this type.
    pub fn filename_fits(self, ext: &str) -> bool {
        self.spec().filename_extensions.contains(&ext)
    }

    /// A declared MIME type says nothing to contradict this type: the same, a member of the
    /// same container family, or the generic `application/octet-stream`.
    pub fn matches_declared(self, declared: &str) -> bool {
        let s = self.spec();
        declared == s.mime || declared == "application/octet-stream" || s.same_as.contains(&declared)
    }
}

/// Output image formats of variants and posters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Jpeg,
    Webp,
    Png,
}

impl OutputFormat {
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Webp => "webp",
            OutputFormat::Png => "png",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Png => "image/png",
        }
    }
    pub const ALL: [OutputFormat; 3] = [OutputFormat::Jpeg, OutputFormat::Webp, OutputFormat::Png];

    /// The format of an output whose content type is `ct`.
    pub fn from_content_type(ct: &str) -> Option<OutputFormat> {
        OutputFormat::ALL.into_iter().find(|f| f.content_type() == ct)
    }

    /// The largest side the encoder can write (WebP's format limit is 16383).
    pub fn max_side(self) -> u32 {
        match self {
            OutputFormat::Webp => 16_383,
            OutputFormat::Jpeg | OutputFormat::Png => 65_500,
        }
    }
}

/// The MP4 outputs of the video stage.
pub const VIDEO_OUTPUT_EXTENSION: &str = "mp4";
pub const VIDEO_OUTPUT_CONTENT_TYPE: &str = "video/mp4";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_one_consistent_row() {
        for t in MediaType::all() {
            assert_eq!(MediaType::from_mime(t.mime()), Some(t));
            assert_eq!(t.family() == Family::Image, t.image_format().is_some(), "{t:?}");
            assert_eq!(t.family() == Family::Video, t.demuxer().is_some(), "{t:?}");
            assert!(t.filename_fits(t.extension()), "{t:?}");
        }
        assert_eq!(REGISTRY.len(), MediaType::all().collect::<std::collections::HashSet<_>>().len());
    }

    #[test]
    fn container_families_match_their_declared_aliases() {
        assert!(MediaType::QuickTime.matches_declared("video/mp4"));
        assert!(MediaType::Webm.matches_declared("video/x-matroska"));
        assert!(MediaType::Png.matches_declared("application/octet-stream"));
        assert!(!MediaType::Png.matches_declared("image/jpeg"));
        assert_eq!(MediaType::QuickTime.demuxer(), Some("mov"));
        assert_eq!(MediaType::from_mime("application/vnd.apple.mpegurl"), None);
        assert!(MediaType::Heic.matches_declared("image/heif"));
    }

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let mut b = ((16 + 4 * compatible.len()) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 0, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(&[0, 0, 0, 8, b'm', b'e', b't', b'a']);
        b
    }

    #[test]
    fn heif_and_avif_are_told_apart_by_brand() {
        let known = |b: &[u8]| match sniff(b) {
            Some(Sniffed::Known(t)) => Some(t),
            _ => None,
        };
        assert_eq!(known(&ftyp(b"heic", &[b"mif1", b"heic"])), Some(MediaType::Heic));
        assert_eq!(known(&ftyp(b"mif1", &[b"heix", b"miaf"])), Some(MediaType::Heic));
        assert_eq!(known(&ftyp(b"avif", &[b"mif1", b"miaf"])), Some(MediaType::Avif));
        assert_eq!(known(&ftyp(b"mif1", &[b"avif"])), Some(MediaType::Avif));
        assert_eq!(sniff(&ftyp(b"mif1", &[b"miaf"])), Some(Sniffed::Other("image/heif")));
        // An MP4 stays a video.
        assert_eq!(known(&ftyp(b"isom", &[b"isom", b"avc1", b"mp41"])), Some(MediaType::Mp4));
        // A hostile size is not followed.
        let mut huge = ftyp(b"heic", &[]);
        huge[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(known(&huge), None);
    }
}
