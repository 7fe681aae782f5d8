//! `cairn new KIND TITLE`: create a record from its template with the next
//! free id, and with `--supersedes` mark the old decision superseded
//! (`cairn::new::in_project`).

use std::io::Write;

use anyhow::Result;
use cairn::new::{self, Request};
use cairn::render::{self, Format, formats};

use super::{Ctx, Outcome};
use crate::cli::NewArgs;

/// Runs `cairn new`.
pub(crate) fn run(ctx: &Ctx, args: &NewArgs, out: &mut dyn Write) -> Result<Outcome> {
    let request = Request {
        kind: &args.kind,
        title: &args.title,
        date: args.date.as_deref(),
        supersedes: args.supersedes.as_deref(),
    };
    let created = new::in_project(ctx.project()?, &request)?;
    // stdout carries only the new path, for `$EDITOR "$(cairn new …)"`.
    formats::superseded_note(&mut anstream::stderr(), &created)?;
    render::emit(Format::Text, &created, out)?;
    Ok(Outcome::Clean)
}
