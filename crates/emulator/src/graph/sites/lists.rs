//! Creating lists (`POST /sites/{id}/lists`, with their columns) and columns
//! (`POST /sites/{id}/lists/{id}/columns`) through Graph, so tests can seed any content; the rules
//! are in the crate's `lists` module. Graph assigns `name` itself: sending one is refused.
//! See <https://learn.microsoft.com/graph/api/list-create> and
//! <https://learn.microsoft.com/graph/api/list-post-columns>.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::super::{Reply, Request, error::GraphError};
use super::{column_json, items::list_index, list_json};
use crate::{
    lists::{self, ListError, NewList},
    model::Tenant,
};

/// A refusal in Graph's shape: 409 `nameAlreadyExists` for names taken, else 400.
fn graph_error(error: ListError) -> GraphError {
    match error {
        ListError::Invalid(message) => GraphError::bad_request(message),
        taken => GraphError::new(StatusCode::CONFLICT, "nameAlreadyExists", taken.message()),
    }
}

/// `POST /sites/{id}/lists`.
pub(super) fn create_list(
    request: &Request<'_>,
    tenant: &mut Tenant,
    web: usize,
) -> Result<Reply, GraphError> {
    let body = request.body_object()?;
    if body.contains_key("name") {
        return Err(GraphError::bad_request(
            "Cannot define a 'name' for a list as it is assigned by the server. Instead, provide 'displayName'",
        ));
    }
    let info = body.get("list").and_then(Value::as_object);
    let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
    let columns = body.get("columns").and_then(Value::as_array).cloned().unwrap_or_default();
    let new = NewList {
        title: text("displayName"),
        template: info
            .and_then(|i| i.get("template"))
            .and_then(Value::as_str)
            .unwrap_or("genericList"),
        description: text("description"),
        hidden: info.and_then(|i| i.get("hidden")).and_then(Value::as_bool).unwrap_or(false),
        columns: &columns,
    };
    let index = lists::create_list(tenant, web, &new).map_err(graph_error)?;
    let web = &tenant.webs[web];
    let mut json = list_json(request, tenant, web, &web.lists[index]).into_tree();
    json["@odata.context"] = json!(request.context("sites/lists/$entity"));
    Ok(Reply::created(json))
}

/// `POST /sites/{id}/lists/{id}/columns`.
pub(super) fn create_column(
    request: &Request<'_>,
    tenant: &mut Tenant,
    web: usize,
    list_ref: &str,
) -> Result<Reply, GraphError> {
    let l = list_index(tenant, web, list_ref)?;
    let column = lists::column_from(request.body_object()?, &tenant.webs[web].lists())
        .map_err(graph_error)?;
    let mut json = column_json(&column);
    lists::add_column(&mut tenant.webs[web].lists[l], column).map_err(graph_error)?;
    json["@odata.context"] = json!(request.context("sites/lists/columns/$entity"));
    Ok(Reply::created(json))
}
