//! What the directory operations share: how an object is addressed (object id, `appId`,
//! `uniqueName`), the upsert preference, directory collections with `$filter`, `$search`,
//! `$orderby`, `$count` and `$top` as Graph allows them on directory objects, and the errors
//! directory operations answer with.

use axum::http::StatusCode;
use serde_json::Value;

use super::{Reply, Request, error::GraphError, odata};
pub use crate::state::time_text;

/// How an application or service principal is addressed: `/{id}`, `(appId='…')` or
/// `(uniqueName='…')` (a quoted bare key, `('…')`, is an object id).
pub enum Key {
    /// The object id.
    Id(String),
    /// The client id.
    AppId(String),
    /// The alternate key of the upsert.
    UniqueName(String),
}

impl Key {
    /// The key a route placeholder holds, or 400.
    pub fn parse(text: &str) -> Result<Self, GraphError> {
        match text.split_once('=') {
            None => Ok(Key::Id(text.trim_matches('\'').to_owned())),
            Some((name, value)) => {
                let value = value.trim_matches('\'').to_owned();
                match name.trim() {
                    "appId" => Ok(Key::AppId(value)),
                    "uniqueName" => Ok(Key::UniqueName(value)),
                    other => Err(bad(format!("Invalid key property '{other}'."))),
                }
            }
        }
    }

    /// The key's value as the request gave it.
    pub fn text(&self) -> &str {
        match self {
            Key::Id(v) | Key::AppId(v) | Key::UniqueName(v) => v,
        }
    }
}

/// Whether an upsert may create the object (`Prefer: create-if-missing`).
pub fn create_if_missing(request: &Request<'_>) -> bool {
    request.header("prefer").is_some_and(|p| p.to_ascii_lowercase().contains("create-if-missing"))
}

/// 400 `Request_BadRequest`.
pub fn bad(message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
}

/// A page of a directory collection, filtered by `$filter`.
pub fn filtered_page(
    request: &Request<'_>,
    items: impl Iterator<Item = Value>,
    context: &str,
) -> Result<Reply, GraphError> {
    let query = &request.query;
    let unsupported = |message: String| {
        GraphError::new(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    };
    if let Some(top) = query.top
        && !(1..=999).contains(&top)
    {
        return Err(unsupported(format!(
            "Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive."
        )));
    }
    // Advanced queries on directory objects need `ConsistencyLevel: eventual` (docs/microsoft §3.6).
    let eventual =
        request.header("consistencylevel").is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
    let advanced = query.search.is_some() || query.count;
    if advanced && !eventual {
        return Err(unsupported(
            "$search and $count on directory objects need the header 'ConsistencyLevel: eventual'."
                .into(),
        ));
    }
    let search = match query.search.as_deref() {
        Some(text) => {
            let (property, value) = text.split_once(':').ok_or_else(|| {
                unsupported(format!("Invalid $search '{text}': use \"property:text\"."))
            })?;
            Some((property.to_owned(), value.to_ascii_lowercase()))
        }
        None => None,
    };
    let filter = query.filter.as_deref().map(odata::Filter::parse).transpose()?;
    let mut items: Vec<Value> = items
        .filter(|v| filter.as_ref().is_none_or(|f| f.matches(v)))
        .filter(|v| {
            search.as_ref().is_none_or(|(property, text)| {
                v[property.as_str()].as_str().is_some_and(|s| s.to_ascii_lowercase().contains(text))
            })
        })
        .collect();
    if let Some(order) = &query.orderby {
        let (property, descending) = match order.split_once(' ') {
            Some((p, direction)) if direction.eq_ignore_ascii_case("desc") => (p, true),
            Some((p, direction)) if direction.eq_ignore_ascii_case("asc") => (p, false),
            None => (order.as_str(), false),
            Some(_) => return Err(unsupported(format!("Invalid $orderby '{order}'."))),
        };
        items.sort_by(|a, b| {
            let key = |v: &Value| v[property].as_str().unwrap_or_default().to_ascii_lowercase();
            if descending { key(b).cmp(&key(a)) } else { key(a).cmp(&key(b)) }
        });
    }
    let total = items.len();
    let mut body = odata::page(items, query, &request.context(context), &request.url, 100);
    if query.count {
        body["@odata.count"] = serde_json::json!(total);
    }
    Ok(Reply::ok(body))
}
