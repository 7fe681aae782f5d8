//! Positions as the protocol counts them, and document URIs as paths.
//!
//! LSP positions are a 0-based line and a column in UTF-16 code units;
//! cairn's findings carry 1-based lines and its spans are byte ranges.
//! Every conversion between the two lives here, and never panics on a
//! position past the end of a line or of the text (it is clamped).

use std::path::{Path, PathBuf};

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// The start offset of every line of a text, for position conversions.
pub(crate) struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    /// Indexes `text`.
    pub(crate) fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// How many lines the text has (a final line without `\n` counts).
    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    /// The text of 0-based line `line`, without its line ending.
    pub(crate) fn line(&self, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line) else {
            return "";
        };
        let end = self.starts.get(line + 1).map_or(self.text.len(), |e| e - 1);
        self.text[start..end.max(start)].trim_end_matches('\r')
    }

    /// The byte offset of a protocol position, clamped to the text.
    pub(crate) fn offset(&self, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return self.text.len();
        };
        let line = self.line(pos.line as usize);
        start + byte_of_utf16(line, pos.character as usize)
    }

    /// The protocol position of a byte column on 0-based `line`.
    pub(crate) fn position(&self, line: usize, byte: usize) -> Position {
        let text = self.line(line);
        let byte = floor_char_boundary(text, byte.min(text.len()));
        Position::new(line as u32, utf16_len(&text[..byte]) as u32)
    }

    /// The range of bytes `start..end` on 0-based `line`.
    pub(crate) fn range(&self, line: usize, start: usize, end: usize) -> Range {
        Range::new(self.position(line, start), self.position(line, end))
    }
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

fn byte_of_utf16(line: &str, units: usize) -> usize {
    let mut count = 0;
    for (i, c) in line.char_indices() {
        if count >= units {
            return i;
        }
        count += c.len_utf16();
    }
    line.len()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Applies one `didChange` event: a ranged edit, or the whole text.
pub(crate) fn apply_change(text: &mut String, change: &TextDocumentContentChangeEvent) {
    match change.range {
        Some(range) => {
            let index = LineIndex::new(text);
            let start = index.offset(range.start);
            let end = index.offset(range.end).max(start);
            text.replace_range(start..end, &change.text);
        }
        None => text.clone_from(&change.text),
    }
}

/// The word of id and key characters around byte `at` of `line`, as a
/// byte range (empty when there is none).
pub(crate) fn word_at(line: &str, at: usize) -> std::ops::Range<usize> {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.');
    let at = floor_char_boundary(line, at.min(line.len()));
    let start = line[..at]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word(c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = line[at..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(line.len(), |(i, _)| at + i);
    // A word does not end in a full stop (`see EXP-0001.`).
    let end = start + line[start..end].trim_end_matches('.').len();
    start..end.max(start)
}

/// The file a `file:` URI names; `None` for any other scheme.
pub(crate) fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file://host/path` names another machine; only local files are read.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    let path = String::from_utf8(out).ok()?;
    // `file:///C:/x` on Windows.
    let path = match path.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() && cfg!(windows) => &path[1..],
        _ => path.as_str(),
    };
    Some(PathBuf::from(path))
}

/// The `file:` URI of an absolute path.
pub(crate) fn path_to_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file://");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "---\ntitle: Ærø 😀 x\n---\n";
        let index = LineIndex::new(text);
        assert_eq!(index.len(), 4);
        assert_eq!(index.line(1), "title: Ærø 😀 x");
        let x = index.line(1).find('x').unwrap();
        // The emoji is two UTF-16 units and four bytes.
        assert_eq!(index.position(1, x), Position::new(1, 14));
        assert_eq!(index.offset(Position::new(1, 14)), 4 + x);
        // Past the end of a line or of the text is clamped.
        assert_eq!(index.offset(Position::new(1, 99)), 4 + index.line(1).len());
        assert_eq!(index.offset(Position::new(99, 0)), text.len());
    }

    #[test]
    fn ranged_changes_apply_in_place() {
        let mut text = String::from("---\nstatus: runing\n---\n");
        let change = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(1, 11), Position::new(1, 11))),
            range_length: None,
            text: "n".into(),
        };
        apply_change(&mut text, &change);
        assert_eq!(text, "---\nstatus: running\n---\n");
        let whole = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "x".into(),
        };
        apply_change(&mut text, &whole);
        assert_eq!(text, "x");
    }

    #[test]
    fn words_are_ids_and_keys() {
        let line = "related: [EXP-0001, DEC-0002]. See EXP-0003.";
        assert_eq!(&line[word_at(line, 12)], "EXP-0001");
        assert_eq!(&line[word_at(line, 3)], "related");
        assert_eq!(&line[word_at(line, line.len() - 2)], "EXP-0003");
        assert_eq!(word_at("a  b", 2), 2..2);
    }

    #[test]
    fn uris_round_trip() {
        let path = Path::new("/tmp/a log/research/EXP-0001 ø.md");
        let uri = path_to_uri(path);
        assert_eq!(uri, "file:///tmp/a%20log/research/EXP-0001%20%C3%B8.md");
        assert_eq!(uri_to_path(&uri).as_deref(), Some(path));
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(uri_to_path("file://server/share/x.md"), None);
        assert_eq!(uri_to_path("file:///a%2"), Some(PathBuf::from("/a%2")));
    }
}
