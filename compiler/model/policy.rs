//! `policy "NAME"` blocks: an organisation's own rules, written in the language (SPEC §3).
//!
//! ```hcl
//! policy "max_memory" {
//!   for       = "function"             # app, function, queue, database, bucket, topic, alarm, trigger, output
//!   condition = self.memory <= 1024    # over self, app, var, local
//!   message   = "functions over 1 GB need a platform exception"
//!   level     = "deny"                 # or "warn" (default "deny")
//!   when      = app.stage == "prod"    # optional: where the policy applies
//! }
//! ```
//!
//! `for`, `message` and `level` are compile-time values, evaluated once. `when` and `condition`
//! are evaluated for every block of the kind with `self` bound to the block's resolved
//! attributes ([`self_value`]): every attribute of the kind, defaults applied, unset ones
//! `null`; durations in seconds and sizes in MB (as lowering stores them); references as
//! address strings (`"queue.orders"`); deploy-time strings as their `${…}` text; plus
//! `self.name` (the block's name; an explicit `name` attribute is `self.physical_name`) and, for
//! triggers, `self.source_kind`.
//!
//! Checked once per policy, before any block: `for` names a kind; every `self.X` the
//! expressions read is an attribute of that kind (else `invalid-policy` at the read, with a
//! suggestion). Per block: a `false` condition is `policy/NAME` at the first attribute the
//! condition reads that the block sets (else the block's header), with the message; a
//! condition that fails on an unset (`null`) attribute fails the policy with "attribute unset";
//! any other evaluation error, or a value that is not a bool, is `invalid-policy` at the
//! condition (once). Policies run only on a project without compile errors, and `app.lint` can
//! set `policy/NAME` to allow, warn or deny like any rule.

use super::eval::{value_or_report, EvalError, Evaluator};
use super::{sp, value, Block, BlockKind, Model, Part, Value};
use crate::diagnostics::{Diagnostic, FileId, Severity, Span};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Attribute, Block as HclBlock, Structure};
use hcl_edit::visit::{visit_traversal, Visit};
use indexmap::IndexMap;

/// What the rest of the compiler knows of a policy (for `app.lint` and SARIF).
#[derive(Debug, Clone)]
pub struct PolicyInfo {
    pub name: String,
    pub message: String,
    /// `level = "deny"` (else warn).
    pub deny: bool,
    /// The policy's name label.
    pub span: Span,
}

/// A lowered policy, its expressions still syntax.
pub(super) struct Policy<'a> {
    pub info: PolicyInfo,
    file: FileId,
    kind: BlockKind,
    condition: &'a Expression,
    condition_span: Span,
    when: Option<(&'a Expression, Span)>,
}

const ATTRS: &[&str] = &["for", "condition", "message", "level", "when"];

/// Lowers a `policy` block; `None` (with diagnostics) when it is unusable.
pub(super) fn lower<'a>(
    file: FileId,
    name: &str,
    name_span: Span,
    header: Span,
    b: &'a HclBlock,
    ev: &mut Evaluator,
    diags: &mut Vec<Diagnostic>,
) -> Option<Policy<'a>> {
    let mut attrs = PolicyAttrs::new(file);
    for st in b.body.iter() {
        match st {
            Structure::Attribute(a) => attrs.read(a, ev, diags),
            Structure::Block(nb) => {
                diags.push(
                    Diagnostic::error(
                        "unknown-block",
                        sp(file, &nb.ident),
                        format!(
                            "`{}` blocks are not allowed inside a `policy` block",
                            nb.ident.value()
                        ),
                    )
                    .with_help(format!("a policy has the attributes {}", ATTRS.join(", "))),
                );
                attrs.ok = false;
            }
        }
    }
    if !has_required_attributes(name, header, b, attrs.condition.is_some(), diags) {
        attrs.ok = false;
    }
    let (condition, condition_span) = attrs.condition?;
    let kind = attrs.kind?;
    if !attrs.ok {
        return None;
    }
    let policy = Policy {
        info: PolicyInfo {
            name: name.to_string(),
            message: attrs
                .message
                .unwrap_or_else(|| format!("policy \"{name}\" is not met")),
            deny: attrs.deny,
            span: name_span,
        },
        file,
        kind,
        condition,
        condition_span,
        when: attrs.when,
    };
    self_reads_are_known(&policy, diags).then_some(policy)
}

/// The attributes of a `policy` block, as they are read (a wrong one is reported and clears
/// `ok`).
struct PolicyAttrs<'a> {
    file: FileId,
    kind: Option<BlockKind>,
    message: Option<String>,
    deny: bool,
    condition: Option<(&'a Expression, Span)>,
    when: Option<(&'a Expression, Span)>,
    ok: bool,
}

impl<'a> PolicyAttrs<'a> {
    fn new(file: FileId) -> Self {
        PolicyAttrs {
            file,
            kind: None,
            message: None,
            deny: true,
            condition: None,
            when: None,
            ok: true,
        }
    }

    /// Reads one attribute: `for`, `message` and `level` are evaluated now; `condition` and
    /// `when` are kept as syntax.
    fn read(&mut self, attr: &'a Attribute, ev: &mut Evaluator, diags: &mut Vec<Diagnostic>) {
        let vspan = sp(self.file, &attr.value);
        match attr.key.value().as_str() {
            "for" => self.read_for(attr, ev, diags),
            "message" => match policy_string(self.file, attr, ev, diags) {
                Some(s) => self.message = Some(s),
                None => self.ok = false,
            },
            "level" => self.read_level(attr, ev, diags),
            "condition" => self.condition = Some((&attr.value, vspan)),
            "when" => self.when = Some((&attr.value, vspan)),
            other => {
                diags.push(
                    Diagnostic::error(
                        "unknown-attribute",
                        sp(self.file, &attr.key),
                        format!("unknown attribute `{other}` in a `policy` block"),
                    )
                    .with_help(
                        match value::suggest(other, ATTRS.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("a policy has {}", ATTRS.join(", ")),
                        },
                    ),
                );
                self.ok = false;
            }
        }
    }

    /// `for = "function"`: one of the kind table's policy kinds.
    fn read_for(&mut self, attr: &Attribute, ev: &mut Evaluator, diags: &mut Vec<Diagnostic>) {
        match policy_string(self.file, attr, ev, diags) {
            Some(s) if super::kinds::policy_keywords().any(|k| k == s) => {
                self.kind = BlockKind::parse(&s);
            }
            Some(s) => {
                diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        sp(self.file, &attr.value),
                        format!("a policy cannot be for `{s}`"),
                    )
                    .with_help(
                        match value::suggest(&s, super::kinds::policy_keywords()) {
                            Some(k) => format!("did you mean \"{k}\"?"),
                            None => format!(
                                "`for` is one of {}",
                                super::kinds::policy_keywords()
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        },
                    ),
                );
                self.ok = false;
            }
            None => self.ok = false,
        }
    }

    /// `level = "deny"` or `"warn"`.
    fn read_level(&mut self, attr: &Attribute, ev: &mut Evaluator, diags: &mut Vec<Diagnostic>) {
        match policy_string(self.file, attr, ev, diags).as_deref() {
            Some("deny") => self.deny = true,
            Some("warn") => self.deny = false,
            Some(other) => {
                diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        sp(self.file, &attr.value),
                        format!("`level` is \"deny\" or \"warn\", not \"{other}\""),
                    )
                    .with_help("use `app.lint` in a project to turn a policy off (\"allow\")"),
                );
                self.ok = false;
            }
            None => self.ok = false,
        }
    }
}

/// A compile-time string attribute of a policy (`None` once reported).
fn policy_string(
    file: FileId,
    attr: &Attribute,
    ev: &mut Evaluator,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    match value_or_report(ev.eval_in(file, &attr.value), diags)? {
        Value::String(s) => Some(s),
        other => {
            diags.push(Diagnostic::error(
                "type-mismatch",
                sp(file, &attr.value),
                format!(
                    "`{}` must be a string, found {}",
                    attr.key.value().as_str(),
                    other.describe()
                ),
            ));
            None
        }
    }
}

/// Reports a missing `for` or `condition`; true when both are there.
fn has_required_attributes(
    name: &str,
    header: Span,
    b: &HclBlock,
    has_condition: bool,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    let had_for = b
        .body
        .iter()
        .any(|st| matches!(st, Structure::Attribute(a) if a.key.value().as_str() == "for"));
    let mut ok = true;
    for (k, missing) in [("for", !had_for), ("condition", !has_condition)] {
        if missing {
            diags.push(
                Diagnostic::error(
                    "missing-attribute",
                    header,
                    format!("policy \"{name}\" needs `{k}`"),
                )
                .with_help(if k == "for" {
                    "add `for = \"function\"` (or app, queue, database, bucket, topic, alarm, trigger, output)"
                } else {
                    "add `condition = self.memory <= 1024` (an expression over self that is true when the block complies)"
                }),
            );
            ok = false;
        }
    }
    ok
}

/// Checks that every `self.X` the condition and `when` read is an attribute `self` has for the
/// policy's kind; reports each one that is not.
fn self_reads_are_known(policy: &Policy, diags: &mut Vec<Diagnostic>) -> bool {
    let (name, kind) = (&policy.info.name, policy.kind);
    let known = self_attributes(kind);
    let mut bad = false;
    let exprs = std::iter::once((policy.condition, policy.condition_span)).chain(policy.when);
    for (expr, _) in exprs {
        for (attr, span) in self_reads(policy.file, expr) {
            if !known.iter().any(|k| *k == attr) {
                diags.push(
                    Diagnostic::error(
                        "invalid-policy",
                        span,
                        format!(
                            "policy \"{name}\": a {} has no attribute `{attr}`",
                            kind.as_str()
                        ),
                    )
                    .with_help(
                        match value::suggest(&attr, known.iter().copied()) {
                            Some(s) => format!("did you mean `self.{s}`?"),
                            None => format!("`self` has {}", known.join(", ")),
                        },
                    ),
                );
                bad = true;
            }
        }
    }
    !bad
}

/// The names `self` has for blocks of `kind`.
fn self_attributes(kind: BlockKind) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = vec!["name"];
    if kind == BlockKind::Trigger {
        v.push("source_kind");
    }
    v.extend(kind.schema().iter().map(|s| self_key(s.name)));
    v
}

/// The key of an attribute in `self`: `self.name` is the block's name, so the explicit
/// physical name (the `name` attribute) is `self.physical_name`.
fn self_key(attr: &'static str) -> &'static str {
    if attr == "name" {
        "physical_name"
    } else {
        attr
    }
}

/// The `self.X` reads of an expression: (X, span of `self.X`).
fn self_reads(file: FileId, expr: &Expression) -> Vec<(String, Span)> {
    struct Reads {
        file: FileId,
        out: Vec<(String, Span)>,
    }
    impl Visit for Reads {
        fn visit_traversal(&mut self, node: &hcl_edit::expr::Traversal) {
            if let Expression::Variable(v) = &node.expr {
                if v.value().as_str() == "self" {
                    if let Some(op) = node.operators.first() {
                        if let TraversalOperator::GetAttr(id) = op.value() {
                            let start = node.expr.span().map(|r| r.start).unwrap_or_default();
                            let end = op.span().map(|r| r.end).unwrap_or(start);
                            self.out
                                .push((id.value().to_string(), Span::new(self.file, start..end)));
                        }
                    }
                }
            }
            visit_traversal(self, node);
        }
    }
    use hcl_edit::Span as _;
    let mut r = Reads {
        file,
        out: Vec::new(),
    };
    r.visit_expr(expr);
    r.out
}

/// A model value as a policy sees it: references as address strings, deploy-time strings as
/// their `${…}` text.
fn plain(v: &Value) -> Value {
    match v {
        Value::Ref(a) | Value::Prefix(a, _) => Value::String(a.to_string()),
        Value::Deploy(parts) => Value::String(parts.iter().map(Part::text).collect()),
        Value::List(items) => Value::List(items.iter().map(plain).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), plain(v))).collect()),
        other => other.clone(),
    }
}

/// `self` for a block.
pub fn self_value(model: &Model, b: &Block) -> Value {
    let mut o: IndexMap<String, Value> = IndexMap::new();
    o.insert("name".into(), Value::String(b.name.clone()));
    if b.kind == BlockKind::Trigger {
        o.insert(
            "source_kind".into(),
            model
                .trigger_sources
                .get(&b.name)
                .map(|s| Value::String(s.kind_name().into()))
                .unwrap_or(Value::Null),
        );
    }
    for spec in b.kind.schema() {
        o.insert(
            self_key(spec.name).to_string(),
            b.get(spec.name).map(plain).unwrap_or(Value::Null),
        );
    }
    Value::Object(o)
}

/// Evaluates every policy on every block of its kind.
pub(super) fn evaluate(
    model: &Model,
    policies: &[Policy],
    ev: &mut Evaluator,
    diags: &mut Vec<Diagnostic>,
) {
    for p in policies {
        let code = format!("policy/{}", p.info.name);
        let severity = match model.lint_level(&code) {
            Some("allow") => continue,
            Some("warn") => Severity::Warning,
            Some("deny") => Severity::Error,
            _ if p.info.deny => Severity::Error,
            _ => Severity::Warning,
        };
        let reads: Vec<(String, Span)> = self_reads(p.file, p.condition);
        let when_reads: Vec<(String, Span)> = p
            .when
            .map(|(w, _)| self_reads(p.file, w))
            .unwrap_or_default();
        let cond_text = p.condition.to_string();
        let cond_text = cond_text.trim();
        let targets: Box<dyn Iterator<Item = &Block>> = if p.kind == BlockKind::App {
            Box::new(std::iter::once(&model.app))
        } else {
            Box::new(model.of_kind(p.kind))
        };
        for b in targets {
            let me = self_value(model, b);
            let unset_of = |reads: &[(String, Span)]| -> Vec<String> {
                let mut v: Vec<String> = reads
                    .iter()
                    .map(|(a, _)| a.clone())
                    .filter(|a| {
                        matches!(&me, Value::Object(o) if o.get(a.as_str()).is_none_or(|v| *v == Value::Null))
                    })
                    .collect();
                v.dedup();
                v
            };
            let unset = unset_of(&reads);
            if let Some((when, when_span)) = p.when {
                let when_unset = unset_of(&when_reads);
                match ev.eval_with(p.file, when, "self", me.clone()) {
                    Ok(Value::Bool(true)) => {}
                    Ok(Value::Bool(false)) => continue,
                    // A scope that fails on an unset attribute does not apply.
                    Err(e) if !when_unset.is_empty() && null_caused(&e) => continue,
                    Ok(other) => {
                        diags.push(not_bool(&p.info.name, "when", when_span, &other));
                        break;
                    }
                    Err(e) => {
                        diags.push(eval_failed(&p.info.name, "when", when_span, e));
                        break;
                    }
                }
            }
            let outcome = ev.eval_with(p.file, p.condition, "self", me);
            let mut note = None;
            match outcome {
                Ok(Value::Bool(true)) => continue,
                Ok(Value::Bool(false)) => {}
                Err(e) if !unset.is_empty() && null_caused(&e) => {
                    note = Some(format!(
                        " (attribute unset: {})",
                        unset
                            .iter()
                            .map(|a| format!("self.{a}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                Ok(other) => {
                    diags.push(not_bool(
                        &p.info.name,
                        "condition",
                        p.condition_span,
                        &other,
                    ));
                    break;
                }
                Err(e) => {
                    diags.push(eval_failed(&p.info.name, "condition", p.condition_span, e));
                    break;
                }
            }
            // At the attribute the condition reads (the block header for an unset one).
            let span = if note.is_some() {
                b.header
            } else {
                reads
                    .iter()
                    .find(|(a, _)| b.is_set(a))
                    .map(|(a, _)| b.span_of(a))
                    .unwrap_or(b.header)
            };
            let mut d = Diagnostic::error(
                code.as_str(),
                span,
                format!(
                    "{}{} ({} \"{}\")",
                    p.info.message,
                    note.unwrap_or_default(),
                    b.kind.as_str(),
                    b.name
                ),
            )
            .with_help(format!(
                "required by policy \"{}\": {cond_text}",
                p.info.name
            ));
            d.severity = severity;
            diags.push(d);
        }
    }
}

/// Whether an evaluation failed because a value was `null` (an unset attribute).
fn null_caused(e: &EvalError) -> bool {
    match e {
        EvalError::Diag(d) => d.message.contains("null"),
        EvalError::Reported => false,
    }
}

fn not_bool(name: &str, what: &str, span: Span, v: &Value) -> Diagnostic {
    Diagnostic::error(
        "invalid-policy",
        span,
        format!(
            "policy \"{name}\": `{what}` must be true or false, but it is {}",
            v.describe()
        ),
    )
    .with_help("compare the value, e.g. `self.memory <= 1024` or `self.tracing == true`")
}

fn eval_failed(name: &str, what: &str, span: Span, e: EvalError) -> Diagnostic {
    match e {
        EvalError::Diag(d) => Diagnostic::error(
            "invalid-policy",
            d.span,
            format!(
                "policy \"{name}\": `{what}` cannot be evaluated: {}",
                d.message
            ),
        )
        .with_help_opt(d.help.clone()),
        EvalError::Reported => Diagnostic::error(
            "invalid-policy",
            span,
            format!("policy \"{name}\": `{what}` cannot be evaluated"),
        ),
    }
}
