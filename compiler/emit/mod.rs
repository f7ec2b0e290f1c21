//! Emitters: the checked model and graph → deployable files.
//!
//! Targets are siblings behind [`Target`]; each reads the graph (for grants and dependencies)
//! and the model (for attribute values). [`build`] runs the target, the deterministic
//! artifacts, and the output rules of the registry (`template-limits`) on the real output. It
//! writes nothing: the CLI writes the returned files.

pub mod artifacts;
pub mod cloudformation;
pub mod iam;
pub mod logical_ids;
pub mod names;
pub mod package_filter;
pub mod resources;
pub mod shared;
pub mod stacks;
pub mod terraform;

use crate::checks;
use crate::diagnostics::Diagnostic;
use crate::driver::Compilation;
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

/// An artifact's key, its functions, and every path considered with why it was left out
/// (`None`: packaged).
pub type ExplainedArtifact = (String, Vec<String>, Vec<(String, Option<String>)>);

/// The files of a build, relative to the output directory, in a stable order; each file's
/// content is a list of chunks written one after the other.
pub struct Built {
    pub files: Vec<(String, Vec<Vec<u8>>)>,
    /// Warnings found while building (e.g. `template-limits` lowered to warn).
    pub diagnostics: Vec<Diagnostic>,
    pub resources: usize,
    pub artifacts: usize,
    /// With `--explain-artifacts`: per artifact (key, functions), every path considered and why
    /// it was left out (`None`: packaged).
    pub explained: Vec<ExplainedArtifact>,
    /// Each emitted resource (CloudFormation logical ID, Terraform address) and the address of
    /// the block that emitted it, as the emitter recorded it: the plan reads owners from here,
    /// never from a name.
    pub owners: std::collections::BTreeMap<String, String>,
}

/// Runs the output rules (`template-limits`) and the name-collision check on the CloudFormation
/// template `build` would emit, without packaging or writing anything (artifact keys are
/// [`artifacts::placeholder_key`]s of the real keys' length): what `check` adds so that a project
/// that checks clean builds. Nothing when the project has errors.
///
/// Collisions are found on the CloudFormation names, the coarser of the two targets' (PascalCase
/// merges `a_1` and `a1`; Terraform keeps block names as written, with the same derived
/// suffixes). The Terraform emitter still checks its own addresses when it builds; it is not run
/// here, since emitting Terraform costs as much as the rest of `check`.
pub fn measure(c: &Compilation) -> Vec<Diagnostic> {
    let (Some(model), Some(graph)) = (&c.model, &c.graph) else {
        return Vec::new();
    };
    if c.errors() > 0 {
        return Vec::new();
    }
    let renamed = renamed(model);
    let (model, graph) = match &renamed {
        Some((g, m)) => (m, g),
        None => (model, graph),
    };
    let key = |f: &str| artifacts::user_block(model, f).map(artifacts::placeholder_key);
    cloudformation_output(model, graph, &key, false).diagnostics
}

/// The CloudFormation output: one template, or — when it would exceed a stack's limits, or
/// `app.nested_stacks` asks — a root template and nested ones (emit/stacks.rs); its files
/// (empty when measuring), resource count and diagnostics (collisions, `logical_ids`, the output
/// rules).
struct CfnOutput {
    files: Vec<(String, Vec<Vec<u8>>)>,
    resources: usize,
    diagnostics: Vec<Diagnostic>,
    owners: std::collections::BTreeMap<String, String>,
}

fn cloudformation_output(
    model: &crate::model::Model,
    graph: &crate::graph::Graph,
    key: &(dyn Fn(&str) -> Option<String> + Sync),
    write: bool,
) -> CfnOutput {
    use checks::rules::template_limits::{MAX_RESOURCES, MAX_TEMPLATE_BYTES};
    let mut t = emit_cloudformation(model, graph, key);
    crate::timings::mark("resources emitted");
    let owners = resources::owners(&t.resources);
    let policy_sizes = resources::policy_sizes(&t.resources);
    let mut diagnostics = names::diagnostics(&t.collisions, "logical ID");
    let rename_diagnostics = std::mem::take(&mut t.rename_diagnostics);
    diagnostics.extend(rename_diagnostics);
    let count = t.resources.len();
    // Pinned stack counts split at any size; so does a template over a limit (its size is
    // measured only when the count alone does not decide).
    let pinned = model.app.is_set("nested_stacks") || model.app.is_set("data_stacks");
    let single = (!pinned && count <= MAX_RESOURCES)
        .then(|| {
            let head = cloudformation::single_head(model, &t);
            let bytes = cloudformation::template_bytes(&head, &t);
            (head, bytes)
        })
        .filter(|(_, bytes)| *bytes <= MAX_TEMPLATE_BYTES);
    crate::timings::mark("measured");
    if let Some((head, bytes)) = single {
        let template = checks::Template {
            resources: count,
            bytes,
            policy_sizes: &policy_sizes,
            stacks: &[],
            stack_cycle: &[],
            stack_cycle_at: None,
        };
        diagnostics.extend(checks::run_output(model, &template));
        let files = if write {
            let doc = cloudformation::template(head, t);
            vec![("template.json".to_string(), doc.into_chunks())]
        } else {
            Vec::new()
        };
        return CfnOutput {
            files,
            resources: count,
            diagnostics,
            owners,
        };
    }
    let s = stacks::split(model, t);
    crate::timings::mark("split into stacks");
    let mut sizes = vec![checks::StackSize {
        name: "root".into(),
        resources: s.root_resources,
        bytes: s.root.bytes(),
        parameters: 1,
        outputs: s.root_outputs,
    }];
    sizes.extend(s.nested.iter().map(|x| checks::StackSize {
        name: x.id.clone(),
        resources: x.resources,
        bytes: x.doc.bytes(),
        parameters: x.parameters,
        outputs: x.outputs,
    }));
    let resources = s.root_resources + s.nested.iter().map(|x| x.resources).sum::<usize>();
    let template = checks::Template {
        resources,
        bytes: sizes.iter().map(|x| x.bytes).sum(),
        policy_sizes: &policy_sizes,
        stacks: &sizes,
        stack_cycle: &s.cycle,
        stack_cycle_at: s.cycle_at,
    };
    diagnostics.extend(checks::run_output(model, &template));
    let files = if write {
        let mut files = vec![("template.json".to_string(), s.root.into_chunks())];
        files.extend(s.nested.into_iter().map(|x| (x.file, x.doc.into_chunks())));
        files
    } else {
        Vec::new()
    };
    CfnOutput {
        files,
        resources,
        diagnostics,
        owners,
    }
}

/// Builds a compiled project. `Err` carries the diagnostics that stop the build (errors).
pub fn build(c: &Compilation, target: Target, out_dir: &Path) -> Result<Built, Vec<Diagnostic>> {
    build_with(c, target, out_dir, false)
}

/// [`build`], and with `explain` the artifacts say what they considered and why
/// ([`Built::explained`]).
pub fn build_with(
    c: &Compilation,
    target: Target,
    out_dir: &Path,
    explain: bool,
) -> Result<Built, Vec<Diagnostic>> {
    let (Some(model), Some(graph)) = (&c.model, &c.graph) else {
        if c.errors() > 0 || c.sources.is_empty() {
            return Err(c.diagnostics.clone());
        }
        // A folder of policy blocks alone checks clean (a policy library), but has no app.
        return Err(vec![Diagnostic::error(
            "missing-attribute",
            crate::diagnostics::Span::file_start(0),
            "this folder holds only `policy` blocks (a policy library): there is no `app` to build",
        )
        .with_help(
            "load the policies into a project with `--policy DIR`, or add an `app` block",
        )]);
    };
    let renamed = renamed(model);
    // Renamed blocks are emitted under their identity (old) names; owners are reported under
    // the names as written.
    let written: std::collections::HashMap<String, String> = match &renamed {
        Some((_, m)) => m
            .blocks
            .iter()
            .zip(&model.blocks)
            .map(|(old, new)| (old.addr(), new.addr()))
            .filter(|(a, b)| a != b)
            .collect(),
        None => Default::default(),
    };
    let (model, graph) = match &renamed {
        Some((g, m)) => (m, g),
        None => (model, graph),
    };
    let missing = missing_bodies(model, target);
    if !missing.is_empty() {
        return Err(missing);
    }
    let exclude: Vec<PathBuf> = vec![out_dir.to_path_buf()];
    let mut arts = artifacts::build_explained(model, &c.project_dir, &exclude, explain)?;
    let explained = arts
        .iter_mut()
        .filter(|a| explain && !a.explained.is_empty())
        .map(|a| {
            (
                a.key.clone(),
                a.functions.clone(),
                std::mem::take(&mut a.explained),
            )
        })
        .collect();
    crate::timings::mark("artifacts");
    let key = |f: &str| artifacts::key_for(&arts, f).map(|a| a.key.clone());
    let mut files = Vec::new();
    let diags;
    let resources;
    let owners;
    match target {
        Target::CloudFormation => {
            let out = cloudformation_output(model, graph, &key, true);
            diags = out.diagnostics;
            resources = out.resources;
            owners = out.owners;
            files.extend(out.files);
        }
        Target::Terraform => {
            let artifact = |f: &str| {
                artifacts::key_for(&arts, f).map(|a| (a.key.clone(), a.sha256_base64.clone()))
            };
            let tf = terraform::emit(model, graph, &artifact);
            diags = names::diagnostics(&tf.collisions, "Terraform address");
            resources = tf.resources;
            owners = tf.owners;
            files.push((
                "main.tf.json".to_string(),
                tf.chunks.into_iter().map(String::into_bytes).collect(),
            ));
        }
    }
    crate::timings::mark("emitted");
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
        explained,
        owners: owners
            .into_iter()
            .map(|(id, a)| {
                let a = written.get(&a).cloned().unwrap_or(a);
                (id, a)
            })
            .collect(),
    })
}

/// A raw resource without a body for the target being built: an error at the block (it would
/// otherwise be left out silently).
fn missing_bodies(model: &crate::model::Model, target: Target) -> Vec<Diagnostic> {
    let (key, name) = match target {
        Target::CloudFormation => ("cloudformation", "CloudFormation"),
        Target::Terraform => ("terraform", "Terraform"),
    };
    model
        .of_kind(crate::model::BlockKind::Resource)
        .filter(|r| r.get(key).is_none())
        .map(|r| {
            Diagnostic::error(
                "missing-attribute",
                r.header,
                format!("resource \"{}\" has no `{key}` body, so it cannot be built for {name}", r.name),
            )
            .with_primary_label(format!("add `{key} = {{ type = …, … }}` here"))
            .with_help(format!("a raw resource is passed through as written: give it a body for each target you build (`{key} = {{ type = \"…\", … }}`)"))
        })
        .collect()
}

/// Emits the CloudFormation template on a fresh thread. With glibc, a new thread takes an
/// allocator arena that an ended thread left behind — here one of the parser and lowering
/// threads', holding the freed syntax trees — so the template (tens of MB for a large project)
/// reuses that memory instead of growing the main thread's arena (see docs/performance.md).
/// Only where the memory comes from changes, not the output.
fn emit_cloudformation<'m>(
    model: &'m crate::model::Model,
    graph: &'m crate::graph::Graph,
    key: &'m (dyn Fn(&str) -> Option<String> + Sync),
) -> cloudformation::Emitted<'m> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("slsc-emit".into())
            .spawn_scoped(scope, || cloudformation::emit(model, graph, key))
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
    .unwrap_or_else(|_| cloudformation::emit(model, graph, key))
}

/// Renamed blocks (`moved`) are emitted under their old names: same logical IDs, addresses and
/// physical names (model/moved.rs). `Some` (with its graph) when the model has renames.
fn renamed(model: &crate::model::Model) -> Option<(crate::graph::Graph, crate::model::Model)> {
    model
        .with_identities()
        .map(|m| (crate::graph::Graph::build(&m), m))
}
