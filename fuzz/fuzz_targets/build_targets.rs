//! `build_targets`: a generated or example project, gently mutated; when it checks without
//! errors both targets are built and every reference in the outputs must be declared
//! (tests/fuzz_common/mod.rs).

#![no_main]

#[path = "../../tests/fuzz_common/mod.rs"]
mod fuzz_common;

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn ctx() -> &'static fuzz_common::Ctx {
    static CTX: OnceLock<fuzz_common::Ctx> = OnceLock::new();
    CTX.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let scratch =
            std::env::temp_dir().join(format!("slsc-fuzz-build_targets-{}", std::process::id()));
        fuzz_common::Ctx::from_env(&root, scratch)
    })
}

fuzz_target!(|data: &[u8]| {
    fuzz_common::run("build_targets", data, ctx());
});
