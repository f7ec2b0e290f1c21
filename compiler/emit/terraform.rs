//! The Terraform emitter: model + graph → `main.tf.json` for the `hashicorp/aws` provider.
//!
//! The same application as the CloudFormation target, with the same decisions: resources per
//! block and trigger, IAM statements ([`iam::statements`]), names, ARNs and deploy-time values
//! ([`shared`]). Only the syntax differs: resource addresses are the `.sls` block names
//! (`aws_lambda_function.signup`, `aws_sqs_queue.emails`), references are `${aws_….attr}`
//! strings, nested blocks are JSON arrays, retained tables and buckets get
//! `lifecycle.prevent_destroy`, and the account id and partition come from data sources. Extra
//! resources a block owns are named with a `-` suffix (`aws_sns_topic.high_errors-alarm`), which
//! no `.sls` name can contain, so they never collide with a block.

use super::iam::{self, Arn, Statement};
use super::names::{Collision, Owner};
use super::resources::{self, Document, Resource};
use super::shared::{self, Piece};
use crate::graph::Graph;
use crate::model::value::fmt_number;
use crate::model::{Block, BlockKind, Model, RefKind, TriggerSource, Value};
use serde_json::{json, Map, Value as J};

/// The provider major version the output is written and tested for.
pub const PROVIDER_VERSION: &str = "~> 6.0";

const ACCOUNT: &str = "${data.aws_caller_identity.current.account_id}";
const PARTITION: &str = "${data.aws_partition.current.partition}";
const DNS_SUFFIX: &str = "${data.aws_partition.current.dns_suffix}";

/// Escapes literal text for a Terraform string template.
fn tf_escape(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

fn render(model: &Model, pieces: &[Piece]) -> J {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => s.push_str(&tf_escape(t)),
            Piece::Partition => s.push_str(PARTITION),
            Piece::Region => s.push_str(&model.region),
            Piece::AccountId => s.push_str(ACCOUNT),
            Piece::UrlSuffix => s.push_str(DNS_SUFFIX),
            Piece::LayerArn(l) => s.push_str(&format!("${{aws_lambda_layer_version.{l}.arn}}")),
            Piece::Raw(r, a) => {
                let addr = raw_address(model, r);
                s.push_str(&format!("${{{addr}.{a}}}"));
            }
            Piece::ApiId => s.push_str("${aws_apigatewayv2_api.http.id}"),
            Piece::WebsocketApiId => s.push_str("${aws_apigatewayv2_api.websocket.id}"),
            Piece::TableStreamArn(t) => {
                s.push_str(&format!("${{aws_dynamodb_table.{t}.stream_arn}}"))
            }
        }
    }
    json!(s)
}

fn arn(model: &Model, a: &Arn) -> J {
    match a {
        Arn::Any => json!("*"),
        Arn::Literal(s) => json!(tf_escape(s)),
        _ => render(model, &shared::arn_pieces(a).unwrap_or_default()),
    }
}

/// The Terraform address of a raw resource: `TYPE.NAME`.
fn raw_address(model: &Model, name: &str) -> String {
    let ty = model
        .find(BlockKind::Resource, name)
        .and_then(|r| r.get("terraform"))
        .and_then(|t| t.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("aws_resource");
    format!("{ty}.{name}")
}

/// The Terraform address of a block's main resource (`aws_sqs_queue.orders`): what a raw
/// resource's `depends_on` names.
fn main_address(model: &Model, a: &crate::model::Addr) -> String {
    let ty = match a.kind {
        RefKind::Function => "aws_lambda_function",
        RefKind::Queue => "aws_sqs_queue",
        RefKind::Database => "aws_dynamodb_table",
        RefKind::Bucket => "aws_s3_bucket",
        RefKind::Topic => "aws_sns_topic",
        RefKind::Alarm => "aws_cloudwatch_metric_alarm",
        RefKind::Stream => "aws_kinesis_stream",
        RefKind::Layer => "aws_lambda_layer_version",
        RefKind::Resource => return raw_address(model, &a.name),
    };
    format!("{ty}.{}", a.name)
}

/// A model value as Terraform JSON, literal text escaped and deploy-time strings rendered (a
/// raw resource's arguments).
fn json_value(model: &Model, v: &Value) -> J {
    match v {
        Value::String(s) => json!(tf_escape(s)),
        Value::Deploy(parts) => render(model, &shared::deploy_pieces(model, parts)),
        Value::List(l) => J::Array(l.iter().map(|x| json_value(model, x)).collect()),
        Value::Object(o) => J::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), json_value(model, x)))
                .collect(),
        ),
        other => other.to_json(),
    }
}

fn num(v: f64) -> J {
    crate::model::value::number_json(v)
}

/// The app's tags (the provider's `default_tags`).
fn app_tags(model: &Model) -> Map<String, J> {
    shared::tags(model, None)
        .into_iter()
        .map(|(k, v)| (k, json!(tf_escape(&v))))
        .collect()
}

/// Adds a block's own tags to one of its resources (the app's come from the provider's
/// `default_tags`, and a resource's own keys win over them).
fn with_own_tags(mut p: J, b: &Block) -> J {
    let own = own_tags(b);
    if !own.is_empty() {
        p["tags"] = J::Object(own);
    }
    p
}

/// A block's own tags (on top of the provider's default tags).
fn own_tags(b: &Block) -> Map<String, J> {
    match b.get("tags") {
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| (k.clone(), json!(tf_escape(v.as_str().unwrap_or_default()))))
            .collect(),
        _ => Map::new(),
    }
}

fn string_value(model: &Model, v: &Value) -> J {
    match v {
        Value::String(s) => json!(tf_escape(s)),
        Value::Deploy(parts) => render(model, &shared::deploy_pieces(model, parts)),
        Value::Number(n) => json!(fmt_number(*n)),
        Value::Bool(b) => json!(b.to_string()),
        other => json!(tf_escape(&other.to_json().to_string())),
    }
}

/// A list of strings, each escaped for Terraform (a literal `${` would be read as a reference).
fn string_list(model: &Model, v: Option<&Value>) -> J {
    match v {
        Some(Value::List(items)) => items.iter().map(|i| string_value(model, i)).collect(),
        _ => json!([]),
    }
}

/// An IAM policy document as a Terraform string (its ARNs interpolate data sources).
fn policy_text(model: &Model, stmts: &[Statement]) -> String {
    let mut out = String::from("{\"Version\":\"2012-10-17\",\"Statement\":[");
    for (i, s) in stmts.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"Effect\":\"Allow\",\"Action\":");
        out.push_str(&serde_json::to_string(&s.actions).expect("strings serialise"));
        out.push_str(",\"Resource\":[");
        for (j, r) in s.resources.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            // The rendered ARN is a template string; embed it as a JSON string.
            let text = arn(model, r).as_str().unwrap_or_default().to_string();
            out.push_str(&serde_json::to_string(&text).expect("strings serialise"));
        }
        out.push(']');
        if let Some(p) = &s.list_prefix {
            out.push_str(&format!(
                ",\"Condition\":{{\"StringLike\":{{\"s3:prefix\":[{}]}}}}",
                serde_json::to_string(&tf_escape(p)).expect("strings serialise")
            ));
        }
        out.push('}');
    }
    out.push_str("]}");
    out
}

struct Emitter<'a> {
    model: &'a Model,
    graph: &'a Graph,
    /// The resources emitted so far (the emitted-resource model, emit/resources.rs): each body
    /// rendered when added, so the document is never one JSON tree.
    resources: Vec<Resource<'a>>,
    scratch: String,
    outputs: Map<String, J>,
    artifact: &'a dyn Fn(&str) -> Option<(String, String)>,
    /// The block whose resources are being emitted.
    owner: Owner<'a>,
}

/// The emitted `main.tf.json`, its resources, and the addresses two blocks would both have
/// emitted (the output is not valid when there are any).
pub struct Emitted<'m> {
    /// The document's text, in pieces (one per resource) to be written one after the other.
    pub chunks: Vec<String>,
    pub resources: usize,
    pub collisions: Vec<Collision<'m>>,
    /// Every resource address and the block that emitted it.
    pub owners: std::collections::BTreeMap<String, String>,
}

/// Emits `main.tf.json`. `artifact` gives a function's zip (relative file name, base64 sha256).
pub fn emit<'m>(
    model: &'m Model,
    graph: &'m Graph,
    artifact: &'m dyn Fn(&str) -> Option<(String, String)>,
) -> Emitted<'m> {
    let mut e = Emitter {
        model,
        graph,
        resources: Vec::new(),
        scratch: String::new(),
        outputs: Map::new(),
        artifact,
        owner: Owner::HTTP_API,
    };
    e.functions();
    e.queues();
    e.tables();
    e.buckets();
    e.topics();
    e.alarms();
    e.raw_resources();
    e.streams();
    e.layers();
    e.triggers();
    e.outputs();
    let mut provider = json!({"region": model.region});
    let t = app_tags(model);
    if !t.is_empty() {
        provider["default_tags"] = json!([{"tags": t}]);
    }
    let mut doc = json!({
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": PROVIDER_VERSION}}},
        "provider": {"aws": provider},
        "data": {
            "aws_caller_identity": {"current": {}},
            "aws_partition": {"current": {}},
        },
        // Replaced by the rendered resources below (a string no name can hold).
        "resource": RESOURCES_MARK,
    });
    if !e.outputs.is_empty() {
        doc["output"] = J::Object(e.outputs);
    }
    let mut resources = e.resources;
    // By type, then name (the document's order); a stable sort keeps the emission order of an
    // address emitted twice, so the first owner is the first block.
    resources.sort_by(|a, b| (a.kind.as_str(), a.name()).cmp(&(b.kind.as_str(), b.name())));
    let collisions = resources::collisions(&resources);
    let owners = resources::owners(&resources);
    let count = resources.len();
    let text = resources::to_text(&doc);
    let mark = format!("\"{}\"", RESOURCES_MARK.replace('\0', "\\u0000"));
    let (head, tail) = text
        .split_once(&mark)
        .expect("the document holds the resources' mark");
    let mut d = Document::default();
    d.push(head.to_string());
    let mut by_kind: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for r in resources {
        let name = r.name().to_string();
        match by_kind.last_mut() {
            Some((k, v)) if *k == r.kind => v.push((name, r.text)),
            _ => by_kind.push((r.kind, vec![(name, r.text)])),
        }
    }
    resources_text(by_kind, &mut d);
    d.push(tail.to_string());
    Emitted {
        chunks: d.pieces,
        resources: count,
        collisions,
        owners,
    }
}

/// Where the resources go in the rendered document.
const RESOURCES_MARK: &str = "\0resources";

/// The `resource` object as `to_text` would render it at its place (indent 1): `{type: {name:
/// body}}`, each body a piece of its own.
fn resources_text(by_kind: Vec<(String, Vec<(String, String)>)>, d: &mut Document) {
    if by_kind.is_empty() {
        d.push("{}".to_string());
        return;
    }
    let mut open = String::from("{\n");
    for (i, (kind, named)) in by_kind.into_iter().enumerate() {
        if i > 0 {
            open.push_str(",\n");
        }
        open.push_str("    ");
        resources::push_json_str(&mut open, &kind);
        open.push_str(": ");
        d.push(std::mem::take(&mut open));
        d.object(named, 2);
    }
    d.text("\n  }");
}

/// A trigger being emitted, with the function it invokes.
struct Wiring<'m> {
    t: &'m Block,
    /// The invoked function's block name.
    f: String,
}

impl Wiring<'_> {
    /// The trigger's name: the address of each of its resources.
    fn name(&self) -> &str {
        self.t.name.as_str()
    }

    /// The invoked function's ARN.
    fn fn_arn(&self) -> J {
        Emitter::fn_ref(&self.f, "arn")
    }
}

impl<'a> Emitter<'a> {
    fn add(&mut self, ty: &str, name: &str, body: J) {
        let r = Resource::terraform(ty, name, self.owner, &body, &mut self.scratch);
        self.resources.push(r);
    }

    /// A log group with the app's retention (and a customer key when given).
    fn log_group(
        &mut self,
        name: &str,
        group: String,
        kms_key: Option<&str>,
        tags: Map<String, J>,
    ) {
        let retention = self.model.app.num("log_retention").unwrap_or(30.0);
        let mut p = json!({"name": group, "retention_in_days": num(retention)});
        if let Some(k) = kms_key {
            p["kms_key_id"] = json!(tf_escape(k));
        }
        if !tags.is_empty() {
            p["tags"] = J::Object(tags);
        }
        self.add("aws_cloudwatch_log_group", name, p);
    }

    /// A shared API's stage (`aws_apigatewayv2_stage.{api}`), with its access logs when they are
    /// on (`aws_cloudwatch_log_group.{api}-access-logs`).
    fn api_stage(&mut self, api: &str, stage: &str) {
        let model = self.model;
        let mut p = json!({"api_id": format!("${{aws_apigatewayv2_api.{api}.id}}"), "name": stage, "auto_deploy": true});
        if let Some(group) = shared::api_access_log_group(model, api) {
            let name = format!("{api}-access-logs");
            p["access_log_settings"] = json!([{
                "destination_arn": format!("${{aws_cloudwatch_log_group.{name}.arn}}"),
                "format": tf_escape(&shared::api_access_log_format(api)),
            }]);
            self.log_group(&name, group, model.app.str("kms_key"), Map::new());
        }
        self.add("aws_apigatewayv2_stage", api, p);
    }

    fn fn_ref(name: &str, attr: &str) -> J {
        json!(format!("${{aws_lambda_function.{name}.{attr}}}"))
    }

    /// A queue's or topic's ARN, by reference to its resource.
    fn target_arn(&self, a: &crate::model::Addr) -> J {
        use crate::model::RefKind as K;
        match a.kind {
            K::Queue => json!(format!("${{aws_sqs_queue.{}.arn}}", a.name)),
            K::Topic => json!(format!("${{aws_sns_topic.{}.arn}}", a.name)),
            K::Function => Self::fn_ref(&a.name, "arn"),
            _ => json!(""),
        }
    }

    fn functions(&mut self) {
        let model = self.model;
        for f in model.of_kind(BlockKind::Function) {
            self.owner = Owner::Block(f);
            let n = f.name.as_str();
            let fname = model.physical_name(BlockKind::Function, n);
            let stmts = iam::statements(model, self.graph, f);
            self.add(
                "aws_iam_role",
                n,
                with_own_tags(json!({
                    "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
                }), f),
            );
            self.add(
                "aws_iam_role_policy",
                n,
                json!({"name": "slsc", "role": format!("${{aws_iam_role.{n}.id}}"), "policy": policy_text(model, &stmts)}),
            );
            self.log_group(
                n,
                format!("/aws/lambda/{fname}"),
                f.str("kms_key"),
                own_tags(f),
            );
            let (file, hash) = (self.artifact)(n).unwrap_or_default();
            let mut p = json!({
                "function_name": fname,
                "handler": tf_escape(f.str("handler").unwrap_or_default()),
                "runtime": f.str("runtime").unwrap_or("nodejs24.x"),
                "role": format!("${{aws_iam_role.{n}.arn}}"),
                "filename": format!("${{path.module}}/{file}"),
                "source_code_hash": hash,
                "memory_size": num(f.num("memory").unwrap_or(128.0)),
                "timeout": num(f.num("timeout").unwrap_or(6.0)),
                "architectures": [f.str("architecture").unwrap_or("x86_64")],
                "logging_config": [{"log_format": "Text", "log_group": format!("${{aws_cloudwatch_log_group.{n}.name}}")}],
                // The role's policy must exist before the function can use what it grants.
                "depends_on": [format!("aws_iam_role_policy.{n}")],
            });
            if let Some(c) = f.num("concurrency") {
                p["reserved_concurrent_executions"] = num(c);
            }
            if let Some(Value::Object(env)) = f.get("environment") {
                if !env.is_empty() {
                    let vars: Map<String, J> = env
                        .iter()
                        .map(|(k, v)| (k.clone(), string_value(model, v)))
                        .collect();
                    p["environment"] = json!([{"variables": vars}]);
                }
            }
            if f.bool("tracing") == Some(true) {
                p["tracing_config"] = json!([{"mode": "Active"}]);
            }
            if let Some(d) = f.str("description") {
                p["description"] = json!(tf_escape(d));
            }
            if let Some(Value::List(layers)) = f.get("layers") {
                if !layers.is_empty() {
                    p["layers"] = layers
                        .iter()
                        .map(|l| match l.as_ref_addr() {
                            Some(a) => {
                                json!(format!("${{aws_lambda_layer_version.{}.arn}}", a.name))
                            }
                            None => json!(tf_escape(l.as_str().unwrap_or_default())),
                        })
                        .collect();
                }
            }
            if let Some(v) = f.get("vpc") {
                p["vpc_config"] = json!([{
                    "subnet_ids": string_list(model, v.get("subnet_ids")),
                    "security_group_ids": string_list(model, v.get("security_group_ids")),
                }]);
            }
            // The key encrypts environment variables: only with some (without them, the
            // provider reports a difference on every plan).
            if let (Some(k), Some(_)) = (f.str("kms_key"), p.get("environment")) {
                p["kms_key_arn"] = json!(tf_escape(k));
            }
            if let Some(c) = f.str("code_signing_config") {
                p["code_signing_config_arn"] = json!(tf_escape(c));
            }
            if let Some(d) = f.reference("dead_letter") {
                p["dead_letter_config"] = json!([{"target_arn": self.target_arn(d)}]);
            }
            self.add("aws_lambda_function", n, with_own_tags(p, f));
            if f.str("recursion") == Some("allow") {
                self.add(
                    "aws_lambda_function_recursion_config",
                    n,
                    json!({"function_name": format!("${{aws_lambda_function.{n}.function_name}}"), "recursive_loop": "Allow"}),
                );
            }
            let retries = f.num("retries").unwrap_or(2.0);
            let on_failure = f.reference("on_failure");
            if retries != 2.0 || on_failure.is_some() {
                let mut c = json!({
                    "function_name": format!("${{aws_lambda_function.{n}.function_name}}"),
                    "qualifier": "$LATEST",
                    "maximum_retry_attempts": num(retries),
                });
                if let Some(dest) = on_failure {
                    c["destination_config"] =
                        json!([{"on_failure": [{"destination": self.target_arn(dest)}]}]);
                }
                self.add("aws_lambda_function_event_invoke_config", n, c);
            }
        }
    }

    fn queues(&mut self) {
        let model = self.model;
        for q in model.of_kind(BlockKind::Queue) {
            self.owner = Owner::Block(q);
            let mut p = json!({
                "name": model.physical_name(BlockKind::Queue, &q.name),
                "visibility_timeout_seconds": num(q.num("visibility_timeout").unwrap_or(30.0)),
                "message_retention_seconds": num(q.num("retention").unwrap_or(345_600.0)),
                "delay_seconds": num(q.num("delay").unwrap_or(0.0)),
            });
            // A customer key, else SSE-SQS (model/profile.rs).
            match q.str("kms_key") {
                Some(k) => p["kms_master_key_id"] = json!(tf_escape(k)),
                None => p["sqs_managed_sse_enabled"] = json!(true),
            }
            if q.bool("fifo") == Some(true) {
                p["fifo_queue"] = json!(true);
            }
            if let Some(dl) = q.reference("dead_letter") {
                p["redrive_policy"] = json!(format!(
                    "{{\"deadLetterTargetArn\":\"${{aws_sqs_queue.{}.arn}}\",\"maxReceiveCount\":{}}}",
                    dl.name,
                    fmt_number(q.num("max_receives").unwrap_or(5.0))
                ));
            }
            self.add("aws_sqs_queue", &q.name, with_own_tags(p, q));
        }
    }

    fn tables(&mut self) {
        let model = self.model;
        for t in model.of_kind(BlockKind::Database) {
            self.owner = Owner::Block(t);
            let keys = shared::table_keys(t);
            let provisioned = t.str("billing") == Some("provisioned");
            let gsis: Vec<J> = keys
                .indexes
                .iter()
                .map(|i| {
                    let mut g = json!({"name": tf_escape(&i.name), "hash_key": tf_escape(&i.hash.name), "projection_type": i.projection});
                    if let Some(r) = &i.range {
                        g["range_key"] = json!(tf_escape(&r.name));
                    }
                    if provisioned {
                        g["read_capacity"] = num(t.num("read_capacity").unwrap_or(1.0));
                        g["write_capacity"] = num(t.num("write_capacity").unwrap_or(1.0));
                    }
                    g
                })
                .collect();
            let mut p = json!({
                "name": model.physical_name(BlockKind::Database, &t.name),
                "billing_mode": if provisioned { "PROVISIONED" } else { "PAY_PER_REQUEST" },
                "hash_key": tf_escape(&keys.hash.name),
                "attribute": keys.attributes.iter().map(|(n, ty)| json!({"name": tf_escape(n), "type": ty})).collect::<Vec<_>>(),
                "point_in_time_recovery": [{"enabled": t.bool("point_in_time_recovery") != Some(false)}],
            });
            if let Some(k) = t.str("kms_key") {
                p["server_side_encryption"] =
                    json!([{"enabled": true, "kms_key_arn": tf_escape(k)}]);
            }
            if let Some(r) = &keys.range {
                p["range_key"] = json!(tf_escape(&r.name));
            }
            if provisioned {
                p["read_capacity"] = num(t.num("read_capacity").unwrap_or(1.0));
                p["write_capacity"] = num(t.num("write_capacity").unwrap_or(1.0));
            }
            if !gsis.is_empty() {
                p["global_secondary_index"] = J::Array(gsis);
            }
            if let Some(s) = t.str("stream") {
                p["stream_enabled"] = json!(true);
                p["stream_view_type"] = json!(s.to_ascii_uppercase());
            }
            if let Some(ttl) = t.str("ttl") {
                p["ttl"] = json!([{"attribute_name": tf_escape(ttl), "enabled": true}]);
            }
            if shared::retained(t) {
                p["lifecycle"] = json!([{"prevent_destroy": true}]);
            }
            self.add("aws_dynamodb_table", &t.name, with_own_tags(p, t));
        }
    }

    fn buckets(&mut self) {
        let model = self.model;
        for b in model.of_kind(BlockKind::Bucket) {
            self.owner = Owner::Block(b);
            let n = b.name.as_str();
            let mut p = json!({
                "bucket": render(model, &shared::bucket_name_pieces(&model.bucket_name(n))),
            });
            if shared::retained(b) {
                p["lifecycle"] = json!([{"prevent_destroy": true}]);
            } else {
                p["force_destroy"] = json!(true);
            }
            self.add("aws_s3_bucket", n, with_own_tags(p, b));
            let id = format!("${{aws_s3_bucket.{n}.id}}");
            self.add(
                "aws_s3_bucket_public_access_block",
                n,
                json!({"bucket": id, "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}),
            );
            let sse = match b.str("kms_key") {
                Some(k) => {
                    json!({"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": tf_escape(k)}], "bucket_key_enabled": true})
                }
                None => {
                    json!({"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256"}]})
                }
            };
            self.add(
                "aws_s3_bucket_server_side_encryption_configuration",
                n,
                json!({"bucket": id, "rule": [sse]}),
            );
            if b.bool("versioning") == Some(true) {
                self.add(
                    "aws_s3_bucket_versioning",
                    n,
                    json!({"bucket": id, "versioning_configuration": [{"status": "Enabled"}]}),
                );
                self.add(
                    "aws_s3_bucket_lifecycle_configuration",
                    n,
                    json!({"bucket": id, "rule": [{
                        "id": "slsc-old-versions",
                        "status": "Enabled",
                        "filter": [{}],
                        "noncurrent_version_expiration": [{"noncurrent_days": num(shared::keep_versions_days(b))}],
                        "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
                    }], "depends_on": [format!("aws_s3_bucket_versioning.{n}")]}),
                );
            }
            if let Some(logs) = b.str("access_logs_bucket") {
                self.add(
                    "aws_s3_bucket_logging",
                    n,
                    json!({"bucket": id, "target_bucket": tf_escape(logs), "target_prefix": format!("{n}/")}),
                );
            }
            let mut configs = Vec::new();
            let mut depends = Vec::new();
            for note in shared::bucket_notifications(model, self.graph, n) {
                let mut c = json!({"lambda_function_arn": Self::fn_ref(&note.function, "arn"), "events": note.events});
                if let Some(pfx) = note.prefix {
                    c["filter_prefix"] = json!(tf_escape(pfx));
                }
                if let Some(sfx) = note.suffix {
                    c["filter_suffix"] = json!(tf_escape(sfx));
                }
                configs.push(c);
                depends.push(format!("aws_lambda_permission.{}", note.trigger));
            }
            if !configs.is_empty() {
                self.add(
                    "aws_s3_bucket_notification",
                    n,
                    json!({"bucket": id, "lambda_function": configs, "depends_on": depends}),
                );
            }
        }
    }

    /// Lambda layers: each a version of its directory's zip.
    fn layers(&mut self) {
        let model = self.model;
        for l in model.of_kind(BlockKind::Layer) {
            self.owner = Owner::Block(l);
            let (file, hash) =
                (self.artifact)(&super::artifacts::layer_user(&l.name)).unwrap_or_default();
            let mut p = json!({
                "layer_name": model.physical_name(BlockKind::Layer, &l.name),
                "filename": format!("${{path.module}}/{file}"),
                "source_code_hash": hash,
            });
            for attr in ["compatible_runtimes", "compatible_architectures"] {
                if let Some(v) = l.get(attr) {
                    p[attr] = v.to_json();
                }
            }
            if let Some(d) = l.str("description") {
                p["description"] = json!(tf_escape(d));
            }
            self.add("aws_lambda_layer_version", &l.name, p);
        }
    }

    /// Kinesis data streams: on-demand unless `shards` is set, encrypted with the AWS-managed
    /// key unless `encrypted = false`.
    fn streams(&mut self) {
        let model = self.model;
        for s in model.of_kind(BlockKind::Stream) {
            self.owner = Owner::Block(s);
            let st = shared::stream_settings(s);
            let mut p = json!({
                "name": model.physical_name(BlockKind::Stream, &s.name),
                "retention_period": num(st.retention_hours),
                "stream_mode_details": [{"stream_mode": st.mode}],
            });
            if let Some(n) = st.shards {
                p["shard_count"] = num(n);
            }
            if let Some(key) = st.kms_key {
                p["encryption_type"] = json!("KMS");
                p["kms_key_id"] = json!(key);
            }
            if shared::retained(s) {
                p["lifecycle"] = json!([{"prevent_destroy": true}]);
            }
            self.add("aws_kinesis_stream", &s.name, with_own_tags(p, s));
        }
    }

    /// Raw resources with a Terraform body, as written (a resource without one stops the build
    /// before this: `emit::missing_bodies`).
    fn raw_resources(&mut self) {
        let model = self.model;
        for r in model.of_kind(BlockKind::Resource) {
            self.owner = Owner::Block(r);
            let Some(body) = r.get("terraform") else {
                continue;
            };
            let ty = body.get("type").and_then(Value::as_str).unwrap_or_default();
            let mut args = match body.get("arguments") {
                Some(a) => json_value(model, a),
                None => json!({}),
            };
            let depends: Vec<String> = shared::depends_on(r)
                .map(|a| main_address(model, a))
                .collect();
            if !depends.is_empty() {
                args["depends_on"] = json!(depends);
            }
            self.add(ty, &r.name, args);
        }
    }

    fn topics(&mut self) {
        let model = self.model;
        for t in model.of_kind(BlockKind::Topic) {
            self.owner = Owner::Block(t);
            let mut p = json!({"name": model.physical_name(BlockKind::Topic, &t.name)});
            if t.bool("fifo") == Some(true) {
                p["fifo_topic"] = json!(true);
            }
            if let Some(k) = shared::encryption_key(t, shared::SNS_MANAGED_KEY) {
                p["kms_master_key_id"] = json!(tf_escape(&k));
            }
            self.add("aws_sns_topic", &t.name, with_own_tags(p, t));
        }
    }

    fn alarms(&mut self) {
        let model = self.model;
        for a in model.of_kind(BlockKind::Alarm) {
            self.owner = Owner::Block(a);
            let n = a.name.as_str();
            let Some(metric) = shared::alarm_metric(model, a) else {
                continue;
            };
            let period = num(a.num("period").unwrap_or(60.0));
            let mut p = json!({
                "alarm_name": model.physical_name(BlockKind::Alarm, n),
                "comparison_operator": "GreaterThanOrEqualToThreshold",
                "threshold": num(a.num("threshold").unwrap_or(0.0)),
                "evaluation_periods": num(a.num("evaluation_periods").unwrap_or(1.0)),
                "treat_missing_data": "notBreaching",
            });
            match metric {
                shared::AlarmMetric::Single {
                    namespace,
                    metric,
                    statistic,
                    dimension,
                    value,
                } => {
                    p["namespace"] = json!(namespace);
                    p["metric_name"] = json!(metric);
                    p["statistic"] = json!(statistic);
                    p["period"] = period;
                    p["dimensions"] = json!({dimension: value});
                }
                shared::AlarmMetric::TableThrottles { table } => {
                    let m = |id: &str, name: &str| {
                        json!({"id": id, "return_data": false, "metric": [{
                            "namespace": "AWS/DynamoDB", "metric_name": name, "dimensions": {"TableName": table},
                            "period": period, "stat": "Sum"}]})
                    };
                    p["metric_query"] = json!([
                        m("reads", "ReadThrottleEvents"),
                        m("writes", "WriteThrottleEvents"),
                        {"id": "throttles", "expression": "reads + writes", "label": "throttles", "return_data": true}
                    ]);
                }
            }
            let (notify, needs_topic) = shared::alarm_notifications(model, self.graph, a);
            if needs_topic {
                let topic = format!("{n}-alarm");
                let mut tp = json!({});
                if let Some(k) = a.str("kms_key") {
                    tp["kms_master_key_id"] = json!(tf_escape(k));
                }
                self.add("aws_sns_topic", &topic, with_own_tags(tp, a));
                for (i, addr) in notify.iter().enumerate() {
                    self.add(
                        "aws_sns_topic_subscription",
                        &format!("{n}-notify-{}", i + 1),
                        json!({"topic_arn": format!("${{aws_sns_topic.{topic}.arn}}"), "protocol": "email", "endpoint": addr}),
                    );
                }
                p["alarm_actions"] = json!([format!("${{aws_sns_topic.{topic}.arn}}")]);
            }
            self.add("aws_cloudwatch_metric_alarm", n, with_own_tags(p, a));
        }
    }

    fn permission(&mut self, name: &str, function: &str, principal: &str, source_arn: J) {
        self.add(
            "aws_lambda_permission",
            name,
            json!({
                "statement_id": format!("slsc-{name}"),
                "action": "lambda:InvokeFunction",
                "function_name": Self::fn_ref(function, "function_name"),
                "principal": principal,
                "source_arn": source_arn,
                "source_account": ACCOUNT,
            }),
        );
    }

    /// The resources of every trigger (one helper per source kind, as in the CloudFormation
    /// emitter), then the HTTP API when a trigger is an HTTP route and the WebSocket API when one
    /// is a WebSocket route.
    fn triggers(&mut self) {
        let model = self.model;
        let (mut api, mut websocket) = (false, false);
        for t in model.of_kind(BlockKind::Trigger) {
            self.owner = Owner::Block(t);
            let Some(src) = model.trigger_sources.get(&t.name).cloned() else {
                continue;
            };
            let Some(f) = t.reference("function").map(|a| a.name.clone()) else {
                continue;
            };
            let w = Wiring { t, f };
            match src {
                TriggerSource::Http { method, path } => {
                    api = true;
                    self.http_trigger(&w, &method, &path);
                }
                TriggerSource::Websocket(key) => {
                    websocket = true;
                    self.websocket_trigger(&w, &key);
                }
                TriggerSource::Schedule(expr) => self.schedule_trigger(&w, &expr),
                TriggerSource::Queue(q) => self.queue_trigger(&w, &q),
                TriggerSource::Database(d) => self.database_trigger(&w, &d),
                TriggerSource::Stream(s) => self.kinesis_trigger(&w, &s),
                TriggerSource::Bucket(b) => self.bucket_trigger(&w, &b),
                TriggerSource::Topic(tp) => self.topic_trigger(&w, &tp),
                TriggerSource::Alarm(a) => self.alarm_trigger(&w, &a),
            }
        }
        if api {
            self.http_api();
        }
        if websocket {
            self.websocket_api();
        }
    }

    /// A WebSocket route: the Lambda integration, the route (authorized on `$connect` alone)
    /// and the permission for API Gateway to invoke the function.
    fn websocket_trigger(&mut self, w: &Wiring, key: &str) {
        let n = w.name();
        self.add(
            "aws_apigatewayv2_integration",
            n,
            json!({"api_id": "${aws_apigatewayv2_api.websocket.id}", "integration_type": "AWS_PROXY", "integration_uri": format!("${{aws_lambda_function.{}.invoke_arn}}", w.f)}),
        );
        let mut route = json!({
            "api_id": "${aws_apigatewayv2_api.websocket.id}",
            "route_key": tf_escape(key),
            "target": format!("integrations/${{aws_apigatewayv2_integration.{n}.id}}"),
            "authorization_type": "NONE",
        });
        match w.t.str("auth") {
            Some("iam") => route["authorization_type"] = json!("AWS_IAM"),
            Some("lambda") => {
                self.lambda_authorizer(w, "websocket");
                route["authorization_type"] = json!("CUSTOM");
                route["authorizer_id"] = json!(format!("${{aws_apigatewayv2_authorizer.{n}.id}}"));
            }
            _ => {}
        }
        self.add("aws_apigatewayv2_route", n, route);
        let source = format!(
            "${{aws_apigatewayv2_api.websocket.execution_arn}}{}",
            tf_escape(&shared::websocket_source_path(key))
        );
        self.permission(n, &w.f, "apigateway.amazonaws.com", json!(source));
    }

    /// The WebSocket API shared by the WebSocket triggers, its stage and its URL output.
    fn websocket_api(&mut self) {
        self.owner = Owner::WEBSOCKET_API;
        let model = self.model;
        self.add(
            "aws_apigatewayv2_api",
            "websocket",
            json!({
                "name": shared::websocket_api_name(model),
                "protocol_type": "WEBSOCKET",
                "route_selection_expression": tf_escape(crate::model::websocket::route_selection(model)),
            }),
        );
        self.api_stage("websocket", &model.stage);
        self.outputs.insert(
            "websocket-api-url".into(),
            json!({"description": "The WebSocket API's URL", "value": render(model, &shared::websocket_url_pieces("wss", &model.stage))}),
        );
    }

    /// An HTTP route: the Lambda integration, the route (with its authorizer) and the permission
    /// for API Gateway to invoke the function.
    fn http_trigger(&mut self, w: &Wiring, method: &str, path: &str) {
        let n = w.name();
        self.add(
            "aws_apigatewayv2_integration",
            n,
            json!({"api_id": "${aws_apigatewayv2_api.http.id}", "integration_type": "AWS_PROXY", "integration_uri": w.fn_arn(), "payload_format_version": "2.0"}),
        );
        let mut route = json!({
            "api_id": "${aws_apigatewayv2_api.http.id}",
            "route_key": shared::route_key(method, path),
            "target": format!("integrations/${{aws_apigatewayv2_integration.{n}.id}}"),
        });
        match w.t.str("auth") {
            Some("iam") => route["authorization_type"] = json!("AWS_IAM"),
            Some("jwt") => {
                self.jwt_authorizer(w);
                route["authorization_type"] = json!("JWT");
                route["authorizer_id"] = json!(format!("${{aws_apigatewayv2_authorizer.{n}.id}}"));
            }
            Some("lambda") => {
                self.lambda_authorizer(w, "http");
                route["authorization_type"] = json!("CUSTOM");
                route["authorizer_id"] = json!(format!("${{aws_apigatewayv2_authorizer.{n}.id}}"));
            }
            _ => route["authorization_type"] = json!("NONE"),
        }
        self.add("aws_apigatewayv2_route", n, route);
        let source = format!(
            "${{aws_apigatewayv2_api.http.execution_arn}}{}",
            tf_escape(&shared::route_source_path(method, path))
        );
        self.permission(n, &w.f, "apigateway.amazonaws.com", json!(source));
    }

    /// The Lambda (request) authorizer of a route with `auth = "lambda"`, and the permission
    /// for API Gateway to invoke its function.
    fn lambda_authorizer(&mut self, w: &Wiring, api: &str) {
        let Some(a) = shared::lambda_authorizer(w.t) else {
            return;
        };
        let n = w.name();
        let mut p = json!({
            "api_id": format!("${{aws_apigatewayv2_api.{api}.id}}"),
            "authorizer_type": "REQUEST",
            "name": format!("{}-{}", self.model.stage, n),
            "authorizer_uri": format!("${{aws_lambda_function.{}.invoke_arn}}", a.function),
        });
        // A WebSocket authorizer answers with an IAM policy and caches nothing.
        if api == "http" {
            p["authorizer_payload_format_version"] = json!("2.0");
            p["enable_simple_responses"] = json!(a.simple_responses);
            p["authorizer_result_ttl_in_seconds"] = json!(a.ttl);
        }
        if !a.identity.is_empty() {
            p["identity_sources"] =
                json!(a.identity.iter().map(|s| tf_escape(s)).collect::<Vec<_>>());
        }
        self.add("aws_apigatewayv2_authorizer", n, p);
        let source = format!(
            "${{aws_apigatewayv2_api.{api}.execution_arn}}/authorizers/${{aws_apigatewayv2_authorizer.{n}.id}}"
        );
        self.permission(
            &format!("{n}-authorizer"),
            &a.function,
            "apigateway.amazonaws.com",
            json!(source),
        );
    }

    /// The JWT authorizer of a route with `auth = "jwt"`.
    fn jwt_authorizer(&mut self, w: &Wiring) {
        let n = w.name();
        let j = w.t.get("jwt").cloned().unwrap_or(Value::Null);
        self.add(
            "aws_apigatewayv2_authorizer",
            n,
            json!({
                "api_id": "${aws_apigatewayv2_api.http.id}",
                "authorizer_type": "JWT",
                "name": format!("{}-{}", self.model.stage, n),
                "identity_sources": ["$request.header.Authorization"],
                "jwt_configuration": [{
                    "issuer": j.get("issuer").and_then(Value::as_str).map(tf_escape).unwrap_or_default(),
                    "audience": string_list(self.model, j.get("audience")),
                }],
            }),
        );
    }

    /// A schedule: an EventBridge rule, its target (the function) and the permission.
    fn schedule_trigger(&mut self, w: &Wiring, expr: &str) {
        let n = w.name();
        self.add(
            "aws_cloudwatch_event_rule",
            n,
            json!({"name": self.model.physical_name(BlockKind::Trigger, n), "schedule_expression": expr, "state": "ENABLED"}),
        );
        let mut target = json!({"rule": format!("${{aws_cloudwatch_event_rule.{n}.name}}"), "target_id": "function", "arn": w.fn_arn()});
        if let Some(input) = w.t.get("input") {
            target["input"] = json!(tf_escape(&resources::sorted(input.to_json()).to_string()));
        }
        self.add("aws_cloudwatch_event_target", n, target);
        self.permission(
            n,
            &w.f,
            "events.amazonaws.com",
            json!(format!("${{aws_cloudwatch_event_rule.{n}.arn}}")),
        );
    }

    /// A queue: an event source mapping from the SQS queue.
    fn queue_trigger(&mut self, w: &Wiring, queue: &str) {
        let t = w.t;
        let mut p = json!({
            "function_name": w.fn_arn(),
            "event_source_arn": format!("${{aws_sqs_queue.{queue}.arn}}"),
            "batch_size": num(t.num("batch_size").unwrap_or(10.0)),
            "enabled": true
        });
        if let Some(window) = t.num("batch_window") {
            p["maximum_batching_window_in_seconds"] = num(window);
        }
        if let Some(c) = t.num("max_concurrency") {
            p["scaling_config"] = json!([{"maximum_concurrency": num(c)}]);
        }
        if t.bool("partial_failures") == Some(true) {
            p["function_response_types"] = json!(["ReportBatchItemFailures"]);
        }
        self.add("aws_lambda_event_source_mapping", w.name(), p);
    }

    /// A database: an event source mapping from the DynamoDB table's stream.
    fn database_trigger(&mut self, w: &Wiring, table: &str) {
        self.stream_mapping(w, format!("${{aws_dynamodb_table.{table}.stream_arn}}"));
    }

    /// A Kinesis stream: an event source mapping, as for a table's stream, with its
    /// parallelization factor.
    fn kinesis_trigger(&mut self, w: &Wiring, stream: &str) {
        self.stream_mapping(w, format!("${{aws_kinesis_stream.{stream}.arn}}"));
    }

    /// The event source mapping of a stream (a table's or Kinesis's).
    fn stream_mapping(&mut self, w: &Wiring, source: String) {
        let t = w.t;
        let mut p = json!({
            "function_name": w.fn_arn(),
            "event_source_arn": source,
            "batch_size": num(t.num("batch_size").unwrap_or(100.0)),
            "starting_position": if t.str("starting_position") == Some("trim_horizon") { "TRIM_HORIZON" } else { "LATEST" },
            "maximum_retry_attempts": num(t.num("retries").unwrap_or(-1.0)),
            "enabled": true
        });
        if let Some(window) = t.num("batch_window") {
            p["maximum_batching_window_in_seconds"] = num(window);
        }
        if let Some(n) = t.num("parallelization") {
            p["parallelization_factor"] = num(n);
        }
        if let Some(dest) = t.reference("on_failure") {
            p["destination_config"] =
                json!([{"on_failure": [{"destination_arn": self.target_arn(dest)}]}]);
        }
        self.add("aws_lambda_event_source_mapping", w.name(), p);
    }

    /// A bucket: only the permission for S3 (the notification is part of the bucket).
    fn bucket_trigger(&mut self, w: &Wiring, bucket: &str) {
        self.permission(
            w.name(),
            &w.f,
            "s3.amazonaws.com",
            json!(format!("${{aws_s3_bucket.{bucket}.arn}}")),
        );
    }

    /// A topic: a Lambda subscription (with its filter policy) and the permission for SNS.
    fn topic_trigger(&mut self, w: &Wiring, topic: &str) {
        let n = w.name();
        let mut p = json!({"topic_arn": format!("${{aws_sns_topic.{topic}.arn}}"), "protocol": "lambda", "endpoint": w.fn_arn()});
        if let Some(filter) = w.t.get("filter") {
            p["filter_policy"] = json!(tf_escape(&resources::sorted(filter.to_json()).to_string()));
            p["filter_policy_scope"] = json!("MessageAttributes");
        }
        self.add("aws_sns_topic_subscription", n, p);
        self.permission(
            n,
            &w.f,
            "sns.amazonaws.com",
            json!(format!("${{aws_sns_topic.{topic}.arn}}")),
        );
    }

    /// An alarm: a Lambda subscription to the alarm's topic and the permission for SNS.
    fn alarm_trigger(&mut self, w: &Wiring, alarm: &str) {
        let n = w.name();
        let topic = format!("${{aws_sns_topic.{alarm}-alarm.arn}}");
        self.add(
            "aws_sns_topic_subscription",
            n,
            json!({"topic_arn": topic, "protocol": "lambda", "endpoint": w.fn_arn()}),
        );
        self.permission(n, &w.f, "sns.amazonaws.com", json!(topic));
    }

    /// The HTTP API shared by the HTTP triggers, its default stage and its URL output.
    fn http_api(&mut self) {
        self.owner = Owner::HTTP_API;
        let model = self.model;
        let mut p =
            json!({"name": format!("{}-{}", model.app.name, model.stage), "protocol_type": "HTTP"});
        if let Some(c) = shared::cors(model) {
            let esc = |v: &[String]| v.iter().map(|s| tf_escape(s)).collect::<Vec<_>>();
            let mut cc = json!({"allow_origins": esc(&c.origins), "allow_methods": c.methods, "allow_headers": esc(&c.headers)});
            if let Some(m) = c.max_age {
                cc["max_age"] = num(m);
            }
            p["cors_configuration"] = json!([cc]);
        }
        self.add("aws_apigatewayv2_api", "http", p);
        self.api_stage("http", "$default");
        self.outputs.insert(
            "http-api-url".into(),
            json!({"description": "The HTTP API's URL", "value": render(model, &shared::http_url_pieces())}),
        );
    }

    fn outputs(&mut self) {
        let model = self.model;
        for o in model.of_kind(BlockKind::Output) {
            self.owner = Owner::Block(o);
            let Some(v) = o.get("value") else { continue };
            let mut out = json!({"value": string_value(model, v)});
            if let Some(d) = o.str("description") {
                // An output's description is not a template: written as is.
                out["description"] = json!(d);
            }
            self.outputs.insert(o.name.clone(), out);
        }
    }
}
