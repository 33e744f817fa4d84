//! The Microsoft first-party resources every tenant has: Microsoft Graph and Office 365 SharePoint
//! Online, with their real app ids and permission ids (docs/microsoft §2.2).

use std::borrow::Cow;

use crate::model::Permission;

/// Microsoft Graph's client id.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Office 365 SharePoint Online's client id.
pub const SHAREPOINT_APP_ID: &str = "00000003-0000-0ff1-ce00-000000000000";
/// The audience of `addKey`/`removeKey` proofs (Azure AD Graph).
pub const PROOF_AUDIENCE: &str = "00000002-0000-0000-c000-000000000000";
/// Microsoft Graph's resource identifier (access token audience).
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";
/// The tenant that owns Microsoft's first-party applications.
pub const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

const fn role(id: &'static str, value: &'static str) -> Permission {
    Permission { id: Cow::Borrowed(id), value: Cow::Borrowed(value), admin_consent_required: true }
}

const fn scope(id: &'static str, value: &'static str, admin: bool) -> Permission {
    Permission { id: Cow::Borrowed(id), value: Cow::Borrowed(value), admin_consent_required: admin }
}

/// Microsoft Graph application permissions used here.
pub const GRAPH_APP_ROLES: &[Permission] = &[
    role("883ea226-0bf2-4a8f-9f9d-92c9162a727d", "Sites.Selected"),
    role("332a536c-c7ef-4017-ab91-336970924f0d", "Sites.Read.All"),
    role("9492366f-7969-46a4-8d15-ed1a20078fff", "Sites.ReadWrite.All"),
    role("0c0bf378-bf22-4481-8f81-9e89a9b4960a", "Sites.Manage.All"),
    role("a82116e5-55eb-4c41-a434-62fe8a61c773", "Sites.FullControl.All"),
    role("9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", "Application.Read.All"),
    role("1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Application.ReadWrite.All"),
    role("18a4783c-866b-4cc7-a460-3d5e5662c884", "Application.ReadWrite.OwnedBy"),
    role("06b708a9-e830-4db3-a914-8e69da51d44f", "AppRoleAssignment.ReadWrite.All"),
];

/// Microsoft Graph delegated permissions used here.
pub const GRAPH_SCOPES: &[Permission] = &[
    scope("e1fe6dd8-ba31-4d61-89e7-88639da4683d", "User.Read", false),
    scope("f89c84ef-20d0-4b54-87e9-02e856d66d53", "Sites.Selected", false),
    scope("205e70e5-aba6-4c52-a976-6d2d46c48043", "Sites.Read.All", false),
    scope("89fe6a52-be36-487e-b7d8-d061c450a026", "Sites.ReadWrite.All", false),
    scope("65e50fdc-43b7-4915-933e-e8138f11f40a", "Sites.Manage.All", false),
    scope("5a54b8b3-347c-476d-8f8e-42d5c7424d29", "Sites.FullControl.All", true),
    scope("c79f8feb-a9db-4090-85f9-90d820caa0eb", "Application.Read.All", true),
    scope("bdfbf15f-ee85-4955-8675-146e8e5296b5", "Application.ReadWrite.All", true),
    scope("84bccea3-f856-4a8a-967b-dbe0a3d53a64", "AppRoleAssignment.ReadWrite.All", true),
    scope("7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "offline_access", false),
    scope("37f7f235-527c-4136-accd-4a02d197296e", "openid", false),
    scope("14dad69e-099b-42c9-810b-d002981feec1", "profile", false),
];

/// SharePoint Online application permissions.
pub const SHAREPOINT_APP_ROLES: &[Permission] = &[
    role("20d37865-089c-4dee-8c41-6967602d4ac8", "Sites.Selected"),
    role("d13f72ca-a275-4b96-b789-48ebcc4da984", "Sites.Read.All"),
    role("fbcd29d2-fcca-4405-aded-518d457caae4", "Sites.ReadWrite.All"),
    role("9bff6588-13f2-4c48-bbf2-ddab62256b36", "Sites.Manage.All"),
    role("678536fe-1083-478a-9c59-b99265e6b0d3", "Sites.FullControl.All"),
];

/// SharePoint Online delegated permissions.
pub const SHAREPOINT_SCOPES: &[Permission] = &[
    scope("9ac4404a-0323-446d-b334-b4ae4d18b38a", "Sites.Selected", false),
    scope("4e0d77b0-96ba-4398-af14-3baa780278f4", "AllSites.Read", false),
    scope("640ddd16-e5b7-4d71-9690-3f4022699ee7", "AllSites.Write", false),
    scope("b3f70a70-8a4b-4f95-9573-d71c496a53f4", "AllSites.Manage", false),
    scope("56680e0d-d2a3-4ae1-80d8-3c4f2100e3d0", "AllSites.FullControl", true),
];

/// The OpenID Connect scopes, which name no resource.
pub const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];
