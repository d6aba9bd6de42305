//! The upload job payload: the wire boundary with producers (mirrors `jobs/upload-job.schema.json`).
//!
//! Parsing is total: any bytes off the queue become either an [`UploadJob`] or a [`JobError`]
//! with a precise reason, never a panic, so one malformed message cannot take a worker down.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Namespace for deriving a stable upload id from a queue task id when the payload has none.
const TASK_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_6a8e_55a4_4d55_9c1e_75f0_2b1d_0a11);

pub const MAX_SOURCE_KEY_BYTES: usize = 1024;
pub const MAX_PROFILE_LEN: usize = 64;
pub const MAX_DECLARED_TYPE_LEN: usize = 255;
pub const MAX_FILENAME_INPUT_BYTES: usize = 4096;
pub const MAX_FILENAME_CHARS: usize = 255;
pub const MAX_METADATA_ENTRIES: usize = 32;
pub const MAX_METADATA_KEY_LEN: usize = 64;
pub const MAX_METADATA_VALUE_LEN: usize = 1024;
pub const MAX_CALLBACK_URL_LEN: usize = 2048;
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Job priorities, highest first: the `priority` field (absent = `normal`).
pub const PRIORITIES: [&str; 3] = ["high", "normal", "low"];
/// Upper bound of a tenant name (the same rule as `push.lua`).
pub const MAX_TENANT_LEN: usize = 64;

/// A tenant name: 1–64 of `A-Z a-z 0-9 . _ - :`.
pub fn is_valid_tenant(t: &str) -> bool {
    !t.is_empty() && t.len() <= MAX_TENANT_LEN && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b))
}

/// The payload version this daemon understands (absent means 1).
pub const PAYLOAD_VERSION: u64 = 1;

/// Why a payload was refused. Always permanent: the same bytes will never parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    #[error("job payload is larger than {MAX_PAYLOAD_BYTES} bytes")]
    TooLarge,
    #[error("job payload is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("job payload must be a JSON object")]
    NotAnObject,
    #[error("job field `{0}` is required")]
    Missing(&'static str),
    #[error("job field `{field}` {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("job field `{0}` is not part of the job format (sources are named only by source_key)")]
    UnknownField(String),
    /// A key given twice in one object: parsers disagree on which one counts (first, last, an
    /// error), so the job is ambiguous and refused rather than read last-wins.
    #[error("job payload is ambiguous: {0}")]
    DuplicateKey(String),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> JobError {
    JobError::Invalid { field, reason: reason.into() }
}

/// Parses JSON refusing any object, at any depth, that names a key twice (compared after
/// unescaping, so `"source\u005fkey"` repeats `"source_key"`). serde_json's own `Value` keeps
/// the last one silently, while other readers of the same bytes (a proxy, an audit log, another
/// language's client) may keep the first: a payload that means two things is refused.
fn parse_unique_keys(raw: &str) -> Result<serde_json::Value, JobError> {
    serde_json::from_str::<UniqueKeys>(raw).map(|v| v.0).map_err(|e| match e.classify() {
        // Only the visitor below raises data errors: everything else is the syntax's.
        serde_json::error::Category::Data => JobError::DuplicateKey(e.to_string()),
        _ => JobError::InvalidJson(e.to_string()),
    })
}

struct UniqueKeys(serde_json::Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(UniqueKeys(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(serde_json::Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                // The name is the producer's: made printable before it reaches a log.
                let shown = crate::units::printable(&key, 64);
                return Err(serde::de::Error::custom(format!("the key `{shown}` appears twice")));
            }
            let UniqueKeys(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(serde_json::Value::Object(out))
    }
}

/// The payload as producers write it (see `jobs/README.md`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct JobPayload {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub upload_id: Option<String>,
    pub source_key: String,
    pub profile: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub declared_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub original_filename: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub callback_url: Option<String>,
    /// `high` | `normal` | `low` (absent: normal).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub priority: Option<String>,
    /// Served round-robin with other tenants of the same priority (absent: the default tenant).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tenant: Option<String>,
}

/// A validated job, ready for the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadJob {
    pub upload_id: Uuid,
    /// Object key in the configured store, under the incoming prefix.
    pub source_key: String,
    pub profile: String,
    /// Normalised MIME type the client claimed (metadata; the magic bytes decide).
    pub declared_type: Option<String>,
    /// Sanitised client filename (metadata only: never part of a key or path).
    pub original_filename: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub callback_url: Option<String>,
    /// Scheduling: `high` | `normal` | `low` (None: normal); kept so a retry queues alike.
    pub priority: Option<String>,
    /// Scheduling: the tenant served round-robin with others (None: the default tenant).
    pub tenant: Option<String>,
}

/// The upload id for a task: the payload's own if valid, else one derived from the task id
/// (stable across re-deliveries, so a malformed job is still recorded under one id).
pub fn upload_id_for_task(task_id: &str, raw: &str) -> Uuid {
    #[derive(Deserialize)]
    struct IdOnly {
        upload_id: Option<String>,
    }
    serde_json::from_str::<IdOnly>(raw)
        .ok()
        .and_then(|p| p.upload_id)
        .and_then(|s| Uuid::parse_str(&s).ok())
        .or_else(|| Uuid::parse_str(task_id).ok())
        .unwrap_or_else(|| Uuid::new_v5(&TASK_ID_NAMESPACE, task_id.as_bytes()))
}

/// The upload id recorded for a queue entry whose task id is not even text: derived from its
/// bytes, stable across deliveries.
pub fn upload_id_for_raw_task(task_id: &[u8]) -> Uuid {
    std::str::from_utf8(task_id)
        .ok()
        .and_then(|s| Uuid::parse_str(s).ok())
        .unwrap_or_else(|| Uuid::new_v5(&TASK_ID_NAMESPACE, task_id))
}

impl UploadJob {
    /// Parses and validates a payload taken off the queue.
    pub fn parse(task_id: &str, raw: &str, incoming_prefix: &str) -> Result<UploadJob, JobError> {
        if raw.len() > MAX_PAYLOAD_BYTES {
            return Err(JobError::TooLarge);
        }
        let value = parse_unique_keys(raw)?;
        let obj = value.as_object().ok_or(JobError::NotAnObject)?;
        const KNOWN: &[&str] = &[
            "version",
            "upload_id",
            "source_key",
            "profile",
            "declared_type",
            "original_filename",
            "metadata",
            "callback_url",
            "priority",
            "tenant",
        ];
        if let Some(unknown) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            // The name is the producer's: made printable before it reaches a terminal or a log.
            return Err(JobError::UnknownField(crate::units::printable(unknown, 64)));
        }
        let str_field = |name: &'static str| -> Result<Option<String>, JobError> {
            match obj.get(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid(name, "must be a string")),
            }
        };
        match obj.get("version") {
            None | Some(serde_json::Value::Null) => {}
            Some(v) if v.as_u64() == Some(PAYLOAD_VERSION) => {}
            Some(v) => {
                return Err(invalid(
                    "version",
                    format!("{v} is not supported (this daemon reads version {PAYLOAD_VERSION})"),
                ));
            }
        }
        // Scheduling only (the queue placed the job by them); checked so a producer that
        // bypassed push.lua learns of its mistake.
        let priority = str_field("priority")?;
        if priority.as_deref().is_some_and(|p| !PRIORITIES.contains(&p)) {
            return Err(invalid("priority", "must be \"high\", \"normal\" or \"low\""));
        }
        let tenant = str_field("tenant")?;
        if tenant.as_deref().is_some_and(|t| !is_valid_tenant(t)) {
            return Err(invalid("tenant", "must be 1–64 characters of A-Z a-z 0-9 . _ - :"));
        }
        let upload_id = match str_field("upload_id")? {
            Some(s) => Uuid::parse_str(&s).map_err(|_| invalid("upload_id", "must be a UUID"))?,
            None => upload_id_for_task(task_id, raw),
        };
        let source_key = str_field("source_key")?.ok_or(JobError::Missing("source_key"))?;
        validate_source_key(&source_key, incoming_prefix)?;
        let profile = str_field("profile")?.ok_or(JobError::Missing("profile"))?;
        if profile.is_empty()
            || profile.len() > MAX_PROFILE_LEN
            || !profile.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid("profile", format!("must be 1–{MAX_PROFILE_LEN} letters, digits, - or _")));
        }
        let declared_type = match str_field("declared_type")? {
            None => None,
            Some(t) if t.trim().is_empty() => None,
            Some(t) => Some(
                normalize_mime(&t).ok_or_else(|| invalid("declared_type", "must be a MIME type like image/jpeg"))?,
            ),
        };
        let original_filename = match str_field("original_filename")? {
            None => None,
            Some(f) if f.len() > MAX_FILENAME_INPUT_BYTES => {
                return Err(invalid("original_filename", format!("is longer than {MAX_FILENAME_INPUT_BYTES} bytes")));
            }
            Some(f) => sanitize_filename(&f),
        };
        let metadata = match obj.get("metadata") {
            None | Some(serde_json::Value::Null) => BTreeMap::new(),
            Some(serde_json::Value::Object(m)) => {
                if m.len() > MAX_METADATA_ENTRIES {
                    return Err(invalid("metadata", format!("has more than {MAX_METADATA_ENTRIES} entries")));
                }
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    let v = v.as_str().ok_or_else(|| invalid("metadata", "values must be strings"))?;
                    if k.is_empty() || k.len() > MAX_METADATA_KEY_LEN || k.chars().any(char::is_control) {
                        return Err(invalid(
                            "metadata",
                            format!("keys must be 1–{MAX_METADATA_KEY_LEN} printable characters"),
                        ));
                    }
                    if v.chars().any(char::is_control) {
                        return Err(invalid("metadata", "values must not contain control characters"));
                    }
                    if v.len() > MAX_METADATA_VALUE_LEN {
                        return Err(invalid(
                            "metadata",
                            format!("values must be at most {MAX_METADATA_VALUE_LEN} bytes"),
                        ));
                    }
                    out.insert(k.clone(), v.to_owned());
                }
                out
            }
            Some(_) => return Err(invalid("metadata", "must be an object of strings")),
        };
        let callback_url = match str_field("callback_url")? {
            None => None,
            Some(u) if u.len() > MAX_CALLBACK_URL_LEN => {
                return Err(invalid("callback_url", format!("is longer than {MAX_CALLBACK_URL_LEN} bytes")));
            }
            Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) => {
                return Err(invalid("callback_url", "must be an http(s) URL"));
            }
            Some(u) if u.chars().any(|c| c.is_control() || c.is_whitespace()) => {
                return Err(invalid("callback_url", "must not contain control characters or spaces"));
            }
            Some(u) => Some(u),
        };
        Ok(UploadJob {
            upload_id,
            source_key,
            profile,
            declared_type,
            original_filename,
            metadata,
            callback_url,
            priority,
            tenant,
        })
    }

    /// The payload form of this job (what a producer writes).
    pub fn to_payload(&self) -> JobPayload {
        JobPayload {
            version: Some(PAYLOAD_VERSION),
            upload_id: Some(self.upload_id.to_string()),
            source_key: self.source_key.clone(),
            profile: self.profile.clone(),
            declared_type: self.declared_type.clone(),
            original_filename: self.original_filename.clone(),
            metadata: self.metadata.clone(),
            callback_url: self.callback_url.clone(),
            priority: self.priority.clone(),
            tenant: self.tenant.clone(),
        }
    }
}

/// A source key must be a plain relative object key under the incoming prefix: no URL, no
/// absolute path, no `.`/`..` segment, no backslash or control character.
pub fn validate_source_key(key: &str, incoming_prefix: &str) -> Result<(), JobError> {
    let bad = |reason: &str| Err(invalid("source_key", reason.to_owned()));
    if key.is_empty() {
        return bad("must not be empty");
    }
    if key.len() > MAX_SOURCE_KEY_BYTES {
        return bad("is longer than 1024 bytes");
    }
    if key.contains("://") {
        return bad("must be an object key, not a URL");
    }
    if key.starts_with('/') {
        return bad("must be a relative object key, not a path");
    }
    if key.chars().any(|c| c.is_control() || c == '\\') {
        return bad("must not contain control characters or backslashes");
    }
    if key.ends_with('/') {
        return bad("must name an object, not a prefix");
    }
    if key.split('/').any(|seg| seg == ".." || seg == "." || seg.is_empty()) {
        return bad("must not contain empty, `.` or `..` segments");
    }
    if !key.starts_with(incoming_prefix) || key.len() == incoming_prefix.len() {
        return Err(invalid("source_key", format!("must lie under the incoming prefix `{incoming_prefix}`")));
    }
    Ok(())
}

/// Lower-cases and checks a MIME type, mapping common aliases (`image/jpg` → `image/jpeg`).
pub fn normalize_mime(t: &str) -> Option<String> {
    let base = t.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if base.len() > MAX_DECLARED_TYPE_LEN {
        return None;
    }
    let (top, sub) = base.split_once('/')?;
    let token = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c));
    if !token(top) || !token(sub) {
        return None;
    }
    Some(
        match base.as_str() {
            "image/jpg" | "image/pjpeg" => "image/jpeg",
            "image/x-png" => "image/png",
            "video/avi" | "video/msvideo" => "video/x-msvideo",
            "video/mkv" => "video/x-matroska",
            other => other,
        }
        .to_owned(),
    )
}

/// Keeps a filename for display only: the last path component, no control characters and no
/// invisible direction or joining marks (a right-to-left override shows "photo\u{202e}gpj.exe"
/// as "photoexe.jpg"), at most 255 characters. Returns `None` when nothing printable is left.
pub fn sanitize_filename(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|&c| !c.is_control() && !crate::units::is_invisible_mark(c))
        .take(MAX_FILENAME_CHARS)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() { None } else { Some(trimmed.to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "incoming/";

    fn parse(raw: &str) -> Result<UploadJob, JobError> {
        UploadJob::parse("task-1", raw, P)
    }

    #[test]
    fn a_full_job_parses() {
        let j = parse(
            r#"{"upload_id":"0196f0c4-2f7c-7bd3-a1d1-000000000001","source_key":"incoming/a/b.jpg","profile":"default",
               "declared_type":"image/JPG","original_filename":"../../etc/My Photo.jpg","metadata":{"user":"42"}}"#,
        )
        .unwrap();
        assert_eq!(j.upload_id.to_string(), "0196f0c4-2f7c-7bd3-a1d1-000000000001");
        assert_eq!(j.declared_type.as_deref(), Some("image/jpeg"));
        assert_eq!(j.original_filename.as_deref(), Some("My Photo.jpg"));
        assert_eq!(j.metadata["user"], "42");
    }

    #[test]
    fn missing_upload_id_is_derived_stably_from_the_task() {
        let raw = r#"{"source_key":"incoming/x","profile":"default"}"#;
        let a = UploadJob::parse("01JTASK", raw, P).unwrap().upload_id;
        let b = UploadJob::parse("01JTASK", raw, P).unwrap().upload_id;
        let c = UploadJob::parse("01JOTHER", raw, P).unwrap().upload_id;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn hostile_sources_are_refused() {
        for key in [
            "file:///etc/passwd",
            "/etc/passwd",
            "incoming/../uploads/x/display.jpg",
            "incoming/./x",
            "incoming//x",
            "incoming/",
            "uploads/x",
            "incoming\\..\\x",
            "incoming/x\u{0}y",
            "s3://other-bucket/incoming/x",
        ] {
            let raw = serde_json::json!({"source_key": key, "profile": "default"}).to_string();
            let e = parse(&raw).unwrap_err();
            assert!(matches!(e, JobError::Invalid { field: "source_key", .. }), "{key}: {e}");
        }
        let long = format!("incoming/{}", "a".repeat(2000));
        assert!(parse(&serde_json::json!({"source_key": long, "profile": "default"}).to_string()).is_err());
    }

    #[test]
    fn other_source_fields_are_refused() {
        for field in ["bucket", "source_url", "path"] {
            let raw = serde_json::json!({"source_key": "incoming/x", "profile": "default", field: "x"}).to_string();
            assert_eq!(parse(&raw).unwrap_err(), JobError::UnknownField(field.into()));
        }
    }

    #[test]
    fn malformed_payloads_get_precise_errors() {
        assert!(matches!(parse("{not json"), Err(JobError::InvalidJson(_))));
        assert_eq!(parse("[1,2]"), Err(JobError::NotAnObject));
        assert_eq!(parse(r#"{"profile":"default"}"#), Err(JobError::Missing("source_key")));
        assert!(matches!(
            parse(r#"{"source_key":"incoming/x","profile":"a b"}"#),
            Err(JobError::Invalid { field: "profile", .. })
        ));
        assert!(matches!(
            parse(r#"{"source_key":"incoming/x","profile":"p","upload_id":"nope"}"#),
            Err(JobError::Invalid { field: "upload_id", .. })
        ));
        assert!(matches!(
            parse(r#"{"source_key":"incoming/x","profile":"p","version":2}"#),
            Err(JobError::Invalid { field: "version", .. })
        ));
        assert_eq!(parse(&"x".repeat(MAX_PAYLOAD_BYTES + 1)), Err(JobError::TooLarge));
        let huge_name =
            serde_json::json!({"source_key":"incoming/x","profile":"p","original_filename": "a".repeat(5000)})
                .to_string();
        assert!(matches!(parse(&huge_name), Err(JobError::Invalid { field: "original_filename", .. })));
    }

    #[test]
    fn a_key_given_twice_makes_the_job_ambiguous_at_any_depth() {
        for raw in [
            r#"{"source_key":"incoming/a","profile":"default","source_key":"incoming/b"}"#,
            // The same key once escaped: equal after unescaping, as every reader sees it.
            r#"{"source_key":"incoming/a","profile":"default","source\u005fkey":"incoming/b"}"#,
            r#"{"source_key":"incoming/a","profile":"default","profile":"default"}"#,
            r#"{"source_key":"incoming/a","profile":"default","metadata":{"k":"1","k":"2"}}"#,
            r#"{"source_key":"incoming/a","profile":"default","metadata":{"k":"1"},"metadata":{}}"#,
        ] {
            let e = parse(raw).unwrap_err();
            assert!(matches!(e, JobError::DuplicateKey(_)), "{raw}: {e:?}");
            assert!(e.to_string().contains("appears twice"), "{e}");
        }
        let e =
            parse("{\"source_key\":\"incoming/a\",\"profile\":\"p\",\"\\u001b[2J\":1,\"\\u001b[2J\":2}").unwrap_err();
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
        // Distinct keys, nested values of every kind and big numbers still parse.
        let ok = r#"{"source_key":"incoming/a","profile":"default","metadata":{"a":"1","b":"2"},"version":1}"#;
        assert_eq!(parse(ok).unwrap().metadata.len(), 2);
        assert!(parse_unique_keys(r#"[{"a":[1,-2,3.5,1e300,null,true,"x"]},{"a":18446744073709551616}]"#).is_ok());
        assert!(matches!(parse_unique_keys("[[[[{\"a\":1,\"a\":1}]]]]"), Err(JobError::DuplicateKey(_))));
        assert!(matches!(parse_unique_keys("{\"a\":\"\\ud800\"}"), Err(JobError::InvalidJson(_))));
        assert!(matches!(parse_unique_keys(&"[".repeat(10_000)), Err(JobError::InvalidJson(_))));
    }

    #[test]
    fn control_characters_never_get_through() {
        let e = parse("{\"source_key\":\"incoming/x\",\"profile\":\"p\",\"\\u001b[2J\\u001b[31mEVIL\":1}").unwrap_err();
        let shown = e.to_string();
        assert!(!shown.contains('\u{1b}') && shown.contains("\\u{1b}[2J"), "{shown}");
        for (field, value) in [
            ("callback_url", serde_json::json!("https://h.example/\u{1b}[31m")),
            ("callback_url", serde_json::json!("https://h.example/a b")),
            ("callback_url", serde_json::json!("https://h.example/\r\nX-Injected: 1")),
            ("metadata", serde_json::json!({"k": "a\u{7}b"})),
            ("metadata", serde_json::json!({"k": "line\nbreak"})),
            ("metadata", serde_json::json!({"\u{1b}k": "v"})),
        ] {
            let raw = serde_json::json!({"source_key": "incoming/x", "profile": "p", field: value}).to_string();
            assert!(matches!(parse(&raw), Err(JobError::Invalid { .. })), "{field}: {value}");
        }
    }

    #[test]
    fn filenames_are_sanitised_for_display() {
        assert_eq!(sanitize_filename("C:\\Users\\me\\cat.png").as_deref(), Some("cat.png"));
        assert_eq!(sanitize_filename("a\u{7}b\n.gif").as_deref(), Some("ab.gif"));
        assert_eq!(sanitize_filename("../"), None);
        assert_eq!(sanitize_filename(".htaccess").as_deref(), Some("htaccess"));
        assert_eq!(sanitize_filename(&"é".repeat(400)).map(|s| s.chars().count()), Some(255));
        assert_eq!(sanitize_filename("photo\u{202e}gpj.exe").as_deref(), Some("photogpj.exe"));
        assert_eq!(sanitize_filename("a\u{200b}b\u{2066}c\u{2069}\u{feff}.png").as_deref(), Some("abc.png"));
        assert_eq!(sanitize_filename("\u{202e}\u{200f}"), None);
        assert_eq!(sanitize_filename("שלום.jpg").as_deref(), Some("שלום.jpg"), "right-to-left text itself stays");
    }

    #[test]
    fn mime_aliases_normalise() {
        assert_eq!(normalize_mime("Image/JPG; charset=binary").as_deref(), Some("image/jpeg"));
        assert_eq!(normalize_mime("not a mime"), None);
        assert_eq!(normalize_mime("image/"), None);
    }
}
