//! The workspace before its records are read — its root, schema and
//! repository, enough to answer `initialize` and to give a document opened
//! early the findings that depend on it alone — and the per-file helpers
//! the overlaid log shares with it: which files are records, a file's own
//! findings, and the files as they are on disk.

use std::path::{Path, PathBuf};

use crate::check::{links, record as record_check};
use crate::config::ConfigError;
use crate::diagnostic::{self, Diagnostic, Severity};
use crate::git::Repo;
use crate::project::Project;
use crate::record::{self, Record};
use crate::schema::Schema;
use crate::snapshot::{Loader, Select, Snapshot, Source, Tree};

use super::log::Log;

/// A workspace whose configuration is read and whose records are not yet:
/// what `initialize` needs to answer, the rest loaded after.
pub(crate) struct Workspace {
    pub(super) root: PathBuf,
    pub(super) canonical_root: PathBuf,
    pub(super) schema: Schema,
    pub(super) repo: Option<Repo>,
}

impl Workspace {
    /// Finds the workspace that `start` lies in and reads its configuration.
    pub(crate) fn open(start: &Path, config: Option<&Path>) -> Result<Workspace, ConfigError> {
        let (ws, repo) = Project::open(start, config)?.into_parts();
        Ok(Workspace {
            canonical_root: std::fs::canonicalize(&ws.root).unwrap_or_else(|_| ws.root.clone()),
            root: ws.root,
            schema: ws.schema,
            repo,
        })
    }

    /// The repository-relative path of a record file of this workspace.
    pub(crate) fn relative(&self, path: &Path) -> Option<String> {
        relative(&self.root, &self.canonical_root, &self.schema, path)
    }

    /// The findings of a text at `rel` that depend on it alone — parse,
    /// schema, links — for a document opened before the log is read: a
    /// part of what it gets once the log is there.
    pub(crate) fn first_look(&self, rel: &str, text: &str) -> Vec<Diagnostic> {
        let Some(kind) = self.schema.kind_of_path(rel) else {
            return Vec::new();
        };
        let parsed = record::check_size(rel, text.len() as u64)
            .and_then(|()| record::parse(rel, kind, text.as_bytes()));
        let disk = Disk {
            root: &self.root,
            canonical_root: &self.canonical_root,
        };
        let out = own_findings(&self.schema, parsed.as_ref(), &disk);
        settle(&self.schema, parsed.as_ref().ok(), out)
    }

    /// What reads the working tree's records: it may run on another
    /// thread while the editor is answered.
    pub(crate) fn reader(&self) -> impl FnOnce() -> Result<Snapshot, ConfigError> + Send + 'static {
        let (schema, root) = (self.schema.clone(), self.root.clone());
        move || {
            Loader::new(&schema, &root)
                .load(&Source::Worktree, Select::All, "worktree")
                .map_err(|err| ConfigError {
                    path: root.clone(),
                    line: None,
                    message: format!("cannot read the working tree: {err}"),
                })
        }
    }

    /// The log of these records, checked.
    pub(crate) fn with(self, snapshot: Snapshot) -> Log {
        Log::new(self, snapshot)
    }
}

/// The repository-relative path of a file, when it is a record file of
/// the log at `root`.
pub(super) fn relative(
    root: &Path,
    canonical_root: &Path,
    schema: &Schema,
    path: &Path,
) -> Option<String> {
    let rel = path
        .strip_prefix(root)
        .ok()
        .map(Path::to_path_buf)
        .or_else(|| {
            // The editor may name the file through a symlinked folder.
            let parent = std::fs::canonicalize(path.parent()?).ok()?;
            let full = parent.join(path.file_name()?);
            full.strip_prefix(canonical_root)
                .ok()
                .map(Path::to_path_buf)
        })?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| match c {
            std::path::Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let rel = parts.join("/");
    schema.is_record_path(&rel).then_some(rel)
}

/// The findings of a file that depend on it alone: why it is no record,
/// or its schema checks and links.
pub(super) fn own_findings(
    schema: &Schema,
    parsed: Result<&Record, &Diagnostic>,
    tree: &dyn Tree,
) -> Vec<Diagnostic> {
    match parsed {
        Err(broken) => vec![broken.clone()],
        Ok(record) => {
            let mut out = schema
                .kind(&record.kind)
                .map(|kind| record_check::check(kind, record))
                .unwrap_or_default();
            out.extend(links::check_record(record, tree));
            out
        }
    }
}

/// A dormant record's findings are warnings, as `validate` has them; then
/// the findings are sorted, each once.
pub(super) fn settle(
    schema: &Schema,
    record: Option<&Record>,
    mut out: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let dormant = record.is_some_and(|r| {
        schema
            .kind(&r.kind)
            .and_then(|k| k.as_warnings.as_ref())
            .is_some_and(|when| when.matches(|name| r.value(name)))
    });
    if dormant {
        for d in &mut out {
            d.severity = Severity::Warning;
        }
    }
    diagnostic::sort(&mut out);
    out.dedup();
    out
}

/// The files of the working tree, as they are on disk.
pub(crate) struct Disk<'l> {
    pub(super) root: &'l Path,
    pub(super) canonical_root: &'l Path,
}

impl Disk<'_> {
    /// The text of a file on disk: only inside the repository, only up to
    /// the size a record may have.
    pub(crate) fn text(&self, rel: &str) -> Option<String> {
        let full = std::fs::canonicalize(self.root.join(rel)).ok()?;
        let meta = std::fs::metadata(&full).ok()?;
        if !full.starts_with(self.canonical_root) || record::check_size(rel, meta.len()).is_err() {
            return None;
        }
        crate::frontmatter::decode(&std::fs::read(full).ok()?).ok()
    }
}

impl Tree for Disk<'_> {
    fn exists(&self, path: &str) -> bool {
        self.root.join(path).exists()
    }
}
