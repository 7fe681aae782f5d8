//! Splits a record into its front matter and body, and reads the front
//! matter into fields that remember their line.
//!
//! A record starts with a line `---`, then YAML, then a line `---` or
//! `...`. A UTF-8 byte order mark and CRLF line endings are accepted. Lines
//! are numbered as in the file (1-based), so that every diagnostic points
//! at the line a user would open.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use crate::value::Value;
use crate::yaml;

/// A record's text, split at its front matter block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the delimiters.
    pub yaml: &'a str,
    /// File line of the first YAML line.
    pub yaml_line: usize,
    /// Everything after the closing delimiter.
    pub body: &'a str,
    /// File line of the first body line.
    pub body_line: usize,
}

/// Why a text has no usable front matter block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with `---`.
    Missing,
    /// The block opened on line 1 and never closed.
    Unterminated {
        /// The line of the last line of the file.
        last_line: usize,
    },
}

/// Decodes a file's bytes: UTF-8 only, BOM dropped, CRLF made LF.
/// On failure returns the 1-based line of the first invalid byte.
pub fn decode(bytes: &[u8]) -> Result<String, usize> {
    decode_borrowed(bytes).map(Cow::into_owned)
}

/// [`decode`], borrowing the bytes when they need no change (no CRLF):
/// most files are read without a copy.
pub fn decode_borrowed(bytes: &[u8]) -> Result<Cow<'_, str>, usize> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => match memchr::memchr2(b'\0', b'\r', bytes) {
            None => Ok(Cow::Borrowed(text)),
            Some(_) if text.contains('\0') => {
                let at = text.find('\0').unwrap_or(0);
                Err(line_of(text, at))
            }
            Some(_) => Ok(Cow::Owned(text.replace("\r\n", "\n"))),
        },
        Err(err) => {
            let valid = &bytes[..err.valid_up_to()];
            Err(1 + valid.iter().filter(|&&b| b == b'\n').count())
        }
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Line numbers of byte offsets in one text, each found by binary search
/// over the line starts: mapping many offsets costs linear time overall,
/// where counting newlines from the start for each one would be quadratic.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset (as [`line_of`]).
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

/// Splits decoded text at its front matter delimiters.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(SplitError::Missing);
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    let mut line = 1;
    for l in lines {
        line += 1;
        let trimmed = l.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[offset + l.len()..],
                body_line: line + 1,
            });
        }
        offset += l.len();
    }
    Err(SplitError::Unterminated { last_line: line })
}

/// One top-level front matter key with its value and line.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The key as written.
    pub key: String,
    /// Its value.
    pub value: Value,
    /// The file line the key is on.
    pub line: usize,
}

/// The parsed front matter of a record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrontMatter {
    /// Top-level keys in the order written.
    pub fields: Vec<Field>,
    /// File line of the opening `---` (for findings about absent keys).
    pub line: usize,
}

impl FrontMatter {
    /// The field with this key, if present.
    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// Why front matter YAML could not be read as a mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FrontMatterError {
    /// A YAML syntax error (or a refused alias expansion).
    Yaml {
        /// File line.
        line: usize,
        /// The parser's message.
        message: String,
    },
    /// The YAML is a list or a scalar, not a mapping.
    NotMapping {
        /// File line of the first YAML line.
        line: usize,
        /// What it is instead.
        found: &'static str,
    },
    /// A top-level key appears twice.
    DuplicateKey {
        /// The key.
        key: String,
        /// File line of its first use.
        first: usize,
        /// File line of the repeat.
        line: usize,
    },
}

/// Parses the YAML of a split record into fields with file lines.
pub fn parse(split: &Split<'_>) -> Result<FrontMatter, FrontMatterError> {
    let keys = top_level_keys(split.yaml);
    // First line of each key; a repeat is reported with both lines.
    let mut first_line: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
    for (key, line) in &keys {
        if let Some(&first) = first_line.get(key.as_str()) {
            return Err(FrontMatterError::DuplicateKey {
                key: key.clone(),
                first: first + split.yaml_line - 1,
                line: line + split.yaml_line - 1,
            });
        }
        first_line.insert(key, *line);
    }
    // YAML forbids raw control characters, and the parser's error for one
    // has no line: find it, so the finding points where the byte is.
    if let Some((at, c)) = split
        .yaml
        .char_indices()
        .find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}'))
    {
        return Err(FrontMatterError::Yaml {
            line: line_of(split.yaml, at) + split.yaml_line - 1,
            message: format!(
                "control character U+{:04X} is not allowed in YAML; remove it, or write it as an escape inside double quotes (\"\\u{:04X}\")",
                c as u32, c as u32
            ),
        });
    }
    let value = yaml::parse(split.yaml).map_err(|err| {
        let at = err.line.unwrap_or(1);
        match slip_near(split.yaml, at) {
            Some((line, fix)) => FrontMatterError::Yaml {
                line: line + split.yaml_line - 1,
                message: format!("{}; {fix}", err.message),
            },
            None => FrontMatterError::Yaml {
                line: at + split.yaml_line - 1,
                message: err.message,
            },
        }
    })?;
    let entries = match value {
        Value::Map(entries) => entries,
        Value::Null => Vec::new(),
        other => {
            return Err(FrontMatterError::NotMapping {
                line: split.yaml_line,
                found: other.type_name(),
            });
        }
    };
    let opening = split.yaml_line - 1;
    let fields = entries
        .into_iter()
        .map(|(key, value)| {
            let line = first_line
                .get(key.as_str())
                .map_or(opening, |l| l + split.yaml_line - 1);
            Field { key, value, line }
        })
        .collect();
    Ok(FrontMatter {
        fields,
        line: opening,
    })
}

/// The common slip that most likely caused a YAML error reported on
/// `line` (1-based in `yaml`): the line it is on (the parser often stops a
/// line later) and the fix, in words and as the line to write.
fn slip_near(yaml: &str, line: usize) -> Option<(usize, String)> {
    let lines: Vec<&str> = yaml.lines().collect();
    let near = [line, line.saturating_sub(1), line.saturating_sub(2)];
    near.into_iter()
        .filter(|&n| n >= 1 && n <= lines.len())
        .find_map(|n| slip(lines[n - 1]).map(|fix| (n, fix)))
}

/// What is wrong with one line of front matter, if it is a common slip.
fn slip(line: &str) -> Option<String> {
    let indent = &line[..line.len() - line.trim_start().len()];
    let text = line.trim();
    let quoted = |v: &str| yaml::inline(&Value::String(v.to_string()));
    if let Some(item) = text.strip_prefix("- ") {
        let item = item.trim();
        if let Some(why) = needs_quotes(item) {
            return Some(format!(
                "{why}; put the item in quotes: `{indent}- {}`",
                quoted(item)
            ));
        }
        return None;
    }
    let colon = text.find(':')?;
    let (key, rest) = (&text[..colon], &text[colon + 1..]);
    if key.is_empty() || key.contains([' ', '"', '\'', '#', '[', '{']) {
        return None;
    }
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return Some(format!(
            "a space must follow the colon after a key: `{indent}{key}: {rest}`"
        ));
    }
    let value = rest.trim();
    let value = match value.find(" #") {
        Some(at) if !value.starts_with(['"', '\'']) => value[..at].trim_end(),
        _ => value,
    };
    let why = needs_quotes(value).or_else(|| {
        (!value.starts_with(['"', '\'', '[', '{', '|', '>']) && value.contains(": ")).then(|| {
            "the value holds `: `, which YAML reads as the start of another key".to_string()
        })
    })?;
    Some(format!(
        "{why}; put the value in quotes: `{indent}{key}: {}`",
        quoted(value)
    ))
}

/// Why a plain value cannot be written as it is, for the characters that
/// YAML reserves at the start of a value.
fn needs_quotes(value: &str) -> Option<String> {
    if value.starts_with('@') || value.starts_with('`') {
        return Some(format!("`{}` cannot start a plain YAML value", &value[..1]));
    }
    if value.starts_with('*') {
        return Some("`*` starts an alias in YAML (so `**bold**` is not text)".to_string());
    }
    if value.starts_with('[') && value.contains("](") {
        return Some("a Markdown link is not a YAML value: `[` starts a list".to_string());
    }
    None
}

/// The top-level keys of a block mapping and their 1-based lines within
/// `yaml`. Keys start at column 0; indented lines, comments, sequence
/// items and document markers are never top-level keys.
pub fn top_level_keys(yaml: &str) -> Vec<(String, usize)> {
    yaml.lines()
        .enumerate()
        .filter_map(|(i, line)| key_of_line(line).map(|k| (k, i + 1)))
        .collect()
}

/// Where a top-level `key: value` line holds its key and its value, as
/// byte ranges within the line: the key with any quotes, and the value
/// after the colon without surrounding blanks or a trailing `# comment`
/// (empty when the value starts on the next line). `None` when the line
/// is not a top-level key. Editors use it to mark the exact text a
/// finding is about.
pub fn key_value_spans(line: &str) -> Option<(Range<usize>, Range<usize>)> {
    key_of_line(line)?;
    let colon = if line.starts_with(['"', '\'']) {
        let quote = line.as_bytes()[0] as char;
        let close = 1 + line[1..].find(quote)?;
        close + 1 + line[close + 1..].find(':')?
    } else {
        let bytes = line.as_bytes();
        (0..bytes.len()).find(|&i| {
            bytes[i] == b':' && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace())
        })?
    };
    let key_end = line[..colon].trim_end().len();
    let rest = &line[colon + 1..];
    let start = colon + 1 + (rest.len() - rest.trim_start().len());
    let mut end = line.len();
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line[start..].char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && i == 0 => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => {
                end = start + i;
                break;
            }
            None => {}
        }
        prev = c;
    }
    let end = start + line[start..end].trim_end().len();
    Some((0..key_end, start..end.max(start)))
}

fn key_of_line(line: &str) -> Option<String> {
    let first = line.chars().next()?;
    if first.is_whitespace()
        || matches!(
            first,
            '#' | '-' | '[' | '{' | '?' | '%' | '&' | '*' | '!' | '|' | '>'
        )
    {
        return None;
    }
    if first == '"' || first == '\'' {
        let rest = &line[1..];
        let end = rest.find(first)?;
        let after = rest[end + 1..].trim_start();
        return after.starts_with(':').then(|| rest[..end].to_string());
    }
    let bytes = line.as_bytes();
    let colon = (0..bytes.len())
        .find(|&i| bytes[i] == b':' && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()))?;
    let key = line[..colon].trim_end();
    (!key.contains(" #")).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_dashes_and_dots() {
        let text = "---\nid: EXP-0001\n---\n# Title\n";
        let s = split(text).unwrap();
        assert_eq!(s.yaml, "id: EXP-0001\n");
        assert_eq!(s.yaml_line, 2);
        assert_eq!(s.body, "# Title\n");
        assert_eq!(s.body_line, 4);
        let dots = split("---\na: 1\n...\nbody").unwrap();
        assert_eq!(dots.body, "body");
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let text = decode(b"\xEF\xBB\xBF---\r\nid: X\r\n---\r\nbody\r\n").unwrap();
        let s = split(&text).unwrap();
        assert_eq!(s.yaml, "id: X\n");
        assert_eq!(s.body, "body\n");
    }

    #[test]
    fn missing_and_unterminated() {
        assert_eq!(split("# just markdown\n"), Err(SplitError::Missing));
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(
            split("---\na: 1\nb: 2\n"),
            Err(SplitError::Unterminated { last_line: 3 })
        );
    }

    #[test]
    fn invalid_utf8_reports_its_line() {
        assert_eq!(decode(b"---\nok\n\xff\xfe\n"), Err(3));
        assert_eq!(decode(b"a\nb\0c"), Err(2));
    }

    #[test]
    fn keys_map_to_file_lines() {
        let text = "---\n# comment\nid: EXP-0001\ntitle: |\n  not: a key\nmetrics:\n  recall: 0.8\n\"quoted key\": 1\n---\n";
        let s = split(text).unwrap();
        let fm = parse(&s).unwrap();
        let lines: Vec<_> = fm.fields.iter().map(|f| (f.key.as_str(), f.line)).collect();
        assert_eq!(
            lines,
            [("id", 3), ("title", 4), ("metrics", 6), ("quoted key", 8)]
        );
    }

    #[test]
    fn key_and_value_spans() {
        fn spans(l: &str) -> Option<(&str, &str)> {
            key_value_spans(l).map(|(k, v)| (&l[k], &l[v]))
        }
        assert_eq!(spans("status: runing"), Some(("status", "runing")));
        assert_eq!(
            spans("status: done   # since May"),
            Some(("status", "done"))
        );
        assert_eq!(spans("tags:"), Some(("tags", "")));
        assert_eq!(spans("tags: [a, b]"), Some(("tags", "[a, b]")));
        assert_eq!(spans("\"odd key\" : x"), Some(("\"odd key\"", "x")));
        assert_eq!(spans("title: \"a # b\""), Some(("title", "\"a # b\"")));
        assert_eq!(spans("  - item"), None);
        assert_eq!(spans("# comment: x"), None);
    }

    #[test]
    fn yaml_errors_use_file_lines() {
        let text = "---\nid: EXP-0001\ntitle: [oops\nstatus: done\n---\n";
        let s = split(text).unwrap();
        match parse(&s) {
            Err(FrontMatterError::Yaml { line, .. }) => assert!((3..=5).contains(&line), "{line}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn control_characters_are_found_on_their_line() {
        let s = split("---\nid: A\ntitle: x\u{1b}[31m\n---\n").unwrap();
        match parse(&s) {
            Err(FrontMatterError::Yaml { line, message }) => {
                assert_eq!(line, 3);
                assert!(message.contains("U+001B"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn line_index_agrees_with_line_of() {
        let text = "a\n\nbc\nd";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(index.line(offset), line_of(text, offset), "offset {offset}");
        }
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let s = split("---\nid: A\nstatus: x\nid: B\n---\n").unwrap();
        assert_eq!(
            parse(&s),
            Err(FrontMatterError::DuplicateKey {
                key: "id".into(),
                first: 2,
                line: 4
            })
        );
    }

    #[test]
    fn lists_are_not_mappings() {
        let s = split("---\n- a\n- b\n---\n").unwrap();
        assert!(matches!(
            parse(&s),
            Err(FrontMatterError::NotMapping { line: 2, .. })
        ));
    }

    #[test]
    fn empty_front_matter_is_an_empty_mapping() {
        let s = split("---\n---\nbody").unwrap();
        assert_eq!(parse(&s).unwrap().fields, vec![]);
    }
}
