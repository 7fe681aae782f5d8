//! What can go wrong reading the repository, each message saying what to
//! do about it, and the mapping from `git2`'s errors to it.

use std::path::PathBuf;

use git2::{ErrorClass, ErrorCode, Oid};

/// Why a git operation failed; each message says what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository contains the folder.
    #[error("`{}` is not inside a git repository; run cairn inside one, or use `git init`", path.display())]
    NotARepository {
        /// The folder the search started from.
        path: PathBuf,
    },
    /// The revision names nothing in the repository.
    #[error("unknown revision `{rev}`; check the name with `git rev-parse {rev}`")]
    UnknownRevision {
        /// The revision as the user wrote it.
        rev: String,
    },
    /// HEAD is unborn: there is no commit to read.
    #[error(
        "the repository has no commits yet (HEAD is unborn); commit first, or run cairn without a revision"
    )]
    EmptyRepository,
    /// The revision or history lies behind the boundary of a shallow clone.
    #[error(
        "`{rev}` needs history this shallow clone does not have; fetch the history with `git fetch --unshallow` (in GitHub Actions, set `fetch-depth: 0` on actions/checkout)"
    )]
    Shallow {
        /// The revision (or `A...B` for a merge base) that needs the missing history.
        rev: String,
    },
    /// An object is absent from the object database, as in a partial clone.
    #[error(
        "this looks like a partial clone missing {what} `{id}`; run `git fetch --refetch` or clone without `--filter`"
    )]
    MissingObject {
        /// The hex id of the missing object.
        id: String,
        /// What the object is: `blob`, `tree` or `commit`.
        what: String,
    },
    /// The operation needs a work tree or an index, and the repository is bare.
    #[error(
        "the repository is bare and has no work tree; run cairn in a checkout, or name a revision to read"
    )]
    BareRepository,
    /// Any other git failure.
    #[error("{context}: {message}")]
    Git {
        /// What was being done, e.g. "reading the index".
        context: String,
        /// What git said, on one line.
        message: String,
    },
}

/// A [`GitError::Git`] carrying `context` and git's message.
pub(super) fn failed(context: impl Into<String>, e: &git2::Error) -> GitError {
    GitError::Git {
        context: context.into(),
        message: one_line(e.message()),
    }
}

/// Joins a message's lines so an error prints on one line.
pub(super) fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The object id libgit2 names in a "not found" message, or `unknown`.
pub(super) fn missing_id_from_message(message: &str) -> String {
    message
        .split(|c: char| !c.is_ascii_hexdigit())
        .find(|word| word.len() >= 7)
        .map_or_else(|| "unknown".to_owned(), str::to_owned)
}

/// A failed object read as a [`GitError`]: a missing object (a partial
/// clone) is `MissingObject`, anything else a `Git` error with `context`.
pub(super) fn object_error(
    e: &git2::Error,
    context: String,
    what: &str,
    id: Option<Oid>,
) -> GitError {
    if e.code() == ErrorCode::NotFound && e.class() == ErrorClass::Odb {
        let id = id.map_or_else(
            || missing_id_from_message(e.message()),
            |oid| oid.to_string(),
        );
        return GitError::MissingObject {
            id,
            what: what.to_owned(),
        };
    }
    failed(context, e)
}
