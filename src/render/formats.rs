//! Which formats each model has, and the renderer that writes each: the
//! table [`super::emit`] reads. A model's JSON is serde's, written by
//! [`super::json`]; the words of the short notes of the writing commands
//! (`init`, `new`, `index`, `report`) are here too.

use std::io::{self, Write};

use super::{
    Render, diff_markdown, diff_text, github, json, list_table, log_text, quoted_path, sarif,
    schema_text, set_text, summary_markdown, summary_text, term, validate_text,
};
use crate::check::Report;
use crate::config::Initialized;
use crate::diff::DiffReport;
use crate::index::{Refresh, State};
use crate::json_schema::Shown;
use crate::list::Listing;
use crate::log::Found;
use crate::new::Created;
use crate::report::Written;
use crate::set::SetPlan;
use crate::summary::Summary;

impl Render for Report {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        validate_text::write(out, self)
    }
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json(out, self)
    }
    fn github(&self, out: &mut dyn Write) -> io::Result<()> {
        github::write(out, self)
    }
    fn sarif(&self, out: &mut dyn Write) -> io::Result<()> {
        sarif::write(out, self)
    }
}

impl Render for DiffReport {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        diff_text::write(out, self)
    }
    fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        diff_markdown::write(out, self)
    }
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json(out, self)
    }
}

impl Render for Summary {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        summary_text::write(out, self)
    }
    fn markdown(&self, out: &mut dyn Write) -> io::Result<()> {
        summary_markdown::write(out, self)
    }
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json(out, self)
    }
}

impl Render for Found {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Found::Log(log) => log_text::write(out, log),
            Found::Unknown { id, near } => unknown_id(out, id, near.as_deref()),
        }
    }
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        match self {
            Found::Log(log) => json(out, log),
            // Not a log: the same note as the text, and exit code 1.
            Found::Unknown { id, near } => unknown_id(out, id, near.as_deref()),
        }
    }
}

fn unknown_id(out: &mut dyn Write, id: &str, near: Option<&str>) -> io::Result<()> {
    let hint = match near {
        Some(near) => format!("; did you mean {near}?"),
        None => String::new(),
    };
    writeln!(out, "no record has the id {}{hint}", term(id))
}

impl Render for Listing {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.records.is_empty() {
            return Ok(());
        }
        list_table::write(out, &self.records, self.width)
    }
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json(out, self)
    }
    fn paths(&self, out: &mut dyn Write) -> io::Result<()> {
        for record in &self.records {
            writeln!(out, "{}", quoted_path(&record.path))?;
        }
        Ok(())
    }
}

impl Render for Shown<'_> {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        schema_text::write(out, &self.kinds())
    }
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json(out, &self.json_schema())
    }
}

impl Render for SetPlan {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        set_text::write(out, self)
    }
}

impl Render for Refresh {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        let path = &self.path;
        match self.state {
            State::UpToDate => writeln!(out, "{path} is up to date"),
            State::Stale => writeln!(out, "{path} is stale; run `cairn index` to refresh it"),
            State::Updated => writeln!(out, "updated {path}"),
            State::Created => writeln!(out, "created {path}"),
        }
    }
}

impl Render for Written {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "wrote {} ({} records)", self.path, self.records)
    }
}

impl Render for Created {
    /// Only the new file's path, for `$EDITOR "$(cairn new …)"`.
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "{}", self.shown)
    }
}

impl Render for Initialized {
    fn text(&self, out: &mut dyn Write) -> io::Result<()> {
        for path in &self.created {
            writeln!(out, "created {path}")?;
        }
        writeln!(
            out,
            "next: cairn new experiment \"What you want to find out\""
        )
    }
}

/// The note on stderr when `new --supersedes` edited the old record:
/// `DEC-0001: status accepted → superseded, superseded_by: DEC-0002`.
pub fn superseded_note(out: &mut dyn Write, created: &Created) -> io::Result<()> {
    match &created.superseded {
        Some(old) => writeln!(
            out,
            "{}: status {} → {}, {}: {}",
            old.old_id, old.old_status, old.status, old.back_key, created.id
        ),
        None => Ok(()),
    }
}
