//! What the `fronts` and `outlines` files share: one line per blob id,
//! `<blob> <json>`, where the JSON is a list and is decoded only when a
//! command asks for that blob (the file's text is kept and indexed, not
//! copied entry by entry; a large file is indexed and read from disk,
//! see [`READ_WHOLE_BELOW`]); and the JSON form of front matter fields
//! that both write, `[key, line, value]` with plain JSON values.
//!
//! What a command learns is written out as it is learned (see
//! [`super::spill`]); a save completes that file with what the command
//! used, then older entries only while the whole file stays within its
//! bound.

use crate::hash::Map as HashMap;
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::file::{Body, CacheFile, read_file_lines, read_lines};
use super::spill::{Learned, digest};
use crate::frontmatter::{Field, FrontMatter};
use crate::value::Value;

/// A file of one JSON line per blob id.
pub(super) struct JsonLines {
    /// What this command learned, by [`digest`] of the blob id.
    file: CacheFile<Known, Learned>,
}

/// Below this size a file's text is read whole and its entries cut from
/// it. A larger one is indexed in one pass and each entry read from the
/// file when asked (on Unix, where a read at an offset leaves the file's
/// position alone; elsewhere every file is read whole): a large log's
/// outlines are tens of megabytes that a command would hold for as long
/// as it loads records.
#[cfg_attr(not(unix), allow(dead_code))]
pub(super) const READ_WHOLE_BELOW: u64 = 16 << 20;

/// The entries of the file, found by the first 16 hex digits of their
/// blob id (which are as good as random) and checked against the id in
/// the line: a large log's hundred thousand entries take a tenth of the
/// room a string key each took. Ids that share those digits go to
/// `shared`.
#[derive(Default)]
struct Known {
    text: Text,
    index: Index,
}

/// The entries of [`Known`] by blob id.
#[derive(Default)]
struct Index {
    entries: HashMap<u64, Line>,
    shared: HashMap<String, Line>,
}

/// Where the entries' lines are read from.
enum Text {
    /// The file's whole text.
    Whole(String),
    /// The file itself, open.
    #[cfg(unix)]
    File(std::fs::File),
}

impl Default for Text {
    fn default() -> Text {
        Text::Whole(String::new())
    }
}

impl Text {
    /// The `len` bytes at `start`, if they are there and are text.
    fn read(&self, start: u64, len: usize) -> Option<Cow<'_, str>> {
        match self {
            Text::Whole(text) => {
                let start = usize::try_from(start).ok()?;
                text.get(start..start.checked_add(len)?).map(Cow::Borrowed)
            }
            #[cfg(unix)]
            Text::File(file) => {
                use std::os::unix::fs::FileExt as _;
                let mut bytes = vec![0; len];
                file.read_exact_at(&mut bytes, start).ok()?;
                String::from_utf8(bytes).ok().map(Cow::Owned)
            }
        }
    }
}

/// Where one entry's line `<blob> <json>` is, and whether this command
/// used it.
struct Line {
    /// Where the line starts (its blob id), from the start of the file.
    start: u64,
    /// The line's length, without its line break.
    len: u32,
    /// The length of its blob id (40 or 64 hex digits).
    blob: u8,
    used: AtomicBool,
}

/// What a blob id's entry is found by: its first 16 hex digits.
fn short(blob: &str) -> Option<u64> {
    u64::from_str_radix(blob.get(..16)?, 16).ok()
}

impl Known {
    /// The entry of `blob` and its line (without the line break).
    fn find(&self, blob: &str) -> Option<(&Line, Cow<'_, str>)> {
        let found = self.index.entries.get(&short(blob)?);
        for line in found.into_iter().chain(self.index.shared.get(blob)) {
            let text = self.text.read(line.start, line.len as usize)?;
            if text
                .strip_prefix(blob)
                .is_some_and(|rest| rest.starts_with(' '))
            {
                return Some((line, text));
            }
        }
        None
    }

    /// The blob id of an entry, as its line has it.
    fn blob_of(&self, line: &Line) -> Option<Cow<'_, str>> {
        self.text.read(line.start, usize::from(line.blob))
    }

    fn lines(&self) -> impl Iterator<Item = &Line> {
        self.index
            .entries
            .values()
            .chain(self.index.shared.values())
    }
}

impl Index {
    /// An index with room for `lines` entries.
    fn with_capacity(lines: usize) -> Index {
        Index {
            entries: HashMap::with_capacity_and_hasher(lines, Default::default()),
            shared: HashMap::default(),
        }
    }

    /// Adds the entry whose line `<blob> <json>` (without its line break)
    /// starts at `start` in `text`; None for a line that is not an entry,
    /// or an id the file already had (a damaged file).
    fn add(&mut self, text: &Text, start: u64, line: &str) -> Option<()> {
        let (blob, json) = line.split_once(' ')?;
        if !super::is_id(blob) || !json.starts_with('[') {
            return None;
        }
        let entry = Line {
            start,
            len: u32::try_from(line.len()).ok()?,
            blob: u8::try_from(blob.len()).ok()?,
            used: AtomicBool::new(false),
        };
        let key = short(blob)?;
        let Some(taken) = self.entries.get(&key) else {
            self.entries.insert(key, entry);
            return Some(());
        };
        if text.read(taken.start, usize::from(taken.blob))? == blob {
            return None;
        }
        match self.shared.entry(blob.to_string()) {
            Entry::Vacant(vacant) => {
                vacant.insert(entry);
                Some(())
            }
            Entry::Occupied(_) => None,
        }
    }

    /// The entry of `blob` whose line starts at `start`: what a pass over
    /// the file meets there, if it is an entry.
    #[cfg(unix)]
    fn at(&self, blob: &str, start: u64) -> Option<&Line> {
        let found = self.entries.get(&short(blob)?);
        found
            .into_iter()
            .chain(self.shared.get(blob))
            .find(|line| line.start == start)
    }

    /// How many entries it holds.
    fn len(&self) -> usize {
        self.entries.len() + self.shared.len()
    }
}

impl JsonLines {
    /// The file `name` under `dir` with its `header` line.
    pub(super) fn open(dir: &Path, name: &str, header: String) -> JsonLines {
        let file = CacheFile::learning_from_file(dir, name, header, read);
        JsonLines { file }
    }

    /// [`JsonLines::open`], reading the file as one larger than
    /// [`READ_WHOLE_BELOW`] is read, whatever its size.
    #[cfg(all(test, unix))]
    fn open_on_disk(dir: &Path, name: &str, header: String) -> JsonLines {
        let file = CacheFile::learning_from_file(dir, name, header, |file, _, header| {
            read(file, READ_WHOLE_BELOW, header)
        });
        JsonLines { file }
    }

    /// What `decode` makes of the JSON of `blob`, if the file holds it (or
    /// this command learned it) and it decodes; only then does a file's
    /// entry count as used.
    pub(super) fn get<T>(&self, blob: &str, decode: impl FnOnce(&str) -> Option<T>) -> Option<T> {
        let known = self.file.known();
        let Some((line, text)) = known.find(blob) else {
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
        let value = decode(&text[blob.len() + 1..])?;
        line.used.store(true, Ordering::Relaxed);
        Some(value)
    }

    /// Whether the file holds `blob`; it may still fail to decode.
    pub(super) fn contains(&self, blob: &str) -> bool {
        self.file.known().find(blob).is_some()
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
        let known = self.file.known();
        let text = match &known.text {
            Text::Whole(text) => text,
            #[cfg(unix)]
            Text::File(file) => {
                // Which entries to copy is known from the index; they are
                // copied from the file in one pass, never held. Entries
                // learned again count towards the bound here, and are
                // skipped as they are copied.
                let (mut used, mut spare) = (0u64, 0u64);
                for line in known.lines() {
                    let is_used = line.used.load(Ordering::Relaxed);
                    *(if is_used { &mut used } else { &mut spare }) += u64::from(line.len) + 1;
                }
                let max = max_bytes as u64;
                return self.file.save_learned_with(learned, |before, again, out| {
                    let all = before.saturating_add(used).saturating_add(spare) <= max;
                    copy_lines(file, out, |start, line| {
                        let blob = line.split(|&b| b == b' ').next().unwrap_or_default();
                        let Ok(blob) = std::str::from_utf8(blob) else {
                            return false;
                        };
                        // The header and trailer are no entry's line.
                        known.index.at(blob, start).is_some_and(|line| {
                            (line.used.load(Ordering::Relaxed) || all) && !again(digest(&[blob]))
                        })
                    })
                });
            }
        };
        let again = |line: &Line| {
            known
                .blob_of(line)
                .is_none_or(|blob| learned.has(digest(&[&blob])))
        };
        let mut body = Body::default();
        for line in known.lines() {
            if again(line) {
                continue;
            }
            // The entry's line as the file has it, `<blob> <json>\n`,
            // borrowed: a large file is not copied to be written again.
            let start = line.start as usize;
            body.entry_read(
                line.used.load(Ordering::Relaxed),
                &text[start..=start + line.len as usize],
            );
        }
        self.file.save_learned(learned, body, max_bytes)
    }
}

/// Copies to `out` the entry lines of `file` (a whole cache file) whose
/// start `wanted` names, in the file's order; how many.
#[cfg(unix)]
fn copy_lines(
    file: &std::fs::File,
    out: &mut dyn std::io::Write,
    wanted: impl Fn(u64, &[u8]) -> bool,
) -> std::io::Result<usize> {
    use std::io::{BufRead as _, Seek as _};
    let mut file = file;
    file.seek(std::io::SeekFrom::Start(0))?;
    let mut lines = std::io::BufReader::with_capacity(1 << 20, file);
    let (mut line, mut at, mut count) = (Vec::new(), 0u64, 0);
    loop {
        line.clear();
        let read = lines.read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(count);
        }
        if wanted(at, &line) {
            out.write_all(&line)?;
            count += 1;
        }
        at += read as u64;
    }
}

/// The entries of a whole file, undecoded; None unless the header matches
/// and the file is complete and well formed line by line. A file of
/// [`READ_WHOLE_BELOW`] or more is read a line at a time and kept open.
fn read(file: &mut std::fs::File, len: u64, header: &str) -> Option<Known> {
    use std::io::Read as _;
    #[cfg(unix)]
    if len >= READ_WHOLE_BELOW {
        return read_on_disk(file, header);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).ok()?.saturating_add(1));
    file.read_to_end(&mut bytes).ok()?;
    let text = Text::Whole(String::from_utf8(bytes).ok()?);
    let Text::Whole(whole) = &text else {
        return None;
    };
    let mut index = Index::with_capacity(memchr::memchr_iter(b'\n', whole.as_bytes()).count());
    let base = whole.as_ptr() as usize;
    let written = read_lines(whole, header, |line, _| {
        index.add(&text, (line.as_ptr() as usize - base) as u64, line)
    })?;
    (written == index.len()).then_some(Known { text, index })
}

/// [`read`] of a file too large to hold: its lines are read one at a
/// time to index them, and the file is kept open to read each entry from
/// when it is asked for.
#[cfg(unix)]
fn read_on_disk(file: &mut std::fs::File, header: &str) -> Option<Known> {
    let text = Text::File(file.try_clone().ok()?);
    let mut index = Index::default();
    let count = read_file_lines(file, 1 << 20, header, |at, line| index.add(&text, at, line))?;
    (count == index.len()).then_some(Known { text, index })
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
        let file = dir.path().join("lines");
        std::fs::write(&file, file_of(&ids, |n| format!("[{n}]"))).unwrap();
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
        let twice = [&ids[..], &ids[1..2]].concat();
        let twice = file_of(&twice, |n| format!("[{n}]"));
        std::fs::write(&file, twice).unwrap();
        let lines = JsonLines::open(dir.path(), "lines", "head 1".into());
        assert!(ids.iter().all(|id| !lines.contains(id)));
    }

    /// A file of header `head 1` with an entry for each of `ids`, the
    /// JSON of the `n`th being `json(n)`.
    fn file_of(ids: &[String], json: impl Fn(usize) -> String) -> String {
        let body: String = ids
            .iter()
            .enumerate()
            .map(|(n, id)| format!("{id} {}\n", json(n)))
            .collect();
        format!("head 1\n{body}end {}\n", ids.len())
    }

    /// The entries of a cache file's text, sorted: what it holds, in
    /// whatever order it was written.
    fn entries_of(text: &str) -> (Vec<&str>, &str) {
        let mut lines: Vec<&str> = text.lines().collect();
        let trailer = lines.pop().unwrap();
        let mut entries = lines.split_off(1);
        entries.sort_unstable();
        (entries, trailer)
    }

    #[cfg(unix)]
    #[test]
    fn a_file_read_from_disk_answers_and_saves_as_one_read_whole() {
        let ids = [
            format!("{}{}", "1".repeat(16), "a".repeat(24)),
            format!("{}{}", "1".repeat(16), "b".repeat(48)),
            "2".repeat(40),
            "3".repeat(64),
            "4".repeat(40),
        ];
        let file = file_of(&ids, |n| format!("[{n},\"é\"]"));
        let new = "5".repeat(40);
        // Each mode: the same answers; then, after using two entries and
        // learning one new and one again, the same file saved, whole or
        // cut to what was learned and used.
        let run = |on_disk: bool, max: usize| -> String {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("lines"), &file).unwrap();
            let open = if on_disk {
                JsonLines::open_on_disk
            } else {
                JsonLines::open
            };
            let lines = open(dir.path(), "lines", "head 1".into());
            for (n, id) in ids.iter().enumerate() {
                assert!(lines.contains(id), "{id} ({on_disk})");
                if n % 2 == 0 {
                    let json = lines.get(id, |json| Some(json.to_string()));
                    assert_eq!(json, Some(format!("[{n},\"é\"]")), "{id} ({on_disk})");
                }
            }
            assert!(!lines.contains(&"1".repeat(40)));
            assert_eq!(lines.get(&"6".repeat(40), |json| Some(json.len())), None);
            lines.put(&new, "[5]");
            lines.put(&ids[2], "[9]");
            lines.save(max).unwrap();
            std::fs::read_to_string(dir.path().join("lines")).unwrap()
        };
        for max in [1 << 20, 200] {
            let whole = run(false, max);
            let on_disk = run(true, max);
            assert_eq!(
                entries_of(&on_disk),
                entries_of(&whole),
                "within {max} bytes"
            );
            // Learned first, in the order learned.
            assert!(on_disk.starts_with(&format!("head 1\n{new} [5]\n{} [9]\n", ids[2])));
        }
        let cut = run(true, 200);
        let (kept, trailer) = entries_of(&cut);
        // Within 200 bytes: what was learned and what was used.
        assert_eq!(trailer, "end 4");
        assert_eq!(kept.len(), 4, "{kept:?}");
        assert!(
            kept.iter().any(|line| line.starts_with(&ids[4])),
            "{kept:?}"
        );
        assert!(
            !kept.iter().any(|line| line.starts_with(&ids[1])),
            "{kept:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_damaged_file_read_from_disk_reads_as_empty() {
        let a = "a".repeat(40);
        let good = format!("head 1\n{a} [1]\nend 1\n");
        for damaged in [
            good.replace("head 1", "head 2"),
            good.replace("end 1\n", "end 2\n"),
            good.replace("end 1\n", "end 1"),
            good.replace("end 1\n", ""),
            format!("{good}more\n"),
            good.replace(" [1]", " {1}"),
            good.replace("end 1", &format!("{a} [2]\nend 2")),
        ] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("lines"), &damaged).unwrap();
            let lines = JsonLines::open_on_disk(dir.path(), "lines", "head 1".into());
            assert!(!lines.contains(&a), "{damaged:?}");
        }
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = good.clone().into_bytes();
        let at = bytes.iter().position(|&b| b == b'[').unwrap();
        bytes[at + 1] = 0xff;
        std::fs::write(dir.path().join("lines"), bytes).unwrap();
        let lines = JsonLines::open_on_disk(dir.path(), "lines", "head 1".into());
        assert!(!lines.contains(&a), "not UTF-8");
        std::fs::write(dir.path().join("lines"), &good).unwrap();
        let lines = JsonLines::open_on_disk(dir.path(), "lines", "head 1".into());
        assert!(lines.contains(&a));
    }
}
