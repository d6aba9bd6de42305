//! Wiring: opens every dependency from the config once and shares them as [`App`].

use std::sync::Arc;

use uuid::Uuid;

use crate::config::{Config, ScanMode, redact_url};
use crate::db::{Db, DbError};
use crate::metrics::Metrics;
use crate::queue::{Queue, QueueError};
use crate::scan::{ScanError, Scanner};
use crate::storage::{Storage, StorageError};
use crate::workdir::{CpuPool, WorkRoot, WorkdirError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("{0}")]
    Queue(#[from] QueueError),
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("{0}")]
    Scan(#[from] ScanError),
    #[error("{0}")]
    Workdir(#[from] WorkdirError),
    #[error("cannot create data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
}

/// Everything a job or a command needs, opened once.
pub struct App {
    pub cfg: Arc<Config>,
    pub db: Db,
    pub storage: Storage,
    pub queue: Queue,
    pub scanner: Option<Scanner>,
    pub cpu: CpuPool,
    pub workdir: WorkRoot,
    pub metrics: Metrics,
    pub health: crate::http::Health,
    /// Transcodes at once (`video.concurrency`), separate from image work.
    pub video_slots: tokio::sync::Semaphore,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").finish_non_exhaustive()
    }
}

impl App {
    /// Connects to the database (and migrates it), the store and the queue.
    pub async fn open(cfg: Config) -> Result<Arc<App>, AppError> {
        std::fs::create_dir_all(&cfg.data_dir)
            .map_err(|source| AppError::DataDir { path: cfg.data_dir.display().to_string(), source })?;
        let db_url = cfg.database_url();
        tracing::debug!(database = %redact_url(&db_url), "Connecting to the database.");
        let db = Db::connect(&db_url, cfg.database.max_connections, cfg.database.connect_timeout.get()).await?;
        let applied = db.migrate().await?;
        if !applied.is_empty() {
            tracing::info!(versions = ?applied, "Applied database migrations.");
        }
        let storage = Storage::from_config(&cfg).await?;
        let queue = Queue::connect(&cfg).await?;
        let scanner = match cfg.scan.mode {
            ScanMode::Required => Some(Scanner::new(&cfg.scan)?),
            ScanMode::Off => None,
        };
        let cpu = CpuPool::new(cfg.cpu_threads());
        let workdir = WorkRoot::new(&cfg.temp_dir())?;
        let video_concurrency = cfg.video.concurrency;
        Ok(Arc::new(App {
            cfg: Arc::new(cfg),
            db,
            storage,
            queue,
            scanner,
            cpu,
            workdir,
            metrics: Metrics::new(),
            health: crate::http::Health::default(),
            video_slots: tokio::sync::Semaphore::new(video_concurrency),
        }))
    }

    /// Announces a terminal state, at least once and normally exactly once: one entry on the
    /// `{namespace}:events` stream and the job's webhook, read back from the database so they
    /// say exactly what `uploadd status` says, then remembered in `announced_status`. A crash
    /// before that mark means the re-delivered job announces it (see `pipeline`). Best effort:
    /// failures are logged; the upload's state is already committed.
    pub async fn notify_terminal(&self, id: Uuid) {
        let id = id.to_string();
        let rec = match self.db.get(&id).await {
            Ok(Some(r)) if r.status.is_terminal() => r,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(upload = %id, error = %e, "Could not read the upload to announce its outcome.");
                return;
            }
        };
        if matches!(self.db.announced_status(&id).await, Ok(Some(s)) if s == rec.status.as_str()) {
            return;
        }
        crate::webhook::schedule(self, &rec).await;
        let fields = crate::events::stream_fields(&rec);
        let refs: Vec<(&str, String)> = fields.iter().map(|(k, v)| (*k, v.clone())).collect();
        if let Err(e) = self.queue.publish_event(&refs).await {
            tracing::warn!(upload = %id, error = %e, "Could not publish the completion event; it will be published if the job is re-delivered.");
            return;
        }
        if let Err(e) = self.db.mark_announced(&id, rec.status).await {
            tracing::warn!(upload = %id, error = %e, "Could not record the announcement.");
        }
    }
}
