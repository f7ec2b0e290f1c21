//! Passes 6 and 9, **policies**: the `policy` blocks (the project's and `--policy` files') are
//! declared and lowered after the blocks, and evaluated on the validated model
//! ([`crate::model::policy`]).

use super::{is_identifier, Lowerer, PolicyBlock};
use crate::diagnostics::{Diagnostic, Span};
use crate::model::eval::Evaluator;
use crate::model::policy::{self, Policy, PolicyInfo};
use crate::model::{label_str, sp, Model};
use std::collections::BTreeMap;

/// The lowered policies, and the declared ones that could not be lowered (still known to
/// `app.lint`).
pub(super) struct Policies<'a> {
    pub(super) lowered: Vec<Policy<'a>>,
    pub(super) failed: Vec<PolicyInfo>,
}

impl Lowerer<'_> {
    /// **Policies** (pass 6): reads the `policy` blocks and the evaluator (`for`, `message`
    /// and `level` are evaluated now: `app.lint` may name them); produces the policies (names
    /// are checked and unique across the project and `--policy` files).
    pub(super) fn policies<'a>(
        &mut self,
        blocks: &[PolicyBlock<'a>],
        ev: &mut Evaluator,
    ) -> Policies<'a> {
        let mut out = Policies {
            lowered: Vec::new(),
            failed: Vec::new(),
        };
        let mut names: BTreeMap<String, Span> = BTreeMap::new();
        for (file, header, b) in blocks {
            let Some(label) = b.labels.first() else {
                self.diags.push(Diagnostic::error(
                    "syntax",
                    *header,
                    "a `policy` block takes exactly one name: policy \"NAME\" { … }",
                ));
                continue;
            };
            let name = label_str(label).to_string();
            let name_span = sp(*file, label);
            if b.labels.len() != 1 {
                self.diags.push(Diagnostic::error(
                    "syntax",
                    *header,
                    "a `policy` block takes exactly one name: policy \"NAME\" { … }",
                ));
                continue;
            }
            if !is_identifier(&name) {
                self.diags.push(Diagnostic::error(
                    "invalid-value",
                    name_span,
                    format!("`{name}` is not a valid name: names are [a-z][a-z0-9_]*, at most 40 characters"),
                ));
                continue;
            }
            if let Some(prev) = names.get(&name) {
                self.diags.push(
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
            names.insert(name.clone(), name_span);
            match policy::lower(*file, &name, name_span, *header, b, ev, &mut self.diags) {
                Some(p) => out.lowered.push(p),
                // Still a declared policy for `app.lint` (its own errors are reported).
                None => out.failed.push(PolicyInfo {
                    name: name.clone(),
                    message: String::new(),
                    deny: true,
                    span: name_span,
                }),
            }
        }
        out
    }

    /// **Policy evaluation** (pass 9): on a project without compile errors (like the rules),
    /// evaluates every policy on every block of its kind; produces diagnostics.
    pub(super) fn evaluate_policies(
        &mut self,
        model: &Model,
        policies: Vec<Policy>,
        ev: &mut Evaluator,
    ) {
        if self.no_parse_errors && !self.diags.iter().any(Diagnostic::is_error) {
            policy::evaluate(model, &policies, ev, &mut self.diags);
        }
    }
}
