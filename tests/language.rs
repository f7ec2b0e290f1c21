//! The language through the public API: evaluation, defaults, variables and the compile-time /
//! deploy-time distinction, on realistic snippets.

mod common;
use common::{check, codes, model, model_with, TODAY};
use serde_json::json;
use slsc::model::{BlockKind, Value};

const APP: &str = "app \"shop\" {\n  region = \"eu-west-1\"\n}\n";

fn f(m: &slsc::model::Model, name: &str) -> serde_json::Value {
    let b = m.find(BlockKind::Function, name).expect("function exists");
    serde_json::Value::Object(
        b.attrs
            .iter()
            .map(|(k, a)| (k.clone(), a.value.to_json()))
            .collect(),
    )
}

#[test]
fn durations_sizes_and_app_defaults_are_normalised() {
    let m = model(&format!(
        "{APP}\nfunction \"a\" {{\n  handler = \"a.h\"\n  memory = \"1GB\"\n  timeout = \"2m\"\n}}\nfunction \"b\" {{\n  handler = \"b.h\"\n}}\n"
    ));
    let a = f(&m, "a");
    assert_eq!(a["memory"], json!(1024));
    assert_eq!(a["timeout"], json!(120));
    let b = f(&m, "b");
    assert_eq!(b["memory"], json!(128));
    assert_eq!(b["timeout"], json!(6));
    assert_eq!(b["runtime"], json!("nodejs24.x"));
    assert_eq!(b["source"], json!("."));
    assert_eq!(b["retries"], json!(2));
}

#[test]
fn expressions_templates_for_and_functions() {
    let src = format!(
        r#"{APP}
variable "zones" {{
  type    = list(string)
  default = ["a", "b"]
}}
locals {{
  upper_zones = [for z in var.zones : upper(z)]
  by_zone     = {{ for i, z in var.zones : z => i }}
  label       = format("%s-%03s-%d", app.name, app.stage, length(var.zones))
  joined      = join(",", concat(var.zones, ["c"]))
  merged      = merge({{ a = 1 }}, {{ b = 2 }})
  pick        = lookup(local.merged, "b", 0)
  big         = max(3, 7, 5) * 2 - min(4, 2)
  cond        = length(var.zones) > 1 ? "many" : "one"
  tmpl        = "%{{ for z in var.zones }}[${{z}}]%{{ endfor }}"
}}
function "a" {{
  handler = "a.h"
  environment = {{
    UPPER  = join("", local.upper_zones)
    BY     = local.by_zone["b"]
    JOINED = local.joined
    PICK   = local.pick
    BIG    = local.big
    COND   = local.cond
    TMPL   = local.tmpl
  }}
}}
"#
    );
    let c = check(&src);
    // `%03s` is not a supported verb: an error at the format string, nothing else.
    assert_eq!(codes(&c), vec!["invalid-value"], "{c:#}");
    let m = model(&src.replace("%03s", "%s"));
    let env = &f(&m, "a")["environment"];
    assert_eq!(env["UPPER"], json!("AB"));
    assert_eq!(env["BY"], json!("1"));
    assert_eq!(env["JOINED"], json!("a,b,c"));
    assert_eq!(env["PICK"], json!("2"));
    assert_eq!(env["BIG"], json!("12"));
    assert_eq!(env["COND"], json!("many"));
    assert_eq!(env["TMPL"], json!("[a][b]"));
}

#[test]
fn deploy_time_values_are_symbolic_and_confined() {
    let src = format!(
        "{APP}\nqueue \"q\" {{}}\nfunction \"a\" {{\n  handler = \"a.h\"\n  sends = [queue.q]\n  environment = {{\n    URL = \"${{queue.q.url}}?x=1\"\n    KEY = secret(\"shop/key\")\n    PARAM = ssm(\"/shop/p\")\n  }}\n}}\ntrigger \"web\" {{\n  function = function.a\n  http = \"GET /\"\n}}\noutput \"u\" {{ value = http.url }}\n"
    );
    let m = model(&src);
    let env = &f(&m, "a")["environment"];
    assert_eq!(env["URL"], json!("${queue.q.url}?x=1"));
    assert_eq!(env["KEY"], json!("${secret(\"shop/key\")}"));
    assert!(matches!(
        m.find(BlockKind::Output, "u").unwrap().get("value"),
        Some(Value::Deploy(_))
    ));

    for bad in [
        "memory = queue.q.arn",
        "description = upper(queue.q.name)",
        "timeout = length(queue.q.url) > 3 ? 5 : 6",
        "environment = { X = queue.q.url + 1 }",
    ] {
        let c = check(&format!(
            "{APP}\nqueue \"q\" {{}}\nfunction \"a\" {{\n  handler = \"a.h\"\n  {bad}\n}}\n"
        ));
        assert_eq!(codes(&c), vec!["type-mismatch"], "{bad}: {c:#}");
        let d = &c["diagnostics"][0];
        assert_eq!(d["line"], json!(8), "{bad}");
        let text = format!("{} {}", d["message"], d["help"]);
        assert!(text.contains("after deploy"), "{bad}: {text}");
    }
}

#[test]
fn variables_from_flags_files_and_defaults() {
    let src = format!(
        "{APP}\nvariable \"mem\" {{\n  type = number\n  default = 256\n}}\nvariable \"names\" {{\n  type = list(string)\n  default = []\n}}\nfunction \"a\" {{\n  handler = \"a.h\"\n  memory = var.mem\n  environment = {{ NAMES = join(\",\", var.names) }}\n}}\n"
    );
    let opts = |vars: &[(&str, &str)]| slsc::Options {
        today: TODAY.into(),
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    assert_eq!(f(&model_with(&src, opts(&[])), "a")["memory"], json!(256));
    let m = model_with(&src, opts(&[("mem", "1024"), ("names", "[\"x\", \"y\"]")]));
    assert_eq!(f(&m, "a")["memory"], json!(1024));
    assert_eq!(f(&m, "a")["environment"]["NAMES"], json!("x,y"));

    // A value of the wrong type is reported at the variable, naming the flag (but not the
    // value: it may be a secret).
    let c = slsc::compile_files(&[("main.sls", &src)], &opts(&[("mem", "lots")])).unwrap();
    let d = &c.diagnostics[0];
    assert_eq!(d.code, "type-mismatch");
    assert!(d.message.contains("--var mem=…"), "{}", d.message);
    assert!(!d.message.contains("lots"), "{}", d.message);
    // An undeclared variable is a usage error.
    assert!(slsc::compile_files(&[("main.sls", &src)], &opts(&[("memm", "1")])).is_err());
}

#[test]
fn stage_flag_overrides_app_stage_and_feeds_names() {
    let src = "app \"shop\" {\n  stage = \"staging\"\n}\nlocals {\n  s = app.stage\n}\nfunction \"a\" {\n  handler = \"a.h\"\n  description = local.s\n}\n";
    let m = model(src);
    assert_eq!(m.stage, "staging");
    assert_eq!(
        m.physical_name(slsc::model::BlockKind::Function, "a"),
        "shop-staging-a"
    );
    let m = model_with(
        src,
        slsc::Options {
            stage: Some("prod".into()),
            today: TODAY.into(),
            ..Default::default()
        },
    );
    assert_eq!(m.stage, "prod");
    assert_eq!(f(&m, "a")["description"], json!("prod"));
    // An invalid --stage is a usage error; an invalid app.stage a diagnostic.
    assert!(slsc::compile_files(
        &[("main.sls", src)],
        &slsc::Options {
            stage: Some("Prod!".into()),
            ..Default::default()
        }
    )
    .is_err());
    let c = check(&src.replace("staging", "Staging"));
    assert_eq!(codes(&c), vec!["invalid-value"]);
}

#[test]
fn queue_visibility_defaults_to_six_times_the_consumer_timeout() {
    let src = format!(
        "{APP}\nqueue \"jobs\" {{\n  dead_letter = queue.dlq\n}}\nqueue \"dlq\" {{}}\nfunction \"w\" {{\n  handler = \"w.h\"\n  timeout = 60\n}}\ntrigger \"t\" {{\n  function = function.w\n  source = queue.jobs\n  batch_size = 50\n}}\n"
    );
    let m = model(&src);
    let q = m.find(BlockKind::Queue, "jobs").unwrap();
    assert_eq!(q.num("visibility_timeout"), Some(360.0));
    assert_eq!(q.num("max_receives"), Some(5.0));
    assert_eq!(
        m.find(BlockKind::Queue, "dlq")
            .unwrap()
            .num("visibility_timeout"),
        Some(30.0)
    );
    let t = m.find(BlockKind::Trigger, "t").unwrap();
    assert_eq!(
        t.num("batch_window"),
        Some(1.0),
        "batch_size > 10 needs a 1 s window"
    );
}

#[test]
fn environment_merges_app_and_function_keys() {
    let src = "app \"shop\" {\n  environment = { LOG = \"info\", MODE = \"app\" }\n}\nfunction \"a\" {\n  handler = \"a.h\"\n  environment = { MODE = \"fn\" }\n}\n";
    let env = &f(&model(src), "a")["environment"];
    assert_eq!(env, &json!({"LOG": "info", "MODE": "fn"}));
}

#[test]
fn streams_default_when_a_trigger_reads_the_table() {
    let src = format!(
        "{APP}\ndatabase \"users\" {{\n  partition_key = {{ name = \"id\", type = \"string\" }}\n}}\nqueue \"failed\" {{}}\nfunction \"w\" {{\n  handler = \"w.h\"\n}}\ntrigger \"t\" {{\n  function = function.w\n  source = database.users\n  on_failure = queue.failed\n}}\n"
    );
    let m = model(&src);
    let t = m.find(BlockKind::Database, "users").unwrap();
    assert_eq!(t.str("stream"), Some("new_and_old_images"));
    let tr = m.find(BlockKind::Trigger, "t").unwrap();
    assert_eq!(tr.num("batch_size"), Some(100.0));
    assert_eq!(tr.str("starting_position"), Some("latest"));
}

#[test]
fn null_means_unset_and_prefix_narrows_a_bucket() {
    let src = format!(
        "{APP}\nbucket \"media\" {{}}\nfunction \"a\" {{\n  handler = \"a.h\"\n  memory = null\n  writes = [prefix(bucket.media, \"thumbs/\")]\n}}\n"
    );
    let m = model(&src);
    assert_eq!(f(&m, "a")["memory"], json!(128));
    assert_eq!(
        f(&m, "a")["writes"],
        json!([{"ref": "bucket.media", "prefix": "thumbs/"}])
    );
    let c = check(&src.replace("bucket.media, \"thumbs/\"", "queue.media, \"x\""));
    assert_eq!(codes(&c), vec!["unresolved-reference"]);
}

#[test]
fn moved_blocks_are_validated() {
    let ok = format!("{APP}\nfunction \"new_name\" {{\n  handler = \"a.h\"\n}}\nmoved {{\n  from = function.old_name\n  to   = function.new_name\n}}\n");
    let m = model(&ok);
    assert_eq!(m.moved.len(), 1);
    assert_eq!(m.moved[0].from.to_string(), "function.old_name");
    let c = check(&ok.replace("to   = function.new_name", "to   = queue.new_name"));
    assert_eq!(codes(&c), vec!["type-mismatch"]);
    let c = check(&ok.replace("to   = function.new_name", "to   = function.nwe_name"));
    assert_eq!(codes(&c), vec!["unresolved-reference"]);
    assert!(c["diagnostics"][0]["help"]
        .as_str()
        .unwrap()
        .contains("function.new_name"));
}
