//! What a client may get: redirect URI matching, delegated consent and granted app roles.

use uuid::Uuid;

use super::{error::AadError, scopes::Resource};
use crate::model::{Application, DelegatedGrant, ServicePrincipal, Tenant};

/// Whether `requested` matches one of the application's redirect URIs; `Some(true)` for a
/// public-client (desktop) URI, `Some(false)` for a web URI. Loopback URIs match whatever the port
/// (RFC 8252 §7.3), and a URI without a path matches with or without the trailing slash.
pub fn match_redirect(app: &Application, requested: &str) -> Option<bool> {
    let Ok(wanted) = url::Url::parse(requested) else { return None };
    let matches = |registered: &String| {
        let Ok(registered) = url::Url::parse(registered) else { return false };
        let loopback = wanted.scheme() == "http"
            && matches!(wanted.host_str(), Some("localhost") | Some("127.0.0.1"));
        if loopback {
            registered.scheme() == "http"
                && registered.host_str() == wanted.host_str()
                && registered.path() == wanted.path()
                && registered.query() == wanted.query()
        } else {
            registered.as_str() == wanted.as_str()
        }
    };
    if app.public_client_redirect_uris.iter().any(matches) {
        Some(true)
    } else if app.web_redirect_uris.iter().any(matches) {
        Some(false)
    } else {
        None
    }
}

/// The delegated permissions consented for `client_app` on `resource` for `user`.
pub fn consented_scopes(
    tenant: &Tenant,
    client_app: Uuid,
    resource: &Resource,
    user: Uuid,
) -> Vec<String> {
    let (Some(client), Some(resource_sp)) =
        (tenant.service_principal_by_app_id(client_app), resource_sp(tenant, resource))
    else {
        return Vec::new();
    };
    let mut scopes: Vec<String> = tenant
        .delegated_grants
        .iter()
        .filter(|g| g.client_id == client.id && g.resource_id == resource_sp)
        .filter(|g| g.principal.is_none() || g.principal == Some(user))
        .flat_map(|g| g.scopes.iter().cloned())
        .filter(|s| !crate::resources::OIDC_SCOPES.contains(&s.as_str()))
        .collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

/// The app role values granted to `client_app`'s service principal on `resource`.
pub fn granted_roles(
    delay: std::time::Duration,
    tenant: &Tenant,
    client_app: Uuid,
    resource: &Resource,
) -> Option<(Uuid, Vec<String>)> {
    let client = tenant.service_principal_by_app_id(client_app)?;
    let resource_sp = resource_principal(tenant, resource)?;
    let roles = tenant
        .app_role_assignments
        .iter()
        .filter(|a| a.principal_id == client.id && a.resource_id == resource_sp.id)
        .filter(|a| a.created + delay <= crate::state::now())
        .filter_map(|a| {
            resource_sp
                .app_roles
                .iter()
                .find(|r| r.id == a.app_role_id.to_string())
                .map(|r| r.value.to_string())
        })
        .collect();
    Some((client.id, roles))
}

/// The resource's service principal in the tenant.
fn resource_principal<'a>(tenant: &'a Tenant, resource: &Resource) -> Option<&'a ServicePrincipal> {
    tenant
        .service_principals
        .iter()
        .find(|sp| sp.app_id.to_string() == resource.app_id && sp.deleted.is_none())
}

fn resource_sp(tenant: &Tenant, resource: &Resource) -> Option<Uuid> {
    resource_principal(tenant, resource).map(|sp| sp.id)
}

/// The outcome of asking for delegated permissions.
pub enum Delegated {
    /// Everything asked for is consented; these are all consented scopes (the `scp`).
    Granted(Vec<String>),
    /// These permissions need consent first.
    NeedsConsent(Vec<String>),
}

/// Decides a delegated request for `permissions` (may contain `.default`) on `resource`.
pub fn decide(
    tenant: &Tenant,
    client_app: Uuid,
    resource: &Resource,
    permissions: &[String],
    user: Uuid,
) -> Result<Delegated, AadError> {
    let consented = consented_scopes(tenant, client_app, resource, user);
    let exposed =
        resource_principal(tenant, resource).map(|sp| sp.scopes.as_slice()).unwrap_or_default();
    let mut missing = Vec::new();
    for permission in permissions.iter().filter(|p| p.as_str() != ".default") {
        let Some(scope) = exposed.iter().find(|s| s.value.eq_ignore_ascii_case(permission)) else {
            return Err(AadError::new(
                "invalid_scope",
                70011,
                format!(
                    "The provided value for the input parameter 'scope' isn't valid. The scope {permission} isn't valid."
                ),
            ));
        };
        if !consented.iter().any(|c| c.eq_ignore_ascii_case(&scope.value)) {
            missing.push(scope.value.to_string());
        }
    }
    Ok(if missing.is_empty() {
        Delegated::Granted(consented)
    } else {
        Delegated::NeedsConsent(missing)
    })
}

/// Whether every permission in `scopes` can be consented by a user without admin rights.
pub fn user_consentable(tenant: &Tenant, resource: &Resource, scopes: &[String]) -> bool {
    let exposed =
        resource_principal(tenant, resource).map(|sp| sp.scopes.as_slice()).unwrap_or_default();
    scopes
        .iter()
        .all(|s| exposed.iter().any(|e| e.value == s.as_str() && !e.admin_consent_required))
}

/// Records consent: organisation-wide when `org_wide`, else for the user alone.
pub fn record_consent(
    tenant: &mut Tenant,
    client_app: Uuid,
    resource: &Resource,
    scopes: &[String],
    user: Uuid,
    org_wide: bool,
) {
    let Some(resource_id) = resource_sp(tenant, resource) else { return };
    let client_id = match tenant.service_principal_by_app_id(client_app) {
        Some(sp) => sp.id,
        None => {
            let id = Uuid::new_v4();
            tenant.service_principals.push(crate::model::ServicePrincipal {
                id,
                app_id: client_app,
                display_name: client_app.to_string(),
                app_owner_tenant: tenant.id,
                app_roles: Vec::new(),
                scopes: Vec::new(),
                names: vec![client_app.to_string()],
                created: crate::state::now(),
                deleted: None,
            });
            id
        }
    };
    let principal = (!org_wide).then_some(user);
    match tenant.delegated_grants.iter_mut().find(|g| {
        g.client_id == client_id && g.resource_id == resource_id && g.principal == principal
    }) {
        Some(grant) => {
            for scope in scopes {
                if !grant.scopes.contains(scope) {
                    grant.scopes.push(scope.clone());
                }
            }
        }
        None => tenant.delegated_grants.push(DelegatedGrant {
            client_id,
            resource_id,
            principal,
            scopes: scopes.to_vec(),
        }),
    }
}
