//! Explicit physical names (`name` on functions, queues, databases, buckets and topics) and
//! `tags` on every kind, in both targets: the explicit name is used by every resource, ARN,
//! IAM grant, environment value, alarm dimension and log group — the derived name appears
//! nowhere — and a block's tags are merged with the app's (the block's keys win).

mod common;

use common::build::{build, CF, TF};
use common::temp::Temp;
use serde_json::{json, Value};

const PROJECT: &str = r#"
app "shop" {
  region = "eu-west-1"
  tags   = { team = "orders", env = "shared" }
  lint   = { "missing-dead-letter" = "allow" }
}

database "users" {
  name          = "users-${app.stage}"
  partition_key = { name = "id", type = "string" }
  tags          = { env = "db" }
}

bucket "uploads" {
  name = "acme-uploads-dev"
  tags = { data = "pii" }
}

queue "jobs" {
  name = "jobs-dev.fifo"
  fifo = true
  tags = { queue = "jobs" }
}

topic "events" {
  name = "events-dev"
  tags = { topic = "events" }
}

moved {
  from = function.worker
  to   = function.processor
}

function "processor" {
  name        = "worker-dev"
  handler     = "index.worker"
  concurrency = 2
  reads       = [database.users]
}

function "api" {
  name        = "api-dev"
  handler     = "index.api"
  concurrency = 2
  writes      = [database.users, bucket.uploads]
  sends       = [queue.jobs, topic.events]
  invokes     = [function.processor]
  environment = {
    TABLE_NAME  = database.users.name
    BUCKET_NAME = bucket.uploads.name
    BUCKET_ARN  = bucket.uploads.arn
    JOBS_URL    = queue.jobs.url
    EVENTS_ARN  = topic.events.arn
  }
}

trigger "jobs" {
  function   = function.processor
  source     = queue.jobs
  batch_size = 10
}

alarm "errors_of_api" {
  watch     = function.api
  metric    = "errors"
  threshold = 1
  notify    = ["oncall@example.com"]
  tags      = { severity = "page" }
}
"#;

/// The derived names the explicit ones replace: none may appear in the output.
const DERIVED: &[&str] = &[
    "shop-dev-users",
    "shop-dev-uploads",
    "shop-dev-jobs",
    "shop-dev-events",
    "shop-dev-api",
    "shop-dev-worker",
    "shop-dev-processor",
];

fn built(target: &str) -> Value {
    let tmp = Temp::new("names");
    tmp.write("main.sls", PROJECT.as_bytes());
    tmp.write("index.js", b"exports.api = async () => ({});\n");
    let b = build(tmp.path(), target);
    serde_json::from_slice(&b.main).unwrap()
}

/// cfn-lint (with `SLSC_PYTHON`) finds nothing in the template.
#[test]
fn the_template_passes_cfn_lint() {
    let found = common::python::with_module("cfnlint");
    let Some(python) = common::python::or_skip(found, "cfn-lint") else {
        return;
    };
    let tmp = Temp::new("names-lint");
    let path = tmp.write("template.json", built(CF).to_string().as_bytes());
    let out = common::python::cfn_lint_json(&python)
        .arg(&path)
        .output()
        .expect("cfn-lint runs");
    let findings: Value = serde_json::from_slice(&out.stdout).expect("cfn-lint prints JSON");
    assert_eq!(findings, json!([]), "{findings:#}");
}

fn assert_no_derived_name(doc: &Value) {
    let text = doc.to_string();
    for d in DERIVED {
        assert!(!text.contains(d), "the derived name {d} is in the output");
    }
}

/// Every resource string of a CloudFormation role's policy, as text (`Fn::Sub` bodies).
fn cfn_policy_resources(t: &Value, role: &str) -> Vec<String> {
    let stmts = &t["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"];
    let mut out = Vec::new();
    for s in stmts.as_array().unwrap() {
        for r in s["Resource"].as_array().unwrap() {
            out.push(match r {
                Value::String(s) => s.clone(),
                other => other["Fn::Sub"].as_str().unwrap().to_string(),
            });
        }
    }
    out
}

fn cfn_tags(t: &Value, id: &str) -> Value {
    t["Resources"][id]["Properties"]["Tags"].clone()
}

#[test]
fn cloudformation_uses_the_explicit_names_everywhere() {
    let t = built(CF);
    let p = |id: &str, prop: &str| t["Resources"][id]["Properties"][prop].clone();
    assert_eq!(p("UsersTable", "TableName"), json!("users-dev"));
    // An explicit bucket name is used as written: no account id appended, no Fn::Sub.
    assert_eq!(p("UploadsBucket", "BucketName"), json!("acme-uploads-dev"));
    assert_eq!(p("JobsQueue", "QueueName"), json!("jobs-dev.fifo"));
    assert_eq!(p("EventsTopic", "TopicName"), json!("events-dev"));
    assert_eq!(p("ApiFunction", "FunctionName"), json!("api-dev"));
    assert_eq!(
        p("ApiFunctionLogGroup", "LogGroupName"),
        json!("/aws/lambda/api-dev")
    );
    // `moved` keeps the logical ID of the old name; the explicit name is the physical one.
    assert_eq!(p("WorkerFunction", "FunctionName"), json!("worker-dev"));
    let head = "arn:${AWS::Partition}";
    let regional = |svc: &str| format!("{head}:{svc}:${{AWS::Region}}:${{AWS::AccountId}}:");
    let api = cfn_policy_resources(&t, "ApiFunctionRole");
    for want in [
        format!("{}log-group:/aws/lambda/api-dev:*", regional("logs")),
        format!("{}table/users-dev", regional("dynamodb")),
        format!("{}table/users-dev/index/*", regional("dynamodb")),
        format!("{head}:s3:::acme-uploads-dev"),
        format!("{head}:s3:::acme-uploads-dev/*"),
        format!("{}jobs-dev.fifo", regional("sqs")),
        format!("{}events-dev", regional("sns")),
        format!("{}function:worker-dev", regional("lambda")),
    ] {
        assert!(api.contains(&want), "{want} not in {api:#?}");
    }
    let worker = cfn_policy_resources(&t, "WorkerFunctionRole");
    assert!(
        worker.contains(&format!("{}jobs-dev.fifo", regional("sqs"))),
        "{worker:#?}"
    );
    let env = &p("ApiFunction", "Environment")["Variables"];
    assert_eq!(env["TABLE_NAME"], json!("users-dev"));
    assert_eq!(env["BUCKET_NAME"], json!("acme-uploads-dev"));
    assert_eq!(
        env["BUCKET_ARN"],
        json!({"Fn::Sub": format!("{head}:s3:::acme-uploads-dev")})
    );
    assert_eq!(
        env["JOBS_URL"],
        json!({"Fn::Sub": "https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/jobs-dev.fifo"})
    );
    assert_eq!(
        env["EVENTS_ARN"],
        json!({"Fn::Sub": format!("{}events-dev", regional("sns"))})
    );
    assert_eq!(
        p("ErrorsOfApiAlarm", "Dimensions"),
        json!([{"Name": "FunctionName", "Value": "api-dev"}])
    );
    assert_no_derived_name(&t);
}

#[test]
fn cloudformation_merges_each_blocks_tags_with_the_apps() {
    let t = built(CF);
    let tags = |pairs: &[(&str, &str)]| -> Value {
        pairs
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect()
    };
    // Sorted by key; the block's `env` wins over the app's.
    assert_eq!(
        cfn_tags(&t, "UsersTable"),
        tags(&[("env", "db"), ("team", "orders")])
    );
    let app_and = |k: &str, v: &str| {
        let mut v = vec![("env", "shared"), (k, v), ("team", "orders")];
        v.sort();
        tags(&v)
    };
    assert_eq!(cfn_tags(&t, "UploadsBucket"), app_and("data", "pii"));
    assert_eq!(cfn_tags(&t, "JobsQueue"), app_and("queue", "jobs"));
    assert_eq!(cfn_tags(&t, "EventsTopic"), app_and("topic", "events"));
    assert_eq!(
        cfn_tags(&t, "ErrorsOfApiAlarm"),
        app_and("severity", "page")
    );
    // The alarm's notification topic is the alarm's: it carries the alarm's tags.
    assert_eq!(
        cfn_tags(&t, "ErrorsOfApiAlarmTopic"),
        app_and("severity", "page")
    );
}

#[test]
fn terraform_uses_the_explicit_names_everywhere() {
    let d = built(TF);
    let r = |ty: &str, n: &str, a: &str| d["resource"][ty][n][a].clone();
    assert_eq!(r("aws_dynamodb_table", "users", "name"), json!("users-dev"));
    assert_eq!(
        r("aws_s3_bucket", "uploads", "bucket"),
        json!("acme-uploads-dev")
    );
    assert_eq!(r("aws_sqs_queue", "jobs", "name"), json!("jobs-dev.fifo"));
    assert_eq!(r("aws_sns_topic", "events", "name"), json!("events-dev"));
    assert_eq!(
        r("aws_lambda_function", "api", "function_name"),
        json!("api-dev")
    );
    assert_eq!(
        r("aws_lambda_function", "worker", "function_name"),
        json!("worker-dev")
    );
    assert_eq!(
        r("aws_cloudwatch_log_group", "api", "name"),
        json!("/aws/lambda/api-dev")
    );
    let policy = r("aws_iam_role_policy", "api", "policy");
    let policy = policy.as_str().unwrap();
    let head = "arn:${data.aws_partition.current.partition}";
    let account = "${data.aws_caller_identity.current.account_id}";
    for want in [
        format!("{head}:logs:eu-west-1:{account}:log-group:/aws/lambda/api-dev:*"),
        format!("{head}:dynamodb:eu-west-1:{account}:table/users-dev"),
        format!("{head}:s3:::acme-uploads-dev/*"),
        format!("{head}:s3:::acme-uploads-dev\""),
        format!("{head}:sqs:eu-west-1:{account}:jobs-dev.fifo"),
        format!("{head}:sns:eu-west-1:{account}:events-dev"),
        format!("{head}:lambda:eu-west-1:{account}:function:worker-dev"),
    ] {
        assert!(policy.contains(&want), "{want} not in {policy}");
    }
    let env = &r("aws_lambda_function", "api", "environment")[0]["variables"];
    assert_eq!(env["TABLE_NAME"], json!("users-dev"));
    assert_eq!(env["BUCKET_NAME"], json!("acme-uploads-dev"));
    assert_eq!(
        env["BUCKET_ARN"],
        json!(format!("{head}:s3:::acme-uploads-dev"))
    );
    assert_eq!(
        r("aws_cloudwatch_metric_alarm", "errors_of_api", "dimensions"),
        json!({"FunctionName": "api-dev"})
    );
    assert_no_derived_name(&d);
}

#[test]
fn terraform_adds_each_blocks_tags_to_the_providers_default_tags() {
    let d = built(TF);
    assert_eq!(
        d["provider"]["aws"]["default_tags"],
        json!([{"tags": {"env": "shared", "team": "orders"}}])
    );
    let tags = |ty: &str, n: &str| d["resource"][ty][n]["tags"].clone();
    // The provider merges default_tags under a resource's own tags (which win: `env`).
    assert_eq!(tags("aws_dynamodb_table", "users"), json!({"env": "db"}));
    assert_eq!(tags("aws_s3_bucket", "uploads"), json!({"data": "pii"}));
    assert_eq!(tags("aws_sqs_queue", "jobs"), json!({"queue": "jobs"}));
    assert_eq!(tags("aws_sns_topic", "events"), json!({"topic": "events"}));
    assert_eq!(
        tags("aws_cloudwatch_metric_alarm", "errors_of_api"),
        json!({"severity": "page"})
    );
    assert_eq!(
        tags("aws_sns_topic", "errors_of_api-alarm"),
        json!({"severity": "page"})
    );
    // A function without tags of its own has none (the provider's apply).
    assert_eq!(tags("aws_lambda_function", "api"), Value::Null);
}

#[test]
fn the_explicit_names_pass_check_clean() {
    let json = common::check(PROJECT);
    assert_eq!(common::codes(&json), Vec::<String>::new(), "{json:#}");
}
