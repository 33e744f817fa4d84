//! The token cache against the emulator: refresh with the kept refresh token, single-flight,
//! refresh ahead of expiry, incremental scopes, "sign in again" outcomes, retries, sign-out.
#![allow(clippy::unwrap_used)]

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use common::{ADMIN, Browser, Consent, NOT_CONSENTED, SITES_READ, Tenant, USER, USER_READ};
use serde_json::json;
use spconnect_emulator::DEMO_TENANT_ID;
use spconnect_identity::{
    Account, Identity, IdentityError, MemoryStore, RefreshTokenStore, SignInReason, SignInRequest,
};

async fn signed_in(tenant: &Tenant, identity: &Identity, user: (&str, &str)) -> Account {
    let sign_in = identity.start_browser_sign_in(SignInRequest::new([USER_READ])).await.unwrap();
    let url = sign_in.authorize_url().to_owned();
    let waiting = tokio::spawn(sign_in.finish());
    let visit = Browser::default().sign_in(&url, user, Consent::Accept).await;
    assert_eq!(visit.status, 200, "{}", visit.body);
    let _ = tenant;
    waiting.await.unwrap().unwrap()
}

fn reason(error: IdentityError) -> SignInReason {
    match error {
        IdentityError::SignInAgain { reason } => reason,
        other => panic!("expected SignInAgain, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_restart_concurrent_callers_share_one_refresh() {
    let tenant = Tenant::start();
    let (identity, store) = tenant.identity();
    let account = signed_in(&tenant, &identity, ADMIN).await;
    let first = store.get(&account.key).unwrap().unwrap();

    // A new process: nothing in memory, the refresh token in the store.
    let restarted = tenant.identity_sharing(store.clone(), |_| {});
    let before = tenant.token_requests().await;
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let (identity, key) = (restarted.clone(), account.key.clone());
            tokio::spawn(async move { identity.access_token(&key, &[USER_READ]).await })
        })
        .collect();
    let mut tokens = Vec::new();
    for call in calls {
        tokens.push(call.await.unwrap().unwrap().token.expose().clone());
    }
    assert_eq!(tenant.token_requests().await - before, 1, "one refresh for eight callers");
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    let rotated = store.get(&account.key).unwrap().unwrap();
    assert_ne!(rotated.expose(), first.expose(), "the newest refresh token is kept");
    assert_eq!(tenant.me(&tokens[0]).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_refreshed_ahead_of_expiry_only() {
    let tenant = Tenant::start();
    let (identity, store) = tenant.identity();
    let account = signed_in(&tenant, &identity, ADMIN).await;
    let before = tenant.token_requests().await;
    identity.access_token(&account.key, &[USER_READ]).await.unwrap();
    assert_eq!(tenant.token_requests().await, before, "a fresh token comes from memory");

    // Tokens live 60–90 minutes: a margin of 3 hours makes every token "about to expire".
    let eager = tenant.identity_sharing(store, |c| c.refresh_ahead = Duration::from_secs(3 * 3600));
    let a = eager.access_token(&account.key, &[USER_READ]).await.unwrap();
    let b = eager.access_token(&account.key, &[USER_READ]).await.unwrap();
    assert_eq!(tenant.token_requests().await - before, 2);
    assert_ne!(a.token.expose(), b.token.expose());
}

#[tokio::test(flavor = "multi_thread")]
async fn new_scopes_of_a_resource_are_added_to_the_held_ones() {
    let tenant = Tenant::start();
    let (identity, _) = tenant.identity();
    let account = signed_in(&tenant, &identity, ADMIN).await;
    let token = identity.access_token(&account.key, &[SITES_READ]).await.unwrap();
    let granted = token.scopes.join(" ");
    assert!(granted.contains("Sites.Read.All") && granted.contains("User.Read"), "{granted}");
    // Both are now served from memory.
    let before = tenant.token_requests().await;
    identity.access_token(&account.key, &[USER_READ]).await.unwrap();
    identity.access_token(&account.key, &["Sites.Read.All"]).await.unwrap();
    assert_eq!(tenant.token_requests().await, before);

    // A permission nobody consented to needs the browser; the account stays usable.
    let error = identity.access_token(&account.key, &[NOT_CONSENTED]).await.unwrap_err();
    assert_eq!(reason(error), SignInReason::ConsentRequired);
    identity.access_token(&account.key, &[USER_READ]).await.unwrap();
    // SharePoint is another resource: its own token, from the same refresh token.
    let sharepoint = identity
        .access_token(&account.key, &["https://contoso.sharepoint.com/AllSites.Read"])
        .await;
    assert!(sharepoint.is_ok(), "{sharepoint:?}");
    let mixed = identity
        .access_token(&account.key, &[USER_READ, "https://contoso.sharepoint.com/.default"])
        .await;
    assert!(matches!(mixed, Err(IdentityError::InvalidInput { .. })));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_grant_means_sign_in_again_without_a_retry_loop() {
    let tenant = Tenant::start();
    let (identity, store) = tenant.identity();
    let account = signed_in(&tenant, &identity, USER).await;
    assert_eq!(
        tenant.control("POST", &format!("/_emulator/users/{}/revoke-sessions", USER.0), None).await,
        204
    );
    let restarted = tenant.identity_sharing(store.clone(), |_| {});
    let before = tenant.token_requests().await;
    let error = restarted.access_token(&account.key, &[USER_READ]).await.unwrap_err();
    assert!(error.to_string().contains("revoked"), "{error}");
    assert!(!error.is_retryable());
    assert_eq!(reason(error), SignInReason::Revoked);
    let again = restarted.access_token(&account.key, &[SITES_READ]).await.unwrap_err();
    assert_eq!(reason(again), SignInReason::Revoked);
    assert_eq!(tenant.token_requests().await - before, 1, "asked Microsoft once, not in a loop");
    assert!(store.get(&account.key).unwrap().is_some(), "nothing deleted until sign-out");

    // Signing in again clears it.
    let account = signed_in(&tenant, &restarted, USER).await;
    let eager = tenant.identity_sharing(store, |c| c.refresh_ahead = Duration::from_secs(3 * 3600));
    eager.access_token(&account.key, &[USER_READ]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn mfa_required_means_sign_in_again() {
    let tenant = Tenant::start();
    let (identity, store) = tenant.identity();
    let account = signed_in(&tenant, &identity, ADMIN).await;
    assert_eq!(
        tenant
            .control(
                "PUT",
                &format!("/_emulator/users/{}/mfa", ADMIN.0),
                Some(json!({"required": true}))
            )
            .await,
        204
    );
    let restarted = tenant.identity_sharing(store, |_| {});
    let error = restarted.access_token(&account.key, &[USER_READ]).await.unwrap_err();
    assert!(error.to_string().contains("multi-factor"), "{error}");
    assert_eq!(reason(error), SignInReason::MfaRequired);
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_is_retried_after_retry_after_then_reported_as_retryable() {
    let tenant = Tenant::start();
    let (identity, store) = tenant.identity();
    let account = signed_in(&tenant, &identity, ADMIN).await;
    let token_path = format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token");
    let fault = |count: u32| json!({"kind": "throttle", "pathPrefix": token_path, "count": count, "retryAfter": 1});
    assert_eq!(tenant.control("POST", "/_emulator/faults", Some(fault(1))).await, 201);
    let restarted = tenant.identity_sharing(store.clone(), |_| {});
    let started = Instant::now();
    restarted.access_token(&account.key, &[USER_READ]).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited for Retry-After");

    assert_eq!(tenant.control("POST", "/_emulator/faults", Some(fault(10))).await, 201);
    let restarted = tenant.identity_sharing(store, |_| {});
    let before = tenant.token_requests().await;
    let error = restarted.access_token(&account.key, &[USER_READ]).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(tenant.token_requests().await - before, 3, "a bounded number of attempts");
    // Not a reason to sign in again: once the service is back, the token comes.
    assert_eq!(tenant.control("DELETE", "/_emulator/faults", None).await, 204);
    restarted.access_token(&account.key, &[USER_READ]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_deletes_the_refresh_token_and_forgets_the_access_tokens() {
    let tenant = Tenant::start();
    let (identity, store) = tenant.identity();
    let account = signed_in(&tenant, &identity, ADMIN).await;
    let other = signed_in(&tenant, &identity, USER).await;
    identity.sign_out(&account.key).await.unwrap();
    assert!(store.get(&account.key).unwrap().is_none());
    let error = identity.access_token(&account.key, &[USER_READ]).await.unwrap_err();
    assert_eq!(reason(error), SignInReason::NotSignedIn);
    // The other person is untouched, and their token is theirs.
    let token = identity.access_token(&other.key, &[USER_READ]).await.unwrap();
    assert_eq!(tenant.me(token.token.expose()).await.1["userPrincipalName"], USER.0);
    let _: Arc<MemoryStore> = store;
}
