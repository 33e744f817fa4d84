use std::{
    fs, io,
    io::Write,
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use crate::{error::SettingsError, model::Settings};

/// The name of the settings file inside the app's config folder.
pub const SETTINGS_FILE_NAME: &str = "settings.json";

/// The settings file of one user, in the folder the shell gives (the app's config folder, or a
/// temporary folder in tests).
#[derive(Clone, Debug)]
pub struct SettingsStore {
    path: PathBuf,
}

/// What [`SettingsStore::load`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The settings in force.
    pub settings: Settings,
    /// A sentence for the person when something needed their attention, e.g. an unreadable file
    /// that was kept aside.
    pub notice: Option<String>,
}

impl SettingsStore {
    /// The store for `settings.json` in `config_dir`. Nothing is touched until load or save.
    pub fn in_dir(config_dir: &Path) -> Self {
        Self { path: config_dir.join(SETTINGS_FILE_NAME) }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the settings. A missing file gives the defaults. A file that is not valid settings
    /// (hand-edited, or written by a newer version) is renamed aside, never overwritten, and the
    /// defaults are used with a notice saying where the old file went.
    pub fn load(&self) -> Result<Loaded, SettingsError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(Loaded { settings: Settings::default(), notice: None });
            }
            Err(source) => return Err(SettingsError::Read { path: self.path.clone(), source }),
        };
        let problem = match serde_json::from_str::<Settings>(&text) {
            Ok(settings) => match settings.normalized() {
                Ok(settings) => return Ok(Loaded { settings, notice: None }),
                Err(invalid) => invalid.to_string(),
            },
            Err(parse) => format!("it is not valid settings ({parse})"),
        };
        let kept_as = self.keep_aside()?;
        tracing::warn!(file = %self.path.display(), kept_as = %kept_as.display(), %problem,
            "settings file unreadable; kept aside, defaults in use");
        Ok(Loaded {
            settings: Settings::default(),
            notice: Some(format!(
                "Your settings file could not be used: {problem} It was kept as {} and the \
                 default settings are in use.",
                kept_as.display()
            )),
        })
    }

    /// Validates and writes the settings, returning them as stored. The write is atomic: a crash
    /// or a full disk leaves the previous file as it was.
    pub fn save(&self, settings: &Settings) -> Result<Settings, SettingsError> {
        let settings = settings.normalized()?;
        let write_error = |source| SettingsError::Write { path: self.path.clone(), source };
        let mut json = serde_json::to_vec_pretty(&settings)
            .map_err(|error| write_error(io::Error::other(error)))?;
        json.push(b'\n');
        write_atomically(&self.path, &json).map_err(write_error)?;
        tracing::info!(file = %self.path.display(), cloud = ?settings.cloud.id(), "settings saved");
        Ok(settings)
    }

    fn keep_aside(&self) -> Result<PathBuf, SettingsError> {
        keep_aside(&self.path)
    }
}

/// Writes `bytes` to `path` atomically: a crash or a full disk leaves the previous file as it was.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

/// Renames an unreadable file aside (`….json.unreadable-{seconds}`), never overwriting one.
pub(crate) fn keep_aside(path: &Path) -> Result<PathBuf, SettingsError> {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let mut aside = path.with_extension(format!("json.unreadable-{seconds}"));
    let mut n = 1;
    while aside.exists() {
        aside = path.with_extension(format!("json.unreadable-{seconds}-{n}"));
        n += 1;
    }
    fs::rename(path, &aside)
        .map_err(|source| SettingsError::Read { path: path.to_owned(), source })?;
    Ok(aside)
}
