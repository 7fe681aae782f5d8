//! `list --format table`: aligned columns ID, KIND, STATUS, TITLE, PATH.
//!
//! Given a width, the table fits it: the title column gives way first,
//! then the path, down to a few characters each, and whatever still does
//! not fit is cut; every cut ends in `…`. Without a width nothing is cut.
//! Widths count characters, after control characters are escaped.

use std::borrow::Cow;
use std::io::{self, Write};

use anstyle::Style;

use super::term;
use crate::record::Brief;

const HEADER: Style = Style::new().bold();
const GAP: usize = 2;
/// The narrowest a shrinking column becomes before the line itself is cut.
const MIN_SHRUNK: usize = 12;

/// Writes the table; `width` is the terminal's, `None` for no limit.
pub fn write(out: &mut dyn Write, records: &[Brief], width: Option<usize>) -> io::Result<()> {
    let rows: Vec<[Cow<'_, str>; 5]> = records
        .iter()
        .map(|r| {
            [
                cell(r.id.as_deref()),
                term(&r.kind),
                cell(r.status.as_deref()),
                cell(r.title.as_deref()),
                term(&r.path),
            ]
        })
        .collect();
    let header = ["ID", "KIND", "STATUS", "TITLE", "PATH"];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    if let Some(limit) = width {
        fit(&mut widths, limit);
    }
    let mut line = String::new();
    write_row(
        out,
        &mut line,
        &header.map(Cow::Borrowed),
        &widths,
        width,
        Some(HEADER),
    )?;
    for row in &rows {
        write_row(out, &mut line, row, &widths, width, None)?;
    }
    Ok(())
}

fn cell(text: Option<&str>) -> Cow<'_, str> {
    match text {
        // A title may hold line breaks; a row is one line.
        Some(t) if t.contains(['\n', '\t']) => {
            Cow::Owned(term(&t.replace(['\n', '\t'], " ")).into_owned())
        }
        Some(t) => term(t),
        None => Cow::Borrowed("-"),
    }
}

/// Shrinks the title column, then the path column, until the row fits.
fn fit(widths: &mut [usize; 5], limit: usize) {
    let total = |w: &[usize; 5]| w.iter().sum::<usize>() + GAP * (w.len() - 1);
    for column in [3, 4] {
        let over = total(widths).saturating_sub(limit);
        if over == 0 {
            return;
        }
        let floor = MIN_SHRUNK.min(widths[column]);
        widths[column] = widths[column].saturating_sub(over).max(floor);
    }
}

/// Writes one row, built in `line` (reused from row to row).
fn write_row(
    out: &mut dyn Write,
    line: &mut String,
    cells: &[Cow<'_, str>; 5],
    widths: &[usize; 5],
    limit: Option<usize>,
    style: Option<Style>,
) -> io::Result<()> {
    line.clear();
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.extend(std::iter::repeat_n(' ', GAP));
        }
        let shown = push_cut(line, c, *w);
        if i + 1 < cells.len() {
            line.extend(std::iter::repeat_n(' ', w - shown));
        }
    }
    let mut end = line.trim_end().len();
    if let Some(limit) = limit {
        if line[..end].chars().count() > limit {
            let kept = cut(&line[..end], limit);
            line.clear();
            line.push_str(&kept);
            end = line.len();
        }
    }
    let line = &line[..end];
    match style {
        Some(s) => writeln!(out, "{s}{line}{s:#}"),
        None => writeln!(out, "{line}"),
    }
}

/// Pushes `text` in at most `width` characters, ending in `…` when cut;
/// how many characters it pushed.
fn push_cut(out: &mut String, text: &str, width: usize) -> usize {
    let count = text.chars().count();
    if count <= width {
        out.push_str(text);
        return count;
    }
    if width == 0 {
        return 0;
    }
    out.extend(text.chars().take(width - 1));
    out.push('…');
    width
}

/// `text` in at most `width` characters, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    let mut out = String::new();
    push_cut(&mut out, text, width);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn brief(id: &str, title: &str) -> Brief {
        Brief {
            id: Some(id.into()),
            kind: "experiment".into(),
            status: Some("running".into()),
            title: Some(title.into()),
            path: format!("research/experiments/{id}.md"),
        }
    }

    fn render(records: &[Brief], width: Option<usize>) -> String {
        let mut out = Vec::new();
        write(&mut out, records, width).unwrap();
        // Strip the header's style codes.
        String::from_utf8(out)
            .unwrap()
            .replace("\u{1b}[1m", "")
            .replace("\u{1b}[0m", "")
    }

    #[test]
    fn columns_align() {
        let got = render(
            &[brief("EXP-0001", "Mel"), brief("EXP-0012", "Longer title")],
            None,
        );
        assert_eq!(
            got,
            "ID        KIND        STATUS   TITLE         PATH\n\
             EXP-0001  experiment  running  Mel           research/experiments/EXP-0001.md\n\
             EXP-0012  experiment  running  Longer title  research/experiments/EXP-0012.md\n"
        );
    }

    #[test]
    fn the_title_gives_way_first() {
        let long = "A very long title that goes on and on about mel features";
        let got = render(&[brief("EXP-0001", long)], Some(80));
        for line in got.lines() {
            assert!(line.chars().count() <= 80, "{line}");
        }
        assert!(got.contains('…'));
        assert!(got.contains("research/experiments/EXP-0001.md"), "{got}");
        let narrow = render(&[brief("EXP-0001", long)], Some(30));
        assert!(narrow.lines().all(|l| l.chars().count() <= 30), "{narrow}");
    }

    #[test]
    fn control_characters_are_escaped() {
        let got = render(&[brief("EXP-0001", "red\u{1b}[31m")], None);
        assert!(got.contains("red\\u{1b}[31m"), "{got}");
        assert!(!got.contains("\u{1b}[31m"));
    }
}
