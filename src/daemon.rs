//! `uploadd run`: the worker plus the daemon's background duties, tied to one shutdown.
//!
//! Start order: HTTP listener (a taken port fails fast) → worker → background tasks (queue
//! sampler, webhook dispatcher, systemd watchdog, sweep schedules) → `READY=1`.
//! Shutdown order: SIGTERM/SIGINT → `STOPPING=1` → the worker stops fetching and drains within
//! `worker.shutdown_grace` → background tasks stop → exit 0. If the worker loop ends without a
//! signal, the daemon exits non-zero so systemd restarts it. SIGHUP re-reads the config file
//! and applies `log.level`; every other setting needs a restart (and the daemon says so).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::{Config, ScanMode};
use crate::telemetry::LevelHandle;

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("cannot install signal handlers: {0}")]
    Signals(std::io::Error),
    #[error(transparent)]
    Http(#[from] crate::http::HttpError),
    #[error("the worker stopped without being asked to: {0}")]
    WorkerDied(String),
    #[error(
        "the worker did not stop within worker.shutdown_grace + {}s of the stop signal (wedged?); exiting anyway — the queue hands its jobs to another worker when their leases expire",
        STOP_MARGIN.as_secs()
    )]
    StopTimedOut,
}

/// How long past `worker.shutdown_grace` a stop may take before the daemon gives up on a
/// wedged worker and exits anyway (leases make its jobs recoverable).
const STOP_MARGIN: Duration = Duration::from_secs(15);

/// What SIGHUP needs to re-read the configuration.
pub struct Reload {
    pub handle: Option<LevelHandle>,
    pub config_path: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    /// `--lanes`, which overrides the file's `worker.lanes` on a reload as it did at start.
    pub lanes: Option<Vec<String>>,
}

/// The daemon's signal streams, installed before anything else starts: a SIGTERM during
/// start-up (a database that takes its time to answer, say) must stop the start cleanly, not
/// kill the process with the default action.
pub struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn install() -> Result<Signals, DaemonError> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate()).map_err(DaemonError::Signals)?,
            int: signal(SignalKind::interrupt()).map_err(DaemonError::Signals)?,
            hup: signal(SignalKind::hangup()).map_err(DaemonError::Signals)?,
        })
    }

    /// Resolves at SIGTERM or SIGINT (SIGHUP during start-up is ignored).
    pub async fn stop_requested(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

/// Runs until SIGTERM/SIGINT. `Ok` only for a requested, clean stop.
pub async fn run(app: Arc<App>, reload: Reload, signals: Signals) -> Result<(), DaemonError> {
    if app.cfg.scan.mode == ScanMode::Off {
        tracing::warn!(
            "VIRUS SCANNING IS OFF (scan.mode = \"off\"): uploads are processed without a ClamAV scan. Set scan.mode = \"required\" in production."
        );
    }
    let wants_video = app.cfg.profiles.values().any(|p| p.accepts(crate::formats::Family::Video));
    if wants_video && let Err(e) = crate::pipeline::video::check_tools(&app.cfg.video).await {
        tracing::error!(problem = %e, "A profile accepts video but the video tools are not usable: video uploads will fail until this is fixed (`uploadd check-config` reports it).");
    }
    tracing::info!(
        storage = %app.storage.describe(),
        queue = app.queue.describe(),
        database = if app.db.is_sqlite() { "sqlite" } else { "postgres" },
        "uploadd starting."
    );
    let shutdown = CancellationToken::new();
    // Background duties outlive the signal: they keep running while in-flight jobs drain.
    let background = CancellationToken::new();
    let http = if app.cfg.http.listen.is_empty() {
        None
    } else {
        Some(crate::http::serve(app.clone(), &app.cfg.http.listen, background.clone()).await?)
    };
    let signals = spawn_signal_handler(shutdown.clone(), reload, app.cfg.clone(), signals);
    let name = crate::worker::worker_name();
    let mut worker = tokio::spawn(crate::worker::run(app.clone(), name.clone(), shutdown.clone()));
    let tasks = [
        tokio::spawn(sample_queue(app.clone(), background.clone())),
        tokio::spawn(crate::webhook::run_dispatcher(app.clone(), background.clone())),
        tokio::spawn(crate::announce::run_outbox(app.clone(), background.clone())),
        tokio::spawn(run_doctor(app.clone(), background.clone())),
        tokio::spawn(watchdog(app.clone(), background.clone())),
        // Sweeps stop with the signal (a sweep is not a job: it resumes on the next schedule).
        tokio::spawn(crate::sweep::scheduler(app.clone(), name, shutdown.clone())),
    ];
    notify(&[sd_notify::NotifyState::Ready, sd_notify::NotifyState::Status("processing uploads")]);
    // A wedged worker must not make the daemon deaf to SIGTERM: past the grace and a margin,
    // it is abandoned.
    let stop_limit = app.cfg.worker.shutdown_grace.get() + STOP_MARGIN;
    let result = tokio::select! {
        r = &mut worker => r,
        _ = async { shutdown.cancelled().await; tokio::time::sleep(stop_limit).await } => {
            tracing::error!("{}", DaemonError::StopTimedOut);
            worker.abort();
            background.cancel();
            for t in tasks {
                t.abort();
            }
            signals.abort();
            return Err(DaemonError::StopTimedOut);
        }
    };
    let requested = shutdown.is_cancelled();
    shutdown.cancel();
    background.cancel();
    for t in tasks {
        let _ = t.await;
    }
    if let Some(h) = http {
        let _ = h.await;
    }
    signals.abort();
    match result {
        Ok(Ok(_)) if requested => {
            tracing::info!("uploadd stopped.");
            Ok(())
        }
        Ok(Ok(exit)) => Err(DaemonError::WorkerDied(format!("{exit:?}"))),
        Ok(Err(e)) => Err(DaemonError::WorkerDied(e.to_string())),
        Err(e) => Err(DaemonError::WorkerDied(e.to_string())),
    }
}

/// `sd_notify` when running under systemd (`NOTIFY_SOCKET` set); a no-op otherwise.
fn notify(states: &[sd_notify::NotifyState<'_>]) {
    if std::env::var_os("NOTIFY_SOCKET").is_some()
        && let Err(e) = sd_notify::notify(states)
    {
        tracing::warn!(error = %e, "sd_notify failed.");
    }
}

fn spawn_signal_handler(
    shutdown: CancellationToken,
    reload: Reload,
    current: Arc<Config>,
    signals: Signals,
) -> tokio::task::JoinHandle<()> {
    let Signals { mut term, mut int, mut hup } = signals;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => { tracing::info!("SIGTERM received; shutting down gracefully."); break; }
                _ = int.recv() => { tracing::info!("SIGINT received; shutting down gracefully."); break; }
                _ = hup.recv() => reload_config(&reload, &current),
            }
        }
        notify(&[sd_notify::NotifyState::Stopping]);
        shutdown.cancel();
    })
}

fn reload_config(reload: &Reload, current: &Config) {
    notify(&[sd_notify::NotifyState::Reloading]);
    match Config::load(reload.config_path.as_deref(), reload.data_dir.as_deref()) {
        Err(e) => {
            tracing::error!(error = %e, "SIGHUP: the configuration is invalid; keeping the running one.")
        }
        Ok(new) => {
            if let Some(h) = &reload.handle {
                match tracing_subscriber::EnvFilter::try_new(&new.log.level) {
                    Ok(f) => match h.reload(f) {
                        Ok(()) => {
                            tracing::info!(level = %new.log.level, "SIGHUP: log level reloaded.")
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "SIGHUP: could not change the log level.")
                        }
                    },
                    Err(e) => tracing::warn!(error = %e, "SIGHUP: invalid log.level."),
                }
            }
            let mut a = new.clone();
            a.log = current.log.clone();
            // `--lanes` overrides the file's lanes, now as at start.
            if let Some(lanes) = &reload.lanes {
                a.worker.lanes.clone_from(lanes);
            }
            if a.redacted_toml() != current.redacted_toml() {
                tracing::warn!(
                    "SIGHUP: only log.level is reloaded; other changed settings take effect after a restart."
                );
            }
        }
    }
    notify(&[sd_notify::NotifyState::Ready]);
}

/// Proves the runtime is alive: ticks every second and, under systemd with `WatchdogSec=`,
/// pings the watchdog only while the daemon is healthy, so a wedged daemon gets restarted.
async fn watchdog(app: Arc<App>, stop: CancellationToken) {
    let interval =
        if std::env::var_os("NOTIFY_SOCKET").is_some() { sd_notify::watchdog_enabled().map(|d| d / 2) } else { None };
    let tick = interval.unwrap_or(Duration::from_secs(1)).min(Duration::from_secs(1));
    let stall = crate::health::Health::stall_limit(&app.cfg.queue);
    let mut last_ping = std::time::Instant::now();
    loop {
        app.health.tick();
        if let Some(every) = interval
            && last_ping.elapsed() >= every
        {
            match app.health.problem(stall) {
                None => notify(&[sd_notify::NotifyState::Watchdog]),
                Some(p) => {
                    tracing::error!(problem = %p, "Unhealthy: withholding the systemd watchdog ping.")
                }
            }
            last_ping = std::time::Instant::now();
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(tick) => {}
        }
    }
}

/// Samples queue depth every few seconds and dependency readiness every 15 s, so the gauges
/// (and the alerts on them) stay current even when nobody calls `/readyz`.
async fn sample_queue(app: Arc<App>, stop: CancellationToken) {
    let mut last_readiness: Option<std::time::Instant> = None;
    loop {
        if last_readiness.is_none_or(|t| t.elapsed() >= Duration::from_secs(15)) {
            // clamd's self-test runs at start and whenever it is due, not only when a scan
            // needs it: readiness reports whether clamd can be trusted right now.
            if let Some(s) = &app.scanner
                && s.trusted().is_err()
                && let Err(e) = s.check().await
            {
                tracing::debug!(error = %e, "clamd check failed.");
            }
            crate::http::readiness(&app).await;
            last_readiness = Some(std::time::Instant::now());
        }
        match app.queue.stats().await {
            Ok(s) => {
                let g = &app.metrics.queue_jobs;
                g.with_label_values(&["pending"]).set(i64::try_from(s.pending).unwrap_or(i64::MAX));
                g.with_label_values(&["scheduled"]).set(i64::try_from(s.scheduled).unwrap_or(i64::MAX));
                g.with_label_values(&["running"]).set(i64::try_from(s.running).unwrap_or(i64::MAX));
                g.with_label_values(&["dead"]).set(i64::try_from(s.dead).unwrap_or(i64::MAX));
                for (p, n) in crate::queue::PRIORITIES.iter().zip(s.pending_by_priority) {
                    app.metrics.queue_pending.with_label_values(&[p]).set(i64::try_from(n).unwrap_or(i64::MAX));
                }
                for (lane, n) in crate::queue::Lane::ALL.iter().zip(s.pending_by_lane) {
                    let gauge = app.metrics.queue_lane_pending.with_label_values(&[lane.as_str()]);
                    gauge.set(i64::try_from(n).unwrap_or(i64::MAX));
                }
                for (lane, n) in crate::queue::Lane::ALL.iter().zip(s.live_workers_by_lane) {
                    let gauge = app.metrics.queue_lane_live_workers.with_label_values(&[lane.as_str()]);
                    gauge.set(i64::try_from(n).unwrap_or(i64::MAX));
                }
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

/// The checks of `uploadd doctor`, at start and every hour, as `uploadd_doctor_check_ok`;
/// failures are logged with their fix.
async fn run_doctor(app: Arc<App>, stop: CancellationToken) {
    loop {
        let deps = crate::doctor::Deps {
            cfg: &app.cfg,
            db: Ok(&app.db),
            queue: Ok(&app.queue),
            storage: Ok(&app.storage),
            scanner: app.scanner.as_ref(),
        };
        for c in crate::doctor::diagnose(deps).await {
            let ok = c.level != crate::doctor::Level::Fail;
            app.metrics.doctor_check_ok.with_label_values(&[c.check.as_str()]).set(i64::from(ok));
            if !ok {
                tracing::error!(check = %c.check, found = %c.found, fix = c.fix.as_deref().unwrap_or(""), "A doctor check failed.");
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}
