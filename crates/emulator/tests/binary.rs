//! The `spconnect-emulator` program: prints its URL first, serves the demo tenant, refuses bad
//! arguments with a clear message.

mod common;

use std::process::Command;

use common::start_program;

#[test]
fn the_program_prints_its_url_and_serves_discovery() {
    let (_program, base) = start_program(&["--port", "0", "--tenant", "demo", "--latency-ms", "1"]);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let agent: ureq::Agent =
        ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut reply = agent
        .get(format!("{base}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"))
        .call()
        .expect("reachable");
    assert_eq!(reply.status(), 200);
    let text = reply.body_mut().read_to_string().expect("body");
    assert!(text.contains("\"issuer\""), "{text}");
}

#[test]
fn an_unknown_tenant_kind_is_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_spconnect-emulator"))
        .args(["--tenant", "mars"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown tenant 'mars'"));
}

#[test]
fn help_describes_the_options() {
    let output = Command::new(env!("CARGO_BIN_EXE_spconnect-emulator"))
        .arg("--help")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    for option in ["--port", "--tenant", "--latency-ms"] {
        assert!(text.contains(option), "{option} in {text}");
    }
}

#[test]
fn unreadable_tls_files_are_reported_at_start() {
    let dir = std::env::temp_dir().join(format!("emulator-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, "not a certificate").expect("write");
    std::fs::write(&key, "not a key").expect("write");
    let config = spconnect_emulator::Config {
        tls: Some(spconnect_emulator::TlsFiles { certificate: cert, key }),
        ..spconnect_emulator::Config::default()
    };
    let error = spconnect_emulator::Emulator::start(config).err().expect("refused");
    assert!(error.to_string().contains("TLS"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}
