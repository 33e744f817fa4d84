//! The browser session (the `ESTSAUTH` cookie): every account signed in through one browser,
//! single sign-on with it, and the account picker Entra ID shows when several accounts could
//! answer a sign-in, or when `prompt=select_account` asks for one
//! (<https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow>).

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use uuid::Uuid;

use super::{authorize, pages};
use crate::state::{BrowserSession, PendingAuthorization, Shared, random_token};

/// The browser session cookie.
const SESSION_COOKIE: &str = "ESTSAUTH";

/// An account signed in through the browser.
pub struct Account {
    /// Its tenant.
    pub tenant_id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The user principal name.
    pub upn: String,
    /// The display name.
    pub display_name: String,
}

impl Account {
    /// The value the picker posts for it.
    fn key(&self) -> String {
        format!("{}:{}", self.tenant_id, self.user_id)
    }
}

fn cookie(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.split(';').find_map(|pair| {
            pair.trim().strip_prefix(&format!("{SESSION_COOKIE}=")).map(str::to_owned)
        })
    })
}

/// The accounts of the browser's session that can sign in at `tenant_segment` (all for `common`
/// and `organizations`, else those of that tenant), in the order they signed in.
pub fn accounts(shared: &Shared, headers: &HeaderMap, tenant_segment: &str) -> Vec<Account> {
    let Some(cookie) = cookie(headers) else { return Vec::new() };
    let signed_in = match shared.sessions().browser.get_mut(&cookie) {
        Some(session) => {
            session.last_used = crate::state::now();
            session.accounts.clone()
        }
        None => return Vec::new(),
    };
    let world = shared.world();
    let specific =
        !matches!(tenant_segment.to_ascii_lowercase().as_str(), "common" | "organizations");
    let named = world.tenant(tenant_segment).map(|t| t.id);
    signed_in
        .into_iter()
        .filter(|(tenant_id, _)| !specific || named == Some(*tenant_id))
        .filter_map(|(tenant_id, user_id)| {
            let user = world.tenants.iter().find(|t| t.id == tenant_id)?.user(user_id)?;
            Some(Account {
                tenant_id,
                user_id,
                upn: user.upn.clone(),
                display_name: user.display_name.clone(),
            })
        })
        .collect()
}

/// Adds a signed-in account to the browser's session; returns the cookie to set when the browser
/// had no session yet.
pub fn remember(
    shared: &Shared,
    headers: &HeaderMap,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Option<String> {
    let mut sessions = shared.sessions();
    if let Some(existing) = cookie(headers)
        && let Some(session) = sessions.browser.get_mut(&existing)
    {
        session.accounts.retain(|account| *account != (tenant_id, user_id));
        session.accounts.push((tenant_id, user_id));
        session.last_used = crate::state::now();
        return None;
    }
    let new = random_token(32);
    sessions.browser.insert(
        new.clone(),
        BrowserSession { accounts: vec![(tenant_id, user_id)], last_used: crate::state::now() },
    );
    Some(new)
}

/// Ends the browser's session (every account in it).
pub fn forget(shared: &Shared, headers: &HeaderMap) {
    if let Some(cookie) = cookie(headers) {
        shared.sessions().browser.remove(&cookie);
    }
}

/// Sets the session cookie on a response, when there is a new one.
pub fn set_cookie(response: &mut Response, cookie: Option<String>) {
    if let Some(cookie) = cookie
        && let Ok(value) = HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax"
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Expires the session cookie.
pub fn clear_cookie(response: &mut Response) {
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// Keeps `pending` and shows the account picker for `accounts`.
pub fn picker(shared: &Shared, pending: PendingAuthorization, accounts: &[Account]) -> Response {
    let segment = pending.tenant_segment.clone();
    let ctx = authorize::keep_pending(shared, pending);
    let choices: Vec<(String, &str, &str)> =
        accounts.iter().map(|a| (a.key(), a.display_name.as_str(), a.upn.as_str())).collect();
    pages::account_picker(&segment, &ctx, &choices)
}

/// Form fields of the account picker.
#[derive(serde::Deserialize)]
pub struct PickForm {
    ctx: String,
    account: String,
}

/// The picker's value for "Use another account".
pub const ANOTHER_ACCOUNT: &str = "other";

/// `POST /{tenant}/select`: continues as the chosen account (which must be one of this
/// browser's), or shows the sign-in form for another account.
pub async fn select_account(
    State(shared): State<Arc<Shared>>,
    Path(tenant_segment): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<PickForm>,
) -> Response {
    let Some(mut pending) = authorize::take_pending(&shared, &form.ctx) else {
        return authorize::expired();
    };
    if form.account == ANOTHER_ACCOUNT {
        let ctx = authorize::keep_pending(&shared, pending);
        return authorize::sign_in_page(&tenant_segment, &ctx, "", None);
    }
    let chosen = accounts(&shared, &headers, &pending.tenant_segment)
        .into_iter()
        .find(|account| account.key() == form.account);
    let Some(account) = chosen else {
        // Not an account of this browser's session: sign in instead.
        let ctx = authorize::keep_pending(&shared, pending);
        return authorize::sign_in_page(&tenant_segment, &ctx, "", None);
    };
    pending.user = Some((account.tenant_id, account.user_id));
    authorize::continue_after_sign_in(&shared, pending, false, None).into_response()
}
