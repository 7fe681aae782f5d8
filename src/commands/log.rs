//! `cairn log`.

use std::io::Write;

use anyhow::Result;

use super::{Ctx, Outcome};
use crate::cli::LogArgs;

/// Runs `cairn log`.
pub(crate) fn run(_ctx: &Ctx, _args: &LogArgs, _out: &mut dyn Write) -> Result<Outcome> {
    anyhow::bail!("not available yet")
}
