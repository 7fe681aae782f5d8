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

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value as Json, json};

use super::file::{Body, CacheFile, read_lines};
use crate::frontmatter::{Field, FrontMatter};
use crate::schema::Schema;
use crate::value::Value;

/// The file's first word and format version.
const MAGIC: &str = "cairn-fronts 1";

/// The most bytes the fronts file may hold (about 500 bytes a record).
pub const MAX_BYTES: usize = 128 << 20;

/// The front matter cache: the file's entries (decoded only when asked
/// for), and what this command learned.
pub struct FrontCache {
    file: CacheFile<Known, Fresh>,
}

/// Per blob, its JSON and whether this command used it.
type Known = HashMap<String, (String, AtomicBool)>;

#[derive(Default)]
struct Fresh {
    learned: HashMap<String, String>,
}

impl FrontCache {
    /// Opens the fronts cache under `dir` for `schema`: what it holds, or
    /// nothing when it is missing, unreadable, damaged or made for another
    /// schema or by another cairn version.
    pub fn open(dir: &Path, schema: &Schema) -> FrontCache {
        let header = format!("{MAGIC} {}", super::fingerprint(schema));
        FrontCache {
            file: CacheFile::new(dir, "fronts", header, read),
        }
    }

    /// The front matter of `blob`, if known (and well formed).
    pub fn get(&self, blob: &str) -> Option<FrontMatter> {
        let (json, used) = self.file.known().get(blob)?;
        let front = decode(&serde_json::from_str(json).ok()?)?;
        used.store(true, Ordering::Relaxed);
        Some(front)
    }

    /// Keeps the front matter of `blob` for the next run; nothing when a
    /// value cannot be written (a float that is not finite).
    /// An entry the file held that could not be decoded is replaced.
    pub fn put(&self, blob: &str, front: &FrontMatter) {
        let Some(json) = encode(front) else {
            return;
        };
        self.file
            .fresh()
            .learned
            .insert(blob.to_string(), json.to_string());
    }

    /// Writes what was learned, atomically; nothing when nothing was.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let fresh = self.file.take_fresh();
        if fresh.learned.is_empty() {
            return Ok(());
        }
        let mut body = Body::default();
        let line = |out: &mut String, blob: &str, json: &str| {
            out.push_str(blob);
            out.push(' ');
            out.push_str(json);
            out.push('\n');
        };
        for (blob, json) in &fresh.learned {
            line(body.keep(), blob, json);
        }
        // Then what this command used; older entries only while they fit.
        for (blob, (json, used)) in self.file.known() {
            if fresh.learned.contains_key(blob) {
                continue;
            }
            if used.load(Ordering::Relaxed) {
                line(body.keep(), blob, json);
            } else {
                line(body.spare(), blob, json);
            }
        }
        self.file.save(body, MAX_BYTES)
    }
}

/// `{"l": line, "f": [[key, line, value], …]}`.
fn encode(front: &FrontMatter) -> Option<Json> {
    let fields = front
        .fields
        .iter()
        .map(|f| Some(json!([f.key, f.line, encode_value(&f.value)?])))
        .collect::<Option<Vec<_>>>()?;
    Some(json!({"l": front.line, "f": fields}))
}

/// Scalars as themselves; a list as `{"l": […]}` and a mapping as
/// `{"m": [[key, value], …]}`, keeping its order.
fn encode_value(value: &Value) -> Option<Json> {
    Some(match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(n) => json!(n),
        Value::Float(x) => Json::Number(serde_json::Number::from_f64(*x)?),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) => {
            let items = items.iter().map(encode_value).collect::<Option<Vec<_>>>()?;
            json!({ "l": items })
        }
        Value::Map(entries) => {
            let entries = entries
                .iter()
                .map(|(k, v)| Some(json!([k, encode_value(v)?])))
                .collect::<Option<Vec<_>>>()?;
            json!({ "m": entries })
        }
    })
}

fn decode(json: &Json) -> Option<FrontMatter> {
    let line = usize::try_from(json.get("l")?.as_u64()?).ok()?;
    let fields = json
        .get("f")?
        .as_array()?
        .iter()
        .map(|field| {
            let [key, line, value] = field.as_array()?.as_slice() else {
                return None;
            };
            Some(Field {
                key: key.as_str()?.to_string(),
                line: usize::try_from(line.as_u64()?).ok()?,
                value: decode_value(value)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(FrontMatter { fields, line })
}

fn decode_value(json: &Json) -> Option<Value> {
    Some(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) if n.is_f64() => Value::Float(n.as_f64()?),
        Json::Number(n) => Value::Int(n.as_i64()?),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(_) => return None,
        Json::Object(object) => match (object.get("l"), object.get("m")) {
            (Some(Json::Array(items)), None) if object.len() == 1 => {
                Value::List(items.iter().map(decode_value).collect::<Option<Vec<_>>>()?)
            }
            (None, Some(Json::Array(entries))) if object.len() == 1 => Value::Map(
                entries
                    .iter()
                    .map(|entry| {
                        let [k, v] = entry.as_array()?.as_slice() else {
                            return None;
                        };
                        Some((k.as_str()?.to_string(), decode_value(v)?))
                    })
                    .collect::<Option<Vec<_>>>()?,
            ),
            _ => return None,
        },
    })
}

/// The entries of a whole file, undecoded; None unless the header matches
/// and the file is complete and well formed line by line.
fn read(text: &str, header: &str) -> Option<Known> {
    let mut known = HashMap::new();
    let count = read_lines(text, header, |line, _| {
        let (blob, json) = line.split_once(' ')?;
        if !super::is_id(blob) || !json.starts_with('{') {
            return None;
        }
        known.insert(blob.to_string(), (json.to_string(), AtomicBool::new(false)));
        Some(())
    })?;
    (count == known.len()).then_some(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

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
        std::fs::write(&file, good.replacen("\"f\":", "\"g\":", 1)).unwrap();
        let cache = FrontCache::open(dir.path(), &schema);
        assert_eq!(cache.get(BLOB), None);
        cache.put(BLOB, &front());
        cache.save().unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
    }
}
