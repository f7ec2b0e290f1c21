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
    empty_alarm_tag_values(model, diags);
    for b in std::iter::once(&model.app).chain(&model.blocks) {
        tags(b, diags);
        if b.kind == BlockKind::Function {
            function_strings(b, diags);
        }
    }
}

/// Every deploy-time part of a value (environment values, outputs), with its span.
fn deploy_parts(b: &Block) -> Vec<(&Part, Span)> {
    let mut out = Vec::new();
    for (name, a) in b.attrs.iter() {
        match &a.value {
            Value::Deploy(parts) => out.extend(parts.iter().map(|p| (p, a.span))),
            Value::Object(o) if name == "environment" => {
                for (k, v) in o {
                    if let Value::Deploy(parts) = v {
                        let span = a.field_span(k);
                        out.extend(parts.iter().map(|p| (p, span)));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `http.url` needs the shared HTTP API (emitted only when a trigger has an `http` route), and
/// `database.X.stream_arn` needs the table's stream.
fn deploy_time_references(model: &Model, diags: &mut Vec<Diagnostic>) {
    let has_api = model
        .trigger_sources
        .values()
        .any(|s| matches!(s, TriggerSource::Http { .. }));
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

/// CloudWatch alarms refuse an empty tag value (other resources accept one): in an alarm's own
/// `tags`, or in the app's tags that an alarm gets (reported once, at the first alarm that does
/// not set the key itself).
fn empty_alarm_tag_values(model: &Model, diags: &mut Vec<Diagnostic>) {
    let empty = |b: &Block| -> Vec<(String, Span)> {
        let Some(a) = b.attrs.get("tags") else {
            return Vec::new();
        };
        let Value::Object(map) = &a.value else {
            return Vec::new();
        };
        map.iter()
            .filter(|(_, v)| v.as_str() == Some(""))
            .map(|(k, _)| (k.clone(), a.field_span(k)))
            .collect()
    };
    let help = "give the tag a value, or tag only the resources that need it (`tags` in the block)";
    for alarm in model.of_kind(BlockKind::Alarm) {
        for (k, span) in empty(alarm) {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    span,
                    format!("tag `{k}` has an empty value, which CloudWatch alarms refuse"),
                )
                .with_help(help),
            );
        }
    }
    for (k, span) in empty(&model.app) {
        let own = |b: &Block| matches!(b.get("tags"), Some(Value::Object(o)) if o.contains_key(&k));
        let Some(alarm) = model.of_kind(BlockKind::Alarm).find(|a| !own(a)) else {
            continue;
        };
        diags.push(
            Diagnostic::error(
                "invalid-value",
                span,
                format!("the app's tag `{k}` has an empty value, which CloudWatch alarms refuse"),
            )
            .with_label(alarm.name_span, "this alarm gets the app's tags")
            .with_help(help),
        );
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

/// A function's description, layers and `permissions`.
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
            if let Some(s) = l.as_str().filter(|s| !is_layer_arn(s)) {
                diags.push(
                    Diagnostic::error("invalid-value", a.item_span(i), format!("\"{s}\" is not a layer version ARN"))
                        .with_help("a layer is `arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`, e.g. \"arn:aws:lambda:eu-west-1:123456789012:layer:shared:3\""),
                );
            }
        }
    }
    if let Some(a) = f.attrs.get("permissions") {
        for (i, p) in a.value.as_list().iter().enumerate() {
            let Value::Object(o) = p else { continue };
            for r in o.get("resources").map(Value::as_list).unwrap_or_default() {
                if let Some(problem) = r.as_str().and_then(resource_problem) {
                    diags.push(
                        Diagnostic::error("invalid-value", a.item_span(i), problem.0)
                            .with_help(problem.1),
                    );
                }
            }
            for act in o.get("actions").map(Value::as_list).unwrap_or_default() {
                if let Some(s) = act.as_str().filter(|s| !is_action(s)) {
                    diags.push(
                        Diagnostic::error("invalid-value", a.item_span(i), format!("\"{s}\" is not an IAM action"))
                            .with_help("actions are `service:Action`, e.g. \"ses:SendEmail\" (a `*` may stand for part of the name)"),
                    );
                }
            }
        }
    }
}

/// `arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION`.
fn is_layer_arn(s: &str) -> bool {
    let p: Vec<&str> = s.split(':').collect();
    p.len() == 8
        && p[0] == "arn"
        && p[1].starts_with("aws")
        && p[2] == "lambda"
        && !p[3].is_empty()
        && p[4].len() == 12
        && p[4].bytes().all(|b| b.is_ascii_digit())
        && p[5] == "layer"
        && !p[6].is_empty()
        && p[6]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !p[7].is_empty()
        && p[7].bytes().all(|b| b.is_ascii_digit())
}

/// Why a permission's resource would be refused: (message, help).
fn resource_problem(s: &str) -> Option<(String, &'static str)> {
    if s == "*" {
        return None;
    }
    if unresolved_substitution(s) {
        return Some((
            format!("\"{s}\" contains `${{…}}`, which would reach the template unresolved"),
            "write the account id and region literally (e.g. via a variable): deploy-time values are not allowed in `permissions`",
        ));
    }
    let p: Vec<&str> = s.splitn(6, ':').collect();
    if p.len() < 6
        || p[0] != "arn"
        || !p[1].starts_with("aws")
        || p[2].is_empty()
        || p[5].is_empty()
    {
        return Some((
            format!("\"{s}\" is not an ARN"),
            "a resource is an ARN (`arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE`) or \"*\"",
        ));
    }
    None
}

/// Whether a string holds a `${…}` that CloudFormation would not resolve outside `Fn::Sub`: a
/// pseudo parameter (`${AWS::AccountId}`) or a reference (`${MyBucket}`). IAM policy variables
/// (`${aws:username}`, `${aws:PrincipalTag/team}`) are resolved by IAM and allowed.
fn unresolved_substitution(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let body = &rest[i + 2..];
        let end = body.find('}').unwrap_or(body.len());
        let inner = &body[..end];
        if inner.contains("::") || !inner.contains(':') {
            return true;
        }
        rest = &body[end..];
    }
    false
}

/// `service:Action`, `service:Get*`, or `*`.
fn is_action(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    let Some((service, action)) = s.split_once(':') else {
        return false;
    };
    !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !action.is_empty()
        && action
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?')
}
