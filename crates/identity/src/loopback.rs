//! The loopback listener that receives the browser's redirect (RFC 8252 §7.3): bound to
//! `127.0.0.1` on a port the system picks, it accepts exactly one `GET /` that carries the
//! expected `state`, answers it with a short page, and answers anything else (another path,
//! another method, a wrong or missing `state`, a second redirect) with 400 while it keeps
//! waiting. Dropping it (cancel, timeout, done) closes the port.

use std::{collections::HashMap, time::Duration};

use spconnect_secret::Secret;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::mpsc,
    task::JoinSet,
};

use crate::error::{IdentityError, explain_redirect_error};

/// The longest request head read from a browser.
const MAX_REQUEST: usize = 16 * 1024;
/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What the redirect carried.
pub(crate) enum Redirect {
    /// `?code=…&state=…`.
    Code(Secret<String>),
    /// `?error=…&error_description=…&state=…`.
    Error { error: String, description: String },
}

/// A bound listener, waiting to be run.
pub(crate) struct Listener {
    listener: TcpListener,
    port: u16,
}

/// How the redirect URI names the loopback listener. Entra matches a loopback redirect URI by
/// host and path, ignoring the port (docs/microsoft §1.3), so the name must be the one the client
/// application registered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LoopbackName {
    /// `127.0.0.1`, as RFC 8252 §7.3 recommends (the default).
    #[default]
    Ip,
    /// `localhost`, for clients that registered `http://localhost` only (e.g. Microsoft Graph
    /// Command Line Tools).
    Localhost,
}

impl Listener {
    /// Binds `127.0.0.1:0`.
    pub async fn bind() -> Result<Self, IdentityError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| IdentityError::Listener(e.to_string()))?;
        let port =
            listener.local_addr().map_err(|e| IdentityError::Listener(e.to_string()))?.port();
        Ok(Self { listener, port })
    }

    /// The port the system picked.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The redirect URI to send with the authorize request: `http://127.0.0.1:{port}/`, or
    /// `http://localhost:{port}/` for a client that registered only `http://localhost` (the
    /// browser resolves it to this loopback listener).
    pub fn redirect_uri(&self, name: LoopbackName) -> String {
        match name {
            LoopbackName::Ip => format!("http://127.0.0.1:{}/", self.port),
            LoopbackName::Localhost => format!("http://localhost:{}/", self.port),
        }
    }

    /// Serves connections until one carries the expected `state`; gives what it carried. Returns
    /// only then (or when the future is dropped, which closes the port and every connection).
    pub async fn receive(self, state: &str) -> Redirect {
        let (found, mut results) = mpsc::channel::<Redirect>(1);
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let (found, state) = (found.clone(), state.to_owned());
                    connections.spawn(async move { serve(stream, &state, &found).await });
                }
                Some(redirect) = results.recv() => return redirect,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    }
}

/// Answers one connection.
async fn serve(mut stream: TcpStream, state: &str, found: &mpsc::Sender<Redirect>) {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        _ => {
            let _ =
                respond(&mut stream, 400, "Bad request", "This request could not be read.").await;
            return;
        }
    };
    let Some(query) = redirect_query(&head, state) else {
        tracing::info!("loopback listener refused a request");
        let _ = respond(
            &mut stream,
            400,
            "Not a sign-in answer",
            "This address only receives the answer of the sign-in spconnect started.",
        )
        .await;
        return;
    };
    let redirect = match (query.get("code"), query.get("error")) {
        (Some(code), None) if !code.is_empty() => Redirect::Code(Secret::new(code.clone())),
        (_, Some(error)) => Redirect::Error {
            error: error.clone(),
            description: query.get("error_description").cloned().unwrap_or_default(),
        },
        _ => {
            let _ =
                respond(&mut stream, 400, "Not a sign-in answer", "The answer has no code.").await;
            return;
        }
    };
    // Only the first matching redirect wins; a replay finds the channel full or closed.
    let permit = match found.try_reserve() {
        Ok(permit) => permit,
        Err(_) => {
            let _ = respond(
                &mut stream,
                400,
                "Already answered",
                "This sign-in has already been answered.",
            )
            .await;
            return;
        }
    };
    let _ = match &redirect {
        Redirect::Code(_) => {
            respond(
                &mut stream,
                200,
                "Signed in",
                "You are signed in to spconnect. You can close this tab and go back to the app.",
            )
            .await
        }
        Redirect::Error { error, description } => {
            respond(&mut stream, 200, "Not signed in", &explain_redirect_error(error, description))
                .await
        }
    };
    permit.send(redirect);
}

/// Reads up to the end of the request head.
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
        if buffer.len() > MAX_REQUEST {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    String::from_utf8(buffer).ok()
}

/// The query of `GET /?…` when its `state` is the expected one.
fn redirect_query(head: &str, state: &str) -> Option<HashMap<String, String>> {
    let request_line = head.lines().next()?;
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    if method != "GET" {
        return None;
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/" {
        return None;
    }
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let given = query.get("state")?;
    constant_time_eq(given.as_bytes(), state.as_bytes()).then_some(query)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A small HTML page, then the connection closes.
async fn respond(
    stream: &mut TcpStream,
    status: u16,
    title: &str,
    text: &str,
) -> std::io::Result<()> {
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} – spconnect</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:4rem auto;max-width:32rem;line-height:1.5}}</style>\
         </head><body><h1>{title}</h1><p id=\"message\">{}</p></body></html>",
        escape(text)
    );
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_get_slash_with_the_state_is_a_redirect() {
        let ok = "GET /?code=abc&state=s1 HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(
            redirect_query(ok, "s1").and_then(|q| q.get("code").cloned()).as_deref(),
            Some("abc")
        );
        assert!(redirect_query(ok, "s2").is_none(), "wrong state");
        assert!(redirect_query("GET /?code=abc HTTP/1.1\r\n\r\n", "s1").is_none(), "no state");
        assert!(redirect_query("GET /favicon.ico?state=s1 HTTP/1.1\r\n\r\n", "s1").is_none());
        assert!(redirect_query("POST /?state=s1 HTTP/1.1\r\n\r\n", "s1").is_none());
    }

    #[test]
    fn pages_escape_what_they_show() {
        assert_eq!(escape("<script>&\""), "&lt;script&gt;&amp;&quot;");
    }
}
