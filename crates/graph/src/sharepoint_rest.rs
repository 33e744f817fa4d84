//! Reading SharePoint REST (`{site}/_api/…`) with a token for the SharePoint resource: how a
//! connection proves that SharePoint-side runtimes can use it (docs/microsoft §3.10). Only
//! reads, only JSON (`odata=nometadata`), a timeout on every request, and errors that keep
//! SharePoint's code and message and the `request-id` (`SPRequestGuid`).

use std::{sync::Arc, time::Duration};

use serde_json::Value;
use url::Url;

use crate::{
    client::{http_client, is_loopback},
    error::GraphError,
    token::TokenSource,
};

/// A SharePoint REST reader acting with one [`TokenSource`].
#[derive(Clone)]
pub struct SharePointRest {
    http: reqwest::Client,
    tokens: Arc<dyn TokenSource>,
    /// Where requests really go when not to the site's own host (a local tenant emulator on
    /// loopback that serves every SharePoint host); the token is still for the site's host.
    origin_override: Option<Url>,
}

impl std::fmt::Debug for SharePointRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharePointRest")
            .field("origin_override", &self.origin_override.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

impl SharePointRest {
    /// A reader; `origin_override` must be a loopback origin when given.
    pub fn new(
        tokens: Arc<dyn TokenSource>,
        origin_override: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, GraphError> {
        let origin_override = match origin_override {
            Some(origin) => {
                let url = Url::parse(origin)
                    .map_err(|_| GraphError::InvalidInput(format!("{origin} is not a URL")))?;
                if !is_loopback(&url) {
                    return Err(GraphError::InvalidInput(
                        "Only a loopback address may stand in for SharePoint.".into(),
                    ));
                }
                Some(url)
            }
            None => None,
        };
        let http = http_client(timeout, None, origin_override.is_some())?;
        Ok(Self { http, tokens, origin_override })
    }

    /// `GET {web_url}/_api/{path}` (e.g. `web?$select=Title`), as JSON. The token asked for is
    /// `{scheme}://{host of web_url}/.default`.
    pub async fn get(&self, web_url: &str, path: &str) -> Result<Value, GraphError> {
        let site = Url::parse(web_url)
            .map_err(|_| GraphError::InvalidInput(format!("{web_url} is not a site address")))?;
        if site.scheme() != "https" {
            return Err(GraphError::InvalidInput(
                "A site address must start with https://.".into(),
            ));
        }
        let resource = format!("https://{}/.default", site.host_str().unwrap_or_default());
        let mut url = Url::parse(&format!("{}/_api/{path}", web_url.trim_end_matches('/')))
            .map_err(|_| GraphError::InvalidInput(format!("Not a SharePoint path: {path}")))?;
        if let Some(origin) = &self.origin_override {
            let fail = || GraphError::InvalidInput("The stand-in address is not usable.".into());
            url.set_scheme(origin.scheme()).map_err(|_| fail())?;
            url.set_host(origin.host_str()).map_err(|_| fail())?;
            url.set_port(origin.port()).map_err(|_| fail())?;
        }
        let token = self.tokens.token(&[resource.as_str()]).await?;
        let host = site.host_str().unwrap_or_default().to_owned();
        let response = self
            .http
            .get(url.clone())
            .bearer_auth(token.expose())
            .header("Accept", "application/json;odata=nometadata")
            .send()
            .await
            .map_err(|e| GraphError::Network {
                host: host.clone(),
                explanation: if e.is_timeout() {
                    "no answer in time".into()
                } else {
                    "the connection failed".into()
                },
                timed_out: e.is_timeout(),
            })?;
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get("sprequestguid")
            .or_else(|| response.headers().get("request-id"))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(body);
        }
        // SharePoint's two error shapes: `odata.error` (verbose/minimal) and `error`.
        let error =
            body.get("odata.error").or_else(|| body.get("error")).cloned().unwrap_or_default();
        let message = error["message"]["value"]
            .as_str()
            .or_else(|| error["message"].as_str())
            .unwrap_or("no message")
            .to_owned();
        tracing::info!(status, path = url.path(), "SharePoint REST call failed");
        Err(GraphError::Service {
            status,
            code: error["code"].as_str().unwrap_or("SharePointError").to_owned(),
            inner_code: None,
            message,
            request_id,
            retry_after: None,
        })
    }
}
