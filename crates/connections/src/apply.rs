//! Apply: the plan carried out as an explicit, resumable step machine (docs/microsoft §2.8).
//!
//! Each step first looks whether its work is already there (a resumed apply, or a kill between
//! the call and the journal) and skips it if so; what it creates is written to the [`Journal`]
//! (an encrypted record) before the next step starts. A step waits for Entra ID's replication by
//! polling with capped exponential backoff and jitter, never by sleeping a fixed time, and says
//! what it is waiting for. Cancel stops at the next call; rollback deletes what the journal says
//! was created (and what carries the connection's `uniqueName`), then purges the application
//! from deleted items where the person may.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use serde_json::json;
use spconnect_certs::{CertificateRequest, KeySize};
use spconnect_graph::{GraphClient, GraphError, provisioning as p};
use spconnect_identity::{Authority, NetworkOptions};
use ts_rs::TS;

use crate::{
    error::ConnectionError,
    model::{Api, CertificateRecord, ConnectionRecord, ConnectionRequest, TAG},
    plan::StepKind,
    store::ConnectionStore,
    verify,
};

/// Where an apply stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum JournalStatus {
    /// Running (or interrupted: the app was closed or killed).
    Applying,
    /// Stopped by a failure; resume or roll back.
    Failed {
        /// What failed.
        message: String,
    },
    /// Stopped by the person; resume or roll back.
    Cancelled,
}

/// An application permission to grant: the resource's service principal and the role's id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantTarget {
    /// The API.
    pub api: Api,
    /// The resource's service principal id in this tenant.
    pub resource_id: String,
    /// The app role's id.
    pub app_role_id: String,
    /// The app role's value.
    pub value: String,
}

/// What an apply has done so far: kept after every step, read back to resume or roll back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Journal {
    /// What is being created.
    pub request: ConnectionRequest,
    /// Where it stands.
    pub status: JournalStatus,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// The steps finished.
    pub done: Vec<StepKind>,
    /// The certificate made (public part).
    pub certificate: Option<CertificateRecord>,
    /// The permissions to grant.
    pub targets: Vec<GrantTarget>,
    /// The application's object id and client id.
    pub application: Option<(String, String)>,
    /// The service principal's id.
    pub service_principal_id: Option<String>,
    /// The last verification.
    pub report: Option<crate::model::TestReport>,
}

impl Journal {
    /// A new journal for `request`.
    pub fn new(request: ConnectionRequest) -> Self {
        Self {
            request,
            status: JournalStatus::Applying,
            started_at: now_rfc3339(),
            done: Vec::new(),
            certificate: None,
            targets: Vec::new(),
            application: None,
            service_principal_id: None,
            report: None,
        }
    }

    /// The connection as this journal made it (created now, its last test the journal's).
    pub fn record(&self) -> Result<ConnectionRecord, ConnectionError> {
        let (object_id, client_id) = self
            .application
            .clone()
            .ok_or_else(|| ConnectionError::Internal("the application was not created".into()))?;
        Ok(ConnectionRecord {
            request: self.request.clone(),
            client_id,
            application_object_id: object_id,
            service_principal_id: principal_id(self)?,
            certificate: self
                .certificate
                .clone()
                .ok_or_else(|| ConnectionError::Internal("no certificate".into()))?,
            created_at: now_rfc3339(),
            last_test: self.report.clone(),
        })
    }
}

pub(crate) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    rfc3339(now.replace_nanosecond(0).unwrap_or(now))
}

/// A time as RFC 3339 text.
fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// What a step is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StepState {
    /// Working.
    Running,
    /// Waiting for Entra ID or SharePoint to show what was made (replication).
    Waiting,
    /// Finished.
    Done,
    /// Found already done (a resumed apply) and skipped.
    Skipped,
    /// Failed.
    Failed,
}

/// One progress report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// The step.
    pub step: StepKind,
    /// What it is doing.
    pub state: StepState,
    /// In words (what it waits for, what it made).
    pub detail: String,
    /// Time in the step so far, in milliseconds.
    #[ts(type = "number")]
    pub elapsed_ms: u64,
    /// Polls so far while waiting.
    pub attempt: u32,
}

/// How long and how often to wait for replication.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// The first wait between polls.
    pub first_poll: Duration,
    /// The longest wait between polls.
    pub max_poll: Duration,
    /// After this long, the progress says it is taking longer than usual.
    pub patience: Duration,
    /// After this long a step stops waiting ([`ConnectionError::ReplicationSlow`], resumable).
    pub budget: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            // Polls at most every 1.5 s: a replication that completes is noticed within that
            // (the create benchmark's aim: done within 2 s after the last replication), and a
            // read costs 1 resource unit, so even minutes of waiting cost little budget.
            first_poll: Duration::from_millis(250),
            max_poll: Duration::from_millis(1500),
            patience: Duration::from_secs(120),
            budget: Duration::from_secs(600),
        }
    }
}

/// A cancel switch shared with whoever may press it.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<(AtomicBool, tokio::sync::Notify)>);

impl Cancel {
    /// Asks the apply to stop at its next call.
    pub fn cancel(&self) {
        self.0.0.store(true, Ordering::SeqCst);
        self.0.1.notify_waiters();
    }

    /// Whether it was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.0.load(Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), ConnectionError> {
        if self.is_cancelled() { Err(ConnectionError::Cancelled) } else { Ok(()) }
    }

    /// Sleeps `wait` unless cancelled first.
    async fn sleep(&self, wait: Duration) -> Result<(), ConnectionError> {
        let notified = self.0.1.notified();
        self.check()?;
        tokio::select! {
            () = tokio::time::sleep(wait) => Ok(()),
            () = notified => Err(ConnectionError::Cancelled),
        }
    }
}

/// What an apply works with.
#[derive(Clone, Debug)]
pub struct Context {
    /// Microsoft Graph as the signed-in administrator.
    pub graph: GraphClient,
    /// Where journals, keys and records are kept.
    pub store: ConnectionStore,
    /// The tenant's authority (for the connection's own app-only tokens).
    pub authority: Authority,
    /// Proxy and trust for the sign-in service.
    pub network: NetworkOptions,
    /// The Graph origin.
    pub graph_host: String,
    /// Where SharePoint REST requests go instead of each site's host (a local emulator only).
    pub sharepoint_override: Option<String>,
    /// Waiting.
    pub options: ApplyOptions,
}

/// Reports progress.
pub type Report<'a> = &'a (dyn Fn(Progress) + Send + Sync);

/// One step's clock and reporter.
pub(crate) struct Step<'a> {
    pub kind: StepKind,
    pub started: Instant,
    pub report: Report<'a>,
}

impl Step<'_> {
    pub fn say(&self, state: StepState, detail: impl Into<String>, attempt: u32) {
        (self.report)(Progress {
            step: self.kind,
            state,
            detail: detail.into(),
            elapsed_ms: self.started.elapsed().as_millis() as u64,
            attempt,
        });
    }
}

/// Whether a Graph failure means "not replicated yet" (docs/microsoft §2.8): 404
/// `Request_ResourceNotFound`, or 400 naming an application or reference that is not (yet)
/// valid.
pub(crate) fn not_replicated(error: &GraphError) -> bool {
    match error {
        GraphError::Service { status: 404, .. } => true,
        GraphError::Service { status: 400, message, .. } => {
            let m = message.to_ascii_lowercase();
            m.contains("does not reference a valid application")
                || m.contains("not a valid reference")
                || m.contains("does not exist")
        }
        _ => false,
    }
}

/// Polls `attempt` until it gives `Some`, with capped exponential backoff and jitter; reports
/// what it waits for. `Ok(None)` means "not yet".
pub(crate) async fn until<T, F, Fut>(
    options: &ApplyOptions,
    cancel: &Cancel,
    step: &Step<'_>,
    what: &str,
    mut attempt: F,
) -> Result<T, ConnectionError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ConnectionError>>,
{
    let started = Instant::now();
    let mut wait = options.first_poll;
    let mut polls = 0u32;
    loop {
        cancel.check()?;
        if let Some(found) = attempt().await? {
            return Ok(found);
        }
        polls += 1;
        let waited = started.elapsed();
        if waited >= options.budget {
            return Err(ConnectionError::ReplicationSlow { what: what.to_owned(), waited });
        }
        let slow = if waited >= options.patience { " (longer than usual)" } else { "" };
        step.say(
            StepState::Waiting,
            format!("Waiting for {what} to replicate in Microsoft Entra ID{slow}"),
            polls,
        );
        // Full jitter over the upper half of the wait.
        let jitter = f64::from(getrandom::u32().unwrap_or(0)) / f64::from(u32::MAX);
        let pause = wait.div_f64(2.0).mul_f64(1.0 + jitter);
        cancel.sleep(pause.min(options.budget.saturating_sub(waited))).await?;
        wait = (wait * 2).min(options.max_poll);
    }
}

pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ConnectionError> + Send + 'static,
) -> Result<T, ConnectionError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ConnectionError::Internal(format!("a background task failed ({e})")))?
}

async fn save(ctx: &Context, journal: &Journal) -> Result<(), ConnectionError> {
    let (store, journal) = (ctx.store.clone(), journal.clone());
    blocking(move || store.save_journal(&journal)).await
}

/// Starts an apply: checks the request, refuses a name another connection of the tenant has,
/// and keeps the first journal (so a kill from here on is offered for resumption).
pub async fn begin(ctx: &Context, request: ConnectionRequest) -> Result<Journal, ConnectionError> {
    request.validate()?;
    let store = ctx.store.clone();
    let listing = blocking(move || store.connections()).await?;
    let name = request.name.trim().to_lowercase();
    if listing.connections.iter().any(|c| {
        c.request.tenant_id == request.tenant_id && c.request.name.trim().to_lowercase() == name
    }) {
        return Err(ConnectionError::NameTaken { name: request.name.trim().to_owned() });
    }
    let (store, id) = (ctx.store.clone(), request.id.clone());
    let started = blocking(move || match store.journal(&id) {
        Ok(_) => Ok(true),
        Err(ConnectionError::NotFound(_)) => Ok(false),
        Err(other) => Err(other),
    })
    .await?;
    // A second start would make a new key for an application that holds the first one's
    // certificate: an apply once started is resumed or rolled back, never started again.
    if started {
        return Err(ConnectionError::InvalidInput {
            field: "id",
            message: "This connection's apply has started already: resume it or roll it back \
                      (Connections, Unfinished)."
                .into(),
        });
    }
    let journal = Journal::new(request);
    save(ctx, &journal).await?;
    Ok(journal)
}

/// Runs (or resumes) the apply of `journal` to the end: the connection record. On failure or
/// cancel the journal keeps what was made and says why, for resume or rollback.
pub async fn run(
    ctx: &Context,
    journal: &mut Journal,
    report: Report<'_>,
    cancel: &Cancel,
) -> Result<ConnectionRecord, ConnectionError> {
    journal.status = JournalStatus::Applying;
    let outcome = steps(ctx, journal, report, cancel).await;
    match &outcome {
        Ok(_) => {}
        Err(ConnectionError::Cancelled) => {
            journal.status = JournalStatus::Cancelled;
            save(ctx, journal).await?;
        }
        Err(error) => {
            journal.status = JournalStatus::Failed { message: error.to_string() };
            save(ctx, journal).await?;
        }
    }
    outcome
}

async fn steps(
    ctx: &Context,
    journal: &mut Journal,
    report: Report<'_>,
    cancel: &Cancel,
) -> Result<ConnectionRecord, ConnectionError> {
    let mut record = None;
    for kind in crate::plan::step_kinds(&journal.request) {
        cancel.check()?;
        let step = Step { kind, started: Instant::now(), report };
        step.say(StepState::Running, "", 0);
        let outcome = match kind {
            StepKind::Certificate => certificate(ctx, journal).await,
            StepKind::Resources => resources(ctx, journal).await,
            StepKind::Application => application(ctx, journal, &step, cancel).await,
            StepKind::ServicePrincipal => service_principal(ctx, journal, &step, cancel).await,
            StepKind::Consent => consent(ctx, journal, &step, cancel).await,
            StepKind::Sites => sites(ctx, journal, &step, cancel).await,
            StepKind::Verify => verify::run(ctx, journal, &step, cancel).await,
            StepKind::Save => {
                let made = finish(ctx, journal).await?;
                record = Some(made);
                Ok((false, "Kept on this computer".to_owned()))
            }
        };
        match outcome {
            Ok((skipped, detail)) => {
                if !journal.done.contains(&kind) {
                    journal.done.push(kind);
                }
                if kind != StepKind::Save {
                    save(ctx, journal).await?;
                }
                step.say(if skipped { StepState::Skipped } else { StepState::Done }, detail, 0);
            }
            Err(error) => {
                step.say(StepState::Failed, error.to_string(), 0);
                return Err(error);
            }
        }
    }
    record.ok_or_else(|| ConnectionError::Internal("the apply ended without a record".into()))
}

/// What a step ends with: whether it was found done already, and what it did in words.
type StepOutcome = Result<(bool, String), ConnectionError>;

async fn certificate(ctx: &Context, journal: &mut Journal) -> StepOutcome {
    let id = journal.request.id.clone();
    if let Some(cert) = &journal.certificate {
        let (store, key_id) = (ctx.store.clone(), id.clone());
        if blocking(move || store.key(&key_id)).await.is_ok() {
            return Ok((true, format!("Certificate {} made earlier", cert.thumbprint)));
        }
    }
    let choice = journal.request.certificate.clone();
    let store = ctx.store.clone();
    let record = blocking(move || {
        let request = CertificateRequest {
            common_name: choice.subject.trim().to_owned(),
            key_size: KeySize::from_bits(choice.key_bits).unwrap_or(KeySize::Rsa2048),
            not_before: time::OffsetDateTime::now_utc(),
            validity: Duration::from_secs(u64::from(choice.validity_days) * 24 * 3600),
        };
        let made = spconnect_certs::generate(&request)
            .map_err(|e| ConnectionError::Certificate(e.to_string()))?;
        // The key is kept (encrypted) before its certificate is used anywhere.
        store.save_key(&id, &made.private_key)?;
        Ok(certificate_record(&made.certificate))
    })
    .await?;
    let detail =
        format!("Certificate {} made; its private key is kept encrypted", record.thumbprint);
    journal.certificate = Some(record);
    Ok((false, detail))
}

/// The record of a certificate's public part.
pub fn certificate_record(cert: &spconnect_certs::PublicCertificate) -> CertificateRecord {
    CertificateRecord {
        thumbprint: cert.sha1_hex(),
        x5t_s256: cert.x5t_s256(),
        subject: cert.subject().to_owned(),
        not_before: rfc3339(cert.not_before()),
        not_after: rfc3339(cert.not_after()),
        key_bits: cert.key_bits(),
        der_base64: cert.base64(),
    }
}

async fn resources(ctx: &Context, journal: &mut Journal) -> StepOutcome {
    if !journal.targets.is_empty() {
        return Ok((true, "Permission ids looked up earlier".into()));
    }
    let mut targets = Vec::new();
    for (api, value) in journal.request.app_roles() {
        let step = format!("Looking up {}'s permissions", api.name());
        let sp = p::resource_principal(&ctx.graph, api.resource_app_id())
            .await
            .map_err(|e| ConnectionError::graph(&step, e))?;
        let role = sp.role_id(value).ok_or_else(|| {
            ConnectionError::Internal(format!(
                "{} does not offer the application permission {value} in this tenant.",
                sp.display_name
            ))
        })?;
        targets.push(GrantTarget {
            api,
            resource_id: sp.id.clone(),
            app_role_id: role.to_owned(),
            value: value.to_owned(),
        });
    }
    let detail = targets
        .iter()
        .map(|t| format!("{} {}", t.api.name(), t.value))
        .collect::<Vec<_>>()
        .join(", ");
    journal.targets = targets;
    Ok((false, detail))
}

fn application_body(journal: &Journal) -> Result<serde_json::Value, ConnectionError> {
    let request = &journal.request;
    let cert = journal
        .certificate
        .as_ref()
        .ok_or_else(|| ConnectionError::Internal("no certificate to upload".into()))?;
    let mut access: Vec<serde_json::Value> = Vec::new();
    for target in &journal.targets {
        access.push(json!({
            "resourceAppId": target.api.resource_app_id(),
            "resourceAccess": [{"id": target.app_role_id, "type": "Role"}],
        }));
    }
    Ok(json!({
        "displayName": request.name.trim(),
        "signInAudience": "AzureADMyOrg",
        "requiredResourceAccess": access,
        "keyCredentials": [{
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
            "key": cert.der_base64,
            "displayName": cert.subject,
            "startDateTime": cert.not_before,
            "endDateTime": cert.not_after,
        }],
        "tags": [TAG, request.id.tag()],
        "notes": format!(
            "Created by spconnect for the connection {} by {}. Its certificate's private key is kept only on the computer that created it.",
            request.id, request.creator.username
        ),
    }))
}

async fn application(
    ctx: &Context,
    journal: &mut Journal,
    step: &Step<'_>,
    cancel: &Cancel,
) -> StepOutcome {
    if let Some((_, app_id)) = &journal.application {
        return Ok((true, format!("Application {app_id} created earlier")));
    }
    let unique = journal.request.id.unique_name();
    let what = "Creating the application";
    let found = p::find_application(&ctx.graph, &unique)
        .await
        .map_err(|e| ConnectionError::graph(what, e))?;
    let (ids, skipped) = match found {
        Some(ids) => (ids, true),
        None => match p::upsert_application(&ctx.graph, &unique, &application_body(journal)?)
            .await
            .map_err(|e| ConnectionError::graph(what, e))?
        {
            Some(created) => (created, false),
            // It existed (204) but is not readable yet: wait for it.
            None => {
                let ids = until(&ctx.options, cancel, step, "the application", || async {
                    p::find_application(&ctx.graph, &unique)
                        .await
                        .map_err(|e| ConnectionError::graph(what, e))
                })
                .await?;
                (ids, true)
            }
        },
    };
    let detail = format!("Application {} ({})", journal.request.name.trim(), ids.app_id);
    journal.application = Some((ids.object_id, ids.app_id));
    Ok((skipped, detail))
}

fn app_id(journal: &Journal) -> Result<String, ConnectionError> {
    journal
        .application
        .as_ref()
        .map(|(_, app_id)| app_id.clone())
        .ok_or_else(|| ConnectionError::Internal("the application was not created".into()))
}

fn principal_id(journal: &Journal) -> Result<String, ConnectionError> {
    journal
        .service_principal_id
        .clone()
        .ok_or_else(|| ConnectionError::Internal("the service principal was not created".into()))
}

async fn service_principal(
    ctx: &Context,
    journal: &mut Journal,
    step: &Step<'_>,
    cancel: &Cancel,
) -> StepOutcome {
    if let Some(id) = &journal.service_principal_id {
        return Ok((true, format!("Service principal {id} created earlier")));
    }
    let app_id = app_id(journal)?;
    let what = "Creating the service principal";
    let (id, existed) = until(&ctx.options, cancel, step, "the application", || async {
        match p::find_service_principal(&ctx.graph, &app_id).await {
            Ok(Some(id)) => return Ok(Some((id, true))),
            Ok(None) => {}
            Err(e) => return Err(ConnectionError::graph(what, e)),
        }
        match p::upsert_service_principal(&ctx.graph, &app_id).await {
            Ok(id) => Ok(Some((id, false))),
            Err(e) if not_replicated(&e) => Ok(None),
            Err(e) => Err(ConnectionError::graph(what, e)),
        }
    })
    .await?;
    journal.service_principal_id = Some(id.clone());
    Ok((existed, format!("Service principal {id}")))
}

async fn consent(
    ctx: &Context,
    journal: &mut Journal,
    step: &Step<'_>,
    cancel: &Cancel,
) -> StepOutcome {
    let principal = principal_id(journal)?;
    let what = "Granting admin consent";
    let targets = journal.targets.clone();
    let mut made = 0;
    for target in &targets {
        let label =
            format!("the service principal (to grant {} {})", target.api.name(), target.value);
        let created = until(&ctx.options, cancel, step, &label, || async {
            let existing = match p::app_role_assignments(&ctx.graph, &principal).await {
                Ok(list) => list,
                Err(e) if not_replicated(&e) => return Ok(None),
                Err(e) => return Err(ConnectionError::graph(what, e)),
            };
            if existing
                .iter()
                .any(|a| a.resource_id == target.resource_id && a.app_role_id == target.app_role_id)
            {
                return Ok(Some(false));
            }
            match p::assign_app_role(
                &ctx.graph,
                &target.resource_id,
                &principal,
                &target.app_role_id,
            )
            .await
            {
                Ok(_) => Ok(Some(true)),
                Err(e) if not_replicated(&e) => Ok(None),
                Err(e) => Err(ConnectionError::graph(what, e)),
            }
        })
        .await?;
        made += usize::from(created);
    }
    let names = targets
        .iter()
        .map(|t| format!("{} {}", t.api.name(), t.value))
        .collect::<Vec<_>>()
        .join(", ");
    Ok((made == 0, format!("Admin consent granted: {names}")))
}

async fn sites(
    ctx: &Context,
    journal: &mut Journal,
    step: &Step<'_>,
    cancel: &Cancel,
) -> StepOutcome {
    let app_id = app_id(journal)?;
    let name = journal.request.name.trim().to_owned();
    let what = "Granting site access";
    let mut made = 0;
    for site in journal.request.sites.clone() {
        let label = format!("the application in SharePoint (to grant {})", site.name);
        let created = until(&ctx.options, cancel, step, &label, || async {
            let existing = match p::site_permissions(&ctx.graph, &site.site_id).await {
                Ok(list) => list,
                Err(e) => return Err(ConnectionError::graph(what, e)),
            };
            let ours =
                existing.iter().find(|g| g.app_ids.iter().any(|a| a.eq_ignore_ascii_case(&app_id)));
            let (grant, created) = match ours {
                Some(found) if found.roles.iter().any(|r| site.role.satisfied_by(r)) => {
                    return Ok(Some(false));
                }
                Some(weaker) => (weaker.id.clone(), false),
                None => match p::grant_site(
                    &ctx.graph,
                    &site.site_id,
                    &app_id,
                    &name,
                    site.role.create_as().graph_name(),
                )
                .await
                {
                    Ok(g) => (g.id, true),
                    Err(e) if not_replicated(&e) => return Ok(None),
                    Err(e) => return Err(ConnectionError::graph(what, e)),
                },
            };
            if site.role.create_as() != site.role || !created {
                p::set_site_role(&ctx.graph, &site.site_id, &grant, site.role.graph_name())
                    .await
                    .map_err(|e| ConnectionError::graph(what, e))?;
            }
            Ok(Some(created))
        })
        .await?;
        made += usize::from(created);
        step.say(StepState::Running, format!("{} on {}", site.role.graph_name(), site.name), 0);
    }
    Ok((made == 0, format!("{} site(s) granted", journal.request.sites.len())))
}

async fn finish(ctx: &Context, journal: &mut Journal) -> Result<ConnectionRecord, ConnectionError> {
    let record = journal.record()?;
    let (store, saved, id) = (ctx.store.clone(), record.clone(), journal.request.id.clone());
    blocking(move || {
        store.save(&saved)?;
        store.delete_journal(&id)
    })
    .await?;
    Ok(record)
}

/// What a rollback removed and what it had to leave.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RollbackReport {
    /// What was deleted.
    pub removed: Vec<String>,
    /// What is left, each with why.
    pub left: Vec<String>,
}

/// Deletes what the apply of `journal` created: its site grants, service principal and
/// application (found by the journal or by its `uniqueName`), purged from deleted items where
/// the person may; then forgets the journal and the key on this computer.
pub async fn rollback(
    ctx: &Context,
    journal: &Journal,
    report: Report<'_>,
) -> Result<RollbackReport, ConnectionError> {
    let step = Step { kind: StepKind::Application, started: Instant::now(), report };
    let mut result = RollbackReport::default();
    let what = "Rolling back";
    let g = &ctx.graph;
    let unique = journal.request.id.unique_name();
    let ids = match &journal.application {
        Some((object_id, app_id)) => {
            Some(p::ApplicationIds { object_id: object_id.clone(), app_id: app_id.clone() })
        }
        None => {
            p::find_application(g, &unique).await.map_err(|e| ConnectionError::graph(what, e))?
        }
    };
    // Site grants: those recorded, and any other naming the application on the chosen sites.
    if let Some(ids) = &ids {
        for site in &journal.request.sites {
            let grants = match p::site_permissions(g, &site.site_id).await {
                Ok(grants) => grants,
                Err(e) => {
                    result
                        .left
                        .push(format!("Site permissions of {} could not be read: {e}", site.name));
                    continue;
                }
            };
            for grant in grants
                .iter()
                .filter(|g| g.app_ids.iter().any(|a| a.eq_ignore_ascii_case(&ids.app_id)))
            {
                p::revoke_site(g, &site.site_id, &grant.id)
                    .await
                    .map_err(|e| ConnectionError::graph(what, e))?;
                result.removed.push(format!("Site permission on {}", site.name));
                step.say(
                    StepState::Running,
                    format!("Removed the site permission on {}", site.name),
                    0,
                );
            }
        }
        let principal = match &journal.service_principal_id {
            Some(id) => Some(id.clone()),
            None => p::find_service_principal(g, &ids.app_id)
                .await
                .map_err(|e| ConnectionError::graph(what, e))?,
        };
        if let Some(sp) = principal
            && p::delete_service_principal(g, &sp)
                .await
                .map_err(|e| ConnectionError::graph(what, e))?
        {
            result.removed.push("Service principal (with its permission grants)".into());
        }
        if p::delete_application(g, &ids.object_id)
            .await
            .map_err(|e| ConnectionError::graph(what, e))?
        {
            result.removed.push(format!("Application {}", journal.request.name.trim()));
        }
        match p::purge_deleted_application(g, &ids.object_id).await {
            Ok(true) => result.removed.push("The application from deleted items (purged)".into()),
            Ok(false) => {}
            Err(e) if e.status() == Some(403) => result.left.push(
                "The application stays in deleted items for 30 days: purging it needs Global \
                 Administrator, Application Administrator, Cloud Application Administrator or \
                 Hybrid Identity Administrator."
                    .into(),
            ),
            Err(e) => result
                .left
                .push(format!("The application could not be purged from deleted items: {e}")),
        }
    }
    let (store, id) = (ctx.store.clone(), journal.request.id.clone());
    blocking(move || store.forget(&id)).await?;
    result.removed.push("The key and the unfinished apply on this computer".into());
    step.say(StepState::Done, "Rolled back", 0);
    Ok(result)
}
