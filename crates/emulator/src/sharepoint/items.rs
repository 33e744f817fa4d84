//! List items through SharePoint REST: read one (`…/items(5)`), create (`POST …/items`), update
//! (`POST` with `X-HTTP-Method: MERGE`, or `MERGE`/`PATCH`) and delete (`POST` with
//! `X-HTTP-Method: DELETE`, or `DELETE`), with `IF-MATCH: *` or an eTag (absent means `*`; another
//! version answers 412), bodies in `odata=verbose` (with `__metadata.type`) or plain JSON, and
//! answers in the format `Accept` asks for. Field rules come from `fields`, shared with Graph.
//! See <https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-lists-and-list-items-with-rest>.

use axum::{
    Json,
    http::{HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::{access_denied, error, find_list, not_found, verbose_form, without_metadata};
use crate::{
    access::{self, Level},
    bearer::Caller,
    fields::{self, Dialect, FieldError},
    items::{self as shared_items, Target},
    model::{Item, List, Tenant},
    state::Shared,
};

/// `SP.Data.{Name}ListItem` for lists, `SP.Data.{Name}Item` for libraries.
pub(super) fn entity_type_name(list: &List) -> String {
    let name = fields::internal_name(&list.name);
    if list.template == "documentLibrary" { name } else { format!("{name}List") }
}

fn item_type(list: &List) -> String {
    format!("SP.Data.{}Item", entity_type_name(list))
}

/// The version eTag SharePoint REST uses (`"3"`).
fn etag(item: &Item) -> String {
    format!("\"{}\"", item.version)
}

/// An item as SharePoint REST returns it (verbose form, with `__metadata`): lookups and people as
/// `{Name}Id` numbers, names starting with `_` prefixed `OData_`.
pub(super) fn item_json(list: &List, item: &Item, site_url: &str) -> Value {
    let uri = format!("{site_url}/_api/Web/Lists(guid'{}')/Items({})", list.id, item.id);
    let mut json = Map::new();
    json.insert(
        "__metadata".into(),
        json!({"id": uri, "uri": uri, "etag": etag(item), "type": item_type(list)}),
    );
    json.insert("Id".into(), json!(item.id));
    json.insert("ID".into(), json!(item.id));
    for (name, value) in &item.fields {
        if matches!(name.as_str(), "id" | "ContentType") {
            continue;
        }
        if let Some(base) = name.strip_suffix("LookupId") {
            let number =
                |v: &Value| v.as_str().and_then(|v| v.parse::<u64>().ok()).map(Value::from);
            let ids = match value.as_array() {
                Some(several) => Value::Array(several.iter().filter_map(number).collect()),
                None => number(value).unwrap_or(Value::Null),
            };
            json.insert(format!("{base}Id"), ids);
            continue;
        }
        let key = if name.starts_with('_') { format!("OData_{name}") } else { name.clone() };
        json.insert(key, value.clone());
    }
    Value::Object(json)
}

/// A field error as SharePoint REST reports it.
fn field_error(list: &List, error_: FieldError) -> Response {
    let (code, message) = match error_ {
        FieldError::Unknown(name) => (
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            format!(
                "The property '{name}' does not exist on type '{}'. Make sure to only use property names that are defined by the type.",
                item_type(list)
            ),
        ),
        FieldError::ReadOnly(name) => (
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            format!("The property '{name}' cannot be set because it is read-only."),
        ),
        FieldError::Required(name) => (
            "-2146232832, Microsoft.SharePoint.SPFieldValidationException",
            format!("Field '{name}' is required."),
        ),
        FieldError::WrongType { expected, .. } => (
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            format!(
                "Cannot convert a primitive value to the expected type '{expected}'. See the inner exception for more details."
            ),
        ),
        FieldError::Invalid { field, reason } => (
            "-2146232832, Microsoft.SharePoint.SPFieldValidationException",
            format!("Field '{field}': {reason}"),
        ),
        FieldError::Duplicate(field) => (
            "-2130575169, Microsoft.SharePoint.SPDuplicateValuesFoundException",
            fields::duplicate_message(&field),
        ),
    };
    error(StatusCode::BAD_REQUEST, code, &message)
}

/// What one write request (items, lists, fields) asks for.
pub(super) struct WriteRequest<'a> {
    /// Shared state.
    pub shared: &'a Shared,
    /// The caller.
    pub caller: &'a Caller,
    /// Index of the tenant in the world.
    pub tenant: usize,
    /// Index of the web in the tenant.
    pub web: usize,
    /// The method, after `X-HTTP-Method`.
    pub method: &'a str,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The request body.
    pub body: &'a [u8],
    /// Whether the answer is `odata=verbose`.
    pub verbose: bool,
    /// The web's absolute URL.
    pub site_url: &'a str,
}

/// The method a request means: `X-HTTP-Method` on a POST, else its own.
pub(super) fn effective_method(method: &Method, headers: &HeaderMap) -> String {
    let tunnelled = headers.get("x-http-method").and_then(|v| v.to_str().ok());
    match tunnelled {
        Some(m) if method == Method::POST => m.trim().to_ascii_uppercase(),
        _ => method.as_str().to_ascii_uppercase(),
    }
}

/// Whether `rest` (the segments after the list) is an items operation this module answers.
pub(super) fn handles(method: &str, rest: &[&str]) -> bool {
    match rest {
        ["items"] => method == "POST",
        [single] => item_number(single).is_some(),
        _ => false,
    }
}

fn item_number(segment: &str) -> Option<u32> {
    let lower = segment.to_ascii_lowercase();
    let inner = lower.strip_prefix("items(").or_else(|| lower.strip_prefix("getitembyid("))?;
    inner.strip_suffix(')')?.trim().parse().ok()
}

/// Answers an items operation on list `reference`.
pub(super) fn handle(request: &WriteRequest<'_>, reference: &str, rest: &[&str]) -> Response {
    let mut world = request.shared.world_mut();
    let level = {
        let tenant = &world.tenants[request.tenant];
        access::level(&world, request.caller, tenant, &tenant.webs[request.web])
    };
    let needed = if request.method == "GET" { Level::Read } else { Level::Write };
    if level < needed {
        return access_denied();
    }
    let tenant = &mut world.tenants[request.tenant];
    let lists = tenant.webs[request.web].lists();
    let Some(list) = find_list(&lists, reference) else { return not_found("List") };
    let list_id = list.id;
    drop(lists);
    if needed == Level::Write {
        access::materialise(&mut tenant.webs[request.web], &list_id.to_string());
    }
    match (request.method, rest) {
        ("POST", ["items"]) => create(request, tenant, list_id),
        (method, [single]) => {
            let Some(id) = item_number(single) else { return not_found("Item") };
            match method {
                "GET" => read(request, tenant, list_id, id),
                "MERGE" | "PATCH" => update(request, tenant, list_id, id),
                "DELETE" => delete(request, tenant, list_id, id),
                _ => unsupported(),
            }
        }
        _ => unsupported(),
    }
}

fn unsupported() -> Response {
    super::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
        "The method is not supported.",
    )
}

fn list_position(tenant: &Tenant, web: usize, list_id: uuid::Uuid) -> Option<usize> {
    tenant.webs[web].lists.iter().position(|l| l.id == list_id)
}

/// An item answer in the requested format, with its `ETag`.
fn answer(request: &WriteRequest<'_>, status: StatusCode, list: &List, item: &Item) -> Response {
    let json = item_json(list, item, request.site_url);
    let body = if request.verbose { verbose_form(json) } else { without_metadata(json) };
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(item)) {
        response.headers_mut().insert("etag", value);
    }
    response
}

fn read(request: &WriteRequest<'_>, tenant: &Tenant, list_id: uuid::Uuid, id: u32) -> Response {
    let lists = tenant.webs[request.web].lists();
    let Some(list) = lists.iter().find(|l| l.id == list_id) else { return not_found("List") };
    match list.items.iter().find(|i| i.id == id) {
        Some(item) => answer(request, StatusCode::OK, list, item),
        None => item_not_found(id),
    }
}

fn item_not_found(id: u32) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "-2147024809, System.ArgumentException",
        &format!("Item does not exist. It may have been deleted by another user. (item {id})"),
    )
}

/// 400 `InvalidClientQueryException` with `message`.
pub(super) fn invalid_query(message: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
        message,
    )
}

/// The JSON body, and in `odata=verbose` the `__metadata.type` it declares (taken out). The error
/// is the message of a 400 `InvalidClientQueryException`.
pub(super) fn parse_body(
    request: &WriteRequest<'_>,
) -> Result<(Map<String, Value>, Option<String>), String> {
    let mut body: Map<String, Value> = if request.body.is_empty() {
        Map::new()
    } else {
        serde_json::from_slice(request.body).map_err(|_| {
            "Invalid JSON. A token was not recognized in the JSON content.".to_owned()
        })?
    };
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut declared = None;
    if content_type.contains("odata=verbose") {
        declared = body
            .remove("__metadata")
            .and_then(|m| m.get("type").and_then(Value::as_str).map(str::to_owned));
    }
    Ok((body, declared))
}

/// SharePoint's refusal of a type name it does not know.
pub(super) fn unknown_type(declared: &str) -> String {
    format!(
        "A type named '{declared}' could not be resolved by the model. When a model is available, each type name must resolve to a valid type."
    )
}

/// The item properties of the body; a declared type must be the list's item type.
fn properties(request: &WriteRequest<'_>, list: &List) -> Result<Map<String, Value>, String> {
    let (body, declared) = parse_body(request)?;
    match declared {
        Some(declared) if declared != item_type(list) => Err(unknown_type(&declared)),
        _ => Ok(body),
    }
}

fn create(request: &WriteRequest<'_>, tenant: &mut Tenant, list_id: uuid::Uuid) -> Response {
    let Some(list) = list_position(tenant, request.web, list_id) else { return not_found("List") };
    if tenant.webs[request.web].lists[list].template == "documentLibrary" {
        return error(
            StatusCode::BAD_REQUEST,
            "-2147024809, System.ArgumentException",
            "To add an item to a document library, use SPFileCollection.Add()",
        );
    }
    let mut target = Target { tenant, web: request.web, list };
    let body = match properties(request, target.list()) {
        Ok(body) => body,
        Err(message) => return invalid_query(&message),
    };
    match target.create(&body, Dialect::Rest, request.caller) {
        Ok(index) => {
            answer(request, StatusCode::CREATED, target.list(), &target.list().items[index])
        }
        Err(e) => field_error(target.list(), e),
    }
}

/// `None` when `IF-MATCH` is absent, `*` or the item's version; else the 412 answer.
fn if_match_failure(request: &WriteRequest<'_>, list: &List, item: &Item) -> Option<Response> {
    let given = request.headers.get("if-match").and_then(|v| v.to_str().ok())?.trim();
    let bare = given.trim_start_matches("W/").trim_matches('"');
    let version = bare.rsplit(',').next().unwrap_or_default();
    if bare == "*" || version == item.version.to_string() {
        return None;
    }
    let current = format!("\"{}\"", shared_items::etag(list, item));
    Some(error(
        StatusCode::PRECONDITION_FAILED,
        "-1, Microsoft.SharePoint.Client.ClientServiceException",
        &format!(
            "The request ETag value '{given}' does not match the object's ETag value '{current}'."
        ),
    ))
}

fn update(
    request: &WriteRequest<'_>,
    tenant: &mut Tenant,
    list_id: uuid::Uuid,
    id: u32,
) -> Response {
    let (list, index) = match find_item(request, tenant, list_id, id) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let mut target = Target { tenant, web: request.web, list };
    let body = match properties(request, target.list()) {
        Ok(body) => body,
        Err(message) => return invalid_query(&message),
    };
    if let Err(e) = target.update(index, &body, Dialect::Rest, request.caller) {
        return field_error(target.list(), e);
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(&target.list().items[index])) {
        response.headers_mut().insert("etag", value);
    }
    response
}

/// The list and item index of item `id`, after checking `IF-MATCH`.
fn find_item(
    request: &WriteRequest<'_>,
    tenant: &Tenant,
    list_id: uuid::Uuid,
    id: u32,
) -> Result<(usize, usize), Box<Response>> {
    let l =
        list_position(tenant, request.web, list_id).ok_or_else(|| Box::new(not_found("List")))?;
    let list = &tenant.webs[request.web].lists[l];
    let i =
        list.items.iter().position(|i| i.id == id).ok_or_else(|| Box::new(item_not_found(id)))?;
    match if_match_failure(request, list, &list.items[i]) {
        Some(failure) => Err(Box::new(failure)),
        None => Ok((l, i)),
    }
}

fn delete(
    request: &WriteRequest<'_>,
    tenant: &mut Tenant,
    list_id: uuid::Uuid,
    id: u32,
) -> Response {
    match find_item(request, tenant, list_id, id) {
        Ok((list, index)) => {
            Target { tenant, web: request.web, list }.delete(index);
            StatusCode::OK.into_response()
        }
        Err(response) => *response,
    }
}
