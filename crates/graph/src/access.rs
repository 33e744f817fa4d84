//! What each step of spconnect needs to be allowed to do on the signed-in person's behalf, asked
//! for when the person gets there rather than all at sign-in (least privilege, incremental
//! consent, docs/microsoft §1.12). Each [`Need`] names its delegated Microsoft Graph scopes and
//! says in one sentence why, for the screen that asks.

use serde::{Deserialize, Serialize};

/// A step's delegated permissions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Need {
    /// Browsing SharePoint: sites, lists, libraries, columns, content types and items.
    Browse,
    /// Creating a connection: its application, service principal, certificate and the
    /// application permissions granted to it (admin consent).
    CreateConnection,
    /// Granting a connection `Sites.Selected` access to the chosen sites.
    GrantSitesSelected,
}

impl Need {
    /// Every need, in the order the wizard meets them.
    pub const ALL: [Need; 3] = [Need::Browse, Need::CreateConnection, Need::GrantSitesSelected];

    /// The delegated scopes (full URIs) a token for this step must carry.
    pub const fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::Browse => &["https://graph.microsoft.com/Sites.Read.All"],
            Self::CreateConnection => &[
                "https://graph.microsoft.com/Application.ReadWrite.All",
                "https://graph.microsoft.com/AppRoleAssignment.ReadWrite.All",
            ],
            Self::GrantSitesSelected => &["https://graph.microsoft.com/Sites.FullControl.All"],
        }
    }

    /// The scopes as the consent screen names them (`Sites.Read.All`).
    pub fn permission_names(self) -> Vec<&'static str> {
        self.scopes().iter().map(|s| s.rsplit('/').next().unwrap_or(s)).collect()
    }

    /// Why the step needs them, in one sentence shown before Microsoft asks.
    pub fn why(self) -> &'static str {
        match self {
            Self::Browse => {
                "To show the sites, lists, libraries, columns and items you can see, spconnect \
                 reads SharePoint as you (Sites.Read.All); it changes nothing."
            }
            Self::CreateConnection => {
                "To create a connection, spconnect registers its application with a certificate \
                 and grants it the permissions you choose (Application.ReadWrite.All, \
                 AppRoleAssignment.ReadWrite.All)."
            }
            Self::GrantSitesSelected => {
                "To give a connection access to only the sites you chose (Sites.Selected), \
                 Microsoft requires the person granting it to have full control of those sites \
                 (Sites.FullControl.All)."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_need_asks_graph_only_for_what_spconnect_declares() {
        for need in Need::ALL {
            assert!(!need.scopes().is_empty());
            for name in need.permission_names() {
                assert!(
                    crate::applications::DECLARED_SCOPES.contains(&name),
                    "{name} must be declared by spconnect's registration"
                );
                assert!(need.why().contains(name), "the sentence names {name}");
            }
            assert!(need.scopes().iter().all(|s| s.starts_with("https://graph.microsoft.com/")));
        }
        assert_eq!(
            serde_json::to_value(Need::GrantSitesSelected).expect("serializes"),
            "grantSitesSelected"
        );
    }
}
