//! `mutate_project`: the input picks a seed project (examples/, tests/fixtures/) and 1–4
//! mutations → compile + output rules → every renderer. Never a panic (tests/fuzz_common/mod.rs).

#![no_main]

#[path = "../../tests/fuzz_common/mod.rs"]
mod fuzz_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    fuzz_common::run("mutate_project", data, fuzz_common::target_ctx("mutate_project", &root));
});
