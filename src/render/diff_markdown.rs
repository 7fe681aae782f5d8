//! `diff --format markdown`: a pull-request comment. It opens with a hidden
//! marker line (`<!-- cairn:diff -->`) so CI can find and update one comment
//! instead of adding one per push, holds one table per kind, folds section
//! diffs into `<details>`, and lists the records that govern changed code.
//!
//! GitHub refuses comments of 65,536 characters or more, so the comment is
//! kept under [`LIMIT`] bytes (bytes are never fewer than characters): first
//! section diffs are dropped, with a note, then table rows are cut, with a
//! line that says how many were left out and how to see them all.
//!
//! User text goes through [`md`] in prose and tables; section diffs go in
//! fenced blocks whose fence is longer than any backtick run inside, so no
//! text can close them.

use std::io::{self, Write};

use super::diff_text::{broken_line, delta, value_text};
use super::sentence::{plural, sentence};
use super::{md, term_block};
use crate::diff::{Change, ChangeKind, DiffReport, FieldChange, SectionChangeKind};

/// The marker line CI searches for.
pub const MARKER: &str = "<!-- cairn:diff -->";

/// The comment stays strictly under this many bytes (GitHub's limit is
/// 65,536 characters).
pub const LIMIT: usize = 65_536;

/// Field changes shown per row before "… and N more".
const FIELDS_PER_ROW: usize = 6;

/// Characters of user text kept in one table cell.
const CELL_CHARS: usize = 120;

/// Writes the comment.
pub fn write(out: &mut dyn Write, report: &DiffReport) -> io::Result<()> {
    out.write_all(comment(report).as_bytes())
}

/// The comment, under [`LIMIT`] bytes.
pub fn comment(report: &DiffReport) -> String {
    let rows = report.changes.len() + report.governing.len();
    let full = render(report, true, rows);
    if full.len() < LIMIT {
        return full;
    }
    let tables = render(report, false, rows);
    if tables.len() < LIMIT {
        return tables;
    }
    // The largest number of rows that fits; rendering is cheap next to git.
    let (mut fits, mut too_many) = (0, rows);
    while too_many - fits > 1 {
        let mid = fits + (too_many - fits) / 2;
        if render(report, false, mid).len() < LIMIT {
            fits = mid;
        } else {
            too_many = mid;
        }
    }
    render(report, false, fits)
}

/// The comment with or without section diffs, and with at most `max_rows`
/// table rows (changes first, then governing records).
fn render(report: &DiffReport, sections: bool, max_rows: usize) -> String {
    let mut s = String::new();
    s.push_str(MARKER);
    s.push('\n');
    s.push_str(&format!(
        "### Research records: {} → {}\n\n{}\n",
        md(&report.from),
        md(&report.to),
        md(&sentence(&report.summary))
    ));
    let has_sections = report.changes.iter().any(|c| !c.sections.is_empty());
    if has_sections && !sections {
        s.push_str(&format!(
            "\n> Section diffs are left out to keep this comment under GitHub's size limit; run {} locally to see them.\n",
            command(report)
        ));
    }
    let mut rows = 0;
    let mut left_out = 0;
    let mut start = 0;
    while start < report.changes.len() {
        let kind = &report.changes[start].kind;
        let end = report.changes[start..]
            .iter()
            .position(|c| c.kind != *kind)
            .map_or(report.changes.len(), |n| start + n);
        let group = &report.changes[start..end];
        start = end;
        let shown = group.len().min(max_rows.saturating_sub(rows));
        left_out += group.len() - shown;
        rows += shown;
        if shown == 0 {
            continue;
        }
        s.push_str(&format!(
            "\n#### {} ({})\n\n| id | change | title | status | changes |\n| --- | --- | --- | --- | --- |\n",
            md(&capitalize(&plural(kind))),
            group.len()
        ));
        for change in &group[..shown] {
            s.push_str(&row(change));
        }
        if sections {
            for change in group[..shown].iter().filter(|c| !c.sections.is_empty()) {
                s.push_str(&section_details(change));
            }
        }
    }
    if !report.governing.is_empty() {
        let shown = report.governing.len().min(max_rows.saturating_sub(rows));
        left_out += report.governing.len() - shown;
        if shown > 0 {
            s.push_str(
                "\n#### Records that govern changed code\n\n| id | title | status | changed files |\n| --- | --- | --- | --- |\n",
            );
            for g in &report.governing[..shown] {
                let mut files: Vec<String> = g.files.iter().take(5).map(|f| cell(f)).collect();
                if g.files.len() > 5 {
                    files.push(format!("… and {} more", g.files.len() - 5));
                }
                s.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    cell(g.record.id.as_deref().unwrap_or(&g.record.path)),
                    cell(g.record.title.as_deref().unwrap_or("")),
                    cell(g.record.status.as_deref().unwrap_or("")),
                    files.join("<br>"),
                ));
            }
        }
    }
    if left_out > 0 {
        s.push_str(&format!(
            "\n{left_out} more {} left out to keep this comment under GitHub's size limit; run {} locally to see them all.\n",
            if left_out == 1 { "row was" } else { "rows were" },
            command(report)
        ));
    }
    s
}

/// One table row.
fn row(change: &Change) -> String {
    let what = match change.change {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Modified => "modified",
        ChangeKind::Renamed => "renamed",
    };
    let status = match (&change.old_status, &change.new_status, change.change) {
        (_, Some(new), ChangeKind::Added) => format!("→ {}", cell(new)),
        (Some(old), _, ChangeKind::Removed) => cell(old),
        (Some(old), Some(new), _) if old != new => format!("{} → {}", cell(old), cell(new)),
        (_, Some(new), _) => cell(new),
        (Some(old), None, _) => cell(old),
        (None, None, _) => String::new(),
    };
    let mut notes: Vec<String> = Vec::new();
    if let Some(old) = &change.old_path {
        notes.push(format!("moved from {}", cell(old)));
    }
    if let Some(broken) = &change.broken {
        notes.push(cell(&broken_line(broken)));
    }
    if change.change != ChangeKind::Added {
        let fields: Vec<&FieldChange> = change
            .fields
            .iter()
            .filter(|f| f.field != "status")
            .collect();
        for f in fields.iter().take(FIELDS_PER_ROW) {
            let d = delta(f).map(|d| format!(" ({d})")).unwrap_or_default();
            notes.push(format!(
                "{}: {} → {}{d}",
                cell(&f.field),
                cell(&value_text(f.old.as_ref())),
                cell(&value_text(f.new.as_ref()))
            ));
        }
        if fields.len() > FIELDS_PER_ROW {
            notes.push(format!(
                "… and {} more fields",
                fields.len() - FIELDS_PER_ROW
            ));
        }
        if !change.sections.is_empty() {
            let names: Vec<String> = change.sections.iter().map(|s| cell(&s.section)).collect();
            notes.push(format!("sections: {}", names.join(", ")));
        }
    }
    format!(
        "| {} | {what} | {} | {status} | {} |\n",
        cell(change.id.as_deref().unwrap_or(&change.path)),
        cell(change.title.as_deref().unwrap_or("")),
        notes.join("<br>")
    )
}

/// The section diffs of one record, folded.
fn section_details(change: &Change) -> String {
    let who = change.id.as_deref().unwrap_or(&change.path);
    let mut s = format!(
        "\n<details><summary>{} — section changes</summary>\n",
        cell(who)
    );
    for section in &change.sections {
        let what = match section.change {
            SectionChangeKind::Added => "added",
            SectionChangeKind::Removed => "removed",
            SectionChangeKind::Modified => "modified",
        };
        let text = term_block(&section.diff);
        let fence = "`".repeat(longest_backtick_run(&text).max(2) + 1);
        s.push_str(&format!(
            "\n**{}** ({what})\n\n{fence}diff\n{}{}{fence}\n",
            cell(&section.section),
            text,
            if text.ends_with('\n') { "" } else { "\n" }
        ));
    }
    s.push_str("\n</details>\n");
    s
}

/// User text for a table cell: one line, cut to [`CELL_CHARS`], escaped.
fn cell(s: &str) -> String {
    let mut cut: String = s.chars().take(CELL_CHARS).collect();
    if cut.len() < s.len() {
        cut.push('…');
    }
    md(&cut)
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The command that shows the whole diff locally.
fn command(report: &DiffReport) -> String {
    let from = md(&report.from);
    match report.to.as_str() {
        _ if report.from.contains("...") => format!("cairn diff {from}"),
        "worktree" => format!("cairn diff {from}"),
        "index" => format!("cairn diff --cached {from}"),
        to => format!("cairn diff {from} {}", md(to)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_backtick_runs() {
        assert_eq!(longest_backtick_run("a ``` b ```` c"), 4);
        assert_eq!(longest_backtick_run("none"), 0);
    }

    #[test]
    fn cells_are_cut_and_escaped() {
        assert_eq!(cell("a|b"), "a\\|b");
        let long = "x".repeat(500);
        assert_eq!(cell(&long).chars().count(), CELL_CHARS + 1);
    }
}
