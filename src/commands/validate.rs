//! `cairn validate`: check a snapshot against the schema and, with
//! `--base`, against what the branch changed since its merge base. The
//! work is `cairn::check::run`.

use std::io::Write;

use anyhow::Result;
use cairn::check::history::Head;
use cairn::check::run::{self, Options};
use cairn::diagnostic::Severity;
use cairn::render;

use super::{Ctx, Outcome, repo_relative};
use crate::cli::{ValidateArgs, ValidateFormat};

/// Runs `cairn validate`.
pub(crate) fn run(ctx: &Ctx, args: &ValidateArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let needs_git = args.rev.is_some() || args.cached || args.base.is_some();
    let repo = if needs_git { Some(ctx.repo()?) } else { None };
    let head = match (&args.rev, args.cached) {
        (Some(rev), _) => Head::Rev(rev.clone()),
        (None, true) => Head::Index,
        (None, false) => Head::Worktree,
    };
    let paths: Vec<(String, String)> = args
        .paths
        .iter()
        .map(|p| Ok((p.display().to_string(), repo_relative(ctx, &ws.root, p)?)))
        .collect::<Result<_>>()?;
    let options = Options {
        base: args.base.as_deref(),
        new_only: args.new,
        paths: &paths,
        today: ctx.today()?,
    };
    let report = run::run(&ws.schema, &ws.root, repo.as_ref(), &head, &options)?;
    match args.format {
        ValidateFormat::Text => render::validate_text::write(out, &report)?,
        ValidateFormat::Json => render::json(out, &report)?,
        ValidateFormat::Github => render::github::write(out, &report)?,
        ValidateFormat::Sarif => render::sarif::write(out, &report)?,
    }
    let failing = report
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error || args.strict);
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
