//! The demo mode (the `demo` feature): the built-in demo tenant served in-process (`--demo`), the
//! tenant emulator with its state kept in the app's data folder, so a connection made in the demo
//! still works after the app restarts, and a reset that starts it again from the seed on the same
//! address. Its control API (fault injection, the request log) is off in the app; only tests can
//! turn it on ([`DemoServer::start_with_control_api`]).

use std::{
    io,
    path::{Path, PathBuf},
    sync::Mutex,
};

use spconnect_emulator::{Config, DEMO_DOMAIN, DEMO_ORGANIZATION, Emulator, StartError};

use crate::DemoTenant;

/// Why the demo tenant could not start or be reset.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The emulator did not start.
    #[error("the demo tenant could not start: {0}")]
    Start(#[from] StartError),
    /// The saved state could not be removed.
    #[error("the demo tenant's saved state in {} could not be removed: {source}", path.display())]
    Remove {
        /// The state folder.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
}

/// The demo tenant running inside the app.
pub struct DemoServer {
    state_dir: PathBuf,
    control_api: bool,
    port: u16,
    base_url: String,
    emulator: Mutex<Option<Emulator>>,
}

impl DemoServer {
    /// Starts the demo tenant on a free loopback port, keeping its state in `state_dir`.
    pub fn start(state_dir: PathBuf) -> Result<Self, DemoError> {
        Self::start_inner(state_dir, false)
    }

    /// The same with the emulator's control API on: for tests that change the tenant's state
    /// through it. The app never calls this.
    #[doc(hidden)]
    pub fn start_with_control_api(state_dir: PathBuf) -> Result<Self, DemoError> {
        Self::start_inner(state_dir, true)
    }

    fn start_inner(state_dir: PathBuf, control_api: bool) -> Result<Self, DemoError> {
        let emulator = Emulator::start(config(&state_dir, 0, control_api))?;
        for notice in emulator.notices() {
            tracing::warn!(%notice, "demo tenant state");
        }
        Ok(Self {
            port: emulator.address().port(),
            base_url: emulator.base_url(),
            state_dir,
            control_api,
            emulator: Mutex::new(Some(emulator)),
        })
    }

    /// Where the demo tenant answers; the same after a reset.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The folder its state is kept in.
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// What the emulator reported about its saved state (e.g. a file it set aside).
    pub fn notices(&self) -> Vec<String> {
        let emulator = self.emulator.lock().unwrap_or_else(|p| p.into_inner());
        emulator.as_ref().map(Emulator::notices).unwrap_or_default()
    }

    /// Stops the demo tenant, deletes its saved state and starts it again from the seed on the
    /// same port. If it cannot start again, a later reset tries again.
    pub fn reset(&self) -> Result<(), DemoError> {
        let mut emulator = self.emulator.lock().unwrap_or_else(|p| p.into_inner());
        // Dropping it stops the server and waits for it.
        drop(emulator.take());
        match std::fs::remove_dir_all(&self.state_dir) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(DemoError::Remove { path: self.state_dir.clone(), source });
            }
        }
        *emulator = Some(Emulator::start(config(&self.state_dir, self.port, self.control_api))?);
        tracing::info!("the demo tenant was reset");
        Ok(())
    }

    /// The demo tenant as the rest of the app sees it.
    pub fn tenant(&self) -> DemoTenant {
        DemoTenant {
            base_url: self.base_url.clone(),
            organization: DEMO_ORGANIZATION.to_owned(),
            domain: DEMO_DOMAIN.to_owned(),
            state_dir: Some(self.state_dir.clone()),
            tenant_id: spconnect_emulator::DEMO_TENANT_ID.to_owned(),
            client_id: spconnect_emulator::SPCONNECT_CLIENT_ID.to_owned(),
        }
    }
}

fn config(state_dir: &Path, port: u16, control_api: bool) -> Config {
    Config { port, state: Some(state_dir.to_owned()), control_api, ..Config::default() }
}
