//! Nested stacks (emit/stacks.rs): an application over a stack's limits is emitted as a root
//! and nested stacks. A generated application of 1,000 functions with every trigger kind builds
//! into stacks that each stay within CloudFormation's limits, whose every cross-stack reference
//! resolves, and that cfn-lint accepts with no finding; the partition is stable (adding,
//! removing or renaming a function, or adding a table, moves nothing else); a move between
//! stacks is a replacement in the plan; Terraform's output is never split.

mod common;

use common::temp::Temp;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A generated application: `n` functions, each with one trigger, cycling over every trigger
/// kind (HTTP, WebSocket, queue, schedule, table stream, bucket, topic, Kinesis, alarm); `extra`
/// is appended as written.
fn app(n: usize, pins: &str, extra: &str) -> String {
    app_without(n, pins, extra, None)
}

/// [`app`] without function number `skip` (and its trigger).
fn app_without(n: usize, pins: &str, extra: &str, skip: Option<usize>) -> String {
    let mut s = format!(
        "app \"big\" {{\n  region              = \"eu-west-1\"\n  account_concurrency = 100000\n{pins}  lint = {{ \"unused-resource\" = \"allow\", \"name-without-stage\" = \"allow\", \"missing-dead-letter\" = \"allow\", \"missing-failure-destination\" = \"allow\", \"unauthenticated-route\" = \"allow\" }}\n}}\n\nlayer \"shared\" {{\n  source = \"layer\"\n}}\n\nqueue \"dlq\" {{}}\n\ntrigger \"connect\" {{\n  function  = function.f7\n  websocket = \"$connect\"\n  auth      = \"iam\"\n}}\n"
    );
    for i in (0..n).filter(|i| Some(*i) != skip) {
        s.push_str(&format!(
            "\nfunction \"f{i}\" {{\n  handler     = \"index.handler\"\n  source      = \"src\"\n  concurrency = 1\n  layers      = [layer.shared]\n  environment = {{ API = http.url }}\n}}\n"
        ));
        s.push_str(&trigger(i, &format!("f{i}")));
    }
    s.push_str(extra);
    s
}

/// The trigger (and its source block) of function number `i`.
fn trigger(i: usize, f: &str) -> String {
    let t = format!("trigger \"t{i}\" {{\n  function = function.{f}\n");
    match i % 9 {
        0 => format!("{t}  http     = \"GET /r{i}\"\n  auth     = \"iam\"\n}}\n"),
        1 => format!("{t}  websocket = \"route{i}\"\n}}\n"),
        // A queue and its dead-letter queue (kept in one stack: emit/stacks.rs).
        2 => format!("queue \"q{i}\" {{\n  dead_letter = queue.dl{i}\n}}\nqueue \"dl{i}\" {{}}\n{t}  source   = queue.q{i}\n}}\n"),
        3 => format!("{t}  schedule = \"rate(1 hour)\"\n}}\n"),
        4 => format!("database \"d{i}\" {{\n  partition_key = {{ name = \"id\", type = \"string\" }}\n}}\n{t}  source     = database.d{i}\n  on_failure = queue.dlq\n}}\n"),
        5 => format!("bucket \"b{i}\" {{}}\n{t}  source   = bucket.b{i}\n}}\n"),
        6 => format!("topic \"p{i}\" {{}}\n{t}  source   = topic.p{i}\n}}\n"),
        7 => format!("stream \"s{i}\" {{}}\n{t}  source     = stream.s{i}\n  on_failure = queue.dlq\n}}\n"),
        _ => format!("alarm \"a{i}\" {{\n  watch     = function.{f}\n  metric    = \"errors\"\n  threshold = 1\n}}\n{t}  source   = alarm.a{i}\n}}\n"),
    }
}

/// Writes a project (with its code directories) and builds it for CloudFormation: the files.
fn build(dir: &Path, src: &str) -> BTreeMap<String, Value> {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("layer")).unwrap();
    std::fs::write(
        dir.join("src/index.js"),
        "exports.handler = async () => ({});\n",
    )
    .unwrap();
    std::fs::write(dir.join("layer/util.js"), "module.exports = {};\n").unwrap();
    std::fs::write(dir.join("main.sls"), src).unwrap();
    let out = dir.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let o = common::build::run_build(dir.to_str().unwrap(), "cloudformation", Some(&out), dir);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut files = BTreeMap::new();
    for p in common::build::files_under(&out) {
        let rel = p.strip_prefix(&out).unwrap().display().to_string();
        if rel.ends_with(".json") && !rel.starts_with('.') {
            files.insert(
                rel,
                serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap(),
            );
        }
    }
    files
}

/// Logical ID → the stack it is in (`root` or the nested stack's ID).
fn placement(files: &BTreeMap<String, Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, t) in files {
        let stack = match name.strip_prefix("nested/") {
            Some(rest) => rest.split('-').next().unwrap().to_string(),
            None => "root".to_string(),
        };
        for (id, r) in t["Resources"].as_object().unwrap() {
            if r["Type"] != "AWS::CloudFormation::Stack" {
                out.insert(id.clone(), stack.clone());
            }
        }
    }
    out
}

/// Every `Ref`, `Fn::GetAtt` and `${…}` of a template names one of its resources, parameters or
/// a pseudo parameter; the root passes each nested stack exactly its parameters and reads only
/// outputs they declare.
fn references_resolve(files: &BTreeMap<String, Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let nested: BTreeMap<String, &Value> = files
        .iter()
        .filter_map(|(n, t)| Some((n.strip_prefix("nested/")?.split('-').next()?.to_string(), t)))
        .collect();
    for (name, t) in files {
        let mut known: BTreeSet<String> = t["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        known.extend(
            t["Parameters"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k.clone()),
        );
        let mut refs = Vec::new();
        collect(t, &mut refs);
        for (id, attr) in refs {
            if id.starts_with("AWS::") {
                continue;
            }
            if !known.contains(&id) {
                problems.push(format!("{name}: {id} is not in the template"));
            }
            if let (Some(attr), Some(n)) = (
                attr.as_ref().and_then(|a| a.strip_prefix("Outputs.")),
                nested.get(&id),
            ) {
                if n["Outputs"].get(attr).is_none() {
                    problems.push(format!("{name}: {id} has no output {attr}"));
                }
            }
        }
    }
    let root = &files["template.json"];
    for (id, n) in &nested {
        let r = &root["Resources"][id];
        let given: BTreeSet<&String> = r["Properties"]["Parameters"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
            .collect();
        let wanted: BTreeSet<&String> = n["Parameters"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
            .collect();
        if given != wanted {
            problems.push(format!(
                "{id}: the root passes {given:?}, the template wants {wanted:?}"
            ));
        }
    }
    problems
}

fn collect(v: &Value, out: &mut Vec<(String, Option<String>)>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match (k.as_str(), x) {
                    ("Ref", Value::String(s)) => out.push((s.clone(), None)),
                    ("Fn::GetAtt", Value::Array(a)) => out.push((
                        a[0].as_str().unwrap().to_string(),
                        a.get(1).and_then(Value::as_str).map(str::to_string),
                    )),
                    ("Fn::Sub", Value::String(s)) => {
                        let mut rest = s.as_str();
                        while let Some(i) = rest.find("${") {
                            let after = &rest[i + 2..];
                            let end = after.find('}').unwrap();
                            let inner = &after[..end];
                            if !inner.starts_with('!') {
                                let (id, attr) = match inner.split_once('.') {
                                    Some((a, b)) => (a, Some(b.to_string())),
                                    None => (inner, None),
                                };
                                out.push((id.to_string(), attr));
                            }
                            rest = &after[end + 1..];
                        }
                    }
                    _ => collect(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}

#[test]
fn a_thousand_functions_split_into_stacks_that_cloudformation_accepts() {
    let tmp = Temp::new("nested-1000");
    let files = build(tmp.path(), &app(1000, "", ""));
    let nested: Vec<&String> = files.keys().filter(|k| k.starts_with("nested/")).collect();
    assert!(nested.len() >= 4, "{nested:?}");
    for (name, t) in &files {
        let n = t["Resources"].as_object().unwrap().len();
        assert!(n <= 500, "{name}: {n} resources");
        assert!(t.to_string().len() <= 1024 * 1024, "{name}: over 1 MB");
        assert!(
            t["Parameters"].as_object().map_or(0, |p| p.len()) <= 200,
            "{name}"
        );
        assert!(
            t["Outputs"].as_object().map_or(0, |p| p.len()) <= 200,
            "{name}"
        );
    }
    let problems = references_resolve(&files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every function with its role and log group, every stateful resource outside the
    // function stacks.
    let place = placement(&files);
    for i in [0, 1, 2, 3, 4, 5, 6, 7, 8, 500, 999] {
        let f = &place[&format!("F{i}Function")];
        assert_eq!(&place[&format!("F{i}FunctionRole")], f);
        assert_eq!(&place[&format!("F{i}FunctionLogGroup")], f);
        // The trigger's resources (`T0Route`, `T2EventSourceMapping`…) are with the function.
        let prefix = format!("T{i}");
        for (id, stack) in &place {
            let own = id
                .strip_prefix(&prefix)
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_uppercase()));
            if own {
                assert_eq!(stack, f, "{id}");
            }
        }
    }
    for (id, stack) in &place {
        if id.ends_with("Table") || id.ends_with("Bucket") || id.ends_with("Queue") {
            assert!(!stack.starts_with("FunctionStack"), "{id} is in {stack}");
        }
    }
    // A queue is with its dead-letter queue: data stacks never depend on each other for a
    // redrive (two that did both ways would be a cycle CloudFormation refuses).
    for i in (2..1000).step_by(9) {
        assert_eq!(
            place[&format!("Q{i}Queue")],
            place[&format!("Dl{i}Queue")],
            "q{i}"
        );
    }
    // cfn-lint (with SLSC_PYTHON) finds nothing in any of the templates.
    let found = common::python::with_module("cfnlint");
    let Some(python) = common::python::or_skip(found, "cfn-lint") else {
        return;
    };
    let out = tmp.path().join("out");
    let mut cmd = common::python::cfn_lint_json(&python);
    cmd.arg(out.join("template.json"));
    for n in &nested {
        cmd.arg(out.join(n));
    }
    let o = cmd.output().expect("cfn-lint runs");
    let findings: Value = serde_json::from_slice(&o.stdout).expect("cfn-lint prints JSON");
    assert_eq!(findings, serde_json::json!([]), "{findings:#}");
}

/// The stacks of every resource present before and after a change, except `changed`'s.
fn moved(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    changed: &[&str],
) -> Vec<String> {
    before
        .iter()
        .filter(|(id, _)| !changed.iter().any(|c| id.starts_with(c)))
        .filter_map(|(id, s)| {
            let a = after.get(id)?;
            (a != s).then(|| format!("{id}: {s} → {a}"))
        })
        .collect()
}

#[test]
fn adding_removing_or_renaming_a_function_or_adding_a_table_moves_nothing_else() {
    let tmp = Temp::new("nested-stable");
    let dir = tmp.path();
    // Pinned counts, as a split application should have them (docs/cloudformation.md).
    let pins = "  nested_stacks       = 8\n  data_stacks         = 4\n";
    let base = placement(&build(dir, &app(300, pins, "")));
    assert!(base.values().any(|s| s.starts_with("FunctionStack")));
    // Add a function (and its trigger).
    let add = format!("\nfunction \"extra\" {{\n  handler     = \"index.handler\"\n  source      = \"src\"\n  concurrency = 1\n}}\n{}", trigger(2, "extra").replace("\"t2\"", "\"t_extra\"").replace("q2", "q_extra").replace("dl2", "dl_extra"));
    let after = placement(&build(dir, &app(300, pins, &add)));
    assert_eq!(
        moved(&base, &after, &[]),
        Vec::<String>::new(),
        "adding a function"
    );
    assert!(after.contains_key("ExtraFunction"));
    // Remove one: the project without f10 is the same but for f10's unit.
    let after = placement(&build(dir, &app_without(300, pins, "", Some(10))));
    assert_eq!(
        moved(&base, &after, &[]),
        Vec::<String>::new(),
        "removing a function"
    );
    assert!(!after.contains_key("F10Function"));
    // Rename one (`moved` keeps its identity: nothing moves at all).
    let renamed = app(300, pins, "")
        .replace("function \"f11\"", "function \"g11\"")
        .replace("function.f11\n", "function.g11\n")
        + "\nmoved {\n  from = function.f11\n  to   = function.g11\n}\n";
    let after = placement(&build(dir, &renamed));
    assert_eq!(
        moved(&base, &after, &[]),
        Vec::<String>::new(),
        "renaming a function with `moved`"
    );
    // Add a table: only the table is new; nothing moves.
    let table =
        "\ndatabase \"extra\" {\n  partition_key = { name = \"id\", type = \"string\" }\n}\n";
    let after = placement(&build(dir, &app(300, pins, table)));
    assert_eq!(
        moved(&base, &after, &[]),
        Vec::<String>::new(),
        "adding a table"
    );
    assert!(after["ExtraTable"].starts_with("DataStack"));
}

#[test]
fn a_move_between_stacks_is_a_replacement_in_the_plan() {
    let tmp = Temp::new("nested-plan");
    let base_dir = tmp.path().join("base");
    let head_dir = tmp.path().join("head");
    build(
        &base_dir,
        &app(
            120,
            "  nested_stacks       = 2\n  data_stacks         = 2\n",
            "",
        ),
    );
    build(
        &head_dir,
        &app(
            120,
            "  nested_stacks       = 4\n  data_stacks         = 2\n",
            "",
        ),
    );
    let o = common::slsc(
        &[
            "plan",
            head_dir.to_str().unwrap(),
            "--base",
            base_dir.to_str().unwrap(),
            "--format",
            "json",
        ],
        tmp.path(),
    );
    let plan: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    let changes = plan["changes"].as_array().unwrap();
    let moves: Vec<&Value> = changes
        .iter()
        .filter(|c| {
            c["notes"]
                .to_string()
                .contains("moves from the FunctionStack")
        })
        .collect();
    assert!(!moves.is_empty(), "{plan:#}");
    for c in &moves {
        assert_eq!(c["action"], "replace", "{c:#}");
        assert_eq!(c["data_loss"], false, "functions hold no data: {c:#}");
    }
    // The data stacks are pinned: no table, bucket or queue moves.
    assert_eq!(plan["summary"]["data_loss"], 0, "{plan:#}");
}

#[test]
fn terraform_is_never_split_and_small_apps_stay_one_template() {
    let tmp = Temp::new("nested-tf");
    let dir = tmp.path();
    build(dir, &app(200, "", ""));
    let out = dir.join("tf");
    let o = common::build::run_build(dir.to_str().unwrap(), "terraform", Some(&out), dir);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let names: Vec<String> = common::build::files_under(&out)
        .iter()
        .map(|p| p.strip_prefix(&out).unwrap().display().to_string())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
        .collect();
    assert_eq!(names, ["main.tf.json"]);
    // Under the limits: one template, no nested directory.
    let small = build(&dir.join("small"), &app(20, "", ""));
    assert_eq!(small.keys().collect::<Vec<_>>(), ["template.json"]);
}

/// The issue's own wording: adding one function to a 2,000-function application (counts
/// derived, not pinned — 2,000 and 2,001 functions need the same) moves no other resource.
#[test]
fn adding_one_function_to_two_thousand_moves_nothing_else() {
    let tmp = Temp::new("nested-2000");
    let dir = tmp.path();
    let base = placement(&build(dir, &app(2000, "", "")));
    let add = format!(
        "\nfunction \"extra\" {{\n  handler     = \"index.handler\"\n  source      = \"src\"\n  concurrency = 1\n}}\n{}",
        trigger(0, "extra").replace("\"t0\"", "\"t_extra\"").replace("GET /r0", "GET /extra")
    );
    let after = placement(&build(dir, &app(2000, "", &add)));
    assert_eq!(moved(&base, &after, &[]), Vec::<String>::new());
    assert_eq!(
        after.len(),
        base.len() + 6,
        "the function, its role, log group, route, integration and permission"
    );
}

/// `slsc check --format json` of a project (with its code directories): the exit code and the
/// first `template-limits` diagnostic.
fn template_limits_of(src: &str) -> (Option<i32>, Value) {
    let tmp = Temp::new("nested-check");
    std::fs::create_dir_all(tmp.path().join("src")).unwrap();
    std::fs::create_dir_all(tmp.path().join("layer")).unwrap();
    std::fs::write(tmp.path().join("src/index.js"), "").unwrap();
    std::fs::write(tmp.path().join("layer/util.js"), "").unwrap();
    std::fs::write(tmp.path().join("main.sls"), src).unwrap();
    let o = common::slsc(&["check", ".", "--format", "json"], tmp.path());
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "template-limits")
        .cloned()
        .unwrap_or_else(|| panic!("{json:#}"));
    (o.status.code(), d)
}

/// A pinned count too small for the application: `template-limits` at the `nested_stacks`
/// attribute that sizes the stacks, naming the stack and the limit.
#[test]
fn a_stack_over_a_limit_is_reported_at_the_count_that_sizes_it() {
    let src = app(150, "  nested_stacks       = 1\n", "");
    let (code, d) = template_limits_of(&src);
    assert_eq!(code, Some(1));
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("the FunctionStack01 stack has"),
        "{d:#}"
    );
    let line = src
        .lines()
        .position(|l| l.contains("nested_stacks"))
        .unwrap()
        + 1;
    assert_eq!(d["line"], line as u64, "{d:#}");
}

#[test]
fn stacks_that_would_depend_on_each_other_are_reported() {
    // A raw resource that waits for a function (`depends_on`) while the function reads the
    // resource's ARN: its data stack waits for the function's stack, which takes a parameter
    // from the data stack.
    let extra = "\nfunction \"reader\" {\n  handler     = \"index.handler\"\n  source      = \"src\"\n  concurrency = 1\n  environment = { PARAM = resource.setting.arn }\n}\n\nresource \"setting\" {\n  depends_on     = [function.reader]\n  cloudformation = {\n    type       = \"AWS::SSM::Parameter\"\n    properties = { Type = \"String\", Value = \"on\" }\n  }\n  terraform = {\n    type      = \"aws_ssm_parameter\"\n    arguments = { type = \"String\", value = \"on\", name = \"setting\" }\n  }\n}\n";
    let src = app(
        9,
        "  nested_stacks       = 1\n  data_stacks         = 1\n",
        extra,
    );
    let (code, d) = template_limits_of(&src);
    let m = d["message"].as_str().unwrap();
    assert!(
        m.contains("would depend on each other")
            && m.contains("FunctionStack01")
            && m.contains("DataStack01"),
        "{d:#}"
    );
    assert_eq!(code, Some(1), "{d:#}");
    // At the raw resource's `depends_on`, which ties the stacks together.
    let line = src.lines().position(|l| l.contains("depends_on")).unwrap() + 1;
    assert_eq!(d["line"], line as u64, "{d:#}");
}
