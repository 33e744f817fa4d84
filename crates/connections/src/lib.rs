//! The domain of spconnect.
//!
//! This crate owns: integration definitions, what an integration uses of SharePoint as the
//! administrator picked it in Browse (lists and libraries with their columns and types), their
//! checks, and their export as an OpenAPI 3.1 document describing create, read, update and delete
//! of those lists' items through Microsoft Graph. Later: the plan and step machine of creating a
//! connection, and the connection store.
//!
//! It does not own: reading SharePoint (the graph crate does; this crate takes its typed models),
//! files, windows or IPC.

pub mod definition;
mod error;
pub mod openapi;

pub use definition::{ColumnSpec, IntegrationDefinition, ListSpec};
pub use error::DefinitionError;
