//! Site grants for `Sites.Selected` (`/sites/{id}/permissions`): listed, granted, read, changed
//! and revoked, always on the site collection. Managing them needs `Sites.FullControl.All` and,
//! for a delegated caller, Global Administrator or SharePoint Administrator.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Reply, Request, error::GraphError, odata, sites::site_index};
use crate::{
    model::{DirectoryRole, SitePermission},
    state::World,
};

const ROLES: &[&str] = &["read", "write", "manage", "owner", "fullcontrol"];

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

/// The tenant index and the site collection's web index, once the caller may manage grants.
fn collection(request: &Request<'_>, world: &World) -> Result<(usize, usize), GraphError> {
    let (t, web) = site_index(request, world)?;
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
    if !admin {
        return Err(GraphError::access_denied());
    }
    let site_id = tenant.webs[web].site_id;
    let collection = tenant
        .webs
        .iter()
        .position(|w| w.site_id == site_id && w.parent.is_none())
        .ok_or_else(GraphError::item_not_found)?;
    Ok((t, collection))
}

/// `GET /sites/{site}/permissions`.
pub fn list(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (t, c) = collection(request, world)?;
    let items = world.tenants[t].webs[c].permissions.iter().map(permission_json).collect();
    let context = request.context("sites/permissions");
    Ok(Reply::ok(odata::page(items, &request.query, &context, &request.url, 200)))
}

/// `POST /sites/{site}/permissions`: grants an application roles on the site collection.
pub fn create(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, c) = collection(request, world)?;
    let body = request.body_object()?;
    let roles = roles(body)?;
    let identities = body
        .get("grantedToIdentities")
        .or_else(|| body.get("grantedToIdentitiesV2"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let application = identities
        .first()
        .and_then(|i| i.get("application"))
        .ok_or_else(|| GraphError::bad_request("Only application permissions can be granted."))?;
    let app_id = application
        .get("id")
        .and_then(Value::as_str)
        .and_then(|v| Uuid::parse_str(v).ok())
        .ok_or_else(|| GraphError::bad_request("Invalid application id."))?;
    let display =
        application.get("displayName").and_then(Value::as_str).unwrap_or_default().to_owned();
    let permission = SitePermission {
        id: crate::state::random_token(24),
        roles,
        app_id,
        app_display_name: display,
        created: crate::state::now(),
    };
    let mut json = permission_json(&permission);
    json["@odata.context"] = json!(format!("{}/$entity", request.context("sites/permissions")));
    world.tenants[t].webs[c].permissions.push(permission);
    Ok(Reply::created(json))
}

/// The roles of a grant body, each one SharePoint knows.
fn roles(body: &serde_json::Map<String, Value>) -> Result<Vec<String>, GraphError> {
    let roles: Vec<String> = body
        .get("roles")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    if roles.is_empty() || roles.iter().any(|r| !ROLES.contains(&r.as_str())) {
        return Err(GraphError::bad_request(
            "Invalid roles: use read, write, manage, owner or fullcontrol.",
        ));
    }
    Ok(roles)
}

/// The index of the grant `{perm}`.
fn find(request: &Request<'_>, world: &World) -> Result<(usize, usize, usize), GraphError> {
    let (t, c) = collection(request, world)?;
    let id = request.param("perm");
    let index = world.tenants[t].webs[c]
        .permissions
        .iter()
        .position(|p| p.id == id)
        .ok_or_else(GraphError::item_not_found)?;
    Ok((t, c, index))
}

/// `GET /sites/{site}/permissions/{perm}`.
pub fn get(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (t, c, i) = find(request, world)?;
    Ok(Reply::ok(permission_json(&world.tenants[t].webs[c].permissions[i])))
}

/// `PATCH /sites/{site}/permissions/{perm}`: new roles.
pub fn update(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, c, i) = find(request, world)?;
    let roles = roles(request.body_object()?)?;
    let permission = &mut world.tenants[t].webs[c].permissions[i];
    permission.roles = roles;
    Ok(Reply::ok(permission_json(permission)))
}

/// `DELETE /sites/{site}/permissions/{perm}`.
pub fn delete(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, c, i) = find(request, world)?;
    world.tenants[t].webs[c].permissions.remove(i);
    Ok(Reply::no_content())
}
