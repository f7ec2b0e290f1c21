//! The escape hatch (docs/language.md, `resource "NAME"`): a raw CloudFormation and/or
//! Terraform body passed through as written, with deploy-time values rendered for each target;
//! referenced for its `arn` and `id`; a build for a target it has no body for is an error at the
//! block, never a resource silently left out.

mod common;

use common::temp::Temp;
use common::{codes, slsc};
use serde_json::Value;

const APP: &str = "app \"shop\" {\n  region = \"eu-west-1\"\n}\n";

const STREAM: &str = r#"
resource "clicks" {
  cloudformation = {
    type       = "AWS::Kinesis::Stream"
    properties = { StreamModeDetails = { StreamMode = "ON_DEMAND" } }
  }
  terraform = {
    type      = "aws_kinesis_stream"
    arguments = { name = "shop-clicks", stream_mode_details = { stream_mode = "ON_DEMAND" } }
  }
}

function "track" {
  handler     = "track.handler"
  concurrency = 2
  environment = { STREAM = resource.clicks.id }
  permissions = [{ actions = ["kinesis:PutRecord"], resources = [resource.clicks.arn] }]
}
"#;

fn check(src: &str) -> Value {
    common::check_files(&[("main.sls", &format!("{APP}{src}"))])
}

fn diags(json: &Value) -> &Vec<Value> {
    json["diagnostics"].as_array().unwrap()
}

/// Builds `src` for a target through the binary: (exit code, stderr, the main file if built).
fn build(src: &str, target: &str) -> (Option<i32>, String, Option<Value>) {
    let t = Temp::new("raw");
    t.write("main.sls", format!("{APP}{src}").as_bytes());
    let out = slsc(
        &["build", ".", "--target", target, "--out", "out"],
        t.path(),
    );
    let file = if target == "terraform" {
        "main.tf.json"
    } else {
        "template.json"
    };
    let built = std::fs::read(t.path().join("out").join(file))
        .ok()
        .map(|b| serde_json::from_slice(&b).unwrap());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        built,
    )
}

#[test]
fn a_raw_resource_is_passed_through_with_its_references_rendered() {
    assert!(diags(&check(STREAM)).is_empty());
    let (code, err, tpl) = build(STREAM, "cloudformation");
    assert_eq!(code, Some(0), "{err}");
    let tpl = tpl.unwrap();
    let r = &tpl["Resources"]["ClicksResource"];
    assert_eq!(r["Type"], "AWS::Kinesis::Stream");
    assert_eq!(
        r["Properties"]["StreamModeDetails"]["StreamMode"],
        "ON_DEMAND"
    );
    let env = &tpl["Resources"]["TrackFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(
        env["STREAM"],
        serde_json::json!({"Fn::Sub": "${ClicksResource}"})
    );
    let role = tpl["Resources"]["TrackFunctionRole"].to_string();
    assert!(role.contains("${ClicksResource.Arn}"), "{role}");

    let (code, err, tf) = build(STREAM, "terraform");
    assert_eq!(code, Some(0), "{err}");
    let tf = tf.unwrap();
    let k = &tf["resource"]["aws_kinesis_stream"]["clicks"];
    assert_eq!(k["name"], "shop-clicks");
    let text = tf.to_string();
    assert!(text.contains("${aws_kinesis_stream.clicks.arn}"), "{text}");
    assert!(text.contains("${aws_kinesis_stream.clicks.id}"), "{text}");
}

#[test]
fn building_a_target_the_resource_has_no_body_for_is_an_error_at_the_block() {
    let src = "resource \"domain\" {\n  cloudformation = {\n    type = \"AWS::OpenSearchService::Domain\"\n  }\n}\n";
    assert!(diags(&check(src)).is_empty());
    let (code, err, built) = build(src, "terraform");
    assert_eq!(code, Some(1), "{err}");
    assert!(built.is_none());
    assert!(
        err.contains("missing-attribute") && err.contains("has no `terraform` body"),
        "{err}"
    );
    assert!(err.contains("main.sls:4:1"), "{err}");
    let (code, err, _) = build(src, "cloudformation");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn mistakes_in_a_raw_resource() {
    for (src, code, line, text) in [
        ("resource \"r\" {}\n", "missing-attribute", 4, "neither a `cloudformation` nor a `terraform` body"),
        (
            "resource \"r\" {\n  cloudformation = { type = \"Kinesis::Stream\" }\n}\n",
            "invalid-value",
            5,
            "not a CloudFormation resource type",
        ),
        (
            "resource \"r\" {\n  terraform = { type = \"kinesis_stream\" }\n}\n",
            "invalid-value",
            5,
            "not a resource type of the AWS provider",
        ),
        (
            "resource \"r\" {\n  terraform  = { type = \"aws_sqs_queue\" }\n  depends_on = [resource.r]\n}\n",
            "cycle",
            6,
            "depends on itself",
        ),
        (
            "resource \"r\" {\n  terraform = { arguments = {} }\n}\n",
            "missing-attribute",
            5,
            "type",
        ),
        (
            "resource \"r\" {\n  terraform = { type = \"aws_sqs_queue\" }\n}\n\noutput \"o\" {\n  value = resource.r.name\n}\n",
            "unresolved-reference",
            9,
            "resource.r",
        ),
    ] {
        let json = check(src);
        assert_eq!(codes(&json), [code], "{src}: {json:#}");
        let d = &diags(&json)[0];
        assert_eq!(d["line"], line, "{src}: {d}");
        assert!(d.to_string().contains(text), "{src}: {d}");
    }
}
