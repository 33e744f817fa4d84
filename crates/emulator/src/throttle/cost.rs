//! What a request costs in resource units (RU). Microsoft publishes costs for Graph's SharePoint
//! calls: 1 RU for a single-item query, a delta with a token or a file download; 2 RU for a
//! multi-item query (a delta without a token too) and for create, update, delete and upload; 5 RU
//! for any permission operation, `$expand=permissions` included. The emulator tells them apart by
//! method and path shape: a GET whose last segment names a collection (`lists`, `items`,
//! `columns`, …) is a multi-item query, any other GET a single-item one; any other method a write;
//! a `permissions` segment or `$expand=permissions` a permission operation.
//!
//! SharePoint REST (`/_api`) has no published cost; it counts against the same app budget as
//! Microsoft describes, and the emulator charges it by the same rule (`roleassignments` being its
//! permission operations). Graph calls outside SharePoint (`/me`, `/applications`, …) are not part
//! of the SharePoint budget and cost 0 here; `$batch` itself costs 0, its requests are charged one
//! by one.

use axum::http::Method;

use crate::origin::HostKind;

/// Last segments that name a collection in Graph's SharePoint paths.
const GRAPH_COLLECTIONS: &[&str] = &[
    "sites",
    "lists",
    "items",
    "columns",
    "contenttypes",
    "children",
    "drives",
    "versions",
    "pages",
    "getallsites",
    "operations",
];

/// Last segments that name a collection in SharePoint REST.
const REST_COLLECTIONS: &[&str] =
    &["lists", "items", "fields", "webs", "views", "folders", "files", "contenttypes", "siteusers"];

/// The RU `method` on `path` (with its `query`) costs, for a request to service `kind`.
pub fn of(kind: Option<HostKind>, method: &Method, path: &str, query: Option<&str>) -> u32 {
    match kind {
        Some(HostKind::Graph) => graph(method, path, query),
        Some(HostKind::SharePoint) => rest(method, path, query),
        _ => 0,
    }
}

/// A Graph request's cost; `path` starts with `/v1.0/` or `/beta/`.
pub fn graph(method: &Method, path: &str, query: Option<&str>) -> u32 {
    let rest = path.trim_start_matches('/');
    let rest = rest.split_once('/').map_or("", |(_, r)| r);
    let first = rest.split(['/', '(']).next().unwrap_or_default();
    if !(first.eq_ignore_ascii_case("sites") || first.eq_ignore_ascii_case("drives")) {
        return 0;
    }
    let segments: Vec<String> = rest.split('/').map(str::to_ascii_lowercase).collect();
    if segments.iter().any(|s| s == "permissions") || expands_permissions(query) {
        return 5;
    }
    if *method != Method::GET && *method != Method::HEAD {
        return 2;
    }
    let last = segments.last().map(|s| s.split('(').next().unwrap_or_default()).unwrap_or_default();
    if last == "delta" {
        let with_token = query_names(query).any(|n| n == "token" || n == "$deltatoken");
        return if with_token { 1 } else { 2 };
    }
    if GRAPH_COLLECTIONS.contains(&last) { 2 } else { 1 }
}

/// A SharePoint REST request's cost (Graph's rule by shape; Microsoft publishes none).
pub fn rest(method: &Method, path: &str, query: Option<&str>) -> u32 {
    let lower = path.to_ascii_lowercase();
    let Some((_, api)) = lower.split_once("/_api/") else { return 0 };
    if api.contains("roleassignments") || api.contains("permissions") || expands_permissions(query)
    {
        return 5;
    }
    if *method != Method::GET && *method != Method::HEAD {
        return 2;
    }
    let last = api.rsplit('/').find(|s| !s.is_empty()).unwrap_or_default();
    let last = last.split('(').next().unwrap_or_default();
    if REST_COLLECTIONS.contains(&last) { 2 } else { 1 }
}

fn query_names(query: Option<&str>) -> impl Iterator<Item = String> + '_ {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(name, _)| name.to_ascii_lowercase())
}

fn expands_permissions(query: Option<&str>) -> bool {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).any(|(name, value)| {
        matches!(name.to_ascii_lowercase().as_str(), "$expand" | "expand")
            && value.to_ascii_lowercase().contains("permissions")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_costs_follow_microsofts_table() {
        let get = Method::GET;
        assert_eq!(graph(&get, "/v1.0/sites/root", None), 1);
        assert_eq!(graph(&get, "/v1.0/sites/contoso.sharepoint.com:/sites/hr:", None), 1);
        assert_eq!(graph(&get, "/v1.0/sites", Some("search=hr")), 2);
        assert_eq!(graph(&get, "/v1.0/sites/a/lists", None), 2);
        assert_eq!(graph(&get, "/v1.0/sites/a/lists/b", None), 1);
        assert_eq!(graph(&get, "/v1.0/sites/a/lists/b/items", Some("expand=fields")), 2);
        assert_eq!(graph(&get, "/v1.0/sites/a/lists/b/items/1", None), 1);
        assert_eq!(graph(&get, "/v1.0/sites/a/lists/b/columns", None), 2);
        assert_eq!(graph(&get, "/v1.0/drives/d/root/delta", None), 2);
        assert_eq!(graph(&get, "/v1.0/drives/d/root/delta", Some("token=abc")), 1);
        assert_eq!(graph(&Method::POST, "/v1.0/sites/a/lists/b/items", None), 2);
        assert_eq!(graph(&Method::PATCH, "/v1.0/sites/a/lists/b/items/1/fields", None), 2);
        assert_eq!(graph(&Method::DELETE, "/v1.0/sites/a/lists/b/items/1", None), 2);
        assert_eq!(graph(&get, "/v1.0/sites/a/permissions", None), 5);
        assert_eq!(graph(&Method::POST, "/v1.0/sites/a/permissions", None), 5);
        assert_eq!(graph(&get, "/v1.0/drives/d/items/i", Some("$expand=permissions")), 5);
        assert_eq!(graph(&get, "/v1.0/me", None), 0);
        assert_eq!(graph(&Method::POST, "/v1.0/applications", None), 0);
        assert_eq!(graph(&Method::POST, "/v1.0/$batch", None), 0);
    }

    #[test]
    fn sharepoint_rest_is_charged_by_the_same_shape() {
        let get = Method::GET;
        assert_eq!(rest(&get, "/_api/web", None), 1);
        assert_eq!(rest(&get, "/sites/hr/_api/web/lists", None), 2);
        assert_eq!(rest(&get, "/sites/hr/_api/web/lists/getbytitle('Employees')", None), 1);
        assert_eq!(rest(&get, "/sites/hr/_api/web/lists/getbytitle('Employees')/items", None), 2);
        assert_eq!(rest(&get, "/_api/web/roleassignments", None), 5);
        assert_eq!(rest(&Method::POST, "/_api/web/lists", None), 2);
        assert_eq!(of(Some(HostKind::Login), &get, "/common/oauth2/v2.0/token", None), 0);
    }
}
