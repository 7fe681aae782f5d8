//! `cairn new` in the library: a record of a kind from its template, with
//! the next free id (`ids.rs`: allocation across branches, and the claim
//! that keeps two processes off one id), and with `--supersedes` the old
//! record's edit (`supersede.rs`). The new file and the old record's edit
//! land together or not at all. [`in_project`] is `cairn new` as one call.

mod ids;
mod supersede;

use std::path::{Path, PathBuf};

pub use ids::next_number;
use ids::{Claim, rival_with_same_id};
pub use supersede::Supersede;

use crate::calendar::{self, CalendarError};
use crate::config::{TEMPLATES_DIR, Workspace};
use crate::containment::{self, ContainmentError};
use crate::diagnostic::did_you_mean;
use crate::edit::EditError;
use crate::git::{GitError, Repo};
use crate::project::{Error, Project};
use crate::record::MAX_RECORD_BYTES;
use crate::schema::Kind;
use crate::snapshot::{Loader, Select, Source};
use crate::template::{self, Fill};
use crate::write::{self, WriteError};

/// Why no record was created; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The kind is not in the schema.
    #[error("unknown kind `{name}`; {hint}the kinds are: {kinds}")]
    UnknownKind {
        /// The kind as given.
        name: String,
        /// `did you mean …? `, or empty.
        hint: String,
        /// The schema's kinds, comma-separated.
        kinds: String,
    },
    /// The title is blank.
    #[error("the title is empty; say in a few words what the record is about")]
    EmptyTitle,
    /// `--date` is not a date.
    #[error("--date `{0}` is not a date; write YYYY-MM-DD")]
    BadDate(String),
    /// `--supersedes` cannot be done, and why.
    #[error("{0}")]
    Refused(String),
    /// A front matter edit failed.
    #[error("{context}")]
    Edit {
        /// What was being edited.
        context: String,
        /// Why it failed.
        #[source]
        source: EditError,
    },
    /// A file is not UTF-8 text.
    #[error("{what}")]
    NotUtf8 {
        /// Which file.
        what: String,
        /// Where the bad bytes are.
        #[source]
        source: std::string::FromUtf8Error,
    },
    /// The custom template cannot be read.
    #[error("cannot use the template")]
    Template(#[source] ContainmentError),
    /// A folder could not be made, listed or cleaned up.
    #[error("{context}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// A path leads outside the repository.
    #[error(transparent)]
    Containment(#[from] ContainmentError),
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// Reading the repository failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// Today's date is not known.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl NewError {
    fn io(context: String, source: std::io::Error) -> NewError {
        NewError::Io { context, source }
    }
}

/// What to create.
pub struct Request<'a> {
    /// The kind's name.
    pub kind: &'a str,
    /// The title, as given.
    pub title: &'a str,
    /// The date to write (`YYYY-MM-DD`); today when `None`.
    pub date: Option<&'a str>,
    /// The id of a record the new one supersedes.
    pub supersedes: Option<&'a str>,
}

/// What was created.
#[derive(Clone, Debug)]
pub struct Created {
    /// The new record's file.
    pub path: PathBuf,
    /// Its id.
    pub id: String,
    /// The record it superseded, as edited.
    pub superseded: Option<Supersede>,
    /// The new file as the user should see it: relative to where cairn
    /// runs, when inside it.
    pub shown: String,
}

/// `cairn new` in `project`: creates the record `request` asks for, with
/// the repository's branches taking part in picking the id.
pub fn in_project(project: &Project, request: &Request<'_>) -> Result<Created, Error> {
    let mut created = create(project.workspace(), project.git(), request, &|| {
        project.today()
    })?;
    created.shown = project.shown(&created.path);
    Ok(created)
}

/// Creates the record `request` asks for in the workspace `ws` (whose
/// repository, if any, is `repo`: its branches take part in picking the
/// id, its `user.name` is the author). `today` is asked only when no date
/// is given.
pub fn create(
    ws: &Workspace,
    repo: Option<&Repo>,
    request: &Request<'_>,
    today: &dyn Fn() -> Result<time::Date, CalendarError>,
) -> Result<Created, NewError> {
    let kind = find_kind(ws, request.kind)?;
    let title = request.title.trim();
    if title.is_empty() {
        return Err(NewError::EmptyTitle);
    }
    let date = match request.date {
        Some(d) if calendar::is_date(d) => d.to_string(),
        Some(d) => return Err(NewError::BadDate(d.to_string())),
        None => calendar::format_date(today()?),
    };
    let snapshot =
        Loader::new(&ws.schema, &ws.root).load(&Source::Worktree, Select::All, "worktree")?;
    let superseding = match request.supersedes {
        Some(old) => Some(Supersede::plan(&ws.root, kind, &snapshot, old)?),
        None => None,
    };
    let template = load_template(&ws.root, kind)?;
    let author = repo.and_then(Repo::user_name);
    let mut number = next_number(kind, &snapshot, repo)?;
    let folder = ws.root.join(&kind.dir);
    // The folder may not exist yet; where it would be must be inside.
    containment::resolve(&ws.root, &folder)?;
    std::fs::create_dir_all(&folder)
        .map_err(|e| NewError::io(format!("cannot create `{}`", folder.display()), e))?;
    let slug = template::slug(title);
    loop {
        let id = kind.format_id(number);
        let name = if slug.is_empty() {
            format!("{id}.md")
        } else {
            format!("{id}-{slug}.md")
        };
        let path = folder.join(&name);
        let mut text = template::fill(
            &template,
            &Fill {
                id: &id,
                title,
                date: &date,
                author: author.as_deref(),
            },
        );
        let mut plan = write::Plan::new(&ws.root);
        if let Some(old) = &superseding {
            text = old.listed_in(&text)?;
            plan.replace(&old.path, old.text.as_bytes(), old.edited(&id)?.as_bytes());
        }
        plan.create(&path, text.as_bytes());
        // Another `cairn new` may pick the same number at the same moment
        // under another name. Whoever holds the number's claim (a folder
        // made atomically) checks that no file has the id yet and writes
        // its own; the others move on to the next number.
        let Some(claim) = Claim::take(&folder, &id)? else {
            number += 1;
            continue;
        };
        if rival_with_same_id(&folder, &id, &name)?.is_some() {
            claim.release()?;
            number += 1;
            continue;
        }
        // The old record's edit and the new record land together or not at all.
        let written = plan.apply();
        claim.release()?;
        match written {
            Ok(()) => {}
            Err(WriteError::Exists { .. }) => {
                number += 1;
                continue;
            }
            Err(err) => return Err(err.into()),
        }
        return Ok(Created {
            shown: path.display().to_string(),
            path,
            id,
            superseded: superseding,
        });
    }
}

fn find_kind<'w>(ws: &'w Workspace, name: &str) -> Result<&'w Kind, NewError> {
    if let Some(kind) = ws.schema.kind(name) {
        return Ok(kind);
    }
    let names: Vec<&str> = ws.schema.kinds.iter().map(|k| k.name.as_str()).collect();
    let hint = did_you_mean(name, names.iter().copied())
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    Err(NewError::UnknownKind {
        name: name.to_string(),
        hint,
        kinds: names.join(", "),
    })
}

/// The kind's template: `.cairn/templates/KIND.md` when present, else the
/// built-in one, else one made from the schema.
fn load_template(root: &Path, kind: &Kind) -> Result<String, NewError> {
    let custom = root.join(TEMPLATES_DIR).join(format!("{}.md", kind.name));
    if std::fs::symlink_metadata(&custom).is_ok() {
        let bytes =
            containment::read(root, &custom, MAX_RECORD_BYTES).map_err(NewError::Template)?;
        return String::from_utf8(bytes).map_err(|source| NewError::NotUtf8 {
            what: format!("the template `{}` is not UTF-8 text", custom.display()),
            source,
        });
    }
    Ok(template::builtin(&kind.name)
        .map(str::to_string)
        .unwrap_or_else(|| template::from_schema(kind)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    fn workspace(dir: &Path) -> Workspace {
        Workspace {
            root: dir.to_path_buf(),
            config_file: None,
            schema: config::builtin(),
        }
    }

    fn no_today() -> Result<time::Date, CalendarError> {
        panic!("today is not asked when a date is given")
    }

    #[test]
    fn creates_numbered_records_and_supersedes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = workspace(dir.path());
        let request = Request {
            kind: "decision",
            title: "Use AdamW",
            date: Some("2024-03-01"),
            supersedes: None,
        };
        let first = create(&ws, None, &request, &no_today).expect("create");
        assert_eq!(first.id, "DEC-0001");
        assert!(
            first
                .path
                .ends_with("research/decisions/DEC-0001-use-adamw.md")
        );
        let text = std::fs::read_to_string(&first.path).expect("read");
        assert!(text.contains("title: Use AdamW"), "{text}");
        assert!(text.contains("2024-03-01"), "{text}");
        let old = text.replace("status: proposed", "status: accepted");
        std::fs::write(&first.path, old).expect("accept");

        let second = create(
            &ws,
            None,
            &Request {
                title: "Use Lion",
                supersedes: Some("DEC-0001"),
                ..request
            },
            &no_today,
        )
        .expect("supersede");
        assert_eq!(second.id, "DEC-0002");
        let superseded = second.superseded.expect("superseded");
        assert_eq!(superseded.old_status, "accepted");
        let old = std::fs::read_to_string(&first.path).expect("read");
        assert!(old.contains("status: superseded"), "{old}");
        assert!(old.contains("superseded_by: DEC-0002"), "{old}");
    }

    #[test]
    fn refuses_bad_input_before_writing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = workspace(dir.path());
        let request = |kind, title, date| Request {
            kind,
            title,
            date,
            supersedes: None,
        };
        let message = |r: Request<'_>| {
            create(&ws, None, &r, &no_today)
                .expect_err("refused")
                .to_string()
        };
        assert!(
            message(request("decsion", "x", Some("2024-01-01")))
                .starts_with("unknown kind `decsion`; did you mean `decision`?")
        );
        assert_eq!(
            message(request("decision", "  ", Some("2024-01-01"))),
            "the title is empty; say in a few words what the record is about"
        );
        assert_eq!(
            message(request("decision", "x", Some("2024-02-30"))),
            "--date `2024-02-30` is not a date; write YYYY-MM-DD"
        );
        assert!(!dir.path().join("research").exists());
    }
}
