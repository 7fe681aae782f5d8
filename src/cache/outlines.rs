//! The outline of each record blob that `validate` or `list` parsed
//! (`.git/cairn/outlines`): its front matter with the values' lines and
//! its body's outline — each heading's title, level and line, each
//! relative link's target and line — which is all that validation and a
//! listing read of a record. A warm `validate --rev`, `validate --cached`
//! or `list` takes each record from here by its blob id instead of reading
//! and parsing the blob; the working tree reaches it through the stat of
//! its files (`worktree.rs`).
//!
//! A file of its own rather than more of `fronts`: `fronts` keeps front
//! matter alone, for the many old blobs a summary reads, and only of
//! records titled by a field; an outline is two to three times larger
//! and kept for every record that parsed, whatever titles it. Summaries
//! and validation then bound and evict their own entries.
//!
//! An entry is keyed by the blob id alone: what it holds does not depend
//! on the path (the id, the kind and the renamed fields are worked out
//! from the path again when the record is rebuilt), nor on the schema, so
//! the header holds the cairn version (the parser's) and no schema
//! fingerprint: editing `.cairn/config.yaml` keeps the file. A blob that
//! does not parse as a record is not kept (its finding is made again), nor
//! one with a number that JSON cannot hold (not finite).
//!
//! Size: at most [`MAX_BYTES`]. A write that would pass it keeps what the
//! writing command learned and used, and drops the rest.

use std::path::Path;

use super::json_lines::{JsonLines, V, fields_from, fields_json};
use crate::frontmatter::FrontMatter;
use crate::markdown::{Body, Link, Section};

/// The file's first word and format version.
const MAGIC: &str = "cairn-outlines 1";

/// The most bytes the outlines file may hold (about 600 bytes a record).
pub const MAX_BYTES: usize = 128 << 20;

/// The outline cache: the file's entries (decoded only when asked for),
/// and what this command learned.
pub struct OutlineCache {
    lines: JsonLines,
}

impl OutlineCache {
    /// Opens the outline cache under `dir`: what it holds, or nothing when
    /// it is missing, unreadable, damaged or written by another cairn
    /// version.
    pub fn open(dir: &Path) -> OutlineCache {
        let header = format!("{MAGIC} {}", env!("CARGO_PKG_VERSION"));
        OutlineCache {
            lines: JsonLines::open(dir, "outlines", header),
        }
    }

    /// The front matter and body outline of `blob`, if known (and well
    /// formed): the sections come without their text.
    pub fn get(&self, blob: &str) -> Option<(FrontMatter, Body)> {
        let Entry(line, fields, sections, links) = self
            .lines
            .get(blob, |json| serde_json::from_str(json).ok())?;
        let sections = sections
            .into_iter()
            .map(|(title, level, line)| Section::new(title, level, line))
            .collect();
        let links = links
            .into_iter()
            .map(|(target, line)| Link { target, line })
            .collect();
        let front = FrontMatter {
            fields: fields_from(fields),
            line,
        };
        Some((front, Body { sections, links }))
    }

    /// Whether `blob` is known; it may still fail to decode.
    pub fn contains(&self, blob: &str) -> bool {
        self.lines.contains(blob)
    }

    /// Keeps the front matter and body outline of `blob` for the next run
    /// (the sections' text is not kept); nothing when a value cannot be
    /// written (a float that is not finite). An entry the file held that
    /// could not be decoded is replaced.
    pub fn put(&self, blob: &str, front: &FrontMatter, body: &Body) {
        let Some(fields) = fields_json(front) else {
            return;
        };
        let entry = (
            front.line,
            fields,
            body.sections
                .iter()
                .map(|s| (&s.title, s.level, s.line))
                .collect::<Vec<_>>(),
            body.links
                .iter()
                .map(|l| (&l.target, l.line))
                .collect::<Vec<_>>(),
        );
        if let Ok(json) = serde_json::to_string(&entry) {
            self.lines.put(blob, &json);
        }
    }

    /// Writes what was learned, atomically; nothing when nothing was.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        self.lines.save(MAX_BYTES)
    }
}

/// One entry as written: `[front line, [[key, line, value], …],
/// [[title, level, line], …], [[target, line], …]]`.
#[derive(serde::Deserialize)]
struct Entry(
    usize,
    Vec<(String, usize, V)>,
    Vec<(String, u8, usize)>,
    Vec<(String, usize)>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontmatter::Field;
    use crate::value::Value;

    const BLOB: &str = "0123456789abcdef0123456789abcdef01234567";

    fn outline() -> (FrontMatter, Body) {
        let field = |key: &str, line, value| Field {
            key: key.to_string(),
            line,
            value,
        };
        let front = FrontMatter {
            line: 1,
            fields: vec![
                field("id", 2, Value::String("EXP-1".into())),
                field("n", 3, Value::Int(i64::MIN)),
                field("x", 4, Value::Float(3.0)),
                field("y", 4, Value::Float(0.1 + 0.2)),
                field("none", 5, Value::Null),
                field("ok", 6, Value::Bool(true)),
                field(
                    "tags",
                    7,
                    Value::List(vec![Value::String("a\nb\t\"c\"".into()), Value::Int(-1)]),
                ),
                field(
                    "metrics",
                    8,
                    Value::Map(vec![
                        ("z".into(), Value::Float(-0.0)),
                        ("a".into(), Value::Map(Vec::new())),
                        ("a".into(), Value::List(Vec::new())),
                    ]),
                ),
            ],
        };
        let section = |title: &str, level, line| Section::new(title.to_string(), level, line);
        let body = Body {
            sections: vec![section("Mel", 1, 10), section("Setup ✓", 2, 12)],
            links: vec![Link {
                target: "../decisions/DEC-1.md".into(),
                line: 14,
            }],
        };
        (front, body)
    }

    #[test]
    fn what_a_command_learned_is_found_before_it_is_saved() {
        let dir = tempfile::tempdir().unwrap();
        let cache = OutlineCache::open(dir.path());
        assert!(cache.get(BLOB).is_none());
        let (front, body) = outline();
        cache.put(BLOB, &front, &body);
        assert_eq!(cache.get(BLOB), Some((front, body)));
        assert!(cache.get(&BLOB.replace('0', "f")).is_none());
    }

    #[test]
    fn what_is_saved_is_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let cache = OutlineCache::open(dir.path());
        let (front, body) = outline();
        cache.put(BLOB, &front, &body);
        let mut not_finite = front.clone();
        not_finite.fields[2].value = Value::Float(f64::INFINITY);
        cache.put(&BLOB.replace('0', "f"), &not_finite, &body);
        cache.save().unwrap();

        let cache = OutlineCache::open(dir.path());
        let (got_front, got_body) = cache.get(BLOB).unwrap();
        assert_eq!(got_front, front);
        assert_eq!(got_body, body);
        // -0.0 == 0.0: the sign is kept too.
        let Value::Map(metrics) = &got_front.fields[7].value else {
            panic!("a map")
        };
        assert!(matches!(metrics[0].1, Value::Float(z) if z.is_sign_negative()));
        assert!(cache.get(&BLOB.replace('0', "f")).is_none());
    }

    #[test]
    fn what_is_read_back_keeps_no_spare_room() {
        // Read back, every record of a log stays in memory for the whole
        // command: its lists hold exactly their items, though JSON gives
        // no count ahead and they were grown as they were read.
        let dir = tempfile::tempdir().unwrap();
        let cache = OutlineCache::open(dir.path());
        let (mut front, body) = outline();
        front.fields.push(Field {
            key: "ninth".into(),
            line: 9,
            value: Value::Int(9),
        });
        cache.put(BLOB, &front, &body);
        cache.save().unwrap();
        let (got, _) = OutlineCache::open(dir.path()).get(BLOB).unwrap();
        assert_eq!(got, front);
        assert_eq!(got.fields.capacity(), 9);
        let Value::List(tags) = &got.fields[6].value else {
            panic!("a list")
        };
        assert_eq!((tags.len(), tags.capacity()), (2, 2));
        let Value::Map(metrics) = &got.fields[7].value else {
            panic!("a map")
        };
        assert_eq!((metrics.len(), metrics.capacity()), (3, 3));
    }

    #[test]
    fn entries_are_written_in_the_order_they_were_learned() {
        let dir = tempfile::tempdir().unwrap();
        let cache = OutlineCache::open(dir.path());
        let (front, body) = outline();
        let blobs: Vec<String> = "9517".chars().map(|c| c.to_string().repeat(40)).collect();
        for blob in &blobs {
            cache.put(blob, &front, &body);
        }
        // Learned again (the same blob has the same outline): kept once.
        cache.put(&blobs[0], &front, &body);
        cache.save().unwrap();
        let text = std::fs::read_to_string(dir.path().join("outlines")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert!(lines[0].starts_with("cairn-outlines 1 "));
        for (line, blob) in lines[1..5].iter().zip(&blobs) {
            assert!(
                line.starts_with(&format!("{blob} [1,[[\"id\",2,")),
                "{line}"
            );
        }
        assert_eq!(lines[5], "end 4");
    }

    #[test]
    fn section_text_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = OutlineCache::open(dir.path());
        let (front, mut body) = outline();
        let first = &body.sections[0];
        body.sections[0] = Section::with_text(
            first.title.clone(),
            first.level,
            first.line,
            "words".into(),
            "words".into(),
        );
        cache.put(BLOB, &front, &body);
        cache.save().unwrap();
        let (_, got) = OutlineCache::open(dir.path()).get(BLOB).unwrap();
        assert_eq!(got, outline().1);
    }

    #[test]
    fn damaged_or_foreign_files_read_as_empty_and_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let (front, body) = outline();
        let cache = OutlineCache::open(dir.path());
        cache.put(BLOB, &front, &body);
        cache.save().unwrap();
        let file = dir.path().join("outlines");
        let good = std::fs::read_to_string(&file).unwrap();

        let truncated = &good[..good.len() - 4];
        let other_version = good.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1);
        for damaged in [truncated, &other_version, "", "\u{0}garbage"] {
            std::fs::write(&file, damaged).unwrap();
            let cache = OutlineCache::open(dir.path());
            assert!(cache.get(BLOB).is_none());
            cache.put(BLOB, &front, &body);
            cache.save().unwrap();
            assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
        }
        // A well-formed line whose JSON is not an outline is a miss, and
        // is replaced.
        std::fs::write(&file, good.replacen("[1,[", "[1,{", 1)).unwrap();
        let cache = OutlineCache::open(dir.path());
        assert!(cache.contains(BLOB));
        assert!(cache.get(BLOB).is_none());
        cache.put(BLOB, &front, &body);
        cache.save().unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
    }
}
