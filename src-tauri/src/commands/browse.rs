//! Commands of the wizard's Browse step: find sites, open one (its subsites and its lists with
//! their columns, in one batch), and open a list (its content types and first items, in one
//! batch). All run as the chosen person with browsing's own permission (`Sites.Read.All`); when
//! they have not consented to it yet the answer is `consentRequired`, and the UI asks. What cannot
//! be read is reported beside what could.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use spconnect_graph::{
    GraphClient, GraphError,
    crawl::{self, CrawlOptions, CrawlProgress},
    sharepoint,
};
use tauri::{Runtime, State};

use super::accounts::{find_account, graph_as};
use crate::{
    AppState,
    accounts::key_of,
    browsing::now_seconds,
    ipc::{
        WireError,
        browse::{
            FindSitesArgs, ListArgs, ListDetailsView, ListView, LoadAllArgs, LoadProgressView,
            LoadedSiteView, LoadedView, SiteArgs, SiteContentsView, SiteView, SitesView,
        },
        contract::arguments,
    },
};

/// Sites matching words of their title or address, the site at a URL, or (with nothing typed)
/// the root site and every site the person can find.
#[tauri::command]
pub async fn browse_sites(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<SitesView, WireError> {
    let FindSitesArgs { tenant_id, object_id, client_id, query } =
        arguments("browse_sites", &request)?;
    let account = find_account(&state, &tenant_id, &object_id, &client_id).await?;
    let graph = graph_as(&state, &account)?;
    let query = query.unwrap_or_default().trim().to_owned();
    if let Some(address) = site_address(&query) {
        let site = sharepoint::site(&graph, &address).await.map_err(WireError::from)?;
        return Ok(SitesView { sites: vec![site.into()], how: format!("The site at {query}") });
    }
    let (words, how) = match query.as_str() {
        "" => ("*", "Every site you can find".to_owned()),
        words => (words, format!("Sites matching “{words}”")),
    };
    let mut sites: Vec<SiteView> = sharepoint::search_sites(&graph, words)
        .await
        .map_err(WireError::from)?
        .into_iter()
        .map(SiteView::from)
        .collect();
    sites.sort_by(|a, b| {
        b.is_root
            .cmp(&a.is_root)
            .then_with(|| a.display_name.to_lowercase().cmp(&b.display_name.to_lowercase()))
    });
    Ok(SitesView { sites, how })
}

/// `https://contoso.sharepoint.com/sites/hr` → `contoso.sharepoint.com:/sites/hr` (Graph's
/// address of a site by path, docs/microsoft §3.1).
fn site_address(query: &str) -> Option<String> {
    // An address pasted without its scheme (`contoso.sharepoint.com/sites/hr`) is one too.
    let first = query.split('/').next().unwrap_or_default();
    let bare = !query.contains("://")
        && first.contains('.')
        && !query.chars().any(char::is_whitespace)
        && query.contains('/');
    let url = if bare {
        url::Url::parse(&format!("https://{query}")).ok()?
    } else {
        url::Url::parse(query).ok()?
    };
    if url.scheme() != "https" && url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?;
    let path = url.path().trim_end_matches('/');
    Some(if path.is_empty() { host.to_owned() } else { format!("{host}:{path}") })
}

/// A site's subsites and its lists and libraries with their columns: as read before by this
/// person (with when), unless `refresh` asks to read it again.
#[tauri::command]
pub async fn browse_site(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<SiteContentsView, WireError> {
    let SiteArgs { tenant_id, object_id, client_id, site_id, refresh } =
        arguments("browse_site", &request)?;
    let account = find_account(&state, &tenant_id, &object_id, &client_id).await?;
    let key = key_of(&account);
    if !refresh.unwrap_or(false)
        && let Some(kept) = state.browsing().cached(&key, &site_id)
    {
        return Ok(kept);
    }
    let graph = graph_as(&state, &account)?;
    let paths = [sharepoint::subsites_path(&site_id), sharepoint::lists_path(&site_id)];
    let [subsites, lists] = all_pages(&graph, &paths, [true, true]).await?;
    let mut problems = Vec::new();
    let subsites = read("The subsites", subsites, sharepoint::sites_from, &mut problems);
    let lists = read("The lists and libraries", lists, sharepoint::lists_from, &mut problems);
    let subsites = subsites.into_iter().map(SiteView::from).collect();
    let contents = contents_view(subsites, lists, problems);
    state.browsing().keep(&key, &site_id, contents.clone());
    Ok(contents)
}

fn contents_view(
    mut subsites: Vec<SiteView>,
    lists: Vec<sharepoint::List>,
    problems: Vec<String>,
) -> SiteContentsView {
    let mut lists: Vec<ListView> = lists.into_iter().map(Into::into).collect();
    lists.sort_by_key(|l| l.display_name.to_lowercase());
    subsites.sort_by_key(|s| s.display_name.to_lowercase());
    SiteContentsView { subsites, lists, problems, read_at: now_seconds() }
}

/// Reads everything under a site (its subsites, theirs, and every list's columns), sending
/// progress (counts, rate, time left) as it goes; `cancel_browse_load` stops it between rounds,
/// keeping what was read. What was read is kept for the tree.
#[tauri::command]
pub async fn browse_load_all<R: Runtime>(
    webview: tauri::Webview<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<LoadedView, WireError> {
    let LoadAllArgs { tenant_id, object_id, client_id, site_id, on_progress } =
        arguments("browse_load_all", &request)?;
    let channel = on_progress.channel_on(webview);
    let account = find_account(&state, &tenant_id, &object_id, &client_id).await?;
    let graph = graph_as(&state, &account)?;
    let start = sharepoint::site(&graph, &site_id).await.map_err(WireError::from)?;
    let cancel = state.browsing().begin_load();
    let started = Instant::now();
    let mut report = |p: CrawlProgress| {
        if let Err(error) = channel.send(progress_view(p, started.elapsed())) {
            tracing::debug!(%error, "progress could not be sent");
        }
    };
    let crawl =
        crawl::crawl(&graph, vec![start], CrawlOptions::default(), &cancel, &mut report).await;
    state.browsing().end_load(&cancel);
    let crawl = crawl.map_err(WireError::from)?;
    let key = key_of(&account);
    let by_id: HashMap<String, SiteView> =
        crawl.sites.iter().map(|s| (s.site.id.clone(), SiteView::from(s.site.clone()))).collect();
    let mut sites = Vec::with_capacity(crawl.sites.len());
    for entry in crawl.sites {
        let subsites = entry.subsites.iter().filter_map(|id| by_id.get(id).cloned()).collect();
        let contents = contents_view(subsites, entry.lists, entry.problems);
        // The window gets the tree; the columns (a million in a large tenant) stay here until a
        // list is opened.
        let mut light = contents.clone();
        for list in &mut light.lists {
            list.columns = Vec::new();
            list.columns_loaded = false;
        }
        state.browsing().keep(&key, &entry.site.id, contents);
        sites.push(LoadedSiteView { site: entry.site.into(), contents: light });
    }
    let progress = progress_view(crawl.progress, started.elapsed());
    tracing::info!(
        sites = sites.len(),
        cancelled = crawl.cancelled,
        "loaded everything under a site"
    );
    Ok(LoadedView { sites, cancelled: crawl.cancelled, progress })
}

/// Stops "load everything" between rounds; `false` when none was running.
#[tauri::command]
pub fn cancel_browse_load(state: State<'_, AppState>) -> bool {
    state.browsing().cancel_load()
}

fn progress_view(p: CrawlProgress, elapsed: Duration) -> LoadProgressView {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { p.sites_read as f64 / seconds } else { 0.0 };
    let left = p.sites_found.saturating_sub(p.sites_read) as f64;
    LoadProgressView {
        sites_found: count(p.sites_found),
        sites_read: count(p.sites_read),
        lists: count(p.lists),
        columns: count(p.columns),
        sites_with_problems: count(p.sites_with_problems),
        elapsed_ms: u32::try_from(elapsed.as_millis()).unwrap_or(u32::MAX),
        sites_per_second: rate,
        seconds_left: (rate > 0.0).then(|| left / rate),
    }
}

/// A list's content types and first items.
#[tauri::command]
pub async fn browse_list(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<ListDetailsView, WireError> {
    let ListArgs { tenant_id, object_id, client_id, site_id, list_id } =
        arguments("browse_list", &request)?;
    let account = find_account(&state, &tenant_id, &object_id, &client_id).await?;
    let graph = graph_as(&state, &account)?;
    let paths = [
        sharepoint::content_types_path(&site_id, &list_id),
        sharepoint::items_path(&site_id, &list_id),
    ];
    // A preview needs the first page of items only.
    let [content_types, items] = all_pages(&graph, &paths, [true, false]).await?;
    let mut problems = Vec::new();
    let content_types =
        read("The content types", content_types, sharepoint::content_types_from, &mut problems);
    let items = read("The items", items, sharepoint::items_from, &mut problems);
    Ok(ListDetailsView {
        content_types: content_types.into_iter().map(Into::into).collect(),
        items: items.into_iter().map(Into::into).collect(),
        problems,
    })
}

/// Reads `paths` in one batch, following further pages of those marked in `follow`. A missing
/// sign-in or consent fails the whole command (the UI asks the person); other failures stay per
/// path.
async fn all_pages<const N: usize>(
    graph: &GraphClient,
    paths: &[String; N],
    follow: [bool; N],
) -> Result<[Result<Vec<serde_json::Value>, GraphError>; N], WireError> {
    let firsts = graph.get_many(paths, sharepoint::READ).await;
    let mut out = Vec::with_capacity(N);
    for (first, follow) in firsts.into_iter().zip(follow) {
        let pages = match first {
            Err(GraphError::Token(token)) => return Err(GraphError::Token(token).into()),
            Err(error) => Err(error),
            Ok(mut page) if !follow => match page.get_mut("value").map(serde_json::Value::take) {
                Some(serde_json::Value::Array(items)) => Ok(items),
                _ => Ok(Vec::new()),
            },
            Ok(page) => graph.rest_of(page, sharepoint::READ).await,
        };
        out.push(pages);
    }
    out.try_into().map_err(|_| WireError::internal("Reading SharePoint", "a batch lost a part"))
}

fn read<T>(
    what: &str,
    pages: Result<Vec<serde_json::Value>, GraphError>,
    parse: fn(Vec<serde_json::Value>) -> Result<Vec<T>, GraphError>,
    problems: &mut Vec<String>,
) -> Vec<T> {
    match pages.and_then(parse) {
        Ok(values) => values,
        Err(error) => {
            tracing::info!(%error, "{what} could not be read");
            problems.push(format!("{what} could not be read: {error}"));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_url_becomes_graphs_address_by_path() {
        assert_eq!(
            site_address("https://contoso.sharepoint.com/sites/hr/").as_deref(),
            Some("contoso.sharepoint.com:/sites/hr")
        );
        assert_eq!(
            site_address("https://contoso.sharepoint.com").as_deref(),
            Some("contoso.sharepoint.com")
        );
        assert_eq!(site_address("human resources"), None);
        assert_eq!(
            site_address("contoso.sharepoint.com/sites/hr").as_deref(),
            Some("contoso.sharepoint.com:/sites/hr")
        );
        assert_eq!(site_address("hr.2026"), None, "words with a dot are still words");
    }
}
