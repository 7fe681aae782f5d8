//! Pieces of text that several renderers write the same way, each through
//! its own escaper (`term`, `md`, `esc`): a kind's records by status, a
//! metric against its baseline, the word for a change.

use indexmap::IndexMap;

use crate::diff::ChangeKind;
use crate::summary::Metric;
use crate::value::{format_float, signed};

/// A kind's records by status: the total, and `status n` for each status
/// that has records, joined by `separator`.
pub fn status_counts(
    statuses: &IndexMap<String, usize>,
    escape: impl Fn(&str) -> String,
    separator: &str,
) -> (usize, String) {
    let total = statuses.values().sum();
    let parts: Vec<String> = statuses
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(status, n)| format!("{} {n}", escape(status)))
        .collect();
    (total, parts.join(separator))
}

/// Metrics with their change against the baseline, joined by
/// `separator`: `recall 0.84 (+0.03), f1 0.8`.
pub fn metrics(metrics: &[Metric], escape: impl Fn(&str) -> String, separator: &str) -> String {
    let parts: Vec<String> = metrics
        .iter()
        .map(|m| match m.delta {
            Some(d) => format!(
                "{} {} ({})",
                escape(&m.name),
                format_float(m.value),
                signed(d)
            ),
            None => format!("{} {}", escape(&m.name), format_float(m.value)),
        })
        .collect();
    parts.join(separator)
}

/// The word for a change: `added`, `removed`, `modified`, `renamed`.
pub fn change_word(change: ChangeKind) -> &'static str {
    match change {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Modified => "modified",
        ChangeKind::Renamed => "renamed",
    }
}
