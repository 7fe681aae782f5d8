//! `cairn log ID`: the history of one record through every commit that
//! changed it, following renames and moves by id. On the first-parent chain
//! it walks like `git log --follow`, reading only the commits that touch
//! the record's paths; a record no longer at the revision, or
//! `--all-parents`, takes one walk over all history. With `--code`, the
//! commits whose message names it are found too.

use std::io::Write;

use anyhow::Result;
use cairn::diagnostic::did_you_mean_id;
use cairn::render;
use cairn::snapshot::ParseCache;

use super::{Ctx, Outcome, follow_history, walk_history};
use crate::cli::{LogArgs, LogFormat};

/// Runs `cairn log`.
pub(crate) fn run(ctx: &Ctx, args: &LogArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let repo = ctx.repo()?;
    let tip = repo.resolve(&args.rev)?;
    let cache = ParseCache::default();
    let mention = args.code.then_some(args.id.as_str());
    let followed = if args.all_parents {
        None
    } else {
        follow_history(ctx, &repo, &ws, &tip, &args.id, &cache, mention)?
    };
    let history = match followed {
        Some(history) => history,
        None => walk_history(ctx, &repo, &ws, &tip, &cache, !args.all_parents, mention)?,
    };
    let Some(log) = history.log(&args.id, args.code, args.patch) else {
        let ids = history.ids();
        let hint = match did_you_mean_id(&args.id, ids.iter().copied()) {
            Some(near) => format!("; did you mean {near}?"),
            None => String::new(),
        };
        writeln!(out, "no record has the id {}{hint}", render::term(&args.id))?;
        return Ok(Outcome::Findings);
    };
    match args.format {
        LogFormat::Text => render::log_text::write(out, &log)?,
        LogFormat::Json => render::json(out, &log)?,
    }
    Ok(Outcome::Clean)
}
