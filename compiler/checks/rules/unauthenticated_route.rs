//! `unauthenticated-route`: an HTTP route with no explicit `auth`.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::TriggerSource;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "unauthenticated-route",
    level: Level::Warn,
    hard: false,
    summary: "An `http` trigger with no explicit `auth` (it is public).",
    doc: r#"
## What it does
Flags `http` triggers without an `auth` attribute. Without it, the route is public (`"none"`).

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
        let TriggerSource::Http { method, path } = src else {
            continue;
        };
        if t.is_set("auth") {
            continue;
        }
        cx.report(&RULE, t.span_of("http"), format!("route \"{method} {path}\" has no `auth`: it is public"))
            .help = Some("add auth = \"iam\" or auth = \"jwt\" (with jwt = { issuer, audience }), or auth = \"none\" to make a public route explicit".into());
    }
}
