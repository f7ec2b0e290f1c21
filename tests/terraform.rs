//! `slsc build --target terraform` end to end (SPEC §7, §8), through the binary:
//!
//! - golden files: the `main.tf.json` of every example is checked in under
//!   `tests/golden/<example>/` next to its CloudFormation template, so every output change shows
//!   in review. Regenerate them with `SLSC_UPDATE_GOLDEN=1 cargo test --test terraform`. The
//!   artifacts are the CloudFormation build's (`artifacts.txt`, written by `tests/build.rs`),
//!   byte for byte, and `filename` / `source_code_hash` name them;
//! - determinism: rebuilds, copies in other folders, touched mtimes and other working
//!   directories give identical bytes, on the examples, `tests/fixtures/build/shop`, the
//!   generated every-feature projects (`tests/every_feature.rs`) and a project with literal
//!   `${` / `%{` in every kind of text (`ESCAPES_SLS`);
//! - equivalence: every project is built for both targets, each output is read back into the
//!   same target-independent description (functions by physical name, their roles' grants as
//!   (action, resource) pairs, log groups, event source mappings, Lambda permissions,
//!   subscriptions, queues, tables, buckets, topics, alarms, schedules, the HTTP API and its
//!   routes, outputs, tags), and the two descriptions must be equal. References are resolved on
//!   both sides to the same text: `${AWS::Partition}` and `${data.aws_partition.current.partition}`
//!   become `{partition}`, the account id `{account}`, the URL suffix `{url_suffix}`, the API id
//!   `{http_api}`, `${AWS::Region}` the app's region (which Terraform writes literally), and a
//!   `Ref`/`Fn::GetAtt`/`${aws_x.y.attr}` the name or ARN of the resource it names. Every
//!   resource of both outputs must be part of the description, so nothing escapes the
//!   comparison. Terraform strings are read as templates (`$${` is a literal `${`) except where
//!   Terraform reads them literally (an output's `description`), so an escape missing or added
//!   shows as a difference.
//!
//! `.ci/run` also scans every `main.tf.json` with checkov (docs/checkov.md).

// `tests/every_feature.rs` declares `mod common;` too.
#![allow(clippy::duplicate_mod)]

mod common;

// The every-feature generator. Including the file brings its own tests along (they then run in
// this crate too, in a fraction of a second).
#[allow(dead_code)]
#[path = "every_feature.rs"]
mod every_feature;

use common::build::{
    build, build_in, check_copy_elsewhere, check_same_from_every_cwd, check_touching,
    check_two_builds, copy_tree, examples, first_difference, golden_dir, read_out, run_build, text,
    Built, CF, TF,
};
use common::temp::Temp;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Helpers: running builds, reading the output.
// ---------------------------------------------------------------------------------------------

/// Every project the determinism and equivalence tests run on: the examples, the build
/// fixture `shop`, and the generated every-feature projects (written under the returned
/// temporary directory, which must outlive their use).
fn projects() -> (Vec<(String, PathBuf)>, Temp) {
    let mut v: Vec<(String, PathBuf)> = examples()
        .into_iter()
        .map(|e| (e.clone(), common::root().join("examples").join(e)))
        .collect();
    v.push((
        "fixture shop".into(),
        common::root().join("tests/fixtures/build/shop"),
    ));
    let tmp = Temp::new("generated");
    for p in [
        every_feature::every_feature_project(common::TODAY),
        every_feature::cors_true_project(),
    ] {
        let dir = tmp.path().join(p.name);
        p.write(&dir);
        v.push((format!("generated {}", p.name), dir));
    }
    let dir = tmp.path().join("escapes");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("main.sls"), ESCAPES_SLS).unwrap();
    std::fs::write(
        dir.join("src/index.mjs"),
        "export const handler = async () => ({});\n",
    )
    .unwrap();
    v.push(("generated escapes".into(), dir));
    (v, tmp)
}

/// A project with literal `${` and `%{` (written `$${` and `%%{` in `.sls`) in every kind of text
/// slsc writes: Terraform must escape them where it reads a template, and only there. (Not in
/// tags: AWS allows no `$`, `%`, `{` or `}` in them, and `check` says so.)
const ESCAPES_SLS: &str = r#"app "esc" {
  region = "eu-west-1"
  tags   = { note = "cost center: x/y" }
  cors   = { origins = ["https://$${o}.example.com"], headers = ["x-$${h}"] }
}

bucket "files" {}

topic "events" {}

function "f" {
  description = "renders $${name} and %%{if} literally"
  handler     = "index.handler"
  source      = "src"
  concurrency = 1
  environment = { TEMPLATE = "Hello $${user}, 100%%{done}", URL = "${http.url}/a$${b}" }
  tags        = { owner = "team@example.com" }
  permissions = [{
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::esc-bucket/$${aws:username}/*"]
  }]
  # Found by fuzzing (build_targets): VPC ids were written to Terraform unescaped.
  vpc = { subnet_ids = ["subnet-$${x}"], security_group_ids = ["sg-\u0024{y}"] }
}

trigger "get" {
  function = function.f
  http     = "GET /x"
  auth     = "iam"
}

trigger "upload" {
  function = function.f
  source   = bucket.files
  events   = ["created"]
  prefix   = "in/$${date}/"
}

trigger "tick" {
  function = function.f
  schedule = "rate(1 hour)"
  input    = { greeting = "$${name}" }
}

trigger "evt" {
  function = function.f
  source   = topic.events
  filter   = { kind = ["$${k}"] }
}

output "o" {
  value       = "x$${y}"
  description = "desc $${z} %%{w}"
}
"#;

/// Standard base64 (with padding), for `source_code_hash`.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn sha256_base64(bytes: &[u8]) -> String {
    use sha2::Digest;
    base64(&sha2::Sha256::digest(bytes))
}

/// The problems of a `main.tf.json` with the artifacts written next to it: each function's
/// `filename` is `${path.module}/artifacts/…` of a written zip, its `source_code_hash` is the
/// zip's base64 SHA-256, and no zip is unused.
fn artifact_problems(doc: &Value, built: &Built) -> Vec<String> {
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for ty in ["aws_lambda_function", "aws_lambda_layer_version"] {
        for (n, f) in doc["resource"][ty].as_object().into_iter().flatten() {
            let file = f["filename"].as_str().unwrap_or_default();
            let Some(rel) = file.strip_prefix("${path.module}/") else {
                problems.push(format!(
                    "{ty}.{n}.filename is {file:?}, not under ${{path.module}}/"
                ));
                continue;
            };
            used.insert(rel.to_string());
            match built.artifacts.get(rel) {
                None => problems.push(format!(
                    "{ty}.{n}.filename names {rel}, which the build did not write"
                )),
                Some(zip) => {
                    let want = sha256_base64(zip);
                    if f["source_code_hash"] != json!(want) {
                        problems.push(format!(
                            "{ty}.{n}.source_code_hash is {}, the zip's base64 SHA-256 is {want:?}",
                            f["source_code_hash"]
                        ));
                    }
                }
            }
        }
    }
    let written: BTreeSet<String> = built.artifacts.keys().cloned().collect();
    for extra in written.difference(&used) {
        problems.push(format!("{extra} is written but no function uses it"));
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// 1. Golden files.
// ---------------------------------------------------------------------------------------------

#[test]
fn golden_main_tf_json_of_the_examples() {
    let update = std::env::var("SLSC_UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for ex in examples() {
        let tmp = Temp::new("golden");
        let out = tmp.path().join("out");
        // From the repository root with a relative path, as a developer would run it.
        let built = build_in(&format!("examples/{ex}"), TF, &out, common::root());
        let main = String::from_utf8(built.main.clone()).expect("UTF-8 main.tf.json");
        let doc: Value = match serde_json::from_str(&main) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{ex}: main.tf.json is not JSON: {e}"));
                continue;
            }
        };
        for p in artifact_problems(&doc, &built) {
            failures.push(format!("{ex}: {p}"));
        }
        // The artifacts are the CloudFormation build's: the same list as its golden file.
        let list: String = built.artifacts.keys().map(|k| format!("{k}\n")).collect();
        let dir = golden_dir().join(&ex);
        let ga = dir.join("artifacts.txt");
        match std::fs::read_to_string(&ga) {
            Ok(expected) if expected != list => failures.push(format!(
                "{ex}: the Terraform build's artifacts differ from {} (the CloudFormation build's)\n--- expected\n{expected}--- actual\n{list}",
                ga.display()
            )),
            Ok(_) => {}
            Err(e) => failures.push(format!(
                "{ex}: cannot read {} (written by `SLSC_UPDATE_GOLDEN=1 cargo test --test build`): {e}",
                ga.display()
            )),
        }
        let gt = dir.join("main.tf.json");
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&gt, &main).unwrap();
            eprintln!("updated {}", gt.display());
            continue;
        }
        match std::fs::read_to_string(&gt) {
            Err(e) => failures.push(format!("{ex}: cannot read {}: {e}", gt.display())),
            Ok(expected) if expected != main => failures.push(format!(
                "{ex}: main.tf.json differs from {}\n{}",
                gt.display(),
                first_difference(&expected, &main)
            )),
            Ok(_) => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the change is intended, regenerate with `SLSC_UPDATE_GOLDEN=1 cargo test --test terraform` and review the diff.",
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Determinism.
// ---------------------------------------------------------------------------------------------

fn assert_same(what: &str, a: &Built, b: &Built) {
    common::build::assert_same(what, "main.tf.json", a, b)
}

#[test]
fn two_builds_give_identical_bytes() {
    let (projects, _tmp) = projects();
    for (name, dir) in projects {
        check_two_builds(&name, &dir, TF);
    }
}

#[test]
fn a_copy_in_another_folder_gives_identical_bytes() {
    let (projects, _tmp) = projects();
    for (name, dir) in projects {
        check_copy_elsewhere(&name, &dir, TF);
    }
}

#[test]
fn touching_files_changes_nothing() {
    let (projects, _tmp) = projects();
    for (name, dir) in projects {
        check_touching(&name, &dir, TF, |f| {
            f.extension().is_none_or(|x| x != "sls" && x != "md")
                && !f.file_name().unwrap().to_string_lossy().starts_with('.')
        });
    }
}

#[test]
fn the_working_directory_does_not_matter() {
    let (projects, _tmp) = projects();
    for (name, dir) in projects {
        let tmp = Temp::new("cwd");
        let elsewhere = tmp.path().join("cwd");
        std::fs::create_dir_all(&elsewhere).unwrap();
        let abs = dir.to_str().unwrap().to_string();
        let parent = dir.parent().unwrap();
        let base = dir.file_name().unwrap().to_str().unwrap().to_string();
        let mut runs: Vec<(String, PathBuf, String)> = vec![
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
        if let Ok(rel) = dir.strip_prefix(common::root()) {
            runs.push((
                "repository root, relative path".into(),
                common::root().to_path_buf(),
                rel.to_str().unwrap().to_string(),
            ));
        }
        check_same_from_every_cwd(&name, TF, runs, &tmp);
    }
}

#[test]
fn the_default_output_directory_holds_the_same_bytes_and_is_not_packaged() {
    let (projects, _tmp) = projects();
    for (name, dir) in projects {
        let reference = build(&dir, TF);
        let tmp = Temp::new("default-out");
        let copy = tmp.path().join("project");
        copy_tree(&dir, &copy);
        for round in 1..=2 {
            // The second round finds the first round's output inside the project.
            let o = run_build(".", TF, None, &copy);
            assert!(o.status.success(), "{name}: {}", text(&o));
            let built = read_out(&copy.join(".slsc/terraform"), TF);
            assert_same(
                &format!("{name}: default --out, round {round}"),
                &reference,
                &built,
            );
        }
        // A CloudFormation build next to it changes nothing either.
        let o = run_build(".", CF, None, &copy);
        assert!(o.status.success(), "{name}: {}", text(&o));
        let o = run_build(".", TF, None, &copy);
        assert!(o.status.success(), "{name}: {}", text(&o));
        assert_same(
            &format!("{name}: default --out after a CloudFormation build"),
            &reference,
            &read_out(&copy.join(".slsc/terraform"), TF),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Equivalence: both outputs read back into one target-independent description.
// ---------------------------------------------------------------------------------------------

const PARTITION: &str = "{partition}";
const ACCOUNT: &str = "{account}";
const URL_SUFFIX: &str = "{url_suffix}";
const HTTP_API: &str = "{http_api}";
const WEBSOCKET_API: &str = "{websocket_api}";

/// The id of the shared API a resource (CloudFormation logical ID or Terraform name) is.
fn api_id(name: &str) -> &'static str {
    if name.eq_ignore_ascii_case("websocket") || name == "WebsocketApi" {
        WEBSOCKET_API
    } else {
        HTTP_API
    }
}

fn function_arn(region: &str, name: &str) -> String {
    format!("arn:{PARTITION}:lambda:{region}:{ACCOUNT}:function:{name}")
}
fn stream_arn(region: &str, name: &str) -> String {
    format!("arn:{PARTITION}:kinesis:{region}:{ACCOUNT}:stream/{name}")
}
fn queue_arn(region: &str, name: &str) -> String {
    format!("arn:{PARTITION}:sqs:{region}:{ACCOUNT}:{name}")
}
fn queue_url(region: &str, name: &str) -> String {
    format!("https://sqs.{region}.{URL_SUFFIX}/{ACCOUNT}/{name}")
}
fn topic_arn(region: &str, name: &str) -> String {
    format!("arn:{PARTITION}:sns:{region}:{ACCOUNT}:{name}")
}
fn table_arn(region: &str, name: &str) -> String {
    format!("arn:{PARTITION}:dynamodb:{region}:{ACCOUNT}:table/{name}")
}
fn stream_of(table: &str) -> String {
    format!("{{stream of table {table}}}")
}
fn bucket_arn(name: &str) -> String {
    format!("arn:{PARTITION}:s3:::{name}")
}
fn rule_arn(region: &str, name: &str) -> String {
    format!("arn:{PARTITION}:events:{region}:{ACCOUNT}:rule/{name}")
}
fn log_group_arn(region: &str, name: &str) -> String {
    format!("arn:{PARTITION}:logs:{region}:{ACCOUNT}:log-group:{name}")
}
fn execution_arn(region: &str, api: &str) -> String {
    format!("arn:{PARTITION}:execute-api:{region}:{ACCOUNT}:{api}")
}
/// A function's invocation URI, as API Gateway integrations name it.
fn invoke_arn(region: &str, function: &str) -> String {
    format!(
        "arn:{PARTITION}:apigateway:{region}:lambda:path/2015-03-31/functions/{}/invocations",
        function_arn(region, function)
    )
}
fn role_of(function: &str) -> String {
    format!("{{role of {function}}}")
}
fn role_arn_of(function: &str) -> String {
    format!("{{role arn of {function}}}")
}
/// An SNS topic without a name of its own (an alarm's): named after the alarm.
fn alarm_topic(alarm: &str) -> String {
    format!("{{topic of alarm {alarm}}}")
}

/// A function's name from its name or ARN (event source mappings take either).
fn function_name_of(region: &str, s: &str) -> String {
    s.strip_prefix(&function_arn(region, ""))
        .unwrap_or(s)
        .to_string()
}

/// Numbers as f64, so `5` and `5.0` compare equal (strings stay strings).
fn canon(v: Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::Number(n)),
        Value::Array(a) => Value::Array(a.into_iter().map(canon).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, canon(v))).collect()),
        other => other,
    }
}

fn or(v: &Value, default: Value) -> Value {
    if v.is_null() {
        default
    } else {
        v.clone()
    }
}

/// The first element of a nested block (`[{…}]`), or the object itself.
fn block(v: &Value) -> &Value {
    match v {
        Value::Array(a) => a.first().unwrap_or(&Value::Null),
        other => other,
    }
}

/// A string value as text (other JSON values as their JSON text).
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A JSON document written as a string (policies, redrive policies, filter policies, event
/// inputs), parsed; an object stays as it is.
fn json_doc(v: Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(&s)
            .map(canon)
            .unwrap_or_else(|e| json!(format!("{{not JSON ({e}): {s}}}"))),
        other => canon(other),
    }
}

/// A policy document as its grants: one `Effect action on resource [if condition]` line per
/// (action, resource) pair, sorted.
fn grants(doc: &Value) -> Value {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::Array(a) => a.iter().map(as_text).collect(),
            Value::Null => vec![],
            other => vec![as_text(other)],
        }
    };
    let mut out = BTreeSet::new();
    for st in doc["Statement"].as_array().into_iter().flatten() {
        let effect = as_text(&st["Effect"]);
        let cond = if st["Condition"].is_null() {
            String::new()
        } else {
            format!(" if {}", st["Condition"])
        };
        let principal = if st["Principal"].is_null() {
            String::new()
        } else {
            format!(" by {}", st["Principal"])
        };
        let mut actions = list(&st["Action"]);
        if actions.is_empty() {
            actions = list(&st["NotAction"])
                .into_iter()
                .map(|a| format!("NOT {a}"))
                .collect();
        }
        let mut resources = list(&st["Resource"]);
        if resources.is_empty() {
            resources.push("(no resource)".into());
        }
        for a in &actions {
            for r in &resources {
                out.insert(format!("{effect} {a} on {r}{principal}{cond}"));
            }
        }
    }
    json!({"version": doc["Version"], "grants": out.into_iter().collect::<Vec<_>>()})
}

/// One target's output as a description: kind → identity → fields.
#[derive(Default)]
struct Facts {
    kinds: BTreeMap<&'static str, BTreeMap<String, Value>>,
    /// Problems found while reading: unresolved references, resources nothing describes,
    /// duplicates.
    problems: Vec<String>,
}

impl Facts {
    fn add(&mut self, kind: &'static str, id: String, v: Value) {
        let m = self.kinds.entry(kind).or_default();
        if m.contains_key(&id) {
            self.problems.push(format!("two {kind}s {id}"));
        }
        m.insert(id, canon(v));
    }
}

/// Effective tags: a CloudFormation `Tags` list or map.
fn cfn_tags(v: &Value, cfn: &Cfn) -> Value {
    let mut out = Map::new();
    match v {
        Value::Array(a) => {
            for t in a {
                out.insert(
                    as_text(&cfn.v(&t["Key"])),
                    json!(as_text(&cfn.v(&t["Value"]))),
                );
            }
        }
        Value::Object(o) => {
            for (k, t) in o {
                out.insert(k.clone(), json!(as_text(&cfn.v(t))));
            }
        }
        _ => {}
    }
    sorted(Value::Object(out))
}

fn sorted(v: Value) -> Value {
    match v {
        Value::Object(o) => {
            let b: BTreeMap<String, Value> = o.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(b.into_iter().collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn sorted_list(mut v: Vec<Value>) -> Value {
    v.sort_by_key(|x| sorted(x.clone()).to_string());
    Value::Array(v)
}

// --- CloudFormation --------------------------------------------------------------------------

struct Cfn<'a> {
    res: &'a Map<String, Value>,
    region: String,
    /// Role logical ID → the function (physical name) that uses it.
    role_fn: BTreeMap<String, String>,
    /// Unnamed topic logical ID → the alarm (physical name) that notifies it.
    topic_alarm: BTreeMap<String, String>,
    problems: RefCell<Vec<String>>,
}

impl<'a> Cfn<'a> {
    fn new(t: &'a Value, region: &str) -> Cfn<'a> {
        let res = t["Resources"].as_object().expect("Resources");
        let mut c = Cfn {
            res,
            region: region.to_string(),
            role_fn: BTreeMap::new(),
            topic_alarm: BTreeMap::new(),
            problems: RefCell::new(Vec::new()),
        };
        let mut role_fn = BTreeMap::new();
        let mut topic_alarm = BTreeMap::new();
        for r in res.values() {
            let p = &r["Properties"];
            match r["Type"].as_str() {
                Some("AWS::Lambda::Function") => {
                    if let Some(role) = p["Role"]["Fn::GetAtt"][0].as_str() {
                        role_fn.insert(role.to_string(), as_text(&c.v(&p["FunctionName"])));
                    }
                }
                Some("AWS::CloudWatch::Alarm") => {
                    for a in p["AlarmActions"].as_array().into_iter().flatten() {
                        if let Some(t) = a["Ref"].as_str() {
                            topic_alarm.insert(t.to_string(), as_text(&c.v(&p["AlarmName"])));
                        }
                    }
                }
                _ => {}
            }
        }
        c.role_fn = role_fn;
        c.topic_alarm = topic_alarm;
        c
    }

    fn problem(&self, p: String) -> String {
        self.problems.borrow_mut().push(p.clone());
        format!("{{{p}}}")
    }

    fn ty(&self, id: &str) -> &str {
        self.res
            .get(id)
            .and_then(|r| r["Type"].as_str())
            .unwrap_or("")
    }

    fn prop(&self, id: &str, key: &str) -> String {
        as_text(&self.v(&self.res[id]["Properties"][key]))
    }

    fn topic_name(&self, id: &str) -> String {
        let p = &self.res[id]["Properties"];
        if !p["TopicName"].is_null() {
            return as_text(&self.v(&p["TopicName"]));
        }
        match self.topic_alarm.get(id) {
            Some(a) => alarm_topic(a),
            None => self.problem(format!("topic {id} has neither a name nor an alarm")),
        }
    }

    fn reference(&self, id: &str) -> String {
        if let Some(n) = id.strip_suffix("Resource") {
            return format!("{{raw {} id}}", raw_key(n));
        }
        match id {
            "AWS::AccountId" => return ACCOUNT.into(),
            "AWS::Partition" => return PARTITION.into(),
            "AWS::Region" => return self.region.clone(),
            "AWS::URLSuffix" => return URL_SUFFIX.into(),
            "ArtifactBucket" => return "{artifact bucket}".into(),
            _ => {}
        }
        let r = &self.region;
        match self.ty(id) {
            "AWS::Lambda::Function" => self.prop(id, "FunctionName"),
            "AWS::Lambda::LayerVersion" => format!("{{layer {}}}", self.prop(id, "LayerName")),
            "AWS::SQS::Queue" => queue_url(r, &self.prop(id, "QueueName")),
            "AWS::SNS::Topic" => topic_arn(r, &self.topic_name(id)),
            "AWS::S3::Bucket" => self.prop(id, "BucketName"),
            "AWS::DynamoDB::Table" => self.prop(id, "TableName"),
            "AWS::Logs::LogGroup" => self.prop(id, "LogGroupName"),
            "AWS::Events::Rule" => self.prop(id, "Name"),
            "AWS::ApiGatewayV2::Api" => api_id(id).into(),
            "AWS::ApiGatewayV2::Authorizer" => format!("{{authorizer {}}}", self.prop(id, "Name")),
            "AWS::ApiGatewayV2::Integration" => {
                format!("{{integration {}}}", self.prop(id, "IntegrationUri"))
            }
            "AWS::IAM::Role" => role_of(self.role_fn.get(id).map_or("?", |s| s.as_str())),
            "" => self.problem(format!("Ref to a missing resource {id}")),
            ty => self.problem(format!("Ref to {id} ({ty}) is not understood by the test")),
        }
    }

    fn get_att(&self, id: &str, attr: &str) -> String {
        let r = &self.region;
        if let (Some(n), "Arn") = (id.strip_suffix("Resource"), attr) {
            return format!("{{raw {} arn}}", raw_key(n));
        }
        match (self.ty(id), attr) {
            ("AWS::Lambda::Function", "Arn") => function_arn(r, &self.prop(id, "FunctionName")),
            ("AWS::SQS::Queue", "Arn") => queue_arn(r, &self.prop(id, "QueueName")),
            ("AWS::Kinesis::Stream", "Arn") => stream_arn(r, &self.prop(id, "Name")),
            ("AWS::SQS::Queue", "QueueName") => self.prop(id, "QueueName"),
            ("AWS::SQS::Queue", "QueueUrl") => queue_url(r, &self.prop(id, "QueueName")),
            ("AWS::SNS::Topic", "TopicArn") => topic_arn(r, &self.topic_name(id)),
            ("AWS::SNS::Topic", "TopicName") => self.topic_name(id),
            ("AWS::DynamoDB::Table", "StreamArn") => stream_of(&self.prop(id, "TableName")),
            ("AWS::DynamoDB::Table", "Arn") => table_arn(r, &self.prop(id, "TableName")),
            ("AWS::S3::Bucket", "Arn") => bucket_arn(&self.prop(id, "BucketName")),
            ("AWS::Logs::LogGroup", "Arn") => {
                log_group_arn(r, &self.prop(id, "LogGroupName")) + ":*"
            }
            ("AWS::Events::Rule", "Arn") => rule_arn(r, &self.prop(id, "Name")),
            ("AWS::IAM::Role", "Arn") => {
                role_arn_of(self.role_fn.get(id).map_or("?", |s| s.as_str()))
            }
            ("", _) => self.problem(format!("Fn::GetAtt of a missing resource {id}.{attr}")),
            (ty, _) => self.problem(format!(
                "Fn::GetAtt {id}.{attr} ({ty}) is not understood by the test"
            )),
        }
    }

    /// `Fn::Sub` text, with `${!…}` unescaped.
    fn sub(&self, s: &str, vars: &Map<String, Value>) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            if let Some(lit) = after.strip_prefix('!') {
                out.push_str("${");
                rest = lit;
                continue;
            }
            let Some(end) = after.find('}') else {
                out.push_str(&self.problem(format!("unterminated ${{ in Fn::Sub {s:?}")));
                return out;
            };
            let e = &after[..end];
            if let Some(v) = vars.get(e) {
                out.push_str(&as_text(&self.v(v)));
            } else if e.starts_with("AWS::") {
                out.push_str(&self.reference(e));
            } else if let Some((id, attr)) = e.split_once('.') {
                out.push_str(&self.get_att(id, attr));
            } else {
                out.push_str(&self.reference(e));
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// A value with every intrinsic function resolved.
    fn v(&self, v: &Value) -> Value {
        match v {
            Value::Object(o)
                if o.len() == 1
                    && o.keys()
                        .next()
                        .is_some_and(|k| k == "Ref" || k.starts_with("Fn::")) =>
            {
                let (k, x) = o.iter().next().unwrap();
                match (k.as_str(), x) {
                    ("Ref", Value::String(id)) => json!(self.reference(id)),
                    ("Fn::GetAtt", Value::Array(a)) if a.len() == 2 => {
                        json!(self.get_att(&as_text(&a[0]), &as_text(&a[1])))
                    }
                    ("Fn::GetAtt", Value::String(s)) if s.contains('.') => {
                        let (id, attr) = s.split_once('.').unwrap();
                        json!(self.get_att(id, attr))
                    }
                    ("Fn::Sub", Value::String(s)) => json!(self.sub(s, &Map::new())),
                    ("Fn::Sub", Value::Array(a)) if a.len() == 2 => {
                        json!(self.sub(&as_text(&a[0]), a[1].as_object().unwrap_or(&Map::new())))
                    }
                    ("Fn::Join", Value::Array(a)) if a.len() == 2 => {
                        let parts: Vec<String> = a[1]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|p| as_text(&self.v(p)))
                            .collect();
                        json!(parts.join(&as_text(&a[0])))
                    }
                    _ => {
                        json!(self
                            .problem(format!("intrinsic {k} {x} is not understood by the test")))
                    }
                }
            }
            Value::Object(o) => {
                Value::Object(o.iter().map(|(k, x)| (k.clone(), self.v(x))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.v(x)).collect()),
            other => canon(other.clone()),
        }
    }

    fn s(&self, v: &Value) -> String {
        as_text(&self.v(v))
    }

    /// A Lambda permission's identity: function, principal, source.
    fn permission_key(&self, id: &str) -> String {
        let p = &self.res[id]["Properties"];
        format!(
            "{} ← {} from {}",
            function_name_of(&self.region, &self.s(&p["FunctionName"])),
            self.s(&p["Principal"]),
            self.s(&p["SourceArn"])
        )
    }
}

/// The types only raw resources (`resource` blocks, the escape hatch) have in the projects
/// compared here (slsc itself never emits them).
const RAW_TYPES: [&str; 2] = ["aws_sfn_activity", "aws_ssm_parameter"];

/// A raw resource's key in both targets: its name without case or underscores
/// (`ClickstreamName` in CloudFormation, `clickstream_name` in Terraform).
fn raw_key(name: &str) -> String {
    name.replace('_', "").to_ascii_lowercase()
}

fn cfn_facts(t: &Value, region: &str) -> Facts {
    let c = Cfn::new(t, region);
    let mut f = Facts::default();
    let mut consumed: BTreeSet<String> = BTreeSet::new();
    let r = region;
    for (id, res) in c.res {
        let p = &res["Properties"];
        let ty = res["Type"].as_str().unwrap_or_default();
        let mut used = true;
        // A raw resource (the escape hatch): its body is the user's, written per target, so
        // only that it exists in both is compared.
        if let Some(n) = id.strip_suffix("Resource") {
            f.add("raw resource", raw_key(n), json!({}));
            consumed.insert(id.clone());
            continue;
        }
        match ty {
            "AWS::Lambda::Function" => {
                let name = c.s(&p["FunctionName"]);
                let vpc = if p["VpcConfig"].is_null() {
                    Value::Null
                } else {
                    json!({"subnet_ids": c.v(&p["VpcConfig"]["SubnetIds"]), "security_group_ids": c.v(&p["VpcConfig"]["SecurityGroupIds"])})
                };
                f.add(
                    "function",
                    name,
                    json!({
                        "runtime": c.v(&p["Runtime"]),
                        "handler": c.v(&p["Handler"]),
                        "memory": c.v(&p["MemorySize"]),
                        "timeout": c.v(&p["Timeout"]),
                        "architectures": or(&c.v(&p["Architectures"]), json!(["x86_64"])),
                        "reserved_concurrency": c.v(&p["ReservedConcurrentExecutions"]),
                        "environment": or(&c.v(&p["Environment"]["Variables"]), json!({})),
                        "tracing": or(&p["TracingConfig"]["Mode"], json!("PassThrough")),
                        "description": c.v(&p["Description"]),
                        "layers": or(&c.v(&p["Layers"]), json!([])),
                        "vpc": vpc,
                        "recursion": or(&p["RecursiveLoop"], json!("Terminate")),
                        "snap_start": or(&p["SnapStart"]["ApplyOn"], json!("None")),
                        "code": c.v(&p["Code"]["S3Key"]),
                        "log_group": c.v(&p["LoggingConfig"]["LogGroup"]),
                        "log_format": or(&p["LoggingConfig"]["LogFormat"], json!("Text")),
                        "role": c.v(&p["Role"]),
                        "tags": cfn_tags(&p["Tags"], &c),
                    }),
                );
                if c.v(&p["Code"]["S3Bucket"]) != json!("{artifact bucket}") {
                    f.problems.push(format!(
                        "{id}: Code.S3Bucket is not the ArtifactBucket parameter"
                    ));
                }
            }
            "AWS::IAM::Role" => {
                let Some(func) = c.role_fn.get(id) else {
                    f.problems.push(format!("role {id} is used by no function"));
                    continue;
                };
                let mut policies = Map::new();
                for pol in p["Policies"].as_array().into_iter().flatten() {
                    policies.insert(
                        c.s(&pol["PolicyName"]),
                        grants(&canon(c.v(&pol["PolicyDocument"]))),
                    );
                }
                f.add(
                    "role",
                    func.clone(),
                    json!({
                        "assume_role_policy": grants(&canon(c.v(&p["AssumeRolePolicyDocument"]))),
                        "policies": policies,
                        "managed_policies": or(&c.v(&p["ManagedPolicyArns"]), json!([])),
                        "tags": cfn_tags(&p["Tags"], &c),
                    }),
                );
            }
            "AWS::Logs::LogGroup" => f.add(
                "log group",
                c.s(&p["LogGroupName"]),
                json!({"retention": c.v(&p["RetentionInDays"]), "tags": cfn_tags(&p["Tags"], &c)}),
            ),
            "AWS::Lambda::EventInvokeConfig" => f.add(
                "async invoke config",
                function_name_of(r, &c.s(&p["FunctionName"])),
                json!({
                    "qualifier": c.v(&p["Qualifier"]),
                    "retries": c.v(&p["MaximumRetryAttempts"]),
                    "max_event_age": c.v(&p["MaximumEventAgeInSeconds"]),
                    "on_failure": c.v(&p["DestinationConfig"]["OnFailure"]["Destination"]),
                    "on_success": c.v(&p["DestinationConfig"]["OnSuccess"]["Destination"]),
                }),
            ),
            "AWS::Lambda::LayerVersion" => f.add(
                "layer",
                c.s(&p["LayerName"]),
                json!({
                    "code": c.v(&p["Content"]["S3Key"]),
                    "runtimes": c.v(&p["CompatibleRuntimes"]),
                    "architectures": c.v(&p["CompatibleArchitectures"]),
                    "description": c.v(&p["Description"]),
                }),
            ),
            "AWS::Kinesis::Stream" => f.add(
                "stream",
                c.s(&p["Name"]),
                json!({
                    "retention_hours": c.v(&p["RetentionPeriodHours"]),
                    "mode": c.v(&p["StreamModeDetails"]["StreamMode"]),
                    "shards": c.v(&p["ShardCount"]),
                    "encryption": c.v(&p["StreamEncryption"]["EncryptionType"]),
                    "key": c.v(&p["StreamEncryption"]["KeyId"]),
                    "retained": res["DeletionPolicy"] == json!("Retain"),
                    "tags": cfn_tags(&p["Tags"], &c),
                }),
            ),
            "AWS::SQS::Queue" => f.add(
                "queue",
                c.s(&p["QueueName"]),
                json!({
                    "visibility_timeout": c.v(&p["VisibilityTimeout"]),
                    "retention": c.v(&p["MessageRetentionPeriod"]),
                    "delay": c.v(&p["DelaySeconds"]),
                    "fifo": or(&p["FifoQueue"], json!(false)),
                    "redrive": json_doc(c.v(&p["RedrivePolicy"])),
                    "tags": cfn_tags(&p["Tags"], &c),
                }),
            ),
            "AWS::DynamoDB::Table" => {
                let keys = |ks: &Value| {
                    let mut h = Value::Null;
                    let mut rk = Value::Null;
                    for k in ks.as_array().into_iter().flatten() {
                        if k["KeyType"] == "HASH" {
                            h = c.v(&k["AttributeName"]);
                        } else {
                            rk = c.v(&k["AttributeName"]);
                        }
                    }
                    (h, rk)
                };
                let (hash, range) = keys(&p["KeySchema"]);
                let mut attrs = Map::new();
                for a in p["AttributeDefinitions"].as_array().into_iter().flatten() {
                    attrs.insert(c.s(&a["AttributeName"]), c.v(&a["AttributeType"]));
                }
                let mut gsis = Map::new();
                for g in p["GlobalSecondaryIndexes"].as_array().into_iter().flatten() {
                    let (h, rk) = keys(&g["KeySchema"]);
                    gsis.insert(
                        c.s(&g["IndexName"]),
                        json!({
                            "hash_key": h, "range_key": rk,
                            "projection": c.v(&g["Projection"]["ProjectionType"]),
                            "non_key_attributes": or(&c.v(&g["Projection"]["NonKeyAttributes"]), json!([])),
                            "read_capacity": c.v(&g["ProvisionedThroughput"]["ReadCapacityUnits"]),
                            "write_capacity": c.v(&g["ProvisionedThroughput"]["WriteCapacityUnits"]),
                        }),
                    );
                }
                let ttl = if p["TimeToLiveSpecification"].is_null() {
                    Value::Null
                } else {
                    json!({"attribute": c.v(&p["TimeToLiveSpecification"]["AttributeName"]), "enabled": c.v(&p["TimeToLiveSpecification"]["Enabled"])})
                };
                if res["DeletionPolicy"] != res["UpdateReplacePolicy"] {
                    f.problems.push(format!(
                        "{id}: DeletionPolicy and UpdateReplacePolicy differ"
                    ));
                }
                f.add(
                    "table",
                    c.s(&p["TableName"]),
                    json!({
                        "billing": or(&p["BillingMode"], json!("PROVISIONED")),
                        "hash_key": hash, "range_key": range,
                        "attributes": sorted(Value::Object(attrs)),
                        "indexes": sorted(Value::Object(gsis)),
                        "read_capacity": c.v(&p["ProvisionedThroughput"]["ReadCapacityUnits"]),
                        "write_capacity": c.v(&p["ProvisionedThroughput"]["WriteCapacityUnits"]),
                        "stream": c.v(&p["StreamSpecification"]["StreamViewType"]),
                        "ttl": ttl,
                        "point_in_time_recovery": or(&p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], json!(false)),
                        "retained": res["DeletionPolicy"] == "Retain",
                        "tags": cfn_tags(&p["Tags"], &c),
                    }),
                );
            }
            "AWS::S3::Bucket" => {
                let pab = &p["PublicAccessBlockConfiguration"];
                let public_access_block = if pab.is_null() {
                    Value::Null
                } else {
                    json!({
                        "block_public_acls": or(&pab["BlockPublicAcls"], json!(false)),
                        "block_public_policy": or(&pab["BlockPublicPolicy"], json!(false)),
                        "ignore_public_acls": or(&pab["IgnorePublicAcls"], json!(false)),
                        "restrict_public_buckets": or(&pab["RestrictPublicBuckets"], json!(false)),
                    })
                };
                let encryption: Vec<Value> = p["BucketEncryption"]
                    ["ServerSideEncryptionConfiguration"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        json!({
                            "sse_algorithm": c.v(&e["ServerSideEncryptionByDefault"]["SSEAlgorithm"]),
                            "kms_key": c.v(&e["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]),
                            "bucket_key_enabled": or(&e["BucketKeyEnabled"], json!(false)),
                        })
                    })
                    .collect();
                let mut notifications = Vec::new();
                for n in p["NotificationConfiguration"]["LambdaConfigurations"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let mut prefix = Value::Null;
                    let mut suffix = Value::Null;
                    for rule in n["Filter"]["S3Key"]["Rules"].as_array().into_iter().flatten() {
                        match rule["Name"].as_str() {
                            Some("prefix") => prefix = c.v(&rule["Value"]),
                            Some("suffix") => suffix = c.v(&rule["Value"]),
                            _ => {}
                        }
                    }
                    notifications.push(json!({
                        "event": c.v(&n["Event"]),
                        "function": c.v(&n["Function"]),
                        "prefix": prefix,
                        "suffix": suffix,
                    }));
                }
                let after: Vec<Value> = res["DependsOn"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|d| d.as_str())
                    .filter(|d| c.ty(d) == "AWS::Lambda::Permission")
                    .map(|d| json!(c.permission_key(d)))
                    .collect();
                f.add(
                    "bucket",
                    c.s(&p["BucketName"]),
                    json!({
                        "public_access_block": public_access_block,
                        "encryption": encryption,
                        "versioning": c.v(&p["VersioningConfiguration"]["Status"]),
                        "old_versions_days": c.v(&p["LifecycleConfiguration"]["Rules"][0]["NoncurrentVersionExpiration"]["NoncurrentDays"]),
                        "abort_uploads_days": c.v(&p["LifecycleConfiguration"]["Rules"][0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]),
                        "access_logs": json!([c.v(&p["LoggingConfiguration"]["DestinationBucketName"]), c.v(&p["LoggingConfiguration"]["LogFilePrefix"])]),
                        "retained": res["DeletionPolicy"] == "Retain",
                        "notifications": sorted_list(notifications),
                        "notifications_after_permissions": sorted_list(after),
                        "tags": cfn_tags(&p["Tags"], &c),
                    }),
                );
            }
            "AWS::SNS::Topic" => f.add(
                "topic",
                c.topic_name(id),
                json!({
                    "fifo": or(&p["FifoTopic"], json!(false)),
                    "content_based_deduplication": or(&p["ContentBasedDeduplication"], json!(false)),
                    "kms_key": c.v(&p["KmsMasterKeyId"]),
                    "tags": cfn_tags(&p["Tags"], &c),
                }),
            ),
            "AWS::SNS::Subscription" => f.add(
                "subscription",
                format!(
                    "{} → {} {}",
                    c.s(&p["TopicArn"]),
                    c.s(&p["Protocol"]),
                    c.s(&p["Endpoint"])
                ),
                json!({
                    "filter_policy": json_doc(c.v(&p["FilterPolicy"])),
                    "filter_policy_scope": if p["FilterPolicy"].is_null() { Value::Null } else { or(&p["FilterPolicyScope"], json!("MessageAttributes")) },
                    "raw_message_delivery": or(&p["RawMessageDelivery"], json!(false)),
                }),
            ),
            "AWS::Lambda::Permission" => f.add(
                "permission",
                c.permission_key(id),
                json!({"action": c.v(&p["Action"]), "source_account": c.v(&p["SourceAccount"])}),
            ),
            "AWS::Lambda::EventSourceMapping" => f.add(
                "event source mapping",
                format!(
                    "{} ← {}",
                    function_name_of(r, &c.s(&p["FunctionName"])),
                    c.s(&p["EventSourceArn"])
                ),
                json!({
                    "batch_size": c.v(&p["BatchSize"]),
                    "batching_window": c.v(&p["MaximumBatchingWindowInSeconds"]),
                    "max_concurrency": c.v(&p["ScalingConfig"]["MaximumConcurrency"]),
                    "response_types": or(&c.v(&p["FunctionResponseTypes"]), json!([])),
                    "starting_position": c.v(&p["StartingPosition"]),
                    "retries": c.v(&p["MaximumRetryAttempts"]),
                    "max_record_age": c.v(&p["MaximumRecordAgeInSeconds"]),
                    "bisect": or(&p["BisectBatchOnFunctionError"], json!(false)),
                    "on_failure": c.v(&p["DestinationConfig"]["OnFailure"]["Destination"]),
                    "enabled": or(&p["Enabled"], json!(true)),
                    "tags": cfn_tags(&p["Tags"], &c),
                }),
            ),
            "AWS::CloudWatch::Alarm" => {
                let mut dims = Map::new();
                for d in p["Dimensions"].as_array().into_iter().flatten() {
                    dims.insert(c.s(&d["Name"]), c.v(&d["Value"]));
                }
                let metrics: Vec<Value> = p["Metrics"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| {
                        let ms = &m["MetricStat"];
                        let mut mdims = Map::new();
                        for d in ms["Metric"]["Dimensions"].as_array().into_iter().flatten() {
                            mdims.insert(c.s(&d["Name"]), c.v(&d["Value"]));
                        }
                        json!({
                            "id": c.v(&m["Id"]),
                            "return_data": or(&m["ReturnData"], json!(true)),
                            "expression": c.v(&m["Expression"]),
                            "label": c.v(&m["Label"]),
                            "namespace": c.v(&ms["Metric"]["Namespace"]),
                            "metric": c.v(&ms["Metric"]["MetricName"]),
                            "dimensions": if ms.is_null() { Value::Null } else { sorted(Value::Object(mdims)) },
                            "period": c.v(&ms["Period"]),
                            "stat": c.v(&ms["Stat"]),
                        })
                    })
                    .collect();
                f.add(
                    "alarm",
                    c.s(&p["AlarmName"]),
                    json!({
                        "namespace": c.v(&p["Namespace"]),
                        "metric": c.v(&p["MetricName"]),
                        "statistic": c.v(&p["Statistic"]),
                        "period": c.v(&p["Period"]),
                        "dimensions": sorted(Value::Object(dims)),
                        "threshold": c.v(&p["Threshold"]),
                        "evaluation_periods": c.v(&p["EvaluationPeriods"]),
                        "datapoints_to_alarm": c.v(&p["DatapointsToAlarm"]),
                        "comparison": c.v(&p["ComparisonOperator"]),
                        "treat_missing_data": or(&p["TreatMissingData"], json!("missing")),
                        "actions": sorted_list(c.v(&p["AlarmActions"]).as_array().cloned().unwrap_or_default()),
                        "ok_actions": or(&c.v(&p["OKActions"]), json!([])),
                        "metrics": metrics,
                        "tags": cfn_tags(&p["Tags"], &c),
                    }),
                );
            }
            "AWS::Events::Rule" => {
                let targets: Vec<Value> = p["Targets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| {
                        json!({
                            "id": c.v(&t["Id"]),
                            "arn": c.v(&t["Arn"]),
                            "input": json_doc(c.v(&t["Input"])),
                        })
                    })
                    .collect();
                f.add(
                    "schedule",
                    c.s(&p["Name"]),
                    json!({
                        "expression": c.v(&p["ScheduleExpression"]),
                        "state": or(&p["State"], json!("ENABLED")),
                        "event_pattern": json_doc(c.v(&p["EventPattern"])),
                        "targets": sorted_list(targets),
                        "tags": cfn_tags(&p["Tags"], &c),
                    }),
                );
            }
            "AWS::ApiGatewayV2::Api" => {
                let cors = &p["CorsConfiguration"];
                let cors = if cors.is_null() {
                    Value::Null
                } else {
                    json!({
                        "allow_origins": or(&c.v(&cors["AllowOrigins"]), json!([])),
                        "allow_methods": or(&c.v(&cors["AllowMethods"]), json!([])),
                        "allow_headers": or(&c.v(&cors["AllowHeaders"]), json!([])),
                        "expose_headers": or(&c.v(&cors["ExposeHeaders"]), json!([])),
                        "allow_credentials": or(&cors["AllowCredentials"], json!(false)),
                        "max_age": c.v(&cors["MaxAge"]),
                    })
                };
                f.add(
                    "http api",
                    c.s(&p["Name"]),
                    json!({"protocol": c.v(&p["ProtocolType"]), "route_selection": c.v(&p["RouteSelectionExpression"]), "cors": cors, "tags": cfn_tags(&p["Tags"], &c)}),
                );
            }
            "AWS::ApiGatewayV2::Stage" => f.add(
                "http api stage",
                format!("{} {}", c.s(&p["ApiId"]), c.s(&p["StageName"])),
                json!({"auto_deploy": or(&p["AutoDeploy"], json!(false)), "tags": cfn_tags(&p["Tags"], &c)}),
            ),
            "AWS::ApiGatewayV2::Route" => {
                // The integration and the authorizer are described with their route.
                let target = p["Target"]["Fn::Sub"].as_str().unwrap_or_default();
                let integration = target
                    .strip_prefix("integrations/${")
                    .and_then(|s| s.strip_suffix('}'))
                    .filter(|i| c.ty(i) == "AWS::ApiGatewayV2::Integration");
                let integration = match integration {
                    Some(i) => {
                        consumed.insert(i.to_string());
                        let ip = &c.res[i]["Properties"];
                        json!({
                            "api": c.v(&ip["ApiId"]),
                            "type": c.v(&ip["IntegrationType"]),
                            "uri": c.v(&ip["IntegrationUri"]),
                            "method": c.v(&ip["IntegrationMethod"]),
                            "payload_format_version": c.v(&ip["PayloadFormatVersion"]),
                        })
                    }
                    None => json!(format!("{{not an integration: {}}}", p["Target"])),
                };
                let authorizer = match p["AuthorizerId"]["Ref"].as_str() {
                    Some(a) if c.ty(a) == "AWS::ApiGatewayV2::Authorizer" => {
                        consumed.insert(a.to_string());
                        let ap = &c.res[a]["Properties"];
                        json!({
                            "api": c.v(&ap["ApiId"]),
                            "type": c.v(&ap["AuthorizerType"]),
                            "name": c.v(&ap["Name"]),
                            "identity_sources": c.v(&ap["IdentitySource"]),
                            "issuer": c.v(&ap["JwtConfiguration"]["Issuer"]),
                            "audience": c.v(&ap["JwtConfiguration"]["Audience"]),
                        })
                    }
                    _ => c.v(&p["AuthorizerId"]),
                };
                f.add(
                    "http route",
                    format!("{} {}", c.s(&p["ApiId"]), c.s(&p["RouteKey"])),
                    json!({
                        "authorization_type": or(&p["AuthorizationType"], json!("NONE")),
                        "authorizer": authorizer,
                        "integration": integration,
                    }),
                );
            }
            _ => used = false,
        }
        if used {
            consumed.insert(id.clone());
        }
    }
    for (name, o) in t["Outputs"].as_object().into_iter().flatten() {
        f.add(
            "output",
            output_key(name),
            json!({"value": c.v(&o["Value"]), "description": c.v(&o["Description"])}),
        );
    }
    for id in c.res.keys() {
        if !consumed.contains(id) {
            f.problems.push(format!(
                "resource {id} ({}) is not part of the comparison: teach tests/terraform.rs about it",
                c.ty(id)
            ));
        }
    }
    f.problems.extend(c.problems.into_inner());
    f
}

/// Outputs are `PascalCase` in CloudFormation and as written in Terraform.
fn output_key(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .collect::<String>()
        .to_lowercase()
}

// --- Terraform -------------------------------------------------------------------------------

struct Tf<'a> {
    doc: &'a Value,
    region: String,
    /// Role resource name → the function (physical name) that uses it.
    role_fn: BTreeMap<String, String>,
    /// Unnamed topic resource name → the alarm (physical name) that notifies it.
    topic_alarm: BTreeMap<String, String>,
    problems: RefCell<Vec<String>>,
}

/// `${aws_type.name.attr}` → (type, name, attr) when the whole string is one reference.
fn tf_ref(s: &str) -> Option<(&str, &str, &str)> {
    let e = s.strip_prefix("${")?.strip_suffix('}')?;
    let mut it = e.splitn(3, '.');
    Some((it.next()?, it.next()?, it.next()?))
}

impl<'a> Tf<'a> {
    fn new(doc: &'a Value, region: &str) -> Tf<'a> {
        let mut t = Tf {
            doc,
            region: region.to_string(),
            role_fn: BTreeMap::new(),
            topic_alarm: BTreeMap::new(),
            problems: RefCell::new(Vec::new()),
        };
        let mut role_fn = BTreeMap::new();
        for f in t.all("aws_lambda_function").values() {
            if let Some(("aws_iam_role", n, "arn")) = f["role"].as_str().and_then(tf_ref) {
                role_fn.insert(n.to_string(), t.s(&f["function_name"]));
            }
        }
        let mut topic_alarm = BTreeMap::new();
        for a in t.all("aws_cloudwatch_metric_alarm").values() {
            for x in a["alarm_actions"].as_array().into_iter().flatten() {
                if let Some(("aws_sns_topic", n, "arn")) = x.as_str().and_then(tf_ref) {
                    topic_alarm.insert(n.to_string(), t.s(&a["alarm_name"]));
                }
            }
        }
        t.role_fn = role_fn;
        t.topic_alarm = topic_alarm;
        t
    }

    fn problem(&self, p: String) -> String {
        self.problems.borrow_mut().push(p.clone());
        format!("{{{p}}}")
    }

    fn all(&self, ty: &str) -> &'a Map<String, Value> {
        static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
        self.doc["resource"][ty]
            .as_object()
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }

    fn get(&self, ty: &str, name: &str) -> Option<&'a Value> {
        self.doc["resource"][ty].get(name)
    }

    fn topic_name(&self, name: &str) -> String {
        let b = &self.doc["resource"]["aws_sns_topic"][name];
        if !b["name"].is_null() {
            return self.s(&b["name"]);
        }
        match self.topic_alarm.get(name) {
            Some(a) => alarm_topic(a),
            None => self.problem(format!(
                "aws_sns_topic.{name} has neither a name nor an alarm"
            )),
        }
    }

    /// An interpolation `${…}`.
    fn expr(&self, e: &str) -> String {
        let r = &self.region;
        if e == "path.module" {
            return "{module}".into();
        }
        if let Some(d) = e.strip_prefix("data.") {
            let mut it = d.splitn(3, '.');
            let (ty, name) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
            if self.doc["data"][ty].get(name).is_none() {
                return self.problem(format!("${{{e}}} names a missing data source"));
            }
            return match e {
                "data.aws_partition.current.partition" => PARTITION.into(),
                "data.aws_partition.current.dns_suffix" => URL_SUFFIX.into(),
                "data.aws_caller_identity.current.account_id" => ACCOUNT.into(),
                _ => self.problem(format!("${{{e}}} is not understood by the test")),
            };
        }
        let mut it = e.splitn(3, '.');
        let (ty, name, attr) = match (it.next(), it.next(), it.next()) {
            (Some(t), Some(n), Some(a)) => (t, n, a),
            _ => return self.problem(format!("${{{e}}} is not understood by the test")),
        };
        let Some(b) = self.get(ty, name) else {
            return self.problem(format!("${{{e}}} names a missing resource {ty}.{name}"));
        };
        let s = |k: &str| self.s(&b[k]);
        if RAW_TYPES.contains(&ty) && matches!(attr, "arn" | "id") {
            return format!("{{raw {} {attr}}}", raw_key(name));
        }
        match (ty, attr) {
            ("aws_lambda_function", "arn") => function_arn(r, &s("function_name")),
            ("aws_lambda_function", "function_name") => s("function_name"),
            ("aws_sqs_queue", "arn") => queue_arn(r, &s("name")),
            ("aws_kinesis_stream", "arn") => stream_arn(r, &s("name")),
            ("aws_lambda_layer_version", "arn") => format!("{{layer {}}}", s("layer_name")),
            ("aws_sqs_queue", "url" | "id") => queue_url(r, &s("name")),
            ("aws_sqs_queue", "name") => s("name"),
            ("aws_sns_topic", "arn" | "id") => topic_arn(r, &self.topic_name(name)),
            ("aws_sns_topic", "name") => self.topic_name(name),
            ("aws_s3_bucket", "arn") => bucket_arn(&s("bucket")),
            ("aws_s3_bucket", "id" | "bucket") => s("bucket"),
            ("aws_dynamodb_table", "stream_arn") => {
                if b["stream_enabled"] != json!(true) {
                    self.problem(format!("${{{e}}}: the table has no stream"));
                }
                stream_of(&s("name"))
            }
            ("aws_dynamodb_table", "arn") => table_arn(r, &s("name")),
            ("aws_dynamodb_table", "name" | "id") => s("name"),
            ("aws_cloudwatch_log_group", "name" | "id") => s("name"),
            ("aws_cloudwatch_log_group", "arn") => log_group_arn(r, &s("name")),
            ("aws_iam_role", "arn") => {
                role_arn_of(self.role_fn.get(name).map_or("?", |x| x.as_str()))
            }
            ("aws_iam_role", "id" | "name") => {
                role_of(self.role_fn.get(name).map_or("?", |x| x.as_str()))
            }
            ("aws_cloudwatch_event_rule", "arn") => rule_arn(r, &s("name")),
            ("aws_cloudwatch_event_rule", "name" | "id") => s("name"),
            ("aws_apigatewayv2_api", "id") => api_id(name).into(),
            ("aws_apigatewayv2_api", "execution_arn") => execution_arn(r, api_id(name)),
            ("aws_lambda_function", "invoke_arn") => invoke_arn(r, &s("function_name")),
            ("aws_apigatewayv2_integration", "id") => {
                format!("{{integration {}}}", s("integration_uri"))
            }
            ("aws_apigatewayv2_authorizer", "id") => format!("{{authorizer {}}}", s("name")),
            _ => self.problem(format!("${{{e}}} is not understood by the test")),
        }
    }

    /// A Terraform string template, rendered: `$${` and `%%{` unescaped, `${…}` resolved. A
    /// `%{` directive is reported (slsc never writes one).
    fn tpl(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        loop {
            let next = [
                rest.find("$${"),
                rest.find("%%{"),
                rest.find("${"),
                rest.find("%{"),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(i) = next else { break };
            out.push_str(&rest[..i]);
            let at = &rest[i..];
            if let Some(x) = at.strip_prefix("$${") {
                out.push_str("${");
                rest = x;
            } else if let Some(x) = at.strip_prefix("%%{") {
                out.push_str("%{");
                rest = x;
            } else if let Some(x) = at.strip_prefix("${") {
                let Some(end) = x.find('}') else {
                    out.push_str(&self.problem(format!("unterminated ${{ in {s:?}")));
                    return out;
                };
                out.push_str(&self.expr(&x[..end]));
                rest = &x[end + 1..];
            } else {
                out.push_str(&self.problem(format!("template directive %{{ in {s:?}")));
                rest = &at[2..];
            }
        }
        out.push_str(rest);
        out
    }

    fn v(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => json!(self.tpl(s)),
            Value::Object(o) => {
                Value::Object(o.iter().map(|(k, x)| (k.clone(), self.v(x))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.v(x)).collect()),
            other => canon(other.clone()),
        }
    }

    fn s(&self, v: &Value) -> String {
        as_text(&self.v(v))
    }

    /// The provider's default tags with a resource's own on top.
    fn tags(&self, b: &Value) -> Value {
        let mut out = Map::new();
        for t in [
            &block(&self.doc["provider"]["aws"]["default_tags"])["tags"],
            &b["tags"],
        ] {
            for (k, v) in t.as_object().into_iter().flatten() {
                out.insert(self.tpl(k), json!(self.s(v)));
            }
        }
        sorted(Value::Object(out))
    }

    fn permission_key(&self, b: &Value) -> String {
        format!(
            "{} ← {} from {}",
            function_name_of(&self.region, &self.s(&b["function_name"])),
            self.s(&b["principal"]),
            self.s(&b["source_arn"])
        )
    }

    /// `lifecycle { prevent_destroy = true }` (a block: an object or a one-element array).
    fn prevent_destroy(b: &Value) -> bool {
        block(&b["lifecycle"])["prevent_destroy"] == json!(true)
    }
}

fn tf_facts(doc: &Value, region: &str) -> Facts {
    let t = Tf::new(doc, region);
    let mut f = Facts::default();
    let mut consumed: BTreeSet<String> = BTreeSet::new();
    let r = region;
    let mut use_ = |ty: &str, n: &str| {
        consumed.insert(format!("{ty}.{n}"));
    };
    for ty in RAW_TYPES {
        for (n, _) in t.all(ty) {
            use_(ty, n);
            f.add("raw resource", raw_key(n), json!({}));
        }
    }

    // Function sub-resources, by the function they configure.
    let mut recursion = BTreeMap::new();
    for (n, b) in t.all("aws_lambda_function_recursion_config") {
        use_("aws_lambda_function_recursion_config", n);
        recursion.insert(t.s(&b["function_name"]), t.v(&b["recursive_loop"]));
    }
    for (n, b) in t.all("aws_lambda_function") {
        use_("aws_lambda_function", n);
        let name = t.s(&b["function_name"]);
        let vpc = block(&b["vpc_config"]);
        let vpc = if vpc.is_null() {
            Value::Null
        } else {
            json!({"subnet_ids": t.v(&vpc["subnet_ids"]), "security_group_ids": t.v(&vpc["security_group_ids"])})
        };
        let code = t.s(&b["filename"]);
        let logging = block(&b["logging_config"]);
        f.add(
            "function",
            name.clone(),
            json!({
                "runtime": t.v(&b["runtime"]),
                "handler": t.v(&b["handler"]),
                "memory": t.v(&b["memory_size"]),
                "timeout": t.v(&b["timeout"]),
                "architectures": or(&t.v(&b["architectures"]), json!(["x86_64"])),
                "reserved_concurrency": t.v(&b["reserved_concurrent_executions"]),
                "environment": or(&t.v(&block(&b["environment"])["variables"]), json!({})),
                "tracing": or(&t.v(&block(&b["tracing_config"])["mode"]), json!("PassThrough")),
                "description": t.v(&b["description"]),
                "layers": or(&t.v(&b["layers"]), json!([])),
                "vpc": vpc,
                "recursion": recursion.get(&name).cloned().unwrap_or(json!("Terminate")),
                "snap_start": or(&t.v(&block(&b["snap_start"])["apply_on"]), json!("None")),
                "code": code.strip_prefix("{module}/").unwrap_or(&code),
                "log_group": t.v(&logging["log_group"]),
                "log_format": or(&t.v(&logging["log_format"]), json!("Text")),
                "role": t.v(&b["role"]),
                "tags": t.tags(b),
            }),
        );
        // The function is created after its role's policy (IAM is eventually consistent, and
        // an event source mapping checks the role's permissions when it is created).
        let role = b["role"].as_str().and_then(tf_ref).map(|(_, rn, _)| rn);
        let wants = role.map(|rn| json!(format!("aws_iam_role_policy.{rn}")));
        if !b["depends_on"]
            .as_array()
            .is_some_and(|d| wants.as_ref().is_some_and(|w| d.contains(w)))
        {
            f.problems.push(format!(
                "aws_lambda_function.{n}: depends_on does not name its role's policy {wants:?}"
            ));
        }
    }
    // Roles and their inline policies.
    let mut policies: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for (n, b) in t.all("aws_iam_role_policy") {
        use_("aws_iam_role_policy", n);
        policies
            .entry(t.s(&b["role"]))
            .or_default()
            .insert(t.s(&b["name"]), grants(&json_doc(t.v(&b["policy"]))));
    }
    for (n, b) in t.all("aws_iam_role") {
        use_("aws_iam_role", n);
        let Some(func) = t.role_fn.get(n) else {
            f.problems
                .push(format!("aws_iam_role.{n} is used by no function"));
            continue;
        };
        let mut managed: Vec<Value> = Vec::new();
        for (pn, pa) in t.all("aws_iam_role_policy_attachment") {
            if t.s(&pa["role"]) == role_of(func) {
                use_("aws_iam_role_policy_attachment", pn);
                managed.push(t.v(&pa["policy_arn"]));
            }
        }
        f.add(
            "role",
            func.clone(),
            json!({
                "assume_role_policy": grants(&json_doc(t.v(&b["assume_role_policy"]))),
                "policies": policies.remove(&role_of(func)).unwrap_or_default(),
                "managed_policies": managed,
                "tags": t.tags(b),
            }),
        );
    }
    for (role, p) in policies {
        f.problems.push(format!(
            "aws_iam_role_policy {:?} is attached to {role}, which is no function's role",
            p.keys().collect::<Vec<_>>()
        ));
    }
    for (n, b) in t.all("aws_cloudwatch_log_group") {
        use_("aws_cloudwatch_log_group", n);
        f.add(
            "log group",
            t.s(&b["name"]),
            json!({"retention": t.v(&b["retention_in_days"]), "tags": t.tags(b)}),
        );
    }
    for (n, b) in t.all("aws_lambda_function_event_invoke_config") {
        use_("aws_lambda_function_event_invoke_config", n);
        let d = block(&b["destination_config"]);
        f.add(
            "async invoke config",
            function_name_of(r, &t.s(&b["function_name"])),
            json!({
                "qualifier": t.v(&b["qualifier"]),
                "retries": t.v(&b["maximum_retry_attempts"]),
                "max_event_age": t.v(&b["maximum_event_age_in_seconds"]),
                "on_failure": t.v(&block(&d["on_failure"])["destination"]),
                "on_success": t.v(&block(&d["on_success"])["destination"]),
            }),
        );
    }
    for (n, b) in t.all("aws_lambda_layer_version") {
        use_("aws_lambda_layer_version", n);
        f.add(
            "layer",
            t.s(&b["layer_name"]),
            json!({
                "code": t.s(&b["filename"]).strip_prefix("{module}/").map_or(t.v(&b["filename"]), |c| json!(c)),
                "runtimes": t.v(&b["compatible_runtimes"]),
                "architectures": t.v(&b["compatible_architectures"]),
                "description": t.v(&b["description"]),
            }),
        );
    }
    for (n, b) in t.all("aws_kinesis_stream") {
        use_("aws_kinesis_stream", n);
        f.add(
            "stream",
            t.s(&b["name"]),
            json!({
                "retention_hours": t.v(&b["retention_period"]),
                "mode": t.v(&b["stream_mode_details"][0]["stream_mode"]),
                "shards": t.v(&b["shard_count"]),
                "encryption": t.v(&b["encryption_type"]),
                "key": t.v(&b["kms_key_id"]),
                "retained": b["lifecycle"][0]["prevent_destroy"] == json!(true),
                "tags": t.tags(b),
            }),
        );
    }
    for (n, b) in t.all("aws_sqs_queue") {
        use_("aws_sqs_queue", n);
        f.add(
            "queue",
            t.s(&b["name"]),
            json!({
                "visibility_timeout": t.v(&b["visibility_timeout_seconds"]),
                "retention": t.v(&b["message_retention_seconds"]),
                "delay": t.v(&b["delay_seconds"]),
                "fifo": or(&b["fifo_queue"], json!(false)),
                "redrive": json_doc(t.v(&b["redrive_policy"])),
                "tags": t.tags(b),
            }),
        );
    }
    for (n, b) in t.all("aws_dynamodb_table") {
        use_("aws_dynamodb_table", n);
        let mut attrs = Map::new();
        for a in b["attribute"].as_array().into_iter().flatten() {
            attrs.insert(t.s(&a["name"]), t.v(&a["type"]));
        }
        let mut gsis = Map::new();
        for g in b["global_secondary_index"].as_array().into_iter().flatten() {
            gsis.insert(
                t.s(&g["name"]),
                json!({
                    "hash_key": t.v(&g["hash_key"]), "range_key": t.v(&g["range_key"]),
                    "projection": t.v(&g["projection_type"]),
                    "non_key_attributes": or(&t.v(&g["non_key_attributes"]), json!([])),
                    "read_capacity": t.v(&g["read_capacity"]),
                    "write_capacity": t.v(&g["write_capacity"]),
                }),
            );
        }
        let ttl = block(&b["ttl"]);
        let ttl = if ttl.is_null() {
            Value::Null
        } else {
            json!({"attribute": t.v(&ttl["attribute_name"]), "enabled": t.v(&ttl["enabled"])})
        };
        let stream = if b["stream_enabled"] == json!(true) {
            t.v(&b["stream_view_type"])
        } else {
            Value::Null
        };
        f.add(
            "table",
            t.s(&b["name"]),
            json!({
                "billing": or(&b["billing_mode"], json!("PROVISIONED")),
                "hash_key": t.v(&b["hash_key"]), "range_key": t.v(&b["range_key"]),
                "attributes": sorted(Value::Object(attrs)),
                "indexes": sorted(Value::Object(gsis)),
                "read_capacity": t.v(&b["read_capacity"]),
                "write_capacity": t.v(&b["write_capacity"]),
                "stream": stream,
                "ttl": ttl,
                "point_in_time_recovery": or(&block(&b["point_in_time_recovery"])["enabled"], json!(false)),
                "retained": Tf::prevent_destroy(b),
                "tags": t.tags(b),
            }),
        );
    }
    // Buckets and their separate configuration resources, by bucket name.
    let mut by_bucket: BTreeMap<String, BTreeMap<&str, (&String, &Value)>> = BTreeMap::new();
    for ty in [
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_lifecycle_configuration",
        "aws_s3_bucket_logging",
        "aws_s3_bucket_notification",
    ] {
        for (n, b) in t.all(ty) {
            use_(ty, n);
            let bucket = t.s(&b["bucket"]);
            if by_bucket
                .entry(bucket.clone())
                .or_default()
                .insert(ty, (n, b))
                .is_some()
            {
                f.problems.push(format!("two {ty} for the bucket {bucket}"));
            }
        }
    }
    for (n, b) in t.all("aws_s3_bucket") {
        use_("aws_s3_bucket", n);
        let name = t.s(&b["bucket"]);
        let parts = by_bucket.remove(&name).unwrap_or_default();
        let public_access_block = match parts.get("aws_s3_bucket_public_access_block") {
            None => Value::Null,
            Some((_, p)) => json!({
                "block_public_acls": or(&p["block_public_acls"], json!(false)),
                "block_public_policy": or(&p["block_public_policy"], json!(false)),
                "ignore_public_acls": or(&p["ignore_public_acls"], json!(false)),
                "restrict_public_buckets": or(&p["restrict_public_buckets"], json!(false)),
            }),
        };
        let encryption: Vec<Value> = parts
            .get("aws_s3_bucket_server_side_encryption_configuration")
            .map(|(_, p)| {
                p["rule"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|rule| {
                        let d = block(&rule["apply_server_side_encryption_by_default"]);
                        json!({
                            "sse_algorithm": t.v(&d["sse_algorithm"]),
                            "kms_key": t.v(&d["kms_master_key_id"]),
                            "bucket_key_enabled": or(&rule["bucket_key_enabled"], json!(false)),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let versioning = parts
            .get("aws_s3_bucket_versioning")
            .map(|(_, p)| t.v(&block(&p["versioning_configuration"])["status"]))
            .unwrap_or(Value::Null);
        let lifecycle = parts
            .get("aws_s3_bucket_lifecycle_configuration")
            .map(|(_, p)| p["rule"][0].clone())
            .unwrap_or(Value::Null);
        let access_logs = parts
            .get("aws_s3_bucket_logging")
            .map(|(_, p)| json!([t.v(&p["target_bucket"]), t.v(&p["target_prefix"])]))
            .unwrap_or(json!([null, null]));
        let mut notifications = Vec::new();
        let mut after = Vec::new();
        if let Some((_, p)) = parts.get("aws_s3_bucket_notification") {
            for c in p["lambda_function"].as_array().into_iter().flatten() {
                for ev in c["events"].as_array().into_iter().flatten() {
                    notifications.push(json!({
                        "event": t.v(ev),
                        "function": t.v(&c["lambda_function_arn"]),
                        "prefix": t.v(&c["filter_prefix"]),
                        "suffix": t.v(&c["filter_suffix"]),
                    }));
                }
            }
            for d in p["depends_on"].as_array().into_iter().flatten() {
                let d = d.as_str().unwrap_or_default();
                // Missing resources are reported for every depends_on below.
                if let Some(("aws_lambda_permission", pn)) = d.split_once('.') {
                    if let Some(perm) = t.get("aws_lambda_permission", pn) {
                        after.push(json!(t.permission_key(perm)));
                    }
                }
            }
        }
        f.add(
            "bucket",
            name,
            json!({
                "public_access_block": public_access_block,
                "encryption": encryption,
                "versioning": versioning,
                "old_versions_days": t.v(&block(&lifecycle["noncurrent_version_expiration"])["noncurrent_days"]),
                "abort_uploads_days": t.v(&block(&lifecycle["abort_incomplete_multipart_upload"])["days_after_initiation"]),
                "access_logs": access_logs,
                "retained": Tf::prevent_destroy(b),
                "notifications": sorted_list(notifications),
                "notifications_after_permissions": sorted_list(after),
                "tags": t.tags(b),
            }),
        );
    }
    for (bucket, parts) in by_bucket {
        f.problems.push(format!(
            "{:?} configure the bucket {bucket:?}, which no aws_s3_bucket creates",
            parts.keys().collect::<Vec<_>>()
        ));
    }
    for (n, b) in t.all("aws_sns_topic") {
        use_("aws_sns_topic", n);
        f.add(
            "topic",
            t.topic_name(n),
            json!({
                "fifo": or(&b["fifo_topic"], json!(false)),
                "content_based_deduplication": or(&b["content_based_deduplication"], json!(false)),
                "kms_key": t.v(&b["kms_master_key_id"]),
                "tags": t.tags(b),
            }),
        );
    }
    for (n, b) in t.all("aws_sns_topic_subscription") {
        use_("aws_sns_topic_subscription", n);
        f.add(
            "subscription",
            format!(
                "{} → {} {}",
                t.s(&b["topic_arn"]),
                t.s(&b["protocol"]),
                t.s(&b["endpoint"])
            ),
            json!({
                "filter_policy": json_doc(t.v(&b["filter_policy"])),
                "filter_policy_scope": if b["filter_policy"].is_null() { Value::Null } else { or(&t.v(&b["filter_policy_scope"]), json!("MessageAttributes")) },
                "raw_message_delivery": or(&b["raw_message_delivery"], json!(false)),
            }),
        );
    }
    for (n, b) in t.all("aws_lambda_permission") {
        use_("aws_lambda_permission", n);
        f.add(
            "permission",
            t.permission_key(b),
            json!({"action": t.v(&b["action"]), "source_account": t.v(&b["source_account"])}),
        );
    }
    for (n, b) in t.all("aws_lambda_event_source_mapping") {
        use_("aws_lambda_event_source_mapping", n);
        f.add(
            "event source mapping",
            format!(
                "{} ← {}",
                function_name_of(r, &t.s(&b["function_name"])),
                t.s(&b["event_source_arn"])
            ),
            json!({
                "batch_size": t.v(&b["batch_size"]),
                "batching_window": t.v(&b["maximum_batching_window_in_seconds"]),
                "max_concurrency": t.v(&block(&b["scaling_config"])["maximum_concurrency"]),
                "response_types": or(&t.v(&b["function_response_types"]), json!([])),
                "starting_position": t.v(&b["starting_position"]),
                "retries": t.v(&b["maximum_retry_attempts"]),
                "max_record_age": t.v(&b["maximum_record_age_in_seconds"]),
                "bisect": or(&b["bisect_batch_on_function_error"], json!(false)),
                "on_failure": t.v(&block(&block(&b["destination_config"])["on_failure"])["destination_arn"]),
                "enabled": or(&b["enabled"], json!(true)),
                "tags": t.tags(b),
            }),
        );
    }
    for (n, b) in t.all("aws_cloudwatch_metric_alarm") {
        use_("aws_cloudwatch_metric_alarm", n);
        let metrics: Vec<Value> = b["metric_query"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                let ms = block(&m["metric"]);
                json!({
                    "id": t.v(&m["id"]),
                    "return_data": or(&m["return_data"], json!(true)),
                    "expression": t.v(&m["expression"]),
                    "label": t.v(&m["label"]),
                    "namespace": t.v(&ms["namespace"]),
                    "metric": t.v(&ms["metric_name"]),
                    "dimensions": if ms.is_null() { Value::Null } else { sorted(or(&t.v(&ms["dimensions"]), json!({}))) },
                    "period": t.v(&ms["period"]),
                    "stat": t.v(&ms["stat"]),
                })
            })
            .collect();
        f.add(
            "alarm",
            t.s(&b["alarm_name"]),
            json!({
                "namespace": t.v(&b["namespace"]),
                "metric": t.v(&b["metric_name"]),
                "statistic": t.v(&b["statistic"]),
                "period": t.v(&b["period"]),
                "dimensions": sorted(or(&t.v(&b["dimensions"]), json!({}))),
                "threshold": t.v(&b["threshold"]),
                "evaluation_periods": t.v(&b["evaluation_periods"]),
                "datapoints_to_alarm": t.v(&b["datapoints_to_alarm"]),
                "comparison": t.v(&b["comparison_operator"]),
                "treat_missing_data": or(&t.v(&b["treat_missing_data"]), json!("missing")),
                "actions": sorted_list(t.v(&b["alarm_actions"]).as_array().cloned().unwrap_or_default()),
                "ok_actions": or(&t.v(&b["ok_actions"]), json!([])),
                "metrics": metrics,
                "tags": t.tags(b),
            }),
        );
    }
    let mut targets: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (n, b) in t.all("aws_cloudwatch_event_target") {
        use_("aws_cloudwatch_event_target", n);
        targets.entry(t.s(&b["rule"])).or_default().push(json!({
            "id": t.v(&b["target_id"]),
            "arn": t.v(&b["arn"]),
            "input": json_doc(t.v(&b["input"])),
        }));
    }
    for (n, b) in t.all("aws_cloudwatch_event_rule") {
        use_("aws_cloudwatch_event_rule", n);
        let name = t.s(&b["name"]);
        f.add(
            "schedule",
            name.clone(),
            json!({
                "expression": t.v(&b["schedule_expression"]),
                "state": or(&t.v(&b["state"]), json!("ENABLED")),
                "event_pattern": json_doc(t.v(&b["event_pattern"])),
                "targets": sorted_list(targets.remove(&name).unwrap_or_default()),
                "tags": t.tags(b),
            }),
        );
    }
    for (rule, ts) in targets {
        f.problems.push(format!(
            "{} event target(s) of the rule {rule:?}, which no aws_cloudwatch_event_rule creates",
            ts.len()
        ));
    }
    for (n, b) in t.all("aws_apigatewayv2_api") {
        use_("aws_apigatewayv2_api", n);
        let cors = block(&b["cors_configuration"]);
        let cors = if cors.is_null() {
            Value::Null
        } else {
            json!({
                "allow_origins": or(&t.v(&cors["allow_origins"]), json!([])),
                "allow_methods": or(&t.v(&cors["allow_methods"]), json!([])),
                "allow_headers": or(&t.v(&cors["allow_headers"]), json!([])),
                "expose_headers": or(&t.v(&cors["expose_headers"]), json!([])),
                "allow_credentials": or(&cors["allow_credentials"], json!(false)),
                "max_age": t.v(&cors["max_age"]),
            })
        };
        f.add(
            "http api",
            t.s(&b["name"]),
            json!({"protocol": t.v(&b["protocol_type"]), "route_selection": t.v(&b["route_selection_expression"]), "cors": cors, "tags": t.tags(b)}),
        );
    }
    for (n, b) in t.all("aws_apigatewayv2_stage") {
        use_("aws_apigatewayv2_stage", n);
        f.add(
            "http api stage",
            format!("{} {}", t.s(&b["api_id"]), t.s(&b["name"])),
            json!({"auto_deploy": or(&b["auto_deploy"], json!(false)), "tags": t.tags(b)}),
        );
    }
    for (n, b) in t.all("aws_apigatewayv2_route") {
        use_("aws_apigatewayv2_route", n);
        let target = b["target"].as_str().unwrap_or_default();
        let integration = match target.strip_prefix("integrations/").and_then(tf_ref) {
            Some(("aws_apigatewayv2_integration", i, "id")) => {
                match t.get("aws_apigatewayv2_integration", i) {
                    Some(ip) => {
                        use_("aws_apigatewayv2_integration", i);
                        json!({
                            "api": t.v(&ip["api_id"]),
                            "type": t.v(&ip["integration_type"]),
                            "uri": t.v(&ip["integration_uri"]),
                            "method": t.v(&ip["integration_method"]),
                            "payload_format_version": t.v(&ip["payload_format_version"]),
                        })
                    }
                    None => json!(format!("{{missing integration {i}}}")),
                }
            }
            _ => json!(format!("{{not an integration: {target}}}")),
        };
        let authorizer = match b["authorizer_id"].as_str().and_then(tf_ref) {
            Some(("aws_apigatewayv2_authorizer", a, "id")) => {
                match t.get("aws_apigatewayv2_authorizer", a) {
                    Some(ap) => {
                        use_("aws_apigatewayv2_authorizer", a);
                        let jwt = block(&ap["jwt_configuration"]);
                        json!({
                            "api": t.v(&ap["api_id"]),
                            "type": t.v(&ap["authorizer_type"]),
                            "name": t.v(&ap["name"]),
                            "identity_sources": t.v(&ap["identity_sources"]),
                            "issuer": t.v(&jwt["issuer"]),
                            "audience": t.v(&jwt["audience"]),
                        })
                    }
                    None => json!(format!("{{missing authorizer {a}}}")),
                }
            }
            _ => t.v(&b["authorizer_id"]),
        };
        f.add(
            "http route",
            format!("{} {}", t.s(&b["api_id"]), t.s(&b["route_key"])),
            json!({
                "authorization_type": or(&t.v(&b["authorization_type"]), json!("NONE")),
                "authorizer": authorizer,
                "integration": integration,
            }),
        );
    }
    for (name, o) in doc["output"].as_object().into_iter().flatten() {
        f.add(
            "output",
            output_key(name),
            // An output's description is literal text, not a template (Terraform's JSON
            // syntax: "The description string is not interpreted as a string template").
            json!({"value": t.v(&o["value"]), "description": o["description"]}),
        );
    }
    // Everything is described; every `depends_on` names a resource.
    for (ty, rs) in doc["resource"].as_object().into_iter().flatten() {
        for (n, b) in rs.as_object().into_iter().flatten() {
            if !consumed.contains(&format!("{ty}.{n}")) {
                f.problems.push(format!(
                    "resource {ty}.{n} is not part of the comparison: teach tests/terraform.rs about it"
                ));
            }
            for d in b["depends_on"].as_array().into_iter().flatten() {
                let d = d.as_str().unwrap_or_default();
                let exists = d
                    .split_once('.')
                    .is_some_and(|(dt, dn)| t.get(dt, dn).is_some());
                if !exists {
                    f.problems.push(format!(
                        "{ty}.{n}: depends_on names a missing resource {d:?}"
                    ));
                }
            }
        }
    }
    // The top level: the provider and region, the data sources the references use.
    if doc["provider"]["aws"]["region"] != json!(region) {
        f.problems.push(format!(
            "provider.aws.region is {}, the app's region is {region:?}",
            doc["provider"]["aws"]["region"]
        ));
    }
    if doc["terraform"]["required_providers"]["aws"]["source"] != json!("hashicorp/aws") {
        f.problems
            .push("terraform.required_providers.aws.source is not hashicorp/aws".into());
    }
    f.problems.extend(t.problems.into_inner());
    f
}

// --- Comparing --------------------------------------------------------------------------------

/// Where two descriptions differ, one line per difference: `path: cloudformation … ≠ terraform …`
/// (set-like lists of strings as what only one side has).
fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                diff(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y))
            if x.iter().chain(y).all(Value::is_string) && x.len() + y.len() > 2 =>
        {
            let sx: BTreeSet<&str> = x.iter().filter_map(Value::as_str).collect();
            let sy: BTreeSet<&str> = y.iter().filter_map(Value::as_str).collect();
            if sx == sy {
                out.push(format!(
                    "{path}: same items in another order: cloudformation {a} ≠ terraform {b}"
                ));
                return;
            }
            for only in sx.difference(&sy) {
                out.push(format!("{path}: only in cloudformation: {only}"));
            }
            for only in sy.difference(&sx) {
                out.push(format!("{path}: only in terraform: {only}"));
            }
        }
        _ => out.push(format!("{path}: cloudformation {a} ≠ terraform {b}")),
    }
}

/// Compares the given kinds of two descriptions, with or without the `tags` field.
fn compare(cf: &Facts, tf: &Facts, kinds: &[&str], tags: bool) -> Vec<String> {
    let mut out = Vec::new();
    let empty = BTreeMap::new();
    for kind in kinds {
        let a = cf.kinds.get(kind).unwrap_or(&empty);
        let b = tf.kinds.get(kind).unwrap_or(&empty);
        for id in a.keys().filter(|k| !b.contains_key(*k)) {
            out.push(format!("{kind} {id}: only in cloudformation"));
        }
        for id in b.keys().filter(|k| !a.contains_key(*k)) {
            out.push(format!("{kind} {id}: only in terraform"));
        }
        for (id, x) in a {
            let Some(y) = b.get(id) else { continue };
            let pick = |v: &Value| -> Value {
                match v {
                    Value::Object(o) => Value::Object(
                        o.iter()
                            .filter(|(k, _)| (k.as_str() == "tags") == tags)
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ),
                    other => other.clone(),
                }
            };
            let (x, y) = (pick(x), pick(y));
            if tags && x.as_object().is_some_and(|o| o.is_empty()) {
                continue;
            }
            diff(&format!("{kind} {id}"), &x, &y, &mut out);
        }
    }
    out
}

/// Both outputs of one project, read back.
struct Pair {
    name: String,
    region: String,
    functions: BTreeSet<String>,
    cf: Facts,
    tf: Facts,
    cf_built: Built,
    tf_built: Built,
    tf_doc: Value,
}

/// Every project built for both targets, once per test process.
fn pairs() -> &'static [Pair] {
    static PAIRS: OnceLock<Vec<Pair>> = OnceLock::new();
    PAIRS.get_or_init(|| {
        let (projects, _tmp) = projects();
        projects
            .into_iter()
            .map(|(name, dir)| {
                let opts = slsc::Options {
                    today: common::TODAY.into(),
                    ..Default::default()
                };
                let model = common::expect_clean(slsc::compile(&dir, &opts).expect("loads"));
                // Blocks renamed with `moved` keep their old (identity) names.
                let identities = model.with_identities();
                let model_ids = identities.as_ref().unwrap_or(&model);
                let functions = model_ids
                    .of_kind(slsc::model::BlockKind::Function)
                    .map(|f| model_ids.physical_name(slsc::model::BlockKind::Function, &f.name))
                    .collect();
                let cf_built = build(&dir, CF);
                let tf_built = build(&dir, TF);
                let cf_doc: Value = serde_json::from_slice(&cf_built.main).unwrap();
                let tf_doc: Value = serde_json::from_slice(&tf_built.main)
                    .unwrap_or_else(|e| panic!("{name}: main.tf.json is not JSON: {e}"));
                Pair {
                    cf: cfn_facts(&cf_doc, &model.region),
                    tf: tf_facts(&tf_doc, &model.region),
                    region: model.region.clone(),
                    functions,
                    name,
                    cf_built,
                    tf_built,
                    tf_doc,
                }
            })
            .collect()
    })
}

fn assert_equivalent(kinds: &[&str], tags: bool) {
    let mut problems = Vec::new();
    for p in pairs() {
        for d in compare(&p.cf, &p.tf, kinds, tags) {
            problems.push(format!("{}: {d}", p.name));
        }
    }
    common::fail_if_any(problems);
}

#[test]
fn both_outputs_are_read_back_completely() {
    let mut problems = Vec::new();
    for p in pairs() {
        for x in &p.cf.problems {
            problems.push(format!("{}: cloudformation: {x}", p.name));
        }
        for x in &p.tf.problems {
            problems.push(format!("{}: terraform: {x}", p.name));
        }
        // The description has the project's functions, neither more nor fewer.
        for (target, facts) in [("cloudformation", &p.cf), ("terraform", &p.tf)] {
            let got: BTreeSet<String> = facts
                .kinds
                .get("function")
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            if got != p.functions {
                problems.push(format!(
                    "{}: {target}: functions {got:?}, the project declares {:?}",
                    p.name, p.functions
                ));
            }
        }
        let _ = &p.region;
    }
    common::fail_if_any(problems);
}

#[test]
fn the_same_functions_roles_grants_and_log_groups() {
    assert_equivalent(
        &["function", "role", "log group", "async invoke config"],
        false,
    );
}

#[test]
fn the_same_event_source_mappings_permissions_subscriptions_and_schedules() {
    assert_equivalent(
        &[
            "event source mapping",
            "permission",
            "subscription",
            "schedule",
        ],
        false,
    );
}

#[test]
fn the_same_queues_tables_buckets_topics_and_alarms() {
    assert_equivalent(&["queue", "table", "bucket", "topic", "alarm"], false);
}

#[test]
fn the_same_http_api_routes_and_outputs() {
    assert_equivalent(
        &["http api", "http api stage", "http route", "output"],
        false,
    );
}

#[test]
fn the_same_tags_on_every_resource_both_targets_tag() {
    let all: Vec<&str> = pairs()
        .iter()
        .flat_map(|p| p.cf.kinds.keys().chain(p.tf.kinds.keys()).copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_equivalent(&all, true);
}

#[test]
fn the_same_artifacts_for_both_targets() {
    let mut problems = Vec::new();
    for p in pairs() {
        if p.cf_built.artifacts != p.tf_built.artifacts {
            problems.push(format!(
                "{}: artifacts differ: cloudformation {:?}, terraform {:?}",
                p.name,
                p.cf_built.artifacts.keys().collect::<Vec<_>>(),
                p.tf_built.artifacts.keys().collect::<Vec<_>>()
            ));
        }
        for x in artifact_problems(&p.tf_doc, &p.tf_built) {
            problems.push(format!("{}: {x}", p.name));
        }
    }
    common::fail_if_any(problems);
}

/// The comparison itself notices differences (a test of the test): a changed function, a
/// missing grant, an extra tag and an unknown resource are all reported.
#[test]
fn the_comparison_notices_differences() {
    let p = pairs()
        .iter()
        .find(|p| p.name == "webhooks")
        .expect("the webhooks example");
    let mut doc = p.tf_doc.clone();
    let f = &mut doc["resource"]["aws_lambda_function"]["worker"];
    f["memory_size"] = json!(2048);
    f["environment"][0]["variables"]["LOG_LEVEL"] = json!("debug");
    let pol = &mut doc["resource"]["aws_iam_role_policy"]["worker"]["policy"];
    *pol = json!(pol.as_str().unwrap().replace("\"sqs:DeleteMessage\",", ""));
    doc["resource"]["aws_sqs_queue"]["builds"]["tags"] = json!({"extra": "1"});
    doc["resource"]["aws_lambda_permission"]["incoming_hook"]["source_arn"] =
        json!("${aws_apigatewayv2_api.nope.execution_arn}/*/POST/hooks/*");
    doc["resource"]["aws_kms_key"] = json!({"k": {}});
    let tf = tf_facts(&doc, &p.region);
    let all: Vec<&str> = p.cf.kinds.keys().copied().collect();
    let d = compare(&p.cf, &tf, &all, false).join("\n");
    let tags = compare(&p.cf, &tf, &all, true).join("\n");
    let problems = tf.problems.join("\n");
    for want in [
        "function webhooks-dev-worker.memory: cloudformation 1024.0 ≠ terraform 2048.0",
        "function webhooks-dev-worker.environment.LOG_LEVEL: cloudformation \"info\" ≠ terraform \"debug\"",
        "role webhooks-dev-worker.policies.slsc.grants: only in cloudformation: Allow sqs:DeleteMessage on",
        "permission webhooks-dev-receive ← apigateway.amazonaws.com from arn:",
    ] {
        assert!(d.contains(want), "expected {want:?} in:\n{d}");
    }
    assert!(
        tags.contains(
            "queue webhooks-dev-builds.tags.extra: cloudformation null ≠ terraform \"1\""
        ),
        "{tags}"
    );
    assert!(
        problems.contains("names a missing resource aws_apigatewayv2_api.nope")
            && problems.contains("resource aws_kms_key.k is not part of the comparison"),
        "{problems}"
    );
}
