//! Completion events: what producers learn when an upload reaches a terminal state.
//!
//! One entry per terminal state on the Redis stream `{namespace}:events` (bounded with
//! `MAXLEN ~`), with flat string fields so any client can read it without a JSON parser, plus
//! `outputs` as a JSON array and `placeholders` as a JSON object (empty when there are none).

use crate::db::UploadRecord;

/// Version of the event format (bumped only for incompatible changes).
pub const EVENT_VERSION: &str = "1";

/// The stream entry's fields for a terminal upload.
pub fn stream_fields(rec: &UploadRecord) -> Vec<(&'static str, String)> {
    let outputs = serde_json::to_string(&rec.outputs).unwrap_or_else(|_| "[]".into());
    vec![
        ("version", EVENT_VERSION.to_owned()),
        ("id", rec.id.clone()),
        ("status", rec.status.as_str().to_owned()),
        ("profile", rec.profile.clone()),
        ("reason_code", rec.reason_code.clone().unwrap_or_default()),
        ("error", rec.reason.clone().unwrap_or_default()),
        ("detected_type", rec.detected_type.clone().unwrap_or_default()),
        ("outputs", outputs),
        ("placeholders", rec.placeholders.as_ref().map(|p| p.to_string()).unwrap_or_default()),
        ("finished_at", rec.finished_at.clone().unwrap_or_default()),
    ]
}
