//! Owns the per-user settings of spconnect and where they are kept: which Microsoft cloud the app
//! talks to (Global, the US Government clouds, China operated by 21Vianet, or custom endpoints),
//! the endpoints each choice resolves to, and the `settings.json` file in the app's config folder;
//! and who has signed in on this computer (`accounts.json`: names and ids, never a token).
//!
//! Input from the UI is validated and normalised here ([`CloudSetting::endpoints`]); the file is
//! written atomically, and a file that cannot be read is kept aside rather than overwritten.
//! It does not know Tauri (the shell passes the folder in) and does no network I/O.

mod accounts;
mod error;
mod model;
mod store;

pub use accounts::{ACCOUNTS_FILE_NAME, AccountsStore, KnownAccount, LoadedAccounts};
pub use error::{EndpointField, SettingsError};
pub use model::{CloudId, CloudOption, CloudSetting, Endpoints, Settings, TenantProfile};
pub use store::{Loaded, SETTINGS_FILE_NAME, SettingsStore, write_atomically};
