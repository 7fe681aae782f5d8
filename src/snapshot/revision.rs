//! Record files read from git — a commit's tree or the index — through the
//! `git` module, straight from the object database, never by checkout.
//! The loader (`load.rs`) decides what to read; this file reads it.

use super::{SourceFile, Tree, resolve_link};
use crate::diagnostic::{Code, Diagnostic};
use crate::git::{GitError, ObjectId, Repo, TreeFile};
use crate::record::{self, MAX_RECORD_BYTES};
use crate::schema::Schema;

/// Where a git snapshot comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum GitSource {
    /// A commit's tree.
    Commit(ObjectId),
    /// The index (staging area).
    Index,
}

/// A tree in git, for link checks.
pub(super) struct GitTree<'r> {
    repo: &'r Repo,
    source: GitSource,
}

impl<'r> GitTree<'r> {
    /// The tree of `source` in `repo`.
    pub(super) fn new(repo: &'r Repo, source: GitSource) -> Self {
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

pub(super) fn list(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
) -> Result<Vec<TreeFile>, GitError> {
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
pub(super) fn read_all(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    listed: Vec<TreeFile>,
    known: &dyn Fn(&str, &str) -> bool,
) -> Result<Vec<SourceFile>, GitError> {
    read_all_with(repo, schema, source, listed, known, &|file| file)
}

/// [`read_all`], handing each file to `each` as soon as it is read — on
/// the thread that read it, for the blobs read in parallel — so that a
/// caller that parses files need not hold all their bytes at once.
pub(super) fn read_all_with<R: Send>(
    repo: &Repo,
    schema: &Schema,
    source: &GitSource,
    listed: Vec<TreeFile>,
    known: &dyn Fn(&str, &str) -> bool,
    each: &(dyn Fn(SourceFile) -> R + Sync),
) -> Result<Vec<R>, GitError> {
    // A kind folder that is a symlink, or sits below one: reported, not
    // followed, as in the working tree.
    let dirs = schema.dirs();
    let mut out = Vec::with_capacity(listed.len());
    for link in listed.iter().filter(|f| f.symlink) {
        // The kind folders at or below the link: one finding each, on the
        // link, as the working tree gives.
        for dir in dirs.iter().filter(|d| {
            d.strip_prefix(link.path.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        }) {
            out.push(each(SourceFile {
                path: format!("{dir}/"),
                blob: None,
                content: Err(Diagnostic::error(
                    Code::Symlink,
                    &link.path,
                    1,
                    format!(
                        "`{}` is a symlink to a folder; cairn does not follow symlinked folders, so the records under `{dir}` are not read — point the kind's `dir` at the real folder",
                        link.path
                    ),
                )),
            }));
        }
    }
    let listed: Vec<TreeFile> = listed
        .into_iter()
        .filter(|f| schema.is_record_path(&f.path))
        .collect();
    // Decided once: `each` may fill the cache `known` asks.
    let in_batch: Vec<bool> = listed
        .iter()
        .map(|f| !f.symlink && !known(f.blob.as_str(), &f.path))
        .collect();
    let batch: Vec<&TreeFile> = listed
        .iter()
        .zip(&in_batch)
        .filter_map(|(f, &read)| read.then_some(f))
        .collect();
    let ids: Vec<ObjectId> = batch.iter().map(|f| f.blob.clone()).collect();
    let mut done = repo
        .map_blobs_within(&ids, MAX_RECORD_BYTES, |at, read| {
            let file = batch[at];
            each(SourceFile {
                blob: Some(file.blob.to_string()),
                path: file.path.clone(),
                content: sized(&file.path, read),
            })
        })?
        .into_iter();
    for (file, &read_in_batch) in listed.iter().zip(&in_batch) {
        if read_in_batch {
            out.extend(done.next());
            continue;
        }
        let content = if file.symlink {
            read(repo, schema, source, file)?
        } else {
            Ok(Vec::new())
        };
        out.push(each(SourceFile {
            blob: (!file.symlink).then(|| file.blob.to_string()),
            path: file.path.clone(),
            content,
        }));
    }
    Ok(out)
}

/// A blob read with [`Repo::blob_within`]: its bytes, or the finding that
/// it is too large, made from its size alone.
fn sized(path: &str, read: Result<Vec<u8>, u64>) -> Result<Vec<u8>, Diagnostic> {
    match read {
        Ok(bytes) => record::check_size(path, bytes.len() as u64).map(|()| bytes),
        Err(len) => record::check_size(path, len).map(|()| Vec::new()),
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
        // A link's blob is its target path; a huge one is no path.
        let link = repo.blob_within(&file.blob, 4096)?.unwrap_or_default();
        let target = String::from_utf8_lossy(&link).into_owned();
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
    Ok(sized(
        &file.path,
        repo.blob_within(&blob, MAX_RECORD_BYTES)?,
    ))
}

/// Record files given by blob and path (as a history walk finds them in
/// tree diffs), read in one parallel batch; symlinks are not followed.
pub(super) fn read_listed(
    repo: &Repo,
    listed: Vec<(ObjectId, String)>,
) -> Result<Vec<SourceFile>, GitError> {
    let ids: Vec<ObjectId> = listed.iter().map(|(blob, _)| blob.clone()).collect();
    Ok(listed
        .into_iter()
        .zip(repo.blobs_within(&ids, MAX_RECORD_BYTES)?)
        .map(|((blob, path), bytes)| SourceFile {
            content: sized(&path, bytes),
            blob: Some(blob.to_string()),
            path,
        })
        .collect())
}
