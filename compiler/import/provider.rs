//! `service` and `provider` → the `app` block; `plugins` → what slsc does about each; the
//! adoption map (`app.logical_ids`).

use super::hcl::{Block, H};
use super::vars::snake;
use super::yaml::{Node, Yaml};
use super::Cx;

/// Provider keys that need no attribute: consumed elsewhere (functions, IAM, triggers), or
/// with no effect on what slsc emits.
const CONSUMED: [&str; 21] = [
    "name",
    "stage",
    "region",
    "runtime",
    "memorySize",
    "timeout",
    "environment",
    "tags",
    "stackTags",
    "logRetentionInDays",
    "tracing",
    "architecture",
    "httpApi",
    "iamRoleStatements",
    "iam",
    "vpc",
    "layers",
    "websocketsApiRouteSelectionExpression",
    "lambdaHashingVersion",
    "versionFunctions",
    "reservedConcurrency",
];

/// The value a `${opt:stage, 'dev'}`-style setting falls back to (the text itself when it has
/// no variable); `None` when the fallback is not a quoted value.
fn fallback(s: &str) -> Option<String> {
    if !s.contains("${") {
        return Some(s.to_string());
    }
    let inner = s.strip_prefix("${")?.strip_suffix('}')?;
    let f = inner.rsplit(',').next()?.trim();
    let q = f.trim_matches(['\'', '"']);
    (q.len() + 2 == f.len()).then(|| q.to_string())
}

/// The service, stage and region as imported (before any block: names and lookups use them).
pub fn identity(cx: &mut Cx) {
    let doc = cx.doc;
    let p = doc.get("provider");
    if let Some(n) = doc.get("service") {
        let n = n.get("name").unwrap_or(n);
        if let Some(s) = n.scalar_text().filter(|s| !s.contains("${")) {
            cx.service = s;
        }
    }
    let get = |k: &str| {
        p.and_then(|p| p.get(k))
            .and_then(Node::scalar_text)
            .and_then(|s| fallback(&s))
    };
    if let Some(s) = get("stage") {
        cx.stage = s;
    }
    if let Some(r) = get("region") {
        cx.region = r;
    }
}

/// The `app` block.
pub fn app(cx: &mut Cx, source: &str) -> Block {
    let doc = cx.doc;
    let service = match doc.get("service") {
        Some(n) => n.get("name").unwrap_or(n).scalar_text(),
        None => None,
    }
    .unwrap_or_else(|| "service".into());
    let p = doc.get("provider").expect("checked by import");
    let service = if service.contains("${") {
        let n = doc.get("service").expect("present");
        cx.plain(n, "service").unwrap_or_else(|| "service".into())
    } else {
        service
    };
    cx.service = service.clone();
    let mut app = Block::new("app", Some(&snake(&service)));
    if snake(&service) != service {
        app.comments.push(format!(
            "service \"{service}\": slsc names are [a-z][a-z0-9_]*; physical names keep \"{service}\" (see each `name`)"
        ));
    }
    for (k, dflt) in [("region", "us-east-1"), ("stage", "dev")] {
        let v = match p.get(k) {
            Some(n) => n
                .scalar_text()
                .and_then(|s| fallback(&s))
                .unwrap_or_else(|| {
                    let how = if k == "stage" {
                        ", or pass `--stage`"
                    } else {
                        ""
                    };
                    cx.finding(
                        n,
                        &format!("provider.{k}"),
                        format!("the {k} is computed when Serverless runs"),
                        format!("set `{k}` in the app block (now \"{dflt}\"){how}"),
                    );
                    dflt.into()
                }),
            None => dflt.into(),
        };
        if k == "region" {
            cx.region = v.clone();
        } else {
            cx.stage = v.clone();
        }
        app.set(k, H::str(v));
    }
    if let Some(n) = p.get("runtime") {
        if let Some((rt, note)) = runtime(cx, n, "provider.runtime") {
            match note {
                Some(note) => app.set_noted("runtime", H::str(rt), note),
                None => app.set("runtime", H::str(rt)),
            }
        }
    }
    function_defaults(cx, p, &mut app);
    if source != "." {
        app.set_noted(
            "source_root",
            H::str(source),
            "the functions' code stays where serverless.yml is",
        );
    }
    for (k, v) in p.entries() {
        let Some(key) = k.as_str() else { continue };
        if !CONSUMED.contains(&key) {
            cx.finding(
                k,
                &format!("provider.{key}"),
                format!("`provider.{key}` has no slsc equivalent"),
                not_mapped_help(key),
            );
        }
        let _ = v;
    }
    app
}

/// What to do about a provider key slsc does not map.
fn not_mapped_help(key: &str) -> &'static str {
    match key {
        "apiGateway" | "endpointType" | "apiKeys" | "usagePlan" => "slsc's routes are an HTTP API (API Gateway v2): REST API settings, API keys and usage plans do not apply (docs/language.md, “Not offered”)",
        "deploymentBucket" | "deploymentPrefix" => "slsc deploy uploads artifacts to its own bucket (docs/deploy.md)",
        "profile" | "credentials" => "slsc uses the standard AWS credential chain: set AWS_PROFILE",
        "logs" => "API Gateway access logs are not configurable yet",
        _ => "configure it outside slsc, or with a `resource` block (the escape hatch)",
    }
}

/// The function defaults of the provider: memory, timeout, environment, tags, logs, tracing,
/// architecture, CORS and the route selection expression.
fn function_defaults(cx: &mut Cx, p: &Node, app: &mut Block) {
    for (from, to) in [
        ("memorySize", "memory"),
        ("timeout", "timeout"),
        ("logRetentionInDays", "log_retention"),
    ] {
        if let Some(n) = p.get(from) {
            if let Some(v) = cx.number(n, &format!("provider.{from}")) {
                app.set(to, H::num(v));
            }
        }
    }
    if let Some(n) = p.get("environment") {
        if let Some(v) = cx.value(n, "provider.environment", true) {
            cx.secrets_in(n, &v, "provider.environment");
            app.set("environment", v);
        }
    }
    let mut tags = Vec::new();
    for k in ["stackTags", "tags"] {
        if let Some(n) = p.get(k) {
            if let Some(H::Obj(o)) = cx.value(n, &format!("provider.{k}"), false) {
                for (k, v) in o {
                    tags.retain(|(x, _): &(String, H)| *x != k);
                    tags.push((k, v));
                }
            }
        }
    }
    if !tags.is_empty() {
        app.set("tags", H::Obj(tags));
    }
    if let Some(t) = p.get("tracing").and_then(|t| t.get("lambda")) {
        let on = t.as_bool().unwrap_or(false) || t.as_str() == Some("Active");
        app.set("tracing", H::bool(on));
    }
    if let Some(a) = p.get("architecture").and_then(Node::as_str) {
        app.set("architecture", H::str(a));
    }
    if let Some(c) = p.get("httpApi").and_then(|h| h.get("cors")) {
        if let Some(v) = cors(cx, c) {
            app.set("cors", v);
        }
    }
    if let Some(e) = p
        .get("websocketsApiRouteSelectionExpression")
        .and_then(Node::as_str)
    {
        app.set("websocket_route_selection", H::str(e));
    }
}

/// `httpApi.cors`: `true`, or `{ allowedOrigins, allowedHeaders, allowedMethods, maxAge }`.
pub fn cors(cx: &mut Cx, c: &Node) -> Option<H> {
    if let Some(b) = c.as_bool() {
        return Some(H::bool(b));
    }
    let mut o = Vec::new();
    for (from, to) in [
        ("allowedOrigins", "origins"),
        ("allowedMethods", "methods"),
        ("allowedHeaders", "headers"),
    ] {
        if let Some(v) = c
            .get(from)
            .and_then(|n| cx.value(n, &format!("provider.httpApi.cors.{from}"), false))
        {
            o.push((to.to_string(), v));
        }
    }
    if let Some(m) = c
        .get("maxAge")
        .and_then(|n| cx.number(n, "provider.httpApi.cors.maxAge"))
    {
        o.push(("max_age".into(), H::num(m)));
    }
    for (k, _) in c.entries() {
        let key = k.as_str().unwrap_or_default();
        if ![
            "allowedOrigins",
            "allowedMethods",
            "allowedHeaders",
            "maxAge",
        ]
        .contains(&key)
        {
            cx.finding(
                k,
                &format!("provider.httpApi.cors.{key}"),
                format!("CORS `{key}` is not offered"),
                "slsc's CORS has origins, methods, headers and max_age",
            );
        }
    }
    Some(if o.is_empty() {
        H::bool(true)
    } else {
        H::Obj(o)
    })
}

/// A runtime slsc accepts: the one written, or the newest supported of its family (with a
/// note) when it is deprecated or retired. `None` (with a finding) when unknown.
pub fn runtime(cx: &mut Cx, n: &Node, key: &str) -> Option<(String, Option<String>)> {
    use crate::model::runtimes::{family_of, newest_supported, status, Status};
    let rt = cx.plain(n, key)?;
    let known = crate::model::schema::RUNTIMES.contains(&rt.as_str());
    if known && status(&rt, &cx.today) == Status::Supported {
        return Some((rt, None));
    }
    let Some(newest) = family_of(&rt).and_then(|f| newest_supported(f, &cx.today)) else {
        cx.finding(
            n,
            key,
            format!("the runtime `{rt}` is not one Lambda runs"),
            "set `runtime` by hand",
        );
        return None;
    };
    let why = if known { "is deprecated" } else { "is retired" };
    Some((
        newest.to_string(),
        Some(format!(
            "was {rt}, which {why}: the newest runtime of its family — test the code on it"
        )),
    ))
}

/// The plugins, each with what slsc does about it.
pub fn plugins(cx: &mut Cx) -> Vec<(String, String)> {
    let Some(p) = cx.doc.get("plugins") else {
        return Vec::new();
    };
    let list: Vec<Node> = match &p.value {
        Yaml::Seq(v) => v.clone(),
        Yaml::Map(_) => p
            .get("modules")
            .map(|m| m.items().to_vec())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for n in list {
        let Some(name) = n.as_str() else { continue };
        let (covered, what) = plugin(name);
        if !covered {
            cx.finding(
                &n,
                "plugins",
                format!("plugin `{name}`: {what}"),
                "see IMPORT.md's plugin table",
            );
        }
        out.push((name.to_string(), what.to_string()));
    }
    out
}

/// What a plugin does, and whether slsc covers it.
fn plugin(name: &str) -> (bool, &'static str) {
    match name {
        "serverless-iam-roles-per-function" => (true, "covered: slsc gives every function its own least-privilege role"),
        "serverless-plugin-split-stacks" | "serverless-nested-stack" => (false, "splits large stacks: slsc keeps one stack (nested stacks are planned); check `template-limits`"),
        "serverless-python-requirements" => (false, "installs Python requirements into the package: slsc zips `source` as it is — install them into the source directory (or a `layer`) before building"),
        "serverless-webpack" | "serverless-esbuild" | "serverless-plugin-typescript" | "serverless-bundle" => (false, "bundles the code: slsc zips `source` as it is — build first and point `source` at the output"),
        "serverless-offline" | "serverless-dynamodb-local" | "serverless-s3-local" => (true, "local emulation only: nothing to deploy"),
        "serverless-dotenv-plugin" => (false, "loads .env into the environment: pass the values with `--var`/`--var-file`"),
        "serverless-prune-plugin" => (true, "prunes old Lambda versions: slsc does not publish versions"),
        "serverless-pseudo-parameters" => (true, "covered: `${aws.account_id}`, `${aws.region}` in permissions and environment"),
        "serverless-domain-manager" => (false, "custom domains are not offered yet: add them with a `resource` block"),
        "serverless-step-functions" => (false, "state machines: add them with a `resource` block (AWS::StepFunctions::StateMachine)"),
        _ => (false, "unknown to slsc: check what it changes in the template"),
    }
}

/// `app.logical_ids`, from what the blocks recorded.
pub fn adopt(cx: &mut Cx, app: &mut Block) {
    if cx.adopt.is_empty() {
        return;
    }
    let o = cx
        .adopt
        .iter()
        .map(|(k, v)| (k.clone(), H::str(v.clone())))
        .collect();
    app.set_noted(
        "logical_ids",
        H::Obj(o),
        "the deployed stack's logical IDs, so that switching to slsc replaces nothing (docs/migrating.md)",
    );
}
