//! Creating lists (`POST /_api/web/lists` with `Title`, `BaseTemplate`) and fields
//! (`POST …/lists/getbytitle('…')/fields` with `Title` and `FieldTypeKind` or an `SP.Field…`
//! type) through SharePoint REST; the rules are the crate's `lists` module, shared with Graph. A
//! field body is translated into Graph's `columnDefinition` shape first.
//! See <https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-lists-and-list-items-with-rest>
//! and <https://learn.microsoft.com/previous-versions/office/sharepoint-csom/ee540543(v=office.15)>
//! (`FieldType` numbers).

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

use super::items::{WriteRequest, invalid_query, parse_body, unknown_type};
use super::{
    access_denied, error, field_json, find_list, list_json, not_found, verbose_form,
    without_metadata,
};
use crate::{
    access::{self, Level},
    lists::{self, ListError, NewList},
};

/// Whether `segments` (after `/_api/`) name a list or field creation.
pub(super) fn handles(method: &str, segments: &[&str]) -> bool {
    method == "POST"
        && matches!(
            segments,
            ["web", "lists"] | ["web", "lists", _, "fields"] | ["web", _, "fields"]
        )
}

/// The Graph template of a SharePoint `BaseTemplate` number.
fn template(base: i64) -> Option<&'static str> {
    Some(match base {
        100 => "genericList",
        101 => "documentLibrary",
        103 => "links",
        104 => "announcements",
        105 => "contacts",
        106 => "events",
        107 => "tasks",
        1100 => "issueTracking",
        _ => return None,
    })
}

fn refused(error_: &ListError) -> Response {
    match error_ {
        ListError::Invalid(message) => invalid_query(message),
        taken => error(
            StatusCode::BAD_REQUEST,
            "-2130575342, Microsoft.SharePoint.SPException",
            &taken.message(),
        ),
    }
}

fn created(request: &WriteRequest<'_>, body: Value) -> Response {
    let body = if request.verbose { verbose_form(body) } else { without_metadata(body) };
    (StatusCode::CREATED, Json(body)).into_response()
}

/// Answers a list or field creation (`handles` said yes).
pub(super) fn handle(request: &WriteRequest<'_>, segments: &[&str]) -> Response {
    let mut world = request.shared.world_mut();
    let level = {
        let tenant = &world.tenants[request.tenant];
        access::level(&world, request.caller, tenant, &tenant.webs[request.web])
    };
    if level < Level::Manage {
        return access_denied();
    }
    let (body, declared) = match parse_body(request) {
        Ok(parsed) => parsed,
        Err(message) => return invalid_query(&message),
    };
    let tenant = &mut world.tenants[request.tenant];
    match segments {
        ["web", "lists"] => {
            if let Some(declared) = declared.filter(|d| d != "SP.List") {
                return invalid_query(&unknown_type(&declared));
            }
            let base = body.get("BaseTemplate").and_then(Value::as_i64).unwrap_or(100);
            let Some(template) = template(base) else {
                return invalid_query("One of the provided arguments is not acceptable.");
            };
            let text = |key: &str| body.get(key).and_then(Value::as_str).unwrap_or_default();
            let new = NewList {
                title: text("Title"),
                template,
                description: text("Description"),
                hidden: body.get("Hidden").and_then(Value::as_bool).unwrap_or(false),
                columns: &[],
            };
            match lists::create_list(tenant, request.web, &new) {
                Ok(index) => created(
                    request,
                    list_json(&tenant.webs[request.web].lists[index], request.site_url),
                ),
                Err(e) => refused(&e),
            }
        }
        ["web", "lists", reference, "fields"] | ["web", reference, "fields"] => {
            let list_id = match find_list(&tenant.webs[request.web].lists(), reference) {
                Some(list) => list.id,
                None => return not_found("List"),
            };
            access::materialise(&mut tenant.webs[request.web], &list_id.to_string());
            let Some(l) = tenant.webs[request.web].lists.iter().position(|l| l.id == list_id)
            else {
                return not_found("List");
            };
            let definition = match column_definition(&body, declared.as_deref()) {
                Ok(definition) => definition,
                Err(message) => return invalid_query(&message),
            };
            let column = match lists::column_from(&definition, &tenant.webs[request.web].lists()) {
                Ok(column) => column,
                Err(e) => return refused(&e),
            };
            let list = &mut tenant.webs[request.web].lists[l];
            let json = field_json(list, &column, request.site_url);
            match lists::add_column(list, column) {
                Ok(()) => created(request, json),
                Err(e) => refused(&e),
            }
        }
        _ => not_found("The resource"),
    }
}

/// The `FieldTypeKind` a body means: given, or from its `SP.Field…` type.
fn kind(body: &Map<String, Value>, declared: Option<&str>) -> Option<i64> {
    if let Some(kind) = body.get("FieldTypeKind").and_then(Value::as_i64) {
        return Some(kind);
    }
    Some(match declared? {
        "SP.FieldText" => 2,
        "SP.FieldMultiLineText" => 3,
        "SP.FieldDateTime" => 4,
        "SP.FieldChoice" => 6,
        "SP.FieldLookup" => 7,
        "SP.FieldNumber" => 9,
        "SP.FieldCurrency" => 10,
        "SP.FieldUrl" => 11,
        "SP.FieldUser" => 20,
        _ => return None,
    })
}

/// A SharePoint REST field body as a Graph `columnDefinition`.
fn column_definition(
    body: &Map<String, Value>,
    declared: Option<&str>,
) -> Result<Map<String, Value>, String> {
    let number =
        |key: &str| body.get(key).and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()));
    let results = |key: &str| {
        let value = body.get(key)?;
        value.get("results").unwrap_or(value).as_array().cloned()
    };
    let display_format = body.get("DisplayFormat").and_then(Value::as_i64).unwrap_or(0);
    let (facet, value) = match kind(body, declared)
        .ok_or_else(|| "The field type is not given or not supported.".to_owned())?
    {
        2 => ("text", json!({"maxLength": number("MaxLength").unwrap_or(255.0)})),
        3 => {
            ("text", json!({"allowMultipleLines": true, "linesForEditing": 6, "maxLength": 63999}))
        }
        4 => (
            "dateTime",
            json!({"format": if display_format == 0 { "dateOnly" } else { "dateTime" }}),
        ),
        6 => (
            "choice",
            json!({"choices": results("Choices").unwrap_or_default(), "allowTextEntry": body.get("FillInChoice").and_then(Value::as_bool).unwrap_or(false)}),
        ),
        7 => {
            let list = body.get("LookupList").and_then(Value::as_str).unwrap_or_default();
            let column = body.get("LookupField").and_then(Value::as_str).unwrap_or("Title");
            (
                "lookup",
                json!({"listId": list.trim_matches(|c| c == '{' || c == '}'), "columnName": column}),
            )
        }
        8 => ("boolean", json!({})),
        9 => {
            let mut facet = Map::new();
            for (key, name) in [("MinimumValue", "minimum"), ("MaximumValue", "maximum")] {
                if let Some(n) = number(key) {
                    facet.insert(name.into(), json!(n));
                }
            }
            ("number", Value::Object(facet))
        }
        10 => ("currency", json!({})),
        11 => ("hyperlinkOrPicture", json!({"isPicture": display_format == 1})),
        20 => ("personOrGroup", json!({})),
        other => return Err(format!("Fields of type {other} cannot be created here.")),
    };
    let mut definition = Map::new();
    let title = body.get("Title").cloned().unwrap_or(Value::Null);
    let name = body
        .get("InternalName")
        .or_else(|| body.get("StaticName"))
        .cloned()
        .unwrap_or_else(|| title.clone());
    definition.insert("name".into(), name);
    definition.insert("displayName".into(), title);
    for (from, to) in [
        ("Description", "description"),
        ("Required", "required"),
        ("EnforceUniqueValues", "enforceUniqueValues"),
        ("Indexed", "indexed"),
        ("Hidden", "hidden"),
    ] {
        if let Some(value) = body.get(from) {
            definition.insert(to.into(), value.clone());
        }
    }
    definition.insert(facet.into(), value);
    Ok(definition)
}
