//! A small W3C WebDriver client over plain HTTP on loopback: just the calls the end-to-end tests
//! use (sessions, finding and clicking elements, reading text, running a script, screenshots).

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The key W3C WebDriver uses for element references.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A WebDriver session.
pub struct Session {
    agent: ureq::Agent,
    base: String,
}

/// A reference to an element of the page.
pub struct Element<'s> {
    session: &'s Session,
    id: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(90)))
        .build()
        .into()
}

/// Turns a WebDriver response into its `value`, or an error message with WebDriver's own error.
fn value_of(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Value, String> {
    let mut response = response.map_err(|error| format!("WebDriver request failed: {error}"))?;
    let status = response.status();
    let body: Value = response
        .body_mut()
        .read_json()
        .map_err(|error| format!("WebDriver sent no JSON ({status}): {error}"))?;
    if status.is_success() {
        Ok(body["value"].clone())
    } else {
        Err(format!("WebDriver error {status}: {}", body["value"]))
    }
}

impl Session {
    /// Opens a session through tauri-driver at `driver_url` for the Tauri app `application`,
    /// retrying while the driver starts up; every later command goes straight to the native
    /// driver at `native_url`, under the same session id.
    pub fn start(
        driver_url: &str,
        native_url: &str,
        application: &str,
        args: &[&str],
    ) -> Result<Self, String> {
        let agent = agent();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application, "args": args}
        }}});
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match value_of(agent.post(format!("{driver_url}/session")).send_json(&capabilities)) {
                Ok(value) => {
                    let id = value["sessionId"].as_str().ok_or("no session id")?.to_owned();
                    let session = Self { agent, base: format!("{native_url}/session/{id}") };
                    session.post("/timeouts", json!({"implicit": 15_000}))?;
                    return Ok(session);
                }
                Err(error) if Instant::now() > deadline => return Err(error),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        value_of(self.agent.post(format!("{}{path}", self.base)).send_json(&body))
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        value_of(self.agent.get(format!("{}{path}", self.base)).call())
    }

    /// The first element matching a CSS selector, waiting for it to appear.
    pub fn find(&self, css: &str) -> Result<Element<'_>, String> {
        let value = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .map_err(|error| format!("{css}: {error}"))?;
        let id = value[ELEMENT_KEY]
            .as_str()
            .ok_or_else(|| format!("{css}: no element id in {value}"))?;
        Ok(Element { session: self, id: id.to_owned() })
    }

    /// Runs a script in the page and returns its result.
    pub fn execute(&self, script: &str) -> Result<Value, String> {
        self.post("/execute/sync", json!({"script": script, "args": []}))
    }

    /// Runs an asynchronous script in the page: it ends by calling its last argument with the
    /// result, which is returned.
    pub fn execute_async(&self, script: &str) -> Result<Value, String> {
        self.post("/execute/async", json!({"script": script, "args": []}))
    }

    /// Waits until `css`'s text satisfies `check`, and returns that text.
    pub fn wait_for_text(&self, css: &str, check: impl Fn(&str) -> bool) -> Result<String, String> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let text = self.find(css)?.text()?;
            if check(&text) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                return Err(format!("{css} still reads {text:?}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A PNG screenshot of the window.
    pub fn screenshot(&self) -> Result<Vec<u8>, String> {
        let encoded = self.get("/screenshot")?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().ok_or("screenshot is not a string")?)
            .map_err(|error| format!("screenshot is not base64: {error}"))
    }

    /// Ends the session, which closes the app.
    pub fn end(self) -> Result<(), String> {
        value_of(self.agent.delete(&self.base).call()).map(drop)
    }
}

impl Element<'_> {
    /// Clicks the element.
    pub fn click(&self) -> Result<(), String> {
        self.session.post(&format!("/element/{}/click", self.id), json!({})).map(drop)
    }

    /// The element's rendered text.
    pub fn text(&self) -> Result<String, String> {
        let value = self.session.get(&format!("/element/{}/text", self.id))?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Types into the element.
    pub fn send_keys(&self, text: &str) -> Result<(), String> {
        self.session.post(&format!("/element/{}/value", self.id), json!({"text": text})).map(drop)
    }

    /// Replaces the element's text the way a person does: select all (Ctrl+A), delete, type.
    /// Each key fires the events a page listens to; WebDriver's element clear fires no `input`
    /// event, so a form bound to the field would keep the old value.
    pub fn replace_text(&self, text: &str) -> Result<(), String> {
        const CONTROL: char = '\u{E009}';
        const BACKSPACE: char = '\u{E003}';
        self.send_keys(&format!("{CONTROL}a{CONTROL}{BACKSPACE}"))?;
        self.send_keys(text)
    }
}
