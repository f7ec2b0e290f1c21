//! The typed, fully resolved model of a project, and how it is built from syntax trees.
//!
//! [`lower`] turns the parsed files into a [`Model`]: a [`Lowerer`] runs the passes (declare,
//! variables, app, locals, blocks, policies, defaults and validation ([`validate`]), policy
//! evaluation; see `model/lower/mod.rs`) over the top-level blocks it asks of a syntax store
//! (`model/syntax_store.rs`), which keeps their syntax, or drops it after parsing and parses it
//! again when it is needed ([`prepare`]).
//!
//! Every pass reports what it can and carries on, so independent mistakes are all reported.

pub mod eval;
pub mod functions;
pub mod iam_strings;
pub mod kinds;
mod lower;
pub mod modules;
pub mod moved;
pub mod paths;
pub mod physical;
pub mod policy;
pub mod profile;
pub mod reads;
pub mod runtimes;
pub mod schema;
mod syntax_store;
pub mod target_checks;
pub mod validate;
pub mod value;
pub mod websocket;

use crate::diagnostics::{FileId, Span};
use hcl_edit::structure::{Block as HclBlock, BlockLabel};
use hcl_edit::Span as _;
pub use kinds::BlockKind;
pub use lower::{lower, lower_prepared, Lowerer, ModuleCx, VarType};
pub use physical::BucketName;
use std::collections::BTreeMap;
pub use syntax_store::{prepare, Header, PreparedFile};
pub use value::{Addr, AwsValue, Part, RefKind, Value};

/// An attribute after evaluation and type checking.
#[derive(Debug, Clone)]
pub struct Attr {
    pub value: Value,
    /// The value expression (or the block header, for defaults).
    pub span: Span,
    /// The attribute's name (or the block header, for defaults).
    pub key_span: Span,
    /// The spans inside a list or object literal (`None` for any other value). Boxed: most
    /// attributes are not literals, and a large model has hundreds of thousands of attributes.
    pub literal: Option<Box<LiteralSpans>>,
    /// Set when the value is a default, not written by the user.
    pub defaulted: bool,
}

/// Where the parts of a list or object literal were written.
#[derive(Debug, Clone, Default)]
pub struct LiteralSpans {
    /// Spans of the elements, when the value was written as a list literal.
    pub items: Vec<Span>,
    /// When the value was written as an object literal: (key, span of the key, span of the
    /// value), sorted by key, one entry per key (the last one written). One vector instead of
    /// two maps: every function's `environment` has one, so this is a large model's worth.
    pub fields: Vec<(String, Span, Span)>,
}

impl LiteralSpans {
    fn is_empty(&self) -> bool {
        self.items.is_empty() && self.fields.is_empty()
    }
    fn field(&self, key: &str) -> Option<&(String, Span, Span)> {
        self.fields
            .binary_search_by(|f| f.0.as_str().cmp(key))
            .ok()
            .map(|i| &self.fields[i])
    }
    /// Sets the spans of a key (replacing those of an earlier entry of the same key).
    pub fn set_field(&mut self, key: String, key_span: Span, value_span: Span) {
        match self.fields.binary_search_by(|f| f.0.cmp(&key)) {
            Ok(i) => self.fields[i] = (key, key_span, value_span),
            Err(i) => self.fields.insert(i, (key, key_span, value_span)),
        }
    }
    /// Boxed, or `None` when there is nothing to keep.
    pub fn boxed(self) -> Option<Box<LiteralSpans>> {
        (!self.is_empty()).then(|| Box::new(self))
    }
}

impl Attr {
    /// A default value, not written by the user: its spans are the block header.
    pub fn default_at(value: Value, header: Span) -> Attr {
        Attr {
            value,
            span: header,
            key_span: header,
            literal: None,
            defaulted: true,
        }
    }
    /// The span of the i-th list element (the whole value when it was not a list literal).
    pub fn item_span(&self, i: usize) -> Span {
        self.literal
            .as_ref()
            .and_then(|l| l.items.get(i).copied())
            .unwrap_or(self.span)
    }
    /// The span of an object literal's value by key (the whole value otherwise).
    pub fn field_span(&self, key: &str) -> Span {
        self.literal
            .as_ref()
            .and_then(|l| l.field(key).map(|f| f.2))
            .unwrap_or(self.span)
    }
    /// The span of an object literal's key, when the value was written as one.
    pub fn field_key_span(&self, key: &str) -> Option<Span> {
        self.literal
            .as_ref()
            .and_then(|l| l.field(key).map(|f| f.1))
    }
}

/// A block's attributes, in source order (then defaults). A block has at most a couple of dozen
/// attributes, so a vector with a linear search is both smaller and faster than a hash map.
#[derive(Debug, Clone, Default)]
pub struct AttrMap(Vec<(String, Attr)>);

impl AttrMap {
    pub fn get(&self, name: &str) -> Option<&Attr> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, a)| a)
    }
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Attr> {
        self.0.iter_mut().find(|(k, _)| k == name).map(|(_, a)| a)
    }
    pub fn contains_key(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }
    /// Sets an attribute (replacing an earlier value of the same name).
    pub fn insert(&mut self, name: String, attr: Attr) {
        match self.get_mut(&name) {
            Some(a) => *a = attr,
            None => self.0.push((name, attr)),
        }
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Attr)> {
        self.0.iter().map(|(k, a)| (k, a))
    }
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Attr)> {
        self.0.iter_mut().map(|(k, a)| (&*k, a))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Drops the spare capacity (a large model has tens of thousands of blocks).
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl std::ops::Index<&str> for AttrMap {
    type Output = Attr;
    fn index(&self, name: &str) -> &Attr {
        self.get(name)
            .unwrap_or_else(|| panic!("attribute `{name}` is present"))
    }
}

impl<'a> IntoIterator for &'a AttrMap {
    type Item = (&'a String, &'a Attr);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Attr)>,
        fn(&'a (String, Attr)) -> (&'a String, &'a Attr),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, a)| (k, a))
    }
}

/// One resolved block.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    pub name: String,
    pub file: FileId,
    /// `function "signup"`: the block type and labels.
    pub header: Span,
    /// The name label.
    pub name_span: Span,
    pub attrs: AttrMap,
    /// Attributes written whose value failed to evaluate or type-check (already reported):
    /// poisoned, so that no later check reports them again as missing.
    pub failed: Box<[String]>,
    /// Where a block of a module instance was written (`None` for the project's own).
    pub origin: Option<Box<modules::Origin>>,
}

impl Block {
    /// Whether the user wrote the attribute, even if its value failed (see [`Block::failed`]).
    pub fn written(&self, name: &str) -> bool {
        self.attrs.get(name).is_some_and(|a| !a.defaulted) || self.failed.iter().any(|f| f == name)
    }
    /// Whether the attribute was written and its value failed (reported): checks that depend
    /// on it say nothing.
    pub fn has_failed(&self, name: &str) -> bool {
        self.failed.iter().any(|f| f == name)
    }
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.attrs.get(name).map(|a| &a.value)
    }
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.get(name)
    }
    pub fn str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }
    pub fn num(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(Value::as_f64)
    }
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }
    pub fn reference(&self, name: &str) -> Option<&Addr> {
        self.get(name).and_then(Value::as_ref_addr)
    }
    /// The span to point at for an attribute: its value if written, else the block header.
    pub fn span_of(&self, name: &str) -> Span {
        self.attrs
            .get(name)
            .filter(|a| !a.defaulted)
            .map(|a| a.span)
            .unwrap_or(self.header)
    }
    /// The block's address as written: `function.api`, or `module.billing.function.worker`
    /// for a block of a module instance.
    pub fn addr(&self) -> String {
        modules::address(self.origin.as_deref(), self.kind.as_str(), &self.name)
    }
    pub fn is_set(&self, name: &str) -> bool {
        self.attrs.get(name).is_some_and(|a| !a.defaulted)
    }
}

/// A `moved { from = KIND.OLD  to = KIND.NEW }` block.
#[derive(Debug, Clone)]
pub struct Moved {
    pub from: Addr,
    pub to: Addr,
    pub span: Span,
}

/// The trigger's source, decided from its attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerSource {
    Http {
        method: String,
        path: String,
    },
    /// A route of the shared WebSocket API: `$connect`, `$disconnect`, `$default` or a custom
    /// route key.
    Websocket(String),
    Schedule(String),
    Queue(String),
    Database(String),
    /// A Kinesis data stream.
    Stream(String),
    Bucket(String),
    Topic(String),
    Alarm(String),
}

/// The typed, resolved project.
#[derive(Debug, Clone)]
pub struct Model {
    pub app: Block,
    pub stage: String,
    pub region: String,
    /// Every resource block (functions, queues, databases, buckets, topics, alarms, triggers,
    /// outputs), sorted by kind then name.
    pub blocks: Vec<Block>,
    pub variables: BTreeMap<String, Value>,
    /// The project's locals that evaluated (compile-time values; the editor's hover shows them).
    pub locals: BTreeMap<String, Value>,
    pub moved: Vec<Moved>,
    /// Trigger name → its source.
    pub trigger_sources: BTreeMap<String, TriggerSource>,
    /// The loaded `policy` blocks (the project's and `--policy` files').
    pub policies: Vec<policy::PolicyInfo>,
    /// The module instances (their blocks are among `blocks`, under prefixed names).
    pub instances: Vec<modules::Instance>,
}

impl Model {
    pub fn of_kind(&self, kind: BlockKind) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
    /// Finds a block by kind and name (the blocks are sorted, so this is a binary search).
    pub fn find(&self, kind: BlockKind, name: &str) -> Option<&Block> {
        self.blocks
            .binary_search_by(|b| (b.kind, b.name.as_str()).cmp(&(kind, name)))
            .ok()
            .map(|i| &self.blocks[i])
    }
    /// The triggers whose source could be decided, with it.
    pub fn triggers(&self) -> impl Iterator<Item = (&Block, &TriggerSource)> {
        self.of_kind(BlockKind::Trigger)
            .filter_map(|t| self.trigger_sources.get(&t.name).map(|s| (t, s)))
    }
    pub fn resolve(&self, addr: &Addr) -> Option<&Block> {
        self.find(addr.kind.into(), &addr.name)
    }
    /// The level `app.lint` sets for a rule or `policy/NAME` (`"allow"`, `"warn"`, `"deny"`).
    pub fn lint_level(&self, code: &str) -> Option<&str> {
        match self.app.get("lint") {
            Some(Value::Object(o)) => o.get(code).and_then(Value::as_str),
            _ => None,
        }
    }
}

/// Inputs that do not come from `.sls` files.
#[derive(Debug, Clone, Default)]
pub struct LowerOptions {
    pub stage: Option<String>,
    /// `--var NAME=VALUE`, in order.
    pub vars: Vec<(String, String)>,
    /// Values read from `--var-file` (already parsed; their file is in the source map).
    pub var_file: Option<(FileId, hcl_edit::structure::Body)>,
    /// "Today" for date-dependent rules, as `YYYY-MM-DD`.
    pub today: String,
    /// Files loaded with `--policy`: they may hold only `policy` blocks.
    pub policy_files: Vec<FileId>,
    /// The rules `app.lint` may name (from the rule registry, `checks::lint_names`).
    pub lint_rules: Vec<LintRule>,
}

/// A rule name `app.lint` accepts, and whether it is hard (goes no lower than `warn`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LintRule {
    pub name: &'static str,
    pub hard: bool,
}

/// A problem with the command line found while lowering (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

/// The span of a syntax node of `file`.
fn sp(file: FileId, node: &impl hcl_edit::Span) -> Span {
    Span::new(file, node.span().unwrap_or(0..0))
}

/// The span of a block's type and labels.
fn header_span(file: FileId, b: &HclBlock) -> Span {
    let start = b.ident.span().map(|r| r.start).unwrap_or(0);
    let end = b
        .labels
        .last()
        .and_then(|l| l.span())
        .or_else(|| b.ident.span())
        .map(|r| r.end)
        .unwrap_or(start);
    Span::new(file, start..end)
}

fn label_str(l: &BlockLabel) -> &str {
    l.as_str()
}

pub use crate::diagnostics::article;
