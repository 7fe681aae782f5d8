//! What each commit changed in the record folders (`.git/cairn/changes`),
//! so that a history walk reads each commit's trees once across runs, not
//! once per run. An entry is keyed by the commit and the parent it was
//! compared with, both content ids, so a rewritten history (rebase, amend)
//! only adds entries and never meets a stale one. An entry also says
//! whether the parent is the commit's first, so that a walk down the
//! first-parent chain can follow it through the cache without reading the
//! commits. The file also keeps, per commit id, the commit's metadata
//! (author, time, message) a walk read for the commits that changed a
//! record, so that a second walk reads no commit at all.
//!
//! Size: at most [`MAX_BYTES`]. A write that would pass it keeps only the
//! entries the writing command used, the newest work.
//!
//! The file's text is kept as read, with an index of where each entry and
//! each commit's metadata is, and an entry is decoded only when a walk
//! asks for it: a long history's file holds hundreds of thousands of
//! entries, and decoded they took twice the file's size.

use crate::hash::Map as HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::file::{Body, CacheFile, escape, read_lines, unescape};
use super::spill::{Learned, digest};
use crate::git::{ChangeStatus, CommitInfo, ObjectId, TreeChange};

/// The file's first word and format version; a file with another header
/// (another format, cairn version or set of record folders) is rebuilt.
const MAGIC: &str = "cairn-changes 3";

/// The most bytes the changes file may hold.
pub const MAX_BYTES: usize = 256 << 20;

/// `(parent or None for a root commit, commit)`.
type Key = (Option<String>, String);

/// Per commit compared with a parent, its changes under the record folders.
pub struct ChangeCache {
    /// What this command learned (a walk over a long history learns an
    /// entry per commit): changes by [`learned_entry`], metadata by
    /// [`learned_commit`].
    file: CacheFile<File, Learned>,
}

/// What the file holds: its text, and where each entry (the changes of a
/// commit against one parent) and each commit's metadata is in it, found
/// by the commit without building a key.
#[derive(Default)]
struct File {
    text: String,
    /// Per commit (by [`commit_key`]), its first entry in `entries`.
    first_entry: HashMap<u64, u32>,
    entries: Vec<Place>,
    /// Per commit (by [`commit_key`]), its metadata's first place in
    /// `commits`.
    first_commit: HashMap<u64, u32>,
    commits: Vec<Place>,
}

/// Where one entry or one commit's metadata is in the text: its lines,
/// each with its line break.
struct Place {
    start: u32,
    end: u32,
    /// The next one whose commit has the same key ([`NONE`]: the last).
    next: u32,
    /// Whether this command used it.
    used: AtomicBool,
}

/// No place.
const NONE: u32 = u32::MAX;

impl File {
    fn text(&self, place: &Place) -> &str {
        &self.text[place.start as usize..place.end as usize]
    }

    /// The places of the entries of `commit`, against any parent.
    fn entries_of<'a>(&'a self, commit: &str) -> impl Iterator<Item = &'a Place> + use<'a> {
        let first = commit_key(commit).and_then(|key| self.first_entry.get(&key).copied());
        chain(&self.entries, first)
    }

    /// The entry of `commit` against `parent`, and whether that parent is
    /// its first.
    fn entry(&self, parent: Option<&str>, commit: &str) -> Option<(&Place, bool)> {
        let parent = parent.unwrap_or("-");
        self.entries_of(commit).find_map(|place| {
            let (first, p, c, _) = entry_head(self.text(place))?;
            (p == parent && c == commit).then_some((place, first))
        })
    }

    /// The place of `commit`'s metadata.
    fn commit(&self, commit: &str) -> Option<&Place> {
        let first = commit_key(commit).and_then(|key| self.first_commit.get(&key).copied());
        chain(&self.commits, first).find(|place| commit_head(self.text(place)) == Some(commit))
    }
}

/// The places from `first` on, following `next`.
fn chain(places: &[Place], first: Option<u32>) -> impl Iterator<Item = &Place> {
    let mut at = first.unwrap_or(NONE);
    std::iter::from_fn(move || {
        let place = places.get(at as usize)?;
        at = place.next;
        Some(place)
    })
}

/// The number the first 16 hex digits of a commit id make: spread enough
/// to index by, and no copy of the id.
fn commit_key(commit: &str) -> Option<u64> {
    u64::from_str_radix(commit.get(..16)?, 16).ok()
}

/// An entry's first line: whether against the first parent, the parent
/// (`-`: none), the commit and the number of changes.
fn entry_head(text: &str) -> Option<(bool, &str, &str, usize)> {
    let line = text.split('\n').next()?;
    let (first, rest) = match line.split_at_checked(2)? {
        ("C ", rest) => (true, rest),
        ("P ", rest) => (false, rest),
        _ => return None,
    };
    let mut words = rest.split(' ');
    let parent = words.next()?;
    let commit = words.next()?;
    let n: usize = words.next()?.parse().ok()?;
    words.next().is_none().then_some((first, parent, commit, n))
}

/// The commit id of a commit's metadata (`I <commit> …`).
fn commit_head(text: &str) -> Option<&str> {
    text.strip_prefix("I ")?.split(' ').next()
}

/// One commit's changes against one parent.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    /// Whether the parent is the commit's first (or the commit is a root).
    first: bool,
    changes: Vec<TreeChange>,
}

/// What a learned entry (changes against a parent, `-` for none) is
/// found by.
fn learned_entry(parent: &str, commit: &str) -> u64 {
    digest(&["entry", parent, commit])
}

/// What a learned commit's metadata is found by.
fn learned_commit(commit: &str) -> u64 {
    digest(&["commit", commit])
}

impl ChangeCache {
    /// Opens the changes cache under `dir` for the record folders `dirs`:
    /// what it holds, or nothing when it is missing, unreadable, damaged or
    /// made for other folders or by another cairn version.
    pub fn open(dir: &Path, dirs: &[String]) -> ChangeCache {
        let header = format!(
            "{MAGIC} {} {}",
            env!("CARGO_PKG_VERSION"),
            dirs.join("\u{1f}")
        );
        let file = CacheFile::learning(dir, "changes", header, read);
        ChangeCache { file }
    }

    /// The first parent of `commit` (`Some(None)` for a root commit), if
    /// the cache holds its changes against it.
    pub fn first_parent(&self, commit: &ObjectId) -> Option<Option<ObjectId>> {
        let file = self.file.known();
        let parent = file.entries_of(commit.as_str()).find_map(|place| {
            let (first, parent, c, _) = entry_head(file.text(place))?;
            (first && c == commit.as_str()).then_some(parent)
        })?;
        match parent {
            "-" => Some(None),
            parent => ObjectId::from_stored(parent).map(Some),
        }
    }

    /// The changes of `commit` against `parent`, if known.
    pub fn get(&self, parent: Option<&ObjectId>, commit: &ObjectId) -> Option<Vec<TreeChange>> {
        let file = self.file.known();
        if let Some((place, _)) = file.entry(parent.map(ObjectId::as_str), commit.as_str()) {
            // Every entry was read through once: it decodes.
            if let Some((_, entry)) = read_entry(file.text(place)) {
                place.used.store(true, Ordering::Relaxed);
                return Some(entry.changes);
            }
        }
        let parent = parent.map_or("-", ObjectId::as_str);
        let text = self
            .file
            .fresh()
            .read(learned_entry(parent, commit.as_str()))?;
        let (_, p, c, _) = entry_head(&text)?;
        if (p, c) != (parent, commit.as_str()) {
            return None;
        }
        read_entry(&text).map(|(_, entry)| entry.changes)
    }

    /// Keeps the changes of `commit` against `parent` for the next run;
    /// `first` when `parent` is its first parent (or None, for a root).
    pub fn put(
        &self,
        parent: Option<&ObjectId>,
        commit: &ObjectId,
        first: bool,
        changes: &[TreeChange],
    ) {
        // A path with a line break cannot be written in the line format.
        if changes.iter().any(|c| c.path.contains('\n')) {
            return;
        }
        let parent = parent.map(ObjectId::as_str);
        let key = learned_entry(parent.unwrap_or("-"), commit.as_str());
        self.file.fresh().learn(key, |lines| {
            write_entry_parts(lines, (parent, commit.as_str()), first, changes);
        });
    }

    /// The metadata of `commit`, if known.
    pub fn commit(&self, commit: &ObjectId) -> Option<CommitInfo> {
        let file = self.file.known();
        if let Some(place) = file.commit(commit.as_str()) {
            if let Some(info) = commit_from(file.text(place)) {
                place.used.store(true, Ordering::Relaxed);
                return Some(info);
            }
        }
        let text = self.file.fresh().read(learned_commit(commit.as_str()))?;
        commit_from(&text).filter(|info| info.id == *commit)
    }

    /// Keeps a commit's metadata for the next run.
    pub fn put_commit(&self, info: &CommitInfo) {
        self.file
            .fresh()
            .learn(learned_commit(info.id.as_str()), |lines| {
                write_commit(lines, info);
            });
    }

    /// Writes what was learned, atomically; nothing when nothing was. A
    /// cache that cannot be written (a read-only git directory) is an
    /// error the caller may ignore: the results stand without it.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let learned = self.file.take_fresh();
        if learned.nothing_to_save() {
            return Ok(());
        }
        let file = self.file.known();
        // The newest work first (the spill); older entries only while they
        // fit.
        let mut body = Body::default();
        for place in &file.entries {
            let text = file.text(place);
            let relearned = entry_head(text)
                .is_some_and(|(_, parent, commit, _)| learned.has(learned_entry(parent, commit)));
            if relearned {
                continue;
            }
            body.entry(place.used.load(Ordering::Relaxed))
                .push_str(text);
        }
        for place in &file.commits {
            let text = file.text(place);
            if commit_head(text).is_some_and(|id| learned.has(learned_commit(id))) {
                continue;
            }
            body.entry(place.used.load(Ordering::Relaxed))
                .push_str(text);
        }
        self.file.save_learned(learned, body, MAX_BYTES)
    }
}

/// One entry: `C <parent or -> <commit> <n>` against the first parent (or
/// `P …` against another), then n lines
/// `<A|D|M><0|1 symlink> <old or -> <new or -> <path>`.
fn write_entry_parts(
    out: &mut String,
    key: (Option<&str>, &str),
    first: bool,
    changes: &[TreeChange],
) {
    let _ = writeln!(
        out,
        "{} {} {} {}",
        if first { 'C' } else { 'P' },
        key.0.unwrap_or("-"),
        key.1,
        changes.len()
    );
    for c in changes {
        let status = match c.status {
            ChangeStatus::Added => 'A',
            ChangeStatus::Deleted => 'D',
            ChangeStatus::Modified => 'M',
        };
        let id = |blob: &Option<ObjectId>| blob.as_ref().map_or("-", ObjectId::as_str).to_string();
        let _ = writeln!(
            out,
            "{status}{} {} {} {}",
            u8::from(c.symlink),
            id(&c.old_blob),
            id(&c.new_blob),
            c.path
        );
    }
}

/// One commit's metadata: `I <commit> <time> <offset> <parents, or ->`,
/// then one line of its author, email, summary and message, escaped and
/// separated by U+001F.
fn write_commit(out: &mut String, info: &CommitInfo) {
    let parents: Vec<&str> = info.parents.iter().map(ObjectId::as_str).collect();
    let _ = writeln!(
        out,
        "I {} {} {} {}",
        info.id.as_str(),
        info.time,
        info.offset_minutes,
        if parents.is_empty() {
            "-".to_string()
        } else {
            parents.join(",")
        }
    );
    let texts = [&info.author, &info.email, &info.summary, &info.message];
    for (i, text) in texts.into_iter().enumerate() {
        if i > 0 {
            out.push('\u{1f}');
        }
        escape(out, text);
    }
    out.push('\n');
}

/// A commit's metadata from its two lines, as [`write_commit`] wrote them.
fn commit_from(text: &str) -> Option<CommitInfo> {
    let (head, texts) = text.strip_prefix("I ")?.split_once('\n')?;
    read_commit(head, texts.strip_suffix('\n')?)
}

/// A commit's metadata from its `I` line's words after `I ` and the line
/// after it.
fn read_commit(head: &str, texts: &str) -> Option<CommitInfo> {
    let mut words = head.split(' ');
    let id = ObjectId::from_stored(words.next()?)?;
    let time: i64 = words.next()?.parse().ok()?;
    let offset_minutes: i32 = words.next()?.parse().ok()?;
    let parents = match words.next()? {
        "-" => Vec::new(),
        list => list
            .split(',')
            .map(ObjectId::from_stored)
            .collect::<Option<Vec<_>>>()?,
    };
    if words.next().is_some() {
        return None;
    }
    let mut texts = texts.split('\u{1f}').map(unescape);
    let (author, email, summary, message) = (
        texts.next()??,
        texts.next()??,
        texts.next()??,
        texts.next()??,
    );
    if texts.next().is_some() {
        return None;
    }
    Some(CommitInfo {
        id,
        parents,
        author,
        email,
        time,
        offset_minutes,
        summary,
        message,
    })
}

/// The index of a whole cache file, its text kept; None unless the header
/// matches and the file is complete and well formed, every entry and
/// commit read through once and none twice.
fn read(text: String, header: &str) -> Option<File> {
    // Offsets are kept in 32 bits: far beyond the file's bound.
    u32::try_from(text.len()).ok()?;
    let base = text.as_ptr() as usize;
    let mut file = File::default();
    let count = read_lines(&text, header, |line, lines| {
        let start = line.as_ptr() as usize - base;
        let mut last = line;
        let (commit, is_commit) = if let Some(head) = line.strip_prefix("I ") {
            last = lines.next()?;
            let info = read_commit(head, last)?;
            let id = commit_head(line)?;
            (id == info.id.as_str()).then_some((id, true))?
        } else {
            let (_, _, commit, n) = entry_head(line)?;
            let mut changes = Vec::with_capacity(n);
            for _ in 0..n {
                last = lines.next()?;
                changes.push(last);
            }
            entry_from(line, &mut changes.into_iter())?;
            (commit, false)
        };
        // Through the line break after the last line (the trailer follows).
        let end = last.as_ptr() as usize - base + last.len() + 1;
        let place = Place {
            start: u32::try_from(start).ok()?,
            end: u32::try_from(end).ok()?,
            next: NONE,
            used: AtomicBool::new(false),
        };
        let this = &text[start..end];
        let (firsts, places) = if is_commit {
            (&mut file.first_commit, &mut file.commits)
        } else {
            (&mut file.first_entry, &mut file.entries)
        };
        let at = u32::try_from(places.len()).ok()?;
        let slot = firsts.entry(commit_key(commit)?).or_insert(NONE);
        // The same commit (against the same parent) twice: damaged.
        let same = |other: &str| {
            if is_commit {
                commit_head(other) == Some(commit)
            } else {
                entry_head(other).map(|(_, p, c, _)| (p, c))
                    == entry_head(this).map(|(_, p, c, _)| (p, c))
            }
        };
        let mut other = *slot;
        while other != NONE {
            let seen = places.get(other as usize)?;
            if same(&text[seen.start as usize..seen.end as usize]) {
                return None;
            }
            other = seen.next;
        }
        places.push(Place {
            next: *slot,
            ..place
        });
        *slot = at;
        Some(())
    })?;
    if count != file.entries.len() + file.commits.len() {
        return None;
    }
    file.text = text;
    Some(file)
}

/// One entry from its first line and the lines after it.
fn entry_from<'a>(line: &str, lines: &mut impl Iterator<Item = &'a str>) -> Option<(Key, Entry)> {
    let (first, parent, commit, n) = entry_head(line)?;
    if !super::is_id(commit) || (parent != "-" && !super::is_id(parent)) {
        return None;
    }
    let mut changes = Vec::with_capacity(n);
    for _ in 0..n {
        changes.push(read_change(lines.next()?)?);
    }
    let key = (
        (parent != "-").then(|| parent.to_string()),
        commit.to_string(),
    );
    Some((key, Entry { first, changes }))
}

/// One entry from its lines, as [`write_entry`] wrote them.
fn read_entry(text: &str) -> Option<(Key, Entry)> {
    let mut lines = text.strip_suffix('\n')?.split('\n');
    let entry = entry_from(lines.next()?, &mut lines)?;
    lines.next().is_none().then_some(entry)
}

/// One change line of an entry.
fn read_change(line: &str) -> Option<TreeChange> {
    let mut words = line.splitn(4, ' ');
    let head = words.next()?.as_bytes();
    let blob = |word: &str| match word {
        "-" => Some(None),
        id => ObjectId::from_stored(id).map(Some),
    };
    let old_blob = blob(words.next()?)?;
    let new_blob = blob(words.next()?)?;
    let path = words.next().filter(|p| !p.is_empty())?.to_string();
    let status = match (head.first()?, &old_blob, &new_blob) {
        (b'A', None, Some(_)) => ChangeStatus::Added,
        (b'D', Some(_), None) => ChangeStatus::Deleted,
        (b'M', Some(_), Some(_)) => ChangeStatus::Modified,
        _ => return None,
    };
    let symlink = match head.get(1..)? {
        b"0" => false,
        b"1" => true,
        _ => return None,
    };
    Some(TreeChange {
        status,
        path,
        old_blob,
        new_blob,
        symlink,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> ObjectId {
        ObjectId::from_stored(&format!("{n:02x}").repeat(20)).unwrap()
    }

    fn change(path: &str, old: Option<u8>, new: Option<u8>) -> TreeChange {
        TreeChange {
            status: match (old, new) {
                (None, _) => ChangeStatus::Added,
                (_, None) => ChangeStatus::Deleted,
                _ => ChangeStatus::Modified,
            },
            path: path.to_string(),
            old_blob: old.map(id),
            new_blob: new.map(id),
            symlink: false,
        }
    }

    /// Keeps that the root commit 1 added `path` as blob 2.
    fn put_root(cache: &ChangeCache, path: &str) {
        cache.put(None, &id(1), true, &[change(path, None, Some(2))]);
    }

    fn dirs() -> Vec<String> {
        vec!["research/experiments".into(), "research/decisions".into()]
    }

    #[test]
    fn what_is_saved_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let changes = vec![
            change("research/experiments/EXP-1 a b.md", None, Some(1)),
            change("research/experiments/EXP-2.md", Some(2), Some(3)),
            change("research/decisions/DEC-1.md", Some(4), None),
        ];
        let cache = ChangeCache::open(dir.path(), &dirs());
        assert_eq!(cache.get(Some(&id(9)), &id(10)), None);
        cache.put(Some(&id(9)), &id(10), true, &changes);
        cache.put(Some(&id(8)), &id(10), false, &[]);
        cache.put(None, &id(9), true, &[]);
        cache.save().unwrap();

        let cache = ChangeCache::open(dir.path(), &dirs());
        assert_eq!(cache.get(Some(&id(9)), &id(10)), Some(changes));
        assert_eq!(cache.get(None, &id(9)), Some(Vec::new()));
        assert_eq!(cache.get(Some(&id(8)), &id(10)), Some(Vec::new()));
        assert_eq!(cache.get(Some(&id(7)), &id(10)), None);
        // The first-parent chain: 10 -> 9 -> root.
        assert_eq!(cache.first_parent(&id(10)), Some(Some(id(9))));
        assert_eq!(cache.first_parent(&id(9)), Some(None));
        assert_eq!(cache.first_parent(&id(8)), None);
    }

    #[test]
    fn commits_alike_in_their_first_digits_are_told_apart_and_kept_across_saves() {
        let dir = tempfile::tempdir().unwrap();
        // The same first 16 digits as id(10): the same index key.
        let alike =
            ObjectId::from_stored(&format!("{}{}", "0a".repeat(8), "ff".repeat(12))).unwrap();
        let one = vec![change("research/experiments/EXP-1.md", None, Some(1))];
        let two = vec![change("research/experiments/EXP-2.md", Some(2), Some(3))];
        let cache = ChangeCache::open(dir.path(), &dirs());
        cache.put(Some(&id(9)), &id(10), true, &one);
        cache.put(Some(&id(8)), &alike, true, &two);
        cache.put_commit(&info(10));
        cache.save().unwrap();

        // A second run uses one entry, learns another and saves: the next
        // reads all of them, and the commit it did not use.
        let cache = ChangeCache::open(dir.path(), &dirs());
        assert_eq!(cache.get(Some(&id(8)), &alike), Some(two.clone()));
        assert_eq!(cache.first_parent(&alike), Some(Some(id(8))));
        cache.put(None, &id(9), true, &[]);
        cache.save().unwrap();

        let cache = ChangeCache::open(dir.path(), &dirs());
        assert_eq!(cache.get(Some(&id(9)), &id(10)), Some(one));
        assert_eq!(cache.get(Some(&id(8)), &alike), Some(two));
        assert_eq!(cache.get(None, &id(9)), Some(Vec::new()));
        assert_eq!(cache.get(Some(&id(9)), &alike), None);
        assert_eq!(cache.first_parent(&id(10)), Some(Some(id(9))));
        let read = cache.commit(&id(10)).unwrap();
        assert_eq!((read.id, read.message), (id(10), info(10).message));
        assert!(cache.commit(&alike).is_none());
    }

    #[test]
    fn a_file_with_one_entry_or_commit_twice_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ChangeCache::open(dir.path(), &dirs());
        put_root(&cache, "research/experiments/EXP-1.md");
        cache.put_commit(&info(1));
        cache.save().unwrap();
        let file = dir.path().join("changes");
        let good = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = good.lines().collect();
        // Header, the entry's two lines, the commit's two, the trailer.
        assert_eq!(lines.len(), 6, "{good}");
        let entry = format!("{}\n{}\n", lines[1], lines[2]);
        let commit = format!("{}\n{}\n", lines[3], lines[4]);
        for (twice, what) in [(&entry, "entry"), (&commit, "commit")] {
            let damaged = good
                .replacen(twice.as_str(), &format!("{twice}{twice}"), 1)
                .replacen("end 2", "end 3", 1);
            std::fs::write(&file, damaged).unwrap();
            let cache = ChangeCache::open(dir.path(), &dirs());
            assert_eq!(cache.get(None, &id(1)), None, "{what}");
            assert!(cache.commit(&id(1)).is_none(), "{what}");
        }
    }

    #[test]
    fn what_is_learned_is_read_back_in_the_same_command_and_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let changes = vec![
            change("research/experiments/EXP-1 a b.md", None, Some(1)),
            change("research/decisions/DEC-1.md", Some(4), None),
        ];
        let cache = ChangeCache::open(dir.path(), &dirs());
        cache.put(Some(&id(9)), &id(10), true, &changes);
        cache.put(Some(&id(9)), &id(10), true, &changes);
        cache.put(None, &id(9), true, &[]);
        cache.put_commit(&info(3));
        cache.put_commit(&info(3));
        assert_eq!(cache.get(Some(&id(9)), &id(10)), Some(changes.clone()));
        assert_eq!(cache.get(None, &id(9)), Some(Vec::new()));
        let read = cache.commit(&id(3)).unwrap();
        assert_eq!(format!("{read:?}"), format!("{:?}", info(3)));
        cache.save().unwrap();

        let text = std::fs::read_to_string(dir.path().join("changes")).unwrap();
        assert!(text.ends_with("end 3\n"), "{text}");
        let cache = ChangeCache::open(dir.path(), &dirs());
        assert_eq!(cache.get(Some(&id(9)), &id(10)), Some(changes));
        assert!(cache.commit(&id(3)).is_some());
    }

    #[test]
    fn a_learned_entry_found_by_another_keys_digest_is_not_taken_for_it() {
        // Two keys with one digest (rare, but not impossible): what the
        // spill holds names its key, and a lookup for the other misses.
        let dir = tempfile::tempdir().unwrap();
        let cache = ChangeCache::open(dir.path(), &dirs());
        cache.put(Some(&id(9)), &id(10), true, &[]);
        cache.put_commit(&info(3));
        {
            let mut learned = cache.file.fresh();
            let (entry, other) = (id(10), id(8));
            learned.alias(
                learned_entry(id(9).as_str(), entry.as_str()),
                learned_entry(other.as_str(), entry.as_str()),
            );
            learned.alias(
                learned_commit(id(3).as_str()),
                learned_commit(id(4).as_str()),
            );
        }
        assert_eq!(cache.get(Some(&id(9)), &id(10)), Some(Vec::new()));
        assert_eq!(cache.get(Some(&id(8)), &id(10)), None);
        assert!(cache.commit(&id(3)).is_some());
        assert!(cache.commit(&id(4)).is_none());
    }

    #[test]
    fn damaged_or_foreign_files_read_as_empty_and_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ChangeCache::open(dir.path(), &dirs());
        put_root(&cache, "research/experiments/a.md");
        cache.save().unwrap();
        let good = std::fs::read_to_string(dir.path().join("changes")).unwrap();

        let other_folders = ChangeCache::open(dir.path(), &["records".to_string()]);
        assert_eq!(other_folders.get(None, &id(1)), None);

        let truncated = &good[..good.len() - 4];
        let other_version = good.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1);
        let unknown_kind = good.replacen("\nC ", "\nX ", 1);
        let bad_id = good.replace(id(2).as_str(), "not-an-id");
        for damaged in [
            truncated,
            &other_version,
            &bad_id,
            &unknown_kind,
            "",
            "\u{0}\u{1}garbage",
        ] {
            std::fs::write(dir.path().join("changes"), damaged).unwrap();
            let cache = ChangeCache::open(dir.path(), &dirs());
            assert_eq!(cache.get(None, &id(1)), None, "{damaged:?}");
            put_root(&cache, "research/experiments/a.md");
            cache.save().unwrap();
            let rebuilt = std::fs::read_to_string(dir.path().join("changes")).unwrap();
            assert_eq!(rebuilt, good);
        }
    }

    fn info(n: u8) -> CommitInfo {
        CommitInfo {
            id: id(n),
            parents: vec![id(n + 1), id(n + 2)],
            author: "Ada L\u{f6}ve \\ co".into(),
            email: "ada@example.com".into(),
            time: -86_400,
            offset_minutes: -330,
            summary: "Tune \u{1f} the rate".into(),
            message: "Tune \u{1f} the rate\n\nRefs: EXP-0001\r\n\\n".into(),
        }
    }

    #[test]
    fn commits_are_saved_read_back_and_damaged_ones_are_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ChangeCache::open(dir.path(), &dirs());
        assert!(cache.commit(&id(3)).is_none());
        let root = CommitInfo {
            parents: Vec::new(),
            message: String::new(),
            summary: String::new(),
            ..info(4)
        };
        cache.put_commit(&info(3));
        cache.put_commit(&root);
        cache.save().unwrap();

        let cache = ChangeCache::open(dir.path(), &dirs());
        let read = cache.commit(&id(3)).unwrap();
        assert_eq!(format!("{read:?}"), format!("{:?}", info(3)));
        let read = cache.commit(&id(4)).unwrap();
        assert_eq!(format!("{read:?}"), format!("{root:?}"));
        let good = std::fs::read_to_string(dir.path().join("changes")).unwrap();

        let line = format!("\nI {} -86400 -330 ", id(3).as_str());
        let bad_time = good.replacen(&line, &line.replace("-86400", "noon"), 1);
        let bad_parent = good.replacen(id(5).as_str(), "not-an-id", 1);
        let bad_escape = good.replacen("\\\\", "\\q", 1);
        let missing_text = good.replacen("\u{1f}ada@example.com", "", 1);
        for damaged in [bad_time, bad_parent, bad_escape, missing_text] {
            assert_ne!(damaged, good);
            std::fs::write(dir.path().join("changes"), &damaged).unwrap();
            let cache = ChangeCache::open(dir.path(), &dirs());
            assert!(cache.commit(&id(3)).is_none(), "{damaged:?}");
            assert!(cache.commit(&id(4)).is_none(), "{damaged:?}");
        }
    }

    #[test]
    fn nothing_new_writes_nothing_and_line_breaks_are_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ChangeCache::open(&dir.path().join("cairn"), &dirs());
        put_root(&cache, "research/experiments/a\nb.md");
        cache.save().unwrap();
        assert!(!dir.path().join("cairn").exists());
    }
}
