//! Record templates: the built-in ones (embedded from `templates/`), a
//! user's `.cairn/templates/KIND.md`, or one made from the schema for a
//! kind that has neither; and the filling of their placeholders.

use crate::schema::{FieldType, Kind};
use crate::value::Value;
use crate::yaml;

/// The built-in template of a kind, if it has one.
pub fn builtin(kind: &str) -> Option<&'static str> {
    match kind {
        "experiment" => Some(include_str!("../templates/experiment.md")),
        "scope" => Some(include_str!("../templates/scope.md")),
        "decision" => Some(include_str!("../templates/decision.md")),
        "milestone" => Some(include_str!("../templates/milestone.md")),
        "lesson" => Some(include_str!("../templates/lesson.md")),
        _ => None,
    }
}

/// A template made from the schema: the required fields, the first
/// status, and a heading for every required section.
pub fn from_schema(kind: &Kind) -> String {
    let mut out = String::from("---\n");
    for field in &kind.fields {
        let value = match field.name.as_str() {
            "id" => "{{id}}".to_string(),
            "title" => "{{title}}".to_string(),
            "created" => "{{date}}".to_string(),
            "authors" => "[{{author}}]".to_string(),
            "status" => match kind.statuses.as_ref().and_then(|s| s.first()) {
                Some(first) => first.clone(),
                None if field.required => "draft".to_string(),
                None => continue,
            },
            _ if !field.required => continue,
            _ => match &field.ty {
                FieldType::List(item) if **item == FieldType::String => "[\"TODO\"]".to_string(),
                FieldType::List(_) => "[]".to_string(),
                FieldType::Map(_) => "{}".to_string(),
                FieldType::Enum(values) => values.first().cloned().unwrap_or_default(),
                FieldType::Number | FieldType::Integer => "0".to_string(),
                FieldType::Boolean => "false".to_string(),
                FieldType::Date => "{{date}}".to_string(),
                _ => format!(
                    "\"TODO: {}\"",
                    field
                        .about
                        .as_deref()
                        .unwrap_or(&field.name)
                        .replace('"', "'")
                ),
            },
        };
        out.push_str(&format!("{}: {value}\n", field.key));
    }
    out.push_str("---\n\n# {{title}}\n");
    for section in &kind.sections {
        out.push_str(&format!("\n## {section}\n\n"));
    }
    out
}

/// What fills a template's placeholders.
#[derive(Clone, Debug)]
pub struct Fill<'a> {
    /// `{{id}}`.
    pub id: &'a str,
    /// `{{title}}`.
    pub title: &'a str,
    /// `{{date}}`, YYYY-MM-DD.
    pub date: &'a str,
    /// `{{author}}`, when git knows one.
    pub author: Option<&'a str>,
}

/// Fills the placeholders, each in one pass over the template, so that a
/// title holding `{{author}}` stays the title's text. Inside the front
/// matter, `{{title}}` and `{{author}}` become YAML scalars written by the
/// YAML emitter (so any title is safe, in block or flow context); in the
/// body they are the plain text. A missing author leaves `[]`.
pub fn fill(template: &str, with: &Fill<'_>) -> String {
    let (front, body) = split_at_front_matter(template);
    let yaml = |s: &str| yaml::inline(&Value::String(s.to_string()));
    let front = substitute(&front, |name| match name {
        "id" => Some(with.id.to_string()),
        "date" => Some(with.date.to_string()),
        "title" => Some(yaml(with.title)),
        "author" => Some(with.author.map(yaml).unwrap_or_default()),
        _ => None,
    });
    let body = substitute(&body, |name| match name {
        "id" => Some(with.id.to_string()),
        "date" => Some(with.date.to_string()),
        "title" => Some(with.title.to_string()),
        "author" => Some(with.author.unwrap_or("").to_string()),
        _ => None,
    });
    front + &body
}

/// Replaces each `{{name}}` that `value` knows, scanning the text once;
/// what a value holds is never scanned again.
fn substitute(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after
            .find("}}")
            .and_then(|close| Some((close, value(&after[..close])?)))
        {
            Some((close, filled)) => {
                out.push_str(&filled);
                rest = &after[close + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn split_at_front_matter(template: &str) -> (String, String) {
    let mut offset = 0;
    for (i, line) in template.split_inclusive('\n').enumerate() {
        offset += line.len();
        if i > 0 && matches!(line.trim_end(), "---" | "...") {
            return (
                template[..offset].to_string(),
                template[offset..].to_string(),
            );
        }
    }
    (String::new(), template.to_string())
}

/// A file-name slug: lowercase ASCII letters and digits joined by `-`,
/// at most 60 characters.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_string();
    if out.len() > 60 {
        out.truncate(60);
        if let Some(cut) = out.rfind('-') {
            out.truncate(cut);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;

    #[test]
    fn titles_are_quoted_in_yaml_only() {
        let t = "---\ntitle: {{title}}\nauthors: [{{author}}]\n---\n# {{title}}\n";
        let got = fill(
            t,
            &Fill {
                id: "EXP-0001",
                title: "Mel: \"better\" #1",
                date: "2024-01-01",
                author: None,
            },
        );
        assert_eq!(
            got,
            "---\ntitle: 'Mel: \"better\" #1'\nauthors: []\n---\n# Mel: \"better\" #1\n"
        );
        let got = fill(
            t,
            &Fill {
                id: "EXP-0001",
                title: "Ask {{author}} about it",
                date: "2024-01-01",
                author: Some("Ada, Bob"),
            },
        );
        assert_eq!(
            got,
            "---\ntitle: \"Ask {{author}} about it\"\nauthors: [\"Ada, Bob\"]\n---\n# Ask {{author}} about it\n"
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Use mel spectrograms!"), "use-mel-spectrograms");
        assert_eq!(slug("  Ünïcode & co  "), "n-code-co");
        assert!(slug(&"word ".repeat(30)).len() <= 60);
    }

    #[test]
    fn builtin_templates_are_valid_records() {
        let schema = config::builtin();
        for kind in &schema.kinds {
            let text = fill(
                builtin(&kind.name).unwrap(),
                &Fill {
                    id: &kind.format_id(1),
                    title: "T",
                    date: "2024-01-01",
                    author: Some("Ada"),
                },
            );
            let record = crate::record::parse("x.md", kind, text.as_bytes()).unwrap();
            let found = crate::check::record::check(kind, &record);
            assert_eq!(found, vec![], "{}", kind.name);
            let generic = fill(
                &from_schema(kind),
                &Fill {
                    id: &kind.format_id(1),
                    title: "T",
                    date: "2024-01-01",
                    author: None,
                },
            );
            let record = crate::record::parse("x.md", kind, generic.as_bytes()).unwrap();
            assert_eq!(
                crate::check::record::check(kind, &record),
                vec![],
                "{generic}"
            );
        }
    }
}
