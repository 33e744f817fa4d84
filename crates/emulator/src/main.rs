//! `spconnect-emulator`: the tenant emulator as a program of its own.

use std::time::Duration;

use clap::Parser;
use spconnect_emulator::{Config, Emulator, TenantSpec, TlsFiles};

/// A local Microsoft identity platform, Microsoft Graph and SharePoint REST for tests and demos.
/// Listens on 127.0.0.1 only; the first line on stdout is the base URL.
#[derive(Parser, Debug)]
#[command(name = "spconnect-emulator", version, about)]
struct Arguments {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The tenants to serve: `demo`, or `large:SITES:LISTS:COLUMNS` (e.g. large:10000:20:30) for
    /// the demo directory with generated SharePoint content.
    #[arg(long, default_value = "demo")]
    tenant: String,
    /// Milliseconds of latency added to every response.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Serve HTTPS with this PEM certificate (chain); it should name 127.0.0.1.
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    tls_key: Option<std::path::PathBuf>,
    /// Keep every tenant's objects, the signing key and refresh tokens in this directory, so they
    /// survive a restart (created if missing; a file that cannot be read is set aside with a
    /// message, never silently replaced).
    #[arg(long, value_name = "DIR")]
    state: Option<std::path::PathBuf>,
    /// Switch on SharePoint's throttling model (resource units per app per tenant, 429 past the
    /// budget); it can also be switched and tuned at PUT /_emulator/throttling.
    #[arg(long)]
    throttle: bool,
}

fn main() -> std::process::ExitCode {
    let arguments = Arguments::parse();
    let tenant: TenantSpec = match arguments.tenant.parse() {
        Ok(tenant) => tenant,
        Err(message) => {
            eprintln!("spconnect-emulator: {message}");
            return std::process::ExitCode::from(2);
        }
    };

    let tls = match (arguments.tls_cert, arguments.tls_key) {
        (Some(certificate), Some(key)) => Some(TlsFiles { certificate, key }),
        _ => None,
    };
    let config = Config {
        port: arguments.port,
        tenant,
        latency: Duration::from_millis(arguments.latency_ms),
        tls,
        state: arguments.state,
        throttle: arguments.throttle,
        control_api: true,
    };
    match Emulator::start(config) {
        Ok(emulator) => {
            use std::io::Write;
            for notice in emulator.notices() {
                eprintln!("spconnect-emulator: {notice}");
            }
            let mut stdout = std::io::stdout();
            let _ = writeln!(stdout, "{}", emulator.base_url());
            let _ = stdout.flush();
            match emulator.wait() {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("spconnect-emulator: the server stopped: {error}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Err(error) => {
            eprintln!("spconnect-emulator: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
