//! `missing-async-failure`: a function invoked asynchronously with nowhere to keep the events
//! it fails on (checkov CKV_AWS_116 asks the same of every function; docs/checkov.md).

use crate::checks::{Check, Ctx, Level, Rule};
use crate::graph::{EdgeKind, NodeKind};
use crate::model::BlockKind;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "missing-async-failure",
    level: Level::Warn,
    hard: false,
    summary: "A function invoked asynchronously (schedule, bucket, topic, alarm) has no `dead_letter` or `on_failure`.",
    doc: r#"
## What it does
Flags functions triggered asynchronously — by a schedule, a bucket, a topic or an alarm — that
have neither a `dead_letter` nor an `on_failure` destination. Under the strict profile
(`app.profile = "strict"`) it is an error.

## Why is this bad?
Lambda retries an asynchronous event twice and then drops it: the upload is never processed,
the nightly job silently skipped, with nothing left to inspect or replay.

## Example
```hcl
function "resize" {
  handler     = "resize.handler"
  concurrency = 10
}
trigger "on_upload" {
  function = function.resize
  source   = bucket.uploads
}
```

## Use instead
```hcl
function "resize" {
  handler     = "resize.handler"
  concurrency = 10
  on_failure  = queue.resize_failures   # or dead_letter = queue.resize_failures
}
queue "resize_failures" { retention = "14d" }
```
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    let strict = crate::model::profile::strict(model);
    for f in model.of_kind(BlockKind::Function) {
        if f.attrs.contains_key("on_failure") || f.attrs.contains_key("dead_letter") {
            continue;
        }
        let Some(n) = cx.graph.node(NodeKind::Function, &f.name) else {
            continue;
        };
        // Its asynchronous triggers (the graph's trigger edges, at their source); the first by
        // name is named.
        let first = cx
            .graph
            .incoming(n)
            .into_iter()
            .filter(|(_, from, e)| {
                e.kind == EdgeKind::Trigger
                    && matches!(
                        cx.graph.graph[*from].kind,
                        NodeKind::Schedule | NodeKind::Bucket | NodeKind::Topic | NodeKind::Alarm
                    )
            })
            .filter_map(|(_, _, e)| Some((e.trigger.clone()?, e.span)))
            .min();
        let Some((trigger, source)) = first else {
            continue;
        };
        let d = cx.report(
            &RULE,
            f.name_span,
            format!(
                "function \"{}\" is invoked asynchronously (trigger \"{trigger}\") but has no `dead_letter` or `on_failure`: an event that fails three times is dropped",
                f.name
            ),
        );
        if strict {
            d.severity = crate::diagnostics::Severity::Error;
        }
        d.labels.push(crate::diagnostics::Label {
            span: source,
            message: "asynchronous source".into(),
        });
        d.help = Some(format!(
            "add `on_failure = queue.NAME` (or `dead_letter = queue.NAME`) to function \"{}\" to keep failed events",
            f.name
        ));
    }
}
