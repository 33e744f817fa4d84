//! Creating lists (`POST /sites/{id}/lists`, with their columns) and columns
//! (`POST /sites/{id}/lists/{id}/columns`) through Graph, so tests can seed any content.
//! A list gets its template's columns (Title and SharePoint's own) plus the ones given; the
//! server assigns `name` (from `displayName`) and ids. Column names become SharePoint internal
//! names (`My Col` → `My_x0020_Col`); display names are kept exactly as sent.
//! See <https://learn.microsoft.com/graph/api/list-create> and
//! <https://learn.microsoft.com/graph/api/list-post-columns>.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::super::{Reply, Request, error::GraphError};
use super::{column_json, items::list_index, list_json};
use crate::{
    fields::internal_name,
    model::{Column, Tenant},
};

/// The list templates accepted (`list.template`), as Graph names them.
const TEMPLATES: &[&str] = &[
    "genericList",
    "documentLibrary",
    "announcements",
    "contacts",
    "tasks",
    "links",
    "events",
    "issueTracking",
];

/// The column types that can be created, with the facet values SharePoint fills in by default.
fn facet_default(facet: &str) -> Option<(&'static str, Value)> {
    Some(match facet {
        "text" => (
            "text",
            json!({"allowMultipleLines": false, "appendChangesToExistingText": false, "linesForEditing": 0, "maxLength": 255}),
        ),
        "number" => ("number", json!({"decimalPlaces": "automatic", "displayAs": "number"})),
        "choice" => {
            ("choice", json!({"allowTextEntry": false, "choices": [], "displayAs": "dropDownMenu"}))
        }
        "dateTime" => ("dateTime", json!({"displayAs": "default", "format": "dateTime"})),
        "boolean" => ("boolean", json!({})),
        "currency" => ("currency", json!({"locale": "en-us"})),
        "personOrGroup" => (
            "personOrGroup",
            json!({"allowMultipleSelection": false, "chooseFromType": "peopleAndGroups", "displayAs": "account"}),
        ),
        "lookup" => {
            ("lookup", json!({"allowMultipleValues": false, "allowUnlimitedLength": false}))
        }
        "hyperlinkOrPicture" => ("hyperlinkOrPicture", json!({"isPicture": false})),
        "geolocation" => ("geolocation", json!({})),
        "thumbnail" => ("thumbnail", json!({})),
        _ => return None,
    })
}

const ALL_FACETS: &[&str] = &[
    "text",
    "number",
    "choice",
    "dateTime",
    "boolean",
    "currency",
    "personOrGroup",
    "lookup",
    "hyperlinkOrPicture",
    "geolocation",
    "thumbnail",
    "calculated",
    "term",
    "contentApprovalStatus",
];

fn not_acceptable() -> GraphError {
    GraphError::bad_request("One of the provided arguments is not acceptable.")
}

/// A list's URL name from its display name: the characters SharePoint does not allow in URLs
/// removed.
fn url_name(display: &str) -> String {
    let name: String = display.chars().filter(|c| !"~\"#%&*:<>?/\\{|}".contains(*c)).collect();
    let name = name.trim().trim_matches('.').trim();
    if name.is_empty() { "List".to_owned() } else { name.to_owned() }
}

/// `POST /sites/{id}/lists`.
pub(super) fn create_list(
    request: &Request<'_>,
    tenant: &mut Tenant,
    web: usize,
) -> Result<Reply, GraphError> {
    let body = request.body_object()?;
    if body.contains_key("name") {
        return Err(GraphError::bad_request(
            "Cannot define a 'name' for a list as it is assigned by the server. Instead, provide 'displayName'",
        ));
    }
    let display = body
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(not_acceptable)?
        .to_owned();
    let info = body.get("list").and_then(Value::as_object);
    let template =
        info.and_then(|i| i.get("template")).and_then(Value::as_str).unwrap_or("genericList");
    let template = *TEMPLATES.iter().find(|t| **t == template).ok_or_else(not_acceptable)?;
    let host = tenant.sharepoint_host.clone();
    let target = &tenant.webs[web];
    // Generated webs (large tenants) count their generated lists too.
    let existing = target.lists();
    if existing.iter().any(|l| l.display_name.eq_ignore_ascii_case(&display)) {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "nameAlreadyExists",
            "A list, survey, discussion board, or document library with the specified title already exists in this Web site.  Please choose another title.",
        ));
    }
    let base = url_name(&display);
    let name = (0..)
        .map(|n| if n == 0 { base.clone() } else { format!("{base}{n}") })
        .find(|n| !existing.iter().any(|l| l.name.eq_ignore_ascii_case(n)))
        .unwrap_or(base);
    let mut list = crate::seed::list(&host, &target.path, &name, &display, template);
    list.id = Uuid::new_v4();
    list.drive_id = (template == "documentLibrary").then(|| crate::seed::drive_id(list.id));
    list.created = crate::items::whole_seconds();
    list.description =
        body.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
    list.hidden = info.and_then(|i| i.get("hidden")).and_then(Value::as_bool).unwrap_or(false);
    let given = body.get("columns").and_then(Value::as_array).cloned().unwrap_or_default();
    for definition in &given {
        let definition = definition.as_object().ok_or_else(not_acceptable)?;
        let column = column_from(definition, &existing)?;
        if list.columns.iter().any(|c| c.name.eq_ignore_ascii_case(&column.name)) {
            return Err(duplicate(&column.name));
        }
        list.columns.push(column);
    }
    drop(existing);
    tenant.webs[web].lists.push(list);
    let web = &tenant.webs[web];
    let list = web.lists.last().ok_or_else(GraphError::item_not_found)?;
    let mut json = list_json(request, tenant, web, list);
    json["@odata.context"] = json!(request.context("sites/lists/$entity"));
    Ok(Reply::created(json))
}

/// `POST /sites/{id}/lists/{id}/columns`.
pub(super) fn create_column(
    request: &Request<'_>,
    tenant: &mut Tenant,
    web: usize,
    list_ref: &str,
) -> Result<Reply, GraphError> {
    let l = list_index(tenant, web, list_ref)?;
    let column = column_from(request.body_object()?, &tenant.webs[web].lists())?;
    let list = &mut tenant.webs[web].lists[l];
    if list.columns.iter().any(|c| {
        c.name.eq_ignore_ascii_case(&column.name)
            || c.display_name.eq_ignore_ascii_case(&column.display_name)
    }) {
        return Err(duplicate(&column.name));
    }
    let mut json = column_json(&column);
    list.columns.push(column);
    json["@odata.context"] = json!(request.context("sites/lists/columns/$entity"));
    Ok(Reply::created(json))
}

fn duplicate(name: &str) -> GraphError {
    GraphError::new(
        StatusCode::CONFLICT,
        "nameAlreadyExists",
        format!("A duplicate field name \"{name}\" was found."),
    )
}

/// A column from a `columnDefinition` body: exactly one type facet, merged over its defaults.
fn column_from(
    body: &Map<String, Value>,
    lists: &[crate::model::List],
) -> Result<Column, GraphError> {
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| GraphError::bad_request("The column's 'name' is required."))?;
    let given: Vec<&str> =
        ALL_FACETS.iter().copied().filter(|f| body.get(*f).is_some_and(Value::is_object)).collect();
    let [facet] = given.as_slice() else {
        return Err(GraphError::bad_request(
            "Exactly one column type facet (such as 'text' or 'number') must be given.",
        ));
    };
    let (facet, mut value) = facet_default(facet).ok_or_else(|| {
        GraphError::bad_request(format!("Columns of type '{facet}' cannot be created."))
    })?;
    if let (Some(target), Some(given)) = (value.as_object_mut(), body[facet].as_object()) {
        for (key, v) in given {
            target.insert(key.clone(), v.clone());
        }
    }
    if facet == "lookup" {
        let target = value.get("listId").and_then(Value::as_str).unwrap_or_default();
        if !lists.iter().any(|l| l.id.to_string().eq_ignore_ascii_case(target)) {
            return Err(GraphError::bad_request(
                "The lookup column's 'listId' names no list of this site.",
            ));
        }
        if value.get("columnName").and_then(Value::as_str).is_none() {
            value["columnName"] = json!("Title");
        }
    }
    let flag = |key: &str| body.get(key).and_then(Value::as_bool).unwrap_or(false);
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(Column {
        id: Uuid::new_v4(),
        name: internal_name(name),
        display_name: text("displayName").unwrap_or_else(|| name.to_owned()),
        description: text("description").unwrap_or_default(),
        column_group: text("columnGroup").unwrap_or_else(|| "Custom Columns".into()),
        hidden: flag("hidden"),
        indexed: flag("indexed"),
        read_only: flag("readOnly"),
        required: flag("required"),
        enforce_unique_values: flag("enforceUniqueValues"),
        facet: (facet, value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_the_way_sharepoint_makes_them() {
        assert_eq!(internal_name("My Col"), "My_x0020_Col");
        assert_eq!(internal_name("<b>"), "_x003c_b_x003e_");
        assert_eq!(internal_name("é"), "_x00e9_");
        assert_eq!(url_name("Q&A: <script>"), "QA script");
        assert_eq!(url_name("???"), "List");
    }
}
