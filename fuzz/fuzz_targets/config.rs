//! Any text as `.cairn/config.yaml`: a schema or an error with a line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = cairn::config::parse(text, std::path::Path::new(".cairn/config.yaml"));
});
