//! `missing-concurrency`: a function without a reserved concurrency limit.

use crate::checks::loops::describe;
use crate::checks::{Adjust, Check, Ctx, Level, Rule};
use crate::diagnostics::Diagnostic;
use crate::graph::NodeKind;
use crate::model::BlockKind;
use std::collections::BTreeSet;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "missing-concurrency",
    level: Level::Warn,
    hard: false,
    summary: "A function with no `concurrency` limit.",
    doc: r#"
## What it does
Flags every function without `concurrency` (reserved concurrency). In an intended loop (every
function with `recursion = "allow"`), a missing limit is a hard error instead, labelled along
the loop, since nothing else bounds it.

## Why is this bad?
Without a limit, a burst of traffic, a retry storm or a loop scales the function up to the
account's concurrency limit: every other function in the account is throttled, and downstream
databases and APIs take the whole load. Reserved concurrency caps it and also guarantees it
that much capacity.

## Example
```hcl
function "thumbnail" {
  handler = "thumb.handler"
}
```

## Use instead
```hcl
function "thumbnail" {
  handler     = "thumb.handler"
  concurrency = 20
}
```
"#,
};

fn check(cx: &mut Ctx) {
    let unbounded = in_intended_loops(cx);
    let model = cx.model;
    for f in model.of_kind(BlockKind::Function) {
        if f.attrs.contains_key("concurrency") || unbounded.contains(&f.name) {
            continue;
        }
        cx.report(
            &RULE,
            f.header,
            format!(
                "function.{} has no concurrency limit: under load or a retry storm it scales to the account's limit, throttling every other function and flooding what it calls",
                f.name
            ),
        )
        .help = Some("set `concurrency = N` (reserved concurrency); the account keeps at least 100 unreserved".into());
    }
}

/// Reports the functions of intended loops that have no `concurrency` (a hard error: nothing
/// else bounds the loop), labelled at their own edges on the cycle; returns their names.
fn in_intended_loops(cx: &mut Ctx) -> BTreeSet<String> {
    let (model, graph) = (cx.model, cx.graph);
    let g = &graph.graph;
    let mut unbounded = BTreeSet::new();
    for l in cx.analysis.loops.loops.iter().filter(|l| l.intended) {
        for f in &l.functions {
            let Some(b) = model.find(BlockKind::Function, f) else {
                continue;
            };
            if b.attrs.contains_key("concurrency") {
                continue;
            }
            unbounded.insert(f.clone());
            let mut d = Diagnostic::error(
                RULE.name,
                b.header,
                format!("function.{f} is in an intended loop but has no concurrency limit: nothing bounds how far it scales"),
            )
            .with_help("set `concurrency = N`: with recursion = \"allow\", reserved concurrency is the only bound on the loop");
            let touches =
                |n: petgraph::graph::NodeIndex| g[n].kind == NodeKind::Function && g[n].name == *f;
            for e in &l.path {
                let (a, bn) = g.edge_endpoints(*e).expect("edge exists");
                if touches(a) || touches(bn) {
                    d = d.with_label(g[*e].span, describe(graph, *e));
                }
            }
            cx.push(d, Adjust::Fixed);
        }
    }
    unbounded
}
