//! How the window's WebKitGTK view draws: without GPU compositing.
//!
//! Profiling the start-up showed where spconnect's extra time before the first paint went: with
//! compositing on, WebKit rasterises the page through Skia on OpenGL, and where there is no GPU
//! driver (a virtual machine, Xvfb) Mesa's software OpenGL compiles each of Skia's shader
//! programs with LLVM first. Our page draws more kinds of things than a bare page (rounded
//! borders, outlines, a font stack), so it paid for more shaders: up to half a second. A forms UI
//! gains nothing from compositing, so the app turns it off, unless the person running it has set
//! `WEBKIT_DISABLE_COMPOSITING_MODE` themselves.

/// The variable WebKitGTK reads when the view is created.
const VARIABLE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Turns GPU compositing off for this process's web views, unless [`VARIABLE`] is already set.
/// Must run before any other thread exists (the environment is process-wide), so `run` calls it
/// first. A failure only costs speed, so it is only reported.
pub fn draw_without_compositing() {
    if std::env::var_os(VARIABLE).is_some() {
        return;
    }
    if let Err(error) = webkit2gtk::glib::setenv(VARIABLE, "1", false) {
        eprintln!("spconnect: {VARIABLE} could not be set: {error}");
    }
}
