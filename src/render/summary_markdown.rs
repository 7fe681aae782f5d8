//! `cairn summary --format markdown`: a CI job summary for
//! `$GITHUB_STEP_SUMMARY` — tables, a Mermaid graph of `supersedes` and
//! `evidence` links and a Mermaid timeline of experiments. Every piece of
//! user text goes through [`md`] in tables and [`mermaid_label`] /
//! [`gantt_task`] in diagrams; long lists and diagrams are capped.

use std::collections::HashSet;
use std::io::{self, Write};

use super::parts::{change_word, metrics, status_counts};
use super::sentence::sentence;
use crate::record::Brief;
use crate::render::{md, short_commit};
use crate::summary::Summary;
use crate::value::format_float;

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
    let Some(span) = &s.span else {
        return Ok(());
    };
    let (from, to) = (short_commit(&span.from), short_commit(&span.to));
    writeln!(out, "### What changed ({from} → {to})\n")?;
    writeln!(out, "{}\n", md(&sentence(&span.sentence)))?;
    if span.changes.is_empty() {
        return Ok(());
    }
    let columns = ["record", "change", "title", "status"];
    table(out, &columns, &span.changes, MAX_ROWS, |c| {
        let status = match (&c.old_status, &c.new_status) {
            (Some(a), Some(b)) if a != b => format!("{} → {}", md(a), md(b)),
            (_, Some(b)) => md(b),
            (Some(a), None) => md(a),
            (None, None) => String::new(),
        };
        let id = md(c.id.as_deref().unwrap_or(&c.path));
        vec![id, change_word(c.change).into(), text(&c.title), status]
    })?;
    more(out, span.changes.len())
}

fn open(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let heading = "Open work with due dates and assumptions";
    let columns = ["id", "title", "status", "due", "assumptions"];
    section(out, heading, &columns, &s.open, |o| {
        let due = match &o.due {
            Some(d) if o.overdue => format!("{} (overdue)", md(d)),
            Some(d) => md(d),
            None => String::new(),
        };
        let assumptions: Vec<String> = o.assumptions.iter().map(|a| md(a)).collect();
        let [id, title, status] = brief(&o.record);
        vec![id, title, status, due, assumptions.join("; ")]
    })
}

fn recent(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let heading = format!("Status changes in the last {} days", s.rules.recent_days);
    let columns = ["date", "id", "kind", "status", "title"];
    section(out, &heading, &columns, &s.recent, |r| {
        let new = if r.new { " (new)" } else { "" };
        let date = r.date.get(..10).unwrap_or(&r.date).to_string();
        let [id, title, status] = brief(&r.record);
        vec![
            date,
            id,
            md(&r.record.kind),
            format!("{status}{new}"),
            title,
        ]
    })
}

fn stale(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let heading = format!("Stale: under way, no commit in {} days", s.rules.stale_days);
    let columns = ["id", "status", "title", "last change", "days"];
    section(out, &heading, &columns, &s.stale_records, |r| {
        let last = r.last_changed.as_ref().map_or(String::new(), |c| {
            let date = c.date.get(..10).unwrap_or("");
            format!("`{}` {date}", short_commit(&c.commit))
        });
        let [id, title, status] = brief(&r.record);
        vec![id, status, title, last, format_float(r.days)]
    })
}

fn experiments(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let heading = "Experiments against their baselines";
    let columns = ["id", "title", "status", "outcome", "metrics (vs baseline)"];
    section(out, heading, &columns, &s.experiments, |e| {
        let vs = match (&e.baseline, e.baseline_found) {
            (Some(b), true) => format!(" vs {}", md(b)),
            (Some(b), false) => format!(" (baseline {} not found)", md(b)),
            (None, _) => String::new(),
        };
        let metrics = metrics(&e.metrics, md, ", ");
        let [id, title, status] = brief(&e.record);
        vec![
            id,
            title,
            status,
            text(&e.outcome),
            format!("{metrics}{vs}"),
        ]
    })
}

fn velocity(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if s.velocity.is_empty() {
        return Ok(());
    }
    writeln!(out, "### Velocity\n")?;
    let columns = ["kind", "move", "median days", "records"];
    table(out, &columns, &s.velocity, usize::MAX, |v| {
        let moved = format!("{} → {}", md(&v.from), md(&v.to));
        let (median, records) = (format_float(v.median_days), v.records.to_string());
        vec![md(&v.kind), moved, median, records]
    })?;
    writeln!(out)
}

fn counts(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let kinds: Vec<_> = s.counts.iter().collect();
    table(
        out,
        &["kind", "records", "by status"],
        &kinds,
        usize::MAX,
        |(kind, statuses)| {
            let (total, parts) = status_counts(statuses, md, " · ");
            vec![md(kind), total.to_string(), parts]
        },
    )?;
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
    let columns = ["id", "status", "created", "last change", "days per status"];
    table(out, &columns, &s.records, MAX_ROWS * 2, |r| {
        let days: Vec<String> = r
            .status_days
            .iter()
            .map(|(status, d)| format!("{} {}", md(status), format_float(*d)))
            .collect();
        let created = r.created_commit.as_deref();
        let created = created.map_or(String::new(), |c| format!("`{}`", short_commit(c)));
        let last = r.last_changed.as_ref();
        let last = last.map_or("", |c| c.date.get(..10).unwrap_or(""));
        let [id, _, status] = brief(&r.record);
        vec![id, status, created, last.to_string(), days.join(", ")]
    })?;
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
    let heading = format!("Due for review (today is {})", md(&s.today));
    let columns = ["id", "title", "status", "review date", "overdue"];
    section(out, &heading, &columns, &s.reviews, |r| {
        let id = md(r.record.id.as_deref().unwrap_or(&r.record.path));
        let date = format!("{} `{}`", md(&r.date), r.field.replace('`', "'"));
        let (title, status) = (text(&r.record.title), text(&r.record.status));
        vec![id, title, status, date, count_days(r.days_overdue)]
    })?;
    let columns = ["person", "kind", "status", "records", "limit"];
    section(out, "Work in progress", &columns, &s.workloads, |w| {
        let ids: Vec<String> = w.records.iter().map(|r| md(r)).collect();
        let (n, most) = (w.records.len(), w.limit);
        let limit = if w.over {
            format!("**{n} over {most}**")
        } else {
            format!("{n} of {most}")
        };
        let (person, kind) = (md(&w.person), md(&w.kind));
        vec![
            person,
            kind,
            md(&w.counts.join(", ")),
            ids.join(", "),
            limit,
        ]
    })?;
    let columns = ["id", "title", "status", "due", "settled", "still open"];
    section(out, "Progress", &columns, &s.progress, |p| {
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
        let settled = format!("{} of {}", p.settled, p.total);
        let [id, title, status] = brief(&p.record);
        vec![id, title, status, text(&p.due), settled, open.join(", ")]
    })
}

/// A record's id, title and status, escaped.
fn brief(record: &Brief<String>) -> [String; 3] {
    [md(&record.id), text(&record.title), text(&record.status)]
}

/// An optional text, escaped (empty when absent).
fn text(v: &Option<String>) -> String {
    md(v.as_deref().unwrap_or(""))
}

/// A section: `### heading`, its table (at most [`MAX_ROWS`] rows) and how
/// many more; nothing when there are no items.
fn section<T>(
    out: &mut dyn Write,
    heading: &str,
    columns: &[&str],
    items: &[T],
    row: impl Fn(&T) -> Vec<String>,
) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "### {heading}\n")?;
    table(out, columns, items, MAX_ROWS, row)?;
    more(out, items.len())
}

/// A table: the header, then one row per item, at most `limit`.
fn table<T>(
    out: &mut dyn Write,
    columns: &[&str],
    items: &[T],
    limit: usize,
    row: impl Fn(&T) -> Vec<String>,
) -> io::Result<()> {
    writeln!(out, "| {} |", columns.join(" | "))?;
    writeln!(out, "|{}", " --- |".repeat(columns.len()))?;
    for item in items.iter().take(limit) {
        writeln!(out, "| {} |", row(item).join(" | "))?;
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
