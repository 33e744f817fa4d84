//! The app killed during apply: a child process (this test binary again) creates a connection
//! against the tenant emulator while replication is held back, and is killed with SIGKILL once
//! the application exists in the tenant. The parent, like the app after a restart, finds the
//! unfinished apply in the store, resumes it, and ends with one working connection and one
//! application.

#[path = "../../emulator/tests/common/sign_in.rs"]
mod common;

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use common::{ADMIN, Client, claims};
use serde_json::json;
use spconnect_connections::{
    apply::{self, ApplyOptions, Cancel, Context, JournalStatus, Progress},
    model::*,
    store::ConnectionStore,
};
use spconnect_graph::{FixedToken, GraphClient, GraphOptions};
use spconnect_identity::{Authority, NetworkOptions};
use spconnect_secret::Secret;
use spconnect_vault::{EntryKey, ProfileName, RecordStore, SecretStore, VaultError};

const CHILD: &str = "SPCONNECT_KILLED_CHILD";

/// A keychain kept in files (in plain text: for this test only), so that the process started
/// after the kill finds the data key the killed one made.
#[derive(Debug)]
struct FileKeychain(PathBuf);

impl FileKeychain {
    fn path(&self, key: &EntryKey) -> PathBuf {
        let name: String = format!("{}\u{1}{}", key.service(), key.account())
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.0.join(name)
    }
}

impl SecretStore for FileKeychain {
    fn get(&self, key: &EntryKey) -> Result<Secret<Vec<u8>>, VaultError> {
        std::fs::read(self.path(key))
            .map(Secret::new)
            .map_err(|_| VaultError::NotFound { what: format!("secret for {key}") })
    }
    fn set(&self, key: &EntryKey, secret: &Secret<Vec<u8>>) -> Result<(), VaultError> {
        std::fs::create_dir_all(&self.0).expect("keychain folder");
        std::fs::write(self.path(key), secret.expose()).expect("written");
        Ok(())
    }
    fn delete(&self, key: &EntryKey) -> Result<bool, VaultError> {
        Ok(std::fs::remove_file(self.path(key)).is_ok())
    }
    fn accounts(&self, _service: &str) -> Result<Vec<String>, VaultError> {
        Ok(Vec::new())
    }
}

fn context(base: &str, tenant_id: &str, token: &str, dir: &Path) -> Context {
    let keychain = Arc::new(FileKeychain(dir.join("keychain")));
    let records = RecordStore::new(
        keychain,
        &dir.join("records"),
        ProfileName::new("test").expect("profile"),
    );
    Context {
        graph: GraphClient::new(
            base,
            Arc::new(FixedToken::new(token.to_owned())),
            GraphOptions::default(),
        )
        .expect("graph"),
        store: ConnectionStore::new(records),
        authority: Authority::new(base, tenant_id).expect("authority"),
        network: NetworkOptions::default(),
        graph_host: base.to_owned(),
        sharepoint_override: Some(base.to_owned()),
        options: ApplyOptions {
            first_poll: Duration::from_millis(20),
            max_poll: Duration::from_millis(200),
            ..ApplyOptions::default()
        },
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the parent"))
}

/// The child: runs the apply until it is killed (replication is held back for an hour).
#[test]
#[ignore = "the child process of the_app_killed_during_apply_is_resumed_after_a_restart"]
fn child_apply() {
    if std::env::var(CHILD).is_err() {
        return;
    }
    let ctx = context(&env("BASE"), &env("TENANT"), &env("TOKEN"), Path::new(&env("DIR")));
    let request: ConnectionRequest = serde_json::from_str(&env("REQUEST")).expect("the request");
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let mut journal = apply::begin(&ctx, request).await.expect("begun");
        let quiet = |_: Progress| {};
        let _ = apply::run(&ctx, &mut journal, &quiet, &Cancel::default()).await;
    });
}

#[test]
fn the_app_killed_during_apply_is_resumed_after_a_restart() {
    let client = Client::start();
    let token = client.user_token(ADMIN)["access_token"].as_str().expect("token").to_owned();
    let tenant_id = claims(&token)["tid"].as_str().expect("tid").to_owned();
    let hold =
        client.send("PUT", "/_emulator/replication-delay", "", Some(json!({"seconds": 3600})), &[]);
    assert!(hold.status < 300);
    let dir = tempfile::tempdir().expect("dir");
    let site = client.graph("GET", "/sites/contoso.sharepoint.com:/sites/hr", &token, None).json();
    let request = ConnectionRequest {
        id: ConnectionId::generate().expect("id"),
        name: "HR sync".into(),
        tenant_id: tenant_id.clone(),
        model: PermissionModel::SitesSelected,
        apis: vec![Api::Graph],
        sites: vec![SiteChoice {
            site_id: site["id"].as_str().expect("id").to_owned(),
            web_url: site["webUrl"].as_str().expect("url").to_owned(),
            name: "Human Resources".into(),
            role: SiteRole::Write,
        }],
        certificate: CertificateChoice {
            key_bits: 2048,
            validity_days: 365,
            subject: "spconnect HR sync".into(),
        },
        creator: Creator { username: ADMIN.0.into(), object_id: "o".into() },
        definition: None,
    };
    let unique = request.id.unique_name();
    let mut child = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["child_apply", "--exact", "--ignored", "--nocapture"])
        .env(CHILD, "1")
        .env("BASE", &client.base)
        .env("TENANT", &tenant_id)
        .env("TOKEN", &token)
        .env("DIR", dir.path())
        .env("REQUEST", serde_json::to_string(&request).expect("json"))
        .spawn()
        .expect("the child starts");
    // Kill it once the application exists in the tenant (it then waits for replication).
    let started = Instant::now();
    let applications = || {
        let objects = client.get("/_emulator/objects", &[]).json();
        objects["value"][0]["applications"]
            .as_array()
            .map(|apps| apps.iter().filter(|a| a["uniqueName"] == json!(unique)).count())
            .unwrap_or_default()
    };
    while applications() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the child never created the application"
        );
        assert!(
            child.try_wait().expect("the child").is_none(),
            "the child ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("killed");
    child.wait().expect("reaped");

    // The restart: the unfinished apply is in the store, and resumes to one working connection.
    let release =
        client.send("PUT", "/_emulator/replication-delay", "", Some(json!({"seconds": 0})), &[]);
    assert!(release.status < 300);
    let ctx = context(&client.base, &tenant_id, &token, dir.path());
    let (pending, problems) = ctx.store.journals().expect("journals");
    assert!(problems.is_empty(), "{problems:?}");
    let mut journal = pending.into_iter().find(|j| j.request.id == request.id).expect("offered");
    assert_eq!(
        journal.status,
        JournalStatus::Applying,
        "interrupted, neither failed nor cancelled"
    );
    let record = tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let quiet = |_: Progress| {};
        apply::run(&ctx, &mut journal, &quiet, &Cancel::default()).await
    });
    let record = record.expect("resumed");
    assert!(record.last_test.expect("tested").passed());
    assert_eq!(applications(), 1, "no second application");
}
