//! `http-timeout`: a function behind the HTTP or WebSocket API with a timeout API Gateway will
//! not wait for.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::value::fmt_number;
use crate::model::{BlockKind, TriggerSource};

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "http-timeout",
    level: Level::Warn,
    hard: false,
    summary: "A function behind an `http` or `websocket` trigger has a timeout over 30 s (API Gateway stops waiting at 30 s).",
    doc: r#"
## What it does
Flags functions triggered by an `http` route or a `websocket` route whose `timeout` is over 30
seconds.

## Why is this bad?
The HTTP API's integration timeout is 30 seconds at most (a WebSocket API's, 29 seconds): the client gets a 503 while the
function keeps running (and billing) for the rest of its timeout.

## Example
```hcl
function "report" {
  handler = "r.h"
  timeout = "5m"
}
trigger "get_report" {
  function = function.report
  http     = "GET /report"
  auth     = "iam"
}
```

## Use instead
Keep HTTP handlers under 30 s, and hand long work to a queue:
```hcl
function "report" {
  handler = "r.h"
  timeout = "10s"
  sends   = [queue.reports]
}
```
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    // Each function once, labelled at every route that reaches it.
    let mut routes: std::collections::BTreeMap<&str, Vec<&crate::model::Block>> =
        Default::default();
    for (t, src) in model.triggers() {
        if !matches!(
            src,
            TriggerSource::Http { .. } | TriggerSource::Websocket(_)
        ) {
            continue;
        }
        if let Some(f) = t.reference("function") {
            routes.entry(f.name.as_str()).or_default().push(t);
        }
    }
    for (fname, triggers) in routes {
        let Some(f) = model.find(BlockKind::Function, fname) else {
            continue;
        };
        let Some(timeout) = f.num("timeout") else {
            continue;
        };
        if timeout <= 30.0 {
            continue;
        }
        let span = f.attr("timeout").map(|a| a.span).unwrap_or(f.header);
        let d = cx.report(
            &RULE,
            span,
            format!(
                "function.{} has a {} s timeout but serves {}: API Gateway gives up after 30 s",
                f.name,
                fmt_number(timeout),
                if triggers.iter().any(|t| t.is_set("http")) {
                    "an HTTP route"
                } else {
                    "a WebSocket route"
                }
            ),
        );
        for t in triggers {
            let (key, what) = match t.is_set("websocket") {
                true => ("websocket", "WebSocket messages"),
                false => ("http", "HTTP requests"),
            };
            d.labels.push(crate::diagnostics::Label {
                span: t.span_of(key),
                message: format!("trigger \"{}\" routes {what} to it", t.name),
            });
        }
        d.help =
            Some("lower the timeout to 30 s or less, and move long work behind a queue".into());
    }
}
