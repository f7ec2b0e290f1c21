//! What IAM accepts in a policy statement written by the user (`permissions`): actions
//! (`service:Action`, wildcards) and resources (ARNs or `*`, with deploy-time parts such as
//! `${aws.account_id}`). Checked with the attribute's type (`schema::Ty::IamAction`,
//! `Ty::IamResource`), so a mistake is reported at the string that holds it.

use super::value::{AwsValue, Part};

/// Why a permission's resource would be refused: (message, help).
pub fn resource_problem(s: &str) -> Option<(String, &'static str)> {
    if s == "*" {
        return None;
    }
    if unresolved_substitution(s) {
        return Some((
            format!("\"{s}\" contains `${{…}}`, which would reach the template unresolved"),
            "write `${aws.account_id}`, `${aws.partition}` or `${app.region}` (no `$$`): slsc emits them so the target resolves them",
        ));
    }
    let p: Vec<&str> = s.splitn(6, ':').collect();
    if p.len() < 6
        || p[0] != "arn"
        || !p[1].starts_with("aws")
        || p[2].is_empty()
        || p[5].is_empty()
    {
        return Some((
            format!("\"{s}\" is not an ARN"),
            "a resource is an ARN (`arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE`) or \"*\"",
        ));
    }
    None
}

/// Whether a string holds a `${…}` that CloudFormation would not resolve outside `Fn::Sub`: a
/// pseudo parameter (`${AWS::AccountId}`) or a reference (`${MyBucket}`). IAM policy variables
/// (`${aws:username}`, `${aws:PrincipalTag/team}`) are resolved by IAM and allowed.
fn unresolved_substitution(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let body = &rest[i + 2..];
        let end = body.find('}').unwrap_or(body.len());
        let inner = &body[..end];
        if inner.contains("::") || !inner.contains(':') {
            return true;
        }
        rest = &body[end..];
    }
    false
}

/// `service:Action`, `service:Get*`, or `*`.
pub fn is_action(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let Some((service, action)) = s.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !action.is_empty()
        && action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
}

/// Why a deploy-time resource (`"arn:${aws.partition}:kinesis:…:${aws.account_id}:stream/x"`,
/// `queue.jobs.arn`) would be refused: its shape, with every deploy-time part standing for a
/// value of its kind, must be an ARN.
pub fn deploy_resource_problem(parts: &[Part]) -> Option<(String, &'static str)> {
    let mut shaped = String::new();
    for p in parts {
        match p {
            Part::Lit(l) => shaped.push_str(l),
            Part::Aws(AwsValue::AccountId) => shaped.push_str("123456789012"),
            Part::Aws(AwsValue::Partition) => shaped.push_str("aws"),
            Part::Aws(AwsValue::Region) => shaped.push_str("us-east-1"),
            Part::Aws(AwsValue::UrlSuffix) => shaped.push_str("amazonaws.com"),
            Part::Attr(_, a) if a == "arn" || a == "stream_arn" => {
                shaped.push_str("arn:aws:service:us-east-1:123456789012:resource")
            }
            other => {
                return Some((
                    format!("{} is not part of an ARN", other.text()),
                    "a resource is an ARN: build it from literal text, `${aws.partition}`, `${aws.account_id}`, `${app.region}` and blocks' `.arn`",
                ))
            }
        }
    }
    let text: String = parts.iter().map(Part::text).collect();
    resource_problem(&shaped).map(|(m, h)| (m.replace(&shaped, &text), h))
}

/// An ARN of `service` in a region and an account (`arn:PARTITION:SERVICE:REGION:ACCOUNT:REST`):
/// its region, account and the rest (`key/ID`, `layer:NAME:VERSION`…).
pub fn arn_parts<'s>(s: &'s str, service: &str) -> Option<(&'s str, &'s str, &'s str)> {
    let mut p = s.splitn(6, ':');
    let (arn, partition, svc, region, account, rest) = (
        p.next()?,
        p.next()?,
        p.next()?,
        p.next()?,
        p.next()?,
        p.next()?,
    );
    let ok = arn == "arn"
        && partition.starts_with("aws")
        && svc == service
        && !region.is_empty()
        && account.len() == 12
        && account.bytes().all(|c| c.is_ascii_digit());
    ok.then_some((region, account, rest))
}

/// A layer version ARN: `arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION`.
pub fn is_layer_arn(s: &str) -> bool {
    let Some((_, _, rest)) = arn_parts(s, "lambda") else {
        return false;
    };
    let p: Vec<&str> = rest.split(':').collect();
    p.len() == 3
        && p[0] == "layer"
        && !p[1].is_empty()
        && p[1]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !p[2].is_empty()
        && p[2].bytes().all(|b| b.is_ascii_digit())
}
