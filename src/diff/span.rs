//! What `cairn diff` reports for a span: only the paths git reports changed
//! are read and parsed on either side. A path with the same blob on both
//! sides cannot contribute a change, and a rename is an added and a removed
//! path that hold the same id, so the cost follows the size of the change,
//! not of the log. The one exception is the covers scan (`covers.rs`).

use super::{DiffReport, compare, covers};
use crate::cache::CoversCache;
use crate::git::{GitError, Reading, Repo, TreeChange, TreeFile};
use crate::project::{Error, Project};
use crate::range::{self, Span};
use crate::schema::Schema;
use crate::snapshot::{Loader, Select, Source};

/// What `cairn diff REVS` reports: the span the revisions name as git
/// reads them (see [`range::diff_span`]; `cached` puts the index in place
/// of the working tree), compared.
pub fn of_revisions(project: &Project, revs: &[String], cached: bool) -> Result<DiffReport, Error> {
    let repo = project.repo()?;
    repo.read_for(Reading::Compare);
    let span = range::diff_span(repo, revs, cached)?;
    let covers = project.covers_cache()?;
    // No parse cache: each blob is parsed once here anyway, and a cached
    // parse would be copied into the snapshot instead of moved.
    let report = between(
        repo,
        &project.loader(),
        project.schema(),
        &span,
        covers.as_ref(),
    )?;
    // A cache that cannot be written costs time next run, nothing else.
    if let Some(covers) = covers {
        let _ = covers.save();
    }
    Ok(report)
}

/// The report for `span`: its record changes and the records governing the
/// code it changed, read through `loader` (which reads from `repo`); the
/// covers scan learns from and adds to `covers` when given.
pub fn between(
    repo: &Repo,
    loader: &Loader<'_>,
    schema: &Schema,
    span: &Span,
    covers: Option<&CoversCache>,
) -> Result<DiffReport, GitError> {
    let old_source = Source::Commit(span.old.clone());
    let (changed, old, new) = match &span.new {
        // Two commits: one tree comparison gives the changed paths and
        // their blobs on both sides; nothing else is listed or read.
        Source::Commit(new_id) => {
            let tree_changes = repo.diff_commits(Some(&span.old), new_id, &[])?;
            let side = |file_of: fn(&TreeChange) -> Option<TreeFile>| -> Vec<TreeFile> {
                tree_changes
                    .iter()
                    .filter(|c| schema.is_record_path(&c.path))
                    .filter_map(file_of)
                    .collect()
            };
            let old = loader.load(
                &old_source,
                Select::Files(side(TreeChange::old_file)),
                &span.from,
            )?;
            let new = loader.load(
                &span.new,
                Select::Files(side(TreeChange::new_file)),
                &span.to,
            )?;
            let changed: Vec<String> = tree_changes.into_iter().map(|c| c.path).collect();
            (changed, old, new)
        }
        checkout => {
            // Code paths too: a change to code names the records covering it.
            let changed =
                repo.changed_paths_to_worktree(&span.old, *checkout == Source::Index, &[])?;
            let old = loader.load(&old_source, Select::Paths(&changed), &span.from)?;
            let new = loader.load(checkout, Select::Paths(&changed), &span.to)?;
            (changed, old, new)
        }
    };
    let changes = compare(schema, &old, &new);
    let code_changed = changed.iter().any(|p| !schema.is_record_path(p));
    let governing = if code_changed {
        let covering = covers::covering(loader, repo, schema, &span.new, &span.to, covers)?;
        covers::governing(schema, &covering, &changed)
    } else {
        Vec::new()
    };
    let to_commit = match &span.new {
        Source::Commit(id) => Some(id.to_string()),
        _ => None,
    };
    Ok(DiffReport::new(
        span.from.clone(),
        span.to.clone(),
        (span.old.to_string(), to_commit),
        changes,
        governing,
    ))
}
