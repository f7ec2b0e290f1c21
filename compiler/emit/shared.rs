//! What every target emits the same way: decisions, not syntax.
//!
//! ARNs, URLs and deploy-time values are described as [`Piece`]s (literal text and values known
//! only at deploy time: the partition, region, account id, the HTTP API's id, a table's stream
//! ARN); each target renders pieces in its own syntax (`Fn::Sub` for CloudFormation). Tags, alarm
//! metrics, S3 event names, CORS and route source paths are decided here once.

use super::iam::Arn;
use crate::model::{
    AwsValue, Block, BlockKind, BucketName, Model, Part, RefKind, TriggerSource, Value,
};
use std::collections::BTreeMap;

/// A piece of a string that may be known only at deploy time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Piece {
    Text(String),
    Partition,
    Region,
    AccountId,
    UrlSuffix,
    /// The shared HTTP API's id.
    ApiId,
    /// The shared WebSocket API's id.
    WebsocketApiId,
    /// The stream ARN of a table (by block name).
    TableStreamArn(String),
    /// An attribute of a raw resource (by block name): `arn` or `id`.
    Raw(String, String),
    /// The version ARN of a layer (by block name).
    LayerArn(String),
}

fn t(s: impl Into<String>) -> Piece {
    Piece::Text(s.into())
}

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:`
fn arn_head(service: &str, regional: bool) -> Vec<Piece> {
    let mut v = vec![t("arn:"), Piece::Partition, t(format!(":{service}:"))];
    if regional {
        v.extend([Piece::Region, t(":"), Piece::AccountId, t(":")]);
    } else {
        v.push(t("::"));
    }
    v
}

/// The pieces of an ARN (`None` for `*` and user-written literals, which targets emit as is).
pub fn arn_pieces(a: &Arn) -> Option<Vec<Piece>> {
    let mut v = match a {
        Arn::Any | Arn::Literal(_) => return None,
        Arn::Pieces(p) => return Some(p.clone()),
        Arn::Function(n) => [arn_head("lambda", true), vec![t(format!("function:{n}"))]].concat(),
        Arn::Queue(n) => [arn_head("sqs", true), vec![t(n.clone())]].concat(),
        Arn::Table(n) => [arn_head("dynamodb", true), vec![t(format!("table/{n}"))]].concat(),
        Arn::Stream(n) => [arn_head("kinesis", true), vec![t(format!("stream/{n}"))]].concat(),
        Arn::TableIndexes(n) => [
            arn_head("dynamodb", true),
            vec![t(format!("table/{n}/index/*"))],
        ]
        .concat(),
        Arn::TableStreams(n) => [
            arn_head("dynamodb", true),
            vec![t(format!("table/{n}/stream/*"))],
        ]
        .concat(),
        Arn::Bucket(n) => [arn_head("s3", false), bucket_name_pieces(n)].concat(),
        Arn::BucketObjects(n, prefix) => [
            arn_head("s3", false),
            bucket_name_pieces(n),
            vec![t(format!("/{prefix}*"))],
        ]
        .concat(),
        Arn::Topic(n) => [arn_head("sns", true), vec![t(n.clone())]].concat(),
        Arn::LogGroup(f) => [
            arn_head("logs", true),
            vec![t(format!("log-group:/aws/lambda/{f}:*"))],
        ]
        .concat(),
        Arn::Connections(stage) => [
            arn_head("execute-api", true),
            vec![
                Piece::WebsocketApiId,
                t(format!("/{stage}/*/@connections/*")),
            ],
        ]
        .concat(),
        Arn::Secret(s) => [
            arn_head("secretsmanager", true),
            vec![t(format!("secret:{s}-??????"))],
        ]
        .concat(),
        Arn::Parameter(s) => [
            arn_head("ssm", true),
            vec![t(format!("parameter/{}", s.trim_start_matches('/')))],
        ]
        .concat(),
    };
    merge_text(&mut v);
    Some(v)
}

/// A bucket's name: an explicit one as written; a derived one is global across accounts, so it
/// ends with the account id: `{app}-{stage}-{name}-{account id}`.
pub fn bucket_name_pieces(name: &BucketName) -> Vec<Piece> {
    if name.account_suffix {
        vec![t(format!("{}-", name.base)), Piece::AccountId]
    } else {
        vec![t(name.base.clone())]
    }
}

/// The HTTP API's URL (no trailing slash).
pub fn http_url_pieces() -> Vec<Piece> {
    vec![
        t("https://"),
        Piece::ApiId,
        t(".execute-api."),
        Piece::Region,
        t("."),
        Piece::UrlSuffix,
    ]
}

/// The WebSocket API's stage URL: `wss://` for clients (`websocket.url`), `https://` for
/// posting to connections (`websocket.endpoint`).
pub fn websocket_url_pieces(scheme: &str, stage: &str) -> Vec<Piece> {
    vec![
        t(format!("{scheme}://")),
        Piece::WebsocketApiId,
        t(".execute-api."),
        Piece::Region,
        t("."),
        Piece::UrlSuffix,
        t(format!("/{stage}")),
    ]
}

/// A queue's URL.
pub fn queue_url_pieces(queue: &str) -> Vec<Piece> {
    vec![
        t("https://sqs."),
        Piece::Region,
        t("."),
        Piece::UrlSuffix,
        t("/"),
        Piece::AccountId,
        t(format!("/{queue}")),
    ]
}

/// The pieces of a deploy-time value (`queue.q.url`, `"${http.url}/hooks"`, `secret("x")`…).
pub fn deploy_pieces(model: &Model, parts: &[Part]) -> Vec<Piece> {
    let mut v = Vec::new();
    for p in parts {
        match p {
            Part::Lit(l) => v.push(t(l.clone())),
            // The function receives the secret's name or the parameter's path.
            Part::Secret(n) | Part::Ssm(n) => v.push(t(n.clone())),
            Part::HttpUrl => v.extend(http_url_pieces()),
            Part::WebsocketUrl => v.extend(websocket_url_pieces("wss", &model.stage)),
            Part::WebsocketEndpoint => v.extend(websocket_url_pieces("https", &model.stage)),
            Part::Aws(a) => v.push(match a {
                AwsValue::AccountId => Piece::AccountId,
                AwsValue::Partition => Piece::Partition,
                AwsValue::Region => Piece::Region,
                AwsValue::UrlSuffix => Piece::UrlSuffix,
            }),
            Part::Attr(addr, attr) => {
                let name = addr.name.as_str();
                let phys = || model.physical_name(addr.kind.into(), name);
                let pieces = match (addr.kind, attr.as_str()) {
                    (RefKind::Resource, a) => vec![Piece::Raw(name.to_string(), a.to_string())],
                    (RefKind::Layer, _) => vec![Piece::LayerArn(name.to_string())],
                    (RefKind::Bucket, "name") => bucket_name_pieces(&model.bucket_name(name)),
                    (_, "name") => vec![t(phys())],
                    (RefKind::Queue, "url") => queue_url_pieces(&phys()),
                    (RefKind::Database, "stream_arn") => {
                        vec![Piece::TableStreamArn(name.to_string())]
                    }
                    (RefKind::Alarm, "arn") => [
                        arn_head("cloudwatch", true),
                        vec![t(format!("alarm:{}", phys()))],
                    ]
                    .concat(),
                    (kind, "arn") => {
                        let arn = match kind {
                            RefKind::Function => Arn::Function(phys()),
                            RefKind::Queue => Arn::Queue(phys()),
                            RefKind::Database => Arn::Table(phys()),
                            RefKind::Bucket => Arn::Bucket(model.bucket_name(name)),
                            RefKind::Stream => Arn::Stream(phys()),
                            _ => Arn::Topic(phys()),
                        };
                        arn_pieces(&arn).unwrap_or_default()
                    }
                    _ => Vec::new(),
                };
                v.extend(pieces);
            }
        }
    }
    merge_text(&mut v);
    v
}

/// Joins adjacent text pieces.
fn merge_text(v: &mut Vec<Piece>) {
    let mut out: Vec<Piece> = Vec::with_capacity(v.len());
    for p in v.drain(..) {
        match (out.last_mut(), p) {
            (Some(Piece::Text(a)), Piece::Text(b)) => a.push_str(&b),
            (_, p) => out.push(p),
        }
    }
    *v = out;
}

/// The tags of a resource: the app's, then the block's own (which win).
pub fn tags(model: &Model, own: Option<&Block>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    for b in std::iter::once(&model.app).chain(own) {
        if let Some(Value::Object(o)) = b.get("tags") {
            for (k, v) in o {
                tags.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
            }
        }
    }
    tags
}

/// What an alarm measures.
pub enum AlarmMetric {
    /// One metric with one dimension.
    Single {
        namespace: &'static str,
        metric: &'static str,
        statistic: &'static str,
        dimension: &'static str,
        value: String,
    },
    /// A table's read + write throttle events (metric math).
    TableThrottles { table: String },
}

pub fn alarm_metric(model: &Model, alarm: &Block) -> Option<AlarmMetric> {
    let w = alarm.reference("watch")?;
    let metric = alarm.str("metric").unwrap_or_default();
    Some(match w.kind {
        RefKind::Function => {
            let (name, stat) = match metric {
                "errors" => ("Errors", "Sum"),
                "throttles" => ("Throttles", "Sum"),
                "duration" => ("Duration", "Average"),
                _ => ("Invocations", "Sum"),
            };
            AlarmMetric::Single {
                namespace: "AWS/Lambda",
                metric: name,
                statistic: stat,
                dimension: "FunctionName",
                value: model.physical_name(BlockKind::Function, &w.name),
            }
        }
        RefKind::Queue => AlarmMetric::Single {
            namespace: "AWS/SQS",
            metric: if metric == "age" {
                "ApproximateAgeOfOldestMessage"
            } else {
                "ApproximateNumberOfMessagesVisible"
            },
            statistic: "Maximum",
            dimension: "QueueName",
            value: model.physical_name(BlockKind::Queue, &w.name),
        },
        _ => AlarmMetric::TableThrottles {
            table: model.physical_name(BlockKind::Database, &w.name),
        },
    })
}

/// S3's event name for a trigger's `events` entry.
pub fn s3_event(e: &str) -> &'static str {
    if e == "removed" {
        "s3:ObjectRemoved:*"
    } else {
        "s3:ObjectCreated:*"
    }
}

/// The part of an `execute-api` ARN after the API id that a route's permission allows:
/// `*/GET/orders/*` (any stage; `ANY` → `*`; path parameters → `*`).
pub fn route_source_path(method: &str, path: &str) -> String {
    if method == "$default" {
        return "/*/$default".to_string();
    }
    let m = if method == "ANY" { "*" } else { method };
    let p: Vec<&str> = path
        .split('/')
        .map(|s| if s.starts_with('{') { "*" } else { s })
        .collect();
    format!("/*/{m}{}", p.join("/"))
}

/// The pieces of an `Fn::Sub` string, in order: text, and each `${…}` as its inside — `(id,
/// attr)` for `${id}` / `${id.attr}`, `None` for `${!…}` (literal text) — with the inside as
/// written. An unclosed `${` is text.
pub fn sub_parts<'s>(s: &'s str, mut f: impl FnMut(&'s str, Option<(&'s str, Option<&'s str>)>)) {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { break };
        f(&rest[..i], None);
        let inner = &after[..end];
        let reference = (!inner.starts_with('!')).then(|| match inner.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (inner, None),
        });
        // The inside, passed as text when it is literal.
        match reference {
            Some(r) => f(inner, Some(r)),
            None => f(&rest[i..i + 2 + end + 1], None),
        }
        rest = &after[end + 1..];
    }
    f(rest, None);
}

/// Rewrites the `${…}` references of an `Fn::Sub` string: `f(id, attr)` gives the new inside
/// of `${id}` / `${id.attr}`, or `None` to keep it; `${!…}` (literal text) is left alone.
pub fn map_sub(s: &str, mut f: impl FnMut(&str, Option<&str>) -> Option<String>) -> String {
    let mut out = String::with_capacity(s.len());
    sub_parts(s, |text, reference| match reference {
        None => out.push_str(text),
        Some((id, attr)) => {
            out.push_str("${");
            match f(id, attr) {
                Some(new) => out.push_str(&new),
                None => out.push_str(text),
            }
            out.push('}');
        }
    });
    out
}

/// The source path of a WebSocket route in the invoke permission's ARN (`/STAGE/ROUTE KEY`,
/// any stage): the route key when it is plain text, else any route of the API.
pub fn websocket_source_path(key: &str) -> String {
    let plain = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "$_-.".contains(c));
    format!("/*/{}", if plain { key } else { "*" })
}

/// The WebSocket API's name.
pub fn websocket_api_name(model: &Model) -> String {
    format!("{}-{}-websocket", model.app.name, model.stage)
}

/// A Kinesis data stream's settings, as both targets write them.
pub struct StreamSettings {
    /// `ON_DEMAND`, or `PROVISIONED` with `shards`.
    pub mode: &'static str,
    pub shards: Option<f64>,
    pub retention_hours: f64,
    /// The KMS key of server-side encryption (its `kms_key`, else the AWS-managed one),
    /// unless turned off.
    pub kms_key: Option<String>,
}

/// A stream block's settings.
pub fn stream_settings(s: &Block) -> StreamSettings {
    let shards = s.num("shards");
    StreamSettings {
        mode: if shards.is_some() {
            "PROVISIONED"
        } else {
            "ON_DEMAND"
        },
        shards,
        retention_hours: (s.num("retention").unwrap_or(86_400.0) / 3600.0).ceil(),
        kms_key: encryption_key(s, "alias/aws/kinesis"),
    }
}

/// The key a topic or stream is encrypted with (model/profile.rs): its customer `kms_key`, else
/// the service's AWS-managed key; none with `encrypted = false`.
pub fn encryption_key(b: &Block, aws_managed: &str) -> Option<String> {
    if b.bool("encrypted") == Some(false) {
        return None;
    }
    Some(b.str("kms_key").unwrap_or(aws_managed).to_string())
}

/// The AWS-managed key of SNS (a topic's default; CloudWatch alarms cannot publish with it, so
/// an alarm's own topic takes only a customer key: the alarm's `kms_key`).
pub const SNS_MANAGED_KEY: &str = "alias/aws/sns";

/// The access-log group of a shared API (`http` or `websocket`), when its requests are logged:
/// the HTTP API unless `api_access_logs = false`; the WebSocket API under the strict profile
/// only (API Gateway logs a WebSocket API only with an account-wide CloudWatch role).
pub fn api_access_log_group(model: &Model, api: &str) -> Option<String> {
    let on = match api {
        "http" => model.app.bool("api_access_logs") != Some(false),
        _ => crate::model::profile::strict(model),
    };
    on.then(|| format!("/aws/{api}-api/{}-{}", model.app.name, model.stage))
}

/// The access-log line of a shared API: JSON, one object per request (HTTP) or message
/// (WebSocket), from API Gateway's `$context` variables.
pub fn api_access_log_format(api: &str) -> String {
    let fields: &[(&str, &str)] = match api {
        "http" => &[
            ("requestId", "$context.requestId"),
            ("ip", "$context.identity.sourceIp"),
            ("requestTime", "$context.requestTime"),
            ("routeKey", "$context.routeKey"),
            ("status", "$context.status"),
            ("protocol", "$context.protocol"),
            ("responseLength", "$context.responseLength"),
            ("integrationError", "$context.integrationErrorMessage"),
        ],
        _ => &[
            ("requestId", "$context.requestId"),
            ("ip", "$context.identity.sourceIp"),
            ("requestTime", "$context.requestTime"),
            ("eventType", "$context.eventType"),
            ("routeKey", "$context.routeKey"),
            ("status", "$context.status"),
            ("connectionId", "$context.connectionId"),
        ],
    };
    let inner: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("\"{k}\":\"{v}\""))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// The lifecycle of a versioned bucket: old versions expire after `keep_versions` days, and
/// incomplete multipart uploads are aborted after 7 days.
pub fn keep_versions_days(b: &Block) -> f64 {
    (b.num("keep_versions").unwrap_or(2_592_000.0) / 86_400.0).ceil()
}

/// Whether a table, bucket or stream is kept when it leaves the stack (`retain`, whose default
/// is its kind's: the schema fills it in).
pub fn retained(b: &Block) -> bool {
    b.bool("retain") != Some(false)
}

/// The blocks a raw resource's `depends_on` names.
pub fn depends_on(r: &Block) -> impl Iterator<Item = &crate::model::Addr> {
    r.get("depends_on")
        .map(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_ref_addr)
}

/// A route's key: `GET /orders/{id}`, or `$default`.
pub fn route_key(method: &str, path: &str) -> String {
    if path.is_empty() {
        method.to_string()
    } else {
        format!("{method} {path}")
    }
}

/// A Lambda authorizer (`auth = "lambda"`), its defaults filled in.
pub struct LambdaAuthorizer {
    /// The authorizer function's block name.
    pub function: String,
    pub identity: Vec<String>,
    pub ttl: u64,
    pub simple_responses: bool,
}

/// The Lambda authorizer of an http trigger, if it has one.
pub fn lambda_authorizer(t: &Block) -> Option<LambdaAuthorizer> {
    let a = t
        .get("authorizer")
        .filter(|_| t.str("auth") == Some("lambda"))?;
    let identity = match a.get("identity") {
        Some(l) => l
            .as_list()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        // A WebSocket authorizer reads nothing unless told (no cache needs a key).
        None if t.is_set("websocket") => Vec::new(),
        None => vec![crate::model::validate::AUTHORIZER_IDENTITY.to_string()],
    };
    Some(LambdaAuthorizer {
        function: a.get("function")?.as_ref_addr()?.name.clone(),
        identity,
        ttl: a
            .get("ttl")
            .and_then(Value::as_f64)
            .unwrap_or(crate::model::validate::AUTHORIZER_TTL) as u64,
        simple_responses: a
            .get("simple_responses")
            .and_then(Value::as_bool)
            .unwrap_or(true),
    })
}

/// The shared HTTP API's CORS settings.
pub struct Cors {
    pub origins: Vec<String>,
    pub methods: Vec<String>,
    pub headers: Vec<String>,
    pub max_age: Option<f64>,
}

pub fn cors(model: &Model) -> Option<Cors> {
    let methods_used = || {
        let mut m: Vec<String> = model
            .trigger_sources
            .values()
            .filter_map(|s| match s {
                TriggerSource::Http { method, .. } => Some(if method == "ANY" {
                    "*".to_string()
                } else {
                    method.clone()
                }),
                _ => None,
            })
            .collect();
        m.sort();
        m.dedup();
        m
    };
    let default_headers = || vec!["authorization".to_string(), "content-type".to_string()];
    match model.app.get("cors") {
        Some(Value::Bool(true)) => Some(Cors {
            origins: vec!["*".into()],
            methods: methods_used(),
            headers: default_headers(),
            max_age: None,
        }),
        Some(Value::Object(o)) => {
            let list = |k: &str| {
                o.get(k).map(|v| {
                    v.as_list()
                        .iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect::<Vec<_>>()
                })
            };
            Some(Cors {
                origins: list("origins").unwrap_or_else(|| vec!["*".into()]),
                methods: list("methods").unwrap_or_else(methods_used),
                headers: list("headers").unwrap_or_else(default_headers),
                max_age: o.get("max_age").and_then(Value::as_f64),
            })
        }
        _ => None,
    }
}

/// The trigger blocks whose source is this node, in name order (found through the graph's
/// trigger edges: no scan over every trigger).
pub fn triggers_of<'a>(
    model: &'a Model,
    graph: &crate::graph::Graph,
    kind: crate::graph::NodeKind,
    name: &str,
) -> Vec<&'a Block> {
    let Some(node) = graph.node(kind, name) else {
        return Vec::new();
    };
    let mut names: Vec<&str> = graph
        .outgoing(node)
        .into_iter()
        .filter(|(_, _, e)| e.kind == crate::graph::EdgeKind::Trigger)
        .filter_map(|(_, _, e)| e.trigger.as_deref())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|t| model.find(crate::model::BlockKind::Trigger, t))
        .collect()
}

/// Who an alarm tells: its e-mail subscribers, and whether it needs a topic at all (it
/// notifies someone or triggers a function).
pub fn alarm_notifications(
    model: &Model,
    graph: &crate::graph::Graph,
    alarm: &Block,
) -> (Vec<String>, bool) {
    let emails: Vec<String> = alarm
        .get("notify")
        .map(|n| {
            n.as_list()
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let triggered =
        !triggers_of(model, graph, crate::graph::NodeKind::Alarm, &alarm.name).is_empty();
    let needs_topic = !emails.is_empty() || triggered;
    (emails, needs_topic)
}

/// One S3 notification of a bucket: a trigger's events and key filter.
pub struct BucketNotification<'a> {
    pub trigger: &'a str,
    pub function: String,
    pub events: Vec<&'static str>,
    pub prefix: Option<&'a str>,
    pub suffix: Option<&'a str>,
}

pub fn bucket_notifications<'a>(
    model: &'a Model,
    graph: &crate::graph::Graph,
    bucket: &str,
) -> Vec<BucketNotification<'a>> {
    triggers_of(model, graph, crate::graph::NodeKind::Bucket, bucket)
        .into_iter()
        .filter_map(|t| {
            let function = t.reference("function")?.name.clone();
            let events = t
                .get("events")
                .map(|e| {
                    e.as_list()
                        .iter()
                        .filter_map(Value::as_str)
                        .map(s3_event)
                        .collect()
                })
                .unwrap_or_default();
            Some(BucketNotification {
                trigger: &t.name,
                function,
                events,
                prefix: t.str("prefix"),
                suffix: t.str("suffix"),
            })
        })
        .collect()
}

/// A key of a table or index: attribute name and DynamoDB type (`S`, `N`, `B`).
pub struct Key {
    pub name: String,
    pub ty: &'static str,
}

/// A global secondary index.
pub struct Index {
    pub name: String,
    pub hash: Key,
    pub range: Option<Key>,
    /// `ALL` or `KEYS_ONLY`.
    pub projection: &'static str,
}

/// A table's keys and indexes, and the attribute definitions they need (sorted, deduplicated).
pub struct TableKeys {
    pub hash: Key,
    pub range: Option<Key>,
    pub indexes: Vec<Index>,
    pub attributes: BTreeMap<String, &'static str>,
}

fn key(v: Option<&Value>) -> Option<Key> {
    let v = v?;
    let name = v.get("name")?.as_str()?.to_string();
    let ty = match v.get("type").and_then(Value::as_str) {
        Some("number") => "N",
        Some("binary") => "B",
        _ => "S",
    };
    Some(Key { name, ty })
}

pub fn table_keys(t: &Block) -> TableKeys {
    let hash = key(t.get("partition_key")).unwrap_or(Key {
        name: String::new(),
        ty: "S",
    });
    let range = key(t.get("sort_key"));
    let mut attributes = BTreeMap::new();
    attributes.insert(hash.name.clone(), hash.ty);
    if let Some(r) = &range {
        attributes.insert(r.name.clone(), r.ty);
    }
    let mut indexes = Vec::new();
    if let Some(Value::Object(idx)) = t.get("indexes") {
        let mut names: Vec<&String> = idx.keys().collect();
        names.sort();
        for name in names {
            let i = &idx[name];
            let Some(h) = key(i.get("partition_key")) else {
                continue;
            };
            let r = key(i.get("sort_key"));
            attributes.insert(h.name.clone(), h.ty);
            if let Some(r) = &r {
                attributes.insert(r.name.clone(), r.ty);
            }
            let projection = if i.get("projection").and_then(Value::as_str) == Some("keys_only") {
                "KEYS_ONLY"
            } else {
                "ALL"
            };
            indexes.push(Index {
                name: name.clone(),
                hash: h,
                range: r,
                projection,
            });
        }
    }
    TableKeys {
        hash,
        range,
        indexes,
        attributes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_strings_are_rewritten_reference_by_reference() {
        let s = "arn:${AWS::Partition}:x:${Api}/${Fn.Arn}/${!Literal}/${open";
        let out = map_sub(s, |id, attr| match (id, attr) {
            ("Api", None) => Some("Renamed".into()),
            ("Fn", Some(a)) => Some(format!("Other.{a}")),
            _ => None,
        });
        assert_eq!(
            out,
            "arn:${AWS::Partition}:x:${Renamed}/${Other.Arn}/${!Literal}/${open"
        );
        let mut seen = Vec::new();
        sub_parts(s, |_, r| seen.extend(r));
        assert_eq!(
            seen,
            [("AWS::Partition", None), ("Api", None), ("Fn", Some("Arn"))]
        );
    }
}
