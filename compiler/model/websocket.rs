//! The shared WebSocket API: its route keys, who may authorize a connection, and the functions
//! that answer connected clients.
//!
//! A trigger with `websocket = "ROUTE KEY"` is a route of the one WebSocket API of the app (as
//! `http` routes share the HTTP API). The predefined keys are `$connect`, `$disconnect` and
//! `$default`; any other key is matched against the value of
//! `app.websocket_route_selection` (`$request.body.action` unless set) in each message. Only
//! `$connect` is authorized (IAM or a Lambda request authorizer); a function that posts to
//! connected clients says `manages_connections = true` and is granted
//! `execute-api:ManageConnections` on this API's stage alone.

use super::validate::{validate_lambda_authorizer, IdentitySources};
use super::value::suggest;
use super::{Block, BlockKind, Model, TriggerSource};
use crate::diagnostics::{Diagnostic, Span};
use std::collections::BTreeMap;

/// The route keys API Gateway defines.
pub const PREDEFINED: [&str; 3] = ["$connect", "$disconnect", "$default"];
/// The route selection expression unless `app.websocket_route_selection` says.
pub const DEFAULT_ROUTE_SELECTION: &str = "$request.body.action";
/// The longest route key API Gateway accepts.
const MAX_ROUTE_KEY: usize = 128;

/// The identity sources of a WebSocket API's Lambda authorizer (never cached).
const IDENTITY: IdentitySources = IdentitySources {
    prefixes: &[
        "route.request.header.",
        "route.request.querystring.",
        "context.",
        "stageVariables.",
    ],
    help: "a WebSocket authorizer's identity sources are \"route.request.header.NAME\", \"route.request.querystring.NAME\", \"context.NAME\" or \"stageVariables.NAME\"",
    cached: false,
};

/// The app's route selection expression.
pub fn route_selection(model: &Model) -> &str {
    model
        .app
        .str("websocket_route_selection")
        .unwrap_or(DEFAULT_ROUTE_SELECTION)
}

/// Whether the app has a WebSocket API (some trigger has a `websocket` route).
pub fn has_api(model: &Model) -> bool {
    model
        .trigger_sources
        .values()
        .any(|s| matches!(s, TriggerSource::Websocket(_)))
}

/// One WebSocket trigger: its route key, and authorization only on `$connect`, by IAM or a
/// Lambda authorizer.
pub fn validate_trigger(t: &Block, key: &str, diags: &mut Vec<Diagnostic>) {
    if let Err((msg, help)) = check_route_key(key) {
        diags.push(
            Diagnostic::error(
                "invalid-route",
                t.span_of("websocket"),
                format!("invalid WebSocket route \"{key}\": {msg}"),
            )
            .with_help(help),
        );
    }
    let auth = t.str("auth").filter(|a| *a != "none");
    if auth.is_some() && key != "$connect" && !t.has_failed("websocket") {
        diags.push(
            Diagnostic::error(
                "invalid-trigger",
                t.span_of("auth"),
                format!("only the $connect route of a WebSocket API is authorized, not \"{key}\""),
            )
            .with_label(
                t.span_of("websocket"),
                "this route runs on a connection already authorized at $connect",
            )
            .with_help("move `auth` to the trigger with websocket = \"$connect\", or remove it"),
        );
    }
    if auth == Some("jwt") {
        diags.push(
            Diagnostic::error(
                "invalid-value",
                t.span_of("auth"),
                "a WebSocket API has no JWT authorizers",
            )
            .with_help("use auth = \"lambda\" with authorizer = { function = function.NAME }: the function can verify the token, or auth = \"iam\""),
        );
        return;
    }
    validate_lambda_authorizer(t, &IDENTITY, diags);
    if let Some(a) = t.attr("authorizer") {
        for field in ["ttl", "simple_responses"] {
            if let Some(span) = a.field_key_span(field) {
                diags.push(
                    Diagnostic::error(
                        "invalid-trigger",
                        span,
                        format!("`{field}` does not apply to a WebSocket API's authorizer"),
                    )
                    .with_help("a WebSocket authorizer runs once per connection and answers with an IAM policy: remove it"),
                );
            }
        }
    }
}

/// `$connect`, `$disconnect`, `$default`, or a custom key (1 to 128 characters, not starting
/// with `$`). Returns the message and a help text.
fn check_route_key(key: &str) -> Result<(), (String, String)> {
    if PREDEFINED.contains(&key) {
        return Ok(());
    }
    let help = "a route key is \"$connect\", \"$disconnect\", \"$default\", or the value of the route selection expression (`$request.body.action` unless app.websocket_route_selection says), e.g. \"sendMessage\"".to_string();
    if key.is_empty() {
        return Err(("the route key is empty".into(), help));
    }
    if key.starts_with('$') {
        let did = suggest(key, PREDEFINED)
            .map(|s| format!("did you mean \"{s}\"? "))
            .unwrap_or_default();
        return Err((
            "only the predefined route keys start with `$`".into(),
            format!("{did}{help}"),
        ));
    }
    if key.chars().count() > MAX_ROUTE_KEY {
        return Err((
            format!("a route key has at most {MAX_ROUTE_KEY} characters"),
            help,
        ));
    }
    if key.chars().any(char::is_whitespace) {
        return Err(("a route key has no whitespace".into(), help));
    }
    Ok(())
}

/// Across the project: each route key served once, the route selection expression, and
/// `manages_connections` only where there is an API to manage.
pub fn validate(model: &Model, diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<&str, (&Block, Span)> = BTreeMap::new();
    for (t, src) in model.triggers() {
        let TriggerSource::Websocket(key) = src else {
            continue;
        };
        if let Some((first, span)) = seen.get(key.as_str()) {
            diags.push(
                Diagnostic::error(
                    "duplicate-route",
                    t.span_of("websocket"),
                    format!(
                        "WebSocket route \"{key}\" is already served by trigger \"{}\"",
                        first.name
                    ),
                )
                .with_label(*span, "first declared here")
                .with_help("all WebSocket routes share one API: one trigger per route key"),
            );
        } else {
            seen.insert(key, (t, t.span_of("websocket")));
        }
    }
    if let Some(expr) = model.app.str("websocket_route_selection") {
        let ok = expr
            .strip_prefix("$request.body.")
            .is_some_and(|rest| !rest.is_empty() && !rest.chars().any(char::is_whitespace));
        if !ok {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    model.app.span_of("websocket_route_selection"),
                    format!("\"{expr}\" is not a WebSocket route selection expression"),
                )
                .with_help("write \"$request.body.FIELD\": the JSON field of each message that names its route, e.g. \"$request.body.action\""),
            );
        }
    }
    if has_api(model) {
        return;
    }
    for f in model.of_kind(BlockKind::Function) {
        if f.bool("manages_connections") == Some(true) {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    f.span_of("manages_connections"),
                    format!("function.{} manages WebSocket connections, but no trigger has a `websocket` route, so there is no API", f.name),
                )
                .with_help("add a trigger with websocket = \"$connect\" (or another route key), or remove `manages_connections`"),
            );
        }
    }
}
