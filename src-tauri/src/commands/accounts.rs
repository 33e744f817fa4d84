//! Commands of the Accounts view and the wizard's Account step: sign in with the system browser
//! or a device code, list who is signed in with their roles and what those allow, sign out, and
//! register spconnect's own client application in a tenant.

use spconnect_graph::{GraphClient, access::Need, applications, roles};
use spconnect_identity::{SignInRequest, open_browser};
use spconnect_settings::{KnownAccount, TenantProfile};
use tauri::{AppHandle, Manager, Runtime, State};

use super::blocking;
use crate::{
    AppState,
    accounts::{Target, key_of, roles_of, sign_in_scopes, target_of},
    ipc::{
        AccessView, AccountView, AccountsView, CapabilityView, ConnectionCheckView, DeviceCodeView,
        ErrorCode, RegisteredView, SignedInView, WireError,
        contract::{AccessArgs, AccessNeed, AccountArgs, SignInArgs, arguments},
    },
};

/// Everyone signed in on this computer.
#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> Result<AccountsView, WireError> {
    let store = state.accounts().store().clone();
    let loaded = blocking("Reading the accounts", move || Ok(store.load()?)).await?;
    Ok(AccountsView {
        accounts: loaded.accounts.iter().map(|a| account_view(&state, a)).collect(),
        notice: loaded.notice,
    })
}

/// Signs a person in with the system browser (RFC 8252: loopback redirect, PKCE, state, nonce),
/// waits for them (at most 5 minutes, or until `cancel_sign_in`), brings the window back to the
/// front, reads their roles and lists them.
#[tauri::command]
pub async fn sign_in_with_browser<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<SignedInView, WireError> {
    let SignInArgs { tenant, need } = arguments("sign_in_with_browser", &request)?;
    let target = target(&state, tenant.as_deref(), true).await?;
    let identity = state.accounts().identity(&target)?;
    let scopes = sign_in_scopes(need.map(Need::from));
    let account = in_browser(&app, &state, &identity, SignInRequest::new(scopes)).await?;
    remember(&state, account, &target).await
}

/// Starts a device code sign-in: the code and where to type it.
#[tauri::command]
pub async fn start_device_code(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<DeviceCodeView, WireError> {
    let SignInArgs { tenant, need } = arguments("start_device_code", &request)?;
    let target = target(&state, tenant.as_deref(), true).await?;
    let identity = state.accounts().identity(&target)?;
    let sign_in = identity.start_device_code(&sign_in_scopes(need.map(Need::from))).await?;
    let view = DeviceCodeView {
        user_code: sign_in.user_code().to_owned(),
        verification_uri: sign_in.verification_uri().to_owned(),
        message: sign_in.message().to_owned(),
        expires_in_seconds: u32::try_from(sign_in.expires_in().as_secs()).unwrap_or(u32::MAX),
    };
    state.accounts().hold_device_code(sign_in, target).await;
    Ok(view)
}

/// Waits for the device code sign-in started last (polling as Microsoft asks), then lists the
/// person.
#[tauri::command]
pub async fn finish_device_code<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<SignedInView, WireError> {
    let Some((sign_in, target)) = state.accounts().take_device_code().await else {
        return Err(WireError::new(
            ErrorCode::Cancelled,
            "No device code sign-in is waiting. Start again to get a code.",
        ));
    };
    let account = sign_in.finish().await;
    bring_to_front(&app);
    remember(&state, account?, &target).await
}

/// Cancels the sign-in in progress; `false` when none was.
#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) -> bool {
    state.accounts().cancel()
}

/// Signs a person out on this computer: their refresh token is deleted from the keychain, their
/// access tokens forgotten, and they leave the list.
#[tauri::command]
pub async fn sign_out(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<AccountsView, WireError> {
    let AccountArgs { tenant_id, object_id, client_id } = arguments("sign_out", &request)?;
    let account = find_account(&state, &tenant_id, &object_id, &client_id).await?;
    state
        .accounts()
        .sign_out(&account)
        .await
        .map_err(|m| WireError::new(ErrorCode::Keychain, m))?;
    state.accounts().forget_reason(&account);
    state.browsing().forget(&key_of(&account));
    let store = state.accounts().store().clone();
    blocking("Updating the accounts", move || Ok(store.remove(&account)?)).await?;
    list_accounts(state).await
}

/// Reads a person's directory roles again (with their kept sign-in); says so when they must
/// sign in again.
#[tauri::command]
pub async fn refresh_account(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<AccountView, WireError> {
    let AccountArgs { tenant_id, object_id, client_id } = arguments("refresh_account", &request)?;
    let mut account = find_account(&state, &tenant_id, &object_id, &client_id).await?;
    let graph = graph_as(&state, &account)?;
    match roles::my_roles(&graph).await {
        Ok(held) => {
            account.role_template_ids = held.iter().map(|r| r.template_id().to_owned()).collect();
            state.accounts().forget_reason(&account);
            let (store, updated) = (state.accounts().store().clone(), account.clone());
            blocking("Updating the accounts", move || Ok(store.upsert(updated)?)).await?;
            Ok(account_view(&state, &account))
        }
        Err(error) => {
            let error = WireError::from(error);
            if error.code == ErrorCode::SignInAgain {
                state.accounts().note_reason(&account, &error.message);
            }
            Err(error)
        }
    }
}

/// "Register spconnect in this tenant": signs the person in once with Microsoft Graph Command
/// Line Tools, creates spconnect's own public client application there, keeps it as the tenant's
/// profile, and signs that bootstrap session out again.
#[tauri::command]
pub async fn register_in_tenant<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<RegisteredView, WireError> {
    let SignInArgs { tenant, need: _ } = arguments("register_in_tenant", &request)?;
    let mut target = target(&state, tenant.as_deref(), false).await?;
    target.client_id = applications::GRAPH_COMMAND_LINE_TOOLS_CLIENT_ID.to_owned();
    let identity = state.accounts().identity(&target)?;
    // Graph Command Line Tools registered `http://localhost` only, so the redirect names it so.
    let request = SignInRequest::new(applications::REGISTER_SCOPES).via_localhost();
    let account = in_browser(&app, &state, &identity, request).await?;
    let bootstrap = KnownAccount {
        tenant_id: account.key.tenant_id.clone(),
        object_id: account.key.object_id.clone(),
        client_id: account.key.client_id.clone(),
        username: account.username,
        name: account.name,
        authority_host: target.authority_host.clone(),
        graph_host: target.graph_host.clone(),
        role_template_ids: Vec::new(),
        signed_in_at: 0,
    };
    let graph = graph_as(&state, &bootstrap)?;
    let registered = applications::register_public_client(&graph, "spconnect").await;
    // The bootstrap session is not kept, whatever happened.
    if let Err(error) = state.accounts().sign_out(&bootstrap).await {
        tracing::warn!(%error, "the Graph Command Line Tools sign-in could not be removed");
    }
    let registered = registered?;
    let tenant = match tenant.as_deref().map(str::trim) {
        Some(typed) if !typed.is_empty() && typed != "organizations" => typed.to_owned(),
        _ => bootstrap.tenant_id.clone(),
    };
    let profile = TenantProfile { tenant, client_id: registered.app_id };
    let settings = state.settings().clone();
    let saved = blocking("Saving the tenant profile", move || {
        let current = settings.load()?.settings;
        let updated = current.with_profile(profile.clone())?;
        settings.save(&updated)?;
        Ok(profile.normalized()?)
    })
    .await?;
    tracing::info!(tenant = %saved.tenant, client_id = %saved.client_id, "spconnect registered in the tenant");
    Ok(RegisteredView { tenant: saved.tenant, client_id: saved.client_id })
}

/// Whether a signed-in person's kept sign-in already allows a step (they consented to its
/// permissions), and why the step needs them. Asks Microsoft for a token silently; never opens
/// the browser.
#[tauri::command]
pub async fn check_access(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<AccessView, WireError> {
    let AccessArgs { tenant_id, object_id, client_id, need } = arguments("check_access", &request)?;
    let account = find_account(&state, &tenant_id, &object_id, &client_id).await?;
    let granted = has_access(&state, &account, need).await?;
    Ok(access_view(need, granted))
}

/// Asks the person, in the system browser, for the permissions of a step (incremental consent,
/// with their user name filled in), and checks that the same person answered: a sign-in as
/// someone else changes nothing for this account.
#[tauri::command]
pub async fn grant_access<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<AccessView, WireError> {
    let AccessArgs { tenant_id, object_id, client_id, need } = arguments("grant_access", &request)?;
    let account = find_account(&state, &tenant_id, &object_id, &client_id).await?;
    let target = target_of(&account);
    let identity = state.accounts().identity(&target)?;
    let mut sign_in_request = SignInRequest::new(sign_in_scopes(Some(need.into())));
    sign_in_request.login_hint = Some(account.username.clone());
    let answered = in_browser(&app, &state, &identity, sign_in_request).await?;
    if answered.key != key_of(&account) {
        let other = answered.username.clone();
        let (store, key) = (state.accounts().store().clone(), answered.key.clone());
        let listed = blocking("Reading the accounts", move || {
            Ok(store.load()?.accounts.iter().any(|a| key_of(a) == key))
        })
        .await?;
        if !listed {
            // Their new session was not asked for: it is not kept.
            let stray = KnownAccount {
                tenant_id: answered.key.tenant_id,
                object_id: answered.key.object_id,
                client_id: answered.key.client_id,
                username: answered.username,
                name: answered.name,
                authority_host: target.authority_host.clone(),
                graph_host: target.graph_host.clone(),
                role_template_ids: Vec::new(),
                signed_in_at: 0,
            };
            if let Err(error) = state.accounts().sign_out(&stray).await {
                tracing::warn!(%error, "a sign-in as someone else could not be removed");
            }
        }
        return Err(WireError::new(
            ErrorCode::Refused,
            format!(
                "You signed in as {other} in the browser, but the permission was asked for {}.                  Nothing changed for {}: allow it again and sign in as them.",
                account.username, account.username
            ),
        ));
    }
    remember(&state, answered, &target).await?;
    let granted = has_access(&state, &account, need).await?;
    Ok(access_view(need, granted))
}

async fn has_access(
    state: &AppState,
    account: &KnownAccount,
    need: AccessNeed,
) -> Result<bool, WireError> {
    match state.accounts().has_access(account, need.into()).await {
        Ok(granted) => Ok(granted),
        Err(error) => {
            let error = WireError::from(error);
            if error.code == ErrorCode::SignInAgain {
                state.accounts().note_reason(account, &error.message);
            }
            Err(error)
        }
    }
}

fn access_view(need: AccessNeed, granted: bool) -> AccessView {
    let step = Need::from(need);
    AccessView {
        need,
        granted,
        permissions: step.permission_names().into_iter().map(str::to_owned).collect(),
        why: step.why().to_owned(),
    }
}

/// Checks that Microsoft's sign-in service can be reached from this computer, and says in plain
/// words what is in the way when not (a blocked port 443, a proxy to set, TLS interception by a
/// certificate the OS does not trust).
#[tauri::command]
pub async fn check_connection(
    state: State<'_, AppState>,
) -> Result<ConnectionCheckView, WireError> {
    let host = match state.demo() {
        Some(demo) => demo.base_url,
        None => {
            let store = state.settings().clone();
            let settings =
                blocking("Reading the settings", move || Ok(store.load()?.settings)).await?;
            settings.cloud.endpoints()?.authority_host
        }
    };
    let options = spconnect_identity::NetworkOptions::default();
    Ok(match spconnect_identity::check_connectivity(&host, &options).await {
        Ok(()) => ConnectionCheckView {
            reachable: true,
            message: format!("{host} answers as Microsoft's sign-in service does."),
        },
        Err(problem) => {
            tracing::info!(%problem, "connectivity check failed");
            ConnectionCheckView { reachable: false, message: problem.explain() }
        }
    })
}

/// Where to sign in and with which client: the demo tenant with its built-in client (or the
/// profile registered there), or the chosen cloud with the tenant's profile (which must exist
/// when `need_profile`).
async fn target(
    state: &AppState,
    tenant: Option<&str>,
    need_profile: bool,
) -> Result<Target, WireError> {
    let store = state.settings().clone();
    let settings = blocking("Reading the settings", move || Ok(store.load()?.settings)).await?;
    let typed = tenant.map(str::trim).filter(|t| !t.is_empty());
    if let Some(demo) = state.demo() {
        let client_id =
            settings.client_id_for(&demo.tenant_id).unwrap_or(&demo.client_id).to_owned();
        return Ok(Target {
            authority_host: demo.base_url.clone(),
            graph_host: demo.base_url,
            tenant: typed.unwrap_or(&demo.tenant_id).to_owned(),
            client_id,
        });
    }
    let endpoints = settings.cloud.endpoints()?;
    let Some(tenant) = typed else {
        return Err(WireError {
            code: ErrorCode::InvalidInput,
            message: "Type your organisation's domain (such as contoso.onmicrosoft.com) or its tenant id.".into(),
            field: Some("tenant".into()),
        });
    };
    let client_id = settings.client_id_for(tenant).unwrap_or_default().to_owned();
    if client_id.is_empty() && need_profile {
        return Err(WireError {
            code: ErrorCode::InvalidInput,
            message: format!(
                "spconnect has no client application in {tenant} yet. An administrator registers \
                 it once with “Register spconnect in this tenant”, or add its client id under \
                 Settings."
            ),
            field: Some("tenant".into()),
        });
    }
    Ok(Target {
        authority_host: endpoints.authority_host,
        graph_host: endpoints.graph_host,
        tenant: tenant.to_owned(),
        client_id,
    })
}

/// Reads the new account's roles, lists it, and answers its view.
async fn remember(
    state: &AppState,
    account: spconnect_identity::Account,
    target: &Target,
) -> Result<SignedInView, WireError> {
    let (known, notice) = state
        .accounts()
        .signed_in(account, target)
        .await
        .map_err(|m| WireError::new(ErrorCode::Internal, m))?;
    state.accounts().forget_reason(&known);
    let (store, listed) = (state.accounts().store().clone(), known.clone());
    blocking("Saving the accounts", move || Ok(store.upsert(listed)?)).await?;
    tracing::info!(tenant = %known.tenant_id, object = %known.object_id, "signed in");
    Ok(SignedInView { account: account_view(state, &known), notice })
}

/// A Graph client acting as `account`.
pub(super) fn graph_as(state: &AppState, account: &KnownAccount) -> Result<GraphClient, WireError> {
    state.accounts().graph_for(account).map_err(|m| WireError::new(ErrorCode::Internal, m))
}

pub(super) async fn find_account(
    state: &AppState,
    tenant_id: &str,
    object_id: &str,
    client_id: &str,
) -> Result<KnownAccount, WireError> {
    let store = state.accounts().store().clone();
    let accounts = blocking("Reading the accounts", move || Ok(store.load()?.accounts)).await?;
    accounts
        .into_iter()
        .find(|a| a.tenant_id == tenant_id && a.object_id == object_id && a.client_id == client_id)
        .ok_or_else(|| {
            WireError::new(
                ErrorCode::InvalidInput,
                "This account is no longer signed in on this computer.",
            )
        })
}

fn account_view(state: &AppState, account: &KnownAccount) -> AccountView {
    let held = roles_of(account);
    AccountView {
        tenant_id: account.tenant_id.clone(),
        object_id: account.object_id.clone(),
        client_id: account.client_id.clone(),
        name: account.name.clone(),
        username: account.username.clone(),
        roles: held.iter().map(|r| r.display_name().to_owned()).collect(),
        capabilities: roles::capabilities(&held)
            .into_iter()
            .map(|c| CapabilityView { what: c.what.to_owned(), allowed: c.allowed, why: c.why })
            .collect(),
        signed_in_at: account.signed_in_at,
        sign_in_again: state.accounts().reason(&key_of(account)),
    }
}

/// Signs someone in with the system browser (cancellable with `cancel_sign_in`), then brings the
/// window back to the front, whatever the outcome.
async fn in_browser<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    identity: &spconnect_identity::Identity,
    request: SignInRequest,
) -> Result<spconnect_identity::Account, WireError> {
    let sign_in = identity.start_browser_sign_in(request).await?;
    state.accounts().begin(sign_in.cancel_handle());
    open_browser(sign_in.authorize_url())?;
    let account = sign_in.finish().await;
    bring_to_front(app);
    Ok(account?)
}

/// Brings the main window back to the front after the browser had it.
fn bring_to_front<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        if let Err(error) = window.set_focus() {
            tracing::debug!(%error, "the window could not be brought to the front");
        }
    }
}
