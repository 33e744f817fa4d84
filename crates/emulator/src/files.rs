//! Files in document libraries, for Graph (driveItems) and SharePoint REST alike: a file is a
//! library item with a `FileLeafRef` (its name); its bytes are small and derived from the library
//! and item, so they are the same in every run. Downloads go through a pre-authenticated URL
//! (`…/_layouts/15/download.aspx?UniqueId=…&tempauth=…`, valid for an hour), as Graph's
//! `@microsoft.graph.downloadUrl` is
//! (<https://learn.microsoft.com/graph/api/driveitem-get-content>): the `tempauth` here is a
//! token the emulator signs, naming the tenant, library and item.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    keys::SigningKey,
    model::{Item, List, Tenant, Web},
};

/// The audience of download tokens (no API accepts them as bearer tokens).
const DOWNLOAD_AUDIENCE: &str = "urn:spconnect-emulator:download";

/// How long a download URL works.
const DOWNLOAD_LIFETIME: i64 = 3600;

/// The file name of a library item, if it is a file.
pub fn name(item: &Item) -> Option<&str> {
    item.fields.get("FileLeafRef").and_then(Value::as_str)
}

/// The web that holds list `list_id`: a generated web is found from the id itself, any other
/// by its stored lists.
pub fn web_of_list(tenant: &Tenant, list_id: Uuid) -> Option<&Web> {
    let generated = crate::seed::decode_generated_list(list_id).and_then(|(index, _)| {
        tenant.webs.iter().find(|w| w.generated.is_some_and(|g| g.index == index))
    });
    // A generated web that was written to stores its lists like any other.
    generated.or_else(|| tenant.webs.iter().find(|w| w.lists.iter().any(|l| l.id == list_id)))
}

/// The file's bytes: a short text naming the file, library and item.
pub fn content(list: &List, item: &Item) -> Vec<u8> {
    let name = name(item).unwrap_or("file");
    format!(
        "{name}\nSeeded by the spconnect tenant emulator: item {} of '{}'.\n",
        item.id, list.display_name
    )
    .into_bytes()
}

/// The file's unique id (SharePoint's `UniqueId`).
pub fn unique_id(list: &List, item: &Item) -> Uuid {
    crate::seed::seeded_id(&format!("file:{}:{}", list.id, item.id))
}

/// The MIME type of a file name.
pub fn mime(name: &str) -> &'static str {
    match name.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("pptx") => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Some("pdf") => "application/pdf",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

/// The pre-authenticated download URL of a file; `site_url` is the web's absolute URL. A signing
/// failure is an error, never a link without its token.
pub fn download_url(
    key: &SigningKey,
    tenant: Uuid,
    site_url: &str,
    list: &List,
    item: &Item,
) -> Result<String, crate::keys::KeyError> {
    let now = crate::state::now().unix_timestamp();
    let token = key.sign(&json!({
        "aud": DOWNLOAD_AUDIENCE, "tid": tenant, "list": list.id, "item": item.id,
        "nbf": now, "exp": now + DOWNLOAD_LIFETIME,
    }))?;
    Ok(format!(
        "{site_url}/_layouts/15/download.aspx?UniqueId={}&Translate=false&tempauth={token}&ApiVersion=2.0",
        unique_id(list, item)
    ))
}

/// What a valid `tempauth` grants: (tenant, library, item).
pub fn check_download(key: &SigningKey, tempauth: &str) -> Option<(Uuid, Uuid, u32)> {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_audience(&[DOWNLOAD_AUDIENCE]);
    validation.leeway = 0;
    let claims =
        jsonwebtoken::decode::<Value>(tempauth, key.decoding_key(), &validation).ok()?.claims;
    let uuid =
        |name: &str| claims.get(name).and_then(Value::as_str).and_then(|v| Uuid::parse_str(v).ok());
    let item = claims.get("item").and_then(Value::as_u64).and_then(|v| u32::try_from(v).ok())?;
    Some((uuid("tid")?, uuid("list")?, item))
}
