//! The GitHub Action's script (.ci/action/pr.py, run by action.yml) against a recorded
//! pull-request event (tests/fixtures/action/pull_request.json) and a fake GitHub API: the
//! first run creates the plan comment, the next ones update it; the exit codes follow the
//! check and the plan.

mod common;

use common::temp::Temp;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

/// A request the fake API received: method, path, JSON body.
type Call = (String, String, serde_json::Value);

/// A fake GitHub API on a local port: lists the PR's comments (the posted one once posted),
/// creates and updates comments, and records every call.
fn fake_api() -> (String, Arc<Mutex<Vec<Call>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
    let log = calls.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            let mut parts = line.split_whitespace();
            let (method, path) = (
                parts.next().unwrap_or("").to_string(),
                parts.next().unwrap_or("").to_string(),
            );
            let mut len = 0;
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let mut calls = log.lock().unwrap();
            let posted = calls.iter().any(|c| c.0 == "POST");
            let (status, reply) = match method.as_str() {
                "GET" if posted => (
                    "200 OK",
                    r#"[{"id": 1, "body": "LGTM"}, {"id": 42, "body": "<!-- slsc-plan -->\nan older plan"}]"#,
                ),
                "GET" => ("200 OK", r#"[{"id": 1, "body": "LGTM"}]"#),
                "POST" => ("201 Created", r#"{"id": 42}"#),
                _ => ("200 OK", r#"{"id": 42}"#),
            };
            calls.push((method, path, body));
            drop(calls);
            let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}", reply.len());
        }
    });
    (url, calls)
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=dev",
            "-c",
            "user.email=dev@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

const APP: &str = r#"app "shop" {
  region = "eu-west-1"
}

function "signup" {
  handler     = "index.handler"
  memory      = 256
  concurrency = 5
}

trigger "web" {
  function = function.signup
  http     = "POST /signup"
  auth     = "iam"
}
"#;

struct Run {
    code: Option<i32>,
    output: String,
}

fn run_action(repo: &Path, event: &Path, api: &str, out: &Path) -> Run {
    let script = common::root().join(".ci/action/pr.py");
    let o = Command::new("python3")
        .arg(&script)
        .args(["--project", ".", "--slsc", env!("CARGO_BIN_EXE_slsc")])
        .current_dir(repo)
        .env("GITHUB_EVENT_PATH", event)
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_API_URL", api)
        .env("GITHUB_TOKEN", "test-token")
        .env("GITHUB_OUTPUT", out)
        .env("SLSC_TODAY", common::TODAY)
        .output()
        .expect("python3 runs the action's script");
    Run {
        code: o.status.code(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    }
}

#[test]
fn the_action_comments_the_plan_once_then_updates_it() {
    if Command::new("python3").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs python3 for the action's test"
        );
        eprintln!("skipped: no python3");
        return;
    }
    let t = Temp::new("action");
    let repo = t.path();
    git(repo, &["init", "-q", "-b", "main"]);
    t.write("app.sls", APP.as_bytes());
    t.write(
        "index.mjs",
        b"export const handler = async () => ({ statusCode: 200 });\n",
    );
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    let base = git(repo, &["rev-parse", "HEAD"]);
    t.write(
        "app.sls",
        APP.replace("memory      = 256", "memory      = 1024")
            .as_bytes(),
    );
    git(repo, &["commit", "-qam", "more memory"]);
    let head = git(repo, &["rev-parse", "HEAD"]);
    let recorded =
        std::fs::read_to_string(common::root().join("tests/fixtures/action/pull_request.json"))
            .unwrap();
    let event = t.write(
        "event.json",
        recorded
            .replace("BASE_SHA", &base)
            .replace("HEAD_SHA", &head)
            .as_bytes(),
    );
    let (api, calls) = fake_api();
    let out = t.path().join("github_output");

    // First run: the comment is created.
    let r = run_action(repo, &event, &api, &out);
    assert_eq!(r.code, Some(0), "{}", r.output);
    let c = calls.lock().unwrap().clone();
    let shape: Vec<(&str, &str)> = c.iter().map(|c| (c.0.as_str(), c.1.as_str())).collect();
    assert_eq!(
        shape,
        [
            (
                "GET",
                "/repos/acme/shop/issues/7/comments?per_page=100&page=1"
            ),
            ("POST", "/repos/acme/shop/issues/7/comments")
        ]
    );
    let body = c[1].2["body"].as_str().unwrap();
    assert!(body.starts_with("<!-- slsc-plan -->\n### slsc"), "{body}");
    assert!(body.contains("**check** passes"), "{body}");
    assert!(body.contains("against `main`"), "{body}");
    assert!(
        body.contains("function.signup") && body.contains("MemorySize"),
        "{body}"
    );
    let outputs = std::fs::read_to_string(&out).unwrap();
    assert!(
        outputs.contains("check-exitcode=0\nplan-exitcode=2\n"),
        "{outputs}"
    );

    // Second run: the same comment is updated.
    let r = run_action(repo, &event, &api, &out);
    assert_eq!(r.code, Some(0), "{}", r.output);
    let c = calls.lock().unwrap().clone();
    assert_eq!(
        (c[3].0.as_str(), c[3].1.as_str()),
        ("PATCH", "/repos/acme/shop/issues/comments/42")
    );
    assert_eq!(c.len(), 4);

    // A head with an error: annotated, commented, and the job fails.
    t.write(
        "app.sls",
        APP.replace("memory      = 256", "memory      = 1")
            .as_bytes(),
    );
    git(repo, &["commit", "-qam", "too little memory"]);
    let r = run_action(repo, &event, &api, &out);
    assert_eq!(r.code, Some(1), "{}", r.output);
    assert!(r.output.contains("::error file=app.sls"), "{}", r.output);
    let c = calls.lock().unwrap().clone();
    let body = c.last().unwrap().2["body"].as_str().unwrap();
    assert!(body.contains("**check** errors"), "{body}");
}
