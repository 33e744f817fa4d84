//! SharePoint through Graph: sites (search, `getAllSites`, by id or path, subsites), lists and
//! libraries, columns, content types and items, read as Graph returns them; who may read is a
//! tenant-wide `Sites.*` permission, or `Sites.Selected` with a grant on the site collection.

mod files;
mod generated;
mod items;
mod lists;
pub mod writes;

pub(in crate::graph) use files::route as drive_items;
use serde::{Serialize, Serializer, ser::SerializeMap};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Reply, Request, drives::drive_json, drives::drive_reply, error::GraphError, odata};
use crate::{
    model::{Column, List, SitePermission, Tenant, Web},
    state::World,
    state::time_text,
};

/// Tenant-wide read permissions (`Sites.Selected` is checked per site).
const READ: &[&str] =
    &["Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"];
const NOT_INDEXED: &str = "Field '{}' cannot be referenced in filter or orderby as it is not indexed. Provide the 'Prefer: HonorNonIndexedQueriesWarningMayFailRandomly' header to allow this, but be warned that such queries may fail on large lists.";

/// The web a site key names: `root`, `{host}`, `{host},{site-id}`, `{host},{site-id},{web-id}`,
/// or a path, `{host}:/sites/hr` (with or without the closing `:`).
fn resolve_site(tenant: &Tenant, key: &str) -> Option<usize> {
    let root = || tenant.webs.iter().position(|w| w.path == "/");
    if key.eq_ignore_ascii_case("root") {
        return root();
    }
    if let Some((host, path)) = key.split_once(':') {
        if !host.eq_ignore_ascii_case(&tenant.sharepoint_host) {
            return None;
        }
        let path = path.trim_end_matches(':').trim_end_matches('/');
        let path = if path.is_empty() { "/" } else { path };
        return tenant.webs.iter().position(|w| w.path.eq_ignore_ascii_case(path));
    }
    let parts: Vec<&str> = key.split(',').collect();
    if !parts[0].eq_ignore_ascii_case(&tenant.sharepoint_host) {
        return None;
    }
    match parts.as_slice() {
        [_] => root(),
        [_, site] => tenant
            .webs
            .iter()
            .position(|w| Some(w.site_id) == Uuid::parse_str(site).ok() && w.parent.is_none()),
        [_, site, web] => {
            let (site_id, web_id) = (Uuid::parse_str(site).ok(), Uuid::parse_str(web).ok());
            tenant.webs.iter().position(|w| Some(w.site_id) == site_id && Some(w.web_id) == web_id)
        }
        _ => None,
    }
}

/// The caller's tenant and the web `{site}` names, once the caller may read it: a tenant-wide
/// read permission, or `Sites.Selected` with a grant on the site collection.
pub fn readable_site<'w>(
    request: &Request<'_>,
    world: &'w World,
) -> Result<(&'w Tenant, &'w Web), GraphError> {
    let tenant = request.tenant(world)?;
    let index =
        resolve_site(tenant, request.param("site")).ok_or_else(GraphError::item_not_found)?;
    let web = &tenant.webs[index];
    authorize_read(request, world, tenant, web)?;
    Ok((tenant, web))
}

/// The index of the web `{site}` names in the caller's tenant (no permission check).
pub fn site_index(request: &Request<'_>, world: &World) -> Result<(usize, usize), GraphError> {
    let t = request.tenant_index(world)?;
    let index = resolve_site(&world.tenants[t], request.param("site"))
        .ok_or_else(GraphError::item_not_found)?;
    Ok((t, index))
}

/// The list `{list}` of a readable site.
fn readable_list<'w>(
    request: &Request<'_>,
    world: &'w World,
) -> Result<(&'w Tenant, &'w Web, std::borrow::Cow<'w, List>), GraphError> {
    let (tenant, web) = readable_site(request, world)?;
    let list = web.find_list(request.param("list")).ok_or_else(GraphError::item_not_found)?;
    Ok((tenant, web, list))
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

pub fn authorize_read(
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

/// `GET /sites?search=…`: with only `Sites.Selected`, nothing is found (search needs a
/// tenant-wide read permission).
pub fn search(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let tenant = request.tenant(world)?;
    let text = request.query.search.clone().unwrap_or_default().to_ascii_lowercase();
    let selected_only = !request.caller.has_any(READ);
    let filter = request.query.filter.as_deref().map(odata::Filter::parse).transpose()?;
    let found = tenant.webs.iter().filter(|_| !selected_only).filter(|w| {
        text.is_empty()
            || text == "*"
            || w.display_name.to_ascii_lowercase().contains(&text)
            || w.description.to_ascii_lowercase().contains(&text)
            || w.name.to_ascii_lowercase().contains(&text)
    });
    let context = request.context("sites");
    let Some(filter) = filter else {
        // Only the sites on the page are written.
        let found: Vec<&Web> = found.collect();
        let to_json = |web| site_json(request, tenant, web);
        let page = odata::page_with(found, &request.query, &context, &request.url, 200, to_json);
        return Ok(Reply::ok(page));
    };
    let items: Vec<Value> =
        found.map(|w| site_json(request, tenant, w)).filter(|site| filter.matches(site)).collect();
    collection(request, items, &context)
}

/// `GET /sites/getAllSites` (application permissions only).
pub fn all_sites(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let tenant = request.tenant(world)?;
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

/// `GET /sites/{site}`.
pub fn site(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web) = readable_site(request, world)?;
    let mut json = site_json(request, tenant, web);
    json["@odata.context"] = json!(request.context("sites/$entity"));
    select(&mut json, request);
    Ok(Reply::ok(json))
}

/// `GET /sites/{site}/sites`: the subsites.
pub fn subsites(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web) = readable_site(request, world)?;
    let items: Vec<Value> = tenant
        .webs
        .iter()
        .filter(|w| w.parent == Some(web.web_id))
        .map(|w| site_json(request, tenant, w))
        .collect();
    collection(request, items, &request.context("sites"))
}

/// `GET /sites/{site}/lists` (system lists only when `system` is selected; `$filter` on
/// `displayName` only).
pub fn lists(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web) = readable_site(request, world)?;
    let filter = request.query.filter.as_deref().map(odata::Filter::parse).transpose()?;
    if let Some(filter) = &filter
        && filter.paths().iter().any(|p| !p.eq_ignore_ascii_case("displayName"))
    {
        return Err(GraphError::bad_request("The provided filter statement is not supported."));
    }
    if let Some(page) = generated::lists_page(request, tenant, web) {
        return Ok(Reply::ok_text(page));
    }
    let with_system = request.query.selects("system");
    let all = web.lists();
    let mut items: Vec<ListJson<'_>> = all
        .iter()
        .filter(|l| with_system || !l.system)
        .map(|l| list_json(request, tenant, web, l))
        .filter(|l| filter.as_ref().is_none_or(|f| f.matches(&l.properties)))
        .collect();
    let (window, next_link) = odata::page_window(items.len(), &request.query, &request.url, 200);
    let mut value: Vec<ListJson<'_>> = items.drain(window).collect();
    for list in &mut value {
        select(&mut list.properties, request);
    }
    Reply::ok_serialized(&odata::Page { context: request.context("sites/lists"), next_link, value })
}

/// `GET /sites/{site}/columns`: the site's columns.
pub fn site_columns(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (_, web) = readable_site(request, world)?;
    let columns = web
        .lists()
        .iter()
        .find(|l| l.template == "genericList")
        .map(|l| l.columns.clone())
        .unwrap_or_default();
    columns_reply(request, &columns)
}

/// `GET /sites/{site}/contentTypes`.
pub fn site_content_types(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    readable_site(request, world)?;
    let items = vec![
        json!({"id": "0x01", "description": "Create a new list item.", "group": "List Content Types", "hidden": false, "name": "Item", "readOnly": false, "sealed": false}),
        json!({"id": "0x0101", "description": "Create a new document.", "group": "Document Content Types", "hidden": false, "name": "Document", "readOnly": false, "sealed": false}),
    ];
    collection(request, items, &request.context("sites/contentTypes"))
}

/// `GET /sites/{site}/drives`: the document libraries.
pub fn site_drives(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web) = readable_site(request, world)?;
    let items: Vec<Value> = web
        .lists()
        .iter()
        .filter(|l| l.drive_id.is_some() && !l.system)
        .map(|l| drive_json(tenant, web, l))
        .collect();
    collection(request, items, &request.context("drives"))
}

/// `GET /sites/{site}/drive`: the default library.
pub fn site_drive(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web) = readable_site(request, world)?;
    let lists = web.lists();
    let list = lists
        .iter()
        .find(|l| l.name == "Shared Documents")
        .or_else(|| lists.iter().find(|l| l.drive_id.is_some()))
        .ok_or_else(GraphError::item_not_found)?;
    drive_reply(request, tenant, web, list)
}

/// `GET /sites/{site}/lists/{list}`.
pub fn list(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web, list) = readable_list(request, world)?;
    let mut json = selected_list_json(request, tenant, web, &list);
    json.properties["@odata.context"] = json!(request.context("sites/lists/$entity"));
    Reply::ok_serialized(&json)
}

/// `GET /sites/{site}/lists/{list}/columns`.
pub fn list_columns(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (_, _, list) = readable_list(request, world)?;
    columns_reply(request, &list.columns)
}

/// `GET /sites/{site}/lists/{list}/columns/{column}` (by id or name).
pub fn list_column(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (_, _, list) = readable_list(request, world)?;
    let id = request.param("column");
    let column = list
        .columns
        .iter()
        .find(|c| c.id.to_string().eq_ignore_ascii_case(id) || c.name.eq_ignore_ascii_case(id))
        .ok_or_else(GraphError::item_not_found)?;
    let mut json = column_json(column);
    json["@odata.context"] = json!(request.context("sites/lists/columns/$entity"));
    Ok(Reply::ok(json))
}

/// `GET /sites/{site}/lists/{list}/contentTypes`.
pub fn list_content_types(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (_, _, list) = readable_list(request, world)?;
    collection(request, content_types_json(&list), &request.context("sites/lists/contentTypes"))
}

/// `GET /sites/{site}/lists/{list}/drive` (document libraries only).
pub fn list_drive(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web, list) = readable_list(request, world)?;
    if list.drive_id.is_none() {
        return Err(GraphError::item_not_found());
    }
    drive_reply(request, tenant, web, &list)
}

/// `GET /sites/{site}/lists/{list}/items/{item}` (fields with `expand=fields`).
pub fn item(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web, list) = readable_list(request, world)?;
    let item = find_item(request, &list)?;
    let fields = fields_selection(request);
    let mut json = item_json(tenant, web, &list, item, fields.as_ref());
    json["@odata.context"] = json!(request.context("sites/lists/items/$entity"));
    Ok(Reply::ok(json))
}

/// `GET /sites/{site}/lists/{list}/items/{item}/fields`.
pub fn item_fields(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web, list) = readable_list(request, world)?;
    let item = find_item(request, &list)?;
    let selection = fields_selection(request).unwrap_or(None);
    let mut json = item_json(tenant, web, &list, item, Some(&selection));
    let mut fields = json["fields"].take();
    fields["@odata.context"] = json!(request.context("sites/lists/items/fields/$entity"));
    Ok(Reply::ok(fields))
}

fn find_item<'l>(
    request: &Request<'_>,
    list: &'l List,
) -> Result<&'l crate::model::Item, GraphError> {
    let id = request.param("item");
    list.items.iter().find(|i| i.id.to_string() == id).ok_or_else(GraphError::item_not_found)
}

/// `GET /sites/{site}/lists/{list}/items/{item}/driveItem`: a library item's file.
pub fn item_drive_item(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web, list) = readable_list(request, world)?;
    files::of_list_item(request, tenant, web, &list, request.param("item"), &[])
}

/// `GET /sites/{site}/lists/{list}/items/{item}/driveItem/content`: 302 to its download URL.
pub fn item_drive_item_content(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web, list) = readable_list(request, world)?;
    files::of_list_item(request, tenant, web, &list, request.param("item"), &["content"])
}

/// `GET /sites/{site}/lists/{list}/items`.
pub fn items(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web, list) = readable_list(request, world)?;
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
            let full = item_json(tenant, web, &list, item, Some(&None));
            (full, item)
        })
        .filter(|(full, _)| filter.as_ref().is_none_or(|f| f.matches(full)))
        .map(|(_, item)| item_json(tenant, web, &list, item, fields.as_ref()))
        .collect();
    collection(request, items, &request.context("sites/lists/items"))
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

/// A list as Graph answers it: its own properties as a tree, and its expanded columns, which
/// outnumber everything else, written straight from the model when it is serialised.
struct ListJson<'a> {
    properties: Value,
    columns: Option<ColumnsJson<'a>>,
}

impl ListJson<'_> {
    /// The whole list as a tree.
    fn into_tree(self) -> Value {
        // Serialising into a tree cannot fail: every key is a string.
        serde_json::to_value(&self).unwrap_or(self.properties)
    }
}

impl Serialize for ListJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self.properties.as_object().into_iter().flatten() {
            map.serialize_entry(key, value)?;
        }
        if let Some(columns) = &self.columns {
            map.serialize_entry("columns", columns)?;
        }
        map.end()
    }
}

/// A list's visible columns, each with only the selected properties.
struct ColumnsJson<'a> {
    columns: &'a [Column],
    select: ColumnSelect,
}

impl Serialize for ColumnsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let select = &self.select;
        serializer.collect_seq(
            self.columns.iter().filter(|c| !c.hidden).map(|column| ColumnJson { column, select }),
        )
    }
}

/// Which properties of a `columnDefinition` a `$select` keeps, worked out once per request
/// rather than once per column.
struct ColumnSelect {
    /// The plain properties in the order written, each with whether it is kept.
    plain: [(&'static str, bool); 10],
    /// The type facets kept (`None`: all).
    facets: Option<Vec<String>>,
}

impl ColumnSelect {
    const PLAIN: [&'static str; 10] = [
        "columnGroup",
        "description",
        "displayName",
        "enforceUniqueValues",
        "hidden",
        "id",
        "indexed",
        "name",
        "readOnly",
        "required",
    ];

    fn new(select: Option<&[String]>) -> Self {
        let kept = |key: &str| select.is_none_or(|s| s.iter().any(|p| p.eq_ignore_ascii_case(key)));
        Self {
            plain: Self::PLAIN.map(|key| (key, kept(key))),
            facets: select.map(|s| {
                s.iter()
                    .filter(|p| !Self::PLAIN.iter().any(|k| k.eq_ignore_ascii_case(p)))
                    .cloned()
                    .collect()
            }),
        }
    }

    fn keeps_facet(&self, facet: &str) -> bool {
        self.facets.as_ref().is_none_or(|f| f.iter().any(|p| p.eq_ignore_ascii_case(facet)))
    }
}

/// A `columnDefinition` (all properties, or only the selected ones).
struct ColumnJson<'a> {
    column: &'a Column,
    select: &'a ColumnSelect,
}

impl Serialize for ColumnJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = self.column;
        let mut map = serializer.serialize_map(None)?;
        for (key, kept) in self.select.plain {
            if !kept {
                continue;
            }
            match key {
                "columnGroup" => map.serialize_entry(key, &c.column_group)?,
                "description" => map.serialize_entry(key, &c.description)?,
                "displayName" => map.serialize_entry(key, &c.display_name)?,
                "enforceUniqueValues" => map.serialize_entry(key, &c.enforce_unique_values)?,
                "hidden" => map.serialize_entry(key, &c.hidden)?,
                "id" => map.serialize_entry(key, &c.id)?,
                "indexed" => map.serialize_entry(key, &c.indexed)?,
                "name" => map.serialize_entry(key, &c.name)?,
                "readOnly" => map.serialize_entry(key, &c.read_only)?,
                _ => map.serialize_entry(key, &c.required)?,
            }
        }
        if self.select.keeps_facet(&c.facet.0) {
            map.serialize_entry(&c.facet.0, c.facet.1.json())?;
        }
        map.end()
    }
}

/// [`list_json`] with the request's `$select` applied to the list's own properties.
fn selected_list_json<'a>(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    list: &'a List,
) -> ListJson<'a> {
    let mut json = list_json(request, tenant, web, list);
    select(&mut json.properties, request);
    json
}

fn list_json<'a>(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    list: &'a List,
) -> ListJson<'a> {
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
    let mut properties = json!({
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
        properties["system"] = json!({});
    }
    let mut columns = None;
    // `$expand=columns,contentTypes,items` as Graph supports it on lists, each with its own
    // nested `$select` (`columns($select=name,displayName)`).
    for expansion in odata::expansions(request.query.expand.as_deref()) {
        // The nested `$select`, plus what is expanded inside (`items($select=id;$expand=fields)`).
        let nested_select = expansion.select.clone().map(|mut select| {
            select.extend(
                odata::expansions(expansion.expand.as_deref()).into_iter().map(|e| e.property),
            );
            select
        });
        let selected = |mut json: Value| {
            if let Some(select) = &nested_select {
                odata::apply_select(&mut json, select);
            }
            json
        };
        match expansion.property.as_str() {
            "columns" => {
                let select = ColumnSelect::new(nested_select.as_deref());
                columns = Some(ColumnsJson { columns: &list.columns, select });
            }
            "contentTypes" => {
                properties["contentTypes"] =
                    content_types_json(list).into_iter().map(selected).collect::<Vec<_>>().into();
            }
            "items" => {
                let fields = fields_in(expansion.expand.as_deref());
                properties["items"] = list
                    .items
                    .iter()
                    .map(|item| selected(item_json(tenant, web, list, item, fields.as_ref())))
                    .collect::<Vec<_>>()
                    .into();
            }
            _ => {}
        }
    }
    ListJson { properties, columns }
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
    // Serialising into a tree cannot fail: every key is a string.
    serde_json::to_value(ColumnJson { column, select: &ColumnSelect::new(None) })
        .unwrap_or_default()
}

fn columns_reply(request: &Request<'_>, columns: &[Column]) -> Result<Reply, GraphError> {
    let with_hidden = request.query.selects("hidden");
    let items: Vec<Value> =
        columns.iter().filter(|c| with_hidden || !c.hidden).map(column_json).collect();
    collection(request, items, &request.context("sites/lists/columns"))
}

/// `expand=fields` / `expand=fields(select=A,B)` / `$expand=fields($select=A,B)`: `None` when not
/// expanded, `Some(None)` for all fields, `Some(Some(list))` for selected ones.
fn fields_selection(request: &Request<'_>) -> Option<Option<Vec<String>>> {
    fields_in(request.query.expand.as_deref())
}

/// The `fields` entry of an `$expand` value, as [`fields_selection`] answers it.
fn fields_in(expand: Option<&str>) -> Option<Option<Vec<String>>> {
    odata::expansions(expand).into_iter().find(|e| e.property == "fields").map(|e| e.select)
}

pub(super) fn item_json(
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
