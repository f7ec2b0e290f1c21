//! Module instances: what the model remembers of them, and what the evaluator reads of them.
//!
//! A `module` block is expanded while lowering (`lower/modules.rs`): each instance's files are
//! parsed again under file ids of their own, and its blocks join the model under prefixed names
//! (`billing_worker`), so every later phase — validation, the graph, the rules, both emitters,
//! IAM — works across module boundaries without knowing about modules. What needs the module
//! structure reads it here: a block's [`Origin`] (its address as written,
//! `module.billing.function.worker`), the [`Instance`] table (which files belong to which
//! instance, where it was called) and [`annotate`], which says in which instance a diagnostic
//! is and labels the caller's `module` block.

use super::Value;
use crate::diagnostics::{Diagnostic, FileId, Label, SourceMap, Span};
use std::collections::{BTreeMap, BTreeSet};

/// One module instance.
#[derive(Debug, Clone)]
pub struct Instance {
    /// `module.billing`, `module.tenant["acme"]`, `module.shop.module.worker`.
    pub addr: String,
    /// The source as written: `std/queue_worker`, `./modules/worker`.
    pub source: String,
    /// What identifies the module's code: `std/NAME` or its directory (instances of one module
    /// share it).
    pub key: String,
    /// The prefix of its blocks' names in the model: `billing_`, `tenant_acme_`.
    pub prefix: String,
    /// The caller's `module` block (its header).
    pub call: Span,
    /// Its own copies of the module's files.
    pub files: Vec<FileId>,
    /// The instance whose files declare this one (nested modules).
    pub parent: Option<usize>,
    /// The inputs the caller set (with a value), by name: the caller's value.
    pub inputs: BTreeMap<String, Span>,
}

impl Instance {
    /// `module.billing (std/queue_worker)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.addr, self.source)
    }
}

/// Where a block of a module instance was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The instance's address: `module.billing`.
    pub module: String,
    /// The block's name in the module: `worker` (the model names it `billing_worker`).
    pub local: String,
}

/// A block's address as written: `function.api`, or `module.billing.function.worker` for a
/// block of a module instance (`name` is then the model's prefixed name, not shown).
pub fn address(origin: Option<&Origin>, kind: &str, name: &str) -> String {
    match origin {
        Some(o) => format!("{}.{kind}.{}", o.module, o.local),
        None => format!("{kind}.{name}"),
    }
}

/// What `module.NAME` evaluates to.
#[derive(Debug, Clone)]
pub enum ModuleValue {
    /// The module could not be instantiated (reported).
    Failed,
    One(Outputs),
    /// A `for_each` module: its instances by key.
    Each(BTreeMap<String, Outputs>),
}

/// The outputs of one instance.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// `module.billing (std/queue_worker)`, for messages.
    pub describe: String,
    /// By name; `None` when its value failed (reported).
    pub values: BTreeMap<String, Option<Value>>,
}

impl Outputs {
    /// The outputs that have a value, as an object.
    pub fn object(&self) -> Value {
        Value::Object(
            self.values
                .iter()
                .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
                .collect(),
        )
    }
}

/// Says in which instance each diagnostic inside one is: the message starts with
/// `in module.billing (std/queue_worker):` and a label points at the caller's `module` block
/// (and at every enclosing one). A value the module uses exactly as its caller passed it
/// (`memory = var.memory`) and refuses is the caller's mistake: the diagnostic moves to the
/// caller's attribute, with a label where the module uses it. A mistake repeated by every
/// instance of a module (same code, place and message) is reported once, naming how many
/// instances have it.
pub fn annotate(diags: &mut Vec<Diagnostic>, instances: &[Instance], sources: &SourceMap) {
    if instances.is_empty() {
        return;
    }
    let mut of_file: BTreeMap<FileId, (usize, usize)> = BTreeMap::new();
    for (i, inst) in instances.iter().enumerate() {
        for (pos, f) in inst.files.iter().enumerate() {
            of_file.insert(*f, (i, pos));
        }
    }
    let mut moved = vec![false; diags.len()];
    for (n, d) in diags.iter_mut().enumerate() {
        if let Some(&(i, _)) = of_file.get(&d.span.file) {
            moved[n] = blame_caller(d, &instances[i], sources);
        }
    }
    // Moved to one caller attribute, the instances of a `for_each` say the same thing once.
    let mut seen = BTreeSet::new();
    let mut n = 0;
    diags.retain(|d| {
        n += 1;
        !moved[n - 1] || seen.insert((d.span, d.code.clone(), d.message.clone()))
    });
    // (module key, file position, start, end, code, message) → index of the first one kept.
    let mut first: BTreeMap<(&str, usize, usize, usize, String, String), usize> = BTreeMap::new();
    let mut repeats: BTreeMap<usize, usize> = BTreeMap::new();
    let mut keep = vec![true; diags.len()];
    for (n, d) in diags.iter().enumerate() {
        let Some(&(i, pos)) = of_file.get(&d.span.file) else {
            continue;
        };
        let key = (
            instances[i].key.as_str(),
            pos,
            d.span.start,
            d.span.end,
            d.code.clone(),
            d.message.clone(),
        );
        match first.get(&key) {
            Some(&kept) => {
                keep[n] = false;
                *repeats.entry(kept).or_default() += 1;
            }
            None => {
                first.insert(key, n);
            }
        }
    }
    let mut out = Vec::with_capacity(diags.len());
    for (index, mut d) in diags.drain(..).enumerate() {
        if !keep[index] {
            continue;
        }
        if let Some(&(i, _)) = of_file.get(&d.span.file) {
            let more = repeats.get(&index).copied().unwrap_or(0);
            let also = match more {
                0 => String::new(),
                1 => " and 1 more instance".to_string(),
                m => format!(" and {m} more instances"),
            };
            d.message = format!("in {}{also}: {}", instances[i].describe(), d.message);
            let mut at = Some(i);
            let mut seen = BTreeSet::new();
            while let Some(j) = at.filter(|j| seen.insert(*j)) {
                let inst = &instances[j];
                d = d.with_label(
                    inst.call,
                    format!("{} is instantiated here", inst.describe()),
                );
                at = inst.parent;
            }
        }
        out.push(d);
    }
    *diags = out;
}

/// Moves a diagnostic at `var.NAME` in an instance to the caller's value of input `NAME`
/// (whether it moved).
fn blame_caller(d: &mut Diagnostic, inst: &Instance, sources: &SourceMap) -> bool {
    let Some(name) = sources.snippet(d.span).strip_prefix("var.") else {
        return false;
    };
    let Some(&caller) = inst.inputs.get(name) else {
        return false;
    };
    let used = d.span;
    let message = format!("{} uses `{name}` here", inst.describe());
    d.span = caller;
    d.primary_label = None;
    d.labels.insert(
        0,
        Label {
            span: used,
            message,
        },
    );
    true
}
