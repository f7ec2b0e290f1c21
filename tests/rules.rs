//! Rule fixtures (SPEC §5, §6): every fixture under `tests/fixtures/rules/<rule>/` is run
//! through the binary with `--format json`, and its header lines are checked. See
//! `tests/fixtures/rules/README.md` for the header format; in short:
//!
//! ```text
//! # expect: recursive-invocation error 12:14 "function.a → queue.q → function.a"
//! # expect-labels: recursive-invocation 20:14 24:3
//! # expect-label: recursive-invocation 20:14 "queue.q triggers function.a"
//! # expect-also: missing-dead-letter warning
//! # expect-none: recursive-invocation
//! # args: --deny-warnings
//! # exit: 1
//! ```
//!
//! Unlike the compile-error fixtures, a rule fixture's diagnostics must be **exactly** what it
//! declares: the multiset of (code, severity) printed equals the `expect` plus `expect-also`
//! lines, so a false positive of any other rule fails the fixture. Every mismatch of every
//! fixture is collected and reported at once.
//!
//! Besides the fixtures: the bundled examples have no diagnostics at all, `slsc graph` draws
//! every example in every format (and marks loop edges), and a 2,000-function loop is found as
//! one component.

mod common;

use common::diagnostics::{
    check_counts, describe, diagnostics, list_actual, matches, run_fixture, run_json,
};
use common::fixtures::{self, examples, Expect, EXPECT_SYNTAX, SEVERITIES};
use common::{fail_if_any, rel, run};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Every rule of the compiler's registry (`slsc::checks::RULES`, so a new rule without fixtures
/// fails this suite), plus the `bounded-recursion` note of §5.
fn rules() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = slsc::checks::RULES.iter().map(|r| r.name).collect();
    names.push("bounded-recursion");
    names
}

/// Fixture directories that are not a rule of their own.
const OTHER_DIRS: &[&str] = &["lint"];

/// `# expect-label:` (one label, anywhere in the list) or `# expect-labels:` (the exact,
/// ordered list of label positions).
#[derive(Debug, Clone)]
struct LabelExpect {
    file: String,
    code: String,
    /// (line, column) of each label.
    positions: Vec<(u64, u64)>,
    text: Option<String>,
    exact: bool,
}

#[derive(Debug, Default)]
struct Fixture {
    /// Relative to the repository root, with `/` separators.
    path: String,
    /// The directory it is in (a rule name, or `lint`).
    dir: String,
    expects: Vec<Expect>,
    /// (code, severity) of expected incidental diagnostics.
    also: Vec<(String, Option<String>)>,
    none: Vec<String>,
    labels: Vec<LabelExpect>,
    args: Vec<String>,
    exit: Option<i32>,
}

fn parse_header(file: &Path, fx: &mut Fixture, problems: &mut Vec<String>) {
    let text =
        std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
    let name = rel(file);
    for fixtures::Directive { line, key, rest } in fixtures::directives(&text) {
        let malformed = |problems: &mut Vec<String>, want: &str| {
            problems.push(fixtures::malformed(&name, line, want))
        };
        match key {
            "args" => fx.args.extend(rest.split_whitespace().map(String::from)),
            "exit" => match rest.parse() {
                Ok(n) => fx.exit = Some(n),
                Err(_) => malformed(problems, "exit: N"),
            },
            "expect" => match fixtures::parse_expect(&name, rest) {
                Some(e) => fx.expects.push(e),
                None => malformed(problems, EXPECT_SYNTAX),
            },
            "expect-also" => match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
                [code] => fx.also.push((code.to_string(), None)),
                [code, sev] if SEVERITIES.contains(sev) => {
                    fx.also.push((code.to_string(), Some(sev.to_string())))
                }
                _ => malformed(problems, "expect-also: CODE [SEVERITY]"),
            },
            "expect-none" => match rest.split_whitespace().collect::<Vec<_>>().as_slice() {
                [code] => fx.none.push(code.to_string()),
                _ => malformed(problems, "expect-none: CODE"),
            },
            "expect-label" | "expect-labels" => {
                let exact = key == "expect-labels";
                let want = if exact {
                    "expect-labels: CODE [LINE:COL…]"
                } else {
                    "expect-label: CODE LINE:COL [\"text\"]"
                };
                let parsed = fixtures::split_quoted(rest).ok().and_then(|(words, text)| {
                    let (code, ps) = words.split_first()?;
                    let positions: Option<Vec<_>> = ps.iter().map(|p| fixtures::pos(p)).collect();
                    let positions = positions?;
                    if !exact && positions.len() != 1 || exact && text.is_some() {
                        return None;
                    }
                    Some(LabelExpect {
                        file: name.clone(),
                        code: code.to_string(),
                        positions,
                        text,
                        exact,
                    })
                });
                match parsed {
                    Some(l) => fx.labels.push(l),
                    None => malformed(problems, want),
                }
            }
            k if k.starts_with("expect") => {
                problems.push(format!("{name}: unknown directive `{line}`"))
            }
            _ => {}
        }
    }
}

fn load_fixture(path: &Path, dir: &str, problems: &mut Vec<String>) -> Fixture {
    let mut fx = Fixture {
        path: rel(path),
        dir: dir.to_string(),
        ..Default::default()
    };
    for f in &fixtures::fixture_files(path) {
        parse_header(f, &mut fx, problems);
    }
    if fx.expects.is_empty() && fx.none.is_empty() {
        problems.push(format!(
            "{}: neither `# expect:` nor `# expect-none:` (say what the fixture is about)",
            fx.path
        ));
    }
    for n in &fx.none {
        if fx.expects.iter().any(|e| &e.code == n) || fx.also.iter().any(|(c, _)| c == n) {
            problems.push(format!("{}: `{n}` is both expected and excluded", fx.path));
        }
    }
    fx
}

/// Every fixture under `tests/fixtures/rules/`, in a stable order.
fn rule_fixtures(problems: &mut Vec<String>) -> Vec<Fixture> {
    let rules = rules();
    let known = |name: &str| rules.contains(&name) || OTHER_DIRS.contains(&name);
    fixtures::load_fixtures("rules", known, "a rule name", problems, load_fixture)
}

fn label_positions(d: &Value, file: &str) -> Vec<(u64, u64)> {
    d["labels"]
        .as_array()
        .map(|ls| {
            ls.iter()
                .filter(|l| l["file"] == file)
                .filter_map(|l| Some((l["line"].as_u64()?, l["column"].as_u64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs one fixture and returns every way it differs from its header.
fn check_fixture(fx: &Fixture) -> Vec<String> {
    let mut bad = Vec::new();
    let Some((code, json)) = run_fixture(&fx.path, &fx.args, &mut bad) else {
        return bad;
    };
    let diags = diagnostics(&json);

    // Exit code: 1 with an expected error (or a warning under --deny-warnings), else 0.
    let expected_sevs: Vec<&str> = fx
        .expects
        .iter()
        .map(|e| e.severity.as_str())
        .chain(fx.also.iter().filter_map(|(_, s)| s.as_deref()))
        .collect();
    let deny_warnings = fx.args.iter().any(|a| a == "--deny-warnings");
    let derived = if expected_sevs.contains(&"error")
        || (deny_warnings && expected_sevs.contains(&"warning"))
    {
        1
    } else {
        0
    };
    let want_exit = fx.exit.unwrap_or(derived);
    if code != Some(want_exit) {
        bad.push(format!("exit code {code:?}, expected {want_exit}"));
    }

    // Each expectation matches its own diagnostic.
    let mut used = vec![false; diags.len()];
    for e in &fx.expects {
        match (0..diags.len()).find(|&i| !used[i] && matches(diags[i], e)) {
            Some(i) => used[i] = true,
            None => bad.push(format!("missing: {e}")),
        }
    }

    // The exact multiset of (code, severity): what was printed minus what was declared.
    let mut balance: BTreeMap<(String, String), i64> = BTreeMap::new();
    for d in &diags {
        let k = (
            d["code"].as_str().unwrap_or("?").to_string(),
            d["severity"].as_str().unwrap_or("?").to_string(),
        );
        *balance.entry(k).or_default() += 1;
    }
    let printed = balance.clone();
    for e in &fx.expects {
        *balance
            .entry((e.code.clone(), e.severity.clone()))
            .or_default() -= 1;
    }
    for (code, sev) in &fx.also {
        if let Some(sev) = sev {
            *balance.entry((code.clone(), sev.clone())).or_default() -= 1;
        }
    }
    for (code, sev) in &fx.also {
        if sev.is_none() {
            // Any severity: take one that is left over, if any.
            match balance.iter_mut().find(|((c, _), n)| c == code && **n > 0) {
                Some((_, n)) => *n -= 1,
                None => *balance.entry((code.clone(), "(any)".into())).or_default() -= 1,
            }
        }
    }
    for (k, n) in &balance {
        let p = printed.get(k).copied().unwrap_or(0);
        if *n > 0 {
            bad.push(format!(
                "{} {}: {p} printed, {n} more than declared (unexpected diagnostic)",
                k.0, k.1
            ));
        } else if *n < 0 {
            bad.push(format!(
                "{} {}: {p} printed, {} fewer than declared",
                k.0, k.1, -n
            ));
        }
    }

    for n in &fx.none {
        if diags.iter().any(|d| d["code"] == n.as_str()) {
            bad.push(format!("`{n}` must not fire here"));
        }
    }

    for l in &fx.labels {
        let ok = diags
            .iter()
            .filter(|d| d["code"] == l.code.as_str())
            .any(|d| {
                let have = label_positions(d, &l.file);
                if l.exact {
                    have == l.positions
                } else {
                    let p = l.positions[0];
                    d["labels"].as_array().is_some_and(|ls| {
                        ls.iter().any(|x| {
                            x["file"] == l.file.as_str()
                                && x["line"] == p.0
                                && x["column"] == p.1
                                && l.text.as_ref().is_none_or(|t| {
                                    x["message"].as_str().unwrap_or("").contains(t.as_str())
                                })
                        })
                    })
                }
            });
        if !ok {
            let ps: Vec<String> = l
                .positions
                .iter()
                .map(|(a, b)| format!("{a}:{b}"))
                .collect();
            bad.push(format!(
                "no `{}` diagnostic with {} {} in {}{}",
                l.code,
                if l.exact {
                    "exactly the labels"
                } else {
                    "a label at"
                },
                ps.join(" "),
                l.file,
                l.text
                    .as_ref()
                    .map(|t| format!(" containing {t:?}"))
                    .unwrap_or_default()
            ));
        }
    }

    // The counts agree with the list.
    check_counts(
        &json,
        &diags,
        &[("errors", "error"), ("warnings", "warning")],
        &mut bad,
    );
    list_actual(&mut bad, &diags);
    bad
}

#[test]
fn every_rule_fixture_reports_exactly_what_it_expects() {
    let mut problems = Vec::new();
    let fixtures = rule_fixtures(&mut problems);
    for fx in &fixtures {
        fixtures::report(&mut problems, &fx.path, check_fixture(fx));
    }
    // Every rule has, in its own directory, a fixture where it fires and a near miss where it
    // must not.
    for rule in &rules() {
        let mine: Vec<&Fixture> = fixtures.iter().filter(|f| f.dir == *rule).collect();
        if !mine
            .iter()
            .any(|f| f.expects.iter().any(|e| e.code == *rule))
        {
            problems.push(format!(
                "no must-fire fixture for `{rule}` (tests/fixtures/rules/{rule}/, `# expect: {rule} …`)"
            ));
        }
        if !mine.iter().any(|f| f.none.iter().any(|n| n == rule)) {
            problems.push(format!(
                "no near-miss fixture for `{rule}` (tests/fixtures/rules/{rule}/, `# expect-none: {rule}`)"
            ));
        }
    }
    fail_if_any(problems);
}

/// The rule names the fixtures are filed under are the compiler's: `slsc explain` knows each.
#[test]
fn every_rule_here_is_a_rule_slsc_explains() {
    let mut problems = Vec::new();
    for rule in rules().iter().filter(|r| **r != "bounded-recursion") {
        let out = run(&["explain", rule]);
        let text = String::from_utf8_lossy(&out.stdout);
        if out.status.code() != Some(0) || !text.contains(rule) {
            problems.push(format!(
                "`slsc explain {rule}` exited {:?}: {}{}",
                out.status.code(),
                text,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    fail_if_any(problems);
}

// -- The bundled examples ------------------------------------------------------------------

#[test]
fn the_examples_have_no_diagnostics_at_all() {
    let mut problems = Vec::new();
    let examples = examples();
    assert!(!examples.is_empty(), "examples/ has projects");
    for e in &examples {
        let (code, stdout, stderr) = run_json(e, &["--deny-warnings".to_string()]);
        let json: Value = match serde_json::from_str(&stdout) {
            Ok(j) => j,
            Err(err) => {
                problems.push(format!("{e}: stdout is not JSON ({err}); stderr: {stderr}"));
                continue;
            }
        };
        let diags = json["diagnostics"].as_array().cloned().unwrap_or_default();
        if !diags.is_empty() || code != Some(0) {
            let mut s = format!(
                "{e}: exit {code:?}, {} diagnostic(s) (false positives?):",
                diags.len()
            );
            for d in &diags {
                let _ = write!(s, "\n        {}", describe(d));
            }
            problems.push(s);
        }
    }
    fail_if_any(problems);
}

// -- slsc graph ----------------------------------------------------------------------------

fn graph(path: &str, format: &str) -> Result<String, String> {
    let out = run(&["graph", path, "--format", format]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.code() != Some(0) || stderr.contains("panicked") {
        return Err(format!(
            "`slsc graph {path} --format {format}` exited {:?}: {stderr}",
            out.status.code()
        ));
    }
    Ok(stdout)
}

/// Checks the three renderings of one project; returns the JSON.
fn check_graph(path: &str, problems: &mut Vec<String>) -> Option<Value> {
    match graph(path, "dot") {
        Ok(s) if s.trim_start().starts_with("digraph") && s.trim_end().ends_with('}') => {}
        Ok(s) => problems.push(format!("{path}: dot output is not a digraph:\n{s}")),
        Err(e) => problems.push(e),
    }
    match graph(path, "mermaid") {
        Ok(s) if s.trim_start().starts_with("flowchart") => {}
        Ok(s) => problems.push(format!("{path}: mermaid output is not a flowchart:\n{s}")),
        Err(e) => problems.push(e),
    }
    let json = match graph(path, "json") {
        Ok(s) => match serde_json::from_str::<Value>(&s) {
            Ok(j) => j,
            Err(e) => {
                problems.push(format!("{path}: graph JSON does not parse ({e}):\n{s}"));
                return None;
            }
        },
        Err(e) => {
            problems.push(e);
            return None;
        }
    };
    let (Some(nodes), Some(edges)) = (json["nodes"].as_array(), json["edges"].as_array()) else {
        problems.push(format!("{path}: graph JSON has no nodes/edges arrays"));
        return None;
    };
    if nodes.is_empty() {
        problems.push(format!("{path}: graph has no nodes"));
    }
    let ids: Vec<&str> = nodes.iter().filter_map(|n| n["id"].as_str()).collect();
    for e in edges {
        for end in ["from", "to"] {
            let id = e[end].as_str().unwrap_or("");
            if !ids.contains(&id) {
                problems.push(format!("{path}: edge {end} `{id}` is not a node: {e}"));
            }
        }
        if !e["loop"].is_boolean() || !e["causal"].is_boolean() || !e["kind"].is_string() {
            problems.push(format!("{path}: edge without kind/causal/loop: {e}"));
        }
    }
    Some(json)
}

fn loop_edges(json: &Value) -> Vec<(String, String, String)> {
    json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["loop"] == true)
        .map(|e| {
            (
                e["from"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
                e["to"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn graph_draws_every_example_in_every_format() {
    let mut problems = Vec::new();
    for e in examples() {
        if let Some(json) = check_graph(&e, &mut problems) {
            let loops = loop_edges(&json);
            if !loops.is_empty() {
                problems.push(format!("{e}: has no loop, but edges are marked: {loops:?}"));
            }
        }
    }
    fail_if_any(problems);
}

#[test]
fn graph_marks_the_edges_of_a_loop() {
    let mut problems = Vec::new();
    // A three-hop loop plus edges that are not on it (a read, a dead letter, an alarm).
    let path = "tests/fixtures/rules/recursive-invocation/three_hop_chain.sls";
    if let Some(json) = check_graph(path, &mut problems) {
        let mut loops = loop_edges(&json);
        loops.sort();
        let mut want: Vec<(String, String, String)> = [
            ("function.enrich", "sends", "queue.enriched"),
            ("function.ingest", "sends", "queue.raw"),
            ("function.publish", "writes", "bucket.archive"),
            ("queue.raw", "triggers", "function.enrich"),
            ("queue.enriched", "triggers", "function.publish"),
            ("bucket.archive", "triggers", "function.ingest"),
        ]
        .iter()
        .map(|(a, k, b)| (a.to_string(), k.to_string(), b.to_string()))
        .collect();
        want.sort();
        if loops != want {
            problems.push(format!("{path}: loop edges {loops:#?}\nexpected {want:#?}"));
        }
        // The edges off the loop are there, unmarked, and the non-causal ones say so.
        let edges = json["edges"].as_array().unwrap();
        for (from, kind, to) in [
            ("function.enrich", "reads", "database.catalog"),
            ("queue.raw", "dead_letter", "queue.dlq"),
            ("queue.enriched", "dead_letter", "queue.dlq"),
            ("alarm.dlq_depth", "watches", "queue.dlq"),
        ] {
            let found = edges.iter().any(|e| {
                e["from"] == from
                    && e["kind"] == kind
                    && e["to"] == to
                    && e["causal"] == false
                    && e["loop"] == false
            });
            if !found {
                problems.push(format!(
                    "{path}: no non-causal, unmarked edge {from} {kind} {to} in {edges:#?}"
                ));
            }
        }
        // The drawings highlight them too.
        if let Ok(dot) = graph(path, "dot") {
            let red = dot
                .lines()
                .filter(|l| l.contains("->") && l.contains("penwidth"))
                .count();
            if red != want.len() {
                problems.push(format!(
                    "{path}: dot highlights {red} edges, expected {}:\n{dot}",
                    want.len()
                ));
            }
        }
        if let Ok(m) = graph(path, "mermaid") {
            if !m.lines().any(|l| l.trim_start().starts_with("linkStyle")) {
                problems.push(format!(
                    "{path}: mermaid output has no linkStyle for the loop:\n{m}"
                ));
            }
        }
    }
    // A near miss draws no loop.
    let path = "tests/fixtures/rules/recursive-invocation/bucket_disjoint_prefixes.sls";
    if let Some(json) = check_graph(path, &mut problems) {
        let loops = loop_edges(&json);
        if !loops.is_empty() {
            problems.push(format!("{path}: no loop, but edges are marked: {loops:?}"));
        }
    }
    fail_if_any(problems);
}

// -- Scale -----------------------------------------------------------------------------------

/// 2,000 functions in ONE strongly connected component: f_i sends to q_i, q_i triggers
/// f_{i+1}, and q_1999 triggers f0. Exactly one diagnostic, naming function.f0 (alphabetically
/// first). No timing assertion: it must finish, in linear time.
#[test]
fn a_two_thousand_function_loop_is_one_diagnostic() {
    let n = 2000;
    let mut src = String::with_capacity(n * 300);
    src.push_str(
        "app \"crawler\" {\n  region = \"eu-west-1\"\n  account_concurrency = 100000\n}\n\nqueue \"dlq\" {}\n\n",
    );
    for i in 0..n {
        let next = (i + 1) % n;
        let _ = write!(
            src,
            "function \"f{i}\" {{\n  handler     = \"f.handler\"\n  concurrency = 1\n  sends       = [queue.q{i}]\n}}\n\
             queue \"q{i}\" {{\n  dead_letter = queue.dlq\n}}\n\
             trigger \"t{i}\" {{\n  function = function.f{next}\n  source   = queue.q{i}\n}}\n"
        );
    }
    let json = common::check(&src);
    let diags = json["diagnostics"].as_array().unwrap();
    let loops: Vec<&Value> = diags
        .iter()
        .filter(|d| d["code"] == "recursive-invocation")
        .collect();
    assert_eq!(
        loops.len(),
        1,
        "one component, one diagnostic; got codes {:?}",
        common::codes(&json)
    );
    let d = loops[0];
    assert_eq!(d["severity"], "error");
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.starts_with("function.f0 "),
        "the message starts at function.f0: {msg}"
    );
    assert!(
        msg.contains("function.f0 → queue.q0 → function.f1"),
        "{msg}"
    );
    // The primary span is f0's `sends` entry, at `queue.q0` (column 18).
    let f0_sends = src
        .lines()
        .position(|l| l.contains("sends       = [queue.q0]"))
        .unwrap()
        + 1;
    assert_eq!(d["line"], f0_sends as u64, "{}", describe(d));
    assert_eq!(d["column"], 18, "{}", describe(d));
    // Everything else is clean: no other diagnostic of any kind.
    assert_eq!(
        diags.len(),
        1,
        "no other diagnostics: {:?}",
        common::codes(&json)
    );
}
