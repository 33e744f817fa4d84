//! The directory roles that matter to spconnect, read from `/me/transitiveMemberOf`, and what
//! they let the signed-in person do in it (docs/microsoft §2.1): registering applications,
//! granting application permissions of Microsoft Graph (Global Administrator or Privileged Role
//! Administrator only) and of SharePoint (also Application and Cloud Application Administrators),
//! and granting `Sites.Selected` site permissions (SharePoint Administrator or Global
//! Administrator).

use serde::Serialize;
use serde_json::Value;

use crate::{client::GraphClient, error::GraphError};

/// The delegated scope `/me/transitiveMemberOf` needs for the signed-in person's own roles.
pub const READ_OWN_ROLES: &str = "https://graph.microsoft.com/User.Read";

/// A directory role that matters here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum AdminRole {
    /// Global Administrator.
    GlobalAdministrator,
    /// Privileged Role Administrator.
    PrivilegedRoleAdministrator,
    /// Application Administrator.
    ApplicationAdministrator,
    /// Cloud Application Administrator.
    CloudApplicationAdministrator,
    /// SharePoint Administrator.
    SharePointAdministrator,
}

impl AdminRole {
    /// Every role, in the order they are shown.
    pub const ALL: [AdminRole; 5] = [
        Self::GlobalAdministrator,
        Self::PrivilegedRoleAdministrator,
        Self::ApplicationAdministrator,
        Self::CloudApplicationAdministrator,
        Self::SharePointAdministrator,
    ];

    /// The role template id, the same in every tenant.
    pub fn template_id(self) -> &'static str {
        match self {
            Self::GlobalAdministrator => "62e90394-69f5-4237-9190-012177145e10",
            Self::PrivilegedRoleAdministrator => "e8611ab8-c189-46e8-94e1-60213ab1f814",
            Self::ApplicationAdministrator => "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
            Self::CloudApplicationAdministrator => "158c047a-c907-4556-b7ef-446551a6b5f7",
            Self::SharePointAdministrator => "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        }
    }

    /// The role's name as Entra shows it.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::GlobalAdministrator => "Global Administrator",
            Self::PrivilegedRoleAdministrator => "Privileged Role Administrator",
            Self::ApplicationAdministrator => "Application Administrator",
            Self::CloudApplicationAdministrator => "Cloud Application Administrator",
            Self::SharePointAdministrator => "SharePoint Administrator",
        }
    }

    /// The role with this template id, if it is one that matters here.
    pub fn from_template_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.template_id().eq_ignore_ascii_case(id.trim()))
    }
}

/// What a person may do in spconnect, given their roles: each with a sentence that says why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Capability {
    /// What it is about, e.g. "Grant Microsoft Graph application permissions".
    pub what: &'static str,
    /// Whether their roles allow it.
    pub allowed: bool,
    /// Why, naming the roles that allow it.
    pub why: String,
}

/// What `roles` allow, in the order the Accounts view shows it.
pub fn capabilities(roles: &[AdminRole]) -> Vec<Capability> {
    use AdminRole::*;
    let rule = |what: &'static str, allowing: &[AdminRole], otherwise: &str| {
        let held = allowing.iter().find(|r| roles.contains(r));
        let names: Vec<&str> = allowing.iter().map(|r| r.display_name()).collect();
        Capability {
            what,
            allowed: held.is_some(),
            why: match held {
                Some(role) => format!("as {}", role.display_name()),
                None => format!("needs {}{otherwise}", or_list(&names)),
            },
        }
    };
    vec![
        rule(
            "Create applications",
            &[GlobalAdministrator, ApplicationAdministrator, CloudApplicationAdministrator],
            ", unless your organisation lets every user register applications",
        ),
        rule(
            "Grant Microsoft Graph application permissions",
            &[GlobalAdministrator, PrivilegedRoleAdministrator],
            "",
        ),
        rule(
            "Grant SharePoint application permissions",
            &[
                GlobalAdministrator,
                PrivilegedRoleAdministrator,
                ApplicationAdministrator,
                CloudApplicationAdministrator,
            ],
            "",
        ),
        rule(
            "Grant access to chosen sites (Sites.Selected)",
            &[GlobalAdministrator, SharePointAdministrator],
            "",
        ),
    ]
}

fn or_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The roles that matter here which the signed-in person holds, directly or through groups.
pub async fn my_roles(graph: &GraphClient) -> Result<Vec<AdminRole>, GraphError> {
    let memberships = graph
        .get_all(
            // Groups and administrative units come too; only directory roles have a template id.
            "me/transitiveMemberOf",
            &[READ_OWN_ROLES],
        )
        .await?;
    let mut roles: Vec<AdminRole> = memberships
        .iter()
        .filter_map(|m| m.get("roleTemplateId").and_then(Value::as_str))
        .filter_map(AdminRole::from_template_id)
        .collect();
    roles.sort_unstable();
    roles.dedup();
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(roles: &[AdminRole]) -> Vec<bool> {
        capabilities(roles).iter().map(|c| c.allowed).collect()
    }

    #[test]
    fn global_administrators_can_do_everything_and_nobody_without_roles_can() {
        assert_eq!(allowed(&[AdminRole::GlobalAdministrator]), [true; 4]);
        assert_eq!(allowed(&[]), [false; 4]);
    }

    #[test]
    fn cloud_application_administrators_cannot_grant_graph_application_permissions() {
        let caps = capabilities(&[AdminRole::CloudApplicationAdministrator]);
        assert_eq!(caps.iter().map(|c| c.allowed).collect::<Vec<_>>(), [true, false, true, false]);
        assert_eq!(
            caps[1].why, "needs Global Administrator or Privileged Role Administrator",
            "{caps:?}"
        );
        assert_eq!(caps[0].why, "as Cloud Application Administrator");
    }

    #[test]
    fn template_ids_are_recognised_whatever_their_case() {
        for role in AdminRole::ALL {
            assert_eq!(AdminRole::from_template_id(&role.template_id().to_uppercase()), Some(role));
        }
        assert_eq!(AdminRole::from_template_id("not-a-role"), None);
    }
}
