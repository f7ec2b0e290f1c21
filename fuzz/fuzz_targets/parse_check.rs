//! `parse_check`: any bytes as a project (`--- NAME` lines split files; UTF-8 read lossily) →
//! compile + output rules → every diagnostic renderer. Never a panic (tests/fuzz_common/mod.rs).

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
            std::env::temp_dir().join(format!("slsc-fuzz-parse_check-{}", std::process::id()));
        fuzz_common::Ctx::from_env(&root, scratch)
    })
}

fuzz_target!(|data: &[u8]| {
    fuzz_common::run("parse_check", data, ctx());
});
