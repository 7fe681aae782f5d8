//! The covers scan: the records whose `covers` globs match code files
//! changed in a span. When code outside the record folders changed, the
//! records that govern it may be unchanged ones, so every record of the
//! later side is read once — and only those that mention the field are
//! parsed.

use globset::GlobSetBuilder;

use super::Governing;
use crate::git::GitError;
use crate::schema::Schema;
use crate::snapshot::{Loader, Select, Snapshot, Source};
use crate::value::Value;

/// The records of `source` that may hold `covers`: every record file is
/// read, and only those that mention the field's key are parsed.
pub(super) fn covering(
    loader: &Loader<'_>,
    schema: &Schema,
    source: &Source,
    label: &str,
) -> Result<Snapshot, GitError> {
    let mut keys: Vec<String> = schema
        .kinds
        .iter()
        .map(|k| regex::escape(k.key_of("covers")))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    // A literal search (memchr inside regex): far cheaper than parsing.
    // Escaped literals joined by `|` always compile.
    let pattern = regex::bytes::Regex::new(&keys.join("|"))
        .unwrap_or_else(|e| unreachable!("escaped keys form a valid pattern: {e}"));
    let mentions = |bytes: &[u8]| pattern.is_match(bytes);
    loader.load(source, Select::Mentioning(&mentions), label)
}

/// The records of `snapshot` whose `covers` globs match any of `files`.
pub fn governing(schema: &Schema, snapshot: &Snapshot, files: &[String]) -> Vec<Governing> {
    let code: Vec<&String> = files.iter().filter(|f| !schema.is_record_path(f)).collect();
    if code.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for record in &snapshot.records {
        let globs = record
            .value("covers")
            .map(Value::string_items)
            .unwrap_or_default();
        // Too many globs, or too long ones, are validate's findings; here
        // they cover nothing rather than cost gigabytes.
        if globs.is_empty() || globs.len() > crate::schema::MAX_GLOBS {
            continue;
        }
        let mut builder = GlobSetBuilder::new();
        for g in &globs {
            if let Ok(glob) = crate::schema::glob(g.trim_start_matches("./")) {
                builder.add(glob);
            }
        }
        let Ok(set) = builder.build() else { continue };
        // `covers` globs are relative to the project root.
        let matched: Vec<String> = code
            .iter()
            .filter(|f| schema.project_path(f).is_some_and(|p| set.is_match(p)))
            .map(|f| f.to_string())
            .collect();
        if !matched.is_empty() {
            out.push(Governing {
                record: record.brief(),
                files: matched,
            });
        }
    }
    out
}
