//! Starting and stopping the emulator.

use std::{net::SocketAddr, sync::Arc, thread, time::Duration};

use tokio::sync::oneshot;

use crate::{
    keys::{KeyError, SigningKey},
    seed,
    state::{Shared, World},
};

/// Which tenants to serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TenantSpec {
    /// The deterministic demo tenant (Contoso) and the second tenant (Fabrikam).
    Demo,
    /// The demo directory with generated SharePoint content: `sites` site collections, each with
    /// `lists` lists of `columns` custom columns (built on demand, so memory stays small).
    Large {
        /// Site collections.
        sites: u32,
        /// Lists per site.
        lists: u32,
        /// Custom columns per list.
        columns: u32,
    },
}

impl std::str::FromStr for TenantSpec {
    type Err = String;

    /// `demo` or `large:SITES:LISTS:COLUMNS`.
    fn from_str(text: &str) -> Result<Self, String> {
        if text == "demo" {
            return Ok(Self::Demo);
        }
        let numbers: Vec<&str> =
            text.strip_prefix("large:").map(|r| r.split(':').collect()).unwrap_or_default();
        let parse = |s: &str, max: u32, what: &str| -> Result<u32, String> {
            let n: u32 =
                s.parse().map_err(|_| format!("{what} must be a whole number, not '{s}'"))?;
            if n == 0 || n > max {
                return Err(format!("{what} must be between 1 and {max}"));
            }
            Ok(n)
        };
        match numbers.as_slice() {
            [sites, lists, columns] => {
                let (max_sites, max_lists, max_columns) = seed::LARGE_LIMITS;
                Ok(Self::Large {
                    sites: parse(sites, max_sites, "SITES")?,
                    lists: parse(lists, max_lists, "LISTS")?,
                    columns: parse(columns, max_columns, "COLUMNS")?,
                })
            }
            _ => Err(format!("unknown tenant '{text}' (known: demo, large:SITES:LISTS:COLUMNS)")),
        }
    }
}

/// How to run the emulator.
#[derive(Clone, Debug)]
pub struct Config {
    /// The loopback port; 0 picks a free one.
    pub port: u16,
    /// The tenants.
    pub tenant: TenantSpec,
    /// Latency added to every response.
    pub latency: Duration,
    /// Serve HTTPS with this certificate chain and key (PEM files the caller provides).
    #[cfg(feature = "tls")]
    pub tls: Option<TlsFiles>,
    /// Serve the control API under `/_emulator/` (fault injection, the request log). On for the
    /// program and the tests; the app's demo mode turns it off, so it answers 404 there.
    pub control_api: bool,
}

/// The PEM files for HTTPS.
#[cfg(feature = "tls")]
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The certificate chain (it should name `127.0.0.1`, the address the emulator listens on).
    pub certificate: std::path::PathBuf,
    /// The private key.
    pub key: std::path::PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            port: 0,
            tenant: TenantSpec::Demo,
            latency: Duration::ZERO,
            #[cfg(feature = "tls")]
            tls: None,
            control_api: true,
        }
    }
}

/// Why the emulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port.
        port: u16,
        /// The reason.
        source: std::io::Error,
    },
    /// The signing key could not be made.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The runtime could not start.
    #[error("cannot start the emulator's runtime: {0}")]
    Runtime(std::io::Error),
    /// The TLS certificate or key could not be read.
    #[cfg(feature = "tls")]
    #[error("cannot use the TLS certificate and key: {0}")]
    Tls(std::io::Error),
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    address: SocketAddr,
    https: bool,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Emulator {
    /// Starts the emulator on 127.0.0.1 in a thread of its own, and returns once it listens.
    pub fn start(config: Config) -> Result<Self, StartError> {
        let shared = Arc::new(shared_state(&config)?);
        // Loaded before anything listens, so a bad file is reported by `start`.
        let listener = std::net::TcpListener::bind(("127.0.0.1", config.port))
            .map_err(|source| StartError::Bind { port: config.port, source })?;
        listener.set_nonblocking(true).map_err(StartError::Runtime)?;
        let address = listener.local_addr().map_err(StartError::Runtime)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(StartError::Runtime)?;
        #[cfg(feature = "tls")]
        let tls = match &config.tls {
            Some(files) => Some(
                runtime
                    .block_on(axum_server::tls_rustls::RustlsConfig::from_pem_file(
                        &files.certificate,
                        &files.key,
                    ))
                    .map_err(StartError::Tls)?,
            ),
            None => None,
        };
        #[cfg(not(feature = "tls"))]
        let tls: Option<std::convert::Infallible> = None;
        let https = tls.is_some();
        let control_api = config.control_api;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("emulator".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let app = crate::http::router(shared, control_api);
                    match tls {
                        #[cfg(not(feature = "tls"))]
                        Some(never) => match never {},
                        #[cfg(feature = "tls")]
                        Some(tls) => {
                            let handle = axum_server::Handle::new();
                            let stopper = handle.clone();
                            tokio::spawn(async move {
                                let _ = stopped.await;
                                stopper.graceful_shutdown(Some(Duration::from_secs(1)));
                            });
                            let Ok(server) = axum_server::from_tcp_rustls(listener, tls) else {
                                return;
                            };
                            let _ = server.handle(handle).serve(app.into_make_service()).await;
                        }
                        None => {
                            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                                return;
                            };
                            let _ = axum::serve(listener, app)
                                .with_graceful_shutdown(async {
                                    let _ = stopped.await;
                                })
                                .await;
                        }
                    }
                });
            })
            .map_err(StartError::Runtime)?;
        Ok(Self { address, https, stop: Some(stop), thread: Some(thread) })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (`https://…` with TLS).
    pub fn base_url(&self) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Blocks until the server stops (the binary uses this).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn shared_state(config: &Config) -> Result<Shared, StartError> {
    let world = match config.tenant {
        TenantSpec::Demo => World {
            tenants: vec![seed::demo_tenant(), seed::second_tenant()],
            external_apps: vec![seed::spconnect_application()],
            replication_delay: Duration::ZERO,
        },
        TenantSpec::Large { sites, lists, columns } => World {
            tenants: vec![seed::large_tenant(sites, lists, columns), seed::second_tenant()],
            external_apps: vec![seed::spconnect_application()],
            replication_delay: Duration::ZERO,
        },
    };
    #[cfg(feature = "tls")]
    let https = config.tls.is_some();
    #[cfg(not(feature = "tls"))]
    let https = false;
    Ok(Shared::new(world, SigningKey::generate()?, config.latency, https))
}
