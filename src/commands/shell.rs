//! `cairn completions SHELL` and `cairn man`: generated from the command
//! line's own definition, so they never drift from `--help`.

use std::io::Write;

use anyhow::{Context as _, Result};
use clap::CommandFactory;

use super::Outcome;
use crate::cli::{Cli, CompletionsArgs, ManArgs};

/// Prints the completion script for one shell.
pub(crate) fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<Outcome> {
    // The generators panic when a write fails (a closed pipe): generate in
    // memory, then write, so a failed write is an ordinary error.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "cairn", &mut script);
    out.write_all(&script)?;
    Ok(Outcome::Clean)
}

/// Prints the man page, cairn(1), in roff.
pub(crate) fn man(_args: &ManArgs, out: &mut dyn Write) -> Result<Outcome> {
    clap_mangen::Man::new(Cli::command())
        .render(out)
        .context("cannot write the man page")?;
    Ok(Outcome::Clean)
}
