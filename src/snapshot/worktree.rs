//! The working tree as a snapshot source: walks each kind folder with
//! walkdir and reads record files from disk.
//!
//! Symlinks are followed only when they stay inside the repository; a file
//! that is too large, unreadable or a symlink leading out becomes a
//! diagnostic on that file, never a silent skip.

use std::fs;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::{SourceFile, Tree};
use crate::diagnostic::{Code, Diagnostic};
use crate::record;
use crate::schema::Schema;

/// The working tree under a root folder.
#[derive(Clone, Debug)]
pub(super) struct Worktree {
    root: PathBuf,
    canonical_root: PathBuf,
}

impl Worktree {
    /// A working tree rooted at `root` (the repository or workspace root).
    pub(super) fn new(root: &Path) -> Worktree {
        Worktree {
            root: root.to_path_buf(),
            canonical_root: fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
        }
    }

    /// The root folder.
    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    /// Every record file of every kind folder, sorted by path.
    pub(super) fn files(&self, schema: &Schema) -> Vec<SourceFile> {
        let mut files = Vec::new();
        for dir in schema.dirs() {
            let start = if dir.is_empty() {
                self.root.clone()
            } else {
                self.root.join(&dir)
            };
            if let Some(link) = symlinked_folder(&self.root, &dir) {
                // Not followed, inside the repository or out: git keeps a
                // symlinked folder as a link, so history could not see
                // its records either, and the two must agree.
                files.push(SourceFile {
                    path: format!("{dir}/"),
                    blob: None,
                    content: Err(Diagnostic::error(
                        Code::Symlink,
                        &link,
                        1,
                        format!(
                            "`{link}` is a symlink to a folder; cairn does not follow symlinked folders, so the records under `{dir}` are not read — point the kind's `dir` at the real folder"
                        ),
                    )),
                });
                continue;
            }
            if !start.is_dir() {
                continue;
            }
            let walk = WalkDir::new(&start)
                .follow_links(false)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || e.file_name() != ".git");
            for entry in walk {
                match entry {
                    Ok(entry) => {
                        if entry.file_type().is_dir() {
                            continue;
                        }
                        let Some(path) = self.relative(entry.path()) else {
                            continue;
                        };
                        // Files under a nested kind folder belong to that kind's walk.
                        if !schema.is_record_path(&path)
                            || schema.kind_of_path(&path).map(|k| k.dir.as_str())
                                != Some(dir.as_str())
                        {
                            continue;
                        }
                        let content = self.read(&path, entry.path(), entry.path_is_symlink());
                        files.push(SourceFile {
                            path,
                            blob: None,
                            content,
                        });
                    }
                    Err(err) => {
                        let at = err
                            .path()
                            .and_then(|p| self.relative(p))
                            .unwrap_or_else(|| dir.clone());
                        files.push(SourceFile {
                            path: at.clone(),
                            blob: None,
                            content: Err(Diagnostic::error(
                                Code::Unreadable,
                                &at,
                                1,
                                format!("cannot read this path: {err}; check its permissions"),
                            )),
                        });
                    }
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        files
    }

    /// Reads one file; `path` is repository-relative, `full` on disk.
    fn read(&self, path: &str, full: &Path, symlink: bool) -> Result<Vec<u8>, Diagnostic> {
        let target = if symlink {
            let resolved = fs::canonicalize(full).map_err(|_| {
                Diagnostic::error(
                    Code::Symlink,
                    path,
                    1,
                    "this symlink points to a file that does not exist; fix or remove the link",
                )
            })?;
            if !resolved.starts_with(&self.canonical_root)
                || resolved.starts_with(self.canonical_root.join(".git"))
            {
                return Err(Diagnostic::error(
                    Code::Symlink,
                    path,
                    1,
                    "this symlink points outside the repository and is not followed; copy the record into the repository instead",
                ));
            }
            resolved
        } else {
            full.to_path_buf()
        };
        let unreadable = |err: std::io::Error| {
            Diagnostic::error(
                Code::Unreadable,
                path,
                1,
                format!("cannot read the file: {err}"),
            )
        };
        let meta = fs::metadata(&target).map_err(unreadable)?;
        if !meta.is_file() {
            return Err(Diagnostic::error(
                Code::Unreadable,
                path,
                1,
                "this is not a regular file; records are `.md` files",
            ));
        }
        record::check_size(path, meta.len())?;
        fs::read(&target).map_err(unreadable)
    }

    /// The record files among `paths` (repository-relative), read from
    /// disk; a path that is absent or a folder is left out.
    pub(super) fn files_at(&self, schema: &Schema, paths: &[String]) -> Vec<SourceFile> {
        let mut files = Vec::new();
        for path in paths.iter().filter(|p| schema.is_record_path(p)) {
            let Some(full) = on_disk(&self.root, path) else {
                continue; // deleted in the working tree
            };
            let Ok(meta) = fs::symlink_metadata(&full) else {
                continue;
            };
            if meta.is_dir() {
                continue;
            }
            let folder = path.rsplit_once('/').map_or("", |(dir, _)| dir);
            let content = match symlinked_folder(&self.root, folder) {
                Some(link) => Err(Diagnostic::error(
                    Code::Symlink,
                    path,
                    1,
                    format!(
                        "`{link}` is a symlink to a folder; cairn does not follow symlinked folders"
                    ),
                )),
                None => self.read(path, &full, meta.file_type().is_symlink()),
            };
            files.push(SourceFile {
                path: path.clone(),
                blob: None,
                content,
            });
        }
        files
    }

    fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }
}

/// The file on disk that a repository path names. Paths are text, and a
/// name that is not UTF-8 reaches them with U+FFFD in place of its bad
/// bytes (as git's own paths do); such a name is found by listing its
/// folder and comparing names the same way.
fn on_disk(root: &Path, path: &str) -> Option<PathBuf> {
    let direct = root.join(path);
    if fs::symlink_metadata(&direct).is_ok() || !path.contains('\u{fffd}') {
        return Some(direct);
    }
    let mut at = root.to_path_buf();
    for part in path.split('/') {
        let next = at.join(part);
        if fs::symlink_metadata(&next).is_ok() {
            at = next;
            continue;
        }
        let found = fs::read_dir(&at)
            .ok()?
            .filter_map(Result::ok)
            .find(|entry| entry.file_name().to_string_lossy() == part)?;
        at = found.path();
    }
    Some(at)
}

/// The first folder on the way from `root` to `dir` that is a symlink, as
/// a repository-relative path.
fn symlinked_folder(root: &Path, dir: &str) -> Option<String> {
    let mut at = root.to_path_buf();
    let mut shown: Vec<&str> = Vec::new();
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        at.push(part);
        shown.push(part);
        if fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(shown.join("/"));
        }
    }
    None
}

impl Tree for Worktree {
    fn exists(&self, path: &str) -> bool {
        self.root.join(path).exists()
    }
}
