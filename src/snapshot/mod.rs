//! A snapshot is the research log at one point: the working tree, the
//! index, or a git revision. Every command reads records through it.
//!
//! [`Loader`] (`load.rs`) is the one way to load one: a [`Source`] and a
//! [`Select`]ion of what to read. Its readers — `worktree.rs` (walkdir) and
//! `revision.rs` (the index and commits, through `crate::git`) — list files
//! (`SourceFile`) and answer whether a path exists; `Snapshot::build` turns
//! the files into records in parallel. A file that cannot be read as a
//! record is kept as `Broken`, never dropped.

mod load;
mod revision;
mod worktree;

pub use load::{FileBlobs, ListedFiles, Loader, Select, Source, Visit, WorktreeFiles, owned_blobs};

use crate::hash::Map as HashMap;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::record::{self, Parts, Record};
use crate::schema::Schema;

/// One file of a kind folder, as a source found it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Repository-relative path with `/`.
    pub path: String,
    /// The git blob id, when the file comes from git (the parse cache
    /// key), or from the working tree through the stat cache (its bytes
    /// hashed as git would).
    pub blob: Option<String>,
    /// Its bytes, or why they could not be had.
    pub content: Result<Vec<u8>, Diagnostic>,
}

/// Answers whether a path exists in a snapshot (for link checks).
pub trait Tree {
    /// Whether `path` (repository-relative, `/`) is a file or folder.
    fn exists(&self, path: &str) -> bool;
}

/// A file in a kind folder that is not a usable record.
#[derive(Clone, Debug, PartialEq)]
pub struct Broken {
    /// Repository-relative path.
    pub path: String,
    /// The kind whose folder holds it.
    pub kind: String,
    /// Why it is broken.
    pub diagnostic: Diagnostic,
}

/// The records of one snapshot.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// What the snapshot is: `worktree`, `index`, or a revision.
    pub label: String,
    /// Records, sorted by path.
    pub records: Vec<Record>,
    /// Files that could not be read as records, sorted by path.
    pub broken: Vec<Broken>,
}

/// A blob parsed at a path: the record, or why it is not one.
pub type Parsed = Arc<Result<Record, Diagnostic>>;

/// Parsed records keyed by blob id and path (the path decides the kind and
/// may decide the id), so that a blob seen in many revisions — or many
/// commits of a history walk — is parsed once.
#[derive(Default)]
pub struct ParseCache {
    entries: Mutex<HashMap<(String, String), Parsed>>,
    front_only: bool,
}

impl ParseCache {
    /// A cache whose parses read the front matter only
    /// ([`record::parse_front`]): records with empty bodies, for what
    /// reports no sections or links.
    pub fn front_only() -> ParseCache {
        ParseCache {
            front_only: true,
            ..ParseCache::default()
        }
    }

    /// The parse of `blob` at `path`, if it was parsed already.
    pub fn get(&self, blob: &str, path: &str) -> Option<Parsed> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(&(blob.to_string(), path.to_string())).cloned()
    }

    /// Whether this blob at this path was parsed already.
    pub fn contains(&self, blob: &str, path: &str) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.contains_key(&(blob.to_string(), path.to_string()))
    }

    /// Parses files in parallel, keeping every parse of a blob and reusing
    /// those made before; see [`parse_files`].
    pub fn parse(&self, schema: &Schema, files: Vec<SourceFile>) -> Vec<(String, String, Parsed)> {
        parse_files(schema, files, Some(self))
    }

    /// Keeps a parse made elsewhere (from a persistent cache), so that
    /// loading a snapshot neither reads nor parses that blob at that path.
    pub fn insert(&self, blob: &str, path: &str, parsed: Parsed) {
        self.put(blob, path, &parsed);
    }

    /// Every parse kept, by `(blob, path)`, taken out: the cache is left
    /// empty.
    pub fn take(&self) -> HashMap<(String, String), Parsed> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *entries)
    }

    fn put(&self, blob: &str, path: &str, parsed: &Parsed) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.insert((blob.to_string(), path.to_string()), Arc::clone(parsed));
    }
}

/// Parses files into records in parallel: `(path, kind, parse)` for every
/// file in a kind folder, in the order given. With a cache, a file whose
/// blob was parsed at the same path before is not parsed again (its bytes
/// may then be empty), and every new parse of a blob is kept.
pub fn parse_files(
    schema: &Schema,
    files: Vec<SourceFile>,
    cache: Option<&ParseCache>,
) -> Vec<(String, String, Parsed)> {
    files
        .into_par_iter()
        .filter_map(|file| parse_one(schema, file, cache, Parts::Whole))
        .collect()
}

/// One file parsed: `(path, kind, parse)`, or None outside the kind
/// folders. Without a cache, `parts` says how much of it to read; a cache
/// parses as it always does, so that its entries stay alike.
fn parse_one(
    schema: &Schema,
    file: SourceFile,
    cache: Option<&ParseCache>,
    parts: Parts,
) -> Option<(String, String, Parsed)> {
    let kind = schema.kind_of_path(&file.path)?;
    let parsed = parse_file(kind, &file, cache, parts);
    Some((file.path, kind.name.clone(), parsed))
}

impl Snapshot {
    /// Parses every file into a record (in parallel), using `cache` for
    /// blobs already seen.
    pub fn build(
        label: &str,
        schema: &Schema,
        files: Vec<SourceFile>,
        cache: Option<&ParseCache>,
    ) -> Snapshot {
        Snapshot::assemble(label, parse_files(schema, files, cache))
    }

    /// The snapshot of parsed files, sorted by path.
    fn assemble(label: &str, parsed: Vec<(String, String, Parsed)>) -> Snapshot {
        let mut snapshot = Snapshot {
            label: label.to_string(),
            ..Snapshot::default()
        };
        // Unshared parses move out; cached ones are copied, on every core.
        let parsed: Vec<_> = parsed
            .into_par_iter()
            .map(|(path, kind, parsed)| {
                let result = Arc::try_unwrap(parsed).unwrap_or_else(|shared| (*shared).clone());
                (path, kind, result)
            })
            .collect();
        // Room for every record at once: grown by doubling, the vector
        // would be copied, old and new held together, as it grows.
        snapshot.records.reserve_exact(parsed.len());
        for (path, kind, result) in parsed {
            match result {
                Ok(record) => snapshot.records.push(record),
                Err(diagnostic) => snapshot.broken.push(Broken {
                    path,
                    kind,
                    diagnostic,
                }),
            }
        }
        snapshot.records.sort_by(|a, b| a.path.cmp(&b.path));
        snapshot.broken.sort_by(|a, b| a.path.cmp(&b.path));
        snapshot
    }

    /// A snapshot of files given as `(path, text)` pairs, as if read from a
    /// tree: for tools and tests that hold records in memory.
    pub fn from_texts(label: &str, schema: &Schema, files: &[(&str, &str)]) -> Snapshot {
        let files = files
            .iter()
            .map(|(path, text)| SourceFile {
                path: (*path).to_string(),
                blob: None,
                content: Ok(text.as_bytes().to_vec()),
            })
            .collect();
        Snapshot::build(label, schema, files, None)
    }

    /// How many files the snapshot holds in kind folders, broken or not.
    pub fn len(&self) -> usize {
        self.records.len() + self.broken.len()
    }

    /// Whether the snapshot holds no files at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The path of every file it was made from: its records', then the
    /// broken files'.
    pub fn paths(&self) -> Vec<String> {
        self.records
            .iter()
            .map(|r| r.path.clone())
            .chain(self.broken.iter().map(|b| b.path.clone()))
            .collect()
    }

    /// The first record with this id.
    pub fn by_id(&self, id: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.id.as_deref() == Some(id))
    }

    /// An index from id to records, for cross-record checks.
    pub fn id_index(&self) -> HashMap<&str, Vec<&Record>> {
        let mut index: HashMap<&str, Vec<&Record>> = HashMap::default();
        for record in &self.records {
            if let Some(id) = record.id.as_deref() {
                index.entry(id).or_default().push(record);
            }
        }
        index
    }
}

fn parse_file(
    kind: &crate::schema::Kind,
    file: &SourceFile,
    cache: Option<&ParseCache>,
    parts: Parts,
) -> Parsed {
    let blob = file.blob.as_deref();
    if let Some(hit) = cache
        .zip(blob)
        .and_then(|(cache, blob)| cache.get(blob, &file.path))
    {
        return hit;
    }
    let parts = match cache {
        Some(cache) if cache.front_only => Parts::Front,
        Some(_) => Parts::Whole,
        None => parts,
    };
    let parsed = Arc::new(match &file.content {
        Ok(bytes) => record::parse_parts(&file.path, kind, bytes, parts),
        Err(diagnostic) => Err(diagnostic.clone()),
    });
    if let Some((cache, blob)) = cache.zip(blob) {
        cache.put(blob, &file.path, &parsed);
    }
    parsed
}

/// Joins a link target to the folder of the file it is in, resolving `.`
/// and `..` without touching the file system. `None` when the result
/// would leave the repository. A target starting with `/` is taken from
/// the repository root.
pub fn resolve_link(from_file: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        from_file.split('/').collect()
    };
    if !target.starts_with('/') {
        parts.pop();
    }
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_lexically() {
        assert_eq!(
            resolve_link("research/experiments/EXP-1.md", "../decisions/DEC-1.md").as_deref(),
            Some("research/decisions/DEC-1.md")
        );
        assert_eq!(
            resolve_link("research/e/x.md", "/src/main.py").as_deref(),
            Some("src/main.py")
        );
        assert_eq!(
            resolve_link("research/e/x.md", "./y.md").as_deref(),
            Some("research/e/y.md")
        );
        assert_eq!(resolve_link("research/x.md", "../../etc/passwd"), None);
    }
}
