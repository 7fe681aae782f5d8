//! Snapshots read from git — a commit's tree or the index — through the
//! `git` module, straight from the object database, never by checkout.

use super::git::{GitError, ObjectId, Repo, TreeFile};
use super::worktree::too_large;
use super::{ParseCache, Snapshot, SourceFile, Tree, resolve_link};
use crate::diagnostic::{Code, Diagnostic};
use crate::record::MAX_RECORD_BYTES;
use crate::schema::Schema;

/// Where a git snapshot comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitSource {
    /// A commit's tree.
    Commit(ObjectId),
    /// The index (staging area).
    Index,
}

/// A tree in git, for link checks.
pub struct GitTree<'r> {
    repo: &'r Repo,
    source: GitSource,
}

impl<'r> GitTree<'r> {
    /// The tree of `source` in `repo`.
    pub fn new(repo: &'r Repo, source: GitSource) -> Self {
        GitTree { repo, source }
    }
}

impl Tree for GitTree<'_> {
    fn exists(&self, path: &str) -> bool {
        let found = match &self.source {
            GitSource::Commit(id) => self.repo.exists_in_commit(id, path),
            GitSource::Index => self.repo.exists_in_index(path),
        };
        found.unwrap_or(false)
    }
}

/// The record files of `source`, with their bytes.
pub fn files(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
) -> Result<Vec<SourceFile>, GitError> {
    let listed = list(repo, schema, source)?;
    let mut out = Vec::with_capacity(listed.len());
    for file in listed {
        if !schema.is_record_path(&file.path) {
            continue;
        }
        let content = read(repo, schema, source, &file)?;
        out.push(SourceFile {
            path: file.path,
            blob: Some(file.blob.0),
            content,
        });
    }
    Ok(out)
}

fn list(repo: &Repo, schema: &Schema, source: &GitSource) -> Result<Vec<TreeFile>, GitError> {
    let dirs = schema.dirs();
    match source {
        GitSource::Commit(id) => repo.tree_files(id, &dirs),
        GitSource::Index => repo.index_files(&dirs),
    }
}

/// Reads one listed file; a symlink is followed when its target is a file
/// inside the same tree.
fn read(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    file: &TreeFile,
) -> Result<Result<Vec<u8>, Diagnostic>, GitError> {
    let blob = if file.symlink {
        let target = String::from_utf8_lossy(&repo.blob(&file.blob)?).into_owned();
        let Some(resolved) = resolve_link(&file.path, &target) else {
            return Ok(Err(Diagnostic::error(
                Code::Symlink,
                &file.path,
                1,
                "this symlink points outside the repository and is not followed; copy the record into the repository instead",
            )));
        };
        let found = match source {
            GitSource::Commit(id) => repo.tree_files(id, std::slice::from_ref(&resolved))?,
            GitSource::Index => repo.index_files(std::slice::from_ref(&resolved))?,
        };
        match found.into_iter().find(|f| f.path == resolved && !f.symlink) {
            Some(f) => f.blob,
            None => {
                return Ok(Err(Diagnostic::error(
                    Code::Symlink,
                    &file.path,
                    1,
                    format!(
                        "this symlink points to `{resolved}`, which is not a file in this revision; fix or remove the link"
                    ),
                )));
            }
        }
    } else {
        file.blob.clone()
    };
    let _ = schema;
    let bytes = repo.blob(&blob)?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Ok(Err(too_large(&file.path, bytes.len() as u64)));
    }
    Ok(Ok(bytes))
}

/// The snapshot of `source`, parsing each blob once per cache.
pub fn snapshot(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    label: &str,
    cache: Option<&ParseCache>,
) -> Result<Snapshot, GitError> {
    let files = match cache {
        // Blobs already parsed need not be read again.
        Some(cache) => files_cached(repo, schema, source, cache)?,
        None => files(repo, schema, source)?,
    };
    Ok(Snapshot::build(label, schema, files, cache))
}

fn files_cached(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    cache: &ParseCache,
) -> Result<Vec<SourceFile>, GitError> {
    let listed = list(repo, schema, source)?;
    let mut out = Vec::with_capacity(listed.len());
    for file in listed {
        if !schema.is_record_path(&file.path) {
            continue;
        }
        let content = if !file.symlink && cache.contains(&file.blob.0, &file.path) {
            Ok(Vec::new())
        } else {
            read(repo, schema, source, &file)?
        };
        out.push(SourceFile {
            path: file.path,
            blob: Some(file.blob.0),
            content,
        });
    }
    Ok(out)
}

/// The snapshot of only those record files of `source` whose paths are in
/// `paths` (paths that are not record files, or absent from `source`, are
/// left out), parsing each blob once per cache.
///
/// Comparing two revisions needs no more than this: a path git reports
/// unchanged holds the same bytes on both sides and cannot contribute a
/// change, and a rename is a removed path and an added path holding the
/// same id. So the cost follows what changed, not the size of the log.
pub fn partial_snapshot(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    paths: &[String],
    label: &str,
    cache: Option<&ParseCache>,
) -> Result<Snapshot, GitError> {
    let mut wanted: Vec<String> = paths
        .iter()
        .filter(|p| schema.is_record_path(p))
        .cloned()
        .collect();
    wanted.sort();
    wanted.dedup();
    // Listing the kind folders reads each folder's tree once; looking each
    // path up would read its (possibly large) folder tree again per path.
    let set: std::collections::HashSet<&str> = wanted.iter().map(String::as_str).collect();
    let listed: Vec<TreeFile> = if set.is_empty() {
        Vec::new()
    } else {
        list(repo, schema, source)?
            .into_iter()
            .filter(|f| set.contains(f.path.as_str()))
            .collect()
    };
    let mut files = Vec::with_capacity(listed.len());
    for file in listed {
        let cached = cache.is_some_and(|c| !file.symlink && c.contains(&file.blob.0, &file.path));
        let content = if cached {
            Ok(Vec::new())
        } else {
            read(repo, schema, source, &file)?
        };
        files.push(SourceFile {
            path: file.path,
            blob: (!file.symlink).then_some(file.blob.0),
            content,
        });
    }
    Ok(Snapshot::build(label, schema, files, cache))
}

/// The snapshot of the record files of `source` whose bytes pass `keep`
/// (files that cannot be read are kept, as broken). Every blob is read,
/// but only the kept ones are parsed: for finding the few records that
/// hold a given field (`covers`) in a large log.
pub fn snapshot_where(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    label: &str,
    keep: &dyn Fn(&[u8]) -> bool,
    cache: Option<&ParseCache>,
) -> Result<Snapshot, GitError> {
    let listed = list(repo, schema, source)?;
    let mut files = Vec::new();
    for file in listed {
        if !schema.is_record_path(&file.path) {
            continue;
        }
        let content = read(repo, schema, source, &file)?;
        if matches!(&content, Ok(bytes) if !keep(bytes)) {
            continue;
        }
        files.push(SourceFile {
            path: file.path,
            blob: (!file.symlink).then_some(file.blob.0),
            content,
        });
    }
    Ok(Snapshot::build(label, schema, files, cache))
}

/// The record files of `source`, with the bytes of those that `known`
/// does not claim: a file whose blob and path `known` accepts comes with
/// empty bytes, so that a caller holding its own parse of that blob reads
/// nothing twice. Symlinks are always read and come without a blob id:
/// their blob is the link, not the record, so it is no cache key.
pub fn files_unless(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    known: &dyn Fn(&str, &str) -> bool,
) -> Result<Vec<SourceFile>, GitError> {
    let listed = list(repo, schema, source)?;
    let mut out = Vec::with_capacity(listed.len());
    for file in listed {
        if !schema.is_record_path(&file.path) {
            continue;
        }
        let content = if !file.symlink && known(&file.blob.0, &file.path) {
            Ok(Vec::new())
        } else {
            read(repo, schema, source, &file)?
        };
        out.push(SourceFile {
            path: file.path,
            blob: (!file.symlink).then_some(file.blob.0),
            content,
        });
    }
    Ok(out)
}
