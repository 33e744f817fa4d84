//! JSON batching: `POST /$batch` with at most 20 requests, `dependsOn` ordering and 424 for the
//! dependents of a failed request (docs/microsoft §3.7).

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{Value, json};

use super::{Body, Reply, Request, error::GraphError, odata::Query};

/// One answer inside the batch's `responses`.
struct Part {
    id: String,
    status: u16,
    headers: Value,
    body: Option<Body>,
}

/// The batch's answer, written part by part, each body as it is (lists with their columns are
/// already JSON text).
fn answer(parts: &[Part]) -> String {
    let mut out = String::with_capacity(
        64 + parts
            .iter()
            .map(|p| match &p.body {
                Some(Body::Text(text)) => text.len() + 128,
                _ => 512,
            })
            .sum::<usize>(),
    );
    out.push_str("{\"responses\":[");
    for (n, part) in parts.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        out.push_str(&Value::from(part.id.as_str()).to_string());
        out.push_str(&format!(",\"status\":{},\"headers\":{}", part.status, part.headers));
        if let Some(body) = &part.body {
            out.push_str(",\"body\":");
            body.write_to(&mut out);
        }
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// The most requests one batch may hold.
const MAX_REQUESTS: usize = 20;

pub fn batch(outer: &Request<'_>) -> Result<Reply, GraphError> {
    let invalid = |message: &str| GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", message);
    let requests = outer
        .body
        .as_ref()
        .and_then(|b| b.get("requests"))
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("Invalid batch payload format."))?;
    if requests.len() > MAX_REQUESTS {
        return Err(invalid("The number of batch requests exceeds the limit of 20."));
    }
    let mut ids: Vec<String> = Vec::new();
    for request in requests {
        let id = request
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("Each request must have an id."))?;
        if ids.iter().any(|seen| seen.eq_ignore_ascii_case(id)) {
            return Err(invalid(&format!("Batch request id '{id}' is duplicated.")));
        }
        ids.push(id.to_owned());
        for dependency in depends_on(request) {
            if !ids[..ids.len() - 1].iter().any(|seen| seen.eq_ignore_ascii_case(&dependency))
                && !requests.iter().any(|r| {
                    r.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(|i| i.eq_ignore_ascii_case(&dependency))
                })
            {
                return Err(invalid(&format!(
                    "Request '{id}' depends on '{dependency}', which is not in the batch."
                )));
            }
        }
    }
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    let mut pending: Vec<&Value> = requests.iter().collect();
    while !pending.is_empty() {
        let ready = pending.iter().position(|r| {
            depends_on(r).iter().all(|d| statuses.contains_key(&d.to_ascii_lowercase()))
        });
        let Some(index) = ready else {
            return Err(invalid("The dependsOn references form a cycle."));
        };
        let request = pending.remove(index);
        let id = request.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let failed_dependency = depends_on(request)
            .iter()
            .any(|d| statuses.get(&d.to_ascii_lowercase()).is_some_and(|s| *s >= 400));
        let (status, headers, body) = if failed_dependency {
            let request_id = uuid::Uuid::new_v4().to_string();
            let failed = GraphError::new(
                StatusCode::FAILED_DEPENDENCY,
                "FailedDependency",
                "A request it depends on failed.",
            );
            (
                424,
                json!({"Content-Type": "application/json"}),
                Some(Body::Tree(failed.envelope(&request_id, &request_id))),
            )
        } else {
            run(outer, request)
        };
        statuses.insert(id.to_ascii_lowercase(), status);
        responses.push(Part { id, status, headers, body });
    }
    Ok(Reply::ok_text(answer(&responses)))
}

fn depends_on(request: &Value) -> Vec<String> {
    request
        .get("dependsOn")
        .and_then(Value::as_array)
        .map(|d| d.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Runs one request of a batch through the route table, as if it had come on its own: its own
/// headers, permissions, faults and error envelope.
fn run(outer: &Request<'_>, request: &Value) -> (u16, Value, Option<Body>) {
    let json_headers = || json!({"Content-Type": "application/json"});
    let error = |e: GraphError| {
        let request_id = uuid::Uuid::new_v4().to_string();
        (e.status.as_u16(), json_headers(), Some(Body::Tree(e.envelope(&request_id, &request_id))))
    };
    let method = request
        .get("method")
        .and_then(Value::as_str)
        .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok());
    let url = request.get("url").and_then(Value::as_str).unwrap_or_default();
    let Some(method) = method else {
        return error(GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", "Invalid method."));
    };
    if url.contains("://") {
        return error(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The url must be relative, e.g. /me.",
        ));
    }
    let mut headers = HeaderMap::new();
    if let Some(given) = request.get("headers").and_then(Value::as_object) {
        for (name, value) in given {
            if let (Ok(name), Some(Ok(value))) =
                (HeaderName::from_bytes(name.as_bytes()), value.as_str().map(HeaderValue::from_str))
            {
                headers.insert(name, value);
            }
        }
    }
    let body = request.get("body").cloned();
    if body.is_some() && !headers.contains_key("content-type") {
        return error(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "A request with a body must have a Content-Type header.",
        ));
    }
    let (path, query) = url.split_once('?').map_or((url, None), |(p, q)| (p, Some(q)));
    let path = path.trim_start_matches('/');
    let path = path.strip_prefix("v1.0/").unwrap_or(path);
    if path.eq_ignore_ascii_case("$batch") {
        return error(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "A batch request cannot contain another batch request.",
        ));
    }
    if let Some(fault) = outer.shared.take_fault(&format!("/v1.0/{path}")) {
        let (status, code, message) = crate::control::graph_fault_parts(fault.kind);
        let (status, _, body) = error(GraphError::new(status, code, message));
        return (
            status,
            json!({"Retry-After": fault.retry_after.to_string(), "Content-Type": "application/json"}),
            body,
        );
    }
    let key = crate::throttle::Key {
        tenant: outer.caller.tenant_id,
        app: outer.caller.app_id,
        user: outer.caller.user_id,
    };
    let rate = match crate::throttle::charge_in_batch(
        outer.shared,
        key,
        &method,
        &format!("/v1.0/{path}"),
        query,
    ) {
        Ok(rate) => rate,
        Err(throttled) => {
            let (status, headers, body) = throttled.batch_reply();
            return (status, headers, body.map(Body::Tree));
        }
    };
    let query = match Query::parse(query) {
        Ok(query) => query,
        Err(e) => return error(e),
    };
    let inner = Request {
        shared: outer.shared,
        caller: outer.caller.clone(),
        method,
        segments: super::path::normalise(path),
        params: Vec::new(),
        query,
        headers: &headers,
        body,
        base: outer.base.clone(),
        url: format!("{}/{path}", outer.base),
    };
    let mut reply = match super::run(inner) {
        Ok(reply) => {
            let headers = match &reply.location {
                Some(location) => json!({"Location": location}),
                None => json_headers(),
            };
            (reply.status.as_u16(), headers, reply.body)
        }
        Err(e) => error(e),
    };
    crate::throttle::rate_limit_json(&mut reply.1, rate.as_ref());
    reply
}
