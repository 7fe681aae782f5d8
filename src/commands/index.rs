//! `cairn index`: write or refresh the Markdown index of the log between
//! its marker comments; `--check` only says whether it is up to date
//! (`cairn::index::update`).

use std::io::Write;

use anyhow::Result;
use cairn::index::{self, State};
use cairn::render::{self, Format};

use super::{Ctx, Outcome};
use crate::cli::IndexArgs;

/// Runs `cairn index`.
pub(crate) fn run(ctx: &Ctx, args: &IndexArgs, out: &mut dyn Write) -> Result<Outcome> {
    let refresh = index::update(ctx.project()?, args.check)?;
    render::emit(Format::Text, &refresh, out)?;
    Ok(Outcome::from(refresh.state == State::Stale))
}
