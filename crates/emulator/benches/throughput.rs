//! Throughput of the tenant emulator itself, so that it is never the bottleneck of other
//! benchmarks: requests per second for a typical Graph read, a refresh-token grant and a
//! client-credentials grant with a certificate assertion, on the demo tenant and on a large
//! generated tenant (10,000 sites × 20 lists × 30 columns), plus the memory the large tenant takes;
//! the same reads with SharePoint's throttling model on (same run, budget large enough never to
//! refuse), and the emulator's throughput against what the browse benchmark needs of it
//! (2,000 sites × 20 lists × 30 columns with 50 ms latency).
//! Run with `cargo bench -p spconnect-emulator --bench throughput`. Loops are bounded.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::*;
use serde_json::json;
use spconnect_emulator::{Config, DEMO_TENANT_ID, SPCONNECT_CLIENT_ID, TenantSpec};

const THREADS: usize = 2;

/// Runs `per_thread` calls of `call` on each of [`THREADS`] threads; returns requests per second.
fn rate(per_thread: usize, call: impl Fn() -> u16 + Sync) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..per_thread {
                    assert!(call() < 400, "a request failed during the benchmark");
                }
            });
        }
    });
    (per_thread * THREADS) as f64 / started.elapsed().as_secs_f64()
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn report(line: String) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn main() {
    // `SPCONNECT_BENCH_ONLY=browse` runs only the browse figures (for profiling them).
    if std::env::var("SPCONNECT_BENCH_ONLY").is_ok_and(|only| only == "browse") {
        browse_need();
        return;
    }
    let client = Client::start();
    let tokens = client.user_token(ADMIN);
    let access = tokens["access_token"].as_str().expect("at").to_owned();
    let refresh = tokens["refresh_token"].as_str().expect("rt").to_owned();
    let token_path = format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token");

    let _ = rate(200, || client.graph("GET", "/sites/root", &access, None).status);
    let graph_read = rate(4_000, || client.graph("GET", "/sites/root", &access, None).status);
    report(format!(
        "emulator/graph_read_rps          {graph_read:>8.0} req/s  (GET /v1.0/sites/root, {THREADS} client threads, keep-alive)"
    ));
    let list_items = rate(2_000, || {
        client
            .graph(
                "GET",
                "/sites/contoso.sharepoint.com:/sites/hr:/lists/Employees/items?expand=fields",
                &access,
                None,
            )
            .status
    });
    report(format!(
        "emulator/list_items_rps          {list_items:>8.0} req/s  (items with expand=fields)"
    ));
    throttling_model(&client, &access);
    let hr = client.graph("GET", "/sites/contoso.sharepoint.com:/sites/hr", &access, None).json();
    let hr_id = hr["id"].as_str().expect("id").to_owned();
    item_writes(&client, &access, &hr_id);
    let site_by_id =
        rate(2_000, || client.graph("GET", &format!("/sites/{hr_id}"), &access, None).status);
    report(format!(
        "emulator/site_read_rps           {site_by_id:>8.0} req/s  (GET a site by id among 6)"
    ));
    let columns = rate(1_000, || {
        client
            .graph("GET", &format!("/sites/{hr_id}/lists/Employees/columns"), &access, None)
            .status
    });
    report(format!(
        "emulator/columns_rps             {columns:>8.0} req/s  (the 19 visible columns of the demo Employees list)"
    ));
    let refresh_grant = rate(500, || {
        client
            .form(
                &token_path,
                &[
                    ("client_id", SPCONNECT_CLIENT_ID),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &refresh),
                    ("scope", "https://graph.microsoft.com/.default"),
                ],
                &[],
            )
            .status
    });
    report(format!(
        "emulator/token_refresh_rps       {refresh_grant:>8.0} req/s  (refresh_token grant, RS256-signed access token)"
    ));
    let cert = TestCert::new(365);
    let (_, app_id) = connection_app(&client, &access, &cert, "Sites.Read.All");
    let audience = token_url(&client);
    let assertions: Vec<String> =
        (0..THREADS * 300).map(|_| cert.assertion(&app_id, &audience, true, 0)).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let client_credentials_rate = rate(300, || {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        client_credentials(&client, &app_id, &assertions[i], "https://graph.microsoft.com/.default")
            .status
    });
    report(format!(
        "emulator/token_assertion_rps     {client_credentials_rate:>8.0} req/s  (client_credentials, PS256 assertion verified)"
    ));
    drop(client);

    let before = resident_kib();
    let large = Client::start_with(Config {
        tenant: TenantSpec::Large { sites: 10_000, lists: 20, columns: 30 },
        ..Config::default()
    });
    let after = resident_kib();
    report(format!(
        "emulator/large_tenant_memory_mib {:>8.1} MiB  (10,000 sites x 20 lists x 30 columns; resident growth)",
        after.saturating_sub(before) as f64 / 1024.0
    ));
    let access = large.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let site =
        large.graph("GET", "/sites/contoso.sharepoint.com:/sites/site-09999", &access, None).json();
    let site_id = site["id"].as_str().expect("id").to_owned();
    let lists = large.graph("GET", &format!("/sites/{site_id}/lists"), &access, None).json();
    let list_id = lists["value"][1]["id"].as_str().expect("id").to_owned();
    let large_read =
        rate(2_000, || large.graph("GET", &format!("/sites/{site_id}"), &access, None).status);
    report(format!(
        "emulator/large_site_read_rps     {large_read:>8.0} req/s  (GET a site by id among 10,000)"
    ));
    let large_columns = rate(1_000, || {
        large
            .graph("GET", &format!("/sites/{site_id}/lists/{list_id}/columns"), &access, None)
            .status
    });
    report(format!(
        "emulator/large_columns_rps       {large_columns:>8.0} req/s  (the 30 columns of a generated list)"
    ));
    drop(large);
    browse_need();
    let peak = resident_kib();
    report(format!(
        "emulator/peak_resident_mib       {:>8.1} MiB  (whole benchmark process at the end)",
        peak as f64 / 1024.0
    ));
}

/// Creating, changing and deleting list items through Graph, with the throttling model off and on
/// (alternating, two rounds, best of each).
fn item_writes(client: &Client, access: &str, site: &str) {
    let created = client.graph(
        "POST",
        &format!("/sites/{site}/lists"),
        access,
        Some(json!({"displayName": "Benchmark", "list": {"template": "genericList"}})),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let items = format!("/sites/{site}/lists/Benchmark/items");
    let (mut create, mut update, mut delete) = ([0f64; 2], [0f64; 2], [0f64; 2]);
    for _round in 0..2 {
        for (on, index) in [(false, 0), (true, 1)] {
            set_throttling(client, on);
            let ids = std::sync::Mutex::new(Vec::new());
            create[index] = create[index].max(rate(500, || {
                let reply =
                    client.graph("POST", &items, access, Some(json!({"fields": {"Title": "x"}})));
                if let Some(id) = reply.json()["id"].as_str() {
                    ids.lock().unwrap_or_else(|p| p.into_inner()).push(id.to_owned());
                }
                reply.status
            }));
            let ids = ids.into_inner().unwrap_or_else(|p| p.into_inner());
            let next = std::sync::atomic::AtomicUsize::new(0);
            let id =
                || ids[next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % ids.len()].clone();
            update[index] = update[index].max(rate(500, || {
                let path = format!("{items}/{}/fields", id());
                client.graph("PATCH", &path, access, Some(json!({"Title": "y"}))).status
            }));
            next.store(0, std::sync::atomic::Ordering::Relaxed);
            delete[index] = delete[index].max(rate(500, || {
                client.graph("DELETE", &format!("{items}/{}", id()), access, None).status
            }));
        }
    }
    set_throttling(client, false);
    for (name, what, figures) in [
        ("item_create", "POST …/items", create),
        ("item_update", "PATCH …/items/{id}/fields", update),
        ("item_delete", "DELETE …/items/{id}", delete),
    ] {
        report(format!(
            "emulator/{name:<24}{:>8.0} / {:.0} req/s  ({what}, model off / on: {:.0}%)",
            figures[0],
            figures[1],
            100.0 * figures[1] / figures[0]
        ));
    }
}

/// Switches the throttling model on or off for the demo tenant, with a budget no run can exhaust.
fn set_throttling(client: &Client, enabled: bool) {
    let body = json!({"enabled": enabled, "resetUsage": true, "tenants": [{"tenant": DEMO_TENANT_ID, "perMinute": 1_000_000_000_000u64, "perDay": 1_000_000_000_000u64, "userRequests": 1_000_000_000_000u64}]});
    let reply = client.send("PUT", "/_emulator/throttling", "", Some(body), &[]);
    assert_eq!(reply.status, 200, "{}", reply.text);
}

/// A site read and an item query with the model off and on, alternating (two rounds, best of
/// each) so that warm-up and noise fall on both sides alike.
fn throttling_model(client: &Client, access: &str) {
    let items = "/sites/contoso.sharepoint.com:/sites/hr:/lists/Employees/items?expand=fields";
    let (mut read, mut query) = ([0f64; 2], [0f64; 2]);
    for _round in 0..2 {
        for (on, index) in [(false, 0), (true, 1)] {
            set_throttling(client, on);
            read[index] = read[index]
                .max(rate(2_000, || client.graph("GET", "/sites/root", access, None).status));
            query[index] =
                query[index].max(rate(1_000, || client.graph("GET", items, access, None).status));
        }
    }
    let charged: u64 = client.get("/_emulator/requests", &[]).json()["value"]
        .as_array()
        .map(|log| log.iter().filter_map(|e| e["ru"].as_u64()).sum())
        .unwrap_or(0);
    assert!(charged > 0, "the model charged the requests");
    set_throttling(client, false);
    report(format!(
        "emulator/throttle_off_on_read    {:>8.0} / {:.0} req/s  (GET /v1.0/sites/root, model off / on: {:.0}%)",
        read[0],
        read[1],
        100.0 * read[1] / read[0]
    ));
    report(format!(
        "emulator/throttle_off_on_items   {:>8.0} / {:.0} req/s  (items with expand=fields, model off / on: {:.0}%)",
        query[0],
        query[1],
        100.0 * query[1] / query[0]
    ));
}

/// The latency the browse benchmark runs the emulator with.
const BROWSE_LATENCY_SECONDS: f64 = 0.050;
/// Requests the browse client keeps in flight (its pacer's bound) and Graph's batch limit: with
/// these, the browse benchmark's lower bound is its round trips on the critical path × latency.
const BROWSE_IN_FLIGHT: u32 = 4;
const BATCH_LIMIT: u32 = 20;
/// What the Browse view shows of lists and columns: the query its enumeration sends.
const BROWSE_SELECT: &str = "$select=id,name,displayName,list,webUrl&$expand=columns($select=id,name,displayName,required,indexed,readOnly,defaultValue,text,number,choice,lookup,dateTime,boolean,currency,personOrGroup,hyperlinkOrPicture,calculated)";

/// What the browse benchmark asks of the emulator, on a tenant of its size (2,000 sites × 20
/// lists × 30 columns): the site pages, then each site's lists with their columns
/// (`$expand=columns`) in batches of 20, at most [`BROWSE_IN_FLIGHT`] batches at a time. Its
/// lower bound is (site pages + batch rounds) × 50 ms; the emulator's own work for the same
/// requests must be at most a tenth of that, or the emulator, not the client, would set the pace.
/// The naive enumeration (one request at a time, no batching, no `$expand`) is measured too.
fn browse_need() {
    let (sites, lists) = (2_000u32, 20u32);
    let browse = Client::start_with(Config {
        tenant: TenantSpec::Large { sites, lists, columns: 30 },
        ..Config::default()
    });
    let access = browse.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let mut pages = 0u32;
    let mut next = Some("/sites?search=*".to_owned());
    let mut site_ids = Vec::new();
    while let Some(path) = next.take() {
        let page = browse.graph("GET", &path, &access, None).json();
        pages += 1;
        site_ids.extend(
            page["value"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["id"].as_str())
                .map(str::to_owned),
        );
        next = page["@odata.nextLink"]
            .as_str()
            .and_then(|link| link.split_once("/v1.0").map(|(_, p)| p.to_owned()));
    }
    let site_id = site_ids[0].clone();
    let list_page = browse.graph("GET", &format!("/sites/{site_id}/lists"), &access, None).json();
    let list_id = list_page["value"][1]["id"].as_str().expect("list id").to_owned();
    let pages_rps = rate(10, || browse.graph("GET", "/sites?search=*", &access, None).status);

    // The naive way: one request per site's lists and per list's columns.
    let lists_rps =
        rate(500, || browse.graph("GET", &format!("/sites/{site_id}/lists"), &access, None).status);
    let columns_rps = rate(1_000, || {
        browse
            .graph("GET", &format!("/sites/{site_id}/lists/{list_id}/columns"), &access, None)
            .status
    });
    let naive_requests = f64::from(pages + sites + sites * lists);
    let naive_work = f64::from(pages) / pages_rps
        + f64::from(sites) / lists_rps
        + f64::from(sites * lists) / columns_rps;
    let naive_wall = naive_requests * BROWSE_LATENCY_SECONDS;
    report(format!(
        "emulator/browse_naive_work_s     {naive_work:>8.2} s      ({naive_requests:.0} requests one at a time; the naive browse takes at least {naive_wall:.0} s at 50 ms: {:.0}x the emulator's work)",
        naive_wall / naive_work
    ));

    // The batched way: batches of 20 `lists?$expand=columns`, over different sites, first with
    // every property, then with only what the Browse view shows (nested `$select`).
    let batch_body = |offset: usize, query: &str| {
        let requests: Vec<serde_json::Value> = (0..BATCH_LIMIT as usize)
            .map(|i| {
                let id = &site_ids[(offset + i) % site_ids.len()];
                json!({"id": i.to_string(), "method": "GET", "url": format!("/sites/{id}/lists?{query}")})
            })
            .collect();
        json!({"requests": requests})
    };
    let mut figures = Vec::new();
    for (label, query) in
        [("all properties", "$expand=columns"), ("as Browse selects", BROWSE_SELECT)]
    {
        // Checked once in full; inside the timed loop only the status of each answer is read, so
        // the figure is the emulator's work and the transfer, not the benchmark parsing JSON.
        let sample = browse.graph("POST", "/$batch", &access, Some(batch_body(0, query)));
        let parsed = sample.json();
        let answers = parsed["responses"].as_array().expect("responses");
        assert_eq!(answers.len(), BATCH_LIMIT as usize);
        assert!(
            answers
                .iter()
                .all(|a| a["status"] == 200 && a["body"]["value"][0]["columns"].is_array()),
            "{label}"
        );
        let ok = "\"status\":200";
        let offset = std::sync::atomic::AtomicUsize::new(0);
        let batches_rps = rate(50, || {
            let at = offset.fetch_add(BATCH_LIMIT as usize, std::sync::atomic::Ordering::Relaxed);
            let reply = browse.graph("POST", "/$batch", &access, Some(batch_body(at, query)));
            if reply.text.matches(ok).count() == BATCH_LIMIT as usize { reply.status } else { 500 }
        });
        let bytes = sample.text.len() as f64;
        report(format!(
            "emulator/browse_batched_rps      {:>8.0} req/s  ({label}: lists with $expand=columns inside batches of {BATCH_LIMIT}; {:.1} batches/s of {:.1} MB: {:.0} MB/s of JSON)",
            batches_rps * f64::from(BATCH_LIMIT),
            batches_rps,
            bytes / 1e6,
            batches_rps * bytes / 1e6
        ));
        figures.push(batches_rps);
    }
    let batches_rps = figures[1];
    let batches = sites.div_ceil(BATCH_LIMIT);
    let work = f64::from(pages) / pages_rps + f64::from(batches) / batches_rps;
    let rounds = pages + batches.div_ceil(BROWSE_IN_FLIGHT);
    let lower_bound = f64::from(rounds) * BROWSE_LATENCY_SECONDS;
    report(format!(
        "emulator/browse_batched_work_s   {work:>8.2} s      ({pages} site pages + {batches} batches of {BATCH_LIMIT} lists-with-columns requests, as Browse selects)"
    ));
    report(format!(
        "emulator/browse_lower_bound_s    {lower_bound:>8.2} s      (the browse benchmark's floor: {rounds} round trips x 50 ms, {BROWSE_IN_FLIGHT} batches in flight)"
    ));
    report(format!(
        "emulator/browse_headroom         {:>8.1} x      (lower bound / emulator work; the goal is at least 10)",
        lower_bound / work
    ));
}
