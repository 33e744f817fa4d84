//! Who has signed in on this computer: `accounts.json` in the app's config folder. It holds only
//! what identifies a person and what the Accounts view shows (names, tenant, the client they
//! signed in with, the directory roles read at sign-in); their tokens are in the OS keychain,
//! never here. Written atomically; an unreadable file is kept aside, never overwritten.

use std::{
    fs, io,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{
    error::SettingsError,
    store::{keep_aside, write_atomically},
};

/// The name of the accounts file inside the app's config folder.
pub const ACCOUNTS_FILE_NAME: &str = "accounts.json";

/// A person who signed in on this computer, for one client application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KnownAccount {
    /// Their home tenant id (`tid`).
    pub tenant_id: String,
    /// Their object id (`oid`).
    pub object_id: String,
    /// The client application they signed in with.
    pub client_id: String,
    /// Sign-in name, usually the UPN.
    pub username: String,
    /// Display name.
    pub name: String,
    /// The authority origin they signed in at.
    pub authority_host: String,
    /// The Graph origin their tokens are for.
    pub graph_host: String,
    /// The template ids of the directory roles they held when last read.
    pub role_template_ids: Vec<String>,
    /// When they last signed in (seconds since the Unix epoch).
    #[ts(type = "number")]
    pub signed_in_at: u64,
}

impl KnownAccount {
    /// Whether `other` is the same person with the same client (tokens are kept per this key).
    pub fn same_key(&self, other: &KnownAccount) -> bool {
        self.tenant_id == other.tenant_id
            && self.object_id == other.object_id
            && self.client_id == other.client_id
    }
}

#[derive(Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    accounts: Vec<KnownAccount>,
}

/// What [`AccountsStore::load`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedAccounts {
    /// The accounts, most recently signed in first.
    pub accounts: Vec<KnownAccount>,
    /// A sentence for the person when the file could not be used and was kept aside.
    pub notice: Option<String>,
}

/// The accounts file of one user of the computer.
#[derive(Clone, Debug)]
pub struct AccountsStore {
    path: PathBuf,
}

impl AccountsStore {
    /// The store for `accounts.json` in `config_dir`. Nothing is touched until used.
    pub fn in_dir(config_dir: &Path) -> Self {
        Self { path: config_dir.join(ACCOUNTS_FILE_NAME) }
    }

    /// The accounts; none when the file is missing; an unreadable file is kept aside.
    pub fn load(&self) -> Result<LoadedAccounts, SettingsError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(LoadedAccounts { accounts: Vec::new(), notice: None });
            }
            Err(source) => return Err(SettingsError::Read { path: self.path.clone(), source }),
        };
        match serde_json::from_str::<AccountsFile>(&text) {
            Ok(mut file) => {
                file.accounts.sort_by_key(|a| std::cmp::Reverse(a.signed_in_at));
                Ok(LoadedAccounts { accounts: file.accounts, notice: None })
            }
            Err(parse) => {
                let aside = keep_aside(&self.path)?;
                tracing::warn!(file = %self.path.display(), kept_as = %aside.display(), %parse,
                    "accounts file unreadable; kept aside");
                Ok(LoadedAccounts {
                    accounts: Vec::new(),
                    notice: Some(format!(
                        "The list of signed-in accounts could not be read ({parse}); it was kept as {} \
                         and you may need to sign in again.",
                        aside.display()
                    )),
                })
            }
        }
    }

    /// Adds `account`, or replaces the entry with the same key.
    pub fn upsert(&self, account: KnownAccount) -> Result<Vec<KnownAccount>, SettingsError> {
        let mut accounts = self.load()?.accounts;
        accounts.retain(|a| !a.same_key(&account));
        accounts.insert(0, account);
        self.write(accounts)
    }

    /// Removes the entry with `account`'s key (removing a missing one is not an error).
    pub fn remove(&self, account: &KnownAccount) -> Result<Vec<KnownAccount>, SettingsError> {
        let mut accounts = self.load()?.accounts;
        accounts.retain(|a| !a.same_key(account));
        self.write(accounts)
    }

    fn write(&self, accounts: Vec<KnownAccount>) -> Result<Vec<KnownAccount>, SettingsError> {
        let file = AccountsFile { accounts };
        let write_error = |source| SettingsError::Write { path: self.path.clone(), source };
        let mut json =
            serde_json::to_vec_pretty(&file).map_err(|e| write_error(io::Error::other(e)))?;
        json.push(b'\n');
        write_atomically(&self.path, &json).map_err(write_error)?;
        Ok(file.accounts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(object_id: &str, at: u64) -> KnownAccount {
        KnownAccount {
            tenant_id: "t".into(),
            object_id: object_id.into(),
            client_id: "c".into(),
            username: format!("{object_id}@contoso.example"),
            name: object_id.into(),
            authority_host: "https://login.microsoftonline.com".into(),
            graph_host: "https://graph.microsoft.com".into(),
            role_template_ids: Vec::new(),
            signed_in_at: at,
        }
    }

    #[test]
    fn accounts_are_added_replaced_by_key_and_removed() {
        let dir = tempfile::tempdir().expect("dir");
        let store = AccountsStore::in_dir(dir.path());
        assert!(store.load().expect("empty").accounts.is_empty());
        store.upsert(account("a", 1)).expect("a");
        store.upsert(account("b", 2)).expect("b");
        let again = store.upsert(account("a", 3)).expect("a again");
        assert_eq!(again.iter().map(|a| a.object_id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let left = store.remove(&account("a", 0)).expect("removed");
        assert_eq!(left, [account("b", 2)]);
        assert_eq!(store.load().expect("read").accounts, [account("b", 2)]);
    }

    #[test]
    fn an_unreadable_file_is_kept_aside_with_a_notice() {
        let dir = tempfile::tempdir().expect("dir");
        let store = AccountsStore::in_dir(dir.path());
        fs::write(dir.path().join(ACCOUNTS_FILE_NAME), "{not json").expect("write");
        let loaded = store.load().expect("loads");
        assert!(loaded.accounts.is_empty());
        assert!(loaded.notice.expect("a notice").contains("kept as"));
        let kept: Vec<_> = fs::read_dir(dir.path()).expect("dir").flatten().collect();
        assert_eq!(kept.len(), 1, "the bad file is kept, renamed");
        assert_eq!(fs::read_to_string(kept[0].path()).expect("read"), "{not json");
    }
}
