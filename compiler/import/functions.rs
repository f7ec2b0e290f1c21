//! `functions` → `function` blocks (their events become triggers, `events.rs`), and `layers`
//! → `layer` blocks.

use super::cfn::normalize;
use super::hcl::{Block, H};
use super::vars::snake;
use super::yaml::Node;
use super::{Cx, Project, Summary, Target};
use crate::naming::pascal;

/// Function keys that need no finding: mapped here, in `events.rs`, or in `iam.rs`.
const MAPPED: [&str; 22] = [
    "handler",
    "name",
    "runtime",
    "memorySize",
    "timeout",
    "reservedConcurrency",
    "environment",
    "description",
    "tags",
    "layers",
    "vpc",
    "events",
    "package",
    "tracing",
    "architecture",
    "maximumRetryAttempts",
    "destinations",
    "iamRoleStatements",
    "iamRoleStatementsName",
    "iamRoleStatementsInherit",
    "image",
    "onError",
];

/// Registers every function's logical ID and the adoption renames (function and log group).
pub fn register(cx: &mut Cx) {
    let Some(fns) = cx.doc.get("functions") else {
        return;
    };
    for (k, _) in fns.entries() {
        let Some(key) = k.as_str() else { continue };
        let name = super::unique(&snake(key), |n| cx.functions.values().any(|f| f == n));
        let n = normalize(key);
        let own = pascal(&name);
        cx.adopt
            .insert(format!("{own}Function"), format!("{n}LambdaFunction"));
        cx.adopt
            .insert(format!("{own}FunctionLogGroup"), format!("{n}LogGroup"));
        cx.logical.insert(
            format!("{n}LambdaFunction"),
            Target {
                kind: "function",
                name: name.clone(),
            },
        );
        cx.functions.insert(key.to_string(), name);
    }
    if let Some(layers) = cx.doc.get("layers") {
        for (k, l) in layers.entries() {
            let Some(key) = k.as_str() else { continue };
            let path = l
                .get("path")
                .and_then(|p| cx.plain(p, "layers"))
                .unwrap_or_else(|| ".".into());
            if !cx.dir.join(&path).is_dir() {
                cx.finding(l, &format!("layers.{key}"), format!("the layer's directory `{path}` does not exist yet (it is built before packaging)"), "build it, then add `layer` block with `source` pointing at it (docs/language.md)");
                continue;
            }
            let name = snake(key);
            cx.logical.insert(
                format!("{}LambdaLayer", normalize(key)),
                Target {
                    kind: "layer",
                    name,
                },
            );
        }
    }
}

/// The function blocks, each with its triggers, and the layer blocks (first).
pub fn blocks(cx: &mut Cx, source: &str) -> Vec<(Block, Vec<Block>)> {
    let mut out = layers(cx, source);
    let Some(fns) = cx.doc.get("functions") else {
        return out;
    };
    for (k, f) in fns.entries() {
        let Some(key) = k.as_str() else { continue };
        let Some(name) = cx.functions.get(key).cloned() else {
            continue;
        };
        let b = function(cx, key, &name, f, source);
        let triggers = f
            .get("events")
            .map(|e| super::events::triggers(cx, key, &name, e))
            .unwrap_or_default();
        out.push((b, triggers));
    }
    out
}

/// One function.
fn function(cx: &mut Cx, key: &str, name: &str, f: &Node, source: &str) -> Block {
    let at = format!("functions.{key}");
    let mut b = Block::new("function", Some(name));
    physical_name(cx, key, name, f, &mut b);
    match f.get("handler") {
        Some(h) => {
            if let Some(v) = cx.text(h, &format!("{at}.handler")) {
                b.set("handler", v);
            }
        }
        None => {
            let why = if f.get("image").is_some() {
                "a container image function: slsc packages zips only"
            } else {
                "a function without a handler"
            };
            cx.finding(f, &at, why, "write the handler (and `source`) by hand");
            b.set("handler", H::str("index.handler"));
        }
    }
    code(cx, f, &at, source, &mut b);
    if let Some(n) = f.get("runtime") {
        if let Some((rt, note)) = super::provider::runtime(cx, n, &format!("{at}.runtime")) {
            match note {
                Some(note) => b.set_noted("runtime", H::str(rt), note),
                None => b.set("runtime", H::str(rt)),
            }
        }
    }
    for (from, to) in [
        ("memorySize", "memory"),
        ("timeout", "timeout"),
        ("reservedConcurrency", "concurrency"),
        ("maximumRetryAttempts", "retries"),
    ] {
        if let Some(n) = f.get(from) {
            if let Some(v) = cx.number(n, &format!("{at}.{from}")) {
                b.set(to, H::num(v));
            }
        }
    }
    if let Some(n) = cx
        .doc
        .get("provider")
        .and_then(|p| p.get("reservedConcurrency"))
    {
        if !b.has("concurrency") {
            if let Some(v) = cx.number(n, "provider.reservedConcurrency") {
                b.set("concurrency", H::num(v));
            }
        }
    }
    for (from, to, deploy) in [
        ("environment", "environment", true),
        ("description", "description", false),
        ("architecture", "architecture", false),
    ] {
        if let Some(n) = f.get(from) {
            if let Some(v) = cx.value(n, &format!("{at}.{from}"), deploy) {
                if from == "environment" {
                    cx.secrets_in(n, &v, &format!("{at}.environment"));
                }
                b.set(to, v);
            }
        }
    }
    if let Some(t) = f.get("tags") {
        if let Some(v) = cx.value(t, &format!("{at}.tags"), false) {
            b.set("tags", v);
        }
    }
    if let Some(t) = f.get("tracing") {
        b.set(
            "tracing",
            H::bool(t.as_bool().unwrap_or(false) || t.as_str() == Some("Active")),
        );
    }
    extras(cx, f, &at, &mut b);
    for (k, _) in f.entries() {
        let kk = k.as_str().unwrap_or_default();
        if !MAPPED.contains(&kk) {
            cx.finding(
                k,
                &format!("{at}.{kk}"),
                format!("`{kk}` has no slsc equivalent"),
                "configure it by hand, or leave it out",
            );
        }
    }
    b
}

/// The name Serverless gives the function (`{service}-{stage}-{key}`, or its `name`), written
/// when slsc's own (`{app}-{stage}-{name}`) would differ.
fn physical_name(cx: &mut Cx, key: &str, name: &str, f: &Node, b: &mut Block) {
    if let Some(n) = f.get("name") {
        if let Some(v) = cx.text(n, &format!("functions.{key}.name")) {
            b.set_noted("name", v, "the deployed function's name");
        }
        return;
    }
    let app = snake(&cx.service);
    if app == cx.service && name == key {
        return;
    }
    let full = format!("{}-{}-{key}", cx.service, cx.stage);
    let mut service = cx.service.clone();
    if full.len() > 64 {
        // Lambda refuses it (and so did the Serverless deploy): the service part is shortened.
        let over = full.len() - 64;
        // By characters: the service's name may hold any (the result is checked as a name).
        let keep = service.chars().count().saturating_sub(over);
        service = service.chars().take(keep).collect();
        cx.finding(f, &format!("functions.{key}"), format!("the name Serverless gives this function, `{full}`, is {} characters: Lambda allows 64", full.len()), format!("imported as `{service}-{}-{key}`; choose a shorter `name` if you prefer", cx.stage));
    }
    let mut t = super::hcl::Tpl::text(format!("{service}-"));
    t.push(super::hcl::Seg::Expr {
        expr: "app.stage".into(),
        deploy: false,
    });
    t.push(super::hcl::Seg::Text(format!("-{key}")));
    b.set_noted(
        "name",
        H::Str(t),
        "the name Serverless gave it ({service}-{stage}-{function})",
    );
}

/// `source` / `artifact`, and `package.patterns` as `include`/`exclude`.
fn code(cx: &mut Cx, f: &Node, at: &str, source: &str, b: &mut Block) {
    let pkg = f.get("package");
    let artifact = pkg
        .and_then(|p| p.get("artifact"))
        .and_then(|a| cx.plain(a, at));
    match artifact {
        Some(a) if cx.dir.join(&a).is_file() => {
            let path = if source == "." {
                a
            } else {
                format!("{source}/{a}")
            };
            b.set("artifact", H::str(path));
            return;
        }
        Some(a) => {
            let n = pkg.and_then(|p| p.get("artifact")).expect("present");
            cx.finding(
                n,
                &format!("{at}.package.artifact"),
                format!("the artifact `{a}` does not exist yet (it is built before packaging)"),
                "build it, then replace `source` with `artifact`",
            );
        }
        None => {}
    }
    if source != "." {
        b.set("source", H::str(source));
    }
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for k in ["patterns", "include", "exclude"] {
        for p in pkg
            .and_then(|p| p.get(k))
            .map(Node::items)
            .unwrap_or_default()
        {
            let Some(s) = p.as_str() else { continue };
            match (k, s.strip_prefix('!')) {
                ("exclude", _) => exclude.push(H::str(s)),
                (_, Some(neg)) => exclude.push(H::str(neg)),
                _ => include.push(H::str(s)),
            }
        }
    }
    if !exclude.is_empty() {
        b.set_noted(
            "exclude",
            H::List(exclude),
            "from package.patterns: slsc's globs are relative to `source`",
        );
    }
    if !include.is_empty() {
        b.set("include", H::List(include));
    }
}

/// `layers`, `vpc` (the function's or the provider's) and `destinations.onFailure`.
fn extras(cx: &mut Cx, f: &Node, at: &str, b: &mut Block) {
    let provider = cx.doc.get("provider");
    if let Some(l) = f
        .get("layers")
        .or_else(|| provider.and_then(|p| p.get("layers")))
    {
        if let Some(H::List(items)) = cx.value(l, &format!("{at}.layers"), true) {
            let items = items
                .into_iter()
                .map(|i| match i {
                    H::Str(t) => match t.0.as_slice() {
                        [super::hcl::Seg::Expr { expr, .. }] if expr.starts_with("layer.") => {
                            H::expr(
                                expr.trim_end_matches(".arn")
                                    .trim_end_matches(".name")
                                    .to_string(),
                            )
                        }
                        _ => H::Str(t),
                    },
                    other => other,
                })
                .collect();
            b.set("layers", H::List(items));
        }
    }
    if let Some(v) = f.get("vpc").or_else(|| provider.and_then(|p| p.get("vpc"))) {
        let sg = v
            .get("securityGroupIds")
            .and_then(|n| cx.value(n, &format!("{at}.vpc"), false));
        let sn = v
            .get("subnetIds")
            .and_then(|n| cx.value(n, &format!("{at}.vpc"), false));
        if let (Some(sg), Some(sn)) = (sg, sn) {
            b.set(
                "vpc",
                H::Obj(vec![
                    ("subnet_ids".into(), sn),
                    ("security_group_ids".into(), sg),
                ]),
            );
        }
    }
    if let Some(d) = f.get("destinations") {
        if let Some(of) = d.get("onFailure") {
            let arn = of.get("arn").unwrap_or(of);
            failure_target(
                cx,
                b,
                arn,
                &format!("{at}.destinations.onFailure"),
                "on_failure",
            );
        }
        if d.get("onSuccess").is_some() {
            cx.finding(
                d,
                &format!("{at}.destinations.onSuccess"),
                "success destinations are not offered",
                "invoke or send from the function instead",
            );
        }
    }
    // `onError`: Lambda's dead-letter target (an SNS topic in Serverless v3).
    if let Some(e) = f.get("onError") {
        failure_target(cx, b, e, &format!("{at}.onError"), "dead_letter");
    }
}

/// A failure destination or dead-letter target (`attr`) that names one of the file's queues or
/// topics by ARN; anything else is a finding.
fn failure_target(cx: &mut Cx, b: &mut Block, arn: &Node, at: &str, attr: &str) {
    let Some(H::Str(t)) = cx.value(arn, at, true) else {
        return;
    };
    match t.0.as_slice() {
        [super::hcl::Seg::Expr { expr, .. }]
            if expr.ends_with(".arn")
                && (expr.starts_with("queue.") || expr.starts_with("topic.")) =>
        {
            b.set(attr, H::expr(expr.trim_end_matches(".arn").to_string()));
        }
        _ => cx.finding(
            arn,
            at,
            "the target is not one of the file's queues or topics",
            format!("declare it and set `{attr}`"),
        ),
    }
}

/// `layers:` → `layer` blocks.
fn layers(cx: &mut Cx, source: &str) -> Vec<(Block, Vec<Block>)> {
    let Some(layers) = cx.doc.get("layers") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, l) in layers.entries() {
        let Some(key) = k.as_str() else { continue };
        if !cx
            .logical
            .contains_key(&format!("{}LambdaLayer", normalize(key)))
        {
            continue;
        }
        let at = format!("layers.{key}");
        let mut b = Block::new("layer", Some(&snake(key)));
        let path = l
            .get("path")
            .and_then(|p| cx.plain(p, &at))
            .unwrap_or_else(|| ".".into());
        let path = if source == "." {
            path
        } else {
            format!("{source}/{path}")
        };
        b.set("source", H::str(path));
        if let Some(r) = l
            .get("compatibleRuntimes")
            .and_then(|r| cx.value(r, &at, false))
        {
            b.set("compatible_runtimes", r);
        }
        if let Some(d) = l.get("description").and_then(|d| cx.plain(d, &at)) {
            b.set("description", H::str(d));
        }
        out.push((b, Vec::new()));
    }
    out
}

/// How many functions and events there were, and how many became blocks.
pub fn summary(cx: &Cx, p: &Project) -> Summary {
    let fns = cx
        .doc
        .get("functions")
        .map(|f| f.entries().len())
        .unwrap_or(0);
    let events: usize = cx
        .doc
        .get("functions")
        .map(|f| {
            f.entries()
                .iter()
                .map(|(_, v)| v.get("events").map(|e| e.items().len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0);
    Summary {
        functions: fns,
        functions_mapped: p
            .functions
            .iter()
            .filter(|(b, _)| b.kind == "function")
            .count(),
        events,
        events_mapped: cx.events_mapped,
        plugins: Vec::new(),
    }
}
