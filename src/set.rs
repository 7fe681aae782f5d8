//! `cairn set ID KEY=VALUE…`: edits front matter values of one record in
//! place — nested keys with dots, values typed as YAML scalars, `KEY+=VALUE`
//! appending to a list — changing only those values' bytes, and checks
//! the result against the schema and the transition from the current
//! status before anything is written.
//!
//! A value on one line is rewritten through [`edit::set`] (the YAML
//! emitter, a trailing comment kept); a key inside a block mapping, or an
//! item appended to a block list, is spliced in at its own indentation.
//! Either way the edited front matter is read back and must hold exactly
//! the values asked for and every other value unchanged, or the edit is
//! refused. [`edit_record`] is `cairn set` as one call on a project: find,
//! plan, refuse or write.

use std::collections::HashMap;

use serde::Serialize;

use crate::check;
use crate::diagnostic::{Code, Diagnostic, Severity, did_you_mean_id};
use crate::edit::{self, EditError};
use crate::project::{Error, Project};
use crate::record::{self, Record};
use crate::schema::Schema;
use crate::snapshot::{Select, Snapshot, Source};
use crate::value::Value;
use crate::yaml;

/// One `KEY=VALUE` or `KEY+=VALUE` of the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The key, split at its dots (`metrics.recall` → `metrics`, `recall`).
    pub key: Vec<String>,
    /// The value, read as a YAML scalar.
    pub value: Value,
    /// `+=`: append to the list at `key`.
    pub append: bool,
}

impl Assignment {
    /// The key as written, with dots.
    pub fn dotted(&self) -> String {
        self.key.join(".")
    }
}

/// Why `set` cannot edit the record.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// An argument is not `KEY=VALUE`.
    #[error(
        "`{0}` is not KEY=VALUE or KEY+=VALUE; write e.g. `status=done`, `metrics.recall=0.83` or `tags+=audio`"
    )]
    Syntax(String),
    /// No record has the id.
    #[error("no record has the id `{id}`, so nothing was written{hint}")]
    UnknownId {
        /// The id asked for.
        id: String,
        /// "; did you mean …?" or "".
        hint: String,
    },
    /// The record's file cannot be edited safely.
    #[error("cannot edit `{path}`: {source}; nothing was written")]
    Edit {
        /// The record's path.
        path: String,
        /// Why.
        source: EditError,
    },
    /// A dotted key goes through a value that is not a mapping.
    #[error(
        "`{key}` in `{path}` is {found}, not a mapping, so `{dotted}` cannot go inside it; nothing was written"
    )]
    NotMap {
        /// The record's path.
        path: String,
        /// The part of the key that is not a mapping.
        key: String,
        /// The whole dotted key.
        dotted: String,
        /// What it is (`a string`).
        found: String,
    },
    /// `+=` on a value that is not a list.
    #[error(
        "`{key}` in `{path}` is {found}, not a list; `+=` appends to lists only (use `{key}=VALUE` to replace it); nothing was written"
    )]
    NotList {
        /// The record's path.
        path: String,
        /// The key.
        key: String,
        /// What it is.
        found: String,
    },
}

/// Reads `KEY=VALUE` or `KEY+=VALUE`. The value is a YAML scalar: `0.83`
/// is a number, `true` a boolean, `done` or `2024-03-01` a string, an
/// empty value null; anything that does not read as one scalar (`CNN:
/// log-mel`, `[a, b]`) is kept as the string written.
pub fn parse_assignment(arg: &str) -> Result<Assignment, SetError> {
    let syntax = || SetError::Syntax(arg.to_string());
    let (key, raw) = arg.split_once('=').ok_or_else(syntax)?;
    let (key, append) = match key.strip_suffix('+') {
        Some(key) => (key, true),
        None => (key, false),
    };
    let key: Vec<String> = key.split('.').map(|k| k.trim().to_string()).collect();
    if key.iter().any(String::is_empty) {
        return Err(syntax());
    }
    let value = match yaml::parse(raw) {
        Ok(v @ (Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_))) => v,
        Ok(Value::String(s)) => Value::String(s),
        _ => Value::String(raw.to_string()),
    };
    Ok(Assignment { key, value, append })
}

/// One value `set` changes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// The key, with dots.
    pub field: String,
    /// The value before (`null` when absent).
    pub old: Option<Value>,
    /// The value after.
    pub new: Option<Value>,
}

/// An edit worked out and checked, not yet written.
#[derive(Clone, Debug, Serialize)]
pub struct SetPlan {
    /// The record's id.
    pub id: String,
    /// Its path, repository-relative.
    pub path: String,
    /// The file's text now.
    #[serde(skip)]
    pub before: String,
    /// The file's text after the edit.
    #[serde(skip)]
    pub after: String,
    /// What changes, in the order asked.
    pub changes: Vec<Change>,
    /// Whether it was only worked out, not written (`--dry-run`).
    #[serde(skip)]
    pub dry_run: bool,
    /// Errors the edit would bring: schema findings the record does not
    /// have now, and a status move the kind does not allow. Any makes
    /// `set` refuse unless forced.
    pub problems: Vec<Diagnostic>,
}

/// The record with `id` in `snapshot`, or an error that suggests one.
pub fn find<'s>(snapshot: &'s Snapshot, id: &str) -> Result<&'s Record, SetError> {
    snapshot.by_id(id).ok_or_else(|| {
        let known = snapshot.records.iter().filter_map(|r| r.id.as_deref());
        SetError::UnknownId {
            id: id.to_string(),
            hint: did_you_mean_id(id, known)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default(),
        }
    })
}

/// Works out the edit of `record` (whose file holds `text`) and checks
/// it: against the schema, the records of `snapshot` (references), and the
/// transitions from the current status.
pub fn plan(
    schema: &Schema,
    snapshot: &Snapshot,
    record: &Record,
    text: &str,
    assignments: &[Assignment],
) -> Result<SetPlan, SetError> {
    let path = record.path.clone();
    let edit_error = |source| SetError::Edit {
        path: path.clone(),
        source,
    };
    let mut after = text.to_string();
    let mut changes = Vec::new();
    for assignment in assignments {
        let fields = edit::fields(&after).map_err(edit_error)?;
        let top = &assignment.key[0];
        let old_top = fields.iter().find(|(k, _)| k == top).map(|(_, v)| v);
        let old = old_top
            .and_then(|v| lookup(v, &assignment.key[1..]))
            .cloned();
        let new_top = updated(old_top, assignment, &path)?;
        after = apply(&after, &fields, assignment, &new_top).map_err(edit_error)?;
        changes.push(Change {
            field: assignment.dotted(),
            old,
            new: lookup(&new_top, &assignment.key[1..]).cloned(),
        });
    }
    let kind = schema.kind(&record.kind);
    let mut problems = Vec::new();
    if let Some(kind) = kind {
        let edited = record::parse(&path, kind, after.as_bytes())
            .map_err(|d| edit_error(EditError::Invalid(d.message)))?;
        if let (Some(from), Some(to)) = (record.status(), edited.status()) {
            if let Some(allowed) = kind.forbidden_move(&from, &to) {
                problems.push(
                    Diagnostic::error(
                        Code::Transition,
                        &path,
                        edited.line_of("status"),
                        format!(
                            "status may not move from {from} to {to}: {}",
                            check::history::allowed_phrase(kind, &from, &allowed)
                        ),
                    )
                    .with_id(edited.id.as_deref()),
                );
            }
        }
        let findings = |rec: &Record| {
            let mut found = check::record::check(kind, rec);
            let mut others = snapshot.clone();
            others.records.retain(|r| r.path != rec.path);
            others.records.push(rec.clone());
            found.extend(
                check::refs::check(schema, &others)
                    .into_iter()
                    .filter(|d| d.file == rec.path),
            );
            found
        };
        let mut old: HashMap<(String, Code, String), usize> = HashMap::new();
        for d in findings(record) {
            let (a, b, c) = d.identity();
            *old.entry((a.to_string(), b, c.to_string())).or_default() += 1;
        }
        for d in findings(&edited) {
            if d.severity != Severity::Error {
                continue;
            }
            let (a, b, c) = d.identity();
            match old.get_mut(&(a.to_string(), b, c.to_string())) {
                Some(n) if *n > 0 => *n -= 1,
                _ => problems.push(d),
            }
        }
    }
    Ok(SetPlan {
        id: record.id.clone().unwrap_or_default(),
        path,
        before: text.to_string(),
        after,
        changes,
        dry_run: true,
        problems,
    })
}

/// The edit `cairn set` asks for.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// The record's id.
    pub id: &'a str,
    /// The `KEY=VALUE` and `KEY+=VALUE` texts.
    pub assignments: &'a [String],
    /// Write even when the edit breaks the schema.
    pub force: bool,
    /// Work the edit out and write nothing.
    pub dry_run: bool,
}

/// Edits the record `request` names in the working tree: plans the edit,
/// refuses it when it brings errors (unless forced), and writes it
/// atomically (unless a dry run).
pub fn edit_record(project: &Project, request: &Request<'_>) -> Result<SetPlan, Error> {
    let assignments: Vec<Assignment> = request
        .assignments
        .iter()
        .map(|a| parse_assignment(a))
        .collect::<Result<_, _>>()?;
    let snapshot = project
        .loader()
        .load(&Source::Worktree, Select::All, "worktree")?;
    let record = find(&snapshot, request.id)?;
    let full = project.root().join(&record.path);
    let bytes = std::fs::read(&full)
        .map_err(|err| Error::io(format!("cannot read `{}`", record.path), err))?;
    let text = String::from_utf8(bytes).map_err(|err| {
        Error::Refused(format!(
            "`{}` is not UTF-8; nothing was written: {err}",
            record.path
        ))
    })?;
    let mut plan = plan(project.schema(), &snapshot, record, &text, &assignments)?;
    if !plan.problems.is_empty() && !request.force {
        let problems: Vec<String> = plan
            .problems
            .iter()
            .map(|d| format!("{} (line {}, {})", d.message, d.line, d.code))
            .collect();
        return Err(Error::Refused(format!(
            "refusing to edit {} in `{}`: {}; nothing was written (--force writes it anyway)",
            plan.id,
            plan.path,
            problems.join("; ")
        )));
    }
    plan.dry_run = request.dry_run;
    if !request.dry_run && plan.after != plan.before {
        crate::write::Plan::new(project.root())
            .replace(&full, plan.before.as_bytes(), plan.after.as_bytes())
            .apply()?;
    }
    Ok(plan)
}

/// The value at `path` inside `value`.
fn lookup<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    match path.split_first() {
        None => Some(value),
        Some((key, rest)) => match value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| lookup(v, rest)),
            _ => None,
        },
    }
}

/// The top-level value after the assignment: `old` (absent: `None`) with
/// the value at the assignment's key set, or appended to.
fn updated(old: Option<&Value>, a: &Assignment, path: &str) -> Result<Value, SetError> {
    fn go(
        old: Option<&Value>,
        keys: &[String],
        a: &Assignment,
        path: &str,
    ) -> Result<Value, SetError> {
        let Some((key, rest)) = keys.split_first() else {
            if !a.append {
                return Ok(a.value.clone());
            }
            return match old {
                None | Some(Value::Null) => Ok(Value::List(vec![a.value.clone()])),
                Some(Value::List(items)) => {
                    let mut items = items.clone();
                    items.push(a.value.clone());
                    Ok(Value::List(items))
                }
                Some(other) => Err(SetError::NotList {
                    path: path.to_string(),
                    key: a.dotted(),
                    found: other.type_name().to_string(),
                }),
            };
        };
        let mut entries = match old {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Map(entries)) => entries.clone(),
            Some(other) => {
                let depth = a.key.len() - keys.len();
                return Err(SetError::NotMap {
                    path: path.to_string(),
                    key: a.key[..depth].join("."),
                    dotted: a.dotted(),
                    found: other.type_name().to_string(),
                });
            }
        };
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = go(Some(v), rest, a, path)?,
            None => entries.push((key.clone(), go(None, rest, a, path)?)),
        }
        Ok(Value::Map(entries))
    }
    go(old, &a.key[1..], a, path)
}

/// Writes one assignment into `text`, whose front matter holds `fields`;
/// `new_top` is the top-level value it must then hold.
fn apply(
    text: &str,
    fields: &[(String, Value)],
    a: &Assignment,
    new_top: &Value,
) -> Result<String, EditError> {
    let top = &a.key[0];
    let edited = match edit::set(text, top, new_top, None) {
        Ok(edited) => return Ok(edited),
        Err(EditError::MultiLine(_)) if a.key.len() > 1 || a.append => splice(text, a, new_top)?,
        Err(e) => return Err(e),
    };
    // Read back: the new value in place, every other key as it was.
    let after = edit::fields(&edited).map_err(|_| EditError::Unsafe(a.dotted()))?;
    let expected: Vec<(String, Value)> = fields
        .iter()
        .map(|(k, v)| {
            let v = if k == top { new_top.clone() } else { v.clone() };
            (k.clone(), v)
        })
        .collect();
    if after != expected {
        return Err(EditError::Unsafe(a.dotted()));
    }
    Ok(edited)
}

/// The indentation of a line, and whether it holds content (not blank,
/// not a comment).
fn shape(line: &str) -> (usize, bool) {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = line.trim();
    (indent, !rest.is_empty() && !rest.starts_with('#'))
}

/// Splices an assignment into a block value: a key inside a block
/// mapping (found or added at the mapping's indentation), or an item
/// appended to a block list.
fn splice(text: &str, a: &Assignment, new_top: &Value) -> Result<String, EditError> {
    let unsafe_edit = || EditError::Unsafe(a.dotted());
    let cut = edit::Lines::of(text);
    let (close, keys) = cut.front_matter()?;
    let block = Block {
        lines: &cut.lines,
        close,
    };
    let mut at = keys
        .iter()
        .find(|(k, _)| *k == a.key[0])
        .map(|(_, line)| *line)
        .ok_or_else(unsafe_edit)?;
    let mut new_value = new_top;
    for key in &a.key[1..] {
        new_value = lookup(new_value, std::slice::from_ref(key)).ok_or_else(unsafe_edit)?;
        match block.child(at, key).ok_or_else(unsafe_edit)? {
            Ok(line) => at = line,
            Err((end, indent)) => {
                // A new key at the end of this mapping, its value inline.
                let pad = " ".repeat(indent);
                let key_text = yaml::inline(&Value::String(key.clone()));
                let line = format!(
                    "{pad}{key_text}: {}{}",
                    yaml::inline(new_value),
                    cut.newline
                );
                return Ok(cut.with_line(end, &line, true));
            }
        }
    }
    let line = edit::KeyLine::cut(block.lines[at], |l| l.find(':')).ok_or_else(unsafe_edit)?;
    if !line.value().trim().is_empty() {
        if line
            .value()
            .trim_start()
            .starts_with(['&', '*', '!', '|', '>'])
        {
            return Err(EditError::Anchored(a.dotted()));
        }
        return Ok(cut.with_line(at, &line.with_value(&yaml::inline(new_value)), false));
    }
    // A block value below the key: append an item to a block list.
    let end = block.extent(at);
    let first = (at + 1..end)
        .find(|&i| shape(block.lines[i]).1)
        .ok_or_else(unsafe_edit)?;
    let item = block.lines[first];
    if !(a.append && item.trim_start().starts_with('-')) {
        return Err(EditError::MultiLine(a.dotted()));
    }
    let Value::List(items) = new_value else {
        return Err(unsafe_edit());
    };
    let pad = " ".repeat(shape(item).0);
    let last = items.last().ok_or_else(unsafe_edit)?;
    let line = format!("{pad}- {}{}", yaml::inline(last), cut.newline);
    Ok(cut.with_line(end, &line, true))
}

/// The front matter's lines, up to its closing line `close`.
struct Block<'a, 't> {
    lines: &'a [&'t str],
    close: usize,
}

impl Block<'_, '_> {
    /// The end of the value of the key on line `at`: past the lines below
    /// it that are more indented, and list items at its own indentation.
    fn extent(&self, at: usize) -> usize {
        let (indent, _) = shape(self.lines[at]);
        let mut last = at + 1;
        for end in at + 1..self.close {
            let line = self.lines[end];
            let (i, content) = shape(line);
            if content {
                let item = line.trim_start().starts_with("- ") || line.trim() == "-";
                if i < indent || (i == indent && !item) {
                    break;
                }
                last = end + 1;
            }
        }
        last
    }

    /// The line of `key` inside the block mapping that is the value of the
    /// key on line `at`; when it has no such key, `Err` with where a new
    /// one goes and its indentation. `None` when the value is no block
    /// mapping.
    fn child(&self, at: usize, key: &str) -> Option<Result<usize, (usize, usize)>> {
        let end = self.extent(at);
        let first = (at + 1..end).find(|&i| shape(self.lines[i]).1)?;
        let (indent, _) = shape(self.lines[first]);
        if self.lines[first].trim_start().starts_with('-') {
            return None;
        }
        let found = (at + 1..end).find(|&i| {
            let (i_indent, content) = shape(self.lines[i]);
            content
                && i_indent == indent
                && self.lines[i]
                    .trim_start()
                    .strip_prefix(key)
                    .is_some_and(|r| r.starts_with(':'))
        });
        Some(found.ok_or((end, indent)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    const EXP: &str = "---\nid: EXP-0002\ntitle: CNN\nstatus: running  # since May\ncreated: 2024-03-01\nhypothesis: mel wins\ntags:\n  - audio\nmetrics:\n  recall: 0.81   # val set\n  precision: 0.7\n---\n\n## Setup\n\nx\n";
    const PATH: &str = "research/experiments/EXP-0002-cnn.md";

    fn run(text: &str, args: &[&str]) -> Result<SetPlan, SetError> {
        let schema = config::builtin();
        let snapshot = Snapshot::from_texts("t", &schema, &[(PATH, text)]);
        let record = find(&snapshot, "EXP-0002")?;
        let assignments: Vec<Assignment> = args
            .iter()
            .map(|a| parse_assignment(a))
            .collect::<Result<_, _>>()?;
        plan(&schema, &snapshot, record, text, &assignments)
    }

    #[test]
    fn values_are_typed_as_yaml_scalars() {
        let a = parse_assignment("metrics.recall=0.83").unwrap();
        assert_eq!(a.key, ["metrics", "recall"]);
        assert_eq!(a.value, Value::Float(0.83));
        assert_eq!(parse_assignment("n=3").unwrap().value, Value::Int(3));
        assert_eq!(
            parse_assignment("ok=true").unwrap().value,
            Value::Bool(true)
        );
        assert_eq!(
            parse_assignment("title=CNN: log-mel").unwrap().value,
            Value::String("CNN: log-mel".into())
        );
        assert!(parse_assignment("tags+=a").unwrap().append);
        assert!(matches!(
            parse_assignment("status"),
            Err(SetError::Syntax(_))
        ));
        assert!(matches!(
            parse_assignment("a..b=1"),
            Err(SetError::Syntax(_))
        ));
    }

    #[test]
    fn changes_only_the_values_bytes() {
        let got = run(
            EXP,
            &[
                "status=done",
                "outcome=supported",
                "metrics.recall=0.83",
                "tags+=cnn",
            ],
        );
        let got = got.unwrap();
        assert_eq!(
            got.after,
            EXP.replace("status: running  # since May", "status: done # since May")
                .replace("recall: 0.81   # val set", "recall: 0.83 # val set")
                .replace("  - audio\n", "  - audio\n  - cnn\n")
                .replace("precision: 0.7\n", "precision: 0.7\noutcome: supported\n")
        );
        // Sections Results and Conclusion are missing for a done experiment.
        let codes: Vec<Code> = got.problems.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::MissingSection, Code::MissingSection]);
    }

    #[test]
    fn new_keys_go_inside_their_mapping() {
        let got = run(EXP, &["metrics.f1=0.75", "params.lr=0.001"]).unwrap();
        assert_eq!(
            got.after,
            EXP.replace(
                "precision: 0.7\n",
                "precision: 0.7\n  f1: 0.75\nparams: {lr: 0.001}\n"
            )
        );
        assert!(got.problems.is_empty(), "{:?}", got.problems);
    }

    #[test]
    fn forbidden_moves_and_wrong_shapes_are_refused() {
        let got = run(EXP, &["status=planned"]).unwrap();
        assert_eq!(got.problems[0].code, Code::Transition);
        assert!(
            got.problems[0]
                .message
                .contains("from running an experiment may move to done, abandoned")
        );
        assert!(matches!(
            run(EXP, &["title.x=1"]),
            Err(SetError::NotMap { .. })
        ));
        assert!(matches!(
            run(EXP, &["title+=x"]),
            Err(SetError::NotList { .. })
        ));
        assert!(matches!(
            run(EXP, &["metrics=1"]),
            Err(SetError::Edit { .. })
        ));
        assert!(matches!(
            run(EXP, &["x=1"]).map(|p| p.problems.len()),
            Ok(0)
        ));
        assert!(run(EXP, &["id=EXP-0003"]).is_ok());
        assert!(matches!(
            find(&Snapshot::default(), "EXP-0002"),
            Err(SetError::UnknownId { .. })
        ));
    }

    #[test]
    fn flow_values_and_top_level_lists_are_rewritten_on_their_line() {
        let text = "---\nid: EXP-0002\ntitle: CNN\nstatus: running\ncreated: 2024-03-01\nhypothesis: h\ntags: [audio]\nmetrics: {recall: 0.81}\n---\n## Setup\n";
        let got = run(text, &["tags+=cnn", "metrics.recall=0.9"]).unwrap();
        assert_eq!(
            got.after,
            text.replace("[audio]", "[audio, cnn]")
                .replace("{recall: 0.81}", "{recall: 0.9}")
        );
        let text = "---\nid: EXP-0002\ntitle: CNN\nstatus: running\ncreated: 2024-03-01\nhypothesis: h\nauthors:\n- Ada\n---\n## Setup\n";
        let got = run(text, &["authors+=Bo Li"]).unwrap();
        assert_eq!(got.after, text.replace("- Ada\n", "- Ada\n- Bo Li\n"));
    }
}
