//! The Graph client against the tenant emulator over real loopback HTTP: roles and what they
//! allow, registering spconnect's client, paging, retries honouring `Retry-After`, errors that
//! keep Graph's code and request id, `$batch` with failing and dependent parts, a throttling
//! storm that loses nothing, and the SharePoint reads Browse makes.

#[path = "../../emulator/tests/common/sign_in.rs"]
mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use common::{ADMIN, CLOUD_ADMIN, Client, USER};
use serde_json::json;
use spconnect_graph::{
    BatchRequest, FixedToken, GraphClient, GraphError, GraphOptions, TokenError, TokenErrorKind,
    TokenFuture, TokenSource,
    applications::{self, GRAPH_COMMAND_LINE_TOOLS_CLIENT_ID},
    crawl::{self, CrawlOptions},
    roles::{self, AdminRole},
    sharepoint::{self, ColumnType},
};

/// A token got once by signing in through the emulator's pages (what the identity crate does).
struct Refused;

impl TokenSource for Refused {
    fn token<'a>(&'a self, _scopes: &'a [&'a str]) -> TokenFuture<'a> {
        Box::pin(async {
            Err(TokenError {
                message: "Please sign in again: the sign-in has expired.".into(),
                kind: TokenErrorKind::SignInAgain,
            })
        })
    }
}

fn graph_for(client: &Client, user: (&str, &str)) -> GraphClient {
    let token = client.user_token(user)["access_token"].as_str().expect("a token").to_owned();
    let options =
        GraphOptions { first_backoff: Duration::from_millis(50), ..GraphOptions::default() };
    GraphClient::new(&client.base, Arc::new(FixedToken::new(token)), options).expect("a client")
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_are_read_from_transitive_memberships() {
    let client = Client::start();
    let admin = roles::my_roles(&graph_for(&client, ADMIN)).await.expect("roles");
    assert!(admin.contains(&AdminRole::GlobalAdministrator), "{admin:?}");
    let cloud = roles::my_roles(&graph_for(&client, CLOUD_ADMIN)).await.expect("roles");
    assert_eq!(cloud, [AdminRole::CloudApplicationAdministrator]);
    let caps = roles::capabilities(&cloud);
    assert!(!caps[1].allowed, "a Cloud Application Administrator cannot grant Graph app roles");
    assert!(roles::my_roles(&graph_for(&client, USER)).await.expect("roles").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_spconnect_twice_makes_one_public_client_with_its_service_principal() {
    let client = Client::start();
    let graph = graph_for(&client, ADMIN);
    let first =
        applications::register_public_client(&graph, "spconnect").await.expect("registered");
    let again = applications::register_public_client(&graph, "spconnect").await.expect("again");
    assert_eq!(first, again, "the uniqueName upsert updates the same application");
    let app = graph.get(&format!("applications/{}", first.object_id), &[]).await.expect("the app");
    assert_eq!(app["isFallbackPublicClient"], true);
    assert_eq!(
        app["publicClient"]["redirectUris"],
        json!(["http://localhost", "http://127.0.0.1"])
    );
    assert!(app.get("passwordCredentials").is_none_or(|p| p == &json!([])), "no secret: {app}");
    let declared = app["requiredResourceAccess"][0]["resourceAccess"].as_array().expect("declared");
    assert_eq!(declared.len(), applications::DECLARED_SCOPES.len());
    assert!(declared.iter().all(|a| a["type"] == "Scope"));
    let principals = graph
        .get_all(&format!("servicePrincipals?$filter=appId eq '{}'", first.app_id), &[])
        .await
        .expect("principals");
    assert_eq!(principals.len(), 1);
    assert_ne!(first.app_id, GRAPH_COMMAND_LINE_TOOLS_CLIENT_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_keeps_graphs_code_and_request_id() {
    let client = Client::start();
    let graph = graph_for(&client, USER);
    // Reading another person needs a directory permission the user's token does not carry.
    let error = graph.get(&format!("users/{}", ADMIN.0), &[]).await.expect_err("refused");
    let GraphError::Service { status, code, request_id, .. } = &error else { panic!("{error:?}") };
    assert_eq!(*status, 403);
    assert!(!code.is_empty() && request_id.is_some(), "{error:?}");
    assert!(error.to_string().contains("request-id"), "{error}");
    assert!(!error.is_retryable());
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_are_followed_through_next_links() {
    let client = Client::start();
    let graph = graph_for(&client, ADMIN);
    let all = graph.get_all("sites?search=*&$top=2", &[]).await.expect("sites");
    let first_page = graph.get("sites?search=*&$top=2", &[]).await.expect("a page");
    assert!(first_page["@odata.nextLink"].is_string(), "more than one page: {first_page}");
    assert!(all.len() > 2, "{} sites", all.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_is_retried_after_the_time_graph_asks_for() {
    let client = Client::start();
    let graph = graph_for(&client, ADMIN);
    let fault = json!({"kind": "throttle", "pathPrefix": "/v1.0/me", "count": 2, "retryAfter": 1});
    assert_eq!(client.send("POST", "/_emulator/faults", "", Some(fault), &[]).status, 201);
    let started = Instant::now();
    let me = graph.get("me", &[]).await.expect("answered after two 429s");
    assert_eq!(me["userPrincipalName"], ADMIN.0);
    assert!(started.elapsed() >= Duration::from_secs(2), "waited Retry-After twice");

    let unavailable =
        json!({"kind": "unavailable", "pathPrefix": "/v1.0/me", "count": 10, "retryAfter": 0});
    client.send("POST", "/_emulator/faults", "", Some(unavailable), &[]);
    let error = graph.get("me", &[]).await.expect_err("gives up after its attempts");
    assert_eq!(error.status(), Some(503), "{error:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_cannot_be_had_is_explained_and_nothing_is_sent() {
    let client = Client::start();
    let graph =
        GraphClient::new(&client.base, Arc::new(Refused), GraphOptions::default()).expect("client");
    let error = graph.get("me", &[]).await.expect_err("no token");
    assert!(
        matches!(&error, GraphError::Token(t) if t.kind == TokenErrorKind::SignInAgain),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_answers_each_part_and_the_dependents_of_a_failed_one_fail_with_424() {
    let client = Client::start();
    let graph = graph_for(&client, ADMIN);
    let mut dependent = BatchRequest::get("3", "/me");
    dependent.depends_on = vec!["2".into()];
    let requests = [
        BatchRequest::get("1", "/sites/root?$select=id,displayName"),
        BatchRequest::get("2", "/sites/contoso.sharepoint.com:/sites/no-such-site"),
        dependent,
    ];
    let answers = graph.batch(&requests, &[]).await;
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0].as_ref().expect("the root site")["displayName"], "Contoso");
    assert_eq!(answers[1].as_ref().expect_err("no such site").status(), Some(404));
    assert_eq!(answers[2].as_ref().expect_err("its dependency failed").status(), Some(424));

    let too_many: Vec<BatchRequest> =
        (0..21).map(|i| BatchRequest::get(i.to_string(), "/me")).collect();
    let refused = graph.batch(&too_many, &[]).await;
    assert!(refused.iter().all(|r| matches!(r, Err(GraphError::InvalidInput(_)))));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_throttling_storm_loses_nothing_and_never_retries_sooner_than_asked() {
    let client = Client::start();
    let graph = graph_for(&client, ADMIN);
    let sites = sharepoint::search_sites(&graph, "*").await.expect("sites");
    // Every site's lists, three times over: 18 reads in one batch, and then some in a second.
    let paths: Vec<String> =
        sites.iter().cycle().take(sites.len() * 4).map(|s| sharepoint::lists_path(&s.id)).collect();
    assert!(paths.len() > 20, "{} reads", paths.len());
    let calm = graph.get_many(&paths, &[]).await;
    assert!(calm.iter().all(Result::is_ok));

    // 30% of the reads inside the batches get 429 with Retry-After: 1 (seeded, so repeatable).
    let storm = json!({"kind": "throttle", "pathPrefix": "/v1.0/sites/", "fraction": 0.3, "seed": 7, "retryAfter": 1});
    assert_eq!(client.send("POST", "/_emulator/faults", "", Some(storm), &[]).status, 201);
    let before = graph.pacer().stats();
    let started = Instant::now();
    let stormy = graph.get_many(&paths, &[]).await;
    let elapsed = started.elapsed();
    client.send("DELETE", "/_emulator/faults", "", None, &[]);
    let stats = graph.pacer().stats();
    assert!(stats.throttled > before.throttled, "the storm hit: {stats:?}");
    assert!(elapsed >= Duration::from_secs(1), "waited the Retry-After: {elapsed:?}");
    for (calm, stormy) in calm.iter().zip(&stormy) {
        let (calm, stormy) = (calm.as_ref().expect("read"), stormy.as_ref().expect("read again"));
        assert_eq!(calm["value"], stormy["value"], "nothing lost or changed");
    }

    // 30% of them 503 without a wait asked for: backed off with jitter, and nothing lost either.
    let outage = json!({"kind": "unavailable", "pathPrefix": "/v1.0/sites/", "fraction": 0.3, "seed": 11, "retryAfter": 0});
    assert_eq!(client.send("POST", "/_emulator/faults", "", Some(outage), &[]).status, 201);
    let unavailable = graph.get_many(&paths, &[]).await;
    client.send("DELETE", "/_emulator/faults", "", None, &[]);
    for (calm, again) in calm.iter().zip(&unavailable) {
        let (calm, again) = (calm.as_ref().expect("read"), again.as_ref().expect("read again"));
        assert_eq!(calm["value"], again["value"], "nothing lost in the outage");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn browse_reads_sites_subsites_lists_with_columns_content_types_and_items() {
    let client = Client::start();
    let graph = graph_for(&client, ADMIN);
    let root = sharepoint::root_site(&graph).await.expect("the root site");
    assert!(root.is_root && root.display_name == "Contoso", "{root:?}");
    let found = sharepoint::search_sites(&graph, "human").await.expect("found");
    let hr = found.iter().find(|s| s.display_name == "Human Resources").expect("HR");
    let by_path = sharepoint::site(&graph, "contoso.sharepoint.com:/sites/hr").await.expect("HR");
    assert_eq!(by_path.id, hr.id);
    let subsites = sharepoint::subsites(&graph, &hr.id).await.expect("subsites");
    assert_eq!(subsites.iter().map(|s| s.display_name.as_str()).collect::<Vec<_>>(), ["Benefits"]);

    let lists = sharepoint::lists(&graph, &hr.id).await.expect("lists");
    let documents = lists.iter().find(|l| l.is_library()).expect("a library");
    assert!(!documents.columns.is_empty(), "columns come with the list");
    let employees = lists.iter().find(|l| l.display_name == "Employees").expect("Employees");
    let types: Vec<&ColumnType> = employees.columns.iter().map(|c| &c.column_type).collect();
    assert!(
        types
            .iter()
            .any(|t| matches!(t, ColumnType::Choice { choices, .. } if !choices.is_empty())),
        "{types:?}"
    );
    assert!(types.iter().any(|t| matches!(t, ColumnType::Lookup { .. })), "{types:?}");
    assert!(employees.columns.iter().any(|c| c.required), "a required column");

    let content_types =
        sharepoint::content_types(&graph, &hr.id, &employees.id).await.expect("content types");
    assert!(content_types.iter().any(|c| c.id.starts_with("0x01")), "{content_types:?}");
    let items = sharepoint::preview_items(&graph, &hr.id, &employees.id).await.expect("items");
    assert!(!items.is_empty() && items.len() <= sharepoint::PREVIEW_ITEMS);
    assert!(items[0].fields.contains_key("Title"), "{:?}", items[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crawl_reads_every_site_down_to_the_columns_and_stops_when_cancelled() {
    let client = Client::start_with(spconnect_emulator::Config {
        tenant: spconnect_emulator::TenantSpec::Large { sites: 60, lists: 3, columns: 4 },
        ..spconnect_emulator::Config::default()
    });
    let graph = graph_for(&client, ADMIN);
    let sites = sharepoint::search_sites(&graph, "*").await.expect("sites");
    assert_eq!(sites.len(), 61, "the root and 60 generated sites");
    let options = CrawlOptions { sites_per_round: 10, subsites: true };
    let mut reports = Vec::new();
    let never = AtomicBool::new(false);
    let all = crawl::crawl(&graph, sites.clone(), options, &never, &mut |p| reports.push(p))
        .await
        .expect("crawled");
    assert!(!all.cancelled);
    assert_eq!(all.progress.sites_read, 61);
    assert_eq!(all.progress.sites_with_problems, 0);
    assert!(all.progress.lists >= 60 * 3);
    assert!(all.progress.columns >= 60 * 3 * 4);
    assert_eq!(reports.len(), 1 + 7, "a report at the start and after each round of 10");
    assert!(reports.windows(2).all(|w| w[0].sites_read <= w[1].sites_read));

    let cancel = AtomicBool::new(false);
    let part = crawl::crawl(&graph, sites, options, &cancel, &mut |p| {
        if p.sites_read >= 20 {
            cancel.store(true, Ordering::Relaxed);
        }
    })
    .await
    .expect("crawled in part");
    assert!(part.cancelled);
    assert_eq!(part.progress.sites_read, 20, "stopped after the round that passed 20");
    assert_eq!(part.sites.len(), 20, "what was read is kept");
}
