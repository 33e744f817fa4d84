//! `--state DIR`: the tenants, the signing key and refresh tokens survive a restart; files are
//! written whole; a file that cannot be read is set aside with a message, never silently replaced.

mod common;

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use common::*;
use serde_json::{Value, json};
use spconnect_emulator::{Config, DEMO_TENANT_ID, SPCONNECT_CLIENT_ID};

const HR: &str = "/sites/contoso.sharepoint.com:/sites/hr";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spconnect-state-{name}-{}", uuid::Uuid::new_v4()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

fn start(dir: &Path) -> Client {
    Client::start_with(Config { state: Some(dir.to_owned()), ..Config::default() })
}

fn tenant_file(dir: &Path) -> PathBuf {
    dir.join("tenants").join(format!("{DEMO_TENANT_ID}.json"))
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).expect("list") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(
                    path.strip_prefix(dir).expect("inside").to_string_lossy().replace('\\', "/"),
                );
            }
        }
    }
    found.sort();
    found
}

fn refresh(client: &Client, refresh_token: &str) -> Reply {
    client.form(
        &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
        &[
            ("client_id", SPCONNECT_CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("scope", GRAPH_SCOPES),
        ],
        &[],
    )
}

#[test]
fn objects_keys_grants_and_tokens_survive_a_restart() {
    let dir = scratch("restart");
    let cert = TestCert::new(365);
    let (tokens, object_id, app_id, site_id, deleted_id) = {
        let client = start(&dir);
        let tokens = client.user_token(ADMIN);
        let admin = tokens["access_token"].as_str().expect("at").to_owned();
        let (object_id, app_id) = connection_app(&client, &admin, &cert, "Sites.Read.All");
        let site_id =
            client.graph("GET", HR, &admin, None).json()["id"].as_str().expect("id").to_owned();
        let granted = client.graph("POST", &format!("/sites/{site_id}/permissions"), &admin, Some(json!({"roles": ["write"], "grantedToIdentities": [{"application": {"id": app_id, "displayName": "Test connection"}}]})));
        assert_eq!(granted.status, 201, "{}", granted.text);
        let doomed = client.graph(
            "POST",
            "/applications",
            &admin,
            Some(json!({"displayName": "Deleted one"})),
        );
        assert_eq!(doomed.status, 201, "{}", doomed.text);
        let deleted_id = doomed.json()["id"].as_str().expect("id").to_owned();
        let gone = client.graph("DELETE", &format!("/applications/{deleted_id}"), &admin, None);
        assert_eq!(gone.status, 204, "{}", gone.text);
        (tokens, object_id, app_id, site_id, deleted_id)
    };
    assert!(files(&dir).contains(&format!("tenants/{DEMO_TENANT_ID}.json")), "{:?}", files(&dir));
    // The state holds a digest of each refresh token, never the token itself.
    let refresh_token = tokens["refresh_token"].as_str().expect("rt");
    for file in files(&dir) {
        let text = fs::read_to_string(dir.join(&file)).unwrap_or_default();
        assert!(!text.contains(refresh_token), "a usable refresh token in {file}");
    }

    let client = start(&dir);
    assert!(client.emulator.notices().is_empty(), "{:?}", client.emulator.notices());
    // A token issued before the restart is still accepted: the signing key was kept.
    let admin = tokens["access_token"].as_str().expect("at");
    let app = client.graph("GET", &format!("/applications/{object_id}"), admin, None);
    assert_eq!(app.status, 200, "{}", app.text);
    let app = app.json();
    assert_eq!(app["appId"], app_id.as_str());
    assert_eq!(app["keyCredentials"].as_array().expect("keys").len(), 1, "{app}");
    let deleted =
        client.graph("GET", &format!("/directory/deletedItems/{deleted_id}"), admin, None);
    assert_eq!(deleted.status, 200, "a deleted application stays deleted: {}", deleted.text);
    let grants = client.graph("GET", &format!("/sites/{site_id}/permissions"), admin, None).json();
    assert!(
        grants["value"].as_array().expect("grants").iter().any(|g| g["roles"] == json!(["write"])),
        "{grants}"
    );
    let items = client.graph("GET", &format!("{HR}:/lists/Employees/items"), admin, None);
    assert_eq!(items.status, 200, "{}", items.text);
    assert!(!items.json()["value"].as_array().expect("items").is_empty());
    // The certificate still signs the connection in, with its application permission.
    let assertion = cert.assertion(&app_id, &token_url(&client), false, 0);
    let app_token =
        client_credentials(&client, &app_id, &assertion, "https://graph.microsoft.com/.default");
    assert_eq!(app_token.status, 200, "{}", app_token.text);
    assert_eq!(
        claims(app_token.json()["access_token"].as_str().expect("at"))["roles"],
        json!(["Sites.Read.All"])
    );
    // The refresh token issued before the restart still works.
    let refreshed = refresh(&client, tokens["refresh_token"].as_str().expect("rt"));
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    drop(client);
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn state_files_are_whole_json_owner_only_with_no_temporary_files_left() {
    let dir = scratch("files");
    let client = start(&dir);
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    for n in 0..5 {
        let created = client.graph(
            "POST",
            "/applications",
            &admin,
            Some(json!({"displayName": format!("App {n}")})),
        );
        assert_eq!(created.status, 201, "{}", created.text);
    }
    // Saved before the answer went out, not only when the emulator stops.
    let saved: Value =
        serde_json::from_slice(&fs::read(tenant_file(&dir)).expect("saved")).expect("JSON");
    let names: Vec<&str> = saved["tenant"]["applications"]
        .as_array()
        .expect("applications")
        .iter()
        .filter_map(|a| a["display_name"].as_str())
        .collect();
    assert!((0..5).all(|n| names.contains(&format!("App {n}").as_str())), "{names:?}");
    drop(client);
    let all = files(&dir);
    assert_eq!(
        all,
        [
            "emulator.json".to_owned(),
            "sessions.json".into(),
            "signing-key.json".into(),
            format!("tenants/{}.json", spconnect_emulator::SECOND_TENANT_ID),
            format!("tenants/{DEMO_TENANT_ID}.json"),
        ]
        .iter()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>(),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&dir).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "the folder it made is its owner's only");
    }
    for name in &all {
        let bytes = fs::read(dir.join(name)).expect("read");
        serde_json::from_slice::<Value>(&bytes)
            .unwrap_or_else(|e| panic!("{name} is whole JSON: {e}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.join(name)).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{name} is its owner's only");
        }
    }
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_corrupt_tenant_file_is_set_aside_with_a_message_and_the_tenant_starts_from_the_seed() {
    let dir = scratch("corrupt");
    let object_id = {
        let client = start(&dir);
        let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
        let created =
            client.graph("POST", "/applications", &admin, Some(json!({"displayName": "Lost"})));
        created.json()["id"].as_str().expect("id").to_owned()
    };
    let path = tenant_file(&dir);
    let mut bytes = fs::read(&path).expect("saved");
    bytes.truncate(bytes.len() / 2);
    fs::write(&path, &bytes).expect("damaged");

    let client = start(&dir);
    let notices = client.emulator.notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    let aside: Vec<String> = files(&dir)
        .into_iter()
        .filter(|f| f.starts_with(&format!("tenants/{DEMO_TENANT_ID}.json.corrupt-")))
        .collect();
    assert_eq!(aside.len(), 1, "{:?}", files(&dir));
    assert!(
        notices[0].contains(&format!("{DEMO_TENANT_ID}.json")) && notices[0].contains("corrupt-"),
        "{notices:?}"
    );
    assert_eq!(
        fs::read(dir.join(&aside[0])).expect("kept"),
        bytes,
        "the damaged file is kept as it was"
    );
    // The tenant is the seed again (the application is gone), and its file is whole again.
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    assert_eq!(
        client.graph("GET", &format!("/applications/{object_id}"), &admin, None).status,
        404
    );
    serde_json::from_slice::<Value>(&fs::read(&path).expect("rewritten")).expect("whole JSON");
    drop(client);
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn the_program_reports_a_file_it_set_aside_and_refuses_a_folder_of_another_tenant() {
    use std::io::Read;
    let dir = scratch("program");
    fs::create_dir_all(dir.join("tenants")).expect("folder");
    fs::write(tenant_file(&dir), b"{\"format\": 1, \"tenant\": ").expect("damaged");
    let state = dir.to_string_lossy().into_owned();
    let (mut program, base) =
        start_program(&["--port", "0", "--tenant", "demo", "--state", &state]);
    let _ = program.0.kill();
    let _ = program.0.wait();
    let mut stderr = String::new();
    program.0.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
    assert!(base.starts_with("http://127.0.0.1:"), "{base} {stderr}");
    assert!(stderr.contains("could not be read") && stderr.contains(".corrupt-"), "{stderr}");

    let other = Command::new(env!("CARGO_BIN_EXE_spconnect-emulator"))
        .args(["--port", "0", "--tenant", "large:2:1:1", "--state"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(!other.status.success());
    let message = String::from_utf8_lossy(&other.stderr);
    assert!(message.contains("--tenant demo"), "{message}");
    let _ = fs::remove_dir_all(dir);
}

#[test]
fn a_moved_clock_is_kept_so_objects_created_on_it_stay_visible() {
    let dir = scratch("clock");
    let (token, object_id) = {
        let client = start(&dir);
        let moved =
            client.send("PUT", "/_emulator/clock", "", Some(json!({"advanceSeconds": 86400})), &[]);
        assert_eq!(moved.status, 200, "{}", moved.text);
        let token = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
        let created =
            client.graph("POST", "/applications", &token, Some(json!({"displayName": "Tomorrow"})));
        (token, created.json()["id"].as_str().expect("id").to_owned())
    };
    let client = start(&dir);
    let clock = client.get("/_emulator/clock", &[]).json();
    assert_eq!(clock["offsetSeconds"], 86400, "{clock}");
    let app = client.graph("GET", &format!("/applications/{object_id}"), &token, None);
    assert_eq!(app.status, 200, "{}", app.text);
    drop(client);
    let _ = fs::remove_dir_all(dir);
}
