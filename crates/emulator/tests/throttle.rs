//! The throttling model (resource units per app per tenant, per-user counting, RateLimit headers,
//! 429 with Retry-After, `$batch` inner requests charged one by one), fraction faults and the
//! resource units in the request log.

mod common;

use common::*;
use serde_json::{Value, json};

fn control(client: &Client, method: &str, path: &str, body: Value) -> Reply {
    client.send(method, path, "", Some(body), &[])
}

fn token(client: &Client, user: (&str, &str)) -> String {
    client.user_token(user)["access_token"].as_str().expect("access token").to_owned()
}

#[test]
fn an_unavailable_batch_request_says_the_service_is_unavailable_not_throttled() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    control(
        &client,
        "POST",
        "/_emulator/faults",
        json!({"kind": "unavailable", "pathPrefix": "/v1.0/sites", "retryAfter": 4}),
    );
    let reply = client.graph(
        "POST",
        "/$batch",
        &admin,
        Some(json!({"requests": [{"id": "1", "method": "GET", "url": "/sites/root"}]})),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let inner = &reply.json()["responses"][0];
    assert_eq!(inner["status"], 503);
    assert_eq!(inner["headers"]["Retry-After"], "4");
    assert_eq!(inner["body"]["error"]["code"], "serviceNotAvailable", "{inner}");
}

/// Switches the model on for the demo tenant with `limits` and minute windows of `seconds`.
fn throttle_demo(client: &Client, limits: Value, seconds: u64) {
    let mut tenant = limits;
    tenant["tenant"] = json!("contoso.onmicrosoft.com");
    let set = control(
        client,
        "PUT",
        "/_emulator/throttling",
        json!({"enabled": true, "windows": {"minute": seconds, "day": 86_400, "user": seconds}, "tenants": [tenant]}),
    );
    assert_eq!(set.status, 200, "{}", set.text);
}

fn logged(client: &Client) -> Vec<Value> {
    client.get("/_emulator/requests", &[]).json()["value"].as_array().expect("log").clone()
}

fn seconds(reply: &Reply, header: &str) -> u64 {
    reply.header(header).unwrap_or_else(|| panic!("no {header}")).parse().expect("seconds")
}

#[test]
fn the_model_is_off_by_default_and_charges_nothing() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    assert_eq!(client.get("/_emulator/throttling", &[]).json()["enabled"], false);
    let described = client.get("/_emulator", &[]).text;
    assert!(described.contains("/_emulator/throttling") && described.contains("fraction"));
    for _ in 0..30 {
        let reply = client.graph("GET", "/sites/root", &admin, None);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("ratelimit-limit"), None);
    }
    assert!(logged(&client).iter().all(|e| e["ru"] == 0), "nothing is charged while off");
}

#[test]
fn rate_limit_headers_from_80_percent_then_429_with_retry_after_then_a_new_window() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    throttle_demo(&client, json!({"perMinute": 10}), 3);
    for used in 1..=10u64 {
        let reply = client.graph("GET", "/sites/root", &admin, None);
        assert_eq!(reply.status, 200, "request {used}: {}", reply.text);
        if used < 8 {
            assert_eq!(reply.header("ratelimit-limit"), None, "below 80% at {used} RU");
        } else {
            assert_eq!(reply.header("ratelimit-limit"), Some("10"));
            assert_eq!(seconds(&reply, "ratelimit-remaining"), 10 - used);
            assert!((1..=3).contains(&seconds(&reply, "ratelimit-reset")));
        }
    }
    let throttled = client.graph("GET", "/sites/root", &admin, None);
    assert_eq!(throttled.status, 429);
    let retry_after = seconds(&throttled, "retry-after");
    assert!((1..=3).contains(&retry_after), "until the window ends: {retry_after}");
    assert_eq!(seconds(&throttled, "ratelimit-reset"), retry_after);
    assert_eq!(throttled.header("ratelimit-remaining"), Some("0"));
    let body = throttled.json();
    assert_eq!(body["error"]["code"], "activityLimitReached", "{body}");
    assert_eq!(body["error"]["innerError"]["code"], "throttledRequest", "{body}");
    assert_eq!(body["error"]["innerError"]["innerError"]["code"], "quota", "{body}");
    assert_eq!(throttled.header("request-id"), body["error"]["innerError"]["request-id"].as_str());
    assert_eq!(client.graph("GET", "/me", &admin, None).status, 200, "not a SharePoint call");
    std::thread::sleep(std::time::Duration::from_secs(retry_after));
    let again = client.graph("GET", "/sites/root", &admin, None);
    assert_eq!(again.status, 200, "the budget refilled: {}", again.text);
    assert_eq!(again.header("ratelimit-limit"), None);
    let usage = client.get("/_emulator/throttling", &[]).json();
    assert_eq!(usage["apps"][0]["minute"]["used"], 1);
    assert_eq!(usage["apps"][0]["day"]["used"], 12, "the throttled request counted too");
}

#[test]
fn the_request_log_records_the_resource_units_of_each_request() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    throttle_demo(&client, json!({"licenses": 20_000}), 60);
    let site = client.graph("GET", "/sites/root", &admin, None).json();
    let site_id = site["id"].as_str().expect("id").to_owned();
    client.graph("GET", &format!("/sites/{site_id}/lists"), &admin, None);
    client.graph("GET", &format!("/sites/{site_id}/permissions"), &admin, None);
    client.graph("GET", "/me", &admin, None);
    let ru =
        |path: &str| logged(&client).iter().find(|e| e["path"] == path).map(|e| e["ru"].clone());
    assert_eq!(ru("/v1.0/sites/root"), Some(json!(1)), "a single item");
    assert_eq!(ru(&format!("/v1.0/sites/{site_id}/lists")), Some(json!(2)), "a collection");
    assert_eq!(ru(&format!("/v1.0/sites/{site_id}/permissions")), Some(json!(5)), "permissions");
    assert_eq!(ru("/v1.0/me"), Some(json!(0)), "outside SharePoint");
    let state = client.get("/_emulator/throttling", &[]).json();
    let tenant = &state["tenants"][0];
    assert_eq!(tenant["licenses"], 20_000);
    assert_eq!(
        (tenant["perMinute"].clone(), tenant["perDay"].clone()),
        (json!(5_000), json!(4_800_000))
    );
    assert_eq!(state["apps"][0]["day"]["used"], 8);
    let unknown = control(
        &client,
        "PUT",
        "/_emulator/throttling",
        json!({"tenants": [{"tenant": "nowhere.onmicrosoft.com", "licenses": 1}]}),
    );
    assert_eq!(unknown.status, 404);
}

#[test]
fn delegated_calls_are_also_counted_per_user() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let user = token(&client, USER);
    throttle_demo(&client, json!({"perMinute": 1_000, "userRequests": 3}), 60);
    for _ in 0..3 {
        assert_eq!(client.graph("GET", "/sites/root", &admin, None).status, 200);
    }
    let throttled = client.graph("GET", "/sites/root", &admin, None);
    assert_eq!(throttled.status, 429, "{}", throttled.text);
    assert!(seconds(&throttled, "retry-after") >= 1);
    assert_eq!(throttled.header("ratelimit-limit"), None, "not the app budget that throttles");
    let other = client.graph("GET", "/sites/root", &user, None);
    assert_eq!(other.status, 200, "another user of the same app: {}", other.text);
}

#[test]
fn batch_requests_are_charged_and_throttled_one_by_one() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    throttle_demo(&client, json!({"perMinute": 5}), 60);
    let requests: Vec<Value> = (1..=7)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/sites/root"}))
        .chain(std::iter::once(json!({"id": "me", "method": "GET", "url": "/me"})))
        .collect();
    let reply = client.graph("POST", "/$batch", &admin, Some(json!({"requests": requests})));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let responses = reply.json()["responses"].as_array().expect("responses").clone();
    let response = |id: &str| responses.iter().find(|r| r["id"] == id).expect("present").clone();
    for id in ["1", "2", "3"] {
        assert_eq!(response(id)["status"], 200);
        assert!(response(id)["headers"].get("RateLimit-Limit").is_none());
    }
    assert_eq!(response("4")["headers"]["RateLimit-Remaining"], "1");
    assert_eq!(response("5")["status"], 200);
    assert_eq!(response("5")["headers"]["RateLimit-Remaining"], "0");
    for id in ["6", "7"] {
        let throttled = response(id);
        assert_eq!(throttled["status"], 429);
        let retry_after: u64 =
            throttled["headers"]["Retry-After"].as_str().expect("Retry-After").parse().expect("n");
        assert!((1..=60).contains(&retry_after));
        assert_eq!(throttled["body"]["error"]["code"], "activityLimitReached");
    }
    assert_eq!(response("me")["status"], 200, "outside SharePoint, never throttled");
    let batch = logged(&client).into_iter().find(|e| e["path"] == "/v1.0/$batch").expect("logged");
    assert_eq!(batch["ru"], 7, "the batch's requests, throttled ones included");
}

#[test]
fn sharepoint_rest_counts_against_the_same_app_budget_and_answers_in_its_own_shape() {
    let client = Client::start_with(spconnect_emulator::Config {
        throttle: true,
        ..spconnect_emulator::Config::default()
    });
    assert_eq!(client.get("/_emulator/throttling", &[]).json()["enabled"], true, "--throttle");
    let admin = token(&client, ADMIN);
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(&client, &admin, &cert, "Sites.Read.All");
    grant_sharepoint_read(&client, &admin, &app_id);
    let app_token = |scope: &str| {
        let reply = client_credentials(
            &client,
            &app_id,
            &cert.assertion(&app_id, &token_url(&client), false, 0),
            scope,
        );
        reply.json()["access_token"].as_str().expect("access token").to_owned()
    };
    let rest = app_token("https://contoso.sharepoint.com/.default");
    let graph = app_token("https://graph.microsoft.com/.default");
    throttle_demo(&client, json!({"perMinute": 4}), 60);
    for _ in 0..2 {
        assert_eq!(client.graph("GET", "/sites/root", &graph, None).status, 200);
    }
    assert_eq!(client.send("GET", "/sites/hr/_api/web", &rest, None, &[]).status, 200);
    let lists = client.send("GET", "/sites/hr/_api/web/lists", &rest, None, &[]);
    assert_eq!(lists.status, 429, "1 + 1 + 1 + 2 RU is past 4: {}", lists.text);
    assert!(seconds(&lists, "retry-after") >= 1);
    assert!(lists.json()["odata.error"]["code"].is_string(), "SharePoint's error shape");
    assert_eq!(lists.header("ratelimit-remaining"), Some("0"));
    let graph_after = client.graph("GET", "/sites/root", &graph, None);
    assert_eq!(graph_after.status, 429, "the same budget");
}

/// The statuses of `n` GET /me: which ones the fraction fault hit.
fn pattern(client: &Client, admin: &str, n: usize) -> Vec<u16> {
    (0..n).map(|_| client.graph("GET", "/me", admin, None).status).collect()
}

#[test]
fn a_fraction_fault_hits_that_share_of_requests_repeatably_with_the_same_seed() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let fault = |seed: u64| {
        let added = control(
            &client,
            "POST",
            "/_emulator/faults",
            json!({"kind": "throttle", "pathPrefix": "/v1.0/me", "fraction": 0.3, "seed": seed, "retryAfter": 2}),
        );
        assert_eq!(added.status, 201, "{}", added.text);
    };
    fault(42);
    let listed = client.get("/_emulator/faults", &[]).json();
    assert_eq!(
        (listed["value"][0]["fraction"].clone(), listed["value"][0]["seed"].clone()),
        (json!(0.3), json!(42))
    );
    let first = pattern(&client, &admin, 60);
    client.send("DELETE", "/_emulator/faults", "", None, &[]);
    fault(42);
    let second = pattern(&client, &admin, 60);
    client.send("DELETE", "/_emulator/faults", "", None, &[]);
    fault(7);
    let other_seed = pattern(&client, &admin, 60);
    client.send("DELETE", "/_emulator/faults", "", None, &[]);
    assert_eq!(first, second, "the same seed hits the same requests");
    assert_ne!(first, other_seed, "another seed hits others");
    let hits = first.iter().filter(|s| **s == 429).count();
    assert!((8..=30).contains(&hits), "about 30% of 60: {hits}");
    assert!(first.iter().all(|s| *s == 200 || *s == 429));
    assert_eq!(pattern(&client, &admin, 5), vec![200; 5], "cleared");
    let bad =
        control(&client, "POST", "/_emulator/faults", json!({"kind": "throttle", "fraction": 1.5}));
    assert_eq!(bad.status, 400);
}
