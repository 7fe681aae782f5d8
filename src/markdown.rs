//! Reads a record's Markdown body: its sections (headings) and its
//! relative links, each with the file line it is on.
//!
//! A section is a heading of any level; its text runs to the next heading
//! of the same or a higher level, so a section includes its subsections.

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::frontmatter::LineIndex;

/// A heading and the text under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The heading's text, trimmed.
    pub title: String,
    /// 1 for `#`, 2 for `##`, …
    pub level: u8,
    /// File line of the heading.
    pub line: usize,
    /// The text under the heading; None when it is empty or was not read
    /// (an outline): most records held in memory are outlines, and two
    /// empty strings would take 48 bytes a section.
    texts: Option<Box<Texts>>,
}

/// The text under a heading, two ways.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Texts {
    text: String,
    own_text: String,
}

impl Section {
    /// A heading without text (as an outline has it).
    pub fn new(title: String, level: u8, line: usize) -> Section {
        Section {
            title,
            level,
            line,
            texts: None,
        }
    }

    /// A heading with the text under it: `text` with its subsections,
    /// `own_text` up to the next heading of any level.
    pub fn with_text(
        title: String,
        level: u8,
        line: usize,
        text: String,
        own_text: String,
    ) -> Section {
        let texts =
            (!text.is_empty() || !own_text.is_empty()).then(|| Box::new(Texts { text, own_text }));
        Section {
            title,
            level,
            line,
            texts,
        }
    }

    /// The Markdown under the heading, subsections included, trimmed
    /// (empty in an outline).
    pub fn text(&self) -> &str {
        self.texts.as_ref().map_or("", |t| t.text.as_str())
    }

    /// Only the Markdown up to the next heading of any level, trimmed: what
    /// this heading itself holds, so that a change shows under one heading
    /// (empty in an outline).
    pub fn own_text(&self) -> &str {
        self.texts.as_ref().map_or("", |t| t.own_text.as_str())
    }
}

/// A link or image whose target is a path in the repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The target as written, without `#fragment` or `?query`, percent-decoded.
    pub target: String,
    /// File line of the link.
    pub line: usize,
}

/// What cairn reads of a body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    /// Headings in order.
    pub sections: Vec<Section>,
    /// Relative links in order.
    pub links: Vec<Link>,
}

impl Body {
    /// The first section whose title matches `name` case-insensitively.
    pub fn section(&self, name: &str) -> Option<&Section> {
        let name = name.trim();
        self.sections.iter().find(|s| {
            s.title.eq_ignore_ascii_case(name) || s.title.to_lowercase() == name.to_lowercase()
        })
    }

    /// The text of the first level-1 heading, used as a title when the
    /// front matter has none.
    pub fn h1(&self) -> Option<&str> {
        self.sections
            .iter()
            .find(|s| s.level == 1)
            .map(|s| s.title.as_str())
    }
}

/// Parses a body whose first line is file line `first_line`.
pub fn parse(body: &str, first_line: usize) -> Body {
    parse_with(body, first_line, true)
}

/// [`parse`] without the sections' text: their titles, levels and lines,
/// and the links — what validation reads — without copying the body.
pub fn outline(body: &str, first_line: usize) -> Body {
    parse_with(body, first_line, false)
}

fn parse_with(body: &str, first_line: usize, texts: bool) -> Body {
    let lines = LineIndex::new(body);
    let file_line = |offset: usize| first_line + lines.line(offset) - 1;
    let mut headings: Vec<(String, u8, usize, usize, usize)> = Vec::new(); // title, level, line, start, end
    let mut links = Vec::new();
    let mut open: Option<(u8, usize, String)> = None;
    // GitHub's flavour: footnotes (whose definitions may hold fenced code)
    // are footnotes, not link definitions.
    let parser = Parser::new_ext(
        body,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES,
    );
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                open = Some((level as u8, range.start, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start, title)) = open.take() {
                    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
                    headings.push((title, level, file_line(start), start, range.end));
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, _, title)) = open.as_mut() {
                    title.push_str(&text);
                }
            }
            // `<ada@example.org>` is an e-mail address, not a path.
            Event::Start(Tag::Link {
                link_type: LinkType::Email,
                ..
            }) => {}
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                if let Some(target) = local_target(&dest_url) {
                    links.push(Link {
                        target,
                        line: file_line(range.start),
                    });
                }
            }
            _ => {}
        }
    }
    let sections = headings
        .iter()
        .enumerate()
        .map(|(i, (title, level, line, _, end))| {
            let stop = headings[i + 1..]
                .iter()
                .find(|(_, l, ..)| l <= level)
                .map_or(body.len(), |(_, _, _, start, _)| *start);
            let next = headings
                .get(i + 1)
                .map_or(body.len(), |(_, _, _, start, _)| *start);
            if texts {
                Section::with_text(
                    title.clone(),
                    *level,
                    *line,
                    body[(*end).min(stop)..stop].trim().to_string(),
                    body[(*end).min(next)..next].trim().to_string(),
                )
            } else {
                Section::new(title.clone(), *level, *line)
            }
        })
        .collect();
    Body { sections, links }
}

/// The path part of a link that points into the repository, or `None` for
/// URLs, e-mail addresses and in-page anchors.
fn local_target(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url.starts_with('#') || url.starts_with("//") {
        return None;
    }
    if let Some(colon) = url.find(':') {
        let scheme = &url[..colon];
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return None;
        }
    }
    let path = url.split(['#', '?']).next().unwrap_or("");
    (!path.is_empty()).then(|| percent_decode(path))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(Ok(b)) = s.get(i + 1..i + 3).map(|hex| u8::from_str_radix(hex, 16)) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "# Mel features\n\nIntro.\n\n## Setup\n\nSee [data](../data/README.md#top) and <https://example.org>.\n\n### Detail\n\nMore.\n\n## Results\n\n![plot](plots/recall%20curve.png)\n[anchor](#setup) [mail](mailto:a@b.c)\n";

    #[test]
    fn sections_carry_lines_and_nested_text() {
        let body = parse(BODY, 10);
        let got: Vec<_> = body
            .sections
            .iter()
            .map(|s| (s.title.as_str(), s.level, s.line))
            .collect();
        assert_eq!(
            got,
            [
                ("Mel features", 1, 10),
                ("Setup", 2, 14),
                ("Detail", 3, 18),
                ("Results", 2, 22)
            ]
        );
        let setup = body.section("  setup ").unwrap();
        assert!(setup.text().contains("### Detail") && setup.text().contains("More."));
        assert!(!setup.text().contains("Results"));
        assert_eq!(
            setup.own_text(),
            "See [data](../data/README.md#top) and <https://example.org>."
        );
        assert_eq!(body.h1(), Some("Mel features"));
    }

    #[test]
    fn only_local_links_are_kept() {
        let body = parse(BODY, 1);
        let got: Vec<_> = body
            .links
            .iter()
            .map(|l| (l.target.as_str(), l.line))
            .collect();
        assert_eq!(
            got,
            [("../data/README.md", 7), ("plots/recall curve.png", 15)]
        );
    }

    #[test]
    fn footnotes_email_autolinks_and_code_are_not_paths() {
        let body = parse(
            "Claim.[^1] Mail <ada@example.org>, see `[x](gone.md)`.\n\n[^1]: Proof:\n\n    ```\n    [y](also-gone.md)\n    ```\n\n```md\n[z](gone-too.md)\n```\n\n[real](notes.md)\n",
            1,
        );
        let got: Vec<_> = body
            .links
            .iter()
            .map(|l| (l.target.as_str(), l.line))
            .collect();
        assert_eq!(got, [("notes.md", 13)]);
    }

    #[test]
    fn the_outline_is_the_body_without_texts() {
        let full = parse(BODY, 3);
        let outline = outline(BODY, 3);
        assert_eq!(outline.links, full.links);
        let strip = |b: &Body| -> Vec<(String, u8, usize)> {
            b.sections
                .iter()
                .map(|s| (s.title.clone(), s.level, s.line))
                .collect()
        };
        assert_eq!(strip(&outline), strip(&full));
        assert!(
            outline
                .sections
                .iter()
                .all(|s| s.text().is_empty() && s.own_text().is_empty())
        );
    }

    #[test]
    fn heading_with_code_and_emphasis() {
        let body = parse("## Inputs and *outputs* `x`\n", 1);
        assert_eq!(body.sections[0].title, "Inputs and outputs x");
    }
}
