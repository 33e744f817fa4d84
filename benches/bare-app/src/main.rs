//! A bare Tauri app: one window with a static page, which reports its first paint through the
//! `ui_ready` command. The start-up benchmark measures it beside spconnect, as the floor.

use std::{sync::OnceLock, time::Instant};

/// When the process started (as near as `main` can tell).
static STARTED: OnceLock<Instant> = OnceLock::new();

/// Called by the page after its first paint; writes the line the benchmark waits for.
#[tauri::command]
fn ui_ready() {
    let elapsed = STARTED.get().map(|started| started.elapsed().as_millis()).unwrap_or_default();
    eprintln!("first page painted elapsed_ms={elapsed}");
}

fn main() {
    STARTED.get_or_init(Instant::now);
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ui_ready])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("bare-app could not start: {error}");
        std::process::exit(1);
    }
}
