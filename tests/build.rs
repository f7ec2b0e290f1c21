//! `slsc build --target cloudformation` end to end (SPEC §7, §8), through the binary:
//!
//! - golden files: the template of every example is checked in under `tests/golden/<example>/`
//!   (with the list of its artifacts), so every output change shows in review. Regenerate them
//!   with `SLSC_UPDATE_GOLDEN=1 cargo test --test build`;
//! - IAM: each function's role, parsed from the emitted JSON, grants exactly what the project
//!   declares (scoped ARNs, no wildcard actions, nothing missing for a trigger or a destination,
//!   user `permissions` as written), on the examples and on `tests/fixtures/build/shop`;
//! - structure: every trigger kind has its resources, retention policies, names, log groups, and
//!   the dependency graph of the template (Ref / GetAtt / Sub / DependsOn) is acyclic;
//! - determinism: rebuilds, copies in other folders, touched mtimes and other working
//!   directories give identical bytes;
//! - refusal: `build` exits 1, prints the diagnostics and writes nothing when `check` has errors.

mod common;

use common::build::{
    check_copy_elsewhere, check_same_from_every_cwd, check_touching, check_two_builds, copy_tree,
    example_dir, examples, first_difference, golden_dir, shop_dir, text, Built, CF,
};
use common::temp::Temp;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Helpers: running builds, reading the output (temporary directories: `common::temp`).
// ---------------------------------------------------------------------------------------------

/// Runs `slsc build PROJECT --target cloudformation [--out OUT]` in `cwd`.
fn run_build(project: &str, out: Option<&Path>, cwd: &Path) -> Output {
    common::build::run_build(project, CF, out, cwd)
}

/// Reads an output directory, which must hold `template.json` and `artifacts/*.zip` only.
fn read_out(out: &Path) -> Built {
    common::build::read_out(out, CF)
}

/// Builds a project (a path as given on the command line, relative to `cwd`) into `out`, which
/// must succeed.
fn build_in(project: &str, out: &Path, cwd: &Path) -> Built {
    common::build::build_in(project, CF, out, cwd)
}

/// Builds a project directory (absolute path) into a fresh temporary directory.
fn build(project: &Path) -> Built {
    common::build::build(project, CF)
}

/// Every project the determinism and invariant tests run on: the examples and the fixture.
fn projects() -> Vec<(String, PathBuf)> {
    let mut v: Vec<(String, PathBuf)> = examples()
        .into_iter()
        .map(|e| (e.clone(), example_dir(&e)))
        .collect();
    v.push(("fixture shop".into(), shop_dir()));
    v
}

// ---------------------------------------------------------------------------------------------
// 1. Golden files.
// ---------------------------------------------------------------------------------------------

#[test]
fn golden_templates_and_artifact_lists_of_the_examples() {
    let update = std::env::var("SLSC_UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for ex in examples() {
        let tmp = Temp::new("golden");
        let out = tmp.path().join("out");
        // From the repository root with a relative path, as a developer would run it.
        let built = build_in(&format!("examples/{ex}"), &out, common::root());
        let template = String::from_utf8(built.main.clone()).expect("UTF-8 template");
        let list: String = built.artifacts.keys().map(|k| format!("{k}\n")).collect();

        // The template's S3 keys and the artifacts written are the same set.
        let t: Value = serde_json::from_str(&template).unwrap();
        let keys: BTreeSet<String> = resources(&t)
            .values()
            .filter(|r| r["Type"] == "AWS::Lambda::Function")
            .map(|r| {
                r["Properties"]["Code"]["S3Key"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        let written: BTreeSet<String> = built.artifacts.keys().cloned().collect();
        if keys != written {
            failures.push(format!(
                "{ex}: the template's S3Keys {keys:?} differ from the artifacts written {written:?}"
            ));
        }

        let dir = golden_dir().join(&ex);
        let gt = dir.join("template.json");
        let ga = dir.join("artifacts.txt");
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&gt, &template).unwrap();
            std::fs::write(&ga, &list).unwrap();
            eprintln!("updated {}", dir.display());
            continue;
        }
        match std::fs::read_to_string(&gt) {
            Err(e) => failures.push(format!("{ex}: cannot read {}: {e}", gt.display())),
            Ok(expected) if expected != template => failures.push(format!(
                "{ex}: template.json differs from {}\n{}",
                gt.display(),
                first_difference(&expected, &template)
            )),
            Ok(_) => {}
        }
        match std::fs::read_to_string(&ga) {
            Err(e) => failures.push(format!("{ex}: cannot read {}: {e}", ga.display())),
            Ok(expected) if expected != list => failures.push(format!(
                "{ex}: artifacts differ from {}\n--- expected\n{expected}--- actual\n{list}",
                ga.display()
            )),
            Ok(_) => {}
        }
    }
    // A golden directory without its example is stale.
    if let Ok(rd) = std::fs::read_dir(golden_dir()) {
        let known = examples();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() && !known.contains(&name) {
                failures.push(format!(
                    "tests/golden/{name} has no example examples/{name}: delete it"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change is intended, regenerate with `SLSC_UPDATE_GOLDEN=1 cargo test --test build` and review the diff.",
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Reading templates.
// ---------------------------------------------------------------------------------------------

fn resources(t: &Value) -> &serde_json::Map<String, Value> {
    t["Resources"].as_object().expect("Resources is an object")
}

fn res<'a>(t: &'a Value, id: &str) -> &'a Value {
    resources(t).get(id).unwrap_or_else(|| {
        panic!(
            "no resource {id}; the template has {:?}",
            resources(t).keys().collect::<Vec<_>>()
        )
    })
}

fn props<'a>(t: &'a Value, id: &str) -> &'a Value {
    &res(t, id)["Properties"]
}

fn of_type<'a>(t: &'a Value, ty: &str) -> Vec<(&'a String, &'a Value)> {
    resources(t)
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .collect()
}

/// A template built once per test process.
fn template_of(cell: &'static OnceLock<Value>, project: fn() -> PathBuf) -> &'static Value {
    cell.get_or_init(|| serde_json::from_slice(&build(&project()).main).unwrap())
}

fn shop() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    template_of(&T, shop_dir)
}

fn media() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    template_of(&T, || example_dir("media"))
}

fn signup() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    template_of(&T, || example_dir("signup"))
}

fn chat() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    template_of(&T, || example_dir("chat"))
}

fn webhooks() -> &'static Value {
    static T: OnceLock<Value> = OnceLock::new();
    template_of(&T, || example_dir("webhooks"))
}

fn pascal(name: &str) -> String {
    name.split('_')
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn fid(name: &str) -> String {
    format!("{}Function", pascal(name))
}

/// A `Ref` / `Fn::GetAtt` / `Fn::Sub` / literal as a comparable string.
fn s(v: &Value) -> String {
    match v {
        Value::String(x) => x.clone(),
        Value::Object(o) if o.len() == 1 && o.contains_key("Fn::Sub") => match &o["Fn::Sub"] {
            Value::String(x) => x.clone(),
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// ARNs, as the emitter must write them (SPEC §8, docs/iam.md).
// ---------------------------------------------------------------------------------------------

const P: &str = "arn:${AWS::Partition}";
const RA: &str = "${AWS::Region}:${AWS::AccountId}";

fn table_arn(phys: &str) -> String {
    format!("{P}:dynamodb:{RA}:table/{phys}")
}
fn index_arn(phys: &str) -> String {
    format!("{P}:dynamodb:{RA}:table/{phys}/index/*")
}
fn stream_arn(phys: &str) -> String {
    format!("{P}:dynamodb:{RA}:table/{phys}/stream/*")
}
fn bucket_arn(phys: &str) -> String {
    format!("{P}:s3:::{phys}-${{AWS::AccountId}}")
}
fn objects_arn(phys: &str, prefix: &str) -> String {
    format!("{P}:s3:::{phys}-${{AWS::AccountId}}/{prefix}*")
}
fn queue_arn(phys: &str) -> String {
    format!("{P}:sqs:{RA}:{phys}")
}
fn topic_arn(phys: &str) -> String {
    format!("{P}:sns:{RA}:{phys}")
}
fn function_arn(phys: &str) -> String {
    format!("{P}:lambda:{RA}:function:{phys}")
}
fn log_arn(phys: &str) -> String {
    format!("{P}:logs:{RA}:log-group:/aws/lambda/{phys}:*")
}
fn secret_arn(name: &str) -> String {
    format!("{P}:secretsmanager:{RA}:secret:{name}-??????")
}
/// The connections of the WebSocket API's stage (`manages_connections = true`).
fn connections_arn(stage: &str) -> String {
    format!("{P}:execute-api:{RA}:${{WebsocketApi}}/{stage}/*/@connections/*")
}
fn parameter_arn(path: &str) -> String {
    format!("{P}:ssm:{RA}:parameter/{}", path.trim_start_matches('/'))
}

const DYNAMODB_READ: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
];
const DYNAMODB_WRITE: &[&str] = &[
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];
const STREAM_READ: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];
const SQS_CONSUME: &[&str] = &[
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
];
const XRAY: &[&str] = &["xray:PutTelemetryRecords", "xray:PutTraceSegments"];
const VPC: &[&str] = &[
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:UnassignPrivateIpAddresses",
];

// ---------------------------------------------------------------------------------------------
// IAM: grants as (action, resource, condition) triples.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    action: String,
    resource: String,
    /// Compact JSON of the statement's `Condition`, or empty.
    condition: String,
}

impl std::fmt::Display for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} on {}", self.action, self.resource)?;
        if !self.condition.is_empty() {
            write!(f, " if {}", self.condition)?;
        }
        Ok(())
    }
}

/// The statements of a function's role (found through the function's `Role`).
fn role_statements<'a>(t: &'a Value, function_id: &str) -> &'a [Value] {
    let role = &props(t, function_id)["Role"]["Fn::GetAtt"];
    let role_id = role[0]
        .as_str()
        .unwrap_or_else(|| panic!("{function_id}: Role is not a GetAtt: {role}"));
    assert_eq!(role[1], "Arn", "{function_id}: Role");
    let r = res(t, role_id);
    assert_eq!(r["Type"], "AWS::IAM::Role", "{role_id}");
    let policies = r["Properties"]["Policies"].as_array().unwrap();
    assert_eq!(policies.len(), 1, "{role_id}: one inline policy");
    policies[0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap_or_else(|| panic!("{role_id}: no Statement list"))
}

fn grants(t: &Value, function_id: &str) -> BTreeSet<Grant> {
    let mut set = BTreeSet::new();
    for st in role_statements(t, function_id) {
        let condition = st
            .get("Condition")
            .map(|c| c.to_string())
            .unwrap_or_default();
        let actions: Vec<String> = match &st["Action"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
            other => panic!("{function_id}: Action {other}"),
        };
        let resources: Vec<String> = match &st["Resource"] {
            Value::Array(r) => r.iter().map(s).collect(),
            other => vec![s(other)],
        };
        for a in &actions {
            for r in &resources {
                set.insert(Grant {
                    action: a.clone(),
                    resource: r.clone(),
                    condition: condition.clone(),
                });
            }
        }
    }
    set
}

/// The expected grants of one function, built from what the project declares.
/// The tables of the examples with an explicit `name`: (`{app}-{stage}`, block, physical name).
const EXPLICIT_TABLE_NAMES: &[(&str, &str, &str)] =
    &[("webhooks-dev", "builds", "webhooks-builds-dev")];

struct Expect {
    /// `{app}-{stage}`.
    app: String,
    function: String,
    set: BTreeSet<Grant>,
}

impl Expect {
    /// Every function may write its own log group, and nothing else by default.
    fn new(app: &str, function: &str) -> Expect {
        let e = Expect {
            app: app.into(),
            function: function.into(),
            set: BTreeSet::new(),
        };
        let lg = log_arn(&e.phys(function));
        e.grant(&["logs:CreateLogStream", "logs:PutLogEvents"], &[lg], None)
    }
    fn phys(&self, name: &str) -> String {
        format!("{}-{name}", self.app)
    }
    /// A table's physical name: its explicit `name` in the examples, else derived.
    fn table(&self, t: &str) -> String {
        EXPLICIT_TABLE_NAMES
            .iter()
            .find(|(app, table, _)| *app == self.app && *table == t)
            .map_or_else(|| self.phys(t), |(_, _, name)| name.to_string())
    }
    fn grant(mut self, actions: &[&str], resources: &[String], condition: Option<Value>) -> Self {
        for a in actions {
            for r in resources {
                self.set.insert(Grant {
                    action: a.to_string(),
                    resource: r.clone(),
                    condition: condition
                        .as_ref()
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                });
            }
        }
        self
    }
    /// `reads = [database.T]`: the table and its indexes.
    fn reads_table(self, t: &str) -> Self {
        let p = self.table(t);
        self.grant(DYNAMODB_READ, &[table_arn(&p), index_arn(&p)], None)
    }
    /// `writes = [database.T]`: read + write on the table and its indexes.
    fn writes_table(self, t: &str) -> Self {
        let p = self.table(t);
        self.reads_table(t)
            .grant(DYNAMODB_WRITE, &[table_arn(&p), index_arn(&p)], None)
    }
    /// `reads = [bucket.B]` or `[prefix(bucket.B, "p/")]` (`b` with `_` → `-`).
    fn reads_bucket(self, b: &str, prefix: &str) -> Self {
        let p = self.phys(b);
        let cond = (!prefix.is_empty())
            .then(|| json!({"StringLike": {"s3:prefix": [format!("{prefix}*")]}}));
        self.grant(&["s3:GetObject"], &[objects_arn(&p, prefix)], None)
            .grant(&["s3:ListBucket"], &[bucket_arn(&p)], cond)
    }
    fn writes_bucket(self, b: &str, prefix: &str) -> Self {
        let p = self.phys(b);
        self.reads_bucket(b, prefix).grant(
            &["s3:DeleteObject", "s3:PutObject"],
            &[objects_arn(&p, prefix)],
            None,
        )
    }
    /// `sends = [queue.Q]` or `on_failure = queue.Q` (`q` with `.fifo` when FIFO).
    fn sends_queue(self, q: &str) -> Self {
        let p = self.phys(q);
        self.grant(&["sqs:SendMessage"], &[queue_arn(&p)], None)
    }
    fn publishes(self, topic: &str) -> Self {
        let p = self.phys(topic);
        self.grant(&["sns:Publish"], &[topic_arn(&p)], None)
    }
    fn invokes(self, f: &str) -> Self {
        let p = self.phys(f);
        self.grant(&["lambda:InvokeFunction"], &[function_arn(&p)], None)
    }
    /// Triggered by `queue.Q`: polling it.
    fn consumes(self, q: &str) -> Self {
        let p = self.phys(q);
        self.grant(SQS_CONSUME, &[queue_arn(&p)], None)
    }
    /// Triggered by `database.T`'s stream.
    fn reads_stream(self, t: &str) -> Self {
        let p = self.table(t);
        self.grant(STREAM_READ, &[stream_arn(&p)], None)
    }
    fn secret(self, name: &str) -> Self {
        self.grant(
            &["secretsmanager:GetSecretValue"],
            &[secret_arn(name)],
            None,
        )
    }
    fn ssm(self, path: &str) -> Self {
        self.grant(&["ssm:GetParameter"], &[parameter_arn(path)], None)
    }
    fn xray(self) -> Self {
        self.grant(XRAY, &["*".to_string()], None)
    }
    fn manages_connections(self, stage: &str) -> Self {
        self.grant(
            &["execute-api:ManageConnections"],
            &[connections_arn(stage)],
            None,
        )
    }
    fn vpc(self) -> Self {
        self.grant(VPC, &["*".to_string()], None)
    }
    /// A user `permissions` entry, as written.
    fn custom(self, actions: &[&str], resources: &[&str]) -> Self {
        let r: Vec<String> = resources.iter().map(|x| x.to_string()).collect();
        self.grant(actions, &r, None)
    }
}

/// Compares each function's grants with the expectation; with `complete`, the expectations must
/// also cover every function of the template. Returns the mismatches.
fn role_mismatches(t: &Value, expected: &[Expect], complete: bool) -> Vec<String> {
    let mut out = Vec::new();
    for e in expected {
        let id = fid(&e.function);
        let got = grants(t, &id);
        let missing: Vec<String> = e.set.difference(&got).map(|g| format!("  - {g}")).collect();
        let extra: Vec<String> = got.difference(&e.set).map(|g| format!("  + {g}")).collect();
        if !missing.is_empty() || !extra.is_empty() {
            let mut m = format!("function.{} ({id}Role):", e.function);
            if !missing.is_empty() {
                m.push_str(&format!("\n missing grants:\n{}", missing.join("\n")));
            }
            if !extra.is_empty() {
                m.push_str(&format!(
                    "\n grants nothing declared:\n{}",
                    extra.join("\n")
                ));
            }
            out.push(m);
        }
    }
    if complete {
        let listed: BTreeSet<String> = expected.iter().map(|e| fid(&e.function)).collect();
        let all: BTreeSet<String> = of_type(t, "AWS::Lambda::Function")
            .into_iter()
            .map(|(id, _)| id.clone())
            .collect();
        if listed != all {
            out.push(format!(
                "functions in the template {all:?} differ from those expected {listed:?}"
            ));
        }
    }
    out
}

fn assert_roles(t: &Value, expected: &[Expect], complete: bool) {
    let m = role_mismatches(t, expected, complete);
    assert!(m.is_empty(), "IAM grants differ:\n{}", m.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// 2a. IAM of the examples: every function's role, exactly.
// ---------------------------------------------------------------------------------------------

#[test]
fn iam_media() {
    let app = "media-dev";
    assert_roles(
        media(),
        &[
            // Reads uploads/ (its trigger's prefix), writes thumbs/ only, hands videos on;
            // failed upload events go to its dead-letter queue.
            Expect::new(app, "thumbnail")
                .reads_bucket("uploads", "uploads/")
                .writes_bucket("uploads", "thumbs/")
                .sends_queue("transcode.fifo")
                .sends_queue("thumbnail_failures")
                .publishes("media_ready")
                .xray(),
            // Polls exactly its FIFO queue.
            Expect::new(app, "transcode")
                .reads_bucket("uploads", "uploads/")
                .writes_bucket("uploads", "renditions/")
                .writes_bucket("uploads", "thumbs/")
                .publishes("media_ready")
                .consumes("transcode.fifo")
                .xray(),
            // Triggered by a topic (std/topic_subscriber): the subscription needs no role
            // grant; ssm() does, and so does its failure queue.
            Expect::new(app, "notify_fn")
                .ssm("/media/ready-webhook-url")
                .sends_queue("notify_failed")
                .xray(),
        ],
        true,
    );
}

#[test]
fn iam_signup() {
    let app = "signup-dev";
    assert_roles(
        signup(),
        &[
            // writes also grants reads, which covers the by_email index query.
            Expect::new(app, "signup").writes_table("users"),
            Expect::new(app, "daily_report")
                .reads_table("users")
                .writes_bucket("reports", "daily/")
                .sends_queue("ops_failures"),
            // The stream trigger: read the stream, send failed batches to the on_failure queue.
            Expect::new(app, "enqueue_welcome")
                .sends_queue("welcome")
                .reads_stream("users")
                .sends_queue("stream_failures"),
            // The queue trigger, the secret, and the user's SES grant as written.
            Expect::new(app, "send_welcome")
                .consumes("welcome")
                .secret("signup/mail-api-key")
                .custom(
                    &["ses:SendEmail"],
                    &["arn:aws:ses:eu-west-1:123456789012:identity/example.com"],
                ),
            // Triggered through the alarm's topic; its queue URL is only a value, not a grant;
            // its dead-letter queue is.
            Expect::new(app, "backlog_alert")
                .ssm("/signup/chat-webhook-url")
                .sends_queue("ops_failures"),
        ],
        true,
    );
}

#[test]
fn iam_webhooks() {
    let app = "webhooks-dev";
    assert_roles(
        webhooks(),
        &[
            Expect::new(app, "receive")
                .writes_table("builds")
                .sends_queue("builds")
                .secret("webhooks/github-webhook-secret")
                .secret("webhooks/gitlab-webhook-token"),
            Expect::new(app, "build_status")
                .reads_table("builds")
                .reads_bucket("artifacts", "builds/"),
            Expect::new(app, "worker")
                .writes_table("builds")
                .writes_bucket("artifacts", "builds/")
                .invokes("notify")
                .consumes("builds")
                .vpc(),
            // on_failure = queue.notify_failures (asynchronous destination).
            Expect::new(app, "notify")
                .sends_queue("notify_failures")
                .secret("webhooks/github-status-token"),
        ],
        true,
    );
}

#[test]
fn iam_chat() {
    let app = "chat-dev";
    assert_roles(
        chat(),
        &[
            // The authorizer reads its signing key and nothing else.
            Expect::new(app, "authorize").secret("chat/token-signing-key"),
            Expect::new(app, "connections").writes_table("connections"),
            // Posts to this stage's connections alone; writes to forget the gone ones.
            Expect::new(app, "broadcast")
                .writes_table("connections")
                .manages_connections("dev"),
        ],
        true,
    );
}

// ---------------------------------------------------------------------------------------------
// 2b. IAM of the shop fixture, one test per function.
// ---------------------------------------------------------------------------------------------

const SHOP: &str = "shop-dev";

#[test]
fn iam_shop_api_reads_writes_sends_secret_ssm_tracing() {
    assert_roles(
        shop(),
        &[Expect::new(SHOP, "api")
            .reads_table("users")
            .writes_table("orders")
            .sends_queue("orders")
            .publishes("events")
            .secret("shop/api-key")
            .ssm("/shop/db-url")
            .xray()],
        false,
    );
}

#[test]
fn iam_shop_profile_reads_one_table_and_its_indexes() {
    assert_roles(
        shop(),
        &[Expect::new(SHOP, "profile").reads_table("users")],
        false,
    );
}

#[test]
fn iam_shop_public_gets_only_its_log_group() {
    // Its environment names http.url: a value, not a grant.
    assert_roles(shop(), &[Expect::new(SHOP, "public")], false);
}

#[test]
fn iam_shop_worker_queue_trigger_prefix_write_invoke_on_failure_vpc() {
    assert_roles(
        shop(),
        &[Expect::new(SHOP, "worker")
            .writes_bucket("uploads", "thumbs/")
            .sends_queue("invoices.fifo")
            .invokes("mailer")
            .publishes("events") // on_failure = topic.events
            .consumes("orders")
            .vpc()],
        false,
    );
}

#[test]
fn iam_shop_mailer_on_failure_queue_secret_and_user_permissions() {
    assert_roles(
        shop(),
        &[Expect::new(SHOP, "mailer")
            .sends_queue("mail_failures") // on_failure = queue.mail_failures
            .secret("shop/smtp-password")
            .custom(
                &["ses:SendEmail", "ses:SendRawEmail"],
                &["arn:aws:ses:eu-west-1:123456789012:identity/example.com"],
            )],
        false,
    );
}

#[test]
fn iam_shop_projector_stream_trigger_with_topic_on_failure() {
    assert_roles(
        shop(),
        &[Expect::new(SHOP, "projector")
            .writes_table("sessions")
            .publishes("audit.fifo")
            .reads_stream("orders")
            .publishes("stream_failures")],
        false,
    );
}

#[test]
fn iam_shop_thumbnailer_prefix_read_and_write() {
    assert_roles(
        shop(),
        &[Expect::new(SHOP, "thumbnailer")
            .reads_bucket("uploads", "uploads/")
            .writes_bucket("uploads", "thumbs/")],
        false,
    );
}

#[test]
fn iam_shop_janitor_whole_bucket_write_without_condition() {
    assert_roles(
        shop(),
        &[Expect::new(SHOP, "janitor")
            .reads_table("sessions")
            .writes_bucket("scratch-files", "")],
        false,
    );
}

#[test]
fn iam_shop_push_triggered_functions_get_nothing_extra() {
    // Topic, alarm and schedule triggers invoke through resource policies (Lambda::Permission),
    // not through the function's role.
    assert_roles(
        shop(),
        &[Expect::new(SHOP, "auditor"), Expect::new(SHOP, "pager")],
        false,
    );
}

#[test]
fn iam_shop_every_function_is_covered() {
    let all: BTreeSet<String> = of_type(shop(), "AWS::Lambda::Function")
        .into_iter()
        .map(|(id, _)| id.clone())
        .collect();
    let tested: BTreeSet<String> = [
        "api",
        "profile",
        "public",
        "worker",
        "mailer",
        "projector",
        "thumbnailer",
        "janitor",
        "auditor",
        "pager",
    ]
    .iter()
    .map(|f| fid(f))
    .collect();
    assert_eq!(all, tested);
}

#[test]
fn user_permissions_are_emitted_as_written() {
    // SPEC §8: "user `permissions` are emitted as written": the same actions and the same
    // literal resources, in one statement, not rewritten into Fn::Sub.
    let cases = [
        (
            signup(),
            "send_welcome",
            json!(["ses:SendEmail"]),
            json!(["arn:aws:ses:eu-west-1:123456789012:identity/example.com"]),
        ),
        (
            shop(),
            "mailer",
            json!(["ses:SendEmail", "ses:SendRawEmail"]),
            json!(["arn:aws:ses:eu-west-1:123456789012:identity/example.com"]),
        ),
    ];
    let mut failures = Vec::new();
    for (t, f, actions, resources) in cases {
        let found = role_statements(t, &fid(f)).iter().any(|st| {
            st["Effect"] == "Allow"
                && st["Action"] == actions
                && st["Resource"] == resources
                && st.get("Condition").is_none()
        });
        if !found {
            failures.push(format!(
                "function.{f}: no statement {{Action: {actions}, Resource: {resources}}} in\n{}",
                serde_json::to_string_pretty(role_statements(t, &fid(f))).unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// 2c. Invariants that must hold for every project: scoping, triggers ⇒ grants, names, logs.
// ---------------------------------------------------------------------------------------------

/// A Sub ARN with the given service, after `arn:${AWS::Partition}:`.
fn service_of(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:${AWS::Partition}:")?
        .split(':')
        .next()
}

/// Checks one template; `app` is `{app}-{stage}`, `retention` the app's log retention.
fn invariant_violations(t: &Value, app: &str, retention: u64) -> Vec<String> {
    let mut v = Vec::new();
    let fns = of_type(t, "AWS::Lambda::Function");
    let phys_of = |id: &str| props(t, id)["FunctionName"].as_str().unwrap().to_string();

    for (id, f) in &fns {
        let p = &f["Properties"];
        let name = phys_of(id);
        if !name.starts_with(&format!("{app}-")) {
            v.push(format!(
                "{id}: FunctionName {name} does not start with {app}-"
            ));
        }
        // RecursiveLoop is always explicit.
        if !matches!(p["RecursiveLoop"].as_str(), Some("Terminate" | "Allow")) {
            v.push(format!("{id}: RecursiveLoop is {}", p["RecursiveLoop"]));
        }
        // Its own log group with the app's retention.
        let lg_id = format!("{id}LogGroup");
        match resources(t).get(&lg_id) {
            None => v.push(format!("{id}: no {lg_id}")),
            Some(lg) => {
                if lg["Type"] != "AWS::Logs::LogGroup" {
                    v.push(format!("{lg_id}: type {}", lg["Type"]));
                }
                if lg["Properties"]["LogGroupName"] != format!("/aws/lambda/{name}") {
                    v.push(format!(
                        "{lg_id}: LogGroupName {}",
                        lg["Properties"]["LogGroupName"]
                    ));
                }
                if lg["Properties"]["RetentionInDays"] != json!(retention) {
                    v.push(format!(
                        "{lg_id}: RetentionInDays {} (app log_retention is {retention})",
                        lg["Properties"]["RetentionInDays"]
                    ));
                }
            }
        }
        if p["LoggingConfig"]["LogGroup"] != json!({"Ref": lg_id}) {
            v.push(format!("{id}: LoggingConfig {}", p["LoggingConfig"]));
        }

        // The role.
        for st in role_statements(t, id) {
            let keys: BTreeSet<&str> = st.as_object().unwrap().keys().map(|k| k.as_str()).collect();
            if st["Effect"] != "Allow"
                || !keys.is_subset(&["Action", "Condition", "Effect", "Resource"].into())
            {
                v.push(format!("{id}: unexpected statement shape {st}"));
            }
        }
        for g in grants(t, id) {
            if g.action.contains('*') {
                v.push(format!("{id}: wildcard action {g}"));
            }
            let no_resource_level =
                XRAY.contains(&g.action.as_str()) || VPC.contains(&g.action.as_str());
            if g.resource == "*" {
                if !no_resource_level {
                    v.push(format!("{id}: unscoped resource: {g}"));
                }
                continue;
            }
            if no_resource_level {
                v.push(format!("{id}: {} should be on \"*\", got {g}", g.action));
            }
            if !g.resource.starts_with("arn:${AWS::Partition}:") {
                // Literal: only user `permissions` (checked where declared).
                if !g.resource.starts_with("arn:aws:") || g.resource.contains('*') {
                    v.push(format!(
                        "{id}: resource neither a scoped Fn::Sub ARN nor a literal ARN: {g}"
                    ));
                }
                continue;
            }
            let svc = service_of(&g.resource).unwrap_or_default();
            // The action belongs to the ARN's service.
            let action_svc = g.action.split(':').next().unwrap();
            if action_svc != svc {
                v.push(format!("{id}: {} on a {svc} ARN: {g}", g.action));
            }
            // Scoped: names a resource of this app (or a named secret / parameter), and has no
            // wildcard except the documented sub-resource forms.
            let scoped = match svc {
                "secretsmanager" => g.resource.ends_with("-??????") && !g.resource.contains('*'),
                "ssm" => g.resource.contains(":parameter/") && !g.resource.contains('*'),
                "logs" => g.resource == log_arn(&name),
                // The connections of the app's own WebSocket API's stage.
                "execute-api" => {
                    let rest = g.resource.split(":${WebsocketApi}/").nth(1).unwrap_or("");
                    rest.split_once('/').is_some_and(|(stage, path)| {
                        !stage.contains('*') && path == "*/@connections/*"
                    })
                }
                "dynamodb" => {
                    let rest = g.resource.split(":table/").nth(1).unwrap_or("");
                    let table = rest.split('/').next().unwrap_or("");
                    // One of the template's tables (derived or explicit names).
                    of_type(t, "AWS::DynamoDB::Table")
                        .iter()
                        .any(|(_, r)| r["Properties"]["TableName"] == table)
                        && !table.contains('*')
                        && (rest == table
                            || rest == format!("{table}/index/*")
                            || rest == format!("{table}/stream/*"))
                }
                "s3" => {
                    let rest = g
                        .resource
                        .strip_prefix("arn:${AWS::Partition}:s3:::")
                        .unwrap_or("");
                    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
                    bucket.starts_with(&format!("{app}-"))
                        && bucket.ends_with("-${AWS::AccountId}")
                        && !bucket.contains('*')
                        && (key.is_empty()
                            || (key.ends_with('*') && !key[..key.len() - 1].contains('*')))
                }
                _ => {
                    let last = g.resource.rsplit(':').next().unwrap_or("");
                    last.starts_with(&format!("{app}-")) && !g.resource.contains('*')
                }
            };
            if !scoped {
                v.push(format!(
                    "{id}: resource not scoped to one of the app's resources: {g}"
                ));
            }
            // Logs: only its own log group.
            if g.action.starts_with("logs:") && g.resource != log_arn(&name) {
                v.push(format!("{id}: logs on another log group: {g}"));
            }
            // ListBucket: on the bucket itself (never on objects).
            if g.action == "s3:ListBucket" && g.resource.contains("}/") {
                v.push(format!("{id}: ListBucket on objects: {g}"));
            }
        }
        // Always its own log group.
        let g = grants(t, id);
        for a in ["logs:CreateLogStream", "logs:PutLogEvents"] {
            if !g
                .iter()
                .any(|x| x.action == a && x.resource == log_arn(&name))
            {
                v.push(format!("{id}: cannot {a} to its own log group"));
            }
        }
        // Tracing and VPC ⇔ their grants.
        let traced = p["TracingConfig"]["Mode"] == "Active";
        let has_xray = XRAY
            .iter()
            .all(|a| g.iter().any(|x| x.action == *a && x.resource == "*"));
        let any_xray = g.iter().any(|x| x.action.starts_with("xray:"));
        if traced != has_xray || (!traced && any_xray) {
            v.push(format!(
                "{id}: TracingConfig {} but X-Ray grants {any_xray}",
                p["TracingConfig"]
            ));
        }
        let in_vpc = p.get("VpcConfig").is_some();
        let has_vpc = VPC
            .iter()
            .all(|a| g.iter().any(|x| x.action == *a && x.resource == "*"));
        let any_ec2 = g.iter().any(|x| x.action.starts_with("ec2:"));
        if in_vpc != has_vpc || (!in_vpc && any_ec2) {
            v.push(format!("{id}: VpcConfig {in_vpc} but EC2 grants {any_ec2}"));
        }
    }

    // Triggers ⇒ the role grants they need; polling only what triggers the function.
    let mut polled: BTreeMap<String, BTreeSet<String>> = BTreeMap::new(); // function → queue ARNs
    let mut streamed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new(); // function → stream ARNs
    let has = |f: &str, action: &str, resource: &str| {
        grants(t, f)
            .iter()
            .any(|g| g.action == action && g.resource == resource && g.condition.is_empty())
    };
    let destination_granted = |who: &str, f: &str, dest: &Value, v: &mut Vec<String>| {
        let d = s(dest);
        let ok = match service_of(&d) {
            Some("sqs") => has(f, "sqs:SendMessage", &d),
            Some("sns") => has(f, "sns:Publish", &d),
            Some("lambda") => has(f, "lambda:InvokeFunction", &d),
            _ => false,
        };
        if !ok {
            v.push(format!(
                "{who}: the on-failure destination {d} is not granted to {f}'s role"
            ));
        }
    };
    for (id, m) in of_type(t, "AWS::Lambda::EventSourceMapping") {
        let p = &m["Properties"];
        let Some(f) = p["FunctionName"]["Ref"].as_str() else {
            v.push(format!("{id}: FunctionName is not a Ref"));
            continue;
        };
        let src = &p["EventSourceArn"]["Fn::GetAtt"];
        let src_id = src[0].as_str().unwrap_or_default();
        let src_res = res(t, src_id);
        match src_res["Type"].as_str() {
            Some("AWS::SQS::Queue") => {
                let q = queue_arn(src_res["Properties"]["QueueName"].as_str().unwrap());
                for a in SQS_CONSUME {
                    if !has(f, a, &q) {
                        v.push(format!("{id}: {f} cannot {a} on its queue {q}"));
                    }
                }
                polled.entry(f.into()).or_default().insert(q);
                if p.get("StartingPosition").is_some() {
                    v.push(format!("{id}: StartingPosition on an SQS mapping"));
                }
            }
            Some("AWS::DynamoDB::Table") => {
                if src[1] != "StreamArn" {
                    v.push(format!("{id}: EventSourceArn {src}"));
                }
                let table = src_res["Properties"]["TableName"].as_str().unwrap();
                let sa = stream_arn(table);
                for a in STREAM_READ {
                    if !has(f, a, &sa) {
                        v.push(format!("{id}: {f} cannot {a} on {sa}"));
                    }
                }
                streamed.entry(f.into()).or_default().insert(sa);
                if src_res["Properties"]["StreamSpecification"]["StreamViewType"].is_null() {
                    v.push(format!("{id}: reads {src_id}, which has no stream"));
                }
                if !matches!(
                    p["StartingPosition"].as_str(),
                    Some("LATEST" | "TRIM_HORIZON")
                ) {
                    v.push(format!("{id}: StartingPosition {}", p["StartingPosition"]));
                }
            }
            other => v.push(format!("{id}: event source {src_id} of type {other:?}")),
        }
        if let Some(d) = p.pointer("/DestinationConfig/OnFailure/Destination") {
            destination_granted(id, f, d, &mut v);
        }
    }
    for (id, c) in of_type(t, "AWS::Lambda::EventInvokeConfig") {
        let p = &c["Properties"];
        let f = p["FunctionName"]["Ref"].as_str().unwrap_or_default();
        if let Some(d) = p.pointer("/DestinationConfig/OnFailure/Destination") {
            destination_granted(id, f, d, &mut v);
        }
    }
    for (id, _) in &fns {
        for g in grants(t, id) {
            if SQS_CONSUME.contains(&g.action.as_str())
                && !polled
                    .get(id.as_str())
                    .is_some_and(|q| q.contains(&g.resource))
            {
                v.push(format!("{id}: {g}, but that queue does not trigger it"));
            }
            if STREAM_READ.contains(&g.action.as_str())
                && !streamed
                    .get(id.as_str())
                    .is_some_and(|q| q.contains(&g.resource))
            {
                v.push(format!("{id}: {g}, but that stream does not trigger it"));
            }
        }
    }

    // Every Lambda::Permission invokes one of the template's functions, scoped to its source.
    for (id, p) in of_type(t, "AWS::Lambda::Permission") {
        let p = &p["Properties"];
        let f = p["FunctionName"]["Ref"].as_str().unwrap_or_default();
        if res(t, f)["Type"] != "AWS::Lambda::Function" {
            v.push(format!("{id}: FunctionName {}", p["FunctionName"]));
        }
        if p["Action"] != "lambda:InvokeFunction" || p["SourceArn"].is_null() {
            v.push(format!("{id}: {p}"));
        }
        if p["SourceAccount"] != json!({"Ref": "AWS::AccountId"}) {
            v.push(format!("{id}: SourceAccount {}", p["SourceAccount"]));
        }
    }

    // Push triggers: the service may invoke the function (a resource policy, not the role).
    let permitted = |f: &Value, principal: &str, source: &Value| {
        of_type(t, "AWS::Lambda::Permission").iter().any(|(_, p)| {
            let p = &p["Properties"];
            p["FunctionName"] == json!({"Ref": f["Fn::GetAtt"][0]})
                && p["Principal"] == principal
                && &p["SourceArn"] == source
        })
    };
    for (id, sub) in of_type(t, "AWS::SNS::Subscription") {
        let p = &sub["Properties"];
        if p["Protocol"] == "lambda"
            && !permitted(&p["Endpoint"], "sns.amazonaws.com", &p["TopicArn"])
        {
            v.push(format!("{id}: SNS may not invoke {}", p["Endpoint"]));
        }
    }
    for (id, rule) in of_type(t, "AWS::Events::Rule") {
        for target in rule["Properties"]["Targets"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if !permitted(
                &target["Arn"],
                "events.amazonaws.com",
                &json!({"Fn::GetAtt": [id, "Arn"]}),
            ) {
                v.push(format!(
                    "{id}: EventBridge may not invoke {}",
                    target["Arn"]
                ));
            }
        }
    }
    for (id, i) in of_type(t, "AWS::ApiGatewayV2::Integration") {
        let f = &i["Properties"]["IntegrationUri"];
        // The HTTP API takes the function's ARN; the WebSocket API its invocation URI.
        let function = match f["Fn::GetAtt"][0].as_str() {
            Some(fid) => fid.to_string(),
            None => s(f)
                .split("/functions/${")
                .nth(1)
                .and_then(|r| r.strip_suffix(".Arn}/invocations"))
                .unwrap_or_default()
                .to_string(),
        };
        let api = match i["Properties"]["ApiId"]["Ref"].as_str() {
            Some("WebsocketApi") => "${WebsocketApi}/",
            _ => "${HttpApi}/",
        };
        let ok = of_type(t, "AWS::Lambda::Permission").iter().any(|(_, p)| {
            let p = &p["Properties"];
            p["FunctionName"] == json!({"Ref": function})
                && p["Principal"] == "apigateway.amazonaws.com"
                && s(&p["SourceArn"]).contains(api)
        });
        if !ok {
            v.push(format!("{id}: API Gateway may not invoke {f}"));
        }
        let routed = of_type(t, "AWS::ApiGatewayV2::Route").iter().any(|(_, r)| {
            r["Properties"]["Target"] == json!({"Fn::Sub": format!("integrations/${{{id}}}")})
        });
        if !routed {
            v.push(format!("{id}: no route targets it"));
        }
    }
    for (id, r) in of_type(t, "AWS::ApiGatewayV2::Route") {
        let p = &r["Properties"];
        let ok = match p["AuthorizationType"].as_str() {
            Some("NONE" | "AWS_IAM") => p.get("AuthorizerId").is_none(),
            Some("JWT") => p["AuthorizerId"]["Ref"]
                .as_str()
                .is_some_and(|a| res(t, a)["Properties"]["AuthorizerType"] == "JWT"),
            Some("CUSTOM") => p["AuthorizerId"]["Ref"]
                .as_str()
                .is_some_and(|a| res(t, a)["Properties"]["AuthorizerType"] == "REQUEST"),
            _ => false,
        };
        if !ok {
            v.push(format!(
                "{id}: AuthorizationType {} / AuthorizerId {}",
                p["AuthorizationType"], p["AuthorizerId"]
            ));
        }
    }
    for (id, b) in of_type(t, "AWS::S3::Bucket") {
        let configs =
            b["Properties"]["NotificationConfiguration"]["LambdaConfigurations"].as_array();
        let bucket = json!({"Fn::Sub": format!("{P}:s3:::{}", s(&b["Properties"]["BucketName"]))});
        for c in configs.into_iter().flatten() {
            let fname = s(&c["Function"]);
            let f = fns
                .iter()
                .find(|(fid, _)| function_arn(&phys_of(fid)) == fname);
            let Some((f_id, _)) = f else {
                v.push(format!(
                    "{id}: notifies {fname}, not a function of the template"
                ));
                continue;
            };
            let perm = of_type(t, "AWS::Lambda::Permission")
                .into_iter()
                .find(|(_, p)| {
                    let p = &p["Properties"];
                    p["FunctionName"] == json!({"Ref": f_id})
                        && p["Principal"] == "s3.amazonaws.com"
                        && p["SourceArn"] == bucket
                });
            match perm {
                None => v.push(format!("{id}: S3 may not invoke {f_id}")),
                Some((perm_id, _)) => {
                    let deps = b["DependsOn"].as_array().cloned().unwrap_or_default();
                    if !deps.contains(&json!(perm_id)) {
                        v.push(format!(
                            "{id}: does not DependsOn {perm_id} (S3 validates the destination)"
                        ));
                    }
                }
            }
        }
    }

    // Names.
    for (id, q) in of_type(t, "AWS::SQS::Queue") {
        let p = &q["Properties"];
        let name = p["QueueName"].as_str().unwrap_or_default();
        let fifo = p["FifoQueue"] == true;
        if fifo != name.ends_with(".fifo") || !name.starts_with(&format!("{app}-")) {
            v.push(format!(
                "{id}: QueueName {name}, FifoQueue {}",
                p["FifoQueue"]
            ));
        }
    }
    for (id, q) in of_type(t, "AWS::SNS::Topic") {
        let p = &q["Properties"];
        let Some(name) = p["TopicName"].as_str() else {
            continue; // alarm topics are unnamed
        };
        let fifo = p["FifoTopic"] == true;
        if fifo != name.ends_with(".fifo") || !name.starts_with(&format!("{app}-")) {
            v.push(format!(
                "{id}: TopicName {name}, FifoTopic {}",
                p["FifoTopic"]
            ));
        }
    }
    for (id, b) in of_type(t, "AWS::S3::Bucket") {
        let p = &b["Properties"];
        let name = s(&p["BucketName"]);
        let base = name.strip_suffix("-${AWS::AccountId}").unwrap_or("");
        if p["BucketName"].get("Fn::Sub").is_none()
            || !base.starts_with(&format!("{app}-"))
            || base != base.to_ascii_lowercase()
            || base.contains('_')
        {
            v.push(format!("{id}: BucketName {}", p["BucketName"]));
        }
        let block = &p["PublicAccessBlockConfiguration"];
        for k in [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ] {
            if block[k] != true {
                v.push(format!("{id}: {k} is {}", block[k]));
            }
        }
    }
    // Stateful resources always say what happens to their data.
    for ty in ["AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::SQS::Queue"] {
        for (id, r) in of_type(t, ty) {
            let dp = r["DeletionPolicy"].as_str();
            if !matches!(dp, Some("Retain" | "Delete")) || r["UpdateReplacePolicy"].as_str() != dp {
                v.push(format!(
                    "{id}: DeletionPolicy {} / UpdateReplacePolicy {}",
                    r["DeletionPolicy"], r["UpdateReplacePolicy"]
                ));
            }
        }
    }

    // The dependency graph is acyclic and every reference resolves.
    v.extend(dependency_problems(t));
    v
}

/// The logical IDs a value refers to (Ref, Fn::GetAtt, `${X}` / `${X.Attr}` in Fn::Sub).
fn references(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("Ref") {
                out.insert(r.clone());
            }
            match o.get("Fn::GetAtt") {
                Some(Value::Array(a)) => {
                    if let Some(Value::String(r)) = a.first() {
                        out.insert(r.clone());
                    }
                }
                Some(Value::String(s)) => {
                    out.insert(s.split('.').next().unwrap().to_string());
                }
                _ => {}
            }
            let sub_text = match o.get("Fn::Sub") {
                Some(Value::String(s)) => Some(s.as_str()),
                Some(Value::Array(a)) => a.first().and_then(Value::as_str),
                _ => None,
            };
            if let Some(text) = sub_text {
                let mut rest = text;
                while let Some(i) = rest.find("${") {
                    rest = &rest[i + 2..];
                    let end = rest.find('}').unwrap_or(rest.len());
                    let var = &rest[..end];
                    if !var.starts_with('!') {
                        out.insert(var.split('.').next().unwrap().to_string());
                    }
                    rest = &rest[end..];
                }
            }
            for x in o.values() {
                references(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

/// Dangling references and dependency cycles between resources.
fn dependency_problems(t: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let res = resources(t);
    let params: BTreeSet<&str> = t["Parameters"]
        .as_object()
        .map(|p| p.keys().map(|k| k.as_str()).collect())
        .unwrap_or_default();
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (id, r) in res {
        let mut refs = BTreeSet::new();
        references(&r["Properties"], &mut refs);
        match &r["DependsOn"] {
            Value::String(d) => {
                refs.insert(d.clone());
            }
            Value::Array(a) => refs.extend(a.iter().filter_map(|d| d.as_str().map(String::from))),
            _ => {}
        }
        let mut deps = BTreeSet::new();
        for x in refs {
            if res.contains_key(&x) {
                deps.insert(x);
            } else if !x.starts_with("AWS::") && !params.contains(x.as_str()) {
                problems.push(format!("{id} refers to {x}, which is not in the template"));
            }
        }
        edges.insert(id, deps);
    }
    if let Some(Value::Object(outs)) = t.get("Outputs") {
        for (id, o) in outs {
            let mut refs = BTreeSet::new();
            references(o, &mut refs);
            for x in refs {
                if !res.contains_key(&x) && !x.starts_with("AWS::") && !params.contains(x.as_str())
                {
                    problems.push(format!(
                        "output {id} refers to {x}, which is not in the template"
                    ));
                }
            }
        }
    }
    // Depth-first search with colours; report the first cycle found, spelled out.
    fn visit<'a>(
        n: &'a str,
        edges: &'a BTreeMap<&'a str, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(n, 1);
        stack.push(n);
        for m in edges.get(n).into_iter().flatten() {
            let m = m.as_str();
            match state.get(m).copied().unwrap_or(0) {
                1 => {
                    let i = stack.iter().position(|x| *x == m).unwrap();
                    let mut c: Vec<String> = stack[i..].iter().map(|x| x.to_string()).collect();
                    c.push(m.to_string());
                    return Some(c);
                }
                0 => {
                    let (k, _) = edges.get_key_value(m).unwrap();
                    if let Some(c) = visit(k, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if state.get(n).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(n, &edges, &mut state, &mut Vec::new()) {
                problems.push(format!("dependency cycle: {}", c.join(" -> ")));
                break;
            }
        }
    }
    problems
}

fn assert_invariants(t: &Value, app: &str, retention: u64) {
    let v = invariant_violations(t, app, retention);
    assert!(v.is_empty(), "{} problems:\n{}", v.len(), v.join("\n"));
}

#[test]
fn invariants_media() {
    assert_invariants(media(), "media-dev", 30);
}

#[test]
fn invariants_signup() {
    assert_invariants(signup(), "signup-dev", 14);
}

#[test]
fn invariants_chat() {
    assert_invariants(chat(), "chat-dev", 14);
}

#[test]
fn invariants_webhooks() {
    assert_invariants(webhooks(), "webhooks-dev", 30);
}

#[test]
fn invariants_shop() {
    assert_invariants(shop(), SHOP, 90);
}

#[test]
fn every_example_has_an_iam_and_invariant_test() {
    // A new example must be added to the tests above (and gets a golden file).
    assert_eq!(examples(), ["chat", "media", "signup", "webhooks"]);
}

#[test]
fn the_cycle_detector_finds_cycles_and_dangling_references() {
    // The checks above are only as good as this detector.
    let t = json!({
        "Parameters": {"ArtifactBucket": {"Type": "String"}},
        "Resources": {
            "A": {"Type": "X", "Properties": {"P": {"Fn::Sub": "x-${B.Arn}-${!Literal}-${AWS::Region}"}}},
            "B": {"Type": "X", "Properties": {"P": {"Fn::GetAtt": ["C", "Arn"]}}},
            "C": {"Type": "X", "DependsOn": ["A"], "Properties": {"Q": {"Ref": "ArtifactBucket"}}},
            "D": {"Type": "X", "Properties": {"P": {"Ref": "Nowhere"}}}
        }
    });
    let p = dependency_problems(&t);
    assert!(
        p.iter()
            .any(|x| x == "D refers to Nowhere, which is not in the template"),
        "{p:?}"
    );
    assert!(
        p.iter().any(|x| x == "dependency cycle: A -> B -> C -> A"),
        "{p:?}"
    );
    assert_eq!(p.len(), 2, "{p:?}");
}

#[test]
fn the_invariant_checks_catch_broken_templates() {
    // The invariant checks are only as good as what they notice: break a clean template in one
    // place at a time and expect the matching complaint.
    fn statements_mut<'a>(t: &'a mut Value, role: &str) -> &'a mut Vec<Value> {
        t.pointer_mut(&format!(
            "/Resources/{role}/Properties/Policies/0/PolicyDocument/Statement"
        ))
        .and_then(Value::as_array_mut)
        .unwrap()
    }
    type Mutation = fn(&mut Value);
    let cases: Vec<(&str, Mutation, &str)> = vec![
        (
            "wildcard action",
            |t| {
                statements_mut(t, "ApiFunctionRole")[1]["Action"] = json!(["dynamodb:*"]);
            },
            "ApiFunction: wildcard action dynamodb:*",
        ),
        (
            "unscoped resource",
            |t| {
                statements_mut(t, "ApiFunctionRole")[1]["Resource"] = json!(["*"]);
            },
            "ApiFunction: unscoped resource",
        ),
        (
            "a table wildcard",
            |t| {
                statements_mut(t, "ProfileFunctionRole")[1]["Resource"] =
                    json!([{"Fn::Sub": table_arn("shop-dev-*")}]);
            },
            "ProfileFunction: resource not scoped",
        ),
        (
            "logs on another group",
            |t| {
                statements_mut(t, "PagerFunctionRole")[0]["Resource"] =
                    json!([{"Fn::Sub": log_arn("shop-dev-api")}]);
            },
            "PagerFunction: logs on another log group",
        ),
        (
            "queue trigger without polling",
            |t| {
                statements_mut(t, "WorkerFunctionRole")
                    .retain(|s| s["Action"][0] != "sqs:ChangeMessageVisibility");
            },
            "OrderJobsEventSourceMapping: WorkerFunction cannot sqs:ReceiveMessage",
        ),
        (
            "polling a queue that is not a trigger",
            |t| {
                statements_mut(t, "ApiFunctionRole").push(json!({"Effect": "Allow",
                "Action": ["sqs:ReceiveMessage"], "Resource": [{"Fn::Sub": queue_arn("shop-dev-orders")}]}));
            },
            "but that queue does not trigger it",
        ),
        (
            "stream trigger without stream read",
            |t| {
                statements_mut(t, "ProjectorFunctionRole")
                    .retain(|s| s["Action"][0] != "dynamodb:DescribeStream");
            },
            "OrderChangesEventSourceMapping: ProjectorFunction cannot dynamodb:GetRecords",
        ),
        (
            "stream on_failure not granted",
            |t| {
                statements_mut(t, "ProjectorFunctionRole")
                    .retain(|s| s["Action"][0] != "sns:Publish");
            },
            "OrderChangesEventSourceMapping: the on-failure destination",
        ),
        (
            "async on_failure not granted",
            |t| {
                statements_mut(t, "MailerFunctionRole")
                    .retain(|s| s["Action"][0] != "sqs:SendMessage");
            },
            "MailerFunctionEventInvokeConfig: the on-failure destination",
        ),
        (
            "tracing without X-Ray",
            |t| {
                statements_mut(t, "ApiFunctionRole")
                    .retain(|s| !s["Action"][0].as_str().unwrap().starts_with("xray:"));
            },
            "ApiFunction: TracingConfig",
        ),
        (
            "vpc without ENI actions",
            |t| {
                statements_mut(t, "WorkerFunctionRole")
                    .retain(|s| !s["Action"][0].as_str().unwrap().starts_with("ec2:"));
            },
            "WorkerFunction: VpcConfig true",
        ),
        (
            "retention",
            |t| {
                t["Resources"]["ApiFunctionLogGroup"]["Properties"]["RetentionInDays"] = json!(30);
            },
            "ApiFunctionLogGroup: RetentionInDays 30",
        ),
        (
            "no RecursiveLoop",
            |t| {
                t["Resources"]["ApiFunction"]["Properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("RecursiveLoop");
            },
            "ApiFunction: RecursiveLoop",
        ),
        (
            "FIFO without .fifo",
            |t| {
                t["Resources"]["InvoicesQueue"]["Properties"]["QueueName"] =
                    json!("shop-dev-invoices");
            },
            "InvoicesQueue: QueueName",
        ),
        (
            "bucket name without the account",
            |t| {
                t["Resources"]["UploadsBucket"]["Properties"]["BucketName"] =
                    json!("shop-dev-uploads");
            },
            "UploadsBucket: BucketName",
        ),
        (
            "no deletion policy",
            |t| {
                t["Resources"]["UsersTable"]
                    .as_object_mut()
                    .unwrap()
                    .remove("DeletionPolicy");
            },
            "UsersTable: DeletionPolicy",
        ),
        (
            "topic trigger without permission",
            |t| {
                t["Resources"]
                    .as_object_mut()
                    .unwrap()
                    .remove("OrderEventsPermission");
            },
            "OrderEventsSubscription: SNS may not invoke",
        ),
        (
            "alarm trigger without permission",
            |t| {
                t["Resources"]["PageOnErrorsPermission"]["Properties"]["SourceArn"] =
                    json!({"Ref": "EventsTopic"});
            },
            "PageOnErrorsSubscription: SNS may not invoke",
        ),
        (
            "schedule without permission",
            |t| {
                t["Resources"]["NightlyPermission"]["Properties"]["Principal"] =
                    json!("sns.amazonaws.com");
            },
            "NightlyRule: EventBridge may not invoke",
        ),
        (
            "route without permission",
            |t| {
                t["Resources"]
                    .as_object_mut()
                    .unwrap()
                    .remove("CreateOrderPermission");
            },
            "CreateOrderIntegration: API Gateway may not invoke",
        ),
        (
            "JWT route without authorizer",
            |t| {
                t["Resources"]["GetProfileRoute"]["Properties"]
                    .as_object_mut()
                    .unwrap()
                    .remove("AuthorizerId");
            },
            "GetProfileRoute: AuthorizationType",
        ),
        (
            "bucket notification before its permission",
            |t| {
                t["Resources"]["UploadsBucket"]
                    .as_object_mut()
                    .unwrap()
                    .remove("DependsOn");
            },
            "UploadsBucket: does not DependsOn NewImagePermission",
        ),
        (
            "a cycle",
            |t| {
                t["Resources"]["HttpApi"]["DependsOn"] = json!(["PublicFunction"]);
            },
            "dependency cycle: HttpApi -> PublicFunction -> HttpApi",
        ),
        (
            "a dangling reference",
            |t| {
                t["Resources"]["ApiFunction"]["Properties"]["Role"] =
                    json!({"Fn::GetAtt": ["ApiFunctionRole", "Arn"]});
                t["Resources"]["ApiFunction"]["Properties"]["LoggingConfig"]["LogGroup"] =
                    json!({"Ref": "NoSuchLogGroup"});
            },
            "ApiFunction refers to NoSuchLogGroup",
        ),
    ];
    assert!(invariant_violations(shop(), SHOP, 90).is_empty());
    let mut missed = Vec::new();
    for (what, mutate, expected) in cases {
        let mut t = shop().clone();
        mutate(&mut t);
        let v = invariant_violations(&t, SHOP, 90);
        if !v.iter().any(|x| x.contains(expected)) {
            missed.push(format!(
                "{what}: expected a violation containing {expected:?}, got {v:#?}"
            ));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// 2d. Structure: every trigger kind has its resources.
// ---------------------------------------------------------------------------------------------

#[test]
fn queue_trigger_event_source_mapping() {
    let t = shop();
    let p = props(t, "OrderJobsEventSourceMapping");
    assert_eq!(
        res(t, "OrderJobsEventSourceMapping")["Type"],
        "AWS::Lambda::EventSourceMapping"
    );
    assert_eq!(p["FunctionName"], json!({"Ref": "WorkerFunction"}));
    assert_eq!(
        p["EventSourceArn"],
        json!({"Fn::GetAtt": ["OrdersQueue", "Arn"]})
    );
    assert_eq!(p["BatchSize"], 50);
    // batch_size over 10 without batch_window: AWS requires a window of at least 1 s.
    assert_eq!(p["MaximumBatchingWindowInSeconds"], 1);
    assert_eq!(p["ScalingConfig"], json!({"MaximumConcurrency": 5}));
    assert_eq!(
        p["FunctionResponseTypes"],
        json!(["ReportBatchItemFailures"])
    );
    assert!(p.get("StartingPosition").is_none());
    assert!(
        p.get("DestinationConfig").is_none(),
        "SQS mappings use the queue's redrive"
    );

    // The queue: 6 x the worker's 60 s timeout, redrive to its dead letter queue.
    let q = props(t, "OrdersQueue");
    assert_eq!(q["QueueName"], "shop-dev-orders");
    assert_eq!(q["VisibilityTimeout"], 360);
    assert_eq!(
        q["RedrivePolicy"],
        json!({"deadLetterTargetArn": {"Fn::GetAtt": ["OrdersDlqQueue", "Arn"]}, "maxReceiveCount": 3})
    );

    // webhooks: batch_window given, max_concurrency, partial failures.
    let w = props(webhooks(), "BuildJobsEventSourceMapping");
    assert_eq!(w["BatchSize"], 5);
    assert_eq!(w["MaximumBatchingWindowInSeconds"], 10);
    assert_eq!(w["ScalingConfig"], json!({"MaximumConcurrency": 10}));
    assert_eq!(
        w["FunctionResponseTypes"],
        json!(["ReportBatchItemFailures"])
    );
    // media: a FIFO queue, no partial failures asked for.
    let m = props(media(), "TranscodeJobsEventSourceMapping");
    assert_eq!(m["BatchSize"], 1);
    assert!(m.get("FunctionResponseTypes").is_none());
    assert!(m.get("ScalingConfig").is_none());
}

#[test]
fn stream_trigger_event_source_mapping() {
    let t = shop();
    let p = props(t, "OrderChangesEventSourceMapping");
    assert_eq!(p["FunctionName"], json!({"Ref": "ProjectorFunction"}));
    assert_eq!(
        p["EventSourceArn"],
        json!({"Fn::GetAtt": ["OrdersTable", "StreamArn"]})
    );
    assert_eq!(p["BatchSize"], 200);
    assert_eq!(p["StartingPosition"], "TRIM_HORIZON");
    assert_eq!(p["MaximumRetryAttempts"], 5);
    assert_eq!(p["MaximumBatchingWindowInSeconds"], 2);
    assert_eq!(
        p["DestinationConfig"],
        json!({"OnFailure": {"Destination": {"Fn::Sub": topic_arn("shop-dev-stream_failures")}}})
    );
    // No `stream` declared, but a trigger reads the table: new_and_old_images.
    assert_eq!(
        props(t, "OrdersTable")["StreamSpecification"],
        json!({"StreamViewType": "NEW_AND_OLD_IMAGES"})
    );

    let s = props(signup(), "UserCreatedEventSourceMapping");
    assert_eq!(s["StartingPosition"], "TRIM_HORIZON");
    assert_eq!(s["BatchSize"], 25);
    assert_eq!(s["MaximumRetryAttempts"], 3);
    assert_eq!(
        s["DestinationConfig"],
        json!({"OnFailure": {"Destination": {"Fn::Sub": queue_arn("signup-dev-stream_failures")}}})
    );
    // The declared stream view wins over the default.
    assert_eq!(
        props(signup(), "UsersTable")["StreamSpecification"],
        json!({"StreamViewType": "NEW_IMAGE"})
    );
}

#[test]
fn schedule_trigger_rule_and_permission() {
    let t = shop();
    let r = res(t, "NightlyRule");
    assert_eq!(r["Type"], "AWS::Events::Rule");
    let p = &r["Properties"];
    assert_eq!(p["ScheduleExpression"], "rate(1 day)");
    assert_eq!(p["State"], "ENABLED");
    let targets = p["Targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(
        targets[0]["Arn"],
        json!({"Fn::GetAtt": ["JanitorFunction", "Arn"]})
    );
    let input: Value = serde_json::from_str(targets[0]["Input"].as_str().unwrap()).unwrap();
    assert_eq!(input, json!({"dry_run": false, "keep_days": 7}));

    let perm = res(t, "NightlyPermission");
    assert_eq!(perm["Type"], "AWS::Lambda::Permission");
    let pp = &perm["Properties"];
    assert_eq!(pp["FunctionName"], json!({"Ref": "JanitorFunction"}));
    assert_eq!(pp["Principal"], "events.amazonaws.com");
    assert_eq!(
        pp["SourceArn"],
        json!({"Fn::GetAtt": ["NightlyRule", "Arn"]})
    );

    let s = props(signup(), "NightlyReportRule");
    assert_eq!(s["ScheduleExpression"], "cron(0 3 * * ? *)");
    assert_eq!(
        props(signup(), "NightlyReportPermission")["Principal"],
        "events.amazonaws.com"
    );
}

/// Checks one HTTP trigger: integration, route (with its auth), permission.
fn check_http(
    t: &Value,
    trigger: &str,
    function: &str,
    route_key: &str,
    source_path: &str,
) -> Value {
    let tid = pascal(trigger);
    let i = res(t, &format!("{tid}Integration"));
    assert_eq!(i["Type"], "AWS::ApiGatewayV2::Integration");
    assert_eq!(i["Properties"]["ApiId"], json!({"Ref": "HttpApi"}));
    assert_eq!(i["Properties"]["IntegrationType"], "AWS_PROXY");
    assert_eq!(i["Properties"]["PayloadFormatVersion"], "2.0");
    assert_eq!(
        i["Properties"]["IntegrationUri"],
        json!({"Fn::GetAtt": [fid(function), "Arn"]})
    );

    let r = res(t, &format!("{tid}Route"));
    assert_eq!(r["Type"], "AWS::ApiGatewayV2::Route");
    assert_eq!(r["Properties"]["ApiId"], json!({"Ref": "HttpApi"}));
    assert_eq!(r["Properties"]["RouteKey"], route_key);
    assert_eq!(
        r["Properties"]["Target"],
        json!({"Fn::Sub": format!("integrations/${{{tid}Integration}}")})
    );

    let p = props(t, &format!("{tid}Permission"));
    assert_eq!(p["FunctionName"], json!({"Ref": fid(function)}));
    assert_eq!(p["Principal"], "apigateway.amazonaws.com");
    assert_eq!(
        p["SourceArn"],
        json!({"Fn::Sub": format!("{P}:execute-api:{RA}:${{HttpApi}}/*/{source_path}")})
    );
    r["Properties"].clone()
}

#[test]
fn http_triggers_routes_auth_integrations_permissions() {
    let t = shop();
    let iam = check_http(t, "create_order", "api", "POST /orders", "POST/orders");
    assert_eq!(iam["AuthorizationType"], "AWS_IAM");
    assert!(iam.get("AuthorizerId").is_none());

    let jwt = check_http(
        t,
        "get_profile",
        "profile",
        "GET /users/{id}",
        "GET/users/*",
    );
    assert_eq!(jwt["AuthorizationType"], "JWT");
    assert_eq!(jwt["AuthorizerId"], json!({"Ref": "GetProfileAuthorizer"}));
    let a = res(t, "GetProfileAuthorizer");
    assert_eq!(a["Type"], "AWS::ApiGatewayV2::Authorizer");
    assert_eq!(a["Properties"]["ApiId"], json!({"Ref": "HttpApi"}));
    assert_eq!(a["Properties"]["AuthorizerType"], "JWT");
    assert_eq!(
        a["Properties"]["IdentitySource"],
        json!(["$request.header.Authorization"])
    );
    assert_eq!(
        a["Properties"]["JwtConfiguration"],
        json!({
            "Audience": ["shopclientid"],
            "Issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
        })
    );

    let none = check_http(
        t,
        "public_pages",
        "public",
        "ANY /public/{proxy+}",
        "*/public/*",
    );
    assert_eq!(none["AuthorizationType"], "NONE");
    assert!(none.get("AuthorizerId").is_none());

    // One shared API with an auto-deployed default stage; cors = true.
    assert_eq!(of_type(t, "AWS::ApiGatewayV2::Api").len(), 1);
    let api = props(t, "HttpApi");
    assert_eq!(api["ProtocolType"], "HTTP");
    assert_eq!(api["Name"], "shop-dev");
    assert_eq!(api["CorsConfiguration"]["AllowOrigins"], json!(["*"]));
    assert_eq!(
        api["CorsConfiguration"]["AllowHeaders"],
        json!(["authorization", "content-type"])
    );
    let stage = props(t, "HttpApiStage");
    assert_eq!(stage["ApiId"], json!({"Ref": "HttpApi"}));
    assert_eq!(stage["StageName"], "$default");
    assert_eq!(stage["AutoDeploy"], true);

    // The examples: JWT (signup), NONE and AWS_IAM (webhooks).
    let s = check_http(
        signup(),
        "signup_http",
        "signup",
        "POST /signup",
        "POST/signup",
    );
    assert_eq!(s["AuthorizationType"], "JWT");
    assert_eq!(s["AuthorizerId"], json!({"Ref": "SignupHttpAuthorizer"}));
    let w1 = check_http(
        webhooks(),
        "incoming_hook",
        "receive",
        "POST /hooks/{provider}",
        "POST/hooks/*",
    );
    assert_eq!(w1["AuthorizationType"], "NONE");
    let w2 = check_http(
        webhooks(),
        "build_status",
        "build_status",
        "GET /builds/{id}",
        "GET/builds/*",
    );
    assert_eq!(w2["AuthorizationType"], "AWS_IAM");
}

#[test]
fn bucket_trigger_notification_filters_and_permission_order() {
    let t = shop();
    let b = res(t, "UploadsBucket");
    let configs = b["Properties"]["NotificationConfiguration"]["LambdaConfigurations"]
        .as_array()
        .expect("LambdaConfigurations");
    let rules = json!({"S3Key": {"Rules": [
        {"Name": "prefix", "Value": "uploads/"},
        {"Name": "suffix", "Value": ".jpg"}
    ]}});
    let f = json!({"Fn::Sub": function_arn("shop-dev-thumbnailer")});
    let mut events: Vec<&str> = configs
        .iter()
        .map(|c| c["Event"].as_str().unwrap())
        .collect();
    events.sort();
    assert_eq!(events, ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]);
    for c in configs {
        assert_eq!(c["Filter"], rules, "{c}");
        assert_eq!(c["Function"], f, "{c}");
    }
    // S3 checks the destination when the configuration is written: the permission comes first.
    assert_eq!(b["DependsOn"], json!(["NewImagePermission"]));
    let p = props(t, "NewImagePermission");
    assert_eq!(p["Principal"], "s3.amazonaws.com");
    assert_eq!(p["FunctionName"], json!({"Ref": "ThumbnailerFunction"}));
    assert_eq!(
        p["SourceArn"],
        json!({"Fn::Sub": bucket_arn("shop-dev-uploads")})
    );

    let m = res(media(), "UploadsBucket");
    assert_eq!(m["DependsOn"], json!(["NewUploadPermission"]));
    let mc = &m["Properties"]["NotificationConfiguration"]["LambdaConfigurations"];
    assert_eq!(
        mc,
        &json!([{
            "Event": "s3:ObjectCreated:*",
            "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "uploads/"}]}},
            "Function": {"Fn::Sub": function_arn("media-dev-thumbnail")}
        }])
    );
}

#[test]
fn topic_trigger_subscription_with_filter_policy() {
    let t = shop();
    let s = res(t, "OrderEventsSubscription");
    assert_eq!(s["Type"], "AWS::SNS::Subscription");
    let p = &s["Properties"];
    assert_eq!(p["TopicArn"], json!({"Ref": "EventsTopic"}));
    assert_eq!(p["Protocol"], "lambda");
    assert_eq!(
        p["Endpoint"],
        json!({"Fn::GetAtt": ["AuditorFunction", "Arn"]})
    );
    assert_eq!(p["FilterPolicy"], json!({"kind": ["order", "refund"]}));
    assert_eq!(p["FilterPolicyScope"], "MessageAttributes");
    let perm = props(t, "OrderEventsPermission");
    assert_eq!(perm["Principal"], "sns.amazonaws.com");
    assert_eq!(perm["FunctionName"], json!({"Ref": "AuditorFunction"}));
    assert_eq!(perm["SourceArn"], json!({"Ref": "EventsTopic"}));

    let m = props(media(), "NotifyTopicSubscription");
    assert_eq!(m["FilterPolicy"], json!({"kind": ["video"]}));
    assert_eq!(m["TopicArn"], json!({"Ref": "MediaReadyTopic"}));
}

#[test]
fn alarms_topics_email_and_lambda_subscriptions() {
    let t = shop();
    // worker_errors: two e-mail subscribers and a function trigger on one topic.
    let a = props(t, "WorkerErrorsAlarm");
    assert_eq!(
        a["AlarmActions"],
        json!([{"Ref": "WorkerErrorsAlarmTopic"}])
    );
    assert_eq!(a["Namespace"], "AWS/Lambda");
    assert_eq!(a["MetricName"], "Errors");
    assert_eq!(a["Statistic"], "Sum");
    assert_eq!(a["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
    assert_eq!(a["TreatMissingData"], "notBreaching");
    assert_eq!(
        a["Dimensions"],
        json!([{"Name": "FunctionName", "Value": "shop-dev-worker"}])
    );
    assert_eq!(res(t, "WorkerErrorsAlarmTopic")["Type"], "AWS::SNS::Topic");
    let mut emails = Vec::new();
    let mut lambdas = Vec::new();
    for (id, s) in of_type(t, "AWS::SNS::Subscription") {
        let p = &s["Properties"];
        if p["TopicArn"] != json!({"Ref": "WorkerErrorsAlarmTopic"}) {
            continue;
        }
        match p["Protocol"].as_str() {
            Some("email") => emails.push(p["Endpoint"].as_str().unwrap().to_string()),
            Some("lambda") => lambdas.push((id.clone(), p["Endpoint"].clone())),
            other => panic!("{id}: protocol {other:?}"),
        }
    }
    emails.sort();
    assert_eq!(emails, ["oncall@example.com", "ops@example.com"]);
    assert_eq!(
        lambdas,
        [(
            "PageOnErrorsSubscription".to_string(),
            json!({"Fn::GetAtt": ["PagerFunction", "Arn"]})
        )]
    );
    let perm = props(t, "PageOnErrorsPermission");
    assert_eq!(perm["Principal"], "sns.amazonaws.com");
    assert_eq!(perm["FunctionName"], json!({"Ref": "PagerFunction"}));
    assert_eq!(perm["SourceArn"], json!({"Ref": "WorkerErrorsAlarmTopic"}));

    // A queue alarm: Maximum of the queue's metric.
    let q = props(t, "DeadOrdersAlarm");
    assert_eq!(q["Namespace"], "AWS/SQS");
    assert_eq!(q["MetricName"], "ApproximateNumberOfMessagesVisible");
    assert_eq!(q["Statistic"], "Maximum");
    assert_eq!(
        q["Dimensions"],
        json!([{"Name": "QueueName", "Value": "shop-dev-orders_dlq"}])
    );
    // A database alarm with nobody to notify: no topic, no actions.
    let d = props(t, "OrderThrottlesAlarm");
    assert!(d.get("AlarmActions").is_none());
    assert!(resources(t).get("OrderThrottlesAlarmTopic").is_none());
    let metrics = d["Metrics"].as_array().unwrap();
    let names: Vec<&Value> = metrics
        .iter()
        .filter_map(|m| m.pointer("/MetricStat/Metric/MetricName"))
        .collect();
    assert_eq!(
        names,
        [&json!("ReadThrottleEvents"), &json!("WriteThrottleEvents")]
    );

    // signup: an alarm with an e-mail subscriber and a chat function.
    let s = signup();
    assert_eq!(
        props(s, "WelcomeBacklogAlarm")["AlarmActions"],
        json!([{"Ref": "WelcomeBacklogAlarmTopic"}])
    );
    assert_eq!(
        props(s, "WelcomeBacklogAlarmNotify1Subscription")["Protocol"],
        "email"
    );
    assert_eq!(
        props(s, "WelcomeBacklogChatSubscription")["Endpoint"],
        json!({"Fn::GetAtt": ["BacklogAlertFunction", "Arn"]})
    );
}

#[test]
fn async_invoke_config_retries_and_destinations() {
    let t = shop();
    let m = props(t, "MailerFunctionEventInvokeConfig");
    assert_eq!(m["FunctionName"], json!({"Ref": "MailerFunction"}));
    assert_eq!(m["MaximumRetryAttempts"], 0);
    assert_eq!(
        m["DestinationConfig"],
        json!({"OnFailure": {"Destination": {"Fn::Sub": queue_arn("shop-dev-mail_failures")}}})
    );
    let w = props(t, "WorkerFunctionEventInvokeConfig");
    assert_eq!(w["MaximumRetryAttempts"], 2);
    assert_eq!(
        w["DestinationConfig"],
        json!({"OnFailure": {"Destination": {"Fn::Sub": topic_arn("shop-dev-events")}}})
    );
    // Default retries and no destination: nothing to configure.
    assert!(resources(t).get("ApiFunctionEventInvokeConfig").is_none());
}

#[test]
fn retained_tables_and_buckets() {
    let cases: [(&Value, &str, &str); 8] = [
        (shop(), "UsersTable", "Retain"),
        (shop(), "OrdersTable", "Retain"),
        (shop(), "SessionsTable", "Delete"), // retain = false
        (shop(), "UploadsBucket", "Retain"),
        (shop(), "ScratchFilesBucket", "Delete"), // retain = false
        (signup(), "UsersTable", "Retain"),
        (signup(), "ReportsBucket", "Retain"),
        (webhooks(), "ArtifactsBucket", "Retain"),
    ];
    for (t, id, policy) in cases {
        let r = res(t, id);
        assert_eq!(r["DeletionPolicy"], policy, "{id}");
        assert_eq!(r["UpdateReplacePolicy"], policy, "{id}");
    }
    assert_eq!(res(media(), "UploadsBucket")["DeletionPolicy"], "Retain");
    assert_eq!(res(webhooks(), "BuildsTable")["DeletionPolicy"], "Retain");
}

#[test]
fn tables_keys_indexes_billing_ttl() {
    let t = shop();
    let o = props(t, "OrdersTable");
    assert_eq!(o["TableName"], "shop-dev-orders");
    assert_eq!(o["BillingMode"], "PROVISIONED");
    assert_eq!(
        o["ProvisionedThroughput"],
        json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 2})
    );
    assert_eq!(
        o["KeySchema"],
        json!([{"AttributeName": "order_id", "KeyType": "HASH"}, {"AttributeName": "created_at", "KeyType": "RANGE"}])
    );
    let mut attrs: Vec<(String, String)> = o["AttributeDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap().into(),
                a["AttributeType"].as_str().unwrap().into(),
            )
        })
        .collect();
    attrs.sort();
    assert_eq!(
        attrs,
        [
            ("created_at".to_string(), "N".to_string()),
            ("customer_id".to_string(), "S".to_string()),
            ("order_id".to_string(), "S".to_string())
        ]
    );
    let gsi = &o["GlobalSecondaryIndexes"][0];
    assert_eq!(gsi["IndexName"], "by_customer");
    assert_eq!(gsi["Projection"], json!({"ProjectionType": "ALL"}));
    assert_eq!(
        gsi["ProvisionedThroughput"],
        json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 2})
    );
    assert_eq!(
        o["TimeToLiveSpecification"],
        json!({"AttributeName": "expires_at", "Enabled": true})
    );
    assert_eq!(
        o["PointInTimeRecoverySpecification"],
        json!({"PointInTimeRecoveryEnabled": true})
    );

    let u = props(t, "UsersTable");
    assert_eq!(u["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(u["GlobalSecondaryIndexes"][0]["IndexName"], "by_email");
    assert_eq!(
        u["GlobalSecondaryIndexes"][0]["Projection"],
        json!({"ProjectionType": "KEYS_ONLY"})
    );
    assert!(u["GlobalSecondaryIndexes"][0]
        .get("ProvisionedThroughput")
        .is_none());
    assert!(
        u.get("StreamSpecification").is_none(),
        "nothing reads the users stream"
    );

    let s = props(t, "SessionsTable");
    assert_eq!(
        s["PointInTimeRecoverySpecification"],
        json!({"PointInTimeRecoveryEnabled": false})
    );
}

#[test]
fn names_fifo_buckets_recursion_functions() {
    let t = shop();
    let iq = props(t, "InvoicesQueue");
    assert_eq!(iq["QueueName"], "shop-dev-invoices.fifo");
    assert_eq!(iq["FifoQueue"], true);
    assert_eq!(
        props(t, "InvoicesDlqQueue")["QueueName"],
        "shop-dev-invoices_dlq.fifo"
    );
    assert_eq!(
        iq["RedrivePolicy"]["deadLetterTargetArn"],
        json!({"Fn::GetAtt": ["InvoicesDlqQueue", "Arn"]})
    );
    let at = props(t, "AuditTopic");
    assert_eq!(at["TopicName"], "shop-dev-audit.fifo");
    assert_eq!(at["FifoTopic"], true);
    assert!(props(t, "OrdersQueue").get("FifoQueue").is_none());
    assert_eq!(
        props(media(), "TranscodeQueue")["QueueName"],
        "media-dev-transcode.fifo"
    );
    assert_eq!(
        props(media(), "TranscodeQueue")["VisibilityTimeout"],
        5400,
        "6 x 900 s"
    );

    // Bucket names: lower case, `_` → `-`, the account id appended.
    assert_eq!(
        props(t, "ScratchFilesBucket")["BucketName"],
        json!({"Fn::Sub": "shop-dev-scratch-files-${AWS::AccountId}"})
    );
    assert_eq!(
        props(t, "UploadsBucket")["VersioningConfiguration"],
        json!({"Status": "Enabled"})
    );

    // RecursiveLoop: Terminate unless recursion = "allow".
    for (id, f) in of_type(t, "AWS::Lambda::Function") {
        let want = if id == "AuditorFunction" {
            "Allow"
        } else {
            "Terminate"
        };
        assert_eq!(f["Properties"]["RecursiveLoop"], want, "{id}");
    }

    // Function properties from the model.
    let w = props(t, "WorkerFunction");
    assert_eq!(w["FunctionName"], "shop-dev-worker");
    assert_eq!(w["Timeout"], 60);
    assert_eq!(w["MemorySize"], 256);
    assert_eq!(w["ReservedConcurrentExecutions"], 5);
    assert_eq!(
        w["VpcConfig"],
        json!({
            "SecurityGroupIds": ["sg-0123456789abcdef0"],
            "SubnetIds": ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]
        })
    );
    let api = props(t, "ApiFunction");
    assert_eq!(api["TracingConfig"], json!({"Mode": "Active"}));
    assert!(w.get("TracingConfig").is_none());
    // secret() / ssm(): the name, never a value; two functions naming each other use Sub ARNs.
    let env = &api["Environment"]["Variables"];
    assert_eq!(env["API_KEY"], "shop/api-key");
    assert_eq!(env["DB_URL"], "/shop/db-url");
    assert_eq!(
        env["WORKER_ARN"],
        json!({"Fn::Sub": function_arn("shop-dev-worker")})
    );
    assert_eq!(
        w["Environment"]["Variables"]["API_ARN"],
        json!({"Fn::Sub": function_arn("shop-dev-api")})
    );
    let th = props(t, "ThumbnailerFunction");
    assert_eq!(th["Runtime"], "python3.13");
    assert_eq!(th["MemorySize"], 1024);
}

#[test]
fn deploy_time_urls_join_without_an_empty_path_segment() {
    // `output "webhook_url" { value = "${http.url}/hooks" }` (examples/webhooks) must give
    // `https://API.execute-api.REGION.SUFFIX/hooks`: a `//hooks` path is another route for API
    // Gateway. Every https URL built with Fn::Sub (outputs, environment values) is checked.
    fn urls(v: &Value, at: String, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(text)) = o.get("Fn::Sub") {
                    if text.starts_with("https://") {
                        out.push((at.clone(), text.clone()));
                    }
                }
                for (k, x) in o {
                    urls(x, format!("{at}/{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    urls(x, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut bad = Vec::new();
    for (name, t) in [
        ("media", media()),
        ("signup", signup()),
        ("webhooks", webhooks()),
        ("shop", shop()),
    ] {
        let mut found = Vec::new();
        urls(t, String::new(), &mut found);
        for (at, url) in found {
            if url["https://".len()..].contains("//") {
                bad.push(format!("{name}{at}: {url}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "URLs with an empty path segment:\n{}",
        bad.join("\n")
    );
    assert_eq!(
        webhooks()["Outputs"]["WebhookUrl"]["Value"],
        json!({"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/hooks"})
    );
}

#[test]
fn no_dependency_cycles_in_any_template() {
    for (name, t) in [
        ("media", media()),
        ("signup", signup()),
        ("webhooks", webhooks()),
        ("shop", shop()),
    ] {
        let p = dependency_problems(t);
        assert!(p.is_empty(), "{name}: {p:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Determinism.
// ---------------------------------------------------------------------------------------------

fn assert_same(what: &str, a: &Built, b: &Built) {
    common::build::assert_same(what, "template.json", a, b)
}

#[test]
fn two_builds_give_identical_bytes() {
    for (name, dir) in projects() {
        check_two_builds(&name, &dir, CF);
    }
}

#[test]
fn a_copy_in_another_folder_gives_identical_bytes() {
    for (name, dir) in projects() {
        check_copy_elsewhere(&name, &dir, CF);
    }
}

#[test]
fn touching_files_changes_nothing() {
    for (name, dir) in projects() {
        check_touching(&name, &dir, CF, |f| {
            f.extension().is_some_and(|x| x != "sls" && x != "md")
                && !f.file_name().unwrap().to_string_lossy().starts_with('.')
        });
    }
}

#[test]
fn the_working_directory_does_not_matter() {
    for (name, dir) in projects() {
        let tmp = Temp::new("cwd");
        let elsewhere = tmp.path().join("cwd");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let abs = dir.to_str().unwrap().to_string();
        let rel_from_root = dir
            .strip_prefix(common::root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let parent = dir.parent().unwrap();
        let base = dir.file_name().unwrap().to_str().unwrap().to_string();
        let runs: Vec<(String, PathBuf, String)> = vec![
            (
                "repository root, relative path".into(),
                common::root().to_path_buf(),
                rel_from_root,
            ),
            ("the project itself, `.`".into(), dir.clone(), ".".into()),
            (
                "the parent, `./NAME/`".into(),
                parent.to_path_buf(),
                format!("./{base}/"),
            ),
            (
                "an unrelated directory, absolute path".into(),
                elsewhere.clone(),
                abs.clone(),
            ),
            (
                "the filesystem root, absolute path".into(),
                PathBuf::from("/"),
                abs,
            ),
        ];
        check_same_from_every_cwd(&name, CF, runs, &tmp);
    }
}

#[test]
fn the_default_output_directory_holds_the_same_bytes_and_is_not_packaged() {
    for (name, dir) in projects() {
        let reference = build(&dir);
        let tmp = Temp::new("default-out");
        let copy = tmp.path().join("project");
        copy_tree(&dir, &copy);
        for round in 1..=2 {
            // The second round finds the first round's output inside the project.
            let o = run_build(".", None, &copy);
            assert!(o.status.success(), "{name}: {}", text(&o));
            let built = read_out(&copy.join(".slsc/cloudformation"));
            assert_same(
                &format!("{name}: default --out, round {round}"),
                &reference,
                &built,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Refusal: errors stop the build before anything is written.
// ---------------------------------------------------------------------------------------------

/// Builds a fixture (on a copy, twice: with `--out` and with the default output directory) and
/// expects exit 1, the diagnostic printed, and no output written.
fn assert_refused(fixture: &str, code: &str) {
    let tmp = Temp::new("refuse");
    let copy = tmp.path().join(fixture);
    copy_tree(
        &common::root().join("tests/fixtures/build").join(fixture),
        &copy,
    );
    let out = tmp.path().join("out");
    for explicit in [true, false] {
        let o = run_build(
            copy.to_str().unwrap(),
            explicit.then_some(out.as_path()),
            tmp.path(),
        );
        let all = text(&o);
        assert_eq!(o.status.code(), Some(1), "{fixture}: {all}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(code),
            "{fixture}: the diagnostic {code} is not printed: {all}"
        );
        assert!(
            stderr.contains("main.sls"),
            "{fixture}: the diagnostic names no file: {all}"
        );
        assert!(stderr.contains("error"), "{fixture}: {all}");
        assert!(!stderr.contains("wrote "), "{fixture}: {all}");
        assert!(!out.exists(), "{fixture}: {} was created", out.display());
        assert!(
            !copy.join(".slsc").exists(),
            "{fixture}: the default output directory was created"
        );
    }
}

#[test]
fn build_refuses_a_compile_error() {
    assert_refused("compile_error", "unresolved-reference");
}

#[test]
fn build_refuses_a_deny_rule_finding() {
    assert_refused("deny_rule", "plaintext-secret");
}

#[test]
fn build_refuses_a_warning_raised_to_deny() {
    assert_refused("lint_deny", "missing-concurrency");
}

#[test]
fn check_and_build_refuse_a_finding_on_the_emitted_output() {
    // template-limits is computed on the template itself: a role whose inline policy is over
    // IAM's 10 KB. Generated, not checked in: 40 tables written by one function.
    let tmp = Temp::new("limits");
    let dir = tmp.path().join("big");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/index.mjs"),
        "export const handler = async () => {};\n",
    )
    .unwrap();
    let mut sls = String::from("app \"big\" {\n  region = \"eu-west-1\"\n}\n");
    let tables: Vec<String> = (0..40).map(|i| format!("table_number_{i:02}")).collect();
    for t in &tables {
        sls.push_str(&format!(
            "\ndatabase \"{t}\" {{\n  partition_key = {{ name = \"id\", type = \"string\" }}\n}}\n"
        ));
    }
    sls.push_str(&format!(
        "\nfunction \"loader\" {{\n  handler     = \"index.handler\"\n  source      = \"src\"\n  concurrency = 1\n  writes      = [{}]\n}}\n",
        tables.iter().map(|t| format!("database.{t}")).collect::<Vec<_>>().join(", ")
    ));
    std::fs::write(dir.join("main.sls"), sls).unwrap();
    // `check` measures the template `build` would emit, so it reports the finding too: a CI
    // gate on `check` catches it.
    let c = common::slsc(
        &["check", dir.to_str().unwrap(), "--format", "json"],
        tmp.path(),
    );
    assert_eq!(c.status.code(), Some(1), "{}", text(&c));
    let json: serde_json::Value = serde_json::from_slice(&c.stdout).unwrap();
    assert_eq!(common::codes(&json), ["template-limits"], "{json:#}");
    let out = tmp.path().join("out");
    let o = run_build(dir.to_str().unwrap(), Some(&out), tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("template-limits"),
        "{}",
        text(&o)
    );
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn warnings_do_not_stop_the_build_and_are_printed() {
    let tmp = Temp::new("warn");
    let out = tmp.path().join("out");
    let dir = common::root().join("tests/fixtures/build/warnings_only");
    let o = run_build(dir.to_str().unwrap(), Some(&out), tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("missing-concurrency"), "{}", text(&o));
    assert!(stderr.contains("unauthenticated-route"), "{}", text(&o));
    let built = read_out(&out);
    let t: Value = serde_json::from_slice(&built.main).unwrap();
    assert_eq!(props(&t, "HomeRoute")["AuthorizationType"], "NONE");
    assert_eq!(built.artifacts.len(), 1);
}
