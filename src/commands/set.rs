//! `cairn set ID KEY=VALUE…`: plan the edit, refuse it when it breaks the
//! schema (unless `--force`), write it atomically (`cairn::set::edit_record`).

use std::io::Write;

use anyhow::Result;
use cairn::render::{self, Format};
use cairn::set::{self, Request};

use super::{Ctx, Outcome};
use crate::cli::SetArgs;

/// Runs `cairn set`.
pub(crate) fn run(ctx: &Ctx, args: &SetArgs, out: &mut dyn Write) -> Result<Outcome> {
    let request = Request {
        id: &args.id,
        assignments: &args.assignments,
        force: args.force,
        dry_run: args.dry_run,
    };
    let plan = set::edit_record(ctx.project()?, &request)?;
    render::emit(Format::Text, &plan, out)?;
    Ok(Outcome::Clean)
}
