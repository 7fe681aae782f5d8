//! The research log as the editor sees it: the working tree with the
//! unsaved buffers of open documents laid over it.
//!
//! The log is parsed once at start. Beside the records it keeps what the
//! checks across records read — the id index and the reference graph (who
//! names which id) — so that an edit re-parses one record and re-checks
//! only the records that involve its old or new id: those that share it,
//! those that name it, and, when the ids in use change, those whose
//! dangling references are worded from them. The practice rules (reviews
//! due, work in progress) run on the whole log, which costs little. Every
//! finding comes from the checks `validate` runs, never from a copy of
//! them, and a file's findings are always those `validate` gives it on the
//! same texts.

use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::check::practice;
use crate::check::refs::{self, Lookup};
use crate::diagnostic::{self, Code, Diagnostic};
use crate::git::Repo;
use crate::record::{self, Record};
use crate::schema::{Kind, Schema};
use crate::snapshot::{Broken, Loader, Select, Snapshot, Source, Tree};

use super::workspace::{Disk, Workspace, own_findings, relative, settle};

/// An open document.
pub(crate) struct Document {
    /// The URI the editor names it by.
    pub(crate) uri: lsp_types::Uri,
    /// The buffer's text.
    pub(crate) text: String,
    /// The editor's version of the buffer.
    pub(crate) version: i32,
    /// The record's status in HEAD, read when first asked for.
    committed_status: OnceCell<Option<String>>,
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
    /// The paths of the records with each id, in path order.
    ids: HashMap<String, Vec<String>>,
    /// The ids in use by the kind of their first record, sorted.
    known: HashMap<String, BTreeSet<String>>,
    /// The ids each record names (`refs::targets`).
    targets: HashMap<String, Vec<String>>,
    /// The records that name each id.
    named_by: HashMap<String, BTreeSet<String>>,
    /// Findings across records, by file, as last computed (no empty lists).
    cross: HashMap<String, Vec<Diagnostic>>,
    /// The records with a dangling reference: their messages list the ids
    /// in use and the unreadable files.
    dangling: BTreeSet<String>,
    /// Practice findings (reviews due, work in progress), by file, and
    /// the day they were computed for.
    practice: HashMap<String, Vec<Diagnostic>>,
    practice_day: time::Date,
    /// Whether link targets exist on disk, as first looked up; forgotten
    /// whenever a file is opened, saved or closed.
    on_disk: RefCell<HashMap<String, bool>>,
    /// The texts of records on disk, read when first needed (to place
    /// findings, to find references); a file's is forgotten when the log
    /// takes it again.
    texts: RefCell<HashMap<String, Option<String>>>,
    repo: Option<Repo>,
}

impl Log {
    pub(super) fn new(ws: Workspace, snapshot: Snapshot) -> Log {
        let mut log = Log {
            canonical_root: ws.canonical_root,
            root: ws.root,
            schema: ws.schema,
            snapshot,
            docs: HashMap::new(),
            ids: HashMap::new(),
            known: HashMap::new(),
            targets: HashMap::new(),
            named_by: HashMap::new(),
            cross: HashMap::new(),
            dangling: BTreeSet::new(),
            practice: HashMap::new(),
            practice_day: super::today_date(),
            on_disk: RefCell::new(HashMap::new()),
            texts: RefCell::new(HashMap::new()),
            repo: ws.repo,
        };
        for at in 0..log.snapshot.records.len() {
            let record = &log.snapshot.records[at];
            let path = record.path.clone();
            if let Some(id) = record.id.clone() {
                log.ids.entry(id).or_default().push(path.clone());
            }
            let targets = refs::targets(&log.schema, record);
            for target in &targets {
                log.named_by
                    .entry(target.clone())
                    .or_default()
                    .insert(path.clone());
            }
            log.targets.insert(path, targets);
        }
        let ids: Vec<String> = log.ids.keys().cloned().collect();
        for id in ids {
            log.file_known(&id);
        }
        // Every record checked, in parallel: each reads the others only.
        let index = Index::of(&log);
        let found: Vec<(String, Vec<Diagnostic>)> = log
            .snapshot
            .records
            .par_iter()
            .map(|record| (record.path.clone(), index.check(&log.schema, record)))
            .collect();
        for (path, found) in found {
            log.keep_cross(&path, found);
        }
        log.practice = log.practice_findings();
        log
    }

    /// Loads the workspace that `start` lies in and parses its records.
    #[cfg(test)]
    pub(crate) fn load(
        start: &Path,
        config: Option<&Path>,
    ) -> Result<Log, crate::config::ConfigError> {
        let ws = Workspace::open(start, config)?;
        let snapshot = ws.reader()()?;
        Ok(ws.with(snapshot))
    }

    /// The repository-relative path of a file, when it is a record file
    /// of this log.
    pub(crate) fn relative(&self, path: &Path) -> Option<String> {
        relative(&self.root, &self.canonical_root, &self.schema, path)
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

    /// The first record (in path order) with this id.
    pub(crate) fn by_id(&self, id: &str) -> Option<&Record> {
        self.ids
            .get(id)
            .and_then(|paths| paths.first())
            .and_then(|path| self.record(path))
    }

    /// The text of a file: its open buffer, else the file on disk (read
    /// once, until the log takes the file again).
    pub(crate) fn text(&self, rel: &str) -> Option<String> {
        if let Some(doc) = self.docs.get(rel) {
            return Some(doc.text.clone());
        }
        if let Some(text) = self.texts.borrow().get(rel) {
            return text.clone();
        }
        let text = self.disk().text(rel);
        self.texts
            .borrow_mut()
            .insert(rel.to_string(), text.clone());
        text
    }

    /// For each record, in order, its text when it holds `needle`: the
    /// buffer of an open one, else the file on disk (read once, the files
    /// in parallel, as a large log has thousands).
    pub(crate) fn texts_holding(&self, needle: &str) -> Vec<Option<String>> {
        let unread: Vec<&str> = {
            let texts = self.texts.borrow();
            self.snapshot
                .records
                .iter()
                .map(|r| r.path.as_str())
                .filter(|path| !self.docs.contains_key(*path) && !texts.contains_key(*path))
                .collect()
        };
        let disk = self.disk();
        let read: Vec<(String, Option<String>)> = unread
            .par_iter()
            .map(|path| (path.to_string(), disk.text(path)))
            .collect();
        let mut texts = self.texts.borrow_mut();
        texts.extend(read);
        self.snapshot
            .records
            .iter()
            .map(|r| {
                let text = match self.docs.get(&r.path) {
                    Some(doc) => Some(&doc.text),
                    None => texts.get(&r.path).and_then(Option::as_ref),
                };
                text.filter(|t| t.contains(needle)).cloned()
            })
            .collect()
    }

    /// The working tree's files, to read from any thread.
    pub(crate) fn disk(&self) -> Disk<'_> {
        Disk {
            root: &self.root,
            canonical_root: &self.canonical_root,
        }
    }

    /// Opens a document: its buffer replaces the file in the log. Returns
    /// the files whose findings to publish, the document's first.
    pub(crate) fn open(
        &mut self,
        rel: &str,
        uri: lsp_types::Uri,
        text: String,
        version: i32,
    ) -> Vec<String> {
        self.on_disk.borrow_mut().clear();
        let content = Ok(text.as_bytes().to_vec());
        self.docs.insert(
            rel.to_string(),
            Document {
                uri,
                text,
                version,
                committed_status: OnceCell::new(),
            },
        );
        self.put(rel, Some(content))
    }

    /// Takes an open document's new text into the log; `saved` when the
    /// editor saved it. Returns the files whose findings to publish.
    pub(crate) fn update(&mut self, rel: &str, saved: bool) -> Vec<String> {
        if saved {
            self.on_disk.borrow_mut().clear();
        }
        let Some(bytes) = self.docs.get(rel).map(|d| d.text.as_bytes().to_vec()) else {
            return Vec::new();
        };
        self.put(rel, Some(Ok(bytes)))
    }

    /// Closes a document: the file on disk takes its place again (or
    /// none, when it is not there). Returns the files whose findings
    /// changed, the document's first.
    pub(crate) fn close(&mut self, rel: &str) -> Vec<String> {
        self.docs.remove(rel);
        self.reload(rel)
    }

    /// Reads a file that changed on disk into the log again, unless it is
    /// open (its buffer is what counts then). Returns the files whose
    /// findings to publish.
    pub(crate) fn reload(&mut self, rel: &str) -> Vec<String> {
        self.on_disk.borrow_mut().clear();
        if self.docs.contains_key(rel) {
            return Vec::new();
        }
        let paths = [rel.to_string()];
        let disk = Loader::new(&self.schema, &self.root).load(
            &Source::Worktree,
            Select::Paths(&paths),
            "worktree",
        );
        let content = match disk {
            Ok(mut disk) => match (disk.records.pop(), disk.broken.pop()) {
                (Some(record), _) => Some(Ok(record)),
                (None, Some(broken)) => Some(Err(broken.diagnostic)),
                (None, None) => None,
            },
            Err(_) => None,
        };
        self.set(rel, content)
    }

    /// Parses `bytes` as the file at `rel` (`None`: there is no file).
    fn put(&mut self, rel: &str, content: Option<Result<Vec<u8>, Diagnostic>>) -> Vec<String> {
        let Some(kind) = self.schema.kind_of_path(rel) else {
            return vec![rel.to_string()];
        };
        let parsed = content.map(|content| {
            content
                .and_then(|bytes| record::check_size(rel, bytes.len() as u64).map(|()| bytes))
                .and_then(|bytes| record::parse(rel, kind, &bytes))
        });
        self.set(rel, parsed)
    }

    /// Lays the file at `rel` — a record, a file that is not one, or
    /// nothing — into the log, updates the id index and the reference
    /// graph, and re-checks what the change involves. Returns the files
    /// whose findings to publish: `rel` first, then those whose findings
    /// changed.
    fn set(&mut self, rel: &str, parsed: Option<Result<Record, Diagnostic>>) -> Vec<String> {
        self.texts.borrow_mut().remove(rel);
        let old_record = match self.find_record(rel) {
            Ok(at) => Some(self.snapshot.records.remove(at)),
            Err(_) => None,
        };
        let old_practice = self.practice_facts(old_record.as_ref());
        let old_broken = match self.find_broken(rel) {
            Ok(at) => Some(self.snapshot.broken.remove(at)),
            Err(_) => None,
        };
        let kind = self
            .schema
            .kind_of_path(rel)
            .map_or_else(String::new, |k| k.name.clone());
        let mut new_id = None;
        let mut new_targets = Vec::new();
        let mut new_broken = None;
        match parsed {
            Some(Ok(record)) => {
                new_id = record.id.clone();
                new_targets = refs::targets(&self.schema, &record);
                let at = self.find_record(rel).unwrap_or_else(|at| at);
                self.snapshot.records.insert(at, record);
            }
            Some(Err(diagnostic)) => {
                new_broken = Some(diagnostic.code);
                let at = self.find_broken(rel).unwrap_or_else(|at| at);
                self.snapshot.broken.insert(
                    at,
                    Broken {
                        path: rel.to_string(),
                        kind,
                        diagnostic,
                    },
                );
            }
            None => {}
        }
        let old_id = old_record.as_ref().and_then(|r| r.id.clone());

        // The id index and the reference graph.
        if let Some(id) = &old_id {
            if let Some(paths) = self.ids.get_mut(id) {
                paths.retain(|p| p != rel);
                if paths.is_empty() {
                    self.ids.remove(id);
                }
            }
        }
        if let Some(id) = &new_id {
            let paths = self.ids.entry(id.clone()).or_default();
            let at = paths.partition_point(|p| p.as_str() < rel);
            paths.insert(at, rel.to_string());
        }
        for target in self.targets.remove(rel).unwrap_or_default() {
            if let Some(paths) = self.named_by.get_mut(&target) {
                paths.remove(rel);
                if paths.is_empty() {
                    self.named_by.remove(&target);
                }
            }
        }
        for target in &new_targets {
            self.named_by
                .entry(target.clone())
                .or_default()
                .insert(rel.to_string());
        }
        if !new_targets.is_empty() {
            self.targets.insert(rel.to_string(), new_targets);
        }

        for id in old_id.iter().chain(&new_id) {
            self.file_known(id);
        }

        // What the change involves.
        let mut involved: BTreeSet<String> = BTreeSet::from([rel.to_string()]);
        for id in old_id.iter().chain(&new_id) {
            involved.extend(self.ids.get(id).into_iter().flatten().cloned());
            involved.extend(self.named_by.get(id).into_iter().flatten().cloned());
        }
        let old_broken = old_broken.map(|b| b.diagnostic.code);
        if old_id != new_id || old_broken != new_broken {
            involved.extend(self.dangling.iter().cloned());
        }
        let mut changed: Vec<String> = involved
            .into_iter()
            .filter(|path| self.recheck(path) && path != rel)
            .collect();

        // The practice rules read the whole log, but only a few facts of
        // each record: when the edit changed none of them, nothing changed.
        let today = super::today_date();
        let new_practice = self.practice_facts(self.record(rel));
        if old_practice != new_practice || today != self.practice_day {
            self.practice_day = today;
            changed.extend(self.recheck_practice());
        }
        changed.sort();
        changed.dedup();
        changed.retain(|path| path != rel);
        changed.insert(0, rel.to_string());
        changed
    }

    /// What the practice rules read of a record: for each rule with a
    /// review date or a limit, whether it applies, and if so the date or
    /// the people; its id and the line of its status when its kind has a
    /// limit (a work-in-progress finding sits on the first record with the
    /// newest id, whatever that record's status).
    fn practice_facts(&self, record: Option<&Record>) -> Option<Vec<String>> {
        let record = record?;
        let kind = self.schema.kind(&record.kind)?;
        let mut facts = Vec::new();
        if kind.rules.iter().any(|rule| rule.limit.is_some()) {
            facts.push(format!("{:?} {}", record.id, record.line_of("status")));
        }
        for rule in &kind.rules {
            if rule.review.is_none() && rule.limit.is_none() {
                continue;
            }
            let applies = rule.when.matches(|name| record.value(name));
            facts.push(applies.to_string());
            if !applies {
                continue;
            }
            if let Some(field) = &rule.review {
                facts.push(format!(
                    "{:?} {:?} {}",
                    record.id,
                    record.text(field),
                    record.line_of(field)
                ));
            }
            if let Some(limit) = &rule.limit {
                facts.push(format!("{:?}", record.value(&limit.per)));
            }
        }
        Some(facts)
    }

    /// Re-runs the practice rules; the files whose findings changed.
    fn recheck_practice(&mut self) -> Vec<String> {
        let mut changed = Vec::new();
        let practice = self.practice_findings();
        for (path, found) in &practice {
            if self.practice.get(path) != Some(found) {
                changed.push(path.clone());
            }
        }
        changed.extend(
            self.practice
                .keys()
                .filter(|path| !practice.contains_key(*path))
                .cloned(),
        );
        self.practice = practice;
        changed
    }

    /// Files `id` under the kind of its first record, or nowhere when no
    /// record has it.
    fn file_known(&mut self, id: &str) {
        for ids in self.known.values_mut() {
            ids.remove(id);
        }
        let kind = self
            .ids
            .get(id)
            .and_then(|paths| paths.first())
            .and_then(|path| self.record(path))
            .map(|record| record.kind.clone());
        if let Some(kind) = kind {
            self.known.entry(kind).or_default().insert(id.to_string());
        }
    }

    fn find_record(&self, rel: &str) -> Result<usize, usize> {
        self.snapshot
            .records
            .binary_search_by(|r| r.path.as_str().cmp(rel))
    }

    fn find_broken(&self, rel: &str) -> Result<usize, usize> {
        self.snapshot
            .broken
            .binary_search_by(|b| b.path.as_str().cmp(rel))
    }

    /// Re-runs the checks across records on one file; whether its
    /// findings changed.
    fn recheck(&mut self, path: &str) -> bool {
        let found = match self.record(path) {
            Some(record) => Index::of(self).check(&self.schema, record),
            None => Vec::new(),
        };
        self.keep_cross(path, found)
    }

    /// Keeps a record's cross-record findings; whether they changed.
    fn keep_cross(&mut self, path: &str, found: Vec<Diagnostic>) -> bool {
        if found.iter().any(|d| d.code == Code::Dangling) {
            self.dangling.insert(path.to_string());
        } else {
            self.dangling.remove(path);
        }
        let changed = self.cross.get(path).map_or(&[][..], Vec::as_slice) != found.as_slice();
        if found.is_empty() {
            self.cross.remove(path);
        } else {
            self.cross.insert(path.to_string(), found);
        }
        changed
    }

    fn practice_findings(&self) -> HashMap<String, Vec<Diagnostic>> {
        let mut by_file: HashMap<String, Vec<Diagnostic>> = HashMap::new();
        for found in practice::check(&self.schema, &self.snapshot, super::today_date()) {
            by_file.entry(found.file.clone()).or_default().push(found);
        }
        for found in by_file.values_mut() {
            diagnostic::sort(found);
        }
        by_file
    }

    /// Every finding `validate` gives for one file, sorted.
    pub(crate) fn findings(&self, rel: &str) -> Vec<Diagnostic> {
        let record = self.record(rel);
        let mut out = match (record, self.find_broken(rel)) {
            (Some(record), _) => own_findings(&self.schema, Ok(record), self),
            (None, Ok(at)) => own_findings(
                &self.schema,
                Err(&self.snapshot.broken[at].diagnostic),
                self,
            ),
            (None, Err(_)) => Vec::new(),
        };
        out.extend(self.cross.get(rel).into_iter().flatten().cloned());
        out.extend(self.practice.get(rel).into_iter().flatten().cloned());
        settle(&self.schema, record, out)
    }

    /// The status the record at `rel` has in HEAD, if it is committed
    /// (read once per opened document).
    pub(crate) fn committed_status(&self, rel: &str) -> Option<&str> {
        let doc = self.docs.get(rel)?;
        doc.committed_status
            .get_or_init(|| self.read_committed_status(rel))
            .as_deref()
    }

    fn read_committed_status(&self, rel: &str) -> Option<String> {
        let repo = self.repo.as_ref()?;
        let head = repo.head().ok()?;
        // The one path, looked up in HEAD's tree: no listing of the folders.
        let listed = repo.tree_files(&head, &[rel.to_string()]).ok()?;
        let committed = Loader::new(&self.schema, &self.root)
            .repo(Some(repo))
            .load(&Source::Commit(head), Select::Files(listed), "HEAD")
            .ok()?;
        committed
            .records
            .iter()
            .find(|r| r.path == rel)
            .and_then(Record::status)
    }
}

/// The log's records by id, for the checks across records.
struct Index<'l> {
    records: &'l [Record],
    broken: &'l [Broken],
    ids: &'l HashMap<String, Vec<String>>,
    known: &'l HashMap<String, BTreeSet<String>>,
}

impl<'l> Index<'l> {
    fn of(log: &'l Log) -> Index<'l> {
        Index {
            records: &log.snapshot.records,
            broken: &log.snapshot.broken,
            ids: &log.ids,
            known: &log.known,
        }
    }

    fn record(&self, path: &str) -> Option<&'l Record> {
        self.records
            .binary_search_by(|r| r.path.as_str().cmp(path))
            .ok()
            .map(|at| &self.records[at])
    }

    /// The cross-record findings of one record, sorted.
    fn check(&self, schema: &Schema, record: &Record) -> Vec<Diagnostic> {
        let mut found = refs::check_record(schema, self, record);
        diagnostic::sort(&mut found);
        found
    }
}

impl Lookup for Index<'_> {
    fn with_id(&self, id: &str) -> Vec<&Record> {
        self.ids
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|path| self.record(path))
            .collect()
    }

    fn known(&self, to: &[String]) -> Vec<&str> {
        let mut known: Vec<&str> = self
            .known
            .iter()
            .filter(|(kind, _)| to.is_empty() || to.contains(kind))
            .flat_map(|(_, ids)| ids.iter().map(String::as_str))
            .collect();
        if to.len() != 1 {
            known.sort_unstable();
        }
        known
    }

    fn broken(&self) -> &[Broken] {
        self.broken
    }
}

/// The working tree for link checks: as `validate` sees it, a path exists
/// when the file or folder is there; an open buffer is there too.
impl Tree for Log {
    fn exists(&self, path: &str) -> bool {
        if self.docs.contains_key(path) {
            return true;
        }
        if let Some(&known) = self.on_disk.borrow().get(path) {
            return known;
        }
        let exists = self.disk().exists(path);
        self.on_disk.borrow_mut().insert(path.to_string(), exists);
        exists
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const EXP: &str = "research/experiments";
    const DEC: &str = "research/decisions";

    /// One record's front matter lines by key (`None`: absent) and body.
    struct Draft {
        path: String,
        fields: Vec<(&'static str, Option<String>)>,
        body: String,
    }

    impl Draft {
        fn text(&self) -> String {
            let mut out = String::from("---\n");
            for (key, value) in &self.fields {
                if let Some(value) = value {
                    out.push_str(&format!("{key}: {value}\n"));
                }
            }
            out.push_str("---\n");
            out.push_str(&self.body);
            out
        }
    }

    fn experiment(n: usize) -> Draft {
        Draft {
            path: format!("{EXP}/EXP-000{n}-x.md"),
            fields: vec![
                ("id", Some(format!("EXP-000{n}"))),
                ("title", Some(format!("Experiment {n}"))),
                ("status", Some("running".into())),
                ("created", Some("2024-03-01".into())),
                ("authors", Some("[ann]".into())),
                ("hypothesis", Some("x".into())),
                ("baseline", None),
                ("scope", None),
            ],
            body: "\n## Setup\n\nSee [notes](../notes.md) and [EXP-0001](EXP-0001-x.md).\n".into(),
        }
    }

    fn decision(n: usize) -> Draft {
        Draft {
            path: format!("{DEC}/DEC-000{n}-x.md"),
            fields: vec![
                ("id", Some(format!("DEC-000{n}"))),
                ("title", Some(format!("Decision {n}"))),
                ("status", Some("accepted".into())),
                ("created", Some("2024-03-01".into())),
                ("deciders", Some("[ann]".into())),
                ("decided", Some("2024-03-02".into())),
                ("review_by", None),
                ("supersedes", None),
                ("superseded_by", None),
            ],
            body: "\n## Context\n\n## Options\n\n## Decision\n\n## Consequences\n".into(),
        }
    }

    /// The values a mutation may give a field.
    fn choices(key: &str) -> &'static [&'static str] {
        match key {
            "id" => &[
                "EXP-0001", "EXP-0002", "EXP-0003", "EXP-0009", "EXP-1", "DEC-0001", "DEC-0002",
                "DEC-0003", "DEC-0004",
            ],
            "status" => &[
                "planned",
                "running",
                "done",
                "abandoned",
                "runing",
                "proposed",
                "accepted",
                "superseded",
                "rejected",
            ],
            "baseline" | "supersedes" | "superseded_by" | "scope" => &[
                "EXP-0001",
                "EXP-0002",
                "EXP-0009",
                "DEC-0001",
                "DEC-0002",
                "DEC-0003",
                "[DEC-0001]",
                "[DEC-0002, DEC-0003]",
                "SCOPE-0001",
            ],
            "title" => &["Fine", "broken: yaml", "'quoted'"],
            "review_by" => &["2024-01-01", "2030-01-01"],
            "authors" | "deciders" => &["[ann]", "[bob]", "[ann, bob]"],
            _ => &["x"],
        }
    }

    /// What `validate` gives for every file of the overlaid log, by file.
    fn batch(log: &Log) -> HashMap<String, Vec<Diagnostic>> {
        let mut files: Vec<String> = log
            .snapshot
            .records
            .iter()
            .map(|r| r.path.clone())
            .chain(log.snapshot.broken.iter().map(|b| b.path.clone()))
            .collect();
        files.sort();
        let sources = files
            .iter()
            .map(|path| crate::snapshot::SourceFile {
                path: path.clone(),
                blob: None,
                content: Ok(log.text(path).unwrap_or_default().into_bytes()),
            })
            .collect();
        let snapshot = Snapshot::build("overlaid", &log.schema, sources, None);
        let mut by_file: HashMap<String, Vec<Diagnostic>> =
            files.iter().map(|f| (f.clone(), Vec::new())).collect();
        let found = crate::check::validate(&log.schema, &snapshot, log, super::super::today_date());
        for d in crate::check::Report::new(files.len(), found).diagnostics {
            by_file.entry(d.file.clone()).or_default().push(d);
        }
        by_file
    }

    fn shown(found: &[Diagnostic]) -> Vec<String> {
        found
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {:?} {} {}",
                    d.file, d.line, d.severity, d.code, d.message
                )
            })
            .collect()
    }

    /// Edits of every kind, applied one at a time to open buffers, leave
    /// every file of the log with exactly the findings `validate` gives it
    /// on the same texts, and each edit reports every file whose findings
    /// changed.
    #[test]
    fn incremental_findings_equal_validate() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path();
        let mut config = include_str!("../builtin/config.yaml").to_string();
        config = config.replacen(
            "  experiment:\n    dir: experiments\n",
            "  experiment:\n    dir: experiments\n    as_warnings: {status: abandoned}\n",
            1,
        );
        std::fs::create_dir_all(root.join(".cairn")).expect("mkdir");
        std::fs::write(root.join(".cairn/config.yaml"), config).expect("config");
        let mut drafts: Vec<Draft> = (1..=3).map(experiment).collect();
        drafts.extend((1..=3).map(decision));
        for draft in &drafts {
            let full = root.join(&draft.path);
            std::fs::create_dir_all(full.parent().expect("a folder")).expect("mkdir");
            std::fs::write(full, draft.text()).expect("write");
        }
        let mut log = Log::load(root, None).expect("the log loads");
        let uri = |path: &str| {
            lsp_types::Uri::from_str(&super::super::text::path_to_uri(&root.join(path)))
                .expect("a URI")
        };
        let mut before = batch(&log);
        let mut next = crate::testing::xorshift(0x2545_f491_4f6c_dd1d);
        for round in 0..400 {
            let d = next() % drafts.len();
            let path = drafts[d].path.clone();
            let reported = match next() % 10 {
                0 if log.docs.contains_key(&path) => log.close(&path),
                1 => {
                    // A file that is no record at all, for a while.
                    let text = if next() % 2 == 0 {
                        "no front matter\n"
                    } else {
                        "---\nid: [\n---\n"
                    };
                    if log.docs.contains_key(&path) {
                        log.docs.get_mut(&path).expect("open").text = text.to_string();
                        log.update(&path, false)
                    } else {
                        log.open(&path, uri(&path), text.to_string(), round)
                    }
                }
                _ => {
                    let draft = &mut drafts[d];
                    let f = next() % draft.fields.len();
                    let key = draft.fields[f].0;
                    let options = choices(key);
                    let pick = next() % (options.len() + 1);
                    draft.fields[f].1 = options.get(pick).map(|s| (*s).to_string());
                    let text = draft.text();
                    if log.docs.contains_key(&path) {
                        log.docs.get_mut(&path).expect("open").text = text;
                        log.update(&path, round % 7 == 0)
                    } else {
                        log.open(&path, uri(&path), text, round)
                    }
                }
            };
            let after = batch(&log);
            for (file, expected) in &after {
                assert_eq!(
                    shown(&log.findings(file)),
                    shown(expected),
                    "round {round}: findings of {file}"
                );
                if before.get(file) != Some(expected) {
                    assert!(
                        reported.contains(file),
                        "round {round}: {file} changed but was not reported ({reported:?})"
                    );
                }
            }
            assert_eq!(reported.first(), Some(&path));
            before = after;
        }
    }
}
