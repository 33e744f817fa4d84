//! `/me`, `/me/transitiveMemberOf`, `/organization` and `/users/{id}`.

use serde_json::{Value, json};

use super::{Reply, Request, error::GraphError};
use crate::{
    model::{Tenant, User},
    state::World,
};

/// Permissions that read other users (reading oneself needs only what the route table asks).
const READ_DIRECTORY: &[&str] =
    &["User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"];

/// `GET /me`.
pub fn me(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (_, user) = signed_in_user(request, world)?;
    let mut body = user_json(user);
    body["@odata.context"] = json!(request.context("users/$entity"));
    select(&mut body, request);
    Ok(Reply::ok(body))
}

/// `GET /me/transitiveMemberOf` (and `memberOf`): the directory roles the user holds.
pub fn member_of(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (tenant, user) = signed_in_user(request, world)?;
    let roles: Vec<Value> = user.roles.iter().map(|r| role_json(tenant, *r)).collect();
    Ok(Reply::ok(super::odata::page(
        roles,
        &request.query,
        &request.context("directoryObjects"),
        &request.url,
        100,
    )))
}

fn signed_in_user<'w>(
    request: &Request<'_>,
    world: &'w World,
) -> Result<(&'w Tenant, &'w User), GraphError> {
    let tenant = request.tenant(world)?;
    let user_id = request.caller.user_id.unwrap_or_default();
    let user =
        tenant.user(user_id).ok_or_else(|| GraphError::resource_not_found(&user_id.to_string()))?;
    Ok((tenant, user))
}

/// `GET /users/{id or userPrincipalName}`: anyone with a directory read permission, or the
/// signed-in user reading themselves.
pub fn user(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let id = request.param("user");
    let tenant = request.tenant(world)?;
    let user = tenant
        .users
        .iter()
        .find(|u| u.id.to_string().eq_ignore_ascii_case(id) || u.upn.eq_ignore_ascii_case(id));
    let is_self = user.is_some_and(|u| Some(u.id) == request.caller.user_id);
    if !request.caller.has_any(READ_DIRECTORY) && !is_self {
        return Err(GraphError::directory_denied());
    }
    let user = user.ok_or_else(|| GraphError::resource_not_found(id))?;
    let mut body = user_json(user);
    body["@odata.context"] = json!(request.context("users/$entity"));
    select(&mut body, request);
    Ok(Reply::ok(body))
}

/// `GET /organization`.
pub fn organization(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let mut organization = organization_json(request.tenant(world)?);
    select(&mut organization, request);
    Ok(Reply::ok(
        json!({"@odata.context": request.context("organization"), "value": [organization]}),
    ))
}

fn select(body: &mut Value, request: &Request<'_>) {
    if let Some(select) = &request.query.select {
        super::odata::apply_select(body, select);
    }
}

/// A user as Graph returns it by default.
pub fn user_json(user: &User) -> Value {
    json!({
        "businessPhones": [],
        "displayName": user.display_name,
        "givenName": user.given_name,
        "jobTitle": user.job_title,
        "mail": user.upn,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": "en-US",
        "surname": user.surname,
        "userPrincipalName": user.upn,
        "id": user.id,
    })
}

fn role_json(tenant: &Tenant, role: crate::model::DirectoryRole) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.directoryRole",
        "id": crate::seed::seeded_id(&format!("role:{}:{}", tenant.id, role.template_id())),
        "deletedDateTime": null,
        "description": format!("{} role.", role.display_name()),
        "displayName": role.display_name(),
        "roleTemplateId": role.template_id(),
    })
}

fn organization_json(tenant: &Tenant) -> Value {
    json!({
        "id": tenant.id,
        "deletedDateTime": null,
        "businessPhones": [],
        "city": "Redmond",
        "country": null,
        "countryLetterCode": "US",
        "createdDateTime": "2026-01-15T09:00:00Z",
        "defaultUsageLocation": null,
        "displayName": tenant.display_name,
        "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": null,
        "onPremisesSyncEnabled": null,
        "postalCode": "98052",
        "preferredLanguage": "en",
        "securityComplianceNotificationMails": [],
        "securityComplianceNotificationPhones": [],
        "state": "WA",
        "street": "1 Demo Way",
        "technicalNotificationMails": [],
        "tenantType": "AAD",
        "assignedPlans": [],
        "privacyProfile": null,
        "provisionedPlans": [],
        "verifiedDomains": [{
            "capabilities": "Email, OfficeCommunicationsOnline",
            "isDefault": true,
            "isInitial": true,
            "name": tenant.domain,
            "type": "Managed",
        }],
    })
}
