//! What the shell keeps for the life of the app.

#[cfg(feature = "demo")]
use std::sync::OnceLock;
use std::{
    path::PathBuf,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use spconnect_settings::{AccountsStore, SettingsStore};
use spconnect_vault::SecretStore;

use crate::accounts::Accounts;

#[cfg(feature = "demo")]
use crate::demo::DemoServer;

/// The folder, under the configuration folder, of the connection records (encrypted).
pub const CONNECTIONS_DIR: &str = "connections";

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
    /// Where its state is kept, when it runs inside the app.
    pub state_dir: Option<PathBuf>,
    /// The demo organisation's tenant id.
    pub tenant_id: String,
    /// spconnect's built-in public client application there.
    pub client_id: String,
}

/// State shared by the commands.
pub struct AppState {
    dirs: AppDirs,
    demo: Option<DemoTenant>,
    #[cfg(feature = "demo")]
    demo_server: OnceLock<DemoServer>,
    settings: SettingsStore,
    accounts: Accounts,
    browsing: crate::browsing::Browsing,
    connections: spconnect_connections::store::ConnectionStore,
    running: crate::commands::connections::Running,
    started: Instant,
    first_paint_reported: AtomicBool,
}

impl AppState {
    /// State for an app whose folders are `dirs`, its secrets in `secrets` (the OS keychain),
    /// started at `started`.
    pub fn new(
        dirs: AppDirs,
        demo: Option<DemoTenant>,
        secrets: std::sync::Arc<dyn SecretStore>,
        started: Instant,
    ) -> Self {
        let settings = SettingsStore::in_dir(&dirs.config_dir);
        let records = spconnect_vault::RecordStore::new(
            secrets.clone(),
            &dirs.config_dir.join(CONNECTIONS_DIR),
            spconnect_vault::ProfileName::new("default").expect("a valid profile name"),
        );
        let accounts = Accounts::new(AccountsStore::in_dir(&dirs.config_dir), secrets);
        Self {
            connections: spconnect_connections::store::ConnectionStore::new(records),
            running: Default::default(),
            accounts,
            browsing: crate::browsing::Browsing::default(),
            dirs,
            demo,
            #[cfg(feature = "demo")]
            demo_server: OnceLock::new(),
            settings,
            started,
            first_paint_reported: AtomicBool::new(false),
        }
    }

    /// The demo tenant, when the app runs on it.
    pub fn demo(&self) -> Option<DemoTenant> {
        #[cfg(feature = "demo")]
        if let Some(server) = self.demo_server.get() {
            return Some(server.tenant());
        }
        self.demo.clone()
    }

    #[cfg(feature = "demo")]
    /// Serves the demo tenant inside the app (set once, before the window opens); `false` (and
    /// `server` stopped) if one is set already.
    pub fn serve_demo(&self, server: DemoServer) -> bool {
        self.demo_server.set(server).is_ok()
    }

    #[cfg(feature = "demo")]
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

    /// What the Browse step has read, and the load in progress.
    pub fn browsing(&self) -> &crate::browsing::Browsing {
        &self.browsing
    }

    /// The connections, unfinished applies and their keys (encrypted records).
    pub fn connections(&self) -> &spconnect_connections::store::ConnectionStore {
        &self.connections
    }

    /// The applies running now.
    pub fn running(&self) -> &crate::commands::connections::Running {
        &self.running
    }

    /// Who is signed in, and signing in.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// The time since start-up the first time the UI reports it painted; `None` afterwards.
    pub fn first_paint(&self) -> Option<Duration> {
        (!self.first_paint_reported.swap(true, Ordering::SeqCst)).then(|| self.started.elapsed())
    }
}
