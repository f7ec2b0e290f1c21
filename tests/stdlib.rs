//! The stdlib (`stdlib/*.sls`, `source = "std/NAME"`): every module, given only its required
//! inputs, checks with no diagnostic at all, builds for both targets, and what it builds passes
//! cfn-lint (no finding of any level) and the AWS provider's schema. New modules are covered
//! automatically (the loop is over `slsc::stdlib::MODULES`; a required input the table below
//! does not know fails the test, naming it). Also: `slsc explain std/…`, docs/stdlib.md (kept
//! in step with the headers: `SLSC_UPDATE_DOCS=1 cargo test --test stdlib` regenerates it),
//! and what some modules promise (upload_processor's prefixes, fanout's subscribers).
//!
//! Without SLSC_PYTHON (cfn-lint) or the provider schema those checks are skipped with a
//! message, except under CI, where they fail (as in tests/oracle.rs).

// `tests/terraform_schema.rs` (included below) declares `mod common;` too.
#![allow(clippy::duplicate_mod)]

mod common;

// The provider-schema checker. Including the file brings its own tests along (they then run in
// this crate too).
#[allow(dead_code)]
#[path = "terraform_schema.rs"]
mod terraform_schema;

use common::build::{read_out, run_build, text, CF, TF};
use common::temp::Temp;
use hcl_edit::structure::Body;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A module's inputs that have no default: (name, declared type as written).
fn required_inputs(text: &str) -> Vec<(String, String)> {
    let body: Body = text.parse().expect("a stdlib module parses");
    body.get_blocks("variable")
        .filter(|b| !b.body.has_attribute("default"))
        .map(|b| {
            let name = b.labels.first().map(|l| l.as_str().to_string());
            let ty = b
                .body
                .get_attribute("type")
                .map(|a| a.value.to_string().trim().to_string())
                .unwrap_or_default();
            (name.expect("a variable has a name"), ty)
        })
        .collect()
}

/// A realistic value for a required input, by name (and the blocks it refers to). Panics for
/// an input this table does not know: add it when a module needs a new one.
fn value_for(module: &str, input: &str, ty: &str) -> (String, &'static str) {
    let v = match input {
        "handler" => "\"app.handler\"".to_string(),
        "schedule" => "\"rate(1 hour)\"".to_string(),
        "route" => "\"GET /items/{id}\"".to_string(),
        "path" => "\"/items\"".to_string(),
        "topic" => return ("topic.events".to_string(), "topic \"events\" {}\n"),
        "handlers" => {
            "{\n    email = \"email.handler\"\n    audit = \"audit.handler\"\n  }".to_string()
        }
        _ => panic!(
            "std/{module} has the required input `{input}` (type {ty}), which tests/stdlib.rs's \
             value_for does not know: add a realistic value for it"
        ),
    };
    (v, "")
}

/// A project using `std/NAME` (as `module "demo"`) with only its required inputs.
fn minimal_project(name: &str, text: &str) -> String {
    let mut attrs = format!("  source = \"std/{name}\"\n");
    let mut extra = String::new();
    for (input, ty) in required_inputs(text) {
        let (v, blocks) = value_for(name, &input, &ty);
        attrs.push_str(&format!("  {input} = {v}\n"));
        extra.push_str(blocks);
    }
    format!(
        "app \"shop\" {{\n  region = \"eu-west-1\"\n}}\n\n{extra}\nmodule \"demo\" {{\n{attrs}}}\n"
    )
}

fn opts() -> slsc::Options {
    slsc::Options {
        today: common::TODAY.into(),
        ..Default::default()
    }
}

/// `slsc check`'s compilation of a project directory.
fn check_dir(dir: &Path) -> slsc::Compilation {
    slsc::check(dir, &opts()).expect("the project loads")
}

fn render(c: &slsc::Compilation) -> String {
    slsc::diagnostics::render_human(&c.diagnostics, &c.sources, false)
}

/// Writes a project (its `main.sls`) under `scratch/NAME`.
fn write_project(scratch: &Path, name: &str, main: &str) -> PathBuf {
    let t = scratch.join(name);
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("main.sls"), main).unwrap();
    t
}

#[test]
fn every_module_with_only_its_required_inputs_checks_clean_builds_and_passes_the_tools() {
    let python = common::python::or_skip(
        common::python::with_module("cfnlint"),
        "the stdlib's cfn-lint check",
    );
    let provider = terraform_schema::provider();
    let scratch = Temp::new("stdlib");
    let mut problems = Vec::new();
    let mut templates = Vec::new();
    for (name, module) in slsc::stdlib::MODULES {
        let main = minimal_project(name, module);
        let dir = write_project(scratch.path(), name, &main);
        let c = check_dir(&dir);
        if !c.diagnostics.is_empty() {
            problems.push(format!(
                "std/{name}: `slsc check` is not clean for\n{main}\n{}",
                render(&c)
            ));
            continue;
        }
        for target in [CF, TF] {
            let out = scratch.path().join(format!("{name}-{target}"));
            let r = run_build(dir.to_str().unwrap(), target, Some(&out), common::root());
            if !r.status.success() {
                problems.push(format!("std/{name}: build --target {target}: {}", text(&r)));
                continue;
            }
            let built = read_out(&out, target);
            if target == CF {
                templates.push((name.to_string(), out.join("template.json")));
            } else if let Some(p) = &provider {
                let doc: Value = serde_json::from_slice(&built.main).unwrap();
                for problem in terraform_schema::check_document(p, &doc) {
                    problems.push(format!("std/{name}: terraform: {problem}"));
                }
            }
        }
    }
    if let (Some(py), false) = (&python, templates.is_empty()) {
        problems.extend(cfn_lint(py, &templates));
    }
    common::fail_if_any(problems);
}

/// Runs cfn-lint once over the templates: every finding (error, warning or informational)
/// is a problem.
fn cfn_lint(python: &Path, templates: &[(String, PathBuf)]) -> Vec<String> {
    let out = common::python::cfn_lint_json(python)
        .args(templates.iter().map(|(_, p)| p))
        .output()
        .expect("cfn-lint runs");
    let matches: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cfn-lint did not print JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let module_of = |file: &str| {
        templates
            .iter()
            .find(|(_, p)| Path::new(file) == p.as_path())
            .map_or(file.to_string(), |(n, _)| format!("std/{n}"))
    };
    matches
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}: cfn-lint {}: {} at {}",
                module_of(m["Filename"].as_str().unwrap_or("")),
                m["Rule"]["Id"].as_str().unwrap_or("?"),
                m["Message"].as_str().unwrap_or(""),
                m["Location"]["Path"]
            )
        })
        .collect()
}

#[test]
fn the_required_inputs_are_read_from_the_variable_blocks() {
    let qw = slsc::stdlib::module("queue_worker").unwrap();
    assert_eq!(
        required_inputs(qw),
        vec![("handler".to_string(), "string".to_string())]
    );
    let ts = slsc::stdlib::module("topic_subscriber").unwrap();
    let names: Vec<String> = required_inputs(ts).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["topic", "handler"]);
}

#[test]
#[should_panic(expected = "value_for does not know")]
fn an_unknown_required_input_fails_loudly() {
    value_for("new_module", "widget_count", "number");
}

#[test]
fn docs_stdlib_md_is_generated_from_the_headers() {
    let path = common::root().join("docs/stdlib.md");
    let page = slsc::stdlib::docs();
    if std::env::var_os("SLSC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &page).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == page,
        "docs/stdlib.md is stale (or missing): run `SLSC_UPDATE_DOCS=1 cargo test --test stdlib`"
    );
    for name in slsc::stdlib::names() {
        assert!(
            page.contains(&format!("\n## std/{name}\n")),
            "std/{name} has no section"
        );
    }
}

#[test]
fn explain_prints_a_module_header_and_lists_the_modules() {
    let out = common::run(&["explain", "std/queue_worker"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let page = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        page,
        slsc::stdlib::header(slsc::stdlib::module("queue_worker").unwrap())
    );
    assert!(page.starts_with("std/queue_worker — "), "{page}");
    for part in [
        "Inputs:",
        "Outputs:",
        "Example:",
        "max_receives",
        "queue_url",
    ] {
        assert!(page.contains(part), "{part} missing from:\n{page}");
    }

    let out = common::run(&["explain", "std"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let list = String::from_utf8(out.stdout).unwrap();
    for (name, module) in slsc::stdlib::MODULES {
        let line = list
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&format!("std/{name}")))
            .unwrap_or_else(|| panic!("std/{name} missing from:\n{list}"));
        assert!(line.ends_with(&slsc::stdlib::summary(module)), "{line}");
    }
}

#[test]
fn explain_suggests_the_closest_module_for_a_typo() {
    let out = common::run(&["explain", "std/queue_wroker"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `std/queue_worker`?"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn upload_processor_refuses_an_output_prefix_inside_the_input_prefix() {
    let scratch = Temp::new("upload");
    let project = |input_prefix: &str, output_prefix: &str| {
        format!(
            "app \"shop\" {{\n  region = \"eu-west-1\"\n}}\n\nmodule \"thumbs\" {{\n  \
             source        = \"std/upload_processor\"\n  handler       = \"thumbs.handler\"\n  \
             input_prefix  = \"{input_prefix}\"\n  output_prefix = \"{output_prefix}\"\n}}\n"
        )
    };
    let dir = write_project(
        scratch.path(),
        "overlap",
        &project("uploads/", "uploads/thumbs/"),
    );
    let c = check_dir(&dir);
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["recursive-invocation"], "{}", render(&c));
    // The other way round (the input inside the output) is a loop too.
    let dir = write_project(
        scratch.path(),
        "wider",
        &project("uploads/new/", "uploads/"),
    );
    let c = check_dir(&dir);
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["recursive-invocation"], "{}", render(&c));
    // Side by side, it is not.
    let dir = write_project(scratch.path(), "apart", &project("uploads/", "thumbs/"));
    let c = check_dir(&dir);
    assert!(c.diagnostics.is_empty(), "{}", render(&c));
}

#[test]
fn fanout_creates_one_subscriber_per_handler() {
    let scratch = Temp::new("fanout");
    let main = "app \"shop\" {\n  region = \"eu-west-1\"\n}\n\nmodule \"orders\" {\n  \
                source = \"std/fanout\"\n  handlers = {\n    email     = \"email.handler\"\n    \
                analytics = \"analytics.handler\"\n    audit     = \"audit.handler\"\n  }\n}\n\n\
                function \"checkout\" {\n  handler     = \"checkout.handler\"\n  concurrency = 2\n  \
                sends       = [module.orders.topic]\n  environment = { ORDER_TOPIC = module.orders.topic_arn }\n}\n";
    let dir = write_project(scratch.path(), "fanout", main);
    let c = check_dir(&dir);
    assert!(c.diagnostics.is_empty(), "{}", render(&c));
    let model = c.model.as_ref().unwrap();
    let names = |kind: slsc::model::BlockKind| -> Vec<String> {
        model.of_kind(kind).map(|b| b.name.clone()).collect()
    };
    assert_eq!(
        names(slsc::model::BlockKind::Function),
        [
            "checkout",
            "orders_sub_analytics_fn",
            "orders_sub_audit_fn",
            "orders_sub_email_fn"
        ]
    );
    assert_eq!(names(slsc::model::BlockKind::Topic), ["orders_events"]);
    assert_eq!(
        names(slsc::model::BlockKind::Queue),
        [
            "orders_sub_analytics_failed",
            "orders_sub_audit_failed",
            "orders_sub_email_failed"
        ]
    );
}
