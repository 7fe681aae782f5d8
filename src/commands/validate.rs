//! `cairn validate`: check a snapshot against the schema and, with
//! `--base`, against what the branch changed since its merge base.

use std::io::Write;

use anyhow::Result;
use cairn::check::history::Head;
use cairn::check::{self, Report};
use cairn::diagnostic::Severity;
use cairn::render;
use cairn::snapshot::{Loader, ParseCache, Source};

use super::{Ctx, Outcome, Side, load, repo_relative};
use crate::cli::{ValidateArgs, ValidateFormat};

/// Runs `cairn validate`.
pub(crate) fn run(ctx: &Ctx, args: &ValidateArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let needs_git = args.rev.is_some() || args.cached || args.base.is_some();
    let repo = if needs_git { Some(ctx.repo()?) } else { None };
    let side = match (&args.rev, args.cached) {
        (Some(rev), _) => Side::Rev(rev.clone()),
        (None, true) => Side::Index,
        (None, false) => Side::Worktree,
    };
    let cache = ParseCache::default();
    let loaded = load(&ws, repo.as_ref(), &side, Some(&cache))?;
    let today = ctx.today()?;
    let mut diagnostics =
        check::validate(&ws.schema, &loaded.snapshot, loaded.tree.as_ref(), today);
    let mut old = None;
    if let (Some(base), Some(repo)) = (&args.base, repo.as_ref()) {
        let head = match &side {
            Side::Rev(rev) => Head::Rev(rev.clone()),
            Side::Index => Head::Index,
            Side::Worktree => Head::Worktree,
        };
        let found =
            check::history::against_base(repo, &ws.schema, base, &head, &loaded.snapshot, &cache)?;
        if args.new {
            let tree = Loader::of_repo(&ws.schema, repo)
                .tree(&Source::Commit(found.merge_base.clone()))?;
            old = Some(check::validate(
                &ws.schema,
                &found.before,
                tree.as_ref(),
                today,
            ));
        }
        diagnostics.extend(found.findings);
    }
    let filters: Vec<String> = args
        .paths
        .iter()
        .map(|p| repo_relative(ctx, &ws.root, p))
        .collect::<Result<_>>()?;
    // A typo in a CI script must not pass as "0 records"; a kind's folder
    // (or one above it) that holds no records yet is no typo.
    let kind_folder = |path: &str| {
        ws.schema.dirs().iter().any(|dir| {
            dir == path
                || dir
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    for (given, path) in args.paths.iter().zip(&filters) {
        if !path.is_empty() && !loaded.tree.exists(path) && !kind_folder(path) {
            anyhow::bail!(
                "`{}` does not exist in the {}; check the path",
                given.display(),
                match &side {
                    Side::Worktree => "working tree".to_string(),
                    Side::Index => "index".to_string(),
                    Side::Rev(rev) => format!("revision `{rev}`"),
                }
            );
        }
    }
    let selected = |file: &str| {
        filters.is_empty()
            || filters.iter().any(|f| {
                f.is_empty()
                    || file == f
                    || file
                        .strip_prefix(f.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
    };
    let snapshot = &loaded.snapshot;
    let records = snapshot
        .records
        .iter()
        .map(|r| r.path.as_str())
        .chain(snapshot.broken.iter().map(|b| b.path.as_str()))
        .filter(|p| selected(p))
        .count();
    let mut report = Report::new(records, diagnostics).retain_files(selected, records);
    if let Some(old) = old {
        report = report.without_old(&old);
    }
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
