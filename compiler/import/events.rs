//! A function's `events` → `trigger` blocks: http and httpApi routes (with authorizers),
//! schedules, sqs, streams (DynamoDB, Kinesis), s3 (a bucket block for the bucket Serverless
//! creates), sns (likewise a topic), websocket routes and eventBridge schedules.

use super::cfn::normalize_resource;
use super::hcl::{Block, Seg, Tpl, H};
use super::vars::snake;
use super::yaml::Node;
use super::{Cx, Target};
use crate::naming::pascal;

/// The triggers of one function's events.
pub fn triggers(cx: &mut Cx, key: &str, fname: &str, events: &Node) -> Vec<Block> {
    let mut out = Vec::new();
    for (i, ev) in events.items().iter().enumerate() {
        let at = format!("functions.{key}.events[{i}]");
        let Some((kind, key_node, v)) = ev
            .entries()
            .first()
            .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), k, v))
        else {
            cx.finding(
                ev,
                &at,
                "an event that is not a mapping",
                "fix serverless.yml",
            );
            continue;
        };
        let at = format!("{at}.{kind}");
        let tname = super::unique(&trigger_name(fname, &kind), |n| cx.triggers.contains(n));
        let mut t = Block::new("trigger", Some(&tname));
        t.set("function", H::expr(format!("function.{fname}")));
        let ok = match kind.as_str() {
            "http" => http(cx, v, &at, &mut t),
            "httpApi" => http_api(cx, v, &at, &mut t),
            "schedule" => schedule(cx, v, &at, &mut t),
            "eventBridge" if v.get("schedule").is_some() && v.get("pattern").is_none() => {
                schedule(cx, v.get("schedule").expect("present"), &at, &mut t)
            }
            "sqs" => sqs(cx, v, &at, &mut t),
            "stream" => stream(cx, v, &at, &mut t),
            "s3" => s3(cx, v, &at, &mut t),
            "sns" => sns(cx, v, &at, &mut t),
            "websocket" => websocket(cx, v, &at, &mut t),
            other => {
                cx.finding(
                    key_node,
                    &at,
                    format!("`{other}` events have no slsc trigger"),
                    unsupported_help(other),
                );
                false
            }
        };
        if ok {
            cx.events_mapped += 1;
            cx.triggers.insert(tname);
            out.push(t);
        }
    }
    out
}

fn unsupported_help(kind: &str) -> &'static str {
    match kind {
        "eventBridge" | "cloudwatchEvent" => "event patterns are not offered: add an AWS::Events::Rule `resource` targeting the function (and an AWS::Lambda::Permission)",
        "cloudwatchLog" => "log subscriptions are not offered: add an AWS::Logs::SubscriptionFilter `resource`",
        "alb" => "load balancer targets are not offered: keep the ALB outside slsc, or use an `http` trigger",
        "iot" | "alexaSkill" | "alexaSmartHome" | "cognitoUserPool" => "add the source and its AWS::Lambda::Permission as `resource` blocks",
        _ => "add the event source as a `resource` block (AWS::Lambda::EventSourceMapping or the service's own resource)",
    }
}

/// `{function}_{kind}`, as an identifier.
fn trigger_name(fname: &str, kind: &str) -> String {
    let k = match kind {
        "httpApi" => "http",
        "eventBridge" => "schedule",
        k => k,
    };
    let mut n = format!("{fname}_{}", snake(k));
    if n.len() > 40 {
        n.truncate(40);
    }
    n.trim_end_matches('_').to_string()
}

/// `"GET /path"` from a method and a path (`any` → `ANY`, a leading `/` added).
fn route(method: &str, path: &str) -> String {
    let m = method.to_ascii_uppercase();
    let p = path.trim();
    let p = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("/{p}")
    };
    let p = if p.len() > 1 {
        p.trim_end_matches('/').to_string()
    } else {
        p
    };
    format!("{m} {p}")
}

/// A REST API (`http`) event: a route of slsc's HTTP API.
fn http(cx: &mut Cx, v: &Node, at: &str, t: &mut Block) -> bool {
    let (method, path) = match v.as_str() {
        Some(s) => match s.split_once(' ') {
            Some((m, p)) => (m.to_string(), p.to_string()),
            None => {
                cx.finding(
                    v,
                    at,
                    "an http event is \"METHOD path\"",
                    "fix serverless.yml",
                );
                return false;
            }
        },
        None => (
            v.get("method")
                .and_then(|m| cx.plain(m, at))
                .unwrap_or_else(|| "ANY".into()),
            v.get("path")
                .and_then(|p| cx.plain(p, at))
                .unwrap_or_else(|| "/".into()),
        ),
    };
    t.set_noted(
        "http",
        H::str(route(&method, &path)),
        "was a REST API (http) event: slsc's routes are an HTTP API (payload 2.0)",
    );
    if v.get("cors").is_some_and(|c| c.as_bool() != Some(false)) {
        cx.http_cors = true;
    }
    if let Some(a) = v.get("authorizer") {
        authorizer(cx, a, at, t, false);
    }
    if v.get("private").and_then(Node::as_bool) == Some(true) {
        cx.finding(
            v,
            &format!("{at}.private"),
            "API keys are a REST API feature: HTTP APIs have none",
            "authorize the route with a Lambda authorizer that checks a key (docs/language.md)",
        );
        t.set("auth", H::str("iam"));
    }
    for (k, _) in v.entries() {
        let key = k.as_str().unwrap_or_default();
        if !["path", "method", "cors", "authorizer", "private"].contains(&key) {
            cx.finding(k, &format!("{at}.{key}"), format!("`{key}` of a REST API event has no HTTP API equivalent"), "HTTP API routes are Lambda proxy integrations: move request/response mapping into the function");
        }
    }
    if !t.has("auth") {
        t.set("auth", H::str("none"));
    }
    true
}

/// An `httpApi` event.
fn http_api(cx: &mut Cx, v: &Node, at: &str, t: &mut Block) -> bool {
    let r = match v.as_str() {
        Some("*") => "$default".to_string(),
        Some(s) => match s.split_once(' ') {
            Some(("*", p)) => route("ANY", p),
            Some((m, p)) => route(m, p),
            None => "$default".into(),
        },
        None => {
            let m = v
                .get("method")
                .and_then(|m| cx.plain(m, at))
                .unwrap_or_else(|| "*".into());
            let p = v.get("path").and_then(|p| cx.plain(p, at));
            match (m.as_str(), p) {
                ("*", None) => "$default".into(),
                ("*", Some(p)) => route("ANY", &p),
                (m, Some(p)) => route(m, &p),
                (_, None) => "$default".into(),
            }
        }
    };
    t.set("http", H::str(r));
    if let Some(a) = v.get("authorizer") {
        authorizer(cx, a, at, t, true);
    }
    if !t.has("auth") {
        t.set("auth", H::str("none"));
    }
    true
}

/// An event's authorizer: IAM, a Lambda authorizer (a function of the file), a JWT (Cognito or
/// `httpApi.authorizers`).
fn authorizer(cx: &mut Cx, a: &Node, at: &str, t: &mut Block, http_api: bool) {
    let at = format!("{at}.authorizer");
    let name = a
        .as_str()
        .map(str::to_string)
        .or_else(|| a.get("name").and_then(|n| cx.plain(n, &at)));
    let type_ = a
        .get("type")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if type_ == "aws_iam" || name.as_deref() == Some("aws_iam") {
        t.set("auth", H::str("iam"));
        return;
    }
    // httpApi: a named authorizer of provider.httpApi.authorizers.
    let declared = name.as_ref().and_then(|n| {
        cx.doc
            .get("provider")?
            .get("httpApi")?
            .get("authorizers")?
            .get(n)
            .cloned()
    });
    if let (true, Some(d)) = (http_api, &declared) {
        if d.get("type").and_then(Node::as_str) == Some("request") {
            let f = d
                .get("functionName")
                .and_then(Node::as_str)
                .and_then(|f| cx.functions.get(f).cloned());
            return lambda(
                cx,
                &at,
                t,
                f,
                d.get("identitySource"),
                d.get("resultTtlInSeconds"),
                d,
            );
        }
        let issuer = d.get("issuerUrl").and_then(|i| cx.text(i, &at));
        let audience = d.get("audience").and_then(|x| cx.value(x, &at, false));
        if let (Some(iss), Some(aud)) = (issuer, audience) {
            let aud = match aud {
                H::List(l) => H::List(l),
                other => H::List(vec![other]),
            };
            t.set("auth", H::str("jwt"));
            t.set(
                "jwt",
                H::Obj(vec![("issuer".into(), iss), ("audience".into(), aud)]),
            );
            return;
        }
    }
    let arn = a
        .get("arn")
        .and_then(|n| cx.plain(n, &at))
        .or_else(|| name.clone().filter(|n| n.starts_with("arn:")));
    if let Some(arn) = arn.filter(|a| a.contains(":cognito-idp:")) {
        let (region, pool) = cognito_pool(&arn).unwrap_or_default();
        let v = cx.declare_variable(
            "cognito_app_client_id",
            H::str(""),
            "the Cognito app client id the tokens are issued for (a JWT audience)".into(),
        );
        cx.finding(a, &at, "a Cognito user-pool authorizer becomes a JWT authorizer, which also checks the token's audience", format!("set `--var {v}=APP_CLIENT_ID`"));
        let mut iss = Tpl::text(format!("https://cognito-idp.{region}.amazonaws.com/{pool}"));
        if region.is_empty() {
            iss = Tpl::text(arn.clone());
        }
        t.set("auth", H::str("jwt"));
        t.set(
            "jwt",
            H::Obj(vec![
                ("issuer".into(), H::Str(iss)),
                (
                    "audience".into(),
                    H::List(vec![H::expr(format!("var.{v}"))]),
                ),
            ]),
        );
        return;
    }
    let f = name.as_ref().and_then(|n| cx.functions.get(n).cloned());
    if f.is_some() {
        let identity = a.get("identitySource");
        return lambda(cx, &at, t, f, identity, a.get("resultTtlInSeconds"), a);
    }
    cx.finding(
        a,
        &at,
        "the authorizer is not a function of this file, IAM, Cognito or a JWT issuer",
        "write `auth` and `authorizer`/`jwt` by hand (the route is IAM-authorized meanwhile)",
    );
    t.set("auth", H::str("iam"));
}

/// `arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL` → (region, pool id).
fn cognito_pool(arn: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = arn.split(':').collect();
    let pool = parts.get(5)?.strip_prefix("userpool/")?;
    Some((parts.get(3)?.to_string(), pool.to_string()))
}

/// A Lambda authorizer on a route (`method.request.header.X` spelt as the HTTP API does).
fn lambda(
    cx: &mut Cx,
    at: &str,
    t: &mut Block,
    f: Option<String>,
    identity: Option<&Node>,
    ttl: Option<&Node>,
    at_node: &Node,
) {
    let Some(f) = f else {
        cx.finding(
            at_node,
            at,
            "the authorizer's function is not one of this file's",
            "write `authorizer` by hand (the route is IAM-authorized meanwhile)",
        );
        t.set("auth", H::str("iam"));
        return;
    };
    let mut o = vec![("function".to_string(), H::expr(format!("function.{f}")))];
    let sources: Vec<String> = match identity {
        Some(n) => match n.as_str() {
            Some(s) => s.split(',').map(|x| x.trim().to_string()).collect(),
            None => n
                .items()
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
        },
        None => Vec::new(),
    };
    let sources: Vec<H> = sources
        .iter()
        .map(|s| {
            H::str(
                s.replace("method.request.header.", "$request.header.")
                    .replace("method.request.querystring.", "$request.querystring."),
            )
        })
        .collect();
    if !sources.is_empty() {
        o.push(("identity".into(), H::List(sources)));
    }
    if let Some(s) = ttl.and_then(|n| cx.number(n, at)) {
        o.push(("ttl".into(), H::num(s.min(3600.0))));
    }
    t.set("auth", H::str("lambda"));
    t.set_noted(
        "authorizer",
        H::Obj(o),
        "the authorizer now receives HTTP API (payload 2.0) requests",
    );
}

/// `schedule: rate(…)` or `{ rate, input, enabled }` (the first rate of a list; the others
/// are findings).
fn schedule(cx: &mut Cx, v: &Node, at: &str, t: &mut Block) -> bool {
    let rate = match v.get("rate") {
        Some(r) => r,
        None => v,
    };
    let rate = match rate.items().first() {
        Some(first) => {
            if rate.items().len() > 1 {
                cx.finding(
                    rate,
                    at,
                    "only the first of several rates is imported",
                    "add a trigger per other rate",
                );
            }
            first
        }
        None => rate,
    };
    let Some(expr) = cx.plain(rate, at) else {
        cx.finding(
            rate,
            at,
            "the schedule expression is computed when Serverless runs",
            "write `schedule` by hand",
        );
        return false;
    };
    if v.get("enabled").and_then(Node::as_bool) == Some(false) {
        cx.finding(
            v,
            &format!("{at}.enabled"),
            "a disabled schedule: slsc has no disabled trigger",
            "it is not imported; add it when it should run",
        );
        return false;
    }
    t.set("schedule", H::str(expr));
    if let Some(i) = v.get("input") {
        if let Some(x) = cx.value(i, &format!("{at}.input"), false) {
            t.set("input", x);
        }
    }
    true
}

/// The block a reference expression names (`queue.jobs.arn` → (`queue`, `jobs`)).
fn referenced(h: &H) -> Option<(String, String)> {
    let H::Str(t) = h else { return None };
    let [Seg::Expr { expr, .. }] = t.0.as_slice() else {
        return None;
    };
    let mut p = expr.split('.');
    Some((p.next()?.to_string(), p.next()?.to_string()))
}

/// An `sqs` event.
fn sqs(cx: &mut Cx, v: &Node, at: &str, t: &mut Block) -> bool {
    let arn = v.get("arn").unwrap_or(v);
    match cx.value(arn, at, true).as_ref().and_then(referenced) {
        Some((k, q)) if k == "queue" => t.set("source", H::expr(format!("queue.{q}"))),
        _ => {
            cx.finding(
                arn,
                at,
                "the queue is not declared in this file (slsc triggers from its own queues)",
                "declare the queue (`queue` block with its `name`) and set `source`",
            );
            return false;
        }
    }
    for (from, to) in [
        ("batchSize", "batch_size"),
        ("maximumBatchingWindow", "batch_window"),
        ("maximumConcurrency", "max_concurrency"),
    ] {
        if let Some(n) = v
            .get(from)
            .and_then(|n| cx.number(n, &format!("{at}.{from}")))
        {
            t.set(to, H::num(n));
        }
    }
    if v.get("functionResponseType").and_then(Node::as_str) == Some("ReportBatchItemFailures") {
        t.set("partial_failures", H::bool(true));
    }
    true
}

/// A `stream` event (DynamoDB or Kinesis).
fn stream(cx: &mut Cx, v: &Node, at: &str, t: &mut Block) -> bool {
    let arn = v.get("arn").unwrap_or(v);
    match cx.value(arn, at, true).as_ref().and_then(referenced) {
        Some((k, n)) if k == "database" || k == "stream" => {
            t.set("source", H::expr(format!("{k}.{n}")))
        }
        _ => {
            cx.finding(
                arn,
                at,
                "the stream is not a table or a Kinesis stream declared in this file",
                "declare it (`database` or `stream` block) and set `source`",
            );
            return false;
        }
    }
    for (from, to) in [
        ("batchSize", "batch_size"),
        ("maximumRetryAttempts", "retries"),
        ("batchWindow", "batch_window"),
        ("parallelizationFactor", "parallelization"),
    ] {
        if let Some(n) = v
            .get(from)
            .and_then(|n| cx.number(n, &format!("{at}.{from}")))
        {
            t.set(to, H::num(n));
        }
    }
    if let Some(p) = v.get("startingPosition").and_then(Node::as_str) {
        t.set("starting_position", H::str(p.to_ascii_lowercase()));
    }
    if let Some(of) = v.get("destinations").and_then(|d| d.get("onFailure")) {
        let arn = of.get("arn").unwrap_or(of);
        match cx.value(arn, at, true).as_ref().and_then(referenced) {
            Some((k, n)) if k == "queue" || k == "topic" => {
                t.set("on_failure", H::expr(format!("{k}.{n}")))
            }
            _ => cx.finding(
                of,
                &format!("{at}.destinations.onFailure"),
                "the failure destination is not declared in this file",
                "declare it and set `on_failure`",
            ),
        }
    }
    true
}

/// An `s3` event: the bucket Serverless creates for it (`S3Bucket{Name}`), unless the file
/// declares it; `existing: true` buckets are declared too, with a finding.
fn s3(cx: &mut Cx, v: &Node, at: &str, t: &mut Block) -> bool {
    let bucket_node = v.get("bucket").unwrap_or(v);
    let Some(bucket) = cx.plain(bucket_node, at) else {
        match cx
            .value(bucket_node, at, true)
            .as_ref()
            .and_then(referenced)
        {
            Some((k, b)) if k == "bucket" => {
                t.set("source", H::expr(format!("bucket.{b}")));
                return s3_filters(cx, v, at, t);
            }
            Some((k, _)) if k != "var" && k != "local" => {
                cx.finding(
                    bucket_node,
                    at,
                    "the bucket is named by a reference slsc cannot follow",
                    "declare the bucket and set `source`",
                );
                return false;
            }
            _ => {
                // A name from a variable: the bucket is declared with it (its logical ID in
                // the deployed stack depends on the value, so it is not adopted).
                let Some(text) = cx.text(bucket_node, at) else {
                    return false;
                };
                let name = super::unique("bucket", |n| {
                    cx.logical
                        .values()
                        .any(|t| t.kind == "bucket" && t.name == n)
                });
                let mut b = Block::new("bucket", Some(&name));
                b.set_noted(
                    "name",
                    text,
                    "the bucket the Serverless Framework created for the s3 event",
                );
                cx.logical.insert(
                    format!("S3Bucket{name}"),
                    Target {
                        kind: "bucket",
                        name: name.clone(),
                    },
                );
                cx.extra.push(b);
                t.set("source", H::expr(format!("bucket.{name}")));
                return s3_filters(cx, v, at, t);
            }
        }
    };
    let id = format!("S3Bucket{}", normalize_resource(&bucket));
    let name = match cx.logical.get(&id) {
        Some(t) => t.name.clone(),
        None => {
            let text = cx
                .text(bucket_node, at)
                .unwrap_or_else(|| H::str(bucket.clone()));
            let existing = v.get("existing").and_then(Node::as_bool) == Some(true);
            if existing {
                cx.finding(v, &format!("{at}.existing"), "the bucket exists outside the stack, and slsc manages the buckets it triggers from", "import the bucket into the stack first (a CloudFormation IMPORT change set), or keep this trigger outside slsc");
            }
            let what = "the bucket the Serverless Framework created for the s3 event";
            let r = EventResource {
                kind: "bucket",
                suffix: "Bucket",
                id,
                base: &bucket,
                text,
                what,
            };
            event_resource(
                cx,
                r,
                !existing,
                existing.then_some("existing: the bucket was created outside the stack"),
            )
        }
    };
    t.set("source", H::expr(format!("bucket.{name}")));
    s3_filters(cx, v, at, t)
}

fn s3_filters(cx: &mut Cx, v: &Node, at: &str, t: &mut Block) -> bool {
    if let Some(e) = v.get("event").and_then(|e| cx.plain(e, at)) {
        let ev = if e.starts_with("s3:ObjectRemoved") {
            "removed"
        } else {
            "created"
        };
        if !e.ends_with(":*") {
            t.set_noted(
                "events",
                H::List(vec![H::str(ev)]),
                format!("was {e}: slsc triggers on every {ev} event"),
            );
        } else {
            t.set("events", H::List(vec![H::str(ev)]));
        }
    }
    for r in v.get("rules").map(Node::items).unwrap_or_default() {
        for (k, x) in r.entries() {
            if let (Some(k @ ("prefix" | "suffix")), Some(x)) = (k.as_str(), x.as_str()) {
                t.set(k, H::str(x));
            }
        }
    }
    true
}

/// An `sns` event: a topic of the file, or the one Serverless creates (`SNSTopic{Name}`).
fn sns(cx: &mut Cx, v: &Node, at: &str, t: &mut Block) -> bool {
    let arn = v
        .get("arn")
        .or_else(|| v.as_str().filter(|s| s.starts_with("arn:")).map(|_| v));
    let topic = match arn {
        Some(a) => match cx.value(a, at, true).as_ref().and_then(referenced) {
            Some((k, n)) if k == "topic" => n,
            _ => {
                cx.finding(
                    a,
                    at,
                    "the topic is not declared in this file",
                    "declare it (`topic` with its `name`) and set `source`",
                );
                return false;
            }
        },
        None => {
            let tn = v.get("topicName").unwrap_or(v);
            let Some(name) = cx.plain(tn, at) else {
                cx.finding(
                    tn,
                    at,
                    "the topic's name is computed when Serverless runs",
                    "declare the topic and set `source`",
                );
                return false;
            };
            let id = format!("SNSTopic{}", normalize_resource(&name));
            match cx.logical.get(&id) {
                Some(t) => t.name.clone(),
                None => {
                    let text = cx.text(tn, at).unwrap_or_else(|| H::str(name.clone()));
                    let what = "the topic the Serverless Framework created for the sns event";
                    let r = EventResource {
                        kind: "topic",
                        suffix: "Topic",
                        id,
                        base: &name,
                        text,
                        what,
                    };
                    event_resource(cx, r, true, None)
                }
            }
        }
    };
    t.set("source", H::expr(format!("topic.{topic}")));
    if let Some(f) = v.get("filterPolicy") {
        if let Some(x) = cx.value(f, &format!("{at}.filterPolicy"), false) {
            t.set("filter", x);
        }
    }
    true
}

/// A block the Serverless Framework creates for an event (an `s3` event's bucket, an `sns`
/// event's topic), under its logical ID in the deployed stack.
struct EventResource<'a> {
    kind: &'static str,
    /// slsc's logical-ID suffix for the kind.
    suffix: &'static str,
    /// Serverless's logical ID (`S3BucketUploads`, `SNSTopicOrders`).
    id: String,
    /// The physical name the block name is made from.
    base: &'a str,
    /// The `name` attribute.
    text: H,
    /// The comment on `name`.
    what: &'static str,
}

/// Declares an [`EventResource`] (adopting its logical ID when `adopt`); its block name.
fn event_resource(cx: &mut Cx, r: EventResource, adopt: bool, comment: Option<&str>) -> String {
    let name = super::unique(&snake(r.base), |n| {
        cx.logical.values().any(|t| t.kind == r.kind && t.name == n)
    });
    let mut b = Block::new(r.kind, Some(&name));
    b.comments.extend(comment.map(str::to_string));
    b.set_noted("name", r.text, r.what);
    let own = format!("{}{}", pascal(&name), r.suffix);
    if adopt && own != r.id {
        cx.adopt.insert(own, r.id.clone());
    }
    cx.logical.insert(
        r.id,
        Target {
            kind: r.kind,
            name: name.clone(),
        },
    );
    cx.extra.push(b);
    name
}

/// A `websocket` event.
fn websocket(cx: &mut Cx, v: &Node, at: &str, t: &mut Block) -> bool {
    let route = v
        .as_str()
        .map(str::to_string)
        .or_else(|| v.get("route").and_then(|r| cx.plain(r, at)));
    let Some(route) = route else {
        cx.finding(
            v,
            at,
            "a websocket event without a route",
            "fix serverless.yml",
        );
        return false;
    };
    t.set("websocket", H::str(route.clone()));
    if let Some(a) = v.get("authorizer") {
        let name = a
            .as_str()
            .map(str::to_string)
            .or_else(|| a.get("name").and_then(|n| cx.plain(n, at)));
        let f = name.and_then(|n| cx.functions.get(&n).cloned());
        let mut o = Vec::new();
        if let Some(f) = f {
            o.push(("function".to_string(), H::expr(format!("function.{f}"))));
            let ids: Vec<H> = a
                .get("identitySource")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|x| x.as_str().map(H::str))
                .collect();
            if !ids.is_empty() {
                o.push(("identity".into(), H::List(ids)));
            }
            t.set("auth", H::str("lambda"));
            t.set("authorizer", H::Obj(o));
        } else {
            cx.finding(
                a,
                &format!("{at}.authorizer"),
                "the authorizer is not a function of this file",
                "write `auth`/`authorizer` by hand (the route is IAM-authorized meanwhile)",
            );
            t.set("auth", H::str("iam"));
        }
    } else if route == "$connect" {
        t.set("auth", H::str("none"));
    }
    true
}
