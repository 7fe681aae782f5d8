//! The one place that parses YAML.
//!
//! serde_yaml is used here and nowhere else, so that it can be swapped for a
//! maintained fork by changing this file alone. Callers get the project's
//! own [`Value`] or their own `Deserialize` types, and errors carry the
//! 1-based line within the YAML text they were given.

use serde::Deserialize;
use serde::de::{
    DeserializeOwned, Deserializer, EnumAccess, Error as _, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};

use crate::value::Value;

mod simple;

/// A YAML document that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line within the YAML text, when the parser knows it.
    pub line: Option<usize>,
    /// What the parser said, without its own position suffix.
    pub message: String,
}

/// Flow collections (`[…]`, `{…}`) nested deeper than this are refused
/// before the parser sees them: its cost grows with the square of the depth.
pub const MAX_FLOW_DEPTH: usize = 64;

/// A document with more mapping keys than this, at all levels together, is
/// refused: no record needs that many, and checks look keys up by name.
pub const MAX_KEYS: usize = 10_000;

/// Parses one YAML document into a [`Value`]. An empty document is `Null`.
///
/// Cost is linear in the text: flow nesting and the number of keys are
/// limited ([`MAX_FLOW_DEPTH`], [`MAX_KEYS`]), and so is block nesting
/// (the parser stops at 128 levels) and alias expansion.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    check_flow_depth(text)?;
    // Most front matter is one `key: value` a line: read at a fraction of
    // the full parser's cost, with the same result.
    let value = match simple::parse(text) {
        Some(value) => value,
        None => full(text)?,
    };
    let keys = count_keys(&value);
    if keys > MAX_KEYS {
        return Err(YamlError {
            line: None,
            message: format!(
                "{keys} keys is more than the {MAX_KEYS} cairn reads in one document; move bulk data out of the front matter"
            ),
        });
    }
    Ok(value)
}

/// [`parse`] by the YAML library alone, whatever the document's shape.
fn full(text: &str) -> Result<Value, YamlError> {
    let Document(value) = serde_yaml::from_str(text).map_err(to_error)?;
    Ok(value)
}

/// Deserializes one YAML document into `T` (used for the configuration).
/// The text is first read as a [`Value`], so the same limits apply and a
/// key written twice in any mapping is an error, not a silent overwrite.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    parse(text)?;
    serde_yaml::from_str(text).map_err(to_error)
}

/// A value as YAML on one line, for writing into front matter: scalars
/// go through the YAML emitter, which quotes what needs quoting; lists and
/// maps are written in flow style (`[a, b]`, `{k: v}`). A string the
/// emitter would write over several lines, or that holds a flow indicator
/// (`,[]{}`), is double-quoted with escapes, so the result is valid in
/// block and in flow context alike (a template's `[{{author}}]`).
pub fn inline(value: &Value) -> String {
    emit(value, true)
}

fn emit(value: &Value, in_flow: bool) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Float(x) => scalar(x),
        Value::String(s) => {
            let plain = scalar(s);
            let flow_unsafe = in_flow
                && !plain.starts_with(['"', '\''])
                && plain.contains([',', '[', ']', '{', '}']);
            if plain.contains('\n') || flow_unsafe {
                serde_json::to_string(s).unwrap_or(plain)
            } else {
                plain
            }
        }
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(|v| emit(v, true)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(entries) => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        emit(&Value::String(k.clone()), true),
                        emit(v, true)
                    )
                })
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

/// One scalar through serde_yaml's emitter, without the document's newline.
fn scalar<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let text = serde_yaml::to_string(value).unwrap_or_default();
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

fn count_keys(value: &Value) -> usize {
    match value {
        Value::Map(entries) => entries
            .iter()
            .map(|(_, v)| 1 + count_keys(v))
            .sum::<usize>(),
        Value::List(items) => items.iter().map(count_keys).sum(),
        _ => 0,
    }
}

/// Refuses flow collections nested deeper than [`MAX_FLOW_DEPTH`], in one
/// pass. A `[` or `{` opens a collection where a value can start (line
/// start, after `: `, `- `, `,`, `[`, `{`, `?`); quoted text and comments
/// are skipped. Anything it lets through is still checked by the parser.
fn check_flow_depth(text: &str) -> Result<(), YamlError> {
    // Nesting never passes the number of brackets that open it: counting
    // them is a fraction of the scan below, and nearly every document
    // has a handful (`tags: [a, b]`).
    let opening = text.bytes().filter(|&b| b == b'[' || b == b'{').count();
    if opening <= MAX_FLOW_DEPTH {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut line = 1;
    let mut quote: Option<u8> = None;
    let mut can_open = true;
    let mut prev = b'\n';
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            line += 1;
        }
        if let Some(q) = quote {
            if b == q {
                if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 1;
                } else {
                    quote = None;
                    can_open = false;
                }
            } else if q == b'"' && b == b'\\' {
                i += 1;
            }
            prev = b;
            i += 1;
            continue;
        }
        match b {
            b'#' if prev.is_ascii_whitespace() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'[' | b'{' if can_open => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Err(YamlError {
                        line: Some(line),
                        message: format!(
                            "collections nested more than {MAX_FLOW_DEPTH} levels deep; flatten the value"
                        ),
                    });
                }
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                can_open = false;
            }
            b'"' | b'\'' if can_open => quote = Some(b),
            b',' if depth > 0 => can_open = true,
            b'\n' => can_open = true,
            b':' | b'-' | b'?' => {
                can_open = depth > 0 || bytes.get(i + 1).is_none_or(u8::is_ascii_whitespace);
            }
            b' ' | b'\t' | b'\r' => {}
            _ => can_open = false,
        }
        prev = b;
        i += 1;
    }
    Ok(())
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

/// A [`Value`] deserialized straight from the parser's events, with no
/// intermediate YAML tree: records are parsed by the thousand.
struct Document(Value);

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(Document)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(i64::try_from(n).map_or(Value::Float(n as f64), Value::Int))
    }

    fn visit_f64<E>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Float(x))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Document(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::list(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Value)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
        let mut seen = std::collections::HashSet::new();
        while let Some(Document(key)) = map.next_key()? {
            let key = key_text(key);
            if !seen.insert(key.clone()) {
                return Err(A::Error::custom(format!(
                    "duplicate entry with key \"{key}\""
                )));
            }
            let Document(value) = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Value::map(entries))
    }

    /// A tagged value (`!float 1`): the tag is dropped, the value kept.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (_tag, variant): (serde::de::IgnoredAny, _) = data.variant()?;
        let Document(value) = variant.newtype_variant()?;
        Ok(value)
    }
}

/// Keys are strings in every schema; `1: x` or `true: y` keep their text.
fn key_text(key: Value) -> String {
    match key {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether every list and mapping in `value` holds exactly its items.
    fn fits(value: &Value) -> bool {
        match value {
            Value::List(items) => items.len() == items.capacity() && items.iter().all(fits),
            Value::Map(entries) => {
                entries.len() == entries.capacity() && entries.iter().all(|(_, v)| fits(v))
            }
            _ => true,
        }
    }

    #[test]
    fn lists_and_mappings_keep_no_spare_room() {
        // The simple reader (block lists and mappings) and the full parser
        // (a literal block, which the simple reader leaves to it) both
        // grow their lists as they read; a record keeps its values for
        // the whole command, so what they return is cut to size.
        let simple = "authors:\n  - A\n  - B\n  - C\n  - D\n  - E\nparams:\n  a: 1\n  b: 2\n  c: 3\n  d: 4\n  e: 5\ntags: [x, y, z, w, v]\n";
        let full = format!("{simple}note: |\n  two\n  lines\n");
        for text in [simple, full.as_str()] {
            let value = parse(text).unwrap();
            let Value::Map(entries) = &value else {
                panic!("not a mapping: {value:?}");
            };
            assert!(entries.len() >= 3, "{entries:?}");
            assert!(fits(&value), "{text}: {value:?}");
        }
    }

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
    fn tags_nesting_and_duplicates() {
        let v = parse("a: !custom 5\nb: {c: [1, {d: null}]}\n").unwrap();
        assert_eq!(v.get("a"), Some(&Value::Int(5)));
        assert_eq!(
            v.get("b")
                .and_then(|b| b.get("c"))
                .map(ToString::to_string)
                .as_deref(),
            Some("[1, {d: null}]")
        );
        let err = parse("m:\n  r: 1\n  r: 2\n").unwrap_err();
        assert!(err.message.contains("duplicate entry"), "{}", err.message);
        assert_eq!(
            parse("1: x\ntrue: y\n").unwrap().to_string(),
            "{1: x, true: y}"
        );
    }

    #[test]
    fn deep_flow_nesting_is_refused_in_one_pass() {
        let deep = format!(
            "a: 1\nparams: {}{}\n",
            "[".repeat(200_000),
            "]".repeat(200_000)
        );
        let err = parse(&deep).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(
            err.message.contains("nested more than 64"),
            "{}",
            err.message
        );
        let ok = format!(
            "p: {}1{}\n",
            "[".repeat(MAX_FLOW_DEPTH),
            "]".repeat(MAX_FLOW_DEPTH)
        );
        assert!(parse(&ok).is_ok());
        // Many brackets side by side, none deep: scanned, and read.
        let wide = format!("w: [{}]\n", vec!["[1]"; 100].join(", "));
        assert!(parse(&wide).is_ok(), "{:?}", parse(&wide));
        // Brackets inside quotes, comments and plain words are not nesting.
        let text = format!("t: \"{0}\"\nu: '{0}'\nv: a{0}\n# {0}\n", "[".repeat(100));
        assert!(parse(&text).is_ok(), "{:?}", parse(&text));
    }

    #[test]
    fn too_many_keys_are_refused() {
        let text: String = (0..=MAX_KEYS).map(|i| format!("k{i}: {i}\n")).collect();
        let err = parse(&text).unwrap_err();
        assert!(
            err.message.contains("10000 keys") || err.message.contains("10001 keys"),
            "{}",
            err.message
        );
        let text: String = (0..MAX_KEYS).map(|i| format!("k{i}: {i}\n")).collect();
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn duplicate_keys_are_refused_by_from_str() {
        let err =
            from_str::<std::collections::BTreeMap<String, i64>>("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(err.message.contains("duplicate"), "{}", err.message);
    }

    #[test]
    fn inline_values_read_back_as_written() {
        let values = [
            Value::String("Ask {{author}} about it".into()),
            Value::String("it's \"quoted\": yes # no".into()),
            Value::String("line one\nline two".into()),
            Value::String("@handle".into()),
            Value::String("2024-01-01".into()),
            Value::String("true".into()),
            Value::String("".into()),
            Value::String("- x".into()),
            Value::List(vec![
                Value::String("a, b".into()),
                Value::String("[c]".into()),
                Value::Int(3),
            ]),
            Value::Map(vec![("k: 1".into(), Value::Float(0.5))]),
            Value::Bool(false),
            Value::Null,
        ];
        for value in values {
            let text = format!("k: {}\n", inline(&value));
            assert_eq!(text.lines().count(), 1, "{text}");
            let back = parse(&text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(back.get("k"), Some(&value), "{text}");
        }
        assert_eq!(inline(&Value::String("DEC-0002".into())), "DEC-0002");
        assert_eq!(
            inline(&Value::List(vec![Value::String("DEC-0001".into())])),
            "[DEC-0001]"
        );
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

/// The simple reader against the YAML library: wherever it takes a
/// document, it gives what the library gives.
#[cfg(test)]
mod simple_agrees {
    use proptest::prelude::*;

    use super::*;

    const SCALARS: &[&str] = &[
        "done",
        "a b",
        "a  b",
        "a, b",
        "it's",
        "He said \"hi\"",
        "\"quoted\"",
        "\"\"",
        "\"with \\\" escape\"",
        "\"\\n\\t\\/\\\\\"",
        "\"bad \\x escape\"",
        "\"a # b\"",
        "\"open",
        "12",
        "-3",
        "0",
        "-0",
        "007",
        "0.5",
        "-0.25",
        "1.0",
        "00.5",
        "1e3",
        "0x1f",
        "+1",
        ".5",
        ".inf",
        "-.inf",
        "inf",
        "nan",
        "NaN",
        "Infinity",
        "~",
        "null",
        "Null",
        "NULL",
        "TRUE",
        "True",
        "false",
        "yes",
        "no",
        "on",
        "2023-01-02",
        "2023-13-45",
        "2023-01-02T10:00:00",
        "12:30",
        "a: b",
        "a:",
        "a:b",
        "a #c",
        "a#c",
        "#c",
        "-",
        "- x",
        "-x",
        "-1",
        "-.5",
        "--",
        "---",
        "...",
        "[a, b]",
        "[]",
        "[ ]",
        "[a,]",
        "[,]",
        "[\"x, y\"]",
        "[\"a]\"]",
        "[a b, c]",
        "[[a]]",
        "[a, [b]]",
        "[-1, 2.5, x]",
        "[a: b]",
        "[a # b]",
        "[\"q\", 'r']",
        "[a] b",
        "{a: 1}",
        "&a x",
        "*a",
        "!t x",
        "!!str 5",
        "|",
        ">",
        "'s'",
        "@x",
        "`x`",
        "%x",
        "é",
        "\u{a0}x",
        "x\u{85}y",
        "x\u{2028}y",
        "\u{feff}x",
        "123456789012345678",
        "1234567890123456789",
        "99999999999999999999",
        "-99999999999999999999",
        "-1.5e3",
        "1_000",
        "0.",
        ".",
        "…",
        "/path/a.b",
        "a/b",
        "C++",
        "100%",
        "50 %",
        "x\ty",
        "a ",
        "?",
        "? x",
        "a?",
        "a'",
        "a\"",
        "= x",
        "<x>",
        "🐦 bird",
        "\u{7f}",
    ];

    const KEYS: &[&str] = &[
        "id", "title", "status", "k-b", "x.y", "_k", "true", "null", "no", "Key", "k1", "1", "a b",
        "\"q\"", "é", "? k", "- k", "&k", "k ",
    ];

    /// Values the simple reader takes, or nearly.
    const NEAR: &[&str] = &[
        "done",
        "a b",
        "a, b",
        "it's",
        "\"quoted\"",
        "\"a: b # c\"",
        "12",
        "-3",
        "0.5",
        "-0.25",
        "2023-01-02",
        "null",
        "~",
        "true",
        "False",
        "[a, b]",
        "[]",
        "[\"x\", -1]",
        "inf",
        "nan",
        "\"\\n\"",
        "x_y-z",
        "é",
        "1.0",
        "0",
    ];

    fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => prop::sample::select(SCALARS).prop_map(str::to_string),
            6 => prop::sample::select(NEAR).prop_map(str::to_string),
            1 => "[ -~]{0,8}",
        ]
    }

    /// One entry of a front matter: a key with a value on its line, with
    /// a list or map under it, or a line of another kind.
    fn entry() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            3 => prop::sample::select(&KEYS[..6]),
            1 => prop::sample::select(KEYS),
        ];
        let indent = prop::sample::select(vec![0usize, 1, 2, 4]);
        prop_oneof![
            6 => (key.clone(), scalar()).prop_map(|(k, v)| format!("{k}: {v}")),
            2 => (key.clone(), indent.clone(), prop::collection::vec(scalar(), 0..4)).prop_map(
                |(k, n, items)| {
                    let mut text = format!("{k}:");
                    for item in items {
                        text.push_str(&format!("\n{}- {item}", " ".repeat(n)));
                    }
                    text
                }
            ),
            2 => (key.clone(), indent, prop::collection::vec((key.clone(), scalar()), 0..4))
                .prop_map(|(k, n, entries)| {
                    let mut text = format!("{k}:");
                    for (sub, v) in entries {
                        text.push_str(&format!("\n{}{sub}: {v}", " ".repeat(n.max(1))));
                    }
                    text
                }),
            1 => Just(String::new()),
            1 => Just("   ".to_string()),
            1 => prop::sample::select(vec![
                "# a comment",
                "  continued",
                "  - stray",
                "key:value",
                "- top",
            ])
            .prop_map(str::to_string),
        ]
    }

    fn document() -> impl Strategy<Value = String> {
        (prop::collection::vec(entry(), 0..7), any::<bool>()).prop_map(|(lines, end)| {
            let mut text = lines.join("\n");
            if end {
                text.push('\n');
            }
            text
        })
    }

    fn agrees(text: &str) -> Result<(), TestCaseError> {
        if let Some(fast) = simple::parse(text) {
            let full = full(text);
            prop_assert_eq!(Ok(&fast), full.as_ref(), "{:?}", text);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]
        #[test]
        fn on_generated_documents(text in document()) {
            agrees(&text)?;
        }
    }

    /// Every record shipped with cairn: the examples and the bad-input
    /// corpus, and the shapes the corpus generator writes.
    #[test]
    fn on_real_records() {
        let mut texts = Vec::new();
        for dir in ["examples/research", "tests/corpus/records", "templates"] {
            for entry in walkdir::WalkDir::new(dir) {
                let entry = entry.unwrap();
                if entry.file_type().is_file() {
                    texts.push(std::fs::read(entry.path()).unwrap());
                }
            }
        }
        let mut taken = 0;
        for bytes in &texts {
            let Ok(text) = crate::frontmatter::decode(bytes) else {
                continue;
            };
            let Ok(split) = crate::frontmatter::split(&text) else {
                continue;
            };
            agrees(split.yaml).unwrap();
            taken += usize::from(simple::parse(split.yaml).is_some());
        }
        // Most of them take the fast way.
        assert!(taken * 2 > texts.len(), "{taken} of {}", texts.len());
        let generated = "id: EXP-0001\ntitle: \"Decoder contrastive smoothing\"\nstatus: done\ncreated: 2023-01-02\nauthors:\n  - Chen Wei\ntags: [data]\nhypothesis: \"precision rate\"\nscope: SCOPE-0001\nparams:\n  learning_rate: 0.001\n  batch_size: 32\ndata: field-recordings-v7\nmetrics:\n  accuracy: 0.5325\noutcome: refuted\n";
        assert!(simple::parse(generated).is_some());
        agrees(generated).unwrap();
    }
}
