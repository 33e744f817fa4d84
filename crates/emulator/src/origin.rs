//! Where a request was sent: the Host header classified as one of Microsoft's services (sign-in,
//! Graph, SharePoint) in any cloud, or the emulator's own loopback address. Every service builds
//! the URLs of its responses from this, so clients behind a TLS proxy that keeps the Host header
//! see Microsoft's host names.

use axum::http::{HeaderMap, header};

/// Microsoft's sign-in hosts, in every cloud (docs/microsoft §1.10).
const LOGIN_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.windows.net",
    "login.microsoft.com",
    "sts.windows.net",
    "login.microsoftonline.us",
    "login.usgovcloudapi.net",
    "login.partner.microsoftonline.cn",
    "login.chinacloudapi.cn",
    "login.microsoftonline.de",
    "login-us.microsoftonline.com",
    "login.sovcloud-identity.fr",
    "login.sovcloud-identity.de",
];
/// Microsoft Graph's hosts, in every cloud (docs/microsoft §4).
const GRAPH_HOSTS: &[&str] = &[
    "graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
    "graph.svc.sovcloud.fr",
    "graph.svc.sovcloud.de",
];
/// SharePoint Online's host suffixes.
const SHAREPOINT_SUFFIXES: &[&str] = &[".sharepoint.com", ".sharepoint.us", ".sharepoint.cn"];

/// Which service a Host header names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostKind {
    /// A Microsoft sign-in host.
    Login,
    /// A Microsoft Graph host.
    Graph,
    /// A SharePoint host.
    SharePoint,
    /// Anything else (the emulator's own loopback address): every service.
    Any,
}

/// Where a request was sent: scheme and host as the client saw them.
#[derive(Clone, Debug)]
pub struct Origin {
    scheme: &'static str,
    host: String,
    kind: HostKind,
}

impl Origin {
    /// The origin of a request. Microsoft hosts are always https (the emulator then sits behind
    /// a TLS-terminating proxy that keeps the Host header).
    pub fn of(headers: &HeaderMap, tls: bool) -> Self {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1")
            .to_ascii_lowercase();
        let kind = host_kind(&host);
        let scheme = if tls || kind != HostKind::Any { "https" } else { "http" };
        Self { scheme, host, kind }
    }

    /// The host (with port, if any).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// What the host names.
    pub fn kind(&self) -> HostKind {
        self.kind
    }

    /// `scheme://host`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.host)
    }

    /// The authority origin for identity URLs in responses.
    pub fn login(&self) -> String {
        self.url()
    }

    /// The Graph origin that belongs with this authority.
    pub fn graph(&self) -> String {
        format!("{}://{}", self.scheme, self.graph_host())
    }

    /// The Graph host that belongs with this authority (`msgraph_host`).
    pub fn graph_host(&self) -> String {
        match bare_host(&self.host).as_str() {
            "login.microsoftonline.us" | "login.usgovcloudapi.net" => "graph.microsoft.us".into(),
            "login.partner.microsoftonline.cn" | "login.chinacloudapi.cn" => {
                "microsoftgraph.chinacloudapi.cn".into()
            }
            "login.sovcloud-identity.fr" => "graph.svc.sovcloud.fr".into(),
            "login.sovcloud-identity.de" => "graph.svc.sovcloud.de".into(),
            _ if self.kind == HostKind::Login => "graph.microsoft.com".into(),
            _ => self.host.clone(),
        }
    }
}

/// Classifies a Host header value.
pub fn host_kind(host: &str) -> HostKind {
    let bare = bare_host(host);
    if LOGIN_HOSTS.contains(&bare.as_str()) {
        HostKind::Login
    } else if GRAPH_HOSTS.contains(&bare.as_str()) {
        HostKind::Graph
    } else if SHAREPOINT_SUFFIXES.iter().any(|suffix| bare.ends_with(suffix)) {
        HostKind::SharePoint
    } else {
        HostKind::Any
    }
}

/// The host without port and without a trailing dot, lower case.
fn bare_host(host: &str) -> String {
    let without_port = if host.starts_with('[') {
        host.split(']').next().map(|h| format!("{h}]")).unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default().to_owned()
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether the Host header names this machine's loopback address (where the control API lives).
pub fn is_loopback(host: &str) -> bool {
    matches!(bare_host(host).as_str(), "127.0.0.1" | "localhost" | "[::1]")
}
