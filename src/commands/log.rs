//! `cairn log ID`: the history of one record through every commit that
//! changed it, following renames and moves by id (`cairn::log::find`).

use std::io::Write;

use anyhow::Result;
use cairn::log::{self, Found, Request};
use cairn::render;

use super::{Ctx, Outcome};
use crate::cli::LogArgs;

/// Runs `cairn log`.
pub(crate) fn run(ctx: &Ctx, args: &LogArgs, out: &mut dyn Write) -> Result<Outcome> {
    let request = Request {
        id: &args.id,
        rev: &args.rev,
        all_parents: args.all_parents,
        code: args.code,
        patch: args.patch,
    };
    let found = log::find(ctx.project()?, &request)?;
    render::emit(args.format.into(), &found, out)?;
    Ok(Outcome::from(matches!(found, Found::Unknown { .. })))
}
