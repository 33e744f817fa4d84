//! Service principals (enterprise applications): list, create, read, the `appId` upsert,
//! update and delete.

use axum::http::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Reply, Request,
    directory_query::{Key, bad, create_if_missing, filtered_page, time_text},
    error::GraphError,
    odata,
};
use crate::{
    model::{Permission, ServicePrincipal},
    state::{World, now},
};

/// `GET /servicePrincipals`.
pub fn list(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let items = request
        .tenant(world)?
        .service_principals
        .iter()
        .filter(|sp| sp.deleted.is_none())
        .map(service_principal_json);
    filtered_page(request, items, "servicePrincipals")
}

/// `POST /servicePrincipals` with `appId`.
pub fn create(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let body = request.body_object()?;
    let app_id = body.get("appId").and_then(Value::as_str).unwrap_or_default().to_owned();
    create_service_principal(request, world, &app_id)
}

/// The index of the live, replicated service principal `{sp}` addresses (by object id or
/// `appId`) in the caller's tenant.
pub fn find(request: &Request<'_>, world: &World) -> Result<(usize, usize), GraphError> {
    let key = Key::parse(request.param("sp"))?;
    let t = request.tenant_index(world)?;
    world.tenants[t]
        .service_principals
        .iter()
        .position(|sp| {
            sp.deleted.is_none()
                && world.replicated(sp.created)
                && match &key {
                    Key::Id(id) => sp.id.to_string().eq_ignore_ascii_case(id),
                    Key::AppId(id) => sp.app_id.to_string().eq_ignore_ascii_case(id),
                    Key::UniqueName(_) => false,
                }
        })
        .map(|i| (t, i))
        .ok_or_else(|| GraphError::resource_not_found(key.text()))
}

/// `GET /servicePrincipals/{sp}`.
pub fn get(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (t, i) = find(request, world)?;
    let mut json = service_principal_json(&world.tenants[t].service_principals[i]);
    json["@odata.context"] = json!(request.context("servicePrincipals/$entity"));
    if let Some(select) = &request.query.select {
        odata::apply_select(&mut json, select);
    }
    Ok(Reply::ok(json))
}

/// `PATCH /servicePrincipals/{sp}`, or with `(appId='…')` and `Prefer: create-if-missing` the
/// upsert, under one write guard.
pub fn update_or_upsert(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    match find(request, world) {
        Ok(_) => Ok(Reply::no_content()),
        Err(error) => match Key::parse(request.param("sp"))? {
            Key::AppId(app_id) if create_if_missing(request) => {
                create_service_principal(request, world, &app_id)
            }
            _ => Err(error),
        },
    }
}

/// `DELETE /servicePrincipals/{sp}`.
pub fn delete(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, i) = find(request, world)?;
    world.tenants[t].service_principals[i].deleted = Some(now());
    Ok(Reply::no_content())
}

/// Creates the service principal of `app_id` in the caller's tenant (the application must be
/// this tenant's or multi-tenant, and have replicated).
fn create_service_principal(
    request: &Request<'_>,
    world: &mut World,
    app_id: &str,
) -> Result<Reply, GraphError> {
    let t = request.tenant_index(world)?;
    let invalid = || {
        bad(format!(
            "The appId '{app_id}' of the service principal does not reference a valid application object."
        ))
    };
    let app_uuid = Uuid::parse_str(app_id).map_err(|_| invalid())?;
    let tenant_id = world.tenants[t].id;
    let app = world
        .tenants
        .iter()
        .flat_map(|tenant| tenant.applications.iter())
        .chain(world.external_apps.iter())
        .find(|a| {
            a.app_id == app_uuid
                && a.deleted.is_none()
                && world.replicated(a.created)
                && (a.owner_tenant == tenant_id || a.sign_in_audience != "AzureADMyOrg")
        })
        .cloned()
        .ok_or_else(invalid)?;
    if world.tenants[t].service_principal_by_app_id(app_uuid).is_some() {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_MultipleObjectsWithSameKeyValue",
            "Another object with the same value for property servicePrincipalNames already exists.",
        ));
    }
    let sp = ServicePrincipal {
        id: Uuid::new_v4(),
        app_id: app_uuid,
        display_name: app.display_name.clone(),
        app_owner_tenant: app.owner_tenant,
        app_roles: Vec::new(),
        scopes: Vec::new(),
        names: vec![app_uuid.to_string()],
        created: now(),
        deleted: None,
    };
    let mut json = service_principal_json(&sp);
    json["@odata.context"] = json!(request.context("servicePrincipals/$entity"));
    world.tenants[t].service_principals.push(sp);
    Ok(Reply::created(json))
}

fn permission_json(permission: &Permission, app_role: bool) -> Value {
    if app_role {
        json!({"allowedMemberTypes": ["Application"], "description": permission.value, "displayName": permission.value, "id": permission.id, "isEnabled": true, "origin": "Application", "value": permission.value})
    } else {
        json!({"adminConsentDescription": permission.value, "adminConsentDisplayName": permission.value, "id": permission.id, "isEnabled": true,
               "type": if permission.admin_consent_required { "Admin" } else { "User" }, "userConsentDescription": permission.value, "userConsentDisplayName": permission.value, "value": permission.value})
    }
}

/// A service principal as Graph returns it.
pub fn service_principal_json(sp: &ServicePrincipal) -> Value {
    json!({
        "id": sp.id,
        "deletedDateTime": sp.deleted.map(time_text),
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": sp.display_name,
        "appDescription": null,
        "appId": sp.app_id,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": sp.app_owner_tenant,
        "appRoleAssignmentRequired": false,
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": sp.display_name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "replyUrls": [],
        "servicePrincipalNames": sp.names,
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs",
        "tags": [],
        "tokenEncryptionKeyId": null,
        "info": {"logoUrl": null, "marketingUrl": null, "privacyStatementUrl": null, "supportUrl": null, "termsOfServiceUrl": null},
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": sp.app_roles.iter().map(|p| permission_json(p, true)).collect::<Vec<_>>(),
        "keyCredentials": [],
        "oauth2PermissionScopes": sp.scopes.iter().map(|p| permission_json(p, false)).collect::<Vec<_>>(),
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null},
    })
}
