//! `cairn new KIND TITLE`: create a record from its template with the next
//! free id, and with `--supersedes` mark the old decision superseded. The
//! work is `cairn::new::create`.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use cairn::git::Repo;
use cairn::new::{self, Request};

use super::{Ctx, Outcome};
use crate::cli::NewArgs;

/// Runs `cairn new`.
pub(crate) fn run(ctx: &Ctx, args: &NewArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let repo = Repo::discover(&ws.root).ok();
    let request = Request {
        kind: &args.kind,
        title: &args.title,
        date: args.date.as_deref(),
        supersedes: args.supersedes.as_deref(),
    };
    let created = new::create(&ws, repo.as_ref(), &request, &|| {
        let var = std::env::var(cairn::calendar::TODAY_VAR).ok();
        cairn::calendar::today(var.as_deref())
    })?;
    if let Some(old) = &created.superseded {
        // stdout carries only the new path, for `$EDITOR "$(cairn new …)"`.
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "{}: status {} → {}, {}: {}",
                old.old_id, old.old_status, old.status, old.back_key, created.id
            );
        }
    }
    writeln!(out, "{}", shown(ctx, &created.path))?;
    Ok(Outcome::Clean)
}

/// A path as the user should see it: relative to where they are, if inside.
fn shown(ctx: &Ctx, path: &Path) -> String {
    let cwd = std::fs::canonicalize(&ctx.cwd).unwrap_or_else(|_| ctx.cwd.clone());
    let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    full.strip_prefix(&cwd)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| full.display().to_string())
}
