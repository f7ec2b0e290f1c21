//! Robustness: `slsc check` on thousands of mutated projects never panics, hangs, dies from a
//! signal, reports a usage error for a project that exists, or prints malformed JSON (SPEC §7:
//! "Never a panic: a crash is a bug").
//!
//! The corpus is every `examples/*/*.sls`, every `tests/fixtures/**/*.sls` (when present) and the
//! seeds embedded below. Each mutant is made by 1–3 mutation operators driven by a deterministic
//! PRNG (splitmix64, fixed seeds: the same corpus always gives the same mutants), written into a
//! fresh project directory next to the original project's other files, and checked by the real
//! binary with a hang guard. Most operators are semantic (line- and value-level) so that a good
//! share of the mutants still parse and reach the evaluator, schema and graph checks; the test
//! asserts that at least 30% of them do.
//!
//! A failing mutant is saved under `target/robustness-failures/m<ID>/` (the whole project plus
//! `repro.txt` with the command line), so `cd` there and rerun the command to reproduce.
//! `SLSC_ROBUSTNESS_MUTANTS=N` changes the number of mutants (default 2000);
//! `SLSC_ROBUSTNESS_BIN=PATH` runs another build of the binary (a release build, say);
//! `SLSC_ROBUSTNESS_ONLY=ID,…` reruns only the given mutants and keeps each one under
//! `target/robustness-failures/`.

mod common;

use common::temp::Temp;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const DEFAULT_MUTANTS: usize = 2000;
const THREADS: usize = 2;
const HANG_TIMEOUT: Duration = Duration::from_secs(10);
const MIN_PARSE_RATIO: f64 = 0.30;
const BASE_SEED: u64 = 0x515C_2026_1126;

// ---------------------------------------------------------------------------------------------
// PRNG

/// splitmix64: tiny, fast, and good enough to drive mutations reproducibly.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut r = Rng(seed);
        r.next_u64();
        r
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Mutation material

const TOKENS: &[&str] = &[
    "{",
    "}",
    "=",
    "\"",
    "${",
    "[",
    "]",
    ",",
    "queue.",
    "function.x",
    "1/0",
    "1%0",
    "99999999999999999999999",
    "1e400",
    "-",
    "null",
    "for x in",
    "%{",
    "<<EOF",
    "<<-EOT\n",
    "(",
    ")",
    "?",
    ":",
    "=>",
    "...",
    "*",
    "!",
    "&&",
    "||",
    "==",
    ".",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "'",
    "\n",
    "\t",
    "\r",
    "\r\n",
    "\u{FEFF}",
    "ü",
    "🎉",
    "\u{202E}",
    "}}",
    "{{",
    "\"\"",
    "[*]",
    "[0]",
    "function",
    "app",
    "local.",
    "var.",
    "self.",
    "module.",
    "http.url",
];

const ATTR_NAMES: &[&str] = &[
    "region",
    "stage",
    "runtime",
    "account_concurrency",
    "tags",
    "lint",
    "memory",
    "timeout",
    "architecture",
    "tracing",
    "environment",
    "log_retention",
    "cors",
    "handler",
    "source",
    "artifact",
    "concurrency",
    "reads",
    "writes",
    "sends",
    "invokes",
    "on_failure",
    "permissions",
    "layers",
    "vpc",
    "retries",
    "recursion",
    "description",
    "fifo",
    "visibility_timeout",
    "retention",
    "delay",
    "dead_letter",
    "max_receives",
    "partition_key",
    "sort_key",
    "billing",
    "read_capacity",
    "write_capacity",
    "stream",
    "ttl",
    "indexes",
    "point_in_time_recovery",
    "retain",
    "versioning",
    "watch",
    "metric",
    "threshold",
    "period",
    "evaluation_periods",
    "notify",
    "function",
    "http",
    "auth",
    "jwt",
    "schedule",
    "input",
    "batch_size",
    "batch_window",
    "max_concurrency",
    "partial_failures",
    "starting_position",
    "events",
    "prefix",
    "suffix",
    "filter",
    "type",
    "default",
    "value",
    "from",
    "to",
    "condition",
    "message",
    "level",
    "for",
    "name",
    "projection",
    "origins",
    "methods",
    "headers",
    "max_age",
    "subnet_ids",
    "security_group_ids",
    "actions",
    "resources",
    "issuer",
    "audience",
    // near misses, for the "did you mean" suggestions
    "memroy",
    "handlr",
    "timout",
    "concurency",
    "sourc",
    "Memory",
    "MEMORY",
    "dead_leter",
    "batchsize",
    "_",
    "a-b",
];

/// Whole expressions: replacements for an attribute's value and values of inserted attributes.
const EXPRS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1.5",
    "0.5",
    "99999999999999999999999",
    "1e400",
    "1e-400",
    "1/0",
    "1%0",
    "10241",
    "901",
    "-0",
    "\"9GB\"",
    "\"\"",
    "\"x\"",
    "\"0s\"",
    "\"14d\"",
    "\"15d\"",
    "\"13h\"",
    "\"5 m\"",
    "\"512MB\"",
    "\"10241MB\"",
    "\"1.5GB\"",
    "\"-1GB\"",
    "\"9999999999999999999GB\"",
    "\"1e400s\"",
    "\"1h30m\"",
    "[]",
    "{}",
    "[null]",
    "{ a = null }",
    "[1, \"a\", true]",
    "[for x in [1, 2] : x * 2]",
    "{ for k, v in { a = 1 } : k => v }",
    "[for x in null : x]",
    "[for x in [1, 2] : x if x > 1]",
    "{ for x in [\"a\", \"a\"] : x => 1 }",
    "var.nope",
    "local.nope",
    "app.name",
    "app.stage",
    "app.nope",
    "http.url",
    "http.nope",
    "self.memory",
    "module.m.x",
    "function.x",
    "queue.x",
    "topic.x",
    "database.x",
    "bucket.x",
    "alarm.x",
    "queue.x.url",
    "topic.x.arn",
    "database.x.stream_arn",
    "bucket.x.name",
    "bucket.x.nope",
    "function.signup",
    "queue.welcome",
    "database.users",
    "bucket.uploads",
    "queue.builds",
    "function.worker",
    "function.notify.arn",
    "\"${queue.x.url}?a=1\"",
    "\"${1/0}\"",
    "\"${null}\"",
    "\"${[1]}\"",
    "\"${function.notify.arn}\"",
    "\"%{ if true }a%{ else }b%{ endif }\"",
    "\"%{ for x in [1, 2] }${x},%{ endfor }\"",
    "upper(1)",
    "lower(null)",
    "format(\"%d\", \"x\")",
    "format(\"%s\")",
    "format(\"%!\", 1)",
    "format(\"%999999999d\", 1)",
    "join(\",\", [1, [2]])",
    "join(\",\")",
    "concat([1], 2)",
    "merge({ a = 1 }, [1])",
    "length(null)",
    "length(1)",
    "min()",
    "max([])",
    "min(\"a\", 1)",
    "max(1e308, 1e308) * 10",
    "lookup({}, \"a\")",
    "lookup({ a = 1 }, \"b\", null)",
    "prefix(bucket.x, \"p/\")",
    "prefix(queue.x, \"a\")",
    "prefix()",
    "prefix(bucket.uploads, 1)",
    "secret(1)",
    "secret()",
    "ssm(null)",
    "secret(\"a\", \"b\")",
    "tostring(1)",
    "nope(1)",
    "true ? 1 : \"a\"",
    "null ? 1 : 2",
    "!1",
    "-\"a\"",
    "\"a\" + 1",
    "1 == \"1\"",
    "[1] == [1]",
    "9223372036854775807 + 1",
    "-9223372036854775808 / -1",
    "-9223372036854775808 % -1",
    "9999999999 * 9999999999 * 9999999999",
    "1e308 * 10",
    "0.1 + 0.2",
    "5 / 2",
    "7 % 2.5",
    "[1, 2][5]",
    "[1, 2][-1]",
    "{ a = 1 }.b",
    "{ a = 1 }[\"b\"]",
    "[1, 2][*]",
    "[{ a = 1 }][*].a",
    "\"a\" && true",
    "1 < \"b\"",
    "(((((1)))))",
    "local",
    "var",
    "app",
    "queue",
    "self",
    "function.x[0]",
    "<<EOF\nheredoc ${var.nope}\nEOF",
    "<<-EOT\n    indented\n    EOT",
    "[\"*\"]",
    "[{ actions = [\"*\"], resources = [\"*\"] }]",
    "{ AWS_REGION = \"x\", _HANDLER = \"y\", LAMBDA_X = 1 }",
    "{ SECRET_TOKEN = \"plain\" }",
    "{ \"x\" = 1, \"x\" = 2 }",
    "{ a = 1, a = 2 }",
    "{ (var.nope) = 1 }",
    "{ 1 = 2 }",
    "[database.x, bucket.y, queue.z, function.w]",
    "[prefix(bucket.x, \"\")]",
    "{ name = \"id\", type = \"blob\" }",
    "{ name = 1 }",
    "{ origins = 1 }",
    "{ issuer = 1, audience = \"x\" }",
    "{ subnet_ids = [1], security_group_ids = null }",
    "[\"arn:1\", \"arn:2\", \"arn:3\", \"arn:4\", \"arn:5\", \"arn:6\"]",
    "\"rate(0 minutes)\"",
    "\"cron(* * * * * *)\"",
    "\"GET /a/{\"",
    "\"FETCH /x\"",
    "\"python2.7\"",
    "\"nodejs8.10\"",
    "\"python3.9\"",
    "\"nodejs18.x\"",
    "{ \"missing-concurrency\" = \"allow\" }",
    "{ \"recursive-invocation\" = \"allow\", \"policy/nope\" = \"deny\", nope = \"warn\" }",
    "list(string)",
    "map(number)",
    "number",
    "string",
    "bool",
    "list(map(list(string)))",
];

const STRINGS: &[&str] = &[
    "",
    "9GB",
    "0",
    "-1",
    "1.5",
    "0s",
    "5m",
    "901s",
    "15d",
    "14d",
    "2h",
    "30S",
    "1 m",
    "99999999999999999999d",
    "512MB",
    "10241MB",
    "1.5GB",
    "0GB",
    "1e400",
    "rate(0 minutes)",
    "rate(1 minutes)",
    "rate(5 minute)",
    "rate()",
    "rate(99999999999999999999 days)",
    "cron(* * * * * *)",
    "cron(0 3 * * ? *)",
    "cron(",
    "cron(0 0 31 2 ? *)",
    "GET",
    "POST /a/{",
    "POST /a/{}",
    "GET /{proxy+}/x",
    "GET /a/{id}/{id}",
    "FETCH /x",
    "GET x",
    "ANY /",
    "/",
    "get /x",
    "POST  /x",
    "python2.7",
    "nodejs8.10",
    "nodejs24.x",
    "python3.9",
    "java8",
    "provided",
    "x86",
    "arm64",
    "on_demand",
    "provisioned",
    "new_image",
    "keys_only",
    "created",
    "modified",
    "latest",
    "none",
    "jwt",
    "iam",
    "terminate",
    "allow",
    "deny",
    "warn",
    "std/queue_worker",
    "std/nope",
    "./nope",
    ".",
    "./",
    "src",
    "functions",
    "nope",
    "*",
    "AWS_REGION",
    "us-east-1",
    "mars-1",
    "${",
    "${var.nope}",
    "${local.nope}",
    "${app.name}",
    "${1/0}",
    "${queue.x.url}",
    "${function.signup.arn}",
    "%{ if true }x%{ endif }",
    "%{",
    "\\u0000",
    "\\x",
    "\\",
    "a\\\"b",
    "ü🎉",
    "\u{202E}rtl",
    "\t",
    "$${x}",
    "%%{x}",
    "missing-concurrency",
    "policy/nope",
    "nope-rule",
    "a@b",
    "arn:aws:sqs:*:*:*",
    "\n",
];

const NUMBERS: &[&str] = &[
    "99999999999999999999999",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "1000000000000000",
    "1000000000000001",
    "0",
    "-0",
    "-1",
    "1.5",
    "0.5",
    "1e400",
    "1e-400",
    "1e3",
    "1E2",
    "0x10",
    "007",
    "1_000",
    "10241",
    "901",
    "-900",
    "(0 - 5)",
    "1/0",
    "1%0",
    "1/3",
    "NaN",
    "inf",
    "2.000000000000000001",
    "4294967296",
    "65536",
];

const LABELS: &[&str] = &[
    "",
    "x",
    "X",
    "a-b",
    "1abc",
    "ñame",
    "a b",
    "_x",
    "a_1",
    "a1",
    "function",
    "app",
    "signup",
    "users",
    "welcome",
    "worker",
    "notify",
    "uploads",
    "transcode",
    "builds",
    "abcdefghijabcdefghijabcdefghijabcdefghij",
    "abcdefghijabcdefghijabcdefghijabcdefghijk",
    "${var.x}",
    "\\\"",
    "a.b",
    "🎉",
];

const KINDS: &[&str] = &[
    "function", "queue", "topic", "database", "bucket", "alarm", "trigger", "var", "local",
    "module", "app", "http", "self",
];

const BLOCKS: &[&str] = &[
    "function \"x\" {\n  handler = \"a.b\"\n}",
    "function \"x\" {}",
    "queue \"q\" {}",
    "queue \"fq\" {\n  fifo        = true\n  dead_letter = queue.q\n}",
    "topic \"t\" {\n  fifo = true\n}",
    "trigger \"tr\" {\n  function = function.x\n  source   = queue.q\n}",
    "trigger \"tr2\" {\n  function = function.x\n  http     = \"GET /x\"\n  schedule = \"rate(1 minute)\"\n}",
    "trigger \"tr3\" {\n  function = function.x\n  source   = topic.t\n}",
    "trigger \"tr4\" {\n  function = function.x\n  source   = alarm.a\n  batch_size = 5\n}",
    "trigger \"tr5\" {\n  function = function.x\n  http     = \"ANY /{proxy+}\"\n}",
    "trigger \"tr6\" {\n  function = queue.q\n  source   = function.x\n}",
    "trigger \"tr7\" {}",
    "alarm \"a\" {\n  watch     = function.x\n  metric    = \"age\"\n  threshold = 1.5\n  period    = 61\n}",
    "alarm \"a2\" {\n  watch     = bucket.b\n  metric    = \"errors\"\n  threshold = -1\n}",
    "database \"d\" {\n  partition_key = { name = \"id\", type = \"string\" }\n  billing       = \"provisioned\"\n}",
    "database \"d2\" {}",
    "bucket \"b\" {}",
    "locals {\n  a = local.b\n  b = local.a\n}",
    "locals {\n  a = 1\n}",
    "locals {\n  self_ref = local.self_ref\n}",
    "variable \"v\" {\n  type = number\n}",
    "variable \"v2\" {\n  type    = list(map(string))\n  default = [{ a = 1 }]\n}",
    "variable \"v3\" {\n  type    = nope\n  default = 1\n}",
    "variable \"v4\" {\n  type    = number\n  default = var.v4\n}",
    "output \"o\" {\n  value = 1/0\n}",
    "output \"o2\" {}",
    "module \"m\" {\n  source  = \"std/queue_worker\"\n  handler = \"h.h\"\n}",
    "module \"m2\" {\n  source = \".\"\n}",
    "module \"m3\" {\n  source = \"./nope\"\n}",
    "module \"m4\" {\n  source = \"std/nope\"\n}",
    "module \"m5\" {\n  source   = \"std/fanout\"\n  handlers = { a = \"a.h\", b = 1 }\n}",
    "module \"m6\" {\n  source   = \"std/cron_job\"\n  handler  = \"c.h\"\n  schedule = \"rate(1 minute)\"\n  nope     = 1\n}",
    "policy \"p\" {\n  for       = \"function\"\n  condition = self.memory <= 1024\n  message   = \"m\"\n  level     = \"deny\"\n}",
    "policy \"p2\" {\n  for       = \"queue\"\n  condition = self.nope > 1\n  message   = \"m\"\n  level     = \"warn\"\n}",
    "policy \"p3\" {\n  for       = \"nope\"\n  condition = 1\n  message   = 1\n}",
    "policy \"p4\" {\n  for       = \"function\"\n  condition = self.concurrency > 1/0\n  message   = \"m\"\n}",
    "moved {\n  from = function.old\n  to   = function.x\n}",
    "moved {\n  from = function.x\n  to   = queue.q\n}",
    "app \"second\" {}",
    "app \"x\" {\n  stage = \"BAD STAGE\"\n}",
    "lambda \"x\" {}",
    "function \"x\" \"y\" {}",
    "function {}",
    "resource \"aws_s3_bucket\" \"b\" {}",
    "function \"Bad-Name\" {\n  handler = \"a\"\n}",
    "function \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" {\n  handler = \"a\"\n}",
    "function \"loop\" {\n  handler = \"a.b\"\n  sends   = [queue.loopq]\n}\nqueue \"loopq\" {}\ntrigger \"loopt\" {\n  function = function.loop\n  source   = queue.loopq\n}",
    "function \"ping\" {\n  handler   = \"a.b\"\n  invokes   = [function.pong]\n  recursion = \"allow\"\n}\nfunction \"pong\" {\n  handler   = \"a.b\"\n  invokes   = [function.ping]\n  recursion = \"allow\"\n}",
    "function \"greedy\" {\n  handler     = \"a.b\"\n  concurrency = 999999\n}",
    "queue \"a_1\" {}\nqueue \"a1\" {}",
    "attr_at_top_level = 1",
    "dynamic \"x\" {\n  content {}\n}",
];

/// Other output formats (human twice: miette's renderer is the most fragile consumer of spans).
const FORMATS: &[&str] = &["human", "human", "sarif", "github"];

const STAGES_VALID: &[&str] = &["prod", "a", "x-1", "0123456789abcdef", "-", "---", "dev"];
const STAGES_INVALID: &[&str] = &[
    "",
    "BAD",
    "a_b",
    "0123456789abcdefg",
    "ü",
    "a b",
    "a.b",
    "${x}",
    "prod\n",
];

const VAR_VALUES: &[&str] = &[
    "",
    "0",
    "-1",
    "1.5",
    "99999999999999999999999",
    "1e400",
    "true",
    "null",
    "[",
    "[1,2",
    "[\"a\", 1]",
    "[\"a\"]",
    "{",
    "{a=1}",
    "{ a = \"b\" }",
    "${var.x}",
    "\"quoted",
    "\"ok\"",
    "a=b",
    "ü🎉",
    "line\nbreak",
    "1/0",
    "var.region",
    "<<EOF",
    " ",
    "debug",
    "eu-west-1",
];

// ---------------------------------------------------------------------------------------------
// Seeds: valid projects that reach features the examples do not (modules, policies, `moved`,
// every trigger source, provisioned tables, heredocs, `for` expressions, conditionals).

const SEEDS: &[(&str, &str)] = &[
    (
        "seed-modules-policies",
        r#"# Modules, policies, moved blocks and the expression language.
app "shop" {
  region              = var.region
  stage               = "dev"
  account_concurrency = 2000
  lint                = { "missing-concurrency" = "warn", "policy/small" = "deny" }
  tags                = merge({ team = "shop" }, local.extra_tags)
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "sizes" {
  type    = map(number)
  default = { small = 128, large = 1024 }
}

variable "enabled" {
  type    = bool
  default = true
}

variable "names" {
  type    = list(string)
  default = ["a", "b"]
}

locals {
  extra_tags = { for n in var.names : n => upper(n) }
  memory     = var.enabled ? var.sizes["large"] : var.sizes.small
  greeting   = <<EOT
Hello from ${app.name}-${app.stage}
EOT
  joined     = join(",", concat(var.names, ["c"]))
  biggest    = max(1, 2, 3) * 2 - min(4, 5) % 3
  label      = format("%s-%d", lower("X"), length(var.names))
  looked     = lookup(var.sizes, "medium", 256)
}

module "billing" {
  source  = "std/queue_worker"
  handler = "billing.handler"
  memory  = 512
}

module "nightly" {
  source   = "std/cron_job"
  handler  = "nightly.handler"
  schedule = "cron(0 2 * * ? *)"
}

function "api" {
  handler     = "api.handler"
  memory      = local.memory
  timeout     = "20s"
  concurrency = 10
  description = local.greeting
  environment = {
    QUEUE_URL = module.billing.queue_url
    JOINED    = local.joined
    BIGGEST   = local.biggest
    LABEL     = local.label
  }
}

trigger "api_http" {
  function = function.api
  http     = "ANY /{proxy+}"
  auth     = "iam"
}

policy "small" {
  for       = "function"
  condition = self.memory <= 2048
  message   = "functions over 2 GB need an exception"
  level     = "deny"
}

moved {
  from = function.old_api
  to   = function.api
}

output "billing_queue" { value = module.billing.queue_arn }
"#,
    ),
    (
        "seed-triggers",
        r#"app "events" {
  runtime = "python3.12"
  cors    = true
}

function "handle" {
  handler     = "h.handler"
  concurrency = 5
  timeout     = 30
  on_failure  = queue.failed
  sends       = [topic.fanout_fifo]
}

queue "work" {
  fifo         = true
  dead_letter  = queue.work_dlq
  max_receives = 10
  delay        = "1m"
  retention    = "2d"
}

queue "work_dlq" {
  fifo = true
}

queue "failed" {}

database "events" {
  partition_key = { name = "pk", type = "string" }
  sort_key      = { name = "sk", type = "number" }
}

bucket "inbox" {
  versioning = true
  retain     = false
}

topic "news" {}

topic "fanout_fifo" {
  fifo = true
}

alarm "slow" {
  watch     = function.handle
  metric    = "duration"
  threshold = 2500.5
  period    = "2m"
}

trigger "on_http" {
  function = function.handle
  http     = "POST /items/{id}"
  auth     = "jwt"
  jwt      = { issuer = "https://issuer.example.com", audience = ["aud"] }
}

trigger "on_rate" {
  function = function.handle
  schedule = "rate(5 minutes)"
  input    = { kind = "tick", n = [1, 2, 3] }
}

trigger "on_queue" {
  function         = function.handle
  source           = queue.work
  batch_size       = 10
  batch_window     = 2
  max_concurrency  = 2
  partial_failures = true
}

trigger "on_stream" {
  function          = function.handle
  source            = database.events
  batch_size        = 100
  starting_position = "trim_horizon"
  retries           = 3
  on_failure        = queue.failed
  batch_window      = "30s"
}

trigger "on_upload" {
  function = function.handle
  source   = bucket.inbox
  events   = ["created", "removed"]
  prefix   = "in/"
  suffix   = ".json"
}

trigger "on_news" {
  function = function.handle
  source   = topic.news
  filter   = { kind = ["a", "b"] }
}

trigger "on_alarm" {
  function = function.handle
  source   = alarm.slow
}
"#,
    ),
    (
        "seed-recursion",
        r#"/* An intended loop: every function allows recursion and has a concurrency limit. */
app "loop" {
  memory       = "1GB"
  timeout      = "1m"
  architecture = "arm64"
  tracing      = true
  environment  = { MODE = "loop" }
}

function "crawl" {
  handler     = "crawl.handler"
  recursion   = "allow"
  concurrency = 3
  sends       = [queue.pages]
  writes      = [prefix(bucket.store, "out/")]
  reads       = [bucket.store]
}

queue "pages" {
  visibility_timeout = "6m"
  dead_letter        = queue.pages_dlq
}

queue "pages_dlq" {}

bucket "store" {}

trigger "next_page" {
  function = function.crawl
  source   = queue.pages
}

trigger "new_object" {
  function = function.crawl
  source   = bucket.store
  prefix   = "in/"
}

output "pages_url" { value = "${queue.pages.url}?v=1" }
"#,
    ),
    (
        "seed-database",
        r#"// Provisioned table, indexes, alarms on a table, IAM extras and networking.
app "ledger" {
  runtime       = "java21"
  log_retention = 90
  cors = {
    origins = ["https://a.example.com"]
    methods = ["GET", "POST"]
    headers = ["content-type"]
    max_age = 600
  }
}

database "ledger" {
  partition_key          = { name = "account", type = "string" }
  sort_key               = { name = "seq", type = "number" }
  billing                = "provisioned"
  read_capacity          = 5
  write_capacity         = 5
  stream                 = "new_and_old_images"
  ttl                    = "expires"
  point_in_time_recovery = false
  indexes = {
    by_day = {
      partition_key = { name = "day", type = "string" }
      projection    = "keys_only"
    }
  }
}

function "post" {
  handler     = "post.Handler::handle"
  artifact    = "build/post.zip"
  memory      = 2048
  concurrency = 4
  retries     = 0
  layers      = ["arn:aws:lambda:us-east-1:123456789012:layer:x:1"]
  writes      = [database.ledger]
  permissions = [{ actions = ["ses:SendEmail"], resources = ["arn:aws:ses:us-east-1:123456789012:identity/x"] }]
  vpc = {
    subnet_ids         = ["subnet-1"]
    security_group_ids = ["sg-1"]
  }
  environment = {
    TABLE      = database.ledger.name
    STREAM     = database.ledger.stream_arn
    API_SECRET = secret("ledger/api")
    PARAM      = ssm("/ledger/param")
    LIMIT      = 10
    DEBUG      = false
  }
}

trigger "post_http" {
  function = function.post
  http     = "POST /ledger/{account}/entries"
  auth     = "none"
}

alarm "table_throttles" {
  watch              = database.ledger
  metric             = "throttles"
  threshold          = 1
  evaluation_periods = 3
  notify             = ["ops@example.com"]
}

output "url" { value = http.url }
"#,
    ),
    (
        "seed-minimal",
        "app \"tiny\" {}\n\nfunction \"f\" {\n  handler = \"index.handler\"\n}\n",
    ),
];

/// Files the seeds refer to: (seed, relative path, contents). An empty zip for `artifact`.
const SEED_AUX: &[(&str, &str, &[u8])] = &[(
    "seed-database",
    "build/post.zip",
    b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
)];

// ---------------------------------------------------------------------------------------------
// Corpus

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Group {
    Example,
    Seed,
    Fixture,
}

struct Project {
    label: String,
    group: Group,
    /// The project's `.sls` files (name, bytes).
    files: Vec<(String, Vec<u8>)>,
    /// Every other file of the original project directory (relative path, bytes).
    aux: Vec<(PathBuf, Vec<u8>)>,
}

fn is_sls(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "sls")
}

fn sls_files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(rd) = fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_file() && is_sls(&p) {
            if let (Some(name), Ok(bytes)) = (p.file_name(), fs::read(&p)) {
                if bytes.len() <= 256 * 1024 {
                    out.push((name.to_string_lossy().into_owned(), bytes));
                }
            }
        }
    }
    out.sort();
    out
}

/// Other files of a project (sources, READMEs), recursively; `.sls` files directly in `dir`
/// are the project itself, and sub-directories that hold `.sls` files are copied too (modules).
fn aux_files(dir: &Path, rel: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>, depth: usize) {
    if depth > 6 {
        return;
    }
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name == ".slsc" || name == "target" || name == "node_modules" {
            continue;
        }
        if p.is_dir() {
            aux_files(&p, &rel.join(&name), out, depth + 1);
        } else if p.is_file() && !(depth == 0 && is_sls(&p)) {
            if let Ok(bytes) = fs::read(&p) {
                if bytes.len() <= 256 * 1024 && out.len() < 200 {
                    out.push((rel.join(&name), bytes));
                }
            }
        }
    }
}

fn declares_app(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes).lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("app ") || t.starts_with("app\t") || t.starts_with("app\"")
    })
}

fn collect_dirs_with_sls(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 8 {
        return;
    }
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    if entries.iter().any(|p| p.is_file() && is_sls(p)) {
        out.push(dir.to_path_buf());
    }
    for p in entries {
        if p.is_dir() {
            collect_dirs_with_sls(&p, out, depth + 1);
        }
    }
}

fn load_corpus(root: &Path) -> Vec<Project> {
    let mut projects = Vec::new();

    // examples/*/ : each directory is one project.
    let mut example_dirs: Vec<PathBuf> = fs::read_dir(root.join("examples"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    example_dirs.sort();
    for dir in example_dirs {
        let files = sls_files_in(&dir);
        if files.is_empty() {
            continue;
        }
        let mut aux = Vec::new();
        aux_files(&dir, Path::new(""), &mut aux, 0);
        projects.push(Project {
            label: rel_label(root, &dir),
            group: Group::Example,
            files,
            aux,
        });
    }

    for (name, text) in SEEDS {
        let aux = SEED_AUX
            .iter()
            .filter(|(seed, _, _)| seed == name)
            .map(|(_, path, bytes)| (PathBuf::from(path), bytes.to_vec()))
            .collect();
        projects.push(Project {
            label: format!("seed:{name}"),
            group: Group::Seed,
            files: vec![("main.sls".to_string(), text.as_bytes().to_vec())],
            aux,
        });
    }

    // tests/fixtures/**: a directory whose .sls files declare at most one `app` is a project;
    // otherwise (a collection of single-file cases) each file stands alone.
    let mut fixture_dirs = Vec::new();
    collect_dirs_with_sls(&root.join("tests").join("fixtures"), &mut fixture_dirs, 0);
    for dir in fixture_dirs {
        let files = sls_files_in(&dir);
        let apps = files.iter().filter(|(_, b)| declares_app(b)).count();
        if apps <= 1 {
            let mut aux = Vec::new();
            aux_files(&dir, Path::new(""), &mut aux, 0);
            projects.push(Project {
                label: rel_label(root, &dir),
                group: Group::Fixture,
                files,
                aux,
            });
        } else {
            for (name, bytes) in files {
                projects.push(Project {
                    label: format!("{}/{name}", rel_label(root, &dir)),
                    group: Group::Fixture,
                    files: vec![(name, bytes)],
                    aux: Vec::new(),
                });
            }
        }
    }
    projects
}

fn rel_label(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

// ---------------------------------------------------------------------------------------------
// A rough HCL lexer: enough structure to make mutations that mostly keep the file parseable.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct LineCtx {
    /// The innermost open bracket at the start of the line (0 at top level, b's' inside a
    /// string, heredoc or block comment).
    top: u8,
    depth: usize,
}

#[derive(Default)]
struct Lex {
    /// Byte offset where each line starts (as `split_inclusive('\n')` counts lines).
    line_starts: Vec<usize>,
    line_ctx: Vec<LineCtx>,
    numbers: Vec<(usize, usize)>,
    /// String contents, without the quotes.
    strings: Vec<(usize, usize)>,
    /// Top-level string contents (block labels).
    labels: Vec<(usize, usize)>,
    /// `KIND.NAME`: (kind start, kind end, name start, name end).
    refs: Vec<(usize, usize, usize, usize)>,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}
fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

enum St {
    Code,
    LineComment,
    BlockComment,
    Str(usize),
    HeredocHeader(Vec<u8>),
    Heredoc(Vec<u8>, usize),
}

fn lex(s: &[u8]) -> Lex {
    let mut lx = Lex::default();
    let n = s.len();
    if n == 0 {
        return lx;
    }
    lx.line_starts.push(0);
    lx.line_ctx.push(LineCtx { top: 0, depth: 0 });
    let mut stack: Vec<u8> = Vec::new();
    // Strings interrupted by `${`: their content start, resumed when the interpolation closes.
    let mut str_starts: Vec<usize> = Vec::new();
    let mut st = St::Code;
    let mut i = 0;
    while i < n {
        let c = s[i];
        if c == b'\n' {
            let mut next_state = None;
            match &st {
                St::LineComment => next_state = Some(St::Code),
                St::HeredocHeader(m) => next_state = Some(St::Heredoc(m.clone(), i + 1)),
                St::Heredoc(m, start) => {
                    let line = &s[*start..i];
                    let t = String::from_utf8_lossy(line);
                    if t.trim().as_bytes() == m.as_slice() {
                        next_state = Some(St::Code);
                    } else {
                        next_state = Some(St::Heredoc(m.clone(), i + 1));
                    }
                }
                _ => {}
            }
            if let Some(ns) = next_state {
                st = ns;
            }
            if i + 1 < n {
                let top = match st {
                    St::Code => *stack.last().unwrap_or(&0),
                    _ => b's',
                };
                let top = if top == b'$' { b's' } else { top };
                lx.line_starts.push(i + 1);
                lx.line_ctx.push(LineCtx {
                    top,
                    depth: stack.len(),
                });
            }
            i += 1;
            continue;
        }
        match st {
            St::LineComment | St::HeredocHeader(_) | St::Heredoc(..) => i += 1,
            St::BlockComment => {
                if c == b'*' && s.get(i + 1) == Some(&b'/') {
                    st = St::Code;
                    i += 2;
                } else {
                    i += 1;
                }
            }
            St::Str(start) => {
                if c == b'\\' {
                    i += 2;
                } else if c == b'"' {
                    lx.strings.push((start, i));
                    if stack.is_empty() {
                        lx.labels.push((start, i));
                    }
                    st = St::Code;
                    i += 1;
                } else if (c == b'$' || c == b'%') && s.get(i + 1) == Some(&b'{') {
                    if s.get(i.wrapping_sub(1)) == Some(&c) {
                        i += 2; // `$${` / `%%{` escapes
                    } else {
                        str_starts.push(start);
                        stack.push(b'$');
                        st = St::Code;
                        i += 2;
                    }
                } else {
                    i += 1;
                }
            }
            St::Code => {
                if c == b'#' || (c == b'/' && s.get(i + 1) == Some(&b'/')) {
                    st = St::LineComment;
                    i += 1;
                } else if c == b'/' && s.get(i + 1) == Some(&b'*') {
                    st = St::BlockComment;
                    i += 2;
                } else if c == b'"' {
                    st = St::Str(i + 1);
                    i += 1;
                } else if c == b'<' && s.get(i + 1) == Some(&b'<') {
                    let mut j = i + 2;
                    if s.get(j) == Some(&b'-') {
                        j += 1;
                    }
                    let m0 = j;
                    while j < n && is_ident(s[j]) {
                        j += 1;
                    }
                    if j > m0 {
                        st = St::HeredocHeader(s[m0..j].to_vec());
                    }
                    i = j.max(i + 2);
                } else if c == b'{' || c == b'[' || c == b'(' {
                    stack.push(c);
                    i += 1;
                } else if c == b'}' || c == b']' || c == b')' {
                    let top = stack.pop();
                    if c == b'}' && top == Some(b'$') {
                        st = St::Str(str_starts.pop().unwrap_or(i + 1));
                    }
                    i += 1;
                } else if c.is_ascii_digit() {
                    let start = i;
                    while i < n && s[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i + 1 < n && s[i] == b'.' && s[i + 1].is_ascii_digit() {
                        i += 1;
                        while i < n && s[i].is_ascii_digit() {
                            i += 1;
                        }
                    }
                    if i < n && (s[i] == b'e' || s[i] == b'E') {
                        let mut j = i + 1;
                        if j < n && (s[j] == b'+' || s[j] == b'-') {
                            j += 1;
                        }
                        if j < n && s[j].is_ascii_digit() {
                            while j < n && s[j].is_ascii_digit() {
                                j += 1;
                            }
                            i = j;
                        }
                    }
                    lx.numbers.push((start, i));
                } else if is_ident_start(c) {
                    let start = i;
                    while i < n && is_ident(s[i]) {
                        i += 1;
                    }
                    let word = &s[start..i];
                    if i + 1 < n
                        && s[i] == b'.'
                        && is_ident_start(s[i + 1])
                        && KINDS.iter().any(|k| k.as_bytes() == word)
                    {
                        let ns = i + 1;
                        let mut j = ns;
                        while j < n && is_ident(s[j]) {
                            j += 1;
                        }
                        lx.refs.push((start, i, ns, j));
                        i = j;
                    }
                } else {
                    i += 1;
                }
            }
        }
    }
    lx
}

// ---------------------------------------------------------------------------------------------
// Mutation operators

fn splice(s: &[u8], start: usize, end: usize, with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + with.len());
    out.extend_from_slice(&s[..start]);
    out.extend_from_slice(with);
    out.extend_from_slice(&s[end..]);
    out
}

fn lines_of(s: &[u8]) -> Vec<Vec<u8>> {
    s.split_inclusive(|&b| b == b'\n')
        .map(|l| l.to_vec())
        .collect()
}

fn ident(rng: &mut Rng) -> String {
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789_";
    let len = match rng.below(10) {
        0 => rng.range(41, 70),
        _ => rng.range(1, 10),
    };
    let mut s = String::new();
    s.push((b'a' + rng.below(26) as u8) as char);
    for _ in 1..len {
        s.push(ALNUM[rng.below(ALNUM.len())] as char);
    }
    match rng.below(12) {
        0 => s.to_uppercase(),
        1 => format!("ñ{s}"),
        2 => format!("9{s}"),
        3 => format!("{s}-x"),
        _ => s,
    }
}

fn attr_line(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => "memory = \"9GB\"".to_string(),
        1 => format!("{} = {}", ident(rng), rng.pick(EXPRS)),
        _ => format!("{} = {}", rng.pick(ATTR_NAMES), rng.pick(EXPRS)),
    }
}

fn block_text(rng: &mut Rng) -> String {
    let b = rng.pick(BLOCKS).to_string();
    if rng.percent(30) {
        // A fresh name, so an inserted block does not always collide with another insertion.
        let id = format!("z{}", rng.below(1000));
        b.replacen("\"x\"", &format!("\"{id}\""), 1)
    } else {
        b
    }
}

type Op = fn(&mut Rng, &[u8], &[&[u8]]) -> Option<Vec<u8>>;

/// Operators and their weights. Semantic (line- and value-level) operators dominate.
const OPS: &[(&str, usize, Op)] = &[
    ("replace-value", 14, op_replace_value),
    ("insert-attribute", 11, op_insert_attribute),
    ("replace-string", 10, op_replace_string),
    ("replace-number", 9, op_replace_number),
    ("replace-ref-kind", 7, op_replace_ref_kind),
    ("mangle-ref-name", 5, op_mangle_ref_name),
    ("replace-label", 5, op_replace_label),
    ("insert-block", 8, op_insert_block),
    ("delete-lines", 5, op_delete_lines),
    ("duplicate", 5, op_duplicate),
    ("swap-lines", 3, op_swap_lines),
    ("splice-files", 3, op_splice_files),
    ("insert-token", 5, op_insert_token),
    ("truncate", 3, op_truncate),
    ("flip-bytes", 3, op_flip_bytes),
    ("insert-nul", 2, op_insert_nul),
    ("deep-nesting", 1, op_deep_nesting),
    ("amplify", 1, op_amplify),
    ("layout", 3, op_layout),
];

fn op_replace_value(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let lx = lex(s);
    let nl = lx.line_starts.len();
    let mut cands = Vec::new();
    for k in 0..nl {
        let ctx = lx.line_ctx[k];
        if ctx.top != b'{' {
            continue;
        }
        let next = lx
            .line_ctx
            .get(k + 1)
            .copied()
            .unwrap_or(LineCtx { top: 0, depth: 0 });
        if k + 1 < nl && (next.depth != ctx.depth || next.top == b's') {
            continue;
        }
        let start = lx.line_starts[k];
        let end = lx.line_starts.get(k + 1).copied().unwrap_or(s.len());
        let line = &s[start..end];
        let Some(t) = line.iter().position(|&b| b != b' ' && b != b'\t') else {
            continue;
        };
        if !is_ident_start(line[t]) {
            continue;
        }
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            continue;
        };
        if line.get(eq + 1) == Some(&b'=') || line.get(eq + 1) == Some(&b'>') {
            continue;
        }
        if !line[t..eq]
            .iter()
            .all(|&b| is_ident(b) || b == b' ' || b == b'\t')
        {
            continue;
        }
        cands.push((
            start + eq + 1,
            start
                + line
                    .iter()
                    .rposition(|&b| b != b'\n' && b != b'\r')
                    .unwrap_or(eq)
                + 1,
        ));
    }
    if cands.is_empty() {
        return None;
    }
    let (a, b) = *rng.pick(&cands);
    let b = b.max(a);
    Some(splice(s, a, b, format!(" {}", rng.pick(EXPRS)).as_bytes()))
}

fn op_insert_attribute(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let lx = lex(s);
    let cands: Vec<usize> = (0..lx.line_starts.len())
        .filter(|&k| lx.line_ctx[k].top == b'{')
        .map(|k| lx.line_starts[k])
        .collect();
    if cands.is_empty() {
        return None;
    }
    let at = *rng.pick(&cands);
    Some(splice(
        s,
        at,
        at,
        format!("  {}\n", attr_line(rng)).as_bytes(),
    ))
}

fn op_replace_string(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let lx = lex(s);
    if lx.strings.is_empty() {
        return None;
    }
    let (a, b) = *rng.pick(&lx.strings);
    let with = if rng.percent(3) {
        "a".repeat(rng.range(4000, 9000))
    } else {
        rng.pick(STRINGS).to_string()
    };
    Some(splice(s, a, b, with.as_bytes()))
}

fn op_replace_number(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let lx = lex(s);
    if lx.numbers.is_empty() {
        return None;
    }
    let (a, b) = *rng.pick(&lx.numbers);
    Some(splice(s, a, b, rng.pick(NUMBERS).as_bytes()))
}

fn op_replace_ref_kind(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let lx = lex(s);
    if lx.refs.is_empty() {
        return None;
    }
    let (a, b, _, _) = *rng.pick(&lx.refs);
    let with = if rng.percent(10) {
        ident(rng)
    } else {
        rng.pick(KINDS).to_string()
    };
    Some(splice(s, a, b, with.as_bytes()))
}

fn op_mangle_ref_name(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let lx = lex(s);
    if lx.refs.is_empty() {
        return None;
    }
    let (_, _, a, b) = *rng.pick(&lx.refs);
    let name = String::from_utf8_lossy(&s[a..b]).into_owned();
    let mut chars: Vec<char> = name.chars().collect();
    let with = match rng.below(7) {
        0 if chars.len() > 1 => {
            chars.remove(rng.below(chars.len()));
            chars.into_iter().collect()
        }
        1 if chars.len() > 1 => {
            let i = rng.below(chars.len() - 1);
            chars.swap(i, i + 1);
            chars.into_iter().collect()
        }
        2 => format!("{name}{}", (b'a' + rng.below(26) as u8) as char),
        3 => name.to_uppercase(),
        4 => format!("{name}.nope.deeper"),
        5 => format!("{name}ü"),
        _ => ident(rng),
    };
    Some(splice(s, a, b, with.as_bytes()))
}

fn op_replace_label(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let lx = lex(s);
    if lx.labels.is_empty() {
        return None;
    }
    let (a, b) = *rng.pick(&lx.labels);
    let with = match rng.below(3) {
        // Another block's name: duplicate names and kind clashes.
        0 => {
            let (c, d) = *rng.pick(&lx.labels);
            String::from_utf8_lossy(&s[c..d]).into_owned()
        }
        1 => ident(rng),
        _ => rng.pick(LABELS).to_string(),
    };
    Some(splice(s, a, b, with.as_bytes()))
}

fn op_insert_block(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let lx = lex(s);
    let mut cands: Vec<usize> = (0..lx.line_starts.len())
        .filter(|&k| lx.line_ctx[k].depth == 0 && lx.line_ctx[k].top == 0)
        .map(|k| lx.line_starts[k])
        .collect();
    cands.push(s.len());
    let at = *rng.pick(&cands);
    let mut text = String::new();
    if at == s.len() && !s.is_empty() && s[s.len() - 1] != b'\n' {
        text.push('\n');
    }
    text.push_str(&block_text(rng));
    text.push('\n');
    Some(splice(s, at, at, text.as_bytes()))
}

fn op_delete_lines(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let mut lines = lines_of(s);
    if lines.is_empty() {
        return None;
    }
    let k = rng.below(lines.len());
    let count = rng.range(1, 3).min(lines.len() - k);
    lines.drain(k..k + count);
    Some(lines.concat())
}

/// Top-level blocks as line ranges `(first, last)`.
fn top_blocks(s: &[u8]) -> Vec<(usize, usize)> {
    let lx = lex(s);
    let lines = lines_of(s);
    let nl = lx.line_starts.len().min(lines.len());
    let mut out = Vec::new();
    for (k, line) in lines.iter().enumerate().take(nl) {
        if lx.line_ctx[k].depth != 0 || lx.line_ctx[k].top != 0 {
            continue;
        }
        let t = String::from_utf8_lossy(line);
        let t = t.trim_start();
        if !t.starts_with(|c: char| c.is_ascii_lowercase()) || !t.contains('{') {
            continue;
        }
        let mut m = k;
        while m + 1 < nl && lx.line_ctx[m + 1].depth != 0 {
            m += 1;
        }
        out.push((k, m));
    }
    out
}

fn op_duplicate(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let mut lines = lines_of(s);
    if lines.is_empty() {
        return None;
    }
    if let Some(last) = lines.last_mut() {
        if !last.ends_with(b"\n") {
            last.push(b'\n');
        }
    }
    let blocks = top_blocks(s);
    let (a, b) = if rng.percent(50) && !blocks.is_empty() {
        *rng.pick(&blocks)
    } else {
        let k = rng.below(lines.len());
        (k, k)
    };
    let copy: Vec<Vec<u8>> = lines[a..=b].to_vec();
    let at = if rng.percent(50) {
        b + 1
    } else {
        rng.below(lines.len() + 1)
    };
    lines.splice(at..at, copy);
    Some(lines.concat())
}

fn op_swap_lines(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let mut lines = lines_of(s);
    if lines.len() < 2 {
        return None;
    }
    if let Some(last) = lines.last_mut() {
        if !last.ends_with(b"\n") {
            last.push(b'\n');
        }
    }
    let i = rng.below(lines.len());
    let j = if rng.percent(60) {
        (i + 1).min(lines.len() - 1)
    } else {
        rng.below(lines.len())
    };
    lines.swap(i, j);
    Some(lines.concat())
}

fn op_splice_files(rng: &mut Rng, s: &[u8], all: &[&[u8]]) -> Option<Vec<u8>> {
    let other = *rng.pick(all);
    if rng.percent(70) {
        let a = lines_of(s);
        let b = lines_of(other);
        let ha = rng.below(a.len() + 1);
        let tb = rng.below(b.len() + 1);
        let mut out = a[..ha].concat();
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.extend(b[tb..].concat());
        Some(out)
    } else {
        let ha = rng.below(s.len() + 1);
        let tb = rng.below(other.len() + 1);
        let mut out = s[..ha].to_vec();
        out.extend_from_slice(&other[tb..]);
        Some(out)
    }
}

fn op_insert_token(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let at = rng.below(s.len() + 1);
    let tok = match rng.below(10) {
        0 => ident(rng),
        1 => attr_line(rng),
        _ => rng.pick(TOKENS).to_string(),
    };
    Some(splice(s, at, at, tok.as_bytes()))
}

fn op_truncate(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    if s.is_empty() {
        return None;
    }
    Some(s[..rng.below(s.len())].to_vec())
}

fn op_flip_bytes(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    if s.is_empty() {
        return None;
    }
    let mut out = s.to_vec();
    for _ in 0..rng.range(1, 4) {
        let i = rng.below(out.len());
        out[i] = match rng.below(3) {
            0 => 0x80 | rng.below(0x80) as u8, // a stray continuation or lead byte: invalid UTF-8
            1 => out[i] ^ (1 << rng.below(8)),
            _ => rng.below(256) as u8,
        };
    }
    Some(out)
}

fn op_insert_nul(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let at = rng.below(s.len() + 1);
    let nuls = vec![0u8; rng.range(1, 2)];
    Some(splice(s, at, at, &nuls))
}

fn op_deep_nesting(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let depth = rng.range(20, 400);
    let (open, close, inner) = match rng.below(4) {
        0 => ("[", "]", "1"),
        1 => ("(", ")", "1"),
        2 => ("{ a = ", " }", "1"),
        _ => ("-", "", "1"),
    };
    let expr = format!("{}{}{}", open.repeat(depth), inner, close.repeat(depth));
    let mut out = s.to_vec();
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.extend_from_slice(format!("locals {{\n  deep = {expr}\n}}\n").as_bytes());
    Some(out)
}

/// Many copies of a block with fresh names: a large project (graph, budgets, template limits).
fn op_amplify(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let blocks = top_blocks(s);
    if blocks.is_empty() {
        return None;
    }
    let lines = lines_of(s);
    let (a, b) = *rng.pick(&blocks);
    let block = String::from_utf8_lossy(&lines[a..=b].concat()).into_owned();
    let lx = lex(block.as_bytes());
    let &(la, lb) = lx.labels.first()?;
    let mut out = s.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    for i in 0..rng.range(50, 300) {
        let copy = format!("{}r{i}_{}{}", &block[..la], &block[la..lb], &block[lb..]);
        out.extend_from_slice(copy.as_bytes());
        if !copy.ends_with('\n') {
            out.push(b'\n');
        }
    }
    Some(out)
}

/// Layout and comments only: CRLF line ends, a BOM, tabs, no final newline, lines commented out.
fn op_layout(rng: &mut Rng, s: &[u8], _: &[&[u8]]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(s);
    let mut lines = lines_of(s);
    let out = match rng.below(7) {
        0 => text
            .replace("\r\n", "\n")
            .replace('\n', "\r\n")
            .into_bytes(),
        1 => {
            let mut v = "\u{FEFF}".as_bytes().to_vec();
            v.extend_from_slice(s);
            v
        }
        2 => text.replace("  ", "\t").into_bytes(),
        3 => text.trim_end().as_bytes().to_vec(),
        4 if !lines.is_empty() => {
            let k = rng.below(lines.len());
            let prefix: &[u8] = if rng.percent(50) { b"# " } else { b"// " };
            lines[k].splice(0..0, prefix.iter().copied());
            lines.concat()
        }
        5 if !lines.is_empty() => {
            let a = rng.below(lines.len());
            let b = rng.range(a, (a + 4).min(lines.len() - 1));
            lines[a].splice(0..0, b"/* ".iter().copied());
            let last = &mut lines[b];
            let at = last.len() - usize::from(last.ends_with(b"\n"));
            last.splice(at..at, b" */".iter().copied());
            lines.concat()
        }
        _ => {
            let mut v = s.to_vec();
            v.extend_from_slice("\n# trailing comment ü\n\n/* open".as_bytes());
            if rng.percent(50) {
                v.extend_from_slice(b" */\n");
            }
            v
        }
    };
    Some(out)
}

fn pick_op(rng: &mut Rng) -> (&'static str, Op) {
    let total: usize = OPS.iter().map(|o| o.1).sum();
    let mut r = rng.below(total);
    for (name, w, f) in OPS {
        if r < *w {
            return (name, *f);
        }
        r -= w;
    }
    unreachable!()
}

// ---------------------------------------------------------------------------------------------
// Mutants and how they are run

#[derive(Clone, Debug)]
enum RunMode {
    /// `check . --format json` from inside the project.
    Dir,
    /// `check /abs/project --format json` from the project's parent.
    AbsDir,
    /// `check FILE.sls --format json` (single-file mode).
    SingleFile,
    /// `--stage=S`, valid (strict) or not (exit 1 or a usage error naming `--stage`).
    Stage(String, bool),
    /// `--var=NAME=VALUE`… (an undeclared name may be a usage error naming `--var`).
    Vars(Vec<String>),
    /// `--var-file FILE` with mutated contents.
    VarFile(Vec<u8>),
    /// `--format human|sarif|github`.
    Format(&'static str),
}

struct Mutant {
    id: usize,
    project: usize,
    file: usize,
    content: Vec<u8>,
    ops: Vec<&'static str>,
    mode: RunMode,
    deny_warnings: bool,
    today_flag: bool,
}

fn pick_file(rng: &mut Rng, projects: &[Project]) -> (usize, usize) {
    let in_group = |g: Group| -> Vec<(usize, usize)> {
        projects
            .iter()
            .enumerate()
            .filter(|(_, p)| p.group == g)
            .flat_map(|(i, p)| (0..p.files.len()).map(move |j| (i, j)))
            .collect()
    };
    let examples = in_group(Group::Example);
    let seeds = in_group(Group::Seed);
    let fixtures = in_group(Group::Fixture);
    let mut groups: Vec<(usize, &Vec<(usize, usize)>)> = Vec::new();
    for (w, g) in [(50, &examples), (20, &seeds), (30, &fixtures)] {
        if !g.is_empty() {
            groups.push((w, g));
        }
    }
    let total: usize = groups.iter().map(|g| g.0).sum();
    let mut r = rng.below(total);
    for (w, g) in groups {
        if r < w {
            return *rng.pick(g);
        }
        r -= w;
    }
    unreachable!()
}

fn declared_variables(files: &[&[u8]]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        for line in String::from_utf8_lossy(f).lines() {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix("variable") {
                let rest = rest.trim_start();
                if let Some(rest) = rest.strip_prefix('"') {
                    if let Some(end) = rest.find('"') {
                        if !rest[..end].contains('\0') {
                            // (a process argument cannot hold a NUL byte)
                            out.push(rest[..end].to_string());
                        }
                    }
                }
            }
        }
    }
    out
}

fn make_mutant(id: usize, projects: &[Project], all: &[&[u8]]) -> Mutant {
    let mut rng = Rng::new(BASE_SEED ^ (id as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let (project, file) = pick_file(&mut rng, projects);
    let mut content = projects[project].files[file].1.clone();
    let rounds = match rng.below(10) {
        0..=6 => 1,
        7 | 8 => 2,
        _ => 3,
    };
    let mut ops = Vec::new();
    for _ in 0..rounds {
        let mut applied = false;
        for _ in 0..10 {
            let (name, f) = pick_op(&mut rng);
            if let Some(out) = f(&mut rng, &content, all) {
                content = out;
                ops.push(name);
                applied = true;
                break;
            }
        }
        if !applied {
            content = op_insert_block(&mut rng, &content, all).unwrap();
            ops.push("insert-block");
        }
    }

    let mode = match rng.below(100) {
        0..=60 => RunMode::Dir,
        61..=66 => RunMode::AbsDir,
        67..=74 => RunMode::SingleFile,
        75..=80 => {
            if rng.percent(60) {
                RunMode::Stage(rng.pick(STAGES_VALID).to_string(), true)
            } else {
                RunMode::Stage(rng.pick(STAGES_INVALID).to_string(), false)
            }
        }
        81..=87 => {
            let p = &projects[project];
            let files: Vec<&[u8]> = p
                .files
                .iter()
                .enumerate()
                .map(|(j, f)| {
                    if j == file {
                        content.as_slice()
                    } else {
                        f.1.as_slice()
                    }
                })
                .collect();
            let declared = declared_variables(&files);
            let mut vars = Vec::new();
            for _ in 0..rng.range(1, 3) {
                let name = if declared.is_empty() || rng.percent(15) {
                    ident(&mut rng)
                } else {
                    rng.pick(&declared).clone()
                };
                vars.push(format!("{name}={}", rng.pick(VAR_VALUES)));
            }
            RunMode::Vars(vars)
        }
        88..=91 => {
            let p = &projects[project];
            let files: Vec<&[u8]> = p.files.iter().map(|f| f.1.as_slice()).collect();
            let declared = declared_variables(&files);
            let mut text = String::new();
            for _ in 0..rng.range(1, 3) {
                let name = if declared.is_empty() || rng.percent(20) {
                    ident(&mut rng)
                } else {
                    rng.pick(&declared).clone()
                };
                text.push_str(&format!("{name} = {}\n", rng.pick(EXPRS)));
            }
            let mut bytes = text.into_bytes();
            if rng.percent(40) {
                let (_, f) = pick_op(&mut rng);
                if let Some(m) = f(&mut rng, &bytes, all) {
                    bytes = m;
                }
            }
            RunMode::VarFile(bytes)
        }
        _ => RunMode::Format(FORMATS[rng.below(FORMATS.len())]),
    };
    let deny_warnings = rng.percent(10);
    let today_flag = rng.percent(10);
    Mutant {
        id,
        project,
        file,
        content,
        ops,
        mode,
        deny_warnings,
        today_flag,
    }
}

// ---------------------------------------------------------------------------------------------
// Running and checking

struct Outcome {
    /// Whether the run produced the JSON diagnostics object, and whether it had a `syntax` one.
    json: Option<bool>,
}

struct Failure {
    id: usize,
    signature: String,
    detail: String,
}

fn write_project(dir: &Path, p: &Project, m: &Mutant) -> std::io::Result<()> {
    fs::create_dir_all(dir.join("src"))?;
    for (rel, bytes) in &p.aux {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, bytes)?;
    }
    for (j, (name, bytes)) in p.files.iter().enumerate() {
        let data = if j == m.file { &m.content } else { bytes };
        fs::write(dir.join(name), data)?;
    }
    Ok(())
}

fn preview(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let s: String = s.chars().take(600).collect();
    s.replace('\n', "\\n")
}

/// The first `panicked at FILE:LINE:COL:` line and the message after it.
fn panic_signature(stderr: &str) -> Option<String> {
    let i = stderr.find("panicked at ")?;
    let rest = &stderr[i..];
    let mut lines = rest.lines();
    let first = lines.next().unwrap_or("");
    let msg = lines.next().unwrap_or("");
    Some(format!("{first} {msg}"))
}

/// Line widths of the files diagnostics point into (read once per run: a mutant with many
/// diagnostics must not re-read its files for every span).
type Widths = std::collections::HashMap<PathBuf, Option<Vec<usize>>>;

fn check_span(
    cache: &mut Widths,
    cwd: &Path,
    file: &str,
    pos: &[(u64, u64)],
    what: &str,
) -> Result<(), String> {
    let p = Path::new(file);
    if p.is_absolute() && p.starts_with(cwd) {
        return Err(format!(
            "{what}: file `{file}` is absolute although it is under the current directory"
        ));
    }
    let path = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    let widths = cache.entry(path).or_insert_with_key(|path| {
        let bytes = fs::read(path).ok()?;
        Some(
            bytes
                .split(|&b| b == b'\n')
                .map(|l| l.len() + 7 * l.iter().filter(|&&b| b == b'\t').count())
                .collect(),
        )
    });
    let Some(widths) = widths else {
        return Ok(()); // not a file on disk
    };
    for &(line, col) in pos {
        let Some(&w) = widths.get(line as usize - 1) else {
            return Err(format!(
                "{what}: line {line} is past the end of `{file}` ({} lines)",
                widths.len()
            ));
        };
        if col as usize > w + 1 {
            return Err(format!(
                "{what}: column {col} is past the end of line {line} of `{file}`"
            ));
        }
    }
    Ok(())
}

fn pos_field(d: &Value, key: &str) -> Result<u64, String> {
    match d.get(key).and_then(Value::as_u64) {
        Some(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{key}` is not an integer >= 1: {:?}", d.get(key))),
    }
}

/// Checks the §7 JSON shape; returns whether a `syntax` diagnostic is present.
fn check_json(stdout: &[u8], code: i32, deny_warnings: bool, cwd: &Path) -> Result<bool, String> {
    let v: Value = serde_json::from_slice(stdout)
        .map_err(|e| format!("stdout is not one JSON value ({e}): {}", preview(stdout)))?;
    let obj = v.as_object().ok_or("the JSON output is not an object")?;
    let diags = obj
        .get("diagnostics")
        .and_then(Value::as_array)
        .ok_or("no `diagnostics` array")?;
    let errors = obj
        .get("errors")
        .and_then(Value::as_u64)
        .ok_or("`errors` is not a count")?;
    let warnings = obj
        .get("warnings")
        .and_then(Value::as_u64)
        .ok_or("`warnings` is not a count")?;
    let (mut ne, mut nw, mut syntax) = (0, 0, false);
    let mut widths = Widths::new();
    for (k, d) in diags.iter().enumerate() {
        let code_s = d
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        let ctx = |m: String| format!("diagnostic #{k} ({code_s}): {m}");
        if !d.is_object() {
            return Err(ctx("not an object".into()));
        }
        match d.get("code").and_then(Value::as_str) {
            Some(c) if !c.is_empty() => {
                if c == "syntax" {
                    syntax = true;
                }
            }
            _ => return Err(ctx("`code` is not a non-empty string".into())),
        }
        match d.get("severity").and_then(Value::as_str) {
            Some("error") => ne += 1,
            Some("warning") => nw += 1,
            Some("note") => {}
            other => return Err(ctx(format!("bad `severity` {other:?}"))),
        }
        match d.get("message").and_then(Value::as_str) {
            Some(m) if !m.trim().is_empty() => {}
            other => {
                return Err(ctx(format!(
                    "`message` is not a non-empty string: {other:?}"
                )))
            }
        }
        let file = match d.get("file").and_then(Value::as_str) {
            Some(f) if !f.is_empty() => f,
            other => return Err(ctx(format!("`file` is not a non-empty string: {other:?}"))),
        };
        let line = pos_field(d, "line").map_err(&ctx)?;
        let column = pos_field(d, "column").map_err(&ctx)?;
        let end_line = pos_field(d, "end_line").map_err(&ctx)?;
        let end_column = pos_field(d, "end_column").map_err(&ctx)?;
        if (end_line, end_column) < (line, column) {
            return Err(ctx(format!(
                "the span ends ({end_line}:{end_column}) before it starts ({line}:{column})"
            )));
        }
        check_span(
            &mut widths,
            cwd,
            file,
            &[(line, column), (end_line, end_column)],
            "primary span",
        )
        .map_err(&ctx)?;
        let labels = d
            .get("labels")
            .and_then(Value::as_array)
            .ok_or_else(|| ctx("no `labels` array".into()))?;
        for (li, l) in labels.iter().enumerate() {
            let lctx = |m: String| ctx(format!("label #{li}: {m}"));
            let lfile = match l.get("file").and_then(Value::as_str) {
                Some(f) if !f.is_empty() => f,
                other => return Err(lctx(format!("`file` is not a non-empty string: {other:?}"))),
            };
            let ll = pos_field(l, "line").map_err(&lctx)?;
            let lc = pos_field(l, "column").map_err(&lctx)?;
            if !l.get("message").is_some_and(Value::is_string) {
                return Err(lctx("`message` is not a string".into()));
            }
            check_span(&mut widths, cwd, lfile, &[(ll, lc)], "label").map_err(&lctx)?;
        }
        match d.get("help") {
            Some(Value::Null) | Some(Value::String(_)) => {}
            other => {
                return Err(ctx(format!(
                    "`help` is neither a string nor null: {other:?}"
                )))
            }
        }
    }
    if ne != errors || nw != warnings {
        return Err(format!(
            "counts disagree with the array: errors {errors} vs {ne}, warnings {warnings} vs {nw}"
        ));
    }
    let expect = if errors > 0 || (deny_warnings && warnings > 0) {
        1
    } else {
        0
    };
    if code != expect {
        return Err(format!(
            "exit code {code}, but errors = {errors}, warnings = {warnings} (deny-warnings {deny_warnings}) means {expect}"
        ));
    }
    Ok(syntax)
}

fn run_mutant(
    m: &Mutant,
    p: &Project,
    tmp: &Path,
    failures_dir: &Path,
) -> Result<Outcome, Failure> {
    let dir = tmp.join(format!("m{}", m.id));
    let fail = |signature: String,
                detail: String,
                args: &[String],
                cwd: &Path,
                out: &[u8],
                err: &[u8]| {
        let saved = failures_dir.join(format!("m{}", m.id));
        let _ = copy_dir(&dir, &saved);
        let repro = format!(
            "project: {}\nfile: {}\noperators: {}\ncwd: {}\ncommand: SLSC_TODAY={} slsc {}\nrerun: cd {} && SLSC_TODAY={} slsc {}\n\n{detail}\n\n--- stdout ---\n{}\n--- stderr ---\n{}\n",
            p.label,
            p.files[m.file].0,
            m.ops.join(" + "),
            cwd.display(),
            common::TODAY,
            args.iter().map(|a| format!("{a:?}")).collect::<Vec<_>>().join(" "),
            saved.display(),
            common::TODAY,
            args.iter()
                .map(|a| if Path::new(a) == dir { "\".\"".to_string() } else { format!("{a:?}") })
                .collect::<Vec<_>>()
                .join(" "),
            String::from_utf8_lossy(&out[..out.len().min(8000)]),
            String::from_utf8_lossy(&err[..err.len().min(8000)]),
        );
        let _ = fs::write(saved.join("repro.txt"), repro);
        Failure {
            id: m.id,
            signature,
            detail: format!(
                "mutant m{} ({} / {}, ops {}, mode {:?}): {detail} [saved to {}]",
                m.id,
                p.label,
                p.files[m.file].0,
                m.ops.join("+"),
                short_mode(&m.mode),
                saved.display()
            ),
        }
    };
    if let Err(e) = write_project(&dir, p, m) {
        return Err(fail(
            "io".into(),
            format!("cannot write the mutant project: {e}"),
            &[],
            &dir,
            b"",
            b"",
        ));
    }

    let file_name = p.files[m.file].0.clone();
    let mut cwd = dir.clone();
    let mut args: Vec<String> = vec!["check".into()];
    let mut json = true;
    let mut strict = true; // exit 2 is never acceptable
    let mut usage_flag: Option<&str> = None; // exit 2 acceptable if stderr names this flag
    let mut must_fail = false;
    match &m.mode {
        RunMode::Dir => args.push(".".into()),
        RunMode::AbsDir => {
            cwd = tmp.to_path_buf();
            args.push(dir.to_string_lossy().into_owned());
        }
        RunMode::SingleFile => args.push(file_name.clone()),
        RunMode::Stage(s, valid) => {
            args.push(".".into());
            args.push(format!("--stage={s}"));
            if !valid {
                strict = false;
                usage_flag = Some("--stage");
                must_fail = true;
            }
        }
        RunMode::Vars(vars) => {
            args.push(".".into());
            for v in vars {
                args.push(format!("--var={v}"));
            }
            strict = false;
            usage_flag = Some("--var");
        }
        RunMode::VarFile(bytes) => {
            let vf = dir.join("ci.vars");
            if let Err(e) = fs::write(&vf, bytes) {
                return Err(fail(
                    "io".into(),
                    format!("cannot write the var-file: {e}"),
                    &[],
                    &dir,
                    b"",
                    b"",
                ));
            }
            args.push(".".into());
            args.push("--var-file".into());
            args.push("ci.vars".into());
        }
        RunMode::Format(f) => {
            args.push(".".into());
            json = false;
            args.push(format!("--format={f}"));
        }
    }
    if json {
        args.push("--format".into());
        args.push("json".into());
    }
    if m.deny_warnings {
        args.push("--deny-warnings".into());
    }
    if m.today_flag {
        args.push(format!("--today={}", common::TODAY));
    }

    let out_path = dir.join(".stdout");
    let err_path = dir.join(".stderr");
    let spawn = (|| -> std::io::Result<std::process::Child> {
        Command::new(binary())
            .args(&args)
            .current_dir(&cwd)
            .env("SLSC_TODAY", common::TODAY)
            .env_remove("RUST_BACKTRACE")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(fs::File::create(&out_path)?)
            .stderr(fs::File::create(&err_path)?)
            .spawn()
    })();
    let mut child = match spawn {
        Ok(c) => c,
        Err(e) => {
            return Err(fail(
                "io".into(),
                format!("cannot start slsc: {e}"),
                &args,
                &cwd,
                b"",
                b"",
            ))
        }
    };
    let deadline = Instant::now() + HANG_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                let out = fs::read(&out_path).unwrap_or_default();
                let err = fs::read(&err_path).unwrap_or_default();
                let _ = fs::remove_file(&out_path);
                let _ = fs::remove_file(&err_path);
                return Err(fail(
                    "hang".into(),
                    format!("no exit within {HANG_TIMEOUT:?}: killed"),
                    &args,
                    &cwd,
                    &out,
                    &err,
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => {
                return Err(fail(
                    "io".into(),
                    format!("try_wait failed: {e}"),
                    &args,
                    &cwd,
                    b"",
                    b"",
                ))
            }
        }
    };
    let stdout = fs::read(&out_path).unwrap_or_default();
    let stderr_b = fs::read(&err_path).unwrap_or_default();
    // Not part of the project the reproduction copies.
    let _ = fs::remove_file(&out_path);
    let _ = fs::remove_file(&err_path);
    let stderr = String::from_utf8_lossy(&stderr_b).into_owned();
    let f = |sig: String, detail: String| fail(sig, detail, &args, &cwd, &stdout, &stderr_b);

    if let Some(sig) = panic_signature(&stderr) {
        return Err(f(
            format!("panic: {sig}"),
            format!(
                "panicked (exit {:?}): {}",
                status.code(),
                preview(&stderr_b)
            ),
        ));
    }
    let Some(code) = status.code() else {
        #[cfg(unix)]
        let sig = std::os::unix::process::ExitStatusExt::signal(&status);
        #[cfg(not(unix))]
        let sig: Option<i32> = None;
        return Err(f(
            format!("signal {sig:?}"),
            format!("killed by signal {sig:?}: {}", preview(&stderr_b)),
        ));
    };
    match code {
        0 | 1 => {}
        2 if !strict => {
            let flag = usage_flag.unwrap_or("");
            if !stderr.contains(flag) {
                return Err(f(
                    "exit 2 without naming the flag".into(),
                    format!(
                        "exit 2, but stderr does not name `{flag}`: {}",
                        preview(&stderr_b)
                    ),
                ));
            }
            return Ok(Outcome { json: None });
        }
        _ => {
            return Err(f(
                format!("exit {code}"),
                format!("exit code {code}: {}", preview(&stderr_b)),
            ));
        }
    }
    if must_fail && code == 0 {
        return Err(f(
            "invalid --stage accepted".into(),
            "an invalid --stage was accepted (exit 0)".into(),
        ));
    }
    if json {
        match check_json(&stdout, code, m.deny_warnings, &cwd) {
            Ok(syntax) => {
                // SPEC §6: invalid UTF-8 or a NUL byte is a `syntax` error in that file.
                if std::str::from_utf8(&m.content).map_or(true, |t| t.contains('\0'))
                    && !has_syntax_in(&stdout, &file_name)
                {
                    return Err(f(
                        "binary file without a syntax error".into(),
                        format!("`{file_name}` has invalid UTF-8 or a NUL byte, but no `syntax` diagnostic points into it"),
                    ));
                }
                Ok(Outcome { json: Some(syntax) })
            }
            Err(e) => {
                // Group alike failures: numbers and the output preview vary, the kind does not.
                let head: String = e
                    .split(" (expected")
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(100)
                    .collect();
                let mut sig = String::from("json: ");
                for c in head.chars() {
                    if !c.is_ascii_digit() {
                        sig.push(c);
                    } else if !sig.ends_with('N') {
                        sig.push('N');
                    }
                }
                Err(f(sig, e))
            }
        }
    } else {
        if let RunMode::Format("sarif") = m.mode {
            let v: Value = match serde_json::from_slice(&stdout) {
                Ok(v) => v,
                Err(e) => {
                    return Err(f(
                        "sarif: not JSON".into(),
                        format!("SARIF output is not JSON ({e}): {}", preview(&stdout)),
                    ))
                }
            };
            if v.get("version").and_then(Value::as_str) != Some("2.1.0")
                || !v.get("runs").is_some_and(Value::is_array)
            {
                return Err(f(
                    "sarif: shape".into(),
                    format!(
                        "SARIF output lacks version 2.1.0 / runs: {}",
                        preview(&stdout)
                    ),
                ));
            }
        }
        Ok(Outcome { json: None })
    }
}

/// Whether the JSON output has a `syntax` diagnostic in a file named `name`.
fn has_syntax_in(stdout: &[u8], name: &str) -> bool {
    let v: Value = serde_json::from_slice(stdout).unwrap_or(Value::Null);
    v["diagnostics"].as_array().is_some_and(|ds| {
        ds.iter().any(|d| {
            d["code"] == "syntax"
                && d["file"]
                    .as_str()
                    .is_some_and(|f| Path::new(f).file_name() == Some(name.as_ref()))
        })
    })
}

fn binary() -> PathBuf {
    std::env::var_os("SLSC_ROBUSTNESS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_slsc")))
}

fn short_mode(m: &RunMode) -> String {
    match m {
        RunMode::VarFile(b) => format!("VarFile({})", preview(b)),
        other => format!("{other:?}"),
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest)?;
        } else {
            fs::copy(&p, &dest)?;
        }
    }
    Ok(())
}

#[derive(Default, Clone, Copy)]
struct OpStat {
    runs: usize,
    parsed: usize,
}

#[test]
fn mutated_projects_never_crash_hang_or_print_malformed_json() {
    let started = Instant::now();
    let root = common::root();
    let projects = load_corpus(root);
    assert!(
        projects.iter().any(|p| p.group == Group::Example),
        "no examples/*/*.sls found under {}",
        root.display()
    );
    let all: Vec<&[u8]> = projects
        .iter()
        .flat_map(|p| p.files.iter().map(|f| f.1.as_slice()))
        .collect();
    let count = std::env::var("SLSC_ROBUSTNESS_MUTANTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_MUTANTS);

    // SLSC_ROBUSTNESS_ONLY=ID,ID… reruns chosen mutants (of the same corpus) and nothing else.
    let only: Option<Vec<usize>> = std::env::var("SLSC_ROBUSTNESS_ONLY").ok().map(|s| {
        s.split(',')
            .filter_map(|x| x.trim().trim_start_matches('m').parse().ok())
            .collect()
    });
    let mutants: Vec<Mutant> = match &only {
        Some(ids) => ids
            .iter()
            .map(|&id| make_mutant(id, &projects, &all))
            .collect(),
        None => (0..count)
            .map(|id| make_mutant(id, &projects, &all))
            .collect(),
    };
    let count = mutants.len();

    // Removed however the test ends; canonical, so "is the file under the current directory"
    // compares like with like.
    let tmp = Temp::new("mutants");
    let tmp_path = tmp.path().to_path_buf();
    let target_dir = Path::new(env!("CARGO_BIN_EXE_slsc"))
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join("target"));
    let failures_dir = target_dir.join("robustness-failures");
    let _ = fs::remove_dir_all(&failures_dir);

    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<Failure>> = Mutex::new(Vec::new());
    let stats: Mutex<BTreeMap<&'static str, OpStat>> = Mutex::new(BTreeMap::new());
    let json_runs = AtomicUsize::new(0);
    let parsed_runs = AtomicUsize::new(0);
    let usage_exits = AtomicUsize::new(0);
    let slowest = Mutex::new((Duration::ZERO, 0usize));

    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(m) = mutants.get(i) else { break };
                let p = &projects[m.project];
                let t0 = Instant::now();
                let result = run_mutant(m, p, &tmp_path, &failures_dir);
                {
                    let mut slow = slowest.lock().unwrap();
                    if t0.elapsed() > slow.0 {
                        *slow = (t0.elapsed(), m.id);
                    }
                }
                let mdir = tmp_path.join(format!("m{}", m.id));
                if only.is_some() {
                    // Rerunning chosen mutants: keep each one for inspection.
                    let _ = copy_dir(&mdir, &failures_dir.join(format!("m{}", m.id)));
                }
                let _ = fs::remove_dir_all(&mdir);
                match result {
                    Ok(Outcome { json: Some(syntax) }) => {
                        json_runs.fetch_add(1, Ordering::Relaxed);
                        if !syntax {
                            parsed_runs.fetch_add(1, Ordering::Relaxed);
                        }
                        let mut st = stats.lock().unwrap();
                        for op in &m.ops {
                            let e = st.entry(op).or_default();
                            e.runs += 1;
                            e.parsed += usize::from(!syntax);
                        }
                    }
                    Ok(Outcome { json: None }) => {
                        if matches!(m.mode, RunMode::Stage(..) | RunMode::Vars(_)) {
                            usage_exits.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(f) => failures.lock().unwrap().push(f),
                }
            });
        }
    });

    let elapsed = started.elapsed();
    let json_runs = json_runs.into_inner();
    let parsed = parsed_runs.into_inner();
    let ratio = if json_runs == 0 {
        0.0
    } else {
        parsed as f64 / json_runs as f64
    };
    let groups = |g: Group| projects.iter().filter(|p| p.group == g).count();
    println!(
        "robustness: corpus {} example projects, {} seeds, {} fixture projects/files ({} .sls files)",
        groups(Group::Example),
        groups(Group::Seed),
        groups(Group::Fixture),
        all.len()
    );
    println!(
        "robustness: {count} mutants in {:.1}s on {THREADS} threads; {json_runs} JSON runs, {parsed} parsed without a `syntax` diagnostic ({:.1}%); {} flag runs ended as usage errors",
        elapsed.as_secs_f64(),
        ratio * 100.0,
        usage_exits.into_inner()
    );
    let (slow, slow_id) = slowest.into_inner().unwrap();
    let sm = mutants
        .iter()
        .find(|m| m.id == slow_id)
        .unwrap_or(&mutants[0]);
    println!(
        "robustness: slowest run {:.0} ms (m{slow_id}: {} / {}, ops {})",
        slow.as_secs_f64() * 1000.0,
        projects[sm.project].label,
        projects[sm.project].files[sm.file].0,
        sm.ops.join("+")
    );
    for (op, s) in stats.into_inner().unwrap() {
        println!(
            "  {op:<18} {:>5} JSON runs, {:>5.1}% parsed",
            s.runs,
            if s.runs == 0 {
                0.0
            } else {
                100.0 * s.parsed as f64 / s.runs as f64
            }
        );
    }

    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|f| f.id);
    if !failures.is_empty() {
        let mut by_sig: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for f in &failures {
            let e = by_sig.entry(f.signature.as_str()).or_insert((0, f.id));
            e.0 += 1;
        }
        let mut report = format!(
            "{} of {count} mutants failed ({} distinct signatures; reproductions in {}):\n",
            failures.len(),
            by_sig.len(),
            failures_dir.display()
        );
        for (sig, (n, first)) in &by_sig {
            report.push_str(&format!("  {n:>4} x {sig} (first: m{first})\n"));
        }
        report.push_str("first failures:\n");
        for f in failures.iter().take(20) {
            report.push_str(&format!("  {}\n", f.detail));
        }
        panic!("{report}");
    }
    if only.is_some() || std::env::var("SLSC_ROBUSTNESS_MUTANTS").is_ok() {
        return; // a partial run: the count and ratio below are about the default run
    }
    assert!(count >= 1200, "at least 1,200 mutants");
    assert!(
        ratio >= MIN_PARSE_RATIO,
        "only {:.1}% of the JSON runs parsed (at least {:.0}% should, or the mutants test little beyond the parser)",
        ratio * 100.0,
        MIN_PARSE_RATIO * 100.0
    );
}
