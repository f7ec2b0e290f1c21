//! The every-feature project: one project that uses every block kind, every attribute of the
//! attribute registry (`BlockKind::schema()`), every enum value (runtimes deprecated on the
//! pinned date left out), every reference kind an attribute accepts, every trigger source with
//! all of its extras, every metric of every watchable kind and every deploy-time attribute.
//!
//! The coverage is computed at run time from the compiler's own registry, and the test fails
//! listing what the project does not use: adding an attribute, an enum value or a trigger extra
//! to the compiler without adding it here fails. The project must check clean (no errors, no
//! warnings) and build. `.ci/run` lints the built templates with cfn-lint: with
//! `SLSC_EVERY_FEATURE_OUT=DIR`, the test also writes each generated project to
//! `DIR/<name>/project/` and its CloudFormation build to `DIR/<name>/cloudformation/`.
//!
//! A second, tiny project covers what one app cannot hold twice (`cors = true`), and a third
//! the nested stacks (`nested_stacks`, `data_stacks`: it is split).

mod common;

use common::temp::Temp;
use common::TODAY;
use slsc::model::runtimes::{self, Status};
use slsc::model::schema::{AttrSpec, Ty, RUNTIMES};
use slsc::model::{BlockKind, Model, Part, RefKind, TriggerSource, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// ------------------------------------------------------------------------------------------
// The generator
// ------------------------------------------------------------------------------------------

/// One file of a generated project: its path relative to the project directory, its bytes, and
/// whether it is executable.
pub struct GenFile {
    pub path: String,
    pub bytes: Vec<u8>,
    pub executable: bool,
}

fn text(path: &str, s: impl Into<String>) -> GenFile {
    GenFile {
        path: path.to_string(),
        bytes: s.into().into_bytes(),
        executable: false,
    }
}

/// A generated project: its name (used for the output directories) and files.
pub struct GenProject {
    pub name: &'static str,
    pub files: Vec<GenFile>,
}

impl GenProject {
    /// Writes the project into `dir` (created; files already there are overwritten).
    pub fn write(&self, dir: &Path) {
        for f in &self.files {
            let p = dir.join(&f.path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, &f.bytes).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = if f.executable { 0o755 } else { 0o644 };
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            }
        }
    }
}

/// Runtimes of the registry that are neither deprecated nor blocked on `today`.
pub fn supported_runtimes(today: &str) -> Vec<&'static str> {
    RUNTIMES
        .iter()
        .copied()
        .filter(|r| runtimes::status(r, today) == Status::Supported)
        .collect()
}

/// A prebuilt zip (one stored entry per file), for `artifact`.
fn zip_of(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, exec) in entries {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(if *exec { 0o755 } else { 0o644 });
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The code of a runtime family: its handler and `source = "…"` or `artifact = "…"`.
fn family_code(family: &str) -> (&'static str, &'static str, &'static str) {
    match family {
        "nodejs" => ("index.handler", "source", "src/node"),
        "python" => ("handler.handler", "source", "src/python"),
        "ruby" => ("handler.handler", "source", "src/ruby"),
        "provided" => ("bootstrap", "source", "src/provided"),
        "java" => (
            "example.Handler::handleRequest",
            "artifact",
            "dist/java.zip",
        ),
        "dotnet" => (
            "Every::Every.Function::FunctionHandler",
            "artifact",
            "dist/dotnet.zip",
        ),
        // A family this generator does not know yet: a prebuilt zip works for any runtime.
        _ => ("handler.handler", "artifact", "dist/other.zip"),
    }
}

/// A block of each referenceable kind that the every-feature project declares (used for the
/// deploy-time attributes and the alarm probes).
fn representative(kind: RefKind) -> &'static str {
    match kind {
        RefKind::Function => "api",
        RefKind::Queue => "jobs",
        RefKind::Database => "orders",
        RefKind::Bucket => "uploads",
        RefKind::Topic => "events",
        RefKind::Alarm => "function_errors",
        RefKind::Resource => "jobs_activity",
        RefKind::Stream => "clicks",
        RefKind::Layer => "shared",
    }
}

/// The (watched kind, metric) pairs the compiler accepts, found by compiling one alarm per
/// pair of the registry's `alarm.watch` kinds × `alarm.metric` values.
pub fn alarm_metric_pairs() -> Vec<(RefKind, &'static str)> {
    let schema = BlockKind::Alarm.schema();
    let spec = |n: &str| schema.iter().find(|a| a.name == n).unwrap().ty.clone();
    let Ty::Ref(kinds) = spec("watch") else {
        panic!("alarm.watch is no longer a reference: update tests/every_feature.rs")
    };
    let Ty::Enum(metrics) = spec("metric") else {
        panic!("alarm.metric is no longer an enum: update tests/every_feature.rs")
    };
    let mut pairs = Vec::new();
    for &k in kinds {
        for &m in metrics {
            let src = format!(
                "app \"p\" {{}}\n\
                 function \"x\" {{ handler = \"i.h\" }}\n\
                 queue \"x\" {{}}\n\
                 database \"x\" {{ partition_key = {{ name = \"id\", type = \"string\" }} }}\n\
                 bucket \"x\" {{}}\n\
                 topic \"x\" {{}}\n\
                 alarm \"probe\" {{\n  watch = {}.x\n  metric = \"{m}\"\n  threshold = 1\n}}\n",
                k.as_str()
            );
            let opts = slsc::Options {
                today: TODAY.into(),
                ..Default::default()
            };
            let c = slsc::compile_files(&[("main.sls", &src)], &opts).unwrap();
            if c.errors() == 0 {
                pairs.push((k, m));
            }
        }
    }
    pairs
}

fn alarm_name(kind: RefKind, metric: &str) -> String {
    format!("{}_{metric}", kind.as_str())
}

/// The every-feature project, for the runtimes supported on `today`.
pub fn every_feature_project(today: &str) -> GenProject {
    let mut files = vec![
        // -- app, inputs, renames -------------------------------------------------------------
        text(
            "app.sls",
            r#"# Generated by tests/every_feature.rs: every block kind, attribute and enum value of the
# attribute registry. Do not edit by hand; change the generator.

app "every" {
  region              = "eu-west-1"
  stage               = "ci"
  runtime             = "nodejs24.x"
  account_concurrency = 3000
  tags                = { team = var.owner, cost_center = 4821 }
  lint = {
    "missing-concurrency"   = "deny"
    "unauthenticated-route" = "deny"
    "unused-resource"       = "deny"
    "wildcard-permission"   = "warn"
    "http-timeout"          = "allow"
  }
  memory        = "256MB"
  timeout       = "10s"
  architecture  = "arm64"
  tracing       = true
  environment   = { LOG_LEVEL = "info", PAGE_SIZE = 100, DRY_RUN = false }
  log_retention = 14
  source_root   = "."
  websocket_route_selection = "$request.body.type"
  logical_ids               = { ReportsBucket = "ReportsArchiveBucket" }
  profile                   = "default"
  api_access_logs           = true
  cors = {
    origins = [local.site_origin]
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    headers = ["content-type", "authorization"]
    max_age = "1h"
  }
}

variable "owner" {
  type        = string
  default     = "platform"
  description = "the team that owns the app"
}

variable "replicas" {
  type    = number
  default = 2
}

variable "verbose" {
  type    = bool
  default = false
}

variable "oncall" {
  type    = list(string)
  default = ["oncall@example.com", "platform@example.com"]
}

variable "extra_tags" {
  type    = map(string)
  default = { tier = "backend" }
}

locals {
  prefix      = "${app.name}-${app.stage}"
  site_origin = "https://www.example.com"
  account_id  = "123456789012"
  issuer      = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
}

moved {
  from = function.legacy_api
  to   = function.api
}
"#,
        ),
        // -- the escape hatch: a raw resource slsc does not model --------------------------------
        text(
            "raw.sls",
            r#"resource "jobs_activity" {
  cloudformation = {
    type       = "AWS::StepFunctions::Activity"
    properties = { Name = "every-ci-jobs" }
  }
  terraform = {
    type      = "aws_sfn_activity"
    arguments = { name = "every-ci-jobs" }
  }
  depends_on = [queue.jobs, function.worker, database.orders, bucket.reports, topic.events, alarm.function_errors, stream.clicks, layer.shared]
}

resource "jobs_activity_name" {
  cloudformation = {
    type = "AWS::SSM::Parameter"
    properties = {
      Type  = "String"
      Value = resource.jobs_activity.id
    }
  }
  terraform = {
    type = "aws_ssm_parameter"
    arguments = {
      name  = "/every/ci/jobs-activity"
      type  = "String"
      value = resource.jobs_activity.id
    }
  }
  depends_on = [resource.jobs_activity]
}
"#,
        ),
        // -- a module instance (its blocks join the model as `billing_*`) ---------------------------
        text(
            "modules.sls",
            r#"module "billing" {
  source      = "std/queue_worker"
  handler     = "index.handler"
  code        = "src/node"
  concurrency = 2
}
"#,
        ),
        // -- data -------------------------------------------------------------------------------
        text(
            "data.sls",
            r#"queue "jobs" {
  visibility_timeout = "5m"
  retention          = "7d"
  delay              = "5s"
  dead_letter        = queue.jobs_dlq
  max_receives       = 3
  kms_key            = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  tags               = { queue = "jobs", team = "jobs-team" }
}

queue "jobs_dlq" {
  retention = "14d"
}

queue "tasks" {
  name         = "${local.prefix}-tasks.fifo"
  fifo         = true
  dead_letter  = queue.tasks_dlq
  max_receives = 5
}

queue "tasks_dlq" {
  fifo      = true
  retention = 1209600
}

queue "failures" {}

topic "events" {
  fifo      = false
  encrypted = true
}

topic "audit" {
  name = "every-audit-${app.stage}.fifo"
  fifo    = true
  kms_key = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  tags    = { retention = "7y" }
}

topic "alerts" {
  encrypted = false # published by Lambda only: could be encrypted; covers `false`
}

database "users" {
  name           = "every-users-${app.stage}"
  partition_key  = { name = "user_id", type = "string" }
  sort_key       = { name = "created_at", type = "number" }
  billing        = "provisioned"
  read_capacity  = 5
  write_capacity = 2
  stream         = "new_image"
  ttl            = "expires_at"
  indexes = {
    by_email = {
      partition_key = { name = "email", type = "string" }
      projection    = "keys_only"
    }
    by_day = {
      partition_key = { name = "day", type = "string" }
      sort_key      = { name = "created_at", type = "number" }
      projection    = "all"
    }
  }
  point_in_time_recovery = true
  retain                 = true
  tags                   = { data = "personal" }
}

layer "shared" {
  source                   = "src/node"
  exclude                  = ["*.md"]
  include                  = [".config/**"]
  compatible_runtimes      = ["nodejs22.x", "nodejs24.x"]
  compatible_architectures = ["x86_64", "arm64"]
  description              = "utilities shared by the Node.js functions"
}

stream "clicks" {
  shards    = 2
  retention = "48h"
  encrypted = true
  kms_key   = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  retain    = true
}

stream "audit_log" {
  encrypted = false
  tags      = { retention = "short" }
}

database "orders" {
  partition_key          = { name = "order_id", type = "string" }
  billing                = "on_demand"
  stream                 = "new_and_old_images"
  point_in_time_recovery = false
  retain                 = false
}

database "ledger" {
  partition_key = { name = "entry", type = "binary" }
  stream        = "keys_only"
}

database "archive" {
  partition_key = { name = "id", type = "number" }
  stream        = "old_image"
  kms_key       = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  indexes = {
    by_owner = {
      partition_key = { name = "owner", type = "string" }
    }
  }
}

bucket "uploads" {
  versioning         = true
  keep_versions      = "90d"
  retain             = false
  kms_key            = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  access_logs_bucket = "every-access-logs-123456789012"
}

bucket "reports" {
  name       = "every-${app.stage}-reports-123456789012"
  versioning = false
  retain     = true
  tags       = { data = "reports" }
}
"#,
        ),
        // -- functions ----------------------------------------------------------------------------
        text(
            "functions.sls",
            r#"function "api" {
  description  = "the HTTP API: every grant, a VPC, layers and extra permissions"
  handler      = "index.handler"
  source       = "src/node"
  runtime      = "nodejs24.x"
  memory       = 512
  timeout      = "20s"
  concurrency  = var.replicas * 5
  architecture = "x86_64"
  tracing      = false
  retries      = 1
  recursion    = "terminate"
  reads        = [database.users, database.archive, bucket.reports, prefix(bucket.uploads, "public/")]
  writes       = [database.orders, prefix(bucket.uploads, "public/")]
  sends        = [queue.jobs, queue.tasks, topic.events, topic.audit, stream.clicks, stream.audit_log]
  invokes      = [function.worker]
  on_failure   = queue.failures
  kms_key      = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  code_signing_config = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0a1b2c3d4e5f60718"
  layers       = ["arn:aws:lambda:eu-west-1:123456789012:layer:shared-utils:3", layer.shared]
  permissions = [{
    actions   = ["ses:SendEmail", "ses:SendRawEmail"]
    resources = ["arn:aws:ses:eu-west-1:${local.account_id}:identity/example.com"]
    }, {
    actions   = ["kinesis:SubscribeToShard"]
    resources = ["arn:${aws.partition}:kinesis:${aws.region}:${aws.account_id}:stream/every-events"]
    }, {
    actions   = ["states:GetActivityTask"]
    resources = [resource.jobs_activity.arn]
  }]
  vpc = {
    subnet_ids         = ["subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719"]
    security_group_ids = ["sg-0a1b2c3d4e5f60718"]
  }
  environment = {
    JOBS_URL        = queue.jobs.url
    ORDERS_TABLE    = database.orders.name
    API_BASE        = "${http.url}v1/"
    DB_PASSWORD     = secret("every/db-password")
    API_TOKEN_PARAM = ssm("/every/api-token")
    REPLICAS        = var.replicas
    VERBOSE         = var.verbose
    PREFIX          = local.prefix
    KINESIS_HOST    = "kinesis.${aws.region}.${aws.url_suffix}"
    JOBS_ACTIVITY   = resource.jobs_activity.id
  }
  tags = merge(var.extra_tags, { component = "api" })
}

function "worker" {
  name        = "every-worker-${app.stage}"
  handler     = "handler.handler"
  source      = "src/python"
  runtime     = "python3.13"
  memory      = "1GB"
  timeout     = 30
  concurrency = 10
  recursion   = "allow"
  on_failure  = topic.alerts
  retries     = 0
}

function "tasker" {
  handler     = "handler.handler"
  source      = "src/python"
  runtime     = "python3.13"
  concurrency = 2
}

function "streamer" {
  handler     = "index.handler"
  source      = "src/node"
  concurrency = 2
}

function "uploader" {
  handler     = "handler.handler"
  source      = "src/ruby"
  exclude     = ["*.md", "spec/**"]
  include     = [".keep"]
  runtime     = "ruby3.4"
  timeout     = "1m"
  concurrency = 4
  reads       = [prefix(bucket.uploads, "incoming/")]
  writes      = [bucket.reports]
  dead_letter = queue.failures
}

function "subscriber" {
  handler     = "index.handler"
  source      = "src/node"
  concurrency = 2
  dead_letter = topic.alerts
}

function "chat" {
  description         = "the WebSocket API: answers connected clients"
  handler             = "index.handler"
  source              = "src/node"
  concurrency         = 2
  manages_connections = true
  environment = {
    CALLBACK_URL = websocket.endpoint
    PUBLIC_URL   = "${websocket.url}?v=1"
  }
}

function "scheduler" {
  handler     = "example.Handler::handleRequest"
  artifact    = "dist/java.zip"
  runtime     = "java21"
  memory      = 1024
  timeout     = "2m"
  concurrency = 1
  on_failure  = queue.failures
}

function "pager" {
  handler     = "bootstrap"
  source      = "src/provided"
  runtime     = "provided.al2023"
  concurrency = 1
  dead_letter = queue.failures
}
"#,
        ),
        // -- triggers ------------------------------------------------------------------------------
        text(
            "triggers.sls",
            r#"trigger "health" {
  function = function.api
  http     = "GET /health"
  auth     = "none"
}

trigger "admin" {
  function = function.api
  http     = "POST /admin/{id}"
  auth     = "iam"
}

trigger "v1" {
  function = function.api
  http     = "ANY /v1/{proxy+}"
  auth     = "jwt"
  jwt = {
    issuer   = local.issuer
    audience = ["4s1n2ngclientid0example0"]
  }
}

trigger "item_put" {
  function = function.api
  http     = "PUT /items/{id}"
  auth     = "iam"
}

trigger "item_patch" {
  function = function.api
  http     = "PATCH /items/{id}"
  auth     = "iam"
}

trigger "item_delete" {
  function = function.api
  http     = "DELETE /items/{id}"
  auth     = "iam"
}

trigger "items_head" {
  function = function.api
  http     = "HEAD /items"
  auth     = "none"
}

trigger "items_options" {
  function = function.api
  http     = "OPTIONS /items"
  auth     = "none"
}

trigger "fallback" {
  function = function.api
  http     = "$default"
  auth     = "lambda"
  authorizer = {
    function         = function.worker
    identity         = ["$request.header.Authorization", "$request.querystring.key"]
    ttl              = "5m"
    simple_responses = false
  }
}

trigger "chat_connect" {
  function   = function.chat
  websocket  = "$connect"
  auth       = "lambda"
  authorizer = { function = function.worker, identity = ["route.request.querystring.token"] }
}

trigger "chat_disconnect" {
  function  = function.chat
  websocket = "$disconnect"
  auth      = "none"
}

trigger "chat_message" {
  function  = function.chat
  websocket = "sendMessage"
}

trigger "chat_default" {
  function  = function.chat
  websocket = "$default"
}

trigger "chat_ping" {
  function  = function.chat
  websocket = "ping"
}

trigger "nightly" {
  function = function.scheduler
  schedule = "cron(0 3 * * ? *)"
  input = {
    report = "nightly"
    limit  = 100
    full   = true
    days   = [1, 7, 30]
    filter = { region = "eu" }
  }
}

trigger "every_5m" {
  function = function.scheduler
  schedule = "rate(5 minutes)"
}

trigger "job_queue" {
  function         = function.worker
  source           = queue.jobs
  batch_size       = 20
  batch_window     = "30s"
  max_concurrency  = 5
  partial_failures = true
}

trigger "task_queue" {
  function         = function.tasker
  source           = queue.tasks
  batch_size       = 10
  partial_failures = false
}

trigger "order_stream" {
  function          = function.streamer
  source            = database.orders
  batch_size        = 50
  batch_window      = "10s"
  starting_position = "trim_horizon"
  retries           = 3
  on_failure        = queue.failures
}

trigger "click_stream" {
  function          = function.streamer
  source            = stream.clicks
  batch_size        = 500
  batch_window      = "5s"
  starting_position = "trim_horizon"
  retries           = 2
  parallelization   = 4
  on_failure        = queue.failures
}

trigger "ledger_stream" {
  function          = function.streamer
  source            = database.ledger
  starting_position = "latest"
  retries           = 5
  batch_size        = 100
  batch_window      = 0
  on_failure        = topic.alerts
}

trigger "new_upload" {
  function = function.uploader
  source   = bucket.uploads
  events   = ["created", "removed"]
  prefix   = "incoming/"
  suffix   = ".jpg"
}

trigger "event_fanout" {
  function = function.subscriber
  source   = topic.events
  filter   = { kind = ["order", "refund"], region = ["eu"] }
}

trigger "paged" {
  function = function.pager
  source   = alarm.function_errors
}
"#,
        ),
    ];

    // -- alarms: one per metric of each watchable kind (probed from the compiler) --------------
    let mut alarms = String::new();
    for (kind, metric) in alarm_metric_pairs() {
        let target = match kind {
            RefKind::Function => "worker",
            RefKind::Queue => "jobs_dlq",
            RefKind::Database => "orders",
            other => representative(other),
        };
        let threshold = if metric == "duration" { "1500.5" } else { "1" };
        writeln!(
            alarms,
            "alarm \"{}\" {{\n  watch              = {}.{target}\n  metric             = \"{metric}\"\n  threshold          = {threshold}\n  period             = \"5m\"\n  evaluation_periods = 2\n  notify             = var.oncall\n  kms_key            = \"arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b\"\n  tags               = {{ severity = \"page\" }}\n}}\n",
            alarm_name(kind, metric),
            kind.as_str()
        )
        .unwrap();
    }
    files.push(text("alarms.sls", alarms));

    // -- one function per supported runtime ---------------------------------------------------
    let mut rts = String::new();
    for rt in supported_runtimes(today) {
        let family = runtimes::lifecycle(rt)
            .map(|l| l.family.as_str())
            .unwrap_or("");
        let (handler, key, path) = family_code(family);
        let name = format!("rt_{}", rt.replace(['.', '-'], "_"));
        writeln!(
            rts,
            "function \"{name}\" {{\n  handler     = \"{handler}\"\n  {key:<11} = \"{path}\"\n  runtime     = \"{rt}\"\n  concurrency = 1\n}}\n"
        )
        .unwrap();
    }
    files.push(text("runtimes.sls", rts));

    // -- outputs: every deploy-time attribute, http.url and compile-time values ---------------
    let mut outputs = String::from(
        "output \"api_url\" {\n  value       = http.url\n  description = \"the shared HTTP API's URL\"\n}\n\noutput \"prefix\" {\n  value = local.prefix\n}\n\noutput \"health_url\" {\n  value = \"${http.url}health\"\n}\n\n",
    );
    // Compile-time reads: app.region, file() and templatefile() (with %{ for } and %{ if }).
    outputs.push_str(
        "output \"region\" {\n  value = app.region\n}\n\noutput \"order_schema\" {\n  value = file(\"schemas/order.json\")\n}\n\noutput \"greeting\" {\n  value = templatefile(\"templates/greeting.tpl\", { app = app.name, stage = app.stage, regions = [app.region], loud = true })\n}\n\n",
    );
    for kind in RefKind::ALL {
        for attr in kind.deploy_attrs() {
            writeln!(
                outputs,
                "output \"{k}_{attr}\" {{\n  value       = {k}.{n}.{attr}\n  description = \"{attr} of {k}.{n}\"\n}}\n",
                k = kind.as_str(),
                n = representative(kind)
            )
            .unwrap();
        }
    }
    files.push(text("outputs.sls", outputs));

    // -- files read at compile time ---------------------------------------------------------------
    files.push(text(
        "schemas/order.json",
        "{\"type\": \"object\", \"required\": [\"id\"]}\n",
    ));
    files.push(text(
        "templates/greeting.tpl",
        "Hello from ${app} (${stage})%{ for r in regions } in ${r}%{ endfor }%{ if loud }!%{ endif }",
    ));

    // -- code -----------------------------------------------------------------------------------
    files.push(text(
        "src/node/index.mjs",
        "export const handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) });\n",
    ));
    files.push(text(
        "src/python/handler.py",
        "def handler(event, context):\n    return {\"ok\": True}\n",
    ));
    files.push(text(
        "src/ruby/handler.rb",
        "def handler(event:, context:)\n  { ok: true }\nend\n",
    ));
    files.push(GenFile {
        path: "src/provided/bootstrap".into(),
        bytes: b"#!/bin/sh\nset -eu\necho ok\n".to_vec(),
        executable: true,
    });
    files.push(GenFile {
        path: "dist/java.zip".into(),
        bytes: zip_of(&[("example/Handler.class", b"\xca\xfe\xba\xbe", false)]),
        executable: false,
    });
    files.push(GenFile {
        path: "dist/dotnet.zip".into(),
        bytes: zip_of(&[("Every.dll", b"MZ", false)]),
        executable: false,
    });
    files.push(GenFile {
        path: "dist/other.zip".into(),
        bytes: zip_of(&[("handler", b"#!/bin/sh\n", true)]),
        executable: false,
    });
    GenProject {
        name: "every_feature",
        files,
    }
}

/// The tiny project for what one app cannot hold twice: `cors = true`.
pub fn cors_true_project() -> GenProject {
    GenProject {
        name: "cors_true",
        files: vec![
            text(
                "app.sls",
                r#"# Generated by tests/every_feature.rs: `cors = true` (the every-feature project uses the
# object form).

app "cors" {
  cors            = true
  api_access_logs = false
}

function "hello" {
  handler     = "index.handler"
  source      = "src"
  concurrency = 1
}

trigger "hello_get" {
  function = function.hello
  http     = "GET /hello"
  auth     = "iam"
}

trigger "hello_post" {
  function = function.hello
  http     = "POST /hello"
  auth     = "iam"
}
"#,
            ),
            text(
                "src/index.mjs",
                "export const handler = async () => ({ statusCode: 200 });\n",
            ),
        ],
    }
}

/// The tiny project split into nested stacks (`nested_stacks`, `data_stacks`): the other two
/// stay one template (the cross-target comparisons read one).
pub fn nested_project() -> GenProject {
    GenProject {
        name: "nested",
        files: vec![
            text(
                "app.sls",
                r#"# Generated by tests/every_feature.rs: an application split into nested stacks.

app "nested" {
  nested_stacks = 2
  data_stacks   = 1
}

queue "jobs" {
  dead_letter = queue.jobs_failed
}

queue "jobs_failed" {}

function "producer" {
  handler     = "index.handler"
  source      = "src"
  concurrency = 1
  sends       = [queue.jobs]
}

function "consumer" {
  handler     = "index.handler"
  source      = "src"
  concurrency = 1
}

trigger "jobs" {
  function = function.consumer
  source   = queue.jobs
}

trigger "produce" {
  function = function.producer
  http     = "POST /jobs"
  auth     = "iam"
}
"#,
            ),
            text(
                "src/index.mjs",
                "export const handler = async () => ({ statusCode: 200 });\n",
            ),
        ],
    }
}

/// A small application under the strict profile (model/profile.rs): what it requires at the
/// app, inherited by every block; checkov scans it in CI (docs/checkov.md).
pub fn strict_project() -> GenProject {
    GenProject {
        name: "strict",
        files: vec![
            text(
                "app.sls",
                r#"# Generated by tests/every_feature.rs: the strict profile.

app "payments" {
  region              = "eu-west-1"
  profile             = "strict"
  kms_key             = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
  code_signing_config = "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0a1b2c3d4e5f60718"
  access_logs_bucket  = "payments-access-logs-123456789012"
  vpc = {
    subnet_ids         = ["subnet-0a1b2c3d4e5f60718", "subnet-0a1b2c3d4e5f60719"]
    security_group_ids = ["sg-0a1b2c3d4e5f60718"]
  }
}

database "payments" {
  partition_key = { name = "payment_id", type = "string" }
  stream        = "new_image"
}

bucket "receipts" {}

queue "settle" {
  dead_letter = queue.settle_failed
}

queue "settle_failed" {
  retention = "14d"
}

queue "async_failed" {
  retention = "14d"
}

topic "settled" {}

stream "ledger" {}

function "api" {
  handler     = "index.handler"
  source      = "src"
  concurrency = 5
  writes      = [database.payments]
  sends       = [queue.settle]
  environment = { TABLE = database.payments.name }
}

function "settler" {
  handler     = "index.handler"
  source      = "src"
  concurrency = 2
  reads       = [database.payments]
  sends       = [topic.settled, stream.ledger]
}

function "receipt" {
  handler     = "index.handler"
  source      = "src"
  concurrency = 2
  writes      = [prefix(bucket.receipts, "pdf/")]
  dead_letter = queue.async_failed
}

function "auditor" {
  handler     = "index.handler"
  source      = "src"
  concurrency = 1
  on_failure  = queue.async_failed
}

trigger "pay" {
  function = function.api
  http     = "POST /payments"
  auth     = "iam"
}

trigger "settle" {
  function = function.settler
  source   = queue.settle
}

trigger "on_settled" {
  function = function.receipt
  source   = topic.settled
}

trigger "ledger" {
  function          = function.auditor
  source            = stream.ledger
  starting_position = "trim_horizon"
  on_failure        = queue.async_failed
}
"#,
            ),
            text(
                "src/index.mjs",
                "export const handler = async () => ({ statusCode: 200 });\n",
            ),
        ],
    }
}

// ------------------------------------------------------------------------------------------
// Coverage: what the registry has, what the projects use
// ------------------------------------------------------------------------------------------

/// Something the registry has that a project must use, with a readable name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    /// A block kind (at least one block of it).
    Kind(&'static str),
    /// An attribute (or a field of an object attribute), by path: `function.vpc.subnet_ids`.
    Attr(String),
    /// A value of an enum, anywhere that enum is accepted. `(declared at, value)`.
    EnumValue(String, String),
    /// A reference kind accepted by an attribute. `(path, kind)`; kind `prefix()` for the
    /// narrowed-bucket form.
    RefKind(String, String),
    /// A form of the `cors` attribute (`true`, `false`, `object`).
    CorsForm(String, &'static str),
    /// A trigger source kind, and each extra it allows.
    TriggerSource(&'static str),
    TriggerExtra(&'static str, &'static str),
    /// A metric of a watched kind.
    AlarmMetric(&'static str, &'static str),
    /// A deploy-time attribute (`queue.url`), `http.url`, `secret()`, `ssm()`.
    Deploy(String),
}

impl std::fmt::Display for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Need::Kind(k) => write!(f, "block kind `{k}`"),
            Need::Attr(p) => write!(f, "attribute `{p}`"),
            Need::EnumValue(at, v) => write!(f, "enum value \"{v}\" of `{at}`"),
            Need::RefKind(p, k) => write!(f, "`{p}` referring to a {k}"),
            Need::CorsForm(p, form) => write!(f, "`{p}` written as {form}"),
            Need::TriggerSource(s) => write!(f, "a {s} trigger"),
            Need::TriggerExtra(s, e) => write!(f, "`{e}` on a {s} trigger"),
            Need::AlarmMetric(k, m) => write!(f, "an alarm on a {k} with metric \"{m}\""),
            Need::Deploy(d) => write!(f, "deploy-time value `{d}`"),
        }
    }
}

/// Identifies an enum by its values (the same enum may be accepted at several places, e.g. the
/// runtime at `app.runtime` and `function.runtime`: a value counts wherever it is used).
fn enum_id(values: &[&str]) -> String {
    values.join("|")
}

/// The keys of the CORS object, from the compiler itself (its message for an unknown key).
fn cors_keys() -> Vec<String> {
    let opts = slsc::Options {
        today: TODAY.into(),
        ..Default::default()
    };
    let src = "app \"p\" {\n  cors = { zz_not_a_key = 1 }\n}\n";
    let c = slsc::compile_files(&[("main.sls", src)], &opts).unwrap();
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == "unknown-attribute")
        .expect("an unknown key in `cors` is reported");
    let expected = d
        .message
        .split_once("expected")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("cannot read the cors keys from: {}", d.message));
    let keys: Vec<String> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect();
    assert!(
        !keys.is_empty(),
        "cannot read the cors keys from: {}",
        d.message
    );
    keys
}

/// Every trigger source kind the registry allows, with a value to ask for its extras.
fn trigger_sources() -> Vec<TriggerSource> {
    let schema = BlockKind::Trigger.schema();
    let mut out = Vec::new();
    for a in schema {
        match (a.name, &a.ty) {
            ("http", _) => out.push(TriggerSource::Http {
                method: "GET".into(),
                path: "/".into(),
            }),
            ("websocket", _) => out.push(TriggerSource::Websocket(String::new())),
            ("schedule", _) => out.push(TriggerSource::Schedule(String::new())),
            ("source", Ty::Ref(kinds)) => {
                for k in *kinds {
                    out.push(match k {
                        RefKind::Queue => TriggerSource::Queue(String::new()),
                        RefKind::Database => TriggerSource::Database(String::new()),
                        RefKind::Stream => TriggerSource::Stream(String::new()),
                        RefKind::Bucket => TriggerSource::Bucket(String::new()),
                        RefKind::Topic => TriggerSource::Topic(String::new()),
                        RefKind::Alarm => TriggerSource::Alarm(String::new()),
                        RefKind::Function | RefKind::Resource | RefKind::Layer => {
                            panic!(
                                "a trigger source of kind {}: update tests/every_feature.rs",
                                k.as_str()
                            )
                        }
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// Everything the registry has, for the runtimes supported on `today`.
fn needs(today: &str) -> BTreeSet<Need> {
    let mut out = BTreeSet::new();
    let supported = supported_runtimes(today);
    let cors = cors_keys();
    fn walk(path: &str, ty: &Ty, out: &mut BTreeSet<Need>, supported: &[&str], cors: &[String]) {
        out.insert(Need::Attr(path.to_string()));
        match ty {
            Ty::Enum(values) => {
                for v in values.iter() {
                    let is_runtime = *values == RUNTIMES;
                    if is_runtime && !supported.contains(v) {
                        continue; // deprecated on the pinned date: left out
                    }
                    out.insert(Need::EnumValue(enum_id(values), v.to_string()));
                }
            }
            Ty::List(inner) | Ty::Map(inner) => walk(path, inner, out, supported, cors),
            Ty::Object(fields) => {
                for f in fields {
                    walk(&format!("{path}.{}", f.name), &f.ty, out, supported, cors);
                }
            }
            Ty::Ref(kinds) => {
                for k in kinds.iter() {
                    out.insert(Need::RefKind(path.to_string(), k.as_str().to_string()));
                }
            }
            Ty::RefOrPrefix(kinds) => {
                for k in kinds.iter() {
                    out.insert(Need::RefKind(path.to_string(), k.as_str().to_string()));
                }
                out.insert(Need::RefKind(path.to_string(), "prefix()".to_string()));
            }
            Ty::Cors => {
                out.insert(Need::CorsForm(path.to_string(), "true"));
                out.insert(Need::CorsForm(path.to_string(), "an object"));
                for k in cors {
                    out.insert(Need::Attr(format!("{path}.{k}")));
                }
            }
            _ => {}
        }
    }
    for kind in BlockKind::ALL {
        out.insert(Need::Kind(kind.as_str()));
        for spec in kind.schema() {
            walk(
                &format!("{}.{}", kind.as_str(), spec.name),
                &spec.ty,
                &mut out,
                &supported,
                &cors,
            );
        }
    }
    for src in trigger_sources() {
        out.insert(Need::TriggerSource(src.kind_name()));
        for e in src.extras() {
            out.insert(Need::TriggerExtra(src.kind_name(), e));
        }
    }
    for (k, m) in alarm_metric_pairs() {
        out.insert(Need::AlarmMetric(k.as_str(), m));
    }
    for k in RefKind::ALL {
        for a in k.deploy_attrs() {
            out.insert(Need::Deploy(format!("{}.{a}", k.as_str())));
        }
    }
    for d in [
        "http.url",
        "websocket.url",
        "websocket.endpoint",
        "secret()",
        "ssm()",
    ] {
        out.insert(Need::Deploy(d.to_string()));
    }
    for a in slsc::model::AwsValue::ALL {
        out.insert(Need::Deploy(format!("aws.{}", a.name())));
    }
    out
}

/// Enum values are recorded by enum identity; map them back to where the enum is declared (for
/// readable messages).
fn enum_sites() -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    fn walk(path: &str, ty: &Ty, out: &mut BTreeMap<String, Vec<String>>) {
        match ty {
            Ty::Enum(values) => out
                .entry(enum_id(values))
                .or_default()
                .push(path.to_string()),
            Ty::List(inner) | Ty::Map(inner) => walk(path, inner, out),
            Ty::Object(fields) => {
                for f in fields {
                    walk(&format!("{path}.{}", f.name), &f.ty, out);
                }
            }
            _ => {}
        }
    }
    for kind in BlockKind::ALL {
        for spec in kind.schema() {
            walk(
                &format!("{}.{}", kind.as_str(), spec.name),
                &spec.ty,
                &mut out,
            );
        }
    }
    out
}

/// Records what a compiled project uses.
fn uses(c: &slsc::Compilation, out: &mut BTreeSet<Need>) {
    // Block kinds, from the syntax (variables, locals and moved blocks leave no block in the
    // model).
    for file in 0..c.sources.len() {
        let Ok(body) = hcl_edit::parser::parse_body(c.sources.text(file as u32)) else {
            continue;
        };
        for st in body.iter() {
            if let hcl_edit::structure::Structure::Block(b) = st {
                if let Some(k) = BlockKind::parse(b.ident.value().as_str()) {
                    out.insert(Need::Kind(k.as_str()));
                }
            }
        }
    }
    let model: &Model = c.model.as_ref().expect("the project has a model");

    fn deploy_parts(v: &Value, out: &mut BTreeSet<Need>) {
        match v {
            Value::Deploy(parts) => {
                for p in parts {
                    let d = match p {
                        Part::Attr(a, attr) => format!("{}.{attr}", a.kind.as_str()),
                        Part::HttpUrl => "http.url".into(),
                        Part::WebsocketUrl => "websocket.url".into(),
                        Part::WebsocketEndpoint => "websocket.endpoint".into(),
                        Part::Secret(_) => "secret()".into(),
                        Part::Ssm(_) => "ssm()".into(),
                        Part::Aws(a) => format!("aws.{}", a.name()),
                        Part::Lit(_) => continue,
                    };
                    out.insert(Need::Deploy(d));
                }
            }
            Value::List(l) => l.iter().for_each(|x| deploy_parts(x, out)),
            Value::Object(o) => o.values().for_each(|x| deploy_parts(x, out)),
            _ => {}
        }
    }

    fn see(path: &str, ty: &Ty, v: &Value, out: &mut BTreeSet<Need>) {
        if matches!(v, Value::Null) {
            return;
        }
        out.insert(Need::Attr(path.to_string()));
        deploy_parts(v, out);
        match (ty, v) {
            (Ty::Enum(values), Value::String(s)) => {
                out.insert(Need::EnumValue(enum_id(values), s.clone()));
            }
            (Ty::List(inner), Value::List(items)) => {
                for i in items {
                    see(path, inner, i, out);
                }
            }
            (Ty::Map(inner), Value::Object(o)) => {
                for i in o.values() {
                    see(path, inner, i, out);
                }
            }
            (Ty::Object(fields), Value::Object(o)) => {
                for (k, x) in o {
                    if let Some(f) = fields.iter().find(|f| f.name == k) {
                        see(&format!("{path}.{k}"), &f.ty, x, out);
                    }
                }
            }
            (Ty::Ref(_) | Ty::RefOrPrefix(_), Value::Ref(a)) => {
                out.insert(Need::RefKind(path.to_string(), a.kind.as_str().to_string()));
            }
            (Ty::RefOrPrefix(_), Value::Prefix(a, _)) => {
                out.insert(Need::RefKind(path.to_string(), a.kind.as_str().to_string()));
                out.insert(Need::RefKind(path.to_string(), "prefix()".to_string()));
            }
            (Ty::Cors, Value::Bool(b)) => {
                out.insert(Need::CorsForm(
                    path.to_string(),
                    if *b { "true" } else { "false" },
                ));
            }
            (Ty::Cors, Value::Object(o)) => {
                out.insert(Need::CorsForm(path.to_string(), "an object"));
                for k in o.keys() {
                    out.insert(Need::Attr(format!("{path}.{k}")));
                }
            }
            _ => {}
        }
    }

    let schema_of = |kind: BlockKind, name: &str| -> Option<&'static AttrSpec> {
        kind.schema().iter().find(|a| a.name == name)
    };
    let blocks = std::iter::once(&model.app).chain(model.blocks.iter());
    for b in blocks {
        for (name, a) in &b.attrs {
            if a.defaulted {
                continue; // defaults and inherited app values are not written here
            }
            let Some(spec) = schema_of(b.kind, name) else {
                continue;
            };
            see(
                &format!("{}.{name}", b.kind.as_str()),
                &spec.ty,
                &a.value,
                out,
            );
        }
    }
    // Trigger sources and their extras.
    for t in model.of_kind(BlockKind::Trigger) {
        let Some(src) = model.trigger_sources.get(&t.name) else {
            continue;
        };
        let kind = src.kind_name();
        out.insert(Need::TriggerSource(kind));
        for e in src.extras() {
            if t.is_set(e) {
                out.insert(Need::TriggerExtra(kind, e));
            }
        }
    }
    // Alarm metrics per watched kind (the registry's 'static strings).
    let metrics: &'static [&'static str] =
        match schema_of(BlockKind::Alarm, "metric").map(|s| &s.ty) {
            Some(Ty::Enum(values)) => values,
            _ => &[],
        };
    for a in model.of_kind(BlockKind::Alarm) {
        if let (Some(w), Some(m)) = (a.reference("watch"), a.str("metric")) {
            if let Some(m) = metrics.iter().find(|x| **x == m) {
                out.insert(Need::AlarmMetric(w.kind.as_str(), m));
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// Driving the projects
// ------------------------------------------------------------------------------------------

/// Where a project is written and built: under `SLSC_EVERY_FEATURE_OUT` when set (kept for
/// `.ci/run`), else in a scratch directory.
fn workdir(name: &str) -> (PathBuf, Option<Temp>) {
    match std::env::var_os("SLSC_EVERY_FEATURE_OUT") {
        Some(out) if !out.is_empty() => {
            let dir = PathBuf::from(out).join(name);
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            (dir, None)
        }
        _ => {
            let t = Temp::new(name);
            (t.path().to_path_buf(), Some(t))
        }
    }
}

/// Writes, compiles (must be clean: no errors, no warnings), and builds a project. Returns the
/// compilation and the template.
fn check_and_build(p: &GenProject) -> (slsc::Compilation, serde_json::Value) {
    let (dir, _guard) = workdir(p.name);
    let project = dir.join("project");
    p.write(&project);
    let opts = slsc::Options {
        today: TODAY.into(),
        ..Default::default()
    };
    let c = slsc::compile(&project, &opts).expect("the generated project loads");
    let notes_only = c
        .diagnostics
        .iter()
        .all(|d| d.severity == slsc::diagnostics::Severity::Note);
    assert!(
        notes_only,
        "the {} project must check clean, got:\n{}",
        p.name,
        slsc::diagnostics::render_human(&c.diagnostics, &c.sources, false)
    );
    let out = dir.join("cloudformation");
    let r = common::slsc(
        &[
            "build",
            project.to_str().unwrap(),
            "--target",
            "cloudformation",
            "--out",
            out.to_str().unwrap(),
        ],
        common::root(),
    );
    assert!(
        r.status.success(),
        "slsc build of the {} project failed:\n{}",
        p.name,
        String::from_utf8_lossy(&r.stderr)
    );
    let template: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("template.json")).unwrap()).unwrap();
    (c, template)
}

fn resource_types(t: &serde_json::Value) -> BTreeSet<String> {
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|r| r["Type"].as_str().map(String::from))
        .collect()
}

#[test]
fn the_every_feature_project_uses_every_attribute_and_value_of_the_registry() {
    let projects = [
        every_feature_project(TODAY),
        cors_true_project(),
        nested_project(),
        strict_project(),
    ];
    let mut used = BTreeSet::new();
    let mut types = BTreeSet::new();
    for (i, p) in projects.iter().enumerate() {
        let (c, template) = check_and_build(p);
        uses(&c, &mut used);
        types.extend(resource_types(&template));
        if i == 0 {
            check_grants(&c, &template);
        }
    }
    let sites = enum_sites();
    let missing: Vec<String> = needs(TODAY)
        .difference(&used)
        .map(|n| match n {
            Need::EnumValue(id, v) => format!(
                "enum value \"{v}\" of `{}`",
                sites.get(id).map(|s| s.join("` / `")).unwrap_or_default()
            ),
            other => other.to_string(),
        })
        .collect();
    assert!(
        missing.is_empty(),
        "the every-feature project (tests/every_feature.rs) does not use:\n  - {}\n\
         add them to the generator",
        missing.join("\n  - ")
    );
    // The build emits every kind of resource the emitter knows.
    for ty in [
        "AWS::Lambda::Function",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Lambda::Permission",
        "AWS::IAM::Role",
        "AWS::Logs::LogGroup",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::SNS::Subscription",
        "AWS::DynamoDB::Table",
        "AWS::S3::Bucket",
        "AWS::CloudWatch::Alarm",
        "AWS::Events::Rule",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Authorizer",
    ] {
        assert!(types.contains(ty), "no {ty} in the built templates");
    }
}

/// The IAM actions a template's roles are granted, minus the user `permissions` (emitted as
/// written).
fn generated_actions(t: &serde_json::Value, user: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for r in t["Resources"].as_object().unwrap().values() {
        if r["Type"] != "AWS::IAM::Role" {
            continue;
        }
        for p in r["Properties"]["Policies"].as_array().into_iter().flatten() {
            for st in p["PolicyDocument"]["Statement"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let actions = match &st["Action"] {
                    serde_json::Value::String(a) => vec![a.clone()],
                    serde_json::Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect(),
                    _ => vec![],
                };
                out.extend(actions.into_iter().filter(|a| !user.contains(a)));
            }
        }
    }
    out
}

/// Every action the roles get is in the grant table (tests/iam_actions.rs checks the table
/// against AWS's action list; this makes sure the table is all the emitter grants, so nothing
/// escapes that check), and the project exercises every row of the table.
fn check_grants(c: &slsc::Compilation, template: &serde_json::Value) {
    let mut user = BTreeSet::new();
    for f in c.model.as_ref().unwrap().of_kind(BlockKind::Function) {
        for perm in f.get("permissions").map(Value::as_list).unwrap_or_default() {
            for a in perm.get("actions").map(Value::as_list).unwrap_or_default() {
                user.extend(a.as_str().map(String::from));
            }
        }
    }
    assert!(!user.is_empty(), "the project has user permissions");
    let table: BTreeSet<String> = slsc::emit::iam::all_actions()
        .into_iter()
        .map(String::from)
        .collect();
    let generated = generated_actions(template, &user);
    let outside: Vec<&String> = generated.difference(&table).collect();
    assert!(
        outside.is_empty(),
        "actions granted by the emitter but missing from the grant table \
         (slsc::emit::iam::TABLE): {outside:?}"
    );
    // The every-feature project exercises every row of the table.
    let unused: Vec<&String> = table.difference(&generated).collect();
    assert!(
        unused.is_empty(),
        "grant-table actions the every-feature project does not exercise: {unused:?}"
    );
}

#[test]
fn the_generator_covers_every_supported_runtime_and_no_deprecated_one() {
    let p = every_feature_project(TODAY);
    let text: String = p
        .files
        .iter()
        .filter(|f| f.path.ends_with(".sls"))
        .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
        .collect();
    for rt in RUNTIMES {
        let used = text.contains(&format!("\"{rt}\""));
        let supported = runtimes::status(rt, TODAY) == Status::Supported;
        assert_eq!(
            used, supported,
            "{rt}: supported on {TODAY} is {supported}, used by the generator is {used}"
        );
    }
}

#[test]
fn the_coverage_check_notices_what_is_missing() {
    // A project with only an app uses almost nothing: the check must list what it lacks.
    let opts = slsc::Options {
        today: TODAY.into(),
        ..Default::default()
    };
    let c = slsc::compile_files(&[("main.sls", "app \"bare\" {}\n")], &opts).unwrap();
    let mut used = BTreeSet::new();
    uses(&c, &mut used);
    let missing: BTreeSet<Need> = needs(TODAY).difference(&used).cloned().collect();
    for n in [
        Need::Kind("function"),
        Need::Attr("function.vpc.subnet_ids".into()),
        Need::TriggerExtra("queue", "partial_failures"),
        Need::AlarmMetric("queue", "depth"),
        Need::Deploy("secret()".into()),
        Need::CorsForm("app.cors".into(), "true"),
    ] {
        assert!(missing.contains(&n), "{n} should be reported missing");
    }
    assert!(
        !missing.contains(&Need::Kind("app")),
        "the bare project has an app"
    );
}
