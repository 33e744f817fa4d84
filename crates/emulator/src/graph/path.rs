//! Graph's URL path, normalised so that one route table can match every way Graph lets a client
//! address the same thing:
//! - OData keys become a segment of their own: `applications(appId='…')` → `applications`,
//!   `appId='…'` (and `applications('…')` → `applications`, `'…'`);
//! - the namespace and call parentheses go: `microsoft.graph.getAllSites()` → `getAllSites`,
//!   `microsoft.graph.application` (a type cast) → `application`;
//! - path-based addressing is one segment: `sites/contoso.sharepoint.com:/sites/hr:/lists` →
//!   `sites`, `contoso.sharepoint.com:/sites/hr:`, `lists` (the key runs to the segment that ends
//!   with `:`, or to the end);
//! - the tenant alias `myorganization` in front is dropped (Graph accepts
//!   `/v1.0/myorganization/applications` as `/v1.0/applications`).

use crate::paths::percent_decode;

/// The normalised segments of a path after `/v1.0`.
pub fn normalise(path: &str) -> Vec<String> {
    let raw: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let mut segments = Vec::with_capacity(raw.len() + 1);
    let mut index = 0;
    while index < raw.len() {
        let segment = &raw[index];
        index += 1;
        if segment.len() > 1 && segment.ends_with(':') && !segments.is_empty() {
            let mut joined = segment.clone();
            while index < raw.len() {
                joined.push('/');
                joined.push_str(&raw[index]);
                index += 1;
                if joined.ends_with(':') {
                    break;
                }
            }
            segments.push(joined);
            continue;
        }
        let segment = segment.strip_prefix("microsoft.graph.").unwrap_or(segment);
        let segment = segment.strip_suffix("()").unwrap_or(segment);
        match segment.split_once('(') {
            Some((name, key)) if key.ends_with(')') && !name.is_empty() => {
                segments.push(name.to_owned());
                segments.push(key[..key.len() - 1].to_owned());
            }
            _ => segments.push(segment.to_owned()),
        }
    }
    if segments.first().is_some_and(|s| s.eq_ignore_ascii_case("myorganization")) {
        segments.remove(0);
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn keys_functions_casts_and_paths_are_normalised() {
        assert_eq!(
            normalise("/applications(appId='a%20b')/addKey"),
            ["applications", "appId='a b'", "addKey"]
        );
        assert_eq!(normalise("/sites/microsoft.graph.getAllSites()"), ["sites", "getAllSites"]);
        assert_eq!(
            normalise("/directory/deletedItems/microsoft.graph.application"),
            ["directory", "deletedItems", "application"]
        );
        assert_eq!(
            normalise("/sites/contoso.sharepoint.com:/sites/hr:/lists"),
            ["sites", "contoso.sharepoint.com:/sites/hr:", "lists"]
        );
        assert_eq!(
            normalise("/sites/contoso.sharepoint.com:/sites/hr"),
            ["sites", "contoso.sharepoint.com:/sites/hr"]
        );
        assert_eq!(normalise("/myorganization/servicePrincipals"), ["servicePrincipals"]);
        assert_eq!(normalise("/me"), ["me"]);
    }
}
