//! The only code that writes files. Writes are atomic (a temporary file in
//! the same folder, then a rename or link) so a reader never sees half a
//! file, and creation never replaces an existing file.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A write that failed, with the path it failed on.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file exists and cairn does not overwrite it.
    #[error("`{}` already exists; cairn does not overwrite files", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// Any other I/O failure.
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

fn temp_beside(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".cairn-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_err)?;
    temp.write_all(bytes).map_err(io_err)?;
    temp.as_file().sync_all().map_err(io_err)?;
    Ok(temp)
}

/// Creates `path` with `bytes`, atomically; fails with `Exists` if it is there.
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let temp = temp_beside(path, bytes)?;
    temp.persist_noclobber(path).map_err(|err| {
        if err.error.kind() == io::ErrorKind::AlreadyExists {
            WriteError::Exists {
                path: path.to_path_buf(),
            }
        } else {
            WriteError::Io {
                path: path.to_path_buf(),
                source: err.error,
            }
        }
    })?;
    Ok(())
}

/// Replaces the content of an existing file atomically, keeping its permissions.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let permissions = std::fs::metadata(path).map_err(io_err)?.permissions();
    let temp = temp_beside(path, bytes)?;
    std::fs::set_permissions(temp.path(), permissions).map_err(io_err)?;
    temp.persist(path).map_err(|err| io_err(err.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_new_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        create_new(&path, b"one").unwrap();
        assert!(matches!(
            create_new(&path, b"two"),
            Err(WriteError::Exists { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        replace(&path, b"three").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1);
    }
}
