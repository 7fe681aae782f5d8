//! The persistent cache in the git directory (`.git/cairn/`, the common
//! git directory in a linked worktree). One file per kind of fact, each in
//! its own module: [`changes`] keeps what each commit changed in the record
//! folders, [`blobs`] what each record blob is to the history (its id and
//! status), [`fronts`] the front matter of the records a summary read,
//! [`follows`] which commits a `log` found its record's paths changed in,
//! [`covers`] which record files the covers scan must read, [`outlines`]
//! the front matter and body outline of the records `validate` and `list`
//! parsed, [`worktree`] the stat and blob id of the working tree's
//! record files, and [`results`] the last answers of `validate` and `list`
//! on unchanged files (the two files kept per work tree, in its own git
//! directory). What they share — the header check, the read on first use,
//! the lock on what the command used and learned, the whole, bounded,
//! atomic save — is in `file.rs`; what `fronts` and `outlines`
//! share (a JSON line per blob, and the JSON of front matter fields) in
//! `json_lines.rs`; `spill.rs` writes what a command learns for
//! `changes`, `blobs`, `fronts` and `outlines` out as it learns it, to a
//! temporary file their save renames into place, and keeps where each
//! entry is (`Learned`).
//! docs/history.md and docs/performance.md give each file's size bound.
//!
//! The cache is an optimisation only: a command gives the same bytes with
//! it, without it (`--no-cache`), or with a cache that is missing, damaged
//! or written by another cairn version — those are read as empty and
//! rewritten. Entries are keyed by content ids, so a rewritten history
//! (rebase, amend) only adds entries and never meets a stale one.
//!
//! Concurrency: a file is read once, when a command first asks it, and,
//! if the command learned something new, written whole to a temporary file
//! and renamed into place (see [`crate::write::put`]). No lock is held; when
//! two commands write at once, the last rename wins and the other's new
//! entries are learned again next time.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use crate::schema::Schema;

pub mod blobs;
pub mod changes;
pub mod covers;
mod file;
pub mod follows;
pub mod fronts;
mod json_lines;
pub mod outlines;
pub mod results;
mod spill;
pub mod worktree;

pub use blobs::{BlobCache, BlobFacts};
pub use changes::ChangeCache;
pub use covers::CoversCache;
pub use follows::FollowCache;
pub use fronts::FrontCache;
pub use outlines::OutlineCache;
pub use results::ResultCache;
pub use worktree::{Stat, WorktreeCache};

/// From how many files (or folder entries) work over them is spread over
/// every core: below it, starting the thread pool (about 1.4 ms of CPU)
/// would cost a small warm run more than it saves. The listing of a
/// folder, the sort of a listing, and a cold run's cache writes use it.
pub const MANY_FILES: usize = 2_000;

/// Writes the caches a snapshot command (`validate`, `list`) used. After
/// a command that read [`MANY_FILES`] or more (a cold run), each is written
/// on its own core: the stat cache's lines, the outlines and the answer
/// are independent files. Otherwise in turn, as starting the threads
/// would cost a small warm run more than it saves. A cache that cannot be
/// written costs time next run, nothing else, so write errors are
/// dropped.
pub fn save_snapshot_caches(
    outlines: Option<OutlineCache>,
    stats: Option<WorktreeCache>,
    results: Option<ResultCache>,
) {
    if stats
        .as_ref()
        .is_some_and(|s| s.learned_count() >= MANY_FILES)
    {
        rayon::join(
            || outlines.map(OutlineCache::save),
            || {
                rayon::join(
                    || stats.map(WorktreeCache::save),
                    || results.map(ResultCache::save),
                )
            },
        );
        return;
    }
    let _ = outlines.map(OutlineCache::save);
    let _ = stats.map(WorktreeCache::save);
    let _ = results.map(ResultCache::save);
}

/// The folder of the cache inside a git directory.
pub fn dir(common_git_dir: &Path) -> PathBuf {
    common_git_dir.join("cairn")
}

/// A full hex object id (SHA-1 or SHA-256).
fn is_id(word: &str) -> bool {
    matches!(word.len(), 40 | 64)
        && word
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The cairn version and a digest of the schema's kinds, for the header of
/// a file whose entries depend on them: another version or schema starts
/// a new file. The digest is of the kinds' debug form, stable within one
/// cairn build.
fn fingerprint(schema: &Schema) -> String {
    let mut hasher = DefaultHasher::new();
    format!("{:?} {:?}", schema.root, schema.kinds).hash(&mut hasher);
    format!("{} {:016x}", env!("CARGO_PKG_VERSION"), hasher.finish())
}
