//! JSON batching (docs/microsoft §3.7): up to 20 requests in one `POST /$batch`, answered in any
//! order, each with its own status. Each part is throttled on its own, so parts answered 429 or
//! 503 are sent again (in a later batch, after the `Retry-After` they carry, which pauses the
//! tenant's pacer) while the parts that succeeded are kept; a part that keeps failing is reported
//! on its own, and the rest carries on.

use std::time::Duration;

use futures_util::future::join_all;
use reqwest::{StatusCode, header::HeaderMap};
use serde::Deserialize;
use serde_json::{Map, Value, json, value::RawValue};

use crate::{
    client::{GraphClient, service_error},
    error::GraphError,
};

/// Graph's limit of requests in one batch.
pub const MAX_BATCH: usize = 20;

/// How many times a part answered 429 or 503 is sent at most.
const PART_ATTEMPTS: u32 = 10;

/// One request of a batch with dependencies ([`GraphClient::batch`]).
#[derive(Clone, Debug)]
pub struct BatchRequest {
    /// Unique in the batch.
    pub id: String,
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: String,
    /// Relative to the version, starting with `/` (`/sites/root`).
    pub url: String,
    /// A JSON body (sent with `Content-Type: application/json`).
    pub body: Option<Value>,
    /// Ids of requests that must succeed first (a failed one makes this one 424).
    pub depends_on: Vec<String>,
}

impl BatchRequest {
    /// A `GET` of `url`.
    pub fn get(id: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            method: "GET".into(),
            url: url.into(),
            body: None,
            depends_on: Vec::new(),
        }
    }

    fn to_json(&self) -> Value {
        let mut part = json!({ "id": self.id, "method": self.method, "url": self.url });
        if let Some(body) = &self.body {
            part["body"] = body.clone();
            part["headers"] = json!({ "Content-Type": "application/json" });
        }
        if !self.depends_on.is_empty() {
            part["dependsOn"] = json!(self.depends_on);
        }
        part
    }
}

/// A batch's answer as Graph sends it. Each body is kept as its JSON text, to be read by whoever
/// asked (typed, without a tree of values for every part).
#[derive(Deserialize)]
struct Answer {
    responses: Vec<WirePart>,
}

#[derive(Deserialize)]
struct WirePart {
    id: String,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    headers: Map<String, Value>,
    #[serde(default)]
    body: Option<RawBody>,
}

/// The JSON text of an answer's body.
pub type RawBody = Box<RawValue>;

/// One part of a batch's answer.
struct Part {
    status: u16,
    headers: HeaderMap,
    body: Option<RawBody>,
}

impl Part {
    /// The body of a success (`None` for an empty one), or the part's error.
    fn into_result(self) -> Result<Option<RawBody>, GraphError> {
        if (200..300).contains(&self.status) {
            return Ok(self.body);
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_GATEWAY);
        let text = self.body.as_deref().map_or("", RawValue::get);
        Err(service_error(status, &self.headers, text))
    }
}

/// The value of a part's body (`null` for none).
fn value_of(raw: Option<RawBody>) -> Result<Value, GraphError> {
    match raw {
        None => Ok(Value::Null),
        Some(raw) => serde_json::from_str(raw.get())
            .map_err(|_| GraphError::Protocol("a $batch part whose body is not JSON".into())),
    }
}

fn header_map(headers: &Map<String, Value>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let text = match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            reqwest::header::HeaderValue::from_str(&text),
        ) {
            map.insert(name, value);
        }
    }
    map
}

impl GraphClient {
    /// Sends `requests` (at most 20, with `dependsOn` between them) as one batch; the answer of
    /// each, in the order given. A part that failed is its own error (a dependent of a failed
    /// part is a 424 `Service` error); the batch as a whole failing is the error of every part.
    pub async fn batch(
        &self,
        requests: &[BatchRequest],
        scopes: &[&str],
    ) -> Vec<Result<Value, GraphError>> {
        if requests.len() > MAX_BATCH {
            let error = GraphError::InvalidInput(format!(
                "A batch holds at most {MAX_BATCH} requests, not {}.",
                requests.len()
            ));
            return requests.iter().map(|_| Err(error.clone())).collect();
        }
        match self.send_batch(requests, scopes).await {
            Ok(mut parts) => requests
                .iter()
                .map(|r| match parts.remove(&r.id.to_ascii_lowercase()) {
                    Some(part) => part.into_result().and_then(value_of),
                    None => Err(missing_part(&r.id)),
                })
                .collect(),
            Err(error) => requests.iter().map(|_| Err(error.clone())).collect(),
        }
    }

    /// `GET`s every path (relative to the version, e.g. `/sites/{id}/lists`) in batches of 20,
    /// sent side by side as the pacer allows; parts throttled or unavailable are sent again after
    /// the wait Graph asked for. The answer of each path, in order.
    pub async fn get_many(
        &self,
        paths: &[String],
        scopes: &[&str],
    ) -> Vec<Result<Value, GraphError>> {
        let raw = self.get_many_raw(paths, scopes).await;
        raw.into_iter().map(|r| r.and_then(value_of)).collect()
    }

    /// [`get_many`](Self::get_many), each answer as its JSON text (`None` for an empty one), for
    /// reading it typed.
    pub async fn get_many_raw(
        &self,
        paths: &[String],
        scopes: &[&str],
    ) -> Vec<Result<Option<RawBody>, GraphError>> {
        let mut results: Vec<Option<Result<Option<RawBody>, GraphError>>> =
            (0..paths.len()).map(|_| None).collect();
        let mut pending: Vec<usize> = (0..paths.len()).collect();
        let mut attempt = 1;
        while !pending.is_empty() {
            let chunks: Vec<Vec<usize>> =
                pending.chunks(MAX_BATCH).map(<[usize]>::to_vec).collect();
            let answers = join_all(chunks.iter().map(|chunk| {
                let requests: Vec<BatchRequest> =
                    chunk.iter().map(|&i| BatchRequest::get(i.to_string(), &paths[i])).collect();
                async move { self.send_batch(&requests, scopes).await }
            }))
            .await;
            // Only the parts that failed go again, so they get more tries than a whole call: a
            // storm that throttles a third of all parts would otherwise lose one part in a
            // hundred after four tries.
            let last_try = attempt >= self.options().attempts.max(PART_ATTEMPTS);
            let mut again = Vec::new();
            let mut longest: Option<Duration> = None;
            let mut retry_error = None;
            let mut throttled = 0;
            for (chunk, answer) in chunks.into_iter().zip(answers) {
                match answer {
                    // `send_batch` already retried the batch request itself.
                    Err(error) => chunk.iter().for_each(|&i| results[i] = Some(Err(error.clone()))),
                    Ok(mut parts) => {
                        for i in chunk {
                            let result = match parts.remove(&i.to_string()) {
                                Some(part) => part.into_result(),
                                None => Err(missing_part(&i.to_string())),
                            };
                            match result {
                                Err(error) if error.is_retryable() && !last_try => {
                                    if let Some(after) = error.retry_after() {
                                        longest = longest.max(Some(after));
                                    }
                                    throttled += u64::from(error.status() == Some(429));
                                    retry_error.get_or_insert(error);
                                    again.push(i);
                                }
                                other => results[i] = Some(other),
                            }
                        }
                    }
                }
            }
            if let Some(error) = retry_error {
                let error = match longest {
                    // Wait for the longest Retry-After any part was given.
                    Some(after) => with_retry_after(error, after),
                    None => error,
                };
                if self.retry_wait_for(&error, attempt, throttled.max(1)).is_none() {
                    again.iter().for_each(|&i| results[i] = Some(Err(error.clone())));
                    again.clear();
                }
                tracing::info!(parts = again.len(), attempt, "batch parts sent again");
            }
            pending = again;
            attempt += 1;
        }
        results.into_iter().map(|r| r.unwrap_or_else(|| Err(missing_part("?")))).collect()
    }

    /// Follows the `@odata.nextLink` of a first page (from [`get_many`](Self::get_many)) to the
    /// end; the items of every page.
    pub async fn rest_of(&self, first: Value, scopes: &[&str]) -> Result<Vec<Value>, GraphError> {
        let mut page = first;
        let mut items = Vec::new();
        loop {
            match page.get_mut("value").map(Value::take) {
                Some(Value::Array(values)) => items.extend(values),
                _ => return Err(GraphError::Protocol("a collection without `value`".into())),
            }
            match page.get("@odata.nextLink").and_then(Value::as_str) {
                Some(next) => page = self.get_link(next, scopes).await?,
                None => return Ok(items),
            }
        }
    }

    /// One `POST /$batch`; its parts by lower-cased id.
    async fn send_batch(
        &self,
        requests: &[BatchRequest],
        scopes: &[&str],
    ) -> Result<std::collections::HashMap<String, Part>, GraphError> {
        let body =
            json!({ "requests": requests.iter().map(BatchRequest::to_json).collect::<Vec<_>>() });
        // Each part is charged on its own: about two units for a read of a collection.
        let units = crate::pacer::DEFAULT_UNITS * requests.len() as u64;
        let text = self.post_text("$batch", &body, scopes, units).await?;
        let answer: Answer = serde_json::from_str(&text)
            .map_err(|_| GraphError::Protocol("a $batch answer without `responses`".into()))?;
        let mut parts = std::collections::HashMap::new();
        for response in answer.responses {
            let headers = header_map(&response.headers);
            crate::client::observe_rate_limit(self.pacer(), &headers);
            let status = if response.status == 0 { 502 } else { response.status };
            parts.insert(
                response.id.to_ascii_lowercase(),
                Part { status, headers, body: response.body },
            );
        }
        Ok(parts)
    }
}

fn missing_part(id: &str) -> GraphError {
    GraphError::Protocol(format!("the $batch answer has no response for request {id}"))
}

fn with_retry_after(error: GraphError, after: Duration) -> GraphError {
    match error {
        GraphError::Service { status, code, inner_code, message, request_id, .. } => {
            GraphError::Service {
                status,
                code,
                inner_code,
                message,
                request_id,
                retry_after: Some(after),
            }
        }
        other => other,
    }
}
