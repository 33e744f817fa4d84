//! The deterministic demo tenants. Ids are UUIDv5 of readable names, so they are the same in every
//! run and on every machine. The passwords are documented in the crate's README section of
//! `ARCHITECTURE.md`; they exist only in the emulator.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use serde_json::{Map, Value, json};
use time::{OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::{
    model::{
        Application, Column, ContentType, DelegatedGrant, DirectoryRole, FacetValue, Generated,
        Item, List, ServicePrincipal, Tenant, User, Web,
    },
    resources::{
        GRAPH_APP_ID, GRAPH_APP_ROLES, GRAPH_SCOPES, MICROSOFT_TENANT, SHAREPOINT_APP_ID,
        SHAREPOINT_APP_ROLES, SHAREPOINT_SCOPES,
    },
};

/// The demo tenant's id.
pub const DEMO_TENANT_ID: &str = "b5a1c6d2-3e4f-4a5b-8c9d-0e1f2a3b4c5d";
/// The demo tenant's organisation name.
pub const DEMO_ORGANIZATION: &str = "Contoso";
/// The demo tenant's initial domain.
pub const DEMO_DOMAIN: &str = "contoso.onmicrosoft.com";
/// The second, small tenant (for moving things between tenants).
pub const SECOND_TENANT_ID: &str = "c6b2d7e3-4f50-4b6c-9dae-1f2a3b4c5d6e";
/// The second tenant's initial domain.
pub const SECOND_DOMAIN: &str = "fabrikam.onmicrosoft.com";
/// spconnect's own multi-tenant public client id, consented in both demo tenants.
pub const SPCONNECT_CLIENT_ID: &str = "5c0e6f2a-7b1d-4c8e-9a3f-2d4b6e8f0a1c";

/// The seeded people: (UPN local part, display name, password, roles).
pub const DEMO_USERS: &[(&str, &str, &str, &[DirectoryRole])] = &[
    ("admin", "Adele Vance", "Demo-Admin-2026!", &[DirectoryRole::GlobalAdministrator]),
    (
        "cloudadmin",
        "Alex Wilber",
        "Demo-Cloud-2026!",
        &[DirectoryRole::CloudApplicationAdministrator],
    ),
    ("user", "Megan Bowen", "Demo-User-2026!", &[]),
];

/// The second tenant's seeded people.
const SECOND_USERS: &[(&str, &str, &str, &[DirectoryRole])] =
    &[("admin", "Fabrikam Admin", "Demo-Fabrikam-2026!", &[DirectoryRole::GlobalAdministrator])];

/// Microsoft Graph Command Line Tools: Microsoft's first-party public client (Microsoft Graph
/// PowerShell and the Graph CLI sign in with it), known to every tenant.
pub const GRAPH_COMMAND_LINE_TOOLS_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// When the seeded objects were created.
pub const SEEDED_AT: OffsetDateTime = datetime!(2026-01-15 09:00 UTC);

const NAMESPACE: Uuid = Uuid::from_u128(0x5c0e_6f2a_0000_4000_8000_0000_0000_0001);

/// A deterministic id for a seeded object.
pub fn seeded_id(name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

fn parse(id: &str) -> Uuid {
    Uuid::parse_str(id).unwrap_or_else(|_| seeded_id(id))
}

/// The demo tenant (Contoso) with sites, lists and libraries covering every column type.
pub fn demo_tenant() -> Tenant {
    let mut tenant =
        empty_tenant(DEMO_TENANT_ID, DEMO_DOMAIN, DEMO_ORGANIZATION, "contoso.sharepoint.com");
    tenant.users = users(DEMO_DOMAIN, DEMO_USERS);
    let webs = [
        ("/", "Contoso", "The intranet home", None),
        ("/sites/hr", "Human Resources", "People, onboarding and benefits", None),
        ("/sites/hr/benefits", "Benefits", "Benefit plans and enrolment", Some("/sites/hr")),
        ("/sites/finance", "Finance", "Budgets, invoices and reports", None),
        ("/sites/projects", "Projects", "Project delivery", None),
        ("/sites/projects/alpha", "Project Alpha", "The Alpha programme", Some("/sites/projects")),
    ];
    for (path, title, description, parent) in webs {
        let site_path = parent.unwrap_or(path);
        let mut web = web(&tenant.sharepoint_host, site_path, path, title, description);
        web.parent = parent.map(|p| seeded_id(&format!("web:{}{p}", tenant.sharepoint_host)));
        web.lists = standard_lists(&tenant.sharepoint_host, path);
        if path == "/sites/hr" {
            web.lists.push(employees_list(&tenant.sharepoint_host, path));
        }
        tenant.webs.push(web);
    }
    tenant
}

/// The second tenant (Fabrikam): one administrator and one site.
pub fn second_tenant() -> Tenant {
    let mut tenant =
        empty_tenant(SECOND_TENANT_ID, SECOND_DOMAIN, "Fabrikam", "fabrikam.sharepoint.com");
    tenant.users = users(SECOND_DOMAIN, SECOND_USERS);
    for (path, title) in [("/", "Fabrikam"), ("/sites/sales", "Sales")] {
        let mut web = web(&tenant.sharepoint_host, path, path, title, "");
        web.lists = standard_lists(&tenant.sharepoint_host, path);
        tenant.webs.push(web);
    }
    tenant
}

fn empty_tenant(id: &str, domain: &str, name: &str, sharepoint_host: &str) -> Tenant {
    let tenant_id = parse(id);
    let mut tenant = Tenant {
        id: tenant_id,
        domain: domain.to_owned(),
        display_name: name.to_owned(),
        sharepoint_host: sharepoint_host.to_owned(),
        users: Vec::new(),
        applications: Vec::new(),
        service_principals: Vec::new(),
        app_role_assignments: Vec::new(),
        delegated_grants: Vec::new(),
        webs: Vec::new(),
    };
    let graph = first_party_sp(
        &tenant,
        GRAPH_APP_ID,
        "Microsoft Graph",
        GRAPH_APP_ROLES,
        GRAPH_SCOPES,
        vec!["https://graph.microsoft.com".into(), "https://graph.microsoft.com/".into()],
    );
    let sharepoint = first_party_sp(
        &tenant,
        SHAREPOINT_APP_ID,
        "Office 365 SharePoint Online",
        SHAREPOINT_APP_ROLES,
        SHAREPOINT_SCOPES,
        vec![format!("https://{sharepoint_host}"), format!("https://{sharepoint_host}/")],
    );
    let spconnect = ServicePrincipal {
        id: seeded_id(&format!("sp:{tenant_id}:spconnect")),
        app_id: parse(SPCONNECT_CLIENT_ID),
        display_name: "spconnect".into(),
        app_owner_tenant: parse(MICROSOFT_TENANT),
        app_roles: Vec::new(),
        scopes: Vec::new(),
        names: vec![SPCONNECT_CLIENT_ID.into()],
        created: SEEDED_AT,
        deleted: None,
    };
    // Tenant-wide (admin) consent for what spconnect asks for.
    tenant.delegated_grants.push(DelegatedGrant {
        client_id: spconnect.id,
        resource_id: graph.id,
        principal: None,
        scopes: [
            "User.Read",
            "Sites.Read.All",
            "Sites.FullControl.All",
            "Application.ReadWrite.All",
            "AppRoleAssignment.ReadWrite.All",
            "offline_access",
            "openid",
            "profile",
        ]
        .map(String::from)
        .to_vec(),
    });
    tenant.delegated_grants.push(DelegatedGrant {
        client_id: spconnect.id,
        resource_id: sharepoint.id,
        principal: None,
        scopes: vec!["AllSites.Read".into()],
    });
    // Its service principal exists, but nothing is consented: its sign-ins ask for consent.
    let command_line_tools = ServicePrincipal {
        id: seeded_id(&format!("sp:{tenant_id}:graph-command-line-tools")),
        app_id: parse(GRAPH_COMMAND_LINE_TOOLS_ID),
        display_name: "Microsoft Graph Command Line Tools".into(),
        app_owner_tenant: parse(MICROSOFT_TENANT),
        app_roles: Vec::new(),
        scopes: Vec::new(),
        names: vec![GRAPH_COMMAND_LINE_TOOLS_ID.into()],
        created: SEEDED_AT,
        deleted: None,
    };
    tenant.service_principals.extend([graph, sharepoint, spconnect, command_line_tools]);
    tenant
}

fn first_party_sp(
    tenant: &Tenant,
    app_id: &str,
    name: &str,
    roles: &[crate::model::Permission],
    scopes: &[crate::model::Permission],
    names: Vec<String>,
) -> ServicePrincipal {
    ServicePrincipal {
        id: seeded_id(&format!("sp:{}:{app_id}", tenant.id)),
        app_id: parse(app_id),
        display_name: name.into(),
        app_owner_tenant: parse(MICROSOFT_TENANT),
        app_roles: roles.to_vec(),
        scopes: scopes.to_vec(),
        names: std::iter::once(app_id.to_owned()).chain(names).collect(),
        created: SEEDED_AT,
        deleted: None,
    }
}

/// The public client application spconnect registers for itself (lives in the publisher's
/// tenant; here it is known to every tenant through its service principal).
pub fn spconnect_application() -> Application {
    Application {
        id: seeded_id("app:spconnect"),
        app_id: parse(SPCONNECT_CLIENT_ID),
        display_name: "spconnect".into(),
        unique_name: None,
        sign_in_audience: "AzureADMultipleOrgs".into(),
        public_client_redirect_uris: vec!["http://localhost".into(), "http://127.0.0.1".into()],
        web_redirect_uris: Vec::new(),
        is_fallback_public_client: true,
        key_credentials: Vec::new(),
        password_credentials: Vec::new(),
        required_resource_access: json!([]),
        extra: Map::new(),
        created: SEEDED_AT,
        deleted: None,
        owner_tenant: parse(MICROSOFT_TENANT),
        owners: Vec::new(),
    }
}

/// The multi-tenant applications registered outside the seeded tenants: spconnect's own client
/// and Microsoft Graph Command Line Tools.
pub fn external_applications() -> Vec<Application> {
    vec![spconnect_application(), graph_command_line_tools()]
}

/// Microsoft Graph Command Line Tools, with its public-client redirect URIs: the loopback one,
/// the native client page, and the Windows broker's.
pub fn graph_command_line_tools() -> Application {
    Application {
        id: seeded_id("app:graph-command-line-tools"),
        app_id: parse(GRAPH_COMMAND_LINE_TOOLS_ID),
        display_name: "Microsoft Graph Command Line Tools".into(),
        sign_in_audience: "AzureADMultipleOrgs".into(),
        public_client_redirect_uris: vec![
            "http://localhost".into(),
            "https://login.microsoftonline.com/common/oauth2/nativeclient".into(),
            format!("ms-appx-web://microsoft.aad.brokerplugin/{GRAPH_COMMAND_LINE_TOOLS_ID}"),
        ],
        ..spconnect_application()
    }
}

/// A seeded account, as the demo sign-in page offers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAccount {
    /// The organisation (tenant display name).
    pub organization: &'static str,
    /// The tenant's initial domain.
    pub domain: &'static str,
    /// The user principal name.
    pub upn: String,
    /// The display name.
    pub display_name: &'static str,
    /// The documented demo password.
    pub password: &'static str,
    /// The directory role it holds, or "User".
    pub role: &'static str,
}

/// The seeded accounts a sign-in at `tenant_segment` may offer: those of the demo tenant it names
/// (by id or domain), those of both demo tenants for `common` and `organizations`, and none for
/// any other tenant.
pub fn demo_accounts(tenant_segment: &str) -> Vec<DemoAccount> {
    let segment = tenant_segment.to_ascii_lowercase();
    let tenants = [
        (DEMO_TENANT_ID, DEMO_DOMAIN, DEMO_ORGANIZATION, DEMO_USERS),
        (SECOND_TENANT_ID, SECOND_DOMAIN, "Fabrikam", SECOND_USERS),
    ];
    tenants
        .iter()
        .filter(|(id, domain, _, _)| {
            matches!(segment.as_str(), "common" | "organizations")
                || segment == *id
                || segment == *domain
        })
        .flat_map(|(_, domain, organization, people)| {
            people.iter().map(move |(local, name, password, roles)| DemoAccount {
                organization,
                domain,
                upn: format!("{local}@{domain}"),
                display_name: name,
                password,
                role: roles.first().map_or("User", |r| r.display_name()),
            })
        })
        .collect()
}

fn users(domain: &str, people: &[(&str, &str, &str, &[DirectoryRole])]) -> Vec<User> {
    people
        .iter()
        .map(|(local, name, password, roles)| {
            let upn = format!("{local}@{domain}");
            let (given, surname) = name.split_once(' ').unwrap_or((name, ""));
            User {
                id: seeded_id(&format!("user:{upn}")),
                upn,
                display_name: (*name).into(),
                given_name: given.into(),
                surname: surname.into(),
                job_title: roles.first().map_or("Employee", |r| r.display_name()).into(),
                password: (*password).into(),
                roles: roles.to_vec(),
            }
        })
        .collect()
}

fn web(host: &str, site_path: &str, path: &str, title: &str, description: &str) -> Web {
    let name = path.rsplit('/').find(|s| !s.is_empty()).unwrap_or("root").to_owned();
    Web {
        site_id: seeded_id(&format!("site:{host}{site_path}")),
        web_id: seeded_id(&format!("web:{host}{path}")),
        path: path.to_owned(),
        name,
        display_name: title.into(),
        description: description.into(),
        parent: None,
        lists: Vec::new(),
        generated: None,
        permissions: Vec::new(),
        created: SEEDED_AT,
    }
}

/// A column; its id is derived from `list_key` and the name, or left nil for the caller to set
/// when `list_key` is empty (generated lists number their columns instead).
fn column(list_key: &str, name: &str, display: &str, facet: &'static str, value: Value) -> Column {
    Column {
        id: if list_key.is_empty() {
            Uuid::nil()
        } else {
            seeded_id(&format!("column:{list_key}:{name}"))
        },
        name: name.into(),
        display_name: display.into(),
        description: "".into(),
        column_group: "Custom Columns".into(),
        hidden: false,
        indexed: false,
        read_only: false,
        required: false,
        enforce_unique_values: false,
        facet: (facet.into(), FacetValue::new(value)),
    }
}

/// The columns every list has: Title, plus the read-only and hidden system columns.
pub(crate) fn base_columns(list_key: &str) -> Vec<Column> {
    let text = json!({"allowMultipleLines": false, "appendChangesToExistingText": false,
        "linesForEditing": 0, "maxLength": 255});
    let mut title = column(list_key, "Title", "Title", "text", text.clone());
    title.id = Uuid::parse_str("fa564e0f-0c70-4ab9-b863-0177e6ddd247").unwrap_or(title.id);
    title.required = true;
    title.column_group = "Custom Columns".into();
    let mut columns = vec![title];
    for (name, display, facet, value) in [
        ("Created", "Created", "dateTime", json!({"displayAs": "default", "format": "dateTime"})),
        ("Modified", "Modified", "dateTime", json!({"displayAs": "default", "format": "dateTime"})),
        (
            "Author",
            "Created By",
            "personOrGroup",
            json!({"allowMultipleSelection": false, "chooseFromType": "peopleAndGroups", "displayAs": "account"}),
        ),
        (
            "Editor",
            "Modified By",
            "personOrGroup",
            json!({"allowMultipleSelection": false, "chooseFromType": "peopleAndGroups", "displayAs": "account"}),
        ),
    ] {
        let mut c = column(list_key, name, display, facet, value);
        c.read_only = true;
        c.column_group = "_Hidden".into();
        columns.push(c);
    }
    let mut hidden = column(list_key, "_UIVersionString", "Version", "text", text);
    hidden.hidden = true;
    hidden.read_only = true;
    hidden.column_group = "_Hidden".into();
    columns.push(hidden);
    columns
}

pub(crate) fn list(host: &str, web_path: &str, name: &str, display: &str, template: &str) -> List {
    let key = format!("{host}{web_path}:{name}");
    let id = seeded_id(&format!("list:{key}"));
    let mut columns = base_columns(&key);
    if template == "documentLibrary" {
        // A library's Title is optional (a file's name is what it needs).
        columns.iter_mut().filter(|c| &*c.name == "Title").for_each(|c| c.required = false);
    }
    List {
        id,
        name: name.into(),
        display_name: display.into(),
        description: "".into(),
        template: template.into(),
        hidden: false,
        system: false,
        columns,
        content_types: vec![if template == "documentLibrary" {
            content_type("0x0101", "Document", "Create a new document.")
        } else {
            content_type("0x01", "Item", "Create a new list item.")
        }],
        items: Vec::new(),
        drive_id: (template == "documentLibrary").then(|| drive_id(id)),
        created: SEEDED_AT,
        last_deleted_id: 0,
    }
}

/// The Graph drive id of a library (Graph's ids are opaque `b!…` strings).
pub fn drive_id(list_id: Uuid) -> String {
    use base64::Engine;
    format!("b!{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(list_id.as_bytes()))
}

fn content_type(id: &str, name: &str, description: &str) -> ContentType {
    ContentType {
        id: id.into(),
        name: name.into(),
        description: description.into(),
        group: "List Content Types".into(),
        hidden: false,
    }
}

fn standard_lists(host: &str, web_path: &str) -> Vec<List> {
    let mut documents = list(host, web_path, "Shared Documents", "Documents", "documentLibrary");
    for (n, file) in ["Welcome.docx", "Policies.pdf", "Budget.xlsx"].iter().enumerate() {
        documents
            .items
            .push(item(n as u32 + 1, &[("FileLeafRef", json!(file)), ("Title", json!(""))]));
    }
    let mut assets = list(host, web_path, "SiteAssets", "Site Assets", "documentLibrary");
    assets.hidden = false;
    let mut announcements = list(host, web_path, "Announcements", "Announcements", "announcements");
    announcements.items.push(item(1, &[("Title", json!("Welcome to the new intranet"))]));
    let mut form_templates =
        list(host, web_path, "FormServerTemplates", "Form Templates", "documentLibrary");
    form_templates.hidden = true;
    let mut appdata = list(host, web_path, "appdata", "appdata", "genericList");
    appdata.hidden = true;
    appdata.system = true;
    vec![documents, assets, announcements, form_templates, appdata]
}

fn item(id: u32, fields: &[(&str, Value)]) -> Item {
    let mut map: Map<String, Value> =
        fields.iter().map(|(k, v)| ((*k).into(), v.clone())).collect();
    map.insert("id".into(), json!(id.to_string()));
    map.insert("ContentType".into(), json!("Item"));
    map.insert("Created".into(), json!("2026-01-15T09:00:00Z"));
    map.insert("Modified".into(), json!("2026-01-15T09:00:00Z"));
    map.insert("AuthorLookupId".into(), json!("6"));
    map.insert("EditorLookupId".into(), json!("6"));
    map.insert("_UIVersionString".into(), json!("1.0"));
    Item {
        id,
        fields: map,
        created: SEEDED_AT,
        modified: SEEDED_AT,
        created_by: "Adele Vance".into(),
        modified_by: "Adele Vance".into(),
        version: 1,
    }
}

/// A list with one column of every type Graph models, and a few items.
fn employees_list(host: &str, web_path: &str) -> List {
    let mut list = list(host, web_path, "Employees", "Employees", "genericList");
    list.description = "Every column type, for browsing and tests".into();
    let key = format!("{host}{web_path}:Employees");
    let departments_list = seeded_id(&format!("list:{host}{web_path}:Shared Documents"));
    let columns = [
        column(
            &key,
            "Notes",
            "Notes",
            "text",
            json!({"allowMultipleLines": true, "appendChangesToExistingText": false, "linesForEditing": 6, "maxLength": 63999, "textType": "plain"}),
        ),
        column(&key, "Salary", "Salary", "currency", json!({"locale": "en-us"})),
        column(
            &key,
            "Level",
            "Level",
            "number",
            json!({"decimalPlaces": "none", "displayAs": "number", "maximum": 10.0, "minimum": 1.0}),
        ),
        column(
            &key,
            "Department",
            "Department",
            "choice",
            json!({"allowTextEntry": false, "choices": ["Engineering", "Finance", "HR", "Sales"], "displayAs": "dropDownMenu"}),
        ),
        column(
            &key,
            "StartDate",
            "Start date",
            "dateTime",
            json!({"displayAs": "default", "format": "dateOnly"}),
        ),
        column(
            &key,
            "Manager",
            "Manager",
            "personOrGroup",
            json!({"allowMultipleSelection": false, "chooseFromType": "peopleOnly", "displayAs": "nameWithPresence"}),
        ),
        column(&key, "Remote", "Remote", "boolean", json!({})),
        column(
            &key,
            "Handbook",
            "Handbook",
            "lookup",
            json!({"allowMultipleValues": false, "allowUnlimitedLength": false, "columnName": "Title", "listId": departments_list.to_string()}),
        ),
        column(
            &key,
            "Tenure",
            "Tenure (years)",
            "calculated",
            json!({"format": "dateOnly", "formula": "=DATEDIF([StartDate],TODAY(),\"Y\")", "outputType": "number"}),
        ),
        column(&key, "Profile", "Profile page", "hyperlinkOrPicture", json!({"isPicture": false})),
        column(&key, "Office", "Office location", "geolocation", json!({})),
        column(
            &key,
            "Skills",
            "Skills",
            "term",
            json!({"allowMultipleValues": true, "showFullyQualifiedName": false}),
        ),
        column(&key, "Photo", "Photo", "thumbnail", json!({})),
        column(&key, "_ModerationStatus", "Approval Status", "contentApprovalStatus", json!({})),
    ];
    list.columns.extend(columns);
    list.columns.iter_mut().filter(|c| &*c.name == "Department").for_each(|c| c.indexed = true);
    let people = [
        ("Lidia Holloway", "Engineering", 6, "2019-03-04", true, 98000.0),
        ("Nestor Wilke", "Finance", 4, "2021-07-19", false, 72000.0),
        ("Patti Fernandez", "HR", 7, "2016-11-01", false, 105000.0),
        ("Pradeep Gupta", "Sales", 3, "2023-02-13", true, 61000.0),
        ("Isaiah Langer", "Engineering", 5, "2020-09-28", true, 88000.0),
    ];
    for (n, (name, department, level, start, remote, salary)) in people.into_iter().enumerate() {
        list.items.push(item(
            n as u32 + 1,
            &[
                ("Title", json!(name)),
                ("Department", json!(department)),
                ("Level", json!(level)),
                ("StartDate", json!(format!("{start}T08:00:00Z"))),
                ("Remote", json!(remote)),
                ("Salary", json!(salary)),
                ("Notes", json!(format!("{name} joined {department}."))),
            ],
        ));
    }
    list
}

/// The largest generated tenant accepted: 100,000 sites × 1,000 lists × 500 columns.
pub const LARGE_LIMITS: (u32, u32, u32) = (100_000, 1_000, 500);

/// A large tenant: the demo tenant's directory with `sites` generated site collections
/// (`/sites/site-00001` …), each with `lists` lists of `columns` custom columns, built on demand.
pub fn large_tenant(sites: u32, lists: u32, columns: u32) -> Tenant {
    let mut tenant = demo_tenant();
    let host = tenant.sharepoint_host.clone();
    tenant.webs.retain(|w| w.path == "/");
    tenant.webs.reserve(sites as usize);
    for index in 0..sites {
        let path = format!("/sites/site-{:05}", index + 1);
        let title = format!("Site {:05}", index + 1);
        let mut web = web(&host, &path, &path, &title, "A generated site");
        web.generated = Some(Generated { index, lists, columns });
        tenant.webs.push(web);
    }
    tenant
}

/// The marker in the top 32 bits of a generated list's id.
const GENERATED_LIST_MARKER: u128 = 0x5c0e_6e4e;

/// The id of list `list` of generated web `web`.
pub fn generated_list_id(web: u32, list: u32) -> Uuid {
    Uuid::from_u128((GENERATED_LIST_MARKER << 96) | (u128::from(web) << 32) | u128::from(list))
}

/// The generated web and list numbers a list id encodes, if it is a generated list's.
pub fn decode_generated_list(id: Uuid) -> Option<(u32, u32)> {
    let value = id.as_u128();
    ((value >> 96) == GENERATED_LIST_MARKER)
        .then_some((((value >> 32) & 0xffff_ffff) as u32, (value & 0xffff_ffff) as u32))
}

/// Which list of a generated web `reference` (an id or a name) means.
pub fn generated_list_index(shape: Generated, reference: &str) -> Option<u32> {
    if let Ok(id) = Uuid::parse_str(reference) {
        let (web, list) = decode_generated_list(id)?;
        return (web == shape.index && list < shape.lists).then_some(list);
    }
    let number = reference.strip_prefix("List ").or_else(|| reference.strip_prefix("Library "))?;
    let index = number.parse::<u32>().ok()?.checked_sub(1)?;
    (index < shape.lists).then_some(index)
}

/// The id of column `column` of list `list` of generated web `web`.
fn generated_column_id(web: u32, list: u32, column: u32) -> Uuid {
    Uuid::from_u128(
        (GENERATED_COLUMN_MARKER << 96)
            | (u128::from(web) << 64)
            | (u128::from(list) << 32)
            | u128::from(column),
    )
}

/// The marker in the top 32 bits of a generated column's id.
const GENERATED_COLUMN_MARKER: u128 = 0x5c0e_6e4c;

/// The column types generated columns cycle through, with their facets.
fn generated_facets() -> &'static [(&'static str, Value)] {
    static FACETS: OnceLock<Vec<(&'static str, Value)>> = OnceLock::new();
    FACETS.get_or_init(|| {
        vec![
            ("text", json!({"allowMultipleLines": false, "appendChangesToExistingText": false, "linesForEditing": 0, "maxLength": 255})),
            ("number", json!({"decimalPlaces": "automatic", "displayAs": "number"})),
            ("choice", json!({"allowTextEntry": false, "choices": ["Red", "Green", "Blue"], "displayAs": "dropDownMenu"})),
            ("dateTime", json!({"displayAs": "default", "format": "dateOnly"})),
            ("boolean", json!({})),
            ("currency", json!({"locale": "en-us"})),
        ]
    })
}

/// The columns of a generated list with `count` generated columns, built once per count (a
/// large tenant's lists are made on demand, each time they are read).
fn generated_columns(count: u32) -> Arc<[Column]> {
    static TEMPLATES: OnceLock<Mutex<HashMap<u32, Arc<[Column]>>>> = OnceLock::new();
    let mut templates = TEMPLATES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    templates
        .entry(count)
        .or_insert_with(|| {
            let mut columns = base_columns("");
            let facets = generated_facets();
            for c in 0..count {
                let (facet, value) = &facets[c as usize % facets.len()];
                columns.push(column(
                    "",
                    &format!("Field{:03}", c + 1),
                    &format!("Field {}", c + 1),
                    facet,
                    value.clone(),
                ));
            }
            columns.into()
        })
        .clone()
}

/// Builds list `n` of a generated web.
pub fn generated_list(shape: Generated, n: u32) -> List {
    let library = n.is_multiple_of(5);
    let name = if library { format!("Library {:02}", n + 1) } else { format!("List {:02}", n + 1) };
    let id = generated_list_id(shape.index, n);
    // Names and facets are shared with the template, so this copies no text.
    let mut columns = generated_columns(shape.columns).to_vec();
    for (index, column) in columns.iter_mut().enumerate().filter(|(_, c)| &*c.name != "Title") {
        column.id = generated_column_id(shape.index, n, index as u32);
    }
    let items = (1..=3).map(|i| item(i, &[("Title", json!(format!("{name} item {i}")))])).collect();
    List {
        id,
        name: name.clone(),
        display_name: name,
        description: "".into(),
        template: if library { "documentLibrary" } else { "genericList" }.into(),
        hidden: false,
        system: false,
        columns,
        content_types: vec![content_type("0x01", "Item", "Create a new list item.")],
        items,
        drive_id: library.then(|| drive_id(id)),
        created: SEEDED_AT,
        last_deleted_id: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_seeded_demo_tenants_list_their_accounts() {
        let contoso = demo_accounts(DEMO_DOMAIN);
        assert_eq!(contoso.len(), DEMO_USERS.len());
        assert_eq!(demo_accounts(&DEMO_TENANT_ID.to_uppercase()), contoso);
        assert!(contoso.iter().all(|a| a.organization == DEMO_ORGANIZATION));
        assert_eq!(contoso[0].role, "Global Administrator");
        assert_eq!(demo_accounts(SECOND_TENANT_ID).len(), SECOND_USERS.len());
        assert_eq!(demo_accounts("organizations").len(), DEMO_USERS.len() + SECOND_USERS.len());
        assert!(demo_accounts("nowhere.example").is_empty());
        assert!(demo_accounts("9188040d-6c67-4c5b-b112-36a304b66dad").is_empty());
    }
}
