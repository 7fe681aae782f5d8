//! What the `fronts` and `outlines` files share: one line per blob id,
//! `<blob> <json>`, where the JSON is a list and is decoded only when a
//! command asks for that blob (the file's text is kept and indexed, not
//! copied entry by entry); and the JSON form of front matter fields that
//! both write, `[key, line, value]` with plain JSON values.
//!
//! What a command learns is written out as it is learned (see
//! [`super::spill`]); a save completes that file with what the command
//! used, then older entries only while the whole file stays within its
//! bound.

use crate::hash::Map as HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::file::{Body, CacheFile, read_lines};
use super::spill::{Learned, digest};
use crate::frontmatter::{Field, FrontMatter};
use crate::value::Value;

/// A file of one JSON line per blob id.
pub(super) struct JsonLines {
    /// What this command learned, by [`digest`] of the blob id.
    file: CacheFile<Known, Learned>,
}

/// The file's text and, per blob, where its line is in it and whether
/// this command used it. Entries are found by the first 16 hex digits of
/// their blob id (which are as good as random) and checked against the
/// id in the text: a large log's hundred thousand entries take a tenth of
/// the room a string key each took. Ids that share those digits go to
/// `shared`.
#[derive(Default)]
struct Known {
    text: String,
    entries: HashMap<u64, Line>,
    shared: HashMap<String, Line>,
}

/// Where one entry's line `<blob> <json>` is in the text, and whether this
/// command used it.
struct Line {
    /// Where the line starts (its blob id).
    start: u32,
    /// The length of its blob id (40 or 64 hex digits).
    blob: u8,
    /// Where its JSON ends (before the line break).
    end: u32,
    used: AtomicBool,
}

impl Line {
    fn blob<'t>(&self, text: &'t str) -> &'t str {
        let start = self.start as usize;
        &text[start..start + usize::from(self.blob)]
    }

    fn json<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start as usize + usize::from(self.blob) + 1..self.end as usize]
    }

    /// The whole line, its line break included.
    fn line<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start as usize..=self.end as usize]
    }
}

/// What a blob id's entry is found by: its first 16 hex digits.
fn short(blob: &str) -> Option<u64> {
    u64::from_str_radix(blob.get(..16)?, 16).ok()
}

impl Known {
    fn line(&self, blob: &str) -> Option<&Line> {
        match self.entries.get(&short(blob)?) {
            Some(line) if line.blob(&self.text) == blob => Some(line),
            _ => self.shared.get(blob),
        }
    }

    fn lines(&self) -> impl Iterator<Item = &Line> {
        self.entries.values().chain(self.shared.values())
    }
}

impl JsonLines {
    /// The file `name` under `dir` with its `header` line.
    pub(super) fn open(dir: &Path, name: &str, header: String) -> JsonLines {
        let file = CacheFile::learning(dir, name, header, read);
        JsonLines { file }
    }

    /// What `decode` makes of the JSON of `blob`, if the file holds it (or
    /// this command learned it) and it decodes; only then does a file's
    /// entry count as used.
    pub(super) fn get<T>(&self, blob: &str, decode: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        let known = self.file.known();
        let Some(line) = known.line(blob) else {
            // Read back (the lock is released before decoding, so that
            // other threads may look entries up meanwhile), and checked to
            // be this blob's: another blob's digest may have led there.
            let line = self.file.fresh().read(digest(&[blob]))?;
            let json = line
                .strip_suffix('\n')?
                .strip_prefix(blob)?
                .strip_prefix(' ')?;
            return decode(json);
        };
        let value = decode(line.json(&known.text))?;
        line.used.store(true, Ordering::Relaxed);
        Some(value)
    }

    /// Whether the file holds `blob`; it may still fail to decode.
    pub(super) fn contains(&self, blob: &str) -> bool {
        self.file.known().line(blob).is_some()
    }

    /// Keeps `json` (a JSON list on one line) as the entry of `blob`; it
    /// replaces what the file held. A blob learned once in this command is
    /// kept as first learned: an entry depends on the blob alone.
    pub(super) fn put(&self, blob: &str, json: &str) {
        self.file.fresh().learn(digest(&[blob]), |line| {
            line.push_str(blob);
            line.push(' ');
            line.push_str(json);
            line.push('\n');
        });
    }

    /// Writes what was learned, atomically, within `max_bytes` as
    /// [`Body`] bounds it; nothing when nothing was learned.
    pub(super) fn save(self, max_bytes: usize) -> Result<(), crate::write::WriteError> {
        let learned = self.file.take_fresh();
        if learned.nothing_to_save() {
            return Ok(());
        }
        // What was learned (the spill), in the order it was learned; then
        // what this command used; older entries only while they fit.
        let mut body = Body::default();
        let known = self.file.known();
        for line in known.lines() {
            if learned.has(digest(&[line.blob(&known.text)])) {
                continue;
            }
            // The entry's line as the file has it, `<blob> <json>\n`,
            // borrowed: a large file is not copied to be written again.
            body.entry_read(line.used.load(Ordering::Relaxed), line.line(&known.text));
        }
        self.file.save_learned(learned, body, max_bytes)
    }
}

/// The entries of a whole file, undecoded; None unless the header matches
/// and the file is complete and well formed line by line.
fn read(text: String, header: &str) -> Option<Known> {
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    let mut entries = HashMap::with_capacity_and_hasher(lines, Default::default());
    let mut shared = HashMap::default();
    let base = text.as_ptr() as usize;
    let mut count = 0;
    let written = read_lines(&text, header, |line, _| {
        let (blob, json) = line.split_once(' ')?;
        if !super::is_id(blob) || !json.starts_with('[') {
            return None;
        }
        let start = line.as_ptr() as usize - base;
        let entry = Line {
            start: u32::try_from(start).ok()?,
            blob: u8::try_from(blob.len()).ok()?,
            end: u32::try_from(start + line.len()).ok()?,
            used: AtomicBool::new(false),
        };
        count += 1;
        match entries.entry(short(blob)?) {
            Entry::Vacant(vacant) => {
                vacant.insert(entry);
            }
            // The same id twice is a damaged file; another id with the
            // same first digits is kept aside.
            Entry::Occupied(taken) if taken.get().blob(&text) == blob => return None,
            Entry::Occupied(_) => {
                if shared.insert(blob.to_string(), entry).is_some() {
                    return None;
                }
            }
        }
        Some(())
    })?;
    (written == count).then_some(Known {
        text,
        entries,
        shared,
    })
}

/// The fields of `front` as written, `[key, line, value]` each; None when
/// a value cannot be written (a float that is not finite: JSON has none).
pub(super) fn fields_json(front: &FrontMatter) -> Option<Vec<(&String, usize, &Value)>> {
    front
        .fields
        .iter()
        .map(|f| finite(&f.value).then_some((&f.key, f.line, &f.value)))
        .collect()
}

/// The fields [`fields_json`] wrote, read back, holding no spare room
/// (the list was grown as it was read, and is kept in its place).
pub(super) fn fields_from(fields: Vec<(String, usize, V)>) -> Vec<Field> {
    let mut fields: Vec<Field> = fields
        .into_iter()
        .map(|(key, line, V(value))| Field { key, line, value })
        .collect();
    fields.shrink_to_fit();
    fields
}

/// Whether every number in `value` is finite.
fn finite(value: &Value) -> bool {
    match value {
        Value::Float(x) => x.is_finite(),
        Value::List(items) => items.iter().all(finite),
        Value::Map(entries) => entries.iter().all(|(_, v)| finite(v)),
        _ => true,
    }
}

/// A [`Value`] read back from the JSON its `Serialize` wrote (a mapping is
/// an object in its order; a float always has a point or an exponent, so
/// it reads back as a float).
pub(super) struct V(Value);

impl<'de> Deserialize<'de> for V {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<V, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(V)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a front matter value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        i64::try_from(n)
            .map(Value::Int)
            .map_err(|_| E::custom("integer out of range"))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Float(x))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(V(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::list(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((key, V(value))) = map.next_entry::<String, V>()? {
            entries.push((key, value));
        }
        Ok(Value::map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::names;

    #[test]
    fn what_is_learned_waits_on_disk_and_is_read_back_for_its_blob_alone() {
        let dir = tempfile::tempdir().unwrap();
        let lines = JsonLines::open(dir.path(), "lines", "head 1".into());
        let (a, b) = ("a".repeat(40), "b".repeat(40));
        lines.put(&a, "[1]");
        // An entry depends on the blob alone: the first one learned stays.
        lines.put(&a, "[2]");
        let spilled = names(dir.path());
        assert_eq!(spilled.len(), 1);
        assert!(spilled[0].starts_with(".cairn-spill-"), "{spilled:?}");
        let json = |blob: &str| lines.get(blob, |json| Some(json.to_string()));
        assert_eq!(json(&a).as_deref(), Some("[1]"));
        // Another blob that a digest led to the same line (rare, but not
        // impossible): the line names its blob, and the lookup misses.
        lines.file.fresh().alias(digest(&[&a]), digest(&[&b]));
        assert_eq!(json(&b), None);
        lines.save(1 << 20).unwrap();
        assert_eq!(names(dir.path()), ["lines"]);
        let text = std::fs::read_to_string(dir.path().join("lines")).unwrap();
        assert_eq!(text, format!("head 1\n{a} [1]\nend 1\n"));
    }

    #[test]
    fn a_save_keeps_the_older_entries_not_learned_again() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = ("a".repeat(40), "b".repeat(40));
        let lines = JsonLines::open(dir.path(), "lines", "head 1".into());
        lines.put(&a, "[1]");
        lines.put(&b, "[1]");
        lines.save(1 << 20).unwrap();
        // The next command finds `b` changed (a new outline format would):
        // what it learned replaces the file's entry, and `a` stays.
        let lines = JsonLines::open(dir.path(), "lines", "head 1".into());
        lines.put(&b, "[2]");
        lines.save(1 << 20).unwrap();
        let text = std::fs::read_to_string(dir.path().join("lines")).unwrap();
        assert_eq!(text, format!("head 1\n{b} [2]\n{a} [1]\nend 2\n"));
    }

    #[test]
    fn ids_that_share_their_first_digits_are_each_found() {
        let dir = tempfile::tempdir().unwrap();
        // Three ids alike in their first 16 digits (one of them as long
        // as a SHA-256 id), and one that is not.
        let ids = [
            format!("{}{}", "1".repeat(16), "a".repeat(24)),
            format!("{}{}", "1".repeat(16), "b".repeat(24)),
            format!("{}{}", "1".repeat(16), "c".repeat(48)),
            "2".repeat(40),
        ];
        let body: String = ids
            .iter()
            .enumerate()
            .map(|(n, id)| format!("{id} [{n}]\n"))
            .collect();
        let file = dir.path().join("lines");
        std::fs::write(&file, format!("head 1\n{body}end 4\n")).unwrap();
        let lines = JsonLines::open(dir.path(), "lines", "head 1".into());
        for (n, id) in ids.iter().enumerate() {
            assert!(lines.contains(id), "{id}");
            let json = lines.get(id, |json| Some(json.to_string()));
            assert_eq!(json, Some(format!("[{n}]")), "{id}");
        }
        let absent = format!("{}{}", "1".repeat(16), "d".repeat(24));
        assert!(!lines.contains(&absent));
        assert!(!lines.contains("not an id"));
        // A save writes every entry again, each line as it was read.
        lines.put(&"3".repeat(40), "[4]");
        lines.save(1 << 20).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, id) in ids.iter().enumerate() {
            assert!(text.contains(&format!("\n{id} [{n}]\n")), "{text}");
        }
        assert!(text.ends_with("end 5\n"), "{text}");
        // The same id twice is a damaged file, read as empty.
        let twice = format!("head 1\n{body}{} [9]\nend 5\n", ids[1]);
        std::fs::write(&file, twice).unwrap();
        let lines = JsonLines::open(dir.path(), "lines", "head 1".into());
        assert!(ids.iter().all(|id| !lines.contains(id)));
    }
}
