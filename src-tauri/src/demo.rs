//! The demo mode (the `demo` feature): the tenant emulator started inside the app, serving the
//! demo tenant on loopback. Its control API (fault injection, the request log) is off here, so
//! nothing in the app can reach it; tests that need faults run the emulator program instead.

use spconnect_emulator::{Config, DEMO_DOMAIN, DEMO_ORGANIZATION, Emulator, StartError};

use crate::DemoTenant;

/// The emulator as the app runs it: the demo tenant, without the control API.
pub fn config() -> Config {
    Config { control_api: false, ..Config::default() }
}

/// Starts the demo tenant; it serves until the returned emulator is dropped.
pub fn start() -> Result<(Emulator, DemoTenant), StartError> {
    let emulator = Emulator::start(config())?;
    let tenant = tenant(emulator.base_url());
    Ok((emulator, tenant))
}

/// The demo tenant served at `base_url`.
pub fn tenant(base_url: String) -> DemoTenant {
    DemoTenant {
        base_url,
        organization: DEMO_ORGANIZATION.to_owned(),
        domain: DEMO_DOMAIN.to_owned(),
    }
}
