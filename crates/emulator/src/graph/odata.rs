//! OData query options as Graph supports them: `$select`, `$expand`, `$filter` (the comparison
//! forms Graph accepts on the properties used here), `$top`, `$search` and `$skiptoken` paging with
//! `@odata.nextLink`.

use base64::Engine;
use serde_json::{Map, Value, json};

use super::error::GraphError;

/// The query options of one request.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// `$select`.
    pub select: Option<Vec<String>>,
    /// `$expand`.
    pub expand: Option<String>,
    /// `$filter`.
    pub filter: Option<String>,
    /// `$top`.
    pub top: Option<usize>,
    /// `$search` or `search`.
    pub search: Option<String>,
    /// Offset from `$skiptoken`.
    pub skip: usize,
    /// `$count=true`.
    pub count: bool,
    /// `$orderby`.
    pub orderby: Option<String>,
    /// All parameters as sent (for building the next link).
    pub pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a query string; option names may be given with or without `$`.
    pub fn parse(raw: Option<&str>) -> Result<Self, GraphError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect();
        let mut query = Query { pairs: pairs.clone(), ..Query::default() };
        for (name, value) in pairs {
            match name.trim_start_matches('$').to_ascii_lowercase().as_str() {
                "select" => query.select = Some(split_top_level(&value)),
                "expand" => query.expand = Some(value),
                "filter" => query.filter = Some(value),
                "top" => {
                    let top: usize = value.parse().map_err(|_| {
                        GraphError::bad_request(format!("Invalid value '{value}' for $top."))
                    })?;
                    query.top = Some(top);
                }
                "search" => query.search = Some(value.trim_matches('"').to_owned()),
                "count" => query.count = value.eq_ignore_ascii_case("true"),
                "orderby" => query.orderby = Some(value.trim().to_owned()),
                "skiptoken" => {
                    query.skip = decode_skiptoken(&value)
                        .ok_or_else(|| GraphError::bad_request("Invalid $skiptoken."))?
                }
                _ => {}
            }
        }
        // What is expanded is returned whether or not `$select` names it (OData URL
        // Conventions 4.01 §5.1.3): `$select=id&$expand=columns` answers `id` and `columns`.
        if let Some(select) = query.select.as_mut() {
            for expansion in expansions(query.expand.as_deref()) {
                if !select.iter().any(|s| s.eq_ignore_ascii_case(&expansion.property)) {
                    select.push(expansion.property);
                }
            }
        }
        Ok(query)
    }

    /// Whether `name` is among the selected properties.
    pub fn selects(&self, name: &str) -> bool {
        self.select.as_ref().is_some_and(|s| s.iter().any(|p| p.eq_ignore_ascii_case(name)))
    }
}

/// Splits `a,b(c,d),e` at top-level commas.
pub fn split_top_level(text: &str) -> Vec<String> {
    split_at_depth_zero(text, ',')
}

/// Splits `text` at each `separator` outside parentheses.
fn split_at_depth_zero(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut current) = (0i32, String::new());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            c if c == separator && depth == 0 => {
                parts.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_owned());
    }
    parts
}

/// One entry of `$expand`: the navigation property and the `$select` nested in it, as in
/// `columns($select=name,displayName)` (OData URL Conventions 4.01 §5.1.3; Graph also accepts the
/// options without their `$`, as in `fields(select=Title)`).
#[derive(Debug, PartialEq)]
pub struct Expansion {
    /// The navigation property (`columns`, `fields`, …).
    pub property: String,
    /// The nested `$select`, when given.
    pub select: Option<Vec<String>>,
    /// The nested `$expand`, when given (`items($expand=fields)`).
    pub expand: Option<String>,
}

/// The entries of a `$expand` value.
pub fn expansions(expand: Option<&str>) -> Vec<Expansion> {
    let Some(expand) = expand else { return Vec::new() };
    split_top_level(expand)
        .into_iter()
        .map(|part| {
            let (property, options) = match part.split_once('(') {
                Some((property, rest)) => (property, rest.strip_suffix(')').unwrap_or(rest)),
                None => (part.as_str(), ""),
            };
            let mut expansion =
                Expansion { property: property.trim().to_owned(), select: None, expand: None };
            for option in split_at_depth_zero(options, ';') {
                let Some((name, value)) = option.split_once('=') else { continue };
                match name.trim().trim_start_matches('$').to_ascii_lowercase().as_str() {
                    "select" => {
                        expansion.select = Some(
                            value
                                .split(',')
                                .map(|s| s.trim().to_owned())
                                .filter(|s| !s.is_empty())
                                .collect(),
                        );
                    }
                    "expand" => expansion.expand = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
            expansion
        })
        .collect()
}

fn decode_skiptoken(token: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("offset:")?.parse().ok()
}

fn encode_skiptoken(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// Keeps only the selected properties (and annotations) of an object.
pub fn apply_select(object: &mut Value, select: &[String]) {
    if let Value::Object(map) = object {
        map.retain(|key, _| {
            key.starts_with('@') || select.iter().any(|s| s.eq_ignore_ascii_case(key))
        });
    }
}

/// Removes OData control information (`@odata.context`, `@odata.etag`, `@odata.type`, …) at
/// every depth, keeping `@odata.nextLink` and `@odata.count`: what `odata.metadata=none` asks
/// for (OData JSON Format 4.01 §3.1.3,
/// https://docs.oasis-open.org/odata/odata-json-format/v4.01/odata-json-format-v4.01.html).
/// Other annotations (`@microsoft.graph.downloadUrl`) are not control information and stay.
pub fn strip_control_information(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| {
                !key.starts_with("@odata.")
                    || key.eq_ignore_ascii_case("@odata.nextLink")
                    || key.eq_ignore_ascii_case("@odata.count")
            });
            map.values_mut().for_each(strip_control_information);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_control_information),
        _ => {}
    }
}

/// Which of `total` items one page holds, and the link to the next page when more remain.
/// `url` is the request URL without its query; the next link repeats every original parameter.
pub fn page_window(
    total: usize,
    query: &Query,
    url: &str,
    default_page: usize,
) -> (std::ops::Range<usize>, Option<String>) {
    let size = query.top.unwrap_or(default_page).max(1);
    let start = query.skip.min(total);
    let end = (start + size).min(total);
    let next = (end < total).then(|| {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in
            query.pairs.iter().filter(|(n, _)| n.trim_start_matches('$') != "skiptoken")
        {
            serializer.append_pair(name, value);
        }
        serializer.append_pair("$skiptoken", &encode_skiptoken(end));
        format!("{url}?{}", serializer.finish())
    });
    (start..end, next)
}

/// One page of a collection whose items are written straight from the model.
#[derive(serde::Serialize)]
pub struct Page<T> {
    /// `@odata.context`.
    #[serde(rename = "@odata.context")]
    pub context: String,
    /// `@odata.nextLink`, when more remain.
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    /// The page's items.
    pub value: Vec<T>,
}

/// One page of a collection, with `@odata.nextLink` when more remain. `url` is the request URL
/// without its query; the next link repeats every original parameter.
pub fn page(
    items: Vec<Value>,
    query: &Query,
    context: &str,
    url: &str,
    default_page: usize,
) -> Value {
    page_with(items, query, context, url, default_page, |item| item)
}

/// [`page`] of items made into JSON by `to_json`, only those on the page (a search of a large
/// tenant finds thousands of sites and answers two hundred).
pub fn page_with<T>(
    items: Vec<T>,
    query: &Query,
    context: &str,
    url: &str,
    default_page: usize,
    to_json: impl FnMut(T) -> Value,
) -> Value {
    let (window, next) = page_window(items.len(), query, url, default_page);
    let mut values: Vec<Value> =
        items.into_iter().skip(window.start).take(window.len()).map(to_json).collect();
    if let Some(select) = &query.select {
        for value in &mut values {
            apply_select(value, select);
        }
    }
    let mut body = Map::new();
    body.insert("@odata.context".into(), json!(context));
    if let Some(next) = next {
        body.insert("@odata.nextLink".into(), json!(next));
    }
    body.insert("value".into(), Value::Array(values));
    Value::Object(body)
}

/// A parsed `$filter`: comparisons joined by `and`/`or`.
#[derive(Debug, Clone)]
pub enum Filter {
    /// `path eq literal` (or `ne`).
    Compare {
        /// The property path, e.g. `displayName` or `fields/Department`.
        path: String,
        /// `eq` or `ne`.
        equal: bool,
        /// The literal.
        value: Value,
    },
    /// `startswith(path, 'text')`.
    StartsWith {
        /// The property path.
        path: String,
        /// The prefix.
        prefix: String,
    },
    /// Both.
    And(Box<Filter>, Box<Filter>),
    /// Either.
    Or(Box<Filter>, Box<Filter>),
}

impl Filter {
    /// Parses the filter forms Graph accepts here; anything else is refused the way Graph does.
    pub fn parse(text: &str) -> Result<Self, GraphError> {
        let unsupported =
            || GraphError::bad_request("The provided filter statement is not supported.");
        let text = text.trim();
        if let Some((left, right)) = split_keyword(text, " or ") {
            return Ok(Filter::Or(Box::new(Self::parse(left)?), Box::new(Self::parse(right)?)));
        }
        if let Some((left, right)) = split_keyword(text, " and ") {
            return Ok(Filter::And(Box::new(Self::parse(left)?), Box::new(Self::parse(right)?)));
        }
        if let Some(inner) = text.strip_prefix("startswith(").and_then(|t| t.strip_suffix(')')) {
            let (path, literal) = inner.split_once(',').ok_or_else(unsupported)?;
            let prefix = parse_literal(literal.trim()).ok_or_else(unsupported)?;
            return Ok(Filter::StartsWith {
                path: path.trim().to_owned(),
                prefix: prefix.as_str().unwrap_or_default().to_owned(),
            });
        }
        let mut parts = text.splitn(3, ' ');
        let (Some(path), Some(op), Some(literal)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(unsupported());
        };
        let equal = match op {
            "eq" => true,
            "ne" => false,
            _ => return Err(unsupported()),
        };
        Ok(Filter::Compare {
            path: path.to_owned(),
            equal,
            value: parse_literal(literal.trim()).ok_or_else(unsupported)?,
        })
    }

    /// The property paths the filter uses.
    pub fn paths(&self) -> Vec<&str> {
        match self {
            Filter::Compare { path, .. } | Filter::StartsWith { path, .. } => vec![path.as_str()],
            Filter::And(a, b) | Filter::Or(a, b) => {
                a.paths().into_iter().chain(b.paths()).collect()
            }
        }
    }

    /// Whether `object` matches.
    pub fn matches(&self, object: &Value) -> bool {
        match self {
            Filter::Compare { path, equal, value } => {
                let found = lookup(object, path);
                let same = match (found, value) {
                    (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
                    (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
                    (Some(a), b) => a == b,
                    (None, Value::Null) => true,
                    (None, _) => false,
                };
                same == *equal
            }
            Filter::StartsWith { path, prefix } => lookup(object, path)
                .and_then(Value::as_str)
                .is_some_and(|s| s.to_ascii_lowercase().starts_with(&prefix.to_ascii_lowercase())),
            Filter::And(a, b) => a.matches(object) && b.matches(object),
            Filter::Or(a, b) => a.matches(object) || b.matches(object),
        }
    }
}

fn split_keyword<'a>(text: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let mut in_string = false;
    for (index, c) in text.char_indices() {
        if c == '\'' {
            in_string = !in_string;
        }
        if !in_string && text[index..].starts_with(keyword) {
            return Some((&text[..index], &text[index + keyword.len()..]));
        }
    }
    None
}

fn parse_literal(text: &str) -> Option<Value> {
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Some(json!(inner.replace("''", "'")));
    }
    match text {
        "true" => Some(json!(true)),
        "false" => Some(json!(false)),
        "null" => Some(Value::Null),
        _ => text.parse::<f64>().ok().map(|n| json!(n)),
    }
}

fn lookup<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/').try_fold(object, |current, key| {
        current.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansions_carry_their_nested_select_and_expand() {
        let parsed = expansions(Some(
            "columns($select=name, displayName),contentTypes,items(expand=fields(select=Title);$select=id)",
        ));
        let names = |e: &Expansion| e.select.clone().unwrap_or_default().join("|");
        assert_eq!(parsed.len(), 3);
        assert_eq!(
            (parsed[0].property.as_str(), names(&parsed[0])),
            ("columns", "name|displayName".into())
        );
        assert_eq!((parsed[1].property.as_str(), parsed[1].select.clone()), ("contentTypes", None));
        assert_eq!(parsed[2].property, "items");
        assert_eq!(parsed[2].expand.as_deref(), Some("fields(select=Title)"));
        assert_eq!(names(&parsed[2]), "id");
        assert!(expansions(None).is_empty());
    }

    #[test]
    fn filters_parse_and_match() {
        let filter =
            Filter::parse("displayName eq 'HR' and startswith(name,'sh')").expect("parses");
        assert!(filter.matches(&json!({"displayName": "hr", "name": "Shared"})));
        assert!(!filter.matches(&json!({"displayName": "HR", "name": "Docs"})));
        let fields = Filter::parse("fields/Level eq 5").expect("parses");
        assert!(fields.matches(&json!({"fields": {"Level": 5}})));
        assert!(Filter::parse("displayName gt 'x'").is_err());
    }

    #[test]
    fn pages_link_to_the_next_page_with_the_original_parameters() {
        let query = Query::parse(Some("$top=2&$select=id")).expect("parses");
        let items: Vec<Value> = (0..5).map(|i| json!({"id": i.to_string(), "x": i})).collect();
        let first = page(items.clone(), &query, "ctx", "http://e/v1.0/sites", 100);
        assert_eq!(first["value"], json!([{"id": "0"}, {"id": "1"}]));
        let next = first["@odata.nextLink"].as_str().expect("more pages");
        let (_, raw) = next.split_once('?').expect("query");
        let second = page(
            items,
            &Query::parse(Some(raw)).expect("parses"),
            "ctx",
            "http://e/v1.0/sites",
            100,
        );
        assert_eq!(second["value"], json!([{"id": "2"}, {"id": "3"}]));
    }
}
