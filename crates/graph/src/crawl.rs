//! Reading everything under some sites, down to the columns: each site's lists with their
//! columns (`$expand=columns`, one part per site) and its subsites (one part per site), ten sites
//! to a `$batch` of 20 parts, as many batches at once as the tenant's pacer allows, rounds of
//! sites until no new subsite turns up. Progress is reported after every round; a cancel is
//! honoured between rounds and keeps what was read. A site that cannot be read is marked and the
//! rest carries on; a missing sign-in or consent stops the whole crawl (only the person can fix
//! it).

use std::{
    collections::HashSet,
    sync::atomic::{AtomicBool, Ordering},
};

use crate::{
    batch::{MAX_BATCH, RawBody},
    client::GraphClient,
    error::GraphError,
    sharepoint::{self, List, READ, Site},
    wire,
};
use futures_util::future::join_all;

/// What was read of one site.
#[derive(Clone, Debug)]
pub struct SiteCatalogue {
    /// The site.
    pub site: Site,
    /// The ids of its subsites (each has its own entry).
    pub subsites: Vec<String>,
    /// Its lists and libraries with their columns.
    pub lists: Vec<List>,
    /// What could not be read, in words.
    pub problems: Vec<String>,
}

/// How far a crawl has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CrawlProgress {
    /// Sites known so far (read or waiting).
    pub sites_found: usize,
    /// Sites read.
    pub sites_read: usize,
    /// Lists and libraries read.
    pub lists: usize,
    /// Columns read.
    pub columns: usize,
    /// Sites that could not be read (wholly or partly).
    pub sites_with_problems: usize,
}

/// The result of a crawl.
#[derive(Clone, Debug, Default)]
pub struct Crawl {
    /// Every site read, in the order read.
    pub sites: Vec<SiteCatalogue>,
    /// Whether it was cancelled before the end (what was read is kept).
    pub cancelled: bool,
    /// The final counts.
    pub progress: CrawlProgress,
}

/// How a crawl goes.
#[derive(Clone, Copy, Debug)]
pub struct CrawlOptions {
    /// Sites read per round (rounds end with a progress report and a cancel check).
    pub sites_per_round: usize,
    /// Whether subsites are followed.
    pub subsites: bool,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        // Forty batches of ten sites a round: ten full waves of the pacer's four at a time, so the
        // wait for a round's last batch is rare, and a cancel still lands within a second or two.
        Self { sites_per_round: MAX_BATCH / 2 * 40, subsites: true }
    }
}

/// Reads `start` and (with `options.subsites`) every site under them.
pub async fn crawl(
    graph: &GraphClient,
    start: Vec<Site>,
    options: CrawlOptions,
    cancel: &AtomicBool,
    progress: &mut (dyn FnMut(CrawlProgress) + Send),
) -> Result<Crawl, GraphError> {
    let mut seen: HashSet<String> = start.iter().map(|s| s.id.clone()).collect();
    let mut waiting: std::collections::VecDeque<Site> = start.into();
    let mut crawl = Crawl::default();
    crawl.progress.sites_found = seen.len();
    progress(crawl.progress);
    while !waiting.is_empty() {
        if cancel.load(Ordering::Relaxed) {
            crawl.cancelled = true;
            break;
        }
        let take = options.sites_per_round.max(1).min(waiting.len());
        let round: Vec<Site> = waiting.drain(..take).collect();
        // Ten sites to a batch (their lists and their subsites); each batch read typed as soon as
        // it is answered, while the others are still on their way.
        let per_batch = if options.subsites { MAX_BATCH / 2 } else { MAX_BATCH };
        let groups: Vec<Vec<Site>> = round.chunks(per_batch).map(<[Site]>::to_vec).collect();
        let read: Vec<Read> =
            join_all(groups.into_iter().map(|group| read_group(graph, group, options.subsites)))
                .await
                .into_iter()
                .flatten()
                .collect();
        for (site, lists, subsites) in read {
            let mut entry = SiteCatalogue {
                site,
                subsites: Vec::new(),
                lists: Vec::new(),
                problems: Vec::new(),
            };
            match lists {
                Ok(lists) => entry.lists = lists,
                Err(GraphError::Token(token)) => return Err(GraphError::Token(token)),
                Err(error) => entry.problems.push(format!("The lists could not be read: {error}")),
            }
            match subsites {
                Ok(found) => {
                    for subsite in found {
                        entry.subsites.push(subsite.id.clone());
                        if seen.insert(subsite.id.clone()) {
                            waiting.push_back(subsite);
                        }
                    }
                }
                Err(GraphError::Token(token)) => return Err(GraphError::Token(token)),
                Err(error) => {
                    entry.problems.push(format!("The subsites could not be read: {error}"))
                }
            }
            let counts = &mut crawl.progress;
            counts.sites_read += 1;
            counts.lists += entry.lists.len();
            counts.columns += entry.lists.iter().map(|l| l.columns.len()).sum::<usize>();
            counts.sites_with_problems += usize::from(!entry.problems.is_empty());
            crawl.sites.push(entry);
        }
        crawl.progress.sites_found = seen.len();
        progress(crawl.progress);
    }
    Ok(crawl)
}

/// A site, its lists and its subsites, as read.
type Read = (Site, Result<Vec<List>, GraphError>, Result<Vec<Site>, GraphError>);

/// Reads one batch's worth of sites: their lists with columns and (with `subsites`) their
/// subsites, in one `$batch`, then every further page.
async fn read_group(graph: &GraphClient, group: Vec<Site>, subsites: bool) -> Vec<Read> {
    let mut paths = Vec::with_capacity(group.len() * 2);
    for site in &group {
        paths.push(sharepoint::lists_path(&site.id));
        if subsites {
            paths.push(sharepoint::subsites_path(&site.id));
        }
    }
    let answers = graph.get_many_raw(&paths, READ).await;
    // Reading the answers typed is the client's heaviest work (a batch carries thousands of
    // columns): done off the async workers, which meanwhile keep the other batches' answers
    // flowing in.
    let sites = group.len();
    let first_pages =
        tokio::task::spawn_blocking(move || read_first_pages(answers, sites, subsites))
            .await
            .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
    let mut read = Vec::with_capacity(group.len());
    for (site, (lists, found)) in group.into_iter().zip(first_pages) {
        let lists = rest_of(graph, lists, wire::lists_page).await;
        let found = rest_of(graph, found, wire::sites_page).await;
        read.push((site, lists, found));
    }
    read
}

/// The first page of a site's lists and of its subsites (an empty page when not asked for).
type FirstPages = (Result<wire::Page<List>, GraphError>, Result<wire::Page<Site>, GraphError>);

/// Reads each of `sites` sites' first pages from a batch's answers, in the order asked (a part
/// missing from the answer is an error for its site).
fn read_first_pages(
    answers: Vec<Result<Option<RawBody>, GraphError>>,
    sites: usize,
    subsites: bool,
) -> Vec<FirstPages> {
    let first = |answer: Option<Result<Option<RawBody>, GraphError>>| {
        answer
            .unwrap_or_else(|| Err(lost()))?
            .ok_or_else(|| GraphError::Protocol("an empty page".into()))
    };
    let mut answers = answers.into_iter();
    let mut pages = Vec::with_capacity(sites);
    for _ in 0..sites {
        let lists = first(answers.next()).and_then(|body| wire::lists_page(body.get()));
        let found = if subsites {
            first(answers.next()).and_then(|body| wire::sites_page(body.get()))
        } else {
            Ok(wire::Page { value: Vec::new(), next_link: None })
        };
        pages.push((lists, found));
    }
    pages
}

/// Every item of a collection whose first page is `first`, each further page read typed with
/// `parse`.
async fn rest_of<T>(
    graph: &GraphClient,
    first: Result<wire::Page<T>, GraphError>,
    parse: fn(&str) -> Result<wire::Page<T>, GraphError>,
) -> Result<Vec<T>, GraphError> {
    let mut page = first?;
    let mut items = std::mem::take(&mut page.value);
    while let Some(next) = page.next_link.take() {
        page = parse(&graph.get_link_text(&next, READ).await?)?;
        items.append(&mut page.value);
    }
    Ok(items)
}

fn lost() -> GraphError {
    GraphError::Protocol("a batch answer lost a part".into())
}
