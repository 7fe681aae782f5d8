//! `cairn log --format text`: one block per commit, newest first, like
//! `git log`, with the record's path, the kind of change and its field
//! changes (numbers with their delta); section diffs with `--patch`.

use std::io::{self, Write};

use crate::calendar::short_date;
use crate::diff::ChangeKind;
use crate::history::Log;
use crate::render::diff_text::field_line;
use crate::render::{short_commit, term};

/// Writes the log of one record.
pub fn write(out: &mut dyn Write, log: &Log) -> io::Result<()> {
    for (i, entry) in log.entries.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "commit {}  {}  {}",
            short_commit(&entry.commit),
            short_date(entry.time, entry.offset_minutes),
            term(&entry.author)
        )?;
        writeln!(out, "    {}", term(&entry.summary))?;
        match (&entry.change, &entry.old_path) {
            (ChangeKind::Renamed, Some(old)) => {
                writeln!(out, "  renamed {} → {}", term(old), term(&entry.path))?
            }
            (change, _) => writeln!(out, "  {} {}", label(*change), term(&entry.path))?,
        }
        if let Some(why) = &entry.broken {
            writeln!(out, "  unreadable: {}", term(why))?;
        }
        if entry.change == ChangeKind::Added {
            if let Some(status) = &entry.status {
                writeln!(out, "  status: {}", term(status))?;
            }
        } else {
            for field in &entry.fields {
                writeln!(out, "  {}", field_line(field))?;
            }
        }
        for section in entry.sections.iter().flatten() {
            writeln!(
                out,
                "  ## {} ({:?})",
                term(&section.section),
                section.change
            )?;
            for line in section.diff.lines() {
                writeln!(out, "    {}", term(line))?;
            }
        }
    }
    if log.entries.is_empty() {
        writeln!(out, "no commit changed {}", term(&log.id))?;
    }
    if let Some(code) = &log.code_commits {
        writeln!(out)?;
        if code.is_empty() {
            writeln!(out, "No commit message names {}.", term(&log.id))?;
        } else {
            writeln!(out, "Commits that name {}:", term(&log.id))?;
            for c in code {
                writeln!(
                    out,
                    "  {}  {}  {}  {}",
                    short_commit(&c.commit),
                    short_date(c.time, c.offset_minutes),
                    term(&c.author),
                    term(&c.summary)
                )?;
            }
        }
    }
    Ok(())
}

fn label(change: ChangeKind) -> &'static str {
    match change {
        ChangeKind::Added => "added",
        ChangeKind::Removed => "removed",
        ChangeKind::Modified => "modified",
        ChangeKind::Renamed => "renamed",
    }
}
