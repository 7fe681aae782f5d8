//! A fast reader for the plain YAML that nearly all front matter is: one
//! `key: value` a line, values that are plain or double-quoted scalars or
//! one-line lists, and under a key either a list of `- item` lines or one
//! level of `key: value` lines.
//!
//! It gives exactly what the YAML parser gives for that shape and declines
//! (`None`) anything else — comments, anchors, tags, block scalars,
//! multi-line values, single quotes, escapes other than `\"`, `\\`, `\/`,
//! `\n` and `\t`, unusual characters, numbers other than plain decimals,
//! any doubtful indentation — which then goes to the full parser. It never
//! reports errors: a document it declines may well be invalid, and the
//! full parser says why.

use crate::value::Value;

/// The value of `text`, when it has the simple shape; `None` otherwise.
pub(super) fn parse(text: &str) -> Option<Value> {
    if !plain_characters(text) {
        return None;
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut at = 0;
    let mut entries: Vec<(String, Value)> = Vec::new();
    while at < lines.len() {
        let line = lines[at];
        at += 1;
        if blank(line) {
            continue;
        }
        let (key, rest) = key_line(line)?;
        if entries.iter().any(|(k, _)| *k == key) {
            return None;
        }
        let value = if rest.is_empty() {
            block(&lines, &mut at)?
        } else {
            inline(rest)?
        };
        entries.push((key, value));
    }
    // An empty document is the full parser's to read.
    (!entries.is_empty()).then_some(Value::map(entries))
}

/// Whether every character is one the simple reader may pass on: no
/// control characters but the line feed (no tabs), nothing YAML reads as a
/// line break or byte order mark, nothing it refuses as unprintable.
fn plain_characters(text: &str) -> bool {
    if text
        .bytes()
        .all(|b| (b' '..0x7f).contains(&b) || b == b'\n')
    {
        return true;
    }
    text.chars().all(|c| match c {
        '\n' | ' '..='~' => true,
        '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' => {
            !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
        }
        c => c >= '\u{10000}',
    })
}

fn blank(line: &str) -> bool {
    line.bytes().all(|b| b == b' ')
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A `key:` or `key: value` line at column 0: the key and what follows the
/// colon, trimmed. Keys are words (`status`, `success_criteria`,
/// `learning-rate`) that YAML reads as strings.
fn key_line(line: &str) -> Option<(String, &str)> {
    let colon = line.find(':')?;
    let key = &line[..colon];
    let rest = &line[colon + 1..];
    let word = key
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !word || key.len() > 128 || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    match resolve(key)? {
        Value::String(key) => Some((key, rest.trim_matches(' '))),
        _ => None,
    }
}

/// What follows a `key:` with nothing after it: a list of `- item` lines
/// (indented or not), one level of indented `key: value` lines, or nothing
/// (null). `at` moves past the lines read.
fn block(lines: &[&str], at: &mut usize) -> Option<Value> {
    let Some(first) = lines[*at..].iter().position(|l| !blank(l)).map(|i| *at + i) else {
        return Some(Value::Null);
    };
    let depth = indent(lines[first]);
    let body = &lines[first][depth..];
    let list = body.starts_with("- ");
    if depth == 0 && !list {
        return Some(Value::Null);
    }
    let mut items = Vec::new();
    let mut entries: Vec<(String, Value)> = Vec::new();
    while *at < lines.len() {
        let line = lines[*at];
        if blank(line) {
            *at += 1;
            continue;
        }
        let here = indent(line);
        let body = &line[here..];
        if here < depth || (depth == 0 && !body.starts_with("- ")) {
            // The block is over; a line less indented than its items but
            // not at column 0 is a shape to leave to the full parser.
            return (here == 0).then(|| {
                if list {
                    Value::list(std::mem::take(&mut items))
                } else {
                    Value::map(std::mem::take(&mut entries))
                }
            });
        }
        if here > depth {
            return None;
        }
        if list {
            let item = body.strip_prefix("- ")?.trim_matches(' ');
            if item.is_empty() {
                return None;
            }
            items.push(inline(item)?);
        } else {
            let (key, rest) = key_line(body)?;
            if rest.is_empty() || entries.iter().any(|(k, _)| *k == key) {
                return None;
            }
            entries.push((key, inline(rest)?));
        }
        *at += 1;
    }
    Some(if list {
        Value::list(items)
    } else {
        Value::map(entries)
    })
}

/// A value written on one line after `key: ` or `- `, trimmed: a
/// double-quoted string, a one-line `[a, b]` list of scalars, or a plain
/// scalar.
fn inline(text: &str) -> Option<Value> {
    if text.starts_with('"') {
        return quoted(text).map(Value::String);
    }
    if let Some(inner) = text.strip_prefix('[') {
        let inner = inner.strip_suffix(']')?;
        if blank(inner) {
            return Some(Value::List(Vec::new()));
        }
        return inner
            .split(',')
            .map(|item| {
                let item = item.trim_matches(' ');
                if item.starts_with('"') {
                    quoted(item).map(Value::String)
                } else {
                    plain(item, true)
                }
            })
            .collect::<Option<Vec<Value>>>()
            .map(Value::list);
    }
    plain(text, false)
}

/// A double-quoted string that is the whole of `text`.
fn quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return (!inner.contains('"')).then(|| inner.to_string());
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            '\\' => out.push(match chars.next()? {
                '"' => '"',
                '\\' => '\\',
                '/' => '/',
                'n' => '\n',
                't' => '\t',
                _ => return None,
            }),
            c => out.push(c),
        }
    }
    Some(out)
}

/// A plain scalar, trimmed and not empty; in a `[...]` list (`flow`) no
/// character YAML gives a meaning there.
fn plain(text: &str, flow: bool) -> Option<Value> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    let starts_a_number = first == b'-' && bytes.get(1).is_some_and(u8::is_ascii_digit);
    if (b"-?:,[]{}#&*!|>'\"%@`".contains(&first) && !starts_a_number)
        || text.ends_with(':')
        || text.contains(": ")
        || text.contains(" #")
        || text.contains(['[', ']', '{', '}'])
        || (flow && text.contains([',', ':', '#', '"', '\'']))
    {
        return None;
    }
    resolve(text)
}

/// What YAML's core schema makes of a plain scalar, for the forms the
/// simple reader takes: null, booleans, decimal integers and decimals,
/// dates and words; `None` for any other form a number could take
/// (`1e3`, `0x1f`, `+1`, `.5`, `007`, …).
fn resolve(text: &str) -> Option<Value> {
    match text {
        "null" | "Null" | "NULL" | "~" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let bytes = text.as_bytes();
    let first = bytes[0];
    if first.is_ascii_alphabetic() || first == b'_' || first >= 0x80 {
        // Words: no number or null begins so (`inf` and `nan` are words
        // in YAML, though Rust would read them as floats).
        return Some(Value::String(text.to_string()));
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = unsigned.len() > 1 && unsigned.starts_with('0');
    if digits(unsigned) && !leading_zero && unsigned.len() <= 18 {
        return text.parse().ok().map(Value::Int);
    }
    if let Some((whole, fraction)) = unsigned.split_once('.') {
        let zero_led = whole.len() > 1 && whole.starts_with('0');
        if digits(whole) && digits(fraction) && !zero_led {
            return text
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Value::Float);
        }
    }
    let date = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    date.then(|| Value::String(text.to_string()))
}
