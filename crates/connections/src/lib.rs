//! The domain of spconnect.
//!
//! This crate owns
//! - integration definitions ([`definition`]): what an integration uses of SharePoint as the
//!   administrator picked it in Browse, checked, and exported as an OpenAPI 3.1 document
//!   ([`openapi`]);
//! - what a connection is ([`model`]): the permission model (`Sites.Selected` per site with a
//!   role, or tenant-wide), the APIs, the certificate, the record kept;
//! - the plan ([`plan`]): exactly what creating a connection makes and calls, and whether the
//!   signed-in person's roles allow it;
//! - apply ([`apply`]): the plan as a resumable step machine with a journal, replication waited
//!   out by polling, cancel and rollback; and the test of a connection with its own certificate
//!   ([`verify`]);
//! - the connection store ([`store`]): records, journals and private keys, encrypted.
//!
//! It does not own: Graph calls (the graph crate), tokens (the identity crate), the keychain and
//! encryption (the vault), certificates (the certs crate), files' locations, windows or IPC.

pub mod apply;
pub mod definition;
mod error;
pub mod model;
pub mod openapi;
pub mod plan;
pub mod store;
pub mod verify;

pub use definition::{ColumnSpec, IntegrationDefinition, ListSpec};
pub use error::{ConnectionError, DefinitionError};
