//! [`GraphClient`]: one Microsoft Graph host, one [`TokenSource`], a timeout on every request,
//! bounded retries of what may succeed later, and errors that keep what Graph said.
//!
//! It logs the method, the path (never the query, which may hold names), the status, Graph's
//! error code and the `request-id`; never a token or a body.

use std::{sync::Arc, time::Duration};

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;
use url::Url;

use crate::{
    error::GraphError,
    pacer::{DEFAULT_UNITS, Pacer},
    token::TokenSource,
};

/// How the client reaches Graph.
#[derive(Clone, Debug)]
pub struct GraphOptions {
    /// The limit for a whole request.
    pub timeout: Duration,
    /// The limit for opening a connection.
    pub connect_timeout: Duration,
    /// How many times a call is sent at most when Graph throttles it or is unavailable.
    pub attempts: u32,
    /// The longest wait inside one call (a longer `Retry-After` is returned to the caller).
    pub max_wait: Duration,
    /// The first backoff when Graph gives no `Retry-After` (doubled each time, with jitter).
    pub first_backoff: Duration,
}

impl Default for GraphOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            attempts: 4,
            max_wait: Duration::from_secs(60),
            first_backoff: Duration::from_secs(1),
        }
    }
}

/// A Microsoft Graph client for one host (`https://graph.microsoft.com`, a national cloud's, or a
/// local tenant emulator's) acting with the tokens of one [`TokenSource`]. Cheap to clone.
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    /// `{host}/v1.0/`.
    base: Url,
    tokens: Arc<dyn TokenSource>,
    options: GraphOptions,
    pacer: Pacer,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient").field("base", &self.base.as_str()).finish_non_exhaustive()
    }
}

/// `true` for a loopback host (a local tenant emulator), which is never reached through a proxy.
pub fn is_loopback(url: &Url) -> bool {
    matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
}

/// The HTTP client of this crate's readers: `timeout` for a whole request, no redirects
/// followed, and no proxy for a loopback host (`direct`).
pub(crate) fn http_client(
    timeout: Duration,
    connect_timeout: Option<Duration>,
    direct: bool,
) -> Result<reqwest::Client, GraphError> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("spconnect/", env!("CARGO_PKG_VERSION")));
    if let Some(connect_timeout) = connect_timeout {
        builder = builder.connect_timeout(connect_timeout);
    }
    if direct {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| {
        GraphError::InvalidInput(format!("The HTTP client could not be set up ({e})."))
    })
}

impl GraphClient {
    /// A client for the Graph host `host` (an `https` origin, or `http` on loopback).
    pub fn new(
        host: &str,
        tokens: Arc<dyn TokenSource>,
        options: GraphOptions,
    ) -> Result<Self, GraphError> {
        let invalid = |why: &str| GraphError::InvalidInput(format!("The Graph host {why}."));
        let host = Url::parse(host.trim()).map_err(|_| invalid("is not a URL"))?;
        if host.scheme() != "https" && !(host.scheme() == "http" && is_loopback(&host)) {
            return Err(invalid("must start with https://"));
        }
        let base = host.join("/v1.0/").map_err(|_| invalid("is not an origin"))?;
        let http = http_client(options.timeout, Some(options.connect_timeout), is_loopback(&base))?;
        Ok(Self { http, base, tokens, options, pacer: Pacer::default() })
    }

    /// The same client, paced by `pacer` (share one pacer among the clients of a tenant).
    pub fn with_pacer(mut self, pacer: Pacer) -> Self {
        self.pacer = pacer;
        self
    }

    /// The pacer of this client.
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// The options this client was made with.
    pub(crate) fn options(&self) -> &GraphOptions {
        &self.options
    }

    /// `GET` a path under `/v1.0/` (e.g. `me?$select=id`), as JSON.
    pub async fn get(&self, path: &str, scopes: &[&str]) -> Result<Value, GraphError> {
        let url = self.url(path)?;
        self.send(Method::GET, url, None, scopes).await
    }

    /// `GET` a collection and every further page, following `@odata.nextLink` verbatim; returns
    /// the items of all pages.
    pub async fn get_all(&self, path: &str, scopes: &[&str]) -> Result<Vec<Value>, GraphError> {
        let mut url = self.url(path)?;
        let mut items = Vec::new();
        loop {
            let mut page = self.send(Method::GET, url, None, scopes).await?;
            match page.get_mut("value").map(Value::take) {
                Some(Value::Array(values)) => items.extend(values),
                _ => return Err(GraphError::Protocol("a collection without `value`".into())),
            }
            match page.get("@odata.nextLink").and_then(Value::as_str) {
                Some(next) => url = self.next_link(next)?,
                None => return Ok(items),
            }
        }
    }

    /// `POST` JSON to a path under `/v1.0/`; returns the JSON answer (`null` for none).
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        scopes: &[&str],
    ) -> Result<Value, GraphError> {
        let url = self.url(path)?;
        self.send(Method::POST, url, Some(body), scopes).await
    }

    /// `PATCH` JSON to a path under `/v1.0/`; returns the JSON answer (`null` for 204).
    pub async fn patch(
        &self,
        path: &str,
        body: &Value,
        scopes: &[&str],
    ) -> Result<Value, GraphError> {
        let url = self.url(path)?;
        self.send(Method::PATCH, url, Some(body), scopes).await
    }

    /// `DELETE` a path under `/v1.0/`.
    pub async fn delete(&self, path: &str, scopes: &[&str]) -> Result<(), GraphError> {
        let url = self.url(path)?;
        self.send(Method::DELETE, url, None, scopes).await.map(|_| ())
    }

    /// The documented upsert (`PATCH …(uniqueName='…')` with `Prefer: create-if-missing`):
    /// returns the created object (201), or `null` when an existing one was updated (204).
    pub async fn upsert(
        &self,
        path: &str,
        body: &Value,
        scopes: &[&str],
    ) -> Result<Value, GraphError> {
        let url = self.url(path)?;
        self.send_with(
            Method::PATCH,
            url,
            Some(body),
            scopes,
            Some(("Prefer", "create-if-missing")),
        )
        .await
    }

    /// `GET` an `@odata.nextLink` (only on the Graph host).
    pub(crate) async fn get_link(&self, link: &str, scopes: &[&str]) -> Result<Value, GraphError> {
        parse_json(&self.get_link_text(link, scopes).await?)
    }

    /// `GET` an `@odata.nextLink` (only on the Graph host); the answer's text.
    pub(crate) async fn get_link_text(
        &self,
        link: &str,
        scopes: &[&str],
    ) -> Result<String, GraphError> {
        let url = self.next_link(link)?;
        self.send_text(Method::GET, url, None, scopes, None, DEFAULT_UNITS).await
    }

    /// `POST` JSON to a path under `/v1.0/` for a request that costs about `units` resource
    /// units; the answer's text.
    pub(crate) async fn post_text(
        &self,
        path: &str,
        body: &Value,
        scopes: &[&str],
        units: u64,
    ) -> Result<String, GraphError> {
        let url = self.url(path)?;
        self.send_text(Method::POST, url, Some(body), scopes, None, units).await
    }

    fn url(&self, path: &str) -> Result<Url, GraphError> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|_| GraphError::InvalidInput(format!("Not a Graph path: {path}")))
    }

    /// A next link is used as given, but only on the Graph host: a token is never sent elsewhere.
    fn next_link(&self, link: &str) -> Result<Url, GraphError> {
        let url = Url::parse(link)
            .map_err(|_| GraphError::Protocol("an @odata.nextLink that is not a URL".into()))?;
        if url.origin() != self.base.origin() {
            return Err(GraphError::Protocol(format!(
                "an @odata.nextLink to another host ({})",
                url.host_str().unwrap_or_default()
            )));
        }
        Ok(url)
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        scopes: &[&str],
    ) -> Result<Value, GraphError> {
        self.send_with(method, url, body, scopes, None).await
    }

    async fn send_with(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        scopes: &[&str],
        header: Option<(&str, &str)>,
    ) -> Result<Value, GraphError> {
        parse_json(&self.send_text(method, url, body, scopes, header, DEFAULT_UNITS).await?)
    }

    /// Sends a request (again, as long as Graph may answer later); the text of the answer.
    async fn send_text(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        scopes: &[&str],
        header: Option<(&str, &str)>,
        units: u64,
    ) -> Result<String, GraphError> {
        let mut attempt = 1;
        loop {
            let token = self.tokens.token(scopes).await?;
            let mut request =
                self.http.request(method.clone(), url.clone()).bearer_auth(token.expose());
            if let Some(body) = body {
                request = request.json(body);
            }
            if let Some((name, value)) = header {
                request = request.header(name, value);
            }
            let turn = self.pacer.turn_for(units).await;
            let outcome = match request.send().await {
                Ok(response) => {
                    observe_rate_limit(&self.pacer, response.headers());
                    read(response).await
                }
                Err(error) => Err(self.network(&error)),
            };
            drop(turn);
            match outcome {
                Err(error) if error.is_retryable() && attempt < self.options.attempts => {
                    let wait = self.retry_wait(&error, attempt).ok_or(error)?;
                    tracing::info!(%method, path = url.path(), attempt, wait_ms = wait.as_millis() as u64, "Graph call retried");
                    attempt += 1;
                }
                Err(error) => {
                    // A 404 is an answer ("not there", "not replicated yet"), asked for often by
                    // look-ups and polls: kept out of the default log level.
                    if error.status() == Some(404) {
                        tracing::debug!(%method, path = url.path(), %error, "Graph answered 404");
                    } else {
                        tracing::info!(%method, path = url.path(), %error, "Graph call failed");
                    }
                    return Err(error);
                }
                Ok(value) => return Ok(value),
            }
        }
    }

    /// How long to wait before trying `error`'s call again (told to the pacer, so that the
    /// tenant's other requests wait too), or `None` when Graph asked for longer than
    /// `max_wait`.
    pub(crate) fn retry_wait(&self, error: &GraphError, attempt: u32) -> Option<Duration> {
        self.retry_wait_for(error, attempt, 1)
    }

    /// [`retry_wait`](Self::retry_wait) for `answers` answers that failed alike (parts of
    /// batches), each counted.
    pub(crate) fn retry_wait_for(
        &self,
        error: &GraphError,
        attempt: u32,
        answers: u64,
    ) -> Option<Duration> {
        let (wait, throttled) = match error {
            GraphError::Service { retry_after: Some(after), status, .. } => {
                (*after, *status == 429)
            }
            GraphError::Service { status, .. } => {
                (backoff(self.options.first_backoff, attempt), *status == 429)
            }
            _ => (backoff(self.options.first_backoff, attempt), false),
        };
        if wait > self.options.max_wait {
            return None;
        }
        self.pacer.wait(wait, if throttled { answers } else { 0 });
        Some(wait)
    }

    fn network(&self, error: &reqwest::Error) -> GraphError {
        let host = self.base.host_str().unwrap_or_default().to_owned();
        let timed_out = error.is_timeout();
        let explanation = if timed_out {
            format!("no answer within {} seconds", self.options.timeout.as_secs())
        } else if error.is_connect() {
            "the connection failed (is the network up, or must a proxy be set in HTTPS_PROXY?)"
                .into()
        } else {
            "the connection broke off".into()
        };
        GraphError::Network { host, explanation, timed_out }
    }
}

/// `first × 2^(attempt-1)`, with full jitter over its upper half, capped at 32 × `first`.
fn backoff(first: Duration, attempt: u32) -> Duration {
    let ceiling = first.saturating_mul(1 << (attempt - 1).min(5));
    let jitter = f64::from(getrandom::u32().unwrap_or(0)) / f64::from(u32::MAX);
    ceiling.div_f64(2.0).mul_f64(1.0 + jitter)
}

/// Tells the pacer the `RateLimit-*` headers of an answer.
pub(crate) fn observe_rate_limit(pacer: &Pacer, headers: &HeaderMap) {
    let number = |name: &str| {
        headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok())
    };
    pacer.observe(
        number("ratelimit-limit"),
        number("ratelimit-remaining"),
        number("ratelimit-reset"),
    );
}

/// The text of a success, or the [`GraphError`] of an error answer.
async fn read(response: reqwest::Response) -> Result<String, GraphError> {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.map_err(|e| {
        GraphError::Protocol(format!("the answer could not be read ({})", e.without_url()))
    })?;
    if status.is_success() {
        return Ok(text);
    }
    Err(service_error(status, &headers, &text))
}

/// The JSON of a successful answer's text (`null` for none).
fn parse_json(text: &str) -> Result<Value, GraphError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(text)
        .map_err(|_| GraphError::Protocol("an answer whose body is not JSON".into()))
}

pub(crate) fn service_error(status: StatusCode, headers: &HeaderMap, text: &str) -> GraphError {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let error = &body["error"];
    let mut inner_code = None;
    let mut inner = &error["innerError"];
    while let Some(code) = inner.get("code").and_then(Value::as_str) {
        inner_code = Some(code.to_owned());
        inner = &inner["innerError"];
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    GraphError::Service {
        status: status.as_u16(),
        code: error["code"].as_str().unwrap_or("unknown").to_owned(),
        inner_code,
        message: error["message"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("HTTP {status}")),
        request_id: header("request-id")
            .or_else(|| error["innerError"]["request-id"].as_str().map(str::to_owned)),
        retry_after: header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let first = Duration::from_millis(100);
        for attempt in 1..10 {
            let wait = backoff(first, attempt);
            let ceiling = first * (1 << (attempt - 1).min(5));
            assert!(wait >= ceiling / 2 && wait <= ceiling, "attempt {attempt}: {wait:?}");
        }
    }

    #[test]
    fn errors_keep_graphs_code_inner_code_and_request_id() {
        let mut headers = HeaderMap::new();
        headers.insert("request-id", "abc-123".parse().expect("header"));
        headers.insert("retry-after", "7".parse().expect("header"));
        let body = r#"{"error":{"code":"TooManyRequests","message":"Slow down.","innerError":{"code":"throttledRequest","innerError":{"code":"activityLimitReached"}}}}"#;
        let error = service_error(StatusCode::TOO_MANY_REQUESTS, &headers, body);
        let GraphError::Service { code, inner_code, request_id, retry_after, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(code, "TooManyRequests");
        assert_eq!(inner_code.as_deref(), Some("activityLimitReached"));
        assert_eq!(request_id.as_deref(), Some("abc-123"));
        assert_eq!(*retry_after, Some(Duration::from_secs(7)));
        assert!(error.is_retryable());
        assert!(error.to_string().contains("request-id abc-123"), "{error}");
    }
}
