//! The built-in demo tenant served in-process (`--demo`): the tenant emulator with its state kept
//! in the app's data folder, so a connection made in the demo still works after the app restarts,
//! and a reset that starts it again from the seed on the same address.

use std::{
    io,
    path::{Path, PathBuf},
    sync::Mutex,
};

use spconnect_emulator::{Config, Emulator, StartError};

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
    port: u16,
    base_url: String,
    emulator: Mutex<Option<Emulator>>,
}

impl DemoServer {
    /// Starts the demo tenant on a free loopback port, keeping its state in `state_dir`.
    pub fn start(state_dir: PathBuf) -> Result<Self, DemoError> {
        let emulator = Emulator::start(config(&state_dir, 0))?;
        for notice in emulator.notices() {
            tracing::warn!(%notice, "demo tenant state");
        }
        Ok(Self {
            port: emulator.address().port(),
            base_url: emulator.base_url(),
            state_dir,
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
        *emulator = Some(Emulator::start(config(&self.state_dir, self.port))?);
        tracing::info!("the demo tenant was reset");
        Ok(())
    }
}

fn config(state_dir: &Path, port: u16) -> Config {
    Config { port, state: Some(state_dir.to_owned()), ..Config::default() }
}
