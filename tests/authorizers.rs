//! HTTP routes beyond `METHOD /path` with IAM or JWT auth: Lambda (request) authorizers with
//! caching and identity sources, and the `$default` catch-all route (docs/language.md).

mod common;

use common::codes;
use serde_json::Value;

const BASE: &str = "app \"shop\" {\n  region = \"eu-west-1\"\n}\n\nfunction \"api\" {\n  handler     = \"api.handler\"\n  concurrency = 5\n}\n\nfunction \"authorize\" {\n  handler     = \"auth.handler\"\n  concurrency = 5\n}\n";

fn check(extra: &str) -> Value {
    common::check(&format!("{BASE}{extra}"))
}

fn diags(json: &Value) -> &Vec<Value> {
    json["diagnostics"].as_array().unwrap()
}

#[test]
fn a_lambda_authorizer_and_the_default_route_build_for_both_targets() {
    let src = "\ntrigger \"orders\" {\n  function   = function.api\n  http       = \"GET /orders\"\n  auth       = \"lambda\"\n  authorizer = { function = function.authorize, ttl = \"5m\" }\n}\n\ntrigger \"rest\" {\n  function   = function.api\n  http       = \"$default\"\n  auth       = \"lambda\"\n  authorizer = { function = function.authorize, identity = [\"$request.header.X-Api-Key\"], ttl = 0, simple_responses = false }\n}\n";
    let json = check(src);
    assert!(diags(&json).is_empty(), "{json:#}");
    let opts = slsc::Options {
        today: common::TODAY.into(),
        ..Default::default()
    };
    let c = slsc::compile_files(&[("main.sls", &format!("{BASE}{src}"))], &opts).unwrap();
    let g = c.graph.as_ref().unwrap();
    // The API invokes the authorizer function: an edge in the graph.
    let json_graph: Value =
        serde_json::from_str(&slsc::graph::render::json(g, &Default::default())).unwrap();
    let edges = json_graph["edges"].to_string();
    assert!(edges.contains("\"to\":\"function.authorize\""), "{edges}");

    let t = common::temp::Temp::new("auth");
    t.write("main.sls", format!("{BASE}{src}").as_bytes());
    let tpl = common::build::main_json(t.path(), "cloudformation");
    let r = &tpl["Resources"];
    assert_eq!(r["RestRoute"]["Properties"]["RouteKey"], "$default");
    assert_eq!(
        r["OrdersRoute"]["Properties"]["AuthorizationType"],
        "CUSTOM"
    );
    let a = &r["OrdersAuthorizer"]["Properties"];
    assert_eq!(a["AuthorizerType"], "REQUEST");
    assert_eq!(a["AuthorizerResultTtlInSeconds"], 300);
    assert_eq!(
        a["IdentitySource"],
        serde_json::json!(["$request.header.Authorization"])
    );
    assert_eq!(
        r["RestAuthorizer"]["Properties"]["EnableSimpleResponses"],
        false
    );
    assert_eq!(
        r["OrdersAuthorizerPermission"]["Properties"]["FunctionName"],
        serde_json::json!({"Ref": "AuthorizeFunction"})
    );
    let src_arn = r["RestPermission"]["Properties"]["SourceArn"].to_string();
    assert!(src_arn.contains("/*/$default"), "{src_arn}");

    let tf = common::build::main_json(t.path(), "terraform");
    let auth = &tf["resource"]["aws_apigatewayv2_authorizer"]["orders"];
    assert_eq!(
        auth["authorizer_uri"],
        "${aws_lambda_function.authorize.invoke_arn}"
    );
    assert_eq!(
        tf["resource"]["aws_apigatewayv2_route"]["rest"]["route_key"],
        "$default"
    );
}

#[test]
fn authorizer_mistakes_are_one_diagnostic_each() {
    for (extra, code, text) in [
        (
            "\ntrigger \"t\" {\n  function = function.api\n  http     = \"GET /a\"\n  auth     = \"lambda\"\n}\n",
            "missing-attribute",
            "has no `authorizer`",
        ),
        (
            "\ntrigger \"t\" {\n  function   = function.api\n  http       = \"GET /a\"\n  auth       = \"iam\"\n  authorizer = { function = function.authorize }\n}\n",
            "invalid-trigger",
            "only used with auth = \\\"lambda\\\"",
        ),
        (
            "\ntrigger \"t\" {\n  function   = function.api\n  http       = \"GET /a\"\n  auth       = \"lambda\"\n  authorizer = { function = function.authorize, identity = [\"Authorization\"] }\n}\n",
            "invalid-value",
            "is not an identity source",
        ),
        (
            "\ntrigger \"t\" {\n  function   = function.api\n  http       = \"GET /a\"\n  auth       = \"lambda\"\n  authorizer = { function = function.authorize, identity = [] }\n}\n",
            "invalid-value",
            "needs at least one identity source",
        ),
        (
            "\ntrigger \"t\" {\n  function   = function.api\n  http       = \"GET /a\"\n  auth       = \"lambda\"\n  authorizer = { function = function.nope }\n}\n",
            "unresolved-reference",
            "function.nope",
        ),
        (
            "\ntrigger \"a\" {\n  function = function.api\n  http     = \"$default\"\n  auth     = \"iam\"\n}\n\ntrigger \"b\" {\n  function = function.api\n  http     = \"$default\"\n  auth     = \"iam\"\n}\n",
            "duplicate-route",
            "$default",
        ),
        (
            "\ntrigger \"a\" {\n  function = function.api\n  http     = \"$catchall\"\n  auth     = \"iam\"\n}\n",
            "invalid-route",
            "$default",
        ),
    ] {
        let json = check(extra);
        assert_eq!(codes(&json), [code], "{extra}: {json:#}");
        assert!(json.to_string().contains(text), "{extra}: {text} not in {json:#}");
    }
}
