//! An HTTP client over loopback that signs in to the emulator the way a browser does (by
//! submitting the sign-in form), and redeems the code. Self-contained, so that other crates'
//! tests can include it by path (`#[path = ".../emulator/tests/common/sign_in.rs"]`).
#![allow(dead_code)]

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::Value;
use sha2::Digest;
use spconnect_emulator::{Config, DEMO_TENANT_ID, Emulator, SPCONNECT_CLIENT_ID};

pub const REDIRECT: &str = "http://localhost:53127/";
pub const ADMIN: (&str, &str) = ("admin@contoso.onmicrosoft.com", "Demo-Admin-2026!");
pub const CLOUD_ADMIN: (&str, &str) = ("cloudadmin@contoso.onmicrosoft.com", "Demo-Cloud-2026!");
pub const USER: (&str, &str) = ("user@contoso.onmicrosoft.com", "Demo-User-2026!");
pub const GRAPH_SCOPES: &str = "openid profile offline_access https://graph.microsoft.com/.default";

/// A response: status, headers we look at, and the body.
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookie: Option<String>,
    pub headers: Vec<(String, String)>,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The value of a hidden input in an HTML page.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.text.find(&marker).unwrap_or_else(|| panic!("no {name} in {}", self.text))
            + marker.len();
        self.text[start..].split('"').next().unwrap_or_default().to_owned()
    }

    /// A query parameter of the redirect location.
    pub fn redirect_param(&self, name: &str) -> Option<String> {
        let location = url::Url::parse(self.location.as_deref()?).ok()?;
        location.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
    }
}

pub struct Client {
    pub emulator: Emulator,
    pub base: String,
    agent: ureq::Agent,
}

impl Client {
    pub fn start() -> Self {
        Self::start_with(Config::default())
    }

    pub fn start_with(config: Config) -> Self {
        let emulator = Emulator::start(config).expect("the emulator starts");
        let base = emulator.base_url();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Self { emulator, base, agent }
    }

    fn finish(&self, response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.expect("the request reaches the emulator");
        let header = |name: &str| {
            response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
        };
        let location = header("location");
        let set_cookie = header("set-cookie");
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        Reply { status, location, set_cookie, headers, text }
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.finish(request.call())
    }

    pub fn form(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.post(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.finish(request.send_form(fields.iter().copied()))
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {token}");
        let build = |m: ureq::http::Method| {
            let mut builder =
                ureq::http::Request::builder().method(m).uri(&url).header("Authorization", &auth);
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            builder
        };
        let method = ureq::http::Method::from_bytes(method.as_bytes()).expect("method");
        let response = match body {
            Some(body) => self.agent.run(
                build(method)
                    .header("Content-Type", "application/json")
                    .body(body.to_string())
                    .expect("request"),
            ),
            None => self.agent.run(build(method).body(()).expect("request")),
        };
        self.finish(response)
    }

    pub fn graph(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Reply {
        self.send(method, &format!("/v1.0{path}"), token, body, &[])
    }

    /// Starts an authorization with PKCE; returns the sign-in page.
    pub fn authorize(
        &self,
        tenant: &str,
        scope: &str,
        extra: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Reply {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("client_id", SPCONNECT_CLIENT_ID);
        query.append_pair("response_type", "code");
        query.append_pair("redirect_uri", REDIRECT);
        query.append_pair("scope", scope);
        query.append_pair("state", "state-123");
        query.append_pair("code_challenge", &challenge(VERIFIER));
        query.append_pair("code_challenge_method", "S256");
        for (k, v) in extra {
            query.append_pair(k, v);
        }
        let headers: Vec<(&str, &str)> = cookie.map(|c| vec![("Cookie", c)]).unwrap_or_default();
        self.get(&format!("/{tenant}/oauth2/v2.0/authorize?{}", query.finish()), &headers)
    }

    /// Submits the sign-in form of `page`.
    pub fn submit_sign_in(&self, tenant: &str, page: &Reply, user: (&str, &str)) -> Reply {
        let ctx = page.hidden("ctx");
        self.form(
            &format!("/{tenant}/login"),
            &[("ctx", &ctx), ("login", user.0), ("passwd", user.1)],
            &[],
        )
    }

    /// Signs in and returns the authorization code.
    pub fn sign_in_code(&self, user: (&str, &str), scope: &str) -> String {
        let page = self.authorize(DEMO_TENANT_ID, scope, &[], None);
        assert_eq!(page.status, 200, "{}", page.text);
        let done = self.submit_sign_in(DEMO_TENANT_ID, &page, user);
        assert_eq!(done.status, 302, "sign-in redirects back: {}", done.text);
        assert_eq!(done.redirect_param("state").as_deref(), Some("state-123"));
        done.redirect_param("code").expect("a code")
    }

    pub fn redeem(&self, code: &str, verifier: &str) -> Reply {
        self.form(
            &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
            &[
                ("client_id", SPCONNECT_CLIENT_ID),
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
                ("scope", GRAPH_SCOPES),
            ],
            &[],
        )
    }

    /// A delegated Graph token for `user`.
    pub fn user_token(&self, user: (&str, &str)) -> Value {
        let code = self.sign_in_code(user, GRAPH_SCOPES);
        let reply = self.redeem(&code, VERIFIER);
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()
    }
}

pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-long-enough-verifier";

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// The claims of a JWT, unverified (for looking at them in tests).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}
