//! What the shell keeps for the life of the app.

use std::{
    path::PathBuf,
    sync::{
        OnceLock,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use spconnect_settings::SettingsStore;

use crate::demo::DemoServer;

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
    /// Where its state is kept, when it runs inside the app.
    pub state_dir: Option<PathBuf>,
}

/// State shared by the commands.
pub struct AppState {
    dirs: AppDirs,
    demo: Option<DemoTenant>,
    demo_server: OnceLock<DemoServer>,
    settings: SettingsStore,
    started: Instant,
    first_paint_reported: AtomicBool,
}

impl AppState {
    /// State for an app whose folders are `dirs`, started at `started`.
    pub fn new(dirs: AppDirs, demo: Option<DemoTenant>, started: Instant) -> Self {
        let settings = SettingsStore::in_dir(&dirs.config_dir);
        Self {
            dirs,
            demo,
            demo_server: OnceLock::new(),
            settings,
            started,
            first_paint_reported: AtomicBool::new(false),
        }
    }

    /// The demo tenant, when the app runs on it.
    pub fn demo(&self) -> Option<DemoTenant> {
        match self.demo_server.get() {
            Some(server) => Some(DemoTenant {
                base_url: server.base_url().to_owned(),
                state_dir: Some(server.state_dir().to_owned()),
            }),
            None => self.demo.clone(),
        }
    }

    /// Serves the demo tenant inside the app (set once, before the window opens); `false` (and
    /// `server` stopped) if one is set already.
    pub fn serve_demo(&self, server: DemoServer) -> bool {
        self.demo_server.set(server).is_ok()
    }

    /// The demo tenant running inside the app, if any.
    pub fn demo_server(&self) -> Option<&DemoServer> {
        self.demo_server.get()
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
