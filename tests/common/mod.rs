//! Shared test helpers: every integration test goes through these, not the internals.
//!
//! Each test crate compiles this module (`mod common;`) and uses only part of it, hence
//! `allow(dead_code)` (it covers the submodules too).
#![allow(dead_code)]

pub mod build;
pub mod diagnostics;
pub mod fixtures;
pub mod moto;
pub mod plan;
pub mod python;
pub mod serverless;
pub mod temp;

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

/// (code, line, column) of every diagnostic of `slsc check . --format json` run in `dir` (so the
/// output rules run too), and the JSON.
pub fn check_positions(dir: &Path) -> (Vec<(String, u64, u64)>, Value) {
    let o = slsc(&["check", ".", "--format", "json"], dir);
    let json: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let got = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    (got, json)
}

/// Runs the slsc binary from the repository root.
pub fn run(args: &[&str]) -> Output {
    slsc(args, root())
}

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A path relative to the repository root, with `/` separators (as the compiler displays it).
pub fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Whether a directory is an application project: one of its `.sls` files declares the `app`
/// block. (`examples/policies/` holds only `policy` blocks, loaded into projects with
/// `--policy`: it is not one.)
pub fn declares_app(dir: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    rd.filter_map(Result::ok)
        .map(|f| f.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sls"))
        .any(|p| {
            std::fs::read_to_string(&p).is_ok_and(|text| {
                text.lines().any(|l| {
                    l.strip_prefix("app")
                        .is_some_and(|rest| rest.trim_start().starts_with('"'))
                })
            })
        })
}

/// Panics with every problem, when there are any.
pub fn fail_if_any(problems: Vec<String>) {
    if !problems.is_empty() {
        panic!(
            "{} problem(s):\n\n{}\n",
            problems.len(),
            problems.join("\n\n")
        );
    }
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
    expect_clean(slsc::compile_files(&[("main.sls", src)], &opts).expect("no I/O errors"))
}

/// The model of a compilation (panics, with the diagnostics, when there is none or when there
/// are errors).
pub fn expect_clean(c: slsc::Compilation) -> slsc::model::Model {
    if c.errors() > 0 || c.model.is_none() {
        panic!(
            "expected a clean model, got:\n{}",
            slsc::diagnostics::render_human(&c.diagnostics, &c.sources, false)
        );
    }
    c.model.unwrap()
}
