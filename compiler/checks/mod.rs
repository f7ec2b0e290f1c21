//! The rule set (SPEC §6): one rule per file under `rules/`, a registry, and lint levels.
//!
//! Each rule file exports one [`Rule`] — its name, default level, whether it is *hard* (AWS
//! would refuse the result, so it goes no lower than `warn`), its documentation (what
//! `slsc explain RULE` prints and `docs/rules/RULE.md` is generated from) and its [`Check`]:
//! a function over the model, the resource graph and the shared analyses ([`Ctx`]), or — for
//! rules measured on the emitted output, such as `template-limits` — over the emitted template
//! ([`OutputCtx`]). [`rules::RULES`] lists them; everything else (the lint names `app.lint`
//! accepts, `explain`, the docs, the fixture test) derives from that list.
//!
//! Analyses that several rules read (the loops of the resource graph) are computed once, before
//! any rule runs ([`Analysis`]); rules never depend on each other's order.
//!
//! Rules report [`Finding`]s; [`run`] and [`run_output`] then apply the levels: the rule's
//! default, or the `app { lint = { "rule" = "deny"|"warn"|"allow" } }` override, clamped to
//! `warn` for hard rules. Rules run only on a project without compile errors (a half-resolved
//! model would give false alarms).
//!
//! Layer: reads `model` and `graph`; must not import `emit`, `plan` or `deploy` (the emitter
//! hands output rules a [`Template`] instead).

pub mod loops;
pub mod rules;

pub use rules::RULES;

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

/// How a rule is checked.
#[derive(Clone, Copy)]
pub enum Check {
    /// On the model, the resource graph and the shared analyses.
    Model(fn(&mut Ctx)),
    /// On the emitted CloudFormation template (run by the emitter, after the model rules).
    Output(fn(&mut OutputCtx)),
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
    pub check: Check,
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

/// What every model rule may read: computed once, before the rules run.
pub struct Analysis {
    /// The loops of the resource graph (checks/loops.rs).
    pub loops: loops::Loops,
}

impl Analysis {
    pub fn compute(model: &Model, graph: &Graph) -> Analysis {
        Analysis {
            loops: loops::find(model, graph),
        }
    }
}

/// Where rules put what they find, with the level adjustment each finding gets.
#[derive(Default)]
pub struct Findings(Vec<Finding>);

impl Findings {
    /// Reports a finding of `rule` at its default level.
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
        self.0.push(Finding { diag, adjust });
        &mut self.0.last_mut().expect("just pushed").diag
    }
    /// Applies the project's lint levels.
    fn leveled(self, model: &Model) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for Finding { diag, adjust } in self.0 {
            out.extend(match adjust {
                Adjust::Fixed => Some(diag),
                _ => leveled(model, diag, adjust == Adjust::Hard),
            });
        }
        out
    }
}

/// What a model rule sees.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub graph: &'a Graph,
    pub today: &'a str,
    pub analysis: &'a Analysis,
    findings: Findings,
}

impl Ctx<'_> {
    /// Reports a finding at the rule's default level.
    pub fn report(
        &mut self,
        rule: &Rule,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.findings.report(rule, span, message)
    }
    pub fn push(&mut self, diag: Diagnostic, adjust: Adjust) -> &mut Diagnostic {
        self.findings.push(diag, adjust)
    }
}

/// What the emitter measured on a CloudFormation template, for the output rules.
pub struct Template<'a> {
    pub resources: usize,
    /// The template's size in bytes.
    pub bytes: usize,
    /// (role logical ID, size in bytes of its inline policy).
    pub policy_sizes: &'a [(String, usize)],
    /// When the application is split into nested stacks (emit/stacks.rs): each stack's size,
    /// the root first. Empty for one stack.
    pub stacks: &'a [StackSize],
    /// Nested stacks that would depend on each other (`A`, `B`, `A`); empty when none do.
    pub stack_cycle: &'a [String],
    /// Where a dependency of that cycle was written (the app block when unknown).
    pub stack_cycle_at: Option<Span>,
}

/// The size of one stack of a split application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSize {
    /// `root`, or the nested stack's logical ID.
    pub name: String,
    pub resources: usize,
    pub bytes: usize,
    pub parameters: usize,
    pub outputs: usize,
}

/// What an output rule sees.
pub struct OutputCtx<'a> {
    pub model: &'a Model,
    pub template: &'a Template<'a>,
    findings: Findings,
}

impl OutputCtx<'_> {
    pub fn report(
        &mut self,
        rule: &Rule,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.findings.report(rule, span, message)
    }
}

/// The result of running the rules.
pub struct Checked {
    pub diagnostics: Vec<Diagnostic>,
    pub loop_edges: BTreeSet<EdgeIndex>,
}

/// Runs every model rule of the registry and applies the lint levels.
pub fn run(model: &Model, graph: &Graph, today: &str) -> Checked {
    let analysis = Analysis::compute(model, graph);
    let mut cx = Ctx {
        model,
        graph,
        today,
        analysis: &analysis,
        findings: Findings::default(),
    };
    for rule in RULES {
        if let Check::Model(check) = rule.check {
            check(&mut cx);
        }
    }
    let diagnostics = cx.findings.leveled(model);
    Checked {
        diagnostics,
        loop_edges: analysis.loops.edges,
    }
}

/// Runs every output rule of the registry on an emitted template and applies the lint levels.
pub fn run_output(model: &Model, template: &Template) -> Vec<Diagnostic> {
    let mut cx = OutputCtx {
        model,
        template,
        findings: Findings::default(),
    };
    for rule in RULES {
        if let Check::Output(check) = rule.check {
            check(&mut cx);
        }
    }
    cx.findings.leveled(model)
}

/// The rule names and hard flags `app.lint` accepts (handed to lowering, which validates
/// `app.lint` but cannot see this registry: data flows one way).
pub fn lint_names() -> Vec<crate::model::LintRule> {
    RULES
        .iter()
        .map(|r| crate::model::LintRule {
            name: r.name,
            hard: r.hard,
        })
        .collect()
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
