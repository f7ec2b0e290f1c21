//! Shared test helpers: every integration test goes through these, not the internals.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// The date every test pins, so date-dependent rules do not drift.
pub const TODAY: &str = "2026-11-26";

/// Compiles in-memory files and returns the JSON rendering of the diagnostics.
pub fn check_files(files: &[(&str, &str)]) -> Value {
    let opts = slsc::Options {
        today: TODAY.into(),
        ..Default::default()
    };
    let c = slsc::compile_files(files, &opts).expect("in-memory compile has no I/O errors");
    serde_json::from_str(&slsc::diagnostics::render_json(&c.diagnostics, &c.sources)).unwrap()
}

/// Compiles one in-memory file.
pub fn check(src: &str) -> Value {
    check_files(&[("main.sls", src)])
}

/// The diagnostics' codes, in output order.
pub fn codes(json: &Value) -> Vec<String> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// Runs the slsc binary with the given arguments (and SLSC_TODAY pinned).
pub fn slsc(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slsc"))
        .args(args)
        .current_dir(cwd)
        .env("SLSC_TODAY", TODAY)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the slsc binary runs")
}

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles in-memory files and returns the model (panics, with the diagnostics, when there
/// is none or when there are errors).
pub fn model(src: &str) -> slsc::model::Model {
    model_with(
        src,
        slsc::Options {
            today: TODAY.into(),
            ..Default::default()
        },
    )
}

pub fn model_with(src: &str, opts: slsc::Options) -> slsc::model::Model {
    let c = slsc::compile_files(&[("main.sls", src)], &opts).expect("no I/O errors");
    if c.errors() > 0 || c.model.is_none() {
        panic!(
            "expected a clean model, got:\n{}",
            slsc::diagnostics::render_human(&c.diagnostics, &c.sources, false)
        );
    }
    c.model.unwrap()
}
