//! Corporate networks: the connectivity check's plain-words explanations (a refused port, TLS
//! interception by a certificate this computer does not trust, a proxy that cannot be reached or
//! asks for credentials), and requests to `login.microsoftonline.com` through a local CONNECT
//! proxy, configured explicitly and through `HTTPS_PROXY`. The proxy forwards every tunnel to the
//! emulator over HTTPS (which answers for Microsoft's host names), so nothing leaves loopback.
#![allow(clippy::unwrap_used)]

mod common;

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex},
};

use common::{Tenant, USER_READ};
use spconnect_emulator::{Config, SPCONNECT_CLIENT_ID, TlsFiles};
use spconnect_identity::{
    Authority, Identity, IdentityConfig, MemoryStore, NetworkOptions, NetworkProblem, ProxyChoice,
    check_connectivity,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MICROSOFT: &str = "https://login.microsoftonline.com";

/// The emulator over HTTPS with a fresh self-signed certificate for 127.0.0.1 and Microsoft's
/// login host; gives the emulator and the certificate (PEM). (Started off the async threads: the
/// emulator's HTTPS set-up blocks.)
async fn tls_tenant(dir: &tempfile::TempDir) -> (Tenant, String) {
    let generated = rcgen::generate_simple_self_signed(vec![
        "127.0.0.1".to_owned(),
        "login.microsoftonline.com".to_owned(),
    ])
    .unwrap();
    let (certificate, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&certificate, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let config = Config { tls: Some(TlsFiles { certificate, key }), ..Config::default() };
    let tenant = tokio::task::spawn_blocking(move || Tenant::start_with(config)).await.unwrap();
    (tenant, generated.cert.pem())
}

fn trusting(pem: &str, proxy: ProxyChoice) -> NetworkOptions {
    NetworkOptions { extra_roots_pem: vec![pem.to_owned()], proxy, ..NetworkOptions::default() }
}

/// How the little proxy answers.
#[derive(Clone, Copy)]
enum ProxyMode {
    Tunnel,
    AskForCredentials,
}

/// A CONNECT proxy on loopback that tunnels every request to `target`; gives its URL and the
/// request lines it saw.
async fn proxy(target: SocketAddr, mode: ProxyMode) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && client.read_exact(&mut byte).await.is_ok() {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                log.lock().unwrap().push(head.lines().next().unwrap_or_default().to_owned());
                match mode {
                    ProxyMode::AskForCredentials => {
                        let _ = client
                            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n")
                            .await;
                    }
                    ProxyMode::Tunnel => {
                        let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                            return;
                        };
                        let _ =
                            client.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n").await;
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                }
            });
        }
    });
    (url, seen)
}

/// A loopback port nobody listens on.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_interception_by_an_untrusted_certificate_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let (tenant, pem) = tls_tenant(&dir).await;
    assert!(tenant.base.starts_with("https://"));
    let problem = check_connectivity(&tenant.base, &NetworkOptions::default()).await.unwrap_err();
    assert!(matches!(problem, NetworkProblem::UntrustedCertificate { .. }), "{problem:?}");
    let text = problem.explain();
    assert!(text.contains("does not trust") && text.contains("trust store"), "{text}");
    // Once the certificate is trusted, the same check passes.
    check_connectivity(&tenant.base, &trusting(&pem, ProxyChoice::Environment)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_port_is_explained() {
    let port = closed_port().await;
    let problem =
        check_connectivity(&format!("http://127.0.0.1:{port}"), &NetworkOptions::default())
            .await
            .unwrap_err();
    assert!(matches!(problem, NetworkProblem::Blocked { .. }), "{problem:?}");
    assert!(problem.explain().contains("port 443") && problem.explain().contains("HTTPS_PROXY"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_proxy_and_one_asking_for_credentials_are_explained() {
    let port = closed_port().await;
    let options = NetworkOptions {
        proxy: ProxyChoice::Url(format!("http://alice:s3cret@127.0.0.1:{port}")),
        ..NetworkOptions::default()
    };
    let problem = check_connectivity(MICROSOFT, &options).await.unwrap_err();
    assert!(
        matches!(&problem, NetworkProblem::Proxy { detail, .. } if detail.contains("could not be reached")),
        "{problem:?}"
    );
    assert!(!problem.explain().contains("s3cret"), "no proxy password in messages");

    let (url, seen) = proxy(([127, 0, 0, 1], port).into(), ProxyMode::AskForCredentials).await;
    let problem = check_connectivity(
        MICROSOFT,
        &NetworkOptions { proxy: ProxyChoice::Url(url), ..NetworkOptions::default() },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&problem, NetworkProblem::Proxy { detail, .. } if detail.contains("user name and password")),
        "{problem:?}"
    );
    assert_eq!(seen.lock().unwrap()[0], "CONNECT login.microsoftonline.com:443 HTTP/1.1");
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_to_microsoft_go_through_the_configured_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let (tenant, pem) = tls_tenant(&dir).await;
    let (url, seen) = proxy(tenant.emulator.address(), ProxyMode::Tunnel).await;
    let options = trusting(&pem, ProxyChoice::Url(url));
    check_connectivity(MICROSOFT, &options).await.unwrap();
    // A real call of the sign-in API, to the Microsoft host name, through the proxy.
    let mut config = IdentityConfig::new(
        Authority::new(MICROSOFT, "contoso.onmicrosoft.com").unwrap(),
        SPCONNECT_CLIENT_ID,
    );
    config.network = options;
    let identity = Identity::new(config, Arc::new(MemoryStore::new())).unwrap();
    let device = identity.start_device_code(&[USER_READ]).await.unwrap();
    assert_eq!(device.user_code().len(), 9);
    let seen = seen.lock().unwrap();
    assert!(
        seen.len() >= 2
            && seen.iter().all(|l| l == "CONNECT login.microsoftonline.com:443 HTTP/1.1"),
        "{seen:?}"
    );
}

/// Runs `environment_child` in a child process of this test binary with `env` set.
fn run_child(env: &[(&str, String)]) -> std::process::Output {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", "environment_child", "--ignored", "--nocapture", "--test-threads=1"]);
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn https_proxy_from_the_environment_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let (tenant, pem) = tls_tenant(&dir).await;
    let root: PathBuf = dir.path().join("cert.pem");
    std::fs::write(&root, &pem).unwrap();
    let (url, seen) = proxy(tenant.emulator.address(), ProxyMode::Tunnel).await;
    let output = tokio::task::spawn_blocking(move || {
        run_child(&[("HTTPS_PROXY", url), ("SPCONNECT_TEST_ROOT", root.display().to_string())])
    })
    .await
    .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{printed}{}", String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains("1 passed"), "the child test ran: {printed}");
    assert!(
        seen.lock().unwrap().iter().any(|l| l == "CONNECT login.microsoftonline.com:443 HTTP/1.1")
    );
}

/// The child of `https_proxy_from_the_environment_is_honoured`: a check of Microsoft's host with
/// the proxy the environment names. Run alone it has no environment to test, so it is ignored.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "run by https_proxy_from_the_environment_is_honoured in a child process with HTTPS_PROXY set"]
async fn environment_child() {
    let root = std::env::var("SPCONNECT_TEST_ROOT").expect("started by the parent test");
    assert!(std::env::var("HTTPS_PROXY").is_ok());
    let pem = std::fs::read_to_string(root).unwrap();
    check_connectivity(MICROSOFT, &trusting(&pem, ProxyChoice::Environment)).await.unwrap();
}
