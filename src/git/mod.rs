//! The repository, and the only module that uses `git2`.
//!
//! [`Repo`] wraps a `git2::Repository` and answers the questions the rest of
//! cairn asks of git — resolve a revision, list the files of a tree or of the
//! index, read a blob, compare two trees, walk history, list branch tips — in
//! the project's own types: [`ObjectId`], [`CommitInfo`], [`TreeFile`],
//! [`TreeChange`] and [`GitError`]. No `git2` type appears in a public
//! signature, and nothing here ever writes to the repository or checks
//! anything out.
//!
//! The rooms: `id.rs` (object ids), `error.rs` (what can fail and what to do
//! about it), `commit.rs` (commit metadata and history walks), `tree.rs`
//! (files of a tree, tree diffs) over `raw_tree.rs` (the raw tree-object
//! reader); this file holds the handle, the index, blobs and branches.
//!
//! Invariants: every path returned is repo-relative with `/` separators (a
//! path that is not valid UTF-8 is converted lossily, with U+FFFD in place of
//! the bad bytes); every list is sorted by path; submodule entries are never
//! reported as files. A shallow clone never yields a silently truncated
//! answer: asking for history behind its boundary is a [`GitError::Shallow`].

mod commit;
mod error;
mod id;
mod raw_tree;
mod tree;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use git2::{ErrorClass, ErrorCode, Oid, Repository, RepositoryOpenFlags};

pub use commit::CommitInfo;
pub use error::GitError;
use error::{failed, object_error, one_line};
pub use id::ObjectId;
pub use tree::{ChangeStatus, TreeChange, TreeFile};
use tree::{is_under, normalize_dir, normalize_dirs};

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

/// The option of the vendored libgit2 that sets its delta-base cache limit
/// (`GIT_OPT_SET_PACK_CACHE_MEMORY_LIMIT`, see vendor/README.md).
const OPT_SET_PACK_CACHE_MEMORY_LIMIT: std::ffi::c_int = 10000;

/// The option of the vendored libgit2 that says where an object is stored
/// in the packs (`GIT_OPT_CAIRN_PACK_POSITION`, see vendor/README.md).
const OPT_CAIRN_PACK_POSITION: std::ffi::c_int = 10001;

/// How many blobs a thread reads in a row when a snapshot's blobs are read
/// in pack order ([`Repo::map_blobs_within`]): the threads take such runs
/// in turn, so they read from the same stretch of the pack.
const BLOBS_A_RUN: usize = 64;

/// The pack windows, and all of them together, when blobs cannot be read
/// in the pack's order (a libgit2 without the vendored patch): 128 MiB,
/// 256 MiB mapped. Reading a revision's records by path through 16 MiB
/// windows, 64 MiB mapped, took a cold `validate --rev HEAD` of 100,000
/// records 5.4 s; through these, 3.3 s.
const UNSORTED_WINDOWS: (usize, usize) = (128 << 20, 256 << 20);

/// What a command reads from the packs, which sets how much of them
/// libgit2 keeps in memory: how many delta bases (the objects others are
/// stored as differences from), and how much of the pack files is mapped
/// at once, in windows of what size.
///
/// When the delta-base cache is full, the vendored libgit2 frees the
/// bases used longest ago until half of it is free (upstream empties it
/// whole), so the bases a reader keeps coming back to stay. Mapped pages
/// count in peak memory; with less mapped, reads that jump about a large
/// pack map and unmap the same stretches again and again. What suits each
/// command was measured on the benchmark logs (docs/performance.md): the
/// 10,000- and 100,000-record logs, whose packs are 57 MB and 490 MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The record files of a revision or two, read in the order they are
    /// stored ([`Repo::map_blobs_within`]): `validate --rev`, the gate,
    /// `list --rev`. What every command reads unless it says otherwise.
    /// 1 MiB of delta bases (few blobs of one revision share a chain, and
    /// what a cache held were the bases of the folder trees listed first),
    /// 2 MiB windows, 4 MiB mapped: read in the pack's order, the blobs
    /// come window after window, so a cold `validate --rev HEAD` took the
    /// same time with 2 MiB as with 8 MiB windows, 16 MiB mapped (2.45–2.48
    /// against 2.46–2.47 s on 100,000 records), and peaked 51–55 MB
    /// instead of 60–63 MB on 10,000 (374 MB instead of 380–386 MB on
    /// 100,000). Before the pack's order, 2.2 s and 698 MB with 96 MiB of
    /// bases and 128 MiB windows, 256 MiB mapped (git's `cat-file
    /// --batch`: 483 MB). With 16 MiB of bases the same time, 10–25 MB
    /// more, on that log and the 10,000-record one, for the gate of a
    /// branch of 2 or 500 commits too.
    Snapshots,
    /// Every version of the record folders' trees, as `summary` reads
    /// them, in history's order, which jumps about the pack more. Both
    /// limits grow with the packs the walk reads from ([`Reading::walk_share`]):
    /// a quarter of their size, for delta bases at least 32 MiB and at most
    /// git's own 96 MiB (`core.deltaBaseCacheLimit`), mapped at least
    /// 32 MiB and at most 64 MiB, in windows of half that. On the
    /// 10,000-record log (32 MiB of bases, 16 MiB windows, 32 MiB mapped)
    /// a cold `summary` took 2.6 s and 148 MB, against 2.2 s and 190 MB
    /// with 32 MiB windows, 64 MiB mapped, and 2.0 s and 275 MB with
    /// 96 MiB of bases (git's log: 4.6 s, 175 MB); on the 100,000-record
    /// one (96 MiB, 32 MiB windows, 64 MiB mapped) 42 s and 732 MB, where
    /// 48 MiB of bases took 53 s.
    Walk,
    /// The versions of one record's path, as `log` follows it: 16 MiB of
    /// delta bases (the same time as 48 MiB, 36 MB less on the
    /// 10,000-record log and 34 MB less on the 100,000-record one), 8 MiB
    /// windows, 16 MiB mapped (the same time as 128 MiB windows, 256 MiB
    /// mapped, and 81 MB against 128 MB there); what the cache frees
    /// stays in the C allocator's heap for the next bases
    /// ([`keep_freed_bases`]).
    Follow,
    /// Two revisions' trees and the records that differ, as `diff` reads
    /// them: 8 MiB of delta bases (59 MB instead of 83 MB with 32 MiB on
    /// the 10,000-record log, 184 MB instead of 219 MB on the
    /// 100,000-record one, the same time), 8 MiB windows, 16 MiB mapped.
    Compare,
}

impl Reading {
    /// The delta-base cache's limit in bytes, for a reading of packs of
    /// `packed` bytes in all.
    pub fn delta_bases(self, packed: u64) -> usize {
        match self {
            Reading::Snapshots => 1 << 20,
            Reading::Walk => Reading::walk_share(packed).clamp(32 << 20, 96 << 20),
            Reading::Follow => 16 << 20,
            Reading::Compare => 8 << 20,
        }
    }

    /// The size of one mapped window of a pack file, and of all mapped
    /// windows together, in bytes, for a reading of packs of `packed`
    /// bytes in all.
    pub fn windows(self, packed: u64) -> (usize, usize) {
        match self {
            Reading::Walk => {
                let mapped = Reading::walk_share(packed).clamp(32 << 20, 64 << 20);
                (mapped / 2, mapped)
            }
            Reading::Snapshots => (2 << 20, 4 << 20),
            Reading::Follow | Reading::Compare => (8 << 20, 16 << 20),
        }
    }

    /// What a history walk may keep of packs of `packed` bytes: a quarter
    /// of them. A walk rebuilds each version of the folder trees from its
    /// chain of deltas; the more history is packed, the more of those
    /// bases it comes back to.
    fn walk_share(packed: u64) -> usize {
        usize::try_from(packed / 4).unwrap_or(usize::MAX)
    }

    /// Sets libgit2's limits for this reading of packs of `packed` bytes,
    /// for every handle in the process: whether it took the delta-base
    /// limit (see [`Repo::read_for`]).
    fn set(self, packed: u64) -> bool {
        // SAFETY: the delta-base option takes one `size_t` (`usize` on
        // every target Rust and libgit2 share) and only stores it; an
        // unknown option is refused with -1 and changes nothing. The two
        // pack-window setters store a size for windows mapped from now
        // on. Callers set these before reading starts, not while other
        // threads read.
        let patched = unsafe {
            let patched = libgit2_sys::git_libgit2_opts(
                OPT_SET_PACK_CACHE_MEMORY_LIMIT,
                self.delta_bases(packed),
            ) == 0;
            // A libgit2 without the vendored patch cannot say where blobs
            // are stored, so a revision's records are read by path, all
            // over the pack: small windows would be mapped and unmapped
            // again and again.
            let (window, mapped) = if patched {
                self.windows(packed)
            } else {
                UNSORTED_WINDOWS
            };
            let _ = git2::opts::set_mwindow_size(window);
            let _ = git2::opts::set_mwindow_mapped_limit(mapped);
            patched
        };
        if self == Reading::Follow {
            keep_freed_bases(self.delta_bases(packed));
        }
        patched
    }
}

/// Has the C allocator (which libgit2 allocates from) keep up to `bytes`
/// of freed memory for what is allocated next, instead of handing it back
/// to the system at once.
///
/// A delta-base cache smaller than the bases a walk comes back to frees
/// and allocates bases of a few hundred KB all the time. glibc's malloc
/// puts such sizes in their own mappings or trims them off the top of
/// its heap as soon as they are freed, and each new base then faults its
/// pages in again: a cold `log` on the 10,000-record log took 65,000
/// page faults and 0.22 s in the kernel with a 16 MiB cache, against
/// 12,000 and 0.05 s once glibc keeps the freed bases (0.98–1.10 s
/// instead of 1.08–1.27 s, 51 MB instead of 48 MB). `summary`, which
/// keeps a larger cache, took the same time either way and 5–20 MB more
/// when it kept freed memory, so only `log` asks for this. The setting lasts for the
/// process (glibc cannot go back to sizing its thresholds itself): the
/// one reading that can follow it, the whole-history walk of a `log`
/// whose id is no record at the tip, keeps freed memory too.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_bases(bytes: usize) {
    let bytes = std::ffi::c_int::try_from(bytes).unwrap_or(std::ffi::c_int::MAX);
    // SAFETY: `mallopt` only sets two of malloc's tunables; it is called
    // before reading starts, from the thread that reads.
    unsafe {
        // Allocations below a quarter of the cache come from the heap...
        libc::mallopt(libc::M_MMAP_THRESHOLD, bytes / 4);
        // ...which keeps up to the cache's size free at its top.
        libc::mallopt(libc::M_TRIM_THRESHOLD, bytes);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_bases(_bytes: usize) {}

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
    /// The root tree of each commit read so far: a walk compares each
    /// commit twice (as the newer side, then as the parent of the next
    /// step), and the first-parent chain learns them all in one pass.
    commit_trees: RefCell<HashMap<Oid, Oid>>,
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
            // No object cache: libgit2 evicts from it by scanning its hash
            // table from the start, which grows with every object a walk
            // has read, so a walk over 200,000 commits spent a fifth of its
            // time there; its memory came on top of the pack's. What is
            // read twice on purpose (a folder's tree, as the new side of
            // one commit and the old side of the next) is kept by the
            // tree comparison's own few last raw trees.
            git2::opts::enable_caching(false);
            // Pack files are mapped a window at a time (a pack and its
            // windows are shared by every handle in the process), by
            // libgit2's defaults 1 GiB windows and 8 GiB in all, as git
            // does; peak memory counts the pages touched. Each command
            // reads with the windows and delta bases that suit it
            // (`Reading`); until it says, those of a snapshot's reads.
            Reading::Snapshots.set(0);
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
            commit_trees: RefCell::default(),
        })
    }

    /// Sets how much of the packs libgit2 keeps for what is read next
    /// ([`Reading`]), for every handle in the process (the packs, their
    /// windows and caches are shared). Set it before reading starts, not
    /// while other threads read.
    ///
    /// Whether libgit2 took the delta-base limit: a libgit2 without the
    /// vendored patch (a crates.io build) does not know the option and
    /// keeps its fixed 16 MiB, which the commands do with as well.
    pub fn read_for(&self, reading: Reading) -> bool {
        let packed = match reading {
            Reading::Walk => self.packed_bytes(),
            Reading::Snapshots | Reading::Follow | Reading::Compare => 0,
        };
        reading.set(packed)
    }

    /// The size of the pack files this repository reads objects from, in
    /// bytes: those of its object folder and of the folders it borrows
    /// from (`objects/info/alternates`, `GIT_ALTERNATE_OBJECT_DIRECTORIES`),
    /// as git follows them, five deep. What cannot be read counts nothing:
    /// it only sizes a cache.
    pub fn packed_bytes(&self) -> u64 {
        let mut folders: Vec<PathBuf> = Vec::new();
        let own = std::env::var_os("GIT_OBJECT_DIRECTORY")
            .filter(|d| !d.is_empty())
            .map_or_else(|| self.common_dir().join("objects"), PathBuf::from);
        let mut next = vec![(own, 0)];
        if let Some(borrowed) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
            next.extend(std::env::split_paths(&borrowed).map(|dir| (dir, 1)));
        }
        while let Some((dir, depth)) = next.pop() {
            let Ok(dir) = dir.canonicalize() else {
                continue;
            };
            if folders.contains(&dir) {
                continue;
            }
            if depth < 5 {
                let alternates =
                    fs::read_to_string(dir.join("info/alternates")).unwrap_or_default();
                for line in alternates.lines().map(str::trim) {
                    if !line.is_empty() && !line.starts_with('#') {
                        next.push((dir.join(line), depth + 1));
                    }
                }
            }
            folders.push(dir);
        }
        folders
            .iter()
            .filter_map(|dir| fs::read_dir(dir.join("pack")).ok())
            .flatten()
            .filter_map(Result::ok)
            .filter(|entry| entry.path().extension().is_some_and(|e| e == "pack"))
            .filter_map(|entry| entry.metadata().ok())
            .map(|meta| meta.len())
            .sum()
    }

    /// The git directory every worktree of the repository shares (in a
    /// linked worktree, the main one's `.git`): where cairn keeps its cache.
    pub fn common_dir(&self) -> &Path {
        self.repo.commondir()
    }

    /// This work tree's own git directory (in a linked worktree,
    /// `.git/worktrees/<name>` of the main one): where cairn keeps what
    /// belongs to one work tree, such as the stat of its files.
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
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
            let mode = entry.mode as i32;
            // A symlink above a kind folder is listed too, so that the
            // reader reports it as it does in the working tree.
            if !dirs
                .iter()
                .any(|d| is_under(&path, d) || (mode == MODE_LINK && is_under(d, &path)))
            {
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

    /// A blob's bytes, or — when its object header says it is larger than
    /// `limit` — only its size: an oversized blob is never inflated.
    pub fn blob_within(&self, id: &ObjectId, limit: u64) -> Result<Result<Vec<u8>, u64>, GitError> {
        let oid = id.to_oid()?;
        // A header that cannot be read (a missing object) is left to
        // `blob`, which says what to fetch.
        if let Ok((size, _)) = self.repo.odb().and_then(|odb| odb.read_header(oid)) {
            if size as u64 > limit {
                return Ok(Err(size as u64));
            }
        }
        self.blob(id).map(Ok)
    }

    /// [`Repo::blob_within`] for many blobs, in parallel, in the order of
    /// `ids` (read in pack order, as [`Repo::map_blobs_within`] reads them).
    pub fn blobs_within(
        &self,
        ids: &[ObjectId],
        limit: u64,
    ) -> Result<Vec<Result<Vec<u8>, u64>>, GitError> {
        self.map_blobs_within(ids, limit, |_, read| read)
    }

    /// [`Repo::blob_within`] for many blobs, in parallel, each handed to
    /// `each` (with its place in `ids`) on the thread that read it: the
    /// results come back in the order of `ids`, and no blob's bytes need
    /// outlive the call that uses them.
    ///
    /// The blobs are read in the order they are stored in the packs, not
    /// in the order of `ids` (a tree's, by path): the record files of one
    /// revision are spread over the whole pack, and read by path they made
    /// libgit2 map and unmap the same stretches of a large pack again and
    /// again (it keeps only so much of the packs mapped at once).
    pub fn map_blobs_within<R: Send>(
        &self,
        ids: &[ObjectId],
        limit: u64,
        each: impl Fn(usize, Result<Vec<u8>, u64>) -> R + Sync,
    ) -> Result<Vec<R>, GitError> {
        let places = self.in_pack_order(ids);
        let mut read = self.abreast(&places, BLOBS_A_RUN, |repo, &at| {
            Ok((at, each(at, repo.blob_within(&ids[at], limit)?)))
        })?;
        read.sort_unstable_by_key(|(at, _)| *at);
        Ok(read.into_iter().map(|(_, result)| result).collect())
    }

    /// The places of `ids` in the order their objects are stored: by pack,
    /// then by offset in it. Objects that are in no pack (loose ones), and
    /// all of them when this libgit2 cannot say (a build without the
    /// vendored patch), come last, in the order given.
    pub fn in_pack_order(&self, ids: &[ObjectId]) -> Vec<usize> {
        let Ok(odb) = self.repo.odb() else {
            return (0..ids.len()).collect();
        };
        let mut places: Vec<(Option<(u64, u64)>, usize)> = ids
            .iter()
            .enumerate()
            .map(|(at, id)| (pack_position(&odb, id), at))
            .collect();
        // None sorts first; loose objects go after the packed ones.
        places.sort_unstable_by_key(|&(position, at)| (position.is_none(), position, at));
        places.into_iter().map(|(_, at)| at).collect()
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
        let handle = self.handle();
        let run = items.len().div_ceil(threads * runs_per_thread).max(16);
        let parts: Vec<Result<Vec<R>, GitError>> = items
            .par_chunks(run)
            .map(|part| {
                let worker = handle.open()?;
                part.iter().map(|item| work(&worker, item)).collect()
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for part in parts {
            out.extend(part?);
        }
        Ok(out)
    }

    /// Applies `work` to every item, on every core at once, results in the
    /// order of `items`. Unlike [`Repo::in_parallel`], which gives each
    /// thread its own stretch of the items, the threads take runs of
    /// `run` items in turn from the front, so that at any moment they
    /// work on neighbouring items: comparing neighbouring commits, they
    /// read the same delta chains, which libgit2's cache of delta bases
    /// (one per pack, shared by every handle) then keeps for both. This
    /// thread works too, on this handle.
    fn abreast<T: Sync, R: Send>(
        &self,
        items: &[T],
        run: usize,
        work: impl Fn(&Repo, &T) -> Result<R, GitError> + Sync,
    ) -> Result<Vec<R>, GitError> {
        use std::sync::Mutex;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let threads = rayon::current_num_threads();
        let runs: Vec<&[T]> = items.chunks(run.max(1)).collect();
        if runs.len() < 2 || threads < 2 {
            return items.iter().map(|item| work(self, item)).collect();
        }
        let next = AtomicUsize::new(0);
        // Each run's results, filled by whichever thread took it.
        type Slot<R> = Mutex<Option<Result<Vec<R>, GitError>>>;
        let done: Vec<Slot<R>> = runs.iter().map(|_| Mutex::default()).collect();
        let take = |repo: &Repo| loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let Some(run) = runs.get(at) else { break };
            let result: Result<Vec<R>, GitError> =
                run.iter().map(|item| work(repo, item)).collect();
            if result.is_err() {
                // The first failure in order is the answer: no more runs.
                next.store(runs.len(), Ordering::Relaxed);
            }
            *done[at].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
        };
        let handle = self.handle();
        std::thread::scope(|scope| {
            for _ in 1..threads {
                // A thread that cannot open its handle leaves the runs to
                // the others; this thread takes every run that is left.
                scope.spawn(|| {
                    if let Ok(worker) = handle.open() {
                        take(&worker);
                    }
                });
            }
            take(self);
        });
        let mut out = Vec::with_capacity(items.len());
        for slot in done {
            match slot.into_inner().unwrap_or_else(|p| p.into_inner()) {
                Some(part) => out.extend(part?),
                None => unreachable!("every run is done unless one before it failed"),
            }
        }
        Ok(out)
    }

    /// What a worker thread needs to open its own handle on this repository.
    fn handle(&self) -> Handle {
        Handle {
            git_dir: self.repo.path().to_path_buf(),
            workdir: self.workdir.clone(),
            shallow: self.shallow.clone(),
        }
    }

    /// Paths (repo-relative) that differ between a commit and the work tree —
    /// tracked changes and untracked, non-ignored files — or between a commit
    /// and the index when `cached` is true; only under the folders `within`
    /// when it names any (a commit's other files are not even looked at).
    /// Sorted, deduplicated; a rename contributes both paths.
    pub fn changed_paths_to_worktree(
        &self,
        old: &ObjectId,
        cached: bool,
        within: &[String],
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
        // Folders as they are written, not patterns: a folder named with
        // `*` or `[` matches itself and what is under it.
        let within = normalize_dirs(within);
        if within.iter().all(|dir| !dir.is_empty()) {
            opts.disable_pathspec_match(true);
            for dir in &within {
                opts.pathspec(dir);
            }
        }
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

    /// Of `paths`, working-tree files that the tree of HEAD does not hold,
    /// those that a comparison of HEAD with the working tree shows (as
    /// [`Repo::changed_paths_to_worktree`] does): each one the index holds
    /// (at any stage: a conflict too), and each other one unless git
    /// ignores it.
    pub fn shown_untracked(&self, paths: Vec<String>) -> Result<Vec<String>, GitError> {
        if paths.is_empty() {
            return Ok(paths);
        }
        let index = self.index()?;
        let mut shown = Vec::with_capacity(paths.len());
        for path in paths {
            let ignored = || {
                self.repo
                    .is_path_ignored(&path)
                    .map_err(|e| failed("reading the ignore rules", &e))
            };
            let indexed = (0..=3).any(|stage| index.get_path(Path::new(&path), stage).is_some());
            if indexed || !ignored()? {
                shown.push(path);
            }
        }
        Ok(shown)
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
}

/// Where `id` is stored in `odb`'s packs: the pack (an opaque number, the
/// same for every object of one pack file) and the offset in it. None for
/// an object in no pack, and for every object when this libgit2 does not
/// know the vendored option.
fn pack_position(odb: &git2::Odb<'_>, id: &ObjectId) -> Option<(u64, u64)> {
    use git2::Binding;
    let oid = id.to_oid().ok()?;
    let (mut pack, mut offset) = (0u64, 0u64);
    // SAFETY: the option takes an odb, an object id and two `uint64_t`
    // outputs, in that order; each pointer is valid for the call: `odb`
    // and `oid` are borrowed, the outputs live on this stack. It only
    // looks the id up in the packs' indexes. An unpatched libgit2 refuses
    // the unknown option with -1 and reads none of the arguments.
    let status = unsafe {
        libgit2_sys::git_libgit2_opts(
            OPT_CAIRN_PACK_POSITION,
            odb.raw(),
            oid.raw(),
            &mut pack as *mut u64,
            &mut offset as *mut u64,
        )
    };
    (status == 0).then_some((pack, offset))
}

/// The id git gives a blob of these bytes (`git hash-object`), without
/// writing it: what names a working-tree file's content in the caches.
/// None only if libgit2 fails to hash, which it does not for bytes.
pub fn hash_blob(bytes: &[u8]) -> Option<ObjectId> {
    Oid::hash_object(git2::ObjectType::Blob, bytes)
        .ok()
        .map(ObjectId::from_oid)
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

/// Bytes as a String, with U+FFFD in place of invalid UTF-8.
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests;

/// How a worker thread opens its own handle on a repository: git2 handles
/// cannot be shared between threads.
struct Handle {
    git_dir: PathBuf,
    workdir: Option<PathBuf>,
    shallow: HashSet<Oid>,
}

impl Handle {
    fn open(&self) -> Result<Repo, GitError> {
        Ok(Repo {
            repo: Repository::open(&self.git_dir)
                .map_err(|e| failed("opening the repository on a worker thread", &e))?,
            workdir: self.workdir.clone(),
            shallow: self.shallow.clone(),
            raw_trees: RefCell::default(),
            commit_trees: RefCell::default(),
        })
    }
}
