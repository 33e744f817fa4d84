//! An integration definition: what an integration uses of SharePoint, as the administrator
//! ticked it in Browse: lists and libraries, each with the columns it reads or writes and their
//! types. The connection wizard takes it up (its sites are what `Sites.Selected` grants), and it
//! is exported as an OpenAPI document ([`crate::openapi`]).

use serde::{Deserialize, Serialize};
use spconnect_graph::sharepoint::{Column, ColumnType, List, Site};

use crate::error::DefinitionError;

/// The longest name accepted.
pub const MAX_NAME: usize = 100;

/// What an integration uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationDefinition {
    /// Its name, as the administrator typed it.
    pub name: String,
    /// The tenant it reads and writes.
    pub tenant_id: String,
    /// The Graph origin its calls go to (`https://graph.microsoft.com` or a national cloud's).
    pub graph_host: String,
    /// The sign-in origin its tokens come from.
    pub authority_host: String,
    /// Who made it (their user name).
    pub created_by: String,
    /// When (seconds since the Unix epoch).
    pub created_at: u64,
    /// The lists and libraries, each with its columns.
    pub lists: Vec<ListSpec>,
}

/// One list or library of a definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListSpec {
    /// The site's id (`{hostname},{site collection id},{web id}`).
    pub site_id: String,
    /// The site's title.
    pub site_name: String,
    /// The site's address.
    pub site_url: String,
    /// The list's id.
    pub list_id: String,
    /// The list's title.
    pub list_name: String,
    /// A document library.
    pub is_library: bool,
    /// The columns used.
    pub columns: Vec<ColumnSpec>,
}

/// One column of a list in a definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnSpec {
    /// The internal name (the key in an item's `fields`).
    pub name: String,
    /// The name shown.
    pub display_name: String,
    /// Its description.
    pub description: Option<String>,
    /// Its type and settings.
    #[serde(rename = "type")]
    pub column_type: ColumnType,
    /// A value is required when an item is created.
    pub required: bool,
    /// It cannot be written.
    pub read_only: bool,
}

impl From<&Column> for ColumnSpec {
    fn from(column: &Column) -> Self {
        Self {
            name: column.name.clone(),
            display_name: column.display_name.clone(),
            description: column.description.clone(),
            column_type: column.column_type.clone(),
            required: column.required,
            // A calculated column is computed by SharePoint: never written.
            read_only: column.read_only
                || matches!(column.column_type, ColumnType::Calculated { .. }),
        }
    }
}

impl ListSpec {
    /// The list `list` of `site`, with the columns named in `columns` (internal names), in the
    /// list's order. A name the list does not have is refused.
    pub fn new(site: &Site, list: &List, columns: &[String]) -> Result<Self, DefinitionError> {
        if columns.is_empty() {
            return Err(DefinitionError::NoColumns { list: list.display_name.clone() });
        }
        if let Some(unknown) =
            columns.iter().find(|name| !list.columns.iter().any(|c| &c.name == *name))
        {
            return Err(DefinitionError::UnknownColumn {
                list: list.display_name.clone(),
                column: unknown.clone(),
            });
        }
        Ok(Self {
            site_id: site.id.clone(),
            site_name: site.display_name.clone(),
            site_url: site.web_url.clone(),
            list_id: list.id.clone(),
            list_name: list.display_name.clone(),
            is_library: list.is_library(),
            columns: list
                .columns
                .iter()
                .filter(|c| columns.contains(&c.name))
                .map(ColumnSpec::from)
                .collect(),
        })
    }
}

impl IntegrationDefinition {
    /// Checks what a person can get wrong: a name, at least one list, each list once.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(DefinitionError::InvalidName("Give the integration a name.".into()));
        }
        if name.chars().count() > MAX_NAME {
            return Err(DefinitionError::InvalidName(format!(
                "A name has at most {MAX_NAME} characters."
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(DefinitionError::InvalidName(
                "A name cannot hold control characters.".into(),
            ));
        }
        if self.lists.is_empty() {
            return Err(DefinitionError::NoLists);
        }
        for (i, list) in self.lists.iter().enumerate() {
            if list.columns.is_empty() {
                return Err(DefinitionError::NoColumns { list: list.list_name.clone() });
            }
            if self.lists[..i]
                .iter()
                .any(|l| l.site_id == list.site_id && l.list_id == list.list_id)
            {
                return Err(DefinitionError::DuplicateList { list: list.list_name.clone() });
            }
        }
        Ok(())
    }

    /// The distinct sites the definition uses (what `Sites.Selected` grants), in order.
    pub fn site_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for list in &self.lists {
            if !ids.contains(&list.site_id.as_str()) {
                ids.push(&list.site_id);
            }
        }
        ids
    }
}
