//! The one place that parses YAML.
//!
//! serde_yaml is used here and nowhere else, so that it can be swapped for a
//! maintained fork by changing this file alone. Callers get the project's
//! own [`Value`] or their own `Deserialize` types, and errors carry the
//! 1-based line within the YAML text they were given.

use serde::de::DeserializeOwned;

use crate::value::Value;

/// A YAML document that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line within the YAML text, when the parser knows it.
    pub line: Option<usize>,
    /// What the parser said, without its own position suffix.
    pub message: String,
}

/// Parses one YAML document into a [`Value`]. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    let raw: serde_yaml::Value = serde_yaml::from_str(text).map_err(to_error)?;
    Ok(convert(raw))
}

/// Deserializes one YAML document into `T` (used for the configuration).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(to_error)
}

fn to_error(err: serde_yaml::Error) -> YamlError {
    let line = err.location().map(|loc| loc.line());
    let mut message = err.to_string();
    // serde_yaml appends " at line L column C"; the caller reports the
    // line itself, translated to the file's numbering.
    if let Some(pos) = message.find(" at line ") {
        message.truncate(pos);
    }
    YamlError { line, message }
}

fn convert(raw: serde_yaml::Value) -> Value {
    match raw {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => Value::List(items.into_iter().map(convert).collect()),
        serde_yaml::Value::Mapping(map) => Value::Map(
            map.into_iter()
                .map(|(k, v)| (key_text(k), convert(v)))
                .collect(),
        ),
        serde_yaml::Value::Tagged(tagged) => convert(tagged.value),
    }
}

/// Keys are strings in every schema; `1: x` or `true: y` keep their text.
fn key_text(key: serde_yaml::Value) -> String {
    match convert(key) {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_keeps_order_and_types() {
        let v = parse("b: 1\na: 0.5\nc: [x, y]\nd: 2023-14-05\n").unwrap();
        let Value::Map(entries) = v else {
            panic!("not a map")
        };
        let keys: Vec<_> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c", "d"]);
        assert_eq!(entries[0].1, Value::Int(1));
        assert_eq!(entries[1].1, Value::Float(0.5));
        // YAML 1.2 keeps dates as strings; the schema checks them.
        assert_eq!(entries[3].1, Value::String("2023-14-05".into()));
    }

    #[test]
    fn syntax_errors_carry_the_yaml_line() {
        let err = parse("a: 1\nb: [unclosed\nc: 3\n").unwrap_err();
        assert!(err.line.is_some());
        assert!(!err.message.contains(" at line "));
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(parse("").unwrap(), Value::Null);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in 'b'..='z' {
            text.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        assert!(parse(&text).is_err());
    }
}
