//! `module` blocks (SPEC §3, docs/modules.md): inputs typed at the caller, missing and unknown
//! inputs, outputs (compile-time and deploy-time), several instances, `for_each`, nested local
//! modules, cycles, loops across module boundaries, graph clusters, plan addresses and renames
//! of instances, and diagnostics that say which instance they are in.

mod common;

use common::temp::Temp;
use common::{codes, slsc, TODAY};
use serde_json::Value;
use std::path::Path;

const APP: &str = "app \"shop\" {\n  region = \"eu-west-1\"\n}\n";

/// Checks a project on disk through the binary; the JSON report.
fn check_dir(dir: &Path) -> Value {
    let out = slsc(&["check", ".", "--format", "json"], dir);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "slsc check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Builds a project on disk for CloudFormation through the binary; the template.
fn build_cloudformation(dir: &Path) -> Value {
    common::build::main_json(dir, "cloudformation")
}

/// Checks one in-memory file, `main.sls`.
fn check_main(src: &str) -> Value {
    common::check_files(&[("main.sls", src)])
}

/// Exactly one diagnostic, of `code`, whose message contains `text`.
fn assert_one(json: &Value, code: &str, text: &str) {
    assert_eq!(codes(json), [code], "{json:#}");
    let msg = json["diagnostics"][0]["message"].as_str().unwrap();
    assert!(msg.contains(text), "{msg}");
}

fn diags(json: &Value) -> &Vec<Value> {
    json["diagnostics"].as_array().unwrap()
}

/// A project on disk: the app plus the given files.
fn project(files: &[(&str, &str)]) -> Temp {
    let t = Temp::new("modules");
    t.write("app.sls", APP.as_bytes());
    for (name, text) in files {
        t.write(name, text.as_bytes());
    }
    t
}

/// A local module with one input and a queue, used by several tests.
const WORKER: &str = r#"
variable "name" {
  type = string
}

variable "memory" {
  type    = number
  default = 256
}

queue "jobs" {
  dead_letter = queue.failed
}

queue "failed" {}

function "api" {
  handler     = "index.handler"
  memory      = var.memory
  concurrency = 2
  environment = { TENANT = var.name, QUEUE = queue.jobs.url }
}

trigger "jobs" {
  function = function.api
  source   = queue.jobs
}

output "queue" {
  value = queue.jobs
}

output "queue_url" {
  value = queue.jobs.url
}

output "label" {
  value = "tenant-${var.name}"
}
"#;

#[test]
fn a_stdlib_module_with_its_required_inputs_checks_clean_and_builds() {
    let t = project(&[(
        "billing.sls",
        "module \"billing\" {\n  source  = \"std/queue_worker\"\n  handler = \"billing.handler\"\n}\n",
    )]);
    let json = check_dir(t.path());
    assert!(diags(&json).is_empty(), "{json:#}");
    let tpl = build_cloudformation(t.path());
    let res = tpl["Resources"].as_object().unwrap();
    for id in [
        "BillingJobsQueue",
        "BillingFailedQueue",
        "BillingWorkerFunction",
    ] {
        assert!(res.contains_key(id), "{id} in {:?}", res.keys());
    }
    // Visibility 6 × the default timeout (30 s); the dead letter queue; partial failures.
    assert_eq!(
        res["BillingJobsQueue"]["Properties"]["VisibilityTimeout"],
        180
    );
    assert!(res["BillingJobsQueue"]["Properties"]["RedrivePolicy"].is_object());
    let esm = &res["BillingJobsEventSourceMapping"]["Properties"];
    assert_eq!(esm["FunctionResponseTypes"][0], "ReportBatchItemFailures");
    assert_eq!(
        res["BillingWorkerFunction"]["Properties"]["ReservedConcurrentExecutions"],
        5
    );
}

#[test]
fn a_wrong_input_type_is_reported_at_the_callers_attribute() {
    let json = check_main(&format!("{APP}module \"billing\" {{\n  source  = \"std/queue_worker\"\n  handler = \"b.handler\"\n  memory  = \"lots\"\n}}\n"));
    assert_eq!(codes(&json), ["type-mismatch"], "{json:#}");
    let d = &diags(&json)[0];
    assert_eq!(d["file"], "main.sls");
    assert_eq!(d["line"], 7);
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("input `memory` of module.billing (std/queue_worker) is declared number"),
        "{d}"
    );
    // The module's declaration is labelled too.
    assert_eq!(d["labels"][0]["file"], "std/queue_worker.sls");
}

#[test]
fn a_missing_input_is_reported_at_the_module_block() {
    let json = check_main(&format!(
        "{APP}module \"billing\" {{\n  source = \"std/queue_worker\"\n}}\n"
    ));
    assert_eq!(codes(&json), ["missing-attribute"], "{json:#}");
    let d = &diags(&json)[0];
    assert_eq!(
        (d["file"].as_str(), d["line"].as_u64()),
        (Some("main.sls"), Some(4))
    );
    assert!(d["message"]
        .as_str()
        .unwrap()
        .contains("needs the input `handler`"));
    assert_eq!(d["labels"][0]["file"], "std/queue_worker.sls");
}

#[test]
fn an_unknown_input_gets_a_suggestion() {
    let json = check_main(&format!("{APP}module \"billing\" {{\n  source  = \"std/queue_worker\"\n  handler = \"b.handler\"\n  timout  = 60\n}}\n"));
    assert_eq!(codes(&json), ["unknown-attribute"], "{json:#}");
    let d = &diags(&json)[0];
    assert_eq!(d["line"], 7);
    assert_eq!(d["help"], "did you mean `timeout`?");
}

#[test]
fn an_unknown_stdlib_module_is_source_not_found_with_a_suggestion() {
    let json = check_main(&format!("{APP}module \"billing\" {{\n  source  = \"std/queue_wroker\"\n  handler = \"b.handler\"\n}}\n"));
    assert_one(&json, "source-not-found", "std/queue_worker");
}

#[test]
fn two_instances_of_one_module_get_their_own_prefixed_blocks() {
    let m = common::expect_clean(
        slsc::compile_files(
            &[(
                "main.sls",
                &format!(
                    "{APP}module \"billing\" {{\n  source  = \"std/queue_worker\"\n  handler = \"billing.handler\"\n}}\n\
                     module \"emails\" {{\n  source  = \"std/queue_worker\"\n  handler = \"emails.handler\"\n  timeout = 10\n}}\n"
                ),
            )],
            &slsc::Options { today: TODAY.into(), ..Default::default() },
        )
        .unwrap(),
    );
    let names: Vec<String> = m.blocks.iter().map(|b| b.addr()).collect();
    for a in [
        "module.billing.function.worker",
        "module.emails.function.worker",
        "module.billing.queue.jobs",
        "module.emails.queue.failed",
    ] {
        assert!(names.iter().any(|n| n == a), "{a} in {names:?}");
    }
    let emails = m
        .find(slsc::model::BlockKind::Queue, "emails_jobs")
        .unwrap();
    assert_eq!(emails.num("visibility_timeout"), Some(60.0));
    assert_eq!(m.instances.len(), 2);
}

#[test]
fn outputs_are_compile_time_or_deploy_time_as_their_values_are() {
    let t = project(&[
        ("modules/worker/main.sls", WORKER),
        (
            "main.sls",
            r#"
module "acme" {
  source = "./modules/worker"
  name   = "acme"
}

function "front" {
  handler     = "front.handler"
  concurrency = 1
  description = module.acme.label
  sends       = [module.acme.queue]
  environment = { ACME_QUEUE = module.acme.queue_url }
}

output "acme_queue" {
  value = module.acme.queue_url
}
"#,
        ),
    ]);
    let json = check_dir(t.path());
    assert!(diags(&json).is_empty(), "{json:#}");
    let tpl = build_cloudformation(t.path());
    let front = &tpl["Resources"]["FrontFunction"]["Properties"];
    assert_eq!(front["Description"], "tenant-acme");
    assert!(
        front["Environment"]["Variables"]["ACME_QUEUE"].is_object(),
        "{front:#}"
    );
    // The grant to send to the module's queue is scoped to it.
    let role = tpl["Resources"]["FrontFunctionRole"].to_string();
    assert!(
        role.contains("sqs:SendMessage") && role.contains("shop-dev-acme_jobs"),
        "{role}"
    );
    let outputs = tpl["Outputs"]["AcmeQueue"].to_string();
    assert!(
        outputs.contains("shop-dev-acme_jobs"),
        "{:#}",
        tpl["Outputs"]
    );
    // A deploy-time output used where a compile-time value is needed is refused.
    t.write(
        "main.sls",
        b"module \"acme\" {\n  source = \"./modules/worker\"\n  name   = \"acme\"\n}\n\nfunction \"front\" {\n  handler     = \"front.handler\"\n  concurrency = 1\n  description = module.acme.queue_url\n}\n",
    );
    let json = check_dir(t.path());
    assert_eq!(codes(&json), ["type-mismatch"], "{json:#}");
    // An output that does not exist: a suggestion.
    t.write(
        "main.sls",
        b"module \"acme\" {\n  source = \"./modules/worker\"\n  name   = \"acme\"\n}\n\noutput \"u\" {\n  value = module.acme.queue_ur\n}\n",
    );
    let json = check_dir(t.path());
    assert_eq!(codes(&json), ["unresolved-reference"], "{json:#}");
    assert_eq!(diags(&json)[0]["help"], "did you mean `queue_url`?");
}

#[test]
fn for_each_with_three_keys_makes_three_instances() {
    let t = project(&[
        ("modules/worker/main.sls", WORKER),
        (
            "main.sls",
            r#"
variable "tenants" {
  type    = map(number)
  default = { acme = 128, globex = 256, initech = 512 }
}

module "tenant" {
  for_each = var.tenants
  source   = "./modules/worker"
  name     = each.key
  memory   = each.value
}

output "globex_queue" {
  value = module.tenant["globex"].queue_url
}
"#,
        ),
    ]);
    let json = check_dir(t.path());
    assert!(diags(&json).is_empty(), "{json:#}");
    let out = slsc(&["graph", ".", "--format", "json"], t.path());
    let g: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    for key in ["acme", "globex", "initech"] {
        let id = format!("module.tenant[\"{key}\"].function.api");
        assert!(ids.contains(&id.as_str()), "{id} in {ids:?}");
    }
    let c = slsc::compile(
        t.path(),
        &slsc::Options {
            today: TODAY.into(),
            ..Default::default()
        },
    )
    .unwrap();
    let m = c.model.unwrap();
    assert_eq!(
        m.find(slsc::model::BlockKind::Function, "tenant_globex_api")
            .unwrap()
            .num("memory"),
        Some(256.0)
    );
    // A key that cannot be part of a name, and an instance that does not exist.
    t.write(
        "main.sls",
        b"module \"tenant\" {\n  for_each = [\"Acme Corp\"]\n  source   = \"./modules/worker\"\n  name     = each.key\n}\n",
    );
    assert_eq!(codes(&check_dir(t.path())), ["invalid-value"]);
    t.write(
        "main.sls",
        b"module \"tenant\" {\n  for_each = [\"acme\"]\n  source   = \"./modules/worker\"\n  name     = each.key\n}\n\noutput \"x\" {\n  value = module.tenant[\"initech\"].queue_url\n}\n",
    );
    let json = check_dir(t.path());
    assert_one(&json, "unresolved-reference", "no instance \"initech\"");
}

#[test]
fn nested_local_modules_are_prefixed_twice_and_diagnostics_name_the_instance() {
    let t = project(&[
        (
            "modules/outer/main.sls",
            "variable \"tag\" {\n  type = string\n}\n\nmodule \"inner\" {\n  source = \"../inner\"\n  tag    = var.tag\n}\n\noutput \"url\" {\n  value = module.inner.url\n}\n",
        ),
        (
            "modules/inner/main.sls",
            "variable \"tag\" {\n  type = string\n}\n\ntopic \"events\" {}\n\nfunction \"fn\" {\n  handler     = \"i.handler\"\n  memory      = 20000\n  concurrency = 1\n  sends       = [topic.events]\n}\n\noutput \"url\" {\n  value = topic.events.arn\n}\n",
        ),
        ("main.sls", "module \"outer\" {\n  source = \"./modules/outer\"\n  tag    = \"x\"\n}\n"),
    ]);
    let json = check_dir(t.path());
    assert_eq!(codes(&json), ["invalid-value"], "{json:#}");
    let d = &diags(&json)[0];
    assert_eq!(d["file"], "modules/inner/main.sls");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("in module.outer.module.inner (../inner): "),
        "{d}"
    );
    // Both callers are labelled: the outer module's `module "inner"` and the project's.
    let labels: Vec<(&str, u64)> = d["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["file"].as_str().unwrap(), l["line"].as_u64().unwrap()))
        .collect();
    assert!(
        labels.contains(&("modules/outer/main.sls", 5)),
        "{labels:?}"
    );
    assert!(labels.contains(&("main.sls", 1)), "{labels:?}");
    // Fixed, the nested blocks are named outer_inner_*.
    t.write(
        "modules/inner/main.sls",
        b"variable \"tag\" {\n  type = string\n}\n\ntopic \"events\" {}\n\nfunction \"fn\" {\n  handler     = \"i.handler\"\n  concurrency = 1\n  sends       = [topic.events]\n}\n",
    );
    t.write(
        "modules/outer/main.sls",
        b"variable \"tag\" {\n  type = string\n}\n\nmodule \"inner\" {\n  source = \"../inner\"\n  tag    = var.tag\n}\n",
    );
    let c = slsc::compile(
        t.path(),
        &slsc::Options {
            today: TODAY.into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(c.errors(), 0);
    let m = c.model.unwrap();
    let f = m
        .find(slsc::model::BlockKind::Function, "outer_inner_fn")
        .unwrap();
    assert_eq!(f.addr(), "module.outer.module.inner.function.fn");
}

#[test]
fn a_mistake_in_a_module_made_by_every_instance_is_reported_once() {
    let t = project(&[
        (
            "modules/w/main.sls",
            "variable \"name\" {\n  type = string\n}\n\nfunction \"fn\" {\n  handler     = \"i.handler\"\n  memory      = 1\n  concurrency = 1\n}\n",
        ),
        (
            "main.sls",
            "module \"t\" {\n  for_each = [\"a\", \"b\", \"c\"]\n  source   = \"./modules/w\"\n  name     = each.key\n  nmae     = 1\n}\n",
        ),
    ]);
    let json = check_dir(t.path());
    // One for the module's mistake (naming the instances), one for the caller's unknown input.
    assert_eq!(
        codes(&json),
        ["unknown-attribute", "invalid-value"],
        "{json:#}"
    );
    let inside = &diags(&json)[1];
    assert!(
        inside["message"]
            .as_str()
            .unwrap()
            .starts_with("in module.t[\"a\"] (./modules/w) and 2 more instances: "),
        "{inside}"
    );
}

#[test]
fn a_module_cycle_names_the_chain() {
    let t = project(&[
        ("a/main.sls", "module \"b\" {\n  source = \"../b\"\n}\n"),
        ("b/main.sls", "module \"a\" {\n  source = \"../a\"\n}\n"),
        ("main.sls", "module \"a\" {\n  source = \"./a\"\n}\n"),
    ]);
    let json = check_dir(t.path());
    assert_eq!(codes(&json), ["cycle"], "{json:#}");
    let msg = diags(&json)[0]["message"].as_str().unwrap();
    assert!(msg.contains("module cycle: ./a → ../b → ../a"), "{msg}");
    // Modules whose inputs read each other's outputs.
    let t = project(&[
        ("modules/worker/main.sls", WORKER),
        (
            "main.sls",
            "module \"x\" {\n  source = \"./modules/worker\"\n  name   = module.y.label\n}\n\nmodule \"y\" {\n  source = \"./modules/worker\"\n  name   = local.n\n}\n\nlocals {\n  n = module.x.label\n}\n",
        ),
    ]);
    let json = check_dir(t.path());
    assert_one(&json, "cycle", "module.x → module.y → module.x");
}

#[test]
fn a_loop_through_a_module_is_found() {
    let json = check_main(&format!(
        r#"{APP}
module "w" {{
  source  = "std/queue_worker"
  handler = "w.handler"
  sends   = [queue.back]
}}

queue "back" {{
  dead_letter = queue.dlq
}}

queue "dlq" {{}}

function "relay" {{
  handler     = "r.handler"
  concurrency = 1
  sends       = [module.w.queue]
}}

trigger "back" {{
  function = function.relay
  source   = queue.back
}}
"#
    ));
    assert_eq!(codes(&json), ["recursive-invocation"], "{json:#}");
    let msg = diags(&json)[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("function.relay → module.w.queue.jobs → module.w.function.worker → queue.back → function.relay"),
        "{msg}"
    );
}

#[test]
fn the_graph_draws_a_cluster_per_instance() {
    let t = project(&[(
        "main.sls",
        "module \"billing\" {\n  source  = \"std/queue_worker\"\n  handler = \"b.handler\"\n}\n",
    )]);
    let dot = String::from_utf8(slsc(&["graph", ".", "--format", "dot"], t.path()).stdout).unwrap();
    assert!(
        dot.contains("subgraph \"cluster_0\" {\n    label=\"module.billing (std/queue_worker)\";"),
        "{dot}"
    );
    assert!(
        dot.contains("\"module.billing.function.worker\" [label=\"function\\nworker\""),
        "{dot}"
    );
    let mermaid = String::from_utf8(slsc(&["graph", "."], t.path()).stdout).unwrap();
    assert!(
        mermaid.contains("subgraph module_0 [\"module.billing (std/queue_worker)\"]"),
        "{mermaid}"
    );
}

#[test]
fn a_plan_that_renames_a_module_instance() {
    let base = project(&[(
        "main.sls",
        "module \"billing\" {\n  source  = \"std/queue_worker\"\n  handler = \"b.handler\"\n}\n",
    )]);
    let head = project(&[(
        "main.sls",
        "module \"invoices\" {\n  source  = \"std/queue_worker\"\n  handler = \"b.handler\"\n}\n",
    )]);
    let base_dir = base.path().to_str().unwrap();
    let plan = |dir: &Path| -> Value {
        let out = slsc(&["plan", ".", "--base", base_dir, "--format", "json"], dir);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let p = plan(head.path());
    let addrs: Vec<&str> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(
        addrs.contains(&"module.billing.queue.jobs")
            && addrs.contains(&"module.invoices.queue.jobs"),
        "{addrs:?}"
    );
    // One rename of the instance is suggested, not one per block.
    let renames = p["likely_renames"].as_array().unwrap();
    assert_eq!(renames.len(), 1, "{renames:?}");
    assert_eq!(renames[0]["from"], "module.billing");
    assert_eq!(renames[0]["to"], "module.invoices");
    // With the `moved` block, the queues and the function keep their identity.
    head.write(
        "moved.sls",
        b"moved {\n  from = module.billing\n  to   = module.invoices\n}\n",
    );
    let p = plan(head.path());
    let addrs: Vec<&str> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert!(
        addrs.iter().all(|a| a.ends_with("trigger.jobs")),
        "{addrs:?}"
    );
    // A rename to an instance that does not exist is one error.
    head.write(
        "moved.sls",
        b"moved {\n  from = module.billing\n  to   = module.invoice\n}\n",
    );
    assert_eq!(codes(&check_dir(head.path())), ["unresolved-reference"]);
}

#[test]
fn module_blocks_are_refused_where_they_do_not_belong() {
    let t = project(&[
        ("m/main.sls", "app \"inner\" {}\n\npolicy \"p\" {\n  for       = \"function\"\n  condition = true\n  message   = \"m\"\n}\n"),
        ("main.sls", "module \"m\" {\n  source = \"./m\"\n}\n\nmodule \"n\" {\n  source = \"https://example.com/x\"\n}\n\nmodule \"o\" {\n  source = \"./nowhere\"\n}\n"),
    ]);
    let json = check_dir(t.path());
    let mut c = codes(&json);
    c.sort();
    assert_eq!(
        c,
        [
            "source-not-found",
            "source-not-found",
            "unknown-block",
            "unknown-block"
        ],
        "{json:#}"
    );
}

#[test]
fn output_is_the_same_from_any_folder() {
    let t = project(&[
        ("modules/worker/main.sls", WORKER),
        (
            "main.sls",
            "module \"acme\" {\n  source = \"./modules/worker\"\n  name   = \"acme\"\n}\n",
        ),
    ]);
    let a = Temp::new("out-a");
    let b = Temp::new("out-b");
    let out = slsc(
        &[
            "build",
            ".",
            "--target",
            "terraform",
            "--out",
            a.path().to_str().unwrap(),
        ],
        t.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let abs = t.path().to_str().unwrap();
    let out = slsc(
        &[
            "build",
            abs,
            "--target",
            "terraform",
            "--out",
            b.path().to_str().unwrap(),
        ],
        Path::new("/"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(a.path().join("main.tf.json")).unwrap(),
        std::fs::read(b.path().join("main.tf.json")).unwrap()
    );
}

#[test]
fn a_value_the_module_refuses_as_passed_is_reported_at_the_caller() {
    let json = check_main(&format!("{APP}module \"billing\" {{\n  source  = \"std/queue_worker\"\n  handler = \"b.handler\"\n  memory  = 20000\n}}\n"));
    assert_eq!(codes(&json), ["invalid-value"], "{json:#}");
    let d = &diags(&json)[0];
    assert_eq!(
        (d["file"].as_str(), d["line"].as_u64()),
        (Some("main.sls"), Some(7))
    );
    assert_eq!(d["labels"][0]["file"], "std/queue_worker.sls");
    assert!(d["labels"][0]["message"]
        .as_str()
        .unwrap()
        .contains("uses `memory` here"));
}

#[test]
fn name_limits_apply_to_the_final_names() {
    let json = check_main(&format!(
            "{APP}module \"a_rather_long_module_name_for_billing_ab\" {{\n  for_each = [\"a_twenty_char_key_xy\"]\n  source   = \"std/queue_worker\"\n  handler  = \"b.handler\"\n}}\n"
        ));
    let c = codes(&json);
    assert!(
        !c.is_empty() && c.iter().all(|c| c == "name-too-long"),
        "{json:#}"
    );
    let msg = diags(&json)[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("shop-dev-a_rather_long_module_name_for_billing_"),
        "{msg}"
    );
}

#[test]
fn sarif_carries_the_module_line_and_the_callers_block() {
    let t = project(&[
        (
            "modules/w/main.sls",
            "function \"fn\" {\n  handler     = \"i.handler\"\n  memory      = 1\n  concurrency = 1\n}\n",
        ),
        ("main.sls", "module \"w\" {\n  source = \"./modules/w\"\n}\n"),
    ]);
    let out = slsc(&["check", ".", "--format", "sarif"], t.path());
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &sarif["runs"][0]["results"][0];
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"], "modules/w/main.sls",
        "{r:#}"
    );
    let related = r["relatedLocations"].to_string();
    assert!(
        related.contains("main.sls") && related.contains("instantiated here"),
        "{r:#}"
    );
}

#[test]
fn an_any_input_is_checked_where_the_module_uses_it() {
    let json = check_main(&format!(
            "{APP}module \"api\" {{\n  source  = \"std/http_endpoint\"\n  handler = \"h.handler\"\n  route   = \"GET /x\"\n  auth    = \"jwt\"\n  jwt     = {{ issuer = \"https://example.com\" }}\n}}\n\n\
             module \"ok\" {{\n  source  = \"std/http_endpoint\"\n  handler = \"h.handler\"\n  route   = \"GET /y\"\n  auth    = \"jwt\"\n  jwt     = {{ issuer = \"https://example.com\", audience = [\"a\"] }}\n}}\n"
        ));
    assert_eq!(codes(&json), ["missing-attribute"], "{json:#}");
    let d = &diags(&json)[0];
    assert_eq!(
        (d["file"].as_str(), d["line"].as_u64()),
        (Some("main.sls"), Some(9))
    );
}

#[test]
fn a_deploy_time_string_can_be_passed_to_a_string_input() {
    let json = check_main(&format!(
            "{APP}database \"orders\" {{\n  partition_key = {{ name = \"id\", type = \"string\" }}\n}}\n\n\
             module \"w\" {{\n  source      = \"std/queue_worker\"\n  handler     = \"w.handler\"\n  writes      = [database.orders]\n  environment = {{ TABLE = database.orders.name }}\n}}\n"
        ));
    assert!(diags(&json).is_empty(), "{json:#}");
}

#[test]
fn the_project_used_as_its_own_module_is_a_cycle() {
    let t = project(&[("main.sls", "module \"me\" {\n  source = \"./\"\n}\n")]);
    let json = check_dir(t.path());
    assert_one(&json, "cycle", "module cycle: the project → ./");
}
