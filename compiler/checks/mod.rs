//! The rule set (SPEC §6): one rule per file, a registry, and lint levels.
//!
//! Each rule file holds a [`Rule`] — its name, default level, whether it is *hard* (AWS would
//! refuse the result, so it goes no lower than `warn`) and its documentation, which
//! `slsc explain RULE` prints and `docs/rules/RULE.md` is generated from — and a `check`
//! function over the model and the resource graph.
//!
//! Rules report [`Finding`]s; [`run`] then applies the levels: the rule's default, or the
//! `app { lint = { "rule" = "deny"|"warn"|"allow" } }` override, clamped to `warn` for hard
//! rules. Rules run only on a project without compile errors (a half-resolved model would give
//! false alarms).

pub mod concurrency_budget;
pub mod deprecated_runtime;
pub mod fifo_mismatch;
pub mod http_timeout;
pub mod missing_concurrency;
pub mod missing_dead_letter;
pub mod missing_failure_destination;
pub mod name_too_long;
pub mod plaintext_secret;
pub mod recursive_invocation;
pub mod unauthenticated_route;
pub mod unused_resource;
pub mod visibility_timeout;
pub mod wildcard_permission;

use crate::diagnostics::{Diagnostic, Severity, Span};
use crate::graph::Graph;
use crate::model::Model;
use petgraph::graph::EdgeIndex;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// A rule of the rule set.
pub struct Rule {
    pub name: &'static str,
    pub level: Level,
    /// AWS would refuse the result: the level goes no lower than `warn`.
    pub hard: bool,
    /// One line, for listings.
    pub summary: &'static str,
    /// The rule's page: `## What it does`, `## Why is this bad?`, `## Example`, `## Use instead`.
    pub doc: &'static str,
}

impl Rule {
    /// The rule's page as Markdown (`slsc explain` and `docs/rules/NAME.md`).
    pub fn page(&self) -> String {
        let level = match (self.level, self.hard) {
            (l, true) => format!(
                "{} (hard: AWS would refuse the result, so it goes no lower than `warn`)",
                l.as_str()
            ),
            (l, false) => l.as_str().to_string(),
        };
        format!(
            "# {}\n\n{}\n\nDefault level: {}. Change it with `app {{ lint = {{ \"{}\" = \"deny\" | \"warn\" | \"allow\" }} }}`.\n\n{}\n",
            self.name,
            self.summary,
            level,
            self.name,
            self.doc.trim()
        )
    }
}

/// Every rule, in the order of SPEC §6.
pub const RULES: &[&Rule] = &[
    &recursive_invocation::RULE,
    &missing_concurrency::RULE,
    &concurrency_budget::RULE,
    &visibility_timeout::RULE,
    &http_timeout::RULE,
    &missing_dead_letter::RULE,
    &missing_failure_destination::RULE,
    &unauthenticated_route::RULE,
    &unused_resource::RULE,
    &deprecated_runtime::RULE,
    &plaintext_secret::RULE,
    &fifo_mismatch::RULE,
    &name_too_long::RULE,
    &wildcard_permission::RULE,
    &TEMPLATE_LIMITS,
];

/// `template-limits` is computed on the emitted template; its name and level are reserved here.
pub const TEMPLATE_LIMITS: Rule = Rule {
    name: "template-limits",
    level: Level::Deny,
    hard: true,
    summary: "A CloudFormation template would exceed 500 resources, 1 MB, or a role's inline policy 10 KB.",
    doc: r#"
## What it does
Measures the emitted CloudFormation template: more than 500 resources, more than 1 MB of JSON,
or an IAM role whose inline policy exceeds 10 KB.

## Why is this bad?
CloudFormation refuses such a template at deploy time, after the build looked fine.

## Example
An application with 200 functions, each with a role, a log group and a trigger.

## Use instead
Split the application into several projects (one stack each), or narrow grants.
"#,
};

pub fn rule(name: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| r.name == name)
}

/// How a finding's level is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjust {
    /// The rule's level (default or `app.lint`).
    Level,
    /// The rule's level, but no lower than `warn` (AWS would refuse the result).
    Hard,
    /// As reported; levels do not apply.
    Fixed,
}

pub struct Finding {
    pub diag: Diagnostic,
    pub adjust: Adjust,
}

/// What the rules see, and what they tell each other.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub graph: &'a Graph,
    pub today: &'a str,
    /// Functions in an intended (all `recursion = "allow"`) loop without a concurrency: they get
    /// the hard `missing-concurrency` error from `recursive-invocation`, not the warning.
    pub unbounded_in_loops: BTreeSet<String>,
    /// Edges on the loops found (highlighted by `slsc graph`).
    pub loop_edges: BTreeSet<EdgeIndex>,
    findings: Vec<Finding>,
}

impl<'a> Ctx<'a> {
    /// Reports a finding at the rule's default level.
    pub fn report(
        &mut self,
        rule: &Rule,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let sev = match rule.level {
            Level::Deny => Severity::Error,
            _ => Severity::Warning,
        };
        let adjust = if rule.hard {
            Adjust::Hard
        } else {
            Adjust::Level
        };
        self.push(Diagnostic::new(rule.name, sev, span, message), adjust)
    }
    pub fn push(&mut self, diag: Diagnostic, adjust: Adjust) -> &mut Diagnostic {
        self.findings.push(Finding { diag, adjust });
        &mut self.findings.last_mut().expect("just pushed").diag
    }
}

/// The result of running the rules.
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    pub loop_edges: BTreeSet<EdgeIndex>,
}

/// Runs every rule and applies the lint levels.
pub fn run(model: &Model, graph: &Graph, today: &str) -> Checked {
    let mut cx = Ctx {
        model,
        graph,
        today,
        unbounded_in_loops: BTreeSet::new(),
        loop_edges: BTreeSet::new(),
        findings: Vec::new(),
    };
    recursive_invocation::check(&mut cx);
    missing_concurrency::check(&mut cx);
    concurrency_budget::check(&mut cx);
    visibility_timeout::check(&mut cx);
    http_timeout::check(&mut cx);
    missing_dead_letter::check(&mut cx);
    missing_failure_destination::check(&mut cx);
    unauthenticated_route::check(&mut cx);
    unused_resource::check(&mut cx);
    deprecated_runtime::check(&mut cx);
    plaintext_secret::check(&mut cx);
    fifo_mismatch::check(&mut cx);
    name_too_long::check(&mut cx);
    wildcard_permission::check(&mut cx);

    let mut out = Vec::new();
    for Finding { diag, adjust } in cx.findings {
        let leveled = match adjust {
            Adjust::Fixed => Some(diag),
            _ => leveled(model, diag, adjust == Adjust::Hard),
        };
        out.extend(leveled);
    }
    Checked {
        diagnostics: out,
        loop_edges: cx.loop_edges,
    }
}

/// Applies the project's level to one finding of a rule computed outside this module (such as
/// `template-limits`, measured on the emitted output). `None` when the rule is allowed.
pub fn leveled(model: &Model, mut diag: Diagnostic, hard: bool) -> Option<Diagnostic> {
    if let Some(level) = model.lint_level(&diag.code).and_then(Level::parse) {
        let level = if hard { level.max(Level::Warn) } else { level };
        diag.severity = match level {
            Level::Allow => return None,
            Level::Warn => Severity::Warning,
            Level::Deny => Severity::Error,
        };
    }
    Some(diag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::{HARD_RULES, RULE_NAMES};

    /// `app.lint` is validated during lowering, which cannot see this registry (data flows
    /// one way); the names and hard flags it uses must be these.
    #[test]
    fn lowering_knows_the_registry() {
        let names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        assert_eq!(names, RULE_NAMES);
        let hard: Vec<&str> = RULES.iter().filter(|r| r.hard).map(|r| r.name).collect();
        let mut expected = HARD_RULES.to_vec();
        expected.sort_unstable();
        let mut hard_sorted = hard.clone();
        hard_sorted.sort_unstable();
        assert_eq!(hard_sorted, expected);
    }
}
