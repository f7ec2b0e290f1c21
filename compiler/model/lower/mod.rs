//! Lowering: from hcl-edit syntax trees to the typed, fully resolved model.
//!
//! A [`Lowerer`] runs the passes below over every file's top-level blocks, which it asks of a
//! [`SyntaxStore`] (which keeps, or drops and parses again, their syntax). Each pass is a
//! method that takes what it reads and returns what it produces; the lowerer itself only
//! holds the options and the diagnostics found so far, and the names expressions can see are
//! in a [`Scope`], so a lowering can be run any number of times (one per module instance).
//!
//! 1. **Declare** ([`declare`]): each block's kind and name is recorded (unknown kinds, bad
//!    labels and identifiers, duplicates per kind are reported), with the locals' definitions
//!    and the `policy` blocks. After this pass every reference can be resolved, whatever file
//!    or order it was written in.
//! 2. **Variables** ([`variables`]): each `variable` gets its value from `--var`, `--var-file` or
//!    its default, checked against its declared type.
//! 3. **App** ([`app`]): the one `app` block gives `app.name`, `app.stage` (`--stage` wins),
//!    `app.region`, and the source root that `file` and `templatefile` may read under.
//! 4. **Modules** ([`modules`]): every `module` block is instantiated (a lowering of its own
//!    over its own copies of the module's files), in the order their inputs need each other's
//!    outputs; `module.NAME` gets its outputs, and the instances' blocks join this lowering's.
//!    **Locals** are evaluated lazily on first use, with cycle detection; every local is then
//!    evaluated once more so unused locals still report their errors.
//! 5. **Blocks** ([`blocks`], [`block`]): every attribute is evaluated, type-checked against the
//!    kind's schema ([`super::schema`]) and normalised; defaults are filled in.
//! 6. **Policies** ([`policies`]): each `policy` block's `for`, `message` and `level`.
//! 7. **Model**: the blocks, sorted, with the app, stage, variables and `moved` blocks.
//! 8. **Defaults and validation** ([`super::validate`]): function defaults from `app`, then rules
//!    that involve several attributes or blocks — triggers, routes, schedules, physical names,
//!    collisions, `moved` blocks.
//! 9. **Policy evaluation** (on a project without compile errors, like the rules).
//!
//! Every pass reports what it can and carries on, so independent mistakes are all reported.

mod app;
mod block;
mod blocks;
mod declare;
mod modules;
mod policies;
mod variables;

pub use modules::ModuleCx;
pub use variables::VarType;

use super::eval::{Env, Evaluator, Known, LocalDef};
use super::policy::{Policy, PolicyInfo};
use super::reads::Reads;
use super::schema::AttrSpec;
use super::syntax_store::{prepare, PreparedFile, Src, SyntaxStore};
use super::{article, sp, validate, BlockKind, LowerOptions, Model, RefKind, UsageError, Value};
use crate::diagnostics::{Diagnostic, FileId, Span};
use crate::syntax::{Parsed, SourceMap};
use hcl_edit::structure::Block as HclBlock;
use std::collections::BTreeMap;

/// Lowers the parsed files (of a project in memory: only stdlib modules can be used).
/// Returns the model (when the project is complete enough to build one) and every diagnostic
/// found. Instance files are numbered after `first_module_file` (the source map's length).
pub fn lower(
    parsed: &mut Parsed,
    first_module_file: FileId,
    opts: &LowerOptions,
) -> Result<(Option<Model>, Vec<Diagnostic>), UsageError> {
    let files: Vec<PreparedFile> = parsed
        .files
        .iter_mut()
        .map(|pf| prepare(pf.file, std::mem::take(&mut pf.body), true))
        .collect();
    let mcx = ModuleCx::new(
        (
            &crate::syntax::modules::NoDisk,
            &crate::syntax::files::NoFiles,
        ),
        std::path::PathBuf::from("."),
        first_module_file,
    );
    lower_prepared(files, parsed.diagnostics.is_empty(), None, opts, &mcx)
}

/// Lowers files split by [`prepare`]. `no_parse_errors` says whether every file parsed;
/// `sources` holds the text of the files whose blocks were dropped (parsed again here, with
/// the same result as the first time); `modules` finds modules and keeps their instances.
pub fn lower_prepared(
    files: Vec<PreparedFile>,
    no_parse_errors: bool,
    sources: Option<&SourceMap>,
    opts: &LowerOptions,
    modules: &ModuleCx,
) -> Result<(Option<Model>, Vec<Diagnostic>), UsageError> {
    Lowerer::new(opts, no_parse_errors, modules).run(files, sources)
}

/// One lowering: its options and the diagnostics its passes have found so far, in order.
pub struct Lowerer<'o> {
    opts: &'o LowerOptions,
    /// Whether every file parsed (some project-wide errors are only reported then).
    no_parse_errors: bool,
    diags: Vec<Diagnostic>,
    /// What every lowering of this compilation shares about modules.
    mcx: &'o ModuleCx<'o>,
    /// The top level, or the module instance this lowering is of.
    at: modules::At,
}

/// A declared block (any kind but `locals` and `policy`).
struct Decl<'a> {
    kind: BlockKind,
    name: String,
    file: FileId,
    /// Where its syntax is (ask the [`SyntaxStore`]).
    src: Src<'a>,
    header: Span,
    name_span: Span,
}

/// A `policy` block, kept for the policies pass: its file, its header and its syntax.
type PolicyBlock<'a> = (FileId, Span, &'a HclBlock);

/// What declaring found (pass 1).
struct Declared<'a> {
    /// The declared blocks, in file order.
    decls: Vec<Decl<'a>>,
    /// The `policy` blocks, in file order.
    policies: Vec<PolicyBlock<'a>>,
    /// The locals, by name.
    locals: BTreeMap<String, LocalDef<'a>>,
    /// An `app` block was written but refused (an invalid name, reported): the project is not
    /// missing one.
    refused_app: bool,
}

/// The names expressions can refer to, filled in pass by pass; the evaluator reads them
/// ([`Scope::env`]).
#[derive(Default)]
struct Scope<'a> {
    /// Declared blocks, per referenceable kind (pass 1).
    blocks: BTreeMap<RefKind, BTreeMap<String, Span>>,
    /// Every declared variable (pass 1).
    declared_vars: BTreeMap<String, Span>,
    /// The locals' definitions (pass 1), evaluated lazily.
    locals: BTreeMap<String, LocalDef<'a>>,
    /// The variables that have a value (pass 2).
    vars: BTreeMap<String, Value>,
    /// `app.name` (pass 3).
    app_name: Option<String>,
    /// `app.stage` (pass 3).
    stage: Option<String>,
    /// `app.region` (pass 3).
    region: Known<String>,
    /// Where `file` and `templatefile` read.
    reads: Option<&'a Reads<'a>>,
    /// The prefix of the blocks' names (inside a module instance).
    prefix: String,
    /// Declared `module` blocks (pass 1).
    modules: BTreeMap<String, Span>,
}

impl<'a> Scope<'a> {
    /// The names pass 1 declared: blocks, variables (with no value yet) and locals.
    fn declared(decls: &[Decl], locals: BTreeMap<String, LocalDef<'a>>) -> Scope<'a> {
        let mut scope = Scope {
            locals,
            ..Scope::default()
        };
        for d in decls {
            if let Some(rk) = d.kind.ref_kind() {
                scope
                    .blocks
                    .entry(rk)
                    .or_default()
                    .insert(d.name.clone(), d.name_span);
            }
        }
        for d in decls {
            match d.kind {
                BlockKind::Variable => {
                    scope.declared_vars.insert(d.name.clone(), d.name_span);
                }
                BlockKind::Module => {
                    scope.modules.insert(d.name.clone(), d.name_span);
                }
                _ => {}
            }
        }
        scope
    }

    /// What an evaluator sees of this scope.
    fn env(&self) -> Env<'_> {
        Env {
            blocks: &self.blocks,
            vars: &self.vars,
            declared_vars: &self.declared_vars,
            locals: &self.locals,
            app_name: self.app_name.as_deref(),
            app_stage: self.stage.as_deref(),
            app_region: self.region.as_ref().map(String::as_str),
            prefix: &self.prefix,
            modules: &self.modules,
            reads: self.reads,
        }
    }
}

impl<'o> Lowerer<'o> {
    pub fn new(opts: &'o LowerOptions, no_parse_errors: bool, mcx: &'o ModuleCx<'o>) -> Self {
        Lowerer {
            opts,
            no_parse_errors,
            diags: Vec::new(),
            at: modules::At::root(mcx.root_dir()),
            mcx,
        }
    }

    /// Lowers files split by [`prepare`] (see [`lower_prepared`]): the passes, in order.
    pub fn run(
        mut self,
        files: Vec<PreparedFile>,
        sources: Option<&SourceMap>,
    ) -> Result<(Option<Model>, Vec<Diagnostic>), UsageError> {
        let SyntaxStore { outline, mut once } = SyntaxStore::new(files, sources);
        // 1. Declare
        let declared = self.declare(&outline);
        let mut scope = Scope::declared(&declared.decls, declared.locals);
        scope.reads = Some(self.mcx.reads());
        // 2. Variables
        scope.vars = self.variables(&declared.decls, &once, &scope.declared_vars)?;
        // 3. App
        let first_file = outline.first_file().filter(|_| !declared.refused_app);
        let app = self.app(&declared.decls, &declared.policies, first_file);
        scope.app_name = app.map(|d| d.name.clone());
        self.source_root(app, &once, &scope);
        scope.stage = Some(self.stage(app, &once, &scope)?);
        scope.region = self.region(app, &once, &scope);
        // 4. Modules, then locals
        let mut ev = Evaluator::new(scope.env());
        let instance_blocks = self.modules(&declared.decls, &scope.locals, &mut ev);
        Self::locals(&scope, &mut ev);
        // 5. Blocks
        let stage = scope.stage.as_deref().unwrap_or_default();
        let mut lowered = self.blocks(&declared.decls, &mut once, &mut ev, app, stage);
        lowered.blocks.extend(instance_blocks);
        self.check_module_moves(&mut lowered.module_moves);
        // 6. Policies
        let policies = self.policies(&declared.policies, &mut ev);
        // 7. Model
        let Some(mut model) = Self::model(lowered, &scope, &policies.lowered, policies.failed)
        else {
            return Ok((None, self.diags));
        };
        model.instances = self.mcx.instances();
        // The locals' values, as pass 4 evaluated them (read from the evaluator's cache).
        model.locals = scope
            .locals
            .keys()
            .filter_map(|n| Some((n.clone(), ev.eval_local(n).ok()?)))
            .collect();
        // 8. Defaults and validation
        self.validate(&mut model);
        // 9. Policy evaluation
        self.evaluate_policies(&model, policies.lowered, &mut ev);
        finish(&mut model);
        Ok((Some(model), self.diags))
    }

    /// **Locals** (pass 4): evaluates every local once, in name order, so unused locals still
    /// report their errors. Reads the scope; produces the evaluated locals inside `ev`, and
    /// their diagnostics in `ev.diagnostics` (reported after the blocks' own, in pass 5).
    fn locals(scope: &Scope, ev: &mut Evaluator) {
        for name in scope.locals.keys() {
            let _ = ev.eval_local(name);
        }
    }

    /// Keeps the module renames whose new instance exists and whose old one is gone (the others
    /// are reported, once each).
    fn check_module_moves(&mut self, moves: &mut Vec<block::ModuleMove>) {
        let instances: std::collections::BTreeSet<String> =
            self.mcx.instances().into_iter().map(|i| i.addr).collect();
        moves.retain(|m| {
            let (from, to) = (&m.from.0, &m.to.0);
            let problem = if !instances.contains(to) {
                Some(format!("moved to {to}, but no such module instance is declared"))
            } else if instances.contains(from) {
                Some(format!("moved from {from}, but {from} is still declared"))
            } else {
                None
            };
            if let Some(msg) = &problem {
                self.diags.push(
                    Diagnostic::error("unresolved-reference", m.span, msg.clone())
                        .with_help("a `moved` block records a rename: the old module block must be gone and the new one declared"),
                );
            }
            problem.is_none()
        });
    }

    /// **Model** (pass 7): reads the lowered blocks (pass 5), the scope's stage and variables
    /// and the policies (pass 6: the lowered ones, then those that failed); produces the model,
    /// its blocks sorted by kind and name, or `None` when there is no `app` block.
    fn model(
        lowered: blocks::Lowered,
        scope: &Scope,
        policies: &[Policy],
        failed_policies: Vec<PolicyInfo>,
    ) -> Option<Model> {
        let blocks::Lowered {
            mut blocks,
            app,
            mut moved,
            module_moves,
        } = lowered;
        moved.extend(
            module_moves
                .iter()
                .flat_map(|m| expand_module_move(m, &blocks)),
        );
        let app = app?;
        let region = app.str("region").unwrap_or("us-east-1").to_string();
        blocks.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        Some(Model {
            app,
            // Cloned: the evaluator still borrows them for the policies.
            stage: scope.stage.clone().unwrap_or_default(),
            region,
            blocks,
            variables: scope.vars.clone(),
            locals: BTreeMap::new(),
            moved,
            trigger_sources: BTreeMap::new(),
            instances: Vec::new(),
            policies: policies
                .iter()
                .map(|p| p.info.clone())
                .chain(failed_policies)
                .collect(),
        })
    }

    /// **Defaults and validation** (pass 8): fills in the defaults that depend on other blocks
    /// (function defaults from `app`, …), then checks the rules that involve several
    /// attributes or blocks. Reads and completes the model; produces diagnostics.
    fn validate(&mut self, model: &mut Model) {
        validate::apply_defaults(model);
        validate::validate(model, self.opts, &mut self.diags);
    }
}

/// The block renames a module instance's rename means: each block of the new instance (and of
/// the instances nested in it) keeps the identity of the old instance's block. A rename to an
/// instance that does not exist gives none, and `validate` reports nothing for it either: the
/// caller reports it ([`Lowerer::run`] checks the instances).
fn expand_module_move(m: &block::ModuleMove, blocks: &[super::Block]) -> Vec<super::Moved> {
    let ((_, from_prefix), (to, to_prefix)) = (&m.from, &m.to);
    let nested = format!("{to}.");
    blocks
        .iter()
        .filter(|b| {
            b.origin
                .as_ref()
                .is_some_and(|o| o.module == *to || o.module.starts_with(&nested))
        })
        .filter_map(|b| {
            let kind = b.kind.ref_kind()?;
            let rest = b.name.strip_prefix(to_prefix.as_str())?;
            Some(super::Moved {
                from: super::Addr {
                    kind,
                    name: format!("{from_prefix}{rest}"),
                },
                to: super::Addr {
                    kind,
                    name: b.name.clone(),
                },
                span: m.span,
            })
        })
        .collect()
}

/// Drops the spare capacity of every block's attributes (a large model has tens of thousands
/// of blocks).
fn finish(model: &mut Model) {
    for b in std::iter::once(&mut model.app).chain(model.blocks.iter_mut()) {
        b.attrs.shrink_to_fit();
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 40
}

fn nested_block_error(
    file: FileId,
    b: &HclBlock,
    kind: BlockKind,
    specs: &[AttrSpec],
) -> Diagnostic {
    let ident = b.ident.value().as_str();
    let mut d = Diagnostic::error(
        "unknown-block",
        sp(file, &b.ident),
        format!(
            "`{ident}` blocks are not allowed inside {} `{}` block",
            article(kind.as_str()),
            kind.as_str()
        ),
    );
    if specs.iter().any(|s| s.name == ident) {
        d = d.with_help(format!(
            "`{ident}` is an attribute: write `{ident} = {{ … }}`"
        ));
    }
    d
}
