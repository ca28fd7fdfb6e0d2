//! Logging setup: `RUST_LOG` wins; otherwise Chatdrop logs at info and its
//! dependencies at warn. Lines for people by default, or one JSON object
//! per line (`--log-format json`) for a log collector.

use tracing_subscriber::EnvFilter;

/// How log lines look.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Text for people reading a terminal or the journal.
    #[default]
    Text,
    /// One JSON object per line: time, level, message, fields, spans.
    Json,
}

/// Installs the global subscriber. Safe to call more than once (later calls
/// do nothing), so tests can call it from every test.
pub fn init() {
    init_as(LogFormat::Text);
}

/// [`init`], in `format`.
pub fn init_as(format: LogFormat) {
    let filter = || {
        EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| EnvFilter::new("warn,chatdrop=info,server=info,tower_http=warn"))
    };
    let _ = match format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_target(false)
            .try_init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter())
            .with_current_span(true)
            .try_init(),
    };
}
