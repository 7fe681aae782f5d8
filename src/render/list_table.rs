//! `list --format table`: aligned columns ID, KIND, STATUS, TITLE, PATH.
//!
//! Given a width, the table fits it: the title column gives way first,
//! then the path, down to a few characters each, and whatever still does
//! not fit is cut; every cut ends in `…`. Without a width nothing is cut.
//! Widths count characters, after control characters are escaped.

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
    let rows: Vec<[String; 5]> = records
        .iter()
        .map(|r| {
            [
                cell(r.id.as_deref()),
                term(&r.kind).into_owned(),
                cell(r.status.as_deref()),
                cell(r.title.as_deref()),
                term(&r.path).into_owned(),
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
    write_row(
        out,
        &header.map(str::to_string),
        &widths,
        width,
        Some(HEADER),
    )?;
    for row in &rows {
        write_row(out, row, &widths, width, None)?;
    }
    Ok(())
}

fn cell(text: Option<&str>) -> String {
    match text {
        // A title may hold line breaks; a row is one line.
        Some(t) => term(&t.replace(['\n', '\t'], " ")).into_owned(),
        None => "-".to_string(),
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

fn write_row(
    out: &mut dyn Write,
    cells: &[String; 5],
    widths: &[usize; 5],
    limit: Option<usize>,
    style: Option<Style>,
) -> io::Result<()> {
    let mut line = String::new();
    for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str(&" ".repeat(GAP));
        }
        let shown = cut(c, *w);
        let pad = if i + 1 == cells.len() {
            0
        } else {
            w - shown.chars().count()
        };
        line.push_str(&shown);
        line.push_str(&" ".repeat(pad));
    }
    let line = line.trim_end();
    let line = match limit {
        Some(limit) => cut(line, limit),
        None => line.to_string(),
    };
    match style {
        Some(s) => writeln!(out, "{s}{line}{s:#}"),
        None => writeln!(out, "{line}"),
    }
}

/// `text` in at most `width` characters, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
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
