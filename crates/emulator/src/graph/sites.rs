//! SharePoint through Graph: sites, subsites, lists, columns, content types, items, drives and
//! `Sites.Selected` site permissions (reference §2.9, §3.1–§3.6).

mod files;
mod items;
mod lists;
mod writes;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{Reply, Request, error::GraphError, odata};
use crate::{
    model::{Column, DirectoryRole, List, SitePermission, Tenant, Web},
    state::World,
};

const READ: &[&str] =
    &["Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"];
const FULL_CONTROL: &[&str] = &["Sites.FullControl.All"];
const NOT_INDEXED: &str = "Field '{}' cannot be referenced in filter or orderby as it is not indexed. Provide the 'Prefer: HonorNonIndexedQueriesWarningMayFailRandomly' header to allow this, but be warned that such queries may fail on large lists.";

fn time_text(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub fn route(request: &Request<'_>) -> Result<Reply, GraphError> {
    let world = request.shared.world();
    let tenant = world
        .tenants
        .iter()
        .find(|t| t.id == request.caller.tenant_id)
        .ok_or_else(GraphError::access_denied)?;
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    if segments.first() == Some(&"drives") {
        drop(world);
        return drives(request, &segments[1..]);
    }
    match segments.as_slice() {
        ["sites"] if request.method == Method::GET => search(request, tenant),
        ["sites", all]
            if all.trim_start_matches("microsoft.graph.").trim_end_matches("()")
                == "getAllSites" =>
        {
            get_all_sites(request, tenant)
        }
        ["sites", ..] => {
            let (web_index, used) =
                resolve_site(tenant, &segments[1..]).ok_or_else(GraphError::item_not_found)?;
            let web = &tenant.webs[web_index];
            let rest = &segments[1 + used..];
            if rest.first() == Some(&"permissions") {
                drop(world);
                return permissions(request, web_index, &rest[1..]);
            }
            if request.method != Method::GET {
                drop(world);
                return writes::route(request, web_index, rest);
            }
            authorize_read(request, &world, tenant, web)?;
            site_operation(request, tenant, web, rest)
        }
        _ => Err(GraphError::bad_request("Resource not found for the segment 'sites'.")),
    }
}

/// Finds the web a site reference names, and how many segments the reference used.
fn resolve_site(tenant: &Tenant, segments: &[&str]) -> Option<(usize, usize)> {
    let first = *segments.first()?;
    let root = || tenant.webs.iter().position(|w| w.path == "/");
    if first == "root" {
        return Some((root()?, 1));
    }
    if let Some(host) = first.strip_suffix(':') {
        if !host.eq_ignore_ascii_case(&tenant.sharepoint_host) {
            return None;
        }
        let mut path = String::new();
        let mut used = 1;
        for segment in &segments[1..] {
            used += 1;
            let (part, end) = segment.strip_suffix(':').map_or((*segment, false), |p| (p, true));
            path.push('/');
            path.push_str(part);
            if end {
                break;
            }
        }
        let path = if path.is_empty() { "/".to_owned() } else { path };
        return tenant
            .webs
            .iter()
            .position(|w| w.path.eq_ignore_ascii_case(&path))
            .map(|i| (i, used));
    }
    let parts: Vec<&str> = first.split(',').collect();
    if !parts[0].eq_ignore_ascii_case(&tenant.sharepoint_host) {
        return None;
    }
    let index = match parts.as_slice() {
        [_] => root()?,
        [_, site] => tenant
            .webs
            .iter()
            .position(|w| Some(w.site_id) == Uuid::parse_str(site).ok() && w.parent.is_none())?,
        [_, site, web] => {
            let (site_id, web_id) = (Uuid::parse_str(site).ok(), Uuid::parse_str(web).ok());
            tenant
                .webs
                .iter()
                .position(|w| Some(w.site_id) == site_id && Some(w.web_id) == web_id)?
        }
        _ => return None,
    };
    Some((index, 1))
}

/// The site collection's grants for the caller's app (`Sites.Selected`).
fn site_grant<'a>(
    world: &World,
    tenant: &'a Tenant,
    web: &Web,
    app_id: Uuid,
) -> Option<&'a SitePermission> {
    let collection = tenant.webs.iter().find(|w| w.site_id == web.site_id && w.parent.is_none())?;
    collection.permissions.iter().find(|p| p.app_id == app_id && world.replicated(p.created))
}

fn authorize_read(
    request: &Request<'_>,
    world: &World,
    tenant: &Tenant,
    web: &Web,
) -> Result<(), GraphError> {
    if request.caller.has_any(READ) {
        return Ok(());
    }
    if request.caller.has_any(&["Sites.Selected"])
        && request.caller.is_app()
        && site_grant(world, tenant, web, request.caller.app_id).is_some()
    {
        return Ok(());
    }
    Err(GraphError::access_denied())
}

/// A site as Graph returns it.
fn site_json(request: &Request<'_>, tenant: &Tenant, web: &Web) -> Value {
    let host = &tenant.sharepoint_host;
    let mut json = json!({
        "createdDateTime": time_text(web.created),
        "description": web.description,
        "id": format!("{host},{},{}", web.site_id, web.web_id),
        "lastModifiedDateTime": time_text(web.created),
        "name": web.name,
        "webUrl": format!("https://{host}{}", if web.path == "/" { "" } else { web.path.as_str() }),
        "displayName": web.display_name,
        "isPersonalSite": false,
    });
    if web.parent.is_none() {
        json["root"] = json!({});
        json["siteCollection"] = json!({"hostname": host});
    }
    if request.query.selects("sharepointIds") {
        json["sharepointIds"] = json!({"siteId": web.site_id, "siteUrl": json["webUrl"], "tenantId": tenant.id, "webId": web.web_id});
    }
    json
}

fn search(request: &Request<'_>, tenant: &Tenant) -> Result<Reply, GraphError> {
    if !request.caller.has_any(READ) && !request.caller.has_any(&["Sites.Selected"]) {
        return Err(GraphError::access_denied());
    }
    let text = request.query.search.clone().unwrap_or_default().to_ascii_lowercase();
    let selected_only = !request.caller.has_any(READ);
    let filter = request.query.filter.as_deref().map(odata::Filter::parse).transpose()?;
    let items: Vec<Value> = tenant
        .webs
        .iter()
        .filter(|_| !selected_only)
        .filter(|w| {
            text.is_empty()
                || text == "*"
                || w.display_name.to_ascii_lowercase().contains(&text)
                || w.description.to_ascii_lowercase().contains(&text)
                || w.name.to_ascii_lowercase().contains(&text)
        })
        .map(|w| site_json(request, tenant, w))
        .filter(|site| filter.as_ref().is_none_or(|f| f.matches(site)))
        .collect();
    collection(request, items, &request.context("sites"))
}

fn get_all_sites(request: &Request<'_>, tenant: &Tenant) -> Result<Reply, GraphError> {
    if !request.caller.is_app() {
        return Err(GraphError::bad_request(
            "getAllSites is supported only with application permissions.",
        ));
    }
    if !request.caller.has_any(READ) {
        return Err(GraphError::access_denied());
    }
    let items: Vec<Value> = tenant
        .webs
        .iter()
        .filter(|w| w.parent.is_none())
        .map(|w| {
            let mut json = site_json(request, tenant, w);
            json["siteCollection"] =
                json!({"hostname": tenant.sharepoint_host, "dataLocationCode": "NAM"});
            json
        })
        .collect();
    collection(request, items, &request.context("sites"))
}

fn site_operation(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    match rest {
        [] => {
            let mut json = site_json(request, tenant, web);
            json["@odata.context"] = json!(request.context("sites/$entity"));
            select(&mut json, request);
            Ok(Reply::ok(json))
        }
        ["sites"] => {
            let items: Vec<Value> = tenant
                .webs
                .iter()
                .filter(|w| w.parent == Some(web.web_id))
                .map(|w| site_json(request, tenant, w))
                .collect();
            collection(request, items, &request.context("sites"))
        }
        ["lists"] => {
            let filter = request.query.filter.as_deref().map(odata::Filter::parse).transpose()?;
            if let Some(filter) = &filter
                && filter.paths().iter().any(|p| !p.eq_ignore_ascii_case("displayName"))
            {
                return Err(GraphError::bad_request(
                    "The provided filter statement is not supported.",
                ));
            }
            let with_system = request.query.selects("system");
            let items: Vec<Value> = web
                .lists()
                .iter()
                .filter(|l| with_system || !l.system)
                .map(|l| list_json(request, tenant, web, l))
                .filter(|v| filter.as_ref().is_none_or(|f| f.matches(v)))
                .collect();
            collection(request, items, &request.context("sites/lists"))
        }
        ["lists", list_ref, more @ ..] => {
            let list = web.find_list(list_ref).ok_or_else(GraphError::item_not_found)?;
            list_operation(request, tenant, web, &list, more)
        }
        ["columns"] => {
            let columns = web
                .lists()
                .iter()
                .find(|l| l.template == "genericList")
                .map(|l| l.columns.clone())
                .unwrap_or_default();
            columns_reply(request, &columns)
        }
        ["contentTypes"] => {
            let items = vec![
                json!({"id": "0x01", "description": "Create a new list item.", "group": "List Content Types", "hidden": false, "name": "Item", "readOnly": false, "sealed": false}),
                json!({"id": "0x0101", "description": "Create a new document.", "group": "Document Content Types", "hidden": false, "name": "Document", "readOnly": false, "sealed": false}),
            ];
            collection(request, items, &request.context("sites/contentTypes"))
        }
        ["drives"] => {
            let items: Vec<Value> = web
                .lists()
                .iter()
                .filter(|l| l.drive_id.is_some() && !l.system)
                .map(|l| drive_json(tenant, web, l))
                .collect();
            collection(request, items, &request.context("drives"))
        }
        ["drive"] => {
            let lists = web.lists();
            let list = lists
                .iter()
                .find(|l| l.name == "Shared Documents")
                .or_else(|| lists.iter().find(|l| l.drive_id.is_some()))
                .ok_or_else(GraphError::item_not_found)?;
            drive_reply(request, tenant, web, list)
        }
        _ => Err(GraphError::bad_request(format!(
            "Resource not found for the segment '{}'.",
            rest[0]
        ))),
    }
}

/// A page of a SharePoint collection (Graph pages these by 200).
fn collection(
    request: &Request<'_>,
    items: Vec<Value>,
    context: &str,
) -> Result<Reply, GraphError> {
    Ok(Reply::ok(odata::page(items, &request.query, context, &request.url, 200)))
}

fn select(json: &mut Value, request: &Request<'_>) {
    if let Some(select) = &request.query.select {
        odata::apply_select(json, select);
    }
}

fn list_json(request: &Request<'_>, tenant: &Tenant, web: &Web, list: &List) -> Value {
    let base = format!(
        "https://{}{}",
        tenant.sharepoint_host,
        if web.path == "/" { "" } else { web.path.as_str() }
    );
    let web_url = if list.template == "documentLibrary" {
        format!("{base}/{}", list.name.replace(' ', "%20"))
    } else {
        format!("{base}/Lists/{}", list.name)
    };
    let mut json = json!({
        "@odata.etag": format!("\"{},1\"", list.id),
        "createdDateTime": time_text(list.created),
        "description": list.description,
        "eTag": format!("\"{},1\"", list.id),
        "id": list.id,
        "lastModifiedDateTime": time_text(list.created),
        "name": list.name,
        "webUrl": web_url,
        "displayName": list.display_name,
        "createdBy": {"user": {"displayName": "System Account"}},
        "parentReference": {"siteId": format!("{},{},{}", tenant.sharepoint_host, web.site_id, web.web_id)},
        "list": {"contentTypesEnabled": list.content_types.len() > 1, "hidden": list.hidden, "template": list.template},
    });
    if list.system && request.query.selects("system") {
        json["system"] = json!({});
    }
    // `$expand=columns,contentTypes,items` as Graph supports it on lists.
    for expansion in request.query.expand.as_deref().map(odata::split_top_level).unwrap_or_default()
    {
        match expansion.split('(').next().unwrap_or_default().trim() {
            "columns" => {
                json["columns"] = list
                    .columns
                    .iter()
                    .filter(|c| !c.hidden)
                    .map(column_json)
                    .collect::<Vec<_>>()
                    .into();
            }
            "contentTypes" => json["contentTypes"] = content_types_json(list).into(),
            "items" => {
                let fields = expansion.contains("fields").then_some(None);
                json["items"] = list
                    .items
                    .iter()
                    .map(|item| item_json(tenant, web, list, item, fields.as_ref()))
                    .collect::<Vec<_>>()
                    .into();
            }
            _ => {}
        }
    }
    json
}

fn content_types_json(list: &List) -> Vec<Value> {
    list.content_types
        .iter()
        .map(|c| {
            json!({
                "id": format!("{}00{}", c.id, list.id.simple().to_string().to_ascii_uppercase()),
                "description": c.description, "group": c.group, "hidden": c.hidden, "name": c.name,
                "readOnly": false, "sealed": false, "parentId": c.id,
            })
        })
        .collect()
}

fn column_json(column: &Column) -> Value {
    let mut json = json!({
        "columnGroup": column.column_group,
        "description": column.description,
        "displayName": column.display_name,
        "enforceUniqueValues": column.enforce_unique_values,
        "hidden": column.hidden,
        "id": column.id,
        "indexed": column.indexed,
        "name": column.name,
        "readOnly": column.read_only,
        "required": column.required,
    });
    json[column.facet.0] = column.facet.1.clone();
    json
}

fn columns_reply(request: &Request<'_>, columns: &[Column]) -> Result<Reply, GraphError> {
    let with_hidden = request.query.selects("hidden");
    let items: Vec<Value> =
        columns.iter().filter(|c| with_hidden || !c.hidden).map(column_json).collect();
    collection(request, items, &request.context("sites/lists/columns"))
}

fn list_operation(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    list: &List,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    match rest {
        [] => {
            let mut json = list_json(request, tenant, web, list);
            json["@odata.context"] = json!(request.context("sites/lists/$entity"));
            select(&mut json, request);
            Ok(Reply::ok(json))
        }
        ["columns"] => columns_reply(request, &list.columns),
        ["columns", id] => {
            let column = list
                .columns
                .iter()
                .find(|c| {
                    c.id.to_string().eq_ignore_ascii_case(id) || c.name.eq_ignore_ascii_case(id)
                })
                .ok_or_else(GraphError::item_not_found)?;
            let mut json = column_json(column);
            json["@odata.context"] = json!(request.context("sites/lists/columns/$entity"));
            Ok(Reply::ok(json))
        }
        ["contentTypes"] => {
            let items = content_types_json(list);
            collection(request, items, &request.context("sites/lists/contentTypes"))
        }
        ["items"] => items(request, tenant, web, list),
        ["items", id, "driveItem", more @ ..] if list.drive_id.is_some() => {
            files::of_list_item(request, tenant, web, list, id, more)
        }
        ["items", id, more @ ..] => {
            let item = list
                .items
                .iter()
                .find(|i| i.id.to_string() == *id)
                .ok_or_else(GraphError::item_not_found)?;
            let fields = fields_selection(request);
            let mut json = item_json(
                tenant,
                web,
                list,
                item,
                fields.as_ref().or(if more == ["fields"] { Some(&None) } else { None }),
            );
            if more == ["fields"] {
                let mut fields = json["fields"].take();
                fields["@odata.context"] =
                    json!(request.context("sites/lists/items/fields/$entity"));
                return Ok(Reply::ok(fields));
            }
            json["@odata.context"] = json!(request.context("sites/lists/items/$entity"));
            Ok(Reply::ok(json))
        }
        ["drive"] if list.drive_id.is_some() => drive_reply(request, tenant, web, list),
        _ => Err(GraphError::bad_request(format!(
            "Resource not found for the segment '{}'.",
            rest[0]
        ))),
    }
}

/// `expand=fields` / `expand=fields(select=A,B)` / `$expand=fields($select=A,B)`: `None` when not
/// expanded, `Some(None)` for all fields, `Some(Some(list))` for selected ones.
fn fields_selection(request: &Request<'_>) -> Option<Option<Vec<String>>> {
    let expand = request.query.expand.as_deref()?;
    odata::split_top_level(expand).into_iter().find_map(|part| {
        let part = part.trim();
        if part == "fields" {
            return Some(None);
        }
        let inner = part.strip_prefix("fields(")?.strip_suffix(')')?;
        let list = inner.trim_start_matches('$').strip_prefix("select=")?;
        Some(Some(list.split(',').map(|s| s.trim().to_owned()).collect()))
    })
}

fn item_json(
    tenant: &Tenant,
    web: &Web,
    list: &List,
    item: &crate::model::Item,
    fields: Option<&Option<Vec<String>>>,
) -> Value {
    let etag = format!("\"{}\"", crate::items::etag(list, item));
    let mut json = json!({
        "@odata.etag": etag,
        "createdDateTime": time_text(item.created),
        "eTag": etag,
        "id": item.id.to_string(),
        "lastModifiedDateTime": time_text(item.modified),
        "webUrl": format!("https://{}{}/Lists/{}/DispForm.aspx?ID={}", tenant.sharepoint_host, if web.path == "/" { "" } else { web.path.as_str() }, list.name, item.id),
        "createdBy": {"user": {"displayName": item.created_by}},
        "lastModifiedBy": {"user": {"displayName": item.modified_by}},
        "parentReference": {"id": list.id, "siteId": format!("{},{},{}", tenant.sharepoint_host, web.site_id, web.web_id)},
        "contentType": {"id": if list.template == "documentLibrary" { "0x0101" } else { "0x01" }, "name": if list.template == "documentLibrary" { "Document" } else { "Item" }},
    });
    if let Some(selection) = fields {
        let mut values = serde_json::Map::new();
        values.insert("@odata.etag".into(), json!(etag));
        for (name, value) in &item.fields {
            if selection.as_ref().is_none_or(|s| s.iter().any(|f| f.eq_ignore_ascii_case(name))) {
                values.insert(name.clone(), value.clone());
            }
        }
        json["fields"] = Value::Object(values);
    }
    json
}

fn items(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    list: &List,
) -> Result<Reply, GraphError> {
    let filter = request.query.filter.as_deref().map(odata::Filter::parse).transpose()?;
    if let Some(filter) = &filter {
        let honour = request
            .header("prefer")
            .is_some_and(|p| p.contains("HonorNonIndexedQueriesWarningMayFailRandomly"));
        for path in filter.paths() {
            let field = path.strip_prefix("fields/").unwrap_or(path);
            let indexed =
                list.columns.iter().any(|c| c.name.eq_ignore_ascii_case(field) && c.indexed);
            if !indexed && !honour && path.starts_with("fields/") {
                return Err(GraphError::bad_request(NOT_INDEXED.replace("{}", field)));
            }
        }
    }
    let fields = fields_selection(request);
    let items: Vec<Value> = list
        .items
        .iter()
        .map(|item| {
            let full = item_json(tenant, web, list, item, Some(&None));
            (full, item)
        })
        .filter(|(full, _)| filter.as_ref().is_none_or(|f| f.matches(full)))
        .map(|(_, item)| item_json(tenant, web, list, item, fields.as_ref()))
        .collect();
    collection(request, items, &request.context("sites/lists/items"))
}

/// One drive, as `/drive`, `/lists/{id}/drive` and `/drives/{id}` return it.
fn drive_reply(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    list: &List,
) -> Result<Reply, GraphError> {
    let mut json = drive_json(tenant, web, list);
    json["@odata.context"] = json!(request.context("drives/$entity"));
    Ok(Reply::ok(json))
}

fn drive_json(tenant: &Tenant, web: &Web, list: &List) -> Value {
    let base = format!(
        "https://{}{}",
        tenant.sharepoint_host,
        if web.path == "/" { "" } else { web.path.as_str() }
    );
    json!({
        "createdDateTime": time_text(list.created),
        "description": list.description,
        "id": list.drive_id,
        "lastModifiedDateTime": time_text(list.created),
        "name": list.display_name,
        "webUrl": format!("{base}/{}", list.name.replace(' ', "%20")),
        "driveType": "documentLibrary",
        "createdBy": {"user": {"displayName": "System Account"}},
        "owner": {"group": {"displayName": format!("{} Owners", web.display_name)}},
        "quota": {"deleted": 0, "remaining": 27_487_790_694_400_i64, "state": "normal", "total": 27_487_790_694_400_i64, "used": 0},
    })
}

/// `/drives/{id}` and `/drives/{id}/root/children`.
fn drives(request: &Request<'_>, rest: &[&str]) -> Result<Reply, GraphError> {
    let world = request.shared.world();
    let tenant = world
        .tenants
        .iter()
        .find(|t| t.id == request.caller.tenant_id)
        .ok_or_else(GraphError::access_denied)?;
    let Some(drive_id) = rest.first() else {
        return Err(GraphError::bad_request("A drive id is required."));
    };
    let (web, lists, index) =
        find_drive(tenant, drive_id).ok_or_else(GraphError::item_not_found)?;
    let list = &lists[index];
    authorize_read(request, &world, tenant, web)?;
    match &rest[1..] {
        [] => drive_reply(request, tenant, web, list),
        more => files::route(request, tenant, web, list, drive_id, more),
    }
}

/// The web and list of a drive id; generated lists are found from the id itself.
fn find_drive<'a>(
    tenant: &'a Tenant,
    drive_id: &str,
) -> Option<(&'a Web, std::borrow::Cow<'a, [List]>, usize)> {
    use base64::Engine;
    let raw = drive_id.strip_prefix("b!")?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(raw).ok()?;
    let list_id = Uuid::from_slice(&bytes).ok()?;
    let web = crate::files::web_of_list(tenant, list_id)?;
    let lists = web.lists();
    let index = lists.iter().position(|l| l.id == list_id && l.drive_id.is_some())?;
    Some((web, lists, index))
}

fn permission_json(permission: &SitePermission) -> Value {
    let identity = json!([{"application": {"id": permission.app_id, "displayName": permission.app_display_name}}]);
    json!({
        "id": permission.id,
        "@deprecated.GrantedToIdentities": "GrantedToIdentities has been deprecated. Refer to GrantedToIdentitiesV2",
        "roles": permission.roles,
        "grantedToIdentities": identity,
        "grantedToIdentitiesV2": identity,
    })
}

/// `/sites/{id}/permissions`: `Sites.Selected` grants, on the site collection.
fn permissions(
    request: &Request<'_>,
    web_index: usize,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    let t = request
        .shared
        .world()
        .tenants
        .iter()
        .position(|t| t.id == request.caller.tenant_id)
        .ok_or_else(GraphError::access_denied)?;
    {
        let world = request.shared.world();
        let tenant = &world.tenants[t];
        let admin = request.caller.user_id.is_none_or(|u| {
            tenant.user(u).is_some_and(|u| {
                u.roles.iter().any(|r| {
                    matches!(
                        r,
                        DirectoryRole::GlobalAdministrator | DirectoryRole::SharePointAdministrator
                    )
                })
            })
        });
        if !request.caller.has_any(FULL_CONTROL) || !admin {
            return Err(GraphError::access_denied());
        }
    }
    let collection = {
        let world = request.shared.world();
        let site_id = world.tenants[t].webs[web_index].site_id;
        world.tenants[t]
            .webs
            .iter()
            .position(|w| w.site_id == site_id && w.parent.is_none())
            .ok_or_else(GraphError::item_not_found)?
    };
    let context = request.context("sites/permissions");
    match (rest, request.method.clone()) {
        ([], Method::GET) => {
            let world = request.shared.world();
            let items =
                world.tenants[t].webs[collection].permissions.iter().map(permission_json).collect();
            Ok(Reply::ok(odata::page(items, &request.query, &context, &request.url, 200)))
        }
        ([], Method::POST) => {
            let body = request.body_object()?;
            let roles: Vec<String> = body
                .get("roles")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            if roles.is_empty()
                || roles.iter().any(|r| {
                    !matches!(r.as_str(), "read" | "write" | "manage" | "owner" | "fullcontrol")
                })
            {
                return Err(GraphError::bad_request(
                    "Invalid roles: use read, write, manage, owner or fullcontrol.",
                ));
            }
            let identities = body
                .get("grantedToIdentities")
                .or_else(|| body.get("grantedToIdentitiesV2"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let application =
                identities.first().and_then(|i| i.get("application")).ok_or_else(|| {
                    GraphError::bad_request("Only application permissions can be granted.")
                })?;
            let app_id = application
                .get("id")
                .and_then(Value::as_str)
                .and_then(|v| Uuid::parse_str(v).ok())
                .ok_or_else(|| GraphError::bad_request("Invalid application id."))?;
            let display = application
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let mut world = request.shared.world_mut();
            let list = &mut world.tenants[t].webs[collection].permissions;
            let id = crate::state::random_token(24);
            let permission = SitePermission {
                id,
                roles,
                app_id,
                app_display_name: display,
                created: crate::state::now(),
            };
            let mut json = permission_json(&permission);
            json["@odata.context"] = json!(format!("{context}/$entity"));
            list.push(permission);
            Ok(Reply::created(json))
        }
        ([id], method) => {
            let mut world = request.shared.world_mut();
            let list = &mut world.tenants[t].webs[collection].permissions;
            let index =
                list.iter().position(|p| p.id == *id).ok_or_else(GraphError::item_not_found)?;
            match method {
                Method::GET => Ok(Reply::ok(permission_json(&list[index]))),
                Method::DELETE => {
                    list.remove(index);
                    Ok(Reply::no_content())
                }
                Method::PATCH => {
                    let roles = request
                        .body_object()?
                        .get("roles")
                        .and_then(Value::as_array)
                        .map(|r| {
                            r.iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default();
                    if roles.is_empty() {
                        return Err(GraphError::bad_request("Property 'roles' is required."));
                    }
                    list[index].roles = roles;
                    Ok(Reply::ok(permission_json(&list[index])))
                }
                _ => Err(GraphError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "notSupported",
                    "The method is not supported on this resource.",
                )),
            }
        }
        _ => Err(GraphError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "notSupported",
            "The method is not supported on this resource.",
        )),
    }
}
