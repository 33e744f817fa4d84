//! The dependency rules of the workspace, as code. [`violations`] reads the output of
//! `cargo metadata --format-version 1 --no-deps` and names every dependency edge that breaks a
//! rule; `tests/rules.rs` runs it on the real workspace (and on a fixture with wrong edges, to
//! prove it catches them). The rules, and why (ARCHITECTURE.md repeats them):
//!
//! 1. Nothing depends on the app package (`spconnect`): the shell adapts, the crates decide.
//! 2. Only the app depends on Tauri (`tauri`, `tauri-*`), so most tests build without it (and the
//!    bare Tauri app the start-up benchmark measures the app against, which is nothing else).
//! 3. The product crates (identity, graph, certs, vault, connections, settings, secret) and the
//!    tenant emulator share no code: the emulator depends on no product crate, and no product
//!    crate depends on the emulator, except as a dev-dependency (tests run our client against
//!    its stand-in), so a shared mistake cannot hide.
//! 4. `certs` and `vault` depend on no crate of ours but `secret` (dev-dependencies aside).
//! 5. `graph` does not depend on `identity` nor `identity` on `graph`: graph declares the
//!    token-source trait it needs, and whoever builds both wires them.
//! 6. The app depends on the emulator only through its `demo` feature: the dependency is
//!    optional and no other feature turns it on.

use serde_json::Value;

/// The app package.
pub const APP: &str = "spconnect";
/// The tenant emulator.
pub const EMULATOR: &str = "spconnect-emulator";
/// The bare Tauri app of the start-up benchmark: the floor the app is measured against.
pub const BARE_APP: &str = "bare-app";
/// The product crates: what ships in the app besides the shell.
pub const PRODUCT: &[&str] = &[
    "spconnect-identity",
    "spconnect-graph",
    "spconnect-certs",
    "spconnect-vault",
    "spconnect-connections",
    "spconnect-settings",
    "spconnect-secret",
];

/// One declared dependency of a workspace package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The package that declares it.
    pub from: String,
    /// The package depended on.
    pub to: String,
    /// `normal`, `dev` or `build`.
    pub kind: String,
    /// Declared `optional = true`.
    pub optional: bool,
}

impl std::fmt::Display for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} -> {} ({} dependency)", self.from, self.to, self.kind)
    }
}

/// Why the metadata could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct BadMetadata(pub String);

/// The dependencies the workspace members declare.
pub fn edges(metadata: &Value) -> Result<Vec<Edge>, BadMetadata> {
    let packages = metadata["packages"]
        .as_array()
        .ok_or_else(|| BadMetadata("no `packages` array: not cargo metadata output".into()))?;
    let mut edges = Vec::new();
    for package in packages {
        let from = package["name"].as_str().unwrap_or_default();
        for dependency in package["dependencies"].as_array().into_iter().flatten() {
            edges.push(Edge {
                from: from.to_owned(),
                to: dependency["name"].as_str().unwrap_or_default().to_owned(),
                kind: dependency["kind"].as_str().unwrap_or("normal").to_owned(),
                optional: dependency["optional"].as_bool().unwrap_or(false),
            });
        }
    }
    Ok(edges)
}

/// Every broken rule, one sentence each naming the edge.
pub fn violations(metadata: &Value) -> Result<Vec<String>, BadMetadata> {
    let mut found = Vec::new();
    for edge in edges(metadata)? {
        let (from, to) = (edge.from.as_str(), edge.to.as_str());
        let runtime = edge.kind != "dev";
        if to == APP || to == BARE_APP {
            found.push(format!("{edge}: nothing may depend on the app package"));
        }
        if from != APP && from != BARE_APP && (to == "tauri" || to.starts_with("tauri-")) {
            found.push(format!("{edge}: only the app may depend on Tauri"));
        }
        if from == EMULATOR && PRODUCT.contains(&to) {
            found.push(format!("{edge}: the emulator shares no code with the product crates"));
        }
        if PRODUCT.contains(&from) && to == EMULATOR && runtime {
            found.push(format!(
                "{edge}: a product crate may use the emulator only in its tests (dev-dependency)"
            ));
        }
        if matches!(from, "spconnect-certs" | "spconnect-vault")
            && to.starts_with("spconnect-")
            && to != "spconnect-secret"
            && runtime
        {
            found.push(format!("{edge}: certs and vault depend on no crate of ours but secret"));
        }
        if matches!(
            (from, to),
            ("spconnect-graph", "spconnect-identity") | ("spconnect-identity", "spconnect-graph")
        ) {
            found.push(format!(
                "{edge}: graph and identity stay apart (graph declares the token source it needs)"
            ));
        }
        if from == APP && to == EMULATOR && runtime && !edge.optional {
            found.push(format!("{edge}: the app uses the emulator only through its `demo` feature (make it optional)"));
        }
    }
    found.extend(app_features_enabling_emulator(metadata)?);
    Ok(found)
}

/// Features of the app other than `demo` that turn the emulator on.
fn app_features_enabling_emulator(metadata: &Value) -> Result<Vec<String>, BadMetadata> {
    let packages = metadata["packages"].as_array().into_iter().flatten();
    let Some(app) = packages.into_iter().find(|p| p["name"] == APP) else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    for (feature, enables) in app["features"].as_object().into_iter().flatten() {
        let names_emulator =
            enables.as_array().into_iter().flatten().filter_map(Value::as_str).any(|item| {
                let item = item.strip_prefix("dep:").unwrap_or(item);
                item == EMULATOR || item.starts_with(&format!("{EMULATOR}/"))
            });
        if names_emulator && feature != "demo" {
            found
                .push(format!("feature `{feature}` of {APP} turns on {EMULATOR}: only `demo` may"));
        }
    }
    Ok(found)
}
