//! Checking records as they are loaded: each record's own findings are
//! made the moment a loader yields it ([`crate::snapshot::Loader::each`]),
//! and the record is then cut down to what the checks across records read,
//! so that a log of many records is held without the fields and the
//! outline only its own checks needed.

use std::collections::HashSet;
use std::sync::Mutex;

use super::record;
use crate::diagnostic::Diagnostic;
use crate::record::Record;
use crate::schema::{Condition, FieldType, Schema};
use crate::snapshot::{Snapshot, Tree};

/// Each record's own findings, made as records are loaded, and the keys
/// the checks across records read, per kind.
pub struct Streamed<'s> {
    schema: &'s Schema,
    /// For each kind, in the schema's order: the front matter keys kept.
    keys: Vec<HashSet<String>>,
    /// The findings of the records visited so far, and how many those are.
    found: Mutex<(Vec<Diagnostic>, usize)>,
}

impl<'s> Streamed<'s> {
    /// Ready to check the records of `schema`.
    pub fn new(schema: &'s Schema) -> Streamed<'s> {
        let names = across_names(schema);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut keys = schema.keys_per_kind(&names);
        for (kind, keys) in schema.kinds.iter().zip(&mut keys) {
            for spec in kind.fields.iter().filter(|spec| refers(&spec.ty)) {
                keys.insert(spec.name.clone());
                keys.insert(spec.key.clone());
            }
        }
        Streamed {
            schema,
            keys,
            found: Mutex::default(),
        }
    }

    /// Checks `record` on its own and keeps its findings, then drops what
    /// no check across records reads: its sections and every front
    /// matter field no reference, rule, review, limit or dormant state
    /// names. A record of no kind is left whole.
    pub fn visit(&self, record: &mut Record) {
        let findings = match self.schema.kind_index(&record.kind) {
            Some(at) => {
                let findings = record::check(&self.schema.kinds[at], record);
                record.keep_fields(&self.keys[at]);
                record.body.sections = Vec::new();
                findings
            }
            None => Vec::new(),
        };
        let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        found.0.extend(findings);
        found.1 += 1;
    }

    /// Every non-history finding of `snapshot`, each of whose records
    /// this visited as it was loaded ([`crate::snapshot::Loader::each`]
    /// hands over every one); review dates fall due against `today`. The
    /// same findings as [`super::validate`] gives for the whole records.
    ///
    /// # Panics
    ///
    /// In a debug build, when the snapshot holds a record this did not
    /// visit.
    pub fn finish(
        self,
        snapshot: &Snapshot,
        tree: &dyn Tree,
        today: time::Date,
    ) -> Vec<Diagnostic> {
        let (findings, visited) = self.found.into_inner().unwrap_or_else(|p| p.into_inner());
        debug_assert_eq!(visited, snapshot.records.len(), "every record is visited");
        super::across(self.schema, snapshot, tree, today, findings)
    }
}

/// Whether a field of this type holds ids of other records.
fn refers(ty: &FieldType) -> bool {
    match ty {
        FieldType::Ref { .. } => true,
        FieldType::List(item) => refers(item),
        FieldType::Map(Some(value)) => refers(value),
        _ => false,
    }
}

/// Every schema field name a check across records reads on any record:
/// `status`, the fields of every rule's condition, target and target
/// conditions, review dates, limits, dormant states, and the inverse of
/// every reference field.
fn across_names(schema: &Schema) -> HashSet<String> {
    let mut names: HashSet<String> = HashSet::from(["status".to_string()]);
    let condition = |names: &mut HashSet<String>, c: &Condition| {
        names.extend(c.fields.iter().map(|(field, _)| field.clone()));
    };
    for kind in &schema.kinds {
        for rule in &kind.rules {
            condition(&mut names, &rule.when);
            names.extend(rule.review.iter().cloned());
            names.extend(rule.limit.iter().map(|l| l.per.clone()));
            if let Some(target) = &rule.target {
                names.insert(target.field.clone());
                for c in target.warning.iter().chain(&target.error) {
                    condition(&mut names, c);
                }
            }
        }
        if let Some(c) = &kind.as_warnings {
            condition(&mut names, c);
        }
        for spec in &kind.fields {
            inverses(&spec.ty, &mut names);
        }
    }
    names
}

/// The inverse fields a reference type names.
fn inverses(ty: &FieldType, names: &mut HashSet<String>) {
    match ty {
        FieldType::Ref {
            inverse: Some(inverse),
            ..
        } => {
            names.insert(inverse.clone());
        }
        FieldType::List(item) => inverses(item, names),
        FieldType::Map(Some(value)) => inverses(value, names),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::check::{Report, validate};
    use crate::config;

    /// Only `data/` exists besides the records.
    struct DataOnly;

    impl Tree for DataOnly {
        fn exists(&self, path: &str) -> bool {
            path.starts_with("data/")
        }
    }

    /// A log with a finding of every check across records: duplicate ids,
    /// dangling and wrong-kind references, an unanswered inverse, a
    /// successor in the wrong status, a review past due, a person over the
    /// limit, links to files that exist and do not, a dormant record's
    /// errors, an unreadable file; and records missing fields and
    /// sections, with fields outside the schema.
    const LOG: &[(&str, &str)] = &[
        (
            "research/scopes/SCOPE-0001-s.md",
            "---\nid: SCOPE-0001\ntitle: S\nstatus: agreed\ncreated: 2024-01-01\nowner: Ana\nassumptions: [a]\nsuccess_criteria: [b]\nreview_by: 2024-02-01\n---\n# S\n## Problem\nx\n## Inputs and outputs\ny\n",
        ),
        (
            "research/experiments/EXP-0001-a.md",
            "---\nid: EXP-0001\ntitle: A\nstatus: running\ncreated: 2024-01-02\nauthors: [Ana]\nhypothesis: h\nscope: SCOPE-0001\nbaseline: SCOPE-0001\nextra: 1\n---\n## Setup\nSee [data](../../data/a.csv) and [gone](../../data/../nothing.csv).\n",
        ),
        (
            "research/experiments/EXP-0002-b.md",
            "---\nid: EXP-0002\ntitle: B\nstatus: running\ncreated: 2024-01-03\nauthors: [Ana, Bo]\nhypothesis: h\nscope: SCOPE-0009\n---\n## Setup\n",
        ),
        (
            "research/experiments/EXP-0003-c.md",
            "---\nid: EXP-0003\ntitle: C\nstatus: running\ncreated: 2024-01-04\nauthors: [Ana]\nhypothesis: h\nrelated: [DEC-0002, EXP-0009]\n---\nno setup\n",
        ),
        (
            "research/experiments/EXP-0003-dup.md",
            "---\nid: EXP-0003\ntitle: D\nstatus: abandoned\ncreated: 2024-01-05\nmetrics: {f1: high}\n---\n",
        ),
        (
            "research/decisions/DEC-0001-old.md",
            "---\nid: DEC-0001\ntitle: Old\nstatus: superseded\ncreated: 2024-01-01\nsuperseded-by: DEC-0002\n---\n## Context\n## Options\n## Decision\n## Consequences\n",
        ),
        (
            "research/decisions/DEC-0002-new.md",
            "---\nid: DEC-0002\ntitle: New\nstatus: proposed\ncreated: 2024-01-06\nsupersedes: [DEC-0003]\n---\n## Context\n## Options\n## Decision\n## Consequences\n",
        ),
        (
            "research/decisions/DEC-0003-acc.md",
            "---\nid: DEC-0003\ntitle: Acc\nstatus: accepted\ncreated: 2024-01-01\ndeciders: [Bo]\ndecided: 2024-01-01\nreview_by: 2024-03-01\nsuperseded-by: EXP-0001\n---\n## Context\n## Options\n## Decision\n## Consequences\n",
        ),
        ("research/decisions/DEC-0004-broken.md", "---\nid: [\n---\n"),
        (
            "research/milestones/MS-0001-m.md",
            "---\nid: MS-0001\ntitle: M\nstatus: active\ncreated: 2024-01-01\ngoal: g\nexperiments: [EXP-0001, SCOPE-0001]\n---\n",
        ),
    ];

    /// The built-in schema with `superseded_by` read from another key and
    /// abandoned experiments dormant.
    fn schema() -> Schema {
        let text = include_str!("../builtin/config.yaml")
            .replace(
                "        type: ref\n        to: [decision]\n        inverse: supersedes\n",
                "        type: ref\n        to: [decision]\n        inverse: supersedes\n        key: superseded-by\n",
            )
            .replace(
                "    statuses: [planned, running, done, abandoned]\n",
                "    statuses: [planned, running, done, abandoned]\n    as_warnings: {status: abandoned}\n",
            );
        config::parse(&text, Path::new(".cairn/config.yaml")).expect("the schema parses")
    }

    /// The findings of the records, each visited, as a report.
    fn streamed(schema: &Schema, whole: &Snapshot) -> Report {
        let streamed = Streamed::new(schema);
        let mut snapshot = whole.clone();
        for record in &mut snapshot.records {
            streamed.visit(record);
        }
        let today = time::macros::date!(2024 - 06 - 01);
        Report::new(whole.len(), streamed.finish(&snapshot, &DataOnly, today))
    }

    #[test]
    fn visiting_records_as_they_load_finds_what_checking_them_whole_finds() {
        let schema = schema();
        let whole = Snapshot::from_texts("log", &schema, LOG);
        let today = time::macros::date!(2024 - 06 - 01);
        let expected = Report::new(whole.len(), validate(&schema, &whole, &DataOnly, today));
        let codes: HashSet<String> = expected
            .diagnostics
            .iter()
            .map(|d| d.code.to_string())
            .collect();
        for code in [
            "ref/duplicate-id",
            "ref/dangling",
            "ref/wrong-kind",
            "ref/supersede-mismatch",
            "ref/target-status",
            "review/due",
            "wip/limit",
            "link/broken",
            "parse/yaml",
            "schema/missing-field",
            "schema/type",
            "schema/unknown-field",
            "schema/missing-section",
        ] {
            assert!(codes.contains(code), "the log has no {code}: {codes:?}");
        }
        assert!(
            expected
                .diagnostics
                .iter()
                .any(|d| d.file.ends_with("EXP-0003-dup.md")
                    && d.severity == crate::diagnostic::Severity::Warning
                    && d.code.to_string() == "schema/missing-field"),
            "the dormant record's findings are warnings"
        );
        let got = streamed(&schema, &whole);
        assert_eq!(got.diagnostics, expected.diagnostics);
        assert_eq!(
            (got.errors, got.warnings),
            (expected.errors, expected.warnings)
        );
    }

    #[test]
    fn a_visited_record_keeps_only_what_the_checks_across_records_read() {
        let schema = schema();
        let mut whole = Snapshot::from_texts("log", &schema, LOG);
        let streamed = Streamed::new(&schema);
        let keys =
            |r: &Record| -> Vec<String> { r.front.fields.iter().map(|f| f.key.clone()).collect() };
        let mut visited = |name: &str| -> Record {
            let record = whole
                .records
                .iter_mut()
                .find(|r| r.path.ends_with(name))
                .expect("the record");
            streamed.visit(record);
            record.clone()
        };
        let decision = visited("DEC-0003-acc.md");
        assert_eq!(keys(&decision), ["status", "review_by", "superseded-by"]);
        assert!(decision.body.sections.is_empty());
        let experiment = visited("EXP-0001-a.md");
        assert_eq!(
            keys(&experiment),
            ["status", "authors", "scope", "baseline"]
        );
        assert_eq!(experiment.body.links.len(), 2);
    }
}
