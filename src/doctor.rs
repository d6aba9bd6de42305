//! `uploadd doctor`: every check of how the services around uploadd are configured — the ones
//! that cause most outages of a setup like this — each `ok`, `warn` or `fail`, with what was
//! found and the exact fix. The daemon runs the same checks at start and every hour and
//! exports each as `uploadd_doctor_check_ok{check}`.

use std::time::Duration;

use serde::Serialize;

use crate::config::{Config, ScanMode};
use crate::db::Db;
use crate::formats::Family;
use crate::queue::{Lane, Queue, QueueStats};
use crate::scan::Scanner;
use crate::storage::Storage;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "fail",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: String,
    pub level: Level,
    pub found: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

/// The services to check; `Err` holds why one could not even be opened.
pub struct Deps<'a> {
    pub cfg: &'a Config,
    pub db: Result<&'a Db, String>,
    pub queue: Result<&'a Queue, String>,
    pub storage: Result<&'a Storage, String>,
    pub scanner: Option<&'a Scanner>,
}

struct Report(Vec<Check>);

impl Report {
    fn add(&mut self, check: &str, level: Level, found: impl Into<String>, fix: Option<String>) {
        self.0.push(Check { check: check.to_owned(), level, found: found.into(), fix });
    }
    fn ok(&mut self, check: &str, found: impl Into<String>) {
        self.add(check, Level::Ok, found, None);
    }
    fn warn(&mut self, check: &str, found: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Level::Warn, found, Some(fix.into()));
    }
    fn fail(&mut self, check: &str, found: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Level::Fail, found, Some(fix.into()));
    }
}

/// Runs every check.
pub async fn diagnose(deps: Deps<'_>) -> Vec<Check> {
    let mut r = Report(Vec::new());
    config_checks(deps.cfg, &mut r);
    queue_checks(&deps, &mut r).await;
    database_checks(&deps, &mut r).await;
    storage_checks(&deps, &mut r).await;
    clamd_checks(&deps, &mut r).await;
    ffmpeg_checks(deps.cfg, &mut r).await;
    temp_checks(deps.cfg, &mut r).await;
    r.0
}

/// Whether a report has a failure (the command exits non-zero).
pub fn failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.level == Level::Fail)
}

fn config_checks(cfg: &Config, r: &mut Report) {
    if cfg.scan.mode == ScanMode::Off {
        r.warn(
            "config.scan",
            "scan.mode = \"off\": uploads are not scanned",
            "scan.mode = \"required\" (and scan.clamd)",
        );
    } else {
        r.ok("config.scan", "scanning required");
    }
    // The retry budget: how long a job is kept trying (outages included) before it fails.
    if cfg.retry.max_age.get() < Duration::from_secs(3600) {
        r.warn(
            "config.retry",
            format!(
                "retry.max_age = {}: a dependency outage longer than that fails the jobs it holds up",
                cfg.retry.max_age
            ),
            "retry.max_age = \"24h\"",
        );
    } else {
        r.ok(
            "config.retry",
            format!(
                "jobs are retried for up to {} (retry.max_attempts = {} for their own failures)",
                cfg.retry.max_age, cfg.retry.max_attempts
            ),
        );
    }
    let video = cfg.profiles.values().any(|p| p.accepts(Family::Video));
    if video && cfg.worker.job_timeout.get() < cfg.video.timeout_floor.get() {
        r.warn(
            "config.job_timeout",
            format!(
                "worker.job_timeout = {} is below video.timeout_floor = {} (probing and posters happen inside it)",
                cfg.worker.job_timeout, cfg.video.timeout_floor
            ),
            format!("worker.job_timeout = \"{}\" or more", cfg.video.timeout_floor),
        );
    } else {
        r.ok(
            "config.job_timeout",
            format!("worker.job_timeout = {} (each ffmpeg run's own limit is added)", cfg.worker.job_timeout),
        );
    }
    let listen = &cfg.http.listen;
    let loopback = listen.parse::<std::net::SocketAddr>().is_ok_and(|a| a.ip().is_loopback());
    if !listen.is_empty() && !loopback {
        r.warn(
            "config.http",
            format!("http.listen = {listen}: /metrics and /readyz are reachable from the network"),
            "http.listen = \"127.0.0.1:9187\" (scrape through a tunnel or a reverse proxy with access control)",
        );
    } else {
        r.ok(
            "config.http",
            if listen.is_empty() { "listener disabled".to_owned() } else { format!("{listen} (loopback)") },
        );
    }
}

async fn queue_checks(deps: &Deps<'_>, r: &mut Report) {
    let q = match &deps.queue {
        Ok(q) => *q,
        Err(e) => return r.fail("queue", format!("cannot connect: {e}"), "check queue.url and that Redis runs"),
    };
    if let Err(e) = q.health_check().await {
        return r.fail("queue", format!("unreachable: {e}"), "check queue.url and that Redis runs");
    }
    match q.stats().await {
        Ok(s) => {
            let found =
                format!("{} pending, {} scheduled, {} running, {} dead", s.pending, s.scheduled, s.running, s.dead);
            if s.dead > 0 {
                r.warn(
                    "queue.depth",
                    found,
                    "see why with `uploadd jobs list --status failed`; requeue with `uploadd jobs retry`",
                );
            } else {
                r.ok("queue.depth", found);
            }
            lane_checks(&s, r);
        }
        Err(e) => r.fail("queue.depth", format!("cannot read the queue: {e}"), "check the queue user's permissions"),
    }
    let Some(d) = q.diagnose().await else {
        return r.ok("queue", "embedded SQLite queue");
    };
    r.ok("redis", format!("Redis {}", d.version.as_deref().unwrap_or("(version not reported)")));
    match d.maxmemory_policy.as_deref() {
        Some("noeviction") => r.ok("redis.eviction", "maxmemory-policy noeviction"),
        Some(p) => r.fail(
            "redis.eviction",
            format!("maxmemory-policy {p}: under memory pressure Redis deletes queued jobs and leases"),
            "maxmemory-policy noeviction in redis.conf (or CONFIG SET maxmemory-policy noeviction, then CONFIG REWRITE)",
        ),
        None => r.warn(
            "redis.eviction",
            "cannot read maxmemory-policy (CONFIG is not allowed for this user)",
            "make sure redis.conf says maxmemory-policy noeviction",
        ),
    }
    match (d.aof, d.rdb) {
        (Some(true), _) => r.ok("redis.persistence", "append-only file on"),
        (_, Some(true)) => r.warn(
            "redis.persistence",
            "RDB snapshots only: a crash loses the jobs enqueued since the last snapshot",
            "appendonly yes (appendfsync everysec) in redis.conf",
        ),
        (Some(false), Some(false)) => r.warn(
            "redis.persistence",
            "no persistence: a Redis restart loses every queued job",
            "appendonly yes (appendfsync everysec) in redis.conf",
        ),
        _ => r.warn("redis.persistence", "cannot read the persistence settings", "appendonly yes in redis.conf"),
    }
    match (&d.user, &d.denied) {
        (Some(user), Some(denied)) if denied.is_empty() => {
            r.ok("redis.acl", format!("user {user} may run every command uploadd uses"))
        }
        (Some(user), Some(denied)) => {
            let cmds: Vec<&str> = denied.iter().map(|(c, _)| c.as_str()).collect();
            r.fail(
                "redis.acl",
                format!("user {user} may not run {} ({})", cmds.join(", "), denied[0].1),
                format!(
                    "ACL SETUSER {user} +{} (and ~{}:* ~tasks:* &*)",
                    cmds.join(" +").to_ascii_lowercase(),
                    q_namespace(deps)
                ),
            )
        }
        _ => r.warn(
            "redis.acl",
            "cannot check the user's permissions (ACL WHOAMI / ACL DRYRUN not allowed or unsupported)",
            "give the user +@all -@dangerous on ~{namespace}:* ~tasks:* &* (see README)",
        ),
    }
}

/// A lane whose jobs wait with no live daemon loop fetching it (e.g. only `--lanes image`
/// daemons run) never drains: say so, and how to fix it.
fn lane_checks(s: &QueueStats, r: &mut Report) {
    let mut found = Vec::new();
    let mut orphaned = Vec::new();
    for lane in Lane::ALL {
        let (pending, live) = (s.pending_by_lane[lane.index()], s.live_workers_by_lane[lane.index()]);
        found.push(format!("{}: {pending} pending, {live} live worker loop(s)", lane.as_str()));
        if pending > 0 && live == 0 {
            orphaned.push(lane.as_str());
        }
    }
    if orphaned.is_empty() {
        r.ok("queue.lanes", found.join("; "));
    } else {
        r.warn(
            "queue.lanes",
            format!("{} (no live daemon fetches the {} lane: its jobs wait)", found.join("; "), orphaned.join(" and ")),
            format!(
                "start a daemon that serves it: `uploadd run --lanes {}`, or list it in worker.lanes",
                orphaned.join(",")
            ),
        );
    }
}

fn q_namespace(deps: &Deps<'_>) -> String {
    deps.cfg.queue.namespace.clone()
}

async fn database_checks(deps: &Deps<'_>, r: &mut Report) {
    let db = match &deps.db {
        Ok(d) => *d,
        Err(e) => {
            return r.fail("database", format!("cannot connect: {e}"), "check database.url and that the database runs");
        }
    };
    if let Err(e) = db.health_check().await {
        return r.fail("database", format!("unreachable: {e}"), "check database.url and that the database runs");
    }
    r.ok("database", if db.is_sqlite() { "SQLite" } else { "PostgreSQL" });
    let pending = match db.pending_migrations().await {
        Ok(p) if p.is_empty() => {
            r.ok("database.migrations", "current");
            false
        }
        Ok(p) => {
            let found = format!(
                "{} migration(s) not applied: {}",
                p.len(),
                p.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            );
            // `uploadd migrate` alone would fail on "permission denied for schema": say so.
            let fix = match db.cannot_create_in().await {
                Ok(Some(place)) => format!(
                    "this role may not create tables in schema {place}: run `uploadd migrate` once with \
                     database.url naming the schema's owner, or GRANT CREATE ON SCHEMA <schema> TO <uploadd's role>"
                ),
                _ => "uploadd migrate".to_owned(),
            };
            r.fail("database.migrations", found, fix);
            true
        }
        Err(e) => {
            r.fail("database.migrations", format!("cannot read: {e}"), "uploadd migrate");
            true
        }
    };
    if pending {
        // The tables may not exist yet: a write failure would only repeat the line above.
        return r.warn(
            "database.write",
            "not checked: the migrations are not applied",
            "apply them (see database.migrations), then run uploadd doctor again",
        );
    }
    match db.write_probe().await {
        Ok(()) => r.ok("database.write", "the uploads table is writable"),
        Err(e) => r.fail(
            "database.write",
            format!("cannot write the uploads table: {e}"),
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO <uploadd's role>",
        ),
    }
}

async fn storage_checks(deps: &Deps<'_>, r: &mut Report) {
    let storage = match &deps.storage {
        Ok(s) => *s,
        Err(e) => return r.fail("storage", format!("cannot open: {e}"), "check the [storage] settings"),
    };
    let s = &deps.cfg.storage;
    let prefixes = vec![
        s.incoming_prefix.clone(),
        s.output_prefix.clone(),
        s.originals_prefix.clone(),
        s.quarantine_prefix.clone(),
    ];
    let d = storage.diagnose(&prefixes).await;
    let mut failed = false;
    for p in &d.probes {
        if let Err(e) = &p.result {
            failed = true;
            r.fail(
                &format!("storage.{}", p.op.replace(' ', "_")),
                format!("{} under {:?} refused: {e}", p.op, p.prefix),
                format!(
                    "grant {} on {}{}* to uploadd's key",
                    crate::storage::permission_for(p.op),
                    match storage {
                        Storage::S3(s3) => format!("arn:aws:s3:::{}/", s3.bucket()),
                        Storage::Local(_) => String::new(),
                    },
                    p.prefix
                ),
            );
        }
    }
    if !failed {
        r.ok("storage", format!("{}: every operation works under every managed prefix", storage.describe()));
    }
    match d.lifecycle_abort_rule {
        Some(true) => r.ok("storage.lifecycle", "an AbortIncompleteMultipartUpload rule is set"),
        Some(false) => r.warn(
            "storage.lifecycle",
            "no AbortIncompleteMultipartUpload lifecycle rule (uploadd's multipart sweep covers it, if scheduled)",
            "add a lifecycle rule with AbortIncompleteMultipartUpload DaysAfterInitiation 1",
        ),
        None => {}
    }
    if let Some(skew) = d.clock_skew_ms {
        let tolerance = 30_000;
        if skew.abs() > tolerance {
            r.warn(
                "storage.clock",
                format!(
                    "this machine's clock is {}s {} the store's",
                    skew.abs() / 1000,
                    if skew > 0 { "ahead of" } else { "behind" }
                ),
                "run an NTP client (systemd-timesyncd or chrony); the sweeps judge objects' ages by the store's clock",
            );
        } else {
            r.ok("storage.clock", format!("within {}s of the store's", skew.abs() / 1000));
        }
    }
}

async fn clamd_checks(deps: &Deps<'_>, r: &mut Report) {
    if deps.cfg.scan.mode == ScanMode::Off {
        return;
    }
    let Some(scanner) = deps.scanner else {
        return r.fail("clamd", "scanning is required but no scanner could be set up", "check scan.clamd");
    };
    if let Err(e) = scanner.ping().await {
        return r.fail("clamd", format!("unreachable: {e}"), "check scan.clamd and `systemctl status clamav-daemon`");
    }
    match scanner.version().await {
        Ok(v) => match v.signatures_age_days() {
            Some(age) if age > 7 => r.fail(
                "clamd.signatures",
                format!("{} — signatures {age} days old", v.text),
                "run freshclam (systemctl status clamav-freshclam)",
            ),
            Some(age) if age > 2 => r.warn(
                "clamd.signatures",
                format!("{} — signatures {age} days old", v.text),
                "check freshclam (systemctl status clamav-freshclam)",
            ),
            Some(age) => r.ok("clamd.signatures", format!("{} — signatures {age} day(s) old", v.text)),
            None => r.warn(
                "clamd.signatures",
                format!("{} — no official signature database (its date is unknown)", v.text),
                "install the official database with freshclam",
            ),
        },
        Err(e) => r.warn("clamd.signatures", format!("cannot read its version: {e}"), "check scan.clamd"),
    }
    match scanner.check().await {
        Ok(()) => r.ok(
            "clamd.self_test",
            format!("detects EICAR at the end of a file of scan.max_bytes ({})", deps.cfg.scan.max_bytes),
        ),
        Err(e) => r.fail("clamd.self_test", e.to_string(), "merge config/clamd.conf into clamd.conf and restart clamd"),
    }
}

async fn ffmpeg_checks(cfg: &Config, r: &mut Report) {
    if !cfg.profiles.values().any(|p| p.accepts(Family::Video)) {
        return;
    }
    match crate::pipeline::video::check_tools(&cfg.video).await {
        Ok(found) => r.ok("ffmpeg", found),
        Err(e) => r.fail(
            "ffmpeg",
            e,
            "apt-get install ffmpeg (with libx264 and aac), or set video.ffmpeg/video.ffprobe, or remove video types from allowed_types",
        ),
    }
}

async fn temp_checks(cfg: &Config, r: &mut Report) {
    let dir = cfg.temp_dir();
    let largest = cfg.profiles.values().map(|p| p.max_bytes.bytes()).max().unwrap_or(0);
    let jobs = u64::try_from(cfg.worker.concurrency).unwrap_or(u64::MAX).saturating_add(1);
    let need = largest.saturating_mul(jobs);
    let probe = {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || crate::workdir::probe_temp_dir(&dir)).await
    };
    match probe {
        Ok(Ok(p)) => {
            if p.free < need {
                r.fail(
                    "temp.space",
                    format!(
                        "{} MiB free in {}, jobs may need {} MiB (largest max_bytes × (worker.concurrency + 1))",
                        p.free >> 20,
                        dir.display(),
                        need >> 20
                    ),
                    "point worker.temp_dir at a larger disk, or lower worker.concurrency or max_bytes",
                );
            } else {
                r.ok("temp.space", format!("{} MiB free in {} (need {} MiB)", p.free >> 20, dir.display(), need >> 20));
            }
            if p.locking {
                r.ok("temp.locking", "flock works (the temp sweep can tell live jobs from dead ones)");
            } else {
                r.fail(
                    "temp.locking",
                    format!("flock does not exclude another holder in {}", dir.display()),
                    "put worker.temp_dir on a local filesystem (not NFS without locking)",
                );
            }
        }
        Ok(Err(e)) => r.fail("temp", format!("{}: {e}", dir.display()), "make worker.temp_dir writable by uploadd"),
        Err(e) => r.fail("temp", e.to_string(), "retry"),
    }
}

/// Prints the report, one line per check (`level  check  found`, then the fix).
pub fn render(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.check.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in checks {
        out.push_str(&format!(
            "{:<4}  {:<width$}  {}\n",
            c.level.as_str(),
            c.check,
            crate::units::printable(&c.found, 400)
        ));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("{:<4}  {:<width$}  fix: {}\n", "", "", fix));
        }
    }
    out
}
