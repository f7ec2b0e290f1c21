//! The built-in functions of SPEC §4: `upper`, `lower`, `format`, `join`, `concat`, `merge`,
//! `length`, `min`, `max`, `lookup`, and the slsc-specific `prefix`, `secret` and `ssm`
//! (`file` and `templatefile`, which read files, are the evaluator's: eval/files.rs).
//!
//! Every function checks its argument count and types and reports a `type-mismatch` at the
//! offending argument. `secret`/`ssm` return deploy-time strings; string functions refuse
//! deploy-time values (their result would be unknown until deploy).

use super::eval::EvalError;
use super::value::{fmt_number, Part, RefKind, Value};
use crate::diagnostics::{Diagnostic, Span};
use indexmap::IndexMap;

fn mismatch(span: Span, msg: String) -> EvalError {
    Diagnostic::error("type-mismatch", span, msg).into()
}

pub(super) fn arity(
    name: &str,
    args: &[Value],
    min: usize,
    max: Option<usize>,
    span: Span,
) -> Result<(), EvalError> {
    let n = args.len();
    if n < min || max.is_some_and(|m| n > m) {
        let want = match max {
            Some(m) if m == min => format!("{min}"),
            Some(m) => format!("{min} to {m}"),
            None => format!("at least {min}"),
        };
        return Err(mismatch(
            span,
            format!("`{name}` takes {want} argument(s), {n} given"),
        ));
    }
    Ok(())
}

pub(super) fn string_arg<'v>(name: &str, v: &'v Value, span: Span) -> Result<&'v str, EvalError> {
    match v {
        Value::String(s) => Ok(s),
        Value::Deploy(_) => Err(Diagnostic::error(
            "type-mismatch",
            span,
            format!("`{name}` cannot use a value known only after deploy"),
        )
        .with_help("embed deploy-time values in a string template instead: \"${queue.q.url}?x=1\"")
        .into()),
        other => Err(mismatch(
            span,
            format!("`{name}` needs a string, found {}", other.describe()),
        )),
    }
}

fn to_plain_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(fmt_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Where a call's arguments are, for diagnostics.
#[derive(Clone, Copy)]
struct ArgSpans<'s> {
    spans: &'s [Span],
    /// The whole call (an argument without a span of its own is reported here).
    call: Span,
}

impl ArgSpans<'_> {
    /// The span of argument `i`.
    fn at(&self, i: usize) -> Span {
        self.spans.get(i).copied().unwrap_or(self.call)
    }
}

pub fn call(name: &str, args: Vec<Value>, spans: &[Span], span: Span) -> Result<Value, EvalError> {
    let at = ArgSpans { spans, call: span };
    match name {
        "upper" | "lower" => change_case(name, &args, at),
        "length" => length(name, &args, at),
        "join" => join(name, &args, at),
        "concat" => concat(args, at),
        "merge" => merge(args, at),
        "min" | "max" => min_max(name, &args, at),
        "lookup" => lookup(name, &args, at),
        "format" => {
            arity(name, &args, 1, None, span)?;
            let fmt = string_arg(name, &args[0], at.at(0))?;
            format(fmt, &args[1..], at.at(0), |i| at.at(i + 1))
        }
        "prefix" => prefix(name, &args, at),
        "secret" | "ssm" => deploy_time_lookup(name, &args, at),
        _ => unreachable!("the evaluator only calls known functions"),
    }
}

/// `upper(s)` / `lower(s)`.
fn change_case(name: &str, args: &[Value], at: ArgSpans) -> Result<Value, EvalError> {
    arity(name, args, 1, Some(1), at.call)?;
    let s = string_arg(name, &args[0], at.at(0))?;
    Ok(Value::String(if name == "upper" {
        s.to_uppercase()
    } else {
        s.to_lowercase()
    }))
}

/// `length(x)`: of a list, an object or a string (in characters).
fn length(name: &str, args: &[Value], at: ArgSpans) -> Result<Value, EvalError> {
    arity(name, args, 1, Some(1), at.call)?;
    match &args[0] {
        Value::List(l) => Ok(Value::Number(l.len() as f64)),
        Value::Object(o) => Ok(Value::Number(o.len() as f64)),
        Value::String(s) => Ok(Value::Number(s.chars().count() as f64)),
        other => Err(mismatch(
            at.at(0),
            format!(
                "`length` needs a list, object or string, found {}",
                other.describe()
            ),
        )),
    }
}

/// `join(sep, list, …)`: the items of every list, as strings, separated by `sep`.
fn join(name: &str, args: &[Value], at: ArgSpans) -> Result<Value, EvalError> {
    arity(name, args, 2, None, at.call)?;
    let sep = string_arg(name, &args[0], at.at(0))?.to_string();
    let mut items = Vec::new();
    for (i, a) in args.iter().enumerate().skip(1) {
        let Value::List(l) = a else {
            return Err(mismatch(
                at.at(i),
                format!(
                    "`join` needs lists after the separator, found {}",
                    a.describe()
                ),
            ));
        };
        for it in l {
            match to_plain_string(it) {
                Some(s) => items.push(s),
                None => {
                    return Err(mismatch(
                        at.at(i),
                        format!("`join` can only join strings, found {}", it.describe()),
                    ))
                }
            }
        }
    }
    Ok(Value::String(items.join(&sep)))
}

/// `concat(list, …)`: the lists one after the other.
fn concat(args: Vec<Value>, at: ArgSpans) -> Result<Value, EvalError> {
    let mut out = Vec::new();
    for (i, a) in args.into_iter().enumerate() {
        match a {
            Value::List(l) => out.extend(l),
            other => {
                return Err(mismatch(
                    at.at(i),
                    format!("`concat` needs lists, found {}", other.describe()),
                ))
            }
        }
    }
    Ok(Value::List(out))
}

/// `merge(object, …)`: later keys win; `null` arguments are skipped.
fn merge(args: Vec<Value>, at: ArgSpans) -> Result<Value, EvalError> {
    let mut out = IndexMap::new();
    for (i, a) in args.into_iter().enumerate() {
        match a {
            Value::Object(o) => out.extend(o),
            Value::Null => {}
            other => {
                return Err(mismatch(
                    at.at(i),
                    format!("`merge` needs objects, found {}", other.describe()),
                ))
            }
        }
    }
    Ok(Value::Object(out))
}

/// `min(n, …)` / `max(n, …)`.
fn min_max(name: &str, args: &[Value], at: ArgSpans) -> Result<Value, EvalError> {
    arity(name, args, 1, None, at.call)?;
    let mut best: Option<f64> = None;
    for (i, a) in args.iter().enumerate() {
        let Value::Number(n) = a else {
            return Err(mismatch(
                at.at(i),
                format!("`{name}` needs numbers, found {}", a.describe()),
            ));
        };
        best = Some(match best {
            None => *n,
            Some(b) if name == "min" => b.min(*n),
            Some(b) => b.max(*n),
        });
    }
    Ok(Value::Number(best.unwrap_or(0.0)))
}

/// `lookup(object, key[, default])`.
fn lookup(name: &str, args: &[Value], at: ArgSpans) -> Result<Value, EvalError> {
    arity(name, args, 2, Some(3), at.call)?;
    let Value::Object(o) = &args[0] else {
        return Err(mismatch(
            at.at(0),
            format!(
                "`lookup` needs an object first, found {}",
                args[0].describe()
            ),
        ));
    };
    let key = string_arg(name, &args[1], at.at(1))?;
    match o.get(key) {
        Some(v) => Ok(v.clone()),
        None => match args.get(2) {
            Some(d) => Ok(d.clone()),
            None => Err(Diagnostic::error(
                "invalid-value",
                at.at(1),
                format!("`lookup`: the object has no key \"{key}\" and no default was given"),
            )
            .with_help("pass a default as the third argument: lookup(map, key, default)")
            .into()),
        },
    }
}

/// `prefix(bucket.NAME, "p/")`: a bucket narrowed to a key prefix.
fn prefix(name: &str, args: &[Value], at: ArgSpans) -> Result<Value, EvalError> {
    arity(name, args, 2, Some(2), at.call)?;
    let addr = match &args[0] {
        Value::Ref(a) if a.kind == RefKind::Bucket => a.clone(),
        other => {
            return Err(mismatch(
                at.at(0),
                format!(
                    "`prefix` narrows a bucket: its first argument must be `bucket.NAME`, found {}",
                    other.describe()
                ),
            ))
        }
    };
    let p = string_arg(name, &args[1], at.at(1))?;
    if p.is_empty() || p.starts_with('/') {
        return Err(Diagnostic::error(
            "invalid-value",
            at.at(1),
            "a key prefix must be non-empty and must not start with `/`",
        )
        .with_help("S3 keys have no leading slash: prefix(bucket.media, \"thumbs/\")")
        .into());
    }
    if let Some(i) = p.find(['*', '?']) {
        let literal = &p[..i];
        return Err(Diagnostic::error(
            "invalid-value",
            at.at(1),
            format!("a key prefix is literal: `{}` is not a wildcard here", &p[i..i + 1]),
        )
        .with_help(if literal.is_empty() {
            "to grant the whole bucket, write the bucket itself (`bucket.NAME`); a prefix names the keys that start with it".to_string()
        } else {
            format!("keys that start with \"{literal}\": prefix({addr}, \"{literal}\")")
        })
        .into());
    }
    Ok(Value::Prefix(addr, p.to_string()))
}

/// `secret(name)` / `ssm(path)`: a deploy-time string read from Secrets Manager or the SSM
/// Parameter Store.
fn deploy_time_lookup(name: &str, args: &[Value], at: ArgSpans) -> Result<Value, EvalError> {
    arity(name, args, 1, Some(1), at.call)?;
    let s = string_arg(name, &args[0], at.at(0))?;
    let secret = name == "secret";
    let valid = if secret {
        is_secret_name(s)
    } else {
        is_parameter_path(s)
    };
    if !valid {
        let help = if secret {
            "a secret name uses letters, digits and /_+=.@- (e.g. secret(\"prod/stripe-key\"))"
        } else {
            "a parameter path starts with `/` and uses letters, digits and /_.- (e.g. ssm(\"/shop/db-url\"))"
        };
        return Err(Diagnostic::error(
            "invalid-value",
            at.at(0),
            format!("invalid {name} name \"{s}\""),
        )
        .with_help(help)
        .into());
    }
    Ok(Value::Deploy(vec![if secret {
        Part::Secret(s.to_string())
    } else {
        Part::Ssm(s.to_string())
    }]))
}

/// A Secrets Manager secret name.
fn is_secret_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 512
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
}

/// An SSM parameter path (`/a/b`).
fn is_parameter_path(s: &str) -> bool {
    s.starts_with('/')
        && s.len() > 1
        && s.len() <= 2048
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c))
}

/// `format` with the verbs `%s`, `%d`, `%f` (with an optional precision such as `%.2f`), `%v`,
/// `%q` and `%%`.
fn format(
    fmt: &str,
    args: &[Value],
    fmt_span: Span,
    at: impl Fn(usize) -> Span,
) -> Result<Value, EvalError> {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            precision = digits.parse().ok().map(|p: usize| p.min(20));
        }
        let verb = chars.next();
        if verb == Some('%') {
            out.push('%');
            continue;
        }
        let Some(verb) = verb.filter(|v| "sdfvq".contains(*v)) else {
            return Err(Diagnostic::error(
                "invalid-value",
                fmt_span,
                "`format`: unknown verb after `%`",
            )
            .with_help("use %s, %d, %f, %.2f, %v, %q or %%")
            .into());
        };
        let Some(arg) = args.get(next) else {
            return Err(mismatch(fmt_span, format!("`format` needs more arguments: the format has more verbs than the {} argument(s) given", args.len())));
        };
        let span = at(next);
        next += 1;
        match verb {
            'd' => match arg {
                Value::Number(n) if n.fract() == 0.0 => out.push_str(&fmt_number(*n)),
                other => {
                    return Err(mismatch(
                        span,
                        format!("`%d` needs a whole number, found {}", other.describe()),
                    ))
                }
            },
            'f' => match arg {
                Value::Number(n) => out.push_str(&format!("{:.*}", precision.unwrap_or(6), n)),
                other => {
                    return Err(mismatch(
                        span,
                        format!("`%f` needs a number, found {}", other.describe()),
                    ))
                }
            },
            'q' => match to_plain_string(arg) {
                Some(s) => out.push_str(&serde_json::to_string(&s).unwrap_or_default()),
                None => {
                    return Err(mismatch(
                        span,
                        format!("`%q` needs a string, found {}", arg.describe()),
                    ))
                }
            },
            _ => match to_plain_string(arg) {
                Some(s) => out.push_str(&s),
                None => {
                    return Err(mismatch(
                        span,
                        format!("`format` cannot print {}", arg.describe()),
                    ))
                }
            },
        }
    }
    if next < args.len() {
        return Err(mismatch(
            at(next),
            format!(
                "`format` got {} argument(s) but the format uses {}",
                args.len(),
                next
            ),
        ));
    }
    Ok(Value::String(out))
}
