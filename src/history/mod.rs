//! The history of the research log: one walk over the commits that yields,
//! per record id, what each commit did to it — added, modified, renamed or
//! moved, removed — with its field changes. `log` and `summary` both read
//! this one model; nothing walks history twice.
//!
//! Identity is the `id` in the file, never a similarity score: within one
//! commit, a path that disappears and a path that appears with the same id
//! is a rename. Only the blobs a commit changed are read, each once per
//! (blob, path), in parallel a batch at a time, and only as deeply as the
//! [`Detail`] asked for needs: statuses come from the front matter alone
//! (or from the blob cache, without reading the blob at all); field
//! changes need the front matter of both sides; section diffs the bodies.
//!
//! `events.rs` turns changed paths into events; `follow.rs` is the walk of
//! one record like `git log --follow`.
//!
//! By default the walk diffs the first-parent chain, so a merge shows what
//! it brought in as one change; with `first_parent: false` every commit is
//! diffed against its parent, and a merge only for what differs from every
//! parent (conflict resolutions), as `git log -c` shows it. Dates are author
//! dates, as in `git log`.

mod events;
mod follow;

use crate::hash::{Map as HashMap, Set as HashSet};
use std::sync::Arc;

use regex::Regex;
use serde::Serialize;

pub use follow::follow;

use crate::cache::{BlobCache, BlobFacts, ChangeCache, FollowCache};
use crate::calendar::iso_date;
use crate::diff::{self, ChangeKind, FieldChange, SectionChange, SectionChangeKind};
use crate::git::{CommitInfo, GitError, ObjectId, Repo, TreeChange};
use crate::record::Record;
use crate::schema::Schema;
use crate::snapshot::{ParseCache, Parsed};
use events::{Reader, record_events};

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
    /// The persistent cache of each blob's id and status, when one is used.
    pub blobs: Option<&'a BlobCache>,
    /// The persistent cache of where `log` found a record's paths changed.
    pub follows: Option<&'a FollowCache>,
    /// How much of each change to work out.
    pub detail: Detail,
    /// What the caller knows of some blobs already.
    pub known: Option<&'a Known>,
}

/// What a caller knows of some blobs before a walk: per blob and path,
/// what the walk needs of it (its id and status). A summary hands over its
/// revision's parsed records this way, so that it holds no second copy of
/// them through the walk.
#[derive(Debug, Default)]
pub struct Known {
    facts: HashMap<(String, String), Arc<BlobFacts>>,
}

impl Known {
    /// What the walk needs of every parse in `cache`, which is left empty.
    pub fn take(cache: &ParseCache) -> Known {
        let facts = cache
            .take()
            .into_iter()
            .map(|(key, parsed)| (key, Arc::new(events::facts_of(&parsed))))
            .collect();
        Known { facts }
    }

    /// The facts of `blob` at `path`, if known.
    fn get(&self, blob: &str, path: &str) -> Option<&Arc<BlobFacts>> {
        self.facts.get(&(blob.to_string(), path.to_string()))
    }

    /// How many blobs at paths it knows.
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    /// Whether it knows none.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }
}

/// How much of each change a walk works out: the less, the less it reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Detail {
    /// Ids and statuses only (`summary`, `report`): events carry no field
    /// changes, and blobs the blob cache knows are not read.
    #[default]
    Status,
    /// Field changes too (`log`): both sides' front matter is parsed.
    Fields,
    /// Field changes, and each side's record kept for its section diff
    /// (`log --patch`); the caller's parse cache must read bodies.
    Sections,
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
    /// The parsed sides, kept only with [`Detail::Sections`].
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

    /// The section changes, computed on demand (they hold line diffs); only
    /// a walk with [`Detail::Sections`] keeps the records they come from.
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
                    diff: diff::line_diff("", s.text()),
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The walked history.
#[derive(Debug, Default)]
pub struct History {
    /// The walked commits that changed a record (or name the id looked
    /// for), newest first (topological, then time order).
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
    let plan = plan(repo, tip, options)?;
    let total = plan.commits.len();
    let mention = options.mention.map(mention_pattern);
    let mut reader = Reader::new(schema, repo, cache, options);
    let mut history = History::default();
    // A batch of commits at a time: compare their trees, then parse the
    // blobs they changed and record events, so that what a walk holds
    // grows with the events it finds, not with the commits it reads. Only
    // the commits that changed a record (or name the id looked for) are
    // kept.
    let dirs = schema.dirs();
    let mut count = Count {
        done: 0,
        pairs: plan.pairs.len(),
        commits: total,
    };
    let mut commits = plan.commits.into_iter();
    for chunk in plan.wanted.chunks(BATCH) {
        let pairs = pair_span(chunk);
        let mut diffs = diff_pairs(repo, &plan.pairs[pairs.clone()], &dirs, options, &mut count)?
            .into_iter()
            .map(Some)
            .collect::<Vec<_>>();
        let mut batch: Vec<(usize, Vec<TreeChange>)> = Vec::with_capacity(chunk.len());
        for range in chunk {
            let Some((id, info)) = commits.next() else {
                break;
            };
            let mut changes = match range {
                Some(range) => merge_changes(
                    diffs[range.start - pairs.start..range.end - pairs.start]
                        .iter_mut()
                        .filter_map(Option::take),
                ),
                None => Vec::new(),
            };
            changes.retain(|c| schema.is_record_path(&c.path));
            if changes.is_empty() && mention.is_none() {
                continue;
            }
            let info = match info {
                Some(info) => info,
                None => commit_info(repo, options.changes, &id)?,
            };
            let index = history.commits.len();
            if mention
                .as_ref()
                .is_some_and(|re| re.is_match(&info.message))
            {
                history.mentions.push(index);
            }
            if !changes.is_empty() {
                batch.push((index, changes));
            }
            history.commits.push(info);
        }
        reader.load(batch.iter().flat_map(|(_, changes)| changes))?;
        for (index, changes) in batch {
            record_events(&mut history.events, &reader, index, &changes);
        }
        // What the next batch needs again (the older side of this one's
        // oldest changes) comes back from the caches, or is read again.
        reader.forget();
    }
    if let Some(progress) = options.progress {
        progress(total, total);
    }
    Ok(history)
}

/// How far the comparisons of a walk are, for its progress.
struct Count {
    /// Pairs compared (or found in the cache) so far.
    done: usize,
    /// Pairs in all.
    pairs: usize,
    /// Commits in all.
    commits: usize,
}

/// The pairs a batch of commits compares: from the first one's to the
/// last one's (each commit's pairs follow the previous commit's).
fn pair_span(chunk: &[Option<std::ops::Range<usize>>]) -> std::ops::Range<usize> {
    let mut ranges = chunk.iter().flatten();
    match ranges.next() {
        Some(first) => first.start..ranges.last().unwrap_or(first).end,
        None => 0..0,
    }
}

/// A commit's metadata: from the change cache where it knows it, else
/// read from git, which the cache then keeps.
fn commit_info(
    repo: &Repo,
    changes: Option<&ChangeCache>,
    id: &ObjectId,
) -> Result<CommitInfo, GitError> {
    if let Some(info) = changes.and_then(|c| c.commit(id)) {
        return Ok(info);
    }
    let info = repo.commit(id)?;
    if let Some(cache) = changes {
        cache.put_commit(&info);
    }
    Ok(info)
}

/// What a walk reads: every commit in walk order (with its metadata when
/// it had to be read already), the `(parent, commit)` pairs to compare,
/// and per commit the range of its pairs (None: not compared).
struct Plan {
    commits: Vec<(ObjectId, Option<CommitInfo>)>,
    pairs: Vec<(Option<ObjectId>, ObjectId)>,
    wanted: Vec<Option<std::ops::Range<usize>>>,
}

/// Plans a walk: down the first-parent chain (through the change cache
/// where it knows it, reading no commit), or, for every commit or the
/// messages, reading each commit for its parents.
fn plan(repo: &Repo, tip: &ObjectId, options: &Options<'_>) -> Result<Plan, GitError> {
    if options.first_parent && options.mention.is_none() {
        let chain = follow::first_parent_chain(repo, tip, options)?;
        return Ok(Plan {
            wanted: (0..chain.len()).map(|i| Some(i..i + 1)).collect(),
            pairs: chain
                .iter()
                .map(|(commit, parent)| (parent.clone(), commit.clone()))
                .collect(),
            commits: chain
                .into_iter()
                .map(|(commit, _)| (commit, None))
                .collect(),
        });
    }
    let ids = repo.walk(tip, None, false)?;
    let mut plan = Plan {
        commits: Vec::with_capacity(ids.len()),
        pairs: Vec::new(),
        wanted: Vec::with_capacity(ids.len()),
    };
    let mut chain_next = Some(tip.clone());
    for id in ids {
        let info = repo.commit(&id)?;
        let on_chain = chain_next.as_ref() == Some(&id);
        if on_chain {
            chain_next = info.parents.first().cloned();
        }
        if on_chain || !options.first_parent {
            let start = plan.pairs.len();
            let pair = |p: &ObjectId| (Some(p.clone()), id.clone());
            match info.parents.as_slice() {
                [] => plan.pairs.push((None, id.clone())),
                [first, ..] if options.first_parent => plan.pairs.push(pair(first)),
                parents => plan.pairs.extend(parents.iter().map(pair)),
            }
            plan.wanted.push(Some(start..plan.pairs.len()));
        } else {
            plan.wanted.push(None);
        }
        plan.commits.push((id, Some(info)));
    }
    Ok(plan)
}

/// The changes of every `(parent, commit)` pair under `dirs`, in order:
/// from the persistent cache where it knows them, else by comparing trees
/// (on every core, [`Repo::diff_commits_each`]), which the cache then
/// keeps.
fn diff_pairs(
    repo: &Repo,
    pairs: &[(Option<ObjectId>, ObjectId)],
    dirs: &[String],
    options: &Options<'_>,
    count: &mut Count,
) -> Result<Vec<Vec<TreeChange>>, GitError> {
    let mut diffs: Vec<Option<Vec<TreeChange>>> = match options.changes {
        Some(cache) => pairs
            .iter()
            .map(|(parent, commit)| cache.get(parent.as_ref(), commit))
            .collect(),
        None => vec![None; pairs.len()],
    };
    let missing: Vec<usize> = (0..pairs.len()).filter(|&i| diffs[i].is_none()).collect();
    count.done += pairs.len() - missing.len();
    // In walk order, a contiguous run a thread: neighbouring commits share
    // most of their trees, whose delta chains stay in libgit2's cache.
    let asked: Vec<_> = missing
        .iter()
        .map(|&i| (pairs[i].0.as_ref(), &pairs[i].1))
        .collect();
    let found = repo.diff_commits_each(&asked, dirs)?;
    for (&i, changes) in missing.iter().zip(found) {
        let (parent, commit) = &pairs[i];
        if let Some(cache) = options.changes {
            // A commit's pairs are in its parents' order.
            let first = i == 0 || pairs[i - 1].1 != *commit;
            cache.put(parent.as_ref(), commit, first, &changes);
        }
        diffs[i] = Some(changes);
    }
    count.done += missing.len();
    if let Some(progress) = options.progress {
        progress(
            count.done * count.commits / count.pairs.max(1),
            count.commits,
        );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::snapshot::SourceFile;

    #[test]
    fn known_takes_each_parse_as_its_id_and_status_and_empties_the_cache() {
        let schema = config::builtin();
        let cache = ParseCache::front_only();
        let file = |path: &str, blob: &str, text: &str| SourceFile {
            path: path.to_string(),
            blob: Some(blob.to_string()),
            content: Ok(text.as_bytes().to_vec()),
        };
        cache.parse(
            &schema,
            vec![
                file(
                    "research/experiments/EXP-0001-a.md",
                    "1111111111111111111111111111111111111111",
                    "---\nid: EXP-0001\ntitle: A\nstatus: running\n---\n# A\n",
                ),
                file(
                    "research/experiments/EXP-0002-b.md",
                    "2222222222222222222222222222222222222222",
                    "---\nid: [unclosed\n---\n",
                ),
            ],
        );
        let known = Known::take(&cache);
        assert_eq!(known.len(), 2);
        let facts = known
            .get(
                "1111111111111111111111111111111111111111",
                "research/experiments/EXP-0001-a.md",
            )
            .map(|f| (f.id.clone(), f.status.clone(), f.broken.is_some()));
        assert_eq!(
            facts,
            Some((Some("EXP-0001".into()), Some("running".into()), false))
        );
        let broken = known.get(
            "2222222222222222222222222222222222222222",
            "research/experiments/EXP-0002-b.md",
        );
        assert!(broken.is_some_and(|f| f.id.is_none() && f.broken.is_some()));
        // Another path of the same blob is another record: not known.
        assert!(
            known
                .get(
                    "1111111111111111111111111111111111111111",
                    "research/experiments/EXP-0001-c.md"
                )
                .is_none()
        );
        assert!(cache.take().is_empty());
        assert!(!cache.contains(
            "1111111111111111111111111111111111111111",
            "research/experiments/EXP-0001-a.md"
        ));
    }

    #[test]
    fn a_batch_compares_the_pairs_from_its_first_commit_to_its_last() {
        assert_eq!(pair_span(&[Some(0..1), Some(1..3), None, Some(3..4)]), 0..4);
        assert_eq!(pair_span(&[None, Some(5..6), None]), 5..6);
        assert_eq!(pair_span(&[None, None]), 0..0);
        assert_eq!(pair_span(&[]), 0..0);
    }

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
