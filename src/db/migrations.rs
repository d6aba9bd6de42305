//! Schema migrations: numbered SQL files under `migrations/`, applied in order, each in its own
//! transaction and recorded in `uploadd_migrations`.

use std::collections::HashSet;

use sqlx::Row;

use super::{Db, DbError};
use crate::units::now_ms;

struct Migration {
    version: i64,
    name: &'static str,
    /// Both databases, unless `postgres` replaces it there.
    sql: &'static str,
    postgres: Option<&'static str>,
}

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "uploads", sql: include_str!("../../migrations/0001_uploads.sql"), postgres: None },
    Migration { version: 2, name: "webhooks", sql: include_str!("../../migrations/0002_webhooks.sql"), postgres: None },
    Migration { version: 3, name: "sweeps", sql: include_str!("../../migrations/0003_sweeps.sql"), postgres: None },
    Migration {
        version: 4,
        name: "announced",
        sql: include_str!("../../migrations/0004_announced.sql"),
        postgres: None,
    },
    Migration {
        version: 5,
        name: "output keys in byte order",
        sql: "SELECT 1",
        postgres: Some(include_str!("../../migrations/0005_output_keys_bytewise.pg.sql")),
    },
    Migration { version: 6, name: "outbox", sql: include_str!("../../migrations/0006_outbox.sql"), postgres: None },
    Migration {
        version: 7,
        name: "source claims",
        sql: include_str!("../../migrations/0007_source_claims.sql"),
        postgres: None,
    },
    Migration {
        version: 8,
        name: "sweep locks",
        sql: include_str!("../../migrations/0008_sweep_locks.sql"),
        postgres: None,
    },
    Migration {
        version: 9,
        name: "placeholders",
        sql: include_str!("../../migrations/0009_placeholders.sql"),
        postgres: None,
    },
];

impl Db {
    /// Applies pending migrations, serialised across processes (Postgres advisory lock; SQLite's
    /// write lock).
    pub async fn migrate(&self) -> Result<Vec<i64>, DbError> {
        let mut conn = self.pool.acquire().await?;
        if !self.is_sqlite {
            sqlx::query("SELECT pg_advisory_lock(72091150)").execute(&mut *conn).await?;
        }
        let result = async {
            sqlx::raw_sql(
                "CREATE TABLE IF NOT EXISTS uploadd_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .execute(&mut *conn)
            .await?;
            let applied: HashSet<i64> = sqlx::query("SELECT version FROM uploadd_migrations")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()?;
            let mut done = Vec::new();
            for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                let step = async {
                    let sql = if self.is_sqlite { m.sql } else { m.postgres.unwrap_or(m.sql) };
                    sqlx::raw_sql(sql).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO uploadd_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                        .bind(m.version)
                        .bind(m.name)
                        .bind(now_ms())
                        .execute(&mut *tx)
                        .await?;
                    Ok::<_, sqlx::Error>(())
                }
                .await;
                match step {
                    Ok(()) => tx.commit().await?,
                    Err(source) => {
                        return Err(DbError::Migration {
                            version: m.version,
                            name: m.name,
                            source,
                        });
                    }
                }
                done.push(m.version);
            }
            Ok::<_, DbError>(done)
        }
        .await;
        if !self.is_sqlite {
            sqlx::query("SELECT pg_advisory_unlock(72091150)").execute(&mut *conn).await?;
        }
        result
    }

    /// Migrations this binary has that the database has not applied.
    pub async fn pending_migrations(&self) -> Result<Vec<i64>, DbError> {
        let applied: HashSet<i64> =
            match sqlx::query("SELECT version FROM uploadd_migrations").fetch_all(&self.pool).await {
                Ok(rows) => rows.iter().map(|r| r.try_get::<i64, _>(0)).collect::<Result<_, _>>()?,
                // No table yet: nothing applied.
                Err(_) => HashSet::new(),
            };
        Ok(MIGRATIONS.iter().map(|m| m.version).filter(|v| !applied.contains(v)).collect())
    }

    /// Whether this connection's role may create tables where migrations put them
    /// (PostgreSQL: `CREATE` on the current schema, which PostgreSQL 15 no longer grants on
    /// `public` to every role). `Ok(None)`: may (SQLite: always); `Ok(Some(schema))`: may not.
    pub async fn cannot_create_in(&self) -> Result<Option<String>, DbError> {
        if self.is_sqlite {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT current_schema()::text, has_schema_privilege(current_schema(), 'CREATE')::int, current_user::text",
        )
        .fetch_one(&self.pool)
        .await?;
        let schema: String = row.try_get(0)?;
        let may: i32 = row.try_get(1)?;
        let user: String = row.try_get(2)?;
        Ok((may == 0).then(|| format!("{schema} (role {user})")))
    }
}
