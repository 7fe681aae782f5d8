//! `validate --format github`: GitHub Actions workflow commands, which the
//! runner turns into annotations on the pull request's files.

use std::io::{self, Write};

use super::{tally, term, workflow, workflow_property};
use crate::check::Report;
use crate::diagnostic::Severity;

/// Writes one `::error`/`::warning` command per finding, then a count.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    for d in &report.diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(
            out,
            "::{level} file={},line={},title={}::{}",
            workflow_property(&term(&d.file)),
            d.line,
            workflow_property(d.code.as_str()),
            // The runner's log is a terminal too: escape sequences are shown, not run.
            workflow(&term(&d.message)),
        )?;
    }
    let (findings, records) = tally(report);
    writeln!(out, "cairn: {findings} in {records}")
}
