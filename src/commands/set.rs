//! `cairn set ID KEY=VALUE…`: plan the edit in the library, refuse it when
//! it breaks the schema (unless `--force`), write it atomically.

use std::io::Write;

use anyhow::{Context as _, Result, bail};
use cairn::set::{self, Assignment};
use cairn::snapshot::{Loader, Select, Source};
use cairn::write;

use super::{Ctx, Outcome};
use crate::cli::SetArgs;

/// Runs `cairn set`.
pub(crate) fn run(ctx: &Ctx, args: &SetArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let assignments: Vec<Assignment> = args
        .assignments
        .iter()
        .map(|a| set::parse_assignment(a))
        .collect::<Result<_, _>>()?;
    let snapshot =
        Loader::new(&ws.schema, &ws.root).load(&Source::Worktree, Select::All, "worktree")?;
    let record = set::find(&snapshot, &args.id)?;
    let full = ws.root.join(&record.path);
    let bytes = std::fs::read(&full).with_context(|| format!("cannot read `{}`", record.path))?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("`{}` is not UTF-8; nothing was written", record.path))?;
    let plan = set::plan(&ws.schema, &snapshot, record, &text, &assignments)?;
    if !plan.problems.is_empty() && !args.force {
        let problems: Vec<String> = plan
            .problems
            .iter()
            .map(|d| format!("{} (line {}, {})", d.message, d.line, d.code))
            .collect();
        bail!(
            "refusing to edit {} in `{}`: {}; nothing was written (--force writes it anyway)",
            plan.id,
            plan.path,
            problems.join("; ")
        );
    }
    cairn::render::set_text::write(out, &plan, args.dry_run)?;
    if !args.dry_run && plan.after != plan.before {
        write::Plan::new(&ws.root)
            .replace(&full, plan.before.as_bytes(), plan.after.as_bytes())
            .apply()?;
    }
    Ok(Outcome::Clean)
}
