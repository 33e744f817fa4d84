//! Writes to SharePoint through Graph: which operations exist, what level of access each needs
//! (see `access`), and the one write lock they run under. Lists and columns are created in
//! `lists`, items created, changed and deleted in `items`.
//!
//! A web of a generated large tenant keeps no lists; the first permitted write to one stores that
//! list (`access::materialise`), so writes there behave as anywhere else.

use axum::http::{Method, StatusCode};

use super::super::{Reply, Request, error::GraphError};
use super::{items, lists};
use crate::access::{self, Level};

/// `POST …/lists`, `POST …/lists/{id}/columns`, `POST …/lists/{id}/items`,
/// `PATCH …/items/{id}/fields`, `PATCH …/items/{id}`, `DELETE …/items/{id}` on the web `web_index` of the caller's tenant.
pub(in crate::graph) fn route(
    request: &Request<'_>,
    web_index: usize,
    rest: &[&str],
) -> Result<Reply, GraphError> {
    let mut world = request.shared.world_mut();
    let t = world
        .tenants
        .iter()
        .position(|t| t.id == request.caller.tenant_id)
        .ok_or_else(GraphError::access_denied)?;
    let level = {
        let tenant = &world.tenants[t];
        access::level(&world, &request.caller, tenant, &tenant.webs[web_index])
    };
    if level < Level::Read {
        return Err(GraphError::access_denied());
    }
    let needed = match (&request.method, rest) {
        (&Method::POST, ["lists"] | ["lists", _, "columns"]) => Level::Manage,
        (&Method::POST, ["lists", _, "items"])
        | (&Method::PATCH, ["lists", _, "items", _, "fields"] | ["lists", _, "items", _])
        | (&Method::DELETE, ["lists", _, "items", _]) => Level::Write,
        _ => return Err(not_supported()),
    };
    if level < needed {
        return Err(GraphError::access_denied());
    }
    let tenant = &mut world.tenants[t];
    if let ["lists", list, ..] = rest {
        access::materialise(&mut tenant.webs[web_index], list);
    }
    match rest {
        ["lists"] => lists::create_list(request, tenant, web_index),
        ["lists", list, "columns"] => lists::create_column(request, tenant, web_index, list),
        ["lists", list, "items"] => items::create(request, tenant, web_index, list),
        ["lists", list, "items", id, "fields"] => {
            items::update(request, tenant, web_index, list, id, false)
        }
        ["lists", list, "items", id] if request.method == Method::PATCH => {
            items::update(request, tenant, web_index, list, id, true)
        }
        ["lists", list, "items", id] => items::delete(request, tenant, web_index, list, id),
        _ => Err(not_supported()),
    }
}

/// 405 for a method the resource does not support.
pub(in crate::graph) fn not_supported() -> GraphError {
    GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "notSupported",
        "The method is not supported on this resource.",
    )
}
