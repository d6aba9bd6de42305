//! Upload state in SQL: PostgreSQL in production, SQLite embedded — one portable schema and one
//! set of queries through sqlx's `Any` driver.
//!
//! Invariants kept here:
//! - a row becomes `ready` together with all of its outputs in one transaction
//!   ([`Db::commit_ready`]); nothing else inserts outputs;
//! - terminal rows (`ready`, `rejected`, `failed`, `cancelled`) are never changed by the pipeline;
//!   only an operator's `jobs retry` reopens `failed`/`cancelled` ones;
//! - every transaction begins with a write, so SQLite never has to upgrade a read lock.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use uuid::Uuid;

mod migrations;
mod sweeps;
mod webhooks;

pub use sweeps::{SourceState, UploadLiveness};
pub use webhooks::{DeliveryStatus, PendingDelivery};

use crate::job::UploadJob;
use crate::units::{format_ms, now_ms};

/// Database failures. All are transient from the pipeline's point of view except `Migration`.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database migration {version} ({name}) failed: {source}")]
    Migration { version: i64, name: &'static str, source: sqlx::Error },
    #[error("corrupt value in column {column}: {value:?}")]
    Corrupt { column: &'static str, value: String },
    #[error("source {key:?} is already claimed by an unfinished upload")]
    SourceInUse { key: String },
}

/// The life of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Processing,
    Retrying,
    Ready,
    Rejected,
    Failed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Queued,
        Status::Processing,
        Status::Retrying,
        Status::Ready,
        Status::Rejected,
        Status::Failed,
        Status::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Queued => "queued",
            Status::Processing => "processing",
            Status::Retrying => "retrying",
            Status::Ready => "ready",
            Status::Rejected => "rejected",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Ready | Status::Rejected | Status::Failed | Status::Cancelled)
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

const TERMINAL_SQL: &str = "('ready','rejected','failed','cancelled')";

/// One stored output of an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputRecord {
    pub variant: String,
    pub key: String,
    pub content_type: String,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub sha256: String,
}

/// An upload row with its outputs, as `uploadd status --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct UploadRecord {
    pub id: String,
    pub profile: String,
    pub status: Status,
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    pub source_key: String,
    pub declared_type: Option<String>,
    pub detected_type: Option<String>,
    pub original_filename: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub bytes: Option<u64>,
    pub sha256: Option<String>,
    pub media: Option<serde_json::Value>,
    /// `{ "blurhash", "thumbhash", "dominant_color" }` of a ready image or video poster.
    pub placeholders: Option<serde_json::Value>,
    pub attempts: u32,
    pub deliveries: u32,
    pub progress: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(skip)]
    pub scanned_sha256: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub outputs: Vec<OutputRecord>,
}

/// What [`Db::claim`] found.
#[derive(Debug)]
pub enum Claim {
    /// The row is ours to process (created or moved to `processing`).
    Proceed(Box<UploadRecord>),
    /// Already finished: re-running is a no-op.
    Terminal(Box<UploadRecord>),
    /// The id belongs to a different source or profile: this job must not touch it.
    Conflict(Box<UploadRecord>),
    /// Another unfinished upload claims this source key: this job was recorded as rejected
    /// (`source_in_use`) without touching the file.
    SourceInUse(Box<UploadRecord>),
    /// A sweep is deleting this upload's old objects right now: try again shortly.
    SweepLocked,
}

/// A write refused by the unique claim on unfinished uploads' source keys.
fn is_source_claimed(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.is_unique_violation())
}

/// Shared handle to the database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    is_sqlite: bool,
}

impl Db {
    /// Connects (creating the SQLite file and its directory if needed). Does not migrate.
    pub async fn connect(url: &str, max_connections: u32, connect_timeout: Duration) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let is_sqlite = url.starts_with("sqlite:");
        if is_sqlite
            && let Some(path) = sqlite_path(url)
            && let Some(parent) = std::path::Path::new(&path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| DbError::Sql(sqlx::Error::Io(e)))?;
        }
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(connect_timeout)
            .connect(url)
            .await?;
        if is_sqlite {
            // Persistent in the file: readers never block the writer. (sqlx already sets a
            // busy timeout and enables foreign keys on every SQLite connection.)
            sqlx::raw_sql("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        Ok(Db { pool, is_sqlite })
    }

    pub fn is_sqlite(&self) -> bool {
        self.is_sqlite
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Proves the uploads table is writable: a row inserted and removed in a transaction that
    /// is rolled back (nothing is left, whatever happens).
    pub async fn write_probe(&self) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        let id = format!("doctor-{}", Uuid::new_v4().simple());
        let now = now_ms();
        sqlx::query(
            "INSERT INTO uploads (id, profile, status, source_key, created_at, updated_at) VALUES ($1, '', 'cancelled', '', $2, $3)",
        )
        .bind(&id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE uploads SET updated_at = $1 WHERE id = $2").bind(now).bind(&id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM uploads WHERE id = $1").bind(&id).execute(&mut *tx).await?;
        tx.rollback().await?;
        Ok(())
    }

    pub async fn health_check(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        Ok(())
    }

    /// Records a job as `queued` before it reaches a worker (used by `uploadd enqueue`; other
    /// producers skip this and the worker creates the row).
    pub async fn insert_queued(&self, job: &UploadJob) -> Result<bool, DbError> {
        let now = now_ms();
        let res = sqlx::query(
            "INSERT INTO uploads (id, profile, status, source_key, declared_type, original_filename, metadata, callback_url, created_at, updated_at) \
             VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
        )
        .bind(job.upload_id.to_string())
        .bind(&job.profile)
        .bind(&job.source_key)
        .bind(job.declared_type.clone())
        .bind(job.original_filename.clone())
        .bind(serde_json::to_string(&job.metadata).unwrap_or_else(|_| "{}".into()))
        .bind(job.callback_url.clone())
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| if is_source_claimed(&e) { DbError::SourceInUse { key: job.source_key.clone() } } else { e.into() })?;
        Ok(res.rows_affected() == 1)
    }

    /// Takes the row for processing: creates it if absent, moves it to `processing` unless it is
    /// terminal or belongs to another source.
    pub async fn claim(&self, job: &UploadJob, attempt: u32, delivery: u32) -> Result<Claim, DbError> {
        let id = job.upload_id.to_string();
        let now = now_ms();
        // One transaction that begins by taking this upload's sweep-lock row: a sweep deleting
        // the upload's objects holds it (the claim waits, then sees the lock); a sweep that
        // comes after sees the upload in progress and leaves its objects alone.
        let mut tx = self.pool.begin().await?;
        let until: i64 = sqlx::query_scalar(
            "INSERT INTO sweep_locks (upload_id, until_ms) VALUES ($1, 0) \
             ON CONFLICT (upload_id) DO UPDATE SET until_ms = sweep_locks.until_ms RETURNING until_ms",
        )
        .bind(&id)
        .fetch_one(&mut *tx)
        .await?;
        if until > now {
            tx.rollback().await?;
            return Ok(Claim::SweepLocked);
        }
        sqlx::query("DELETE FROM sweep_locks WHERE upload_id = $1").bind(&id).execute(&mut *tx).await?;
        let inserted = sqlx::query(
            "INSERT INTO uploads (id, profile, status, source_key, declared_type, original_filename, metadata, callback_url, created_at, updated_at) \
             VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(&job.profile)
        .bind(&job.source_key)
        .bind(job.declared_type.clone())
        .bind(job.original_filename.clone())
        .bind(serde_json::to_string(&job.metadata).unwrap_or_else(|_| "{}".into()))
        .bind(job.callback_url.clone())
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_source_claimed(&e) => {
                tx.rollback().await?;
                return self.reject_source_in_use(job).await;
            }
            Err(e) => return Err(e.into()),
        }
        let updated = sqlx::query(&format!(
            "UPDATE uploads SET status = 'processing', attempts = $1, deliveries = $2, progress = NULL, \
             next_attempt_at = NULL, started_at = COALESCE(started_at, $3), updated_at = $4 \
             WHERE id = $5 AND source_key = $6 AND profile = $7 AND status NOT IN {TERMINAL_SQL}"
        ))
        .bind(i64::from(attempt))
        .bind(i64::from(delivery))
        .bind(now)
        .bind(now)
        .bind(&id)
        .bind(&job.source_key)
        .bind(&job.profile)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let row = self
            .get(&id)
            .await?
            .ok_or_else(|| DbError::Corrupt { column: "id", value: format!("{id} vanished during claim") })?;
        Ok(if updated.rows_affected() == 1 {
            Claim::Proceed(Box::new(row))
        } else if row.source_key != job.source_key || row.profile != job.profile {
            Claim::Conflict(Box::new(row))
        } else {
            Claim::Terminal(Box::new(row))
        })
    }

    /// Records a job whose source key another unfinished upload claims, as `rejected`.
    async fn reject_source_in_use(&self, job: &UploadJob) -> Result<Claim, DbError> {
        let id = job.upload_id.to_string();
        let holder: Option<String> = sqlx::query(&format!(
            "SELECT id FROM uploads WHERE source_key = $1 AND status NOT IN {TERMINAL_SQL} AND source_key <> ''"
        ))
        .bind(&job.source_key)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get::<String, _>(0))
        .transpose()?;
        let message = format!(
            "source {:?} is claimed by unfinished upload {}; this job was not processed and the file was not touched",
            job.source_key,
            holder.as_deref().unwrap_or("(finished meanwhile)")
        );
        let now = now_ms();
        sqlx::query(
            "INSERT INTO uploads (id, profile, status, source_key, declared_type, original_filename, metadata, callback_url, \
             reason_code, error, created_at, updated_at, finished_at) \
             VALUES ($1, $2, 'rejected', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(&job.profile)
        .bind(&job.source_key)
        .bind(job.declared_type.clone())
        .bind(job.original_filename.clone())
        .bind(serde_json::to_string(&job.metadata).unwrap_or_else(|_| "{}".into()))
        .bind(job.callback_url.clone())
        .bind(crate::outcome::Reason::SourceInUse.as_str())
        .bind(&message)
        .bind(now)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        let row = self
            .get(&id)
            .await?
            .ok_or_else(|| DbError::Corrupt { column: "id", value: format!("{id} vanished during claim") })?;
        Ok(if row.status.is_terminal() && row.source_key == job.source_key {
            Claim::SourceInUse(Box::new(row))
        } else {
            Claim::Conflict(Box::new(row))
        })
    }

    /// Records a job that was cancelled before any worker took it (it never had a row).
    pub async fn record_cancelled(&self, job: &UploadJob, message: &str) -> Result<bool, DbError> {
        let now = now_ms();
        let res = sqlx::query(
            "INSERT INTO uploads (id, profile, status, source_key, declared_type, original_filename, metadata, callback_url, \
             reason_code, error, created_at, updated_at, finished_at) \
             VALUES ($1, $2, 'cancelled', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
        )
        .bind(job.upload_id.to_string())
        .bind(&job.profile)
        .bind(&job.source_key)
        .bind(job.declared_type.clone())
        .bind(job.original_filename.clone())
        .bind(serde_json::to_string(&job.metadata).unwrap_or_else(|_| "{}".into()))
        .bind(job.callback_url.clone())
        .bind(crate::outcome::Reason::Cancelled.as_str())
        .bind(message)
        .bind(now)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Checkpoint after a clean scan.
    pub async fn record_scan_clean(&self, id: Uuid, sha256: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE uploads SET scanned_sha256 = $1, updated_at = $2 WHERE id = $3")
            .bind(sha256)
            .bind(now_ms())
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// What the fetch and validate stages learnt about the file.
    pub async fn record_facts(
        &self,
        id: Uuid,
        bytes: u64,
        sha256: &str,
        detected_type: Option<&str>,
        media: Option<&serde_json::Value>,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE uploads SET bytes = $1, sha256 = $2, detected_type = COALESCE($3, detected_type), media = COALESCE($4, media), updated_at = $5 WHERE id = $6")
            .bind(i64::try_from(bytes).unwrap_or(i64::MAX))
            .bind(sha256)
            .bind(detected_type.map(str::to_owned))
            .bind(media.map(|m| m.to_string()))
            .bind(now_ms())
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Progress of a long stage (0–100), shown by `uploadd status`.
    pub async fn set_progress(&self, id: Uuid, percent: u8) -> Result<(), DbError> {
        sqlx::query(&format!(
            "UPDATE uploads SET progress = $1, updated_at = $2 WHERE id = $3 AND status NOT IN {TERMINAL_SQL}"
        ))
        .bind(i64::from(percent.min(100)))
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A transient failure that will be retried at `next_attempt_at`.
    pub async fn mark_retrying(
        &self,
        id: Uuid,
        code: &str,
        message: &str,
        next_attempt_at: i64,
    ) -> Result<bool, DbError> {
        let res = sqlx::query(&format!(
            "UPDATE uploads SET status = 'retrying', reason_code = $1, error = $2, next_attempt_at = $3, updated_at = $4 \
             WHERE id = $5 AND status NOT IN {TERMINAL_SQL}"
        ))
        .bind(code)
        .bind(message)
        .bind(next_attempt_at)
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    /// A job handed back to wait (for capacity): `queued` again until `next_attempt_at`.
    pub async fn requeue(&self, id: Uuid, next_attempt_at: i64) -> Result<bool, DbError> {
        let res = sqlx::query(&format!(
            "UPDATE uploads SET status = 'queued', progress = NULL, next_attempt_at = $1, updated_at = $2 \
             WHERE id = $3 AND status NOT IN {TERMINAL_SQL}"
        ))
        .bind(next_attempt_at)
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Ends a non-terminal upload as `rejected`, `failed` or `cancelled`. Returns false when the
    /// row was already terminal (someone else finished it).
    pub async fn finish(&self, id: Uuid, status: Status, code: &str, message: &str) -> Result<bool, DbError> {
        debug_assert!(matches!(status, Status::Rejected | Status::Failed | Status::Cancelled));
        let now = now_ms();
        let res = sqlx::query(&format!(
            "UPDATE uploads SET status = $1, reason_code = $2, error = $3, next_attempt_at = NULL, progress = NULL, \
             finished_at = $4, updated_at = $5 WHERE id = $6 AND status NOT IN {TERMINAL_SQL}"
        ))
        .bind(status.as_str())
        .bind(code)
        .bind(message)
        .bind(now)
        .bind(now)
        .bind(id.to_string())
        .execute(&self.pool)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Records a job that could not even be parsed, under the id derived for it — unless that id
    /// already belongs to an upload (then nothing is touched).
    pub async fn record_invalid_job(&self, id: Uuid, message: &str) -> Result<bool, DbError> {
        let now = now_ms();
        let res = sqlx::query(
            "INSERT INTO uploads (id, profile, status, source_key, reason_code, error, created_at, updated_at, finished_at) \
             VALUES ($1, '', 'rejected', '', $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(crate::outcome::Reason::InvalidJob.as_str())
        .bind(message)
        .bind(now)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    /// The commit: the row becomes `ready` with all outputs, atomically, only if it is still ours
    /// (not terminal). Returns false (and changes nothing) otherwise.
    pub async fn commit_ready(
        &self,
        id: Uuid,
        outputs: &[OutputRecord],
        placeholders: Option<&serde_json::Value>,
    ) -> Result<bool, DbError> {
        let id = id.to_string();
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let res = sqlx::query(&format!(
            "UPDATE uploads SET status = 'ready', reason_code = NULL, error = NULL, progress = 100, next_attempt_at = NULL, \
             finished_at = $1, updated_at = $2, placeholders = $3 WHERE id = $4 AND status NOT IN {TERMINAL_SQL}"
        ))
        .bind(now)
        .bind(now)
        .bind(placeholders.map(|p| p.to_string()))
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if res.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM upload_outputs WHERE upload_id = $1").bind(&id).execute(&mut *tx).await?;
        for o in outputs {
            sqlx::query(
                "INSERT INTO upload_outputs (upload_id, variant, object_key, content_type, bytes, width, height, sha256) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&id)
            .bind(&o.variant)
            .bind(&o.key)
            .bind(&o.content_type)
            .bind(i64::try_from(o.bytes).unwrap_or(i64::MAX))
            .bind(o.width.map(i64::from))
            .bind(o.height.map(i64::from))
            .bind(&o.sha256)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The terminal status already announced for this upload, if any.
    pub async fn announced_status(&self, id: &str) -> Result<Option<String>, DbError> {
        let row = sqlx::query("SELECT announced_status FROM uploads WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<Option<String>, _>(0)).transpose()?.flatten())
    }

    /// Remembers that `status` was announced.
    pub async fn mark_announced(&self, id: &str, status: Status) -> Result<(), DbError> {
        sqlx::query("UPDATE uploads SET announced_status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Terminal uploads whose outcome has not been announced (the outbox), finished before
    /// `before_ms`, oldest first.
    pub async fn unannounced(&self, before_ms: i64, limit: u32) -> Result<Vec<String>, DbError> {
        let rows = sqlx::query(&format!(
            "SELECT id FROM uploads WHERE (announced_status IS NULL OR announced_status <> status) \
             AND status IN {TERMINAL_SQL} AND updated_at < $1 ORDER BY updated_at LIMIT $2"
        ))
        .bind(before_ms)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| r.try_get::<String, _>(0).map_err(DbError::from)).collect()
    }

    /// Operator retry: reopens a `failed`, `cancelled` or `rejected` upload as `queued`.
    pub async fn reopen(&self, id: Uuid) -> Result<bool, DbError> {
        let res = sqlx::query(
            "UPDATE uploads SET status = 'queued', reason_code = NULL, error = NULL, finished_at = NULL, attempts = 0, announced_status = NULL, \
             deliveries = 0, updated_at = $1 WHERE id = $2 AND status IN ('failed','cancelled','rejected') AND source_key <> ''",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .map_err(|e| if is_source_claimed(&e) { DbError::SourceInUse { key: format!("of upload {id}") } } else { e.into() })?;
        Ok(res.rows_affected() == 1)
    }

    pub async fn get(&self, id: &str) -> Result<Option<UploadRecord>, DbError> {
        let Some(row) = sqlx::query(&format!("SELECT {UPLOAD_COLUMNS} FROM uploads WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let mut rec = upload_from_row(&row)?;
        rec.outputs = self.outputs(id).await?;
        Ok(Some(rec))
    }

    pub async fn outputs(&self, id: &str) -> Result<Vec<OutputRecord>, DbError> {
        let rows = sqlx::query(
            "SELECT variant, object_key, content_type, bytes, width, height, sha256 FROM upload_outputs WHERE upload_id = $1 ORDER BY variant",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(output_from_row).collect()
    }

    /// Most recently updated uploads, optionally of one status.
    pub async fn list(&self, status: Option<Status>, limit: u32) -> Result<Vec<UploadRecord>, DbError> {
        let rows = match status {
            Some(s) => {
                sqlx::query(&format!(
                    "SELECT {UPLOAD_COLUMNS} FROM uploads WHERE status = $1 ORDER BY updated_at DESC, id LIMIT $2"
                ))
                .bind(s.as_str())
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("SELECT {UPLOAD_COLUMNS} FROM uploads ORDER BY updated_at DESC, id LIMIT $1"))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(upload_from_row).collect()
    }

    /// Number of uploads per status.
    pub async fn count_by_status(&self) -> Result<BTreeMap<String, u64>, DbError> {
        let rows = sqlx::query("SELECT status, COUNT(*) FROM uploads GROUP BY status").fetch_all(&self.pool).await?;
        let mut out = BTreeMap::new();
        for r in rows {
            let s: String = r.try_get(0)?;
            let n: i64 = r.try_get(1)?;
            out.insert(s, u64::try_from(n).unwrap_or(0));
        }
        Ok(out)
    }
}

const UPLOAD_COLUMNS: &str = "id, profile, status, source_key, declared_type, original_filename, metadata, callback_url, \
    detected_type, bytes, sha256, scanned_sha256, media, placeholders, reason_code, error, attempts, deliveries, progress, next_attempt_at, \
    created_at, updated_at, started_at, finished_at";

fn upload_from_row(r: &AnyRow) -> Result<UploadRecord, DbError> {
    let status: String = r.try_get("status")?;
    let status = Status::parse(&status).ok_or(DbError::Corrupt { column: "status", value: status })?;
    let metadata: String = r.try_get("metadata")?;
    let media: Option<String> = r.try_get("media")?;
    let placeholders: Option<String> = r.try_get("placeholders")?;
    let ts =
        |col: &str| -> Result<Option<String>, sqlx::Error> { Ok(r.try_get::<Option<i64>, _>(col)?.map(format_ms)) };
    let u32_of = |col: &str| -> Result<u32, sqlx::Error> { Ok(u32::try_from(r.try_get::<i64, _>(col)?).unwrap_or(0)) };
    Ok(UploadRecord {
        id: r.try_get("id")?,
        profile: r.try_get("profile")?,
        status,
        reason_code: r.try_get("reason_code")?,
        reason: r.try_get("error")?,
        source_key: r.try_get("source_key")?,
        declared_type: r.try_get("declared_type")?,
        detected_type: r.try_get("detected_type")?,
        original_filename: r.try_get("original_filename")?,
        metadata: serde_json::from_str(&metadata).unwrap_or_default(),
        bytes: r.try_get::<Option<i64>, _>("bytes")?.and_then(|b| u64::try_from(b).ok()),
        sha256: r.try_get("sha256")?,
        media: media.and_then(|m| serde_json::from_str(&m).ok()),
        placeholders: placeholders.and_then(|p| serde_json::from_str(&p).ok()),
        attempts: u32_of("attempts")?,
        deliveries: u32_of("deliveries")?,
        progress: r.try_get::<Option<i64>, _>("progress")?.and_then(|p| u8::try_from(p).ok()),
        callback_url: r.try_get("callback_url")?,
        scanned_sha256: r.try_get("scanned_sha256")?,
        next_attempt_at: ts("next_attempt_at")?,
        created_at: format_ms(r.try_get("created_at")?),
        updated_at: format_ms(r.try_get("updated_at")?),
        started_at: ts("started_at")?,
        finished_at: ts("finished_at")?,
        outputs: Vec::new(),
    })
}

fn output_from_row(r: &AnyRow) -> Result<OutputRecord, DbError> {
    Ok(OutputRecord {
        variant: r.try_get("variant")?,
        key: r.try_get("object_key")?,
        content_type: r.try_get("content_type")?,
        bytes: u64::try_from(r.try_get::<i64, _>("bytes")?).unwrap_or(0),
        width: r.try_get::<Option<i64>, _>("width")?.and_then(|w| u32::try_from(w).ok()),
        height: r.try_get::<Option<i64>, _>("height")?.and_then(|h| u32::try_from(h).ok()),
        sha256: r.try_get("sha256")?,
    })
}

/// The file path of a `sqlite:` URL, if it names a file.
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" { None } else { Some(path.to_owned()) }
}
