//! `visibility-timeout`: a queue whose visibility timeout is shorter than its consumer needs.

use crate::checks::{Adjust, Check, Ctx, Level, Rule};
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::value::fmt_number;
use crate::model::{BlockKind, TriggerSource};

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "visibility-timeout",
    level: Level::Warn,
    hard: false,
    summary: "A queue's visibility timeout is below the timeout (error) or below 6× the timeout (warning) of a function it triggers.",
    doc: r#"
## What it does
Compares each queue's `visibility_timeout` with the `timeout` of every function it triggers.
Below the timeout is an error (AWS refuses to create the event source mapping; it goes no lower
than `warn`); below six times the timeout is a warning (AWS's guidance, to leave room for
retries and batching).

## Why is this bad?
A message becomes visible again while its consumer is still working on it: it is processed
twice, and a slow batch can be retried forever.

## Example
```hcl
queue "jobs" { visibility_timeout = "1m" }
function "worker" {
  handler = "w.h"
  timeout = "2m"
}
trigger "work" {
  function = function.worker
  source   = queue.jobs
}
```

## Use instead
Leave `visibility_timeout` unset (slsc then uses 6× the longest consumer timeout), or set it to
at least six times the function's timeout:
```hcl
queue "jobs" { visibility_timeout = "12m" }
```
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    for (t, src) in model.triggers() {
        let TriggerSource::Queue(qn) = src else {
            continue;
        };
        let (Some(q), Some(f)) = (
            model.find(BlockKind::Queue, qn),
            t.reference("function").and_then(|a| model.resolve(a)),
        ) else {
            continue;
        };
        let (Some(vis), Some(timeout)) = (q.num("visibility_timeout"), f.num("timeout")) else {
            continue;
        };
        let timeout_span = f.attr("timeout").map(|a| a.span).unwrap_or(f.header);
        if vis < timeout {
            let d = Diagnostic::new(
                RULE.name,
                Severity::Error,
                q.span_of("visibility_timeout"),
                format!(
                    "queue.{qn}'s visibility timeout ({} s) is shorter than the timeout of function.{} ({} s): AWS refuses the mapping",
                    fmt_number(vis),
                    f.name,
                    fmt_number(timeout)
                ),
            )
            .with_label(timeout_span, format!("function.{} may run {} s", f.name, fmt_number(timeout)))
            .with_label(t.span_of("source"), format!("trigger \"{}\" consumes queue.{qn}", t.name))
            .with_help(format!("set visibility_timeout to at least {} s (6× the timeout), or leave it unset", fmt_number(timeout * 6.0)));
            cx.push(d, Adjust::Hard);
        } else if vis < timeout * 6.0 {
            let d = cx.report(
                &RULE,
                q.span_of("visibility_timeout"),
                format!(
                    "queue.{qn}'s visibility timeout ({} s) is less than 6× the timeout of function.{} ({} s)",
                    fmt_number(vis),
                    f.name,
                    fmt_number(timeout)
                ),
            );
            d.labels.push(crate::diagnostics::Label {
                span: timeout_span,
                message: format!("function.{} may run {} s", f.name, fmt_number(timeout)),
            });
            d.help = Some(format!(
                "AWS advises at least 6× the function timeout: {} s (or leave visibility_timeout unset)",
                fmt_number(timeout * 6.0)
            ));
        }
    }
}
