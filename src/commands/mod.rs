//! One module per subcommand, each with the same entry point:
//! `run(&Ctx, &Args, &mut dyn Write) -> Result<Outcome>`. Each reads its
//! flags, opens the project, makes one library call and hands the model to
//! `cairn::render::emit` in the format asked for.

mod diff;
mod index;
mod init;
mod list;
mod log;
mod lsp;
mod new;
mod report;
mod schema;
mod set;
mod shell;
mod summary;
mod validate;

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use cairn::project::Project;

use crate::cli::{Cli, Command};
use crate::progress::Bar;

/// What a command found, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing to report (exit 0).
    Clean,
    /// Findings or differences (exit 1).
    Findings,
}

impl From<bool> for Outcome {
    /// `Findings` when there are any.
    fn from(findings: bool) -> Outcome {
        if findings {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}

/// What every command needs: where it runs and the global flags.
pub(crate) struct Ctx {
    /// The folder cairn runs in (after `-C`).
    pub(crate) cwd: PathBuf,
    /// `--config`, resolved against the starting folder.
    pub(crate) config: Option<PathBuf>,
    /// `--no-cache`: leave `.git/cairn/` alone.
    pub(crate) no_cache: bool,
    /// Whether stdout keeps colours (`--color` decided against stdout).
    pub(crate) color: anstream::ColorChoice,
    /// The project, once a command asked for it.
    project: std::cell::OnceCell<Project>,
}

impl Ctx {
    /// The context for a parsed command line.
    pub(crate) fn new(cli: &Cli, color: anstream::ColorChoice) -> Result<Ctx> {
        let start = std::env::current_dir().context("cannot read the current directory")?;
        let cwd = match &cli.dir {
            Some(dir) => start.join(dir),
            None => start.clone(),
        };
        if !cwd.is_dir() {
            anyhow::bail!("`{}` is not a directory (given with -C)", cwd.display());
        }
        Ok(Ctx {
            cwd,
            config: cli.config.as_ref().map(|c| start.join(c)),
            no_cache: cli.no_cache,
            color,
            project: std::cell::OnceCell::new(),
        })
    }

    /// The project cairn runs in, with a progress bar for long history
    /// walks; opened once, and kept as long as the context is.
    pub(crate) fn project(&self) -> Result<&Project> {
        if let Some(project) = self.project.get() {
            return Ok(project);
        }
        let project = Project::open(&self.cwd, self.config.as_deref())?
            .without_cache(self.no_cache)
            .with_progress(Box::new(Bar::new("reading history")));
        Ok(self.project.get_or_init(|| project))
    }
}

/// Runs the subcommand.
pub(crate) fn run(ctx: &Ctx, command: &Command, out: &mut dyn Write) -> Result<Outcome> {
    match command {
        Command::Init(args) => init::run(ctx, args, out),
        Command::New(args) => new::run(ctx, args, out),
        Command::Validate(args) => validate::run(ctx, args, out),
        Command::Diff(args) => diff::run(ctx, args, out),
        Command::Log(args) => log::run(ctx, args, out),
        Command::Summary(args) => summary::run(ctx, args, out),
        Command::List(args) => list::run(ctx, args, out),
        Command::Set(args) => set::run(ctx, args, out),
        Command::Schema(args) => schema::run(ctx, args, out),
        Command::Completions(args) => shell::completions(args, out),
        Command::Man(args) => shell::man(args, out),
        Command::Index(args) => index::run(ctx, args, out),
        Command::Report(args) => report::run(ctx, args, out),
        Command::Lsp(args) => lsp::run(ctx, args),
    }
}
