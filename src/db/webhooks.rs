//! Webhook delivery rows: the durable to-do list of the webhook dispatcher.

use serde::Serialize;
use sqlx::Row;

use super::{Db, DbError};
use crate::units::{format_ms, now_ms};

/// A delivery waiting to be sent.
#[derive(Debug, Clone)]
pub struct PendingDelivery {
    pub upload_id: String,
    pub url: String,
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub payload: String,
}

/// A delivery's state, as `uploadd status --json` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryStatus {
    pub url: String,
    pub status: String,
    pub attempts: u32,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<String>,
    pub updated_at: String,
}

impl Db {
    /// Records (or replaces, for a re-opened upload) the delivery of an upload's outcome. The
    /// same outcome announced again (the outbox retrying) leaves a delivery as it is, so a
    /// delivered webhook is never sent twice for one outcome.
    pub async fn upsert_webhook(
        &self,
        upload_id: &str,
        url: &str,
        status: &str,
        payload: &str,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO webhook_deliveries (upload_id, url, status, attempts, next_attempt_at, last_error, payload, created_at, updated_at) \
             VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8) \
             ON CONFLICT (upload_id) DO UPDATE SET url = excluded.url, status = excluded.status, attempts = 0, \
             next_attempt_at = excluded.next_attempt_at, last_status = NULL, last_error = excluded.last_error, \
             payload = excluded.payload, updated_at = excluded.updated_at \
             WHERE webhook_deliveries.payload <> excluded.payload",
        )
        .bind(upload_id)
        .bind(url)
        .bind(status)
        .bind(now)
        .bind(error.map(str::to_owned))
        .bind(payload)
        .bind(now)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Pending deliveries that are due.
    pub async fn due_webhooks(&self, limit: u32) -> Result<Vec<PendingDelivery>, DbError> {
        let rows = sqlx::query(
            "SELECT upload_id, url, attempts, next_attempt_at, payload FROM webhook_deliveries \
             WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(now_ms())
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingDelivery {
                    upload_id: r.try_get("upload_id")?,
                    url: r.try_get("url")?,
                    attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
                    next_attempt_at: r.try_get("next_attempt_at")?,
                    payload: r.try_get("payload")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Takes a due delivery for one attempt (pushes its due time to `lease_until`), so two
    /// daemons never send the same attempt. False if someone else took it.
    pub async fn claim_webhook(&self, upload_id: &str, seen_next_at: i64, lease_until: i64) -> Result<bool, DbError> {
        let res = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $1, updated_at = $2 \
             WHERE upload_id = $3 AND status = 'pending' AND next_attempt_at = $4",
        )
        .bind(lease_until)
        .bind(now_ms())
        .bind(upload_id)
        .bind(seen_next_at)
        .execute(self.pool())
        .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Records one attempt's result.
    pub async fn record_webhook_attempt(
        &self,
        upload_id: &str,
        status: &str,
        attempts: u32,
        next_attempt_at: i64,
        last_status: Option<u16>,
        last_error: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, last_status = $4, \
             last_error = $5, updated_at = $6 WHERE upload_id = $7",
        )
        .bind(status)
        .bind(i64::from(attempts))
        .bind(next_attempt_at)
        .bind(last_status.map(i64::from))
        .bind(last_error.map(str::to_owned))
        .bind(now_ms())
        .bind(upload_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn webhook_status(&self, upload_id: &str) -> Result<Option<DeliveryStatus>, DbError> {
        let Some(r) = sqlx::query(
            "SELECT url, status, attempts, next_attempt_at, last_status, last_error, updated_at FROM webhook_deliveries WHERE upload_id = $1",
        )
        .bind(upload_id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let status: String = r.try_get("status")?;
        Ok(Some(DeliveryStatus {
            url: r.try_get("url")?,
            attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(0),
            last_status: r.try_get::<Option<i64>, _>("last_status")?.and_then(|s| u16::try_from(s).ok()),
            last_error: r.try_get("last_error")?,
            next_attempt_at: (status == "pending")
                .then(|| r.try_get::<i64, _>("next_attempt_at").map(format_ms))
                .transpose()?,
            updated_at: format_ms(r.try_get("updated_at")?),
            status,
        }))
    }
}
