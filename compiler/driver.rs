//! The driver: source → syntax → model → graph → checks, in order, under phase banners,
//! stopping before the graph and the rules when there are compile errors. Everything after the
//! rules (emit, plan, deploy) consumes the [`Compilation`] it returns.
//!
//! Layer: below `emit`, `plan` and `deploy` (which call [`compile`]); must not import them.

use crate::checks;
use crate::diagnostics;
use crate::diagnostics::{Diagnostic, Span};
use crate::graph;
use crate::model;
use crate::model::{BlockKind, LowerOptions, Model};
use crate::syntax;
use crate::syntax::{LoadError, Parsed, SourceMap};
use std::path::{Path, PathBuf};

/// The stack of the lowering thread (only the touched part is ever committed).
const LOWER_STACK_BYTES: usize = 256 << 20;

/// Options that do not come from the project's files.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub stage: Option<String>,
    /// `--var NAME=VALUE`, in order.
    pub vars: Vec<(String, String)>,
    pub var_file: Option<PathBuf>,
    /// `YYYY-MM-DD`: the date for date-dependent rules (deprecated runtimes).
    pub today: String,
    /// `--policy FILE_OR_DIR`, in order: files of `policy` blocks from outside the project.
    pub policies: Vec<PathBuf>,
    /// The text of project files as an editor holds them (unsaved), by canonical path: read
    /// instead of the file (`slsc lsp`); a path in the project directory that is not on disk is
    /// a file of the project too.
    pub overlays: std::collections::BTreeMap<PathBuf, String>,
    /// Run the rules on the files without errors even when another file has one (`slsc lsp`:
    /// a mistake being typed in one file does not hide the warnings of the others). Rule
    /// findings are kept only for files with no error.
    pub rules_despite_errors: bool,
}

/// The result of compiling a project.
pub struct Compilation {
    pub sources: SourceMap,
    /// The typed model, when the project was complete enough to build one.
    pub model: Option<Model>,
    /// Every diagnostic, in output order.
    pub diagnostics: Vec<Diagnostic>,
    /// The resource graph (built when the project has no compile errors).
    pub graph: Option<graph::Graph>,
    /// Edges of the loops `recursive-invocation` found (highlighted by `slsc graph`).
    pub loop_edges: std::collections::BTreeSet<petgraph::graph::EdgeIndex>,
    /// The project directory (`source` paths are relative to it).
    pub project_dir: PathBuf,
}

impl Compilation {
    pub fn errors(&self) -> usize {
        diagnostics::count(&self.diagnostics, diagnostics::Severity::Error)
    }
    pub fn warnings(&self) -> usize {
        diagnostics::count(&self.diagnostics, diagnostics::Severity::Warning)
    }
    /// How many files were read (the project's, `--var-file`, `--policy` and local modules'
    /// once each; not the copies made for each module instance).
    pub fn files_read(&self) -> usize {
        let copies: usize = self.model.as_ref().map_or(0, |m| {
            let mut seen = std::collections::BTreeSet::new();
            m.instances
                .iter()
                .map(|i| {
                    if seen.insert(&i.key) {
                        0
                    } else {
                        i.files.len()
                    }
                })
                .sum()
        });
        self.sources.len() - copies
    }
    /// Every diagnostic with `more`, found after compiling (by the emitters), in output order;
    /// those inside a module instance say which one.
    pub fn with_more(&self, more: impl IntoIterator<Item = Diagnostic>) -> Vec<Diagnostic> {
        let mut more: Vec<Diagnostic> = more.into_iter().collect();
        if let Some(m) = &self.model {
            model::modules::annotate(&mut more, &m.instances, &self.sources);
        }
        let mut all = self.diagnostics.clone();
        all.append(&mut more);
        diagnostics::sort(&mut all, &self.sources);
        all
    }
}

/// Compiles the project at `path` (a directory of `.sls` files, or one file). An `Err` is a
/// usage or I/O problem (exit code 2); problems in the project are diagnostics.
pub fn compile(path: &Path, opts: &Options) -> Result<Compilation, LoadError> {
    // -- PARSE --
    // Each parser thread splits every file it parses for lowering right away: the syntax of the
    // blocks lowered once is kept only for the first files of its run (up to
    // `KEEP_SYNTAX_BYTES` of their source), which are lowered first; the other files' blocks
    // are dropped and parsed again, file by file, when they are lowered. So the syntax trees
    // (tens of times the size of the source) of all files are never in memory at once (see
    // `model/syntax_store.rs`).
    let mut sources = SourceMap::default();
    let (dir, files, mut parse_diags) =
        syntax::load_project_with(path, &mut sources, &opts.overlays, || {
            let mut budget = KEEP_SYNTAX_BYTES / syntax::worker_threads();
            move |pf: syntax::ParsedFile, len: usize| {
                let keep = len <= budget;
                budget = budget.saturating_sub(len);
                model::prepare(pf.file, pf.body, keep)
            }
        })?;
    crate::timings::mark("parsed");
    let var_file = match &opts.var_file {
        Some(f) => {
            let bytes = std::fs::read(f)
                .map_err(|e| LoadError(format!("cannot read var-file {}: {e}", f.display())))?;
            let mut tmp = Parsed {
                files: Vec::new(),
                diagnostics: Vec::new(),
            };
            syntax::add_and_parse(&mut sources, syntax::display_path(f), bytes, &mut tmp);
            parse_diags.append(&mut tmp.diagnostics);
            tmp.files.pop().map(|pf| (pf.file, pf.body))
        }
        None => None,
    };
    // -- POLICIES from outside the project (`--policy`) --
    let mut files = files;
    let mut policy_files = Vec::new();
    let mut loaded: std::collections::BTreeSet<PathBuf> = Default::default();
    for p in &opts.policies {
        let paths = policy_paths(p)?;
        for f in paths {
            // The same file named twice (a file and its directory) is loaded once.
            if !loaded.insert(std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone())) {
                continue;
            }
            let bytes = std::fs::read(&f)
                .map_err(|e| LoadError(format!("cannot read policy file {}: {e}", f.display())))?;
            let mut tmp = Parsed {
                files: Vec::new(),
                diagnostics: Vec::new(),
            };
            syntax::add_and_parse(&mut sources, syntax::display_path(&f), bytes, &mut tmp);
            parse_diags.append(&mut tmp.diagnostics);
            for pf in tmp.files {
                policy_files.push(pf.file);
                files.push(model::prepare(pf.file, pf.body, true));
            }
        }
    }
    let reader = syntax::files::DiskFiles { dir: dir.clone() };
    let mut c = lower_parsed(
        files,
        parse_diags,
        sources,
        opts,
        var_file,
        &policy_files,
        (
            &syntax::modules::DiskLoader {
                overlays: &opts.overlays,
            },
            &reader,
            &dir,
        ),
    )?;
    c.project_dir = dir.clone();
    // -- SOURCES (file-reading edge) --
    if let Some(model) = &c.model {
        let mut more = check_sources(model, &dir);
        c.diagnostics.append(&mut more);
        diagnostics::sort(&mut c.diagnostics, &c.sources);
    }
    Ok(c)
}

/// How much source (in bytes, over all parser threads) has its syntax trees kept from parsing
/// to lowering; the blocks of the other files are parsed a second time when they are lowered.
/// About 2 MB of source is 70–80 MB of trees.
const KEEP_SYNTAX_BYTES: usize = 2_000_000;

/// Compiles in-memory files (name, text): the pure entry point used by tests and benchmarks.
/// Source directories are not checked (there is no file system).
pub fn compile_files(files: &[(&str, &str)], opts: &Options) -> Result<Compilation, LoadError> {
    let mut sources = SourceMap::default();
    let mut parsed = Parsed {
        files: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut sorted: Vec<&(&str, &str)> = files.iter().collect();
    sorted.sort_by_key(|(n, _)| *n);
    for (name, text) in sorted {
        syntax::add_and_parse(
            &mut sources,
            name.to_string(),
            text.as_bytes().to_vec(),
            &mut parsed,
        );
    }
    let files = parsed
        .files
        .into_iter()
        .map(|pf| model::prepare(pf.file, pf.body, true))
        .collect();
    lower_parsed(
        files,
        parsed.diagnostics,
        sources,
        opts,
        None,
        &[],
        (
            &syntax::modules::NoDisk,
            &syntax::files::NoFiles,
            Path::new("."),
        ),
    )
}

/// The `.sls` files of a `--policy` argument: the file, or a directory's `*.sls` files (not
/// recursive) in name order.
fn policy_paths(p: &Path) -> Result<Vec<PathBuf>, LoadError> {
    if p.is_file() {
        return Ok(vec![p.to_path_buf()]);
    }
    let rd =
        std::fs::read_dir(p).map_err(|e| LoadError(format!("--policy {}: {e}", p.display())))?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| f.is_file() && f.extension().is_some_and(|e| e == "sls"))
        .collect();
    v.sort();
    if v.is_empty() {
        return Err(LoadError(format!(
            "--policy {}: no .sls files in this directory",
            p.display()
        )));
    }
    Ok(v)
}

/// Lowers the project's files, then builds the graph and runs the rules. `edges` is where
/// local modules and the files of `file`/`templatefile` are read from, and the project
/// directory they are relative to.
fn lower_parsed(
    files: Vec<model::PreparedFile>,
    mut all: Vec<Diagnostic>,
    mut sources: SourceMap,
    opts: &Options,
    var_file: Option<(diagnostics::FileId, hcl_edit::structure::Body)>,
    policy_files: &[diagnostics::FileId],
    edges: (
        &dyn syntax::modules::ModuleLoader,
        &dyn syntax::files::FileReader,
        &Path,
    ),
) -> Result<Compilation, LoadError> {
    // -- LOWER (resolve, evaluate, type-check, validate) --
    let lower_opts = LowerOptions {
        stage: opts.stage.clone(),
        vars: opts.vars.clone(),
        var_file,
        today: if opts.today.is_empty() {
            model::runtimes::system_today()
        } else {
            opts.today.clone()
        },
        policy_files: policy_files.to_vec(),
        lint_rules: checks::lint_names(),
    };
    let no_parse_errors = all.is_empty();
    let mcx = model::ModuleCx::new(
        (edges.0, edges.1),
        edges.2.to_path_buf(),
        sources.len() as diagnostics::FileId,
    );
    // Evaluation recurses through expressions and chains of locals; a dedicated thread with a
    // large stack keeps deep (but valid) projects from overflowing the caller's stack. The
    // evaluator also bounds the depth of local chains.
    let lowered = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("slsc-lower".into())
            .stack_size(LOWER_STACK_BYTES)
            .spawn_scoped(scope, || {
                model::lower_prepared(files, no_parse_errors, Some(&sources), &lower_opts, &mcx)
            })
            .map(|h| h.join())
    });
    let (model, mut diags) = match lowered {
        Ok(Ok(r)) => r.map_err(|e| LoadError(e.0))?,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => return Err(LoadError(format!("cannot start the compiler thread: {e}"))),
    };
    // The module instances' files join the project's (their ids were given in order).
    let (instance_files, instances) = mcx.finish();
    sources.append(instance_files);
    if !no_parse_errors {
        // A block whose text did not parse is not declared: say so where it may matter.
        for d in diags
            .iter_mut()
            .filter(|d| d.code == "unresolved-reference")
        {
            let note =
                "a block with a syntax error was skipped; if it declares this name, fix that first";
            d.help = Some(match d.help.take() {
                Some(h) => format!("{h}\n{note}"),
                None => note.to_string(),
            });
        }
    }
    all.append(&mut diags);
    crate::timings::mark("lowered");
    // -- GRAPH + CHECKS (only on a project without compile errors) --
    let mut graph = None;
    let mut loop_edges = Default::default();
    if let Some(m) = &model {
        let with_errors: std::collections::BTreeSet<diagnostics::FileId> = all
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.span.file)
            .collect();
        if with_errors.is_empty() {
            let g = graph::Graph::build(m);
            crate::timings::mark("graph");
            let checked = checks::run(m, &g, &lower_opts.today);
            crate::timings::mark("rules");
            all.extend(checked.diagnostics);
            loop_edges = checked.loop_edges;
            graph = Some(g);
        } else if opts.rules_despite_errors {
            let g = graph::Graph::build(m);
            let checked = checks::run(m, &g, &lower_opts.today);
            all.extend(
                checked
                    .diagnostics
                    .into_iter()
                    .filter(|d| !with_errors.contains(&d.span.file)),
            );
        }
    }
    redact_var_values(&mut all, &opts.vars);
    model::modules::annotate(&mut all, &instances, &sources);
    diagnostics::sort(&mut all, &sources);
    Ok(Compilation {
        sources,
        model,
        diagnostics: all,
        graph,
        loop_edges,
        project_dir: PathBuf::from("."),
    })
}

/// Checks that every function's and layer's `source` directory and every function's `artifact`
/// file exist (relative to the project directory).
pub fn check_sources(model: &Model, dir: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in model
        .of_kind(BlockKind::Function)
        .chain(model.of_kind(BlockKind::Layer))
    {
        for (key, want_dir) in [("source", true), ("artifact", false)] {
            let Some(rel) = f.str(key) else { continue };
            if rel.starts_with('/') || rel.is_empty() {
                continue; // reported by validation
            }
            let p = dir.join(rel);
            let ok = if want_dir { p.is_dir() } else { p.is_file() };
            if !ok && p.exists() {
                let (is, want) = if want_dir {
                    ("a file", "a directory")
                } else {
                    ("a directory", "a zip file")
                };
                out.push(
                    Diagnostic::error(
                        "source-not-found",
                        f.span_of(key),
                        format!("{key} \"{rel}\" is {is}, not {want}"),
                    )
                    .with_help(if want_dir {
                        "`source` names the directory to package (e.g. \"src\"); the handler names the file in it"
                    } else {
                        "`artifact` names a prebuilt zip file"
                    }),
                );
            } else if !ok {
                let span: Span = f.span_of(key);
                let what = if want_dir { "directory" } else { "file" };
                out.push(
                    Diagnostic::error(
                        "source-not-found",
                        span,
                        format!("{key} {what} \"{rel}\" does not exist (looked in {})", syntax::display_path(&p)),
                    )
                    .with_help(if want_dir {
                        "`source` is a directory relative to the project directory; build or install dependencies before running slsc"
                    } else {
                        "`artifact` is a prebuilt zip file relative to the project directory"
                    }),
                );
            }
        }
    }
    out
}

/// `--var` values may be secrets, and reports (JSON, SARIF) are uploaded to CI systems: any
/// value of eight characters or more (shorter values are names such as a stage, rarely secrets)
/// that a message, help or label would repeat (a string
/// variable used where a number is expected, say) is shown as `…`.
fn redact_var_values(diags: &mut [Diagnostic], vars: &[(String, String)]) {
    let values: Vec<&str> = vars
        .iter()
        .map(|(_, v)| v.as_str())
        .filter(|v| v.chars().count() >= 8)
        .collect();
    if values.is_empty() {
        return;
    }
    let redact = |text: &mut String| {
        for v in &values {
            if text.contains(v) {
                *text = text.replace(v, "…");
            }
        }
    };
    for d in diags {
        redact(&mut d.message);
        if let Some(h) = &mut d.help {
            redact(h);
        }
        for l in &mut d.labels {
            redact(&mut l.message);
        }
    }
}
