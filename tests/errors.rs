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

use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

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

#[derive(Debug, Clone)]
struct Expect {
    /// The file the expectation is about (as the compiler displays it: relative to the root).
    file: String,
    code: String,
    severity: String,
    line: u64,
    column: u64,
    /// Text that must occur in the message or the help.
    text: Option<String>,
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} at {}:{}:{}",
            self.code, self.severity, self.file, self.line, self.column
        )?;
        if let Some(t) = &self.text {
            write!(f, " containing {t:?}")?;
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Fixture {
    /// Relative to the repository root, with `/` separators.
    path: String,
    /// The code directory it is in (`""` outside `errors/`).
    dir_code: String,
    expects: Vec<Expect>,
    args: Vec<String>,
}

fn rel(p: &Path) -> String {
    p.strip_prefix(common::root())
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
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
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# args:") {
            args.extend(rest.split_whitespace().map(String::from));
            continue;
        }
        let Some(rest) = line.strip_prefix("# expect:") else {
            continue;
        };
        let rest = rest.trim();
        let (head, text) = match rest.find('"') {
            Some(i) => {
                let t = rest[i..].trim();
                let t = t
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .map(String::from);
                if t.is_none() {
                    problems.push(format!("{name}: bad quoted text in `{line}`"));
                }
                (&rest[..i], t)
            }
            None => (rest, None),
        };
        let parts: Vec<&str> = head.split_whitespace().collect();
        let parsed = match parts.as_slice() {
            [code, sev, pos] => pos.split_once(':').and_then(|(l, c)| {
                Some(Expect {
                    file: name.clone(),
                    code: code.to_string(),
                    severity: sev.to_string(),
                    line: l.parse().ok()?,
                    column: c.parse().ok()?,
                    text: text.clone(),
                })
            }),
            _ => None,
        };
        match parsed {
            Some(e) => expects.push(e),
            None => problems.push(format!(
                "{name}: malformed expectation `{line}` (want `# expect: CODE SEVERITY LINE:COL [\"text\"]`)"
            )),
        }
    }
}

fn sls_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sls"))
        .collect();
    files.sort();
    files
}

fn load_fixture(path: &Path, dir_code: &str, problems: &mut Vec<String>) -> Fixture {
    let files = if path.is_dir() {
        sls_files(path)
    } else {
        vec![path.to_path_buf()]
    };
    let mut expects = Vec::new();
    let mut args = Vec::new();
    for f in &files {
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
    let base = common::root().join("tests/fixtures/errors");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .expect("tests/fixtures/errors exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for dir in dirs {
        let code = dir.file_name().unwrap().to_string_lossy().to_string();
        if !CODES.contains(&code.as_str()) {
            problems.push(format!(
                "tests/fixtures/errors/{code}: not a known code (typo?)"
            ));
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "sls"))
            .collect();
        entries.sort();
        for e in entries {
            out.push(load_fixture(&e, &code, problems));
        }
    }
    out
}

fn run_json(path: &str, extra: &[String]) -> (Option<i32>, String, String) {
    let mut args = vec!["check", path, "--format", "json"];
    args.extend(extra.iter().map(String::as_str));
    let out = common::slsc(&args, common::root());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn describe(d: &Value) -> String {
    format!(
        "{} {} at {}:{}:{}: {}{}",
        d["code"].as_str().unwrap_or("?"),
        d["severity"].as_str().unwrap_or("?"),
        d["file"].as_str().unwrap_or("?"),
        d["line"],
        d["column"],
        d["message"].as_str().unwrap_or(""),
        match d["help"].as_str() {
            Some(h) => format!(" (help: {h})"),
            None => String::new(),
        }
    )
}

/// Runs one fixture and returns every way it differs from its expectations.
fn check_fixture(fx: &Fixture) -> Vec<String> {
    let mut bad = Vec::new();
    let (code, stdout, stderr) = run_json(&fx.path, &fx.args);
    if stderr.contains("panicked") {
        bad.push(format!("the compiler panicked: {}", stderr.trim()));
    }
    let json: Value = match serde_json::from_str(&stdout) {
        Ok(j) => j,
        Err(e) => {
            bad.push(format!(
                "stdout is not JSON ({e}); exit {code:?}; stderr: {}",
                stderr.trim()
            ));
            return bad;
        }
    };
    let diags: Vec<&Value> = json["diagnostics"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let want_errors = fx.expects.iter().any(|e| e.severity == "error");
    let want_exit = if want_errors { 1 } else { 0 };
    if code != Some(want_exit) {
        bad.push(format!("exit code {code:?}, expected {want_exit}"));
    }
    for e in &fx.expects {
        let found = diags.iter().any(|d| {
            d["code"] == e.code.as_str()
                && d["severity"] == e.severity.as_str()
                && d["file"] == e.file.as_str()
                && d["line"] == e.line
                && d["column"] == e.column
                && e.text.as_ref().is_none_or(|t| {
                    d["message"].as_str().unwrap_or("").contains(t.as_str())
                        || d["help"].as_str().unwrap_or("").contains(t.as_str())
                })
        });
        if !found {
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
    let n_errors = diags.iter().filter(|d| d["severity"] == "error").count();
    if json["errors"] != n_errors {
        bad.push(format!(
            "\"errors\" is {}, but {n_errors} error diagnostics were printed",
            json["errors"]
        ));
    }
    if !bad.is_empty() {
        let mut all = String::from("actual diagnostics:");
        for d in &diags {
            let _ = write!(all, "\n        {}", describe(d));
        }
        bad.push(all);
    }
    bad
}

fn fail_if_any(problems: Vec<String>) {
    if !problems.is_empty() {
        panic!(
            "{} problem(s):\n\n{}\n",
            problems.len(),
            problems.join("\n\n")
        );
    }
}

#[test]
fn every_error_fixture_reports_what_it_expects() {
    let mut problems = Vec::new();
    let fixtures = error_fixtures(&mut problems);
    for fx in &fixtures {
        let bad = check_fixture(fx);
        if !bad.is_empty() {
            problems.push(format!("{}:\n    {}", fx.path, bad.join("\n    ")));
        }
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
        if !common::root().join(&f.path).is_dir() {
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
        &common::root().join("tests/fixtures/multi_error"),
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

fn examples() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(common::root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| rel(&p))
        .collect();
    out.sort();
    out
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

fn run(args: &[&str]) -> std::process::Output {
    common::slsc(args, common::root())
}

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
    let empty = std::env::temp_dir().join(format!("slsc-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let empty_s = empty.to_string_lossy().to_string();
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
    let _ = std::fs::remove_dir(&empty);
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
    let dir = std::env::temp_dir().join(format!("slsc-chain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("main.sls");
    std::fs::write(&file, src).unwrap();
    let out = run(&["check", file.to_str().unwrap(), "--format", "json"]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a valid project (killed by a signal if None); stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
