//! Compile-error fixtures (SPEC §6): every fixture under `tests/fixtures/errors/<code>/` is run
//! through the binary with `--format json`, and its `# expect:` lines are checked.
//!
//! A fixture is a single `.sls` file or a directory project. Each of its files starts with
//! machine-readable comment lines (see `tests/fixtures/errors/README.md`):
//!
//! ```text
//! # expect: invalid-value error 7:12 "division by zero"
//! # args: --today 2027-03-01
//! ```
//!
//! `expect` is code, severity, line:column (1-based, the column in characters) of the primary
//! span in *that* file, and optionally a quoted text that must occur in the message or the help.
//! `args` are extra command-line arguments. Every mismatch of every fixture is collected and
//! reported at once.

mod common;

use common::diagnostics::{check_counts, diagnostics, list_actual, matches, run_fixture, run_json};
use common::fixtures::{self, examples, Expect, EXPECT_SYNTAX};
use common::temp::Temp;
use common::{fail_if_any, rel, root, run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Every compile-error code of SPEC §6, plus the two hard rules a fixture must show.
const CODES: &[&str] = &[
    "syntax",
    "unknown-block",
    "unknown-attribute",
    "missing-attribute",
    "duplicate-name",
    "type-mismatch",
    "invalid-value",
    "unresolved-reference",
    "invalid-trigger",
    "invalid-schedule",
    "invalid-route",
    "duplicate-route",
    "missing-variable",
    "source-not-found",
    "cycle",
    "name-collision",
    "deprecated-runtime",
    "name-too-long",
];

#[derive(Debug)]
struct Fixture {
    /// Relative to the repository root, with `/` separators.
    path: String,
    /// The code directory it is in (`""` outside `errors/`).
    dir_code: String,
    expects: Vec<Expect>,
    args: Vec<String>,
}

/// Parses the `# expect:` and `# args:` lines of one file (read as bytes: some fixtures are
/// deliberately not UTF-8).
fn parse_header(
    file: &Path,
    expects: &mut Vec<Expect>,
    args: &mut Vec<String>,
    problems: &mut Vec<String>,
) {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
    let text = String::from_utf8_lossy(&bytes);
    let name = rel(file);
    for d in fixtures::directives(&text) {
        match d.key {
            "args" => args.extend(d.rest.split_whitespace().map(String::from)),
            "expect" => match fixtures::parse_expect(&name, d.rest) {
                Some(e) => expects.push(e),
                None => problems.push(fixtures::malformed(&name, d.line, EXPECT_SYNTAX)),
            },
            _ => {}
        }
    }
}

fn load_fixture(path: &Path, dir_code: &str, problems: &mut Vec<String>) -> Fixture {
    let mut expects = Vec::new();
    let mut args = Vec::new();
    for f in &fixtures::fixture_files(path) {
        parse_header(f, &mut expects, &mut args, problems);
    }
    if expects.is_empty() {
        problems.push(format!("{}: no `# expect:` line", rel(path)));
    }
    Fixture {
        path: rel(path),
        dir_code: dir_code.to_string(),
        expects,
        args,
    }
}

/// Every fixture under `tests/fixtures/errors/`, in a stable order.
fn error_fixtures(problems: &mut Vec<String>) -> Vec<Fixture> {
    let known = |code: &str| CODES.contains(&code);
    fixtures::load_fixtures("errors", known, "a known code", problems, load_fixture)
}

/// Runs one fixture and returns every way it differs from its expectations.
fn check_fixture(fx: &Fixture) -> Vec<String> {
    let mut bad = Vec::new();
    let Some((code, json)) = run_fixture(&fx.path, &fx.args, &mut bad) else {
        return bad;
    };
    let diags = diagnostics(&json);
    let want_errors = fx.expects.iter().any(|e| e.severity == "error");
    let want_exit = if want_errors { 1 } else { 0 };
    if code != Some(want_exit) {
        bad.push(format!("exit code {code:?}, expected {want_exit}"));
    }
    for e in &fx.expects {
        if !diags.iter().any(|d| matches(d, e)) {
            bad.push(format!("missing: {e}"));
        }
    }
    let want: BTreeSet<&str> = fx
        .expects
        .iter()
        .filter(|e| e.severity == "error")
        .map(|e| e.code.as_str())
        .collect();
    let got: BTreeSet<&str> = diags
        .iter()
        .filter(|d| d["severity"] == "error")
        .filter_map(|d| d["code"].as_str())
        .collect();
    if want != got {
        bad.push(format!("error codes {got:?}, expected {want:?}"));
    }
    check_counts(&json, &diags, &[("errors", "error")], &mut bad);
    list_actual(&mut bad, &diags);
    bad
}

#[test]
fn every_error_fixture_reports_what_it_expects() {
    let mut problems = Vec::new();
    let fixtures = error_fixtures(&mut problems);
    for fx in &fixtures {
        fixtures::report(&mut problems, &fx.path, check_fixture(fx));
    }
    // Every code has at least one fixture in its own directory that expects it.
    for code in CODES {
        let covered = fixtures
            .iter()
            .any(|f| f.dir_code == *code && f.expects.iter().any(|e| e.code == *code));
        if !covered {
            problems.push(format!(
                "no fixture for `{code}` (tests/fixtures/errors/{code}/)"
            ));
        }
    }
    // The `source-not-found` fixtures must be directory projects.
    for f in fixtures.iter().filter(|f| f.dir_code == "source-not-found") {
        if !root().join(&f.path).is_dir() {
            problems.push(format!(
                "{}: source-not-found fixtures are directories",
                f.path
            ));
        }
    }
    fail_if_any(problems);
}

#[test]
fn independent_mistakes_are_all_reported() {
    // 7 different mistakes in 2 files, each in its own block: all are reported, nothing else.
    let mut problems = Vec::new();
    let fx = load_fixture(
        &root().join("tests/fixtures/multi_error"),
        "",
        &mut problems,
    );
    assert_eq!(fx.expects.len(), 7, "the fixture has 7 expectations");
    let files: BTreeSet<&str> = fx.expects.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(files.len(), 2, "the mistakes are spread over 2 files");
    problems.extend(check_fixture(&fx));
    let (_, stdout, _) = run_json(&fx.path, &[]);
    if let Ok(json) = serde_json::from_str::<Value>(&stdout) {
        if json["errors"] != 7 {
            problems.push(format!("expected exactly 7 errors, got {}", json["errors"]));
        }
    }
    fail_if_any(problems);
}

#[test]
fn json_output_is_byte_identical_across_runs() {
    let mut problems = Vec::new();
    let mut paths: Vec<(String, Vec<String>)> = error_fixtures(&mut problems)
        .into_iter()
        .map(|f| (f.path, f.args))
        .collect();
    paths.push(("tests/fixtures/multi_error".into(), Vec::new()));
    paths.extend(examples().into_iter().map(|e| (e, Vec::new())));
    assert!(paths.len() > 50);
    for (p, args) in &paths {
        let (c1, a, _) = run_json(p, args);
        let (c2, b, _) = run_json(p, args);
        if a != b || c1 != c2 {
            problems.push(format!(
                "{p}: two runs differ (exit {c1:?} vs {c2:?})\n--- first\n{a}\n--- second\n{b}"
            ));
        }
        if serde_json::from_str::<Value>(&a).is_err() {
            problems.push(format!("{p}: output is not JSON:\n{a}"));
        }
    }
    fail_if_any(problems);
}

// -- Other formats and exit codes --------------------------------------------------------------

#[test]
fn sarif_is_valid_2_1_0_with_one_rule_per_code() {
    let out = run(&["check", "tests/fixtures/multi_error", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF output is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "slsc");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "one rule per code: {ids:?}");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 7);
    let used: BTreeSet<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        used, unique,
        "the rules are exactly the codes of the results"
    );
    for r in results {
        let idx = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(
            rules[idx]["id"], r["ruleId"],
            "ruleIndex points at its rule"
        );
        assert_eq!(r["level"], "error");
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            uri.starts_with("tests/fixtures/multi_error/"),
            "relative uri: {uri}"
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
    }
}

#[test]
fn github_format_prints_workflow_commands() {
    let out = run(&["check", "tests/fixtures/multi_error", "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "one line per diagnostic:\n{text}");
    for l in &lines {
        assert!(
            l.starts_with("::error file=tests/fixtures/multi_error/"),
            "{l}"
        );
        assert!(l.contains(",line=") && l.contains(",col="), "{l}");
    }
    // The one in app.sls at 8:3 (`memroy`), as in the JSON output.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::error file=tests/fixtures/multi_error/app.sls,line=8,col=3,")),
        "{text}"
    );
    // A warning is a `::warning` command.
    let out = run(&[
        "check",
        "tests/fixtures/errors/deprecated-runtime/deprecated_warning.sls",
        "--format",
        "github",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines().any(|l| l.starts_with("::warning file=")),
        "{text}"
    );
}

#[test]
fn exit_codes() {
    // 0: a clean example.
    for e in examples() {
        let out = run(&["check", &e, "--format", "json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{e}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // 1: errors.
    let out = run(&["check", "tests/fixtures/multi_error"]);
    assert_eq!(out.status.code(), Some(1));
    // 2: a path that does not exist, a bad flag, a bad flag value, a directory without .sls.
    let empty = Temp::new("empty");
    let empty_s = empty.path().to_string_lossy().to_string();
    for args in [
        vec!["check", "tests/fixtures/does-not-exist"],
        vec![
            "check",
            "tests/fixtures/does-not-exist.sls",
            "--format",
            "json",
        ],
        vec!["check", "examples/signup", "--bogus"],
        vec!["check", "examples/signup", "--format", "xml"],
        vec!["check", "examples/signup", "--today", "tomorrow"],
        vec!["check", &empty_s],
    ] {
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: stderr {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "{args:?}: says why on stderr");
    }
}

#[test]
fn deny_warnings_turns_a_warning_into_exit_1() {
    let warn = "tests/fixtures/errors/deprecated-runtime/deprecated_warning.sls";
    let out = run(&["check", warn, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "a warning alone exits 0");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["errors"], 0);
    assert!(json["warnings"].as_u64().unwrap() >= 1);
    let out = run(&["check", warn, "--format", "json", "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1));
    // A clean project stays 0 with --deny-warnings only if it has no warnings at all.
    for e in examples() {
        let out = run(&["check", &e, "--format", "json", "--deny-warnings"]);
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let want = if json["warnings"] == 0 { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(want), "{e}");
    }
}

/// SPEC §7: "Never a panic: a crash is a bug". A long (valid) chain of locals, each defined by
/// the next, must not overflow the stack (evaluating locals recursively did, from a few hundred
/// links in a debug build).
#[test]
fn a_long_chain_of_locals_does_not_crash() {
    let n = 1000;
    let mut src = String::from("app \"shop\" {\n  region = \"eu-west-1\"\n}\n\nlocals {\n");
    for i in 0..n {
        src.push_str(&format!("  step{i} = local.step{}\n", i + 1));
    }
    src.push_str(&format!("  step{n} = \"done\"\n}}\n"));
    let dir = Temp::new("chain");
    let file = dir.write("main.sls", src.as_bytes());
    let out = run(&["check", file.to_str().unwrap(), "--format", "json"]);
    drop(dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a valid project (killed by a signal if None); stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
