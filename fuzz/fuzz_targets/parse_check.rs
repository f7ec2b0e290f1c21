//! `parse_check`: any bytes as a project (`--- NAME` lines split files; UTF-8 read lossily) →
//! compile + output rules → every diagnostic renderer. Never a panic (tests/fuzz_common/mod.rs).

#![no_main]

#[path = "../../tests/fuzz_common/mod.rs"]
mod fuzz_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    fuzz_common::run("parse_check", data, fuzz_common::target_ctx("parse_check", &root));
});
