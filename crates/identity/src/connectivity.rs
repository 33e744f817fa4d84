//! Can this computer reach Microsoft's sign-in service? [`check_connectivity`] asks the authority's
//! OpenID discovery document and turns what stops it (a blocked outbound 443, a name that does not
//! resolve, a proxy that refuses or is missing, TLS interception by a certificate the operating
//! system does not trust) into a [`NetworkProblem`] explained in plain words. The same
//! explanations are used for every failed call of this crate.

use std::error::Error as StdError;

use crate::{
    client::{Http, NetworkOptions},
    error::IdentityError,
    model::Authority,
};

/// Why a connection to Microsoft failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetworkProblem {
    /// Nothing answered on the host's HTTPS port (refused, reset, or silently dropped).
    Blocked {
        /// The host.
        host: String,
    },
    /// The host name could not be looked up.
    NameNotResolved {
        /// The host.
        host: String,
    },
    /// The proxy could not be reached, refused the tunnel, or asked for credentials.
    Proxy {
        /// The proxy (without credentials).
        proxy: String,
        /// What it did.
        detail: String,
    },
    /// The server's certificate is not trusted by this computer: usually a company's TLS
    /// inspection whose root certificate is not installed.
    UntrustedCertificate {
        /// The host.
        host: String,
    },
    /// Another TLS failure.
    Tls {
        /// The host.
        host: String,
        /// What failed.
        detail: String,
    },
    /// The connection was opened but no answer came in time.
    TimedOut {
        /// The host.
        host: String,
    },
    /// The host answered, but not as Microsoft's sign-in service does (a captive portal, a
    /// proxy's block page, the wrong host).
    UnexpectedAnswer {
        /// The host.
        host: String,
        /// What came back.
        detail: String,
    },
}

impl NetworkProblem {
    /// The problem in plain words, with what to do about it.
    pub fn explain(&self) -> String {
        match self {
            Self::Blocked { host } => format!(
                "spconnect could not open a connection to {host} on port 443. A firewall may block \
                 outbound HTTPS, or a proxy must be used: set HTTPS_PROXY, or ask your IT team to \
                 allow {host}."
            ),
            Self::NameNotResolved { host } => format!(
                "The name {host} could not be looked up. Check the network connection; on a network \
                 that only reaches the internet through a proxy, set HTTPS_PROXY."
            ),
            Self::Proxy { proxy, detail } => format!(
                "The proxy {proxy} {detail}. Check HTTPS_PROXY and NO_PROXY, or ask your IT team \
                 which proxy to use."
            ),
            Self::UntrustedCertificate { host } => format!(
                "The connection to {host} presented a certificate this computer does not trust. \
                 This usually means the network inspects encrypted traffic with its own \
                 certificate: ask your IT team to install their root certificate in the operating \
                 system's trust store, or to exempt {host}."
            ),
            Self::Tls { host, detail } => {
                format!("A secure connection to {host} could not be set up ({detail}).")
            }
            Self::TimedOut { host } => format!(
                "{host} did not answer in time. The network may be slow or a firewall may drop the \
                 traffic; try again, or ask your IT team to allow {host}."
            ),
            Self::UnexpectedAnswer { host, detail } => format!(
                "{host} answered, but not as Microsoft's sign-in service does ({detail}). A \
                 captive portal or a proxy's block page may be in the way, or the cloud setting \
                 names the wrong host."
            ),
        }
    }
}

impl std::fmt::Display for NetworkProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.explain())
    }
}

/// Checks that the sign-in service at `authority_host` answers, through the proxy `options` name.
pub async fn check_connectivity(
    authority_host: &str,
    options: &NetworkOptions,
) -> Result<(), NetworkProblem> {
    let authority = Authority::new(authority_host, "organizations").map_err(|e| {
        NetworkProblem::UnexpectedAnswer { host: authority_host.to_owned(), detail: e.to_string() }
    })?;
    let host = authority.host_name();
    let http = Http::new(&authority, options).map_err(|e| NetworkProblem::UnexpectedAnswer {
        host: host.clone(),
        detail: e.to_string(),
    })?;
    let url = authority.url("v2.0/.well-known/openid-configuration");
    let response = http
        .client()
        .get(&url)
        .send()
        .await
        .map_err(|e| explain_failure(&e, &host, http.proxy.as_deref()))?;
    let status = response.status();
    if status == reqwest::StatusCode::PROXY_AUTHENTICATION_REQUIRED {
        return Err(NetworkProblem::Proxy {
            proxy: http.proxy.clone().unwrap_or_else(|| "in the way".into()),
            detail: "asks for a user name and password".into(),
        });
    }
    let body =
        response.text().await.map_err(|e| explain_failure(&e, &host, http.proxy.as_deref()))?;
    let looks_right = serde_json::from_str::<serde_json::Value>(&body)
        .is_ok_and(|v| v.get("token_endpoint").is_some_and(serde_json::Value::is_string));
    if status.is_success() && looks_right {
        tracing::info!(host = %host, "sign-in service reachable");
        Ok(())
    } else {
        Err(NetworkProblem::UnexpectedAnswer { host, detail: format!("HTTP {status}") })
    }
}

/// What a failed request ran into.
pub(crate) fn explain_failure(
    error: &reqwest::Error,
    host: &str,
    proxy: Option<&str>,
) -> NetworkProblem {
    let host = host.to_owned();
    let mut texts = Vec::new();
    let mut refused = false;
    let mut untrusted = false;
    let mut source: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = source {
        texts.push(current.to_string());
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            untrusted |= is_untrusted(tls);
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            refused |= matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
            );
            // An io::Error's `source()` skips the error it wraps; look at it directly.
            if let Some(tls) = io.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                untrusted |= is_untrusted(tls);
            }
        }
        source = current.source();
    }
    let all = texts.join(": ");
    untrusted |= all.contains("UnknownIssuer") || all.contains("invalid peer certificate");
    if let Some(proxy) = proxy {
        let detail = if all.contains("proxy authorization required") {
            Some("asks for a user name and password")
        } else if all.contains("tunnel error: unsuccessful") {
            Some("refused to connect to Microsoft")
        } else if all.contains("failed to create underlying connection") || (refused && !untrusted)
        {
            Some("could not be reached")
        } else {
            None
        };
        if let Some(detail) = detail {
            return NetworkProblem::Proxy { proxy: proxy.to_owned(), detail: detail.to_owned() };
        }
    }
    if untrusted {
        NetworkProblem::UntrustedCertificate { host }
    } else if all.contains("dns error") || all.contains("failed to lookup address") {
        NetworkProblem::NameNotResolved { host }
    } else if refused {
        NetworkProblem::Blocked { host }
    } else if error.is_timeout() {
        if error.is_connect() {
            NetworkProblem::Blocked { host }
        } else {
            NetworkProblem::TimedOut { host }
        }
    } else if all.contains("tls") || all.contains("TLS") || all.contains("certificate") {
        NetworkProblem::Tls { host, detail: texts.last().cloned().unwrap_or_default() }
    } else if error.is_connect() {
        NetworkProblem::Blocked { host }
    } else {
        NetworkProblem::UnexpectedAnswer { host, detail: texts.last().cloned().unwrap_or_default() }
    }
}

fn is_untrusted(error: &rustls::Error) -> bool {
    use rustls::CertificateError as C;
    matches!(
        error,
        rustls::Error::InvalidCertificate(
            C::UnknownIssuer | C::BadSignature | C::UnknownRevocationStatus
        )
    )
}

impl From<NetworkProblem> for IdentityError {
    fn from(problem: NetworkProblem) -> Self {
        let host = match &problem {
            NetworkProblem::Blocked { host }
            | NetworkProblem::NameNotResolved { host }
            | NetworkProblem::UntrustedCertificate { host }
            | NetworkProblem::Tls { host, .. }
            | NetworkProblem::TimedOut { host }
            | NetworkProblem::UnexpectedAnswer { host, .. } => host.clone(),
            NetworkProblem::Proxy { proxy, .. } => proxy.clone(),
        };
        let timed_out = matches!(problem, NetworkProblem::TimedOut { .. });
        IdentityError::Network { host, explanation: problem.explain(), timed_out }
    }
}
