//! The research log as the editor sees it: the working tree with the
//! unsaved buffers of open documents laid over it.
//!
//! The log is parsed once at start; an edit re-parses only the edited
//! record and re-runs the checks across records, so a keystroke costs
//! one record's parse plus one pass over the id index. Findings come from
//! the same checks `validate` runs, never from a copy of them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::check::{links, record as record_check, refs};
use crate::config::{self, ConfigError};
use crate::diagnostic::{self, Diagnostic};
use crate::git::Repo;
use crate::record::{self, Record};
use crate::schema::{Kind, Schema};
use crate::snapshot::{Broken, Loader, Select, Snapshot, Source, Tree};

/// An open document.
pub(crate) struct Document {
    /// The URI the editor names it by.
    pub(crate) uri: lsp_types::Uri,
    /// The buffer's text.
    pub(crate) text: String,
    /// The editor's version of the buffer.
    pub(crate) version: i32,
    /// The record's status in HEAD, read once when the document opens.
    pub(crate) committed_status: Option<String>,
}

/// The overlaid log.
pub(crate) struct Log {
    /// The workspace root (the top of the git work tree, when there is one).
    pub(crate) root: PathBuf,
    canonical_root: PathBuf,
    /// The schema in force.
    pub(crate) schema: Schema,
    /// Every record of the working tree, open buffers laid over.
    pub(crate) snapshot: Snapshot,
    /// Open documents by repository-relative path.
    pub(crate) docs: HashMap<String, Document>,
    /// Findings across records, by file, as last computed.
    cross: HashMap<String, Vec<Diagnostic>>,
    repo: Option<Repo>,
}

impl Log {
    /// Loads the workspace that `start` lies in and parses its records.
    pub(crate) fn load(start: &Path, config: Option<&Path>) -> Result<Log, ConfigError> {
        let mut ws = config::load_workspace(start, config)?;
        let repo = Repo::discover(&ws.root).ok();
        if let Some(top) = repo.as_ref().and_then(Repo::workdir) {
            ws.anchor_at(top);
        }
        let snapshot = Loader::new(&ws.schema, &ws.root)
            .load(&Source::Worktree, Select::All, "worktree")
            .map_err(|err| ConfigError {
                path: ws.root.clone(),
                line: None,
                message: format!("cannot read the working tree: {err}"),
            })?;
        let mut log = Log {
            canonical_root: std::fs::canonicalize(&ws.root).unwrap_or_else(|_| ws.root.clone()),
            root: ws.root,
            schema: ws.schema,
            snapshot,
            docs: HashMap::new(),
            cross: HashMap::new(),
            repo,
        };
        log.cross = log.cross_findings();
        Ok(log)
    }

    /// The repository-relative path of a file, when it is a record file
    /// of this log.
    pub(crate) fn relative(&self, path: &Path) -> Option<String> {
        let rel = path
            .strip_prefix(&self.root)
            .ok()
            .map(Path::to_path_buf)
            .or_else(|| {
                // The editor may name the file through a symlinked folder.
                let parent = std::fs::canonicalize(path.parent()?).ok()?;
                let full = parent.join(path.file_name()?);
                full.strip_prefix(&self.canonical_root)
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
        self.schema.is_record_path(&rel).then_some(rel)
    }

    /// The absolute path of a repository-relative one.
    pub(crate) fn full_path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// The kind of a record file.
    pub(crate) fn kind(&self, rel: &str) -> Option<&Kind> {
        self.schema.kind_of_path(rel)
    }

    /// The record parsed from a path, if it parses.
    pub(crate) fn record(&self, rel: &str) -> Option<&Record> {
        self.snapshot
            .records
            .binary_search_by(|r| r.path.as_str().cmp(rel))
            .ok()
            .map(|i| &self.snapshot.records[i])
    }

    /// The text of a file: its open buffer, else the file on disk (only
    /// inside the repository, only up to the size a record may have).
    pub(crate) fn text(&self, rel: &str) -> Option<String> {
        if let Some(doc) = self.docs.get(rel) {
            return Some(doc.text.clone());
        }
        let full = std::fs::canonicalize(self.full_path(rel)).ok()?;
        let meta = std::fs::metadata(&full).ok()?;
        if !full.starts_with(&self.canonical_root) || record::check_size(rel, meta.len()).is_err() {
            return None;
        }
        crate::frontmatter::decode(&std::fs::read(full).ok()?).ok()
    }

    /// Opens a document: its buffer replaces the file in the log.
    pub(crate) fn open(&mut self, rel: &str, uri: lsp_types::Uri, text: String, version: i32) {
        let committed_status = self.committed_status(rel);
        self.put(rel, Some(text.as_bytes()));
        self.docs.insert(
            rel.to_string(),
            Document {
                uri,
                text,
                version,
                committed_status,
            },
        );
    }

    /// Takes an open document's new text into the log.
    pub(crate) fn update(&mut self, rel: &str) {
        if let Some(text) = self.docs.get(rel).map(|d| d.text.clone()) {
            self.put(rel, Some(text.as_bytes()));
        }
    }

    /// Closes a document: the file on disk takes its place again.
    pub(crate) fn close(&mut self, rel: &str) {
        self.docs.remove(rel);
        self.remove(rel);
        let paths = [rel.to_string()];
        let Ok(disk) = Loader::new(&self.schema, &self.root).load(
            &Source::Worktree,
            Select::Paths(&paths),
            "worktree",
        ) else {
            return;
        };
        for record in disk.records {
            let at = self
                .snapshot
                .records
                .partition_point(|r| r.path < record.path);
            self.snapshot.records.insert(at, record);
        }
        for broken in disk.broken {
            let at = self
                .snapshot
                .broken
                .partition_point(|b| b.path < broken.path);
            self.snapshot.broken.insert(at, broken);
        }
    }

    /// Parses `bytes` as the record at `rel` (`None`: the file is gone).
    fn put(&mut self, rel: &str, bytes: Option<&[u8]>) {
        match bytes {
            Some(bytes) => self.replace(rel, Ok(bytes.to_vec())),
            None => self.remove(rel),
        }
    }

    fn replace(&mut self, rel: &str, content: Result<Vec<u8>, Diagnostic>) {
        self.remove(rel);
        let Some(kind) = self.schema.kind_of_path(rel) else {
            return;
        };
        let parsed = content
            .and_then(|bytes| record::check_size(rel, bytes.len() as u64).map(|()| bytes))
            .and_then(|bytes| record::parse(rel, kind, &bytes));
        match parsed {
            Ok(record) => {
                let at = self
                    .snapshot
                    .records
                    .partition_point(|r| r.path.as_str() < rel);
                self.snapshot.records.insert(at, record);
            }
            Err(diagnostic) => {
                let at = self
                    .snapshot
                    .broken
                    .partition_point(|b| b.path.as_str() < rel);
                let kind = kind.name.clone();
                self.snapshot.broken.insert(
                    at,
                    Broken {
                        path: rel.to_string(),
                        kind,
                        diagnostic,
                    },
                );
            }
        }
    }

    fn remove(&mut self, rel: &str) {
        self.snapshot.records.retain(|r| r.path != rel);
        self.snapshot.broken.retain(|b| b.path != rel);
    }

    /// Every finding `validate` gives for one file, sorted.
    pub(crate) fn findings(&self, rel: &str) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self
            .snapshot
            .broken
            .iter()
            .filter(|b| b.path == rel)
            .map(|b| b.diagnostic.clone())
            .collect();
        if let Some(record) = self.record(rel) {
            if let Some(kind) = self.schema.kind(&record.kind) {
                out.extend(record_check::check(kind, record));
            }
            out.extend(links::check_record(record, &Disk(&self.root)));
        }
        out.extend(self.cross.get(rel).into_iter().flatten().cloned());
        diagnostic::sort(&mut out);
        out.dedup();
        out
    }

    /// Re-runs the checks across records after `rel` changed; returns the
    /// files whose findings changed with it (`rel` always among them).
    pub(crate) fn refresh(&mut self, rel: &str) -> Vec<String> {
        let cross = self.cross_findings();
        let mut changed: Vec<String> = cross
            .iter()
            .filter(|(path, found)| self.cross.get(*path) != Some(found))
            .map(|(path, _)| path.clone())
            .chain(
                self.cross
                    .keys()
                    .filter(|path| !cross.contains_key(*path))
                    .cloned(),
            )
            .filter(|path| path != rel)
            .collect();
        changed.sort();
        changed.insert(0, rel.to_string());
        self.cross = cross;
        changed
    }

    fn cross_findings(&self) -> HashMap<String, Vec<Diagnostic>> {
        let mut by_file: HashMap<String, Vec<Diagnostic>> = HashMap::new();
        for found in refs::check(&self.schema, &self.snapshot) {
            by_file.entry(found.file.clone()).or_default().push(found);
        }
        for found in by_file.values_mut() {
            diagnostic::sort(found);
        }
        by_file
    }

    /// The status the record at `rel` has in HEAD, if it is committed.
    fn committed_status(&self, rel: &str) -> Option<String> {
        let repo = self.repo.as_ref()?;
        let head = repo.head().ok()?;
        let paths = [rel.to_string()];
        let committed = Loader::new(&self.schema, &self.root)
            .repo(Some(repo))
            .load(&Source::Commit(head), Select::Paths(&paths), "HEAD")
            .ok()?;
        committed.records.first().and_then(Record::status)
    }
}

/// The working tree, for link checks: as `validate` sees it, a path
/// exists when the file or folder is there.
struct Disk<'r>(&'r Path);

impl Tree for Disk<'_> {
    fn exists(&self, path: &str) -> bool {
        self.0.join(path).exists()
    }
}
