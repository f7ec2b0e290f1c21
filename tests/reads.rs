//! Compile-time reads: `app.region`, `file("path")` and `templatefile("path", { … })`.
//! Each mistake is exactly one diagnostic at the argument that names the file.

mod common;

use common::temp::Temp;
use serde_json::Value;
use std::path::Path;

/// A project in a scratch directory: `main.sls` (the app block and `body`) and `files`.
fn project(tag: &str, body: &str, files: &[(&str, &[u8])]) -> Temp {
    let tmp = Temp::new(tag);
    tmp.write("main.sls", body.as_bytes());
    for (p, bytes) in files {
        tmp.write(p, bytes);
    }
    tmp
}

fn check(dir: &Path) -> (Vec<(String, u64, u64)>, Value) {
    common::check_positions(dir)
}

/// Builds `dir` for CloudFormation (run from `cwd`, naming the project `path`) and returns the
/// template's text.
fn build(cwd: &Path, path: &str, out: &Path) -> String {
    let o = common::slsc(
        &[
            "build",
            path,
            "--target",
            "cloudformation",
            "--out",
            out.to_str().unwrap(),
        ],
        cwd,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(out.join("template.json")).unwrap()
}

/// A function whose environment's `VALUE` is `expr` (line 8, column 27 is where `expr` starts).
fn env_value(expr: &str) -> String {
    format!(
        "app \"reads\" {{\n  region = \"eu-west-1\"\n}}\n\nfunction \"api\" {{\n  handler     = \"index.handler\"\n  concurrency = 1\n  environment = {{ VALUE = {expr} }}\n}}\n"
    )
}

const GREETING: &[u8] =
    b"Hello ${name}%{ for r in regions } from ${r}%{ endfor }%{ if loud }!%{ endif }";

#[test]
fn values_read_at_compile_time_land_in_the_output() {
    let src = r#"variable "where" {
  type    = string
  default = "eu-central-1"
}

app "reads" {
  region = var.where
}

function "api" {
  handler     = "index.handler"
  concurrency = 1
  description = "serves ${app.name} in ${app.region}"
  environment = {
    REGION   = app.region
    SCHEMA   = file("schemas/order.json")
    GREETING = templatefile("templates/greeting.tpl", { name = app.name, regions = [app.region, "${app.stage}-x"], loud = true })
  }
  permissions = [{
    actions   = ["kinesis:PutRecord"]
    resources = [file("arns/stream.txt")]
  }]
}
"#;
    let tmp = project(
        "reads-ok",
        src,
        &[
            ("schemas/order.json", b"{\"required\": [\"id\"]}"),
            ("templates/greeting.tpl", GREETING),
            (
                "arns/stream.txt",
                b"arn:aws:kinesis:eu-central-1:123456789012:stream/orders",
            ),
            ("index.js", b"exports.handler = async () => 1;\n"),
        ],
    );
    let (got, json) = check(tmp.path());
    assert!(got.is_empty(), "{json:#}");
    let t = build(tmp.path(), ".", &tmp.path().join("out"));
    for want in [
        r#""REGION": "eu-central-1""#,
        r#""SCHEMA": "{\"required\": [\"id\"]}""#,
        r#""GREETING": "Hello reads from eu-central-1 from dev-x!""#,
        r#""Description": "serves reads in eu-central-1""#,
        "arn:aws:kinesis:eu-central-1:123456789012:stream/orders",
    ] {
        assert!(t.contains(want), "{want} not in {t}");
    }
}

#[test]
fn the_output_does_not_depend_on_the_folder_it_is_built_from() {
    let src = env_value(r#"templatefile("t/x.tpl", { v = file("t/v.txt") })"#);
    let tmp = project(
        "reads-folders",
        &src,
        &[
            ("t/x.tpl", b"<${v}>"),
            ("t/v.txt", b"value"),
            ("index.js", b"exports.handler = async () => 1;\n"),
        ],
    );
    let here = build(tmp.path(), ".", &tmp.path().join("out1"));
    let parent = tmp.path().parent().unwrap();
    let name = tmp.path().file_name().unwrap().to_str().unwrap();
    let there = build(parent, name, &tmp.path().join("out2"));
    assert_eq!(here, there);
    assert!(here.contains(r#""VALUE": "<value>""#), "{here}");
}

#[test]
fn paths_inside_a_module_are_relative_to_the_project() {
    let module = r#"variable "greeting" {
  type = string
}

function "worker" {
  handler     = "index.handler"
  concurrency = 1
  environment = {
    POLICY   = file("policies/p.json")
    GREETING = var.greeting
    REGION   = app.region
  }
}
"#;
    let src = r#"app "reads" {
  region = "ap-south-1"
}

module "billing" {
  source   = "./modules/billing"
  greeting = templatefile("policies/hello.tpl", { who = "billing" })
}
"#;
    let tmp = project(
        "reads-module",
        src,
        &[
            ("modules/billing/main.sls", module.as_bytes()),
            ("policies/p.json", b"{}"),
            ("policies/hello.tpl", b"hi ${who}"),
            ("index.js", b"exports.handler = async () => 1;\n"),
        ],
    );
    let (got, json) = check(tmp.path());
    assert!(got.is_empty(), "{json:#}");
    let t = build(tmp.path(), ".", &tmp.path().join("out"));
    for want in [
        r#""POLICY": "{}""#,
        r#""GREETING": "hi billing""#,
        r#""REGION": "ap-south-1""#,
    ] {
        assert!(t.contains(want), "{want} not in {t}");
    }
}

/// Each project has exactly one diagnostic: (code, line, column, text in the message or help).
#[test]
fn each_mistake_is_one_diagnostic_at_the_path() {
    let big = vec![b'a'; (1 << 20) + 1];
    let files: &[(&str, &[u8])] = &[
        ("dir/inner.txt", b"x"),
        ("latin1.txt", b"caf\xe9"),
        ("big.txt", &big),
        ("t.tpl", b"Hi ${nme}"),
        ("broken.tpl", b"Hi ${"),
    ];
    let cases: &[(&str, &str, u64, u64, &str)] = &[
        (
            r#"file("nope.json")"#,
            "source-not-found",
            8,
            32,
            "does not exist",
        ),
        (
            r#"file("dir")"#,
            "source-not-found",
            8,
            32,
            "is a directory",
        ),
        (
            r#"file("../x.txt")"#,
            "source-outside-project",
            8,
            32,
            "outside the project directory",
        ),
        (
            r#"file("/etc/hostname")"#,
            "invalid-value",
            8,
            32,
            "relative to the project directory",
        ),
        (r#"file("latin1.txt")"#, "invalid-value", 8, 32, "not UTF-8"),
        (
            r#"file("big.txt")"#,
            "invalid-value",
            8,
            32,
            "at most 1048576 bytes",
        ),
        ("file(5)", "type-mismatch", 8, 32, "needs a string"),
        (
            r#"file("a", "b")"#,
            "type-mismatch",
            8,
            27,
            "takes 1 argument",
        ),
        (
            r#"templatefile("t.tpl", ["x"])"#,
            "type-mismatch",
            8,
            49,
            "needs an object",
        ),
        (
            r#"templatefile("t.tpl", { name = "x" })"#,
            "unresolved-reference",
            8,
            40,
            "did you mean `name`?",
        ),
        (
            r#"templatefile("t.tpl", {})"#,
            "unresolved-reference",
            8,
            40,
            "(line 1, column 6)",
        ),
        (
            r#"templatefile("broken.tpl", {})"#,
            "invalid-value",
            8,
            40,
            "is not a valid template",
        ),
        (
            r#"templatefile("t.tpl", { nme = var.nope })"#,
            "unresolved-reference",
            8,
            57,
            "var.nope",
        ),
    ];
    for (expr, code, line, column, text) in cases {
        let tmp = project("reads-bad", &env_value(expr), files);
        let (got, json) = check(tmp.path());
        assert_eq!(
            got,
            [(code.to_string(), *line, *column)],
            "{expr}: {json:#}"
        );
        let d = &json["diagnostics"][0];
        let all = format!("{} {}", d["message"], d["help"]);
        assert!(all.contains(text), "{expr}: {text:?} not in {all}");
    }
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_project_is_refused() {
    let outside = Temp::new("reads-outside");
    let secret = outside.write("secret.txt", b"s3cr3t");
    let tmp = project("reads-link", &env_value(r#"file("link.txt")"#), &[]);
    std::os::unix::fs::symlink(&secret, tmp.path().join("link.txt")).unwrap();
    let (got, json) = check(tmp.path());
    assert_eq!(
        got,
        [("source-outside-project".to_string(), 8, 32)],
        "{json:#}"
    );
    assert!(!json.to_string().contains("s3cr3t"));
}

#[test]
fn source_root_lets_reads_leave_the_project() {
    let outer = Temp::new("reads-root");
    outer.write("shared/policy.json", b"{\"shared\": true}");
    let src = env_value(r#"file("../shared/policy.json")"#).replace(
        "region = \"eu-west-1\"",
        "region = \"eu-west-1\"\n  source_root = \"..\"",
    );
    outer.write("app/main.sls", src.as_bytes());
    let (got, json) = check(&outer.path().join("app"));
    assert!(got.is_empty(), "{json:#}");
}

#[test]
fn app_region_in_the_app_blocks_own_region_is_a_cycle() {
    let src = "app \"reads\" {\n  region = \"${app.region}-1\"\n}\n";
    let tmp = project("reads-cycle", src, &[]);
    let (got, json) = check(tmp.path());
    assert_eq!(got, [("cycle".to_string(), 2, 15)], "{json:#}");
    // The stage may be read by the region.
    let src = "app \"reads\" {\n  stage  = \"prod\"\n  region = app.stage == \"prod\" ? \"eu-west-1\" : \"us-east-1\"\n}\n\noutput \"r\" {\n  value = app.region\n}\n";
    let tmp = project("reads-stage", src, &[]);
    let (got, json) = check(tmp.path());
    assert!(got.is_empty(), "{json:#}");
}

#[test]
fn a_project_in_memory_reads_no_files() {
    let c = slsc::compile_files(
        &[("main.sls", &env_value(r#"file("x.txt")"#))],
        &Default::default(),
    )
    .unwrap();
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["source-not-found"]);
    assert!(c.diagnostics[0].message.contains("compiled in memory"));
}
