//! The model of `cairn report`: everything the summary knows (counts,
//! experiments against their baselines, links, stale work, reviews, work in
//! progress, progress, days in each status) plus what a reader of the whole
//! log wants — every record with its fields and its body, the links of the
//! decision graph, and every status change from git history.
//!
//! `render::report_html` turns it into one self-contained HTML file, and
//! [`write_file`] is `cairn report -o FILE` as one call: read, build,
//! render and write atomically, replacing only a file cairn wrote.

use std::path::Path;

use serde::Serialize;

use crate::calendar::iso_date;
use crate::history::History;
use crate::project::{Error, Project};
use crate::record::{Brief, Record};
use crate::render::report_html::{self, MARK};
use crate::schema::Schema;
use crate::snapshot::ParseCache;
use crate::snapshot::Snapshot;
use crate::summary;
use crate::summary::Summary;
use crate::value::Value;
use crate::write::Plan;

/// The report of one revision.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The summary of the same revision and history.
    pub summary: Summary,
    /// Every record with an id, in schema kind order then by id.
    pub records: Vec<Entry>,
    /// Every `supersedes`, `evidence` and `scope` link (plus `baseline`).
    pub graph: Vec<Edge>,
    /// Every status change in history, newest first.
    pub changes: Vec<StatusChange>,
}

/// One record, as the report shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    /// The record: id, kind, status, title, path.
    #[serde(flatten)]
    pub record: Brief<String>,
    /// Its `tags`.
    pub tags: Vec<String>,
    /// Its `authors`.
    pub authors: Vec<String>,
    /// Every other front matter field, as written order, with its value as text.
    pub fields: Vec<(String, String)>,
    /// The body's Markdown, rebuilt from its sections (headings and text).
    pub body: String,
}

/// A link between two records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The record that links.
    pub from: String,
    /// The record linked to.
    pub to: String,
    /// The field.
    pub field: String,
}

/// A commit that set a record's status.
#[derive(Clone, Debug, Serialize)]
pub struct StatusChange {
    /// The record.
    pub id: String,
    /// Its kind.
    pub kind: String,
    /// The status before (`None` when the record was added).
    pub from: Option<String>,
    /// The status after.
    pub to: String,
    /// The commit.
    pub commit: String,
    /// Its author.
    pub author: String,
    /// Its date, ISO 8601.
    pub date: String,
}

/// What `cairn report -o FILE` wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Written {
    /// The file, as given.
    pub path: String,
    /// How many records the report shows.
    pub records: usize,
}

/// Writes the report of `request`'s revision to `output` (relative to
/// where cairn runs). A folder, or a file cairn did not write, is refused
/// before anything is read.
pub fn write_file(
    project: &Project,
    output: &Path,
    request: &summary::Request<'_>,
) -> Result<Written, Error> {
    let target = project.given(output);
    let shown = output.display();
    if target.is_dir() {
        return Err(Error::Refused(format!(
            "`{shown}` is a folder; give -o a file name, e.g. -o {shown}/cairn-report.html"
        )));
    }
    let existing = match std::fs::read(&target) {
        Ok(bytes) if bytes.starts_with(MARK.as_bytes()) => Some(bytes),
        Ok(_) => {
            return Err(Error::Refused(format!(
                "`{shown}` exists and was not written by cairn report; choose another -o FILE or remove it"
            )));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(Error::io(format!("cannot read `{shown}`"), err)),
    };
    let cache = ParseCache::default();
    let read = summary::read(project, request, &cache, None, false)?;
    let model = build(
        project.schema(),
        &read.snapshot,
        &read.history,
        read.summary,
    );
    let mut html = Vec::new();
    report_html::write(&mut html, &model)
        .map_err(|err| Error::io(format!("cannot write `{shown}`"), err))?;

    // Writes inside the repository are held to it; a file outside it (a
    // site folder in CI) is the user's explicit choice.
    let parent = target
        .parent()
        .ok_or_else(|| Error::Refused("the output has no folder".into()))?;
    let parent = std::fs::canonicalize(parent).map_err(|err| {
        Error::io(
            format!("cannot write `{shown}`: its folder does not exist"),
            err,
        )
    })?;
    let root = std::fs::canonicalize(project.root()).unwrap_or_else(|_| project.root().into());
    let name = target.file_name();
    let file =
        parent.join(name.ok_or_else(|| Error::Refused("the output has no file name".into()))?);
    let mut plan = Plan::new(if parent.starts_with(&root) {
        &root
    } else {
        &parent
    });
    match existing {
        Some(old) => plan.replace(&file, old, html),
        None => plan.create(&file, html),
    };
    plan.apply()?;
    Ok(Written {
        path: shown.to_string(),
        records: model.records.len(),
    })
}

/// The fields the graph draws.
pub const GRAPH_FIELDS: &[&str] = &["supersedes", "evidence", "scope", "baseline"];

/// Builds the report from the summary of `snapshot` and its `history`.
pub fn build(schema: &Schema, snapshot: &Snapshot, history: &History, summary: Summary) -> Report {
    let order = |kind: &str| schema.kind_index(kind);
    let mut records: Vec<&Record> = snapshot.records.iter().filter(|r| r.id.is_some()).collect();
    records.sort_by(|a, b| (order(&a.kind), &a.id, &a.path).cmp(&(order(&b.kind), &b.id, &b.path)));
    let mut graph = Vec::new();
    let entries = records
        .iter()
        .map(|r| {
            let id = r.id.clone().unwrap_or_default();
            for field in GRAPH_FIELDS {
                for to in r.value(field).map(Value::string_items).unwrap_or_default() {
                    graph.push(Edge {
                        from: id.clone(),
                        to,
                        field: (*field).to_string(),
                    });
                }
            }
            let items = |name: &str| r.value(name).map(Value::string_items).unwrap_or_default();
            Entry {
                record: Brief {
                    id: id.clone(),
                    ..r.brief().identified()
                },
                tags: items("tags"),
                authors: items("authors"),
                fields: r
                    .front
                    .fields
                    .iter()
                    .filter(|f| {
                        !["id", "title", "status", "tags", "authors"].contains(&f.key.as_str())
                    })
                    .map(|f| (f.key.clone(), text_of(&f.value)))
                    .collect(),
                body: body_of(r),
            }
        })
        .collect();
    let mut changes = Vec::new();
    for (id, events) in &history.events {
        // Events are newest first; walk oldest first to know the status before.
        let mut before: Option<&str> = None;
        for event in events.iter().rev() {
            let now = event.status.as_deref();
            if let Some(to) = now {
                if before != Some(to) {
                    let commit = history.commit(event);
                    let kind = schema
                        .kind_of_path(&event.path)
                        .map(|k| k.name.clone())
                        .unwrap_or_default();
                    changes.push(StatusChange {
                        id: id.clone(),
                        kind,
                        from: before.map(str::to_string),
                        to: to.to_string(),
                        commit: commit.id.to_string(),
                        author: commit.author.clone(),
                        date: iso_date(commit.time, commit.offset_minutes),
                    });
                }
            }
            before = now;
        }
    }
    changes.sort_by(|a, b| (&b.date, &b.id, &b.to).cmp(&(&a.date, &a.id, &a.to)));
    Report {
        summary,
        records: entries,
        graph,
        changes,
    }
}

/// A value as one line of text: scalars as written, lists joined with
/// commas, maps as `key: value` pairs.
fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::List(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| format!("{k}: {}", text_of(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.scalar_text().unwrap_or_default(),
    }
}

/// The body's Markdown from its sections; a top heading that repeats the
/// title is left out (the report shows the title already).
fn body_of(record: &Record) -> String {
    let title = record.title();
    let mut out = String::new();
    for section in &record.body.sections {
        let repeats = section.level == 1 && Some(&section.title) == title.as_ref();
        if !repeats {
            out.push_str(&"#".repeat(usize::from(section.level.clamp(1, 6))));
            out.push(' ');
            out.push_str(&section.title);
            out.push_str("\n\n");
        }
        if !section.own_text().is_empty() {
            out.push_str(section.own_text());
            out.push_str("\n\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_one_line() {
        let map = Value::Map(vec![
            ("recall".into(), Value::Float(0.8)),
            ("n".into(), Value::Int(3)),
        ]);
        assert_eq!(text_of(&map), "recall: 0.8, n: 3");
        let list = Value::List(vec![Value::String("a".into()), Value::String("b".into())]);
        assert_eq!(text_of(&list), "a, b");
        assert_eq!(text_of(&Value::Null), "");
    }

    #[test]
    fn the_body_drops_the_title_heading_only() {
        let schema = crate::config::builtin();
        let snapshot = Snapshot::from_texts(
            "t",
            &schema,
            &[(
                "research/lessons/LSN-0001-a.md",
                "---\nid: LSN-0001\ntitle: Check rates\nstatus: noted\ncreated: 2024-01-01\n---\n\n# Check rates\n\n## What happened\n\nSite 9 ran at 22 kHz.\n\n### Detail\n\nMore.\n",
            )],
        );
        assert_eq!(
            body_of(&snapshot.records[0]),
            "## What happened\n\nSite 9 ran at 22 kHz.\n\n### Detail\n\nMore.\n\n"
        );
    }
}
