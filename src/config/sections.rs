//! The sections of the config file other than profiles, with their compiled defaults.

use serde::{Deserialize, Serialize};

use crate::units::{ByteSize, HumanDuration};

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
    /// PEM file of the CA that signed the Redis server's certificate, for `rediss://` URLs to
    /// a private CA (managed Redis, self-hosted TLS). Empty: the system's trust store.
    pub tls_ca_file: String,
    /// `weighted` (default): high, normal and low priority jobs are served in the ratio of
    /// `priority_weights` while all have work, so low still progresses under sustained high
    /// load. `strict`: always the highest priority that has work.
    pub priority_mode: PriorityMode,
    /// Turns of high, normal and low priority per round in `weighted` mode.
    pub priority_weights: [u32; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PriorityMode {
    Weighted,
    Strict,
}

impl QueueConfig {
    /// The weights argument of the Redis scripts (`ring.lua`): "h:n:l" or "strict".
    pub fn priority_arg(&self) -> String {
        match self.priority_mode {
            PriorityMode::Strict => "strict".into(),
            PriorityMode::Weighted => {
                let [h, n, l] = self.priority_weights;
                format!("{h}:{n}:{l}")
            }
        }
    }
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
            tls_ca_file: String::new(),
            priority_mode: PriorityMode::Weighted,
            priority_weights: [6, 3, 1],
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
    /// Where `keep_original` stores originals, apart from the public outputs: they carry the
    /// client's metadata (EXIF, GPS), so they get a private Cache-Control.
    pub originals_prefix: String,
    /// Cache-Control of outputs (public by default: their keys never change content).
    pub cache_control: String,
    /// Cache-Control of kept originals.
    pub originals_cache_control: String,
    /// A job's source key must be `{incoming_prefix}{upload_id}` or start with it, so a job
    /// cannot name another upload's original at all. Recommended when producers follow the
    /// convention (`uploadd enqueue` and the producer clients do).
    pub source_key_must_match_id: bool,
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
            originals_prefix: "originals/".into(),
            cache_control: "public, max-age=31536000, immutable".into(),
            originals_cache_control: "private, no-cache".into(),
            source_key_must_match_id: false,
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
    /// How long a passed self-test is trusted before it runs again (see `scan`).
    pub self_test_interval: HumanDuration,
}

impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig {
            mode: ScanMode::Off,
            clamd: "tcp://127.0.0.1:3310".into(),
            timeout: HumanDuration::secs(120),
            max_bytes: ByteSize::mib(100),
            chunk_size: ByteSize::kib(256),
            self_test_interval: HumanDuration::secs(6 * 3600),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Jobs processed at once by one daemon (the image lane's, unless `image_concurrency`).
    pub concurrency: usize,
    /// The lanes this daemon serves: `image`, `video` or both (`uploadd run --lanes` overrides).
    /// Each lane is fetched by its own loop with its own slots, so one kind of work never waits
    /// for another's capacity.
    pub lanes: Vec<String>,
    /// Image-lane jobs at once; 0 = `concurrency`.
    pub image_concurrency: usize,
    /// Video-lane jobs at once; 0 = `video.concurrency`.
    pub video_concurrency: usize,
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
    /// Memory the daemon's jobs may reserve at once for decoding (estimated from each image's
    /// header before anything is allocated; see `media::memory_estimate`); 0 = half of the
    /// machine's (or the cgroup's) memory. An image that needs more than all of it is rejected
    /// (`too_much_memory`).
    pub memory_budget: ByteSize,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 4,
            lanes: vec!["image".into(), "video".into()],
            image_concurrency: 0,
            video_concurrency: 0,
            cpu_threads: 0,
            temp_dir: String::new(),
            shutdown_grace: HumanDuration::secs(30),
            job_timeout: HumanDuration::secs(900),
            max_crashes: 3,
            memory_budget: ByteSize(0),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryConfig {
    /// Attempts per job (first try included) before it is marked `failed`. Only failures that
    /// are the job's own count: while a dependency is down, jobs wait without spending them.
    pub max_attempts: u32,
    /// The retry budget as a duration: a job still failing (for any reason, outages included)
    /// this long after it was enqueued is marked `failed`.
    pub max_age: HumanDuration,
    pub base_delay: HumanDuration,
    pub max_delay: HumanDuration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 8,
            max_age: HumanDuration::secs(86_400),
            base_delay: HumanDuration::secs(1),
            max_delay: HumanDuration::secs(300),
        }
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
    /// Allow `http://` callbacks (the signature proves the sender, but nothing hides the
    /// outcome in transit). Off: only `https://`.
    pub allow_http: bool,
    /// Allow callbacks to hosts that are or resolve to loopback, private, link-local or
    /// otherwise non-public addresses (a webhook receiver on the same network). Off: such
    /// addresses are refused even for allowed host names, checked on every connection (so a
    /// name cannot be re-pointed at an internal address after the check).
    pub allow_private_networks: bool,
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
            allow_http: false,
            allow_private_networks: false,
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

/// How HEIC and AVIF images are decoded: by libheif in a child process (`uploadd heif-decode`)
/// confined like ffmpeg (own process group, niceness, time, memory and output limits).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImagesConfig {
    /// The program run as `<heif_decoder> heif-decode …`; empty: this uploadd binary.
    pub heif_decoder: String,
    /// Wall-clock limit of one decode.
    pub heif_timeout: HumanDuration,
    /// Decoding threads per image (grid tiles decode in parallel).
    pub heif_threads: u32,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig { heif_decoder: String::new(), heif_timeout: HumanDuration::secs(60), heif_threads: 2 }
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
    /// An ffmpeg run whose output time has not advanced for this long is killed (`stalled`).
    pub stall_timeout: HumanDuration,
    /// ffmpeg `tonemap` operator for HDR → SDR (see README: *Video*).
    pub tonemap: String,
}

/// The CPU `tonemap` filter's operators (Debian's ffmpeg 5.1).
pub const TONEMAP_OPERATORS: &[&str] = &["mobius", "hable", "reinhard", "gamma", "linear", "clip"];

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
            stall_timeout: HumanDuration::secs(120),
            tonemap: "mobius".into(),
        }
    }
}
