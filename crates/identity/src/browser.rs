//! Opening the system browser the way command-line tools do: the `BROWSER` environment variable
//! when set (a command line; `%s` is replaced by the URL, otherwise the URL is appended), else the
//! desktop's default (`xdg-open` on Linux, `open` on macOS, the URL handler on Windows).
//! Never a webview of ours (RFC 8252 §8.12).

use std::process::{Command, Stdio};

use crate::error::IdentityError;

/// Opens `url` in the person's browser; a clear error when no browser could be started.
pub fn open_browser(url: &str) -> Result<(), IdentityError> {
    let browser = std::env::var("BROWSER").ok().filter(|b| !b.trim().is_empty());
    let command = browser_command(browser.as_deref(), url)?;
    launch(&command)
}

/// The command line to run: from `$BROWSER` when given, else the platform default.
pub(crate) fn browser_command(
    browser: Option<&str>,
    url: &str,
) -> Result<Vec<String>, IdentityError> {
    let Some(browser) = browser else { return Ok(default_command(url)) };
    let mut words = shlex::split(browser).filter(|w| !w.is_empty()).ok_or_else(|| {
        IdentityError::Browser("the BROWSER variable is not a valid command line".into())
    })?;
    if words.iter().any(|w| w.contains("%s")) {
        for word in &mut words {
            *word = word.replace("%s", url);
        }
    } else {
        words.push(url.to_owned());
    }
    Ok(words)
}

fn default_command(url: &str) -> Vec<String> {
    if cfg!(target_os = "macos") {
        vec!["open".into(), url.into()]
    } else if cfg!(windows) {
        vec!["rundll32".into(), "url.dll,FileProtocolHandler".into(), url.into()]
    } else {
        vec!["xdg-open".into(), url.into()]
    }
}

/// Starts the program without waiting for it (a browser may run for hours); a thread reaps it.
fn launch(command: &[String]) -> Result<(), IdentityError> {
    let (program, args) =
        command.split_first().ok_or_else(|| IdentityError::Browser("no browser command".into()))?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| IdentityError::Browser(format!("`{program}` could not be started ({e})")))?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    tracing::debug!(program = %program, "browser started");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://127.0.0.1:1/authorize?a=1&b=2";

    #[test]
    fn browser_is_split_like_a_command_line_and_gets_the_url() {
        assert_eq!(
            browser_command(Some("'/opt/my browser/run' --new-tab"), URL).expect("valid"),
            vec!["/opt/my browser/run", "--new-tab", URL]
        );
        assert_eq!(
            browser_command(Some("firefox --url=%s --private"), URL).expect("valid"),
            vec!["firefox", &format!("--url={URL}"), "--private"]
        );
        assert!(browser_command(Some("'unterminated"), URL).is_err());
    }

    #[test]
    fn without_browser_the_desktop_default_is_used() {
        let command = browser_command(None, URL).expect("default");
        assert_eq!(command.last().map(String::as_str), Some(URL));
        if cfg!(target_os = "linux") {
            assert_eq!(command[0], "xdg-open");
        }
    }

    #[test]
    fn a_browser_that_cannot_start_is_a_clear_error() {
        let error = launch(&["/nonexistent/browser-program".into(), URL.into()])
            .expect_err("no such program");
        let text = error.to_string();
        assert!(text.contains("Could not open a web browser"), "{text}");
        assert!(text.contains("/nonexistent/browser-program"), "{text}");
        assert!(text.contains("BROWSER"), "{text}");
    }

    #[test]
    fn a_browser_program_receives_the_url() {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("url.txt");
        let command =
            browser_command(Some(&format!("sh -c 'echo \"$1\" > {}' sh", out.display())), URL)
                .expect("valid");
        launch(&command).expect("sh starts");
        for _ in 0..100 {
            if std::fs::read_to_string(&out).is_ok_and(|s| s.trim_end() == URL) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("the program did not receive the URL");
    }
}
