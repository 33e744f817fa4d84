//! `/me`, `/me/transitiveMemberOf`, `/organization` and `/users/{id}`.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Reply, Request, error::GraphError};
use crate::model::{Tenant, User};

/// Delegated permissions that read the signed-in user.
const READ_SELF: &[&str] = &[
    "User.Read",
    "User.ReadWrite",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Permissions that read other users and the organisation.
const READ_DIRECTORY: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
    "Organization.Read.All",
];

pub fn route(request: &Request<'_>) -> Result<Reply, GraphError> {
    if request.method != Method::GET {
        return Err(GraphError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "The requested method is not allowed on this resource.",
        ));
    }
    let world = request.shared.world();
    let tenant = world
        .tenants
        .iter()
        .find(|t| t.id == request.caller.tenant_id)
        .ok_or_else(GraphError::directory_denied)?;
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    match segments.as_slice() {
        ["me"] | ["me", "transitiveMemberOf" | "memberOf", ..] => {
            let Some(user_id) = request.caller.user_id else {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "/me request is only valid with delegated authentication flow.",
                ));
            };
            if !request.caller.has_any(READ_SELF) {
                return Err(GraphError::directory_denied());
            }
            let user = tenant
                .user(user_id)
                .ok_or_else(|| GraphError::resource_not_found(&user_id.to_string()))?;
            if segments.len() == 1 {
                let mut body = user_json(user);
                body["@odata.context"] = json!(request.context("users/$entity"));
                select(&mut body, request);
                Ok(Reply::ok(body))
            } else {
                let roles: Vec<Value> = user.roles.iter().map(|r| role_json(tenant, *r)).collect();
                Ok(Reply::ok(super::odata::page(
                    roles,
                    &request.query,
                    &request.context("directoryObjects"),
                    &request.url,
                    100,
                )))
            }
        }
        ["users", id] => {
            if !request.caller.has_any(READ_DIRECTORY)
                && request.caller.user_id.map(|u| u.to_string()) != Some((*id).to_owned())
            {
                return Err(GraphError::directory_denied());
            }
            let user = tenant
                .users
                .iter()
                .find(|u| {
                    u.id.to_string().eq_ignore_ascii_case(id) || u.upn.eq_ignore_ascii_case(id)
                })
                .ok_or_else(|| GraphError::resource_not_found(id))?;
            let mut body = user_json(user);
            body["@odata.context"] = json!(request.context("users/$entity"));
            select(&mut body, request);
            Ok(Reply::ok(body))
        }
        ["organization"] => {
            if !request.caller.has_any(READ_SELF) && !request.caller.has_any(READ_DIRECTORY) {
                return Err(GraphError::directory_denied());
            }
            let mut organization = organization_json(tenant);
            if let Some(select) = &request.query.select {
                super::odata::apply_select(&mut organization, select);
            }
            Ok(Reply::ok(
                json!({"@odata.context": request.context("organization"), "value": [organization]}),
            ))
        }
        _ => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("Resource not found for the segment '{}'.", segments.last().unwrap_or(&"")),
        )),
    }
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
