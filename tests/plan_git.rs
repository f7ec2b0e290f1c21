//! `slsc plan --base-ref GITREF` against real temporary git repositories.
//!
//! A repository with two commits: the project lives in a sub-directory (`services/shop`), its
//! code in a folder outside it (`lib/handlers`, `source = "../../lib/handlers"`), with an
//! executable `bootstrap`. The second commit raises a function's memory, edits the shared code
//! and adds a queue. The plan against `HEAD~1` must show exactly that, leave the work tree, the
//! index and HEAD untouched, work from any folder, and work in a shallow clone once the base
//! commit is fetched.
//!
//! Needs `git`: without it the tests are skipped with a message, except under CI (`CI` set),
//! where they fail.

mod common;

use common::temp::Temp;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn have_git() -> bool {
    match Command::new("git").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ if std::env::var_os("CI").is_some() => panic!("under CI, git is required"),
        _ => {
            eprintln!("skipped: git is not installed");
            false
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=slsc test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const SLS: &str = r#"app "shop" {
  region      = "eu-west-1"
  stage       = "dev"
  source_root = "../.."
}

function "api" {
  handler     = "index.handler"
  source      = "../../lib/handlers"
  memory      = MEMORY
  concurrency = 10
}

function "native" {
  handler     = "bootstrap"
  runtime     = "provided.al2023"
  source      = "../../native"
  concurrency = 2
}

trigger "get_items" {
  http     = "GET /items"
  function = function.api
}

trigger "tick" {
  schedule = "rate(5 minutes)"
  function = function.native
}
"#;

const QUEUE: &str = r#"
queue "jobs" {}

function "worker" {
  handler     = "index.worker"
  source      = "../../lib/handlers"
  concurrency = 5
  timeout     = "10s"
}

trigger "work" {
  source   = queue.jobs
  function = function.worker
}
"#;

/// A repository with the two commits; returns (repo dir, first commit).
fn repo(tmp: &Temp) -> (std::path::PathBuf, String) {
    let root = tmp.path().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    git(&root, &["init", "-q"]);
    write(
        &root,
        "services/shop/main.sls",
        &SLS.replace("MEMORY", "256"),
    );
    write(
        &root,
        "lib/handlers/index.js",
        "exports.handler = async () => ({ statusCode: 200 });\n",
    );
    write(&root, "native/bootstrap", "#!/bin/sh\necho hi\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            root.join("native/bootstrap"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    write(&root, "README.md", "not part of the project\n");
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "first"]);
    let first = git(&root, &["rev-parse", "HEAD"]);
    write(
        &root,
        "services/shop/main.sls",
        &(SLS.replace("MEMORY", "512") + QUEUE),
    );
    write(
        &root,
        "lib/handlers/index.js",
        "exports.handler = async () => ({ statusCode: 204 });\nexports.worker = async () => {};\n",
    );
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "second"]);
    (root, first)
}

fn plan(cwd: &Path, args: &[&str]) -> Output {
    let mut all = vec!["plan"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--today", common::TODAY]);
    common::slsc(&all, cwd)
}

fn json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "plan failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The (address, logical_id, action) triples of a JSON plan.
fn actions(p: &Value) -> Vec<(String, String, String)> {
    p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["logical_id"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn assert_second_commit_plan(p: &Value) {
    let a = actions(p);
    let api = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["logical_id"] == "ApiFunction")
        .expect("ApiFunction changes");
    assert_eq!(api["action"], "update");
    let mem = api["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "MemorySize")
        .expect("MemorySize changes");
    assert_eq!(
        (mem["before"].clone(), mem["after"].clone()),
        (256.into(), 512.into())
    );
    let code = &api["code"];
    assert!(
        code["before"].is_string() && code["before"] != code["after"],
        "the edited shared code shows as a code change: {code}"
    );
    // The native function's code did not change: its bootstrap kept its executable bit when
    // it was read from git, so the artifact hash is the same.
    assert!(
        a.iter().all(|(addr, _, _)| addr != "function.native"),
        "function.native is unchanged: {a:?}"
    );
    for id in ["JobsQueue", "WorkerFunction", "WorkEventSourceMapping"] {
        assert!(
            a.iter().any(|(_, i, act)| i == id && act == "create"),
            "{id} is created: {a:?}"
        );
    }
    assert_eq!(p["summary"]["delete"], 0);
    assert_eq!(p["summary"]["replace"], 0);
}

#[test]
fn plans_against_the_previous_commit_without_touching_the_work_tree() {
    if !have_git() {
        return;
    }
    let tmp = Temp::new("plan-git");
    let (root, first) = repo(&tmp);
    let head_before = git(&root, &["rev-parse", "HEAD"]);
    // An uncommitted edit in the work tree must survive (and is part of the head).
    write(&root, "notes.txt", "scratch\n");
    let status_before = git(&root, &["status", "--porcelain"]);

    let p = json(&plan(
        &root,
        &["services/shop", "--base-ref", "HEAD~1", "--format", "json"],
    ));
    assert_second_commit_plan(&p);

    // The same plan by commit id, from another folder, with an absolute path.
    let abs = root.join("services/shop");
    let p2 = json(&plan(
        tmp.path(),
        &[
            abs.to_str().unwrap(),
            "--base-ref",
            &first,
            "--format",
            "json",
        ],
    ));
    assert_eq!(p, p2, "the same plan from any folder and by commit id");

    assert_eq!(git(&root, &["rev-parse", "HEAD"]), head_before);
    assert_eq!(git(&root, &["status", "--porcelain"]), status_before);
    assert_eq!(
        std::fs::read_to_string(root.join("services/shop/main.sls")).unwrap(),
        SLS.replace("MEMORY", "512") + QUEUE,
        "the work tree still has the head's file"
    );

    // HEAD against itself: no changes.
    let same = plan(
        &root,
        &["services/shop", "--base-ref", "HEAD", "--detailed-exitcode"],
    );
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    assert!(String::from_utf8_lossy(&same.stdout).contains("no changes"));
    let changed = plan(
        &root,
        &[
            "services/shop",
            "--base-ref",
            "HEAD~1",
            "--detailed-exitcode",
        ],
    );
    assert_eq!(changed.status.code(), Some(2));
}

#[test]
fn works_in_a_shallow_clone_once_the_base_is_fetched() {
    if !have_git() {
        return;
    }
    let tmp = Temp::new("plan-git-shallow");
    let (root, first) = repo(&tmp);
    let url = format!("file://{}", root.display());
    let clone = tmp.path().join("clone");
    git(
        tmp.path(),
        &["clone", "-q", "--depth=1", &url, clone.to_str().unwrap()],
    );
    // The base commit is not in the shallow clone yet: a clear usage error that says to fetch.
    let missing = plan(&clone, &["services/shop", "--base-ref", &first]);
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("git fetch --depth=1"), "{err}");
    let missing = plan(
        &clone,
        &["services/shop", "--base-ref", &first, "--detailed-exitcode"],
    );
    assert_eq!(
        missing.status.code(),
        Some(1),
        "usage errors are 1 with --detailed-exitcode"
    );

    git(&clone, &["fetch", "-q", "--depth=1", "origin", &first]);
    let p = json(&plan(
        &clone,
        &["services/shop", "--base-ref", &first, "--format", "json"],
    ));
    assert_second_commit_plan(&p);
}

#[test]
fn bad_bases_are_usage_errors_and_a_new_project_plans_as_creates() {
    if !have_git() {
        return;
    }
    let tmp = Temp::new("plan-git-bad");
    let (root, _) = repo(&tmp);
    let o = plan(&root, &["services/shop", "--base-ref", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown git revision `no-such-branch`"));

    // A project that did not exist at the base revision is new in the change: all creates.
    write(
        &root,
        "services/new/main.sls",
        &SLS.replace("MEMORY", "256"),
    );
    let o = plan(
        &root,
        &["services/new", "--base-ref", "HEAD", "--format", "json"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("does not exist yet"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &json["summary"];
    assert!(s["create"].as_u64().unwrap() > 0, "{json:#}");
    assert_eq!(
        (
            s["update"].as_u64(),
            s["delete"].as_u64(),
            s["replace"].as_u64()
        ),
        (Some(0), Some(0), Some(0)),
        "{json:#}"
    );

    // Not a repository.
    let outside = tmp.path().join("plain");
    write(&outside, "main.sls", &SLS.replace("MEMORY", "256"));
    let o = plan(&outside, &[".", "--base-ref", "HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs a git repository"));
}

/// The `run:` script of the workflow step named `name`.
fn workflow_step(workflow: &str, name: &str) -> String {
    let start = workflow
        .find(&format!("- name: {name}\n"))
        .unwrap_or_else(|| panic!("the workflow has a step `{name}`"));
    let step = &workflow[start..];
    let step = &step[..step[2..]
        .find("- name: ")
        .map(|i| i + 2)
        .unwrap_or(step.len())];
    let run = step.find("run: |\n").expect("a run block") + "run: |\n".len();
    let body: Vec<&str> = step[run..].lines().collect();
    let indent = body[0].len() - body[0].trim_start().len();
    body.iter()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent)
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_github_actions_workflow_commands_run() {
    if !have_git() {
        return;
    }
    let workflow =
        std::fs::read_to_string(common::root().join("docs/ci/github-actions.yml")).unwrap();
    let tmp = Temp::new("plan-workflow");
    let root = tmp.path().join("repo");
    common::build::copy_tree(&common::root().join("examples/signup"), &root);
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "base"]);
    // What `git fetch origin main:refs/remotes/origin/main` leaves in a PR's clone.
    git(&root, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    let ops = std::fs::read_to_string(root.join("ops.sls")).unwrap();
    let changed = ops.replacen("memory      = 512", "memory      = 1024", 1);
    assert_ne!(ops, changed, "examples/signup/ops.sls sets memory = 512");
    std::fs::write(root.join("ops.sls"), changed).unwrap();
    git(&root, &["commit", "-q", "-am", "more memory"]);

    let bin = Path::new(env!("CARGO_BIN_EXE_slsc")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let outputs = tmp.path().join("github_output");
    let run = |step: &str| {
        let script = workflow_step(&workflow, step).replace("${{ github.base_ref }}", "main");
        std::fs::write(&outputs, "").unwrap();
        let o = Command::new("bash")
            .args(["-e", "-c", &script])
            .current_dir(&root)
            .env("PATH", &path)
            .env("PROJECT", ".")
            .env("TARGET", "cloudformation")
            .env("SLSC_TODAY", common::TODAY)
            .env("GITHUB_OUTPUT", &outputs)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "step {step} failed:\n{script}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        std::fs::read_to_string(&outputs).unwrap()
    };
    assert_eq!(run("Check"), "exitcode=0\n", "examples/signup checks clean");
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(root.join("slsc.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run("Plan"), "exitcode=2\n", "the plan finds the change");
    let md = std::fs::read_to_string(root.join("plan.md")).unwrap();
    assert!(md.starts_with("### slsc plan · cloudformation"), "{md}");
    assert!(md.contains("MemorySize") && md.contains("1024"), "{md}");
}
