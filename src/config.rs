//! Finds and loads `.cairn/config.yaml`, or the built-in schema.
//!
//! The built-in schema is itself a configuration file (`src/builtin/config.yaml`),
//! embedded in the binary, loaded through the same code as a user's file and
//! written out verbatim by `cairn init`. A broken configuration is an error
//! that names the file and line; it is never silently replaced by the default.

use std::path::{Path, PathBuf};

use globset::GlobSetBuilder;
use indexmap::IndexMap;
use regex::Regex;
use serde::Deserialize;

use crate::containment;
use crate::diagnostic::did_you_mean;
use crate::schema::{
    Condition, FieldSpec, FieldType, Frozen, IdRule, Kind, Limit, Rule, Schema, TargetRule,
};
use crate::yaml;

/// The built-in configuration, as `cairn init` writes it.
pub const BUILTIN: &str = include_str!("builtin/config.yaml");

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    version: Option<u32>,
    root: Option<String>,
    ignore: Option<Vec<String>>,
    index: Option<String>,
    fields: Option<IndexMap<String, RawField>>,
    kinds: IndexMap<String, RawKind>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    dir: String,
    prefix: Option<String>,
    id: Option<RawId>,
    statuses: Option<Vec<String>>,
    transitions: Option<IndexMap<String, Vec<String>>>,
    fields: Option<IndexMap<String, RawField>>,
    sections: Option<Vec<String>>,
    rules: Option<Vec<RawRule>>,
    frozen: Option<Vec<RawFrozen>>,
    unknown_fields: Option<String>,
    progress: Option<Vec<String>>,
    as_warnings: Option<IndexMap<String, OneOrMany>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawId {
    field: Option<String>,
    from: Option<String>,
    pattern: Option<String>,
}

#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    #[serde(rename = "type")]
    ty: Option<String>,
    required: Option<bool>,
    values: Option<RawValues>,
    items: Option<RawItems>,
    to: Option<Vec<String>>,
    key: Option<String>,
    inverse: Option<String>,
    about: Option<String>,
}

#[derive(Clone, Deserialize)]
#[serde(untagged)]
enum RawValues {
    List(Vec<String>),
    Type(String),
}

#[derive(Clone, Deserialize)]
#[serde(untagged)]
enum RawItems {
    Type(String),
    Spec(Box<RawField>),
}

#[derive(Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    when: IndexMap<String, OneOrMany>,
    require: Option<Vec<String>>,
    sections: Option<Vec<String>>,
    review: Option<String>,
    limit: Option<RawLimit>,
    target: Option<String>,
    target_warning: Option<IndexMap<String, OneOrMany>>,
    target_error: Option<IndexMap<String, OneOrMany>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimit {
    per: String,
    max: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrozen {
    when: IndexMap<String, OneOrMany>,
    sections: Option<Vec<String>>,
    fields: Option<Vec<String>>,
}

const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "date", "enum", "ref", "glob", "list", "map",
];

/// Parses a configuration text; `path` is named in errors.
pub fn parse(text: &str, path: &Path) -> Result<Schema, ConfigError> {
    let fail = |line: Option<usize>, message: String| ConfigError {
        path: path.to_path_buf(),
        line,
        message,
    };
    let raw: RawConfig =
        yaml::from_str(text).map_err(|err| fail(err.line, plain_serde_message(&err.message)))?;
    let at = |keys: &[&str]| locate(text, keys);
    if let Some(v) = raw.version {
        if v != 1 {
            return Err(fail(
                at(&["version"]),
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
        return Err(fail(
            at(&["index"]),
            format!(
                "index `{}` must be a Markdown file (`.md`) inside the repository, e.g. research/README.md",
                raw.index.as_deref().unwrap_or("")
            ),
        ));
    }
    let ignore_patterns = raw
        .ignore
        .unwrap_or_else(|| vec!["**/README.md".into(), "**/index.md".into()]);
    let mut ignore = GlobSetBuilder::new();
    for pattern in &ignore_patterns {
        let glob = crate::schema::glob(pattern).map_err(|why| {
            fail(
                at(&["ignore"]),
                format!("ignore pattern `{pattern}`: {why}"),
            )
        })?;
        ignore.add(glob);
    }
    let ignore = ignore
        .build()
        .map_err(|err| fail(at(&["ignore"]), format!("ignore patterns: {err}")))?;
    if raw.kinds.is_empty() {
        return Err(fail(
            at(&["kinds"]),
            "no kinds are defined; define at least one under `kinds:`".into(),
        ));
    }
    let common = match raw.fields {
        Some(fields) => fields,
        None => builtin_common_fields(),
    };
    let kind_names: Vec<String> = raw.kinds.keys().cloned().collect();
    let mut kinds = Vec::new();
    for (name, rk) in raw.kinds {
        let kat = |keys: &[&str]| {
            let mut path = vec!["kinds", name.as_str()];
            path.extend_from_slice(keys);
            at(&path)
        };
        let dir = match rk.dir.trim().strip_prefix('/') {
            Some(absolute) => normalize_dir(absolute),
            None => join_dir(&root, &normalize_dir(&rk.dir)),
        };
        if dir.split('/').any(|part| part == "..") {
            return Err(fail(
                kat(&["dir"]),
                format!(
                    "kind `{name}`: dir `{}` leaves the repository; use a path inside it",
                    rk.dir
                ),
            ));
        }
        let prefix = rk.prefix.unwrap_or_else(|| name.to_uppercase());
        if prefix.is_empty()
            || !prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(fail(
                kat(&["prefix"]),
                format!("kind `{name}`: prefix `{prefix}` must be letters, digits or `_`"),
            ));
        }
        let regex = |pattern: &str, keys: &[&str]| {
            Regex::new(pattern).map_err(|err| {
                fail(
                    kat(keys),
                    format!(
                        "kind `{name}`: `{pattern}` is not a valid regular expression: {}",
                        err.to_string().lines().last().unwrap_or("")
                    ),
                )
            })
        };
        let id = match rk.id {
            None => IdRule::Standard {
                pattern: regex(&format!("^{}-[0-9]{{4,}}$", regex::escape(&prefix)), &[])?,
            },
            Some(RawId {
                field: Some(field),
                from: None,
                pattern,
            }) => IdRule::Field {
                key: field,
                pattern: pattern.map(|p| regex(&p, &["id", "pattern"])).transpose()?,
            },
            Some(RawId {
                field: None,
                from: Some(from),
                pattern,
            }) => {
                if from != "filename" {
                    return Err(fail(
                        kat(&["id", "from"]),
                        format!(
                            "kind `{name}`: id from `{from}` is not known; use `from: filename` or `field: KEY`"
                        ),
                    ));
                }
                let Some(pattern) = pattern else {
                    return Err(fail(
                        kat(&["id"]),
                        format!(
                            "kind `{name}`: an id from the file name needs a `pattern` with one capture group, e.g. '^(\\d{{4}})-'"
                        ),
                    ));
                };
                let re = regex(&pattern, &["id", "pattern"])?;
                if re.captures_len() < 2 {
                    return Err(fail(
                        kat(&["id", "pattern"]),
                        format!(
                            "kind `{name}`: id pattern `{pattern}` needs a capture group around the number, e.g. '^(\\d{{4}})-'"
                        ),
                    ));
                }
                IdRule::Filename { pattern: re }
            }
            Some(RawId {
                field: None,
                from: None,
                pattern: Some(pattern),
            }) => IdRule::Standard {
                pattern: regex(&pattern, &["id", "pattern"])?,
            },
            Some(_) => {
                return Err(fail(
                    kat(&["id"]),
                    format!(
                        "kind `{name}`: give the id one source: `pattern: ...`, `field: KEY` or `from: filename`"
                    ),
                ));
            }
        };
        // Common fields first, overridden key by key by the kind's own.
        let mut raw_fields = common.clone();
        for (fname, spec) in rk.fields.unwrap_or_default() {
            let merged = match raw_fields.get(&fname) {
                Some(base) => merge(base, &spec),
                None => spec,
            };
            raw_fields.insert(fname, merged);
        }
        let mut fields = Vec::new();
        for (fname, spec) in &raw_fields {
            let ty = field_type(spec, &kind_names).map_err(|msg| {
                fail(
                    kat(&["fields", fname]).or_else(|| at(&["fields", fname])),
                    format!("kind `{name}`, field `{fname}`: {msg}"),
                )
            })?;
            fields.push(FieldSpec {
                name: fname.clone(),
                key: spec.key.clone().unwrap_or_else(|| fname.clone()),
                ty,
                required: spec.required.unwrap_or(false),
                about: spec.about.clone(),
            });
        }
        let field_names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        let check_fields = |list: &[String], keys: &[&str]| -> Result<(), ConfigError> {
            for f in list {
                if !field_names.contains(&f.as_str()) {
                    let hint = did_you_mean(f, field_names.iter().copied())
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    return Err(fail(
                        kat(keys),
                        format!("kind `{name}` has no field `{f}`{hint}"),
                    ));
                }
            }
            Ok(())
        };
        let statuses = rk.statuses;
        let check_statuses = |list: &[&String], keys: &[&str]| -> Result<(), ConfigError> {
            if let Some(known) = &statuses {
                for s in list {
                    if !known.contains(s) {
                        return Err(fail(
                            kat(keys),
                            format!(
                                "kind `{name}`: `{s}` is not one of its statuses ({})",
                                known.join(", ")
                            ),
                        ));
                    }
                }
            }
            Ok(())
        };
        let transitions = match rk.transitions {
            Some(map) => {
                let mut out = Vec::new();
                for (from, to) in map {
                    let mut all: Vec<&String> = to.iter().collect();
                    all.push(&from);
                    check_statuses(&all, &["transitions"])?;
                    out.push((from, to));
                }
                Some(out)
            }
            None => None,
        };
        let condition =
            |when: IndexMap<String, OneOrMany>, keys: &[&str]| -> Result<Condition, ConfigError> {
                let mut fields = Vec::new();
                for (field, values) in when {
                    check_fields(std::slice::from_ref(&field), keys)?;
                    let values = match values {
                        OneOrMany::One(v) => vec![v],
                        OneOrMany::Many(v) => v,
                    };
                    if field == "status" {
                        check_statuses(&values.iter().collect::<Vec<_>>(), keys)?;
                    }
                    fields.push((field, values));
                }
                Ok(Condition { fields })
            };
        let mut rules = Vec::new();
        for rule in rk.rules.unwrap_or_default() {
            let require = rule.require.unwrap_or_default();
            check_fields(&require, &["rules"])?;
            if let Some(review) = &rule.review {
                check_fields(std::slice::from_ref(review), &["rules"])?;
                let ty = fields.iter().find(|f| &f.name == review).map(|f| &f.ty);
                if ty != Some(&FieldType::Date) {
                    return Err(fail(
                        kat(&["rules"]),
                        format!(
                            "kind `{name}`: `review: {review}` names a field that is not a date; give it `type: date`"
                        ),
                    ));
                }
            }
            if let Some(limit) = &rule.limit {
                check_fields(std::slice::from_ref(&limit.per), &["rules"])?;
                if limit.max == 0 {
                    return Err(fail(
                        kat(&["rules"]),
                        format!(
                            "kind `{name}`: a limit of 0 forbids the status outright; use at least 1, or drop the rule"
                        ),
                    ));
                }
            }
            let target_status = |when: Option<IndexMap<String, OneOrMany>>| -> Result<Option<Condition>, ConfigError> {
                let Some(when) = when else { return Ok(None) };
                if rule.target.is_none() {
                    return Err(fail(
                        kat(&["rules"]),
                        format!("kind `{name}`: `target_warning` and `target_error` need `target`, the reference field whose record they test"),
                    ));
                }
                // The target may be of another kind: its statuses are checked when it is read.
                let fields = when
                    .into_iter()
                    .map(|(f, v)| {
                        let v = match v {
                            OneOrMany::One(v) => vec![v],
                            OneOrMany::Many(v) => v,
                        };
                        (f, v)
                    })
                    .collect();
                Ok(Some(Condition { fields }))
            };
            let target_warning = target_status(rule.target_warning)?;
            let target_error = target_status(rule.target_error)?;
            if let Some(target) = &rule.target {
                check_fields(std::slice::from_ref(target), &["rules"])?;
                let is_ref = fields
                    .iter()
                    .find(|f| &f.name == target)
                    .is_some_and(|f| matches!(&f.ty, FieldType::Ref { .. }));
                if !is_ref {
                    return Err(fail(
                        kat(&["rules"]),
                        format!(
                            "kind `{name}`: `target: {target}` must name a reference field (`type: ref`)"
                        ),
                    ));
                }
                if target_warning.is_none() && target_error.is_none() {
                    return Err(fail(
                        kat(&["rules"]),
                        format!(
                            "kind `{name}`: `target: {target}` has no effect without `target_warning` or `target_error`"
                        ),
                    ));
                }
            }
            rules.push(Rule {
                target: rule.target.map(|field| TargetRule {
                    field,
                    warning: target_warning,
                    error: target_error,
                }),
                when: condition(rule.when, &["rules"])?,
                require,
                sections: rule.sections.unwrap_or_default(),
                review: rule.review,
                limit: rule.limit.map(|l| Limit {
                    per: l.per,
                    max: l.max,
                }),
            });
        }
        let mut frozen = Vec::new();
        for part in rk.frozen.unwrap_or_default() {
            let fields = part.fields.unwrap_or_default();
            check_fields(&fields, &["frozen"])?;
            frozen.push(Frozen {
                when: condition(part.when, &["frozen"])?,
                sections: part.sections.unwrap_or_default(),
                fields,
            });
        }
        let warn_unknown_fields = match rk.unknown_fields.as_deref() {
            None | Some("warn") => true,
            Some("ignore") => false,
            Some(other) => {
                return Err(fail(
                    kat(&["unknown_fields"]),
                    format!("kind `{name}`: unknown_fields `{other}` must be `warn` or `ignore`"),
                ));
            }
        };
        let as_warnings = match rk.as_warnings {
            Some(when) => Some(condition(when, &["as_warnings"])?),
            None => None,
        };
        let progress = rk.progress.unwrap_or_default();
        check_fields(&progress, &["progress"])?;
        for p in &progress {
            let is_ref = fields.iter().find(|f| &f.name == p).is_some_and(|f| {
                matches!(&f.ty, FieldType::Ref { .. })
                    || matches!(&f.ty, FieldType::List(item) if matches!(**item, FieldType::Ref { .. }))
            });
            if !is_ref {
                return Err(fail(
                    kat(&["progress"]),
                    format!(
                        "kind `{name}`: progress field `{p}` must hold record ids (`type: ref`, or a list of refs)"
                    ),
                ));
            }
        }
        kinds.push(Kind {
            name,
            dir,
            prefix,
            id,
            statuses,
            transitions,
            fields,
            sections: rk.sections.unwrap_or_default(),
            rules,
            frozen,
            warn_unknown_fields,
            as_warnings,
            progress,
        });
    }
    for (i, kind) in kinds.iter().enumerate() {
        if let Some(other) = kinds[..i].iter().find(|k| k.prefix == kind.prefix) {
            return Err(fail(
                at(&["kinds", &kind.name, "prefix"]).or_else(|| at(&["kinds", &kind.name])),
                format!(
                    "kinds `{}` and `{}` share the prefix `{}`; ids must tell kinds apart",
                    other.name, kind.name, kind.prefix
                ),
            ));
        }
        if let Some(other) = kinds[..i].iter().find(|k| k.dir == kind.dir) {
            return Err(fail(
                at(&["kinds", &kind.name, "dir"]),
                format!(
                    "kinds `{}` and `{}` share the folder `{}`; give each kind its own",
                    other.name, kind.name, kind.dir
                ),
            ));
        }
    }
    Ok(Schema {
        root,
        ignore,
        base: String::new(),
        kinds,
        index,
    })
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

fn builtin_common_fields() -> IndexMap<String, RawField> {
    #[derive(Deserialize)]
    struct Common {
        fields: IndexMap<String, RawField>,
    }
    #[derive(Deserialize)]
    struct Wrapper {
        #[serde(flatten)]
        common: Common,
        #[serde(flatten)]
        _rest: IndexMap<String, serde::de::IgnoredAny>,
    }
    yaml::from_str::<Wrapper>(BUILTIN)
        .map(|w| w.common.fields)
        .unwrap_or_default()
}

fn merge(base: &RawField, over: &RawField) -> RawField {
    RawField {
        ty: over.ty.clone().or_else(|| base.ty.clone()),
        required: over.required.or(base.required),
        values: over.values.clone().or_else(|| base.values.clone()),
        items: over.items.clone().or_else(|| base.items.clone()),
        to: over.to.clone().or_else(|| base.to.clone()),
        key: over.key.clone().or_else(|| base.key.clone()),
        inverse: over.inverse.clone().or_else(|| base.inverse.clone()),
        about: over.about.clone().or_else(|| base.about.clone()),
    }
}

fn field_type(spec: &RawField, kinds: &[String]) -> Result<FieldType, String> {
    let name = spec.ty.as_deref().unwrap_or("string");
    let named = |name: &str| -> Result<FieldType, String> {
        field_type(
            &RawField {
                ty: Some(name.to_string()),
                ..RawField::default()
            },
            kinds,
        )
    };
    Ok(match name {
        "string" => FieldType::String,
        "number" => FieldType::Number,
        "integer" => FieldType::Integer,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "glob" => FieldType::Glob,
        "enum" => match &spec.values {
            Some(RawValues::List(values)) if !values.is_empty() => FieldType::Enum(values.clone()),
            _ => return Err("an enum needs `values: [...]`, the list of allowed values".into()),
        },
        "ref" => {
            let to = spec.to.clone().unwrap_or_default();
            for k in &to {
                if !kinds.contains(k) {
                    let hint = did_you_mean(k, kinds.iter().map(String::as_str))
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    return Err(format!("`to` names `{k}`, which is not a kind{hint}"));
                }
            }
            FieldType::Ref {
                to,
                inverse: spec.inverse.clone(),
            }
        }
        "list" => match &spec.items {
            None => FieldType::List(Box::new(FieldType::String)),
            Some(RawItems::Type(t)) => FieldType::List(Box::new(named(t)?)),
            Some(RawItems::Spec(s)) => FieldType::List(Box::new(field_type(s, kinds)?)),
        },
        "map" => match &spec.values {
            None => FieldType::Map(None),
            Some(RawValues::Type(t)) => FieldType::Map(Some(Box::new(named(t)?))),
            Some(RawValues::List(_)) => {
                return Err("`values` of a map is one type name, e.g. `values: number`".into());
            }
        },
        other => {
            let hint = did_you_mean(other, TYPES.iter().copied())
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            return Err(format!(
                "unknown type `{other}`; {hint}types are {}",
                TYPES.join(", ")
            ));
        }
    })
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

    fn err(text: &str) -> ConfigError {
        parse(text, Path::new(".cairn/config.yaml")).unwrap_err()
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
