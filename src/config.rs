//! Typed configuration: compiled defaults, then one TOML file, then `UPLOADD_<SECTION>__<KEY>`
//! environment overrides, then `--data-dir`; validated once at start with errors that name the key.
//!
//! With no file and no overrides the result is the embedded default: SQLite database and queue
//! under `./uploadd-data/`, the local directory store at `./uploadd-data/store/`, scanning off.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::units::{ByteSize, HumanDuration};

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
            video: VideoConfig::default(),
            webhooks: WebhookConfig::default(),
            sweep: SweepConfig::default(),
            profiles: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// `redis://…` (production) or empty for the embedded SQLite queue at `{data_dir}/queue.db`
    /// (`sqlite:///path/queue.db` names another file).
    pub url: String,
    /// Key prefix in Redis (`{namespace}:data`, `{namespace}:events`, …); table namespace in SQLite.
    pub namespace: String,
    /// Fallback poll when no wake-up arrives (wake-ups make idle latency ~1 ms on Redis).
    pub poll_interval: HumanDuration,
    /// How often a worker proves it is alive; its jobs are re-delivered after
    /// `heartbeat_interval × missed_heartbeats` of silence.
    pub heartbeat_interval: HumanDuration,
    pub missed_heartbeats: u32,
    /// How long a producer's upload id is remembered for idempotent enqueue.
    pub idempotency_ttl: HumanDuration,
    /// Dead-lettered jobs kept for `uploadd jobs` (oldest trimmed first).
    pub max_dead: u64,
    /// Completed job ids kept (for counting only; payloads are deleted at completion).
    pub max_done: u64,
    /// Approximate bound of the `{namespace}:events` completion stream.
    pub events_maxlen: u64,
    /// How long one Redis command may take before it fails (and is retried by the caller).
    /// redis-rs's 500 ms default turns a busy Redis into a dead connection pool.
    pub response_timeout: HumanDuration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            url: String::new(),
            namespace: "uploadd".into(),
            poll_interval: HumanDuration::millis(500),
            heartbeat_interval: HumanDuration::secs(2),
            missed_heartbeats: 3,
            idempotency_ttl: HumanDuration::secs(86_400),
            max_dead: 100_000,
            max_done: 10_000,
            events_maxlen: 100_000,
            response_timeout: HumanDuration::secs(30),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://…` (production) or empty for SQLite at `{data_dir}/uploadd.db`.
    pub url: String,
    pub max_connections: u32,
    pub connect_timeout: HumanDuration,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { url: String::new(), max_connections: 8, connect_timeout: HumanDuration::secs(10) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Local,
    S3,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub backend: StorageBackend,
    /// Local store root; empty means `{data_dir}/store`. Object key `K` lives at `{root}/K`.
    pub root: String,
    pub bucket: String,
    /// Custom S3 endpoint (Garage, MinIO, R2…); empty for AWS.
    pub endpoint: String,
    pub region: String,
    pub force_path_style: bool,
    /// Static credentials; when both are empty the standard AWS credential chain is used.
    pub access_key_id: String,
    pub secret_access_key: String,
    pub incoming_prefix: String,
    pub output_prefix: String,
    pub quarantine_prefix: String,
    pub cache_control: String,
    pub multipart_threshold: ByteSize,
    pub multipart_part_size: ByteSize,
    pub request_timeout: HumanDuration,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            backend: StorageBackend::Local,
            root: String::new(),
            bucket: String::new(),
            endpoint: String::new(),
            region: "us-east-1".into(),
            force_path_style: false,
            access_key_id: String::new(),
            secret_access_key: String::new(),
            incoming_prefix: "incoming/".into(),
            output_prefix: "uploads/".into(),
            quarantine_prefix: "quarantine/".into(),
            cache_control: "public, max-age=31536000, immutable".into(),
            multipart_threshold: ByteSize::mib(64),
            multipart_part_size: ByteSize::mib(16),
            request_timeout: HumanDuration::secs(300),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanMode {
    /// No scanning (the embedded default; logged loudly at start).
    Off,
    /// Every file is scanned; nothing proceeds unless clamd says it is clean.
    Required,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScanConfig {
    pub mode: ScanMode,
    /// `tcp://host:port` or `unix:///path/to/clamd.sock`.
    pub clamd: String,
    pub timeout: HumanDuration,
    /// Largest file sent to clamd; keep it at or below clamd's `StreamMaxLength`. Larger files are
    /// rejected as unscannable rather than passed unscanned.
    pub max_bytes: ByteSize,
    pub chunk_size: ByteSize,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            mode: ScanMode::Off,
            clamd: "tcp://127.0.0.1:3310".into(),
            timeout: HumanDuration::secs(120),
            max_bytes: ByteSize::mib(100),
            chunk_size: ByteSize::kib(256),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Jobs processed at once by one daemon.
    pub concurrency: usize,
    /// Threads for CPU-bound work (decode/resize/encode); 0 = one per core.
    pub cpu_threads: usize,
    /// Per-job temp files; empty means `{data_dir}/tmp`.
    pub temp_dir: String,
    /// On SIGTERM/SIGINT, how long in-flight jobs may run before the daemon exits anyway.
    pub shutdown_grace: HumanDuration,
    /// Wall-clock limit of one job attempt.
    pub job_timeout: HumanDuration,
    /// A job whose deliveries ended without an outcome this many times (the worker died) is
    /// parked as failed ("crashed") instead of being retried forever.
    pub max_crashes: u32,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 4,
            cpu_threads: 0,
            temp_dir: String::new(),
            shutdown_grace: HumanDuration::secs(30),
            job_timeout: HumanDuration::secs(900),
            max_crashes: 3,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Attempts per job (first try included) before it is marked `failed`.
    pub max_attempts: u32,
    pub base_delay: HumanDuration,
    pub max_delay: HumanDuration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig { max_attempts: 8, base_delay: HumanDuration::secs(1), max_delay: HumanDuration::secs(300) }
    }
}

/// Scheduled clean-up (see `uploadd sweep`). Schedules are cron expressions with seconds
/// (`sec min hour day month weekday`; a 5-field expression gets `0` seconds); empty disables
/// the scheduled run (the command still works).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SweepConfig {
    /// Most deletions (or aborts) in one run; past it the run stops and says so.
    pub max_deletions: u64,
    /// A sweep's lease; a crashed holder blocks others at most this long.
    pub lease: HumanDuration,
    pub multipart_schedule: String,
    /// Abort multipart uploads initiated longer ago than this.
    pub multipart_max_age: HumanDuration,
    pub orphans_schedule: String,
    /// Objects younger than this are never deleted.
    pub orphans_grace: HumanDuration,
    /// Originals under the incoming prefix with no live upload (never enqueued, rejected,
    /// failed) are deleted after this long.
    pub incoming_max_age: HumanDuration,
    /// Quarantined files are deleted after this long.
    pub quarantine_retention: HumanDuration,
    pub temp_schedule: String,
    /// Temp directories no running job holds are removed once older than this.
    pub temp_min_age: HumanDuration,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            max_deletions: 1000,
            lease: HumanDuration::secs(600),
            multipart_schedule: "0 17 * * * *".into(),
            multipart_max_age: HumanDuration::secs(86_400),
            orphans_schedule: "0 37 */6 * * *".into(),
            orphans_grace: HumanDuration::secs(86_400),
            incoming_max_age: HumanDuration::secs(7 * 86_400),
            quarantine_retention: HumanDuration::secs(30 * 86_400),
            temp_schedule: "0 */10 * * * *".into(),
            temp_min_age: HumanDuration::secs(3600),
        }
    }
}

/// Parses a cron expression (6 or 7 fields; 5 fields get a leading `0` for seconds).
pub fn parse_schedule(expr: &str) -> Result<cron::Schedule, String> {
    let fields = expr.split_whitespace().count();
    let full = if fields == 5 { format!("0 {expr}") } else { expr.to_owned() };
    full.parse::<cron::Schedule>().map_err(|e| format!("invalid cron expression {expr:?}: {e}"))
}

/// Per-job completion webhooks (`callback_url` in the job).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// HMAC-SHA256 key for `X-Uploadd-Signature`; without it no webhook is sent.
    pub secret: String,
    /// `host` or `host:port` a callback may target (exact, case-insensitive). Nothing else is
    /// ever contacted: no SSRF to internal addresses through a job payload.
    pub allowed_hosts: Vec<String>,
    pub timeout: HumanDuration,
    pub max_attempts: u32,
    pub base_delay: HumanDuration,
    pub max_delay: HumanDuration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            secret: String::new(),
            allowed_hosts: Vec::new(),
            timeout: HumanDuration::secs(10),
            max_attempts: 10,
            base_delay: HumanDuration::secs(2),
            max_delay: HumanDuration::secs(600),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Listener for `/metrics`, `/healthz`, `/readyz`; empty disables it.
    pub listen: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig { listen: "127.0.0.1:9187".into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `tracing` filter, e.g. `info` or `uploadd=debug,sqlx=warn`.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { level: "info".into(), format: LogFormat::Text }
    }
}

/// Where ffmpeg lives and how hard it may work (the video stage).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VideoConfig {
    pub ffmpeg: String,
    pub ffprobe: String,
    /// Transcodes at once per daemon (separate from image concurrency).
    pub concurrency: usize,
    /// `-threads` for each ffmpeg run.
    pub threads: u32,
    /// Niceness of ffmpeg processes (0–19).
    pub nice: i32,
    /// Wall-clock limit of one ffmpeg run: `duration × timeout_factor`, clamped to [floor, ceiling].
    pub timeout_factor: f64,
    pub timeout_floor: HumanDuration,
    pub timeout_ceiling: HumanDuration,
}

impl Default for VideoConfig {
    fn default() -> Self {
        VideoConfig {
            ffmpeg: "/usr/bin/ffmpeg".into(),
            ffprobe: "/usr/bin/ffprobe".into(),
            concurrency: 1,
            threads: 2,
            nice: 10,
            timeout_factor: 10.0,
            timeout_floor: HumanDuration::secs(60),
            timeout_ceiling: HumanDuration::secs(3 * 3600),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Keep the aspect ratio inside the box.
    Contain,
    /// Fill the box, cropping the overflow (centred).
    Cover,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    Jpeg,
    Webp,
    Png,
}

impl OutputFormat {
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Webp => "webp",
            OutputFormat::Png => "png",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Png => "image/png",
        }
    }
}

/// One output image of a profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSpec {
    pub name: String,
    pub width: u32,
    pub height: u32,
    #[serde(default = "default_fit")]
    pub fit: Fit,
    pub format: OutputFormat,
    #[serde(default = "default_quality")]
    pub quality: u8,
    /// libwebp effort 0–6 (only for `webp`): 4 is libwebp's default and the seed's setting.
    #[serde(default = "default_webp_method")]
    pub webp_method: u8,
    /// Flatten transparency onto the profile's background (JPEG always is). Off: WebP and PNG
    /// outputs keep their alpha channel.
    #[serde(default)]
    pub flatten: bool,
}

fn default_fit() -> Fit {
    Fit::Contain
}
fn default_quality() -> u8 {
    85
}
fn default_webp_method() -> u8 {
    4
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MismatchPolicy {
    /// A declared type that disagrees with the magic bytes rejects the upload.
    Reject,
    /// The detected type wins; the mismatch is only recorded.
    Allow,
}

/// Video outputs of a profile: one MP4 rendition plus a poster frame.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VideoProfile {
    pub max_width: u32,
    pub max_height: u32,
    pub crf: u8,
    pub preset: String,
    pub audio_bitrate: String,
    pub max_duration: HumanDuration,
    /// Poster variants (same fields as image variants); the first frame at min(1 s, 10 %).
    pub posters: Vec<VariantSpec>,
    /// Extra, smaller MP4 renditions (e.g. 720p) encoded in the same ffmpeg run as `video`.
    /// A rendition that would not be smaller than the main output is skipped.
    pub renditions: Vec<Rendition>,
}

/// An extra MP4 rendition of a video, stored as `{name}.mp4`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rendition {
    pub name: String,
    pub max_width: u32,
    pub max_height: u32,
    /// Defaults to the profile's `video.crf`.
    #[serde(default)]
    pub crf: Option<u8>,
}

impl Default for VideoProfile {
    fn default() -> Self {
        VideoProfile {
            max_width: 1920,
            max_height: 1080,
            crf: 23,
            preset: "veryfast".into(),
            audio_bitrate: "128k".into(),
            max_duration: HumanDuration::secs(3600),
            posters: vec![VariantSpec {
                name: "poster".into(),
                width: 1920,
                height: 1080,
                fit: Fit::Contain,
                format: OutputFormat::Jpeg,
                quality: 85,
                webp_method: 4,
                flatten: false,
            }],
            renditions: Vec::new(),
        }
    }
}

/// What one kind of upload is allowed to be and what it becomes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// MIME types (as detected from magic bytes) this profile accepts.
    pub allowed_types: Vec<String>,
    /// Hard cap for any file, enforced while streaming.
    pub max_bytes: ByteSize,
    /// Tighter caps per detected type.
    pub max_bytes_by_type: BTreeMap<String, ByteSize>,
    /// Images declaring more pixels than this are rejected from the header, before decoding.
    pub max_pixels: u64,
    pub mismatch: MismatchPolicy,
    /// Keep the original as `{output_prefix}{id}/original.{ext}` (otherwise it is deleted after commit).
    pub keep_original: bool,
    /// Background for flattening transparency into JPEG, `#rrggbb`.
    pub background: String,
    pub variants: Vec<VariantSpec>,
    pub video: VideoProfile,
}

/// Image types uploadd can turn into variants.
pub const IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/webp", "image/gif"];
/// Video containers uploadd can transcode (as detected from magic bytes).
pub const VIDEO_TYPES: &[&str] = &["video/mp4", "video/quicktime", "video/webm", "video/x-matroska", "video/x-msvideo"];

impl Default for Profile {
    fn default() -> Self {
        let v = |name: &str, w, h, format, quality| VariantSpec {
            name: name.into(),
            width: w,
            height: h,
            fit: Fit::Contain,
            format,
            quality,
            webp_method: 4,
            flatten: false,
        };
        Profile {
            allowed_types: IMAGE_TYPES.iter().chain(VIDEO_TYPES.iter()).map(|s| s.to_string()).collect(),
            max_bytes: ByteSize::mib(100),
            max_bytes_by_type: BTreeMap::from([
                ("image/gif".into(), ByteSize::mib(20)),
                ("image/png".into(), ByteSize::mib(50)),
                ("image/jpeg".into(), ByteSize::mib(50)),
                ("image/webp".into(), ByteSize::mib(50)),
            ]),
            max_pixels: 100_000_000,
            mismatch: MismatchPolicy::Reject,
            keep_original: false,
            background: "#ffffff".into(),
            variants: vec![
                v("display", 1920, 1080, OutputFormat::Jpeg, 85),
                v("thumb", 300, 300, OutputFormat::Jpeg, 80),
                v("webp", 1920, 1080, OutputFormat::Webp, 80),
            ],
            video: VideoProfile::default(),
        }
    }
}

impl Profile {
    /// The byte cap for a detected type (the tighter of the per-type and overall caps).
    pub fn max_bytes_for(&self, mime: &str) -> u64 {
        let overall = self.max_bytes.bytes();
        self.max_bytes_by_type.get(mime).map_or(overall, |b| b.bytes().min(overall))
    }

    /// Parsed `background` colour.
    pub fn background_rgb(&self) -> [u8; 3] {
        parse_hex_rgb(&self.background).unwrap_or([255, 255, 255])
    }
}

fn parse_hex_rgb(s: &str) -> Option<[u8; 3]> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let p = |i: usize| u8::from_str_radix(h.get(i..i + 2)?, 16).ok();
    Some([p(0)?, p(2)?, p(4)?])
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

    /// The effective config as TOML with every secret replaced by `"<redacted>"`.
    pub fn redacted_toml(&self) -> String {
        let mut c = self.clone();
        c.queue.url = redact_url(&c.queue.url);
        c.database.url = redact_url(&c.database.url);
        if !c.storage.secret_access_key.is_empty() {
            c.storage.secret_access_key = REDACTED.into();
        }
        if !c.storage.access_key_id.is_empty() {
            c.storage.access_key_id = REDACTED.into();
        }
        if !c.webhooks.secret.is_empty() {
            c.webhooks.secret = REDACTED.into();
        }
        toml::to_string_pretty(&c).unwrap_or_else(|e| format!("# cannot render config: {e}\n"))
    }
}

pub const REDACTED: &str = "<redacted>";

/// Where the job queue lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueLocation {
    Redis(String),
    Sqlite(PathBuf),
}

/// Replaces the password of a `scheme://user:password@host/…` URL (and any `password=` query
/// parameter) so URLs can be logged and printed.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..].find('/').map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                let start = rest_start + colon + 1;
                out.replace_range(start..rest_start + at, REDACTED);
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("sslpassword") => {
                    format!("{k}={REDACTED}")
                }
                _ => kv.to_owned(),
            })
            .collect();
        out = format!("{base}{}", query.join("&"));
    }
    out
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

fn validate_profile(name: &str, p: &Profile) -> Result<(), ConfigError> {
    let k = |field: &str| format!("profiles.{name}.{field}");
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(key_err(format!("profiles.{name}"), "profile names use letters, digits, - and _ (max 64)"));
    }
    if p.allowed_types.is_empty() {
        return Err(key_err(k("allowed_types"), "must list at least one type"));
    }
    for t in &p.allowed_types {
        if !IMAGE_TYPES.contains(&t.as_str()) && !VIDEO_TYPES.contains(&t.as_str()) {
            return Err(key_err(
                k("allowed_types"),
                format!("unsupported type {t:?} (supported: {})", [IMAGE_TYPES, VIDEO_TYPES].concat().join(", ")),
            ));
        }
    }
    for t in p.max_bytes_by_type.keys() {
        if !IMAGE_TYPES.contains(&t.as_str()) && !VIDEO_TYPES.contains(&t.as_str()) {
            return Err(key_err(k("max_bytes_by_type"), format!("unsupported type {t:?}")));
        }
    }
    if p.max_bytes.bytes() == 0 {
        return Err(key_err(k("max_bytes"), "must be positive"));
    }
    if p.max_pixels == 0 {
        return Err(key_err(k("max_pixels"), "must be positive"));
    }
    if parse_hex_rgb(&p.background).is_none() {
        return Err(key_err(k("background"), "must be #rrggbb"));
    }
    let wants_images = p.allowed_types.iter().any(|t| IMAGE_TYPES.contains(&t.as_str()));
    if wants_images && p.variants.is_empty() {
        return Err(key_err(k("variants"), "a profile that accepts images needs at least one variant"));
    }
    let mut names = std::collections::BTreeSet::new();
    let all = p.variants.iter().map(|v| ("variants", v)).chain(p.video.posters.iter().map(|v| ("video.posters", v)));
    for (field, v) in all {
        validate_variant(&k(field), v)?;
        if v.name == "original" || v.name == "video" {
            return Err(key_err(k(field), format!("variant name {:?} is reserved", v.name)));
        }
        if field == "variants" && !names.insert(v.name.clone()) {
            return Err(key_err(k(field), format!("variant {:?} appears twice", v.name)));
        }
    }
    // Posters and renditions are the outputs of one video upload: their names must differ.
    let mut video_names = std::collections::BTreeSet::new();
    for v in &p.video.posters {
        if !video_names.insert(v.name.clone()) {
            return Err(key_err(k("video.posters"), format!("poster {:?} appears twice", v.name)));
        }
    }
    let pv = &p.video;
    let video_box = |key: &str, w: u32, h: u32| {
        if w < 16 || h < 16 || w > 8192 || h > 8192 {
            return Err(key_err(k(key), "video box must be between 16 and 8192 px"));
        }
        Ok(())
    };
    video_box("video.max_width", pv.max_width, pv.max_height)?;
    if pv.crf > 51 {
        return Err(key_err(k("video.crf"), "must be 0–51"));
    }
    for r in &pv.renditions {
        let key = k("video.renditions");
        if !valid_variant_name(&r.name) || r.name == "original" || r.name == "video" {
            return Err(key_err(
                key,
                format!("rendition name {:?} must be [a-z0-9_-]{{1,32}} and not reserved", r.name),
            ));
        }
        if !video_names.insert(r.name.clone()) {
            return Err(key_err(key, format!("{:?} is already the name of a poster or rendition", r.name)));
        }
        video_box("video.renditions", r.max_width, r.max_height)?;
        if r.crf.is_some_and(|c| c > 51) {
            return Err(key_err(key, format!("rendition {:?}: crf must be 0–51", r.name)));
        }
    }
    const PRESETS: &[&str] =
        &["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"];
    if !PRESETS.contains(&pv.preset.as_str()) {
        return Err(key_err(k("video.preset"), format!("must be one of {}", PRESETS.join(", "))));
    }
    if !pv.audio_bitrate.chars().all(|c| c.is_ascii_digit() || c == 'k') || pv.audio_bitrate.is_empty() {
        return Err(key_err(k("video.audio_bitrate"), "must look like 128k"));
    }
    Ok(())
}

/// Output names become object-key segments: a-z, 0-9, `-` and `_`, at most 32.
fn valid_variant_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

fn validate_variant(key: &str, v: &VariantSpec) -> Result<(), ConfigError> {
    if !valid_variant_name(&v.name) {
        return Err(key_err(key, format!("variant name {:?}: use a-z, 0-9, - and _ (max 32)", v.name)));
    }
    let max_side = if v.format == OutputFormat::Webp { 16_383 } else { 65_500 };
    if v.width == 0 || v.height == 0 || v.width > max_side || v.height > max_side {
        return Err(key_err(key, format!("variant {:?}: width and height must be 1–{max_side}", v.name)));
    }
    if v.quality == 0 || v.quality > 100 {
        return Err(key_err(key, format!("variant {:?}: quality must be 1–100", v.name)));
    }
    if v.webp_method > 6 {
        return Err(key_err(key, format!("variant {:?}: webp_method must be 0–6", v.name)));
    }
    Ok(())
}

/// Applies `UPLOADD_SECTION__KEY[__SUBKEY…]=value` onto the parsed file. The value is typed by
/// what the key holds in the defaults (so a numeric-looking password stays a string).
fn apply_env_overrides(table: &mut toml::Table, env: &[(String, String)]) -> Result<(), ConfigError> {
    let defaults = toml::Value::try_from(Config::default()).unwrap_or(toml::Value::Table(toml::Table::new()));
    let mut vars: Vec<&(String, String)> =
        env.iter().filter(|(k, _)| k.starts_with("UPLOADD_") && k.contains("__")).collect();
    vars.sort();
    for (var, raw) in vars {
        let path: Vec<String> = var["UPLOADD_".len()..].split("__").map(|s| s.to_ascii_lowercase()).collect();
        if path.iter().any(|s| s.is_empty()) {
            return Err(ConfigError::Env {
                var: var.clone(),
                message: "malformed name (expected UPLOADD_SECTION__KEY)".into(),
            });
        }
        let mut default_here = Some(&defaults);
        for seg in &path {
            default_here = default_here.and_then(|v| v.get(seg.as_str()));
        }
        let value =
            typed_env_value(raw, default_here).map_err(|message| ConfigError::Env { var: var.clone(), message })?;
        let mut cur = &mut *table;
        for seg in &path[..path.len() - 1] {
            let entry = cur.entry(seg.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            cur = entry
                .as_table_mut()
                .ok_or_else(|| ConfigError::Env { var: var.clone(), message: format!("`{seg}` is not a section") })?;
        }
        if let Some(last) = path.last() {
            cur.insert(last.clone(), value);
        }
    }
    Ok(())
}

fn typed_env_value(raw: &str, default: Option<&toml::Value>) -> Result<toml::Value, String> {
    let parse_literal = |raw: &str| -> Option<toml::Value> {
        format!("v = {raw}").parse::<toml::Table>().ok().and_then(|mut t| t.remove("v"))
    };
    match default {
        Some(toml::Value::String(_)) => Ok(toml::Value::String(raw.to_owned())),
        Some(toml::Value::Integer(_)) => {
            raw.trim().parse::<i64>().map(toml::Value::Integer).map_err(|_| format!("expected an integer, got {raw:?}"))
        }
        Some(toml::Value::Float(_)) => {
            raw.trim().parse::<f64>().map(toml::Value::Float).map_err(|_| format!("expected a number, got {raw:?}"))
        }
        Some(toml::Value::Boolean(_)) => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(toml::Value::Boolean(true)),
            "false" | "0" | "no" | "off" => Ok(toml::Value::Boolean(false)),
            _ => Err(format!("expected true or false, got {raw:?}")),
        },
        Some(toml::Value::Array(_)) => parse_literal(raw).filter(|v| v.is_array()).map_or_else(
            || Ok(toml::Value::Array(raw.split(',').map(|s| toml::Value::String(s.trim().to_owned())).collect())),
            Ok,
        ),
        _ => Ok(parse_literal(raw).unwrap_or_else(|| toml::Value::String(raw.to_owned()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn no_config_is_the_embedded_default() {
        let c = Config::load_with_env(None, None, &[]).unwrap();
        assert_eq!(c.scan.mode, ScanMode::Off);
        assert_eq!(c.storage.backend, StorageBackend::Local);
        assert_eq!(c.queue_location(), QueueLocation::Sqlite(PathBuf::from("./uploadd-data/queue.db")));
        assert!(c.database_url().starts_with("sqlite://./uploadd-data/uploadd.db"));
        let p = &c.profiles["default"];
        let names: Vec<_> =
            p.variants.iter().map(|v| (v.name.as_str(), v.width, v.height, v.format, v.quality)).collect();
        assert_eq!(
            names,
            [
                ("display", 1920, 1080, OutputFormat::Jpeg, 85),
                ("thumb", 300, 300, OutputFormat::Jpeg, 80),
                ("webp", 1920, 1080, OutputFormat::Webp, 80)
            ]
        );
    }

    #[test]
    fn env_overrides_are_typed_by_the_defaults() {
        let c = Config::load_with_env(
            None,
            None,
            &env(&[
                ("UPLOADD_QUEUE__URL", "redis://127.0.0.1:6379"),
                ("UPLOADD_SCAN__MODE", "required"),
                ("UPLOADD_WORKER__CONCURRENCY", "7"),
                ("UPLOADD_STORAGE__ACCESS_KEY_ID", "12345"),
                ("UPLOADD_STORAGE__SECRET_ACCESS_KEY", "678910"),
                ("UPLOADD_STORAGE__FORCE_PATH_STYLE", "true"),
                ("UPLOADD_HTTP__LISTEN", "127.0.0.1:9999"),
                ("UPLOADD_NOT_A_CONFIG_VAR", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(c.queue_location(), QueueLocation::Redis("redis://127.0.0.1:6379".into()));
        assert_eq!(c.scan.mode, ScanMode::Required);
        assert_eq!(c.worker.concurrency, 7);
        assert_eq!(c.storage.access_key_id, "12345");
        assert!(c.storage.force_path_style);
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::load_with_env(None, None, &env(&[("UPLOADD_WORKER__CONCURRENCY", "many")])).unwrap_err();
        assert!(e.to_string().contains("UPLOADD_WORKER__CONCURRENCY"), "{e}");
        let e = Config::load_with_env(None, None, &env(&[("UPLOADD_SCAN__MODE", "sometimes")])).unwrap_err();
        assert!(e.to_string().contains("scan.mode"), "{e}");
        let e = Config::load_with_env(None, None, &env(&[("UPLOADD_STORAGE__BOGUS", "1")])).unwrap_err();
        assert!(e.to_string().contains("bogus"), "{e}");
        let e = Config::load_with_env(None, None, &env(&[("UPLOADD_STORAGE__BACKEND", "s3")])).unwrap_err();
        assert!(e.to_string().contains("storage.bucket"), "{e}");
        let e = Config::load_with_env(None, None, &env(&[("UPLOADD_SWEEP__INCOMING_MAX_AGE", "1h")])).unwrap_err();
        assert!(e.to_string().contains("sweep.incoming_max_age"), "{e}");
    }

    #[test]
    fn file_errors_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        std::fs::write(&f, "[profiles.avatars]\nallowed_types = [\"image/png\"]\nmax_pixels = \"lots\"\n").unwrap();
        let e = Config::load_with_env(Some(&f), None, &[]).unwrap_err().to_string();
        assert!(e.contains("profiles.avatars.max_pixels"), "{e}");
        std::fs::write(&f, "[worker\n").unwrap();
        let e = Config::load_with_env(Some(&f), None, &[]).unwrap_err().to_string();
        assert!(e.contains("not valid TOML"), "{e}");
    }

    #[test]
    fn video_renditions_are_validated() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.toml");
        let load = |rendition: &str| {
            let text = format!(
                "[profiles.clips]\nallowed_types = [\"video/mp4\"]\n[[profiles.clips.video.renditions]]\n{rendition}\n"
            );
            std::fs::write(&f, text).unwrap();
            Config::load_with_env(Some(&f), None, &[]).map_err(|e| e.to_string())
        };
        let c = load("name = \"720p\"\nmax_width = 1280\nmax_height = 720").unwrap();
        let r = &c.profiles["clips"].video.renditions[0];
        assert_eq!((r.name.as_str(), r.max_width, r.max_height, r.crf), ("720p", 1280, 720, None));
        for (bad, why) in [
            ("name = \"poster\"\nmax_width = 640\nmax_height = 360", "already the name"),
            ("name = \"video\"\nmax_width = 640\nmax_height = 360", "reserved"),
            ("name = \"../x\"\nmax_width = 640\nmax_height = 360", "reserved"),
            ("name = \"small\"\nmax_width = 8\nmax_height = 360", "between 16 and 8192"),
            ("name = \"small\"\nmax_width = 640\nmax_height = 360\ncrf = 60", "crf must be 0–51"),
        ] {
            let e = load(bad).unwrap_err();
            assert!(e.contains("profiles.clips.video.renditions") && e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn redaction_hides_secrets() {
        assert_eq!(redact_url("postgres://u:hunter2@db:5432/x"), "postgres://u:<redacted>@db:5432/x");
        assert_eq!(redact_url("redis://:pw@127.0.0.1:6379/0"), "redis://:<redacted>@127.0.0.1:6379/0");
        assert_eq!(redact_url("postgres://db/x?user=a&password=b"), "postgres://db/x?user=a&password=<redacted>");
        let c = Config::load_with_env(
            None,
            None,
            &env(&[
                ("UPLOADD_DATABASE__URL", "postgres://u:hunter2@db/x"),
                ("UPLOADD_STORAGE__ACCESS_KEY_ID", "AKIAEXAMPLE"),
                ("UPLOADD_STORAGE__SECRET_ACCESS_KEY", "s3cr3tvalue"),
                ("UPLOADD_WEBHOOKS__SECRET", "whsecretvalue"),
            ]),
        )
        .unwrap();
        let out = c.redacted_toml();
        for secret in ["hunter2", "AKIAEXAMPLE", "s3cr3tvalue", "whsecretvalue"] {
            assert!(!out.contains(secret), "{secret} leaked:\n{out}");
        }
    }

    #[test]
    fn shipped_config_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/uploadd.toml");
        let c = Config::load_with_env(Some(&path), None, &[]).unwrap();
        assert_eq!(c.scan.mode, ScanMode::Required);
        assert!(c.profiles.contains_key("default"));
    }
}
