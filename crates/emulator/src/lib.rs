//! The tenant emulator: a local Microsoft identity platform (login.microsoftonline.com), Microsoft
//! Graph (graph.microsoft.com) and SharePoint REST (`{tenant}.sharepoint.com/_api`) on loopback,
//! answering the requests real clients send the way Microsoft documents them. Tests start it
//! in-process ([`Emulator::start`]); the `spconnect-emulator` binary runs it on its own.
//!
//! Features: `cli` (the program's command line) and `tls` (HTTPS), both on by default; the app's
//! demo mode builds the library without them.
//!
//! It owns the seeded demo tenants, the protocol behaviour and the fault injection; it is never
//! used by product code except the demo mode and tests. The Microsoft facts it follows are
//! summarised, with Microsoft's URLs, in the repository's `docs/microsoft/` (cited in comments as
//! `docs/microsoft §N.M`); where Microsoft's documentation says otherwise, it wins.

mod access;
mod bearer;
mod clock;
mod control;
mod fields;
mod files;
mod graph;
mod http;
mod identity;
mod items;
mod keys;
mod lists;
mod model;
mod origin;
mod paths;
mod resources;
mod seed;
mod server;
mod sharepoint;
mod state;
mod store;
mod throttle;

pub use keys::{Certificate, KeyError, SigningKey};
pub use seed::{
    DEMO_DOMAIN, DEMO_ORGANIZATION, DEMO_TENANT_ID, DEMO_USERS, GRAPH_COMMAND_LINE_TOOLS_ID,
    SECOND_DOMAIN, SECOND_TENANT_ID, SPCONNECT_CLIENT_ID,
};
#[cfg(feature = "tls")]
pub use server::TlsFiles;
pub use server::{Config, Emulator, StartError, TenantSpec};
