//! `wildcard-permission`: a user permission that grants `*`.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::{BlockKind, Value};

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "wildcard-permission",
    level: Level::Warn,
    hard: false,
    summary: "A `permissions` entry with `\"*\"` as an action or a resource.",
    doc: r#"
## What it does
Flags entries of a function's `permissions` whose `actions` or `resources` contain exactly
`"*"`. (Patterns such as `"s3:Get*"` or `"arn:aws:s3:::bucket/*"` are not flagged.)

## Why is this bad?
`"*"` grants every action, or every resource in the account: a bug or a compromised dependency
in the function can then touch anything. slsc's own grants are least-privilege; this is the one
place a wildcard can slip in.

## Example
```hcl
permissions = [{ actions = ["ses:SendEmail"], resources = ["*"] }]
```

## Use instead
```hcl
permissions = [{
  actions   = ["ses:SendEmail"]
  resources = ["arn:aws:ses:eu-west-1:123456789012:identity/example.com"]
}]
```
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut found = Vec::new();
    for f in model.of_kind(BlockKind::Function) {
        let Some(a) = f.attr("permissions") else {
            continue;
        };
        for (i, p) in a.value.as_list().iter().enumerate() {
            for key in ["actions", "resources"] {
                let wild = p
                    .get(key)
                    .is_some_and(|l| l.as_list().iter().any(|v| v == &Value::String("*".into())));
                if wild {
                    found.push((a.item_span(i), f.name.clone(), key));
                }
            }
        }
    }
    for (span, name, key) in found {
        cx.report(
            &RULE,
            span,
            format!("function.{name} is granted `\"*\"` in `{key}`"),
        )
        .help = Some("name the exact actions and resource ARNs the function needs".into());
    }
}
