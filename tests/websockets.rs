//! WebSocket APIs: `trigger { websocket = "ROUTE KEY" }` routes of one shared API per app,
//! `$connect` authorized by IAM or a Lambda request authorizer, `manages_connections` and
//! `websocket.url` / `websocket.endpoint` (docs/language.md).

mod common;

use common::codes;
use serde_json::{json, Value};

const BASE: &str = "app \"chat\" {\n  region = \"eu-west-1\"\n  stage  = \"prod\"\n}\n\nfunction \"chat\" {\n  handler     = \"chat.handler\"\n  concurrency = 5\n}\n\nfunction \"authorize\" {\n  handler     = \"auth.handler\"\n  concurrency = 5\n}\n";

const ROUTES: &str = "\nfunction \"reply\" {\n  handler             = \"reply.handler\"\n  concurrency         = 5\n  manages_connections = true\n  environment         = { CALLBACK_URL = websocket.endpoint }\n}\n\ntrigger \"connect\" {\n  function   = function.chat\n  websocket  = \"$connect\"\n  auth       = \"lambda\"\n  authorizer = { function = function.authorize, identity = [\"route.request.querystring.token\"] }\n}\n\ntrigger \"disconnect\" {\n  function  = function.chat\n  websocket = \"$disconnect\"\n}\n\ntrigger \"send\" {\n  function  = function.reply\n  websocket = \"sendMessage\"\n}\n\ntrigger \"fallback\" {\n  function  = function.reply\n  websocket = \"$default\"\n}\n\noutput \"url\" {\n  value = websocket.url\n}\n";

fn check(extra: &str) -> Value {
    common::check(&format!("{BASE}{extra}"))
}

#[test]
fn a_chat_api_checks_clean_and_builds_for_both_targets() {
    let json = check(ROUTES);
    assert_eq!(json["diagnostics"], json!([]), "{json:#}");

    let t = common::temp::Temp::new("websocket");
    t.write("main.sls", format!("{BASE}{ROUTES}").as_bytes());
    let tpl = common::build::main_json(t.path(), "cloudformation");
    let r = &tpl["Resources"];
    let api = &r["WebsocketApi"]["Properties"];
    assert_eq!(api["ProtocolType"], "WEBSOCKET");
    assert_eq!(api["RouteSelectionExpression"], "$request.body.action");
    assert_eq!(api["Name"], "chat-prod-websocket");
    assert_eq!(r["WebsocketApiStage"]["Properties"]["StageName"], "prod");
    assert_eq!(r["WebsocketApiStage"]["Properties"]["AutoDeploy"], true);
    let connect = &r["ConnectRoute"]["Properties"];
    assert_eq!(connect["RouteKey"], "$connect");
    assert_eq!(connect["AuthorizationType"], "CUSTOM");
    assert_eq!(connect["AuthorizerId"], json!({"Ref": "ConnectAuthorizer"}));
    let auth = &r["ConnectAuthorizer"]["Properties"];
    assert_eq!(auth["AuthorizerType"], "REQUEST");
    assert_eq!(
        auth["IdentitySource"],
        json!(["route.request.querystring.token"])
    );
    // Neither caching nor simple responses exist for WebSocket authorizers.
    assert!(auth.get("AuthorizerResultTtlInSeconds").is_none(), "{auth}");
    assert!(auth.get("EnableSimpleResponses").is_none(), "{auth}");
    assert_eq!(r["SendRoute"]["Properties"]["AuthorizationType"], "NONE");
    let uri = r["SendIntegration"]["Properties"]["IntegrationUri"].to_string();
    assert!(
        uri.contains("functions/${ReplyFunction.Arn}/invocations"),
        "{uri}"
    );
    let source = r["SendPermission"]["Properties"]["SourceArn"].to_string();
    assert!(
        source.ends_with("${WebsocketApi}/*/sendMessage\"}"),
        "{source}"
    );
    // manages_connections: ManageConnections on this stage's connections, nothing wider.
    let role = r["ReplyFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"].to_string();
    assert!(role.contains("execute-api:ManageConnections"), "{role}");
    assert!(
        role.contains("${WebsocketApi}/prod/*/@connections/*"),
        "{role}"
    );
    let chat_role = r["ChatFunctionRole"].to_string();
    assert!(!chat_role.contains("ManageConnections"), "{chat_role}");
    let env =
        r["ReplyFunction"]["Properties"]["Environment"]["Variables"]["CALLBACK_URL"].to_string();
    assert!(
        env.contains("https://${WebsocketApi}.execute-api."),
        "{env}"
    );
    assert!(env.ends_with("/prod\"}"), "{env}");
    assert_eq!(
        tpl["Outputs"]["WebsocketApiUrl"]["Value"]["Fn::Sub"],
        "wss://${WebsocketApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/prod"
    );

    let tf = common::build::main_json(t.path(), "terraform");
    let res = &tf["resource"];
    assert_eq!(
        res["aws_apigatewayv2_api"]["websocket"]["protocol_type"],
        "WEBSOCKET"
    );
    assert_eq!(
        res["aws_apigatewayv2_route"]["connect"]["route_key"],
        "$connect"
    );
    assert_eq!(
        res["aws_apigatewayv2_integration"]["send"]["integration_uri"],
        "${aws_lambda_function.reply.invoke_arn}"
    );
    assert_eq!(
        res["aws_lambda_permission"]["send"]["source_arn"],
        "${aws_apigatewayv2_api.websocket.execution_arn}/*/sendMessage"
    );
    assert!(res["aws_iam_role_policy"]["reply"]
        .to_string()
        .contains("${aws_apigatewayv2_api.websocket.id}/prod/*/@connections/*"));
}

#[test]
fn the_graph_shows_the_api_and_who_answers_its_clients() {
    let opts = slsc::Options {
        today: common::TODAY.into(),
        ..Default::default()
    };
    let c = slsc::compile_files(&[("main.sls", &format!("{BASE}{ROUTES}"))], &opts).unwrap();
    let g = c.graph.as_ref().unwrap();
    let graph: Value =
        serde_json::from_str(&slsc::graph::render::json(g, &Default::default())).unwrap();
    let edges = graph["edges"].to_string();
    for (from, to, kind) in [
        ("websocket.api", "function.chat", "triggers"),
        ("websocket.api", "function.authorize", "triggers"),
        ("function.reply", "websocket.api", "manages_connections"),
    ] {
        let want = format!("\"from\":\"{from}\"");
        assert!(
            graph["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["from"] == from && e["to"] == to && e["kind"] == kind),
            "{want} → {to} ({kind}) not in {edges}"
        );
    }
    // Posting to a connection does not run a route: answering on $default is not a loop.
    assert!(
        !c.diagnostics.iter().any(|d| d.code.contains("loop")),
        "{:?}",
        c.diagnostics
    );
}

#[test]
fn websocket_mistakes_are_one_diagnostic_each() {
    let connect = |auth: &str| {
        format!("\ntrigger \"c\" {{\n  function  = function.chat\n  websocket = \"$connect\"\n{auth}}}\n")
    };
    for (extra, code, text) in [
        (
            "\ntrigger \"c\" {\n  function  = function.chat\n  websocket = \"$conect\"\n  auth      = \"none\"\n}\n".to_string(),
            "invalid-route",
            "did you mean \\\"$connect\\\"",
        ),
        (
            "\ntrigger \"c\" {\n  function  = function.chat\n  websocket = \"send message\"\n}\n".to_string(),
            "invalid-route",
            "no whitespace",
        ),
        (
            "\ntrigger \"c\" {\n  function  = function.chat\n  websocket = \"sendMessage\"\n  auth      = \"iam\"\n}\n".to_string(),
            "invalid-trigger",
            "only the $connect route of a WebSocket API is authorized",
        ),
        (
            connect("  auth      = \"jwt\"\n"),
            "invalid-value",
            "no JWT authorizers",
        ),
        (
            connect("  auth      = \"lambda\"\n"),
            "missing-attribute",
            "has no `authorizer`",
        ),
        (
            connect("  auth       = \"lambda\"\n  authorizer = { function = function.authorize, ttl = 60 }\n"),
            "invalid-trigger",
            "`ttl` does not apply to a WebSocket API's authorizer",
        ),
        (
            connect("  auth       = \"lambda\"\n  authorizer = { function = function.authorize, identity = [\"$request.header.Auth\"] }\n"),
            "invalid-value",
            "route.request.header.NAME",
        ),
        (
            connect("  auth       = \"lambda\"\n  authorizer = { function = function.nope }\n"),
            "unresolved-reference",
            "function.nope",
        ),
        (
            "\ntrigger \"a\" {\n  function  = function.chat\n  websocket = \"$default\"\n}\n\ntrigger \"b\" {\n  function  = function.chat\n  websocket = \"$default\"\n}\n".to_string(),
            "duplicate-route",
            "already served by trigger \\\"a\\\"",
        ),
        (
            "\ntrigger \"c\" {\n  function  = function.chat\n  websocket = \"$default\"\n  http      = \"GET /\"\n}\n".to_string(),
            "invalid-trigger",
            "has 2 sources",
        ),
        (
            "\ntrigger \"c\" {\n  function  = function.chat\n  websocket = \"$default\"\n  jwt       = { issuer = \"https://x.example.com\", audience = [\"a\"] }\n}\n".to_string(),
            "invalid-trigger",
            "`jwt` does not apply to a websocket trigger",
        ),
        (
            "\nfunction \"reply\" {\n  handler             = \"r.handler\"\n  concurrency         = 1\n  manages_connections = true\n}\n".to_string(),
            "invalid-value",
            "no trigger has a `websocket` route",
        ),
        (
            "\noutput \"u\" {\n  value = websocket.url\n}\n".to_string(),
            "unresolved-reference",
            "`websocket.url` belongs to the shared WebSocket API",
        ),
        (
            "\noutput \"u\" {\n  value = websocket.endpont\n}\n".to_string(),
            "unresolved-reference",
            "websocket.endpoint",
        ),
        (
            "\ntrigger \"c\" {\n  function  = function.chat\n  websocket = var.route\n}\n".to_string(),
            "unresolved-reference",
            "var.route",
        ),
    ] {
        let json = check(&extra);
        assert_eq!(codes(&json), [code], "{extra}: {json:#}");
        assert!(json.to_string().contains(text), "{extra}: {text} not in {json:#}");
    }
}

#[test]
fn the_route_selection_expression_is_checked_and_used() {
    let src = "app \"chat\" {\n  websocket_route_selection = \"action\"\n}\n";
    let json = common::check(src);
    assert_eq!(codes(&json), ["invalid-value"], "{json:#}");
    assert!(json.to_string().contains("$request.body.FIELD"), "{json:#}");

    let src = format!(
        "{}{ROUTES}",
        BASE.replace(
            "stage  = \"prod\"\n",
            "stage  = \"prod\"\n  websocket_route_selection = \"$request.body.type\"\n"
        )
    );
    let t = common::temp::Temp::new("websocket-selection");
    t.write("main.sls", src.as_bytes());
    let tpl = common::build::main_json(t.path(), "cloudformation");
    assert_eq!(
        tpl["Resources"]["WebsocketApi"]["Properties"]["RouteSelectionExpression"],
        "$request.body.type"
    );
}

#[test]
fn a_new_route_is_planned_under_the_websocket_api() {
    let t = common::temp::Temp::new("websocket-plan");
    t.write("main.sls", format!("{BASE}{ROUTES}").as_bytes());
    let base = common::temp::Temp::new("websocket-plan-base");
    base.write("main.sls", BASE.as_bytes());
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_slsc"))
        .args(["plan", t.path().to_str().unwrap(), "--base"])
        .arg(base.path())
        .args(["--format", "json"])
        .env("SLSC_TODAY", common::TODAY)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let plan: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&o.stderr)));
    let s = plan.to_string();
    assert!(s.contains("websocket.api"), "{s}");
    assert!(s.contains("trigger.connect"), "{s}");
}
