//! Any text as a user catalog file: loading either succeeds or names the problem; a catalog
//! that loads compiles into a matcher, and running its own examples never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use logtriage::matching::{check_examples, Catalog, LineMatcher};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut catalog = Catalog::default();
    match catalog.add_source("fuzz.toml", text) {
        Ok(()) => {
            let m = LineMatcher::new(&catalog);
            let _ = m.hits(text);
            let _ = check_examples(&catalog);
        }
        Err(e) => assert!(
            e.to_string().contains("fuzz.toml"),
            "errors name the file: {e}"
        ),
    }
});
