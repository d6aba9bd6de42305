//! `uploadd run`: the worker plus the daemon's background duties, tied to one shutdown.
//!
//! Shutdown order: a signal cancels the token → the worker stops fetching and drains (within
//! `worker.shutdown_grace`) → background tasks stop → exit 0. If the worker loop ends without
//! a signal, that is a failure: the daemon exits non-zero so systemd restarts it.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::ScanMode;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
    #[error("the worker stopped without being asked to: {0}")]
    WorkerDied(String),
}

/// Runs until SIGTERM/SIGINT. `Ok` only for a requested, clean stop.
pub async fn run(app: Arc<App>) -> Result<(), DaemonError> {
    if app.cfg.scan.mode == ScanMode::Off {
        tracing::warn!(
            "VIRUS SCANNING IS OFF (scan.mode = \"off\"): uploads are processed without a ClamAV scan. Set scan.mode = \"required\" in production."
        );
    }
    tracing::info!(
        storage = %app.storage.describe(),
        queue = app.queue.describe(),
        database = if app.db.is_sqlite() { "sqlite" } else { "postgres" },
        "uploadd starting."
    );
    let shutdown = CancellationToken::new();
    let signals = spawn_signal_handler(shutdown.clone())?;
    let sampler = tokio::spawn(sample_queue(app.clone(), shutdown.child_token()));
    let name = crate::worker::worker_name();
    let result = crate::worker::run(app.clone(), name, shutdown.clone()).await;
    let requested = shutdown.is_cancelled();
    shutdown.cancel();
    sampler.abort();
    signals.abort();
    match result {
        Ok(_) if requested => {
            tracing::info!("uploadd stopped.");
            Ok(())
        }
        Ok(exit) => Err(DaemonError::WorkerDied(format!("{exit:?}"))),
        Err(e) => Err(DaemonError::WorkerDied(e.to_string())),
    }
}

fn spawn_signal_handler(
    shutdown: CancellationToken,
) -> Result<tokio::task::JoinHandle<()>, DaemonError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(DaemonError::Signals)?;
    let mut int = signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?;
    Ok(tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received; shutting down gracefully."),
            _ = int.recv() => tracing::info!("SIGINT received; shutting down gracefully."),
        }
        shutdown.cancel();
    }))
}

/// Samples queue depth into the metrics every few seconds.
async fn sample_queue(app: Arc<App>, stop: CancellationToken) {
    loop {
        match app.queue.stats().await {
            Ok(s) => {
                let g = &app.metrics.queue_jobs;
                g.with_label_values(&["pending"])
                    .set(i64::try_from(s.pending).unwrap_or(i64::MAX));
                g.with_label_values(&["scheduled"])
                    .set(i64::try_from(s.scheduled).unwrap_or(i64::MAX));
                g.with_label_values(&["running"])
                    .set(i64::try_from(s.running).unwrap_or(i64::MAX));
                g.with_label_values(&["dead"])
                    .set(i64::try_from(s.dead).unwrap_or(i64::MAX));
                let age = if s.oldest_pending_ms > 0 {
                    (crate::units::now_ms() - s.oldest_pending_ms).max(0) as f64 / 1000.0
                } else {
                    0.0
                };
                app.metrics.queue_oldest_age.set(age);
            }
            Err(e) => tracing::debug!(error = %e, "Sampling queue depth failed."),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}
