//! `cairn set`: the file, then one line per value changed.

use std::io::{self, Write};

use super::diff_text::value_text;
use super::term;
use crate::set::SetPlan;

/// Writes what the edit changes (in a dry run: would change).
pub fn write(out: &mut dyn Write, plan: &SetPlan) -> io::Result<()> {
    let note = if plan.dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    writeln!(out, "{}{note}", term(&plan.path))?;
    for change in &plan.changes {
        writeln!(
            out,
            "  {}: {} → {}",
            term(&change.field),
            term(&value_text(change.old.as_ref())),
            term(&value_text(change.new.as_ref()))
        )?;
    }
    for problem in &plan.problems {
        writeln!(
            out,
            "  forced past {}: {}",
            problem.code,
            term(&problem.message)
        )?;
    }
    Ok(())
}
