//! `plaintext-secret`: a secret-looking environment variable with a literal value.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::{BlockKind, Value};
use std::collections::BTreeSet;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "plaintext-secret",
    level: Level::Deny,
    hard: false,
    summary: "An environment variable named like a secret (SECRET, PASSWORD, TOKEN, API_KEY…) has a literal value.",
    doc: r#"
## What it does
Flags `environment` entries whose key contains (case-insensitively) SECRET, PASSWORD, PASSWD,
TOKEN, API_KEY, APIKEY, PRIVATE_KEY or CREDENTIAL and whose value is a literal string — also when
it comes through a `var` or a `local` — instead of `secret("name")` or `ssm("/path")`.

## Why is this bad?
A literal ends up in the template, in the deployed function's configuration (readable by anyone
with `lambda:GetFunctionConfiguration`), in CloudFormation's history and in git.

## Example
```hcl
environment = { STRIPE_API_KEY = "sk_live_51H…" }
```

## Use instead
Store it in Secrets Manager (or Parameter Store) and pass its name; slsc grants the function
read access to exactly that secret:
```hcl
environment = { STRIPE_API_KEY = secret("shop/stripe-api-key") }
```
"#,
};

const MARKERS: &[&str] = &[
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

pub fn is_secret_name(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    MARKERS.iter().any(|m| k.contains(m))
}

fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for b in std::iter::once(&model.app).chain(model.of_kind(BlockKind::Function)) {
        let Some(a) = b.attr("environment") else {
            continue;
        };
        let Value::Object(env) = &a.value else {
            continue;
        };
        for (k, v) in env {
            if !is_secret_name(k) || !matches!(v, Value::String(_)) {
                continue;
            }
            let span = a.field_span(k);
            // App-level entries are merged into every function: report each written place once.
            if seen.insert(span) {
                found.push((span, k.clone()));
            }
        }
    }
    for (span, k) in found {
        let name = k.to_ascii_lowercase().replace('_', "-");
        cx.report(&RULE, span, format!("`{k}` looks like a secret but its value is written in plain text"))
            .help = Some(format!(
            "keep it out of the template: store it in Secrets Manager and write `{k} = secret(\"{}/{name}\")` (or ssm(\"/path\") for Parameter Store)",
            model.app.name
        ));
    }
}
