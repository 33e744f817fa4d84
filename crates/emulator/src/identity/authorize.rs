//! `/authorize` and the sign-in and consent forms behind it (docs/microsoft §1.2, §1.3, §1.11).

use std::{collections::HashMap, sync::Arc, time::Duration};

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use uuid::Uuid;

use super::{
    grants::{self, Delegated},
    pages,
    scopes::{ScopeRequest, resolve_resource},
    session,
};
use crate::{
    model::{Application, Tenant},
    state::{AuthCode, DeviceStatus, PendingAuthorization, Shared, World, random_token},
};

/// How long a sign-in may take.
const SIGN_IN_TIME: Duration = Duration::from_secs(15 * 60);

/// The error page of a sign-in that cannot go back to the application.
fn sign_in_error(message: &str) -> Response {
    pages::message(
        StatusCode::BAD_REQUEST,
        "Sorry, but we're having trouble signing you in.",
        message,
    )
}

/// AADSTS50011: the redirect URI is not one of the application's.
fn redirect_mismatch(redirect_uri: &str, client_id: Uuid) -> Response {
    sign_in_error(&format!(
        "AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match the \
         redirect URIs configured for the application '{client_id}'."
    ))
}

/// Finds the client application: owned by `tenant`, or multi-tenant from anywhere.
pub fn find_client<'a>(
    world: &'a World,
    tenant: Option<&'a Tenant>,
    app_id: Uuid,
) -> Option<&'a Application> {
    if let Some(tenant) = tenant
        && let Some(app) = tenant
            .applications
            .iter()
            .find(|a| a.app_id == app_id && a.deleted.is_none() && world.replicated(a.created))
    {
        return Some(app);
    }
    world.external_apps.iter().chain(world.tenants.iter().flat_map(|t| t.applications.iter())).find(
        |a| {
            a.app_id == app_id
                && a.deleted.is_none()
                && world.replicated(a.created)
                && (a.sign_in_audience != "AzureADMyOrg"
                    || tenant.is_none_or(|t| t.id == a.owner_tenant))
        },
    )
}

/// `GET /{tenant}/oauth2/v2.0/authorize`.
pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    Path(tenant_segment): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let get = |k: &str| query.get(k).map(String::as_str).unwrap_or_default();
    let world = shared.world();
    let specific =
        !matches!(tenant_segment.to_ascii_lowercase().as_str(), "common" | "organizations");
    let tenant = if specific {
        match world.tenant(&tenant_segment) {
            Some(t) => Some(t),
            None => {
                return sign_in_error(&format!(
                    "AADSTS90002: Tenant '{tenant_segment}' not found."
                ));
            }
        }
    } else {
        None
    };
    let Ok(client_id) = Uuid::parse_str(get("client_id")) else {
        return sign_in_error(
            "AADSTS900144: The request body must contain the following parameter: 'client_id'.",
        );
    };
    let Some(app) = find_client(&world, tenant, client_id) else {
        return sign_in_error(&format!(
            "AADSTS700016: Application with identifier '{client_id}' was not found in the directory \
                 '{tenant_segment}'. This can happen if the application has not been installed by the \
                 administrator of the tenant or consented to by any user in the tenant."
        ));
    };
    if !specific && app.sign_in_audience == "AzureADMyOrg" {
        return sign_in_error(&format!(
            "AADSTS50194: Application '{client_id}' ({}) is not configured as a multi-tenant \
                 application. Usage of the /common endpoint is not supported for such applications. \
                 Use a tenant-specific endpoint or configure the application to be multi-tenant.",
            app.display_name
        ));
    }
    let redirect_uri = get("redirect_uri").to_owned();
    let Some(public_client) = grants::match_redirect(app, &redirect_uri) else {
        return redirect_mismatch(&redirect_uri, client_id);
    };
    drop(world);
    let mut pending = PendingAuthorization {
        scope: get("scope").to_owned(),
        state: query.get("state").cloned(),
        nonce: query.get("nonce").cloned(),
        code_challenge: query.get("code_challenge").cloned(),
        code_challenge_method: query
            .get("code_challenge_method")
            .cloned()
            .unwrap_or_else(|| "plain".into()),
        response_mode: query.get("response_mode").cloned().unwrap_or_else(|| "query".into()),
        force_consent: get("prompt") == "consent",
        ..PendingAuthorization::new(
            tenant_segment.clone(),
            client_id,
            redirect_uri,
            public_client,
            crate::state::now() + SIGN_IN_TIME,
        )
    };
    // Only the authorization code flow is served; hybrid and implicit responses are refused rather
    // than answered without their id_token.
    if get("response_type") != "code" {
        return redirect_error(
            &pending,
            "unsupported_response_type",
            "AADSTS700054: Only response_type 'code' is supported here.",
        );
    }
    if pending.scope.trim().is_empty() {
        return redirect_error(
            &pending,
            "invalid_request",
            "AADSTS900144: The request body must contain the following parameter: 'scope'.",
        );
    }
    if !matches!(pending.code_challenge_method.as_str(), "S256" | "plain") {
        return redirect_error(
            &pending,
            "invalid_request",
            "AADSTS501491: Invalid code_challenge_method.",
        );
    }
    if let Some(challenge) = &pending.code_challenge
        && !(43..=128).contains(&challenge.len())
    {
        return redirect_error(
            &pending,
            "invalid_request",
            "AADSTS50147: The code challenge is invalid.",
        );
    }
    if !matches!(pending.response_mode.as_str(), "query" | "fragment" | "form_post") {
        return redirect_error(&pending, "invalid_request", "AADSTS900144: Invalid response_mode.");
    }
    let prompt = get("prompt");
    if !matches!(prompt, "" | "none" | "login" | "consent" | "select_account") {
        return redirect_error(
            &pending,
            "invalid_request",
            &format!("AADSTS90023: Invalid prompt value '{prompt}'."),
        );
    }
    // Single sign-on with the browser session, unless a fresh sign-in is asked for. A session
    // account other than the `login_hint` is not used (no silent account switch); several
    // accounts that could answer, or `prompt=select_account`, bring up the account picker.
    let hint = get("login_hint");
    let signed_in = session::accounts(&shared, &headers, &tenant_segment);
    if prompt == "select_account" && !signed_in.is_empty() {
        return session::picker(&shared, pending, &signed_in);
    }
    let candidates: Vec<session::Account> = signed_in
        .into_iter()
        .filter(|account| hint.is_empty() || account.upn.eq_ignore_ascii_case(hint))
        .collect();
    if !matches!(prompt, "login" | "select_account") {
        match candidates.as_slice() {
            [only] => {
                pending.user = Some((only.tenant_id, only.user_id));
                return continue_after_sign_in(&shared, pending, prompt == "none", None);
            }
            [] => {}
            [_, _, ..] if prompt == "none" => {
                return redirect_error(
                    &pending,
                    "interaction_required",
                    "AADSTS16000: Either multiple user identities are available for the current request or selected account is not supported for the scenario.",
                );
            }
            [_, _, ..] => return session::picker(&shared, pending, &candidates),
        }
    }
    if prompt == "none" {
        return redirect_error(
            &pending,
            "login_required",
            "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
        );
    }
    let login_hint = if prompt == "select_account" { "" } else { get("login_hint") };
    let ctx = keep_pending(&shared, pending);
    sign_in_page(&tenant_segment, &ctx, login_hint, None)
}

/// The sign-in form, with the seeded accounts when the tenant is a demo tenant.
pub fn sign_in_page(
    tenant_segment: &str,
    ctx: &str,
    login_hint: &str,
    error: Option<&str>,
) -> Response {
    let demo = crate::seed::demo_accounts(tenant_segment);
    pages::sign_in(tenant_segment, ctx, login_hint, error, &demo)
}

/// Form fields of the sign-in form.
#[derive(serde::Deserialize)]
pub struct SignInForm {
    ctx: String,
    login: String,
    passwd: String,
}

/// `POST /{tenant}/login`: checks the password and continues to consent or back to the app.
pub async fn sign_in(
    State(shared): State<Arc<Shared>>,
    Path(tenant_segment): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SignInForm>,
) -> Response {
    let Some(mut pending) = take_pending(&shared, &form.ctx) else {
        return expired();
    };
    let found = {
        let world = shared.world();
        let tenant = if matches!(
            pending.tenant_segment.to_ascii_lowercase().as_str(),
            "common" | "organizations"
        ) {
            world.tenant_of_upn(form.login.trim())
        } else {
            world.tenant(&pending.tenant_segment)
        };
        tenant.and_then(|t| {
            t.user_by_upn(form.login.trim()).map(|u| (t.id, u.id, u.password == form.passwd))
        })
    };
    let retry = |shared: &Shared, pending: PendingAuthorization, message: &str| {
        let ctx = keep_pending(shared, pending);
        sign_in_page(&tenant_segment, &ctx, form.login.trim(), Some(message))
    };
    match found {
        None => retry(
            &shared,
            pending,
            "AADSTS50034: This username may be incorrect. The user account does not exist in this directory.",
        ),
        Some((_, _, false)) => {
            retry(&shared, pending, "AADSTS50126: Your account or password is incorrect.")
        }
        Some((tenant_id, user_id, true)) => {
            pending.user = Some((tenant_id, user_id));
            let cookie = session::remember(&shared, &headers, tenant_id, user_id);
            continue_after_sign_in(&shared, pending, false, cookie)
        }
    }
}

/// Form fields of the consent page.
#[derive(serde::Deserialize)]
pub struct ConsentForm {
    ctx: String,
    action: String,
}

/// `POST /{tenant}/consent`: records consent, or reports that the person declined.
pub async fn consent(
    State(shared): State<Arc<Shared>>,
    axum::Form(form): axum::Form<ConsentForm>,
) -> Response {
    let Some(mut pending) = take_pending(&shared, &form.ctx) else {
        return expired();
    };
    let Some((tenant_id, user_id)) = pending.user else { return expired() };
    if form.action != "accept" {
        return finish_declined(&shared, &pending);
    }
    {
        let mut world = shared.world_mut();
        let Some(tenant) = world.tenants.iter_mut().find(|t| t.id == tenant_id) else {
            return expired();
        };
        let org_wide = tenant.user(user_id).is_some_and(|u| u.can_admin_consent());
        let request = ScopeRequest::parse(&pending.scope);
        for (identifier, permissions) in &request.resources {
            let Some(resource) = resolve_resource(tenant, identifier) else { continue };
            let named: Vec<String> =
                permissions.iter().filter(|p| p.as_str() != ".default").cloned().collect();
            let mut scopes = named;
            scopes.extend(request.oidc.iter().cloned());
            grants::record_consent(
                tenant,
                pending.client_id,
                &resource,
                &scopes,
                user_id,
                org_wide,
            );
        }
    }
    pending.force_consent = false;
    continue_after_sign_in(&shared, pending, false, None)
}

/// Keeps a pending sign-in under a new context id (the `ctx` of the next form), which it returns.
pub fn keep_pending(shared: &Shared, pending: PendingAuthorization) -> String {
    let ctx = random_token(24);
    shared.sessions().pending.insert(ctx.clone(), pending);
    ctx
}

/// Takes the pending sign-in of a form's `ctx`, unless it has expired.
pub fn take_pending(shared: &Shared, ctx: &str) -> Option<PendingAuthorization> {
    let pending = shared.sessions().pending.remove(ctx)?;
    (pending.expires > crate::state::now()).then_some(pending)
}

/// AADSTS50196: the sign-in is over or unknown.
pub fn expired() -> Response {
    sign_in_error(
        "AADSTS50196: The sign-in session has expired or is unknown. Start the sign-in again.",
    )
}

/// After the user is known: consent if needed, then the code (or the device approval).
pub fn continue_after_sign_in(
    shared: &Shared,
    pending: PendingAuthorization,
    silent: bool,
    cookie: Option<String>,
) -> Response {
    let Some((tenant_id, user_id)) = pending.user else { return expired() };
    if pending.admin_consent {
        let mut response = admin_consent_granted(shared, &pending, tenant_id, user_id);
        session::set_cookie(&mut response, cookie);
        return response;
    }
    let decision = {
        let world = shared.world();
        let Some(tenant) = world.tenants.iter().find(|t| t.id == tenant_id) else {
            return expired();
        };
        consent_needed(tenant, &pending, user_id)
    };
    let mut response = match decision {
        Err(description) => {
            let error = if description.starts_with("AADSTS500011") {
                "invalid_resource"
            } else {
                "invalid_scope"
            };
            redirect_error(&pending, error, &description)
        }
        Ok(missing) if missing.is_empty() && !pending.force_consent => {
            complete(shared, pending, tenant_id, user_id)
        }
        Ok(_) if silent => redirect_error(
            &pending,
            "consent_required",
            "AADSTS65001: The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.",
        ),
        Ok(missing) => {
            let world = shared.world();
            let Some(tenant) = world.tenants.iter().find(|t| t.id == tenant_id) else {
                return expired();
            };
            let Some(user) = tenant.user(user_id) else { return expired() };
            let admin = user.can_admin_consent();
            let consentable = missing
                .iter()
                .all(|(resource, scopes)| grants::user_consentable(tenant, resource, scopes));
            let shown: Vec<String> = missing.iter().flat_map(|(_, s)| s.iter().cloned()).collect();
            let app_name = find_client(&world, Some(tenant), pending.client_id)
                .map_or_else(|| pending.client_id.to_string(), |a| a.display_name.clone());
            let segment = pending.tenant_segment.clone();
            drop(world);
            if !admin && !consentable {
                pages::message(
                    StatusCode::OK,
                    "Need admin approval",
                    &format!(
                        "AADSTS90094: {app_name} needs permission to access resources in your organization \
                         that only an admin can grant. Please ask an admin to grant permission to this app \
                         before you can use it."
                    ),
                )
            } else {
                let ctx = keep_pending(shared, pending);
                pages::consent(&segment, &ctx, &app_name, &shown, admin)
            }
        }
    };
    session::set_cookie(&mut response, cookie);
    response
}

/// `GET /{tenant}/adminconsent`: an administrator grants the application permissions
/// (`Role` entries of `requiredResourceAccess`) the app declares (docs/microsoft §1.12).
pub async fn admin_consent(
    State(shared): State<Arc<Shared>>,
    Path(tenant_segment): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| query.get(k).map(String::as_str).unwrap_or_default();
    let world = shared.world();
    let Some(tenant) = world.tenant(&tenant_segment) else {
        return sign_in_error(&format!("AADSTS90002: Tenant '{tenant_segment}' not found."));
    };
    let app =
        Uuid::parse_str(get("client_id")).ok().and_then(|id| find_client(&world, Some(tenant), id));
    let Some(app) = app.cloned() else {
        return sign_in_error(&format!(
            "AADSTS700016: Application with identifier '{}' was not found in the directory '{tenant_segment}'.",
            get("client_id")
        ));
    };
    let redirect_uri = get("redirect_uri").to_owned();
    let Some(public_client) = grants::match_redirect(&app, &redirect_uri) else {
        return redirect_mismatch(&redirect_uri, app.app_id);
    };
    drop(world);
    let pending = PendingAuthorization {
        state: query.get("state").cloned(),
        admin_consent: true,
        ..PendingAuthorization::new(
            tenant_segment.clone(),
            app.app_id,
            redirect_uri,
            public_client,
            crate::state::now() + SIGN_IN_TIME,
        )
    };
    let ctx = keep_pending(&shared, pending);
    sign_in_page(&tenant_segment, &ctx, "", None)
}

/// After an administrator signed in at `/adminconsent`: grants the declared app roles, or says why not.
fn admin_consent_granted(
    shared: &Shared,
    pending: &PendingAuthorization,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Response {
    let mut world = shared.world_mut();
    let Some(t) = world.tenants.iter().position(|t| t.id == tenant_id) else { return expired() };
    let roles = world.tenants[t].user(user_id).map(|u| u.roles.clone()).unwrap_or_default();
    let global = roles.contains(&crate::model::DirectoryRole::GlobalAdministrator);
    let app_admin =
        global || roles.contains(&crate::model::DirectoryRole::CloudApplicationAdministrator);
    let Some(app) = find_client(&world, Some(&world.tenants[t]), pending.client_id).cloned() else {
        return expired();
    };
    let declared: Vec<(String, Uuid)> = app
        .required_resource_access
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|resource| {
            let app_id = resource["resourceAppId"].as_str().unwrap_or_default().to_owned();
            resource["resourceAccess"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| a["type"] == "Role")
                .filter_map(move |a| {
                    Uuid::parse_str(a["id"].as_str()?).ok().map(|role| (app_id.clone(), role))
                })
        })
        .collect();
    let needs_graph =
        declared.iter().any(|(resource, _)| resource == crate::resources::GRAPH_APP_ID);
    if !app_admin || (needs_graph && !global) {
        let mut params = vec![
            ("error", "permission_denied".to_owned()),
            ("error_description", "AADSTS90094: The grant requires admin permission that the signed-in account does not have.".to_owned()),
        ];
        if let Some(state) = &pending.state {
            params.push(("state", state.clone()));
        }
        return redirect(pending, &params);
    }
    let tenant = &mut world.tenants[t];
    let client_sp = match tenant.service_principal_by_app_id(app.app_id) {
        Some(sp) => sp.id,
        None => {
            let id = Uuid::new_v4();
            tenant.service_principals.push(crate::model::ServicePrincipal {
                id,
                app_id: app.app_id,
                display_name: app.display_name.clone(),
                app_owner_tenant: app.owner_tenant,
                app_roles: Vec::new(),
                scopes: Vec::new(),
                names: vec![app.app_id.to_string()],
                created: crate::state::now(),
                deleted: None,
            });
            id
        }
    };
    for (resource_app, role) in declared {
        let Some(resource) = tenant
            .service_principals
            .iter()
            .find(|sp| sp.app_id.to_string() == resource_app && sp.deleted.is_none())
        else {
            continue;
        };
        if !resource.app_roles.iter().any(|r| r.id == role.to_string()) {
            continue;
        }
        let resource_id = resource.id;
        if tenant.app_role_assignments.iter().any(|a| {
            a.principal_id == client_sp && a.resource_id == resource_id && a.app_role_id == role
        }) {
            continue;
        }
        tenant.app_role_assignments.push(crate::model::AppRoleAssignment {
            id: random_token(32),
            principal_id: client_sp,
            resource_id,
            app_role_id: role,
            created: crate::state::now(),
        });
    }
    let mut params = vec![("tenant", tenant_id.to_string())];
    if let Some(state) = &pending.state {
        params.push(("state", state.clone()));
    }
    params.push(("admin_consent", "True".to_owned()));
    redirect(pending, &params)
}

/// `GET /{tenant}/oauth2/v2.0/logout`: ends the browser session.
pub async fn logout(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    session::forget(&shared, &headers);
    let target = query.get("post_logout_redirect_uri").filter(|uri| {
        url::Url::parse(uri).is_ok_and(|u| {
            u.scheme() == "http" && matches!(u.host_str(), Some("localhost" | "127.0.0.1"))
        })
    });
    let mut response = match target {
        Some(uri) => (StatusCode::FOUND, [(header::LOCATION, uri.clone())]).into_response(),
        None => pages::message(
            StatusCode::OK,
            "You signed out of your account",
            "It's a good idea to close all browser windows.",
        ),
    };
    session::clear_cookie(&mut response);
    response
}

/// The permissions per resource that still need consent; an error for an invalid scope.
fn consent_needed(
    tenant: &Tenant,
    pending: &PendingAuthorization,
    user_id: Uuid,
) -> Result<Vec<(super::scopes::Resource, Vec<String>)>, String> {
    let request = ScopeRequest::parse(&pending.scope);
    let mut missing = Vec::new();
    for (identifier, permissions) in &request.resources {
        let Some(resource) = resolve_resource(tenant, identifier) else {
            return Err(format!(
                "AADSTS500011: The resource principal named {identifier} was not found in the tenant named {}.",
                tenant.display_name
            ));
        };
        match grants::decide(tenant, pending.client_id, &resource, permissions, user_id) {
            Ok(Delegated::Granted(_)) => {
                if pending.force_consent {
                    let named =
                        permissions.iter().filter(|p| p.as_str() != ".default").cloned().collect();
                    missing.push((resource, named));
                }
            }
            Ok(Delegated::NeedsConsent(scopes)) => missing.push((resource, scopes)),
            Err(error) => return Err(format!("AADSTS{}: {}", error.code, error.message)),
        }
    }
    Ok(missing)
}

fn complete(
    shared: &Shared,
    pending: PendingAuthorization,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Response {
    if let Some(device_code) = &pending.device_code {
        if let Some(grant) = shared.sessions().device_codes.get_mut(device_code) {
            grant.status = DeviceStatus::Approved { tenant_id, user_id };
        }
        return pages::message(
            StatusCode::OK,
            "You have signed in",
            "You have signed in to the application on your device. You may now close this window.",
        );
    }
    let code = format!("1.A{}", random_token(64));
    shared.sessions().codes.insert(
        code.clone(),
        AuthCode {
            tenant_id,
            user_id,
            request: pending.clone(),
            issued: crate::state::now(),
            redeemed: false,
        },
    );
    let mut params = vec![("code", code)];
    if let Some(state) = &pending.state {
        params.push(("state", state.clone()));
    }
    params.push((
        "session_state",
        Uuid::new_v5(&Uuid::NAMESPACE_OID, user_id.as_bytes()).to_string(),
    ));
    redirect(&pending, &params)
}

fn finish_declined(shared: &Shared, pending: &PendingAuthorization) -> Response {
    if let Some(device_code) = &pending.device_code {
        if let Some(grant) = shared.sessions().device_codes.get_mut(device_code) {
            grant.status = DeviceStatus::Declined;
        }
        return pages::message(
            StatusCode::OK,
            "Sign-in cancelled",
            "You declined to sign in to the application.",
        );
    }
    redirect_error(
        pending,
        "access_denied",
        "AADSTS65004: User declined to consent to access the app.",
    )
}

/// Redirects back to the client with an error (and `state`).
pub fn redirect_error(pending: &PendingAuthorization, error: &str, description: &str) -> Response {
    let mut params =
        vec![("error", error.to_owned()), ("error_description", description.to_owned())];
    if let Some(state) = &pending.state {
        params.push(("state", state.clone()));
    }
    redirect(pending, &params)
}

fn redirect(pending: &PendingAuthorization, params: &[(&str, String)]) -> Response {
    if pending.response_mode == "form_post" {
        return pages::form_post(&pending.redirect_uri, params);
    }
    let Ok(mut url) = url::Url::parse(&pending.redirect_uri) else {
        return pages::message(StatusCode::BAD_REQUEST, "Bad redirect URI", &pending.redirect_uri);
    };
    let encoded: String =
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    if pending.response_mode == "fragment" {
        url.set_fragment(Some(&encoded));
    } else {
        let existing = url.query().map(str::to_owned);
        url.set_query(Some(&match existing {
            Some(q) if !q.is_empty() => format!("{q}&{encoded}"),
            _ => encoded,
        }));
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}
