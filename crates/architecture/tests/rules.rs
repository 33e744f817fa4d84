//! The dependency rules hold for the real workspace, and a fixture with wrong edges proves the
//! check names each of them.

use std::process::Command;

use serde_json::Value;
use spconnect_architecture::violations;

#[test]
fn the_workspace_keeps_its_dependency_rules() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline", "--manifest-path"])
        .arg(manifest)
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let found = violations(&metadata).expect("readable metadata");
    assert!(
        found.is_empty(),
        "dependency rules broken (see ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn a_fixture_with_wrong_edges_is_caught_edge_by_edge() {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/wrong-edges.json")).expect("fixture is JSON");
    let found = violations(&fixture).expect("readable metadata");
    let expected = [
        "spconnect-settings -> spconnect (normal dependency): nothing may depend on the app package",
        "spconnect-settings -> tauri (normal dependency): only the app may depend on Tauri",
        "spconnect-emulator -> spconnect-secret (normal dependency): the emulator shares no code",
        "spconnect-graph -> spconnect-emulator (normal dependency): a product crate may use the emulator only in its tests",
        "spconnect-vault -> spconnect-settings (normal dependency): certs and vault depend on no crate of ours but secret",
        "spconnect-graph -> spconnect-identity (normal dependency): graph and identity stay apart",
        "spconnect -> spconnect-emulator (normal dependency): the app uses the emulator only through its `demo` feature",
        "feature `default` of spconnect turns on spconnect-emulator: only `demo` may",
    ];
    for sentence in expected {
        assert!(
            found.iter().any(|f| f.starts_with(sentence)),
            "not caught: {sentence}\nfound:\n{}",
            found.join("\n")
        );
    }
    assert_eq!(found.len(), expected.len(), "nothing else is flagged:\n{}", found.join("\n"));
    // The allowed edges of the same fixture: a dev-dependency on the emulator, vault on secret.
    assert!(!found.iter().any(|f| f.contains("spconnect-identity -> spconnect-emulator")));
    assert!(!found.iter().any(|f| f.contains("spconnect-vault -> spconnect-secret")));
}

#[test]
fn something_that_is_not_metadata_is_refused() {
    assert!(violations(&serde_json::json!({"nothing": 1})).is_err());
}
