//! slsc: a compiler for `.sls`, a typed configuration language for serverless applications.
//!
//! [`compile`] is the driver. It runs the phases in order, each consuming the previous one's
//! output, and stops before the graph and the rules when earlier phases found errors:
//!
//! ```text
//!  .sls text ─parse─▶ syntax trees ─lower─▶ typed model ─graph─▶ resource graph ─checks─▶ diagnostics
//! ```
//!
//! [`check`] adds the output rules on the template `build` would emit. Later layers consume the
//! compilation: `emit` (CloudFormation or Terraform JSON and deterministic zips), `plan` (base
//! vs head) and `deploy` (CloudFormation change sets through the AWS SDK). docs/architecture.md
//! maps the layers and what each may import.
//!
//! I/O happens at the edges only: reading `.sls`, `--var-file` and `--policy` files and checking
//! that `source` directories exist (here and in `syntax`), reading the code to package
//! (`emit::artifacts`), git for `plan --base-ref` (`plan::base`), the network in `deploy`, and
//! writing files in the CLI. Lowering, the graph, the rules and the emitters are pure and
//! deterministic.

// Diagnostics are the error type of many helpers; they are built on the error path only, so
// their size does not matter (clippy's result_large_err).
#![allow(clippy::result_large_err)]

pub mod checks;
pub mod deploy;
pub mod diagnostics;
pub mod driver;
pub mod emit;
pub mod fmt;
pub mod graph;
pub mod import;
pub mod init;
pub mod lsp;
pub mod model;
pub mod naming;
pub mod output;
pub mod plan;
pub mod source;
pub mod stdlib;
pub mod syntax;
pub mod timings;

pub use driver::{check_sources, compile, compile_files, Compilation, Options};
use std::path::Path;
use syntax::LoadError;

/// `slsc check`: compiles the project at `path` and, when it has no errors, also runs the
/// output rules on the template `build` would emit (`emit::measure`), so that a project that
/// checks clean builds.
pub fn check(path: &Path, opts: &Options) -> Result<Compilation, LoadError> {
    let mut c = compile(path, opts)?;
    let more = emit::measure(&c);
    if !more.is_empty() {
        c.diagnostics = c.with_more(more);
    }
    Ok(c)
}
