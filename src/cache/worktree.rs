//! The stat of each record file of one working tree and the blob id of
//! its content (`cairn/worktree` in that work tree's own git directory),
//! so that `validate` and `list` open no file that has not changed since
//! they last read it — what git's index does for `git status`. The
//! record itself then comes from [`super::outlines`] by that blob id.
//!
//! An entry is a repository path with the file's size, modification and
//! change times (nanoseconds) and inode, and the id git would give its
//! bytes (`git hash-object`). A file is taken as unchanged when all four
//! match; a `chmod`, a `touch` or a rewrite changes its change time even
//! when it keeps its size and modification time. As in git, an entry is
//! trusted only if the file's modification time is strictly older than
//! the cache file itself: a file changed in the same clock tick as the
//! one the cache was written in could keep all four, so such ("racy")
//! entries are read and hashed again, and written anew.
//!
//! Only regular files that were read whole are kept: symlinks, unreadable
//! and oversized files are read (and reported) every time. The file
//! belongs to one work tree — a linked worktree has its own, in its own
//! git directory — and its header holds a digest of the work tree's root,
//! so a cache that meets another root starts empty. Entries exist only on
//! Unix, where the inode and change time are known.
//!
//! Size: at most [`MAX_BYTES`], about 130 bytes a record file. A write
//! keeps the entries of the files the command saw, sorted by path, up to
//! that bound; files that are gone are dropped.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::file::{Body, CacheFile, escape, read_file_lines, unescape};

/// The file's first word and format version.
const MAGIC: &str = "cairn-worktree 2";

/// The most bytes the worktree file may hold.
pub const MAX_BYTES: usize = 64 << 20;

/// What identifies one version of a file on disk without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    size: u64,
    /// Modification time, nanoseconds since the epoch (times before
    /// 1677 or after 2262 are not kept: such a file is read every time).
    mtime: i64,
    /// Change time (of the inode), nanoseconds since the epoch.
    ctime: i64,
    inode: u64,
}

impl Stat {
    /// The stat of a regular file; None for anything else, and on systems
    /// without inodes and change times.
    pub fn of(meta: &Metadata) -> Option<Stat> {
        if !meta.is_file() {
            return None;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(Stat {
                size: meta.size(),
                mtime: nanos(meta.mtime(), meta.mtime_nsec())?,
                ctime: nanos(meta.ctime(), meta.ctime_nsec())?,
                inode: meta.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            None
        }
    }
}

impl Stat {
    /// The stat of a regular file as the system gave it (`statat` through
    /// its folder); None for anything else.
    #[cfg(unix)]
    pub fn of_raw(st: &rustix::fs::Stat) -> Option<Stat> {
        if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::RegularFile {
            return None;
        }
        let (mtime, ctime) = raw_times(st)?;
        Some(Stat {
            size: u64::try_from(st.st_size).ok()?,
            mtime,
            ctime,
            inode: st.st_ino,
        })
    }
}

/// The modification and change times of a raw stat, in nanoseconds.
#[cfg(unix)]
fn raw_times(st: &rustix::fs::Stat) -> Option<(i64, i64)> {
    Some((
        nanos(st.st_mtime, i64::try_from(st.st_mtime_nsec).ok()?)?,
        nanos(st.st_ctime, i64::try_from(st.st_ctime_nsec).ok()?)?,
    ))
}

#[cfg(unix)]
/// A time in nanoseconds since the epoch, if it fits in 64 bits (from
/// 1677 to 2262): a stat cache entry is 16 bytes smaller than with
/// 128-bit times, on a large log a megabyte and a half for each hundred
/// thousand files, twice over in a listing.
fn nanos(seconds: i64, nanoseconds: i64) -> Option<i64> {
    seconds.checked_mul(1_000_000_000)?.checked_add(nanoseconds)
}

/// The worktree cache: the file's entries, and what this command saw.
pub struct WorktreeCache {
    file: CacheFile<Known, Fresh>,
    /// The cache file's modification time: entries not older are racy.
    written: OnceLock<Option<i64>>,
    /// Whether this command looked a file up: one that loaded no working
    /// tree leaves the file as it is.
    looked: AtomicBool,
}

/// What identifies one state of a folder's list of entries: a name
/// added, removed or renamed in it changes its modification and change
/// times; another folder mounted or moved in its place has another inode
/// or device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderStat {
    mtime: i64,
    ctime: i64,
    inode: u64,
    device: u64,
}

impl FolderStat {
    /// A folder's stat as the system gave it (`fstat` of its handle).
    #[cfg(unix)]
    pub fn of_raw(st: &rustix::fs::Stat) -> Option<FolderStat> {
        if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::Directory {
            return None;
        }
        let (mtime, ctime) = raw_times(st)?;
        Some(FolderStat {
            mtime,
            ctime,
            inode: st.st_ino,
            #[allow(clippy::useless_conversion)]
            device: u64::try_from(st.st_dev).ok()?,
        })
    }
}

/// What a folder's entry is, as its folder listed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A symbolic link.
    Symlink,
    /// A folder.
    Folder,
    /// A fifo, socket or device.
    Other,
}

impl EntryKind {
    fn letter(self) -> char {
        match self {
            EntryKind::File => 'f',
            EntryKind::Symlink => 'l',
            EntryKind::Folder => 'd',
            EntryKind::Other => 'o',
        }
    }

    fn of_letter(letter: char) -> Option<EntryKind> {
        Some(match letter {
            'f' => EntryKind::File,
            'l' => EntryKind::Symlink,
            'd' => EntryKind::Folder,
            'o' => EntryKind::Other,
            _ => return None,
        })
    }
}

/// A folder's entries (names and kinds), as listed: the names in one
/// text, each ended by a `/`, which no name holds. A large log's folders
/// list hundreds of thousands of names, and a string each took five
/// times the memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entries {
    names: Box<str>,
    kinds: Box<[EntryKind]>,
}

impl Entries {
    /// The entries named; None when a name is empty or holds a `/`.
    pub fn new<'n>(entries: impl IntoIterator<Item = (&'n str, EntryKind)>) -> Option<Entries> {
        let mut names = String::new();
        let mut kinds = Vec::new();
        for (name, kind) in entries {
            if name.is_empty() || name.contains('/') {
                return None;
            }
            names.push_str(name);
            names.push('/');
            kinds.push(kind);
        }
        Some(Entries {
            names: names.into_boxed_str(),
            kinds: kinds.into_boxed_slice(),
        })
    }

    /// Each entry's name and kind, in the order listed.
    pub fn iter(&self) -> impl Iterator<Item = (&str, EntryKind)> {
        self.names
            .split_terminator('/')
            .zip(self.kinds.iter().copied())
    }

    /// How many entries the folder has.
    fn len(&self) -> usize {
        self.kinds.len()
    }
}

/// The file entries, sorted by path, their paths and blob ids in one
/// text (the file's own text is not kept: on a large log it was twice
/// the size, its numbers already read); then the folders listed, by path.
#[derive(Default)]
struct Known {
    /// Each file entry's path (unescaped) and blob id, one after another.
    names: String,
    entries: Vec<Entry>,
    folders: HashMap<String, (FolderStat, Entries, AtomicBool)>,
}

/// One file's entry: its path, the stat and blob recorded, and whether
/// this command saw the file unchanged.
struct Entry {
    /// Where the path starts in [`Known::names`]; its blob id follows it.
    at: u32,
    /// The path's length.
    path: u32,
    /// The blob id's length (40 or 64 hex digits).
    blob: u8,
    stat: Stat,
    seen: AtomicBool,
}

impl Entry {
    /// Its path, in the `names` of its [`Known`].
    fn path<'n>(&self, names: &'n str) -> &'n str {
        let at = self.at as usize;
        &names[at..at + self.path as usize]
    }
}

impl Known {
    fn path<'k>(&'k self, entry: &Entry) -> &'k str {
        entry.path(&self.names)
    }

    fn blob<'k>(&'k self, entry: &Entry) -> &'k str {
        let at = entry.at as usize + entry.path as usize;
        &self.names[at..at + usize::from(entry.blob)]
    }

    fn get(&self, path: &str) -> Option<&Entry> {
        let at = self
            .entries
            .binary_search_by(|entry| self.path(entry).cmp(path))
            .ok()?;
        self.entries.get(at)
    }
}

#[derive(Default)]
struct Fresh {
    learned: HashMap<String, (Stat, String)>,
    folders: HashMap<String, (FolderStat, Entries)>,
}

impl WorktreeCache {
    /// Opens the worktree cache under `dir` (in the work tree's own git
    /// directory) for the work tree at `root`: what it holds, or nothing
    /// when it is missing, unreadable, damaged, written by another cairn
    /// version or for another root.
    pub fn open(dir: &Path, root: &Path) -> WorktreeCache {
        let mut hasher = DefaultHasher::new();
        root.hash(&mut hasher);
        let header = format!(
            "{MAGIC} {} {:016x}",
            env!("CARGO_PKG_VERSION"),
            hasher.finish()
        );
        WorktreeCache {
            file: CacheFile::reading_file(dir, "worktree", header, read),
            written: OnceLock::new(),
            looked: AtomicBool::new(false),
        }
    }

    /// Whether the cache knows any file: a listing for a cache that knows
    /// none (the first run) need not stat the files, as each one read is
    /// stat-ed through its open handle.
    pub fn knows_files(&self) -> bool {
        !self.file.known().entries.is_empty()
    }

    /// The blob id of the file at `path`, if the cache knows it with this
    /// very stat and the entry is older than the cache file.
    pub fn blob(&self, path: &str, stat: &Stat) -> Option<&str> {
        self.looked.store(true, Ordering::Relaxed);
        let known = self.file.known();
        let entry = known.get(path)?;
        let written = self.written()?;
        if entry.stat != *stat || stat.mtime >= written {
            return None;
        }
        entry.seen.store(true, Ordering::Relaxed);
        Some(known.blob(entry))
    }

    /// The blob id this command found the file at `path` to hold, when it
    /// read and hashed it.
    pub fn learned(&self, path: &str) -> Option<String> {
        let fresh = self.file.fresh();
        fresh.learned.get(path).map(|(_, blob)| blob.clone())
    }

    /// How many files this command read and hashed: what a save writes
    /// beyond the lines it keeps.
    pub fn learned_count(&self) -> usize {
        self.file.fresh().learned.len()
    }

    /// Keeps that the file at `path`, with this stat, holds `blob`.
    pub fn put(&self, path: &str, stat: Stat, blob: String) {
        self.file
            .fresh()
            .learned
            .insert(path.to_string(), (stat, blob));
    }

    /// The entries of the folder at `path` (a repository path, `/`
    /// joined), if the cache noted them when the folder had this very
    /// stat, older than the cache file: no name was added, removed or
    /// renamed in it since.
    pub fn folder(&self, path: &str, stat: &FolderStat) -> Option<&Entries> {
        self.looked.store(true, Ordering::Relaxed);
        let (known, entries, seen) = self.file.known().folders.get(path)?;
        let written = self.written()?;
        if known != stat || stat.mtime >= written {
            return None;
        }
        seen.store(true, Ordering::Relaxed);
        Some(entries)
    }

    /// Keeps that the folder at `path`, with this stat, lists `entries`.
    pub fn put_folder(&self, path: &str, stat: FolderStat, entries: Entries) {
        self.file
            .fresh()
            .folders
            .insert(path.to_string(), (stat, entries));
    }

    /// The cache file's modification time, when it was read.
    fn written(&self) -> Option<i64> {
        *self.written.get_or_init(|| {
            let meta = self.file.stamp()?;
            Stat::of(meta).map(|s| s.mtime)
        })
    }

    /// Writes the entries of the files and folders this command saw,
    /// atomically; nothing when they are the ones the file holds, or when
    /// it looked at none.
    pub fn save(self) -> Result<(), crate::write::WriteError> {
        let fresh = self.file.take_fresh();
        if fresh.learned.is_empty()
            && fresh.folders.is_empty()
            && !self.looked.load(Ordering::Relaxed)
        {
            return Ok(());
        }
        let known = self.file.known();
        let kept: Vec<(&str, &Stat, &str)> = known
            .entries
            .iter()
            .filter(|entry| {
                entry.seen.load(Ordering::Relaxed) && !fresh.learned.contains_key(known.path(entry))
            })
            .map(|entry| (known.path(entry), &entry.stat, known.blob(entry)))
            .collect();
        let mut folders: Vec<(&str, &FolderStat, &Entries)> = known
            .folders
            .iter()
            .filter(|(path, (.., seen))| {
                seen.load(Ordering::Relaxed) && !fresh.folders.contains_key(*path)
            })
            .map(|(path, (stat, entries, _))| (path.as_str(), stat, entries))
            .chain(
                fresh
                    .folders
                    .iter()
                    .map(|(path, (stat, entries))| (path.as_str(), stat, entries)),
            )
            .collect();
        if fresh.learned.is_empty()
            && fresh.folders.is_empty()
            && kept.len() == known.entries.len()
            && folders.len() == known.folders.len()
        {
            return Ok(());
        }
        let mut entries: Vec<(&str, &Stat, &str)> = fresh
            .learned
            .iter()
            .map(|(path, (stat, blob))| (path.as_str(), stat, blob.as_str()))
            .chain(kept)
            .collect();
        entries.sort_unstable_by_key(|(path, ..)| *path);
        let mut body = Body::default();
        let mut bytes = 0;
        // Every line is kept, files first, while they fit in the bound.
        let mut keep = |line: &str| {
            bytes += line.len();
            let fits = bytes <= MAX_BYTES;
            if fits {
                body.keep().push_str(line);
            }
            fits
        };
        for (path, stat, blob) in entries {
            let mut line = String::with_capacity(path.len() + 110);
            escape(&mut line, path);
            line.push('\t');
            push_numbers(
                &mut line,
                &[
                    stat.size.into(),
                    stat.mtime.into(),
                    stat.ctime.into(),
                    stat.inode.into(),
                ],
            );
            line.push(' ');
            line.push_str(blob);
            line.push('\n');
            if !keep(&line) {
                break;
            }
        }
        // Then each folder: its path and a `/`, its stat, and each entry
        // as its kind's letter and its name.
        folders.sort_unstable_by_key(|(path, ..)| *path);
        for (path, stat, entries) in folders {
            let mut line = String::with_capacity(path.len() + 80 + entries.len() * 32);
            escape(&mut line, path);
            line.push_str("/\t");
            push_numbers(
                &mut line,
                &[
                    stat.mtime.into(),
                    stat.ctime.into(),
                    stat.inode.into(),
                    stat.device.into(),
                ],
            );
            for (name, kind) in entries.iter() {
                line.push('\t');
                line.push(kind.letter());
                escape(&mut line, name);
            }
            line.push('\n');
            if !keep(&line) {
                break;
            }
        }
        self.file.save(body, MAX_BYTES)
    }
}

/// The entries of a whole file, read a line at a time (its text is never
/// held: on a large log it was twice the size of what is kept); None
/// unless the header matches and the file is complete and well formed
/// line by line, with each path once.
fn read(file: &mut File, len: u64, header: &str) -> Option<Known> {
    // Room is made for the most entries a file of this size can hold
    // (their lines are at least 60 bytes), and for its whole text: only
    // what is written is ever touched.
    let len = usize::try_from(len).ok()?;
    let mut names = String::with_capacity(len);
    let mut entries = Vec::with_capacity(len / 60);
    let mut folders = HashMap::new();
    let count = read_file_lines(file, 1 << 16, header, |_, line| {
        read_entry(line, &mut names, &mut entries, &mut folders)
    })?;
    let folder_count = folders.len();
    let mut known = Known {
        names,
        entries,
        folders,
    };
    // Written sorted; a file sorted otherwise is read all the same.
    if !known
        .entries
        .windows(2)
        .all(|w| known.path(&w[0]) < known.path(&w[1]))
    {
        let names = &known.names;
        known
            .entries
            .sort_by(|a, b| a.path(names).cmp(b.path(names)));
        if known
            .entries
            .windows(2)
            .any(|w| known.path(&w[0]) == known.path(&w[1]))
        {
            return None;
        }
    }
    (count == known.entries.len() + folder_count).then_some(known)
}

/// Reads one line of the file (without its line break) into the entries:
/// a file's path, stat and blob id, or a folder's path, stat and entries.
fn read_entry(
    line: &str,
    names: &mut String,
    entries: &mut Vec<Entry>,
    folders: &mut HashMap<String, (FolderStat, Entries, AtomicBool)>,
) -> Option<()> {
    let (path, facts) = line.split_once('\t')?;
    if let Some(path) = path.strip_suffix('/') {
        let (stat, listed) = facts.split_once('\t').unwrap_or((facts, ""));
        let mut words = stat.split(' ');
        let stat = FolderStat {
            mtime: time(words.next()?)?,
            ctime: time(words.next()?)?,
            inode: words.next()?.parse().ok()?,
            device: words.next()?.parse().ok()?,
        };
        if words.next().is_some() {
            return None;
        }
        let listed = listed
            .split('\t')
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let mut chars = entry.chars();
                let kind = EntryKind::of_letter(chars.next()?)?;
                let name = chars.as_str();
                let name = match name.contains('\\') {
                    true => Cow::Owned(unescape(name)?),
                    false => Cow::Borrowed(name),
                };
                Some((name, kind))
            })
            .collect::<Option<Vec<_>>>()?;
        let entries = Entries::new(listed.iter().map(|(name, kind)| (name.as_ref(), *kind)))?;
        let fresh = folders
            .insert(unescape(path)?, (stat, entries, AtomicBool::new(false)))
            .is_none();
        return fresh.then_some(());
    }
    let mut words = facts.split(' ');
    let stat = Stat {
        size: words.next()?.parse().ok()?,
        mtime: time(words.next()?)?,
        ctime: time(words.next()?)?,
        inode: words.next()?.parse().ok()?,
    };
    let blob = words.next()?;
    if !super::is_id(blob) || words.next().is_some() {
        return None;
    }
    let at = u32::try_from(names.len()).ok()?;
    if path.contains('\\') {
        names.push_str(&unescape(path)?);
    } else {
        names.push_str(path);
    }
    let path = u32::try_from(names.len()).ok()? - at;
    names.push_str(blob);
    entries.push(Entry {
        at,
        path,
        blob: u8::try_from(blob.len()).ok()?,
        stat,
        seen: AtomicBool::new(false),
    });
    Some(())
}

/// Writes `numbers` (times, and sizes and inodes, which are unsigned) in
/// decimal, one space between them, as `{}` would: each through 64 bits
/// when it fits (all but a size or inode past 2^63), as writing a 128-bit
/// number divides slowly.
fn push_numbers(out: &mut String, numbers: &[i128]) {
    use std::fmt::Write as _;
    for (i, &n) in numbers.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = match i64::try_from(n) {
            Ok(small) => write!(out, "{small}"),
            Err(_) => write!(out, "{n}"),
        };
    }
}

/// A time in nanoseconds as written.
fn time(word: &str) -> Option<i64> {
    word.parse().ok()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_display_writes_them_and_times_read_back() {
        for nanos in [0, -1, 1_733_000_000_123_456_789, i64::MAX, i64::MIN] {
            let mut out = String::new();
            push_numbers(&mut out, &[nanos.into()]);
            assert_eq!(out, nanos.to_string());
            assert_eq!(time(&out), Some(nanos));
        }
        let mut out = String::new();
        push_numbers(&mut out, &[u64::MAX.into(), -1, 0]);
        assert_eq!(out, format!("{} -1 0", u64::MAX));
        // A time past 64 bits (after 2262) is not one this cache keeps.
        assert_eq!(time(&(i128::from(i64::MAX) + 1).to_string()), None);
        assert_eq!(time("12x"), None);
        assert_eq!(nanos(1_733_000_000, 5), Some(1_733_000_000_000_000_005));
        assert_eq!(nanos(i64::MAX / 1_000_000_000 + 1, 0), None);
        assert_eq!(nanos(i64::MIN / 1_000_000_000 - 1, 0), None);
    }

    const BLOB: &str = "0123456789abcdef0123456789abcdef01234567";

    fn stat(mtime: i64) -> Stat {
        Stat {
            size: 120,
            mtime,
            ctime: mtime,
            inode: 7,
        }
    }

    /// The cache file's modification time, in nanoseconds.
    fn written(dir: &Path) -> i64 {
        let meta = std::fs::metadata(dir.join("worktree")).expect("the cache file");
        Stat::of(&meta).expect("a regular file").mtime
    }

    #[test]
    fn a_file_is_known_by_its_stat_unless_racy() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/work/tree");
        let cache = WorktreeCache::open(dir.path(), root);
        cache.put("research/a\tb.md", stat(1_000), BLOB.to_string());
        cache.save().unwrap();
        let at = written(dir.path());
        // One written just now, in the cache file's own tick, or after it.
        let cache = WorktreeCache::open(dir.path(), root);
        cache.put("research/now.md", stat(at), BLOB.replace('0', "1"));
        cache.put("research/later.md", stat(at + 5), BLOB.replace('0', "2"));
        assert_eq!(cache.blob("research/a\tb.md", &stat(1_000)), Some(BLOB));
        cache.save().unwrap();
        // Touch the cache file so its time is the racy one's exactly.
        let file = std::fs::File::options()
            .append(true)
            .open(dir.path().join("worktree"))
            .unwrap();
        let exactly =
            std::time::UNIX_EPOCH + std::time::Duration::from_nanos(u64::try_from(at).unwrap());
        file.set_modified(exactly).unwrap();

        let cache = WorktreeCache::open(dir.path(), root);
        assert_eq!(cache.blob("research/a\tb.md", &stat(1_000)), Some(BLOB));
        assert_eq!(cache.blob("research/now.md", &stat(at)), None, "racy");
        assert_eq!(cache.blob("research/later.md", &stat(at + 5)), None);
        let mut changed = stat(1_000);
        changed.ctime += 1;
        assert_eq!(cache.blob("research/a\tb.md", &changed), None);
        changed = stat(1_000);
        changed.inode += 1;
        assert_eq!(cache.blob("research/a\tb.md", &changed), None);
        assert_eq!(cache.blob("research/other.md", &stat(1_000)), None);

        // Another root: nothing known.
        let other = WorktreeCache::open(dir.path(), Path::new("/elsewhere"));
        assert_eq!(other.blob("research/a\tb.md", &stat(1_000)), None);
    }

    #[test]
    fn only_the_files_seen_are_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/work/tree");
        let cache = WorktreeCache::open(dir.path(), root);
        cache.put("research/a.md", stat(1_000), BLOB.to_string());
        cache.put("research/gone.md", stat(1_000), BLOB.to_string());
        cache.save().unwrap();
        let file = dir.path().join("worktree");
        let both = std::fs::read_to_string(&file).unwrap();
        assert!(
            both.contains("research/gone.md\t120 1000 1000 7 "),
            "{both}"
        );

        // Seen unchanged, all of them: nothing to write.
        let cache = WorktreeCache::open(dir.path(), root);
        assert!(cache.blob("research/a.md", &stat(1_000)).is_some());
        assert!(cache.blob("research/gone.md", &stat(1_000)).is_some());
        std::fs::write(&file, both.replace("a.md", "b.md")).unwrap();
        cache.save().unwrap();
        assert!(std::fs::read_to_string(&file).unwrap().contains("b.md"));
        std::fs::write(&file, &both).unwrap();

        // One file gone: dropped.
        let cache = WorktreeCache::open(dir.path(), root);
        assert!(cache.blob("research/a.md", &stat(1_000)).is_some());
        cache.save().unwrap();
        let left = std::fs::read_to_string(&file).unwrap();
        assert!(!left.contains("gone.md") && left.contains("research/a.md"));
        assert!(left.ends_with("end 1\n"), "{left}");
    }

    #[test]
    fn entries_are_found_in_any_order_and_a_path_twice_is_damage() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/work/tree");
        let cache = WorktreeCache::open(dir.path(), root);
        cache.put("research/b.md", stat(1_000), BLOB.to_string());
        cache.put("research/a\\c.md", stat(1_000), BLOB.replace('0', "1"));
        cache.put("research/a.md", stat(1_000), BLOB.replace('0', "2"));
        cache.save().unwrap();
        let file = dir.path().join("worktree");
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[1].starts_with("research/a.md\t"), "{text}");
        assert!(lines[2].starts_with("research/a\\\\c.md\t"), "{text}");
        let found = |text: &str| {
            std::fs::write(&file, text).unwrap();
            let cache = WorktreeCache::open(dir.path(), root);
            ["research/a.md", "research/a\\c.md", "research/b.md"]
                .map(|path| cache.blob(path, &stat(1_000)).map(|b| b[..2].to_string()))
        };
        let all = [
            Some("21".to_string()),
            Some("11".to_string()),
            Some("01".to_string()),
        ];
        assert_eq!(found(&text), all);
        let reversed = [lines[0], lines[3], lines[2], lines[1], lines[4], ""].join("\n");
        assert_eq!(found(&reversed), all);
        let twice = [lines[0], lines[1], lines[1], lines[3], "end 3", ""].join("\n");
        assert_eq!(found(&twice), [None, None, None]);
        // A file cut short, running on past its trailer, miscounted, of
        // another header, or not UTF-8 reads as empty.
        let none = [None, None, None];
        assert_eq!(found(text.strip_suffix('\n').unwrap()), none, "cut");
        assert_eq!(found(&text.replace("end 3\n", "")), none, "no trailer");
        assert_eq!(found(&format!("{text}more\n")), none, "past the trailer");
        assert_eq!(found(&text.replace("end 3", "end 4")), none, "miscounted");
        assert_eq!(found(&text.replacen("cairn", "other", 1)), none, "header");
        let mut bytes = text.clone().into_bytes();
        let at = text.find("b.md").unwrap();
        bytes[at] = 0xff;
        std::fs::write(&file, bytes).unwrap();
        let cache = WorktreeCache::open(dir.path(), root);
        assert_eq!(cache.blob("research/a.md", &stat(1_000)), None, "not UTF-8");
        assert_eq!(found(&text), all);
    }

    fn folder_stat(mtime: i64) -> FolderStat {
        FolderStat {
            mtime,
            ctime: mtime,
            inode: 9,
            device: 3,
        }
    }

    #[test]
    fn a_folder_is_known_by_its_stat_unless_racy() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/work/tree");
        let listed = [
            ("EXP-0001-a\tb.md", EntryKind::File),
            ("old", EntryKind::Folder),
            ("link.md", EntryKind::Symlink),
            ("fifo.md", EntryKind::Other),
        ];
        let entries = Entries::new(listed).unwrap();
        assert_eq!(entries.iter().collect::<Vec<_>>(), listed);
        assert_eq!(entries.len(), 4);
        // A name holding the separator (which no folder lists) or none
        // at all is refused, not noted.
        assert_eq!(Entries::new([("a/b", EntryKind::File)]), None);
        assert_eq!(Entries::new([("", EntryKind::File)]), None);
        let cache = WorktreeCache::open(dir.path(), root);
        cache.put_folder("research/experiments", folder_stat(1_000), entries.clone());
        cache.put_folder("research/empty", folder_stat(1_000), Entries::default());
        cache.save().unwrap();
        let at = written(dir.path());
        let cache = WorktreeCache::open(dir.path(), root);
        assert_eq!(
            cache.folder("research/experiments", &folder_stat(1_000)),
            Some(&entries)
        );
        assert_eq!(
            cache.folder("research/empty", &folder_stat(1_000)),
            Some(&Entries::default())
        );
        // A name added or removed changes the folder's times; another
        // folder in its place has another inode or device.
        assert_eq!(
            cache.folder("research/experiments", &folder_stat(1_001)),
            None
        );
        let mut moved = folder_stat(1_000);
        moved.device = 4;
        assert_eq!(cache.folder("research/experiments", &moved), None);
        assert_eq!(cache.folder("research/other", &folder_stat(1_000)), None);
        // Changed in the cache file's own tick: read again.
        cache.put_folder("research/now", folder_stat(at), Entries::default());
        cache.save().unwrap();
        let cache = WorktreeCache::open(dir.path(), root);
        let text = std::fs::read_to_string(dir.path().join("worktree")).unwrap();
        assert!(text.contains("research/now/\t"), "{text}");
        assert!(written(dir.path()) >= at);
        let file = std::fs::File::options()
            .append(true)
            .open(dir.path().join("worktree"))
            .unwrap();
        file.set_modified(
            std::time::UNIX_EPOCH + std::time::Duration::from_nanos(u64::try_from(at).unwrap()),
        )
        .unwrap();
        assert_eq!(cache.folder("research/now", &folder_stat(at)), None, "racy");
        // Entries seen are written again; one unseen is dropped.
        assert!(
            cache
                .folder("research/experiments", &folder_stat(1_000))
                .is_some()
        );
        cache.save().unwrap();
        let left = std::fs::read_to_string(dir.path().join("worktree")).unwrap();
        assert!(left.contains("research/experiments/\t1000 1000 9 3\tfEXP-0001-a\\tb.md\tdold\tllink.md\tofifo.md\n"), "{left}");
        assert!(!left.contains("research/empty/"), "{left}");
        // A damaged folder line makes the file read as empty.
        for damaged in [
            left.replace("\tdold", "\txold"),
            left.replace(" 9 3", " 9"),
            left.replace("1000 1000 9 3", "1000 1000 9 3 7"),
        ] {
            std::fs::write(dir.path().join("worktree"), damaged).unwrap();
            let cache = WorktreeCache::open(dir.path(), root);
            assert_eq!(
                cache.folder("research/experiments", &folder_stat(1_000)),
                None
            );
        }
    }

    #[test]
    fn damaged_files_read_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/work/tree");
        let cache = WorktreeCache::open(dir.path(), root);
        cache.put("research/a.md", stat(1_000), BLOB.to_string());
        cache.save().unwrap();
        let file = dir.path().join("worktree");
        let good = std::fs::read_to_string(&file).unwrap();
        for damaged in [
            &good[..good.len() - 3],
            &good.replace(" 7 ", " x "),
            &good.replace(BLOB, "abc"),
            &good.replacen(env!("CARGO_PKG_VERSION"), "0.0.0-other", 1),
            "",
        ] {
            std::fs::write(&file, damaged).unwrap();
            let cache = WorktreeCache::open(dir.path(), root);
            assert_eq!(cache.blob("research/a.md", &stat(1_000)), None);
        }
    }
}
