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

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use super::file::{Body, CacheFile, escape, read_lines, unescape};
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
    file: CacheFile<File, Fresh>,
}

/// What the file holds.
#[derive(Default)]
struct File {
    known: HashMap<Key, Entry>,
    /// Per commit with a first-parent entry, that parent (None: a root).
    first_parents: HashMap<String, Option<String>>,
    /// Per commit, its metadata.
    commits: HashMap<String, CommitInfo>,
}

/// One commit's changes against one parent.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    /// Whether the parent is the commit's first (or the commit is a root).
    first: bool,
    changes: Vec<TreeChange>,
}

/// What this command used and learned. What it learned is kept as the
/// file's own lines (a walk over a long history learns an entry per
/// commit, and the lines are a fraction of the decoded changes' memory),
/// with where each entry's lines are.
#[derive(Default)]
struct Fresh {
    used: HashSet<Key>,
    learned: HashMap<Key, Range<usize>>,
    learned_text: String,
    used_commits: HashSet<String>,
    learned_commits: HashMap<String, Range<usize>>,
    commits_text: String,
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
        ChangeCache {
            file: CacheFile::new(dir, "changes", header, read),
        }
    }

    /// The first parent of `commit` (`Some(None)` for a root commit), if
    /// the cache holds its changes against it.
    pub fn first_parent(&self, commit: &ObjectId) -> Option<Option<ObjectId>> {
        let parent = self.file.known().first_parents.get(commit.as_str())?;
        match parent {
            None => Some(None),
            Some(parent) => ObjectId::from_stored(parent).map(Some),
        }
    }

    /// The changes of `commit` against `parent`, if known.
    pub fn get(&self, parent: Option<&ObjectId>, commit: &ObjectId) -> Option<Vec<TreeChange>> {
        let key = (
            parent.map(|p| p.as_str().to_string()),
            commit.as_str().to_string(),
        );
        let mut fresh = self.file.fresh();
        if let Some(entry) = self.file.known().known.get(&key) {
            let changes = entry.changes.clone();
            fresh.used.insert(key);
            return Some(changes);
        }
        let range = fresh.learned.get(&key)?;
        read_entry(&fresh.learned_text[range.clone()]).map(|(_, entry)| entry.changes)
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
        let key = (
            parent.map(|p| p.as_str().to_string()),
            commit.as_str().to_string(),
        );
        let mut fresh = self.file.fresh();
        if fresh.learned.contains_key(&key) {
            return;
        }
        let start = fresh.learned_text.len();
        write_entry_parts(&mut fresh.learned_text, &key, first, changes);
        let end = fresh.learned_text.len();
        fresh.learned.insert(key, start..end);
    }

    /// The metadata of `commit`, if known.
    pub fn commit(&self, commit: &ObjectId) -> Option<CommitInfo> {
        let mut fresh = self.file.fresh();
        if let Some(info) = self.file.known().commits.get(commit.as_str()) {
            fresh.used_commits.insert(commit.as_str().to_string());
            return Some(info.clone());
        }
        let range = fresh.learned_commits.get(commit.as_str())?;
        let text = &fresh.commits_text[range.clone()];
        let (head, texts) = text.strip_prefix("I ")?.split_once('\n')?;
        read_commit(head, texts.strip_suffix('\n')?)
    }

    /// Keeps a commit's metadata for the next run.
    pub fn put_commit(&self, info: &CommitInfo) {
        let mut fresh = self.file.fresh();
        if fresh.learned_commits.contains_key(info.id.as_str()) {
            return;
        }
        let start = fresh.commits_text.len();
        write_commit(&mut fresh.commits_text, info);
        let end = fresh.commits_text.len();
        fresh
            .learned_commits
            .insert(info.id.as_str().to_string(), start..end);
    }

    /// Writes what was learned, atomically; nothing when nothing was. A
    /// cache that cannot be written (a read-only git directory) is an
    /// error the caller may ignore: the results stand without it.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let fresh = self.file.take_fresh();
        if fresh.learned.is_empty() && fresh.learned_commits.is_empty() {
            return Ok(());
        }
        let known = &self.file.known().known;
        let commits = &self.file.known().commits;
        // The newest work first; older entries only while they fit.
        let mut body = Body::default();
        body.keep_text(fresh.learned_text, fresh.learned.len());
        for key in &fresh.used {
            if let Some(entry) = known.get(key) {
                write_entry(body.keep(), key, entry);
            }
        }
        for (key, entry) in known {
            if !fresh.used.contains(key) && !fresh.learned.contains_key(key) {
                write_entry(body.spare(), key, entry);
            }
        }
        body.keep_text(fresh.commits_text, fresh.learned_commits.len());
        for id in &fresh.used_commits {
            if let Some(info) = commits.get(id) {
                write_commit(body.keep(), info);
            }
        }
        for (id, info) in commits {
            if !fresh.used_commits.contains(id) && !fresh.learned_commits.contains_key(id) {
                write_commit(body.spare(), info);
            }
        }
        self.file.save(body, MAX_BYTES)
    }
}

/// One entry: `C <parent or -> <commit> <n>` against the first parent (or
/// `P …` against another), then n lines
/// `<A|D|M><0|1 symlink> <old or -> <new or -> <path>`.
fn write_entry(out: &mut String, key: &Key, entry: &Entry) {
    write_entry_parts(out, key, entry.first, &entry.changes);
}

/// [`write_entry`] from the entry's parts.
fn write_entry_parts(out: &mut String, key: &Key, first: bool, changes: &[TreeChange]) {
    let _ = writeln!(
        out,
        "{} {} {} {}",
        if first { 'C' } else { 'P' },
        key.0.as_deref().unwrap_or("-"),
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

/// The entries of a whole cache file; None unless the header matches and
/// the file is complete and well formed.
fn read(text: &str, header: &str) -> Option<File> {
    let mut known = HashMap::new();
    let mut commits = HashMap::new();
    let count = read_lines(text, header, |line, lines| {
        if let Some(head) = line.strip_prefix("I ") {
            let info = read_commit(head, lines.next()?)?;
            commits.insert(info.id.as_str().to_string(), info);
            return Some(());
        }
        let (key, entry) = entry_from(line, lines)?;
        known.insert(key, entry);
        Some(())
    })?;
    if count != known.len() + commits.len() {
        return None;
    }
    let first_parents = known
        .iter()
        .filter(|(_, entry)| entry.first)
        .map(|((parent, commit), _)| (commit.clone(), parent.clone()))
        .collect();
    Some(File {
        known,
        first_parents,
        commits,
    })
}

/// One entry from its first line and the lines after it.
fn entry_from<'a>(line: &str, lines: &mut impl Iterator<Item = &'a str>) -> Option<(Key, Entry)> {
    let (first, rest) = match line.split_at_checked(2)? {
        ("C ", rest) => (true, rest),
        ("P ", rest) => (false, rest),
        _ => return None,
    };
    let mut words = rest.split(' ');
    let parent = words.next()?;
    let commit = words.next()?;
    let n: usize = words.next()?.parse().ok()?;
    if words.next().is_some() || !super::is_id(commit) || (parent != "-" && !super::is_id(parent)) {
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
