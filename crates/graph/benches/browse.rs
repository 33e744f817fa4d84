//! Enumerating a large tenant down to the columns, as "load everything" does, against the tenant
//! emulator with 50 ms added to every answer; each figure printed beside its baseline from the
//! same run:
//!
//! - spconnect's way (`$batch` of 20, `$expand=columns`, the pacer's 4 at once): wall time and
//!   requests, against the lower bound (round trips on the critical path × latency), and against
//!   the same work with no latency at all (the time the emulator takes to produce the answers and
//!   the client to read them, on the same cores: a floor the latency bound leaves out);
//! - the naive way (one request at a time, no batching, no `$expand`), on a sample of sites
//!   (the whole tenant would take over half an hour; `SPCONNECT_BENCH_NAIVE_SITES` sets the sample);
//! - with SharePoint's throttling model on (a budget the tenant exceeds, a 10-second window so
//!   the run stays short): resource units, 429s received (the aim is none) and wall time against
//!   the budget's own lower bound; once with Microsoft's smallest band, once with a quarter of it;
//! - the peak resident memory of a process holding the catalogue, against the same process
//!   holding nothing.
//!
//! Run with `cargo bench -p spconnect-graph --bench browse`. `SPCONNECT_BENCH_SITES` (default
//! 2,000) sets the tenant's size; `SPCONNECT_BENCH_ONLY=everything` stops after the first figure
//! (for profiling); `SPCONNECT_BENCH_DEBUG=1` also prints the memory children hold before and
//! after dropping the catalogue.

#[path = "../../emulator/tests/common/sign_in.rs"]
mod common;

use std::{
    sync::{Arc, atomic::AtomicBool},
    time::{Duration, Instant},
};

use common::{ADMIN, Client};
use serde_json::{Value, json};
use spconnect_emulator::{Config, TenantSpec};
use spconnect_graph::{
    FixedToken, GraphClient, GraphOptions, MAX_BATCH, Pacer, PacerOptions,
    crawl::{self, CrawlOptions},
    sharepoint,
};

const LATENCY: Duration = Duration::from_millis(50);
const LISTS: u32 = 20;
const COLUMNS: u32 = 30;

fn report(line: String) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Requests in flight at once: the pacer's default, or `SPCONNECT_BENCH_CONCURRENCY`.
fn concurrency() -> usize {
    env_number("SPCONNECT_BENCH_CONCURRENCY", PacerOptions::default().concurrency)
}

fn client_for(base: &str, token: &str) -> GraphClient {
    GraphClient::new(base, Arc::new(FixedToken::new(token.to_owned())), GraphOptions::default())
        .expect("a client")
        .with_pacer(Pacer::new(PacerOptions { concurrency: concurrency() }))
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The request log's entries since it was last cleared.
fn requests(client: &Client) -> Vec<Value> {
    let log = client.get("/_emulator/requests", &[]).json();
    log["value"].as_array().cloned().unwrap_or_default()
}

fn clear_requests(client: &Client) {
    client.send("DELETE", "/_emulator/requests", "", None, &[]);
}

/// Every site found by search, then everything under them; (sites, lists, columns, search pages).
async fn enumerate(graph: &GraphClient) -> (usize, usize, usize, usize) {
    let mut page = graph
        .get("sites?search=*&$select=id,name,displayName,webUrl,root", sharepoint::READ)
        .await
        .expect("search");
    let mut pages = 1;
    let mut items = Vec::new();
    loop {
        items.extend(page["value"].as_array().cloned().unwrap_or_default());
        let Some(next) = page.get("@odata.nextLink").and_then(Value::as_str) else { break };
        let path = next.split("/v1.0/").nth(1).expect("a Graph link").to_owned();
        page = graph.get(&path, sharepoint::READ).await.expect("a page");
        pages += 1;
    }
    let sites = sharepoint::sites_from(items).expect("sites");
    let cancel = AtomicBool::new(false);
    let result = crawl::crawl(graph, sites, CrawlOptions::default(), &cancel, &mut |_| {})
        .await
        .expect("crawled");
    let p = result.progress;
    assert_eq!(p.sites_with_problems, 0, "every site read");
    (p.sites_read, p.lists, p.columns, pages)
}

/// The naive way for `sample` sites: lists without `$expand`, then each list's columns, then
/// subsites, one request at a time.
async fn naive(graph: &GraphClient, site_ids: &[String]) -> (usize, usize) {
    let (mut requests, mut columns) = (0, 0);
    for site in site_ids {
        let lists =
            graph.get_all(&format!("sites/{site}/lists"), sharepoint::READ).await.expect("lists");
        requests += 1;
        for list in &lists {
            let id = list["id"].as_str().expect("an id");
            let found = graph
                .get_all(&format!("sites/{site}/lists/{id}/columns"), sharepoint::READ)
                .await
                .expect("columns");
            columns += found.len();
            requests += 1;
        }
        graph.get_all(&format!("sites/{site}/sites"), sharepoint::READ).await.expect("subsites");
        requests += 1;
    }
    (requests, columns)
}

/// In a child process (the bench run again): crawl, or hold nothing, and print the peak RSS.
fn child(role: &str) {
    let base = std::env::var("SPCONNECT_BENCH_BASE").expect("base");
    let token = std::env::var("SPCONNECT_BENCH_TOKEN").expect("token");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let held = runtime.block_on(async {
        let graph = client_for(&base, &token);
        if role == "crawl" {
            let sites = sharepoint::search_sites(&graph, "*").await.expect("sites");
            let cancel = AtomicBool::new(false);
            Some(
                crawl::crawl(&graph, sites, CrawlOptions::default(), &cancel, &mut |_| {})
                    .await
                    .expect("crawl"),
            )
        } else {
            graph.get("me", &[]).await.expect("me");
            None
        }
    });
    let lists = held.as_ref().map_or(0, |c| c.progress.lists);
    if std::env::var_os("SPCONNECT_BENCH_DEBUG").is_some() {
        eprintln!("resident with the catalogue: {} KiB", status_kib("VmRSS:"));
        drop(held);
        eprintln!("resident after dropping it: {} KiB", status_kib("VmRSS:"));
    }
    report(format!("{} {lists}", status_kib("VmHWM:")));
}

fn peak_kib(role: &str, base: &str, token: &str) -> (u64, usize) {
    let out = std::process::Command::new(std::env::current_exe().expect("this bench"))
        .env("SPCONNECT_BENCH_ROLE", role)
        .env("SPCONNECT_BENCH_BASE", base)
        .env("SPCONNECT_BENCH_TOKEN", token)
        .output()
        .expect("the child runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    if std::env::var_os("SPCONNECT_BENCH_DEBUG").is_some() {
        eprint!("{role}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().expect("a figure");
    let mut parts = line.split_whitespace();
    (
        parts.next().and_then(|v| v.parse().ok()).expect("kib"),
        parts.next().and_then(|v| v.parse().ok()).expect("lists"),
    )
}

fn main() {
    if let Ok(role) = std::env::var("SPCONNECT_BENCH_ROLE") {
        child(&role);
        return;
    }
    let sites = env_number("SPCONNECT_BENCH_SITES", 2_000) as u32;
    let sample = env_number("SPCONNECT_BENCH_NAIVE_SITES", 20);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");

    // The tenant, with latency added once signed in.
    let client = Client::start_with(Config {
        tenant: TenantSpec::Large { sites, lists: LISTS, columns: COLUMNS },
        ..Config::default()
    });
    let token = client.user_token(ADMIN)["access_token"].as_str().expect("a token").to_owned();
    let graph = client_for(&client.base, &token);
    // The work alone, without latency (this also warms both sides up).
    let started = Instant::now();
    runtime.block_on(enumerate(&graph));
    let compute = started.elapsed();
    let latency = json!({"ms": LATENCY.as_millis() as u64});
    client.send("PUT", "/_emulator/latency", "", Some(latency), &[]);

    // spconnect's way.
    clear_requests(&client);
    let started = Instant::now();
    let (read, lists, columns, pages) = runtime.block_on(enumerate(&graph));
    let ours = started.elapsed();
    let ours_requests = requests(&client).len();
    // The critical path: the search pages one after another, then the batches, 20 parts each (a
    // site's lists and its subsites), `concurrency` at a time.
    let concurrency = concurrency();
    let batches = (read * 2).div_ceil(MAX_BATCH);
    let waves = batches.div_ceil(concurrency);
    let bound = LATENCY * u32::try_from(pages + waves).expect("small");
    report(format!(
        "browse/everything         {:>8.2} s  {ours_requests:>6} requests  ({read} sites, {lists} lists, {columns} columns, {LATENCY:?} latency)",
        ours.as_secs_f64()
    ));
    report(format!(
        "browse/lower_bound        {:>8.2} s  ({pages} search pages + {waves} waves of {concurrency} batches of {MAX_BATCH}) → {:.2}× the lower bound",
        bound.as_secs_f64(),
        ours.as_secs_f64() / bound.as_secs_f64()
    ));
    report(format!(
        "browse/no_latency         {:>8.2} s  (the same enumeration at 0 ms: the emulator producing the answers, the client reading them) → {:.2}× that",
        compute.as_secs_f64(),
        ours.as_secs_f64() / compute.as_secs_f64()
    ));

    if std::env::var("SPCONNECT_BENCH_ONLY").is_ok_and(|only| only == "everything") {
        return;
    }

    // The naive way, on a sample.
    let ids: Vec<String> = runtime
        .block_on(sharepoint::search_sites(&graph, "site"))
        .expect("sites")
        .into_iter()
        .take(sample)
        .map(|s| s.id)
        .collect();
    clear_requests(&client);
    let started = Instant::now();
    let (naive_requests, naive_columns) = runtime.block_on(naive(&graph, &ids));
    let naive_time = started.elapsed();
    assert!(naive_columns >= ids.len() * (LISTS * COLUMNS) as usize, "every column read");
    let per_site = naive_time.as_secs_f64() / ids.len() as f64;
    let naive_all = per_site * read as f64;
    report(format!(
        "browse/naive_sample       {:>8.2} s  {naive_requests:>6} requests  ({} sites one request at a time: {:.2} s a site)",
        naive_time.as_secs_f64(),
        ids.len(),
        per_site
    ));
    report(format!(
        "browse/naive_everything   {:>8.0} s  (extrapolated to {read} sites) → spconnect's way is {:.0}× faster",
        naive_all,
        naive_all / ours.as_secs_f64()
    ));

    // Memory: a process holding the catalogue against the same process holding nothing.
    client.send("PUT", "/_emulator/latency", "", Some(json!({"ms": 0})), &[]);
    let (bare, _) = peak_kib("bare", &client.base, &token);
    let (held, held_lists) = peak_kib("crawl", &client.base, &token);
    report(format!(
        "browse/peak_memory        {:>8.1} MiB  holding {held_lists} lists with their columns; bare client {:.1} MiB → {:.2}×",
        held as f64 / 1024.0,
        bare as f64 / 1024.0,
        held as f64 / bare as f64
    ));
    drop(client);

    // With SharePoint's throttling model on: Microsoft's smallest band (1,200 resource units a
    // minute, docs/microsoft §3.8) with its minute shortened to 10 seconds so the run stays
    // short; then a budget a quarter of that, smaller than any Microsoft publishes, where the
    // fifth left after the 80% mark (60 units) is less than the pacer's four batches in flight
    // (160) before the first header tells it the budget.
    throttled(&runtime, 700, 1_200, 10, "Microsoft's smallest band, its minute as 10 s");
    throttled(&runtime, 200, 300, 10, "a quarter of the smallest band");
}

/// Enumerates a `sites`-site tenant with the throttling model on, at `budget` resource units per
/// `window` seconds, and prints what it cost against the budget's own lower bound.
fn throttled(runtime: &tokio::runtime::Runtime, sites: u32, budget: u64, window: u64, label: &str) {
    let small = Client::start_with(Config {
        tenant: TenantSpec::Large { sites, lists: LISTS, columns: COLUMNS },
        ..Config::default()
    });
    let token = small.user_token(ADMIN)["access_token"].as_str().expect("a token").to_owned();
    let throttling = json!({"enabled": true, "windows": {"minute": window, "day": 86_400, "user": 300},
        "tenants": [{"tenant": "contoso.onmicrosoft.com", "licenses": 500, "perMinute": budget}], "resetUsage": true});
    assert_eq!(small.send("PUT", "/_emulator/throttling", "", Some(throttling), &[]).status, 200);
    small.send(
        "PUT",
        "/_emulator/latency",
        "",
        Some(json!({"ms": LATENCY.as_millis() as u64})),
        &[],
    );
    clear_requests(&small);
    let graph = client_for(&small.base, &token);
    let started = Instant::now();
    let (read, ..) = runtime.block_on(enumerate(&graph));
    let throttled_time = started.elapsed();
    let log = requests(&small);
    let units: u64 = log.iter().filter_map(|r| r["ru"].as_u64()).sum();
    let refused = log.iter().filter(|r| r["status"] == 429).count();
    let stats = graph.pacer().stats();
    // Spending `units` at `budget` a window: every window after the first is waited out.
    let budget_bound = Duration::from_secs(window)
        * u32::try_from(units.saturating_sub(1) / budget).expect("small");
    report(format!(
        "browse/throttled          {:>8.2} s  {units} RU over {read} sites, budget {budget} RU per {window} s ({label}); {refused} answers 429 (inner parts {}), slowed {} times; budget's lower bound {:.2} s → {:.2}×",
        throttled_time.as_secs_f64(),
        stats.throttled,
        stats.slowed,
        budget_bound.as_secs_f64(),
        throttled_time.as_secs_f64() / budget_bound.as_secs_f64().max(f64::MIN_POSITIVE)
    ));
}
