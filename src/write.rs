//! The only code that writes files.
//!
//! A command plans its whole write first — every file it will create or
//! replace, with the bytes — as a [`Plan`], and [`Plan::apply`] carries it
//! out all or nothing: every new content is written and synced to a
//! temporary file beside its target before the first target changes; if a
//! later step fails, the steps already made are undone. Each file changes
//! atomically (a rename or link), so a reader never sees half a file, and
//! creation never replaces an existing file.
//!
//! Containment: a target must resolve inside the plan's root (the
//! repository). A record that is a symlink inside the repository is
//! replaced through its link — the link stays a link — and one that leads
//! outside is refused, as is a folder that does. New files get the
//! permissions the umask gives every other new file.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::containment::{self, ContainmentError};

/// A write that failed, with the path it failed on.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file exists and cairn does not overwrite it.
    #[error("`{}` already exists; cairn does not overwrite files", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The file, or a symlink on its way, leads outside the repository.
    #[error(
        "`{}` is a symlink, or inside one, that leads outside the repository; cairn does not write there",
        path.display()
    )]
    Outside {
        /// The path as planned.
        path: PathBuf,
    },
    /// The file changed between reading it and writing it.
    #[error("`{}` changed while cairn was working; run the command again", path.display())]
    Changed {
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

impl WriteError {
    fn io(path: &Path) -> impl Fn(io::Error) -> WriteError + '_ {
        move |source| WriteError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// One planned change.
#[derive(Clone, Debug)]
enum Step {
    Create {
        path: PathBuf,
        bytes: Vec<u8>,
    },
    Replace {
        path: PathBuf,
        expected: Vec<u8>,
        bytes: Vec<u8>,
    },
}

/// Every file a command will write, applied all or nothing.
#[derive(Clone, Debug)]
pub struct Plan {
    root: PathBuf,
    steps: Vec<Step>,
}

impl Plan {
    /// An empty plan for writes inside `root`.
    pub fn new(root: &Path) -> Plan {
        Plan {
            root: root.to_path_buf(),
            steps: Vec::new(),
        }
    }

    /// Creates `path` with `bytes`; fails with `Exists` if it is there.
    pub fn create(&mut self, path: &Path, bytes: impl Into<Vec<u8>>) -> &mut Plan {
        self.steps.push(Step::Create {
            path: path.to_path_buf(),
            bytes: bytes.into(),
        });
        self
    }

    /// Replaces the content of `path`, which must still hold `expected`
    /// (the bytes the edit was planned from), keeping its permissions.
    pub fn replace(
        &mut self,
        path: &Path,
        expected: impl Into<Vec<u8>>,
        bytes: impl Into<Vec<u8>>,
    ) -> &mut Plan {
        self.steps.push(Step::Replace {
            path: path.to_path_buf(),
            expected: expected.into(),
            bytes: bytes.into(),
        });
        self
    }

    /// Carries out the plan: all of it, or — on any error — none of it.
    /// Replacements happen before creations, so that a new file never
    /// exists without the edit that goes with it.
    pub fn apply(&self) -> Result<(), WriteError> {
        let root = fs::canonicalize(&self.root).map_err(WriteError::io(&self.root))?;
        // 1. Resolve and stage everything; nothing visible has changed yet.
        let mut staged = Vec::with_capacity(self.steps.len());
        for step in &self.steps {
            staged.push(stage(&root, step)?);
        }
        staged.sort_by_key(|s| matches!(s.kind, Kind::Create));
        // 2. Move each into place; undo the done ones on the first failure.
        let mut done: Vec<Done> = Vec::new();
        for stage in staged {
            match stage.commit() {
                Ok(d) => done.push(d),
                Err(err) => {
                    for d in done.into_iter().rev() {
                        d.undo();
                    }
                    return Err(err);
                }
            }
        }
        Ok(())
    }
}

enum Kind {
    Create,
    Replace { original: Vec<u8> },
}

struct Staged {
    /// The path as planned, for messages.
    shown: PathBuf,
    /// The file to create or replace (a symlink's target).
    target: PathBuf,
    temp: tempfile::NamedTempFile,
    kind: Kind,
}

enum Done {
    Created(PathBuf),
    Replaced { target: PathBuf, original: Vec<u8> },
}

impl Done {
    /// Best effort: the error that caused the undo is what gets reported.
    fn undo(self) {
        match self {
            Done::Created(path) => {
                let _ = fs::remove_file(path);
            }
            Done::Replaced { target, original } => {
                if let Ok(temp) = temp_beside(&target, &target, &original, None) {
                    let _ = temp.persist(&target);
                }
            }
        }
    }
}

impl Staged {
    fn commit(self) -> Result<Done, WriteError> {
        match self.kind {
            Kind::Create => {
                self.temp.persist_noclobber(&self.target).map_err(|err| {
                    if err.error.kind() == io::ErrorKind::AlreadyExists {
                        WriteError::Exists {
                            path: self.shown.clone(),
                        }
                    } else {
                        WriteError::io(&self.shown)(err.error)
                    }
                })?;
                Ok(Done::Created(self.target))
            }
            Kind::Replace { original } => {
                let now = fs::read(&self.target).map_err(WriteError::io(&self.shown))?;
                if now != original {
                    return Err(WriteError::Changed { path: self.shown });
                }
                self.temp
                    .persist(&self.target)
                    .map_err(|err| WriteError::io(&self.shown)(err.error))?;
                Ok(Done::Replaced {
                    target: self.target,
                    original,
                })
            }
        }
    }
}

/// Resolves a step's target inside `root` and writes its temporary file.
fn stage(root: &Path, step: &Step) -> Result<Staged, WriteError> {
    match step {
        Step::Create { path, bytes } => {
            let name = path.file_name().ok_or_else(|| WriteError::Io {
                path: path.clone(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
            })?;
            let target = inside(root, path)?;
            if target.file_name() != Some(name) {
                return Err(WriteError::Outside { path: path.clone() });
            }
            let temp = temp_beside(&target, path, bytes, None)?;
            Ok(Staged {
                shown: path.clone(),
                target,
                temp,
                kind: Kind::Create,
            })
        }
        Step::Replace {
            path,
            expected,
            bytes,
        } => {
            let target = inside(root, path)?;
            let meta = fs::metadata(&target).map_err(WriteError::io(path))?;
            if !meta.is_file() {
                return Err(WriteError::Io {
                    path: path.clone(),
                    source: io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"),
                });
            }
            let original = fs::read(&target).map_err(WriteError::io(path))?;
            if &original != expected {
                return Err(WriteError::Changed { path: path.clone() });
            }
            let temp = temp_beside(&target, path, bytes, Some(meta.permissions()))?;
            Ok(Staged {
                shown: path.clone(),
                target,
                temp,
                kind: Kind::Replace { original },
            })
        }
    }
}

/// Where `path` really is, refused when it leaves `root`.
fn inside(root: &Path, path: &Path) -> Result<PathBuf, WriteError> {
    containment::resolve(root, path).map_err(|err| match err {
        ContainmentError::Io { path, source } => WriteError::Io { path, source },
        _ => WriteError::Outside {
            path: path.to_path_buf(),
        },
    })
}

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A synced temporary file in `target`'s folder holding `bytes`: with
/// `permissions`, or else those the umask gives a new file.
fn temp_beside(
    target: &Path,
    shown: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
) -> Result<tempfile::NamedTempFile, WriteError> {
    temp_beside_parts(target, shown, &[bytes], permissions)
}

/// [`temp_beside`] for bytes in several parts, written one after another
/// (no copy of them joined is made).
fn temp_beside_parts(
    target: &Path,
    shown: &Path,
    parts: &[&[u8]],
    permissions: Option<fs::Permissions>,
) -> Result<tempfile::NamedTempFile, WriteError> {
    let io_err = WriteError::io(shown);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cairn-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(parent_of(target)).map_err(&io_err)?;
    {
        let mut out = std::io::BufWriter::new(temp.as_file_mut());
        for part in parts {
            out.write_all(part).map_err(&io_err)?;
        }
        out.flush().map_err(&io_err)?;
    }
    if let Some(permissions) = permissions {
        fs::set_permissions(temp.path(), permissions).map_err(&io_err)?;
    }
    temp.as_file().sync_all().map_err(&io_err)?;
    Ok(temp)
}

/// Creates `path` with `bytes`, atomically; fails with `Exists` if it is
/// there. A one-step [`Plan`] rooted at the file's own folder.
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    Plan::new(parent_of(path)).create(path, bytes).apply()
}

/// Writes `path` atomically, whether or not it exists: for caches, where
/// the newest complete copy is the right one. The file is given in parts,
/// written one after another, so that a large cache file is never held
/// twice in memory.
pub fn put(path: &Path, parts: &[&[u8]]) -> Result<(), WriteError> {
    let temp = temp_beside_parts(path, path, parts, None)?;
    temp.persist(path).map_err(|err| WriteError::Io {
        path: path.to_path_buf(),
        source: err.error,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::names;

    #[test]
    fn create_new_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        create_new(&path, b"one").unwrap();
        assert!(matches!(
            create_new(&path, b"two"),
            Err(WriteError::Exists { .. })
        ));
        assert_eq!(fs::read(&path).unwrap(), b"one");
        Plan::new(dir.path())
            .replace(&path, "one", "three")
            .apply()
            .unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"three");
        assert_eq!(names(dir.path()), ["a.md"]);
    }

    #[test]
    fn a_failed_step_undoes_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.md");
        let taken = dir.path().join("taken.md");
        fs::write(&old, "old").unwrap();
        fs::write(&taken, "someone else's").unwrap();
        let err = Plan::new(dir.path())
            .replace(&old, "old", "edited")
            .create(&taken, "mine")
            .apply()
            .unwrap_err();
        assert!(matches!(err, WriteError::Exists { .. }), "{err}");
        assert_eq!(fs::read(&old).unwrap(), b"old");
        assert_eq!(fs::read(&taken).unwrap(), b"someone else's");
        assert_eq!(names(dir.path()), ["old.md", "taken.md"]);
        // A step that cannot even be staged leaves everything untouched.
        let err = Plan::new(dir.path())
            .replace(&old, "old", "edited")
            .create(&dir.path().join("missing/new.md"), "x")
            .apply()
            .unwrap_err();
        assert!(matches!(err, WriteError::Io { .. }), "{err}");
        assert_eq!(fs::read(&old).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["old.md", "taken.md"]);
    }

    #[test]
    fn a_file_changed_since_reading_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        fs::write(&path, "theirs").unwrap();
        let err = Plan::new(dir.path())
            .replace(&path, "mine", "x")
            .apply()
            .unwrap_err();
        assert!(matches!(err, WriteError::Changed { .. }), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"theirs");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_written_through_inside_and_refused_outside() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        let real = repo.path().join("real.md");
        let link = repo.path().join("link.md");
        fs::write(&real, "one").unwrap();
        symlink(&real, &link).unwrap();
        Plan::new(repo.path())
            .replace(&link, "one", "two")
            .apply()
            .unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"two");

        let secret = outside.path().join("secret.md");
        fs::write(&secret, "s").unwrap();
        let leaving = repo.path().join("leaving.md");
        symlink(&secret, &leaving).unwrap();
        let err = Plan::new(repo.path())
            .replace(&leaving, "s", "x")
            .apply()
            .unwrap_err();
        assert!(matches!(err, WriteError::Outside { .. }), "{err}");
        assert_eq!(fs::read(&secret).unwrap(), b"s");
        let folder = repo.path().join("folder");
        symlink(outside.path(), &folder).unwrap();
        let err = Plan::new(repo.path())
            .create(&folder.join("new.md"), "x")
            .apply()
            .unwrap_err();
        assert!(matches!(err, WriteError::Outside { .. }), "{err}");
        assert_eq!(names(outside.path()), ["secret.md"]);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_follow_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        create_new(&path, b"x").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        // Whatever the umask, a new file is readable by its owner and more
        // than owner-only unless the umask says so; 0600 was the old bug.
        assert_eq!(mode & 0o600, 0o600);
        assert_eq!(mode & 0o111, 0);
    }
}
