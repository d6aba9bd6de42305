//! The validate stage: the real type comes from the magic bytes (the format registry), never
//! from the client's filename or Content-Type; the profile then decides what is allowed.

use tokio::io::AsyncReadExt;

use super::attempt::{Attempt, Stop, temp_failure};
use crate::config::{MismatchPolicy, Profile};
use crate::formats::{MediaType, SNIFF_BYTES, Sniffed, sniff};
use crate::outcome::{Failure, Reason, Stage};
use crate::storage::Fetched;

/// The outcome of validation, recorded on the upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detected {
    pub media: MediaType,
    /// The client's filename extension disagrees with the content (metadata only).
    pub extension_mismatch: bool,
}

impl Detected {
    pub fn mime(&self) -> &'static str {
        self.media.mime()
    }

    /// The facts recorded as the upload's `media`, with the mismatch noted.
    pub fn facts(&self, info: &impl serde::Serialize) -> serde_json::Value {
        let mut facts = serde_json::to_value(info).unwrap_or_default();
        if self.extension_mismatch {
            facts["extension_mismatch"] = serde_json::Value::Bool(true);
        }
        facts
    }
}

/// The stage: detect the real type from the first bytes of the fetched file and apply the
/// profile's policy.
pub async fn run(a: &Attempt<'_>, fetched: &Fetched) -> Result<Detected, Stop> {
    let _t = a.enter(Stage::Validate).await;
    let head = read_head(&a.source).await.map_err(|e| temp_failure(Stage::Validate, &e, "reading the original"))?;
    let j = a.job;
    validate(&head, fetched.bytes, a.profile, j.declared_type.as_deref(), j.original_filename.as_deref())
        .map_err(|r| Failure::reject(Stage::Validate, r.reason(), r.to_string()).into())
}

/// The first [`SNIFF_BYTES`] of a file (fewer if it is shorter).
async fn read_head(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let f = tokio::fs::File::open(path).await?;
    let mut buf = Vec::with_capacity(SNIFF_BYTES);
    f.take(SNIFF_BYTES as u64).read_to_end(&mut buf).await?;
    Ok(buf)
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
    pub fn reason(&self) -> Reason {
        match self {
            Rejection::Empty => Reason::Empty,
            Rejection::Unrecognised | Rejection::NotAllowed(_) => Reason::TypeNotAllowed,
            Rejection::Mismatch { .. } => Reason::TypeMismatch,
            Rejection::TooLarge { .. } => Reason::TooLarge,
        }
    }

    pub fn code(&self) -> &'static str {
        self.reason().as_str()
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
    let sniffed = sniff(head);
    // A declared type is checked first: a PDF sent as `image/jpeg` is a lie, whatever else it is.
    if let Some(declared) = declared
        && profile.mismatch == MismatchPolicy::Reject
    {
        let agrees = match sniffed {
            Some(Sniffed::Known(t)) => t.matches_declared(declared),
            Some(Sniffed::Other(m)) => declared == m || declared == "application/octet-stream",
            None => declared == "application/octet-stream",
        };
        if !agrees {
            let actual = sniffed.map_or("an unrecognised type", Sniffed::mime);
            return Err(Rejection::Mismatch { declared: declared.to_owned(), detected: actual.to_owned() });
        }
    }
    let media = match sniffed.ok_or(Rejection::Unrecognised)? {
        Sniffed::Known(t) => t,
        Sniffed::Other(m) => return Err(Rejection::NotAllowed(m.to_owned())),
    };
    let mime = media.mime();
    if !profile.allowed_types.iter().any(|t| t == mime) {
        return Err(Rejection::NotAllowed(mime.to_owned()));
    }
    let limit = profile.max_bytes_for(mime);
    if size > limit {
        return Err(Rejection::TooLarge { mime: mime.to_owned(), size, limit });
    }
    let extension_mismatch = filename
        .and_then(|f| f.rsplit_once('.'))
        .is_some_and(|(_, ext)| !media.filename_fits(&ext.to_ascii_lowercase()));
    Ok(Detected { media, extension_mismatch })
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
        assert_eq!(d.mime(), "image/png");
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
