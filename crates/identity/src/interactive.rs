//! The browser sign-in (authorization code with PKCE, docs/microsoft §1.2–§1.4): the authorize
//! URL, the wait for the loopback redirect (cancellable, with a timeout), the code redemption
//! and the id token check.

use std::time::Duration;

use spconnect_secret::Secret;

use crate::{
    Identity,
    cancel::{CancelHandle, cancelled},
    client::TokenAnswer,
    error::IdentityError,
    loopback::{Listener, LoopbackName, Redirect},
    model::{Account, resource_of, with_oidc},
    pkce::{Pkce, random_string},
};

/// The `prompt` of the authorize request (docs/microsoft §1.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// Ask for credentials even with a browser session.
    Login,
    /// Show the account picker.
    SelectAccount,
    /// Show the consent page even when consent was given.
    Consent,
}

impl Prompt {
    fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::SelectAccount => "select_account",
            Self::Consent => "consent",
        }
    }
}

/// What to ask for in a browser sign-in.
#[derive(Clone, Debug)]
pub struct SignInRequest {
    /// The permissions (the OpenID scopes are added). The first resource's scopes are redeemed
    /// into the first access token.
    pub scopes: Vec<String>,
    /// The prompt, if any.
    pub prompt: Option<Prompt>,
    /// Pre-fills the user name (e.g. to sign the same person in again).
    pub login_hint: Option<String>,
    /// How the redirect URI names the loopback listener (what the client registered).
    pub loopback: LoopbackName,
}

impl SignInRequest {
    /// A request for `scopes`, without prompt or hint.
    pub fn new<S: AsRef<str>>(scopes: impl IntoIterator<Item = S>) -> Self {
        Self {
            scopes: scopes.into_iter().map(|s| s.as_ref().to_owned()).collect(),
            prompt: None,
            login_hint: None,
            loopback: LoopbackName::Ip,
        }
    }

    /// The same, redirecting to `http://localhost:{port}/` (for a client that registered only
    /// `http://localhost`).
    pub fn via_localhost(mut self) -> Self {
        self.loopback = LoopbackName::Localhost;
        self
    }
}

/// A browser sign-in waiting for the person: open [`authorize_url`](Self::authorize_url) in the
/// system browser, then await [`finish`](Self::finish). Dropping it releases the listener.
pub struct BrowserSignIn {
    identity: Identity,
    pub(crate) listener: Listener,
    redirect_uri: String,
    url: String,
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) verifier: Secret<String>,
    token_scopes: Vec<String>,
    cancel: CancelHandle,
    cancelled: tokio::sync::watch::Receiver<bool>,
    timeout: Duration,
}

impl std::fmt::Debug for BrowserSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrowserSignIn").field("port", &self.listener.port()).finish_non_exhaustive()
    }
}

impl Identity {
    /// Binds the loopback listener and builds the authorize URL; nothing is sent yet.
    pub async fn start_browser_sign_in(
        &self,
        request: SignInRequest,
    ) -> Result<BrowserSignIn, IdentityError> {
        let first = request.scopes.iter().find_map(|s| resource_of(s)).ok_or_else(|| {
            IdentityError::InvalidInput {
                field: "scopes",
                message: "name at least one permission".into(),
            }
        })?;
        let token_scopes: Vec<String> = request
            .scopes
            .iter()
            .filter(|s| resource_of(s).as_deref() == Some(&first))
            .cloned()
            .collect();
        let listener = Listener::bind().await?;
        let redirect_uri = listener.redirect_uri(request.loopback);
        let (state, nonce, pkce) = (random_string(32)?, random_string(32)?, Pkce::new()?);
        let config = self.config();
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("client_id", &config.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("response_mode", "query")
            .append_pair("scope", &with_oidc(&request.scopes))
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(prompt) = request.prompt {
            query.append_pair("prompt", prompt.as_str());
        }
        if let Some(hint) = request.login_hint.as_deref().filter(|h| !h.trim().is_empty()) {
            query.append_pair("login_hint", hint.trim());
        }
        let url = format!("{}?{}", config.authority.url("oauth2/v2.0/authorize"), query.finish());
        let (cancel, cancelled) = CancelHandle::new();
        tracing::info!(port = listener.port(), "browser sign-in started");
        Ok(BrowserSignIn {
            identity: self.clone(),
            listener,
            redirect_uri,
            url,
            state,
            nonce,
            verifier: pkce.verifier,
            token_scopes,
            cancel,
            cancelled,
            timeout: config.sign_in_timeout,
        })
    }
}

impl BrowserSignIn {
    /// The URL to open in the system browser.
    pub fn authorize_url(&self) -> &str {
        &self.url
    }

    /// The redirect URI (`http://127.0.0.1:{port}/`, or `http://localhost:{port}/`).
    pub fn redirect_uri(&self) -> String {
        self.redirect_uri.clone()
    }

    /// A handle that cancels this sign-in from elsewhere.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Waits for the browser's redirect (until cancelled or timed out), redeems the code, checks
    /// the id token and keeps the tokens. The listener is closed when this returns.
    pub async fn finish(self) -> Result<Account, IdentityError> {
        let Self {
            identity,
            listener,
            redirect_uri,
            state,
            nonce,
            verifier,
            token_scopes,
            cancelled: stop,
            timeout,
            ..
        } = self;
        let redirect = tokio::select! {
            redirect = listener.receive(&state) => redirect,
            () = cancelled(stop) => return Err(IdentityError::Cancelled),
            () = tokio::time::sleep(timeout) => return Err(IdentityError::TimedOut(timeout)),
        };
        let code = match redirect {
            Redirect::Code(code) => code,
            Redirect::Error { error, description } => {
                tracing::info!(error = %error, "sign-in redirected back with an error");
                return Err(IdentityError::SignInRefused { error, description });
            }
        };
        let authority = identity.config().authority.clone();
        let answer = redeem(&identity, &code, &redirect_uri, &verifier, &token_scopes).await?;
        identity.complete_sign_in(&authority, Some(&nonce), &token_scopes, answer).await
    }
}

/// Redeems an authorization code at the token endpoint with the PKCE verifier (docs/microsoft §1.4).
pub(crate) async fn redeem(
    identity: &Identity,
    code: &Secret<String>,
    redirect_uri: &str,
    verifier: &Secret<String>,
    token_scopes: &[String],
) -> Result<TokenAnswer, IdentityError> {
    let config = identity.config();
    let scope = with_oidc(token_scopes);
    let form = [
        ("client_id", config.client_id.as_str()),
        ("grant_type", "authorization_code"),
        ("code", code.expose().as_str()),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.expose().as_str()),
        ("scope", scope.as_str()),
    ];
    Ok(identity.inner.http.token(&config.authority.url("oauth2/v2.0/token"), &form).await?)
}
