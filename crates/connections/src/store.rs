//! The connection store: connection records, unfinished applies (their journals) and private keys,
//! each an encrypted record of the vault (AES-256-GCM, the data key in the OS keychain, the
//! record's id bound in), written atomically. A record that cannot be opened (damaged, or changed
//! outside spconnect) is reported by its id and left as it is, never overwritten.
//!
//! Every call blocks (the keychain may prompt): async callers use `spawn_blocking`.

use std::sync::Arc;

use spconnect_secret::Secret;
use spconnect_vault::{RecordId, RecordStore, VaultError};

use crate::{
    apply::Journal,
    error::ConnectionError,
    model::{ConnectionId, ConnectionRecord},
};

const CONNECTION: &str = "connection-";
const APPLY: &str = "apply-";
const KEY: &str = "key-";

/// What [`ConnectionStore::connections`] read: the records, and those it could not read.
#[derive(Debug, Default)]
pub struct Listing {
    /// The connections, by name.
    pub connections: Vec<ConnectionRecord>,
    /// Records that could not be read, each with why.
    pub problems: Vec<ConnectionError>,
}

/// The connections of one profile. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ConnectionStore {
    records: Arc<RecordStore>,
}

fn record_id(prefix: &str, id: &ConnectionId) -> Result<RecordId, ConnectionError> {
    RecordId::new(&format!("{prefix}{id}")).map_err(vault)
}

fn vault(error: VaultError) -> ConnectionError {
    ConnectionError::Vault(error.to_string())
}

fn unreadable(id: &str, error: VaultError) -> ConnectionError {
    match error {
        VaultError::Tampered { .. } | VaultError::Corrupt { .. } => {
            ConnectionError::CorruptStore { id: id.to_owned(), reason: error.to_string() }
        }
        other => vault(other),
    }
}

impl ConnectionStore {
    /// The store over the vault's encrypted records.
    pub fn new(records: RecordStore) -> Self {
        Self { records: Arc::new(records) }
    }

    fn write_json<T: serde::Serialize>(
        &self,
        id: &RecordId,
        value: &T,
    ) -> Result<Option<String>, ConnectionError> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            ConnectionError::Internal(format!("a record could not be written ({e})"))
        })?;
        Ok(self.records.write(id, &Secret::new(bytes)).map_err(vault)?.notice)
    }

    fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        id: &RecordId,
    ) -> Result<T, ConnectionError> {
        let bytes = match self.records.read(id) {
            Ok(bytes) => bytes,
            Err(VaultError::NotFound { .. }) => {
                return Err(ConnectionError::NotFound(id.as_str().to_owned()));
            }
            Err(error) => return Err(unreadable(id.as_str(), error)),
        };
        serde_json::from_slice(bytes.expose()).map_err(|e| ConnectionError::CorruptStore {
            id: id.as_str().to_owned(),
            reason: format!("its content is not a record of this version ({e})."),
        })
    }

    /// Keeps a connection's private key (PKCS#8 DER), encrypted.
    pub fn save_key(
        &self,
        id: &ConnectionId,
        key: &Secret<Vec<u8>>,
    ) -> Result<(), ConnectionError> {
        self.records.write(&record_id(KEY, id)?, key).map_err(vault).map(|_| ())
    }

    /// A connection's private key.
    pub fn key(&self, id: &ConnectionId) -> Result<Secret<Vec<u8>>, ConnectionError> {
        let rid = record_id(KEY, id)?;
        self.records.read(&rid).map_err(|e| match e {
            VaultError::NotFound { .. } => ConnectionError::NotFound(id.to_string()),
            other => unreadable(rid.as_str(), other),
        })
    }

    /// Writes the journal of an apply in progress (after each step).
    pub fn save_journal(&self, journal: &Journal) -> Result<(), ConnectionError> {
        self.write_json(&record_id(APPLY, &journal.request.id)?, journal).map(|_| ())
    }

    /// The journal of the apply of `id`.
    pub fn journal(&self, id: &ConnectionId) -> Result<Journal, ConnectionError> {
        self.read_json(&record_id(APPLY, id)?)
    }

    /// The unfinished applies (to offer resuming after a restart), and records unreadable.
    pub fn journals(&self) -> Result<(Vec<Journal>, Vec<ConnectionError>), ConnectionError> {
        let mut found = Vec::new();
        let mut problems = Vec::new();
        for rid in self.records.list().map_err(vault)? {
            if rid.as_str().starts_with(APPLY) {
                match self.read_json::<Journal>(&rid) {
                    Ok(journal) => found.push(journal),
                    Err(problem) => problems.push(problem),
                }
            }
        }
        Ok((found, problems))
    }

    /// Forgets the journal of `id` (after the apply finished or was rolled back).
    pub fn delete_journal(&self, id: &ConnectionId) -> Result<(), ConnectionError> {
        self.records.delete(&record_id(APPLY, id)?).map_err(vault).map(|_| ())
    }

    /// Writes a connection record; a notice when an unreadable earlier file was kept aside.
    pub fn save(&self, record: &ConnectionRecord) -> Result<Option<String>, ConnectionError> {
        self.write_json(&record_id(CONNECTION, &record.request.id)?, record)
    }

    /// One connection.
    pub fn connection(&self, id: &ConnectionId) -> Result<ConnectionRecord, ConnectionError> {
        self.read_json(&record_id(CONNECTION, id)?)
    }

    /// Every connection, by name, with the records that could not be read.
    pub fn connections(&self) -> Result<Listing, ConnectionError> {
        let mut listing = Listing::default();
        for rid in self.records.list().map_err(vault)? {
            if rid.as_str().starts_with(CONNECTION) {
                match self.read_json::<ConnectionRecord>(&rid) {
                    Ok(record) => listing.connections.push(record),
                    Err(problem) => listing.problems.push(problem),
                }
            }
        }
        listing.connections.sort_by_key(|c| c.request.name.to_lowercase());
        Ok(listing)
    }

    /// Deletes a connection's record, journal and key on this computer (not in the tenant).
    pub fn forget(&self, id: &ConnectionId) -> Result<(), ConnectionError> {
        for prefix in [CONNECTION, APPLY, KEY] {
            self.records.delete(&record_id(prefix, id)?).map_err(vault)?;
        }
        Ok(())
    }
}
