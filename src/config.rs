//! Typed configuration: compiled defaults, then one TOML file, then `UPLOADD_<SECTION>__<KEY>`
//! environment overrides, then `--data-dir`; validated once at start with errors that name the key.
//!
//! With no file and no overrides the result is the embedded default: SQLite database and queue
//! under `./uploadd-data/`, the local directory store at `./uploadd-data/store/`, scanning off.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

mod env;
mod profile;
mod redact;
mod sections;
#[cfg(test)]
mod tests;

pub use crate::formats::OutputFormat;
use env::apply_env_overrides;
use profile::validate_profile;
pub use profile::{
    Animation, Colour, Fit, Hdr, MismatchPolicy, Profile, Rendition, VariantSpec, VideoCodec, VideoProfile,
};
pub use redact::{REDACTED, redact_url};
pub use sections::*;

/// A configuration problem, always naming the key (or file) at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config key `{key}`: {message}")]
    Key { key: String, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
}

fn key_err(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Key { key: key.into(), message: message.into() }
}

/// The whole effective configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Root of the embedded mode: SQLite files, the local store and temp files live here unless
    /// their own keys say otherwise.
    pub data_dir: PathBuf,
    pub queue: QueueConfig,
    pub database: DatabaseConfig,
    pub storage: StorageConfig,
    pub scan: ScanConfig,
    pub worker: WorkerConfig,
    pub retry: RetryConfig,
    pub http: HttpConfig,
    pub log: LogConfig,
    pub images: ImagesConfig,
    pub video: VideoConfig,
    pub webhooks: WebhookConfig,
    pub sweep: SweepConfig,
    pub profiles: BTreeMap<String, Profile>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./uploadd-data"),
            queue: QueueConfig::default(),
            database: DatabaseConfig::default(),
            storage: StorageConfig::default(),
            scan: ScanConfig::default(),
            worker: WorkerConfig::default(),
            retry: RetryConfig::default(),
            http: HttpConfig::default(),
            log: LogConfig::default(),
            images: ImagesConfig::default(),
            video: VideoConfig::default(),
            webhooks: WebhookConfig::default(),
            sweep: SweepConfig::default(),
            profiles: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Loads the effective config: defaults ← file ← `UPLOADD_*__*` env ← `data_dir` override.
    pub fn load(path: Option<&Path>, data_dir: Option<&Path>) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_with_env(path, data_dir, &env)
    }

    /// [`Config::load`] with an explicit environment (tests).
    pub fn load_with_env(
        path: Option<&Path>,
        data_dir: Option<&Path>,
        env: &[(String, String)],
    ) -> Result<Config, ConfigError> {
        let mut table = match path {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|source| ConfigError::Read { path: p.to_owned(), source })?;
                text.parse::<toml::Table>().map_err(|e| ConfigError::Parse {
                    path: p.to_owned(),
                    message: e.to_string().trim().replace('\n', " "),
                })?
            }
            None => toml::Table::new(),
        };
        apply_env_overrides(&mut table, env)?;
        let mut cfg: Config = serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let key = e.path().to_string();
            key_err(if key == "." { "(top level)".into() } else { key }, e.into_inner().to_string())
        })?;
        if let Some(dir) = data_dir {
            cfg.data_dir = dir.to_owned();
        }
        if cfg.profiles.is_empty() {
            cfg.profiles.insert("default".into(), Profile::default());
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks cross-field rules the types cannot express.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.queue.url.is_empty()
            && !self.queue.url.starts_with("redis://")
            && !self.queue.url.starts_with("rediss://")
            && !self.queue.url.starts_with("sqlite://")
        {
            return Err(key_err("queue.url", "must be empty (embedded), redis://…, rediss://… or sqlite://…"));
        }
        if self.queue.priority_weights.iter().any(|&w| w == 0 || w > 1000) {
            return Err(key_err(
                "queue.priority_weights",
                "each weight must be 1–1000 (use priority_mode = \"strict\" for strict order)",
            ));
        }
        if !self.queue.tls_ca_file.is_empty() && !self.queue.url.starts_with("rediss://") {
            return Err(key_err("queue.tls_ca_file", "is only used with a rediss:// (TLS) queue.url"));
        }
        if self.queue.namespace.is_empty()
            || !self.queue.namespace.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:{}".contains(c))
        {
            return Err(key_err("queue.namespace", "use letters, digits and - _ . : { }"));
        }
        if self.queue.missed_heartbeats < 2 {
            return Err(key_err("queue.missed_heartbeats", "must be at least 2"));
        }
        if self.queue.heartbeat_interval.get().as_millis() < 100 {
            return Err(key_err("queue.heartbeat_interval", "must be at least 100ms"));
        }
        if !self.database.url.is_empty()
            && !self.database.url.starts_with("postgres://")
            && !self.database.url.starts_with("postgresql://")
            && !self.database.url.starts_with("sqlite:")
        {
            return Err(key_err("database.url", "must be empty (embedded), postgres://… or sqlite:…"));
        }
        if self.database.max_connections == 0 {
            return Err(key_err("database.max_connections", "must be at least 1"));
        }
        self.validate_storage()?;
        if self.scan.mode == ScanMode::Required {
            ClamdAddress::parse(&self.scan.clamd).map_err(|m| key_err("scan.clamd", m))?;
        }
        if self.scan.chunk_size.bytes() == 0 || self.scan.chunk_size.bytes() > 16 << 20 {
            return Err(key_err("scan.chunk_size", "must be between 1B and 16MiB"));
        }
        if self.worker.concurrency == 0 || self.worker.concurrency > 1024 {
            return Err(key_err("worker.concurrency", "must be between 1 and 1024"));
        }
        if self.worker.image_concurrency > 1024 {
            return Err(key_err("worker.image_concurrency", "must be between 0 (= worker.concurrency) and 1024"));
        }
        if self.worker.video_concurrency > 1024 {
            return Err(key_err("worker.video_concurrency", "must be between 0 (= video.concurrency) and 1024"));
        }
        self.served_lanes()?;
        if self.retry.max_attempts == 0 {
            return Err(key_err("retry.max_attempts", "must be at least 1"));
        }
        if self.retry.base_delay > self.retry.max_delay {
            return Err(key_err("retry.base_delay", "must not exceed retry.max_delay"));
        }
        if !self.http.listen.is_empty() && self.http.listen.parse::<SocketAddr>().is_err() {
            return Err(key_err("http.listen", "must be host:port, e.g. 127.0.0.1:9187 (or empty to disable)"));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(key_err("log.level", "not a valid filter (try info, debug or uploadd=debug,sqlx=warn)"));
        }
        if !(1..=64).contains(&self.images.heif_threads) {
            return Err(key_err("images.heif_threads", "must be between 1 and 64"));
        }
        if self.images.heif_timeout.get().is_zero() {
            return Err(key_err("images.heif_timeout", "must be positive"));
        }
        if !crate::config::TONEMAP_OPERATORS.contains(&self.video.tonemap.as_str()) {
            return Err(key_err("video.tonemap", format!("must be one of {}", TONEMAP_OPERATORS.join(", "))));
        }
        if self.video.concurrency == 0 {
            return Err(key_err("video.concurrency", "must be at least 1"));
        }
        if !(0..=19).contains(&self.video.nice) {
            return Err(key_err("video.nice", "must be between 0 and 19"));
        }
        if self.video.timeout_factor.is_nan() || self.video.timeout_factor <= 0.0 {
            return Err(key_err("video.timeout_factor", "must be positive"));
        }
        if self.video.timeout_floor > self.video.timeout_ceiling {
            return Err(key_err("video.timeout_floor", "must not exceed video.timeout_ceiling"));
        }
        for (key, expr) in [
            ("sweep.multipart_schedule", &self.sweep.multipart_schedule),
            ("sweep.orphans_schedule", &self.sweep.orphans_schedule),
            ("sweep.temp_schedule", &self.sweep.temp_schedule),
        ] {
            if !expr.is_empty() {
                parse_schedule(expr).map_err(|m| key_err(key, m))?;
            }
        }
        if self.sweep.max_deletions == 0 {
            return Err(key_err("sweep.max_deletions", "must be at least 1"));
        }
        if self.sweep.lease.get() < std::time::Duration::from_secs(1) {
            return Err(key_err("sweep.lease", "must be at least 1s"));
        }
        if self.sweep.incoming_max_age.get() < self.sweep.orphans_grace.get() {
            // An original without a row may still be queued: it must outlive the grace period.
            return Err(key_err("sweep.incoming_max_age", "must be at least sweep.orphans_grace"));
        }
        if self.webhooks.max_attempts == 0 {
            return Err(key_err("webhooks.max_attempts", "must be at least 1"));
        }
        for h in &self.webhooks.allowed_hosts {
            if h.is_empty() || h.contains('/') || h.contains('@') || h.chars().any(char::is_whitespace) {
                return Err(key_err("webhooks.allowed_hosts", format!("{h:?} is not a host or host:port")));
            }
        }
        for (name, p) in &self.profiles {
            validate_profile(name, p)?;
        }
        Ok(())
    }

    fn validate_storage(&self) -> Result<(), ConfigError> {
        let s = &self.storage;
        let prefixes = [
            ("storage.incoming_prefix", &s.incoming_prefix),
            ("storage.output_prefix", &s.output_prefix),
            ("storage.quarantine_prefix", &s.quarantine_prefix),
            ("storage.originals_prefix", &s.originals_prefix),
        ];
        for (key, p) in prefixes {
            let ok = p.ends_with('/')
                && p.len() > 1
                && !p.starts_with('/')
                && p.split('/').all(|seg| seg != ".." && seg != ".")
                && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
            if !ok {
                return Err(key_err(
                    key,
                    "must be a relative prefix like `incoming/` (letters, digits, - _ . /, ending in /)",
                ));
            }
        }
        for (ka, a) in prefixes {
            for (kb, b) in prefixes {
                if ka != kb && a.starts_with(b.as_str()) {
                    return Err(key_err(ka, format!("must not lie inside {kb}")));
                }
            }
        }
        if s.backend == StorageBackend::S3 {
            if s.bucket.is_empty() {
                return Err(key_err("storage.bucket", "required when storage.backend = \"s3\""));
            }
            if s.access_key_id.is_empty() != s.secret_access_key.is_empty() {
                return Err(key_err(
                    "storage.secret_access_key",
                    "set both access_key_id and secret_access_key, or neither (to use the AWS credential chain)",
                ));
            }
        }
        if s.multipart_part_size.bytes() < 5 << 20 {
            return Err(key_err("storage.multipart_part_size", "S3 requires at least 5MiB"));
        }
        if s.multipart_threshold < s.multipart_part_size {
            return Err(key_err("storage.multipart_threshold", "must be at least storage.multipart_part_size"));
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!("sqlite://{}?mode=rwc", self.data_dir.join("uploadd.db").display())
        } else {
            self.database.url.clone()
        }
    }

    /// Empty → the embedded SQLite queue file.
    /// The lanes `worker.lanes` names, in a fixed order, each once.
    pub fn served_lanes(&self) -> Result<Vec<crate::formats::Lane>, ConfigError> {
        let mut out = Vec::new();
        for name in &self.worker.lanes {
            let lane = crate::formats::Lane::parse(name)
                .ok_or_else(|| key_err("worker.lanes", format!("unknown lane {name:?} (lanes are image and video)")))?;
            if !out.contains(&lane) {
                out.push(lane);
            }
        }
        if out.is_empty() {
            return Err(key_err("worker.lanes", "must name at least one lane (image, video)"));
        }
        out.sort_by_key(|l| l.index());
        Ok(out)
    }

    /// Jobs of `lane` one daemon runs at once.
    pub fn lane_concurrency(&self, lane: crate::formats::Lane) -> usize {
        match lane {
            crate::formats::Lane::Image if self.worker.image_concurrency > 0 => self.worker.image_concurrency,
            crate::formats::Lane::Image => self.worker.concurrency,
            crate::formats::Lane::Video if self.worker.video_concurrency > 0 => self.worker.video_concurrency,
            crate::formats::Lane::Video => self.video.concurrency,
        }
    }

    pub fn queue_location(&self) -> QueueLocation {
        let url = &self.queue.url;
        if url.starts_with("redis://") || url.starts_with("rediss://") {
            QueueLocation::Redis(url.clone())
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            QueueLocation::Sqlite(PathBuf::from(path))
        } else {
            QueueLocation::Sqlite(self.data_dir.join("queue.db"))
        }
    }

    pub fn store_root(&self) -> PathBuf {
        if self.storage.root.is_empty() { self.data_dir.join("store") } else { PathBuf::from(&self.storage.root) }
    }

    pub fn temp_dir(&self) -> PathBuf {
        if self.worker.temp_dir.is_empty() { self.data_dir.join("tmp") } else { PathBuf::from(&self.worker.temp_dir) }
    }

    pub fn cpu_threads(&self) -> usize {
        if self.worker.cpu_threads > 0 {
            self.worker.cpu_threads
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        }
    }
}

/// Where the job queue lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueLocation {
    Redis(String),
    Sqlite(PathBuf),
}

/// A parsed `scan.clamd` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClamdAddress {
    Tcp(String),
    Unix(PathBuf),
}

impl ClamdAddress {
    pub fn parse(s: &str) -> Result<ClamdAddress, String> {
        if let Some(addr) = s.strip_prefix("tcp://") {
            if addr.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()) {
                return Ok(ClamdAddress::Tcp(addr.to_owned()));
            }
            return Err("expected tcp://host:port".into());
        }
        if let Some(path) = s.strip_prefix("unix://") {
            if path.starts_with('/') {
                return Ok(ClamdAddress::Unix(PathBuf::from(path)));
            }
            return Err("expected unix:///absolute/path.sock".into());
        }
        Err("expected tcp://host:port or unix:///path/to/clamd.sock".into())
    }
}
