//! Finds and loads `.cairn/config.yaml`, or the built-in schema.
//!
//! The built-in schema is itself a configuration file (`src/builtin/config.yaml`),
//! embedded in the binary, loaded through the same code as a user's file and
//! written out verbatim by `cairn init`. A broken configuration is an error
//! that names the file and line; it is never silently replaced by the default.
//!
//! Reading a file goes from `raw.rs` (the YAML as written) through
//! `kinds.rs` (one kind: folder, prefix, id rule), `fields.rs` (fields and
//! their types) and `rules.rs` (transitions, rules, frozen parts, progress)
//! to a [`Schema`]. `init.rs` is `cairn init`, which writes the built-in
//! file out.

mod fields;
mod init;
mod kinds;
mod raw;
mod rules;

use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};

use crate::containment;
use crate::schema::{Kind, Schema};
use crate::yaml;
pub use init::{Initialized, init};
use raw::RawConfig;

/// The built-in configuration, as `cairn init` writes it.
pub const BUILTIN: &str = include_str!("../builtin/config.yaml");

/// The built-in configuration as JSON: the same values as [`BUILTIN`]
/// (a test holds them equal and writes this file anew when told to),
/// read at a fraction of the YAML library's cost when a project has no
/// configuration of its own, or the one `cairn init` wrote.
const BUILTIN_JSON: &str = include_str!("../builtin/config.json");

/// Where the configuration lives, relative to the repository root.
pub const CONFIG_PATH: &str = ".cairn/config.yaml";

/// Where user templates live, relative to the repository root.
pub const TEMPLATES_DIR: &str = ".cairn/templates";

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

/// The workspace: the folder records are found from, and the schema.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// The repository root (or the folder holding `.cairn/`, or the start
    /// folder when neither exists).
    pub root: PathBuf,
    /// The configuration file that was loaded, if any.
    pub config_file: Option<PathBuf>,
    /// The schema in force.
    pub schema: Schema,
}

impl Workspace {
    /// Anchors the workspace at the top of the git work tree that holds it,
    /// when that is a folder above the project root: every path cairn reads
    /// or prints is then relative to the repository, as git's are.
    pub fn anchor_at(&mut self, top: &Path) {
        let (Ok(top), Ok(root)) = (
            std::fs::canonicalize(top),
            std::fs::canonicalize(&self.root),
        ) else {
            return;
        };
        let Ok(rel) = root.strip_prefix(&top) else {
            return;
        };
        let base: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if base.is_empty() {
            return;
        }
        self.schema.rebase(&base.join("/"));
        self.root = top;
    }
}

/// Finds the workspace root from `start`: the nearest folder upwards
/// that holds `.cairn/config.yaml` (of any file type: a broken one is an
/// error, not a reason to look further up) or `.git`, else `start` itself.
pub fn find_root(start: &Path) -> PathBuf {
    start
        .ancestors()
        .find(|dir| {
            std::fs::symlink_metadata(dir.join(CONFIG_PATH)).is_ok() || dir.join(".git").exists()
        })
        .unwrap_or(start)
        .to_path_buf()
}

/// The largest configuration file cairn reads.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Loads the workspace that `start` lies in; `config` overrides the file.
///
/// The repository's own `.cairn/config.yaml` must be a regular file inside
/// the repository (a symlink that leaves is an error naming the link, and
/// nothing of its target is read or shown); a file named with `--config`
/// may be anywhere, since whoever runs cairn chose it, but a path inside
/// the repository is held to the same rule. Either way it must be a
/// regular file no larger than [`MAX_CONFIG_BYTES`].
pub fn load_workspace(start: &Path, config: Option<&Path>) -> Result<Workspace, ConfigError> {
    let root = find_root(start);
    let default = root.join(CONFIG_PATH);
    let file = match config {
        Some(path) => Some(path.to_path_buf()),
        None => Some(default).filter(|p| std::fs::symlink_metadata(p).is_ok()),
    };
    let schema = match &file {
        Some(path) => {
            let shown = path.strip_prefix(&root).unwrap_or(path);
            let in_repo = path.is_relative() || path.starts_with(&root);
            let read = if in_repo || config.is_none() {
                containment::read(&root, shown, MAX_CONFIG_BYTES)
            } else {
                containment::read_anywhere(path, MAX_CONFIG_BYTES)
            };
            let bytes = read.map_err(|err| ConfigError {
                path: shown.to_path_buf(),
                line: None,
                message: format!("cannot read the configuration: {err}"),
            })?;
            let text = String::from_utf8(bytes).map_err(|_| ConfigError {
                path: shown.to_path_buf(),
                line: None,
                message: "the configuration is not UTF-8 text".to_string(),
            })?;
            parse(&text, shown)?
        }
        None => builtin(),
    };
    Ok(Workspace {
        root,
        config_file: file,
        schema,
    })
}

/// The built-in schema.
pub fn builtin() -> Schema {
    match parse(BUILTIN, Path::new("<built-in>")) {
        Ok(schema) => schema,
        // The built-in file is tested; failing here is a build defect.
        Err(err) => unreachable!("the built-in configuration is invalid: {err}"),
    }
}

/// The built-in configuration as written, read from its JSON form.
fn builtin_raw<T: serde::de::DeserializeOwned>() -> T {
    match serde_json::from_str(BUILTIN_JSON) {
        Ok(raw) => raw,
        // The JSON form is tested against the YAML; failing here is a
        // build defect.
        Err(err) => unreachable!("the built-in configuration's JSON is invalid: {err}"),
    }
}

/// Parses a configuration text; `path` is named in errors.
pub fn parse(text: &str, path: &Path) -> Result<Schema, ConfigError> {
    let place = Place {
        path,
        text,
        kind: None,
    };
    let raw: RawConfig = if text == BUILTIN {
        builtin_raw()
    } else {
        yaml::from_str(text)
            .map_err(|err| place.fail(err.line, plain_serde_message(&err.message)))?
    };
    if let Some(v) = raw.version {
        if v != 1 {
            return Err(place.fail(
                place.at(&["version"]),
                format!("schema version {v} is not supported; this cairn reads version 1"),
            ));
        }
    }
    let root = normalize_dir(raw.root.as_deref().unwrap_or("research"));
    let index = match &raw.index {
        Some(path) => normalize_dir(path),
        None => join_dir(&root, "README.md"),
    };
    if index.is_empty() || index.split('/').any(|part| part == "..") || !index.ends_with(".md") {
        return Err(place.fail(
            place.at(&["index"]),
            format!(
                "index `{}` must be a Markdown file (`.md`) inside the repository, e.g. research/README.md",
                raw.index.as_deref().unwrap_or("")
            ),
        ));
    }
    let ignore = ignore_set(&place, raw.ignore)?;
    if raw.kinds.is_empty() {
        return Err(place.fail(
            place.at(&["kinds"]),
            "no kinds are defined; define at least one under `kinds:`".into(),
        ));
    }
    let common = match raw.fields {
        Some(fields) => fields,
        None => fields::builtin_common_fields(),
    };
    let kind_names: Vec<String> = raw.kinds.keys().cloned().collect();
    let mut kinds = Vec::new();
    for (name, raw_kind) in raw.kinds {
        let place = Place {
            kind: Some(&name),
            ..place
        };
        let kind = kinds::kind(&place, name.clone(), raw_kind, &root, &common, &kind_names)?;
        kinds.push(kind);
    }
    distinct(&place, &kinds)?;
    Ok(Schema {
        root,
        ignore,
        base: String::new(),
        kinds,
        index,
    })
}

/// The `ignore:` globs (by default every README.md and index.md).
fn ignore_set(place: &Place<'_>, patterns: Option<Vec<String>>) -> Result<GlobSet, ConfigError> {
    let patterns = patterns.unwrap_or_else(|| vec!["**/README.md".into(), "**/index.md".into()]);
    let mut ignore = GlobSetBuilder::new();
    for pattern in &patterns {
        let glob = crate::schema::glob(pattern).map_err(|why| {
            place.fail(
                place.at(&["ignore"]),
                format!("ignore pattern `{pattern}`: {why}"),
            )
        })?;
        ignore.add(glob);
    }
    ignore
        .build()
        .map_err(|err| place.fail(place.at(&["ignore"]), format!("ignore patterns: {err}")))
}

/// Refuses two kinds that share a prefix or a folder.
fn distinct(place: &Place<'_>, kinds: &[Kind]) -> Result<(), ConfigError> {
    let at = |keys: &[&str]| place.at(keys);
    for (i, kind) in kinds.iter().enumerate() {
        if let Some(other) = kinds[..i].iter().find(|k| k.prefix == kind.prefix) {
            return Err(place.fail(
                at(&["kinds", &kind.name, "prefix"]).or_else(|| at(&["kinds", &kind.name])),
                format!(
                    "kinds `{}` and `{}` share the prefix `{}`; ids must tell kinds apart",
                    other.name, kind.name, kind.prefix
                ),
            ));
        }
        if let Some(other) = kinds[..i].iter().find(|k| k.dir == kind.dir) {
            return Err(place.fail(
                at(&["kinds", &kind.name, "dir"]),
                format!(
                    "kinds `{}` and `{}` share the folder `{}`; give each kind its own",
                    other.name, kind.name, kind.dir
                ),
            ));
        }
    }
    Ok(())
}

/// Where a configuration error points: the file, its text, and — for an
/// error in one kind — that kind.
#[derive(Clone, Copy)]
struct Place<'a> {
    path: &'a Path,
    text: &'a str,
    kind: Option<&'a str>,
}

impl Place<'_> {
    /// The error, at `line` of the file.
    fn fail(&self, line: Option<usize>, message: String) -> ConfigError {
        ConfigError {
            path: self.path.to_path_buf(),
            line,
            message,
        }
    }

    /// The line of a nested key from the top of the file.
    fn at(&self, keys: &[&str]) -> Option<usize> {
        locate(self.text, keys)
    }

    /// The line of a nested key under this kind's entry.
    fn in_kind(&self, keys: &[&str]) -> Option<usize> {
        let mut path = vec!["kinds", self.kind.unwrap_or_default()];
        path.extend_from_slice(keys);
        self.at(&path)
    }
}

/// serde names the Rust types it expected (`struct RawKind`); users wrote
/// YAML, so say what YAML was expected instead.
fn plain_serde_message(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, yaml) in [
        ("struct RawConfig", "a mapping with `kinds`"),
        ("struct RawKind", "a mapping (a kind, with at least `dir`)"),
        (
            "struct RawField",
            "a mapping (a field, e.g. `{type: string}`)",
        ),
        (
            "struct RawRule",
            "a mapping with `when` and `require`, `sections`, `review`, `limit` or `target`",
        ),
        (
            "struct RawFrozen",
            "a mapping with `when` and `sections` or `fields`",
        ),
        ("struct RawLimit", "a mapping with `per` and `max`"),
        ("struct RawId", "a mapping (`pattern`, `field` or `from`)"),
        (
            "untagged enum RawValues",
            "a list of values (enum) or one type name (map)",
        ),
        ("untagged enum RawItems", "a type name or a field mapping"),
        ("untagged enum OneOrMany", "a value or a list of values"),
    ] {
        out = out.replace(rust, yaml);
    }
    out.replace("data did not match any variant of ", "expected ")
}

fn normalize_dir(dir: &str) -> String {
    dir.trim()
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn join_dir(root: &str, dir: &str) -> String {
    match (root.is_empty(), dir.is_empty()) {
        (true, _) => dir.to_string(),
        (_, true) => root.to_string(),
        _ => format!("{root}/{dir}"),
    }
}

/// The 1-based line of a nested key (`kinds` → `experiment` → `dir`) in a
/// block-style YAML text: each key is searched after the previous one, at
/// a deeper indentation. Stops at the deepest key found.
fn locate(text: &str, keys: &[&str]) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut indent: Option<usize> = None;
    let mut found = None;
    for key in keys {
        let hit = lines.iter().enumerate().skip(from).find_map(|(i, line)| {
            let depth = line.len() - line.trim_start().len();
            let body = line.trim_start().trim_start_matches("- ");
            if indent.is_some_and(|d| depth <= d)
                && !line.trim().is_empty()
                && !line.trim_start().starts_with('#')
            {
                return Some(None); // left the parent block
            }
            let is_key = body
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
                || body
                    .strip_prefix(&format!("\"{key}\""))
                    .is_some_and(|r| r.starts_with(':'));
            is_key.then_some(Some((i, depth)))
        });
        match hit.flatten() {
            Some((i, depth)) => {
                found = Some(i + 1);
                from = i + 1;
                indent = Some(depth);
            }
            None => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::FieldType;

    fn err(text: &str) -> ConfigError {
        parse(text, Path::new(".cairn/config.yaml")).unwrap_err()
    }

    #[test]
    fn the_builtin_json_holds_the_builtin_yaml() {
        // `parse` reads the JSON instead, without the YAML checks.
        assert!(crate::yaml::parse(BUILTIN).is_ok());
        assert!(crate::yaml::from_str::<RawConfig>(BUILTIN).is_ok());
        // The YAML's values in the order written (kinds and fields keep it).
        let yaml = crate::yaml::parse(BUILTIN).unwrap();
        let expected = serde_json::to_string_pretty(&yaml).unwrap() + "\n";
        if expected != BUILTIN_JSON {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/builtin/config.json");
            if std::env::var_os("CAIRN_BLESS").is_some() {
                std::fs::write(path, expected).unwrap();
            }
            panic!(
                "{path} does not hold src/builtin/config.yaml; write it anew with `CAIRN_BLESS=1 cargo test --lib builtin_json`, then build again"
            );
        }
        // The same schema as from the YAML, read the usual way.
        let mut edited = BUILTIN.to_string();
        edited.push_str("\n# an edit\n");
        assert_eq!(
            format!("{:?}", parse(&edited, Path::new(CONFIG_PATH)).unwrap()),
            format!("{:?}", builtin())
        );
    }

    #[test]
    fn builtin_schema_loads() {
        let schema = builtin();
        let names: Vec<_> = schema.kinds.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(
            names,
            ["experiment", "scope", "decision", "milestone", "lesson"]
        );
        let exp = schema.kind("experiment").unwrap();
        assert_eq!(exp.dir, "research/experiments");
        assert_eq!(exp.prefix, "EXP");
        assert_eq!(exp.number_in("EXP-0012-mel.md"), Some(12));
        assert_eq!(exp.number_in("EXP-12"), Some(12));
        assert_eq!(exp.number_in("EXPO-0012"), None);
        assert_eq!(exp.number_in("EXP-x"), None);
        assert!(exp.field("hypothesis").unwrap().required);
        assert!(exp.field("created").unwrap().required);
        assert_eq!(
            exp.allowed_moves("planned"),
            Some(vec!["running", "abandoned"])
        );
        let dec = schema.kind("decision").unwrap();
        assert_eq!(dec.frozen[0].sections, ["Context", "Decision"]);
        assert_eq!(
            schema
                .kind_of_path("research/decisions/DEC-0001-x.md")
                .unwrap()
                .name,
            "decision"
        );
        assert_eq!(schema.kind_of_id("SCOPE-0002").unwrap().name, "scope");
        assert!(!schema.is_record_path("research/decisions/README.md"));
        let review = dec.rules.iter().find_map(|r| r.review.as_deref());
        assert_eq!(review, Some("review_by"));
        let limit = exp.rules.iter().find_map(|r| r.limit.as_ref()).unwrap();
        assert_eq!((limit.per.as_str(), limit.max), ("authors", 2));
        let ms = schema.kind("milestone").unwrap();
        assert_eq!(ms.prefix, "MS");
        assert_eq!(ms.progress, ["scope", "experiments"]);
        assert_eq!(schema.kind("lesson").unwrap().prefix, "LSN");
    }

    #[test]
    fn review_rules_need_a_date_field() {
        let e = err(
            "kinds:\n  dec:\n    dir: d\n    fields:\n      review_by: {type: string}\n    rules:\n      - when: {status: accepted}\n        review: review_by\n",
        );
        assert_eq!(e.line, Some(6));
        assert!(e.message.contains("not a date"), "{}", e.message);
        let e = err(
            "kinds:\n  dec:\n    dir: d\n    rules:\n      - when: {status: accepted}\n        review: revew_by\n",
        );
        assert!(e.message.contains("no field `revew_by`"), "{}", e.message);
    }

    #[test]
    fn limits_and_progress_are_checked() {
        let e = err(
            "kinds:\n  exp:\n    dir: e\n    rules:\n      - when: {status: running}\n        limit: {per: authors, max: 0}\n",
        );
        assert!(e.message.contains("a limit of 0"), "{}", e.message);
        let e = err(
            "kinds:\n  exp:\n    dir: e\n    rules:\n      - when: {status: running}\n        limit: {per: owner, max: 2}\n",
        );
        assert!(e.message.contains("no field `owner`"), "{}", e.message);
        let e = err("kinds:\n  ms:\n    dir: m\n    progress: [title]\n");
        assert!(e.message.contains("must hold record ids"), "{}", e.message);
        let e = err(
            "kinds:\n  exp:\n    dir: e\n    rules:\n      - when: {status: running}\n        limit: {max: 2}\n",
        );
        assert!(e.message.contains("per"), "{}", e.message);
    }

    #[test]
    fn unknown_type_names_file_and_line() {
        let e = err(
            "version: 1\nkinds:\n  note:\n    dir: notes\n    fields:\n      body:\n        type: strng\n",
        );
        assert_eq!(e.line, Some(6));
        assert!(e.message.contains("unknown type `strng`"), "{}", e.message);
        assert!(
            e.message.contains("did you mean `string`?"),
            "{}",
            e.message
        );
        assert!(e.to_string().starts_with(".cairn/config.yaml:6: "));
    }

    #[test]
    fn bad_regex_is_reported() {
        let e = err(
            "kinds:\n  adr:\n    dir: /docs/adr\n    id: {from: filename, pattern: '^(\\d{4}-'}\n",
        );
        assert_eq!(e.line, Some(4));
        assert!(
            e.message.contains("not a valid regular expression"),
            "{}",
            e.message
        );
    }

    #[test]
    fn kind_without_folder_is_reported() {
        let e = err("kinds:\n  note:\n    prefix: NOTE\n");
        assert!(e.message.contains("missing field `dir`"), "{}", e.message);
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn yaml_error_has_a_line() {
        let e = err("kinds:\n  note: [\n");
        assert!(e.line.is_some());
    }

    #[test]
    fn adopted_kinds() {
        let schema = parse(
            "root: research\nkinds:\n  adr:\n    dir: /docs/decisions\n    prefix: ADR\n    id: {from: filename, pattern: '^(\\d{4})-'}\n    fields:\n      created: {key: date, required: false}\n      title: {required: false}\n",
            Path::new("c.yaml"),
        )
        .unwrap();
        let adr = schema.kind("adr").unwrap();
        assert_eq!(adr.dir, "docs/decisions");
        assert!(adr.statuses.is_none());
        let created = adr.field("created").unwrap();
        assert_eq!(created.key, "date");
        assert_eq!(created.ty, FieldType::Date);
        assert!(!created.required);
    }

    #[test]
    fn rules_must_name_known_fields() {
        let e = err(
            "kinds:\n  exp:\n    dir: e\n    rules:\n      - when: {status: done}\n        require: [metrcs]\n",
        );
        assert!(e.message.contains("no field `metrcs`"), "{}", e.message);
    }
}
