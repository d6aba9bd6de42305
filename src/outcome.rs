//! The vocabulary every layer shares about how work ends: the pipeline [`Stage`]s, the
//! [`Reason`] codes producers match on, and the [`Failure`] classification that decides retry
//! versus rejection. A leaf module: it imports nothing from the crate, so anything may use it.

/// Pipeline stages (metric labels and failure records), in the order a job passes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Fetch,
    Scan,
    Validate,
    Image,
    Video,
    Placeholders,
    Store,
    Commit,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Fetch,
        Stage::Scan,
        Stage::Validate,
        Stage::Image,
        Stage::Video,
        Stage::Placeholders,
        Stage::Store,
        Stage::Commit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Fetch => "fetch",
            Stage::Scan => "scan",
            Stage::Validate => "validate",
            Stage::Image => "image",
            Stage::Video => "video",
            Stage::Placeholders => "placeholders",
            Stage::Store => "store",
            Stage::Commit => "commit",
        }
    }

    /// A compact code, so the stage a job is in can live in an atomic.
    pub fn index(self) -> u8 {
        Stage::ALL.iter().position(|s| *s == self).map_or(0, |i| i as u8)
    }

    pub fn from_index(i: u8) -> Stage {
        Stage::ALL.get(usize::from(i)).copied().unwrap_or(Stage::Fetch)
    }

    /// Stages that work on the input's bytes with our own CPU: a time-out or a crash there
    /// will recur on every attempt. The others wait on dependencies (store, clamd, database).
    pub fn works_on_the_input(self) -> bool {
        matches!(self, Stage::Validate | Stage::Image | Stage::Video | Stage::Placeholders)
    }
}

/// The dependency a transient failure waited on. A job whose dependency is down does not
/// spend its own attempts: the worker backs off fetching instead (see `breaker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dependency {
    Storage,
    Database,
    Clamd,
    Queue,
}

impl Dependency {
    pub const ALL: [Dependency; 4] = [Dependency::Storage, Dependency::Database, Dependency::Clamd, Dependency::Queue];

    pub fn as_str(self) -> &'static str {
        match self {
            Dependency::Storage => "storage",
            Dependency::Database => "database",
            Dependency::Clamd => "clamd",
            Dependency::Queue => "queue",
        }
    }
}

macro_rules! reasons {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// Every reason code uploadd records (`reason_code` in `uploadd status`, events and
        /// webhooks). The strings are a contract with producers (`jobs/README.md`): never
        /// change one, only add.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason {
            $($(#[$doc])* $variant,)*
        }

        impl Reason {
            pub const ALL: &'static [Reason] = &[$(Reason::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Reason::$variant => $code,)*
                }
            }
        }
    };
}

reasons! {
    /// clamd found a signature; the original is quarantined.
    Infected => "infected",
    /// clamd could not scan the whole file (over its limits, encrypted…).
    Unscannable => "unscannable",
    /// The file is empty.
    Empty => "empty",
    /// The declared type disagrees with the magic bytes.
    TypeMismatch => "type_mismatch",
    /// The real type is not one this profile accepts.
    TypeNotAllowed => "type_not_allowed",
    /// Over the profile's byte limit.
    TooLarge => "too_large",
    /// Over the profile's pixel limit (read from the header, before decoding).
    TooManyPixels => "too_many_pixels",
    /// Decoding needs more memory than `worker.memory_budget` allows.
    TooMuchMemory => "too_much_memory",
    /// A clip longer than the profile allows.
    TooLong => "too_long",
    /// The bytes are not a readable file of their type.
    Corrupt => "corrupt",
    /// A valid file of a kind this build cannot handle.
    Unsupported => "unsupported",
    /// A media container without a video stream (an audio-only MP4) in a video profile.
    NoVideoStream => "no_video_stream",
    /// The job payload could not be parsed.
    InvalidJob => "invalid_job",
    /// The job's source key is not a valid object key.
    InvalidSource => "invalid_source",
    /// The job names a profile the daemon does not have.
    UnknownProfile => "unknown_profile",
    /// The source object does not exist.
    SourceMissing => "source_missing",
    /// Another unfinished upload already claims this source key.
    SourceInUse => "source_in_use",
    /// The worker processing the upload died `worker.max_crashes` times.
    Crashed => "crashed",
    /// Cancelled by an operator.
    Cancelled => "cancelled",
    /// The attempt ran longer than `worker.job_timeout`.
    Timeout => "timeout",
    /// ffmpeg made no progress for `video.stall_timeout`.
    Stalled => "stalled",
    /// An output could not be encoded (not the input's fault).
    EncodeFailed => "encode_failed",
    /// The poster frame could not be rendered.
    PosterFailed => "poster_failed",
    /// ffmpeg's output grew past its cap.
    OutputTooLarge => "output_too_large",
    /// ffmpeg was killed from outside (the OOM killer, an operator).
    FfmpegKilled => "ffmpeg_killed",
    /// ffmpeg or ffprobe could not be started.
    FfmpegUnavailable => "ffmpeg_unavailable",
    /// The HEIC/AVIF decoder child was killed from outside (the OOM killer, an operator).
    DecoderKilled => "decoder_killed",
    /// The HEIC/AVIF decoder child could not be started (`images.heif_decoder`).
    DecoderUnavailable => "decoder_unavailable",
    /// Our temp disk is full.
    DiskFull => "disk_full",
    /// Our temp directory could not be used.
    TempUnavailable => "temp_unavailable",
    /// The object store did not answer (or refused).
    StorageUnavailable => "storage_unavailable",
    /// The database did not answer.
    DatabaseUnavailable => "database_unavailable",
    /// clamd did not answer, or is not trustworthy (its self-test failed).
    ScannerUnavailable => "scanner_unavailable",
    /// The CPU pool could not run the work.
    CpuPool => "cpu_pool",
    /// The job's handler panicked (a bug).
    Panic => "panic",
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a stage stopped, and what that means for the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Infrastructure or resource trouble: try again later. With a `dependency`, the attempt
    /// is not the job's fault and does not count against its attempts.
    Transient { stage: Stage, reason: Reason, message: String, dependency: Option<Dependency> },
    /// The input is unacceptable: `rejected`, never retried.
    Reject { stage: Stage, reason: Reason, message: String },
    /// Permanent but not the input's fault (e.g. an encoder bug): `failed`.
    Fail { stage: Stage, reason: Reason, message: String },
}

impl Failure {
    pub fn transient(stage: Stage, reason: Reason, message: impl Into<String>) -> Failure {
        Failure::Transient { stage, reason, message: message.into(), dependency: None }
    }
    /// A transient failure caused by a dependency being unreachable or failing.
    pub fn unavailable(stage: Stage, dependency: Dependency, reason: Reason, message: impl Into<String>) -> Failure {
        Failure::Transient { stage, reason, message: message.into(), dependency: Some(dependency) }
    }
    pub fn reject(stage: Stage, reason: Reason, message: impl Into<String>) -> Failure {
        Failure::Reject { stage, reason, message: message.into() }
    }
    pub fn fail(stage: Stage, reason: Reason, message: impl Into<String>) -> Failure {
        Failure::Fail { stage, reason, message: message.into() }
    }
    pub fn stage(&self) -> Stage {
        match self {
            Failure::Transient { stage, .. } | Failure::Reject { stage, .. } | Failure::Fail { stage, .. } => *stage,
        }
    }
    pub fn reason(&self) -> Reason {
        match self {
            Failure::Transient { reason, .. } | Failure::Reject { reason, .. } | Failure::Fail { reason, .. } => {
                *reason
            }
        }
    }
    /// The reason code (the producer contract).
    pub fn code(&self) -> &'static str {
        self.reason().as_str()
    }
    pub fn message(&self) -> &str {
        match self {
            Failure::Transient { message, .. } | Failure::Reject { message, .. } | Failure::Fail { message, .. } => {
                message
            }
        }
    }
    /// The dependency that was down, for transient failures that were not the job's own.
    pub fn dependency(&self) -> Option<Dependency> {
        match self {
            Failure::Transient { dependency, .. } => *dependency,
            _ => None,
        }
    }
    /// `transient` or `permanent` (the metric label).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Transient { .. } => "transient",
            _ => "permanent",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_are_unique_snake_case_strings() {
        let mut seen = std::collections::HashSet::new();
        for r in Reason::ALL {
            let s = r.as_str();
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{s}");
            assert!(seen.insert(s), "{s} twice");
        }
        // The codes producers were promised (jobs/README.md) keep their spelling.
        for code in [
            "infected",
            "type_mismatch",
            "type_not_allowed",
            "corrupt",
            "too_large",
            "too_many_pixels",
            "unscannable",
            "unsupported",
            "invalid_job",
            "invalid_source",
            "unknown_profile",
            "source_missing",
            "crashed",
        ] {
            assert!(seen.contains(code), "{code} missing");
        }
    }

    #[test]
    fn stages_round_trip_through_their_index() {
        for s in Stage::ALL {
            assert_eq!(Stage::from_index(s.index()), s);
        }
    }
}
