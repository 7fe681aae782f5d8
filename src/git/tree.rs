//! The files of a tree, and what changed between two trees.
//!
//! A diff descends only into subtrees whose ids differ, and compares large
//! folders through their raw tree objects (`raw_tree.rs`), so neighbouring
//! commits of a history walk cost little more than a few lookups.

use std::rc::Rc;

use git2::Oid;

use super::error::failed;
use super::raw_tree::{RawEntries, git_order};
use super::{GitError, MODE_GITLINK, MODE_LINK, MODE_TREE, ObjectId, Repo};

/// A file of a tree or of the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeFile {
    /// Repo-relative path with `/` separators (converted lossily if not UTF-8).
    pub path: String,
    /// The blob holding the file's bytes (a symlink's blob holds its target).
    pub blob: ObjectId,
    /// Whether the entry is a symbolic link.
    pub symlink: bool,
}

/// How a path changed between two trees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeStatus {
    /// The path exists only in the new tree.
    Added,
    /// The path exists only in the old tree.
    Deleted,
    /// The path exists in both with different content or mode.
    Modified,
}

/// One changed file between two trees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeChange {
    /// Whether the file was added, deleted or modified.
    pub status: ChangeStatus,
    /// Repo-relative path with `/` separators.
    pub path: String,
    /// The blob in the old tree (None when added).
    pub old_blob: Option<ObjectId>,
    /// The blob in the new tree (None when deleted).
    pub new_blob: Option<ObjectId>,
    /// Whether either side is a symbolic link (its blob holds the target).
    pub symlink: bool,
}

impl TreeChange {
    /// The file on the old side (None when added).
    pub fn old_file(&self) -> Option<TreeFile> {
        self.file(self.old_blob.as_ref())
    }

    /// The file on the new side (None when deleted).
    pub fn new_file(&self) -> Option<TreeFile> {
        self.file(self.new_blob.as_ref())
    }

    fn file(&self, blob: Option<&ObjectId>) -> Option<TreeFile> {
        Some(TreeFile {
            path: self.path.clone(),
            blob: blob?.clone(),
            symlink: self.symlink,
        })
    }
}

/// A tree entry: its object id and (normalised) mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Node {
    pub(super) id: Oid,
    pub(super) mode: i32,
}

impl Node {
    pub(super) fn is_tree(self) -> bool {
        self.mode == MODE_TREE
    }

    pub(super) fn is_gitlink(self) -> bool {
        self.mode == MODE_GITLINK
    }
}

/// A changed leaf (file, symlink or submodule) found by [`Repo::diff_nodes`].
pub(super) struct RawChange {
    pub(super) path: String,
    pub(super) old: Option<Node>,
    pub(super) new: Option<Node>,
}

impl Repo {
    /// Every blob (and symlink) under the given directory prefixes of the
    /// commit's tree, recursively, sorted by path.
    ///
    /// `dirs` are repo-relative folder paths without trailing slash; `""` or
    /// `"."` (or an empty slice) means the whole tree. A prefix that does not
    /// exist yields nothing; a prefix that names a file yields that file.
    /// Submodules are skipped.
    pub fn tree_files(
        &self,
        commit: &ObjectId,
        dirs: &[String],
    ) -> Result<Vec<TreeFile>, GitError> {
        let root = self.root_tree(commit)?;
        let mut files = Vec::new();
        for dir in normalize_dirs(dirs) {
            if let Some(node) = self.node_at(root, &dir)? {
                self.collect_files(dir, node, &mut files)?;
            } else if let Some(link) = self.link_above(root, &dir)? {
                // A folder above `dir` is a symlink: the link itself is
                // listed, as a kind folder that is a link would be, so the
                // reader reports it instead of finding no records.
                files.push(link);
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        Ok(files)
    }

    /// The first folder on the way from the root to `dir` that the tree
    /// holds as a symlink, if any.
    fn link_above(&self, root: Oid, dir: &str) -> Result<Option<TreeFile>, GitError> {
        let mut end = 0;
        while let Some(slash) = dir[end..].find('/') {
            end += slash;
            let above = &dir[..end];
            match self.node_at(root, above)? {
                Some(node) if node.mode == MODE_LINK => {
                    return Ok(Some(TreeFile {
                        path: above.to_owned(),
                        blob: ObjectId::from_oid(node.id),
                        symlink: true,
                    }));
                }
                Some(node) if node.mode == MODE_TREE => end += 1,
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Whether `path` (a file or folder) exists in the commit's tree.
    pub fn exists_in_commit(&self, commit: &ObjectId, path: &str) -> Result<bool, GitError> {
        let root = self.root_tree(commit)?;
        let path = normalize_dir(path);
        Ok(self.node_at(root, &path)?.is_some())
    }

    /// The folders [`Repo::tree_files`] would list for `dirs` (normalised:
    /// sorted, none inside another, `""` for the whole tree), each with the
    /// id of its tree in the commit — None where the commit holds no folder
    /// there (absent, a file, or below a symlink). Listing each folder with
    /// `tree_files` gives, together, what listing them all at once gives.
    pub fn folder_ids(
        &self,
        commit: &ObjectId,
        dirs: &[String],
    ) -> Result<Vec<(String, Option<ObjectId>)>, GitError> {
        let root = self.root_tree(commit)?;
        normalize_dirs(dirs)
            .into_iter()
            .map(|dir| {
                let node = self.node_at(root, &dir)?;
                let tree = node
                    .filter(|n| n.is_tree())
                    .map(|n| ObjectId::from_oid(n.id));
                Ok((dir, tree))
            })
            .collect()
    }

    /// What changed between two commits' trees under `dirs` (all of the tree
    /// when `dirs` is empty), sorted by path.
    ///
    /// `old` None means the empty tree (for a root commit). Subtrees with
    /// equal ids are skipped without being read, so comparing neighbouring
    /// commits costs little more than a few tree lookups. No rename
    /// detection; submodules are skipped.
    pub fn diff_commits(
        &self,
        old: Option<&ObjectId>,
        new: &ObjectId,
        dirs: &[String],
    ) -> Result<Vec<TreeChange>, GitError> {
        Ok(tree_changes(self.diff_raw(old, new, dirs)?))
    }

    /// [`Repo::diff_commits`] for each pair of commits, in the pairs'
    /// order, compared on every core, the threads side by side in runs of
    /// 32 pairs ([`Repo::abreast`]).
    pub fn diff_commits_each(
        &self,
        pairs: &[(Option<&ObjectId>, &ObjectId)],
        dirs: &[String],
    ) -> Result<Vec<Vec<TreeChange>>, GitError> {
        let roots = pairs
            .iter()
            .map(|(old, new)| {
                Ok((
                    old.map(|id| self.root_tree(id)).transpose()?,
                    self.root_tree(new)?,
                ))
            })
            .collect::<Result<Vec<_>, GitError>>()?;
        let dirs = normalize_dirs(dirs);
        self.abreast(&roots, 32, |repo, &(old, new)| {
            Ok(tree_changes(repo.diff_roots(old, new, &dirs)?))
        })
    }

    /// What changed at exactly these file paths between two commits, as
    /// `git log -- <path>` asks it; sorted by path.
    ///
    /// Each path is looked up a folder at a time in raw tree objects,
    /// stopping as soon as both sides share a folder, so a commit that did
    /// not touch the path's folders costs a few lookups, and a large folder
    /// is searched for the one name rather than read entry by entry.
    pub fn path_changes(
        &self,
        old: Option<&ObjectId>,
        new: &ObjectId,
        paths: &[String],
    ) -> Result<Vec<TreeChange>, GitError> {
        let old_root = old.map(|id| self.root_tree(id)).transpose()?;
        let new_root = self.root_tree(new)?;
        let mut out = Vec::new();
        if old_root == Some(new_root) {
            return Ok(out);
        }
        let tree = |id| Node {
            id,
            mode: MODE_TREE,
        };
        for path in paths {
            let mut old_node = old_root.map(tree);
            let mut new_node = Some(tree(new_root));
            for name in path.split('/').filter(|n| !n.is_empty()) {
                if old_node == new_node {
                    break;
                }
                old_node = self.raw_child(old_node, name)?;
                new_node = self.raw_child(new_node, name)?;
            }
            let leaf = |n: Option<Node>| n.filter(|n| !n.is_tree() && !n.is_gitlink());
            let (old_leaf, new_leaf) = (leaf(old_node), leaf(new_node));
            if old_leaf == new_leaf {
                continue;
            }
            let link = |n: &Option<Node>| n.as_ref().is_some_and(|n| n.mode == MODE_LINK);
            out.push(TreeChange {
                status: match (&old_leaf, &new_leaf) {
                    (None, _) => ChangeStatus::Added,
                    (_, None) => ChangeStatus::Deleted,
                    _ => ChangeStatus::Modified,
                },
                path: path.clone(),
                symlink: link(&old_leaf) || link(&new_leaf),
                old_blob: old_leaf.map(|n| ObjectId::from_oid(n.id)),
                new_blob: new_leaf.map(|n| ObjectId::from_oid(n.id)),
            });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// [`Repo::diff_commits`] for many `(old, new)` pairs, in parallel, in
    /// the order given.
    ///
    /// Each worker opens its own handle and takes a contiguous run of
    /// pairs, so that neighbouring commits of a history walk share the
    /// trees they have in common through that handle's cache.
    pub fn diff_many(
        &self,
        pairs: &[(Option<ObjectId>, ObjectId)],
        dirs: &[String],
    ) -> Result<Vec<Vec<TreeChange>>, GitError> {
        self.in_parallel(pairs, 8, |repo, (old, new)| {
            repo.diff_commits(old.as_ref(), new, dirs)
        })
    }

    /// Paths that differ between two commits (all of the tree, submodules
    /// included), sorted.
    pub fn changed_paths(&self, old: &ObjectId, new: &ObjectId) -> Result<Vec<String>, GitError> {
        let raw = self.diff_raw(Some(old), new, &[])?;
        Ok(raw.into_iter().map(|change| change.path).collect())
    }

    /// The entry `name` of the folder `node`, found in its raw tree object;
    /// None when `node` is absent or not a folder, or has no such entry.
    fn raw_child(&self, node: Option<Node>, name: &str) -> Result<Option<Node>, GitError> {
        let Some(node) = node.filter(|n| n.is_tree()) else {
            return Ok(None);
        };
        let raw = self.raw_tree(node.id)?;
        let oid_len = node.id.as_bytes().len();
        // An entry is `<mode> <name>\0<id>`: search for ` name\0`, and
        // take a match only where an entry starts with its mode.
        let mut pattern = Vec::with_capacity(name.len() + 2);
        pattern.push(b' ');
        pattern.extend_from_slice(name.as_bytes());
        pattern.push(0);
        for at in memchr::memmem::find_iter(&raw, &pattern) {
            // A folder's mode is `40000`, a file's six octal digits from
            // `1`; an entry starts the tree or follows the previous one's
            // id. Should both readings fit (an id's bytes can look like
            // anything), the entries are walked from the start instead.
            let fits = |len: usize| {
                at.checked_sub(len).filter(|&start| {
                    let mode = &raw[start..at];
                    let valid = if len == 5 {
                        mode == b"40000"
                    } else {
                        mode.iter().all(|b| (b'0'..=b'7').contains(b))
                    };
                    valid && (start == 0 || (start > oid_len && raw[start - oid_len - 1] == 0))
                })
            };
            let start = match (fits(5), fits(6)) {
                (Some(start), None) | (None, Some(start)) => start,
                (None, None) => continue,
                (Some(_), Some(_)) => {
                    let mut entries = RawEntries::new(&raw, oid_len);
                    while let Some(entry) = entries.peek() {
                        if entry.name == name.as_bytes() {
                            return Ok(Some(entry.node()?));
                        }
                        entries.advance();
                    }
                    return Ok(None);
                }
            };
            if let Some(entry) = RawEntries::new(&raw[start..], oid_len).peek() {
                return Ok(Some(entry.node()?));
            }
        }
        Ok(None)
    }

    pub(super) fn find_tree(&self, oid: Oid) -> Result<git2::Tree<'_>, GitError> {
        self.repo
            .find_tree(oid)
            .map_err(|e| self.object_error(&e, format!("reading tree `{oid}`"), "tree", Some(oid)))
    }

    /// A tree object's raw bytes, from the small cache of recent ones or the
    /// object database.
    pub(super) fn raw_tree(&self, oid: Oid) -> Result<Rc<[u8]>, GitError> {
        const KEEP: usize = 16;
        if let Some((_, bytes)) = self.raw_trees.borrow().iter().find(|(id, _)| *id == oid) {
            return Ok(Rc::clone(bytes));
        }
        let odb = self
            .repo
            .odb()
            .map_err(|e| failed("opening the object database", &e))?;
        let object = odb.read(oid).map_err(|e| {
            self.object_error(&e, format!("reading tree `{oid}`"), "tree", Some(oid))
        })?;
        if object.kind() != git2::ObjectType::Tree {
            // A folder entry naming something else: libgit2's own tree
            // lookup says what is wrong.
            self.find_tree(oid)?;
        }
        let bytes: Rc<[u8]> = Rc::from(object.data());
        let mut cache = self.raw_trees.borrow_mut();
        if cache.len() >= KEEP {
            cache.remove(0);
        }
        cache.push((oid, Rc::clone(&bytes)));
        Ok(bytes)
    }

    /// The entry at `path` under the tree `root` (the root itself for an
    /// empty path); None when some part of the path is absent or not a
    /// folder. Looked up a folder at a time in raw tree objects, through
    /// the few last ones kept: a walk asks for the same folders of each
    /// commit, and the folders near the root rarely change.
    pub(super) fn node_at(&self, root: Oid, path: &str) -> Result<Option<Node>, GitError> {
        let mut node = Some(Node {
            id: root,
            mode: MODE_TREE,
        });
        for name in path.split('/').filter(|n| !n.is_empty()) {
            node = self.raw_child(node, name)?;
        }
        Ok(node)
    }

    /// Appends every file under `node` (itself, if it is a file) to `out`.
    pub(super) fn collect_files(
        &self,
        path: String,
        node: Node,
        out: &mut Vec<TreeFile>,
    ) -> Result<(), GitError> {
        let mut stack = vec![(path, node)];
        while let Some((path, node)) = stack.pop() {
            match node.mode {
                MODE_TREE => {
                    for entry in self.find_tree(node.id)?.iter() {
                        let child = join(&path, entry.name_bytes());
                        stack.push((
                            child,
                            Node {
                                id: entry.id(),
                                mode: entry.filemode(),
                            },
                        ));
                    }
                }
                MODE_GITLINK => {}
                mode => out.push(TreeFile {
                    path,
                    blob: ObjectId::from_oid(node.id),
                    symlink: mode == MODE_LINK,
                }),
            }
        }
        Ok(())
    }

    /// Every changed leaf between two commits under `dirs`, sorted by path.
    pub(super) fn diff_raw(
        &self,
        old: Option<&ObjectId>,
        new: &ObjectId,
        dirs: &[String],
    ) -> Result<Vec<RawChange>, GitError> {
        let old_root = old.map(|id| self.root_tree(id)).transpose()?;
        let new_root = self.root_tree(new)?;
        self.diff_roots(old_root, new_root, &normalize_dirs(dirs))
    }

    /// [`Repo::diff_raw`] from the two root trees, `dirs` normalized.
    fn diff_roots(
        &self,
        old_root: Option<Oid>,
        new_root: Oid,
        dirs: &[String],
    ) -> Result<Vec<RawChange>, GitError> {
        let mut out = Vec::new();
        if old_root == Some(new_root) {
            return Ok(out);
        }
        // The folders usually share a parent (`research`): when it did not
        // change, none of them did — the common case of a code-only commit.
        if let (Some(old_root), Some(parent)) = (old_root, common_parent(dirs)) {
            if self.node_at(old_root, &parent)? == self.node_at(new_root, &parent)? {
                return Ok(out);
            }
        }
        for dir in dirs {
            let old_node = match old_root {
                Some(root) => self.node_at(root, dir)?,
                None => None,
            };
            let new_node = self.node_at(new_root, dir)?;
            self.diff_nodes(dir, old_node, new_node, &mut out)?;
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Compares two entries at the same path, descending only into subtrees
    /// whose ids differ.
    pub(super) fn diff_nodes(
        &self,
        path: &str,
        old: Option<Node>,
        new: Option<Node>,
        out: &mut Vec<RawChange>,
    ) -> Result<(), GitError> {
        if old == new {
            return Ok(());
        }
        let old_tree = old.filter(|n| n.is_tree());
        let new_tree = new.filter(|n| n.is_tree());
        if old_tree.is_some() || new_tree.is_some() {
            let old_raw = old_tree.map(|n| self.raw_tree(n.id)).transpose()?;
            let new_raw = new_tree.map(|n| self.raw_tree(n.id)).transpose()?;
            let oid_len = old_tree.or(new_tree).map_or(20, |n| n.id.as_bytes().len());
            let mut a = RawEntries::new(old_raw.as_deref().unwrap_or_default(), oid_len);
            let mut b = RawEntries::new(new_raw.as_deref().unwrap_or_default(), oid_len);
            // Both trees list their entries in git's order. Most entries of
            // a large folder are the same between neighbouring commits: skip
            // identical runs of bytes whole, then walk the entries side by
            // side and build a path only where the two differ.
            loop {
                a.skip_common_with(&mut b);
                match (a.peek(), b.peek()) {
                    (None, None) => break,
                    (Some(o), Some(n)) if o.name == n.name && o.is_tree() == n.is_tree() => {
                        if o != n {
                            self.diff_nodes(
                                &join(path, o.name),
                                Some(o.node()?),
                                Some(n.node()?),
                                out,
                            )?;
                        }
                        a.advance();
                        b.advance();
                    }
                    (Some(o), n)
                        if n.is_none_or(|n| {
                            git_order(o.name, o.is_tree(), n.name, n.is_tree()).is_lt()
                        }) =>
                    {
                        self.diff_nodes(&join(path, o.name), Some(o.node()?), None, out)?;
                        a.advance();
                    }
                    (_, Some(n)) => {
                        self.diff_nodes(&join(path, n.name), None, Some(n.node()?), out)?;
                        b.advance();
                    }
                    (Some(_), None) => unreachable!("handled by the arm above"),
                }
            }
        }
        let old_leaf = old.filter(|n| !n.is_tree());
        let new_leaf = new.filter(|n| !n.is_tree());
        if old_leaf != new_leaf {
            out.push(RawChange {
                path: path.to_owned(),
                old: old_leaf,
                new: new_leaf,
            });
        }
        Ok(())
    }
}

/// `dir/name`, or `name` at the root.
pub(super) fn join(dir: &str, name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    if dir.is_empty() {
        name.into_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether `path` is `dir` or inside it (`""` holds everything).
pub(super) fn is_under(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A repo-relative folder path with `./` prefixes and trailing slashes removed; `.` becomes `""`.
pub(super) fn normalize_dir(dir: &str) -> String {
    let mut dir = dir.trim_end_matches('/');
    while let Some(rest) = dir.strip_prefix("./") {
        dir = rest.trim_start_matches('/');
    }
    if dir == "." {
        String::new()
    } else {
        dir.to_owned()
    }
}

/// The deepest folder that holds every one of `dirs`, if it is not the root.
pub(super) fn common_parent(dirs: &[String]) -> Option<String> {
    let first: Vec<&str> = dirs.first()?.split('/').collect();
    let shared = dirs.iter().skip(1).fold(first.len(), |n, dir| {
        first
            .iter()
            .zip(dir.split('/'))
            .take(n)
            .take_while(|(a, b)| **a == *b)
            .count()
    });
    (shared > 0).then(|| first[..shared].join("/"))
}

/// Normalised, sorted prefixes with those inside another removed; an empty
/// list, or one holding the root, is the root alone.
pub(super) fn normalize_dirs(dirs: &[String]) -> Vec<String> {
    let mut dirs: Vec<String> = dirs.iter().map(|d| normalize_dir(d)).collect();
    if dirs.is_empty() || dirs.iter().any(String::is_empty) {
        return vec![String::new()];
    }
    dirs.sort();
    dirs.dedup();
    let mut kept: Vec<String> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        // Sorted order puts `a` before `a/b`, but `a-b` may sit between them:
        // check every kept prefix, not only the last.
        if !kept.iter().any(|k| is_under(&dir, k)) {
            kept.push(dir);
        }
    }
    kept
}

/// The blob-level changes among raw changes: submodules dropped, a symlink
/// on either side marked.
fn tree_changes(raw: Vec<RawChange>) -> Vec<TreeChange> {
    raw.into_iter()
        .filter_map(|change| {
            let link = |n: &Option<Node>| n.as_ref().is_some_and(|n| n.mode == MODE_LINK);
            let symlink = link(&change.old) || link(&change.new);
            let old_blob = change
                .old
                .filter(|n| !n.is_gitlink())
                .map(|n| ObjectId::from_oid(n.id));
            let new_blob = change
                .new
                .filter(|n| !n.is_gitlink())
                .map(|n| ObjectId::from_oid(n.id));
            let status = match (&old_blob, &new_blob) {
                (None, None) => return None,
                (None, Some(_)) => ChangeStatus::Added,
                (Some(_), None) => ChangeStatus::Deleted,
                (Some(_), Some(_)) => ChangeStatus::Modified,
            };
            Some(TreeChange {
                status,
                path: change.path,
                old_blob,
                new_blob,
                symlink,
            })
        })
        .collect()
}
