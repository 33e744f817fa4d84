//! Creating lists and columns, the same through Graph (`POST /sites/{id}/lists`,
//! `POST …/lists/{id}/columns`) and SharePoint REST (`POST /_api/web/lists`, `POST …/fields`):
//! a list gets its template's columns (Title and SharePoint's own) plus the ones given; the server
//! assigns the URL name (from the title) and ids. Column names become SharePoint internal names
//! (`My Col` → `My_x0020_Col`); titles are kept exactly as sent. Columns are described the way
//! Graph's `columnDefinition` does (SharePoint REST bodies are translated into it).
//! See <https://learn.microsoft.com/graph/api/list-create>,
//! <https://learn.microsoft.com/graph/api/list-post-columns>.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::{
    fields::internal_name,
    model::{Column, FacetValue, List, Tenant},
};

/// Why a list or column was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListError {
    /// A list with this title exists in the web.
    DuplicateTitle,
    /// A column with this name exists in the list.
    DuplicateField(String),
    /// Something in the request is not acceptable (the message says what).
    Invalid(String),
}

impl ListError {
    /// SharePoint's message.
    pub fn message(&self) -> String {
        match self {
            ListError::DuplicateTitle => "A list, survey, discussion board, or document library with the specified title already exists in this Web site.  Please choose another title.".into(),
            ListError::DuplicateField(name) => format!("A duplicate field name \"{name}\" was found."),
            ListError::Invalid(message) => message.clone(),
        }
    }
}

fn not_acceptable() -> ListError {
    ListError::Invalid("One of the provided arguments is not acceptable.".into())
}

/// The list templates accepted (`list.template`), as Graph names them.
pub const TEMPLATES: &[&str] = &[
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

/// A list's URL name from its display name: the characters SharePoint does not allow in URLs
/// removed.
fn url_name(display: &str) -> String {
    let name: String = display.chars().filter(|c| !"~\"#%&*:<>?/\\{|}".contains(*c)).collect();
    let name = name.trim().trim_matches('.').trim();
    if name.is_empty() { "List".to_owned() } else { name.to_owned() }
}

/// What a new list is made of.
pub struct NewList<'a> {
    /// The title (Graph `displayName`).
    pub title: &'a str,
    /// A Graph template name (see [`TEMPLATES`]).
    pub template: &'a str,
    /// The description.
    pub description: &'a str,
    /// Hidden from browsing.
    pub hidden: bool,
    /// Column definitions in Graph's `columnDefinition` shape.
    pub columns: &'a [Value],
}

/// Adds a new list to web `web`; returns its index in the web's stored lists.
pub fn create_list(tenant: &mut Tenant, web: usize, new: &NewList<'_>) -> Result<usize, ListError> {
    let title = new.title;
    if title.trim().is_empty() {
        return Err(not_acceptable());
    }
    let template = *TEMPLATES.iter().find(|t| **t == new.template).ok_or_else(not_acceptable)?;
    let host = tenant.sharepoint_host.clone();
    let target = &tenant.webs[web];
    // Generated webs (large tenants) count their generated lists too.
    let existing = target.lists();
    if existing.iter().any(|l| l.display_name.eq_ignore_ascii_case(title)) {
        return Err(ListError::DuplicateTitle);
    }
    let base = url_name(title);
    let name = (0..)
        .map(|n| if n == 0 { base.clone() } else { format!("{base}{n}") })
        .find(|n| !existing.iter().any(|l| l.name.eq_ignore_ascii_case(n)))
        .unwrap_or(base);
    let mut list = crate::seed::list(&host, &target.path, &name, title, template);
    list.id = Uuid::new_v4();
    list.drive_id = (template == "documentLibrary").then(|| crate::seed::drive_id(list.id));
    list.created = crate::items::whole_seconds();
    new.description.clone_into(&mut list.description);
    list.hidden = new.hidden;
    for definition in new.columns {
        let definition = definition.as_object().ok_or_else(not_acceptable)?;
        let column = column_from(definition, &existing)?;
        add_column(&mut list, column)?;
    }
    drop(existing);
    tenant.webs[web].lists.push(list);
    Ok(tenant.webs[web].lists.len() - 1)
}

/// Adds `column` to `list`, unless its name or title is taken.
pub fn add_column(list: &mut List, column: Column) -> Result<(), ListError> {
    if list.columns.iter().any(|c| {
        c.name.eq_ignore_ascii_case(&column.name)
            || c.display_name.eq_ignore_ascii_case(&column.display_name)
    }) {
        return Err(ListError::DuplicateField(column.name.to_string()));
    }
    list.columns.push(column);
    Ok(())
}

/// A column from a `columnDefinition` body: exactly one type facet, merged over its defaults.
pub fn column_from(body: &Map<String, Value>, lists: &[List]) -> Result<Column, ListError> {
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ListError::Invalid("The column's 'name' is required.".into()))?;
    let given: Vec<&str> =
        ALL_FACETS.iter().copied().filter(|f| body.get(*f).is_some_and(Value::is_object)).collect();
    let [facet] = given.as_slice() else {
        return Err(ListError::Invalid(
            "Exactly one column type facet (such as 'text' or 'number') must be given.".into(),
        ));
    };
    let (facet, mut value) = facet_default(facet).ok_or_else(|| {
        ListError::Invalid(format!("Columns of type '{facet}' cannot be created."))
    })?;
    if let (Some(target), Some(given)) = (value.as_object_mut(), body[facet].as_object()) {
        for (key, v) in given {
            target.insert(key.clone(), v.clone());
        }
    }
    if facet == "lookup" {
        let target = value.get("listId").and_then(Value::as_str).unwrap_or_default();
        if !lists.iter().any(|l| l.id.to_string().eq_ignore_ascii_case(target)) {
            return Err(ListError::Invalid(
                "The lookup column's 'listId' names no list of this site.".into(),
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
        name: internal_name(name).into(),
        display_name: text("displayName").unwrap_or_else(|| name.to_owned()).into(),
        description: text("description").unwrap_or_default().into(),
        column_group: text("columnGroup").unwrap_or_else(|| "Custom Columns".into()).into(),
        hidden: flag("hidden"),
        indexed: flag("indexed"),
        read_only: flag("readOnly"),
        required: flag("required"),
        enforce_unique_values: flag("enforceUniqueValues"),
        facet: (facet.into(), FacetValue::new(value)),
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
