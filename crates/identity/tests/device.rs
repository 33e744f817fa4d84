//! The device code sign-in against the emulator: approval on `/devicelogin`, decline, expiry
//! (the emulator's clock moved forward) and cancel. Polls honour the emulator's 5 s interval.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{ADMIN, Browser, Consent, NOT_CONSENTED, Tenant, USER, USER_READ};
use serde_json::json;
use spconnect_identity::{IdentityError, RefreshTokenStore};

#[tokio::test(flavor = "multi_thread")]
async fn signs_in_with_a_device_code() {
    let tenant = Tenant::start();
    let (identity, store) = tenant.identity();
    let device = identity.start_device_code(&[USER_READ]).await.unwrap();
    assert_eq!(device.user_code().len(), 9);
    assert!(device.verification_uri().ends_with("/devicelogin"));
    assert!(device.message().contains(device.user_code()));
    assert!(device.expires_in() > Duration::from_secs(800));
    let (uri, code) = (device.verification_uri().to_owned(), device.user_code().to_owned());
    let started = Instant::now();
    let waiting = tokio::spawn(device.finish());
    Browser::default().device_login(&uri, &code, USER, Consent::Accept).await;
    let account = waiting.await.unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_secs(5), "the first poll waits for the interval");
    assert_eq!(account.username, USER.0);
    assert!(store.get(&account.key).unwrap().is_some());
    let token = identity.access_token(&account.key, &[USER_READ]).await.unwrap();
    assert_eq!(tenant.me(token.token.expose()).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declined_device_sign_in_is_explained() {
    let tenant = Tenant::start();
    let (identity, _) = tenant.identity();
    let device = identity.start_device_code(&[NOT_CONSENTED]).await.unwrap();
    let (uri, code) = (device.verification_uri().to_owned(), device.user_code().to_owned());
    let waiting = tokio::spawn(device.finish());
    let page = Browser::default().device_login(&uri, &code, ADMIN, Consent::Cancel).await;
    assert!(page.contains("declined"), "{page}");
    let error = waiting.await.unwrap().unwrap_err();
    assert!(matches!(error, IdentityError::DeviceCodeDeclined), "{error:?}");
    assert!(error.to_string().contains("declined"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_device_code_is_explained() {
    let tenant = Tenant::start();
    let (identity, _) = tenant.identity();
    let device = identity.start_device_code(&[USER_READ]).await.unwrap();
    assert_eq!(
        tenant.control("PUT", "/_emulator/clock", Some(json!({"advanceSeconds": 1000}))).await,
        200
    );
    let error = device.finish().await.unwrap_err();
    assert!(matches!(error, IdentityError::DeviceCodeExpired), "{error:?}");
    assert!(error.to_string().contains("Start again"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_sign_in_can_be_cancelled_while_polling() {
    let tenant = Tenant::start();
    let (identity, _) = tenant.identity();
    let device = identity.start_device_code(&[USER_READ]).await.unwrap();
    let cancel = device.cancel_handle();
    let waiting = tokio::spawn(device.finish());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    cancel.cancel();
    let error = waiting.await.unwrap().unwrap_err();
    assert!(matches!(error, IdentityError::Cancelled), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "cancelled at once, not after the interval"
    );
}
