//! `unused-resource`: a queue, topic, database or bucket nothing uses.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::graph::{EdgeKind, NodeKind};

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "unused-resource",
    level: Level::Warn,
    hard: false,
    summary: "A queue, topic, database, bucket or stream that nothing reads, writes, sends to, triggers from, or names as dead_letter/on_failure.",
    doc: r#"
## What it does
Flags queues, topics, databases, buckets and Kinesis streams with no edge in the resource graph that uses them:
no function reads, writes or sends to them, no trigger consumes them, and no queue or function
names them as `dead_letter` or `on_failure`.

## Why is this bad?
An unused resource is usually a leftover or a typo: the function writes `database.order` while
the table is `database.orders`. It still costs money (a provisioned table, a versioned bucket).

## Example
```hcl
database "sessions" { partition_key = { name = "id", type = "string" } }   # nothing uses it
```

## Use instead
Give the function that uses it access (`reads`, `writes`, `sends`), or remove the block.
"#,
};

fn check(cx: &mut Ctx) {
    let g = cx.graph;
    let mut unused = Vec::new();
    for n in g.graph.node_indices() {
        let node = &g.graph[n];
        if !matches!(
            node.kind,
            NodeKind::Queue
                | NodeKind::Topic
                | NodeKind::Database
                | NodeKind::Bucket
                | NodeKind::Stream
        ) {
            continue;
        }
        let used_in = g.incoming(n).iter().any(|(_, _, e)| {
            matches!(
                e.kind,
                EdgeKind::Reads
                    | EdgeKind::Writes
                    | EdgeKind::Sends
                    | EdgeKind::OnFailure
                    | EdgeKind::DeadLetter
            )
        });
        let used_out = g
            .outgoing(n)
            .iter()
            .any(|(_, _, e)| e.kind == EdgeKind::Trigger);
        if !used_in && !used_out {
            unused.push((node.span, node.address()));
        }
    }
    for (span, addr) in unused {
        cx.report(&RULE, span, format!("{addr} is not used: nothing reads, writes, sends to or consumes it"))
            .help = Some("grant the function that uses it access (`reads`, `writes`, `sends`), consume it with a trigger, or remove the block".into());
    }
}
