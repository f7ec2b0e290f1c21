//! Kinesis data streams (`stream "NAME"`): a block, a `sends` target and a trigger source that
//! closes loops like a table's stream.

mod common;

use common::codes;
use serde_json::Value;

const BASE: &str =
    "app \"shop\" {\n  region = \"eu-west-1\"\n}\n\nstream \"clicks\" {}\n\nqueue \"failed\" {}\n";

fn check(extra: &str) -> Value {
    common::check(&format!("{BASE}{extra}"))
}

#[test]
fn a_stream_trigger_builds_with_its_grants() {
    let src = "\nfunction \"track\" {\n  handler     = \"t.handler\"\n  concurrency = 2\n  sends       = [stream.clicks]\n}\n\nfunction \"count\" {\n  handler     = \"c.handler\"\n  concurrency = 2\n}\n\ntrigger \"clicks\" {\n  function          = function.count\n  source            = stream.clicks\n  parallelization   = 4\n  starting_position = \"trim_horizon\"\n  on_failure        = queue.failed\n}\n";
    let json = check(src);
    assert!(
        json["diagnostics"].as_array().unwrap().is_empty(),
        "{json:#}"
    );
    let t = common::temp::Temp::new("streams");
    t.write("main.sls", format!("{BASE}{src}").as_bytes());
    let tpl = common::build::main_json(t.path(), "cloudformation");
    let r = &tpl["Resources"];
    assert_eq!(
        r["ClicksStream"]["Properties"]["StreamModeDetails"]["StreamMode"],
        "ON_DEMAND"
    );
    assert_eq!(
        r["ClicksStream"]["Properties"]["StreamEncryption"]["KeyId"],
        "alias/aws/kinesis"
    );
    let esm = &r["ClicksEventSourceMapping"]["Properties"];
    assert_eq!(esm["ParallelizationFactor"], 4);
    assert_eq!(
        esm["EventSourceArn"],
        serde_json::json!({"Fn::GetAtt": ["ClicksStream", "Arn"]})
    );
    let producer = r["TrackFunctionRole"].to_string();
    assert!(
        producer.contains("kinesis:PutRecords") && producer.contains("stream/shop-dev-clicks"),
        "{producer}"
    );
    let consumer = r["CountFunctionRole"].to_string();
    assert!(
        consumer.contains("kinesis:GetRecords") && !consumer.contains("\"*\""),
        "{consumer}"
    );
}

#[test]
fn a_kinesis_trigger_closes_loops() {
    let src = "\nfunction \"relay\" {\n  handler     = \"r.handler\"\n  concurrency = 2\n  sends       = [stream.clicks]\n}\n\ntrigger \"clicks\" {\n  function   = function.relay\n  source     = stream.clicks\n  on_failure = queue.failed\n}\n";
    let json = check(src);
    assert_eq!(codes(&json), ["recursive-invocation"], "{json:#}");
    assert!(
        json.to_string()
            .contains("stream.clicks triggers function.relay"),
        "{json:#}"
    );
}

#[test]
fn stream_mistakes() {
    for (extra, want) in [
        (
            "\nfunction \"c\" {\n  handler     = \"c.handler\"\n  concurrency = 2\n}\n\ntrigger \"t\" {\n  function = function.c\n  source   = stream.clicks\n}\n",
            vec!["missing-failure-destination"],
        ),
        (
            "\nfunction \"c\" {\n  handler     = \"c.handler\"\n  concurrency = 2\n}\n\ntrigger \"t\" {\n  function        = function.c\n  source          = stream.clicks\n  parallelization = 11\n  on_failure      = queue.failed\n}\n",
            vec!["invalid-value"],
        ),
        (
            "\nqueue \"q\" {}\n\nfunction \"c\" {\n  handler     = \"c.handler\"\n  concurrency = 2\n}\n\ntrigger \"t\" {\n  function        = function.c\n  source          = queue.q\n  parallelization = 2\n}\n",
            vec!["invalid-trigger"],
        ),
        ("\nstream \"s\" {\n  retention = \"2h\"\n}\n", vec!["invalid-value"]),
    ] {
        let json = check(extra);
        let got: Vec<String> = codes(&json)
            .into_iter()
            .filter(|c| c != "unused-resource" && c != "missing-dead-letter")
            .collect();
        assert_eq!(got, want, "{extra}: {json:#}");
    }
}

#[test]
fn tag_values_over_255_characters_are_refused_for_streams() {
    let long = "v".repeat(256);
    let src = format!("app \"shop\" {{\n  region = \"eu-west-1\"\n  tags   = {{ team = \"{long}\" }}\n}}\n\nstream \"clicks\" {{\n  tags = {{ owner = \"{long}\" }}\n}}\n");
    let json = common::check(&src);
    let diags = json["diagnostics"].as_array().unwrap();
    let refused: Vec<(u64, &str)> = diags
        .iter()
        .filter(|d| d["code"] == "invalid-value")
        .map(|d| (d["line"].as_u64().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        refused,
        [
            (3, "the app's tag `team` has a value over 255 characters, which Kinesis streams refuse"),
            (7, "tag `owner` has a value over 255 characters, which Kinesis streams refuse"),
        ],
        "{json:#}"
    );
}
