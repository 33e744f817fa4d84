//! Document libraries as drives: `/drives/{id}`, the files at a library's root, and the drive
//! of a site or a list.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Reply, Request, error::GraphError, sites::authorize_read};
use crate::{
    model::{List, Tenant, Web},
    state::World,
    state::time_text,
};

/// One drive, as `/drive`, `/lists/{id}/drive` and `/drives/{id}` return it.
pub fn drive_reply(
    request: &Request<'_>,
    tenant: &Tenant,
    web: &Web,
    list: &List,
) -> Result<Reply, GraphError> {
    let mut json = drive_json(tenant, web, list);
    json["@odata.context"] = json!(request.context("drives/$entity"));
    Ok(Reply::ok(json))
}

pub fn drive_json(tenant: &Tenant, web: &Web, list: &List) -> Value {
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

/// A drive found: its tenant and web, the web's lists, and the drive's list among them.
type FoundDrive<'w> = (&'w Tenant, &'w Web, std::borrow::Cow<'w, [List]>, usize);

/// The drive `{drive}`, once the caller may read its site.
fn readable_drive<'w>(
    request: &Request<'_>,
    world: &'w World,
) -> Result<FoundDrive<'w>, GraphError> {
    let tenant = request.tenant(world)?;
    let (web, lists, index) =
        find_drive(tenant, request.param("drive")).ok_or_else(GraphError::item_not_found)?;
    authorize_read(request, world, tenant, web)?;
    Ok((tenant, web, lists, index))
}

/// `GET /drives/{drive}`.
pub fn drive(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web, lists, index) = readable_drive(request, world)?;
    drive_reply(request, tenant, web, &lists[index])
}

/// `GET /drives/{drive}/root`.
pub fn root(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    drive_items(request, world, &["root"])
}

/// `GET /drives/{drive}/root/children`: the files at the library's root.
pub fn root_children(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    drive_items(request, world, &["root", "children"])
}

/// `GET /drives/{drive}/items/{item}` (the root or a file).
pub fn item(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    drive_items(request, world, &["items", request.param("item")])
}

/// `GET /drives/{drive}/items/{item}/children` (of the root).
pub fn item_children(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    drive_items(request, world, &["items", request.param("item"), "children"])
}

/// `GET /drives/{drive}/items/{item}/content`: 302 to the file's pre-authenticated download URL.
pub fn item_content(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    drive_items(request, world, &["items", request.param("item"), "content"])
}

/// The drive's items, as `sites::drive_items` answers `rest` below the drive.
fn drive_items(request: &Request<'_>, world: &World, rest: &[&str]) -> Result<Reply, GraphError> {
    let (tenant, web, lists, index) = readable_drive(request, world)?;
    super::sites::drive_items(request, tenant, web, &lists[index], request.param("drive"), rest)
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
