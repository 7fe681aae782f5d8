//! Id allocation for `cairn new`: the next free number of a kind, across
//! the working tree and every branch, and the claim that keeps two
//! processes from writing the same id at once.

use std::path::{Path, PathBuf};

use super::NewError;
use crate::git::{GitError, Repo};
use crate::schema::Kind;
use crate::snapshot::Snapshot;

/// One past the highest number of the kind in `snapshot` (ids and file
/// names, broken files too) and in the trees of every local and
/// remote-tracking branch of `repo`.
pub fn next_number(kind: &Kind, snapshot: &Snapshot, repo: Option<&Repo>) -> Result<u64, GitError> {
    let mut highest = 0;
    let mut see = |text: &str| {
        if let Some(n) = kind.number_in(text) {
            highest = highest.max(n);
        }
    };
    for record in &snapshot.records {
        if record.kind == kind.name {
            if let Some(id) = &record.id {
                see(id);
            }
            see(file_name(&record.path));
        }
    }
    for broken in &snapshot.broken {
        see(file_name(&broken.path));
    }
    if let Some(repo) = repo {
        let dirs = vec![kind.dir.clone()];
        let mut tips: Vec<_> = repo.branch_tips()?.into_iter().map(|(_, id)| id).collect();
        tips.sort();
        tips.dedup();
        for tip in tips {
            for file in repo.tree_files(&tip, &dirs)? {
                see(file_name(&file.path));
            }
        }
    }
    Ok(highest + 1)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Another record file in `folder` named for `id` (not `ours`), if any.
pub(super) fn rival_with_same_id(
    folder: &Path,
    id: &str,
    ours: &str,
) -> Result<Option<String>, NewError> {
    let listing = |source| NewError::io(format!("cannot list `{}`", folder.display()), source);
    let mut rival = None;
    for entry in std::fs::read_dir(folder).map_err(listing)? {
        let name = entry
            .map_err(listing)?
            .file_name()
            .to_string_lossy()
            .into_owned();
        let same = name
            .strip_prefix(id)
            .is_some_and(|r| r.starts_with('-') || r == ".md");
        if same && name != ours && name.ends_with(".md") {
            rival = Some(rival.map_or(name.clone(), |r: String| r.min(name)));
        }
    }
    Ok(rival)
}

/// The exclusive right to write a record with one id, held while checking
/// for and writing it: a hidden folder `.ID.cairn-claim` beside the records.
pub(super) struct Claim {
    path: PathBuf,
}

impl Claim {
    /// A claim older than this was left by a process that died; it is taken over.
    const STALE: std::time::Duration = std::time::Duration::from_secs(60);

    /// Takes the claim on `id`, or `None` when another process holds it.
    pub(super) fn take(folder: &Path, id: &str) -> Result<Option<Claim>, NewError> {
        let path = folder.join(format!(".{id}.cairn-claim"));
        for _ in 0..2 {
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Some(Claim { path })),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Claim::STALE);
                    if !stale {
                        return Ok(None);
                    }
                    let _ = std::fs::remove_dir(&path);
                }
                Err(err) => {
                    return Err(NewError::io(
                        format!("cannot create `{}`", path.display()),
                        err,
                    ));
                }
            }
        }
        Ok(None)
    }

    pub(super) fn release(self) -> Result<(), NewError> {
        std::fs::remove_dir(&self.path)
            .map_err(|e| NewError::io(format!("cannot remove `{}`", self.path.display()), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    #[test]
    fn next_number_counts_ids_file_names_and_broken_files() {
        let schema = config::builtin();
        let kind = schema.kind("decision").expect("decision kind");
        let snapshot = Snapshot::from_texts(
            "worktree",
            &schema,
            &[
                (
                    "research/decisions/DEC-0003-a.md",
                    "---\nid: DEC-0003\ntitle: A\nstatus: proposed\ndate: 2024-01-01\n---\n",
                ),
                ("research/decisions/DEC-0007-broken.md", "no front matter"),
                (
                    "research/experiments/EXP-0042-x.md",
                    "---\nid: EXP-0042\ntitle: X\nstatus: planned\n---\n",
                ),
            ],
        );
        assert_eq!(next_number(kind, &snapshot, None).expect("number"), 8);
        let empty = Snapshot::default();
        assert_eq!(next_number(kind, &empty, None).expect("number"), 1);
    }

    #[test]
    fn a_claim_is_exclusive_until_released() {
        let dir = tempfile::tempdir().expect("tempdir");
        let claim = Claim::take(dir.path(), "DEC-0001")
            .expect("take")
            .expect("free");
        assert!(Claim::take(dir.path(), "DEC-0001").expect("take").is_none());
        claim.release().expect("release");
        assert!(Claim::take(dir.path(), "DEC-0001").expect("take").is_some());
    }

    #[test]
    fn a_rival_is_another_file_with_the_same_id() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("DEC-0002-other.md"), "x").expect("write");
        std::fs::write(dir.path().join("DEC-00020-not.md"), "x").expect("write");
        let rival = rival_with_same_id(dir.path(), "DEC-0002", "DEC-0002-mine.md").expect("list");
        assert_eq!(rival.as_deref(), Some("DEC-0002-other.md"));
        assert_eq!(
            rival_with_same_id(dir.path(), "DEC-0002", "DEC-0002-other.md").expect("list"),
            None
        );
    }
}
