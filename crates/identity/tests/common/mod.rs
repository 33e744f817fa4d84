//! What the identity tests share: the tenant emulator over loopback, its control API, and a
//! "browser" played by an HTTP client that follows the authorize redirect and posts the
//! emulator's sign-in and consent forms, then delivers the redirect to our loopback listener.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use serde_json::Value;
use spconnect_emulator::{Config, DEMO_TENANT_ID, Emulator, SPCONNECT_CLIENT_ID};
use spconnect_identity::{Authority, Identity, IdentityConfig, MemoryStore};

pub const ADMIN: (&str, &str) = ("admin@contoso.onmicrosoft.com", "Demo-Admin-2026!");
pub const USER: (&str, &str) = ("user@contoso.onmicrosoft.com", "Demo-User-2026!");
pub const USER_READ: &str = "https://graph.microsoft.com/User.Read";
pub const SITES_READ: &str = "https://graph.microsoft.com/Sites.Read.All";
/// A Graph permission the demo tenant has not consented to for spconnect.
pub const NOT_CONSENTED: &str = "https://graph.microsoft.com/Sites.ReadWrite.All";

/// A running emulator and a plain client for its control API.
pub struct Tenant {
    pub emulator: Emulator,
    pub base: String,
    http: reqwest::Client,
}

impl Tenant {
    pub fn start() -> Self {
        Self::start_with(Config::default())
    }

    pub fn start_with(config: Config) -> Self {
        let emulator = Emulator::start(config).expect("the emulator starts");
        let base = emulator.base_url();
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        Self { emulator, base, http }
    }

    /// An identity client for the demo tenant with spconnect's client id and a fresh store.
    pub fn identity(&self) -> (Identity, Arc<MemoryStore>) {
        self.identity_with(|_| {})
    }

    pub fn identity_with(
        &self,
        tweak: impl FnOnce(&mut IdentityConfig),
    ) -> (Identity, Arc<MemoryStore>) {
        let store = Arc::new(MemoryStore::new());
        (self.identity_sharing(store.clone(), tweak), store)
    }

    /// Another identity client (an empty memory cache, as after a restart) on `store`.
    pub fn identity_sharing(
        &self,
        store: Arc<MemoryStore>,
        tweak: impl FnOnce(&mut IdentityConfig),
    ) -> Identity {
        let authority = Authority::new(&self.base, DEMO_TENANT_ID).unwrap();
        let mut config = IdentityConfig::new(authority, SPCONNECT_CLIENT_ID);
        tweak(&mut config);
        Identity::new(config, store).unwrap()
    }

    /// Calls the emulator's control API; gives the status.
    pub async fn control(&self, method: &str, path: &str, body: Option<Value>) -> u16 {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap().status().as_u16()
    }

    /// How many token requests the emulator has seen.
    pub async fn token_requests(&self) -> usize {
        let log: Value = self
            .http
            .get(format!("{}/_emulator/requests", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["value"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| {
                r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/oauth2/v2.0/token")
            })
            .count()
    }

    /// `GET /v1.0/me` with a token; gives the status and body.
    pub async fn me(&self, token: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}/v1.0/me", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }
}

/// What the browser does on the consent page, if one comes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    Accept,
    Cancel,
}

/// What the browser ended up showing.
pub struct Visit {
    pub status: u16,
    pub body: String,
    /// The code the redirect carried (captured to check it never leaks).
    pub code: Option<String>,
    /// The redirect URL the browser was sent to.
    pub redirect: Option<String>,
}

/// A browser without cookies that does not follow redirects by itself.
pub struct Browser {
    http: reqwest::Client,
}

impl Default for Browser {
    fn default() -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }
}

/// The value of `attribute` on the element that contains `marker`, e.g. a form's action.
pub fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let start = html.find(marker)?;
    let rest = &html[start..];
    let at = rest.find(&format!("{attribute}=\""))? + attribute.len() + 2;
    Some(rest[at..].split('"').next()?.replace("&amp;", "&"))
}

fn hidden(html: &str, name: &str) -> Option<String> {
    attribute_after(html, &format!("name=\"{name}\""), "value")
}

impl Browser {
    pub async fn get(&self, url: &str) -> (u16, String, Option<String>) {
        let response = self.http.get(url).send().await.unwrap();
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        (status, response.text().await.unwrap_or_default(), location)
    }

    async fn post(&self, url: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let response = self.http.post(url).form(form).send().await.unwrap();
        let status = response.status().as_u16();
        let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
        (status, response.text().await.unwrap_or_default(), location)
    }

    /// Opens `authorize_url`, signs in as `user`, answers a consent page with `consent`, and
    /// follows the redirect back to the app's loopback address.
    pub async fn sign_in(
        &self,
        authorize_url: &str,
        user: (&str, &str),
        consent: Consent,
    ) -> Visit {
        let origin = url::Url::parse(authorize_url).unwrap().origin().ascii_serialization();
        let (status, page, _) = self.get(authorize_url).await;
        assert_eq!(status, 200, "the sign-in page: {page}");
        let action = attribute_after(&page, "<form", "action").unwrap();
        let ctx = hidden(&page, "ctx").unwrap();
        let (mut status, mut page, mut location) = self
            .post(
                &format!("{origin}{action}"),
                &[("ctx", &ctx), ("login", user.0), ("passwd", user.1)],
            )
            .await;
        if status == 200 && page.contains("/consent\"") {
            let action = attribute_after(&page, "<form", "action").unwrap();
            let ctx = hidden(&page, "ctx").unwrap();
            let choice = if consent == Consent::Accept { "accept" } else { "cancel" };
            (status, page, location) =
                self.post(&format!("{origin}{action}"), &[("ctx", &ctx), ("action", choice)]).await;
        }
        let redirect =
            location.unwrap_or_else(|| panic!("a redirect back to the app ({status}): {page}"));
        let code = url::Url::parse(&redirect)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned());
        let (status, body, _) = self.get(&redirect).await;
        Visit { status, body, code, redirect: Some(redirect) }
    }

    /// Enters a device code on `/devicelogin`, signs in as `user` and answers consent.
    pub async fn device_login(
        &self,
        verification_uri: &str,
        user_code: &str,
        user: (&str, &str),
        consent: Consent,
    ) -> String {
        let origin = url::Url::parse(verification_uri).unwrap().origin().ascii_serialization();
        let (status, page, _) = self.post(verification_uri, &[("otc", user_code)]).await;
        assert_eq!(status, 200, "{page}");
        let action = attribute_after(&page, "<form", "action").unwrap();
        let ctx = hidden(&page, "ctx").unwrap();
        let (_, mut page, _) = self
            .post(
                &format!("{origin}{action}"),
                &[("ctx", &ctx), ("login", user.0), ("passwd", user.1)],
            )
            .await;
        if page.contains("/consent\"") {
            let action = attribute_after(&page, "<form", "action").unwrap();
            let ctx = hidden(&page, "ctx").unwrap();
            let choice = if consent == Consent::Accept { "accept" } else { "cancel" };
            (_, page, _) =
                self.post(&format!("{origin}{action}"), &[("ctx", &ctx), ("action", choice)]).await;
        }
        page
    }
}
