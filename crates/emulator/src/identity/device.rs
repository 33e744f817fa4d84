//! The device code flow: `/devicecode` and the page where the person enters the code
//! (docs/microsoft §1.7).

use std::{sync::Arc, time::Duration};

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
};
use serde_json::json;
use uuid::Uuid;

use super::{
    authorize::find_client, discovery::tenant_not_found, error::AadError, pages, token::missing,
};
use crate::{
    origin::Origin,
    state::{DeviceGrant, DeviceStatus, PendingAuthorization, Shared, random_token},
};

/// How long a device code is valid.
const DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(900);
/// The polling interval clients are told.
const INTERVAL_SECONDS: u64 = 5;

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub async fn device_code(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path(tenant_segment): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let origin = Origin::of(&headers, shared.tls);
    let authority = origin.login();
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    let result = (|| {
        let client_raw = form.get("client_id").ok_or_else(|| missing("client_id"))?;
        let scope =
            form.get("scope").filter(|s| !s.trim().is_empty()).ok_or_else(|| missing("scope"))?;
        let world = shared.world();
        let specific =
            !matches!(tenant_segment.to_ascii_lowercase().as_str(), "common" | "organizations");
        let tenant = if specific {
            Some(
                world
                    .tenant(&tenant_segment)
                    .ok_or_else(|| tenant_not_found(&tenant_segment, &authority))?,
            )
        } else {
            None
        };
        let not_found = || {
            AadError::new(
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{client_raw}' was not found in the directory '{tenant_segment}'."
                ),
            )
        };
        let client_id = Uuid::parse_str(client_raw).map_err(|_| not_found())?;
        find_client(&world, tenant, client_id).ok_or_else(not_found)?;
        Ok::<_, AadError>((client_id, scope.clone()))
    })();
    let (client_id, scope) = match result {
        Ok(ok) => ok,
        Err(error) => return error.at(&authority).into_response(),
    };
    let device_code = format!("DAQABAAEAAA{}", random_token(96));
    let user_code = user_code();
    shared.sessions().device_codes.insert(
        device_code.clone(),
        DeviceGrant {
            user_code: user_code.clone(),
            tenant_segment,
            client_id,
            scope,
            status: DeviceStatus::Pending,
            expires: crate::state::now() + DEVICE_CODE_LIFETIME,
        },
    );
    let verification_uri = format!("{}/devicelogin", origin.url());
    Json(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": DEVICE_CODE_LIFETIME.as_secs(),
        "interval": INTERVAL_SECONDS,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    }))
    .into_response()
}

/// Nine upper-case letters and digits, as Entra ID's user codes look.
fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(9)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// `GET /devicelogin`: the page to enter the code.
pub async fn device_login_page() -> Response {
    code_page(None)
}

fn code_page(error: Option<&str>) -> Response {
    let error = error
        .map(|e| format!("<p class=\"error\" id=\"error\">{}</p>", pages::escape(e)))
        .unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Enter code</title></head><body>\
         <p>Tenant emulator: not Microsoft</p><h1>Enter code</h1>{error}\
         <form method=\"post\" action=\"/devicelogin\"><label>Code<input name=\"otc\" autocomplete=\"off\"></label>\
         <button type=\"submit\" id=\"idSIButton9\">Next</button></form></body></html>"
    ))
    .into_response()
}

/// `POST /devicelogin`: checks the code and shows the sign-in form for it.
pub async fn device_login(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    let typed = form.get("otc").map(|c| c.trim().to_ascii_uppercase()).unwrap_or_default();
    let found = shared
        .sessions()
        .device_codes
        .iter()
        .find(|(_, g)| {
            g.user_code == typed
                && g.status == DeviceStatus::Pending
                && g.expires > crate::state::now()
        })
        .map(|(code, g)| (code.clone(), g.clone()));
    let Some((device_code, grant)) = found else {
        return (
            StatusCode::OK,
            code_page(Some("That code didn't work. Check the code and try again.")),
        )
            .into_response();
    };
    let pending = PendingAuthorization {
        scope: grant.scope.clone(),
        device_code: Some(device_code),
        ..PendingAuthorization::new(
            grant.tenant_segment.clone(),
            grant.client_id,
            String::new(),
            true,
            grant.expires,
        )
    };
    let ctx = super::authorize::keep_pending(&shared, pending);
    super::authorize::sign_in_page(&grant.tenant_segment, &ctx, "", None)
}
