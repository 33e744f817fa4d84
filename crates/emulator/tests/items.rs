//! SharePoint content writes over loopback: list items through Graph and SharePoint REST (field
//! rules, versions and `If-Match`, per-site `Sites.Selected` roles), lists and columns created
//! through Graph (hostile names round-trip), and files listed and downloaded.

mod common;

use common::*;
use serde_json::{Value, json};
use spconnect_emulator::{Config, TenantSpec};

const HR: &str = "/sites/contoso.sharepoint.com:/sites/hr";

fn token(client: &Client, user: (&str, &str)) -> String {
    client.user_token(user)["access_token"].as_str().expect("at").to_owned()
}

fn site_id(client: &Client, admin: &str) -> String {
    client.graph("GET", HR, admin, None).json()["id"].as_str().expect("id").to_owned()
}

fn graph_error(reply: &Reply, status: u16, code: &str) -> String {
    assert_eq!(reply.status, status, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    body["error"]["message"].as_str().expect("message").to_owned()
}

/// An app-only Graph token of a new connection app holding `role`.
fn app_token(client: &Client, admin: &str, role: &str) -> (String, String) {
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(client, admin, &cert, role);
    let reply = client_credentials(
        client,
        &app_id,
        &cert.assertion(&app_id, &token_url(client), true, 0),
        "https://graph.microsoft.com/.default",
    );
    (reply.json()["access_token"].as_str().expect("at").to_owned(), app_id)
}

fn grant(client: &Client, admin: &str, site: &str, app_id: &str, role: &str) {
    let granted = client.graph("POST", &format!("/sites/{site}/permissions"), admin, Some(json!({"roles": [role], "grantedToIdentities": [{"application": {"id": app_id, "displayName": "Test connection"}}]})));
    assert_eq!(granted.status, 201, "{}", granted.text);
}

#[test]
fn graph_items_are_created_changed_and_deleted_with_versions() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let site = site_id(&client, &admin);
    let items = format!("/sites/{site}/lists/Employees/items");
    let created = client.graph(
        "POST",
        &items,
        &admin,
        Some(json!({"fields": {
            "Title": "Megan Bowen", "Department": "HR", "Level": 3, "StartDate": "2026-02-03",
            "Remote": true, "Salary": 51000.5, "ManagerLookupId": 7, "HandbookLookupId": "2",
            "Profile": {"Url": "https://contoso.example/megan", "Description": "Profile"},
        }})),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let item = created.json();
    assert_eq!(item["id"], "6", "the next id after the five seeded people");
    assert!(item["eTag"].as_str().expect("eTag").ends_with(",1\""), "{item}");
    assert_eq!(item["createdBy"]["user"]["displayName"], "Adele Vance");
    let fields = &item["fields"];
    assert_eq!(fields["StartDate"], "2026-02-03T00:00:00Z");
    assert_eq!(fields["ManagerLookupId"], "7");
    assert_eq!(fields["HandbookLookupId"], "2");
    assert_eq!(fields["AuthorLookupId"], "6");
    assert_eq!(fields["_UIVersionString"], "1.0");
    assert!(fields["Created"].as_str().expect("Created").ends_with('Z'));
    let created_at = item["createdDateTime"].as_str().expect("createdDateTime");
    assert_eq!(created_at.len(), "2026-01-15T09:00:00Z".len(), "whole seconds: {created_at}");

    let etag = item["eTag"].as_str().expect("eTag").to_owned();
    let patched = client.send(
        "PATCH",
        &format!("/v1.0{items}/6/fields"),
        &admin,
        Some(json!({"Level": 4, "Notes": "Promoted"})),
        &[("If-Match", &etag)],
    );
    assert_eq!(patched.status, 200, "{}", patched.text);
    let patched = patched.json();
    assert_eq!(patched["Level"], 4.0);
    assert_eq!(patched["_UIVersionString"], "2.0");
    assert!(patched["@odata.etag"].as_str().expect("etag").ends_with(",2\""), "{patched}");
    let stale = client.send(
        "PATCH",
        &format!("/v1.0{items}/6/fields"),
        &admin,
        Some(json!({"Level": 5})),
        &[("If-Match", &etag)],
    );
    graph_error(&stale, 412, "resourceModified");
    let read = client.graph("GET", &format!("{items}/6?expand=fields"), &admin, None).json();
    assert_eq!(read["fields"]["Level"], 4.0, "the stale change was not applied");

    assert_eq!(client.graph("DELETE", &format!("{items}/6"), &admin, None).status, 204);
    graph_error(&client.graph("GET", &format!("{items}/6"), &admin, None), 404, "itemNotFound");
    let again = client.graph("POST", &items, &admin, Some(json!({"fields": {"Title": "Next"}})));
    assert_eq!(again.json()["id"], "7", "item ids are never reused");
}

#[test]
fn graph_refuses_fields_the_way_sharepoint_does() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let site = site_id(&client, &admin);
    let items = format!("/sites/{site}/lists/Employees/items");
    let refused = |fields: Value| {
        graph_error(
            &client.graph("POST", &items, &admin, Some(json!({"fields": fields}))),
            400,
            "invalidRequest",
        )
    };
    assert_eq!(refused(json!({"Title": "A", "Nope": 1})), "Field 'Nope' is not recognized");
    assert_eq!(
        refused(json!({"Title": "A", "Created": "2026-01-01"})),
        "Field 'Created' is read-only"
    );
    assert_eq!(refused(json!({"Title": "A", "Tenure": 3})), "Field 'Tenure' is read-only");
    assert_eq!(
        refused(json!({"Title": "A", "AuthorLookupId": 7})),
        "Field 'AuthorLookupId' is read-only"
    );
    assert_eq!(refused(json!({"Department": "HR"})), "Field 'Title' is required");
    assert!(refused(json!({"Title": "A", "Level": 11})).contains("Level"));
    assert!(refused(json!({"Title": "A", "Level": "many"})).contains("Edm.Double"));
    assert!(refused(json!({"Title": "A", "Remote": "yes"})).contains("Edm.Boolean"));
    assert!(refused(json!({"Title": "A", "StartDate": "yesterday"})).contains("Edm.DateTime"));
    assert!(refused(json!({"Title": "A", "Department": "Marketing"})).contains("choices"));
    assert!(refused(json!({"Title": "x".repeat(256)})).contains("255"));
    assert!(refused(json!({"Title": "A", "HandbookLookupId": 99})).contains("does not exist"));
    assert!(
        refused(json!({"Title": "A", "Profile": {"Url": "javascript:alert(1)"}})).contains("URL")
    );
    let clear_title =
        client.graph("PATCH", &format!("{items}/1/fields"), &admin, Some(json!({"Title": null})));
    assert_eq!(graph_error(&clear_title, 400, "invalidRequest"), "Field 'Title' is required");
}

#[test]
fn items_update_through_the_item_and_libraries_take_files_not_items() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let site = site_id(&client, &admin);
    let item = format!("/sites/{site}/lists/Employees/items/2");
    let patched =
        client.graph("PATCH", &item, &admin, Some(json!({"fields": {"Department": "Sales"}})));
    assert_eq!(patched.status, 200, "{}", patched.text);
    let patched = patched.json();
    assert_eq!(patched["fields"]["Department"], "Sales");
    assert_eq!(patched["lastModifiedBy"]["user"]["displayName"], "Adele Vance");
    assert!(patched["eTag"].as_str().expect("eTag").ends_with(",2\""));

    let documents = format!("/sites/{site}/lists/Documents/items");
    let refused = client.graph("POST", &documents, &admin, Some(json!({"fields": {"Title": "x"}})));
    assert_eq!(
        graph_error(&refused, 400, "invalidRequest"),
        "Files and folders should only be added to a DocumentLibrary via the OneDrive API"
    );
    let retitled =
        client.graph("PATCH", &format!("{documents}/1/fields"), &admin, Some(json!({"Title": ""})));
    assert_eq!(retitled.status, 200, "a library's Title is optional: {}", retitled.text);

    let writer = sharepoint_token(&client, &admin, SP_READ_WRITE_ALL);
    let rest = client.send(
        "POST",
        "/sites/hr/_api/web/lists/getbytitle('Documents')/items",
        &writer,
        Some(json!({"Title": "x"})),
        &[],
    );
    assert_eq!(
        sp_error(&rest, 400, "-2147024809, System.ArgumentException"),
        "To add an item to a document library, use SPFileCollection.Add()"
    );
}

#[test]
fn site_grants_and_permissions_decide_who_writes() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let site = site_id(&client, &admin);
    let items = format!("/sites/{site}/lists/Employees/items");
    let body = || Some(json!({"fields": {"Title": "From an app"}}));
    let new_list = || Some(json!({"displayName": format!("L{}", uuid::Uuid::new_v4().simple())}));

    let (reader, _) = app_token(&client, &admin, "Sites.Read.All");
    graph_error(&client.graph("POST", &items, &reader, body()), 403, "accessDenied");
    let (writer, _) = app_token(&client, &admin, "Sites.ReadWrite.All");
    let created = client.graph("POST", &items, &writer, body());
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["createdBy"]["user"]["displayName"], "SharePoint App");
    graph_error(
        &client.graph("POST", &format!("/sites/{site}/lists"), &writer, new_list()),
        403,
        "accessDenied",
    );
    let (manager, _) = app_token(&client, &admin, "Sites.Manage.All");
    assert_eq!(
        client.graph("POST", &format!("/sites/{site}/lists"), &manager, new_list()).status,
        201
    );

    // Sites.Selected: the grant's role on this site collection, nothing elsewhere.
    let (selected, app_id) = app_token(&client, &admin, "Sites.Selected");
    grant(&client, &admin, &site, &app_id, "read");
    assert_eq!(client.graph("GET", &items, &selected, None).status, 200, "read may read");
    graph_error(&client.graph("POST", &items, &selected, body()), 403, "accessDenied");
    let permissions =
        client.graph("GET", &format!("/sites/{site}/permissions"), &admin, None).json();
    let grant_id = permissions["value"][0]["id"].as_str().expect("grant").to_owned();
    let raised = client.graph(
        "PATCH",
        &format!("/sites/{site}/permissions/{grant_id}"),
        &admin,
        Some(json!({"roles": ["write"]})),
    );
    assert_eq!(raised.status, 200, "{}", raised.text);
    assert_eq!(client.graph("POST", &items, &selected, body()).status, 201, "write may write");
    graph_error(
        &client.graph("POST", &format!("/sites/{site}/lists"), &selected, new_list()),
        403,
        "accessDenied",
    );
    let finance = client.graph("GET", "/sites/contoso.sharepoint.com:/sites/finance", &admin, None);
    let finance = finance.json()["id"].as_str().expect("id").to_owned();
    graph_error(
        &client.graph(
            "POST",
            &format!("/sites/{finance}/lists/Announcements/items"),
            &selected,
            body(),
        ),
        403,
        "accessDenied",
    );
    client.graph(
        "PATCH",
        &format!("/sites/{site}/permissions/{grant_id}"),
        &admin,
        Some(json!({"roles": ["owner"]})),
    );
    assert_eq!(
        client.graph("POST", &format!("/sites/{site}/lists"), &selected, new_list()).status,
        201,
        "owner may create lists"
    );
}

#[test]
fn lists_and_columns_are_created_and_hostile_names_round_trip() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let site = site_id(&client, &admin);
    let hostile = "<script>alert(\"x\")</script> 'Q&A' – ünïcødé 🚀 \\ {}";
    let created = client.graph("POST", &format!("/sites/{site}/lists"), &admin, Some(json!({
        "displayName": hostile,
        "description": "Seeded by a test",
        "columns": [
            {"name": "Notes", "text": {"maxLength": 20}},
            {"name": "Score", "number": {"minimum": 0, "maximum": 100}},
            {"name": "Café Bar", "displayName": "Café <b>Bar</b>", "choice": {"choices": ["a", "b"], "allowTextEntry": true}},
        ],
        "list": {"template": "genericList"},
    })));
    assert_eq!(created.status, 201, "{}", created.text);
    let list = created.json();
    assert_eq!(list["displayName"], hostile);
    assert_eq!(list["list"]["template"], "genericList");
    let list_id = list["id"].as_str().expect("id").to_owned();
    let base = format!("/sites/{site}/lists/{list_id}");
    let read = client.graph("GET", &base, &admin, None).json();
    assert_eq!(read["displayName"], hostile, "the name is stored exactly");

    let columns = client.graph("GET", &format!("{base}/columns"), &admin, None).json();
    let names: Vec<&str> = columns["value"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for name in ["Title", "Notes", "Score", "Caf_x00e9__x0020_Bar", "Created", "Author"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let cafe = columns["value"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["name"] == "Caf_x00e9__x0020_Bar")
        .expect("column")
        .clone();
    assert_eq!(cafe["displayName"], "Café <b>Bar</b>");
    assert_eq!(cafe["choice"]["choices"], json!(["a", "b"]));
    assert_eq!(cafe["choice"]["displayAs"], "dropDownMenu", "defaults are filled in");

    let added = client.graph(
        "POST",
        &format!("{base}/columns"),
        &admin,
        Some(json!({"name": "Due", "dateTime": {"format": "dateOnly"}, "required": true})),
    );
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.json()["dateTime"]["format"], "dateOnly");
    graph_error(
        &client.graph(
            "POST",
            &format!("{base}/columns"),
            &admin,
            Some(json!({"name": "Due", "text": {}})),
        ),
        409,
        "nameAlreadyExists",
    );
    graph_error(
        &client.graph(
            "POST",
            &format!("{base}/columns"),
            &admin,
            Some(json!({"name": "Two", "text": {}, "number": {}})),
        ),
        400,
        "invalidRequest",
    );

    let item = client.graph("POST", &format!("{base}/items"), &admin, Some(json!({"fields": {
        "Title": hostile, "Notes": "short", "Score": 99, "Caf_x00e9__x0020_Bar": "free text", "Due": "2026-03-01",
    }})));
    assert_eq!(item.status, 201, "{}", item.text);
    let item_id = item.json()["id"].as_str().expect("id").to_owned();
    let fields =
        client.graph("GET", &format!("{base}/items/{item_id}/fields"), &admin, None).json();
    assert_eq!(fields["Title"], hostile);
    assert_eq!(fields["Caf_x00e9__x0020_Bar"], "free text", "allowTextEntry takes any text");
    graph_error(
        &client.graph(
            "POST",
            &format!("{base}/items"),
            &admin,
            Some(json!({"fields": {"Title": "No due date"}})),
        ),
        400,
        "invalidRequest",
    );

    let named = client.graph(
        "POST",
        &format!("/sites/{site}/lists"),
        &admin,
        Some(json!({"name": "x", "displayName": "y"})),
    );
    assert!(graph_error(&named, 400, "invalidRequest").contains("assigned by the server"));
    graph_error(
        &client.graph(
            "POST",
            &format!("/sites/{site}/lists"),
            &admin,
            Some(json!({"displayName": hostile})),
        ),
        409,
        "nameAlreadyExists",
    );
    let library = client.graph(
        "POST",
        &format!("/sites/{site}/lists"),
        &admin,
        Some(json!({"displayName": "Contracts", "list": {"template": "documentLibrary"}})),
    );
    assert_eq!(library.status, 201, "{}", library.text);
    let drives = client.graph("GET", &format!("/sites/{site}/drives"), &admin, None).json();
    assert!(drives["value"].as_array().expect("drives").iter().any(|d| d["name"] == "Contracts"));
}

/// A SharePoint REST app-only token (certificate) holding the SharePoint application `role_id`.
fn sharepoint_token(client: &Client, admin: &str, role_id: &str) -> String {
    sharepoint_app(client, admin, role_id).0
}

/// `sharepoint_token`, and the app's client id.
fn sharepoint_app(client: &Client, admin: &str, role_id: &str) -> (String, String) {
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(client, admin, &cert, "Sites.Read.All");
    let sp = client
        .graph("GET", &format!("/servicePrincipals(appId='{app_id}')?$select=id"), admin, None)
        .json();
    let spo = client
        .graph(
            "GET",
            "/servicePrincipals(appId='00000003-0000-0ff1-ce00-000000000000')?$select=id",
            admin,
            None,
        )
        .json();
    let granted = client.graph(
        "POST",
        &format!("/servicePrincipals/{}/appRoleAssignedTo", spo["id"].as_str().expect("id")),
        admin,
        Some(json!({"principalId": sp["id"], "resourceId": spo["id"], "appRoleId": role_id})),
    );
    assert_eq!(granted.status, 201, "{}", granted.text);
    let reply = client_credentials(
        client,
        &app_id,
        &cert.assertion(&app_id, &token_url(client), false, 0),
        "https://contoso.sharepoint.com/.default",
    );
    (reply.json()["access_token"].as_str().expect("at").to_owned(), app_id)
}

const SP_READ_ALL: &str = "d13f72ca-a275-4b96-b789-48ebcc4da984";
const SP_READ_WRITE_ALL: &str = "fbcd29d2-fcca-4405-aded-518d457caae4";
const SP_SITES_SELECTED: &str = "20d37865-089c-4dee-8c41-6967602d4ac8";
const VERBOSE: (&str, &str) = ("Accept", "application/json;odata=verbose");
const VERBOSE_BODY: (&str, &str) = ("Content-Type", "application/json;odata=verbose");

fn sp_error(reply: &Reply, status: u16, code: &str) -> String {
    assert_eq!(reply.status, status, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["odata.error"]["code"], code, "{body}");
    body["odata.error"]["message"]["value"].as_str().expect("message").to_owned()
}

#[test]
fn sharepoint_rest_writes_items_in_verbose_and_nometadata() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let writer = sharepoint_token(&client, &admin, SP_READ_WRITE_ALL);
    let items = "/sites/hr/_api/web/lists/getbytitle('Employees')/items";
    let send = |method: &str, path: &str, body: Option<Value>, headers: &[(&str, &str)]| {
        // A Content-Type given here comes first, before the helper's plain JSON one.
        client.send(method, path, &writer, body, headers)
    };
    let created = send(
        "POST",
        items,
        Some(
            json!({"__metadata": {"type": "SP.Data.EmployeesListItem"}, "Title": "Nestor", "Level": 2, "ManagerId": 7, "OData__ModerationStatus": null}),
        ),
        &[VERBOSE, VERBOSE_BODY],
    );
    // `_ModerationStatus` is SharePoint's: refused even when cleared.
    assert!(
        sp_error(&created, 400, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException")
            .contains("_ModerationStatus")
    );
    let created = send(
        "POST",
        items,
        Some(
            json!({"__metadata": {"type": "SP.Data.EmployeesListItem"}, "Title": "Nestor", "Level": 2, "ManagerId": 7}),
        ),
        &[VERBOSE, VERBOSE_BODY],
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let d = &created.json()["d"];
    assert_eq!(d["Id"], 6);
    assert_eq!(d["ManagerId"], 7);
    assert_eq!(d["AuthorId"], 1_073_741_822, "app-only writes are SharePoint App's");
    assert_eq!(d["__metadata"]["etag"], "\"1\"");
    assert_eq!(d["__metadata"]["type"], "SP.Data.EmployeesListItem");
    assert_eq!(created.header("etag"), Some("\"1\""));

    let wrong_type = send(
        "POST",
        items,
        Some(json!({"__metadata": {"type": "SP.Data.OtherListItem"}, "Title": "x"})),
        &[VERBOSE, VERBOSE_BODY],
    );
    assert!(
        sp_error(&wrong_type, 400, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException")
            .contains("could not be resolved")
    );
    let metadata_in_plain_json = send(
        "POST",
        items,
        Some(json!({"__metadata": {"type": "SP.Data.EmployeesListItem"}, "Title": "x"})),
        &[("Accept", "application/json;odata=nometadata")],
    );
    assert_eq!(
        sp_error(
            &metadata_in_plain_json,
            400,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException"
        ),
        "The property '__metadata' does not exist on type 'SP.Data.EmployeesListItem'. Make sure to only use property names that are defined by the type."
    );
    let read_only = send("POST", items, Some(json!({"Title": "x", "Created": "2020-01-01"})), &[]);
    assert!(
        sp_error(&read_only, 400, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException")
            .contains("read-only")
    );
    let bad_number = send("POST", items, Some(json!({"Title": "x", "Level": "many"})), &[]);
    assert!(
        sp_error(&bad_number, 400, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException")
            .contains("Edm.Double")
    );
    let missing_title = send("POST", items, Some(json!({"Level": 3})), &[]);
    sp_error(&missing_title, 400, "-2146232832, Microsoft.SharePoint.SPFieldValidationException");

    let item = "/sites/hr/_api/web/lists/getbytitle('Employees')/items(6)";
    let merged = send(
        "POST",
        item,
        Some(json!({"__metadata": {"type": "SP.Data.EmployeesListItem"}, "Level": 3})),
        &[VERBOSE_BODY, ("X-HTTP-Method", "MERGE"), ("IF-MATCH", "\"1\"")],
    );
    assert_eq!(merged.status, 204, "{}", merged.text);
    assert_eq!(merged.header("etag"), Some("\"2\""));
    let stale = send(
        "POST",
        item,
        Some(json!({"Level": 4})),
        &[("X-HTTP-Method", "MERGE"), ("IF-MATCH", "\"1\"")],
    );
    assert!(
        sp_error(&stale, 412, "-1, Microsoft.SharePoint.Client.ClientServiceException")
            .contains("does not match the object's ETag value")
    );
    let patched = send("PATCH", item, Some(json!({"Notes": "Patched"})), &[("IF-MATCH", "*")]);
    assert_eq!(patched.status, 204, "{}", patched.text);
    let read = send("GET", item, None, &[("Accept", "application/json;odata=nometadata")]).json();
    assert_eq!(read["Level"], 3.0);
    assert_eq!(read["Notes"], "Patched");
    assert_eq!(read["OData__UIVersionString"], "3.0");
    assert!(read.get("__metadata").is_none());

    // The same item through Graph.
    let site = site_id(&client, &admin);
    let fields = client
        .graph("GET", &format!("/sites/{site}/lists/Employees/items/6/fields"), &admin, None)
        .json();
    assert_eq!(fields["ManagerLookupId"], "7");
    assert_eq!(fields["Notes"], "Patched");

    let deleted = send("POST", item, None, &[("X-HTTP-Method", "DELETE"), ("IF-MATCH", "*")]);
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_eq!(send("GET", item, None, &[]).status, 404);

    let reader = sharepoint_token(&client, &admin, SP_READ_ALL);
    let denied = client.send("POST", items, &reader, Some(json!({"Title": "x"})), &[]);
    sp_error(&denied, 403, "-2147024891, System.UnauthorizedAccessException");

    // Sites.Selected on SharePoint: the site grant's role decides, per site collection.
    let (selected, app_id) = sharepoint_app(&client, &admin, SP_SITES_SELECTED);
    grant(&client, &admin, &site, &app_id, "read");
    assert_eq!(client.send("GET", items, &selected, None, &[]).status, 200, "read may read");
    let refused = client.send("POST", items, &selected, Some(json!({"Title": "x"})), &[]);
    sp_error(&refused, 403, "-2147024891, System.UnauthorizedAccessException");
    let grant_id = client.graph("GET", &format!("/sites/{site}/permissions"), &admin, None).json()
        ["value"][0]["id"]
        .as_str()
        .expect("grant")
        .to_owned();
    client.graph(
        "PATCH",
        &format!("/sites/{site}/permissions/{grant_id}"),
        &admin,
        Some(json!({"roles": ["write"]})),
    );
    let written = client.send("POST", items, &selected, Some(json!({"Title": "x"})), &[]);
    assert_eq!(written.status, 201, "write may write: {}", written.text);
    let elsewhere = client.send(
        "POST",
        "/sites/finance/_api/web/lists/getbytitle('Announcements')/items",
        &selected,
        Some(json!({"Title": "x"})),
        &[],
    );
    sp_error(&elsewhere, 403, "-2147024891, System.UnauthorizedAccessException");
}

const SP_MANAGE_ALL: &str = "9bff6588-13f2-4c48-bbf2-ddab62256b36";

#[test]
fn sharepoint_rest_creates_lists_and_fields() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let writer = sharepoint_token(&client, &admin, SP_READ_WRITE_ALL);
    let manager = sharepoint_token(&client, &admin, SP_MANAGE_ALL);
    let hostile = "Tâches <b>\"urgentes\"</b> & 'co'";
    let body = json!({"__metadata": {"type": "SP.List"}, "BaseTemplate": 100, "Title": hostile, "Description": "From REST"});
    let denied = client.send(
        "POST",
        "/sites/hr/_api/web/lists",
        &writer,
        Some(body.clone()),
        &[VERBOSE, VERBOSE_BODY],
    );
    sp_error(&denied, 403, "-2147024891, System.UnauthorizedAccessException");
    let created = client.send(
        "POST",
        "/sites/hr/_api/web/lists",
        &manager,
        Some(body.clone()),
        &[VERBOSE, VERBOSE_BODY],
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let list = created.json()["d"].clone();
    assert_eq!(list["Title"], hostile);
    assert_eq!(list["BaseTemplate"], 100);
    let again = client.send(
        "POST",
        "/sites/hr/_api/web/lists",
        &manager,
        Some(body),
        &[VERBOSE, VERBOSE_BODY],
    );
    assert!(
        sp_error(&again, 400, "-2130575342, Microsoft.SharePoint.SPException")
            .contains("already exists")
    );

    let list_id = list["Id"].as_str().expect("Id").to_owned();
    let fields = format!("/sites/hr/_api/web/lists(guid'{list_id}')/fields");
    let field = client.send(
        "POST",
        &fields,
        &manager,
        Some(json!({"__metadata": {"type": "SP.FieldNumber"}, "Title": "Effort Days", "MinimumValue": 0, "MaximumValue": 30, "Required": true})),
        &[VERBOSE, VERBOSE_BODY],
    );
    assert_eq!(field.status, 201, "{}", field.text);
    let field = field.json()["d"].clone();
    assert_eq!(field["InternalName"], "Effort_x0020_Days");
    assert_eq!(field["TypeAsString"], "Number");
    let choice = client.send(
        "POST",
        &fields,
        &manager,
        Some(json!({"Title": "Stage", "FieldTypeKind": 6, "Choices": ["New", "Done"]})),
        &[],
    );
    assert_eq!(choice.status, 201, "{}", choice.text);
    let duplicate = client.send(
        "POST",
        &fields,
        &manager,
        Some(json!({"Title": "Stage", "FieldTypeKind": 2})),
        &[],
    );
    assert!(
        sp_error(&duplicate, 400, "-2130575342, Microsoft.SharePoint.SPException")
            .contains("duplicate field name")
    );

    // The new list takes items with its rules, through both services.
    let items = format!("/sites/hr/_api/web/lists(guid'{list_id}')/items");
    let item = client.send(
        "POST",
        &items,
        &writer,
        Some(json!({"Title": hostile, "Effort_x0020_Days": 3, "Stage": "New"})),
        &[],
    );
    assert_eq!(item.status, 201, "{}", item.text);
    let out_of_range = client.send(
        "POST",
        &items,
        &writer,
        Some(json!({"Title": "x", "Effort_x0020_Days": 31})),
        &[],
    );
    sp_error(&out_of_range, 400, "-2146232832, Microsoft.SharePoint.SPFieldValidationException");
    let not_a_choice = client.send(
        "POST",
        &items,
        &writer,
        Some(json!({"Title": "x", "Effort_x0020_Days": 1, "Stage": "Later"})),
        &[],
    );
    sp_error(&not_a_choice, 400, "-2146232832, Microsoft.SharePoint.SPFieldValidationException");
    let site = site_id(&client, &admin);
    let columns =
        client.graph("GET", &format!("/sites/{site}/lists/{list_id}/columns"), &admin, None).json();
    let stage = columns["value"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["name"] == "Stage")
        .expect("Stage")
        .clone();
    assert_eq!(stage["choice"]["choices"], json!(["New", "Done"]));
    let read = client
        .graph("GET", &format!("/sites/{site}/lists/{list_id}/items/1/fields"), &admin, None)
        .json();
    assert_eq!(read["Title"], hostile);
}

#[test]
fn library_files_are_listed_and_downloaded() {
    let client = Client::start();
    let admin = token(&client, ADMIN);
    let site = site_id(&client, &admin);
    let drive = client.graph("GET", &format!("/sites/{site}/drive"), &admin, None).json();
    let drive_id = drive["id"].as_str().expect("drive").to_owned();
    let children =
        client.graph("GET", &format!("/drives/{drive_id}/root/children"), &admin, None).json();
    let files = children["value"].as_array().expect("files").clone();
    assert_eq!(files.len(), 3);
    let welcome = files.iter().find(|f| f["name"] == "Welcome.docx").expect("Welcome.docx");
    let size = welcome["size"].as_u64().expect("size");
    let id = welcome["id"].as_str().expect("id");
    let item = client.graph("GET", &format!("/drives/{drive_id}/items/{id}"), &admin, None).json();
    assert_eq!(item["name"], "Welcome.docx");
    assert_eq!(
        item["file"]["mimeType"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let root = client.graph("GET", &format!("/drives/{drive_id}/root"), &admin, None).json();
    assert_eq!(root["folder"]["childCount"], 3);

    let content =
        client.graph("GET", &format!("/drives/{drive_id}/items/{id}/content"), &admin, None);
    assert_eq!(content.status, 302, "{}", content.text);
    let location = content.location.clone().expect("a download URL");
    let path = location.strip_prefix(&client.base).expect("on the emulator").to_owned();
    let bytes = client.get(&path, &[]);
    assert_eq!(bytes.status, 200, "no bearer token is needed: {}", bytes.text);
    assert_eq!(bytes.text.len() as u64, size);
    assert!(bytes.text.starts_with("Welcome.docx"));
    let via_item = client.graph(
        "GET",
        &format!("/sites/{site}/lists/Documents/items/1/driveItem"),
        &admin,
        None,
    );
    assert_eq!(via_item.json()["id"], id, "the library item's driveItem is the same file");
    let annotated = welcome["@microsoft.graph.downloadUrl"].as_str().expect("downloadUrl");
    assert!(annotated.contains("/sites/hr/_layouts/15/download.aspx?"));
    let tampered = path.replace("tempauth=", "tempauth=x");
    assert_eq!(client.get(&tampered, &[]).status, 401);
    let batch = client.graph(
        "POST",
        "/$batch",
        &admin,
        Some(json!({"requests": [
            {"id": "1", "method": "GET", "url": format!("/drives/{drive_id}/items/{id}/content")},
        ]})),
    );
    let answer = &batch.json()["responses"][0];
    assert_eq!(answer["status"], 302, "{answer}");
    assert!(answer["headers"]["Location"].as_str().expect("Location").contains("tempauth="));

    let sp = sharepoint_token(&client, &admin, SP_READ_ALL);
    let listed = client.send(
        "GET",
        "/sites/hr/_api/web/GetFolderByServerRelativeUrl('/sites/hr/Shared%20Documents')/Files",
        &sp,
        None,
        &[VERBOSE],
    );
    assert_eq!(listed.status, 200, "{}", listed.text);
    let results = listed.json()["d"]["results"].as_array().expect("files").clone();
    assert_eq!(results.len(), 3);
    assert!(
        results.iter().any(|f| f["ServerRelativeUrl"] == "/sites/hr/Shared Documents/Budget.xlsx")
    );
    let value = client.send(
        "GET",
        "/sites/hr/_api/web/GetFileByServerRelativeUrl('/sites/hr/Shared%20Documents/Welcome.docx')/$value",
        &sp,
        None,
        &[],
    );
    assert_eq!(value.status, 200, "{}", value.text);
    assert_eq!(value.text, bytes.text, "the same bytes through both services");
}

#[test]
fn writes_to_a_generated_site_store_its_lists() {
    let client = Client::start_with(Config {
        tenant: TenantSpec::Large { sites: 50, lists: 10, columns: 6 },
        ..Config::default()
    });
    let admin = token(&client, ADMIN);
    let site = client
        .graph("GET", "/sites/contoso.sharepoint.com:/sites/site-00007", &admin, None)
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let items = format!("/sites/{site}/lists/List 02/items");
    let items = items.replace(' ', "%20");
    let created = client.graph(
        "POST",
        &items,
        &admin,
        Some(json!({"fields": {"Title": "Written", "Field002": 4, "Field003": "Green"}})),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["id"], "4");
    let listed = client.graph("GET", &format!("{items}?expand=fields"), &admin, None).json();
    let titles: Vec<&str> = listed["value"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["fields"]["Title"].as_str())
        .collect();
    assert_eq!(titles.len(), 4, "{titles:?}");
    assert!(titles.contains(&"Written"));
    let refused = client.graph(
        "POST",
        &items,
        &admin,
        Some(json!({"fields": {"Title": "x", "Field003": "Purple"}})),
    );
    graph_error(&refused, 400, "invalidRequest");
    let created_list = client.graph(
        "POST",
        &format!("/sites/{site}/lists"),
        &admin,
        Some(json!({"displayName": "Seeded", "columns": [{"name": "Score", "number": {}}]})),
    );
    assert_eq!(created_list.status, 201, "{}", created_list.text);
    let duplicate = client.graph(
        "POST",
        &format!("/sites/{site}/lists"),
        &admin,
        Some(json!({"displayName": "List 03"})),
    );
    graph_error(&duplicate, 409, "nameAlreadyExists");
    let all = client.graph("GET", &format!("/sites/{site}/lists?$top=100"), &admin, None).json();
    let names: Vec<&str> = all["value"]
        .as_array()
        .expect("lists")
        .iter()
        .filter_map(|l| l["displayName"].as_str())
        .collect();
    assert_eq!(names.len(), 11, "ten generated lists and the new one: {names:?}");
    assert!(names.contains(&"Seeded") && names.contains(&"List 10"));
    let second = client.graph("POST", &items, &admin, Some(json!({"fields": {"Title": "Again"}})));
    assert_eq!(second.json()["id"], "5", "the stored list keeps counting");
    let rest_items =
        client.graph("GET", &format!("/sites/{site}/lists/List%2002/items"), &admin, None).json();
    assert_eq!(rest_items["value"].as_array().expect("items").len(), 5);
    let drives = client.graph("GET", &format!("/sites/{site}/drives"), &admin, None).json();
    let drive_id = drives["value"][0]["id"].as_str().expect("a library");
    assert_eq!(
        client.graph("GET", &format!("/drives/{drive_id}"), &admin, None).status,
        200,
        "drives of a stored generated site are still found"
    );
}
