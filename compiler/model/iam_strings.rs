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

/// A layer version ARN: `arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION`.
pub fn is_layer_arn(s: &str) -> bool {
    let p: Vec<&str> = s.split(':').collect();
    p.len() == 8
        && p[0] == "arn"
        && p[1].starts_with("aws")
        && p[2] == "lambda"
        && !p[3].is_empty()
        && p[4].len() == 12
        && p[4].bytes().all(|b| b.is_ascii_digit())
        && p[5] == "layer"
        && !p[6].is_empty()
        && p[6]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !p[7].is_empty()
        && p[7].bytes().all(|b| b.is_ascii_digit())
}
