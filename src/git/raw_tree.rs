//! A reader of raw tree objects (`<mode> <name>\0<id>` entries), used to
//! compare two versions of a large folder without building a `git2::Tree`:
//! runs of identical bytes are skipped whole.

use git2::Oid;

use super::error::failed;
use super::tree::Node;
use super::{GitError, MODE_GITLINK, MODE_LINK, MODE_TREE};

/// One entry of a raw tree object: `<mode> <name>\0<id>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RawEntry<'a> {
    pub(super) mode: &'a [u8],
    pub(super) name: &'a [u8],
    pub(super) id: &'a [u8],
}

impl RawEntry<'_> {
    pub(super) fn is_tree(&self) -> bool {
        self.mode == b"40000"
    }

    pub(super) fn node(&self) -> Result<Node, GitError> {
        let mode = std::str::from_utf8(self.mode)
            .ok()
            .and_then(|m| i32::from_str_radix(m, 8).ok())
            .ok_or_else(|| GitError::Git {
                context: "reading a tree".into(),
                message: "a tree entry has no valid mode; run `git fsck`".into(),
            })?;
        // git writes 100664 and other legacy modes; treat them as git does.
        let mode = match mode {
            MODE_TREE | MODE_LINK | MODE_GITLINK | 0o100755 => mode,
            _ => 0o100644,
        };
        let id = Oid::from_bytes(self.id).map_err(|e| failed("reading a tree entry", &e))?;
        Ok(Node { id, mode })
    }
}

/// A cursor over the entries of a raw tree object.
pub(super) struct RawEntries<'a> {
    pub(super) data: &'a [u8],
    pub(super) at: usize,
    pub(super) oid_len: usize,
}

impl<'a> RawEntries<'a> {
    pub(super) fn new(data: &'a [u8], oid_len: usize) -> Self {
        RawEntries {
            data,
            at: 0,
            oid_len,
        }
    }

    /// The entry at the cursor, if any (a truncated entry ends the tree).
    pub(super) fn peek(&self) -> Option<RawEntry<'a>> {
        self.entry_at(self.at).map(|(entry, _)| entry)
    }

    pub(super) fn advance(&mut self) {
        self.at = self
            .entry_at(self.at)
            .map_or(self.data.len(), |(_, end)| end);
    }

    pub(super) fn entry_at(&self, at: usize) -> Option<(RawEntry<'a>, usize)> {
        let rest = self.data.get(at..)?;
        let space = memchr::memchr(b' ', rest)?;
        let nul = space + 1 + memchr::memchr(0, &rest[space + 1..])?;
        let end = nul + 1 + self.oid_len;
        let id = rest.get(nul + 1..end)?;
        Some((
            RawEntry {
                mode: &rest[..space],
                name: &rest[space + 1..nul],
                id,
            },
            at + end,
        ))
    }

    /// Moves both cursors past the whole entries they share, byte for byte.
    pub(super) fn skip_common_with(&mut self, other: &mut RawEntries<'a>) {
        let (a, b) = (&self.data[self.at..], &other.data[other.at..]);
        let same = common_prefix(a, b);
        if same == 0 {
            return;
        }
        // Whole entries only: stop at the last boundary inside the shared bytes.
        let start = self.at;
        while let Some((_, end)) = self.entry_at(self.at) {
            if end - start > same {
                break;
            }
            self.at = end;
        }
        other.at += self.at - start;
    }
}

/// How many leading bytes two slices share, compared a block at a time
/// (slice equality is a `memcmp`).
pub(super) fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 256;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= len && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..len]
        .iter()
        .zip(&b[at..len])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Git's order of tree entries: by name bytes, a folder's name compared
/// as if it ended in `/`.
pub(super) fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then_with(|| {
        let next = |name: &[u8], tree: bool| name.get(n).copied().or(tree.then_some(b'/'));
        next(a, a_tree).cmp(&next(b, b_tree))
    })
}
