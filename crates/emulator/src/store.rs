//! Keeping the emulator's state across restarts (`--state DIR`).
//!
//! What the directory holds:
//! - `emulator.json`: the `--tenant` the directory was made for (another one is refused at start)
//!   and how far the clock was moved forward (objects created on a moved clock stay visible).
//! - `signing-key.json`: the token-signing key and its certificate, so tokens issued before a
//!   restart still validate.
//! - `tenants/{tenantId}.json`: one tenant's directory and SharePoint content: users,
//!   applications (deleted ones too, with their certificates and secrets), service principals,
//!   app role assignments, delegated grants, and webs with their site permissions, lists, columns
//!   and items. A generated large tenant keeps its stored objects and the shape its lists are
//!   generated from, not the generated lists.
//! - `sessions.json`: the refresh tokens issued, each by its SHA-256 only (the grant it stands for,
//!   never the token), revocations and MFA demands. Pending sign-ins, codes,
//!   device codes and browser sessions are not kept: they live minutes, and a restart ends them.
//!
//! Every file is written whole to a temporary file in the same folder, flushed to disk and renamed
//! over the old one, so a crash leaves the old file or the new one, never part of one. Files are
//! readable by their owner only (they hold signing keys and application secrets). State is saved after
//! every request that may change it (any method but GET, HEAD and OPTIONS) before the response
//! is sent, and once more when the emulator stops; only files whose content changed are
//! rewritten. A file that cannot be read is renamed `NAME.corrupt-YYYYMMDDTHHMMSSZ` and reported
//! (never silently replaced), and that part starts again from the seed.

use std::{
    collections::HashMap,
    fs,
    hash::{Hash, Hasher},
    io::{self, Write},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    keys::SigningKey,
    model::Tenant,
    state::{RefreshGrant, Sessions, Shared},
};

/// The version of the file layout; a file of another version is set aside like a corrupt one.
const FORMAT: u32 = 1;

/// Why the state directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory or a file in it could not be read or written.
    #[error("cannot use the state directory {}: {source}", dir.display())]
    Io {
        /// The directory.
        dir: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// The directory holds the tenants of another `--tenant`.
    #[error(
        "the state directory {} was made for --tenant {found}, not {wanted}; use that tenant or another directory",
        dir.display()
    )]
    OtherTenant {
        /// The directory.
        dir: PathBuf,
        /// The tenant spec it was made for.
        found: String,
        /// The tenant spec asked for now.
        wanted: String,
    },
}

/// `emulator.json`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EmulatorFile {
    format: u32,
    tenant: String,
    clock_offset_seconds: i64,
}

/// `tenants/{id}.json`.
#[derive(Serialize, Deserialize)]
struct TenantFile {
    format: u32,
    tenant: Tenant,
}

/// `signing-key.json`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyFile {
    format: u32,
    private_key_pem: String,
    certificate: String,
}

/// `sessions.json`.
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionsFile {
    format: u32,
    refresh_tokens: HashMap<String, RefreshGrant>,
    revocations: Vec<Revocation>,
    mfa_required: Vec<Uuid>,
}

/// A user's refresh tokens issued before `before` are revoked.
#[derive(Serialize, Deserialize)]
struct Revocation {
    user: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    before: OffsetDateTime,
}

/// A state directory in use.
pub struct Store {
    dir: PathBuf,
    spec: String,
    /// A hash of what each file last held, so unchanged files are not rewritten.
    written: Mutex<HashMap<PathBuf, u64>>,
    /// [`Shared::world_changes`] at the last save of the tenants, so requests that changed no
    /// tenant (most token requests) do not serialise them all.
    tenants_saved_at: Mutex<Option<u64>>,
    /// What was reported: files set aside, saves that failed.
    notices: Mutex<Vec<String>>,
}

impl Store {
    /// Opens (creating if needed) `dir` for the tenants of `spec` (e.g. `demo`).
    pub fn open(dir: &Path, spec: &str) -> Result<Self, StoreError> {
        let io_error = |source| StoreError::Io { dir: dir.to_owned(), source };
        let new = !dir.exists();
        fs::create_dir_all(dir.join("tenants")).map_err(io_error)?;
        if new {
            restrict_folder(dir).map_err(io_error)?;
        }
        let store = Self {
            dir: dir.to_owned(),
            spec: spec.to_owned(),
            written: Mutex::default(),
            tenants_saved_at: Mutex::default(),
            notices: Mutex::default(),
        };
        let made_for = store.read::<EmulatorFile>(&store.emulator_path(), |f| f.format)?;
        if let Some(found) = made_for.map(|f| f.tenant).filter(|found| found != spec) {
            return Err(StoreError::OtherTenant {
                dir: dir.to_owned(),
                found,
                wanted: spec.to_owned(),
            });
        }
        Ok(store)
    }

    /// The messages about files set aside and saves that failed, oldest first.
    pub fn notices(&self) -> Vec<String> {
        self.notices.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How far the clock had been moved forward (0 for a new directory).
    pub fn clock_offset(&self) -> Result<time::Duration, StoreError> {
        let file = self.read::<EmulatorFile>(&self.emulator_path(), |f| f.format)?;
        Ok(time::Duration::seconds(file.map_or(0, |f| f.clock_offset_seconds)))
    }

    /// The stored version of the seeded tenant `seed`, or `seed` itself if none is stored (or
    /// the stored one could not be read, which is set aside and reported).
    pub fn tenant(&self, seed: Tenant) -> Result<Tenant, StoreError> {
        let path = self.tenant_path(seed.id);
        let stored = self.read::<TenantFile>(&path, |f| f.format)?;
        Ok(match stored {
            Some(file) if file.tenant.id == seed.id => file.tenant,
            Some(_) => {
                self.set_aside(&path, "it holds another tenant")?;
                seed
            }
            None => seed,
        })
    }

    /// The stored signing key, or a new one (saved at once).
    pub fn signing_key(&self) -> Result<SigningKey, crate::server::StartError> {
        let path = self.dir.join("signing-key.json");
        if let Some(file) = self.read::<KeyFile>(&path, |f| f.format)? {
            let key = STANDARD
                .decode(&file.certificate)
                .map_err(|e| crate::keys::KeyError::Certificate(e.to_string()))
                .and_then(|der| SigningKey::from_parts(file.private_key_pem, der));
            match key {
                Ok(key) => return Ok(key),
                Err(error) => self.set_aside(&path, &error.to_string())?,
            }
        }
        let key = SigningKey::generate()?;
        let (private_key_pem, der) = key.parts();
        let file = KeyFile {
            format: FORMAT,
            private_key_pem: private_key_pem.to_owned(),
            certificate: STANDARD.encode(der),
        };
        self.write_json(&path, &file)
            .map_err(|source| StoreError::Io { dir: self.dir.clone(), source })?;
        Ok(key)
    }

    /// Puts the stored refresh tokens, revocations and MFA demands into `sessions`.
    pub fn restore_sessions(&self, sessions: &mut Sessions) -> Result<(), StoreError> {
        let Some(file) = self.read::<SessionsFile>(&self.sessions_path(), |f| f.format)? else {
            return Ok(());
        };
        sessions.refresh_tokens = file.refresh_tokens;
        sessions.revoked_before =
            file.revocations.into_iter().map(|r| (r.user, r.before)).collect();
        sessions.mfa_required = file.mfa_required;
        Ok(())
    }

    /// Writes every file whose content changed since it was last written or read.
    pub fn save(&self, shared: &Shared) -> io::Result<()> {
        // One save at a time, so an older state never overtakes a newer one.
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        let emulator = EmulatorFile {
            format: FORMAT,
            tenant: self.spec.clone(),
            clock_offset_seconds: shared.clock.offset().whole_seconds(),
        };
        self.write_if_changed(&mut written, &self.emulator_path(), &emulator)?;
        let sessions = {
            let sessions = shared.sessions();
            SessionsFile {
                format: FORMAT,
                refresh_tokens: sessions.refresh_tokens.clone(),
                revocations: sessions
                    .revoked_before
                    .iter()
                    .map(|(user, before)| Revocation { user: *user, before: *before })
                    .collect(),
                mfa_required: sessions.mfa_required.clone(),
            }
        };
        self.write_if_changed(&mut written, &self.sessions_path(), &sessions)?;
        // Read before the tenants are: a change made meanwhile moves it again, so it is saved
        // next time.
        let changes = shared.world_changes();
        let mut saved_at = self.tenants_saved_at.lock().unwrap_or_else(|p| p.into_inner());
        if *saved_at == Some(changes) {
            return Ok(());
        }
        let tenants: Vec<(PathBuf, Vec<u8>)> = {
            let world = shared.world();
            world
                .tenants
                .iter()
                .map(|tenant| {
                    let file = TenantFileRef { format: FORMAT, tenant };
                    Ok((self.tenant_path(tenant.id), serde_json::to_vec_pretty(&file)?))
                })
                .collect::<serde_json::Result<_>>()?
        };
        for (path, bytes) in tenants {
            self.write_bytes_if_changed(&mut written, &path, &bytes)?;
        }
        *saved_at = Some(changes);
        Ok(())
    }

    /// Saves, reporting a failure as a notice (and in the log) rather than failing a request.
    pub fn save_or_report(&self, shared: &Shared) {
        if let Err(error) = self.save(shared) {
            self.notice(format!(
                "could not save the emulator's state in {}: {error}",
                self.dir.display()
            ));
        }
    }

    fn emulator_path(&self) -> PathBuf {
        self.dir.join("emulator.json")
    }

    fn sessions_path(&self) -> PathBuf {
        self.dir.join("sessions.json")
    }

    fn tenant_path(&self, id: Uuid) -> PathBuf {
        self.dir.join("tenants").join(format!("{id}.json"))
    }

    fn notice(&self, message: String) {
        tracing::warn!("{message}");
        self.notices.lock().unwrap_or_else(|p| p.into_inner()).push(message);
    }

    /// Reads a JSON file: `None` if it does not exist, or if it cannot be read as a `T` of this
    /// format version (it is then set aside and reported).
    fn read<T: DeserializeOwned>(
        &self,
        path: &Path,
        format: impl Fn(&T) -> u32,
    ) -> Result<Option<T>, StoreError> {
        let bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(StoreError::Io { dir: self.dir.clone(), source }),
        };
        match serde_json::from_slice::<T>(&bytes) {
            Ok(value) if format(&value) == FORMAT => {
                self.written
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(path.to_owned(), hash(&bytes));
                Ok(Some(value))
            }
            Ok(value) => {
                let found = format(&value);
                self.set_aside(path, &format!("format {found}, this emulator reads {FORMAT}"))?;
                Ok(None)
            }
            Err(error) => {
                self.set_aside(path, &error.to_string())?;
                Ok(None)
            }
        }
    }

    /// Renames an unreadable file to `NAME.corrupt-TIMESTAMP` and reports it.
    fn set_aside(&self, path: &Path, reason: &str) -> Result<(), StoreError> {
        let stamp = OffsetDateTime::now_utc()
            .format(time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"))
            .unwrap_or_default();
        let mut aside = path.as_os_str().to_owned();
        aside.push(format!(".corrupt-{stamp}"));
        let aside = PathBuf::from(aside);
        fs::rename(path, &aside)
            .map_err(|source| StoreError::Io { dir: self.dir.clone(), source })?;
        self.notice(format!(
            "the state file {} could not be read ({reason}); it was kept as {} and that part starts again from the seed",
            path.display(),
            aside.display()
        ));
        Ok(())
    }

    fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> io::Result<()> {
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        self.write_if_changed(&mut written, path, value)
    }

    fn write_if_changed<T: Serialize>(
        &self,
        written: &mut HashMap<PathBuf, u64>,
        path: &Path,
        value: &T,
    ) -> io::Result<()> {
        self.write_bytes_if_changed(written, path, &serde_json::to_vec_pretty(value)?)
    }

    fn write_bytes_if_changed(
        &self,
        written: &mut HashMap<PathBuf, u64>,
        path: &Path,
        bytes: &[u8],
    ) -> io::Result<()> {
        let digest = hash(bytes);
        if written.get(path) == Some(&digest) {
            return Ok(());
        }
        write_atomically(path, bytes)?;
        written.insert(path.to_owned(), digest);
        Ok(())
    }
}

/// A tenant file to write, borrowing the tenant.
#[derive(Serialize)]
struct TenantFileRef<'a> {
    format: u32,
    tenant: &'a Tenant,
}

fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// Replaces `path` with `bytes` all at once: a temporary file in the same folder, written,
/// flushed to disk, then renamed over `path`. On failure `path` is untouched and the temporary
/// file removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.tmp", Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = private_file(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, path)?;
        sync_folder(folder);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// A new file only its owner can read and write.
fn private_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Makes a state folder the store created its owner's only (it holds keys and secrets; a folder
/// that existed keeps its permissions, and the files in it are owner-only anyway).
fn restrict_folder(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Flushes a rename to disk (directories cannot be opened for this on Windows; the rename is
/// durable there once it returns).
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = fs::File::open(folder) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = folder;
}

/// Middleware: after a request that may change state, the state is saved before the response
/// goes out.
pub async fn save_after(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(request).await;
    if changes && shared.store.is_some() {
        let saving = shared.clone();
        let _ = tokio::task::spawn_blocking(move || {
            if let Some(store) = &saving.store {
                store.save_or_report(&saving);
            }
        })
        .await;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("spconnect-store-{name}-{}", Uuid::new_v4()));
        fs::create_dir_all(&dir).expect("scratch folder");
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_atomic_write_replaces_the_whole_file_and_leaves_no_temporary_file() {
        let dir = scratch("atomic");
        let path = dir.join("a.json");
        write_atomically(&path, b"first, longer content").expect("written");
        write_atomically(&path, b"second").expect("written");
        assert_eq!(fs::read(&path).expect("read"), b"second");
        assert_eq!(names(&dir), ["a.json"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "owner only");
        }
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_failed_atomic_write_leaves_the_old_content_and_no_temporary_file() {
        let dir = scratch("failed");
        // A non-empty folder in the way: the rename fails after the temporary file is written.
        let path = dir.join("b.json");
        fs::create_dir_all(path.join("inside")).expect("folder");
        assert!(write_atomically(&path, b"new").is_err());
        assert!(path.join("inside").is_dir(), "what was there is untouched");
        assert_eq!(names(&dir), ["b.json"], "no temporary file left behind");
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn an_unreadable_file_is_set_aside_with_a_notice_not_replaced() {
        let dir = scratch("corrupt");
        fs::write(dir.join("emulator.json"), b"{ not json").expect("written");
        let store = Store::open(&dir, "demo").expect("opens");
        assert_eq!(store.clock_offset().expect("offset"), time::Duration::ZERO);
        let kept: Vec<String> =
            names(&dir).into_iter().filter(|n| n.starts_with("emulator.json.corrupt-")).collect();
        assert_eq!(kept.len(), 1, "{:?}", names(&dir));
        assert_eq!(fs::read(dir.join(&kept[0])).expect("kept"), b"{ not json");
        let notices = store.notices();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(
            notices[0].contains("emulator.json") && notices[0].contains(&kept[0]),
            "{notices:?}"
        );
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn the_signing_key_is_kept_and_a_mismatched_one_is_set_aside() {
        let dir = scratch("key");
        let store = Store::open(&dir, "demo").expect("opens");
        let first = store.signing_key().expect("new key");
        let again = Store::open(&dir, "demo").expect("opens").signing_key().expect("kept key");
        assert_eq!(first.jwk("i"), again.jwk("i"), "the same key after a restart");

        let other = SigningKey::generate().expect("key");
        let mixed = KeyFile {
            format: FORMAT,
            private_key_pem: other.parts().0.to_owned(),
            certificate: STANDARD.encode(first.parts().1),
        };
        fs::write(dir.join("signing-key.json"), serde_json::to_vec(&mixed).expect("json"))
            .expect("written");
        let store = Store::open(&dir, "demo").expect("opens");
        let fresh = store.signing_key().expect("a new key");
        assert_ne!(fresh.jwk("i"), first.jwk("i"));
        assert_eq!(store.notices().len(), 1, "{:?}", store.notices());
        assert!(names(&dir).iter().any(|n| n.starts_with("signing-key.json.corrupt-")));
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_folder_made_for_another_tenant_is_refused() {
        let dir = scratch("other");
        let file = EmulatorFile { format: FORMAT, tenant: "demo".into(), clock_offset_seconds: 0 };
        fs::write(dir.join("emulator.json"), serde_json::to_vec(&file).expect("json"))
            .expect("written");
        let error = Store::open(&dir, "large:10:2:3").err().expect("refused");
        assert!(error.to_string().contains("--tenant demo"), "{error}");
        let _ = fs::remove_dir_all(dir);
    }
}
