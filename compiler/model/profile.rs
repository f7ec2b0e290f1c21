//! Security settings: the safe defaults, what each block inherits from the `app`, and the
//! strict profile (`app.profile = "strict"`). docs/security.md is the user's page; the table
//! [`SETTINGS`] is what `slsc explain security` prints and docs/checkov.md cites.
//!
//! - **Defaults** cost nothing and are on unless a block turns them off: topics encrypted with
//!   the AWS-managed key, queues with SSE-SQS, buckets versioned (old versions expire), tables
//!   with point-in-time recovery, streams encrypted, HTTP API access logs.
//! - **Trade-offs** the language can say, app-wide (inherited by every block of a kind that does
//!   not set its own) or per block: `kms_key` (a customer-managed key), `vpc`,
//!   `code_signing_config`, `access_logs_bucket`, `tracing`, `log_retention`.
//! - **Strict** turns the trade-offs on: tracing and a year of logs by default; a customer key, a
//!   VPC, a code-signing configuration and an access-log bucket are required at the `app`
//!   block; a block turning a default off is an error at that attribute.

use super::{Block, BlockKind, Model, Value};
use crate::diagnostics::Diagnostic;

/// One security setting: the attribute, where it is written, its default, what strict does,
/// and the checkov checks it answers.
pub struct Setting {
    pub attribute: &'static str,
    /// Where it can be written: `app` and/or the block kinds.
    pub on: &'static str,
    pub default: &'static str,
    pub strict: &'static str,
    pub checks: &'static str,
    pub why: &'static str,
}

pub const SETTINGS: &[Setting] = &[
    Setting { attribute: "encrypted", on: "topic", default: "true: the AWS-managed key `alias/aws/sns` (an alarm's own topic: the app's `kms_key`, else none)", strict: "the customer key; `false` is an error", checks: "CKV_AWS_26", why: "costs nothing; CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed key, so an alarm's topic is encrypted only with a customer key" },
    Setting { attribute: "kms_key", on: "app, function, queue, database, topic, stream, bucket, alarm", default: "none: AWS-owned or AWS-managed keys", strict: "required at `app`", checks: "CKV_AWS_158, CKV_AWS_173, CKV_AWS_119, CKV_AWS_27, CKV_AWS_26, CKV_AWS_185, CKV_AWS_145", why: "a customer-managed key costs $1 a month and per request, and its key policy must let the services (CloudWatch Logs, alarms) use it" },
    Setting { attribute: "(SSE-SQS)", on: "queue", default: "`SqsManagedSseEnabled` unless the queue has a `kms_key`", strict: "the customer key", checks: "CKV_AWS_27", why: "SSE-SQS encrypts at rest with no key to manage, and S3, SNS and EventBridge can still send to the queue" },
    Setting { attribute: "versioning", on: "bucket", default: "true, with `keep_versions` (30 days) for old versions and incomplete uploads aborted after 7 days", strict: "`false` is an error", checks: "CKV_AWS_21, CKV2_AWS_61", why: "an overwritten or deleted object can be restored; the lifecycle bounds what old versions cost" },
    Setting { attribute: "point_in_time_recovery", on: "database", default: "true", strict: "`false` is an error", checks: "CKV_AWS_28", why: "35 days of restore points for the table's data" },
    Setting { attribute: "encrypted", on: "stream", default: "true: the AWS-managed key `alias/aws/kinesis`", strict: "the customer key; `false` is an error", checks: "CKV_AWS_43, CKV_AWS_185", why: "costs nothing but KMS requests" },
    Setting { attribute: "api_access_logs", on: "app", default: "true: the HTTP API's stage logs each request to `/aws/http-api/{app}-{stage}` with the app's retention", strict: "`false` is an error", checks: "CKV_AWS_95, CKV_AWS_76", why: "who called what, and with which status; the WebSocket API is not logged by default: API Gateway needs an account-wide CloudWatch role for it" },
    Setting { attribute: "dead_letter", on: "function", default: "none (`on_failure` is the richer choice); the `missing-async-failure` rule flags an asynchronously invoked function with neither", strict: "the rule is an error", checks: "CKV_AWS_116", why: "a failed asynchronous event is kept instead of dropped after two retries" },
    Setting { attribute: "vpc", on: "app, function", default: "none", strict: "required at `app`", checks: "CKV_AWS_117", why: "a VPC costs NAT gateways or endpoints and cold-start time for functions that only call AWS APIs" },
    Setting { attribute: "code_signing_config", on: "app, function", default: "none", strict: "required at `app`", checks: "CKV_AWS_272", why: "needs an AWS Signer profile and signed artifacts" },
    Setting { attribute: "access_logs_bucket", on: "app, bucket", default: "none", strict: "required at `app`", checks: "CKV_AWS_18", why: "server access logs need a second bucket whose policy lets S3 logging write to it" },
    Setting { attribute: "tracing", on: "app, function", default: "false", strict: "true", checks: "CKV_AWS_50", why: "X-Ray bills per trace past its free tier" },
    Setting { attribute: "log_retention", on: "app", default: "30 days", strict: "365 days; less is an error", checks: "CKV_AWS_338", why: "logs cost per GB stored; compliance retention is a deliberate choice" },
];

/// Whether the app uses the strict profile.
pub fn strict(model: &Model) -> bool {
    model.app.str("profile") == Some("strict")
}

/// The strict profile's defaults on the app (before blocks inherit from it): tracing on, a
/// year of logs.
pub fn apply_profile(app: &mut Block) {
    if app.str("profile") != Some("strict") {
        return;
    }
    for (name, value) in [
        ("tracing", Value::Bool(true)),
        ("log_retention", Value::Number(365.0)),
    ] {
        if let Some(a) = app.attrs.get_mut(name) {
            if a.defaulted {
                a.value = value;
            }
        }
    }
}

/// The security attributes a block takes from the app when it does not set its own.
pub fn inherit(b: &mut Block, app: &Block) {
    let names: &[&str] = match b.kind {
        BlockKind::Function => &["kms_key", "vpc", "code_signing_config"],
        BlockKind::Bucket => &["kms_key", "access_logs_bucket"],
        BlockKind::Queue
        | BlockKind::Database
        | BlockKind::Topic
        | BlockKind::Stream
        | BlockKind::Alarm => &["kms_key"],
        _ => &[],
    };
    for name in names {
        if !b.attrs.contains_key(name) {
            if let Some(a) = super::validate::inherited(app, name) {
                b.attrs.insert(name.to_string(), a);
            }
        }
    }
}

fn key_arn_problem(s: &str, app_region: &str) -> Option<String> {
    let Some((region, _, rest)) = super::iam_strings::arn_parts(s, "kms") else {
        return Some(format!(
            "`{s}` is not a KMS key ARN (`arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`)"
        ));
    };
    let id = rest.strip_prefix("key/").unwrap_or("");
    if id.is_empty() || !id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
        return Some(format!("`{s}` is not a key ARN: CloudWatch Logs and Lambda take a key's ARN (`…:key/KEY-ID`), not an alias"));
    }
    (region != app_region).then(|| format!("the key is in {region}, the app in {app_region}: a log group or function can only use a key of its own region"))
}

fn signing_problem(s: &str) -> Option<String> {
    let ok = super::iam_strings::arn_parts(s, "lambda").is_some_and(|(_, _, rest)| {
        rest.strip_prefix("code-signing-config:csc-")
            .is_some_and(|id| !id.is_empty())
    });
    (!ok).then(|| format!("`{s}` is not a code-signing configuration ARN (`arn:aws:lambda:REGION:ACCOUNT:code-signing-config:csc-ID`)"))
}

/// The security attributes' values (key and signing ARNs), and what the strict profile
/// requires. Each written value is checked where it is written (an inherited one is the app's).
pub fn validate(model: &Model, diags: &mut Vec<Diagnostic>) {
    let region = model.region.as_str();
    for b in std::iter::once(&model.app).chain(&model.blocks) {
        for (name, problem) in [
            (
                "kms_key",
                b.str("kms_key").and_then(|k| key_arn_problem(k, region)),
            ),
            (
                "code_signing_config",
                b.str("code_signing_config").and_then(signing_problem),
            ),
        ] {
            match (problem, b.attrs.get(name)) {
                (Some(p), Some(a)) if !a.defaulted => diags.push(
                    Diagnostic::error("invalid-value", a.span, p)
                        .with_help("docs/security.md lists what each setting takes"),
                ),
                _ => {}
            }
        }
    }
    if strict(model) {
        validate_strict(model, diags);
    }
}

/// What the strict profile requires at the app, and the defaults a block may not turn off.
fn validate_strict(model: &Model, diags: &mut Vec<Diagnostic>) {
    let app = &model.app;
    for (name, example) in [
        (
            "kms_key",
            "kms_key = \"arn:aws:kms:REGION:ACCOUNT:key/KEY-ID\"",
        ),
        (
            "vpc",
            "vpc = { subnet_ids = [\"subnet-…\"], security_group_ids = [\"sg-…\"] }",
        ),
        (
            "code_signing_config",
            "code_signing_config = \"arn:aws:lambda:REGION:ACCOUNT:code-signing-config:csc-…\"",
        ),
        (
            "access_logs_bucket",
            "access_logs_bucket = \"my-org-s3-access-logs\"",
        ),
    ] {
        if !app.attrs.contains_key(name) {
            diags.push(
                Diagnostic::error(
                    "missing-attribute",
                    app.header,
                    format!("the strict profile requires `{name}` in the app block"),
                )
                .with_primary_label(format!("add `{name}` here"))
                .with_help(format!(
                    "add `{example}`, or use `profile = \"default\"` (docs/security.md)"
                )),
            );
        }
    }
    let off = |b: &Block, name: &str, why: &str, diags: &mut Vec<Diagnostic>| {
        if let Some(a) = b.attrs.get(name).filter(|a| !a.defaulted) {
            if a.value == Value::Bool(false) {
                diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        a.span,
                        format!("the strict profile does not allow `{name} = false`"),
                    )
                    .with_help(format!("{why}; remove it, or use `profile = \"default\"`")),
                );
            }
        }
    };
    off(app, "api_access_logs", "every API request is logged", diags);
    off(app, "tracing", "every function is traced", diags);
    if let Some(a) = app.attrs.get("log_retention").filter(|a| !a.defaulted) {
        if app.num("log_retention").is_some_and(|d| d < 365.0) {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    a.span,
                    "the strict profile keeps logs for at least 365 days",
                )
                .with_help("use `log_retention = 365` (or more), or `profile = \"default\"`"),
            );
        }
    }
    for b in &model.blocks {
        match b.kind {
            BlockKind::Bucket => off(b, "versioning", "buckets are versioned", diags),
            BlockKind::Database => off(
                b,
                "point_in_time_recovery",
                "tables keep point-in-time recovery",
                diags,
            ),
            BlockKind::Topic | BlockKind::Stream => {
                off(b, "encrypted", "data is encrypted at rest", diags)
            }
            BlockKind::Function => off(b, "tracing", "every function is traced", diags),
            _ => {}
        }
    }
}

/// The table of settings as text (`slsc explain security`).
pub fn explain() -> String {
    let mut s = String::from("Security settings (docs/security.md; checkov results: docs/checkov.md)\n\nprofile = \"default\" (the default) or \"strict\", in the app block.\n");
    for x in SETTINGS {
        s.push_str(&format!(
            "\n{} ({})\n  default: {}\n  strict:  {}\n  checkov: {}\n  why:     {}\n",
            x.attribute, x.on, x.default, x.strict, x.checks, x.why
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_signing_arns_are_checked() {
        let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(key_arn_problem(key, "eu-west-1"), None);
        assert!(key_arn_problem(key, "us-east-1")
            .unwrap()
            .contains("eu-west-1"));
        assert!(key_arn_problem("alias/aws/sns", "eu-west-1").is_some());
        assert!(
            key_arn_problem("arn:aws:kms:eu-west-1:123456789012:alias/app", "eu-west-1")
                .unwrap()
                .contains("not an alias")
        );
        assert_eq!(
            signing_problem(
                "arn:aws:lambda:eu-west-1:123456789012:code-signing-config:csc-0123456789abcdef0"
            ),
            None
        );
        assert!(signing_problem("csc-0123").is_some());
    }
}
