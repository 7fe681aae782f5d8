//! Keeps every read and write inside the repository.
//!
//! The records, the configuration, the templates and even the file names
//! come from whoever wrote the pull request, so a symlink may point at a
//! credentials file. Paths are resolved (symlinks followed) and must stay
//! inside the repository's work tree and out of its `.git` folder; a path
//! that leaves is an error naming the path as given, never its target's
//! content. Sizes are checked before a byte is read, and reading stops at
//! the limit even when the size lied (a FIFO, `/proc`, `/dev/zero`).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// A path that cannot be read or written safely.
#[derive(Debug, thiserror::Error)]
pub enum ContainmentError {
    /// The path, or a symlink on its way, leads outside the repository.
    #[error(
        "`{}` is a symlink, or inside one, that leads outside the repository; cairn does not follow it — replace the link with the file itself",
        path.display()
    )]
    Outside {
        /// The path as given.
        path: PathBuf,
    },
    /// Not a regular file (a folder, FIFO, device or socket).
    #[error("`{}` is {what}, not a regular file", path.display())]
    NotFile {
        /// The path as given.
        path: PathBuf,
        /// What it is instead (`a folder`, `a FIFO`, …).
        what: &'static str,
    },
    /// Larger than the limit for its use.
    #[error("`{}` is larger than {} KiB, the most cairn reads for it", path.display(), limit / 1024)]
    TooLarge {
        /// The path as given.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// Any other I/O failure.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
}

/// Where `path` really is, if it stays inside the repository at `root`:
/// symlinks resolved, the part that does not exist yet kept as written.
/// A path inside the `.git` folder counts as outside: its files are not
/// records, and its config may hold a token.
pub fn resolve(root: &Path, path: &Path) -> Result<PathBuf, ContainmentError> {
    let io_err = |source| ContainmentError::Io {
        path: path.to_path_buf(),
        source,
    };
    let root = fs::canonicalize(root).map_err(io_err)?;
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root.join(path)
    };
    // The deepest part that exists is resolved; the rest is appended.
    let mut existing = full.as_path();
    let mut tail = Vec::new();
    let resolved = loop {
        match fs::canonicalize(existing) {
            Ok(real) => break real,
            Err(_) => {
                if fs::symlink_metadata(existing).is_ok() {
                    // A dangling symlink: where it points is not ours to create.
                    return Err(ContainmentError::Outside {
                        path: path.to_path_buf(),
                    });
                }
                let (Some(parent), Some(name)) = (existing.parent(), existing.file_name()) else {
                    return Err(ContainmentError::Outside {
                        path: path.to_path_buf(),
                    });
                };
                tail.push(name.to_owned());
                existing = parent;
            }
        }
    };
    if tail.iter().any(|n| n == "..") {
        return Err(ContainmentError::Outside {
            path: path.to_path_buf(),
        });
    }
    let resolved = tail.iter().rev().fold(resolved, |p, n| p.join(n));
    let inside = resolved.starts_with(&root) && !resolved.starts_with(root.join(".git"));
    if !inside {
        return Err(ContainmentError::Outside {
            path: path.to_path_buf(),
        });
    }
    Ok(resolved)
}

/// Reads a regular file inside the repository, at most `limit` bytes.
pub fn read(root: &Path, path: &Path, limit: u64) -> Result<Vec<u8>, ContainmentError> {
    let real = resolve(root, path)?;
    read_file(&real, path, limit)
}

/// Reads a regular file wherever it is (a path the user named on the
/// command line), at most `limit` bytes.
pub fn read_anywhere(path: &Path, limit: u64) -> Result<Vec<u8>, ContainmentError> {
    read_file(path, path, limit)
}

fn read_file(real: &Path, shown: &Path, limit: u64) -> Result<Vec<u8>, ContainmentError> {
    let io_err = |source| ContainmentError::Io {
        path: shown.to_path_buf(),
        source,
    };
    let meta = fs::metadata(real).map_err(io_err)?;
    if !meta.is_file() {
        return Err(ContainmentError::NotFile {
            path: shown.to_path_buf(),
            what: describe(&meta.file_type()),
        });
    }
    if meta.len() > limit {
        return Err(ContainmentError::TooLarge {
            path: shown.to_path_buf(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    fs::File::open(real)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(io_err)?;
    if bytes.len() as u64 > limit {
        return Err(ContainmentError::TooLarge {
            path: shown.to_path_buf(),
            limit,
        });
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, in words.
pub fn describe(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symlink"
    } else {
        "not a regular file"
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn symlinks_that_leave_are_refused_by_name() {
        let outside = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("token"), "SECRET").unwrap();
        fs::create_dir(repo.path().join(".git")).unwrap();
        fs::write(repo.path().join(".git/config"), "TOKEN").unwrap();
        fs::write(repo.path().join("ok.md"), "fine").unwrap();
        symlink(outside.path().join("token"), repo.path().join("out.md")).unwrap();
        symlink(repo.path().join(".git/config"), repo.path().join("git.md")).unwrap();
        symlink("ok.md", repo.path().join("in.md")).unwrap();
        symlink(outside.path(), repo.path().join("dir")).unwrap();
        symlink("nowhere", repo.path().join("dangling")).unwrap();

        assert_eq!(read(repo.path(), Path::new("in.md"), 100).unwrap(), b"fine");
        for name in [
            "out.md",
            "git.md",
            "dir/token",
            "dir/new.md",
            "dangling",
            "../x",
        ] {
            let err = read(repo.path(), Path::new(name), 100).unwrap_err();
            let message = err.to_string();
            assert!(
                matches!(err, ContainmentError::Outside { .. }),
                "{name}: {message}"
            );
            assert!(message.contains(name), "{message}");
            assert!(!message.contains("SECRET") && !message.contains("TOKEN"));
        }
        assert!(resolve(repo.path(), Path::new("new/folder/x.md")).is_ok());
    }

    #[test]
    fn sizes_and_file_types_are_checked_before_reading() {
        let repo = tempfile::tempdir().unwrap();
        fs::write(repo.path().join("big"), vec![b'x'; 2048]).unwrap();
        fs::create_dir(repo.path().join("folder")).unwrap();
        assert!(matches!(
            read(repo.path(), Path::new("big"), 1024),
            Err(ContainmentError::TooLarge { limit: 1024, .. })
        ));
        assert!(matches!(
            read(repo.path(), Path::new("folder"), 1024),
            Err(ContainmentError::NotFile {
                what: "a folder",
                ..
            })
        ));
        assert!(matches!(
            read_anywhere(Path::new("/dev/zero"), 1024),
            Err(ContainmentError::NotFile {
                what: "a device",
                ..
            })
        ));
    }
}
