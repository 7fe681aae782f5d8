//! The block `cairn index` keeps in the index file: between the marker
//! comments, a table per kind — id (linked to its file), title, status,
//! date, the records it links to — with progress for kinds that gather
//! others and superseded records struck through. User text goes through
//! [`md`]; link targets through [`destination`].

use std::io::{self, Write};

use crate::index::{END, Index, START, Target};
use crate::render::md;

/// Writes the block, markers included.
pub fn write(out: &mut dyn Write, index: &Index) -> io::Result<()> {
    writeln!(out, "{START}")?;
    writeln!(
        out,
        "<!-- Written by `cairn index`; edits between these markers are replaced. -->"
    )?;
    if index.kinds.is_empty() {
        writeln!(out, "\nNo records yet: `cairn new KIND TITLE` writes one.")?;
    }
    for kind in &index.kinds {
        let n = kind.records.len();
        writeln!(out, "\n## {} ({n})\n", md(&heading(&kind.kind)))?;
        if kind.has_progress {
            writeln!(out, "| id | title | status | date | progress | links |")?;
            writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        } else {
            writeln!(out, "| id | title | status | date | links |")?;
            writeln!(out, "| --- | --- | --- | --- | --- |")?;
        }
        for e in &kind.records {
            let title = md(e.title.as_deref().unwrap_or(""));
            let (title, status) = match &e.superseded_by {
                Some(by) => (
                    format!("~~{title}~~"),
                    format!(
                        "{} by {}",
                        md(e.status.as_deref().unwrap_or("superseded")),
                        link(by)
                    ),
                ),
                None => (title, md(e.status.as_deref().unwrap_or(""))),
            };
            let links: Vec<String> = e.refs.iter().map(link).collect();
            let progress = match e.progress {
                Some((done, total)) if kind.has_progress => format!(" {done} of {total} |"),
                _ if kind.has_progress => " |".to_string(),
                _ => String::new(),
            };
            writeln!(
                out,
                "| [{}]({}) | {title} | {status} | {} |{progress} {} |",
                md(&e.id),
                destination(&e.link),
                md(e.date.as_deref().unwrap_or("")),
                links.join(", ")
            )?;
        }
    }
    writeln!(out, "\n{END}")
}

/// `experiment` → `Experiments`.
fn heading(kind: &str) -> String {
    let mut chars = kind.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with('s') {
        out.push('s');
    }
    out
}

fn link(target: &Target) -> String {
    match &target.link {
        Some(path) => format!("[{}]({})", md(&target.id), destination(path)),
        None => md(&target.id),
    }
}

/// A link destination: in angle brackets when it holds spaces or
/// brackets, with the characters that would end it escaped.
fn destination(path: &str) -> String {
    if path
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>'))
    {
        let escaped = path
            .replace('\\', "\\\\")
            .replace('<', "\\<")
            .replace('>', "\\>")
            .replace(['\n', '\r'], " ");
        format!("<{escaped}>")
    } else {
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_with_spaces_are_bracketed() {
        assert_eq!(destination("a/b.md"), "a/b.md");
        assert_eq!(destination("a b/(c).md"), "<a b/(c).md>");
        assert_eq!(destination("x <y>.md"), "<x \\<y\\>.md>");
    }

    #[test]
    fn headings_are_plural() {
        assert_eq!(heading("experiment"), "Experiments");
        assert_eq!(heading("lessons"), "Lessons");
    }
}
