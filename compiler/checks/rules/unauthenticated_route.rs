//! `unauthenticated-route`: an HTTP route, or a WebSocket API's `$connect` route, with no
//! explicit `auth`.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::TriggerSource;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "unauthenticated-route",
    level: Level::Warn,
    hard: false,
    summary: "An `http` trigger, or a `websocket = \"$connect\"` trigger, with no explicit `auth` (it is public).",
    doc: r#"
## What it does
Flags `http` triggers without an `auth` attribute. Without it, the route is public (`"none"`).
The same holds for the `$connect` route of a WebSocket API: it is where every connection is
authorized (the other WebSocket routes run on a connection already accepted, and take no
`auth`).

## Why is this bad?
A route that is public by omission is how internal endpoints end up on the internet. Saying
`auth = "none"` makes the choice visible in review.

## Example
```hcl
trigger "list_orders" {
  function = function.orders
  http     = "GET /orders"
}
```

## Use instead
```hcl
trigger "list_orders" {
  function = function.orders
  http     = "GET /orders"
  auth     = "iam"            # or "jwt" with a jwt block, or "none" on purpose
}
```
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    for (t, src) in model.triggers() {
        if t.is_set("auth") {
            continue;
        }
        let (method, path) = match src {
            TriggerSource::Http { method, path } => (method, path),
            TriggerSource::Websocket(key) if key == "$connect" => {
                cx.report(&RULE, t.span_of("websocket"), "the WebSocket API's $connect route has no `auth`: anyone can connect")
                    .help = Some("add auth = \"lambda\" with authorizer = { function = function.NAME }, or auth = \"iam\", or auth = \"none\" to make a public API explicit".into());
                continue;
            }
            _ => continue,
        };
        cx.report(&RULE, t.span_of("http"), format!("route \"{method} {path}\" has no `auth`: it is public"))
            .help = Some("add auth = \"iam\" or auth = \"jwt\" (with jwt = { issuer, audience }), or auth = \"none\" to make a public route explicit".into());
    }
}
