//! The decisions of a deployment that do not need AWS: the change set request, the template's
//! key and URL, what a stack status means. Kept pure so tests can assert what is sent.

use serde_json::Value as J;
use sha2::{Digest, Sha256};

pub const NO_CREDENTIALS: &str = "no AWS credentials found: set AWS_PROFILE (after `aws sso login` for SSO profiles) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where instance or container credentials are available";

/// CloudFormation's stack name rule: `[A-Za-z][A-Za-z0-9-]*`, at most 128 characters.
pub fn valid_stack_name(s: &str) -> Result<(), String> {
    let ok = s.len() <= 128
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "--stack {s}: a stack name starts with a letter and has only letters, digits and `-` (at most 128)"
        ))
    }
}

/// Whether the change set creates the stack or updates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackKind {
    New,
    Existing,
}

impl StackKind {
    /// The `ChangeSetType`.
    pub fn as_str(self) -> &'static str {
        match self {
            StackKind::New => "CREATE",
            StackKind::Existing => "UPDATE",
        }
    }
}

/// What a stack in `status` (None: no stack) allows, or why it cannot be deployed now.
pub fn stack_kind(stack: &str, status: Option<&str>) -> Result<StackKind, String> {
    let Some(status) = status else {
        return Ok(StackKind::New);
    };
    match status {
        // A stack created by a change set that was never executed.
        "REVIEW_IN_PROGRESS" => Ok(StackKind::New),
        "ROLLBACK_COMPLETE" => Err(format!(
            "stack {stack} is in ROLLBACK_COMPLETE: its creation failed and was rolled back, and CloudFormation cannot update it; delete it (`slsc destroy --stack {stack}`) and deploy again"
        )),
        "ROLLBACK_FAILED" | "DELETE_FAILED" => Err(format!(
            "stack {stack} is in {status}: delete it (`slsc destroy --stack {stack}`; resources that cannot be deleted are listed in its events) and deploy again"
        )),
        "UPDATE_ROLLBACK_FAILED" => Err(format!(
            "stack {stack} is in UPDATE_ROLLBACK_FAILED: finish the rollback first (`aws cloudformation continue-update-rollback --stack-name {stack}`), then deploy again"
        )),
        s if s.ends_with("_IN_PROGRESS") => Err(format!(
            "stack {stack} is busy ({s}): wait for the running operation to finish, then deploy again"
        )),
        "CREATE_FAILED" => Err(format!(
            "stack {stack} is in CREATE_FAILED: delete it (`slsc destroy --stack {stack}`) and deploy again"
        )),
        _ => Ok(StackKind::Existing),
    }
}

/// The stack operation being followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

pub fn operation(kind: StackKind) -> Operation {
    match kind {
        StackKind::New => Operation::Create,
        StackKind::Existing => Operation::Update,
    }
}

/// Where a stack status leaves an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminal {
    Success,
    Failure,
    Running,
}

/// `CREATE_COMPLETE`/`UPDATE_COMPLETE`/`DELETE_COMPLETE` succeed (for their operation);
/// `ROLLBACK_COMPLETE` and `UPDATE_ROLLBACK_COMPLETE` are failures despite the suffix, as is
/// every `*_FAILED`; `*_IN_PROGRESS` is still running.
pub fn terminal(status: &str, op: Operation) -> Terminal {
    match (status, op) {
        ("CREATE_COMPLETE", Operation::Create)
        | ("UPDATE_COMPLETE", Operation::Update)
        | ("DELETE_COMPLETE", Operation::Delete) => Terminal::Success,
        // An update of a stack created earlier in this run.
        ("UPDATE_COMPLETE", Operation::Create) => Terminal::Success,
        (s, _) if s.ends_with("_IN_PROGRESS") => Terminal::Running,
        _ => Terminal::Failure,
    }
}

fn hex16(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The template's key in the bucket: content-addressed, so an unchanged template is not
/// uploaded twice.
pub fn template_key(stack: &str, template: &[u8]) -> String {
    format!("templates/{stack}-{}.json", hex16(template))
}

/// The `TemplateURL` of an uploaded template: path-style on a custom endpoint, the regional
/// virtual-hosted form on AWS.
pub fn template_url(bucket: &str, key: &str, region: &str, endpoint: Option<&str>) -> String {
    match endpoint {
        Some(e) => format!("{}/{bucket}/{key}", e.trim_end_matches('/')),
        None => {
            let suffix = if region.starts_with("cn-") {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            format!("https://{bucket}.s3.{region}.{suffix}/{key}")
        }
    }
}

/// A change set name unique to this run: `slsc-<unix seconds>-<process id>-<nanoseconds>`.
/// (Names unique per second let two deploys of one stack in the same second share a change
/// set, and both report success.)
pub fn change_set_name(now: std::time::SystemTime, pid: u32) -> String {
    let d = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("slsc-{}-{pid}-{:09}", d.as_secs(), d.subsec_nanos())
}

/// Whether a change set of ours was left by a deploy that no longer runs: older than `timeout`
/// (no deploy waits longer), or made by a process that is not running on this machine (its id
/// is in the name). `alive` says whether a process id runs here.
pub fn abandoned(
    change_set: &str,
    now: std::time::SystemTime,
    timeout: std::time::Duration,
    alive: impl Fn(u32) -> bool,
) -> bool {
    let mut parts = change_set.strip_prefix("slsc-").unwrap_or("").split('-');
    let secs = parts.next().and_then(|s| s.parse::<u64>().ok());
    let pid = parts.next().and_then(|s| s.parse::<u32>().ok());
    let (Some(secs), Some(pid)) = (secs, pid) else {
        return true; // an older slsc's name: `slsc-<seconds>`
    };
    let age = now
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .saturating_sub(std::time::Duration::from_secs(secs));
    age > timeout || !alive(pid)
}

/// Whether a change set name is one slsc makes.
pub fn is_ours(change_set: &str) -> bool {
    change_set.starts_with("slsc-")
}

/// Change set statuses of a change set still being created or ready to execute: one of
/// another deploy in flight.
pub fn in_flight(status: &str, execution: &str) -> bool {
    matches!(status, "CREATE_PENDING" | "CREATE_IN_PROGRESS")
        || (status == "CREATE_COMPLETE" && matches!(execution, "AVAILABLE" | "EXECUTE_IN_PROGRESS"))
}

/// `--artifact-bucket`: a bucket name, also written as `s3://name` or `s3://name/`.
pub fn bucket_name(given: &str) -> Result<String, String> {
    let b = given.trim();
    let b = b.strip_prefix("s3://").unwrap_or(b).trim_end_matches('/');
    let valid = (3..=63).contains(&b.len())
        && b.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        && b.starts_with(|c: char| c.is_ascii_alphanumeric())
        && b.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(b.to_string())
    } else {
        Err(format!(
            "--artifact-bucket {given}: not a bucket name (3–63 lower-case letters, digits, dots and hyphens; `s3://name` is accepted too)"
        ))
    }
}

/// The message when a wait passes its deadline: the stack's state and what to do.
pub fn deadline_passed(
    stack: &str,
    waited_for: &str,
    status: &str,
    timeout: std::time::Duration,
) -> String {
    format!(
        "gave up waiting for {waited_for} after {}s: stack {stack} is {status}. CloudFormation carries on without slsc: watch it in the console or with `aws cloudformation describe-stacks --stack-name {stack}`, and deploy again once it is no longer *_IN_PROGRESS (raise the limit with --timeout)",
        timeout.as_secs()
    )
}

/// What `CreateChangeSet` is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeSetRequest {
    pub stack: String,
    pub name: String,
    pub kind: StackKind,
    pub template_url: String,
    pub capabilities: Vec<String>,
    pub parameters: Vec<(String, String)>,
    pub description: String,
}

impl ChangeSetRequest {
    pub fn new(
        stack: &str,
        name: &str,
        kind: StackKind,
        template_url: &str,
        artifact_bucket: &str,
    ) -> ChangeSetRequest {
        ChangeSetRequest {
            stack: stack.to_string(),
            name: name.to_string(),
            kind,
            template_url: template_url.to_string(),
            // Each function has an unnamed IAM role: CAPABILITY_IAM (never NAMED_IAM).
            capabilities: vec!["CAPABILITY_IAM".to_string()],
            parameters: vec![("ArtifactBucket".to_string(), artifact_bucket.to_string())],
            description: "created by slsc deploy".to_string(),
        }
    }
}

/// Whether the template declares the `ArtifactBucket` parameter (a template without code has
/// none, and CloudFormation refuses a parameter the template does not declare).
pub fn declares_artifact_bucket(template: &[u8]) -> bool {
    serde_json::from_slice::<J>(template)
        .ok()
        .is_some_and(|t| t.pointer("/Parameters/ArtifactBucket").is_some())
}

/// Whether a FAILED change set only means "nothing to change" (AWS's wording, also moto's).
pub fn is_empty_change_set(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

/// What deleting the stack of `template` does to stored data: (kept, lost), each as
/// "LogicalId (Type)".
pub fn destroy_effects(template: &J) -> (Vec<String>, Vec<String>) {
    let (mut kept, mut lost) = (Vec::new(), Vec::new());
    let Some(rs) = template.get("Resources").and_then(J::as_object) else {
        return (kept, lost);
    };
    for (id, r) in rs {
        let t = r.get("Type").and_then(J::as_str).unwrap_or_default();
        let store = crate::plan::tables::rule(crate::emit::Target::CloudFormation, t)
            .store
            .is_some();
        if !store {
            continue;
        }
        let label = format!("{id} ({t})");
        if r.get("DeletionPolicy").and_then(J::as_str) == Some("Retain") {
            kept.push(label);
        } else {
            lost.push(label);
        }
    }
    (kept, lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_states() {
        assert_eq!(stack_kind("s", None), Ok(StackKind::New));
        assert_eq!(
            stack_kind("s", Some("REVIEW_IN_PROGRESS")),
            Ok(StackKind::New)
        );
        assert_eq!(
            stack_kind("s", Some("UPDATE_ROLLBACK_COMPLETE")),
            Ok(StackKind::Existing)
        );
        assert!(stack_kind("s", Some("ROLLBACK_COMPLETE"))
            .unwrap_err()
            .contains("delete it"));
        assert!(stack_kind("s", Some("UPDATE_IN_PROGRESS"))
            .unwrap_err()
            .contains("busy"));
        assert_eq!(
            terminal("ROLLBACK_COMPLETE", Operation::Create),
            Terminal::Failure
        );
        assert_eq!(
            terminal("UPDATE_ROLLBACK_COMPLETE", Operation::Update),
            Terminal::Failure
        );
        assert_eq!(
            terminal("UPDATE_COMPLETE", Operation::Update),
            Terminal::Success
        );
        assert_eq!(
            terminal("CREATE_IN_PROGRESS", Operation::Create),
            Terminal::Running
        );
    }

    #[test]
    fn the_change_set_request() {
        let r = ChangeSetRequest::new("shop-dev", "slsc-1", StackKind::New, "http://x/b/k", "b");
        assert_eq!(r.capabilities, vec!["CAPABILITY_IAM"]);
        assert_eq!(r.kind.as_str(), "CREATE");
        assert_eq!(
            r.parameters,
            vec![("ArtifactBucket".to_string(), "b".to_string())]
        );
        assert_eq!(
            template_url("b", "templates/t.json", "eu-west-1", None),
            "https://b.s3.eu-west-1.amazonaws.com/templates/t.json"
        );
        assert_eq!(
            template_url("b", "k", "eu-west-1", Some("http://127.0.0.1:5000/")),
            "http://127.0.0.1:5000/b/k"
        );
        assert!(valid_stack_name("shop-dev").is_ok());
        assert!(valid_stack_name("1shop").is_err());
    }

    #[test]
    fn change_set_names_are_unique_and_valid() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::new(1_700_000_000, 5);
        let a = change_set_name(t, 41);
        let b = change_set_name(t + std::time::Duration::from_nanos(1), 41);
        let c = change_set_name(t, 42);
        assert_eq!(a, "slsc-1700000000-41-000000005");
        assert!(a != b && a != c && b != c);
        assert!(is_ours(&a));
        for n in [&a, &b, &c] {
            assert!(n.len() <= 128 && n.starts_with(|ch: char| ch.is_ascii_alphabetic()));
            assert!(n.bytes().all(|ch| ch.is_ascii_alphanumeric() || ch == b'-'));
        }
    }

    #[test]
    fn artifact_buckets_are_normalised() {
        assert_eq!(bucket_name("my-bucket").unwrap(), "my-bucket");
        assert_eq!(bucket_name("s3://my-bucket").unwrap(), "my-bucket");
        assert_eq!(bucket_name("s3://my-bucket/").unwrap(), "my-bucket");
        assert!(bucket_name("s3://My_Bucket").is_err());
        assert!(bucket_name("s3://").is_err());
        assert!(bucket_name("s3://b/prefix").is_err());
    }

    #[test]
    fn change_sets_in_flight() {
        assert!(in_flight("CREATE_IN_PROGRESS", "UNAVAILABLE"));
        assert!(in_flight("CREATE_COMPLETE", "AVAILABLE"));
        assert!(!in_flight("CREATE_COMPLETE", "EXECUTE_COMPLETE"));
        assert!(!in_flight("FAILED", "UNAVAILABLE"));
        assert!(!in_flight("CREATE_COMPLETE", "OBSOLETE"));
    }

    #[test]
    fn abandoned_change_sets() {
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(10_000);
        let t = std::time::Duration::from_secs(1800);
        assert!(!abandoned("slsc-9990-7-000000001", now, t, |p| p == 7));
        assert!(
            abandoned("slsc-9990-8-000000001", now, t, |p| p == 7),
            "not running"
        );
        assert!(
            abandoned("slsc-1000-7-000000001", now, t, |p| p == 7),
            "too old"
        );
        assert!(
            abandoned("slsc-9990", now, t, |_| true),
            "an older slsc's name"
        );
    }
}
