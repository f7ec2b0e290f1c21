//! CI-ready output of `slsc check`: SARIF 2.1.0 (validated against the OASIS schema in
//! `tests/data/sarif-schema-2.1.0.json`), GitHub workflow commands, and the one-line summary
//! on stderr.
//!
//! The schema check runs Python's `jsonschema` (Draft 7, as the schema says) through
//! `SLSC_PYTHON`, which `.ci/run` sets to its cfn-lint venv (where it installs jsonschema).
//! Without it the check is skipped with a message — except under CI (`CI` set), where it fails.

mod common;

use common::build::text;
use common::temp::Temp;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SCHEMA: &str = "tests/data/sarif-schema-2.1.0.json";

/// Validates a SARIF log against the schema with every error printed, all in Python.
const VALIDATE: &str = r#"
import json, sys
import jsonschema
with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
log = json.load(sys.stdin)
jsonschema.Draft7Validator.check_schema(schema)
v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
errors = sorted(v.iter_errors(log), key=lambda e: [str(p) for p in e.absolute_path])
for e in errors:
    print("/" + "/".join(str(p) for p in e.absolute_path) + ": " + e.message)
print(f"{len(errors)} schema error(s)")
sys.exit(1 if errors else 0)
"#;

/// A python with jsonschema, or `None` (skipped) when there is none outside CI.
fn python() -> Option<PathBuf> {
    common::python::or_skip(
        common::python::with_module("jsonschema"),
        "the SARIF schema check (Python's jsonschema)",
    )
}

/// Validates `sarif` against the schema (no-op when skipped); panics with every error.
fn validate(sarif: &[u8], what: &str) {
    let Some(py) = python() else { return };
    let mut child = Command::new(&py)
        .args(["-c", VALIDATE])
        .arg(common::root().join(SCHEMA))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("SLSC_PYTHON runs");
    child.stdin.take().unwrap().write_all(sarif).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{what}: the SARIF output does not validate against {SCHEMA}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A project with rule findings of every level: errors (recursive-invocation, with a label),
/// warnings (several rules) and a note (bounded-recursion).
const RULES_PROJECT: &str = r#"
app "shop" {
  region = "eu-west-1"
}

# recursive-invocation: the worker sends to the queue that triggers it.
function "worker" {
  handler = "worker.handler"
  sends   = [queue.jobs]
}

queue "jobs" {}

trigger "jobs" {
  function = function.worker
  source   = queue.jobs
}

# unauthenticated-route, missing-concurrency, http-timeout.
function "api" {
  handler = "api.handler"
  timeout = "40s"
}

trigger "api" {
  function = function.api
  http     = "GET /orders"
}

# unused-resource.
topic "nobody" {}

# bounded-recursion (a note).
function "paginate" {
  handler     = "paginate.handler"
  concurrency = 1
  recursion   = "allow"
  invokes     = [function.paginate]
}
"#;

/// A project with in-project policies (one warn, one deny) that fail.
const POLICY_PROJECT: &str = r#"
app "shop" {
  region = "eu-west-1"
  stage  = "prod"
}

function "big" {
  handler     = "big.handler"
  concurrency = 1
  memory      = 2048
}

policy "max_memory" {
  for       = "function"
  condition = self.memory <= 1024
  message   = "functions over 1 GB need a platform exception"
  level     = "warn"
}

policy "tracing_in_prod" {
  for       = "function"
  condition = self.tracing
  message   = "prod functions have X-Ray tracing on"
  when      = app.stage == "prod"
}
"#;

/// Writes `proj/app.sls` in a scratch directory.
fn project(tag: &str, src: &str) -> Temp {
    let t = Temp::new(tag);
    t.write("proj/app.sls", src.as_bytes());
    t
}

/// `slsc check proj --format sarif` in `dir`, checked to be valid SARIF; returns the log.
fn sarif_of(dir: &Path, project: &str, want_exit: i32) -> Value {
    let out = common::slsc(&["check", project, "--format", "sarif"], dir);
    assert_eq!(out.status.code(), Some(want_exit), "{}", text(&out));
    validate(&out.stdout, project);
    // Byte-deterministic.
    let again = common::slsc(&["check", project, "--format", "sarif"], dir);
    assert!(out.stdout == again.stdout, "{project}: two runs differ");
    serde_json::from_slice(&out.stdout).expect("SARIF output is JSON")
}

/// The structure every log has: the driver, one rule per distinct code (sorted), every result's
/// `ruleIndex` pointing at its rule, levels and locations. Returns the rules by id.
fn check_shape(sarif: &Value) -> Vec<(String, Value)> {
    assert_eq!(sarif["version"], "2.1.0");
    let runs = sarif["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "slsc");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));
    let rules = driver["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "one rule per code, sorted");
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    let used: BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        used,
        ids.iter().copied().collect::<BTreeSet<_>>(),
        "the rules are exactly the codes of the results"
    );
    for r in results {
        let i = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"], "ruleIndex points at its rule");
        assert!(
            ["error", "warning", "note"].contains(&r["level"].as_str().unwrap()),
            "{r}"
        );
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("proj/"), "relative uri: {uri}");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    for r in rules {
        assert!(
            ["error", "warning", "note", "none"]
                .contains(&r["defaultConfiguration"]["level"].as_str().unwrap_or("")),
            "{r}"
        );
        assert!(
            !r["shortDescription"]["text"]
                .as_str()
                .unwrap_or("")
                .is_empty(),
            "{r}"
        );
    }
    rules
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r.clone()))
        .collect()
}

#[test]
fn the_schema_is_the_sarif_2_1_0_schema() {
    let bytes = std::fs::read(common::root().join(SCHEMA)).unwrap();
    let s: Value = serde_json::from_slice(&bytes).expect("the schema is JSON");
    assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(s["title"]
        .as_str()
        .unwrap()
        .contains("SARIF) Version 2.1.0"));
    assert!(s["$id"]
        .as_str()
        .unwrap()
        .ends_with("/sarif-schema-2.1.0.json"));
    // The root constraints are there (a variant that moved them under `definitions` accepts
    // anything).
    assert_eq!(s["required"], serde_json::json!(["version", "runs"]));
    assert_eq!(s["additionalProperties"], false);
    assert_eq!(
        s["properties"]["runs"]["items"]["$ref"],
        "#/definitions/run"
    );
}

#[test]
fn compile_errors_give_valid_sarif() {
    let t = Temp::new("compile");
    for f in ["app.sls", "api.sls"] {
        let src = std::fs::read(common::root().join("tests/fixtures/multi_error").join(f)).unwrap();
        t.write(&format!("proj/{f}"), &src);
    }
    let sarif = sarif_of(t.path(), "proj", 1);
    let rules = check_shape(&sarif);
    assert!(rules.len() >= 3, "{rules:?}");
    for (id, r) in &rules {
        assert!(
            slsc::checks::rule(id).is_none(),
            "{id}: multi_error has compile errors only"
        );
        assert_eq!(r["defaultConfiguration"]["level"], "error", "{id}");
        assert_eq!(
            r["helpUri"],
            "https://github.com/slsc/slsc/blob/main/docs/diagnostics.md#compile-errors-always-errors",
            "{id}"
        );
        assert_ne!(
            r["shortDescription"]["text"],
            id.as_str(),
            "{id}: a description"
        );
        assert!(r.get("help").is_none(), "{id}: no rule page");
    }
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    assert!(results.iter().all(|r| r["level"] == "error"));
}

#[test]
fn rule_findings_give_valid_sarif_with_the_rule_pages() {
    let t = project("rules", RULES_PROJECT);
    let sarif = sarif_of(t.path(), "proj", 1);
    let rules = check_shape(&sarif);
    let ids: Vec<&str> = rules.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "bounded-recursion",
            "http-timeout",
            "missing-concurrency",
            "missing-dead-letter",
            "recursive-invocation",
            "unauthenticated-route",
            "unused-resource"
        ]
    );
    for (id, r) in &rules {
        let Some(rule) = slsc::checks::rule(id) else {
            // bounded-recursion comes with the rules but has no page of its own.
            assert_eq!(id, "bounded-recursion");
            assert_eq!(r["defaultConfiguration"]["level"], "note");
            assert_eq!(
                r["helpUri"],
                "https://github.com/slsc/slsc/blob/main/docs/diagnostics.md#rules"
            );
            continue;
        };
        let explain = common::run(&["explain", id]);
        assert_eq!(explain.status.code(), Some(0));
        let page = String::from_utf8(explain.stdout).unwrap();
        assert_eq!(
            r["help"]["text"],
            page.as_str(),
            "{id}: help is the explain page"
        );
        assert_eq!(r["help"]["markdown"], page.as_str(), "{id}");
        assert_eq!(r["fullDescription"]["text"], page.as_str(), "{id}");
        assert_eq!(r["shortDescription"]["text"], rule.summary, "{id}");
        assert_eq!(
            r["helpUri"],
            format!("https://github.com/slsc/slsc/blob/main/docs/rules/{id}.md"),
            "{id}"
        );
        assert!(
            common::root().join(format!("docs/rules/{id}.md")).is_file(),
            "{id}: the helpUri's page exists"
        );
        let level = match rule.level {
            slsc::checks::Level::Deny => "error",
            slsc::checks::Level::Warn => "warning",
            slsc::checks::Level::Allow => "none",
        };
        assert_eq!(r["defaultConfiguration"]["level"], level, "{id}");
    }
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let levels: BTreeSet<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, BTreeSet::from(["error", "warning", "note"]));
    // The loop's edge is a related location.
    let rec = results
        .iter()
        .find(|r| r["ruleId"] == "recursive-invocation")
        .unwrap();
    let related = rec["relatedLocations"].as_array().unwrap();
    assert!(!related.is_empty(), "{rec}");
    assert_eq!(
        related[0]["physicalLocation"]["artifactLocation"]["uri"],
        "proj/app.sls"
    );
}

#[test]
fn policy_findings_give_valid_sarif_with_the_policy_message() {
    let t = project("policy", POLICY_PROJECT);
    let sarif = sarif_of(t.path(), "proj", 1);
    let rules = check_shape(&sarif);
    let by_id = |id: &str| {
        rules
            .iter()
            .find(|(i, _)| i == id)
            .unwrap_or_else(|| panic!("no rule {id}: {rules:?}"))
            .1
            .clone()
    };
    let m = by_id("policy/max_memory");
    assert_eq!(
        m["shortDescription"]["text"],
        "functions over 1 GB need a platform exception"
    );
    assert_eq!(m["defaultConfiguration"]["level"], "warning");
    assert!(m.get("help").is_none() && m.get("helpUri").is_none(), "{m}");
    let tr = by_id("policy/tracing_in_prod");
    assert_eq!(
        tr["shortDescription"]["text"],
        "prod functions have X-Ray tracing on"
    );
    assert_eq!(tr["defaultConfiguration"]["level"], "error");
}

#[test]
fn the_library_renderer_works_without_the_rule_registry() {
    let opts = slsc::Options {
        today: common::TODAY.into(),
        ..Default::default()
    };
    let c = slsc::compile_files(&[("proj/app.sls", RULES_PROJECT)], &opts).unwrap();
    let out = slsc::diagnostics::render_sarif(&c.diagnostics, &c.sources);
    validate(out.as_bytes(), "render_sarif");
    let sarif: Value = serde_json::from_str(&out).unwrap();
    let rules = check_shape(&sarif);
    // Without the registry a rule is described by its code, at the level it was reported.
    let (_, r) = rules
        .iter()
        .find(|(id, _)| id == "missing-concurrency")
        .unwrap();
    assert_eq!(r["shortDescription"]["text"], "missing-concurrency");
    assert_eq!(r["defaultConfiguration"]["level"], "warning");
}

#[test]
fn file_names_are_uri_references() {
    let t = Temp::new("uri");
    t.write(
        "proj/my app#1.sls",
        b"app \"x\" {\n  region = \"eu-west-1\"\n  memroy = 1\n}\n",
    );
    let sarif = sarif_of(t.path(), "proj", 1);
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"];
    assert_eq!(uri, "proj/my%20app%231.sls");
}

// -- GitHub workflow commands -------------------------------------------------------------

#[test]
fn github_annotations_escape_data_and_properties() {
    let t = Temp::new("github");
    // A file name with `,` and `:` (escaped in the `file` property); a message with `%`, `:`
    // and a newline (the value of an invalid size, quoted in the message); a span over three
    // lines (no columns: GitHub takes them only on one line).
    t.write(
        "proj/a,b:c.sls",
        br#"app "x" {
  region = "eu-west-1"
}

function "f" {
  handler     = "f.handler"
  concurrency = 1
  memory      = "1%GB\n:"
  runtime = {
    a = 1
  }
}
"#,
    );
    let out = common::slsc(&["check", "proj", "--format", "github"], t.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "::error file=proj/a%2Cb%3Ac.sls,line=8,col=17,endLine=8,endColumn=26,\
             title=invalid-value::\"1%25GB%0A:\" is not a size%0A\
             help: write a number of MB, or a string such as \"512MB\" or \"1GB\"",
            "::error file=proj/a%2Cb%3Ac.sls,line=9,endLine=11,title=type-mismatch::\
             expected a string, found an object",
        ],
        "{stdout}"
    );
}

#[test]
fn github_annotations_have_warning_and_notice_levels() {
    let t = project("levels", RULES_PROJECT);
    let out = common::slsc(&["check", "proj", "--format", "github"], t.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 8, "one line per diagnostic:\n{stdout}");
    assert!(
        lines.contains(
            &"::warning file=proj/app.sls,line=31,col=7,endLine=31,endColumn=15,\
              title=unused-resource::topic.nobody is not used: nothing reads, writes, sends to \
              or consumes it%0Ahelp: grant the function that uses it access (`reads`, `writes`, \
              `sends`), consume it with a trigger, or remove the block"
        ),
        "{stdout}"
    );
    let notes: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("::notice "))
        .collect();
    assert_eq!(notes.len(), 1, "{stdout}");
    assert!(
        notes[0].starts_with(
            "::notice file=proj/app.sls,line=38,col=18,endLine=38,endColumn=35,\
             title=bounded-recursion::intended loop"
        ),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::error ") && l.contains("title=recursive-invocation::")),
        "{stdout}"
    );
    // Every line is one command: `::LEVEL PROPERTIES::MESSAGE`, nothing unescaped in between.
    for l in &lines {
        let (head, _msg) = l[2..].split_once("::").expect("a command");
        let (level, props) = head.split_once(' ').unwrap();
        assert!(["error", "warning", "notice"].contains(&level), "{l}");
        for p in props.split(',') {
            let (k, _) = p.split_once('=').unwrap_or_else(|| panic!("{l}: {p}"));
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(&k),
                "{l}"
            );
        }
    }
}

// -- The summary line ---------------------------------------------------------------------

#[test]
fn machine_formats_end_with_a_summary_line_on_stderr() {
    let t = project("summary", RULES_PROJECT);
    t.write("proj/more.sls", b"queue \"spare\" {}\n");
    for format in ["json", "sarif", "github"] {
        let out = common::slsc(&["check", "proj", "--format", format], t.path());
        assert_eq!(out.status.code(), Some(1), "{format}: {}", text(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "slsc check: 1 error, 7 warnings in 2 files\n",
            "{format}"
        );
    }
    // The human report (on stderr) keeps its own summary, and nothing on stdout.
    let out = common::slsc(&["check", "proj"], t.path());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.ends_with("\n1 error, 7 warnings\n"), "{stderr}");
    assert!(!stderr.contains("slsc check:"), "{stderr}");
    // Singular, and a clean project.
    let clean = Temp::new("clean");
    clean.write(
        "proj/app.sls",
        b"app \"x\" {\n  region = \"eu-west-1\"\n}\n",
    );
    let out = common::slsc(&["check", "proj", "--format", "json"], clean.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "slsc check: 0 errors, 0 warnings in 1 file\n"
    );
}
