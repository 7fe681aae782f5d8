//! What `validate` and `list` last answered for a set of record files
//! (`cairn/results/` in the work tree's own git directory, one file per
//! answer named by its key), so that running
//! them again on the same files repeats the answer without rebuilding and
//! checking each record: `validate --cached` in a pre-commit hook on a
//! commit that changes only code, `validate --rev` run again on the same
//! commit, a `validate` of an unchanged working tree.
//!
//! An entry is keyed by a digest ([`key_once_read`]) of everything its answer is
//! made from: the command and its options, the snapshot it read (working
//! tree, index or revision), the cairn build, the whole schema, and every
//! record file's path and blob id. For the working tree, those ids come
//! from the stat cache ([`super::worktree`]), and an entry is looked up
//! only when it knows every record file unchanged; a run that had to read
//! some files stores its answer under the ids it hashed them to, so the
//! next run on the same files repeats it. A symlinked record
//! file (whose record is another file's bytes), or in the working tree an
//! unreadable, oversized or changed one, means the records are built and
//! checked as usual. What else an answer read (for `validate`, whether
//! each link target exists, and today's date, which review dates are
//! checked against) is kept in the entry or its key and checked again
//! before it is used. A different answer is then never given: the same
//! inputs make the same answer.
//!
//! Size: the [`MAX_ENTRIES`] answers stored last, each at most
//! [`MAX_BYTES`]. A command reads only the file of the answer it asks for.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::schema::Schema;

/// The first word and format version of each answer's file.
const MAGIC: &str = "cairn-results 1";

/// How many answers are kept: enough for `validate` of the working tree,
/// the index and a revision, and a few listings (each kept as found and
/// as shown).
pub const MAX_ENTRIES: usize = 16;

/// The most bytes one answer's file may hold; a larger answer is not kept.
pub const MAX_BYTES: usize = 32 << 20;

/// The results cache: a folder with one file per answer, named by its key,
/// and the answer this command stored.
pub struct ResultCache {
    dir: PathBuf,
    header: String,
    stored: Mutex<Vec<(String, String)>>,
}

impl ResultCache {
    /// Opens the results cache under `dir` (in the work tree's own git
    /// directory). Nothing is read until an answer is asked for.
    pub fn open(dir: &Path) -> ResultCache {
        ResultCache {
            dir: dir.join("results"),
            header: format!("{MAGIC} {}", env!("CARGO_PKG_VERSION")),
            stored: Mutex::default(),
        }
    }

    /// The answer stored under `key`, as the caller wrote it; None when
    /// there is none, or its file is unreadable, damaged or written by
    /// another cairn version.
    fn get(&self, key: &str) -> Option<String> {
        if !super::is_id(key) {
            return None;
        }
        let path = self.dir.join(key);
        let len = fs::symlink_metadata(&path).ok()?.len();
        if usize::try_from(len).map_or(true, |len| len > MAX_BYTES) {
            return None;
        }
        let mut text = fs::read_to_string(&path).ok()?;
        let start = self.header.len() + 1;
        let end = text.len().checked_sub("\nend 1\n".len())?;
        let well_formed = text.starts_with(&self.header)
            && text[start - 1..].starts_with('\n')
            && start <= end
            && text[end..] == *"\nend 1\n"
            && !text[start..end].contains('\n');
        if !well_formed {
            return None;
        }
        // In place: a listing's answer may be tens of megabytes.
        text.truncate(end);
        text.drain(..start);
        Some(text)
    }

    /// Stores `answer` (one line of text: no line break) under `key`; a
    /// command may store more than one (a listing, and the listing shown).
    fn put(&self, key: String, answer: String) {
        if !answer.contains('\n') && super::is_id(&key) {
            let mut stored = self.stored.lock().unwrap_or_else(|p| p.into_inner());
            stored.retain(|(k, _)| *k != key);
            stored.push((key, answer));
        }
    }

    /// The answer stored under `key`, read back as the `T` it was stored
    /// as ([`ResultCache::put_as`]); None as for a missing answer when it
    /// does not read as one.
    pub fn get_as<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        serde_json::from_str(&self.get(key)?).ok()
    }

    /// Stores `answer` under `key`, as one line of JSON.
    pub fn put_as<T: Serialize>(&self, key: String, answer: &T) {
        if let Ok(text) = serde_json::to_string(answer) {
            self.put(key, text);
        }
    }

    /// Stores `text` (line breaks and all) under `key`, after `head` (one
    /// word of the caller's, no space or line break in it): for an answer
    /// that is mostly text, such as a rendered listing, which JSON would
    /// escape and read back through a buffer that grows to twice its size.
    pub fn put_text(&self, key: String, head: &str, text: &str) {
        if head.contains([' ', '\n']) {
            return;
        }
        let mut line = String::with_capacity(head.len() + text.len() + text.len() / 16 + 3);
        line.push_str("T ");
        line.push_str(head);
        line.push(' ');
        super::file::escape(&mut line, text);
        self.put(key, line);
    }

    /// The `head` and text stored under `key` by
    /// [`ResultCache::put_text`]; None as for a missing answer when it
    /// was not stored that way.
    pub fn get_text(&self, key: &str) -> Option<(String, String)> {
        let mut line = self.get(key)?;
        let (head, _) = line.strip_prefix("T ")?.split_once(' ')?;
        let head = head.to_string();
        // In place: a listing's text may be tens of megabytes.
        line.drain(.."T ".len() + head.len() + 1);
        Some((head, super::file::unescape_owned(line)?))
    }

    /// Writes the answers this command stored, if any, each atomically in
    /// its own file, then removes all but the [`MAX_ENTRIES`] newest.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let stored = self.stored.into_inner().unwrap_or_else(|p| p.into_inner());
        let stored: Vec<_> = stored
            .into_iter()
            .filter(|(_, answer)| self.header.len() + answer.len() + 8 <= MAX_BYTES)
            .collect();
        if stored.is_empty() {
            return Ok(());
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| crate::write::WriteError::Io { path, source }
        };
        // A file in the folder's place (an older layout) is replaced.
        if fs::symlink_metadata(&self.dir).is_ok_and(|m| !m.is_dir()) {
            fs::remove_file(&self.dir).map_err(io(&self.dir))?;
        }
        fs::create_dir_all(&self.dir).map_err(io(&self.dir))?;
        for (key, answer) in &stored {
            crate::write::put(
                &self.dir.join(key),
                &[
                    self.header.as_bytes(),
                    b"\n",
                    answer.as_bytes(),
                    b"\nend 1\n",
                ],
            )?;
        }
        // Pruning is best effort: an entry that cannot be read is left for
        // the next save, and costs space, never a wrong answer.
        let mut answers: Vec<(std::time::SystemTime, PathBuf)> = fs::read_dir(&self.dir)
            .map_err(io(&self.dir))?
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_str().is_some_and(super::is_id))
            .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
            .collect();
        answers.sort_by(|a, b| b.cmp(a));
        for (_, old) in answers.into_iter().skip(MAX_ENTRIES) {
            // Another command may have removed it first.
            let _ = fs::remove_file(old);
        }
        Ok(())
    }
}

/// The key of an answer for `files` (path and blob id, sorted by path): a
/// digest of the command and its options (`command`, one line each), the
/// cairn build, the whole schema, and each file's path and blob id, once
/// each is known, those missing taken from `read` (the ids of the files
/// read to make the answer). None while one is unknown, or when the build
/// cannot be told apart from another.
pub fn key_once_read(
    command: &[&str],
    schema: &Schema,
    files: &[(impl AsRef<str>, Option<impl AsRef<str>>)],
    read: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let blobs: Vec<Cow<'_, str>> = files
        .iter()
        .map(|(path, blob)| match blob {
            Some(blob) => Some(Cow::Borrowed(blob.as_ref())),
            None => read(path.as_ref()).map(Cow::Owned),
        })
        .collect::<Option<_>>()?;
    let pairs: Vec<(&str, &str)> = files
        .iter()
        .zip(&blobs)
        .map(|((path, _), blob)| (path.as_ref(), blob.as_ref()))
        .collect();
    key(command, schema, &pairs)
}

/// The key of an answer: a digest of what it is made from — the command
/// and its options (`command`, one line each), the cairn build, the whole
/// schema, and each record file's path and blob id (`files`, sorted by
/// path). None when the build cannot be told apart from another.
fn key(command: &[&str], schema: &Schema, files: &[(&str, &str)]) -> Option<String> {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    // Hashed a line at a time: the text of a large log's paths is never
    // held whole.
    let mut hasher = sha2::Sha256::new();
    let mut line = String::with_capacity(4096);
    for part in command {
        line.clear();
        super::file::escape(&mut line, part);
        line.push('\n');
        hasher.update(line.as_bytes());
    }
    hasher.update(build()?.as_bytes());
    hasher.update(b"\n");
    hasher.update(format!("{schema:?}\n").as_bytes());
    for (path, blob) in files {
        line.clear();
        super::file::escape(&mut line, path);
        line.push('\t');
        line.push_str(blob);
        line.push('\n');
        hasher.update(line.as_bytes());
    }
    let mut id = String::with_capacity(64);
    for byte in hasher.finalize() {
        let _ = write!(id, "{byte:02x}");
    }
    Some(id)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ONE: &str = "0123456789abcdef0123456789abcdef01234567";

    fn other(n: usize) -> String {
        format!("{n:040x}")
    }

    fn store(dir: &Path, key: &str, answer: &str) {
        let cache = ResultCache::open(dir);
        cache.put(key.to_string(), answer.to_string());
        cache.save().unwrap();
    }

    #[test]
    fn an_answer_is_found_by_its_key_after_a_save() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(ResultCache::open(dir.path()).get(ONE), None);
        store(dir.path(), ONE, "{\"answer\":1}");
        let cache = ResultCache::open(dir.path());
        assert_eq!(cache.get(ONE).as_deref(), Some("{\"answer\":1}"));
        assert_eq!(cache.get(&other(2)), None);
        let file = std::fs::read_to_string(dir.path().join("results").join(ONE)).unwrap();
        assert_eq!(
            file,
            format!(
                "cairn-results 1 {}\n{{\"answer\":1}}\nend 1\n",
                env!("CARGO_PKG_VERSION")
            )
        );
    }

    #[test]
    fn the_newest_answers_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..MAX_ENTRIES + 3 {
            store(dir.path(), &other(n), &format!("answer {n}"));
            // Distinct modification times, oldest first.
            let file = std::fs::File::options()
                .append(true)
                .open(dir.path().join("results").join(other(n)))
                .unwrap();
            file.set_modified(
                std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000 + n as u64),
            )
            .unwrap();
        }
        let cache = ResultCache::open(dir.path());
        let kept: Vec<usize> = (0..MAX_ENTRIES + 3)
            .filter(|n| cache.get(&other(*n)).is_some())
            .collect();
        // Each save keeps the eight newest files: the one it wrote, and the
        // seven whose (set) times are latest.
        assert_eq!(kept.len(), MAX_ENTRIES, "{kept:?}");
        assert!(kept.contains(&(MAX_ENTRIES + 2)), "{kept:?}");
        assert!(!kept.contains(&0) && !kept.contains(&1), "{kept:?}");
        // Stored again under a known key: one file, the new answer.
        store(dir.path(), &other(5), "again");
        assert_eq!(
            ResultCache::open(dir.path()).get(&other(5)).as_deref(),
            Some("again")
        );
    }

    #[test]
    fn nothing_stored_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        ResultCache::open(dir.path()).save().unwrap();
        store(dir.path(), ONE, "two\nlines");
        store(dir.path(), "not-a-key", "one line");
        assert!(!dir.path().join("results").exists());
    }

    #[test]
    fn damaged_files_read_as_nothing() {
        let dir = tempfile::tempdir().unwrap();
        store(dir.path(), ONE, "kept");
        let path = dir.path().join("results").join(ONE);
        let good = std::fs::read_to_string(&path).unwrap();
        for damaged in [
            good.replace("end 1", "end 2"),
            good[..good.len() - 3].to_string(),
            good.replace("cairn-results 1", "cairn-results 9"),
            good.replace("kept", "two\nlines"),
            String::new(),
        ] {
            std::fs::write(&path, damaged).unwrap();
            assert_eq!(ResultCache::open(dir.path()).get(ONE), None);
        }
        // A file where the folder goes (an older layout) is replaced.
        std::fs::remove_dir_all(dir.path().join("results")).unwrap();
        std::fs::write(dir.path().join("results"), "old").unwrap();
        store(dir.path(), ONE, "kept");
        assert_eq!(
            ResultCache::open(dir.path()).get(ONE).as_deref(),
            Some("kept")
        );
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

    #[test]
    fn a_text_answer_reads_back_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ResultCache::open(dir.path());
        let key = "c".repeat(64);
        let text = "ID  TITLE\nEXP-1  tabs\there, a \\ and \u{1f}\r\n\nlast";
        cache.put_text(key.clone(), "12,0", text);
        // A head with a space or a line break is refused, not stored.
        cache.put_text("d".repeat(64), "1 2", text);
        cache.save().unwrap();
        let cache = ResultCache::open(dir.path());
        assert_eq!(
            cache.get_text(&key),
            Some(("12,0".to_string(), text.to_string()))
        );
        assert_eq!(cache.get_text(&"d".repeat(64)), None);
        // An answer stored as JSON is not text.
        cache.put_as("e".repeat(64), &vec![1, 2]);
        cache.save().unwrap();
        let cache = ResultCache::open(dir.path());
        assert_eq!(cache.get_text(&"e".repeat(64)), None);
        assert_eq!(cache.get_as::<Vec<u32>>(&"e".repeat(64)), Some(vec![1, 2]));
    }
}
