//! `concurrency-budget`: reserved concurrency that exceeds what the account can reserve.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::value::fmt_number;
use crate::model::BlockKind;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "concurrency-budget",
    level: Level::Deny,
    hard: true,
    summary: "The functions reserve more concurrency than the account can give (AWS keeps 100 unreserved).",
    doc: r#"
## What it does
Adds up every function's `concurrency` and compares it with `account_concurrency - 100`
(`app.account_concurrency`, default 1000): AWS always keeps 100 executions unreserved.

## Why is this bad?
Lambda refuses the reservation that goes over the budget: the deploy fails part-way.

## Example
```hcl
app "shop" { }                       # account limit 1000: at most 900 reservable
function "api" {
  handler     = "a.h"
  concurrency = 600
}
function "worker" {
  handler     = "w.h"
  concurrency = 400
}
```

## Use instead
Lower the reservations, or raise `account_concurrency` after AWS raised your account's limit:
```hcl
app "shop" { account_concurrency = 3000 }
```
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    let account = model.app.num("account_concurrency").unwrap_or(1000.0);
    let budget = account - 100.0;
    let mut reserved: Vec<(f64, &crate::model::Block)> = model
        .of_kind(BlockKind::Function)
        .filter_map(|f| f.num("concurrency").map(|c| (c, f)))
        .collect();
    let total: f64 = reserved.iter().map(|(c, _)| c).sum();
    if total <= budget {
        return;
    }
    // Largest first; ties by name.
    reserved.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let (top, top_fn) = reserved[0];
    let shown = 20;
    let rest = reserved.len().saturating_sub(1 + shown);
    let d = cx.report(
        &RULE,
        top_fn.span_of("concurrency"),
        format!(
            "the functions reserve {} concurrent executions, but the account can reserve only {} ({} minus the 100 AWS keeps unreserved){}",
            fmt_number(total),
            fmt_number(budget),
            fmt_number(account),
            if rest > 0 { format!("; {rest} more reservations are not labelled") } else { String::new() }
        ),
    );
    d.primary_label = Some(format!(
        "function.{} reserves {}",
        top_fn.name,
        fmt_number(top)
    ));
    d.help = Some(format!(
        "lower the reservations by {}, or raise app.account_concurrency if AWS raised your account's limit",
        fmt_number(total - budget)
    ));
    let labels: Vec<_> = reserved[1..]
        .iter()
        .take(shown)
        .map(|(c, f)| {
            (
                f.span_of("concurrency"),
                format!("function.{} reserves {}", f.name, fmt_number(*c)),
            )
        })
        .collect();
    for (span, msg) in labels {
        d.labels
            .push(crate::diagnostics::Label { span, message: msg });
    }
}
