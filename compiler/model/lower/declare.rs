//! Pass 1, **declare**: every top-level item of every file, in file order, becomes a
//! declaration, a local's definition or a `policy` block — or a diagnostic.

use super::{is_identifier, nested_block_error, Decl, Declared, Lowerer};
use crate::diagnostics::{Diagnostic, FileId, Span};
use crate::model::eval::LocalDef;
use crate::model::syntax_store::{Header, Outline, Src, TopItem};
use crate::model::{sp, value, BlockKind};
use hcl_edit::structure::{Block as HclBlock, Structure};
use std::collections::BTreeMap;

impl Lowerer<'_> {
    /// **Declare** (pass 1): reads every file's top-level items from the outline; produces the
    /// declared blocks, the locals' definitions and the `policy` blocks (diagnostics: top-level
    /// attributes, unknown block types, bad labels and names, duplicates).
    pub(super) fn declare<'a>(&mut self, outline: &'a Outline) -> Declared<'a> {
        let mut declared = Declared {
            decls: Vec::new(),
            policies: Vec::new(),
            locals: BTreeMap::new(),
            refused_app: false,
        };
        // The first declaration of each kind and name.
        let mut seen: BTreeMap<(BlockKind, String), Span> = BTreeMap::new();
        for (file, item) in outline.items() {
            match item {
                TopItem::Attr(attr) => self.diags.push(
                    Diagnostic::error(
                        "unknown-attribute",
                        sp(file, &attr.key),
                        format!("`{}` is an attribute outside any block", attr.key.value()),
                    )
                    .with_help("top-level attributes are not allowed: put it in a block (`app`, `locals`, …)"),
                ),
                TopItem::Block(h, src) => {
                    self.declare_block(file, &h, src, &mut seen, &mut declared)
                }
            }
        }
        declared
    }

    /// Declares one top-level block, from its header.
    fn declare_block<'a>(
        &mut self,
        file: FileId,
        h: &Header,
        src: Src<'a>,
        seen: &mut BTreeMap<(BlockKind, String), Span>,
        declared: &mut Declared<'a>,
    ) {
        let ident = h.ident.as_str();
        if self.opts.policy_files.contains(&file) && ident != "policy" {
            self.diags.push(
                Diagnostic::error(
                    "unknown-block",
                    h.ident_span,
                    format!("a --policy file holds only `policy` blocks, not `{ident}`"),
                )
                .with_help(
                    "move this block into the project, or the policy file into its own file",
                ),
            );
            return;
        }
        if ident == "policy" {
            // Policies are kept: their conditions are evaluated after validation.
            if let Src::Kept(b) = src {
                declared.policies.push((file, h.header, b));
            }
            return;
        }
        let Some(kind) = BlockKind::parse(ident) else {
            self.diags.push(unknown_block(ident, h.ident_span));
            return;
        };
        let header = h.header;
        if h.labels != kind.labels() {
            let msg = if kind.labels() == 0 {
                format!(
                    "{} `{ident}` block takes no name",
                    crate::diagnostics::article(ident)
                )
            } else {
                format!(
                    "{} `{ident}` block takes exactly one name: {ident} \"NAME\" {{ … }}",
                    crate::diagnostics::article(ident)
                )
            };
            let mut d = Diagnostic::error("syntax", header, msg);
            if kind == BlockKind::Resource && h.labels == 2 {
                let name = h.first_label.as_ref().map_or("TYPE", |(l, _)| l.as_str());
                d = d.with_help(format!(
                    "this is Terraform's `resource \"TYPE\" \"NAME\"`: slsc's escape hatch names the type inside, e.g. resource \"NAME\" {{ terraform = {{ type = \"{name}\", arguments = {{ … }} }} }}"
                ));
            }
            self.diags.push(d);
            return;
        }
        if kind == BlockKind::Locals {
            // Locals are always kept: their expressions are evaluated lazily, later.
            if let Src::Kept(locals) = src {
                self.declare_locals(file, locals, &mut declared.locals);
            }
            return;
        }
        let (name, name_span) = match &h.first_label {
            Some((l, s)) => (l.clone(), *s),
            None => (String::new(), header),
        };
        if kind != BlockKind::Moved {
            if !is_identifier(&name) {
                self.diags.push(invalid_name(&name, name_span));
                declared.refused_app |= kind == BlockKind::App;
                return;
            }
            let key = (kind, name.clone());
            if let Some(prev) = seen.get(&key) {
                self.diags.push(
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
                return;
            }
            seen.insert(key, name_span);
        }
        declared.decls.push(Decl {
            kind,
            name,
            file,
            src,
            header,
            name_span,
        });
    }

    /// Records the definitions of a `locals` block (a local defined twice is reported).
    fn declare_locals<'a>(
        &mut self,
        file: FileId,
        locals: &'a HclBlock,
        defs: &mut BTreeMap<String, LocalDef<'a>>,
    ) {
        for st in locals.body.iter() {
            match st {
                Structure::Attribute(attr) => {
                    let name = attr.key.value().to_string();
                    let name_span = sp(file, &attr.key);
                    if let Some(prev) = defs.get(&name) {
                        self.diags.push(
                            Diagnostic::error(
                                "duplicate-name",
                                name_span,
                                format!("local `{name}` is defined twice"),
                            )
                            .with_label(prev.name_span, "first defined here"),
                        );
                        continue;
                    }
                    defs.insert(
                        name,
                        LocalDef {
                            file,
                            expr: &attr.value,
                            name_span,
                        },
                    );
                }
                Structure::Block(b) => {
                    self.diags
                        .push(nested_block_error(file, b, BlockKind::Locals, &[]))
                }
            }
        }
    }
}

/// `unknown block type`, with a suggestion.
fn unknown_block(ident: &str, span: Span) -> Diagnostic {
    let mut d = Diagnostic::error(
        "unknown-block",
        span,
        format!("unknown block type `{ident}`"),
    );
    let kinds = BlockKind::ALL.map(|k| k.as_str());
    d = d.with_help(match value::suggest(ident, kinds) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("the block types are {}", kinds.join(", ")),
    });
    d
}

/// A block name that is not an identifier, with a fixed one when there is one.
fn invalid_name(name: &str, span: Span) -> Diagnostic {
    let fixed: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Diagnostic::error(
        "invalid-value",
        span,
        format!("`{name}` is not a valid name: names are [a-z][a-z0-9_]*, at most 40 characters"),
    )
    .with_help_opt((is_identifier(&fixed) && fixed != name).then(|| format!("try \"{fixed}\"")))
}
