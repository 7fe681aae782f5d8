//! Edits front matter values in place, changing only the lines it must:
//! comments, key order, quoting elsewhere, line endings and every other
//! byte of the file stay as they were.

use crate::frontmatter::top_level_keys;

/// Why a front matter edit cannot be made safely.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The text has no front matter block.
    #[error("the file has no front matter block")]
    NoFrontMatter,
    /// The key's value spans several lines; rewriting it could lose text.
    #[error("`{0}` has a value over several lines; edit it by hand")]
    MultiLine(String),
}

/// Sets top-level `key` to the YAML `value` (already formatted). An
/// existing single-line value is replaced, keeping a trailing comment; a
/// missing key is added after `after` (or at the end of the block).
pub fn set(text: &str, key: &str, value: &str, after: Option<&str>) -> Result<String, EditError> {
    let bom = if text.starts_with('\u{feff}') {
        "\u{feff}"
    } else {
        ""
    };
    let body = &text[bom.len()..];
    let newline = if body.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return Err(EditError::NoFrontMatter);
    }
    let close = lines
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, l)| matches!(l.trim_end(), "---" | "..."))
        .map(|(i, _)| i)
        .ok_or(EditError::NoFrontMatter)?;
    let yaml: String = lines[1..close].concat().replace("\r\n", "\n");
    let keys = top_level_keys(&yaml); // lines 1-based within yaml → index = line
    let block_end = |start: usize| {
        keys.iter()
            .map(|(_, l)| *l)
            .find(|&l| l > start)
            .unwrap_or(close)
    };
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    if let Some((_, line)) = keys.iter().find(|(k, _)| k == key) {
        let idx = *line; // index in `lines` (line 0 is the opening ---)
        let end = block_end(*line);
        let continued = lines[idx + 1..end]
            .iter()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        if continued {
            return Err(EditError::MultiLine(key.to_string()));
        }
        let original = lines[idx];
        let ending = if original.ends_with("\r\n") {
            "\r\n"
        } else if original.ends_with('\n') {
            "\n"
        } else {
            ""
        };
        let content = original.trim_end_matches(['\r', '\n']);
        let colon = content.find(':').unwrap_or(content.len());
        let rest = &content[colon + 1..];
        let comment = comment_of(rest)
            .map(|c| format!(" {c}"))
            .unwrap_or_default();
        out[idx] = format!("{}: {value}{comment}{ending}", &content[..colon]);
    } else {
        let at = match after.and_then(|a| keys.iter().find(|(k, _)| k == a)) {
            Some((_, line)) => block_end(*line),
            None => close,
        };
        // Insert before trailing blank lines and comments of the block above.
        out.insert(at, format!("{key}: {value}{newline}"));
    }
    Ok(format!("{bom}{}", out.concat()))
}

/// The `# comment` that ends a plain or quoted scalar, if any.
fn comment_of(rest: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in rest.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && prev.is_whitespace() => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return Some(&rest[i..]),
            None => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEC: &str = "---\nid: DEC-0001\n# the state of play\nstatus: accepted   # since March\ndeciders: [Ada]\n---\n\n# Use mel\n";

    #[test]
    fn replaces_only_the_value() {
        let got = set(DEC, "status", "superseded", None).unwrap();
        assert_eq!(
            got,
            DEC.replace(
                "status: accepted   # since March",
                "status: superseded # since March"
            )
        );
    }

    #[test]
    fn inserts_after_a_key() {
        let got = set(DEC, "superseded_by", "DEC-0002", Some("status")).unwrap();
        assert_eq!(
            got,
            DEC.replace(
                "# since March\n",
                "# since March\nsuperseded_by: DEC-0002\n"
            )
        );
        let end = set(DEC, "superseded_by", "DEC-0002", Some("nope")).unwrap();
        assert!(end.contains("deciders: [Ada]\nsuperseded_by: DEC-0002\n---\n"));
    }

    #[test]
    fn keeps_crlf_and_bom() {
        let text = "\u{feff}---\r\nid: DEC-1\r\nstatus: accepted\r\n---\r\nbody\r\n";
        let got = set(text, "status", "superseded", None).unwrap();
        assert_eq!(got, text.replace("accepted", "superseded"));
        let got = set(text, "superseded_by", "DEC-2", Some("status")).unwrap();
        assert_eq!(
            got,
            text.replace(
                "status: accepted\r\n",
                "status: accepted\r\nsuperseded_by: DEC-2\r\n"
            )
        );
    }

    #[test]
    fn refuses_multi_line_values() {
        let text = "---\nstatus: >\n  accepted\n---\n";
        assert_eq!(
            set(text, "status", "x", None),
            Err(EditError::MultiLine("status".into()))
        );
        assert_eq!(set("no", "a", "b", None), Err(EditError::NoFrontMatter));
    }
}
