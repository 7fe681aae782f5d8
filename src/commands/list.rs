//! `cairn list`.

use std::io::Write;

use anyhow::Result;

use super::{Ctx, Outcome};
use crate::cli::ListArgs;

/// Runs `cairn list`.
pub(crate) fn run(_ctx: &Ctx, _args: &ListArgs, _out: &mut dyn Write) -> Result<Outcome> {
    anyhow::bail!("not available yet")
}
