//! `plaintext-secret`: a secret written in plain text anywhere the template carries it — an
//! environment value under a secret-looking name or holding URL credentials, a tag, a
//! description, a schedule's `input`.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::diagnostics::Span;
use crate::model::{Attr, Value};
use std::collections::BTreeSet;

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "plaintext-secret",
    level: Level::Deny,
    hard: false,
    summary: "An environment variable named like a secret (SECRET, PASSWORD, TOKEN, API_KEY…) has a literal value.",
    doc: r#"
## What it does
Flags secrets written as literals (also when they come through a `var` or a `local`) instead of
`secret("name")` or `ssm("/path")`:
- `environment` entries whose name says secret — it contains (case-insensitively) SECRET,
  PASSWORD, PASSWD, TOKEN, API_KEY, APIKEY, PRIVATE_KEY or CREDENTIAL, or has a word PASS, PWD
  or SK, or the words SIGNING KEY, ACCESS KEY, CLIENT SECRET, AUTH HEADER (`DB_PASS`,
  `STRIPE_SK`, `JWT_SIGNING_KEY`, `AUTH_HEADER`);
- any `environment` value holding credentials in a URL (`postgres://app:hunter2@db/…` in
  `DATABASE_URL`) or a well-known key format (`sk_live_…`, `AKIA…`, `ghp_…`, `xoxb-…`, a PEM
  private key);
- the same names and values in a schedule trigger's `input`, in `tags` and in a function's
  `description`: every string the template carries.

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

/// Words that alone name a secret (`DB_PASS`, `STRIPE_SK`).
const WORDS: &[&str] = &["PASS", "PWD", "SK"];

/// Pairs of consecutive words that name one (`JWT_SIGNING_KEY`, `AUTH_HEADER`).
const PAIRS: &[(&str, &str)] = &[
    ("SIGNING", "KEY"),
    ("ACCESS", "KEY"),
    ("CLIENT", "SECRET"),
    ("AUTH", "HEADER"),
    ("ENCRYPTION", "KEY"),
    ("MASTER", "KEY"),
];

/// Whether a name (an environment variable, a tag or an input key) says it holds a secret.
pub fn is_secret_name(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    if MARKERS.iter().any(|m| k.contains(m)) {
        return true;
    }
    let words: Vec<&str> = k.split(['_', '-', '.']).filter(|w| !w.is_empty()).collect();
    words.iter().any(|w| WORDS.contains(w))
        || words.windows(2).any(|p| PAIRS.contains(&(p[0], p[1])))
}

/// What makes a value a secret whatever its name: credentials in a URL, or a well-known key
/// format.
pub fn secret_in_value(v: &str) -> Option<&'static str> {
    if let Some((_, rest)) = v.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            if userinfo
                .split_once(':')
                .is_some_and(|(_, pw)| !pw.is_empty())
            {
                return Some("a password in a URL");
            }
        }
    }
    let prefixed = |p: &str, min: usize| v.starts_with(p) && v.len() >= min;
    if prefixed("sk_live_", 16) || prefixed("rk_live_", 16) {
        return Some("a Stripe secret key");
    }
    if (prefixed("AKIA", 20) || prefixed("ASIA", 20))
        && v[..20]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Some("an AWS access key id");
    }
    if prefixed("ghp_", 36) || prefixed("github_pat_", 40) {
        return Some("a GitHub token");
    }
    if prefixed("xoxb-", 20) || prefixed("xoxp-", 20) {
        return Some("a Slack token");
    }
    if v.contains("PRIVATE KEY-----") {
        return Some("a private key");
    }
    None
}

/// One place a secret is written.
struct Found {
    span: Span,
    /// What is shown: the name, or what the value looks like.
    what: String,
    key: String,
    /// In `environment` (where `secret()` can replace it).
    env: bool,
}

fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    let blocks = std::iter::once(&model.app).chain(model.blocks.iter());
    for b in blocks {
        for name in ["environment", "tags", "input", "description"] {
            let Some(a) = b.attr(name) else { continue };
            let env = name == "environment";
            look(&a.value, name, a, &mut |span, what, key| {
                // App-level entries are merged into every function: report each place once.
                if seen.insert(span) {
                    found.push(Found {
                        span,
                        what,
                        key,
                        env,
                    });
                }
            });
        }
    }
    for f in found {
        let name = f.key.to_ascii_lowercase().replace('_', "-");
        let help = if f.env {
            format!(
                "keep it out of the template: store it in Secrets Manager and write `{} = secret(\"{}/{name}\")` (or ssm(\"/path\") for Parameter Store)",
                f.key, model.app.name
            )
        } else {
            "keep it out of the template: a tag, a description or a schedule input is stored in plain text; pass secrets to a function's `environment` with secret(\"name\") or ssm(\"/path\")".to_string()
        };
        cx.report(
            &RULE,
            f.span,
            format!("{} is written in plain text", f.what),
        )
        .help = Some(help);
    }
}

/// Reports every secret in an attribute's value: `report(span, what, key)`.
fn look(v: &Value, attr: &str, a: &Attr, report: &mut dyn FnMut(Span, String, String)) {
    match v {
        Value::Object(map) => {
            for (k, item) in map {
                let span = a.field_span(k);
                walk(item, k, span, report);
            }
        }
        Value::String(s) => {
            if let Some(what) = secret_in_value(s) {
                report(
                    a.span,
                    format!("`{attr}` holds {what}, which"),
                    attr.to_string(),
                );
            }
        }
        _ => {}
    }
}

/// A value under `key` (at `span`): a literal string under a secret's name, or a secret-looking
/// value under any name; objects and lists are walked (a schedule's `input`).
fn walk(v: &Value, key: &str, span: Span, report: &mut dyn FnMut(Span, String, String)) {
    match v {
        Value::String(s) if is_secret_name(key) && !s.is_empty() => report(
            span,
            format!("`{key}` looks like a secret but its value"),
            key.to_string(),
        ),
        Value::String(s) => {
            if let Some(what) = secret_in_value(s) {
                report(
                    span,
                    format!("`{key}` holds {what}, which"),
                    key.to_string(),
                );
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                walk(item, k, span, report);
            }
        }
        Value::List(items) => {
            for item in items {
                walk(item, key, span, report);
            }
        }
        _ => {}
    }
}
