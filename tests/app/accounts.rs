//! Signing in over IPC on the demo tenant (the tenant emulator over loopback), the way the
//! Accounts view does: device code with a person approving it on the emulator's pages, the
//! account listed with its roles and what they allow, tokens kept in the secret store and never
//! in an IPC payload or a file, "sign in again" after revocation, cancel, and sign-out.

use std::sync::Arc;

use serde_json::{Value, json};
use spconnect_app::{DemoServer, DemoTenant};
use spconnect_vault::{EntryKey, MemoryStore, RefreshTokenKey, SecretStore};

#[path = "../support/device_code.rs"]
mod device_code;

use device_code::{agent, approve_device_code, tools_token};

use super::TestApp;

pub(crate) const ADMIN: (&str, &str) = ("admin@contoso.onmicrosoft.com", "Demo-Admin-2026!");
pub(crate) const CLOUD_ADMIN: (&str, &str) =
    ("cloudadmin@contoso.onmicrosoft.com", "Demo-Cloud-2026!");

/// The app on a demo tenant with its control API (so tests can revoke), secrets in `secrets`.
pub(crate) struct Demo {
    server: DemoServer,
    _state: tempfile::TempDir,
}

impl Demo {
    pub(crate) fn start() -> Self {
        let state = tempfile::tempdir().expect("temp dir");
        let server = DemoServer::start_with_control_api(state.path().join("demo")).expect("starts");
        Self { server, _state: state }
    }

    pub(crate) fn tenant(&self) -> DemoTenant {
        self.server.tenant()
    }

    pub(crate) fn control(&self, method: &str, path: &str, body: Value) -> u16 {
        let url = format!("{}/_emulator{path}", self.server.base_url());
        let reply = match method {
            "PUT" => agent().put(&url).send_json(body),
            "DELETE" => agent().delete(&url).call(),
            _ => agent().post(&url).send_json(body),
        };
        reply.expect("reachable").status().as_u16()
    }

    /// What the control API reads (`/objects`, `/requests`).
    pub(crate) fn read(&self, path: &str) -> Value {
        let url = format!("{}/_emulator{path}", self.server.base_url());
        agent().get(&url).call().expect("reachable").body_mut().read_json().expect("JSON")
    }
}

/// Signs `user` in with a device code over IPC; returns the `SignedInView` and every payload seen.
pub(crate) fn sign_in(
    app: &TestApp,
    user: (&'static str, &'static str),
    payloads: &mut Vec<String>,
) -> Value {
    let code = app.invoke("start_device_code", json!({})).expect("a code");
    payloads.push(code.to_string());
    let (uri, user_code) = (
        code["verificationUri"].as_str().expect("uri").to_owned(),
        code["userCode"].as_str().expect("code").to_owned(),
    );
    assert!(code["message"].as_str().expect("message").contains(&user_code));
    let person = std::thread::spawn(move || approve_device_code(&uri, &user_code, user));
    let signed_in = app.invoke("finish_device_code", json!({})).expect("signed in");
    person.join().expect("the person approved");
    payloads.push(signed_in.to_string());
    signed_in
}

fn refresh_token_in(secrets: &MemoryStore, account: &Value) -> Option<String> {
    let key = RefreshTokenKey::new(
        account["tenantId"].as_str()?,
        account["objectId"].as_str()?,
        account["clientId"].as_str()?,
    )
    .ok()?;
    let entry = EntryKey::new(spconnect_vault::SERVICE, &key.account()).ok()?;
    let bytes = secrets.get(&entry).ok()?;
    Some(String::from_utf8(bytes.expose().clone()).expect("text"))
}

pub(crate) fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            found.push((path, bytes));
        }
    }
    found
}

#[test]
fn a_device_code_sign_in_lists_the_person_with_roles_and_keeps_no_token_outside_the_keychain() {
    let demo = Demo::start();
    let secrets = Arc::new(MemoryStore::new());
    let app = TestApp::start_with_secrets(Some(demo.tenant()), secrets.clone());
    let mut payloads = Vec::new();

    let signed_in = sign_in(&app, ADMIN, &mut payloads);
    let account = &signed_in["account"];
    assert_eq!(account["username"], ADMIN.0);
    assert!(
        account["roles"].as_array().expect("roles").contains(&json!("Global Administrator")),
        "{account}"
    );
    assert!(account["capabilities"].as_array().expect("caps").iter().all(|c| c["allowed"] == true));
    assert_eq!(account["signInAgain"], Value::Null);

    let cloud = sign_in(&app, CLOUD_ADMIN, &mut payloads);
    let graph_grant = &cloud["account"]["capabilities"][1];
    assert_eq!(graph_grant["what"], "Grant Microsoft Graph application permissions");
    assert_eq!(graph_grant["allowed"], false, "{graph_grant}");

    let listed = app.invoke("list_accounts", json!({})).expect("listed");
    payloads.push(listed.to_string());
    let names: Vec<&str> = listed["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| a["username"].as_str())
        .collect();
    assert_eq!(names, [CLOUD_ADMIN.0, ADMIN.0], "most recent first");

    // The refresh tokens are in the secret store, one per person, and nowhere else.
    let admin_token =
        refresh_token_in(&secrets, account).expect("the admin's refresh token is kept");
    let cloud_token = refresh_token_in(&secrets, &cloud["account"]).expect("kept");
    assert_ne!(admin_token, cloud_token, "one person's token is never another's");
    for payload in &payloads {
        assert!(
            !payload.contains(&admin_token) && !payload.contains(&cloud_token),
            "a token in an IPC payload"
        );
    }
    for (path, bytes) in files_under(app.dirs.path()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&admin_token) && !text.contains(&cloud_token) && !text.contains(ADMIN.1),
            "a secret in {}",
            path.display()
        );
    }

    // Signing out deletes that person's token and only theirs.
    let left = app.invoke("sign_out", json!({"tenantId": account["tenantId"], "objectId": account["objectId"], "clientId": account["clientId"]})).expect("signed out");
    assert_eq!(left["accounts"].as_array().expect("accounts").len(), 1);
    assert_eq!(refresh_token_in(&secrets, account), None);
    assert!(refresh_token_in(&secrets, &cloud["account"]).is_some());
}

#[test]
fn a_revoked_sign_in_marks_the_account_sign_in_again_in_plain_words() {
    let demo = Demo::start();
    let secrets = Arc::new(MemoryStore::new());
    let app = TestApp::start_with_secrets(Some(demo.tenant()), secrets.clone());
    let account = sign_in(&app, ADMIN, &mut Vec::new())["account"].clone();
    assert_eq!(
        demo.control("POST", &format!("/users/{}/revoke-sessions", ADMIN.0), json!({})),
        204
    );
    // The next start of the app has no access token in memory: it must use the refresh token.
    let restarted = TestApp::start_with_secrets_in(Some(demo.tenant()), secrets, app.dirs);
    let key = json!({"tenantId": account["tenantId"], "objectId": account["objectId"], "clientId": account["clientId"]});
    let error = restarted.invoke("refresh_account", key.clone()).expect_err("revoked");
    assert_eq!(error["code"], "signInAgain", "{error}");
    assert!(error["message"].as_str().expect("message").contains("revoked"), "{error}");
    let listed = restarted.invoke("list_accounts", json!({})).expect("listed");
    let again = listed["accounts"][0]["signInAgain"].as_str().expect("marked");
    assert!(again.contains("sign in again"), "{again}");
    // Asking again does not hammer Microsoft: the answer comes from the mark.
    let error = restarted.invoke("refresh_account", key).expect_err("still revoked");
    assert_eq!(error["code"], "signInAgain");
}

#[test]
fn a_cancelled_device_code_sign_in_says_so_and_lists_nobody() {
    let demo = Demo::start();
    let app = TestApp::start_with_secrets(Some(demo.tenant()), Arc::new(MemoryStore::new()));
    app.invoke("start_device_code", json!({})).expect("a code");
    assert_eq!(app.invoke("cancel_sign_in", json!({})).expect("cancelled"), true);
    let error = app.invoke("finish_device_code", json!({})).expect_err("cancelled");
    assert_eq!(error["code"], "cancelled", "{error}");
    let listed = app.invoke("list_accounts", json!({})).expect("listed");
    assert_eq!(listed["accounts"], json!([]));
    assert_eq!(app.invoke("cancel_sign_in", json!({})).expect("nothing to cancel"), false);
}

#[test]
fn signing_out_someone_unknown_is_a_clear_error() {
    let app = TestApp::start();
    let error = app
        .invoke("sign_out", json!({"tenantId": "t", "objectId": "o", "clientId": "c"}))
        .expect_err("unknown");
    assert_eq!(error["code"], "invalidInput");
    let error = app.invoke("sign_out", json!({"tenantId": "t"})).expect_err("incomplete");
    assert_eq!(error["code"], "invalidInput");
    assert!(error["message"].as_str().expect("message").contains("objectId"), "{error}");
}

#[test]
fn with_the_keychain_unavailable_a_sign_in_says_so_and_lists_nobody() {
    let demo = Demo::start();
    let secrets = Arc::new(MemoryStore::new());
    secrets.set_unavailable(true);
    let app = TestApp::start_with_secrets(Some(demo.tenant()), secrets.clone());
    let code = app.invoke("start_device_code", json!({})).expect("a code");
    let (uri, user_code) = (
        code["verificationUri"].as_str().expect("uri").to_owned(),
        code["userCode"].as_str().expect("code").to_owned(),
    );
    let person = std::thread::spawn(move || approve_device_code(&uri, &user_code, ADMIN));
    let error = app.invoke("finish_device_code", json!({})).expect_err("nowhere to keep it");
    person.join().expect("approved");
    assert_eq!(error["code"], "keychain", "{error}");
    assert!(error["message"].as_str().expect("message").contains("keychain"), "{error}");
    assert_eq!(app.invoke("list_accounts", json!({})).expect("listed")["accounts"], json!([]));
    // Once the keychain is back, signing in works.
    secrets.set_unavailable(false);
    let signed_in = sign_in(&app, ADMIN, &mut Vec::new());
    assert_eq!(signed_in["account"]["username"], ADMIN.0);
}

#[test]
fn the_connection_check_says_whether_the_sign_in_service_answers() {
    let demo = Demo::start();
    let app = TestApp::start_with_secrets(Some(demo.tenant()), Arc::new(MemoryStore::new()));
    let check = app.invoke("check_connection", json!({})).expect("checked");
    assert_eq!(check["reachable"], true, "{check}");
    // A cloud whose sign-in host does not answer: a custom endpoint on a closed loopback port.
    let offline = TestApp::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let host = format!("http://127.0.0.1:{port}");
    offline
        .invoke("save_settings", json!({"settings": {"cloud": {"kind": "custom", "authorityHost": host, "graphHost": host}}}))
        .expect("saved");
    let check = offline.invoke("check_connection", json!({})).expect("checked");
    assert_eq!(check["reachable"], false, "{check}");
    let message = check["message"].as_str().expect("message");
    assert!(
        message.contains("could not open a connection") && message.contains("HTTPS_PROXY"),
        "{message}"
    );
}

/// Registers a public client in the demo tenant the way an administrator would with Microsoft
/// Graph Command Line Tools (device code, then Graph), with nothing consented for it yet; returns
/// its client id.
pub(crate) fn register_unconsented_client(demo: &Demo) -> String {
    let (base, tenant) = (demo.server.base_url(), demo.tenant().tenant_id);
    let agent = agent();
    let token = tools_token(
        base,
        &tenant,
        ADMIN,
        "https://graph.microsoft.com/Application.ReadWrite.All offline_access",
    );
    let bearer = format!("Bearer {token}");
    let mut reply = agent
        .post(format!("{base}/v1.0/applications"))
        .header("Authorization", &bearer)
        .send_json(json!({
            "displayName": "spconnect (registered by a test)",
            "signInAudience": "AzureADMyOrg",
            "isFallbackPublicClient": true,
            "publicClient": { "redirectUris": ["http://localhost", "http://127.0.0.1"] },
        }))
        .expect("created");
    assert_eq!(reply.status().as_u16(), 201);
    let app: Value = reply.body_mut().read_json().expect("json");
    let app_id = app["appId"].as_str().expect("appId").to_owned();
    let reply = agent
        .post(format!("{base}/v1.0/servicePrincipals"))
        .header("Authorization", &bearer)
        .send_json(json!({ "appId": app_id }))
        .expect("created");
    assert_eq!(reply.status().as_u16(), 201);
    app_id
}

pub(crate) fn use_client(app: &TestApp, tenant_id: &str, client_id: &str) {
    let mut settings = app.invoke("get_settings", json!({})).expect("settings")["settings"].clone();
    settings["tenantProfiles"] = json!([{ "tenant": tenant_id, "clientId": client_id }]);
    app.invoke("save_settings", json!({ "settings": settings })).expect("saved");
}

#[test]
fn each_step_asks_for_its_own_permissions_when_it_needs_them_with_the_reason() {
    const USER: (&str, &str) = ("user@contoso.onmicrosoft.com", "Demo-User-2026!");
    let demo = Demo::start();
    let client_id = register_unconsented_client(&demo);
    let app = TestApp::start_with_secrets(Some(demo.tenant()), Arc::new(MemoryStore::new()));
    let tenant_id = demo.tenant().tenant_id;
    use_client(&app, &tenant_id, &client_id);

    // Signing in asks only for the person (User.Read, which a person may consent to).
    let signed_in = sign_in(&app, USER, &mut Vec::new());
    let account = signed_in["account"].clone();
    assert_eq!(account["clientId"], client_id.as_str());
    let access = |need: &str| {
        app.invoke(
            "check_access",
            json!({"tenantId": account["tenantId"], "objectId": account["objectId"], "clientId": account["clientId"], "need": need}),
        )
    };
    let browse = access("browse").expect("checked");
    assert_eq!(browse["granted"], false, "{browse}");
    assert_eq!(browse["permissions"], json!(["Sites.Read.All"]));
    assert!(browse["why"].as_str().expect("why").contains("Sites.Read.All"), "{browse}");
    let create = access("createConnection").expect("checked");
    assert_eq!(create["granted"], false);
    assert_eq!(
        create["permissions"],
        json!(["Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"])
    );

    // Browsing's permission is asked for on its own (here with a device code), and then held;
    // the account was never marked "sign in again" on the way.
    let code = app
        .invoke("start_device_code", json!({"tenant": tenant_id, "need": "browse"}))
        .expect("a code");
    let (uri, user_code) = (
        code["verificationUri"].as_str().expect("uri").to_owned(),
        code["userCode"].as_str().expect("code").to_owned(),
    );
    let person = std::thread::spawn(move || approve_device_code(&uri, &user_code, USER));
    let again = app.invoke("finish_device_code", json!({})).expect("signed in");
    person.join().expect("the person consented");
    assert_eq!(again["account"]["objectId"], account["objectId"]);
    assert_eq!(access("browse").expect("checked")["granted"], true);
    assert_eq!(access("createConnection").expect("checked")["granted"], false);
    let listed = app.invoke("list_accounts", json!({})).expect("listed");
    assert_eq!(listed["accounts"].as_array().expect("accounts").len(), 1);
    assert_eq!(listed["accounts"][0]["signInAgain"], Value::Null, "{listed}");

    // The demo tenant's built-in client is consented for every step by its administrator.
    let builtin = TestApp::start_with_secrets(Some(demo.tenant()), Arc::new(MemoryStore::new()));
    let admin = sign_in(&builtin, ADMIN, &mut Vec::new())["account"].clone();
    for need in ["browse", "createConnection", "grantSitesSelected"] {
        let view = builtin
            .invoke(
                "check_access",
                json!({"tenantId": admin["tenantId"], "objectId": admin["objectId"], "clientId": admin["clientId"], "need": need}),
            )
            .expect("checked");
        assert_eq!(view["granted"], true, "{need}: {view}");
    }
    let unknown = builtin
        .invoke(
            "check_access",
            json!({"tenantId": admin["tenantId"], "objectId": admin["objectId"], "clientId": admin["clientId"], "need": "everything"}),
        )
        .expect_err("refused");
    assert_eq!(unknown["code"], "invalidInput");
    assert_eq!(unknown["field"], "need", "{unknown}");
}
