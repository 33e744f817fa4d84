//! Applications (app registrations): list, create, read, update, the `uniqueName` upsert,
//! delete, and their credentials (`addKey`/`removeKey` with the proof of possession,
//! `addPassword`/`removePassword`).

use base64::{Engine, engine::general_purpose::STANDARD};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};
use uuid::Uuid;

use super::{
    Reply, Request,
    directory_query::{Key, bad, create_if_missing, filtered_page, time_text},
    error::GraphError,
    odata,
};
use crate::{
    keys::Certificate,
    model::{Application, DirectoryRole, KeyCredential, Tenant},
    resources::PROOF_AUDIENCE,
    state::{World, now},
};

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

/// `GET /applications`.
pub fn list(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let tenant = request.tenant(world)?;
    let items = tenant
        .applications
        .iter()
        .filter(|a| a.deleted.is_none())
        .map(|a| application_json(a, tenant, false));
    filtered_page(request, items, "applications")
}

/// `POST /applications`.
pub fn create(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let body = request.body_object()?;
    let tenant = request.tenant_mut(world)?;
    let mut app = new_application(request, tenant);
    apply_application(&mut app, body)?;
    if app.display_name.is_empty() {
        return Err(bad("Property 'displayName' is required."));
    }
    let json = created_json(request, &app, tenant);
    tenant.applications.push(app);
    Ok(Reply::created(json))
}

/// The index of the live application `{app}` addresses in the caller's tenant. A `uniqueName`
/// finds it at once; the other keys only once it has replicated.
fn find(request: &Request<'_>, world: &World, key: &Key) -> Result<(usize, usize), GraphError> {
    let t = request.tenant_index(world)?;
    world.tenants[t]
        .applications
        .iter()
        .position(|a| {
            a.deleted.is_none()
                && (matches!(key, Key::UniqueName(_)) || world.replicated(a.created))
                && match key {
                    Key::Id(id) => a.id.to_string().eq_ignore_ascii_case(id),
                    Key::AppId(id) => a.app_id.to_string().eq_ignore_ascii_case(id),
                    Key::UniqueName(name) => a.unique_name.as_deref() == Some(name.as_str()),
                }
        })
        .map(|i| (t, i))
        .ok_or_else(|| GraphError::resource_not_found(key.text()))
}

/// `GET /applications/{app}`.
pub fn get(request: &Request<'_>, world: &World) -> Result<Reply, GraphError> {
    let (t, i) = find(request, world, &Key::parse(request.param("app"))?)?;
    let with_keys = request.query.selects("keyCredentials");
    let mut json =
        application_json(&world.tenants[t].applications[i], &world.tenants[t], with_keys);
    json["@odata.context"] = json!(request.context("applications/$entity"));
    if let Some(select) = &request.query.select {
        odata::apply_select(&mut json, select);
    }
    Ok(Reply::ok(json))
}

/// `PATCH /applications/{app}`: an update, or with `(uniqueName='…')` and
/// `Prefer: create-if-missing` the upsert that creates the application when none has that name.
/// Look-up and creation happen under one write guard, so concurrent upserts create one.
pub fn update_or_upsert(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let key = Key::parse(request.param("app"))?;
    let body = request.body_object()?;
    let (t, i) = match find(request, world, &key) {
        Ok(found) => found,
        Err(_) if matches!(key, Key::UniqueName(_)) && create_if_missing(request) => {
            let tenant = request.tenant_mut(world)?;
            let mut app = new_application(request, tenant);
            app.unique_name = Some(key.text().to_owned());
            apply_application(&mut app, body)?;
            let json = created_json(request, &app, tenant);
            tenant.applications.push(app);
            return Ok(Reply::created(json));
        }
        Err(error) => return Err(error),
    };
    may_change(request, &world.tenants[t], &world.tenants[t].applications[i])?;
    let mut app = world.tenants[t].applications[i].clone();
    if body.contains_key("uniqueName") && app.unique_name.is_some() {
        return Err(bad("Property 'uniqueName' is read-only once set."));
    }
    apply_application(&mut app, body)?;
    world.tenants[t].applications[i] = app;
    Ok(Reply::no_content())
}

/// `DELETE /applications/{app}`: into deleted items.
pub fn delete(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, i) = find(request, world, &Key::parse(request.param("app"))?)?;
    may_change(request, &world.tenants[t], &world.tenants[t].applications[i])?;
    world.tenants[t].applications[i].deleted = Some(now());
    Ok(Reply::no_content())
}

fn new_application(request: &Request<'_>, tenant: &Tenant) -> Application {
    Application {
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
        owner_tenant: tenant.id,
        owners: caller_principal(request, tenant).into_iter().collect(),
    }
}

fn created_json(request: &Request<'_>, app: &Application, tenant: &Tenant) -> Value {
    let mut json = application_json(app, tenant, false);
    json["@odata.context"] = json!(request.context("applications/$entity"));
    json
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

/// `addKey`: adds a certificate, proven by a JWT signed with an existing valid certificate. An
/// application may call it on itself with no permission.
pub fn add_key(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let body = request.body_object()?;
    let (t, i) = find(request, world, &Key::parse(request.param("app"))?)?;
    let app = &world.tenants[t].applications[i];
    self_or_writer(request, &world.tenants[t], app)?;
    verify_proof(app, body.get("proof").and_then(Value::as_str).unwrap_or_default())?;
    let new_key = key_credential(body.get("keyCredential").unwrap_or(&Value::Null), &[])?;
    let mut json = key_json(&new_key, false);
    json["@odata.context"] = json!(request.context("microsoft.graph.keyCredential"));
    world.tenants[t].applications[i].key_credentials.push(new_key);
    Ok(Reply::ok(json))
}

/// `removeKey`, proven like `addKey`.
pub fn remove_key(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let body = request.body_object()?;
    let (t, i) = find(request, world, &Key::parse(request.param("app"))?)?;
    let app = &world.tenants[t].applications[i];
    self_or_writer(request, &world.tenants[t], app)?;
    verify_proof(app, body.get("proof").and_then(Value::as_str).unwrap_or_default())?;
    let key_id = key_id(body)?;
    let keys = &mut world.tenants[t].applications[i].key_credentials;
    remove_credential(keys, |k| k.key_id, key_id)
}

/// `addPassword`: a client secret, generated here and returned once in `secretText`.
pub fn add_password(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, i) = find(request, world, &Key::parse(request.param("app"))?)?;
    may_change(request, &world.tenants[t], &world.tenants[t].applications[i])?;
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
    world.tenants[t].applications[i].password_credentials.push(credential);
    Ok(Reply::ok(json))
}

/// `removePassword`.
pub fn remove_password(request: &Request<'_>, world: &mut World) -> Result<Reply, GraphError> {
    let (t, i) = find(request, world, &Key::parse(request.param("app"))?)?;
    may_change(request, &world.tenants[t], &world.tenants[t].applications[i])?;
    let key_id = key_id(request.body_object()?)?;
    let secrets = &mut world.tenants[t].applications[i].password_credentials;
    remove_credential(secrets, |p| p.key_id, key_id)
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
    tenant: &Tenant,
    app: &Application,
) -> Result<(), GraphError> {
    if request.caller.is_app() && request.caller.app_id == app.app_id {
        return Ok(());
    }
    may_change(request, tenant, app)
}

/// The caller as a directory principal: the signed-in user, or the calling app's service principal.
pub fn caller_principal(request: &Request<'_>, tenant: &Tenant) -> Option<Uuid> {
    request
        .caller
        .user_id
        .or_else(|| tenant.service_principal_by_app_id(request.caller.app_id).map(|sp| sp.id))
}

/// Whether the caller may change `app`: a delegated caller must own it or hold Global
/// Administrator or Cloud Application Administrator; an app needs `Application.ReadWrite.All`, or
/// `Application.ReadWrite.OwnedBy` for an application it owns.
fn may_change(request: &Request<'_>, tenant: &Tenant, app: &Application) -> Result<(), GraphError> {
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

/// Whether `user` holds Global Administrator or Cloud Application Administrator.
pub fn has_app_admin_role(tenant: &Tenant, user: Uuid) -> bool {
    tenant.user(user).is_some_and(|u| {
        u.roles.iter().any(|r| {
            matches!(
                r,
                DirectoryRole::GlobalAdministrator | DirectoryRole::CloudApplicationAdministrator
            )
        })
    })
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
