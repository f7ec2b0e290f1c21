//! `deprecated-runtime`: a runtime past its AWS deprecation date.

use crate::checks::{Adjust, Check, Ctx, Level, Rule};
use crate::diagnostics::{Diagnostic, Span};
use crate::model::runtimes::{self, Status};
use crate::model::BlockKind;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "deprecated-runtime",
    level: Level::Warn,
    hard: false,
    summary: "A function's runtime is past its AWS deprecation date (an error past the date AWS blocks creating functions with it).",
    doc: r#"
## What it does
Compares each function's runtime (its own, or the app's default) with AWS's Lambda runtime
lifecycle: past the deprecation date it is a warning naming the newest runtime of the same family that
is still supported on that day; past the date AWS
blocks creating functions with it, an error (which goes no lower than `warn`). "Today" is the
system date unless `--today YYYY-MM-DD` or `SLSC_TODAY` pins it. The dates are data
(`compiler/model/runtimes.json`, from cfn-lint's runtime lifecycle table).

## Why is this bad?
A deprecated runtime gets no security patches; soon after, AWS refuses to create — then to
update — functions that use it, and a routine deploy fails.

## Example
```hcl
app "shop" { runtime = "nodejs20.x" }       # deprecated 2026-04-30
```

## Use instead
```hcl
app "shop" { runtime = "nodejs24.x" }
```
"#,
};

fn diagnostic(rt: &str, span: Span, today: &str) -> Option<(Diagnostic, Adjust)> {
    // Not the table's `successor`, which may itself be deprecated by `today`.
    let upgrade = runtimes::family_of(rt).map(|f| runtimes::upgrade_help(f, today));
    let (d, adjust) = match runtimes::status(rt, today) {
        Status::Supported => return None,
        Status::Deprecated { since } => (
            Diagnostic::warning(
                RULE.name,
                span,
                format!("{rt} is deprecated since {since}: AWS no longer applies security patches"),
            ),
            Adjust::Level,
        ),
        Status::Blocked { since } => (
            Diagnostic::error(
                RULE.name,
                span,
                format!("{rt} cannot be used to create functions since {since}"),
            ),
            Adjust::Hard,
        ),
    };
    Some((d.with_help_opt(upgrade), adjust))
}

fn check(cx: &mut Ctx) {
    let model = cx.model;
    // Functions with their own runtime.
    for f in model.of_kind(BlockKind::Function) {
        if let Some(rt) = f.str("runtime").filter(|_| f.is_set("runtime")) {
            if let Some((d, adjust)) = diagnostic(rt, f.span_of("runtime"), cx.today) {
                cx.push(d, adjust);
            }
        }
    }
    // The app's runtime, once, labelled at every function that inherits it.
    let Some(rt) = model.app.str("runtime") else {
        return;
    };
    let users: Vec<_> = model
        .of_kind(BlockKind::Function)
        .filter(|f| !f.is_set("runtime"))
        .collect();
    if users.is_empty() {
        return;
    }
    if let Some((mut d, adjust)) = diagnostic(rt, model.app.span_of("runtime"), cx.today) {
        for f in users {
            d = d.with_label(f.header, format!("{} uses the app's runtime", f.addr()));
        }
        cx.push(d, adjust);
    }
}
