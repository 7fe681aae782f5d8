//! The history of one record, walked like `git log --follow`.

use crate::hash::{Map as HashMap, Set as HashSet};

use super::events::{Reader, record_events};
use super::{History, Options, commit_info, mention_pattern};
use crate::cache::ChangeCache;
use crate::git::{ChangeStatus, GitError, ObjectId, Repo, TreeChange};
use crate::schema::Schema;
use crate::snapshot::ParseCache;

/// The history of one record, walked like `git log --follow`: only the
/// commits that change the paths the record lives at are read and parsed,
/// and where it appears at a path (a rename, a move, an id change or its
/// creation) that commit's other changed records are read to find where it
/// came from. The events are those [`super::walk`] finds for the id, on the
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
    let mut reader = Reader::new(schema, repo, cache, options);
    let tracked = paths_with_id(repo, schema, &mut reader, tip, id)?;
    if tracked.is_empty() {
        return Ok(None);
    }
    // A walk from here with the record at these paths found before: only
    // the commits it found need reading again.
    let replay = options.follows.and_then(|f| f.get(tip, &tracked));
    let chain = match &replay {
        Some(steps) => steps.clone(),
        None => first_parent_chain(repo, tip, options)?,
    };
    let at_tip = tracked.clone();
    let mut follower = Follower {
        repo,
        schema,
        id,
        changes: options.changes.filter(|_| replay.is_none()),
        commits: options.changes,
        reader,
        tracked,
        last_seen: Vec::new(),
        history: History::default(),
    };
    let total = chain.len();
    let mut found = Vec::new();
    for (done, (commit, parent)) in chain.into_iter().enumerate() {
        if let Some(progress) = options.progress.filter(|_| done % 1024 == 0) {
            progress(done, total);
        }
        if follower.step(&commit, parent.as_ref())? {
            found.push((commit, parent));
        }
    }
    if let Some(progress) = options.progress {
        progress(total, total);
    }
    if let (None, Some(follows)) = (replay, options.follows) {
        follows.put(tip, &at_tip, &found);
    }
    let mut history = follower.history;
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

/// The walk's state: the record's paths, and what it found so far.
struct Follower<'a> {
    repo: &'a Repo,
    schema: &'a Schema,
    id: &'a str,
    /// The change cache, unless replaying the commits a walk found.
    changes: Option<&'a ChangeCache>,
    /// The change cache for the metadata of the commits found, replaying or not.
    commits: Option<&'a ChangeCache>,
    reader: Reader<'a>,
    /// The paths the record lives at before the commits seen so far.
    tracked: Vec<String>,
    /// Where it was last seen, once no path holds it: a record removed and
    /// later restored at the same path is found again there.
    last_seen: Vec<String>,
    history: History,
}

impl Follower<'_> {
    /// One commit of the chain: its changes at the record's paths and, if
    /// the record is among them, its event and where it lived before.
    /// Whether the commit changed one of those paths.
    fn step(&mut self, commit: &ObjectId, parent: Option<&ObjectId>) -> Result<bool, GitError> {
        let watched = if self.tracked.is_empty() {
            &self.last_seen
        } else {
            &self.tracked
        };
        // A commit's changes the cache knows need no tree read at all.
        let known = self.changes.and_then(|c| c.get(parent, commit));
        let mut changes = match &known {
            Some(all) => all
                .iter()
                .filter(|c| watched.contains(&c.path))
                .cloned()
                .collect(),
            None => self.repo.path_changes(parent, commit, watched)?,
        };
        changes.retain(|c| self.schema.is_record_path(&c.path));
        if changes.is_empty() {
            return Ok(false);
        }
        self.reader.load(&changes)?;
        if !changes.iter().any(|c| self.holds_id(c)) {
            return Ok(true);
        }
        // The record came from elsewhere in this commit, or was born here:
        // every changed record is read to tell which.
        if !changes.iter().all(|c| self.continues(c)) {
            changes = match known {
                Some(all) => all,
                None => {
                    let all = self
                        .repo
                        .diff_commits(parent, commit, &self.schema.dirs())?;
                    if let Some(cache) = self.changes {
                        cache.put(parent, commit, true, &all);
                    }
                    all
                }
            };
            changes.retain(|c| self.schema.is_record_path(&c.path));
            self.reader.load(&changes)?;
        }
        let mut found = HashMap::default();
        record_events(
            &mut found,
            &self.reader,
            self.history.commits.len(),
            &changes,
        );
        let Some(events) = found.remove(self.id) else {
            return Ok(true);
        };
        let info = commit_info(self.repo, self.commits, commit)?;
        self.history.commits.push(info);
        let history = &mut self.history.events;
        history
            .entry(self.id.to_string())
            .or_default()
            .extend(events);
        self.move_back(&changes);
        Ok(true)
    }

    /// Whether the record continues on a changed path: its older side is
    /// the record (or unreadable, as the whole walk reads it).
    fn continues(&self, change: &TreeChange) -> bool {
        change.old_blob.as_ref().is_some_and(|blob| {
            self.reader
                .facts(blob, &change.path)
                .is_some_and(|f| f.broken.is_some() || f.id.as_deref() == Some(self.id))
        })
    }

    /// Whether either side of a change is the record.
    fn holds_id(&self, change: &TreeChange) -> bool {
        [&change.old_blob, &change.new_blob]
            .into_iter()
            .flatten()
            .any(|blob| self.reader.has_id(blob, &change.path, self.id))
    }

    /// Moves the record's paths to the parent of a commit that changed it:
    /// the unchanged ones, and every changed path whose older side is it.
    fn move_back(&mut self, changes: &[TreeChange]) {
        let changed: HashSet<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        let mut before: Vec<String> = self
            .tracked
            .iter()
            .filter(|p| !changed.contains(p.as_str()))
            .cloned()
            .collect();
        before.extend(
            changes
                .iter()
                .filter(|c| self.continues(c))
                .map(|c| c.path.clone()),
        );
        before.sort();
        before.dedup();
        if before.is_empty() && !self.tracked.is_empty() {
            self.last_seen = std::mem::take(&mut self.tracked);
        }
        self.tracked = before;
    }
}

/// The first-parent chain from `tip`, each commit with its first parent
/// (None for a root): through the change cache as far as it knows the
/// chain, then from git.
pub(super) fn first_parent_chain(
    repo: &Repo,
    tip: &ObjectId,
    options: &Options<'_>,
) -> Result<Vec<(ObjectId, Option<ObjectId>)>, GitError> {
    let mut chain = Vec::new();
    let mut next = tip.clone();
    // A damaged file could hold a cycle; a real chain has no repeats.
    let mut seen = HashSet::default();
    while let Some(parent) = options
        .changes
        .filter(|_| seen.insert(next.clone()))
        .and_then(|c| c.first_parent(&next))
    {
        let Some(parent) = parent else {
            chain.push((next, None));
            return Ok(chain);
        };
        chain.push((next, Some(parent.clone())));
        next = parent;
    }
    chain.extend(repo.first_parent_chain(&next)?);
    Ok(chain)
}

/// The record paths at `commit` whose record has `id`: first among the
/// files whose name holds it, else among every record.
fn paths_with_id(
    repo: &Repo,
    schema: &Schema,
    reader: &mut Reader<'_>,
    commit: &ObjectId,
    id: &str,
) -> Result<Vec<String>, GitError> {
    let files: Vec<TreeChange> = repo
        .tree_files(commit, &schema.dirs())?
        .into_iter()
        .filter(|f| !f.symlink && schema.is_record_path(&f.path))
        .map(|f| TreeChange {
            status: ChangeStatus::Added,
            path: f.path,
            old_blob: None,
            new_blob: Some(f.blob),
            symlink: false,
        })
        .collect();
    let named = |f: &&TreeChange| {
        f.path
            .rsplit('/')
            .next()
            .is_some_and(|name| name.contains(id))
    };
    for candidates in [
        files.iter().filter(named).collect::<Vec<_>>(),
        files.iter().collect(),
    ] {
        reader.load(candidates.iter().copied())?;
        let paths: Vec<String> = candidates
            .iter()
            .filter(|f| {
                f.new_blob
                    .as_ref()
                    .is_some_and(|b| reader.has_id(b, &f.path, id))
            })
            .map(|f| f.path.clone())
            .collect();
        if !paths.is_empty() {
            return Ok(paths);
        }
    }
    Ok(Vec::new())
}
