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
//!
//! The file's text is kept as read, with an index of where each entry's
//! line is, and an entry is decoded only when a walk asks for it: a long
//! history's file holds hundreds of thousands of entries, and decoded they
//! took three times the file's size.

use crate::hash::Map as HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::file::{Body, CacheFile, escape, read_lines, unescape};
use super::spill::{Learned, digest};
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

/// The file's text and where each entry's line is in it, found by its blob
/// without building a key.
#[derive(Default)]
struct Known {
    text: String,
    /// Per blob (by [`blob_key`]), its first line in `lines`.
    first: HashMap<u64, u32>,
    lines: Vec<Line>,
}

/// One entry's line (without its line break) in the text.
struct Line {
    start: u32,
    end: u32,
    /// The next line of a blob with the same key ([`NONE`]: the last).
    next: u32,
    /// Whether this command used the entry.
    used: AtomicBool,
}

/// No line.
const NONE: u32 = u32::MAX;

impl Known {
    fn line(&self, line: &Line) -> &str {
        &self.text[line.start as usize..line.end as usize]
    }

    /// The line of `blob` at `path`, if the file holds one.
    fn find(&self, blob: &str, path: &str) -> Option<&Line> {
        let mut at = *self.first.get(&blob_key(blob)?)?;
        while at != NONE {
            let line = self.lines.get(at as usize)?;
            let mut words = self.line(line).split('\t');
            if words.next() == Some(blob) && words.next() == Some(path) {
                return Some(line);
            }
            at = line.next;
        }
        None
    }
}

/// The number the first 16 hex digits of a blob id make: spread enough
/// to index by, and no copy of the id.
fn blob_key(blob: &str) -> Option<u64> {
    u64::from_str_radix(blob.get(..16)?, 16).ok()
}

/// The blob facts cache: what the file held, and what this command used
/// and learned.
pub struct BlobCache {
    /// What this command learned (a walk over a long history learns an
    /// entry per version of each record), keyed by [`digest`] of the blob
    /// and the path.
    file: CacheFile<Known, Learned>,
}

impl BlobCache {
    /// Opens the blobs cache under `dir` for `schema`: what it holds, or
    /// nothing when it is missing, unreadable, damaged or made for another
    /// schema or by another cairn version.
    pub fn open(dir: &Path, schema: &Schema) -> BlobCache {
        let header = format!("{MAGIC} {}", super::fingerprint(schema));
        let file = CacheFile::learning(dir, "blobs", header, read);
        BlobCache { file }
    }

    /// The facts of `blob` at `path`, if known.
    pub fn get(&self, blob: &str, path: &str) -> Option<Arc<BlobFacts>> {
        let known = self.file.known();
        if let Some(line) = known.find(blob, path) {
            // Every line was read through once: it decodes.
            if let Some((_, _, facts)) = read_entry(known.line(line)) {
                line.used.store(true, Ordering::Relaxed);
                return Some(Arc::new(facts));
            }
        }
        let line = self.file.fresh().read(digest(&[blob, path]))?;
        let (b, p, facts) = read_entry(line.strip_suffix('\n')?)?;
        ((b, p) == (blob, path)).then(|| Arc::new(facts))
    }

    /// Keeps the facts of `blob` at `path` for the next run.
    pub fn put(&self, blob: &str, path: &str, facts: &Arc<BlobFacts>) {
        // A path with these characters cannot be written in the format.
        if path.contains(['\t', '\n', '\r', '\\']) {
            return;
        }
        if self.file.known().find(blob, path).is_some() {
            return;
        }
        self.file.fresh().learn(digest(&[blob, path]), |line| {
            write_entry(line, blob, path, facts)
        });
    }

    /// Writes what was learned, atomically; nothing when nothing was. A
    /// cache that cannot be written is an error the caller may ignore.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let learned = self.file.take_fresh();
        if learned.nothing_to_save() {
            return Ok(());
        }
        // What was learned (the spill), then what this command used; older
        // entries only while they fit.
        let mut body = Body::default();
        let known = self.file.known();
        for line in &known.lines {
            let out = body.entry(line.used.load(Ordering::Relaxed));
            out.push_str(known.line(line));
            out.push('\n');
        }
        self.file.save_learned(learned, body, MAX_BYTES)
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

/// One line's blob, path and facts; None unless well formed.
fn read_entry(line: &str) -> Option<(&str, &str, BlobFacts)> {
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
    words.next().is_none().then_some((blob, path, facts))
}

/// The index of a whole file, its text kept; None unless the header
/// matches and the file is complete and well formed, every line read
/// through once.
fn read(text: String, header: &str) -> Option<Known> {
    // Offsets are kept in 32 bits: far beyond the file's bound.
    u32::try_from(text.len()).ok()?;
    let base = text.as_ptr() as usize;
    let mut first: HashMap<u64, u32> = HashMap::default();
    let mut lines: Vec<Line> = Vec::new();
    let count = read_lines(&text, header, |line, _| {
        let (blob, path, _) = read_entry(line)?;
        let start = line.as_ptr() as usize - base;
        let at = u32::try_from(lines.len()).ok()?;
        let slot = first.entry(blob_key(blob)?).or_insert(NONE);
        // A second entry for the same blob and path: damaged.
        let mut other = *slot;
        while other != NONE {
            let seen = lines.get(other as usize)?;
            let mut words = text[seen.start as usize..seen.end as usize].split('\t');
            if words.next() == Some(blob) && words.next() == Some(path) {
                return None;
            }
            other = seen.next;
        }
        lines.push(Line {
            start: u32::try_from(start).ok()?,
            end: u32::try_from(start + line.len()).ok()?,
            next: *slot,
            used: AtomicBool::new(false),
        });
        *slot = at;
        Some(())
    })?;
    (count == lines.len()).then_some(Known { text, first, lines })
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
    fn what_is_learned_is_read_back_before_the_save_and_only_for_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let schema = config::builtin();
        let cache = BlobCache::open(dir.path(), &schema);
        let done = facts("EXP-1", Some("done"), None);
        cache.put(BLOB, "research/experiments/EXP-1.md", &done);
        cache.put(BLOB, "research/experiments/EXP-1.md", &done);
        assert_eq!(cache.get(BLOB, "research/experiments/EXP-1.md"), Some(done));
        // Another key that a digest led to the same line (rare, but not
        // impossible): the line names its key, and the lookup misses.
        cache.file.fresh().alias(
            digest(&[BLOB, "research/experiments/EXP-1.md"]),
            digest(&[BLOB, "research/experiments/EXP-2.md"]),
        );
        assert_eq!(cache.get(BLOB, "research/experiments/EXP-2.md"), None);
        cache.save().unwrap();
        let text = std::fs::read_to_string(dir.path().join("blobs")).unwrap();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.ends_with("\nend 1\n"), "{text}");
        let cache = BlobCache::open(dir.path(), &schema);
        assert!(cache.get(BLOB, "research/experiments/EXP-1.md").is_some());
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
    fn entries_of_blobs_alike_in_their_first_digits_are_told_apart_and_kept_across_saves() {
        let dir = tempfile::tempdir().unwrap();
        let schema = config::builtin();
        // The same first 16 digits: the same index key.
        let other = "0123456789abcdef99999999999999999999999a";
        let path = "research/experiments/EXP-1.md";
        let one = facts("EXP-1", Some("running"), None);
        let two = facts("EXP-1", Some("done"), None);
        let cache = BlobCache::open(dir.path(), &schema);
        cache.put(BLOB, path, &one);
        cache.put(other, path, &two);
        cache.save().unwrap();

        // A second run uses one entry, learns a third and saves: all three
        // are read back by the next.
        let cache = BlobCache::open(dir.path(), &schema);
        assert_eq!(cache.get(other, path), Some(two.clone()));
        let three = facts("EXP-2", None, None);
        cache.put(other, "research/experiments/EXP-2.md", &three);
        cache.put(BLOB, path, &two);
        cache.save().unwrap();

        let cache = BlobCache::open(dir.path(), &schema);
        assert_eq!(cache.get(BLOB, path), Some(one));
        assert_eq!(cache.get(other, path), Some(two));
        assert_eq!(
            cache.get(other, "research/experiments/EXP-2.md"),
            Some(three)
        );
        assert_eq!(
            cache.get("0123456789abcdef0000000000000000000000ff", path),
            None
        );
    }

    #[test]
    fn a_file_with_one_blob_and_path_twice_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let schema = config::builtin();
        let cache = BlobCache::open(dir.path(), &schema);
        let path = "research/decisions/DEC-1.md";
        cache.put(BLOB, path, &facts("DEC-1", Some("accepted"), None));
        cache.save().unwrap();
        let file = dir.path().join("blobs");
        let good = std::fs::read_to_string(&file).unwrap();
        let line = good.lines().nth(1).unwrap();
        let twice = good
            .replacen(line, &format!("{line}\n{line}"), 1)
            .replacen("end 1", "end 2", 1);
        std::fs::write(&file, twice).unwrap();
        let cache = BlobCache::open(dir.path(), &schema);
        assert_eq!(cache.get(BLOB, path), None);
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
