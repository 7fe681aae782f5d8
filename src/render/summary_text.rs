//! `cairn summary --format text`: the summary for a terminal, one block per
//! section, user text escaped with [`term`].

use std::io::{self, Write};

use super::parts::{change_word, metrics, status_counts};
use super::sentence::sentence;
use crate::record::Brief;
use crate::render::{short_commit, term};
use crate::summary::Summary;
use crate::value::format_float;

/// At most this many lines per list.
const MAX_ROWS: usize = 50;

/// Writes the summary as text.
pub fn write(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    counts(out, s)?;
    changed(out, s)?;
    open(out, s)?;
    recent(out, s)?;
    stale(out, s)?;
    reviews(out, s)?;
    workloads(out, s)?;
    progress(out, s)?;
    experiments(out, s)?;
    velocity(out, s)?;
    Ok(())
}

fn counts(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "Research log at {} ({})",
        short_commit(&s.commit),
        s.date
    )?;
    for (kind, statuses) in &s.counts {
        let (total, parts) = status_counts(statuses, |t| term(t).into_owned(), ", ");
        writeln!(out, "  {:<12} {total:>5}  {parts}", term(kind))?;
    }
    if s.broken > 0 {
        writeln!(out, "  {} unreadable files; run `cairn validate`", s.broken)?;
    }
    Ok(())
}

fn changed(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let Some(span) = &s.span else {
        return Ok(());
    };
    writeln!(
        out,
        "\nChanged ({} → {}): {}",
        short_commit(&span.from),
        short_commit(&span.to),
        term(&sentence(&span.sentence))
    )?;
    rows(out, &span.changes, |c| {
        let id = c.id.as_deref().unwrap_or(&c.path);
        format!(
            "{:<9} {}  {}",
            change_word(c.change),
            term(id),
            text(&c.title)
        )
    })
}

fn open(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let heading = "Open, with due dates and assumptions:";
    list(out, heading, &s.open, |o| {
        let due = o.due.as_deref().map_or(String::new(), |d| {
            let overdue = if o.overdue { " (overdue)" } else { "" };
            format!("  due {}{overdue}", term(d))
        });
        let mut row = format!("{}{due}", brief(&o.record));
        for a in &o.assumptions {
            row.push_str(&format!("\n      assumes: {}", term(a)));
        }
        row
    })
}

fn recent(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let heading = format!("Status changes in the last {} days:", s.rules.recent_days);
    list(out, &heading, &s.recent, |r| {
        let new = if r.new { " (new)" } else { "" };
        let (id, status) = (term(&r.record.id), text(&r.record.status));
        let date = r.date.get(..10).unwrap_or(&r.date);
        format!("{date}  {id}  {status}{new}  {}", text(&r.record.title))
    })
}

fn stale(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let heading = format!(
        "Stale (under way, no commit in {} days):",
        s.rules.stale_days
    );
    list(out, &heading, &s.stale_records, |r| {
        let (id, status) = (term(&r.record.id), text(&r.record.status));
        let days = format_float(r.days);
        format!("{id}  {status}  {days} days  {}", text(&r.record.title))
    })
}

fn reviews(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let heading = format!("Due for review (today is {}):", term(&s.today));
    list(out, &heading, &s.reviews, |r| {
        let id = r.record.id.as_deref().unwrap_or(&r.record.path);
        let (field, date) = (term(&r.field), term(&r.date));
        let when = format!("{field} {date}, {} days ago", r.days_overdue);
        format!(
            "{}  {}  {when}  {}",
            term(id),
            text(&r.record.status),
            text(&r.record.title)
        )
    })
}

fn workloads(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    list(out, "Work in progress:", &s.workloads, |w| {
        let over = if w.over { ", over the limit" } else { "" };
        let (n, limit) = (w.records.len(), w.limit);
        let what = format!("{} {}s", term(&w.counts.join("/")), term(&w.kind));
        let ids = term(&w.records.join(", ")).into_owned();
        format!(
            "{}  {what}: {n} of at most {limit}{over}  ({ids})",
            term(&w.person)
        )
    })
}

fn progress(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    list(out, "Progress:", &s.progress, |p| {
        let due = p.due.as_deref();
        let due = due.map_or(String::new(), |d| format!(", due {}", term(d)));
        let (id, status) = (term(&p.record.id), text(&p.record.status));
        let settled = format!("{} of {} settled{due}", p.settled, p.total);
        format!("{id}  {status}  {settled}  {}", text(&p.record.title))
    })
}

fn experiments(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    list(out, "Experiments:", &s.experiments, |e| {
        let vs = e.baseline.as_deref();
        let vs = vs.map_or(String::new(), |b| format!(" vs {}", term(b)));
        let metrics = metrics(&e.metrics, |t| term(t).into_owned(), ", ");
        let (id, status) = (term(&e.record.id), text(&e.record.status));
        format!("{id}  {status}  {}  {metrics}{vs}", text(&e.outcome))
    })
}

fn velocity(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if s.velocity.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nVelocity (median days):")?;
    for v in &s.velocity {
        let moved = format!("{} → {}", term(&v.from), term(&v.to));
        let median = format_float(v.median_days);
        let kind = term(&v.kind);
        writeln!(out, "  {kind} {moved}: {median} ({} records)", v.records)?;
    }
    Ok(())
}

/// `ID  STATUS  TITLE`, the start of most lines.
fn brief(record: &Brief<String>) -> String {
    let title = text(&record.title);
    format!("{}  {}  {title}", term(&record.id), text(&record.status))
}

/// A section: its heading and one line per item (at most [`MAX_ROWS`]);
/// nothing when there are no items.
fn list<T>(
    out: &mut dyn Write,
    heading: &str,
    items: &[T],
    line: impl Fn(&T) -> String,
) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{heading}")?;
    rows(out, items, line)
}

/// One indented line per item, at most [`MAX_ROWS`], then how many more.
fn rows<T>(out: &mut dyn Write, items: &[T], line: impl Fn(&T) -> String) -> io::Result<()> {
    for item in items.iter().take(MAX_ROWS) {
        writeln!(out, "  {}", line(item))?;
    }
    more(out, items.len())
}

/// An optional text, escaped for the terminal (empty when absent).
fn text(v: &Option<String>) -> String {
    term(v.as_deref().unwrap_or("")).into_owned()
}

fn more(out: &mut dyn Write, n: usize) -> io::Result<()> {
    if n > MAX_ROWS {
        writeln!(out, "  …and {} more (see --format json)", n - MAX_ROWS)?;
    }
    Ok(())
}
