//! What `validate` and `list` last answered for a set of record files
//! (`cairn/results` in the work tree's own git directory), so that running
//! them again on the same files repeats the answer without rebuilding and
//! checking each record: `validate --cached` in a pre-commit hook on a
//! commit that changes only code, `validate --rev` run again on the same
//! commit, a `validate` of an unchanged working tree.
//!
//! An entry is keyed by a digest ([`key`]) of everything its answer is
//! made from: the command and its options, the snapshot it read (working
//! tree, index or revision), the cairn build, the whole schema, and every
//! record file's path and blob id. For the working tree, those ids come
//! from the stat cache ([`super::worktree`]), and an entry is looked up
//! only when it knows every record file unchanged. A symlinked record
//! file (whose record is another file's bytes), or in the working tree an
//! unreadable, oversized or changed one, means the records are built and
//! checked as usual. What else an answer read (for `validate`, whether
//! each link target exists, and today's date, which review dates are
//! checked against) is kept in the entry or its key and checked again
//! before it is used. A different answer is then never given: the same
//! inputs make the same answer.
//!
//! Size: the [`MAX_ENTRIES`] answers stored last, at most [`MAX_BYTES`]
//! in all.

use std::ops::Range;
use std::path::Path;

use super::file::{Body, CacheFile, read_lines};
use crate::schema::Schema;

/// The file's first word and format version.
const MAGIC: &str = "cairn-results 1";

/// How many answers the file keeps: enough for `validate` and a few
/// listings of one work tree.
pub const MAX_ENTRIES: usize = 8;

/// The most bytes the results file may hold.
pub const MAX_BYTES: usize = 32 << 20;

/// The results cache: the answers the file holds, newest first, and the
/// one this command stored.
pub struct ResultCache {
    file: CacheFile<Entries, Fresh>,
}

/// The file's text, kept, and where each entry's key and answer lie in it.
#[derive(Default)]
struct Entries {
    text: String,
    spans: Vec<(Range<usize>, Range<usize>)>,
}

impl Entries {
    /// Each entry's key and answer, newest first.
    fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans
            .iter()
            .map(|(key, answer)| (&self.text[key.clone()], &self.text[answer.clone()]))
    }
}

#[derive(Default)]
struct Fresh {
    stored: Option<(String, String)>,
}

impl ResultCache {
    /// Opens the results cache under `dir` (in the work tree's own git
    /// directory): what it holds, or nothing when it is missing,
    /// unreadable, damaged or written by another cairn version.
    pub fn open(dir: &Path) -> ResultCache {
        let header = format!("{MAGIC} {}", env!("CARGO_PKG_VERSION"));
        ResultCache {
            file: CacheFile::keeping_text(dir, "results", header, read),
        }
    }

    /// The answer stored under `key`, as the caller wrote it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.file
            .known()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, answer)| answer)
    }

    /// Stores `answer` (one line of text: no line break) under `key`.
    pub fn put(&self, key: String, answer: String) {
        if !answer.contains('\n') {
            self.file.fresh().stored = Some((key, answer));
        }
    }

    /// Writes the file atomically when this command stored an answer: that
    /// one first, then the newest of the others.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let Some((key, answer)) = self.file.take_fresh().stored else {
            return Ok(());
        };
        let mut body = Body::default();
        let line = body.keep();
        line.push_str(&key);
        line.push(' ');
        line.push_str(&answer);
        line.push('\n');
        let mut bytes = key.len() + answer.len() + 2;
        for (k, a) in self
            .file
            .known()
            .iter()
            .filter(|(k, _)| *k != key)
            .take(MAX_ENTRIES - 1)
        {
            bytes += k.len() + a.len() + 2;
            if bytes > MAX_BYTES {
                break;
            }
            let line = body.spare();
            line.push_str(k);
            line.push(' ');
            line.push_str(a);
            line.push('\n');
        }
        self.file.save(body, MAX_BYTES)
    }
}

/// The key of an answer: a digest of what it is made from — the command
/// and its options (`command`, one line each), the cairn build, the whole
/// schema, and each record file's path and blob id (`files`, sorted by
/// path). None when the build cannot be told apart from another.
pub fn key(command: &[&str], schema: &Schema, files: &[(&str, &str)]) -> Option<String> {
    let mut text = String::with_capacity(files.len() * 100 + 4096);
    for line in command {
        super::file::escape(&mut text, line);
        text.push('\n');
    }
    text.push_str(&build()?);
    text.push('\n');
    text.push_str(&format!("{schema:?}\n"));
    for (path, blob) in files {
        super::file::escape(&mut text, path);
        text.push('\t');
        text.push_str(blob);
        text.push('\n');
    }
    crate::git::hash_blob(text.as_bytes()).map(|id| id.to_string())
}

/// The cairn build answering: its version, and the path, size and
/// modification time of its executable, so that a rebuilt cairn (whose
/// checks may differ under the same version) never repeats an older
/// build's answer.
fn build() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(format!(
        "{} {} {} {}",
        env!("CARGO_PKG_VERSION"),
        meta.len(),
        modified.as_nanos(),
        exe.display()
    ))
}

/// The entries of a whole file, in order, in its text; None unless the
/// header matches and the file is complete and well formed line by line.
fn read(text: String, header: &str) -> Option<Entries> {
    let mut spans = Vec::new();
    let base = text.as_ptr() as usize;
    let count = read_lines(&text, header, |line, _| {
        let (key, answer) = line.split_once(' ')?;
        if !super::is_id(key) {
            return None;
        }
        let start = key.as_ptr() as usize - base;
        let answer_start = answer.as_ptr() as usize - base;
        spans.push((
            start..start + key.len(),
            answer_start..answer_start + answer.len(),
        ));
        Some(())
    })?;
    (count == spans.len()).then_some(Entries { text, spans })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ONE: &str = "0123456789abcdef0123456789abcdef01234567";

    fn other(n: usize) -> String {
        format!("{n:040x}")
    }

    #[test]
    fn an_answer_is_found_by_its_key_after_a_save() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(dir.path());
        assert_eq!(cache.get(ONE), None);
        cache.put(ONE.to_string(), "{\"answer\":1}".to_string());
        cache.save().unwrap();
        let cache = ResultCache::open(dir.path());
        assert_eq!(cache.get(ONE), Some("{\"answer\":1}"));
        assert_eq!(cache.get(&other(2)), None);
    }

    #[test]
    fn the_newest_answers_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..MAX_ENTRIES + 3 {
            let cache = ResultCache::open(dir.path());
            cache.put(other(n), format!("answer {n}"));
            cache.save().unwrap();
        }
        let cache = ResultCache::open(dir.path());
        for n in 0..3 {
            assert_eq!(cache.get(&other(n)), None, "{n}");
        }
        for n in 3..MAX_ENTRIES + 3 {
            assert_eq!(cache.get(&other(n)).unwrap(), format!("answer {n}"));
        }
        // Stored again under a known key: one entry, the new answer.
        let cache = ResultCache::open(dir.path());
        cache.put(other(5), "again".to_string());
        cache.save().unwrap();
        let text = std::fs::read_to_string(dir.path().join("results")).unwrap();
        assert_eq!(text.matches(&other(5)).count(), 1, "{text}");
        assert!(text.ends_with(&format!("end {MAX_ENTRIES}\n")), "{text}");
        assert_eq!(ResultCache::open(dir.path()).get(&other(5)), Some("again"));
    }

    #[test]
    fn a_command_that_stored_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(dir.path());
        assert_eq!(cache.get(ONE), None);
        cache.put(ONE.to_string(), "two\nlines".to_string());
        cache.save().unwrap();
        assert!(!dir.path().join("results").exists());
    }

    #[test]
    fn damaged_files_read_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(dir.path());
        cache.put(ONE.to_string(), "kept".to_string());
        cache.save().unwrap();
        let path = dir.path().join("results");
        let good = std::fs::read_to_string(&path).unwrap();
        for damaged in [
            good.replace(ONE, "not-a-key"),
            good.replace("end 1", "end 2"),
            good[..good.len() - 3].to_string(),
            good.replace("cairn-results 1", "cairn-results 9"),
        ] {
            std::fs::write(&path, damaged).unwrap();
            assert_eq!(ResultCache::open(dir.path()).get(ONE), None);
        }
    }

    #[test]
    fn the_key_changes_with_every_input() {
        let schema = crate::config::builtin();
        let files = [("research/a.md", ONE), ("research/b.md", ONE)];
        let base = key(&["validate", "2026-01-01"], &schema, &files).unwrap();
        assert_eq!(
            key(&["validate", "2026-01-01"], &schema, &files).unwrap(),
            base
        );
        let mut other_schema = schema.clone();
        other_schema.kinds.pop();
        let other_blob = other(1);
        for changed in [
            key(&["validate", "2026-01-02"], &schema, &files),
            key(&["list", "2026-01-01"], &schema, &files),
            key(&["validate", "2026-01-01"], &other_schema, &files),
            key(&["validate", "2026-01-01"], &schema, &files[..1]),
            key(
                &["validate", "2026-01-01"],
                &schema,
                &[("research/a.md", ONE), ("research/b.md", &other_blob)],
            ),
            key(
                &["validate", "2026-01-01"],
                &schema,
                &[("research/a.md", ONE), ("research/c.md", ONE)],
            ),
            // Lines are kept apart: no two inputs read as the same text.
            key(&["validate\n2026-01-01"], &schema, &files),
        ] {
            assert_ne!(changed.unwrap(), base);
        }
    }
}
