//! The connection commands: plan (what will be created, and whether the person's roles allow
//! it), apply with progress on a channel and Cancel, resume and roll back an unfinished apply,
//! test a connection with its own certificate, list connections (and unfinished applies, so a
//! restart offers to resume them), and export a certificate's public part.

use std::{collections::HashMap, sync::Mutex};

use spconnect_connections::{
    ConnectionError, IntegrationDefinition,
    apply::{
        self, ApplyOptions, Cancel, Context, Journal, JournalStatus, Progress, RollbackReport,
    },
    model::{ConnectionId, ConnectionRequest, Creator, TestReport},
    plan, verify,
};
use spconnect_identity::{Authority, NetworkOptions};
use spconnect_settings::KnownAccount;
use tauri::{Runtime, State, ipc::Channel};

use super::{
    accounts::{find_account, graph_as},
    blocking,
    integrations::INTEGRATIONS_DIR,
};
use crate::{
    AppState,
    accounts::roles_of,
    ipc::{
        ErrorCode, WireError,
        connections::{
            ApplyArgs, CertificateFormat, ConnectionActionArgs, ConnectionIdArgs, ConnectionView,
            ConnectionsView, DraftArgs, ExportArgs, ExportView, PendingView, PlanView, message_of,
        },
        contract::arguments,
    },
};

/// The applies running now, by connection id, with their cancel switches.
#[derive(Default)]
pub struct Running(Mutex<HashMap<String, Cancel>>);

impl Running {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cancel>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn start(&self, id: &ConnectionId) -> Result<Cancel, WireError> {
        let mut running = self.lock();
        if running.contains_key(id.as_str()) {
            return Err(WireError::new(
                ErrorCode::InvalidInput,
                "This connection is being applied already.",
            ));
        }
        let cancel = Cancel::default();
        running.insert(id.to_string(), cancel.clone());
        Ok(cancel)
    }

    fn end(&self, id: &ConnectionId) {
        self.lock().remove(id.as_str());
    }

    fn cancel(&self, id: &str) -> bool {
        match self.lock().get(id) {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }

    fn is_running(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }
}

/// What an apply, rollback or test of `account`'s works with.
fn context(state: &AppState, account: &KnownAccount) -> Result<Context, WireError> {
    let authority =
        Authority::new(&account.authority_host, &account.tenant_id).map_err(WireError::from)?;
    let loopback =
        url::Url::parse(&account.graph_host).ok().is_some_and(|u| spconnect_graph::is_loopback(&u));
    Ok(Context {
        graph: graph_as(state, account)?,
        store: state.connections().clone(),
        authority,
        network: NetworkOptions::default(),
        graph_host: account.graph_host.clone(),
        // A local tenant emulator serves SharePoint's hosts at its own address.
        sharepoint_override: loopback.then(|| account.graph_host.clone()),
        options: ApplyOptions::default(),
    })
}

/// Reads the integration definition saved in Browse, only from the app's own folder.
async fn definition(
    state: &AppState,
    path: Option<&str>,
) -> Result<Option<IntegrationDefinition>, WireError> {
    let Some(path) = path else { return Ok(None) };
    let folder = state.dirs().config_dir.join(INTEGRATIONS_DIR);
    let path = std::path::PathBuf::from(path);
    blocking("Reading the integration definition", move || {
        let inside =
            path.parent().and_then(|p| p.canonicalize().ok()) == folder.canonicalize().ok();
        if !inside {
            return Err(WireError {
                code: ErrorCode::InvalidInput,
                message: "The integration definition must be one saved in Browse.".into(),
                field: Some("definitionPath".into()),
            });
        }
        let storage = |what: &str, e: &dyn std::fmt::Display| {
            WireError::new(ErrorCode::Storage, format!("The integration definition {what} ({e})."))
        };
        let text = std::fs::read_to_string(&path).map_err(|e| storage("could not be read", &e))?;
        serde_json::from_str(&text).map(Some).map_err(|e| storage("is not readable", &e))
    })
    .await
}

/// The request a draft describes, for `account`.
async fn request_of(
    state: &AppState,
    draft: &DraftArgs,
    account: &KnownAccount,
) -> Result<ConnectionRequest, WireError> {
    let id = match &draft.id {
        Some(id) => ConnectionId::parse(id)?,
        None => ConnectionId::generate()?,
    };
    Ok(ConnectionRequest {
        id,
        name: draft.name.trim().to_owned(),
        tenant_id: account.tenant_id.clone(),
        model: draft.model,
        apis: draft.apis.clone(),
        sites: draft.sites.clone(),
        certificate: draft.certificate.clone(),
        creator: Creator {
            username: account.username.clone(),
            object_id: account.object_id.clone(),
        },
        definition: definition(state, draft.definition_path.as_deref()).await?,
    })
}

/// Sends progress to the window (a closed window is not an error: the apply goes on).
fn reporter(channel: Channel<Progress>) -> impl Fn(Progress) + Send + Sync {
    move |progress: Progress| {
        if let Err(error) = channel.send(progress) {
            tracing::debug!(%error, "progress could not be sent");
        }
    }
}

/// What will be created, before anything is: the steps, objects and calls, a warning for a
/// tenant-wide permission, and whether the person's roles allow it.
#[tauri::command]
pub async fn plan_connection(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<PlanView, WireError> {
    let draft: DraftArgs = arguments("plan_connection", &request)?;
    let account =
        find_account(&state, &draft.tenant_id, &draft.object_id, &draft.client_id).await?;
    let connection = request_of(&state, &draft, &account).await?;
    let planned = plan::plan(&connection)?;
    let refusal = plan::check_roles(&connection, &roles_of(&account)).err().map(|e| message_of(&e));
    Ok(PlanView {
        id: connection.id.to_string(),
        unique_name: connection.id.unique_name(),
        plan: planned,
        refusal,
    })
}

async fn run_apply(
    state: &AppState,
    ctx: &Context,
    mut journal: Journal,
    report: &(dyn Fn(Progress) + Send + Sync),
) -> Result<ConnectionView, WireError> {
    let id = journal.request.id.clone();
    let cancel = state.running().start(&id)?;
    let outcome = apply::run(ctx, &mut journal, report, &cancel).await;
    state.running().end(&id);
    let record = outcome?;
    tracing::info!(connection = %id, "connection created");
    Ok(ConnectionView::from(&record))
}

/// Creates the connection the plan described, step by step, progress on the channel.
#[tauri::command]
pub async fn apply_connection<R: Runtime>(
    webview: tauri::Webview<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<ConnectionView, WireError> {
    let ApplyArgs { draft, on_progress } = arguments("apply_connection", &request)?;
    if draft.id.is_none() {
        return Err(WireError {
            code: ErrorCode::InvalidInput,
            message: "Plan the connection first: apply carries out a plan you have seen.".into(),
            field: Some("draft.id".into()),
        });
    }
    let channel = on_progress.channel_on(webview);
    let account =
        find_account(&state, &draft.tenant_id, &draft.object_id, &draft.client_id).await?;
    let connection = request_of(&state, &draft, &account).await?;
    // Refused before anything is created.
    plan::check_roles(&connection, &roles_of(&account))?;
    let ctx = context(&state, &account)?;
    let journal = apply::begin(&ctx, connection).await?;
    run_apply(&state, &ctx, journal, &reporter(channel)).await
}

/// The arguments of a command acting on one connection as one person: the account, the
/// connection's id, and where its progress goes.
async fn action<R: Runtime>(
    command: &str,
    webview: tauri::Webview<R>,
    state: &AppState,
    request: &tauri::ipc::Request<'_>,
) -> Result<(KnownAccount, String, impl Fn(Progress) + Send + Sync + use<R>), WireError> {
    let ConnectionActionArgs { tenant_id, object_id, client_id, id, on_progress } =
        arguments(command, request)?;
    let channel = on_progress.channel_on(webview);
    let account = find_account(state, &tenant_id, &object_id, &client_id).await?;
    Ok((account, id, reporter(channel)))
}

async fn journal_of(state: &AppState, id: &str) -> Result<Journal, WireError> {
    let id = ConnectionId::parse(id)?;
    let store = state.connections().clone();
    blocking("Reading the unfinished apply", move || Ok(store.journal(&id)?)).await
}

/// Resumes an unfinished apply as the given person: finished steps are found and skipped.
#[tauri::command]
pub async fn resume_connection<R: Runtime>(
    webview: tauri::Webview<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<ConnectionView, WireError> {
    let (account, id, report) = action("resume_connection", webview, &state, &request).await?;
    let journal = journal_of(&state, &id).await?;
    if journal.request.tenant_id != account.tenant_id {
        return Err(WireError::new(
            ErrorCode::InvalidInput,
            "Sign in to the connection's tenant to resume it.",
        ));
    }
    plan::check_roles(&journal.request, &roles_of(&account))?;
    let ctx = context(&state, &account)?;
    run_apply(&state, &ctx, journal, &report).await
}

/// Stops the running apply of a connection at its next call; `false` when none runs.
#[tauri::command]
pub fn cancel_apply(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<bool, WireError> {
    let ConnectionIdArgs { id } = arguments("cancel_apply", &request)?;
    Ok(state.running().cancel(&id))
}

/// Deletes what an unfinished apply created in the tenant and forgets it here.
#[tauri::command]
pub async fn rollback_connection<R: Runtime>(
    webview: tauri::Webview<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<RollbackReport, WireError> {
    let (account, id, report) = action("rollback_connection", webview, &state, &request).await?;
    if state.running().is_running(&id) {
        return Err(WireError::new(
            ErrorCode::InvalidInput,
            "Cancel the apply first, then roll it back.",
        ));
    }
    let journal = journal_of(&state, &id).await?;
    let ctx = context(&state, &account)?;
    let rolled = apply::rollback(&ctx, &journal, &report).await?;
    tracing::info!(connection = %id, removed = rolled.removed.len(), left = rolled.left.len(), "apply rolled back");
    Ok(rolled)
}

/// Tests a connection with its own certificate; the result is kept with the connection.
#[tauri::command]
pub async fn test_connection<R: Runtime>(
    webview: tauri::Webview<R>,
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<TestReport, WireError> {
    let (account, id, report) = action("test_connection", webview, &state, &request).await?;
    let id = ConnectionId::parse(&id)?;
    let store = state.connections().clone();
    let (record, key) =
        blocking("Reading the connection", move || Ok((store.connection(&id)?, store.key(&id)?)))
            .await?;
    let ctx = context(&state, &account)?;
    let tested = verify::test(&ctx, &record, key, &report, &Cancel::default()).await?;
    let mut record = record;
    record.last_test = Some(tested.clone());
    let store = state.connections().clone();
    blocking("Saving the test result", move || Ok(store.save(&record).map(|_| ())?)).await?;
    Ok(tested)
}

/// The connections on this computer, the unfinished applies, and records that cannot be read.
#[tauri::command]
pub async fn list_connections(state: State<'_, AppState>) -> Result<ConnectionsView, WireError> {
    let store = state.connections().clone();
    let (listing, (journals, journal_problems)) =
        blocking("Reading the connections", move || Ok((store.connections()?, store.journals()?)))
            .await?;
    let pending = journals
        .iter()
        .map(|j| {
            let (state_name, message) = match &j.status {
                JournalStatus::Applying => ("applying", None),
                JournalStatus::Failed { message } => ("failed", Some(message.clone())),
                JournalStatus::Cancelled => ("cancelled", None),
            };
            PendingView {
                id: j.request.id.to_string(),
                name: j.request.name.clone(),
                tenant_id: j.request.tenant_id.clone(),
                created_by: j.request.creator.username.clone(),
                started_at: j.started_at.clone(),
                state: state_name.to_owned(),
                message,
                done: j.done.clone(),
                report: j.report.clone(),
                running: state.running().is_running(j.request.id.as_str()),
            }
        })
        .collect();
    let problems = listing
        .problems
        .into_iter()
        .chain(journal_problems)
        .map(|e: ConnectionError| message_of(&e))
        .collect();
    Ok(ConnectionsView {
        connections: listing.connections.iter().map(ConnectionView::from).collect(),
        pending,
        problems,
    })
}

/// Writes a connection's certificate (the public part only) to the exports folder.
#[tauri::command]
pub async fn export_certificate(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<ExportView, WireError> {
    let ExportArgs { id, format } = arguments("export_certificate", &request)?;
    let id = ConnectionId::parse(&id)?;
    let store = state.connections().clone();
    let folder = state.dirs().config_dir.join("exports");
    blocking("Exporting the certificate", move || {
        let record = store.connection(&id)?;
        let cert = spconnect_certs::PublicCertificate::from_base64(&record.certificate.der_base64)
            .map_err(|e| WireError::internal("Reading the certificate", e))?;
        let (extension, bytes) = match format {
            CertificateFormat::Pem => ("pem", cert.pem().into_bytes()),
            CertificateFormat::Cer => ("cer", cert.der().to_vec()),
        };
        let path = folder.join(format!("spconnect-{id}.{extension}"));
        spconnect_settings::write_atomically(&path, &bytes).map_err(|e| {
            WireError::new(
                ErrorCode::Storage,
                format!("The certificate could not be written ({e})."),
            )
        })?;
        Ok(ExportView { path: path.display().to_string(), pem: cert.pem() })
    })
    .await
}
