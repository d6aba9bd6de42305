//! Wiring: opens every dependency from the config once and shares them as [`App`], a plain
//! container of handles. It imports only the dependency modules below it; nothing here calls
//! back into the pipeline, the worker or the HTTP listener.

use std::sync::Arc;

use crate::config::{Config, ScanMode, redact_url};
use crate::db::{Db, DbError};
use crate::metrics::Metrics;
use crate::queue::{Queue, QueueError};
use crate::scan::{ScanError, Scanner};
use crate::storage::{Storage, StorageError};
use crate::workdir::{CpuPool, MemoryBudget, WorkRoot, WorkdirError, default_memory_budget};

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
    /// Memory-weighted admission for decoding (`worker.memory_budget`).
    pub memory: MemoryBudget,
    pub workdir: WorkRoot,
    pub metrics: Metrics,
    pub health: crate::health::Health,
    /// Transcodes at once (`video.concurrency`), separate from image work.
    pub video_slots: tokio::sync::Semaphore,
    /// Which dependencies are down (the worker fetches nothing while one is).
    pub breakers: crate::breaker::Breakers,
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
        let budget = match cfg.worker.memory_budget.bytes() {
            0 => default_memory_budget(),
            b => b,
        };
        let memory = MemoryBudget::new(budget);
        let workdir = WorkRoot::new(&cfg.temp_dir())?;
        let video_concurrency = cfg.video.concurrency;
        Ok(Arc::new(App {
            cfg: Arc::new(cfg),
            db,
            storage,
            queue,
            scanner,
            cpu,
            memory,
            workdir,
            metrics: Metrics::new(),
            health: crate::health::Health::default(),
            video_slots: tokio::sync::Semaphore::new(video_concurrency),
            breakers: crate::breaker::Breakers::default(),
        }))
    }
}
