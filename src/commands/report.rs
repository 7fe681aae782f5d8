//! `cairn report`: the whole log at a revision as one self-contained HTML
//! file, written atomically, replacing only a file cairn wrote
//! (`cairn::report::write_file`).

use std::io::Write;

use anyhow::Result;
use cairn::render::{self, Format};
use cairn::{report, summary};

use super::{Ctx, Outcome};
use crate::cli::ReportArgs;

/// Runs `cairn report`.
pub(crate) fn run(ctx: &Ctx, args: &ReportArgs, out: &mut dyn Write) -> Result<Outcome> {
    let request = summary::Request {
        rev: &args.rev,
        all_parents: args.all_parents,
        stale_days: args.stale_days,
        ..summary::Request::default()
    };
    let written = report::write_file(ctx.project()?, &args.output, &request)?;
    render::emit(Format::Text, &written, out)?;
    Ok(Outcome::Clean)
}
