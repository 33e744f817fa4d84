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
