//! Creating a connection against the tenant emulator over loopback: both permission models end
//! to end, the connection then used the way a program uses it (an app-only token from its stored
//! certificate reads the chosen site through Graph and SharePoint REST; an unchosen site is
//! refused), a 60-second replication delay waited out, a failure injected at each step followed
//! by resume and, separately, by rollback with zero orphans, an apply stopped half-way resumed
//! from its journal, cancel, and a Cloud Application Administrator refused before anything is
//! created.

#[path = "../../emulator/tests/common/sign_in.rs"]
mod common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use common::{ADMIN, CLOUD_ADMIN, Client, claims};
use serde_json::{Value, json};
use spconnect_connections::{
    ConnectionError,
    apply::{self, ApplyOptions, Cancel, Context, Journal, JournalStatus, Progress, StepState},
    model::*,
    plan::{self, StepKind},
    store::ConnectionStore,
    verify,
};
use spconnect_graph::{
    FixedToken, GraphClient, GraphOptions, SharePointRest, TokenFuture, TokenSource, roles,
};
use spconnect_identity::{
    AppOnlyClient, AssertionAlgorithm, Authority, CertificateCredential, NetworkOptions,
};
use spconnect_secret::Secret;
use spconnect_vault::{MemoryStore, ProfileName, RecordId, RecordStore};

struct Setup {
    client: Client,
    ctx: Context,
    keychain: Arc<MemoryStore>,
    tenant_id: String,
    admin_oid: String,
    _dir: tempfile::TempDir,
}

fn fast() -> ApplyOptions {
    ApplyOptions {
        first_poll: Duration::from_millis(20),
        max_poll: Duration::from_millis(200),
        patience: Duration::from_secs(5),
        budget: Duration::from_secs(30),
    }
}

fn setup_as(user: (&str, &str)) -> Setup {
    let client = Client::start();
    let token = client.user_token(user)["access_token"].as_str().expect("token").to_owned();
    let c = claims(&token);
    let tenant_id = c["tid"].as_str().expect("tid").to_owned();
    let admin_oid = c["oid"].as_str().expect("oid").to_owned();
    // One try per call: a fault injected below is a failure of the step, not a retry.
    let options = GraphOptions { attempts: 1, ..GraphOptions::default() };
    let graph =
        GraphClient::new(&client.base, Arc::new(FixedToken::new(token)), options).expect("graph");
    let dir = tempfile::tempdir().expect("dir");
    let keychain = Arc::new(MemoryStore::new());
    let records =
        RecordStore::new(keychain.clone(), dir.path(), ProfileName::new("test").expect("profile"));
    let ctx = Context {
        graph,
        store: ConnectionStore::new(records),
        authority: Authority::new(&client.base, &tenant_id).expect("authority"),
        network: NetworkOptions::default(),
        graph_host: client.base.clone(),
        sharepoint_override: Some(client.base.clone()),
        options: fast(),
    };
    Setup { client, ctx, keychain, tenant_id, admin_oid, _dir: dir }
}

impl Setup {
    fn control(&self, method: &str, path: &str, body: Value) {
        let reply = self.client.send(method, path, "", Some(body), &[]);
        assert!(reply.status < 300, "{path}: {} {}", reply.status, reply.text);
    }

    fn site(&self, path: &str, role: SiteRole) -> SiteChoice {
        let site = self.graph_get(&format!("sites/contoso.sharepoint.com:{path}"));
        SiteChoice {
            site_id: site["id"].as_str().expect("id").to_owned(),
            web_url: site["webUrl"].as_str().expect("webUrl").to_owned(),
            name: site["displayName"].as_str().expect("name").to_owned(),
            role,
        }
    }

    fn graph_get(&self, path: &str) -> Value {
        let graph = self.ctx.graph.clone();
        let path = path.to_owned();
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .expect("rt")
                .block_on(async move { graph.get(&path, &[]).await })
        })
        .join()
        .expect("thread")
        .expect("read")
    }

    fn request(&self, model: PermissionModel, apis: Vec<Api>) -> ConnectionRequest {
        ConnectionRequest {
            id: ConnectionId::generate().expect("id"),
            name: "HR sync".into(),
            tenant_id: self.tenant_id.clone(),
            model,
            apis,
            sites: vec![self.site("/sites/hr", SiteRole::Write)],
            certificate: CertificateChoice {
                key_bits: 2048,
                validity_days: 365,
                subject: "spconnect HR sync".into(),
            },
            creator: Creator { username: ADMIN.0.into(), object_id: self.admin_oid.clone() },
            definition: None,
        }
    }

    /// The applications (deleted ones too, until purged) carrying the connection's uniqueName.
    fn orphans(&self, id: &ConnectionId) -> usize {
        let objects = self.client.get("/_emulator/objects", &[]).json();
        objects["value"]
            .as_array()
            .expect("tenants")
            .iter()
            .flat_map(|t| t["applications"].as_array().cloned().unwrap_or_default())
            .filter(|a| a["uniqueName"] == json!(id.unique_name()))
            .count()
    }

    fn site_grants(&self, app_id: &str) -> usize {
        let objects = self.client.get("/_emulator/objects", &[]).json();
        objects["value"]
            .as_array()
            .expect("tenants")
            .iter()
            .flat_map(|t| t["siteGrants"].as_array().cloned().unwrap_or_default())
            .filter(|g| g["appId"] == json!(app_id))
            .count()
    }
}

/// Collects progress reports.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Progress>>>);

impl Log {
    fn states(&self, step: StepKind) -> Vec<StepState> {
        self.0.lock().expect("log").iter().filter(|p| p.step == step).map(|p| p.state).collect()
    }
    fn any(&self, f: impl Fn(&Progress) -> bool) -> bool {
        self.0.lock().expect("log").iter().any(f)
    }
}

async fn create(
    s: &Setup,
    request: ConnectionRequest,
    log: &Log,
) -> Result<ConnectionRecord, (Journal, ConnectionError)> {
    let mut journal = apply::begin(&s.ctx, request).await.expect("begun");
    let sink = log.0.clone();
    let report = move |p: Progress| sink.lock().expect("log").push(p);
    apply::run(&s.ctx, &mut journal, &report, &Cancel::default()).await.map_err(|e| (journal, e))
}

/// The connection used as a program uses it: an app-only token from the stored certificate.
async fn app_only(
    s: &Setup,
    record: &ConnectionRecord,
    algorithm: AssertionAlgorithm,
) -> Arc<dyn TokenSource> {
    let key = s.ctx.store.key(&record.request.id).expect("the key is stored");
    let cert = spconnect_certs::PublicCertificate::from_base64(&record.certificate.der_base64)
        .expect("cert");
    let credential = CertificateCredential {
        client_id: record.client_id.clone(),
        x5t: cert.x5t(),
        x5t_s256: cert.x5t_s256(),
        private_key: key,
        algorithm,
    };
    let client = AppOnlyClient::new(&s.ctx.authority, credential, &NetworkOptions::default())
        .expect("client");
    struct Source(AppOnlyClient);
    impl TokenSource for Source {
        fn token<'a>(&'a self, scopes: &'a [&'a str]) -> TokenFuture<'a> {
            Box::pin(async move {
                let scope = scopes[0];
                let resource = &scope[..scope.rfind('/').expect("a resource")];
                self.0.token(resource).await.map(|t| t.token).map_err(|e| {
                    spconnect_graph::TokenError {
                        message: e.to_string(),
                        kind: spconnect_graph::TokenErrorKind::Other,
                    }
                })
            })
        }
    }
    Arc::new(Source(client))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sites_selected_connection_reads_its_site_and_only_its_site_with_its_own_certificate() {
    let s = setup_as(ADMIN);
    let request = s.request(PermissionModel::SitesSelected, vec![Api::Graph, Api::SharePoint]);
    let plan = plan::plan(&request).expect("plan");
    assert_eq!(plan.steps.len(), 8);
    let log = Log::default();
    let record = create(&s, request.clone(), &log).await.map_err(|(_, e)| e).expect("created");
    for step in [
        StepKind::Certificate,
        StepKind::Application,
        StepKind::Consent,
        StepKind::Sites,
        StepKind::Verify,
        StepKind::Save,
    ] {
        assert_eq!(log.states(step).last(), Some(&StepState::Done), "{step:?}");
    }
    let report = record.last_test.clone().expect("tested");
    assert!(report.passed(), "{report:?}");
    assert_eq!(report.checks.len(), 4, "two tokens, the site through Graph and through SharePoint");
    assert_eq!(s.orphans(&request.id), 1);
    assert_eq!(s.site_grants(&record.client_id), 1);
    // The record is kept, encrypted; the journal is gone.
    let listing = s.ctx.store.connections().expect("listing");
    assert_eq!(listing.connections, vec![record.clone()]);
    assert!(s.ctx.store.journals().expect("journals").0.is_empty());
    let app = s.graph_get(&format!("applications/{}", record.application_object_id));
    assert_eq!(app["keyCredentials"].as_array().map(Vec::len), Some(1));
    assert!(app["tags"].as_array().expect("tags").contains(&json!(request.id.tag())));

    // As a program would use it, with both assertion forms.
    for algorithm in [AssertionAlgorithm::Ps256, AssertionAlgorithm::Rs256] {
        let tokens = app_only(&s, &record, algorithm).await;
        let graph = GraphClient::new(&s.client.base, tokens.clone(), GraphOptions::default())
            .expect("graph");
        let scope = ["https://graph.microsoft.com/.default"];
        let hr = graph
            .get(&format!("sites/{}", request.sites[0].site_id), &scope)
            .await
            .expect("the chosen site");
        assert_eq!(hr["displayName"], json!(request.sites[0].name));
        let other = s.site("/sites/finance", SiteRole::Read);
        let refused = graph
            .get(&format!("sites/{}", other.site_id), &scope)
            .await
            .expect_err("an unchosen site");
        assert!(matches!(refused.status(), Some(403 | 404)), "{refused}");
        let rest = SharePointRest::new(tokens, Some(&s.client.base), Duration::from_secs(10))
            .expect("rest");
        let web = rest
            .get(&request.sites[0].web_url, "web?$select=Title")
            .await
            .expect("SharePoint REST");
        assert_eq!(web["Title"], json!(request.sites[0].name));
        let refused =
            rest.get(&other.web_url, "web?$select=Title").await.expect_err("unchosen via REST");
        assert!(matches!(refused.status(), Some(401 | 403 | 404)), "{refused}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_wide_connection_is_granted_and_verified_without_site_grants() {
    let s = setup_as(ADMIN);
    let request = s
        .request(PermissionModel::TenantWide { permission: TenantWide::ReadAll }, vec![Api::Graph]);
    let log = Log::default();
    let record = create(&s, request, &log).await.map_err(|(_, e)| e).expect("created");
    assert!(log.states(StepKind::Sites).is_empty(), "no site step");
    assert!(record.last_test.expect("tested").passed());
    assert_eq!(s.site_grants(&record.client_id), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_control_grant_is_created_as_write_then_raised() {
    let s = setup_as(ADMIN);
    let mut request = s.request(PermissionModel::SitesSelected, vec![Api::Graph]);
    request.sites[0].role = SiteRole::FullControl;
    let cleared = s.client.send("DELETE", "/_emulator/requests", "", None, &[]);
    assert!(cleared.status < 300);
    let record = create(&s, request, &Log::default()).await.map_err(|(_, e)| e).expect("created");
    let log = s.client.get("/_emulator/requests", &[]).json();
    let calls: Vec<String> = log["value"]
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["path"].as_str().is_some_and(|p| p.contains("/permissions")))
        .map(|e| format!("{} {}", e["method"].as_str().unwrap_or_default(), e["status"]))
        .collect();
    assert!(calls.contains(&"POST 201".to_owned()), "{calls:?}");
    assert!(calls.contains(&"PATCH 200".to_owned()), "{calls:?}");
    let objects = s.client.get("/_emulator/objects", &[]).json();
    let grant = objects["value"][0]["siteGrants"]
        .as_array()
        .expect("grants")
        .iter()
        .find(|g| g["appId"] == json!(record.client_id))
        .cloned()
        .expect("granted");
    assert_eq!(grant["roles"], json!(["fullcontrol"]));
    assert!(record.last_test.expect("tested").passed());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_60_second_replication_delay_is_waited_out_by_polling() {
    let s = setup_as(ADMIN);
    s.control("PUT", "/_emulator/replication-delay", json!({"seconds": 60}));
    // The emulator's clock runs 5 seconds ahead every 100 ms: a minute passes in about 1.2 s.
    let base = s.client.base.clone();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ticking = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let agent: ureq::Agent =
                ureq::Agent::config_builder().http_status_as_error(false).build().into();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(100));
                let _ = agent
                    .put(format!("{base}/_emulator/clock"))
                    .send_json(json!({"advanceSeconds": 5}));
            }
        })
    };
    let request = s.request(PermissionModel::SitesSelected, vec![Api::Graph]);
    let log = Log::default();
    let outcome = create(&s, request.clone(), &log).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    ticking.join().expect("clock thread");
    let record = outcome.map_err(|(_, e)| e).expect("created despite the delay");
    assert!(record.last_test.expect("tested").passed());
    assert!(
        log.any(|p| p.state == StepState::Waiting && p.detail.contains("replicate")),
        "the wait was reported"
    );
    assert_eq!(s.orphans(&request.id), 1, "polling made no duplicate");
}

/// The file of a record of the store.
fn record_path(s: &Setup, name: &str) -> std::path::PathBuf {
    RecordStore::new(s.keychain.clone(), s._dir.path(), ProfileName::new("test").expect("profile"))
        .path(&RecordId::new(name).expect("record id"))
}

/// Makes the step `failing` fail once: a record file that cannot be written (a folder stands
/// where it goes) for the steps that only touch this computer, a Graph outage on the step's path
/// for the others, a sign-in outage for the verification.
fn inject(s: &Setup, failing: StepKind, id: &ConnectionId) {
    let unavailable = |prefix: &str| {
        s.control(
            "POST",
            "/_emulator/faults",
            json!({"kind": "unavailable", "pathPrefix": prefix, "count": 40, "retryAfter": 0}),
        );
    };
    match failing {
        StepKind::Certificate => {
            std::fs::create_dir_all(record_path(s, &format!("key-{id}"))).expect("blocked")
        }
        StepKind::Save => {
            std::fs::create_dir_all(record_path(s, &format!("connection-{id}"))).expect("blocked")
        }
        StepKind::Resources | StepKind::ServicePrincipal | StepKind::Consent => {
            unavailable("/v1.0/servicePrincipals")
        }
        StepKind::Application => unavailable("/v1.0/applications"),
        StepKind::Sites => unavailable("/v1.0/sites"),
        StepKind::Verify => unavailable(&format!("/{}/oauth2/v2.0/token", s.tenant_id)),
    }
}

fn heal(s: &Setup, id: &ConnectionId) {
    for name in [format!("key-{id}"), format!("connection-{id}")] {
        let _ = std::fs::remove_dir(record_path(s, &name));
    }
    let reply = s.client.send("DELETE", "/_emulator/faults", "", None, &[]);
    assert!(reply.status < 300);
}

/// Runs an apply that fails at `failing` (the fault is injected when that step starts).
async fn fail_at(s: &Setup, failing: StepKind) -> (Journal, ConnectionError) {
    let mut request = s.request(PermissionModel::SitesSelected, vec![Api::Graph, Api::SharePoint]);
    request.name = format!("HR sync {failing:?}");
    let id = request.id.clone();
    let mut journal = apply::begin(&s.ctx, request).await.expect("begun");
    let injected = std::sync::atomic::AtomicBool::new(false);
    let report = |p: Progress| {
        if p.step == failing
            && p.state == StepState::Running
            && !injected.swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            inject(s, failing, &id);
        }
    };
    let error =
        apply::run(&s.ctx, &mut journal, &report, &Cancel::default()).await.expect_err("fails");
    heal(s, &id);
    // The failure is kept in the journal for resume or rollback.
    let kept = s.ctx.store.journal(&id).expect("journal kept");
    assert!(matches!(kept.status, JournalStatus::Failed { .. }), "{failing:?}: {:?}", kept.status);
    (journal, error)
}

const STEPS: [StepKind; 8] = [
    StepKind::Certificate,
    StepKind::Resources,
    StepKind::Application,
    StepKind::ServicePrincipal,
    StepKind::Consent,
    StepKind::Sites,
    StepKind::Verify,
    StepKind::Save,
];

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_at_each_step_is_resumed_to_one_working_connection() {
    let s = setup_as(ADMIN);
    for failing in STEPS {
        let (mut journal, error) = fail_at(&s, failing).await;
        assert!(
            error.fix().is_some() || matches!(error, ConnectionError::Internal(_)),
            "{failing:?}: {error}"
        );
        let log = Log::default();
        let sink = log.0.clone();
        let report = move |p: Progress| sink.lock().expect("log").push(p);
        let record = apply::run(&s.ctx, &mut journal, &report, &Cancel::default())
            .await
            .unwrap_or_else(|e| panic!("{failing:?}: resume failed: {e}"));
        assert!(record.last_test.expect("tested").passed(), "{failing:?}");
        assert_eq!(s.orphans(&journal.request.id), 1, "{failing:?}: one application");
        assert_eq!(s.site_grants(&record.client_id), 1, "{failing:?}: one site grant");
        // Steps finished before the failure are skipped, not done again.
        let before: Vec<StepKind> = STEPS.iter().copied().take_while(|k| *k != failing).collect();
        for step in before.iter().filter(|k| **k != StepKind::Verify) {
            assert_eq!(
                log.states(*step).last(),
                Some(&StepState::Skipped),
                "{failing:?} then {step:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_at_each_step_is_rolled_back_to_zero_orphans() {
    let s = setup_as(ADMIN);
    for failing in STEPS {
        let (journal, _) = fail_at(&s, failing).await;
        let report = |_: Progress| {};
        let result = apply::rollback(&s.ctx, &journal, &report).await.expect("rolled back");
        assert_eq!(s.orphans(&journal.request.id), 0, "{failing:?}: {result:?}");
        if let Some((_, app_id)) = &journal.application {
            assert_eq!(s.site_grants(app_id), 0, "{failing:?}");
        }
        assert!(matches!(
            s.ctx.store.journal(&journal.request.id),
            Err(ConnectionError::NotFound(_))
        ));
        assert!(s.ctx.store.key(&journal.request.id).is_err(), "the key is forgotten too");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_apply_stopped_half_way_is_resumed_from_its_journal() {
    let s = setup_as(ADMIN);
    let request = s.request(PermissionModel::SitesSelected, vec![Api::Graph]);
    let id = request.id.clone();
    // The process "dies" once the service principal exists: the future is dropped mid-apply.
    let mut journal = apply::begin(&s.ctx, request).await.expect("begun");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let tx = Mutex::new(Some(tx));
    let report = move |p: Progress| {
        if p.step == StepKind::Consent
            && p.state == StepState::Running
            && let Some(tx) = tx.lock().expect("tx").take()
        {
            let _ = tx.send(());
        }
    };
    let never = Cancel::default();
    tokio::select! {
        _ = apply::run(&s.ctx, &mut journal, &report, &never) => panic!("should be stopped"),
        _ = rx => {}
    }
    // After a restart: the store offers the unfinished apply.
    let (pending, problems) = s.ctx.store.journals().expect("journals");
    assert!(problems.is_empty());
    let mut resumed =
        pending.into_iter().find(|j| j.request.id == id).expect("offered for resumption");
    assert!(resumed.service_principal_id.is_some());
    assert_eq!(resumed.status, JournalStatus::Applying);
    let log = Log::default();
    let sink = log.0.clone();
    let report = move |p: Progress| sink.lock().expect("log").push(p);
    let record =
        apply::run(&s.ctx, &mut resumed, &report, &Cancel::default()).await.expect("resumed");
    assert_eq!(log.states(StepKind::Application).last(), Some(&StepState::Skipped));
    assert!(record.last_test.expect("tested").passed());
    assert_eq!(s.orphans(&id), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_the_apply_and_rollback_removes_what_it_made() {
    let s = setup_as(ADMIN);
    s.control("PUT", "/_emulator/replication-delay", json!({"seconds": 3600}));
    let request = s.request(PermissionModel::SitesSelected, vec![Api::Graph]);
    let mut journal = apply::begin(&s.ctx, request).await.expect("begun");
    let cancel = Cancel::default();
    let pressing = cancel.clone();
    let report = move |p: Progress| {
        if p.state == StepState::Waiting {
            pressing.cancel();
        }
    };
    let error = apply::run(&s.ctx, &mut journal, &report, &cancel).await.expect_err("cancelled");
    assert!(matches!(error, ConnectionError::Cancelled), "{error}");
    assert_eq!(
        s.ctx.store.journal(&journal.request.id).expect("kept").status,
        JournalStatus::Cancelled
    );
    assert_eq!(s.orphans(&journal.request.id), 1, "the application was made before the wait");
    s.control("PUT", "/_emulator/replication-delay", json!({"seconds": 0}));
    let quiet = |_: Progress| {};
    apply::rollback(&s.ctx, &journal, &quiet).await.expect("rolled back");
    assert_eq!(s.orphans(&journal.request.id), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cloud_application_administrator_is_refused_before_anything_is_created() {
    let s = setup_as(CLOUD_ADMIN);
    let held = roles::my_roles(&s.ctx.graph).await.expect("roles");
    let request = s.request(PermissionModel::SitesSelected, vec![Api::Graph]);
    let error = plan::check_roles(&request, &held).expect_err("refused");
    let text = error.to_string();
    assert!(text.contains("Global Administrator or Privileged Role Administrator"), "{text}");
    assert!(text.contains("Cloud Application Administrator"), "{text}");
    assert!(error.fix().expect("a fix").contains("Roles and administrators"));
    assert_eq!(s.orphans(&request.id), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_already_used_in_the_tenant_is_refused() {
    let s = setup_as(ADMIN);
    let request = s
        .request(PermissionModel::TenantWide { permission: TenantWide::ReadAll }, vec![Api::Graph]);
    create(&s, request, &Log::default()).await.map_err(|(_, e)| e).expect("created");
    let again = s
        .request(PermissionModel::TenantWide { permission: TenantWide::ReadAll }, vec![Api::Graph]);
    let error = apply::begin(&s.ctx, again).await.expect_err("taken");
    assert!(matches!(error, ConnectionError::NameTaken { .. }), "{error}");
    // An apply once started is resumed or rolled back, never started again with a new key.
    let mut other = s.request(PermissionModel::SitesSelected, vec![Api::Graph]);
    other.name = "HR other".into();
    apply::begin(&s.ctx, other.clone()).await.expect("begun");
    let error = apply::begin(&s.ctx, other).await.expect_err("started already");
    assert!(matches!(error, ConnectionError::InvalidInput { field: "id", .. }), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_tests_again_later_and_a_tampered_record_is_reported_not_lost() {
    let s = setup_as(ADMIN);
    let request = s.request(PermissionModel::SitesSelected, vec![Api::SharePoint]);
    let record = create(&s, request, &Log::default()).await.map_err(|(_, e)| e).expect("created");
    let key = s.ctx.store.key(&record.request.id).expect("key");
    let quiet = |_: Progress| {};
    let again =
        verify::test(&s.ctx, &record, key, &quiet, &Cancel::default()).await.expect("tested");
    assert!(again.passed(), "{again:?}");
    // Flip a byte of the encrypted record: it is reported by id, and left in place.
    let path = record_path(&s, &format!("connection-{}", record.request.id));
    let mut bytes = std::fs::read(&path).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, &bytes).expect("write");
    let listing = s.ctx.store.connections().expect("listing");
    assert!(listing.connections.is_empty());
    assert!(
        matches!(listing.problems.as_slice(), [ConnectionError::CorruptStore { .. }]),
        "{:?}",
        listing.problems
    );
    assert_eq!(std::fs::read(&path).expect("still there"), bytes);
}

/// A person's tokens that stop working after `good` calls (their sign-in expired mid-apply).
struct Expiring {
    token: String,
    good: std::sync::atomic::AtomicUsize,
}

impl TokenSource for Expiring {
    fn token<'a>(&'a self, _scopes: &'a [&'a str]) -> TokenFuture<'a> {
        Box::pin(async move {
            let left = self.good.load(std::sync::atomic::Ordering::SeqCst);
            if left == 0 {
                return Err(spconnect_graph::TokenError {
                    message: "Please sign in again: the sign-in has expired.".into(),
                    kind: spconnect_graph::TokenErrorKind::SignInAgain,
                });
            }
            self.good.store(left - 1, std::sync::atomic::Ordering::SeqCst);
            Ok(Secret::new(self.token.clone()))
        })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_that_expires_mid_apply_says_sign_in_again_then_resumes() {
    let mut s = setup_as(ADMIN);
    let token = s.client.user_token(ADMIN)["access_token"].as_str().expect("token").to_owned();
    let expiring =
        Arc::new(Expiring { token: token.clone(), good: std::sync::atomic::AtomicUsize::new(4) });
    let options = GraphOptions { attempts: 1, ..GraphOptions::default() };
    let good_graph = s.ctx.graph.clone();
    s.ctx.graph = GraphClient::new(&s.client.base, expiring, options).expect("graph");
    let request = s.request(PermissionModel::SitesSelected, vec![Api::Graph]);
    let mut journal = apply::begin(&s.ctx, request).await.expect("begun");
    let quiet = |_: Progress| {};
    let error =
        apply::run(&s.ctx, &mut journal, &quiet, &Cancel::default()).await.expect_err("expired");
    assert!(matches!(error, ConnectionError::SignInExpired { .. }), "{error}");
    assert!(error.fix().expect("a fix").contains("Sign in again"), "{error}");
    assert!(error.is_retryable());
    // Signed in again: the apply resumes where it stopped.
    s.ctx.graph = good_graph;
    let record =
        apply::run(&s.ctx, &mut journal, &quiet, &Cancel::default()).await.expect("resumed");
    assert!(record.last_test.expect("tested").passed());
    assert_eq!(s.orphans(&journal.request.id), 1);
}

/// Every log line of this test binary, at the most verbose level.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static CAPTURED: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    CAPTURED
        .get_or_init(|| {
            let captured: Arc<Mutex<Vec<u8>>> = Arc::default();
            let sink = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(move || Sink(sink.clone()))
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
            captured
        })
        .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_token_assertion_or_private_key_reaches_the_log() {
    let logs = captured_logs();
    let s = setup_as(ADMIN);
    let request = s.request(PermissionModel::SitesSelected, vec![Api::Graph, Api::SharePoint]);
    let record = create(&s, request, &Log::default()).await.map_err(|(_, e)| e).expect("created");
    let key = s.ctx.store.key(&record.request.id).expect("key");
    // A stretch of the key's bytes, as hex and as base64: neither may appear.
    let stretch = &key.expose()[40..88];
    let key_hex: String = stretch.iter().map(|b| format!("{b:02x}")).collect();
    let key_b64 = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(stretch)
    };
    let text = String::from_utf8_lossy(&logs.lock().expect("log")).to_string();
    assert!(text.contains("connection"), "the apply logged something: {}", text.len());
    assert!(!text.contains("eyJ"), "a JWT (token or assertion) in the log");
    assert!(
        !text.contains(&key_hex) && !text.contains(&key_b64[..40]),
        "the private key in the log"
    );
    assert!(!text.contains("PRIVATE KEY"));
}
