//! `cairn report`: the whole log at a revision as one self-contained HTML
//! file — the summary's model, every record and every status change — written
//! through the same atomic path as `new`, replacing only a file cairn wrote.

use std::io::Write;

use anyhow::{Context as _, Result, bail};
use cairn::render::report_html::{self, MARK};
use cairn::report;
use cairn::snapshot::{Loader, ParseCache, Select, Source};
use cairn::summary;
use cairn::write::Plan;

use super::{Ctx, Outcome, walk_history};
use crate::cli::ReportArgs;

/// Runs `cairn report`.
pub(crate) fn run(ctx: &Ctx, args: &ReportArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let target = ctx.cwd.join(&args.output);
    let shown = args.output.display();
    if target.is_dir() {
        bail!("`{shown}` is a folder; give -o a file name, e.g. -o {shown}/cairn-report.html");
    }
    let existing = match std::fs::read(&target) {
        Ok(bytes) => {
            if !bytes.starts_with(MARK.as_bytes()) {
                bail!(
                    "`{shown}` exists and was not written by cairn report; choose another -o FILE or remove it"
                );
            }
            Some(bytes)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("cannot read `{shown}`")),
    };
    let repo = ctx.repo()?;
    let tip = repo.resolve(&args.rev)?;
    let at = repo.commit(&tip)?;
    let cache = ParseCache::default();
    let loader = Loader::new(&ws.schema, &ws.root)
        .repo(Some(&repo))
        .cache(&cache);
    let snapshot = loader.load(&Source::Commit(tip.clone()), Select::All, &args.rev)?;
    let history = walk_history(ctx, &repo, &ws, &tip, &cache, !args.all_parents, None)?;
    let options = summary::Options {
        stale_days: args.stale_days,
        today: Some(ctx.today()?),
        ..summary::Options::default()
    };
    let summary = summary::summarize(&ws.schema, &args.rev, &at, &snapshot, &history, &options);
    let model = report::build(&ws.schema, &snapshot, &history, summary);
    let mut html = Vec::new();
    report_html::write(&mut html, &model)?;

    // Writes inside the repository are held to it; a file outside it (a
    // site folder in CI) is the user's explicit choice.
    let parent = target.parent().context("the output has no folder")?;
    let parent = std::fs::canonicalize(parent)
        .with_context(|| format!("cannot write `{shown}`: its folder does not exist"))?;
    let root = std::fs::canonicalize(&ws.root).unwrap_or_else(|_| ws.root.clone());
    let file = parent.join(target.file_name().context("the output has no file name")?);
    let mut plan = Plan::new(if parent.starts_with(&root) {
        &root
    } else {
        &parent
    });
    match &existing {
        Some(old) => plan.replace(&file, old.clone(), html),
        None => plan.create(&file, html),
    };
    plan.apply()?;
    writeln!(out, "wrote {shown} ({} records)", model.records.len())?;
    Ok(Outcome::Clean)
}
