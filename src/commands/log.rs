//! `cairn log ID`: the history of one record through every commit that
//! changed it, following renames and moves by id, from one history walk
//! (which also finds, with `--code`, the commits whose message names it).

use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::Result;
use cairn::diagnostic::did_you_mean;
use cairn::history::{self, Options};
use cairn::render;
use cairn::snapshot::ParseCache;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Ctx, Outcome};
use crate::cli::{LogArgs, LogFormat};

/// Runs `cairn log`.
pub(crate) fn run(ctx: &Ctx, args: &LogArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let repo = ctx.repo()?;
    let tip = repo.resolve(&args.rev)?;
    let cache = ParseCache::default();
    let progress = Progress::new("reading history");
    let hook = |done: usize, total: usize| progress.update(done, total);
    let history = history::walk(
        &repo,
        &ws.schema,
        &tip,
        &cache,
        &Options {
            first_parent: !args.all_parents,
            mention: args.code.then_some(args.id.as_str()),
            progress: Some(&hook),
        },
    )?;
    progress.finish();
    let Some(log) = history.log(&args.id, args.code, args.patch) else {
        let ids = history.ids();
        let hint = match did_you_mean(&args.id, ids.iter().copied()) {
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

/// A progress bar on stderr for a long history walk: drawn only when
/// stderr is a terminal, and only once the walk has taken 300 ms.
pub(crate) struct Progress {
    started: Instant,
    message: &'static str,
    terminal: bool,
    bar: RefCell<Option<ProgressBar>>,
}

impl Progress {
    /// A bar that has not appeared yet.
    pub(crate) fn new(message: &'static str) -> Progress {
        Progress {
            started: Instant::now(),
            message,
            terminal: std::io::stderr().is_terminal(),
            bar: RefCell::new(None),
        }
    }

    /// Moves the bar to `done` of `total`.
    pub(crate) fn update(&self, done: usize, total: usize) {
        if !self.terminal || self.started.elapsed() < Duration::from_millis(300) {
            return;
        }
        let mut bar = self.bar.borrow_mut();
        let bar = bar.get_or_insert_with(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} commits ({eta})")
            {
                bar.set_style(style);
            }
            bar.set_message(self.message);
            bar
        });
        bar.set_position(done as u64);
    }

    /// Removes the bar, if it appeared.
    pub(crate) fn finish(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}
