//! Throughput of the tenant emulator itself, so that it is never the bottleneck of other
//! benchmarks: requests per second for a typical Graph read, a refresh-token grant and a
//! client-credentials grant with a certificate assertion, on the demo tenant and on a large
//! generated tenant (10,000 sites × 20 lists × 30 columns), plus the memory the large tenant takes.
//! Run with `cargo bench -p spconnect-emulator --bench throughput`. Loops are bounded.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::*;
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
    let hr = client.graph("GET", "/sites/contoso.sharepoint.com:/sites/hr", &access, None).json();
    let hr_id = hr["id"].as_str().expect("id").to_owned();
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
    let peak = resident_kib();
    report(format!(
        "emulator/peak_resident_mib       {:>8.1} MiB  (whole benchmark process at the end)",
        peak as f64 / 1024.0
    ));
}
