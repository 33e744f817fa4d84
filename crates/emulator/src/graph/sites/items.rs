//! List items through Graph: create (`POST …/items` with `fields`, 201), update
//! (`PATCH …/items/{id}/fields`, 200 with the new field values) and delete (`DELETE …/items/{id}`,
//! 204), with field checks from `fields`, SharePoint's own fields (`Created`, `Modified`,
//! `AuthorLookupId`, `EditorLookupId`, `_UIVersionString`) kept up to date, and the version in
//! the eTag counted up; `If-Match` with another version answers 412.
//! See <https://learn.microsoft.com/graph/api/listitem-create>,
//! <https://learn.microsoft.com/graph/api/listitem-update>,
//! <https://learn.microsoft.com/graph/api/listitem-delete>.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::{Reply, Request, error::GraphError};
use super::item_json;
use crate::{
    fields::{self, Dialect, FieldError},
    items::{Target, etag},
    model::{Item, List, Tenant},
};

/// A field error in Graph's shape: 400 `invalidRequest` with SharePoint's message (409 for a
/// duplicate value).
pub(super) fn field_error(error: FieldError) -> GraphError {
    if let FieldError::Duplicate(name) = &error {
        return GraphError::new(
            StatusCode::CONFLICT,
            "nameAlreadyExists",
            fields::duplicate_message(name),
        );
    }
    GraphError::bad_request(match error {
        FieldError::Unknown(name) => format!("Field '{name}' is not recognized"),
        FieldError::ReadOnly(name) => format!("Field '{name}' is read-only"),
        FieldError::Required(name) => format!("Field '{name}' is required"),
        FieldError::WrongType { field, expected } => {
            format!(
                "Cannot convert the value of field '{field}' to the expected type '{expected}'."
            )
        }
        FieldError::Invalid { field, reason } => {
            format!("Invalid value for field '{field}': {reason}")
        }
        FieldError::Duplicate(name) => fields::duplicate_message(&name),
    })
}

/// The index of list `reference` (id, URL name or display name) in web `web`.
pub(super) fn list_index(
    tenant: &Tenant,
    web: usize,
    reference: &str,
) -> Result<usize, GraphError> {
    tenant.webs[web]
        .lists
        .iter()
        .position(|l| {
            l.id.to_string().eq_ignore_ascii_case(reference)
                || l.name.eq_ignore_ascii_case(reference)
                || l.display_name.eq_ignore_ascii_case(reference)
        })
        .ok_or_else(GraphError::item_not_found)
}

/// 412 unless `If-Match` is absent, `*`, or names the item's current eTag.
fn check_if_match(request: &Request<'_>, list: &List, item: &Item) -> Result<(), GraphError> {
    let Some(wanted) = request.header("if-match") else { return Ok(()) };
    let current = etag(list, item);
    let wanted = wanted.trim().trim_start_matches("W/").trim_matches('"');
    if wanted == "*" || wanted.eq_ignore_ascii_case(&current) {
        return Ok(());
    }
    Err(GraphError::new(
        StatusCode::PRECONDITION_FAILED,
        "resourceModified",
        "The resource has changed since the caller last read it, usually an eTag mismatch.",
    ))
}

/// The `fields` of the request body (an empty set when absent).
fn body_fields(request: &Request<'_>, key: Option<&str>) -> Result<Map<String, Value>, GraphError> {
    let body = request.body_object()?;
    let fields = match key {
        Some(key) => body.get(key).cloned().unwrap_or_else(|| json!({})),
        None => Value::Object(body.clone()),
    };
    fields
        .as_object()
        .cloned()
        .ok_or_else(|| GraphError::bad_request("'fields' must be an object."))
}

/// `POST /sites/{id}/lists/{id}/items`.
pub(super) fn create(
    request: &Request<'_>,
    tenant: &mut Tenant,
    web: usize,
    list_ref: &str,
) -> Result<Reply, GraphError> {
    let list = list_index(tenant, web, list_ref)?;
    if tenant.webs[web].lists[list].template == "documentLibrary" {
        return Err(GraphError::bad_request(
            "Files and folders should only be added to a DocumentLibrary via the OneDrive API",
        ));
    }
    let body = body_fields(request, Some("fields"))?;
    let mut target = Target { tenant, web, list };
    let index = target.create(&body, Dialect::Graph, &request.caller).map_err(field_error)?;
    let (tenant, web) = (&*target.tenant, &target.tenant.webs[web]);
    let list = target.list();
    let mut json = item_json(tenant, web, list, &list.items[index], Some(&None));
    json["@odata.context"] = json!(request.context("sites/lists/items/$entity"));
    Ok(Reply::created(json))
}

/// The list and item index of `id` in list `list_ref`, after checking `If-Match`.
fn find_item(
    request: &Request<'_>,
    tenant: &Tenant,
    web: usize,
    list_ref: &str,
    id: &str,
) -> Result<(usize, usize), GraphError> {
    let l = list_index(tenant, web, list_ref)?;
    let list = &tenant.webs[web].lists[l];
    let i = list
        .items
        .iter()
        .position(|i| i.id.to_string() == id)
        .ok_or_else(GraphError::item_not_found)?;
    check_if_match(request, list, &list.items[i])?;
    Ok((l, i))
}

/// `PATCH /sites/{id}/lists/{id}/items/{id}/fields` (the body is the values; 200 with the
/// item's field values) or, for `whole_item`, `PATCH …/items/{id}` (the values under `fields`;
/// 200 with the item).
pub(super) fn update(
    request: &Request<'_>,
    tenant: &mut Tenant,
    web: usize,
    list_ref: &str,
    id: &str,
    whole_item: bool,
) -> Result<Reply, GraphError> {
    let (l, index) = find_item(request, tenant, web, list_ref, id)?;
    let body = body_fields(request, whole_item.then_some("fields"))?;
    let mut target = Target { tenant, web, list: l };
    target.update(index, &body, Dialect::Graph, &request.caller).map_err(field_error)?;
    let (web, list) = (&tenant.webs[web], &tenant.webs[web].lists[l]);
    let mut json = item_json(tenant, web, list, &list.items[index], Some(&None));
    let (mut json, context) = if whole_item {
        (json, "sites/lists/items/$entity")
    } else {
        (json["fields"].take(), "sites/lists/items/fields/$entity")
    };
    json["@odata.context"] = json!(request.context(context));
    Ok(Reply::ok(json))
}

/// `DELETE /sites/{id}/lists/{id}/items/{id}`.
pub(super) fn delete(
    request: &Request<'_>,
    tenant: &mut Tenant,
    web: usize,
    list_ref: &str,
    id: &str,
) -> Result<Reply, GraphError> {
    let (list, index) = find_item(request, tenant, web, list_ref, id)?;
    Target { tenant, web, list }.delete(index);
    Ok(Reply::no_content())
}
