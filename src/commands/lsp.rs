//! `cairn lsp`: serve an editor over stdin and stdout until it says `exit`.

use std::io;

use anyhow::{Context as _, Result};
use cairn::lsp::{self, Ending};

use super::{Ctx, Outcome};
use crate::cli::LspArgs;

/// Runs `cairn lsp`.
pub(crate) fn run(ctx: &Ctx, _args: &LspArgs) -> Result<Outcome> {
    let options = lsp::Options {
        start: ctx.cwd.clone(),
        config: ctx.config.clone(),
    };
    let ending = lsp::serve(&mut io::stdin().lock(), &mut io::stdout().lock(), &options)
        .context("the editor's connection failed")?;
    // The protocol asks for exit code 1 when `exit` came without `shutdown`.
    Ok(match ending {
        Ending::Clean => Outcome::Clean,
        Ending::Abrupt => Outcome::Findings,
    })
}
