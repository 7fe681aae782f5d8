//! `validate` as one library call: load the snapshot the head names, check
//! it, with a base revision also check what the branch did since the merge
//! base, and keep the files asked for. [`in_project`] is `cairn validate`
//! as one call on a project.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use time::Date;

use super::history::{self, Head};
use super::{Report, Streamed};
use crate::cache::{OutlineCache, ResultCache, WorktreeCache, results};
use crate::diagnostic::Diagnostic;
use crate::git::{GitError, Repo};
use crate::project::{Error, Project};
use crate::record::{Parts, Record};
use crate::schema::Schema;
use crate::snapshot::{
    ListedFiles, Loader, ParseCache, Select, Snapshot, Source, Tree, owned_blobs,
};

/// Why validation could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A path to check is in no kind folder and not in the snapshot.
    #[error("`{given}` does not exist in the {place}; check the path")]
    NoSuchPath {
        /// The path as given.
        given: String,
        /// `working tree`, `index` or ``revision `REV` ``.
        place: String,
    },
    /// Reading the repository failed.
    #[error(transparent)]
    Git(#[from] GitError),
}

/// What to check beyond the snapshot itself.
pub struct Options<'a> {
    /// A base revision: check the branch's history since its merge base.
    pub base: Option<&'a str>,
    /// With a base: report only findings the merge base does not have.
    pub new_only: bool,
    /// Paths to report on, each as given and repository-relative (`""` is
    /// everything); none means every file.
    pub paths: &'a [(String, String)],
    /// Today, for review dates.
    pub today: Date,
    /// Where records known by their blob are taken from, and parsed ones
    /// kept (none: every record is read and parsed).
    pub outlines: Option<&'a OutlineCache>,
    /// With `outlines`: the stat of the working tree's files, so that
    /// those unchanged are not opened.
    pub stats: Option<&'a WorktreeCache>,
    /// With `stats`: the answer given before for these very files,
    /// repeated when the working tree's record files are all unchanged.
    pub results: Option<&'a ResultCache>,
}

/// What a validation of the working tree found, kept to be repeated
/// ([`crate::cache::results`]): the findings, before any path filter,
/// and what each link target checked was (whether it existed), to be
/// checked again; and each finding's subject (its field or section),
/// which a finding's JSON leaves out and `--new` matches findings by.
#[derive(Serialize, Deserialize)]
struct Answer {
    probes: Vec<(String, bool)>,
    findings: Vec<Diagnostic>,
    subjects: Vec<Option<Box<str>>>,
}

impl Answer {
    /// The findings with their subjects; None when the two do not pair up.
    fn into_findings(self) -> Option<Vec<Diagnostic>> {
        (self.findings.len() == self.subjects.len()).then(|| {
            self.findings
                .into_iter()
                .zip(self.subjects)
                .map(|(mut finding, subject)| {
                    finding.subject = subject;
                    finding
                })
                .collect()
        })
    }
}

/// A tree that notes each path asked about and what it answered.
struct Probing<'t> {
    tree: &'t dyn Tree,
    asked: Mutex<BTreeMap<String, bool>>,
}

impl Tree for Probing<'_> {
    fn exists(&self, path: &str) -> bool {
        let exists = self.tree.exists(path);
        self.asked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.to_string(), exists);
        exists
    }
}

/// The findings of `source` as the last validation of these very files
/// found them, when the results cache holds them and each link target is
/// still as it was; else validates the listed snapshot and stores its
/// findings under the files' key. `tree` answers for `source` whether a
/// path exists. With the path of each file checked.
fn answered_findings(
    schema: &Schema,
    loader: &Loader<'_>,
    (source, label, tree): (&Source, &str, &dyn Tree),
    files: ListedFiles<'_>,
    results: &ResultCache,
    today: Date,
) -> Result<(Vec<Diagnostic>, Vec<String>), RunError> {
    let place = match source {
        Source::Worktree => "worktree",
        Source::Index => "index",
        Source::Commit(_) => "commit",
    };
    let day = today.to_string();
    let command = ["validate", place, day.as_str()];
    let blobs = files.blobs(schema);
    // Known before loading only when every file's blob is (the stat cache
    // knows each working-tree file unchanged).
    let known = |_: &str| None;
    let key = blobs
        .as_ref()
        .and_then(|blobs| results::key_once_read(&command, schema, blobs, known));
    if let Some(key) = &key {
        let answer = results.get_as::<Answer>(key).filter(|a| {
            a.probes
                .iter()
                .all(|(path, existed)| tree.exists(path) == *existed)
        });
        if let Some(findings) = answer.and_then(Answer::into_findings) {
            let paths = blobs
                .into_iter()
                .flatten()
                .map(|(path, _)| path.into_owned());
            return Ok((findings, paths.collect()));
        }
    }
    // Loading takes the listing the paths and ids are borrowed from.
    let blobs = blobs.map(owned_blobs);
    let streamed = Streamed::new(schema);
    let visit = |record: &mut Record| streamed.visit(record);
    let snapshot = loader
        .clone()
        .each(&visit)
        .load_files(files, source, label)?;
    let mut files = snapshot.paths();
    files.sort_unstable();
    let probing = Probing {
        tree,
        asked: Mutex::default(),
    };
    let findings = streamed.finish(&snapshot, &probing, today);
    // Freeing every record's strings and values takes milliseconds the
    // answer need not wait for (a process that ends first never pays
    // them).
    rayon::spawn(move || drop(snapshot));
    // Stored only when the files it is keyed by are the files checked;
    // those read are keyed by the blob ids they were read as.
    let key = key.or_else(|| {
        results::key_once_read(&command, schema, blobs.as_ref()?, |path| {
            loader.read_blob(path)
        })
    });
    let listed = || blobs.iter().flatten().map(|(path, _)| path);
    let Some(key) = key.filter(|_| listed().eq(files.iter())) else {
        return Ok((findings, files));
    };
    let answer = Answer {
        probes: probing
            .asked
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .into_iter()
            .collect(),
        subjects: findings.iter().map(|f| f.subject.clone()).collect(),
        findings,
    };
    results.put_as(key, &answer);
    Ok((answer.findings, files))
}

/// The findings of `source`, with the path of each file checked: the
/// answer `results` holds for these very files, when it holds one
/// ([`answered_findings`]), else those of its snapshot, validated.
fn findings_of(
    schema: &Schema,
    loader: &Loader<'_>,
    (source, label, tree): (&Source, &str, &dyn Tree),
    results: Option<&ResultCache>,
    today: Date,
) -> Result<(Vec<Diagnostic>, Vec<String>), RunError> {
    if let Some(results) = results {
        if let Some(listing) = loader.list_files(source)? {
            return answered_findings(
                schema,
                loader,
                (source, label, tree),
                listing,
                results,
                today,
            );
        }
    }
    let streamed = Streamed::new(schema);
    let visit = |record: &mut Record| streamed.visit(record);
    let snapshot = loader
        .clone()
        .each(&visit)
        .load(source, Select::All, label)?;
    let findings = streamed.finish(&snapshot, tree, today);
    let files = snapshot.paths();
    rayon::spawn(move || drop(snapshot));
    Ok((findings, files))
}

/// Each record file's path and blob id, sorted by path.
type Blobs = Vec<(String, String)>;

/// The whole snapshot of `source` for `validate --base`, and, when the
/// head is the working tree, the blob id of each of its record files,
/// sorted by path: known from the stat cache or read as it was loaded;
/// None when one has none (a symlink, a file that could not be read).
fn load_head(
    schema: &Schema,
    loader: &Loader<'_>,
    (source, label): (&Source, &str),
    head: &Head,
) -> Result<(Snapshot, Option<Blobs>), RunError> {
    let listing = match head {
        Head::Worktree => loader.list_files(source)?,
        Head::Index | Head::Rev(_) => None,
    };
    let Some(files) = listing else {
        return Ok((loader.load(source, Select::All, label)?, None));
    };
    let blobs = files.blobs(schema).map(owned_blobs);
    let snapshot = loader.load_files(files, source, label)?;
    let blobs = blobs.and_then(|blobs| {
        blobs
            .into_iter()
            .map(|(path, blob)| {
                let blob = match blob {
                    Some(blob) => blob.into_owned(),
                    None => loader.read_blob(&path)?,
                };
                Some((path.into_owned(), blob))
            })
            .collect()
    });
    Ok((snapshot, blobs))
}

/// Validates the snapshot `head` names in the workspace at `root` (with
/// `repo` for the index, revisions and a base).
pub fn run(
    schema: &Schema,
    root: &Path,
    repo: Option<&Repo>,
    head: &Head,
    options: &Options<'_>,
) -> Result<Report, RunError> {
    let cache = ParseCache::default();
    // Validation reads the outline of each record; only the history rules
    // read section text, of the records a branch changed (`whole`).
    let loader = Loader::new(schema, root)
        .repo(repo)
        .outlines(options.outlines)
        .stats(options.stats)
        .parts(Parts::Outline);
    let whole = loader.whole(&cache);
    let (source, label, place) = match head {
        Head::Worktree => (Source::Worktree, "worktree", "working tree".to_string()),
        Head::Index => (Source::Index, "index", "index".to_string()),
        Head::Rev(rev) => {
            let repo = repo.ok_or_else(|| GitError::NotARepository {
                path: root.to_path_buf(),
            })?;
            (
                Source::Commit(repo.resolve(rev)?),
                rev.as_str(),
                format!("revision `{rev}`"),
            )
        }
    };
    let tree = loader.tree(&source)?;
    let (diagnostics, files, old) = match (options.base, repo) {
        (Some(base), Some(repo)) => {
            let streamed = Streamed::new(schema);
            let visit = |record: &mut Record| streamed.visit(record);
            let each = loader.clone().each(&visit);
            let (snapshot, worktree) = load_head(schema, &each, (&source, label), head)?;
            let mut diagnostics = streamed.finish(&snapshot, tree.as_ref(), options.today);
            let found = history::against_base(
                repo,
                schema,
                (base, head),
                (&source, &snapshot, worktree.as_deref()),
                (&loader, &whole),
            )?;
            // As `validate --rev <merge base>` finds them.
            let old = if options.new_only {
                let at = Source::Commit(found.merge_base.clone());
                let tree = loader.tree(&at)?;
                let label = found.merge_base.short();
                let at = (&at, label, tree.as_ref());
                Some(findings_of(schema, &loader, at, options.results, options.today)?.0)
            } else {
                None
            };
            diagnostics.extend(found.findings);
            let files = snapshot.paths();
            rayon::spawn(move || drop(snapshot));
            (diagnostics, files, old)
        }
        _ => {
            let at = (&source, label, tree.as_ref());
            // A base with no repository to read it from is left unchecked,
            // and the answer made anew, as it always was.
            let results = options.results.filter(|_| options.base.is_none());
            let (findings, files) = findings_of(schema, &loader, at, results, options.today)?;
            (findings, files, None)
        }
    };
    // A typo in a CI script must not pass as "0 records"; a kind's folder
    // (or one above it) that holds no records yet is no typo.
    let kind_folder = |path: &str| {
        schema.dirs().iter().any(|dir| {
            dir == path
                || dir
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    for (given, path) in options.paths {
        if !path.is_empty() && !tree.exists(path) && !kind_folder(path) {
            return Err(RunError::NoSuchPath {
                given: given.clone(),
                place,
            });
        }
    }
    let selected = |file: &str| {
        options.paths.is_empty()
            || options.paths.iter().any(|(_, f)| {
                f.is_empty()
                    || file == f
                    || file
                        .strip_prefix(f.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
    };
    let records = files.iter().filter(|p| selected(p)).count();
    let mut report = Report::new(records, diagnostics).retain_files(selected, records);
    if let Some(old) = old {
        report = report.without_old(&old);
    }
    // Every parse the history rules kept, freed off the answer's path (see
    // `answered_findings`); without them there is nothing to free, and no
    // thread pool is started for it (a repeated answer starts none).
    drop((tree, loader, whole));
    if options.base.is_some() {
        rayon::spawn(move || drop(cache));
    }
    Ok(report)
}

/// What `cairn validate` checks, as the command line gives it.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// `--rev`: a revision instead of the working tree.
    pub rev: Option<&'a str>,
    /// `--cached`: the index instead of the working tree.
    pub cached: bool,
    /// `--base`: also the branch's history since its merge base with this.
    pub base: Option<&'a str>,
    /// `--new`: only findings the merge base does not have.
    pub new_only: bool,
    /// The paths to report on (relative to where cairn runs); none: all.
    pub paths: &'a [PathBuf],
}

/// Validates what `request` names in `project`.
pub fn in_project(project: &Project, request: &Request<'_>) -> Result<Report, Error> {
    let needs_git = request.rev.is_some() || request.cached || request.base.is_some();
    let repo = if needs_git {
        Some(project.repo()?)
    } else {
        None
    };
    let head = match (request.rev, request.cached) {
        (Some(rev), _) => Head::Rev(rev.to_string()),
        (None, true) => Head::Index,
        (None, false) => Head::Worktree,
    };
    let paths: Vec<(String, String)> = request
        .paths
        .iter()
        .map(|p| Ok((p.display().to_string(), project.relative(p)?)))
        .collect::<Result<_, Error>>()?;
    let outlines = project.outline_cache();
    let stats = project.worktree_cache();
    let results = project.result_cache();
    let options = Options {
        base: request.base,
        new_only: request.new_only,
        paths: &paths,
        today: project.today()?,
        outlines: outlines.as_ref(),
        stats: stats.as_ref(),
        results: results.as_ref(),
    };
    let report = run(project.schema(), project.root(), repo, &head, &options)?;
    crate::cache::save_snapshot_caches(outlines, stats, results);
    Ok(report)
}
