//! What a command learned for one cache file, written out as it is
//! learned to a temporary file beside that file, which the save then
//! completes and renames over it. A history walk learns an entry per
//! commit: on a long history, holding them all until the save took more
//! memory than anything else the walk kept.
//!
//! The temporary file is named `.cairn-spill-<pid>-<random>.tmp`. It is
//! removed when the command ends without saving, and, should the command
//! be killed, by the next command that spills in the same folder (on Unix,
//! once no process has that pid).

use std::collections::HashMap;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, BufWriter, Read as _, Seek as _, SeekFrom, Write as _};
use std::ops::Range;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::write::WriteError;

/// The start of every spill file's name.
const PREFIX: &str = ".cairn-spill-";

/// Entries written to a temporary file as they are learned: the file's
/// header line first, then the entries, each found again by its range.
#[derive(Default)]
pub(super) struct Spill {
    /// The cache file it becomes.
    path: PathBuf,
    header: String,
    out: Option<BufWriter<NamedTempFile>>,
    /// Bytes of entries written (after the header line).
    len: u64,
    /// Entries written.
    entries: usize,
    /// The file could not be made or written: what is learned is not
    /// kept, and the cache file is left as it was.
    failed: bool,
}

impl Spill {
    /// A spill that becomes `path`, whose first line is `header`; nothing
    /// is made before the first entry.
    pub(super) fn new(path: &Path, header: &str) -> Spill {
        Spill {
            path: path.to_path_buf(),
            header: header.to_string(),
            ..Spill::default()
        }
    }

    /// Writes `text`, one entry's whole lines, and where it is among the
    /// entries; None when the file cannot be written (then nothing more is
    /// kept).
    pub(super) fn push(&mut self, text: &str) -> Option<Range<u64>> {
        if self.failed {
            return None;
        }
        let written = self.open().and_then(|out| out.write_all(text.as_bytes()));
        if written.is_err() {
            self.fail();
            return None;
        }
        let start = self.len;
        self.len += text.len() as u64;
        self.entries += 1;
        Some(start..self.len)
    }

    /// The text of the entries at `range`, as [`Spill::push`] gave it.
    pub(super) fn read(&mut self, range: Range<u64>) -> Option<String> {
        let offset = self.header.len() as u64 + 1 + range.start;
        let len = usize::try_from(range.end.checked_sub(range.start)?).ok()?;
        let out = self.out.as_mut()?;
        let read = |out: &mut BufWriter<NamedTempFile>| -> io::Result<String> {
            out.flush()?;
            let file: &mut File = out.get_mut().as_file_mut();
            file.seek(SeekFrom::Start(offset))?;
            let mut bytes = vec![0; len];
            let done = file.read_exact(&mut bytes);
            // Back to the end, where the next entry goes, whatever the read did.
            file.seek(SeekFrom::End(0))?;
            done?;
            String::from_utf8(bytes).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
        };
        match read(out) {
            Ok(text) => Some(text),
            Err(_) => {
                self.fail();
                None
            }
        }
    }

    /// Bytes of entries written.
    pub(super) fn len(&self) -> u64 {
        self.len
    }

    /// Entries written.
    pub(super) fn entries(&self) -> usize {
        self.entries
    }

    /// Whether every entry pushed was written.
    pub(super) fn failed(&self) -> bool {
        self.failed
    }

    /// Completes the file with `parts` and its trailer line `end
    /// <counts>`, and puts it in place of the cache file, atomically.
    pub(super) fn finish(self, parts: &[&str], counts: &str) -> Result<(), WriteError> {
        self.finish_with(|out| {
            for part in parts {
                out.write_all(part.as_bytes())?;
            }
            Ok(counts.to_string())
        })
    }

    /// [`Spill::finish`] with the rest of the entries written by `body`,
    /// which gives the trailer's counts.
    pub(super) fn finish_with(
        mut self,
        body: impl FnOnce(&mut dyn io::Write) -> io::Result<String>,
    ) -> Result<(), WriteError> {
        let io_err = |source| WriteError::Io {
            path: self.path.clone(),
            source,
        };
        let mut out = match self.out.take() {
            Some(out) => out,
            None => self.open_new().map_err(io_err)?,
        };
        let counts = body(&mut out).map_err(io_err)?;
        writeln!(out, "end {counts}").map_err(io_err)?;
        let temp = out.into_inner().map_err(|err| io_err(err.into_error()))?;
        temp.as_file().sync_all().map_err(io_err)?;
        temp.persist(&self.path).map_err(|err| io_err(err.error))?;
        Ok(())
    }

    /// The file, made with its header line on first use.
    fn open(&mut self) -> io::Result<&mut BufWriter<NamedTempFile>> {
        if self.out.is_none() {
            self.out = Some(self.open_new()?);
        }
        self.out
            .as_mut()
            .ok_or_else(|| io::Error::other("no spill file"))
    }

    fn open_new(&self) -> io::Result<BufWriter<NamedTempFile>> {
        let dir = self
            .path
            .parent()
            .ok_or_else(|| io::Error::other("a cache file has a folder"))?;
        std::fs::create_dir_all(dir)?;
        remove_abandoned(dir);
        let mut builder = tempfile::Builder::new();
        let prefix = format!("{PREFIX}{}-", std::process::id());
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let mut out = BufWriter::with_capacity(64 << 10, builder.tempfile_in(dir)?);
        writeln!(out, "{}", self.header)?;
        Ok(out)
    }

    /// Gives up keeping entries: the file is removed (when it drops).
    fn fail(&mut self) {
        self.failed = true;
        self.out = None;
    }
}

/// What a command learned for one cache file: the entries, written out to
/// a spill as they are learned, and where each one is, by a [`digest`] of
/// its key. A file of more than one kind of entry gives each kind's keys a
/// word of its own.
#[derive(Default)]
pub(super) struct Learned {
    spill: Spill,
    at: HashMap<u64, Range<u64>>,
    /// The entry being written.
    entry: String,
}

impl Learned {
    /// Nothing learned yet, to be written out to `spill`.
    pub(super) fn new(spill: Spill) -> Learned {
        Learned {
            spill,
            ..Learned::default()
        }
    }

    /// Writes the entry `write` makes, under `key`; nothing when an entry
    /// was learned under it before (the same key's entry, or, rarely,
    /// another key's of the same digest).
    pub(super) fn learn(&mut self, key: u64, write: impl FnOnce(&mut String)) {
        if self.at.contains_key(&key) {
            return;
        }
        self.entry.clear();
        write(&mut self.entry);
        if let Some(range) = self.spill.push(&self.entry) {
            self.at.insert(key, range);
        }
    }

    /// The text of the entry learned under `key`; the caller checks that
    /// it names the key it was asked for.
    pub(super) fn read(&mut self, key: u64) -> Option<String> {
        let range = self.at.get(&key)?.clone();
        self.spill.read(range)
    }

    /// Whether an entry was learned under `key`.
    pub(super) fn has(&self, key: u64) -> bool {
        self.at.contains_key(&key)
    }

    /// Whether there is nothing to save: nothing learned, or not all of it
    /// written out (the folder cannot be written), so that the file stays
    /// as it is.
    pub(super) fn nothing_to_save(&self) -> bool {
        self.at.is_empty() || self.spill.failed()
    }

    /// The spill the entries were written to, for the save.
    pub(super) fn into_spill(self) -> Spill {
        self.spill
    }

    /// The spill, and whether an entry was learned under a digest.
    pub(super) fn into_spill_and_keys(self) -> (Spill, impl Fn(u64) -> bool) {
        let at = self.at;
        (self.spill, move |key| at.contains_key(&key))
    }

    /// Files the entry learned under `from` under `to` too, as a digest
    /// shared by two keys would.
    #[cfg(test)]
    pub(super) fn alias(&mut self, from: u64, to: u64) {
        let range = self.at[&from].clone();
        self.at.insert(to, range);
    }
}

/// What an entry learned is found by in the spill: a digest of its key
/// (a commit, a blob and path). Kept instead of the key itself, whose
/// strings took more memory than the rest of the index; an entry's own
/// text names its key, so a reader checks it, and the rare entry whose
/// digest another key took first is not kept (it is learned again next
/// time).
pub(super) fn digest(parts: &[&str]) -> u64 {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish()
}

/// Removes the spill files in `dir` that a process no longer running left
/// (killed before it could remove them). Only on Unix, where whether a
/// process runs can be asked without opening it.
fn remove_abandoned(dir: &Path) {
    #[cfg(unix)]
    {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|name| name.strip_prefix(PREFIX))
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<i32>().ok())
            else {
                continue;
            };
            if pid > 0 && !running(pid) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Whether a process with `pid` exists (signal 0 checks without sending).
#[cfg(unix)]
fn running(pid: i32) -> bool {
    // SAFETY: `kill` with signal 0 sends nothing; it only reports whether
    // the process exists (EPERM: it does, and is someone else's).
    let status = unsafe { libc::kill(pid, 0) };
    status == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::names;

    #[test]
    fn entries_are_read_back_and_become_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache").join("changes");
        let mut spill = Spill::new(&path, "head 1");
        let a = spill.push("a one\n").unwrap();
        let b = spill.push("b two\nb three\n").unwrap();
        assert_eq!((a.clone(), b.clone()), (0..6, 6..20));
        assert_eq!(spill.read(b).as_deref(), Some("b two\nb three\n"));
        // Writing goes on at the end after a read.
        let c = spill.push("c four\n").unwrap();
        assert_eq!(spill.read(a).as_deref(), Some("a one\n"));
        assert_eq!(spill.read(c).as_deref(), Some("c four\n"));
        assert_eq!((spill.len(), spill.entries()), (27, 3));
        // Nothing is in place before the save.
        assert!(!path.exists());
        spill.finish(&["old five\n", ""], "4").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "head 1\na one\nb two\nb three\nc four\nold five\nend 4\n"
        );
        assert_eq!(names(path.parent().unwrap()), ["changes"]);
    }

    #[test]
    fn a_spill_not_saved_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changes");
        std::fs::write(&path, "as it was").unwrap();
        let mut spill = Spill::new(&path, "head 1");
        spill.push("a one\n").unwrap();
        assert_eq!(names(dir.path()).len(), 2);
        drop(spill);
        assert_eq!(names(dir.path()), ["changes"]);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "as it was");
    }

    #[test]
    fn nothing_learned_still_saves_what_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changes");
        Spill::new(&path, "head 1").finish(&["old\n"], "1").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "head 1\nold\nend 1\n"
        );
    }

    #[cfg(unix)]
    #[test]
    fn what_a_killed_command_left_is_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("changes");
        // pid_max is at most 2^22: no process has this pid.
        let abandoned = dir.path().join(".cairn-spill-99999999-abc.tmp");
        let alive = dir
            .path()
            .join(format!(".cairn-spill-{}-def.tmp", std::process::id()));
        let other = dir.path().join(".cairn-other.tmp");
        for file in [&abandoned, &alive, &other] {
            std::fs::write(file, "x").unwrap();
        }
        let mut spill = Spill::new(&path, "head 1");
        spill.push("a\n").unwrap();
        assert!(!abandoned.exists());
        assert!(alive.exists() && other.exists());
        spill.finish(&[], "1").unwrap();
        assert_eq!(
            names(dir.path()),
            [
                ".cairn-other.tmp",
                &alive.file_name().unwrap().to_string_lossy(),
                "changes"
            ]
        );
    }

    #[test]
    fn a_folder_that_cannot_be_made_keeps_nothing_and_fails_no_one() {
        let dir = tempfile::tempdir().unwrap();
        // The cache folder's place is taken by a file.
        let taken = dir.path().join("cairn");
        std::fs::write(&taken, "a file").unwrap();
        let mut spill = Spill::new(&taken.join("changes"), "head 1");
        assert_eq!(spill.push("a\n"), None);
        assert!(spill.failed());
        assert_eq!(spill.push("b\n"), None);
        assert_eq!(spill.read(0..2), None);
        assert!(spill.finish(&[], "0").is_err());
        assert_eq!(names(dir.path()), ["cairn"]);
        assert_eq!(std::fs::read_to_string(&taken).unwrap(), "a file");
    }
}
