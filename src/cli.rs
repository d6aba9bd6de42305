//! Command-line interface: one function per subcommand.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use uuid::Uuid;

use uploadd::app::App;
use uploadd::config::Config;
use uploadd::db::UploadRecord;
use uploadd::demo::{self, DemoRow};
use uploadd::producer::{self, EnqueueOptions};
use uploadd::sweep::{SweepKind, SweepReport};

#[derive(Debug, Parser)]
#[command(name = "uploadd", version, about = "Turns raw uploads into safe, ready-to-serve media.")]
pub struct Cli {
    /// Config file (TOML). Without one, the embedded default is used.
    #[arg(long, global = true, env = "UPLOADD_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory of the embedded mode (SQLite database and queue, local store, temp files).
    #[arg(long, global = true, env = "UPLOADD_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon: take jobs from the queue until SIGTERM/SIGINT.
    Run {
        /// Serve only these lanes (`image`, `video`, comma-separated): e.g. video work on a
        /// separate, bigger machine. Overrides `worker.lanes`.
        #[arg(long, value_delimiter = ',', value_name = "LANE")]
        lanes: Vec<String>,
    },
    /// Put a local file under the incoming prefix and enqueue it; prints the upload id last.
    Enqueue {
        path: PathBuf,
        #[arg(long)]
        profile: String,
        /// Upload id to use (a UUID); generated when absent.
        #[arg(long)]
        id: Option<Uuid>,
        /// The Content-Type the client claimed (checked against the real type).
        #[arg(long, value_name = "MIME")]
        declared_type: Option<String>,
        /// Metadata to carry along, `key=value` (repeatable).
        #[arg(long = "meta", value_name = "KEY=VALUE")]
        metadata: Vec<String>,
        /// Webhook to call with the outcome (host must be allowed in config).
        #[arg(long, value_name = "URL")]
        callback_url: Option<String>,
        /// Served before normal and low (weighted, see `queue.priority_mode`).
        #[arg(long, value_parser = ["high", "normal", "low"])]
        priority: Option<String>,
        /// Served round-robin with other tenants of the same priority.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Show an upload's state (from the database).
    Status {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Embedded quick start: process files (or generated samples) in-process and report.
    Demo {
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = "default")]
        profile: String,
        /// Give up waiting after this many seconds.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Run a clean-up sweep now: abort stale multipart uploads, remove orphaned objects, or
    /// remove abandoned temp files.
    Sweep {
        #[arg(value_enum)]
        kind: SweepArg,
        /// Change nothing; print exactly what a real run would do.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// Operator tools: list, inspect, retry and cancel uploads.
    Jobs {
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Check how the services around uploadd are configured — Redis, the database, S3, clamd,
    /// ffmpeg, the temp disk, risky settings — and say exactly what to fix. Exits 1 on any
    /// failed check.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Validate the configuration and print it with secrets redacted.
    CheckConfig,
    /// Internal: decode a HEIC/AVIF file into raw pixels (the daemon runs this as a confined
    /// child process; it reads no configuration).
    #[command(hide = true)]
    HeifDecode {
        #[arg(long)]
        max_pixels: u64,
        #[arg(long, default_value_t = 2)]
        threads: i32,
        input: PathBuf,
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum JobsAction {
    /// Most recently updated uploads, optionally of one status.
    List {
        #[arg(long, value_parser = ["queued", "processing", "retrying", "ready", "rejected", "failed", "cancelled"])]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only this tenant's jobs waiting in the queue (in the order they will run).
        #[arg(long, conflicts_with = "status")]
        tenant: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Queue depth by state and priority, and the tenants with the most waiting jobs.
    Stats {
        /// How many tenants to list.
        #[arg(long, default_value_t = 10)]
        top: usize,
        #[arg(long)]
        json: bool,
    },
    /// Everything known about one upload: its row, its queue entry, its webhook.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Re-queue a failed, cancelled or rejected upload (or every failed one).
    Retry {
        #[arg(required_unless_present = "all_failed", conflicts_with = "all_failed")]
        id: Option<String>,
        #[arg(long)]
        all_failed: bool,
        /// Only say what would be retried.
        #[arg(long)]
        dry_run: bool,
    },
    /// Cancel an upload that has not finished.
    Cancel { id: String },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SweepArg {
    Multipart,
    Orphans,
    Temp,
}

fn load_config(cli: &Cli) -> Result<Config> {
    Config::load(cli.config.as_deref(), cli.data_dir.as_deref()).context("invalid configuration")
}

/// `uploadd heif-decode`: runs before any runtime, logging or configuration exists. Prints one
/// `heif-decode: <kind>: <message>` line on failure (the daemon maps `<kind>` to a reason).
pub fn heif_decode(cli: &Cli) -> Option<ExitCode> {
    let Command::HeifDecode { max_pixels, threads, input, output } = &cli.command else {
        return None;
    };
    Some(match uploadd::media::heif::decode_to_file(input, output, *max_pixels, *threads) {
        Ok(()) => ExitCode::SUCCESS,
        Err((kind, msg)) => {
            eprintln!("heif-decode: {}: {}", kind.tag(), msg.replace('\n', " "));
            ExitCode::from(65)
        }
    })
}

pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let mut cfg = load_config(&cli)?;
    let Cli { config, data_dir, command } = cli;
    if let Command::Run { lanes } = &command
        && !lanes.is_empty()
    {
        cfg.worker.lanes.clone_from(lanes);
        cfg.served_lanes().context("invalid --lanes")?;
    }
    match command {
        Command::CheckConfig => check_config(cfg).await,
        Command::HeifDecode { .. } => Err(anyhow::anyhow!("heif-decode runs before the configuration is loaded")),
        Command::Doctor { json } => {
            uploadd::telemetry::init(&cfg.log, Some("error"));
            doctor(cfg, json).await
        }
        Command::Run { lanes } => {
            let handle = uploadd::telemetry::init(&cfg.log, None);
            // Signal handlers before anything else: a stop while connecting is a clean stop.
            let mut signals = uploadd::daemon::Signals::install()?;
            let app = tokio::select! {
                app = App::open(cfg) => app.context("cannot start")?,
                _ = signals.stop_requested() => {
                    tracing::info!("Stop requested during start-up; closed what was opened.");
                    return Ok(ExitCode::SUCCESS);
                }
            };
            let lanes = (!lanes.is_empty()).then_some(lanes);
            let reload = uploadd::daemon::Reload { handle, config_path: config, data_dir, lanes };
            match uploadd::daemon::run(app, reload, signals).await {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e @ uploadd::daemon::DaemonError::StopTimedOut) => {
                    // Dropping the runtime would wait for the wedged work: leave now.
                    eprintln!("error: {e}");
                    std::process::exit(1);
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Sweep { kind, dry_run, json } => {
            uploadd::telemetry::init(&cfg.log, Some("warn"));
            let app = App::open(cfg).await.context("cannot start")?;
            let kind = match kind {
                SweepArg::Multipart => SweepKind::Multipart,
                SweepArg::Orphans => SweepKind::Orphans,
                SweepArg::Temp => SweepKind::Temp,
            };
            let holder = format!("cli-{}", uploadd::worker::worker_name());
            let report = uploadd::sweep::run(&app, kind, dry_run, &holder).await?;
            if json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print_sweep(&report);
            }
            Ok(if report.outcome == "failed" { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Jobs { action } => {
            uploadd::telemetry::init(&cfg.log, Some("warn"));
            let app = App::open(cfg).await.context("cannot start")?;
            jobs(&app, action).await
        }
        Command::Migrate => {
            uploadd::telemetry::init(&cfg.log, Some("warn"));
            std::fs::create_dir_all(&cfg.data_dir)
                .with_context(|| format!("cannot create {}", cfg.data_dir.display()))?;
            let db = uploadd::db::Db::connect(
                &cfg.database_url(),
                cfg.database.max_connections,
                cfg.database.connect_timeout.get(),
            )
            .await
            .context("cannot connect to the database")?;
            let applied = db.migrate().await.context("migration failed")?;
            let kind = if db.is_sqlite() { "sqlite" } else { "postgres" };
            if applied.is_empty() {
                println!("database is up to date ({kind}); no migration to apply");
            } else {
                let list: Vec<String> = applied.iter().map(i64::to_string).collect();
                println!(
                    "applied {} migration(s) ({}); database is up to date ({kind})",
                    applied.len(),
                    list.join(", ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Enqueue { path, profile, id, declared_type, metadata, callback_url, priority, tenant } => {
            uploadd::telemetry::init(&cfg.log, Some("warn"));
            let mut meta = std::collections::BTreeMap::new();
            for kv in metadata {
                let Some((k, v)) = kv.split_once('=') else {
                    bail!("--meta expects KEY=VALUE, got {kv:?}");
                };
                meta.insert(k.to_owned(), v.to_owned());
            }
            let app = App::open(cfg).await.context("cannot start")?;
            let id = producer::enqueue_file(
                &app,
                &path,
                &profile,
                EnqueueOptions { upload_id: id, declared_type, metadata: meta, callback_url, priority, tenant },
            )
            .await?;
            println!("{id}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { id, json } => {
            uploadd::telemetry::init(&cfg.log, Some("warn"));
            let app = App::open(cfg).await.context("cannot start")?;
            status(&app, &id, json).await
        }
        Command::Demo { files, json, profile, timeout } => {
            uploadd::telemetry::init(&cfg.log, Some("warn"));
            run_demo(cfg, files, json, &profile, Duration::from_secs(timeout)).await
        }
    }
}

async fn doctor(cfg: Config, json: bool) -> Result<ExitCode> {
    use uploadd::doctor::{Deps, diagnose, failed, render};
    // Each service is opened on its own, so one that is down is reported, not fatal.
    std::fs::create_dir_all(&cfg.data_dir).with_context(|| format!("cannot create {}", cfg.data_dir.display()))?;
    let db = uploadd::db::Db::connect(&cfg.database_url(), 2, cfg.database.connect_timeout.get())
        .await
        .map_err(|e| e.to_string());
    let queue = uploadd::queue::Queue::connect(&cfg).await.map_err(|e| e.to_string());
    let storage = uploadd::storage::Storage::from_config(&cfg).await.map_err(|e| e.to_string());
    let scanner = match cfg.scan.mode {
        uploadd::config::ScanMode::Required => uploadd::scan::Scanner::new(&cfg.scan).ok(),
        uploadd::config::ScanMode::Off => None,
    };
    let deps = Deps {
        cfg: &cfg,
        db: db.as_ref().map_err(Clone::clone),
        queue: queue.as_ref().map_err(Clone::clone),
        storage: storage.as_ref().map_err(Clone::clone),
        scanner: scanner.as_ref(),
    };
    let checks = diagnose(deps).await;
    if json {
        println!("{}", serde_json::to_string(&checks)?);
    } else {
        print!("{}", render(&checks));
    }
    Ok(if failed(&checks) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

async fn check_config(cfg: Config) -> Result<ExitCode> {
    print!("{}", cfg.redacted_toml());
    let wants_video = cfg.profiles.values().any(|p| p.accepts(uploadd::formats::Family::Video));
    if wants_video {
        match uploadd::pipeline::video::check_tools(&cfg.video).await {
            Ok(found) => eprintln!("video: {found}"),
            Err(e) => bail!(
                "a profile accepts video, but {e} (install ffmpeg with libx264, set video.ffmpeg/video.ffprobe, or remove video types from allowed_types)"
            ),
        }
    }
    eprintln!("configuration is valid");
    Ok(ExitCode::SUCCESS)
}

async fn status(app: &Arc<App>, id: &str, json: bool) -> Result<ExitCode> {
    let Ok(uuid) = Uuid::parse_str(id) else {
        bail!("{id:?} is not an upload id (a UUID)");
    };
    let id = uuid.to_string();
    if let Some(rec) = app.db.get(&id).await? {
        let webhook = app.db.webhook_status(&id).await?;
        if json {
            let mut v = serde_json::to_value(&rec)?;
            if let (Some(obj), Some(w)) = (v.as_object_mut(), webhook) {
                obj.insert("webhook".into(), serde_json::to_value(w)?);
            }
            println!("{v}");
        } else {
            print_record(&rec);
            if let Some(w) = webhook {
                println!(
                    "webhook:   {} after {} attempt(s){}",
                    w.status,
                    w.attempts,
                    w.last_error.map(|e| format!(" (last error: {})", p(&e))).unwrap_or_default()
                );
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Enqueued by another producer and not yet picked up: the queue knows it.
    if let Some(task) = app.queue.find(&id).await? {
        if json {
            println!("{}", serde_json::json!({"id": id, "status": "queued", "queue_state": task.state}));
        } else {
            println!("id:      {id}\nstatus:  queued (waiting in the queue; no worker has taken it yet)");
        }
        return Ok(ExitCode::SUCCESS);
    }
    bail!("no upload with id {id}")
}

fn upload_id_arg(id: &str) -> Result<String> {
    Uuid::parse_str(id).map(|u| u.to_string()).map_err(|_| anyhow::anyhow!("{id:?} is not an upload id (a UUID)"))
}

async fn jobs(app: &Arc<App>, action: JobsAction) -> Result<ExitCode> {
    match action {
        JobsAction::List { tenant: Some(tenant), limit, json, .. } => {
            let tasks = app.queue.list_tenant(&tenant, limit as usize).await?;
            if json {
                for t in &tasks {
                    println!("{}", serde_json::to_string(t)?);
                }
            } else {
                let table: Vec<[String; 6]> = tasks
                    .iter()
                    .map(|t| {
                        [
                            p(&t.id),
                            t.state.clone(),
                            t.priority.clone().unwrap_or_else(|| "normal".into()),
                            t.lane.clone(),
                            t.attempts.to_string(),
                            p(t.last_error.as_deref().unwrap_or("")),
                        ]
                    })
                    .collect();
                print_columns(["TASK ID", "STATE", "PRIORITY", "LANE", "ATTEMPTS", "LAST ERROR"], &table);
                eprintln!("{} job(s) of tenant {} waiting", tasks.len(), p(&tenant));
            }
            Ok(ExitCode::SUCCESS)
        }
        JobsAction::Stats { top, json } => {
            let s = app.queue.stats_with_tenants(top).await?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!(
                    "pending:   {} (high {}, normal {}, low {})",
                    s.pending, s.pending_by_priority[0], s.pending_by_priority[1], s.pending_by_priority[2]
                );
                println!(
                    "lanes:     image {} ({} live worker loops), video {} ({} live)",
                    s.pending_by_lane[0], s.live_workers_by_lane[0], s.pending_by_lane[1], s.live_workers_by_lane[1]
                );
                println!(
                    "scheduled: {}\nrunning:   {}\ndead:      {}\nworkers:   {}",
                    s.scheduled, s.running, s.dead, s.workers
                );
                if s.oldest_pending_ms > 0 {
                    let age = (uploadd::units::now_ms() - s.oldest_pending_ms).max(0) / 1000;
                    println!("oldest:    waiting {age} s");
                }
                if !s.top_tenants.is_empty() {
                    let table: Vec<[String; 2]> = s
                        .top_tenants
                        .iter()
                        .map(|(t, n)| [if t.is_empty() { "(default)".into() } else { p(t) }, n.to_string()])
                        .collect();
                    print_columns(["TENANT", "WAITING"], &table);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        JobsAction::List { status, limit, json, tenant: None } => {
            let status = status.as_deref().and_then(uploadd::db::Status::parse);
            let mut rows = app.db.list(status, limit).await?;
            // Jobs producers pushed that no worker has taken yet have no row: the queue has them.
            if status.is_none_or(|s| s == uploadd::db::Status::Queued) {
                let waiting = uploadd::admin::queued_without_row(app, limit as usize).await?;
                rows.extend(waiting);
                rows.truncate(limit as usize);
            }
            if json {
                for r in &rows {
                    println!("{}", serde_json::to_string(r)?);
                }
            } else {
                let table: Vec<[String; 6]> = rows
                    .iter()
                    .map(|r| {
                        [
                            p(&r.id),
                            r.status.to_string(),
                            r.attempts.to_string(),
                            r.updated_at.get(..19).unwrap_or(&r.updated_at).to_owned(),
                            p(r.reason_code.as_deref().unwrap_or("-")),
                            p(r.reason.as_deref().unwrap_or("")),
                        ]
                    })
                    .collect();
                print_columns(["UPLOAD ID", "STATUS", "ATTEMPTS", "UPDATED", "CODE", "REASON"], &table);
                eprintln!("{} upload(s)", rows.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        JobsAction::Show { id, json } => {
            let d = uploadd::admin::show(app, &upload_id_arg(&id)?).await?;
            if json {
                println!("{}", serde_json::to_string(&d)?);
            } else {
                print_record(&d.upload);
                match &d.queue {
                    Some(q) => println!(
                        "queue:     {} (attempts {}, deliveries {}){}",
                        q.state,
                        q.attempts,
                        q.deliveries,
                        q.last_error.as_ref().map(|e| format!(", last error: {}", p(e))).unwrap_or_default()
                    ),
                    None => println!("queue:     (not in the queue)"),
                }
                if let Some(w) = &d.webhook {
                    println!("webhook:   {} after {} attempt(s) to {}", w.status, w.attempts, p(&w.url));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        JobsAction::Retry { id, all_failed, dry_run } => {
            let ids: Vec<String> = match id {
                Some(id) => vec![upload_id_arg(&id)?],
                None => {
                    debug_assert!(all_failed);
                    app.db.list(Some(uploadd::db::Status::Failed), u32::MAX).await?.into_iter().map(|r| r.id).collect()
                }
            };
            let mut failures = 0;
            for id in &ids {
                match uploadd::admin::retry(app, id, dry_run).await {
                    Ok(()) => println!("{} {id}", if dry_run { "would retry" } else { "retried" }),
                    Err(e) => {
                        failures += 1;
                        eprintln!("uploadd: error: {e}");
                    }
                }
            }
            if ids.is_empty() {
                println!("no failed uploads");
            }
            Ok(if failures > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        JobsAction::Cancel { id } => {
            let id = upload_id_arg(&id)?;
            uploadd::admin::cancel(app, &id).await?;
            println!("cancelled {id}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Input-derived text made safe for a terminal (control characters escaped, length capped).
fn p(s: &str) -> String {
    uploadd::units::printable(s, 500)
}

/// Rows under a header, each column as wide as its widest cell (the last one unpadded).
fn print_columns<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        println!("{}", out.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

fn print_sweep(r: &SweepReport) {
    let verb = if r.dry_run { "would remove" } else { "removed" };
    println!(
        "sweep {}{}: {} — examined {}, {verb} {}, kept {}, errors {}",
        r.sweep.as_str(),
        if r.dry_run { " (dry run)" } else { "" },
        r.outcome,
        r.examined,
        r.removed,
        r.kept,
        r.errors
    );
    for x in &r.removals {
        println!("  {verb}: {}  ({})", p(&x.key), x.reason);
    }
    for (reason, n) in &r.kept_by_reason {
        println!("  kept {n}: {reason}");
    }
    if r.dangling_count > 0 {
        println!("  dangling (rows whose objects are missing; not touched): {}", r.dangling_count);
        for k in &r.dangling {
            println!("    {}", p(k));
        }
    }
    for n in &r.notes {
        println!("  note: {n}");
    }
    for e in &r.error_messages {
        println!("  error: {}", p(e));
    }
}

fn print_record(r: &UploadRecord) {
    println!("id:        {}", p(&r.id));
    println!("status:    {}", r.status);
    if let Some(reason) = &r.reason {
        println!("reason:    {} ({})", p(reason), p(r.reason_code.as_deref().unwrap_or("-")));
    }
    println!("profile:   {}", p(&r.profile));
    println!("source:    {}", p(&r.source_key));
    if let Some(name) = &r.original_filename {
        println!("filename:  {}", p(name));
    }
    if let Some(t) = &r.detected_type {
        println!("type:      {}", p(t));
    }
    if let Some(b) = r.bytes {
        println!("bytes:     {b}");
    }
    if let Some(p) = r.progress {
        println!("progress:  {p}%");
    }
    println!("attempts:  {}", r.attempts);
    if let Some(n) = &r.next_attempt_at {
        println!("next try:  {n}");
    }
    println!("updated:   {}", r.updated_at);
    for o in &r.outputs {
        println!(
            "output:    {:<8} {}  {}  {}x{}  {} bytes",
            o.variant,
            o.key,
            o.content_type,
            o.width.map_or("-".into(), |w| w.to_string()),
            o.height.map_or("-".into(), |h| h.to_string()),
            o.bytes
        );
    }
}

async fn run_demo(cfg: Config, files: Vec<PathBuf>, json: bool, profile: &str, timeout: Duration) -> Result<ExitCode> {
    if !cfg.profiles.contains_key(profile) {
        let known: Vec<&str> = cfg.profiles.keys().map(String::as_str).collect();
        bail!("unknown profile {profile:?} (configured: {})", known.join(", "));
    }
    let files = if files.is_empty() {
        let dir = cfg.data_dir.join("samples");
        let clip = uploadd::pipeline::video::sample_clip(&cfg.video).await;
        if clip.is_none() {
            eprintln!("note: ffmpeg not found at {}; the samples include no video clip", cfg.video.ffmpeg);
        }
        let paths = demo::write_samples(&dir, clip)?;
        eprintln!("no files given: generated {} samples in {}", paths.len(), dir.display());
        paths
    } else {
        files
    };
    if cfg.scan.mode == uploadd::config::ScanMode::Off {
        eprintln!(
            "WARNING: virus scanning is off (scan.mode = \"off\", the embedded default): these files are not scanned. Set UPLOADD_SCAN__MODE=required and UPLOADD_SCAN__CLAMD to scan them."
        );
    }
    let app = App::open(cfg).await.context("cannot start")?;
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let rows = demo::run(app, &files, profile, timeout, |done, total| draw_progress(done, total, tty)).await?;
    eprintln!();
    if json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
    } else {
        print_table(&rows);
    }
    let unfinished = rows.iter().filter(|r| !r.is_terminal()).count();
    if unfinished > 0 {
        eprintln!("{unfinished} upload(s) did not reach a terminal state within the timeout");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn draw_progress(done: usize, total: usize, tty: bool) {
    static LAST: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(usize::MAX);
    if !tty && LAST.swap(done, std::sync::atomic::Ordering::Relaxed) == done {
        return;
    }
    let width = 30;
    let filled = (done * width).checked_div(total).unwrap_or(width).min(width);
    let bar: String = "=".repeat(filled) + &" ".repeat(width - filled);
    let mut err = std::io::stderr().lock();
    if tty {
        let _ = write!(err, "\r[{bar}] {done}/{total} uploads finished");
    } else {
        let _ = writeln!(err, "[{bar}] {done}/{total} uploads finished");
    }
    let _ = err.flush();
}

fn print_table(rows: &[DemoRow]) {
    let table: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            let detail = match &r.reason {
                Some(reason) => p(reason),
                None => r
                    .outputs
                    .iter()
                    .map(|o| {
                        format!(
                            "{} {}x{}",
                            o.variant,
                            o.width.map_or("?".into(), |w| w.to_string()),
                            o.height.map_or("?".into(), |h| h.to_string())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            [
                r.id.clone(),
                p(&short_source(&r.source)),
                r.status.clone(),
                r.detected_type.clone().unwrap_or("-".into()),
                detail,
            ]
        })
        .collect();
    print_columns(["UPLOAD ID", "SOURCE", "STATUS", "TYPE", "OUTPUTS / REASON"], &table);
}

fn short_source(s: &str) -> String {
    let name = std::path::Path::new(s).file_name().and_then(|n| n.to_str()).unwrap_or(s);
    name.chars().take(40).collect()
}
