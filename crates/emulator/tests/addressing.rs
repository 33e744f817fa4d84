//! Graph addressing and the guard around each operation: the `myorganization` alias,
//! `odata.metadata=none`, unknown paths and methods, batch faults in the right shape, and
//! operations hammered concurrently (one guard per operation: no index found under one lock and
//! used under another).

mod common;

use common::*;
use serde_json::{Value, json};

fn token(client: &Client, user: (&str, &str)) -> String {
    client.user_token(user)["access_token"].as_str().expect("at").to_owned()
}

#[test]
fn myorganization_is_the_callers_tenant() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    for path in ["/myorganization/servicePrincipals", "/myorganization/applications"] {
        let reply = client.graph("GET", path, &admin, None);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert!(reply.json()["value"].is_array());
    }
    let graph = client.graph(
        "GET",
        "/myorganization/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')",
        &admin,
        None,
    );
    assert_eq!(graph.json()["displayName"], "Microsoft Graph", "{}", graph.text);
}

#[test]
fn metadata_none_drops_control_information_but_keeps_next_links() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let accept = [("Accept", "application/json;odata.metadata=none")];
    let page = client.send(
        "GET",
        "/v1.0/sites/contoso.sharepoint.com:/sites/hr:/lists/Employees/items?expand=fields&$top=2",
        &admin,
        None,
        &accept,
    );
    assert_eq!(page.status, 200, "{}", page.text);
    let body = page.json();
    assert!(body.get("@odata.context").is_none(), "{body}");
    assert!(body["@odata.nextLink"].is_string(), "nextLink is kept: {body}");
    let first = &body["value"][0];
    assert!(first.get("@odata.etag").is_none() && first["fields"].get("@odata.etag").is_none());
    assert!(first["eTag"].is_string(), "plain properties stay: {first}");
    let full = client.graph(
        "GET",
        "/sites/contoso.sharepoint.com:/sites/hr:/lists/Employees/items?expand=fields&$top=2",
        &admin,
        None,
    );
    assert!(full.json()["@odata.context"].is_string(), "without the header nothing is dropped");
    let batch = client.graph("POST", "/$batch", &admin, Some(json!({"requests": [
        {"id": "1", "method": "GET", "url": "/sites/root", "headers": {"Accept": "application/json;odata.metadata=none"}},
        {"id": "2", "method": "GET", "url": "/sites/root"},
    ]})));
    let responses = batch.json()["responses"].clone();
    let body_of = |id: &str| -> Value {
        responses.as_array().expect("responses").iter().find(|r| r["id"] == id).expect("id")["body"]
            .clone()
    };
    assert!(body_of("1").get("@odata.context").is_none());
    assert!(body_of("2")["@odata.context"].is_string());
}

#[test]
fn metadata_none_applies_to_lists_written_straight_from_the_model() {
    // Lists with their columns are written as text rather than built as a tree of values; the
    // header applies to them all the same, on their own and inside a batch.
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let path = "/sites/contoso.sharepoint.com:/sites/hr:/lists?$expand=columns($select=name)";
    let accept = [("Accept", "application/json;odata.metadata=none")];
    let bare = client.send("GET", &format!("/v1.0{path}"), &admin, None, &accept).json();
    assert!(bare.get("@odata.context").is_none(), "{bare}");
    let first = &bare["value"][0];
    assert!(first.get("@odata.etag").is_none() && first["eTag"].is_string(), "{first}");
    let column = first["columns"][0].as_object().expect("a column");
    assert_eq!(column.keys().collect::<Vec<_>>(), ["name"], "{column:?}");
    let full = client.graph("GET", path, &admin, None).json();
    assert!(full["@odata.context"].is_string() && full["value"][0]["@odata.etag"].is_string());
    let batch = client.graph("POST", "/$batch", &admin, Some(json!({"requests": [
        {"id": "1", "method": "GET", "url": path, "headers": {"Accept": "application/json;odata.metadata=none"}},
        {"id": "2", "method": "GET", "url": path},
    ]})));
    let responses = batch.json()["responses"].clone();
    let body_of = |id: &str| -> Value {
        responses.as_array().expect("responses").iter().find(|r| r["id"] == id).expect("id")["body"]
            .clone()
    };
    assert!(body_of("1").get("@odata.context").is_none(), "{}", batch.text);
    assert_eq!(body_of("1")["value"], bare["value"]);
    assert!(body_of("2")["@odata.context"].is_string());
    assert_eq!(body_of("2")["value"][0]["columns"], full["value"][0]["columns"]);
}

#[test]
fn unknown_segments_and_methods_are_answered_as_graph_does() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let unknown = client.graph("GET", "/applications/x/nonsense", &admin, None);
    assert_eq!(unknown.status, 400);
    assert!(unknown.json()["error"]["message"].as_str().expect("m").contains("'nonsense'"));
    let wrong_method = client.graph("PUT", "/applications", &admin, Some(json!({})));
    assert_eq!(wrong_method.status, 405, "{}", wrong_method.text);
    let nested = client.graph("POST", "/$batch", &admin, Some(json!({"requests": [
        {"id": "1", "method": "POST", "url": "/$batch", "body": {"requests": []}, "headers": {"Content-Type": "application/json"}},
    ]})));
    assert_eq!(nested.json()["responses"][0]["status"], 400, "{}", nested.text);
}

#[test]
fn a_503_inside_a_batch_says_the_service_is_unavailable() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let fault =
        json!({"kind": "unavailable", "pathPrefix": "/v1.0/sites", "count": 1, "retryAfter": 3});
    assert!(client.send("POST", "/_emulator/faults", "", Some(fault), &[]).status < 300);
    let batch = client.graph(
        "POST",
        "/$batch",
        &admin,
        Some(json!({"requests": [
            {"id": "1", "method": "GET", "url": "/sites/root"},
        ]})),
    );
    let inner = &batch.json()["responses"][0];
    assert_eq!(inner["status"], 503, "{inner}");
    assert_eq!(inner["body"]["error"]["code"], "serviceNotAvailable", "{inner}");
    assert_eq!(inner["headers"]["Retry-After"], "3");
    assert!(inner["body"]["error"]["innerError"]["request-id"].is_string());
}

/// Reproduced before the route table: 2 of 20 rounds of 32 concurrent upserts created two
/// applications with the same `uniqueName`.
#[test]
fn concurrent_unique_name_upserts_create_exactly_one_application() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    for round in 0..20 {
        let name = format!("race-{round}");
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..32)
                .map(|_| {
                    let (client, admin, name) = (&client, &admin, &name);
                    scope.spawn(move || {
                        client
                            .send(
                                "PATCH",
                                &format!("/v1.0/applications(uniqueName='{name}')"),
                                admin,
                                Some(json!({"displayName": name})),
                                &[("Prefer", "create-if-missing")],
                            )
                            .status
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "round {round}: {statuses:?}"
        );
        assert!(statuses.iter().all(|s| *s == 201 || *s == 204), "{statuses:?}");
        let found = client.send(
            "GET",
            &format!("/v1.0/applications?$filter=uniqueName%20eq%20'{name}'"),
            &admin,
            None,
            &[],
        );
        assert_eq!(found.json()["value"].as_array().expect("value").len(), 1, "round {round}");
    }
}

/// Before, a purge found its application's index under a read lock and removed that index under
/// the write lock: a concurrent purge in between made it remove another application.
#[test]
fn concurrent_purges_remove_exactly_their_own_applications() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let create = |name: &str| -> String {
        let reply =
            client.graph("POST", "/applications", &admin, Some(json!({"displayName": name})));
        reply.json()["id"].as_str().expect("id").to_owned()
    };
    let keeper = create("keeper");
    for round in 0..4 {
        let doomed: Vec<String> = (0..40).map(|i| create(&format!("doomed-{round}-{i}"))).collect();
        for id in &doomed {
            assert_eq!(
                client.graph("DELETE", &format!("/applications/{id}"), &admin, None).status,
                204
            );
        }
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = doomed
                .iter()
                .map(|id| {
                    let (client, admin) = (&client, &admin);
                    scope.spawn(move || {
                        client
                            .graph("DELETE", &format!("/directory/deletedItems/{id}"), admin, None)
                            .status
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        assert!(statuses.iter().all(|s| *s == 204), "{statuses:?}");
        let deleted = client.graph(
            "GET",
            "/directory/deletedItems/microsoft.graph.application",
            &admin,
            None,
        );
        assert_eq!(deleted.json()["value"].as_array().expect("value").len(), 0, "{}", deleted.text);
        assert_eq!(
            client.graph("GET", &format!("/applications/{keeper}"), &admin, None).status,
            200
        );
    }
}
