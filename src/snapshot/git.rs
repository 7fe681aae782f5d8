//! Read-only access to the git repository, and the only module that uses `git2`.
//!
//! [`Repo`] wraps a `git2::Repository` and answers the questions the rest of
//! cairn asks of git — resolve a revision, list the files of a tree or of the
//! index, read a blob, compare two trees, walk history, list branch tips — in
//! the project's own types: [`ObjectId`], [`CommitInfo`], [`TreeFile`],
//! [`TreeChange`] and [`GitError`]. No `git2` type appears in a public
//! signature, and nothing here ever writes to the repository or checks
//! anything out.
//!
//! Invariants: every path returned is repo-relative with `/` separators (a
//! path that is not valid UTF-8 is converted lossily, with U+FFFD in place of
//! the bad bytes); every list is sorted by path; submodule entries are never
//! reported as files. A shallow clone never yields a silently truncated
//! answer: asking for history behind its boundary is a [`GitError::Shallow`].

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use git2::{ErrorClass, ErrorCode, Oid, Repository, RepositoryOpenFlags, Sort};

/// Tree entry mode of a folder.
const MODE_TREE: i32 = 0o040000;
/// Tree entry mode of a symbolic link (the blob holds the link target).
const MODE_LINK: i32 = 0o120000;
/// Tree entry mode of a submodule (a commit in a tree).
const MODE_GITLINK: i32 = 0o160000;
/// Mask of the merge stage in an index entry's flags.
const INDEX_STAGE_MASK: u16 = 0x3000;
/// Shift of the merge stage in an index entry's flags.
const INDEX_STAGE_SHIFT: u16 = 12;

/// Hex object id of a commit, tree or blob.
///
/// Holds the full id: 40 lowercase hex characters (64 in a SHA-256
/// repository). Use [`Repo::resolve`] to turn a short id or a name into one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub String);

impl ObjectId {
    /// The abbreviated id (the first 7 hex characters), as `git log --oneline` shows it.
    pub fn short(&self) -> &str {
        self.0.get(..7).unwrap_or(&self.0)
    }

    fn from_oid(oid: Oid) -> ObjectId {
        ObjectId(oid.to_string())
    }

    /// The `git2` id, refusing anything but a full hex id: `Oid::from_str`
    /// would silently pad a prefix with zeros and look up the wrong object.
    fn to_oid(&self) -> Result<Oid, GitError> {
        let full = matches!(self.0.len(), 40 | 64) && self.0.bytes().all(|b| b.is_ascii_hexdigit());
        let unknown = || GitError::UnknownRevision {
            rev: self.0.clone(),
        };
        if !full {
            return Err(unknown());
        }
        Oid::from_str(&self.0).map_err(|_| unknown())
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A git repository opened for reading.
///
/// Used from one thread at a time (it is `Send` but not `Sync`).
pub struct Repo {
    repo: Repository,
    /// The top of the work tree, without a trailing separator.
    workdir: Option<PathBuf>,
    /// The shallow graft points (`.git/shallow`): commits whose parents were not fetched.
    shallow: HashSet<Oid>,
    /// The raw bytes of the last few folder trees compared: a history walk
    /// compares each tree twice in a row (as the newer side, then as the
    /// older side of the next step).
    raw_trees: RefCell<Vec<(Oid, Rc<[u8]>)>>,
}

impl fmt::Debug for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Repo")
            .field("git_dir", &self.repo.path())
            .field("workdir", &self.workdir)
            .field("shallow", &!self.shallow.is_empty())
            .finish()
    }
}

/// Why a git operation failed; each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository contains the folder.
    #[error("`{}` is not inside a git repository; run cairn inside one, or use `git init`", path.display())]
    NotARepository {
        /// The folder the search started from.
        path: PathBuf,
    },
    /// The revision names nothing in the repository.
    #[error("unknown revision `{rev}`; check the name with `git rev-parse {rev}`")]
    UnknownRevision {
        /// The revision as the user wrote it.
        rev: String,
    },
    /// HEAD is unborn: there is no commit to read.
    #[error(
        "the repository has no commits yet (HEAD is unborn); commit first, or run cairn without a revision"
    )]
    EmptyRepository,
    /// The revision or history lies behind the boundary of a shallow clone.
    #[error(
        "`{rev}` needs history this shallow clone does not have; fetch the history with `git fetch --unshallow` (in GitHub Actions, set `fetch-depth: 0` on actions/checkout)"
    )]
    Shallow {
        /// The revision (or `A...B` for a merge base) that needs the missing history.
        rev: String,
    },
    /// An object is absent from the object database, as in a partial clone.
    #[error(
        "this looks like a partial clone missing {what} `{id}`; run `git fetch --refetch` or clone without `--filter`"
    )]
    MissingObject {
        /// The hex id of the missing object.
        id: String,
        /// What the object is: `blob`, `tree` or `commit`.
        what: String,
    },
    /// The operation needs a work tree or an index, and the repository is bare.
    #[error(
        "the repository is bare and has no work tree; run cairn in a checkout, or name a revision to read"
    )]
    BareRepository,
    /// Any other git failure.
    #[error("{context}: {message}")]
    Git {
        /// What was being done, e.g. "reading the index".
        context: String,
        /// What git said, on one line.
        message: String,
    },
}

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

/// A file of a tree or of the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeFile {
    /// Repo-relative path with `/` separators (converted lossily if not UTF-8).
    pub path: String,
    /// The blob holding the file's bytes (a symlink's blob holds its target).
    pub blob: ObjectId,
    /// Whether the entry is a symbolic link.
    pub symlink: bool,
}

/// How a path changed between two trees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeStatus {
    /// The path exists only in the new tree.
    Added,
    /// The path exists only in the old tree.
    Deleted,
    /// The path exists in both with different content or mode.
    Modified,
}

/// One changed file between two trees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeChange {
    /// Whether the file was added, deleted or modified.
    pub status: ChangeStatus,
    /// Repo-relative path with `/` separators.
    pub path: String,
    /// The blob in the old tree (None when added).
    pub old_blob: Option<ObjectId>,
    /// The blob in the new tree (None when deleted).
    pub new_blob: Option<ObjectId>,
    /// Whether either side is a symbolic link (its blob holds the target).
    pub symlink: bool,
}

/// A tree entry: its object id and (normalised) mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Node {
    id: Oid,
    mode: i32,
}

impl Node {
    fn is_tree(self) -> bool {
        self.mode == MODE_TREE
    }

    fn is_gitlink(self) -> bool {
        self.mode == MODE_GITLINK
    }
}

/// A changed leaf (file, symlink or submodule) found by [`Repo::diff_nodes`].
struct RawChange {
    path: String,
    old: Option<Node>,
    new: Option<Node>,
}

impl Repo {
    /// Opens the repository containing `dir` (walks up, like git).
    ///
    /// Honours linked worktrees (a `.git` file) and git's environment:
    /// `GIT_DIR` (relative to `dir`), `GIT_WORK_TREE`, `GIT_INDEX_FILE`,
    /// `GIT_OBJECT_DIRECTORY`, `GIT_CEILING_DIRECTORIES` and
    /// `GIT_DISCOVERY_ACROSS_FILESYSTEM`. A bare repository opens too; then
    /// [`Repo::workdir`] is None.
    pub fn discover(dir: &Path) -> Result<Repo, GitError> {
        // git itself does not re-hash the objects it reads; libgit2 does by
        // default, which costs a SHA-1 per blob on every snapshot. zlib's
        // own checksum still catches damaged compressed data.
        static READ_FAST: std::sync::Once = std::sync::Once::new();
        READ_FAST.call_once(|| {
            git2::opts::strict_hash_verification(false);
            // A history walk reads each commit's record folders twice (as
            // the new side, then as the parent side of the next step); a
            // large folder's tree is over libgit2's default 4 KiB cache limit.
            // SAFETY: sets a global option before any object is read; it
            // only changes a size limit and cannot race with this process's
            // own reads, which all start after discovery.
            let _ = unsafe { git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 8 << 20) };
        });
        let opened = match std::env::var_os("GIT_DIR").filter(|d| !d.is_empty()) {
            Some(git_dir) => Repository::open_ext(
                dir.join(git_dir),
                RepositoryOpenFlags::FROM_ENV
                    | RepositoryOpenFlags::NO_SEARCH
                    | RepositoryOpenFlags::NO_DOTGIT,
                std::iter::empty::<&std::ffi::OsStr>(),
            ),
            None => {
                // With a start path, libgit2 reads no ceiling from the
                // environment: pass it ourselves.
                let ceiling: Vec<PathBuf> = std::env::var_os("GIT_CEILING_DIRECTORIES")
                    .map(|c| std::env::split_paths(&c).collect())
                    .unwrap_or_default();
                Repository::open_ext(dir, RepositoryOpenFlags::FROM_ENV, ceiling)
            }
        };
        let repo = opened.map_err(|e| match e.code() {
            ErrorCode::NotFound => GitError::NotARepository {
                path: dir.to_path_buf(),
            },
            ErrorCode::Owner => GitError::Git {
                context: format!("opening the repository at `{}`", dir.display()),
                message: format!(
                    "{}; if you trust it, run `git config --global --add safe.directory <path>`",
                    one_line(e.message())
                ),
            },
            _ => failed(format!("opening the repository at `{}`", dir.display()), &e),
        })?;
        let workdir = repo.workdir().map(|w| w.components().collect::<PathBuf>());
        let shallow = read_shallow(repo.commondir())?;
        Ok(Repo {
            repo,
            workdir,
            shallow,
            raw_trees: RefCell::default(),
        })
    }

    /// The top of the work tree (None for a bare repository).
    ///
    /// In a linked worktree this is the worktree's own folder.
    pub fn workdir(&self) -> Option<&Path> {
        self.workdir.as_deref()
    }

    /// Resolves a revision expression (`HEAD`, `main`, `HEAD~3`, `v1.0`, a hex
    /// prefix, `origin/main`) to a commit id, peeling tags.
    ///
    /// An unborn HEAD (or an empty repository) is [`GitError::EmptyRepository`].
    /// In a shallow clone, a revision that cannot be found — an ancestor past
    /// the boundary, a commit or a branch that was not fetched — is
    /// [`GitError::Shallow`] rather than [`GitError::UnknownRevision`], since
    /// fetching the history is the likely fix.
    pub fn resolve(&self, rev: &str) -> Result<ObjectId, GitError> {
        let object = match self.repo.revparse_single(rev) {
            Ok(object) => object,
            Err(e) => return Err(self.resolve_error(rev, &e)),
        };
        let kind = object.kind();
        match object.peel_to_commit() {
            Ok(commit) => Ok(ObjectId::from_oid(commit.id())),
            Err(e) if e.code() == ErrorCode::NotFound && e.class() == ErrorClass::Odb => {
                Err(GitError::MissingObject {
                    id: object.id().to_string(),
                    what: "commit".to_owned(),
                })
            }
            Err(_) => Err(GitError::Git {
                context: format!("resolving `{rev}`"),
                message: format!(
                    "it names a {}, not a commit; name a commit, branch or tag",
                    kind.map_or("non-commit object", |k| k.str())
                ),
            }),
        }
    }

    /// Classifies a failure of `revparse_single(rev)`.
    fn resolve_error(&self, rev: &str, e: &git2::Error) -> GitError {
        match e.code() {
            ErrorCode::Ambiguous => {
                return GitError::Git {
                    context: format!("resolving `{rev}`"),
                    message: "the short id is ambiguous; give more hex digits".to_owned(),
                };
            }
            ErrorCode::InvalidSpec => {
                return GitError::UnknownRevision {
                    rev: rev.to_owned(),
                };
            }
            ErrorCode::NotFound | ErrorCode::UnbornBranch | ErrorCode::Peel => {}
            _ => return failed(format!("resolving `{rev}`"), e),
        }
        let names_head = rev.starts_with("HEAD") || rev.starts_with('@');
        let head_unborn = matches!(
            self.repo.head(),
            Err(ref h) if h.code() == ErrorCode::UnbornBranch
        );
        if head_unborn && (names_head || self.has_no_refs()) {
            return GitError::EmptyRepository;
        }
        if self.is_shallow() {
            return GitError::Shallow {
                rev: rev.to_owned(),
            };
        }
        GitError::UnknownRevision {
            rev: rev.to_owned(),
        }
    }

    /// HEAD's commit, or [`GitError::EmptyRepository`] when HEAD is unborn.
    pub fn head(&self) -> Result<ObjectId, GitError> {
        self.resolve("HEAD")
    }

    /// The best common ancestor of two commits, as `git merge-base A B`.
    ///
    /// In a shallow clone, finding none is [`GitError::Shallow`] (the base is
    /// likely behind the boundary); otherwise it is a [`GitError::Git`].
    pub fn merge_base(&self, a: &ObjectId, b: &ObjectId) -> Result<ObjectId, GitError> {
        let (one, two) = (a.to_oid()?, b.to_oid()?);
        match self.repo.merge_base(one, two) {
            Ok(base) => Ok(ObjectId::from_oid(base)),
            Err(e) if e.code() == ErrorCode::NotFound && self.is_shallow() => {
                Err(GitError::Shallow {
                    rev: format!("{}...{}", a.short(), b.short()),
                })
            }
            Err(e) if e.code() == ErrorCode::NotFound && e.class() == ErrorClass::Merge => {
                Err(GitError::Git {
                    context: format!(
                        "finding the merge base of `{}` and `{}`",
                        a.short(),
                        b.short()
                    ),
                    message: "the two commits share no history; compare them with `A..B` instead"
                        .to_owned(),
                })
            }
            Err(e) => Err(self.object_error(
                &e,
                format!(
                    "finding the merge base of `{}` and `{}`",
                    a.short(),
                    b.short()
                ),
                "commit",
                None,
            )),
        }
    }

    /// Whether the repository is a shallow clone (its history is cut off).
    pub fn is_shallow(&self) -> bool {
        !self.shallow.is_empty() || self.repo.is_shallow()
    }

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

    /// Every blob (and symlink) under the given directory prefixes of the
    /// commit's tree, recursively, sorted by path.
    ///
    /// `dirs` are repo-relative folder paths without trailing slash; `""` or
    /// `"."` (or an empty slice) means the whole tree. A prefix that does not
    /// exist yields nothing; a prefix that names a file yields that file.
    /// Submodules are skipped.
    pub fn tree_files(
        &self,
        commit: &ObjectId,
        dirs: &[String],
    ) -> Result<Vec<TreeFile>, GitError> {
        let root = self.root_tree(commit)?;
        let mut files = Vec::new();
        for dir in normalize_dirs(dirs) {
            if let Some(node) = self.node_at(root, &dir)? {
                self.collect_files(dir, node, &mut files)?;
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// The files of the index (staging area) under `dirs`, as
    /// [`Repo::tree_files`] reads a commit's tree; for `--cached`.
    ///
    /// An index with unresolved merge conflicts under `dirs` is an error
    /// naming the first conflicted path.
    pub fn index_files(&self, dirs: &[String]) -> Result<Vec<TreeFile>, GitError> {
        let index = self.index()?;
        let dirs = normalize_dirs(dirs);
        let mut files = Vec::new();
        for entry in index.iter() {
            let path = lossy(&entry.path);
            if !dirs.iter().any(|d| is_under(&path, d)) {
                continue;
            }
            if (entry.flags & INDEX_STAGE_MASK) >> INDEX_STAGE_SHIFT != 0 {
                return Err(GitError::Git {
                    context: "reading the index".to_owned(),
                    message: format!(
                        "`{path}` has unresolved merge conflicts; resolve them and `git add` the file"
                    ),
                });
            }
            let mode = entry.mode as i32;
            if mode == MODE_GITLINK {
                continue;
            }
            files.push(TreeFile {
                path,
                blob: ObjectId::from_oid(entry.id),
                symlink: mode == MODE_LINK,
            });
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// Whether `path` (a file or folder) exists in the commit's tree.
    pub fn exists_in_commit(&self, commit: &ObjectId, path: &str) -> Result<bool, GitError> {
        let root = self.root_tree(commit)?;
        let path = normalize_dir(path);
        Ok(self.node_at(root, &path)?.is_some())
    }

    /// Whether `path` exists in the index: a file, or a folder some indexed
    /// file is under.
    pub fn exists_in_index(&self, path: &str) -> Result<bool, GitError> {
        let index = self.index()?;
        let path = normalize_dir(path);
        Ok(index
            .iter()
            .any(|entry| is_under(&lossy(&entry.path), &path)))
    }

    /// A blob's bytes. A missing object (partial clone) is [`GitError::MissingObject`].
    pub fn blob(&self, id: &ObjectId) -> Result<Vec<u8>, GitError> {
        let oid = id.to_oid()?;
        match self.repo.find_blob(oid) {
            Ok(blob) => Ok(blob.content().to_vec()),
            Err(e) => Err(self.object_error(
                &e,
                format!("reading blob `{}`", id.short()),
                "blob",
                Some(oid),
            )),
        }
    }

    /// Many blobs' bytes, in the order of `ids`, read in parallel.
    ///
    /// git2 handles cannot be shared between threads, so each worker opens
    /// its own handle on the same object database; a few ids are read here
    /// on this thread. This is the bulk path for loading a snapshot: zlib
    /// inflation and delta resolution dominate, and they scale with cores.
    pub fn blobs(&self, ids: &[ObjectId]) -> Result<Vec<Vec<u8>>, GitError> {
        self.in_parallel(ids, 4, |repo, id| repo.blob(id))
    }

    /// What changed between two commits' trees under `dirs` (all of the tree
    /// when `dirs` is empty), sorted by path.
    ///
    /// `old` None means the empty tree (for a root commit). Subtrees with
    /// equal ids are skipped without being read, so comparing neighbouring
    /// commits costs little more than a few tree lookups. No rename
    /// detection; submodules are skipped.
    pub fn diff_commits(
        &self,
        old: Option<&ObjectId>,
        new: &ObjectId,
        dirs: &[String],
    ) -> Result<Vec<TreeChange>, GitError> {
        let raw = self.diff_raw(old, new, dirs)?;
        let changes = raw
            .into_iter()
            .filter_map(|change| {
                let link = |n: &Option<Node>| n.as_ref().is_some_and(|n| n.mode == MODE_LINK);
                let symlink = link(&change.old) || link(&change.new);
                let old_blob = change
                    .old
                    .filter(|n| !n.is_gitlink())
                    .map(|n| ObjectId::from_oid(n.id));
                let new_blob = change
                    .new
                    .filter(|n| !n.is_gitlink())
                    .map(|n| ObjectId::from_oid(n.id));
                let status = match (&old_blob, &new_blob) {
                    (None, None) => return None,
                    (None, Some(_)) => ChangeStatus::Added,
                    (Some(_), None) => ChangeStatus::Deleted,
                    (Some(_), Some(_)) => ChangeStatus::Modified,
                };
                Some(TreeChange {
                    status,
                    path: change.path,
                    old_blob,
                    new_blob,
                    symlink,
                })
            })
            .collect();
        Ok(changes)
    }

    /// [`Repo::diff_commits`] for many `(old, new)` pairs, in parallel, in
    /// the order given.
    ///
    /// Each worker opens its own handle and takes a contiguous run of
    /// pairs, so that neighbouring commits of a history walk share the
    /// trees they have in common through that handle's cache.
    pub fn diff_many(
        &self,
        pairs: &[(Option<ObjectId>, ObjectId)],
        dirs: &[String],
    ) -> Result<Vec<Vec<TreeChange>>, GitError> {
        self.in_parallel(pairs, 8, |repo, (old, new)| {
            repo.diff_commits(old.as_ref(), new, dirs)
        })
    }

    /// Applies `work` to every item, in parallel, results in the order of
    /// `items`. git2 handles cannot be shared between threads, so each
    /// contiguous run of items (about `runs_per_thread` runs a thread, for
    /// balance) gets its own handle on the same repository; a few items are
    /// done here on this handle.
    fn in_parallel<T: Sync, R: Send>(
        &self,
        items: &[T],
        runs_per_thread: usize,
        work: impl Fn(&Repo, &T) -> Result<R, GitError> + Sync,
    ) -> Result<Vec<R>, GitError> {
        use rayon::prelude::*;
        const SEQUENTIAL_BELOW: usize = 64;
        let threads = rayon::current_num_threads();
        if items.len() < SEQUENTIAL_BELOW || threads < 2 {
            return items.iter().map(|item| work(self, item)).collect();
        }
        let git_dir = self.repo.path().to_path_buf();
        let (workdir, shallow) = (&self.workdir, &self.shallow);
        let run = items.len().div_ceil(threads * runs_per_thread).max(16);
        let parts: Vec<Result<Vec<R>, GitError>> = items
            .par_chunks(run)
            .map(|part| {
                let worker = Repo {
                    repo: Repository::open(&git_dir)
                        .map_err(|e| failed("opening the repository on a worker thread", &e))?,
                    workdir: workdir.clone(),
                    shallow: shallow.clone(),
                    raw_trees: RefCell::default(),
                };
                part.iter().map(|item| work(&worker, item)).collect()
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }

    /// Paths (repo-relative) that differ between a commit and the work tree —
    /// tracked changes and untracked, non-ignored files — or between a commit
    /// and the index when `cached` is true. Sorted, deduplicated; a rename
    /// contributes both paths.
    pub fn changed_paths_to_worktree(
        &self,
        old: &ObjectId,
        cached: bool,
    ) -> Result<Vec<String>, GitError> {
        if !cached && self.repo.is_bare() {
            return Err(GitError::BareRepository);
        }
        let tree = self.repo.find_tree(self.root_tree(old)?).map_err(|e| {
            self.object_error(
                &e,
                format!("reading the tree of `{}`", old.short()),
                "tree",
                None,
            )
        })?;
        let mut opts = git2::DiffOptions::new();
        let (diff, context) = if cached {
            let context = format!("comparing `{}` with the index", old.short());
            (
                self.repo
                    .diff_tree_to_index(Some(&tree), None, Some(&mut opts)),
                context,
            )
        } else {
            opts.include_untracked(true).recurse_untracked_dirs(true);
            let context = format!("comparing `{}` with the work tree", old.short());
            (
                self.repo
                    .diff_tree_to_workdir_with_index(Some(&tree), Some(&mut opts)),
                context,
            )
        };
        let diff = diff.map_err(|e| match e.code() {
            ErrorCode::BareRepo => GitError::BareRepository,
            _ => self.object_error(&e, context, "blob", None),
        })?;
        let mut paths: Vec<String> = diff
            .deltas()
            .flat_map(|delta| [delta.old_file().path_bytes(), delta.new_file().path_bytes()])
            .flatten()
            .map(lossy)
            .collect();
        paths.sort();
        paths.dedup();
        Ok(paths)
    }

    /// Paths that differ between two commits (all of the tree, submodules
    /// included), sorted.
    pub fn changed_paths(&self, old: &ObjectId, new: &ObjectId) -> Result<Vec<String>, GitError> {
        let raw = self.diff_raw(Some(old), new, &[])?;
        Ok(raw.into_iter().map(|change| change.path).collect())
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
                    rev: from.0.clone(),
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
                    rev: from.0.clone(),
                });
            }
            ids.push(ObjectId::from_oid(oid));
        }
        Ok(ids)
    }

    /// The tip commits of every local branch (`main`) and every
    /// remote-tracking branch (`origin/main`), sorted by name. Symbolic refs
    /// such as `origin/HEAD` are aliases, not branches, and are left out.
    pub fn branch_tips(&self) -> Result<Vec<(String, ObjectId)>, GitError> {
        let context = "listing branches";
        let mut tips = Vec::new();
        for branch in self.repo.branches(None).map_err(|e| failed(context, &e))? {
            let (branch, _) = branch.map_err(|e| failed(context, &e))?;
            let reference = branch.get();
            if reference.kind() == Some(git2::ReferenceType::Symbolic) {
                continue;
            }
            let name = lossy(branch.name_bytes().map_err(|e| failed(context, &e))?);
            let commit = reference.peel_to_commit().map_err(|e| {
                self.object_error(
                    &e,
                    format!("reading the tip of branch `{name}`"),
                    "commit",
                    None,
                )
            })?;
            tips.push((name, ObjectId::from_oid(commit.id())));
        }
        tips.sort();
        Ok(tips)
    }

    /// `user.name` from git config; None when unset, blank, or the
    /// configuration cannot be read (the caller then leaves the author out).
    pub fn user_name(&self) -> Option<String> {
        let config = self.repo.config().ok()?;
        let name = config.get_string("user.name").ok()?;
        let name = name.trim();
        (!name.is_empty()).then(|| name.to_owned())
    }

    // ---- private helpers ----

    fn find_commit(&self, id: &ObjectId) -> Result<git2::Commit<'_>, GitError> {
        let oid = id.to_oid()?;
        self.repo.find_commit(oid).map_err(|e| {
            if e.code() == ErrorCode::NotFound && e.class() == ErrorClass::Odb && self.is_shallow()
            {
                GitError::Shallow { rev: id.0.clone() }
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
    fn root_tree(&self, commit: &ObjectId) -> Result<Oid, GitError> {
        Ok(self.find_commit(commit)?.tree_id())
    }

    fn find_tree(&self, oid: Oid) -> Result<git2::Tree<'_>, GitError> {
        self.repo
            .find_tree(oid)
            .map_err(|e| self.object_error(&e, format!("reading tree `{oid}`"), "tree", Some(oid)))
    }

    /// A tree object's raw bytes, from the small cache of recent ones or the
    /// object database.
    fn raw_tree(&self, oid: Oid) -> Result<Rc<[u8]>, GitError> {
        const KEEP: usize = 16;
        if let Some((_, bytes)) = self.raw_trees.borrow().iter().find(|(id, _)| *id == oid) {
            return Ok(Rc::clone(bytes));
        }
        let odb = self
            .repo
            .odb()
            .map_err(|e| failed("opening the object database", &e))?;
        let object = odb.read(oid).map_err(|e| {
            self.object_error(&e, format!("reading tree `{oid}`"), "tree", Some(oid))
        })?;
        let bytes: Rc<[u8]> = Rc::from(object.data());
        let mut cache = self.raw_trees.borrow_mut();
        if cache.len() >= KEEP {
            cache.remove(0);
        }
        cache.push((oid, Rc::clone(&bytes)));
        Ok(bytes)
    }

    /// Whether the repository has no references at all (HEAD aside): nothing
    /// has been committed or fetched. `git2`'s `is_empty` also requires HEAD
    /// to name the configured default branch, which misfires on `main`.
    fn has_no_refs(&self) -> bool {
        self.repo
            .references()
            .is_ok_and(|mut refs| refs.next().is_none())
    }

    /// The index, reloaded if it changed on disk.
    fn index(&self) -> Result<git2::Index, GitError> {
        let context = "reading the index";
        if self.repo.is_bare() {
            return Err(GitError::BareRepository);
        }
        let mut index = self.repo.index().map_err(|e| match e.code() {
            ErrorCode::BareRepo => GitError::BareRepository,
            _ => failed(context, &e),
        })?;
        index.read(false).map_err(|e| failed(context, &e))?;
        Ok(index)
    }

    /// Maps an error met while reading objects: a missing object (code
    /// NotFound, class Odb) is [`GitError::MissingObject`], anything else a
    /// [`GitError::Git`] with `context`.
    fn object_error(
        &self,
        e: &git2::Error,
        context: String,
        what: &str,
        id: Option<Oid>,
    ) -> GitError {
        object_error(e, context, what, id)
    }

    /// The entry at `path` under the tree `root` (`""` is the root itself),
    /// or None when nothing is there.
    fn node_at(&self, root: Oid, path: &str) -> Result<Option<Node>, GitError> {
        if path.is_empty() {
            return Ok(Some(Node {
                id: root,
                mode: MODE_TREE,
            }));
        }
        let tree = self.find_tree(root)?;
        match tree.get_path(Path::new(path)) {
            Ok(entry) => Ok(Some(Node {
                id: entry.id(),
                mode: entry.filemode(),
            })),
            // The path is absent (class Tree); a missing subtree object is class Odb.
            Err(e) if e.code() == ErrorCode::NotFound && e.class() != ErrorClass::Odb => Ok(None),
            Err(e) => Err(self.object_error(&e, format!("looking up `{path}`"), "tree", None)),
        }
    }

    /// Appends every file under `node` (itself, if it is a file) to `out`.
    fn collect_files(
        &self,
        path: String,
        node: Node,
        out: &mut Vec<TreeFile>,
    ) -> Result<(), GitError> {
        let mut stack = vec![(path, node)];
        while let Some((path, node)) = stack.pop() {
            match node.mode {
                MODE_TREE => {
                    for entry in self.find_tree(node.id)?.iter() {
                        let child = join(&path, entry.name_bytes());
                        stack.push((
                            child,
                            Node {
                                id: entry.id(),
                                mode: entry.filemode(),
                            },
                        ));
                    }
                }
                MODE_GITLINK => {}
                mode => out.push(TreeFile {
                    path,
                    blob: ObjectId::from_oid(node.id),
                    symlink: mode == MODE_LINK,
                }),
            }
        }
        Ok(())
    }

    /// Every changed leaf between two commits under `dirs`, sorted by path.
    fn diff_raw(
        &self,
        old: Option<&ObjectId>,
        new: &ObjectId,
        dirs: &[String],
    ) -> Result<Vec<RawChange>, GitError> {
        let old_root = old.map(|id| self.root_tree(id)).transpose()?;
        let new_root = self.root_tree(new)?;
        let mut out = Vec::new();
        if old_root == Some(new_root) {
            return Ok(out);
        }
        let dirs = normalize_dirs(dirs);
        // The folders usually share a parent (`research`): when it did not
        // change, none of them did — the common case of a code-only commit.
        if let (Some(old_root), Some(parent)) = (old_root, common_parent(&dirs)) {
            if self.node_at(old_root, &parent)? == self.node_at(new_root, &parent)? {
                return Ok(out);
            }
        }
        for dir in dirs {
            let old_node = match old_root {
                Some(root) => self.node_at(root, &dir)?,
                None => None,
            };
            let new_node = self.node_at(new_root, &dir)?;
            self.diff_nodes(&dir, old_node, new_node, &mut out)?;
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Compares two entries at the same path, descending only into subtrees
    /// whose ids differ.
    fn diff_nodes(
        &self,
        path: &str,
        old: Option<Node>,
        new: Option<Node>,
        out: &mut Vec<RawChange>,
    ) -> Result<(), GitError> {
        if old == new {
            return Ok(());
        }
        let old_tree = old.filter(|n| n.is_tree());
        let new_tree = new.filter(|n| n.is_tree());
        if old_tree.is_some() || new_tree.is_some() {
            let old_raw = old_tree.map(|n| self.raw_tree(n.id)).transpose()?;
            let new_raw = new_tree.map(|n| self.raw_tree(n.id)).transpose()?;
            let oid_len = old_tree.or(new_tree).map_or(20, |n| n.id.as_bytes().len());
            let mut a = RawEntries::new(old_raw.as_deref().unwrap_or_default(), oid_len);
            let mut b = RawEntries::new(new_raw.as_deref().unwrap_or_default(), oid_len);
            // Both trees list their entries in git's order. Most entries of
            // a large folder are the same between neighbouring commits: skip
            // identical runs of bytes whole, then walk the entries side by
            // side and build a path only where the two differ.
            loop {
                a.skip_common_with(&mut b);
                match (a.peek(), b.peek()) {
                    (None, None) => break,
                    (Some(o), Some(n)) if o.name == n.name && o.is_tree() == n.is_tree() => {
                        if o != n {
                            self.diff_nodes(
                                &join(path, o.name),
                                Some(o.node()?),
                                Some(n.node()?),
                                out,
                            )?;
                        }
                        a.advance();
                        b.advance();
                    }
                    (Some(o), n)
                        if n.is_none_or(|n| {
                            git_order(o.name, o.is_tree(), n.name, n.is_tree()).is_lt()
                        }) =>
                    {
                        self.diff_nodes(&join(path, o.name), Some(o.node()?), None, out)?;
                        a.advance();
                    }
                    (_, Some(n)) => {
                        self.diff_nodes(&join(path, n.name), None, Some(n.node()?), out)?;
                        b.advance();
                    }
                    (Some(_), None) => unreachable!("handled by the arm above"),
                }
            }
        }
        let old_leaf = old.filter(|n| !n.is_tree());
        let new_leaf = new.filter(|n| !n.is_tree());
        if old_leaf != new_leaf {
            out.push(RawChange {
                path: path.to_owned(),
                old: old_leaf,
                new: new_leaf,
            });
        }
        Ok(())
    }
}

/// Reads the shallow graft points from `<common dir>/shallow`; none when the file is absent.
fn read_shallow(common_dir: &Path) -> Result<HashSet<Oid>, GitError> {
    let path = common_dir.join("shallow");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => {
            return Err(GitError::Git {
                context: format!("reading `{}`", path.display()),
                message: format!("{e}; check the file's permissions"),
            });
        }
    };
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            Oid::from_str(line).map_err(|_| GitError::Git {
                context: format!("reading `{}`", path.display()),
                message: format!(
                    "`{line}` is not an object id; repair the file with `git fetch --unshallow`"
                ),
            })
        })
        .collect()
}

/// A [`GitError::Git`] carrying `context` and git's message.
fn failed(context: impl Into<String>, e: &git2::Error) -> GitError {
    GitError::Git {
        context: context.into(),
        message: one_line(e.message()),
    }
}

/// Joins a message's lines so an error prints on one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The object id libgit2 names in a "not found" message, or `unknown`.
fn missing_id_from_message(message: &str) -> String {
    message
        .split(|c: char| !c.is_ascii_hexdigit())
        .find(|word| word.len() >= 7)
        .map_or_else(|| "unknown".to_owned(), str::to_owned)
}

/// Bytes as a String, with U+FFFD in place of invalid UTF-8.
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `dir/name`, or `name` at the root.
/// One entry of a raw tree object: `<mode> <name>\0<id>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RawEntry<'a> {
    mode: &'a [u8],
    name: &'a [u8],
    id: &'a [u8],
}

impl RawEntry<'_> {
    fn is_tree(&self) -> bool {
        self.mode == b"40000"
    }

    fn node(&self) -> Result<Node, GitError> {
        let mode = std::str::from_utf8(self.mode)
            .ok()
            .and_then(|m| i32::from_str_radix(m, 8).ok())
            .ok_or_else(|| GitError::Git {
                context: "reading a tree".into(),
                message: "a tree entry has no valid mode; run `git fsck`".into(),
            })?;
        // git writes 100664 and other legacy modes; treat them as git does.
        let mode = match mode {
            MODE_TREE | MODE_LINK | MODE_GITLINK | 0o100755 => mode,
            _ => 0o100644,
        };
        let id = Oid::from_bytes(self.id).map_err(|e| failed("reading a tree entry", &e))?;
        Ok(Node { id, mode })
    }
}

/// A cursor over the entries of a raw tree object.
struct RawEntries<'a> {
    data: &'a [u8],
    at: usize,
    oid_len: usize,
}

impl<'a> RawEntries<'a> {
    fn new(data: &'a [u8], oid_len: usize) -> Self {
        RawEntries {
            data,
            at: 0,
            oid_len,
        }
    }

    /// The entry at the cursor, if any (a truncated entry ends the tree).
    fn peek(&self) -> Option<RawEntry<'a>> {
        self.entry_at(self.at).map(|(entry, _)| entry)
    }

    fn advance(&mut self) {
        self.at = self
            .entry_at(self.at)
            .map_or(self.data.len(), |(_, end)| end);
    }

    fn entry_at(&self, at: usize) -> Option<(RawEntry<'a>, usize)> {
        let rest = self.data.get(at..)?;
        let space = memchr::memchr(b' ', rest)?;
        let nul = space + 1 + memchr::memchr(0, &rest[space + 1..])?;
        let end = nul + 1 + self.oid_len;
        let id = rest.get(nul + 1..end)?;
        Some((
            RawEntry {
                mode: &rest[..space],
                name: &rest[space + 1..nul],
                id,
            },
            at + end,
        ))
    }

    /// Moves both cursors past the whole entries they share, byte for byte.
    fn skip_common_with(&mut self, other: &mut RawEntries<'a>) {
        let (a, b) = (&self.data[self.at..], &other.data[other.at..]);
        let same = common_prefix(a, b);
        if same == 0 {
            return;
        }
        // Whole entries only: stop at the last boundary inside the shared bytes.
        let start = self.at;
        while let Some((_, end)) = self.entry_at(self.at) {
            if end - start > same {
                break;
            }
            self.at = end;
        }
        other.at += self.at - start;
    }
}

/// How many leading bytes two slices share, compared a block at a time
/// (slice equality is a `memcmp`).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= len && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..len]
        .iter()
        .zip(&b[at..len])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Git's order of tree entries: by name bytes, a folder's name compared
/// as if it ended in `/`.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then_with(|| {
        let next = |name: &[u8], tree: bool| name.get(n).copied().or(tree.then_some(b'/'));
        next(a, a_tree).cmp(&next(b, b_tree))
    })
}

fn join(dir: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if dir.is_empty() {
        name.into_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether `path` is `dir` or inside it (`""` holds everything).
fn is_under(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A repo-relative folder path with `./` prefixes and trailing slashes removed; `.` becomes `""`.
fn normalize_dir(dir: &str) -> String {
    let mut dir = dir.trim_end_matches('/');
    while let Some(rest) = dir.strip_prefix("./") {
        dir = rest.trim_start_matches('/');
    }
    if dir == "." {
        String::new()
    } else {
        dir.to_owned()
    }
}

/// Normalised, sorted prefixes with those inside another removed; an empty
/// list, or one holding the root, is the root alone.
/// The deepest folder that holds every one of `dirs`, if it is not the root.
fn common_parent(dirs: &[String]) -> Option<String> {
    let first: Vec<&str> = dirs.first()?.split('/').collect();
    let shared = dirs.iter().skip(1).fold(first.len(), |n, dir| {
        first
            .iter()
            .zip(dir.split('/'))
            .take(n)
            .take_while(|(a, b)| **a == *b)
            .count()
    });
    (shared > 0).then(|| first[..shared].join("/"))
}

fn normalize_dirs(dirs: &[String]) -> Vec<String> {
    let mut dirs: Vec<String> = dirs.iter().map(|d| normalize_dir(d)).collect();
    if dirs.is_empty() || dirs.iter().any(String::is_empty) {
        return vec![String::new()];
    }
    dirs.sort();
    dirs.dedup();
    let mut kept: Vec<String> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        // Sorted order puts `a` before `a/b`, but `a-b` may sit between them:
        // check every kept prefix, not only the last.
        if !kept.iter().any(|k| is_under(&dir, k)) {
            kept.push(dir);
        }
    }
    kept
}

/// A failed object read as a [`GitError`]: a missing object (a partial
/// clone) is `MissingObject`, anything else a `Git` error with `context`.
fn object_error(e: &git2::Error, context: String, what: &str, id: Option<Oid>) -> GitError {
    if e.code() == ErrorCode::NotFound && e.class() == ErrorClass::Odb {
        let id = id.map_or_else(
            || missing_id_from_message(e.message()),
            |oid| oid.to_string(),
        );
        return GitError::MissingObject {
            id,
            what: what.to_owned(),
        };
    }
    failed(context, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::process::Command;

    /// Runs git in `dir` with a fixed identity and date, isolated from the host's config.
    fn git(dir: &Path, args: &[&str]) -> String {
        git_at(dir, args, "2024-01-01T12:00:00+00:00")
    }

    fn git_at(dir: &Path, args: &[&str], date: &str) -> String {
        let home = dir.parent().unwrap_or(dir);
        let output = Command::new("git")
            .current_dir(dir)
            .args([
                "-c",
                "init.defaultBranch=main",
                "-c",
                "protocol.file.allow=always",
            ])
            .args(args)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada Lovelace")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_NAME", "Ada Lovelace")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_DATE", date)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }

    /// A temp folder holding `repo/`, an initialised repository.
    fn new_repo() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("repo");
        fs::create_dir(&dir).expect("mkdir");
        git(&dir, &["init", "-q"]);
        (tmp, dir)
    }

    fn commit_all(dir: &Path, message: &str) -> ObjectId {
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
        ObjectId(git(dir, &["rev-parse", "HEAD"]))
    }

    fn dirs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    /// Three commits: c1 adds research/a.md, research/b.md, src/main.rs;
    /// c2 modifies a.md, deletes b.md, adds research/sub/c.md; c3 changes only src/.
    fn history() -> (tempfile::TempDir, PathBuf, [ObjectId; 3]) {
        let (tmp, dir) = new_repo();
        write(&dir, "research/a.md", "a1\n");
        write(&dir, "research/b.md", "b1\n");
        write(&dir, "src/main.rs", "fn main() {}\n");
        let c1 = commit_all(&dir, "first");
        git(&dir, &["tag", "v1.0"]);
        write(&dir, "research/a.md", "a2\n");
        fs::remove_file(dir.join("research/b.md")).expect("rm");
        write(&dir, "research/sub/c.md", "c1\n");
        let c2 = commit_all(&dir, "second\n\nbody line");
        git(&dir, &["tag", "-a", "v2.0", "-m", "annotated"]);
        write(&dir, "src/main.rs", "fn main() { println!(); }\n");
        let c3 = commit_all(&dir, "third");
        (tmp, dir, [c1, c2, c3])
    }

    #[test]
    fn object_id_short_and_display() {
        let id = ObjectId("0123456789abcdef0123456789abcdef01234567".to_owned());
        assert_eq!(id.short(), "0123456");
        assert_eq!(id.to_string(), id.0);
        assert_eq!(ObjectId("ab".to_owned()).short(), "ab");
    }

    #[test]
    fn resolves_revisions() {
        let (_tmp, dir, [c1, c2, c3]) = history();
        let repo = Repo::discover(&dir.join("research")).expect("discover");
        assert_eq!(repo.resolve("HEAD").expect("HEAD"), c3);
        assert_eq!(repo.head().expect("head"), c3);
        assert_eq!(repo.resolve("HEAD~1").expect("HEAD~1"), c2);
        assert_eq!(repo.resolve("main").expect("branch"), c3);
        assert_eq!(repo.resolve("v1.0").expect("tag"), c1);
        assert_eq!(repo.resolve("v2.0").expect("annotated tag"), c2);
        assert_eq!(repo.resolve(&c1.0[..10]).expect("prefix"), c1);
        assert!(!repo.is_shallow());
        for rev in ["nope", "HEAD~10", "main..", "HEAD^{tree}"] {
            let err = repo.resolve(rev).expect_err(rev);
            assert!(
                matches!(err, GitError::UnknownRevision { .. } | GitError::Git { .. }),
                "{rev}: {err:?}"
            );
        }
        let err = repo.resolve("nope").expect_err("unknown");
        assert!(matches!(err, GitError::UnknownRevision { ref rev } if rev == "nope"));
        assert_eq!(
            err.to_string(),
            "unknown revision `nope`; check the name with `git rev-parse nope`"
        );
    }

    #[test]
    fn empty_repository() {
        let (_tmp, dir) = new_repo();
        let repo = Repo::discover(&dir).expect("discover");
        assert!(matches!(repo.head(), Err(GitError::EmptyRepository)));
        assert!(matches!(
            repo.resolve("HEAD~1"),
            Err(GitError::EmptyRepository)
        ));
        assert!(matches!(
            repo.resolve("main"),
            Err(GitError::EmptyRepository)
        ));
        assert_eq!(repo.workdir().map(canon), Some(canon(&dir)));
    }

    #[test]
    fn not_a_repository() {
        let tmp = tempfile::tempdir().expect("tempdir");
        // A ceiling would be ideal; a temp dir is normally outside any repository.
        match Repo::discover(tmp.path()) {
            Err(GitError::NotARepository { path }) => assert_eq!(path, tmp.path()),
            // The host put its temp dir inside a repository: nothing to test here.
            Ok(_) => assert!(
                std::env::temp_dir()
                    .ancestors()
                    .any(|d| d.join(".git").exists())
            ),
            Err(other) => panic!("unexpected error: {other}"),
        }
    }

    #[test]
    fn commit_metadata() {
        let (_tmp, dir, [c1, c2, _]) = history();
        let repo = Repo::discover(&dir).expect("discover");
        let info = repo.commit(&c2).expect("commit");
        assert_eq!(info.id, c2);
        assert_eq!(info.parents, vec![c1.clone()]);
        assert_eq!(info.author, "Ada Lovelace");
        assert_eq!(info.email, "ada@example.com");
        assert_eq!(info.time, 1_704_110_400);
        assert_eq!(info.offset_minutes, 0);
        assert_eq!(info.summary, "second");
        assert_eq!(info.message, "second\n\nbody line\n");
        assert!(repo.commit(&c1).expect("root").parents.is_empty());
        let bogus = ObjectId("1".repeat(40));
        assert!(repo.commit(&bogus).is_err());
        assert!(matches!(
            repo.commit(&ObjectId("abc".to_owned())),
            Err(GitError::UnknownRevision { .. })
        ));
    }

    #[test]
    fn tree_files_under_prefixes() {
        let (_tmp, dir, [c1, c2, _]) = history();
        let repo = Repo::discover(&dir).expect("discover");
        let paths = |files: Vec<TreeFile>| files.into_iter().map(|f| f.path).collect::<Vec<_>>();
        assert_eq!(
            paths(repo.tree_files(&c2, &dirs(&["research"])).expect("files")),
            ["research/a.md", "research/sub/c.md"]
        );
        assert_eq!(
            paths(
                repo.tree_files(&c2, &dirs(&["research/", "research/sub", "src"]))
                    .expect("files")
            ),
            ["research/a.md", "research/sub/c.md", "src/main.rs"]
        );
        assert_eq!(
            paths(repo.tree_files(&c1, &dirs(&["."])).expect("files")),
            ["research/a.md", "research/b.md", "src/main.rs"]
        );
        assert!(
            repo.tree_files(&c1, &dirs(&["missing"]))
                .expect("files")
                .is_empty()
        );
        assert!(repo.exists_in_commit(&c2, "research/sub").expect("exists"));
        assert!(repo.exists_in_commit(&c2, "research/a.md").expect("exists"));
        assert!(!repo.exists_in_commit(&c2, "research/b.md").expect("exists"));
        assert!(repo.exists_in_commit(&c1, "research/b.md").expect("exists"));
        assert!(
            !repo
                .exists_in_commit(&c1, "research/a.md/x")
                .expect("exists")
        );
    }

    #[cfg(unix)]
    #[test]
    fn blob_bytes_and_symlinks() {
        let (_tmp, dir) = new_repo();
        write(&dir, "docs/note.md", "hello\n");
        std::os::unix::fs::symlink("note.md", dir.join("docs/link.md")).expect("symlink");
        let c = commit_all(&dir, "docs");
        let repo = Repo::discover(&dir).expect("discover");
        let files = repo.tree_files(&c, &dirs(&["docs"])).expect("files");
        assert_eq!(files.len(), 2);
        assert_eq!(
            (files[0].path.as_str(), files[0].symlink),
            ("docs/link.md", true)
        );
        assert_eq!(
            (files[1].path.as_str(), files[1].symlink),
            ("docs/note.md", false)
        );
        assert_eq!(repo.blob(&files[0].blob).expect("blob"), b"note.md");
        assert_eq!(repo.blob(&files[1].blob).expect("blob"), b"hello\n");
        let absent = ObjectId("2".repeat(40));
        assert!(
            matches!(repo.blob(&absent), Err(GitError::MissingObject { ref what, .. }) if what == "blob")
        );
    }

    #[test]
    fn index_files_after_add() {
        let (_tmp, dir, [_, _, c3]) = history();
        let repo = Repo::discover(&dir).expect("discover");
        write(&dir, "research/new.md", "new\n");
        write(&dir, "research/unstaged.md", "no\n");
        git(&dir, &["add", "research/new.md"]);
        let files = repo.index_files(&dirs(&["research"])).expect("index");
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["research/a.md", "research/new.md", "research/sub/c.md"]
        );
        assert_eq!(repo.blob(&files[1].blob).expect("blob"), b"new\n");
        assert!(repo.exists_in_index("research/new.md").expect("exists"));
        assert!(repo.exists_in_index("research/sub").expect("exists"));
        assert!(repo.exists_in_index("research/sub/").expect("exists"));
        assert!(
            !repo
                .exists_in_index("research/unstaged.md")
                .expect("exists")
        );
        assert!(!repo.exists_in_index("research/su").expect("exists"));
        assert_eq!(
            repo.changed_paths_to_worktree(&c3, true).expect("cached"),
            ["research/new.md"]
        );
    }

    #[test]
    fn diff_between_commits() {
        let (_tmp, dir, [c1, c2, c3]) = history();
        let repo = Repo::discover(&dir).expect("discover");
        let research = dirs(&["research"]);
        let changes = repo.diff_commits(Some(&c1), &c2, &research).expect("diff");
        assert_eq!(
            statuses(&changes),
            [
                (ChangeStatus::Modified, "research/a.md"),
                (ChangeStatus::Deleted, "research/b.md"),
                (ChangeStatus::Added, "research/sub/c.md"),
            ]
        );
        assert!(changes[0].old_blob.is_some() && changes[0].new_blob.is_some());
        assert!(changes[1].new_blob.is_none());
        assert_eq!(
            repo.blob(changes[2].new_blob.as_ref().expect("new"))
                .expect("blob"),
            b"c1\n"
        );
        // c3 only touched src/: the research subtree is identical and skipped.
        assert!(
            repo.diff_commits(Some(&c2), &c3, &research)
                .expect("diff")
                .is_empty()
        );
        assert_eq!(
            repo.diff_commits(Some(&c2), &c3, &[]).expect("diff")[0].path,
            "src/main.rs"
        );
        // Root commit against the empty tree.
        let root: Vec<_> = repo.diff_commits(None, &c1, &[]).expect("diff");
        assert!(
            root.iter()
                .all(|c| c.status == ChangeStatus::Added && c.old_blob.is_none())
        );
        assert_eq!(root.len(), 3);
        assert!(
            repo.diff_commits(None, &c1, &dirs(&["nowhere"]))
                .expect("diff")
                .is_empty()
        );
        assert_eq!(
            repo.changed_paths(&c1, &c3).expect("paths"),
            [
                "research/a.md",
                "research/b.md",
                "research/sub/c.md",
                "src/main.rs"
            ]
        );
    }

    #[test]
    fn diff_file_replaced_by_folder() {
        let (_tmp, dir) = new_repo();
        write(&dir, "notes", "file\n");
        let c1 = commit_all(&dir, "file");
        fs::remove_file(dir.join("notes")).expect("rm");
        write(&dir, "notes/x.md", "x\n");
        let c2 = commit_all(&dir, "folder");
        let repo = Repo::discover(&dir).expect("discover");
        let changes = repo
            .diff_commits(Some(&c1), &c2, &dirs(&["notes"]))
            .expect("diff");
        assert_eq!(
            statuses(&changes),
            [
                (ChangeStatus::Deleted, "notes"),
                (ChangeStatus::Added, "notes/x.md")
            ]
        );
    }

    #[test]
    fn changed_paths_to_worktree_includes_untracked() {
        let (_tmp, dir, [c1, _, c3]) = history();
        write(&dir, ".gitignore", "*.log\n");
        write(&dir, "debug.log", "ignored\n");
        write(&dir, "src/new/lib.rs", "untracked\n");
        write(&dir, "src/main.rs", "edited\n");
        let repo = Repo::discover(&dir).expect("discover");
        assert_eq!(
            repo.changed_paths_to_worktree(&c3, false)
                .expect("worktree"),
            [".gitignore", "src/main.rs", "src/new/lib.rs"]
        );
        assert!(
            repo.changed_paths_to_worktree(&c3, true)
                .expect("cached")
                .is_empty()
        );
        let from_c1 = repo
            .changed_paths_to_worktree(&c1, false)
            .expect("worktree");
        assert!(from_c1.contains(&"research/b.md".to_owned()), "{from_c1:?}");
    }

    #[test]
    fn walk_merge_base_and_first_parent() {
        let (_tmp, dir) = new_repo();
        write(&dir, "f", "0\n");
        let base = commit_all(&dir, "base");
        git(&dir, &["checkout", "-q", "-b", "topic"]);
        write(&dir, "t", "1\n");
        let topic = ObjectId({
            git_at(&dir, &["add", "-A"], "2024-01-02T12:00:00+00:00");
            git_at(
                &dir,
                &["commit", "-q", "-m", "topic"],
                "2024-01-02T12:00:00+00:00",
            );
            git(&dir, &["rev-parse", "HEAD"])
        });
        git(&dir, &["checkout", "-q", "main"]);
        write(&dir, "m", "1\n");
        git_at(&dir, &["add", "-A"], "2024-01-03T12:00:00+00:00");
        git_at(
            &dir,
            &["commit", "-q", "-m", "main"],
            "2024-01-03T12:00:00+00:00",
        );
        let main = ObjectId(git(&dir, &["rev-parse", "HEAD"]));
        git_at(
            &dir,
            &["merge", "-q", "--no-ff", "-m", "merge", "topic"],
            "2024-01-04T12:00:00+00:00",
        );
        let merge = ObjectId(git(&dir, &["rev-parse", "HEAD"]));
        let repo = Repo::discover(&dir).expect("discover");

        let all = repo.walk(&merge, None, false).expect("walk");
        assert_eq!(
            all,
            [merge.clone(), main.clone(), topic.clone(), base.clone()]
        );
        let first = repo.walk(&merge, None, true).expect("walk");
        assert_eq!(first, [merge.clone(), main.clone(), base.clone()]);
        let hidden = repo.walk(&merge, Some(&main), false).expect("walk");
        assert_eq!(hidden, [merge.clone(), topic.clone()]);
        assert_eq!(repo.merge_base(&main, &topic).expect("base"), base);
        assert_eq!(repo.commit(&merge).expect("merge").parents, [main, topic]);
    }

    #[test]
    fn branch_tips_include_remote_tracking() {
        let (tmp, dir, [_, c2, c3]) = history();
        git(&dir, &["branch", "old", c2.0.as_str()]);
        let clone = tmp.path().join("clone");
        let url = format!("file://{}", dir.display());
        git(
            tmp.path(),
            &["clone", "-q", url.as_str(), clone.to_str().expect("utf-8")],
        );
        git(&clone, &["checkout", "-q", "-b", "local", c2.0.as_str()]);
        let repo = Repo::discover(&clone).expect("discover");
        let tips = repo.branch_tips().expect("tips");
        let expected = [
            ("local".to_owned(), c2.clone()),
            ("main".to_owned(), c3.clone()),
            ("origin/main".to_owned(), c3.clone()),
            ("origin/old".to_owned(), c2.clone()),
        ];
        assert_eq!(tips, expected);
        assert_eq!(repo.resolve("origin/old").expect("remote branch"), c2);
    }

    #[test]
    fn shallow_clone_reports_missing_history() {
        let (tmp, dir, [_, _, c3]) = history();
        let clone = tmp.path().join("shallow");
        let url = format!("file://{}", dir.display());
        git(
            tmp.path(),
            &[
                "clone",
                "-q",
                "--depth",
                "1",
                url.as_str(),
                clone.to_str().expect("utf-8"),
            ],
        );
        let repo = Repo::discover(&clone).expect("discover");
        assert!(repo.is_shallow());
        assert_eq!(repo.resolve("HEAD").expect("HEAD"), c3);
        for rev in ["HEAD~1", "HEAD~50", "HEAD^2", "v1.0"] {
            match repo.resolve(rev) {
                Err(GitError::Shallow { rev: r }) => assert_eq!(r, rev),
                other => panic!("{rev}: expected Shallow, got {other:?}"),
            }
        }
        let err = repo.walk(&c3, None, false).expect_err("walk past boundary");
        assert!(matches!(err, GitError::Shallow { .. }), "{err:?}");
        assert!(err.to_string().contains("fetch-depth: 0"));
        assert!(repo.commit(&c3).expect("commit").parents.is_empty());
        assert_eq!(
            repo.tree_files(&c3, &dirs(&["research"]))
                .expect("files")
                .len(),
            2
        );
    }

    #[test]
    fn linked_worktree() {
        let (tmp, dir, [_, c2, _]) = history();
        let linked = tmp.path().join("linked");
        git(
            &dir,
            &[
                "worktree",
                "add",
                "-q",
                "-b",
                "wt",
                linked.to_str().expect("utf-8"),
                c2.0.as_str(),
            ],
        );
        write(&linked, "research/wt.md", "wt\n");
        let repo = Repo::discover(&linked.join("research")).expect("discover");
        assert_eq!(repo.workdir().map(canon), Some(canon(&linked)));
        assert_eq!(repo.head().expect("head"), c2);
        assert_eq!(
            repo.changed_paths_to_worktree(&c2, false)
                .expect("worktree"),
            ["research/wt.md"]
        );
        let tips = repo.branch_tips().expect("tips");
        assert!(tips.iter().any(|(name, id)| name == "wt" && *id == c2));
    }

    #[test]
    fn bare_repository() {
        let (tmp, dir, [_, _, c3]) = history();
        let bare = tmp.path().join("bare.git");
        git(
            tmp.path(),
            &[
                "clone",
                "-q",
                "--bare",
                dir.to_str().expect("utf-8"),
                bare.to_str().expect("utf-8"),
            ],
        );
        let repo = Repo::discover(&bare).expect("discover");
        assert!(repo.workdir().is_none());
        assert_eq!(repo.head().expect("head"), c3);
        assert!(matches!(
            repo.changed_paths_to_worktree(&c3, false),
            Err(GitError::BareRepository)
        ));
        assert!(matches!(
            repo.index_files(&[]),
            Err(GitError::BareRepository)
        ));
    }

    #[test]
    fn user_name_from_config() {
        let (_tmp, dir) = new_repo();
        git(&dir, &["config", "user.name", "Grace Hopper"]);
        let repo = Repo::discover(&dir).expect("discover");
        assert_eq!(repo.user_name().as_deref(), Some("Grace Hopper"));
    }

    #[test]
    fn normalizes_prefixes() {
        assert_eq!(normalize_dirs(&[]), [""]);
        assert_eq!(normalize_dirs(&dirs(&["a", "."])), [""]);
        assert_eq!(
            normalize_dirs(&dirs(&["./a/", "a/b", "a-b", "a"])),
            ["a", "a-b"]
        );
        assert!(is_under("a/b", "a") && is_under("a", "a") && !is_under("ab", "a"));
        let dirs = |d: &[&str]| d.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            common_parent(&dirs(&["r/e", "r/s", "r/d/x"])).as_deref(),
            Some("r")
        );
        assert_eq!(common_parent(&dirs(&["r/e"])).as_deref(), Some("r/e"));
        assert_eq!(common_parent(&dirs(&["a/e", "b/e"])), None);
    }

    /// Each change as (status, path), for comparing with a literal.
    fn statuses(changes: &[TreeChange]) -> Vec<(ChangeStatus, &str)> {
        changes
            .iter()
            .map(|c| (c.status, c.path.as_str()))
            .collect()
    }

    fn canon(path: &Path) -> PathBuf {
        path.canonicalize().expect("canonicalize")
    }
}
