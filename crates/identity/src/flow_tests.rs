//! Tests against the tenant emulator that need the crate's insides: a wrong PKCE verifier, a
//! replayed code, id token checks (nonce, audience, signature), and the leak test: after full
//! and failed flows, no password, code, verifier, device code or token appears in the logs, in
//! any error message or in the `Debug` output of any type of this crate.
#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{ADMIN, Browser, Consent, Tenant, USER, USER_READ};
use spconnect_secret::Secret;

use crate::{IdentityError, RefreshTokenStore, SignInRequest, id_token, interactive::redeem};

/// Collects everything logged on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_wrong_verifier_a_replayed_code_and_bad_id_tokens_are_refused() {
    let tenant = Tenant::start();
    let (identity, _) = tenant.identity();

    // The verifier does not match the challenge sent: AADSTS501481.
    let mut sign_in =
        identity.start_browser_sign_in(SignInRequest::new([USER_READ])).await.unwrap();
    sign_in.verifier = Secret::from("a-different-verifier-of-the-right-length-0123456789");
    let url = sign_in.authorize_url().to_owned();
    let waiting = tokio::spawn(sign_in.finish());
    Browser::default().sign_in(&url, USER, Consent::Accept).await;
    let error = waiting.await.unwrap().unwrap_err();
    assert!(matches!(&error, IdentityError::Rejected(r) if r.code == Some(501481)), "{error:?}");

    // A code is redeemed once: the second redemption is AADSTS54005.
    let sign_in = identity.start_browser_sign_in(SignInRequest::new([USER_READ])).await.unwrap();
    let (verifier, redirect_uri) = (sign_in.verifier.clone(), sign_in.redirect_uri());
    let url = sign_in.authorize_url().to_owned();
    let waiting = tokio::spawn(sign_in.finish());
    let visit = Browser::default().sign_in(&url, USER, Consent::Accept).await;
    waiting.await.unwrap().unwrap();
    let code = Secret::new(visit.code.unwrap());
    let scopes = vec![USER_READ.to_owned()];
    let replay = redeem(&identity, &code, &redirect_uri, &verifier, &scopes).await.err().unwrap();
    assert!(matches!(&replay, IdentityError::Rejected(r) if r.code == Some(54005)), "{replay:?}");

    // An id token is checked: signature, audience and nonce.
    let mut sign_in =
        identity.start_browser_sign_in(SignInRequest::new([USER_READ])).await.unwrap();
    let listener =
        std::mem::replace(&mut sign_in.listener, crate::loopback::Listener::bind().await.unwrap());
    let (verifier, redirect_uri, nonce, state) = (
        sign_in.verifier.clone(),
        listener.redirect_uri(crate::loopback::LoopbackName::Ip),
        sign_in.nonce.clone(),
        sign_in.state.clone(),
    );
    let url = sign_in.authorize_url().to_owned();
    let receiving = tokio::spawn(async move { listener.receive(&state).await });
    let visit = Browser::default().sign_in(&url, USER, Consent::Accept).await;
    let crate::loopback::Redirect::Code(code) = receiving.await.unwrap() else { panic!("a code") };
    assert_eq!(Some(code.expose().clone()), visit.code);
    let answer = redeem(&identity, &code, &redirect_uri, &verifier, &scopes).await.unwrap();
    let id_token = answer.id_token.unwrap().expose().clone();
    let (http, authority) = (&identity.inner.http, &identity.config().authority);
    let client = spconnect_emulator::SPCONNECT_CLIENT_ID;
    let account = id_token::verify(http, authority, client, Some(&nonce), &id_token).await.unwrap();
    assert_eq!(account.username, USER.0);
    let checks = [
        (client, Some("another-nonce"), id_token.clone(), "nonce"),
        (
            "00000000-0000-0000-0000-000000000001",
            Some(nonce.as_str()),
            id_token.clone(),
            "another application",
        ),
        (
            client,
            Some(nonce.as_str()),
            format!("{}AAAA", &id_token[..id_token.len() - 4]),
            "signature",
        ),
    ];
    for (client_id, expected_nonce, token, why) in checks {
        let error =
            id_token::verify(http, authority, client_id, expected_nonce, &token).await.unwrap_err();
        assert!(error.to_string().contains(why), "{why}: {error}");
    }
}

#[tokio::test]
async fn no_secret_reaches_logs_errors_or_debug_output() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    // The process-wide subscriber, not a thread-local default: with a thread-local one, another
    // test running at the same time can leave tracing's per-callsite cache saying "nobody listens",
    // and this test's events would be lost (it failed that way now and then). Other tests' events
    // land here too, which only adds text to search for this test's secrets.
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");

    let tenant = Tenant::start();
    let (identity, store) = tenant.identity();
    let mut secrets: Vec<String> = vec![ADMIN.1.to_owned(), USER.1.to_owned()];
    let mut printed: Vec<String> = Vec::new();

    // A full browser sign-in, then a refresh.
    let sign_in = identity.start_browser_sign_in(SignInRequest::new([USER_READ])).await.unwrap();
    secrets.push(sign_in.verifier.expose().clone());
    printed.push(format!("{sign_in:?} {identity:?} {:?}", identity.config()));
    let (redirect_uri, verifier) = (sign_in.redirect_uri(), sign_in.verifier.clone());
    let url = sign_in.authorize_url().to_owned();
    let waiting = tokio::spawn(sign_in.finish());
    let visit = Browser::default().sign_in(&url, ADMIN, Consent::Accept).await;
    let code = visit.code.clone().unwrap();
    secrets.push(code.clone());
    let account = waiting.await.unwrap().unwrap();
    printed.push(format!("{account:?}"));
    let token = identity.access_token(&account.key, &[USER_READ]).await.unwrap();
    secrets.push(token.token.expose().clone());
    printed.push(format!("{token:?} {:?}", store));
    secrets.push(store.get(&account.key).unwrap().unwrap().expose().clone());
    let eager =
        tenant.identity_sharing(store.clone(), |c| c.refresh_ahead = Duration::from_secs(3 * 3600));
    let refreshed = eager.access_token(&account.key, &[USER_READ]).await.unwrap();
    secrets.push(refreshed.token.expose().clone());
    secrets.push(store.get(&account.key).unwrap().unwrap().expose().clone());

    // Failed flows: a replayed code, a wrong verifier, a revoked refresh token, device codes.
    let scopes = vec![USER_READ.to_owned()];
    let replay = redeem(&identity, &Secret::new(code), &redirect_uri, &verifier, &scopes)
        .await
        .err()
        .unwrap();
    printed.push(format!("{replay} {replay:?}"));
    let wrong = redeem(
        &identity,
        &Secret::from("not-a-code"),
        &redirect_uri,
        &Secret::from("x".repeat(50)),
        &scopes,
    )
    .await
    .err()
    .unwrap();
    printed.push(format!("{wrong} {wrong:?}"));
    tenant.control("POST", &format!("/_emulator/users/{}/revoke-sessions", ADMIN.0), None).await;
    let revoked = eager.access_token(&account.key, &[USER_READ]).await.unwrap_err();
    printed.push(format!("{revoked} {revoked:?}"));
    let device = identity.start_device_code(&[USER_READ]).await.unwrap();
    secrets.push(device.device_code.expose().clone());
    printed.push(format!("{device:?}"));
    let cancel = device.cancel_handle();
    cancel.cancel();
    let cancelled = device.finish().await.unwrap_err();
    printed.push(format!("{cancelled} {cancelled:?}"));

    let logs = captured.text();
    assert!(logs.contains("signed in"), "the logs were captured: {logs}");
    for secret in &secrets {
        assert!(secret.len() >= 8, "a real secret");
        assert!(!logs.contains(secret.as_str()), "a secret in the logs:\n{logs}");
        for text in &printed {
            assert!(!text.contains(secret.as_str()), "a secret in {text}");
        }
    }
}
