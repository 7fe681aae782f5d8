//! Edits front matter values in place, changing only the lines it must:
//! comments, key order, quoting elsewhere, line endings and every other
//! byte of the file stay as they were.
//!
//! Values are written through the YAML emitter ([`yaml::inline`]), never
//! quoted by hand. Every edit is checked before it is returned: the new
//! front matter must parse, hold the value asked for, and keep every other
//! key's value. An edit that cannot promise that is refused — flow-style
//! front matter, a value with an anchor, alias or tag, a value over
//! several lines — and the caller writes nothing.
//!
//! `Lines` (a text cut into lines, its front matter found) and
//! `KeyLine` (one `key: value  # comment` line) are the cuts `set.rs`
//! uses too, for values inside block mappings and lists.

use crate::frontmatter::{self, top_level_keys};
use crate::value::Value;
use crate::yaml;

/// Why a front matter edit cannot be made safely.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The text has no front matter block.
    #[error("the file has no front matter block")]
    NoFrontMatter,
    /// The front matter does not parse as it is.
    #[error("the front matter is not valid YAML ({0}); fix it before editing")]
    Invalid(String),
    /// The key's value spans several lines; rewriting it could lose text.
    #[error("`{0}` has a value over several lines; edit it by hand")]
    MultiLine(String),
    /// The key's value carries an anchor, alias or tag that the new value would drop.
    #[error("`{0}` carries a YAML anchor, alias or tag (`&`, `*`, `!`); edit it by hand")]
    Anchored(String),
    /// The front matter is not a block mapping with one key per line.
    #[error(
        "the front matter is not written one `key: value` per line (flow style `{{…}}` or complex keys); edit it by hand"
    )]
    NotBlock,
    /// The edited text would not read back as intended.
    #[error("setting `{0}` would change more than that value; edit it by hand")]
    Unsafe(String),
}

/// Sets top-level `key` to `value`. An existing single-line value is
/// replaced, keeping a trailing comment; a missing key is added after the
/// key `after` (or at the end of the block).
pub fn set(text: &str, key: &str, value: &Value, after: Option<&str>) -> Result<String, EditError> {
    let before = fields(text)?;
    let edited = splice(text, key, &yaml::inline(value), after)?;
    let after_fields = fields(&edited).map_err(|_| EditError::Unsafe(key.to_string()))?;
    let expected = before
        .iter()
        .filter(|(k, _)| k != key)
        .cloned()
        .collect::<Vec<_>>();
    let kept = after_fields
        .iter()
        .filter(|(k, _)| k != key)
        .cloned()
        .collect::<Vec<_>>();
    let set_to = after_fields.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    if kept != expected || set_to != Some(value) {
        return Err(EditError::Unsafe(key.to_string()));
    }
    Ok(edited)
}

/// Applies several [`set`]s in order; each missing key goes after `after`
/// (or after the key set before it). All succeed or none is returned.
pub fn set_all(
    text: &str,
    edits: &[(&str, Value)],
    after: Option<&str>,
) -> Result<String, EditError> {
    let mut text = text.to_string();
    let mut anchor = after;
    for (key, value) in edits {
        text = set(&text, key, value, anchor)?;
        anchor = Some(key);
    }
    Ok(text)
}

/// The front matter's top-level keys and values, as cairn reads them.
pub(crate) fn fields(text: &str) -> Result<Vec<(String, Value)>, EditError> {
    let decoded = frontmatter::decode(text.as_bytes())
        .map_err(|line| EditError::Invalid(format!("a NUL byte on line {line}")))?;
    let split = frontmatter::split(&decoded).map_err(|_| EditError::NoFrontMatter)?;
    let front = frontmatter::parse(&split).map_err(|err| {
        EditError::Invalid(match err {
            frontmatter::FrontMatterError::Yaml { line, message } => {
                format!("line {line}: {message}")
            }
            frontmatter::FrontMatterError::NotMapping { found, .. } => {
                format!("it is a {found}, not a mapping")
            }
            frontmatter::FrontMatterError::DuplicateKey { key, .. } => {
                format!("`{key}` is written twice")
            }
        })
    })?;
    let keys = top_level_keys(split.yaml);
    if front.fields.len() != keys.len() {
        return Err(EditError::NotBlock);
    }
    Ok(front.fields.into_iter().map(|f| (f.key, f.value)).collect())
}

/// A record's text cut into lines for an edit: its BOM (kept in front of
/// the result), the line ending it uses (kept for inserted lines), and its
/// lines with their endings.
pub(crate) struct Lines<'t> {
    /// `"\u{feff}"` when the text starts with a BOM, else `""`.
    pub(crate) bom: &'static str,
    /// `"\r\n"` when the text uses CRLF anywhere, else `"\n"`.
    pub(crate) newline: &'static str,
    /// The lines after the BOM, each with its ending.
    pub(crate) lines: Vec<&'t str>,
}

impl<'t> Lines<'t> {
    /// Cuts `text` into lines.
    pub(crate) fn of(text: &'t str) -> Self {
        let bom = if text.starts_with('\u{feff}') {
            "\u{feff}"
        } else {
            ""
        };
        let body = &text[bom.len()..];
        let newline = if body.contains("\r\n") { "\r\n" } else { "\n" };
        Lines {
            bom,
            newline,
            lines: body.split_inclusive('\n').collect(),
        }
    }

    /// The front matter's extent: the index of its closing `---` (or
    /// `...`) line, and its top-level keys, each with the index of its line.
    pub(crate) fn front_matter(&self) -> Result<(usize, Vec<(String, usize)>), EditError> {
        if self.lines.first().map(|l| l.trim_end()) != Some("---") {
            return Err(EditError::NoFrontMatter);
        }
        let close = self
            .lines
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, l)| matches!(l.trim_end(), "---" | "..."))
            .map(|(i, _)| i)
            .ok_or(EditError::NoFrontMatter)?;
        let block: String = self.lines[1..close].concat().replace("\r\n", "\n");
        // Lines are 1-based within the block: the index in `lines`.
        Ok((close, top_level_keys(&block)))
    }

    /// The whole text (BOM first) with line `at` replaced by `line`, or
    /// (`insert`) with `line` put before it.
    pub(crate) fn with_line(&self, at: usize, line: &str, insert: bool) -> String {
        let mut out: Vec<&str> = self.lines.clone();
        if insert {
            out.insert(at, line);
        } else {
            out[at] = line;
        }
        format!("{}{}", self.bom, out.concat())
    }
}

/// One `key: value  # comment` line of front matter, cut at the colon that
/// ends its key.
pub(crate) struct KeyLine<'t> {
    /// Everything before the colon.
    pub(crate) key: &'t str,
    /// Everything after it, without the line ending.
    pub(crate) rest: &'t str,
    /// The line ending (`\n`, `\r\n` or none).
    pub(crate) ending: &'t str,
}

impl<'t> KeyLine<'t> {
    /// Cuts `line` at the colon `colon` finds in it (without its ending).
    pub(crate) fn cut(line: &'t str, colon: impl Fn(&str) -> Option<usize>) -> Option<Self> {
        let content = line.trim_end_matches(['\r', '\n']);
        let at = colon(content)?;
        Some(KeyLine {
            key: &content[..at],
            rest: &content[at + 1..],
            ending: &line[content.len()..],
        })
    }

    /// The value as written, without its comment.
    pub(crate) fn value(&self) -> &'t str {
        match comment_of(self.rest) {
            Some(c) => &self.rest[..self.rest.len() - c.len()],
            None => self.rest,
        }
    }

    /// The line with `yaml` as its value, its comment and ending kept.
    pub(crate) fn with_value(&self, yaml: &str) -> String {
        let comment = comment_of(self.rest)
            .map(|c| format!(" {c}"))
            .unwrap_or_default();
        format!("{}: {yaml}{comment}{}", self.key, self.ending)
    }
}

/// Writes `key: yaml` into the text's front matter, line by line.
fn splice(text: &str, key: &str, yaml: &str, after: Option<&str>) -> Result<String, EditError> {
    let cut = Lines::of(text);
    let lines = &cut.lines;
    let (close, keys) = cut.front_matter()?;
    let block_end = |start: usize| {
        keys.iter()
            .map(|(_, l)| *l)
            .find(|&l| l > start)
            .unwrap_or(close)
    };
    if let Some((_, line)) = keys.iter().find(|(k, _)| k == key) {
        let idx = *line;
        let continued = lines[idx + 1..block_end(idx)]
            .iter()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if continued {
            return Err(EditError::MultiLine(key.to_string()));
        }
        let line = KeyLine::cut(lines[idx], value_colon)
            .ok_or_else(|| EditError::Unsafe(key.to_string()))?;
        let rest = line.rest.trim_start();
        if rest.starts_with(['&', '*', '!']) {
            return Err(EditError::Anchored(key.to_string()));
        }
        if rest.starts_with(['|', '>']) {
            return Err(EditError::MultiLine(key.to_string()));
        }
        Ok(cut.with_line(idx, &line.with_value(yaml), false))
    } else {
        let at = match after.and_then(|a| keys.iter().find(|(k, _)| k == a)) {
            Some((_, line)) => block_end(*line),
            None => close,
        };
        let key_text = yaml::inline(&Value::String(key.to_string()));
        let line = format!("{key_text}: {yaml}{}", cut.newline);
        Ok(cut.with_line(at, &line, true))
    }
}

/// The byte index of the colon that ends a top-level key on its line.
fn value_colon(line: &str) -> Option<usize> {
    let start = match line.chars().next()? {
        q @ ('"' | '\'') => 1 + line[1..].find(q)? + 1,
        _ => 0,
    };
    let bytes = line.as_bytes();
    (start..bytes.len())
        .find(|&i| bytes[i] == b':' && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()))
}

/// The `# comment` that ends a plain or quoted scalar, if any.
pub(crate) fn comment_of(rest: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in rest.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && prev.is_whitespace() => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return Some(&rest[i..]),
            None => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEC: &str = "---\nid: DEC-0001\n# the state of play\nstatus: accepted   # since March\ndeciders: [Ada]\n---\n\n# Use mel\n";

    fn s(text: &str) -> Value {
        Value::String(text.to_string())
    }

    #[test]
    fn replaces_only_the_value() {
        let got = set(DEC, "status", &s("superseded"), None).unwrap();
        assert_eq!(
            got,
            DEC.replace(
                "status: accepted   # since March",
                "status: superseded # since March"
            )
        );
    }

    #[test]
    fn inserts_after_a_key() {
        let got = set(DEC, "superseded_by", &s("DEC-0002"), Some("status")).unwrap();
        assert_eq!(
            got,
            DEC.replace(
                "# since March\n",
                "# since March\nsuperseded_by: DEC-0002\n"
            )
        );
        let end = set(DEC, "superseded_by", &s("DEC-0002"), Some("nope")).unwrap();
        assert!(end.contains("deciders: [Ada]\nsuperseded_by: DEC-0002\n---\n"));
    }

    #[test]
    fn set_all_chains_insertions() {
        let got = set_all(
            DEC,
            &[
                ("status", s("superseded")),
                ("superseded_by", s("DEC-0002")),
            ],
            None,
        )
        .unwrap();
        assert!(
            got.contains("status: superseded # since March\nsuperseded_by: DEC-0002\ndeciders")
        );
    }

    #[test]
    fn keeps_crlf_and_bom() {
        let text = "\u{feff}---\r\nid: DEC-1\r\nstatus: accepted\r\n---\r\nbody\r\n";
        let got = set(text, "status", &s("superseded"), None).unwrap();
        assert_eq!(got, text.replace("accepted", "superseded"));
        let got = set(text, "superseded_by", &s("DEC-2"), Some("status")).unwrap();
        assert_eq!(
            got,
            text.replace(
                "status: accepted\r\n",
                "status: accepted\r\nsuperseded_by: DEC-2\r\n"
            )
        );
    }

    #[test]
    fn values_are_quoted_by_the_emitter() {
        let got = set(DEC, "title", &s("Ask {{author}}: it's #1"), None).unwrap();
        let line = got.lines().find(|l| l.starts_with("title:")).unwrap();
        assert_eq!(line, "title: 'Ask {{author}}: it''s #1'");
        let got = set(
            DEC,
            "deciders",
            &Value::List(vec![s("Ada"), s("a, b")]),
            None,
        )
        .unwrap();
        assert!(got.contains("deciders: [Ada, \"a, b\"]\n"), "{got}");
    }

    #[test]
    fn refuses_what_it_cannot_keep_valid() {
        let text = "---\nstatus: >\n  accepted\n---\n";
        assert_eq!(
            set(text, "status", &s("x"), None),
            Err(EditError::MultiLine("status".into()))
        );
        assert_eq!(set("no", "a", &s("b"), None), Err(EditError::NoFrontMatter));
        let flow = "---\n{id: DEC-0001, status: accepted}\n---\n";
        assert_eq!(
            set(flow, "status", &s("superseded"), None),
            Err(EditError::NotBlock)
        );
        assert_eq!(
            set(flow, "superseded_by", &s("DEC-2"), Some("status")),
            Err(EditError::NotBlock)
        );
        let anchored = "---\nid: DEC-1\nstatus: &s accepted\nold: *s\n---\n";
        assert_eq!(
            set(anchored, "status", &s("superseded"), None),
            Err(EditError::Anchored("status".into()))
        );
        let tagged = "---\nstatus: !!str accepted\n---\n";
        assert_eq!(
            set(tagged, "status", &s("superseded"), None),
            Err(EditError::Anchored("status".into()))
        );
        let broken = "---\nstatus: [accepted\n---\n";
        assert!(matches!(
            set(broken, "status", &s("superseded"), None),
            Err(EditError::Invalid(_))
        ));
    }

    #[test]
    fn quoted_keys_keep_their_colons() {
        let text = "---\n\"a:b\": 1\nstatus: x\n---\n";
        let got = set(text, "a:b", &Value::Int(2), None).unwrap();
        assert_eq!(got, "---\n\"a:b\": 2\nstatus: x\n---\n");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// One front matter line of a style records use: plain, quoted and
    /// flow values, comments, blank lines, nested blocks, anchors.
    fn line() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec![
            "id", "title", "status", "tags", "owner", "notes", "metrics", "a:b",
        ]);
        let value = prop::sample::select(vec![
            "accepted",
            "\"quoted: yes\"",
            "'single # not a comment'",
            "[a, b]",
            "{k: v}",
            "12",
            "0.5",
            "",
            "&anchor x",
            "value   # a comment",
            "2024-03-01",
            "@handle",
        ]);
        prop_oneof![
            4 => (key, value).prop_map(|(k, v)| {
                let k = if k.contains(':') { format!("\"{k}\"") } else { k.to_string() };
                format!("{k}: {v}")
            }),
            1 => Just("# a comment".to_string()),
            1 => Just(String::new()),
            1 => Just("  nested: 1".to_string()),
            1 => Just("- item".to_string()),
        ]
    }

    fn record() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(line(), 0..12),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(lines, crlf, bom)| {
                let nl = if crlf { "\r\n" } else { "\n" };
                let mut text = String::from(if bom { "\u{feff}---" } else { "---" });
                for l in lines {
                    text.push_str(nl);
                    text.push_str(&l);
                }
                text.push_str(nl);
                text.push_str("---");
                text.push_str(nl);
                text.push_str("# Body: status: accepted");
                text.push_str(nl);
                text
            })
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            "[ -~]{0,20}".prop_map(Value::String),
            any::<i32>().prop_map(|n| Value::Int(n.into())),
            Just(Value::Bool(true)),
            prop::collection::vec("[a-z:, #]{0,6}".prop_map(Value::String), 0..3)
                .prop_map(Value::List),
        ]
    }

    proptest! {
        /// For any record cairn can parse, an edit either refuses or
        /// changes exactly one line (the key's, or one inserted line),
        /// leaving every other byte as it was, and reads back as asked.
        #[test]
        fn an_edit_touches_only_its_own_line(
            text in record(),
            key in prop::sample::select(vec!["status", "title", "superseded_by", "a:b"]),
            new in value(),
            after in prop::option::of(prop::sample::select(vec!["status", "id"])),
        ) {
            prop_assume!(fields(&text).is_ok());
            let Ok(edited) = set(&text, key, &new, after) else {
                return Ok(());
            };
            let before: Vec<&str> = text.split_inclusive('\n').collect();
            let after_lines: Vec<&str> = edited.split_inclusive('\n').collect();
            let same_count = before.len() == after_lines.len();
            if same_count {
                let changed: Vec<usize> = (0..before.len())
                    .filter(|&i| before[i] != after_lines[i])
                    .collect();
                prop_assert!(changed.len() <= 1, "{changed:?}\n{text}\n{edited}");
            } else {
                prop_assert_eq!(after_lines.len(), before.len() + 1);
                let at = (0..before.len())
                    .find(|&i| before[i] != after_lines[i])
                    .unwrap_or(before.len());
                let mut without = after_lines.clone();
                without.remove(at);
                prop_assert_eq!(without, before);
            }
            let got = fields(&edited).expect("an accepted edit parses");
            prop_assert_eq!(got.iter().find(|(k, _)| k == key).map(|(_, v)| v), Some(&new));
        }
    }
}
