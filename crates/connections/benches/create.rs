//! One connection created end to end (Sites.Selected on one site, Graph and SharePoint, verified
//! with its own certificate) against the tenant emulator with 50 ms added to every answer and a
//! 10-second replication delay on every new application, service principal and grant, printed
//! beside its lower bound from the same run:
//!
//! - wall time and the requests sent (Graph, sign-in, SharePoint REST), from the emulator's log;
//! - the lower bound: the replication waits the steps must sit out one after another (the
//!   application before its service principal, the service principal before its grants, the
//!   grants before a token carries them: each a new object with its own delay) plus the
//!   requests on the critical path × the latency;
//! - the time from the last replication's end (the grants visible to the token service) to done:
//!   the aim is at most 2 seconds.
//!
//! Run with `cargo bench -p spconnect-connections --bench create`. `SPCONNECT_BENCH_DELAY`
//! (seconds, default 10) sets the replication delay; `SPCONNECT_BENCH_RUNS` (default 3) the runs.

#[path = "../../emulator/tests/common/sign_in.rs"]
mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::{ADMIN, Client, claims};
use serde_json::json;
use spconnect_connections::{
    apply::{self, ApplyOptions, Cancel, Context, Progress, StepState},
    model::*,
    plan::StepKind,
    store::ConnectionStore,
};
use spconnect_emulator::Config;
use spconnect_graph::{FixedToken, GraphClient, GraphOptions};
use spconnect_identity::{Authority, NetworkOptions};
use spconnect_vault::{MemoryStore, ProfileName, RecordStore};

const LATENCY: Duration = Duration::from_millis(50);

fn report(line: String) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Run {
    wall: Duration,
    graph: usize,
    sign_in: usize,
    sharepoint: usize,
    waits: usize,
    after_last: Duration,
}

async fn create_once(
    client: &Client,
    graph: &GraphClient,
    tenant_id: &str,
    delay: Duration,
    n: u64,
) -> Run {
    let dir = tempfile::tempdir().expect("dir");
    let records = RecordStore::new(
        Arc::new(MemoryStore::new()),
        dir.path(),
        ProfileName::new("bench").expect("profile"),
    );
    let ctx = Context {
        graph: graph.clone(),
        store: ConnectionStore::new(records),
        authority: Authority::new(&client.base, tenant_id).expect("authority"),
        network: NetworkOptions::default(),
        graph_host: client.base.clone(),
        sharepoint_override: Some(client.base.clone()),
        options: ApplyOptions::default(),
    };
    let site = graph.get("sites/contoso.sharepoint.com:/sites/hr", &[]).await.expect("site");
    let request = ConnectionRequest {
        id: ConnectionId::generate().expect("id"),
        name: format!("Bench {n}"),
        tenant_id: tenant_id.to_owned(),
        model: PermissionModel::SitesSelected,
        apis: vec![Api::Graph, Api::SharePoint],
        sites: vec![SiteChoice {
            site_id: site["id"].as_str().expect("id").to_owned(),
            web_url: site["webUrl"].as_str().expect("url").to_owned(),
            name: "HR".into(),
            role: SiteRole::Write,
        }],
        certificate: CertificateChoice {
            key_bits: 2048,
            validity_days: 365,
            subject: "bench".into(),
        },
        creator: Creator { username: ADMIN.0.into(), object_id: "bench".into() },
        definition: None,
    };
    let _ = client.send("DELETE", "/_emulator/requests", "", None, &[]);
    let events: Arc<Mutex<Vec<(Instant, Progress)>>> = Arc::default();
    let sink = events.clone();
    let report_progress = move |p: Progress| sink.lock().expect("events").push((Instant::now(), p));
    let started = Instant::now();
    let mut journal = apply::begin(&ctx, request).await.expect("begun");
    apply::run(&ctx, &mut journal, &report_progress, &Cancel::default()).await.expect("created");
    let wall = started.elapsed();
    let ended = Instant::now();
    let log = client.get("/_emulator/requests", &[]).json();
    let entries = log["value"].as_array().cloned().unwrap_or_default();
    let count = |f: &dyn Fn(&str) -> bool| {
        entries.iter().filter(|e| f(e["path"].as_str().unwrap_or_default())).count()
    };
    let events = events.lock().expect("events");
    let waited: std::collections::HashSet<StepKind> =
        events.iter().filter(|(_, p)| p.state == StepState::Waiting).map(|(_, p)| p.step).collect();
    // The last grant was made just before the Consent step reported done; it became visible to
    // the token service `delay` later.
    let consent_done = events
        .iter()
        .find(|(_, p)| p.step == StepKind::Consent && p.state == StepState::Done)
        .map(|(at, _)| *at)
        .expect("consent done");
    Run {
        wall,
        graph: count(&|p| p.starts_with("/v1.0")),
        sign_in: count(&|p| p.contains("/oauth2/")),
        sharepoint: count(&|p| p.contains("/_api/")),
        waits: waited.len(),
        after_last: ended.saturating_duration_since(consent_done + delay),
    }
}

fn main() {
    let delay = Duration::from_secs(env_number("SPCONNECT_BENCH_DELAY", 10));
    let runs = env_number("SPCONNECT_BENCH_RUNS", 3);
    let client = Client::start_with(Config { latency: LATENCY, ..Config::default() });
    let token = client.user_token(ADMIN)["access_token"].as_str().expect("token").to_owned();
    let tenant_id = claims(&token)["tid"].as_str().expect("tid").to_owned();
    let graph =
        GraphClient::new(&client.base, Arc::new(FixedToken::new(token)), GraphOptions::default())
            .expect("graph");
    let set_delay = |seconds: u64| {
        let reply = client.send(
            "PUT",
            "/_emulator/replication-delay",
            "",
            Some(json!({"seconds": seconds})),
            &[],
        );
        assert!(reply.status < 300, "{}", reply.text);
    };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    report(format!(
        "create one connection: Sites.Selected on 1 site, Graph + SharePoint, verified; {} ms latency per answer",
        LATENCY.as_millis()
    ));
    // Without replication delay: the requests alone.
    set_delay(0);
    let quick = runtime.block_on(create_once(&client, &graph, &tenant_id, Duration::ZERO, 0));
    let requests = quick.graph + quick.sign_in + quick.sharepoint;
    report(format!(
        "  no replication delay: {:>6.2} s, {} requests (Graph {}, sign-in {}, SharePoint REST {}); lower bound {} sequential requests x {} ms = {:.2} s, ratio {:.2}",
        quick.wall.as_secs_f64(),
        requests,
        quick.graph,
        quick.sign_in,
        quick.sharepoint,
        requests,
        LATENCY.as_millis(),
        requests as f64 * LATENCY.as_secs_f64(),
        quick.wall.as_secs_f64() / (requests as f64 * LATENCY.as_secs_f64()),
    ));
    set_delay(delay.as_secs());
    for n in 1..=runs {
        let run = runtime.block_on(create_once(&client, &graph, &tenant_id, delay, n));
        let bound =
            run.waits as f64 * delay.as_secs_f64() + requests as f64 * LATENCY.as_secs_f64();
        report(format!(
            "  run {n}, {} s replication delay: {:>6.2} s, {} requests (Graph {}, sign-in {}, SharePoint REST {}), {} steps waited; lower bound {} x {} s + {} x {} ms = {:.2} s, ratio {:.2}; done {:.2} s after the last replication ended (aim <= 2 s)",
            delay.as_secs(),
            run.wall.as_secs_f64(),
            run.graph + run.sign_in + run.sharepoint,
            run.graph,
            run.sign_in,
            run.sharepoint,
            run.waits,
            run.waits,
            delay.as_secs(),
            requests,
            LATENCY.as_millis(),
            bound,
            run.wall.as_secs_f64() / bound,
            run.after_last.as_secs_f64(),
        ));
    }
}
