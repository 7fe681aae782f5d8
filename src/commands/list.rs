//! `cairn list`: the records of a snapshot, filtered and sorted by
//! `cairn::list`, as a table, JSON or bare paths.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use cairn::list::{Filter, Listing, SortKey, select};
use cairn::render;
use cairn::snapshot::Loader;

use super::{Ctx, Outcome};
use crate::cli::{ListArgs, ListFormat};

/// Runs `cairn list`.
pub(crate) fn run(ctx: &Ctx, args: &ListArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let filter = Filter::new(
        &ws.schema,
        &args.kind,
        &args.status,
        &args.tag,
        &args.conditions,
    )?;
    let key = SortKey::parse(&args.sort)?;
    let (repo, rev) = match &args.rev {
        Some(rev) => (Some(ctx.repo()?), Some(rev.as_str())),
        None => (None, None),
    };
    let snapshot = &Loader::new(&ws.schema, &ws.root)
        .repo(repo.as_ref())
        .at(rev)?;
    filter.check(&ws.schema, &snapshot.records)?;
    let records = select(&snapshot.records, &filter, &key);
    let format = match (args.null, args.format) {
        (true, ListFormat::Table | ListFormat::Paths) => ListFormat::Paths,
        (true, ListFormat::Json) => anyhow::bail!("-z goes with `--format paths`, not json"),
        (false, format) => format,
    };
    match format {
        ListFormat::Paths if args.null => {
            // Exact bytes: straight to stdout, past the colour stream that
            // strips control characters (NUL among them) for pipes.
            out.flush()?;
            let mut raw = std::io::stdout().lock();
            for record in &records {
                raw.write_all(record.path.as_bytes())?;
                raw.write_all(b"\0")?;
            }
            raw.flush()?;
        }
        ListFormat::Table => {
            let listing = Listing::new(records.iter().copied());
            if !listing.records.is_empty() {
                render::list_table::write(out, &listing.records, width())?;
            }
        }
        ListFormat::Json => render::json(out, &Listing::new(records.iter().copied()))?,
        ListFormat::Paths => {
            for record in &records {
                writeln!(out, "{}", render::quoted_path(&record.path))?;
            }
        }
    }
    let broken = snapshot
        .broken
        .iter()
        .filter(|b| filter.keeps_kind(&b.kind))
        .count();
    let mut notes = Vec::new();
    if records.is_empty() && format == ListFormat::Table {
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
