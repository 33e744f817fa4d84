//! The vault: spconnect's secrets at rest.
//!
//! It owns
//! - the OS keychain behind our own trait, [`SecretStore`], with [`KeychainStore`] on the real
//!   keychain (the Secret Service on Linux) and, for tests only, `MemoryStore` (this crate's tests
//!   and the `test-store` feature);
//! - people's refresh tokens in that keychain, [`RefreshTokens`], keyed by tenant, the person's
//!   object id and the client id ([`RefreshTokenKey`]), listed to show who is signed in and deleted
//!   on sign-out;
//! - records encrypted at rest, [`RecordStore`]: AES-256-GCM under a per-profile data key kept in
//!   the keychain, a fresh nonce per write, the record's id bound in; atomic owner-only files;
//!   unreadable files set aside, never overwritten.
//!
//! It does not own signing in, refreshing or what a token means (the identity crate), what a
//! record contains (its caller), where the app's folders are (the shell gives them), nor Tauri.
//!
//! ```no_run
//! # fn main() -> Result<(), spconnect_vault::VaultError> {
//! use std::sync::Arc;
//! use spconnect_secret::Secret;
//! use spconnect_vault::{KeychainStore, ProfileName, RecordId, RecordStore, RefreshTokenKey, RefreshTokens};
//!
//! let keychain = Arc::new(KeychainStore::new()); // one for the whole app
//! let tokens = RefreshTokens::new(keychain.clone());
//! let key = RefreshTokenKey::new(
//!     "72f988bf-86f1-41af-91ab-2d7cd011db47", // tid
//!     "00000000-0000-0000-0000-0000000000a1", // oid
//!     "14d82eec-204b-4c2f-b7e8-296a70dab67e", // client id
//! )?;
//! tokens.save(&key, &Secret::from("0.AR…"))?;
//! let signed_in: Vec<RefreshTokenKey> = tokens.signed_in()?;
//! tokens.sign_out(key.tenant_id(), key.object_id())?;
//!
//! let records = RecordStore::new(keychain, "/path/to/data/records".as_ref(), ProfileName::new("default")?);
//! let written = records.write(&RecordId::new("connection-1")?, &Secret::new(b"{...}".to_vec()))?;
//! if let Some(notice) = written.notice { /* show it to the person */ }
//! # Ok(()) }
//! ```
//!
//! **Every call blocks** (the keychain may even wait for the person to answer an unlock prompt):
//! async code runs it in `tokio::task::spawn_blocking`. Secrets go in and out as
//! [`Secret`](spconnect_secret::Secret), never as plain strings, and no error, `Debug` output or
//! log line of this crate contains one.

mod atomic;
mod envelope;
mod error;
mod keychain;
#[cfg(test)]
mod log_tests;
#[cfg(any(test, feature = "test-store"))]
mod memory;
mod model;
mod records;
mod tokens;

pub use error::{Unavailability, VaultError};
pub use keychain::{KeychainStore, SecretStore};
#[cfg(any(test, feature = "test-store"))]
pub use memory::MemoryStore;
pub use model::{EntryKey, ProfileName, RecordId, RefreshTokenKey, SERVICE};
pub use records::{RecordStore, Written};
pub use tokens::RefreshTokens;
