//! Document libraries as drives: `/drives/{id}`, the files at a library's root, and the drive
//! of a site or a list.

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{Reply, Request, error::GraphError, odata, sites::authorize_read};
use crate::{
    model::{List, Tenant, Web},
    state::World,
};

fn time_text(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

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

/// `GET /drives/{drive}/root/children`: the files at the library's root.
pub fn root_children(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, web, lists, index) = readable_drive(request, world)?;
    let list = &lists[index];
    let drive_id = request.param("drive");
    let base = format!(
        "https://{}{}",
        tenant.sharepoint_host,
        if web.path == "/" { "" } else { web.path.as_str() }
    );
    let items: Vec<Value> = list.items.iter().map(|item| {
        let name = item.fields.get("FileLeafRef").and_then(Value::as_str).unwrap_or("file");
        json!({
            "createdDateTime": time_text(item.created),
            "eTag": format!("\"{{{}}},1\"", crate::seed::seeded_id(&format!("file:{}:{}", list.id, item.id)).to_string().to_ascii_uppercase()),
            "id": format!("01{}", crate::seed::seeded_id(&format!("file:{}:{}", list.id, item.id)).simple().to_string().to_ascii_uppercase()),
            "lastModifiedDateTime": time_text(item.modified),
            "name": name,
            "webUrl": format!("{base}/{}/{name}", list.name.replace(' ', "%20")),
            "size": 18_432,
            "createdBy": {"user": {"displayName": item.created_by}},
            "parentReference": {"driveType": "documentLibrary", "driveId": list.drive_id, "path": "/drive/root:"},
            "file": {"mimeType": mime(name)},
        })
    }).collect();
    Ok(Reply::ok(odata::page(
        items,
        &request.query,
        &request.context(&format!("drives('{drive_id}')/root/children")),
        &request.url,
        200,
    )))
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
    let web = match crate::seed::decode_generated_list(list_id) {
        Some((web_index, _)) => {
            tenant.webs.iter().find(|w| w.generated.is_some_and(|g| g.index == web_index))?
        }
        None => tenant.webs.iter().find(|w| w.lists.iter().any(|l| l.id == list_id))?,
    };
    let lists = web.lists();
    let index = lists.iter().position(|l| l.id == list_id && l.drive_id.is_some())?;
    Some((web, lists, index))
}

fn mime(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}
