//! Any bytes as a record of every built-in kind: parsing and per-record
//! checks return a record or a diagnostic, never panic, in linear time.
#![no_main]

use std::sync::OnceLock;

use cairn::schema::Schema;
use libfuzzer_sys::fuzz_target;

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(cairn::config::builtin)
}

fuzz_target!(|data: &[u8]| {
    for kind in &schema().kinds {
        let path = format!("{}/X.md", kind.dir);
        if let Ok(record) = cairn::record::parse(&path, kind, data) {
            let _ = cairn::check::record::check(kind, &record);
        }
    }
});
