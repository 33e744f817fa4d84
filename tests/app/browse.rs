//! Browsing over IPC on the demo tenant, as the wizard's Browse step does: finding sites by words
//! or URL, opening a site (subsites, lists with typed columns) and a list (content types, first
//! items as text), and the consent browsing needs when the person has not given it yet.

use std::sync::Arc;

use serde_json::{Value, json};
use spconnect_vault::MemoryStore;

#[path = "../support/openapi_validator.rs"]
mod openapi_validator;

use super::{
    TestApp,
    accounts::{ADMIN, Demo, register_unconsented_client, sign_in, use_client},
};

/// The key of an account's tokens, which commands about one account take.
pub(crate) fn key(account: &Value) -> Value {
    json!({"tenantId": account["tenantId"], "objectId": account["objectId"], "clientId": account["clientId"]})
}

/// An account's key with the command's other arguments.
pub(crate) fn with(account: &Value, extra: Value) -> Value {
    let mut args = key(account);
    for (name, value) in extra.as_object().expect("an object") {
        args[name] = value.clone();
    }
    args
}

#[test]
fn sites_lists_columns_content_types_and_items_are_read_as_the_person() {
    let demo = Demo::start();
    let app = TestApp::start_with_secrets(Some(demo.tenant()), Arc::new(MemoryStore::new()));
    let mut payloads = Vec::new();
    let account = sign_in(&app, ADMIN, &mut payloads)["account"].clone();

    let all = app.invoke("browse_sites", with(&account, json!({"query": ""}))).expect("sites");
    let titles: Vec<&str> = all["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .filter_map(|s| s["displayName"].as_str())
        .collect();
    assert!(titles.contains(&"Contoso") && titles.contains(&"Finance"), "{titles:?}");
    assert_eq!(all["sites"][0]["isRoot"], true, "root sites first: {all}");

    let found = app
        .invoke(
            "browse_sites",
            with(&account, json!({"query": "https://contoso.sharepoint.com/sites/hr/"})),
        )
        .expect("by URL");
    assert_eq!(found["sites"].as_array().expect("sites").len(), 1, "{found}");
    let hr = found["sites"][0].clone();
    assert_eq!(hr["displayName"], "Human Resources");

    let contents =
        app.invoke("browse_site", with(&account, json!({"siteId": hr["id"]}))).expect("contents");
    assert_eq!(contents["problems"], json!([]));
    assert_eq!(contents["subsites"][0]["displayName"], "Benefits");
    let lists = contents["lists"].as_array().expect("lists");
    let employees = lists.iter().find(|l| l["displayName"] == "Employees").expect("Employees");
    let columns = employees["columns"].as_array().expect("columns");
    let choice = columns.iter().find(|c| c["typeName"] == "Choice").expect("a choice column");
    assert!(choice["settings"][0].as_str().expect("settings").starts_with("Choices: "), "{choice}");
    assert!(columns.iter().any(|c| c["typeName"] == "Lookup"), "{columns:?}");
    assert!(lists.iter().any(|l| l["isLibrary"] == true), "a library");

    let details = app
        .invoke(
            "browse_list",
            with(&account, json!({"siteId": hr["id"], "listId": employees["id"]})),
        )
        .expect("details");
    assert!(!details["contentTypes"].as_array().expect("content types").is_empty());
    let first = &details["items"][0]["fields"];
    assert!(first.as_array().expect("fields").iter().any(|f| f["name"] == "Title"), "{details}");
    assert!(first.as_array().expect("fields").iter().all(|f| f["value"].is_string()));

    let unknown = app
        .invoke("browse_site", with(&account, json!({"siteId": "contoso.sharepoint.com,no,such"})))
        .expect("answered");
    assert_eq!(unknown["problems"].as_array().expect("problems").len(), 2, "{unknown}");
    assert!(unknown["problems"][0].as_str().expect("text").contains("could not be read"));

    for payload in [all, found, contents, details] {
        assert!(!payload.to_string().contains("eyJ"), "no token in a payload");
    }
}

#[test]
fn browsing_without_consent_asks_for_it_rather_than_failing() {
    const USER: (&str, &str) = ("user@contoso.onmicrosoft.com", "Demo-User-2026!");
    let demo = Demo::start();
    let client_id = register_unconsented_client(&demo);
    let app = TestApp::start_with_secrets(Some(demo.tenant()), Arc::new(MemoryStore::new()));
    use_client(&app, &demo.tenant().tenant_id, &client_id);
    let account = sign_in(&app, USER, &mut Vec::new())["account"].clone();
    let refused =
        app.invoke("browse_sites", with(&account, json!({}))).expect_err("consent is missing");
    assert_eq!(refused["code"], "consentRequired", "{refused}");
    let listed = app.invoke("list_accounts", json!({})).expect("listed");
    assert_eq!(listed["accounts"][0]["signInAgain"], Value::Null, "still signed in");
}

/// The app on a demo tenant with its administrator signed in.
fn signed_in_admin() -> (Demo, TestApp, Value) {
    let demo = Demo::start();
    let app = TestApp::start_with_secrets(Some(demo.tenant()), Arc::new(MemoryStore::new()));
    let account = sign_in(&app, ADMIN, &mut Vec::new())["account"].clone();
    (demo, app, account)
}

/// The Human Resources site, found by its URL.
fn hr_site(app: &TestApp, account: &Value) -> Value {
    let query = json!({"query": "https://contoso.sharepoint.com/sites/hr"});
    app.invoke("browse_sites", with(account, query)).expect("HR")["sites"][0].clone()
}

#[test]
fn everything_under_a_site_is_loaded_kept_and_read_again_on_refresh() {
    let (_demo, app, account) = signed_in_admin();
    let hr = hr_site(&app, &account);

    let loaded = app
        .invoke(
            "browse_load_all",
            with(&account, json!({"siteId": hr["id"], "onProgress": "__CHANNEL__:4242"})),
        )
        .expect("loaded");
    assert_eq!(loaded["cancelled"], false);
    let names: Vec<&str> = loaded["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .filter_map(|s| s["site"]["displayName"].as_str())
        .collect();
    assert_eq!(names, ["Human Resources", "Benefits"], "the site and its subsite");
    let progress = &loaded["progress"];
    assert_eq!(progress["sitesRead"], 2);
    assert_eq!(progress["sitesFound"], 2);
    assert!(
        progress["columns"].as_u64().expect("columns") > progress["lists"].as_u64().expect("lists")
    );
    assert_eq!(loaded["sites"][0]["contents"]["subsites"][0]["displayName"], "Benefits");

    // The tree then opens from what was kept, saying when it was read; Refresh reads again.
    let kept =
        app.invoke("browse_site", with(&account, json!({"siteId": hr["id"]}))).expect("kept");
    assert_eq!(kept["readAt"], loaded["sites"][0]["contents"]["readAt"]);
    let light = loaded["sites"][0]["contents"]["lists"].as_array().expect("lists");
    let full = kept["lists"].as_array().expect("lists");
    assert_eq!(light.len(), full.len());
    assert!(
        light.iter().all(|l| l["columnsLoaded"] == false && l["columns"] == json!([])),
        "the window gets the tree"
    );
    assert!(full.iter().all(|l| l["columnsLoaded"] == true), "the columns were kept");
    assert!(full.iter().any(|l| !l["columns"].as_array().expect("columns").is_empty()));
    let again = app
        .invoke("browse_site", with(&account, json!({"siteId": hr["id"], "refresh": true})))
        .expect("read again");
    assert!(again["readAt"].as_u64() >= kept["readAt"].as_u64());
    assert_eq!(app.invoke("cancel_browse_load", json!({})).expect("answered"), false);
}

#[test]
fn a_selection_from_the_demo_tenant_is_saved_with_a_valid_openapi_document() {
    let (_demo, app, account) = signed_in_admin();
    let hr = hr_site(&app, &account);
    let contents =
        app.invoke("browse_site", with(&account, json!({"siteId": hr["id"]}))).expect("lists");
    let lists = contents["lists"].as_array().expect("lists");
    let employees = lists.iter().find(|l| l["displayName"] == "Employees").expect("Employees");
    let documents = lists.iter().find(|l| l["isLibrary"] == true).expect("a library");
    let names = |list: &Value| -> Vec<Value> {
        list["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .filter(|c| c["hidden"] == false)
            .map(|c| c["name"].clone())
            .collect()
    };
    let picked = json!([
        {"siteId": hr["id"], "listId": employees["id"], "columns": names(employees)},
        {"siteId": hr["id"], "listId": documents["id"], "columns": names(documents)},
    ]);

    let unnamed = app
        .invoke("save_integration", with(&account, json!({"name": " ", "lists": picked})))
        .expect_err("a name is needed");
    assert_eq!(unnamed["field"], "name");
    let unknown = app
        .invoke(
            "save_integration",
            with(&account, json!({"name": "HR", "lists": [{"siteId": hr["id"], "listId": employees["id"], "columns": ["NoSuchColumn"]}]})),
        )
        .expect_err("an unknown column");
    assert_eq!(unknown["field"], "lists");
    assert!(unknown["message"].as_str().expect("text").contains("NoSuchColumn"), "{unknown}");

    let saved = app
        .invoke("save_integration", with(&account, json!({"name": "HR sync", "lists": picked})))
        .expect("saved");
    assert_eq!(saved["siteIds"], json!([hr["id"]]));
    let definition: Value = serde_json::from_str(
        &std::fs::read_to_string(saved["definitionPath"].as_str().expect("path"))
            .expect("the definition file"),
    )
    .expect("JSON");
    assert_eq!(definition["name"], "HR sync");
    assert_eq!(definition["lists"].as_array().expect("lists").len(), 2);
    let written = std::fs::read_to_string(saved["openapiPath"].as_str().expect("path"))
        .expect("the document");
    assert_eq!(written, saved["openapi"].as_str().expect("text"));
    let document: Value = serde_json::from_str(&written).expect("JSON");
    assert_eq!(document["openapi"], "3.1.0");
    let schemas = document["components"]["schemas"].as_object().expect("schemas");
    let fields = &schemas["EmployeesFields"]["properties"];
    assert_eq!(fields["Title"]["type"], "string", "{fields}");
    assert!(
        schemas["EmployeesNewFields"]["required"]
            .as_array()
            .expect("required")
            .contains(&json!("Title"))
    );
    assert!(!written.contains("eyJ"), "no token in the document");
    if let Some(result) = openapi_validator::validate(&document) {
        result.expect("openapi-spec-validator accepts the export of the demo tenant's lists");
    }
}
