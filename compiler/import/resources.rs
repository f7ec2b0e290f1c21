//! `resources.Resources` → the blocks slsc models (tables, queues, topics, buckets, streams),
//! keeping their physical names and logical IDs, and raw `resource` blocks for the rest;
//! `resources.Outputs` → `output` blocks.

use super::hcl::{Block, H};
use super::vars::snake;
use super::yaml::Node;
use super::{Cx, Target};
use crate::naming::pascal;

/// The block kind a CloudFormation type becomes, with the suffix of slsc's logical IDs.
fn kind_of(type_: &str) -> (&'static str, &'static str) {
    match type_ {
        "AWS::DynamoDB::Table" => ("database", "Table"),
        "AWS::SQS::Queue" => ("queue", "Queue"),
        "AWS::SNS::Topic" => ("topic", "Topic"),
        "AWS::S3::Bucket" => ("bucket", "Bucket"),
        "AWS::Kinesis::Stream" => ("stream", "Stream"),
        _ => ("resource", "Resource"),
    }
}

/// A block name for a logical ID (`UsersTable` → `users`, `usersTable` → `users`): its slsc
/// suffix dropped, snake case, unique within the kind.
fn block_name(cx: &Cx, id: &str, kind: &str, suffix: &str) -> String {
    let base = id
        .strip_suffix(suffix)
        .filter(|b| !b.is_empty())
        .unwrap_or(id);
    let base = snake(base);
    super::unique(&base, |n| {
        cx.logical.values().any(|t| t.kind == kind && t.name == n)
    })
}

/// Registers every logical ID of `resources.Resources` (so that references between them, and
/// from functions, resolve), and records the adoption renames.
pub fn register(cx: &mut Cx) {
    let Some(res) = cx.doc.get("resources").and_then(|r| r.get("Resources")) else {
        return;
    };
    for (k, v) in res.entries() {
        let (Some(id), Some(type_)) = (k.as_str(), v.get("Type").and_then(Node::as_str)) else {
            continue;
        };
        if type_.starts_with("AWS::ApiGateway::") {
            continue;
        }
        let (kind, suffix) = kind_of(type_);
        let name = block_name(cx, id, kind, suffix);
        let own = format!("{}{suffix}", pascal(&name));
        if own != id {
            cx.adopt.insert(own, id.to_string());
        }
        cx.logical.insert(id.to_string(), Target { kind, name });
    }
}

/// The blocks of `resources.Resources`.
pub fn blocks(cx: &mut Cx) -> Vec<Block> {
    let Some(res) = cx.doc.get("resources") else {
        return Vec::new();
    };
    for (k, _) in res.entries() {
        let key = k.as_str().unwrap_or_default();
        if !["Resources", "Outputs"].contains(&key) {
            cx.finding(k, &format!("resources.{key}"), format!("`resources.{key}` is not imported"), "add what it declares by hand (conditions and parameters have no `.sls` equivalent: use variables)");
        }
    }
    let Some(res) = res.get("Resources") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in res.entries() {
        let Some(id) = k.as_str() else { continue };
        let key = format!("resources.Resources.{id}");
        let Some(type_) = v.get("Type").and_then(Node::as_str) else {
            cx.finding(v, &key, "a resource without a `Type`", "fix serverless.yml");
            continue;
        };
        if type_.starts_with("AWS::ApiGateway::") {
            cx.finding(k, &key, format!("`{type_}` belongs to the REST API the Serverless Framework creates; slsc's routes are an HTTP API"), "HTTP APIs have no gateway responses, models or REST resources: drop it, or keep the REST API outside slsc");
            continue;
        }
        let Some(target) = cx.logical.get(id).cloned() else {
            continue;
        };
        let mut b = Block::new(target.kind, Some(&target.name));
        let props = v.get("Properties");
        let unmapped = match target.kind {
            "database" => table(cx, &mut b, props, &key),
            "queue" => queue(cx, &mut b, props, &key),
            "topic" => named(
                cx,
                &mut b,
                props,
                &key,
                "TopicName",
                &[("FifoTopic", "fifo")],
            ),
            "bucket" => bucket(cx, &mut b, props, &key),
            "stream" => stream(cx, &mut b, props, &key),
            _ => {
                if !raw(cx, &mut b, v, type_, &key) {
                    // A raw resource missing a property would be refused by CloudFormation.
                    cx.finding(k, &key, format!("the {type_} is not imported: a property names something the project does not declare (above)"), "declare what it references, then add it as a `resource` block");
                    cx.logical.remove(id);
                    cx.adopt.retain(|_, v| v != id);
                    continue;
                }
                Vec::new()
            }
        };
        for (n, prop) in unmapped {
            cx.finding(n, &format!("{key}.Properties.{prop}"), format!("`{prop}` of {type_} is not modelled by slsc's `{}` block", target.kind), "drop it, or declare the resource as a raw `resource` block to keep it (and move it with `moved`)");
        }
        for (dk, dn) in v.entries() {
            let dkey = dk.as_str().unwrap_or_default();
            if ![
                "Type",
                "Properties",
                "DeletionPolicy",
                "UpdateReplacePolicy",
                "DependsOn",
            ]
            .contains(&dkey)
            {
                cx.finding(
                    dn,
                    &format!("{key}.{dkey}"),
                    format!("`{dkey}` is not imported"),
                    "add it by hand in a raw `resource` if it matters",
                );
            }
        }
        out.push(b);
    }
    out
}

type Unmapped<'n> = Vec<(&'n Node, String)>;

/// The properties of a modelled resource that `handled` does not list.
fn leftovers<'n>(props: Option<&'n Node>, handled: &[&str]) -> Unmapped<'n> {
    props
        .map(|p| {
            p.entries()
                .iter()
                .filter_map(|(k, _)| {
                    let key = k.as_str()?;
                    (!handled.contains(&key)).then(|| (k, key.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `name` from a name property (with a note), `tags` from `Tags`, and simple properties.
fn named<'n>(
    cx: &mut Cx,
    b: &mut Block,
    props: Option<&'n Node>,
    key: &str,
    name_prop: &str,
    simple: &[(&str, &str)],
) -> Unmapped<'n> {
    let Some(p) = props else {
        return Vec::new();
    };
    if let Some(n) = p.get(name_prop) {
        if let Some(v) = cx.text(n, &format!("{key}.Properties.{name_prop}")) {
            b.set_noted(
                "name",
                v,
                format!("was {name_prop}: the name the deployed resource has"),
            );
        }
    }
    for (from, to) in simple {
        if let Some(n) = p.get(from) {
            if let Some(v) = cx.value(n, &format!("{key}.Properties.{from}"), false) {
                b.set(to, v);
            }
        }
    }
    if let Some(t) = p.get("Tags") {
        if let Some(v) = tags(cx, t, key) {
            b.set("tags", v);
        }
    }
    let mut handled: Vec<&str> = vec![name_prop, "Tags"];
    handled.extend(simple.iter().map(|(f, _)| *f));
    leftovers(props, &handled)
}

/// CloudFormation `Tags` (a list of `{Key, Value}`) as a map.
fn tags(cx: &mut Cx, t: &Node, key: &str) -> Option<H> {
    let mut o = Vec::new();
    for item in t.items() {
        let k = item.get("Key").and_then(|k| cx.plain(k, key))?;
        let v = cx.value(item.get("Value")?, &format!("{key}.Tags"), false)?;
        o.push((k, v));
    }
    Some(H::Obj(o))
}

/// A DynamoDB table.
fn table<'n>(cx: &mut Cx, b: &mut Block, props: Option<&'n Node>, key: &str) -> Unmapped<'n> {
    let mut left = named(cx, b, props, key, "TableName", &[]);
    let Some(p) = props else { return left };
    let attr_type = |name: &str| {
        p.get("AttributeDefinitions")?
            .items()
            .iter()
            .find(|a| a.get("AttributeName").and_then(Node::as_str) == Some(name))
            .and_then(|a| a.get("AttributeType")?.as_str())
            .map(|t| match t {
                "N" => "number",
                "B" => "binary",
                _ => "string",
            })
    };
    let key_of = |schema: Option<&Node>, role: &str| -> Option<H> {
        let k = schema?
            .items()
            .iter()
            .find(|k| k.get("KeyType").and_then(Node::as_str) == Some(role))?;
        let name = k.get("AttributeName")?.as_str()?;
        Some(H::Obj(vec![
            ("name".into(), H::str(name)),
            ("type".into(), H::str(attr_type(name).unwrap_or("string"))),
        ]))
    };
    if let Some(pk) = key_of(p.get("KeySchema"), "HASH") {
        b.set("partition_key", pk);
    }
    if let Some(sk) = key_of(p.get("KeySchema"), "RANGE") {
        b.set("sort_key", sk);
    }
    let provisioned = p.get("BillingMode").and_then(Node::as_str) == Some("PROVISIONED")
        || (p.get("BillingMode").is_none() && p.get("ProvisionedThroughput").is_some());
    if provisioned {
        b.set("billing", H::str("provisioned"));
        let t = p.get("ProvisionedThroughput");
        for (from, to) in [
            ("ReadCapacityUnits", "read_capacity"),
            ("WriteCapacityUnits", "write_capacity"),
        ] {
            let v = t
                .and_then(|t| t.get(from))
                .and_then(|n| cx.number(n, key))
                .unwrap_or(1.0);
            b.set(to, H::num(v));
        }
    }
    if let Some(gsis) = p.get("GlobalSecondaryIndexes") {
        let mut idx = Vec::new();
        for g in gsis.items() {
            let Some(name) = g.get("IndexName").and_then(Node::as_str) else {
                continue;
            };
            let mut o = Vec::new();
            if let Some(pk) = key_of(g.get("KeySchema"), "HASH") {
                o.push(("partition_key".to_string(), pk));
            }
            if let Some(sk) = key_of(g.get("KeySchema"), "RANGE") {
                o.push(("sort_key".to_string(), sk));
            }
            match g
                .get("Projection")
                .and_then(|p| p.get("ProjectionType"))
                .and_then(Node::as_str)
            {
                Some("KEYS_ONLY") => o.push(("projection".into(), H::str("keys_only"))),
                Some("INCLUDE") => cx.finding(
                    g,
                    &format!("{key}.GlobalSecondaryIndexes.{name}"),
                    "an INCLUDE projection is not offered",
                    "the index projects all attributes (`projection = \"all\"`)",
                ),
                _ => {}
            }
            idx.push((name.to_string(), H::Obj(o)));
        }
        b.set("indexes", H::Obj(idx));
    }
    if let Some(v) = p
        .get("StreamSpecification")
        .and_then(|s| s.get("StreamViewType"))
        .and_then(Node::as_str)
    {
        b.set("stream", H::str(v.to_ascii_lowercase()));
    }
    if let Some(t) = p.get("TimeToLiveSpecification") {
        if t.get("Enabled").and_then(Node::as_bool) != Some(false) {
            if let Some(a) = t.get("AttributeName").and_then(Node::as_str) {
                b.set("ttl", H::str(a));
            }
        }
    }
    if let Some(v) = p
        .get("PointInTimeRecoverySpecification")
        .and_then(|s| s.get("PointInTimeRecoveryEnabled"))
        .and_then(Node::as_bool)
    {
        b.set("point_in_time_recovery", H::bool(v));
    }
    let handled = [
        "KeySchema",
        "AttributeDefinitions",
        "BillingMode",
        "ProvisionedThroughput",
        "GlobalSecondaryIndexes",
        "StreamSpecification",
        "TimeToLiveSpecification",
        "PointInTimeRecoverySpecification",
        "SSESpecification",
    ];
    left.retain(|(_, k)| !handled.contains(&k.as_str()));
    left
}

/// An SQS queue.
fn queue<'n>(cx: &mut Cx, b: &mut Block, props: Option<&'n Node>, key: &str) -> Unmapped<'n> {
    let simple = [
        ("FifoQueue", "fifo"),
        ("VisibilityTimeout", "visibility_timeout"),
        ("MessageRetentionPeriod", "retention"),
        ("DelaySeconds", "delay"),
    ];
    let mut left = named(cx, b, props, key, "QueueName", &simple);
    if let Some(r) = props.and_then(|p| p.get("RedrivePolicy")) {
        let target = r
            .get("deadLetterTargetArn")
            .and_then(|n| cx.value(n, &format!("{key}.RedrivePolicy"), true));
        match target {
            Some(H::Str(t)) if t.0.len() == 1 => {
                if let Some(super::hcl::Seg::Expr { expr, .. }) = t.0.first() {
                    if let Some(q) = expr
                        .strip_prefix("queue.")
                        .and_then(|e| e.strip_suffix(".arn"))
                    {
                        b.set("dead_letter", H::expr(format!("queue.{q}")));
                    }
                }
            }
            _ => cx.finding(
                r,
                &format!("{key}.Properties.RedrivePolicy"),
                "the dead-letter queue is not one of the file's queues",
                "declare it as a `queue` and set `dead_letter`",
            ),
        }
        if let Some(m) = r.get("maxReceiveCount").and_then(|n| cx.number(n, key)) {
            b.set("max_receives", H::num(m));
        }
        left.retain(|(_, k)| k != "RedrivePolicy");
    }
    left
}

/// An S3 bucket.
fn bucket<'n>(cx: &mut Cx, b: &mut Block, props: Option<&'n Node>, key: &str) -> Unmapped<'n> {
    let mut left = named(cx, b, props, key, "BucketName", &[]);
    if let Some(v) = props
        .and_then(|p| p.get("VersioningConfiguration"))
        .and_then(|v| v.get("Status"))
        .and_then(Node::as_str)
    {
        b.set("versioning", H::bool(v == "Enabled"));
        left.retain(|(_, k)| k != "VersioningConfiguration");
    }
    // Public access is always blocked by slsc: a website or public-read bucket is a finding.
    left
}

/// A Kinesis data stream.
fn stream<'n>(cx: &mut Cx, b: &mut Block, props: Option<&'n Node>, key: &str) -> Unmapped<'n> {
    let mut left = named(
        cx,
        b,
        props,
        key,
        "__no_name__",
        &[("ShardCount", "shards")],
    );
    if let Some(h) = props
        .and_then(|p| p.get("RetentionPeriodHours"))
        .and_then(|n| cx.number(n, key))
    {
        b.set("retention", H::num(h * 3600.0));
        left.retain(|(_, k)| k != "RetentionPeriodHours");
    }
    left.retain(|(_, k)| k != "StreamModeDetails");
    left
}

/// A raw resource: type and properties as written (references resolved); false when a
/// property cannot be written.
fn raw(cx: &mut Cx, b: &mut Block, v: &Node, type_: &str, key: &str) -> bool {
    let mut body = vec![("type".to_string(), H::str(type_))];
    if let Some(p) = v.get("Properties") {
        let mut props = Vec::new();
        for (k, pv) in p.entries() {
            let Some(name) = k.as_str() else { continue };
            match cx.value(pv, &format!("{key}.Properties.{name}"), true) {
                Some(x) => props.push((name.to_string(), x)),
                None => return false,
            }
        }
        body.push(("properties".into(), H::Obj(props)));
    }
    b.set("cloudformation", H::Obj(body));
    b.comments.push(
        "imported as written: slsc passes it through (docs/language.md, the escape hatch)".into(),
    );
    let deps: Vec<H> = match v.get("DependsOn") {
        Some(d) => {
            let ids: Vec<String> = match d.as_str() {
                Some(s) => vec![s.to_string()],
                None => d
                    .items()
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
            };
            ids.iter()
                .filter_map(|id| {
                    cx.logical
                        .get(id)
                        .map(|t| H::expr(format!("{}.{}", t.kind, t.name)))
                })
                .collect()
        }
        None => Vec::new(),
    };
    if !deps.is_empty() {
        b.set("depends_on", H::List(deps));
    }
    true
}

/// The bucket the Serverless Framework deploys its artifacts to (`ServerlessDeploymentBucket`,
/// unless `provider.deploymentBucket` names another): kept as a raw resource under its logical
/// ID, so that switching a deployed stack to slsc deletes nothing (docs/migrating.md).
pub fn deployment_bucket(cx: &mut Cx) -> Option<Block> {
    let p = cx.doc.get("provider")?;
    if p.get("deploymentBucket").is_some() {
        return None;
    }
    let mut b = Block::new("resource", Some("serverless_deployment_bucket"));
    b.comments.push("the Serverless Framework's deployment bucket, kept so that switching the stack deletes nothing: remove this block and its `logical_ids` entry once the bucket is empty (docs/migrating.md)".into());
    let sse = H::Obj(vec![(
        "ServerSideEncryptionConfiguration".into(),
        H::List(vec![H::Obj(vec![(
            "ServerSideEncryptionByDefault".into(),
            H::Obj(vec![("SSEAlgorithm".into(), H::str("AES256"))]),
        )])]),
    )]);
    b.set(
        "cloudformation",
        H::Obj(vec![
            ("type".into(), H::str("AWS::S3::Bucket")),
            (
                "properties".into(),
                H::Obj(vec![("BucketEncryption".into(), sse)]),
            ),
        ]),
    );
    cx.adopt.insert(
        "ServerlessDeploymentBucketResource".into(),
        "ServerlessDeploymentBucket".into(),
    );
    Some(b)
}

/// `resources.Outputs` → `output` blocks.
pub fn outputs(cx: &mut Cx) -> Vec<Block> {
    let Some(o) = cx.doc.get("resources").and_then(|r| r.get("Outputs")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in o.entries() {
        let Some(name) = k.as_str() else { continue };
        let key = format!("resources.Outputs.{name}");
        let Some(value) = v.get("Value").and_then(|n| cx.value(n, &key, true)) else {
            continue;
        };
        let mut b = Block::new("output", Some(&snake(name)));
        b.set("value", value);
        if let Some(d) = v.get("Description").and_then(|d| cx.plain(d, &key)) {
            b.set("description", H::str(d));
        }
        if let Some(e) = v.get("Export") {
            cx.finding(
                e,
                &format!("{key}.Export"),
                "cross-stack exports are not offered",
                "read the value with `slsc outputs` instead",
            );
        }
        out.push(b);
    }
    out
}
