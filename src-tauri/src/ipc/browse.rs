//! The views of the Browse step: sites, lists and libraries with their columns, content types and
//! a preview of items, as the UI shows them (every string as text; column settings and item
//! values already in plain words), and the arguments of the browse commands.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use spconnect_graph::sharepoint::{Column, ColumnType, ContentType, ItemPreview, List, Site};
use ts_rs::TS;

/// Which account browses, and what to look for (`browse_sites`).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FindSitesArgs {
    /// Their home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// Words of a site's title or address, or a site's URL; empty lists every site the account
    /// can find.
    #[serde(default)]
    #[ts(optional)]
    pub query: Option<String>,
}

/// Which account, and which site (`browse_site`).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SiteArgs {
    /// Their home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// The site's id (`{hostname},{site collection id},{web id}`).
    pub site_id: String,
    /// Read it again even if it was read before (Refresh).
    #[serde(default)]
    #[ts(optional)]
    pub refresh: Option<bool>,
}

/// Which account, which site to load everything under, and where progress goes
/// (`browse_load_all`).
#[derive(Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadAllArgs {
    /// Their home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// The site.
    pub site_id: String,
    /// The channel progress is sent on.
    #[ts(type = "Channel<LoadProgressView>")]
    pub on_progress: tauri::ipc::JavaScriptChannelId,
}

/// How far "load everything" has got.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LoadProgressView {
    /// Sites known so far.
    pub sites_found: u32,
    /// Sites read.
    pub sites_read: u32,
    /// Lists and libraries read.
    pub lists: u32,
    /// Columns read.
    pub columns: u32,
    /// Sites that could not be read (wholly or partly).
    pub sites_with_problems: u32,
    /// Time since the start, in milliseconds.
    pub elapsed_ms: u32,
    /// Sites read per second so far.
    pub sites_per_second: f64,
    /// The estimated seconds left for the sites known so far, once there is a rate.
    pub seconds_left: Option<f64>,
}

/// One site read by "load everything".
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LoadedSiteView {
    /// The site.
    pub site: SiteView,
    /// What it holds.
    pub contents: SiteContentsView,
}

/// What "load everything" read.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LoadedView {
    /// Every site read.
    pub sites: Vec<LoadedSiteView>,
    /// Whether it was cancelled (what was read is kept).
    pub cancelled: bool,
    /// The final counts.
    pub progress: LoadProgressView,
}

/// Which account, site and list (`browse_list`).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListArgs {
    /// Their home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// The site's id.
    pub site_id: String,
    /// The list's id.
    pub list_id: String,
}

/// A site.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SiteView {
    /// `{hostname},{site collection id},{web id}`.
    pub id: String,
    /// Its title.
    pub display_name: String,
    /// Its address.
    pub web_url: String,
    /// Its description.
    pub description: Option<String>,
    /// A site collection's root site.
    pub is_root: bool,
}

impl From<Site> for SiteView {
    fn from(site: Site) -> Self {
        let display_name = if site.display_name.is_empty() { site.name } else { site.display_name };
        Self {
            id: site.id,
            display_name,
            web_url: site.web_url,
            description: site.description.filter(|d| !d.is_empty()),
            is_root: site.is_root,
        }
    }
}

/// Sites found.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SitesView {
    /// The sites, by title.
    pub sites: Vec<SiteView>,
    /// How they were found, in words ("Sites matching “hr”").
    pub how: String,
}

/// A column, with its type and settings in plain words.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ColumnView {
    /// Its id.
    pub id: String,
    /// The internal name (the key in an item's fields).
    pub name: String,
    /// The name shown.
    pub display_name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its type in words ("Choice", "Lookup", "Number").
    pub type_name: String,
    /// Its settings in words ("Choices: Open, Closed", "Looks up Title in list …").
    pub settings: Vec<String>,
    /// A value is required.
    pub required: bool,
    /// Indexed.
    pub indexed: bool,
    /// Cannot be written.
    pub read_only: bool,
    /// Hidden.
    pub hidden: bool,
    /// The default value.
    pub default_value: Option<String>,
}

fn describe(column_type: &ColumnType) -> (String, Vec<String>) {
    let some = |label: &str, value: Option<String>| value.map(|v| format!("{label}: {v}"));
    let (name, settings): (&str, Vec<Option<String>>) = match column_type {
        ColumnType::Text { multiple_lines, max_length } => (
            if *multiple_lines { "Multiple lines of text" } else { "Single line of text" },
            vec![some("At most", max_length.map(|m| format!("{m} characters")))],
        ),
        ColumnType::Number { minimum, maximum } => (
            "Number",
            vec![
                some("Minimum", minimum.map(|m| m.to_string())),
                some("Maximum", maximum.map(|m| m.to_string())),
            ],
        ),
        ColumnType::Choice { choices, allow_text_entry } => (
            "Choice",
            vec![
                Some(format!("Choices: {}", choices.join(", "))),
                allow_text_entry.then(|| "Other values may be typed".to_owned()),
            ],
        ),
        ColumnType::DateTime { date_only } => {
            (if *date_only { "Date" } else { "Date and time" }, Vec::new())
        }
        ColumnType::Lookup { list_id, column_name, multiple } => (
            "Lookup",
            vec![
                Some(format!("Looks up {column_name} in list {list_id}")),
                multiple.then(|| "Several values".to_owned()),
            ],
        ),
        ColumnType::PersonOrGroup { multiple } => {
            ("Person or group", vec![multiple.then(|| "Several people".to_owned())])
        }
        ColumnType::Boolean => ("Yes/No", Vec::new()),
        ColumnType::Currency { locale } => ("Currency", vec![some("Format", locale.clone())]),
        ColumnType::Calculated { output_type, formula } => (
            "Calculated",
            vec![some("Result", output_type.clone()), some("Formula", formula.clone())],
        ),
        ColumnType::Hyperlink { is_picture } => {
            (if *is_picture { "Picture" } else { "Hyperlink" }, Vec::new())
        }
        ColumnType::Other { facet } => (facet.as_str(), Vec::new()),
        ColumnType::Unknown => ("Other (not described by Graph)", Vec::new()),
    };
    (name.to_owned(), settings.into_iter().flatten().collect())
}

impl From<Column> for ColumnView {
    fn from(column: Column) -> Self {
        let (type_name, settings) = describe(&column.column_type);
        Self {
            id: column.id,
            name: column.name,
            display_name: column.display_name,
            description: column.description,
            type_name,
            settings,
            required: column.required,
            indexed: column.indexed,
            read_only: column.read_only,
            hidden: column.hidden,
            default_value: column.default_value,
        }
    }
}

/// A list or library with its columns.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListView {
    /// Its id.
    pub id: String,
    /// Its title.
    pub display_name: String,
    /// Its address.
    pub web_url: String,
    /// Its description.
    pub description: Option<String>,
    /// SharePoint's template (`genericList`, `documentLibrary`, …).
    pub template: String,
    /// A document library.
    pub is_library: bool,
    /// Hidden from the site's contents.
    pub hidden: bool,
    /// A system list.
    pub system: bool,
    /// Its columns (none when `columns_loaded` is false).
    pub columns: Vec<ColumnView>,
    /// Whether `columns` came with it; "load everything" leaves them out of its answer (they
    /// are kept, and `browse_site` answers them from there).
    pub columns_loaded: bool,
}

impl From<List> for ListView {
    fn from(list: List) -> Self {
        let is_library = list.is_library();
        let display_name = if list.display_name.is_empty() { list.name } else { list.display_name };
        Self {
            id: list.id,
            display_name,
            web_url: list.web_url,
            description: list.description,
            template: list.template,
            is_library,
            hidden: list.hidden,
            system: list.system,
            columns: list.columns.into_iter().map(ColumnView::from).collect(),
            columns_loaded: true,
        }
    }
}

/// What a site holds: its subsites and its lists, and what could not be read.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SiteContentsView {
    /// Its subsites.
    pub subsites: Vec<SiteView>,
    /// Its lists and libraries (hidden and system ones marked).
    pub lists: Vec<ListView>,
    /// What could not be read, in words (the rest is shown).
    pub problems: Vec<String>,
    /// When it was read (seconds since the Unix epoch).
    #[ts(type = "number")]
    pub read_at: u64,
}

/// A content type.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContentTypeView {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its group.
    pub group: Option<String>,
    /// Its description.
    pub description: Option<String>,
}

impl From<ContentType> for ContentTypeView {
    fn from(ct: ContentType) -> Self {
        Self {
            id: ct.id,
            name: ct.name,
            group: ct.group,
            description: ct.description.filter(|d| !d.is_empty()),
        }
    }
}

/// One field of an item, as text.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldView {
    /// The column's internal name.
    pub name: String,
    /// The value as text.
    pub value: String,
}

/// One item of a preview.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ItemView {
    /// Its id.
    pub id: String,
    /// Its fields (Graph's own bookkeeping fields left out).
    pub fields: Vec<FieldView>,
}

/// Fields every item has that say nothing about its content.
const BOOKKEEPING: [&str; 4] = ["@odata.etag", "_UIVersionString", "Attachments", "Edit"];

fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        Value::Array(values) => values.iter().map(as_text).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .get("LookupValue")
            .or_else(|| map.get("Email"))
            .or_else(|| map.get("Url"))
            .map(as_text)
            .unwrap_or_else(|| value.to_string()),
        other => other.to_string(),
    }
}

impl From<ItemPreview> for ItemView {
    fn from(item: ItemPreview) -> Self {
        Self {
            id: item.id,
            fields: item
                .fields
                .into_iter()
                .filter(|(name, _)| !BOOKKEEPING.contains(&name.as_str()))
                .map(|(name, value)| FieldView { value: as_text(&value), name })
                .collect(),
        }
    }
}

/// A list's content types and first items, and what could not be read.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ListDetailsView {
    /// Its content types.
    pub content_types: Vec<ContentTypeView>,
    /// Its first items.
    pub items: Vec<ItemView>,
    /// What could not be read, in words.
    pub problems: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn column_types_and_item_values_read_as_plain_words() {
        let (name, settings) = describe(&ColumnType::Choice {
            choices: vec!["Open".into(), "Closed".into()],
            allow_text_entry: true,
        });
        assert_eq!(name, "Choice");
        assert_eq!(settings, ["Choices: Open, Closed", "Other values may be typed"]);
        assert_eq!(as_text(&json!([{"LookupValue": "HR"}, {"LookupValue": "IT"}])), "HR, IT");
        assert_eq!(as_text(&json!(3.5)), "3.5");
        assert_eq!(as_text(&json!("<b>bold</b>")), "<b>bold</b>", "kept as text, not parsed");
    }
}

/// One list ticked in Browse, with the columns ticked (`save_integration`).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PickedListArgs {
    /// The site's id.
    pub site_id: String,
    /// The list's id.
    pub list_id: String,
    /// The internal names of the columns ticked.
    pub columns: Vec<String>,
}

/// Which account, the integration's name, and what was ticked (`save_integration`).
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SaveIntegrationArgs {
    /// Their home tenant id.
    pub tenant_id: String,
    /// Their object id.
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// The integration's name.
    pub name: String,
    /// The lists and columns ticked.
    pub lists: Vec<PickedListArgs>,
}

/// An integration definition, saved, with its OpenAPI document.
#[derive(Clone, Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationView {
    /// Its name.
    pub name: String,
    /// The lists it uses, in words ("Employees (Human Resources): 5 columns").
    pub lists: Vec<String>,
    /// The sites it uses (what `Sites.Selected` will grant).
    pub site_ids: Vec<String>,
    /// Where the definition is saved.
    pub definition_path: String,
    /// Where its OpenAPI document is saved.
    pub openapi_path: String,
    /// The OpenAPI document (JSON), to copy.
    pub openapi: String,
}
