//! Starting and stopping the emulator.

use std::{
    io,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
    thread,
    time::Duration,
};

use tokio::sync::oneshot;

use crate::{
    keys::{KeyError, SigningKey},
    seed,
    state::{Shared, World},
    store::{Store, StoreError},
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

impl std::fmt::Display for TenantSpec {
    /// The text [`std::str::FromStr`] reads: `demo` or `large:SITES:LISTS:COLUMNS`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Demo => f.write_str("demo"),
            Self::Large { sites, lists, columns } => write!(f, "large:{sites}:{lists}:{columns}"),
        }
    }
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
    /// Keep the tenants, the signing key and refresh tokens in this directory across restarts
    /// (see the `store` module); `None` starts from the seed every time.
    pub state: Option<PathBuf>,
    /// Switch SharePoint's throttling model on from the start (it can be switched through the
    /// control API too).
    pub throttle: bool,
    /// Serve the control API under `/_emulator/` (fault injection, the request log). On for the
    /// program and the tests; the app's demo mode turns it off, so it answers 404 there.
    pub control_api: bool,
}

/// The PEM files for HTTPS.
#[cfg(feature = "tls")]
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The certificate chain (it should name `127.0.0.1`, the address the emulator listens on).
    pub certificate: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            port: 0,
            tenant: TenantSpec::Demo,
            latency: Duration::ZERO,
            #[cfg(feature = "tls")]
            tls: None,
            state: None,
            throttle: false,
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
    /// The state directory could not be used.
    #[error(transparent)]
    State(#[from] StoreError),
}

/// A running emulator. Dropping it stops the server (and saves its state, if it keeps one).
pub struct Emulator {
    address: SocketAddr,
    https: bool,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<io::Result<()>>>,
    /// Why the server stopped on its own, once it has.
    failure: Arc<Mutex<Option<String>>>,
}

impl Emulator {
    /// Starts the emulator on 127.0.0.1 in a thread of its own, and returns once it listens.
    pub fn start(config: Config) -> Result<Self, StartError> {
        // Loaded before anything listens, so a bad file is reported by `start`.
        let shared = Arc::new(shared_state(&config)?);
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
        let (stop, stopped) = oneshot::channel::<()>();
        let failure = Arc::new(Mutex::new(None));
        let app = crate::http::router(shared.clone(), config.control_api);
        let thread = reporting_thread(failure.clone(), move || {
            runtime.block_on(serve(listener, tls, app, stopped))
        })
        .map_err(StartError::Runtime)?;
        Ok(Self { address, https, shared, stop: Some(stop), thread: Some(thread), failure })
    }

    /// The base URL, e.g. `http://127.0.0.1:41234` (`https://…` with TLS).
    pub fn base_url(&self) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Why the server stopped on its own, if it has (it then answers no more requests).
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// What the state directory reported: files that could not be read and were set aside,
    /// saves that failed. Empty without `--state`.
    pub fn notices(&self) -> Vec<String> {
        self.shared.store.as_ref().map(Store::notices).unwrap_or_default()
    }

    /// Blocks until the server stops (the binary uses this), with the reason if it failed.
    pub fn wait(mut self) -> io::Result<()> {
        self.join()
    }

    fn join(&mut self) -> io::Result<()> {
        let Some(thread) = self.thread.take() else { return Ok(()) };
        let result = thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the emulator's server thread panicked")));
        if let Some(store) = &self.shared.store {
            store.save_or_report(&self.shared);
        }
        result
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.join();
    }
}

/// Runs `work` in the emulator's thread; if it fails, the reason is kept in `failure` (for
/// [`Emulator::failure`]) and logged, besides being what the thread returns.
fn reporting_thread(
    failure: Arc<Mutex<Option<String>>>,
    work: impl FnOnce() -> io::Result<()> + Send + 'static,
) -> io::Result<thread::JoinHandle<io::Result<()>>> {
    thread::Builder::new().name("emulator".into()).spawn(move || {
        let result = work();
        if let Err(error) = &result {
            tracing::error!("the emulator's server stopped: {error}");
            *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(error.to_string());
        }
        result
    })
}

/// Serves `app` on `listener` until `stopped` fires (or the server fails).
/// The TLS configuration the server runs with (none without the `tls` feature).
#[cfg(feature = "tls")]
type TlsConfig = axum_server::tls_rustls::RustlsConfig;
#[cfg(not(feature = "tls"))]
type TlsConfig = std::convert::Infallible;

async fn serve(
    listener: std::net::TcpListener,
    tls: Option<TlsConfig>,
    app: axum::Router,
    stopped: oneshot::Receiver<()>,
) -> io::Result<()> {
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
            axum_server::from_tcp_rustls(listener, tls)?
                .handle(handle)
                .serve(app.into_make_service())
                .await
        }
        None => {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        }
    }
}

/// Whether the emulator serves HTTPS.
fn https(config: &Config) -> bool {
    #[cfg(feature = "tls")]
    return config.tls.is_some();
    #[cfg(not(feature = "tls"))]
    {
        let _ = config;
        false
    }
}

fn shared_state(config: &Config) -> Result<Shared, StartError> {
    let mut world = match config.tenant {
        TenantSpec::Demo => World {
            tenants: vec![seed::demo_tenant(), seed::second_tenant()],
            external_apps: seed::external_applications(),
            replication_delay: Duration::ZERO,
        },
        TenantSpec::Large { sites, lists, columns } => World {
            tenants: vec![seed::large_tenant(sites, lists, columns), seed::second_tenant()],
            external_apps: seed::external_applications(),
            replication_delay: Duration::ZERO,
        },
    };
    let Some(dir) = &config.state else {
        let shared = Shared::new(world, SigningKey::generate()?, config.latency, https(config));
        shared.throttle.set_enabled(config.throttle);
        return Ok(shared);
    };
    let store = Store::open(dir, &config.tenant.to_string())?;
    world.tenants = world.tenants.into_iter().map(|t| store.tenant(t)).collect::<Result<_, _>>()?;
    let key = store.signing_key()?;
    let offset = store.clock_offset()?;
    let shared = Shared::new(world, key, config.latency, https(config));
    shared.throttle.set_enabled(config.throttle);
    store.restore_sessions(&mut shared.sessions())?;
    // The offset was valid when saved, so it is never negative.
    let _ = shared.clock.advance(offset);
    store.save(&shared).map_err(|source| StoreError::Io { dir: dir.clone(), source })?;
    Ok(shared.with_store(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An emulator whose server thread ends with `outcome`, as a failing serve would.
    fn ending_with(outcome: io::Result<()>) -> Emulator {
        let config = Config::default();
        let shared = Arc::new(shared_state(&config).expect("state"));
        let failure = Arc::new(Mutex::new(None));
        let thread = reporting_thread(failure.clone(), move || outcome).expect("thread");
        while !thread.is_finished() {
            thread::yield_now();
        }
        Emulator {
            address: SocketAddr::from(([127, 0, 0, 1], 9)),
            https: false,
            shared,
            stop: None,
            thread: Some(thread),
            failure,
        }
    }

    #[test]
    fn a_server_that_fails_after_start_is_reported_to_the_owner_and_by_wait() {
        let emulator = ending_with(Err(io::Error::other("accept failed")));
        assert_eq!(emulator.failure().as_deref(), Some("accept failed"));
        let error = emulator.wait().expect_err("wait reports the failure");
        assert_eq!(error.to_string(), "accept failed");
    }

    #[test]
    fn a_server_that_stops_cleanly_waits_without_error() {
        let emulator = ending_with(Ok(()));
        assert_eq!(emulator.failure(), None);
        assert!(emulator.wait().is_ok());
    }

    #[test]
    fn a_panicking_server_thread_is_reported_by_wait() {
        let mut emulator = ending_with(Ok(()));
        let panicking = reporting_thread(emulator.failure.clone(), || panic!("boom"));
        emulator.thread = Some(panicking.expect("thread"));
        let error = emulator.wait().expect_err("reported");
        assert!(error.to_string().contains("panicked"), "{error}");
    }
}
