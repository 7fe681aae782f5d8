//! Checks across records: duplicate ids, references to ids that do not
//! exist or are of the wrong kind, and reference pairs that must agree
//! (`supersedes` / `superseded_by`, or any field with an `inverse`).
//!
//! Each record's findings come from [`check_record`], which reads the
//! other records only through [`Lookup`]: a snapshot's [`Index`] for
//! `validate`, or the log `cairn lsp` keeps and updates edit by edit.

use crate::hash::Map as HashMap;

use crate::diagnostic::{Code, Diagnostic, did_you_mean_id};
use crate::record::Record;
use crate::schema::{FieldType, Schema};
use crate::snapshot::{Broken, Snapshot};
use crate::value::Value;

/// How the checks across records find other records. A snapshot answers
/// through [`Index`]; an editor's log keeps its own index up to date and
/// re-checks only the records an edit touches (see [`targets`]).
pub trait Lookup {
    /// The records that have `id`, in path order.
    fn with_id(&self, id: &str) -> Vec<&Record>;
    /// Every id in use whose first record (in path order) is of one of the
    /// kinds `to` (of any kind when `to` is empty), sorted.
    fn known(&self, to: &[String]) -> Vec<&str>;
    /// The files of the log that cannot be read as records.
    fn broken(&self) -> &[Broken];
}

/// A snapshot's records by id.
pub struct Index<'s> {
    by_id: HashMap<&'s str, Vec<&'s Record>>,
    snapshot: &'s Snapshot,
}

impl<'s> Index<'s> {
    /// Indexes a snapshot's records by id.
    pub fn new(snapshot: &'s Snapshot) -> Index<'s> {
        Index {
            by_id: snapshot.id_index(),
            snapshot,
        }
    }
}

impl Lookup for Index<'_> {
    fn with_id(&self, id: &str) -> Vec<&Record> {
        self.by_id.get(id).cloned().unwrap_or_default()
    }

    fn known(&self, to: &[String]) -> Vec<&str> {
        let mut known: Vec<&str> = self
            .by_id
            .iter()
            .filter(|(_, records)| to.is_empty() || to.contains(&records[0].kind))
            .map(|(id, _)| *id)
            .collect();
        known.sort_unstable();
        known
    }

    fn broken(&self) -> &[Broken] {
        &self.snapshot.broken
    }
}

/// Every cross-record finding of a snapshot.
pub fn check(schema: &Schema, snapshot: &Snapshot) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let index = Index::new(snapshot);
    // In the records' order, on every core.
    snapshot
        .records
        .par_iter()
        .flat_map_iter(|record| check_record(schema, &index, record))
        .collect()
}

/// The cross-record findings on one record: its id shared with another
/// record, and its references (dangling, of the wrong kind, not answered
/// by the inverse field, naming a record in a status a `target` rule
/// marks). They depend on the record itself, on the records that have its
/// id or an id it names ([`targets`]), and — for a dangling reference's
/// message only — on the ids in use and the unreadable files.
pub fn check_record(schema: &Schema, index: &dyn Lookup, record: &Record) -> Vec<Diagnostic> {
    let mut out = duplicates(index, record);
    let Some(kind) = schema.kind(&record.kind) else {
        return out;
    };
    for spec in &kind.fields {
        let Some(field) = record.front.get(&spec.key) else {
            continue;
        };
        for (target, to, inverse) in references(&spec.ty, &field.value) {
            let diag = |code, msg: String| {
                Diagnostic::error(code, &record.path, field.line, msg)
                    .with_id(record.id.as_deref())
                    .about(format!("{}: {target}", spec.key))
            };
            let holders = index.with_id(&target);
            let Some(found) = holders.first() else {
                if let Some(broken) = unreadable_holder(index.broken(), &target) {
                    // The id is most likely there: say so, and guess nothing.
                    out.push(
                        Diagnostic::warning(
                            Code::Dangling,
                            &record.path,
                            field.line,
                            format!(
                                "{} `{target}` is most likely {}, which cannot be read ({}); fix that file and this reference resolves",
                                spec.key, broken.path, broken.diagnostic.code
                            ),
                        )
                        .with_id(record.id.as_deref())
                        .about(format!("{}: {target}", spec.key)),
                    );
                    continue;
                }
                out.push(diag(
                    Code::Dangling,
                    dangling_message(schema, index, &spec.key, &target, to),
                ));
                continue;
            };
            if !to.is_empty() && !to.contains(&found.kind) {
                out.push(diag(
                    Code::WrongKind,
                    format!(
                        "{} `{target}` is {}, but `{}` must name {}",
                        spec.key,
                        with_article(&found.kind),
                        spec.key,
                        kinds_phrase(to)
                    ),
                ));
                continue;
            }
            if let (Some(inverse), Some(id)) = (inverse, record.id.as_deref()) {
                if let Some(message) = inverse_problem(schema, id, &spec.key, found, inverse) {
                    out.push(diag(Code::SupersedeMismatch, message));
                }
            }
        }
    }
    out.extend(target_rules(schema, index, record));
    out
}

/// `ref/duplicate-id` on a record whose id another record has too.
fn duplicates(index: &dyn Lookup, record: &Record) -> Vec<Diagnostic> {
    let Some(id) = record.id.as_deref() else {
        return Vec::new();
    };
    let others: Vec<&str> = index
        .with_id(id)
        .into_iter()
        .filter(|r| r.path != record.path)
        .map(|r| r.path.as_str())
        .collect();
    if others.is_empty() {
        return Vec::new();
    }
    vec![
        Diagnostic::error(
            Code::DuplicateId,
            &record.path,
            record.id_line,
            format!("id `{id}` is also used by {}; give one of them the next free id (`cairn new` picks one)", others.join(", ")),
        )
        .with_id(Some(id))
        .about(&record.path),
    ]
}

/// Every id a record names in a reference field or a `target` rule's
/// field: the records with these ids are the ones its findings read.
pub fn targets(schema: &Schema, record: &Record) -> Vec<String> {
    let Some(kind) = schema.kind(&record.kind) else {
        return Vec::new();
    };
    let mut out: Vec<String> = kind
        .fields
        .iter()
        .filter_map(|spec| Some((spec, record.front.get(&spec.key)?)))
        .flat_map(|(spec, field)| references(&spec.ty, &field.value))
        .map(|(target, ..)| target)
        .collect();
    for rule in &kind.rules {
        let Some(target) = &rule.target else {
            continue;
        };
        let key = kind.key_of(&target.field);
        if let Some(id) = record.front.get(key).and_then(|f| f.value.scalar_text()) {
            out.push(id.trim().to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The kind's `target` rules on one record: the record a reference field
/// names must not be in a status the rule marks (a superseded decision's
/// successor that is only proposed, or was rejected).
fn target_rules(schema: &Schema, index: &dyn Lookup, record: &Record) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(kind) = schema.kind(&record.kind) else {
        return out;
    };
    for rule in &kind.rules {
        let Some(target) = &rule.target else {
            continue;
        };
        if !rule.when.matches(|name| record.value(name)) {
            continue;
        }
        let key = kind.key_of(&target.field);
        let Some(field) = record.front.get(key) else {
            continue;
        };
        let Some(id) = field.value.scalar_text() else {
            continue;
        };
        let id = id.trim();
        let holders = index.with_id(id);
        let Some(found) = holders.first() else {
            continue;
        };
        let matches = |c: &Option<crate::schema::Condition>| {
            c.as_ref()
                .is_some_and(|c| c.matches(|name| found.value(name)))
        };
        let (error, condition) = if matches(&target.error) {
            (true, target.error.as_ref())
        } else if matches(&target.warning) {
            (false, target.warning.as_ref())
        } else {
            continue;
        };
        let state = condition.map(|c| c.describe()).unwrap_or_default();
        let message = if error {
            format!(
                "{key} `{id}` cannot stand in for this record ({state}), so neither is in force; name the record that does, or give this one its former status back"
            )
        } else {
            format!(
                "{key} `{id}` is not in force yet ({state}); until {id} is settled, no record stands in for this one"
            )
        };
        let make = if error {
            Diagnostic::error
        } else {
            Diagnostic::warning
        };
        out.push(
            make(Code::TargetStatus, &record.path, field.line, message)
                .with_id(record.id.as_deref())
                .about(format!("{key}: {id}")),
        );
    }
    out
}

/// The unreadable file whose name says it holds `id` (`EXP-0002-x.md`,
/// or `eip-1559.md` for `EIP-1559`), if any.
fn unreadable_holder<'s>(broken: &'s [Broken], id: &str) -> Option<&'s Broken> {
    let id = id.to_uppercase();
    broken.iter().find(|b| {
        let name = b.path.rsplit('/').next().unwrap_or(&b.path).to_uppercase();
        name.strip_prefix(&id)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
    })
}

/// Every id a field's value refers to, with the kinds it may be and the
/// inverse field the target must carry.
pub fn references<'a>(
    ty: &'a FieldType,
    value: &Value,
) -> Vec<(String, &'a [String], Option<&'a str>)> {
    match (ty, value) {
        (FieldType::Ref { to, inverse }, v) => v
            .scalar_text()
            .map(|id| vec![(id.trim().to_string(), to.as_slice(), inverse.as_deref())])
            .unwrap_or_default(),
        (FieldType::List(item), Value::List(items)) => {
            items.iter().flat_map(|v| references(item, v)).collect()
        }
        (FieldType::Map(Some(vt)), Value::Map(entries)) => entries
            .iter()
            .flat_map(|(_, v)| references(vt, v))
            .collect(),
        _ => Vec::new(),
    }
}

fn kinds_phrase(to: &[String]) -> String {
    match to {
        [one] => with_article(one),
        many => format!("one of: {}", many.join(", ")),
    }
}

/// `a scope`, `an experiment`.
pub(crate) fn with_article(noun: &str) -> String {
    let vowel = noun
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {noun}", if vowel { "an" } else { "a" })
}

fn dangling_message(
    schema: &Schema,
    index: &dyn Lookup,
    key: &str,
    target: &str,
    to: &[String],
) -> String {
    let known = index.known(to);
    let hint = did_you_mean_id(target, known.iter().copied())
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    let noun = match to {
        [one] => format!("{one}s"),
        _ => "records".to_string(),
    };
    let listing = if known.is_empty() {
        format!("; there are no {noun} yet")
    } else if hint.is_empty() {
        let shown: Vec<&str> = known.iter().take(5).copied().collect();
        let more = if known.len() > 5 {
            format!(" and {} more", known.len() - 5)
        } else {
            String::new()
        };
        format!("; known {noun}: {}{more}", shown.join(", "))
    } else {
        String::new()
    };
    let label = match schema.kind_of_id(target) {
        Some(_) => "",
        None => " (no kind uses that prefix)",
    };
    format!("{key} `{target}` does not exist{label}{hint}{listing}")
}

/// Whether `target`'s `inverse` field points back at `id`.
fn inverse_problem(
    schema: &Schema,
    id: &str,
    key: &str,
    target: &Record,
    inverse: &str,
) -> Option<String> {
    let target_kind = schema.kind(&target.kind)?;
    let inverse_key = target_kind.key_of(inverse);
    let back = target
        .front
        .get(inverse_key)
        .map(|f| f.value.string_items())
        .unwrap_or_default();
    if back.iter().any(|b| b.trim() == id) {
        return None;
    }
    let target_id = target.id.as_deref().unwrap_or("?");
    let now = if back.is_empty() {
        format!("{target_id} has no `{inverse_key}`")
    } else {
        format!("{target_id} has `{inverse_key}: {}`", back.join(", "))
    };
    let list = matches!(
        target_kind.field(inverse).map(|f| &f.ty),
        Some(FieldType::List(_))
    );
    let fix = if list {
        format!("add {id} to `{inverse_key}` in {}", target.path)
    } else {
        format!("set `{inverse_key}: {id}` in {}", target.path)
    };
    Some(format!("`{key}` names {target_id}, but {now}; {fix}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn snapshot(files: &[(&str, &str)]) -> (Schema, Snapshot) {
        let schema = config::builtin();
        let snap = Snapshot::from_texts("test", &schema, files);
        (schema, snap)
    }

    #[test]
    fn duplicates_name_the_other_file() {
        let (schema, snap) = snapshot(&[
            (
                "research/decisions/DEC-0003-a.md",
                "---\nid: DEC-0003\n---\n",
            ),
            (
                "research/decisions/DEC-0003-b.md",
                "---\nid: DEC-0003\n---\n",
            ),
        ]);
        let found = check(&schema, &snap);
        assert_eq!(found.len(), 2);
        assert!(
            found
                .iter()
                .any(|d| d.file.ends_with("a.md") && d.message.contains("DEC-0003-b.md"))
        );
    }

    #[test]
    fn dangling_wrong_kind_and_mismatch() {
        let (schema, snap) = snapshot(&[
            (
                "research/scopes/SCOPE-0001-s.md",
                "---\nid: SCOPE-0001\n---\n",
            ),
            (
                "research/experiments/EXP-0001-e.md",
                "---\nid: EXP-0001\nscope: SCOPE-0404\nbaseline: SCOPE-0001\n---\n",
            ),
            (
                "research/decisions/DEC-0001-a.md",
                "---\nid: DEC-0001\nsuperseded_by: DEC-0002\n---\n",
            ),
            (
                "research/decisions/DEC-0002-b.md",
                "---\nid: DEC-0002\nsupersedes: []\n---\n",
            ),
        ]);
        let found = check(&schema, &snap);
        let codes: Vec<_> = found.iter().map(|d| (d.code, d.line)).collect();
        assert!(codes.contains(&(Code::Dangling, 3)), "{found:?}");
        assert!(codes.contains(&(Code::WrongKind, 4)), "{found:?}");
        let mismatch = found
            .iter()
            .find(|d| d.code == Code::SupersedeMismatch)
            .unwrap();
        assert!(
            mismatch.message.contains("add DEC-0001 to `supersedes`"),
            "{}",
            mismatch.message
        );
        let dangling = found.iter().find(|d| d.code == Code::Dangling).unwrap();
        assert!(
            dangling.message.contains("known scopes: SCOPE-0001")
                || dangling.message.contains("did you mean"),
            "{}",
            dangling.message
        );
    }
}
