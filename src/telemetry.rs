//! Logging: human-readable lines by default, JSON with `log.format = "json"`; `RUST_LOG`
//! overrides `log.level`. Logs go to stderr (journald picks them up under systemd).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::reload;

use crate::config::{LogConfig, LogFormat};

/// Lets SIGHUP change the log level at run time.
pub type LevelHandle = reload::Handle<EnvFilter, tracing_subscriber::Registry>;

/// Installs the global subscriber. Returns a handle to change the filter later, or `None`
/// when a subscriber was already installed (tests).
pub fn init(cfg: &LogConfig, default_level: Option<&str>) -> Option<LevelHandle> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let level = default_level.unwrap_or(&cfg.level);
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, handle) = reload::Layer::new(filter);
    let registry = tracing_subscriber::registry().with(filter);
    let ok = match cfg.format {
        LogFormat::Json => registry
            .with(tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr).with_current_span(false))
            .try_init()
            .is_ok(),
        // Colours only on a terminal: journald and log files get plain text.
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_target(false)
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
            )
            .try_init()
            .is_ok(),
    };
    ok.then_some(handle)
}
