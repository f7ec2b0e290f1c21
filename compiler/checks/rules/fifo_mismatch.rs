//! `fifo-mismatch`: FIFO and standard queues combined in ways AWS refuses.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::value::fmt_number;
use crate::model::{BlockKind, TriggerSource};

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "fifo-mismatch",
    level: Level::Deny,
    hard: true,
    summary: "A FIFO queue triggers with `batch_size` over 10, or a dead letter queue is not the same type (FIFO/standard) as its queue.",
    doc: r#"
## What it does
Flags a trigger on a FIFO queue with `batch_size` over 10, and a queue whose `dead_letter` is
standard when the queue is FIFO, or FIFO when the queue is standard.

## Why is this bad?
AWS refuses both: FIFO event source mappings take at most 10 messages per batch, and a redrive
policy must point at a queue of the same type. The deploy fails.

## Example
```hcl
queue "orders" {
  fifo        = true
  dead_letter = queue.orders_dlq
}
queue "orders_dlq" {}                                  # standard
```

## Use instead
```hcl
queue "orders_dlq" { fifo = true }
```
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    for (t, src) in model.triggers() {
        let TriggerSource::Queue(qn) = src else {
            continue;
        };
        let Some(q) = model.find(BlockKind::Queue, qn) else {
            continue;
        };
        let batch = t.num("batch_size").unwrap_or(10.0);
        if q.bool("fifo") == Some(true) && batch > 10.0 {
            let d = cx.report(
                &RULE,
                t.span_of("batch_size"),
                format!("queue.{qn} is FIFO: a FIFO trigger takes at most 10 messages per batch, not {}", fmt_number(batch)),
            );
            d.labels.push(crate::diagnostics::Label {
                span: q.span_of("fifo"),
                message: "FIFO here".into(),
            });
            d.help = Some("set batch_size = 10 or less".into());
        }
    }
    for q in model.of_kind(BlockKind::Queue) {
        let Some(dl) = q.reference("dead_letter").and_then(|a| model.resolve(a)) else {
            continue;
        };
        let (a, b) = (q.bool("fifo") == Some(true), dl.bool("fifo") == Some(true));
        if a != b {
            let kind = |f: bool| if f { "FIFO" } else { "standard" };
            let d = cx.report(
                &RULE,
                q.span_of("dead_letter"),
                format!(
                    "queue.{} is {} but its dead letter queue queue.{} is {}: AWS requires the same type",
                    q.name,
                    kind(a),
                    dl.name,
                    kind(b)
                ),
            );
            d.labels.push(crate::diagnostics::Label {
                span: dl.name_span,
                message: format!("queue.{} is {}", dl.name, kind(b)),
            });
            d.help = Some(format!("set fifo = {a} on queue.{}", dl.name));
        }
    }
}
