//! A generated web's lists (large tenants, made for benchmarks) written from templates: list `n`
//! of a generated web differs from web to web only in its ids and its URL, so its JSON is written
//! once per list shape and query, for a stand-in web, through the general path, and each web's
//! ids and path are spliced in. A browse of a large tenant asks for a million columns; building
//! and writing each one made the emulator, not the latency, set the benchmarks' pace. The
//! integration tests hold this path to the general one's answers.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock, PoisonError},
};

use serde_json::Value;
use uuid::Uuid;

use super::{Request, selected_list_json};
use crate::{
    graph::odata,
    model::{Generated, ListSlot, Tenant, Web},
    seed,
};

/// The stand-in web's number: its hex digits (`dead-beef`) mark where a web's number sits in
/// generated list and column ids.
const STAND_IN_INDEX: u32 = 0xdead_beef;
/// The stand-in web's ids and path, each unlike anything else in a list's JSON.
const STAND_IN_SITE: Uuid = Uuid::from_u128(0x5e7e_d51e_0000_4000_8000_0000_0000_51de);
const STAND_IN_WEB: Uuid = Uuid::from_u128(0x5e7e_d51e_0000_4000_8000_0000_0000_3eb0);
const STAND_IN_PATH: &str = "/sites/stand-in-5e7ed51e";

/// What goes into a hole of a template.
#[derive(Clone, Copy)]
enum Hole {
    /// The web's number, as it sits in ids: `xxxx-xxxx`.
    Index,
    /// The site collection id.
    Site,
    /// The web id.
    Web,
    /// The web's server-relative path (JSON-escaped).
    Path,
}

/// One generated list's JSON: text with holes.
struct Template {
    pieces: Vec<(String, Option<Hole>)>,
}

impl Template {
    /// Splits the stand-in's JSON at every stand-in value.
    fn from_stand_in(text: &str) -> Self {
        let index = format!("{:04x}-{:04x}", STAND_IN_INDEX >> 16, STAND_IN_INDEX & 0xffff);
        let (site, web) = (STAND_IN_SITE.to_string(), STAND_IN_WEB.to_string());
        let marks = [
            (index, Hole::Index),
            (site, Hole::Site),
            (web, Hole::Web),
            (STAND_IN_PATH.into(), Hole::Path),
        ];
        let mut pieces = Vec::new();
        let mut rest = text;
        loop {
            let next = marks
                .iter()
                .filter_map(|(mark, hole)| rest.find(mark.as_str()).map(|at| (at, mark, *hole)))
                .min_by_key(|(at, ..)| *at);
            match next {
                Some((at, mark, hole)) => {
                    pieces.push((rest[..at].to_owned(), Some(hole)));
                    rest = &rest[at + mark.len()..];
                }
                None => {
                    pieces.push((rest.to_owned(), None));
                    return Self { pieces };
                }
            }
        }
    }

    /// Writes the list as the web `values` describe has it.
    fn write(&self, out: &mut String, values: &WebValues) {
        for (text, hole) in &self.pieces {
            out.push_str(text);
            out.push_str(match hole {
                Some(Hole::Index) => &values.index,
                Some(Hole::Site) => &values.site,
                Some(Hole::Web) => &values.web,
                Some(Hole::Path) => &values.path,
                None => "",
            });
        }
    }
}

/// What fills a template's holes for one web, written once per page.
struct WebValues {
    index: String,
    site: String,
    web: String,
    path: String,
}

impl WebValues {
    fn of(web: &Web, index: u32) -> Self {
        let quoted = Value::from(web.path.as_str()).to_string();
        Self {
            index: format!("{:04x}-{:04x}", index >> 16, index & 0xffff),
            site: web.site_id.to_string(),
            web: web.web_id.to_string(),
            path: quoted[1..quoted.len() - 1].to_owned(),
        }
    }
}

/// The templates made so far, by host, shape, list number, `$select` and `$expand`.
type Templates = HashMap<(String, u32, u32, Option<Vec<String>>, Option<String>), Arc<Template>>;

/// The template of list `n` of webs shaped `shape`, for this request's `$select` and `$expand`.
fn template(request: &Request<'_>, tenant: &Tenant, shape: Generated, n: u32) -> Arc<Template> {
    static TEMPLATES: OnceLock<Mutex<Templates>> = OnceLock::new();
    let key = (
        tenant.sharepoint_host.clone(),
        shape.columns,
        n,
        request.query.select.clone(),
        request.query.expand.clone(),
    );
    let mut templates =
        TEMPLATES.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
    templates
        .entry(key)
        .or_insert_with(|| {
            let stand_in = Web {
                site_id: STAND_IN_SITE,
                web_id: STAND_IN_WEB,
                path: STAND_IN_PATH.into(),
                name: String::new(),
                display_name: String::new(),
                description: String::new(),
                parent: None,
                lists: Vec::new(),
                generated: Some(Generated { index: STAND_IN_INDEX, ..shape }),
                permissions: Vec::new(),
                created: time::OffsetDateTime::UNIX_EPOCH,
            };
            let list = seed::generated_list(Generated { index: STAND_IN_INDEX, ..shape }, n);
            let json = selected_list_json(request, tenant, &stand_in, &list);
            Arc::new(Template::from_stand_in(&serde_json::to_string(&json).unwrap_or_default()))
        })
        .clone()
}

/// The page of `web`'s lists this request asks for, written from templates; `None` when the
/// request needs the general path (a generated web only; no `$filter`; only `columns` expanded).
pub(super) fn lists_page(request: &Request<'_>, tenant: &Tenant, web: &Web) -> Option<String> {
    let shape = web.generated?;
    let plain = request.query.filter.is_none()
        && odata::expansions(request.query.expand.as_deref())
            .iter()
            .all(|e| e.property == "columns" && e.expand.is_none());
    if !plain {
        return None;
    }
    let with_system = request.query.selects("system");
    let slots: Vec<ListSlot<'_>> = web
        .list_slots()
        .into_iter()
        .filter(|slot| with_system || !matches!(slot, ListSlot::Stored(l) if l.system))
        .collect();
    let (window, next_link) = odata::page_window(slots.len(), &request.query, &request.url, 200);
    let mut out = String::with_capacity(window.len() * 16 * 1024);
    out.push_str("{\"@odata.context\":");
    out.push_str(&Value::from(request.context("sites/lists")).to_string());
    if let Some(next) = next_link {
        out.push_str(",\"@odata.nextLink\":");
        out.push_str(&Value::from(next).to_string());
    }
    out.push_str(",\"value\":[");
    let values = WebValues::of(web, shape.index);
    for (i, slot) in slots[window].iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match slot {
            ListSlot::Generated(n) => template(request, tenant, shape, *n).write(&mut out, &values),
            ListSlot::Stored(list) => {
                let json = selected_list_json(request, tenant, web, list);
                out.push_str(&serde_json::to_string(&json).unwrap_or_default());
            }
        }
    }
    out.push_str("]}");
    Some(out)
}
