//! Emitters: the checked model and graph → deployable files.
//!
//! Targets are siblings behind [`Target`]; each reads the graph (for grants and dependencies)
//! and the model (for attribute values). [`build`] runs the target, the deterministic
//! artifacts, and the `template-limits` rule on the real output. It writes nothing: the CLI
//! writes the returned files.

pub mod artifacts;
pub mod cloudformation;
pub mod iam;
pub mod shared;
pub mod terraform;

use crate::checks;
use crate::diagnostics::Diagnostic;
use crate::Compilation;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    CloudFormation,
    Terraform,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::CloudFormation => "cloudformation",
            Target::Terraform => "terraform",
        }
    }
}

/// The files of a build, relative to the output directory, in a stable order; each file's
/// content is a list of chunks written one after the other.
pub struct Built {
    pub files: Vec<(String, Vec<Vec<u8>>)>,
    /// Warnings found while building (e.g. `template-limits` lowered to warn).
    pub diagnostics: Vec<Diagnostic>,
    pub resources: usize,
    pub artifacts: usize,
}

/// CloudFormation's limits (SPEC §6 `template-limits`).
pub const MAX_RESOURCES: usize = 500;
pub const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;
pub const MAX_INLINE_POLICY_BYTES: usize = 10 * 1024;

/// Builds a compiled project. `Err` carries the diagnostics that stop the build (errors).
pub fn build(c: &Compilation, target: Target, out_dir: &Path) -> Result<Built, Vec<Diagnostic>> {
    let (Some(model), Some(graph)) = (&c.model, &c.graph) else {
        return Err(c.diagnostics.clone());
    };
    // Renamed blocks (`moved`) are emitted under their old names: same logical IDs, addresses
    // and physical names (model/moved.rs).
    let renamed = model
        .with_identities()
        .map(|m| (crate::graph::Graph::build(&m), m));
    let (model, graph) = match &renamed {
        Some((g, m)) => (m, g),
        None => (model, graph),
    };
    let exclude: Vec<PathBuf> = vec![out_dir.to_path_buf()];
    let arts = artifacts::build(model, &c.project_dir, &exclude)?;
    let key = |f: &str| artifacts::key_for(&arts, f).map(|a| a.key.clone());
    let mut files = Vec::new();
    let mut diags = Vec::new();
    let resources;
    match target {
        Target::CloudFormation => {
            // The template (tens of MB for a large project) is rendered on a fresh thread. With
            // glibc, a new thread takes an allocator arena that an ended thread left behind —
            // here one of the parser and lowering threads', holding the freed syntax trees — so
            // the template reuses that memory instead of growing the main thread's arena (see
            // docs/performance.md). Only where the memory comes from changes, not the output.
            let t = std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .name("slsc-emit".into())
                    .spawn_scoped(scope, || cloudformation::emit(model, graph, &key))
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            })
            .unwrap_or_else(|_| cloudformation::emit(model, graph, &key));
            resources = t.resources;
            let sizes = t.policy_sizes;
            let len: usize = t.pieces.iter().map(String::len).sum();
            let app = &model.app;
            if resources > MAX_RESOURCES {
                diags.push(Diagnostic::error(
                    "template-limits",
                    app.header,
                    format!("the template has {resources} resources; CloudFormation allows {MAX_RESOURCES} per stack"),
                ).with_help("split the application into several projects (one stack each)"));
            }
            if len > MAX_TEMPLATE_BYTES {
                diags.push(Diagnostic::error(
                    "template-limits",
                    app.header,
                    format!("the template is {len} bytes; CloudFormation accepts at most {MAX_TEMPLATE_BYTES} (1 MB)"),
                ).with_help("split the application into several projects (one stack each)"));
            }
            for (role, size) in sizes {
                if size > MAX_INLINE_POLICY_BYTES {
                    let fname = role.trim_end_matches("FunctionRole");
                    let f = model
                        .of_kind(crate::model::BlockKind::Function)
                        .find(|f| crate::model::validate::pascal(&f.name) == fname);
                    let span = f.map(|f| f.header).unwrap_or(app.header);
                    diags.push(Diagnostic::error(
                        "template-limits",
                        span,
                        format!("the inline policy of {role} is {size} bytes; IAM allows {MAX_INLINE_POLICY_BYTES} per role"),
                    ).with_help("grant access to fewer resources from this function, or split it"));
                }
            }
            files.push((
                "template.json".to_string(),
                t.pieces.into_iter().map(String::into_bytes).collect(),
            ));
        }
        Target::Terraform => {
            let artifact = |f: &str| {
                artifacts::key_for(&arts, f).map(|a| (a.key.clone(), a.sha256_base64.clone()))
            };
            let (text, n) = terraform::emit(model, graph, &artifact);
            resources = n;
            files.push(("main.tf.json".to_string(), vec![text.into_bytes()]));
        }
    }
    let diags: Vec<Diagnostic> = diags
        .into_iter()
        .filter_map(|d| checks::leveled(model, d, true))
        .collect();
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let n_artifacts = arts.len();
    for a in arts {
        files.push((a.key, vec![a.bytes]));
    }
    Ok(Built {
        files,
        diagnostics: diags,
        resources,
        artifacts: n_artifacts,
    })
}
