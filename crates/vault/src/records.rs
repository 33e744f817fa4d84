//! [`RecordStore`]: records encrypted at rest, one file per [`RecordId`] in a profile's folder
//! (`{dir}/{profile}/{id}.record`), each sealed with the profile's data key (see `envelope`).
//!
//! The data key is kept in the keychain under `data-key/{profile}` and made on first use. If the
//! keychain has lost it while records exist, no new key is made ([`VaultError::DataKeyMissing`]):
//! that would make the old records unreadable for good. A record file that cannot be opened is
//! never silently overwritten: writing that id first sets it aside as `*.corrupt-{timestamp}` and
//! says so in [`Written::notice`]. Calls block (keychain and disk).

use std::{
    fs, io,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError},
};

use spconnect_secret::Secret;

use crate::{
    atomic,
    envelope::{self, DataKey},
    error::VaultError,
    keychain::SecretStore,
    model::{EntryKey, ProfileName, RecordId, SERVICE},
};

/// The file name ending of a record.
const EXTENSION: &str = "record";

/// What a write did besides writing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Where an unreadable earlier file of this id was kept, if there was one.
    pub set_aside: Option<PathBuf>,
    /// A sentence for the person when something needed their attention.
    pub notice: Option<String>,
}

/// The encrypted records of one profile.
#[derive(Debug)]
pub struct RecordStore {
    keychain: Arc<dyn SecretStore>,
    service: String,
    profile: ProfileName,
    dir: PathBuf,
    key: Mutex<Option<DataKey>>,
}

impl RecordStore {
    /// The records of `profile` under `base_dir` (in `base_dir/{profile}/`), with the data key in
    /// `keychain`. Touches nothing until the first call.
    pub fn new(keychain: Arc<dyn SecretStore>, base_dir: &Path, profile: ProfileName) -> Self {
        Self::with_service(keychain, SERVICE, base_dir, profile)
    }

    /// The same with the data key under another keychain service name, so tests never meet the
    /// app's entries.
    pub fn with_service(
        keychain: Arc<dyn SecretStore>,
        service: &str,
        base_dir: &Path,
        profile: ProfileName,
    ) -> Self {
        let dir = base_dir.join(profile.as_str());
        Self { keychain, service: service.to_owned(), profile, dir, key: Mutex::new(None) }
    }

    /// The folder of this profile's records.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file a record is kept in.
    pub fn path(&self, id: &RecordId) -> PathBuf {
        self.dir.join(format!("{id}.{EXTENSION}"))
    }

    /// Encrypts and writes the record `id`, replacing the previous one atomically. An earlier file
    /// of this id that cannot be opened is set aside first (see [`Written`]); a keychain that
    /// cannot be reached stops the write before anything changes.
    #[tracing::instrument(skip_all, fields(profile = %self.profile, id = %id))]
    pub fn write(&self, id: &RecordId, plaintext: &Secret<Vec<u8>>) -> Result<Written, VaultError> {
        let key = self.data_key()?;
        let path = self.path(id);
        let mut written = Written::default();
        match self.read_with(&key, id) {
            Ok(_) | Err(VaultError::NotFound { .. }) => {}
            Err(problem @ (VaultError::Tampered { .. } | VaultError::Corrupt { .. })) => {
                let aside = atomic::set_aside(&path)?;
                tracing::warn!(file = %path.display(), kept_as = %aside.display(), %problem,
                    "unreadable record kept aside before writing");
                written.notice = Some(format!(
                    "{problem} It was kept as {} and a new record was written.",
                    aside.display()
                ));
                written.set_aside = Some(aside);
            }
            Err(other) => return Err(other),
        }
        let sealed = envelope::seal(&key, id, plaintext)?;
        atomic::write_atomically(&path, &sealed)?;
        tracing::info!(bytes = sealed.len(), "record written");
        Ok(written)
    }

    /// Reads and decrypts the record `id`: [`VaultError::NotFound`] when there is none,
    /// [`VaultError::Tampered`] or [`VaultError::Corrupt`] when its file cannot be opened (the file
    /// is left as it is).
    #[tracing::instrument(skip_all, fields(profile = %self.profile, id = %id))]
    pub fn read(&self, id: &RecordId) -> Result<Secret<Vec<u8>>, VaultError> {
        if !self.path(id).exists() {
            return Err(self.not_found(id));
        }
        self.read_with(&self.data_key()?, id)
    }

    /// The ids of the stored records, sorted. Temporary and set-aside files are not records.
    pub fn list(&self) -> Result<Vec<RecordId>, VaultError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(VaultError::Read { path: self.dir.clone(), source }),
        };
        let mut ids = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(|source| VaultError::Read { path: self.dir.clone(), source })?;
            let name = entry.file_name();
            let Some(stem) = name.to_str().and_then(|name| name.strip_suffix(".record")) else {
                continue;
            };
            if let Ok(id) = RecordId::new(stem) {
                ids.push(id);
            }
        }
        ids.sort();
        Ok(ids)
    }

    /// Deletes the record `id`; returns whether there was one.
    #[tracing::instrument(skip_all, fields(profile = %self.profile, id = %id))]
    pub fn delete(&self, id: &RecordId) -> Result<bool, VaultError> {
        let path = self.path(id);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(VaultError::Write { path, source }),
        }
    }

    fn read_with(&self, key: &DataKey, id: &RecordId) -> Result<Secret<Vec<u8>>, VaultError> {
        let path = self.path(id);
        let sealed = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(self.not_found(id)),
            Err(source) => return Err(VaultError::Read { path, source }),
        };
        envelope::open(key, id, &sealed, &path)
    }

    fn not_found(&self, id: &RecordId) -> VaultError {
        VaultError::NotFound { what: format!("record \"{id}\" of profile \"{}\"", self.profile) }
    }

    /// The profile's data key: from the cache, else from the keychain, else (when no record
    /// exists yet) a new one saved there. Making it happens under an exclusive lock on
    /// `{dir}/.data-key.lock`, so two stores or two processes racing to make the first key end
    /// up with one.
    fn data_key(&self) -> Result<DataKey, VaultError> {
        let mut cached = self.key.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(key) = cached.as_ref() {
            return Ok(key.clone());
        }
        let entry = EntryKey::new(&self.service, &self.profile.data_key_account())?;
        let key = match self.keychain.get(&entry) {
            Ok(stored) => self.parse_key(&stored)?,
            Err(VaultError::NotFound { .. }) => {
                let _lock = self.lock_key_creation()?;
                match self.keychain.get(&entry) {
                    Ok(stored) => self.parse_key(&stored)?,
                    Err(VaultError::NotFound { .. }) => self.make_key(&entry)?,
                    Err(other) => return Err(other),
                }
            }
            Err(other) => return Err(other),
        };
        *cached = Some(key.clone());
        Ok(key)
    }

    /// Makes the first data key, refusing while records exist (they were sealed with a key the
    /// keychain has lost).
    fn make_key(&self, entry: &EntryKey) -> Result<DataKey, VaultError> {
        if !self.list()?.is_empty() {
            return Err(VaultError::DataKeyMissing {
                profile: self.profile.to_string(),
                dir: self.dir.clone(),
            });
        }
        let key = DataKey::generate()?;
        self.keychain.set(entry, &key.to_keychain())?;
        tracing::info!(profile = %self.profile, "data key created in the keychain");
        Ok(key)
    }

    /// Holds an exclusive lock on the profile's key-creation lock file until dropped.
    fn lock_key_creation(&self) -> Result<fs::File, VaultError> {
        let path = self.dir.join(".data-key.lock");
        let write_error = |source| VaultError::Write { path: path.clone(), source };
        atomic::create_private_dir(&self.dir).map_err(write_error)?;
        let mut options = fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(write_error)?;
        file.lock().map_err(write_error)?;
        Ok(file)
    }

    fn parse_key(&self, stored: &Secret<Vec<u8>>) -> Result<DataKey, VaultError> {
        DataKey::from_keychain(stored)
            .ok_or_else(|| VaultError::DataKeyDamaged { profile: self.profile.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;

    const SECRET_RECORD: &[u8] = b"{\"clientSecret\":\"Zk9~record-plaintext-123\"}";

    struct Fixture {
        _dir: tempfile::TempDir,
        base: PathBuf,
        keychain: Arc<MemoryStore>,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("temp dir");
            let base = dir.path().join("records");
            Self { _dir: dir, base, keychain: Arc::new(MemoryStore::new()) }
        }

        fn store(&self) -> RecordStore {
            RecordStore::new(self.keychain.clone(), &self.base, profile())
        }
    }

    fn profile() -> ProfileName {
        ProfileName::new("default").expect("profile")
    }

    fn id(name: &str) -> RecordId {
        RecordId::new(name).expect("id")
    }

    fn secret(bytes: &[u8]) -> Secret<Vec<u8>> {
        Secret::new(bytes.to_vec())
    }

    #[test]
    fn writes_reads_lists_and_deletes() {
        let fixture = Fixture::new();
        let store = fixture.store();
        assert!(store.list().expect("empty").is_empty());
        assert_eq!(
            store.write(&id("b"), &secret(SECRET_RECORD)).expect("write"),
            Written::default()
        );
        store.write(&id("a"), &secret(b"other")).expect("write");
        fs::write(store.dir().join(".tmp-x.partial"), b"junk").expect("junk");
        fs::write(store.dir().join("c.record.corrupt-1"), b"junk").expect("junk");
        assert_eq!(store.list().expect("list"), [id("a"), id("b")]);
        assert_eq!(store.read(&id("b")).expect("read").expose(), SECRET_RECORD);
        assert!(store.delete(&id("b")).expect("delete"));
        assert!(!store.delete(&id("b")).expect("delete again"));
        assert!(matches!(store.read(&id("b")), Err(VaultError::NotFound { .. })));
    }

    #[test]
    fn the_data_key_is_made_once_and_kept_in_the_keychain() {
        let fixture = Fixture::new();
        fixture.store().write(&id("a"), &secret(SECRET_RECORD)).expect("write");
        assert_eq!(fixture.keychain.accounts(SERVICE).expect("accounts"), ["data-key/default"]);
        let again = fixture.store();
        assert_eq!(again.read(&id("a")).expect("read with a new store").expose(), SECRET_RECORD);
        assert_eq!(fixture.keychain.len(), 1);
    }

    #[test]
    fn a_record_copied_to_another_id_is_refused() {
        let fixture = Fixture::new();
        let store = fixture.store();
        store.write(&id("mine"), &secret(SECRET_RECORD)).expect("write");
        fs::copy(store.path(&id("mine")), store.path(&id("theirs"))).expect("copy");
        let error = store.read(&id("theirs")).expect_err("bound to its id");
        assert!(matches!(error, VaultError::Tampered { .. }), "{error:?}");
        assert!(error.to_string().contains("\"theirs\""), "{error}");
    }

    #[test]
    fn an_unreadable_file_is_left_on_read_and_set_aside_on_write() {
        let fixture = Fixture::new();
        let store = fixture.store();
        store.write(&id("a"), &secret(SECRET_RECORD)).expect("write");
        let path = store.path(&id("a"));
        let mut bytes = fs::read(&path).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&path, &bytes).expect("tamper");
        assert!(matches!(store.read(&id("a")), Err(VaultError::Tampered { .. })));
        assert_eq!(fs::read(&path).expect("still there"), bytes);

        let written = store.write(&id("a"), &secret(b"new")).expect("write over it");
        let aside = written.set_aside.expect("set aside");
        assert_eq!(fs::read(&aside).expect("kept"), bytes);
        assert!(
            aside.file_name().expect("name").to_string_lossy().starts_with("a.record.corrupt-")
        );
        let notice = written.notice.expect("notice");
        assert!(
            notice.contains("integrity check") && notice.contains(&aside.display().to_string()),
            "{notice}"
        );
        assert_eq!(store.read(&id("a")).expect("new").expose(), b"new");
        assert_eq!(store.list().expect("list"), [id("a")]);
    }

    #[test]
    fn a_truncated_file_is_corrupt_and_set_aside_too() {
        let fixture = Fixture::new();
        let store = fixture.store();
        store.write(&id("a"), &secret(SECRET_RECORD)).expect("write");
        fs::write(store.path(&id("a")), [envelope::VERSION, 1, 2]).expect("truncate");
        assert!(matches!(store.read(&id("a")), Err(VaultError::Corrupt { .. })));
        assert!(store.write(&id("a"), &secret(b"new")).expect("write").set_aside.is_some());
    }

    #[test]
    fn a_lost_data_key_is_not_replaced_while_records_exist() {
        let fixture = Fixture::new();
        fixture.store().write(&id("a"), &secret(SECRET_RECORD)).expect("write");
        let key = EntryKey::new(SERVICE, "data-key/default").expect("key");
        assert!(fixture.keychain.delete(&key).expect("lose the key"));
        let store = fixture.store();
        for error in [
            store.read(&id("a")).map(|_| ()).expect_err("read"),
            store.write(&id("b"), &secret(b"x")).map(|_| ()).expect_err("write"),
        ] {
            assert!(matches!(error, VaultError::DataKeyMissing { .. }), "{error:?}");
        }
        assert!(fixture.keychain.is_empty(), "no new key was made");
        assert!(fs::read(store.path(&id("a"))).is_ok());
    }

    #[test]
    fn a_damaged_data_key_is_reported_not_replaced() {
        let fixture = Fixture::new();
        let key = EntryKey::new(SERVICE, "data-key/default").expect("key");
        fixture.keychain.set(&key, &secret(b"not a key")).expect("damage");
        let error = fixture.store().write(&id("a"), &secret(b"x")).expect_err("damaged");
        assert!(matches!(error, VaultError::DataKeyDamaged { .. }), "{error:?}");
        assert_eq!(fixture.keychain.get(&key).expect("kept").expose(), b"not a key");
    }

    #[test]
    fn without_a_keychain_nothing_is_written_or_lost() {
        let fixture = Fixture::new();
        fixture.store().write(&id("a"), &secret(SECRET_RECORD)).expect("write");
        fixture.keychain.set_unavailable(true);
        let store = fixture.store();
        let error = store.write(&id("a"), &secret(b"new")).expect_err("no keychain");
        assert!(matches!(error, VaultError::KeychainUnavailable { .. }), "{error:?}");
        fixture.keychain.set_unavailable(false);
        assert_eq!(store.read(&id("a")).expect("old record").expose(), SECRET_RECORD);
    }

    #[test]
    fn stores_racing_to_make_the_first_data_key_end_up_with_one() {
        for _ in 0..20 {
            let fixture = Fixture::new();
            let barrier = std::sync::Barrier::new(8);
            std::thread::scope(|scope| {
                for n in 0..8 {
                    let (fixture, barrier) = (&fixture, &barrier);
                    scope.spawn(move || {
                        let store = fixture.store();
                        barrier.wait();
                        store.write(&id(&format!("r{n}")), &secret(b"x")).expect("write");
                    });
                }
            });
            let store = fixture.store();
            for n in 0..8 {
                assert_eq!(
                    store.read(&id(&format!("r{n}"))).expect("every record opens").expose(),
                    b"x"
                );
            }
        }
    }

    #[test]
    fn profiles_have_their_own_folders_and_keys() {
        let fixture = Fixture::new();
        let other = RecordStore::new(
            fixture.keychain.clone(),
            &fixture.base,
            ProfileName::new("work").expect("profile"),
        );
        fixture.store().write(&id("a"), &secret(b"default")).expect("write");
        other.write(&id("a"), &secret(b"work")).expect("write");
        assert_eq!(fixture.keychain.len(), 2);
        assert_eq!(other.read(&id("a")).expect("read").expose(), b"work");
        fs::copy(other.path(&id("a")), fixture.store().path(&id("a"))).expect("copy across");
        assert!(matches!(fixture.store().read(&id("a")), Err(VaultError::Tampered { .. })));
    }
}
