//! `missing-dead-letter`: a queue that triggers a function but has nowhere to put poison messages.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::graph::{EdgeKind, NodeKind};
use crate::model::BlockKind;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "missing-dead-letter",
    level: Level::Warn,
    hard: false,
    summary: "A queue that triggers a function has no `dead_letter` queue.",
    doc: r#"
## What it does
Flags queues that trigger a function but have no `dead_letter`.

## Why is this bad?
A message the function cannot process (a "poison" message) is retried until its retention
expires — up to 14 days of failed invocations — and is then silently lost.

## Example
```hcl
queue "orders" {}
trigger "process" {
  function = function.process
  source   = queue.orders
}
```

## Use instead
```hcl
queue "orders" {
  dead_letter  = queue.orders_dlq
  max_receives = 5
}
queue "orders_dlq" { retention = "14d" }
```
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    for q in model.of_kind(BlockKind::Queue) {
        if q.attrs.contains_key("dead_letter") {
            continue;
        }
        let Some(n) = cx.graph.node(NodeKind::Queue, &q.name) else {
            continue;
        };
        let consumer = cx
            .graph
            .outgoing(n)
            .into_iter()
            .find(|(_, _, e)| e.kind == EdgeKind::Trigger)
            .map(|(_, to, e)| (cx.graph.graph[to].address(), e.span));
        let Some((func, span)) = consumer else {
            continue;
        };
        let d = cx.report(
            &RULE,
            q.header,
            format!("queue.{} triggers {func} but has no dead letter queue: a message that always fails is retried until it expires, then lost", q.name),
        );
        d.labels.push(crate::diagnostics::Label {
            span,
            message: format!("consumed by {func} here"),
        });
        d.help = Some(format!(
            "add `dead_letter = queue.{0}_dlq` and a `queue \"{0}_dlq\" {{}}` block",
            q.name
        ));
    }
}
