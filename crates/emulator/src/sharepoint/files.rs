//! Files through SharePoint REST: `web/GetFolderByServerRelativeUrl('…')/Files`,
//! `web/GetFileByServerRelativeUrl('…')` and its `/$value` (the bytes), and the pre-authenticated
//! download URL Graph hands out (`…/_layouts/15/download.aspx?…&tempauth=…`), which needs no
//! bearer token. See <https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-folders-and-files-with-rest>.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use super::{error, not_found, verbose_form, without_metadata};
use crate::{
    files,
    model::{Item, List, Web},
    state::Shared,
};

/// The library and file a server-relative URL names (`/sites/hr/Shared Documents/Welcome.docx`),
/// or the library alone for a folder URL.
fn resolve<'a>(web: &Web, lists: &'a [List], url: &str) -> Option<(&'a List, Option<&'a Item>)> {
    let prefix = if web.path == "/" { "" } else { web.path.as_str() };
    let relative = url.strip_prefix(prefix).unwrap_or(url).trim_start_matches('/');
    let (library, rest) = relative.split_once('/').unwrap_or((relative, ""));
    let list =
        lists.iter().find(|l| l.drive_id.is_some() && l.name.eq_ignore_ascii_case(library))?;
    if rest.is_empty() {
        return Some((list, None));
    }
    let item =
        list.items.iter().find(|i| files::name(i).is_some_and(|n| n.eq_ignore_ascii_case(rest)))?;
    Some((list, Some(item)))
}

fn file_json(web: &Web, list: &List, item: &Item, site_url: &str) -> Value {
    let name = files::name(item).unwrap_or("file");
    let prefix = if web.path == "/" { "" } else { web.path.as_str() };
    let server_relative = format!("{prefix}/{}/{name}", list.name);
    let unique = files::unique_id(list, item);
    let uri =
        format!("{site_url}/_api/Web/GetFileByServerRelativePath(decodedurl='{server_relative}')");
    let time = |t: time::OffsetDateTime| crate::fields::timestamp(t);
    json!({
        "__metadata": {"id": uri, "uri": uri, "type": "SP.File"},
        "CheckInComment": "",
        "ETag": format!("\"{{{}}},{}\"", unique.to_string().to_ascii_uppercase(), item.version),
        "Exists": true,
        "Length": files::content(list, item).len().to_string(),
        "MajorVersion": item.version,
        "MinorVersion": 0,
        "Name": name,
        "ServerRelativeUrl": server_relative,
        "TimeCreated": time(item.created),
        "TimeLastModified": time(item.modified),
        "Title": item.fields.get("Title").cloned().unwrap_or(Value::Null),
        "UIVersion": item.version * 512,
        "UIVersionLabel": format!("{}.0", item.version),
        "UniqueId": unique,
    })
}

/// `api` (decoded, after `/_api/`) when it is a folder or file operation; `None` otherwise.
pub(super) fn handle(web: &Web, api: &str, verbose: bool, site_url: &str) -> Option<Response> {
    let lower = api.to_ascii_lowercase();
    let (kind, rest) = ["web/getfolderbyserverrelativeurl('", "web/getfilebyserverrelativeurl('"]
        .iter()
        .find_map(|p| lower.starts_with(p).then(|| (*p, &api[p.len()..])))?;
    let (url, after) = rest.split_once("')")?;
    let url = url.replace("''", "'");
    let lists = web.lists();
    let Some((list, item)) = resolve(web, &lists, &url) else {
        return Some(not_found("File Not Found."));
    };
    let reply = |body: Value| {
        let body = if verbose { verbose_form(body) } else { without_metadata(body) };
        Json(body).into_response()
    };
    let folder = kind.contains("folder");
    Some(match (folder, item, after.trim_matches('/').to_ascii_lowercase().as_str()) {
        (true, None, "files") => reply(json!({"value": list
            .items
            .iter()
            .filter(|i| files::name(i).is_some())
            .map(|i| file_json(web, list, i, site_url))
            .collect::<Vec<_>>()})),
        (false, Some(item), "") => reply(file_json(web, list, item, site_url)),
        (false, Some(item), "$value") => bytes(list, item),
        _ => error(
            StatusCode::BAD_REQUEST,
            "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
            "The expression is not valid.",
        ),
    })
}

fn bytes(list: &List, item: &Item) -> Response {
    let mut response = files::content(list, item).into_response();
    let mime = files::mime(files::name(item).unwrap_or_default());
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    response
}

/// `…/_layouts/15/download.aspx?UniqueId=…&tempauth=…`: the bytes, for a valid `tempauth` only.
pub(super) fn download(shared: &Shared, query: Option<&str>) -> Response {
    let denied = || {
        error(
            StatusCode::UNAUTHORIZED,
            "-2147024891, System.UnauthorizedAccessException",
            "Access denied. The download link is invalid or has expired.",
        )
    };
    let tempauth = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("tempauth"))
        .map(|(_, v)| v.into_owned());
    let Some((tenant_id, list_id, item_id)) =
        tempauth.and_then(|t| files::check_download(&shared.key, &t))
    else {
        return denied();
    };
    let world = shared.world();
    let found = world.tenants.iter().find(|t| t.id == tenant_id).and_then(|tenant| {
        let lists = files::web_of_list(tenant, list_id)?.lists();
        let list = lists.iter().find(|l| l.id == list_id)?;
        let item = list.items.iter().find(|i| i.id == item_id)?;
        Some(bytes(list, item))
    });
    found.unwrap_or_else(|| not_found("File Not Found."))
}
