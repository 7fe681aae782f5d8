//! `cairn summary`: the research log at a revision, from its snapshot and
//! one history walk; with `--since` or `--range`, also what changed in that
//! span (`cairn::summary::at_revision`).

use std::io::Write;

use anyhow::Result;
use cairn::render;
use cairn::summary::{self, Request};

use super::{Ctx, Outcome};
use crate::cli::SummaryArgs;

/// Runs `cairn summary`.
pub(crate) fn run(ctx: &Ctx, args: &SummaryArgs, out: &mut dyn Write) -> Result<Outcome> {
    let request = Request {
        rev: &args.rev,
        all_parents: args.all_parents,
        stale_days: args.stale_days,
        since: args.since.as_deref(),
        range: args.range.as_deref(),
    };
    let model = summary::at_revision(ctx.project()?, &request)?;
    render::emit(args.format.into(), &model, out)?;
    Ok(Outcome::Clean)
}
