//! Pass 4, **modules**: every `module` block is instantiated, in the order their inputs need
//! each other's outputs. An instance is a lowering of its own ([`Lowerer::run_instance`]) over
//! its own copies of the module's files (parsed again under new file ids, so every span says
//! which instance it is in), with the module's `variable` blocks set from the caller's
//! attributes. Its blocks join the caller's under prefixed names (`billing_worker`), and its
//! `output` blocks become the value of `module.NAME`.
//!
//! Sources: `std/NAME` (the stdlib, inside the binary) or `./path` (a directory relative to
//! the declaring file, read by the [`ModuleLoader`] — lowering itself never touches the file
//! system). docs/modules.md is the user's side of this.

use super::{nested_block_error, Decl, Lowerer, Scope};
use crate::diagnostics::{Diagnostic, FileId, Span};
use crate::model::eval::{value_or_report, Env, Evaluator, LocalDef};
use crate::model::modules::{Instance, ModuleValue, Origin, Outputs};
use crate::model::reads::Reads;
use crate::model::syntax_store::{prepare, OnceSyntax, PreparedFile, Src};
use crate::model::{sp, value, Block, BlockKind, Value};
use crate::syntax::files::FileReader;
use crate::syntax::modules::ModuleLoader;
use crate::syntax::SourceMap;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::Structure;
use hcl_edit::visit::{visit_traversal, Visit};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How deep modules may nest (a module using a module using …).
const MAX_DEPTH: usize = 16;
/// The most instances one `for_each` may create.
const MAX_EACH: usize = 1_000;

/// What every lowering of one compilation shares about modules: where local modules are read
/// from, and the files and instances created so far.
pub struct ModuleCx<'l> {
    loader: &'l dyn ModuleLoader,
    /// What `file` and `templatefile` read, once each, in every lowering.
    reads: Reads<'l>,
    /// The project directory: the top-level files' `./path` sources are relative to it.
    root_dir: PathBuf,
    /// The project directory as the loader identifies module directories (a module that is
    /// the project itself is a cycle).
    root_key: Option<PathBuf>,
    /// The file id of the first instance file (the source map's length before lowering).
    first_file: FileId,
    /// The instances' files, in file id order (from `first_file`).
    files: Mutex<SourceMap>,
    instances: Mutex<Vec<Instance>>,
}

impl<'l> ModuleCx<'l> {
    pub fn new(
        (loader, reader): (&'l dyn ModuleLoader, &'l dyn FileReader),
        root_dir: PathBuf,
        first_file: FileId,
    ) -> Self {
        ModuleCx {
            loader,
            reads: Reads::new(reader),
            root_key: loader.identify(&root_dir),
            root_dir,
            first_file,
            files: Mutex::new(SourceMap::new()),
            instances: Mutex::new(Vec::new()),
        }
    }

    /// The files created for instances (to append to the project's source map, whose length
    /// was `first_file`) and the instances.
    pub fn finish(self) -> (SourceMap, Vec<Instance>) {
        (
            self.files.into_inner().unwrap_or_default(),
            self.instances.into_inner().unwrap_or_default(),
        )
    }

    pub(super) fn reads(&self) -> &Reads<'l> {
        &self.reads
    }

    pub(super) fn root_dir(&self) -> &Path {
        &self.root_dir
    }

    pub(super) fn instances(&self) -> Vec<Instance> {
        self.instances.lock().map(|i| i.clone()).unwrap_or_default()
    }

    /// Adds a file for an instance and parses it; its syntax is kept (modules are small).
    fn add_file(
        &self,
        name: String,
        bytes: Vec<u8>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<PreparedFile> {
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let id = self.first_file + files.len() as FileId;
        let (local, bad) = crate::syntax::add_file(&mut files, name, bytes);
        if let Some(mut d) = bad {
            d.span.file = id;
            diags.push(d);
            return None;
        }
        let (pf, mut parse_diags) = crate::syntax::parse_file(id, files.text(local));
        diags.append(&mut parse_diags);
        Some(prepare(pf.file, pf.body, true))
    }
}

/// Where a lowering is: the top level, or inside an instance.
#[derive(Clone, Default)]
pub(super) struct At {
    /// Its index in the instance table (`None` at the top level).
    instance: Option<usize>,
    /// `module.billing` (empty at the top level).
    addr: String,
    /// The prefix of its blocks' names (empty at the top level).
    pub(super) prefix: String,
    /// The directory its `./path` sources are relative to (`None` in a stdlib module).
    dir: Option<PathBuf>,
    /// The modules on the way here, outermost first: (key, source as written).
    chain: Vec<(String, String)>,
    /// The caller's `module` block header (inside an instance).
    pub(super) call: Option<Span>,
}

impl At {
    pub(super) fn is_root(&self) -> bool {
        self.instance.is_none()
    }

    pub(super) fn root(dir: &Path) -> At {
        At {
            dir: Some(dir.to_path_buf()),
            ..At::default()
        }
    }
}

/// One caller attribute that sets an input.
pub(super) struct Input<'e> {
    pub(super) key_span: Span,
    pub(super) value_span: Span,
    pub(super) file: FileId,
    pub(super) expr: &'e Expression,
    /// `None` when it failed to evaluate (reported).
    pub(super) value: Option<Value>,
}

/// The inputs of one instance, by name.
pub(super) type Inputs<'e> = BTreeMap<String, Input<'e>>;

/// A `module` block as written: its source and `for_each`, and the input attributes.
struct Call<'a> {
    decl: &'a Decl<'a>,
    source: Option<(String, Span)>,
    for_each: Option<&'a Expression>,
    inputs: Vec<(&'a str, Span, &'a Expression)>,
}

/// A module's code, found once per `module` block.
struct Code {
    /// `std/NAME` or the directory.
    key: String,
    /// Where its own `./path` sources are relative to (`None` for the stdlib).
    dir: Option<PathBuf>,
    files: Vec<(String, Vec<u8>)>,
}

/// What one instance produced.
pub(super) struct Lowered {
    pub(super) blocks: Vec<Block>,
    pub(super) outputs: BTreeMap<String, Option<Value>>,
}

impl Lowerer<'_> {
    /// **Modules** (pass 4): reads the `module` declarations (their syntax is kept), the
    /// locals' definitions (an input may read a local that reads another module's output) and
    /// the evaluator; instantiates every module in dependency order, sets `module.NAME` in the
    /// evaluator and produces the instances' blocks.
    pub(super) fn modules(
        &mut self,
        decls: &[Decl],
        locals: &BTreeMap<String, LocalDef>,
        ev: &mut Evaluator,
    ) -> Vec<Block> {
        let calls: Vec<Call> = decls
            .iter()
            .filter(|d| d.kind == BlockKind::Module)
            .filter_map(|d| self.call(d))
            .collect();
        let mut blocks = Vec::new();
        for i in self.module_order(&calls, locals) {
            let call = &calls[i];
            let first_diag = self.diags.len();
            let value = self.instantiate_all(call, ev, &mut blocks);
            // One mistake in a caller's attribute, made for every key of a `for_each`, is one
            // diagnostic (inside the module, `modules::annotate` merges them).
            dedup_from(&mut self.diags, first_diag);
            ev.modules.insert(call.decl.name.clone(), value);
        }
        blocks
    }

    /// Reads a `module` block's attributes (`None`, reported, when its syntax is unusable).
    fn call<'a>(&mut self, d: &'a Decl<'a>) -> Option<Call<'a>> {
        let Src::Kept(block) = d.src else {
            return None;
        };
        let mut call = Call {
            decl: d,
            source: None,
            for_each: None,
            inputs: Vec::new(),
        };
        for st in block.body.iter() {
            let a = match st {
                Structure::Attribute(a) => a,
                Structure::Block(b) => {
                    self.diags
                        .push(nested_block_error(d.file, b, BlockKind::Module, &[]));
                    continue;
                }
            };
            match a.key.value().as_str() {
                "source" => match &a.value {
                    Expression::String(s) => {
                        call.source = Some((s.value().to_string(), sp(d.file, &a.value)))
                    }
                    _ => self.diags.push(
                        Diagnostic::error(
                            "type-mismatch",
                            sp(d.file, &a.value),
                            "a module's `source` must be a literal string",
                        )
                        .with_help("write \"std/NAME\" or a directory such as \"./modules/worker\": the source is read before anything is evaluated"),
                    ),
                },
                "for_each" => call.for_each = Some(&a.value),
                key => call.inputs.push((key, sp(d.file, &a.key), &a.value)),
            }
        }
        if call.source.is_none() && block.body.get_attribute("source").is_none() {
            self.diags.push(
                Diagnostic::error(
                    "missing-attribute",
                    d.header,
                    format!("module \"{}\" has no `source`", d.name),
                )
                .with_primary_label("add `source` here")
                .with_help("e.g. source = \"std/queue_worker\" (the stdlib) or source = \"./modules/worker\" (a directory)"),
            );
        }
        Some(call)
    }

    /// The order to instantiate the calls in: each after the modules its attributes read
    /// (directly or through locals). A cycle is reported once, and its modules are left out.
    fn module_order(&mut self, calls: &[Call], locals: &BTreeMap<String, LocalDef>) -> Vec<usize> {
        let index: BTreeMap<&str, usize> = calls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.decl.name.as_str(), i))
            .collect();
        let deps: Vec<Vec<usize>> = calls
            .iter()
            .map(|c| {
                let mut reads = ModuleReads::new(locals);
                c.for_each.into_iter().for_each(|e| reads.visit_expr(e));
                c.inputs.iter().for_each(|(_, _, e)| reads.visit_expr(e));
                reads
                    .modules
                    .iter()
                    .filter_map(|m| index.get(m.as_str()).copied())
                    .collect()
            })
            .collect();
        // Depth-first, in declaration order: 0 unvisited, 1 on the stack, 2 done.
        let mut state = vec![0u8; calls.len()];
        let mut order = Vec::new();
        let mut on_cycle = BTreeSet::new();
        for start in 0..calls.len() {
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            while let Some((node, next)) = stack.pop() {
                if next == 0 {
                    if state[node] != 0 {
                        continue;
                    }
                    state[node] = 1;
                }
                match deps[node].get(next) {
                    Some(&dep) => {
                        stack.push((node, next + 1));
                        if state[dep] == 1 {
                            let from = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                            let cycle: Vec<usize> = stack[from..].iter().map(|(n, _)| *n).collect();
                            if cycle.iter().all(|n| on_cycle.insert(*n)) {
                                self.diags.push(module_cycle(calls, &cycle));
                            }
                        } else if state[dep] == 0 {
                            stack.push((dep, 0));
                        }
                    }
                    None => {
                        state[node] = 2;
                        order.push(node);
                    }
                }
            }
        }
        order.retain(|n| !on_cycle.contains(n));
        order
    }

    /// Instantiates a call: once, or once per key of its `for_each`.
    fn instantiate_all(
        &mut self,
        call: &Call,
        ev: &mut Evaluator,
        out: &mut Vec<Block>,
    ) -> ModuleValue {
        let Some((source, source_span)) = &call.source else {
            return ModuleValue::Failed;
        };
        let Some(code) = self.code(source, *source_span) else {
            return ModuleValue::Failed;
        };
        if self.refuse_cycle(call, &code, source, *source_span) {
            return ModuleValue::Failed;
        }
        let Some(expr) = call.for_each else {
            let inputs = self.inputs(call, ev, None);
            return match self.instantiate(call, &code, source, None, inputs, ev, out) {
                Some(o) => ModuleValue::One(o),
                None => ModuleValue::Failed,
            };
        };
        let Some(keys) = self.for_each(call.decl.file, expr, ev) else {
            return ModuleValue::Failed;
        };
        let mut all = BTreeMap::new();
        for (key, value) in keys {
            let each = Value::Object(
                [
                    ("key".to_string(), Value::String(key.clone())),
                    ("value".to_string(), value),
                ]
                .into_iter()
                .collect(),
            );
            let inputs = self.inputs(call, ev, Some(each));
            if let Some(o) = self.instantiate(call, &code, source, Some(&key), inputs, ev, out) {
                all.insert(key, o);
            }
        }
        ModuleValue::Each(all)
    }

    /// Finds a module's code (`None`, reported as `source-not-found`, when there is none).
    fn code(&mut self, source: &str, span: Span) -> Option<Code> {
        let found = if let Some(name) = source.strip_prefix("std/") {
            match crate::stdlib::module(name) {
                Some(text) => Ok(Code {
                    key: source.to_string(),
                    dir: None,
                    files: vec![(format!("std/{name}.sls"), text.as_bytes().to_vec())],
                }),
                None => Err(unknown_stdlib(source, name)),
            }
        } else if !(source.starts_with("./") || source.starts_with("../")) {
            Err(format!("\"{source}\" is not a module source: write \"std/NAME\" (the stdlib) or a directory relative to this file, starting with ./ or ../"))
        } else {
            match &self.at.dir {
                None => Err(format!(
                    "\"{source}\": a stdlib module can only use other stdlib modules (\"std/NAME\")"
                )),
                Some(dir) => self.mcx.loader.load(dir, source).map(|m| Code {
                    key: m.dir.to_string_lossy().into_owned(),
                    dir: Some(m.dir),
                    files: m.files,
                }),
            }
        };
        match found {
            Ok(c) => Some(c),
            Err(msg) => {
                self.diags.push(
                    Diagnostic::error("source-not-found", span, msg)
                        .with_help("the stdlib modules are listed by `slsc explain std`"),
                );
                None
            }
        }
    }

    /// A module that uses itself (directly or through others) is a `cycle`, naming the chain.
    fn refuse_cycle(&mut self, call: &Call, code: &Code, source: &str, span: Span) -> bool {
        let is_root = code.dir.is_some() && code.dir == self.mcx.root_key;
        let pos = self.at.chain.iter().position(|(k, _)| *k == code.key);
        if pos.is_none() && !is_root && self.at.chain.len() < MAX_DEPTH {
            return false;
        }
        let mut names: Vec<&str> = match pos {
            Some(p) => self.at.chain[p..].iter().map(|(_, s)| s.as_str()).collect(),
            None if is_root => vec!["the project"],
            None => self.at.chain.iter().map(|(_, s)| s.as_str()).collect(),
        };
        names.push(source);
        let msg = if pos.is_some() || is_root {
            format!(
                "module cycle: {} (module \"{}\" uses a module it is part of)",
                names.join(" → "),
                call.decl.name
            )
        } else {
            format!(
                "modules nest more than {MAX_DEPTH} deep: {}",
                names.join(" → ")
            )
        };
        self.diags.push(
            Diagnostic::error("cycle", span, msg)
                .with_help("a module cannot use itself, directly or through other modules"),
        );
        true
    }

    /// The keys (and values) of a `for_each`: a map, or a list of strings (a set).
    fn for_each(
        &mut self,
        file: FileId,
        expr: &Expression,
        ev: &mut Evaluator,
    ) -> Option<Vec<(String, Value)>> {
        let span = sp(file, expr);
        let v = value_or_report(ev.eval_in(file, expr), &mut self.diags)?;
        let keys: Vec<(String, Value)> = match v {
            Value::Object(o) => o.into_iter().collect(),
            Value::List(items) if items.iter().all(|i| matches!(i, Value::String(_))) => {
                let set: BTreeSet<String> = items
                    .into_iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect();
                set.into_iter()
                    .map(|k| (k.clone(), Value::String(k)))
                    .collect()
            }
            other => {
                self.diags.push(Diagnostic::error(
                    "type-mismatch",
                    span,
                    format!("`for_each` needs a map or a list of strings known at compile time, found {}", other.describe()),
                ));
                return None;
            }
        };
        if keys.len() > MAX_EACH {
            self.diags.push(Diagnostic::error(
                "invalid-value",
                span,
                format!(
                    "`for_each` has {} keys: at most {MAX_EACH} instances of one module",
                    keys.len()
                ),
            ));
            return None;
        }
        let bad: Vec<&str> = keys
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !is_key(k))
            .collect();
        if let Some(k) = bad.first() {
            self.diags.push(
                Diagnostic::error(
                    "invalid-value",
                    span,
                    format!("`for_each` key \"{k}\" cannot be part of a block name"),
                )
                .with_help("keys are lowercase letters, digits and `_` (at most 20 characters): they become part of names such as tenant_acme_worker"),
            );
            return None;
        }
        Some(keys)
    }

    /// Evaluates the call's input attributes (with `each` for a `for_each` instance).
    fn inputs<'e>(
        &mut self,
        call: &Call<'e>,
        ev: &mut Evaluator,
        each: Option<Value>,
    ) -> Inputs<'e> {
        let file = call.decl.file;
        let mut out = Inputs::new();
        for (name, key_span, expr) in &call.inputs {
            let r = match &each {
                Some(e) => ev.eval_with(file, expr, "each", e.clone()),
                None => ev.eval_in(file, expr),
            };
            let value = value_or_report(r, &mut self.diags);
            out.insert(
                name.to_string(),
                Input {
                    key_span: *key_span,
                    value_span: sp(file, *expr),
                    file,
                    expr,
                    value,
                },
            );
        }
        out
    }

    /// Lowers one instance: registers it, parses its copies of the module's files, runs
    /// [`Lowerer::run_instance`] and keeps its blocks. `None` when nothing could be lowered.
    #[allow(clippy::too_many_arguments)]
    fn instantiate(
        &mut self,
        call: &Call,
        code: &Code,
        source: &str,
        key: Option<&str>,
        inputs: Inputs,
        ev: &Evaluator,
        out: &mut Vec<Block>,
    ) -> Option<Outputs> {
        let name = &call.decl.name;
        let mut addr = if self.at.addr.is_empty() {
            String::new()
        } else {
            format!("{}.", self.at.addr)
        };
        addr.push_str(&format!("module.{name}"));
        let mut prefix = format!("{}{name}_", self.at.prefix);
        if let Some(k) = key {
            addr.push_str(&format!("[\"{k}\"]"));
            prefix.push_str(&format!("{k}_"));
        }
        let mut parse_diags = Vec::new();
        let files: Vec<PreparedFile> = code
            .files
            .iter()
            .filter_map(|(n, b)| self.mcx.add_file(n.clone(), b.clone(), &mut parse_diags))
            .collect();
        let parsed_all = parse_diags.is_empty();
        self.diags.append(&mut parse_diags);
        let ids: Vec<FileId> = files.iter().map(|f| f.file()).collect();
        let index = {
            let mut instances = self.mcx.instances.lock().unwrap_or_else(|e| e.into_inner());
            instances.push(Instance {
                addr: addr.clone(),
                source: source.to_string(),
                key: code.key.clone(),
                prefix: prefix.clone(),
                call: call.decl.header,
                files: ids,
                parent: self.at.instance,
                inputs: inputs
                    .iter()
                    .filter(|(_, i)| i.value.is_some())
                    .map(|(n, i)| (n.clone(), i.value_span))
                    .collect(),
            });
            instances.len() - 1
        };
        let mut chain = self.at.chain.clone();
        chain.push((code.key.clone(), source.to_string()));
        let at = At {
            instance: Some(index),
            addr: addr.clone(),
            prefix,
            dir: code.dir.clone(),
            chain,
            call: Some(call.decl.header),
        };
        let describe = format!("{addr} ({source})");
        // What the caller's attributes are checked against: the module block, whatever the
        // key (one mistake there is one diagnostic, not one per instance).
        let call_describe = match self.at.addr.as_str() {
            "" => format!("module.{name} ({source})"),
            outer => format!("{outer}.module.{name} ({source})"),
        };
        let mut child = Lowerer {
            opts: self.opts,
            no_parse_errors: parsed_all,
            diags: Vec::new(),
            mcx: self.mcx,
            at,
        };
        let lowered = child.run_instance(files, &inputs, &call_describe, ev.env);
        self.diags.append(&mut child.diags);
        out.extend(lowered.blocks);
        Some(Outputs {
            describe,
            values: lowered.outputs,
        })
    }

    /// The lowering of one instance (see the module docs): declare, inputs, nested modules,
    /// locals, blocks; then its blocks are renamed with the instance's prefix and its
    /// `output` blocks become its outputs. `describe` names the module block in messages
    /// about the caller's attributes.
    fn run_instance(
        &mut self,
        files: Vec<PreparedFile>,
        inputs: &Inputs,
        describe: &str,
        caller: Env,
    ) -> Lowered {
        let crate::model::syntax_store::SyntaxStore { outline, mut once } =
            crate::model::syntax_store::SyntaxStore::new(files, None);
        let mut declared = self.declare(&outline);
        self.refuse_in_module(&mut declared);
        let mut scope = Scope::declared(&declared.decls, declared.locals);
        scope.prefix = self.at.prefix.clone();
        scope.vars = self.module_inputs(
            &declared.decls,
            &once,
            &scope.declared_vars,
            inputs,
            describe,
        );
        scope.app_name = caller.app_name.map(str::to_string);
        scope.stage = caller.app_stage.map(str::to_string);
        scope.region = caller.app_region.map(str::to_string);
        scope.reads = Some(self.mcx.reads());
        let mut ev = Evaluator::new(scope.env());
        let mut blocks = self.modules(&declared.decls, &scope.locals, &mut ev);
        Self::locals(&scope, &mut ev);
        let (outs, decls): (Vec<Decl>, Vec<Decl>) = declared
            .decls
            .into_iter()
            .partition(|d| d.kind == BlockKind::Output);
        let outputs = self.module_outputs(&outs, &once, &mut ev);
        let stage = scope.stage.as_deref().unwrap_or_default();
        let lowered = self.blocks(&decls, &mut once, &mut ev, None, stage);
        for mut b in lowered.blocks {
            let local = std::mem::take(&mut b.name);
            b.name = format!("{}{local}", self.at.prefix);
            b.origin = Some(Box::new(Origin {
                module: self.at.addr.clone(),
                local,
            }));
            blocks.push(b);
        }
        Lowered { blocks, outputs }
    }

    /// A module's `output` blocks: their values, of any kind (a reference too: another
    /// function's `sends = [module.billing.queue]`). `None` for a value that failed.
    fn module_outputs(
        &mut self,
        outs: &[Decl],
        once: &OnceSyntax,
        ev: &mut Evaluator,
    ) -> BTreeMap<String, Option<Value>> {
        let mut values = BTreeMap::new();
        for d in outs {
            let Some(block) = once.block(d.src) else {
                continue;
            };
            let mut value = None;
            for st in block.body.iter() {
                let a = match st {
                    Structure::Attribute(a) => a,
                    Structure::Block(b) => {
                        self.diags
                            .push(nested_block_error(d.file, b, BlockKind::Output, &[]));
                        continue;
                    }
                };
                match a.key.value().as_str() {
                    "value" => {
                        value = Some(value_or_report(
                            ev.eval_in(d.file, &a.value),
                            &mut self.diags,
                        ))
                    }
                    "description" => {}
                    other => self.diags.push(
                        Diagnostic::error(
                            "unknown-attribute",
                            sp(d.file, &a.key),
                            format!("unknown attribute `{other}` in an `output` block"),
                        )
                        .with_help(
                            match value::suggest(other, ["value", "description"]) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "an output has `value` and `description`".into(),
                            },
                        ),
                    ),
                }
            }
            if value.is_none() {
                self.diags.push(
                    Diagnostic::error(
                        "missing-attribute",
                        d.header,
                        format!(
                            "output \"{}\" is missing the required attribute `value`",
                            d.name
                        ),
                    )
                    .with_primary_label("add `value` here"),
                );
            }
            values.insert(d.name.clone(), value.flatten());
        }
        values
    }

    /// `app`, `policy` and `moved` blocks belong to the project, not to a module.
    fn refuse_in_module(&mut self, declared: &mut super::Declared) {
        let refuse = |kind: &str, span: Span| {
            Diagnostic::error(
                "unknown-block",
                span,
                format!(
                    "{} `{kind}` block cannot be in a module",
                    crate::diagnostics::article(kind)
                ),
            )
            .with_help(format!(
                "`{kind}` blocks belong to the project that uses the module"
            ))
        };
        for (_, header, _) in declared.policies.drain(..) {
            self.diags.push(refuse("policy", header));
        }
        let mut kept = Vec::with_capacity(declared.decls.len());
        for d in declared.decls.drain(..) {
            match d.kind {
                BlockKind::App | BlockKind::Moved => {
                    self.diags.push(refuse(d.kind.as_str(), d.header))
                }
                _ => kept.push(d),
            }
        }
        declared.decls = kept;
    }
}

/// Whether a `for_each` key can be part of block names.
fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 20
        && k.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `std/NAME` that the stdlib does not have, with the closest name.
fn unknown_stdlib(source: &str, name: &str) -> String {
    match value::suggest(name, crate::stdlib::names()) {
        Some(s) => format!("there is no stdlib module \"{source}\" (did you mean \"std/{s}\"?)"),
        None => format!(
            "there is no stdlib module \"{source}\"; the stdlib has {}",
            crate::stdlib::names()
                .map(|n| format!("std/{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The `cycle` diagnostic of modules whose inputs read each other's outputs.
fn module_cycle(calls: &[Call], cycle: &[usize]) -> Diagnostic {
    let mut names: Vec<String> = cycle
        .iter()
        .map(|i| format!("module.{}", calls[*i].decl.name))
        .collect();
    names.push(names[0].clone());
    let first = calls[cycle[0]].decl;
    let mut d = Diagnostic::error(
        "cycle",
        first.header,
        format!("modules read each other's outputs: {}", names.join(" → ")),
    )
    .with_help("an instance is created after the modules its inputs read: break the cycle by passing one of the values from elsewhere");
    for i in &cycle[1..] {
        d = d.with_label(
            calls[*i].decl.header,
            format!("module.{} is on the cycle", calls[*i].decl.name),
        );
    }
    d
}

/// Removes exact repeats among `diags[from..]`, keeping the first of each.
fn dedup_from(diags: &mut Vec<Diagnostic>, from: usize) {
    let mut seen: Vec<Diagnostic> = Vec::new();
    let tail: Vec<Diagnostic> = diags.drain(from..).collect();
    for d in tail {
        if !seen.contains(&d) {
            seen.push(d.clone());
            diags.push(d);
        }
    }
}

/// The `module.NAME` an expression reads, directly or through `local.NAME`s.
struct ModuleReads<'l, 'a> {
    locals: &'l BTreeMap<String, LocalDef<'a>>,
    seen_locals: BTreeSet<String>,
    modules: BTreeSet<String>,
}

impl<'l, 'a> ModuleReads<'l, 'a> {
    fn new(locals: &'l BTreeMap<String, LocalDef<'a>>) -> Self {
        ModuleReads {
            locals,
            seen_locals: BTreeSet::new(),
            modules: BTreeSet::new(),
        }
    }
}

impl Visit for ModuleReads<'_, '_> {
    fn visit_traversal(&mut self, node: &hcl_edit::expr::Traversal) {
        if let (Expression::Variable(root), Some(op)) = (&node.expr, node.operators.first()) {
            if let TraversalOperator::GetAttr(name) = op.value() {
                let name = name.value().to_string();
                match root.value().as_str() {
                    "module" => {
                        self.modules.insert(name);
                    }
                    "local" => {
                        if let Some(def) = self.locals.get(&name) {
                            if self.seen_locals.insert(name) {
                                let expr = def.expr;
                                self.visit_expr(expr);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        visit_traversal(self, node);
    }
}
