//! The front matter of each record blob a summary read
//! (`.git/cairn/fronts`), so that a warm `summary` neither reads nor
//! parses the revision's records: each comes back from its blob id as the
//! record [`crate::record::parse_front`] would give.
//!
//! An entry is keyed by the blob id alone (front matter does not depend on
//! the path) and holds the fields with their values and lines, as JSON.
//! Only readable records with a `title` field are kept: one titled by its
//! heading needs its body. The header holds a fingerprint of the schema the
//! titles were judged by.
//!
//! Size: at most [`MAX_BYTES`]. A write that would pass it keeps what the
//! writing command learned and used, and drops the rest.

use std::path::Path;

use super::json_lines::{JsonLines, V, fields_from, fields_json};
use crate::frontmatter::FrontMatter;
use crate::schema::Schema;

/// The file's first word and format version.
const MAGIC: &str = "cairn-fronts 2";

/// The most bytes the fronts file may hold (about 500 bytes a record).
pub const MAX_BYTES: usize = 128 << 20;

/// The front matter cache: the file's entries (decoded only when asked
/// for), and what this command learned.
pub struct FrontCache {
    lines: JsonLines,
}

impl FrontCache {
    /// Opens the fronts cache under `dir` for `schema`: what it holds, or
    /// nothing when it is missing, unreadable, damaged or made for another
    /// schema or by another cairn version.
    pub fn open(dir: &Path, schema: &Schema) -> FrontCache {
        let header = format!("{MAGIC} {}", super::fingerprint(schema));
        FrontCache {
            lines: JsonLines::open(dir, "fronts", header),
        }
    }

    /// The front matter of `blob`, if known (and well formed).
    pub fn get(&self, blob: &str) -> Option<FrontMatter> {
        let Entry(line, fields) = self
            .lines
            .get(blob, |json| serde_json::from_str(json).ok())?;
        Some(FrontMatter {
            fields: fields_from(fields),
            line,
        })
    }

    /// Keeps the front matter of `blob` for the next run; nothing when a
    /// value cannot be written (a float that is not finite).
    /// An entry the file held that could not be decoded is replaced.
    pub fn put(&self, blob: &str, front: &FrontMatter) {
        let Some(fields) = fields_json(front) else {
            return;
        };
        if let Ok(json) = serde_json::to_string(&(front.line, fields)) {
            self.lines.put(blob, &json);
        }
    }

    /// Writes what was learned, atomically; nothing when nothing was.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        self.lines.save(MAX_BYTES)
    }
}

/// One entry as written: `[front line, [[key, line, value], …]]`, the
/// fields as `outlines` writes them.
#[derive(serde::Deserialize)]
struct Entry(usize, Vec<(String, usize, V)>);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::frontmatter::Field;
    use crate::value::Value;

    const BLOB: &str = "0123456789abcdef0123456789abcdef01234567";

    fn front() -> FrontMatter {
        let field = |key: &str, line, value| Field {
            key: key.to_string(),
            line,
            value,
        };
        FrontMatter {
            line: 1,
            fields: vec![
                field("id", 2, Value::String("EXP-1".into())),
                field("n", 3, Value::Int(3)),
                field("x", 4, Value::Float(3.0)),
                field("none", 5, Value::Null),
                field("ok", 6, Value::Bool(true)),
                field(
                    "tags",
                    7,
                    Value::List(vec![Value::String("a b".into()), Value::Int(-1)]),
                ),
                field(
                    "metrics",
                    8,
                    Value::Map(vec![
                        ("z".into(), Value::Float(0.125)),
                        ("a".into(), Value::Map(Vec::new())),
                    ]),
                ),
            ],
        }
    }

    #[test]
    fn what_is_saved_is_read_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let schema = config::builtin();
        let cache = FrontCache::open(dir.path(), &schema);
        cache.put(BLOB, &front());
        let mut not_finite = front();
        not_finite.fields[2].value = Value::Float(f64::NAN);
        cache.put(&BLOB.replace('0', "f"), &not_finite);
        cache.save().unwrap();

        let cache = FrontCache::open(dir.path(), &schema);
        assert_eq!(cache.get(BLOB), Some(front()));
        assert_eq!(cache.get(&BLOB.replace('0', "f")), None);
    }

    #[test]
    fn damaged_or_foreign_files_read_as_empty_and_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let schema = config::builtin();
        let cache = FrontCache::open(dir.path(), &schema);
        cache.put(BLOB, &front());
        cache.save().unwrap();
        let file = dir.path().join("fronts");
        let good = std::fs::read_to_string(&file).unwrap();

        let mut other = schema.clone();
        other.kinds.pop();
        assert_eq!(FrontCache::open(dir.path(), &other).get(BLOB), None);

        let truncated = &good[..good.len() - 4];
        let other_version = good.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1);
        for damaged in [truncated, &other_version, "", "\u{0}garbage"] {
            std::fs::write(&file, damaged).unwrap();
            let cache = FrontCache::open(dir.path(), &schema);
            assert_eq!(cache.get(BLOB), None);
            cache.put(BLOB, &front());
            cache.save().unwrap();
            assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
        }
        // A well-formed line whose value is not a front matter is a miss,
        // and is replaced.
        std::fs::write(&file, good.replacen(",[[", ",[{", 1)).unwrap();
        let cache = FrontCache::open(dir.path(), &schema);
        assert_eq!(cache.get(BLOB), None);
        cache.put(BLOB, &front());
        cache.save().unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
    }
}
