//! `cairn summary --format markdown`: a CI job summary for
//! `$GITHUB_STEP_SUMMARY` — tables, a Mermaid graph of `supersedes` and
//! `evidence` links and a Mermaid timeline of experiments. Every piece of
//! user text goes through [`md`] in tables and [`mermaid_label`] /
//! [`gantt_task`] in diagrams; long lists and diagrams are capped.

use std::collections::HashSet;
use std::io::{self, Write};

use crate::diff::ChangeKind;
use crate::render::{md, short_commit};
use crate::summary::Summary;
use crate::value::{format_float, signed};

/// At most this many rows per table.
const MAX_ROWS: usize = 50;
/// At most this many nodes or bars per diagram.
const MAX_NODES: usize = 50;

/// Writes the summary as Markdown.
pub fn write(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    writeln!(out, "<!-- cairn:summary -->")?;
    writeln!(
        out,
        "## Research log at `{}` ({})\n",
        short_commit(&s.commit),
        s.date.get(..10).unwrap_or(&s.date)
    )?;
    counts(out, s)?;
    changed(out, s)?;
    open(out, s)?;
    recent(out, s)?;
    stale(out, s)?;
    practice(out, s)?;
    experiments(out, s)?;
    velocity(out, s)?;
    links(out, s)?;
    timeline(out, s)?;
    status_days(out, s)?;
    Ok(())
}

fn changed(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if let Some(span) = &s.span {
        writeln!(
            out,
            "### What changed ({} → {})\n",
            short_commit(&span.from),
            short_commit(&span.to)
        )?;
        writeln!(out, "{}\n", md(&super::sentence::sentence(&span.sentence)))?;
        if !span.changes.is_empty() {
            writeln!(out, "| record | change | title | status |")?;
            writeln!(out, "| --- | --- | --- | --- |")?;
            for c in span.changes.iter().take(MAX_ROWS) {
                let status = match (&c.old_status, &c.new_status) {
                    (Some(a), Some(b)) if a != b => format!("{} → {}", md(a), md(b)),
                    (_, Some(b)) => md(b),
                    (Some(a), None) => md(a),
                    (None, None) => String::new(),
                };
                writeln!(
                    out,
                    "| {} | {} | {} | {status} |",
                    md(c.id.as_deref().unwrap_or(&c.path)),
                    change(c.change),
                    md(c.title.as_deref().unwrap_or(""))
                )?;
            }
            more(out, span.changes.len())?;
        }
    }
    Ok(())
}

fn open(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.open.is_empty() {
        writeln!(out, "### Open work with due dates and assumptions\n")?;
        writeln!(out, "| id | title | status | due | assumptions |")?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for o in s.open.iter().take(MAX_ROWS) {
            let due = match &o.due {
                Some(d) if o.overdue => format!("{} (overdue)", md(d)),
                Some(d) => md(d),
                None => String::new(),
            };
            let assumptions: Vec<String> = o.assumptions.iter().map(|a| md(a)).collect();
            writeln!(
                out,
                "| {} | {} | {} | {due} | {} |",
                md(&o.record.id),
                md(o.record.title.as_deref().unwrap_or("")),
                md(o.record.status.as_deref().unwrap_or("")),
                assumptions.join("; ")
            )?;
        }
        more(out, s.open.len())?;
    }
    Ok(())
}

fn recent(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.recent.is_empty() {
        writeln!(
            out,
            "### Status changes in the last {} days\n",
            s.rules.recent_days
        )?;
        writeln!(out, "| date | id | kind | status | title |")?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for r in s.recent.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "| {} | {} | {} | {}{} | {} |",
                r.date.get(..10).unwrap_or(&r.date),
                md(&r.record.id),
                md(&r.record.kind),
                md(r.record.status.as_deref().unwrap_or("")),
                if r.new { " (new)" } else { "" },
                md(r.record.title.as_deref().unwrap_or(""))
            )?;
        }
        more(out, s.recent.len())?;
    }
    Ok(())
}

fn stale(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.stale_records.is_empty() {
        writeln!(
            out,
            "### Stale: under way, no commit in {} days\n",
            s.rules.stale_days
        )?;
        writeln!(out, "| id | status | title | last change | days |")?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for r in s.stale_records.iter().take(MAX_ROWS) {
            let last = r.last_changed.as_ref().map_or(String::new(), |c| {
                format!(
                    "`{}` {}",
                    short_commit(&c.commit),
                    c.date.get(..10).unwrap_or("")
                )
            });
            writeln!(
                out,
                "| {} | {} | {} | {last} | {} |",
                md(&r.record.id),
                md(r.record.status.as_deref().unwrap_or("")),
                md(r.record.title.as_deref().unwrap_or("")),
                format_float(r.days)
            )?;
        }
        more(out, s.stale_records.len())?;
    }
    Ok(())
}

fn experiments(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.experiments.is_empty() {
        writeln!(out, "### Experiments against their baselines\n")?;
        writeln!(
            out,
            "| id | title | status | outcome | metrics (vs baseline) |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for e in s.experiments.iter().take(MAX_ROWS) {
            let metrics: Vec<String> = e
                .metrics
                .iter()
                .map(|m| match m.delta {
                    Some(d) => format!("{} {} ({})", md(&m.name), format_float(m.value), signed(d)),
                    None => format!("{} {}", md(&m.name), format_float(m.value)),
                })
                .collect();
            let vs = match (&e.baseline, e.baseline_found) {
                (Some(b), true) => format!(" vs {}", md(b)),
                (Some(b), false) => format!(" (baseline {} not found)", md(b)),
                (None, _) => String::new(),
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {}{vs} |",
                md(&e.record.id),
                md(e.record.title.as_deref().unwrap_or("")),
                md(e.record.status.as_deref().unwrap_or("")),
                md(e.outcome.as_deref().unwrap_or("")),
                metrics.join(", ")
            )?;
        }
        more(out, s.experiments.len())?;
    }
    Ok(())
}

fn velocity(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.velocity.is_empty() {
        writeln!(out, "### Velocity\n")?;
        writeln!(out, "| kind | move | median days | records |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        for v in &s.velocity {
            writeln!(
                out,
                "| {} | {} → {} | {} | {} |",
                md(&v.kind),
                md(&v.from),
                md(&v.to),
                format_float(v.median_days),
                v.records
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn counts(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    writeln!(out, "| kind | records | by status |")?;
    writeln!(out, "| --- | --- | --- |")?;
    for (kind, statuses) in &s.counts {
        let total: usize = statuses.values().sum();
        let parts: Vec<String> = statuses
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(status, n)| format!("{} {n}", md(status)))
            .collect();
        writeln!(out, "| {} | {total} | {} |", md(kind), parts.join(" · "))?;
    }
    if s.broken > 0 {
        writeln!(
            out,
            "\n{} files in record folders are not readable records; run `cairn validate`.",
            s.broken
        )?;
    }
    writeln!(out)
}

fn links(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if s.links.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Supersedes and evidence\n")?;
    writeln!(out, "```mermaid\ngraph LR")?;
    let mut nodes: HashSet<&str> = HashSet::new();
    let mut shown = 0;
    for link in &s.links {
        let new = [&link.from, &link.to]
            .iter()
            .filter(|n| !nodes.contains(n.as_str()))
            .count();
        if nodes.len() + new > MAX_NODES {
            break;
        }
        nodes.insert(&link.from);
        nodes.insert(&link.to);
        writeln!(
            out,
            "  {}[\"{}\"] -->|{}| {}[\"{}\"]",
            node_id(&link.from),
            mermaid_label(&link.from),
            mermaid_label(&link.field),
            node_id(&link.to),
            mermaid_label(&link.to)
        )?;
        shown += 1;
    }
    writeln!(out, "```\n")?;
    if shown < s.links.len() {
        writeln!(
            out,
            "Showing {shown} of {} links ({MAX_NODES} records at most); `--format json` lists them all.\n",
            s.links.len()
        )?;
    }
    Ok(())
}

fn timeline(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if s.timeline.is_empty() {
        return Ok(());
    }
    // The most recent bars: those that started last.
    let skip = s.timeline.len().saturating_sub(MAX_NODES);
    writeln!(out, "### Timeline\n")?;
    writeln!(
        out,
        "```mermaid\ngantt\n  dateFormat YYYY-MM-DD\n  axisFormat %Y-%m-%d"
    )?;
    for bar in &s.timeline[skip..] {
        let name = match &bar.title {
            Some(t) => format!("{} {}", bar.id, t),
            None => bar.id.clone(),
        };
        writeln!(
            out,
            "  {} :{}{}, {}",
            gantt_task(&name),
            if bar.settled { "done, " } else { "active, " },
            bar.start,
            bar.end
        )?;
    }
    writeln!(out, "```\n")?;
    if skip > 0 {
        writeln!(
            out,
            "Showing the {MAX_NODES} most recent of {} bars; `--format json` lists them all.\n",
            s.timeline.len()
        )?;
    }
    Ok(())
}

fn status_days(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if s.records.is_empty() {
        return Ok(());
    }
    writeln!(out, "<details><summary>Days in each status</summary>\n")?;
    writeln!(
        out,
        "| id | status | created | last change | days per status |"
    )?;
    writeln!(out, "| --- | --- | --- | --- | --- |")?;
    for r in s.records.iter().take(MAX_ROWS * 2) {
        let days: Vec<String> = r
            .status_days
            .iter()
            .map(|(status, d)| format!("{} {}", md(status), format_float(*d)))
            .collect();
        writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            md(&r.record.id),
            md(r.record.status.as_deref().unwrap_or("")),
            r.created_commit
                .as_deref()
                .map_or(String::new(), |c| format!("`{}`", short_commit(c))),
            r.last_changed.as_ref().map_or(String::new(), |c| c
                .date
                .get(..10)
                .unwrap_or("")
                .to_string()),
            days.join(", ")
        )?;
    }
    if s.records.len() > MAX_ROWS * 2 {
        writeln!(
            out,
            "\n…and {} more; `--format json` lists them all.",
            s.records.len() - MAX_ROWS * 2
        )?;
    }
    writeln!(out, "\n</details>")
}

/// Reviews due, work in progress per person, and progress of records that
/// gather others.
fn practice(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.reviews.is_empty() {
        writeln!(out, "### Due for review (today is {})\n", md(&s.today))?;
        writeln!(out, "| id | title | status | review date | overdue |")?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for r in s.reviews.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "| {} | {} | {} | {} `{}` | {} |",
                md(r.record.id.as_deref().unwrap_or(&r.record.path)),
                md(r.record.title.as_deref().unwrap_or("")),
                md(r.record.status.as_deref().unwrap_or("")),
                md(&r.date),
                r.field.replace('`', "'"),
                count_days(r.days_overdue)
            )?;
        }
        more(out, s.reviews.len())?;
    }
    if !s.workloads.is_empty() {
        writeln!(out, "### Work in progress\n")?;
        writeln!(out, "| person | kind | status | records | limit |")?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for w in s.workloads.iter().take(MAX_ROWS) {
            let ids: Vec<String> = w.records.iter().map(|r| md(r)).collect();
            let limit = if w.over {
                format!("**{} over {}**", w.records.len(), w.limit)
            } else {
                format!("{} of {}", w.records.len(), w.limit)
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {limit} |",
                md(&w.person),
                md(&w.kind),
                md(&w.counts.join(", ")),
                ids.join(", ")
            )?;
        }
        more(out, s.workloads.len())?;
    }
    if !s.progress.is_empty() {
        writeln!(out, "### Progress\n")?;
        writeln!(out, "| id | title | status | due | settled | still open |")?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        for p in s.progress.iter().take(MAX_ROWS) {
            let open: Vec<String> = p
                .members
                .iter()
                .filter(|m| !m.settled)
                .map(|m| match &m.status {
                    Some(status) => format!("{} ({})", md(&m.id), md(status)),
                    None if !m.found => format!("{} (missing)", md(&m.id)),
                    None => md(&m.id),
                })
                .collect();
            writeln!(
                out,
                "| {} | {} | {} | {} | {} of {} | {} |",
                md(&p.record.id),
                md(p.record.title.as_deref().unwrap_or("")),
                md(p.record.status.as_deref().unwrap_or("")),
                md(p.due.as_deref().unwrap_or("")),
                p.settled,
                p.total,
                open.join(", ")
            )?;
        }
        more(out, s.progress.len())?;
    }
    Ok(())
}

fn count_days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

fn more(out: &mut dyn Write, n: usize) -> io::Result<()> {
    if n > MAX_ROWS {
        writeln!(
            out,
            "\n…and {} more; `--format json` lists them all.",
            n - MAX_ROWS
        )?;
    }
    writeln!(out)
}

fn change(c: ChangeKind) -> &'static str {
    match c {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Modified => "modified",
        ChangeKind::Renamed => "renamed",
    }
}

/// A Mermaid node id: letters, digits and `_` only, never a keyword.
pub fn node_id(id: &str) -> String {
    let clean: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("n_{clean}")
}

/// Text safe inside a quoted Mermaid label: quotes, brackets, `#`, angle
/// brackets and backticks become entity codes; line breaks become spaces.
pub fn mermaid_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '[' => out.push_str("#91;"),
            ']' => out.push_str("#93;"),
            '(' => out.push_str("#40;"),
            ')' => out.push_str("#41;"),
            '{' => out.push_str("#123;"),
            '}' => out.push_str("#125;"),
            '|' => out.push_str("#124;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '%' => out.push_str("#37;"),
            '&' => out.push_str("#38;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Gantt task name: no `:` `#` `;` (they end or comment a task), no
/// `%` (`%%{init}%%` is a directive), no `<>{}&` (HTML and directives), no
/// backticks (they could close the code fence), no line breaks; at most
/// 60 characters.
pub fn gantt_task(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| match c {
            ':' | '#' | ';' | '`' | '%' | '<' | '>' | '{' | '}' | '&' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    match clean.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &clean[..at]),
        None => clean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_text_cannot_break_out() {
        assert_eq!(node_id("DEC-0001"), "n_DEC_0001");
        assert_eq!(mermaid_label("a \"b\" [c]"), "a #quot;b#quot; #91;c#93;");
        assert_eq!(mermaid_label("#1"), "#35;1");
        assert_eq!(gantt_task("EXP-1 a: b; #c\n```"), "EXP-1 a b c");
    }
}
