//! The working tree as a snapshot source: walks each kind folder (through
//! each folder's handle on Unix, with walkdir elsewhere) and reads record
//! files from disk.
//!
//! Symlinks are followed only when they stay inside the repository; a file
//! that is too large, unreadable or a symlink leading out becomes a
//! diagnostic on that file, never a silent skip.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
#[cfg(not(unix))]
use walkdir::WalkDir;

use super::{SourceFile, Tree};
#[cfg(unix)]
use crate::cache::worktree::{Entries, EntryKind, FolderStat};
use crate::cache::{MANY_FILES, Stat, WorktreeCache};
use crate::diagnostic::{Code, Diagnostic};
use crate::git;
use crate::record;
use crate::schema::Schema;

/// A file found in a kind folder, listed but not yet read.
pub(super) enum Found {
    /// A file to read: its repository path, where it is on disk, and what
    /// the listing saw it as.
    File {
        path: String,
        /// Where it is on disk, when that is not the root joined with
        /// `path` (a name that is not UTF-8, which `path` shows with
        /// U+FFFD); a listing of many files holds no second copy of
        /// each path.
        full: Option<PathBuf>,
        seen: Seen,
        /// A regular file's stat, taken through its folder while listing
        /// (Unix) when the stat cache knows files to compare it with; else
        /// taken when asked for.
        stat: Option<Stat>,
    },
    /// What listing found instead of a file: a symlinked folder, a path
    /// that cannot be read. Boxed: a listing holds one entry per record
    /// file, nearly all of them files to read.
    Ready(Box<SourceFile>),
}

/// What a listed file is, by its directory entry.
#[derive(Clone, Copy)]
pub(super) enum Seen {
    /// A regular file.
    File,
    /// A symbolic link (followed only inside the repository).
    Symlink,
    /// A fifo, socket or device: never opened.
    Other,
}

impl Found {
    /// Its repository path.
    pub(super) fn path(&self) -> &str {
        match self {
            Found::File { path, .. } => path,
            Found::Ready(file) => &file.path,
        }
    }

    /// Whether it is a regular file (not a symlink, a special file or what
    /// listing could not read): one whose bytes alone make its record.
    pub(super) fn is_regular(&self) -> bool {
        matches!(
            self,
            Found::File {
                seen: Seen::File,
                ..
            }
        )
    }
}

/// An entry of a folder as the walk lists it: a folder to read next, or
/// a record file found.
#[cfg(unix)]
enum Listed {
    Folder(PathBuf, String),
    File(Found),
}

/// The working tree under a root folder.
#[derive(Clone, Debug)]
pub(super) struct Worktree {
    root: PathBuf,
    canonical_root: PathBuf,
}

impl Worktree {
    /// A working tree rooted at `root` (the repository or workspace root).
    pub(super) fn new(root: &Path) -> Worktree {
        Worktree {
            root: root.to_path_buf(),
            canonical_root: fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
        }
    }

    /// The root folder.
    pub(super) fn root(&self) -> &Path {
        &self.root
    }

    /// Every record file of every kind folder, read, sorted by path.
    pub(super) fn files(&self, schema: &Schema) -> Vec<SourceFile> {
        self.list(schema, None)
            .into_iter()
            .map(|found| self.read_found(found))
            .collect()
    }

    /// Reads a listed file.
    pub(super) fn read_found(&self, found: Found) -> SourceFile {
        match found {
            Found::File {
                path, full, seen, ..
            } => SourceFile {
                content: self.read_seen(&path, &self.disk_path(&path, full), seen),
                path,
                blob: None,
            },
            Found::Ready(file) => *file,
        }
    }

    /// Every record file of every kind folder, listed but not read, sorted
    /// by path: reading them is left to the caller (in parallel). With
    /// `stats`, folders unchanged since they were noted there are not
    /// read again.
    pub(super) fn list(&self, schema: &Schema, stats: Option<&WorktreeCache>) -> Vec<Found> {
        let mut files = Vec::new();
        for dir in schema.dirs() {
            let start = if dir.is_empty() {
                self.root.clone()
            } else {
                self.root.join(&dir)
            };
            if let Some(link) = symlinked_folder(&self.root, &dir) {
                // Not followed, inside the repository or out: git keeps a
                // symlinked folder as a link, so history could not see
                // its records either, and the two must agree.
                files.push(Found::Ready(Box::new(SourceFile {
                    path: format!("{dir}/"),
                    blob: None,
                    content: Err(Diagnostic::error(
                        Code::Symlink,
                        &link,
                        1,
                        format!(
                            "`{link}` is a symlink to a folder; cairn does not follow symlinked folders, so the records under `{dir}` are not read — point the kind's `dir` at the real folder"
                        ),
                    )),
                })));
                continue;
            }
            if !start.is_dir() {
                continue;
            }
            // Unsorted: the whole list is sorted by path below.
            self.walk(schema, (&dir, &start), stats, &mut files);
        }
        // A path listed twice is the same file twice: which one is kept
        // does not matter, so the sort need not be stable.
        if files.len() >= MANY_FILES {
            files.par_sort_unstable_by(|a, b| a.path().cmp(b.path()));
        } else {
            files.sort_unstable_by(|a, b| a.path().cmp(b.path()));
        }
        files.dedup_by(|a, b| a.path() == b.path());
        files
    }

    /// Whether a file found under the kind folder `dir` is a record of
    /// that kind: files under a nested kind folder belong to that kind's
    /// walk.
    fn keeps(schema: &Schema, dir: &str, path: &str) -> bool {
        schema.is_record_path(path)
            && schema.kind_of_path(path).map(|k| k.dir.as_str()) == Some(dir)
    }

    /// What listing finds at a path that cannot be read.
    fn unreadable(at: String, err: &dyn std::fmt::Display) -> Found {
        Found::Ready(Box::new(SourceFile {
            content: Err(Diagnostic::error(
                Code::Unreadable,
                &at,
                1,
                format!("cannot read this path: {err}; check its permissions"),
            )),
            path: at,
            blob: None,
        }))
    }

    /// Lists the record files of the kind folder `dir` (at `start` on
    /// disk) into `files`: folder by folder, one open at a time, each
    /// regular file stat-ed through its folder's handle (no walk of its
    /// whole path). Symlinks are listed, never followed; `.git` folders
    /// are skipped. With `stats`, a folder whose own stat is as noted
    /// there is not read again: its entries are those noted, as git's
    /// untracked cache does.
    #[cfg(unix)]
    fn walk(
        &self,
        schema: &Schema,
        (dir, start): (&str, &Path),
        stats: Option<&WorktreeCache>,
        files: &mut Vec<Found>,
    ) {
        use rustix::fs::{AtFlags, CWD, Mode, OFlags};
        use std::os::unix::ffi::OsStrExt;
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        // Folders to read: on disk, and as a repository path.
        let mut folders = vec![(start.to_path_buf(), dir.to_string())];
        while let Some((full, rel)) = folders.pop() {
            let fd = match rustix::fs::openat(CWD, &full, flags, Mode::empty()) {
                Ok(fd) => fd,
                Err(err) => {
                    files.push(Self::unreadable(rel, &std::io::Error::from(err)));
                    continue;
                }
            };
            let here = rustix::fs::fstat(&fd)
                .ok()
                .and_then(|st| FolderStat::of_raw(&st));
            let noted = stats
                .zip(here.as_ref())
                .and_then(|(stats, here)| stats.folder(&rel, here));
            let entries: Vec<(Vec<u8>, EntryKind)> = match noted {
                Some(noted) => noted
                    .iter()
                    .map(|(name, kind)| (name.as_bytes().to_vec(), kind))
                    .collect(),
                None => match list_folder(&fd) {
                    Ok(entries) => {
                        note_folder(stats, &rel, here, &entries);
                        entries
                    }
                    Err(err) => {
                        files.push(Self::unreadable(rel, &err));
                        continue;
                    }
                },
            };
            // A stat is compared with the cache's; when it knows no file,
            // each file read is stat-ed through its open handle instead.
            let take_stats = stats.is_some_and(WorktreeCache::knows_files);
            let one = |(raw, kind): (Vec<u8>, EntryKind)| {
                let name = String::from_utf8_lossy(&raw);
                let path = if rel.is_empty() {
                    name.into_owned()
                } else {
                    format!("{rel}/{name}")
                };
                // On disk by its own bytes: `path` has U+FFFD for
                // bytes that are not UTF-8.
                let on_disk = full.join(std::ffi::OsStr::from_bytes(&raw));
                if kind == EntryKind::Folder {
                    return Some(Listed::Folder(on_disk, path));
                }
                if !Self::keeps(schema, dir, &path) {
                    return None;
                }
                let (seen, stat) = match kind {
                    EntryKind::File if !take_stats => (Seen::File, None),
                    EntryKind::File => {
                        let stat =
                            rustix::fs::statat(&fd, raw.as_slice(), AtFlags::SYMLINK_NOFOLLOW);
                        (Seen::File, stat.ok().and_then(|st| Stat::of_raw(&st)))
                    }
                    EntryKind::Symlink => (Seen::Symlink, None),
                    _ => (Seen::Other, None),
                };
                Some(Listed::File(Found::File {
                    full: self.unless_direct(&path, on_disk),
                    path,
                    seen,
                    stat,
                }))
            };
            // The entries of a folder of thousands of records are stat-ed
            // on every core, where the stat calls are most of a listing;
            // a smaller one in turn, as starting the threads would cost a
            // small warm run more than it saves.
            let listed: Vec<Listed> = if entries.len() >= MANY_FILES {
                entries
                    .into_par_iter()
                    .with_min_len(64)
                    .filter_map(one)
                    .collect()
            } else {
                entries.into_iter().filter_map(one).collect()
            };
            for one in listed {
                match one {
                    Listed::Folder(on_disk, path) => folders.push((on_disk, path)),
                    Listed::File(found) => files.push(found),
                }
            }
        }
    }

    /// Lists the record files of the kind folder `dir` (at `start` on
    /// disk) into `files`, with walkdir; symlinks are listed, never
    /// followed, and `.git` folders skipped.
    #[cfg(not(unix))]
    fn walk(
        &self,
        schema: &Schema,
        (dir, start): (&str, &Path),
        _stats: Option<&WorktreeCache>,
        files: &mut Vec<Found>,
    ) {
        let walk = WalkDir::new(start)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || e.file_name() != ".git");
        for entry in walk {
            match entry {
                Ok(entry) => {
                    if entry.file_type().is_dir() {
                        continue;
                    }
                    let Some(path) = self.relative(entry.path()) else {
                        continue;
                    };
                    if !Self::keeps(schema, dir, &path) {
                        continue;
                    }
                    let kind = entry.file_type();
                    let seen = if entry.path_is_symlink() {
                        Seen::Symlink
                    } else if kind.is_file() {
                        Seen::File
                    } else {
                        Seen::Other
                    };
                    let full = self.unless_direct(&path, entry.into_path());
                    files.push(Found::File {
                        path,
                        full,
                        seen,
                        stat: None,
                    });
                }
                Err(err) => {
                    let at = err
                        .path()
                        .and_then(|p| self.relative(p))
                        .unwrap_or_else(|| dir.to_string());
                    files.push(Self::unreadable(at, &err));
                }
            }
        }
    }

    /// Reads a file listed as `seen`: a regular file is opened and its size
    /// checked on the open handle, with no second look-up of its path.
    fn read_seen(&self, path: &str, full: &Path, seen: Seen) -> Result<Vec<u8>, Diagnostic> {
        match seen {
            Seen::Symlink => self.read(path, full, true),
            Seen::Other => Err(not_regular(path)),
            Seen::File => self.read_regular(path, full).0,
        }
    }

    /// Reads a file listed as regular: opened, its size checked on the
    /// open handle, with no second look-up of its path. With the bytes,
    /// the handle's metadata (what the bytes were read as).
    fn read_regular(
        &self,
        path: &str,
        full: &Path,
    ) -> (Result<Vec<u8>, Diagnostic>, Option<fs::Metadata>) {
        use std::io::Read as _;
        let unreadable = |err: std::io::Error| {
            Diagnostic::error(
                Code::Unreadable,
                path,
                1,
                format!("cannot read the file: {err}"),
            )
        };
        let mut file = match fs::File::open(full) {
            Ok(file) => file,
            Err(err) => return (Err(unreadable(err)), None),
        };
        let meta = match file.metadata() {
            Ok(meta) => meta,
            Err(err) => return (Err(unreadable(err)), None),
        };
        if !meta.is_file() {
            return (Err(not_regular(path)), None);
        }
        if let Err(too_large) = record::check_size(path, meta.len()) {
            return (Err(too_large), None);
        }
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
        // Through `take`, reading asks the file for nothing more:
        // `File::read_to_end` would stat it again and seek.
        match (&mut file)
            .take(record::MAX_RECORD_BYTES + 1)
            .read_to_end(&mut bytes)
        {
            Ok(_) => (Ok(bytes), Some(meta)),
            Err(err) => (Err(unreadable(err)), None),
        }
    }

    /// Where the file at `path` is on disk: `full` when the listing noted
    /// it ([`Found::File`]), else the root joined with `path`.
    fn disk_path(&self, path: &str, full: Option<PathBuf>) -> PathBuf {
        full.unwrap_or_else(|| self.root.join(path))
    }

    /// `on_disk`, the listed file at `path`, when it is not the root
    /// joined with `path`: what [`Found::File`] keeps.
    fn unless_direct(&self, path: &str, on_disk: PathBuf) -> Option<PathBuf> {
        (on_disk.as_os_str().len() != self.root.as_os_str().len() + 1 + path.len()
            || on_disk != self.root.join(path))
        .then_some(on_disk)
    }

    /// The blob id `stats` knows a listed regular file by, if its stat is
    /// as noted there (unchanged since it was read), without opening it;
    /// None when the file is to be read ([`Worktree::read_hashed`]).
    pub(super) fn stat_known<'c>(
        &self,
        found: &Found,
        stats: &'c WorktreeCache,
    ) -> Option<&'c str> {
        let Found::File {
            path,
            full,
            seen: Seen::File,
            stat,
        } = found
        else {
            return None;
        };
        if !stats.knows_files() {
            return None;
        }
        let stat = match stat {
            Some(stat) => *stat,
            None => Stat::of(&fs::symlink_metadata(self.disk_path(path, full.clone())).ok()?)?,
        };
        stats.blob(path, &stat)
    }

    /// Reads a listed file, and for a regular file read whole keeps its
    /// stat and blob id in `stats`: as `known(path, blob)` answers for the
    /// blob, or the file as read, with its blob id once hashed.
    pub(super) fn read_hashed<R>(
        &self,
        found: Found,
        stats: &WorktreeCache,
        known: &dyn Fn(&str, &str) -> Option<R>,
    ) -> Result<R, Box<SourceFile>> {
        let Found::File {
            path,
            full,
            seen: Seen::File,
            ..
        } = found
        else {
            return Err(Box::new(self.read_found(found)));
        };
        let (content, meta) = self.read_regular(&path, &self.disk_path(&path, full));
        let mut blob = None;
        if let (Ok(bytes), Some(stat)) = (&content, meta.as_ref().and_then(Stat::of)) {
            if let Some(id) = git::hash_blob(bytes) {
                stats.put(&path, stat, id.to_string());
                if let Some(hit) = known(&path, id.as_str()) {
                    return Ok(hit);
                }
                blob = Some(id.to_string());
            }
        }
        Err(Box::new(SourceFile {
            path,
            blob,
            content,
        }))
    }

    /// Reads one file; `path` is repository-relative, `full` on disk.
    fn read(&self, path: &str, full: &Path, symlink: bool) -> Result<Vec<u8>, Diagnostic> {
        let target = if symlink {
            let resolved = fs::canonicalize(full).map_err(|_| {
                Diagnostic::error(
                    Code::Symlink,
                    path,
                    1,
                    "this symlink points to a file that does not exist; fix or remove the link",
                )
            })?;
            if !resolved.starts_with(&self.canonical_root)
                || resolved.starts_with(self.canonical_root.join(".git"))
            {
                return Err(Diagnostic::error(
                    Code::Symlink,
                    path,
                    1,
                    "this symlink points outside the repository and is not followed; copy the record into the repository instead",
                ));
            }
            resolved
        } else {
            full.to_path_buf()
        };
        let unreadable = |err: std::io::Error| {
            Diagnostic::error(
                Code::Unreadable,
                path,
                1,
                format!("cannot read the file: {err}"),
            )
        };
        let meta = fs::metadata(&target).map_err(unreadable)?;
        if !meta.is_file() {
            return Err(not_regular(path));
        }
        record::check_size(path, meta.len())?;
        fs::read(&target).map_err(unreadable)
    }

    /// The record files among `paths` (repository-relative), read from
    /// disk; a path that is absent or a folder is left out.
    pub(super) fn files_at(&self, schema: &Schema, paths: &[String]) -> Vec<SourceFile> {
        let mut files = Vec::new();
        for path in paths.iter().filter(|p| schema.is_record_path(p)) {
            let Some(full) = on_disk(&self.root, path) else {
                continue; // deleted in the working tree
            };
            let Ok(meta) = fs::symlink_metadata(&full) else {
                continue;
            };
            if meta.is_dir() {
                continue;
            }
            let folder = path.rsplit_once('/').map_or("", |(dir, _)| dir);
            let content = match symlinked_folder(&self.root, folder) {
                Some(link) => Err(Diagnostic::error(
                    Code::Symlink,
                    path,
                    1,
                    format!(
                        "`{link}` is a symlink to a folder; cairn does not follow symlinked folders"
                    ),
                )),
                None => self.read(path, &full, meta.file_type().is_symlink()),
            };
            files.push(SourceFile {
                path: path.clone(),
                blob: None,
                content,
            });
        }
        files
    }

    /// A path under the root as a repository path (`/`-separated; a name
    /// that is not UTF-8 with U+FFFD in place of its bad bytes).
    #[cfg(not(unix))]
    fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }
}

/// The entries of the open folder `fd` (but `.`, `..` and `.git`), each
/// with what it is; an entry its folder does not type is asked.
#[cfg(unix)]
fn list_folder(fd: &rustix::fd::OwnedFd) -> std::io::Result<Vec<(Vec<u8>, EntryKind)>> {
    use rustix::fs::{AtFlags, Dir, FileType};
    let mut dir = Dir::read_from(fd)?;
    let mut entries = Vec::new();
    while let Some(entry) = dir.read() {
        let entry = entry?;
        let raw = entry.file_name();
        if matches!(raw.to_bytes(), b"." | b".." | b".git") {
            continue;
        }
        let kind = match entry.file_type() {
            // Some file systems do not say: ask the file.
            FileType::Unknown => FileType::from_raw_mode(
                rustix::fs::statat(fd, raw, AtFlags::SYMLINK_NOFOLLOW)?.st_mode,
            ),
            kind => kind,
        };
        let kind = match kind {
            FileType::RegularFile => EntryKind::File,
            FileType::Symlink => EntryKind::Symlink,
            FileType::Directory => EntryKind::Folder,
            _ => EntryKind::Other,
        };
        entries.push((raw.to_bytes().to_vec(), kind));
    }
    Ok(entries)
}

/// Notes in `stats` what the folder at `rel`, with stat `here`, lists,
/// when every name is text (the cache holds text).
#[cfg(unix)]
fn note_folder(
    stats: Option<&WorktreeCache>,
    rel: &str,
    here: Option<FolderStat>,
    entries: &[(Vec<u8>, EntryKind)],
) {
    let (Some(stats), Some(here)) = (stats, here) else {
        return;
    };
    let named: Option<Vec<(&str, EntryKind)>> = entries
        .iter()
        .map(|(raw, kind)| Some((std::str::from_utf8(raw).ok()?, *kind)))
        .collect();
    if let Some(named) = named.and_then(Entries::new) {
        stats.put_folder(rel, here, named);
    }
}

/// The finding on a record path that is a folder, fifo, socket or device.
fn not_regular(path: &str) -> Diagnostic {
    Diagnostic::error(
        Code::Unreadable,
        path,
        1,
        "this is not a regular file; records are `.md` files",
    )
}

/// The file on disk that a repository path names. Paths are text, and a
/// name that is not UTF-8 reaches them with U+FFFD in place of its bad
/// bytes (as git's own paths do); such a name is found by listing its
/// folder and comparing names the same way.
fn on_disk(root: &Path, path: &str) -> Option<PathBuf> {
    let direct = root.join(path);
    if fs::symlink_metadata(&direct).is_ok() || !path.contains('\u{fffd}') {
        return Some(direct);
    }
    let mut at = root.to_path_buf();
    for part in path.split('/') {
        let next = at.join(part);
        if fs::symlink_metadata(&next).is_ok() {
            at = next;
            continue;
        }
        let found = fs::read_dir(&at)
            .ok()?
            .filter_map(Result::ok)
            .find(|entry| entry.file_name().to_string_lossy() == part)?;
        at = found.path();
    }
    Some(at)
}

/// The first folder on the way from `root` to `dir` that is a symlink, as
/// a repository-relative path.
fn symlinked_folder(root: &Path, dir: &str) -> Option<String> {
    let mut at = root.to_path_buf();
    let mut shown: Vec<&str> = Vec::new();
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        at.push(part);
        shown.push(part);
        if fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(shown.join("/"));
        }
    }
    None
}

impl Tree for Worktree {
    fn exists(&self, path: &str) -> bool {
        self.root.join(path).exists()
    }
}
