//! The control API: faults, latency, replication delay, revocation, MFA, request log, objects.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use spconnect_emulator::{DEMO_TENANT_ID, SPCONNECT_CLIENT_ID};

fn control(client: &Client, method: &str, path: &str, body: serde_json::Value) -> Reply {
    client.send(method, path, "", Some(body), &[])
}

#[test]
fn throttling_and_unavailability_come_with_retry_after_then_clear() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    assert_eq!(
        control(
            &client,
            "POST",
            "/_emulator/faults",
            json!({"kind": "throttle", "pathPrefix": "/v1.0/sites", "count": 2, "retryAfter": 7})
        )
        .status,
        201
    );
    for _ in 0..2 {
        let throttled = client.graph("GET", "/sites/root", &admin, None);
        assert_eq!(throttled.status, 429);
        assert_eq!(throttled.header("retry-after"), Some("7"));
        assert_eq!(throttled.json()["error"]["code"], "activityLimitReached");
    }
    assert_eq!(
        client.graph("GET", "/sites/root", &admin, None).status,
        200,
        "the fault is used up"
    );
    assert_eq!(client.graph("GET", "/me", &admin, None).status, 200, "other paths were never hit");
    control(
        &client,
        "POST",
        "/_emulator/faults",
        json!({"kind": "unavailable", "pathPrefix": format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"), "retryAfter": 3}),
    );
    let code = client.sign_in_code(USER, GRAPH_SCOPES);
    let busy = client.redeem(&code, VERIFIER);
    assert_eq!(busy.status, 503);
    assert_eq!(busy.header("retry-after"), Some("3"));
    assert_eq!(
        busy.json()["error"],
        "temporarily_unavailable",
        "the identity platform's own error shape"
    );
    assert_eq!(client.redeem(&code, VERIFIER).status, 200, "the code is still good after a 503");
}

#[test]
fn a_dropped_connection_is_a_transport_error() {
    let client = Client::start();
    control(
        &client,
        "POST",
        "/_emulator/faults",
        json!({"kind": "drop", "pathPrefix": "/common/discovery"}),
    );
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let dropped = agent
        .get(format!("{}/common/discovery/instance", client.base))
        .call()
        .and_then(|mut r| r.body_mut().read_to_string());
    assert!(dropped.is_err(), "{dropped:?}");
    assert_eq!(client.get("/common/discovery/instance", &[]).status, 200);
}

#[test]
fn latency_is_added_to_every_response() {
    let client = Client::start();
    assert_eq!(control(&client, "PUT", "/_emulator/latency", json!({"ms": 300})).status, 204);
    let started = Instant::now();
    assert_eq!(client.get("/common/discovery/instance", &[]).status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300), "at least the injected latency");
    control(&client, "PUT", "/_emulator/latency", json!({"ms": 0}));
}

#[test]
fn replication_delay_hides_new_objects_from_reads_and_the_token_endpoint() {
    let client = Client::start();
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let cert = TestCert::new(365);
    let (object_id, app_id) = connection_app(&client, &admin, &cert, "Sites.Read.All");
    assert_eq!(
        control(&client, "PUT", "/_emulator/replication-delay", json!({"seconds": 600})).status,
        204
    );
    let created =
        client.graph("POST", "/applications", &admin, Some(json!({"displayName": "Fresh"})));
    assert_eq!(created.status, 201, "creating answers at once");
    let fresh_id = created.json()["id"].as_str().expect("id").to_owned();
    let read = client.graph("GET", &format!("/applications/{fresh_id}"), &admin, None);
    assert_eq!(read.status, 404);
    assert_eq!(read.json()["error"]["code"], "Request_ResourceNotFound");
    let fresh_app_id = created.json()["appId"].as_str().expect("appId").to_owned();
    let sp =
        client.graph("POST", "/servicePrincipals", &admin, Some(json!({"appId": fresh_app_id})));
    assert_eq!(sp.status, 400);
    assert!(sp.text.contains("does not reference a valid application object"), "{}", sp.text);
    assert_eq!(
        client.graph("GET", &format!("/applications/{object_id}"), &admin, None).status,
        404,
        "older objects count from their own creation"
    );
    let token = client_credentials(
        &client,
        &app_id,
        &cert.assertion(&app_id, &token_url(&client), false, 0),
        "https://graph.microsoft.com/.default",
    );
    assert_eq!(token.status, 400);
    assert_eq!(token.json()["error_codes"], json!([700016]));
    control(&client, "PUT", "/_emulator/replication-delay", json!({"seconds": 0}));
    assert_eq!(client.graph("GET", &format!("/applications/{fresh_id}"), &admin, None).status, 200);
    let token = client_credentials(
        &client,
        &app_id,
        &cert.assertion(&app_id, &token_url(&client), false, 0),
        "https://graph.microsoft.com/.default",
    );
    assert_eq!(token.status, 200, "{}", token.text);
}

#[test]
fn revoked_sessions_and_required_mfa_stop_refresh_tokens() {
    let client = Client::start();
    let refresh = |rt: &str| {
        client.form(
            &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
            &[
                ("client_id", SPCONNECT_CLIENT_ID),
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                ("scope", "User.Read"),
            ],
            &[],
        )
    };
    let rt = client.user_token(USER)["refresh_token"].as_str().expect("rt").to_owned();
    assert_eq!(
        control(
            &client,
            "PUT",
            &format!("/_emulator/users/{}/mfa", USER.0),
            json!({"required": true})
        )
        .status,
        204
    );
    let mfa = refresh(&rt).json();
    assert_eq!(mfa["error"], "interaction_required");
    assert_eq!(mfa["suberror"], "basic_action");
    assert_eq!(mfa["error_codes"], json!([50076]));
    control(
        &client,
        "PUT",
        &format!("/_emulator/users/{}/mfa", USER.0),
        json!({"required": false}),
    );
    assert_eq!(refresh(&rt).status, 200);
    assert_eq!(
        client
            .send("POST", &format!("/_emulator/users/{}/revoke-sessions", USER.0), "", None, &[])
            .status,
        204
    );
    let revoked = refresh(&rt).json();
    assert_eq!(revoked["error"], "invalid_grant");
    assert_eq!(revoked["error_codes"], json!([50173]));
    let fresh = client.user_token(USER)["refresh_token"].as_str().expect("rt").to_owned();
    assert_eq!(refresh(&fresh).status, 200, "a new sign-in works again");
}

#[test]
fn the_request_log_and_objects_show_what_happened_without_secrets() {
    let client = Client::start();
    let tokens = client.user_token(ADMIN);
    let admin = tokens["access_token"].as_str().expect("at").to_owned();
    client.graph("POST", "/applications", &admin, Some(json!({"displayName": "Logged app"})));
    let log = client.get("/_emulator/requests", &[]);
    let paths: Vec<String> = log.json()["value"]
        .as_array()
        .expect("log")
        .iter()
        .map(|e| e["path"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("/oauth2/v2.0/token"))
            && paths.iter().any(|p| p == "/v1.0/applications"),
        "{paths:?}"
    );
    for secret in
        [tokens["access_token"].as_str(), tokens["refresh_token"].as_str(), Some(VERIFIER)]
            .into_iter()
            .flatten()
    {
        assert!(!log.text.contains(secret), "the log holds no secret");
    }
    let objects = client.get("/_emulator/objects", &[]).json();
    assert!(
        objects["value"][0]["applications"]
            .as_array()
            .expect("apps")
            .iter()
            .any(|a| a["displayName"] == "Logged app")
    );
    assert_eq!(
        client.get("/_emulator/requests", &[("Host", "graph.microsoft.com")]).status,
        404,
        "not on a Microsoft host"
    );
    assert!(client.get("/_emulator", &[]).text.contains("replication-delay"));
}
