//! `cairn diff`.

use std::io::Write;

use anyhow::Result;

use super::{Ctx, Outcome};
use crate::cli::DiffArgs;

/// Runs `cairn diff`.
pub(crate) fn run(_ctx: &Ctx, _args: &DiffArgs, _out: &mut dyn Write) -> Result<Outcome> {
    anyhow::bail!("not available yet")
}
