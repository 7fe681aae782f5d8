//! One module per subcommand, each with the same entry point:
//! `run(&Ctx, &Args, &mut dyn Write) -> Result<Outcome>`.

mod diff;
mod index;
mod init;
mod list;
mod log;
mod lsp;
mod new;
mod progress;
mod report;
mod schema;
mod set;
mod shell;
mod summary;
mod validate;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use cairn::cache::{self, ChangeCache};
use cairn::config::{self, Workspace};
use cairn::git::{GitError, ObjectId, Repo};
use cairn::history::{self, History};
use cairn::snapshot::ParseCache;

use crate::cli::{Cli, Command};

/// What a command found, for the exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Nothing to report (exit 0).
    Clean,
    /// Findings or differences (exit 1).
    Findings,
}

/// What every command needs: where it runs and the global flags.
pub(crate) struct Ctx {
    /// The folder cairn runs in (after `-C`).
    pub(crate) cwd: PathBuf,
    /// `--config`, resolved against the starting folder.
    pub(crate) config: Option<PathBuf>,
    /// `--no-cache`: leave `.git/cairn/` alone.
    pub(crate) no_cache: bool,
}

impl Ctx {
    /// The context for a parsed command line.
    pub(crate) fn new(cli: &Cli) -> Result<Ctx> {
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
        })
    }

    /// The workspace: its root and schema.
    pub(crate) fn workspace(&self) -> Result<Workspace> {
        let mut ws = config::load_workspace(&self.cwd, self.config.as_deref())?;
        // A project root below the top of a git work tree (a `.cairn/` in a
        // subfolder): read and print paths relative to the repository.
        if let Some(top) = Repo::discover(&ws.root)
            .ok()
            .as_ref()
            .and_then(Repo::workdir)
        {
            ws.anchor_at(top);
        }
        Ok(ws)
    }

    /// The day cairn takes as today: `CAIRN_TODAY` when set, else the local date.
    pub(crate) fn today(&self) -> Result<time::Date> {
        let var = std::env::var(cairn::calendar::TODAY_VAR).ok();
        Ok(cairn::calendar::today(var.as_deref())?)
    }

    /// The persistent cache of each commit's changes in the record folders
    /// of `ws`, unless `--no-cache`.
    pub(crate) fn change_cache(&self, repo: &Repo, ws: &Workspace) -> Option<ChangeCache> {
        (!self.no_cache)
            .then(|| ChangeCache::open(&cache::dir(repo.common_dir()), &ws.schema.dirs()))
    }

    /// The git repository cairn runs in.
    pub(crate) fn repo(&self) -> Result<Repo> {
        Ok(Repo::discover(&self.cwd)?)
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

/// Walks the history of `tip` once (see `cairn::history::walk`), with a
/// progress bar on stderr when it runs long on a terminal.
pub(crate) fn walk_history(
    ctx: &Ctx,
    repo: &Repo,
    ws: &Workspace,
    tip: &ObjectId,
    cache: &ParseCache,
    first_parent: bool,
    mention: Option<&str>,
) -> Result<History> {
    read_history(ctx, repo, ws, first_parent, mention, |options| {
        history::walk(repo, &ws.schema, tip, cache, options)
    })
}

/// Follows one record's history like `git log --follow` (see
/// `cairn::history::follow`), with the same progress bar; `None` when no
/// record at `tip` has the id.
pub(crate) fn follow_history(
    ctx: &Ctx,
    repo: &Repo,
    ws: &Workspace,
    tip: &ObjectId,
    id: &str,
    cache: &ParseCache,
    mention: Option<&str>,
) -> Result<Option<History>> {
    read_history(ctx, repo, ws, true, mention, |options| {
        history::follow(repo, &ws.schema, tip, id, cache, options)
    })
}

/// Runs one read of history with the progress bar and the change cache,
/// and saves what the read taught the cache.
fn read_history<T>(
    ctx: &Ctx,
    repo: &Repo,
    ws: &Workspace,
    first_parent: bool,
    mention: Option<&str>,
    read: impl FnOnce(&history::Options<'_>) -> Result<T, GitError>,
) -> Result<T> {
    let changes = ctx.change_cache(repo, ws);
    let progress = progress::Progress::new("reading history");
    let hook = |done: usize, total: usize| progress.update(done, total);
    let result = read(&history::Options {
        first_parent,
        mention,
        progress: Some(&hook),
        changes: changes.as_ref(),
    });
    progress.finish();
    let value = result?;
    // A cache that cannot be written costs time next run, nothing else.
    if let Some(changes) = changes {
        let _ = changes.save();
    }
    Ok(value)
}

/// A path given on the command line, relative to the workspace root with `/`.
pub(crate) fn repo_relative(ctx: &Ctx, root: &Path, path: &Path) -> Result<String> {
    let full = ctx.cwd.join(path);
    let full = std::fs::canonicalize(&full).unwrap_or(full);
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let Ok(rel) = full.strip_prefix(&root) else {
        anyhow::bail!(
            "`{}` is outside the repository `{}`; give a path inside it",
            path.display(),
            root.display()
        );
    };
    Ok(rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/"))
}
