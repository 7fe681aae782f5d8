//! The summary model: the research log at one revision — counts, open
//! work, recent status changes, experiments against their baselines, stale
//! work, time spent in each status and how long records take to settle —
//! computed from one snapshot and one [`History`] walk.
//!
//! Nothing here knows a kind or a status by name. What counts as open,
//! under way or settled comes from each kind's statuses and transitions
//! ([`StatusClasses`]); which sections a kind appears in comes from its
//! fields (`due`/`assumptions`, `metrics`, `baseline`, `supersedes`,
//! `evidence`). docs/history.md states every rule.
//!
//! This file holds the model and `summarize`; `sections.rs` works out each
//! record's part in each section; `build.rs` is `cairn summary` (and the
//! reading `cairn report` shares) as one call on a project.

mod build;
mod sections;

pub use build::{Read, Request, at_revision, read};

use crate::hash::Map as HashMap;

use indexmap::IndexMap;
use serde::Serialize;

use crate::calendar::format_date;
use crate::calendar::{day, iso_date};
use crate::diff::{Change, Tally};
use crate::git::CommitInfo;
use crate::history::{Event, History};
use crate::practice::{self, Progress, ReviewDue, Workload};
use crate::record::{Brief, Record};
use crate::schema::{Kind, Schema};
use crate::snapshot::Snapshot;
use crate::value::Value;
use sections::Facts;

/// Seconds in a day.
const DAY: f64 = 86_400.0;

/// Knobs of the summary.
#[derive(Clone, Debug)]
pub struct Options {
    /// Work under way with no commit for this many days is stale.
    pub stale_days: u32,
    /// Status changes this recent are listed.
    pub recent_days: u32,
    /// The day review dates fall due against; `None` takes the revision's day.
    pub today: Option<time::Date>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            stale_days: 14,
            recent_days: 30,
            today: None,
        }
    }
}

/// How a kind's statuses divide, derived from its statuses and transitions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StatusClasses {
    /// The first status: where records start.
    pub initial: Option<String>,
    /// Statuses of records still in play.
    pub open: Vec<String>,
    /// Open statuses in which work is going on (checked for staleness).
    pub under_way: Vec<String>,
    /// Statuses a record settles in.
    pub settled: Vec<String>,
    /// Settled statuses reached straight from an open one (velocity targets).
    pub outcomes: Vec<String>,
}

/// Divides a kind's statuses.
///
/// - *settled*: a status with no outgoing transition (terminal), one whose
///   every move leads back to the initial status only (parked: abandoned,
///   dropped, rejected), or one a `frozen` rule names (accepted);
/// - *open*: every other status;
/// - *under way*: the open statuses after the initial one, or the initial
///   one when it is the only open status (a proposed decision awaits one);
/// - *outcomes*: settled statuses an open status moves to.
///
/// Without `transitions`, only the first status is open; without
/// `statuses`, nothing is.
pub fn classify(kind: &Kind) -> StatusClasses {
    let Some(statuses) = kind.statuses.as_ref().filter(|s| !s.is_empty()) else {
        return StatusClasses::default();
    };
    let initial = statuses[0].clone();
    let Some(_) = &kind.transitions else {
        return StatusClasses {
            initial: Some(initial.clone()),
            open: vec![initial.clone()],
            under_way: vec![initial],
            settled: statuses[1..].to_vec(),
            outcomes: statuses[1..].to_vec(),
        };
    };
    let frozen: Vec<&String> = kind
        .frozen
        .iter()
        .flat_map(|f| f.when.fields.iter())
        .filter(|(field, _)| field == "status")
        .flat_map(|(_, values)| values)
        .collect();
    let moves = |s: &str| kind.allowed_moves(s).unwrap_or_default();
    let settled: Vec<String> = statuses
        .iter()
        .filter(|s| {
            let out = moves(s);
            out.is_empty()
                || (**s != initial && out.iter().all(|t| *t == initial))
                || frozen.contains(s)
        })
        .cloned()
        .collect();
    let open: Vec<String> = statuses
        .iter()
        .filter(|s| !settled.contains(s))
        .cloned()
        .collect();
    let mut under_way: Vec<String> = open.iter().filter(|s| **s != initial).cloned().collect();
    if under_way.is_empty() {
        under_way = open.clone();
    }
    let outcomes = settled
        .iter()
        .filter(|s| open.iter().any(|o| moves(o).contains(&s.as_str())))
        .cloned()
        .collect();
    StatusClasses {
        initial: Some(initial),
        open,
        under_way,
        settled,
        outcomes,
    }
}

/// The summary of a revision.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The JSON shape's version.
    pub version: u32,
    /// The revision as given.
    pub rev: String,
    /// Its full commit id.
    pub commit: String,
    /// Its author date, ISO 8601: "now" for every age below.
    pub date: String,
    /// Records per kind and status (kinds and statuses in schema order).
    pub counts: IndexMap<String, IndexMap<String, usize>>,
    /// Files in record folders that are not readable records.
    pub broken: usize,
    /// The rules in force: status classes per kind, and the day limits.
    pub rules: Rules,
    /// Open records of kinds with a `due` or `assumptions` field.
    pub open: Vec<OpenRecord>,
    /// Records whose status was set in the last `recent_days`, newest first.
    pub recent: Vec<Recent>,
    /// Records of kinds with a `metrics` field, most recently changed first.
    pub experiments: Vec<Experiment>,
    /// Ids of stale records (under way, untouched for `stale_days`).
    pub stale: Vec<String>,
    /// The stale records with their last change, oldest first.
    pub stale_records: Vec<Stale>,
    /// The day review dates were compared with, YYYY-MM-DD.
    pub today: String,
    /// Records past their review date, most overdue first.
    pub reviews: Vec<ReviewDue>,
    /// Work in progress per person under each limit rule.
    pub workloads: Vec<Workload>,
    /// Records that gather others (milestones) and how many have settled.
    pub progress: Vec<Progress>,
    /// Median days from the initial status to each outcome, per kind.
    pub velocity: Vec<Velocity>,
    /// `supersedes` and `evidence` links between records.
    pub links: Vec<Link>,
    /// One bar per record of a kind with `metrics`: from creation to settling.
    pub timeline: Vec<Bar>,
    /// With `--since` or `--range`: what changed in the span.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// Every record with an id, in schema kind order then by id.
    pub records: Vec<RecordSummary>,
}

/// The rules the summary applied.
#[derive(Clone, Debug, Serialize)]
pub struct Rules {
    /// Days without a commit after which work under way is stale.
    pub stale_days: u32,
    /// Days a status change counts as recent.
    pub recent_days: u32,
    /// Status classes per kind.
    pub statuses: IndexMap<String, StatusClasses>,
}

/// An open record with its due date and assumptions.
#[derive(Clone, Debug, Serialize)]
pub struct OpenRecord {
    /// The record: id, kind, status, title, path.
    #[serde(flatten)]
    pub record: Brief<String>,
    /// The `due` date, if set.
    pub due: Option<String>,
    /// Whether `due` is before the revision's date.
    pub overdue: bool,
    /// The `assumptions`.
    pub assumptions: Vec<String>,
}

/// A recent status change.
#[derive(Clone, Debug, Serialize)]
pub struct Recent {
    /// The record: id, kind, status, title, path.
    #[serde(flatten)]
    pub record: Brief<String>,
    /// The commit that set the status.
    pub commit: String,
    /// That commit's date, ISO 8601.
    pub date: String,
    /// Whether the record was added by that commit (rather than moved).
    pub new: bool,
}

/// A record with metrics, against its baseline.
#[derive(Clone, Debug, Serialize)]
pub struct Experiment {
    /// The record: id, kind, status, title, path.
    #[serde(flatten)]
    pub record: Brief<String>,
    /// The `outcome` field.
    pub outcome: Option<String>,
    /// The `baseline` id.
    pub baseline: Option<String>,
    /// Whether the baseline exists in this revision.
    pub baseline_found: bool,
    /// Its numeric metrics, in the order written.
    pub metrics: Vec<Metric>,
}

/// One metric and its baseline's value of the same name.
#[derive(Clone, Debug, Serialize)]
pub struct Metric {
    /// The metric's name.
    pub name: String,
    /// Its value.
    pub value: f64,
    /// The baseline's value, when it has this metric.
    pub baseline: Option<f64>,
    /// `value - baseline`.
    pub delta: Option<f64>,
}

/// Work under way that no commit touched for a while.
#[derive(Clone, Debug, Serialize)]
pub struct Stale {
    /// The record: id, kind, status, title, path.
    #[serde(flatten)]
    pub record: Brief<String>,
    /// The last commit that touched it.
    pub last_changed: Option<Changed>,
    /// Days since then, to 0.1.
    pub days: f64,
}

/// How long records of a kind take from the initial status to an outcome.
#[derive(Clone, Debug, Serialize)]
pub struct Velocity {
    /// The kind.
    pub kind: String,
    /// The initial status.
    pub from: String,
    /// The outcome.
    pub to: String,
    /// Median days, to 0.1.
    pub median_days: f64,
    /// How many records made the move.
    pub records: usize,
}

/// A link from one record to another.
#[derive(Clone, Debug, Serialize)]
pub struct Link {
    /// The record that links.
    pub from: String,
    /// The record linked to.
    pub to: String,
    /// The field (`supersedes`, `evidence`).
    pub field: String,
}

/// A record's life on the timeline.
#[derive(Clone, Debug, Serialize)]
pub struct Bar {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// The day of the commit that created it.
    pub start: String,
    /// The day it settled, or the revision's day.
    pub end: String,
    /// Whether it settled.
    pub settled: bool,
}

/// What changed in a span.
#[derive(Clone, Debug, Serialize)]
pub struct Span {
    /// The earlier side (a commit, or `empty` before the first one).
    pub from: String,
    /// The later side.
    pub to: String,
    /// How many records changed, and how: one sentence in JSON.
    pub sentence: Tally,
    /// The changes, as `cairn diff` reports them.
    pub changes: Vec<Change>,
}

/// A commit and its date.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changed {
    /// The full commit id.
    pub commit: String,
    /// Its date, ISO 8601.
    pub date: String,
}

/// One record's state and history.
#[derive(Clone, Debug, Serialize)]
pub struct RecordSummary {
    /// The record: id, kind, status, title, path.
    #[serde(flatten)]
    pub record: Brief<String>,
    /// The commit that first added it (`null` if history never saw it).
    pub created_commit: Option<String>,
    /// The last commit that touched it.
    pub last_changed: Option<Changed>,
    /// Days spent in each status, to 0.1, in the order first entered.
    pub status_days: IndexMap<String, f64>,
}

/// Builds the summary of `snapshot`, the revision `rev` at commit `at`,
/// from the history walked from that commit.
pub fn summarize(
    schema: &Schema,
    rev: &str,
    at: &CommitInfo,
    snapshot: &Snapshot,
    history: &History,
    options: &Options,
) -> Summary {
    let now = at.time;
    let today = options
        .today
        .or_else(|| crate::calendar::parse_date(&day(now)))
        .unwrap_or(time::Date::MIN);
    let classes: IndexMap<String, StatusClasses> = schema
        .kinds
        .iter()
        .map(|k| (k.name.clone(), classify(k)))
        .collect();
    let by_id: HashMap<&str, &Record> = snapshot
        .records
        .iter()
        .filter_map(|r| Some((r.id.as_deref()?, r)))
        .collect();
    let mut summary = Summary {
        version: 1,
        rev: rev.to_string(),
        commit: at.id.to_string(),
        date: iso_date(at.time, at.offset_minutes),
        counts: counts(schema, snapshot),
        broken: snapshot.broken.len(),
        rules: Rules {
            stale_days: options.stale_days,
            recent_days: options.recent_days,
            statuses: classes.clone(),
        },
        open: Vec::new(),
        recent: Vec::new(),
        experiments: Vec::new(),
        stale: Vec::new(),
        stale_records: Vec::new(),
        today: format_date(today),
        reviews: practice::reviews_due(schema, snapshot, today),
        workloads: practice::workloads(schema, snapshot),
        progress: practice::progress(schema, snapshot),
        velocity: Vec::new(),
        links: Vec::new(),
        timeline: Vec::new(),
        span: None,
        records: Vec::new(),
    };
    let mut moves: IndexMap<(String, String, String), Vec<f64>> = IndexMap::new();
    let mut experiments: Vec<(i64, Experiment)> = Vec::new();
    let mut recent: Vec<(i64, Recent)> = Vec::new();
    let mut stale: Vec<(i64, Stale)> = Vec::new();
    for record in in_kind_order(schema, &by_id) {
        let class = classes.get(&record.kind).cloned().unwrap_or_default();
        let facts = Facts::new(schema, record, &class, history, now);
        summary.open.extend(facts.open());
        recent.extend(facts.recent(options));
        stale.extend(facts.stale(options));
        facts.velocity(&mut moves);
        if let Some((experiment, bar)) = facts.experiment(&by_id) {
            experiments.push(experiment);
            summary.timeline.extend(bar);
        }
        summary.links.extend(facts.links());
        summary.records.push(facts.record_summary());
    }
    recent.sort_by_key(|r| std::cmp::Reverse(r.0));
    summary.recent = recent.into_iter().map(|(_, r)| r).collect();
    experiments.sort_by_key(|e| std::cmp::Reverse(e.0));
    summary.experiments = experiments.into_iter().map(|(_, e)| e).collect();
    stale.sort_by_key(|s| s.0);
    summary.stale = stale.iter().map(|(_, s)| s.record.id.clone()).collect();
    summary.stale_records = stale.into_iter().map(|(_, s)| s).collect();
    summary.velocity = moves
        .into_iter()
        .map(|((kind, from, to), mut days)| Velocity {
            kind,
            from,
            to,
            median_days: tenth(median(&mut days)),
            records: days.len(),
        })
        .collect();
    summary
        .timeline
        .sort_by(|a, b| (&a.start, &a.id).cmp(&(&b.start, &b.id)));
    summary
}

/// Records per kind and status: every listed status of every kind, then
/// what the records hold (`(none)` for no status).
fn counts(schema: &Schema, snapshot: &Snapshot) -> IndexMap<String, IndexMap<String, usize>> {
    let mut counts: IndexMap<String, IndexMap<String, usize>> = IndexMap::new();
    for kind in &schema.kinds {
        let mut by_status = IndexMap::new();
        for status in kind.statuses.iter().flatten() {
            by_status.insert(status.clone(), 0);
        }
        counts.insert(kind.name.clone(), by_status);
    }
    for record in &snapshot.records {
        let status = record.status().unwrap_or_else(|| "(none)".to_string());
        *counts
            .entry(record.kind.clone())
            .or_default()
            .entry(status)
            .or_default() += 1;
    }
    counts
}

/// The records with an id, in the schema's kind order, then by id.
fn in_kind_order<'r>(schema: &Schema, by_id: &HashMap<&str, &'r Record>) -> Vec<&'r Record> {
    let order = schema.kind_order();
    let mut records: Vec<&Record> = by_id.values().copied().collect();
    records.sort_by(|a, b| {
        let key = |r: &Record| (order.get(r.kind.as_str()).copied(), r.id.clone());
        key(a).cmp(&key(b))
    });
    records
}

/// The event that set the record's current status: the last event whose
/// status differs from the one before it.
fn status_set_by<'e>(events: &[&'e Event]) -> Option<&'e Event> {
    let mut current: Option<&String> = None;
    let mut set = None;
    for e in events {
        if e.change == crate::diff::ChangeKind::Removed {
            current = None;
            continue;
        }
        if let Some(s) = &e.status {
            if current != Some(s) {
                current = Some(s);
                set = Some(*e);
            }
        }
    }
    set
}

/// Days spent in each status: from the commit that set a status to the
/// commit that changed it (or removed the record), the last one up to
/// `now`. Time while the record was removed counts for nothing.
pub fn status_days(
    events: &[&Event],
    time: impl Fn(&Event) -> i64,
    now: i64,
) -> IndexMap<String, f64> {
    let mut seconds: IndexMap<String, i64> = IndexMap::new();
    let mut current: Option<(String, i64)> = None;
    let mut close = |current: &mut Option<(String, i64)>, at: i64| {
        if let Some((status, since)) = current.take() {
            *seconds.entry(status).or_default() += (at - since).max(0);
        }
    };
    for e in events {
        let at = time(e);
        if e.change == crate::diff::ChangeKind::Removed {
            close(&mut current, at);
            continue;
        }
        if let Some(s) = &e.status {
            if current.as_ref().map(|(c, _)| c) != Some(s) {
                close(&mut current, at);
                current = Some((s.clone(), at));
            }
        }
    }
    close(&mut current, now);
    seconds
        .into_iter()
        .map(|(s, secs)| (s, tenth(secs as f64 / DAY)))
        .collect()
}

/// The numbers of a mapping, in order.
fn numbers(value: Option<&Value>) -> Vec<(String, f64)> {
    match value {
        Some(Value::Map(entries)) => entries
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_f64()?)))
            .collect(),
        _ => Vec::new(),
    }
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 0 {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

/// Rounds to a tenth.
fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn classes(kind: &str) -> StatusClasses {
        classify(config::builtin().kind(kind).unwrap())
    }

    #[test]
    fn builtin_statuses_divide_as_documented() {
        let e = classes("experiment");
        assert_eq!(e.open, ["planned", "running"]);
        assert_eq!(e.under_way, ["running"]);
        assert_eq!(e.settled, ["done", "abandoned"]);
        assert_eq!(e.outcomes, ["done", "abandoned"]);
        let s = classes("scope");
        assert_eq!(s.open, ["draft", "agreed"]);
        assert_eq!(s.under_way, ["agreed"]);
        assert_eq!(s.outcomes, ["delivered", "dropped"]);
        let d = classes("decision");
        assert_eq!(d.open, ["proposed"]);
        assert_eq!(d.under_way, ["proposed"]);
        assert_eq!(
            d.settled,
            ["accepted", "rejected", "superseded", "deprecated"]
        );
        assert_eq!(d.outcomes, ["accepted", "rejected"]);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }
}
