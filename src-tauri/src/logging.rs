//! The tracing subscriber, installed only by the shell: a daily-rotating file in the app's log
//! folder, kept for [`KEEP_DAYS`] days, plus stderr in development builds or when `RUST_LOG` is set.
//! The level comes from `RUST_LOG` (default `info`).

use std::path::Path;

use tracing_appender::rolling::{InitError, RollingFileAppender, Rotation};
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

/// How many daily log files are kept; older ones are deleted as new days begin.
pub const KEEP_DAYS: usize = 14;

/// What can stop logging from being set up. The app runs without a log file then.
#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    /// The log folder could not be created.
    #[error("the log folder could not be created: {0}")]
    Folder(#[from] std::io::Error),
    /// The log folder or file could not be created.
    #[error("the log file could not be opened: {0}")]
    File(#[from] InitError),
    /// A subscriber was already installed.
    #[error("logging was already set up: {0}")]
    AlreadyInstalled(#[from] tracing_subscriber::util::TryInitError),
}

/// Installs the global subscriber, writing to `log_dir`.
pub fn install(log_dir: &Path) -> Result<(), LoggingError> {
    // Created first: the appender prunes old files at start and complains about a missing folder.
    std::fs::create_dir_all(log_dir)?;
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("spconnect")
        .filename_suffix("log")
        .max_log_files(KEEP_DAYS)
        .build(log_dir)?;
    let level = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let to_stderr = cfg!(debug_assertions) || std::env::var_os("RUST_LOG").is_some();
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(file)
                .with_ansi(false)
                .with_filter(level()),
        )
        .with(to_stderr.then(|| {
            tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(level())
        }))
        .try_init()?;
    Ok(())
}
