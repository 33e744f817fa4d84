//! SharePoint REST (`/_api/…`), enough to prove a connection works the way SharePoint runtimes use
//! it: the web, its lists and list items, with app-only tokens for `https://{tenant}.sharepoint.com`
//! and the refusal of secret-based app-only tokens (docs/microsoft §3.10).

use std::sync::Arc;

mod files;
mod items;
mod lists;

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    bearer::{self, Caller},
    model::{List, Tenant, Web},
    origin::{HostKind, Origin},
    resources::SHAREPOINT_APP_ID,
    state::Shared,
};

const READ_ROLES: &[&str] =
    &["Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"];
const READ_SCOPES: &[&str] =
    &["AllSites.Read", "AllSites.Write", "AllSites.Manage", "AllSites.FullControl"];

/// A SharePoint REST error: `{"odata.error": {"code", "message": {"lang", "value"}}}`.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(
            json!({"odata.error": {"code": code, "message": {"lang": "en-US", "value": message}}}),
        ),
    )
        .into_response()
}

fn access_denied() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "-2147024891, System.UnauthorizedAccessException",
        "Access denied. You do not have permission to perform this action or access this resource.",
    )
}

fn not_found(what: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "-1, Microsoft.SharePoint.Client.ResourceNotFoundException",
        &format!("{what} does not exist."),
    )
}

/// Every `…/_api/…` request.
pub async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if uri.path().to_ascii_lowercase().ends_with("/_layouts/15/download.aspx") {
        return files::download(&shared, uri.query());
    }
    let origin = Origin::of(&headers, shared.tls);
    let world = shared.world();
    // The token first: without a valid one nothing, not even whether a site exists, is told.
    let audiences: Vec<String> = world
        .tenants
        .iter()
        .map(|t| t.sharepoint_resource())
        .chain(std::iter::once(SHAREPOINT_APP_ID.to_owned()))
        .collect();
    let Ok(caller) = bearer::authenticate(&shared, &headers, &audiences) else {
        return unauthorized("Invalid audience Uri or token.", "invalid_client");
    };
    // The tenant: the SharePoint host's, which must be the token's; on the emulator's own address,
    // the token's.
    let tenant = if origin.kind() == HostKind::SharePoint {
        let host = origin.host().split(':').next().unwrap_or_default().trim_end_matches('.');
        match world.tenant_by_sharepoint_host(host) {
            Some(index) => &world.tenants[index],
            None => return not_found("The site"),
        }
    } else {
        match world.tenant_index_by_id(caller.tenant_id) {
            Some(index) => &world.tenants[index],
            None => return unauthorized("Invalid audience Uri or token.", "invalid_client"),
        }
    };
    if caller.tenant_id != tenant.id {
        return unauthorized("Invalid audience Uri or token.", "invalid_client");
    }
    if caller.is_app() && caller.appidacr != "2" {
        return unauthorized("Unsupported app only token.", "invalid_client");
    }
    let path = uri.path();
    let Some(split) = path.find("/_api/") else { return not_found("The resource") };
    let (web_path, api) = (&path[..split], &path[split + "/_api/".len()..]);
    let web_path = if web_path.is_empty() { "/" } else { web_path };
    let Some(web) = tenant.webs.iter().find(|w| w.path.eq_ignore_ascii_case(web_path)) else {
        return not_found("The site");
    };
    if !allowed(&world, &caller, tenant, web) {
        return access_denied();
    }
    let verbose = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("odata=verbose"));
    let site_url = format!(
        "https://{}{}",
        tenant.sharepoint_host,
        if web.path == "/" { "" } else { web.path.as_str() }
    );
    let segments = crate::paths::segments(api);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = items::effective_method(&method, &headers);
    let item_target = match segments.as_slice() {
        ["web", "lists", reference, rest @ ..] | ["web", reference, rest @ ..]
            if items::handles(&method, rest) =>
        {
            Some((*reference, rest))
        }
        _ => None,
    };
    if item_target.is_some() || lists::handles(&method, &segments) {
        let tenant_index = world.tenants.iter().position(|t| t.id == tenant.id).unwrap_or_default();
        let web_index = tenant.webs.iter().position(|w| w.path == web.path).unwrap_or_default();
        drop(world);
        let request = items::WriteRequest {
            shared: &shared,
            caller: &caller,
            tenant: tenant_index,
            web: web_index,
            method: &method,
            headers: &headers,
            body: &body,
            verbose,
            site_url: &site_url,
        };
        return match item_target {
            Some((reference, rest)) => items::handle(&request, reference, rest),
            None => lists::handle(&request, &segments),
        };
    }
    if method != "GET" {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "The method is not supported.",
        );
    }
    if let Some(response) =
        files::handle(web, &crate::paths::percent_decode(api), verbose, &site_url)
    {
        return response;
    }
    let body = match segments.as_slice() {
        ["web"] => Some(web_json(web, &site_url)),
        ["web", "lists"] => Some(
            json!({"value": web.lists().iter().map(|l| list_json(l, &site_url)).collect::<Vec<_>>()}),
        ),
        ["web", "lists", reference, rest @ ..] | ["web", reference, rest @ ..] => {
            let lists = web.lists();
            match find_list(&lists, reference) {
                None => return not_found("List"),
                Some(list) => match rest {
                    [] => Some(list_json(list, &site_url)),
                    ["items"] => Some(
                        json!({"value": list.items.iter().map(|i| items::item_json(list, i, &site_url)).collect::<Vec<_>>()}),
                    ),
                    ["fields"] => Some(
                        json!({"value": list.columns.iter().map(|c| field_json(list, c, &site_url)).collect::<Vec<_>>()}),
                    ),
                    _ => None,
                },
            }
        }
        _ => None,
    };
    match body {
        Some(body) if verbose => Json(verbose_form(body)).into_response(),
        Some(body) => Json(without_metadata(body)).into_response(),
        None => error(
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "The expression is not valid.",
        ),
    }
}

fn unauthorized(reason: &str, category: &str) -> Response {
    let mut response =
        (StatusCode::UNAUTHORIZED, Json(json!({"error_description": reason}))).into_response();
    if let Ok(value) =
        HeaderValue::from_str(&format!("3000003;reason=\"{reason}\";category=\"{category}\""))
    {
        response.headers_mut().insert("x-ms-diagnostics", value);
    }
    if let Ok(value) = HeaderValue::from_str(
        "Bearer realm=\"\",client_id=\"00000003-0000-0ff1-ce00-000000000000\"",
    ) {
        response.headers_mut().insert("www-authenticate", value);
    }
    response
}

fn allowed(world: &crate::state::World, caller: &Caller, tenant: &Tenant, web: &Web) -> bool {
    if caller.is_app() {
        if caller.has_any(READ_ROLES) {
            return true;
        }
        let collection =
            tenant.webs.iter().find(|w| w.site_id == web.site_id && w.parent.is_none());
        caller.has_any(&["Sites.Selected"])
            && collection.is_some_and(|c| {
                c.permissions
                    .iter()
                    .any(|p| p.app_id == caller.app_id && world.replicated(p.created))
            })
    } else {
        caller.has_any(READ_SCOPES)
    }
}

fn find_list<'a>(lists: &'a [List], reference: &str) -> Option<&'a List> {
    if let Some(title) = reference.strip_prefix("getbytitle('").and_then(|r| r.strip_suffix("')")) {
        return lists
            .iter()
            .find(|l| l.display_name.eq_ignore_ascii_case(&title.replace("''", "'")));
    }
    let id = reference
        .strip_prefix("lists(guid'")
        .or_else(|| reference.strip_prefix("(guid'"))
        .or_else(|| reference.strip_prefix("guid'"))?;
    let id = id.trim_end_matches(')').trim_end_matches('\'');
    lists.iter().find(|l| l.id.to_string().eq_ignore_ascii_case(id))
}

/// `__metadata` of an entity in `odata=verbose` answers (removed in the other formats).
fn metadata(uri: &str, entity_type: &str) -> Value {
    json!({"id": uri, "uri": uri, "etag": "\"1\"", "type": entity_type})
}

fn without_metadata(mut body: Value) -> Value {
    if let Value::Object(map) = &mut body {
        map.remove("__metadata");
        if let Some(Value::Array(items)) = map.get_mut("value") {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                item.remove("__metadata");
            }
        }
    }
    body
}

fn web_json(web: &Web, site_url: &str) -> Value {
    json!({
        "__metadata": metadata(&format!("{site_url}/_api/Web"), "SP.Web"),
        "Id": web.web_id,
        "Title": web.display_name,
        "Description": web.description,
        "Url": site_url,
        "ServerRelativeUrl": web.path,
        "Created": crate::state::time_text(web.created),
        "WebTemplate": "STS",
        "Language": 1033,
    })
}

/// A field (column) as SharePoint REST returns it: SharePoint's type name and number.
fn field_json(list: &List, column: &crate::model::Column, site_url: &str) -> Value {
    let uri = format!("{site_url}/_api/Web/Lists(guid'{}')/Fields(guid'{}')", list.id, column.id);
    let multiline = column.facet.1.get("allowMultipleLines").and_then(Value::as_bool) == Some(true);
    let (type_name, kind) = match column.facet.0.as_ref() {
        "text" if multiline => ("Note", 3),
        "text" => ("Text", 2),
        "dateTime" => ("DateTime", 4),
        "choice" => ("Choice", 6),
        "lookup" => ("Lookup", 7),
        "boolean" => ("Boolean", 8),
        "number" => ("Number", 9),
        "currency" => ("Currency", 10),
        "hyperlinkOrPicture" => ("URL", 11),
        "calculated" => ("Calculated", 17),
        "personOrGroup" => ("User", 20),
        "geolocation" => ("Geolocation", 31),
        "contentApprovalStatus" => ("ModStat", 22),
        "term" => ("TaxonomyFieldType", 0),
        "thumbnail" => ("Thumbnail", 0),
        _ => ("Text", 2),
    };
    json!({
        "__metadata": metadata(&uri, "SP.Field"),
        "Id": column.id,
        "InternalName": column.name,
        "StaticName": column.name,
        "Title": column.display_name,
        "Description": column.description,
        "Hidden": column.hidden,
        "Indexed": column.indexed,
        "EnforceUniqueValues": column.enforce_unique_values,
        "ReadOnlyField": column.read_only,
        "Required": column.required,
        "TypeAsString": type_name,
        "FieldTypeKind": kind,
    })
}

fn list_json(list: &List, site_url: &str) -> Value {
    let (template, base_type) = match list.template.as_str() {
        "documentLibrary" => (101, 1),
        "announcements" => (104, 0),
        _ => (100, 0),
    };
    json!({
        "__metadata": metadata(&format!("{site_url}/_api/Web/Lists(guid'{}')", list.id), "SP.List"),
        "Id": list.id,
        "Title": list.display_name,
        "Description": list.description,
        "BaseTemplate": template,
        "BaseType": base_type,
        "Hidden": list.hidden,
        "ItemCount": list.items.len(),
        "EntityTypeName": items::entity_type_name(list),
        "ListItemEntityTypeFullName": format!("SP.Data.{}Item", items::entity_type_name(list)),
        "ParentWebUrl": site_url,
        "Created": crate::state::time_text(list.created),
    })
}

/// `odata=verbose`: `{"d": {...}}` and `{"d": {"results": [...]}}`.
fn verbose_form(body: Value) -> Value {
    match body.get("value") {
        Some(list) => json!({"d": {"results": list}}),
        None => json!({"d": body}),
    }
}
