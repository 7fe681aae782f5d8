//! `cairn summary`: the research log at a revision, from its snapshot and
//! one history walk; with `--since` or `--range`, also what changed in that
//! span, compared as `cairn diff` compares.

use std::io::Write;

use anyhow::Result;
use cairn::calendar;
use cairn::diff;
use cairn::git::ObjectId;
use cairn::snapshot::{Loader, ParseCache, Select, Snapshot, Source};
use cairn::summary::{self, Span};
use cairn::{range, render};

use super::{Ctx, Outcome, walk_history};
use crate::cli::{SummaryArgs, SummaryFormat};

/// Runs `cairn summary`.
pub(crate) fn run(ctx: &Ctx, args: &SummaryArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let repo = ctx.repo()?;
    let tip = repo.resolve(&args.rev)?;
    let at = repo.commit(&tip)?;
    let cache = ParseCache::default();
    // Snapshots of commits share one parse cache with the history walk.
    let loader = Loader::new(&ws.schema, &ws.root)
        .repo(Some(&repo))
        .cache(&cache);
    let at_commit =
        |id: &ObjectId, label: &str| loader.load(&Source::Commit(id.clone()), Select::All, label);
    let snapshot = at_commit(&tip, &args.rev)?;
    let history = walk_history(ctx, &repo, &ws, &tip, &cache, !args.all_parents, None)?;
    let today = ctx.today()?;
    let options = summary::Options {
        stale_days: args.stale_days,
        today: Some(today),
        ..summary::Options::default()
    };
    let mut model = summary::summarize(&ws.schema, &args.rev, &at, &snapshot, &history, &options);
    let span = match (&args.since, &args.range) {
        (Some(spec), _) => {
            let since = calendar::since(spec, today)?
                .midnight()
                .assume_utc()
                .unix_timestamp();
            // The last commit of the walk before that day is the earlier side.
            let from = history.commits.iter().find(|c| c.time < since);
            let before = match from {
                Some(c) => at_commit(&c.id, c.id.short())?,
                None => Snapshot::default(),
            };
            let label = from.map_or_else(|| "empty".to_string(), |c| c.id.to_string());
            Some((label, tip.to_string(), before, snapshot))
        }
        (None, Some(spec)) => {
            let (from, to, to_label) = range::commits(&repo, spec)?;
            let before = at_commit(&from, from.short())?;
            let after = at_commit(&to, to_label)?;
            Some((from.to_string(), to.to_string(), before, after))
        }
        (None, None) => None,
    };
    if let Some((from, to, before, after)) = span {
        let changes = diff::compare(&ws.schema, &before, &after);
        model.span = Some(Span {
            from,
            to,
            sentence: diff::sentence(&changes),
            changes,
        });
    }
    match args.format {
        SummaryFormat::Markdown => render::summary_markdown::write(out, &model)?,
        SummaryFormat::Text => render::summary_text::write(out, &model)?,
        SummaryFormat::Json => render::json(out, &model)?,
    }
    Ok(Outcome::Clean)
}
