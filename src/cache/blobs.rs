//! What the history needs of each record blob (`.git/cairn/blobs`): per
//! blob id and path, the record's id and status, or why it is not a record.
//! A warm history walk reads and parses no blob it has seen before.
//!
//! An entry is keyed by content (the blob id) and the path (which decides
//! the kind and may decide the id), and the file's header holds a
//! fingerprint of the kinds it was made for, so an entry can never be
//! stale: a changed schema starts a new file.
//!
//! Size: at most [`MAX_BYTES`]. A write that would pass it keeps what the
//! writing command learned and used, the newest work, and drops the rest.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::file::{Body, CacheFile, escape, read_lines, unescape};
use crate::schema::Schema;

/// The file's first word and format version; a file with another header
/// (another format, cairn version or schema) is rebuilt.
const MAGIC: &str = "cairn-blobs 1";

/// The most bytes the blobs file may hold (about 100 bytes an entry).
pub const MAX_BYTES: usize = 64 << 20;

/// What one blob at one path is to the history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlobFacts {
    /// The record's id, when it is a record with one.
    pub id: Option<String>,
    /// Its status, when set.
    pub status: Option<String>,
    /// Why it is not a record, when it is not one.
    pub broken: Option<String>,
}

/// `(blob, path)`.
type Key = (String, String);

/// The file's entries: per blob, per path, the facts and whether this
/// command used them (looked up without building a key).
type Known = HashMap<String, Vec<Entry>>;

struct Entry {
    path: String,
    facts: Arc<BlobFacts>,
    used: AtomicBool,
}

/// The blob facts cache: what the file held, and what this command used
/// and learned.
pub struct BlobCache {
    file: CacheFile<Known, Fresh>,
}

#[derive(Default)]
struct Fresh {
    learned: HashMap<Key, Arc<BlobFacts>>,
}

impl BlobCache {
    /// Opens the blobs cache under `dir` for `schema`: what it holds, or
    /// nothing when it is missing, unreadable, damaged or made for another
    /// schema or by another cairn version.
    pub fn open(dir: &Path, schema: &Schema) -> BlobCache {
        let header = format!("{MAGIC} {}", super::fingerprint(schema));
        BlobCache {
            file: CacheFile::new(dir, "blobs", header, read),
        }
    }

    /// The facts of `blob` at `path`, if known.
    pub fn get(&self, blob: &str, path: &str) -> Option<Arc<BlobFacts>> {
        if let Some(entry) = self.entry(blob, path) {
            entry.used.store(true, Ordering::Relaxed);
            return Some(Arc::clone(&entry.facts));
        }
        self.file
            .fresh()
            .learned
            .get(&(blob.to_string(), path.to_string()))
            .cloned()
    }

    fn entry(&self, blob: &str, path: &str) -> Option<&Entry> {
        self.file.known().get(blob)?.iter().find(|e| e.path == path)
    }

    /// Keeps the facts of `blob` at `path` for the next run.
    pub fn put(&self, blob: &str, path: &str, facts: &Arc<BlobFacts>) {
        // A path with these characters cannot be written in the format.
        if path.contains(['\t', '\n', '\r', '\\']) {
            return;
        }
        if self.entry(blob, path).is_some() {
            return;
        }
        let key = (blob.to_string(), path.to_string());
        self.file.fresh().learned.insert(key, Arc::clone(facts));
    }

    /// Writes what was learned, atomically; nothing when nothing was. A
    /// cache that cannot be written is an error the caller may ignore.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let fresh = self.file.take_fresh();
        if fresh.learned.is_empty() {
            return Ok(());
        }
        let mut body = Body::default();
        for ((blob, path), facts) in &fresh.learned {
            write_entry(body.keep(), blob, path, facts);
        }
        // Then what this command used; older entries only while they fit.
        for (blob, known) in self.file.known() {
            for entry in known {
                let out = if entry.used.load(Ordering::Relaxed) {
                    body.keep()
                } else {
                    body.spare()
                };
                write_entry(out, blob, &entry.path, &entry.facts);
            }
        }
        self.file.save(body, MAX_BYTES)
    }
}

/// One line: `blob \t path \t id \t status \t broken`, each optional value
/// `-` for none or `+` and the text, with `\`, tab and line breaks escaped.
fn write_entry(out: &mut String, blob: &str, path: &str, facts: &BlobFacts) {
    out.push_str(blob);
    out.push('\t');
    out.push_str(path);
    for value in [&facts.id, &facts.status, &facts.broken] {
        out.push('\t');
        match value {
            None => out.push('-'),
            Some(text) => {
                out.push('+');
                escape(out, text);
            }
        }
    }
    out.push('\n');
}

/// The entries of a whole file; None unless the header matches and the
/// file is complete and well formed.
fn read(text: &str, header: &str) -> Option<Known> {
    let mut known = Known::new();
    let mut entries = 0;
    let count = read_lines(text, header, |line, _| {
        let mut words = line.split('\t');
        let blob = words.next().filter(|b| super::is_id(b))?;
        let path = words.next().filter(|p| !p.is_empty())?;
        let mut value = || match words.next()? {
            "-" => Some(None),
            word => unescape(word.strip_prefix('+')?).map(Some),
        };
        let facts = BlobFacts {
            id: value()?,
            status: value()?,
            broken: value()?,
        };
        if words.next().is_some() {
            return None;
        }
        let paths: &mut Vec<Entry> = known.entry(blob.to_string()).or_default();
        if paths.iter().any(|e| e.path == path) {
            return None;
        }
        paths.push(Entry {
            path: path.to_string(),
            facts: Arc::new(facts),
            used: AtomicBool::new(false),
        });
        entries += 1;
        Some(())
    })?;
    (count == entries).then_some(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    const BLOB: &str = "0123456789abcdef0123456789abcdef01234567";

    fn facts(id: &str, status: Option<&str>, broken: Option<&str>) -> Arc<BlobFacts> {
        Arc::new(BlobFacts {
            id: (!id.is_empty()).then(|| id.to_string()),
            status: status.map(str::to_string),
            broken: broken.map(str::to_string),
        })
    }

    #[test]
    fn what_is_saved_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let schema = config::builtin();
        let cache = BlobCache::open(dir.path(), &schema);
        let done = facts("EXP-1", Some("done \\ ok\tx"), None);
        let broken = facts("", None, Some("line 3:\nYAML syntax error"));
        cache.put(BLOB, "research/experiments/EXP-1 a.md", &done);
        cache.put(BLOB, "research/decisions/x.md", &broken);
        cache.save().unwrap();

        let cache = BlobCache::open(dir.path(), &schema);
        assert_eq!(
            cache.get(BLOB, "research/experiments/EXP-1 a.md"),
            Some(done)
        );
        assert_eq!(cache.get(BLOB, "research/decisions/x.md"), Some(broken));
        assert_eq!(cache.get(BLOB, "research/decisions/y.md"), None);
    }

    #[test]
    fn damaged_or_foreign_files_read_as_empty_and_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let schema = config::builtin();
        let cache = BlobCache::open(dir.path(), &schema);
        let one = facts("DEC-1", Some("accepted"), None);
        cache.put(BLOB, "research/decisions/DEC-1.md", &one);
        cache.save().unwrap();
        let file = dir.path().join("blobs");
        let good = std::fs::read_to_string(&file).unwrap();

        let mut other = schema.clone();
        other.kinds.pop();
        let other_schema = BlobCache::open(dir.path(), &other);
        assert_eq!(other_schema.get(BLOB, "research/decisions/DEC-1.md"), None);

        let truncated = &good[..good.len() - 4];
        let other_version = good.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1);
        let bad_escape = good.replace("+accepted", "+acc\\qepted");
        for damaged in [truncated, &other_version, &bad_escape, "", "\u{0}garbage"] {
            std::fs::write(&file, damaged).unwrap();
            let cache = BlobCache::open(dir.path(), &schema);
            assert_eq!(cache.get(BLOB, "research/decisions/DEC-1.md"), None);
            cache.put(BLOB, "research/decisions/DEC-1.md", &one);
            cache.save().unwrap();
            assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
        }
    }

    #[test]
    fn nothing_new_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = BlobCache::open(&dir.path().join("cairn"), &config::builtin());
        cache.put(BLOB, "a\nb.md", &facts("EXP-1", None, None));
        assert_eq!(cache.get(BLOB, "a\nb.md"), None);
        cache.save().unwrap();
        assert!(!dir.path().join("cairn").exists());
    }
}
