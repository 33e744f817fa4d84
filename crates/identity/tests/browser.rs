//! The browser sign-in against the tenant emulator over real loopback HTTP: an HTTP client plays
//! the browser, our loopback listener receives the redirect.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{ADMIN, Browser, Consent, SITES_READ, Tenant, USER, USER_READ};
use spconnect_emulator::DEMO_TENANT_ID;
use spconnect_identity::{IdentityError, Prompt, RefreshTokenStore, SignInRequest};

#[tokio::test(flavor = "multi_thread")]
async fn signs_in_through_the_browser_and_the_loopback_listener() {
    let tenant = Tenant::start();
    let (identity, store) = tenant.identity();
    let sign_in =
        identity.start_browser_sign_in(SignInRequest::new([USER_READ, SITES_READ])).await.unwrap();
    let url = url::Url::parse(sign_in.authorize_url()).unwrap();
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(url.path(), format!("/{DEMO_TENANT_ID}/oauth2/v2.0/authorize"));
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43);
    assert!(query["state"].len() >= 32 && query["nonce"].len() >= 32);
    assert!(
        query["redirect_uri"].starts_with("http://127.0.0.1:")
            && query["redirect_uri"].ends_with('/')
    );
    assert_eq!(query["redirect_uri"], sign_in.redirect_uri());
    assert!(query["scope"].contains("offline_access") && query["scope"].contains("openid"));

    let waiting = tokio::spawn(sign_in.finish());
    let visit = Browser::default().sign_in(url.as_str(), ADMIN, Consent::Accept).await;
    assert_eq!(visit.status, 200);
    assert!(visit.body.contains("You can close this tab"), "{}", visit.body);
    let account = waiting.await.unwrap().unwrap();
    assert_eq!(account.username, ADMIN.0);
    assert_eq!(account.key.tenant_id, DEMO_TENANT_ID);
    assert!(!account.key.object_id.is_empty());
    assert!(store.get(&account.key).unwrap().is_some(), "the refresh token is kept in the store");

    // The access token from the sign-in is served from memory and works against Graph.
    let before = tenant.token_requests().await;
    let token = identity.access_token(&account.key, &[USER_READ]).await.unwrap();
    assert_eq!(tenant.token_requests().await, before, "no refresh needed");
    let (status, me) = tenant.me(token.token.expose()).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["userPrincipalName"], ADMIN.0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_listener_refuses_foreign_requests_and_a_wrong_state_and_keeps_waiting() {
    let tenant = Tenant::start();
    let (identity, _) = tenant.identity();
    let sign_in = identity
        .start_browser_sign_in(SignInRequest {
            login_hint: Some(USER.0.into()),
            ..SignInRequest::new([USER_READ])
        })
        .await
        .unwrap();
    assert!(sign_in.authorize_url().contains("login_hint=user%40contoso.onmicrosoft.com"));
    let redirect = sign_in.redirect_uri();
    let url = sign_in.authorize_url().to_owned();
    let waiting = tokio::spawn(sign_in.finish());
    let browser = Browser::default();
    for foreign in [
        format!("{redirect}favicon.ico"),
        format!("{redirect}?code=stolen&state=not-the-state"),
        format!("{redirect}?code=stolen"),
        redirect.clone(),
    ] {
        let (status, body, _) = browser.get(&foreign).await;
        assert_eq!(status, 400, "{foreign}: {body}");
    }
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let posted = http.post(&redirect).body("code=x").send().await.unwrap();
    assert_eq!(posted.status().as_u16(), 400);
    assert!(!waiting.is_finished(), "still waiting for the real answer");

    let visit = browser.sign_in(&url, USER, Consent::Accept).await;
    assert_eq!(visit.status, 200, "{}", visit.body);
    let account = waiting.await.unwrap().unwrap();
    assert_eq!(account.username, USER.0);
    // The port is closed once the sign-in is done: a replayed redirect finds nobody.
    assert!(http.get(visit.redirect.unwrap()).send().await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn declining_consent_is_explained_in_plain_words_in_the_browser_and_the_app() {
    let tenant = Tenant::start();
    let (identity, _) = tenant.identity();
    let sign_in = identity
        .start_browser_sign_in(SignInRequest {
            prompt: Some(Prompt::Consent),
            ..SignInRequest::new([USER_READ])
        })
        .await
        .unwrap();
    assert!(sign_in.authorize_url().contains("prompt=consent"));
    let url = sign_in.authorize_url().to_owned();
    let waiting = tokio::spawn(sign_in.finish());
    let visit = Browser::default().sign_in(&url, ADMIN, Consent::Cancel).await;
    assert_eq!(visit.status, 200);
    assert!(
        visit.body.contains("You declined the permissions spconnect asked for"),
        "{}",
        visit.body
    );
    let error = waiting.await.unwrap().unwrap_err();
    assert!(
        matches!(&error, IdentityError::SignInRefused { error, .. } if error == "access_denied"),
        "{error:?}"
    );
    assert!(error.to_string().starts_with("You declined"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_and_timeout_release_the_listener() {
    let tenant = Tenant::start();
    let (identity, _) = tenant.identity();
    let sign_in = identity.start_browser_sign_in(SignInRequest::new([USER_READ])).await.unwrap();
    let port = url::Url::parse(&sign_in.redirect_uri()).unwrap().port().unwrap();
    let cancel = sign_in.cancel_handle();
    let waiting = tokio::spawn(sign_in.finish());
    tokio::time::sleep(Duration::from_millis(100)).await;
    cancel.cancel();
    let error = waiting.await.unwrap().unwrap_err();
    assert!(matches!(error, IdentityError::Cancelled), "{error:?}");
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err(), "port released");

    let (identity, _) = tenant.identity_with(|c| c.sign_in_timeout = Duration::from_millis(300));
    let sign_in = identity.start_browser_sign_in(SignInRequest::new([USER_READ])).await.unwrap();
    let port = url::Url::parse(&sign_in.redirect_uri()).unwrap().port().unwrap();
    let started = Instant::now();
    let error = sign_in.finish().await.unwrap_err();
    assert!(matches!(error, IdentityError::TimedOut(_)), "{error:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err(), "port released");
}

#[tokio::test(flavor = "multi_thread")]
async fn signs_in_through_organizations_with_the_issuer_template() {
    let tenant = Tenant::start();
    let store = std::sync::Arc::new(spconnect_identity::MemoryStore::new());
    let authority = spconnect_identity::Authority::new(&tenant.base, "organizations").unwrap();
    let identity = spconnect_identity::Identity::new(
        spconnect_identity::IdentityConfig::new(authority, spconnect_emulator::SPCONNECT_CLIENT_ID),
        store,
    )
    .unwrap();
    let sign_in = identity.start_browser_sign_in(SignInRequest::new([USER_READ])).await.unwrap();
    let url = sign_in.authorize_url().to_owned();
    let waiting = tokio::spawn(sign_in.finish());
    Browser::default().sign_in(&url, ADMIN, Consent::Accept).await;
    let account = waiting.await.unwrap().unwrap();
    assert_eq!(account.key.tenant_id, DEMO_TENANT_ID, "the home tenant, from the id token");
    // Refreshes go to the account's own tenant.
    let token = identity.access_token(&account.key, &[SITES_READ]).await.unwrap();
    assert!(token.scopes.iter().any(|s| s.ends_with("Sites.Read.All")), "{:?}", token.scopes);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_registered_only_localhost_signs_in_through_localhost() {
    // Microsoft Graph Command Line Tools registers `http://localhost`; Entra matches a loopback
    // redirect by host and path (not port), so `127.0.0.1` is refused and `localhost` accepted.
    let tenant = Tenant::start();
    let cli = spconnect_emulator::GRAPH_COMMAND_LINE_TOOLS_ID;
    let (identity, store) = tenant.identity_with(|config| config.client_id = cli.to_owned());
    let refused = identity.start_browser_sign_in(SignInRequest::new([USER_READ])).await.unwrap();
    let (status, page, _) = Browser::default().get(refused.authorize_url()).await;
    assert_eq!(status, 400, "{page}");

    let sign_in = identity
        .start_browser_sign_in(SignInRequest::new([USER_READ]).via_localhost())
        .await
        .unwrap();
    assert!(sign_in.redirect_uri().starts_with("http://localhost:"), "{}", sign_in.redirect_uri());
    let url = sign_in.authorize_url().to_owned();
    let waiting = tokio::spawn(sign_in.finish());
    let visit = Browser::default().sign_in(&url, ADMIN, Consent::Accept).await;
    assert!(visit.body.contains("You can close this tab"), "{}", visit.body);
    let account = waiting.await.unwrap().unwrap();
    assert_eq!(account.key.client_id, cli);
    assert!(store.get(&account.key).unwrap().is_some());
}
