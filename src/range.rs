//! Revision ranges, read as git reads them and resolved once, here: `A`,
//! `A..B`, `A...B` (from the merge base of A and B), and the merge base a
//! `validate --base` check starts from. Parsing ([`Range::parse`]) is one
//! linear scan; the sides are resolved by the git module, which refuses
//! what is not a revision. `diff`, `summary --range` and `validate --base`
//! all go through these functions.

use crate::git::{GitError, ObjectId, Repo};
use crate::snapshot::Source;

/// A two-sided revision range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range<'a> {
    /// The older side (`HEAD` when written empty).
    pub from: &'a str,
    /// The newer side (`HEAD` when written empty).
    pub to: &'a str,
    /// Three dots: compare from the merge base of both sides.
    pub merge_base: bool,
}

impl<'a> Range<'a> {
    /// Reads `A..B` or `A...B`; an empty side is `HEAD`. `None` when `spec`
    /// is a single revision.
    pub fn parse(spec: &'a str) -> Option<Range<'a>> {
        let (from, to, merge_base) = match spec.split_once("...") {
            Some((a, b)) => (a, b, true),
            None => {
                let (a, b) = spec.split_once("..")?;
                (a, b, false)
            }
        };
        Some(Range {
            from: or_head(from),
            to: or_head(to),
            merge_base,
        })
    }
}

fn or_head(side: &str) -> &str {
    if side.is_empty() { "HEAD" } else { side }
}

/// Why a range could not be resolved; each message says how to write it.
#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    /// `--cached` was given with two revisions.
    #[error("--cached compares one revision with the index; {0}")]
    CachedTwo(String),
    /// More than two revisions.
    #[error("give at most two revisions (`cairn diff A B`)")]
    TooMany,
    /// A single revision where a range is needed.
    #[error("`{0}` is not a range; write it as A..B or A...B")]
    NotARange(String),
    /// A revision git cannot resolve.
    #[error(transparent)]
    Git(#[from] GitError),
}

/// A comparison: an earlier commit and a later side, with both as the user
/// named them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// The earlier side as given (`HEAD`, a revision, or `A...B`).
    pub from: String,
    /// Its commit (the merge base for `A...B`).
    pub old: ObjectId,
    /// The later side as given (`worktree`, `index` or a revision).
    pub to: String,
    /// What the later side is.
    pub new: Source,
}

/// The span `cairn diff` compares, from its revision arguments as git
/// reads them: none is HEAD against the working tree, `REV` is REV against
/// the working tree, `A B` and `A..B` compare two commits, `A...B` the merge
/// base of A and B with B; `cached` puts the index in place of the
/// working tree.
pub fn diff_span(repo: &Repo, revs: &[String], cached: bool) -> Result<Span, RangeError> {
    let checkout = || {
        if cached {
            ("index".to_string(), Source::Index)
        } else {
            ("worktree".to_string(), Source::Worktree)
        }
    };
    let two = |a: &str, b: &str| -> Result<Span, RangeError> {
        if cached {
            return Err(RangeError::CachedTwo("give at most one revision".into()));
        }
        Ok(Span {
            from: a.to_string(),
            old: repo.resolve(a)?,
            to: b.to_string(),
            new: Source::Commit(repo.resolve(b)?),
        })
    };
    match revs {
        [] => {
            let (to, new) = checkout();
            Ok(Span {
                from: "HEAD".to_string(),
                old: repo.resolve("HEAD")?,
                to,
                new,
            })
        }
        [one] => match Range::parse(one) {
            Some(Range {
                merge_base: true, ..
            }) if cached => Err(RangeError::CachedTwo(format!("`{one}` names two"))),
            Some(Range {
                from,
                to,
                merge_base: true,
            }) => {
                let head = repo.resolve(to)?;
                Ok(Span {
                    from: one.clone(),
                    old: repo.merge_base(&repo.resolve(from)?, &head)?,
                    to: to.to_string(),
                    new: Source::Commit(head),
                })
            }
            Some(Range { from, to, .. }) => two(from, to),
            None => {
                let (to, new) = checkout();
                Ok(Span {
                    from: one.clone(),
                    old: repo.resolve(one)?,
                    to,
                    new,
                })
            }
        },
        [a, b] => two(a, b),
        _ => Err(RangeError::TooMany),
    }
}

/// The commits of `A..B` (A and B) or `A...B` (their merge base and B),
/// as `summary --range` reads them: the earlier commit, the later one, and
/// the later side as written.
pub fn commits<'s>(
    repo: &Repo,
    spec: &'s str,
) -> Result<(ObjectId, ObjectId, &'s str), RangeError> {
    let range = Range::parse(spec).ok_or_else(|| RangeError::NotARange(spec.to_string()))?;
    let from = repo.resolve(range.from)?;
    let to = repo.resolve(range.to)?;
    let from = if range.merge_base {
        repo.merge_base(&from, &to)?
    } else {
        from
    };
    Ok((from, to, range.to))
}

/// The commits a `validate --base BASE` check compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base {
    /// BASE's commit.
    pub base: ObjectId,
    /// The head's commit: the revision checked, or HEAD under the working
    /// tree or the index.
    pub head: ObjectId,
    /// The merge base of the two.
    pub merge_base: ObjectId,
}

/// Resolves `validate --base BASE` against the head (`head` a revision,
/// or HEAD under the working tree or the index when `None`).
pub fn base(repo: &Repo, base_rev: &str, head: Option<&str>) -> Result<Base, GitError> {
    let base = repo.resolve(base_rev)?;
    let head = match head {
        None => repo.head()?,
        Some(rev) => repo.resolve(rev)?,
    };
    let merge_base = repo.merge_base(&base, &head)?;
    Ok(Base {
        base,
        head,
        merge_base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_and_three_dots() {
        let r = |from, to, merge_base| {
            Some(Range {
                from,
                to,
                merge_base,
            })
        };
        assert_eq!(Range::parse("main..topic"), r("main", "topic", false));
        assert_eq!(Range::parse("main...topic"), r("main", "topic", true));
        assert_eq!(Range::parse("..topic"), r("HEAD", "topic", false));
        assert_eq!(Range::parse("main..."), r("main", "HEAD", true));
        assert_eq!(Range::parse("HEAD~2"), None);
        assert_eq!(Range::parse("a....b"), r("a", ".b", true));
    }
}
