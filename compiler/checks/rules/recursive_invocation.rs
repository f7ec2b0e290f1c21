//! `recursive-invocation`: a function that causes itself to run again. The loops are found
//! once, before the rules run (checks/loops.rs, which explains the algorithm); this rule reports
//! each: an error, or the `bounded-recursion` note when the loop is intended (every function
//! says `recursion = "allow"`; the hard `missing-concurrency` errors of such a loop are
//! reported by that rule).

use crate::checks::loops::{describe, Loop};
use crate::checks::{Adjust, Check, Ctx, Level, Rule};
use crate::diagnostics::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "recursive-invocation",
    level: Level::Deny,
    hard: false,
    summary: "A function that, directly or through queues, streams, buckets, topics or other functions, causes itself to run again.",
    doc: r#"
## What it does
Finds loops in the resource graph: a function that sends to a queue that triggers it, writes a
table whose stream triggers it, writes into the bucket (and key prefix) that triggers it,
publishes to a topic it subscribes to, invokes itself — directly or through any chain of other
functions and resources. One diagnostic per loop, with one concrete cycle spelled out edge by
edge, starting at the alphabetically first function in it.

## Why is this bad?
A loop re-triggers itself on every event. Lambda scales it until the account's concurrency limit
or the bill stops it; AWS's own loop detection only steps in after about 16 round trips, and
only for some services. Every other function in the account is throttled meanwhile.

## Example
```hcl
function "resize" {
  handler = "resize.handler"
  writes  = [bucket.images]          # writes the thumbnail next to the original…
}
trigger "on_upload" {
  function = function.resize
  source   = bucket.images           # …which triggers resize again
}
```

## Use instead
Write where the trigger does not look — a key prefix that cannot overlap the trigger's:
```hcl
function "resize" {
  handler = "resize.handler"
  writes  = [prefix(bucket.images, "thumbs/")]
}
trigger "on_upload" {
  function = function.resize
  source   = bucket.images
  prefix   = "uploads/"
}
```
If the loop is intended (a crawler that feeds its own queue), set `recursion = "allow"` on every
function in it and give each a `concurrency` limit: slsc then reports a `bounded-recursion` note
instead, and Lambda's recursive loop detection is turned off for those functions.
"#,
};

/// Labels shown on one loop diagnostic: every edge of any realistic loop, while a
/// thousands-of-steps loop does not print thousands of labels (`slsc graph` shows all).
pub const MAX_LABELS: usize = 100;

fn check(cx: &mut Ctx) {
    let loops = &cx.analysis.loops;
    for l in &loops.loops {
        let d = report(cx, l);
        let adjust = if l.intended {
            Adjust::Fixed
        } else {
            Adjust::Level
        };
        cx.push(d, adjust);
    }
}

/// The addresses along a loop's cycle, first function first and last.
pub fn chain(cx: &Ctx, l: &Loop) -> Vec<String> {
    let g = &cx.graph.graph;
    let (a, _) = g.edge_endpoints(l.path[0]).expect("edge exists");
    let mut chain = vec![g[a].address()];
    for e in &l.path {
        let (_, b) = g.edge_endpoints(*e).expect("edge exists");
        chain.push(g[b].address());
    }
    chain
}

/// The diagnostic of one loop: `recursive-invocation`, or the `bounded-recursion` note.
fn report(cx: &Ctx, l: &Loop) -> Diagnostic {
    let graph = cx.graph;
    let g = &graph.graph;
    let path = &l.path;
    let functions = &l.functions;
    let chain = chain(cx, l);
    let on_cycle = chain.len() - 1;
    let extra = if functions.len()
        > chain
            .iter()
            .filter(|a| a.starts_with("function."))
            .count()
            .saturating_sub(1)
    {
        format!(
            " ({} functions are in this loop: {})",
            functions.len(),
            functions
                .iter()
                .take(10)
                .map(|f| format!("function.{f}"))
                .collect::<Vec<_>>()
                .join(", ")
                + if functions.len() > 10 { ", …" } else { "" }
        )
    } else {
        String::new()
    };
    let chain_text = if chain.len() > 12 {
        format!(
            "{} → … → {} ({on_cycle} steps)",
            chain[..6].join(" → "),
            chain[chain.len() - 3..].join(" → ")
        )
    } else {
        chain.join(" → ")
    };
    let first_span = g[path[0]].span;
    if !l.intended {
        let mut d = Diagnostic::error(
            RULE.name,
            first_span,
            format!("{} re-triggers itself: {chain_text}{extra}", chain[0]),
        )
        .with_primary_label(describe(graph, path[0]));
        for e in path[1..].iter().take(MAX_LABELS) {
            d = d.with_label(g[*e].span, describe(graph, *e));
        }
        let help = "break the loop: write or send somewhere that does not trigger this chain (for a bucket, \
            narrow the write with prefix(bucket.X, \"out/\") so it cannot overlap the trigger's prefix). \
            If the loop is intended, set recursion = \"allow\" on every function in it and give each a concurrency limit";
        return d.with_help(if path.len() > MAX_LABELS + 1 {
            format!("{help}\n(the first {MAX_LABELS} of {} steps are labelled; `slsc graph` draws the whole loop)", path.len())
        } else {
            help.to_string()
        });
    }
    // An intended loop: a note (its unbounded functions are `missing-concurrency` errors).
    let mut note = Diagnostic::new(
        "bounded-recursion",
        Severity::Note,
        first_span,
        format!("intended loop (every function has recursion = \"allow\"): {chain_text}"),
    )
    .with_primary_label(describe(graph, path[0]));
    for e in path[1..].iter().take(MAX_LABELS) {
        note = note.with_label(g[*e].span, describe(graph, *e));
    }
    note.with_help("each function's reserved concurrency is what bounds this loop; Lambda's loop detection is off for them")
}
