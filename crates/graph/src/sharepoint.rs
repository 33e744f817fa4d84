//! Typed models of what spconnect reads from SharePoint through Graph (docs/microsoft §3.1–§3.5),
//! the `$select` of each (only the fields shown), and the reads themselves: finding sites, a
//! site's subsites and its lists with their columns (one round trip per site with
//! `$expand=columns`), content types, and a preview of a list's first items.
//!
//! Unknown values (a list template, a column type Graph does not model) are kept as they come
//! rather than refused.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{access::Need, client::GraphClient, error::GraphError, wire::WireList};

/// The fields of a site that Browse shows.
pub const SITE_SELECT: &str = "id,name,displayName,webUrl,description,root,siteCollection";
/// The fields of a list that Browse shows (`system` too, so system lists come and are marked).
pub const LIST_SELECT: &str =
    "id,name,displayName,webUrl,description,list,system,lastModifiedDateTime";
/// The fields of a column that Browse shows, with every type facet.
pub const COLUMN_SELECT: &str = "id,name,displayName,description,hidden,indexed,readOnly,required,\
enforceUniqueValues,defaultValue,text,number,choice,dateTime,lookup,personOrGroup,boolean,currency,\
calculated,hyperlinkOrPicture,geolocation,term,thumbnail,contentApprovalStatus";
/// The fields of a content type that Browse shows.
pub const CONTENT_TYPE_SELECT: &str = "id,name,description,group,hidden,readOnly,sealed";
/// How many items a preview shows.
pub const PREVIEW_ITEMS: usize = 10;

/// A site (a site collection's root web, or a subsite).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    /// `{hostname},{site collection id},{web id}`.
    pub id: String,
    /// The URL name.
    #[serde(default)]
    pub name: String,
    /// The title.
    #[serde(default)]
    pub display_name: String,
    /// Its address.
    #[serde(default)]
    pub web_url: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether it is a site collection's root web (`root` is present).
    #[serde(default, rename = "root", deserialize_with = "present")]
    pub is_root: bool,
}

/// A list or library.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct List {
    /// Its id (a GUID).
    pub id: String,
    /// The URL name.
    #[serde(default)]
    pub name: String,
    /// The title.
    #[serde(default)]
    pub display_name: String,
    /// Its address.
    #[serde(default)]
    pub web_url: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// The template (`genericList`, `documentLibrary`, … or anything else SharePoint has).
    pub template: String,
    /// Hidden from the site's contents.
    pub hidden: bool,
    /// A system list (the `system` facet).
    pub system: bool,
    /// The list's columns, when read with it.
    pub columns: Vec<Column>,
}

impl List {
    /// Whether it is a document library.
    pub fn is_library(&self) -> bool {
        self.template == "documentLibrary"
    }
}

/// A column's type and the settings that matter to an integration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ColumnType {
    /// Text (`text`): one or several lines.
    Text {
        /// Several lines.
        multiple_lines: bool,
        /// The longest value, when set.
        max_length: Option<u64>,
    },
    /// A number (`number`).
    Number {
        /// The lowest value, when set.
        minimum: Option<f64>,
        /// The highest value, when set.
        maximum: Option<f64>,
    },
    /// A choice among values (`choice`).
    Choice {
        /// The values.
        choices: Vec<String>,
        /// Whether other text may be typed.
        allow_text_entry: bool,
    },
    /// A date, or date and time (`dateTime`).
    DateTime {
        /// Only the date.
        date_only: bool,
    },
    /// A lookup into another list (`lookup`).
    Lookup {
        /// The list looked into.
        list_id: String,
        /// The column shown.
        column_name: String,
        /// Several values.
        multiple: bool,
    },
    /// A person or group (`personOrGroup`).
    PersonOrGroup {
        /// Several values.
        multiple: bool,
    },
    /// Yes or no (`boolean`).
    Boolean,
    /// Money (`currency`).
    Currency {
        /// The locale of its format.
        locale: Option<String>,
    },
    /// Calculated from a formula (`calculated`).
    Calculated {
        /// The type of its result.
        output_type: Option<String>,
        /// The formula.
        formula: Option<String>,
    },
    /// A link or a picture (`hyperlinkOrPicture`).
    Hyperlink {
        /// A picture.
        is_picture: bool,
    },
    /// Another type Graph models (`geolocation`, `term`, `thumbnail`, `contentApprovalStatus`).
    Other {
        /// The facet's name.
        facet: String,
    },
    /// No type facet: Graph does not model this SharePoint field type.
    Unknown,
}

/// A column (`columnDefinition`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    /// Its id.
    pub id: String,
    /// The internal name: the key in an item's `fields`.
    pub name: String,
    /// The name shown.
    pub display_name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its type and settings.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// A value is required.
    pub required: bool,
    /// Indexed (can be filtered and sorted on in large lists).
    pub indexed: bool,
    /// Cannot be written.
    pub read_only: bool,
    /// Hidden from forms and views.
    pub hidden: bool,
    /// Values must be unique.
    pub unique: bool,
    /// The default value, when set.
    pub default_value: Option<String>,
}

/// A content type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentType {
    /// Its id (`0x0100…`).
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// Its group.
    #[serde(default)]
    pub group: Option<String>,
    /// Hidden.
    #[serde(default)]
    pub hidden: bool,
}

/// One item of a list's preview: its id and its fields as Graph gives them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemPreview {
    /// The item's id.
    pub id: String,
    /// Its fields by internal name.
    pub fields: serde_json::Map<String, Value>,
}

fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let value = Value::deserialize(deserializer)?;
    Ok(!value.is_null())
}

fn text(value: &Value, name: &str) -> Option<String> {
    value.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn protocol(what: &str) -> GraphError {
    GraphError::Protocol(what.to_owned())
}

fn parse<T: serde::de::DeserializeOwned>(value: Value, what: &str) -> Result<T, GraphError> {
    serde_json::from_value(value).map_err(|e| GraphError::Protocol(format!("{what}: {e}")))
}

/// Percent-encodes a search text for a query string.
fn query_text(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The scopes every read here needs.
pub const READ: &[&str] = Need::Browse.scopes();

/// Sites whose title or address matches `query` (`/sites?search=`), as the person may see them.
pub async fn search_sites(graph: &GraphClient, query: &str) -> Result<Vec<Site>, GraphError> {
    let path = format!("sites?search={}&$select={SITE_SELECT}", query_text(query.trim()));
    sites_from(graph.get_all(&path, READ).await?)
}

/// The tenant's root site (`/sites/root`).
pub async fn root_site(graph: &GraphClient) -> Result<Site, GraphError> {
    parse(graph.get(&format!("sites/root?$select={SITE_SELECT}"), READ).await?, "the root site")
}

/// A site by id, or by `{hostname}:/{path}` (docs/microsoft §3.1).
pub async fn site(graph: &GraphClient, id_or_path: &str) -> Result<Site, GraphError> {
    let path = format!("sites/{}?$select={SITE_SELECT}", id_or_path.trim());
    parse(graph.get(&path, READ).await?, "a site")
}

/// The subsites of a site.
pub async fn subsites(graph: &GraphClient, site_id: &str) -> Result<Vec<Site>, GraphError> {
    sites_from(graph.get_all(&subsites_path(site_id), READ).await?)
}

/// A site's lists and libraries (system lists included and marked), each with its columns.
pub async fn lists(graph: &GraphClient, site_id: &str) -> Result<Vec<List>, GraphError> {
    lists_from(graph.get_all(&lists_path(site_id), READ).await?)
}

/// A list's content types.
pub async fn content_types(
    graph: &GraphClient,
    site_id: &str,
    list_id: &str,
) -> Result<Vec<ContentType>, GraphError> {
    content_types_from(graph.get_all(&content_types_path(site_id, list_id), READ).await?)
}

/// The first items of a list, with their fields.
pub async fn preview_items(
    graph: &GraphClient,
    site_id: &str,
    list_id: &str,
) -> Result<Vec<ItemPreview>, GraphError> {
    let page = graph.get(&items_path(site_id, list_id), READ).await?;
    items_from(page["value"].as_array().cloned().unwrap_or_default())
}

/// The path of a site's subsites.
pub fn subsites_path(site_id: &str) -> String {
    format!("/sites/{site_id}/sites?$select={SITE_SELECT}")
}

/// The path of a site's lists with their columns, in one round trip.
pub fn lists_path(site_id: &str) -> String {
    format!("/sites/{site_id}/lists?$select={LIST_SELECT}&$expand=columns($select={COLUMN_SELECT})")
}

/// The path of a list's content types.
pub fn content_types_path(site_id: &str, list_id: &str) -> String {
    format!("/sites/{site_id}/lists/{list_id}/contentTypes?$select={CONTENT_TYPE_SELECT}")
}

/// The path of a list's first items with their fields.
pub fn items_path(site_id: &str, list_id: &str) -> String {
    format!("/sites/{site_id}/lists/{list_id}/items?$top={PREVIEW_ITEMS}&$select=id&$expand=fields")
}

/// Sites from the items of a collection.
pub fn sites_from(items: Vec<Value>) -> Result<Vec<Site>, GraphError> {
    items.into_iter().map(|v| parse(v, "a site")).collect()
}

/// Lists from the items of a collection read with [`lists_path`].
pub fn lists_from(items: Vec<Value>) -> Result<Vec<List>, GraphError> {
    items
        .into_iter()
        .map(|v| serde_json::from_value::<WireList>(v).map(List::from))
        .collect::<Result<_, _>>()
        .map_err(|e| GraphError::Protocol(format!("a list: {e}")))
}

/// Content types from the items of a collection.
pub fn content_types_from(items: Vec<Value>) -> Result<Vec<ContentType>, GraphError> {
    items.into_iter().map(|v| parse(v, "a content type")).collect()
}

/// Item previews from the items of a collection read with [`items_path`].
pub fn items_from(items: Vec<Value>) -> Result<Vec<ItemPreview>, GraphError> {
    items
        .into_iter()
        .take(PREVIEW_ITEMS)
        .map(|item| {
            Ok(ItemPreview {
                id: text(&item, "id").ok_or_else(|| protocol("an item without an id"))?,
                fields: item["fields"].as_object().cloned().unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{WireColumn, WireList};
    use serde_json::json;

    fn column(value: Value) -> Result<Column, serde_json::Error> {
        serde_json::from_value::<WireColumn>(value).map(Column::from)
    }

    fn list(value: Value) -> Result<List, serde_json::Error> {
        serde_json::from_value::<WireList>(value).map(List::from)
    }

    #[test]
    fn columns_are_typed_by_their_one_facet_and_unknown_ones_are_kept() {
        let choice = column(json!({"id": "1", "name": "Status", "displayName": "Status",
            "required": true, "indexed": true, "defaultValue": {"value": "Open"},
            "choice": {"choices": ["Open", "Closed"], "allowTextEntry": false}}))
        .expect("a column");
        assert_eq!(
            choice.column_type,
            ColumnType::Choice {
                choices: vec!["Open".into(), "Closed".into()],
                allow_text_entry: false
            }
        );
        assert!(choice.required && choice.indexed && !choice.read_only);
        assert_eq!(choice.default_value.as_deref(), Some("Open"));
        let lookup = column(json!({"id": "2", "name": "Customer",
            "lookup": {"listId": "abc", "columnName": "Title", "allowMultipleValues": true}}))
        .expect("a column");
        assert_eq!(
            lookup.column_type,
            ColumnType::Lookup {
                list_id: "abc".into(),
                column_name: "Title".into(),
                multiple: true
            }
        );
        let unknown = column(json!({"id": "3", "name": "Odd"})).expect("a column");
        assert_eq!(unknown.column_type, ColumnType::Unknown);
        assert!(column(json!({"name": "NoId"})).is_err());
    }

    #[test]
    fn lists_keep_unknown_templates_and_mark_system_lists() {
        let list = list(json!({"id": "l", "displayName": "Odd", "system": {},
            "list": {"template": "somethingNew", "hidden": true}, "columns": []}))
        .expect("a list");
        assert_eq!(list.template, "somethingNew");
        assert!(list.system && list.hidden && !list.is_library());
        let site: Site =
            serde_json::from_value(json!({"id": "h,1,2", "root": {}})).expect("a site");
        assert!(site.is_root);
        let sub: Site = serde_json::from_value(json!({"id": "h,1,3"})).expect("a site");
        assert!(!sub.is_root);
    }
}
