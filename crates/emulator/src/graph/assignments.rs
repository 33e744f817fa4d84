//! App role assignments (application permissions granted, that is admin consent):
//! `appRoleAssignedTo` on the resource's service principal and `appRoleAssignments` on the
//! client's, listed, created, read and deleted.

use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Reply, Request,
    directory_query::{bad, time_text},
    error::GraphError,
    odata, service_principals,
};
use crate::{
    model::{AppRoleAssignment, DirectoryRole, Tenant},
    resources::GRAPH_APP_ID,
    state::{World, now},
};

/// Which navigation addresses the assignments.
#[derive(Clone, Copy)]
enum Side {
    /// `appRoleAssignedTo`: the service principal is the resource.
    Resource,
    /// `appRoleAssignments`: the service principal is the client.
    Client,
}

/// `GET …/appRoleAssignedTo`.
pub fn list_to(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    list(request, world, Side::Resource)
}
/// `GET …/appRoleAssignments`.
pub fn list_of(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    list(request, world, Side::Client)
}
/// `POST …/appRoleAssignedTo`.
pub fn create_to(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    create(request, world, Side::Resource)
}
/// `POST …/appRoleAssignments`.
pub fn create_of(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    create(request, world, Side::Client)
}
/// `GET …/appRoleAssignedTo/{id}`.
pub fn get_to(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    get(request, world, Side::Resource)
}
/// `GET …/appRoleAssignments/{id}`.
pub fn get_of(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    get(request, world, Side::Client)
}
/// `DELETE …/appRoleAssignedTo/{id}`.
pub fn delete_to(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    delete(request, world, Side::Resource)
}
/// `DELETE …/appRoleAssignments/{id}`.
pub fn delete_of(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    delete(request, world, Side::Client)
}

/// The tenant index, the service principal's id, and the collection's `@odata.context`.
fn addressed(
    request: &Request<'_>,
    world: &World,
    side: Side,
) -> Result<(usize, Uuid, String), GraphError> {
    let (t, i) = service_principals::find(request, world)?;
    let sp_id = world.tenants[t].service_principals[i].id;
    let navigation = match side {
        Side::Resource => "appRoleAssignedTo",
        Side::Client => "appRoleAssignments",
    };
    Ok((t, sp_id, request.context(&format!("servicePrincipals('{sp_id}')/{navigation}"))))
}

fn belongs(assignment: &AppRoleAssignment, side: Side, sp_id: Uuid) -> bool {
    match side {
        Side::Resource => assignment.resource_id == sp_id,
        Side::Client => assignment.principal_id == sp_id,
    }
}

fn list(request: &Request<'_>, world: &World, side: Side) -> Result<Reply, GraphError> {
    let (t, sp_id, context) = addressed(request, world, side)?;
    let items: Vec<Value> = world.tenants[t]
        .app_role_assignments
        .iter()
        .filter(|a| belongs(a, side, sp_id))
        .map(|a| assignment_json(a, &world.tenants[t]))
        .collect();
    Ok(Reply::ok(odata::page(items, &request.query, &context, &request.url, 100)))
}

fn get(request: &Request<'_>, world: &World, side: Side) -> Result<Reply, GraphError> {
    let (t, sp_id, _) = addressed(request, world, side)?;
    let id = request.param("id");
    let found = world.tenants[t]
        .app_role_assignments
        .iter()
        .find(|a| belongs(a, side, sp_id) && a.id == id)
        .ok_or_else(|| GraphError::resource_not_found(id))?;
    Ok(Reply::ok(assignment_json(found, &world.tenants[t])))
}

fn delete(request: &Request<'_>, world: &mut World, side: Side) -> Result<Reply, GraphError> {
    let (t, sp_id, _) = addressed(request, world, side)?;
    let id = request.param("id");
    let list = &mut world.tenants[t].app_role_assignments;
    let before = list.len();
    list.retain(|a| !(belongs(a, side, sp_id) && a.id == id));
    if list.len() == before {
        return Err(GraphError::resource_not_found(id));
    }
    Ok(Reply::no_content())
}

/// Grants an app role. A delegated caller needs Global Administrator, or Cloud Application
/// Administrator for any resource but Microsoft Graph.
fn create(request: &Request<'_>, world: &mut World, side: Side) -> Result<Reply, GraphError> {
    let (t, sp_id, context) = addressed(request, world, side)?;
    let body = request.body_object()?;
    let field =
        |name: &str| body.get(name).and_then(Value::as_str).and_then(|v| Uuid::parse_str(v).ok());
    let (Some(principal_id), Some(resource_id), Some(app_role_id)) =
        (field("principalId"), field("resourceId"), field("appRoleId"))
    else {
        return Err(bad("Properties 'principalId', 'resourceId' and 'appRoleId' are required."));
    };
    let mismatch = match side {
        Side::Resource => resource_id != sp_id,
        Side::Client => principal_id != sp_id,
    };
    if mismatch {
        return Err(bad(
            "The resourceId (or principalId) in the body does not match the service principal in the URL.",
        ));
    }
    let tenant = &world.tenants[t];
    let resource = tenant
        .service_principals
        .iter()
        .find(|s| s.id == resource_id && s.deleted.is_none())
        .ok_or_else(|| GraphError::resource_not_found(&resource_id.to_string()))?;
    if !tenant
        .service_principals
        .iter()
        .any(|s| s.id == principal_id && s.deleted.is_none() && world.replicated(s.created))
    {
        return Err(GraphError::resource_not_found(&principal_id.to_string()));
    }
    if !resource.app_roles.iter().any(|r| r.id == app_role_id.to_string()) {
        return Err(bad("Permission being assigned was not found on application"));
    }
    if let Some(user_id) = request.caller.user_id {
        let roles = tenant.user(user_id).map(|u| u.roles.clone()).unwrap_or_default();
        let graph = resource.app_id.to_string() == GRAPH_APP_ID;
        let allowed = roles.contains(&DirectoryRole::GlobalAdministrator)
            || (!graph && roles.contains(&DirectoryRole::CloudApplicationAdministrator));
        if !allowed {
            return Err(GraphError::directory_denied());
        }
    }
    if tenant.app_role_assignments.iter().any(|a| {
        a.principal_id == principal_id
            && a.resource_id == resource_id
            && a.app_role_id == app_role_id
    }) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "Request_BadRequest",
            "Permission being assigned already exists on the object",
        ));
    }
    let assignment = AppRoleAssignment {
        id: URL_SAFE_NO_PAD.encode(
            [Uuid::new_v4().as_bytes().as_slice(), Uuid::new_v4().as_bytes().as_slice()].concat(),
        ),
        principal_id,
        resource_id,
        app_role_id,
        created: now(),
    };
    let mut json = assignment_json(&assignment, tenant);
    json["@odata.context"] = json!(format!("{context}/$entity"));
    world.tenants[t].app_role_assignments.push(assignment);
    Ok(Reply::created(json))
}

fn assignment_json(assignment: &AppRoleAssignment, tenant: &Tenant) -> Value {
    let name = |id: Uuid| {
        tenant.service_principals.iter().find(|sp| sp.id == id).map(|sp| sp.display_name.clone())
    };
    json!({
        "id": assignment.id,
        "deletedDateTime": null,
        "appRoleId": assignment.app_role_id,
        "createdDateTime": time_text(assignment.created),
        "principalDisplayName": name(assignment.principal_id),
        "principalId": assignment.principal_id,
        "principalType": "ServicePrincipal",
        "resourceDisplayName": name(assignment.resource_id),
        "resourceId": assignment.resource_id,
    })
}
