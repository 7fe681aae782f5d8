//! `cairn init`: write the built-in schema to `.cairn/config.yaml` and
//! create the record folders. Never overwrites.

use std::io::Write;

use anyhow::{Context as _, Result};
use cairn::config::{self, BUILTIN, CONFIG_PATH};
use cairn::write::create_new;

use super::{Ctx, Outcome};
use crate::cli::InitArgs;

/// Runs `cairn init`.
pub(crate) fn run(ctx: &Ctx, _args: &InitArgs, out: &mut dyn Write) -> Result<Outcome> {
    let root = config::find_root(&ctx.cwd);
    let path = root.join(CONFIG_PATH);
    if path.exists() {
        anyhow::bail!(
            "`{}` already exists; cairn init never overwrites it (edit it, or delete it first to start again)",
            path.display()
        );
    }
    let schema = config::builtin();
    let dir = path
        .parent()
        .context("the configuration path has no folder")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    create_new(&path, BUILTIN.as_bytes())?;
    writeln!(out, "created {CONFIG_PATH}")?;
    for kind in &schema.kinds {
        let folder = root.join(&kind.dir);
        if !folder.is_dir() {
            std::fs::create_dir_all(&folder)
                .with_context(|| format!("cannot create `{}`", folder.display()))?;
            writeln!(out, "created {}/", kind.dir)?;
        }
    }
    writeln!(
        out,
        "next: cairn new experiment \"What you want to find out\""
    )?;
    Ok(Outcome::Clean)
}
