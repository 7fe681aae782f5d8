//! `cairn validate`: check a snapshot against the schema and, with
//! `--base`, against what the branch changed since its merge base
//! (`cairn::check::run::in_project`).

use std::io::Write;

use anyhow::Result;
use cairn::check::run::{self, Request};
use cairn::render;

use super::{Ctx, Outcome};
use crate::cli::ValidateArgs;

/// Runs `cairn validate`.
pub(crate) fn run(ctx: &Ctx, args: &ValidateArgs, out: &mut dyn Write) -> Result<Outcome> {
    let request = Request {
        rev: args.rev.as_deref(),
        cached: args.cached,
        base: args.base.as_deref(),
        new_only: args.new,
        paths: &args.paths,
    };
    let report = run::in_project(ctx.project()?, &request)?;
    render::emit(args.format.into(), &report, out)?;
    Ok(Outcome::from(report.fails(args.strict)))
}
