//! Any text as a record body: sections and links come out with lines
//! inside the text, in linear time.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let body = cairn::markdown::parse(text, 1);
    let lines = text.lines().count().max(1);
    for section in &body.sections {
        assert!(section.line >= 1 && section.line <= lines + 1, "{section:?}");
    }
    for link in &body.links {
        assert!(link.line >= 1 && link.line <= lines + 1, "{link:?}");
    }
});
