//! What the covers scan learned (`.git/cairn/covers`), so that a diff of
//! code-only commits costs what git's diff costs instead of reading every
//! record of the later side.
//!
//! Two facts, both keyed by content ids and so never stale after a rebase
//! or an amend:
//!
//! - per record folder (its path and tree id): the `.md` files under it
//!   whose bytes mention a `covers` key — the only ones the scan parses;
//! - per blob id: that its bytes mention no `covers` key, so that a folder
//!   seen for the first time is read only where its files are new.
//!
//! Neither depends on the schema beyond the keys searched for (in the
//! header: other keys, another format or cairn version mean an empty
//! cache), so a change of `ignore` globs or id rules needs no rebuild:
//! the scan still filters and parses the files it is given.
//!
//! Size: at most [`MAX_BYTES`]. A write that would pass it keeps what the
//! writing command learned and used first, then older entries while they
//! fit (folders before blobs).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead as _, BufReader, Read, Seek as _, SeekFrom};
use std::path::Path;
use std::sync::OnceLock;

use super::file::CacheFile;
use crate::git::ObjectId;

/// The file's first word and format version.
const MAGIC: &str = "cairn-covers 1";

/// The most bytes the covers file may hold.
pub const MAX_BYTES: usize = 64 << 20;

/// A record folder as `(its path, its tree id)`.
type FolderKey = (String, ObjectId);

/// The files of a folder that mention a covers key: `(path, blob)`.
pub type Mentioning = Vec<(String, ObjectId)>;

/// The covers scan's cache: see the module documentation.
pub struct CoversCache {
    /// Per folder met before, its files that mention a covers key (the
    /// file's blob lines are not read with them).
    file: CacheFile<HashMap<FolderKey, Mentioning>, Fresh>,
    /// The blob lines, read from the file into a set when first asked: a
    /// folder met before needs none of them, and on a large log they are
    /// most of the file.
    plain: OnceLock<HashSet<ObjectId>>,
}

/// What this command used and learned.
#[derive(Default)]
struct Fresh {
    used_folders: Vec<FolderKey>,
    folders: HashMap<FolderKey, Mentioning>,
    used_plain: HashSet<ObjectId>,
    plain: HashSet<ObjectId>,
}

impl CoversCache {
    /// Opens the covers cache under `dir` for the front matter `keys` the
    /// scan searches for: what it holds, or nothing when it is missing,
    /// unreadable, damaged or made for other keys or by another cairn
    /// version.
    pub fn open(dir: &Path, keys: &[String]) -> CoversCache {
        let header = format!(
            "{MAGIC} {} {}",
            env!("CARGO_PKG_VERSION"),
            keys.join("\u{1f}")
        );
        CoversCache {
            file: CacheFile::reading_file(dir, "covers", header, read),
            plain: OnceLock::new(),
        }
    }

    /// The files under the folder `dir` with tree `tree` that mention a
    /// covers key, if the folder was met before.
    pub fn folder(&self, dir: &str, tree: &ObjectId) -> Option<Mentioning> {
        let key = (dir.to_string(), tree.clone());
        let mut fresh = self.file.fresh();
        if let Some(files) = self.folders().get(&key) {
            fresh.used_folders.push(key);
            return Some(files.clone());
        }
        fresh.folders.get(&key).cloned()
    }

    /// Whether `blob` is known to mention no covers key.
    pub fn is_plain(&self, blob: &ObjectId) -> bool {
        if self.known_plain().contains(blob) {
            self.file.fresh().used_plain.insert(blob.clone());
            return true;
        }
        self.file.fresh().plain.contains(blob)
    }

    /// Keeps the files of a folder that mention a covers key. A path with
    /// a line break cannot be written in the line format and is not kept.
    pub fn put_folder(&self, dir: &str, tree: &ObjectId, files: Mentioning) {
        if dir.contains('\n') || files.iter().any(|(path, _)| path.contains('\n')) {
            return;
        }
        self.file
            .fresh()
            .folders
            .insert((dir.to_string(), tree.clone()), files);
    }

    /// Keeps that `blob` mentions no covers key.
    pub fn put_plain(&self, blob: &ObjectId) {
        if !self.known_plain().contains(blob) {
            self.file.fresh().plain.insert(blob.clone());
        }
    }

    /// Writes what was learned, atomically; nothing when nothing was. A
    /// cache that cannot be written (a read-only git directory) is an
    /// error the caller may ignore: the results stand without it.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let fresh = self.file.take_fresh();
        if fresh.folders.is_empty() && fresh.plain.is_empty() {
            return Ok(());
        }
        let known_plain = self.known_plain();
        let mut budget = Budget::default();
        // The newest work first: what was learned, then what was used.
        for (key, files) in &fresh.folders {
            budget.folder(key, files, true);
        }
        let used: HashSet<&FolderKey> = fresh.used_folders.iter().collect();
        for key in used.iter().filter(|key| !fresh.folders.contains_key(**key)) {
            if let Some(files) = self.folders().get(*key) {
                budget.folder(key, files, true);
            }
        }
        for blob in fresh.plain.iter().chain(&fresh.used_plain) {
            budget.blob(blob, true);
        }
        // Then older entries while they fit.
        for (key, files) in self.folders() {
            if !used.contains(key) && !fresh.folders.contains_key(key) {
                budget.folder(key, files, false);
            }
        }
        for blob in known_plain {
            if !fresh.used_plain.contains(blob) {
                budget.blob(blob, false);
            }
        }
        budget.folders.push_str(&budget.blobs);
        let counts = format!("{} {}", budget.folder_count, budget.blob_count);
        self.file.write(&budget.folders, &counts)
    }

    /// The folders the file holds.
    fn folders(&self) -> &HashMap<FolderKey, Mentioning> {
        self.file.known()
    }

    /// The blobs the file holds as plain; an unreadable blob section
    /// holds none. Read from the file as it is now: another command may
    /// have saved it since its folders were read, and a blob line is a
    /// fact about the blob's bytes, true in any version of the file.
    fn known_plain(&self) -> &HashSet<ObjectId> {
        self.plain.get_or_init(|| {
            let read = || -> Option<HashSet<ObjectId>> {
                let mut file = File::open(self.file.path()).ok()?;
                let len = file.metadata().ok()?.len();
                let (_, blobs) = read_head(&mut file, len, self.file.header())?;
                read_blobs(&mut file, &blobs)
            };
            read().unwrap_or_default()
        })
    }
}

/// The entries of a file being written, within [`MAX_BYTES`].
#[derive(Default)]
struct Budget {
    folders: String,
    blobs: String,
    folder_count: usize,
    blob_count: usize,
}

impl Budget {
    fn full(&self, more: usize) -> bool {
        self.folders.len() + self.blobs.len() + more > MAX_BYTES
    }

    /// One folder entry: `F <tree> <n> <dir>`, then n lines `<blob> <path>`.
    fn folder(&mut self, (dir, tree): &FolderKey, files: &Mentioning, always: bool) {
        let mut entry = format!("F {} {} {dir}\n", tree.as_str(), files.len());
        for (path, blob) in files {
            let _ = writeln!(entry, "{} {path}", blob.as_str());
        }
        if always || !self.full(entry.len()) {
            self.folders.push_str(&entry);
            self.folder_count += 1;
        }
    }

    /// One plain blob: `B <blob>`.
    fn blob(&mut self, blob: &ObjectId, always: bool) {
        let line = format!("B {}\n", blob.as_str());
        if always || !self.full(line.len()) {
            self.blobs.push_str(&line);
            self.blob_count += 1;
        }
    }
}

/// Where a file's blob lines are: from byte `at`, `len` bytes, `count`
/// lines as its trailer counts them.
struct BlobLines {
    at: u64,
    len: u64,
    count: usize,
}

/// The folders of a covers file of `len` bytes, read up to its blob
/// lines, and where those are; None unless the header matches, every
/// folder entry reads, and the trailer (`end <folders> <blobs>`, read
/// from the file's end) counts the folders read.
fn read(file: &mut File, len: u64, header: &str) -> Option<HashMap<FolderKey, Mentioning>> {
    read_head(file, len, header).map(|(folders, _)| folders)
}

/// [`read`], with where the blob lines are.
fn read_head(
    file: &mut File,
    len: u64,
    header: &str,
) -> Option<(HashMap<FolderKey, Mentioning>, BlobLines)> {
    // The trailer counts the entries; a file cut short has none.
    let tail_len = len.min(64);
    file.seek(SeekFrom::Start(len - tail_len)).ok()?;
    let mut tail = vec![0; usize::try_from(tail_len).ok()?];
    file.read_exact(&mut tail).ok()?;
    let tail = std::str::from_utf8(tail.strip_suffix(b"\n")?).ok()?;
    let trailer = &tail[tail.rfind('\n')? + 1..];
    let mut counts = trailer.strip_prefix("end ")?.split(' ');
    let folder_count: usize = counts.next()?.parse().ok()?;
    let blob_count: usize = counts.next()?.parse().ok()?;
    if counts.next().is_some() {
        return None;
    }
    let trailer_at = len - u64::try_from(trailer.len()).ok()? - 1;
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut lines = BufReader::new(Read::by_ref(file).take(trailer_at));
    let mut line = String::new();
    let mut next = |line: &mut String| -> Option<usize> {
        line.clear();
        let n = lines.read_line(line).ok()?;
        if n > 0 && !line.ends_with('\n') {
            return None;
        }
        line.pop();
        Some(n)
    };
    next(&mut line)?;
    if line != header {
        return None;
    }
    let mut at = u64::try_from(header.len()).ok()? + 1;
    let mut folders = HashMap::new();
    loop {
        let n = next(&mut line)?;
        let Some(entry) = line.strip_prefix("F ") else {
            // The first blob line, or the end.
            break;
        };
        at += u64::try_from(n).ok()?;
        let mut words = entry.splitn(3, ' ');
        let tree = ObjectId::from_stored(words.next()?)?;
        let count: usize = words.next()?.parse().ok()?;
        let dir = words.next()?.to_string();
        let mut files = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            let n = next(&mut line)?;
            if n == 0 {
                return None;
            }
            at += u64::try_from(n).ok()?;
            let (blob, path) = line.split_once(' ')?;
            if path.is_empty() {
                return None;
            }
            files.push((path.to_string(), ObjectId::from_stored(blob)?));
        }
        folders.insert((dir, tree), files);
    }
    if folders.len() != folder_count || at > trailer_at {
        return None;
    }
    let blobs = BlobLines {
        at,
        len: trailer_at - at,
        count: blob_count,
    };
    Some((folders, blobs))
}

/// The blob lines `B <blob>` where `blobs` says they are; None if one is
/// not, or they are not as many as the trailer counts.
fn read_blobs(file: &mut File, blobs: &BlobLines) -> Option<HashSet<ObjectId>> {
    file.seek(SeekFrom::Start(blobs.at)).ok()?;
    let mut text = String::with_capacity(usize::try_from(blobs.len).ok()?);
    Read::by_ref(file)
        .take(blobs.len)
        .read_to_string(&mut text)
        .ok()?;
    let set: HashSet<ObjectId> = text
        .lines()
        .map(|line| ObjectId::from_stored(line.strip_prefix("B ")?))
        .collect::<Option<_>>()?;
    (text.lines().count() == blobs.count && text.len() as u64 == blobs.len).then_some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> ObjectId {
        ObjectId::from_stored(&format!("{n:02x}").repeat(20)).unwrap()
    }

    fn keys() -> Vec<String> {
        vec!["covers".into()]
    }

    #[test]
    fn what_is_saved_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![
            ("research/decisions/DEC-1 a b.md".to_string(), id(1)),
            ("research/decisions/sub/DEC-2.md".to_string(), id(2)),
        ];
        let cache = CoversCache::open(dir.path(), &keys());
        assert_eq!(cache.folder("research/decisions", &id(9)), None);
        assert!(!cache.is_plain(&id(3)));
        cache.put_folder("research/decisions", &id(9), files.clone());
        cache.put_folder("research/experiments", &id(8), Vec::new());
        cache.put_plain(&id(3));
        cache.put_plain(&id(4));
        cache.save().unwrap();

        let cache = CoversCache::open(dir.path(), &keys());
        assert_eq!(cache.folder("research/decisions", &id(9)), Some(files));
        assert_eq!(
            cache.folder("research/experiments", &id(8)),
            Some(Vec::new())
        );
        assert_eq!(cache.folder("research/experiments", &id(9)), None);
        assert!(cache.is_plain(&id(3)) && cache.is_plain(&id(4)));
        assert!(!cache.is_plain(&id(1)));
        // Nothing new: the file is left as it is.
        let before = std::fs::read(dir.path().join("covers")).unwrap();
        cache.save().unwrap();
        assert_eq!(std::fs::read(dir.path().join("covers")).unwrap(), before);
    }

    #[test]
    fn damaged_or_foreign_files_read_as_empty_and_are_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let learn = |cache: &CoversCache| {
            cache.put_folder("research", &id(1), vec![("research/a.md".into(), id(2))]);
            cache.put_plain(&id(3));
        };
        let cache = CoversCache::open(dir.path(), &keys());
        learn(&cache);
        cache.save().unwrap();
        let good = std::fs::read_to_string(dir.path().join("covers")).unwrap();

        let other_keys = CoversCache::open(dir.path(), &["governs".to_string()]);
        assert_eq!(other_keys.folder("research", &id(1)), None);
        assert!(!other_keys.is_plain(&id(3)));

        let truncated = &good[..good.len() - 4];
        let other_version = good.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1);
        let bad_id = good.replace(id(2).as_str(), "not-an-id");
        let bad_count = good.replace("end 1 1", "end 2 1");
        for damaged in [
            truncated,
            &other_version,
            &bad_id,
            &bad_count,
            "",
            "\u{0}\u{1}garbage",
        ] {
            std::fs::write(dir.path().join("covers"), damaged).unwrap();
            let cache = CoversCache::open(dir.path(), &keys());
            assert_eq!(cache.folder("research", &id(1)), None, "{damaged:?}");
            assert!(!cache.is_plain(&id(3)), "{damaged:?}");
            learn(&cache);
            cache.save().unwrap();
            let rebuilt = std::fs::read_to_string(dir.path().join("covers")).unwrap();
            assert_eq!(rebuilt, good);
        }
        // Blob lines that do not read, or are not as many as the trailer
        // says, are none; the folders before them, each read whole, stand.
        let extra_blob = good.replace("end 1 1", "B xyz\nend 1 1");
        let one_more = good.replace("end 1 1", &format!("B {}\nend 1 1", id(5).as_str()));
        for damaged in [&extra_blob, &one_more] {
            std::fs::write(dir.path().join("covers"), damaged).unwrap();
            let cache = CoversCache::open(dir.path(), &keys());
            assert!(cache.folder("research", &id(1)).is_some(), "{damaged:?}");
            assert!(!cache.is_plain(&id(3)), "{damaged:?}");
            assert!(!cache.is_plain(&id(5)), "{damaged:?}");
            learn(&cache);
            cache.save().unwrap();
            let rebuilt = std::fs::read_to_string(dir.path().join("covers")).unwrap();
            assert_eq!(rebuilt, good);
        }
    }

    /// The blob lines are read when first asked, from the file as it is
    /// then: one saved meanwhile by another command is read whole.
    #[test]
    fn blob_lines_are_read_when_asked_from_the_file_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let first = CoversCache::open(dir.path(), &keys());
        first.put_folder("research", &id(1), Vec::new());
        first.put_plain(&id(3));
        first.save().unwrap();
        let reader = CoversCache::open(dir.path(), &keys());
        assert_eq!(reader.folder("research", &id(1)), Some(Vec::new()));
        // Another command adds a folder and a blob.
        let other = CoversCache::open(dir.path(), &keys());
        other.put_folder(
            "research/sub",
            &id(2),
            vec![("research/sub/a.md".into(), id(6))],
        );
        other.put_plain(&id(4));
        other.save().unwrap();
        assert!(reader.is_plain(&id(3)) && reader.is_plain(&id(4)));
        assert_eq!(reader.folder("research/sub", &id(2)), None);
    }

    #[test]
    fn line_breaks_in_paths_are_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CoversCache::open(&dir.path().join("cairn"), &keys());
        cache.put_folder("research", &id(1), vec![("research/a\nb.md".into(), id(2))]);
        cache.save().unwrap();
        assert!(!dir.path().join("cairn").exists());
    }
}
