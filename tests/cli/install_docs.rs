//! Every install line in README.md and docs/ names the package `cairn-log`
//! (the registry's `cairn` is another project) or a local path, and pins
//! the tested dependency versions with `--locked`.

use std::path::Path;

#[test]
fn every_cargo_install_line_is_locked_and_names_cairn_log() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    let mut seen = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read doc");
        for (n, line) in text.lines().enumerate() {
            let Some(at) = line.find("cargo install") else {
                continue;
            };
            seen += 1;
            // The command alone: up to a shell comment or a closing backtick.
            let rest = &line[at..];
            let end = [rest.find(" #"), rest.find('`')]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(rest.len());
            let command = &rest[..end];
            let place = format!("{}:{}: {line}", file.display(), n + 1);
            assert!(command.contains("--locked"), "without --locked: {place}");
            let target_ok = command.contains("cairn-log") || command.contains("--path");
            assert!(target_ok, "names neither cairn-log nor a path: {place}");
            let words: Vec<&str> = command.split_whitespace().collect();
            assert!(
                !words.contains(&"cairn"),
                "installs the registry's unrelated `cairn`: {place}"
            );
        }
    }
    assert!(seen >= 3, "the docs show how to install cairn");
}
