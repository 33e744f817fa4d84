//! The command that turns what was ticked in Browse into an integration definition: the lists
//! and columns read again (their types as they are now), checked, saved with their OpenAPI
//! document side by side in the app's configuration folder (`integrations/`).

use std::collections::HashMap;

use spconnect_connections::{DefinitionError, IntegrationDefinition, ListSpec, openapi};
use spconnect_graph::{
    GraphError,
    sharepoint::{self, List, SITE_SELECT, Site},
};
use tauri::State;

use super::{
    accounts::{find_account, graph_as},
    blocking,
};
use crate::{
    AppState,
    browsing::now_seconds,
    ipc::{
        ErrorCode, WireError,
        browse::{IntegrationView, SaveIntegrationArgs},
        contract::arguments,
    },
};

/// The folder, under the configuration folder, where definitions are saved.
pub const INTEGRATIONS_DIR: &str = "integrations";

/// Saves the lists and columns ticked as an integration definition named `name`, and its
/// OpenAPI document beside it.
#[tauri::command]
pub async fn save_integration(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<IntegrationView, WireError> {
    let SaveIntegrationArgs { tenant_id, object_id, client_id, name, lists } =
        arguments("save_integration", &request)?;
    let account = find_account(&state, &tenant_id, &object_id, &client_id).await?;
    if lists.is_empty() {
        return Err(definition_error(DefinitionError::NoLists));
    }
    let graph = graph_as(&state, &account)?;
    let mut site_ids: Vec<String> = Vec::new();
    for picked in &lists {
        if !site_ids.contains(&picked.site_id) {
            site_ids.push(picked.site_id.clone());
        }
    }
    let paths: Vec<String> = site_ids
        .iter()
        .flat_map(|id| [format!("/sites/{id}?$select={SITE_SELECT}"), sharepoint::lists_path(id)])
        .collect();
    let mut answers = graph.get_many(&paths, sharepoint::READ).await.into_iter();
    let mut sites: HashMap<String, (Site, Vec<List>)> = HashMap::new();
    for id in &site_ids {
        let (site, site_lists) = (answers.next(), answers.next());
        let site = site
            .unwrap_or_else(|| Err(GraphError::Protocol("a batch lost a part".into())))
            .and_then(|value| sharepoint::sites_from(vec![value]))
            .map_err(WireError::from)?
            .into_iter()
            .next()
            .ok_or_else(|| WireError::internal("Reading a site", "an empty answer"))?;
        let page = site_lists
            .unwrap_or_else(|| Err(GraphError::Protocol("a batch lost a part".into())))
            .map_err(WireError::from)?;
        let site_lists = graph
            .rest_of(page, sharepoint::READ)
            .await
            .and_then(sharepoint::lists_from)
            .map_err(WireError::from)?;
        sites.insert(id.clone(), (site, site_lists));
    }
    let mut specs = Vec::with_capacity(lists.len());
    for picked in &lists {
        let Some((site, site_lists)) = sites.get(&picked.site_id) else { continue };
        let Some(list) = site_lists.iter().find(|l| l.id == picked.list_id) else {
            return Err(WireError {
                code: ErrorCode::InvalidInput,
                message: format!(
                    "A list ticked in {} is no longer there. Open the site again and tick what the integration needs.",
                    site.display_name
                ),
                field: Some("lists".into()),
            });
        };
        specs.push(ListSpec::new(site, list, &picked.columns).map_err(definition_error)?);
    }
    let definition = IntegrationDefinition {
        name: name.trim().to_owned(),
        tenant_id: account.tenant_id.clone(),
        graph_host: account.graph_host.clone(),
        authority_host: account.authority_host.clone(),
        created_by: account.username.clone(),
        created_at: now_seconds(),
        lists: specs,
    };
    definition.validate().map_err(definition_error)?;
    let document = openapi::document(&definition);
    let openapi_text = serde_json::to_string_pretty(&document)
        .map_err(|e| WireError::internal("Writing the OpenAPI document", e))?;
    let definition_text = serde_json::to_string_pretty(&definition)
        .map_err(|e| WireError::internal("Writing the definition", e))?;
    let dir = state.dirs().config_dir.join(INTEGRATIONS_DIR);
    let slug = slug(&definition.name);
    let (definition_path, openapi_path) =
        (dir.join(format!("{slug}.json")), dir.join(format!("{slug}.openapi.json")));
    let (d, o, text) = (definition_path.clone(), openapi_path.clone(), openapi_text.clone());
    blocking("Saving the integration", move || {
        let write = |path: &std::path::Path, text: &str| {
            spconnect_settings::write_atomically(path, text.as_bytes()).map_err(|error| {
                WireError::new(
                    ErrorCode::Storage,
                    format!("{} could not be written: {error}", path.display()),
                )
            })
        };
        write(&d, &definition_text)?;
        write(&o, &text)
    })
    .await?;
    tracing::info!(lists = definition.lists.len(), "integration definition saved");
    Ok(IntegrationView {
        name: definition.name.clone(),
        lists: definition
            .lists
            .iter()
            .map(|l| format!("{} ({}): {} columns", l.list_name, l.site_name, l.columns.len()))
            .collect(),
        site_ids: definition.site_ids().into_iter().map(str::to_owned).collect(),
        definition_path: definition_path.display().to_string(),
        openapi_path: openapi_path.display().to_string(),
        openapi: openapi_text,
    })
}

fn definition_error(error: DefinitionError) -> WireError {
    let field = match error {
        DefinitionError::InvalidName(_) => "name",
        _ => "lists",
    };
    WireError {
        code: ErrorCode::InvalidInput,
        message: error.to_string(),
        field: Some(field.into()),
    }
}

/// A file name from a name: lower-case letters and digits joined by dashes.
fn slug(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() { "integration".into() } else { words.join("-") }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn file_names_come_from_the_name_without_path_characters() {
        assert_eq!(slug("HR sync: Employees / v2"), "hr-sync-employees-v2");
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug("  "), "integration");
    }
}
