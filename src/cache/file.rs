//! What every cache file shares: its place and header, its entries read
//! once on first use (nothing when the file is missing, unreadable,
//! damaged or foreign), what the command used and learned behind a lock,
//! and a save that writes the file whole and atomically within its size
//! bound.
//!
//! A file is its header line, its entries and a trailer `end <count>`
//! that counts them, so that a file cut short reads as empty.

use std::fs::{File, Metadata};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::str::Split;
use std::sync::{Mutex, MutexGuard, OnceLock};

use super::spill::{Learned, Spill};

/// One cache file: `K` is what the file holds, `F` what this command
/// used and learned.
pub(super) struct CacheFile<K, F> {
    path: PathBuf,
    header: String,
    read: Reader<K>,
    known: OnceLock<K>,
    stamp: OnceLock<Option<Metadata>>,
    fresh: Mutex<F>,
}

/// How a file's whole text becomes its entries (given the header): None
/// unless it is well formed.
enum Reader<K> {
    /// From the text, borrowed.
    Borrowed(fn(&str, &str) -> Option<K>),
    /// From the text, kept: for entries decoded later, on demand.
    Owned(fn(String, &str) -> Option<K>),
    /// From the open file of that length, read only as far as needed.
    File(fn(&mut File, u64, &str) -> Option<K>),
}

impl<K: Default, F: Default> CacheFile<K, F> {
    /// The file `name` under `dir` with its `header` line; `read` reads a
    /// whole file's text given the header, None unless it is well formed.
    pub(super) fn new(
        dir: &Path,
        name: &str,
        header: String,
        read: fn(&str, &str) -> Option<K>,
    ) -> Self {
        CacheFile::with_reader(dir, name, header, Reader::Borrowed(read))
    }

    /// [`CacheFile::new`] for a `read` given the open file and its
    /// length, which reads only what it needs of it.
    pub(super) fn reading_file(
        dir: &Path,
        name: &str,
        header: String,
        read: fn(&mut File, u64, &str) -> Option<K>,
    ) -> Self {
        CacheFile::with_reader(dir, name, header, Reader::File(read))
    }

    /// Where the file is.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Its header line.
    pub(super) fn header(&self) -> &str {
        &self.header
    }

    fn with_reader(dir: &Path, name: &str, header: String, read: Reader<K>) -> Self {
        CacheFile {
            path: dir.join(name),
            header,
            read,
            known: OnceLock::new(),
            stamp: OnceLock::new(),
            fresh: Mutex::default(),
        }
    }

    /// The file's entries: nothing when it is missing, unreadable, damaged
    /// or foreign. Read once, on first use, so that a command that asks
    /// nothing pays nothing.
    pub(super) fn known(&self) -> &K {
        self.known.get_or_init(|| {
            let known = || -> Option<K> {
                let mut file = File::open(&self.path).ok()?;
                let meta = file.metadata().ok();
                let len = meta.as_ref().map_or(0, Metadata::len);
                let _ = self.stamp.set(meta);
                let mut text = || -> Option<String> {
                    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0) + 1);
                    file.read_to_end(&mut bytes).ok()?;
                    String::from_utf8(bytes).ok()
                };
                match self.read {
                    Reader::Borrowed(read) => read(&text()?, &self.header),
                    Reader::Owned(read) => read(text()?, &self.header),
                    Reader::File(read) => read(&mut file, len, &self.header),
                }
            };
            known().unwrap_or_default()
        })
    }

    /// The file's metadata as it was when its entries were read (its
    /// modification time is when it was written), if it was read.
    pub(super) fn stamp(&self) -> Option<&Metadata> {
        self.known();
        self.stamp.get().and_then(Option::as_ref)
    }

    /// What this command used and learned so far.
    pub(super) fn fresh(&self) -> MutexGuard<'_, F> {
        self.fresh.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What this command used and learned, taken for saving.
    pub(super) fn take_fresh(&self) -> F {
        std::mem::take(&mut *self.fresh())
    }

    /// Writes the file whole and atomically, making its folder first:
    /// the header, `body`, then `end <counts>`.
    pub(super) fn write(&self, body: &str, counts: &str) -> Result<(), crate::write::WriteError> {
        self.write_parts(&[body], counts)
    }

    /// [`CacheFile::write`] with the body in parts, written one after
    /// another, so that a large body is never copied whole.
    fn write_parts(&self, body: &[&str], counts: &str) -> Result<(), crate::write::WriteError> {
        let head = format!("{}\n", self.header);
        let tail = format!("end {counts}\n");
        let mut parts = Vec::with_capacity(body.len() + 2);
        parts.push(head.as_bytes());
        parts.extend(body.iter().map(|part| part.as_bytes()));
        parts.push(tail.as_bytes());
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| crate::write::WriteError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        crate::write::put(&self.path, &parts)
    }

    /// Writes `body` with its one count, as [`CacheFile::write`].
    pub(super) fn save(
        &self,
        body: Body,
        max_bytes: usize,
    ) -> Result<(), crate::write::WriteError> {
        let (parts, entries) = body.finish(max_bytes);
        self.write_parts(&parts, &entries.to_string())
    }
}

impl<K: Default> CacheFile<K, Learned> {
    /// [`CacheFile::new`] for a `read` that keeps the file's text, for a
    /// file whose commands write what they learn out as they learn it, to
    /// a spill that the save then completes into this file ([`Learned`]).
    pub(super) fn learning(
        dir: &Path,
        name: &str,
        header: String,
        read: fn(String, &str) -> Option<K>,
    ) -> Self {
        CacheFile::learning_with(dir, name, header, Reader::Owned(read))
    }

    /// [`CacheFile::learning`] for a `read` given the open file and its
    /// length, as [`CacheFile::reading_file`].
    pub(super) fn learning_from_file(
        dir: &Path,
        name: &str,
        header: String,
        read: fn(&mut File, u64, &str) -> Option<K>,
    ) -> Self {
        CacheFile::learning_with(dir, name, header, Reader::File(read))
    }

    fn learning_with(dir: &Path, name: &str, header: String, read: Reader<K>) -> Self {
        let file = CacheFile::with_reader(dir, name, header, read);
        *file.fresh() = Learned::new(Spill::new(&file.path, &file.header));
        file
    }

    /// Writes the file as what was `learned` followed by what `body`
    /// writes: given the bytes of entries learned and whether an entry was
    /// learned under a digest, it writes the rest of the entries and says
    /// how many. For a body copied from a file too large to hold.
    pub(super) fn save_learned_with(
        &self,
        learned: Learned,
        body: impl FnOnce(u64, &dyn Fn(u64) -> bool, &mut dyn std::io::Write) -> std::io::Result<usize>,
    ) -> Result<(), crate::write::WriteError> {
        let (spill, again) = learned.into_spill_and_keys();
        let (before, learned) = (spill.len(), spill.entries());
        spill.finish_with(|out| Ok((learned + body(before, &again, out)?).to_string()))
    }

    /// Writes the file as what was `learned` (its entries, kept) followed
    /// by `body`, within `max_bytes` as [`Body`] bounds it: the spill
    /// completed and put in place.
    pub(super) fn save_learned(
        &self,
        learned: Learned,
        body: Body,
        max_bytes: usize,
    ) -> Result<(), crate::write::WriteError> {
        let spill = learned.into_spill();
        let before = usize::try_from(spill.len()).unwrap_or(usize::MAX);
        let (parts, entries) = body.finish_after(before, max_bytes);
        let count = spill.entries() + entries;
        spill.finish(&parts, &count.to_string())
    }
}

/// The entries of a file being written: those that must be kept (what
/// the command learned and used, the newest work), then the rest only if
/// all of them fit within the size bound. An entry is written into the
/// body's text, or (as read from the file) borrowed from the file's text,
/// not copied.
#[derive(Default)]
pub(super) struct Body<'a> {
    kept: Part<'a>,
    rest: Part<'a>,
}

/// Entries written, then entries borrowed.
#[derive(Default)]
struct Part<'a> {
    text: String,
    read: Vec<&'a str>,
    read_bytes: usize,
    entries: usize,
}

impl<'a> Part<'a> {
    fn len(&self) -> usize {
        self.text.len() + self.read_bytes
    }

    fn push_to(&'a self, parts: &mut Vec<&'a str>) {
        parts.push(&self.text);
        parts.extend(self.read.iter().copied());
    }
}

impl<'a> Body<'a> {
    /// Where to write one entry that is kept.
    pub(super) fn keep(&mut self) -> &mut String {
        self.kept.entries += 1;
        &mut self.kept.text
    }

    /// Where to write one older entry, kept only while all of them fit.
    pub(super) fn spare(&mut self) -> &mut String {
        self.rest.entries += 1;
        &mut self.rest.text
    }

    /// Where to write one entry read from the file: kept when this
    /// command used it, else spare.
    pub(super) fn entry(&mut self, used: bool) -> &mut String {
        if used { self.keep() } else { self.spare() }
    }

    /// One entry as read from the file (its whole lines): kept when this
    /// command used it, else spare.
    pub(super) fn entry_read(&mut self, used: bool, lines: &'a str) {
        let part = if used { &mut self.kept } else { &mut self.rest };
        part.entries += 1;
        part.read_bytes += lines.len();
        part.read.push(lines);
    }

    /// The text (in parts) and count of the entries, within `max_bytes`
    /// unless what is kept alone passes it.
    fn finish(&self, max_bytes: usize) -> (Vec<&str>, usize) {
        self.finish_after(0, max_bytes)
    }

    /// [`Body::finish`] for a body that follows `before` bytes of entries
    /// kept elsewhere, which count towards `max_bytes`.
    fn finish_after(&self, before: usize, max_bytes: usize) -> (Vec<&str>, usize) {
        let mut parts: Vec<&str> = Vec::new();
        self.kept.push_to(&mut parts);
        let kept = before.saturating_add(self.kept.len());
        if kept.saturating_add(self.rest.len()) <= max_bytes {
            self.rest.push_to(&mut parts);
            (parts, self.kept.entries + self.rest.entries)
        } else {
            (parts, self.kept.entries)
        }
    }
}

/// Reads a file of one count: the header line, then entries, each read
/// by `entry` from its first line and the lines after, up to the trailer
/// `end <count>` and nothing after it. The trailer's count; None unless
/// the header matches and every entry reads.
pub(super) fn read_lines<'a>(
    text: &'a str,
    header: &str,
    mut entry: impl FnMut(&'a str, &mut Split<'a, char>) -> Option<()>,
) -> Option<usize> {
    let mut lines = text.split('\n');
    if lines.next()? != header {
        return None;
    }
    loop {
        let line = lines.next()?;
        if let Some(count) = line.strip_prefix("end ") {
            let count = count.parse::<usize>().ok()?;
            let complete = lines.next() == Some("") && lines.next().is_none();
            return complete.then_some(count);
        }
        entry(line, &mut lines)?;
    }
}

/// [`read_lines`] of an open file, a line at a time through a buffer of
/// `buffer` bytes, its text never held whole: `entry` is given each entry
/// line (without its line break) and where that line starts in the file.
/// The trailer's count; None unless the header matches, every line is
/// text and ends with a line break, every entry reads, and nothing
/// follows the trailer.
pub(super) fn read_file_lines(
    file: &File,
    buffer: usize,
    header: &str,
    mut entry: impl FnMut(u64, &str) -> Option<()>,
) -> Option<usize> {
    use std::io::{BufRead as _, Seek as _};
    let mut file = file;
    file.seek(std::io::SeekFrom::Start(0)).ok()?;
    let mut lines = std::io::BufReader::with_capacity(buffer, file);
    let mut line = String::new();
    let mut at = 0;
    let mut next = |line: &mut String| -> Option<u64> {
        line.clear();
        let read = lines.read_line(line).ok()?;
        line.pop().filter(|end| *end == '\n')?;
        let start = at;
        at += u64::try_from(read).ok()?;
        Some(start)
    };
    next(&mut line)?;
    if line != header {
        return None;
    }
    loop {
        let start = next(&mut line)?;
        if let Some(count) = line.strip_prefix("end ") {
            let count = count.parse::<usize>().ok()?;
            let complete = lines.read(&mut [0]).ok()? == 0;
            return complete.then_some(count);
        }
        entry(start, &line)?;
    }
}

/// Writes `text` so that it holds no tab, line break or U+001F (the
/// separators of the cache files' lines): `\`, tab, CR, LF and U+001F
/// become `\\`, `\t`, `\r`, `\n` and `\u`.
pub(super) fn escape(out: &mut String, text: &str) {
    if !text
        .bytes()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r' | 0x1f))
    {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{1f}' => out.push_str("\\u"),
            c => out.push(c),
        }
    }
}

/// [`unescape`] of `text`, done in its own buffer (an unescaped text is
/// never longer): for a text of tens of megabytes, which a copy would
/// double. None for an unknown escape.
pub(super) fn unescape_owned(text: String) -> Option<String> {
    if !text.contains('\\') {
        return Some(text);
    }
    let mut bytes = text.into_bytes();
    let (mut to, mut from) = (0, 0);
    while let Some(slash) = bytes[from..].iter().position(|&b| b == b'\\') {
        bytes.copy_within(from..from + slash, to);
        to += slash;
        from += slash + 1;
        bytes[to] = match bytes.get(from)? {
            b'\\' => b'\\',
            b't' => b'\t',
            b'n' => b'\n',
            b'r' => b'\r',
            b'u' => 0x1f,
            _ => return None,
        };
        to += 1;
        from += 1;
    }
    bytes.copy_within(from.., to);
    to += bytes.len() - from;
    bytes.truncate(to);
    // An escape is two ASCII bytes made one; every other byte is kept in
    // its order, so the text is still UTF-8.
    String::from_utf8(bytes).ok()
}

/// The text [`escape`] wrote; None for an unknown escape.
pub(super) fn unescape(text: &str) -> Option<String> {
    unescape_owned(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::{escape, unescape, unescape_owned};
    use proptest::prelude::*;

    proptest! {
        /// Any text, escaped, reads back the same by either reader.
        #[test]
        fn escaped_text_reads_back(text in "(?s)[a-z\\\\\t\n\r\u{1f}é日 ]{0,40}") {
            let mut escaped = String::new();
            escape(&mut escaped, &text);
            let breaks = ['\t', '\n', '\r', '\u{1f}'];
            prop_assert!(!escaped.contains(breaks), "{:?}", escaped);
            prop_assert_eq!(unescape(&escaped), Some(text.clone()));
            prop_assert_eq!(unescape_owned(escaped), Some(text));
        }
    }

    #[test]
    fn an_unknown_or_cut_escape_reads_as_none() {
        for damaged in ["a\\q", "ends in \\", "\\x41"] {
            assert_eq!(unescape(damaged), None, "{damaged:?}");
            assert_eq!(unescape_owned(damaged.to_string()), None, "{damaged:?}");
        }
        assert_eq!(
            unescape_owned("plain".to_string()).as_deref(),
            Some("plain")
        );
    }
}
