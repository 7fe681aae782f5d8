//! `cairn summary --format text`: the summary for a terminal, one block per
//! section, user text escaped with [`term`].

use std::io::{self, Write};

use crate::render::{short_commit, term};
use crate::summary::Summary;
use crate::value::{format_float, signed};

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
        let total: usize = statuses.values().sum();
        let parts: Vec<String> = statuses
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(status, n)| format!("{} {n}", term(status)))
            .collect();
        writeln!(out, "  {:<12} {total:>5}  {}", term(kind), parts.join(", "))?;
    }
    if s.broken > 0 {
        writeln!(out, "  {} unreadable files; run `cairn validate`", s.broken)?;
    }
    Ok(())
}

fn changed(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if let Some(span) = &s.span {
        writeln!(
            out,
            "\nChanged ({} → {}): {}",
            short_commit(&span.from),
            short_commit(&span.to),
            term(&super::sentence::sentence(&span.sentence))
        )?;
        for c in span.changes.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "  {:<9} {}  {}",
                format!("{:?}", c.change).to_lowercase(),
                term(c.id.as_deref().unwrap_or(&c.path)),
                text(&c.title)
            )?;
        }
        more(out, span.changes.len())?;
    }
    Ok(())
}

fn open(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.open.is_empty() {
        writeln!(out, "\nOpen, with due dates and assumptions:")?;
        for o in s.open.iter().take(MAX_ROWS) {
            let due = o.due.as_deref().map_or(String::new(), |d| {
                format!(
                    "  due {}{}",
                    term(d),
                    if o.overdue { " (overdue)" } else { "" }
                )
            });
            writeln!(
                out,
                "  {}  {}  {}{due}",
                term(&o.record.id),
                text(&o.record.status),
                text(&o.record.title)
            )?;
            for a in &o.assumptions {
                writeln!(out, "      assumes: {}", term(a))?;
            }
        }
        more(out, s.open.len())?;
    }
    Ok(())
}

fn recent(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.recent.is_empty() {
        writeln!(
            out,
            "\nStatus changes in the last {} days:",
            s.rules.recent_days
        )?;
        for r in s.recent.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "  {}  {}  {}{}  {}",
                r.date.get(..10).unwrap_or(&r.date),
                term(&r.record.id),
                text(&r.record.status),
                if r.new { " (new)" } else { "" },
                text(&r.record.title)
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
            "\nStale (under way, no commit in {} days):",
            s.rules.stale_days
        )?;
        for r in s.stale_records.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "  {}  {}  {} days  {}",
                term(&r.record.id),
                text(&r.record.status),
                format_float(r.days),
                text(&r.record.title)
            )?;
        }
        more(out, s.stale_records.len())?;
    }
    Ok(())
}

fn reviews(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.reviews.is_empty() {
        writeln!(out, "\nDue for review (today is {}):", term(&s.today))?;
        for r in s.reviews.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "  {}  {}  {} {}, {} days ago  {}",
                term(r.record.id.as_deref().unwrap_or(&r.record.path)),
                text(&r.record.status),
                term(&r.field),
                term(&r.date),
                r.days_overdue,
                text(&r.record.title)
            )?;
        }
        more(out, s.reviews.len())?;
    }
    Ok(())
}

fn workloads(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.workloads.is_empty() {
        writeln!(out, "\nWork in progress:")?;
        for w in s.workloads.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "  {}  {} {}s: {} of at most {}{}  ({})",
                term(&w.person),
                term(&w.counts.join("/")),
                term(&w.kind),
                w.records.len(),
                w.limit,
                if w.over { ", over the limit" } else { "" },
                term(&w.records.join(", "))
            )?;
        }
        more(out, s.workloads.len())?;
    }
    Ok(())
}

fn progress(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.progress.is_empty() {
        writeln!(out, "\nProgress:")?;
        for p in s.progress.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "  {}  {}  {} of {} settled{}  {}",
                term(&p.record.id),
                text(&p.record.status),
                p.settled,
                p.total,
                p.due
                    .as_deref()
                    .map_or(String::new(), |d| format!(", due {}", term(d))),
                text(&p.record.title)
            )?;
        }
        more(out, s.progress.len())?;
    }
    Ok(())
}

fn experiments(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.experiments.is_empty() {
        writeln!(out, "\nExperiments:")?;
        for e in s.experiments.iter().take(MAX_ROWS) {
            let metrics: Vec<String> = e
                .metrics
                .iter()
                .map(|m| match m.delta {
                    Some(d) => format!(
                        "{} {} ({})",
                        term(&m.name),
                        format_float(m.value),
                        signed(d)
                    ),
                    None => format!("{} {}", term(&m.name), format_float(m.value)),
                })
                .collect();
            let vs = e
                .baseline
                .as_deref()
                .map_or(String::new(), |b| format!(" vs {}", term(b)));
            writeln!(
                out,
                "  {}  {}  {}  {}{vs}",
                term(&e.record.id),
                text(&e.record.status),
                text(&e.outcome),
                metrics.join(", ")
            )?;
        }
        more(out, s.experiments.len())?;
    }
    Ok(())
}

fn velocity(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    if !s.velocity.is_empty() {
        writeln!(out, "\nVelocity (median days):")?;
        for v in &s.velocity {
            writeln!(
                out,
                "  {} {} → {}: {} ({} records)",
                term(&v.kind),
                term(&v.from),
                term(&v.to),
                format_float(v.median_days),
                v.records
            )?;
        }
    }
    Ok(())
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
