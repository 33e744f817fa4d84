//! The directory and site objects a connection is made of (docs/microsoft §2): the resource
//! service principals whose app roles are granted (Microsoft Graph, SharePoint), the
//! application (written with the `uniqueName` upsert, so writing it again is safe), its service
//! principal (the `appId` upsert), app role assignments (admin consent of application
//! permissions), `Sites.Selected` site grants, and deleting and purging an application.
//!
//! Each function is one documented call (two when an upsert answers 204 and the object is read
//! back). Waiting for replication, deciding what to create and undoing it belong to the caller
//! (the connections crate); what Graph answered comes back unchanged as [`GraphError`].

use serde_json::{Value, json};

use crate::{access::Need, client::GraphClient, error::GraphError};

/// Office 365 SharePoint Online's application id, the same in every tenant.
pub const SHAREPOINT_APP_ID: &str = "00000003-0000-0ff1-ce00-000000000000";

const CREATE: &[&str] = Need::CreateConnection.scopes();
const SITES: &[&str] = Need::GrantSitesSelected.scopes();

/// An app role a resource offers (`Sites.Selected`, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppRole {
    /// The role's id (the `appRoleId` of an assignment).
    pub id: String,
    /// Its value, e.g. `Sites.Selected`.
    pub value: String,
}

/// A resource's service principal in the tenant (its object id differs per tenant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourcePrincipal {
    /// The service principal's object id (the `resourceId` of an assignment).
    pub id: String,
    /// The resource's application id.
    pub app_id: String,
    /// Its name, e.g. `Microsoft Graph`.
    pub display_name: String,
    /// The application permissions it offers.
    pub app_roles: Vec<AppRole>,
}

impl ResourcePrincipal {
    /// The id of the app role with this value.
    pub fn role_id(&self, value: &str) -> Option<&str> {
        self.app_roles.iter().find(|r| r.value.eq_ignore_ascii_case(value)).map(|r| r.id.as_str())
    }
}

/// An application's two ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationIds {
    /// The application object's id (`/applications/{id}`).
    pub object_id: String,
    /// The application (client) id.
    pub app_id: String,
}

/// An application permission granted to a service principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The assignment's id (base64url, not a GUID).
    pub id: String,
    /// The resource's service principal.
    pub resource_id: String,
    /// The app role granted.
    pub app_role_id: String,
}

/// A site permission (`Sites.Selected` grant).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SitePermission {
    /// The permission's id on the site.
    pub id: String,
    /// Its roles (`read`, `write`, `owner`, `fullcontrol`).
    pub roles: Vec<String>,
    /// The application ids it is granted to.
    pub app_ids: Vec<String>,
}

fn text(value: &Value, name: &str, what: &str) -> Result<String, GraphError> {
    value
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| GraphError::Protocol(format!("{what} without `{name}`")))
}

/// `None` for Graph's 404, the error otherwise.
fn absent_on_404<T>(result: Result<T, GraphError>) -> Result<Option<T>, GraphError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(error) if error.status() == Some(404) => Ok(None),
        Err(error) => Err(error),
    }
}

/// The service principal of the resource `app_id` (Microsoft Graph or SharePoint) with its
/// app roles, looked up rather than trusted from a table (docs/microsoft §2.2).
pub async fn resource_principal(
    graph: &GraphClient,
    app_id: &str,
) -> Result<ResourcePrincipal, GraphError> {
    let sp = graph
        .get(
            &format!("servicePrincipals(appId='{app_id}')?$select=id,appId,displayName,appRoles"),
            CREATE,
        )
        .await?;
    let app_roles = sp["appRoles"]
        .as_array()
        .map(|roles| {
            roles
                .iter()
                .filter_map(|r| {
                    Some(AppRole {
                        id: r.get("id")?.as_str()?.to_owned(),
                        value: r.get("value")?.as_str()?.to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ResourcePrincipal {
        id: text(&sp, "id", "a service principal")?,
        app_id: text(&sp, "appId", "a service principal")?,
        display_name: sp["displayName"].as_str().unwrap_or(app_id).to_owned(),
        app_roles,
    })
}

fn application_path(unique_name: &str) -> String {
    format!("applications(uniqueName='{unique_name}')")
}

/// Creates or updates the application whose `uniqueName` is `unique_name` with `body`: the new
/// application's ids, or `None` when one existed and was updated (Graph answers 204 without a
/// body; read it with [`find_application`], once it has replicated).
pub async fn upsert_application(
    graph: &GraphClient,
    unique_name: &str,
    body: &Value,
) -> Result<Option<ApplicationIds>, GraphError> {
    match graph.upsert(&application_path(unique_name), body, CREATE).await? {
        Value::Null => Ok(None),
        created => Ok(Some(ApplicationIds {
            object_id: text(&created, "id", "an application")?,
            app_id: text(&created, "appId", "an application")?,
        })),
    }
}

/// The application whose `uniqueName` is `unique_name`, if Graph shows it (yet).
pub async fn find_application(
    graph: &GraphClient,
    unique_name: &str,
) -> Result<Option<ApplicationIds>, GraphError> {
    let path = format!("{}?$select=id,appId", application_path(unique_name));
    let Some(app) = absent_on_404(graph.get(&path, CREATE).await)? else {
        return Ok(None);
    };
    Ok(Some(ApplicationIds {
        object_id: text(&app, "id", "an application")?,
        app_id: text(&app, "appId", "an application")?,
    }))
}

/// The object id of the service principal of `app_id`, if Graph shows it (yet).
pub async fn find_service_principal(
    graph: &GraphClient,
    app_id: &str,
) -> Result<Option<String>, GraphError> {
    let path = format!("servicePrincipals(appId='{app_id}')?$select=id");
    absent_on_404(graph.get(&path, CREATE).await)?
        .map(|sp| text(&sp, "id", "a service principal"))
        .transpose()
}

/// Creates the service principal of `app_id` unless it exists (the `appId` upsert); its id.
pub async fn upsert_service_principal(
    graph: &GraphClient,
    app_id: &str,
) -> Result<String, GraphError> {
    let path = format!("servicePrincipals(appId='{app_id}')");
    match graph.upsert(&path, &json!({}), CREATE).await? {
        Value::Null => find_service_principal(graph, app_id).await?.ok_or_else(|| {
            GraphError::Protocol("the service principal written could not be read back".into())
        }),
        created => text(&created, "id", "a service principal"),
    }
}

fn assignment(value: &Value) -> Result<Assignment, GraphError> {
    Ok(Assignment {
        id: text(value, "id", "an app role assignment")?,
        resource_id: text(value, "resourceId", "an app role assignment")?,
        app_role_id: text(value, "appRoleId", "an app role assignment")?,
    })
}

/// The application permissions granted to the service principal `principal_id`.
pub async fn app_role_assignments(
    graph: &GraphClient,
    principal_id: &str,
) -> Result<Vec<Assignment>, GraphError> {
    graph
        .get_all(&format!("servicePrincipals/{principal_id}/appRoleAssignments"), CREATE)
        .await?
        .iter()
        .map(assignment)
        .collect()
}

/// Grants the app role `app_role_id` of the resource `resource_id` to `principal_id` (admin
/// consent of one application permission).
pub async fn assign_app_role(
    graph: &GraphClient,
    resource_id: &str,
    principal_id: &str,
    app_role_id: &str,
) -> Result<Assignment, GraphError> {
    let body =
        json!({"principalId": principal_id, "resourceId": resource_id, "appRoleId": app_role_id});
    let created = graph
        .post(&format!("servicePrincipals/{resource_id}/appRoleAssignedTo"), &body, CREATE)
        .await?;
    assignment(&created)
}

fn site_permission(value: &Value) -> Result<SitePermission, GraphError> {
    let identities = value
        .get("grantedToIdentitiesV2")
        .or_else(|| value.get("grantedToIdentities"))
        .and_then(Value::as_array);
    Ok(SitePermission {
        id: text(value, "id", "a site permission")?,
        roles: value["roles"]
            .as_array()
            .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default(),
        app_ids: identities
            .map(|ids| {
                ids.iter()
                    .filter_map(|i| i["application"]["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The `Sites.Selected` grants of a site.
pub async fn site_permissions(
    graph: &GraphClient,
    site_id: &str,
) -> Result<Vec<SitePermission>, GraphError> {
    graph
        .get_all(&format!("sites/{site_id}/permissions"), SITES)
        .await?
        .iter()
        .map(site_permission)
        .collect()
}

/// Grants the application `app_id` the role `role` on a site (`Sites.Selected`).
pub async fn grant_site(
    graph: &GraphClient,
    site_id: &str,
    app_id: &str,
    display_name: &str,
    role: &str,
) -> Result<SitePermission, GraphError> {
    let body = json!({
        "roles": [role],
        "grantedToIdentities": [{"application": {"id": app_id, "displayName": display_name}}],
    });
    site_permission(&graph.post(&format!("sites/{site_id}/permissions"), &body, SITES).await?)
}

/// Changes the roles of a site permission (`PATCH`): how a grant gets `manage` or
/// `fullcontrol`, which creating one does not accept (docs/microsoft §2.9).
pub async fn set_site_role(
    graph: &GraphClient,
    site_id: &str,
    permission_id: &str,
    role: &str,
) -> Result<SitePermission, GraphError> {
    let path = format!("sites/{site_id}/permissions/{permission_id}");
    let changed = graph.patch(&path, &json!({"roles": [role]}), SITES).await?;
    match changed {
        Value::Null => Ok(SitePermission {
            id: permission_id.to_owned(),
            roles: vec![role.to_owned()],
            app_ids: Vec::new(),
        }),
        value => site_permission(&value),
    }
}

/// Revokes a site permission; `false` when it was already gone.
pub async fn revoke_site(
    graph: &GraphClient,
    site_id: &str,
    permission_id: &str,
) -> Result<bool, GraphError> {
    let path = format!("sites/{site_id}/permissions/{permission_id}");
    Ok(absent_on_404(graph.delete(&path, SITES).await)?.is_some())
}

/// Deletes a service principal; `false` when it was gone.
pub async fn delete_service_principal(graph: &GraphClient, id: &str) -> Result<bool, GraphError> {
    Ok(absent_on_404(graph.delete(&format!("servicePrincipals/{id}"), CREATE).await)?.is_some())
}

/// Deletes an application (it goes to deleted items for 30 days); `false` when it was gone.
pub async fn delete_application(graph: &GraphClient, object_id: &str) -> Result<bool, GraphError> {
    Ok(absent_on_404(graph.delete(&format!("applications/{object_id}"), CREATE).await)?.is_some())
}

/// Removes a deleted application for good; `false` when it was not in deleted items.
pub async fn purge_deleted_application(
    graph: &GraphClient,
    object_id: &str,
) -> Result<bool, GraphError> {
    let path = format!("directory/deletedItems/{object_id}");
    Ok(absent_on_404(graph.delete(&path, CREATE).await)?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_permissions_read_the_v2_identities_and_fall_back_to_the_deprecated_ones() {
        let v2 = json!({"id": "1", "roles": ["write"],
            "grantedToIdentitiesV2": [{"application": {"id": "a"}}],
            "grantedToIdentities": [{"application": {"id": "old"}}]});
        assert_eq!(site_permission(&v2).expect("read").app_ids, ["a"]);
        let v1 = json!({"id": "2", "roles": ["read"], "grantedToIdentities": [{"application": {"id": "b"}}]});
        let p = site_permission(&v1).expect("read");
        assert_eq!(
            (p.id.as_str(), p.roles, p.app_ids),
            ("2", vec!["read".to_owned()], vec!["b".to_owned()])
        );
        assert!(site_permission(&json!({"roles": []})).is_err(), "no id");
    }

    #[test]
    fn resource_roles_are_found_by_value_whatever_the_case() {
        let sp = ResourcePrincipal {
            id: "sp".into(),
            app_id: "app".into(),
            display_name: "Microsoft Graph".into(),
            app_roles: vec![AppRole { id: "r1".into(), value: "Sites.Selected".into() }],
        };
        assert_eq!(sp.role_id("sites.selected"), Some("r1"));
        assert_eq!(sp.role_id("Sites.Read.All"), None);
    }
}
