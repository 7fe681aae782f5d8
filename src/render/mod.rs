//! Renderers: each output format is one module that writes a model to any
//! `io::Write`. Logic never formats text; renderers never decide anything.
//!
//! User text (titles, values, messages that quote them) can hold terminal
//! escapes or Markdown meant to break a PR comment, so every renderer passes
//! it through the escaper of its format: [`term`], [`md`] or [`workflow`].

pub mod diff_markdown;
pub mod diff_text;
pub mod github;
pub mod index_markdown;
pub mod list_table;
pub mod log_text;
pub mod sarif;
pub mod schema_text;
pub mod summary_markdown;
pub mod summary_text;
pub mod validate_text;

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

/// Writes a model as pretty JSON and a newline.
pub fn json<T: Serialize>(out: &mut dyn Write, model: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, model)?;
    writeln!(out)
}

/// Makes text safe for a terminal: control characters (escape sequences,
/// carriage returns, bells, …) are shown as `\u{1b}` instead of acting.
pub fn term(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_control(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Makes text safe inside a Markdown table cell or sentence: no HTML, no
/// links, no emphasis, no line breaks, no table pipes.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in term(s).chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200b}"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a GitHub workflow command's message.
pub fn workflow(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes text for a GitHub workflow command's property (`file=`, `title=`).
pub fn workflow_property(s: &str) -> String {
    workflow(s).replace(':', "%3A").replace(',', "%2C")
}

/// The closing count of a validation: ("2 errors, 1 warning", "42
/// records"), the second part saying how many old findings `--new` left out.
pub fn tally(report: &crate::check::Report) -> (String, String) {
    let old = match report.left_out {
        Some(0) | None => String::new(),
        Some(n) => format!(
            "; {} left out ({} at the merge base already)",
            count(n, "old finding", "old findings"),
            if n == 1 { "it was" } else { "they were" }
        ),
    };
    (
        format!(
            "{}, {}",
            count(report.errors, "error", "errors"),
            count(report.warnings, "warning", "warnings")
        ),
        format!("{}{old}", count(report.records, "record", "records")),
    )
}

/// A commit id as people read it: its first seven characters.
pub fn short_commit(commit: &str) -> &str {
    commit.get(..7).unwrap_or(commit)
}

/// `n thing` or `n things`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_shown_not_run() {
        assert_eq!(term("plain"), "plain");
        assert_eq!(term("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(term("bell\x07"), "bell\\u{7}");
    }

    #[test]
    fn markdown_cannot_break_out() {
        assert_eq!(md("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
        assert_eq!(md("a | b\nc"), "a \\| b c");
        assert_eq!(md("[click](http://x)"), "\\[click\\](http://x)");
        assert_eq!(md("@team"), "@\u{200b}team");
    }

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(workflow("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(workflow_property("a,b:c"), "a%2Cb%3Ac");
    }
}
