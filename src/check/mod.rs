//! `validate`: checks a snapshot against the schema — each record on its
//! own (`record`), records against each other (`refs`), links against the
//! tree (`links`) — and, with a base revision, changes against history
//! (`history`).

pub mod history;
pub mod links;
pub mod practice;
pub mod record;
pub mod refs;
pub mod run;
mod stream;

pub use stream::Streamed;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostic::{self, Code, Diagnostic, Severity};
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
    /// With `--new`: how many findings were left out because they exist
    /// at the merge base already.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_out: Option<usize>,
}

impl Report {
    /// Whether the findings fail the check: any error, or with `strict`
    /// any finding at all.
    pub fn fails(&self, strict: bool) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error || strict)
    }

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
            left_out: None,
        }
    }

    /// Leaves out the findings that `old` (the findings of the merge base)
    /// holds already, matched by [`Diagnostic::identity`]: record, code and
    /// field or section, not line, so an edit above an old finding leaves
    /// it old. Each old finding excuses one current finding.
    pub fn without_old(self, old: &[Diagnostic]) -> Report {
        let mut seen: HashMap<(&str, Code, &str), usize> = HashMap::new();
        for d in old {
            *seen.entry(d.identity()).or_default() += 1;
        }
        let mut kept = Vec::new();
        let mut left_out = 0;
        for d in &self.diagnostics {
            match seen.get_mut(&d.identity()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    left_out += 1;
                }
                _ => kept.push(d.clone()),
            }
        }
        Report {
            left_out: Some(left_out),
            ..Report::new(self.records, kept)
        }
    }

    /// Keeps only the findings on files `keep` accepts (for `validate PATH...`).
    pub fn retain_files(self, keep: impl Fn(&str) -> bool, records: usize) -> Report {
        let kept = self
            .diagnostics
            .into_iter()
            .filter(|d| keep(&d.file))
            .collect();
        Report {
            left_out: self.left_out,
            ..Report::new(records, kept)
        }
    }
}

/// Every non-history finding of a snapshot; review dates fall due against `today`.
pub fn validate(
    schema: &Schema,
    snapshot: &Snapshot,
    tree: &dyn Tree,
    today: time::Date,
) -> Vec<Diagnostic> {
    let each: Vec<Vec<Diagnostic>> = snapshot
        .records
        .par_iter()
        .map(|rec| {
            schema
                .kind(&rec.kind)
                .map(|kind| record::check(kind, rec))
                .unwrap_or_default()
        })
        .collect();
    across(
        schema,
        snapshot,
        tree,
        today,
        each.into_iter().flatten().collect(),
    )
}

/// `own`, the findings of each record on its own, with every other
/// non-history finding of the snapshot: its unreadable files, the checks
/// across records, links and practice; findings in dormant records made
/// warnings. Reads of each record only what [`Streamed`] keeps of it.
fn across(
    schema: &Schema,
    snapshot: &Snapshot,
    tree: &dyn Tree,
    today: time::Date,
    own: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = snapshot
        .broken
        .iter()
        // A file's parse error is the same finding wherever YAML puts it.
        .map(|b| b.diagnostic.clone().about(""))
        .collect();
    out.extend(own);
    out.extend(refs::check(schema, snapshot));
    out.extend(links::check(snapshot, tree));
    out.extend(practice::check(schema, snapshot, today));
    soften_dormant(schema, snapshot, &mut out);
    out
}

/// Findings in records their kind's `as_warnings` matches (dormant
/// records: stagnant, withdrawn, abandoned) are warnings.
fn soften_dormant(schema: &Schema, snapshot: &Snapshot, found: &mut [Diagnostic]) {
    let dormant: HashSet<&str> = snapshot
        .records
        .iter()
        .filter(|r| {
            schema
                .kind(&r.kind)
                .and_then(|k| k.as_warnings.as_ref())
                .is_some_and(|when| when.matches(|name| r.value(name)))
        })
        .map(|r| r.path.as_str())
        .collect();
    if dormant.is_empty() {
        return;
    }
    for d in found.iter_mut() {
        if dormant.contains(d.file.as_str()) {
            d.severity = Severity::Warning;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::snapshot::SourceFile;

    struct NoFiles;

    impl Tree for NoFiles {
        fn exists(&self, _: &str) -> bool {
            false
        }
    }

    /// Mutated records — bytes dropped, repeated, replaced, YAML and
    /// Markdown punctuation inserted — never make parsing, validation,
    /// history rules, diff or editing panic.
    #[test]
    fn mutated_records_never_panic() {
        let schema = config::builtin();
        let seeds = [
            include_str!(
                "../../examples/research/experiments/EXP-0002-small-cnn-on-log-mel-spectrograms.md"
            ),
            include_str!(
                "../../examples/research/decisions/DEC-0002-use-a-cnn-on-log-mel-spectrograms.md"
            ),
        ];
        let specials: &[&[u8]] = &[
            b"---\n",
            b"...\n",
            b"\r\n",
            b":",
            b" ",
            b"\n",
            b"- ",
            b"&a ",
            b"*a",
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b"'",
            b"#",
            b"|",
            b">",
            b"\t",
            b"\x00",
            b"\xff",
            b"\xef\xbb\xbf",
            b"## ",
            b"[x](../",
            b"!tag ",
            b"? ",
            b"status: done\n",
            b"\x1b[31m",
        ];
        let mut next = crate::testing::xorshift(0x9e37_79b9_7f4a_7c15);
        for round in 0..1500 {
            let seed = seeds[round % seeds.len()];
            let mut data = seed.as_bytes().to_vec();
            for _ in 0..1 + next() % 6 {
                let at = if data.is_empty() {
                    0
                } else {
                    next() % data.len()
                };
                match next() % 4 {
                    0 => {
                        let s = specials[next() % specials.len()];
                        data.splice(at..at, s.iter().copied());
                    }
                    1 => {
                        let end = (at + next() % 20).min(data.len());
                        data.drain(at..end);
                    }
                    2 if !data.is_empty() => data[at] = next() as u8,
                    _ => {
                        let end = (at + next() % 40).min(data.len());
                        let chunk = data[at..end].to_vec();
                        data.splice(at..at, chunk);
                    }
                }
            }
            for path in [
                "research/experiments/EXP-0002-x.md",
                "research/decisions/DEC-0002-x.md",
            ] {
                let file = SourceFile {
                    path: path.to_string(),
                    blob: None,
                    content: Ok(data.clone()),
                };
                let after = Snapshot::build("mutated", &schema, vec![file], None);
                let before = Snapshot::from_texts("seed", &schema, &[(path, seed)]);
                let _ = validate(&schema, &after, &NoFiles, time::Date::MIN);
                let _ = history::check(&schema, &before, &after, None);
                let _ = crate::diff::compare(&schema, &before, &after);
                if let Ok(text) = std::str::from_utf8(&data) {
                    let _ = crate::edit::set(
                        text,
                        "status",
                        &crate::value::Value::String("superseded".into()),
                        None,
                    );
                    let _ = crate::edit::set(
                        text,
                        "superseded_by",
                        &crate::value::Value::String("DEC-0003".into()),
                        Some("status"),
                    );
                }
            }
        }
    }
}
