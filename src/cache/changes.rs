//! What each commit changed in the record folders (`.git/cairn/changes`),
//! so that a history walk reads each commit's trees once across runs, not
//! once per run. An entry is keyed by the commit and the parent it was
//! compared with, both content ids, so a rewritten history (rebase, amend)
//! only adds entries and never meets a stale one.
//!
//! Size: at most [`MAX_BYTES`]. A write that would pass it keeps only the
//! entries the writing command used, the newest work.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::git::{ChangeStatus, ObjectId, TreeChange};

/// The file's first word and format version; a file with another header
/// (another format, cairn version or set of record folders) is rebuilt.
const MAGIC: &str = "cairn-changes 1";

/// The most bytes the changes file may hold.
pub const MAX_BYTES: usize = 256 << 20;

/// `(parent or None for a root commit, commit)`.
type Key = (Option<String>, String);

/// Per commit compared with a parent, its changes under the record folders.
pub struct ChangeCache {
    path: PathBuf,
    header: String,
    known: HashMap<Key, Vec<TreeChange>>,
    fresh: Mutex<Fresh>,
}

/// What this command used and learned.
#[derive(Default)]
struct Fresh {
    used: Vec<Key>,
    learned: HashMap<Key, Vec<TreeChange>>,
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
        let path = dir.join("changes");
        let known = std::fs::read(&path)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|text| read(&text, &header))
            .unwrap_or_default();
        ChangeCache {
            path,
            header,
            known,
            fresh: Mutex::default(),
        }
    }

    /// The changes of `commit` against `parent`, if known.
    pub fn get(&self, parent: Option<&ObjectId>, commit: &ObjectId) -> Option<Vec<TreeChange>> {
        let key = (
            parent.map(|p| p.as_str().to_string()),
            commit.as_str().to_string(),
        );
        let mut fresh = self.fresh.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(changes) = self.known.get(&key) {
            fresh.used.push(key);
            return Some(changes.clone());
        }
        fresh.learned.get(&key).cloned()
    }

    /// Keeps the changes of `commit` against `parent` for the next run.
    pub fn put(&self, parent: Option<&ObjectId>, commit: &ObjectId, changes: &[TreeChange]) {
        // A path with a line break cannot be written in the line format.
        if changes.iter().any(|c| c.path.contains('\n')) {
            return;
        }
        let key = (
            parent.map(|p| p.as_str().to_string()),
            commit.as_str().to_string(),
        );
        let mut fresh = self.fresh.lock().unwrap_or_else(|p| p.into_inner());
        fresh.learned.insert(key, changes.to_vec());
    }

    /// Writes what was learned, atomically; nothing when nothing was. A
    /// cache that cannot be written (a read-only git directory) is an
    /// error the caller may ignore: the results stand without it.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let fresh = self.fresh.into_inner().unwrap_or_else(|p| p.into_inner());
        if fresh.learned.is_empty() {
            return Ok(());
        }
        let mut text = String::new();
        let mut entries = 0;
        let body = |text: &mut String, entries: &mut usize, key: &Key, changes: &[TreeChange]| {
            write_entry(text, key, changes);
            *entries += 1;
        };
        for (key, changes) in &fresh.learned {
            body(&mut text, &mut entries, key, changes);
        }
        let mut kept = String::new();
        let mut kept_entries = 0;
        for key in &fresh.used {
            if let Some(changes) = self.known.get(key) {
                body(&mut kept, &mut kept_entries, key, changes);
            }
        }
        let mut rest = String::new();
        let mut rest_entries = 0;
        let used: std::collections::HashSet<&Key> = fresh.used.iter().collect();
        for (key, changes) in &self.known {
            if !used.contains(key) && !fresh.learned.contains_key(key) {
                body(&mut rest, &mut rest_entries, key, changes);
            }
        }
        // The newest work first; older entries only while they fit.
        text.push_str(&kept);
        entries += kept_entries;
        if text.len() + rest.len() <= MAX_BYTES {
            text.push_str(&rest);
            entries += rest_entries;
        }
        let file = format!("{}\n{text}end {entries}\n", self.header);
        super::put(&self.path, file.as_bytes())
    }
}

/// One entry: `C <parent or -> <commit> <n>`, then n lines
/// `<A|D|M><0|1 symlink> <old or -> <new or -> <path>`.
fn write_entry(out: &mut String, key: &Key, changes: &[TreeChange]) {
    let _ = writeln!(
        out,
        "C {} {} {}",
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

/// The entries of a whole cache file; None unless the header matches and
/// the file is complete and well formed.
fn read(text: &str, header: &str) -> Option<HashMap<Key, Vec<TreeChange>>> {
    let mut lines = text.split('\n');
    if lines.next()? != header {
        return None;
    }
    let mut known = HashMap::new();
    loop {
        let line = lines.next()?;
        if let Some(count) = line.strip_prefix("end ") {
            let complete = count.parse::<usize>().ok()? == known.len()
                && lines.next() == Some("")
                && lines.next().is_none();
            return complete.then_some(known);
        }
        let mut words = line.strip_prefix("C ")?.split(' ');
        let parent = words.next()?;
        let commit = words.next()?;
        let n: usize = words.next()?.parse().ok()?;
        if words.next().is_some()
            || !super::is_id(commit)
            || (parent != "-" && !super::is_id(parent))
        {
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
        known.insert(key, changes);
    }
}

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
        cache.put(Some(&id(9)), &id(10), &changes);
        cache.put(None, &id(9), &[]);
        cache.save().unwrap();

        let cache = ChangeCache::open(dir.path(), &dirs());
        assert_eq!(cache.get(Some(&id(9)), &id(10)), Some(changes));
        assert_eq!(cache.get(None, &id(9)), Some(Vec::new()));
        assert_eq!(cache.get(Some(&id(8)), &id(10)), None);
    }

    #[test]
    fn damaged_or_foreign_files_read_as_empty_and_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ChangeCache::open(dir.path(), &dirs());
        cache.put(
            None,
            &id(1),
            &[change("research/experiments/a.md", None, Some(2))],
        );
        cache.save().unwrap();
        let good = std::fs::read_to_string(dir.path().join("changes")).unwrap();

        let other_folders = ChangeCache::open(dir.path(), &["records".to_string()]);
        assert_eq!(other_folders.get(None, &id(1)), None);

        let truncated = &good[..good.len() - 4];
        let other_version = good.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1);
        let bad_id = good.replace(id(2).as_str(), "not-an-id");
        for damaged in [truncated, &other_version, &bad_id, "", "\u{0}\u{1}garbage"] {
            std::fs::write(dir.path().join("changes"), damaged).unwrap();
            let cache = ChangeCache::open(dir.path(), &dirs());
            assert_eq!(cache.get(None, &id(1)), None, "{damaged:?}");
            cache.put(
                None,
                &id(1),
                &[change("research/experiments/a.md", None, Some(2))],
            );
            cache.save().unwrap();
            let rebuilt = std::fs::read_to_string(dir.path().join("changes")).unwrap();
            assert_eq!(rebuilt, good);
        }
    }

    #[test]
    fn nothing_new_writes_nothing_and_line_breaks_are_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ChangeCache::open(&dir.path().join("cairn"), &dirs());
        cache.put(
            None,
            &id(1),
            &[change("research/experiments/a\nb.md", None, Some(2))],
        );
        cache.save().unwrap();
        assert!(!dir.path().join("cairn").exists());
    }
}
