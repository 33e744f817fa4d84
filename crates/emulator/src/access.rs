//! What a caller may do on a site, for Graph and SharePoint REST alike: read, write (items),
//! manage (lists and columns) or full control. It comes from the token's permissions
//! (`Sites.*.All` application roles on either resource, `Sites.*.All` delegated Graph scopes,
//! `AllSites.*` delegated SharePoint scopes) or, for `Sites.Selected`, from the site collection's
//! grant to the app (`read`, `write`, `manage`/`owner`, `fullcontrol`).
//!
//! Least-privileged permissions, per Microsoft's pages: reading items needs `Sites.Read.All`
//! (<https://learn.microsoft.com/graph/api/listitem-get>), creating, updating and deleting items
//! `Sites.ReadWrite.All` (<https://learn.microsoft.com/graph/api/listitem-create>), creating lists
//! and columns `Sites.Manage.All` (<https://learn.microsoft.com/graph/api/list-create>,
//! <https://learn.microsoft.com/graph/api/list-post-columns>); site grants are described at
//! <https://learn.microsoft.com/graph/permissions-selected-overview>.

use uuid::Uuid;

use crate::{
    bearer::Caller,
    model::{Tenant, Web},
    state::World,
};

/// How much a caller may do on a site, in increasing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing.
    None,
    /// Read sites, lists, items and files.
    Read,
    /// Also create, change and delete items.
    Write,
    /// Also create lists and columns.
    Manage,
    /// Everything.
    FullControl,
}

impl Level {
    /// The level a permission value or a site-grant role gives (case-insensitive).
    fn of(permission: &str) -> Self {
        match permission.to_ascii_lowercase().as_str() {
            "sites.read.all" | "allsites.read" | "read" => Level::Read,
            "sites.readwrite.all" | "allsites.write" | "write" => Level::Write,
            "sites.manage.all" | "allsites.manage" | "manage" | "owner" => Level::Manage,
            "sites.fullcontrol.all" | "allsites.fullcontrol" | "fullcontrol" => Level::FullControl,
            _ => Level::None,
        }
    }
}

/// The caller's level on `web` (grants live on the web's site collection and count once they
/// have replicated).
pub fn level(world: &World, caller: &Caller, tenant: &Tenant, web: &Web) -> Level {
    let from_token = caller.permissions.iter().map(|p| Level::of(p)).max().unwrap_or(Level::None);
    let selected = caller.is_app() && caller.has_any(&["Sites.Selected"]);
    let from_grant = if selected {
        grant_roles(world, tenant, web, caller.app_id)
            .iter()
            .map(|r| Level::of(r))
            .max()
            .unwrap_or(Level::None)
    } else {
        Level::None
    };
    from_token.max(from_grant)
}

/// The roles the site collection of `web` grants `app_id`.
fn grant_roles(world: &World, tenant: &Tenant, web: &Web, app_id: Uuid) -> Vec<String> {
    tenant
        .webs
        .iter()
        .filter(|w| w.site_id == web.site_id && w.parent.is_none())
        .flat_map(|w| w.permissions.iter())
        .filter(|p| p.app_id == app_id && world.replicated(p.created))
        .flat_map(|p| p.roles.iter().cloned())
        .collect()
}

/// The id SharePoint's user information list gives "SharePoint App", the author of app-only
/// writes.
pub const SHAREPOINT_APP_LOOKUP_ID: u32 = 1_073_741_822;

/// Who a write is recorded as: the signed-in user (display name and a stable lookup id), or
/// "SharePoint App" for app-only calls.
pub fn actor(tenant: &Tenant, caller: &Caller) -> (String, u32) {
    caller
        .user_id
        .and_then(|id| tenant.users.iter().position(|u| u.id == id))
        .map_or(("SharePoint App".to_owned(), SHAREPOINT_APP_LOOKUP_ID), |index| {
            (tenant.users[index].display_name.clone(), 6 + index as u32)
        })
}

/// A generated web (large tenants) keeps no lists; the first write to one of them stores that
/// list (`reference`: its id, URL name or title), so the change persists and later reads see it.
/// Its other lists stay generated.
pub fn materialise(web: &mut Web, reference: &str) {
    if web.generated.is_some()
        && let Some(std::borrow::Cow::Owned(list)) = web.find_list(reference)
    {
        web.lists.push(list);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_and_parse() {
        assert_eq!(Level::of("Sites.ReadWrite.All"), Level::Write);
        assert_eq!(Level::of("owner"), Level::Manage);
        assert_eq!(Level::of("AllSites.FullControl"), Level::FullControl);
        assert_eq!(Level::of("User.Read"), Level::None);
        assert!(Level::Read < Level::Write && Level::Write < Level::Manage);
    }
}
