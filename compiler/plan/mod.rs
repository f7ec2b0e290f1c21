//! `slsc plan`: what a change to the `.sls` files does to deployed infrastructure (SPEC §9).
//!
//! The plan compares two [`Snapshot`]s — the emitted resources of the base and of the head,
//! keyed by CloudFormation logical ID or Terraform address — resource by resource. A snapshot
//! comes from a compiled project ([`Snapshot::from_build`]: `--base DIR`, `--base-ref GITREF`)
//! or from a deployed template ([`Snapshot::from_template`]: `--stack`, where only the template
//! is known and the owners are recovered from the logical IDs). Every resource is grouped under
//! the `.sls` block that owns it (`function.api` owns its role, log group, invoke config…).
//!
//! - `create` / `delete`: the ID exists on one side only.
//! - `update`: some property differs; `replace` when one of them is a replacement property of
//!   the resource type ([`tables`], one data table per target).
//! - Data loss: replacing a database, bucket or queue; deleting a queue; deleting a database or
//!   bucket that is not retained (for Terraform, retained ones too: `prevent_destroy` guards
//!   only while the block exists).
//! - A replacement that cannot succeed is marked `blocked` with the fix: CloudFormation cannot
//!   replace a resource whose explicit name stays the same; Terraform refuses to destroy a
//!   `prevent_destroy` resource.
//! - Likely renames: a block whose resources are all deleted and a block of the same kind whose
//!   resources are all created, paired, with the `moved` block that would keep the identity.

pub mod base;
pub mod render;
pub mod tables;

use crate::driver::Compilation;
use crate::emit::{Built, Target};
use crate::graph::{EdgeKind, NodeKind};
use crate::model::{BlockKind, Model};
use crate::naming::pascal;
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};

/// One emitted resource.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `AWS::Lambda::Function` / `aws_lambda_function`.
    pub type_: String,
    /// The address of the owning `.sls` block (`function.api`, `trigger.nightly`, `http.api`).
    pub owner: String,
    /// The resource's JSON text as emitted, when known: two resources with the same text are
    /// the same, so most of a large plan never builds a JSON tree.
    raw: Option<Box<str>>,
    /// The resource's JSON (CloudFormation: the object with `Type`, `Properties`…; Terraform:
    /// the resource's attribute object), parsed from `raw` when first needed.
    body: std::sync::OnceLock<J>,
    /// The nested stack the resource is in (`FunctionStack03`), `None` for the root or a
    /// one-stack application (emit/stacks.rs).
    pub stack: Option<Box<str>>,
}

impl Resource {
    pub fn new(type_: String, owner: String, body: J) -> Resource {
        Resource {
            type_,
            owner,
            raw: None,
            body: std::sync::OnceLock::from(body),
            stack: None,
        }
    }

    fn from_raw(type_: String, owner: String, raw: Box<str>) -> Resource {
        Resource {
            type_,
            owner,
            raw: Some(raw),
            body: std::sync::OnceLock::new(),
            stack: None,
        }
    }

    /// The resource's JSON.
    pub fn body(&self) -> &J {
        self.body.get_or_init(|| {
            self.raw
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or(J::Null)
        })
    }

    /// Whether two resources are the same: equal text, else equal JSON.
    fn same_as(&self, other: &Resource) -> bool {
        match (&self.raw, &other.raw) {
            (Some(a), Some(b)) if a == b => true,
            _ => self.body() == other.body(),
        }
    }
}

/// One side of a plan.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub target: Target,
    /// By logical ID (CloudFormation) or `type.name` address (Terraform).
    pub resources: BTreeMap<String, Resource>,
    /// The resource graph between owners, for the markdown's mermaid graph: (from, to, label).
    pub edges: BTreeSet<(String, String, String)>,
}

/// What happens to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// One changed property (a top-level property of the resource; nested values are compared and
/// shown whole).
#[derive(Debug, Clone)]
pub struct PropertyChange {
    pub path: String,
    pub before: Option<J>,
    pub after: Option<J>,
    /// This change replaces the resource.
    pub replacement: bool,
    /// Set when the written value is unchanged but refers to a resource that is replaced: the
    /// value may change at deploy time (the replaced resource's logical ID / address).
    pub refers_to_replaced: Option<String>,
}

/// A code change: the artifact hashes (first 16 hex of the zip's SHA-256) before and after.
#[derive(Debug, Clone)]
pub struct CodeChange {
    pub before: String,
    pub after: String,
}

/// One resource's change.
#[derive(Debug, Clone)]
pub struct Change {
    pub address: String,
    pub logical_id: String,
    pub type_: String,
    pub action: Action,
    pub data_loss: bool,
    /// A deleted resource whose data stays in the account (CloudFormation `DeletionPolicy:
    /// Retain`): "kept, no longer managed".
    pub retained: bool,
    pub properties: Vec<PropertyChange>,
    pub code: Option<CodeChange>,
    /// Why the deployment of this change will fail, when it will.
    pub blocked: Option<String>,
    /// The fix for `blocked`, or advice for data loss.
    pub fix: Option<String>,
    /// Further explanations.
    pub notes: Vec<String>,
    /// `database`, `bucket` or `queue`: what the resource holds.
    pub store: Option<String>,
}

/// A block deleted and a block of the same kind created in one plan.
#[derive(Debug, Clone)]
pub struct Rename {
    pub from: String,
    pub to: String,
    /// Deleting the old block loses data.
    pub data_loss: bool,
}

impl Rename {
    /// The `moved` block that keeps the identity.
    pub fn moved_block(&self) -> String {
        format!(
            "moved {{\n  from = {}\n  to   = {}\n}}\n",
            self.from, self.to
        )
    }
}

/// The plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub target: Target,
    /// Sorted by owner address, then logical ID.
    pub changes: Vec<Change>,
    pub renames: Vec<Rename>,
    /// The resource graphs between owners, (from, to, label): the base's and the head's.
    pub base_edges: BTreeSet<(String, String, String)>,
    pub head_edges: BTreeSet<(String, String, String)>,
}

impl Plan {
    pub fn count(&self, a: Action) -> usize {
        self.changes.iter().filter(|c| c.action == a).count()
    }
    pub fn data_loss(&self) -> usize {
        self.changes.iter().filter(|c| c.data_loss).count()
    }
    pub fn blocked(&self) -> usize {
        self.changes.iter().filter(|c| c.blocked.is_some()).count()
    }
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

// ------------------------------------------------------------------------------------------
// Snapshots
// ------------------------------------------------------------------------------------------

/// The owners of a compiled project: (kind, identity key) → address as written. The identity
/// key is the PascalCase identity name for CloudFormation and the identity name for Terraform
/// (a block renamed with `moved` is found under its old name).
#[derive(Debug, Default, Clone)]
pub struct Owners {
    map: BTreeMap<(&'static str, String), String>,
    /// Resources whose owner is known exactly: recorded by the emitter (`Built::owners`), or
    /// renamed with `app.logical_ids` (the ID emitted instead of slsc's own).
    exact: BTreeMap<String, String>,
}

impl Owners {
    pub fn of_model(model: &Model, target: Target) -> Owners {
        let ids = model.identities();
        let mut map = BTreeMap::new();
        for b in &model.blocks {
            let kind = b.kind.as_str();
            if !matches!(
                b.kind,
                BlockKind::Function
                    | BlockKind::Queue
                    | BlockKind::Database
                    | BlockKind::Bucket
                    | BlockKind::Topic
                    | BlockKind::Alarm
                    | BlockKind::Trigger
                    | BlockKind::Resource
                    | BlockKind::Stream
                    | BlockKind::Layer
            ) {
                continue;
            }
            let identity = b
                .kind
                .ref_kind()
                .and_then(|k| {
                    ids.get(&crate::model::Addr {
                        kind: k,
                        name: b.name.clone(),
                    })
                })
                .cloned()
                .unwrap_or_else(|| b.name.clone());
            let key = match target {
                Target::CloudFormation => pascal(&identity),
                Target::Terraform => identity,
            };
            map.insert((kind, key), b.addr());
        }
        let mut o = Owners {
            map,
            exact: BTreeMap::new(),
        };
        // `app.logical_ids`: a renamed resource belongs to the block its own ID names.
        if target == Target::CloudFormation {
            if let Some(crate::model::Value::Object(ids)) = model.app.get("logical_ids") {
                let pairs: Vec<(String, String)> = ids
                    .iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect();
                for (from, to) in pairs {
                    if let Some(owner) = o.owner_of_any_type(&from) {
                        o.exact.insert(to, owner);
                    }
                }
            }
        }
        o
    }

    /// These owners, with every resource the emitter recorded (`Built::owners`) known exactly.
    pub fn with_emitted(&self, emitted: &BTreeMap<String, String>) -> Owners {
        let mut o = self.clone();
        for (id, addr) in emitted {
            o.exact.insert(id.clone(), addr.clone());
        }
        o
    }

    /// The block that owns slsc's logical ID `id`, whatever the resource's type.
    fn owner_of_any_type(&self, id: &str) -> Option<String> {
        const TYPES: [&str; 18] = [
            "AWS::Lambda::Function",
            "AWS::IAM::Role",
            "AWS::Logs::LogGroup",
            "AWS::Lambda::EventInvokeConfig",
            "AWS::SQS::Queue",
            "AWS::DynamoDB::Table",
            "AWS::Kinesis::Stream",
            "AWS::Lambda::LayerVersion",
            "AWS::S3::Bucket",
            "AWS::CloudWatch::Alarm",
            "AWS::SNS::Topic",
            "AWS::SNS::Subscription",
            "AWS::Lambda::Permission",
            "AWS::Events::Rule",
            "AWS::Lambda::EventSourceMapping",
            "AWS::ApiGatewayV2::Route",
            "AWS::ApiGatewayV2::Integration",
            "AWS::ApiGatewayV2::Authorizer",
        ];
        TYPES
            .iter()
            .flat_map(|t| candidates(Target::CloudFormation, t, id))
            .chain(candidates(Target::CloudFormation, "", id))
            .find_map(|(kind, key)| self.map.get(&(kind, key)).cloned())
    }

    /// Adds the entries of `other` that this one lacks.
    pub fn merge(&mut self, other: &Owners) {
        for (k, v) in &other.map {
            self.map.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &other.exact {
            self.exact.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }

    /// The owner of a resource: the first candidate (kind, key) a block answers to, else the
    /// first candidate spelled as an address.
    pub fn owner(&self, target: Target, type_: &str, id: &str) -> String {
        if let Some(a) = self.exact.get(id) {
            return a.clone();
        }
        let cands = candidates(target, type_, id);
        for (kind, key) in &cands {
            if *kind == "http" || *kind == "websocket" {
                return format!("{kind}.api");
            }
            if let Some(a) = self.map.get(&(*kind, key.clone())) {
                return a.clone();
            }
        }
        match cands.first() {
            Some((kind, key)) => format!("{kind}.{key}"),
            None => id.to_string(),
        }
    }
}

/// The blocks a resource could belong to, most specific first: (block kind, identity key).
fn candidates(target: Target, type_: &str, id: &str) -> Vec<(&'static str, String)> {
    let strip = |suffix: &str| id.strip_suffix(suffix).map(str::to_string);
    let mut out = Vec::new();
    let mut push = |kind: &'static str, key: Option<String>| {
        if let Some(k) = key.filter(|k| !k.is_empty()) {
            out.push((kind, k));
        }
    };
    match target {
        Target::CloudFormation => match type_ {
            "AWS::Lambda::Function" => push("function", strip("Function")),
            "AWS::IAM::Role" => push("function", strip("FunctionRole")),
            "AWS::Logs::LogGroup" => push("function", strip("FunctionLogGroup")),
            "AWS::Lambda::EventInvokeConfig" => {
                push("function", strip("FunctionEventInvokeConfig"))
            }
            "AWS::SQS::Queue" => push("queue", strip("Queue")),
            "AWS::DynamoDB::Table" => push("database", strip("Table")),
            "AWS::Kinesis::Stream" => push("stream", strip("Stream")),
            "AWS::Lambda::LayerVersion" => push("layer", strip("Layer")),
            "AWS::S3::Bucket" => push("bucket", strip("Bucket")),
            "AWS::CloudWatch::Alarm" => push("alarm", strip("Alarm")),
            "AWS::SNS::Topic" => {
                push("alarm", strip("AlarmTopic"));
                push("topic", strip("Topic"));
            }
            "AWS::SNS::Subscription" => {
                let notify = id.strip_suffix("Subscription").and_then(|s| {
                    let digits = s.trim_end_matches(|c: char| c.is_ascii_digit());
                    (digits.len() < s.len())
                        .then(|| digits.strip_suffix("AlarmNotify"))
                        .flatten()
                        .map(str::to_string)
                });
                push("alarm", notify);
                push("trigger", strip("Subscription"));
            }
            "AWS::Lambda::Permission" => {
                push("trigger", strip("AuthorizerPermission"));
                push("trigger", strip("Permission"));
            }
            "AWS::Events::Rule" => push("trigger", strip("Rule")),
            "AWS::Lambda::EventSourceMapping" => push("trigger", strip("EventSourceMapping")),
            "AWS::ApiGatewayV2::Route" => push("trigger", strip("Route")),
            "AWS::ApiGatewayV2::Integration" => push("trigger", strip("Integration")),
            "AWS::ApiGatewayV2::Authorizer" => push("trigger", strip("Authorizer")),
            "AWS::ApiGatewayV2::Api" | "AWS::ApiGatewayV2::Stage" => {
                let api = if id.starts_with("Websocket") {
                    "websocket"
                } else {
                    "http"
                };
                push(api, Some("api".into()))
            }
            // A raw resource may have any type (even one slsc emits for its own blocks).
            _ => {}
        },
        Target::Terraform => {
            let name = id.split_once('.').map(|(_, n)| n).unwrap_or(id);
            let (block, extra) = name.split_once('-').unwrap_or((name, ""));
            let block = Some(block.to_string());
            match type_ {
                "aws_lambda_function"
                | "aws_iam_role"
                | "aws_iam_role_policy"
                | "aws_cloudwatch_log_group"
                | "aws_lambda_function_event_invoke_config"
                | "aws_lambda_function_recursion_config" => push("function", block),
                "aws_sqs_queue" => push("queue", block),
                "aws_dynamodb_table" => push("database", block),
                "aws_kinesis_stream" => push("stream", block.clone()),
                "aws_lambda_layer_version" => push("layer", block.clone()),
                t if t.starts_with("aws_s3_bucket") => push("bucket", block),
                "aws_cloudwatch_metric_alarm" => push("alarm", block),
                "aws_sns_topic" if extra == "alarm" => push("alarm", block),
                "aws_sns_topic" => push("topic", block),
                "aws_sns_topic_subscription" if extra.starts_with("notify-") => {
                    push("alarm", block)
                }
                "aws_sns_topic_subscription"
                | "aws_lambda_permission"
                | "aws_cloudwatch_event_rule"
                | "aws_cloudwatch_event_target"
                | "aws_lambda_event_source_mapping"
                | "aws_apigatewayv2_route"
                | "aws_apigatewayv2_integration"
                | "aws_apigatewayv2_authorizer" => push("trigger", block),
                "aws_apigatewayv2_api" | "aws_apigatewayv2_stage" => {
                    let api = if name == "websocket" {
                        "websocket"
                    } else {
                        "http"
                    };
                    push(api, Some("api".into()))
                }
                _ => {}
            }
            push("resource", Some(name.to_string()));
        }
    }
    if target == Target::CloudFormation {
        push("resource", strip("Resource"));
    }
    out
}

/// The graph between owner addresses: a trigger sits between its source and its function.
fn owner_edges(c: &Compilation) -> BTreeSet<(String, String, String)> {
    let mut out = BTreeSet::new();
    let Some(g) = &c.graph else {
        return out;
    };
    let addr = |n: &crate::graph::Node| match n.kind {
        NodeKind::Schedule => format!("trigger.{}", n.name),
        _ => n.address(),
    };
    for e in g.graph.edge_indices() {
        let Some((a, b)) = g.graph.edge_endpoints(e) else {
            continue;
        };
        let edge = &g.graph[e];
        let (from, to) = (addr(&g.graph[a]), addr(&g.graph[b]));
        match (&edge.trigger, edge.kind) {
            (Some(t), EdgeKind::Trigger) => {
                let t = format!("trigger.{t}");
                if from != t {
                    out.insert((from, t.clone(), String::new()));
                }
                out.insert((t, to, String::new()));
            }
            _ => {
                out.insert((from, to, edge.kind.as_str().to_string()));
            }
        }
    }
    out
}

impl Snapshot {
    /// No resources (a stack that does not exist yet).
    pub fn empty(target: Target) -> Snapshot {
        Snapshot {
            target,
            resources: BTreeMap::new(),
            edges: BTreeSet::new(),
        }
    }

    /// The snapshot of a build (`emit::build` of the compilation `c`). `owners` recovers the
    /// owning block of every resource; pass the project's own [`Owners::of_model`].
    pub fn from_build(c: &Compilation, target: Target, built: &Built) -> Result<Snapshot, String> {
        let model = c
            .model
            .as_ref()
            .ok_or_else(|| "the project did not compile".to_string())?;
        let owners = Owners::of_model(model, target);
        let name = match target {
            Target::CloudFormation => "template.json",
            Target::Terraform => "main.tf.json",
        };
        let (_, chunks) = built
            .files
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| format!("the build has no {name}"))?;
        let bytes: Vec<u8> = chunks.concat();
        let mut s = match target {
            // The template's resources are kept as text (a tree is built only for those that
            // differ): a 10,000-function template is 35 MB of text, several times that as trees.
            // A split application's nested templates are read too: each resource once, with the
            // stack it is in (the stacks themselves are not compared: their contents are).
            Target::CloudFormation => {
                // Owners as the emitter recorded them (a name is read only for what it did not).
                let owners = owners.with_emitted(&built.owners);
                let mut resources = BTreeMap::new();
                cloudformation_resources(&bytes, name, None, &owners, &mut resources)?;
                for (file, chunks) in &built.files {
                    if let Some(rest) =
                        file.strip_prefix(&format!("{}/", crate::emit::stacks::NESTED_DIR))
                    {
                        let stack = rest.split('-').next().unwrap_or(rest);
                        cloudformation_resources(
                            &chunks.concat(),
                            file,
                            Some(stack),
                            &owners,
                            &mut resources,
                        )?;
                    }
                }
                Snapshot {
                    target,
                    resources,
                    edges: BTreeSet::new(),
                }
            }
            Target::Terraform => {
                let doc: J = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("the emitted {name} does not parse: {e}"))?;
                Snapshot::from_owned_document(target, doc, &owners.with_emitted(&built.owners))?
            }
        };
        s.edges = owner_edges(c);
        Ok(s)
    }

    /// The snapshot of a template/configuration document (a deployed stack's template, or a
    /// build's output), owners recovered with `owners`.
    pub fn from_document(target: Target, doc: &J, owners: &Owners) -> Result<Snapshot, String> {
        Snapshot::from_owned_document(target, doc.clone(), owners)
    }

    /// Adds the resources of a nested stack's template (`stack`: its logical ID in the root).
    pub fn add_nested(&mut self, stack: &str, doc: &J, owners: &Owners) -> Result<(), String> {
        let nested = Snapshot::from_document(self.target, doc, owners)?;
        for (id, mut r) in nested.resources {
            r.stack = Some(stack.into());
            self.resources.insert(id, r);
        }
        Ok(())
    }

    /// [`Snapshot::from_document`], taking the document (no copy of a large template).
    pub fn from_owned_document(
        target: Target,
        mut doc: J,
        owners: &Owners,
    ) -> Result<Snapshot, String> {
        let mut resources = BTreeMap::new();
        match target {
            Target::CloudFormation => {
                let rs = match doc.get_mut("Resources").map(J::take) {
                    Some(J::Object(rs)) => rs,
                    _ => return Err("the template has no Resources object".to_string()),
                };
                // The owners slsc recorded in the template (a template it did not write, or
                // wrote before it recorded them, has its owners read from the names).
                let recorded = recorded_owners(&doc);
                for (id, r) in rs {
                    let type_ = r.get("Type").and_then(J::as_str).unwrap_or("").to_string();
                    // Nested stacks are compared by their contents (`add_nested`).
                    if type_ == "AWS::CloudFormation::Stack" {
                        continue;
                    }
                    let owner = recorded
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| owners.owner(target, &type_, &id));
                    resources.insert(id, Resource::new(type_, owner, r));
                }
            }
            Target::Terraform => {
                // The provider's default_tags reach every resource that takes tags: compared as
                // the resource's `tags_all`, as Terraform shows them.
                let default_tags = doc
                    .pointer("/provider/aws/default_tags/0/tags")
                    .or_else(|| doc.pointer("/provider/aws/default_tags/tags"))
                    .and_then(J::as_object)
                    .filter(|t| !t.is_empty());
                if let Some(types) = doc.get("resource").and_then(J::as_object) {
                    for (type_, rs) in types {
                        let Some(rs) = rs.as_object() else { continue };
                        let taggable = tables::rule(target, type_).tags;
                        for (name, body) in rs {
                            let id = format!("{type_}.{name}");
                            let owner = owners.owner(target, type_, &id);
                            let mut body = body.clone();
                            if let (true, Some(defaults), Some(obj)) =
                                (taggable, default_tags, body.as_object_mut())
                            {
                                let mut all = defaults.clone();
                                if let Some(own) = obj.get("tags").and_then(J::as_object) {
                                    for (k, v) in own {
                                        all.insert(k.clone(), v.clone());
                                    }
                                }
                                obj.insert("tags_all".into(), J::Object(all));
                            }
                            resources.insert(id, Resource::new(type_.clone(), owner, body));
                        }
                    }
                }
            }
        }
        Ok(Snapshot {
            target,
            resources,
            edges: BTreeSet::new(),
        })
    }
}

// ------------------------------------------------------------------------------------------
// The comparison
// ------------------------------------------------------------------------------------------

/// The comparable entries of a resource: CloudFormation's `Properties` plus the policies;
/// Terraform's attributes. `DependsOn`/`depends_on` only order the deployment.
fn entries(target: Target, body: &J) -> BTreeMap<&str, &J> {
    let mut out = BTreeMap::new();
    let Some(obj) = body.as_object() else {
        return out;
    };
    match target {
        Target::CloudFormation => {
            if let Some(p) = obj.get("Properties").and_then(J::as_object) {
                for (k, v) in p {
                    out.insert(k.as_str(), v);
                }
            }
            for k in ["DeletionPolicy", "UpdateReplacePolicy", "Condition"] {
                if let Some((k, v)) = obj.get_key_value(k) {
                    out.insert(k.as_str(), v);
                }
            }
        }
        Target::Terraform => {
            for (k, v) in obj {
                if k != "depends_on" {
                    out.insert(k.as_str(), v);
                }
            }
        }
    }
    out
}

/// Whether the resource keeps its data when deleted (CloudFormation) / is guarded against
/// destruction (Terraform).
fn retain_flag(target: Target, body: &J) -> bool {
    match target {
        Target::CloudFormation => body.get("DeletionPolicy").and_then(J::as_str) == Some("Retain"),
        // `"lifecycle": [{"prevent_destroy": true}]` (the emitted form) or an object.
        Target::Terraform => [
            body.pointer("/lifecycle/0/prevent_destroy"),
            body.pointer("/lifecycle/prevent_destroy"),
        ]
        .into_iter()
        .flatten()
        .any(|v| v.as_bool() == Some(true)),
    }
}

/// The artifact hash in an S3 key or file name: `artifacts/src-0123456789abcdef.zip`.
fn artifact_hash(v: &J) -> Option<String> {
    let s = match v {
        J::String(s) => s.as_str(),
        J::Object(o) => o.get("S3Key").and_then(J::as_str)?,
        _ => return None,
    };
    let stem = s.rsplit('/').next()?.strip_suffix(".zip")?;
    Some(stem.rsplit('-').next()?.to_string())
}

fn store_noun(store: &str) -> &'static str {
    match store {
        "database" => "table",
        "bucket" => "bucket",
        "stream" => "stream",
        _ => "queue",
    }
}

fn what_is_lost(store: &str) -> &'static str {
    match store {
        "database" => "every item in the table",
        "bucket" => "every object in the bucket",
        "stream" => "the records kept in the stream",
        _ => "the messages waiting in the queue",
    }
}

pub(crate) fn loss_sentence(store: &str) -> &'static str {
    match store {
        "database" => "every item in the table is lost",
        "bucket" => "every object in the bucket is lost",
        "stream" => "the records kept in the stream are lost",
        _ => "the messages waiting in the queue are lost",
    }
}

/// Compares two snapshots of the same target.
/// `Metadata.slsc.owners` of a CloudFormation template: logical ID → the block's address.
fn recorded_owners(doc: &J) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(J::Object(by)) = doc.pointer("/Metadata/slsc/owners") {
        for (addr, ids) in by {
            for id in ids.as_array().into_iter().flatten().filter_map(J::as_str) {
                out.insert(id.to_string(), addr.clone());
            }
        }
    }
    out
}

/// The resources of one CloudFormation template of a build (kept as text), with the stack it
/// is (`None`: the root); nested-stack resources themselves are left out.
fn cloudformation_resources(
    bytes: &[u8],
    name: &str,
    stack: Option<&str>,
    owners: &Owners,
    out: &mut BTreeMap<String, Resource>,
) -> Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Template<'a> {
        #[serde(rename = "Resources", borrow)]
        resources: BTreeMap<String, &'a serde_json::value::RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct Typed<'a> {
        #[serde(rename = "Type", borrow)]
        type_: std::borrow::Cow<'a, str>,
    }
    let t: Template = serde_json::from_slice(bytes)
        .map_err(|e| format!("the emitted {name} does not parse: {e}"))?;
    for (id, raw) in t.resources {
        let typed: Typed = serde_json::from_str(raw.get())
            .map_err(|e| format!("{id} in the emitted {name}: {e}"))?;
        let type_ = typed.type_.into_owned();
        if type_ == "AWS::CloudFormation::Stack" {
            continue;
        }
        let owner = owners.owner(Target::CloudFormation, &type_, &id);
        let mut r = Resource::from_raw(type_, owner, raw.get().into());
        r.stack = stack.map(Into::into);
        out.insert(id, r);
    }
    Ok(())
}

pub fn diff(base: &Snapshot, head: &Snapshot) -> Plan {
    let target = head.target;
    // A resource that refers to a replaced one may change (or be replaced) too: compare again
    // with the replaced resources known, until no new replacement appears.
    let mut replaced: BTreeSet<String> = BTreeSet::new();
    let mut changes = compare_all(base, head, &replaced, false);
    for _ in 0..16 {
        let now: BTreeSet<String> = changes
            .iter()
            .filter(|c| c.action == Action::Replace)
            .map(|c| c.logical_id.clone())
            .collect();
        if now == replaced {
            break;
        }
        replaced = now;
        // Creates and deletes do not depend on what is replaced: only the updates are redone.
        let mut next: Vec<Change> = changes
            .into_iter()
            .filter(|c| matches!(c.action, Action::Create | Action::Delete))
            .collect();
        next.extend(compare_all(base, head, &replaced, true));
        changes = next;
    }
    changes.sort_by(|a, b| (&a.address, &a.logical_id).cmp(&(&b.address, &b.logical_id)));
    let renames = likely_renames(&changes, base, head);
    Plan {
        target,
        changes,
        renames,
        base_edges: base.edges.clone(),
        head_edges: head.edges.clone(),
    }
}

/// A resource that changes stack (emit/stacks.rs): CloudFormation deletes it from one stack
/// and creates it in the other — a replacement, data loss for what stores data.
fn moved(b: &Resource, h: &Resource, store: &Option<String>, c: &mut Change) {
    let name = |s: &Option<Box<str>>| s.as_deref().unwrap_or("root").to_string();
    c.action = Action::Replace;
    c.data_loss = store.is_some();
    c.notes.push(format!(
        "moves from the {} stack to the {} stack: CloudFormation deletes it from one and creates it in the other (a named resource's create fails while the old one exists)",
        name(&b.stack),
        name(&h.stack)
    ));
    c.fix = Some("keep the partition: pin `app.nested_stacks` and `app.data_stacks` to the counts the deployed application has; to move it anyway, use a CloudFormation stack refactor".to_string());
}

/// Compares every resource (only those on both sides with `updates_only`), knowing which are
/// replaced.
fn compare_all(
    base: &Snapshot,
    head: &Snapshot,
    replaced: &BTreeSet<String>,
    updates_only: bool,
) -> Vec<Change> {
    let target = head.target;
    let mut changes = Vec::new();
    let ids: BTreeSet<&String> = base.resources.keys().chain(head.resources.keys()).collect();
    for id in ids {
        let (b, h) = (base.resources.get(id), head.resources.get(id));
        if updates_only && (b.is_none() || h.is_none()) {
            continue;
        }
        let r = h.or(b).expect("the id comes from one side");
        let rule = tables::rule(target, &r.type_);
        let store = rule.store.clone();
        let mut c = Change {
            address: r.owner.clone(),
            logical_id: id.clone(),
            type_: r.type_.clone(),
            action: Action::Update,
            data_loss: false,
            retained: false,
            properties: Vec::new(),
            code: None,
            blocked: None,
            fix: None,
            notes: Vec::new(),
            store: store.clone(),
        };
        match (b, h) {
            (None, Some(h)) => {
                c.action = Action::Create;
                c.properties = entries(target, h.body())
                    .into_iter()
                    .map(|(path, v)| PropertyChange {
                        path: path.to_string(),
                        before: None,
                        after: Some(v.clone()),
                        replacement: false,
                        refers_to_replaced: None,
                    })
                    .collect();
            }
            (Some(b), None) => {
                c.action = Action::Delete;
                c.properties = entries(target, b.body())
                    .into_iter()
                    .map(|(path, v)| PropertyChange {
                        path: path.to_string(),
                        before: Some(v.clone()),
                        after: None,
                        replacement: false,
                        refers_to_replaced: None,
                    })
                    .collect();
                if let Some(st) = &store {
                    let retained = retain_flag(target, b.body());
                    match (target, st.as_str(), retained) {
                        (Target::CloudFormation, "database" | "bucket" | "stream", true) => {
                            c.retained = true;
                            c.notes.push(format!(
                                "kept, no longer managed: DeletionPolicy Retain leaves the {} and its data in the account; delete it by hand or import it into a stack again",
                                store_noun(st)
                            ));
                        }
                        (Target::Terraform, _, true) => {
                            c.data_loss = true;
                            c.notes.push(format!(
                                "retain = true does not protect a removed block: lifecycle.prevent_destroy guards the {} only while it is in the configuration, so Terraform destroys it",
                                store_noun(st)
                            ));
                        }
                        _ => c.data_loss = true,
                    }
                    if c.data_loss {
                        c.fix = Some(match (target, st.as_str()) {
                            (_, "queue") => "drain the queue (let its consumers finish) before removing the block".to_string(),
                            (_, "stream") => "let the stream's consumers catch up before removing the block".to_string(),
                            (Target::CloudFormation, _) => format!(
                                "to keep the {n} and its data in the account, deploy it once with `retain = true` before removing the block",
                                n = store_noun(st)
                            ),
                            (Target::Terraform, _) => format!(
                                "to keep the {n} and its data, take it out of Terraform's state before removing the block (`terraform state rm {id}`, or a `removed` block with `lifecycle {{ destroy = false }}`)",
                                n = store_noun(st),
                                id = c.logical_id
                            ),
                        });
                    }
                }
            }
            (Some(b), Some(h)) if b.stack != h.stack => moved(b, h, &store, &mut c),
            (Some(b), Some(h)) => {
                if !update(target, rule, b, h, replaced, &mut c) {
                    continue;
                }
            }
            (None, None) => unreachable!("the id comes from one side"),
        }
        c.code = code_change(target, &c.type_, &c.properties);
        if c.action == Action::Update && c.address.starts_with("resource.") {
            c.notes.push(
                "a raw resource: slsc does not know which of its properties replace it when they change; the target's documentation of the type says".to_string(),
            );
        }
        changes.push(c);
    }
    changes
}

/// The resources a value refers to, in order (CloudFormation `Ref`, `Fn::GetAtt`, `${ID}` and
/// `${ID.attr}` in `Fn::Sub`; Terraform `${type.name.attr}`). Walked once per value, so a plan
/// where thousands of resources are replaced stays linear.
fn references(target: Target, v: &J, out: &mut Vec<String>) {
    match v {
        J::String(s) if target == Target::Terraform => {
            for inner in interpolations(s) {
                // `aws_x.name.attr` (data sources and variables are not resources).
                let mut parts = inner.split('.');
                if let (Some(t), Some(n)) = (parts.next(), parts.next()) {
                    if t.starts_with("aws_") {
                        out.push(format!("{t}.{n}"));
                    }
                }
            }
        }
        J::Array(a) => a.iter().for_each(|x| references(target, x, out)),
        J::Object(o) => {
            if target == Target::CloudFormation {
                if let Some(id) = o.get("Ref").and_then(J::as_str) {
                    out.push(id.to_string());
                }
                match o.get("Fn::GetAtt") {
                    Some(J::Array(a)) => {
                        if let Some(id) = a.first().and_then(J::as_str) {
                            out.push(id.to_string());
                        }
                    }
                    Some(J::String(s)) => {
                        out.push(s.split('.').next().unwrap_or_default().to_string())
                    }
                    _ => {}
                }
                let sub = match o.get("Fn::Sub") {
                    Some(J::String(s)) => Some(s.as_str()),
                    Some(J::Array(a)) => a.first().and_then(J::as_str),
                    _ => None,
                };
                for inner in sub.map(interpolations).unwrap_or_default() {
                    // `${ID}`, `${ID.Attr}`; `${!Literal}` is an escape, `${AWS::…}` a pseudo
                    // parameter.
                    if !inner.starts_with('!') && !inner.contains("::") {
                        out.push(inner.split('.').next().unwrap_or_default().to_string());
                    }
                }
            }
            o.values().for_each(|x| references(target, x, out));
        }
        _ => {}
    }
}

/// The texts between `${` and `}` in a string.
fn interpolations(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(j) = after.find('}') else { break };
        out.push(&after[..j]);
        rest = &after[j + 1..];
    }
    out
}

/// Fills in an update (or replace) of a resource present on both sides; false when nothing
/// changes.
fn update(
    target: Target,
    rule: &tables::TypeRule,
    b: &Resource,
    h: &Resource,
    replaced: &BTreeSet<String>,
    c: &mut Change,
) -> bool {
    // The common case, cheaply: an identical resource with nothing replaced to refer to.
    if replaced.is_empty() && b.same_as(h) {
        return false;
    }
    let (eb, eh) = (entries(target, b.body()), entries(target, h.body()));
    let keys: BTreeSet<&str> = eb.keys().chain(eh.keys()).copied().collect();
    let mut via: BTreeMap<&str, String> = BTreeMap::new();
    let mut changed: BTreeSet<&str> = BTreeSet::new();
    for &k in &keys {
        if eb.get(k) != eh.get(k) {
            changed.insert(k);
        } else if let Some(v) = eh.get(k) {
            let mut refs = Vec::new();
            if !replaced.is_empty() {
                references(target, v, &mut refs);
            }
            if let Some(r) = refs
                .into_iter()
                .find(|r| *r != c.logical_id && replaced.contains(r))
            {
                changed.insert(k);
                via.insert(k, r);
            }
        }
    }
    for k in keys {
        if !changed.contains(k) {
            continue;
        }
        let replacement = rule.replace.iter().any(|p| p == k)
            || rule
                .replace_with
                .get(k)
                .is_some_and(|w| changed.contains(w.as_str()));
        c.properties.push(PropertyChange {
            path: k.to_string(),
            before: eb.get(k).map(|v| (*v).clone()),
            after: eh.get(k).map(|v| (*v).clone()),
            replacement,
            refers_to_replaced: via.get(k).cloned(),
        });
    }
    if c.properties.is_empty() {
        return false;
    }
    for p in &c.properties {
        if let Some(r) = &p.refers_to_replaced {
            c.notes.push(format!(
                "{} refers to {r}, which is replaced: its value is known only after the deployment{}",
                p.path,
                if p.replacement { ", and a new value replaces this resource" } else { "" }
            ));
        }
    }
    if c.properties.iter().any(|p| p.replacement) {
        c.action = Action::Replace;
        if let Some(st) = c.store.clone() {
            c.data_loss = true;
            c.notes.push(format!(
                "replacing the {} creates a new, empty one: {}{}",
                store_noun(&st),
                loss_sentence(&st),
                if target == Target::CloudFormation && retain_flag(target, b.body()) {
                    &" (UpdateReplacePolicy Retain keeps the old one in the account, outside the stack, to migrate from)"
                } else {
                    &""
                }
            ));
        }
        blocked_replacement(target, rule, &changed, b.body(), c);
    }
    true
}

/// Marks a replacement that will fail, with the fix.
fn blocked_replacement(
    target: Target,
    rule: &tables::TypeRule,
    changed: &BTreeSet<&str>,
    before: &J,
    c: &mut Change,
) {
    let block = c.address.clone();
    let noun = c.store.as_deref().map(store_noun).unwrap_or("resource");
    match target {
        Target::CloudFormation => {
            let Some(name) = &rule.name else { return };
            if changed.contains(name.as_str()) {
                return;
            }
            let physical = before
                .pointer(&format!("/Properties/{name}"))
                .and_then(J::as_str)
                .map(|s| format!(" `{s}`"))
                .unwrap_or_default();
            c.blocked = Some(format!(
                "CloudFormation cannot replace {} in place: it has the explicit name{physical} ({name}), and the new {noun} cannot be created while the old one holds that name — the update fails and rolls back",
                c.logical_id
            ));
            let retained = retain_flag(target, before);
            c.fix = Some(match c.store.as_deref() {
                Some(st) if retained => format!(
                    "rename the block ({block} → a new name; or change its `name`, when it sets one): the new {n} gets a new name, and the retained old {n} stays in the account to copy the data from",
                    n = store_noun(st),
                ),
                Some(st) => format!(
                    "rename the block ({block} → a new name; or change its `name`, when it sets one) so the new {n} gets a new name, and copy the data over; or set `retain = true`, deploy, then rename and migrate {lost} to the new {n}",
                    n = store_noun(st),
                    lost = what_is_lost(st),
                ),
                None => format!(
                    "rename the block ({block} → a new name; or change its `name`, when it sets one): the new resource gets a new name and the old one is deleted after it"
                ),
            });
        }
        Target::Terraform => {
            if retain_flag(target, before) {
                c.blocked = Some(format!(
                    "Terraform refuses to destroy {}: `retain = true` sets lifecycle.prevent_destroy, and a replacement destroys the old {noun}",
                    c.logical_id
                ));
                c.fix = Some(format!(
                    "set `retain = false` on {block} to allow the replacement ({}), or rename the block and migrate the data",
                    c.store.as_deref().map(loss_sentence).unwrap_or("the old resource is destroyed")
                ));
            }
        }
    }
}

/// The artifact hashes of a function's code change.
fn code_change(target: Target, type_: &str, props: &[PropertyChange]) -> Option<CodeChange> {
    let key = match (target, type_) {
        (Target::CloudFormation, "AWS::Lambda::Function") => "Code",
        (Target::Terraform, "aws_lambda_function") => "filename",
        _ => return None,
    };
    let p = props.iter().find(|p| p.path == key)?;
    let before = p.before.as_ref().and_then(artifact_hash)?;
    let after = p.after.as_ref().and_then(artifact_hash)?;
    Some(CodeChange { before, after })
}

/// Pairs blocks whose resources are all deleted with blocks of the same kind whose resources
/// are all created.
fn likely_renames(changes: &[Change], base: &Snapshot, head: &Snapshot) -> Vec<Rename> {
    let movable = [
        "function", "queue", "database", "bucket", "topic", "alarm", "stream",
    ];
    let mut gone: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut new: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let owners_of = |s: &Snapshot| -> BTreeSet<String> {
        s.resources.values().map(|r| r.owner.clone()).collect()
    };
    let (in_base, in_head) = (owners_of(base), owners_of(head));
    let addrs: BTreeSet<&str> = changes.iter().map(|c| c.address.as_str()).collect();
    for a in addrs {
        let Some((kind, _)) = kind_and_name(a) else {
            continue;
        };
        if !movable.contains(&kind) {
            continue;
        }
        if in_base.contains(a) && !in_head.contains(a) {
            gone.entry(kind).or_default().push(a);
        } else if in_head.contains(a) && !in_base.contains(a) {
            new.entry(kind).or_default().push(a);
        }
    }
    // Each involved block's (type, property, value) entries, gathered in one pass per side.
    let involved: BTreeSet<&str> = gone
        .iter()
        .filter(|(k, _)| new.contains_key(*k))
        .chain(new.iter().filter(|(k, _)| gone.contains_key(*k)))
        .flat_map(|(_, v)| v.iter().copied())
        .collect();
    let bags = |s: &Snapshot| -> BTreeMap<String, BTreeSet<(String, String, String)>> {
        let mut m: BTreeMap<String, BTreeSet<(String, String, String)>> = BTreeMap::new();
        for r in s.resources.values() {
            if !involved.contains(r.owner.as_str()) {
                continue;
            }
            let bag = m.entry(r.owner.clone()).or_default();
            for (k, v) in entries(s.target, r.body()) {
                bag.insert((r.type_.clone(), k.to_string(), v.to_string()));
            }
        }
        m
    };
    let (base_bags, head_bags) = (bags(base), bags(head));
    let empty = BTreeSet::new();
    let similarity = |old: &str, new: &str| -> usize {
        base_bags
            .get(old)
            .unwrap_or(&empty)
            .intersection(head_bags.get(new).unwrap_or(&empty))
            .count()
    };
    let lossy: BTreeSet<&str> = changes
        .iter()
        .filter(|c| c.data_loss)
        .map(|c| c.address.as_str())
        .collect();
    let mut out = Vec::new();
    for (kind, olds) in gone {
        let Some(news) = new.get(kind) else { continue };
        // Above this many candidate pairs (a wholesale rename), blocks are paired in name order.
        const MAX_COMPARED_PAIRS: usize = 10_000;
        let compare = olds.len() * news.len() <= MAX_COMPARED_PAIRS;
        let mut taken: BTreeSet<&str> = BTreeSet::new();
        for (i, old) in olds.iter().enumerate() {
            // The most similar unpaired new block of the kind (ties: the first by name).
            let best = if compare {
                news.iter()
                    .filter(|n| !taken.contains(**n))
                    .max_by_key(|n| (similarity(old, n), std::cmp::Reverse(**n)))
            } else {
                news.get(i)
            };
            if let Some(n) = best {
                taken.insert(n);
                out.push(Rename {
                    from: old.to_string(),
                    to: n.to_string(),
                    data_loss: lossy.contains(old),
                });
            }
        }
    }
    module_renames(out)
}

/// The kind and name of a block address: `queue.jobs`, `module.billing.queue.jobs`.
fn kind_and_name(addr: &str) -> Option<(&str, &str)> {
    let (rest, name) = addr.rsplit_once('.')?;
    let kind = rest.rsplit_once('.').map_or(rest, |(_, k)| k);
    Some((kind, name))
}

/// The module instance of a block address (`module.billing` of `module.billing.queue.jobs`)
/// and the block's `kind.name` in it.
fn module_part(addr: &str) -> Option<(&str, &str)> {
    let (kind, name) = kind_and_name(addr)?;
    let module = addr.strip_suffix(&format!(".{kind}.{name}"))?;
    module
        .starts_with("module.")
        .then(|| (module, &addr[module.len() + 1..]))
}

/// Block renames that all move blocks from one module instance to another, keeping their names
/// in it, are one rename of the instance (`moved { from = module.billing  to = module.invoices }`).
fn module_renames(renames: Vec<Rename>) -> Vec<Rename> {
    let mut out: Vec<Rename> = Vec::new();
    for r in renames {
        let pair = match (module_part(&r.from), module_part(&r.to)) {
            (Some((fm, fb)), Some((tm, tb))) if fb == tb && fm != tm => Some((fm, tm)),
            _ => None,
        };
        let Some((fm, tm)) = pair else {
            out.push(r);
            continue;
        };
        match out.iter_mut().find(|o| o.from == fm && o.to == tm) {
            Some(o) => o.data_loss |= r.data_loss,
            None => out.push(Rename {
                from: fm.to_string(),
                to: tm.to_string(),
                data_loss: r.data_loss,
            }),
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// A CloudFormation change set's answers
// ------------------------------------------------------------------------------------------

/// One `ResourceChange` of a change set.
#[derive(Debug, Clone)]
pub struct ChangeSetEntry {
    pub logical_id: String,
    pub resource_type: String,
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic`.
    pub action: String,
    /// `True`, `False` or `Conditional`; `None` when the change set does not say (moto never
    /// does).
    pub replacement: Option<String>,
}

/// Refines a plan with a change set: its `Replacement` answers win over the tables where
/// present (`Conditional` counts as a possible replace), and changes the plan did not foresee
/// are added.
pub fn apply_change_set(plan: &mut Plan, entries: &[ChangeSetEntry], owners: &Owners) {
    let target = plan.target;
    for e in entries {
        let pos = plan
            .changes
            .iter()
            .position(|c| c.logical_id == e.logical_id);
        let c = match pos {
            Some(i) => &mut plan.changes[i],
            None => {
                let action = match e.action.as_str() {
                    "Add" => Action::Create,
                    "Remove" => Action::Delete,
                    _ => Action::Update,
                };
                let rule = tables::rule(target, &e.resource_type);
                plan.changes.push(Change {
                    address: owners.owner(target, &e.resource_type, &e.logical_id),
                    logical_id: e.logical_id.clone(),
                    type_: e.resource_type.clone(),
                    action,
                    data_loss: false,
                    retained: false,
                    properties: Vec::new(),
                    code: None,
                    blocked: None,
                    fix: None,
                    notes: vec![format!(
                        "from the change set ({}), not from the templates' text",
                        e.action
                    )],
                    store: rule.store.clone(),
                });
                if action == Action::Delete && rule.store.as_deref() == Some("queue") {
                    plan.changes.last_mut().expect("just pushed").data_loss = true;
                }
                plan.changes.last_mut().expect("just pushed")
            }
        };
        if e.action != "Modify" {
            continue;
        }
        match e.replacement.as_deref() {
            Some(r @ ("True" | "Conditional")) => {
                if c.action != Action::Replace {
                    c.action = Action::Replace;
                    if let Some(st) = c.store.clone() {
                        c.data_loss = true;
                        c.notes.push(format!(
                            "replacing the {} creates a new, empty one: {}",
                            store_noun(&st),
                            loss_sentence(&st)
                        ));
                    }
                }
                c.notes.push(if r == "Conditional" {
                    "the change set says Replacement: Conditional — CloudFormation may replace it (counted as a replace)".to_string()
                } else {
                    "the change set says Replacement: True".to_string()
                });
            }
            Some("False") if c.action == Action::Replace => {
                c.action = Action::Update;
                c.blocked = None;
                c.fix = None;
                c.data_loss = false;
                for p in &mut c.properties {
                    p.replacement = false;
                }
                c.notes.retain(|n| !n.starts_with("replacing the "));
                c.notes.push(
                    "the change set says Replacement: False (an update in place)".to_string(),
                );
            }
            _ => {}
        }
    }
    plan.changes
        .sort_by(|a, b| (&a.address, &a.logical_id).cmp(&(&b.address, &b.logical_id)));
}

// ------------------------------------------------------------------------------------------
// Running a plan
// ------------------------------------------------------------------------------------------

/// Why a plan could not be made.
pub enum Failure {
    /// A usage or I/O problem (unreadable path, unknown git revision…).
    Usage(String),
    /// The head or the base does not compile (or build): its diagnostics.
    Errors {
        /// "the head" / "the base (main, 0123abcd…)".
        side: String,
        compilation: Box<Compilation>,
        diagnostics: Vec<crate::diagnostics::Diagnostic>,
    },
}

/// A plan and the head's compilation (whose warnings the CLI reports).
pub struct Outcome {
    pub plan: Plan,
    pub head: Compilation,
    /// The head's diagnostics, build warnings included (no errors).
    pub diagnostics: Vec<crate::diagnostics::Diagnostic>,
    /// Where the base came from, for the status line.
    pub base_label: String,
}

/// Compiles and builds a project into a snapshot.
fn side(
    path: &std::path::Path,
    opts: &crate::driver::Options,
    target: Target,
    label: &str,
) -> Result<(Snapshot, Compilation, Vec<crate::diagnostics::Diagnostic>), Failure> {
    let c =
        crate::driver::compile(path, opts).map_err(|e| Failure::Usage(format!("{label}: {e}")))?;
    if c.errors() > 0 {
        let diagnostics = c.diagnostics.clone();
        return Err(Failure::Errors {
            side: label.to_string(),
            compilation: Box::new(c),
            diagnostics,
        });
    }
    // The same output folder `slsc build` uses, so the artifacts (which leave it out) hash the
    // same.
    let out = c.project_dir.join(".slsc").join(target.as_str());
    let built = match crate::emit::build(&c, target, &out) {
        Ok(b) => b,
        Err(extra) => {
            let mut diagnostics = c.diagnostics.clone();
            diagnostics.extend(extra);
            crate::diagnostics::sort(&mut diagnostics, &c.sources);
            return Err(Failure::Errors {
                side: label.to_string(),
                compilation: Box::new(c),
                diagnostics,
            });
        }
    };
    let snap = Snapshot::from_build(&c, target, &built).map_err(Failure::Usage)?;
    let mut diags = c.diagnostics.clone();
    diags.extend(built.diagnostics);
    crate::diagnostics::sort(&mut diags, &c.sources);
    Ok((snap, c, diags))
}

/// The `source`/`artifact` paths of a model's functions.
fn source_paths(c: &Compilation) -> Vec<String> {
    let Some(m) = &c.model else {
        return Vec::new();
    };
    m.of_kind(BlockKind::Function)
        .flat_map(|f| [f.str("source"), f.str("artifact")])
        .flatten()
        .map(str::to_string)
        .collect()
}

/// Reads the template of a deployed stack for `plan --stack`. `deploy` implements it and the
/// caller passes it in, so that plan does not depend on deploy (layers go one way).
pub trait StackReader {
    /// The deployed template of `stack` as a snapshot (empty when the stack does not exist),
    /// and a label for the status line; `Err` is a message for a usage error.
    fn snapshot(
        &self,
        head: &Compilation,
        stack: &str,
        endpoint_url: Option<&str>,
    ) -> Result<(Snapshot, String), String>;
}

/// Compiles the head at `path` and the base, and compares them. `stacks` reads a deployed
/// base (`--stack`); without it a stack base is a usage error.
pub fn run(
    path: &std::path::Path,
    opts: &crate::driver::Options,
    base: &base::Base,
    target: Target,
    stacks: Option<&dyn StackReader>,
) -> Result<Outcome, Failure> {
    // The base is located first: a bad directory or git revision is a usage error whatever
    // the state of the head.
    let export = match base {
        base::Base::Dir(dir) => {
            if !dir.exists() {
                return Err(Failure::Usage(format!(
                    "--base {}: no such directory",
                    crate::syntax::display_path(dir)
                )));
            }
            None
        }
        base::Base::GitRef(r) => Some(base::export(path, r).map_err(Failure::Usage)?),
        base::Base::Stack { .. } if target != Target::CloudFormation => {
            return Err(Failure::Usage(
                "--stack compares with a deployed CloudFormation template: use --target cloudformation (for Terraform, `terraform plan` reads the state)".to_string(),
            ))
        }
        base::Base::Stack { .. } => None,
    };
    // A compiled base (a directory or a git revision) is compiled and built beside the head,
    // on another thread; a stack base needs the head first (its owners and region).
    let compiled_base = |export: Option<base::Export>| -> Result<(Snapshot, String), Failure> {
        match (base, export) {
            (base::Base::GitRef(r), Some(export)) => {
                let commit = &export.commit[..12.min(export.commit.len())];
                if export.absent {
                    let label =
                        format!("the base ({r}, {commit}), where the project does not exist yet");
                    return Ok((Snapshot::empty(target), label));
                }
                let label = format!("the base ({r}, {commit})");
                let mut result = side(&export.project, opts, target, &label);
                // Source folders outside the project directory (`source = "../lib"`) are
                // read from the same commit.
                let compiled = match &result {
                    Ok((_, c, _)) => Some(c),
                    Err(Failure::Errors { compilation, .. }) => Some(compilation.as_ref()),
                    Err(Failure::Usage(_)) => None,
                };
                if let Some(c) = compiled {
                    let dir_rel = if export.project.is_dir() {
                        export.rel.clone()
                    } else {
                        export
                            .rel
                            .rsplit_once('/')
                            .map(|(d, _)| d.to_string())
                            .unwrap_or_default()
                    };
                    let paths = source_paths(c);
                    if export
                        .add_outside(&dir_rel, &paths)
                        .map_err(Failure::Usage)?
                    {
                        result = side(&export.project, opts, target, &label);
                    }
                }
                let (s, _, _) = result?;
                Ok((s, label))
            }
            (base::Base::Dir(dir), _) => {
                let label = format!("the base ({})", crate::syntax::display_path(dir));
                let (s, _, _) = side(dir, opts, target, &label)?;
                Ok((s, label))
            }
            _ => unreachable!("a stack base is not compiled"),
        }
    };
    let (head_snap, head, diagnostics, base_snap, base_label) = match base {
        base::Base::Stack { name, endpoint_url } => {
            let (head_snap, head, diagnostics) = side(path, opts, target, "the project")?;
            let reader = stacks.ok_or_else(|| {
                Failure::Usage("--stack: this build of slsc cannot read deployed stacks".into())
            })?;
            let (s, label) = reader
                .snapshot(&head, name, endpoint_url.as_deref())
                .map_err(Failure::Usage)?;
            (head_snap, head, diagnostics, s, label)
        }
        _ => {
            let (head_result, base_result) = std::thread::scope(|scope| {
                let head = std::thread::Builder::new()
                    .name("slsc-plan-head".into())
                    .spawn_scoped(scope, || side(path, opts, target, "the project"));
                let base_result = compiled_base(export);
                let head_result = match head {
                    Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    // No thread: compile the head here.
                    Err(_) => side(path, opts, target, "the project"),
                };
                (head_result, base_result)
            });
            // The head's problems first: they are the ones a user is working on.
            let (head_snap, head, diagnostics) = head_result?;
            let (s, label) = base_result?;
            (head_snap, head, diagnostics, s, label)
        }
    };
    let plan = diff(&base_snap, &head_snap);
    Ok(Outcome {
        plan,
        head,
        diagnostics,
        base_label,
    })
}
