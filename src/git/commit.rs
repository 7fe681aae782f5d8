//! Commits: one commit's metadata, and walks through history.

use git2::{ErrorClass, ErrorCode, Oid, Sort};

use super::error::failed;
use super::{GitError, ObjectId, Repo, lossy};

/// One commit's metadata.
#[derive(Clone, Debug)]
pub struct CommitInfo {
    /// The commit's id.
    pub id: ObjectId,
    /// The parents' ids, first parent first (none for a root commit or a shallow boundary).
    pub parents: Vec<ObjectId>,
    /// The author's name (converted lossily if not UTF-8).
    pub author: String,
    /// The author's email (converted lossily if not UTF-8).
    pub email: String,
    /// The author time, in seconds since the Unix epoch.
    pub time: i64,
    /// The author's UTC offset, in minutes.
    pub offset_minutes: i32,
    /// The first paragraph of the message, on one line.
    pub summary: String,
    /// The whole message.
    pub message: String,
}

impl Repo {
    /// One commit's metadata. In a shallow clone, a boundary commit has no parents.
    pub fn commit(&self, id: &ObjectId) -> Result<CommitInfo, GitError> {
        let commit = self.find_commit(id)?;
        let author = commit.author();
        let when = author.when();
        Ok(CommitInfo {
            id: id.clone(),
            parents: commit.parent_ids().map(ObjectId::from_oid).collect(),
            author: lossy(author.name_bytes()),
            email: lossy(author.email_bytes()),
            time: when.seconds(),
            offset_minutes: when.offset_minutes(),
            summary: commit.summary_bytes().map(lossy).unwrap_or_default(),
            message: lossy(commit.message_bytes()),
        })
    }

    /// Walks commits reachable from `from`, newest first (topological and time
    /// order, like `git log`), stopping before commits reachable from `hide`
    /// when given. `first_parent` follows only first parents.
    ///
    /// In a shallow clone, reaching the boundary is [`GitError::Shallow`]:
    /// the history it would return is incomplete.
    pub fn walk(
        &self,
        from: &ObjectId,
        hide: Option<&ObjectId>,
        first_parent: bool,
    ) -> Result<Vec<ObjectId>, GitError> {
        let context = || format!("walking the history of `{}`", from.short());
        let walk_error = |e: &git2::Error| {
            if self.is_shallow() && e.code() == ErrorCode::NotFound {
                GitError::Shallow {
                    rev: from.to_string(),
                }
            } else {
                self.object_error(e, context(), "commit", None)
            }
        };
        let mut revwalk = self.repo.revwalk().map_err(|e| failed(context(), &e))?;
        revwalk
            .set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .map_err(|e| failed(context(), &e))?;
        revwalk.push(from.to_oid()?).map_err(|e| walk_error(&e))?;
        if let Some(hide) = hide {
            revwalk.hide(hide.to_oid()?).map_err(|e| walk_error(&e))?;
        }
        if first_parent {
            revwalk
                .simplify_first_parent()
                .map_err(|e| failed(context(), &e))?;
        }
        let mut ids = Vec::new();
        for oid in revwalk {
            let oid = oid.map_err(|e| walk_error(&e))?;
            if self.shallow.contains(&oid) {
                return Err(GitError::Shallow {
                    rev: from.to_string(),
                });
            }
            ids.push(ObjectId::from_oid(oid));
        }
        Ok(ids)
    }

    pub(super) fn find_commit(&self, id: &ObjectId) -> Result<git2::Commit<'_>, GitError> {
        let oid = id.to_oid()?;
        self.repo.find_commit(oid).map_err(|e| {
            if e.code() == ErrorCode::NotFound && e.class() == ErrorClass::Odb && self.is_shallow()
            {
                GitError::Shallow {
                    rev: id.to_string(),
                }
            } else {
                self.object_error(
                    &e,
                    format!("reading commit `{}`", id.short()),
                    "commit",
                    Some(oid),
                )
            }
        })
    }

    /// The id of a commit's root tree.
    pub(super) fn root_tree(&self, commit: &ObjectId) -> Result<Oid, GitError> {
        let oid = commit.to_oid()?;
        if let Some(tree) = self.commit_trees.borrow().get(&oid) {
            return Ok(*tree);
        }
        let (tree, _) = self.commit_head(oid)?;
        Ok(tree)
    }

    /// The first-parent chain from `from` to its root, newest first, each
    /// commit with its first parent (None for the root): what
    /// [`Repo::walk`] lists with `first_parent`, read one commit at a time
    /// with no sorting pass, and each commit's root tree kept for the
    /// comparisons that follow.
    ///
    /// In a shallow clone, reaching the boundary is [`GitError::Shallow`].
    pub fn first_parent_chain(
        &self,
        from: &ObjectId,
    ) -> Result<Vec<(ObjectId, Option<ObjectId>)>, GitError> {
        let mut chain = Vec::new();
        let mut next = Some(from.to_oid()?);
        while let Some(oid) = next {
            if self.shallow.contains(&oid) {
                return Err(GitError::Shallow {
                    rev: from.to_string(),
                });
            }
            let (_, parent) = self.commit_head(oid)?;
            chain.push((ObjectId::from_oid(oid), parent.map(ObjectId::from_oid)));
            next = parent;
        }
        Ok(chain)
    }

    /// A commit's root tree and first parent, from its raw header (no
    /// commit object is built), kept in the memo of root trees. Anything
    /// unexpected goes through libgit2's own commit reading, which gives
    /// the error a damaged or missing commit deserves.
    fn commit_head(&self, oid: Oid) -> Result<(Oid, Option<Oid>), GitError> {
        let head = match self.raw_commit_head(oid) {
            Some(head) => head,
            None => {
                let commit = self.find_commit(&ObjectId::from_oid(oid))?;
                (commit.tree_id(), commit.parent_id(0).ok())
            }
        };
        self.commit_trees.borrow_mut().insert(oid, head.0);
        Ok(head)
    }

    /// The `tree` and first `parent` lines of a commit object, if it reads
    /// as one.
    fn raw_commit_head(&self, oid: Oid) -> Option<(Oid, Option<Oid>)> {
        let odb = self.repo.odb().ok()?;
        let object = odb.read(oid).ok()?;
        if object.kind() != git2::ObjectType::Commit {
            return None;
        }
        let mut lines = object.data().split(|&b| b == b'\n');
        let hex = |line: &[u8], word: &[u8]| -> Option<Oid> {
            let rest = line.strip_prefix(word)?.strip_prefix(b" ")?;
            Oid::from_str(std::str::from_utf8(rest).ok()?).ok()
        };
        let tree = hex(lines.next()?, b"tree")?;
        let parent = match lines.next() {
            Some(line) if line.starts_with(b"parent ") => Some(hex(line, b"parent")?),
            _ => None,
        };
        Some((tree, parent))
    }
}
