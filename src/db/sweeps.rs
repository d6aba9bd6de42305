//! Queries for the sweeps: leases, run records, and batched reference checks (each batch is
//! one indexed query, so a sweep's memory does not grow with the number of objects).

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use super::{Db, DbError, Status};
use crate::units::now_ms;

/// What the database says about the upload owning an `uploads/{id}/…` object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLiveness {
    pub status: Status,
}

/// What the database says about the upload(s) naming an incoming key as their source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceState {
    /// The most alive status among the rows naming the key (a live one wins).
    pub status: Status,
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

impl Db {
    /// Locks uploads whose objects the sweep is about to delete, until `until_ms` (or
    /// [`Db::unlock_for_sweep`]): a claim of a locked upload waits. Returns the ids locked —
    /// those that are finished or have no row; one in progress is left unlocked (and its
    /// objects alone).
    pub async fn lock_for_sweep(&self, ids: &[String], until_ms: i64) -> Result<HashSet<String>, DbError> {
        let mut locked = HashSet::new();
        for chunk in ids.chunks(200) {
            let mut tx = self.pool().begin().await?;
            for id in chunk {
                sqlx::query(
                    "INSERT INTO sweep_locks (upload_id, until_ms) VALUES ($1, $2) \
                     ON CONFLICT (upload_id) DO UPDATE SET until_ms = excluded.until_ms",
                )
                .bind(id)
                .bind(until_ms)
                .execute(&mut *tx)
                .await?;
            }
            let sql = format!(
                "SELECT id FROM uploads WHERE id IN ({}) AND status NOT IN ('ready','rejected','failed','cancelled')",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            let busy: HashSet<String> =
                q.fetch_all(&mut *tx).await?.iter().map(|r| r.try_get::<String, _>(0)).collect::<Result<_, _>>()?;
            for id in &busy {
                sqlx::query("DELETE FROM sweep_locks WHERE upload_id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            locked.extend(chunk.iter().filter(|id| !busy.contains(*id)).cloned());
        }
        Ok(locked)
    }

    /// Releases the locks of [`Db::lock_for_sweep`].
    pub async fn unlock_for_sweep(&self, ids: &[String]) -> Result<(), DbError> {
        for chunk in ids.chunks(500) {
            let sql = format!("DELETE FROM sweep_locks WHERE upload_id IN ({})", placeholders(1, chunk.len()));
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            q.execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Takes the lease for `kind` if it is free or expired. True when `holder` now has it.
    pub async fn acquire_sweep_lease(&self, kind: &str, holder: &str, ttl_ms: i64) -> Result<bool, DbError> {
        let now = now_ms();
        let res = sqlx::query(
            "INSERT INTO sweep_leases (kind, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (kind) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE sweep_leases.expires_at < $4 OR sweep_leases.holder = excluded.holder",
        )
        .bind(kind)
        .bind(holder)
        .bind(now + ttl_ms)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Extends a held lease; false if it was lost (expired and taken by someone else).
    pub async fn renew_sweep_lease(&self, kind: &str, holder: &str, ttl_ms: i64) -> Result<bool, DbError> {
        let res = sqlx::query("UPDATE sweep_leases SET expires_at = $1 WHERE kind = $2 AND holder = $3")
            .bind(now_ms() + ttl_ms)
            .bind(kind)
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(res.rows_affected() == 1)
    }

    pub async fn release_sweep_lease(&self, kind: &str, holder: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM sweep_leases WHERE kind = $1 AND holder = $2")
            .bind(kind)
            .bind(holder)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn record_sweep_run(
        &self,
        id: &str,
        kind: &str,
        dry_run: bool,
        outcome: &str,
        started_at: i64,
        counts: [u64; 4],
        summary: &str,
    ) -> Result<(), DbError> {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO sweep_runs (id, kind, dry_run, outcome, started_at, finished_at, examined, removed, kept, errors, summary) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(kind)
        .bind(i64::from(dry_run))
        .bind(outcome)
        .bind(started_at)
        .bind(now_ms())
        .bind(n(counts[0]))
        .bind(n(counts[1]))
        .bind(n(counts[2]))
        .bind(n(counts[3]))
        .bind(summary)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Output keys in byte order after `after`, at most `limit` (keyset pagination; the index
    /// on `object_key` serves it).
    pub async fn output_keys_after(&self, after: &str, limit: u32) -> Result<Vec<String>, DbError> {
        let sql = if self.is_sqlite() {
            "SELECT object_key FROM upload_outputs WHERE object_key > $1 ORDER BY object_key LIMIT $2"
        } else {
            "SELECT object_key FROM upload_outputs WHERE object_key COLLATE \"C\" > $1 ORDER BY object_key COLLATE \"C\" LIMIT $2"
        };
        let rows = sqlx::query(sql).bind(after).bind(i64::from(limit)).fetch_all(self.pool()).await?;
        rows.iter().map(|r| r.try_get(0).map_err(Into::into)).collect()
    }

    /// Which of `keys` are outputs of some upload.
    pub async fn referenced_output_keys(&self, keys: &[String]) -> Result<HashSet<String>, DbError> {
        let mut out = HashSet::new();
        for chunk in keys.chunks(500) {
            let sql =
                format!("SELECT object_key FROM upload_outputs WHERE object_key IN ({})", placeholders(1, chunk.len()));
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(k);
            }
            for r in q.fetch_all(self.pool()).await? {
                out.insert(r.try_get(0)?);
            }
        }
        Ok(out)
    }

    /// Status of each upload id that exists.
    pub async fn upload_liveness(&self, ids: &[String]) -> Result<HashMap<String, UploadLiveness>, DbError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let sql = format!("SELECT id, status FROM uploads WHERE id IN ({})", placeholders(1, chunk.len()));
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(k);
            }
            for r in q.fetch_all(self.pool()).await? {
                let status: String = r.try_get(1)?;
                if let Some(status) = Status::parse(&status) {
                    out.insert(r.try_get(0)?, UploadLiveness { status });
                }
            }
        }
        Ok(out)
    }

    /// For each incoming key some upload names as its source: the most alive such upload.
    pub async fn source_states(&self, keys: &[String]) -> Result<HashMap<String, SourceState>, DbError> {
        let mut out: HashMap<String, SourceState> = HashMap::new();
        for chunk in keys.chunks(500) {
            let sql = format!(
                "SELECT source_key, status FROM uploads WHERE source_key IN ({})",
                placeholders(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(k);
            }
            for r in q.fetch_all(self.pool()).await? {
                let key: String = r.try_get(0)?;
                let Some(status) = Status::parse(&r.try_get::<String, _>(1)?) else {
                    continue;
                };
                let e = out.entry(key).or_insert(SourceState { status });
                if !status.is_terminal() {
                    e.status = status;
                }
            }
        }
        Ok(out)
    }
}
