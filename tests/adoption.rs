//! Adopting a deployed Serverless Framework stack (docs/migrating.md): the template of
//! `serverless package` (serverless@3, offline: tests/common/serverless.rs) is created as a stack
//! on moto; `slsc import` turns the service into a project; `slsc plan --stack` on it shows no
//! replacement and no data loss for any table, bucket, queue, topic, stream or log group; and
//! `slsc deploy` into the same stack succeeds, keeping each of them (same physical ID).

mod common;

use common::moto::{xml_values, Moto};
use common::temp::Temp;
use serde_json::{json, Value};

/// The stateful types: nothing of these may be replaced or deleted.
const STATEFUL: [&str; 6] = [
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::Kinesis::Stream",
    "AWS::Logs::LogGroup",
];

/// A one-file zip for the functions' code.
fn tiny_zip() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    zip.start_file("handler.js", options).unwrap();
    zip.write_all(b"exports.handler = async () => ({});\n")
        .unwrap();
    zip.finish().unwrap().into_inner()
}

/// The stack's stateful resources: (logical ID, type, physical ID), sorted.
fn stateful(moto: &Moto, stack: &str) -> Vec<(String, String, String)> {
    let body = moto.cfn("DescribeStackResources", &[("StackName", stack)]);
    let one = |m: &str, tag: &str| xml_values(m, tag).into_iter().next().unwrap_or_default();
    let mut out: Vec<_> = xml_values(&body, "member")
        .iter()
        .map(|m| {
            (
                one(m, "LogicalResourceId"),
                one(m, "ResourceType"),
                one(m, "PhysicalResourceId"),
            )
        })
        .filter(|(_, t, _)| STATEFUL.contains(&t.as_str()))
        .collect();
    out.sort();
    out
}

/// Creates Serverless's stack (in moto's region), imports the service, plans and deploys it.
fn adopt(moto: &Moto, service: &str, stack: &str) {
    let dir = common::serverless::corpus_dir().join(service);
    let mut tpl = common::serverless::package(&dir).unwrap_or_else(|e| panic!("{service}: {e}"));
    // The functions' code, from a bucket the test fills (Serverless would upload it to the
    // stack's own deployment bucket when deploying).
    moto.create_bucket("sls-code", moto.region());
    moto.put_object("sls-code", "code.zip", &tiny_zip());
    for r in tpl["Resources"].as_object_mut().unwrap().values_mut() {
        if r["Type"] == "AWS::Lambda::Function" {
            r["Properties"]["Code"] = json!({"S3Bucket": "sls-code", "S3Key": "code.zip"});
        }
    }
    // moto 5.2.5 cannot create a method with a MOCK integration (no `Uri`): Serverless's CORS
    // `OPTIONS` methods are left out of the stack (they hold nothing).
    let resources = tpl["Resources"].as_object_mut().unwrap();
    let mocks: Vec<String> = resources
        .iter()
        .filter(|(_, r)| r["Properties"]["Integration"]["Type"] == "MOCK")
        .map(|(id, _)| id.clone())
        .collect();
    for id in &mocks {
        resources.remove(id);
    }
    for r in resources.values_mut() {
        if let Some(d) = r.get_mut("DependsOn").and_then(Value::as_array_mut) {
            d.retain(|x| !mocks.iter().any(|m| x == m));
        }
    }
    let (status, body) = moto.cfn_result(
        "CreateStack",
        &[
            ("StackName", stack),
            ("TemplateBody", &tpl.to_string()),
            ("Capabilities.member.1", "CAPABILITY_NAMED_IAM"),
        ],
    );
    let log = moto.log();
    let tail = &log[log.len().saturating_sub(1500)..];
    assert_eq!(status, 200, "{service}: CreateStack: {body}\n{tail}");
    assert_eq!(moto.stack_status(stack).as_deref(), Some("CREATE_COMPLETE"));
    let before = stateful(moto, stack);

    assert!(
        !before.is_empty(),
        "{service}: the stack holds stateful resources"
    );
    let stamps: std::collections::BTreeMap<String, Option<String>> = before
        .iter()
        .map(|(id, t, p)| (id.clone(), created(moto, t, p)))
        .collect();

    let tmp = Temp::new("adopt");
    let yml = dir.join("serverless.yml");
    let o = moto.slsc(
        &["import", yml.to_str().unwrap(), "--out", "project"],
        tmp.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // `localhost`: moto reads a template URL's bucket from the path only for that host.
    let endpoint = format!("http://localhost:{}", moto.port());
    let o = moto.slsc(
        &[
            "plan",
            "project",
            "--stack",
            stack,
            "--endpoint-url",
            &endpoint,
            "--format",
            "json",
        ],
        tmp.path(),
    );
    let plan: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{service}: {e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(plan["summary"]["data_loss"], 0, "{service}: {plan:#}");
    for c in plan["changes"].as_array().unwrap() {
        let t = c["type"].as_str().unwrap_or_default();
        if STATEFUL.contains(&t) {
            assert!(
                !matches!(c["action"].as_str(), Some("replace" | "delete")),
                "{service}: {} {} is {}: {c:#}",
                t,
                c["logical_id"],
                c["action"]
            );
        }
    }
    let o = moto.slsc(
        &[
            "deploy",
            "project",
            "--stack",
            stack,
            "--endpoint-url",
            &endpoint,
            "--artifact-bucket",
            "sls-code",
            "--yes",
        ],
        tmp.path(),
    );
    if o.status.code() != Some(0) {
        let log = moto.log();
        let tail = &log[log.len().saturating_sub(6000)..];
        panic!(
            "{service}: deploy failed: {}\nmoto: {tail}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(moto.stack_status(stack).as_deref(), Some("UPDATE_COMPLETE"));
    // Every table, bucket, topic and log group is still there, the same one: its creation time
    // has not changed. (moto's stack no longer lists some of them after a change set — its
    // bookkeeping — so they are looked up in their services.)
    for (id, type_, physical) in &before {
        if id == "ServerlessDeploymentBucket" {
            continue;
        }
        let now = created(moto, type_, physical);
        assert!(
            now.is_some(),
            "{service}: {id} ({type_} {physical}) is gone"
        );
        assert_eq!(
            now, stamps[id],
            "{service}: {id} ({type_} {physical}) was recreated"
        );
    }
}

/// When a stateful resource was created (`None` when it does not exist).
fn created(moto: &Moto, type_: &str, physical: &str) -> Option<String> {
    match type_ {
        "AWS::DynamoDB::Table" => {
            let (status, body) = moto.signed(
                "dynamodb",
                "POST",
                "/",
                &[
                    ("Content-Type", "application/x-amz-json-1.0"),
                    ("X-Amz-Target", "DynamoDB_20120810.DescribeTable"),
                ],
                json!({"TableName": physical}).to_string().as_bytes(),
            );
            let t: Value = serde_json::from_str(&body).ok()?;
            (status == 200).then(|| t["Table"]["CreationDateTime"].to_string())
        }
        "AWS::Logs::LogGroup" => {
            let r = moto.json_api(
                "logs",
                "Logs_20140328.DescribeLogGroups",
                &json!({"logGroupNamePrefix": physical}),
            );
            r["logGroups"]
                .as_array()?
                .iter()
                .find(|g| g["logGroupName"] == physical)
                .map(|g| g["creationTime"].to_string())
        }
        "AWS::S3::Bucket" => {
            let (_, body) = moto.signed("s3", "GET", "/", &[], b"");
            let names = xml_values(&body, "Name");
            let dates = xml_values(&body, "CreationDate");
            names
                .iter()
                .position(|n| n == physical)
                .map(|i| dates[i].clone())
        }
        "AWS::SNS::Topic" => {
            let body = moto.query("sns", "2010-03-31", "ListTopics", &[]).1;
            xml_values(&body, "TopicArn")
                .contains(&physical.to_string())
                .then(|| "exists".to_string())
        }
        _ => Some("exists".to_string()),
    }
}

#[test]
fn a_deployed_serverless_stack_is_adopted_without_replacing_what_holds_data() {
    let Some(_) = common::serverless::bin_or_skip() else {
        return;
    };
    if !common::serverless::corpus_dir().is_dir() {
        assert!(std::env::var_os("CI").is_none(), "the corpus is missing");
        return;
    }
    // (service, its stack, the region serverless.yml deploys it to)
    for (service, stack, region) in [
        // A DynamoDB table (provisioned) and REST API routes.
        (
            "aws-node-rest-api-with-dynamodb",
            "serverless-rest-api-with-dynamodb-dev",
            "us-east-1",
        ),
        // The topic Serverless creates for an `sns` event.
        (
            "aws-node-text-analysis-via-sns-post-processing",
            "text-analysis-via-sns-post-processing-dev",
            "us-east-1",
        ),
        // The bucket Serverless creates for an `s3` event.
        (
            "aws-node-ses-receive-email-body",
            "aws-node-ses-receive-email-body-dev",
            "eu-west-1",
        ),
    ] {
        let Some(moto) = Moto::start_in(region) else {
            return;
        };
        adopt(&moto, service, stack);
    }
}
