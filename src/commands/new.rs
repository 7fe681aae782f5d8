//! `cairn new KIND TITLE`: create a record from its template with the next
//! free id, and with `--supersedes` mark the old decision superseded.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use cairn::config::{TEMPLATES_DIR, Workspace};
use cairn::containment;
use cairn::diagnostic::{did_you_mean, did_you_mean_id};
use cairn::edit;
use cairn::git::Repo;
use cairn::record::{MAX_RECORD_BYTES, Record};
use cairn::schema::Kind;
use cairn::snapshot::{Loader, Select, Snapshot, Source};
use cairn::template::{self, Fill};
use cairn::value::Value;
use cairn::write::{self, WriteError};

use super::{Ctx, Outcome};
use crate::cli::NewArgs;

/// Runs `cairn new`.
pub(crate) fn run(ctx: &Ctx, args: &NewArgs, out: &mut dyn Write) -> Result<Outcome> {
    let ws = ctx.workspace()?;
    let kind = find_kind(&ws, &args.kind)?;
    let title = args.title.trim();
    if title.is_empty() {
        bail!("the title is empty; say in a few words what the record is about");
    }
    let date = match &args.date {
        Some(d) if cairn::check::record::is_date(d) => d.clone(),
        Some(d) => bail!("--date `{d}` is not a date; write YYYY-MM-DD"),
        None => cairn::calendar::format_date(ctx.today()?),
    };
    let repo = Repo::discover(&ws.root).ok();
    let snapshot =
        Loader::new(&ws.schema, &ws.root).load(&Source::Worktree, Select::All, "worktree")?;
    let superseding = match &args.supersedes {
        Some(old) => Some(prepare_supersede(&ws, kind, &snapshot, old)?),
        None => None,
    };
    let template = load_template(&ws.root, kind)?;
    let author = repo.as_ref().and_then(Repo::user_name);
    let mut number = next_number(kind, &snapshot, repo.as_ref())?;
    let folder = ws.root.join(&kind.dir);
    // The folder may not exist yet; where it would be must be inside.
    containment::resolve(&ws.root, &folder)?;
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create `{}`", folder.display()))?;
    let slug = template::slug(title);
    let path = loop {
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
            text = edit::set(
                &text,
                &old.list_key,
                &Value::List(vec![Value::String(old.old_id.clone())]),
                Some("status"),
            )
            .with_context(|| format!("cannot add `{}` to the template", old.list_key))?;
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
        break path;
    };
    let new_id = kind.format_id(number);
    if let Some(plan) = superseding {
        // stdout carries only the new path, for `$EDITOR "$(cairn new …)"`.
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "{}: status {} → {}, {}: {new_id}",
                plan.old_id, plan.old_status, plan.status, plan.back_key
            );
        }
        writeln!(out, "{}", shown(ctx, &path))?;
    } else {
        writeln!(out, "{}", shown(ctx, &path))?;
    }
    Ok(Outcome::Clean)
}

fn find_kind<'w>(ws: &'w Workspace, name: &str) -> Result<&'w Kind> {
    if let Some(kind) = ws.schema.kind(name) {
        return Ok(kind);
    }
    let names: Vec<&str> = ws.schema.kinds.iter().map(|k| k.name.as_str()).collect();
    let hint = did_you_mean(name, names.iter().copied())
        .map(|s| format!("did you mean `{s}`? "))
        .unwrap_or_default();
    bail!(
        "unknown kind `{name}`; {hint}the kinds are: {}",
        names.join(", ")
    )
}

fn load_template(root: &Path, kind: &Kind) -> Result<String> {
    let custom = root.join(TEMPLATES_DIR).join(format!("{}.md", kind.name));
    if std::fs::symlink_metadata(&custom).is_ok() {
        let bytes = containment::read(root, &custom, MAX_RECORD_BYTES)
            .context("cannot use the template")?;
        return String::from_utf8(bytes)
            .with_context(|| format!("the template `{}` is not UTF-8 text", custom.display()));
    }
    Ok(template::builtin(&kind.name)
        .map(str::to_string)
        .unwrap_or_else(|| template::from_schema(kind)))
}

/// One past the highest number of the kind in the working tree and in the
/// trees of every local and remote-tracking branch.
fn next_number(kind: &Kind, snapshot: &Snapshot, repo: Option<&Repo>) -> Result<u64> {
    let mut highest = 0;
    let mut see = |text: &str| {
        if let Some(n) = kind.number_in(text) {
            highest = highest.max(n);
        }
    };
    for record in &snapshot.records {
        if record.kind == kind.name {
            if let Some(id) = &record.id {
                see(id);
            }
            see(file_name(&record.path));
        }
    }
    for broken in &snapshot.broken {
        see(file_name(&broken.path));
    }
    if let Some(repo) = repo {
        let dirs = vec![kind.dir.clone()];
        let mut tips: Vec<_> = repo.branch_tips()?.into_iter().map(|(_, id)| id).collect();
        tips.sort();
        tips.dedup();
        for tip in tips {
            for file in repo.tree_files(&tip, &dirs)? {
                see(file_name(&file.path));
            }
        }
    }
    Ok(highest + 1)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn rival_with_same_id(folder: &Path, id: &str, ours: &str) -> Result<Option<String>> {
    let mut rival = None;
    for entry in
        std::fs::read_dir(folder).with_context(|| format!("cannot list `{}`", folder.display()))?
    {
        let name = entry
            .with_context(|| format!("cannot list `{}`", folder.display()))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        let same = name
            .strip_prefix(id)
            .is_some_and(|r| r.starts_with('-') || r == ".md");
        if same && name != ours && name.ends_with(".md") {
            rival = Some(rival.map_or(name.clone(), |r: String| r.min(name)));
        }
    }
    Ok(rival)
}

/// The exclusive right to write a record with one id, held while checking
/// for and writing it: a hidden folder `.ID.cairn-claim` beside the records.
struct Claim {
    path: PathBuf,
}

impl Claim {
    /// A claim older than this was left by a process that died; it is taken over.
    const STALE: std::time::Duration = std::time::Duration::from_secs(60);

    /// Takes the claim on `id`, or `None` when another process holds it.
    fn take(folder: &Path, id: &str) -> Result<Option<Claim>> {
        let path = folder.join(format!(".{id}.cairn-claim"));
        for _ in 0..2 {
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Some(Claim { path })),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    let stale = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age > Claim::STALE);
                    if !stale {
                        return Ok(None);
                    }
                    let _ = std::fs::remove_dir(&path);
                }
                Err(err) => {
                    return Err(err).with_context(|| format!("cannot create `{}`", path.display()));
                }
            }
        }
        Ok(None)
    }

    fn release(self) -> Result<()> {
        std::fs::remove_dir(&self.path)
            .with_context(|| format!("cannot remove `{}`", self.path.display()))
    }
}

/// What `--supersedes` will change in the old record, worked out before
/// anything is written.
struct Supersede {
    old_id: String,
    old_status: String,
    path: PathBuf,
    shown: String,
    text: String,
    status_key: String,
    status: String,
    back_key: String,
    list_key: String,
}

impl Supersede {
    /// The old record's text, marked superseded by `new_id`.
    fn edited(&self, new_id: &str) -> Result<String> {
        edit::set_all(
            &self.text,
            &[
                (self.status_key.as_str(), Value::String(self.status.clone())),
                (self.back_key.as_str(), Value::String(new_id.to_string())),
            ],
            None,
        )
        .with_context(|| format!("cannot edit `{}`; nothing was written", self.shown))
    }
}

fn prepare_supersede(
    ws: &Workspace,
    kind: &Kind,
    snapshot: &Snapshot,
    old_id: &str,
) -> Result<Supersede> {
    let (Some(list), Some(back)) = (kind.field("supersedes"), kind.field("superseded_by")) else {
        bail!(
            "a {} cannot supersede another record: the kind has no `supersedes` and `superseded_by` fields",
            kind.name
        );
    };
    let Some(old): Option<&Record> = snapshot.by_id(old_id) else {
        let ids: Vec<&str> = snapshot
            .records
            .iter()
            .filter(|r| r.kind == kind.name)
            .filter_map(|r| r.id.as_deref())
            .collect();
        let hint = did_you_mean_id(old_id, ids.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        bail!("no record has the id `{old_id}`, so nothing was written{hint}");
    };
    if old.kind != kind.name {
        bail!(
            "`{old_id}` is a {}, not a {}; nothing was written",
            old.kind,
            kind.name
        );
    }
    // The status to set is the one whose rule requires `superseded_by`.
    let status = kind
        .rules
        .iter()
        .find(|r| r.require.contains(&back.name))
        .and_then(|r| r.when.fields.iter().find(|(f, _)| f == "status"))
        .and_then(|(_, values)| values.first().cloned())
        .unwrap_or_else(|| "superseded".to_string());
    let old_status = old.status().unwrap_or_default();
    if let Some(successor) = old.text(&back.name).filter(|s| !s.trim().is_empty()) {
        bail!(
            "`{old_id}` is already superseded by {successor}; supersede {successor} instead (`cairn new {} TITLE --supersedes {successor}`); nothing was written",
            kind.name
        );
    }
    if old_status == status {
        bail!(
            "`{old_id}` is {status} already, without `{}`; set it with `cairn set {old_id} {}=ID`; nothing was written",
            back.key,
            back.key
        );
    }
    if let Some(allowed) = kind.forbidden_move(&old_status, &status) {
        bail!(
            "`{old_id}` is {old_status}, and the {} kind does not allow a move to {status}: {}; nothing was written",
            kind.name,
            cairn::check::history::allowed_phrase(kind, &old_status, &allowed)
        );
    }
    let path = ws.root.join(&old.path);
    let bytes = containment::read(&ws.root, &path, MAX_RECORD_BYTES)?;
    let text = String::from_utf8(bytes).with_context(|| format!("`{}` is not UTF-8", old.path))?;
    let plan = Supersede {
        old_id: old_id.to_string(),
        old_status,
        path,
        shown: old.path.clone(),
        text,
        status_key: kind.key_of("status").to_string(),
        status,
        back_key: back.key.clone(),
        list_key: list.key.clone(),
    };
    // Fail now, before any number is claimed.
    plan.edited(&kind.format_id(0))?;
    Ok(plan)
}

/// A path as the user should see it: relative to where they are, if inside.
fn shown(ctx: &Ctx, path: &Path) -> String {
    let cwd = std::fs::canonicalize(&ctx.cwd).unwrap_or_else(|_| ctx.cwd.clone());
    let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    full.strip_prefix(&cwd)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| full.display().to_string())
}
