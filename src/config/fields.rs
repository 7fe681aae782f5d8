//! The fields of a kind: the common fields merged key by key with the
//! kind's own, and each field's type read and checked.

use indexmap::IndexMap;
use serde::Deserialize;

use super::raw::{RawField, RawItems, RawValues};
use super::{ConfigError, Place};
use crate::diagnostic::did_you_mean;
use crate::schema::{FieldSpec, FieldType};

const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "date", "enum", "ref", "glob", "list", "map",
];

/// The fields of kind `name`: `common` first, overridden key by key by
/// the kind's `own`, each with its type checked (`kinds` are the names a
/// reference may point to).
pub(super) fn fields(
    place: &Place<'_>,
    name: &str,
    common: &IndexMap<String, RawField>,
    own: Option<IndexMap<String, RawField>>,
    kinds: &[String],
) -> Result<Vec<FieldSpec>, ConfigError> {
    let mut raw_fields = common.clone();
    for (fname, spec) in own.unwrap_or_default() {
        let merged = match raw_fields.get(&fname) {
            Some(base) => merge(base, &spec),
            None => spec,
        };
        raw_fields.insert(fname, merged);
    }
    let mut fields = Vec::new();
    for (fname, spec) in &raw_fields {
        let ty = field_type(spec, kinds).map_err(|msg| {
            place.fail(
                place
                    .in_kind(&["fields", fname])
                    .or_else(|| place.at(&["fields", fname])),
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
    Ok(fields)
}

/// The common fields of the built-in configuration, for a file that
/// defines none.
pub(super) fn builtin_common_fields() -> IndexMap<String, RawField> {
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
    super::builtin_raw::<Wrapper>().common.fields
}

fn merge(base: &RawField, over: &RawField) -> RawField {
    // A new type starts afresh: the old type's `values`, `items`, `to` and
    // `inverse` belong to it.
    if over.ty.is_some() && over.ty != base.ty {
        return RawField {
            required: over.required.or(base.required),
            key: over.key.clone().or_else(|| base.key.clone()),
            about: over.about.clone().or_else(|| base.about.clone()),
            ..over.clone()
        };
    }
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
    // A key the type does not read could never take effect.
    let unused = [
        ("values", spec.values.is_some(), ["enum", "map"].as_slice()),
        ("items", spec.items.is_some(), ["list"].as_slice()),
        ("to", spec.to.is_some(), ["ref"].as_slice()),
        ("inverse", spec.inverse.is_some(), ["ref"].as_slice()),
    ];
    for (key, given, types) in unused {
        if given && !types.contains(&name) {
            return Err(format!(
                "`{key}` has no effect on a field of type {name}; it applies to {}",
                types.join(" and ")
            ));
        }
    }
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
