//! The HTTP client every call of this crate goes through: a timeout on every request, no
//! redirects followed, rustls with the operating system's trust store, and the proxy from
//! `HTTPS_PROXY`/`NO_PROXY` (or one given explicitly). It posts to the token endpoint, retries
//! what may succeed later (429 and 5xx honouring `Retry-After`, timeouts) a bounded number of
//! times, and turns Microsoft's error answers (docs/microsoft §1.8) into [`Rejection`]s.
//!
//! It logs the endpoint's path, the status and Microsoft's error code, never a body or a form.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use spconnect_secret::Secret;

use crate::{
    connectivity::explain_failure,
    error::{IdentityError, Rejection},
    model::Authority,
};

/// How the crate reaches Microsoft.
#[derive(Clone, Debug)]
pub struct NetworkOptions {
    /// Which proxy to use.
    pub proxy: ProxyChoice,
    /// Extra trusted root certificates (PEM), added to the operating system's. For tests and
    /// private clouds; a company's TLS inspection certificate belongs in the OS trust store.
    pub extra_roots_pem: Vec<String>,
    /// The limit for a whole request (connecting, sending, receiving).
    pub timeout: Duration,
    /// The limit for opening the connection.
    pub connect_timeout: Duration,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            proxy: ProxyChoice::Environment,
            extra_roots_pem: Vec::new(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// The proxy choice. Its `Debug` leaves out a proxy's user name and password.
#[derive(Clone, PartialEq, Eq)]
pub enum ProxyChoice {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (upper or lower case), as curl reads
    /// them. A loopback authority (a local tenant emulator) is always reached directly.
    Environment,
    /// No proxy.
    Direct,
    /// This proxy URL for every request (`http://proxy.example.com:8080`).
    Url(String),
}

impl std::fmt::Debug for ProxyChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Environment => f.write_str("Environment"),
            Self::Direct => f.write_str("Direct"),
            Self::Url(url) => f.debug_tuple("Url").field(&without_credentials(url)).finish(),
        }
    }
}

/// How many times a retryable request is sent at most.
const ATTEMPTS: u32 = 3;
/// The longest `Retry-After` waited for inside one call; a longer one is returned to the caller.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// A successful token answer (docs/microsoft §1.4), secrets wrapped as soon as they are read.
pub(crate) struct TokenAnswer {
    pub access_token: Secret<String>,
    pub refresh_token: Option<Secret<String>>,
    pub id_token: Option<Secret<String>>,
    pub expires_in: u64,
    pub scope: String,
}

/// What one token request gave when it failed.
pub(crate) enum Failure {
    /// Microsoft answered with an error.
    Rejected(Rejection),
    /// Anything else: throttling, outage, network, unreadable answer.
    Other(IdentityError),
}

impl From<Failure> for IdentityError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Rejected(rejection) => classify(rejection),
            Failure::Other(error) => error,
        }
    }
}

/// Maps the rejections that need the person (for any grant) to [`IdentityError::SignInAgain`].
pub(crate) fn classify(rejection: Rejection) -> IdentityError {
    use crate::error::SignInReason as R;
    let reason = match (rejection.error.as_str(), rejection.code) {
        (_, Some(50076 | 50079)) => R::MfaRequired,
        ("consent_required", _) | (_, Some(65001)) => R::ConsentRequired,
        ("interaction_required", _) => R::InteractionRequired,
        _ => return IdentityError::Rejected(rejection),
    };
    IdentityError::SignInAgain { reason }
}

/// The HTTP client for one authority.
#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    pub host: String,
    pub proxy: Option<String>,
}

impl Http {
    pub fn new(authority: &Authority, options: &NetworkOptions) -> Result<Self, IdentityError> {
        let invalid =
            |message: String| IdentityError::InvalidInput { field: "network options", message };
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .user_agent(concat!("spconnect/", env!("CARGO_PKG_VERSION")));
        let mut certificates = Vec::new();
        for pem in &options.extra_roots_pem {
            certificates.push(
                reqwest::Certificate::from_pem(pem.as_bytes())
                    .map_err(|e| invalid(format!("a root certificate is not PEM ({e})")))?,
            );
        }
        if !certificates.is_empty() {
            builder = builder.tls_certs_merge(certificates);
        }
        let proxy = match (&options.proxy, authority.is_loopback()) {
            (ProxyChoice::Direct, _) | (ProxyChoice::Environment, true) => {
                builder = builder.no_proxy();
                None
            }
            (ProxyChoice::Url(url), _) => {
                builder = builder.no_proxy().proxy(
                    reqwest::Proxy::all(url)
                        .map_err(|e| invalid(format!("the proxy URL is not valid ({e})")))?,
                );
                Some(without_credentials(url))
            }
            (ProxyChoice::Environment, false) => environment_proxy(&authority.origin()),
        };
        let client = builder
            .build()
            .map_err(|e| invalid(format!("the HTTP client could not be set up ({e})")))?;
        Ok(Self { client, host: authority.host_name(), proxy })
    }

    /// `GET url` expecting JSON (discovery documents, keys).
    pub async fn get_json(&self, url: &str) -> Result<Value, IdentityError> {
        let response = self.client.get(url).send().await.map_err(|e| self.network(&e))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| self.network(&e))?;
        if !status.is_success() {
            return Err(IdentityError::Protocol(format!(
                "{} answered HTTP {status}",
                path_of(url)
            )));
        }
        serde_json::from_str(&body).map_err(|_| {
            IdentityError::Protocol(format!("{} did not answer with JSON", path_of(url)))
        })
    }

    /// Posts a form to the token endpoint, retrying throttling, outages and timeouts.
    pub async fn token(&self, url: &str, form: &[(&str, &str)]) -> Result<TokenAnswer, Failure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.token_once(url, form).await {
                Ok(answer) => return Ok(answer),
                Err(Failure::Other(error)) if error.is_retryable() && attempt < ATTEMPTS => {
                    let wait = error.retry_after().unwrap_or_else(|| backoff(attempt));
                    if wait > MAX_WAIT {
                        return Err(Failure::Other(error));
                    }
                    tracing::info!(
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "token request retried"
                    );
                    tokio::time::sleep(wait).await;
                }
                Err(failure) => return Err(failure),
            }
        }
    }

    /// Posts a form to the token endpoint once.
    pub async fn token_once(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<TokenAnswer, Failure> {
        let grant = form.iter().find(|(k, _)| *k == "grant_type").map_or("", |(_, v)| *v);
        let (status, retry_after, body) = self.post(url, form).await.map_err(Failure::Other)?;
        if status == 200 {
            return parse_answer(&body).map_err(Failure::Other);
        }
        let failure = failure_of(status, retry_after, &body);
        match &failure {
            Failure::Rejected(r) => {
                tracing::info!(grant, status, error = %r.error, code = ?r.code, "token request refused")
            }
            Failure::Other(e) => tracing::info!(grant, status, error = %e, "token request failed"),
        }
        Err(failure)
    }

    /// Posts a form; gives the status, `Retry-After` and body.
    pub async fn post(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<(u16, Option<Duration>, String), IdentityError> {
        let body: String =
            url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| self.network(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = response.text().await.map_err(|e| self.network(&e))?;
        Ok((status, retry_after, text))
    }

    /// A network failure in plain words.
    pub fn network(&self, error: &reqwest::Error) -> IdentityError {
        IdentityError::Network {
            host: self.host.clone(),
            explanation: explain_failure(error, &self.host, self.proxy.as_deref()).explain(),
            timed_out: error.is_timeout(),
        }
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

/// The proxy reqwest will use for `origin` from the environment, for explanations.
fn environment_proxy(origin: &str) -> Option<String> {
    let uri: http::Uri = origin.parse().ok()?;
    let intercept = hyper_util::client::proxy::matcher::Matcher::from_system().intercept(&uri)?;
    Some(without_credentials(&intercept.uri().to_string()))
}

/// A proxy URL without a user name or password, for messages.
fn without_credentials(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string().trim_end_matches('/').to_owned()
        }
        Err(_) => "the configured proxy".to_owned(),
    }
}

fn backoff(attempt: u32) -> Duration {
    let base = 500u64 << attempt.min(5);
    let jitter = u64::from(std::process::id() ^ attempt) % 250;
    Duration::from_millis(base + jitter)
}

/// Only the path of a URL (for messages: queries may hold codes).
fn path_of(url: &str) -> String {
    url::Url::parse(url).map(|u| u.path().to_owned()).unwrap_or_default()
}

/// The token answer's fields, read once and wrapped at once; never printed.
#[derive(Deserialize)]
struct RawAnswer {
    access_token: String,
    refresh_token: Option<String>,
    id_token: Option<String>,
    expires_in: Value,
    #[serde(default)]
    scope: String,
    token_type: Option<String>,
}

fn parse_answer(body: &str) -> Result<TokenAnswer, IdentityError> {
    let raw: RawAnswer = serde_json::from_str(body).map_err(|_| {
        IdentityError::Protocol("the token answer is not the JSON Microsoft documents".into())
    })?;
    if raw.token_type.as_deref().is_some_and(|t| !t.eq_ignore_ascii_case("bearer")) {
        return Err(IdentityError::Protocol("the token is not a bearer token".into()));
    }
    // Some services send `expires_in` as a string.
    let expires_in = match &raw.expires_in {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| IdentityError::Protocol("the token answer has no expires_in".into()))?;
    Ok(TokenAnswer {
        access_token: Secret::new(raw.access_token),
        refresh_token: raw.refresh_token.map(Secret::new),
        id_token: raw.id_token.map(Secret::new),
        expires_in,
        scope: raw.scope,
    })
}

#[derive(Deserialize)]
struct RawError {
    error: String,
    #[serde(default)]
    error_description: String,
    #[serde(default)]
    error_codes: Vec<u64>,
}

pub(crate) fn failure_of(status: u16, retry_after: Option<Duration>, body: &str) -> Failure {
    if status == 429 {
        return Failure::Other(IdentityError::Throttled { retry_after });
    }
    match serde_json::from_str::<RawError>(body) {
        Ok(raw) if status < 500 && raw.error != "temporarily_unavailable" => {
            let description =
                raw.error_description.lines().next().unwrap_or_default().trim().to_owned();
            Failure::Rejected(Rejection {
                error: raw.error,
                code: raw.error_codes.first().copied(),
                description,
            })
        }
        _ if status >= 500 || body.contains("temporarily_unavailable") => {
            Failure::Other(IdentityError::Unavailable { status, retry_after })
        }
        _ => Failure::Other(IdentityError::Protocol(format!(
            "the token endpoint answered HTTP {status}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsoft_error_answers_become_rejections_with_their_aadsts_number() {
        let body = r#"{"error":"invalid_grant","error_description":"AADSTS50173: The provided grant has expired due to it being revoked.\r\nTrace ID: 1\r\nCorrelation ID: 2","error_codes":[50173]}"#;
        let Failure::Rejected(r) = failure_of(400, None, body) else { panic!("a rejection") };
        assert_eq!(r.error, "invalid_grant");
        assert_eq!(r.code, Some(50173));
        assert!(!r.description.contains("Trace ID"));
    }

    #[test]
    fn throttling_and_outages_are_retryable_with_retry_after() {
        let Failure::Other(e) = failure_of(429, Some(Duration::from_secs(7)), "") else { panic!() };
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let Failure::Other(e) = failure_of(503, None, "<html>") else { panic!() };
        assert!(e.is_retryable());
    }

    #[test]
    fn mfa_and_consent_mean_sign_in_again() {
        let mfa = Rejection {
            error: "interaction_required".into(),
            code: Some(50076),
            description: String::new(),
        };
        assert!(matches!(
            classify(mfa),
            IdentityError::SignInAgain { reason: crate::error::SignInReason::MfaRequired }
        ));
        let other = Rejection {
            error: "invalid_scope".into(),
            code: Some(70011),
            description: String::new(),
        };
        assert!(matches!(classify(other), IdentityError::Rejected(_)));
    }

    #[test]
    fn proxy_credentials_never_appear_in_messages() {
        let options = NetworkOptions {
            proxy: ProxyChoice::Url("http://alice:s3cret@proxy.example.com:8080".into()),
            ..NetworkOptions::default()
        };
        let printed = format!("{options:?}");
        assert!(printed.contains("proxy.example.com") && !printed.contains("s3cret"), "{printed}");
        assert_eq!(
            without_credentials("http://alice:s3cret@proxy.example.com:8080"),
            "http://proxy.example.com:8080"
        );
    }
}
