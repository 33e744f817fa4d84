//! Lists and columns as Graph sends them (docs/microsoft §3.3, §3.4), read straight from the
//! answer's text into these types and turned into the crate's models: no tree of JSON values in
//! between, which matters when a tenant has a million columns.

use serde::{Deserialize, de::IgnoredAny};

use crate::{
    error::GraphError,
    sharepoint::{Column, ColumnType, List, Site},
};

/// A page of a collection.
#[derive(Deserialize)]
pub(crate) struct Page<T> {
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    pub next_link: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListInfo {
    template: Option<String>,
    hidden: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireList {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    web_url: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    list: Option<ListInfo>,
    #[serde(default)]
    system: Option<IgnoredAny>,
    #[serde(default)]
    columns: Vec<WireColumn>,
}

impl From<WireList> for List {
    fn from(wire: WireList) -> Self {
        let info = wire.list.unwrap_or_default();
        Self {
            id: wire.id,
            name: wire.name.unwrap_or_default(),
            display_name: wire.display_name.unwrap_or_default(),
            web_url: wire.web_url.unwrap_or_default(),
            description: wire.description.filter(|d| !d.is_empty()),
            template: info.template.unwrap_or_else(|| "unknown".into()),
            hidden: info.hidden,
            system: wire.system.is_some(),
            columns: compact(wire.columns),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Text {
    allow_multiple_lines: bool,
    max_length: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Number {
    minimum: Option<f64>,
    maximum: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Choice {
    choices: Vec<String>,
    allow_text_entry: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DateTime {
    format: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Lookup {
    list_id: Option<String>,
    column_name: Option<String>,
    allow_multiple_values: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Person {
    allow_multiple_selection: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Currency {
    locale: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Calculated {
    output_type: Option<String>,
    formula: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Hyperlink {
    is_picture: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DefaultValue {
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireColumn {
    id: String,
    name: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    indexed: bool,
    #[serde(default)]
    read_only: bool,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    enforce_unique_values: bool,
    #[serde(default)]
    default_value: Option<DefaultValue>,
    #[serde(default)]
    text: Option<Text>,
    #[serde(default)]
    number: Option<Number>,
    #[serde(default)]
    choice: Option<Choice>,
    #[serde(default)]
    date_time: Option<DateTime>,
    #[serde(default)]
    lookup: Option<Lookup>,
    #[serde(default)]
    person_or_group: Option<Person>,
    #[serde(default)]
    boolean: Option<IgnoredAny>,
    #[serde(default)]
    currency: Option<Currency>,
    #[serde(default)]
    calculated: Option<Calculated>,
    #[serde(default)]
    hyperlink_or_picture: Option<Hyperlink>,
    #[serde(default)]
    geolocation: Option<IgnoredAny>,
    #[serde(default)]
    term: Option<IgnoredAny>,
    #[serde(default)]
    thumbnail: Option<IgnoredAny>,
    #[serde(default)]
    content_approval_status: Option<IgnoredAny>,
}

impl WireColumn {
    /// The one type facet (docs/microsoft §3.4), or none.
    fn column_type(&mut self) -> ColumnType {
        if let Some(f) = self.text.take() {
            return ColumnType::Text {
                multiple_lines: f.allow_multiple_lines,
                max_length: f.max_length,
            };
        }
        if let Some(f) = self.number.take() {
            return ColumnType::Number { minimum: f.minimum, maximum: f.maximum };
        }
        if let Some(f) = self.choice.take() {
            return ColumnType::Choice { choices: f.choices, allow_text_entry: f.allow_text_entry };
        }
        if let Some(f) = self.date_time.take() {
            return ColumnType::DateTime { date_only: f.format.as_deref() == Some("dateOnly") };
        }
        if let Some(f) = self.lookup.take() {
            return ColumnType::Lookup {
                list_id: f.list_id.unwrap_or_default(),
                column_name: f.column_name.unwrap_or_default(),
                multiple: f.allow_multiple_values,
            };
        }
        if let Some(f) = self.person_or_group.take() {
            return ColumnType::PersonOrGroup { multiple: f.allow_multiple_selection };
        }
        if self.boolean.is_some() {
            return ColumnType::Boolean;
        }
        if let Some(f) = self.currency.take() {
            return ColumnType::Currency { locale: f.locale };
        }
        if let Some(f) = self.calculated.take() {
            return ColumnType::Calculated { output_type: f.output_type, formula: f.formula };
        }
        if let Some(f) = self.hyperlink_or_picture.take() {
            return ColumnType::Hyperlink { is_picture: f.is_picture };
        }
        let other = [
            ("geolocation", self.geolocation.is_some()),
            ("term", self.term.is_some()),
            ("thumbnail", self.thumbnail.is_some()),
            ("contentApprovalStatus", self.content_approval_status.is_some()),
        ];
        match other.iter().find(|(_, present)| *present) {
            Some((facet, _)) => ColumnType::Other { facet: (*facet).to_owned() },
            None => ColumnType::Unknown,
        }
    }
}

impl From<WireColumn> for Column {
    fn from(mut wire: WireColumn) -> Self {
        let column_type = wire.column_type();
        Self {
            id: wire.id,
            name: wire.name,
            display_name: wire.display_name.unwrap_or_default(),
            description: wire.description.filter(|d| !d.is_empty()),
            column_type,
            required: wire.required,
            indexed: wire.indexed,
            read_only: wire.read_only,
            hidden: wire.hidden,
            unique: wire.enforce_unique_values,
            default_value: wire.default_value.and_then(|d| d.value).filter(|v| !v.is_empty()),
        }
    }
}

/// The models of `wire`, in a vector of their own size. (Collecting straight from the wire
/// vector would reuse its larger buffer: a model is smaller than its wire form, and a catalogue
/// of a million columns would keep the difference.)
fn compact<W, M: From<W>>(wire: Vec<W>) -> Vec<M> {
    let mut models = Vec::with_capacity(wire.len());
    models.extend(wire.into_iter().map(M::from));
    models
}

/// A page of lists (read with their columns) from an answer's text.
pub(crate) fn lists_page(text: &str) -> Result<Page<List>, GraphError> {
    let page: Page<WireList> = serde_json::from_str(text)
        .map_err(|e| GraphError::Protocol(format!("a page of lists: {e}")))?;
    Ok(Page { value: compact(page.value), next_link: page.next_link })
}

/// A page of sites from an answer's text.
pub(crate) fn sites_page(text: &str) -> Result<Page<Site>, GraphError> {
    serde_json::from_str(text).map_err(|e| GraphError::Protocol(format!("a page of sites: {e}")))
}
