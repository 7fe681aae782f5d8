//! `cairn summary`.

use std::io::Write;

use anyhow::Result;

use super::{Ctx, Outcome};
use crate::cli::SummaryArgs;

/// Runs `cairn summary`.
pub(crate) fn run(_ctx: &Ctx, _args: &SummaryArgs, _out: &mut dyn Write) -> Result<Outcome> {
    anyhow::bail!("not available yet")
}
