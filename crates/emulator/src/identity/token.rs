//! `POST /{tenant}/oauth2/v2.0/token` (docs/microsoft §1.4–§1.8), and its v1.0 twin
//! `/{tenant}/oauth2/token` (`resource=` for `scope=`, the v1.0 response shape; see `v1.rs`).

use std::{collections::HashMap, sync::Arc};

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Response},
};
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::Value;
use sha2::Digest;
use uuid::Uuid;

use super::{
    error::AadError,
    grants::{self, Delegated},
    issue::{self, ClientAuth, Subject},
    scopes::{Resource, ScopeRequest, resolve_resource},
};
use crate::{
    keys::Certificate,
    model::{Application, Tenant},
    origin::Origin,
    state::{CODE_LIFETIME, DeviceStatus, REFRESH_TOKEN_LIFETIME, Shared, World, now},
};

/// Clock skew allowed on client assertions.
const SKEW_SECONDS: i64 = 300;
/// The client assertion type for certificate credentials.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The device code grant (RFC 8628), and the short name MSAL for Node and MSAL.js send for it.
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const DEVICE_CODE_GRANT_SHORT: &str = "device_code";

type Form = HashMap<String, String>;

/// The v2.0 token endpoint, `POST /{tenant}/oauth2/v2.0/token`.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    Path(tenant_segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(&shared, &tenant_segment, &headers, &body, false)
}

/// The v1.0 token endpoint, `POST /{tenant}/oauth2/token`: `resource=` instead of `scope=`, and
/// the v1.0 response shape.
pub async fn token_v1(
    State(shared): State<Arc<Shared>>,
    Path(tenant_segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(&shared, &tenant_segment, &headers, &body, true)
}

fn serve(
    shared: &Shared,
    tenant_segment: &str,
    headers: &HeaderMap,
    body: &Bytes,
    v1: bool,
) -> Response {
    let origin = Origin::of(headers, shared.tls);
    let authority = origin.login();
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let form: Form = if form_encoded {
        url::form_urlencoded::parse(body).into_owned().collect()
    } else {
        Form::new()
    };
    let context = Context {
        shared,
        segment: tenant_segment,
        authority: &authority,
        headers,
        form: &form,
        v1,
    };
    let result = match form.get("grant_type").map(String::as_str) {
        None => Err(missing("grant_type")),
        Some("authorization_code") => context.authorization_code(),
        Some("refresh_token") => context.refresh_token(),
        Some("client_credentials") => context.client_credentials(),
        // MSAL for Node (and ADAL at the v1.0 endpoint) send the short name.
        Some(DEVICE_CODE_GRANT | DEVICE_CODE_GRANT_SHORT) => context.device_code(),
        Some(other) => Err(AadError::new(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    };
    match result {
        Ok(body) => {
            let mut response = Json(body).into_response();
            let h = response.headers_mut();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
            h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            if let Ok(id) = HeaderValue::from_str(&Uuid::new_v4().to_string()) {
                h.insert("x-ms-request-id", id);
            }
            h.insert("x-ms-ests-server", HeaderValue::from_static("2.1.0 - EMU ProdSlices"));
            response
        }
        Err(error) => error.at(&authority).into_response(),
    }
}

/// AADSTS900144: a required parameter is missing.
pub fn missing(parameter: &str) -> AadError {
    AadError::new(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{parameter}'."),
    )
}

fn invalid_grant(code: u32, message: &str) -> AadError {
    AadError::new("invalid_grant", code, message)
}

struct Context<'a> {
    shared: &'a Shared,
    segment: &'a str,
    authority: &'a str,
    headers: &'a HeaderMap,
    form: &'a Form,
    /// Served at the v1.0 endpoint (`resource=`, v1.0 response shape).
    v1: bool,
}

/// A credential the client presented.
enum Credential {
    None,
    Secret(String),
    Assertion(String),
}

impl Context<'_> {
    fn get(&self, name: &str) -> Option<&str> {
        self.form.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn require(&self, name: &str) -> Result<&str, AadError> {
        self.get(name).ok_or_else(|| missing(name))
    }

    fn client_id(&self) -> Result<Uuid, AadError> {
        let raw = match self.get("client_id") {
            Some(id) => id.to_owned(),
            None => self.basic_auth().map(|(id, _)| id).ok_or_else(|| missing("client_id"))?,
        };
        Uuid::parse_str(&raw).map_err(|_| {
            AadError::new(
                "unauthorized_client",
                700016,
                format!(
                    "Application with identifier '{raw}' was not found in the directory '{}'.",
                    self.segment
                ),
            )
        })
    }

    fn basic_auth(&self) -> Option<(String, String)> {
        let value = self.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let encoded = value.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (id, secret) = text.split_once(':')?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        Some((decode(id)?, decode(secret)?))
    }

    fn credential(&self) -> Result<Credential, AadError> {
        if let Some(assertion) = self.get("client_assertion") {
            if self.get("client_assertion_type") != Some(JWT_BEARER) {
                return Err(AadError::new(
                    "invalid_request",
                    50027,
                    "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
                ));
            }
            return Ok(Credential::Assertion(assertion.to_owned()));
        }
        if let Some(secret) = self.get("client_secret") {
            return Ok(Credential::Secret(secret.to_owned()));
        }
        Ok(self.basic_auth().map_or(Credential::None, |(_, secret)| Credential::Secret(secret)))
    }

    /// The tenant of a grant that names it itself (client credentials), read from `world`.
    fn named_tenant<'w>(&self, world: &'w World) -> Result<&'w Tenant, AadError> {
        if matches!(
            self.segment.to_ascii_lowercase().as_str(),
            "common" | "consumers" | "organizations"
        ) {
            return Err(AadError::new(
                "invalid_request",
                9001023,
                "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
            ));
        }
        world
            .tenant(self.segment)
            .ok_or_else(|| super::discovery::tenant_not_found(self.segment, self.authority))
    }

    /// Checks the client's credential; `public_client` is whether the grant came through a
    /// public-client (desktop) redirect URI.
    fn authenticate(
        &self,
        tenant: &Tenant,
        app: &Application,
        public_client: bool,
    ) -> Result<ClientAuth, AadError> {
        match (self.credential()?, public_client) {
            (Credential::None, true) => Ok(ClientAuth::Public),
            (Credential::None, false) => Err(AadError::new(
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )),
            (_, true) => Err(AadError::new(
                "invalid_client",
                700025,
                "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
            )),
            (Credential::Secret(secret), false) => {
                let now = now();
                if app.password_credentials.iter().any(|p| p.secret == secret && p.end > now) {
                    Ok(ClientAuth::Secret)
                } else if app.password_credentials.iter().any(|p| p.secret == secret) {
                    Err(AadError::new(
                        "invalid_client",
                        7000222,
                        format!(
                            "The provided client secret keys for app '{}' are expired.",
                            app.app_id
                        ),
                    ))
                } else {
                    Err(AadError::new(
                        "invalid_client",
                        7000215,
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.",
                    ))
                }
            }
            (Credential::Assertion(assertion), false) => {
                self.verify_assertion(tenant, app, &assertion)?;
                Ok(ClientAuth::Certificate)
            }
        }
    }

    fn verify_assertion(
        &self,
        tenant: &Tenant,
        app: &Application,
        assertion: &str,
    ) -> Result<(), AadError> {
        let malformed =
            || AadError::new("invalid_client", 50027, "JWT token is invalid or malformed.");
        let header = jsonwebtoken::decode_header(assertion).map_err(|_| malformed())?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::PS256) {
            return Err(AadError::new(
                "invalid_client",
                5002730,
                format!(
                    "Invalid JWT token. The token algorithm {:?} is not supported for client assertions.",
                    header.alg
                ),
            ));
        }
        let thumbprint = header.x5t.clone().or_else(|| header.x5t_s256.clone()).unwrap_or_default();
        let now = now();
        let mut found_expired = false;
        let certificate = app.key_credentials.iter().find_map(|key| {
            let cert = Certificate::from_der(&key.der).ok()?;
            let matches = header.x5t.as_deref().is_some_and(|t| same_thumbprint(t, &cert.x5t))
                || header.x5t_s256.as_deref().is_some_and(|t| same_thumbprint(t, &cert.x5t_s256));
            if !matches {
                return None;
            }
            if key.end < now || key.start > now {
                found_expired = true;
                return None;
            }
            Some(cert)
        });
        let Some(certificate) = certificate else {
            let reason = if found_expired {
                "is expired on application"
            } else {
                "is not registered on application"
            };
            return Err(AadError::new(
                "invalid_client",
                700027,
                format!(
                    "The certificate with identifier used to sign the client assertion {reason}. [Reason - The key was not found., Thumbprint of key used by client: '{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{}'.]",
                    app.app_id
                ),
            ));
        };
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let claims =
            jsonwebtoken::decode::<Value>(assertion, &certificate.decoding_key, &validation)
                .map_err(|_| {
                    AadError::new(
                        "invalid_client",
                        700027,
                        "Client assertion failed signature validation.",
                    )
                })?
                .claims;
        let text =
            |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
        let (iss, sub) = (text("iss"), text("sub"));
        if iss != sub {
            return Err(AadError::new(
                "invalid_client",
                50048,
                "Subject mismatches Issuer claim in the client assertion.",
            ));
        }
        if !iss.eq_ignore_ascii_case(&app.app_id.to_string()) {
            return Err(AadError::new(
                "invalid_client",
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter.",
            ));
        }
        let audiences: Vec<String> = match claims.get("aud") {
            Some(Value::String(aud)) => vec![aud.clone()],
            Some(Value::Array(list)) => {
                list.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
            }
            _ => Vec::new(),
        };
        let accepted: Vec<String> =
            [self.segment.to_owned(), tenant.id.to_string(), tenant.domain.clone()]
                .iter()
                .flat_map(|t| {
                    [
                        format!("{}/{t}/oauth2/v2.0/token", self.authority),
                        format!("{}/{t}/oauth2/token", self.authority),
                    ]
                })
                .collect();
        if !audiences
            .iter()
            .any(|aud| accepted.iter().any(|a| a.eq_ignore_ascii_case(aud.trim_end_matches('/'))))
        {
            return Err(AadError::new(
                "invalid_client",
                700027,
                format!(
                    "Client assertion failed validation: the audience {audiences:?} is not the token endpoint {}.",
                    accepted[0]
                ),
            ));
        }
        // NumericDate may have a fraction (RFC 7519 §2); MSAL for Python sends one.
        let number =
            |name: &str| claims.get(name).and_then(Value::as_f64).map(|n| n.floor() as i64);
        let current = now.unix_timestamp();
        let in_range = match (number("nbf"), number("exp")) {
            (nbf, Some(exp)) => {
                nbf.is_none_or(|nbf| nbf - SKEW_SECONDS <= current) && current <= exp + SKEW_SECONDS
            }
            (_, None) => false,
        };
        if !in_range {
            return Err(AadError::new(
                "invalid_client",
                700024,
                format!(
                    "Client assertion is not within its valid time range. Current time: {current}, assertion valid from {:?}, expiry time of assertion {:?}.",
                    number("nbf"),
                    number("exp")
                ),
            ));
        }
        Ok(())
    }

    fn client_credentials(&self) -> Result<Value, AadError> {
        let world = self.shared.world();
        let tenant = self.named_tenant(&world)?;
        let client_id = self.client_id()?;
        let scope = match self.v1 {
            true => super::v1::default_scope(self.require("resource")?),
            false => self.require("scope")?.to_owned(),
        };
        let request = ScopeRequest::parse(&scope);
        let (identifier, permissions) = match request.resources.as_slice() {
            [(identifier, permissions)] if request.oidc.is_empty() => {
                (identifier.clone(), permissions.clone())
            }
            [] | [_] => return Err(scope_without_default()),
            _ => {
                return Err(AadError::new(
                    "invalid_scope",
                    70011,
                    "The provided value for the input parameter 'scope' isn't valid. Only one resource may be named.",
                ));
            }
        };
        if permissions != [".default"] {
            return Err(scope_without_default());
        }
        let app = world
            .application_for(tenant, client_id)
            .ok_or_else(|| app_not_found(client_id, tenant))?;
        let auth = self.authenticate(tenant, app, false)?;
        let resource = resolve_resource(tenant, &identifier)
            .ok_or_else(|| resource_not_found(&identifier, tenant))?;
        let (service_principal, roles) = grants::granted_roles(world.replication_delay, tenant, client_id, &resource).ok_or_else(|| {
            AadError::new("invalid_client", 7000229, format!("The client application {client_id} is missing service principal in the tenant {}.", tenant.id))
        })?;
        let client = issue::Client { app_id: client_id, display_name: &app.display_name, auth };
        let (token, expires_in) = issue::access_token(
            self.shared,
            tenant,
            &resource,
            &Subject::App { service_principal, roles },
            &client,
        )?;
        let mut body = issue::token_response(token, expires_in, String::new(), None, None);
        if let Some(object) = body.as_object_mut() {
            object.remove("scope");
        }
        if self.v1 {
            super::v1::reshape(&mut body, self.get("resource").unwrap_or(&resource.audience));
        }
        Ok(body)
    }

    fn authorization_code(&self) -> Result<Value, AadError> {
        let code = self.require("code")?.to_owned();
        let client_id = self.client_id()?;
        let grant = {
            let mut sessions = self.shared.sessions();
            let Some(grant) = sessions.codes.get_mut(&code) else {
                return Err(invalid_grant(
                    9002313,
                    "Invalid request. Request is malformed or invalid.",
                ));
            };
            if grant.redeemed {
                return Err(invalid_grant(
                    54005,
                    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
                ));
            }
            if now() - grant.issued > CODE_LIFETIME {
                sessions.codes.remove(&code);
                return Err(invalid_grant(
                    70008,
                    "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
                ));
            }
            grant.clone()
        };
        let request = &grant.request;
        if request.client_id != client_id {
            return Err(invalid_grant(
                70000,
                "Provided grant is invalid or malformed. The code was issued to another client.",
            ));
        }
        if self.get("redirect_uri") != Some(request.redirect_uri.as_str()) {
            return Err(invalid_grant(
                50011,
                "The redirect URI specified in the request does not match the one used to obtain the authorization code.",
            ));
        }
        if let Some(challenge) = &request.code_challenge {
            let verifier = self.get("code_verifier").unwrap_or_default();
            let computed = if request.code_challenge_method == "S256" {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(sha2::Sha256::digest(verifier.as_bytes()))
            } else {
                verifier.to_owned()
            };
            if verifier.is_empty() || &computed != challenge {
                return Err(invalid_grant(
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
                ));
            }
        }
        let world = self.shared.world();
        let tenant = self.tenant_by_id(&world, grant.tenant_id)?;
        let app = super::authorize::find_client(&world, Some(tenant), client_id)
            .ok_or_else(|| app_not_found(client_id, tenant))?;
        let auth = self.authenticate(tenant, app, request.public_client)?;
        if let Some(grant) = self.shared.sessions().codes.get_mut(&code) {
            grant.redeemed = true;
        }
        let mut original = ScopeRequest::parse(&request.scope);
        if self.v1 {
            // The v1.0 endpoint always returns a refresh token.
            original.oidc.push("offline_access".into());
        }
        let asked = self.requested_scope().map(|scope| ScopeRequest::parse(&scope));
        if let Some(asked) = &asked
            && asked.resources.len() > 1
        {
            return Err(AadError::new(
                "invalid_scope",
                700022,
                "The provided value for the input parameter scope isn't valid because it contains more than one resource.",
            ));
        }
        let target = asked
            .as_ref()
            .and_then(|a| a.resources.first().cloned())
            .or_else(|| original.resources.first().cloned());
        let client = issue::Client { app_id: client_id, display_name: &app.display_name, auth };
        self.user_tokens(
            tenant,
            grant.user_id,
            &client,
            request.public_client,
            target,
            &original,
            request.nonce.as_deref(),
        )
    }

    fn refresh_token(&self) -> Result<Value, AadError> {
        let key = crate::state::refresh_token_key(self.require("refresh_token")?);
        let client_id = self.client_id()?;
        let grant = self.shared.sessions().refresh_tokens.get(&key).cloned().ok_or_else(|| {
            invalid_grant(9002313, "Invalid request. Request is malformed or invalid.")
        })?;
        let revoked = self
            .shared
            .sessions()
            .revoked_before
            .get(&grant.user_id)
            .is_some_and(|t| grant.issued < *t);
        if revoked {
            return Err(invalid_grant(
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
            ));
        }
        if grant.issued + REFRESH_TOKEN_LIFETIME <= now() {
            self.shared.sessions().refresh_tokens.remove(&key);
            return Err(invalid_grant(
                700082,
                "The refresh token has expired due to inactivity. The token was issued on a date more than 90 days ago.",
            ));
        }
        if grant.client_id != client_id {
            return Err(invalid_grant(
                70000,
                "Provided grant is invalid or malformed. The refresh token was issued to another client.",
            ));
        }
        if self.shared.sessions().mfa_required.contains(&grant.user_id) {
            return Err(AadError::new(
                "interaction_required",
                50076,
                "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000003-0000-0000-c000-000000000000'.",
            )
            .with_suberror("basic_action"));
        }
        let world = self.shared.world();
        let tenant = self.tenant_by_id(&world, grant.tenant_id)?;
        let app = super::authorize::find_client(&world, Some(tenant), client_id)
            .ok_or_else(|| app_not_found(client_id, tenant))?;
        let auth = self.authenticate(tenant, app, grant.public_client)?;
        let asked = ScopeRequest::parse(
            &self.requested_scope().unwrap_or_else(|| "openid profile offline_access".into()),
        );
        let target = asked.resources.first().cloned();
        let mut scopes = asked.clone();
        scopes.oidc.push("offline_access".into());
        let client = issue::Client { app_id: client_id, display_name: &app.display_name, auth };
        self.user_tokens(tenant, grant.user_id, &client, grant.public_client, target, &scopes, None)
    }

    fn device_code(&self) -> Result<Value, AadError> {
        let client_id = self.client_id()?;
        let device_code = self.require("device_code")?.to_owned();
        let grant =
            self.shared.sessions().device_codes.get(&device_code).cloned().ok_or_else(|| {
                AadError::new(
                    "bad_verification_code",
                    70000,
                    "The provided value for the input parameter 'device_code' is not valid.",
                )
            })?;
        if grant.client_id != client_id {
            return Err(AadError::new(
                "bad_verification_code",
                70000,
                "The device code was issued to another client.",
            ));
        }
        if grant.expires < now() {
            self.shared.sessions().device_codes.remove(&device_code);
            return Err(AadError::new("expired_token", 70019, "Verification code expired."));
        }
        let (tenant_id, user_id) = match grant.status {
            DeviceStatus::Pending => {
                return Err(AadError::new(
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                ));
            }
            DeviceStatus::Declined => {
                return Err(AadError::new(
                    "authorization_declined",
                    70000,
                    "The user declined the sign-in.",
                ));
            }
            DeviceStatus::Redeemed => {
                return Err(AadError::new(
                    "bad_verification_code",
                    70000,
                    "The device code was already redeemed.",
                ));
            }
            DeviceStatus::Approved { tenant_id, user_id } => (tenant_id, user_id),
        };
        if let Some(grant) = self.shared.sessions().device_codes.get_mut(&device_code) {
            grant.status = DeviceStatus::Redeemed;
        }
        let world = self.shared.world();
        let tenant = self.tenant_by_id(&world, tenant_id)?;
        // "Allow public client flows" is checked when the code is redeemed, as Entra ID does.
        let app = super::authorize::find_client(&world, Some(tenant), client_id)
            .filter(|app| app.is_fallback_public_client)
            .ok_or_else(|| {
                AadError::new(
                    "invalid_client",
                    7000218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                )
            })?;
        let mut scopes = ScopeRequest::parse(&grant.scope);
        if self.v1 {
            scopes.oidc.push("offline_access".into());
        }
        let target = scopes.resources.first().cloned();
        let client = issue::Client {
            app_id: client_id,
            display_name: &app.display_name,
            auth: ClientAuth::Public,
        };
        self.user_tokens(tenant, user_id, &client, true, target, &scopes, None)
    }

    /// The tenant of a grant, read from `world`, if the URL's tenant segment allows it.
    fn tenant_by_id<'w>(&self, world: &'w World, id: Uuid) -> Result<&'w Tenant, AadError> {
        let specific =
            !matches!(self.segment.to_ascii_lowercase().as_str(), "common" | "organizations");
        if specific && world.tenant(self.segment).map(|t| t.id) != Some(id) {
            return Err(invalid_grant(
                50020,
                "The user account does not exist in the tenant named in the request.",
            ));
        }
        world
            .tenants
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| invalid_grant(90002, "Tenant not found."))
    }

    /// The scope asked for: `scope`, or at the v1.0 endpoint the `.default` of `resource`.
    fn requested_scope(&self) -> Option<String> {
        match self.v1 {
            true => self.get("resource").map(super::v1::default_scope),
            false => self.get("scope").map(str::to_owned),
        }
    }

    /// Access token (+ refresh token, + id token) for a user.
    #[allow(clippy::too_many_arguments)]
    fn user_tokens(
        &self,
        tenant: &Tenant,
        user_id: Uuid,
        client: &issue::Client<'_>,
        public_client: bool,
        target: Option<(String, Vec<String>)>,
        oidc: &ScopeRequest,
        nonce: Option<&str>,
    ) -> Result<Value, AadError> {
        let client_id = client.app_id;
        let user = tenant.user(user_id).ok_or_else(|| {
            invalid_grant(50034, "The user account does not exist in this directory.")
        })?;
        let (identifier, permissions) = target
            .unwrap_or_else(|| (crate::resources::GRAPH_RESOURCE.into(), vec!["User.Read".into()]));
        let resource: Resource = resolve_resource(tenant, &identifier)
            .ok_or_else(|| resource_not_found(&identifier, tenant))?;
        let scopes = match grants::decide(tenant, client_id, &resource, &permissions, user_id)? {
            Delegated::Granted(scopes) => scopes,
            Delegated::NeedsConsent(missing) => {
                return Err(invalid_grant(
                    65001,
                    &format!("The user or administrator has not consented to use the application with ID '{client_id}'. Send an interactive authorization request for this user and resource. Missing: {}.", missing.join(" ")),
                )
                .with_suberror("consent_required"));
            }
        };
        let scope_text = scopes
            .iter()
            .map(|s| format!("{}/{s}", resource.audience))
            .chain(oidc.oidc.iter().filter(|s| s.as_str() != "offline_access").cloned())
            .collect::<Vec<_>>()
            .join(" ");
        let (access, expires_in) = issue::access_token(
            self.shared,
            tenant,
            &resource,
            &Subject::User { user, scopes },
            client,
        )?;
        let id_token = match (oidc.openid(), self.v1) {
            (false, _) => None,
            (true, false) => {
                Some(issue::id_token(self.shared, self.authority, tenant, user, client_id, nonce)?)
            }
            (true, true) => Some(issue::id_token_v1(self.shared, tenant, user, client_id, nonce)?),
        };
        let refresh = oidc.offline_access().then(|| {
            issue::refresh_token(self.shared, tenant.id, client_id, user_id, public_client)
        });
        let mut body = issue::token_response(access, expires_in, scope_text, refresh, id_token);
        if self.get("client_info") == Some("1") {
            // MSAL asks for it to name the account: base64url of {"uid": oid, "utid": tid}.
            let info = serde_json::json!({"uid": user.id, "utid": tenant.id}).to_string();
            body["client_info"] =
                Value::String(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(info));
        }
        if self.v1 {
            super::v1::reshape(&mut body, self.get("resource").unwrap_or(&resource.audience));
        }
        Ok(body)
    }
}

/// Whether a thumbprint header names the same digest as `expected` (unpadded base64url). Clients
/// differ: MSAL for Python pads, others use plain base64; Entra ID compares the bytes.
fn same_thumbprint(header: &str, expected: &str) -> bool {
    let decode = |text: &str| {
        let trimmed = text.trim_end_matches('=');
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(trimmed)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
            .ok()
    };
    matches!((decode(header), decode(expected)), (Some(a), Some(b)) if a == b)
}

fn scope_without_default() -> AadError {
    AadError::new(
        "invalid_scope",
        1002012,
        "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
    )
}

fn app_not_found(client_id: Uuid, tenant: &Tenant) -> AadError {
    AadError::new(
        "unauthorized_client",
        700016,
        format!(
            "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
            tenant.display_name
        ),
    )
}

fn resource_not_found(identifier: &str, tenant: &Tenant) -> AadError {
    AadError::new(
        "invalid_resource",
        500011,
        format!(
            "The resource principal named {identifier} was not found in the tenant named {}.",
            tenant.display_name
        ),
    )
}
