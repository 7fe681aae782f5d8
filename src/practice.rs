//! Research practice read from a snapshot: records due for review, work in
//! progress per person against the schema's limits, and the progress of
//! records that gather others (milestones).
//!
//! Every rule comes from the schema: a rule's `review` names the date field
//! that makes a matching record due, a rule's `limit` caps matching records
//! per value of a field, a kind's `progress` names the reference fields
//! whose settled targets count as done. Nothing here knows a kind by name.
//! `validate` turns the first two into warnings; `summary`, `index` and
//! `report` show all three.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use crate::calendar::{days_between, format_date, parse_date};
use crate::record::{Brief, Record};
use crate::schema::{FieldType, Kind, Schema};
use crate::snapshot::Snapshot;
use crate::summary::classify;
use crate::value::Value;

/// A record whose review date has passed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewDue {
    /// The record: id, kind, status, title, path.
    #[serde(flatten)]
    pub record: Brief,
    /// The date field (`review_by`).
    pub field: String,
    /// That field's 1-based line.
    #[serde(skip)]
    pub line: usize,
    /// The date, YYYY-MM-DD.
    pub date: String,
    /// Days since the date, counted to today (at least 1).
    pub days_overdue: i64,
}

/// Records matching a limit rule held by one person.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Workload {
    /// The person (a value of the rule's `per` field).
    pub person: String,
    /// The kind.
    pub kind: String,
    /// The field people are read from (`authors`).
    pub per: String,
    /// The statuses (or other values) the rule counts, as written in `when`.
    pub counts: Vec<String>,
    /// The most the rule allows.
    pub limit: usize,
    /// The ids of the records, in id order.
    pub records: Vec<String>,
    /// Whether `records` holds more than `limit`.
    pub over: bool,
}

/// A record that gathers others and how many of them have settled.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Progress {
    /// The record: id, kind, status, title, path.
    #[serde(flatten)]
    pub record: Brief<String>,
    /// Its `due` date, if it has one.
    pub due: Option<String>,
    /// Records gathered that have settled.
    pub settled: usize,
    /// Records gathered.
    pub total: usize,
    /// Each record gathered, in the order written.
    pub members: Vec<Member>,
}

/// One record a milestone gathers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Member {
    /// The id as written.
    pub id: String,
    /// The field that names it.
    pub field: String,
    /// Its status, when the record exists.
    pub status: Option<String>,
    /// Its title, when the record exists.
    pub title: Option<String>,
    /// Whether it exists in the snapshot.
    pub found: bool,
    /// Whether its status is one its kind settles in.
    pub settled: bool,
}

/// Records in a status some rule's `review` applies to whose review date
/// lies before `today`, most overdue first.
pub fn reviews_due(schema: &Schema, snapshot: &Snapshot, today: Date) -> Vec<ReviewDue> {
    let mut out = Vec::new();
    for record in &snapshot.records {
        let Some(kind) = schema.kind(&record.kind) else {
            continue;
        };
        for rule in &kind.rules {
            let Some(field) = &rule.review else {
                continue;
            };
            if !rule.when.matches(|f| record.value(f)) {
                continue;
            }
            let Some(date) = record.text(field).as_deref().and_then(parse_date) else {
                continue;
            };
            let days = days_between(date, today);
            if days > 0 {
                out.push(ReviewDue {
                    record: record.brief(),
                    field: field.clone(),
                    line: record.line_of(field),
                    date: format_date(date),
                    days_overdue: days,
                });
            }
        }
    }
    out.sort_by(|a, b| {
        (&a.date, &a.record.id, &a.record.path).cmp(&(&b.date, &b.record.id, &b.record.path))
    });
    out.dedup_by(|a, b| a.record.path == b.record.path && a.field == b.field);
    out
}

/// Every person's records under every limit rule, by kind (schema order),
/// then person; people over a limit are marked `over`.
pub fn workloads(schema: &Schema, snapshot: &Snapshot) -> Vec<Workload> {
    let mut out = Vec::new();
    for kind in &schema.kinds {
        for rule in &kind.rules {
            let Some(limit) = &rule.limit else {
                continue;
            };
            let mut by_person: Vec<(String, Vec<String>)> = Vec::new();
            for record in snapshot.records.iter().filter(|r| r.kind == kind.name) {
                if !rule.when.matches(|f| record.value(f)) {
                    continue;
                }
                let Some(id) = &record.id else { continue };
                for person in people(record.value(&limit.per)) {
                    match by_person.iter_mut().find(|(p, _)| *p == person) {
                        Some((_, ids)) => ids.push(id.clone()),
                        None => by_person.push((person, vec![id.clone()])),
                    }
                }
            }
            by_person.sort_by(|a, b| a.0.cmp(&b.0));
            let counts: Vec<String> = rule
                .when
                .fields
                .iter()
                .flat_map(|(_, values)| values.iter().cloned())
                .collect();
            for (person, mut records) in by_person {
                records.sort();
                records.dedup();
                out.push(Workload {
                    over: records.len() > limit.max,
                    person,
                    kind: kind.name.clone(),
                    per: limit.per.clone(),
                    counts: counts.clone(),
                    limit: limit.max,
                    records,
                });
            }
        }
    }
    out
}

/// The people a field names: a list's items, or one scalar; trimmed, empty
/// ones dropped, each once.
fn people(value: Option<&Value>) -> Vec<String> {
    let mut names: Vec<String> = match value {
        Some(Value::List(items)) => items.iter().filter_map(Value::scalar_text).collect(),
        Some(other) => other.scalar_text().into_iter().collect(),
        None => Vec::new(),
    };
    for name in &mut names {
        *name = name.trim().to_string();
    }
    names.retain(|n| !n.is_empty());
    names.dedup();
    names
}

/// The progress of every record of a kind with `progress` fields, in
/// schema kind order then by id.
pub fn progress(schema: &Schema, snapshot: &Snapshot) -> Vec<Progress> {
    let by_id: HashMap<&str, &Record> = snapshot
        .records
        .iter()
        .filter_map(|r| Some((r.id.as_deref()?, r)))
        .collect();
    let settled: HashMap<&str, Vec<String>> = schema
        .kinds
        .iter()
        .map(|k| (k.name.as_str(), classify(k).settled))
        .collect();
    let mut out = Vec::new();
    for kind in schema.kinds.iter().filter(|k| !k.progress.is_empty()) {
        let mut records: Vec<&Record> = snapshot
            .records
            .iter()
            .filter(|r| r.kind == kind.name && r.id.is_some())
            .collect();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        for record in records {
            let members: Vec<Member> = gathered(kind, record)
                .into_iter()
                .map(|(field, id)| {
                    let target = by_id.get(id.as_str());
                    let status = target.and_then(|t| t.status());
                    let is_settled = match (target, &status) {
                        (Some(t), Some(s)) => {
                            settled.get(t.kind.as_str()).is_some_and(|l| l.contains(s))
                        }
                        _ => false,
                    };
                    Member {
                        found: target.is_some(),
                        title: target.and_then(|t| t.title()),
                        settled: is_settled,
                        status,
                        field,
                        id,
                    }
                })
                .collect();
            out.push(Progress {
                record: Brief {
                    kind: kind.name.clone(),
                    ..record.brief().identified()
                },
                due: record.text("due"),
                settled: members.iter().filter(|m| m.settled).count(),
                total: members.len(),
                members,
            });
        }
    }
    out
}

/// The ids a record's progress fields name, with the field, each once.
fn gathered(kind: &Kind, record: &Record) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for field in &kind.progress {
        let ids: Vec<String> = match (kind.field(field).map(|f| &f.ty), record.value(field)) {
            (Some(FieldType::List(_)), Some(Value::List(items))) => {
                items.iter().filter_map(Value::scalar_text).collect()
            }
            (_, Some(value)) => value.scalar_text().into_iter().collect(),
            (_, None) => Vec::new(),
        };
        for id in ids {
            let id = id.trim().to_string();
            if !id.is_empty() && !out.iter().any(|(_, known)| *known == id) {
                out.push((field.clone(), id));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn day(text: &str) -> Date {
        parse_date(text).unwrap()
    }

    /// A snapshot of the built-in schema holding these records, each
    /// `(folder, id, front matter after id and title)`.
    fn of(records: &[(&str, &str, String)]) -> Snapshot {
        let files: Vec<(String, String)> = records
            .iter()
            .map(|(dir, id, rest)| {
                let path = format!("research/{dir}/{id}-x.md");
                (path, format!("---\nid: {id}\ntitle: T {id}\n{rest}---\n"))
            })
            .collect();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        Snapshot::from_texts("t", &config::builtin(), &files)
    }

    fn decision<'a>(id: &'a str, status: &str, review_by: &str) -> (&'a str, &'a str, String) {
        let rest = format!("status: {status}\ncreated: 2024-01-01\nreview_by: {review_by}\n");
        ("decisions", id, rest)
    }

    fn experiment<'a>(id: &'a str, status: &str, authors: &str) -> (&'a str, &'a str, String) {
        let rest =
            format!("status: {status}\ncreated: 2024-01-01\nhypothesis: h\nauthors: {authors}\n");
        ("experiments", id, rest)
    }

    #[test]
    fn reviews_fall_due_the_day_after_the_date_in_matching_statuses() {
        let schema = config::builtin();
        let snapshot = of(&[
            decision("DEC-0001", "accepted", "2024-05-01"),
            decision("DEC-0002", "accepted", "2024-05-02"),
            decision("DEC-0003", "proposed", "2024-01-01"),
            decision("DEC-0004", "accepted", "not a date"),
        ]);
        let due = reviews_due(&schema, &snapshot, day("2024-05-02"));
        assert_eq!(due.len(), 1, "{due:?}");
        assert_eq!(due[0].record.id.as_deref(), Some("DEC-0001"));
        assert_eq!(
            (due[0].date.as_str(), due[0].days_overdue),
            ("2024-05-01", 1)
        );
        assert_eq!(due[0].line, 6);
    }

    #[test]
    fn workloads_count_matching_records_per_person() {
        let schema = config::builtin();
        let snapshot = of(&[
            experiment("EXP-0001", "running", "[Ada, Bo]"),
            experiment("EXP-0002", "running", "[Ada]"),
            experiment("EXP-0003", "running", "Ada"),
            experiment("EXP-0004", "done", "[Ada]"),
            experiment("EXP-0005", "running", "[]"),
        ]);
        let loads = workloads(&schema, &snapshot);
        let summary: Vec<(&str, Vec<&str>, bool)> = loads
            .iter()
            .map(|w| {
                (
                    w.person.as_str(),
                    w.records.iter().map(String::as_str).collect(),
                    w.over,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("Ada", vec!["EXP-0001", "EXP-0002", "EXP-0003"], true),
                ("Bo", vec!["EXP-0001"], false),
            ]
        );
        assert_eq!(loads[0].limit, 2);
        assert_eq!(loads[0].counts, ["running"]);
    }

    #[test]
    fn progress_counts_settled_records_gathered() {
        let schema = config::builtin();
        let milestone = "status: active\ncreated: 2024-01-01\ngoal: g\ndue: 2024-06-01\nexperiments: [EXP-0001, EXP-0002, EXP-0009, EXP-0001]\n";
        let snapshot = of(&[
            experiment("EXP-0001", "done", "[Ada]"),
            experiment("EXP-0002", "running", "[Ada]"),
            ("milestones", "MS-0001", milestone.to_string()),
        ]);
        let all = progress(&schema, &snapshot);
        assert_eq!(all.len(), 1);
        let ms = &all[0];
        assert_eq!((ms.settled, ms.total), (1, 3));
        assert_eq!(ms.due.as_deref(), Some("2024-06-01"));
        let found: Vec<(&str, bool, bool)> = ms
            .members
            .iter()
            .map(|m| (m.id.as_str(), m.found, m.settled))
            .collect();
        assert_eq!(
            found,
            [
                ("EXP-0001", true, true),
                ("EXP-0002", true, false),
                ("EXP-0009", false, false)
            ]
        );
    }
}
