//! `cairn summary` and `cairn report` as library calls: resolve the
//! revision, load its snapshot and walk its history once (sharing one
//! parse cache), summarize, and with `--since` or `--range` compare the
//! span as `cairn diff` compares.

use super::{Options, Span, Summary, summarize};
use std::sync::Arc;

use crate::cache::FrontCache;
use crate::calendar;
use crate::diff;
use crate::git::ObjectId;
use crate::history::{Detail, History, Known};
use crate::project::{Error, Project};
use crate::range;
use crate::record;
use crate::snapshot::{Loader, ParseCache, Select, Snapshot, Source};

/// What to summarize.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// The revision, as given.
    pub rev: &'a str,
    /// Walk every parent of merges, not only the first.
    pub all_parents: bool,
    /// Work under way with no commit for this many days is stale.
    pub stale_days: u32,
    /// Also what changed since this day or span (`2024-03-01`, `2w`).
    pub since: Option<&'a str>,
    /// Also what changed in this range (`A..B`, `A...B`); `since` wins.
    pub range: Option<&'a str>,
}

/// A revision read once: its snapshot, its history and their summary.
pub struct Read {
    /// The commit the revision resolved to.
    pub tip: ObjectId,
    /// Its records.
    pub snapshot: Snapshot,
    /// Its history.
    pub history: History,
    /// Their summary (without a span).
    pub summary: Summary,
}

/// Reads the revision `request` names and summarizes it, parsing each
/// blob once in `cache`; with `fronts` (a front-matter-only `cache`), the
/// records it knows are neither read nor parsed, and what it learned is
/// saved before the walk. Unless `keep` (the caller loads more revisions
/// with `cache`), the revision's parses leave `cache` before the walk,
/// which keeps only their ids and statuses: the snapshot holds the records.
pub fn read(
    project: &Project,
    request: &Request<'_>,
    cache: &ParseCache,
    fronts: Option<FrontCache>,
    keep: bool,
) -> Result<Read, Error> {
    let repo = project.repo()?;
    let tip = repo.resolve(request.rev)?;
    let at = repo.commit(&tip)?;
    let snapshot = match fronts {
        Some(fronts) => {
            let snapshot = load_known(project, &tip, request.rev, cache, &fronts)?;
            // A cache that cannot be written costs time next run, nothing else.
            let _ = fronts.save();
            snapshot
        }
        None => {
            let loader = project.loader().cache(cache);
            loader.load(&Source::Commit(tip.clone()), Select::All, request.rev)?
        }
    };
    let known = (!keep).then(|| Known::take(cache));
    let history = project.walk_history(
        &tip,
        cache,
        !request.all_parents,
        None,
        Detail::Status,
        known.as_ref(),
    )?;
    drop(known);
    let options = Options {
        stale_days: request.stale_days,
        today: Some(project.today()?),
        ..Options::default()
    };
    let summary = summarize(
        project.schema(),
        request.rev,
        &at,
        &snapshot,
        &history,
        &options,
    );
    Ok(Read {
        tip,
        snapshot,
        history,
        summary,
    })
}

/// The records at `tip`, those whose blobs `fronts` knows rebuilt from
/// their front matter (not read, not parsed), the others read and parsed
/// front matter only, and then kept in `fronts` for next time.
fn load_known(
    project: &Project,
    tip: &ObjectId,
    label: &str,
    cache: &ParseCache,
    fronts: &FrontCache,
) -> Result<Snapshot, Error> {
    let schema = project.schema();
    let files = project.repo()?.tree_files(tip, &schema.dirs())?;
    let mut fresh = Vec::new();
    for file in files.iter().filter(|f| !f.symlink) {
        let Some(kind) = schema.kind_of_path(&file.path) else {
            continue;
        };
        match fronts.get(file.blob.as_str()) {
            Some(front) => {
                let record = record::from_front(&file.path, kind, front);
                cache.insert(file.blob.as_str(), &file.path, Arc::new(Ok(record)));
            }
            None => fresh.push(file),
        }
    }
    let loader = project.loader().cache(cache);
    let snapshot = loader.load(&Source::Commit(tip.clone()), Select::All, label)?;
    for file in fresh {
        let parsed = cache.get(file.blob.as_str(), &file.path);
        // A record titled by its heading needs its body: not kept.
        if let Some(Ok(record)) = parsed.as_deref() {
            if record.text("title").is_some() {
                fronts.put(file.blob.as_str(), &record.front);
            }
        }
    }
    Ok(snapshot)
}

/// The summary `cairn summary` shows: the revision's, with the span that
/// `since` or `range` names.
pub fn at_revision(project: &Project, request: &Request<'_>) -> Result<Summary, Error> {
    // The summary shows no sections or links: front matter is enough,
    // unless a span's changes (sections among them) are asked for too.
    let span = request.since.is_some() || request.range.is_some();
    let cache = if span {
        ParseCache::default()
    } else {
        ParseCache::front_only()
    };
    let fronts = if span { None } else { project.front_cache()? };
    let read = read(project, request, &cache, fronts, span)?;
    let loader = project.loader().cache(&cache);
    let span = match (request.since, request.range) {
        (Some(spec), _) => Some(since(
            project,
            &loader,
            spec,
            !request.all_parents,
            read.snapshot,
            &read.tip,
        )?),
        (None, Some(spec)) => Some(in_range(project, &loader, spec)?),
        (None, None) => None,
    };
    let mut summary = read.summary;
    if let Some((from, to, before, after)) = span {
        let changes = diff::compare(project.schema(), &before, &after);
        summary.span = Some(Span {
            from,
            to,
            sentence: diff::Tally::of(&changes),
            changes,
        });
    }
    Ok(summary)
}

/// Two sides of a span: their labels and snapshots.
type Sides = (String, String, Snapshot, Snapshot);

/// The span since a day: the last commit of the walk before it is the
/// earlier side (none: an empty log), the revision the later.
fn since(
    project: &Project,
    loader: &Loader<'_>,
    spec: &str,
    first_parent: bool,
    snapshot: Snapshot,
    tip: &ObjectId,
) -> Result<Sides, Error> {
    let since = calendar::since(spec, project.today()?)?
        .midnight()
        .assume_utc()
        .unix_timestamp();
    // The walk's order, newest first; it stops at the first one before.
    let repo = project.repo()?;
    let mut from = None;
    for id in repo.walk(tip, None, first_parent)? {
        let commit = repo.commit(&id)?;
        if commit.time < since {
            from = Some(commit);
            break;
        }
    }
    let from = from.as_ref();
    let before = match from {
        Some(c) => loader.load(&Source::Commit(c.id.clone()), Select::All, c.id.short())?,
        None => Snapshot::default(),
    };
    let label = from.map_or_else(|| "empty".to_string(), |c| c.id.to_string());
    Ok((label, tip.to_string(), before, snapshot))
}

/// The span of `A..B` or `A...B`.
fn in_range(project: &Project, loader: &Loader<'_>, spec: &str) -> Result<Sides, Error> {
    let (from, to, to_label) = range::commits(project.repo()?, spec)?;
    let before = loader.load(&Source::Commit(from.clone()), Select::All, from.short())?;
    let after = loader.load(&Source::Commit(to.clone()), Select::All, to_label)?;
    Ok((from.to_string(), to.to_string(), before, after))
}
