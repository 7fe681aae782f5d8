//! `validate --format text`: one block per file, compiler style, then a count.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{tally, term};
use crate::check::Report;
use crate::diagnostic::Severity;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const FILE: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// Writes the report. Styles are ANSI codes; the caller's stream strips
/// them when colour is off.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let code_width = report
        .diagnostics
        .iter()
        .map(|d| d.code.as_str().len())
        .max()
        .unwrap_or(0)
        .max(20);
    let line_width = report
        .diagnostics
        .iter()
        .map(|d| d.line.to_string().len())
        .max()
        .unwrap_or(0)
        .max(3);
    let mut current: Option<&str> = None;
    for d in &report.diagnostics {
        if current != Some(d.file.as_str()) {
            writeln!(out, "{FILE}{}{FILE:#}", one_line(&d.file))?;
            current = Some(&d.file);
        }
        let style = match d.severity {
            Severity::Error => ERROR,
            Severity::Warning => WARNING,
        };
        writeln!(
            out,
            "{:>line_width$}  {style}{:<8}{style:#} {DIM}{:<code_width$}{DIM:#} {}",
            d.line,
            d.severity.to_string(),
            d.code.as_str(),
            one_line(&d.message),
        )?;
    }
    if !report.diagnostics.is_empty() {
        writeln!(out)?;
    }
    let style = if report.errors > 0 {
        ERROR
    } else if report.warnings > 0 {
        WARNING
    } else {
        Style::new()
    };
    let (findings, records) = tally(report);
    writeln!(out, "{style}{findings}{style:#} in {records}")
}

/// User text on one line: a line break in a quoted value must not start
/// what looks like another finding, so it shows as `\n`.
fn one_line(s: &str) -> String {
    term(&s.replace('\n', "\\n")).into_owned()
}
