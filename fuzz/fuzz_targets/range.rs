//! Any text as a revision range: both sides are non-empty slices of it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|spec: &str| {
    if let Some(range) = cairn::range::Range::parse(spec) {
        assert!(!range.from.is_empty() && !range.to.is_empty());
        assert!(spec.contains(".."));
    }
});
