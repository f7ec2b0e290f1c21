//! The CloudFormation emitter: model + graph → `template.json`.
//!
//! Logical IDs are the PascalCase of the block name plus a kind suffix (`SignupFunction`,
//! `EmailsQueue`, `UsersTable`, …; per trigger `<Trigger>EventSourceMapping`, `<Trigger>Rule`,
//! `<Trigger>Route`, `<Trigger>Permission`, …). Every resource carries an explicit physical name
//! (`{app}-{stage}-{name}`), so the ARNs and URLs of named resources are built with `Fn::Sub`
//! from names and pseudo parameters rather than `Fn::GetAtt`: two functions that name each other,
//! or a bucket whose notifications invoke a function whose role reads the bucket, never form a
//! dependency cycle. `Fn::GetAtt` is used only where an ordering is needed (a redrive target
//! must exist before its queue; a stream ARN is only known after the table).
//!
//! Output is deterministic: keys are sorted when serialising, lists are in model order.

use super::iam::{self, Arn, Statement};
use super::logical_ids::Renames;
use super::names::{self, Collision, Owner};
use super::resources::{self, sorted, write_sorted, Document, Resource};
use super::shared::{self, Piece};
use crate::graph::Graph;
use crate::model::value::fmt_number;
use crate::model::{Block, BlockKind, Model, TriggerSource, Value};
use crate::naming::pascal;
use serde_json::{json, Map, Value as J};

/// `Fn::Sub` escape for literal text.
fn sub_escape(s: &str) -> String {
    s.replace("${", "${!")
}

fn sub(s: String) -> J {
    json!({ "Fn::Sub": s })
}

/// Renders pieces: a plain string when all are text, else an `Fn::Sub`.
fn render(pieces: &[Piece]) -> J {
    if let [Piece::Text(t)] = pieces {
        return json!(t);
    }
    if pieces.is_empty() {
        return json!("");
    }
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => s.push_str(&sub_escape(t)),
            Piece::Partition => s.push_str("${AWS::Partition}"),
            Piece::Region => s.push_str("${AWS::Region}"),
            Piece::AccountId => s.push_str("${AWS::AccountId}"),
            Piece::UrlSuffix => s.push_str("${AWS::URLSuffix}"),
            Piece::ApiId => s.push_str("${HttpApi}"),
            Piece::WebsocketApiId => s.push_str("${WebsocketApi}"),
            Piece::TableStreamArn(t) => s.push_str(&format!("${{{}Table.StreamArn}}", pascal(t))),
            Piece::LayerArn(l) => s.push_str(&format!("${{{}}}", block_id(BlockKind::Layer, l))),
            Piece::Raw(r, a) => s.push_str(&match a.as_str() {
                "arn" => format!("${{{}.Arn}}", block_id(BlockKind::Resource, r)),
                _ => format!("${{{}}}", block_id(BlockKind::Resource, r)),
            }),
        }
    }
    sub(s)
}

fn arn(a: &Arn) -> J {
    match a {
        Arn::Any => json!("*"),
        Arn::Literal(s) => json!(s),
        _ => render(&shared::arn_pieces(a).unwrap_or_default()),
    }
}

/// The logical ID of a block's main resource, from the kind table's suffix (`OrdersQueue`,
/// `SharedLayer`, `ClicksStream`, `SearchResource`).
fn block_id(kind: BlockKind, name: &str) -> String {
    let suffix = kind.info().logical_suffix.unwrap_or_default();
    format!("{}{suffix}", pascal(name))
}

/// [`block_id`] of a referenced block (what a raw resource's `depends_on` names).
fn main_id(a: &crate::model::Addr) -> String {
    block_id(a.kind.into(), &a.name)
}

/// `DeletionPolicy`/`UpdateReplacePolicy` of a table, bucket or stream.
fn retain_policy(b: &Block) -> &'static str {
    if shared::retained(b) {
        "Retain"
    } else {
        "Delete"
    }
}

/// A model value as CloudFormation JSON, deploy-time strings rendered (a raw resource's
/// properties).
fn json_value(model: &Model, v: &Value) -> J {
    match v {
        Value::Deploy(parts) => render(&shared::deploy_pieces(model, parts)),
        Value::List(l) => J::Array(l.iter().map(|x| json_value(model, x)).collect()),
        Value::Object(o) => J::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), json_value(model, x)))
                .collect(),
        ),
        other => other.to_json(),
    }
}

pub fn function_id(name: &str) -> String {
    format!("{}Function", pascal(name))
}

fn tags_list(model: &Model, own: Option<&Block>) -> J {
    J::Array(
        shared::tags(model, own)
            .into_iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

fn tags_map(model: &Model) -> J {
    J::Object(
        shared::tags(model, None)
            .into_iter()
            .map(|(k, v)| (k, json!(v)))
            .collect(),
    )
}

fn num(v: f64) -> J {
    crate::model::value::number_json(v)
}

/// Any model value as a CloudFormation string (environment values, outputs).
fn string_value(model: &Model, v: &Value) -> J {
    match v {
        Value::String(s) => json!(s),
        Value::Deploy(parts) => render(&shared::deploy_pieces(model, parts)),
        Value::Number(n) => json!(fmt_number(*n)),
        Value::Bool(b) => json!(b.to_string()),
        other => json!(other.to_json().to_string()),
    }
}

fn policy_document(stmts: &[Statement]) -> J {
    let statements: Vec<J> = stmts
        .iter()
        .map(|s| {
            let mut st = json!({
                "Effect": "Allow",
                "Action": s.actions,
                "Resource": s.resources.iter().map(arn).collect::<Vec<_>>(),
            });
            if let Some(p) = &s.list_prefix {
                st["Condition"] = json!({"StringLike": {"s3:prefix": [p]}});
            }
            st
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Below this many functions, the template is emitted on one thread.
const PARALLEL_EMIT_MIN_FUNCTIONS: usize = 256;

struct Emitter<'a> {
    model: &'a Model,
    graph: &'a Graph,
    /// The resources emitted so far (the emitted-resource model, emit/resources.rs).
    resources: Vec<Resource<'a>>,
    /// The block whose resources are being emitted.
    owner: Owner<'a>,
    /// The buffer each value is rendered in.
    scratch: String,
    outputs: Map<String, J>,
    /// The owner of each output.
    output_owners: Vec<(String, Owner<'a>)>,
    keys: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// `app.logical_ids`: the IDs to emit instead of slsc's own.
    renames: std::sync::Arc<Renames>,
    /// With renames: every logical ID added, before renaming (to report unknown keys).
    originals: Vec<String>,
}

/// The emitted resources of a CloudFormation application (sorted by logical ID), its outputs,
/// and the names two blocks would both have emitted (the output is not valid when there are
/// any). [`template`] writes them as one template; stacks.rs as nested stacks.
pub struct Emitted<'m> {
    pub resources: Vec<Resource<'m>>,
    pub outputs: Map<String, J>,
    pub collisions: Vec<Collision<'m>>,
    /// The mistakes of `app.logical_ids` (keys that name no emitted resource, invalid IDs).
    pub rename_diagnostics: Vec<crate::diagnostics::Diagnostic>,
}

/// Emits the application's resources. `code_key` gives the S3 key of a function's artifact.
pub fn emit<'m>(
    model: &'m Model,
    graph: &'m Graph,
    code_key: &'m (dyn Fn(&str) -> Option<String> + Sync),
) -> Emitted<'m> {
    let renames = std::sync::Arc::new(Renames::of(model));
    let new = || Emitter {
        renames: renames.clone(),
        originals: Vec::new(),
        model,
        graph,
        resources: Vec::new(),
        owner: Owner::HTTP_API,
        scratch: String::new(),
        outputs: Map::new(),
        output_owners: Vec::new(),
        keys: code_key,
    };
    // The functions (most of the template) are split in two: the later part is emitted on
    // another thread while this one emits the earlier part and then every other kind. The
    // resources are put together in the order one thread would have produced them, so the
    // output never depends on the split.
    let functions: Vec<&'m Block> = model.of_kind(BlockKind::Function).collect();
    let split =
        if functions.len() >= PARALLEL_EMIT_MIN_FUNCTIONS && crate::syntax::worker_threads() > 1 {
            functions.len() / 3
        } else {
            functions.len()
        };
    let (first, later) = functions.split_at(split);
    let mut e = new();
    let mut rest = new();
    let emit_rest = |e: &mut Emitter<'m>, rest: &mut Emitter<'m>| {
        e.functions(first);
        rest.queues();
        rest.tables();
        rest.buckets();
        rest.topics();
        rest.alarms();
        rest.raw_resources();
        rest.streams();
        rest.layers();
        rest.triggers();
        rest.outputs();
    };
    let mut others = if later.is_empty() {
        emit_rest(&mut e, &mut rest);
        None
    } else {
        std::thread::scope(|scope| {
            let handle = std::thread::Builder::new()
                .name("slsc-emit-part".into())
                .spawn_scoped(scope, || {
                    let mut o = new();
                    o.functions(later);
                    o
                });
            match handle {
                Ok(h) => {
                    emit_rest(&mut e, &mut rest);
                    Some(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                }
                Err(_) => {
                    let mut o = new();
                    o.functions(later);
                    emit_rest(&mut e, &mut rest);
                    Some(o)
                }
            }
        })
    };
    if let Some(o) = &mut others {
        e.originals.append(&mut o.originals);
        e.resources.append(&mut o.resources);
    }
    drop(others);
    e.resources.append(&mut rest.resources);
    e.originals.append(&mut rest.originals);
    let rename_diagnostics = renames.finish(model, &e.originals, &mut rest.outputs);
    e.resources.sort_by(|a, b| a.id.cmp(&b.id));
    let mut collisions = resources::collisions(&e.resources);
    let mut outputs: Vec<&(String, Owner)> = rest.output_owners.iter().collect();
    outputs.sort_by(|a, b| a.0.cmp(&b.0));
    collisions.extend(names::adjacent(outputs.iter().map(|o| (o.0.as_str(), o.1))));
    Emitted {
        resources: e.resources,
        outputs: rest.outputs,
        collisions,
        rename_diagnostics,
    }
}

/// The application as one template under `head` ([`single_head`]). Consumes the resources:
/// each entry's text becomes a piece of the document.
pub fn template(head: String, emitted: Emitted) -> Document {
    let entries = emitted
        .resources
        .into_iter()
        .map(|r| (r.id, r.text))
        .collect();
    resources::document(head, "Resources", entries, 1)
}

/// The top level before `Resources` of the application as one template ([`template`] writes
/// it, [`template_bytes`] measures with it).
pub fn single_head(model: &Model, emitted: &Emitted) -> String {
    let metadata =
        names::owners_metadata(emitted.resources.iter().map(|r| (r.id.as_str(), r.owner)));
    template_head(model, emitted.outputs.clone(), metadata)
}

/// The size in bytes of [`template`] with this head, without writing it.
pub fn template_bytes(head: &str, emitted: &Emitted) -> usize {
    let entries: usize = emitted
        .resources
        .iter()
        .map(|r| r.text.len() + r.id.len() + ",\n    \"\": ".len())
        .sum();
    // `,\n  "Resources": {` … `\n  }\n}\n`; an escaped ID would be longer (none is: IDs are
    // alphanumeric).
    head.len() + ",\n  \"Resources\": {".len() + entries + "\n  }\n}\n".len()
}

/// The template's top level before `Resources`, keys in sorted order as `to_text` would write
/// them: the version, description, outputs and (where code is read from the artifact bucket:
/// functions, layers) the `ArtifactBucket` parameter — an unused parameter is refused by
/// cfn-lint (W2001), and deploy passes it only when declared.
pub(super) fn template_head(model: &Model, outputs: Map<String, J>, metadata: J) -> String {
    let description = format!("{} ({}) — generated by slsc", model.app.name, model.stage);
    let mut text = String::with_capacity(4096);
    text.push_str("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n  \"Description\": ");
    text.push_str(&serde_json::to_string(&description).expect("strings serialise"));
    text.push_str(",\n  \"Metadata\": ");
    write_sorted(&metadata, 1, &mut text);
    if !outputs.is_empty() {
        text.push_str(",\n  \"Outputs\": ");
        write_sorted(&J::Object(outputs), 1, &mut text);
    }
    let code = model.of_kind(BlockKind::Function).next().is_some()
        || model.of_kind(BlockKind::Layer).next().is_some();
    if code {
        let parameters = json!({
            "ArtifactBucket": {
                "Type": "String",
                "Description": "The S3 bucket holding the function artifacts (uploaded by slsc deploy)"
            }
        });
        text.push_str(",\n  \"Parameters\": ");
        write_sorted(&parameters, 1, &mut text);
    }
    text
}

/// A function's invocation URI, as API Gateway integrations and authorizers name it.
fn invocation_uri(function: &str) -> J {
    sub(format!(
        "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{}.Arn}}/invocations",
        function_id(function)
    ))
}

/// A trigger being emitted, with the function it invokes.
struct Wiring<'m> {
    t: &'m Block,
    /// The trigger's logical-ID prefix (`pascal(name)`).
    tid: String,
    /// The invoked function's block name.
    f: String,
}

impl Wiring<'_> {
    /// The invoked function's ARN.
    fn fn_arn(&self) -> J {
        json!({"Fn::GetAtt": [function_id(&self.f), "Arn"]})
    }
}

impl<'a> Emitter<'a> {
    fn add(&mut self, id: String, mut r: J) {
        let id = if self.renames.is_empty() {
            id
        } else {
            self.renames.rewrite(&mut r);
            let renamed = self.renames.id(&id).to_string();
            self.originals.push(id);
            renamed
        };
        let r = Resource::cloudformation(id, self.owner, &r, &mut self.scratch);
        self.resources.push(r);
    }

    fn functions(&mut self, functions: &[&'a Block]) {
        let model = self.model;
        for &f in functions {
            self.owner = Owner::Block(f);
            let id = function_id(&f.name);
            let fname = model.physical_name(BlockKind::Function, &f.name);
            let stmts = iam::statements(model, self.graph, f);
            self.add(
                format!("{id}Role"),
                json!({
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole"
                            }]
                        },
                        "Policies": [{"PolicyName": "slsc", "PolicyDocument": policy_document(&stmts)}],
                        "Tags": tags_list(model, Some(f)),
                    }
                }),
            );
            self.log_group(
                format!("{id}LogGroup"),
                format!("/aws/lambda/{fname}"),
                f.str("kms_key"),
                tags_list(model, Some(f)),
            );
            let mut props = json!({
                "FunctionName": fname,
                "Handler": f.str("handler").unwrap_or_default(),
                "Runtime": f.str("runtime").unwrap_or("nodejs24.x"),
                "Role": {"Fn::GetAtt": [format!("{id}Role"), "Arn"]},
                "Code": {
                    "S3Bucket": {"Ref": "ArtifactBucket"},
                    "S3Key": (self.keys)(&f.name).unwrap_or_default(),
                },
                "MemorySize": num(f.num("memory").unwrap_or(128.0)),
                "Timeout": num(f.num("timeout").unwrap_or(6.0)),
                "Architectures": [f.str("architecture").unwrap_or("x86_64")],
                "RecursiveLoop": if f.str("recursion") == Some("allow") { "Allow" } else { "Terminate" },
                "LoggingConfig": {"LogGroup": {"Ref": format!("{id}LogGroup")}},
                "Tags": tags_list(model, Some(f)),
            });
            if let Some(c) = f.num("concurrency") {
                props["ReservedConcurrentExecutions"] = num(c);
            }
            // SnapStart applies to published versions only; slsc invokes $LATEST. Saying so
            // explicitly keeps Java functions' configuration unambiguous (cfn-lint I2530).
            if f.str("runtime").is_some_and(|r| r.starts_with("java")) {
                props["SnapStart"] = json!({"ApplyOn": "None"});
            }
            if let Some(Value::Object(env)) = f.get("environment") {
                if !env.is_empty() {
                    let mut vars = Map::new();
                    for (k, v) in env {
                        vars.insert(k.clone(), string_value(model, v));
                    }
                    props["Environment"] = json!({"Variables": vars});
                }
            }
            if f.bool("tracing") == Some(true) {
                props["TracingConfig"] = json!({"Mode": "Active"});
            }
            if let Some(d) = f.str("description") {
                props["Description"] = json!(d);
            }
            if let Some(Value::List(layers)) = f.get("layers") {
                if !layers.is_empty() {
                    props["Layers"] = layers
                        .iter()
                        .map(|l| match l.as_ref_addr() {
                            Some(a) => json!({"Ref": main_id(a)}),
                            None => json!(l.as_str().unwrap_or_default()),
                        })
                        .collect();
                }
            }
            if let Some(v) = f.get("vpc") {
                props["VpcConfig"] = json!({
                    "SubnetIds": v.get("subnet_ids").map(Value::to_json).unwrap_or(json!([])),
                    "SecurityGroupIds": v.get("security_group_ids").map(Value::to_json).unwrap_or(json!([])),
                });
            }
            // The key encrypts environment variables: only with some (a key without them is a
            // perpetual difference for Terraform; both targets agree).
            if let (Some(k), Some(_)) = (f.str("kms_key"), props.get("Environment")) {
                props["KmsKeyArn"] = json!(k);
            }
            if let Some(c) = f.str("code_signing_config") {
                props["CodeSigningConfigArn"] = json!(c);
            }
            if let Some(d) = f.reference("dead_letter") {
                props["DeadLetterConfig"] = json!({"TargetArn": self.target_arn(d)});
            }
            self.add(
                id.clone(),
                json!({"Type": "AWS::Lambda::Function", "Properties": props}),
            );
            // Asynchronous invocation: retries and the failure destination.
            let retries = f.num("retries").unwrap_or(2.0);
            let on_failure = f.reference("on_failure");
            if retries != 2.0 || on_failure.is_some() {
                let mut p = json!({
                    "FunctionName": {"Ref": id},
                    "Qualifier": "$LATEST",
                    "MaximumRetryAttempts": num(retries),
                });
                if let Some(dest) = on_failure {
                    p["DestinationConfig"] =
                        json!({"OnFailure": {"Destination": self.target_arn(dest)}});
                }
                self.add(
                    format!("{id}EventInvokeConfig"),
                    json!({"Type": "AWS::Lambda::EventInvokeConfig", "Properties": p}),
                );
            }
        }
    }

    /// A log group with the app's retention (and a customer key when given). Deleted with the
    /// stack: logs are not the application's data.
    fn log_group(&mut self, id: String, name: String, kms_key: Option<&str>, tags: J) {
        let retention = self.model.app.num("log_retention").unwrap_or(30.0);
        let mut p = json!({"LogGroupName": name, "RetentionInDays": num(retention), "Tags": tags});
        if let Some(k) = kms_key {
            p["KmsKeyId"] = json!(k);
        }
        self.add(
            id,
            json!({"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete", "Properties": p}),
        );
    }

    /// The ARN of a queue or topic destination.
    fn target_arn(&self, a: &crate::model::Addr) -> J {
        use crate::model::RefKind as K;
        match a.kind {
            K::Queue => arn(&Arn::Queue(
                self.model.physical_name(BlockKind::Queue, &a.name),
            )),
            K::Topic => arn(&Arn::Topic(
                self.model.physical_name(BlockKind::Topic, &a.name),
            )),
            K::Function => arn(&Arn::Function(
                self.model.physical_name(BlockKind::Function, &a.name),
            )),
            _ => json!(""),
        }
    }

    fn queues(&mut self) {
        let model = self.model;
        for q in model.of_kind(BlockKind::Queue) {
            self.owner = Owner::Block(q);
            let fifo = q.bool("fifo") == Some(true);
            let mut p = json!({
                "QueueName": model.physical_name(BlockKind::Queue, &q.name),
                "VisibilityTimeout": num(q.num("visibility_timeout").unwrap_or(30.0)),
                "MessageRetentionPeriod": num(q.num("retention").unwrap_or(345_600.0)),
                "DelaySeconds": num(q.num("delay").unwrap_or(0.0)),
                "Tags": tags_list(model, Some(q)),
            });
            // A customer key, else SSE-SQS (model/profile.rs).
            match q.str("kms_key") {
                Some(k) => p["KmsMasterKeyId"] = json!(k),
                None => p["SqsManagedSseEnabled"] = json!(true),
            }
            if fifo {
                p["FifoQueue"] = json!(true);
            }
            if let Some(dl) = q.reference("dead_letter") {
                // GetAtt: the dead letter queue must exist before the redrive policy names it.
                p["RedrivePolicy"] = json!({
                    "deadLetterTargetArn": {"Fn::GetAtt": [format!("{}Queue", pascal(&dl.name)), "Arn"]},
                    "maxReceiveCount": num(q.num("max_receives").unwrap_or(5.0)),
                });
            }
            // Explicit: a queue's messages go with it (a plan flags deleting a queue as data loss).
            self.add(
                format!("{}Queue", pascal(&q.name)),
                json!({"Type": "AWS::SQS::Queue", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete", "Properties": p}),
            );
        }
    }

    fn tables(&mut self) {
        let model = self.model;
        for t in model.of_kind(BlockKind::Database) {
            self.owner = Owner::Block(t);
            let keys = shared::table_keys(t);
            let key_schema = |h: &shared::Key, r: &Option<shared::Key>| {
                let mut ks = vec![json!({"AttributeName": h.name, "KeyType": "HASH"})];
                if let Some(r) = r {
                    ks.push(json!({"AttributeName": r.name, "KeyType": "RANGE"}));
                }
                J::Array(ks)
            };
            let provisioned = t.str("billing") == Some("provisioned");
            let throughput = json!({
                "ReadCapacityUnits": num(t.num("read_capacity").unwrap_or(1.0)),
                "WriteCapacityUnits": num(t.num("write_capacity").unwrap_or(1.0)),
            });
            let gsis: Vec<J> = keys
                .indexes
                .iter()
                .map(|i| {
                    let mut g = json!({"IndexName": i.name, "KeySchema": key_schema(&i.hash, &i.range), "Projection": {"ProjectionType": i.projection}});
                    if provisioned {
                        g["ProvisionedThroughput"] = throughput.clone();
                    }
                    g
                })
                .collect();
            let mut p = json!({
                "TableName": model.physical_name(BlockKind::Database, &t.name),
                "AttributeDefinitions": keys.attributes.iter().map(|(n, ty)| json!({"AttributeName": n, "AttributeType": ty})).collect::<Vec<_>>(),
                "KeySchema": key_schema(&keys.hash, &keys.range),
                "BillingMode": if provisioned { "PROVISIONED" } else { "PAY_PER_REQUEST" },
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": t.bool("point_in_time_recovery") != Some(false)},
                "Tags": tags_list(model, Some(t)),
            });
            if let Some(k) = t.str("kms_key") {
                p["SSESpecification"] =
                    json!({"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": k});
            }
            if provisioned {
                p["ProvisionedThroughput"] = throughput;
            }
            if !gsis.is_empty() {
                p["GlobalSecondaryIndexes"] = J::Array(gsis);
            }
            if let Some(s) = t.str("stream") {
                p["StreamSpecification"] = json!({"StreamViewType": s.to_ascii_uppercase()});
            }
            if let Some(ttl) = t.str("ttl") {
                p["TimeToLiveSpecification"] = json!({"AttributeName": ttl, "Enabled": true});
            }
            let policy = retain_policy(t);
            self.add(
                format!("{}Table", pascal(&t.name)),
                json!({"Type": "AWS::DynamoDB::Table", "DeletionPolicy": policy, "UpdateReplacePolicy": policy, "Properties": p}),
            );
        }
    }

    fn buckets(&mut self) {
        let model = self.model;
        for b in model.of_kind(BlockKind::Bucket) {
            self.owner = Owner::Block(b);
            let mut p = json!({
                "BucketName": render(&shared::bucket_name_pieces(&model.bucket_name(&b.name))),
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true,
                    "BlockPublicPolicy": true,
                    "IgnorePublicAcls": true,
                    "RestrictPublicBuckets": true
                },
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
                "Tags": tags_list(model, Some(b)),
            });
            if b.bool("versioning") == Some(true) {
                p["VersioningConfiguration"] = json!({"Status": "Enabled"});
                p["LifecycleConfiguration"] = json!({"Rules": [{
                    "Id": "slsc-old-versions",
                    "Status": "Enabled",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": num(shared::keep_versions_days(b))},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                }]});
            }
            if let Some(k) = b.str("kms_key") {
                p["BucketEncryption"] = json!({"ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": k},
                    "BucketKeyEnabled": true,
                }]});
            }
            if let Some(logs) = b.str("access_logs_bucket") {
                p["LoggingConfiguration"] =
                    json!({"DestinationBucketName": logs, "LogFilePrefix": format!("{}/", b.name)});
            }
            // Notifications to functions: the permission must exist first (DependsOn), and the
            // function ARN is a Sub so the bucket does not depend on the function's role.
            let mut configs = Vec::new();
            let mut depends = Vec::new();
            for n in shared::bucket_notifications(model, self.graph, &b.name) {
                for event in &n.events {
                    let mut c = json!({"Event": event, "Function": arn(&Arn::Function(model.physical_name(BlockKind::Function, &n.function)))});
                    let mut rules = Vec::new();
                    if let Some(pfx) = n.prefix {
                        rules.push(json!({"Name": "prefix", "Value": pfx}));
                    }
                    if let Some(sfx) = n.suffix {
                        rules.push(json!({"Name": "suffix", "Value": sfx}));
                    }
                    if !rules.is_empty() {
                        c["Filter"] = json!({"S3Key": {"Rules": rules}});
                    }
                    configs.push(c);
                }
                depends.push(format!("{}Permission", pascal(n.trigger)));
            }
            let mut r = json!({"Type": "AWS::S3::Bucket", "Properties": p});
            if !configs.is_empty() {
                r["Properties"]["NotificationConfiguration"] =
                    json!({"LambdaConfigurations": configs});
                r["DependsOn"] = json!(depends);
            }
            let policy = retain_policy(b);
            r["DeletionPolicy"] = json!(policy);
            r["UpdateReplacePolicy"] = json!(policy);
            self.add(format!("{}Bucket", pascal(&b.name)), r);
        }
    }

    /// Lambda layers: each a version of its directory's zip.
    fn layers(&mut self) {
        let model = self.model;
        for l in model.of_kind(BlockKind::Layer) {
            self.owner = Owner::Block(l);
            let key = (self.keys)(&super::artifacts::layer_user(&l.name)).unwrap_or_default();
            let mut p = json!({
                "LayerName": model.physical_name(BlockKind::Layer, &l.name),
                "Content": {"S3Bucket": {"Ref": "ArtifactBucket"}, "S3Key": key},
            });
            for (attr, prop) in [
                ("compatible_runtimes", "CompatibleRuntimes"),
                ("compatible_architectures", "CompatibleArchitectures"),
            ] {
                if let Some(v) = l.get(attr) {
                    p[prop] = v.to_json();
                }
            }
            if let Some(d) = l.str("description") {
                p["Description"] = json!(d);
            }
            self.add(
                block_id(BlockKind::Layer, &l.name),
                json!({"Type": "AWS::Lambda::LayerVersion", "Properties": p}),
            );
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
                "Name": model.physical_name(BlockKind::Stream, &s.name),
                "RetentionPeriodHours": num(st.retention_hours),
                "StreamModeDetails": {"StreamMode": st.mode},
                "Tags": tags_list(model, Some(s)),
            });
            if let Some(n) = st.shards {
                p["ShardCount"] = num(n);
            }
            if let Some(key) = st.kms_key {
                p["StreamEncryption"] = json!({"EncryptionType": "KMS", "KeyId": key});
            }
            let policy = retain_policy(s);
            self.add(
                block_id(BlockKind::Stream, &s.name),
                json!({"Type": "AWS::Kinesis::Stream", "Properties": p, "DeletionPolicy": policy, "UpdateReplacePolicy": policy}),
            );
        }
    }

    /// Raw resources with a CloudFormation body, as written (a resource without one stops
    /// the build before this: `emit::missing_bodies`).
    fn raw_resources(&mut self) {
        let model = self.model;
        for r in model.of_kind(BlockKind::Resource) {
            self.owner = Owner::Block(r);
            let Some(body) = r.get("cloudformation") else {
                continue;
            };
            let mut res =
                json!({"Type": body.get("type").and_then(Value::as_str).unwrap_or_default()});
            if let Some(p) = body.get("properties") {
                res["Properties"] = json_value(model, p);
            }
            // A dependency the properties already name is implied (cfn-lint W3005).
            let text = res.to_string();
            let implied = |id: &String| {
                text.contains(&format!("\"{id}\""))
                    || text.contains(&format!("${{{id}}}"))
                    || text.contains(&format!("${{{id}."))
            };
            let depends: Vec<String> = shared::depends_on(r)
                .map(main_id)
                .filter(|id| !implied(id))
                .collect();
            if !depends.is_empty() {
                res["DependsOn"] = json!(depends);
            }
            self.add(block_id(BlockKind::Resource, &r.name), res);
        }
    }

    fn topics(&mut self) {
        let model = self.model;
        for t in model.of_kind(BlockKind::Topic) {
            self.owner = Owner::Block(t);
            let mut p = json!({"TopicName": model.physical_name(BlockKind::Topic, &t.name), "Tags": tags_list(model, Some(t))});
            if t.bool("fifo") == Some(true) {
                p["FifoTopic"] = json!(true);
            }
            if let Some(k) = shared::encryption_key(t, shared::SNS_MANAGED_KEY) {
                p["KmsMasterKeyId"] = json!(k);
            }
            self.add(
                format!("{}Topic", pascal(&t.name)),
                json!({"Type": "AWS::SNS::Topic", "Properties": p}),
            );
        }
    }

    fn alarms(&mut self) {
        let model = self.model;
        for a in model.of_kind(BlockKind::Alarm) {
            self.owner = Owner::Block(a);
            let id = format!("{}Alarm", pascal(&a.name));
            let Some(metric) = shared::alarm_metric(model, a) else {
                continue;
            };
            let period = num(a.num("period").unwrap_or(60.0));
            let mut p = json!({
                "AlarmName": model.physical_name(BlockKind::Alarm, &a.name),
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "Threshold": num(a.num("threshold").unwrap_or(0.0)),
                "EvaluationPeriods": num(a.num("evaluation_periods").unwrap_or(1.0)),
                "TreatMissingData": "notBreaching",
            });
            match metric {
                shared::AlarmMetric::Single {
                    namespace,
                    metric,
                    statistic,
                    dimension,
                    value,
                } => {
                    merge(
                        &mut p,
                        json!({"Namespace": namespace, "MetricName": metric, "Statistic": statistic, "Dimensions": [{"Name": dimension, "Value": value}]}),
                    );
                    p["Period"] = period;
                }
                shared::AlarmMetric::TableThrottles { table } => {
                    let m = |id: &str, name: &str| {
                        json!({"Id": id, "ReturnData": false, "MetricStat": {
                            "Metric": {"Namespace": "AWS/DynamoDB", "MetricName": name, "Dimensions": [{"Name": "TableName", "Value": table}]},
                            "Period": period, "Stat": "Sum"}})
                    };
                    p["Metrics"] = json!([
                        m("reads", "ReadThrottleEvents"),
                        m("writes", "WriteThrottleEvents"),
                        {"Id": "throttles", "Expression": "reads + writes", "Label": "throttles", "ReturnData": true}
                    ]);
                }
            }
            // A topic when someone must be told: e-mail subscribers or a trigger.
            let (notify, needs_topic) = shared::alarm_notifications(model, self.graph, a);
            if needs_topic {
                let topic = format!("{id}Topic");
                let mut tp = json!({"Tags": tags_list(model, Some(a))});
                if let Some(k) = a.str("kms_key") {
                    tp["KmsMasterKeyId"] = json!(k);
                }
                self.add(
                    topic.clone(),
                    json!({"Type": "AWS::SNS::Topic", "Properties": tp}),
                );
                for (i, addr) in notify.iter().enumerate() {
                    self.add(
                        format!("{id}Notify{}Subscription", i + 1),
                        json!({"Type": "AWS::SNS::Subscription", "Properties": {"TopicArn": {"Ref": topic}, "Protocol": "email", "Endpoint": addr}}),
                    );
                }
                p["AlarmActions"] = json!([{"Ref": topic}]);
            }
            self.add(
                id,
                json!({"Type": "AWS::CloudWatch::Alarm", "Properties": with_tags(p, tags_list(model, Some(a)))}),
            );
        }
    }

    fn permission(&mut self, id: String, function: &str, principal: &str, source_arn: J) {
        self.add(
            id,
            json!({"Type": "AWS::Lambda::Permission", "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": function_id(function)},
                "Principal": principal,
                "SourceArn": source_arn,
                "SourceAccount": {"Ref": "AWS::AccountId"},
            }}),
        );
    }

    /// The resources of every trigger (one helper per source kind), then the HTTP API when a
    /// trigger is an HTTP route and the WebSocket API when one is a WebSocket route.
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
            let w = Wiring {
                t,
                tid: pascal(&t.name),
                f,
            };
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
        let tid = &w.tid;
        self.add(
            format!("{tid}Integration"),
            json!({"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
                "ApiId": {"Ref": "WebsocketApi"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": invocation_uri(&w.f),
            }}),
        );
        let mut route = json!({
            "ApiId": {"Ref": "WebsocketApi"},
            "RouteKey": key,
            "Target": {"Fn::Sub": format!("integrations/${{{tid}Integration}}")},
            "AuthorizationType": "NONE",
        });
        match w.t.str("auth") {
            Some("iam") => route["AuthorizationType"] = json!("AWS_IAM"),
            Some("lambda") => {
                self.lambda_authorizer(w, "WebsocketApi");
                route["AuthorizationType"] = json!("CUSTOM");
                route["AuthorizerId"] = json!({"Ref": format!("{tid}Authorizer")});
            }
            _ => {}
        }
        self.add(
            format!("{tid}Route"),
            json!({"Type": "AWS::ApiGatewayV2::Route", "Properties": route}),
        );
        let source = format!(
            "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{WebsocketApi}}{}",
            sub_escape(&shared::websocket_source_path(key))
        );
        self.permission(
            format!("{tid}Permission"),
            &w.f,
            "apigateway.amazonaws.com",
            sub(source),
        );
    }

    /// The WebSocket API shared by the WebSocket triggers, its stage (named after the app's
    /// stage, deployed on every change) and its URL output.
    fn websocket_api(&mut self) {
        self.owner = Owner::WEBSOCKET_API;
        let model = self.model;
        self.add(
            "WebsocketApi".into(),
            json!({"Type": "AWS::ApiGatewayV2::Api", "Properties": {
                "Name": shared::websocket_api_name(model),
                "ProtocolType": "WEBSOCKET",
                "RouteSelectionExpression": crate::model::websocket::route_selection(model),
                "Tags": tags_map(model),
            }}),
        );
        self.api_stage("websocket", "WebsocketApi", &model.stage);
        self.output_owners
            .push(("WebsocketApiUrl".into(), Owner::WEBSOCKET_API));
        self.outputs.insert(
            "WebsocketApiUrl".into(),
            json!({"Description": "The WebSocket API's URL", "Value": render(&shared::websocket_url_pieces("wss", &model.stage))}),
        );
    }

    /// An HTTP route: the Lambda integration, the route (with its authorizer) and the permission
    /// for API Gateway to invoke the function.
    fn http_trigger(&mut self, w: &Wiring, method: &str, path: &str) {
        let tid = &w.tid;
        self.add(
            format!("{tid}Integration"),
            json!({"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
                "ApiId": {"Ref": "HttpApi"},
                "IntegrationType": "AWS_PROXY",
                "IntegrationUri": w.fn_arn(),
                "PayloadFormatVersion": "2.0",
            }}),
        );
        let mut route = json!({
            "ApiId": {"Ref": "HttpApi"},
            "RouteKey": shared::route_key(method, path),
            "Target": {"Fn::Sub": format!("integrations/${{{tid}Integration}}")},
        });
        match w.t.str("auth") {
            Some("iam") => route["AuthorizationType"] = json!("AWS_IAM"),
            Some("jwt") => {
                self.jwt_authorizer(w);
                route["AuthorizationType"] = json!("JWT");
                route["AuthorizerId"] = json!({"Ref": format!("{tid}Authorizer")});
            }
            Some("lambda") => {
                self.lambda_authorizer(w, "HttpApi");
                route["AuthorizationType"] = json!("CUSTOM");
                route["AuthorizerId"] = json!({"Ref": format!("{tid}Authorizer")});
            }
            _ => route["AuthorizationType"] = json!("NONE"),
        }
        self.add(
            format!("{tid}Route"),
            json!({"Type": "AWS::ApiGatewayV2::Route", "Properties": route}),
        );
        let source = [
            vec![
                Piece::Text("arn:".into()),
                Piece::Partition,
                Piece::Text(":execute-api:".into()),
                Piece::Region,
            ],
            vec![
                Piece::Text(":".into()),
                Piece::AccountId,
                Piece::Text(":".into()),
                Piece::ApiId,
            ],
            vec![Piece::Text(shared::route_source_path(method, path))],
        ]
        .concat();
        self.permission(
            format!("{tid}Permission"),
            &w.f,
            "apigateway.amazonaws.com",
            render(&source),
        );
    }

    /// The Lambda (request) authorizer of a route with `auth = "lambda"` on `api` (`HttpApi`,
    /// or `WebsocketApi`: its `$connect`, answered with an IAM policy, never cached), and the
    /// permission for API Gateway to invoke its function.
    fn lambda_authorizer(&mut self, w: &Wiring, api: &str) {
        let Some(a) = shared::lambda_authorizer(w.t) else {
            return;
        };
        let id = format!("{}Authorizer", w.tid);
        let mut p = json!({
            "ApiId": {"Ref": api},
            "AuthorizerType": "REQUEST",
            "Name": format!("{}-{}", self.model.stage, w.t.name),
            "AuthorizerUri": invocation_uri(&a.function),
        });
        if api == "HttpApi" {
            p["AuthorizerPayloadFormatVersion"] = json!("2.0");
            p["EnableSimpleResponses"] = json!(a.simple_responses);
            p["AuthorizerResultTtlInSeconds"] = json!(a.ttl);
        }
        if !a.identity.is_empty() {
            p["IdentitySource"] = json!(a.identity);
        }
        self.add(
            id.clone(),
            json!({"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": p}),
        );
        let source = format!(
            "arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{api}}}/authorizers/${{{id}}}"
        );
        self.permission(
            format!("{}AuthorizerPermission", w.tid),
            &a.function,
            "apigateway.amazonaws.com",
            json!({"Fn::Sub": source}),
        );
    }

    /// The JWT authorizer of a route with `auth = "jwt"`.
    fn jwt_authorizer(&mut self, w: &Wiring) {
        let j = w.t.get("jwt").cloned().unwrap_or(Value::Null);
        self.add(
            format!("{}Authorizer", w.tid),
            json!({"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
                "ApiId": {"Ref": "HttpApi"},
                "AuthorizerType": "JWT",
                "Name": format!("{}-{}", self.model.stage, w.t.name),
                "IdentitySource": ["$request.header.Authorization"],
                "JwtConfiguration": {
                    "Issuer": j.get("issuer").map(Value::to_json).unwrap_or(json!("")),
                    "Audience": j.get("audience").map(Value::to_json).unwrap_or(json!([])),
                }
            }}),
        );
    }

    /// A schedule: an EventBridge rule targeting the function, and its permission.
    fn schedule_trigger(&mut self, w: &Wiring, expr: &str) {
        let model = self.model;
        let (t, tid) = (w.t, &w.tid);
        let mut target = json!({"Arn": w.fn_arn(), "Id": "function"});
        if let Some(input) = t.get("input") {
            target["Input"] = json!(sorted(input.to_json()).to_string());
        }
        self.add(
            format!("{tid}Rule"),
            json!({"Type": "AWS::Events::Rule", "Properties": {
                "Name": model.physical_name(BlockKind::Trigger, &t.name),
                "ScheduleExpression": expr,
                "State": "ENABLED",
                "Targets": [target],
                "Tags": tags_list(model, None),
            }}),
        );
        self.permission(
            format!("{tid}Permission"),
            &w.f,
            "events.amazonaws.com",
            json!({"Fn::GetAtt": [format!("{tid}Rule"), "Arn"]}),
        );
    }

    /// A queue: an event source mapping from the SQS queue.
    fn queue_trigger(&mut self, w: &Wiring, queue: &str) {
        let t = w.t;
        let mut p = json!({
            "FunctionName": {"Ref": function_id(&w.f)},
            "EventSourceArn": {"Fn::GetAtt": [format!("{}Queue", pascal(queue)), "Arn"]},
            "BatchSize": num(t.num("batch_size").unwrap_or(10.0)),
            "Enabled": true,
        });
        if let Some(window) = t.num("batch_window") {
            p["MaximumBatchingWindowInSeconds"] = num(window);
        }
        if let Some(c) = t.num("max_concurrency") {
            p["ScalingConfig"] = json!({"MaximumConcurrency": num(c)});
        }
        if t.bool("partial_failures") == Some(true) {
            p["FunctionResponseTypes"] = json!(["ReportBatchItemFailures"]);
        }
        self.add(
            format!("{}EventSourceMapping", w.tid),
            json!({"Type": "AWS::Lambda::EventSourceMapping", "Properties": with_tags(p, tags_list(self.model, None))}),
        );
    }

    /// A database: an event source mapping from the DynamoDB table's stream.
    fn database_trigger(&mut self, w: &Wiring, table: &str) {
        let source = json!({"Fn::GetAtt": [format!("{}Table", pascal(table)), "StreamArn"]});
        self.stream_mapping(w, source);
    }

    /// A Kinesis stream: an event source mapping, as for a table's stream, with its
    /// parallelization factor.
    fn kinesis_trigger(&mut self, w: &Wiring, stream: &str) {
        let source = json!({"Fn::GetAtt": [block_id(BlockKind::Stream, stream), "Arn"]});
        self.stream_mapping(w, source);
    }

    /// The event source mapping of a stream (a table's or Kinesis's).
    fn stream_mapping(&mut self, w: &Wiring, source: J) {
        let t = w.t;
        let mut p = json!({
            "FunctionName": {"Ref": function_id(&w.f)},
            "EventSourceArn": source,
            "BatchSize": num(t.num("batch_size").unwrap_or(100.0)),
            "StartingPosition": if t.str("starting_position") == Some("trim_horizon") { "TRIM_HORIZON" } else { "LATEST" },
            "MaximumRetryAttempts": num(t.num("retries").unwrap_or(-1.0)),
            "Enabled": true,
        });
        if let Some(window) = t.num("batch_window") {
            p["MaximumBatchingWindowInSeconds"] = num(window);
        }
        if let Some(n) = t.num("parallelization") {
            p["ParallelizationFactor"] = num(n);
        }
        if let Some(dest) = t.reference("on_failure") {
            p["DestinationConfig"] = json!({"OnFailure": {"Destination": self.target_arn(dest)}});
        }
        self.add(
            format!("{}EventSourceMapping", w.tid),
            json!({"Type": "AWS::Lambda::EventSourceMapping", "Properties": with_tags(p, tags_list(self.model, None))}),
        );
    }

    /// A bucket: only the permission for S3 (the notification is part of the bucket).
    fn bucket_trigger(&mut self, w: &Wiring, bucket: &str) {
        self.permission(
            format!("{}Permission", w.tid),
            &w.f,
            "s3.amazonaws.com",
            arn(&Arn::Bucket(self.model.bucket_name(bucket))),
        );
    }

    /// A topic: a Lambda subscription (with its filter policy) and the permission for SNS.
    fn topic_trigger(&mut self, w: &Wiring, topic: &str) {
        let tid = &w.tid;
        let mut p = json!({
            "TopicArn": {"Ref": format!("{}Topic", pascal(topic))},
            "Protocol": "lambda",
            "Endpoint": w.fn_arn(),
        });
        if let Some(filter) = w.t.get("filter") {
            p["FilterPolicy"] = sorted(filter.to_json());
            p["FilterPolicyScope"] = json!("MessageAttributes");
        }
        self.add(
            format!("{tid}Subscription"),
            json!({"Type": "AWS::SNS::Subscription", "Properties": p}),
        );
        self.permission(
            format!("{tid}Permission"),
            &w.f,
            "sns.amazonaws.com",
            json!({"Ref": format!("{}Topic", pascal(topic))}),
        );
    }

    /// An alarm: a Lambda subscription to the alarm's topic and the permission for SNS.
    fn alarm_trigger(&mut self, w: &Wiring, alarm: &str) {
        let tid = &w.tid;
        let topic = format!("{}AlarmTopic", pascal(alarm));
        self.add(
            format!("{tid}Subscription"),
            json!({"Type": "AWS::SNS::Subscription", "Properties": {"TopicArn": {"Ref": topic}, "Protocol": "lambda", "Endpoint": w.fn_arn()}}),
        );
        self.permission(
            format!("{tid}Permission"),
            &w.f,
            "sns.amazonaws.com",
            json!({"Ref": topic}),
        );
    }

    /// A shared API's stage (`{api_id}Stage`), with its access logs when they are on
    /// (`{api_id}AccessLogs`, a log group with the app's retention).
    fn api_stage(&mut self, api: &str, api_id: &str, stage: &str) {
        let model = self.model;
        let mut p = json!({"ApiId": {"Ref": api_id}, "StageName": stage, "AutoDeploy": true, "Tags": tags_map(model)});
        if let Some(group) = shared::api_access_log_group(model, api) {
            let id = format!("{api_id}AccessLogs");
            p["AccessLogSettings"] = json!({
                "DestinationArn": {"Fn::GetAtt": [id, "Arn"]},
                "Format": shared::api_access_log_format(api),
            });
            self.log_group(id, group, model.app.str("kms_key"), tags_list(model, None));
        }
        self.add(
            format!("{api_id}Stage"),
            json!({"Type": "AWS::ApiGatewayV2::Stage", "Properties": p}),
        );
    }

    /// The HTTP API shared by the HTTP triggers, its default stage and its URL output.
    fn http_api(&mut self) {
        self.owner = Owner::HTTP_API;
        let model = self.model;
        let mut p = json!({
            "Name": format!("{}-{}", model.app.name, model.stage),
            "ProtocolType": "HTTP",
            "Tags": tags_map(model),
        });
        if let Some(cors) = self.cors() {
            p["CorsConfiguration"] = cors;
        }
        self.add(
            "HttpApi".into(),
            json!({"Type": "AWS::ApiGatewayV2::Api", "Properties": p}),
        );
        self.api_stage("http", "HttpApi", "$default");
        self.output_owners
            .push(("HttpApiUrl".into(), Owner::HTTP_API));
        self.outputs.insert(
            "HttpApiUrl".into(),
            json!({"Description": "The HTTP API's URL", "Value": sub("https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}".into())}),
        );
    }

    fn cors(&self) -> Option<J> {
        let c = shared::cors(self.model)?;
        let mut j = json!({"AllowOrigins": c.origins, "AllowMethods": c.methods, "AllowHeaders": c.headers});
        if let Some(m) = c.max_age {
            j["MaxAge"] = num(m);
        }
        Some(j)
    }

    fn outputs(&mut self) {
        let model = self.model;
        for o in model.of_kind(BlockKind::Output) {
            self.owner = Owner::Block(o);
            let Some(v) = o.get("value") else { continue };
            let mut out = json!({"Value": string_value(model, v)});
            if let Some(d) = o.str("description") {
                out["Description"] = json!(d);
            }
            self.output_owners.push((pascal(&o.name), Owner::Block(o)));
            self.outputs.insert(pascal(&o.name), out);
        }
    }
}

fn with_tags(mut p: J, tags: J) -> J {
    p["Tags"] = tags;
    p
}

fn merge(a: &mut J, b: J) {
    if let (J::Object(a), J::Object(b)) = (a, b) {
        for (k, v) in b {
            a.insert(k, v);
        }
    }
}
