//! How the window's WebKitGTK view draws: Skia rasterises on the CPU.
//!
//! Profiling the start-up showed where spconnect's extra time before the first paint went: WebKit
//! rasterises the page through Skia on OpenGL, and where there is no GPU driver (a virtual
//! machine, Xvfb) Mesa's software OpenGL first compiles each of Skia's shader programs with LLVM
//! (perf: the `SkiaGPUWorker` thread in LLVM for a fifth of all samples, against a twenty-fifth
//! for a bare page). Our page draws more kinds of things than a bare page (rounded borders,
//! outlines, a font stack), so it paid for more shaders. A forms UI gains nothing from GPU
//! rasterisation, so the app asks for CPU rasterisation, unless the person running it has set
//! `WEBKIT_SKIA_ENABLE_CPU_RENDERING` themselves. Compositing stays on: turning it off
//! (`WEBKIT_DISABLE_COMPOSITING_MODE`) was faster still, but then WebDriver's screenshot of an
//! idle page never came back, and the first paint now and then waited half a second longer.

/// The variable WebKitGTK reads when it starts rendering.
const VARIABLE: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Asks WebKit to rasterise on the CPU, unless [`VARIABLE`] is already set. Must run before any
/// other thread exists (the environment is process-wide), so `run` calls it first. A failure
/// only costs speed, so it is only reported.
pub fn rasterise_on_the_cpu() {
    if std::env::var_os(VARIABLE).is_some() {
        return;
    }
    if let Err(error) = webkit2gtk::glib::setenv(VARIABLE, "1", false) {
        eprintln!("spconnect: {VARIABLE} could not be set: {error}");
    }
}
