//! `diff --format text`: one block per changed record — a header line,
//! field changes `old → new` (numbers with their delta), section diffs —
//! then the records that govern changed code, then the summary sentence.
//!
//! Styles are ANSI codes; the caller's stream strips them when colour is
//! off. All user text goes through [`term`].

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::term;
use crate::diff::{BrokenSide, Change, ChangeKind, DiffReport, FieldChange, SectionChangeKind};
use crate::value::{Value, signed};

const ADDED: Style = AnsiColor::Green.on_default();
const REMOVED: Style = AnsiColor::Red.on_default();
const MODIFIED: Style = AnsiColor::Yellow.on_default();
const RENAMED: Style = AnsiColor::Cyan.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const ID: Style = Style::new().bold();
const HEADING: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// Writes the report.
pub fn write(out: &mut dyn Write, report: &DiffReport) -> io::Result<()> {
    for change in &report.changes {
        write_change(out, change)?;
    }
    if !report.governing.is_empty() {
        if !report.changes.is_empty() {
            writeln!(out)?;
        }
        writeln!(out, "{HEADING}Records that govern changed code{HEADING:#}")?;
        for g in &report.governing {
            let id = g
                .record
                .id
                .as_deref()
                .map(|i| format!("{ID}{}{ID:#} ", term(i)));
            let status = g
                .record
                .status
                .as_deref()
                .map(|s| format!(" ({})", term(s)))
                .unwrap_or_default();
            writeln!(
                out,
                "  {}{}{}{status}",
                id.unwrap_or_default(),
                term(&g.record.path),
                title_suffix(g.record.title.as_deref()),
            )?;
            for file in &g.files {
                writeln!(out, "    {DIM}{}{DIM:#}", term(file))?;
            }
        }
    }
    if !report.changes.is_empty() || !report.governing.is_empty() {
        writeln!(out)?;
    }
    writeln!(out, "{}", term(&super::sentence::sentence(&report.summary)))
}

fn write_change(out: &mut dyn Write, change: &Change) -> io::Result<()> {
    let (style, word) = match change.change {
        ChangeKind::Added => (ADDED, "added"),
        ChangeKind::Removed => (REMOVED, "removed"),
        ChangeKind::Modified => (MODIFIED, "modified"),
        ChangeKind::Renamed => (RENAMED, "renamed"),
    };
    let id = change
        .id
        .as_deref()
        .map(|i| format!("{ID}{}{ID:#} ", term(i)))
        .unwrap_or_default();
    let path = match &change.old_path {
        Some(old) => format!("{} → {}", term(old), term(&change.path)),
        None => term(&change.path).into_owned(),
    };
    writeln!(
        out,
        "{style}{word}{style:#} {id}{path}{}",
        title_suffix(change.title.as_deref())
    )?;
    if let Some(broken) = &change.broken {
        writeln!(out, "  {REMOVED}{}{REMOVED:#}", broken_line(broken))?;
    }
    if change.change == ChangeKind::Added {
        if let Some(status) = &change.new_status {
            writeln!(out, "  status: {}", term(status))?;
        }
        return Ok(());
    }
    for field in &change.fields {
        writeln!(out, "  {}", field_line(field))?;
    }
    for section in &change.sections {
        let what = match section.change {
            SectionChangeKind::Added => "added",
            SectionChangeKind::Removed => "removed",
            SectionChangeKind::Modified => "modified",
        };
        writeln!(
            out,
            "  section {HEADING}{}{HEADING:#} ({what})",
            term(&section.section)
        )?;
        for line in section.diff.lines() {
            let style = match line.as_bytes().first() {
                Some(b'+') => ADDED,
                Some(b'-') => REMOVED,
                Some(b'@') => HUNK,
                _ => Style::new(),
            };
            writeln!(out, "    {style}{}{style:#}", term(line))?;
        }
    }
    Ok(())
}

fn title_suffix(title: Option<&str>) -> String {
    title
        .map(|t| format!(" — {}", term(&one_line(t))))
        .unwrap_or_default()
}

/// `broken on the new side: parse/yaml — message`.
pub fn broken_line(broken: &BrokenSide) -> String {
    let side = match broken.side {
        "both" => "on both sides".to_string(),
        side => format!("on the {side} side"),
    };
    format!(
        "broken {side}: {} — {}",
        broken.code,
        term(&one_line(&broken.message))
    )
}

/// `metrics.recall: 0.81 → 0.84 (+0.03)`, user text escaped for a terminal.
pub fn field_line(field: &FieldChange) -> String {
    let delta = delta(field).map(|d| format!(" ({d})")).unwrap_or_default();
    format!(
        "{}: {} → {}{delta}",
        term(&field.field),
        term(&value_text(field.old.as_ref())),
        term(&value_text(field.new.as_ref())),
    )
}

/// A value on one line, `(none)` when absent.
pub fn value_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "(none)".to_string(),
        Some(v) => one_line(&v.to_string()),
    }
}

/// The signed difference of two numbers, `+0.03` or `-2`: the sign is
/// always shown, whole numbers stay whole when both sides were integers,
/// and float noise is gone (the model rounds; `format_float` trims).
pub fn delta(field: &FieldChange) -> Option<String> {
    let d = field.delta?;
    let ints = matches!(
        (&field.old, &field.new),
        (Some(Value::Int(_)), Some(Value::Int(_)))
    );
    if !ints {
        return Some(signed(d));
    }
    let sign = if d < 0.0 { '-' } else { '+' };
    Some(format!("{sign}{}", d.abs().round()))
}

/// Text on one line: line breaks shown as `\n`.
fn one_line(s: &str) -> String {
    s.replace('\r', "").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(old: Value, new: Value, delta: f64) -> FieldChange {
        FieldChange {
            field: "metrics.recall".into(),
            old: Some(old),
            new: Some(new),
            delta: Some(delta),
        }
    }

    #[test]
    fn deltas_are_signed_and_clean() {
        let d = |o, n, x| delta(&change(o, n, x));
        assert_eq!(
            d(Value::Float(0.81), Value::Float(0.84), 0.03).as_deref(),
            Some("+0.03")
        );
        assert_eq!(
            d(Value::Float(0.84), Value::Float(0.81), -0.03).as_deref(),
            Some("-0.03")
        );
        assert_eq!(d(Value::Int(3), Value::Int(5), 2.0).as_deref(), Some("+2"));
        assert_eq!(d(Value::Int(5), Value::Int(5), 0.0).as_deref(), Some("+0"));
        assert_eq!(
            field_line(&change(Value::Float(0.81), Value::Float(0.84), 0.03)),
            "metrics.recall: 0.81 → 0.84 (+0.03)"
        );
    }
}
