//! Deleted items: deleted applications listed, read, restored and purged (restoring and purging
//! need an administrator role for a delegated caller).

use serde_json::{Value, json};

use super::{
    Reply, Request,
    applications::{application_json, has_app_admin_role},
    error::GraphError,
    odata,
};
use crate::state::World;

/// `GET /directory/deletedItems/microsoft.graph.application`.
pub fn list_applications(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let tenant = request.tenant(world)?;
    let items: Vec<Value> = tenant
        .applications
        .iter()
        .filter(|a| a.deleted.is_some())
        .map(|a| {
            let mut json = application_json(a, tenant, false);
            json["@odata.type"] = json!("#microsoft.graph.application");
            json
        })
        .collect();
    Ok(Reply::ok(odata::page(
        items,
        &request.query,
        &request.context("directory/deletedItems/microsoft.graph.application"),
        &request.url,
        100,
    )))
}

/// The tenant and index of the deleted application `{id}`.
fn find(request: &Request<'_>, world: &World) -> Result<(usize, usize), GraphError> {
    let id = request.param("id");
    let t = request.tenant_index(world)?;
    world.tenants[t]
        .applications
        .iter()
        .position(|a| a.deleted.is_some() && a.id.to_string().eq_ignore_ascii_case(id))
        .map(|i| (t, i))
        .ok_or_else(|| GraphError::resource_not_found(id))
}

/// `GET /directory/deletedItems/{id}`.
pub fn get(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (t, i) = find(request, world)?;
    let mut json = application_json(&world.tenants[t].applications[i], &world.tenants[t], false);
    json["@odata.type"] = json!("#microsoft.graph.application");
    Ok(Reply::ok(json))
}

/// `DELETE /directory/deletedItems/{id}`: gone for good. Found and removed under one guard, so
/// a concurrent purge cannot remove another application.
pub fn purge(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, i) = find(request, world)?;
    require_restorer(request, world, t)?;
    world.tenants[t].applications.remove(i);
    Ok(Reply::no_content())
}

/// `POST /directory/deletedItems/{id}/restore`.
pub fn restore(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, i) = find(request, world)?;
    require_restorer(request, world, t)?;
    world.tenants[t].applications[i].deleted = None;
    let mut json = application_json(&world.tenants[t].applications[i], &world.tenants[t], false);
    json["@odata.context"] = json!(request.context("directoryObjects/$entity"));
    json["@odata.type"] = json!("#microsoft.graph.application");
    Ok(Reply::ok(json))
}

/// Restoring or purging needs an administrator role for delegated callers.
fn require_restorer(request: &Request<'_>, world: &World, t: usize) -> Result<(), GraphError> {
    match request.caller.user_id {
        Some(user) if !has_app_admin_role(&world.tenants[t], user) => {
            Err(GraphError::directory_denied())
        }
        _ => Ok(()),
    }
}
