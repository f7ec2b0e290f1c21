//! The moto harness (tests/common/moto.rs) works against moto's server: S3 buckets and objects,
//! the request recorder, a CloudFormation stack (inline template and TemplateURL) read back
//! through CloudFormation, SQS and DynamoDB, Lambda's REST API, reset, and the environment a
//! child process gets.
//!
//! Needs moto's server (`SLSC_MOTO_SERVER`, else `moto_server` on PATH; `.ci/run` installs it):
//! without it the tests are skipped with a message, except under CI (`CI` set), where they fail.

mod common;

use common::moto::{self, Moto, REGION};

/// One queue and one table, with the queue's URL and the table's name as outputs.
const TEMPLATE: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "harness-queue"}},
    "Table": {
      "Type": "AWS::DynamoDB::Table",
      "Properties": {
        "TableName": "harness-table",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]
      }
    }
  },
  "Outputs": {
    "QueueUrl": {"Value": {"Ref": "Queue"}},
    "TableName": {"Value": {"Ref": "Table"}}
  }
}"#;

#[test]
fn s3_buckets_objects_and_the_recorder() {
    let Some(moto) = Moto::start() else { return };
    assert!(moto.endpoint().starts_with("http://127.0.0.1:"));

    moto.create_bucket("slsc-harness-artifacts", REGION);
    moto.create_bucket("slsc-harness-east", "us-east-1");
    let mut buckets = moto.list_buckets();
    buckets.sort();
    assert_eq!(buckets, ["slsc-harness-artifacts", "slsc-harness-east"]);
    assert_eq!(
        moto.list_objects("slsc-harness-artifacts"),
        Vec::<String>::new()
    );

    moto.put_object("slsc-harness-artifacts", "app/a b+c.zip", b"PK\x03\x04zip");
    moto.put_object("slsc-harness-artifacts", "app/template.json", b"{}");
    assert_eq!(
        moto.list_objects("slsc-harness-artifacts"),
        ["app/a b+c.zip", "app/template.json"]
    );
    assert_eq!(
        moto.get_object("slsc-harness-artifacts", "app/a b+c.zip")
            .as_deref(),
        Some(&b"PK\x03\x04zip"[..])
    );
    assert_eq!(moto.get_object("slsc-harness-artifacts", "missing"), None);
    assert_eq!(moto.get_object("no-such-bucket-here", "k"), None);

    // Nothing is recorded before start_recording; the recording holds exactly what came between
    // start and stop, bodies included.
    assert_eq!(moto.recorded(), Vec::<serde_json::Value>::new());
    moto.start_recording();
    moto.list_objects("slsc-harness-artifacts");
    moto.put_object("slsc-harness-artifacts", "recorded.txt", b"hello recorder");
    moto.cfn("DescribeStacks", &[]);
    moto.stop_recording();
    moto.list_objects("slsc-harness-artifacts");

    let recorded = moto.recorded();
    assert_eq!(
        recorded.iter().map(moto::recorded_call).collect::<Vec<_>>(),
        [
            "s3:GET /slsc-harness-artifacts?list-type=2",
            "s3:PUT /slsc-harness-artifacts/recorded.txt",
            "cloudformation:DescribeStacks",
        ],
        "{recorded:#?}"
    );
    assert_eq!(recorded[1]["method"], "PUT");
    assert_eq!(moto::recorded_body(&recorded[1]), b"hello recorder");
    assert_eq!(
        moto::form_params(&String::from_utf8(moto::recorded_body(&recorded[2])).unwrap()),
        [
            ("Action".to_string(), "DescribeStacks".to_string()),
            ("Version".to_string(), "2010-05-15".to_string())
        ]
    );
    assert!(moto::recorded_header(&recorded[2], "authorization")
        .unwrap()
        .contains("/eu-west-1/cloudformation/aws4_request"));

    // A new recording starts empty.
    moto.start_recording();
    moto.stop_recording();
    assert_eq!(moto.recorded_calls(), Vec::<String>::new());

    moto.reset();
    assert_eq!(moto.list_buckets(), Vec::<String>::new());
}

#[test]
fn a_cloudformation_stack_is_created_and_read_back() {
    let Some(moto) = Moto::start() else { return };
    assert_eq!(moto.stack_status("harness"), None);

    let created = moto.cfn(
        "CreateStack",
        &[("StackName", "harness"), ("TemplateBody", TEMPLATE)],
    );
    let ids = moto::xml_values(&created, "StackId");
    assert_eq!(ids.len(), 1, "{created}");
    assert!(
        ids[0].starts_with("arn:aws:cloudformation:eu-west-1:123456789012:stack/harness/"),
        "{created}"
    );

    // moto creates stacks synchronously.
    assert_eq!(
        moto.stack_status("harness").as_deref(),
        Some("CREATE_COMPLETE")
    );
    let outputs = moto.stack_outputs("harness");
    assert_eq!(
        outputs,
        [
            (
                "QueueUrl".to_string(),
                format!(
                    "https://sqs.eu-west-1.amazonaws.com/{}/harness-queue",
                    moto::ACCOUNT
                )
            ),
            ("TableName".to_string(), "harness-table".to_string()),
        ]
    );
    let resources = moto.cfn("ListStackResources", &[("StackName", "harness")]);
    let mut types = moto::xml_values(&resources, "ResourceType");
    types.sort();
    assert_eq!(types, ["AWS::DynamoDB::Table", "AWS::SQS::Queue"]);

    // The services see the resources (queue URLs point at the server itself).
    assert_eq!(
        moto.sqs_list_queues(),
        [format!(
            "{}/{}/harness-queue",
            moto.endpoint(),
            moto::ACCOUNT
        )]
    );
    assert_eq!(moto.dynamodb_list_tables(), ["harness-table"]);
    assert_eq!(moto.lambda_function_names(), Vec::<String>::new());
    assert_eq!(
        moto.lambda_list_functions(),
        serde_json::json!({"Functions": []})
    );

    // Another region sees none of it.
    let (status, body) = moto.http_request(
        "POST",
        "/",
        &[
            ("Authorization", &moto::auth_header("sqs", "us-east-1")),
            ("Content-Type", "application/x-amz-json-1.0"),
            ("X-Amz-Target", "AmazonSQS.ListQueues"),
        ],
        b"{}",
    );
    assert_eq!((status, body.as_str()), (200, "{}"));

    // An error response comes back as such.
    let (status, body) = moto.cfn_result("DescribeStacks", &[("StackName", "nope")]);
    assert_eq!(status, 400, "{body}");
    assert_eq!(moto::xml_values(&body, "Code"), ["ValidationError"]);

    moto.cfn("DeleteStack", &[("StackName", "harness")]);
    assert_eq!(moto.stack_status("harness"), None);
    assert_eq!(moto.sqs_list_queues(), Vec::<String>::new());

    moto.cfn(
        "CreateStack",
        &[("StackName", "again"), ("TemplateBody", TEMPLATE)],
    );
    assert_eq!(moto.dynamodb_list_tables(), ["harness-table"]);
    moto.reset();
    assert_eq!(moto.stack_status("again"), None);
    assert_eq!(moto.sqs_list_queues(), Vec::<String>::new());
    assert_eq!(moto.dynamodb_list_tables(), Vec::<String>::new());
}

/// moto reads a TemplateURL from its own S3 by parsing the URL: AWS's S3 URL forms work, the
/// server's own path-style URL does not (moto takes the IP's first label for the bucket).
#[test]
fn cloudformation_reads_a_template_url_from_s3() {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("slsc-harness-templates", REGION);
    moto.put_object(
        "slsc-harness-templates",
        "stacks/t.json",
        TEMPLATE.as_bytes(),
    );
    for (i, url) in [
        "https://slsc-harness-templates.s3.eu-west-1.amazonaws.com/stacks/t.json",
        "https://s3.eu-west-1.amazonaws.com/slsc-harness-templates/stacks/t.json",
        "https://slsc-harness-templates.s3.amazonaws.com/stacks/t.json",
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("from-url-{i}");
        moto.cfn("CreateStack", &[("StackName", &name), ("TemplateURL", url)]);
        assert_eq!(
            moto.stack_status(&name).as_deref(),
            Some("CREATE_COMPLETE"),
            "{url}"
        );
        moto.cfn("DeleteStack", &[("StackName", &name)]);
    }
    let own = format!("{}/slsc-harness-templates/stacks/t.json", moto.endpoint());
    let (status, body) = moto.cfn_result(
        "CreateStack",
        &[("StackName", "from-own-url"), ("TemplateURL", &own)],
    );
    assert_ne!(status, 200, "{body}");
    assert_eq!(moto::xml_values(&body, "BucketName"), ["127"], "{body}");
}

/// The environment of a child process: moto's fake credentials and endpoint, nothing from the
/// host.
#[test]
fn a_child_gets_the_moto_environment() {
    let Some(moto) = Moto::start_in("us-west-2") else {
        return;
    };
    let envs = moto.envs();
    let get = |k: &str| {
        envs.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {k} in {envs:?}"))
    };
    assert_eq!(get("AWS_REGION"), "us-west-2");
    assert_eq!(get("AWS_DEFAULT_REGION"), "us-west-2");
    assert_eq!(get("AWS_ACCESS_KEY_ID"), "testing");
    assert_eq!(get("AWS_SECRET_ACCESS_KEY"), "testing");
    assert_eq!(get("AWS_EC2_METADATA_DISABLED"), "true");
    assert_eq!(get("AWS_ENDPOINT_URL"), moto.endpoint());
    for file in ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"] {
        assert!(!std::path::Path::new(&get(file)).exists(), "{file}");
    }
    assert_eq!(
        moto.envs_in("ap-south-1")
            .iter()
            .find(|(k, _)| *k == "AWS_REGION")
            .unwrap()
            .1,
        "ap-south-1"
    );

    let out = moto.command("env").output().expect("env runs");
    let seen = String::from_utf8(out.stdout).unwrap();
    assert!(seen.contains("AWS_ACCESS_KEY_ID=testing\n"), "{seen}");
    assert!(
        seen.contains(&format!("AWS_ENDPOINT_URL={}\n", moto.endpoint())),
        "{seen}"
    );
    assert!(!seen.contains("AWS_SESSION_TOKEN="), "{seen}");

    // The helpers use the server's region.
    moto.create_bucket("slsc-harness-west", "us-west-2");
    let created = moto.cfn(
        "CreateStack",
        &[("StackName", "west"), ("TemplateBody", TEMPLATE)],
    );
    assert!(
        created.contains("arn:aws:cloudformation:us-west-2:"),
        "{created}"
    );
    assert_eq!(moto.dynamodb_list_tables(), ["harness-table"]);
}
