//! Atomic, owner-only file writes: the bytes go to a temporary file in the same folder, which is
//! flushed to disk and renamed over the target, then the folder itself is flushed. A crash or a
//! full disk leaves the previous file whole. Files are 0600 and folders 0700 on Unix.

use std::{
    fs, io,
    io::Write,
    path::{Path, PathBuf},
};

use crate::error::VaultError;

/// Writes `bytes` to `path` atomically, creating its folder (owner-only) when missing.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let write_error = |source| VaultError::Write { path: path.to_owned(), source };
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir).map_err(write_error)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tmp-").suffix(".partial");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    let mut file = builder.tempfile_in(dir).map_err(write_error)?;
    file.write_all(bytes).map_err(write_error)?;
    file.as_file().sync_all().map_err(write_error)?;
    file.persist(path).map_err(|error| write_error(error.error))?;
    sync_dir(dir).map_err(write_error)
}

/// Creates `dir` and its missing parents; the folders made are owner-only on Unix.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Flushes a folder's entries (the rename) to disk, where the system allows it.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Renames `path` to `{path}.corrupt-{unix seconds}` (with `-N` added when taken) and returns
/// the new path.
pub(crate) fn set_aside(path: &Path) -> Result<PathBuf, VaultError> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let mut aside = path.with_file_name(format!("{name}.corrupt-{seconds}"));
    let mut n = 1;
    while aside.exists() {
        aside = path.with_file_name(format!("{name}.corrupt-{seconds}-{n}"));
        n += 1;
    }
    fs::rename(path, &aside)
        .map_err(|source| VaultError::Write { path: path.to_owned(), source })?;
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("nested/record");
        write_atomically(&path, b"first").expect("write");
        write_atomically(&path, b"second").expect("rewrite");
        assert_eq!(fs::read(&path).expect("read"), b"second");
        let names: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["record"]);
    }

    #[cfg(unix)]
    #[test]
    fn files_and_folders_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("made/record");
        write_atomically(&path, b"x").expect("write");
        let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("made")), 0o700);
    }

    #[test]
    fn set_aside_never_overwrites_an_earlier_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("a.record");
        fs::write(&path, b"one").expect("write");
        let first = set_aside(&path).expect("aside");
        fs::write(&path, b"two").expect("write");
        let second = set_aside(&path).expect("aside again");
        assert_ne!(first, second);
        assert_eq!(fs::read(&first).expect("first"), b"one");
        assert_eq!(fs::read(&second).expect("second"), b"two");
        assert!(first.to_string_lossy().contains("a.record.corrupt-"), "{}", first.display());
    }
}
