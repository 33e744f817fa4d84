//! List item field values written through Graph (`fields`) or SharePoint REST (the item's
//! properties): which names exist, which are read-only or required, and whether a value fits its
//! column's type facet. One set of rules for both services; each renders [`FieldError`] in its own
//! error shape.
//!
//! Values are stored the way Graph returns them: text and choices as strings, numbers and
//! currency as numbers, yes/no as booleans, dates as ISO 8601 UTC strings, lookups and people as
//! `{Name}LookupId` strings (SharePoint REST names these `{Name}Id`, with numbers), links as
//! `{"Url", "Description"}`. See <https://learn.microsoft.com/graph/api/listitem-create>,
//! <https://learn.microsoft.com/graph/api/listitem-update> and
//! <https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-lists-and-list-items-with-rest>.

use serde_json::{Map, Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};

use crate::model::{Column, List};

/// Which service's naming the body uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Graph `fields`: lookups and people as `{Name}LookupId`.
    Graph,
    /// SharePoint REST: lookups and people as `{Name}Id`.
    Rest,
}

/// Why a value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldError {
    /// No such field on the list.
    Unknown(String),
    /// The field is maintained by SharePoint (or computed) and cannot be set.
    ReadOnly(String),
    /// A required field has no value.
    Required(String),
    /// The value is not of the field's type; `expected` is the EDM type SharePoint expects.
    WrongType {
        /// The field.
        field: String,
        /// e.g. `Edm.Double`.
        expected: &'static str,
    },
    /// Another item of the list has this value in a column that enforces unique values.
    Duplicate(String),
    /// The value breaks a rule of the column (length, range, choices, lookup target).
    Invalid {
        /// The field.
        field: String,
        /// What is wrong, in SharePoint's words where known.
        reason: String,
    },
}

/// Names SharePoint maintains on every item (besides the read-only columns).
const SYSTEM: &[&str] = &[
    "id",
    "ID",
    "Id",
    "ContentType",
    "AuthorLookupId",
    "EditorLookupId",
    "AuthorId",
    "EditorId",
    "_UIVersionString",
    "Attachments",
    "GUID",
];

/// Checks `changes` against `list`'s columns and returns them in stored form. `lists` are the
/// web's lists, for checking lookup targets. Names starting with `@` or `odata.` (annotations)
/// are ignored.
pub fn normalise(
    list: &List,
    lists: &[List],
    changes: &Map<String, Value>,
    dialect: Dialect,
) -> Result<Map<String, Value>, FieldError> {
    let mut stored = Map::new();
    for (name, value) in changes {
        if name.starts_with('@') || name.starts_with("odata.") || name.contains("@odata.") {
            continue;
        }
        // SharePoint REST prefixes names that start with `_` with `OData_`.
        let name = match dialect {
            Dialect::Rest => {
                name.strip_prefix("OData_").filter(|n| n.starts_with('_')).unwrap_or(name)
            }
            Dialect::Graph => name,
        };
        let name = &name.to_owned();
        if SYSTEM.contains(&name.as_str()) {
            return Err(FieldError::ReadOnly(name.clone()));
        }
        let suffix = match dialect {
            Dialect::Graph => "LookupId",
            Dialect::Rest => "Id",
        };
        let by_id = name.strip_suffix(suffix).and_then(|base| {
            list.columns.iter().find(|c| {
                *c.name == *base && matches!(c.facet.0.as_ref(), "lookup" | "personOrGroup")
            })
        });
        if let Some(column) = by_id {
            let key = format!("{}LookupId", column.name);
            stored.insert(key, lookup_id(column, lists, value)?);
            continue;
        }
        let column = list
            .columns
            .iter()
            .find(|c| *c.name == **name)
            .ok_or_else(|| FieldError::Unknown(name.clone()))?;
        if column.read_only
            || matches!(column.facet.0.as_ref(), "calculated" | "contentApprovalStatus")
        {
            return Err(FieldError::ReadOnly(name.clone()));
        }
        if matches!(column.facet.0.as_ref(), "lookup" | "personOrGroup") {
            // The value itself is the looked-up text; only the id can be set.
            return Err(FieldError::ReadOnly(name.clone()));
        }
        stored.insert(column.name.to_string(), value_of(column, value, dialect)?);
    }
    Ok(stored)
}

/// The required fields `fields` leaves empty, first one reported (creating an item, or after a
/// change).
pub fn check_required(list: &List, fields: &Map<String, Value>) -> Result<(), FieldError> {
    for column in list.columns.iter().filter(|c| c.required && !c.read_only && !c.hidden) {
        let key = if matches!(column.facet.0.as_ref(), "lookup" | "personOrGroup") {
            format!("{}LookupId", column.name)
        } else {
            column.name.to_string()
        };
        let empty = match fields.get(&key) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(_) => false,
        };
        if empty {
            return Err(FieldError::Required(column.name.to_string()));
        }
    }
    Ok(())
}

/// The rules an item's values must meet as a whole once changed: required fields have values,
/// and columns enforcing unique values hold no value another item (not `item_id`) has.
pub fn check_item(
    list: &List,
    fields: &Map<String, Value>,
    item_id: u32,
) -> Result<(), FieldError> {
    check_required(list, fields)?;
    for column in list.columns.iter().filter(|c| c.enforce_unique_values) {
        let Some(value) = fields.get(&*column.name).filter(|v| !v.is_null()) else { continue };
        let same = |other: &Value| match (other, value) {
            (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
            _ => other == value,
        };
        if list
            .items
            .iter()
            .any(|i| i.id != item_id && i.fields.get(&*column.name).is_some_and(same))
        {
            return Err(FieldError::Duplicate(column.name.to_string()));
        }
    }
    Ok(())
}

/// SharePoint's message for a value a unique column already holds.
pub fn duplicate_message(field: &str) -> String {
    format!(
        "The list item could not be added or updated because duplicate values were found in the following field(s) in the list: [{field}]."
    )
}

/// Applies stored changes to an item's fields (`null` clears a value).
pub fn apply(fields: &mut Map<String, Value>, changes: Map<String, Value>) {
    for (name, value) in changes {
        if value.is_null() {
            fields.remove(&name);
        } else {
            fields.insert(name, value);
        }
    }
}

/// A SharePoint internal name: letters, digits and `_` kept, every other UTF-16 unit as
/// `_xHHHH_` (`My Col` → `My_x0020_Col`).
pub fn internal_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("_x{unit:04x}_"));
            }
        }
    }
    out
}

/// A timestamp as SharePoint writes it in fields: `2026-01-15T09:00:00Z`.
pub fn timestamp(t: OffsetDateTime) -> String {
    t.format(format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z"))
        .unwrap_or_default()
}

fn invalid(column: &Column, reason: impl Into<String>) -> FieldError {
    FieldError::Invalid { field: column.name.to_string(), reason: reason.into() }
}

fn wrong(column: &Column, expected: &'static str) -> FieldError {
    FieldError::WrongType { field: column.name.to_string(), expected }
}

/// A number, or a string holding one (OData JSON allows both).
fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn value_of(column: &Column, value: &Value, dialect: Dialect) -> Result<Value, FieldError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let facet = &column.facet.1;
    match column.facet.0.as_ref() {
        "text" => {
            let text = value.as_str().ok_or_else(|| wrong(column, "Edm.String"))?;
            let max = facet.get("maxLength").and_then(Value::as_u64).unwrap_or(255);
            if text.chars().count() as u64 > max {
                return Err(invalid(
                    column,
                    format!("The value exceeds the maximum length of {max} characters."),
                ));
            }
            Ok(json!(text))
        }
        "number" | "currency" => {
            let n = number(value).ok_or_else(|| wrong(column, "Edm.Double"))?;
            if !n.is_finite() {
                return Err(wrong(column, "Edm.Double"));
            }
            if let Some(min) = facet.get("minimum").and_then(Value::as_f64)
                && n < min
            {
                return Err(invalid(column, format!("The value must be at least {min}.")));
            }
            if let Some(max) = facet.get("maximum").and_then(Value::as_f64)
                && n > max
            {
                return Err(invalid(column, format!("The value must be at most {max}.")));
            }
            Ok(json!(n))
        }
        "boolean" => value.as_bool().map(Value::Bool).ok_or_else(|| wrong(column, "Edm.Boolean")),
        "dateTime" => {
            let text = value.as_str().ok_or_else(|| wrong(column, "Edm.DateTime"))?;
            parse_date(text)
                .map(|t| json!(timestamp(t)))
                .ok_or_else(|| wrong(column, "Edm.DateTime"))
        }
        "choice" => {
            let text = value.as_str().ok_or_else(|| wrong(column, "Edm.String"))?;
            let free = facet.get("allowTextEntry").and_then(Value::as_bool).unwrap_or(false);
            let known = facet
                .get("choices")
                .and_then(Value::as_array)
                .is_some_and(|c| c.iter().any(|v| v.as_str() == Some(text)));
            if !free && !known {
                return Err(invalid(
                    column,
                    format!("'{text}' is not one of the column's choices."),
                ));
            }
            Ok(json!(text))
        }
        "hyperlinkOrPicture" => {
            let object = value.as_object().ok_or_else(|| wrong(column, "SP.FieldUrlValue"))?;
            let url = object.get("Url").and_then(Value::as_str).unwrap_or_default();
            let parsed = url::Url::parse(url).ok();
            if !parsed.is_some_and(|u| matches!(u.scheme(), "http" | "https")) {
                return Err(invalid(
                    column,
                    "Invalid URL: the value must be an absolute http or https URL.",
                ));
            }
            let description = object.get("Description").and_then(Value::as_str).unwrap_or(url);
            Ok(json!({"Description": description, "Url": url}))
        }
        "geolocation" => {
            let object =
                value.as_object().ok_or_else(|| wrong(column, "SP.FieldGeolocationValue"))?;
            let coordinate = |name: &str, limit: f64| {
                object.get(name).and_then(number).filter(|v| v.abs() <= limit)
            };
            match (coordinate("Latitude", 90.0), coordinate("Longitude", 180.0)) {
                (Some(latitude), Some(longitude)) => {
                    Ok(json!({"Latitude": latitude, "Longitude": longitude}))
                }
                _ => Err(invalid(
                    column,
                    "Latitude and Longitude are required and must be in range.",
                )),
            }
        }
        "term" => match value {
            Value::Object(_) | Value::Array(_) => Ok(without_metadata(value.clone())),
            _ => Err(wrong(column, "SP.Taxonomy.TaxonomyFieldValue")),
        },
        "thumbnail" => match value {
            Value::String(_) | Value::Object(_) => Ok(value.clone()),
            _ => Err(wrong(column, "Edm.String")),
        },
        _ if dialect == Dialect::Rest => Ok(without_metadata(value.clone())),
        _ => Ok(value.clone()),
    }
}

/// `{Name}LookupId`: a positive item id; for a lookup into a list of this web, an existing one.
/// Columns that allow several values take an array of ids (SharePoint REST: `{"results": [..]}`).
fn lookup_id(column: &Column, lists: &[List], value: &Value) -> Result<Value, FieldError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let multiple = ["allowMultipleValues", "allowMultipleSelection"]
        .iter()
        .any(|k| column.facet.1.get(k).and_then(Value::as_bool).unwrap_or(false));
    let several = value.as_array().or_else(|| value.get("results").and_then(Value::as_array));
    if let Some(values) = several {
        if !multiple {
            return Err(wrong(column, "Edm.Int32"));
        }
        let ids: Result<Vec<Value>, FieldError> =
            values.iter().map(|v| one_lookup_id(column, lists, v)).collect();
        return Ok(Value::Array(ids?));
    }
    one_lookup_id(column, lists, value)
}

/// One looked-up item id.
fn one_lookup_id(column: &Column, lists: &[List], value: &Value) -> Result<Value, FieldError> {
    let id = number(value)
        .filter(|n| n.fract() == 0.0 && *n >= 1.0 && *n <= f64::from(u32::MAX))
        .ok_or_else(|| wrong(column, "Edm.Int32"))? as u32;
    if column.facet.0 == "lookup" {
        let target = column.facet.1.get("listId").and_then(Value::as_str).unwrap_or_default();
        if let Some(list) = lists.iter().find(|l| l.id.to_string().eq_ignore_ascii_case(target))
            && !list.items.iter().any(|i| i.id == id)
        {
            return Err(invalid(
                column,
                format!("Item {id} does not exist in the lookup list '{}'.", list.display_name),
            ));
        }
    }
    Ok(json!(id.to_string()))
}

fn without_metadata(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.remove("__metadata");
    }
    value
}

/// ISO 8601 date or date-time; without an offset it is taken as UTC.
fn parse_date(text: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t.to_offset(time::UtcOffset::UTC));
    }
    let date = format_description!("[year]-[month]-[day]");
    let local = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(text, local) {
        return Some(t.assume_utc());
    }
    time::Date::parse(text, date).ok().map(|d| d.midnight().assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FacetValue;

    fn list() -> List {
        let mut list = crate::seed::list("h", "/", "T", "T", "genericList");
        let mut level = list.columns[0].clone();
        level.name = "Level".into();
        level.required = false;
        level.facet = ("number".into(), FacetValue::new(json!({"minimum": 1.0, "maximum": 10.0})));
        list.columns.push(level);
        list
    }

    fn one(name: &str, value: Value, dialect: Dialect) -> Result<Map<String, Value>, FieldError> {
        let mut changes = Map::new();
        changes.insert(name.into(), value);
        normalise(&list(), &[], &changes, dialect)
    }

    #[test]
    fn values_are_checked_against_their_facet() {
        assert_eq!(one("Level", json!("5"), Dialect::Graph).expect("ok")["Level"], json!(5.0));
        assert!(matches!(one("Level", json!(11), Dialect::Graph), Err(FieldError::Invalid { .. })));
        assert!(matches!(
            one("Level", json!(true), Dialect::Graph),
            Err(FieldError::WrongType { .. })
        ));
        assert_eq!(one("Nope", json!(1), Dialect::Graph), Err(FieldError::Unknown("Nope".into())));
        assert_eq!(
            one("Created", json!("x"), Dialect::Rest),
            Err(FieldError::ReadOnly("Created".into()))
        );
        assert_eq!(one("ID", json!(3), Dialect::Rest), Err(FieldError::ReadOnly("ID".into())));
        let long = "x".repeat(256);
        assert!(matches!(
            one("Title", json!(long), Dialect::Graph),
            Err(FieldError::Invalid { .. })
        ));
    }

    #[test]
    fn several_lookup_ids_need_a_column_that_allows_them() {
        let mut list = list();
        let mut people = list.columns[0].clone();
        people.name = "Owners".into();
        people.required = false;
        people.facet =
            ("personOrGroup".into(), FacetValue::new(json!({"allowMultipleSelection": true})));
        let mut single = people.clone();
        single.name = "Owner".into();
        single.facet =
            ("personOrGroup".into(), FacetValue::new(json!({"allowMultipleSelection": false})));
        list.columns.extend([people, single]);
        let write = |name: &str, value: Value, dialect| {
            let mut changes = Map::new();
            changes.insert(name.into(), value);
            normalise(&list, &[], &changes, dialect)
        };
        let graph = write("OwnersLookupId", json!([6, "7"]), Dialect::Graph).expect("ok");
        assert_eq!(graph["OwnersLookupId"], json!(["6", "7"]));
        let rest = write("OwnersId", json!({"results": [8]}), Dialect::Rest).expect("ok");
        assert_eq!(rest["OwnersLookupId"], json!(["8"]));
        assert!(matches!(
            write("OwnerLookupId", json!([6]), Dialect::Graph),
            Err(FieldError::WrongType { .. })
        ));
        assert!(matches!(
            write("OwnersLookupId", json!([[6]]), Dialect::Graph),
            Err(FieldError::WrongType { .. })
        ));
        assert!(
            write("OwnersLookupId@odata.type", json!("Collection(Edm.Int32)"), Dialect::Graph)
                .is_ok()
        );
    }

    #[test]
    fn dates_are_stored_in_utc() {
        assert_eq!(
            parse_date("2026-02-03").map(timestamp).as_deref(),
            Some("2026-02-03T00:00:00Z")
        );
        assert_eq!(
            parse_date("2026-02-03T10:00:00+02:00").map(timestamp).as_deref(),
            Some("2026-02-03T08:00:00Z")
        );
        assert!(parse_date("3 Feb 2026").is_none());
    }

    #[test]
    fn required_fields_must_have_a_value() {
        let list = list();
        let mut fields = Map::new();
        assert_eq!(check_required(&list, &fields), Err(FieldError::Required("Title".into())));
        fields.insert("Title".into(), json!("Hello"));
        assert_eq!(check_required(&list, &fields), Ok(()));
    }
}
