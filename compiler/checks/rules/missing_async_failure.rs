//! `missing-async-failure`: a function invoked asynchronously with nowhere to keep the events
//! it fails on (checkov CKV_AWS_116 asks the same of every function; docs/checkov.md).

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::{BlockKind, TriggerSource};

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
    // The first asynchronous trigger of each function, in one pass over the triggers.
    let mut first: std::collections::HashMap<String, &crate::model::Block> = Default::default();
    for (t, src) in model.triggers() {
        let asynchronous = matches!(
            src,
            TriggerSource::Schedule(_)
                | TriggerSource::Bucket(_)
                | TriggerSource::Topic(_)
                | TriggerSource::Alarm(_)
        );
        if let (true, Some(f)) = (asynchronous, t.reference("function")) {
            first.entry(f.name.clone()).or_insert(t);
        }
    }
    for f in model.of_kind(BlockKind::Function) {
        if f.attrs.contains_key("on_failure") || f.attrs.contains_key("dead_letter") {
            continue;
        }
        let Some(t) = first.get(&f.name) else {
            continue;
        };
        let d = cx.report(
            &RULE,
            f.name_span,
            format!(
                "function \"{}\" is invoked asynchronously (trigger \"{}\") but has no `dead_letter` or `on_failure`: an event that fails three times is dropped",
                f.name, t.name
            ),
        );
        if strict {
            d.severity = crate::diagnostics::Severity::Error;
        }
        let source = if t.attrs.contains_key("schedule") {
            "schedule"
        } else {
            "source"
        };
        d.labels.push(crate::diagnostics::Label {
            span: t.span_of(source),
            message: "asynchronous source".into(),
        });
        d.help = Some(format!(
            "add `on_failure = queue.NAME` (or `dead_letter = queue.NAME`) to function \"{}\" to keep failed events",
            f.name
        ));
    }
}
