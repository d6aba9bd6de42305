//! The validate stage: the real type comes from the magic bytes (`infer`), never from the
//! client's filename or Content-Type; the profile then decides what is allowed.

use crate::config::{IMAGE_TYPES, MismatchPolicy, Profile, VIDEO_TYPES};

/// How many leading bytes are enough for every signature we check.
pub const SNIFF_BYTES: usize = 8192;

/// What kind of processing a detected type gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Video,
}

/// The outcome of validation, recorded on the upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub mime: String,
    pub kind: MediaKind,
    /// The client's filename extension disagrees with the content (metadata only).
    pub extension_mismatch: bool,
}

/// A permanent validation verdict (the upload is rejected with this code and message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("file is empty")]
    Empty,
    #[error("unrecognised file type (not an image or video this service accepts)")]
    Unrecognised,
    #[error("type {0} is not allowed by this profile")]
    NotAllowed(String),
    #[error("declared type {declared} does not match the content, which is {detected}")]
    Mismatch { declared: String, detected: String },
    #[error("{mime} file of {size} bytes is larger than the profile's limit of {limit} bytes for that type")]
    TooLarge { mime: String, size: u64, limit: u64 },
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Empty => "empty",
            Rejection::Unrecognised | Rejection::NotAllowed(_) => "type_not_allowed",
            Rejection::Mismatch { .. } => "type_mismatch",
            Rejection::TooLarge { .. } => "too_large",
        }
    }
}

/// Detects the type of `head` (the file's first bytes) and applies the profile's policy.
pub fn validate(
    head: &[u8],
    size: u64,
    profile: &Profile,
    declared: Option<&str>,
    filename: Option<&str>,
) -> Result<Detected, Rejection> {
    if size == 0 {
        return Err(Rejection::Empty);
    }
    let detected = detect(head);
    // A declared type is checked first: a PDF sent as `image/jpeg` is a lie, whatever else it is.
    if let Some(declared) = declared {
        let actual = detected.unwrap_or("an unrecognised type");
        if profile.mismatch == MismatchPolicy::Reject && !same_type(declared, actual) {
            return Err(Rejection::Mismatch { declared: declared.to_owned(), detected: actual.to_owned() });
        }
    }
    let mime = detected.ok_or(Rejection::Unrecognised)?;
    let kind = if IMAGE_TYPES.contains(&mime) {
        MediaKind::Image
    } else if VIDEO_TYPES.contains(&mime) {
        MediaKind::Video
    } else {
        return Err(Rejection::NotAllowed(mime.to_owned()));
    };
    if !profile.allowed_types.iter().any(|t| t == mime) {
        return Err(Rejection::NotAllowed(mime.to_owned()));
    }
    let limit = profile.max_bytes_for(mime);
    if size > limit {
        return Err(Rejection::TooLarge { mime: mime.to_owned(), size, limit });
    }
    let extension_mismatch = filename
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, ext)| !extension_fits(&ext.to_ascii_lowercase(), mime))
        .unwrap_or(false);
    Ok(Detected { mime: mime.to_owned(), kind, extension_mismatch })
}

/// The MIME type from magic bytes, restricted to what uploadd knows how to name.
pub fn detect(head: &[u8]) -> Option<&'static str> {
    let t = infer::get(head)?;
    Some(match t.mime_type() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "image/webp" => "image/webp",
        "image/gif" => "image/gif",
        "video/mp4" => "video/mp4",
        "video/quicktime" => "video/quicktime",
        "video/webm" => "video/webm",
        "video/x-matroska" => "video/x-matroska",
        "video/x-msvideo" => "video/x-msvideo",
        other => other,
    })
}

/// Declared and detected agree (MP4 and QuickTime share a container family and are often
/// labelled either way by browsers, as are WebM and Matroska).
fn same_type(declared: &str, detected: &str) -> bool {
    if declared == detected {
        return true;
    }
    fn family(m: &str) -> &str {
        match m {
            "video/mp4" | "video/quicktime" => "isobmff",
            "video/webm" | "video/x-matroska" => "matroska",
            other => other,
        }
    }
    // A generic declaration says nothing to contradict.
    declared == "application/octet-stream" || family(declared) == family(detected)
}

fn extension_fits(ext: &str, mime: &str) -> bool {
    let ok: &[&str] = match mime {
        "image/jpeg" => &["jpg", "jpeg", "jpe", "jfif"],
        "image/png" => &["png"],
        "image/webp" => &["webp"],
        "image/gif" => &["gif"],
        "video/mp4" => &["mp4", "m4v"],
        "video/quicktime" => &["mov", "qt", "mp4"],
        "video/webm" => &["webm"],
        "video/x-matroska" => &["mkv", "webm"],
        "video/x-msvideo" => &["avi"],
        _ => &[],
    };
    ok.contains(&ext)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::samples;

    fn check(bytes: &[u8], declared: Option<&str>) -> Result<Detected, Rejection> {
        validate(bytes, bytes.len() as u64, &Profile::default(), declared, Some("upload.jpg"))
    }

    #[test]
    fn magic_bytes_decide() {
        let d = check(&samples::alpha_png(4, 4), None).unwrap();
        assert_eq!(d.mime, "image/png");
        assert!(d.extension_mismatch, "a PNG named .jpg is noted");
        assert_eq!(check(&samples::pdf_document(), None), Err(Rejection::NotAllowed("application/pdf".into())));
        assert_eq!(check(&samples::pdf_document(), Some("image/jpeg")).unwrap_err().code(), "type_mismatch");
        assert_eq!(check(&samples::elf_binary(), Some("image/jpeg")).unwrap_err().code(), "type_mismatch");
        assert_eq!(check(b"just some text", None), Err(Rejection::Unrecognised));
        assert_eq!(check(&[], None), Err(Rejection::Empty));
    }

    #[test]
    fn declared_type_must_match_by_default() {
        let e = check(&samples::alpha_png(4, 4), Some("image/jpeg")).unwrap_err();
        assert_eq!(e.code(), "type_mismatch");
        assert!(check(&samples::alpha_png(4, 4), Some("image/png")).is_ok());
        let p = Profile { mismatch: MismatchPolicy::Allow, ..Profile::default() };
        let png = samples::alpha_png(4, 4);
        assert!(validate(&png, png.len() as u64, &p, Some("image/jpeg"), None).is_ok());
    }

    #[test]
    fn per_type_limits_apply() {
        let gif = samples::gif_image(4, 4, 1);
        let e = validate(&gif, 30 << 20, &Profile::default(), None, None).unwrap_err();
        assert_eq!(e.code(), "too_large");
    }
}
