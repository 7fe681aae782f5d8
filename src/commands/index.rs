//! `cairn index`: write or refresh the Markdown index of the log between
//! its marker comments; `--check` only says whether it is up to date.

use std::io::Write;

use anyhow::{Context as _, Result, bail};
use cairn::index;
use cairn::snapshot::Loader;
use cairn::write::Plan;

use super::{Ctx, Outcome};
use crate::cli::IndexArgs;

/// Runs `cairn index`.
pub(crate) fn run(ctx: &Ctx, args: &IndexArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let rel = ws.schema.index.clone();
    let path = ws.root.join(&rel);
    if path
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink())
    {
        bail!(
            "`{rel}` is a symlink; cairn index writes only a regular file (set `index:` in .cairn/config.yaml to another path)"
        );
    }
    let existing = match std::fs::read(&path) {
        Ok(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
            anyhow::anyhow!("`{rel}` is not UTF-8 text; cairn index does not rewrite it")
        })?),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(err).with_context(|| format!("cannot read `{rel}`")),
    };
    let snapshot = Loader::new(&ws.schema, &ws.root).at(None)?;
    let model = index::build(&ws.schema, &snapshot, &rel);
    let text = index::refresh(&model, existing.as_deref()).with_context(|| format!("`{rel}`"))?;
    if existing.as_deref() == Some(text.as_str()) {
        writeln!(out, "{rel} is up to date")?;
        return Ok(Outcome::Clean);
    }
    if args.check {
        writeln!(out, "{rel} is stale; run `cairn index` to refresh it")?;
        return Ok(Outcome::Findings);
    }
    let mut plan = Plan::new(&ws.root);
    match &existing {
        Some(old) => plan.replace(&path, old.as_bytes(), text.as_bytes()),
        None => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
            }
            plan.create(&path, text.as_bytes())
        }
    };
    plan.apply()?;
    let done = if existing.is_some() {
        "updated"
    } else {
        "created"
    };
    writeln!(out, "{done} {rel}")?;
    Ok(Outcome::Clean)
}
