//! Creating connections over IPC on the demo tenant, as the wizard's Permissions, Certificate,
//! Plan, Apply and Test steps do: both permission models planned, applied, listed and exported;
//! a Cloud Application Administrator refused before anything is created; an apply that failed
//! offered again after a restart and resumed, another rolled back to zero orphans; and no private
//! key in any payload or file in plain text.

use std::sync::Arc;

use serde_json::{Value, json};
use spconnect_vault::MemoryStore;

use super::{
    TestApp,
    accounts::{ADMIN, CLOUD_ADMIN, Demo, files_under, sign_in},
    browse::with,
};

fn hr(app: &TestApp, account: &Value) -> Value {
    let found = app
        .invoke(
            "browse_sites",
            with(account, json!({"query": "https://contoso.sharepoint.com/sites/hr"})),
        )
        .expect("found");
    let site = &found["sites"][0];
    json!({"siteId": site["id"], "webUrl": site["webUrl"], "name": site["displayName"], "role": "write"})
}

fn draft(account: &Value, name: &str, model: Value, apis: Value, sites: Value) -> Value {
    with(
        account,
        json!({
            "name": name,
            "model": model,
            "apis": apis,
            "sites": sites,
            "certificate": {"keyBits": 2048, "validityDays": 365, "subject": name},
        }),
    )
}

/// The spconnect applications in the demo tenant, purged ones excepted.
fn spconnect_apps(demo: &Demo) -> Vec<Value> {
    demo.read("/objects")["value"]
        .as_array()
        .expect("tenants")
        .iter()
        .flat_map(|t| t["applications"].as_array().cloned().unwrap_or_default())
        .filter(|a| {
            a["uniqueName"]
                .as_str()
                .is_some_and(|u| u.starts_with("spconnect-") && u != "spconnect-public-client")
        })
        .collect()
}

fn plan_and_apply(app: &TestApp, draft: Value, payloads: &mut Vec<String>) -> Result<Value, Value> {
    let planned = app.invoke("plan_connection", draft.clone()).expect("planned");
    payloads.push(planned.to_string());
    assert_eq!(planned["refusal"], Value::Null, "{planned}");
    let mut draft = draft;
    draft["id"] = planned["id"].clone();
    let applied =
        app.invoke("apply_connection", json!({"draft": draft, "onProgress": "__CHANNEL__:7"}));
    payloads.push(format!("{applied:?}"));
    applied
}

#[test]
fn both_permission_models_are_planned_applied_listed_and_exported() {
    let demo = Demo::start();
    let app = TestApp::start_with_secrets(Some(demo.tenant()), Arc::new(MemoryStore::new()));
    let mut payloads = Vec::new();
    let account = sign_in(&app, ADMIN, &mut payloads)["account"].clone();
    let site = hr(&app, &account);

    // What was ticked in Browse, saved as an integration definition the connection records.
    let contents = app
        .invoke("browse_site", with(&account, json!({"siteId": site["siteId"]})))
        .expect("contents");
    let employees = contents["lists"]
        .as_array()
        .expect("lists")
        .iter()
        .find(|l| l["displayName"] == "Employees")
        .expect("Employees")["id"]
        .clone();
    let lists = json!([{"siteId": site["siteId"], "listId": employees, "columns": ["Title"]}]);
    let saved = app
        .invoke("save_integration", with(&account, json!({"name": "HR sync", "lists": lists})))
        .expect("saved");
    let mut selected = draft(
        &account,
        "HR sync",
        json!({"kind": "sitesSelected"}),
        json!(["graph", "sharePoint"]),
        json!([site]),
    );
    selected["definitionPath"] = saved["definitionPath"].clone();
    let mut outside = selected.clone();
    outside["definitionPath"] = json!("/etc/passwd");
    let refused =
        app.invoke("plan_connection", outside).expect_err("only a definition saved in Browse");
    assert_eq!(refused["field"], "definitionPath", "{refused}");
    let planned = app.invoke("plan_connection", selected.clone()).expect("planned");
    let steps: Vec<&str> = planned["plan"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert_eq!(
        steps,
        [
            "certificate",
            "resources",
            "application",
            "servicePrincipal",
            "consent",
            "sites",
            "verify",
            "save"
        ]
    );
    assert_eq!(spconnect_apps(&demo).len(), 0, "planning creates nothing");
    let made = plan_and_apply(&app, selected, &mut payloads).expect("applied");
    assert_eq!(made["permissions"], "Sites.Selected on 1 site");
    assert_eq!(made["lists"], json!(["Employees (Human Resources)"]), "the definition is recorded");
    assert_eq!(made["lastTest"]["checks"].as_array().map(Vec::len), Some(4), "{made}");
    assert!(
        made["lastTest"]["checks"].as_array().expect("checks").iter().all(|c| c["passed"] == true)
    );

    let wide = draft(
        &account,
        "Reporting",
        json!({"kind": "tenantWide", "permission": "readAll"}),
        json!(["graph"]),
        json!([site]),
    );
    let planned = app.invoke("plan_connection", wide.clone()).expect("planned");
    assert!(
        planned["plan"]["warning"].as_str().expect("a warning").contains("whole tenant"),
        "{planned}"
    );
    let reporting = plan_and_apply(&app, wide, &mut payloads).expect("applied");
    assert_eq!(reporting["permissions"], "Sites.Read.All");

    let listed = app.invoke("list_connections", json!({})).expect("listed");
    payloads.push(listed.to_string());
    let names: Vec<&str> = listed["connections"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["HR sync", "Reporting"]);
    assert_eq!(listed["pending"], json!([]));
    assert_eq!(spconnect_apps(&demo).len(), 2);

    let pem =
        app.invoke("export_certificate", json!({"id": made["id"], "format": "pem"})).expect("pem");
    let text = std::fs::read_to_string(pem["path"].as_str().expect("path")).expect("written");
    assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{text}");
    let cer =
        app.invoke("export_certificate", json!({"id": made["id"], "format": "cer"})).expect("cer");
    let der = std::fs::read(cer["path"].as_str().expect("path")).expect("written");
    assert_eq!(der[0], 0x30, "DER");
    let refused = app
        .invoke("export_certificate", json!({"id": made["id"], "format": "pfx"}))
        .expect_err("no other format");
    assert_eq!(refused["field"], "format");

    // No private key anywhere in plain text: not in a payload, not in a file of the app.
    for payload in &payloads {
        assert!(!payload.contains("PRIVATE KEY"), "{payload}");
    }
    for (path, bytes) in files_under(app.dirs.path()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("PRIVATE KEY"), "{}", path.display());
        assert!(
            !bytes.windows(4).any(|w| w == [0x02, 0x01, 0x00, 0x30])
                || path.extension().is_some_and(|e| e == "cer"),
            "{} looks like a PKCS#8 key",
            path.display()
        );
    }
}

#[test]
fn a_cloud_application_administrator_is_refused_before_anything_is_created() {
    let demo = Demo::start();
    let app = TestApp::start_with_secrets(Some(demo.tenant()), Arc::new(MemoryStore::new()));
    let account = sign_in(&app, CLOUD_ADMIN, &mut Vec::new())["account"].clone();
    let site = hr(&app, &account);
    let mut selected = draft(
        &account,
        "HR sync",
        json!({"kind": "sitesSelected"}),
        json!(["graph"]),
        json!([site]),
    );
    let planned = app.invoke("plan_connection", selected.clone()).expect("planned");
    let refusal = planned["refusal"].as_str().expect("refused up front");
    assert!(refusal.contains("Global Administrator or Privileged Role Administrator"), "{refusal}");
    selected["id"] = planned["id"].clone();
    let error = app
        .invoke("apply_connection", json!({"draft": selected, "onProgress": "__CHANNEL__:7"}))
        .expect_err("refused");
    assert_eq!(error["code"], "refused", "{error}");
    assert!(
        error["message"].as_str().expect("message").contains("Roles and administrators"),
        "{error}"
    );
    assert_eq!(spconnect_apps(&demo).len(), 0, "nothing was created");
    let listed = app.invoke("list_connections", json!({})).expect("listed");
    assert_eq!(listed["pending"], json!([]), "nothing to resume either");
}

#[test]
fn a_failed_apply_is_offered_after_a_restart_then_resumed_or_rolled_back() {
    let demo = Demo::start();
    let secrets = Arc::new(MemoryStore::new());
    let app = TestApp::start_with_secrets(Some(demo.tenant()), secrets.clone());
    let account = sign_in(&app, ADMIN, &mut Vec::new())["account"].clone();
    let site = hr(&app, &account);
    let fail_sites = || {
        let fault = json!({"kind": "unavailable", "pathPrefix": "/v1.0/sites", "count": 200, "retryAfter": 0});
        assert!(demo.control("POST", "/faults", fault) < 300);
    };
    fail_sites();
    let first = draft(
        &account,
        "HR sync",
        json!({"kind": "sitesSelected"}),
        json!(["graph"]),
        json!([site]),
    );
    let error = plan_and_apply(&app, first, &mut Vec::new()).expect_err("the site step fails");
    assert_eq!(error["code"], "unavailable", "{error}");
    let second = draft(
        &account,
        "HR archive",
        json!({"kind": "sitesSelected"}),
        json!(["graph"]),
        json!([site]),
    );
    plan_and_apply(&app, second, &mut Vec::new()).expect_err("fails too");
    assert!(demo.control("DELETE", "/faults", json!({})) < 300);
    assert_eq!(spconnect_apps(&demo).len(), 2, "both applications were made before the failure");

    // A restart: the unfinished applies are offered.
    let restarted = TestApp::start_with_secrets_in(Some(demo.tenant()), secrets, app.dirs);
    let listed = restarted.invoke("list_connections", json!({})).expect("listed");
    let pending = listed["pending"].as_array().expect("pending").clone();
    assert_eq!(pending.len(), 2, "{listed}");
    assert!(pending.iter().all(|p| p["state"] == "failed" && p["message"].is_string()), "{listed}");
    let id_of =
        |name: &str| pending.iter().find(|p| p["name"] == name).expect("pending")["id"].clone();

    let resumed = restarted
        .invoke(
            "resume_connection",
            with(&account, json!({"id": id_of("HR sync"), "onProgress": "__CHANNEL__:8"})),
        )
        .expect("resumed");
    assert!(
        resumed["lastTest"]["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .all(|c| c["passed"] == true)
    );
    let rolled = restarted
        .invoke(
            "rollback_connection",
            with(&account, json!({"id": id_of("HR archive"), "onProgress": "__CHANNEL__:9"})),
        )
        .expect("rolled back");
    assert!(rolled["removed"].as_array().expect("removed").len() >= 2, "{rolled}");

    let listed = restarted.invoke("list_connections", json!({})).expect("listed");
    assert_eq!(listed["pending"], json!([]));
    assert_eq!(listed["connections"].as_array().map(Vec::len), Some(1));
    assert_eq!(spconnect_apps(&demo).len(), 1, "the rolled-back application is gone, purged");
    let tested = restarted
        .invoke(
            "test_connection",
            with(&account, json!({"id": resumed["id"], "onProgress": "__CHANNEL__:10"})),
        )
        .expect("tested again");
    assert!(
        tested["checks"].as_array().expect("checks").iter().all(|c| c["passed"] == true),
        "{tested}"
    );
}
