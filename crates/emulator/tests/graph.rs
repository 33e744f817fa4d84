//! Microsoft Graph and SharePoint REST over loopback: the operations spconnect uses, their
//! authorization rules, OData options, paging and the error envelope.

mod common;

use common::*;
use serde_json::{Value, json};
use spconnect_emulator::DEMO_TENANT_ID;

fn assert_graph_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string());
    let inner = &body["error"]["innerError"];
    for field in ["date", "request-id", "client-request-id"] {
        assert!(inner[field].is_string(), "{field} missing in {body}");
    }
    assert_eq!(reply.header("request-id"), inner["request-id"].as_str());
}

fn token(client: &Client, user: (&str, &str)) -> String {
    client.user_token(user)["access_token"].as_str().expect("at").to_owned()
}

#[test]
fn me_organization_and_directory_roles() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let me = client.graph("GET", "/me", &admin, None).json();
    assert_eq!(me["userPrincipalName"], ADMIN.0);
    assert!(
        me["@odata.context"].as_str().expect("context").ends_with("/v1.0/$metadata#users/$entity")
    );
    let selected = client.graph("GET", "/me?$select=displayName", &admin, None).json();
    assert!(
        selected.get("userPrincipalName").is_none() && selected["displayName"].is_string(),
        "{selected}"
    );
    let organization = client.graph("GET", "/organization", &admin, None).json();
    assert_eq!(organization["value"][0]["id"], DEMO_TENANT_ID);
    let roles = client.graph("GET", "/me/transitiveMemberOf", &admin, None).json();
    assert_eq!(roles["value"][0]["roleTemplateId"], "62e90394-69f5-4237-9190-012177145e10");
    let user_roles =
        client.graph("GET", "/me/transitiveMemberOf", &token(&client, USER), None).json();
    assert_eq!(user_roles["value"], json!([]));
}

#[test]
fn tokens_are_checked_the_way_graph_checks_them() {
    let client = Client::start();
    assert_graph_error(&client.graph("GET", "/me", "", None), 401, "InvalidAuthenticationToken");
    assert_graph_error(
        &client.graph("GET", "/me", "not.a.token", None),
        401,
        "InvalidAuthenticationToken",
    );
    let tokens = client.user_token(ADMIN);
    let sharepoint = client.form(
        &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
        &[
            ("client_id", spconnect_emulator::SPCONNECT_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().expect("rt")),
            ("scope", "https://contoso.sharepoint.com/.default"),
        ],
        &[],
    );
    let wrong_audience = sharepoint.json()["access_token"].as_str().expect("at").to_owned();
    assert_graph_error(
        &client.graph("GET", "/me", &wrong_audience, None),
        401,
        "InvalidAuthenticationToken",
    );
    let reply = client.send(
        "GET",
        "/v1.0/nothing-here",
        tokens["access_token"].as_str().expect("at"),
        None,
        &[("client-request-id", "my-id")],
    );
    assert_graph_error(&reply, 400, "BadRequest");
    assert_eq!(reply.json()["error"]["innerError"]["client-request-id"], "my-id");
}

#[test]
fn sites_by_root_id_path_search_and_subsites() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let root = client.graph("GET", "/sites/root", &admin, None).json();
    assert_eq!(root["webUrl"], "https://contoso.sharepoint.com");
    assert!(
        root["root"].is_object() && root["siteCollection"]["hostname"] == "contoso.sharepoint.com"
    );
    let hr = client.graph("GET", "/sites/contoso.sharepoint.com:/sites/hr", &admin, None).json();
    assert_eq!(hr["displayName"], "Human Resources");
    let id = hr["id"].as_str().expect("id").to_owned();
    assert_eq!(id.split(',').count(), 3, "composite id {id}");
    assert_eq!(
        client.graph("GET", &format!("/sites/{id}"), &admin, None).json()["id"],
        id.as_str()
    );
    let by_collection = client
        .graph("GET", &format!("/sites/{}", id.rsplit_once(',').expect("comma").0), &admin, None)
        .json();
    assert_eq!(by_collection["id"], id.as_str());
    let subsites = client.graph("GET", &format!("/sites/{id}/sites"), &admin, None).json();
    assert_eq!(subsites["value"][0]["displayName"], "Benefits");
    assert!(subsites["value"][0].get("root").is_none(), "a subsite is not a collection root");
    let lists_by_path =
        client.graph("GET", "/sites/contoso.sharepoint.com:/sites/hr:/lists", &admin, None);
    assert_eq!(lists_by_path.status, 200, "{}", lists_by_path.text);
    let found = client.graph("GET", "/sites?search=finance", &admin, None).json();
    assert_eq!(found["value"].as_array().expect("list").len(), 1);
    assert_graph_error(
        &client.graph("GET", "/sites/contoso.sharepoint.com:/sites/nope", &admin, None),
        404,
        "itemNotFound",
    );
    assert_graph_error(
        &client.graph("GET", "/sites/getAllSites", &admin, None),
        400,
        "invalidRequest",
    );
}

#[test]
fn lists_hide_system_lists_unless_selected_and_filter_only_on_display_name() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let names = |reply: Value| {
        reply["value"]
            .as_array()
            .expect("list")
            .iter()
            .map(|l| l["name"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    let lists = names(client.graph("GET", "/sites/root/lists", &admin, None).json());
    assert!(
        lists.contains(&"Shared Documents".to_owned()) && !lists.contains(&"appdata".to_owned()),
        "{lists:?}"
    );
    let with_system =
        client.graph("GET", "/sites/root/lists?$select=name,system", &admin, None).json();
    assert!(names(with_system.clone()).contains(&"appdata".to_owned()));
    assert!(with_system["value"].as_array().expect("list").iter().any(|l| l["system"].is_object()));
    let filtered = client
        .graph("GET", "/sites/root/lists?$filter=displayName%20eq%20'Documents'", &admin, None)
        .json();
    assert_eq!(names(filtered), ["Shared Documents"]);
    assert_graph_error(
        &client.graph("GET", "/sites/root/lists?$filter=name%20eq%20'x'", &admin, None),
        400,
        "invalidRequest",
    );
}

#[test]
fn columns_carry_exactly_one_type_facet_and_hidden_ones_need_selecting() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let columns = client
        .graph(
            "GET",
            "/sites/contoso.sharepoint.com:/sites/hr:/lists/Employees/columns",
            &admin,
            None,
        )
        .json();
    let facets = [
        "text",
        "number",
        "choice",
        "dateTime",
        "lookup",
        "personOrGroup",
        "boolean",
        "currency",
        "calculated",
        "hyperlinkOrPicture",
        "geolocation",
        "term",
        "thumbnail",
        "contentApprovalStatus",
    ];
    let mut seen = std::collections::BTreeSet::new();
    for column in columns["value"].as_array().expect("list") {
        let present: Vec<&str> =
            facets.iter().copied().filter(|f| column.get(*f).is_some()).collect();
        assert_eq!(present.len(), 1, "{column}");
        seen.insert(present[0]);
        assert_eq!(column["hidden"], false);
    }
    assert_eq!(seen.len(), facets.len(), "every type is covered: {seen:?}");
    let with_hidden = client
        .graph(
            "GET",
            "/sites/contoso.sharepoint.com:/sites/hr:/lists/Employees/columns?$select=name,hidden",
            &admin,
            None,
        )
        .json();
    assert!(with_hidden["value"].as_array().expect("list").iter().any(|c| c["hidden"] == true));
}

#[test]
fn items_expand_selected_fields_and_page_with_next_links() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let base = "/sites/contoso.sharepoint.com:/sites/hr:/lists/Employees/items";
    let first = client
        .graph(
            "GET",
            &format!("{base}?expand=fields(select=Title,Department)&$top=2"),
            &admin,
            None,
        )
        .json();
    let items = first["value"].as_array().expect("list");
    assert_eq!(items.len(), 2);
    let fields = items[0]["fields"].as_object().expect("fields");
    assert!(
        fields.contains_key("Title")
            && fields.contains_key("Department")
            && !fields.contains_key("Salary"),
        "{fields:?}"
    );
    let next = first["@odata.nextLink"].as_str().expect("a next link").to_owned();
    let path = next.strip_prefix(&format!("{}/v1.0", client.base)).expect("same origin");
    let second = client.graph("GET", path, &admin, None).json();
    assert_eq!(second["value"][0]["id"], "3");
    assert!(
        second["value"][0]["fields"]["Department"].is_string(),
        "the expand is kept on the next page"
    );
    let indexed = client
        .graph(
            "GET",
            &format!("{base}?$filter=fields/Department%20eq%20'Engineering'"),
            &admin,
            None,
        )
        .json();
    assert_eq!(indexed["value"].as_array().expect("list").len(), 2);
    let not_indexed =
        client.graph("GET", &format!("{base}?$filter=fields/Level%20eq%205"), &admin, None);
    assert_graph_error(&not_indexed, 400, "invalidRequest");
    assert!(not_indexed.text.contains("HonorNonIndexedQueriesWarningMayFailRandomly"));
    let honoured = client.send(
        "GET",
        &format!("/v1.0{base}?$filter=fields/Level%20eq%205"),
        &admin,
        None,
        &[("Prefer", "HonorNonIndexedQueriesWarningMayFailRandomly")],
    );
    assert_eq!(honoured.json()["value"].as_array().expect("list").len(), 1);
}

#[test]
fn drives_and_library_files() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let drive = client.graph("GET", "/sites/root/drive", &admin, None).json();
    assert_eq!(drive["driveType"], "documentLibrary");
    let children = client
        .graph(
            "GET",
            &format!("/drives/{}/root/children", drive["id"].as_str().expect("id")),
            &admin,
            None,
        )
        .json();
    assert_eq!(children["value"].as_array().expect("list").len(), 3);
    assert!(children["value"][0]["file"]["mimeType"].is_string());
}

#[test]
fn sites_selected_needs_a_site_grant_and_search_shows_nothing() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(&client, &admin, &cert, "Sites.Selected");
    let app_token = || {
        let reply = client_credentials(
            &client,
            &app_id,
            &cert.assertion(&app_id, &token_url(&client), true, 0),
            "https://graph.microsoft.com/.default",
        );
        reply.json()["access_token"].as_str().expect("at").to_owned()
    };
    let hr = "/sites/contoso.sharepoint.com:/sites/hr";
    assert_graph_error(&client.graph("GET", hr, &app_token(), None), 403, "accessDenied");
    let site_id =
        client.graph("GET", hr, &admin, None).json()["id"].as_str().expect("id").to_owned();
    let granted = client.graph("POST", &format!("/sites/{site_id}/permissions"), &admin, Some(json!({"roles": ["read"], "grantedToIdentities": [{"application": {"id": app_id, "displayName": "Test connection"}}]})));
    assert_eq!(granted.status, 201, "{}", granted.text);
    assert_eq!(granted.json()["grantedToIdentitiesV2"][0]["application"]["id"], app_id.as_str());
    assert_eq!(client.graph("GET", hr, &app_token(), None).status, 200);
    assert_eq!(
        client.graph("GET", &format!("{hr}/benefits"), &app_token(), None).status,
        200,
        "a subsite of a granted collection"
    );
    assert_graph_error(
        &client.graph("GET", "/sites/contoso.sharepoint.com:/sites/finance", &app_token(), None),
        403,
        "accessDenied",
    );
    assert_eq!(
        client.graph("GET", "/sites?search=hr", &app_token(), None).json()["value"],
        json!([])
    );
    let user = token(&client, USER);
    assert_graph_error(
        &client.graph("GET", &format!("/sites/{site_id}/permissions"), &user, None),
        403,
        "accessDenied",
    );
}

#[test]
fn applications_crud_upsert_and_restore() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let created = client
        .graph("POST", "/applications", &admin, Some(json!({"displayName": "Upsert me"})))
        .json();
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(
        created["@odata.context"]
            .as_str()
            .expect("ctx")
            .ends_with("$metadata#applications/$entity")
    );
    let filtered = client
        .graph(
            "GET",
            "/applications?$filter=displayName%20eq%20'Upsert%20me'&$select=id,appId",
            &admin,
            None,
        )
        .json();
    assert_eq!(filtered["value"][0]["id"], id.as_str());
    assert!(filtered["value"][0].get("displayName").is_none());
    assert_graph_error(
        &client.graph(
            "POST",
            "/applications",
            &admin,
            Some(json!({"displayName": "x", "color": "red"})),
        ),
        400,
        "Request_BadRequest",
    );
    let patched = client.graph(
        "PATCH",
        &format!("/applications/{id}"),
        &admin,
        Some(json!({"displayName": "Renamed"})),
    );
    assert_eq!(patched.status, 204);
    let upsert = client.send(
        "PATCH",
        "/v1.0/applications(uniqueName='spconnect-hr')",
        &admin,
        Some(json!({"displayName": "HR"})),
        &[("Prefer", "create-if-missing")],
    );
    assert_eq!(upsert.status, 201, "{}", upsert.text);
    let again = client.send(
        "PATCH",
        "/v1.0/applications(uniqueName='spconnect-hr')",
        &admin,
        Some(json!({"displayName": "HR"})),
        &[("Prefer", "create-if-missing")],
    );
    assert_eq!(again.status, 204);
    assert_graph_error(
        &client.graph(
            "PATCH",
            "/applications(uniqueName='missing')",
            &admin,
            Some(json!({"displayName": "x"})),
        ),
        404,
        "Request_ResourceNotFound",
    );
    assert_eq!(client.graph("DELETE", &format!("/applications/{id}"), &admin, None).status, 204);
    assert_graph_error(
        &client.graph("GET", &format!("/applications/{id}"), &admin, None),
        404,
        "Request_ResourceNotFound",
    );
    let deleted = client
        .graph("GET", "/directory/deletedItems/microsoft.graph.application", &admin, None)
        .json();
    assert_eq!(deleted["value"][0]["id"], id.as_str());
    let restored =
        client.graph("POST", &format!("/directory/deletedItems/{id}/restore"), &admin, None);
    assert_eq!(restored.status, 200, "{}", restored.text);
    assert_eq!(
        client.graph("GET", &format!("/applications/{id}"), &admin, None).json()["displayName"],
        "Renamed"
    );
}

#[test]
fn key_credentials_replace_wholesale_and_add_key_needs_a_proof() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let first = TestCert::new(365);
    let (object_id, _) = connection_app(&client, &admin, &first, "Sites.Read.All");
    let keys = client
        .graph("GET", &format!("/applications/{object_id}?$select=keyCredentials"), &admin, None)
        .json();
    assert_eq!(
        keys["keyCredentials"][0]["key"],
        first.base64(),
        "the key is returned for a single object with $select"
    );
    let listed = client.graph("GET", "/applications", &admin, None).json();
    assert!(listed["value"][0]["keyCredentials"][0]["key"].is_null(), "but not in lists");
    let second = TestCert::new(365);
    let added = client.graph("POST", &format!("/applications/{object_id}/addKey"), &admin, Some(json!({"keyCredential": {"type": "AsymmetricX509Cert", "usage": "Verify", "key": second.base64()}, "passwordCredential": null, "proof": first.proof(&object_id)})));
    assert_eq!(added.status, 200, "{}", added.text);
    let key_id = added.json()["keyId"].as_str().expect("keyId").to_owned();
    let bad_proof = client.graph("POST", &format!("/applications/{object_id}/addKey"), &admin, Some(json!({"keyCredential": {"type": "AsymmetricX509Cert", "usage": "Verify", "key": second.base64()}, "passwordCredential": null, "proof": TestCert::new(1).proof(&object_id)})));
    assert_graph_error(&bad_proof, 400, "Request_BadRequest");
    let removed = client.graph(
        "POST",
        &format!("/applications/{object_id}/removeKey"),
        &admin,
        Some(json!({"keyId": key_id, "proof": first.proof(&object_id)})),
    );
    assert_eq!(removed.status, 204, "{}", removed.text);
    let replaced = client.graph("PATCH", &format!("/applications/{object_id}"), &admin, Some(json!({"keyCredentials": [{"type": "AsymmetricX509Cert", "usage": "Verify", "key": second.base64()}]})));
    assert_eq!(replaced.status, 204);
    let keys = client
        .graph("GET", &format!("/applications/{object_id}?$select=keyCredentials"), &admin, None)
        .json();
    assert_eq!(keys["keyCredentials"].as_array().expect("list").len(), 1);
    assert_eq!(keys["keyCredentials"][0]["key"], second.base64());
    assert_graph_error(&client.graph("PATCH", &format!("/applications/{object_id}"), &admin, Some(json!({"keyCredentials": [{"type": "AsymmetricX509Cert", "usage": "Verify", "key": "bm90IGEgY2VydA=="}]}))), 400, "Request_BadRequest");
}

#[test]
fn only_a_global_admin_grants_graph_app_roles() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(&client, &admin, &cert, "Sites.Selected");
    let sp =
        client.graph("GET", &format!("/servicePrincipals(appId='{app_id}')"), &admin, None).json();
    let cloud_admin = token(&client, CLOUD_ADMIN);
    for (resource, role, expected) in [
        ("00000003-0000-0000-c000-000000000000", "332a536c-c7ef-4017-ab91-336970924f0d", 403),
        ("00000003-0000-0ff1-ce00-000000000000", "20d37865-089c-4dee-8c41-6967602d4ac8", 201),
    ] {
        let resource_sp = client
            .graph(
                "GET",
                &format!("/servicePrincipals(appId='{resource}')?$select=id"),
                &cloud_admin,
                None,
            )
            .json();
        let resource_id = resource_sp["id"].as_str().expect("id");
        let reply = client.graph(
            "POST",
            &format!("/servicePrincipals/{resource_id}/appRoleAssignedTo"),
            &cloud_admin,
            Some(json!({"principalId": sp["id"], "resourceId": resource_id, "appRoleId": role})),
        );
        assert_eq!(reply.status, expected, "{resource}: {}", reply.text);
        if expected == 403 {
            assert_graph_error(&reply, 403, "Authorization_RequestDenied");
        }
    }
    // A user without an admin role may register applications (the tenant default), but not grant.
    let user = token(&client, USER);
    assert_eq!(
        client.graph("POST", "/applications", &user, Some(json!({"displayName": "x"}))).status,
        201
    );
    let spo = client
        .graph(
            "GET",
            "/servicePrincipals(appId='00000003-0000-0ff1-ce00-000000000000')?$select=id",
            &user,
            None,
        )
        .json();
    let spo_id = spo["id"].as_str().expect("id");
    let reply = client.graph("POST", &format!("/servicePrincipals/{spo_id}/appRoleAssignedTo"), &user, Some(json!({"principalId": sp["id"], "resourceId": spo_id, "appRoleId": "d13f72ca-a275-4b96-b789-48ebcc4da984"})));
    assert_graph_error(&reply, 403, "Authorization_RequestDenied");
}

#[test]
fn sharepoint_rest_accepts_certificate_tokens_and_refuses_secret_ones() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let cert = TestCert::new(365);
    let (object_id, app_id) = connection_app(&client, &admin, &cert, "Sites.Read.All");
    grant_sharepoint_read(&client, &admin, &app_id);
    let reply = client_credentials(
        &client,
        &app_id,
        &cert.assertion(&app_id, &token_url(&client), false, 0),
        "https://contoso.sharepoint.com/.default",
    );
    let sp_token = reply.json()["access_token"].as_str().expect("at").to_owned();
    let web = client.send(
        "GET",
        "/sites/hr/_api/web",
        &sp_token,
        None,
        &[("Accept", "application/json;odata=nometadata")],
    );
    assert_eq!(web.status, 200, "{}", web.text);
    assert_eq!(web.json()["Title"], "Human Resources");
    let lists = client
        .send(
            "GET",
            "/sites/hr/_api/web/lists",
            &sp_token,
            None,
            &[("Accept", "application/json;odata=verbose")],
        )
        .json();
    assert!(lists["d"]["results"].as_array().expect("results").len() >= 5);
    let items = client
        .send(
            "GET",
            "/sites/hr/_api/web/lists/getbytitle('Employees')/items",
            &sp_token,
            None,
            &[("Host", "contoso.sharepoint.com")],
        )
        .json();
    assert_eq!(items["value"].as_array().expect("items").len(), 5);
    let graph_token = client_credentials(
        &client,
        &app_id,
        &cert.assertion(&app_id, &token_url(&client), false, 0),
        "https://graph.microsoft.com/.default",
    )
    .json()["access_token"]
        .as_str()
        .expect("at")
        .to_owned();
    assert_eq!(
        client.send("GET", "/_api/web", &graph_token, None, &[]).status,
        401,
        "a Graph token is for Graph"
    );

    // The same app with a client secret: Graph accepts its app-only token, SharePoint does not.
    let secret = client.graph(
        "POST",
        &format!("/applications/{object_id}/addPassword"),
        &admin,
        Some(json!({"passwordCredential": {"displayName": "test secret"}})),
    );
    assert_eq!(secret.status, 200, "{}", secret.text);
    let secret_text = secret.json()["secretText"].as_str().expect("returned once").to_owned();
    let listed = client.graph("GET", &format!("/applications/{object_id}"), &admin, None).json();
    assert!(listed["passwordCredentials"][0]["secretText"].is_null(), "never returned again");
    let with_secret = |scope: &str| {
        client.form(
            &format!("/{}/oauth2/v2.0/token", spconnect_emulator::DEMO_TENANT_ID),
            &[
                ("client_id", &app_id),
                ("client_secret", &secret_text),
                ("scope", scope),
                ("grant_type", "client_credentials"),
            ],
            &[],
        )
    };
    let graph_secret_token =
        with_secret("https://graph.microsoft.com/.default").json()["access_token"]
            .as_str()
            .expect("at")
            .to_owned();
    assert_eq!(claims(&graph_secret_token)["appidacr"], "1");
    assert_eq!(
        client.graph("GET", "/sites/root", &graph_secret_token, None).status,
        200,
        "Graph accepts secret-based app-only tokens"
    );
    let sharepoint_secret_token =
        with_secret("https://contoso.sharepoint.com/.default").json()["access_token"]
            .as_str()
            .expect("at")
            .to_owned();
    let refused = client.send("GET", "/sites/hr/_api/web", &sharepoint_secret_token, None, &[]);
    assert_eq!(refused.status, 401, "{}", refused.text);
    assert_eq!(refused.json()["error_description"], "Unsupported app only token.");
    let all_sites = client.graph("GET", "/sites/getAllSites", &graph_secret_token, None).json();
    assert_eq!(
        all_sites["value"].as_array().expect("sites").len(),
        4,
        "the demo tenant's site collections"
    );
    let key_id = secret.json()["keyId"].as_str().expect("keyId").to_owned();
    assert_eq!(
        client
            .graph(
                "POST",
                &format!("/applications/{object_id}/removePassword"),
                &admin,
                Some(json!({"keyId": key_id}))
            )
            .status,
        204
    );
    let after = with_secret("https://graph.microsoft.com/.default").json();
    assert_eq!(after["error_codes"], json!([7000215]), "a removed secret no longer works");
}

#[test]
fn batches_run_in_dependency_order_and_fail_dependents_with_424() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let reply = client.graph("POST", "/$batch", &admin, Some(json!({"requests": [
        {"id": "1", "method": "GET", "url": "/sites/root"},
        {"id": "2", "method": "GET", "url": "/sites/contoso.sharepoint.com:/sites/missing", "dependsOn": ["1"]},
        {"id": "3", "method": "GET", "url": "/me?$select=displayName", "dependsOn": ["2"]},
        {"id": "4", "method": "POST", "url": "/applications", "body": {"displayName": "From a batch"}, "headers": {"Content-Type": "application/json"}},
        {"id": "5", "method": "POST", "url": "/applications", "body": {"displayName": "No content type"}},
    ]})));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let responses = reply.json()["responses"].as_array().expect("responses").clone();
    let status =
        |id: &str| responses.iter().find(|r| r["id"] == id).expect("present")["status"].as_u64();
    assert_eq!(status("1"), Some(200));
    assert_eq!(status("2"), Some(404));
    assert_eq!(status("3"), Some(424));
    assert_eq!(status("4"), Some(201));
    assert_eq!(status("5"), Some(400));
    let too_many: Vec<Value> =
        (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"})).collect();
    assert_graph_error(
        &client.graph("POST", "/$batch", &admin, Some(json!({"requests": too_many}))),
        400,
        "BadRequest",
    );
    let duplicate = json!({"requests": [{"id": "a", "method": "GET", "url": "/me"}, {"id": "A", "method": "GET", "url": "/me"}]});
    assert_graph_error(
        &client.graph("POST", "/$batch", &admin, Some(duplicate)),
        400,
        "BadRequest",
    );
}

#[test]
fn lists_expand_columns_content_types_and_items() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let list = client.graph("GET", "/sites/contoso.sharepoint.com:/sites/hr:/lists/Employees?$expand=columns,contentTypes,items(expand=fields)", &admin, None).json();
    assert!(list["columns"].as_array().expect("columns").len() > 10, "{list}");
    assert!(list["columns"].as_array().expect("columns").iter().all(|c| c["hidden"] == false));
    assert_eq!(list["contentTypes"][0]["name"], "Item");
    assert_eq!(list["items"].as_array().expect("items").len(), 5);
    assert!(list["items"][0]["fields"]["Title"].is_string());
    let plain = client
        .graph("GET", "/sites/contoso.sharepoint.com:/sites/hr:/lists/Employees", &admin, None)
        .json();
    assert!(
        plain.get("columns").is_none() && plain.get("items").is_none(),
        "nothing expanded unless asked"
    );
}

#[test]
fn expanded_columns_and_items_honour_their_nested_select() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let lists = client
        .graph(
            "GET",
            "/sites/contoso.sharepoint.com:/sites/hr:/lists?$select=id,displayName&$expand=columns($select=name,required,text),items($select=id;$expand=fields($select=Title))",
            &admin,
            None,
        )
        .json();
    let employees = lists["value"]
        .as_array()
        .expect("lists")
        .iter()
        .find(|l| l["displayName"] == "Employees")
        .expect("the Employees list");
    let title = employees["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["name"] == "Title")
        .expect("Title");
    let mut keys: Vec<&str> =
        title.as_object().expect("column").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["name", "required", "text"], "{title}");
    let item = &employees["items"][0];
    assert!(item["id"].is_string() && item.get("webUrl").is_none(), "{item}");
    let fields: Vec<&String> = item["fields"].as_object().expect("fields").keys().collect();
    assert!(fields.iter().all(|k| *k == "Title" || k.starts_with('@')), "{fields:?}");
}

#[test]
fn a_401_says_how_to_authenticate() {
    let client = Client::start();
    let reply = client.graph("GET", "/me", "", None);
    assert_eq!(reply.status, 401);
    let challenge = reply.header("www-authenticate").expect("a challenge");
    assert!(
        challenge.starts_with("Bearer ")
            && challenge.contains("00000003-0000-0000-c000-000000000000"),
        "{challenge}"
    );
}

#[test]
fn only_owners_and_admins_change_an_application() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let user = token(&client, USER);
    let admins_app = client
        .graph("POST", "/applications", &admin, Some(json!({"displayName": "Admin's"})))
        .json();
    let id = admins_app["id"].as_str().expect("id").to_owned();
    assert_graph_error(
        &client.graph(
            "PATCH",
            &format!("/applications/{id}"),
            &user,
            Some(json!({"displayName": "Mine now"})),
        ),
        403,
        "Authorization_RequestDenied",
    );
    assert_graph_error(
        &client.graph(
            "POST",
            &format!("/applications/{id}/addPassword"),
            &user,
            Some(json!({"passwordCredential": {}})),
        ),
        403,
        "Authorization_RequestDenied",
    );
    assert_graph_error(
        &client.graph("DELETE", &format!("/applications/{id}"), &user, None),
        403,
        "Authorization_RequestDenied",
    );
    let own =
        client.graph("POST", "/applications", &user, Some(json!({"displayName": "User's"}))).json();
    let own_id = own["id"].as_str().expect("id").to_owned();
    assert_eq!(
        client
            .graph(
                "PATCH",
                &format!("/applications/{own_id}"),
                &user,
                Some(json!({"displayName": "Renamed"}))
            )
            .status,
        204,
        "an owner may"
    );
    assert_eq!(
        client
            .graph(
                "PATCH",
                &format!("/applications/{own_id}"),
                &token(&client, CLOUD_ADMIN),
                Some(json!({"notes": "checked"}))
            )
            .status,
        204,
        "an application admin may"
    );
    assert_eq!(client.graph("DELETE", &format!("/applications/{own_id}"), &user, None).status, 204);
    assert_graph_error(
        &client.graph("POST", &format!("/directory/deletedItems/{own_id}/restore"), &user, None),
        403,
        "Authorization_RequestDenied",
    );
    assert_eq!(
        client
            .graph("POST", &format!("/directory/deletedItems/{own_id}/restore"), &admin, None)
            .status,
        200
    );
}

#[test]
fn directory_queries_enforce_page_size_and_eventual_consistency() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    for name in ["Gamma", "alpha", "Beta"] {
        client.graph("POST", "/applications", &admin, Some(json!({"displayName": name})));
    }
    assert_graph_error(
        &client.graph("GET", "/applications?$top=1000", &admin, None),
        400,
        "Request_UnsupportedQuery",
    );
    assert_graph_error(
        &client.graph("GET", "/applications?$count=true", &admin, None),
        400,
        "Request_UnsupportedQuery",
    );
    let eventual = [("ConsistencyLevel", "eventual")];
    let counted = client
        .send(
            "GET",
            "/v1.0/applications?$count=true&$search=%22displayName:alp%22",
            &admin,
            None,
            &eventual,
        )
        .json();
    assert_eq!(counted["@odata.count"], 1);
    assert_eq!(counted["value"][0]["displayName"], "alpha");
    let ordered = client
        .graph("GET", "/applications?$orderby=displayName&$select=displayName", &admin, None)
        .json();
    let names: Vec<&str> = ordered["value"]
        .as_array()
        .expect("apps")
        .iter()
        .filter_map(|a| a["displayName"].as_str())
        .collect();
    assert_eq!(names, ["alpha", "Beta", "Gamma"]);
}

#[test]
fn site_grants_have_unique_ids_and_root_sites_can_be_filtered() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let site_id = client.graph("GET", "/sites/root", &admin, None).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let grant = |app: &str| {
        client.graph("POST", &format!("/sites/{site_id}/permissions"), &admin, Some(json!({"roles": ["read"], "grantedToIdentities": [{"application": {"id": app, "displayName": "x"}}]}))).json()["id"].as_str().expect("id").to_owned()
    };
    let first = grant("11111111-1111-4111-8111-111111111111");
    let second = grant("22222222-2222-4222-8222-222222222222");
    assert_eq!(
        client
            .graph("DELETE", &format!("/sites/{site_id}/permissions/{first}"), &admin, None)
            .status,
        204
    );
    let third = grant("33333333-3333-4333-8333-333333333333");
    assert_ne!(second, third);
    let roots = client
        .graph("GET", "/sites?filter=root%20ne%20null&select=siteCollection,webUrl", &admin, None)
        .json();
    assert_eq!(
        roots["value"].as_array().expect("sites").len(),
        4,
        "site collections only, no subsites"
    );
}

#[test]
fn sharepoint_rest_checks_the_token_before_anything_and_speaks_verbose() {
    let client = Client::start();
    assert_eq!(
        client.send("GET", "/sites/nowhere/_api/web", "", None, &[]).status,
        401,
        "401 before 404"
    );
    let tokens = client.user_token(ADMIN);
    let sharepoint = client.form(
        &format!("/{}/oauth2/v2.0/token", spconnect_emulator::DEMO_TENANT_ID),
        &[
            ("client_id", spconnect_emulator::SPCONNECT_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().expect("rt")),
            ("scope", "https://contoso.sharepoint.com/.default"),
        ],
        &[],
    );
    let token = sharepoint.json()["access_token"].as_str().expect("at").to_owned();
    let verbose = client
        .send(
            "GET",
            "/sites/hr/_api/web/lists/getbytitle('Employees')/items",
            &token,
            None,
            &[("Accept", "application/json;odata=verbose")],
        )
        .json();
    assert_eq!(verbose["d"]["results"][0]["__metadata"]["type"], "SP.Data.EmployeesListItem");
    let plain = client.send("GET", "/sites/hr/_api/web", &token, None, &[]).json();
    assert!(plain.get("__metadata").is_none() && plain["Title"] == "Human Resources");
}
