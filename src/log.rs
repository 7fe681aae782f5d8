//! `cairn log ID` as one call: the history of one record through every
//! commit that changed it, following renames and moves by id. On the
//! first-parent chain it is read like `git log --follow`, only the commits
//! that touch the record's paths; a record no longer at the revision, or
//! `--all-parents`, takes one walk over all history (`history.rs`). With
//! `code`, the commits whose message names the id are found too.

use serde::Serialize;

use crate::diagnostic::did_you_mean_id;
use crate::history::{Detail, Log};
use crate::project::{Error, Project};
use crate::snapshot::ParseCache;

/// Whose history to read, and how.
#[derive(Clone, Debug, Default)]
pub struct Request<'a> {
    /// The record's id.
    pub id: &'a str,
    /// The revision to read back from.
    pub rev: &'a str,
    /// Walk every parent of merges, not only the first.
    pub all_parents: bool,
    /// Also the commits whose message names the id.
    pub code: bool,
    /// Each change's section diff.
    pub patch: bool,
}

/// A record's history, or the note that no record has the id.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Found {
    /// The record's history.
    Log(Log),
    /// No record in the history has the id.
    Unknown {
        /// The id asked for.
        id: String,
        /// The nearest id that exists, if one is near.
        near: Option<String>,
    },
}

/// The history of the record `request` names.
pub fn find(project: &Project, request: &Request<'_>) -> Result<Found, Error> {
    let tip = project.repo()?.resolve(request.rev)?;
    // Section diffs need bodies; field changes only front matter.
    let (cache, detail) = if request.patch {
        (ParseCache::default(), Detail::Sections)
    } else {
        (ParseCache::front_only(), Detail::Fields)
    };
    let mention = request.code.then_some(request.id);
    let followed = if request.all_parents {
        None
    } else {
        project.follow_history(&tip, request.id, &cache, mention, detail)?
    };
    let history = match followed {
        Some(history) => history,
        None => project.walk_history(&tip, &cache, !request.all_parents, mention, detail, None)?,
    };
    Ok(match history.log(request.id, request.code, request.patch) {
        Some(log) => Found::Log(log),
        None => Found::Unknown {
            id: request.id.to_string(),
            near: did_you_mean_id(request.id, history.ids().iter().copied()).map(str::to_string),
        },
    })
}
