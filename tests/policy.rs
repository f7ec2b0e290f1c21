//! `policy "NAME"` blocks (SPEC §3 "policy", `compiler/model/policy.rs`): an organisation's own
//! rules, evaluated over `self` (a block's resolved attributes), `app`, `var` and `local`.
//!
//! Project policies are compiled in memory (`slsc::compile_files`); `--policy FILE_OR_DIR`
//! reads paths, so those tests write temporary projects and run the binary. Every diagnostic
//! is asserted whole: code, severity, file, line, column, message and help. Positions are
//! computed from the source text (`at`), so the projects can be read as they are written.
//!
//! The rules' own findings (missing-concurrency, unused-resource, …) are turned off with
//! `app.lint` in every project ([`app`]), so a test sees exactly the policies' output.

mod common;

use common::temp::Temp;
use common::{slsc, TODAY};
use serde_json::Value;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The rules whose findings would otherwise accompany the small projects of these tests.
const QUIET: &str = r#""missing-concurrency" = "allow", "unused-resource" = "allow", "missing-dead-letter" = "allow", "unauthenticated-route" = "allow", "missing-failure-destination" = "allow""#;

/// An `app` block that silences the rules, with more `lint` entries (`"policy/x" = "warn"`).
fn app_with(lint: &str, extra_attrs: &str) -> String {
    let sep = if lint.is_empty() { "" } else { ", " };
    format!("app \"shop\" {{\n  lint = {{ {QUIET}{sep}{lint} }}\n{extra_attrs}}}\n")
}

/// A project: the quiet `app` block, then `body`.
fn project(body: &str) -> String {
    app_with("", "") + body
}

/// The 1-based (line, column) of the only occurrence of `needle` in `src`.
#[track_caller]
fn at(src: &str, needle: &str) -> (u64, u64) {
    let mut hits = src.match_indices(needle);
    let (i, _) = hits
        .next()
        .unwrap_or_else(|| panic!("{needle:?} is not in the source:\n{src}"));
    assert!(
        hits.next().is_none(),
        "{needle:?} occurs more than once in the source:\n{src}"
    );
    let before = &src[..i];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() as u64 + 1;
    (line, col)
}

/// The (line, column) of `needle`, searched after the only occurrence of `anchor`.
#[track_caller]
fn at_after(src: &str, anchor: &str, needle: &str) -> (u64, u64) {
    let (i, _) = src
        .match_indices(anchor)
        .next()
        .unwrap_or_else(|| panic!("{anchor:?} is not in the source"));
    let j = i + src[i..]
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} does not follow {anchor:?}"));
    let before = &src[..j];
    (
        before.matches('\n').count() as u64 + 1,
        before.rsplit('\n').next().unwrap().chars().count() as u64 + 1,
    )
}

/// Compiles in-memory files with options, returning the JSON diagnostics.
fn compile(files: &[(&str, &str)], opts: slsc::Options) -> Value {
    let opts = slsc::Options {
        today: TODAY.into(),
        ..opts
    };
    let c = slsc::compile_files(files, &opts).expect("in-memory compile has no I/O errors");
    serde_json::from_str(&slsc::diagnostics::render_json(&c.diagnostics, &c.sources)).unwrap()
}

/// Compiles one in-memory `main.sls`.
fn lib(src: &str) -> Value {
    compile(&[("main.sls", src)], slsc::Options::default())
}

/// Compiles one in-memory `main.sls` for a stage.
fn lib_stage(src: &str, stage: &str) -> Value {
    compile(
        &[("main.sls", src)],
        slsc::Options {
            stage: Some(stage.into()),
            ..Default::default()
        },
    )
}

/// One expected diagnostic: code, severity, file, (line, column), message, help (None: no
/// help at all).
type W<'a> = (
    &'a str,
    &'a str,
    &'a str,
    (u64, u64),
    &'a str,
    Option<&'a str>,
);

fn show(d: &Value) -> String {
    format!(
        "{} {} {}:{}:{} {:?} help={:?}",
        d["code"].as_str().unwrap_or("?"),
        d["severity"].as_str().unwrap_or("?"),
        d["file"].as_str().unwrap_or("?"),
        d["line"],
        d["column"],
        d["message"].as_str().unwrap_or(""),
        d["help"].as_str(),
    )
}

fn show_want(w: &W) -> String {
    format!(
        "{} {} {}:{}:{} {:?} help={:?}",
        w.0, w.1, w.2, w.3 .0, w.3 .1, w.4, w.5
    )
}

fn diags(json: &Value) -> Vec<Value> {
    json["diagnostics"].as_array().cloned().unwrap_or_default()
}

/// The output holds exactly these diagnostics, in this order, and its counts agree.
#[track_caller]
fn assert_exact(json: &Value, want: &[W]) {
    let got = diags(json);
    let same = got.len() == want.len()
        && got.iter().zip(want).all(|(d, w)| {
            d["code"] == w.0
                && d["severity"] == w.1
                && d["file"] == w.2
                && d["line"] == w.3 .0
                && d["column"] == w.3 .1
                && d["message"] == w.4
                && d["help"].as_str() == w.5
        });
    if !same {
        panic!(
            "expected:\n  {}\nactual:\n  {}\n",
            want.iter().map(show_want).collect::<Vec<_>>().join("\n  "),
            got.iter().map(show).collect::<Vec<_>>().join("\n  ")
        );
    }
    for (key, sev) in [("errors", "error"), ("warnings", "warning")] {
        let n = got.iter().filter(|d| d["severity"] == sev).count();
        assert_eq!(json[key], n, "\"{key}\" disagrees with the diagnostics");
    }
}

/// No diagnostic at all.
#[track_caller]
fn assert_clean(json: &Value) {
    assert_exact(json, &[]);
}

/// The diagnostics whose code starts with `policy/`.
fn policy_findings(json: &Value) -> Vec<Value> {
    diags(json)
        .into_iter()
        .filter(|d| d["code"].as_str().unwrap_or("").starts_with("policy/"))
        .collect()
}

/// `required by policy "NAME": CONDITION`, the help of every finding.
fn req(name: &str, cond: &str) -> String {
    format!("required by policy \"{name}\": {cond}")
}

/// Runs `slsc check ARGS… --format json` in `cwd`: (exit code, parsed stdout or Null, stderr).
fn cli(cwd: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut a = vec!["check"];
    a.extend_from_slice(args);
    a.extend_from_slice(&["--format", "json"]);
    let out = slsc(&a, cwd);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "slsc panicked: {stderr}");
    let json = if stdout.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}\nstderr: {stderr}"))
    };
    (out.status.code().expect("exit code"), json, stderr)
}

const FN_A: &str = "function \"a\" {\n  handler = \"index.handler\"\n}\n";

// ---------------------------------------------------------------------------------------------
// One passing and one failing block per kind
// ---------------------------------------------------------------------------------------------

#[test]
fn function_memory_limit() {
    let src = project(
        r#"
function "small" {
  handler = "index.handler"
  memory  = "1GB"
}

function "big" {
  handler = "index.handler"
  memory  = "2GB"
}

function "plain" {
  handler = "index.handler"
}

policy "max_memory" {
  for       = "function"
  condition = self.memory <= 1024
  message   = "functions over 1 GB need a platform exception"
  level     = "deny"
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/max_memory",
            "error",
            "main.sls",
            at(&src, "\"2GB\""),
            "functions over 1 GB need a platform exception (function \"big\")",
            Some(&req("max_memory", "self.memory <= 1024")),
        )],
    );
}

#[test]
fn memory_from_the_app_default_is_reported_at_the_block_header() {
    // The function does not set `memory`: self.memory is the app's 2048, and the finding
    // points at the header (there is no attribute to point at).
    let src = app_with("", "  memory = 2048\n")
        + r#"
function "inherits" {
  handler = "index.handler"
}

function "own" {
  handler = "index.handler"
  memory  = 512
}

policy "max_memory" {
  for       = "function"
  condition = self.memory <= 1024
}
"#;
    assert_exact(
        &lib(&src),
        &[(
            "policy/max_memory",
            "error",
            "main.sls",
            at(&src, "function \"inherits\""),
            "policy \"max_memory\" is not met (function \"inherits\")",
            Some(&req("max_memory", "self.memory <= 1024")),
        )],
    );
}

#[test]
fn builtin_default_memory_is_128() {
    // No memory anywhere: the default 128 MB is what `self.memory` holds.
    let pass = project(&format!(
        "{FN_A}\npolicy \"exact\" {{\n  for = \"function\"\n  condition = self.memory == 128\n}}\n"
    ));
    assert_clean(&lib(&pass));
    let fail = project(&format!(
        "{FN_A}\npolicy \"exact\" {{\n  for = \"function\"\n  condition = self.memory != 128\n}}\n"
    ));
    assert_exact(
        &lib(&fail),
        &[(
            "policy/exact",
            "error",
            "main.sls",
            at(&fail, "function \"a\""),
            "policy \"exact\" is not met (function \"a\")",
            Some(&req("exact", "self.memory != 128")),
        )],
    );
}

#[test]
fn queue_must_have_a_dead_letter() {
    let src = project(
        r#"
queue "jobs" {
  dead_letter = queue.jobs_dlq
}

queue "jobs_dlq" {}

queue "bare" {
  retention = "1d"
}

policy "dead_letters" {
  for       = "queue"
  when      = self.name != "jobs_dlq"
  condition = self.dead_letter != null
  message   = "every queue needs a dead-letter queue"
}
"#,
    );
    // `bare` sets other attributes but not dead_letter: the header. A `!= null` comparison is
    // false, not an evaluation failure, so there is no "attribute unset" note.
    assert_exact(
        &lib(&src),
        &[(
            "policy/dead_letters",
            "error",
            "main.sls",
            at(&src, "queue \"bare\""),
            "every queue needs a dead-letter queue (queue \"bare\")",
            Some(&req("dead_letters", "self.dead_letter != null")),
        )],
    );
}

#[test]
fn references_are_address_strings() {
    let src = |want: &str| {
        project(&format!(
            r#"
queue "jobs" {{
  dead_letter = queue.jobs_dlq
}}

queue "jobs_dlq" {{}}

policy "dlq_name" {{
  for       = "queue"
  when      = self.name == "jobs"
  condition = self.dead_letter == "{want}"
}}
"#
        ))
    };
    assert_clean(&lib(&src("queue.jobs_dlq")));
    let fail = src("queue.other");
    assert_exact(
        &lib(&fail),
        &[(
            "policy/dlq_name",
            "error",
            "main.sls",
            at(&fail, "queue.jobs_dlq"),
            "policy \"dlq_name\" is not met (queue \"jobs\")",
            Some(&req("dlq_name", "self.dead_letter == \"queue.other\"")),
        )],
    );
}

#[test]
fn allowed_runtimes_with_a_for_expression() {
    let src = project(
        r#"
locals {
  allowed = ["nodejs22.x", "nodejs24.x"]
}

function "node" {
  handler = "index.handler"
  runtime = "nodejs22.x"
}

function "defaulted" {
  handler = "index.handler"
}

function "py" {
  handler = "main.handler"
  runtime = "python3.13"
}

policy "runtimes" {
  for       = "function"
  condition = length([for r in local.allowed : r if r == self.runtime]) > 0
  message   = "use a supported Node.js runtime"
  level     = "warn"
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/runtimes",
            "warning",
            "main.sls",
            at(&src, "\"python3.13\""),
            "use a supported Node.js runtime (function \"py\")",
            Some(&req(
                "runtimes",
                "length([for r in local.allowed : r if r == self.runtime]) > 0",
            )),
        )],
    );
}

#[test]
fn allowed_runtimes_with_lookup_and_the_app_runtime() {
    // The app's runtime is every function's default: a function without `runtime` is checked
    // against it, and reported at its header.
    let src = app_with("", "  runtime = \"nodejs22.x\"\n")
        + r#"
variable "runtimes" {
  type    = map(bool)
  default = { "nodejs24.x" = true, "python3.13" = true }
}

function "inherits" {
  handler = "index.handler"
}

function "py" {
  handler = "main.handler"
  runtime = "python3.13"
}

policy "runtimes" {
  for       = "function"
  condition = lookup(var.runtimes, self.runtime, false)
}
"#;
    assert_exact(
        &lib(&src),
        &[(
            "policy/runtimes",
            "error",
            "main.sls",
            at(&src, "function \"inherits\""),
            "policy \"runtimes\" is not met (function \"inherits\")",
            Some(&req(
                "runtimes",
                "lookup(var.runtimes, self.runtime, false)",
            )),
        )],
    );
}

#[test]
fn tables_need_point_in_time_recovery() {
    let src = project(
        r#"
database "orders" {
  partition_key = { name = "id", type = "string" }
}

database "scratch" {
  partition_key          = { name = "id", type = "string" }
  point_in_time_recovery = false
}

database "ledger" {
  partition_key          = { name = "id", type = "string" }
  point_in_time_recovery = true
}

policy "pitr" {
  for       = "database"
  condition = self.point_in_time_recovery == true
  message   = "tables must keep point-in-time recovery"
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/pitr",
            "error",
            "main.sls",
            at(&src, "false"),
            "tables must keep point-in-time recovery (database \"scratch\")",
            Some(&req("pitr", "self.point_in_time_recovery == true")),
        )],
    );
}

#[test]
fn bucket_versioning() {
    let src = project(
        r#"
bucket "media" {
  versioning = true
}

bucket "tmp" {}

bucket "logs" {
  versioning = false
}

policy "versioned" {
  for       = "bucket"
  condition = self.versioning
  message   = "buckets must be versioned"
  level     = "warn"
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[
            // `tmp` is versioned by default (docs/security.md): only `logs` turns it off.
            (
                "policy/versioned",
                "warning",
                "main.sls",
                at(&src, "false"),
                "buckets must be versioned (bucket \"logs\")",
                Some(&req("versioned", "self.versioning")),
            ),
        ],
    );
}

#[test]
fn alarms_must_notify_someone() {
    let src = project(
        r#"
function "a" {
  handler = "index.handler"
}

alarm "errors" {
  watch     = function.a
  metric    = "errors"
  threshold = 1
  notify    = ["ops@example.com"]
}

alarm "slow" {
  watch     = function.a
  metric    = "duration"
  threshold = 3000
}

policy "alarm_notify" {
  for       = "alarm"
  condition = length(self.notify) > 0
  message   = "alarms must notify someone"
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/alarm_notify",
            "error",
            "main.sls",
            at(&src, "alarm \"slow\""),
            "alarms must notify someone (alarm \"slow\")",
            Some(&req("alarm_notify", "length(self.notify) > 0")),
        )],
    );
}

#[test]
fn topics_must_not_be_fifo() {
    let src = project(
        r#"
topic "events" {}

topic "ordered" {
  fifo = true
}

policy "no_fifo_topics" {
  for       = "topic"
  condition = !self.fifo
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/no_fifo_topics",
            "error",
            "main.sls",
            at(&src, "true"),
            "policy \"no_fifo_topics\" is not met (topic \"ordered\")",
            Some(&req("no_fifo_topics", "!self.fifo")),
        )],
    );
}

#[test]
fn outputs_need_a_description() {
    let src = project(
        r#"
queue "jobs" {}

output "documented" {
  value       = queue.jobs.url
  description = "the jobs queue"
}

output "bare" {
  value = "${queue.jobs.url}?x=1"
}

policy "described" {
  for       = "output"
  condition = self.description != null
  message   = "outputs must be described"
}

policy "deploy_time_text" {
  for       = "output"
  when      = self.name == "bare"
  condition = self.value == "$${queue.jobs.url}?x=1"
}
"#,
    );
    // Deploy-time strings are their `${…}` text: `deploy_time_text` holds.
    assert_exact(
        &lib(&src),
        &[(
            "policy/described",
            "error",
            "main.sls",
            at(&src, "output \"bare\""),
            "outputs must be described (output \"bare\")",
            Some(&req("described", "self.description != null")),
        )],
    );
}

#[test]
fn http_routes_need_auth() {
    // `auth` absent means "none"; the policy is scoped to http triggers with `when`, so the
    // schedule and queue triggers (whose `auth` is null) are not checked.
    let src = project(
        r#"
function "a" {
  handler = "index.handler"
}

queue "jobs" {}

trigger "open" {
  function = function.a
  http     = "GET /open"
}

trigger "explicit_none" {
  function = function.a
  http     = "GET /none"
  auth     = "none"
}

trigger "signed" {
  function = function.a
  http     = "POST /signed"
  auth     = "iam"
}

trigger "tick" {
  function = function.a
  schedule = "rate(5 minutes)"
}

trigger "consume" {
  function = function.a
  source   = queue.jobs
}

policy "route_auth" {
  for       = "trigger"
  when      = self.source_kind == "http"
  condition = self.auth == "iam" || self.auth == "jwt"
  message   = "HTTP routes must be authenticated"
}
"#,
    );
    let help = req("route_auth", "self.auth == \"iam\" || self.auth == \"jwt\"");
    assert_exact(
        &lib(&src),
        &[
            (
                "policy/route_auth",
                "error",
                "main.sls",
                at(&src, "trigger \"open\""),
                "HTTP routes must be authenticated (trigger \"open\")",
                Some(&help),
            ),
            (
                "policy/route_auth",
                "error",
                "main.sls",
                at(&src, "\"none\""),
                "HTTP routes must be authenticated (trigger \"explicit_none\")",
                Some(&help),
            ),
        ],
    );
}

#[test]
fn absent_auth_is_none() {
    let src = project(
        r#"
function "a" {
  handler = "index.handler"
}

trigger "open" {
  function = function.a
  http     = "GET /open"
}

policy "auth_is_none" {
  for       = "trigger"
  condition = self.auth == "none"
}
"#,
    );
    assert_clean(&lib(&src));
}

#[test]
fn schedule_triggers_by_source_kind() {
    let src = project(
        r#"
function "a" {
  handler     = "index.handler"
  dead_letter = queue.failed
}

queue "failed" {}

trigger "fast" {
  function = function.a
  schedule = "rate(1 minute)"
}

trigger "hourly" {
  function = function.a
  schedule = "rate(1 hour)"
}

trigger "api" {
  function = function.a
  http     = "GET /x"
}

policy "slow_schedules" {
  for       = "trigger"
  when      = self.source_kind == "schedule"
  condition = self.schedule != "rate(1 minute)"
  message   = "schedules run at most every 5 minutes"
  level     = "warn"
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/slow_schedules",
            "warning",
            "main.sls",
            at_after(&src, "trigger \"fast\"", "\"rate(1 minute)\""),
            "schedules run at most every 5 minutes (trigger \"fast\")",
            Some(&req(
                "slow_schedules",
                "self.schedule != \"rate(1 minute)\"",
            )),
        )],
    );
}

#[test]
fn queue_trigger_self_values() {
    // source_kind, the source as an address, the function as an address, batch_size default.
    let src = |cond: &str| {
        project(&format!(
            r#"
function "a" {{
  handler = "index.handler"
}}

queue "jobs" {{}}

trigger "consume" {{
  function = function.a
  source   = queue.jobs
}}

policy "shape" {{
  for       = "trigger"
  condition = {cond}
}}
"#
        ))
    };
    assert_clean(&lib(&src(
        r#"self.source_kind == "queue" && self.source == "queue.jobs" && self.function == "function.a" && self.batch_size == 10 && self.name == "consume""#,
    )));
    let fail = src(r#"self.source_kind == "http""#);
    assert_exact(
        &lib(&fail),
        &[(
            "policy/shape",
            "error",
            "main.sls",
            at(&fail, "trigger \"consume\""),
            "policy \"shape\" is not met (trigger \"consume\")",
            Some(&req("shape", "self.source_kind == \"http\"")),
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// What `self` holds
// ---------------------------------------------------------------------------------------------

#[test]
fn durations_are_seconds() {
    let src = project(
        r#"
function "thirty" {
  handler = "index.handler"
  timeout = "30s"
}

function "minute" {
  handler = "index.handler"
  timeout = "1m"
}

function "default" {
  handler = "index.handler"
}

function "plain_number" {
  handler = "index.handler"
  timeout = 31
}

policy "short" {
  for       = "function"
  condition = self.timeout <= 30
}
"#,
    );
    let help = req("short", "self.timeout <= 30");
    assert_exact(
        &lib(&src),
        &[
            (
                "policy/short",
                "error",
                "main.sls",
                at(&src, "\"1m\""),
                "policy \"short\" is not met (function \"minute\")",
                Some(&help),
            ),
            (
                "policy/short",
                "error",
                "main.sls",
                at(&src, "31"),
                "policy \"short\" is not met (function \"plain_number\")",
                Some(&help),
            ),
        ],
    );
}

#[test]
fn queue_defaults_are_in_seconds() {
    // retention "4d" = 345600 s, visibility 30 s, delay 0, max_receives unset without a
    // dead letter (null).
    let src = project(
        r#"
queue "jobs" {}

policy "defaults" {
  for       = "queue"
  condition = self.retention == 345600 && self.visibility_timeout == 30 && self.delay == 0 && self.fifo == false && self.max_receives == null
}
"#,
    );
    assert_clean(&lib(&src));
}

#[test]
fn sizes_are_megabytes() {
    let src = project(
        r#"
function "a" {
  handler = "index.handler"
  memory  = "1GB"
}

policy "exactly_1024" {
  for       = "function"
  condition = self.memory == 1024 && self.name == "a"
}
"#,
    );
    assert_clean(&lib(&src));
}

/// `self.name` stays the block's name; the `name` attribute (an explicit physical name) is
/// `self.physical_name`, `null` when unset.
#[test]
fn self_physical_name() {
    let src = project(
        r#"
database "users" {
  name          = "users-${app.stage}"
  partition_key = { name = "id", type = "string" }
}

database "orders" {
  partition_key = { name = "id", type = "string" }
}

policy "adopted_names" {
  for       = "database"
  condition = self.name == "orders" ? self.physical_name == null : self.physical_name == "users-dev" && self.name == "users"
}
"#,
    );
    assert_clean(&lib(&src));
}

#[test]
fn self_name() {
    let src = project(
        r#"
function "orders_api" {
  handler = "index.handler"
}

function "x" {
  handler = "index.handler"
}

policy "long_names" {
  for       = "function"
  condition = length(self.name) >= 3
  message   = "function names have at least 3 characters"
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/long_names",
            "error",
            "main.sls",
            at(&src, "function \"x\""),
            "function names have at least 3 characters (function \"x\")",
            Some(&req("long_names", "length(self.name) >= 3")),
        )],
    );
}

#[test]
fn var_and_local_in_conditions() {
    let src = project(
        r#"
variable "max_memory" {
  type    = number
  default = 1024
}

locals {
  max_timeout = 10
}

function "a" {
  handler = "index.handler"
  memory  = 2048
  timeout = 20
}

policy "mem" {
  for       = "function"
  condition = self.memory <= var.max_memory
}

policy "time" {
  for       = "function"
  condition = self.timeout <= local.max_timeout
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[
            (
                "policy/mem",
                "error",
                "main.sls",
                at(&src, "2048"),
                "policy \"mem\" is not met (function \"a\")",
                Some(&req("mem", "self.memory <= var.max_memory")),
            ),
            (
                "policy/time",
                "error",
                "main.sls",
                at(&src, "20\n"),
                "policy \"time\" is not met (function \"a\")",
                Some(&req("time", "self.timeout <= local.max_timeout")),
            ),
        ],
    );
    // The variable's value from the command line changes the verdict.
    let with_var = compile(
        &[("main.sls", &src)],
        slsc::Options {
            vars: vec![("max_memory".into(), "4096".into())],
            ..Default::default()
        },
    );
    let codes: Vec<String> = policy_findings(&with_var)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["policy/time"]);
}

#[test]
fn the_first_set_attribute_the_condition_reads_is_the_location() {
    // The condition reads memory then timeout; the block sets only timeout.
    let src = project(
        r#"
function "a" {
  handler = "index.handler"
  timeout = 60
}

policy "both" {
  for       = "function"
  condition = self.memory <= 64 && self.timeout <= 30
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/both",
            "error",
            "main.sls",
            at(&src, "60"),
            "policy \"both\" is not met (function \"a\")",
            Some(&req("both", "self.memory <= 64 && self.timeout <= 30")),
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// Message, level, defaults
// ---------------------------------------------------------------------------------------------

#[test]
fn default_message_and_level() {
    let src = project(&format!(
        "{FN_A}\npolicy \"named\" {{\n  for = \"function\"\n  condition = self.memory > 1024\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "policy/named",
            "error",
            "main.sls",
            at(&src, "function \"a\""),
            "policy \"named\" is not met (function \"a\")",
            Some(&req("named", "self.memory > 1024")),
        )],
    );
}

#[test]
fn message_and_level_may_be_computed() {
    // `message` and `level` are compile-time values: locals and templates work.
    let src = project(&format!(
        r#"{FN_A}
locals {{
  level = "warn"
}}

policy "computed" {{
  for       = "function"
  condition = self.memory > 1024
  message   = "${{app.name}}: too small"
  level     = local.level
}}
"#
    ));
    assert_exact(
        &lib(&src),
        &[(
            "policy/computed",
            "warning",
            "main.sls",
            at(&src, "function \"a\""),
            "shop: too small (function \"a\")",
            Some(&req("computed", "self.memory > 1024")),
        )],
    );
}

#[test]
fn one_finding_per_failing_block() {
    let src = project(
        r#"
function "b" {
  handler = "index.handler"
}

function "a" {
  handler = "index.handler"
}

policy "never" {
  for       = "function"
  condition = false
}
"#,
    );
    // Sorted by position, not by name.
    assert_exact(
        &lib(&src),
        &[
            (
                "policy/never",
                "error",
                "main.sls",
                at(&src, "function \"b\""),
                "policy \"never\" is not met (function \"b\")",
                Some(&req("never", "false")),
            ),
            (
                "policy/never",
                "error",
                "main.sls",
                at(&src, "function \"a\""),
                "policy \"never\" is not met (function \"a\")",
                Some(&req("never", "false")),
            ),
        ],
    );
}

#[test]
fn a_policy_for_a_kind_with_no_blocks_is_silent() {
    let src = project(&format!(
        "{FN_A}\npolicy \"q\" {{\n  for = \"queue\"\n  condition = false\n}}\n"
    ));
    assert_clean(&lib(&src));
}

// ---------------------------------------------------------------------------------------------
// `when`
// ---------------------------------------------------------------------------------------------

fn prod_only() -> String {
    project(&format!(
        r#"{FN_A}
policy "prod_tracing" {{
  for       = "function"
  when      = app.stage == "prod"
  condition = self.tracing == true
  message   = "production functions are traced"
}}
"#
    ))
}

#[test]
fn when_scopes_by_stage() {
    let src = prod_only();
    assert_clean(&lib(&src));
    assert_clean(&lib_stage(&src, "staging"));
    assert_exact(
        &lib_stage(&src, "prod"),
        &[(
            "policy/prod_tracing",
            "error",
            "main.sls",
            at(&src, "function \"a\""),
            "production functions are traced (function \"a\")",
            Some(&req("prod_tracing", "self.tracing == true")),
        )],
    );
}

#[test]
fn when_scopes_by_stage_on_the_command_line() {
    let t = Temp::new("stage");
    t.write("proj/main.sls", prod_only().as_bytes());
    let (code, json, _) = cli(t.path(), &["proj"]);
    assert_eq!(code, 0);
    assert_clean(&json);
    let (code, json, _) = cli(t.path(), &["proj", "--stage", "prod"]);
    assert_eq!(code, 1);
    assert_exact(
        &json,
        &[(
            "policy/prod_tracing",
            "error",
            "proj/main.sls",
            at(&prod_only(), "function \"a\""),
            "production functions are traced (function \"a\")",
            Some(&req("prod_tracing", "self.tracing == true")),
        )],
    );
}

#[test]
fn when_with_the_stage_set_in_the_app_block() {
    let src = app_with("", "  stage = \"prod\"\n")
        + &format!(
            "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  when = app.stage == \"prod\"\n  condition = false\n}}\n"
        );
    assert_eq!(policy_findings(&lib(&src)).len(), 1);
    // --stage overrides the app's stage.
    assert_eq!(policy_findings(&lib_stage(&src, "dev")).len(), 0);
}

#[test]
fn when_reading_an_unset_attribute_skips_the_block() {
    // `when` and `condition` read the same optional attribute.
    let src = project(
        r#"
function "unlimited" {
  handler = "index.handler"
}

function "limited" {
  handler     = "index.handler"
  concurrency = 200
}

policy "bounded" {
  for       = "function"
  when      = self.concurrency > 10
  condition = self.concurrency <= 100
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/bounded",
            "error",
            "main.sls",
            at(&src, "200"),
            "policy \"bounded\" is not met (function \"limited\")",
            Some(&req("bounded", "self.concurrency <= 100")),
        )],
    );
}

#[test]

fn when_reading_an_unset_attribute_the_condition_does_not_read_skips_the_block() {
    let src = project(
        r#"
function "unlimited" {
  handler = "index.handler"
}

function "limited" {
  handler     = "index.handler"
  concurrency = 20
  memory      = 2048
}

policy "reserved_are_small" {
  for       = "function"
  when      = self.concurrency > 10
  condition = self.memory <= 1024
}
"#,
    );
    // Today: also invalid-policy at the `when` ("`>` needs numbers, found null") for
    // "unlimited" — a compile error — and the policy stops there, so blocks after it in name
    // order are not checked.
    assert_exact(
        &lib(&src),
        &[(
            "policy/reserved_are_small",
            "error",
            "main.sls",
            at(&src, "2048"),
            "policy \"reserved_are_small\" is not met (function \"limited\")",
            Some(&req("reserved_are_small", "self.memory <= 1024")),
        )],
    );
}

#[test]
fn when_false_for_every_block_is_silent() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  when = self.name == \"zzz\"\n  condition = false\n}}\n"
    ));
    assert_clean(&lib(&src));
}

// ---------------------------------------------------------------------------------------------
// Unset attributes
// ---------------------------------------------------------------------------------------------

#[test]
fn a_condition_failing_on_null_says_attribute_unset() {
    let src = project(
        r#"
function "unlimited" {
  handler = "index.handler"
}

function "limited" {
  handler     = "index.handler"
  concurrency = 50
}

policy "reserved" {
  for       = "function"
  condition = self.concurrency <= 100
  message   = "functions reserve at most 100"
  level     = "warn"
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "policy/reserved",
            "warning",
            "main.sls",
            at(&src, "function \"unlimited\""),
            "functions reserve at most 100 (attribute unset: self.concurrency) (function \"unlimited\")",
            Some(&req("reserved", "self.concurrency <= 100")),
        )],
    );
}

#[test]
fn attribute_unset_lists_every_unset_read() {
    let src = project(
        r#"
function "a" {
  handler = "index.handler"
  memory  = 256
}

policy "p" {
  for       = "function"
  condition = self.memory + self.concurrency + length(self.description) > 0
}
"#,
    );
    // An unset attribute is not written anywhere: the location is the block's header.
    assert_exact(
        &lib(&src),
        &[(
            "policy/p",
            "error",
            "main.sls",
            at(&src, "function \"a\""),
            "policy \"p\" is not met (attribute unset: self.concurrency, self.description) (function \"a\")",
            Some(&req(
                "p",
                "self.memory + self.concurrency + length(self.description) > 0",
            )),
        )],
    );
}

#[test]
fn null_comparisons_are_not_unset_failures() {
    let src = project(
        r#"
function "a" {
  handler = "index.handler"
}

policy "described" {
  for       = "function"
  condition = self.description == null || length(self.description) > 10
}
"#,
    );
    assert_clean(&lib(&src));
}

#[test]
fn an_error_not_caused_by_null_is_invalid_policy_even_with_unset_reads() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = self.description == null && self.name > 5\n}}\n"
    ));
    // Today: policy/p error "policy \"p\" is not met (attribute unset: self.description)
    // (function \"a\")" at the function's header.
    let json = lib(&src);
    assert_eq!(common::codes(&json), ["invalid-policy"], "{json:#}");
}

// ---------------------------------------------------------------------------------------------
// Errors in policies
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_self_attribute_is_invalid_policy_with_a_suggestion() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = self.memroy <= 1024\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "invalid-policy",
            "error",
            "main.sls",
            at(&src, "self.memroy"),
            "policy \"p\": a function has no attribute `memroy`",
            Some("did you mean `self.memory`?"),
        )],
    );
}

#[test]
fn unknown_self_attribute_in_when_and_without_a_close_name() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"queue\"\n  when = self.zzzzzzzzzz == 1\n  condition = self.fifo\n}}\n"
    ));
    let json = lib(&src);
    let d = diags(&json);
    assert_eq!(d.len(), 1, "{json:#}");
    assert_eq!(d[0]["code"], "invalid-policy");
    assert_eq!(
        (
            d[0]["line"].as_u64().unwrap(),
            d[0]["column"].as_u64().unwrap()
        ),
        at(&src, "self.zzzzzzzzzz")
    );
    assert_eq!(
        d[0]["message"],
        "policy \"p\": a queue has no attribute `zzzzzzzzzz`"
    );
    // No close name: the help lists what `self` has.
    let help = d[0]["help"].as_str().unwrap();
    assert!(help.starts_with("`self` has name, "), "{help}");
    for attr in ["dead_letter", "max_receives", "visibility_timeout"] {
        assert!(help.contains(attr), "{help}");
    }
}

#[test]
fn source_kind_is_only_for_triggers() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = self.source_kind == \"http\"\n}}\n"
    ));
    let json = lib(&src);
    let d = diags(&json);
    assert_eq!(d.len(), 1, "{json:#}");
    assert_eq!(d[0]["code"], "invalid-policy");
    assert_eq!(
        d[0]["message"],
        "policy \"p\": a function has no attribute `source_kind`"
    );
}

#[test]
fn a_condition_that_is_not_a_bool_is_invalid_policy_once() {
    let src = project(
        r#"
function "a" {
  handler = "index.handler"
}

function "b" {
  handler = "index.handler"
}

policy "p" {
  for       = "function"
  condition = self.memory
}
"#,
    );
    assert_exact(
        &lib(&src),
        &[(
            "invalid-policy",
            "error",
            "main.sls",
            at(&src, "self.memory"),
            "policy \"p\": `condition` must be true or false, but it is the number 128",
            Some("compare the value, e.g. `self.memory <= 1024` or `self.tracing == true`"),
        )],
    );
}

#[test]
fn a_when_that_is_not_a_bool_is_invalid_policy() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  when = self.name\n  condition = true\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "invalid-policy",
            "error",
            "main.sls",
            at(&src, "self.name"),
            "policy \"p\": `when` must be true or false, but it is the string \"a\"",
            Some("compare the value, e.g. `self.memory <= 1024` or `self.tracing == true`"),
        )],
    );
}

#[test]
fn a_condition_that_cannot_be_evaluated_is_invalid_policy() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = self.name > 5\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "invalid-policy",
            "error",
            "main.sls",
            at(&src, "self.name > 5"),
            "policy \"p\": `condition` cannot be evaluated: `>` needs numbers, found the string \"a\"",
            None,
        )],
    );
}

#[test]
fn a_bad_for_is_invalid_value_with_a_suggestion() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"funtion\"\n  condition = true\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "invalid-value",
            "error",
            "main.sls",
            at(&src, "\"funtion\""),
            "a policy cannot be for `funtion`",
            Some("did you mean \"function\"?"),
        )],
    );
}

#[test]
fn a_for_far_from_any_kind_lists_the_kinds() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"variable\"\n  condition = true\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "invalid-value",
            "error",
            "main.sls",
            at(&src, "\"variable\""),
            "a policy cannot be for `variable`",
            Some(
                "`for` is one of app, function, queue, database, bucket, topic, alarm, layer, stream, resource, trigger, output",
            ),
        )],
    );
}

#[test]
fn a_for_that_is_not_a_string_is_a_type_mismatch() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = 5\n  condition = true\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "type-mismatch",
            "error",
            "main.sls",
            at(&src, "5\n"),
            "`for` must be a string, found the number 5",
            None,
        )],
    );
}

#[test]
fn missing_for_or_condition_is_missing_attribute() {
    let src = project(&format!(
        "{FN_A}\npolicy \"no_for\" {{\n  condition = true\n}}\n\npolicy \"no_cond\" {{\n  for = \"function\"\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[
            (
                "missing-attribute",
                "error",
                "main.sls",
                at(&src, "policy \"no_for\""),
                "policy \"no_for\" needs `for`",
                Some("add `for = \"function\"` (or app, queue, database, bucket, topic, alarm, trigger, output)"),
            ),
            (
                "missing-attribute",
                "error",
                "main.sls",
                at(&src, "policy \"no_cond\""),
                "policy \"no_cond\" needs `condition`",
                Some("add `condition = self.memory <= 1024` (an expression over self that is true when the block complies)"),
            ),
        ],
    );
}

#[test]
fn unknown_attribute_in_a_policy_block() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = true\n  mesage = \"x\"\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "unknown-attribute",
            "error",
            "main.sls",
            at(&src, "mesage"),
            "unknown attribute `mesage` in a `policy` block",
            Some("did you mean `message`?"),
        )],
    );
}

#[test]
fn level_error_is_invalid_value() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = false\n  level = \"error\"\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "invalid-value",
            "error",
            "main.sls",
            at(&src, "\"error\""),
            "`level` is \"deny\" or \"warn\", not \"error\"",
            Some("use `app.lint` in a project to turn a policy off (\"allow\")"),
        )],
    );
}

#[test]
fn a_message_that_is_not_a_string_is_a_type_mismatch() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = false\n  message = [\"x\"]\n}}\n"
    ));
    let json = lib(&src);
    let d = diags(&json);
    assert_eq!(d.len(), 1, "{json:#}");
    assert_eq!(d[0]["code"], "type-mismatch");
    assert_eq!(
        (
            d[0]["line"].as_u64().unwrap(),
            d[0]["column"].as_u64().unwrap()
        ),
        at(&src, "[\"x\"]")
    );
    assert!(d[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("`message` must be a string, found"));
}

#[test]
fn duplicate_policy_names_in_a_project() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = true\n}}\n\npolicy \"p\" {{\n  for = \"queue\"\n  condition = true\n}}\n"
    ));
    let json = lib(&src);
    let d = diags(&json);
    assert_eq!(d.len(), 1, "{json:#}");
    let (line, col) = at(&src, "\"p\" {\n  for = \"queue\"");
    assert_eq!(d[0]["code"], "duplicate-name");
    assert_eq!(d[0]["severity"], "error");
    assert_eq!(
        (d[0]["line"].as_u64(), d[0]["column"].as_u64()),
        (Some(line), Some(col))
    );
    assert_eq!(d[0]["message"], "policy \"p\" is declared twice");
    let first = at(&src, "\"p\" {\n  for = \"function\"");
    assert_eq!(d[0]["labels"][0]["line"], first.0);
    assert_eq!(d[0]["labels"][0]["column"], first.1);
    assert_eq!(d[0]["labels"][0]["message"], "first declared here");
}

#[test]
fn a_policy_name_must_be_an_identifier() {
    let src = project(&format!(
        "{FN_A}\npolicy \"Max-Memory\" {{\n  for = \"function\"\n  condition = true\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "invalid-value",
            "error",
            "main.sls",
            at(&src, "\"Max-Memory\""),
            "`Max-Memory` is not a valid name: names are [a-z][a-z0-9_]*, at most 40 characters",
            None,
        )],
    );
}

#[test]
fn a_policy_takes_exactly_one_label() {
    let src = project(&format!(
        "{FN_A}\npolicy \"a\" \"b\" {{\n  for = \"function\"\n  condition = true\n}}\n"
    ));
    assert_exact(
        &lib(&src),
        &[(
            "syntax",
            "error",
            "main.sls",
            at(&src, "policy \"a\""),
            "a `policy` block takes exactly one name: policy \"NAME\" { … }",
            None,
        )],
    );
}

#[test]
fn a_nested_block_in_a_policy_is_unknown_block() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = true\n  rule {{\n    x = 1\n  }}\n}}\n"
    ));
    let json = lib(&src);
    let d = diags(&json);
    assert_eq!(d.len(), 1, "{json:#}");
    assert_eq!(d[0]["code"], "unknown-block");
    assert_eq!(
        (
            d[0]["line"].as_u64().unwrap(),
            d[0]["column"].as_u64().unwrap()
        ),
        at(&src, "rule {")
    );
}

#[test]
fn a_nested_block_in_a_policy_names_the_policy_block() {
    let src = project(&format!(
        "{FN_A}\npolicy \"p\" {{\n  for = \"function\"\n  condition = true\n  rule {{\n    x = 1\n  }}\n}}\n"
    ));
    let json = lib(&src);
    let msg = diags(&json)[0]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("`policy` block"), "{msg}");
}

#[test]
fn a_broken_policy_does_not_stop_the_others() {
    let src = project(&format!(
        "{FN_A}\npolicy \"broken\" {{\n  for = \"function\"\n  condition = self.memroy > 1\n}}\n\npolicy \"fine\" {{\n  for = \"function\"\n  condition = false\n}}\n"
    ));
    // An invalid policy is a compile error: no policy runs, the fine one included.
    let json = lib(&src);
    assert_eq!(common::codes(&json), ["invalid-policy"], "{json:#}");
}

// ---------------------------------------------------------------------------------------------
// Policies run only on a project without compile errors
// ---------------------------------------------------------------------------------------------

const ALWAYS_FAILS: &str = "\npolicy \"never\" {\n  for = \"function\"\n  condition = false\n}\n";

#[test]
fn no_policy_findings_with_a_type_error_elsewhere() {
    let src = project(&format!(
        "{FN_A}\nqueue \"q\" {{\n  retention = \"lots\"\n}}\n{ALWAYS_FAILS}"
    ));
    let json = lib(&src);
    assert!(policy_findings(&json).is_empty(), "{json:#}");
    assert_eq!(json["errors"], 1, "{json:#}");
    // Without the error, the policy runs.
    let ok = project(&format!("{FN_A}\nqueue \"q\" {{}}\n{ALWAYS_FAILS}"));
    assert_eq!(policy_findings(&lib(&ok)).len(), 1);
}

#[test]

fn no_policy_findings_with_a_syntax_error_in_another_file() {
    let main = project(&format!("{FN_A}{ALWAYS_FAILS}"));
    let json = compile(
        &[("main.sls", &main), ("broken.sls", "queue \"x\" {\n")],
        slsc::Options::default(),
    );
    assert_eq!(common::codes(&json), ["syntax"], "{json:#}");
}

// ---------------------------------------------------------------------------------------------
// app.lint levels
// ---------------------------------------------------------------------------------------------

fn lint_project(lint: &str) -> String {
    app_with(lint, "")
        + r#"
function "a" {
  handler = "index.handler"
  memory  = 2048
}

policy "deny_big" {
  for       = "function"
  condition = self.memory <= 1024
}

policy "warn_big" {
  for       = "function"
  condition = self.memory <= 1024
  level     = "warn"
}
"#
}

fn severities(json: &Value) -> Vec<(String, String)> {
    policy_findings(json)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn lint_levels_of_policies() {
    let json = lib(&lint_project(""));
    assert_eq!(
        severities(&json),
        pairs(&[("policy/deny_big", "error"), ("policy/warn_big", "warning")])
    );
    let json = lib(&lint_project(r#""policy/deny_big" = "allow""#));
    assert_eq!(severities(&json), pairs(&[("policy/warn_big", "warning")]));
    assert_eq!(json["errors"], 0);
    let json = lib(&lint_project(r#""policy/deny_big" = "warn""#));
    assert_eq!(
        severities(&json),
        pairs(&[
            ("policy/deny_big", "warning"),
            ("policy/warn_big", "warning")
        ])
    );
    let json = lib(&lint_project(r#""policy/warn_big" = "deny""#));
    assert_eq!(
        severities(&json),
        pairs(&[("policy/deny_big", "error"), ("policy/warn_big", "error")])
    );
    let json = lib(&lint_project(
        r#""policy/deny_big" = "allow", "policy/warn_big" = "allow""#,
    ));
    assert_clean(&json);
}

#[test]
fn lint_level_keeps_message_position_and_help() {
    let src = lint_project(r#""policy/deny_big" = "warn""#);
    let json = lib(&src);
    let d = &policy_findings(&json)[0];
    assert_eq!(d["code"], "policy/deny_big");
    assert_eq!(d["severity"], "warning");
    assert_eq!(
        (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()),
        at(&src, "2048")
    );
    assert_eq!(
        d["message"],
        "policy \"deny_big\" is not met (function \"a\")"
    );
    assert_eq!(d["help"], req("deny_big", "self.memory <= 1024").as_str());
}

#[test]
fn lint_of_an_undefined_policy_is_an_unknown_policy_warning() {
    let src = app_with(r#""policy/org_rule" = "warn""#, "") + FN_A;
    assert_exact(
        &lib(&src),
        &[(
            "unknown-policy",
            "warning",
            "main.sls",
            at(&src, "\"policy/org_rule\""),
            "no loaded policy defines `policy/org_rule`",
            Some("the level applies once a `policy` block (or a --policy file) defines it"),
        )],
    );
}

#[test]
fn lint_of_a_policy_loaded_with_the_policy_flag_is_known() {
    let t = Temp::new("lint-flag");
    let src = app_with(r#""policy/org_mem" = "warn""#, "")
        + "function \"a\" {\n  handler = \"index.handler\"\n  memory  = 4096\n}\n";
    t.write("proj/main.sls", src.as_bytes());
    t.write(
        "org/mem.sls",
        b"policy \"org_mem\" {\n  for       = \"function\"\n  condition = self.memory <= 1024\n}\n",
    );
    // Without the flag: unknown-policy.
    let (code, json, _) = cli(t.path(), &["proj"]);
    assert_eq!(code, 0);
    assert_eq!(common::codes(&json), ["unknown-policy"]);
    // With it: the policy's finding, lowered to a warning by app.lint.
    let (code, json, _) = cli(t.path(), &["proj", "--policy", "org/mem.sls"]);
    assert_eq!(code, 0);
    assert_exact(
        &json,
        &[(
            "policy/org_mem",
            "warning",
            "proj/main.sls",
            at(&src, "4096"),
            "policy \"org_mem\" is not met (function \"a\")",
            Some(&req("org_mem", "self.memory <= 1024")),
        )],
    );
}

// ---------------------------------------------------------------------------------------------
// --policy FILE_OR_DIR
// ---------------------------------------------------------------------------------------------

const ORG_MEM: &str = "policy \"org_mem\" {\n  for       = \"function\"\n  condition = self.memory <= 1024\n  message   = \"the organisation caps memory at 1 GB\"\n}\n";
const ORG_DLQ: &str = "policy \"org_dlq\" {\n  for       = \"queue\"\n  condition = self.dead_letter != null\n  level     = \"warn\"\n}\n";

fn org_project() -> String {
    project(
        "function \"a\" {\n  handler = \"index.handler\"\n  memory  = 4096\n}\n\nqueue \"q\" {}\n",
    )
}

#[test]
fn policy_flag_with_a_file() {
    let t = Temp::new("file");
    let src = org_project();
    t.write("proj/main.sls", src.as_bytes());
    t.write("org/mem.sls", ORG_MEM.as_bytes());
    let (code, json, _) = cli(t.path(), &["proj", "--policy", "org/mem.sls"]);
    assert_eq!(code, 1);
    assert_exact(
        &json,
        &[(
            "policy/org_mem",
            "error",
            "proj/main.sls",
            at(&src, "4096"),
            "the organisation caps memory at 1 GB (function \"a\")",
            Some(&req("org_mem", "self.memory <= 1024")),
        )],
    );
    // Without the flag, nothing.
    let (code, json, _) = cli(t.path(), &["proj"]);
    assert_eq!(code, 0);
    assert_clean(&json);
}

#[test]
fn policy_flag_with_an_absolute_path() {
    let t = Temp::new("abs");
    let src = org_project();
    t.write("proj/main.sls", src.as_bytes());
    let p = t.write("org/mem.sls", ORG_MEM.as_bytes());
    let (code, json, _) = cli(t.path(), &["proj", "--policy", p.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(common::codes(&json), ["policy/org_mem"]);
}

#[test]
fn policy_flag_with_a_directory_reads_only_its_sls_files() {
    let t = Temp::new("dir");
    let src = org_project();
    t.write("proj/main.sls", src.as_bytes());
    t.write("org/mem.sls", ORG_MEM.as_bytes());
    t.write("org/dlq.sls", ORG_DLQ.as_bytes());
    // Not .sls, and not recursive: these would be syntax errors if read.
    t.write("org/README.md", b"policy \"x\" {{{ not hcl\n");
    t.write("org/notes.sls.txt", b"}}}\n");
    t.write("org/nested/deeper.sls", b"policy {{{\n");
    let (code, json, _) = cli(t.path(), &["proj", "--policy", "org"]);
    assert_eq!(code, 1);
    assert_exact(
        &json,
        &[
            (
                "policy/org_mem",
                "error",
                "proj/main.sls",
                at(&src, "4096"),
                "the organisation caps memory at 1 GB (function \"a\")",
                Some(&req("org_mem", "self.memory <= 1024")),
            ),
            (
                "policy/org_dlq",
                "warning",
                "proj/main.sls",
                at(&src, "queue \"q\""),
                "policy \"org_dlq\" is not met (queue \"q\")",
                Some(&req("org_dlq", "self.dead_letter != null")),
            ),
        ],
    );
}

#[test]
fn policy_directory_files_are_read_in_name_order() {
    // Two files define the same policy: the duplicate is the one later in name order, with a
    // label at the first.
    let t = Temp::new("order");
    t.write("proj/main.sls", org_project().as_bytes());
    t.write("org/b.sls", ORG_MEM.as_bytes());
    t.write("org/a.sls", ORG_MEM.as_bytes());
    let (code, json, _) = cli(t.path(), &["proj", "--policy", "org"]);
    assert_eq!(code, 1);
    let d = diags(&json);
    assert_eq!(d.len(), 1, "{json:#}");
    assert_eq!(d[0]["code"], "duplicate-name");
    assert_eq!(d[0]["file"], "org/b.sls");
    assert_eq!(
        (d[0]["line"].as_u64(), d[0]["column"].as_u64()),
        (Some(1), Some(8))
    );
    assert_eq!(d[0]["message"], "policy \"org_mem\" is declared twice");
    assert_eq!(d[0]["labels"][0]["file"], "org/a.sls");
    assert_eq!(d[0]["labels"][0]["line"], 1);
    assert_eq!(d[0]["labels"][0]["column"], 8);
    assert_eq!(d[0]["labels"][0]["message"], "first declared here");
    assert_eq!(
        d[0]["help"],
        "a policy from --policy and one in the project cannot share a name"
    );
}

#[test]
fn several_policy_flags() {
    let t = Temp::new("several");
    let src = org_project();
    t.write("proj/main.sls", src.as_bytes());
    t.write("mem/only.sls", ORG_MEM.as_bytes());
    t.write("dlq.sls", ORG_DLQ.as_bytes());
    let (code, json, _) = cli(
        t.path(),
        &["proj", "--policy", "mem", "--policy", "dlq.sls"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        common::codes(&json),
        ["policy/org_mem", "policy/org_dlq"],
        "{json:#}"
    );
    // Only the warning one: exit 0.
    let (code, json, _) = cli(t.path(), &["proj", "--policy", "dlq.sls"]);
    assert_eq!(code, 0);
    assert_eq!(common::codes(&json), ["policy/org_dlq"]);
}

#[test]
fn a_project_policy_and_a_policy_file_share_a_name() {
    let t = Temp::new("dup");
    let src = org_project() + "\n" + ORG_MEM;
    t.write("proj/main.sls", src.as_bytes());
    t.write("org/mem.sls", ORG_MEM.as_bytes());
    let (code, json, _) = cli(t.path(), &["proj", "--policy", "org/mem.sls"]);
    assert_eq!(code, 1);
    let d = diags(&json);
    assert_eq!(d.len(), 1, "{json:#}");
    assert_eq!(d[0]["code"], "duplicate-name");
    assert_eq!(d[0]["severity"], "error");
    assert_eq!(d[0]["file"], "org/mem.sls");
    assert_eq!(
        (d[0]["line"].as_u64(), d[0]["column"].as_u64()),
        (Some(1), Some(8))
    );
    assert_eq!(d[0]["message"], "policy \"org_mem\" is declared twice");
    let first = at(&src, "\"org_mem\"");
    assert_eq!(d[0]["labels"][0]["file"], "proj/main.sls");
    assert_eq!(d[0]["labels"][0]["line"], first.0);
    assert_eq!(d[0]["labels"][0]["column"], first.1);
}

#[test]
fn a_policy_file_holds_only_policy_blocks() {
    let t = Temp::new("nonpolicy");
    t.write("proj/main.sls", org_project().as_bytes());
    let org = format!("{ORG_MEM}\nfunction \"sneaky\" {{\n  handler = \"index.handler\"\n}}\n\napp \"other\" {{}}\n");
    t.write("org/mixed.sls", org.as_bytes());
    let (code, json, _) = cli(t.path(), &["proj", "--policy", "org/mixed.sls"]);
    assert_eq!(code, 1);
    let help = Some("move this block into the project, or the policy file into its own file");
    assert_exact(
        &json,
        &[
            (
                "unknown-block",
                "error",
                "org/mixed.sls",
                at(&org, "function \"sneaky\""),
                "a --policy file holds only `policy` blocks, not `function`",
                help,
            ),
            (
                "unknown-block",
                "error",
                "org/mixed.sls",
                at(&org, "app \"other\""),
                "a --policy file holds only `policy` blocks, not `app`",
                help,
            ),
        ],
    );
}

#[test]
fn errors_inside_a_policy_file_point_into_it() {
    let t = Temp::new("errfile");
    t.write("proj/main.sls", org_project().as_bytes());
    let org =
        "policy \"org_mem\" {\n  for       = \"function\"\n  condition = self.memmory <= 1024\n}\n";
    t.write("org/mem.sls", org.as_bytes());
    let (code, json, _) = cli(t.path(), &["proj", "--policy", "org/mem.sls"]);
    assert_eq!(code, 1);
    assert_exact(
        &json,
        &[(
            "invalid-policy",
            "error",
            "org/mem.sls",
            at(org, "self.memmory"),
            "policy \"org_mem\": a function has no attribute `memmory`",
            Some("did you mean `self.memory`?"),
        )],
    );
}

#[test]
fn a_syntax_error_in_a_policy_file() {
    let t = Temp::new("syntaxfile");
    t.write("proj/main.sls", org_project().as_bytes());
    t.write(
        "org/mem.sls",
        b"policy \"org_mem\" {\n  for = \"function\"\n",
    );
    let (code, json, _) = cli(t.path(), &["proj", "--policy", "org/mem.sls"]);
    assert_eq!(code, 1);
    let d = diags(&json);
    assert!(!d.is_empty(), "{json:#}");
    assert_eq!(d[0]["code"], "syntax");
    assert_eq!(d[0]["file"], "org/mem.sls");
}

#[test]
fn a_missing_policy_path_is_a_usage_error() {
    let t = Temp::new("missing");
    t.write("proj/main.sls", org_project().as_bytes());
    let (code, json, stderr) = cli(t.path(), &["proj", "--policy", "nope.sls"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(json, Value::Null, "nothing on stdout");
    assert!(stderr.contains("--policy nope.sls"), "{stderr}");
}

#[test]
fn a_directory_without_sls_files_is_a_usage_error() {
    let t = Temp::new("empty");
    t.write("proj/main.sls", org_project().as_bytes());
    t.write("org/README.md", b"# policies\n");
    t.write("org/nested/p.sls", ORG_MEM.as_bytes());
    let (code, json, stderr) = cli(t.path(), &["proj", "--policy", "org"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(json, Value::Null, "nothing on stdout");
    assert!(
        stderr.contains("--policy org: no .sls files in this directory"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_policy_file_is_a_usage_error() {
    use std::os::unix::fs::PermissionsExt;
    let t = Temp::new("unreadable");
    t.write("proj/main.sls", org_project().as_bytes());
    let p = t.write("org/mem.sls", ORG_MEM.as_bytes());
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        // Running as root: permissions do not stop reading. Not a device file either way:
        // a path that is neither a file nor a directory.
        let (code, _, stderr) = cli(t.path(), &["proj", "--policy", "/dev/null"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("--policy /dev/null"), "{stderr}");
        return;
    }
    let (code, json, stderr) = cli(t.path(), &["proj", "--policy", "org/mem.sls"]);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(json, Value::Null);
    assert!(stderr.contains("cannot read policy file"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Exit codes, determinism
// ---------------------------------------------------------------------------------------------

#[test]
fn exit_codes() {
    let t = Temp::new("exit");
    let deny = project(&format!("{FN_A}{ALWAYS_FAILS}"));
    let warn = project(&format!(
        "{FN_A}\npolicy \"soft\" {{\n  for = \"function\"\n  condition = false\n  level = \"warn\"\n}}\n"
    ));
    let pass = project(&format!(
        "{FN_A}\npolicy \"ok\" {{\n  for = \"function\"\n  condition = true\n}}\n"
    ));
    t.write("deny/main.sls", deny.as_bytes());
    t.write("warn/main.sls", warn.as_bytes());
    t.write("pass/main.sls", pass.as_bytes());
    assert_eq!(cli(t.path(), &["deny"]).0, 1);
    assert_eq!(cli(t.path(), &["warn"]).0, 0);
    assert_eq!(cli(t.path(), &["warn", "--deny-warnings"]).0, 1);
    assert_eq!(cli(t.path(), &["pass"]).0, 0);
    assert_eq!(cli(t.path(), &["pass", "--deny-warnings"]).0, 0);
    let (_, json, _) = cli(t.path(), &["warn"]);
    assert_eq!(json["errors"], 0);
    assert_eq!(json["warnings"], 1);
}

#[test]
fn output_is_deterministic() {
    let t = Temp::new("determinism");
    let src = project(
        r#"
function "b" {
  handler = "index.handler"
  memory  = 4096
}

function "a" {
  handler = "index.handler"
}

queue "z" {}
queue "y" {}

policy "one" {
  for       = "function"
  condition = self.memory <= 1024 && self.concurrency != null
  level     = "warn"
}

policy "two" {
  for       = "queue"
  condition = self.dead_letter != null
}
"#,
    );
    t.write("proj/main.sls", src.as_bytes());
    t.write("org/a.sls", ORG_MEM.as_bytes());
    t.write("org/b.sls", ORG_DLQ.as_bytes());
    let run = |fmt: &str| {
        let out = slsc(
            &["check", "proj", "--policy", "org", "--format", fmt],
            t.path(),
        );
        // Human output goes to stderr, machine output to stdout: compare both.
        (out.status.code(), out.stdout, out.stderr)
    };
    for fmt in ["json", "human"] {
        let first = run(fmt);
        assert_eq!(first.0, Some(1));
        assert!(
            String::from_utf8_lossy(&first.1).contains("policy/org_dlq")
                || String::from_utf8_lossy(&first.2).contains("policy/org_dlq")
        );
        for _ in 0..3 {
            assert_eq!(run(fmt), first, "--format {fmt} differs between runs");
        }
    }
    // And the library agrees with itself.
    assert_eq!(lib(&src), lib(&src));
}

#[test]
fn an_app_policy_checks_the_app_block() {
    let policy = r#"
policy "owned" {
  for       = "app"
  condition = lookup(self.tags, "team", "") != ""
  message   = "every app names its owning team in tags.team"
}
"#;
    // Without tags: a finding at the app block's header (tags is unset).
    let src = project(policy);
    let json = lib(&src);
    let found: Vec<&Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "policy/owned")
        .collect();
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["line"], 1);
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .starts_with("every app names its owning team in tags.team"));
    // With a team tag: nothing.
    let src = app_with("", "  tags = { team = \"shop\" }\n") + policy;
    let json = lib(&src);
    assert!(
        !json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "policy/owned"),
        "{json}"
    );
}

#[test]
fn a_folder_of_policies_alone_is_a_policy_library() {
    // `slsc check` on the organisation's policies validates them without an `app` block.
    let o = slsc(&["check", "examples/policies"], common::root());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let tmp = common::temp::Temp::new("policy-library");
    let lib = tmp.path().join("org");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(
        lib.join("p.sls"),
        "policy \"x\" {\n  for       = \"function\"\n  condition = self.memroy <= 1024\n}\n",
    )
    .unwrap();
    let o = slsc(
        &["check", lib.to_str().unwrap(), "--format", "json"],
        common::root(),
    );
    assert_eq!(o.status.code(), Some(1));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["diagnostics"][0]["code"], "invalid-policy", "{j}");
    assert_eq!(
        j["errors"], 1,
        "no missing-app error for a policy library: {j}"
    );
}
