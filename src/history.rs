//! The history of the research log: one walk over the commits that yields,
//! per record id, what each commit did to it — added, modified, renamed or
//! moved, removed — with its field changes. `log` and `summary` both read
//! this one model; nothing walks history twice.
//!
//! Identity is the `id` in the file, never a similarity score: within one
//! commit, a path that disappears and a path that appears with the same id
//! is a rename. Only the blobs a commit changed are parsed, each once per
//! (blob, path) in a [`ParseCache`], and in parallel a batch at a time.
//!
//! By default the walk diffs the first-parent chain, so a merge shows what
//! it brought in as one change; with `first_parent: false` every commit is
//! diffed against its parent, and a merge only for what differs from every
//! parent (conflict resolutions), as `git log -c` shows it. Dates are author
//! dates, as in `git log`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use regex::Regex;
use serde::Serialize;

use crate::cache::ChangeCache;
use crate::calendar::iso_date;
use crate::diff::{self, ChangeKind, FieldChange, SectionChange, SectionChangeKind};
use crate::git::{ChangeStatus, CommitInfo, GitError, ObjectId, Repo, TreeChange, TreeFile};
use crate::record::Record;
use crate::schema::Schema;
use crate::snapshot::{Loader, ParseCache, Parsed};

/// How many commits are diffed before their changed blobs are parsed together.
const BATCH: usize = 4096;

/// What to walk and what to look for on the way.
#[derive(Default)]
pub struct Options<'a> {
    /// Diff only the first-parent chain (a merge is one change).
    pub first_parent: bool,
    /// An id to find in commit messages as a whole word (`Refs: EXP-0012`);
    /// then every reachable commit's message is read, merged branches too.
    pub mention: Option<&'a str>,
    /// Called with (commits done, commits in all) as the walk goes; the
    /// library never prints, so a command draws the progress.
    pub progress: Option<&'a dyn Fn(usize, usize)>,
    /// The persistent cache of each commit's changes, when one is used.
    pub changes: Option<&'a ChangeCache>,
}

/// One thing a commit did to one record.
#[derive(Clone, Debug)]
pub struct Event {
    /// The commit, as an index into [`History::commits`].
    pub commit: usize,
    /// Added, modified, renamed (or moved) or removed.
    pub change: ChangeKind,
    /// The path after the commit (before it, when removed).
    pub path: String,
    /// The path before the commit, when renamed.
    pub old_path: Option<String>,
    /// The status after the commit; `None` when removed or unreadable.
    pub status: Option<String>,
    /// Field changes (for an added record, every field).
    pub fields: Vec<FieldChange>,
    /// Why a side could not be read as a record, when one could not.
    pub broken: Option<String>,
    old: Option<Parsed>,
    new: Option<Parsed>,
}

impl Event {
    /// The record before the commit, if it was one.
    pub fn old_record(&self) -> Option<&Record> {
        self.old.as_deref().and_then(|r| r.as_ref().ok())
    }

    /// The record after the commit, if it is one.
    pub fn new_record(&self) -> Option<&Record> {
        self.new.as_deref().and_then(|r| r.as_ref().ok())
    }

    /// The section changes, computed on demand (they hold line diffs).
    pub fn sections(&self) -> Vec<SectionChange> {
        match (self.old_record(), self.new_record()) {
            (Some(old), Some(new)) => diff::section_changes(old, new),
            (None, Some(new)) => new
                .body
                .sections
                .iter()
                .map(|s| SectionChange {
                    section: s.title.clone(),
                    change: SectionChangeKind::Added,
                    diff: diff::line_diff("", &s.text),
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The walked history.
#[derive(Debug)]
pub struct History {
    /// Every walked commit, newest first (topological, then time order).
    pub commits: Vec<CommitInfo>,
    /// Per id, its events, newest first.
    pub events: HashMap<String, Vec<Event>>,
    /// Commits whose message names [`Options::mention`], newest first.
    pub mentions: Vec<usize>,
}

impl History {
    /// The commit of an event.
    pub fn commit(&self, event: &Event) -> &CommitInfo {
        &self.commits[event.commit]
    }

    /// Every id the history knows, sorted.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.events.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }
}

/// The model of `cairn log ID`: the record's events, newest first.
#[derive(Clone, Debug, Serialize)]
pub struct Log {
    /// The JSON shape's version.
    pub version: u32,
    /// The id followed.
    pub id: String,
    /// One entry per commit that changed the record, newest first.
    pub entries: Vec<LogEntry>,
    /// With `--code`: commits whose message names the id, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_commits: Option<Vec<CodeCommit>>,
}

/// One commit's change to the record.
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    /// The full commit id.
    pub commit: String,
    /// The author's name.
    pub author: String,
    /// The author date, ISO 8601 with the author's offset.
    pub date: String,
    /// The commit's summary line.
    pub summary: String,
    /// The record's path after the commit (before it, when removed).
    pub path: String,
    /// What happened.
    pub change: ChangeKind,
    /// The path before a rename or move.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// The status after the commit.
    pub status: Option<String>,
    /// Field changes; for an added record, every field.
    pub fields: Vec<FieldChange>,
    /// Section changes with their line diffs (with `--patch`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sections: Option<Vec<SectionChange>>,
    /// Why a side could not be read as a record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
    /// The author time, seconds since the epoch (for text output).
    #[serde(skip)]
    pub time: i64,
    /// The author's UTC offset in minutes (for text output).
    #[serde(skip)]
    pub offset_minutes: i32,
}

/// A commit whose message names the id.
#[derive(Clone, Debug, Serialize)]
pub struct CodeCommit {
    /// The full commit id.
    pub commit: String,
    /// The author's name.
    pub author: String,
    /// The author date, ISO 8601.
    pub date: String,
    /// The summary line.
    pub summary: String,
    /// The author time (for text output).
    #[serde(skip)]
    pub time: i64,
    /// The author's offset (for text output).
    #[serde(skip)]
    pub offset_minutes: i32,
}

impl History {
    /// The log of one id; `None` when the history never saw it.
    pub fn log(&self, id: &str, code: bool, patch: bool) -> Option<Log> {
        let events = self.events.get(id)?;
        let entries = events
            .iter()
            .map(|e| {
                let c = self.commit(e);
                LogEntry {
                    commit: c.id.to_string(),
                    author: c.author.clone(),
                    date: iso_date(c.time, c.offset_minutes),
                    summary: c.summary.clone(),
                    path: e.path.clone(),
                    change: e.change,
                    old_path: e.old_path.clone(),
                    status: e.status.clone(),
                    fields: e.fields.clone(),
                    sections: patch.then(|| e.sections()),
                    broken: e.broken.clone(),
                    time: c.time,
                    offset_minutes: c.offset_minutes,
                }
            })
            .collect();
        let code_commits = code.then(|| {
            self.mentions
                .iter()
                .map(|&i| {
                    let c = &self.commits[i];
                    CodeCommit {
                        commit: c.id.to_string(),
                        author: c.author.clone(),
                        date: iso_date(c.time, c.offset_minutes),
                        summary: c.summary.clone(),
                        time: c.time,
                        offset_minutes: c.offset_minutes,
                    }
                })
                .collect()
        });
        Some(Log {
            version: 1,
            id: id.to_string(),
            entries,
            code_commits,
        })
    }
}

/// Walks the history of `tip` once.
pub fn walk(
    repo: &Repo,
    schema: &Schema,
    tip: &ObjectId,
    cache: &ParseCache,
    options: &Options<'_>,
) -> Result<History, GitError> {
    let every_commit = options.mention.is_some() || !options.first_parent;
    let ids = repo.walk(tip, None, !every_commit)?;
    let total = ids.len();
    let dirs = schema.dirs();
    let mention = options.mention.map(mention_pattern);
    let loader = Loader::of_repo(schema, repo).cache(cache);
    let mut history = History {
        commits: Vec::with_capacity(total),
        events: HashMap::new(),
        mentions: Vec::new(),
    };
    // Read every commit first (cheap), then compare the trees of all the
    // commits that need it in parallel runs, then parse and record events
    // in batches.
    let mut chain_next = Some(tip.clone());
    let mut infos = Vec::with_capacity(total);
    let mut pairs: Vec<(Option<ObjectId>, ObjectId)> = Vec::new();
    let mut wanted: Vec<Option<std::ops::Range<usize>>> = Vec::with_capacity(total);
    for id in &ids {
        let info = repo.commit(id)?;
        let on_chain = chain_next.as_ref() == Some(id);
        if on_chain {
            chain_next = info.parents.first().cloned();
        }
        if on_chain || !options.first_parent {
            let start = pairs.len();
            match info.parents.as_slice() {
                [] => pairs.push((None, info.id.clone())),
                [first, ..] if options.first_parent => {
                    pairs.push((Some(first.clone()), info.id.clone()))
                }
                parents => pairs.extend(parents.iter().map(|p| (Some(p.clone()), info.id.clone()))),
            }
            wanted.push(Some(start..pairs.len()));
        } else {
            wanted.push(None);
        }
        infos.push(info);
    }
    let mut diffs = diff_pairs(repo, &pairs, &dirs, options, total)?
        .into_iter()
        .map(Some)
        .collect::<Vec<_>>();
    let mut infos = infos.into_iter();
    for chunk in wanted.chunks(BATCH) {
        let mut batch: Vec<(usize, Vec<TreeChange>)> = Vec::with_capacity(chunk.len());
        for range in chunk {
            let Some(info) = infos.next() else { break };
            let index = history.commits.len();
            if mention
                .as_ref()
                .is_some_and(|re| re.is_match(&info.message))
            {
                history.mentions.push(index);
            }
            if let Some(range) = range {
                let mut changes =
                    merge_changes(diffs[range.clone()].iter_mut().filter_map(Option::take));
                changes.retain(|c| schema.is_record_path(&c.path));
                batch.push((index, changes));
            }
            history.commits.push(info);
        }
        parse_batch(&loader, cache, &batch)?;
        for (index, changes) in batch {
            record_events(&mut history.events, cache, index, &changes);
        }
    }
    if let Some(progress) = options.progress {
        progress(total, total);
    }
    Ok(history)
}

/// The history of one record, walked like `git log --follow`: only the
/// commits that change the paths the record lives at are read and parsed,
/// and where it appears at a path (a rename, a move, an id change or its
/// creation) that commit's other changed records are read to find where it
/// came from. The events are those [`walk`] finds for the id, on the
/// first-parent chain.
///
/// The record is looked for at `tip`, first among the files whose name
/// holds the id, then among all records. `None` when no record at `tip` has
/// the id (a removed record): then only a whole walk finds its history. A
/// second file claiming the same id (an error `validate` reports) is
/// followed only if it exists at `tip`.
pub fn follow(
    repo: &Repo,
    schema: &Schema,
    tip: &ObjectId,
    id: &str,
    cache: &ParseCache,
    options: &Options<'_>,
) -> Result<Option<History>, GitError> {
    let dirs = schema.dirs();
    let loader = Loader::of_repo(schema, repo).cache(cache);
    let mut tracked = paths_with_id(repo, schema, &loader, tip, id, cache, &dirs)?;
    if tracked.is_empty() {
        return Ok(None);
    }
    let mut history = History {
        commits: Vec::new(),
        events: HashMap::new(),
        mentions: Vec::new(),
    };
    let chain = repo.walk(tip, None, true)?;
    let total = chain.len();
    // Where the record was last seen, once no path holds it: a record
    // removed and later restored at the same path is found again there.
    let mut last_seen: Vec<String> = Vec::new();
    for (done, commit) in chain.iter().enumerate() {
        if let Some(progress) = options.progress {
            if done % 1024 == 0 {
                progress(done, total);
            }
        }
        let info = repo.commit(commit)?;
        let parent = info.parents.first();
        let watched = if tracked.is_empty() {
            &last_seen
        } else {
            &tracked
        };
        // A commit's changes the cache knows need no tree read at all.
        let known = options.changes.and_then(|c| c.get(parent, commit));
        let mut changes = match &known {
            Some(all) => all
                .iter()
                .filter(|c| watched.contains(&c.path))
                .cloned()
                .collect(),
            None => repo.path_changes(parent, commit, watched)?,
        };
        changes.retain(|c| schema.is_record_path(&c.path));
        if changes.is_empty() {
            continue;
        }
        let batch = vec![(0, changes)];
        parse_batch(&loader, cache, &batch)?;
        let [(_, mut changes)] = <[_; 1]>::try_from(batch).unwrap_or_else(|_| unreachable!());
        // The record continues on a path whose older side is the same
        // record (or unreadable, as the whole walk reads it); anything else
        // means it came from elsewhere in this commit, or was born here.
        let continues = |change: &TreeChange| {
            change.old_blob.as_ref().is_some_and(|blob| {
                cache
                    .get(blob.as_str(), &change.path)
                    .is_some_and(|parsed| match parsed.as_ref() {
                        Ok(record) => record.id.as_deref() == Some(id),
                        Err(_) => true,
                    })
            })
        };
        let holds_id = |change: &TreeChange| {
            [&change.old_blob, &change.new_blob]
                .into_iter()
                .flatten()
                .any(|blob| {
                    cache
                        .get(blob.as_str(), &change.path)
                        .is_some_and(|parsed| {
                            parsed
                                .as_ref()
                                .as_ref()
                                .is_ok_and(|r| r.id.as_deref() == Some(id))
                        })
                })
        };
        if !changes.iter().any(holds_id) {
            continue;
        }
        if !changes.iter().all(continues) {
            changes = match known {
                Some(all) => all,
                None => {
                    let all = repo.diff_commits(parent, commit, &dirs)?;
                    if let Some(cache) = options.changes {
                        cache.put(parent, commit, &all);
                    }
                    all
                }
            };
            changes.retain(|c| schema.is_record_path(&c.path));
            let batch = vec![(0, changes)];
            parse_batch(&loader, cache, &batch)?;
            let [(_, all)] = <[_; 1]>::try_from(batch).unwrap_or_else(|_| unreachable!());
            changes = all;
        }
        let index = history.commits.len();
        let mut found: HashMap<String, Vec<Event>> = HashMap::new();
        record_events(&mut found, cache, index, &changes);
        let Some(events) = found.remove(id) else {
            continue;
        };
        history.commits.push(info);
        history
            .events
            .entry(id.to_string())
            .or_default()
            .extend(events);
        // The paths it lives at in the parent: the unchanged ones, and
        // every changed path whose older side is the record.
        let changed: HashSet<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        let mut before: Vec<String> = tracked
            .iter()
            .filter(|p| !changed.contains(p.as_str()))
            .cloned()
            .collect();
        before.extend(
            changes
                .iter()
                .filter(|c| continues(c))
                .map(|c| c.path.clone()),
        );
        before.sort();
        before.dedup();
        if before.is_empty() {
            last_seen = if tracked.is_empty() {
                last_seen
            } else {
                tracked
            };
        }
        tracked = before;
    }
    if let Some(progress) = options.progress {
        progress(total, total);
    }
    if let Some(pattern) = options.mention.map(mention_pattern) {
        for commit in repo.walk(tip, None, false)? {
            let info = repo.commit(&commit)?;
            if pattern.is_match(&info.message) {
                history.mentions.push(history.commits.len());
                history.commits.push(info);
            }
        }
    }
    Ok(Some(history))
}

/// The record paths at `commit` whose record has `id`: first among the
/// files whose name holds it, else among every record.
fn paths_with_id(
    repo: &Repo,
    schema: &Schema,
    loader: &Loader<'_>,
    commit: &ObjectId,
    id: &str,
    cache: &ParseCache,
    dirs: &[String],
) -> Result<Vec<String>, GitError> {
    let files: Vec<TreeFile> = repo
        .tree_files(commit, dirs)?
        .into_iter()
        .filter(|f| !f.symlink && schema.is_record_path(&f.path))
        .collect();
    let named = |f: &&TreeFile| {
        f.path
            .rsplit('/')
            .next()
            .is_some_and(|name| name.contains(id))
    };
    for candidates in [
        files.iter().filter(named).collect::<Vec<_>>(),
        files.iter().collect(),
    ] {
        let batch = vec![(
            0,
            candidates
                .iter()
                .map(|f| TreeChange {
                    status: ChangeStatus::Added,
                    path: f.path.clone(),
                    old_blob: None,
                    new_blob: Some(f.blob.clone()),
                    symlink: false,
                })
                .collect::<Vec<_>>(),
        )];
        parse_batch(loader, cache, &batch)?;
        let paths: Vec<String> = candidates
            .iter()
            .filter(|f| {
                cache.get(f.blob.as_str(), &f.path).is_some_and(|parsed| {
                    parsed
                        .as_ref()
                        .as_ref()
                        .is_ok_and(|r| r.id.as_deref() == Some(id))
                })
            })
            .map(|f| f.path.clone())
            .collect();
        if !paths.is_empty() {
            return Ok(paths);
        }
    }
    Ok(Vec::new())
}

/// The changes of every `(parent, commit)` pair under `dirs`, in order:
/// from the persistent cache where it knows them, else by comparing trees
/// (in parallel runs), which the cache then keeps.
fn diff_pairs(
    repo: &Repo,
    pairs: &[(Option<ObjectId>, ObjectId)],
    dirs: &[String],
    options: &Options<'_>,
    total: usize,
) -> Result<Vec<Vec<TreeChange>>, GitError> {
    let mut diffs: Vec<Option<Vec<TreeChange>>> = match options.changes {
        Some(cache) => pairs
            .iter()
            .map(|(parent, commit)| cache.get(parent.as_ref(), commit))
            .collect(),
        None => vec![None; pairs.len()],
    };
    let missing: Vec<usize> = (0..pairs.len()).filter(|&i| diffs[i].is_none()).collect();
    let mut done = pairs.len() - missing.len();
    for run in missing.chunks(BATCH * 4) {
        let wanted: Vec<(Option<ObjectId>, ObjectId)> =
            run.iter().map(|&i| pairs[i].clone()).collect();
        for (&i, changes) in run.iter().zip(repo.diff_many(&wanted, dirs)?) {
            if let Some(cache) = options.changes {
                cache.put(pairs[i].0.as_ref(), &pairs[i].1, &changes);
            }
            diffs[i] = Some(changes);
        }
        done += run.len();
        if let Some(progress) = options.progress {
            progress(done * total / pairs.len().max(1), total);
        }
    }
    Ok(diffs.into_iter().map(Option::unwrap_or_default).collect())
}

/// What a commit changed, from its comparison with each parent it is
/// compared with: against one parent, that comparison; a merge (with
/// `--all-parents`) changed only the paths that differ from every parent,
/// with the first parent's side as the old one.
fn merge_changes(mut per_parent: impl Iterator<Item = Vec<TreeChange>>) -> Vec<TreeChange> {
    let mut changes = per_parent.next().unwrap_or_default();
    for other in per_parent {
        let differ: HashSet<String> = other.into_iter().map(|c| c.path).collect();
        changes.retain(|c| differ.contains(&c.path));
    }
    changes
}

/// A pattern that finds `id` as a whole word.
fn mention_pattern(id: &str) -> Regex {
    let pattern = format!(r"(?:^|[^\w]){}(?:$|[^\w])", regex::escape(id));
    // An escaped literal between two classes always compiles.
    Regex::new(&pattern).unwrap_or_else(|_| unreachable!("invalid pattern {pattern}"))
}

/// Reads the blobs of a batch not parsed yet and parses them, both in
/// parallel.
fn parse_batch(
    loader: &Loader<'_>,
    cache: &ParseCache,
    batch: &[(usize, Vec<TreeChange>)],
) -> Result<(), GitError> {
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let mut wanted: Vec<(ObjectId, String)> = Vec::new();
    for change in batch.iter().flat_map(|(_, changes)| changes) {
        for blob in [&change.old_blob, &change.new_blob].into_iter().flatten() {
            if cache.contains(blob.as_str(), &change.path)
                || !seen.insert((blob.as_str(), &change.path))
            {
                continue;
            }
            wanted.push((blob.clone(), change.path.clone()));
        }
    }
    loader.parse_blobs(wanted)
}

/// One side of a changed path.
struct Side {
    path: String,
    parsed: Parsed,
}

impl Side {
    fn id(&self) -> Option<&str> {
        self.parsed.as_ref().as_ref().ok()?.id.as_deref()
    }
}

/// Turns one commit's changed paths into per-id events.
fn record_events(
    events: &mut HashMap<String, Vec<Event>>,
    cache: &ParseCache,
    commit: usize,
    changes: &[TreeChange],
) {
    let side = |blob: &Option<ObjectId>, path: &str| {
        let parsed = cache.get(blob.as_ref()?.as_str(), path)?;
        Some(Side {
            path: path.to_string(),
            parsed,
        })
    };
    let mut gone: Vec<Side> = Vec::new();
    let mut came: Vec<Side> = Vec::new();
    let mut push = |id: &str, event: Event| events.entry(id.to_string()).or_default().push(event);
    for change in changes {
        let old = side(&change.old_blob, &change.path);
        let new = side(&change.new_blob, &change.path);
        match (old, new) {
            (Some(old), Some(new)) => match (
                Arc::clone(&old.parsed).as_ref(),
                Arc::clone(&new.parsed).as_ref(),
            ) {
                (Ok(a), Ok(b)) if a.id.is_some() && a.id == b.id => {
                    let id = b.id.clone().unwrap_or_default();
                    push(&id, event(commit, ChangeKind::Modified, Some(old), new));
                }
                (Ok(a), Err(why)) if a.id.is_some() => {
                    let id = a.id.clone().unwrap_or_default();
                    let mut e = event(commit, ChangeKind::Modified, Some(old), new);
                    e.broken = Some(why.message.clone());
                    push(&id, e);
                }
                (Err(why), Ok(b)) if b.id.is_some() => {
                    let id = b.id.clone().unwrap_or_default();
                    let why = why.message.clone();
                    let mut e = event(commit, ChangeKind::Modified, Some(old), new);
                    e.broken = Some(why);
                    push(&id, e);
                }
                _ => {
                    gone.push(old);
                    came.push(new);
                }
            },
            (Some(old), None) => gone.push(old),
            (None, Some(new)) => came.push(new),
            (None, None) => {}
        }
    }
    for new in came {
        let Some(id) = new.id().map(str::to_string) else {
            continue;
        };
        match gone.iter().position(|old| old.id() == Some(id.as_str())) {
            Some(at) => {
                let old = gone.swap_remove(at);
                push(&id, event(commit, ChangeKind::Renamed, Some(old), new));
            }
            None => push(&id, event(commit, ChangeKind::Added, None, new)),
        }
    }
    for old in gone {
        let Some(id) = old.id().map(str::to_string) else {
            continue;
        };
        push(
            &id,
            Event {
                commit,
                change: ChangeKind::Removed,
                path: old.path,
                old_path: None,
                status: None,
                fields: Vec::new(),
                broken: None,
                old: Some(old.parsed),
                new: None,
            },
        );
    }
}

/// The event of a record present after the commit.
fn event(commit: usize, change: ChangeKind, old: Option<Side>, new: Side) -> Event {
    let old_record = old.as_ref().and_then(|s| s.parsed.as_ref().as_ref().ok());
    let new_record = new.parsed.as_ref().as_ref().ok();
    let fields = match (old_record, new_record) {
        (Some(a), Some(b)) => diff::field_changes(a, b),
        (None, Some(b)) => diff::added(b).fields,
        _ => Vec::new(),
    };
    let old_path = old
        .as_ref()
        .filter(|o| o.path != new.path)
        .map(|o| o.path.clone());
    Event {
        commit,
        change,
        path: new.path,
        old_path,
        status: new_record.and_then(Record::status),
        fields,
        broken: None,
        old: old.map(|s| s.parsed),
        new: Some(new.parsed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_match_whole_ids_only() {
        let re = mention_pattern("EXP-0012");
        assert!(re.is_match("Refs: EXP-0012"));
        assert!(re.is_match("tune EXP-0012."));
        assert!(re.is_match("EXP-0012"));
        assert!(!re.is_match("EXP-00123"));
        assert!(!re.is_match("XEXP-0012"));
        assert!(!re.is_match("EXP-001"));
    }
}
