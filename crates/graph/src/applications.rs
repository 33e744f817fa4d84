//! Registering spconnect's own public client application in a tenant ("Register spconnect in
//! this tenant", docs/microsoft §1.1 and §2.2): done once by an administrator signed in with
//! Microsoft Graph Command Line Tools, Microsoft's first-party public client, the way other admin
//! tools bootstrap their own registration. The application is a public client (no secret) with
//! the loopback redirects `http://localhost` and `http://127.0.0.1` (any port is accepted for
//! loopback), public client
//! flows on (device code), and the delegated Graph permissions spconnect asks for step by step
//! declared, their ids looked up on Microsoft Graph's service principal rather than trusted from a
//! table. It is written with the documented `uniqueName` upsert, so registering again updates the
//! same application instead of making a second one.

use serde_json::{Value, json};

use crate::{client::GraphClient, error::GraphError};

/// Microsoft Graph's application id, the same in every tenant.
pub const MICROSOFT_GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Microsoft Graph Command Line Tools: Microsoft's first-party public client, in every tenant.
pub const GRAPH_COMMAND_LINE_TOOLS_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
/// The loopback redirect URIs registered: Entra matches loopback by host and path, ignoring the
/// port (docs/microsoft §1.3). spconnect redirects to `http://127.0.0.1:{port}/` as RFC 8252
/// recommends; `http://localhost` is there too, the usual value, for tools that use it.
pub const REDIRECT_URIS: [&str; 2] = ["http://localhost", "http://127.0.0.1"];
/// What registering needs: creating an application and its service principal.
pub const REGISTER_SCOPES: [&str; 1] = ["https://graph.microsoft.com/Application.ReadWrite.All"];
/// The `uniqueName` of spconnect's own client application in a tenant.
pub const UNIQUE_NAME: &str = "spconnect-public-client";
/// The delegated Microsoft Graph permissions spconnect's client declares: signing in and reading
/// the person (`User.Read`, the OpenID scopes), browsing (`Sites.Read.All`), creating connections
/// (`Application.ReadWrite.All`, `AppRoleAssignment.ReadWrite.All`) and granting `Sites.Selected`
/// (`Sites.FullControl.All`). Each is still asked for only when a step needs it.
pub const DECLARED_SCOPES: [&str; 8] = [
    "openid",
    "profile",
    "offline_access",
    "User.Read",
    "Sites.Read.All",
    "Application.ReadWrite.All",
    "AppRoleAssignment.ReadWrite.All",
    "Sites.FullControl.All",
];

/// spconnect's client application as registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredClient {
    /// The application (client) id people will sign in with.
    pub app_id: String,
    /// The application object's id.
    pub object_id: String,
}

/// Creates (or updates) spconnect's public client application in the signed-in person's tenant
/// and its service principal; returns its ids.
pub async fn register_public_client(
    graph: &GraphClient,
    display_name: &str,
) -> Result<RegisteredClient, GraphError> {
    let graph_principal = graph
        .get(
            &format!(
                "servicePrincipals(appId='{MICROSOFT_GRAPH_APP_ID}')?$select=id,appId,oauth2PermissionScopes"
            ),
            &REGISTER_SCOPES,
        )
        .await?;
    let resource_access = declared_access(&graph_principal)?;
    let body = json!({
        "displayName": display_name,
        "signInAudience": "AzureADMyOrg",
        "isFallbackPublicClient": true,
        "publicClient": { "redirectUris": REDIRECT_URIS },
        "requiredResourceAccess": [{
            "resourceAppId": MICROSOFT_GRAPH_APP_ID,
            "resourceAccess": resource_access,
        }],
        "notes": "spconnect's own sign-in client (a public client: no secret). Registered by spconnect.",
        "tags": ["spconnect"],
    });
    let path = format!("applications(uniqueName='{UNIQUE_NAME}')");
    let written = graph.upsert(&path, &body, &REGISTER_SCOPES).await?;
    // 201 answers the new application; 204 (updated) answers nothing, so read it.
    let application = match written {
        Value::Null => graph.get(&format!("{path}?$select=id,appId"), &REGISTER_SCOPES).await?,
        created => created,
    };
    let text = |name: &str| {
        application
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| GraphError::Protocol(format!("the application has no `{name}`")))
    };
    let registered = RegisteredClient { app_id: text("appId")?, object_id: text("id")? };
    ensure_service_principal(graph, &registered.app_id).await?;
    Ok(registered)
}

/// The `resourceAccess` entries of [`DECLARED_SCOPES`], ids from Graph's service principal.
fn declared_access(graph_principal: &Value) -> Result<Vec<Value>, GraphError> {
    let scopes = graph_principal["oauth2PermissionScopes"].as_array().ok_or_else(|| {
        GraphError::Protocol(
            "Microsoft Graph's service principal lists no delegated permissions".into(),
        )
    })?;
    DECLARED_SCOPES
        .iter()
        .map(|wanted| {
            scopes
                .iter()
                .find(|s| s["value"].as_str().is_some_and(|v| v.eq_ignore_ascii_case(wanted)))
                .and_then(|s| s["id"].as_str())
                .map(|id| json!({"id": id, "type": "Scope"}))
                .ok_or_else(|| {
                    GraphError::Protocol(format!(
                        "Microsoft Graph does not offer the delegated permission {wanted} in this tenant"
                    ))
                })
        })
        .collect()
}

/// Creates the application's service principal unless it exists (it may already, from an earlier
/// registration or a first sign-in).
async fn ensure_service_principal(graph: &GraphClient, app_id: &str) -> Result<(), GraphError> {
    let existing = graph
        .get_all(
            &format!("servicePrincipals?$filter=appId eq '{app_id}'&$select=id"),
            &REGISTER_SCOPES,
        )
        .await?;
    if existing.is_empty() {
        graph.post("servicePrincipals", &json!({ "appId": app_id }), &REGISTER_SCOPES).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_permissions_take_their_ids_from_graphs_service_principal() {
        let principal = json!({"oauth2PermissionScopes": DECLARED_SCOPES.iter().enumerate()
            .map(|(i, v)| json!({"id": format!("id-{i}"), "value": v})).collect::<Vec<_>>()});
        let access = declared_access(&principal).expect("all found");
        assert_eq!(access.len(), DECLARED_SCOPES.len());
        assert_eq!(access[3], json!({"id": "id-3", "type": "Scope"}));
        let missing = json!({"oauth2PermissionScopes": [{"id": "x", "value": "User.Read"}]});
        let error = declared_access(&missing).expect_err("most are missing");
        assert!(error.to_string().contains("openid"), "{error}");
    }
}
