//! Files of a document library through Graph: `GET /drives/{id}/root`, `…/root/children`,
//! `…/items/{id}`, `…/items/{id}/children` (the root) and `…/items/{id}/content` (also as
//! `/sites/{id}/lists/{id}/items/{id}/driveItem[/content]`), which answers
//! 302 to the file's pre-authenticated download URL as Graph documents
//! (<https://learn.microsoft.com/graph/api/driveitem-get-content>). File items carry
//! `@microsoft.graph.downloadUrl` (<https://learn.microsoft.com/graph/api/resources/driveitem>).

use serde_json::{Value, json};

use super::super::{Reply, Request, error::GraphError, odata};
use super::time_text;
use crate::{
    files,
    model::{Item, List, Tenant, Web},
    origin::{HostKind, host_kind},
};

/// The library's absolute URL prefix for download links: the emulator's own origin when called
/// on it, the tenant's SharePoint host when called as graph.microsoft.com.
fn site_url(request: &Request<'_>, tenant: &Tenant, web: &Web) -> String {
    let origin = request.base.trim_end_matches("/v1.0");
    let host = origin.split("://").nth(1).unwrap_or_default();
    let path = if web.path == "/" { "" } else { web.path.as_str() };
    if host_kind(host) == HostKind::Any {
        format!("{origin}{path}")
    } else {
        format!("https://{}{path}", tenant.sharepoint_host)
    }
}

fn library_url(tenant: &Tenant, web: &Web, list: &List) -> String {
    let path = if web.path == "/" { "" } else { web.path.as_str() };
    format!("https://{}{path}/{}", tenant.sharepoint_host, list.name.replace(' ', "%20"))
}

fn root_id(list: &List) -> String {
    let id = crate::seed::seeded_id(&format!("root:{}", list.id));
    format!("01{}", id.simple().to_string().to_ascii_uppercase())
}

fn file_id(list: &List, item: &Item) -> String {
    format!("01{}", files::unique_id(list, item).simple().to_string().to_ascii_uppercase())
}

/// The files of the library (items with a file name).
fn files_of(list: &List) -> impl Iterator<Item = &Item> {
    list.items.iter().filter(|i| files::name(i).is_some())
}

fn root_json(tenant: &Tenant, web: &Web, list: &List) -> Value {
    let size: usize = files_of(list).map(|i| files::content(list, i).len()).sum();
    json!({
        "createdDateTime": time_text(list.created),
        "id": root_id(list),
        "lastModifiedDateTime": time_text(list.created),
        "name": "root",
        "webUrl": library_url(tenant, web, list),
        "size": size,
        "parentReference": {"driveType": "documentLibrary", "driveId": list.drive_id},
        "fileSystemInfo": {"createdDateTime": time_text(list.created), "lastModifiedDateTime": time_text(list.created)},
        "folder": {"childCount": files_of(list).count()},
        "root": {},
    })
}

/// A download link could not be signed: 500, as any service fault.
fn unsigned(error: crate::keys::KeyError) -> GraphError {
    GraphError::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "generalException",
        format!("The download link could not be made: {error}"),
    )
}

fn file_json(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    list: &List,
    item: &Item,
) -> Result<Value, GraphError> {
    let name = files::name(item).unwrap_or("file");
    let unique = files::unique_id(list, item).to_string().to_ascii_uppercase();
    let download = files::download_url(
        &request.shared.key,
        tenant.id,
        &site_url(request, tenant, web),
        list,
        item,
    )
    .map_err(unsigned)?;
    Ok(json!({
        "@microsoft.graph.downloadUrl": download,
        "createdDateTime": time_text(item.created),
        "eTag": format!("\"{{{unique}}},{}\"", item.version),
        "id": file_id(list, item),
        "lastModifiedDateTime": time_text(item.modified),
        "name": name,
        "webUrl": format!("{}/{}", library_url(tenant, web, list), name.replace(' ', "%20")),
        "cTag": format!("\"c:{{{unique}}},{}\"", item.version),
        "size": files::content(list, item).len(),
        "createdBy": {"user": {"displayName": item.created_by}},
        "lastModifiedBy": {"user": {"displayName": item.modified_by}},
        "parentReference": {"driveType": "documentLibrary", "driveId": list.drive_id, "id": root_id(list), "path": "/drive/root:"},
        "file": {"mimeType": files::mime(name)},
        "fileSystemInfo": {"createdDateTime": time_text(item.created), "lastModifiedDateTime": time_text(item.modified)},
    }))
}

/// `/sites/{id}/lists/{id}/items/{id}/driveItem[/content]`: the file of a library item.
pub(in crate::graph) fn of_list_item(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    list: &List,
    item_id: &str,
    more: &[&str],
) -> Result<Reply, GraphError> {
    let item = files_of(list)
        .find(|i| i.id.to_string() == item_id)
        .ok_or_else(GraphError::item_not_found)?;
    let file = file_id(list, item);
    let drive_id = list.drive_id.as_deref().unwrap_or_default();
    let rest: Vec<&str> =
        ["items", file.as_str()].into_iter().chain(more.iter().copied()).collect();
    route(request, tenant, web, list, drive_id, &rest)
}

/// `/drives/{drive-id}/…` below the drive itself.
pub(in crate::graph) fn route(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    list: &List,
    drive_id: &str,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    let is_root = |id: &str| id == "root" || id == root_id(list);
    let children = || {
        let items: Vec<Value> = files_of(list)
            .map(|item| file_json(request, tenant, web, list, item))
            .collect::<Result<_, _>>()?;
        Ok(Reply::ok(odata::page(
            items,
            &request.query,
            &request.context(&format!("drives('{drive_id}')/root/children")),
            &request.url,
            200,
        )))
    };
    let file = |id: &str| {
        files_of(list).find(|item| file_id(list, item) == id).ok_or_else(GraphError::item_not_found)
    };
    let entity = |mut json: Value| {
        json["@odata.context"] =
            json!(request.context(&format!("drives('{drive_id}')/items/$entity")));
        Ok(Reply::ok(json))
    };
    match rest {
        ["root"] => entity(root_json(tenant, web, list)),
        ["root", "children"] => children(),
        ["items", id] if is_root(id) => entity(root_json(tenant, web, list)),
        ["items", id, "children"] if is_root(id) => children(),
        ["items", id] => entity(file_json(request, tenant, web, list, file(id)?)?),
        ["items", id, "content"] => {
            let item = file(id)?;
            let site = site_url(request, tenant, web);
            let link = files::download_url(&request.shared.key, tenant.id, &site, list, item)
                .map_err(unsigned)?;
            Ok(Reply::found(link))
        }
        _ => Err(GraphError::bad_request("Resource not found for the segment.")),
    }
}
