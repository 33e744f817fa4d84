//! Applications, service principals, app role assignments and deleted items (reference §2.3–§2.7).

use axum::http::{Method, StatusCode};
use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

use super::{Reply, Request, error::GraphError, odata};
use crate::{
    keys::Certificate,
    model::{
        AppRoleAssignment, Application, DirectoryRole, KeyCredential, Permission, ServicePrincipal,
        Tenant,
    },
    resources::{GRAPH_APP_ID, PROOF_AUDIENCE},
    state::now,
};

const READ: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const WRITE: &[&str] = &["Application.ReadWrite.All", "Application.ReadWrite.OwnedBy"];
const ASSIGN: &[&str] = &["AppRoleAssignment.ReadWrite.All"];
/// The properties of an application a client may set (Graph's `microsoft.graph.application`).
const APPLICATION_PROPERTIES: &[&str] = &[
    "displayName",
    "description",
    "notes",
    "signInAudience",
    "requiredResourceAccess",
    "keyCredentials",
    "publicClient",
    "web",
    "spa",
    "isFallbackPublicClient",
    "uniqueName",
    "tags",
    "identifierUris",
    "api",
    "appRoles",
    "info",
    "optionalClaims",
    "groupMembershipClaims",
    "serviceManagementReference",
];

fn time_text(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// How an application or service principal is addressed.
enum Key {
    Id(String),
    AppId(String),
    UniqueName(String),
}

impl Key {
    /// The key's value as the request gave it.
    fn text(&self) -> &str {
        match self {
            Key::Id(v) | Key::AppId(v) | Key::UniqueName(v) => v,
        }
    }
}

/// Whether an upsert may create the object (`Prefer: create-if-missing`).
fn create_if_missing(request: &Request<'_>) -> bool {
    request.header("prefer").is_some_and(|p| p.to_ascii_lowercase().contains("create-if-missing"))
}

fn parse_key(segment: &str, next: Option<&str>) -> Option<(Key, usize)> {
    if let Some(inner) = segment.split_once('(').and_then(|(_, rest)| rest.strip_suffix(')')) {
        let (name, value) = inner.split_once('=')?;
        let value = value.trim_matches('\'').to_owned();
        return match name {
            "appId" => Some((Key::AppId(value), 1)),
            "uniqueName" => Some((Key::UniqueName(value), 1)),
            _ => None,
        };
    }
    next.map(|id| (Key::Id(id.to_owned()), 2))
}

fn require(request: &Request<'_>, any: &[&str]) -> Result<(), GraphError> {
    if request.caller.has_any(any) { Ok(()) } else { Err(GraphError::directory_denied()) }
}

pub fn route(request: &Request<'_>) -> Result<Reply, GraphError> {
    let segments: Vec<&str> = request.segments.iter().map(String::as_str).collect();
    match segments.first().copied().unwrap_or_default() {
        s if s.starts_with("applications") => applications(request, &segments),
        s if s.starts_with("servicePrincipals") => service_principals(request, &segments),
        _ => deleted_items(request, &segments),
    }
}

fn tenant_index(request: &Request<'_>) -> Result<usize, GraphError> {
    request
        .shared
        .world()
        .tenants
        .iter()
        .position(|t| t.id == request.caller.tenant_id)
        .ok_or_else(GraphError::directory_denied)
}

fn applications(request: &Request<'_>, segments: &[&str]) -> Result<Reply, GraphError> {
    let t = tenant_index(request)?;
    if segments.len() == 1 && !segments[0].contains('(') {
        return match request.method {
            Method::GET => {
                require(request, READ)?;
                let world = request.shared.world();
                let tenant = &world.tenants[t];
                let items = tenant
                    .applications
                    .iter()
                    .filter(|a| a.deleted.is_none())
                    .map(|a| application_json(a, tenant, false));
                filtered_page(request, items, "applications")
            }
            Method::POST => {
                require(request, WRITE)?;
                let body = request.body_object()?;
                let mut app = new_application(request, t)?;
                apply_application(&mut app, body)?;
                if app.display_name.is_empty() {
                    return Err(bad("Property 'displayName' is required."));
                }
                let mut world = request.shared.world_mut();
                let json = created_json(request, &app, &world.tenants[t]);
                world.tenants[t].applications.push(app);
                Ok(Reply::created(json))
            }
            _ => Err(method_not_allowed()),
        };
    }
    let (key, used) =
        parse_key(segments[0], segments.get(1).copied()).ok_or_else(|| bad("Invalid key."))?;
    let rest = &segments[used..];
    let found = {
        let world = request.shared.world();
        world.tenants[t].applications.iter().position(|a| {
            a.deleted.is_none()
                && (matches!(key, Key::UniqueName(_)) || world.replicated(a.created))
                && match &key {
                    Key::Id(id) => a.id.to_string().eq_ignore_ascii_case(id),
                    Key::AppId(id) => a.app_id.to_string().eq_ignore_ascii_case(id),
                    Key::UniqueName(name) => a.unique_name.as_deref() == Some(name.as_str()),
                }
        })
    };
    let key_text = key.text().to_owned();
    match (rest, request.method.clone(), found) {
        ([], Method::PATCH, None) if matches!(key, Key::UniqueName(_)) => {
            require(request, WRITE)?;
            if !create_if_missing(request) {
                return Err(GraphError::resource_not_found(&key_text));
            }
            let mut app = new_application(request, t)?;
            app.unique_name = Some(key_text);
            apply_application(&mut app, request.body_object()?)?;
            let mut world = request.shared.world_mut();
            let json = created_json(request, &app, &world.tenants[t]);
            world.tenants[t].applications.push(app);
            Ok(Reply::created(json))
        }
        (_, _, None) => Err(GraphError::resource_not_found(&key_text)),
        ([], Method::GET, Some(i)) => {
            require(request, READ)?;
            let world = request.shared.world();
            let with_keys = request.query.selects("keyCredentials");
            let mut json =
                application_json(&world.tenants[t].applications[i], &world.tenants[t], with_keys);
            json["@odata.context"] = json!(request.context("applications/$entity"));
            if let Some(select) = &request.query.select {
                odata::apply_select(&mut json, select);
            }
            Ok(Reply::ok(json))
        }
        ([], Method::PATCH, Some(i)) => {
            may_change(request, t, i)?;
            let body = request.body_object()?.clone();
            let mut world = request.shared.world_mut();
            let mut app = world.tenants[t].applications[i].clone();
            if body.contains_key("uniqueName") && app.unique_name.is_some() {
                return Err(bad("Property 'uniqueName' is read-only once set."));
            }
            apply_application(&mut app, &body)?;
            world.tenants[t].applications[i] = app;
            Ok(Reply::no_content())
        }
        ([], Method::DELETE, Some(i)) => {
            may_change(request, t, i)?;
            request.shared.world_mut().tenants[t].applications[i].deleted = Some(now());
            Ok(Reply::no_content())
        }
        ([action], Method::POST, Some(i)) => match action.trim_start_matches("microsoft.graph.") {
            "addKey" => add_key(request, t, i),
            "removeKey" => remove_key(request, t, i),
            "addPassword" => add_password(request, t, i),
            "removePassword" => remove_password(request, t, i),
            _ => Err(method_not_allowed()),
        },
        _ => Err(method_not_allowed()),
    }
}

/// A page of a directory collection, filtered by `$filter`.
fn filtered_page(
    request: &Request<'_>,
    items: impl Iterator<Item = Value>,
    context: &str,
) -> Result<Reply, GraphError> {
    let query = &request.query;
    let unsupported = |message: String| {
        GraphError::new(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    };
    if let Some(top) = query.top
        && !(1..=999).contains(&top)
    {
        return Err(unsupported(format!(
            "Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive."
        )));
    }
    // Advanced queries on directory objects need `ConsistencyLevel: eventual` (reference §3.6).
    let eventual =
        request.header("consistencylevel").is_some_and(|v| v.eq_ignore_ascii_case("eventual"));
    let advanced = query.search.is_some() || query.count;
    if advanced && !eventual {
        return Err(unsupported(
            "$search and $count on directory objects need the header 'ConsistencyLevel: eventual'."
                .into(),
        ));
    }
    let search = match query.search.as_deref() {
        Some(text) => {
            let (property, value) = text.split_once(':').ok_or_else(|| {
                unsupported(format!("Invalid $search '{text}': use \"property:text\"."))
            })?;
            Some((property.to_owned(), value.to_ascii_lowercase()))
        }
        None => None,
    };
    let filter = query.filter.as_deref().map(odata::Filter::parse).transpose()?;
    let mut items: Vec<Value> = items
        .filter(|v| filter.as_ref().is_none_or(|f| f.matches(v)))
        .filter(|v| {
            search.as_ref().is_none_or(|(property, text)| {
                v[property.as_str()].as_str().is_some_and(|s| s.to_ascii_lowercase().contains(text))
            })
        })
        .collect();
    if let Some(order) = &query.orderby {
        let (property, descending) = match order.split_once(' ') {
            Some((p, direction)) if direction.eq_ignore_ascii_case("desc") => (p, true),
            Some((p, direction)) if direction.eq_ignore_ascii_case("asc") => (p, false),
            None => (order.as_str(), false),
            Some(_) => return Err(unsupported(format!("Invalid $orderby '{order}'."))),
        };
        items.sort_by(|a, b| {
            let key = |v: &Value| v[property].as_str().unwrap_or_default().to_ascii_lowercase();
            if descending { key(b).cmp(&key(a)) } else { key(a).cmp(&key(b)) }
        });
    }
    let total = items.len();
    let mut body = odata::page(items, query, &request.context(context), &request.url, 100);
    if query.count {
        body["@odata.count"] = serde_json::json!(total);
    }
    Ok(Reply::ok(body))
}

fn new_application(request: &Request<'_>, t: usize) -> Result<Application, GraphError> {
    let world = request.shared.world();
    Ok(Application {
        id: Uuid::new_v4(),
        app_id: Uuid::new_v4(),
        display_name: String::new(),
        unique_name: None,
        sign_in_audience: "AzureADMyOrg".into(),
        public_client_redirect_uris: Vec::new(),
        web_redirect_uris: Vec::new(),
        is_fallback_public_client: false,
        key_credentials: Vec::new(),
        password_credentials: Vec::new(),
        required_resource_access: json!([]),
        extra: Map::new(),
        created: now(),
        deleted: None,
        owner_tenant: world.tenants[t].id,
        owners: caller_principal(request, &world.tenants[t]).into_iter().collect(),
    })
}

fn created_json(request: &Request<'_>, app: &Application, tenant: &Tenant) -> Value {
    let mut json = application_json(app, tenant, false);
    json["@odata.context"] = json!(request.context("applications/$entity"));
    json
}

fn bad(message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
}

fn method_not_allowed() -> GraphError {
    GraphError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "The requested method is not allowed on this resource.",
    )
}

fn string_list(value: &Value, property: &str) -> Result<Vec<String>, GraphError> {
    value
        .as_array()
        .ok_or_else(|| bad(format!("Invalid value specified for property '{property}'.")))?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| bad(format!("Invalid value specified for property '{property}'.")))
        })
        .collect()
}

/// Applies a create or update body to an application.
fn apply_application(app: &mut Application, body: &Map<String, Value>) -> Result<(), GraphError> {
    for (name, value) in body {
        if name.starts_with('@') {
            continue;
        }
        if !APPLICATION_PROPERTIES.contains(&name.as_str()) {
            return Err(bad(format!(
                "Property '{name}' does not exist on type 'microsoft.graph.application'."
            )));
        }
        match name.as_str() {
            "displayName" => {
                app.display_name = value
                    .as_str()
                    .ok_or_else(|| bad("Invalid value specified for property 'displayName'."))?
                    .to_owned()
            }
            "signInAudience" => {
                let audience = value.as_str().unwrap_or_default();
                if !matches!(
                    audience,
                    "AzureADMyOrg"
                        | "AzureADMultipleOrgs"
                        | "AzureADandPersonalMicrosoftAccount"
                        | "PersonalMicrosoftAccount"
                ) {
                    return Err(bad(
                        "Invalid value specified for property 'signInAudience' of resource 'Application'.",
                    ));
                }
                audience.clone_into(&mut app.sign_in_audience);
            }
            "isFallbackPublicClient" => {
                app.is_fallback_public_client = value.as_bool().unwrap_or(false)
            }
            "uniqueName" => app.unique_name = value.as_str().map(str::to_owned),
            "requiredResourceAccess" => {
                let valid = value.as_array().is_some_and(|list| {
                    list.iter().all(|r| {
                        r["resourceAppId"].is_string()
                            && r["resourceAccess"].as_array().is_some_and(|a| {
                                a.iter().all(|x| {
                                    x["id"].is_string()
                                        && matches!(x["type"].as_str(), Some("Role" | "Scope"))
                                })
                            })
                    })
                });
                if !valid {
                    return Err(bad(
                        "Invalid value specified for property 'requiredResourceAccess' of resource 'Application'.",
                    ));
                }
                app.required_resource_access = value.clone();
            }
            "publicClient" => {
                app.public_client_redirect_uris =
                    string_list(&value["redirectUris"], "publicClient.redirectUris")?
            }
            "web" => {
                if let Some(uris) = value.get("redirectUris") {
                    app.web_redirect_uris = string_list(uris, "web.redirectUris")?;
                }
                app.extra.insert(name.clone(), value.clone());
            }
            "keyCredentials" => {
                let list = value
                    .as_array()
                    .ok_or_else(|| bad("Invalid value specified for property 'keyCredentials'."))?;
                let previous = std::mem::take(&mut app.key_credentials);
                for entry in list {
                    app.key_credentials.push(key_credential(entry, &previous)?);
                }
            }
            _ => {
                app.extra.insert(name.clone(), value.clone());
            }
        }
    }
    for uri in &app.public_client_redirect_uris {
        let ok = url::Url::parse(uri).is_ok_and(|u| {
            u.scheme() == "https"
                || (u.scheme() == "http" && matches!(u.host_str(), Some("localhost" | "127.0.0.1")))
                || !matches!(u.scheme(), "http" | "https")
        });
        if !ok {
            return Err(bad(format!(
                "Invalid value specified for property 'redirectUris': '{uri}'. http is allowed only for localhost."
            )));
        }
    }
    Ok(())
}

fn parse_time(value: &Value, property: &str) -> Result<Option<OffsetDateTime>, GraphError> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => OffsetDateTime::parse(text, &Rfc3339).map(Some).map_err(|_| {
            bad(format!(
                "Invalid value specified for property '{property}' of resource 'KeyCredential'."
            ))
        }),
        _ => Err(bad(format!(
            "Invalid value specified for property '{property}' of resource 'KeyCredential'."
        ))),
    }
}

fn key_credential(entry: &Value, previous: &[KeyCredential]) -> Result<KeyCredential, GraphError> {
    let key_id = entry["keyId"].as_str().and_then(|k| Uuid::parse_str(k).ok());
    let existing = key_id.and_then(|id| previous.iter().find(|k| k.key_id == id));
    let der = match entry["key"].as_str() {
        Some(encoded) => STANDARD.decode(encoded).map_err(|_| {
            bad("Invalid value specified for property 'key' of resource 'KeyCredential'.")
        })?,
        None => existing
            .map(|k| k.der.clone())
            .ok_or_else(|| bad("Property 'key' is required for a new key credential."))?,
    };
    let certificate = Certificate::from_der(&der).map_err(|_| bad("Key credential key is invalid. The value must be a base64-encoded X.509 certificate (public part only)."))?;
    let key_type = entry["type"].as_str().unwrap_or("AsymmetricX509Cert");
    let usage = entry["usage"].as_str().unwrap_or("Verify");
    if key_type != "AsymmetricX509Cert" || !matches!(usage, "Verify" | "Sign") {
        return Err(bad(
            "Invalid value specified for property 'type' or 'usage' of resource 'KeyCredential'.",
        ));
    }
    let start =
        parse_time(&entry["startDateTime"], "startDateTime")?.unwrap_or(certificate.not_before);
    let end = parse_time(&entry["endDateTime"], "endDateTime")?.unwrap_or(certificate.not_after);
    if end <= start
        || end > certificate.not_after + time::Duration::days(1)
        || start + time::Duration::days(1) < certificate.not_before
    {
        return Err(bad(
            "Key credential end date is invalid: keep startDateTime and endDateTime inside the certificate's validity.",
        ));
    }
    Ok(KeyCredential {
        key_id: key_id.unwrap_or_else(Uuid::new_v4),
        display_name: entry["displayName"].as_str().map(str::to_owned),
        der,
        custom_key_identifier: Some(entry["customKeyIdentifier"].as_str().map_or_else(
            || STANDARD.encode(hex_bytes(&certificate.thumbprint_hex)),
            str::to_owned,
        )),
        start,
        end,
        key_type: key_type.into(),
        usage: usage.into(),
    })
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2).filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()).collect()
}

fn key_json(key: &KeyCredential, with_key: bool) -> Value {
    json!({
        "customKeyIdentifier": key.custom_key_identifier,
        "displayName": key.display_name,
        "endDateTime": time_text(key.end),
        "key": if with_key { json!(STANDARD.encode(&key.der)) } else { Value::Null },
        "keyId": key.key_id,
        "startDateTime": time_text(key.start),
        "type": key.key_type,
        "usage": key.usage,
    })
}

/// An application as Graph returns it.
pub fn application_json(app: &Application, tenant: &Tenant, with_keys: bool) -> Value {
    let mut json = json!({
        "id": app.id,
        "deletedDateTime": app.deleted.map(time_text),
        "appId": app.app_id,
        "applicationTemplateId": null,
        "disabledByMicrosoftStatus": null,
        "createdDateTime": time_text(app.created),
        "displayName": app.display_name,
        "description": null,
        "groupMembershipClaims": null,
        "identifierUris": [],
        "isDeviceOnlyAuthSupported": null,
        "isFallbackPublicClient": app.is_fallback_public_client,
        "notes": null,
        "publisherDomain": tenant.domain,
        "serviceManagementReference": null,
        "signInAudience": app.sign_in_audience,
        "tags": [],
        "tokenEncryptionKeyId": null,
        "uniqueName": app.unique_name,
        "defaultRedirectUri": null,
        "certification": null,
        "optionalClaims": null,
        "addIns": [],
        "api": {"acceptMappedClaims": null, "knownClientApplications": [], "requestedAccessTokenVersion": null, "oauth2PermissionScopes": [], "preAuthorizedApplications": []},
        "appRoles": [],
        "info": {"logoUrl": null, "marketingUrl": null, "privacyStatementUrl": null, "supportUrl": null, "termsOfServiceUrl": null},
        "keyCredentials": app.key_credentials.iter().map(|k| key_json(k, with_keys)).collect::<Vec<_>>(),
        "parentalControlSettings": {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"},
        "passwordCredentials": app.password_credentials.iter().map(|p| json!({
            "customKeyIdentifier": null, "displayName": p.display_name, "endDateTime": time_text(p.end), "hint": p.secret.chars().take(3).collect::<String>(),
            "keyId": p.key_id, "secretText": null, "startDateTime": time_text(p.start),
        })).collect::<Vec<_>>(),
        "publicClient": {"redirectUris": app.public_client_redirect_uris},
        "requiredResourceAccess": app.required_resource_access,
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null},
        "web": {"homePageUrl": null, "logoutUrl": null, "redirectUris": app.web_redirect_uris, "implicitGrantSettings": {"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false}, "redirectUriSettings": []},
        "spa": {"redirectUris": []},
    });
    for (name, value) in &app.extra {
        if name != "web" {
            json[name] = value.clone();
        }
    }
    json
}

/// `addKey`: adds a certificate, proven by a JWT signed with an existing valid certificate.
fn add_key(request: &Request<'_>, t: usize, i: usize) -> Result<Reply, GraphError> {
    let body = request.body_object()?;
    let app = request.shared.world().tenants[t].applications[i].clone();
    self_or_writer(request, t, i, &app)?;
    verify_proof(&app, body.get("proof").and_then(Value::as_str).unwrap_or_default())?;
    let new_key = key_credential(body.get("keyCredential").unwrap_or(&Value::Null), &[])?;
    let json = key_json(&new_key, false);
    let mut json = json;
    json["@odata.context"] = json!(request.context("microsoft.graph.keyCredential"));
    request.shared.world_mut().tenants[t].applications[i].key_credentials.push(new_key);
    Ok(Reply::ok(json))
}

/// `addPassword`: a client secret, generated here and returned once in `secretText`.
fn add_password(request: &Request<'_>, t: usize, i: usize) -> Result<Reply, GraphError> {
    may_change(request, t, i)?;
    let body = request.body_object()?;
    let given = body.get("passwordCredential").and_then(Value::as_object);
    let display_name =
        given.and_then(|p| p.get("displayName")).and_then(Value::as_str).map(str::to_owned);
    let start = now();
    let end = match given.and_then(|p| p.get("endDateTime")) {
        Some(value) => {
            parse_time(value, "endDateTime")?.unwrap_or(start + time::Duration::days(730))
        }
        None => start + time::Duration::days(730),
    };
    if end <= start {
        return Err(bad(
            "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.",
        ));
    }
    let random = crate::state::random_token(30);
    let secret = format!("{}8Q~{}", &random[..3], &random[3..37]);
    let credential = crate::model::PasswordCredential {
        key_id: Uuid::new_v4(),
        secret: secret.clone(),
        display_name: display_name.clone(),
        start,
        end,
    };
    let json = json!({
        "@odata.context": request.context("microsoft.graph.passwordCredential"),
        "customKeyIdentifier": null,
        "displayName": display_name,
        "endDateTime": time_text(end),
        "hint": &secret[..3],
        "keyId": credential.key_id,
        "secretText": secret,
        "startDateTime": time_text(start),
    });
    request.shared.world_mut().tenants[t].applications[i].password_credentials.push(credential);
    Ok(Reply::ok(json))
}

/// `removePassword`.
fn remove_password(request: &Request<'_>, t: usize, i: usize) -> Result<Reply, GraphError> {
    may_change(request, t, i)?;
    let key_id = key_id(request.body_object()?)?;
    let mut world = request.shared.world_mut();
    let secrets = &mut world.tenants[t].applications[i].password_credentials;
    remove_credential(secrets, |p| p.key_id, key_id)
}

/// `removeKey`.
fn remove_key(request: &Request<'_>, t: usize, i: usize) -> Result<Reply, GraphError> {
    let body = request.body_object()?;
    let app = request.shared.world().tenants[t].applications[i].clone();
    self_or_writer(request, t, i, &app)?;
    verify_proof(&app, body.get("proof").and_then(Value::as_str).unwrap_or_default())?;
    let key_id = key_id(body)?;
    let mut world = request.shared.world_mut();
    let keys = &mut world.tenants[t].applications[i].key_credentials;
    remove_credential(keys, |k| k.key_id, key_id)
}

/// The `keyId` of a removeKey/removePassword body.
fn key_id(body: &Map<String, Value>) -> Result<Uuid, GraphError> {
    body.get("keyId")
        .and_then(Value::as_str)
        .and_then(|k| Uuid::parse_str(k).ok())
        .ok_or_else(|| bad("Property 'keyId' is required."))
}

/// Removes the credential with `key_id`, or answers 404.
fn remove_credential<T>(
    list: &mut Vec<T>,
    id_of: impl Fn(&T) -> Uuid,
    key_id: Uuid,
) -> Result<Reply, GraphError> {
    let before = list.len();
    list.retain(|c| id_of(c) != key_id);
    if list.len() == before {
        return Err(GraphError::resource_not_found(&key_id.to_string()));
    }
    Ok(Reply::no_content())
}

fn self_or_writer(
    request: &Request<'_>,
    t: usize,
    i: usize,
    app: &Application,
) -> Result<(), GraphError> {
    if request.caller.is_app() && request.caller.app_id == app.app_id {
        return Ok(());
    }
    may_change(request, t, i)
}

/// The caller as a directory principal: the signed-in user, or the calling app's service principal.
fn caller_principal(request: &Request<'_>, tenant: &Tenant) -> Option<Uuid> {
    request
        .caller
        .user_id
        .or_else(|| tenant.service_principal_by_app_id(request.caller.app_id).map(|sp| sp.id))
}

/// Whether the caller may change application `i`: a delegated caller must own it or hold Global
/// Administrator or Cloud Application Administrator; an app needs `Application.ReadWrite.All`, or
/// `Application.ReadWrite.OwnedBy` for an application it owns.
fn may_change(request: &Request<'_>, t: usize, i: usize) -> Result<(), GraphError> {
    let world = request.shared.world();
    let tenant = &world.tenants[t];
    let app = &tenant.applications[i];
    let caller = &request.caller;
    let owner = caller_principal(request, tenant).is_some_and(|p| app.owners.contains(&p));
    let allowed = match caller.user_id {
        Some(user) => {
            caller.has_any(&["Application.ReadWrite.All"])
                && (owner || has_app_admin_role(tenant, user))
        }
        None => {
            caller.has_any(&["Application.ReadWrite.All"])
                || (caller.has_any(&["Application.ReadWrite.OwnedBy"]) && owner)
        }
    };
    if allowed { Ok(()) } else { Err(GraphError::directory_denied()) }
}

fn has_app_admin_role(tenant: &Tenant, user: Uuid) -> bool {
    tenant.user(user).is_some_and(|u| {
        u.roles.iter().any(|r| {
            matches!(
                r,
                DirectoryRole::GlobalAdministrator | DirectoryRole::CloudApplicationAdministrator
            )
        })
    })
}

/// Restoring or purging deleted applications needs an administrator role for delegated callers.
fn require_restorer(request: &Request<'_>, t: usize) -> Result<(), GraphError> {
    require(request, &["Application.ReadWrite.All"])?;
    match request.caller.user_id {
        Some(user) if !has_app_admin_role(&request.shared.world().tenants[t], user) => {
            Err(GraphError::directory_denied())
        }
        _ => Ok(()),
    }
}

fn verify_proof(app: &Application, proof: &str) -> Result<(), GraphError> {
    let invalid =
        || bad("Authentication_MissingOrMalformed: the proof of possession token is invalid.");
    if proof.is_empty() {
        return Err(invalid());
    }
    let header = jsonwebtoken::decode_header(proof).map_err(|_| invalid())?;
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[PROOF_AUDIENCE]);
    validation.set_issuer(&[app.id.to_string()]);
    validation.leeway = 300;
    // `exp` is checked on the emulator's clock, not the system's.
    validation.validate_exp = false;
    let current = now();
    let on_time = |claims: &Value| {
        claims.get("exp").and_then(Value::as_f64).is_some_and(|exp| {
            current.unix_timestamp() <= exp.floor() as i64 + validation.leeway as i64
        })
    };
    let valid =
        app.key_credentials.iter().filter(|k| k.start <= current && current <= k.end).any(|key| {
            matches!(header.alg, Algorithm::RS256 | Algorithm::PS256)
                && Certificate::from_der(&key.der).is_ok_and(|cert| {
                    jsonwebtoken::decode::<Value>(proof, &cert.decoding_key, &validation)
                        .is_ok_and(|data| on_time(&data.claims))
                })
        });
    if valid { Ok(()) } else { Err(invalid()) }
}

// ---- service principals -------------------------------------------------------------------

fn service_principals(request: &Request<'_>, segments: &[&str]) -> Result<Reply, GraphError> {
    let t = tenant_index(request)?;
    if segments.len() == 1 && !segments[0].contains('(') {
        return match request.method {
            Method::GET => {
                require(request, READ)?;
                let world = request.shared.world();
                let items = world.tenants[t]
                    .service_principals
                    .iter()
                    .filter(|sp| sp.deleted.is_none())
                    .map(service_principal_json);
                filtered_page(request, items, "servicePrincipals")
            }
            Method::POST => {
                require(request, WRITE)?;
                let app_id = request
                    .body_object()?
                    .get("appId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                create_service_principal(request, t, &app_id).map(Reply::created)
            }
            _ => Err(method_not_allowed()),
        };
    }
    let (key, used) =
        parse_key(segments[0], segments.get(1).copied()).ok_or_else(|| bad("Invalid key."))?;
    let rest = &segments[used..];
    let key_text = key.text().to_owned();
    let world = request.shared.world();
    let found = world.tenants[t].service_principals.iter().position(|sp| {
        sp.deleted.is_none()
            && world.replicated(sp.created)
            && match &key {
                Key::Id(id) => sp.id.to_string().eq_ignore_ascii_case(id),
                Key::AppId(id) => sp.app_id.to_string().eq_ignore_ascii_case(id),
                Key::UniqueName(_) => false,
            }
    });
    drop(world);
    match (rest, request.method.clone(), found) {
        ([], Method::PATCH, None) if matches!(key, Key::AppId(_)) => {
            require(request, WRITE)?;
            if !create_if_missing(request) {
                return Err(GraphError::resource_not_found(&key_text));
            }
            create_service_principal(request, t, &key_text).map(Reply::created)
        }
        (_, _, None) => Err(GraphError::resource_not_found(&key_text)),
        ([], Method::GET, Some(i)) => {
            require(request, READ)?;
            let mut json =
                service_principal_json(&request.shared.world().tenants[t].service_principals[i]);
            json["@odata.context"] = json!(request.context("servicePrincipals/$entity"));
            if let Some(select) = &request.query.select {
                odata::apply_select(&mut json, select);
            }
            Ok(Reply::ok(json))
        }
        ([], Method::PATCH, Some(_)) => {
            require(request, WRITE)?;
            Ok(Reply::no_content())
        }
        ([], Method::DELETE, Some(i)) => {
            require(request, WRITE)?;
            request.shared.world_mut().tenants[t].service_principals[i].deleted = Some(now());
            Ok(Reply::no_content())
        }
        (["appRoleAssignedTo", ..], _, Some(i)) => assignments(request, t, i, &rest[1..], true),
        (["appRoleAssignments", ..], _, Some(i)) => assignments(request, t, i, &rest[1..], false),
        _ => Err(method_not_allowed()),
    }
}

fn create_service_principal(
    request: &Request<'_>,
    t: usize,
    app_id: &str,
) -> Result<Value, GraphError> {
    let invalid = || {
        bad(format!(
            "The appId '{app_id}' of the service principal does not reference a valid application object."
        ))
    };
    let app_uuid = Uuid::parse_str(app_id).map_err(|_| invalid())?;
    let mut world = request.shared.world_mut();
    let tenant_id = world.tenants[t].id;
    let app = world
        .tenants
        .iter()
        .flat_map(|tenant| tenant.applications.iter())
        .chain(world.external_apps.iter())
        .find(|a| {
            a.app_id == app_uuid
                && a.deleted.is_none()
                && world.replicated(a.created)
                && (a.owner_tenant == tenant_id || a.sign_in_audience != "AzureADMyOrg")
        })
        .cloned()
        .ok_or_else(invalid)?;
    if world.tenants[t].service_principal_by_app_id(app_uuid).is_some() {
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_MultipleObjectsWithSameKeyValue",
            "Another object with the same value for property servicePrincipalNames already exists.",
        ));
    }
    let sp = ServicePrincipal {
        id: Uuid::new_v4(),
        app_id: app_uuid,
        display_name: app.display_name.clone(),
        app_owner_tenant: app.owner_tenant,
        app_roles: Vec::new(),
        scopes: Vec::new(),
        names: vec![app_uuid.to_string()],
        created: now(),
        deleted: None,
    };
    let mut json = service_principal_json(&sp);
    json["@odata.context"] = json!(request.context("servicePrincipals/$entity"));
    world.tenants[t].service_principals.push(sp);
    Ok(json)
}

fn permission_json(permission: &Permission, app_role: bool) -> Value {
    if app_role {
        json!({"allowedMemberTypes": ["Application"], "description": permission.value, "displayName": permission.value, "id": permission.id, "isEnabled": true, "origin": "Application", "value": permission.value})
    } else {
        json!({"adminConsentDescription": permission.value, "adminConsentDisplayName": permission.value, "id": permission.id, "isEnabled": true,
               "type": if permission.admin_consent_required { "Admin" } else { "User" }, "userConsentDescription": permission.value, "userConsentDisplayName": permission.value, "value": permission.value})
    }
}

/// A service principal as Graph returns it.
pub fn service_principal_json(sp: &ServicePrincipal) -> Value {
    json!({
        "id": sp.id,
        "deletedDateTime": sp.deleted.map(time_text),
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": sp.display_name,
        "appDescription": null,
        "appId": sp.app_id,
        "applicationTemplateId": null,
        "appOwnerOrganizationId": sp.app_owner_tenant,
        "appRoleAssignmentRequired": false,
        "description": null,
        "disabledByMicrosoftStatus": null,
        "displayName": sp.display_name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": [],
        "preferredSingleSignOnMode": null,
        "preferredTokenSigningKeyThumbprint": null,
        "replyUrls": [],
        "servicePrincipalNames": sp.names,
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMultipleOrgs",
        "tags": [],
        "tokenEncryptionKeyId": null,
        "info": {"logoUrl": null, "marketingUrl": null, "privacyStatementUrl": null, "supportUrl": null, "termsOfServiceUrl": null},
        "samlSingleSignOnSettings": null,
        "addIns": [],
        "appRoles": sp.app_roles.iter().map(|p| permission_json(p, true)).collect::<Vec<_>>(),
        "keyCredentials": [],
        "oauth2PermissionScopes": sp.scopes.iter().map(|p| permission_json(p, false)).collect::<Vec<_>>(),
        "passwordCredentials": [],
        "resourceSpecificApplicationPermissions": [],
        "verifiedPublisher": {"displayName": null, "verifiedPublisherId": null, "addedDateTime": null},
    })
}

fn assignment_json(assignment: &AppRoleAssignment, tenant: &Tenant) -> Value {
    let name = |id: Uuid| {
        tenant.service_principals.iter().find(|sp| sp.id == id).map(|sp| sp.display_name.clone())
    };
    json!({
        "id": assignment.id,
        "deletedDateTime": null,
        "appRoleId": assignment.app_role_id,
        "createdDateTime": time_text(assignment.created),
        "principalDisplayName": name(assignment.principal_id),
        "principalId": assignment.principal_id,
        "principalType": "ServicePrincipal",
        "resourceDisplayName": name(assignment.resource_id),
        "resourceId": assignment.resource_id,
    })
}

/// `appRoleAssignedTo` (on the resource) and `appRoleAssignments` (on the client).
fn assignments(
    request: &Request<'_>,
    t: usize,
    sp: usize,
    rest: &[&str],
    as_resource: bool,
) -> Result<Reply, GraphError> {
    let sp_id = request.shared.world().tenants[t].service_principals[sp].id;
    let navigation = if as_resource { "appRoleAssignedTo" } else { "appRoleAssignments" };
    let context = request.context(&format!("servicePrincipals('{sp_id}')/{navigation}"));
    let mine = |a: &AppRoleAssignment| {
        if as_resource { a.resource_id == sp_id } else { a.principal_id == sp_id }
    };
    match (rest, request.method.clone()) {
        ([], Method::GET) => {
            require(request, &[READ, ASSIGN].concat())?;
            let world = request.shared.world();
            let items: Vec<Value> = world.tenants[t]
                .app_role_assignments
                .iter()
                .filter(|a| mine(a))
                .map(|a| assignment_json(a, &world.tenants[t]))
                .collect();
            Ok(Reply::ok(odata::page(items, &request.query, &context, &request.url, 100)))
        }
        ([], Method::POST) => {
            require(request, ASSIGN)?;
            let body = request.body_object()?;
            let field = |name: &str| {
                body.get(name).and_then(Value::as_str).and_then(|v| Uuid::parse_str(v).ok())
            };
            let (Some(principal_id), Some(resource_id), Some(app_role_id)) =
                (field("principalId"), field("resourceId"), field("appRoleId"))
            else {
                return Err(bad(
                    "Properties 'principalId', 'resourceId' and 'appRoleId' are required.",
                ));
            };
            if (as_resource && resource_id != sp_id) || (!as_resource && principal_id != sp_id) {
                return Err(bad(
                    "The resourceId (or principalId) in the body does not match the service principal in the URL.",
                ));
            }
            let mut world = request.shared.world_mut();
            let tenant = &world.tenants[t];
            let resource = tenant
                .service_principals
                .iter()
                .find(|s| s.id == resource_id && s.deleted.is_none())
                .ok_or_else(|| GraphError::resource_not_found(&resource_id.to_string()))?;
            if !tenant
                .service_principals
                .iter()
                .any(|s| s.id == principal_id && s.deleted.is_none() && world.replicated(s.created))
            {
                return Err(GraphError::resource_not_found(&principal_id.to_string()));
            }
            if !resource.app_roles.iter().any(|r| r.id == app_role_id.to_string()) {
                return Err(bad("Permission being assigned was not found on application"));
            }
            if let Some(user_id) = request.caller.user_id {
                let roles = tenant.user(user_id).map(|u| u.roles.clone()).unwrap_or_default();
                let graph = resource.app_id.to_string() == GRAPH_APP_ID;
                let allowed = roles.contains(&DirectoryRole::GlobalAdministrator)
                    || (!graph && roles.contains(&DirectoryRole::CloudApplicationAdministrator));
                if !allowed {
                    return Err(GraphError::directory_denied());
                }
            }
            if tenant.app_role_assignments.iter().any(|a| {
                a.principal_id == principal_id
                    && a.resource_id == resource_id
                    && a.app_role_id == app_role_id
            }) {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "Request_BadRequest",
                    "Permission being assigned already exists on the object",
                ));
            }
            let assignment = AppRoleAssignment {
                id: URL_SAFE_NO_PAD.encode(
                    [Uuid::new_v4().as_bytes().as_slice(), Uuid::new_v4().as_bytes().as_slice()]
                        .concat(),
                ),
                principal_id,
                resource_id,
                app_role_id,
                created: now(),
            };
            let mut json = assignment_json(&assignment, tenant);
            json["@odata.context"] = json!(format!("{context}/$entity"));
            world.tenants[t].app_role_assignments.push(assignment);
            Ok(Reply::created(json))
        }
        ([id], Method::GET) => {
            require(request, &[READ, ASSIGN].concat())?;
            let world = request.shared.world();
            let found = world.tenants[t]
                .app_role_assignments
                .iter()
                .find(|a| mine(a) && a.id == *id)
                .ok_or_else(|| GraphError::resource_not_found(id))?;
            Ok(Reply::ok(assignment_json(found, &world.tenants[t])))
        }
        ([id], Method::DELETE) => {
            require(request, ASSIGN)?;
            let mut world = request.shared.world_mut();
            let list = &mut world.tenants[t].app_role_assignments;
            let before = list.len();
            list.retain(|a| !(mine(a) && a.id == *id));
            if list.len() == before {
                return Err(GraphError::resource_not_found(id));
            }
            Ok(Reply::no_content())
        }
        _ => Err(method_not_allowed()),
    }
}

// ---- deleted items ------------------------------------------------------------------------

fn deleted_items(request: &Request<'_>, segments: &[&str]) -> Result<Reply, GraphError> {
    let t = tenant_index(request)?;
    match (segments, request.method.clone()) {
        (["directory", "deletedItems", kind], Method::GET) if kind.ends_with("application") => {
            require(request, READ)?;
            let world = request.shared.world();
            let items: Vec<Value> = world.tenants[t]
                .applications
                .iter()
                .filter(|a| a.deleted.is_some())
                .map(|a| {
                    let mut json = application_json(a, &world.tenants[t], false);
                    json["@odata.type"] = json!("#microsoft.graph.application");
                    json
                })
                .collect();
            Ok(Reply::ok(odata::page(
                items,
                &request.query,
                &request.context("directory/deletedItems/microsoft.graph.application"),
                &request.url,
                100,
            )))
        }
        (["directory", "deletedItems", id, ..], method) => {
            let index = request.shared.world().tenants[t]
                .applications
                .iter()
                .position(|a| a.deleted.is_some() && a.id.to_string().eq_ignore_ascii_case(id))
                .ok_or_else(|| GraphError::resource_not_found(id))?;
            match (&segments[3..], method) {
                ([], Method::GET) => {
                    require(request, READ)?;
                    let world = request.shared.world();
                    let mut json = application_json(
                        &world.tenants[t].applications[index],
                        &world.tenants[t],
                        false,
                    );
                    json["@odata.type"] = json!("#microsoft.graph.application");
                    Ok(Reply::ok(json))
                }
                ([], Method::DELETE) => {
                    require_restorer(request, t)?;
                    request.shared.world_mut().tenants[t].applications.remove(index);
                    Ok(Reply::no_content())
                }
                ([action], Method::POST)
                    if action.trim_start_matches("microsoft.graph.") == "restore" =>
                {
                    require_restorer(request, t)?;
                    let mut world = request.shared.world_mut();
                    world.tenants[t].applications[index].deleted = None;
                    let mut json = application_json(
                        &world.tenants[t].applications[index],
                        &world.tenants[t],
                        false,
                    );
                    json["@odata.context"] = json!(request.context("directoryObjects/$entity"));
                    json["@odata.type"] = json!("#microsoft.graph.application");
                    Ok(Reply::ok(json))
                }
                _ => Err(method_not_allowed()),
            }
        }
        _ => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Resource not found for the segment 'directory'.",
        )),
    }
}
