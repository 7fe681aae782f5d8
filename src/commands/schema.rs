//! `cairn schema`: the schema in force, readable or as JSON Schema.

use std::io::Write;

use anyhow::Result;
use cairn::json_schema::Shown;
use cairn::render;

use super::{Ctx, Outcome};
use crate::cli::SchemaArgs;

/// Runs `cairn schema`.
pub(crate) fn run(ctx: &Ctx, args: &SchemaArgs, out: &mut dyn Write) -> Result<Outcome> {
    let project = ctx.project()?;
    let shown = Shown::of(project.schema(), args.kind.as_deref())?;
    render::emit(args.format.into(), &shown, out)?;
    Ok(Outcome::Clean)
}
