//! The plan: exactly what creating a connection will make in the tenant and which calls it will
//! send, shown before anything happens (docs/microsoft §2), and whether the signed-in person's
//! directory roles allow it (§2.1), checked up front.

use serde::Serialize;
use spconnect_graph::roles::AdminRole;
use ts_rs::TS;

use crate::{
    error::ConnectionError,
    model::{ConnectionRequest, PermissionModel},
};

/// The steps of an apply, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StepKind {
    /// Make the key pair and certificate on this computer; keep the key encrypted.
    Certificate,
    /// Look up the permission ids on Microsoft Graph's and SharePoint's service principals.
    Resources,
    /// Create the application (the `uniqueName` upsert) with the certificate's public part.
    Application,
    /// Create its service principal.
    ServicePrincipal,
    /// Grant the application permissions (admin consent).
    Consent,
    /// Grant `Sites.Selected` access to each chosen site.
    Sites,
    /// An app-only token with the new certificate, and each chosen site read with it.
    Verify,
    /// Keep the connection record on this computer.
    Save,
}

/// One step of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlannedStep {
    /// Which step.
    pub kind: StepKind,
    /// What it does, in words.
    pub title: String,
    /// What it creates in the tenant (empty when nothing).
    pub creates: Vec<String>,
    /// The calls it sends (method and path).
    pub calls: Vec<String>,
}

/// The whole plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The steps.
    pub steps: Vec<PlannedStep>,
    /// A warning about a tenant-wide permission, when one was chosen.
    pub warning: Option<String>,
}

/// The steps of `request`, in the order they are planned and carried out.
pub fn step_kinds(request: &ConnectionRequest) -> Vec<StepKind> {
    let mut kinds = vec![
        StepKind::Certificate,
        StepKind::Resources,
        StepKind::Application,
        StepKind::ServicePrincipal,
        StepKind::Consent,
    ];
    if request.model == PermissionModel::SitesSelected {
        kinds.push(StepKind::Sites);
    }
    kinds.extend([StepKind::Verify, StepKind::Save]);
    kinds
}

/// Builds the plan of `request` (checked first).
pub fn plan(request: &ConnectionRequest) -> Result<Plan, ConnectionError> {
    request.validate()?;
    let steps = step_kinds(request).into_iter().map(|kind| planned(request, kind)).collect();
    let warning = match request.model {
        PermissionModel::TenantWide { permission } => Some(format!(
            "{} is tenant-wide. {} Sites.Selected on the chosen sites is the least privilege.",
            permission.value(),
            permission.exposes()
        )),
        PermissionModel::SitesSelected => None,
    };
    Ok(Plan { steps, warning })
}

/// What step `kind` of `request` will do.
fn planned(request: &ConnectionRequest, kind: StepKind) -> PlannedStep {
    let unique = request.id.unique_name();
    let role = request.model.app_role();
    let (title, creates, calls) = match kind {
        StepKind::Certificate => (
            format!(
                "Make an RSA {} key and a certificate \"CN={}\" valid {} days on this computer; \
                 keep the private key encrypted here (it never leaves this computer)",
                request.certificate.key_bits,
                request.certificate.subject.trim(),
                request.certificate.validity_days
            ),
            vec![],
            vec![],
        ),
        StepKind::Resources => (
            "Look up the permission ids of the APIs the connection calls".into(),
            vec![],
            request
                .apis
                .iter()
                .map(|api| {
                    format!("GET /servicePrincipals(appId='{}')?$select=id,appId,displayName,appRoles", api.resource_app_id())
                })
                .collect(),
        ),
        StepKind::Application => (
            format!(
                "Create the application \"{}\" with the certificate's public part, asking for {}",
                request.name.trim(),
                request.apis.iter().map(|a| format!("{} {role}", a.name())).collect::<Vec<_>>().join(" and ")
            ),
            vec![format!(
                "Application \"{}\" (uniqueName {unique}, tagged spconnect)",
                request.name.trim()
            )],
            vec![format!("PATCH /applications(uniqueName='{unique}') with Prefer: create-if-missing")],
        ),
        StepKind::ServicePrincipal => (
            "Create the application's service principal (enterprise application)".into(),
            vec!["Service principal of the application".into()],
            vec!["PATCH /servicePrincipals(appId='{new application id}') with Prefer: create-if-missing".into()],
        ),
        StepKind::Consent => (
            format!("Grant admin consent to {role}"),
            request
                .apis
                .iter()
                .map(|api| format!("App role assignment: {} {role}", api.name()))
                .collect(),
            request
                .apis
                .iter()
                .map(|api| format!("POST /servicePrincipals/{{{} service principal}}/appRoleAssignedTo", api.name()))
                .collect(),
        ),
        StepKind::Sites => (
            "Give the application access to the chosen sites only".into(),
            request
                .sites
                .iter()
                .map(|s| {
                    format!(
                        "Site permission \"{}\" on {} ({})",
                        s.role.graph_name(),
                        s.name,
                        s.web_url
                    )
                })
                .collect(),
            request
                .sites
                .iter()
                .map(|s| format!("POST /sites/{}/permissions", s.site_id))
                .collect(),
        ),
        StepKind::Verify => {
            let mut calls = vec![
                "POST {authority}/{tenant}/oauth2/v2.0/token (client credentials, certificate assertion)"
                    .to_owned(),
            ];
            for site in &request.sites {
                for api in &request.apis {
                    calls.push(match api {
                        crate::model::Api::Graph => format!("GET /sites/{}", site.site_id),
                        crate::model::Api::SharePoint => {
                            format!("GET {}/_api/web", site.web_url.trim_end_matches('/'))
                        }
                    });
                }
            }
            (
                "Check the connection: an app-only token with the new certificate carries the \
                 permissions, and each chosen site can be read with it"
                    .into(),
                vec![],
                calls,
            )
        }
        StepKind::Save => {
            ("Keep the connection on this computer (encrypted)".into(), vec![], vec![])
        }
    };
    PlannedStep { kind, title, creates, calls }
}

/// What the person must be able to do for `request`, each with the roles that allow it.
fn needs(request: &ConnectionRequest) -> Vec<(String, Vec<AdminRole>)> {
    use AdminRole::*;
    let mut needs = vec![(
        "Creating an application".to_owned(),
        vec![GlobalAdministrator, ApplicationAdministrator, CloudApplicationAdministrator],
    )];
    for api in &request.apis {
        let allowed = match api {
            // Only these may grant Microsoft Graph's application permissions (§2.1).
            crate::model::Api::Graph => vec![GlobalAdministrator, PrivilegedRoleAdministrator],
            crate::model::Api::SharePoint => vec![
                GlobalAdministrator,
                PrivilegedRoleAdministrator,
                ApplicationAdministrator,
                CloudApplicationAdministrator,
            ],
        };
        needs.push((
            format!(
                "Granting the {} application permission {}",
                api.name(),
                request.model.app_role()
            ),
            allowed,
        ));
    }
    if request.model == PermissionModel::SitesSelected {
        needs.push((
            "Granting access to the chosen sites (Sites.Selected)".to_owned(),
            vec![GlobalAdministrator, SharePointAdministrator],
        ));
    }
    needs
}

fn or_list(roles: &[AdminRole]) -> String {
    let names: Vec<&str> = roles.iter().map(|r| r.display_name()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Checks the person's roles against what `request` needs; the first thing they cannot do,
/// naming the roles that would allow it.
pub fn check_roles(request: &ConnectionRequest, held: &[AdminRole]) -> Result<(), ConnectionError> {
    for (what, allowed) in needs(request) {
        if !allowed.iter().any(|r| held.contains(r)) {
            let held = if held.is_empty() {
                "no administrator role".to_owned()
            } else {
                held.iter().map(|r| r.display_name()).collect::<Vec<_>>().join(", ")
            };
            return Err(ConnectionError::MissingRole { what, needed: or_list(&allowed), held });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    pub(crate) fn request(model: PermissionModel, apis: Vec<Api>) -> ConnectionRequest {
        ConnectionRequest {
            id: ConnectionId::parse("0123456789abcdef0123456789abcdef").expect("id"),
            name: "HR sync".into(),
            tenant_id: "t".into(),
            model,
            apis,
            sites: vec![SiteChoice {
                site_id: "contoso.sharepoint.com,a,b".into(),
                web_url: "https://contoso.sharepoint.com/sites/hr".into(),
                name: "HR".into(),
                role: SiteRole::Write,
            }],
            certificate: CertificateChoice {
                key_bits: 2048,
                validity_days: 365,
                subject: "HR sync".into(),
            },
            creator: Creator { username: "admin@contoso".into(), object_id: "o".into() },
            definition: None,
        }
    }

    #[test]
    fn the_plan_lists_every_object_and_call_and_warns_of_tenant_wide_permissions() {
        let selected =
            plan(&request(PermissionModel::SitesSelected, vec![Api::Graph, Api::SharePoint]))
                .expect("plan");
        let kinds: Vec<StepKind> = selected.steps.iter().map(|s| s.kind).collect();
        assert!(kinds.contains(&StepKind::Sites));
        assert!(selected.warning.is_none());
        let all = serde_json::to_string(&selected).expect("json");
        assert!(all.contains("uniqueName='spconnect-0123456789abcdef0123456789abcdef'"));
        assert!(all.contains("POST /sites/contoso.sharepoint.com,a,b/permissions"));
        assert!(all.contains("https://contoso.sharepoint.com/sites/hr/_api/web"));
        let wide = plan(&request(
            PermissionModel::TenantWide { permission: TenantWide::ReadWriteAll },
            vec![Api::Graph],
        ))
        .expect("plan");
        assert!(!wide.steps.iter().any(|s| s.kind == StepKind::Sites));
        assert!(wide.warning.expect("warned").contains("every site"));
    }

    #[test]
    fn a_cloud_application_administrator_cannot_grant_graph_permissions_but_can_grant_sharepoints()
    {
        let cloud = [AdminRole::CloudApplicationAdministrator];
        let wide =
            |apis| request(PermissionModel::TenantWide { permission: TenantWide::ReadAll }, apis);
        let refused = check_roles(&wide(vec![Api::Graph]), &cloud).expect_err("refused");
        let text = refused.to_string();
        assert!(text.contains("Microsoft Graph"), "{text}");
        assert!(text.contains("Global Administrator or Privileged Role Administrator"), "{text}");
        assert!(text.contains("Cloud Application Administrator"), "{text}");
        assert!(check_roles(&wide(vec![Api::SharePoint]), &cloud).is_ok());
        let selected = request(PermissionModel::SitesSelected, vec![Api::SharePoint]);
        let refused = check_roles(&selected, &cloud).expect_err("no site grants");
        assert!(refused.to_string().contains("SharePoint Administrator"), "{refused}");
        assert!(check_roles(&selected, &[AdminRole::GlobalAdministrator]).is_ok());
    }

    #[test]
    fn bad_input_names_its_field() {
        let mut r = request(PermissionModel::SitesSelected, vec![Api::Graph]);
        r.sites.clear();
        assert!(matches!(plan(&r), Err(ConnectionError::InvalidInput { field: "sites", .. })));
        let mut r = request(PermissionModel::SitesSelected, vec![Api::Graph]);
        r.certificate.validity_days = 400;
        assert!(matches!(
            plan(&r),
            Err(ConnectionError::InvalidInput { field: "certificate.validityDays", .. })
        ));
        let mut r = request(PermissionModel::SitesSelected, vec![]);
        r.name = " ".into();
        assert!(matches!(plan(&r), Err(ConnectionError::InvalidInput { field: "name", .. })));
    }
}
