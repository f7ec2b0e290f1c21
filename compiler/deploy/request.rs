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

/// A change set name unique per second: `slsc-<unix seconds>`.
pub fn change_set_name(now: std::time::SystemTime) -> String {
    let secs = now
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("slsc-{secs}")
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
}
