//! What the shell keeps for the life of the app.

use std::{
    path::PathBuf,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use spconnect_settings::SettingsStore;

/// The folders the app writes to.
#[derive(Clone, Debug)]
pub struct AppDirs {
    /// Per-user configuration (`settings.json`).
    pub config_dir: PathBuf,
    /// The rotating log files.
    pub log_dir: PathBuf,
}

/// The built-in demo tenant the app is connected to (`--demo`), served by the tenant emulator.
#[derive(Clone, Debug)]
pub struct DemoTenant {
    /// The emulator's base URL, standing in for the sign-in and Graph endpoints.
    pub base_url: String,
    /// The demo organization's name.
    pub organization: String,
    /// The demo organization's domain.
    pub domain: String,
}

/// State shared by the commands.
pub struct AppState {
    dirs: AppDirs,
    demo: Option<DemoTenant>,
    settings: SettingsStore,
    started: Instant,
    first_paint_reported: AtomicBool,
}

impl AppState {
    /// State for an app whose folders are `dirs`, started at `started`.
    pub fn new(dirs: AppDirs, demo: Option<DemoTenant>, started: Instant) -> Self {
        let settings = SettingsStore::in_dir(&dirs.config_dir);
        Self { dirs, demo, settings, started, first_paint_reported: AtomicBool::new(false) }
    }

    /// The demo tenant, when the app runs on it.
    pub fn demo(&self) -> Option<&DemoTenant> {
        self.demo.as_ref()
    }

    /// The app's folders.
    pub fn dirs(&self) -> &AppDirs {
        &self.dirs
    }

    /// The settings file.
    pub fn settings(&self) -> &SettingsStore {
        &self.settings
    }

    /// The time since start-up the first time the UI reports it painted; `None` afterwards.
    pub fn first_paint(&self) -> Option<Duration> {
        (!self.first_paint_reported.swap(true, Ordering::SeqCst)).then(|| self.started.elapsed())
    }
}
