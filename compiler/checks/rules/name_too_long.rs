//! `name-too-long`: a physical name over the AWS service's limit.

use crate::checks::{Check, Ctx, Level, Rule};
use crate::model::{BlockKind, TriggerSource};

pub const RULE: Rule = Rule {
    check: Check::Model(check),
    name: "name-too-long",
    level: Level::Deny,
    hard: true,
    summary:
        "A computed physical name (`{app}-{stage}-{name}`) is longer than the AWS service allows.",
    doc: r#"
## What it does
Computes every physical name — `{app}-{stage}-{name}`, with `.fifo` for FIFO queues and topics,
and `-{account id}` for buckets, or the explicit `name` when a block has one — and compares it with the service's limit: Lambda functions and
EventBridge rules 64 characters, SQS queues 80, S3 buckets 63, DynamoDB tables and CloudWatch
alarms 255, SNS topics 256. The message shows the computed name.

## Why is this bad?
AWS refuses the name when the stack is created, typically only in the stage with the longest
name (`pr-1234` works, `production-eu` does not).

## Example
```hcl
app "customer_notifications" { }
function "send_order_confirmation_email_to_customer" { handler = "h.h" }
# customer_notifications-production-send_order_confirmation_email_to_customer: 73 > 64
```

## Use instead
Shorten the block name, the app name or the stage.
"#,
};

fn check(cx: &mut Ctx) {
    let model = cx.model;
    let mut found = Vec::new();
    for b in &model.blocks {
        let name = || model.physical_name(b.kind, &b.name);
        let (name, limit, what) = match b.kind {
            BlockKind::Function => (name(), 64, "a Lambda function name"),
            BlockKind::Queue => (name(), 80, "an SQS queue name"),
            BlockKind::Database => (name(), 255, "a DynamoDB table name"),
            BlockKind::Topic => (name(), 256, "an SNS topic name"),
            BlockKind::Bucket => {
                let n = model.bucket_name(&b.name);
                if n.account_suffix {
                    (
                        format!("{}-123456789012", n.base),
                        63,
                        "an S3 bucket name (with the 12-digit account id)",
                    )
                } else {
                    (n.base, 63, "an S3 bucket name")
                }
            }
            BlockKind::Alarm => (name(), 255, "a CloudWatch alarm name"),
            BlockKind::Stream => (name(), 128, "a Kinesis stream name"),
            BlockKind::Layer => (name(), 140, "a Lambda layer name"),
            BlockKind::Trigger
                if matches!(
                    model.trigger_sources.get(&b.name),
                    Some(TriggerSource::Schedule(_))
                ) =>
            {
                (name(), 64, "an EventBridge rule name")
            }
            _ => continue,
        };
        let len = name.chars().count();
        if len > limit {
            found.push((b.name_span, name, len, limit, what));
        }
    }
    for (span, name, len, limit, what) in found {
        cx.report(
            &RULE,
            span,
            format!("the physical name \"{name}\" is {len} characters; {what} is at most {limit}"),
        )
        .help = Some(format!(
            "shorten the block name, the app name or the stage by {} character{}",
            len - limit,
            if len - limit == 1 { "" } else { "s" }
        ));
    }
}
