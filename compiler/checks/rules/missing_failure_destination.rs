//! `missing-failure-destination`: a database-stream trigger that drops failed records silently.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::TriggerSource;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "missing-failure-destination",
    level: Level::Warn,
    hard: false,
    summary:
        "A stream trigger (a table's stream or a Kinesis stream) has no `on_failure` destination.",
    doc: r#"
## What it does
Flags triggers with `source = database.X` (DynamoDB streams) or `source = stream.X` (Kinesis)
that have no `on_failure`.

## Why is this bad?
A batch that keeps failing blocks its shard until the records expire from the stream (24 hours
for a table's stream, the stream's retention for Kinesis);
then they are dropped with no trace. With a failure destination, the failed batch's details are
kept in a queue or topic for inspection and replay.

## Example
```hcl
trigger "on_signup" {
  function = function.welcome
  source   = database.users
}
```

## Use instead
```hcl
trigger "on_signup" {
  function   = function.welcome
  source     = database.users
  on_failure = queue.signup_failures
  retries    = 3
}
```
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    for (t, src) in model.triggers() {
        let source = match src {
            TriggerSource::Database(db) => format!("the stream of database.{db}"),
            TriggerSource::Stream(s) => format!("stream.{s}"),
            _ => continue,
        };
        if t.attrs.contains_key("on_failure") {
            continue;
        }
        let d = cx.report(
            &RULE,
            t.header,
            format!("trigger \"{}\" reads {source} but has no `on_failure`: records that keep failing are dropped when they expire", t.name),
        );
        d.labels.push(crate::diagnostics::Label {
            span: t.span_of("source"),
            message: "stream source".into(),
        });
        d.help = Some("add `on_failure = queue.NAME` (or a topic) to keep failed batches".into());
    }
}
