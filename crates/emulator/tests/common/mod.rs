//! Helpers for the emulator's tests: signing in over loopback the way a browser does
//! ([`sign_in`]), certificates and client assertions.
#![allow(dead_code)]

mod sign_in;

use std::time::{SystemTime, UNIX_EPOCH};

use base64::{Engine, engine::general_purpose::STANDARD, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::Digest;
pub use sign_in::*;
use spconnect_emulator::DEMO_TENANT_ID;

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
