//! `cairn list`: the records of a snapshot, filtered and sorted
//! (`cairn::list::find`), as a table, JSON or bare paths.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use cairn::list::{self, Listing, Query, View};
use cairn::render::{self, Format};

use super::{Ctx, Outcome};
use crate::cli::{ListArgs, ListFormat};

/// Runs `cairn list`.
pub(crate) fn run(ctx: &Ctx, args: &ListArgs, out: &mut dyn Write) -> Result<Outcome> {
    let format = match (args.null, args.format) {
        (true, ListFormat::Json) => anyhow::bail!("-z goes with `--format paths`, not json"),
        (true, _) => None,
        (false, format) => Some(Format::from(format)),
    };
    let query = Query {
        kinds: &args.kind,
        statuses: &args.status,
        tags: &args.tag,
        conditions: &args.conditions,
        sort: &args.sort,
        rev: args.rev.as_deref(),
    };
    let project = ctx.project()?;
    let (records, broken) = match format {
        Some(format) => {
            // The bytes as stdout's colour stream would pass them on.
            let color = ctx.color;
            let render = |listing: &Listing| {
                let mut stream = anstream::AutoStream::new(Vec::new(), color);
                render::emit(format, listing, &mut stream)?;
                Ok(stream.into_inner())
            };
            let name = format!("{format:?} {color:?}");
            let view = View {
                name: &name,
                width: width(),
                render: &render,
            };
            let shown = list::find_shown(project, &query, &view)?;
            // Already stripped as stdout's stream would: written past it.
            out.flush()?;
            let mut raw = std::io::stdout().lock();
            raw.write_all(shown.text.as_bytes())?;
            raw.flush()?;
            (shown.records, shown.broken)
        }
        None => {
            let listing = list::find(project, &query)?;
            // Exact bytes: straight to stdout, past the colour stream that
            // strips control characters (NUL among them) for pipes.
            out.flush()?;
            let mut raw = std::io::stdout().lock();
            for record in &listing.records {
                raw.write_all(record.path.as_bytes())?;
                raw.write_all(b"\0")?;
            }
            raw.flush()?;
            (listing.records.len(), listing.broken)
        }
    };
    let mut notes = Vec::new();
    if records == 0 && format == Some(Format::Text) {
        notes.push("no records match".to_string());
    }
    if broken > 0 {
        notes.push(format!(
            "{} could not be read; run cairn validate",
            render::count(broken, "file", "files")
        ));
    }
    if !notes.is_empty() {
        // Notes go to stderr so that stdout stays a clean listing for pipes.
        out.flush()?;
        let mut stderr = anstream::stderr();
        for note in notes {
            writeln!(stderr, "cairn: {note}")?;
        }
    }
    Ok(Outcome::Clean)
}

/// The width to fit the table to: `COLUMNS` when set, else the terminal's
/// when stdout is one, else none (a pipe gets whole lines).
fn width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(columns);
    }
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(&stdout).map(|(w, _)| usize::from(w.0))
}
