//! The project a command runs in, opened once: the workspace (its root and
//! schema, from `.cairn/config.yaml`) and the git repository that holds it.
//! Every use case — `diff::of_revisions`, `summary::at_revision`,
//! `index::update`, … — takes a [`Project`], so a front end (the binary, an
//! editor) never names the git layer: it opens the project, calls one
//! function and renders what comes back.
//!
//! The project also holds what those use cases share: snapshot loaders
//! wired to the repository, history walks through the change cache in
//! `.git/cairn/` with a progress hook, paths given on a command line made
//! repository-relative, and today's date.

use std::io;
use std::path::{Path, PathBuf};

use time::Date;

use crate::cache::{
    self, BlobCache, ChangeCache, CoversCache, FollowCache, FrontCache, OutlineCache, ResultCache,
    WorktreeCache,
};
use crate::calendar::{self, CalendarError};
use crate::check::run::RunError;
use crate::config::{self, ConfigError, Workspace};
use crate::git::{GitError, ObjectId, Reading, Repo};
use crate::history::{self, Detail, History, Known};
use crate::index::SpliceError;
use crate::list::ListError;
use crate::new::NewError;
use crate::range::RangeError;
use crate::schema::Schema;
use crate::set::SetError;
use crate::snapshot::{Loader, ParseCache};
use crate::write::WriteError;

/// Why a use case could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Reading the repository failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// Revisions that name no span.
    #[error(transparent)]
    Range(#[from] RangeError),
    /// A date or span that cannot be read.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// A filter or sort that cannot be used.
    #[error(transparent)]
    List(#[from] ListError),
    /// A record that cannot be created.
    #[error(transparent)]
    New(#[from] NewError),
    /// An edit that cannot be made.
    #[error(transparent)]
    Set(#[from] SetError),
    /// Validation that could not run.
    #[error(transparent)]
    Check(#[from] RunError),
    /// A write that failed; nothing of it was left half done.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The index file's markers are out of order.
    #[error("`{path}`")]
    Splice {
        /// The index file.
        path: String,
        /// What is wrong with its markers.
        #[source]
        source: SpliceError,
    },
    /// A file or folder that cannot be read or made.
    #[error("{context}")]
    Io {
        /// What was being done, and to which path.
        context: String,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// A request refused as it stands, with what to do instead.
    #[error("{0}")]
    Refused(String),
}

impl Error {
    /// An I/O failure while doing `context` (which names the path).
    pub fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Told how far a long history walk has gone; the library never prints,
/// so a front end draws it (the binary's bar on stderr).
pub trait Progress {
    /// A walk begins.
    fn start(&self) {}
    /// `done` of `total` commits are read.
    fn update(&self, done: usize, total: usize);
    /// The walk is over.
    fn finish(&self);
}

/// The workspace and its repository, opened once.
pub struct Project {
    cwd: PathBuf,
    workspace: Workspace,
    repo: Option<Repo>,
    no_cache: bool,
    progress: Option<Box<dyn Progress>>,
}

impl Project {
    /// Opens the project `cwd` lies in: loads its configuration (`config`
    /// overrides the file) and finds its repository, if any. A project
    /// root below the top of a git work tree (a `.cairn/` in a subfolder)
    /// is anchored at the top: every path cairn reads or prints is then
    /// relative to the repository, as git's are.
    pub fn open(cwd: &Path, config: Option<&Path>) -> Result<Project, ConfigError> {
        let mut workspace = config::load_workspace(cwd, config)?;
        let repo = Repo::discover(cwd).ok();
        if let Some(top) = repo.as_ref().and_then(Repo::workdir) {
            workspace.anchor_at(top);
        }
        Ok(Project {
            cwd: cwd.to_path_buf(),
            workspace,
            repo,
            no_cache: false,
            progress: None,
        })
    }

    /// The workspace and the repository, for a caller that keeps them
    /// itself (the language server).
    pub fn into_parts(self) -> (Workspace, Option<Repo>) {
        (self.workspace, self.repo)
    }

    /// Leaves the cache in `.git/cairn/` alone (`--no-cache`).
    #[must_use]
    pub fn without_cache(mut self, no_cache: bool) -> Project {
        self.no_cache = no_cache;
        self
    }

    /// Reports the progress of long history walks to `progress`.
    #[must_use]
    pub fn with_progress(mut self, progress: Box<dyn Progress>) -> Project {
        self.progress = Some(progress);
        self
    }

    /// The workspace: root, configuration file and schema.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    /// The schema in force.
    pub fn schema(&self) -> &Schema {
        &self.workspace.schema
    }

    /// The folder records are found from (the top of the work tree).
    pub fn root(&self) -> &Path {
        &self.workspace.root
    }

    /// The repository; an error naming the folder when there is none.
    pub fn repo(&self) -> Result<&Repo, GitError> {
        match &self.repo {
            Some(repo) => Ok(repo),
            None => {
                Err(Repo::discover(&self.cwd)
                    .err()
                    .unwrap_or_else(|| GitError::NotARepository {
                        path: self.cwd.clone(),
                    }))
            }
        }
    }

    /// The repository, when there is one.
    pub fn git(&self) -> Option<&Repo> {
        self.repo.as_ref()
    }

    /// A loader of this project's snapshots: the working tree, the index,
    /// commits.
    pub fn loader(&self) -> Loader<'_> {
        Loader::new(self.schema(), self.root()).repo(self.repo.as_ref())
    }

    /// The day cairn takes as today: `CAIRN_TODAY` when set, else the local date.
    pub fn today(&self) -> Result<Date, CalendarError> {
        let var = std::env::var(calendar::TODAY_VAR).ok();
        calendar::today(var.as_deref())
    }

    /// Walks the history of `tip` once (see [`history::walk`]), with
    /// what the caller `known` of some blobs already.
    pub fn walk_history(
        &self,
        tip: &ObjectId,
        cache: &ParseCache,
        first_parent: bool,
        mention: Option<&str>,
        detail: Detail,
        known: Option<&Known>,
    ) -> Result<History, GitError> {
        let repo = self.repo()?;
        repo.read_for(Reading::Walk);
        self.read_history(first_parent, mention, detail, known, |options| {
            history::walk(repo, self.schema(), tip, cache, options)
        })
    }

    /// Follows one record's history like `git log --follow` (see
    /// [`history::follow`]); `None` when no record at `tip` has the id.
    pub fn follow_history(
        &self,
        tip: &ObjectId,
        id: &str,
        cache: &ParseCache,
        mention: Option<&str>,
        detail: Detail,
    ) -> Result<Option<History>, GitError> {
        let repo = self.repo()?;
        repo.read_for(Reading::Follow);
        self.read_history(true, mention, detail, None, |options| {
            history::follow(repo, self.schema(), tip, id, cache, options)
        })
    }

    /// Runs one read of history with the progress hook and the change
    /// cache, and saves what the read taught the cache.
    fn read_history<T>(
        &self,
        first_parent: bool,
        mention: Option<&str>,
        detail: Detail,
        known: Option<&Known>,
        read: impl FnOnce(&history::Options<'_>) -> Result<T, GitError>,
    ) -> Result<T, GitError> {
        let changes = self.change_cache()?;
        let blobs = self.blob_cache()?;
        let follows = self
            .cache_dir()?
            .map(|dir| FollowCache::open(&dir, self.schema()));
        if let Some(progress) = &self.progress {
            progress.start();
        }
        let hook = |done: usize, total: usize| {
            if let Some(progress) = &self.progress {
                progress.update(done, total);
            }
        };
        let result = read(&history::Options {
            first_parent,
            mention,
            progress: Some(&hook),
            changes: changes.as_ref(),
            blobs: blobs.as_ref(),
            follows: follows.as_ref(),
            detail,
            known,
        });
        if let Some(progress) = &self.progress {
            progress.finish();
        }
        let value = result?;
        // A cache that cannot be written costs time next run, nothing else.
        if let Some(changes) = changes {
            let _ = changes.save();
        }
        if let Some(blobs) = blobs {
            let _ = blobs.save();
        }
        if let Some(follows) = follows {
            let _ = follows.save();
        }
        Ok(value)
    }

    /// The cache of record front matter in `.git/cairn/`, unless
    /// `--no-cache`.
    pub(crate) fn front_cache(&self) -> Result<Option<FrontCache>, GitError> {
        let repo = self.repo()?;
        Ok((!self.no_cache)
            .then(|| FrontCache::open(&cache::dir(repo.common_dir()), self.schema())))
    }

    /// The cache of record outlines in `.git/cairn/`, unless `--no-cache`
    /// or outside a repository.
    pub(crate) fn outline_cache(&self) -> Option<OutlineCache> {
        let repo = self.repo.as_ref().filter(|_| !self.no_cache)?;
        Some(OutlineCache::open(&cache::dir(repo.common_dir())))
    }

    /// The stat cache of the working tree's record files, in this work
    /// tree's own git directory, unless `--no-cache`, outside a repository
    /// or in a bare one.
    pub(crate) fn worktree_cache(&self) -> Option<WorktreeCache> {
        let repo = self.repo.as_ref().filter(|_| !self.no_cache)?;
        repo.workdir()?;
        Some(WorktreeCache::open(
            &cache::dir(repo.git_dir()),
            self.root(),
        ))
    }

    /// The last answers of `validate` and `list`, in this work tree's own
    /// git directory, unless `--no-cache` or outside a repository.
    pub(crate) fn result_cache(&self) -> Option<ResultCache> {
        let repo = self.repo.as_ref().filter(|_| !self.no_cache)?;
        Some(ResultCache::open(&cache::dir(repo.git_dir())))
    }

    /// The cache folder in the common git directory, unless `--no-cache`.
    fn cache_dir(&self) -> Result<Option<PathBuf>, GitError> {
        let repo = self.repo()?;
        Ok((!self.no_cache).then(|| cache::dir(repo.common_dir())))
    }

    fn blob_cache(&self) -> Result<Option<BlobCache>, GitError> {
        let repo = self.repo()?;
        Ok(
            (!self.no_cache)
                .then(|| BlobCache::open(&cache::dir(repo.common_dir()), self.schema())),
        )
    }

    /// The persistent cache of each commit's changes in the record folders,
    /// unless it is switched off.
    fn change_cache(&self) -> Result<Option<ChangeCache>, GitError> {
        let repo = self.repo()?;
        Ok((!self.no_cache)
            .then(|| ChangeCache::open(&cache::dir(repo.common_dir()), &self.schema().dirs())))
    }

    /// What the covers scan of `cairn diff` learned before, unless the
    /// cache is switched off.
    pub fn covers_cache(&self) -> Result<Option<CoversCache>, GitError> {
        let repo = self.repo()?;
        Ok((!self.no_cache).then(|| {
            CoversCache::open(
                &cache::dir(repo.common_dir()),
                &crate::diff::covers_keys(self.schema()),
            )
        }))
    }

    /// A path given on the command line (relative to where cairn runs),
    /// relative to the workspace root with `/`.
    pub fn relative(&self, path: &Path) -> Result<String, Error> {
        let root = self.root();
        let full = self.cwd.join(path);
        let full = std::fs::canonicalize(&full).unwrap_or(full);
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let Ok(rel) = full.strip_prefix(&root) else {
            return Err(Error::Refused(format!(
                "`{}` is outside the repository `{}`; give a path inside it",
                path.display(),
                root.display()
            )));
        };
        Ok(rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"))
    }

    /// A path as the user should see it: relative to where cairn runs, if
    /// inside it.
    pub fn shown(&self, path: &Path) -> String {
        let cwd = std::fs::canonicalize(&self.cwd).unwrap_or_else(|_| self.cwd.clone());
        let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        full.strip_prefix(&cwd)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| full.display().to_string())
    }

    /// A path given on the command line, resolved against where cairn runs.
    pub fn given(&self, path: &Path) -> PathBuf {
        self.cwd.join(path)
    }
}
