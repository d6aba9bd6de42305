//! One upload's journey: fetch → scan → validate → image variants (or video) → store → commit.
//!
//! Every stage returns a [`Failure`] that says what happens next: `Transient` (retry with
//! backoff), `Reject` (the input's fault: `rejected`, never retried) or `Fail` (permanent but
//! not the input's fault: `failed`). Order matters and is the crash-safety argument:
//! objects are written before the database commit, and the original is deleted only after it.
//! A crash anywhere therefore leaves either a re-runnable job or a finished one — never a
//! `ready` row without its objects, nor a lost original.

pub mod validate;
pub mod video;

use std::sync::Arc;

use tokio::io::AsyncReadExt;
use uuid::Uuid;

use crate::app::App;
use crate::config::{Profile, ScanMode};
use crate::db::{Claim, OutputRecord, Status, UploadRecord};
use crate::job::UploadJob;
use crate::media::{self, ImageFormat, MediaError};
use crate::queue::Delivery;
use crate::scan::Verdict;
use crate::storage::{PutOptions, StorageError};
use crate::workdir::JobDir;
use validate::{Detected, MediaKind};

/// Pipeline stages (metric labels and failure records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Fetch,
    Scan,
    Validate,
    Image,
    Video,
    Store,
    Commit,
}

impl Stage {
    pub const ALL: [Stage; 7] =
        [Stage::Fetch, Stage::Scan, Stage::Validate, Stage::Image, Stage::Video, Stage::Store, Stage::Commit];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Fetch => "fetch",
            Stage::Scan => "scan",
            Stage::Validate => "validate",
            Stage::Image => "image",
            Stage::Video => "video",
            Stage::Store => "store",
            Stage::Commit => "commit",
        }
    }
}

/// Why a stage stopped, and what that means for the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Infrastructure or resource trouble: try again later.
    Transient { stage: Stage, code: &'static str, message: String },
    /// The input is unacceptable: `rejected`, never retried.
    Reject { stage: Stage, code: &'static str, message: String },
    /// Permanent but not the input's fault (e.g. an encoder bug): `failed`.
    Fail { stage: Stage, code: &'static str, message: String },
}

impl Failure {
    pub fn transient(stage: Stage, code: &'static str, message: impl Into<String>) -> Failure {
        Failure::Transient { stage, code, message: message.into() }
    }
    pub fn reject(stage: Stage, code: &'static str, message: impl Into<String>) -> Failure {
        Failure::Reject { stage, code, message: message.into() }
    }
    pub fn fail(stage: Stage, code: &'static str, message: impl Into<String>) -> Failure {
        Failure::Fail { stage, code, message: message.into() }
    }
    pub fn stage(&self) -> Stage {
        match self {
            Failure::Transient { stage, .. } | Failure::Reject { stage, .. } | Failure::Fail { stage, .. } => *stage,
        }
    }
    pub fn code(&self) -> &'static str {
        match self {
            Failure::Transient { code, .. } | Failure::Reject { code, .. } | Failure::Fail { code, .. } => code,
        }
    }
    pub fn message(&self) -> &str {
        match self {
            Failure::Transient { message, .. } | Failure::Reject { message, .. } | Failure::Fail { message, .. } => {
                message
            }
        }
    }
    fn kind(&self) -> &'static str {
        match self {
            Failure::Transient { .. } => "transient",
            _ => "permanent",
        }
    }
}

/// What the worker does with the delivery afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// The upload is terminal (now or already): acknowledge.
    Finished { upload_id: Uuid, status: Status },
    /// Try again later (the worker applies backoff and the attempt limit).
    Retry { upload_id: Option<Uuid>, failure: Failure },
    /// Cannot be processed or recorded as an upload of its own: park in the dead set.
    DeadLetter { upload_id: Option<Uuid>, reason: String },
}

/// The `profile` label for a job's metrics: a profile name from a payload becomes a label only
/// if it is configured, so producers cannot mint series.
pub fn profile_label<'a>(app: &App, name: &'a str) -> &'a str {
    if app.cfg.profiles.contains_key(name) { name } else { "unknown" }
}

fn storage_failure(stage: Stage, e: StorageError) -> Failure {
    match e {
        StorageError::InvalidKey { .. } => Failure::reject(stage, "invalid_source", e.to_string()),
        _ if e.is_disk_full() => Failure::transient(stage, "disk_full", e.to_string()),
        _ => Failure::transient(stage, "storage_unavailable", e.to_string()),
    }
}

fn db_failure(stage: Stage, e: crate::db::DbError) -> Failure {
    Failure::transient(stage, "database_unavailable", e.to_string())
}

/// Runs one delivery to an outcome. Never panics on input; every path ends recorded.
pub async fn run_delivery(app: &Arc<App>, d: &Delivery) -> JobOutcome {
    let incoming = &app.cfg.storage.incoming_prefix;
    let job = match UploadJob::parse(&d.task_id, &d.payload, incoming) {
        Ok(job) => job,
        Err(e) => {
            let id = crate::job::upload_id_for_task(&d.task_id, &d.payload);
            let reason = format!("invalid job: {e}");
            tracing::warn!(task = %d.task_id, upload = %id, error = %e, "Refused a malformed job.");
            app.metrics.jobs.with_label_values(&["", "invalid"]).inc();
            return match app.db.record_invalid_job(id, &reason).await {
                Ok(true) => {
                    app.notify_terminal(id).await;
                    JobOutcome::DeadLetter { upload_id: Some(id), reason }
                }
                Ok(false) => JobOutcome::DeadLetter { upload_id: None, reason },
                Err(e) => JobOutcome::Retry { upload_id: None, failure: db_failure(Stage::Validate, e) },
            };
        }
    };
    let id = job.upload_id;
    let profile_label = profile_label(app, &job.profile);
    if d.crashes() >= app.cfg.worker.max_crashes {
        let msg = format!(
            "crashed: the worker processing this upload died {} times (worker.max_crashes = {})",
            d.crashes(),
            app.cfg.worker.max_crashes
        );
        tracing::error!(upload = %id, "{msg}; parking it as failed.");
        return match app.db.finish(id, Status::Failed, "crashed", &msg).await {
            Ok(_) => {
                app.metrics.jobs.with_label_values(&[profile_label, "failed"]).inc();
                app.notify_terminal(id).await;
                JobOutcome::DeadLetter { upload_id: Some(id), reason: msg }
            }
            Err(e) => JobOutcome::Retry { upload_id: Some(id), failure: db_failure(Stage::Fetch, e) },
        };
    }
    let row = match app.db.claim(&job, d.attempts + 1, d.deliveries).await {
        Ok(Claim::Proceed(row)) => row,
        Ok(Claim::Terminal(row)) => {
            tracing::info!(upload = %id, status = %row.status, "Upload already finished; nothing to do.");
            if row.status == Status::Ready {
                // A crash after the commit may have left the original behind.
                if let Err(e) = app.storage.delete(&row.source_key).await {
                    tracing::warn!(upload = %id, error = %e, "Could not delete the original of a finished upload.");
                }
            }
            app.metrics.jobs.with_label_values(&[profile_label, "duplicate"]).inc();
            // Announce it if a crash came between the commit and the announcement.
            app.notify_terminal(id).await;
            return JobOutcome::Finished { upload_id: id, status: row.status };
        }
        Ok(Claim::Conflict(row)) => {
            let reason = format!(
                "upload id {id} already belongs to source {:?} (profile {:?}); this job names {:?} (profile {:?}) and was not processed",
                row.source_key, row.profile, job.source_key, job.profile
            );
            tracing::warn!(upload = %id, "{reason}");
            app.metrics.jobs.with_label_values(&[profile_label, "conflict"]).inc();
            return JobOutcome::DeadLetter { upload_id: None, reason };
        }
        Err(e) => {
            return JobOutcome::Retry { upload_id: Some(id), failure: db_failure(Stage::Fetch, e) };
        }
    };
    app.metrics.in_flight.inc();
    let result = tokio::time::timeout(app.cfg.worker.job_timeout.get(), process(app, &job, &row)).await;
    app.metrics.in_flight.dec();
    let result = result.unwrap_or_else(|_| {
        Err(Failure::transient(
            Stage::Fetch,
            "timeout",
            format!("the attempt exceeded worker.job_timeout ({})", app.cfg.worker.job_timeout),
        ))
    });
    match result {
        Ok(status) => {
            app.metrics.jobs.with_label_values(&[profile_label, status.as_str()]).inc();
            app.notify_terminal(id).await;
            JobOutcome::Finished { upload_id: id, status }
        }
        Err(f) => {
            app.metrics.stage_failures.with_label_values(&[f.stage().as_str(), f.kind()]).inc();
            match f {
                Failure::Transient { .. } => {
                    tracing::warn!(upload = %id, stage = f.stage().as_str(), code = f.code(), error = f.message(), "Stage failed; will retry.");
                    JobOutcome::Retry { upload_id: Some(id), failure: f }
                }
                Failure::Reject { .. } | Failure::Fail { .. } => {
                    let status = if matches!(f, Failure::Reject { .. }) { Status::Rejected } else { Status::Failed };
                    tracing::info!(upload = %id, stage = f.stage().as_str(), code = f.code(), reason = f.message(), "Upload {status}.");
                    match app.db.finish(id, status, f.code(), f.message()).await {
                        Ok(_) => {
                            app.metrics.jobs.with_label_values(&[profile_label, status.as_str()]).inc();
                            app.notify_terminal(id).await;
                            JobOutcome::Finished { upload_id: id, status }
                        }
                        Err(e) => JobOutcome::Retry { upload_id: Some(id), failure: db_failure(f.stage(), e) },
                    }
                }
            }
        }
    }
}

/// The stages proper. Returns the terminal status reached (`Ready`, or `Rejected` for an
/// infected file, which is recorded here because it needs the quarantine move first).
async fn process(app: &Arc<App>, job: &UploadJob, row: &UploadRecord) -> Result<Status, Failure> {
    let id = job.upload_id;
    let profile = app
        .cfg
        .profiles
        .get(&job.profile)
        .ok_or_else(|| {
            Failure::reject(Stage::Validate, "unknown_profile", format!("unknown profile {:?}", job.profile))
        })?
        .clone();
    let dir = app.workdir.job_dir(&id.to_string()).map_err(|e| {
        Failure::transient(Stage::Fetch, if e.is_disk_full() { "disk_full" } else { "temp_unavailable" }, e.to_string())
    })?;
    crate::failpoint::hit("fetch").await;

    // 1. fetch
    let source = dir.file("source");
    let fetched = {
        let _t = app.metrics.time_stage(Stage::Fetch);
        match app.storage.fetch_to_file(&job.source_key, &source, profile.max_bytes.bytes()).await {
            Ok(f) => f,
            Err(StorageError::NotFound(_)) => return missing_source(app, job).await,
            Err(StorageError::TooLarge { limit, size }) => {
                return Err(Failure::reject(
                    Stage::Fetch,
                    "too_large",
                    match size {
                        Some(s) => format!("file is {s} bytes, larger than the profile's limit of {limit} bytes"),
                        None => format!(
                            "file is larger than the profile's limit of {limit} bytes (stopped reading at the limit)"
                        ),
                    },
                ));
            }
            Err(e) => return Err(storage_failure(Stage::Fetch, e)),
        }
    };
    app.metrics.bytes_in.inc_by(fetched.bytes);
    app.db
        .record_facts(id, fetched.bytes, &fetched.sha256, None, None)
        .await
        .map_err(|e| db_failure(Stage::Fetch, e))?;
    crate::failpoint::hit("scan").await;

    // 2. scan
    if app.cfg.scan.mode == ScanMode::Required {
        let _t = app.metrics.time_stage(Stage::Scan);
        if row.scanned_sha256.as_deref() == Some(fetched.sha256.as_str()) {
            tracing::debug!(upload = %id, "These exact bytes were scanned clean before; skipping the scan.");
        } else {
            let scanner = app.scanner.as_ref().ok_or_else(|| {
                Failure::transient(
                    Stage::Scan,
                    "scanner_unavailable",
                    "scanning is required but no scanner is configured",
                )
            })?;
            match scanner.scan_file(&source, fetched.bytes).await {
                Ok(Verdict::Clean) => {
                    app.db.record_scan_clean(id, &fetched.sha256).await.map_err(|e| db_failure(Stage::Scan, e))?
                }
                Ok(Verdict::Infected(sig)) => return quarantine(app, job, &sig).await,
                Ok(Verdict::Unscannable(why)) => {
                    return Err(Failure::reject(Stage::Scan, "unscannable", why));
                }
                Err(e) => {
                    return Err(Failure::transient(Stage::Scan, "scanner_unavailable", e.to_string()));
                }
            }
        }
    }
    crate::failpoint::hit("validate").await;

    // 3. validate
    let detected = {
        let _t = app.metrics.time_stage(Stage::Validate);
        let head = read_head(&source)
            .await
            .map_err(|e| Failure::transient(Stage::Validate, "temp_unavailable", e.to_string()))?;
        validate::validate(
            &head,
            fetched.bytes,
            &profile,
            job.declared_type.as_deref(),
            job.original_filename.as_deref(),
        )
        .map_err(|r| Failure::reject(Stage::Validate, r.code(), r.to_string()))?
    };

    // 4. image variants or video
    let rendered = match detected.kind {
        MediaKind::Image => {
            render_image(app, id, &profile, &detected, &source, &fetched.sha256, fetched.bytes, &dir).await?
        }
        MediaKind::Video => {
            video::render_video(app, id, &profile, &detected, &source, &fetched.sha256, fetched.bytes, &dir).await?
        }
    };
    crate::failpoint::hit("store").await;

    // 5. store
    let mut outputs = Vec::with_capacity(rendered.len() + 1);
    {
        let _t = app.metrics.time_stage(Stage::Store);
        let cache = (!app.cfg.storage.cache_control.is_empty()).then_some(app.cfg.storage.cache_control.as_str());
        for r in &rendered {
            let key = output_key(&app.cfg.storage.output_prefix, id, &r.variant, r.extension);
            app.storage
                .put_file(
                    &key,
                    &r.path,
                    PutOptions { content_type: r.content_type, cache_control: cache, sha256: Some(&r.sha256) },
                )
                .await
                .map_err(|e| storage_failure(Stage::Store, e))?;
            app.metrics.bytes_out.inc_by(r.bytes);
            crate::failpoint::hit("store-each").await;
            outputs.push(OutputRecord {
                variant: r.variant.clone(),
                key,
                content_type: r.content_type.to_owned(),
                bytes: r.bytes,
                width: r.width,
                height: r.height,
                sha256: r.sha256.clone(),
            });
        }
        if profile.keep_original {
            let ext = media_extension(&detected.mime);
            let key = output_key(&app.cfg.storage.output_prefix, id, "original", ext);
            app.storage
                .put_file(
                    &key,
                    &source,
                    PutOptions { content_type: &detected.mime, cache_control: cache, sha256: Some(&fetched.sha256) },
                )
                .await
                .map_err(|e| storage_failure(Stage::Store, e))?;
            outputs.push(OutputRecord {
                variant: "original".into(),
                key,
                content_type: detected.mime.clone(),
                bytes: fetched.bytes,
                width: None,
                height: None,
                sha256: fetched.sha256.clone(),
            });
        }
    }
    crate::failpoint::hit("commit").await;

    // 6. commit, then (only then) delete the original.
    let committed = {
        let _t = app.metrics.time_stage(Stage::Commit);
        app.db.commit_ready(id, &outputs).await.map_err(|e| db_failure(Stage::Commit, e))?
    };
    if !committed {
        // Someone else finished or cancelled this upload meanwhile.
        let now = app.db.get(&id.to_string()).await.map_err(|e| db_failure(Stage::Commit, e))?;
        let status = now.as_ref().map_or(Status::Cancelled, |r| r.status);
        if status != Status::Ready {
            for o in &outputs {
                let _ = app.storage.delete(&o.key).await;
            }
        }
        tracing::info!(upload = %id, status = %status, "Upload was finished elsewhere; discarded this attempt's outputs.");
        return Ok(status);
    }
    crate::failpoint::hit("cleanup").await;
    // The temp directory goes first, the original last: once the original is gone, nothing of
    // this attempt is left anywhere but in its outputs (tests and operators rely on that order).
    drop(dir);
    if let Err(e) = app.storage.delete(&job.source_key).await {
        tracing::warn!(upload = %id, error = %e, "Committed, but could not delete the original; the orphan sweep will.");
    }
    Ok(Status::Ready)
}

/// An output produced in the job directory, not yet stored.
pub struct Produced {
    pub variant: String,
    pub extension: &'static str,
    pub content_type: &'static str,
    pub path: std::path::PathBuf,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub sha256: String,
}

/// `{prefix}{upload_id}/{variant}.{ext}` — built from server-side values only.
pub fn output_key(prefix: &str, id: Uuid, variant: &str, ext: &str) -> String {
    format!("{prefix}{id}/{variant}.{ext}")
}

fn media_extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" => "webm",
        "video/x-matroska" => "mkv",
        "video/x-msvideo" => "avi",
        _ => "bin",
    }
}

async fn read_head(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut f = tokio::fs::File::open(path).await?;
    let mut buf = vec![0u8; validate::SNIFF_BYTES];
    let mut n = 0;
    while n < buf.len() {
        let r = f.read(&mut buf[n..]).await?;
        if r == 0 {
            break;
        }
        n += r;
    }
    buf.truncate(n);
    Ok(buf)
}

/// The source is gone. If we quarantined it in an earlier attempt that crashed before
/// recording, finish the rejection; otherwise the job names nothing.
async fn missing_source(app: &Arc<App>, job: &UploadJob) -> Result<Status, Failure> {
    let qkey = quarantine_key(app, job.upload_id);
    if matches!(app.storage.head(&qkey).await, Ok(Some(_))) {
        app.db
            .finish(job.upload_id, Status::Rejected, "infected", "infected (quarantined in an earlier attempt)")
            .await
            .map_err(|e| db_failure(Stage::Scan, e))?;
        return Ok(Status::Rejected);
    }
    Err(Failure::reject(Stage::Fetch, "source_missing", format!("source object {:?} does not exist", job.source_key)))
}

fn quarantine_key(app: &App, id: Uuid) -> String {
    format!("{}{id}/source", app.cfg.storage.quarantine_prefix)
}

/// Moves an infected original to the quarantine prefix and records the rejection. The copy is
/// made before the delete, so the file is never lost; it is never decoded.
async fn quarantine(app: &Arc<App>, job: &UploadJob, signature: &str) -> Result<Status, Failure> {
    let id = job.upload_id;
    app.metrics.infected.inc();
    app.metrics.stage_failures.with_label_values(&[Stage::Scan.as_str(), "permanent"]).inc();
    tracing::warn!(upload = %id, signature, "Infected file; quarantining.");
    let qkey = quarantine_key(app, id);
    app.storage
        .copy(
            &job.source_key,
            &qkey,
            PutOptions { content_type: "application/octet-stream", cache_control: None, sha256: None },
        )
        .await
        .map_err(|e| storage_failure(Stage::Scan, e))?;
    app.storage.delete(&job.source_key).await.map_err(|e| storage_failure(Stage::Scan, e))?;
    app.db
        .finish(id, Status::Rejected, "infected", &format!("infected: {signature}"))
        .await
        .map_err(|e| db_failure(Stage::Scan, e))?;
    Ok(Status::Rejected)
}

fn media_failure(stage: Stage, e: MediaError) -> Failure {
    match e {
        MediaError::Corrupt(m) => Failure::reject(stage, "corrupt", format!("corrupt or truncated file: {m}")),
        MediaError::TooManyPixels { .. } => Failure::reject(stage, "too_many_pixels", e.to_string()),
        MediaError::Unsupported(m) => Failure::reject(stage, "unsupported", m),
        MediaError::Encode { .. } => Failure::fail(stage, "encode_failed", e.to_string()),
        MediaError::Io(m) => Failure::transient(stage, "temp_unavailable", m),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_image(
    app: &Arc<App>,
    id: Uuid,
    profile: &Profile,
    detected: &Detected,
    source: &std::path::Path,
    sha256: &str,
    size: u64,
    dir: &JobDir,
) -> Result<Vec<Produced>, Failure> {
    let format = ImageFormat::from_mime(&detected.mime).ok_or_else(|| {
        Failure::reject(Stage::Validate, "type_not_allowed", format!("{} is not an image", detected.mime))
    })?;
    let data = tokio::fs::read(source)
        .await
        .map_err(|e| Failure::transient(Stage::Validate, "temp_unavailable", e.to_string()))?;
    let data = Arc::new(data);
    let max_pixels = profile.max_pixels;
    // Header facts first, so limits apply before any pixel is decoded.
    let info = {
        let _t = app.metrics.time_stage(Stage::Validate);
        let d = data.clone();
        app.cpu
            .run(move || media::probe(&d, format, max_pixels))
            .await
            .map_err(|e| Failure::transient(Stage::Validate, "cpu_pool", e.to_string()))?
            .map_err(|e| media_failure(Stage::Validate, e))?
    };
    let mut facts = serde_json::to_value(&info).unwrap_or_default();
    if detected.extension_mismatch {
        facts["extension_mismatch"] = serde_json::Value::Bool(true);
    }
    app.db
        .record_facts(id, size, sha256, Some(&detected.mime), Some(&facts))
        .await
        .map_err(|e| db_failure(Stage::Validate, e))?;
    // The bytes were for the header; rendering reads the file itself (a JPEG row by row).
    drop(data);
    crate::failpoint::hit("image").await;
    let rendered = {
        let _t = app.metrics.time_stage(Stage::Image);
        let variants = profile.variants.clone();
        let bg = profile.background_rgb();
        let path = source.to_owned();
        let i = info.clone();
        app.cpu
            .run(move || media::render_file(&path, &i, &variants, bg, max_pixels))
            .await
            .map_err(|e| Failure::transient(Stage::Image, "cpu_pool", e.to_string()))?
            .map_err(|e| media_failure(Stage::Image, e))?
    };
    write_rendered(dir, rendered).await
}

/// Writes rendered images (variants or posters) into the job directory as `{name}.{ext}`.
pub(crate) async fn write_rendered(dir: &JobDir, rendered: Vec<media::Rendered>) -> Result<Vec<Produced>, Failure> {
    let mut out = Vec::with_capacity(rendered.len());
    for r in rendered {
        let ext = r.format.extension();
        let path = dir.file(&format!("{}.{ext}", r.name));
        write_output(&path, &r.data).await?;
        out.push(Produced {
            variant: r.name,
            extension: ext,
            content_type: r.format.content_type(),
            path,
            bytes: r.data.len() as u64,
            width: Some(r.width),
            height: Some(r.height),
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&r.data)),
        });
    }
    Ok(out)
}

async fn write_output(path: &std::path::Path, data: &[u8]) -> Result<(), Failure> {
    tokio::fs::write(path, data).await.map_err(|e| {
        let code = if e.raw_os_error() == Some(libc::ENOSPC) { "disk_full" } else { "temp_unavailable" };
        Failure::transient(Stage::Image, code, format!("writing {}: {e}", path.display()))
    })
}
