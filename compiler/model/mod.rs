//! Lowering: from hcl-edit syntax trees to the typed, fully resolved model.
//!
//! The algorithm runs in passes over every file's top-level blocks:
//! 1. **Declare**: each block's kind and name is recorded (unknown kinds, bad labels and
//!    identifiers, duplicates per kind are reported). After this pass every reference can be
//!    resolved, whatever file or order it was written in.
//! 2. **Variables**: each `variable` gets its value from `--var`, `--var-file` or its default,
//!    checked against its declared type.
//! 3. **App**: the one `app` block gives `app.name` and `app.stage` (`--stage` wins).
//! 4. **Locals** are evaluated lazily on first use, with cycle detection; every local is then
//!    evaluated once more so unused locals still report their errors.
//! 5. **Blocks**: every attribute is evaluated, type-checked against the kind's schema
//!    ([`schema`]) and normalised; defaults are filled in (function defaults from `app`).
//! 6. **Validation** ([`validate`]): rules that involve several attributes or blocks —
//!    triggers, routes, schedules, physical names, collisions, `moved` blocks.
//!
//! Every pass reports what it can and carries on, so independent mistakes are all reported.

pub mod eval;
pub mod functions;
pub mod kinds;
pub mod moved;
pub mod paths;
pub mod policy;
pub mod runtimes;
pub mod schema;
pub mod target_checks;
pub mod validate;
pub mod value;

use crate::diagnostics::{Diagnostic, FileId, Span};
use crate::syntax::Parsed;
use eval::{Env, EvalError, Evaluator, LocalDef};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block as HclBlock, BlockLabel, Structure};
use hcl_edit::Span as _;
pub use kinds::BlockKind;
use schema::{AttrSpec, Site, Ty};
use std::collections::BTreeMap;
pub use value::{Addr, Part, RefKind, Value};

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
}

impl Block {
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
    pub fn addr(&self) -> String {
        format!("{}.{}", self.kind.as_str(), self.name)
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
    Http { method: String, path: String },
    Schedule(String),
    Queue(String),
    Database(String),
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
    pub moved: Vec<Moved>,
    /// Trigger name → its source.
    pub trigger_sources: BTreeMap<String, TriggerSource>,
    /// The loaded `policy` blocks (the project's and `--policy` files').
    pub policies: Vec<policy::PolicyInfo>,
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
    /// `{app}-{stage}-{name}`.
    pub fn physical_name(&self, name: &str) -> String {
        format!("{}-{}-{}", self.app.name, self.stage, name)
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

/// Where a declared block's syntax is: kept for the whole lowering (`app`, `variable`,
/// `locals`), or in a slot taken — and freed — when the block is lowered.
#[derive(Clone, Copy)]
enum Src<'a> {
    Kept(&'a HclBlock),
    Slot(usize),
}

struct Decl<'a> {
    kind: BlockKind,
    name: String,
    file: FileId,
    src: Src<'a>,
    header: Span,
    name_span: Span,
}

impl<'a> Decl<'a> {
    /// The block's syntax (a kept block, or a slot not yet taken).
    fn block<'s>(&'s self, slots: &'s [Option<HclBlock>]) -> Option<&'s HclBlock> {
        match self.src {
            Src::Kept(b) => Some(b),
            Src::Slot(i) => slots.get(i).and_then(Option::as_ref),
        }
    }
}

/// A top-level structure, in file order.
enum Top {
    Attr(Box<hcl_edit::structure::Attribute>),
    Kept(usize),
    /// A block lowered once (its syntax, when not dropped, is in `slots`), with its header.
    Slot(usize, Box<Header>),
}

/// What declaring a block reads from its syntax: enough to declare a block whose syntax was
/// dropped after parsing (and is parsed again when it is lowered).
pub struct Header {
    ident: String,
    ident_span: Span,
    header: Span,
    labels: usize,
    first_label: Option<(String, Span)>,
}

impl Header {
    fn of(file: FileId, b: &HclBlock) -> Header {
        Header {
            ident: b.ident.value().to_string(),
            ident_span: sp(file, &b.ident),
            header: header_span(file, b),
            labels: b.labels.len(),
            first_label: b
                .labels
                .first()
                .map(|l| (label_str(l).to_string(), sp(file, l))),
        }
    }
}

/// `app`, `variable` and `locals` blocks are kept for the whole lowering: the other blocks'
/// expressions refer to them.
fn is_kept(b: &HclBlock) -> bool {
    matches!(
        b.ident.value().as_str(),
        "app" | "variable" | "locals" | "policy"
    )
}

/// A top-level structure of a [`PreparedFile`].
enum Item {
    Attr(Box<hcl_edit::structure::Attribute>),
    Kept(HclBlock),
    /// Any other block: its header, and its syntax unless it was dropped.
    Other(Box<Header>, Option<HclBlock>),
}

/// One parsed file, split for lowering right after it was parsed (on the parser thread): the
/// `app`, `variable` and `locals` blocks and top-level attributes are kept; of the other
/// blocks only their headers are kept when `keep_others` is false, and their syntax is parsed
/// again, file by file, when they are lowered. So the syntax trees of all files are never in
/// memory at once.
pub struct PreparedFile {
    file: FileId,
    items: Vec<Item>,
    dropped: bool,
}

/// Splits a parsed file for [`lower_prepared`] (see [`PreparedFile`]).
pub fn prepare(file: FileId, body: hcl_edit::structure::Body, keep_others: bool) -> PreparedFile {
    let mut items = Vec::new();
    let mut dropped = false;
    for st in body.into_iter() {
        items.push(match st {
            Structure::Attribute(a) => Item::Attr(Box::new(a)),
            Structure::Block(b) if is_kept(&b) => Item::Kept(b),
            Structure::Block(b) => {
                let h = Box::new(Header::of(file, &b));
                if keep_others {
                    Item::Other(h, Some(b))
                } else {
                    dropped = true;
                    Item::Other(h, None)
                }
            }
        });
    }
    PreparedFile {
        file,
        items,
        dropped,
    }
}

/// Where the syntax of dropped blocks is parsed again from.
struct Reparse<'a> {
    sources: &'a crate::syntax::SourceMap,
    /// Dropped file → the range of its blocks' slots.
    files: BTreeMap<FileId, std::ops::Range<usize>>,
    /// Slot → the index of its declaration, when it declares a block.
    slot_decl: Vec<Option<usize>>,
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 40
}

fn sp(file: FileId, node: &impl hcl_edit::Span) -> Span {
    Span::new(file, node.span().unwrap_or(0..0))
}

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

/// Lowers the parsed files. Returns the model (when the project is complete enough to build
/// one) and every diagnostic found.
pub fn lower(
    parsed: &mut Parsed,
    opts: &LowerOptions,
) -> Result<(Option<Model>, Vec<Diagnostic>), UsageError> {
    let files: Vec<PreparedFile> = parsed
        .files
        .iter_mut()
        .map(|pf| prepare(pf.file, std::mem::take(&mut pf.body), true))
        .collect();
    lower_prepared(files, parsed.diagnostics.is_empty(), None, opts)
}

/// Lowers files split by [`prepare`]. `no_parse_errors` says whether every file parsed;
/// `sources` holds the text of the files whose blocks were dropped (parsed again here, with
/// the same result as the first time).
pub fn lower_prepared(
    files: Vec<PreparedFile>,
    no_parse_errors: bool,
    sources: Option<&crate::syntax::SourceMap>,
    opts: &LowerOptions,
) -> Result<(Option<Model>, Vec<Diagnostic>), UsageError> {
    let mut diags: Vec<Diagnostic> = Vec::new();

    // The top-level blocks are taken out of the syntax trees. `app`, `variable` and `locals`
    // blocks are kept for the whole lowering (their expressions are evaluated lazily); every
    // other block is lowered once and its syntax freed right after, so the trees — tens of
    // times the size of the source — never all sit in memory beside the growing model.
    let mut kept: Vec<HclBlock> = Vec::new();
    let mut slots: Vec<Option<HclBlock>> = Vec::new();
    let mut order: Vec<(FileId, Top)> = Vec::new();
    let mut reparse = Reparse {
        sources: sources.unwrap_or(&EMPTY_SOURCES),
        files: BTreeMap::new(),
        slot_decl: Vec::new(),
    };
    let file_ids: Vec<FileId> = files.iter().map(|pf| pf.file).collect();
    for pf in files {
        let first_slot = slots.len();
        for item in pf.items {
            match item {
                Item::Attr(a) => order.push((pf.file, Top::Attr(a))),
                Item::Kept(b) => {
                    kept.push(b);
                    order.push((pf.file, Top::Kept(kept.len() - 1)));
                }
                Item::Other(h, b) => {
                    slots.push(b);
                    order.push((pf.file, Top::Slot(slots.len() - 1, h)));
                }
            }
        }
        if pf.dropped {
            reparse.files.insert(pf.file, first_slot..slots.len());
        }
    }
    let first_file = file_ids.first().copied();
    let kept = kept;

    // -- 1. Declare -------------------------------------------------------------------------
    let mut decls: Vec<Decl> = Vec::new();
    let mut policy_blocks: Vec<(FileId, Span, &HclBlock)> = Vec::new();
    let mut local_defs: BTreeMap<String, LocalDef> = BTreeMap::new();
    let mut seen: BTreeMap<(BlockKind, String), Span> = BTreeMap::new();
    for (file, top) in &order {
        let file = *file;
        {
            let kept_header;
            let (h, src) = match top {
                Top::Kept(i) => {
                    kept_header = Header::of(file, &kept[*i]);
                    (&kept_header, Src::Kept(&kept[*i]))
                }
                Top::Slot(i, h) => (&**h, Src::Slot(*i)),
                Top::Attr(attr) => {
                    diags.push(
                        Diagnostic::error(
                            "unknown-attribute",
                            sp(file, &attr.key),
                            format!("`{}` is an attribute outside any block", attr.key.value()),
                        )
                        .with_help("top-level attributes are not allowed: put it in a block (`app`, `locals`, …)"),
                    );
                    continue;
                }
            };
            let ident = h.ident.as_str();
            if opts.policy_files.contains(&file) && ident != "policy" {
                diags.push(
                    Diagnostic::error(
                        "unknown-block",
                        h.ident_span,
                        format!("a --policy file holds only `policy` blocks, not `{ident}`"),
                    )
                    .with_help(
                        "move this block into the project, or the policy file into its own file",
                    ),
                );
                continue;
            }
            if ident == "policy" {
                // Policies are kept: their conditions are evaluated after validation.
                if let Src::Kept(b) = src {
                    policy_blocks.push((file, h.header, b));
                }
                continue;
            }
            let Some(kind) = BlockKind::parse(ident) else {
                let mut d = Diagnostic::error(
                    "unknown-block",
                    h.ident_span,
                    format!("unknown block type `{ident}`"),
                );
                if ident == "module" {
                    d = d.with_help(format!(
                        "`{ident}` blocks are not supported by this version of slsc"
                    ));
                } else {
                    let kinds = BlockKind::ALL.map(|k| k.as_str());
                    d = d.with_help(match value::suggest(ident, kinds) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("the block types are {}", kinds.join(", ")),
                    });
                }
                diags.push(d);
                continue;
            };
            let header = h.header;
            if h.labels != kind.labels() {
                let msg = if kind.labels() == 0 {
                    format!("a `{ident}` block takes no name")
                } else {
                    format!("a `{ident}` block takes exactly one name: {ident} \"NAME\" {{ … }}")
                };
                diags.push(Diagnostic::error("syntax", header, msg));
                continue;
            }
            if kind == BlockKind::Locals {
                // Locals are always kept: their expressions are evaluated lazily, later.
                let Src::Kept(locals) = src else { continue };
                for st in locals.body.iter() {
                    match st {
                        Structure::Attribute(attr) => {
                            let name = attr.key.value().to_string();
                            let name_span = sp(file, &attr.key);
                            if let Some(prev) = local_defs.get(&name) {
                                diags.push(
                                    Diagnostic::error(
                                        "duplicate-name",
                                        name_span,
                                        format!("local `{name}` is defined twice"),
                                    )
                                    .with_label(prev.name_span, "first defined here"),
                                );
                                continue;
                            }
                            local_defs.insert(
                                name,
                                LocalDef {
                                    file,
                                    expr: &attr.value,
                                    name_span,
                                },
                            );
                        }
                        Structure::Block(b) => {
                            diags.push(nested_block_error(file, b, BlockKind::Locals, &[]))
                        }
                    }
                }
                continue;
            }
            let (name, name_span) = match &h.first_label {
                Some((l, s)) => (l.clone(), *s),
                None => (String::new(), header),
            };
            if kind != BlockKind::Moved {
                if !is_identifier(&name) {
                    let fixed: String = name
                        .to_ascii_lowercase()
                        .chars()
                        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                        .collect();
                    diags.push(
                        Diagnostic::error(
                            "invalid-value",
                            name_span,
                            format!("`{name}` is not a valid name: names are [a-z][a-z0-9_]*, at most 40 characters"),
                        )
                        .with_help_opt(
                            (is_identifier(&fixed) && fixed != name).then(|| format!("try \"{fixed}\"")),
                        ),
                    );
                    continue;
                }
                let key = (kind, name.clone());
                if let Some(prev) = seen.get(&key) {
                    diags.push(
                        Diagnostic::error(
                            "duplicate-name",
                            name_span,
                            format!("{ident} \"{name}\" is declared twice"),
                        )
                        .with_label(*prev, "first declared here")
                        .with_help(format!(
                            "names are unique per kind: rename one of the `{ident}` blocks"
                        )),
                    );
                    continue;
                }
                seen.insert(key, name_span);
            }
            decls.push(Decl {
                kind,
                name,
                file,
                src,
                header,
                name_span,
            });
        }
    }

    reparse.slot_decl = vec![None; slots.len()];
    for (k, d) in decls.iter().enumerate() {
        if let Src::Slot(i) = d.src {
            reparse.slot_decl[i] = Some(k);
        }
    }

    let mut blocks_by_kind: BTreeMap<RefKind, BTreeMap<String, Span>> = BTreeMap::new();
    for d in &decls {
        if let Some(rk) = d.kind.ref_kind() {
            blocks_by_kind
                .entry(rk)
                .or_default()
                .insert(d.name.clone(), d.name_span);
        }
    }

    // -- 2. Variables -----------------------------------------------------------------------
    let empty_blocks = BTreeMap::new();
    let empty_vals = BTreeMap::new();
    let empty_locals = BTreeMap::new();
    let mut declared_vars: BTreeMap<String, Span> = BTreeMap::new();
    for d in decls.iter().filter(|d| d.kind == BlockKind::Variable) {
        declared_vars.insert(d.name.clone(), d.name_span);
    }
    let no_syntax_errors = no_parse_errors;
    for (name, _) in &opts.vars {
        if !declared_vars.contains_key(name) && no_syntax_errors {
            let s = value::suggest(name, declared_vars.keys().map(String::as_str));
            return Err(UsageError(format!(
                "--var {name}: no `variable \"{name}\"` block is declared{}",
                s.map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default()
            )));
        }
    }
    let mut var_file_values: BTreeMap<String, (Span, &Expression)> = BTreeMap::new();
    if let Some((file, body)) = &opts.var_file {
        for st in body.iter() {
            match st {
                Structure::Attribute(a) => {
                    let n = a.key.value().to_string();
                    if !declared_vars.contains_key(&n) {
                        if no_syntax_errors {
                            let s = value::suggest(&n, declared_vars.keys().map(String::as_str));
                            diags.push(
                                Diagnostic::error(
                                    "unresolved-reference",
                                    sp(*file, &a.key),
                                    format!("the var-file sets `{n}`, but no `variable \"{n}\"` block is declared"),
                                )
                                .with_help_opt(s.map(|s| format!("did you mean `{s}`?"))),
                            );
                        }
                        continue;
                    }
                    var_file_values.insert(n, (sp(*file, &a.value), &a.value));
                }
                Structure::Block(b) => diags.push(Diagnostic::error(
                    "syntax",
                    header_span(*file, b),
                    "a var-file holds only `name = value` attributes",
                )),
            }
        }
    }
    let mut variables: BTreeMap<String, Value> = BTreeMap::new();
    {
        let env = Env {
            blocks: &empty_blocks,
            vars: &empty_vals,
            declared_vars: &empty_vals_spans(),
            locals: &empty_locals,
            app_name: None,
            app_stage: None,
        };
        let mut ev = Evaluator::new(env);
        for d in decls.iter().filter(|d| d.kind == BlockKind::Variable) {
            let Some(block) = d.block(&slots) else {
                continue;
            };
            if let Some(v) = lower_variable(d, block, opts, &var_file_values, &mut ev, &mut diags) {
                variables.insert(d.name.clone(), v);
            }
        }
    }

    // -- 3. App -----------------------------------------------------------------------------
    let apps: Vec<&Decl> = decls.iter().filter(|d| d.kind == BlockKind::App).collect();
    let app_decl = apps.first().copied();
    if apps.len() > 1 {
        for extra in &apps[1..] {
            diags.push(
                Diagnostic::error(
                    "duplicate-name",
                    extra.header,
                    format!(
                        "a second `app` block (\"{}\"): a project has exactly one",
                        extra.name
                    ),
                )
                .with_label(apps[0].header, "the first `app` block"),
            );
        }
    }
    // A folder of `policy` blocks alone (and variables they read) is a policy library:
    // `slsc check` validates its policies and needs no `app` block.
    let policy_library =
        !policy_blocks.is_empty() && decls.iter().all(|d| d.kind == BlockKind::Variable);
    if let (None, Some(first_file), true, false) =
        (app_decl, first_file, no_parse_errors, policy_library)
    {
        diags.push(
            Diagnostic::error(
                "missing-attribute",
                Span::file_start(first_file),
                "the project has no `app` block: every project needs exactly one",
            )
            .with_help("add one, e.g.\napp \"shop\" {\n  region = \"eu-west-1\"\n}"),
        );
    }
    let app_name = app_decl.map(|d| d.name.clone());
    let mut stage = opts.stage.clone();
    if let Some(s) = &stage {
        if !valid_stage(s) {
            return Err(UsageError(format!(
                "--stage {s}: a stage is 1–16 characters of a-z, 0-9 and -"
            )));
        }
    }
    if stage.is_none() {
        if let Some(d) = app_decl {
            if let Some(attr) = d.block(&slots).and_then(|b| b.body.get_attribute("stage")) {
                let env = Env {
                    blocks: &blocks_by_kind,
                    vars: &variables,
                    declared_vars: &declared_vars,
                    locals: &local_defs,
                    app_name: app_name.as_deref(),
                    app_stage: None,
                };
                let mut ev = Evaluator::new(env);
                // Type errors are reported when the app block is lowered (pass 5), which
                // evaluates `stage` again; only what that pass cannot see is reported here.
                match ev.eval_in(d.file, &attr.value) {
                    Ok(Value::String(s)) if valid_stage(&s) => stage = Some(s),
                    Ok(Value::String(s)) => diags.push(
                        Diagnostic::error(
                            "invalid-value",
                            sp(d.file, &attr.value),
                            format!(
                                "\"{s}\" is not a valid stage: 1–16 characters of a-z, 0-9 and -"
                            ),
                        )
                        .with_help("stages name environments: \"dev\", \"prod\", \"pr-123\""),
                    ),
                    Err(EvalError::Diag(dd)) if dd.code == "cycle" => diags.push(*dd),
                    _ => {}
                }
                // Errors inside locals used by `stage` are reported in pass 4.
            }
        }
    }
    let stage = stage.unwrap_or_else(|| "dev".to_string());

    // -- 4. Locals --------------------------------------------------------------------------
    let env = Env {
        blocks: &blocks_by_kind,
        vars: &variables,
        declared_vars: &declared_vars,
        locals: &local_defs,
        app_name: app_name.as_deref(),
        app_stage: Some(&stage),
    };
    let mut ev = Evaluator::new(env);
    for name in local_defs.keys() {
        let _ = ev.eval_local(name);
    }

    // -- 5. Blocks --------------------------------------------------------------------------
    // Each declared block gets its own syntax, moved out of its slot (blocks that were not
    // declared keep theirs until the end).
    let mut syntax: Vec<Option<HclBlock>> = decls
        .iter()
        .map(|d| match d.src {
            Src::Kept(_) => None,
            Src::Slot(i) => slots[i].take(),
        })
        .collect();
    // The blocks are lowered on as many threads as the files were parsed on, each taking the
    // declarations of the same run of files its parser thread took (decls are in file order).
    // Each thread frees the syntax it has lowered as it goes, so the model reuses the trees'
    // memory: with glibc, memory freed in the parser threads' arenas is only reused by threads
    // allocating from those arenas, which the lowering threads (started after the parsers
    // ended) are. The results are merged in declaration order, so the output does not depend
    // on the number of threads.
    let chunk_of_file: BTreeMap<FileId, usize> = {
        let per = file_ids
            .len()
            .div_ceil(crate::syntax::worker_threads())
            .max(1);
        file_ids
            .iter()
            .enumerate()
            .map(|(i, &f)| (f, i / per))
            .collect()
    };
    let chunk_of = |d: &Decl| chunk_of_file.get(&d.file).copied().unwrap_or(0);
    let mut bounds = vec![0];
    if decls.len() >= PARALLEL_LOWERING_MIN_BLOCKS {
        for i in 1..decls.len() {
            if chunk_of(&decls[i]) != chunk_of(&decls[i - 1]) {
                bounds.push(i);
            }
        }
    }
    bounds.push(decls.len());
    let mut parts: Vec<LowerWork> = Vec::new();
    {
        let mut rest_decls = &decls[..];
        let mut rest_syntax = &mut syntax[..];
        for w in bounds.windows(2) {
            let n = w[1] - w[0];
            let (d, dr) = rest_decls.split_at(n);
            let (s, sr) = rest_syntax.split_at_mut(n);
            parts.push((w[0], d, s));
            rest_decls = dr;
            rest_syntax = sr;
        }
    }
    let app_decl_ref = app_decl;
    let stage_ref = stage.as_str();
    let reparse_ref = &reparse;
    let mut lowered: Vec<LoweredPart> = std::thread::scope(|scope| {
        let mut parts = parts.into_iter();
        let first = parts.next();
        let handles: Vec<_> = parts
            .map(|(o, d, s)| {
                let mut wev = ev.fork();
                std::thread::Builder::new()
                    .name("slsc-lower-part".into())
                    .stack_size(LOWER_STACK_BYTES)
                    .spawn_scoped(scope, move || {
                        lower_part(o, d, s, reparse_ref, &mut wev, app_decl_ref, stage_ref)
                    })
                    .expect("a lowering thread can be started")
            })
            .collect();
        let mut out = Vec::with_capacity(handles.len() + 1);
        if let Some((o, d, s)) = first {
            out.push(lower_part(
                o,
                d,
                s,
                reparse_ref,
                &mut ev,
                app_decl_ref,
                stage_ref,
            ));
        }
        for h in handles {
            out.push(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        out
    });
    drop(syntax);
    let mut blocks: Vec<Block> = Vec::with_capacity(lowered.iter().map(|p| p.blocks.len()).sum());
    let mut app_block: Option<Block> = None;
    let mut moved: Vec<Moved> = Vec::new();
    for p in lowered.iter_mut() {
        blocks.append(&mut p.blocks);
        moved.append(&mut p.moved);
        diags.append(&mut p.diags);
        if app_block.is_none() {
            app_block = p.app.take();
        }
    }
    diags.append(&mut ev.diagnostics);
    for p in lowered.iter_mut() {
        diags.append(&mut p.ev_diags);
    }
    drop(lowered);

    // Policies: `for`, `message` and `level` are evaluated now (`app.lint` may name them).
    let mut policies: Vec<policy::Policy> = Vec::new();
    let mut policy_names: BTreeMap<String, Span> = BTreeMap::new();
    let mut failed_policies: Vec<policy::PolicyInfo> = Vec::new();
    for (file, header, b) in &policy_blocks {
        let Some(label) = b.labels.first() else {
            diags.push(Diagnostic::error(
                "syntax",
                *header,
                "a `policy` block takes exactly one name: policy \"NAME\" { … }",
            ));
            continue;
        };
        let name = label_str(label).to_string();
        let name_span = sp(*file, label);
        if b.labels.len() != 1 {
            diags.push(Diagnostic::error(
                "syntax",
                *header,
                "a `policy` block takes exactly one name: policy \"NAME\" { … }",
            ));
            continue;
        }
        if !is_identifier(&name) {
            diags.push(Diagnostic::error(
                "invalid-value",
                name_span,
                format!("`{name}` is not a valid name: names are [a-z][a-z0-9_]*, at most 40 characters"),
            ));
            continue;
        }
        if let Some(prev) = policy_names.get(&name) {
            diags.push(
                Diagnostic::error(
                    "duplicate-name",
                    name_span,
                    format!("policy \"{name}\" is declared twice"),
                )
                .with_label(*prev, "first declared here")
                .with_help("a policy from --policy and one in the project cannot share a name"),
            );
            continue;
        }
        policy_names.insert(name.clone(), name_span);
        match policy::lower(*file, &name, name_span, *header, b, &mut ev, &mut diags) {
            Some(p) => policies.push(p),
            // Still a declared policy for `app.lint` (its own errors are reported).
            None => failed_policies.push(policy::PolicyInfo {
                name: name.clone(),
                message: String::new(),
                deny: true,
                span: name_span,
            }),
        }
    }
    let Some(app) = app_block else {
        return Ok((None, diags));
    };
    let region = app.str("region").unwrap_or("us-east-1").to_string();
    blocks.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    let mut model = Model {
        app,
        // Cloned: the evaluator still borrows them for the policies.
        stage: stage.clone(),
        region,
        blocks,
        variables: variables.clone(),
        moved,
        trigger_sources: BTreeMap::new(),
        policies: policies
            .iter()
            .map(|p| p.info.clone())
            .chain(failed_policies)
            .collect(),
    };

    // -- 6. Validation ----------------------------------------------------------------------
    validate::apply_defaults(&mut model);
    validate::validate(&mut model, opts, &mut diags);
    // -- 7. Policies (on a project without compile errors, like the rules) -----------------
    if no_parse_errors && !diags.iter().any(Diagnostic::is_error) {
        policy::evaluate(&model, &policies, &mut ev, &mut diags);
    }
    drop(policies);
    for b in std::iter::once(&mut model.app).chain(model.blocks.iter_mut()) {
        b.attrs.shrink_to_fit();
    }
    Ok((Some(model), diags))
}

/// A lowering thread's work: the index of its first declaration, its declarations and their
/// syntax slots.
type LowerWork<'d, 'a> = (usize, &'d [Decl<'a>], &'d mut [Option<HclBlock>]);

/// Below this many declared blocks, lowering stays on one thread.
const PARALLEL_LOWERING_MIN_BLOCKS: usize = 512;

/// The stack of each extra lowering thread (as for the main one: evaluation recurses; only the
/// touched part is ever committed).
const LOWER_STACK_BYTES: usize = 256 << 20;

/// What one thread lowered, in declaration order.
struct LoweredPart {
    blocks: Vec<Block>,
    app: Option<Block>,
    moved: Vec<Moved>,
    diags: Vec<Diagnostic>,
    /// The thread's evaluator's diagnostics (reported after every block's own).
    ev_diags: Vec<Diagnostic>,
}

/// Lowers a run of declarations, starting at declaration `offset`; `syntax[i]` is the syntax
/// of `decls[i]` when it is not kept, taken and freed once the block is lowered. The syntax of
/// a file whose blocks were dropped after parsing is parsed again when its first block is
/// reached (a file's declarations are consecutive), and each block's syntax is put in its slot.
fn lower_part(
    offset: usize,
    decls: &[Decl],
    syntax: &mut [Option<HclBlock>],
    reparse: &Reparse,
    ev: &mut Evaluator,
    app_decl: Option<&Decl>,
    stage: &str,
) -> LoweredPart {
    let mut out = LoweredPart {
        blocks: Vec::new(),
        app: None,
        moved: Vec::new(),
        diags: Vec::new(),
        ev_diags: Vec::new(),
    };
    let diags = &mut out.diags;
    let mut loaded: Option<FileId> = None;
    for (i, d) in decls.iter().enumerate() {
        if let Src::Slot(_) = d.src {
            if syntax[i].is_none() && loaded != Some(d.file) {
                if let Some(range) = reparse.files.get(&d.file) {
                    loaded = Some(d.file);
                    let text = reparse.sources.text(d.file);
                    let (pf, _) = crate::syntax::parse_file(d.file, text);
                    let mut slot = range.start;
                    for st in pf.body.into_iter() {
                        let Structure::Block(b) = st else { continue };
                        if is_kept(&b) {
                            continue;
                        }
                        let k = reparse.slot_decl.get(slot).copied().flatten();
                        slot += 1;
                        if let Some(k) = k.and_then(|k| k.checked_sub(offset)) {
                            if let Some(s) = syntax.get_mut(k) {
                                *s = Some(b);
                            }
                        }
                    }
                }
            }
        }
        // A slot's syntax is taken here and dropped at the end of the iteration.
        let taken = syntax[i].take();
        let block: &HclBlock = match (d.src, &taken) {
            (Src::Kept(b), _) => b,
            (Src::Slot(_), Some(b)) => b,
            (Src::Slot(_), None) => continue,
        };
        match d.kind {
            BlockKind::Variable => {}
            BlockKind::Locals => {}
            BlockKind::Moved => {
                if let Some(m) = lower_moved(d, block, diags) {
                    out.moved.push(m);
                }
            }
            BlockKind::App => {
                if app_decl.is_some_and(|a| std::ptr::eq(a, d)) {
                    let mut b = lower_block(d, block, ev, diags);
                    if let Some(a) = b.attrs.get_mut("stage") {
                        a.value = Value::String(stage.to_string());
                    }
                    out.app = Some(b);
                }
            }
            _ => out.blocks.push(lower_block(d, block, ev, diags)),
        }
        drop(taken);
    }
    out.ev_diags = std::mem::take(&mut ev.diagnostics);
    out
}

static EMPTY_SOURCES: crate::syntax::SourceMap = crate::syntax::SourceMap::new();

fn empty_vals_spans() -> BTreeMap<String, Span> {
    BTreeMap::new()
}

/// "a" or "an", for messages.
pub fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn valid_stage(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 16
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn label_str(l: &BlockLabel) -> &str {
    l.as_str()
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

/// The declared type of a variable.
#[derive(Debug, Clone, PartialEq)]
pub enum VarType {
    String,
    Number,
    Bool,
    List(Box<VarType>),
    Map(Box<VarType>),
}

impl VarType {
    fn name(&self) -> String {
        match self {
            VarType::String => "string".into(),
            VarType::Number => "number".into(),
            VarType::Bool => "bool".into(),
            VarType::List(t) => format!("list({})", t.name()),
            VarType::Map(t) => format!("map({})", t.name()),
        }
    }
    fn ty(&self) -> Ty {
        match self {
            VarType::String => Ty::StrLoose,
            VarType::Number => Ty::Float {
                min: -1.0e15,
                max: 1.0e15,
            },
            VarType::Bool => Ty::Bool,
            VarType::List(t) => Ty::List(Box::new(t.ty())),
            VarType::Map(t) => Ty::Map(Box::new(t.ty())),
        }
    }
}

fn parse_var_type(e: &Expression) -> Option<VarType> {
    match e {
        Expression::Variable(v) => match v.value().as_str() {
            "string" => Some(VarType::String),
            "number" => Some(VarType::Number),
            "bool" => Some(VarType::Bool),
            _ => None,
        },
        Expression::FuncCall(f) if f.args.len() == 1 && f.name.namespace.is_empty() => {
            let inner = parse_var_type(f.args.get(0)?)?;
            match f.name.name.value().as_str() {
                "list" => Some(VarType::List(Box::new(inner))),
                "map" => Some(VarType::Map(Box::new(inner))),
                _ => None,
            }
        }
        _ => None,
    }
}

fn lower_variable(
    d: &Decl,
    block: &HclBlock,
    opts: &LowerOptions,
    var_file: &BTreeMap<String, (Span, &Expression)>,
    ev: &mut Evaluator,
    diags: &mut Vec<Diagnostic>,
) -> Option<Value> {
    let file = d.file;
    let mut ty: Option<VarType> = None;
    let mut type_span = d.header;
    let mut default: Option<(&Expression, Span)> = None;
    let mut misspelt = false;
    for st in block.body.iter() {
        match st {
            Structure::Attribute(a) => match a.key.value().as_str() {
                "type" => {
                    type_span = sp(file, &a.value);
                    match parse_var_type(&a.value) {
                        Some(t) => ty = Some(t),
                        None => {
                            diags.push(
                                Diagnostic::error(
                                    "invalid-value",
                                    type_span,
                                    "unknown variable type",
                                )
                                .with_help(
                                    "the types are string, number, bool, list(T) and map(T)",
                                ),
                            );
                            return None;
                        }
                    }
                }
                "default" => default = Some((&a.value, sp(file, &a.value))),
                "description" => {
                    if !matches!(&a.value, Expression::String(_)) {
                        diags.push(Diagnostic::error(
                            "type-mismatch",
                            sp(file, &a.value),
                            "a variable's description must be a plain string",
                        ));
                    }
                }
                other => {
                    misspelt = true;
                    let s = value::suggest(other, ["type", "default", "description"]);
                    diags.push(
                        Diagnostic::error(
                            "unknown-attribute",
                            sp(file, &a.key),
                            format!("unknown attribute `{other}` in a `variable` block"),
                        )
                        .with_help(match s {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "a variable has `type`, `default` and `description`".into(),
                        }),
                    );
                }
            },
            Structure::Block(b) => {
                diags.push(nested_block_error(file, b, BlockKind::Variable, &[]))
            }
        }
    }
    let Some(ty) = ty else {
        diags.push(
            Diagnostic::error(
                "missing-attribute",
                d.header,
                format!("variable \"{}\" has no `type`", d.name),
            )
            .with_help("declare one of string, number, bool, list(T), map(T): `type = string`"),
        );
        return None;
    };
    let check_with = |v: Value, site: Site, diags: &mut Vec<Diagnostic>| -> Option<Value> {
        match schema::check(v, &ty.ty(), site) {
            Ok(v) => Some(v),
            Err(mut e) => {
                if e.code == "type-mismatch" {
                    e.message = format!(
                        "variable \"{}\" is declared {}: {}",
                        d.name,
                        ty.name(),
                        e.message
                    );
                    e = e.with_label(type_span, format!("declared {} here", ty.name()));
                }
                diags.push(e);
                None
            }
        }
    };
    // --var wins over --var-file, which wins over the default (the last --var of a name wins).
    if let Some((_, raw)) = opts.vars.iter().rev().find(|(n, _)| *n == d.name) {
        let v = match &ty {
            VarType::String => Value::String(raw.clone()),
            VarType::Number => match raw.trim().parse::<f64>() {
                Ok(x) if x.is_finite() && x.abs() <= 1.0e15 => Value::Number(x),
                _ => {
                    diags.push(
                        Diagnostic::error(
                            "type-mismatch",
                            d.name_span,
                            format!("--var {}={raw}: expected a number", d.name),
                        )
                        .with_label(type_span, "declared number here"),
                    );
                    return None;
                }
            },
            VarType::Bool => match raw.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => {
                    diags.push(
                        Diagnostic::error(
                            "type-mismatch",
                            d.name_span,
                            format!("--var {}={raw}: expected true or false", d.name),
                        )
                        .with_label(type_span, "declared bool here"),
                    );
                    return None;
                }
            },
            VarType::List(_) | VarType::Map(_) => match hcl_edit::parser::parse_expr(raw) {
                Ok(e) => match ev.eval_in(d.file, &e) {
                    Ok(v) => v,
                    Err(_) => {
                        diags.push(Diagnostic::error(
                            "type-mismatch",
                            d.name_span,
                            format!("--var {}={raw}: expected a constant {} such as [\"a\", \"b\"] or {{ k = \"v\" }}", d.name, ty.name()),
                        ));
                        return None;
                    }
                },
                Err(_) => {
                    diags.push(Diagnostic::error(
                        "type-mismatch",
                        d.name_span,
                        format!(
                            "--var {}={raw}: not a valid {} expression",
                            d.name,
                            ty.name()
                        ),
                    ));
                    return None;
                }
            },
        };
        let site = Site {
            file,
            span: d.name_span,
            expr: None,
        };
        return check_with(v, site, diags);
    }
    if let Some((span, expr)) = var_file.get(&d.name) {
        return match ev.eval_in(span.file, expr) {
            Ok(v) => check_with(
                v,
                Site {
                    file: span.file,
                    span: *span,
                    expr: Some(expr),
                },
                diags,
            ),
            Err(EvalError::Diag(e)) => {
                diags.push(*e);
                None
            }
            Err(EvalError::Reported) => None,
        };
    }
    if let Some((expr, span)) = default {
        return match ev.eval_in(file, expr) {
            Ok(v) => check_with(
                v,
                Site {
                    file,
                    span,
                    expr: Some(expr),
                },
                diags,
            ),
            Err(EvalError::Diag(mut e)) => {
                if e.code == "unresolved-reference" {
                    e.help = Some(
                        "a variable's default must be a constant: it cannot refer to other names"
                            .into(),
                    );
                }
                diags.push(*e);
                None
            }
            Err(EvalError::Reported) => None,
        };
    }
    if misspelt {
        // `defualt = …` was reported as unknown; a missing value would only repeat it.
        return None;
    }
    diags.push(
        Diagnostic::error(
            "missing-variable",
            d.header,
            format!("variable \"{}\" has no value", d.name),
        )
        .with_help(format!(
            "pass one with --var {}=VALUE or in a --var-file, or give the variable a `default`",
            d.name
        )),
    );
    None
}

/// Reads `KIND.NAME` from a `moved` block's `from`/`to` without resolving it (the old name no
/// longer exists).
fn moved_addr(file: FileId, e: &Expression) -> Result<Addr, Diagnostic> {
    let bad = || {
        Diagnostic::error(
            "type-mismatch",
            sp(file, e),
            "expected a block address such as `function.old_name`",
        )
    };
    let Expression::Traversal(t) = e else {
        return Err(bad());
    };
    let Expression::Variable(root) = &t.expr else {
        return Err(bad());
    };
    let Some(kind) = RefKind::parse(root.value().as_str()) else {
        return Err(bad().with_help(
            "`moved` works for function, queue, database, bucket, topic and alarm blocks",
        ));
    };
    match t.operators.as_slice() {
        [op] => match op.value() {
            TraversalOperator::GetAttr(n) => Ok(Addr {
                kind,
                name: n.value().to_string(),
            }),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

fn lower_moved(d: &Decl, block: &HclBlock, diags: &mut Vec<Diagnostic>) -> Option<Moved> {
    let file = d.file;
    let mut from = None;
    let mut to = None;
    let mut ok = true;
    for st in block.body.iter() {
        match st {
            Structure::Attribute(a) => match a.key.value().as_str() {
                k @ ("from" | "to") => match moved_addr(file, &a.value) {
                    Ok(addr) => {
                        let slot = if k == "from" { &mut from } else { &mut to };
                        *slot = Some((addr, sp(file, &a.value)));
                    }
                    Err(e) => {
                        ok = false;
                        diags.push(e);
                    }
                },
                other => {
                    ok = false;
                    diags.push(
                        Diagnostic::error(
                            "unknown-attribute",
                            sp(file, &a.key),
                            format!("unknown attribute `{other}` in a `moved` block"),
                        )
                        .with_help_opt(
                            value::suggest(other, ["from", "to"])
                                .map(|s| format!("did you mean `{s}`?")),
                        ),
                    );
                }
            },
            Structure::Block(b) => {
                ok = false;
                diags.push(nested_block_error(file, b, BlockKind::Moved, &[]));
            }
        }
    }
    if !ok {
        return None;
    }
    for (k, v) in [("from", &from), ("to", &to)] {
        if v.is_none() {
            diags.push(Diagnostic::error(
                "missing-attribute",
                d.header,
                format!("a `moved` block needs `{k}`"),
            ));
            ok = false;
        }
    }
    let ((from, fspan), (to, tspan)) = (from?, to?);
    if !ok {
        return None;
    }
    if from.kind != to.kind {
        diags.push(
            Diagnostic::error(
                "type-mismatch",
                tspan,
                format!(
                    "`moved` renames a block within its kind: {from} is a {}, {to} is a {}",
                    from.kind.as_str(),
                    to.kind.as_str()
                ),
            )
            .with_label(fspan, "moved from here"),
        );
        return None;
    }
    Some(Moved {
        from,
        to,
        span: Span {
            file,
            start: fspan.start,
            end: tspan.end.max(fspan.end),
        },
    })
}

fn lower_block(
    d: &Decl,
    block: &HclBlock,
    ev: &mut Evaluator,
    diags: &mut Vec<Diagnostic>,
) -> Block {
    let file = d.file;
    let specs = d.kind.schema();
    // Room for every attribute of the schema: with the defaults (here and in
    // `validate::apply_defaults`) most blocks end up with nearly all of them, and growing the
    // vector by doubling would leave a large model's worth of freed halves behind. The spare
    // capacity is dropped once the model is complete.
    let mut attrs = AttrMap(Vec::with_capacity(specs.len()));
    for st in block.body.iter() {
        let a = match st {
            Structure::Attribute(a) => a,
            Structure::Block(b) => {
                diags.push(nested_block_error(file, b, d.kind, specs));
                continue;
            }
        };
        let key = a.key.value().as_str();
        let Some(spec) = specs.iter().find(|s| s.name == key) else {
            let s = value::suggest(key, specs.iter().map(|s| s.name));
            let mut diag = Diagnostic::error(
                "unknown-attribute",
                sp(file, &a.key),
                format!(
                    "unknown attribute `{key}` in {} `{}` block",
                    article(d.kind.as_str()),
                    d.kind.as_str()
                ),
            );
            diag = diag.with_help(match s {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "{} `{}` block has {}",
                    article(d.kind.as_str()),
                    d.kind.as_str(),
                    specs
                        .iter()
                        .map(|s| format!("`{}`", s.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
            diags.push(diag);
            continue;
        };
        let span = sp(file, &a.value);
        let value = match ev.eval_in(file, &a.value) {
            Ok(v) => v,
            Err(EvalError::Diag(e)) => {
                diags.push(*e);
                continue;
            }
            Err(EvalError::Reported) => {
                continue;
            }
        };
        if value == Value::Null {
            // As in Terraform, `null` means "not set": the default applies.
            continue;
        }
        let site = Site {
            file,
            span,
            expr: Some(&a.value),
        };
        let value = match schema::check(value, &spec.ty, site) {
            Ok(v) => v,
            Err(e) => {
                diags.push(e);
                continue;
            }
        };
        let mut literal = LiteralSpans::default();
        match &a.value {
            Expression::Array(arr) => literal.items = arr.iter().map(|e| sp(file, e)).collect(),
            Expression::Object(obj) => {
                for (k, v) in obj.iter() {
                    let key = match k {
                        hcl_edit::expr::ObjectKey::Ident(i) => i.value().to_string(),
                        hcl_edit::expr::ObjectKey::Expression(Expression::String(s)) => {
                            s.value().clone()
                        }
                        _ => continue,
                    };
                    literal.set_field(key, sp(file, k), sp(file, v.expr()));
                }
            }
            _ => {}
        }
        attrs.insert(
            key.to_string(),
            Attr {
                value,
                span,
                key_span: sp(file, &a.key),
                literal: literal.boxed(),
                defaulted: false,
            },
        );
    }
    for spec in specs {
        if attrs.contains_key(spec.name) {
            continue;
        }
        if spec.required {
            // Only report a missing attribute when the user did not write it at all (a failed
            // attribute was already reported).
            let written = block.body.get_attribute(spec.name).is_some();
            if !written {
                diags.push(
                    Diagnostic::error(
                        "missing-attribute",
                        d.header,
                        format!(
                            "{} \"{}\" is missing the required attribute `{}`",
                            d.kind.as_str(),
                            d.name,
                            spec.name
                        ),
                    )
                    .with_primary_label(format!("add `{}` here", spec.name)),
                );
            }
            continue;
        }
        if let Some(def) = &spec.default {
            attrs.insert(
                spec.name.to_string(),
                Attr::default_at(def.clone(), d.header),
            );
        }
    }
    // Keep room only for what `validate::apply_defaults` may still add to this kind, so the
    // spare slots are freed (and reused by the next blocks) right away.
    let extra = match d.kind {
        BlockKind::Function => 6,
        BlockKind::Trigger => 3,
        BlockKind::Queue => 2,
        BlockKind::Database => 1,
        _ => 0,
    };
    attrs.0.shrink_to(attrs.0.len() + extra);
    Block {
        kind: d.kind,
        name: d.name.clone(),
        file,
        header: d.header,
        name_span: d.name_span,
        attrs,
    }
}
