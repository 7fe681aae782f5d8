//! `cairn init`: write the built-in schema to `.cairn/config.yaml` and
//! create the record folders (`cairn::config::init`). Never overwrites.

use std::io::Write;

use anyhow::Result;
use cairn::config;
use cairn::render::{self, Format};

use super::{Ctx, Outcome};
use crate::cli::InitArgs;

/// Runs `cairn init`.
pub(crate) fn run(ctx: &Ctx, _args: &InitArgs, out: &mut dyn Write) -> Result<Outcome> {
    render::emit(Format::Text, &config::init(&ctx.cwd)?, out)?;
    Ok(Outcome::Clean)
}
