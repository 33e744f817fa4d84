//! The Microsoft identity platform: discovery, `/authorize` with its sign-in, account picker and
//! consent pages, `/token` (authorization code with PKCE, refresh token, client credentials with
//! certificate assertions, device code) and `/devicecode` (docs/microsoft §1), at the v2.0 endpoints
//! and, mapped onto them, the v1.0 ones.

mod authorize;
mod device;
mod discovery;
pub mod error;
mod grants;
mod issue;
mod pages;
pub mod scopes;
mod session;
mod token;
mod v1;

use std::sync::Arc;

use axum::{
    Router,
    routing::{get, post},
};

use crate::state::Shared;

/// The identity routes, under `/{tenant}/…` and `/common/discovery/instance`.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/common/discovery/instance", get(discovery::instance))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route("/{tenant}/discovery/keys", get(discovery::keys))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::authorize))
        .route("/{tenant}/oauth2/v2.0/token", post(token::token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(device::device_code))
        .route("/{tenant}/login", post(authorize::sign_in))
        .route("/{tenant}/select", post(session::select_account))
        .route("/{tenant}/consent", post(authorize::consent))
        .route("/{tenant}/adminconsent", get(authorize::admin_consent))
        .route("/{tenant}/oauth2/v2.0/logout", get(authorize::logout))
        .route("/{tenant}/.well-known/openid-configuration", get(v1::openid_configuration))
        .route("/{tenant}/oauth2/authorize", get(v1::authorize))
        .route("/{tenant}/oauth2/token", post(token::token_v1))
        .route("/{tenant}/oauth2/devicecode", post(v1::device_code))
        .route("/{tenant}/oauth2/logout", get(authorize::logout))
        .route("/devicelogin", get(device::device_login_page).post(device::device_login))
}
