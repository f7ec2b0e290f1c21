//! "`check` passes ⇒ the target accepts it": each project here once passed `check` and then
//! failed in cfn-lint, Terraform or at deploy, or lost a resource silently. Each is now one
//! diagnostic at the right span, with a fix.

mod common;

use common::temp::Temp;
use serde_json::Value;

const APP: &str = "app \"gaps\" {\n  region = \"eu-west-1\"\n}\n\nfunction \"api\" {\n  handler     = \"index.handler\"\n  concurrency = 2\nEXTRA}\n";

/// The app and one function with `extra` lines in it, then `more` blocks.
fn project(extra: &str, more: &str) -> String {
    APP.replace("EXTRA", extra) + more
}

/// (code, line, column) of every diagnostic of a project checked through the binary (so the
/// output rules run too).
fn check(src: &str) -> (Vec<(String, u64, u64)>, Value) {
    let tmp = Temp::new("gaps");
    tmp.write("main.sls", src.as_bytes());
    common::check_positions(tmp.path())
}

fn one(src: &str, code: &str, line: u64, column: u64, text: &str) -> Value {
    let (got, json) = check(src);
    assert_eq!(got, [(code.to_string(), line, column)], "{json:#}");
    let d = json["diagnostics"][0].clone();
    let all = format!("{} {}", d["message"], d["help"]);
    assert!(all.contains(text), "{text:?} not in {all}");
    d
}

#[test]
fn http_url_without_an_http_route() {
    let src = project("  environment = { API_URL = http.url }\n", "");
    one(
        &src,
        "unresolved-reference",
        8,
        29,
        "no trigger has an `http` route",
    );
}

#[test]
fn queues_that_are_each_others_dead_letter_queue() {
    let src = project(
        "",
        "\nqueue \"a\" { dead_letter = queue.b }\nqueue \"b\" { dead_letter = queue.a }\n",
    );
    let d = one(&src, "cycle", 10, 27, "queue.a → queue.b → queue.a");
    assert_eq!(d["labels"][0]["line"], 11, "{d:#}");
    // A queue that is its own dead letter queue.
    let src = project("", "\nqueue \"a\" { dead_letter = queue.a }\n");
    one(&src, "invalid-value", 10, 27, "its own dead letter queue");
}

#[test]
fn derived_logical_ids_collide_with_user_blocks() {
    let alarm = "\nalarm \"x\" {\n  watch     = function.api\n  metric    = \"errors\"\n  threshold = 1\n  notify    = [\"ops@example.com\"]\n}\n";
    // The alarm's topic is `XAlarmTopic`, as is topic "x_alarm".
    let src = project(
        "  sends = [topic.x_alarm]\n",
        &format!("\ntopic \"x_alarm\" {{}}\n{alarm}"),
    );
    let d = one(&src, "name-collision", 13, 7, "`XAlarmTopic`");
    assert_eq!(d["labels"][0]["line"], 11, "labelled at the topic: {d:#}");
    // The alarm's first subscription is `XAlarmNotify1Subscription`, as is a topic trigger's.
    // (The topic trigger makes `api` asynchronous: it keeps failed events in a queue.)
    let src = project(
        "  dead_letter = queue.dl\n",
        &format!("{alarm}\ntopic \"t\" {{}}\n\ntrigger \"x_alarm_notify1\" {{\n  function = function.api\n  source   = topic.t\n}}\n\nqueue \"dl\" {{}}\n"),
    );
    one(&src, "name-collision", 20, 9, "`XAlarmNotify1Subscription`");
    // The built-in output of the HTTP API.
    let src = project(
        "",
        "\ntrigger \"web\" {\n  function = function.api\n  http     = \"GET /\"\n  auth     = \"iam\"\n}\n\noutput \"http_api_url\" {\n  value = \"x\"\n}\n",
    );
    one(&src, "name-collision", 16, 8, "slsc's shared HTTP API");
}

#[test]
fn stream_arn_of_a_table_without_a_stream() {
    let src = project(
        "  environment = { STREAM = database.d.stream_arn }\n",
        "\ndatabase \"d\" {\n  partition_key = { name = \"id\", type = \"string\" }\n}\n",
    );
    let d = one(
        &src,
        "invalid-value",
        8,
        28,
        "stream = \\\"new_and_old_images\\\"",
    );
    assert_eq!(d["labels"][0]["line"], 11, "{d:#}");
}

/// Found by the oracle (tests/oracle.rs): CloudWatch alarms get the app's tags and refuse an
/// empty value (cfn-lint E3033); other resources accept one.
#[test]
fn an_empty_app_tag_value_with_an_alarm() {
    let alarm = "\nalarm \"x\" {\n  watch     = function.api\n  metric    = \"errors\"\n  threshold = 1\n}\n";
    let src = APP
        .replace("region = \"eu-west-1\"", "tags = { team = \"\" }")
        .replace("EXTRA", "")
        + alarm;
    let d = one(&src, "invalid-value", 2, 19, "CloudWatch alarms refuse");
    assert_eq!(d["labels"][0]["line"], 10, "{d:#}");
    let (got, json) = check(
        &APP.replace("region = \"eu-west-1\"", "tags = { team = \"\" }")
            .replace("EXTRA", ""),
    );
    assert!(
        got.is_empty(),
        "without an alarm an empty value is fine: {json:#}"
    );
}

/// Found by the oracle (tests/oracle.rs): DynamoDB (cfn-lint E3002) refuses an index whose
/// sort key is its partition key.
#[test]
fn an_index_whose_sort_key_is_its_partition_key() {
    let src = project(
        "  reads = [database.t]\n",
        "\ndatabase \"t\" {\n  partition_key = { name = \"id\", type = \"string\" }\n  indexes = {\n    by_x = { partition_key = { name = \"x\", type = \"string\" }, sort_key = { name = \"x\", type = \"string\" } }\n  }\n}\n",
    );
    one(
        &src,
        "invalid-value",
        14,
        12,
        "index `by_x`: the sort key must be a different attribute",
    );
}

#[test]
fn batch_window_on_a_fifo_queue() {
    let src = project(
        "",
        "\nqueue \"f\" {\n  fifo        = true\n  dead_letter = queue.f_dlq\n}\nqueue \"f_dlq\" { fifo = true }\n\ntrigger \"t\" {\n  function     = function.api\n  source       = queue.f\n  batch_window = \"5s\"\n}\n",
    );
    one(&src, "invalid-trigger", 19, 18, "FIFO");
}

#[test]
fn strings_aws_refuses() {
    for (extra, code, line, col, text) in [
        ("  environment = { A = \"1\" }\n", "invalid-value", 8, 19, "at least two characters"),
        ("  tags = { \"aws:team\" = \"x\" }\n", "invalid-value", 8, 12, "reserves"),
        ("  tags = { \"\" = \"x\" }\n", "invalid-value", 8, 12, "cannot be empty"),
        // Found by the oracle (tests/oracle.rs): cfn-lint E3031.
        ("  tags = { \"a$b\" = \"x\" }\n", "invalid-value", 8, 12, "contains '$'"),
        ("  tags = { team = \"a{b}\" }\n", "invalid-value", 8, 19, "contains '{'"),
        ("  description = \"\"\n", "invalid-value", 8, 17, "empty"),
        ("  layers = [\"shared-layer\"]\n", "invalid-value", 8, 13, "layer version ARN"),
        (
            "  permissions = [{ actions = [\"kinesis:PutRecord\"], resources = [\"my-stream\"] }]\n",
            "invalid-value",
            8,
            66,
            "is not an ARN",
        ),
        (
            "  permissions = [{ actions = [\"kinesis:PutRecord\"], resources = [\"arn:aws:kinesis:us-east-1:$${AWS::AccountId}:stream/x\"] }]\n",
            "invalid-value",
            8,
            66,
            "unresolved",
        ),
        (
            "  permissions = [{ actions = [\"kinesisPutRecord\"], resources = [\"*\"] }]\n",
            "invalid-value",
            8,
            31,
            "not an IAM action",
        ),
        // Deploy-time parts stand for values of their kind: the shape must still be an ARN.
        (
            "  permissions = [{ actions = [\"kinesis:PutRecord\"], resources = [\"kinesis/${aws.account_id}\"] }]\n",
            "invalid-value",
            8,
            66,
            "kinesis/${aws.account_id}",
        ),
        (
            "  permissions = [{ actions = [\"kinesis:PutRecord\"], resources = [\"arn:aws:kinesis:${http.url}\"] }]\n",
            "invalid-value",
            8,
            66,
            "${http.url} is not part of an ARN",
        ),
        (
            "  permissions = [{ actions = [\"kinesis:${aws.region}\"], resources = [\"*\"] }]\n",
            "type-mismatch",
            8,
            31,
            "known only after deploy",
        ),
    ] {
        let src = project(extra, "");
        let (got, json) = check(&src);
        let want = (code.to_string(), line, col);
        assert!(got.contains(&want), "{extra}: {want:?} not in {json:#}");
        assert!(json.to_string().contains(text), "{extra}: {text} not in {json:#}");
        assert!(
            got.iter().all(|g| g.0 == code || g.0 == "wildcard-permission"),
            "{extra}: {json:#}"
        );
    }
}

#[test]
fn cors_methods_are_checked_with_a_suggestion() {
    let src = "app \"gaps\" {\n  region = \"eu-west-1\"\n  cors   = { methods = [\"GET\", \"get\"] }\n}\n";
    one(src, "invalid-value", 3, 32, "did you mean \\\"GET\\\"?");
    let src = "app \"gaps\" {\n  region = \"eu-west-1\"\n  cors   = { methods = [\"FETCH\"] }\n}\n";
    one(src, "invalid-value", 3, 25, "\\\"FETCH\\\" is not one of");
}

#[test]
fn enum_and_shape_mistakes_get_a_fix() {
    for (extra, text) in [
        (
            "  runtime = \"node22\"\n",
            "did you mean \\\"nodejs22.x\\\"?",
        ),
        ("  architecture = \"arm\"\n", "did you mean \\\"arm64\\\"?"),
        ("  concurrency_x = 1\n", "did you mean `concurrency`?"),
        ("  retries = \"1\"\n", "remove the quotes: 1"),
        ("  tracing = \"true\"\n", "remove the quotes: true"),
        (
            "  invokes = function.api\n",
            "this is a list: write [function.api]",
        ),
    ] {
        let src = project(extra, "");
        let (got, json) = check(&src);
        assert_eq!(got.len(), 1, "{extra}: {json:#}");
        assert!(
            json.to_string().contains(text),
            "{extra}: {text} not in {json:#}"
        );
    }
    let src = project(
        "",
        "\ntrigger \"t\" {\n  function = \"api\"\n  schedule = \"rate(1 hour)\"\n}\n",
    );
    let (_, json) = check(&src);
    assert!(
        json.to_string()
            .contains("write a reference without quotes: function.api"),
        "{json:#}"
    );
    let src = project(
        "",
        "\ntrigger \"t\" {\n  function = function.api\n  http     = \"GET /\"\n  auth     = \"IAM\"\n}\n",
    );
    let (_, json) = check(&src);
    assert!(
        json.to_string().contains("did you mean \\\"iam\\\"?"),
        "{json:#}"
    );
}

#[test]
fn a_build_into_the_source_tree_does_not_package_itself() {
    let tmp = Temp::new("out-in-src");
    tmp.write("main.sls", project("  source = \".\"\n", "").as_bytes());
    tmp.write("index.js", b"exports.handler = async () => 1;\n");
    let mut keys = Vec::new();
    for out in ["dist", "dist", "other-out"] {
        let o = common::slsc(
            &["build", ".", "--target", "cloudformation", "--out", out],
            tmp.path(),
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let t: Value = serde_json::from_slice(
            &std::fs::read(tmp.path().join(out).join("template.json")).unwrap(),
        )
        .unwrap();
        keys.push(t["Resources"]["ApiFunction"]["Properties"]["Code"]["S3Key"].clone());
    }
    assert_eq!(
        keys[0], keys[1],
        "the second build did not package the first"
    );
    assert_eq!(
        keys[0], keys[2],
        "a build elsewhere did not package the earlier one"
    );
}

/// One mistake, one error: a value that failed is not reported again downstream.
#[test]
fn a_failed_value_does_not_cascade() {
    for (src, code, line) in [
        // An app block with an invalid name is not also a missing app block.
        ("app \"My App\" {\n  region = \"eu-west-1\"\n}\n", "invalid-value", 1),
        // A source of the wrong type is not also "no source".
        (
            "app \"x\" {}\nfunction \"f\" {\n  handler     = \"a.h\"\n  concurrency = 1\n}\ntrigger \"t\" {\n  function = function.f\n  http     = 5\n}\n",
            "type-mismatch",
            8,
        ),
        // A jwt whose value failed is not also a missing jwt.
        (
            "app \"x\" {}\nfunction \"f\" {\n  handler     = \"a.h\"\n  concurrency = 1\n}\ntrigger \"t\" {\n  function = function.f\n  http     = \"GET /x\"\n  auth     = \"jwt\"\n  jwt      = { issuer = \"https://x\", audience = [var.undeclared] }\n}\n",
            "unresolved-reference",
            10,
        ),
        // An auth that failed does not make a jwt "only used with auth = jwt".
        (
            "app \"x\" {}\nfunction \"f\" {\n  handler     = \"a.h\"\n  concurrency = 1\n}\ntrigger \"t\" {\n  function = function.f\n  http     = \"GET /x\"\n  auth     = var.undeclared\n  jwt      = { issuer = \"https://x\", audience = [\"a\"] }\n}\n",
            "unresolved-reference",
            9,
        ),
        // A dead letter queue that failed is not also missing for `max_receives`.
        (
            "app \"x\" {}\nqueue \"q\" {\n  max_receives = 3\n  dead_letter  = queue.nope\n}\n",
            "unresolved-reference",
            4,
        ),
        // A capacity that failed is not also missing on a provisioned table.
        (
            "app \"x\" {}\ndatabase \"d\" {\n  partition_key  = { name = \"id\", type = \"string\" }\n  billing        = \"provisioned\"\n  read_capacity  = var.undeclared\n  write_capacity = 5\n}\n",
            "unresolved-reference",
            5,
        ),
        // A billing mode that failed does not make the capacities "only for provisioned".
        (
            "app \"x\" {}\ndatabase \"d\" {\n  partition_key  = { name = \"id\", type = \"string\" }\n  billing        = var.undeclared\n  read_capacity  = 5\n  write_capacity = 5\n}\n",
            "unresolved-reference",
            4,
        ),
        // An unknown variable type gets the closest type.
        ("app \"x\" {}\nvariable \"v\" {\n  type = strng\n}\n", "invalid-value", 3),
    ] {
        let (got, json) = check(src);
        assert_eq!(got.len(), 1, "{src}: {json:#}");
        assert_eq!((got[0].0.as_str(), got[0].1), (code, line), "{json:#}");
    }
    let (_, json) = check("app \"x\" {}\nvariable \"v\" {\n  type = strng\n}\n");
    assert!(
        json.to_string().contains("did you mean `string`?"),
        "{json:#}"
    );
}

#[test]
fn did_you_mean_stays_within_the_kind() {
    let src = project(
        "  sends = [queue.x]\n",
        "\nfunction \"x\" {\n  handler     = \"x.h\"\n  concurrency = 1\n}\n",
    );
    let (got, json) = check(&src);
    assert_eq!(
        got,
        [("unresolved-reference".to_string(), 8, 12)],
        "{json:#}"
    );
    let help = json["diagnostics"][0]["help"].as_str().unwrap();
    assert!(!help.contains("did you mean"), "{help}");
    assert!(
        help.contains("`function.x` exists, but it is a function"),
        "{help}"
    );
}

#[test]
fn a_huge_value_is_not_echoed_whole() {
    let src = format!(
        "app \"x\" {{\n  runtime = \"{}\"\n}}\n",
        "n".repeat(300_000)
    );
    let tmp = Temp::new("huge");
    tmp.write("main.sls", src.as_bytes());
    let o = common::slsc(&["check", "."], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stderr.len() < 5_000, "human: {} bytes", o.stderr.len());
    assert!(String::from_utf8_lossy(&o.stderr).contains("too long to show"));
    for format in ["json", "sarif", "github"] {
        let o = common::slsc(&["check", ".", "--format", format], tmp.path());
        assert_eq!(o.status.code(), Some(1));
        assert!(
            o.stdout.len() < 20_000,
            "{format}: {} bytes",
            o.stdout.len()
        );
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("characters left out"),
            "{format}"
        );
    }
}

#[test]
fn usage_mistakes_are_usage_errors() {
    // `--endpoint-url` is checked before any SDK call.
    let o = common::run(&["outputs", "examples/signup", "--endpoint-url", "notaurl"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is not a URL"), "{err}");
    assert!(!err.contains("Request"), "no SDK struct: {err}");
    // A policy library has nothing to build: said at a location.
    let tmp = Temp::new("policy-only");
    let out = tmp.path().join("out");
    let o = common::run(&[
        "build",
        "examples/policies",
        "--target",
        "cloudformation",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("only `policy` blocks"), "{err}");
}

/// A diagnostic on a line past column 65,535 used to panic inside miette.
#[test]
fn a_diagnostic_far_along_a_line_renders() {
    let tmp = Temp::new("far-column");
    let src = format!(
        "app \"x\" {{}}\n/*{}*/ queue \"q\" {{}}\n",
        "a".repeat(65_536)
    );
    tmp.write("main.sls", src.as_bytes());
    let o = common::slsc(&["check", "."], tmp.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{}", &err[..err.len().min(2000)]);
    assert!(
        err.contains("main.sls:2:65548"),
        "{}",
        &err[..err.len().min(2000)]
    );
}

#[test]
fn messages_use_the_right_article() {
    let json = common::check("app {\n  region = \"eu-west-1\"\n}\n");
    assert!(
        json.to_string()
            .contains("an `app` block takes exactly one name"),
        "{json:#}"
    );
    let src = project(
        "",
        "\ntrigger \"t\" {\n  function   = function.api\n  http       = \"GET /\"\n  auth       = \"iam\"\n  batch_size = 5\n}\n",
    );
    let json = common::check(&src);
    assert!(
        json.to_string()
            .contains("does not apply to an http trigger"),
        "{json:#}"
    );
    assert!(!json.to_string().contains("a http"), "{json:#}");
}

#[test]
fn a_quoted_number_and_a_single_reference_get_their_fix() {
    let (extra, text) = (
        "  reads = database.d\n",
        "this is a list: write [database.d]",
    );
    let src = APP
        .replace("  concurrency = 2\n", "")
        .replace("EXTRA", extra)
        + "\ndatabase \"d\" {\n  partition_key = { name = \"id\", type = \"string\" }\n}\n";
    let (_, json) = check(&src);
    assert!(json.to_string().contains(text), "{extra}: {json:#}");
    let src = APP
        .replace("  concurrency = 2\n", "  concurrency = \"5\"\n")
        .replace("EXTRA", "");
    let (got, json) = check(&src);
    assert_eq!(got.len(), 1, "{json:#}");
    assert!(
        json.to_string().contains("remove the quotes: 5"),
        "{json:#}"
    );
}
