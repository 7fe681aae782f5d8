//! `validate`: checks a snapshot against the schema — each record on its
//! own (`record`), records against each other (`refs`), links against the
//! tree (`links`) — and, with a base revision, changes against history
//! (`history`).

pub mod history;
pub mod links;
pub mod record;
pub mod refs;

use serde::Serialize;

use crate::diagnostic::{self, Diagnostic, Severity};
use crate::schema::Schema;
use crate::snapshot::{Snapshot, Tree};

/// The result of a validation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    /// Always 1: the JSON shape's version.
    pub version: u32,
    /// Files checked (records and broken files).
    pub records: usize,
    /// Findings that are errors.
    pub errors: usize,
    /// Findings that are warnings.
    pub warnings: usize,
    /// Every finding, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// A report over `records` files with these findings.
    pub fn new(records: usize, mut diagnostics: Vec<Diagnostic>) -> Report {
        diagnostic::sort(&mut diagnostics);
        diagnostics.dedup();
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        Report {
            version: 1,
            records,
            errors,
            warnings: diagnostics.len() - errors,
            diagnostics,
        }
    }

    /// Keeps only the findings on files `keep` accepts (for `validate PATH...`).
    pub fn retain_files(self, keep: impl Fn(&str) -> bool, records: usize) -> Report {
        let kept = self
            .diagnostics
            .into_iter()
            .filter(|d| keep(&d.file))
            .collect();
        Report::new(records, kept)
    }
}

/// Every non-history finding of a snapshot.
pub fn validate(schema: &Schema, snapshot: &Snapshot, tree: &dyn Tree) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = snapshot
        .broken
        .iter()
        .map(|b| b.diagnostic.clone())
        .collect();
    for rec in &snapshot.records {
        if let Some(kind) = schema.kind(&rec.kind) {
            out.extend(record::check(kind, rec));
        }
    }
    out.extend(refs::check(schema, snapshot));
    out.extend(links::check(snapshot, tree));
    out
}
