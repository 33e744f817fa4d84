//! The route table: every Graph operation the emulator serves, one line each — method, path
//! (normalised as [`super::path`] describes; `{name}` matches one segment), the permissions that
//! allow it, and the operation with the guard it runs under. The permissions are Microsoft's
//! documented ones for the operation (any one of them suffices, delegated and application listed
//! apart, per https://learn.microsoft.com/graph/permissions-reference and each operation's page);
//! finer rules (ownership, directory roles, `Sites.Selected` site grants) are the operation's own.

use axum::http::{Method, StatusCode};

use super::sites::writes;
use super::{
    Reply, Request, applications as apps, assignments, deleted_items as deleted, directory, drives,
    error::GraphError, service_principals as sps, site_permissions as site_grants, sites,
};
use crate::{bearer::Caller, state::World};

/// What an operation runs under.
pub enum Handler {
    /// A read of the directory, under its read guard.
    Read(fn(&Request<'_>, &World) -> Result<Reply, GraphError>),
    /// A change, under the write guard for the whole operation (look-up, checks and change), so
    /// concurrent requests cannot interleave between finding an object and changing it.
    Write(fn(&Request<'_>, &mut World) -> Result<Reply, GraphError>),
    /// `$batch`, which runs each of its requests through this table.
    Batch,
}

/// Which kind of Graph resource: it decides the shape of 403 and 405 answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Directory objects (`Authorization_RequestDenied`, `Request_BadRequest`).
    Directory,
    /// SharePoint-backed resources (`accessDenied`, `notSupported`).
    Sites,
}

/// The permissions that allow an operation: any one of them, by the kind of token.
pub struct Allow {
    delegated: &'static [&'static str],
    application: &'static [&'static str],
    /// Graph's message when the token is of a kind the operation does not support at all.
    wrong_flow: &'static str,
}

impl Allow {
    /// Whether the caller's token allows the operation.
    pub fn check(&self, caller: &Caller, family: Family) -> Result<(), GraphError> {
        let needed = if caller.is_app() { self.application } else { self.delegated };
        if needed == ANY_TOKEN {
            return Ok(());
        }
        if needed.is_empty() {
            return Err(match family {
                Family::Directory => {
                    GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", self.wrong_flow)
                }
                Family::Sites => GraphError::bad_request(self.wrong_flow),
            });
        }
        if caller.has_any(needed) {
            Ok(())
        } else {
            Err(match family {
                Family::Directory => GraphError::directory_denied(),
                Family::Sites => GraphError::access_denied(),
            })
        }
    }
}

/// One operation.
pub struct Route {
    method: &'static str,
    path: &'static str,
    family: Family,
    /// Who may call it.
    pub allow: &'static Allow,
    /// What it does.
    pub handler: Handler,
}

impl Route {
    /// The resource family.
    pub fn family(&self) -> Family {
        self.family
    }
}

const ANY_TOKEN: &[&str] = &["*"];
const fn both(list: &'static [&'static str]) -> Allow {
    Allow { delegated: list, application: list, wrong_flow: "" }
}

// ---- permissions, by operation (least privileged first) -----------------------------------

const SIGNED_IN_USER: &[&str] = &[
    "User.Read",
    "User.ReadWrite",
    "User.ReadBasic.All",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
static ME: Allow = Allow {
    delegated: SIGNED_IN_USER,
    application: &[],
    wrong_flow: "/me request is only valid with delegated authentication flow.",
};
static USERS: Allow = both(&[
    "User.ReadBasic.All",
    "User.Read",
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
]);
static ORGANIZATION: Allow = both(&[
    "User.Read",
    "Organization.Read.All",
    "Organization.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
]);
static APPS_READ: Allow = both(&[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
]);
static APPS_WRITE: Allow = both(&["Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"]);
static ASSIGNMENTS_READ: Allow = both(&[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "AppRoleAssignment.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
]);
static ASSIGNMENTS_WRITE: Allow = both(&["AppRoleAssignment.ReadWrite.All"]);
static DELETED_WRITE: Allow = both(&["Application.ReadWrite.All"]);
/// Reading SharePoint content; `Sites.Selected` needs a site grant, which the operation checks.
const SITES_READ_ANY: &[&str] = &[
    "Sites.Selected",
    "Sites.Read.All",
    "Sites.ReadWrite.All",
    "Sites.Manage.All",
    "Sites.FullControl.All",
];
static SITES_READ: Allow = both(SITES_READ_ANY);
static ALL_SITES: Allow = Allow {
    delegated: &[],
    application: &["Sites.Read.All", "Sites.ReadWrite.All", "Sites.FullControl.All"],
    wrong_flow: "getAllSites is supported only with application permissions.",
};
/// Changing list items; `Sites.Selected` needs a `write` (or higher) site grant.
static SITES_WRITE: Allow =
    both(&["Sites.Selected", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All"]);
/// Creating lists and columns; `Sites.Selected` needs a `manage` (or higher) site grant.
static SITES_MANAGE: Allow = both(&["Sites.Selected", "Sites.Manage.All", "Sites.FullControl.All"]);
static SITE_GRANTS: Allow = both(&["Sites.FullControl.All"]);
/// Any valid token: `$batch` checks each of its requests, and an application may call `addKey`
/// and `removeKey` on itself with no permission at all (the operation checks the rest).
static ANYONE: Allow = Allow { delegated: ANY_TOKEN, application: ANY_TOKEN, wrong_flow: "" };

const fn read(
    method: &'static str,
    path: &'static str,
    family: Family,
    allow: &'static Allow,
    operation: fn(&Request<'_>, &World) -> Result<Reply, GraphError>,
) -> Route {
    Route { method, path, family, allow, handler: Handler::Read(operation) }
}

const fn write(
    method: &'static str,
    path: &'static str,
    family: Family,
    allow: &'static Allow,
    operation: fn(&Request<'_>, &mut World) -> Result<Reply, GraphError>,
) -> Route {
    Route { method, path, family, allow, handler: Handler::Write(operation) }
}

use Family::{Directory as D, Sites as S};

/// Every operation. Where two paths could match, the earlier wins: literals come first.
#[rustfmt::skip]
static ROUTES: &[Route] = &[
    Route { method: "POST", path: "$batch", family: D, allow: &ANYONE, handler: Handler::Batch },
    // the signed-in user, users and the organisation
    read("GET", "me", D, &ME, directory::me),
    read("GET", "me/transitiveMemberOf", D, &ME, directory::member_of),
    read("GET", "me/memberOf", D, &ME, directory::member_of),
    read("GET", "users/{user}", D, &USERS, directory::user),
    read("GET", "organization", D, &ORGANIZATION, directory::organization),
    // applications
    read("GET", "applications", D, &APPS_READ, apps::list),
    write("POST", "applications", D, &APPS_WRITE, apps::create),
    read("GET", "applications/{app}", D, &APPS_READ, apps::get),
    write("PATCH", "applications/{app}", D, &APPS_WRITE, apps::update_or_upsert),
    write("DELETE", "applications/{app}", D, &APPS_WRITE, apps::delete),
    write("POST", "applications/{app}/addKey", D, &ANYONE, apps::add_key),
    write("POST", "applications/{app}/removeKey", D, &ANYONE, apps::remove_key),
    write("POST", "applications/{app}/addPassword", D, &APPS_WRITE, apps::add_password),
    write("POST", "applications/{app}/removePassword", D, &APPS_WRITE, apps::remove_password),
    // service principals and their app role assignments
    read("GET", "servicePrincipals", D, &APPS_READ, sps::list),
    write("POST", "servicePrincipals", D, &APPS_WRITE, sps::create),
    read("GET", "servicePrincipals/{sp}", D, &APPS_READ, sps::get),
    write("PATCH", "servicePrincipals/{sp}", D, &APPS_WRITE, sps::update_or_upsert),
    write("DELETE", "servicePrincipals/{sp}", D, &APPS_WRITE, sps::delete),
    read("GET", "servicePrincipals/{sp}/appRoleAssignedTo", D, &ASSIGNMENTS_READ, assignments::list_to),
    write("POST", "servicePrincipals/{sp}/appRoleAssignedTo", D, &ASSIGNMENTS_WRITE, assignments::create_to),
    read("GET", "servicePrincipals/{sp}/appRoleAssignedTo/{id}", D, &ASSIGNMENTS_READ, assignments::get_to),
    write("DELETE", "servicePrincipals/{sp}/appRoleAssignedTo/{id}", D, &ASSIGNMENTS_WRITE, assignments::delete_to),
    read("GET", "servicePrincipals/{sp}/appRoleAssignments", D, &ASSIGNMENTS_READ, assignments::list_of),
    write("POST", "servicePrincipals/{sp}/appRoleAssignments", D, &ASSIGNMENTS_WRITE, assignments::create_of),
    read("GET", "servicePrincipals/{sp}/appRoleAssignments/{id}", D, &ASSIGNMENTS_READ, assignments::get_of),
    write("DELETE", "servicePrincipals/{sp}/appRoleAssignments/{id}", D, &ASSIGNMENTS_WRITE, assignments::delete_of),
    // deleted items
    read("GET", "directory/deletedItems/application", D, &APPS_READ, deleted::list_applications),
    read("GET", "directory/deletedItems/{id}", D, &APPS_READ, deleted::get),
    write("DELETE", "directory/deletedItems/{id}", D, &DELETED_WRITE, deleted::purge),
    write("POST", "directory/deletedItems/{id}/restore", D, &DELETED_WRITE, deleted::restore),
    // SharePoint: sites
    read("GET", "sites", S, &SITES_READ, sites::search),
    read("GET", "sites/getAllSites", S, &ALL_SITES, sites::all_sites),
    read("GET", "sites/{site}", S, &SITES_READ, sites::site),
    read("GET", "sites/{site}/sites", S, &SITES_READ, sites::subsites),
    read("GET", "sites/{site}/columns", S, &SITES_READ, sites::site_columns),
    read("GET", "sites/{site}/contentTypes", S, &SITES_READ, sites::site_content_types),
    read("GET", "sites/{site}/drives", S, &SITES_READ, sites::site_drives),
    read("GET", "sites/{site}/drive", S, &SITES_READ, sites::site_drive),
    // SharePoint: site grants for Sites.Selected
    read("GET", "sites/{site}/permissions", S, &SITE_GRANTS, site_grants::list),
    write("POST", "sites/{site}/permissions", S, &SITE_GRANTS, site_grants::create),
    read("GET", "sites/{site}/permissions/{perm}", S, &SITE_GRANTS, site_grants::get),
    write("PATCH", "sites/{site}/permissions/{perm}", S, &SITE_GRANTS, site_grants::update),
    write("DELETE", "sites/{site}/permissions/{perm}", S, &SITE_GRANTS, site_grants::delete),
    // SharePoint: lists, columns, content types, items
    read("GET", "sites/{site}/lists", S, &SITES_READ, sites::lists),
    read("GET", "sites/{site}/lists/{list}", S, &SITES_READ, sites::list),
    read("GET", "sites/{site}/lists/{list}/columns", S, &SITES_READ, sites::list_columns),
    read("GET", "sites/{site}/lists/{list}/columns/{column}", S, &SITES_READ, sites::list_column),
    read("GET", "sites/{site}/lists/{list}/contentTypes", S, &SITES_READ, sites::list_content_types),
    read("GET", "sites/{site}/lists/{list}/items", S, &SITES_READ, sites::items),
    read("GET", "sites/{site}/lists/{list}/items/{item}", S, &SITES_READ, sites::item),
    read("GET", "sites/{site}/lists/{list}/items/{item}/fields", S, &SITES_READ, sites::item_fields),
    read("GET", "sites/{site}/lists/{list}/items/{item}/driveItem", S, &SITES_READ, sites::item_drive_item),
    read("GET", "sites/{site}/lists/{list}/items/{item}/driveItem/content", S, &SITES_READ, sites::item_drive_item_content),
    read("GET", "sites/{site}/lists/{list}/drive", S, &SITES_READ, sites::list_drive),
    write("POST", "sites/{site}/lists", S, &SITES_MANAGE, writes::create_list),
    write("POST", "sites/{site}/lists/{list}/columns", S, &SITES_MANAGE, writes::create_column),
    write("POST", "sites/{site}/lists/{list}/items", S, &SITES_WRITE, writes::create_item),
    write("PATCH", "sites/{site}/lists/{list}/items/{item}", S, &SITES_WRITE, writes::update_item),
    write("PATCH", "sites/{site}/lists/{list}/items/{item}/fields", S, &SITES_WRITE, writes::update_fields),
    write("DELETE", "sites/{site}/lists/{list}/items/{item}", S, &SITES_WRITE, writes::delete_item),
    // drives
    read("GET", "drives/{drive}", S, &SITES_READ, drives::drive),
    read("GET", "drives/{drive}/root", S, &SITES_READ, drives::root),
    read("GET", "drives/{drive}/root/children", S, &SITES_READ, drives::root_children),
    read("GET", "drives/{drive}/items/{item}", S, &SITES_READ, drives::item),
    read("GET", "drives/{drive}/items/{item}/children", S, &SITES_READ, drives::item_children),
    read("GET", "drives/{drive}/items/{item}/content", S, &SITES_READ, drives::item_content),
];

/// The values of a route's `{name}` placeholders.
pub type Params = Vec<(&'static str, String)>;

/// The route for a request and the values of its placeholders; 405 when the path is known but
/// not the method, 400 naming the first segment nothing knows otherwise (as Graph answers).
pub fn find(method: &Method, segments: &[String]) -> Result<(&'static Route, Params), GraphError> {
    let mut deepest = 0;
    let mut path_known: Option<Family> = None;
    for route in ROUTES {
        let (matched, params) = match_path(route.path, segments);
        if matched == usize::MAX {
            if route.method == method.as_str() {
                return Ok((route, params));
            }
            path_known = Some(route.family);
        } else {
            deepest = deepest.max(matched);
        }
    }
    if let Some(family) = path_known {
        return Err(match family {
            Family::Directory => GraphError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "Request_BadRequest",
                "The requested method is not allowed on this resource.",
            ),
            Family::Sites => GraphError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "notSupported",
                "The method is not supported on this resource.",
            ),
        });
    }
    let segment = segments.get(deepest).or(segments.last()).map_or("", String::as_str);
    Err(GraphError::new(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        format!("Resource not found for the segment '{segment}'."),
    ))
}

/// `usize::MAX` and the placeholders when `pattern` matches all of `segments`; otherwise how
/// many leading segments it matched.
fn match_path(pattern: &'static str, segments: &[String]) -> (usize, Params) {
    let mut params = Vec::new();
    let parts: Vec<&'static str> = pattern.split('/').collect();
    for (index, part) in parts.iter().enumerate() {
        let Some(segment) = segments.get(index) else { return (index, Vec::new()) };
        match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) => params.push((name, segment.clone())),
            None if part.eq_ignore_ascii_case(segment) => {}
            None => return (index, Vec::new()),
        }
    }
    if parts.len() == segments.len() { (usize::MAX, params) } else { (parts.len(), Vec::new()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(path: &str) -> Vec<String> {
        super::super::path::normalise(path)
    }

    #[test]
    fn literal_routes_win_and_placeholders_are_captured() {
        let (route, params) = find(&Method::GET, &segments("/sites/getAllSites()")).expect("found");
        assert_eq!(route.path, "sites/getAllSites");
        assert!(params.is_empty());
        let (route, params) =
            find(&Method::GET, &segments("/sites/root/lists/Tasks/items/3")).expect("found");
        assert_eq!(route.path, "sites/{site}/lists/{list}/items/{item}");
        assert_eq!(
            params,
            [("site", "root".into()), ("list", "Tasks".into()), ("item", "3".into())]
        );
    }

    #[test]
    fn unknown_paths_and_methods_are_told_apart() {
        let error = find(&Method::PUT, &segments("/applications")).err().expect("found");
        assert_eq!(error.status, StatusCode::METHOD_NOT_ALLOWED);
        let error = find(&Method::GET, &segments("/applications/x/nonsense")).err().expect("found");
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert!(error.message.contains("'nonsense'"), "{}", error.message);
        let error = find(&Method::GET, &segments("/nowhere")).err().expect("found");
        assert!(error.message.contains("'nowhere'"), "{}", error.message);
    }
}
