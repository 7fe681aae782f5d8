//! Snapshots read from git — a commit's tree or the index — through the
//! `git` module, straight from the object database, never by checkout.

use super::worktree::too_large;
use super::{ParseCache, Snapshot, SourceFile, Tree, resolve_link};
use crate::diagnostic::{Code, Diagnostic};
use crate::git::{GitError, ObjectId, Repo, TreeChange, TreeFile};
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

fn list(repo: &Repo, schema: &Schema, source: &GitSource) -> Result<Vec<TreeFile>, GitError> {
    let dirs = schema.dirs();
    match source {
        GitSource::Commit(id) => repo.tree_files(id, &dirs),
        GitSource::Index => repo.index_files(&dirs),
    }
}

/// Reads the record files among `listed`: the one reader every git
/// snapshot goes through. A file whose blob and path `known` accepts comes
/// with empty bytes (its parse is cached), symlinks are followed inside the
/// tree one by one, and every other blob is read in one parallel batch.
/// Symlinks come without a blob id: their blob is the link, not the
/// record, so it is no cache key.
fn read_all(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    listed: Vec<TreeFile>,
    known: &dyn Fn(&str, &str) -> bool,
) -> Result<Vec<SourceFile>, GitError> {
    let listed: Vec<TreeFile> = listed
        .into_iter()
        .filter(|f| schema.is_record_path(&f.path))
        .collect();
    let batch: Vec<ObjectId> = listed
        .iter()
        .filter(|f| !f.symlink && !known(f.blob.as_str(), &f.path))
        .map(|f| f.blob.clone())
        .collect();
    let mut bytes = repo.blobs(&batch)?.into_iter();
    let mut out = Vec::with_capacity(listed.len());
    for file in listed {
        let content = if file.symlink {
            read(repo, schema, source, &file)?
        } else if known(file.blob.as_str(), &file.path) {
            Ok(Vec::new())
        } else {
            let data = bytes.next().unwrap_or_default();
            if data.len() as u64 > MAX_RECORD_BYTES {
                Err(too_large(&file.path, data.len() as u64))
            } else {
                Ok(data)
            }
        };
        out.push(SourceFile {
            blob: (!file.symlink).then(|| file.blob.to_string()),
            path: file.path,
            content,
        });
    }
    Ok(out)
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
    let known = |blob: &str, path: &str| cache.is_some_and(|c| c.contains(blob, path));
    let files = read_all(repo, schema, source, list(repo, schema, source)?, &known)?;
    Ok(Snapshot::build(label, schema, files, cache))
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
    let set: std::collections::HashSet<&str> = paths
        .iter()
        .filter(|p| schema.is_record_path(p))
        .map(String::as_str)
        .collect();
    // Listing the kind folders reads each folder's tree once; looking each
    // path up would read its (possibly large) folder tree again per path.
    let listed: Vec<TreeFile> = if set.is_empty() {
        Vec::new()
    } else {
        list(repo, schema, source)?
            .into_iter()
            .filter(|f| set.contains(f.path.as_str()))
            .collect()
    };
    let known = |blob: &str, path: &str| cache.is_some_and(|c| c.contains(blob, path));
    let files = read_all(repo, schema, source, listed, &known)?;
    Ok(Snapshot::build(label, schema, files, cache))
}

/// Both ends of a span between two commits, holding only the record files
/// that `changes` (from [`Repo::diff_commits`]) names: no tree is listed,
/// and the changed blobs of both sides are read in one parallel batch each.
pub fn span_snapshots(
    repo: &Repo,
    schema: &Schema,
    (old, new): (&ObjectId, &ObjectId),
    changes: &[TreeChange],
    (old_label, new_label): (&str, &str),
    cache: Option<&ParseCache>,
) -> Result<(Snapshot, Snapshot), GitError> {
    let side = |pick: fn(&TreeChange) -> Option<&ObjectId>| -> Vec<TreeFile> {
        changes
            .iter()
            .filter_map(|c| {
                pick(c).map(|blob| TreeFile {
                    path: c.path.clone(),
                    blob: blob.clone(),
                    symlink: c.symlink,
                })
            })
            .collect()
    };
    let known = |blob: &str, path: &str| cache.is_some_and(|c| c.contains(blob, path));
    let old_source = GitSource::Commit(old.clone());
    let new_source = GitSource::Commit(new.clone());
    let old_files = read_all(
        repo,
        schema,
        &old_source,
        side(|c| c.old_blob.as_ref()),
        &known,
    )?;
    let new_files = read_all(
        repo,
        schema,
        &new_source,
        side(|c| c.new_blob.as_ref()),
        &known,
    )?;
    Ok((
        Snapshot::build(old_label, schema, old_files, cache),
        Snapshot::build(new_label, schema, new_files, cache),
    ))
}

/// The snapshot of the record files of `source` whose bytes pass `keep`
/// (files that cannot be read are kept, as broken). Every blob is read,
/// but only the kept ones are parsed: for finding the few records that
/// hold a given field (`covers`) in a large log. Blobs the cache already
/// holds are neither read nor tested again: their parse is kept as it is.
pub fn snapshot_where(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    label: &str,
    keep: &dyn Fn(&[u8]) -> bool,
    cache: Option<&ParseCache>,
) -> Result<Snapshot, GitError> {
    let known = |blob: &str, path: &str| cache.is_some_and(|c| c.contains(blob, path));
    let files = read_all(repo, schema, source, list(repo, schema, source)?, &known)?
        .into_iter()
        .filter(|f| {
            f.blob.as_deref().is_some_and(|b| known(b, &f.path))
                || f.content.as_ref().map_or(true, |bytes| keep(bytes))
        })
        .collect();
    Ok(Snapshot::build(label, schema, files, cache))
}
