//! The one way to load a snapshot: a [`Source`] (the working tree, the
//! index or a commit) and a [`Select`]ion of what to read from it
//! (everything, some paths, the files a tree diff names, or only the
//! records that mention something). Every command and the history walk
//! read records through a [`Loader`]. The size limit
//! ([`crate::record::check_size`]) and the rule that a symlink must stay
//! inside the repository are applied by the two readers it calls
//! (`worktree.rs`, `revision.rs`) and nowhere else.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::revision::{self, GitSource, GitTree};
use super::worktree::{Found, Worktree};
use super::{ParseCache, Parsed, Snapshot, SourceFile, Tree, parse_one};
use crate::cache::{OutlineCache, WorktreeCache};
use crate::git::{GitError, ObjectId, Repo, TreeFile};
use crate::record::{self, Parts, Record};
use crate::schema::Schema;

/// Where a snapshot comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The working tree, read from disk.
    Worktree,
    /// The index (staging area).
    Index,
    /// A commit's tree.
    Commit(ObjectId),
}

/// What to read of a source.
pub enum Select<'s> {
    /// Every record file.
    All,
    /// The record files among these repository-relative paths (others,
    /// and paths absent from the source, are left out).
    Paths(&'s [String]),
    /// The files a tree diff named on this side, blobs known: nothing is
    /// listed, only these are read.
    Files(Vec<TreeFile>),
    /// Every record file is read, but only those whose bytes pass the test
    /// are parsed (and files that cannot be read, kept as broken): for
    /// finding the few records that hold a field in a large log.
    Mentioning(&'s dyn Fn(&[u8]) -> bool),
}

/// The working tree's record files as listed, sorted by path, each with
/// the blob id the stat cache knows it by when it is unchanged since it
/// was last read ([`Loader::list_worktree`]).
pub struct WorktreeFiles<'a> {
    files: Vec<Found>,
    /// Each file's blob id, in the same order (borrowed from the stat
    /// cache): a vector of its own, so that a large log's listing is not
    /// made again to pair them.
    blobs: Vec<Option<&'a str>>,
}

impl WorktreeFiles<'_> {
    /// Every file's path and the blob id the stat cache knows it by (None
    /// for a file to be read), sorted by path; None unless each is a
    /// regular file.
    fn blobs(&self) -> Option<FileBlobs<'_>> {
        self.files
            .iter()
            .zip(&self.blobs)
            .map(|(found, blob)| {
                let blob = blob.map(Cow::Borrowed);
                found
                    .is_regular()
                    .then(|| (Cow::Borrowed(found.path()), blob))
            })
            .collect()
    }
}

/// Record files' paths and blob ids ([`ListedFiles::blobs`]), borrowed
/// from their listing where they can be: a large log's listing is
/// hundreds of thousands of them, and a warm command needs no copy.
pub type FileBlobs<'a> = Vec<(Cow<'a, str>, Option<Cow<'a, str>>)>;

/// `blobs` owning their strings, to outlive the listing they were read
/// from (which loading the snapshot takes).
pub fn owned_blobs(blobs: FileBlobs<'_>) -> FileBlobs<'static> {
    blobs
        .into_iter()
        .map(|(path, blob)| {
            (
                Cow::Owned(path.into_owned()),
                blob.map(|blob| Cow::Owned(blob.into_owned())),
            )
        })
        .collect()
}

/// The files of a snapshot as listed before it is loaded
/// ([`Loader::list_files`]): the working tree's with what the stat cache
/// knows of them, or a revision's (or the index's) with their blobs.
pub enum ListedFiles<'a> {
    /// The working tree's record files.
    Worktree(WorktreeFiles<'a>),
    /// The files of the index or a commit in the kind folders.
    Git(Vec<TreeFile>),
}

impl ListedFiles<'_> {
    /// Each record file's path and blob id, sorted by path: what the
    /// snapshot is made from. A working-tree file the stat cache does not
    /// know unchanged has no id until it is read ([`Loader::read_blob`]).
    /// None when a file's record is not its own bytes: a symlink, or in
    /// the working tree anything but a regular file.
    pub fn blobs(&self, schema: &Schema) -> Option<FileBlobs<'_>> {
        match self {
            ListedFiles::Worktree(listed) => listed.blobs(),
            ListedFiles::Git(files) => {
                if files.iter().any(|f| f.symlink) {
                    return None;
                }
                let mut blobs: FileBlobs<'_> = files
                    .iter()
                    .filter(|f| schema.is_record_path(&f.path))
                    .map(|f| {
                        (
                            Cow::Borrowed(f.path.as_str()),
                            Some(f.blob.to_string().into()),
                        )
                    })
                    .collect();
                blobs.sort_unstable();
                Some(blobs)
            }
        }
    }
}

/// Reads snapshots of one workspace: its schema, its working tree, and
/// (for the index and commits) its repository, sharing one parse cache.
#[derive(Clone)]
pub struct Loader<'a> {
    schema: &'a Schema,
    worktree: Option<Worktree>,
    repo: Option<&'a Repo>,
    cache: Option<&'a ParseCache>,
    parts: Parts,
    outlines: Option<&'a OutlineCache>,
    stats: Option<&'a WorktreeCache>,
    each: Option<Visit<'a>>,
}

/// What a loader does to each record it yields ([`Loader::each`]).
pub type Visit<'a> = &'a (dyn Fn(&mut Record) + Sync);

impl<'a> Loader<'a> {
    /// A loader for the working tree at `root` (the workspace root).
    pub fn new(schema: &'a Schema, root: &Path) -> Loader<'a> {
        Loader {
            schema,
            worktree: Some(Worktree::new(root)),
            repo: None,
            cache: None,
            parts: Parts::Whole,
            outlines: None,
            stats: None,
            each: None,
        }
    }

    /// A loader for `repo` alone: its work tree is the repository's (none
    /// when it is bare).
    pub fn of_repo(schema: &'a Schema, repo: &'a Repo) -> Loader<'a> {
        Loader {
            schema,
            worktree: repo.workdir().map(Worktree::new),
            repo: Some(repo),
            cache: None,
            parts: Parts::Whole,
            outlines: None,
            stats: None,
            each: None,
        }
    }

    /// Reads the index and commits from `repo`.
    #[must_use]
    pub fn repo(mut self, repo: Option<&'a Repo>) -> Loader<'a> {
        self.repo = repo;
        self
    }

    /// Parses each git blob once in `cache` (shared with a history walk).
    #[must_use]
    pub fn cache(mut self, cache: &'a ParseCache) -> Loader<'a> {
        self.cache = Some(cache);
        self
    }

    /// Reads `parts` of each record (all of it unless told): a command
    /// that reports no section text asks for less. A loader with a parse
    /// cache parses as the cache does instead.
    #[must_use]
    pub fn parts(mut self, parts: Parts) -> Loader<'a> {
        self.parts = parts;
        self
    }

    /// Takes each record whose blob `outlines` knows from it, neither read
    /// nor parsed, and keeps there the outline of each record it parses.
    /// Only for a loader that reads outlines or front matter
    /// ([`Loader::parts`]) and has no parse cache: it then reads outlines
    /// (a listing's records come with their body's outline), so that the
    /// cache holds one shape.
    #[must_use]
    pub fn outlines(mut self, outlines: Option<&'a OutlineCache>) -> Loader<'a> {
        self.outlines = outlines;
        self
    }

    /// With [`Loader::outlines`], opens no working-tree file whose stat
    /// `stats` knows unchanged, and keeps there the stat of each one read:
    /// every record of the working tree (`Select::All`) then comes from
    /// the outlines by the blob id of its content.
    #[must_use]
    pub fn stats(mut self, stats: Option<&'a WorktreeCache>) -> Loader<'a> {
        self.stats = stats;
        self
    }

    /// Hands each record, the moment it is parsed or taken from the
    /// outlines, to `visit`, which may check it and cut it down before the
    /// next files are read: the snapshot then holds what `visit` left of
    /// each record, never every whole record at once. Every record of
    /// the snapshot is handed over exactly once.
    #[must_use]
    pub fn each(mut self, visit: Visit<'a>) -> Loader<'a> {
        self.each = Some(visit);
        self
    }

    /// This loader reading whole records through `cache` instead: the same
    /// working tree and repository, without its outlines and stat cache.
    #[must_use]
    pub fn whole(&self, cache: &'a ParseCache) -> Loader<'a> {
        Loader {
            schema: self.schema,
            worktree: self.worktree.clone(),
            repo: self.repo,
            cache: Some(cache),
            parts: Parts::Whole,
            outlines: None,
            stats: None,
            each: None,
        }
    }

    /// The snapshot of `source`, as much of it as `select` asks for,
    /// labelled `label` (`worktree`, `index`, or the revision as given).
    pub fn load(
        &self,
        source: &Source,
        select: Select<'_>,
        label: &str,
    ) -> Result<Snapshot, GitError> {
        let (schema, each) = (self.schema, self.each);
        let (cache, parts) = (self.cache, self.parts);
        // Working-tree files have a blob id to look outlines up by only
        // through the stat cache.
        let outlines = self.outlines.filter(|_| {
            cache.is_none()
                && parts != Parts::Whole
                && (Self::git_source(source).is_some() || self.by_stat().is_some())
        });
        let parts = if outlines.is_some() {
            Parts::Outline
        } else {
            parts
        };
        // Each file is parsed as soon as it is read, on the thread that
        // read it: no snapshot holds every file's bytes at once.
        let parse = |file: SourceFile| {
            parse_keeping(schema, file, cache, outlines, parts).map(|p| visit(each, p))
        };
        let parse_all = |files: Vec<SourceFile>| -> Vec<_> {
            files.into_par_iter().filter_map(parse).collect()
        };
        let Some(git) = Self::git_source(source) else {
            let worktree = self.worktree()?;
            let parsed = match select {
                Select::All => match self.list_worktree()? {
                    Some(listed) => return self.load_listed(listed, label),
                    None => worktree
                        .list(schema, None)
                        .into_par_iter()
                        .filter_map(|found| parse(worktree.read_found(found)))
                        .collect(),
                },
                Select::Paths(paths) => parse_all(worktree.files_at(schema, paths)),
                Select::Files(files) => {
                    let paths: Vec<String> = files.into_iter().map(|f| f.path).collect();
                    parse_all(worktree.files_at(schema, &paths))
                }
                Select::Mentioning(keep) => parse_all(
                    worktree
                        .files(schema)
                        .into_iter()
                        .filter(|f| f.content.as_ref().map_or(true, |b| keep(b)))
                        .collect(),
                ),
            };
            return Ok(Snapshot::assemble(label, parsed));
        };
        let repo = self.git_repo()?;
        let known = |blob: &str, path: &str| cache.is_some_and(|c| c.contains(blob, path));
        let read_and_parse = |listed: Vec<TreeFile>| -> Result<Vec<_>, GitError> {
            let (mut parsed, listed) = match outlines {
                Some(outlines) => self.outlined(outlines, listed),
                None => (Vec::new(), listed),
            };
            let read = revision::read_all_with(repo, schema, &git, listed, &known, &parse)?;
            parsed.extend(read.into_iter().flatten());
            Ok(parsed)
        };
        let parsed = match select {
            Select::All => read_and_parse(revision::list(repo, schema, &git)?)?,
            Select::Paths(paths) => {
                let wanted: HashSet<&str> = paths
                    .iter()
                    .filter(|p| schema.is_record_path(p))
                    .map(String::as_str)
                    .collect();
                // Listing the kind folders reads each folder's tree once;
                // looking each path up would read its (possibly large)
                // folder tree again per path.
                let listed = if wanted.is_empty() {
                    Vec::new()
                } else {
                    revision::list(repo, schema, &git)?
                        .into_iter()
                        .filter(|f| wanted.contains(f.path.as_str()))
                        .collect()
                };
                read_and_parse(listed)?
            }
            Select::Files(listed) => read_and_parse(listed)?,
            Select::Mentioning(keep) => {
                let listed = revision::list(repo, schema, &git)?;
                parse_all(
                    revision::read_all(repo, schema, &git, listed, &known)?
                        .into_iter()
                        .filter(|f| {
                            // Blobs the cache holds are neither read nor
                            // tested again: their parse is kept as it is.
                            f.blob.as_deref().is_some_and(|b| known(b, &f.path))
                                || f.content.as_ref().map_or(true, |bytes| keep(bytes))
                        })
                        .collect(),
                )
            }
        };
        Ok(Snapshot::assemble(label, parsed))
    }

    /// The outlines and stat cache this loader takes the working tree's
    /// records from ([`Loader::stats`]), if it does.
    fn by_stat(&self) -> Option<(&'a OutlineCache, &'a WorktreeCache)> {
        if self.cache.is_some() || self.parts == Parts::Whole {
            return None;
        }
        self.outlines.zip(self.stats)
    }

    /// The blob id of the working-tree file at `path` as this loader read
    /// and hashed it (into the stat cache), if it did.
    pub fn read_blob(&self, path: &str) -> Option<String> {
        self.stats?.learned(path)
    }

    /// Lists the working tree's record files and looks each up in the stat
    /// cache: what [`Loader::load_listed`] loads, and what an answer given
    /// before is keyed by ([`crate::cache::results`]). None unless this
    /// loader takes records by their stat ([`Loader::stats`]).
    pub fn list_worktree(&self) -> Result<Option<WorktreeFiles<'a>>, GitError> {
        let Some((_, stats)) = self.by_stat() else {
            return Ok(None);
        };
        let worktree = self.worktree()?;
        let files = worktree.list(self.schema, Some(stats));
        let blobs = files
            .iter()
            .map(|found| worktree.stat_known(found, stats))
            .collect();
        Ok(Some(WorktreeFiles { files, blobs }))
    }

    /// Lists `source` as a whole load of it would: the working tree's record
    /// files with their stat ([`Loader::list_worktree`]), or the files of
    /// the index or a commit with their blobs. None for a working tree
    /// this loader does not take by stat.
    pub fn list_files(&self, source: &Source) -> Result<Option<ListedFiles<'a>>, GitError> {
        Ok(match Self::git_source(source) {
            None => self.list_worktree()?.map(ListedFiles::Worktree),
            Some(git) => Some(ListedFiles::Git(revision::list(
                self.git_repo()?,
                self.schema,
                &git,
            )?)),
        })
    }

    /// The whole snapshot of `source` from its listed `files`, labelled `label`.
    pub fn load_files(
        &self,
        files: ListedFiles<'_>,
        source: &Source,
        label: &str,
    ) -> Result<Snapshot, GitError> {
        match files {
            ListedFiles::Worktree(listed) => self.load_listed(listed, label),
            ListedFiles::Git(files) => self.load(source, Select::Files(files), label),
        }
    }

    /// The working tree's snapshot from its listing, labelled `label`: a
    /// file the stat cache knows unchanged comes from the outlines by its
    /// blob id (a stat and two look-ups, taken in turn); the others are
    /// read, hashed and parsed in parallel.
    pub fn load_listed(
        &self,
        listed: WorktreeFiles<'_>,
        label: &str,
    ) -> Result<Snapshot, GitError> {
        let (schema, each) = (self.schema, self.each);
        let worktree = self.worktree()?;
        let Some((outlines, stats)) = self.by_stat() else {
            let parts = self.parts;
            let parsed = listed
                .files
                .into_par_iter()
                .filter_map(|found| parse_one(schema, worktree.read_found(found), None, parts))
                .map(|p| visit(each, p))
                .collect();
            return Ok(Snapshot::assemble(label, parsed));
        };
        let known = |path: &str, blob: &str| {
            outlined_one(schema, outlines, path, blob).map(|p| visit(each, p))
        };
        // Rebuilt from their outlines on every core, in the listing's order.
        let hits: Vec<Option<(String, String, Parsed)>> = listed
            .files
            .par_iter()
            .zip(&listed.blobs)
            .map(|(found, blob)| known(found.path(), (*blob)?))
            .collect();
        let mut parsed = Vec::with_capacity(hits.len());
        let mut left = Vec::new();
        for (found, hit) in listed.files.into_iter().zip(hits) {
            match hit {
                Some(hit) => parsed.push(hit),
                None => left.push(found),
            }
        }
        parsed.par_extend(left.into_par_iter().filter_map(|found| {
            match worktree.read_hashed(found, stats, &known) {
                Ok(hit) => Some(hit),
                Err(file) => parse_keeping(schema, *file, None, Some(outlines), Parts::Outline)
                    .map(|p| visit(each, p)),
            }
        }));
        Ok(Snapshot::assemble(label, parsed))
    }

    /// The records among `listed` whose blobs `outlines` knows, rebuilt
    /// from their outlines, and the files left to read.
    fn outlined(
        &self,
        outlines: &OutlineCache,
        listed: Vec<TreeFile>,
    ) -> (Vec<(String, String, Parsed)>, Vec<TreeFile>) {
        let (schema, each) = (self.schema, self.each);
        let found: Vec<Result<(String, String, Parsed), TreeFile>> = listed
            .into_par_iter()
            .map(|file| {
                if file.symlink || !schema.is_record_path(&file.path) {
                    return Err(file);
                }
                outlined_one(schema, outlines, &file.path, file.blob.as_str())
                    .map(|p| visit(each, p))
                    .ok_or(file)
            })
            .collect();
        let mut known = Vec::with_capacity(found.len());
        let mut left = Vec::new();
        for one in found {
            match one {
                Ok(parsed) => known.push(parsed),
                Err(file) => left.push(file),
            }
        }
        (known, left)
    }

    /// Every record of the revision `rev` (resolved in the repository), or
    /// of the working tree when `rev` is `None`.
    pub fn at(&self, rev: Option<&str>) -> Result<Snapshot, GitError> {
        match rev {
            None => self.load(&Source::Worktree, Select::All, "worktree"),
            Some(rev) => {
                let commit = self.git_repo()?.resolve(rev)?;
                self.load(&Source::Commit(commit), Select::All, rev)
            }
        }
    }

    /// Answers whether a path exists in `source`, for link checks.
    pub fn tree(&self, source: &Source) -> Result<Box<dyn Tree + 'a>, GitError> {
        Ok(match Self::git_source(source) {
            None => Box::new(self.worktree()?.clone()),
            Some(git) => Box::new(GitTree::new(self.git_repo()?, git)),
        })
    }

    /// Reads and parses, in parallel, `(blob, path)` pairs found in tree
    /// diffs, keeping each parse in the cache: the history walk's batches.
    /// Symlinks are not followed.
    /// Without a cache there is nowhere to keep them, and nothing is read.
    pub fn parse_blobs(&self, wanted: Vec<(ObjectId, String)>) -> Result<(), GitError> {
        let Some(cache) = self.cache else {
            return Ok(());
        };
        let files: Vec<SourceFile> = revision::read_listed(self.git_repo()?, wanted)?;
        cache.parse(self.schema, files);
        Ok(())
    }

    fn git_source(source: &Source) -> Option<GitSource> {
        match source {
            Source::Worktree => None,
            Source::Index => Some(GitSource::Index),
            Source::Commit(id) => Some(GitSource::Commit(id.clone())),
        }
    }

    fn worktree(&self) -> Result<&Worktree, GitError> {
        self.worktree.as_ref().ok_or(GitError::BareRepository)
    }

    fn git_repo(&self) -> Result<&'a Repo, GitError> {
        self.repo.ok_or_else(|| GitError::NotARepository {
            path: self
                .worktree
                .as_ref()
                .map_or_else(Default::default, |w| w.root().to_path_buf()),
        })
    }
}

/// Parses one file read (`parts` of it, or as `cache` does), keeping its
/// outline in `outlines` by its blob id when it has one.
fn parse_keeping(
    schema: &Schema,
    file: SourceFile,
    cache: Option<&ParseCache>,
    outlines: Option<&OutlineCache>,
    parts: Parts,
) -> Option<(String, String, Parsed)> {
    let blob = outlines.and(file.blob.clone());
    let parsed = parse_one(schema, file, cache, parts)?;
    if let (Some(outlines), Some(blob), Ok(record)) = (outlines, blob, &*parsed.2) {
        outlines.put(&blob, &record.front, &record.body);
    }
    Some(parsed)
}

/// The record at `path` (a record path) rebuilt from the outline of
/// `blob`, if `outlines` knows the blob; None when it must be read.
fn outlined_one(
    schema: &Schema,
    outlines: &OutlineCache,
    path: &str,
    blob: &str,
) -> Option<(String, String, Parsed)> {
    let kind = schema.kind_of_path(path)?;
    let (front, body) = outlines.get(blob)?;
    let mut record = record::from_front(path, kind, front);
    record.body = body;
    Some((path.to_string(), kind.name.clone(), Arc::new(Ok(record))))
}

/// One record parsed or taken from the outlines, handed to the visitor of
/// [`Loader::each`] when there is one: every record is, once (one a parse
/// cache shares is copied first, so that the cache keeps it whole).
fn visit(each: Option<Visit<'_>>, item: (String, String, Parsed)) -> (String, String, Parsed) {
    let (path, kind, mut parsed) = item;
    if let Some(visit) = each {
        if let Ok(record) = Arc::make_mut(&mut parsed) {
            visit(record);
        }
    }
    (path, kind, parsed)
}
