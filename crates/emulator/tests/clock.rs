//! The controllable clock: `PUT /_emulator/clock` moves the emulator's time forward, and codes,
//! access tokens and certificate credentials expire on it.

mod common;

use common::*;
use serde_json::{Value, json};

fn advance(client: &Client, seconds: i64) -> Value {
    let reply =
        client.send("PUT", "/_emulator/clock", "", Some(json!({"advanceSeconds": seconds})), &[]);
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

#[test]
fn the_clock_reads_moves_forward_and_never_back() {
    let client = Client::start();
    let before = client.get("/_emulator/clock", &[]).json();
    assert_eq!(before["offsetSeconds"], 0, "{before}");
    let moved = advance(&client, 3600);
    assert_eq!(moved["offsetSeconds"], 3600, "{moved}");
    let now = time::OffsetDateTime::parse(
        moved["now"].as_str().expect("now"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339");
    let ahead = now - time::OffsetDateTime::now_utc();
    assert!(ahead > time::Duration::minutes(59) && ahead < time::Duration::minutes(61), "{ahead}");

    let back =
        client.send("PUT", "/_emulator/clock", "", Some(json!({"advanceSeconds": -60})), &[]);
    assert_eq!(back.status, 400, "{}", back.text);
    let past = client.send(
        "PUT",
        "/_emulator/clock",
        "",
        Some(json!({"now": "2020-01-01T00:00:00Z"})),
        &[],
    );
    assert_eq!(past.status, 400, "{}", past.text);
    let to = (time::OffsetDateTime::now_utc() + time::Duration::days(2))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let set = client.send("PUT", "/_emulator/clock", "", Some(json!({"now": to})), &[]);
    assert_eq!(set.status, 200, "{}", set.text);
    let offset = set.json()["offsetSeconds"].as_i64().expect("offset");
    assert!((2 * 86400 - 5..=2 * 86400).contains(&offset), "{offset}");

    let described = client.get("/_emulator", &[]).json();
    assert!(described.to_string().contains("/_emulator/clock"), "{described}");
}

#[test]
fn an_authorization_code_expires_after_ten_minutes_on_the_clock() {
    let client = Client::start();
    let code = client.sign_in_code(ADMIN, GRAPH_SCOPES);
    advance(&client, 11 * 60);
    let reply = client.redeem(&code, VERIFIER);
    assert_eq!(reply.status, 400, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert_eq!(body["error_codes"], json!([70008]), "{body}");

    // A code younger than ten minutes on the clock is still good.
    let fresh = client.sign_in_code(ADMIN, GRAPH_SCOPES);
    advance(&client, 9 * 60);
    assert_eq!(client.redeem(&fresh, VERIFIER).status, 200);
}

#[test]
fn an_access_token_is_refused_by_graph_once_the_clock_passes_its_expiry() {
    let client = Client::start();
    let token = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    assert_eq!(client.graph("GET", "/me", &token, None).status, 200);
    let exp = claims(&token)["exp"].as_i64().expect("exp");
    let left = exp - time::OffsetDateTime::now_utc().unix_timestamp();
    advance(&client, left - 120);
    assert_eq!(client.graph("GET", "/me", &token, None).status, 200, "two minutes before exp");
    advance(&client, 240);
    let reply = client.graph("GET", "/me", &token, None);
    assert_eq!(reply.status, 401, "{}", reply.text);
    assert_eq!(reply.json()["error"]["code"], "InvalidAuthenticationToken", "{}", reply.text);
}

#[test]
fn a_certificate_credential_past_its_end_date_is_refused_with_aadsts700027() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let cert = TestCert::new(1);
    let (object_id, app_id) = connection_app(&client, &admin, &cert, "Sites.Read.All");
    let app = client.graph("GET", &format!("/applications/{object_id}"), &admin, None).json();
    let end = app["keyCredentials"][0]["endDateTime"].as_str().expect("endDateTime").to_owned();
    let audience = token_url(&client);
    let scope = "https://graph.microsoft.com/.default";
    let ok =
        client_credentials(&client, &app_id, &cert.assertion(&app_id, &audience, false, 0), scope);
    assert_eq!(ok.status, 200, "{}", ok.text);

    let moved = advance(&client, 2 * 86400);
    assert!(moved["now"].as_str().expect("now") > end.as_str(), "{moved} vs {end}");
    // The client's own clock is in step with the emulator's, so only the key is out of date.
    let assertion = cert.assertion(&app_id, &audience, false, 2 * 86400);
    let reply = client_credentials(&client, &app_id, &assertion, scope);
    assert_eq!(reply.status, 401, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["error"], "invalid_client", "{body}");
    assert_eq!(body["error_codes"], json!([700027]), "{body}");
    assert!(body["error_description"].as_str().expect("text").contains("expired"), "{body}");
}

#[test]
fn a_device_code_expires_after_fifteen_minutes_on_the_clock() {
    let client = Client::start();
    let start = client.form(
        &format!("/{}/oauth2/v2.0/devicecode", spconnect_emulator::DEMO_TENANT_ID),
        &[("client_id", spconnect_emulator::SPCONNECT_CLIENT_ID), ("scope", GRAPH_SCOPES)],
        &[],
    );
    assert_eq!(start.status, 200, "{}", start.text);
    let body = start.json();
    advance(&client, body["expires_in"].as_i64().expect("expires_in") + 60);
    // The person can no longer enter the code, and polling says it expired.
    let page =
        client.form("/devicelogin", &[("otc", body["user_code"].as_str().expect("code"))], &[]);
    assert!(!page.text.contains("name=\"ctx\""), "the sign-in form is not offered: {}", page.text);
    let poll = client.form(
        &format!("/{}/oauth2/v2.0/token", spconnect_emulator::DEMO_TENANT_ID),
        &[
            ("client_id", spconnect_emulator::SPCONNECT_CLIENT_ID),
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("device_code", body["device_code"].as_str().expect("device code")),
        ],
        &[],
    );
    assert_eq!(poll.status, 400, "{}", poll.text);
    assert_eq!(poll.json()["error"], "expired_token", "{}", poll.text);
    assert_eq!(poll.json()["error_codes"], json!([70019]), "{}", poll.text);
}

#[test]
fn an_add_key_proof_is_dated_on_the_emulator_clock() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let cert = TestCert::new(365);
    let (object_id, _) = connection_app(&client, &admin, &cert, "Sites.Read.All");
    let day = 86400;
    advance(&client, day);
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let add = |proof: String| {
        let second = TestCert::new(30);
        client.graph("POST", &format!("/applications/{object_id}/addKey"), &admin, Some(json!({"keyCredential": {"type": "AsymmetricX509Cert", "usage": "Verify", "key": second.base64()}, "passwordCredential": null, "proof": proof})))
    };
    let stale = add(cert.proof(&object_id));
    assert_eq!(stale.status, 400, "a proof that expired a day ago on the clock: {}", stale.text);
    let current = add(cert.proof_at(&object_id, day));
    assert_eq!(current.status, 200, "{}", current.text);
}
