//! Renderers: each output format is one module that writes a model to any
//! `io::Write`. Logic never formats text; renderers never decide anything.
//!
//! [`emit`] is the one place a format picks its renderer: each model
//! implements [`Render`] for the formats it has, and a command hands its
//! model and the format it was asked for to `emit`.
//!
//! User text (titles, values, messages that quote them) can hold terminal
//! escapes or Markdown meant to break a PR comment, so every renderer passes
//! it through the escaper of its format: [`term`], [`md`] or [`workflow`].

pub mod charts;
pub mod diff_markdown;
pub mod diff_text;
pub mod formats;
pub mod github;
pub mod index_markdown;
pub mod list_table;
pub mod log_text;
pub mod parts;
pub mod report_html;
pub mod sarif;
pub mod schema_text;
pub mod sentence;
pub mod set_text;
pub mod summary_markdown;
pub mod summary_text;
pub mod validate_text;

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Plain text for a terminal (for `list`, the table).
    Text,
    /// Markdown (a PR comment, a job summary).
    Markdown,
    /// JSON from serde (for `schema`, the JSON Schema).
    Json,
    /// GitHub workflow commands (annotations).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// One path a line.
    Paths,
}

/// A model that writes itself in the formats it has. JSON comes from
/// serde unless a model says otherwise; a format a model does not have is
/// an error (the command line offers only those it has).
pub trait Render {
    /// As plain text.
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        unsupported(out, "text")
    }
    /// As Markdown.
    fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        unsupported(out, "markdown")
    }
    /// As JSON.
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        unsupported(out, "json")
    }
    /// As GitHub workflow commands.
    fn github(&self, out: &mut dyn Write) -> io::Result<()> {
        unsupported(out, "github")
    }
    /// As SARIF.
    fn sarif(&self, out: &mut dyn Write) -> io::Result<()> {
        unsupported(out, "sarif")
    }
    /// As one path a line.
    fn paths(&self, out: &mut dyn Write) -> io::Result<()> {
        unsupported(out, "paths")
    }
}

fn unsupported(_out: &mut dyn Write, format: &str) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        format!("this output has no {format} form"),
    ))
}

/// Writes `model` in `format`: the one place a format picks its renderer.
pub fn emit(format: Format, model: &dyn Render, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => model.text(out),
        Format::Markdown => model.markdown(out),
        Format::Json => model.json(out),
        Format::Github => model.github(out),
        Format::Sarif => model.sarif(out),
        Format::Paths => model.paths(out),
    }
}

/// Writes a model as pretty JSON and a newline.
pub fn json<T: Serialize>(out: &mut dyn Write, model: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, model)?;
    writeln!(out)
}

/// Makes one line of user text safe for a terminal or a CI log: control
/// characters (escape sequences, carriage returns, bells, …) are shown as
/// `\u{1b}` instead of acting, and a line break as `\n`, so a title can
/// never start a line of its own (a `::error` or `::add-mask::` in a log).
pub fn term(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// As [`term`], for text whose line breaks are meant (a diff of a section).
pub fn term_block(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_unsafe_control(c) || (c == '\n' && !keep_newlines);
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\n' && !keep_newlines {
            out.push_str("\\n");
        } else if unsafe_char(c) {
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
/// links (bare URLs and `www.` are broken with a zero-width space so GitHub
/// does not link them), no mentions, no emphasis, no line breaks, no table
/// pipes, no code fences.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let text = term(s).replace("\\n", " ");
    let text = text.replace("://", ":\u{200b}//");
    let text = replace_ignore_ascii_case(&text, "www.", "www\u{200b}.");
    for c in text.chars() {
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

fn replace_ignore_ascii_case(text: &str, from: &str, to: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lower.match_indices(from) {
        out.push_str(&text[last..at]);
        out.push_str(&text[at..at + 3]);
        out.push_str(&to[3..]);
        last = at + from.len();
    }
    out.push_str(&text[last..]);
    out
}

/// A path on a line of its own, for `list --format paths`: as it is, or —
/// when it holds a control character, a double quote or a backslash — in
/// double quotes with C escapes (`"a\nb.md"`), as git quotes paths, so
/// every line is exactly one path.
pub fn quoted_path(path: &str) -> Cow<'_, str> {
    let special = |c: char| c.is_control() || c == '"' || c == '\\' || is_unsafe_control(c);
    if !path.chars().any(special) {
        return Cow::Borrowed(path);
    }
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if special(c) => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Cow::Owned(out)
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
        assert_eq!(term("title\n::error::x"), "title\\n::error::x");
        assert_eq!(term_block("a\nb\x1b"), "a\nb\\u{1b}");
    }

    #[test]
    fn markdown_cannot_break_out() {
        assert_eq!(md("<script>x</script>"), "&lt;script&gt;x&lt;/script&gt;");
        assert_eq!(md("a | b\nc"), "a \\| b c");
        assert_eq!(md("[click](http://x)"), "\\[click\\](http:\u{200b}//x)");
        assert_eq!(md("@team"), "@\u{200b}team");
        assert_eq!(
            md("see https://evil.example and WWW.x.org"),
            "see https:\u{200b}//evil.example and WWW\u{200b}.x.org"
        );
        assert_eq!(md("```\n~~~"), "\\`\\`\\` \\~\\~\\~");
    }

    #[test]
    fn paths_are_quoted_as_git_quotes_them() {
        assert_eq!(quoted_path("research/a b.md"), "research/a b.md");
        assert_eq!(quoted_path("a\nb.md"), "\"a\\nb.md\"");
        assert_eq!(quoted_path("q\"\\\x1b.md"), "\"q\\\"\\\\\\033.md\"");
    }

    #[test]
    fn emit_writes_a_model_in_the_formats_it_has_and_refuses_others() {
        let written = crate::report::Written {
            path: "site/report.html".into(),
            records: 3,
        };
        let mut out = Vec::new();
        emit(Format::Text, &written, &mut out).unwrap();
        assert_eq!(out, b"wrote site/report.html (3 records)\n");
        let err = emit(Format::Sarif, &written, &mut Vec::new()).unwrap_err();
        assert_eq!(err.to_string(), "this output has no sarif form");
    }

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(workflow("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(workflow_property("a,b:c"), "a%2Cb%3Ac");
    }
}
