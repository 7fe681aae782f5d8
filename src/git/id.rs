//! Object ids: the full hex id of a commit, tree or blob. The text inside
//! is private, so an id is only ever made by the repository from a real
//! object (`Repo::resolve` turns what a user typed into one).

use std::fmt;

use git2::Oid;

use super::GitError;

/// Hex object id of a commit, tree or blob.
///
/// Holds the full id: 40 lowercase hex characters (64 in a SHA-256
/// repository). Use [`Repo::resolve`](super::Repo::resolve) to turn a short id or a name into one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(String);

impl ObjectId {
    /// The abbreviated id (the first 7 hex characters), as `git log --oneline` shows it.
    pub fn short(&self) -> &str {
        self.0.get(..7).unwrap_or(&self.0)
    }

    /// The full hex id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id cairn wrote down itself (in its cache), read back: full
    /// lowercase hex only.
    pub fn from_stored(hex: &str) -> Option<ObjectId> {
        let full = matches!(hex.len(), 40 | 64)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        full.then(|| ObjectId(hex.to_string()))
    }

    /// An id from hex text, for tests of ids that name nothing.
    #[cfg(test)]
    pub(super) fn from_hex(hex: impl Into<String>) -> ObjectId {
        ObjectId(hex.into())
    }

    pub(super) fn from_oid(oid: Oid) -> ObjectId {
        ObjectId(oid.to_string())
    }

    /// The `git2` id, refusing anything but a full hex id: `Oid::from_str`
    /// would silently pad a prefix with zeros and look up the wrong object.
    pub(super) fn to_oid(&self) -> Result<Oid, GitError> {
        let full = matches!(self.0.len(), 40 | 64) && self.0.bytes().all(|b| b.is_ascii_hexdigit());
        let unknown = || GitError::UnknownRevision {
            rev: self.0.clone(),
        };
        if !full {
            return Err(unknown());
        }
        Oid::from_str(&self.0).map_err(|_| unknown())
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
