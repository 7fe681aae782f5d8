//! From changed paths to events: the [`Reader`] learns what each changed
//! blob is (its id and status, and with more [`Detail`] the parsed record),
//! from the blob cache or by reading and parsing it once, and
//! [`record_events`] turns one commit's changed paths into per-id events.

use crate::hash::{Map as HashMap, Set as HashSet};
use std::sync::Arc;

use super::{Detail, Event, Known, Options};
use crate::cache::{BlobCache, BlobFacts};
use crate::diff::{self, ChangeKind};
use crate::git::{GitError, ObjectId, Repo, TreeChange};
use crate::record::Record;
use crate::schema::Schema;
use crate::snapshot::{Loader, ParseCache, Parsed};

/// What the walk has learned of the blobs it met, keyed by (blob, path).
pub(super) struct Reader<'a> {
    schema: &'a Schema,
    repo: &'a Repo,
    parses: &'a ParseCache,
    blobs: Option<&'a BlobCache>,
    known: Option<&'a Known>,
    detail: Detail,
    /// Per blob, per path, what it is (looked up without building a key).
    facts: HashMap<String, Vec<(String, Arc<BlobFacts>)>>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(
        schema: &'a Schema,
        repo: &'a Repo,
        parses: &'a ParseCache,
        options: &Options<'a>,
    ) -> Reader<'a> {
        Reader {
            schema,
            repo,
            parses,
            blobs: options.blobs,
            known: options.known,
            detail: options.detail,
            facts: HashMap::default(),
        }
    }

    /// Forgets what it learned where another holds it too: the blob cache
    /// (for statuses) or the parse cache (for fields), from which what it
    /// meets again comes back without reading the blob, so that a walk
    /// holds one copy of each blob's facts, not two.
    pub(super) fn forget(&mut self) {
        if self.blobs.is_some() || self.detail != Detail::Status {
            self.facts = HashMap::default();
        }
    }

    /// The facts of `blob` at `path`, once [`Reader::load`] has met it.
    pub(super) fn facts(&self, blob: &ObjectId, path: &str) -> Option<&Arc<BlobFacts>> {
        let paths = self.facts.get(blob.as_str())?;
        paths
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, facts)| facts)
    }

    fn learn(&mut self, blob: &ObjectId, path: &str, facts: Arc<BlobFacts>) {
        let paths = self.facts.entry(blob.as_str().to_string()).or_default();
        paths.push((path.to_string(), facts));
    }

    /// Whether `blob` at `path` is a record with the id `id`.
    pub(super) fn has_id(&self, blob: &ObjectId, path: &str, id: &str) -> bool {
        self.facts(blob, path)
            .is_some_and(|f| f.id.as_deref() == Some(id))
    }

    /// Learns both sides of every change not met yet: from the caller's
    /// parse cache where it holds the blob already, from the blob cache
    /// when only statuses are wanted, else (and for what it lacks) by
    /// reading and parsing the blobs, in parallel. Statuses alone keep no
    /// parsed record; fields keep them in the caller's parse cache.
    pub(super) fn load<'c>(
        &mut self,
        changes: impl IntoIterator<Item = &'c TreeChange>,
    ) -> Result<(), GitError> {
        let mut seen: HashSet<(&str, &str)> = HashSet::default();
        let mut wanted: Vec<(ObjectId, String)> = Vec::new();
        for change in changes {
            for blob in [&change.old_blob, &change.new_blob].into_iter().flatten() {
                if self.facts(blob, &change.path).is_some()
                    || !seen.insert((blob.as_str(), &change.path))
                {
                    continue;
                }
                // A blob the caller knows or has parsed already (a
                // summary's revision holds the newest version of every
                // record).
                if let Some(facts) = self.known.and_then(|k| k.get(blob.as_str(), &change.path)) {
                    let facts = Arc::clone(facts);
                    if let Some(blobs) = self.blobs {
                        blobs.put(blob.as_str(), &change.path, &facts);
                    }
                    self.learn(blob, &change.path, facts);
                    continue;
                }
                if let Some(parsed) = self.parses.get(blob.as_str(), &change.path) {
                    let facts = Arc::new(facts_of(&parsed));
                    if let Some(blobs) = self.blobs {
                        blobs.put(blob.as_str(), &change.path, &facts);
                    }
                    self.learn(blob, &change.path, facts);
                    continue;
                }
                let cached = (self.detail == Detail::Status)
                    .then(|| self.blobs?.get(blob.as_str(), &change.path))
                    .flatten();
                match cached {
                    Some(facts) => self.learn(blob, &change.path, facts),
                    None => wanted.push((blob.clone(), change.path.clone())),
                }
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        // Statuses only: parse into a cache dropped after the batch.
        let scratch = ParseCache::front_only();
        let parses = match self.detail {
            Detail::Status => &scratch,
            Detail::Fields | Detail::Sections => self.parses,
        };
        Loader::of_repo(self.schema, self.repo)
            .cache(parses)
            .parse_blobs(wanted.clone())?;
        for (blob, path) in wanted {
            let Some(parsed) = parses.get(blob.as_str(), &path) else {
                continue;
            };
            let facts = Arc::new(facts_of(&parsed));
            if let Some(blobs) = self.blobs {
                blobs.put(blob.as_str(), &path, &facts);
            }
            self.learn(&blob, &path, facts);
        }
        Ok(())
    }

    /// One side of a change, once loaded.
    fn side(&self, blob: &Option<ObjectId>, path: &str) -> Option<Side> {
        let blob = blob.as_ref()?;
        let facts = Arc::clone(self.facts(blob, path)?);
        let parsed = match self.detail {
            Detail::Status => None,
            Detail::Fields | Detail::Sections => self.parses.get(blob.as_str(), path),
        };
        Some(Side {
            path: path.to_string(),
            facts,
            parsed,
        })
    }
}

/// What the history needs of a parse.
pub(super) fn facts_of(parsed: &Parsed) -> BlobFacts {
    match parsed.as_ref() {
        Ok(record) => BlobFacts {
            id: record.id.clone(),
            status: record.status(),
            broken: None,
        },
        Err(why) => BlobFacts {
            broken: Some(why.message.clone()),
            ..BlobFacts::default()
        },
    }
}

/// One side of a changed path.
struct Side {
    path: String,
    facts: Arc<BlobFacts>,
    parsed: Option<Parsed>,
}

impl Side {
    fn id(&self) -> Option<&str> {
        self.facts.id.as_deref()
    }

    fn is_record(&self) -> bool {
        self.facts.broken.is_none()
    }
}

/// Turns one commit's changed paths into per-id events.
pub(super) fn record_events(
    events: &mut HashMap<String, Vec<Event>>,
    reader: &Reader<'_>,
    commit: usize,
    changes: &[TreeChange],
) {
    let keep = reader.detail == Detail::Sections;
    let mut gone: Vec<Side> = Vec::new();
    let mut came: Vec<Side> = Vec::new();
    let mut push = |id: &str, event: Event| events.entry(id.to_string()).or_default().push(event);
    for change in changes {
        let old = reader.side(&change.old_blob, &change.path);
        let new = reader.side(&change.new_blob, &change.path);
        let (old, new) = match (old, new) {
            (Some(old), Some(new)) => (old, new),
            (Some(old), None) => {
                gone.push(old);
                continue;
            }
            (None, Some(new)) => {
                came.push(new);
                continue;
            }
            (None, None) => continue,
        };
        // One path, both sides: the same record modified (or made
        // unreadable, or readable again) — else one left and one came.
        let id = match (old.is_record(), new.is_record()) {
            (true, true) if old.id().is_some() && old.id() == new.id() => old.id(),
            (true, false) => old.id(),
            (false, true) => new.id(),
            _ => None,
        };
        match id.map(str::to_string) {
            Some(id) => {
                let broken = old.facts.broken.clone().or(new.facts.broken.clone());
                let mut e = event(commit, ChangeKind::Modified, Some(old), new, keep);
                e.broken = broken;
                push(&id, e);
            }
            None => {
                gone.push(old);
                came.push(new);
            }
        }
    }
    for new in came {
        let Some(id) = new.id().map(str::to_string) else {
            continue;
        };
        match gone.iter().position(|old| old.id() == Some(id.as_str())) {
            Some(at) => {
                let old = gone.swap_remove(at);
                push(
                    &id,
                    event(commit, ChangeKind::Renamed, Some(old), new, keep),
                );
            }
            None => push(&id, event(commit, ChangeKind::Added, None, new, keep)),
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
                old: old.parsed.filter(|_| keep),
                new: None,
            },
        );
    }
}

/// The event of a record present after the commit; `keep` holds on to the
/// parsed sides (for section diffs).
fn event(commit: usize, change: ChangeKind, old: Option<Side>, new: Side, keep: bool) -> Event {
    fn record(side: &Side) -> Option<&Record> {
        side.parsed.as_deref()?.as_ref().ok()
    }
    let fields = match (old.as_ref().and_then(record), record(&new)) {
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
        status: new.facts.status.clone(),
        fields,
        broken: None,
        old: old.and_then(|s| s.parsed).filter(|_| keep),
        new: new.parsed.filter(|_| keep),
    }
}
