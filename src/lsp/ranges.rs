//! Where in a file a finding points: `validate` gives a line, the editor
//! wants the exact text — the key, the value (or the one id in a list),
//! the link target, else the line.

use lsp_types::{NumberOrString, Range};

use super::text::LineIndex;
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::frontmatter;

/// The lines (0-based, end exclusive) of a text's front matter fields.
pub(crate) fn front_matter_lines(text: &str) -> Option<std::ops::Range<usize>> {
    let text = text.trim_start_matches('\u{feff}');
    match frontmatter::split(text) {
        Ok(split) => Some(split.yaml_line - 1..split.body_line - 2),
        Err(frontmatter::SplitError::Unterminated { last_line }) => Some(1..last_line),
        Err(frontmatter::SplitError::Missing) => None,
    }
}

/// The top-level keys of a text's front matter with their 1-based file lines.
pub(crate) fn front_keys(text: &str) -> Vec<(String, usize)> {
    let text = text.trim_start_matches('\u{feff}');
    let yaml = match frontmatter::split(text) {
        Ok(split) => split.yaml,
        Err(frontmatter::SplitError::Unterminated { .. }) => {
            text.split_once('\n').map_or("", |(_, rest)| rest)
        }
        Err(frontmatter::SplitError::Missing) => return Vec::new(),
    };
    frontmatter::top_level_keys(yaml)
        .into_iter()
        .map(|(key, line)| (key, line + 1))
        .collect()
}

/// The top-level key whose value holds 0-based `line` of the front matter:
/// the key on that line, or the nearest one above an indented line.
pub(crate) fn owning_key(
    index: &LineIndex<'_>,
    fields: &std::ops::Range<usize>,
    line: usize,
) -> Option<(usize, String)> {
    (fields.start..=line.min(fields.end.saturating_sub(1)))
        .rev()
        .find_map(|l| {
            let text = index.line(l);
            frontmatter::key_value_spans(text).map(|(key, _)| (l, unquote(&text[key])))
        })
}

fn unquote(key: &str) -> String {
    key.trim_matches(['"', '\'']).to_string()
}

/// The protocol diagnostic for a finding in `text`.
pub(crate) fn to_lsp(text: &str, found: &Diagnostic) -> lsp_types::Diagnostic {
    let severity = match found.severity {
        Severity::Error => lsp_types::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp_types::DiagnosticSeverity::WARNING,
    };
    lsp_types::Diagnostic {
        range: range_of(text, found),
        severity: Some(severity),
        code: Some(NumberOrString::String(found.code.as_str().to_string())),
        source: Some("cairn".to_string()),
        message: found.message.clone(),
        ..lsp_types::Diagnostic::default()
    }
}

/// The range a finding points at.
pub(crate) fn range_of(text: &str, found: &Diagnostic) -> Range {
    let index = LineIndex::new(text);
    let line = (found.line.max(1) - 1).min(index.len() - 1);
    let line_text = index.line(line);
    let whole = || {
        let start = line_text.len() - line_text.trim_start().len();
        index.range(line, start, line_text.len())
    };
    let mut tokens = quoted(&found.message);
    // Ids a message names without backticks (`names DEC-0001, but …`).
    tokens.extend(
        found
            .message
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.contains('-') && w.chars().any(|c| c.is_ascii_digit())),
    );
    let fields = front_matter_lines(text);
    let spans = fields
        .as_ref()
        .filter(|f| f.contains(&line))
        .and_then(|_| frontmatter::key_value_spans(line_text));
    if let (Some(fields), Some((key, value))) = (fields.as_ref(), spans) {
        let key_name = unquote(&line_text[key.clone()]);
        match found.code {
            Code::UnknownField | Code::DuplicateKey => {
                return index.range(line, key.start, key.end);
            }
            Code::MissingField => {
                return if tokens.first().is_some_and(|t| *t == key_name) {
                    index.range(line, key.start, key.end)
                } else {
                    whole()
                };
            }
            Code::Enum
            | Code::Type
            | Code::IdFormat
            | Code::Dangling
            | Code::WrongKind
            | Code::SupersedeMismatch
            | Code::DuplicateId => {
                // The value's lines: this one, or the indented block under it.
                let mut lines = vec![(line, value.clone())];
                if value.is_empty() {
                    lines.clear();
                    for l in line + 1..fields.end {
                        let t = index.line(l);
                        if frontmatter::key_value_spans(t).is_some() {
                            break;
                        }
                        let start = t.len() - t.trim_start().len();
                        if start < t.len() && !t.trim_start().starts_with('#') {
                            lines.push((l, start..t.trim_end().len()));
                        }
                    }
                }
                for token in &tokens {
                    for (l, span) in &lines {
                        if let Some(at) = find_token(&index.line(*l)[span.clone()], token) {
                            let start = span.start + at;
                            return index.range(*l, start, start + token.len());
                        }
                    }
                }
                return match (lines.first(), lines.last()) {
                    (Some((first, a)), Some((last, b))) => Range::new(
                        index.position(*first, a.start),
                        index.position(*last, b.end),
                    ),
                    _ => index.range(line, key.start, key.end),
                };
            }
            _ => return whole(),
        }
    }
    if found.code == Code::BrokenLink {
        if let Some(at) = tokens.first().and_then(|t| line_text.find(t)) {
            return index.range(line, at, at + tokens[0].len());
        }
    }
    whole()
}

/// Where `token` is written in the field on 1-based `line` of `text` (the
/// key's line or the indented block under it); the line when it is not.
pub(crate) fn token_range(text: &str, line: usize, token: &str) -> Range {
    let index = LineIndex::new(text);
    let first = (line.max(1) - 1).min(index.len() - 1);
    for l in first..index.len() {
        let t = index.line(l);
        if l > first && (frontmatter::key_value_spans(t).is_some() || t.trim_end() == "---") {
            break;
        }
        if let Some(at) = find_token(t, token) {
            return index.range(l, at, at + token.len());
        }
    }
    index.range(first, 0, index.line(first).len())
}

/// The `backticked` parts of a message, in order.
fn quoted(message: &str) -> Vec<&str> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|t| !t.is_empty())
        .collect()
}

/// Where `token` occurs in `text` as a whole word.
fn find_token(text: &str, token: &str) -> Option<usize> {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
    text.match_indices(token).map(|(i, _)| i).find(|&i| {
        !is_word(text[..i].chars().next_back()) && !is_word(text[i + token.len()..].chars().next())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Position;

    fn at(text: &str, code: Code, line: usize, message: &str) -> ((u32, u32), (u32, u32)) {
        let found = Diagnostic::error(code, "r.md", line, message);
        let r = range_of(text, &found);
        (
            (r.start.line, r.start.character),
            (r.end.line, r.end.character),
        )
    }

    const TEXT: &str = "---\nid: EXP-12\nstatus: runing  # typo\ncolour: red\nrelated:\n  - EXP-0001\n  - EXP-0404\n---\n## Setup\nSee [data](../data.md).\n";

    #[test]
    fn findings_point_at_keys_values_and_ids() {
        assert_eq!(
            at(TEXT, Code::Enum, 3, "status `runing` is not one of …"),
            ((2, 8), (2, 14))
        );
        assert_eq!(
            at(TEXT, Code::IdFormat, 2, "id `EXP-12` does not match"),
            ((1, 4), (1, 10))
        );
        assert_eq!(
            at(TEXT, Code::UnknownField, 4, "field `colour` …"),
            ((3, 0), (3, 6))
        );
        assert_eq!(
            at(TEXT, Code::Dangling, 5, "related `EXP-0404` does not exist"),
            ((6, 4), (6, 12))
        );
        assert_eq!(at(TEXT, Code::Type, 5, "no token here"), ((5, 2), (6, 12)));
        assert_eq!(
            at(
                TEXT,
                Code::BrokenLink,
                10,
                "link to `../data.md` points to a file that does not exist"
            ),
            ((9, 11), (9, 21))
        );
        assert_eq!(
            at(
                TEXT,
                Code::MissingSection,
                1,
                "section `Results` is missing"
            ),
            ((0, 0), (0, 3))
        );
        // A line past the end of the text is its last line.
        let r = range_of("x", &Diagnostic::error(Code::Yaml, "r.md", 9, "m"));
        assert_eq!(r.start, Position::new(0, 0));
    }
}
