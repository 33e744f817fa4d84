//! Helpers for the emulator's tests: an HTTP client over loopback that signs in the way a browser
//! does (by submitting the sign-in form), certificates and client assertions.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
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

/// A certificate and its private key, as a connection would generate them.
pub struct TestCert {
    pub der: Vec<u8>,
    pub key_pem: String,
}

impl TestCert {
    pub fn new(days: i64) -> Self {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(rcgen::DnType::CommonName, "spconnect test");
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::hours(1);
        params.not_after = now + time::Duration::days(days);
        let cert = params.self_signed(&key).expect("certificate");
        Self { der: cert.der().to_vec(), key_pem: key.serialize_pem() }
    }

    pub fn base64(&self) -> String {
        STANDARD.encode(&self.der)
    }

    pub fn x5t(&self) -> String {
        URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&self.der))
    }

    pub fn x5t_s256(&self) -> String {
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&self.der))
    }

    /// A client assertion: `ps256` picks PS256 + x5t#S256, else RS256 + x5t.
    pub fn assertion(
        &self,
        client_id: &str,
        audience: &str,
        ps256: bool,
        valid_from_offset: i64,
    ) -> String {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("time").as_secs() as i64
            + valid_from_offset;
        let mut header = jsonwebtoken::Header::new(if ps256 {
            jsonwebtoken::Algorithm::PS256
        } else {
            jsonwebtoken::Algorithm::RS256
        });
        if ps256 {
            header.x5t_s256 = Some(self.x5t_s256());
        } else {
            header.x5t = Some(self.x5t());
        }
        let claims = json!({"aud": audience, "iss": client_id, "sub": client_id, "jti": uuid::Uuid::new_v4().to_string(), "nbf": now, "exp": now + 600});
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(self.key_pem.as_bytes()).expect("key");
        jsonwebtoken::encode(&header, &claims, &key).expect("signed")
    }

    /// An `addKey`/`removeKey` proof for the application object `object_id`.
    pub fn proof(&self, object_id: &str) -> String {
        self.proof_at(object_id, 0)
    }

    /// A proof dated `offset` seconds from now (for an emulator whose clock was moved).
    pub fn proof_at(&self, object_id: &str, offset: i64) -> String {
        let now =
            SystemTime::now().duration_since(UNIX_EPOCH).expect("time").as_secs() as i64 + offset;
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.x5t = Some(self.x5t());
        let claims = json!({"aud": "00000002-0000-0000-c000-000000000000", "iss": object_id, "nbf": now, "exp": now + 600});
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(self.key_pem.as_bytes()).expect("key");
        jsonwebtoken::encode(&header, &claims, &key).expect("signed")
    }
}

/// A connection's app: created, with a certificate, a service principal and the given Graph app
/// role granted by the admin. Returns (app object id, client id).
pub fn connection_app(
    client: &Client,
    admin_token: &str,
    cert: &TestCert,
    graph_role: &str,
) -> (String, String) {
    let created = client.graph("POST", "/applications", admin_token, Some(json!({
        "displayName": "Test connection",
        "signInAudience": "AzureADMyOrg",
        "keyCredentials": [{"type": "AsymmetricX509Cert", "usage": "Verify", "key": cert.base64(), "displayName": "CN=spconnect test"}],
    })));
    assert_eq!(created.status, 201, "{}", created.text);
    let app = created.json();
    let (object_id, app_id) = (
        app["id"].as_str().expect("id").to_owned(),
        app["appId"].as_str().expect("appId").to_owned(),
    );
    let sp =
        client.graph("POST", "/servicePrincipals", admin_token, Some(json!({"appId": app_id})));
    assert_eq!(sp.status, 201, "{}", sp.text);
    let sp_id = sp.json()["id"].as_str().expect("sp id").to_owned();
    let graph = client.graph(
        "GET",
        "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')?$select=id,appRoles",
        admin_token,
        None,
    );
    assert_eq!(graph.status, 200, "{}", graph.text);
    let graph = graph.json();
    let role_id = graph["appRoles"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|r| r["value"] == graph_role)
        .expect("role")["id"]
        .clone();
    let graph_id = graph["id"].as_str().expect("id").to_owned();
    let granted = client.graph(
        "POST",
        &format!("/servicePrincipals/{graph_id}/appRoleAssignedTo"),
        admin_token,
        Some(json!({"principalId": sp_id, "resourceId": graph_id, "appRoleId": role_id})),
    );
    assert_eq!(granted.status, 201, "{}", granted.text);
    (object_id, app_id)
}

pub fn token_url(client: &Client) -> String {
    format!("{}/{DEMO_TENANT_ID}/oauth2/v2.0/token", client.base)
}

pub fn client_credentials(client: &Client, app_id: &str, assertion: &str, scope: &str) -> Reply {
    client.form(
        &format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token"),
        &[
            ("client_id", app_id),
            ("scope", scope),
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
        ],
        &[],
    )
}

/// A running `spconnect-emulator` program, killed when dropped (also when a test panics).
pub struct Program(pub std::process::Child);

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the `spconnect-emulator` program with `args` and returns it with the first line it
/// printed (its base URL). The line is read on a thread, so a program that prints nothing fails
/// the test after a minute instead of hanging it.
pub fn start_program<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (Program, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_spconnect-emulator"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the emulator starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let program = Program(child);
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = send.send(line);
    });
    let line = receive
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the program prints its URL within a minute");
    (program, line.trim().to_owned())
}

/// Grants the app `app_id` SharePoint's `Sites.Read.All` application permission (admin consent).
pub fn grant_sharepoint_read(client: &Client, admin_token: &str, app_id: &str) {
    let sp = client
        .graph(
            "GET",
            &format!("/servicePrincipals(appId='{app_id}')?$select=id"),
            admin_token,
            None,
        )
        .json();
    let spo = client
        .graph(
            "GET",
            "/servicePrincipals(appId='00000003-0000-0ff1-ce00-000000000000')?$select=id",
            admin_token,
            None,
        )
        .json();
    let granted = client.graph("POST", &format!("/servicePrincipals/{}/appRoleAssignedTo", spo["id"].as_str().expect("id")), admin_token, Some(json!({"principalId": sp["id"], "resourceId": spo["id"], "appRoleId": "d13f72ca-a275-4b96-b789-48ebcc4da984"})));
    assert_eq!(granted.status, 201, "{}", granted.text);
}
