//! Where `log` found a record's paths changed (`.git/cairn/follows`), so
//! that a second `log` of the same record at the same revision reads only
//! those commits instead of walking the whole first-parent chain.
//!
//! An entry is keyed by the revision's commit and the paths the record
//! lives at there, and lists, newest first, each commit of the chain (with
//! its first parent) that changed one of the record's paths as the walk
//! went. The walk down from a commit depends only on that commit and those
//! paths, so replaying those commits alone gives the same history; both
//! are content ids, so an entry is never stale.
//!
//! Size: at most [`MAX_BYTES`]. A write that would pass it keeps only what
//! the writing command learned and used.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::file::{Body, CacheFile, read_lines};
use crate::git::ObjectId;
use crate::schema::Schema;

/// The file's first word and format version.
const MAGIC: &str = "cairn-follows 1";

/// The most bytes the follows file may hold.
pub const MAX_BYTES: usize = 16 << 20;

/// `(commit, the record's paths there)`.
type Key = (String, Vec<String>);

/// The commits a walk found, each with its first parent.
pub type Steps = Vec<(ObjectId, Option<ObjectId>)>;

/// The follows cache.
pub struct FollowCache {
    file: CacheFile<HashMap<Key, Steps>, Fresh>,
}

#[derive(Default)]
struct Fresh {
    used: HashSet<Key>,
    learned: HashMap<Key, Steps>,
}

impl FollowCache {
    /// Opens the follows cache under `dir` for `schema`: what it holds, or
    /// nothing when it is missing, damaged or foreign.
    pub fn open(dir: &Path, schema: &Schema) -> FollowCache {
        let header = format!("{MAGIC} {}", super::fingerprint(schema));
        FollowCache {
            file: CacheFile::new(dir, "follows", header, read),
        }
    }

    /// The steps found from `commit` with the record at `paths`, if known.
    pub fn get(&self, commit: &ObjectId, paths: &[String]) -> Option<Steps> {
        let key = (commit.as_str().to_string(), paths.to_vec());
        let steps = self.file.known().get(&key)?.clone();
        self.file.fresh().used.insert(key);
        Some(steps)
    }

    /// Keeps the steps found from `commit` with the record at `paths`.
    pub fn put(&self, commit: &ObjectId, paths: &[String], steps: &[(ObjectId, Option<ObjectId>)]) {
        if paths
            .iter()
            .any(|p| p.is_empty() || p.contains(['\t', '\n', '\r']))
        {
            return;
        }
        let key = (commit.as_str().to_string(), paths.to_vec());
        self.file.fresh().learned.insert(key, steps.to_vec());
    }

    /// Writes what was learned, atomically; nothing when nothing was.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let fresh = self.file.take_fresh();
        if fresh.learned.is_empty() {
            return Ok(());
        }
        let known = self.file.known();
        let mut body = Body::default();
        let kept = fresh.used.iter().filter_map(|k| Some((k, known.get(k)?)));
        for (key, steps) in fresh.learned.iter().chain(kept) {
            write_entry(body.keep(), key, steps);
        }
        for (key, steps) in known {
            if !fresh.used.contains(key) && !fresh.learned.contains_key(key) {
                write_entry(body.spare(), key, steps);
            }
        }
        self.file.save(body, MAX_BYTES)
    }
}

/// `F <commit> <n>\t<path>\t…`, then n lines `<commit> <parent or ->`.
fn write_entry(out: &mut String, key: &Key, steps: &Steps) {
    out.push_str(&format!("F {} {}", key.0, steps.len()));
    for path in &key.1 {
        out.push('\t');
        out.push_str(path);
    }
    out.push('\n');
    for (commit, parent) in steps {
        let parent = parent.as_ref().map_or("-", ObjectId::as_str);
        out.push_str(&format!("{} {parent}\n", commit.as_str()));
    }
}

/// The entries of a whole file; None unless the header matches and the
/// file is complete and well formed.
fn read(text: &str, header: &str) -> Option<HashMap<Key, Steps>> {
    let mut known = HashMap::new();
    let count = read_lines(text, header, |line, lines| {
        let mut fields = line.strip_prefix("F ")?.split('\t');
        let (commit, n) = fields.next()?.split_once(' ')?;
        let paths: Vec<String> = fields.map(str::to_string).collect();
        if !super::is_id(commit) || paths.is_empty() || paths.iter().any(String::is_empty) {
            return None;
        }
        let mut steps = Vec::new();
        for _ in 0..n.parse::<usize>().ok()? {
            let (commit, parent) = lines.next()?.split_once(' ')?;
            let parent = match parent {
                "-" => None,
                id => Some(ObjectId::from_stored(id)?),
            };
            steps.push((ObjectId::from_stored(commit)?, parent));
        }
        known.insert((commit.to_string(), paths), steps);
        Some(())
    })?;
    (count == known.len()).then_some(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn id(n: u8) -> ObjectId {
        ObjectId::from_stored(&format!("{n:02x}").repeat(20)).unwrap()
    }

    #[test]
    fn what_is_saved_is_read_back_and_damage_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let schema = config::builtin();
        let paths = vec!["research/experiments/EXP-1 a.md".to_string()];
        let steps = vec![(id(3), Some(id(2))), (id(1), None)];
        let cache = FollowCache::open(dir.path(), &schema);
        assert_eq!(cache.get(&id(3), &paths), None);
        cache.put(&id(3), &paths, &steps);
        cache.put(&id(4), &["a\tb.md".to_string()], &steps);
        cache.save().unwrap();

        let cache = FollowCache::open(dir.path(), &schema);
        assert_eq!(cache.get(&id(3), &paths), Some(steps.clone()));
        assert_eq!(cache.get(&id(3), &["other.md".to_string()]), None);
        assert_eq!(cache.get(&id(4), &["a\tb.md".to_string()]), None);

        let file = dir.path().join("follows");
        let good = std::fs::read_to_string(&file).unwrap();
        let bad_id = good.replace(id(2).as_str(), "not-an-id");
        for damaged in [&good[..good.len() - 3], &bad_id, "", "garbage\n"] {
            std::fs::write(&file, damaged).unwrap();
            let cache = FollowCache::open(dir.path(), &schema);
            assert_eq!(cache.get(&id(3), &paths), None);
            cache.put(&id(3), &paths, &steps);
            cache.save().unwrap();
            assert_eq!(std::fs::read_to_string(&file).unwrap(), good);
        }
    }
}
