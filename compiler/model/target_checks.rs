//! What the targets accept: the checks that keep "`check` passes ⇒ cfn-lint, Terraform and
//! AWS accept the output" true for values the type checker alone lets through.
//!
//! Each check here exists because a project passed `check` and then failed downstream: a
//! deploy-time value naming something that is not emitted (`http.url` with no HTTP route,
//! `stream_arn` of a table without a stream), a dependency cycle in the template (two queues
//! that are each other's dead letter queue), an option AWS refuses in a combination
//! (`batch_window` on a FIFO queue), or a string whose shape AWS refuses (a one-letter
//! environment name, an `aws:` tag key, an empty description, a layer or a permission that is
//! not an ARN). All are errors at the offending value, with a fix.

use super::value::{Part, RefKind, Value};
use super::{Block, BlockKind, Model, TriggerSource};
use crate::diagnostics::{Diagnostic, Span};
use std::collections::BTreeMap;

/// Runs every check of this module.
pub fn validate(model: &Model, diags: &mut Vec<Diagnostic>) {
    deploy_time_references(model, diags);
    dead_letter_cycles(model, diags);
    fifo_batch_windows(model, diags);
    refused_tag_values(model, diags);
    for b in std::iter::once(&model.app).chain(&model.blocks) {
        tags(b, diags);
        match b.kind {
            BlockKind::Function => function_strings(b, diags),
            BlockKind::Resource => raw_resource(b, diags),
            BlockKind::Layer => layer_lists(b, diags),
            _ => {}
        }
    }
}

/// A layer's compatible runtimes (at most 15) and architectures: each listed once.
fn layer_lists(l: &Block, diags: &mut Vec<Diagnostic>) {
    for (attr, max) in [("compatible_runtimes", 15), ("compatible_architectures", 2)] {
        let Some(a) = l.attrs.get(attr) else {
            continue;
        };
        let items = a.value.as_list();
        let mut seen = std::collections::BTreeSet::new();
        for (i, v) in items.iter().enumerate() {
            if let Some(s) = v.as_str().filter(|s| !seen.insert(*s)) {
                diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        a.item_span(i),
                        format!("\"{s}\" is listed twice in `{attr}`"),
                    )
                    .with_help("list each value once"),
                );
            }
        }
        if seen.len() > max {
            diags.push(Diagnostic::error(
                "invalid-value",
                a.span,
                format!(
                    "`{attr}` has {} values: a layer takes at most {max}",
                    seen.len()
                ),
            ));
        }
    }
}

/// A raw resource has a body for at least one target, each with a type of that target's
/// form, and does not depend on itself.
fn raw_resource(r: &Block, diags: &mut Vec<Diagnostic>) {
    let cfn = r.get("cloudformation");
    let tf = r.get("terraform");
    if cfn.is_none() && tf.is_none() && !r.written("cloudformation") && !r.written("terraform") {
        diags.push(
            Diagnostic::error(
                "missing-attribute",
                r.header,
                format!("resource \"{}\" has neither a `cloudformation` nor a `terraform` body", r.name),
            )
            .with_primary_label("add a body here")
            .with_help("e.g. cloudformation = { type = \"AWS::Kinesis::Stream\", properties = { ShardCount = 1 } }"),
        );
    }
    fn type_of(body: Option<&Value>) -> Option<&str> {
        body.and_then(|b| b.get("type")).and_then(Value::as_str)
    }
    if let Some(t) = type_of(cfn).filter(|t| !is_cfn_type(t)) {
        diags.push(
            Diagnostic::error("invalid-value", type_span(r, "cloudformation"), format!("\"{t}\" is not a CloudFormation resource type"))
                .with_help("types are `AWS::SERVICE::RESOURCE` (e.g. \"AWS::Kinesis::Stream\") or `Custom::NAME`"),
        );
    }
    if let Some(t) = type_of(tf).filter(|t| !is_tf_type(t)) {
        diags.push(
            Diagnostic::error(
                "invalid-value",
                type_span(r, "terraform"),
                format!("\"{t}\" is not a resource type of the AWS provider"),
            )
            .with_help("types are `aws_…` (e.g. \"aws_kinesis_stream\")"),
        );
    }
    let deps = r.attr("depends_on");
    for (i, d) in deps
        .map(|a| a.value.as_list())
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if d.as_ref_addr()
            .is_some_and(|a| a.kind == RefKind::Resource && a.name == r.name)
        {
            let span = deps.map_or(r.header, |a| a.item_span(i));
            diags.push(Diagnostic::error(
                "cycle",
                span,
                format!("resource \"{}\" depends on itself", r.name),
            ));
        }
    }
}

/// Where a raw resource body's `type` was written (the body, when it was not a literal).
fn type_span(r: &Block, body: &str) -> Span {
    r.attr(body).map_or(r.header, |a| a.field_span("type"))
}

/// `AWS::Service::Resource` or `Custom::Name`.
fn is_cfn_type(t: &str) -> bool {
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric());
    match t.split("::").collect::<Vec<_>>().as_slice() {
        ["AWS", service, resource] => word(service) && word(resource),
        ["Custom", name] => word(name),
        _ => false,
    }
}

/// `aws_` and lowercase words.
fn is_tf_type(t: &str) -> bool {
    t.strip_prefix("aws_").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}

/// Every deploy-time part of a block's values (environment values, outputs, permissions, a raw
/// resource's properties), with its span: the literal field or element when the value was
/// written as one, else the attribute.
fn deploy_parts(b: &Block) -> Vec<(&Part, Span)> {
    fn walk<'v>(v: &'v Value, span: Span, out: &mut Vec<(&'v Part, Span)>) {
        match v {
            Value::Deploy(parts) => out.extend(parts.iter().map(|p| (p, span))),
            Value::List(l) => l.iter().for_each(|x| walk(x, span, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, span, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (_, a) in b.attrs.iter() {
        match &a.value {
            Value::Object(o) => {
                for (k, v) in o {
                    walk(v, a.field_span(k), &mut out);
                }
            }
            Value::List(l) => {
                for (i, v) in l.iter().enumerate() {
                    walk(v, a.item_span(i), &mut out);
                }
            }
            v => walk(v, a.span, &mut out),
        }
    }
    out
}

/// `http.url` needs the shared HTTP API (emitted only when a trigger has an `http` route),
/// `websocket.*` the WebSocket API (a trigger with a `websocket` route), and
/// `database.X.stream_arn` needs the table's stream.
fn deploy_time_references(model: &Model, diags: &mut Vec<Diagnostic>) {
    let has_api = model
        .trigger_sources
        .values()
        .any(|s| matches!(s, TriggerSource::Http { .. }));
    let has_websocket = super::websocket::has_api(model);
    for b in &model.blocks {
        for (part, span) in deploy_parts(b) {
            match part {
                Part::HttpUrl if !has_api => diags.push(
                    Diagnostic::error(
                        "unresolved-reference",
                        span,
                        "`http.url` is the URL of the shared HTTP API, but no trigger has an `http` route, so there is no API",
                    )
                    .with_help("add a trigger with `http = \"GET /path\"`, or remove the reference"),
                ),
                Part::WebsocketUrl | Part::WebsocketEndpoint if !has_websocket => diags.push(
                    Diagnostic::error(
                        "unresolved-reference",
                        span,
                        format!("`{}` belongs to the shared WebSocket API, but no trigger has a `websocket` route, so there is no API", part.text().trim_start_matches("${").trim_end_matches('}')),
                    )
                    .with_help("add a trigger with `websocket = \"$connect\"`, or remove the reference"),
                ),
                Part::Attr(addr, attr) if addr.kind == RefKind::Database && attr == "stream_arn" => {
                    let Some(t) = model.find(BlockKind::Database, &addr.name) else {
                        continue;
                    };
                    if t.get("stream").is_none() {
                        diags.push(
                            Diagnostic::error(
                                "invalid-value",
                                span,
                                format!("database.{} has no stream, so it has no `stream_arn`", addr.name),
                            )
                            .with_label(t.name_span, "this table has no `stream`")
                            .with_help(format!(
                                "set `stream = \"new_and_old_images\"` (or another view) on database.{}",
                                addr.name
                            )),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// Tag values one kind refuses though others take them.
struct RefusedTagValue {
    kind: BlockKind,
    /// What the value has: "an empty value".
    what: &'static str,
    /// Who refuses it: "CloudWatch alarms".
    service: &'static str,
    refused: fn(&str) -> bool,
    help: &'static str,
}

const REFUSED_TAG_VALUES: &[RefusedTagValue] = &[
    RefusedTagValue {
        kind: BlockKind::Alarm,
        what: "an empty value",
        service: "CloudWatch alarms",
        refused: str::is_empty,
        help: "give the tag a value, or tag only the resources that need it (`tags` in the block)",
    },
    RefusedTagValue {
        kind: BlockKind::Stream,
        what: "a value over 255 characters",
        service: "Kinesis streams",
        refused: |v| v.chars().count() > 255,
        help: "shorten the value to 255 characters",
    },
];

/// Tag values a kind refuses (alarms: empty ones; Kinesis streams: over 255 characters), in a
/// block's own tags or in the app's, which every block of the kind gets unless it sets the key
/// itself (then the label names one that does not).
fn refused_tag_values(model: &Model, diags: &mut Vec<Diagnostic>) {
    let refused = |b: &Block, is_refused: fn(&str) -> bool| -> Vec<(String, Span)> {
        let Some(a) = b.attrs.get("tags") else {
            return Vec::new();
        };
        let Value::Object(map) = &a.value else {
            return Vec::new();
        };
        map.iter()
            .filter(|(_, v)| v.as_str().is_some_and(is_refused))
            .map(|(k, _)| (k.clone(), a.field_span(k)))
            .collect()
    };
    for r in REFUSED_TAG_VALUES {
        let (kind, what, service, is_refused, help) =
            (r.kind, r.what, r.service, r.refused, r.help);
        for b in model.of_kind(kind) {
            for (k, span) in refused(b, is_refused) {
                diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        span,
                        format!("tag `{k}` has {what}, which {service} refuse"),
                    )
                    .with_help(help),
                );
            }
        }
        for (k, span) in refused(&model.app, is_refused) {
            let own =
                |b: &Block| matches!(b.get("tags"), Some(Value::Object(o)) if o.contains_key(&k));
            let Some(b) = model.of_kind(kind).find(|b| !own(b)) else {
                continue;
            };
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    span,
                    format!("the app's tag `{k}` has {what}, which {service} refuse"),
                )
                .with_label(
                    b.name_span,
                    format!("this {} gets the app's tags", kind.as_str()),
                )
                .with_help(help),
            );
        }
    }
}

/// Queues that reach themselves through `dead_letter`: a dependency cycle no target can create.
fn dead_letter_cycles(model: &Model, diags: &mut Vec<Diagnostic>) {
    let next: BTreeMap<&str, &str> = model
        .of_kind(BlockKind::Queue)
        .filter_map(|q| {
            q.reference("dead_letter")
                .map(|d| (q.name.as_str(), d.name.as_str()))
        })
        .collect();
    let mut reported: std::collections::BTreeSet<&str> = Default::default();
    for &start in next.keys() {
        // Follow the chain; a cycle through `start` is reported once, at its first queue by name.
        let mut chain = vec![start];
        let mut cur = start;
        while let Some(&n) = next.get(cur) {
            if n == start {
                break;
            }
            if chain.contains(&n) || chain.len() > next.len() {
                chain.clear();
                break;
            }
            chain.push(n);
            cur = n;
        }
        // A queue that is its own dead letter queue is reported by validation already.
        if chain.len() < 2 || next.get(cur) != Some(&start) {
            continue;
        }
        if chain.iter().any(|q| reported.contains(q)) || chain.iter().min() != Some(&start) {
            continue;
        }
        reported.extend(chain.iter().copied());
        let queue = |n: &str| model.find(BlockKind::Queue, n).expect("declared");
        let first = queue(start);
        let text: Vec<String> = chain
            .iter()
            .chain([&start])
            .map(|q| format!("queue.{q}"))
            .collect();
        let mut d = Diagnostic::error(
            "cycle",
            first.span_of("dead_letter"),
            format!("dead letter queues in a cycle: {}", text.join(" → ")),
        )
        .with_help("a dead letter queue is where failed messages rest: point it at a queue that has no `dead_letter` of its own");
        for q in chain.iter().skip(1) {
            d = d.with_label(
                queue(q).span_of("dead_letter"),
                format!("queue.{q} sends its failures on"),
            );
        }
        diags.push(d);
    }
}

/// AWS does not support batching windows on FIFO queues.
fn fifo_batch_windows(model: &Model, diags: &mut Vec<Diagnostic>) {
    for t in model.of_kind(BlockKind::Trigger) {
        let Some(TriggerSource::Queue(q)) = model.trigger_sources.get(&t.name) else {
            continue;
        };
        let fifo = model
            .find(BlockKind::Queue, q)
            .and_then(|b| b.get("fifo"))
            .and_then(Value::as_bool)
            == Some(true);
        let written = t.attrs.get("batch_window").is_some_and(|a| !a.defaulted);
        // Over 10 messages, `fifo-mismatch` reports the batch size; the window goes with it.
        if t.num("batch_size").unwrap_or(10.0) > 10.0 {
            continue;
        }
        if fifo && written {
            diags.push(
                Diagnostic::error(
                    "invalid-trigger",
                    t.span_of("batch_window"),
                    format!("queue.{q} is a FIFO queue: AWS does not support `batch_window` for FIFO queues"),
                )
                .with_help("remove `batch_window` (a FIFO queue delivers each message group in order, without batching windows)"),
            );
        }
    }
}

/// The first character AWS does not allow in a tag key or value (letters, numbers and
/// separators of any script, and `_ . : / = + - @`), if any.
fn bad_tag_char(s: &str) -> Option<char> {
    s.chars().find(|&c| {
        !(c.is_alphabetic()
            || c.is_numeric()
            || c == ' '
            || (c.is_whitespace() && !c.is_control())
            || "_.:/=+-@".contains(c))
    })
}

/// Tag keys: 1–128 characters, not starting with `aws:` (reserved by AWS); values at most 256;
/// both of letters, numbers, spaces and `_ . : / = + - @` only.
fn tags(b: &Block, diags: &mut Vec<Diagnostic>) {
    let Some(a) = b.attrs.get("tags") else { return };
    let Value::Object(map) = &a.value else { return };
    for (k, v) in map {
        let key_span = a.field_key_span(k).unwrap_or(a.span);
        let problem = if k.is_empty() {
            Some("a tag key cannot be empty".to_string())
        } else if k.to_ascii_lowercase().starts_with("aws:") {
            Some(format!(
                "tag key `{k}` starts with `aws:`, which AWS reserves for its own tags"
            ))
        } else if k.chars().count() > 128 {
            Some(format!("tag key `{k}` is longer than 128 characters"))
        } else {
            bad_tag_char(k).map(|c| {
                format!("tag key `{k}` contains {c:?}: AWS allows letters, numbers, spaces and `_ . : / = + - @` in tags")
            })
        };
        if let Some(message) = problem {
            diags.push(
                Diagnostic::error("invalid-value", key_span, message).with_help("rename the tag"),
            );
        }
        if v.as_str().is_some_and(|s| s.chars().count() > 256) {
            diags.push(Diagnostic::error(
                "invalid-value",
                a.field_span(k),
                format!("the value of tag `{k}` is longer than 256 characters"),
            ));
        } else if let Some(c) = v.as_str().and_then(bad_tag_char) {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    a.field_span(k),
                    format!("the value of tag `{k}` contains {c:?}: AWS allows letters, numbers, spaces and `_ . : / = + - @` in tags"),
                )
                .with_help("remove the character or replace it, e.g. with `-`"),
            );
        }
    }
}

/// A function's description and layers (`permissions` are checked with their type:
/// `super::iam_strings`).
fn function_strings(f: &Block, diags: &mut Vec<Diagnostic>) {
    if f.str("description") == Some("") {
        diags.push(
            Diagnostic::error(
                "invalid-value",
                f.span_of("description"),
                "the description is empty",
            )
            .with_help("remove `description`, or say what the function does"),
        );
    }
    if let Some(a) = f.attrs.get("layers") {
        for (i, l) in a.value.as_list().iter().enumerate() {
            if let Some(s) = l.as_str().filter(|s| !super::iam_strings::is_layer_arn(s)) {
                diags.push(
                    Diagnostic::error("invalid-value", a.item_span(i), format!("\"{s}\" is not a layer version ARN"))
                        .with_help("a layer is `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`, e.g. \"arn:aws:lambda:eu-west-1:123456789012:layer:shared:3\""),
                );
            }
        }
    }
}
