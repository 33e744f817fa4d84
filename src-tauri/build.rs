//! Runs tauri-build: embeds the config and the web UI, and compiles the capabilities. Our own
//! commands are declared here so that each one needs an explicit grant in a capability file.

/// Every command the shell registers. A command missing here cannot be granted, so it is refused.
const COMMANDS: &[&str] = &[
    "app_info",
    "list_clouds",
    "get_settings",
    "save_settings",
    "ui_ready",
    "reset_demo_tenant",
    "list_accounts",
    "sign_in_with_browser",
    "start_device_code",
    "finish_device_code",
    "cancel_sign_in",
    "sign_out",
    "refresh_account",
    "register_in_tenant",
    "check_connection",
    "check_access",
    "grant_access",
    "browse_sites",
    "browse_site",
    "browse_list",
    "browse_load_all",
    "cancel_browse_load",
    "save_integration",
    "plan_connection",
    "apply_connection",
    "resume_connection",
    "cancel_apply",
    "rollback_connection",
    "test_connection",
    "list_connections",
    "export_certificate",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=ui/dist");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/*.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}. Is the UI built (npm --prefix ui run build)?");
    }
}
