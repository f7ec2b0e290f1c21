//! The grant table: which IAM actions each edge of the resource graph needs, on which ARN.
//!
//! This is data, shared by the CloudFormation and Terraform emitters and documented in
//! `docs/iam.md` (a test checks every action against AWS's IAM action list). A function's
//! statements are derived only from the graph: its data edges (reads, writes, sends, invokes,
//! on_failure, manages_connections), the trigger edges that need the function's role (queue polling, stream reading),
//! its `secret()`/`ssm()` values, its own log group, and `tracing`/`vpc`. slsc never generates an
//! `*` action; `"Resource": "*"` appears only for X-Ray and EC2 network interfaces, which have
//! no resource-level permissions.

use crate::graph::{EdgeKind, Graph, NodeKind};
use crate::model::{Block, BlockKind, BucketName, Model, Part, Value};

/// An ARN, independent of the target: the emitters turn it into `Fn::Sub` or `${…}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Arn {
    Function(String),
    Queue(String),
    Table(String),
    /// `table/NAME/index/*`
    TableIndexes(String),
    /// `table/NAME/stream/*`
    TableStreams(String),
    /// The bucket itself (ListBucket).
    Bucket(BucketName),
    /// Objects under a prefix (`""` = every object).
    BucketObjects(BucketName, String),
    Topic(String),
    /// A Kinesis data stream (by physical name).
    Stream(String),
    LogGroup(String),
    /// The connections of the WebSocket API's stage (by stage name).
    Connections(String),
    Secret(String),
    Parameter(String),
    /// No resource-level permissions (X-Ray, EC2 network interfaces).
    Any,
    /// A user `permissions` resource, emitted as written.
    Literal(String),
    /// A user `permissions` resource with deploy-time parts (`${aws.account_id}`, `queue.q.arn`).
    Pieces(Vec<super::shared::Piece>),
}

/// One IAM statement (Allow).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Statement {
    pub actions: Vec<String>,
    pub resources: Vec<Arn>,
    /// `s3:prefix` condition for ListBucket narrowed to a prefix.
    pub list_prefix: Option<String>,
}

/// A row of the grant table.
pub struct Grant {
    pub edge: &'static str,
    pub target: &'static str,
    pub actions: &'static [&'static str],
    pub arn: &'static str,
}

pub const DYNAMODB_READ: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
];
pub const DYNAMODB_WRITE: &[&str] = &[
    "dynamodb:BatchWriteItem",
    "dynamodb:DeleteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];
pub const S3_READ: &[&str] = &["s3:GetObject"];
pub const S3_WRITE: &[&str] = &["s3:DeleteObject", "s3:PutObject"];
pub const S3_LIST: &[&str] = &["s3:ListBucket"];
pub const SQS_SEND: &[&str] = &["sqs:SendMessage"];
pub const SQS_CONSUME: &[&str] = &[
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
];
pub const SNS_PUBLISH: &[&str] = &["sns:Publish"];
pub const LAMBDA_INVOKE: &[&str] = &["lambda:InvokeFunction"];
pub const STREAM_READ: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];
pub const KINESIS_PUT: &[&str] = &["kinesis:PutRecord", "kinesis:PutRecords"];
pub const KINESIS_READ: &[&str] = &[
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
];
pub const LOGS_WRITE: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];
pub const SECRET_READ: &[&str] = &["secretsmanager:GetSecretValue"];
pub const SSM_READ: &[&str] = &["ssm:GetParameter"];
pub const MANAGE_CONNECTIONS: &[&str] = &["execute-api:ManageConnections"];
pub const XRAY: &[&str] = &["xray:PutTelemetryRecords", "xray:PutTraceSegments"];
pub const KMS_USE: &[&str] = &["kms:Decrypt", "kms:GenerateDataKey"];
pub const VPC: &[&str] = &[
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:UnassignPrivateIpAddresses",
];

/// The grant table, as documented in docs/iam.md.
pub const TABLE: &[Grant] = &[
    Grant {
        edge: "reads",
        target: "database",
        actions: DYNAMODB_READ,
        arn: "table/NAME, table/NAME/index/*",
    },
    Grant {
        edge: "writes",
        target: "database",
        actions: DYNAMODB_WRITE,
        arn: "table/NAME, table/NAME/index/* (plus the reads row)",
    },
    Grant {
        edge: "reads",
        target: "bucket",
        actions: S3_READ,
        arn: "BUCKET/PREFIX* (every object without prefix())",
    },
    Grant {
        edge: "reads",
        target: "bucket (list)",
        actions: S3_LIST,
        arn: "BUCKET, with an s3:prefix condition under prefix()",
    },
    Grant {
        edge: "writes",
        target: "bucket",
        actions: S3_WRITE,
        arn: "BUCKET/PREFIX* (plus the reads rows)",
    },
    Grant {
        edge: "sends",
        target: "queue",
        actions: SQS_SEND,
        arn: "queue ARN",
    },
    Grant {
        edge: "sends",
        target: "topic",
        actions: SNS_PUBLISH,
        arn: "topic ARN",
    },
    Grant {
        edge: "invokes",
        target: "function",
        actions: LAMBDA_INVOKE,
        arn: "function ARN",
    },
    Grant {
        edge: "on_failure",
        target: "queue",
        actions: SQS_SEND,
        arn: "queue ARN",
    },
    Grant {
        edge: "on_failure",
        target: "topic",
        actions: SNS_PUBLISH,
        arn: "topic ARN",
    },
    Grant {
        edge: "trigger from",
        target: "queue",
        actions: SQS_CONSUME,
        arn: "queue ARN",
    },
    Grant {
        edge: "sends",
        target: "stream",
        actions: KINESIS_PUT,
        arn: "stream ARN",
    },
    Grant {
        edge: "trigger from",
        target: "stream",
        actions: KINESIS_READ,
        arn: "stream ARN",
    },
    Grant {
        edge: "trigger from",
        target: "database stream",
        actions: STREAM_READ,
        arn: "table/NAME/stream/*",
    },
    Grant {
        edge: "secret()",
        target: "Secrets Manager",
        actions: SECRET_READ,
        arn: "secret:NAME-??????",
    },
    Grant {
        edge: "ssm()",
        target: "Parameter Store",
        actions: SSM_READ,
        arn: "parameter/PATH",
    },
    Grant {
        edge: "(always)",
        target: "own log group",
        actions: LOGS_WRITE,
        arn: "log-group:/aws/lambda/FUNCTION:*",
    },
    Grant {
        edge: "manages_connections = true",
        target: "WebSocket API connections",
        actions: MANAGE_CONNECTIONS,
        arn: "API_ID/STAGE/*/@connections/* (execute-api)",
    },
    Grant {
        edge: "tracing = true",
        target: "X-Ray",
        actions: XRAY,
        arn: "* (no resource-level permissions)",
    },
    Grant {
        edge: "vpc",
        target: "EC2 network interfaces",
        actions: VPC,
        arn: "* (no resource-level permissions)",
    },
    Grant {
        edge: "any edge or trigger",
        target: "a block with a customer `kms_key`",
        actions: KMS_USE,
        arn: "the key's ARN, as written",
    },
];

/// Every action slsc may generate (for the test against AWS's action list).
pub fn all_actions() -> Vec<&'static str> {
    let mut v: Vec<&str> = TABLE
        .iter()
        .flat_map(|g| g.actions.iter().copied())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn push(
    out: &mut Vec<Statement>,
    actions: &[&'static str],
    resources: Vec<Arn>,
    list_prefix: Option<String>,
) {
    let actions: Vec<String> = actions.iter().map(|a| a.to_string()).collect();
    // Merge with an existing statement of the same actions and condition.
    if let Some(s) = out
        .iter_mut()
        .find(|s| s.actions == actions && s.list_prefix == list_prefix)
    {
        for r in resources {
            if !s.resources.contains(&r) {
                s.resources.push(r);
            }
        }
        return;
    }
    out.push(Statement {
        actions,
        resources,
        list_prefix,
    });
}

/// The statements of a function's role, in a stable order.
pub fn statements(model: &Model, graph: &Graph, f: &Block) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::new();
    let fname = model.physical_name(BlockKind::Function, &f.name);
    push(&mut out, LOGS_WRITE, vec![Arn::LogGroup(fname)], None);
    for (node, edge) in graph.grants(&f.name) {
        let phys = |kind| model.physical_name(kind, &node.name);
        match (edge.kind, node.kind) {
            (EdgeKind::Reads | EdgeKind::Writes, NodeKind::Database) => {
                let phys = phys(BlockKind::Database);
                push(
                    &mut out,
                    DYNAMODB_READ,
                    vec![Arn::Table(phys.clone()), Arn::TableIndexes(phys.clone())],
                    None,
                );
                if edge.kind == EdgeKind::Writes {
                    push(
                        &mut out,
                        DYNAMODB_WRITE,
                        vec![Arn::Table(phys.clone()), Arn::TableIndexes(phys)],
                        None,
                    );
                }
            }
            (EdgeKind::Reads | EdgeKind::Writes, NodeKind::Bucket) => {
                let phys = model.bucket_name(&node.name);
                let prefix = edge.prefix.clone().unwrap_or_default();
                push(
                    &mut out,
                    S3_READ,
                    vec![Arn::BucketObjects(phys.clone(), prefix.clone())],
                    None,
                );
                push(
                    &mut out,
                    S3_LIST,
                    vec![Arn::Bucket(phys.clone())],
                    (!prefix.is_empty()).then(|| format!("{prefix}*")),
                );
                if edge.kind == EdgeKind::Writes {
                    push(
                        &mut out,
                        S3_WRITE,
                        vec![Arn::BucketObjects(phys, prefix)],
                        None,
                    );
                }
            }
            (EdgeKind::Sends | EdgeKind::OnFailure, NodeKind::Queue) => push(
                &mut out,
                SQS_SEND,
                vec![Arn::Queue(phys(BlockKind::Queue))],
                None,
            ),
            (EdgeKind::Sends | EdgeKind::OnFailure, NodeKind::Topic) => push(
                &mut out,
                SNS_PUBLISH,
                vec![Arn::Topic(phys(BlockKind::Topic))],
                None,
            ),
            (EdgeKind::Invokes, NodeKind::Function) => push(
                &mut out,
                LAMBDA_INVOKE,
                vec![Arn::Function(phys(BlockKind::Function))],
                None,
            ),
            (EdgeKind::Sends, NodeKind::Stream) => push(
                &mut out,
                KINESIS_PUT,
                vec![Arn::Stream(phys(BlockKind::Stream))],
                None,
            ),
            (EdgeKind::Manages, NodeKind::Websocket) => push(
                &mut out,
                MANAGE_CONNECTIONS,
                vec![Arn::Connections(model.stage.clone())],
                None,
            ),
            _ => {}
        }
    }
    trigger_grants(model, graph, f, &mut out);
    // secret() and ssm() values.
    if let Some(Value::Object(env)) = f.get("environment") {
        for v in env.values() {
            if let Value::Deploy(parts) = v {
                for p in parts {
                    match p {
                        Part::Secret(s) => {
                            push(&mut out, SECRET_READ, vec![Arn::Secret(s.clone())], None)
                        }
                        Part::Ssm(s) => {
                            push(&mut out, SSM_READ, vec![Arn::Parameter(s.clone())], None)
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    let keys = customer_keys(model, graph, f);
    if !keys.is_empty() {
        push(&mut out, KMS_USE, keys, None);
    }
    if f.bool("tracing") == Some(true) {
        push(&mut out, XRAY, vec![Arn::Any], None);
    }
    if f.attrs.contains_key("vpc") {
        push(&mut out, VPC, vec![Arn::Any], None);
    }
    for s in &mut out {
        s.resources.sort();
    }
    user_permissions(model, f, &mut out);
    out
}

/// The customer-managed keys (`kms_key`) of the blocks a function uses or is triggered by: its
/// role reads and writes their encrypted data (queues, topics, tables, streams, buckets).
fn customer_keys(model: &Model, graph: &Graph, f: &Block) -> Vec<Arn> {
    let Some(n) = graph.node(NodeKind::Function, &f.name) else {
        return Vec::new();
    };
    let outgoing = graph.outgoing(n).into_iter().map(|(_, to, _)| to);
    let incoming = graph
        .incoming(n)
        .into_iter()
        .filter(|(_, _, e)| e.kind == EdgeKind::Trigger)
        .map(|(_, from, _)| from);
    let mut keys: Vec<Arn> = outgoing
        .chain(incoming)
        .filter_map(|i| {
            let node = &graph.graph[i];
            let kind = match node.kind {
                NodeKind::Queue => BlockKind::Queue,
                NodeKind::Topic => BlockKind::Topic,
                NodeKind::Database => BlockKind::Database,
                NodeKind::Stream => BlockKind::Stream,
                NodeKind::Bucket => BlockKind::Bucket,
                _ => return None,
            };
            let key = model.find(kind, &node.name)?.str("kms_key")?;
            Some(Arn::Literal(key.to_string()))
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// What a function's triggers need from its role: polling queues, reading streams.
fn trigger_grants(model: &Model, graph: &Graph, f: &Block, out: &mut Vec<Statement>) {
    if let Some(n) = graph.node(NodeKind::Function, &f.name) {
        for (_, from, e) in graph.incoming(n) {
            if e.kind != EdgeKind::Trigger {
                continue;
            }
            let src = &graph.graph[from];
            match src.kind {
                NodeKind::Queue => push(
                    out,
                    SQS_CONSUME,
                    vec![Arn::Queue(model.physical_name(BlockKind::Queue, &src.name))],
                    None,
                ),
                NodeKind::Database => push(
                    out,
                    STREAM_READ,
                    vec![Arn::TableStreams(
                        model.physical_name(BlockKind::Database, &src.name),
                    )],
                    None,
                ),
                NodeKind::Stream => push(
                    out,
                    KINESIS_READ,
                    vec![Arn::Stream(
                        model.physical_name(BlockKind::Stream, &src.name),
                    )],
                    None,
                ),
                _ => {}
            }
        }
    }
}

/// User `permissions`, as written, one statement per entry, after the generated ones.
fn user_permissions(model: &Model, f: &Block, out: &mut Vec<Statement>) {
    if let Some(Value::List(perms)) = f.get("permissions") {
        for p in perms {
            let strings = |k: &str| -> Vec<String> {
                p.get(k)
                    .map(|l| {
                        l.as_list()
                            .iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let resources = p.get("resources").map(Value::as_list).unwrap_or_default();
            out.push(Statement {
                actions: strings("actions"),
                resources: resources
                    .iter()
                    .filter_map(|r| match r {
                        Value::String(s) => Some(Arn::Literal(s.clone())),
                        Value::Deploy(parts) => {
                            Some(Arn::Pieces(super::shared::deploy_pieces(model, parts)))
                        }
                        _ => None,
                    })
                    .collect(),
                list_prefix: None,
            });
        }
    }
}

/// The grant table as Markdown (docs/iam.md is generated from it; a test checks they agree).
pub fn table_markdown() -> String {
    let mut s = String::from(
        "# IAM grants\n\nEach function gets its own unnamed role. Its inline policy is derived from the resource\ngraph only, with this table (generated from `compiler/emit/iam.rs`; a test fails when they\ndrift, and another checks every action against AWS's IAM action list as shipped by cfn-lint).\nslsc never generates an `*` action; `\"Resource\": \"*\"` appears only where AWS has no\nresource-level permissions. User `permissions` are added as written.\n\n| edge | resource | actions | resource ARN |\n|---|---|---|---|\n",
    );
    for g in TABLE {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            g.edge,
            g.target,
            g.actions
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", "),
            g.arn
        ));
    }
    s.push_str(
        "\nARNs are built with `Fn::Sub` from the resources' physical names (`{app}-{stage}-{name}`),\nso a role never depends on the resources it is granted (no dependency cycles). Statements with\nthe same actions are merged; resources are sorted. A bucket narrowed with\n`prefix(bucket.X, \"p/\")` is granted objects under `p/*` only, and `s3:ListBucket` with an\n`s3:prefix` condition `p/*`.\n",
    );
    s
}
