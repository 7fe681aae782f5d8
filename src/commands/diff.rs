//! `cairn diff`: what changed between two snapshots, record by record, and
//! the records that govern code changed in the same span. The revisions
//! are read by `cairn::range`, the comparison is `cairn::diff::between`.

use std::io::Write;

use anyhow::Result;
use cairn::snapshot::{Loader, ParseCache};
use cairn::{diff, range, render};

use super::{Ctx, Outcome};
use crate::cli::{DiffArgs, DiffFormat};

/// Runs `cairn diff`.
pub(crate) fn run(ctx: &Ctx, args: &DiffArgs, out: &mut dyn Write) -> Result<Outcome> {
    let repo = ctx.repo()?;
    let ws = ctx.workspace()?;
    let span = range::diff_span(&repo, &args.revs, args.cached)?;
    let cache = ParseCache::default();
    let loader = Loader::new(&ws.schema, &ws.root)
        .repo(Some(&repo))
        .cache(&cache);
    let report = diff::between(&repo, &loader, &ws.schema, &span)?;
    match args.format {
        DiffFormat::Text => render::diff_text::write(out, &report)?,
        DiffFormat::Markdown => render::diff_markdown::write(out, &report)?,
        DiffFormat::Json => render::json(out, &report)?,
    }
    Ok(if args.exit_code && !report.changes.is_empty() {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
