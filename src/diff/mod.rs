//! Compares two snapshots record by record: the change model that `diff`,
//! `log` and `summary` share. Records are matched by id, so a rename or a
//! move is one `renamed` change with its edits; a file that cannot be read
//! on either side is reported as broken, never dropped. A [`Tally`]
//! counts the changes; `render::sentence` puts it into words.
//!
//! `span.rs` loads what a [`crate::range::Span`] changed and compares it
//! (what `cairn diff` reports); `covers.rs` is the covers scan: the records
//! whose `covers` globs match code changed in the span.

mod covers;
mod span;

pub use covers::{governing, keys as covers_keys};
pub use span::{between, of_revisions};

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::record::{Brief, Record};
use crate::schema::Schema;
use crate::snapshot::{Broken, Snapshot};
use crate::value::{Value, without_noise};

/// What happened to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// New in the later snapshot.
    Added,
    /// Gone from the later snapshot.
    Removed,
    /// Same id and path, different content.
    Modified,
    /// Same id, new path (with or without edits).
    Renamed,
}

/// One field that changed; maps (`metrics`, `params`) change key by key
/// (`metrics.recall`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field, with a dot and key for map entries.
    pub field: String,
    /// The earlier value (`null` when absent).
    pub old: Option<Value>,
    /// The later value (`null` when absent).
    pub new: Option<Value>,
    /// `new - old` when both are numbers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
}

/// What happened to a section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionChangeKind {
    /// A new heading.
    Added,
    /// A heading that is gone.
    Removed,
    /// The text under the heading changed.
    Modified,
}

/// One section that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SectionChange {
    /// The heading.
    pub section: String,
    /// Added, removed or modified.
    pub change: SectionChangeKind,
    /// A unified line diff of the section's text.
    pub diff: String,
}

/// A side of a change on which the file could not be read as a record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BrokenSide {
    /// `old`, `new` or `both`.
    pub side: &'static str,
    /// The diagnostic code (`parse/yaml`, …).
    pub code: String,
    /// Why it could not be read.
    pub message: String,
}

/// One record's change between two snapshots.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// The record's id (absent when a broken file has none).
    pub id: Option<String>,
    /// Its kind.
    pub kind: String,
    /// What happened.
    pub change: ChangeKind,
    /// The path in the later snapshot (the earlier one when removed).
    pub path: String,
    /// The earlier path, when renamed.
    pub old_path: Option<String>,
    /// The title (later side, else earlier).
    pub title: Option<String>,
    /// Status on the earlier side.
    pub old_status: Option<String>,
    /// Status on the later side.
    pub new_status: Option<String>,
    /// Fields that changed (for added records: every field, old `null`).
    pub fields: Vec<FieldChange>,
    /// Sections that changed.
    pub sections: Vec<SectionChange>,
    /// Set when the file is broken on a side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<BrokenSide>,
}

impl Change {
    /// Whether the status moved.
    pub fn status_moved(&self) -> bool {
        self.new_status.is_some()
            && self.old_status != self.new_status
            && self.change != ChangeKind::Removed
    }
}

/// A record whose `covers` globs match code files changed in the span.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Governing {
    /// The record: id, kind, status, title, path.
    #[serde(flatten)]
    pub record: Brief,
    /// The changed files it covers.
    pub files: Vec<String>,
}

/// What `cairn diff` reports: the changes between two snapshots, the
/// records that govern code changed in the same span, and a one-line
/// summary. Its JSON form is documented in `docs/diff.md`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffReport {
    /// The shape's version, `1`.
    pub version: u32,
    /// The earlier side, as given (`HEAD`, `main`, `main...HEAD`).
    pub from: String,
    /// The later side: a revision as given, `worktree` or `index`.
    pub to: String,
    /// The commit the earlier side resolved to (the merge base for `A...B`).
    pub from_commit: String,
    /// The commit the later side resolved to; `null` for the working tree or index.
    pub to_commit: Option<String>,
    /// How many records changed, and how: one sentence in JSON.
    pub summary: Tally,
    /// Every record that changed.
    pub changes: Vec<Change>,
    /// Records whose `covers` globs match code files changed in the span.
    pub governing: Vec<Governing>,
}

impl DiffReport {
    /// A report of `changes`, with their [`Tally`].
    pub fn new(
        from: String,
        to: String,
        commits: (String, Option<String>),
        changes: Vec<Change>,
        governing: Vec<Governing>,
    ) -> DiffReport {
        DiffReport {
            version: 1,
            from,
            to,
            from_commit: commits.0,
            to_commit: commits.1,
            summary: Tally::of(&changes),
            changes,
            governing,
        }
    }
}

/// Every change from `old` to `new`, sorted by kind order, then id or path.
pub fn compare(schema: &Schema, old: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let old_ids = unique_ids(old);
    let new_ids = unique_ids(new);
    let old_broken: HashMap<&str, &Broken> =
        old.broken.iter().map(|b| (b.path.as_str(), b)).collect();
    let new_broken: HashMap<&str, &Broken> =
        new.broken.iter().map(|b| (b.path.as_str(), b)).collect();
    let mut matched_old: HashSet<&str> = HashSet::new();
    let mut changes = Vec::new();
    for record in &new.records {
        let by_id = record
            .id
            .as_deref()
            .filter(|id| new_ids.contains_key(id))
            .and_then(|id| old_ids.get(id).copied());
        let by_path = || {
            old.records
                .iter()
                .find(|r| r.path == record.path && r.id == record.id)
        };
        match by_id.or_else(by_path) {
            Some(before) => {
                matched_old.insert(before.path.as_str());
                if let Some(change) = modified(before, record) {
                    changes.push(change);
                }
            }
            None => match old_broken.get(record.path.as_str()) {
                Some(broken) => {
                    matched_old.insert(broken.path.as_str());
                    let mut change = added(record);
                    change.change = ChangeKind::Modified;
                    change.broken = Some(broken_side("old", broken));
                    changes.push(change);
                }
                None => changes.push(added(record)),
            },
        }
    }
    for record in &old.records {
        if matched_old.contains(record.path.as_str()) {
            continue;
        }
        let mut change = removed(record);
        if let Some(broken) = new_broken.get(record.path.as_str()) {
            change.change = ChangeKind::Modified;
            change.broken = Some(broken_side("new", broken));
            change.fields.clear();
        }
        changes.push(change);
    }
    let new_paths: HashSet<&str> = new.records.iter().map(|r| r.path.as_str()).collect();
    let old_paths: HashSet<&str> = old.records.iter().map(|r| r.path.as_str()).collect();
    for broken in &new.broken {
        if old_paths.contains(broken.path.as_str()) {
            continue; // reported above as a record broken on the new side
        }
        let before = old_broken.get(broken.path.as_str());
        if before.is_some_and(|b| b.diagnostic == broken.diagnostic) {
            continue;
        }
        changes.push(broken_change(
            broken,
            if before.is_some() {
                ChangeKind::Modified
            } else {
                ChangeKind::Added
            },
            if before.is_some() { "both" } else { "new" },
        ));
    }
    for broken in &old.broken {
        if new_paths.contains(broken.path.as_str()) || new_broken.contains_key(broken.path.as_str())
        {
            continue;
        }
        changes.push(broken_change(broken, ChangeKind::Removed, "old"));
    }
    let order = schema.kind_order();
    changes.sort_by(|a, b| {
        let key = |c: &Change| {
            (
                order.get(c.kind.as_str()).copied().unwrap_or(usize::MAX),
                c.id.clone().unwrap_or_default(),
                c.path.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    changes
}

/// Ids that appear once in a snapshot (duplicates are matched by path).
fn unique_ids(snapshot: &Snapshot) -> HashMap<&str, &Record> {
    let mut count: HashMap<&str, (usize, &Record)> = HashMap::new();
    for record in &snapshot.records {
        if let Some(id) = record.id.as_deref() {
            count
                .entry(id)
                .and_modify(|(n, _)| *n += 1)
                .or_insert((1, record));
        }
    }
    count
        .into_iter()
        .filter(|(_, (n, _))| *n == 1)
        .map(|(id, (_, r))| (id, r))
        .collect()
}

fn broken_side(side: &'static str, broken: &Broken) -> BrokenSide {
    BrokenSide {
        side,
        code: broken.diagnostic.code.as_str().to_string(),
        message: broken.diagnostic.message.clone(),
    }
}

fn broken_change(broken: &Broken, change: ChangeKind, side: &'static str) -> Change {
    Change {
        id: None,
        kind: broken.kind.clone(),
        change,
        path: broken.path.clone(),
        old_path: None,
        title: None,
        old_status: None,
        new_status: None,
        fields: Vec::new(),
        sections: Vec::new(),
        broken: Some(broken_side(side, broken)),
    }
}

/// The change of a record present on both sides, if anything changed.
pub fn modified(old: &Record, new: &Record) -> Option<Change> {
    let fields = field_changes(old, new);
    let sections = section_changes(old, new);
    let moved = old.path != new.path;
    if !moved && fields.is_empty() && sections.is_empty() {
        return None;
    }
    Some(Change {
        id: new.id.clone(),
        kind: new.kind.clone(),
        change: if moved {
            ChangeKind::Renamed
        } else {
            ChangeKind::Modified
        },
        path: new.path.clone(),
        old_path: moved.then(|| old.path.clone()),
        title: new.title(),
        old_status: old.status(),
        new_status: new.status(),
        fields,
        sections,
        broken: None,
    })
}

/// The change of a record that appeared.
pub fn added(new: &Record) -> Change {
    Change {
        id: new.id.clone(),
        kind: new.kind.clone(),
        change: ChangeKind::Added,
        path: new.path.clone(),
        old_path: None,
        title: new.title(),
        old_status: None,
        new_status: new.status(),
        fields: new
            .front
            .fields
            .iter()
            .map(|f| FieldChange {
                field: f.key.clone(),
                old: None,
                new: Some(f.value.clone()),
                delta: None,
            })
            .collect(),
        sections: Vec::new(),
        broken: None,
    }
}

/// The change of a record that disappeared.
pub fn removed(old: &Record) -> Change {
    Change {
        id: old.id.clone(),
        kind: old.kind.clone(),
        change: ChangeKind::Removed,
        path: old.path.clone(),
        old_path: None,
        title: old.title(),
        old_status: old.status(),
        new_status: None,
        fields: Vec::new(),
        sections: Vec::new(),
        broken: None,
    }
}

/// Field changes, in the order of the earlier record's keys then the new
/// keys; mappings compared key by key.
pub fn field_changes(old: &Record, new: &Record) -> Vec<FieldChange> {
    let mut keys: Vec<&str> = old.front.fields.iter().map(|f| f.key.as_str()).collect();
    for f in &new.front.fields {
        if !keys.contains(&f.key.as_str()) {
            keys.push(&f.key);
        }
    }
    let mut out = Vec::new();
    for key in keys {
        let a = old.front.get(key).map(|f| &f.value);
        let b = new.front.get(key).map(|f| &f.value);
        if a == b {
            continue;
        }
        match (a, b) {
            (Some(Value::Map(x)), Some(Value::Map(y))) => {
                let mut sub: Vec<&str> = x.iter().map(|(k, _)| k.as_str()).collect();
                for (k, _) in y {
                    if !sub.contains(&k.as_str()) {
                        sub.push(k);
                    }
                }
                for k in sub {
                    let va = x.iter().find(|(kk, _)| kk == k).map(|(_, v)| v);
                    let vb = y.iter().find(|(kk, _)| kk == k).map(|(_, v)| v);
                    if va != vb {
                        out.push(field_change(format!("{key}.{k}"), va, vb));
                    }
                }
            }
            _ => out.push(field_change(key.to_string(), a, b)),
        }
    }
    out
}

fn field_change(field: String, old: Option<&Value>, new: Option<&Value>) -> FieldChange {
    let delta = match (old.and_then(Value::as_f64), new.and_then(Value::as_f64)) {
        (Some(a), Some(b)) => Some(without_noise(b - a)),
        _ => None,
    };
    FieldChange {
        field,
        old: old.cloned(),
        new: new.cloned(),
        delta,
    }
}

/// Section changes by heading (matched case-insensitively). Each heading is
/// compared on its own text, so a change inside a subsection shows under
/// that subsection only, not again under every heading above it.
pub fn section_changes(old: &Record, new: &Record) -> Vec<SectionChange> {
    let key = |t: &str| t.trim().to_lowercase();
    // The first heading of a name wins, as in `Body::section`.
    fn by_name(r: &Record, key: impl Fn(&str) -> String) -> BTreeMap<String, &str> {
        r.body
            .sections
            .iter()
            .rev()
            .map(|s| (key(&s.title), s.own_text()))
            .collect()
    }
    let (old_map, new_map) = (by_name(old, key), by_name(new, key));
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for s in &new.body.sections {
        let k = key(&s.title);
        if !seen.insert(k.clone()) {
            continue;
        }
        match old_map.get(&k) {
            None => out.push(SectionChange {
                section: s.title.clone(),
                change: SectionChangeKind::Added,
                diff: line_diff("", s.own_text()),
            }),
            Some(before) if *before != s.own_text() => out.push(SectionChange {
                section: s.title.clone(),
                change: SectionChangeKind::Modified,
                diff: line_diff(before, s.own_text()),
            }),
            Some(_) => {}
        }
    }
    for s in &old.body.sections {
        let k = key(&s.title);
        if !new_map.contains_key(&k) && seen.insert(k) {
            out.push(SectionChange {
                section: s.title.clone(),
                change: SectionChangeKind::Removed,
                diff: line_diff(s.own_text(), ""),
            });
        }
    }
    out
}

/// A unified diff of two texts' lines, without file headers.
pub fn line_diff(old: &str, new: &str) -> String {
    let old = if old.is_empty() || old.ends_with('\n') {
        old.to_string()
    } else {
        format!("{old}\n")
    };
    let new = if new.is_empty() || new.ends_with('\n') {
        new.to_string()
    } else {
        format!("{new}\n")
    };
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(2)
        .to_string()
}

/// How many records moved to each status, and how many were added,
/// renamed, modified or removed: what a renderer sums up in one sentence
/// (`render::sentence`: "2 decisions accepted, 1 experiment done, 3
/// records added"), and writes as that sentence in JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// (kind, status it moved to, how many), in the order first seen.
    pub moves: Vec<(String, String, usize)>,
    /// Records added.
    pub added: usize,
    /// Records renamed or moved.
    pub renamed: usize,
    /// Records modified in place.
    pub modified: usize,
    /// Records removed.
    pub removed: usize,
}

impl Tally {
    /// The tally of `changes`.
    pub fn of(changes: &[Change]) -> Tally {
        let mut tally = Tally::default();
        for c in changes
            .iter()
            .filter(|c| c.status_moved() && c.change != ChangeKind::Added)
        {
            let status = c.new_status.clone().unwrap_or_default();
            match tally
                .moves
                .iter_mut()
                .find(|(kind, to, _)| *kind == c.kind && *to == status)
            {
                Some((_, _, n)) => *n += 1,
                None => tally.moves.push((c.kind.clone(), status, 1)),
            }
        }
        for c in changes {
            *match c.change {
                ChangeKind::Added => &mut tally.added,
                ChangeKind::Renamed => &mut tally.renamed,
                ChangeKind::Modified => &mut tally.modified,
                ChangeKind::Removed => &mut tally.removed,
            } += 1;
        }
        tally
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn snap(files: &[(&str, &str)]) -> Snapshot {
        Snapshot::from_texts("t", &config::builtin(), files)
    }

    const E1: &str = "---\nid: EXP-0001\nstatus: running\nmetrics:\n  recall: 0.81\n  f1: 0.7\n---\n## Setup\nsmall data\n";

    #[test]
    fn metrics_change_key_by_key_with_deltas() {
        let p = "research/experiments/EXP-0001-a.md";
        let new = E1.replace("running", "done").replace("0.81", "0.84");
        let changes = compare(&config::builtin(), &snap(&[(p, E1)]), &snap(&[(p, &new)]));
        assert_eq!(changes.len(), 1);
        let c = &changes[0];
        assert_eq!(c.change, ChangeKind::Modified);
        let f: Vec<_> = c
            .fields
            .iter()
            .map(|f| (f.field.as_str(), f.delta))
            .collect();
        assert_eq!(f, [("status", None), ("metrics.recall", Some(0.03))]);
        assert_eq!(
            Tally::of(&changes),
            Tally {
                moves: vec![("experiment".into(), "done".into(), 1)],
                modified: 1,
                ..Tally::default()
            }
        );
    }

    #[test]
    fn renames_keep_their_edits() {
        let old = snap(&[("research/experiments/EXP-0001-a.md", E1)]);
        let new = snap(&[(
            "research/experiments/sub/EXP-0001-b.md",
            &E1.replace("small data", "more data"),
        )]);
        let changes = compare(&config::builtin(), &old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].change, ChangeKind::Renamed);
        assert_eq!(
            changes[0].old_path.as_deref(),
            Some("research/experiments/EXP-0001-a.md")
        );
        assert_eq!(changes[0].sections[0].change, SectionChangeKind::Modified);
        assert!(
            changes[0].sections[0]
                .diff
                .contains("-small data\n+more data")
        );
    }

    #[test]
    fn broken_sides_are_kept() {
        let p = "research/experiments/EXP-0001-a.md";
        let changes = compare(
            &config::builtin(),
            &snap(&[(p, E1)]),
            &snap(&[(p, "---\nid: [\n---\n")]),
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].broken.as_ref().expect("broken").side, "new");
        let changes = compare(
            &config::builtin(),
            &snap(&[(p, "no front matter")]),
            &snap(&[(p, E1)]),
        );
        assert_eq!(changes[0].broken.as_ref().expect("broken").side, "old");
        assert_eq!(changes[0].change, ChangeKind::Modified);
    }

    #[test]
    fn added_and_removed() {
        let old = snap(&[("research/experiments/EXP-0001-a.md", E1)]);
        let new = snap(&[(
            "research/experiments/EXP-0002-a.md",
            &E1.replace("0001", "0002"),
        )]);
        let kinds: Vec<_> = compare(&config::builtin(), &old, &new)
            .iter()
            .map(|c| c.change)
            .collect();
        assert_eq!(kinds, [ChangeKind::Removed, ChangeKind::Added]);
    }

    #[test]
    fn covers_match_changed_code() {
        let s = snap(&[(
            "research/decisions/DEC-0001-a.md",
            "---\nid: DEC-0001\ncovers: [\"src/features/**\"]\n---\n",
        )]);
        let got = governing(
            &config::builtin(),
            &s,
            &["src/features/mel.py".into(), "README.md".into()],
        );
        assert_eq!(got[0].files, ["src/features/mel.py"]);
        assert!(governing(&config::builtin(), &s, &["src/models/x.py".into()]).is_empty());
    }
}
