//! `Record`: one research record — its path, kind, id, front matter and
//! body — as every command sees it, whatever snapshot it came from — and
//! its [`Brief`], what every listing and model shows of it.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Code, Diagnostic};
use crate::frontmatter::{self, Field, FrontMatter, FrontMatterError, SplitError};
use crate::markdown::{self, Body};
use crate::schema::{IdRule, Kind};
use crate::value::Value;

/// Files larger than this are not read as records.
pub const MAX_RECORD_BYTES: u64 = 10 * 1024 * 1024;

/// Whether a file of `len` bytes may be read as a record: over
/// [`MAX_RECORD_BYTES`] it is a `too-large` diagnostic on `path`.
pub fn check_size(path: &str, len: u64) -> Result<(), Diagnostic> {
    if len <= MAX_RECORD_BYTES {
        return Ok(());
    }
    Err(Diagnostic::error(
        Code::TooLarge,
        path,
        1,
        format!(
            "the file is {:.1} MiB; records are read up to {} MiB — move large data out of the record folder and link to it",
            len as f64 / (1024.0 * 1024.0),
            MAX_RECORD_BYTES / (1024 * 1024)
        ),
    ))
}

/// A parsed record.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Repository-relative path with `/`.
    pub path: String,
    /// The kind's name.
    pub kind: String,
    /// The record's id as cairn shows it (with the kind's prefix), if it has one.
    pub id: Option<String>,
    /// The line the id comes from (1 when it comes from the file name).
    pub id_line: usize,
    /// The front matter.
    pub front: FrontMatter,
    /// The body's sections and links.
    pub body: Body,
    /// Front matter keys of renamed fields: (schema name, key).
    renamed: Vec<(String, String)>,
}

impl Record {
    /// The front matter field for a schema field name (following renames).
    pub fn field(&self, name: &str) -> Option<&Field> {
        let key = self
            .renamed
            .iter()
            .find(|(n, _)| n == name)
            .map_or(name, |(_, k)| k.as_str());
        self.front.get(key)
    }

    /// The value of a schema field, if present.
    pub fn value(&self, name: &str) -> Option<&Value> {
        self.field(name).map(|f| &f.value)
    }

    /// A scalar field as text (`status` → `done`).
    pub fn text(&self, name: &str) -> Option<String> {
        self.value(name).and_then(Value::scalar_text)
    }

    /// The status, if set.
    pub fn status(&self) -> Option<String> {
        self.text("status")
    }

    /// The title: the `title` field, else the first `#` heading.
    pub fn title(&self) -> Option<String> {
        self.text("title")
            .or_else(|| self.body.h1().map(str::to_string))
    }

    /// Drops every front matter field whose key `keys` does not hold,
    /// keeping no spare room: a record cut down as it loads, to what a
    /// command reads of it.
    pub fn keep_fields(&mut self, keys: &HashSet<String>) {
        self.front.fields.retain(|f| keys.contains(&f.key));
        self.front.fields.shrink_to_fit();
    }

    /// The line of a schema field, or of the front matter's opening line.
    pub fn line_of(&self, name: &str) -> usize {
        self.field(name).map_or(self.front.line, |f| f.line)
    }

    /// What listings and models show of it: id, kind, status, title, path.
    pub fn brief(&self) -> Brief {
        Brief {
            id: self.id.clone(),
            kind: self.kind.clone(),
            status: self.status(),
            title: self.title(),
            path: self.path.clone(),
        }
    }
}

/// What listings and models show of a record: id, kind, status, title
/// and path, in that order. Models that say more of a record hold one
/// with `#[serde(flatten)]`, so their JSON starts with these keys. `Id` is
/// `String` where only records with an id take part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brief<Id = Option<String>> {
    /// Its id.
    pub id: Id,
    /// Its kind.
    pub kind: String,
    /// Its status.
    pub status: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// Its path.
    pub path: String,
}

impl Brief {
    /// The brief of a record known to have an id (`""` if it has none).
    pub fn identified(self) -> Brief<String> {
        Brief {
            id: self.id.unwrap_or_default(),
            kind: self.kind,
            status: self.status,
            title: self.title,
            path: self.path,
        }
    }
}

/// Parses a file's bytes as a record of `kind`; a file that cannot be
/// read as a record becomes the diagnostic that says why.
pub fn parse(path: &str, kind: &Kind, bytes: &[u8]) -> Result<Record, Diagnostic> {
    parse_to(path, kind, bytes, Parts::Whole)
}

/// How much of a record to read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Parts {
    /// Front matter and body: sections with their text, and links.
    #[default]
    Whole,
    /// Front matter, the sections' titles and lines without their text,
    /// and links: what validation checks ([`parse_outline`]).
    Outline,
    /// Front matter alone ([`parse_front`]).
    Front,
}

/// Parses a file's bytes as a record of `kind`, reading `parts` of it.
pub fn parse_parts(
    path: &str,
    kind: &Kind,
    bytes: &[u8],
    parts: Parts,
) -> Result<Record, Diagnostic> {
    parse_to(path, kind, bytes, parts)
}

/// [`parse`] with the body's outline only: sections without their text
/// (empty), and links. For checks that ask whether a section is there,
/// not what it says.
pub fn parse_outline(path: &str, kind: &Kind, bytes: &[u8]) -> Result<Record, Diagnostic> {
    parse_to(path, kind, bytes, Parts::Outline)
}

/// [`parse`] without the body: the front matter, and of the body only the
/// `#` heading [`Record::title`] falls back to when no `title` field gives
/// one. For what needs no sections or links (history status, summary
/// counts), at a fraction of the cost; the result is the same record with
/// an empty body.
pub fn parse_front(path: &str, kind: &Kind, bytes: &[u8]) -> Result<Record, Diagnostic> {
    parse_to(path, kind, bytes, Parts::Front)
}

fn parse_to(path: &str, kind: &Kind, bytes: &[u8], parts: Parts) -> Result<Record, Diagnostic> {
    let text = frontmatter::decode_borrowed(bytes).map_err(|line| {
        Diagnostic::error(
            Code::Encoding,
            path,
            line,
            "the file is not UTF-8 text (binary data or another encoding); save it as UTF-8 or move it out of the record folder",
        )
    })?;
    let split = frontmatter::split(&text).map_err(|err| match err {
        SplitError::Missing => Diagnostic::error(
            Code::NoFrontMatter,
            path,
            1,
            format!(
                "no front matter: every {} record starts with a line `---`, its YAML fields, and a closing `---`",
                kind.name
            ),
        ),
        SplitError::Unterminated { last_line } => Diagnostic::error(
            Code::Unterminated,
            path,
            1,
            format!("the front matter opened on line 1 is never closed; add a line `---` after the last field (the file ends at line {last_line})"),
        ),
    })?;
    let front = frontmatter::parse(&split).map_err(|err| match err {
        FrontMatterError::Yaml { line, message } => Diagnostic::error(
            Code::Yaml,
            path,
            line,
            if message.contains("repetition limit exceeded")
                || message.contains("recursion limit exceeded")
            {
                "the YAML's aliases or nesting expand too far to read safely; write the values out instead of repeating `*alias` references".to_string()
            } else {
                format!("YAML syntax error: {message}")
            },
        ),
        FrontMatterError::NotMapping { line, found } => Diagnostic::error(
            Code::NotMapping,
            path,
            line,
            format!("the front matter is {found}, not a mapping; write one `key: value` per line"),
        ),
        FrontMatterError::DuplicateKey { key, first, line } => Diagnostic::error(
            Code::DuplicateKey,
            path,
            line,
            format!("key `{key}` is written twice (first on line {first}); keep one"),
        ),
    })?;
    let mut record = from_front(path, kind, front);
    record.body = match parts {
        Parts::Whole => markdown::parse(split.body, split.body_line),
        Parts::Outline => markdown::outline(split.body, split.body_line),
        Parts::Front if record.text("title").is_none() => {
            markdown::parse(split.body, split.body_line)
        }
        Parts::Front => Body::default(),
    };
    Ok(record)
}

/// The record of `kind` at `path` with this front matter and an empty
/// body: what [`parse_front`] gives for a file whose front matter parsed
/// to `front` and that has a `title` field (a cache keeps front matter).
pub fn from_front(path: &str, kind: &Kind, front: FrontMatter) -> Record {
    let renamed = kind
        .fields
        .iter()
        .filter(|f| f.key != f.name)
        .map(|f| (f.name.clone(), f.key.clone()))
        .collect();
    let mut record = Record {
        path: path.to_string(),
        kind: kind.name.clone(),
        id: None,
        id_line: front.line,
        front,
        body: Body::default(),
        renamed,
    };
    let (id, line) = derive_id(&record, kind);
    record.id = id;
    record.id_line = line;
    record
}

fn derive_id(record: &Record, kind: &Kind) -> (Option<String>, usize) {
    match &kind.id {
        IdRule::Standard { .. } => match record.field("id") {
            Some(f) => (f.value.scalar_text().map(|s| s.trim().to_string()), f.line),
            None => (None, record.front.line),
        },
        IdRule::Field { key, .. } => match record.front.get(key) {
            Some(f) => (
                f.value
                    .scalar_text()
                    .map(|raw| format!("{}-{}", kind.prefix, raw.trim())),
                f.line,
            ),
            None => (None, record.front.line),
        },
        IdRule::Path => {
            let inside = if kind.dir.is_empty() {
                record.path.as_str()
            } else {
                record
                    .path
                    .strip_prefix(&kind.dir)
                    .map_or(record.path.as_str(), |r| r.trim_start_matches('/'))
            };
            (
                Some(inside.strip_suffix(".md").unwrap_or(inside).to_string()),
                1,
            )
        }
        IdRule::Filename { pattern } => {
            let name = record.path.rsplit('/').next().unwrap_or(&record.path);
            let id = pattern
                .captures(name)
                .and_then(|c| c.get(1))
                .map(|m| format!("{}-{}", kind.prefix, m.as_str()));
            (id, 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn kind(name: &str) -> Kind {
        config::builtin().kind(name).unwrap().clone()
    }

    #[test]
    fn parses_a_record() {
        let text = "---\nid: EXP-0001\ntitle: Mel features\nstatus: done\nmetrics:\n  recall: 0.8\n---\n# Mel\n\n## Setup\n\nx\n";
        let r = parse(
            "research/experiments/EXP-0001-mel.md",
            &kind("experiment"),
            text.as_bytes(),
        )
        .unwrap();
        assert_eq!(r.id.as_deref(), Some("EXP-0001"));
        assert_eq!(r.id_line, 2);
        assert_eq!(r.status().as_deref(), Some("done"));
        assert_eq!(r.line_of("metrics"), 5);
        assert_eq!(r.body.section("setup").unwrap().line, 10);
    }

    #[test]
    fn front_matter_only_is_the_same_record_without_its_body() {
        let k = kind("experiment");
        let path = "research/experiments/EXP-0001.md";
        let text = "---\nid: EXP-0001\ntitle: Mel\nstatus: done\n---\n# Other\n\n## Setup\n\nx [a](b.md)\n";
        let full = parse(path, &k, text.as_bytes()).unwrap();
        let front = parse_front(path, &k, text.as_bytes()).unwrap();
        assert_eq!(front.body, Body::default());
        assert_eq!(
            Record {
                body: full.body.clone(),
                ..front
            },
            full
        );
        // Without a title field the heading is the title, so it is read.
        let untitled = text.replace("title: Mel\n", "");
        let front = parse_front(path, &k, untitled.as_bytes()).unwrap();
        assert_eq!(front.title().as_deref(), Some("Other"));
        let broken = parse_front(path, &k, b"---\nid: [x\n---\n").unwrap_err();
        assert_eq!(broken, parse(path, &k, b"---\nid: [x\n---\n").unwrap_err());
    }

    #[test]
    fn each_failure_has_its_code() {
        let k = kind("decision");
        let code = |bytes: &[u8]| parse("d.md", &k, bytes).unwrap_err().code;
        assert_eq!(code(b"no front matter"), Code::NoFrontMatter);
        assert_eq!(code(b"---\nid: DEC-0001\n"), Code::Unterminated);
        assert_eq!(code(b"---\n[oops\n---\n"), Code::Yaml);
        assert_eq!(code(b"---\n- a\n---\n"), Code::NotMapping);
        assert_eq!(code(b"---\nid: \xff\n---\n"), Code::Encoding);
        assert_eq!(code(b"---\na: 1\na: 2\n---\n"), Code::DuplicateKey);
        assert_eq!(code(b""), Code::NoFrontMatter);
    }

    #[test]
    fn title_falls_back_to_the_first_heading() {
        let r = parse(
            "d.md",
            &kind("decision"),
            b"---\nstatus: accepted\n---\n# Use Postgres\n",
        )
        .unwrap();
        assert_eq!(r.title().as_deref(), Some("Use Postgres"));
    }
}
