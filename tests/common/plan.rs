//! Helpers of `tests/plan.rs`: assembling a base and a head project from the overlay fixtures
//! of `tests/fixtures/plan/`, running `slsc plan` (through the binary or the library) and
//! reading its JSON output.
//!
//! Fixture layout: `base/` is a complete project; every other directory is a *case* holding only
//! what differs from it. A file of the case replaces the base file at the same relative path (or
//! is added); a `DELETE` file lists base paths (one a line, `#` comments) to remove. A case's
//! top-level `README.md` describes it and is not part of the head.

use super::build::copy_tree;
use super::temp::Temp;
use super::{root, TODAY};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const CF: &str = "cloudformation";
pub const TF: &str = "terraform";
pub const TARGETS: [&str; 2] = [CF, TF];

/// The files of a case directory that describe it rather than belong to the head.
const META: &[&str] = &["README.md", "DELETE"];

/// `tests/fixtures/plan`.
pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures/plan")
}

/// Every case directory's name (everything but `base`), sorted.
pub fn cases(fixtures: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir() && e.file_name() != "base")
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A base and a head project side by side in a temporary directory (`<tmp>/base`,
/// `<tmp>/head`), removed when dropped.
pub struct Pair {
    pub tmp: Temp,
    pub base: PathBuf,
    pub head: PathBuf,
}

impl Pair {
    /// The pair planned backwards: the case's head as the base and the base as the head.
    pub fn reversed(self) -> Pair {
        Pair {
            tmp: self.tmp,
            base: self.head,
            head: self.base,
        }
    }
}

/// The paths a case's `DELETE` file lists.
fn deletions(case_dir: &Path) -> Vec<String> {
    match std::fs::read_to_string(case_dir.join("DELETE")) {
        Ok(s) => s
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Copies the overlay `from` onto `to` (`rel` is the path inside the case, for messages). An
/// overlay file identical to the base file it replaces is a mistake in the fixture (it changes
/// nothing), and so is a missing path in `DELETE`.
fn overlay(from: &Path, to: &Path, rel: &str, case: &str) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if rel.is_empty() && META.contains(&name.as_str()) {
            continue;
        }
        let rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let dest = to.join(&name);
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
            overlay(&e.path(), &dest, &rel, case);
        } else {
            let new = std::fs::read(e.path()).unwrap();
            if std::fs::read(&dest).ok().as_ref() == Some(&new) {
                panic!("tests/fixtures/plan/{case}/{rel} is identical to the base file");
            }
            std::fs::write(&dest, new).unwrap();
        }
    }
}

/// Assembles a case of `fixtures` (a copy of `tests/fixtures/plan`, or the directory itself)
/// into a fresh temporary directory.
pub fn assemble_from(fixtures: &Path, case: &str) -> Pair {
    let case_dir = fixtures.join(case);
    assert!(
        case_dir.is_dir(),
        "no fixture case tests/fixtures/plan/{case}"
    );
    let tmp = Temp::new(&format!("plan-{case}"));
    let base = tmp.path().join("base");
    let head = tmp.path().join("head");
    copy_tree(&fixtures.join("base"), &base);
    copy_tree(&fixtures.join("base"), &head);
    for rel in deletions(&case_dir) {
        let p = head.join(&rel);
        if p.is_dir() {
            std::fs::remove_dir_all(&p).unwrap();
        } else if p.is_file() {
            std::fs::remove_file(&p).unwrap();
        } else {
            panic!("tests/fixtures/plan/{case}/DELETE: `{rel}` is not in the base");
        }
    }
    overlay(&case_dir, &head, "", case);
    Pair { tmp, base, head }
}

/// Assembles a case of `tests/fixtures/plan`.
pub fn assemble(case: &str) -> Pair {
    assemble_from(&fixtures(), case)
}

/// The library's target.
pub fn target(t: &str) -> slsc::emit::Target {
    match t {
        CF => slsc::emit::Target::CloudFormation,
        TF => slsc::emit::Target::Terraform,
        other => panic!("unknown target {other}"),
    }
}

/// Plans a pair through the library.
pub fn plan_lib(pair: &Pair, t: &str) -> slsc::plan::Plan {
    let opts = slsc::Options {
        today: TODAY.into(),
        ..Default::default()
    };
    let base = slsc::plan::base::Base::Dir(pair.base.clone());
    match slsc::plan::run(&pair.head, &opts, &base, target(t), None) {
        Ok(o) => o.plan,
        Err(slsc::plan::Failure::Usage(e)) => panic!("plan ({t}) failed: {e}"),
        Err(slsc::plan::Failure::Errors {
            side,
            compilation,
            diagnostics,
        }) => panic!(
            "plan ({t}): {side} has errors:\n{}",
            slsc::diagnostics::render_human(&diagnostics, &compilation.sources, false)
        ),
    }
}

/// Runs `slsc plan head --base base --today … ARGS` from the pair's directory (so the paths
/// are the short relative `head` and `base`, swapped for a reversed pair).
pub fn plan_cli(pair: &Pair, args: &[&str]) -> Output {
    let name = |p: &Path| p.file_name().unwrap().to_str().unwrap().to_string();
    let (head, base) = (name(&pair.head), name(&pair.base));
    let mut all = vec!["plan", &head, "--base", &base, "--today", TODAY];
    all.extend_from_slice(args);
    run_in(pair.tmp.path(), &all)
}

/// Runs the binary in `cwd` (stdout is a pipe, so the text output has no colour).
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slsc"))
        .args(args)
        .current_dir(cwd)
        .env_remove("SLSC_TODAY")
        .env_remove("NO_COLOR")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the slsc binary runs")
}

/// The exit code, stdout and stderr of a run, for failure messages.
pub fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `slsc plan --target T --format json` on a pair (which must succeed) and parses it.
pub fn plan_json(pair: &Pair, t: &str) -> PlanJson {
    let o = plan_cli(pair, &["--target", t, "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "slsc plan failed:\n{}",
        describe(&o)
    );
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("panicked"),
        "{}",
        describe(&o)
    );
    let doc: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("the plan is not JSON ({e}):\n{}", describe(&o)));
    PlanJson {
        target: t.to_string(),
        doc,
    }
}

/// A plan's JSON output, with lookups that fail with the whole plan in the message.
pub struct PlanJson {
    pub target: String,
    pub doc: Value,
}

impl PlanJson {
    pub fn changes(&self) -> &Vec<Value> {
        self.doc["changes"]
            .as_array()
            .expect("`changes` is an array")
    }

    /// A short listing of the changes (`action address logical_id`), for failure messages.
    pub fn listing(&self) -> String {
        self.changes()
            .iter()
            .map(|c| {
                format!(
                    "  {} {} {}{}{}",
                    c["action"].as_str().unwrap_or("?"),
                    c["address"].as_str().unwrap_or("?"),
                    c["logical_id"].as_str().unwrap_or("?"),
                    if c["data_loss"] == true {
                        " DATA LOSS"
                    } else {
                        ""
                    },
                    if c["retained"] == true {
                        " retained"
                    } else {
                        ""
                    },
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The change of a logical ID / address.
    pub fn change(&self, id: &str) -> &Value {
        self.changes()
            .iter()
            .find(|c| c["logical_id"] == id)
            .unwrap_or_else(|| {
                panic!(
                    "{}: no change of {id} in the plan:\n{}",
                    self.target,
                    self.listing()
                )
            })
    }

    /// The changes owned by a block address.
    pub fn of_block(&self, address: &str) -> Vec<&Value> {
        self.changes()
            .iter()
            .filter(|c| c["address"] == address)
            .collect()
    }

    /// The block addresses with changes.
    pub fn blocks(&self) -> BTreeSet<String> {
        self.changes()
            .iter()
            .map(|c| c["address"].as_str().unwrap().to_string())
            .collect()
    }

    /// The logical IDs with changes.
    pub fn ids(&self) -> BTreeSet<String> {
        self.changes()
            .iter()
            .map(|c| c["logical_id"].as_str().unwrap().to_string())
            .collect()
    }

    /// The actions of a block's changes (empty when the block has none).
    pub fn actions_of(&self, address: &str) -> BTreeSet<String> {
        self.of_block(address)
            .iter()
            .map(|c| c["action"].as_str().unwrap().to_string())
            .collect()
    }

    /// `summary.<key>`.
    pub fn summary(&self, key: &str) -> u64 {
        self.doc["summary"][key]
            .as_u64()
            .unwrap_or_else(|| panic!("summary.{key} is not a count: {}", self.doc["summary"]))
    }

    /// A property change of a resource.
    pub fn property<'a>(&'a self, id: &str, path: &str) -> &'a Value {
        let c = self.change(id);
        c["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["path"] == path)
            .unwrap_or_else(|| {
                panic!(
                    "{}: {id} has no change of {path}; its properties: {:?}",
                    self.target,
                    Self::paths(c)
                )
            })
    }

    /// The changed property paths of a change.
    pub fn paths(c: &Value) -> Vec<String> {
        c["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["path"].as_str().unwrap().to_string())
            .collect()
    }
}
