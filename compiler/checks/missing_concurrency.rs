//! `missing-concurrency`: a function without a reserved concurrency limit.

use super::{Ctx, Level, Rule};
use crate::model::BlockKind;

pub const RULE: Rule = Rule {
    name: "missing-concurrency",
    level: Level::Warn,
    hard: false,
    summary: "A function with no `concurrency` limit.",
    doc: r#"
## What it does
Flags every function without `concurrency` (reserved concurrency). In an intended loop (every
function with `recursion = "allow"`), a missing limit is a hard error reported by
`recursive-invocation` instead, since nothing else bounds the loop.

## Why is this bad?
Without a limit, a burst of traffic, a retry storm or a loop scales the function up to the
account's concurrency limit: every other function in the account is throttled, and downstream
databases and APIs take the whole load. Reserved concurrency caps it and also guarantees it
that much capacity.

## Example
```hcl
function "thumbnail" {
  handler = "thumb.handler"
}
```

## Use instead
```hcl
function "thumbnail" {
  handler     = "thumb.handler"
  concurrency = 20
}
```
"#,
};

pub fn check(cx: &mut Ctx) {
    let model = cx.model;
    for f in model.of_kind(BlockKind::Function) {
        if f.attrs.contains_key("concurrency") || cx.unbounded_in_loops.contains(&f.name) {
            continue;
        }
        cx.report(
            &RULE,
            f.header,
            format!(
                "function.{} has no concurrency limit: under load or a retry storm it scales to the account's limit, throttling every other function and flooding what it calls",
                f.name
            ),
        )
        .help = Some("set `concurrency = N` (reserved concurrency); the account keeps at least 100 unreserved".into());
    }
}
