//! `template-limits`: a CloudFormation template that CloudFormation would refuse. Measured on
//! the emitted output (the emitter fills [`Template`]), so it is an output rule: it runs
//! wherever the template is computed (`build`, `plan`), after the model rules.

use crate::checks::{Check, Level, OutputCtx, Rule};
use crate::model::BlockKind;
use crate::naming::pascal;

pub const RULE: Rule = Rule {
    check: Check::Output(check),
    name: "template-limits",
    level: Level::Deny,
    hard: true,
    summary: "A CloudFormation stack would exceed 500 resources, 1 MB, 200 parameters or outputs, or a role's inline policy 10 KB.",
    doc: r#"
## What it does
Measures the emitted CloudFormation: an application too large for one stack is split into
nested stacks (docs/cloudformation.md, "Nested stacks"), and each stack is checked — more than
500 resources, more than 1 MB of JSON, more than 200 parameters or outputs — as is every IAM
role's inline policy (10 KB at most).

## Why is this bad?
CloudFormation refuses such a template at deploy time, after the build looked fine.

## Example
An application with 10,000 functions and `nested_stacks = 4`: each function stack would hold
about 12,000 resources.

## Use instead
Raise `app.nested_stacks` (or `app.data_stacks`) — it moves units between stacks: plan it — or
split the application into several projects; narrow the grants of a role whose policy is too
large.
"#,
};

/// CloudFormation's limits (SPEC §6 `template-limits`).
pub const MAX_RESOURCES: usize = 500;
pub const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;
pub const MAX_INLINE_POLICY_BYTES: usize = 10 * 1024;

/// CloudFormation's limits per stack of a split application.
pub const MAX_PARAMETERS: usize = 200;
pub const MAX_OUTPUTS: usize = 200;

fn check(cx: &mut OutputCtx) {
    let t = cx.template;
    let app = &cx.model.app;
    if !t.stacks.is_empty() {
        stacks(cx);
        policies(cx);
        return;
    }
    let resources = t.resources;
    if resources > MAX_RESOURCES {
        cx.report(
            &RULE,
            app.header,
            format!("the template has {resources} resources; CloudFormation allows {MAX_RESOURCES} per stack"),
        )
        .help = Some("split the application into several projects (one stack each)".into());
    }
    let len = t.bytes;
    if len > MAX_TEMPLATE_BYTES {
        cx.report(
            &RULE,
            app.header,
            format!("the template is {len} bytes; CloudFormation accepts at most {MAX_TEMPLATE_BYTES} (1 MB)"),
        )
        .help = Some("split the application into several projects (one stack each)".into());
    }
    policies(cx);
}

/// Each stack of a split application within CloudFormation's limits, and no two depending on
/// each other.
fn stacks(cx: &mut OutputCtx) {
    let app = &cx.model.app;
    if !cx.template.stack_cycle.is_empty() {
        let cycle = cx.template.stack_cycle.join(" → ");
        cx.report(
            &RULE,
            cx.template.stack_cycle_at.unwrap_or(app.header),
            format!("the nested stacks {cycle} would depend on each other: CloudFormation refuses a circular dependency"),
        )
        .help = Some("a raw `resource` that refers to a function's resources while they refer to it ties their stacks together: give it `depends_on` only in one direction, or keep the application in one stack".into());
    }
    for s in cx.template.stacks {
        for (what, n, max) in [
            ("resources", s.resources, MAX_RESOURCES),
            ("bytes", s.bytes, MAX_TEMPLATE_BYTES),
            ("parameters", s.parameters, MAX_PARAMETERS),
            ("outputs", s.outputs, MAX_OUTPUTS),
        ] {
            if n > max {
                // At the count that sizes the stack (the app block when it is not written).
                let (attr, help) = if s.name == "root" {
                    ("", "the root holds the shared APIs, the outputs and one resource per nested stack: split the application into several projects")
                } else if s.name.starts_with("FunctionStack") {
                    ("nested_stacks", "raise `app.nested_stacks` (it moves functions between stacks: plan it) or split the application")
                } else {
                    ("data_stacks", "raise `app.data_stacks` (it moves tables, queues and buckets between stacks: plan it) or split the application")
                };
                let span = if attr.is_empty() {
                    app.header
                } else {
                    app.span_of(attr)
                };
                cx.report(
                    &RULE,
                    span,
                    format!(
                        "the {} stack has {n} {what}; CloudFormation allows {max}",
                        s.name
                    ),
                )
                .help = Some(help.into());
            }
        }
    }
}

/// Each role's inline policy within IAM's limit.
fn policies(cx: &mut OutputCtx) {
    let t = cx.template;
    let app = &cx.model.app;
    for (role, size) in t.policy_sizes {
        if *size <= MAX_INLINE_POLICY_BYTES {
            continue;
        }
        let fname = role.trim_end_matches("FunctionRole");
        let f = cx
            .model
            .of_kind(BlockKind::Function)
            .find(|f| pascal(&f.name) == fname);
        let span = f.map(|f| f.header).unwrap_or(app.header);
        cx.report(
            &RULE,
            span,
            format!("the inline policy of {role} is {size} bytes; IAM allows {MAX_INLINE_POLICY_BYTES} per role"),
        )
        .help = Some("grant access to fewer resources from this function, or split it".into());
    }
}
