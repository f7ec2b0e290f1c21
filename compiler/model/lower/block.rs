//! Lowering one block (pass 5): its attributes evaluated, checked against its kind's schema
//! and normalised, with the schema's defaults; and `moved` blocks.

use super::{nested_block_error, Decl};
use crate::diagnostics::{Diagnostic, FileId, Span};
use crate::model::eval::{EvalError, Evaluator};
use crate::model::schema::{self, AttrSpec, Site};
use crate::model::{
    article, sp, value, Addr, Attr, AttrMap, Block, BlockKind, LiteralSpans, Moved, RefKind, Value,
};
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Attribute, Block as HclBlock, Structure};

/// What a `moved` block's `from`/`to` names: a block, or a whole module instance.
enum Moving {
    Block(Addr),
    /// `module.billing` or `module.tenant["acme"]`: the address, and its blocks' name prefix.
    Module(String, String),
}

/// A lowered `moved` block.
pub(super) enum MovedItem {
    Block(Moved),
    /// A module instance renamed: every block of it keeps its identity (expanded into block
    /// renames once the instances are known).
    Module(ModuleMove),
}

/// `moved { from = module.old  to = module.new }`.
pub(super) struct ModuleMove {
    pub(super) from: (String, String),
    pub(super) to: (String, String),
    pub(super) span: Span,
}

/// Reads `module.NAME` or `module.NAME["KEY"]` (a top-level instance).
fn moved_module(t: &hcl_edit::expr::Traversal) -> Option<Moving> {
    let (name, key) = match t.operators.as_slice() {
        [n] => (n, None),
        [n, k] => (n, Some(k)),
        _ => return None,
    };
    let TraversalOperator::GetAttr(name) = name.value() else {
        return None;
    };
    let name = name.value().to_string();
    match key.map(|k| k.value()) {
        None => Some(Moving::Module(format!("module.{name}"), format!("{name}_"))),
        Some(TraversalOperator::Index(Expression::String(k))) => Some(Moving::Module(
            format!("module.{name}[\"{}\"]", k.value()),
            format!("{name}_{}_", k.value()),
        )),
        _ => None,
    }
}

/// Reads `KIND.NAME` (or a module instance's address) from a `moved` block's `from`/`to`
/// without resolving it (the old name no longer exists).
fn moved_addr(file: FileId, e: &Expression) -> Result<Moving, Diagnostic> {
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
    if root.value().as_str() == "module" {
        return moved_module(t).ok_or_else(|| {
            bad().with_help("a module instance is written `module.NAME` or `module.NAME[\"KEY\"]`")
        });
    }
    let Some(kind) = RefKind::parse(root.value().as_str()) else {
        return Err(bad().with_help(
            "`moved` works for function, queue, database, bucket, topic and alarm blocks",
        ));
    };
    match t.operators.as_slice() {
        [op] => match op.value() {
            TraversalOperator::GetAttr(n) => Ok(Moving::Block(Addr {
                kind,
                name: n.value().to_string(),
            })),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// Lowers a `moved` block; `None` (reported) when it is not a valid rename.
pub(super) fn lower_moved(
    d: &Decl,
    block: &HclBlock,
    diags: &mut Vec<Diagnostic>,
) -> Option<MovedItem> {
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
    let span = Span {
        file,
        start: fspan.start,
        end: tspan.end.max(fspan.end),
    };
    let (from, to) = match (from, to) {
        (Moving::Block(f), Moving::Block(t)) => (f, t),
        (Moving::Module(fa, fp), Moving::Module(ta, tp)) => {
            return Some(MovedItem::Module(ModuleMove {
                from: (fa, fp),
                to: (ta, tp),
                span,
            }))
        }
        _ => {
            diags.push(
                Diagnostic::error(
                    "type-mismatch",
                    tspan,
                    "`moved` renames a block to a block, or a module instance to a module instance",
                )
                .with_label(fspan, "moved from here"),
            );
            return None;
        }
    };
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
    Some(MovedItem::Block(Moved { from, to, span }))
}

/// Lowers a block of a resource kind (or `app`, `output`): every attribute against the kind's
/// schema, then the schema's defaults (a missing required attribute is reported).
pub(super) fn lower_block(
    d: &Decl,
    block: &HclBlock,
    ev: &mut Evaluator,
    today: &str,
    diags: &mut Vec<Diagnostic>,
) -> Block {
    let file = d.file;
    let specs = d.kind.schema();
    // Room for every attribute of the schema: with the defaults (here and in
    // `validate::apply_defaults`) most blocks end up with nearly all of them, and growing the
    // vector by doubling would leave a large model's worth of freed halves behind. The spare
    // capacity is dropped once the model is complete.
    let mut attrs = AttrMap(Vec::with_capacity(specs.len()));
    let mut failed = Vec::new();
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
            diags.push(unknown_attribute(d, key, sp(file, &a.key), specs));
            continue;
        };
        match lower_attr(file, a, spec, ev, today, diags) {
            Ok(Some(attr)) => attrs.insert(key.to_string(), attr),
            Ok(None) => {}
            Err(Failed) => failed.push(key.to_string()),
        }
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
        failed: failed.into_boxed_slice(),
        origin: None,
    }
}

/// A `runtime` AWS no longer runs (`nodejs12.x`, runtimes.json's `retired`): refused with the
/// newest runtime of its family supported on `today` — not the closest name, which would be
/// the oldest one listed, itself deprecated.
fn retired_runtime(spec: &AttrSpec, v: &Value, span: Span, today: &str) -> Option<Diagnostic> {
    let rt = v.as_str().filter(|_| spec.name == "runtime")?;
    let family = crate::model::runtimes::retired_family(rt)?;
    Some(
        Diagnostic::error(
            "invalid-value",
            span,
            format!(
                "\"{rt}\" is a retired runtime: AWS no longer creates or updates functions with it"
            ),
        )
        .with_help(crate::model::runtimes::upgrade_help(family, today)),
    )
}

/// An attribute whose value failed to evaluate or type-check (already reported).
pub(super) struct Failed;

/// `unknown attribute`, with a suggestion or the kind's attributes.
fn unknown_attribute(d: &Decl, key: &str, span: Span, specs: &[AttrSpec]) -> Diagnostic {
    let s = value::suggest(key, specs.iter().map(|s| s.name));
    let mut diag = Diagnostic::error(
        "unknown-attribute",
        span,
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
    diag
}

/// Evaluates an attribute and checks it against its spec; `None` when it failed (reported) or
/// is `null` (not set).
fn lower_attr(
    file: FileId,
    a: &Attribute,
    spec: &AttrSpec,
    ev: &mut Evaluator,
    today: &str,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Attr>, Failed> {
    let span = sp(file, &a.value);
    let value = match ev.eval_in(file, &a.value) {
        Ok(v) => v,
        Err(EvalError::Diag(e)) => {
            diags.push(*e);
            return Err(Failed);
        }
        Err(EvalError::Reported) => {
            return Err(Failed);
        }
    };
    if value == Value::Null {
        // As in Terraform, `null` means "not set": the default applies.
        return Ok(None);
    }
    let site = Site {
        file,
        span,
        expr: Some(&a.value),
    };
    let checked = match retired_runtime(spec, &value, span, today) {
        Some(d) => Err(d),
        None => schema::check(value, &spec.ty, site),
    };
    let value = match checked {
        Ok(v) => v,
        Err(e) => {
            diags.push(e);
            return Err(Failed);
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
    Ok(Some(Attr {
        value,
        span,
        key_span: sp(file, &a.key),
        literal: literal.boxed(),
        defaulted: false,
    }))
}
