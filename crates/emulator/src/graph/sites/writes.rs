//! Writes to SharePoint through Graph, as route-table operations: each checks the level of access
//! it needs on the site (see `access`: a `read` site grant reads, `write` changes items, `manage`
//! or more creates lists and columns) and runs under the one write guard the table gives it. Lists
//! and columns are created in `lists`, items created, changed and deleted in `items`.
//!
//! A web of a generated large tenant keeps no lists; the first permitted write to one stores that
//! list (`access::materialise`), so writes there behave as anywhere else.

use super::super::{Reply, Request, error::GraphError};
use super::{items, lists};
use crate::{
    access::{self, Level},
    state::World,
};

/// The tenant and web indexes of `{site}`, once the caller holds `needed` there; the list
/// `{list}` (if the route has one) is stored first when its web is generated.
fn permitted(
    request: &Request<'_>,
    world: &mut World,
    needed: Level,
) -> Result<(usize, usize), GraphError> {
    let (t, web) = super::site_index(request, world)?;
    let level =
        access::level(world, &request.caller, &world.tenants[t], &world.tenants[t].webs[web]);
    if level < needed {
        return Err(GraphError::access_denied());
    }
    let list = request.param("list");
    if !list.is_empty() {
        access::materialise(&mut world.tenants[t].webs[web], list);
    }
    Ok((t, web))
}

/// `POST /sites/{site}/lists`, with its columns.
pub fn create_list(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, web) = permitted(request, world, Level::Manage)?;
    lists::create_list(request, &mut world.tenants[t], web)
}

/// `POST /sites/{site}/lists/{list}/columns`.
pub fn create_column(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, web) = permitted(request, world, Level::Manage)?;
    lists::create_column(request, &mut world.tenants[t], web, request.param("list"))
}

/// `POST /sites/{site}/lists/{list}/items` with `fields`.
pub fn create_item(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, web) = permitted(request, world, Level::Write)?;
    items::create(request, &mut world.tenants[t], web, request.param("list"))
}

/// `PATCH /sites/{site}/lists/{list}/items/{item}/fields`: answers the fields.
pub fn update_fields(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, web) = permitted(request, world, Level::Write)?;
    let (list, item) = (request.param("list"), request.param("item"));
    items::update(request, &mut world.tenants[t], web, list, item, false)
}

/// `PATCH /sites/{site}/lists/{list}/items/{item}` with `fields`: answers the whole item.
pub fn update_item(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, web) = permitted(request, world, Level::Write)?;
    let (list, item) = (request.param("list"), request.param("item"));
    items::update(request, &mut world.tenants[t], web, list, item, true)
}

/// `DELETE /sites/{site}/lists/{list}/items/{item}`.
pub fn delete_item(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, web) = permitted(request, world, Level::Write)?;
    let (list, item) = (request.param("list"), request.param("item"));
    items::delete(request, &mut world.tenants[t], web, list, item)
}
