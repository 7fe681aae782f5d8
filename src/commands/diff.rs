//! `cairn diff`: what changed between two snapshots, record by record, and
//! the records that govern code changed in the same span
//! (`cairn::diff::of_revisions`).

use std::io::Write;

use anyhow::Result;
use cairn::{diff, render};

use super::{Ctx, Outcome};
use crate::cli::DiffArgs;

/// Runs `cairn diff`.
pub(crate) fn run(ctx: &Ctx, args: &DiffArgs, out: &mut dyn Write) -> Result<Outcome> {
    let report = diff::of_revisions(ctx.project()?, &args.revs, args.cached)?;
    render::emit(args.format.into(), &report, out)?;
    Ok(Outcome::from(args.exit_code && !report.changes.is_empty()))
}
