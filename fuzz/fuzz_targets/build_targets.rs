//! `build_targets`: a generated or example project, gently mutated; when it checks without
//! errors both targets are built and every reference in the outputs must be declared
//! (tests/fuzz_common/mod.rs).

#![no_main]

#[path = "../../tests/fuzz_common/mod.rs"]
mod fuzz_common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    fuzz_common::run("build_targets", data, fuzz_common::target_ctx("build_targets", &root));
});
