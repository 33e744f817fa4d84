//! The Microsoft Graph client of spconnect.
//!
//! This crate owns: the HTTP client every Graph call goes through (a timeout on every request,
//! rustls with the operating system's trust store, the proxy from `HTTPS_PROXY`/`NO_PROXY`, a
//! loopback host such as the tenant emulator reached directly), the retry of what may succeed
//! later (429 and 503 honouring `Retry-After` exactly, backing off with jitter without it, a
//! bounded number of times), paging by following `@odata.nextLink` verbatim, the errors that keep
//! Graph's `code`, inner code and `request-id`, and typed models of what spconnect reads and
//! writes: the signed-in person's directory roles and what they allow ([`roles`]), the
//! registration of spconnect's own public client application ([`applications`]), and what each
//! step must be allowed to do on the person's behalf ([`access`]).
//!
//! It does not own: tokens. It declares [`TokenSource`] and is handed one; whoever builds both
//! this crate's client and the identity crate wires them (this crate does not depend on it).
//! Nor windows, IPC or storage. Microsoft's behaviour it follows is in `docs/microsoft` §3.

pub mod access;
pub mod applications;
mod batch;
mod client;
pub mod crawl;
mod error;
mod pacer;
pub mod provisioning;
pub mod roles;
pub mod sharepoint;
mod sharepoint_rest;
mod token;
mod wire;

pub use batch::{BatchRequest, MAX_BATCH};
pub use client::{GraphClient, GraphOptions, is_loopback};
pub use error::GraphError;
pub use pacer::{Pacer, PacerOptions, PacerStats};
pub use sharepoint_rest::SharePointRest;
pub use token::{FixedToken, TokenError, TokenErrorKind, TokenFuture, TokenSource};
