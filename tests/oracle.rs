//! The differential oracle: "`check` passes ⇒ the target accepts it" (docs/oracle.md).
//!
//! Random projects meant to be valid (`tests/oracle/gen.rs`, driven by the compiler's kind table
//! and attribute registry) go through `slsc::check`. A project with errors is counted (the
//! generator may combine things that are not allowed) and set aside. A project that checks clean
//! is built for both targets, and then:
//! - a build that fails is a finding;
//! - the CloudFormation templates are linted with cfn-lint (many per invocation): any error
//!   (`E…`) is a finding, warnings and informational findings are counted;
//! - the Terraform document is checked against the AWS provider's schema with the checker of
//!   `tests/terraform_schema.rs` (types, arguments, blocks, and that every `${…}` reference names
//!   a declared resource or data source and one of its attributes): any problem is a finding.
//!
//! `cargo test` runs a small seeded sample (fixed seed, one cfn-lint invocation). The long run:
//! `SLSC_ORACLE_N=20000 SLSC_ORACLE_SEED=7 cargo test --release --test oracle -- --nocapture
//! the_oracle`; `SLSC_ORACLE_KEEP=DIR` writes every project with a finding to `DIR/<n>/`.
//! Without SLSC_PYTHON (cfn-lint) or the provider schema the tool checks are skipped with a
//! message, except under CI, where they fail.

// `tests/terraform_schema.rs` (included below) declares `mod common;` too.
#![allow(clippy::duplicate_mod)]

mod common;

#[path = "oracle/gen.rs"]
mod gen;

// The provider-schema checker. Including the file brings its own tests along (they then run in
// this crate too).
#[allow(dead_code)]
#[path = "terraform_schema.rs"]
mod terraform_schema;

use common::temp::Temp;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

/// The sample `cargo test` runs.
const SAMPLE: u64 = 50;
const SAMPLE_SEED: u64 = 0x0005_15C0_AC1E;

struct Config {
    n: u64,
    seed: u64,
    /// Templates per cfn-lint invocation.
    batch: usize,
    keep: Option<PathBuf>,
    /// cfn-lint processes running at once.
    linters: usize,
}

impl Config {
    fn from_env() -> Config {
        let num = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
        Config {
            n: num("SLSC_ORACLE_N").unwrap_or(SAMPLE),
            seed: num("SLSC_ORACLE_SEED").unwrap_or(SAMPLE_SEED),
            batch: num("SLSC_ORACLE_BATCH").unwrap_or(400) as usize,
            keep: std::env::var_os("SLSC_ORACLE_KEEP").map(PathBuf::from),
            linters: num("SLSC_ORACLE_LINTERS").unwrap_or(1).max(1) as usize,
        }
    }
}

/// A project's seed: the run's seed mixed with its number.
fn seed_of(seed: u64, i: u64) -> u64 {
    seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// What the run found, with counts.
#[derive(Default)]
struct Report {
    generated: u64,
    clean: u64,
    built: u64,
    linted: u64,
    /// Error codes of the projects that did not check clean.
    check_errors: BTreeMap<String, u64>,
    /// Kinds of check errors (code and message without names), with a count (printed with
    /// `SLSC_ORACLE_VERBOSE`, to tune the generator).
    error_kinds: BTreeMap<String, u64>,
    /// Projects without errors set aside because a hard rule, lowered to `warn`, fired.
    hard_warnings: BTreeMap<String, u64>,
    /// Warning codes of the projects that checked clean.
    check_warnings: BTreeMap<String, u64>,
    cfn_errors: BTreeMap<String, u64>,
    cfn_warnings: BTreeMap<String, u64>,
    tf_problems: u64,
    /// Finding kind → (count, first example).
    findings: BTreeMap<String, (u64, String)>,
}

impl Report {
    fn finding(&mut self, kind: String, example: impl FnOnce() -> String) {
        let e = self
            .findings
            .entry(kind)
            .or_insert_with(|| (0, String::new()));
        if e.0 == 0 {
            e.1 = example();
        }
        e.0 += 1;
    }

    fn summary(&self) -> String {
        let list = |m: &BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, v)| format!("{k} ×{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "oracle: {} generated, {} checked clean ({:.0}%), {} built for both targets, {} \
             templates linted\n  check errors (projects set aside): {}\n  hard rules lowered to \
             warn that fired (set aside): {}\n  check warnings \
             (clean projects): {}\n  cfn-lint errors: {} [{}]\n  cfn-lint warnings/info: {} \
             [{}]\n  Terraform schema problems: {}\n  findings: {}",
            self.generated,
            self.clean,
            100.0 * self.clean as f64 / self.generated.max(1) as f64,
            self.built,
            self.linted,
            list(&self.check_errors),
            list(&self.hard_warnings),
            list(&self.check_warnings),
            self.cfn_errors.values().sum::<u64>(),
            list(&self.cfn_errors),
            self.cfn_warnings.values().sum::<u64>(),
            list(&self.cfn_warnings),
            self.tf_problems,
            self.findings.values().map(|f| f.0).sum::<u64>(),
        )
    }
}

/// The tools the oracle compares with (each `None` when skipped).
struct Tools {
    python: Option<PathBuf>,
    provider: Option<terraform_schema::Provider>,
}

/// The project's files as text, for a finding's report.
fn show(files: &[(String, Vec<u8>)]) -> String {
    files
        .iter()
        .filter(|(p, _)| p.ends_with(".sls"))
        .map(|(p, b)| format!("--- {p}\n{}", String::from_utf8_lossy(b)))
        .collect()
}

fn write_project(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (p, bytes) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// One project: check, and when clean build both targets and check the Terraform document.
/// Returns the CloudFormation template's path for cfn-lint.
fn run_one(
    i: u64,
    files: &[(String, Vec<u8>)],
    scratch: &Path,
    tools: &Tools,
    r: &mut Report,
) -> Option<PathBuf> {
    let dir = scratch.join(format!("p{i}"));
    write_project(&dir, files);
    let opts = slsc::Options {
        today: common::TODAY.into(),
        ..Default::default()
    };
    let checked =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| slsc::check(&dir, &opts)));
    let c = match checked {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            r.finding("check: I/O error".into(), || {
                format!("project {i}: {e:?}\n{}", show(files))
            });
            return None;
        }
        Err(_) => {
            r.finding("check: panic".into(), || {
                format!("project {i}\n{}", show(files))
            });
            return None;
        }
    };
    if c.errors() > 0 {
        for d in c.diagnostics.iter().filter(|d| d.is_error()) {
            *r.check_errors.entry(d.code.to_string()).or_default() += 1;
            let what: String = d
                .message
                .split(['`', '"'])
                .step_by(2)
                .collect::<Vec<_>>()
                .join("…");
            *r.error_kinds
                .entry(format!("{}: {what}", d.code))
                .or_default() += 1;
        }
        let _ = std::fs::remove_dir_all(&dir);
        return None;
    }
    // A hard rule lowered to a warning (`app.lint`): the user accepts that AWS refuses the
    // result (SPEC §6), so the project is not held to the promise.
    let hard = |code: &str| slsc::checks::rule(code).is_some_and(|rule| rule.hard);
    if let Some(d) = c.diagnostics.iter().find(|d| hard(&d.code)) {
        *r.hard_warnings.entry(d.code.to_string()).or_default() += 1;
        let _ = std::fs::remove_dir_all(&dir);
        return None;
    }
    r.clean += 1;
    for d in &c.diagnostics {
        *r.check_warnings.entry(d.code.to_string()).or_default() += 1;
    }
    let template = scratch.join("templates").join(format!("p{i}.json"));
    let mut ok = true;
    for target in [
        slsc::emit::Target::CloudFormation,
        slsc::emit::Target::Terraform,
    ] {
        let out = scratch.join(format!("out-{i}"));
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            slsc::emit::build(&c, target, &out)
        }));
        let built = match built {
            Ok(Ok(b)) => b,
            Ok(Err(diags)) => {
                ok = false;
                let codes: Vec<String> = diags.iter().map(|d| d.code.to_string()).collect();
                r.finding(
                    format!("build {}: {}", target.as_str(), codes.join(",")),
                    || {
                        let msgs: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
                        format!("project {i}: {}\n{}", msgs.join("\n"), show(files))
                    },
                );
                continue;
            }
            Err(_) => {
                ok = false;
                r.finding(format!("build {}: panic", target.as_str()), || {
                    format!("project {i}\n{}", show(files))
                });
                continue;
            }
        };
        let (_, text) = built
            .files
            .iter()
            .find(|(p, _)| !p.starts_with("artifacts"))
            .unwrap();
        let text: Vec<u8> = text.concat();
        match target {
            slsc::emit::Target::CloudFormation => {
                std::fs::create_dir_all(template.parent().unwrap()).unwrap();
                std::fs::write(&template, &text).unwrap();
            }
            slsc::emit::Target::Terraform => terraform(i, &text, files, tools, r),
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if ok {
        r.built += 1;
    }
    (ok && tools.python.is_some()).then_some(template)
}

fn terraform(i: u64, text: &[u8], files: &[(String, Vec<u8>)], tools: &Tools, r: &mut Report) {
    let Some(provider) = &tools.provider else {
        return;
    };
    let doc: Value = match serde_json::from_slice(text) {
        Ok(d) => d,
        Err(e) => {
            r.finding("terraform: not JSON".into(), || {
                format!("project {i}: {e}\n{}", show(files))
            });
            return;
        }
    };
    for p in terraform_schema::check_document(provider, &doc) {
        r.tf_problems += 1;
        // The kind of problem: the resource type and the message without names.
        let ty = p.path.split('.').nth(1).unwrap_or("").to_string();
        let what: String = p
            .message
            .split('`')
            .step_by(2)
            .collect::<Vec<_>>()
            .join("…");
        r.finding(format!("terraform: {ty}: {what}"), || {
            format!("project {i}: {p}\n{}", show(files))
        });
    }
}

/// Starts cfn-lint on a batch of templates.
fn start_cfn_lint(python: &Path, templates: &[PathBuf]) -> Child {
    common::python::cfn_lint_json(python)
        .args(templates)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cfn-lint starts")
}

/// Waits for a cfn-lint batch and counts what it found; errors are findings.
fn finish_cfn_lint(
    child: Child,
    templates: &[PathBuf],
    sources: &HashMap<String, String>,
    r: &mut Report,
) {
    let out = child.wait_with_output().expect("cfn-lint runs");
    let matches: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cfn-lint did not print JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    r.linted += templates.len() as u64;
    for t in templates {
        let _ = std::fs::remove_file(t);
    }
    for m in matches.as_array().unwrap() {
        let id = m["Rule"]["Id"].as_str().unwrap_or("?").to_string();
        if id.starts_with('E') {
            *r.cfn_errors.entry(id.clone()).or_default() += 1;
            let file = m["Filename"].as_str().unwrap_or("");
            let stem = Path::new(file)
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            // The kind of error: the rule and where in a resource (without logical ID and
            // indices).
            let path = m["Location"]["Path"].as_array().map(|p| {
                p.iter()
                    .skip(2)
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("/")
            });
            r.finding(
                format!("cfn-lint {id} at {}", path.unwrap_or_default()),
                || {
                    format!(
                        "{stem}: {} at {}\n{}",
                        m["Message"].as_str().unwrap_or(""),
                        m["Location"]["Path"],
                        sources.get(&stem).map(String::as_str).unwrap_or("")
                    )
                },
            );
        } else {
            *r.cfn_warnings.entry(id).or_default() += 1;
        }
    }
}

/// Runs the oracle over `cfg.n` projects.
fn run(cfg: &Config, tools: &Tools) -> Report {
    let scratch = Temp::new("oracle");
    let mut r = Report::default();
    let mut cov = gen::Coverage::default();
    let mut batch: Vec<PathBuf> = Vec::new();
    let mut sources: HashMap<String, String> = HashMap::new();
    // cfn-lint batches still running (at most `cfg.linters`), oldest first.
    let mut pending: VecDeque<(Child, Vec<PathBuf>, HashMap<String, String>)> = VecDeque::new();
    for i in 0..cfg.n {
        let files = gen::Gen::new(seed_of(cfg.seed, i), &mut cov, common::TODAY)
            .project()
            .files;
        r.generated += 1;
        let before = r.findings.values().map(|f| f.0).sum::<u64>();
        if let Some(t) = run_one(i, &files, scratch.path(), tools, &mut r) {
            batch.push(t);
            sources.insert(format!("p{i}"), show(&files));
        }
        let after = r.findings.values().map(|f| f.0).sum::<u64>();
        if let (Some(keep), true) = (&cfg.keep, after > before) {
            write_project(&keep.join(i.to_string()), &files);
        }
        if batch.len() >= cfg.batch || i + 1 == cfg.n {
            while pending.len() >= cfg.linters {
                let (child, templates, src) = pending.pop_front().unwrap();
                finish_cfn_lint(child, &templates, &src, &mut r);
            }
            if let (Some(py), false) = (&tools.python, batch.is_empty()) {
                let child = start_cfn_lint(py, &batch);
                pending.push_back((
                    child,
                    std::mem::take(&mut batch),
                    std::mem::take(&mut sources),
                ));
            }
            batch.clear();
            sources.clear();
        }
        if cfg.n > SAMPLE && (i + 1) % 1000 == 0 {
            eprintln!("{}", r.summary());
        }
    }
    for (child, templates, src) in pending {
        finish_cfn_lint(child, &templates, &src, &mut r);
    }
    r
}

/// The seeded sample (`cargo test`), or the long run with `SLSC_ORACLE_N`: no finding.
#[test]
fn the_oracle_finds_nothing() {
    let cfg = Config::from_env();
    let python = common::python::or_skip(
        common::python::with_module("cfnlint"),
        "the oracle's cfn-lint check",
    );
    let provider = terraform_schema::provider();
    let tools = Tools { python, provider };
    let r = run(&cfg, &tools);
    eprintln!("{}", r.summary());
    if std::env::var_os("SLSC_ORACLE_VERBOSE").is_some() {
        for (k, n) in &r.error_kinds {
            eprintln!("  ×{n} {k}");
        }
    }
    let findings: Vec<String> = r
        .findings
        .iter()
        .map(|(k, (n, example))| format!("{k} (×{n}), first example:\n{example}"))
        .collect();
    common::fail_if_any(findings);
    assert!(
        r.clean * 2 >= r.generated,
        "only {} of {} generated projects checked clean: tune tests/oracle/gen.rs",
        r.clean,
        r.generated
    );
}

/// The generator reaches every attribute and enum value of the registry (generating only: no
/// compiling, so thousands of projects take a moment).
#[test]
fn the_generator_covers_the_registry() {
    let mut cov = gen::Coverage::default();
    for i in 0..3000 {
        gen::Gen::new(seed_of(SAMPLE_SEED, i), &mut cov, common::TODAY).project();
    }
    let missing = cov.missing();
    assert!(
        missing.is_empty(),
        "the generator never writes: {missing:#?}"
    );
}
