//! The covers scan: the records whose `covers` globs match code files
//! changed in a span. When code outside the record folders changed, the
//! records that govern it may be unchanged ones, so every record of the
//! later side may matter — but only those that mention the field's key
//! are parsed.
//!
//! With the covers cache (`crate::cache::covers`), a commit's record
//! folders met before cost one tree lookup each and no blob is read but
//! the few that mention the key; a folder met for the first time reads
//! only the blobs the cache does not know. Without it (`--no-cache`, or
//! the working tree), every record file is read once.

use globset::GlobSetBuilder;

use super::Governing;
use crate::cache::CoversCache;
use crate::git::{GitError, ObjectId, Repo, TreeFile};
use crate::record::MAX_RECORD_BYTES;
use crate::schema::Schema;
use crate::snapshot::{Loader, Select, Snapshot, Source};
use crate::value::Value;

/// The front matter keys that hold `covers` in some kind, sorted: what
/// the scan searches record bytes for.
pub fn keys(schema: &Schema) -> Vec<String> {
    let mut keys: Vec<String> = schema
        .kinds
        .iter()
        .map(|k| k.key_of("covers").to_string())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The records of `source` that may hold `covers`: only those whose bytes
/// mention one of the field's keys are parsed; the others are read (or,
/// through `cache`, known) to mention none.
pub(super) fn covering(
    loader: &Loader<'_>,
    repo: &Repo,
    schema: &Schema,
    source: &Source,
    label: &str,
    cache: Option<&CoversCache>,
) -> Result<Snapshot, GitError> {
    let keys: Vec<String> = keys(schema).iter().map(|k| regex::escape(k)).collect();
    // A literal search (memchr inside regex): far cheaper than parsing.
    // Escaped literals joined by `|` always compile.
    let pattern = regex::bytes::Regex::new(&keys.join("|"))
        .unwrap_or_else(|e| unreachable!("escaped keys form a valid pattern: {e}"));
    let mentions = |bytes: &[u8]| pattern.is_match(bytes);
    let listed = match (source, cache) {
        (Source::Commit(commit), Some(cache)) => {
            let mut listed = Vec::new();
            for (dir, tree) in repo.folder_ids(commit, &schema.dirs())? {
                if let Some(files) = tree.as_ref().and_then(|t| cache.folder(&dir, t)) {
                    listed.extend(files.into_iter().map(|(path, blob)| TreeFile {
                        path,
                        blob,
                        symlink: false,
                    }));
                    continue;
                }
                let files = repo.tree_files(commit, std::slice::from_ref(&dir))?;
                // A symlink is read through its target, which may lie
                // outside the folder: such a folder is not kept whole.
                let linked = files.iter().any(|f| f.symlink);
                let found = sift(repo, cache, files, &mentions)?;
                if let (Some(tree), false) = (&tree, linked) {
                    let kept = found.iter().map(|f| (f.path.clone(), f.blob.clone()));
                    cache.put_folder(&dir, tree, kept.collect());
                }
                listed.extend(found);
            }
            listed.sort_by(|a, b| a.path.cmp(&b.path));
            listed
        }
        (Source::Index, Some(cache)) => {
            let files = repo.index_files(&schema.dirs())?;
            sift(repo, cache, files, &mentions)?
        }
        _ => return loader.load(source, Select::Mentioning(&mentions), label),
    };
    loader.load(source, Select::Files(listed), label)
}

/// The files among `listed` that may hold `covers`: every symlink (read
/// through its target later), and every `.md` blob that mentions a key or
/// is too large to read; the cache learns which blobs mention none.
fn sift(
    repo: &Repo,
    cache: &CoversCache,
    listed: Vec<TreeFile>,
    mentions: &dyn Fn(&[u8]) -> bool,
) -> Result<Vec<TreeFile>, GitError> {
    let unknown: Vec<ObjectId> = listed
        .iter()
        .filter(|f| !f.symlink && f.path.ends_with(".md") && !cache.is_plain(&f.blob))
        .map(|f| f.blob.clone())
        .collect();
    let mut maybe = std::collections::HashSet::new();
    for (blob, read) in unknown
        .iter()
        .zip(repo.blobs_within(&unknown, MAX_RECORD_BYTES)?)
    {
        match read {
            Ok(bytes) if !mentions(&bytes) => cache.put_plain(blob),
            _ => {
                maybe.insert(blob);
            }
        }
    }
    Ok(listed
        .into_iter()
        .filter(|f| f.symlink || maybe.contains(&f.blob))
        .collect())
}

/// The records of `snapshot` whose `covers` globs match any of `files`.
pub fn governing(schema: &Schema, snapshot: &Snapshot, files: &[String]) -> Vec<Governing> {
    let code: Vec<&String> = files.iter().filter(|f| !schema.is_record_path(f)).collect();
    if code.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for record in &snapshot.records {
        let globs = record
            .value("covers")
            .map(Value::string_items)
            .unwrap_or_default();
        // Too many globs, or too long ones, are validate's findings; here
        // they cover nothing rather than cost gigabytes.
        if globs.is_empty() || globs.len() > crate::schema::MAX_GLOBS {
            continue;
        }
        let mut builder = GlobSetBuilder::new();
        for g in &globs {
            if let Ok(glob) = crate::schema::glob(g.trim_start_matches("./")) {
                builder.add(glob);
            }
        }
        let Ok(set) = builder.build() else { continue };
        // `covers` globs are relative to the project root.
        let matched: Vec<String> = code
            .iter()
            .filter(|f| schema.project_path(f).is_some_and(|p| set.is_match(p)))
            .map(|f| f.to_string())
            .collect();
        if !matched.is_empty() {
            out.push(Governing {
                record: record.brief(),
                files: matched,
            });
        }
    }
    out
}
