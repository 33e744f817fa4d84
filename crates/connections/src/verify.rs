//! Verification: the connection tried the way a program will use it (docs/microsoft §1.6,
//! §2.9, §3.10). An app-only token acquired with the new certificate must carry the expected
//! application permission for each API, and each chosen site must be readable with it through
//! Microsoft Graph and through SharePoint REST (for the APIs chosen). Each check has its
//! latency and, when it fails, the fix. Replication is waited out (the token endpoint answers
//! AADSTS700016 or AADSTS700027 until the application and its certificate are known there).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Instant,
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use spconnect_graph::{
    GraphClient, GraphOptions, SharePointRest, TokenError, TokenErrorKind, TokenFuture, TokenSource,
};
use spconnect_identity::{AppOnlyClient, AssertionAlgorithm, CertificateCredential, IdentityError};
use spconnect_secret::Secret;

use crate::{
    apply::{Cancel, Context, Journal, Report, Step, StepState, blocking, now_rfc3339, until},
    error::ConnectionError,
    model::{Api, Check, ConnectionRecord, TestReport},
    plan::StepKind,
};

/// Graph's resource for app-only tokens: the Graph host, except that a local emulator stands in
/// for `https://graph.microsoft.com`.
fn graph_resource(graph_host: &str) -> String {
    let host = graph_host.trim_end_matches('/');
    if host.starts_with("https://") {
        host.to_owned()
    } else {
        "https://graph.microsoft.com".to_owned()
    }
}

/// The origin of a site address (`https://contoso.sharepoint.com`).
fn origin_of(web_url: &str) -> String {
    let rest = web_url.trim_start_matches("https://");
    format!("https://{}", rest.split('/').next().unwrap_or_default())
}

/// App-only tokens of the connection, one per resource, kept while they live.
struct AppTokens {
    client: AppOnlyClient,
    held: Mutex<HashMap<String, Secret<String>>>,
}

impl AppTokens {
    async fn fetch(&self, resource: &str) -> Result<Secret<String>, IdentityError> {
        if let Some(token) = self.held.lock().unwrap_or_else(|p| p.into_inner()).get(resource) {
            return Ok(token.clone());
        }
        let token = self.client.token(resource).await?.token;
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(resource.to_owned(), token.clone());
        Ok(token)
    }

    fn forget(&self, resource: &str) {
        self.held.lock().unwrap_or_else(|p| p.into_inner()).remove(resource);
    }
}

/// `https://host/.default` or `https://host/Some.Scope` → `https://host`.
fn resource_of_scope(scope: &str) -> String {
    match scope.rfind('/') {
        Some(i) if i > "https://".len() => scope[..i].to_owned(),
        _ => scope.to_owned(),
    }
}

impl TokenSource for AppTokens {
    fn token<'a>(&'a self, scopes: &'a [&'a str]) -> TokenFuture<'a> {
        Box::pin(async move {
            let resource = resource_of_scope(scopes.first().copied().unwrap_or_default());
            self.fetch(&resource)
                .await
                .map_err(|e| TokenError { message: e.to_string(), kind: TokenErrorKind::Other })
        })
    }
}

/// The `roles` of an access token (read, not verified: it is our own fresh token).
fn roles_of(token: &Secret<String>) -> Vec<String> {
    let payload = token.expose().split('.').nth(1).unwrap_or_default();
    let claims: serde_json::Value = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    claims["roles"]
        .as_array()
        .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// What to do when the token endpoint refuses the connection's certificate for good.
fn token_fix(error: &IdentityError) -> &'static str {
    match error {
        IdentityError::Rejected(r) if matches!(r.code, Some(65001 | 650052)) => {
            "Your organisation's consent policy or subscriptions block this permission: an \
             administrator must grant it (Microsoft Entra admin center, Enterprise applications, \
             Permissions), or the SharePoint service must be enabled for the tenant."
        }
        IdentityError::Rejected(r) if matches!(r.code, Some(700024)) => {
            "This computer's clock is wrong by more than a few minutes: correct it, then test again."
        }
        _ => {
            "Check that the application still exists and that its certificate is valid; rotate \
             the certificate if it expired."
        }
    }
}

/// Whether the token endpoint's refusal means "not replicated yet": the application
/// (AADSTS700016) or its certificate (AADSTS700027) not known yet.
fn token_not_replicated(error: &IdentityError) -> bool {
    matches!(error, IdentityError::Rejected(r) if matches!(r.code, Some(700016 | 700027)))
}

struct Checker<'a> {
    ctx: &'a Context,
    step: &'a Step<'a>,
    cancel: &'a Cancel,
    checks: Vec<Check>,
}

impl Checker<'_> {
    /// Polls `f` (which gives `Ok(Some(detail))` on success, `Ok(None)` for "not yet",
    /// `Err((detail, fix))` for a definite failure) until it settles; records the check.
    async fn check<F, Fut>(
        &mut self,
        name: String,
        waiting_for: &str,
        mut f: F,
    ) -> Result<bool, ConnectionError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<(String, u64)>, (String, String)>>,
    {
        self.step.say(StepState::Running, name.clone(), 0);
        let outcome = until(&self.ctx.options, self.cancel, self.step, waiting_for, || {
            let attempt = f();
            async move {
                match attempt.await {
                    Ok(Some(found)) => Ok(Some(Ok(found))),
                    Ok(None) => Ok(None),
                    Err(definite) => Ok(Some(Err(definite))),
                }
            }
        })
        .await;
        let check = match outcome {
            Err(ConnectionError::Cancelled) => return Err(ConnectionError::Cancelled),
            Ok(Err((detail, fix))) => {
                Check { name, passed: false, latency_ms: 0, detail, fix: Some(fix) }
            }
            Ok(Ok((detail, latency_ms))) => {
                Check { name, passed: true, latency_ms, detail, fix: None }
            }
            Err(error) => Check {
                name,
                passed: false,
                latency_ms: 0,
                detail: error.to_string(),
                fix: error.fix(),
            },
        };
        let passed = check.passed;
        self.checks.push(check);
        Ok(passed)
    }
}

/// Tests a connection with its certificate (its private key from the store): the checks, in
/// order, each reported as it runs.
pub async fn test(
    ctx: &Context,
    record: &ConnectionRecord,
    key: Secret<Vec<u8>>,
    report: Report<'_>,
    cancel: &Cancel,
) -> Result<TestReport, ConnectionError> {
    let step = Step { kind: StepKind::Verify, started: Instant::now(), report };
    checks(ctx, record, key, &step, cancel).await
}

async fn checks(
    ctx: &Context,
    record: &ConnectionRecord,
    key: Secret<Vec<u8>>,
    step: &Step<'_>,
    cancel: &Cancel,
) -> Result<TestReport, ConnectionError> {
    let credential = CertificateCredential {
        client_id: record.client_id.clone(),
        x5t: x5t_of(&record.certificate.der_base64)?,
        x5t_s256: record.certificate.x5t_s256.clone(),
        private_key: key,
        algorithm: AssertionAlgorithm::Ps256,
    };
    let client = AppOnlyClient::new(&ctx.authority, credential, &ctx.network)
        .map_err(|e| ConnectionError::Identity(e.to_string()))?;
    let tokens = Arc::new(AppTokens { client, held: Mutex::new(HashMap::new()) });
    let mut checker = Checker { ctx, step, cancel, checks: Vec::new() };
    let request = &record.request;
    let role = request.model.app_role();
    let sharepoint_origin = request.sites.first().map(|s| origin_of(&s.web_url));
    for api in &request.apis {
        let resource = match api {
            Api::Graph => graph_resource(&ctx.graph_host),
            Api::SharePoint => match &sharepoint_origin {
                Some(origin) => origin.clone(),
                None => continue,
            },
        };
        let name = format!("App-only token for {} carries {role}", api.name());
        let tokens = tokens.clone();
        checker
            .check(name, "the application and its certificate at the sign-in service", || {
                let (tokens, resource) = (tokens.clone(), resource.clone());
                async move {
                    tokens.forget(&resource);
                    let started = Instant::now();
                    match tokens.fetch(&resource).await {
                        Ok(token) => {
                            let roles = roles_of(&token);
                            if roles.iter().any(|r| r.eq_ignore_ascii_case(role)) {
                                Ok(Some((
                                    format!("roles: {}", roles.join(", ")),
                                    started.elapsed().as_millis() as u64,
                                )))
                            } else {
                                // The assignment has not reached the token service yet.
                                tokens.forget(&resource);
                                Ok(None)
                            }
                        }
                        Err(e) if token_not_replicated(&e) => Ok(None),
                        Err(e) => Err((e.to_string(), token_fix(&e).to_owned())),
                    }
                }
            })
            .await?;
    }
    let graph = GraphClient::new(&ctx.graph_host, tokens.clone(), GraphOptions::default())
        .map_err(|e| ConnectionError::Internal(e.to_string()))?;
    let rest = SharePointRest::new(
        tokens.clone(),
        ctx.sharepoint_override.as_deref(),
        GraphOptions::default().timeout,
    )
    .map_err(|e| ConnectionError::Internal(e.to_string()))?;
    let graph_scope = format!("{}/.default", graph_resource(&ctx.graph_host));
    let denied_fix = match request.model {
        crate::model::PermissionModel::SitesSelected => {
            "Grant the connection access to this site again (Edit, Sites), or check that the site still exists."
        }
        _ => {
            "Check that the permission is still granted (Microsoft Entra admin center, Enterprise applications, Permissions)."
        }
    };
    for site in &request.sites {
        for api in &request.apis {
            let name = format!("Read {} through {}", site.name, api.name());
            let (graph, rest, scope) = (&graph, &rest, graph_scope.as_str());
            checker
                .check(name, "the site permission in SharePoint", || async move {
                    let started = Instant::now();
                    let read = match api {
                        Api::Graph => graph
                            .get(
                                &format!("sites/{}?$select=id,displayName", site.site_id),
                                &[scope],
                            )
                            .await
                            .map(|v| v["displayName"].as_str().unwrap_or_default().to_owned()),
                        Api::SharePoint => rest
                            .get(&site.web_url, "web?$select=Title")
                            .await
                            .map(|v| v["Title"].as_str().unwrap_or_default().to_owned()),
                    };
                    match read {
                        Ok(title) => Ok(Some((
                            format!("read \"{title}\""),
                            started.elapsed().as_millis() as u64,
                        ))),
                        Err(e) if matches!(e.status(), Some(401 | 403 | 404)) => Ok(None),
                        Err(e) => Err((e.to_string(), denied_fix.to_owned())),
                    }
                })
                .await?;
        }
    }
    Ok(TestReport { at: now_rfc3339(), checks: checker.checks })
}

fn x5t_of(der_base64: &str) -> Result<String, ConnectionError> {
    spconnect_certs::PublicCertificate::from_base64(der_base64)
        .map(|c| c.x5t())
        .map_err(|e| ConnectionError::Certificate(e.to_string()))
}

/// The verify step of an apply: tests the connection being made; fails when a check fails.
pub(crate) async fn run(
    ctx: &Context,
    journal: &mut Journal,
    step: &Step<'_>,
    cancel: &Cancel,
) -> Result<(bool, String), ConnectionError> {
    let record = journal.record()?;
    let (store, id) = (ctx.store.clone(), journal.request.id.clone());
    let key = blocking(move || store.key(&id)).await?;
    let report = checks(ctx, &record, key, step, cancel).await?;
    let failed = report.checks.iter().filter(|c| !c.passed).count();
    let total = report.checks.len();
    journal.report = Some(report);
    if failed > 0 {
        return Err(ConnectionError::Unverified { failed, total });
    }
    Ok((false, format!("{total} checks passed")))
}
