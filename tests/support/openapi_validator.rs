//! Runs a published OpenAPI validator (openapi-spec-validator, in the Python environment that
//! `scripts/test` installs under the target folder) on a document. Included by path by the tests
//! that check an OpenAPI export.
#![allow(dead_code)]

use std::{path::PathBuf, process::Command};

/// `Some(Ok)` when the validator accepts `document`, `Some(Err(what it said))` when not, `None`
/// when the validator is not installed here (refused when `SPCONNECT_REQUIRE_VALIDATORS` is set,
/// as `scripts/test` does).
pub fn validate(document: &serde_json::Value) -> Option<Result<(), String>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = root.ancestors().find(|p| p.join("Cargo.lock").exists()).unwrap_or(&root).to_owned();
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let target = if target.is_relative() { root.join(target) } else { target };
    let python = target.join("pyenv/bin/python");
    if !python.exists() {
        assert!(
            std::env::var_os("SPCONNECT_REQUIRE_VALIDATORS").is_none(),
            "{} is missing: scripts/test installs the OpenAPI validator there",
            python.display()
        );
        eprintln!(
            "skipped the OpenAPI validator: {} is missing (scripts/test installs it)",
            python.display()
        );
        return None;
    }
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(document).expect("JSON")).expect("written");
    let out = Command::new(python)
        .args([
            "-c",
            "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\n",
        ])
        .arg(&file)
        .output()
        .expect("python runs");
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .join(" | "))
    })
}
