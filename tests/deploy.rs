//! `slsc deploy`, `plan --stack`, `outputs` and `destroy` against moto's server (a real
//! CloudFormation-compatible endpoint on a free loopback port, started per test by
//! tests/common/moto.rs; `.ci/run` installs it). Without moto the tests are skipped with a
//! message, except under CI (`CI` set), where they fail.
//!
//! What is asserted is what AWS also guarantees, plus what slsc *sent* (moto's request
//! recorder): `TemplateURL` (never an inline body), `CAPABILITY_IAM`, the change set type, the
//! artifact uploads. Where moto does not model something the test says so:
//! - a change set's `Replacement` is always empty, so replacements come from slsc's tables;
//! - stack events are stack-level only (no per-resource progress lines to assert);
//! - stacks made through change sets have no outputs in moto, so `outputs` is checked for its
//!   shape and the stack status only;
//! - moto validates templates with cfn-lint on its own clock, which is how the failing-deploy
//!   test gets a rejection.
//!
//! moto reads a path-style `TemplateURL` only when the URL says `localhost`, so the endpoint is
//! given as `http://localhost:PORT` (the server listens on 127.0.0.1).

mod common;

use common::moto::{self, Moto};
use common::temp::Temp;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const BUCKET: &str = "slsc-deploy-artifacts";

struct Env {
    moto: Moto,
    tmp: Temp,
}

impl Env {
    /// moto's helpers read back in `region`: the region of the example deployed.
    fn start(region: &str) -> Option<Env> {
        let moto = Moto::start_in(region)?;
        moto.create_bucket(BUCKET, moto.region());
        Some(Env {
            moto,
            tmp: Temp::new("deploy"),
        })
    }

    fn endpoint(&self) -> String {
        format!("http://localhost:{}", self.moto.port())
    }

    /// A copy of an example, to edit.
    fn example(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join(name);
        let _ = std::fs::remove_dir_all(&dir);
        common::build::copy_tree(&common::root().join("examples").join(name), &dir);
        dir
    }

    /// Runs slsc with the endpoint (and the artifact bucket for deploy).
    fn slsc(&self, args: &[&str]) -> Output {
        let endpoint = self.endpoint();
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(&["--endpoint-url", &endpoint]);
        if args[0] == "deploy" {
            all.extend_from_slice(&["--artifact-bucket", BUCKET]);
        }
        let o = self.moto.slsc(&all, self.tmp.path());
        eprintln!(
            "$ slsc {}\n{}{}",
            all.join(" "),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        o
    }

    /// The CreateChangeSet requests recorded since the recorder started: their form fields.
    fn change_set_requests(&self) -> Vec<Vec<(String, String)>> {
        self.moto
            .recorded()
            .iter()
            .filter(|e| moto::recorded_call(e) == "cloudformation:CreateChangeSet")
            .map(|e| moto::form_params(&String::from_utf8_lossy(&moto::recorded_body(e))))
            .collect()
    }

    fn calls(&self, call: &str) -> usize {
        self.moto
            .recorded_calls()
            .iter()
            .filter(|c| c.as_str() == call)
            .count()
    }

    /// The artifact objects PUT since the recorder started.
    fn artifact_puts(&self) -> Vec<String> {
        self.moto
            .recorded()
            .iter()
            .map(moto::recorded_call)
            .filter(|c| c.starts_with(&format!("s3:PUT /{BUCKET}/artifacts/")))
            .collect()
    }
}

fn field<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} contains {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The whole life of a stack: create, read back, plan, no-op, update, refusals, destroy.
#[test]
fn deploys_updates_refuses_data_loss_and_destroys_an_example() {
    let Some(env) = Env::start("eu-west-1") else {
        return;
    };
    let project = env.example("signup");
    let p = project.to_str().unwrap();

    // -- create --
    env.moto.start_recording();
    let o = env.slsc(&["deploy", p, "--yes"]);
    assert_eq!(code(&o), Some(0), "the first deploy succeeds");
    assert!(stderr(&o).contains("signup-dev: CREATE_COMPLETE"));
    assert!(stdout(&o).contains("to create"), "the plan is printed");
    assert_eq!(
        env.moto.stack_status("signup-dev").as_deref(),
        Some("CREATE_COMPLETE")
    );
    let sent = env.change_set_requests();
    assert_eq!(sent.len(), 1);
    let cs = &sent[0];
    assert_eq!(field(cs, "ChangeSetType"), Some("CREATE"));
    assert_eq!(field(cs, "Capabilities.member.1"), Some("CAPABILITY_IAM"));
    assert_eq!(
        field(cs, "Capabilities.member.2"),
        None,
        "only CAPABILITY_IAM"
    );
    let url = field(cs, "TemplateURL").expect("a TemplateURL");
    assert!(
        url.starts_with(&format!(
            "{}/{BUCKET}/templates/signup-dev-",
            env.endpoint()
        )),
        "{url}"
    );
    assert_eq!(field(cs, "TemplateBody"), None, "never an inline body");
    assert_eq!(
        field(cs, "Parameters.member.1.ParameterKey"),
        Some("ArtifactBucket")
    );
    assert_eq!(
        field(cs, "Parameters.member.1.ParameterValue"),
        Some(BUCKET)
    );
    assert_eq!(env.calls("cloudformation:ExecuteChangeSet"), 1);
    assert_eq!(env.artifact_puts().len(), 1, "the one artifact is uploaded");
    env.moto.stop_recording();

    // What was created, read back through the services' own APIs.
    let queues = env.moto.sqs_list_queues().join(" ");
    for q in [
        "signup-dev-welcome",
        "signup-dev-welcome_dlq",
        "signup-dev-stream_failures",
    ] {
        assert!(queues.contains(q), "queue {q} in {queues}");
    }
    assert!(env
        .moto
        .dynamodb_list_tables()
        .contains(&"signup-dev-users".to_string()));
    let functions = env.moto.lambda_function_names();
    for f in [
        "signup-dev-signup",
        "signup-dev-daily_report",
        "signup-dev-send_welcome",
    ] {
        assert!(
            functions.contains(&f.to_string()),
            "function {f} in {functions:?}"
        );
    }

    // -- plan --stack: nothing to do --
    let o = env.slsc(&["plan", p, "--stack", "signup-dev", "--detailed-exitcode"]);
    assert_eq!(code(&o), Some(0), "no changes against the deployed stack");
    assert!(stdout(&o).contains("no changes"));

    // -- outputs: moto gives change-set-created stacks no outputs; the shape and status --
    let o = env.slsc(&["outputs", p, "--format", "json"]);
    assert_eq!(code(&o), Some(0));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["stack"], "signup-dev");
    assert_eq!(j["status"], "CREATE_COMPLETE");
    assert!(j["outputs"].is_object());

    // -- an unchanged project: no change set executed, no artifact uploaded --
    env.moto.start_recording();
    let o = env.slsc(&["deploy", p, "--yes"]);
    assert_eq!(code(&o), Some(0));
    assert!(stderr(&o).contains("no changes"), "{}", stderr(&o));
    assert_eq!(env.calls("cloudformation:ExecuteChangeSet"), 0);
    assert_eq!(
        env.artifact_puts(),
        Vec::<String>::new(),
        "no artifact re-uploaded"
    );
    assert_eq!(
        field(&env.change_set_requests()[0], "ChangeSetType"),
        Some("UPDATE")
    );
    assert!(
        env.calls("cloudformation:DeleteChangeSet") >= 1,
        "the empty change set is deleted"
    );
    env.moto.stop_recording();

    // -- a memory change: an update --
    edit(
        &project.join("ops.sls"),
        "memory      = 512",
        "memory      = 1024",
    );
    let o = env.slsc(&["plan", p, "--stack", "signup-dev", "--format", "json"]);
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(plan["summary"]["update"], 1, "{plan}");
    assert_eq!(plan["changes"][0]["logical_id"], "DailyReportFunction");
    env.moto.start_recording();
    let o = env.slsc(&["deploy", p, "--yes"]);
    assert_eq!(code(&o), Some(0));
    assert!(
        stdout(&o).contains("MemorySize: 512 → 1024"),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("signup-dev: UPDATE_COMPLETE"));
    assert_eq!(
        field(&env.change_set_requests()[0], "ChangeSetType"),
        Some("UPDATE")
    );
    assert_eq!(env.calls("cloudformation:ExecuteChangeSet"), 1);
    env.moto.stop_recording();
    let o = env.slsc(&["plan", p, "--stack", "signup-dev", "--detailed-exitcode"]);
    assert_eq!(code(&o), Some(0), "deployed: no changes left");

    // -- a table key change: data loss, and CloudFormation cannot replace a named table --
    edit(
        &project.join("data.sls"),
        "partition_key = { name = \"user_id\"",
        "partition_key = { name = \"id\"",
    );
    env.moto.start_recording();
    let o = env.slsc(&["deploy", p, "--yes"]);
    assert_eq!(code(&o), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("the plan loses data") && err.contains("UsersTable"),
        "{err}"
    );
    assert!(err.contains("--allow-data-loss"), "{err}");
    let o = env.slsc(&["deploy", p, "--yes", "--allow-data-loss"]);
    assert_eq!(code(&o), Some(1));
    let err = stderr(&o);
    assert!(err.contains("cannot replace UsersTable"), "{err}");
    assert!(err.contains("rename the block"), "the rename advice: {err}");
    assert_eq!(
        env.calls("cloudformation:CreateChangeSet"),
        0,
        "refused up front: no change set"
    );
    env.moto.stop_recording();
    assert_eq!(
        env.moto.stack_status("signup-dev").as_deref(),
        Some("UPDATE_COMPLETE")
    );
    edit(
        &project.join("data.sls"),
        "partition_key = { name = \"id\"",
        "partition_key = { name = \"user_id\"",
    );

    // -- destroy: queues are deleted (data loss), the retained table and bucket are kept --
    let o = env.slsc(&["destroy", p, "--yes"]);
    assert_eq!(code(&o), Some(1));
    assert!(stderr(&o).contains("--allow-data-loss"), "{}", stderr(&o));
    assert!(stderr(&o).contains("kept (retained, no longer managed): UsersTable"));
    assert_eq!(
        env.moto.stack_status("signup-dev").as_deref(),
        Some("UPDATE_COMPLETE")
    );
    let o = env.slsc(&["destroy", p, "--yes", "--allow-data-loss"]);
    assert_eq!(code(&o), Some(0));
    assert_eq!(
        env.moto.stack_status("signup-dev"),
        None,
        "the stack is gone"
    );
}

/// A template over CloudFormation's 51,200-byte inline limit deploys through its URL.
#[test]
fn deploys_a_template_over_the_inline_limit() {
    let Some(env) = Env::start("us-east-1") else {
        return;
    };
    let project = env.example("media");
    // Twenty more scheduled functions make the template well over 51,200 bytes.
    let mut extra = String::new();
    for i in 0..20 {
        extra.push_str(&format!(
            "function \"sweep_{i}\" {{\n  handler     = \"sweep.handler\"\n  source      = \"functions/notify\"\n  concurrency = 1\n}}\n\ntrigger \"sweep_{i}_nightly\" {{\n  function = function.sweep_{i}\n  schedule = \"cron({i} 2 * * ? *)\"\n}}\n\n"
        ));
    }
    std::fs::write(project.join("sweeps.sls"), extra).unwrap();
    let o = common::slsc(
        &[
            "build",
            project.to_str().unwrap(),
            "--target",
            "cloudformation",
        ],
        env.tmp.path(),
    );
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    let size = std::fs::metadata(project.join(".slsc/cloudformation/template.json"))
        .unwrap()
        .len();
    assert!(size > 51_200, "the template is {size} bytes");

    env.moto.start_recording();
    let o = env.slsc(&["deploy", project.to_str().unwrap(), "--yes"]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    let sent = env.change_set_requests();
    assert!(field(&sent[0], "TemplateURL").is_some());
    assert_eq!(field(&sent[0], "TemplateBody"), None);
    let uploaded = env
        .moto
        .recorded()
        .iter()
        .filter(|e| moto::recorded_call(e).starts_with(&format!("s3:PUT /{BUCKET}/templates/")))
        .map(|e| moto::recorded_body(e).len())
        .max()
        .unwrap_or(0);
    assert_eq!(uploaded as u64, size, "the whole template was uploaded");
    assert_eq!(
        env.moto.stack_status("media-dev").as_deref(),
        Some("CREATE_COMPLETE")
    );
}

/// A deployment the endpoint fails: the reason is reported and the exit code is 1.
#[test]
fn reports_why_the_endpoint_failed_the_deploy() {
    let Some(env) = Env::start("eu-west-1") else {
        return;
    };
    let project = env.example("signup");
    // A table with the stack's table name already exists outside the stack (made by hand, or
    // left behind by an earlier stack): CloudFormation cannot create the stack's table.
    env.moto.json_api(
        "dynamodb",
        "DynamoDB_20120810.CreateTable",
        &serde_json::json!({
            "TableName": "signup-dev-users",
            "AttributeDefinitions": [{"AttributeName": "user_id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "user_id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    let o = env.slsc(&["deploy", project.to_str().unwrap(), "--yes"]);
    assert_eq!(code(&o), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("signup-dev-users"),
        "the reason names the table: {err}"
    );
    // AWS would leave ROLLBACK_COMPLETE (which the next deploy refuses with what to do:
    // request.rs's tests); moto answers ExecuteChangeSet with the DynamoDB error and leaves the
    // stack in REVIEW_IN_PROGRESS.
    let status = env.moto.stack_status("signup-dev");
    assert_ne!(status.as_deref(), Some("CREATE_COMPLETE"));
}

/// The SDK stays out of the compile path: no module of it names the SDK or tokio.
#[test]
fn the_compile_path_does_not_use_the_sdk() {
    for dir in ["syntax", "model", "graph", "checks", "emit"] {
        let root = common::root().join("compiler").join(dir);
        for entry in std::fs::read_dir(&root).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for needle in ["aws_sdk", "aws_config", "tokio", "crate::deploy"] {
                assert!(
                    !text.contains(needle),
                    "{} uses {needle}: the SDK belongs in compiler/deploy/ only",
                    path.display()
                );
            }
        }
    }
}

/// Problems of the environment are exit 2 with what to do; no confirmation without a TTY.
#[test]
fn environment_problems_are_explained() {
    let Some(env) = Env::start("us-east-1") else {
        return;
    };
    let project = env.example("media");
    let p = project.to_str().unwrap();
    let endpoint = env.endpoint();

    // No credentials anywhere.
    let o = env
        .moto
        .command(env!("CARGO_BIN_EXE_slsc"))
        .args([
            "deploy",
            p,
            "--yes",
            "--endpoint-url",
            &endpoint,
            "--artifact-bucket",
            BUCKET,
        ])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("SLSC_TODAY", common::TODAY)
        .output()
        .unwrap();
    assert_eq!(code(&o), Some(2));
    assert!(
        stderr(&o).contains("no AWS credentials found"),
        "{}",
        stderr(&o)
    );

    // A bucket that does not exist.
    let o = env.moto.slsc(
        &[
            "deploy",
            p,
            "--yes",
            "--endpoint-url",
            &endpoint,
            "--artifact-bucket",
            "no-such-bucket-here",
        ],
        env.tmp.path(),
    );
    assert_eq!(code(&o), Some(2));
    assert!(
        stderr(&o).contains("artifact bucket `no-such-bucket-here`"),
        "{}",
        stderr(&o)
    );

    // No bucket at all.
    let o = env.moto.slsc(
        &["deploy", p, "--yes", "--endpoint-url", &endpoint],
        env.tmp.path(),
    );
    assert_eq!(code(&o), Some(2));
    assert!(stderr(&o).contains("--artifact-bucket"));

    // Without a terminal and without --yes: refused, and the change set and the empty stack it
    // created are cleaned up.
    let o = env.slsc(&["deploy", p]);
    assert_eq!(code(&o), Some(1));
    assert!(stderr(&o).contains("pass --yes"), "{}", stderr(&o));
    assert_eq!(
        env.moto.stack_status("media-dev"),
        None,
        "nothing left behind"
    );

    // Outputs and destroy of a stack that does not exist.
    let o = env.slsc(&["outputs", p]);
    assert_eq!(code(&o), Some(2));
    assert!(stderr(&o).contains("does not exist"));
    let o = env.slsc(&["destroy", p, "--yes"]);
    assert_eq!(code(&o), Some(2));

    // plan --stack of a stack that does not exist yet: everything is created.
    let o = env.slsc(&["plan", p, "--stack", "media-dev", "--detailed-exitcode"]);
    assert_eq!(code(&o), Some(2));
    assert!(stdout(&o).contains("to create"));
}

/// On a terminal deploy asks before executing: `n` leaves nothing behind, `y` deploys. The
/// terminal is a pseudo-terminal from util-linux's `script`.
#[test]
fn asks_for_confirmation_on_a_terminal() {
    let have_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_script {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but util-linux's `script` (a pseudo-terminal) is missing");
        }
        eprintln!("SKIPPED: the confirmation test needs util-linux's `script`");
        return;
    }
    let Some(env) = Env::start("us-east-1") else {
        return;
    };
    let project = env.example("media");
    let cmd = format!(
        "{} deploy {} --endpoint-url {} --artifact-bucket {BUCKET}",
        env!("CARGO_BIN_EXE_slsc"),
        project.display(),
        env.endpoint()
    );
    let run = |answer: &str| {
        use std::io::Write;
        let mut child = env
            .moto
            .command("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("SLSC_TODAY", common::TODAY)
            .env("NO_COLOR", "1")
            .current_dir(env.tmp.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let o = run("n\n");
    let shown = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        shown.contains("Deploy these changes to stack media-dev? [y/N]"),
        "{shown}"
    );
    assert_eq!(code(&o), Some(1), "{shown}");
    assert!(shown.contains("not confirmed"), "{shown}");
    assert_eq!(
        env.moto.stack_status("media-dev"),
        None,
        "nothing left behind"
    );

    let o = run("y\n");
    let shown = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(code(&o), Some(0), "{shown}");
    assert_eq!(
        env.moto.stack_status("media-dev").as_deref(),
        Some("CREATE_COMPLETE")
    );
}

// ---------------------------------------------------------------------------------------------
// Safe deploys (issue 15): deadlines, unique change sets, interruptions, exit codes.

/// The names of the stack's change sets (moto's ListChangeSets).
fn change_set_names(env: &Env, stack: &str) -> Vec<String> {
    let (status, body) = env
        .moto
        .cfn_result("ListChangeSets", &[("StackName", stack)]);
    if status != 200 {
        return Vec::new();
    }
    body.split("<ChangeSetName>")
        .skip(1)
        .filter_map(|s| s.split("</ChangeSetName>").next().map(str::to_string))
        .collect()
}

/// A deploy on a pseudo-terminal (util-linux's `script`), stopped at the confirmation prompt
/// with `signal` (sent to the process group, as a terminal does); returns its output.
fn stop_at_the_prompt(env: &Env, project: &Path, signal: &str) -> Option<Output> {
    use std::io::{Read, Write};
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but `script` is missing"
        );
        eprintln!("SKIPPED: needs util-linux's `script`");
        return None;
    }
    let cmd = format!(
        "exec {} deploy {} --endpoint-url {} --artifact-bucket {BUCKET}",
        env!("CARGO_BIN_EXE_slsc"),
        project.display(),
        env.endpoint()
    );
    let mut child = env
        .moto
        .command("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("SLSC_TODAY", common::TODAY)
        .env("NO_COLOR", "1")
        .current_dir(env.tmp.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !String::from_utf8_lossy(&seen).contains("[y/N]") {
        assert!(
            std::time::Instant::now() < deadline,
            "no prompt: {}",
            String::from_utf8_lossy(&seen)
        );
        let n = stdout.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "ended before the prompt: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&buf[..n]);
    }
    // The slsc process: the child of `script` (exec'd by its shell).
    let slsc_pid =
        std::fs::read_to_string(format!("/proc/{}/task/{}/children", child.id(), child.id()))
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .map(str::to_string)
            .expect("script runs slsc");
    let killed = std::process::Command::new("kill")
        .args([signal, &slsc_pid])
        .status()
        .unwrap();
    assert!(killed.success());
    drop(child.stdin.take().map(|mut i| i.write_all(b"")));
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    seen.extend(rest);
    let mut o = child.wait_with_output().unwrap();
    o.stdout = seen;
    Some(o)
}

#[test]
fn sigint_at_the_prompt_leaves_no_change_set_and_sigkill_is_recovered_next_time() {
    let Some(env) = Env::start("us-east-1") else {
        return;
    };
    let project = env.example("media");
    // Ctrl-C before executing: the change set and the stack it created are removed.
    let Some(o) = stop_at_the_prompt(&env, &project, "-INT") else {
        return;
    };
    let shown = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(shown.contains("interrupted"), "{shown}");
    assert_eq!(env.moto.stack_status("media-dev"), None, "{shown}");
    assert!(change_set_names(&env, "media-dev").is_empty());

    // Killed outright: the change set and the REVIEW_IN_PROGRESS stack stay behind...
    let Some(_) = stop_at_the_prompt(&env, &project, "-KILL") else {
        return;
    };
    assert_eq!(
        env.moto.stack_status("media-dev").as_deref(),
        Some("REVIEW_IN_PROGRESS")
    );
    assert_eq!(change_set_names(&env, "media-dev").len(), 1);
    // ...and the next deploy removes the leftover and deploys.
    let o = env.slsc(&["deploy", project.to_str().unwrap(), "--yes"]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("left by an interrupted deploy"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        env.moto.stack_status("media-dev").as_deref(),
        Some("CREATE_COMPLETE")
    );
}

#[test]
fn a_paused_endpoint_ends_within_the_deadline() {
    // A server that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().take(16) {
            held.push(s);
        }
    });
    let tmp = Temp::new("paused");
    let project = tmp.path().join("media");
    common::build::copy_tree(&common::root().join("examples/media"), &project);
    let started = std::time::Instant::now();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_slsc"))
        .args([
            "deploy",
            project.to_str().unwrap(),
            "--yes",
            "--artifact-bucket",
            "s3://bkt/",
        ])
        .args(["--endpoint-url", &format!("http://127.0.0.1:{port}")])
        .env("SLSC_TODAY", common::TODAY)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("SLSC_REQUEST_TIMEOUT", "2")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(
        took < std::time::Duration::from_secs(30),
        "took {took:?}: {}",
        stderr(&o)
    );
    assert!(
        stderr(&o).to_lowercase().contains("timeout") || stderr(&o).contains("timed out"),
        "{}",
        stderr(&o)
    );
    drop(keep);
}

#[test]
fn concurrent_deploys_of_one_stack_never_both_succeed_with_conflicting_changes() {
    let Some(env) = Env::start("us-east-1") else {
        return;
    };
    let base = env.example("media");
    let o = env.slsc(&["deploy", base.to_str().unwrap(), "--yes"]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    // Two edits of the deployed project, deployed at once: each plans against the same stack.
    let a = env.tmp.path().join("media-a");
    let b = env.tmp.path().join("media-b");
    for (dir, days) in [(&a, "60"), (&b, "90")] {
        common::build::copy_tree(&base, dir);
        let f = dir.join("app.sls");
        let text = std::fs::read_to_string(&f).unwrap();
        let edited = text.replacen("log_retention = 30", &format!("log_retention = {days}"), 1);
        assert_ne!(text, edited);
        std::fs::write(&f, edited).unwrap();
    }
    let endpoint = env.endpoint();
    let spawn = |dir: &Path| {
        env.moto
            .command(env!("CARGO_BIN_EXE_slsc"))
            .args([
                "deploy",
                dir.to_str().unwrap(),
                "--yes",
                "--endpoint-url",
                &endpoint,
            ])
            .args(["--artifact-bucket", &format!("s3://{BUCKET}")])
            .env("SLSC_TODAY", common::TODAY)
            .current_dir(env.tmp.path())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (pa, pb) = (spawn(&a), spawn(&b));
    let (oa, ob) = (
        pa.wait_with_output().unwrap(),
        pb.wait_with_output().unwrap(),
    );
    let ok = [code(&oa) == Some(0), code(&ob) == Some(0)];
    assert!(
        ok.iter().any(|x| *x),
        "one of them deploys:\n{}\n{}",
        stderr(&oa),
        stderr(&ob)
    );
    if ok == [true, true] {
        // Both succeeded: then one ran entirely after the other (its change set was computed
        // from the other's result), which shows in its plan: an update of the other's retention.
        let later = if stderr(&oa).contains("60 → 90") || stderr(&oa).contains("60 -> 90") {
            &oa
        } else {
            &ob
        };
        assert!(
            stderr(later).contains("60") && stderr(later).contains("90"),
            "both succeeded, but neither planned on top of the other:\n{}\n{}",
            stderr(&oa),
            stderr(&ob)
        );
    } else {
        let refused = if ok[0] { &ob } else { &oa };
        let text = stderr(refused);
        assert!(
            text.contains("in flight") || text.contains("changed while this deploy waited"),
            "{text}"
        );
    }
    assert!(change_set_names(&env, "media-dev")
        .iter()
        .all(|n| n.starts_with("slsc-")));
}

/// What real applications needed (issue 18) deploys: explicit physical names, tags, a raw
/// resource (the escape hatch), a Kinesis stream and its trigger, a Lambda authorizer on the
/// `$default` route, permissions built from `aws.*` values, `app.region` and a layer.
#[test]
fn the_real_application_features_deploy() {
    let Some(env) = Env::start("us-east-1") else {
        return;
    };
    let dir = env.tmp.path().join("features");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/index.js"),
        "exports.handler = async () => ({});\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("layer/nodejs")).unwrap();
    std::fs::write(dir.join("layer/nodejs/util.js"), "module.exports = {};\n").unwrap();
    std::fs::write(
        dir.join("app.sls"),
        r#"app "feat" {
  region = "us-east-1"
  tags   = { team = "data" }
}

database "users" {
  name          = "users-${app.stage}"
  partition_key = { name = "id", type = "string" }
  tags          = { data = "pii" }
}

stream "clicks" {
  tags = { source = "web" }
}

queue "failed" {}

resource "config" {
  cloudformation = {
    type       = "AWS::SSM::Parameter"
    properties = { Type = "String", Value = "clicks-${app.region}" }
  }
  terraform = {
    type      = "aws_ssm_parameter"
    arguments = { name = "/feat/config", type = "String", value = "clicks-${app.region}" }
  }
}

layer "shared" {
  source              = "layer"
  compatible_runtimes = ["nodejs24.x"]
}

function "track" {
  handler     = "index.handler"
  source      = "src"
  layers      = [layer.shared]
  concurrency = 2
  sends       = [stream.clicks]
  writes      = [database.users]
  environment = { CONFIG = resource.config.id }
  permissions = [{
    actions   = ["ssm:GetParameter"]
    resources = ["arn:${aws.partition}:ssm:${aws.region}:${aws.account_id}:parameter/feat/*"]
  }]
}

function "authorize" {
  handler     = "index.handler"
  source      = "src"
  concurrency = 2
}

trigger "web" {
  function   = function.track
  http       = "$default"
  auth       = "lambda"
  authorizer = { function = function.authorize }
}

function "count" {
  handler     = "index.handler"
  source      = "src"
  concurrency = 2
}

trigger "clicks" {
  function        = function.count
  source          = stream.clicks
  parallelization = 2
  on_failure      = queue.failed
}

function "chat" {
  handler             = "index.handler"
  source              = "src"
  concurrency         = 2
  manages_connections = true
  environment         = { CALLBACK = websocket.endpoint }
}

trigger "chat_connect" {
  function   = function.chat
  websocket  = "$connect"
  auth       = "lambda"
  authorizer = { function = function.authorize, identity = ["route.request.querystring.token"] }
}

trigger "chat_message" {
  function  = function.chat
  websocket = "sendMessage"
}
"#,
    )
    .unwrap();
    let o = env.slsc(&["deploy", dir.to_str().unwrap(), "--yes"]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    assert_eq!(
        env.moto.stack_status("feat-dev").as_deref(),
        Some("CREATE_COMPLETE")
    );
}

/// A split application (nested stacks) on moto, and exactly what that verifies: deploy uploads
/// each nested template under the key the root template's `TemplateURL` names (in the artifact
/// bucket), and creates one change set from the root template. What moto 5.2.5 cannot run is
/// the nested stacks themselves: it passes no `Parameters` to a nested stack created by a
/// change set ("Missing parameter …") and has no `Fn::GetAtt Stack.Outputs.X`, so the execution
/// is not asserted here; the templates' wiring is proven by tests/nested_stacks.rs (every
/// reference resolves, cfn-lint accepts every template), and the plan's reading of nested
/// templates by its `--base` test there.
#[test]
fn a_split_application_uploads_its_nested_templates_and_deploys_the_root() {
    let Some(env) = Env::start("us-east-1") else {
        return;
    };
    let dir = env.tmp.path().join("split");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/index.js"),
        "exports.handler = async () => ({});\n",
    )
    .unwrap();
    let mut src = String::from("app \"split\" {\n  region        = \"us-east-1\"\n  nested_stacks = 2\n}\n\nqueue \"jobs\" {}\n");
    for i in 0..4 {
        src.push_str(&format!(
            "\nfunction \"f{i}\" {{\n  handler     = \"index.handler\"\n  source      = \"src\"\n  concurrency = 2\n  sends       = [queue.jobs]\n  environment = {{ API = http.url }}\n}}\n\ntrigger \"r{i}\" {{\n  function = function.f{i}\n  http     = \"GET /r{i}\"\n  auth     = \"iam\"\n}}\n"
        ));
    }
    std::fs::write(dir.join("app.sls"), &src).unwrap();
    let p = dir.to_str().unwrap();
    env.moto.start_recording();
    let o = env.slsc(&["deploy", p, "--yes"]);
    env.moto.stop_recording();
    // The same build, written (deploy builds in memory; builds are byte-identical).
    let built = env.tmp.path().join("split-built");
    let b = common::build::run_build(p, "cloudformation", Some(&built), env.tmp.path());
    assert_eq!(code(&b), Some(0), "{}", stderr(&b));
    let root: Value =
        serde_json::from_slice(&std::fs::read(built.join("template.json")).unwrap()).unwrap();
    let mut named = Vec::new();
    for (id, r) in root["Resources"].as_object().unwrap() {
        if r["Type"] == "AWS::CloudFormation::Stack" {
            let url = r["Properties"]["TemplateURL"]["Fn::Sub"].as_str().unwrap();
            let key = url.split(".${AWS::URLSuffix}/").nth(1).unwrap().to_string();
            assert!(
                url.starts_with("https://${ArtifactBucket}.s3."),
                "{id}: {url}"
            );
            named.push(key);
        }
    }
    assert!(named.len() >= 2, "{named:?}");
    let uploaded = env.moto.list_objects(BUCKET);
    for key in &named {
        assert!(
            uploaded.contains(key),
            "{key} not uploaded: {uploaded:?}\n{}",
            stderr(&o)
        );
        let body = env.moto.get_object(BUCKET, key).unwrap();
        let local = std::fs::read(built.join(key)).unwrap();
        assert_eq!(body, local, "{key}: the uploaded template is the built one");
    }
    let requests = env.change_set_requests();
    assert_eq!(requests.len(), 1, "one change set, for the root");
    let url = requests[0]
        .iter()
        .find(|(k, _)| k == "TemplateURL")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(url.contains("/templates/split-dev-"), "{url}");
}
