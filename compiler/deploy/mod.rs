//! `slsc deploy`, `destroy`, `outputs` and `plan --stack`: from a checked build to a running
//! CloudFormation stack, through the AWS SDK (SPEC §10).
//!
//! Only this module uses the SDK (aws-config, aws-sdk-cloudformation, aws-sdk-s3) and tokio;
//! the compile path (`check`, `build`, `plan --base`) never calls into it.
//!
//! `deploy`:
//! 1. The project is checked and built (CloudFormation) in memory; errors stop it.
//! 2. The region is `--region`, else `app.region`; credentials come from the standard chain
//!    (environment, profiles, SSO, `credential_process`, instance metadata); `--endpoint-url`
//!    points every client at an AWS-compatible endpoint (path-style S3).
//! 3. The stack's state decides the change set type: none or `REVIEW_IN_PROGRESS` → CREATE;
//!    a stable state → UPDATE; `*_IN_PROGRESS`, `ROLLBACK_COMPLETE` and `*_FAILED` states are
//!    refused with what to do.
//! 4. A local plan against the deployed template (GetTemplate) is made first: data loss is
//!    refused unless `--allow-data-loss`, and a replacement CloudFormation cannot do (a named
//!    resource keeping its name) is refused in any case, before anything is uploaded.
//! 5. Artifacts the bucket does not have are uploaded (keys are content hashes, so unchanged
//!    code is never uploaded again), then the template (`templates/<stack>-<hash>.json`), and
//!    the change set is created from its `TemplateURL` with `CAPABILITY_IAM`.
//! 6. The change set is awaited; an empty one is "no changes" (deleted, exit 0). Its
//!    `Replacement` answers refine the plan, which is printed and checked for data loss again.
//! 7. Confirmation (a TTY prompt, or `--yes`; without a TTY `--yes` is required), execution,
//!    stack events as progress lines, and the final status: `CREATE_COMPLETE`/`UPDATE_COMPLETE`
//!    succeed; anything else (`ROLLBACK_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, …) fails with the
//!    failed events' reasons.

pub mod request;

use crate::driver::Compilation;
use crate::emit::{Built, Target};
use crate::plan::{self, render, Owners, Snapshot};
use aws_credential_types::provider::ProvideCredentials;
use request::{StackKind, Terminal};
use serde_json::Value as J;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// A failure of a deploy-family command: the message (printed as `error: …`) and the exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    /// The deployment (or the project) failed or was refused: exit 1.
    pub fn refused(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 1,
        }
    }
    /// A usage or environment problem (credentials, bucket, flags): exit 2.
    pub fn usage(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

/// Where and how to reach AWS.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// `--region`: overrides `app.region`.
    pub region: Option<String>,
    /// `--endpoint-url`: any AWS-compatible endpoint.
    pub endpoint_url: Option<String>,
}

/// `slsc deploy`'s options.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    pub stack: Option<String>,
    pub artifact_bucket: Option<String>,
    pub aws: AwsOptions,
    pub yes: bool,
    pub allow_data_loss: bool,
    /// `--timeout`: how long each wait (the change set, the stack operation) may take;
    /// `None` is [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
}

/// How long a deploy waits for its change set, and then for the stack, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Each request: connecting, and one attempt (the SDK retries a failed attempt).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The stack name: `--stack`, else `{app}-{stage}`.
pub fn stack_name(c: &Compilation, stack: Option<&str>) -> Result<String, Failure> {
    if let Some(s) = stack {
        return request::valid_stack_name(s)
            .map(|_| s.to_string())
            .map_err(Failure::usage);
    }
    let m = c
        .model
        .as_ref()
        .ok_or_else(|| Failure::refused("the project has errors"))?;
    Ok(format!("{}-{}", m.app.name, m.stage))
}

fn region_of(c: &Compilation, aws: &AwsOptions) -> Result<String, Failure> {
    if let Some(r) = &aws.region {
        return Ok(r.clone());
    }
    c.model
        .as_ref()
        .map(|m| m.region.clone())
        .ok_or_else(|| Failure::refused("the project has errors"))
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the AWS client runtime: {e}")))
}

/// Runs `f` with clients for `region` (and the endpoint of `opts`) on a one-thread runtime.
fn with_aws<T>(
    region: &str,
    opts: &AwsOptions,
    f: impl AsyncFnOnce(&Aws) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let rt = runtime()?;
    let result = rt.block_on(async {
        let aws = connect(region, opts.endpoint_url.as_deref()).await?;
        f(&aws).await
    });
    // A confirmation prompt still reading the terminal after Ctrl-C must not hold the exit.
    rt.shutdown_background();
    result
}

/// The SDK clients.
struct Aws {
    cfn: aws_sdk_cloudformation::Client,
    s3: aws_sdk_s3::Client,
    region: String,
    endpoint: Option<String>,
}

/// `Failure::usage("WHAT: the SDK's error")`, for `map_err`.
fn usage_because<E: std::error::Error>(what: String) -> impl FnOnce(E) -> Failure {
    move |e| Failure::usage(format!("{what}: {}", sdk_message(&e)))
}

/// An SDK error with its whole chain of causes (the top level alone says "service error").
fn sdk_message<E: std::error::Error>(e: &E) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
        src = cause.source();
    }
    s
}

/// An SDK call's error, with the endpoint's own words when its answer could not be parsed (an
/// emulator's HTTP 500 carries its reason in a plain-text body).
fn call_error<E>(
    e: &aws_sdk_cloudformation::error::SdkError<
        E,
        aws_sdk_cloudformation::config::http::HttpResponse,
    >,
) -> String
where
    E: std::error::Error + 'static,
{
    let mut msg = sdk_message(e);
    if let Some(raw) = e.raw_response() {
        let status = raw.status().as_u16();
        let body = raw
            .body()
            .bytes()
            .map(|b| {
                String::from_utf8_lossy(b)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default();
        if status >= 500 || msg.contains("error parsing") {
            let body: String = body.chars().take(600).collect();
            msg = format!("HTTP {status} from the endpoint: {body} ({msg})");
        }
    }
    msg
}

async fn connect(region: &str, endpoint: Option<&str>) -> Result<Aws, Failure> {
    // `--endpoint-url`, else the SDK's own AWS_ENDPOINT_URL: either way S3 is then addressed
    // path-style and the template URL is built on the endpoint.
    let from_env = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|e| !e.is_empty());
    let endpoint = endpoint.or(from_env.as_deref());
    // Every request has a deadline: a paused or unreachable endpoint is an error, not a hang.
    // `SLSC_REQUEST_TIMEOUT` (seconds) overrides both, for slow links (and the tests).
    let over = std::env::var("SLSC_REQUEST_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|n| *n > 0)
        .map(Duration::from_secs);
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(over.unwrap_or(CONNECT_TIMEOUT))
        .operation_attempt_timeout(over.unwrap_or(ATTEMPT_TIMEOUT))
        .build();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .timeout_config(timeouts);
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    let conf = loader.load().await;
    let Some(provider) = conf.credentials_provider() else {
        return Err(Failure::usage(request::NO_CREDENTIALS));
    };
    if let Err(e) = provider.provide_credentials().await {
        return Err(Failure::usage(format!(
            "{} ({})",
            request::NO_CREDENTIALS,
            sdk_message(&e)
        )));
    }
    let cfn = aws_sdk_cloudformation::Client::new(&conf);
    let mut s3conf = aws_sdk_s3::config::Builder::from(&conf);
    if endpoint.is_some() {
        s3conf = s3conf.force_path_style(true);
    }
    let s3 = aws_sdk_s3::Client::from_conf(s3conf.build());
    Ok(Aws {
        cfn,
        s3,
        region: region.to_string(),
        endpoint: endpoint.map(str::to_string),
    })
}

/// The stack's status, or `None` when it does not exist.
async fn stack_status(aws: &Aws, stack: &str) -> Result<Option<String>, Failure> {
    Ok(describe_stack(aws, stack)
        .await?
        .and_then(|s| s.stack_status().map(|s| s.as_str().to_string())))
}

/// The stack as DescribeStacks gives it, or `None` when it does not exist.
async fn describe_stack(
    aws: &Aws,
    stack: &str,
) -> Result<Option<aws_sdk_cloudformation::types::Stack>, Failure> {
    match aws.cfn.describe_stacks().stack_name(stack).send().await {
        Ok(out) => Ok(out.stacks().first().cloned()),
        Err(e) => {
            let msg = sdk_message(&e);
            if msg.contains("does not exist") {
                Ok(None)
            } else {
                Err(Failure::usage(format!("cannot read stack {stack}: {msg}")))
            }
        }
    }
}

/// The deployed template of a stack (`None` when the stack does not exist or has none yet).
async fn deployed_template(aws: &Aws, stack: &str) -> Result<Option<J>, Failure> {
    let out = match aws.cfn.get_template().stack_name(stack).send().await {
        Ok(o) => o,
        Err(e) => {
            let msg = sdk_message(&e);
            if msg.contains("does not exist") {
                return Ok(None);
            }
            return Err(Failure::usage(format!(
                "cannot read the template of stack {stack}: {msg}"
            )));
        }
    };
    let Some(body) = out.template_body() else {
        return Ok(None);
    };
    if body.trim().is_empty() {
        return Ok(None);
    }
    serde_json::from_str(body).map(Some).map_err(|e| {
        Failure::usage(format!(
            "the template of stack {stack} is not JSON ({e}): was it deployed by slsc?"
        ))
    })
}

/// `plan --stack`: the deployed template of `stack` as a plan base (an empty base when the
/// stack does not exist). Owners come from the head project.
pub fn stack_snapshot(
    head: &Compilation,
    stack: &str,
    aws: &AwsOptions,
) -> Result<(Snapshot, String), Failure> {
    let region = region_of(head, aws)?;
    with_aws(&region, aws, async |aws| {
        let owners = head
            .model
            .as_ref()
            .map(|m| Owners::of_model(m, Target::CloudFormation))
            .unwrap_or_default();
        match deployed_template(aws, stack).await? {
            Some(t) => {
                let snap = deployed_snapshot(aws, stack, &t, &owners).await?;
                Ok((snap, format!("stack {stack} ({region})")))
            }
            None => Ok((
                Snapshot::empty(Target::CloudFormation),
                format!("stack {stack} ({region}), which does not exist yet"),
            )),
        }
    })
}

/// `plan --stack` reads deployed templates through this (plan::StackReader).
pub struct Stacks;

impl plan::StackReader for Stacks {
    fn snapshot(
        &self,
        head: &Compilation,
        stack: &str,
        endpoint_url: Option<&str>,
    ) -> Result<(Snapshot, String), String> {
        let aws = AwsOptions {
            region: None,
            endpoint_url: endpoint_url.map(str::to_string),
        };
        stack_snapshot(head, stack, &aws).map_err(|f| {
            if f.code == 2 {
                f.message
            } else {
                format!("--stack {stack}: {}", f.message)
            }
        })
    }
}

/// The template's bytes of a build.
fn template_bytes(built: &Built) -> Vec<u8> {
    built
        .files
        .iter()
        .find(|(n, _)| n == "template.json")
        .map(|(_, chunks)| chunks.concat())
        .unwrap_or_default()
}

async fn check_bucket(aws: &Aws, bucket: &str) -> Result<(), Failure> {
    match aws.s3.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let msg = sdk_message(&e);
            Err(Failure::usage(format!(
                "the artifact bucket `{bucket}` cannot be used ({msg}); create it first (aws s3 mb s3://{bucket} --region {}) or pass another with --artifact-bucket",
                aws.region
            )))
        }
    }
}

/// Uploads an object unless the bucket already has it. Returns whether it was uploaded.
async fn upload_once(aws: &Aws, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<bool, Failure> {
    if aws
        .s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .is_ok()
    {
        return Ok(false);
    }
    aws.s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
        .send()
        .await
        .map_err(usage_because(format!("cannot upload s3://{bucket}/{key}")))?;
    Ok(true)
}

/// The change set's resource changes (all pages) and its status.
async fn describe_change_set(
    aws: &Aws,
    stack: &str,
    name: &str,
) -> Result<(String, String, Vec<plan::ChangeSetEntry>), Failure> {
    let mut entries = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = aws
            .cfn
            .describe_change_set()
            .stack_name(stack)
            .change_set_name(name)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(usage_because(format!("cannot read change set {name}")))?;
        let status = out
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let reason = out.status_reason().unwrap_or_default().to_string();
        for ch in out.changes() {
            if let Some(rc) = ch.resource_change() {
                entries.push(plan::ChangeSetEntry {
                    logical_id: rc.logical_resource_id().unwrap_or_default().to_string(),
                    resource_type: rc.resource_type().unwrap_or_default().to_string(),
                    action: rc
                        .action()
                        .map(|a| a.as_str().to_string())
                        .unwrap_or_default(),
                    replacement: rc
                        .replacement()
                        .map(|r| r.as_str().to_string())
                        .filter(|r| !r.is_empty()),
                });
            }
        }
        token = out.next_token().map(str::to_string);
        if token.is_none() || status != "CREATE_COMPLETE" {
            return Ok((status, reason, entries));
        }
    }
}

/// Polls until the change set is no longer being created.
async fn wait_change_set(
    aws: &Aws,
    stack: &str,
    name: &str,
    timeout: Duration,
) -> Result<(String, String, Vec<plan::ChangeSetEntry>), Failure> {
    let until = tokio::time::Instant::now() + timeout;
    let mut delay = Duration::from_millis(200);
    loop {
        let (status, reason, entries) = describe_change_set(aws, stack, name).await?;
        if !matches!(
            status.as_str(),
            "CREATE_PENDING" | "CREATE_IN_PROGRESS" | ""
        ) {
            return Ok((status, reason, entries));
        }
        if tokio::time::Instant::now() >= until {
            let what = format!("change set {name}");
            return Err(Failure::usage(request::deadline_passed(
                stack,
                &what,
                &format!("waiting for it ({status})"),
                timeout,
            )));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(3));
    }
}

/// One stack event, for the progress lines.
struct Event {
    id: String,
    logical_id: String,
    /// The physical ID (for a nested stack: the stack whose events to follow too).
    physical: String,
    type_: String,
    status: String,
    reason: String,
}

async fn events(aws: &Aws, stack: &str) -> Result<Vec<Event>, Failure> {
    let out = aws
        .cfn
        .describe_stack_events()
        .stack_name(stack)
        .send()
        .await
        .map_err(usage_because(format!("cannot read the events of {stack}")))?;
    // Newest first from the API: reverse into the order they happened.
    let mut v: Vec<Event> = out
        .stack_events()
        .iter()
        .map(|e| Event {
            id: e.event_id().unwrap_or_default().to_string(),
            logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
            physical: e.physical_resource_id().unwrap_or_default().to_string(),
            type_: e.resource_type().unwrap_or_default().to_string(),
            status: e
                .resource_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            reason: e.resource_status_reason().unwrap_or_default().to_string(),
        })
        .collect();
    v.reverse();
    Ok(v)
}

/// Streams the stack's events until it reaches a terminal state for `operation`; returns
/// the final status and the reasons of the failed events.
async fn follow(
    aws: &Aws,
    stack: &str,
    seen: &mut BTreeSet<String>,
    operation: request::Operation,
    timeout: Duration,
) -> Result<(String, Vec<String>), Failure> {
    let until = tokio::time::Instant::now() + timeout;
    let mut delay = Duration::from_millis(250);
    let mut failures = Vec::new();
    // The nested stacks seen in the root's events: their events are followed too, each line
    // prefixed with the nested stack's logical ID (progress per nested stack).
    let mut nested: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let status = stack_status(aws, stack).await?;
        // A deleted stack cannot be described by name any more: that is DELETE_COMPLETE.
        let status = status.unwrap_or_else(|| "DELETE_COMPLETE".to_string());
        if status != "DELETE_COMPLETE" || operation != request::Operation::Delete {
            let mut all: Vec<(String, Event)> = events(aws, stack)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|e| (String::new(), e))
                .collect();
            for (_, e) in &all {
                if e.type_ == "AWS::CloudFormation::Stack"
                    && e.logical_id != stack
                    && !e.physical.is_empty()
                {
                    nested.insert(e.logical_id.clone(), e.physical.clone());
                }
            }
            for (id, physical) in &nested {
                let more = events(aws, physical).await.unwrap_or_default();
                all.extend(
                    more.into_iter()
                        .filter(|e| e.physical != *physical)
                        .map(|e| (format!("{id}/"), e)),
                );
            }
            for (prefix, e) in all {
                if !seen.insert(e.id.clone()) {
                    continue;
                }
                let mut line = format!("  {:<28} {prefix}{} ({})", e.status, e.logical_id, e.type_);
                if !e.reason.is_empty() {
                    line.push_str(&format!(": {}", e.reason));
                }
                eprintln!("{line}");
                if e.status.ends_with("_FAILED") && !e.reason.is_empty() {
                    failures.push(format!(
                        "{prefix}{} ({}): {}",
                        e.logical_id, e.type_, e.reason
                    ));
                }
            }
        }
        match request::terminal(&status, operation) {
            Terminal::Success | Terminal::Failure => return Ok((status, failures)),
            Terminal::Running => {}
        }
        if tokio::time::Instant::now() >= until {
            return Err(Failure::refused(request::deadline_passed(
                stack,
                "the stack",
                &status,
                timeout,
            )));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(3));
    }
}

/// Asks on the terminal; without one, `--yes` is required.
fn confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::refused(
            "stdin is not a terminal, so there is no one to confirm: pass --yes to go ahead without asking",
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        Ok(())
    } else {
        Err(Failure::refused("not confirmed: nothing was changed"))
    }
}

/// Prints a plan as text on stdout (coloured on a terminal unless `NO_COLOR`).
fn print_plan(p: &plan::Plan) {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(render::text(p, color).as_bytes());
    let _ = out.flush();
}

/// Data loss and impossible replacements in a plan: the refusal, if any.
fn gate(p: &plan::Plan, allow_data_loss: bool) -> Result<(), Failure> {
    let loss: Vec<&plan::Change> = p.changes.iter().filter(|c| c.data_loss).collect();
    if !loss.is_empty() && !allow_data_loss {
        let mut msg = String::from("refusing to deploy: the plan loses data\n");
        for c in &loss {
            msg.push_str(&format!(
                "  {} {} ({}) is {}d{}\n",
                c.address,
                c.logical_id,
                c.type_,
                c.action.as_str(),
                c.store
                    .as_deref()
                    .map(|s| format!(": {}", plan::loss_sentence(s)))
                    .unwrap_or_default()
            ));
        }
        msg.push_str("pass --allow-data-loss to deploy anyway");
        if p.blocked() > 0 {
            msg.push_str(" (it would still be refused: see the changes marked \"will fail\")");
        }
        return Err(Failure::refused(msg));
    }
    let blocked: Vec<&plan::Change> = p.changes.iter().filter(|c| c.blocked.is_some()).collect();
    if !blocked.is_empty() {
        let mut msg = String::from("refusing to deploy: CloudFormation cannot make this change\n");
        for c in &blocked {
            msg.push_str(&format!(
                "  {} {}: {}\n    fix: {}\n",
                c.address,
                c.logical_id,
                c.blocked.as_deref().unwrap_or_default(),
                c.fix.as_deref().unwrap_or_default()
            ));
        }
        return Err(Failure::refused(msg.trim_end().to_string()));
    }
    Ok(())
}

/// What a deploy did.
#[derive(Debug)]
pub struct Deployed {
    pub stack: String,
    /// The final stack status (`None`: no changes, nothing executed).
    pub status: Option<String>,
    pub uploaded: usize,
    pub skipped: usize,
}

/// `slsc deploy`. `c` must be a compilation without errors; the plan is printed to stdout,
/// progress to stderr.
pub fn deploy(c: &Compilation, opts: &DeployOptions) -> Result<Deployed, Failure> {
    let stack = stack_name(c, opts.stack.as_deref())?;
    let region = region_of(c, &opts.aws)?;
    let Some(given) = opts.artifact_bucket.as_deref() else {
        return Err(Failure::usage(
            "slsc deploy needs an S3 bucket for the artifacts and the template: pass --artifact-bucket BUCKET (create one with `aws s3 mb s3://BUCKET`)",
        ));
    };
    let bucket = request::bucket_name(given).map_err(Failure::usage)?;
    let timeout = opts.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let out_dir = c
        .project_dir
        .join(".slsc")
        .join(Target::CloudFormation.as_str());
    let built = crate::emit::build(c, Target::CloudFormation, &out_dir)
        .map_err(|_| Failure::refused("the project has errors: not deploying"))?;
    let head = Snapshot::from_build(c, Target::CloudFormation, &built).map_err(Failure::usage)?;
    let template = template_bytes(&built);
    with_aws(&region, &opts.aws, async |aws| {
        eprintln!("stack {stack} in {region}");
        let status = stack_status(aws, &stack).await?;
        let status = clear_interrupted(aws, &stack, status, timeout).await?;
        let kind = request::stack_kind(&stack, status.as_deref()).map_err(Failure::refused)?;
        // The local plan against what is deployed: refuse early, before uploading anything.
        let (mut p, owners) = local_plan(aws, c, &stack, kind, &head).await?;
        if let Err(f) = gate(&p, opts.allow_data_loss) {
            print_plan(&p);
            return Err(f);
        }
        check_bucket(aws, &bucket).await?;
        let (uploaded, skipped) = upload_artifacts(aws, &bucket, &built).await?;
        eprintln!("artifacts: {uploaded} uploaded, {skipped} already in s3://{bucket}");
        let key = request::template_key(&stack, &template);
        upload_once(aws, &bucket, &key, template.clone()).await?;
        let url = request::template_url(&bucket, &key, &aws.region, aws.endpoint.as_deref());

        // The stack as our change set is computed from: a deploy that changes it before ours is
        // executed makes ours obsolete. Read before the change set is created, so that a deploy
        // executed in between shows as a change (read after, it would pass for the state ours
        // was computed from) — except for a new stack, which our change set itself creates
        // (`REVIEW_IN_PROGRESS`; a concurrent first deploy fails to create it).
        let before = stack_version(aws, &stack).await?;
        let name = request::change_set_name(std::time::SystemTime::now(), std::process::id());
        let mut req = request::ChangeSetRequest::new(&stack, &name, kind, &url, &bucket);
        if !request::declares_artifact_bucket(&template) {
            req.parameters.clear();
        }
        create_change_set(aws, &req).await?;
        let version = if before.is_empty() {
            stack_version(aws, &stack).await?
        } else {
            before
        };
        eprintln!(
            "change set {name} ({}) created; waiting for it",
            req.kind.as_str()
        );
        // Until it is executed, the change set is ours to remove: on a refusal, an error, a
        // deadline or Ctrl-C.
        let review = Review {
            stack: &stack,
            name: &name,
            version: &version,
            opts,
            timeout,
        };
        let reviewed = tokio::select! {
            r = review.run(aws, &mut p, &owners) => r,
            _ = tokio::signal::ctrl_c() => Err(Failure::refused(
                "interrupted before the change set was executed: nothing changed (the change set is removed)",
            )),
        };
        match reviewed {
            Ok(true) => {}
            Ok(false) => {
                discard_change_set(aws, &stack, &name, kind).await;
                eprintln!("no changes: the stack is up to date");
                return Ok(Deployed {
                    stack,
                    status: None,
                    uploaded,
                    skipped,
                });
            }
            Err(f) => {
                discard_change_set(aws, &stack, &name, kind).await;
                return Err(f);
            }
        }
        // From here the stack changes: any failure is exit 1, never 2 ("nothing changed").
        let (status, failures) = execute_change_set(aws, &stack, &name, kind, timeout)
            .await
            .map_err(|f| Failure::refused(f.message))?;
        match request::terminal(&status, request::operation(kind)) {
            Terminal::Success => {
                eprintln!("{stack}: {status}");
                Ok(Deployed {
                    stack,
                    status: Some(status),
                    uploaded,
                    skipped,
                })
            }
            _ => Err(deployment_failed(&stack, &status, &failures)),
        }
    })
}

/// The wait for a created change set, the plan it gives, the gates and the confirmation.
struct Review<'a> {
    stack: &'a str,
    name: &'a str,
    /// The stack's version when the change set was created ([`stack_version`]).
    version: &'a str,
    opts: &'a DeployOptions,
    timeout: Duration,
}

impl Review<'_> {
    /// `Ok(true)`: execute; `Ok(false)`: the change set is empty (nothing to do).
    async fn run(&self, aws: &Aws, p: &mut plan::Plan, owners: &Owners) -> Result<bool, Failure> {
        let (cs_status, reason, entries) =
            wait_change_set(aws, self.stack, self.name, self.timeout).await?;
        if cs_status == "FAILED" {
            if request::is_empty_change_set(&reason) {
                return Ok(false);
            }
            return Err(Failure::refused(format!("the change set failed: {reason}")));
        }
        plan::apply_change_set(p, &entries, owners);
        print_plan(p);
        gate(p, self.opts.allow_data_loss)?;
        let question = format!("Deploy these changes to stack {}?", self.stack);
        let yes = self.opts.yes;
        tokio::task::spawn_blocking(move || confirm(&question, yes))
            .await
            .map_err(|e| Failure::usage(format!("cannot ask for confirmation: {e}")))??;
        // Another deploy of this stack may have started or finished meanwhile: its change set
        // and ours were computed from the same state; only one may be executed.
        refuse_others_in_flight(aws, self.stack, self.name).await?;
        if stack_version(aws, self.stack).await? != self.version {
            return Err(Failure::refused(format!(
                "stack {} changed while this deploy waited (another deploy?): nothing was changed by this one; plan and deploy again",
                self.stack
            )));
        }
        Ok(true)
    }
}

/// What identifies the stack's current state: its status and last update (empty for no stack).
async fn stack_version(aws: &Aws, stack: &str) -> Result<String, Failure> {
    Ok(describe_stack(aws, stack)
        .await?
        .map(|s| {
            format!(
                "{:?} {:?} {:?}",
                s.stack_status().map(|x| x.as_str().to_string()),
                s.last_updated_time(),
                s.creation_time()
            )
        })
        .unwrap_or_default())
}

/// The stack's change sets made by slsc: (name, status, execution status).
async fn our_change_sets(aws: &Aws, stack: &str) -> Result<Vec<(String, String, String)>, Failure> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page = match aws
            .cfn
            .list_change_sets()
            .stack_name(stack)
            .set_next_token(token)
            .send()
            .await
        {
            Ok(p) => p,
            Err(e) if sdk_message(&e).contains("does not exist") => return Ok(out),
            Err(e) => {
                return Err(Failure::usage(format!(
                    "cannot list the change sets of {stack}: {}",
                    sdk_message(&e)
                )))
            }
        };
        for cs in page.summaries() {
            let name = cs.change_set_name().unwrap_or_default().to_string();
            if request::is_ours(&name) {
                let status = cs
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default();
                let exec = cs
                    .execution_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default();
                out.push((name, status, exec));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Refuses when another slsc deploy of this stack has a change set in flight that was created
/// before ours (names sort by creation time), so of two concurrent deploys exactly one goes on.
async fn refuse_others_in_flight(aws: &Aws, stack: &str, ours: &str) -> Result<(), Failure> {
    for (name, status, exec) in our_change_sets(aws, stack).await? {
        if name.as_str() < ours && request::in_flight(&status, &exec) {
            return Err(Failure::refused(format!(
                "another deploy of stack {stack} is in flight (change set {name}, {status}): nothing was changed by this one; wait for it, then deploy again"
            )));
        }
    }
    Ok(())
}

/// Before a deploy: refuses when another deploy's change set is in flight, and clears what an
/// interrupted deploy left: its change sets, and the empty stack (`REVIEW_IN_PROGRESS`) a first
/// deploy creates before it executes. Returns the stack's status afterwards.
async fn clear_interrupted(
    aws: &Aws,
    stack: &str,
    status: Option<String>,
    timeout: Duration,
) -> Result<Option<String>, Failure> {
    let alive = |pid: u32| pid == std::process::id() || process_runs(pid);
    let mut left = 0;
    for (name, cs_status, exec) in our_change_sets(aws, stack).await? {
        if !request::in_flight(&cs_status, &exec) {
            continue;
        }
        if !request::abandoned(&name, std::time::SystemTime::now(), timeout, alive) {
            return Err(Failure::usage(format!(
                "another deploy of stack {stack} is in flight (change set {name}, {cs_status}): wait for it to finish, or remove it with `aws cloudformation delete-change-set --stack-name {stack} --change-set-name {name}`"
            )));
        }
        eprintln!("removing change set {name}, left by an interrupted deploy");
        // Only the change set here: the empty stack, if any, is removed below, once.
        discard_change_set(aws, stack, &name, StackKind::Existing).await;
        left += 1;
    }
    if status.as_deref() != Some("REVIEW_IN_PROGRESS") || left == 0 {
        return Ok(status);
    }
    // Nothing was ever created in it: remove the empty stack and start afresh.
    eprintln!(
        "removing the empty stack {stack} an interrupted first deploy left in REVIEW_IN_PROGRESS"
    );
    aws.cfn
        .delete_stack()
        .stack_name(stack)
        .send()
        .await
        .map_err(usage_because(format!(
            "cannot remove the empty stack {stack}"
        )))?;
    let until = tokio::time::Instant::now() + timeout;
    loop {
        let now = stack_status(aws, stack).await?;
        if now.is_none() || now.as_deref() == Some("DELETE_COMPLETE") {
            return Ok(None);
        }
        if tokio::time::Instant::now() >= until {
            let what = format!("the removal of the empty stack {stack}");
            return Err(Failure::usage(request::deadline_passed(
                stack,
                &what,
                now.as_deref().unwrap_or(""),
                timeout,
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Whether a process with this id runs on this machine (unknown elsewhere than Linux: yes).
fn process_runs(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// The plan of the build (`head`) against the template deployed in the stack (none for a new
/// stack), and the owners of the resources that plan uses.
async fn local_plan(
    aws: &Aws,
    c: &Compilation,
    stack: &str,
    kind: StackKind,
    head: &Snapshot,
) -> Result<(plan::Plan, Owners), Failure> {
    let base = match kind {
        StackKind::Existing => deployed_template(aws, stack).await?,
        StackKind::New => None,
    };
    let owners = c
        .model
        .as_ref()
        .map(|m| Owners::of_model(m, Target::CloudFormation))
        .unwrap_or_default();
    let base = match &base {
        Some(t) => deployed_snapshot(aws, stack, t, &owners).await?,
        None => Snapshot::empty(Target::CloudFormation),
    };
    Ok((plan::diff(&base, head), owners))
}

/// The snapshot of a deployed stack from its template, with the resources of its nested stacks
/// (each read from the nested stack the root's `AWS::CloudFormation::Stack` resource made).
async fn deployed_snapshot(
    aws: &Aws,
    stack: &str,
    template: &J,
    owners: &Owners,
) -> Result<Snapshot, Failure> {
    let mut snap = Snapshot::from_document(Target::CloudFormation, template, owners)
        .map_err(Failure::usage)?;
    for (id, t) in nested_templates(aws, stack, template).await? {
        snap.add_nested(&id, &t, owners).map_err(Failure::usage)?;
    }
    Ok(snap)
}

/// The templates of a deployed root's nested stacks: (the root's logical ID, template).
async fn nested_templates(
    aws: &Aws,
    stack: &str,
    template: &J,
) -> Result<Vec<(String, J)>, Failure> {
    let mut out = Vec::new();
    let nested: Vec<String> = template
        .get("Resources")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, r)| r.get("Type").and_then(J::as_str) == Some("AWS::CloudFormation::Stack"))
        .map(|(id, _)| id.clone())
        .collect();
    for id in nested {
        let res = aws
            .cfn
            .describe_stack_resource()
            .stack_name(stack)
            .logical_resource_id(&id)
            .send()
            .await
            .map_err(|e| {
                Failure::usage(format!(
                    "cannot read nested stack {id} of {stack}: {}",
                    sdk_message(&e)
                ))
            })?;
        let Some(physical) = res
            .stack_resource_detail()
            .and_then(|d| d.physical_resource_id())
            .map(str::to_string)
        else {
            continue;
        };
        if let Some(t) = deployed_template(aws, &physical).await? {
            out.push((id, t));
        }
    }
    Ok(out)
}

/// Uploads the artifacts the bucket does not have yet; returns (uploaded, already there).
async fn upload_artifacts(
    aws: &Aws,
    bucket: &str,
    built: &Built,
) -> Result<(usize, usize), Failure> {
    let (mut uploaded, mut skipped) = (0, 0);
    // The artifacts, and a split application's nested templates (the root's `TemplateURL`s
    // name them under the same keys in the artifact bucket).
    let nested = format!("{}/", crate::emit::stacks::NESTED_DIR);
    for (key, chunks) in built
        .files
        .iter()
        .filter(|(k, _)| k.starts_with("artifacts/") || k.starts_with(&nested))
    {
        if upload_once(aws, bucket, key, chunks.concat()).await? {
            uploaded += 1;
        } else {
            skipped += 1;
        }
    }
    Ok((uploaded, skipped))
}

/// Creates the change set of `req`.
async fn create_change_set(aws: &Aws, req: &request::ChangeSetRequest) -> Result<(), Failure> {
    let mut call = aws
        .cfn
        .create_change_set()
        .stack_name(&req.stack)
        .change_set_name(&req.name)
        .change_set_type(aws_sdk_cloudformation::types::ChangeSetType::from(
            req.kind.as_str(),
        ))
        .template_url(&req.template_url)
        .description(&req.description);
    for cap in &req.capabilities {
        call = call.capabilities(aws_sdk_cloudformation::types::Capability::from(
            cap.as_str(),
        ));
    }
    for (k, v) in &req.parameters {
        call = call.parameters(
            aws_sdk_cloudformation::types::Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build(),
        );
    }
    call.send().await.map_err(|e| {
        Failure::refused(format!(
            "CloudFormation refused the change set: {}",
            call_error(&e)
        ))
    })?;
    Ok(())
}

/// Deletes a change set that will not be executed (best effort), and the empty stack a refused
/// CREATE leaves behind.
async fn discard_change_set(aws: &Aws, stack: &str, name: &str, kind: StackKind) {
    let cfn = aws.cfn.clone();
    let _ = cfn
        .delete_change_set()
        .stack_name(stack)
        .change_set_name(name)
        .send()
        .await;
    // A refused CREATE leaves an empty stack in REVIEW_IN_PROGRESS behind.
    if kind == StackKind::New {
        let _ = cfn.delete_stack().stack_name(stack).send().await;
    }
}

/// Executes the change set and follows the stack's events; returns the final status and the
/// reasons of the failed events.
async fn execute_change_set(
    aws: &Aws,
    stack: &str,
    name: &str,
    kind: StackKind,
    timeout: Duration,
) -> Result<(String, Vec<String>), Failure> {
    let mut seen: BTreeSet<String> = events(aws, stack)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.id)
        .collect();
    aws.cfn
        .execute_change_set()
        .stack_name(stack)
        .change_set_name(name)
        .send()
        .await
        .map_err(|e| {
            Failure::refused(format!("cannot execute the change set: {}", call_error(&e)))
        })?;
    eprintln!("executing change set {name}");
    follow(aws, stack, &mut seen, request::operation(kind), timeout).await
}

/// "the deployment failed: stack … is …", with the failed events' reasons.
fn deployment_failed(stack: &str, status: &str, failures: &[String]) -> Failure {
    let mut msg = format!("the deployment failed: stack {stack} is {status}");
    for f in failures {
        msg.push_str(&format!("\n  {f}"));
    }
    if failures.is_empty() {
        msg.push_str(
            "\n  (no failed resource event gives a reason; see the stack's events in the console)",
        );
    }
    Failure::refused(msg)
}

/// `slsc destroy`: deletes the stack. Retained tables and buckets are listed as kept; deleting
/// queues and stores without `retain` needs `--allow-data-loss`.
pub fn destroy(
    c: &Compilation,
    stack: Option<&str>,
    aws_opts: &AwsOptions,
    yes: bool,
    allow_data_loss: bool,
) -> Result<String, Failure> {
    let stack = stack_name(c, stack)?;
    let region = region_of(c, aws_opts)?;
    with_aws(&region, aws_opts, async |aws| {
        let Some(status) = stack_status(aws, &stack).await? else {
            return Err(Failure::usage(format!(
                "stack {stack} does not exist in {region}: nothing to destroy"
            )));
        };
        if status.ends_with("_IN_PROGRESS") && status != "REVIEW_IN_PROGRESS" {
            return Err(Failure::refused(format!(
                "stack {stack} is busy ({status}): wait for the running operation to finish"
            )));
        }
        let mut template = deployed_template(aws, &stack).await?.unwrap_or(J::Null);
        // What the nested stacks hold is deleted with them: counted as the root's.
        for (_, t) in nested_templates(aws, &stack, &template).await? {
            if let (Some(J::Object(all)), Some(J::Object(more))) =
                (template.get_mut("Resources"), t.get("Resources"))
            {
                all.extend(more.clone());
            }
        }
        let (kept, lost) = request::destroy_effects(&template);
        for k in &kept {
            eprintln!("kept (retained, no longer managed): {k}");
        }
        for l in &lost {
            eprintln!("DATA LOSS: {l}");
        }
        if !lost.is_empty() && !allow_data_loss {
            return Err(Failure::refused(format!(
                "refusing to destroy {stack}: {} resource(s) holding data would be deleted; pass --allow-data-loss to destroy anyway",
                lost.len()
            )));
        }
        confirm(
            &format!("Delete stack {stack} and everything it manages?"),
            yes,
        )?;
        let mut seen: BTreeSet<String> = events(aws, &stack)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.id)
            .collect();
        aws.cfn
            .delete_stack()
            .stack_name(&stack)
            .send()
            .await
            .map_err(|e| {
                Failure::refused(format!("cannot delete stack {stack}: {}", sdk_message(&e)))
            })?;
        eprintln!("deleting stack {stack}");
        let (status, failures) = follow(
            aws,
            &stack,
            &mut seen,
            request::Operation::Delete,
            DEFAULT_TIMEOUT,
        )
        .await?;
        if request::terminal(&status, request::Operation::Delete) == Terminal::Success {
            eprintln!("{stack}: deleted");
            Ok(stack)
        } else {
            let mut msg = format!("stack {stack} could not be deleted: {status}");
            for f in &failures {
                msg.push_str(&format!("\n  {f}"));
            }
            Err(Failure::refused(msg))
        }
    })
}

/// A stack's outputs.
#[derive(Debug, Clone)]
pub struct StackOutputs {
    pub stack: String,
    pub status: String,
    /// (key, value), sorted by key.
    pub outputs: Vec<(String, String)>,
}

/// `slsc outputs`: the stack's outputs, sorted by key.
pub fn outputs(
    c: &Compilation,
    stack: Option<&str>,
    aws_opts: &AwsOptions,
) -> Result<StackOutputs, Failure> {
    let stack = stack_name(c, stack)?;
    let region = region_of(c, aws_opts)?;
    with_aws(&region, aws_opts, async |aws| {
        let Some(s) = describe_stack(aws, &stack).await? else {
            return Err(Failure::usage(format!(
                "stack {stack} does not exist in {region}"
            )));
        };
        let status = s
            .stack_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let mut outs: Vec<(String, String)> = s
            .outputs()
            .iter()
            .map(|o| {
                (
                    o.output_key().unwrap_or_default().to_string(),
                    o.output_value().unwrap_or_default().to_string(),
                )
            })
            .collect();
        outs.sort();
        Ok(StackOutputs {
            stack,
            status,
            outputs: outs,
        })
    })
}
