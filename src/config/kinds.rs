//! One kind of record, read from its `kinds:` entry: folder, prefix, id
//! rule, then its fields (`fields.rs`) and rules (`rules.rs`).

use indexmap::IndexMap;
use regex::Regex;

use super::raw::{RawField, RawId, RawKind};
use super::rules::{self, Checks};
use super::{ConfigError, Place, fields, join_dir, normalize_dir};
use crate::schema::{IdRule, Kind};

/// The kind `name` as `raw` describes it; `root` is the records' root
/// folder, `common` the fields every kind has, `kinds` every kind's name.
pub(super) fn kind(
    place: &Place<'_>,
    name: String,
    raw: RawKind,
    root: &str,
    common: &IndexMap<String, RawField>,
    kinds: &[String],
) -> Result<Kind, ConfigError> {
    let fail = |keys: &[&str], message: String| place.fail(place.in_kind(keys), message);
    let dir = match raw.dir.trim().strip_prefix('/') {
        Some(absolute) => normalize_dir(absolute),
        None => join_dir(root, &normalize_dir(&raw.dir)),
    };
    if dir.split('/').any(|part| part == "..") {
        return Err(fail(
            &["dir"],
            format!(
                "kind `{name}`: dir `{}` leaves the repository; use a path inside it",
                raw.dir
            ),
        ));
    }
    let prefix = raw.prefix.unwrap_or_else(|| name.to_uppercase());
    if prefix.is_empty()
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(fail(
            &["prefix"],
            format!("kind `{name}`: prefix `{prefix}` must be letters, digits or `_`"),
        ));
    }
    let id = id_rule(place, &name, &prefix, raw.id)?;
    if let Some(spec) = raw.fields.as_ref().and_then(|f| f.get("id")) {
        let standard = matches!(id, IdRule::Standard { .. });
        if !standard || spec.required == Some(false) {
            return Err(place.fail(
                place.in_kind(&["fields", "id"]),
                format!(
                    "kind `{name}`: `fields: {{id: ...}}` has no effect: {}",
                    if standard {
                        "every record needs an identity; to take it from elsewhere, set the kind's `id:` (`{field: KEY}`, `{from: filename, pattern: ...}` or `{from: path}`)"
                    } else {
                        "the kind's `id:` says where ids come from; remove the `id` field"
                    }
                ),
            ));
        }
    }
    let fields = fields::fields(place, &name, common, raw.fields, kinds)?;
    let statuses = raw.statuses;
    let checks = Checks {
        place,
        name: &name,
        fields: &fields,
        statuses: statuses.as_ref(),
    };
    let transitions = rules::transitions(&checks, raw.transitions)?;
    let rules = rules::rules(&checks, raw.rules)?;
    let frozen = rules::frozen(&checks, raw.frozen)?;
    let warn_unknown_fields = match raw.unknown_fields.as_deref() {
        None | Some("warn") => true,
        Some("ignore") => false,
        Some(other) => {
            return Err(fail(
                &["unknown_fields"],
                format!("kind `{name}`: unknown_fields `{other}` must be `warn` or `ignore`"),
            ));
        }
    };
    let as_warnings = rules::as_warnings(&checks, raw.as_warnings)?;
    let progress = rules::progress(&checks, raw.progress)?;
    Ok(Kind {
        name,
        dir,
        prefix,
        id,
        statuses,
        transitions,
        fields,
        sections: raw.sections.unwrap_or_default(),
        rules,
        frozen,
        warn_unknown_fields,
        as_warnings,
        progress,
    })
}

/// How the kind's ids are found: the standard `PREFIX-0001`, a front
/// matter field, or a capture of the file name.
fn id_rule(
    place: &Place<'_>,
    name: &str,
    prefix: &str,
    raw: Option<RawId>,
) -> Result<IdRule, ConfigError> {
    let fail = |keys: &[&str], message: String| place.fail(place.in_kind(keys), message);
    let regex = |pattern: &str, keys: &[&str]| {
        Regex::new(pattern).map_err(|err| {
            fail(
                keys,
                format!(
                    "kind `{name}`: `{pattern}` is not a valid regular expression: {}",
                    err.to_string().lines().last().unwrap_or("")
                ),
            )
        })
    };
    Ok(match raw {
        None => IdRule::Standard {
            pattern: regex(&format!("^{}-[0-9]{{4,}}$", regex::escape(prefix)), &[])?,
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
            if from == "path" {
                if pattern.is_some() {
                    return Err(fail(
                        &["id", "pattern"],
                        format!(
                            "kind `{name}`: `pattern` has no effect with `from: path` (the id is the whole path inside the folder); remove it"
                        ),
                    ));
                }
                return Ok(IdRule::Path);
            }
            if from != "filename" {
                return Err(fail(
                    &["id", "from"],
                    format!(
                        "kind `{name}`: id from `{from}` is not known; use `from: filename`, `from: path` or `field: KEY`"
                    ),
                ));
            }
            let Some(pattern) = pattern else {
                return Err(fail(
                    &["id"],
                    format!(
                        "kind `{name}`: an id from the file name needs a `pattern` with one capture group, e.g. '^(\\d{{4}})-'"
                    ),
                ));
            };
            let re = regex(&pattern, &["id", "pattern"])?;
            if re.captures_len() < 2 {
                return Err(fail(
                    &["id", "pattern"],
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
                &["id"],
                format!(
                    "kind `{name}`: give the id one source: `pattern: ...`, `field: KEY` or `from: filename`"
                ),
            ));
        }
    })
}
