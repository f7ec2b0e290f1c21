//! Validation that involves several attributes or blocks, and the defaults that depend on other
//! blocks (a queue's visibility timeout, a table's stream, app-level function defaults).
//!
//! Runs after every block is lowered, so it sees the whole project: triggers (exactly one
//! source, the extras each source allows, routes, schedules, overlapping bucket filters),
//! physical names and their length limits, logical-ID collisions, runtimes and `moved` blocks.

use super::paths;
use super::value::{fmt_number, suggest, Addr, RefKind, Value};
use super::{Attr, Block, BlockKind, LintRule, LiteralSpans, LowerOptions, Model, TriggerSource};
use crate::diagnostics::{article, Diagnostic, Span};
use crate::naming::pascal;
use indexmap::IndexMap;
use std::collections::BTreeMap;

const HTTP_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

fn default_attr(b: &Block, value: Value) -> Attr {
    Attr::default_at(value, b.header)
}

/// Copies an app-level attribute as a function default (keeping the app's span, so a message
/// about it can point at where it was written).
pub(super) fn inherited(app: &Block, name: &str) -> Option<Attr> {
    app.attrs.get(name).map(|a| Attr {
        defaulted: true,
        ..a.clone()
    })
}

/// The source of a trigger, from its attributes (None when it has not exactly one).
fn trigger_source(t: &Block) -> Option<TriggerSource> {
    let mut found = Vec::new();
    if let Some(h) = t.str("http") {
        let (m, p) = h.split_once(' ').unwrap_or((h, ""));
        found.push(TriggerSource::Http {
            method: m.to_string(),
            path: p.to_string(),
        });
    }
    if let Some(k) = t.str("websocket") {
        found.push(TriggerSource::Websocket(k.to_string()));
    }
    if let Some(s) = t.str("schedule") {
        found.push(TriggerSource::Schedule(s.to_string()));
    }
    if let Some(a) = t.reference("source") {
        let n = a.name.clone();
        found.push(match a.kind {
            RefKind::Queue => TriggerSource::Queue(n),
            RefKind::Database => TriggerSource::Database(n),
            RefKind::Stream => TriggerSource::Stream(n),
            RefKind::Bucket => TriggerSource::Bucket(n),
            RefKind::Topic => TriggerSource::Topic(n),
            RefKind::Alarm => TriggerSource::Alarm(n),
            RefKind::Function | RefKind::Resource | RefKind::Layer => return None,
        });
    }
    if found.len() == 1 {
        found.pop()
    } else {
        None
    }
}

impl TriggerSource {
    pub fn kind_name(&self) -> &'static str {
        match self {
            TriggerSource::Http { .. } => "http",
            TriggerSource::Websocket(_) => "websocket",
            TriggerSource::Schedule(_) => "schedule",
            TriggerSource::Queue(_) => "queue",
            TriggerSource::Database(_) => "database",
            TriggerSource::Stream(_) => "stream",
            TriggerSource::Bucket(_) => "bucket",
            TriggerSource::Topic(_) => "topic",
            TriggerSource::Alarm(_) => "alarm",
        }
    }
    /// The trigger attributes this source allows besides `function` and the source itself.
    pub fn extras(&self) -> &'static [&'static str] {
        match self {
            TriggerSource::Http { .. } => &["auth", "jwt", "authorizer"],
            TriggerSource::Websocket(_) => &["auth", "authorizer"],
            TriggerSource::Schedule(_) => &["input"],
            TriggerSource::Queue(_) => &[
                "batch_size",
                "batch_window",
                "max_concurrency",
                "partial_failures",
            ],
            TriggerSource::Database(_) => &[
                "batch_size",
                "starting_position",
                "retries",
                "on_failure",
                "batch_window",
            ],
            TriggerSource::Stream(_) => &[
                "batch_size",
                "starting_position",
                "retries",
                "on_failure",
                "batch_window",
                "parallelization",
            ],
            TriggerSource::Bucket(_) => &["events", "prefix", "suffix"],
            TriggerSource::Topic(_) => &["filter"],
            TriggerSource::Alarm(_) => &[],
        }
    }
}

/// Fills in the defaults that depend on the app block or on other blocks.
pub fn apply_defaults(model: &mut Model) {
    super::profile::apply_profile(&mut model.app);
    let app = model.app.clone();
    // Trigger sources first: queue and table defaults depend on them.
    let mut sources = BTreeMap::new();
    for t in model.of_kind(BlockKind::Trigger) {
        if let Some(s) = trigger_source(t) {
            sources.insert(t.name.clone(), s);
        }
    }
    for b in model
        .blocks
        .iter_mut()
        .filter(|b| b.kind == BlockKind::Function)
    {
        function_defaults(b, &app);
    }
    let consumers = Consumers::of(model, &sources);
    for b in model.blocks.iter_mut() {
        super::profile::inherit(b, &app);
        match b.kind {
            BlockKind::Queue => queue_defaults(b, &consumers),
            BlockKind::Database => database_defaults(b, &consumers),
            BlockKind::Trigger => {
                if let Some(src) = sources.get(&b.name) {
                    trigger_defaults(b, src);
                }
            }
            _ => {}
        }
    }
    model.trigger_sources = sources;
}

/// A function inherits the app's runtime, memory, timeout, architecture and tracing, defaults
/// its `source` to the project, and merges the app's environment under its own.
fn function_defaults(b: &mut Block, app: &Block) {
    for name in ["runtime", "memory", "timeout", "architecture", "tracing"] {
        if !b.attrs.contains_key(name) {
            if let Some(a) = inherited(app, name) {
                b.attrs.insert(name.to_string(), a);
            }
        }
    }
    if !b.attrs.contains_key("source") && !b.attrs.contains_key("artifact") {
        let a = default_attr(b, Value::String(".".into()));
        b.attrs.insert("source".into(), a);
    }
    merge_app_environment(b, app);
}

/// Environment: the app's entries, then the function's own (which win). The literal spans
/// follow the values, so a message about an entry points where it was written.
fn merge_app_environment(b: &mut Block, app: &Block) {
    let (Some(Value::Object(app_env)), Some(fenv)) =
        (app.get("environment"), b.attrs.get_mut("environment"))
    else {
        return;
    };
    if app_env.is_empty() {
        return;
    }
    let mut merged: IndexMap<String, Value> = app_env.clone();
    let mut lit = app.attrs["environment"]
        .literal
        .as_deref()
        .map(|l| LiteralSpans {
            items: Vec::new(),
            fields: l.fields.clone(),
        })
        .unwrap_or_default();
    if let Some(own) = fenv.literal.take() {
        let own = *own;
        for (k, ks, vs) in own.fields {
            lit.set_field(k, ks, vs);
        }
        lit.items = own.items;
    }
    if let Value::Object(own) = &fenv.value {
        for (k, v) in own {
            merged.insert(k.clone(), v.clone());
        }
    }
    fenv.value = Value::Object(merged);
    fenv.literal = lit.boxed();
}

/// What the triggers consume, for the queue and table defaults.
struct Consumers {
    /// Queue name → the longest timeout of the functions it triggers.
    longest_timeout: BTreeMap<String, f64>,
    /// The tables whose stream triggers a function.
    streamed_tables: std::collections::BTreeSet<String>,
}

impl Consumers {
    fn of(model: &Model, sources: &BTreeMap<String, TriggerSource>) -> Consumers {
        // Function timeouts, for queue visibility defaults.
        let timeouts: BTreeMap<String, f64> = model
            .of_kind(BlockKind::Function)
            .map(|f| (f.name.clone(), f.num("timeout").unwrap_or(6.0)))
            .collect();
        let mut queue_consumers: BTreeMap<String, f64> = BTreeMap::new();
        let mut streamed_tables: std::collections::BTreeSet<String> = Default::default();
        for t in model.of_kind(BlockKind::Trigger) {
            let f = t
                .reference("function")
                .map(|a| a.name.clone())
                .unwrap_or_default();
            match sources.get(&t.name) {
                Some(TriggerSource::Queue(q)) => {
                    let to = timeouts.get(&f).copied().unwrap_or(0.0);
                    let e = queue_consumers.entry(q.clone()).or_insert(0.0);
                    *e = e.max(to);
                }
                Some(TriggerSource::Database(d)) => {
                    streamed_tables.insert(d.clone());
                }
                _ => {}
            }
        }
        Consumers {
            longest_timeout: queue_consumers,
            streamed_tables,
        }
    }
}

/// A queue's visibility timeout is six times its longest consumer's timeout (30 s – 12 h); a
/// dead-letter queue is used after 5 receives.
fn queue_defaults(b: &mut Block, consumers: &Consumers) {
    if !b.attrs.contains_key("visibility_timeout") {
        let longest = consumers
            .longest_timeout
            .get(&b.name)
            .copied()
            .unwrap_or(0.0);
        let v = (longest * 6.0).clamp(30.0, 43_200.0);
        let a = default_attr(b, Value::Number(v));
        b.attrs.insert("visibility_timeout".into(), a);
    }
    if b.attrs.contains_key("dead_letter") && !b.attrs.contains_key("max_receives") {
        let a = default_attr(b, Value::Number(5.0));
        b.attrs.insert("max_receives".into(), a);
    }
}

/// A table a trigger streams from gets a stream; every index projects all attributes unless
/// told otherwise.
fn database_defaults(b: &mut Block, consumers: &Consumers) {
    if !b.attrs.contains_key("stream") && consumers.streamed_tables.contains(&b.name) {
        let a = default_attr(b, Value::String("new_and_old_images".into()));
        b.attrs.insert("stream".into(), a);
    }
    if let Some(Attr {
        value: Value::Object(idx),
        ..
    }) = b.attrs.get_mut("indexes")
    {
        for v in idx.values_mut() {
            if let Value::Object(o) = v {
                o.entry("projection".to_string())
                    .or_insert_with(|| Value::String("all".into()));
            }
        }
    }
}

/// A trigger's defaults for its source kind (and a batching window for queue batches over 10).
fn trigger_defaults(b: &mut Block, src: &TriggerSource) {
    let mut defaults: Vec<(&str, Value)> = Vec::new();
    match src {
        TriggerSource::Http { .. } => defaults.push(("auth", Value::String("none".into()))),
        TriggerSource::Queue(_) => {
            defaults.push(("batch_size", Value::Number(10.0)));
            defaults.push(("partial_failures", Value::Bool(false)));
        }
        TriggerSource::Database(_) | TriggerSource::Stream(_) => {
            defaults.push(("batch_size", Value::Number(100.0)));
            defaults.push(("starting_position", Value::String("latest".into())));
            defaults.push(("retries", Value::Number(-1.0)));
        }
        TriggerSource::Bucket(_) => {
            defaults.push(("events", Value::List(vec![Value::String("created".into())])))
        }
        _ => {}
    }
    for (k, v) in defaults {
        if !b.attrs.contains_key(k) {
            let a = default_attr(b, v);
            b.attrs.insert(k.to_string(), a);
        }
    }
    if matches!(src, TriggerSource::Queue(_))
        && !b.attrs.contains_key("batch_window")
        && b.num("batch_size").unwrap_or(10.0) > 10.0
    {
        let a = default_attr(b, Value::Number(1.0));
        b.attrs.insert("batch_window".into(), a);
    }
}

pub fn validate(model: &mut Model, opts: &LowerOptions, diags: &mut Vec<Diagnostic>) {
    validate_app(model, &opts.lint_rules, diags);
    let account = model.app.num("account_concurrency").unwrap_or(1000.0);
    // An invalid root is reported at the app block alone: no second error per function.
    let root = model
        .app
        .str("source_root")
        .filter(|r| !(r.starts_with('/') || r.contains('\\') || r.is_empty()))
        .map(str::to_string);
    for b in &model.blocks {
        match b.kind {
            BlockKind::Function => validate_function(b, account, root.as_deref(), diags),
            BlockKind::Queue => validate_queue(b, diags),
            BlockKind::Database => validate_database(b, diags),
            BlockKind::Alarm => validate_alarm(b, diags),
            BlockKind::Trigger => validate_trigger(model, b, diags),
            _ => {}
        }
    }
    validate_routes(model, diags);
    super::websocket::validate(model, diags);
    validate_bucket_filters(model, diags);
    validate_collisions(model, diags);
    super::physical::validate(model, diags);
    validate_moved(model, diags);
    super::target_checks::validate(model, diags);
    super::profile::validate(model, diags);
}

/// `source`/`artifact` that leaves the source root (model/paths.rs).
fn outside_root(key: &str, path: &str, root: &str, span: Span) -> Diagnostic {
    let inside = if root == "." {
        "the project directory".to_string()
    } else {
        format!("the source root \"{root}\" (`app.source_root`)")
    };
    Diagnostic::error(
        "source-outside-project",
        span,
        format!("`{key}` \"{path}\" is outside {inside}: slsc packages only files inside it"),
    )
    .with_help("move the code into the project, or allow the directory explicitly with `source_root` in the app block (e.g. `source_root = \"..\"` for a sibling folder of a monorepo)")
}

fn validate_app(model: &Model, rules: &[LintRule], diags: &mut Vec<Diagnostic>) {
    let app = &model.app;
    if let Some(root) = app.str("source_root") {
        if root.starts_with('/') || root.contains('\\') || root.is_empty() {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    app.span_of("source_root"),
                    "`source_root` must be a path relative to the project directory, with `/` separators",
                )
                .with_help("e.g. \"..\" to let `source` reach the parent folder of the project"),
            );
        }
    }
    if let Some(attr) = app.attr("lint") {
        if let Value::Object(levels) = &attr.value {
            for (rule, level) in levels {
                let span = attr.field_span(rule);
                let key_span = attr.field_key_span(rule).unwrap_or(span);
                if let Some(name) = rule.strip_prefix("policy/") {
                    if model.policies.iter().any(|p| p.name == name) {
                        continue;
                    }
                    // Perhaps defined by a `--policy` file this run did not load.
                    diags.push(
                        Diagnostic::warning(
                            "unknown-policy",
                            key_span,
                            format!("no loaded policy defines `{rule}`"),
                        )
                        .with_help(
                            "the level applies once a `policy` block (or a --policy file) defines it",
                        ),
                    );
                    continue;
                }
                let known = rules.iter().find(|r| r.name == rule.as_str());
                if known.is_none() {
                    diags.push(
                        Diagnostic::error("invalid-value", key_span, format!("`{rule}` is not a rule name"))
                            .with_help(match suggest(rule, rules.iter().map(|r| r.name)) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "`slsc explain` lists the rules; user policies are named `policy/NAME`".into(),
                            }),
                    );
                } else if known.is_some_and(|r| r.hard) && level.as_str() == Some("allow") {
                    diags.push(
                        Diagnostic::error(
                            "invalid-value",
                            span,
                            format!("`{rule}` cannot be allowed: AWS would refuse the result"),
                        )
                        .with_help(format!("`{rule}` can be lowered to \"warn\" at most")),
                    );
                }
            }
        }
    }
    let region = model.region.as_str();
    let region_ok = {
        let parts: Vec<&str> = region.split('-').collect();
        parts.len() >= 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
    };
    if !region_ok {
        diags.push(
            Diagnostic::error(
                "invalid-value",
                app.span_of("region"),
                format!("\"{region}\" is not an AWS region name"),
            )
            .with_help("regions look like \"us-east-1\" or \"eu-west-2\""),
        );
    }
}

const RESERVED_ENV: &[&str] = &["_HANDLER", "_X_AMZN_TRACE_ID", "TZ"];

fn validate_function(f: &Block, account: f64, root: Option<&str>, diags: &mut Vec<Diagnostic>) {
    if f.is_set("source") && f.is_set("artifact") {
        diags.push(
            Diagnostic::error("invalid-value", f.span_of("artifact"), "`source` and `artifact` are exclusive")
                .with_label(f.span_of("source"), "`source` is set here")
                .with_help("use `source` for a directory slsc zips, or `artifact` for a prebuilt zip, not both"),
        );
    }
    for key in ["source", "artifact"] {
        if let Some(p) = f.str(key) {
            if p.starts_with('/') || p.contains('\\') || p.is_empty() {
                diags.push(Diagnostic::error(
                    "invalid-value",
                    f.span_of(key),
                    format!("`{key}` must be a path relative to the project directory, with `/` separators"),
                ));
            } else if let Some(root) = root.filter(|r| !paths::within(p, r)) {
                diags.push(outside_root(key, p, root, f.span_of(key)));
            }
        }
    }
    if f.str("handler").is_some_and(|h| h.trim().is_empty()) {
        diags.push(
            Diagnostic::error("invalid-value", f.span_of("handler"), "`handler` is empty")
                .with_help("e.g. \"index.handler\" (file index.js, exported function handler)"),
        );
    }
    if let Some(c) = f.num("concurrency") {
        if c > account {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    f.span_of("concurrency"),
                    format!("concurrency {} exceeds the account's limit of {}", fmt_number(c), fmt_number(account)),
                )
                .with_help("raise `account_concurrency` in the app block if your account's limit is higher"),
            );
        }
    }
    if let Some(a) = f.attr("layers") {
        if a.value.as_list().len() > 5 {
            diags.push(Diagnostic::error(
                "invalid-value",
                a.item_span(5),
                format!(
                    "{} layers: a function can use at most 5",
                    a.value.as_list().len()
                ),
            ));
        }
    }
    if let Some(desc) = f.str("description") {
        if desc.chars().count() > 256 {
            diags.push(Diagnostic::error(
                "invalid-value",
                f.span_of("description"),
                "a description is at most 256 characters",
            ));
        }
    }
    if let Some(a) = f.attr("environment") {
        if let Value::Object(env) = &a.value {
            let mut total = 0usize;
            for (k, v) in env {
                let span = a.field_key_span(k).unwrap_or_else(|| a.field_span(k));
                total += k.len();
                if let Value::Deploy(parts) = v {
                    for p in parts {
                        if let super::Part::Lit(s) = p {
                            total += s.len();
                        }
                    }
                } else if let Value::String(s) = v {
                    total += s.len();
                }
                let upper = k.to_ascii_uppercase();
                if upper.starts_with("AWS_")
                    || upper.starts_with("LAMBDA_")
                    || RESERVED_ENV.contains(&upper.as_str())
                {
                    diags.push(
                        Diagnostic::error(
                            "invalid-value",
                            span,
                            format!("`{k}` is a reserved Lambda environment variable"),
                        )
                        .with_help(
                            "Lambda sets AWS_*, LAMBDA_* and _HANDLER itself; choose another name",
                        ),
                    );
                } else if !valid_env_key(k) {
                    diags.push(
                        Diagnostic::error(
                            "invalid-value",
                            span,
                            format!("`{k}` is not a valid environment variable name"),
                        )
                        .with_help(
                            "names start with a letter, have at least two characters and contain only letters, digits and _",
                        ),
                    );
                }
            }
            if total > 4096 {
                diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        f.span_of("environment"),
                        format!("the environment is at least {total} bytes; Lambda allows 4 KB in total"),
                    )
                    .with_help("move large values to SSM Parameter Store and pass ssm(\"/path\") instead"),
                );
            }
        }
    }
}

/// Lambda's pattern for environment variable names: `[a-zA-Z]([a-zA-Z0-9_])+` (at least two
/// characters).
fn valid_env_key(k: &str) -> bool {
    let mut c = k.chars();
    c.next().is_some_and(|f| f.is_ascii_alphabetic())
        && k.len() >= 2
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn validate_queue(q: &Block, diags: &mut Vec<Diagnostic>) {
    if q.is_set("max_receives") && !q.written("dead_letter") {
        diags.push(
            Diagnostic::error(
                "invalid-value",
                q.span_of("max_receives"),
                "`max_receives` has no effect without `dead_letter`",
            )
            .with_help("add `dead_letter = queue.NAME`, or remove `max_receives`"),
        );
    }
    if let Some(dl) = q.reference("dead_letter") {
        if dl.name == q.name {
            diags.push(Diagnostic::error(
                "invalid-value",
                q.span_of("dead_letter"),
                format!("queue.{} cannot be its own dead letter queue", q.name),
            ));
        }
    }
}

fn validate_database(t: &Block, diags: &mut Vec<Diagnostic>) {
    let provisioned = t.str("billing") == Some("provisioned");
    for cap in ["read_capacity", "write_capacity"] {
        if t.has_failed("billing") {
            break;
        }
        if provisioned && !t.written(cap) {
            diags.push(
                Diagnostic::error(
                    "missing-attribute",
                    t.header,
                    format!("database \"{}\" is provisioned but has no `{cap}`", t.name),
                )
                .with_label(t.span_of("billing"), "billing is provisioned here"),
            );
        } else if !provisioned && t.is_set(cap) {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    t.span_of(cap),
                    format!("`{cap}` is only used with billing = \"provisioned\""),
                )
                .with_help("remove it, or set billing = \"provisioned\""),
            );
        }
    }
    let pk = t
        .get("partition_key")
        .and_then(|k| k.get("name"))
        .and_then(Value::as_str);
    let sk = t
        .get("sort_key")
        .and_then(|k| k.get("name"))
        .and_then(Value::as_str);
    if pk.is_some() && pk == sk {
        diags.push(Diagnostic::error(
            "invalid-value",
            t.span_of("sort_key"),
            "the sort key must be a different attribute from the partition key",
        ));
    }
    if let Some(a) = t.attr("indexes") {
        if let Value::Object(idx) = &a.value {
            if idx.len() > 20 {
                diags.push(Diagnostic::error(
                    "invalid-value",
                    a.span,
                    "a table has at most 20 global secondary indexes",
                ));
            }
            for (name, index) in idx {
                let key = |k: &str| {
                    index
                        .get(k)
                        .and_then(|k| k.get("name"))
                        .and_then(Value::as_str)
                };
                if let (Some(pk), Some(sk)) = (key("partition_key"), key("sort_key")) {
                    if pk == sk {
                        diags.push(
                            Diagnostic::error(
                                "invalid-value",
                                a.field_span(name),
                                format!("index `{name}`: the sort key must be a different attribute from the partition key (`{pk}`)"),
                            )
                            .with_help("give the index's sort key another attribute, or remove it"),
                        );
                    }
                }
                let ok = (3..=255).contains(&name.len())
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
                if !ok {
                    diags.push(Diagnostic::error(
                        "invalid-value",
                        a.field_span(name),
                        format!("\"{name}\" is not a valid index name (3–255 characters of a-z, A-Z, 0-9, _ . -)"),
                    ));
                }
            }
        }
    }
    // Key attributes used with two different types.
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut keys: Vec<&Value> = Vec::new();
    keys.extend(t.get("partition_key"));
    keys.extend(t.get("sort_key"));
    if let Some(Value::Object(idx)) = t.get("indexes") {
        for v in idx.values() {
            keys.extend(v.get("partition_key"));
            keys.extend(v.get("sort_key"));
        }
    }
    for k in keys {
        if let (Some(n), Some(ty)) = (
            k.get("name").and_then(Value::as_str),
            k.get("type").and_then(Value::as_str),
        ) {
            if let Some(prev) = types.get(n) {
                if prev != ty {
                    diags.push(Diagnostic::error(
                        "invalid-value",
                        t.span_of("indexes"),
                        format!("key attribute `{n}` is declared both {prev} and {ty}"),
                    ));
                }
            } else {
                types.insert(n.to_string(), ty.to_string());
            }
        }
    }
}

fn validate_alarm(a: &Block, diags: &mut Vec<Diagnostic>) {
    if let (Some(w), Some(metric)) = (a.reference("watch"), a.str("metric")) {
        let allowed: &[&str] = match w.kind {
            RefKind::Function => &["errors", "throttles", "duration", "invocations"],
            RefKind::Queue => &["age", "depth"],
            RefKind::Database => &["throttles"],
            _ => &[],
        };
        if !allowed.contains(&metric) {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    a.span_of("metric"),
                    format!("\"{metric}\" is not a metric of a {}", w.kind.as_str()),
                )
                .with_label(a.span_of("watch"), format!("watches {w}"))
                .with_help(format!(
                    "a {} has {}",
                    w.kind.as_str(),
                    allowed
                        .iter()
                        .map(|m| format!("\"{m}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    if let Some(p) = a.num("period") {
        if p as i64 % 60 != 0 {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    a.span_of("period"),
                    format!("period {} s is not a multiple of 60 s", fmt_number(p)),
                )
                .with_help(format!(
                    "use {} or {}",
                    (p as i64 / 60).max(1) * 60,
                    (p as i64 / 60 + 1) * 60
                )),
            );
        }
    }
    if let Some(attr) = a.attr("notify") {
        for (i, v) in attr.value.as_list().iter().enumerate() {
            if let Some(s) = v.as_str() {
                if !valid_email(s) {
                    diags.push(Diagnostic::error(
                        "invalid-value",
                        attr.item_span(i),
                        format!("\"{s}\" is not an e-mail address"),
                    ));
                }
            }
        }
    }
}

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',')
        && !domain.contains('@')
}

fn validate_trigger(model: &Model, t: &Block, diags: &mut Vec<Diagnostic>) {
    if !has_one_source(t, diags) {
        return;
    }
    let Some(src) = model.trigger_sources.get(&t.name) else {
        return;
    };
    validate_trigger_extras(t, src, diags);
    match src {
        TriggerSource::Http { .. } => validate_http_trigger(t, diags),
        TriggerSource::Websocket(key) => super::websocket::validate_trigger(t, key, diags),
        TriggerSource::Schedule(expr) => validate_schedule_trigger(t, expr, diags),
        TriggerSource::Queue(_) => validate_queue_trigger(t, diags),
        TriggerSource::Database(_) | TriggerSource::Stream(_) => validate_stream_trigger(t, diags),
        TriggerSource::Topic(name) => validate_topic_trigger(model, t, name, diags),
        TriggerSource::Bucket(_) | TriggerSource::Alarm(_) => {}
    }
}

/// The attributes that name a trigger's source: exactly one is written.
const SOURCE_KEYS: [&str; 4] = ["http", "websocket", "schedule", "source"];

/// Exactly one of `http`, `websocket`, `schedule` and `source` is written; reports none or several (a
/// source that failed to evaluate was already reported).
fn has_one_source(t: &Block, diags: &mut Vec<Diagnostic>) -> bool {
    let written: Vec<(&str, Span)> = SOURCE_KEYS
        .into_iter()
        .filter(|k| t.attrs.contains_key(k))
        .map(|k| (k, t.attrs[k].key_span))
        .collect();
    if written.is_empty() {
        // A source that failed to evaluate was already reported.
        if !SOURCE_KEYS.iter().any(|k| t.written(k)) && t.written("function") {
            diags.push(
                Diagnostic::error("invalid-trigger", t.header, format!("trigger \"{}\" has no source", t.name))
                    .with_help("add exactly one of `http = \"POST /path\"`, `websocket = \"$connect\"`, `schedule = \"rate(1 hour)\"` or `source = queue.NAME` (or database/bucket/topic/alarm)"),
            );
        }
        return false;
    }
    if written.len() > 1 {
        let mut d = Diagnostic::error(
            "invalid-trigger",
            written[1].1,
            format!(
                "trigger \"{}\" has {} sources: a trigger has exactly one",
                t.name,
                written.len()
            ),
        );
        d = d.with_label(written[0].1, format!("`{}` is also set", written[0].0));
        diags.push(d.with_help("split it into one trigger per source"));
        return false;
    }
    true
}

/// The attributes written besides `function` and the source must be extras the source allows.
fn validate_trigger_extras(t: &Block, src: &TriggerSource, diags: &mut Vec<Diagnostic>) {
    for (k, a) in &t.attrs {
        if a.defaulted || k == "function" || SOURCE_KEYS.contains(&k.as_str()) {
            continue;
        }
        if !src.extras().contains(&k.as_str()) {
            let allowed = src.extras();
            diags.push(
                Diagnostic::error(
                    "invalid-trigger",
                    a.key_span,
                    format!(
                        "`{k}` does not apply to {} {} trigger",
                        article(src.kind_name()),
                        src.kind_name()
                    ),
                )
                .with_help(if allowed.is_empty() {
                    format!(
                        "{} {} trigger takes no other attributes",
                        article(src.kind_name()),
                        src.kind_name()
                    )
                } else {
                    format!(
                        "{} {} trigger takes {}",
                        article(src.kind_name()),
                        src.kind_name(),
                        allowed
                            .iter()
                            .map(|x| format!("`{x}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            );
        }
    }
}

/// An HTTP trigger: its route, and `jwt` given exactly when `auth = "jwt"`.
fn validate_http_trigger(t: &Block, diags: &mut Vec<Diagnostic>) {
    let route = t.str("http").unwrap_or_default();
    if let Err(msg) = check_route(route) {
        diags.push(
            Diagnostic::error("invalid-route", t.span_of("http"), format!("invalid route \"{route}\": {msg}"))
                .with_help("a route is \"METHOD /path\", e.g. \"GET /orders/{id}\", or \"$default\" (what no other route matches); methods: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY"),
        );
    }
    validate_lambda_authorizer(t, &HTTP_IDENTITY, diags);
    let auth = t.str("auth");
    if auth == Some("jwt") && !t.written("jwt") {
        diags.push(
            Diagnostic::error("missing-attribute", t.header, format!("trigger \"{}\" uses auth = \"jwt\" but has no `jwt`", t.name))
                .with_label(t.span_of("auth"), "jwt auth chosen here")
                .with_help("add jwt = { issuer = \"https://cognito-idp.REGION.amazonaws.com/POOL_ID\", audience = [\"CLIENT_ID\"] }"),
        );
    }
    if auth != Some("jwt") && t.is_set("jwt") && !t.has_failed("auth") {
        diags.push(
            Diagnostic::error(
                "invalid-trigger",
                t.attrs["jwt"].key_span,
                "`jwt` is only used with auth = \"jwt\"",
            )
            .with_help("set auth = \"jwt\", or remove `jwt`"),
        );
    }
    validate_jwt_config(t, diags);
}

/// How long API Gateway caches a Lambda authorizer's answer unless `ttl` says (seconds).
pub const AUTHORIZER_TTL: f64 = 300.0;
/// The identity source of a Lambda authorizer unless `identity` says.
pub const AUTHORIZER_IDENTITY: &str = "$request.header.Authorization";

/// The identity sources an HTTP API's Lambda authorizer can read.
const HTTP_IDENTITY: IdentitySources = IdentitySources {
    prefixes: &[
        "$request.header.",
        "$request.querystring.",
        "$context.",
        "$stageVariables.",
    ],
    help: "identity sources are \"$request.header.NAME\", \"$request.querystring.NAME\", \"$context.NAME\" or \"$stageVariables.NAME\"",
    cached: true,
};

/// What an API's Lambda authorizer reads its identity from (the HTTP API and the WebSocket API
/// spell request parameters differently), and whether it caches answers.
pub(super) struct IdentitySources {
    pub prefixes: &'static [&'static str],
    pub help: &'static str,
    pub cached: bool,
}

/// `authorizer = { function, … }` given exactly when `auth = "lambda"`; identity sources are
/// request parameters, required when results are cached.
pub(super) fn validate_lambda_authorizer(
    t: &Block,
    identity: &IdentitySources,
    diags: &mut Vec<Diagnostic>,
) {
    let lambda = t.str("auth") == Some("lambda");
    if lambda && !t.written("authorizer") {
        diags.push(
            Diagnostic::error("missing-attribute", t.header, format!("trigger \"{}\" uses auth = \"lambda\" but has no `authorizer`", t.name))
                .with_label(t.span_of("auth"), "lambda auth chosen here")
                .with_help("add authorizer = { function = function.authorize }: the function gets each request's identity sources and answers { isAuthorized = true|false }"),
        );
    }
    if !lambda && t.is_set("authorizer") {
        diags.push(
            Diagnostic::error(
                "invalid-trigger",
                t.attrs["authorizer"].key_span,
                "`authorizer` is only used with auth = \"lambda\"",
            )
            .with_help("set auth = \"lambda\", or remove `authorizer`"),
        );
    }
    let Some(a) = t.get("authorizer") else {
        return;
    };
    // The `identity` list when the authorizer was written as an object literal.
    let span = t.attrs["authorizer"].field_span("identity");
    let sources = a.get("identity").map(Value::as_list).unwrap_or_default();
    for s in sources.iter().filter_map(Value::as_str) {
        let ok = identity
            .prefixes
            .iter()
            .any(|p| s.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
        if !ok {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    span,
                    format!("\"{s}\" is not an identity source"),
                )
                .with_help(identity.help),
            );
        }
    }
    if !identity.cached {
        return;
    }
    let ttl = a
        .get("ttl")
        .and_then(Value::as_f64)
        .unwrap_or(AUTHORIZER_TTL);
    if a.get("identity").is_some() && sources.is_empty() && ttl > 0.0 {
        diags.push(
            Diagnostic::error("invalid-value", span, "a cached authorizer (ttl > 0) needs at least one identity source: they are the cache key")
                .with_help("add identity = [\"$request.header.Authorization\"], or set ttl = 0"),
        );
    }
}

/// `jwt = { issuer, audience }`: an https issuer and a non-empty audience.
fn validate_jwt_config(t: &Block, diags: &mut Vec<Diagnostic>) {
    let Some(j) = t.get("jwt") else {
        return;
    };
    if let Some(iss) = j.get("issuer").and_then(Value::as_str) {
        if !iss.starts_with("https://") {
            diags.push(Diagnostic::error(
                "invalid-value",
                t.attrs["jwt"].span,
                format!("the JWT issuer \"{iss}\" must be an https:// URL"),
            ));
        }
    }
    if j.get("audience").is_some_and(|a| a.as_list().is_empty()) {
        diags.push(Diagnostic::error(
            "invalid-value",
            t.attrs["jwt"].span,
            "the JWT audience list is empty",
        ));
    }
}

/// A schedule trigger: a valid `rate(…)` or `cron(…)` expression.
fn validate_schedule_trigger(t: &Block, expr: &str, diags: &mut Vec<Diagnostic>) {
    if let Err((msg, help)) = check_schedule(expr) {
        diags.push(
            Diagnostic::error(
                "invalid-schedule",
                t.span_of("schedule"),
                format!("invalid schedule \"{expr}\": {msg}"),
            )
            .with_help(help),
        );
    }
}

/// A queue trigger: a batch over 10 records needs a batching window.
fn validate_queue_trigger(t: &Block, diags: &mut Vec<Diagnostic>) {
    let batch = t.num("batch_size").unwrap_or(10.0);
    if batch > 10.0 && t.is_set("batch_window") && t.num("batch_window") == Some(0.0) {
        diags.push(
            Diagnostic::error(
                "invalid-value",
                t.span_of("batch_window"),
                "a batch_size over 10 needs a batch_window of at least 1 s",
            )
            .with_label(t.span_of("batch_size"), "batch_size set here")
            .with_help(
                "AWS requires MaximumBatchingWindowInSeconds ≥ 1 when the batch size is over 10",
            ),
        );
    }
}

/// A database (stream) trigger: at most 10,000 records a batch.
fn validate_stream_trigger(t: &Block, diags: &mut Vec<Diagnostic>) {
    if let Some(b) = t.num("batch_size") {
        if b > 10_000.0 {
            diags.push(Diagnostic::error(
                "invalid-value",
                t.span_of("batch_size"),
                "a stream batch is at most 10000 records",
            ));
        }
    }
}

/// A topic trigger: a FIFO topic cannot invoke a function.
fn validate_topic_trigger(model: &Model, t: &Block, name: &str, diags: &mut Vec<Diagnostic>) {
    if model
        .find(BlockKind::Topic, name)
        .is_some_and(|tp| tp.bool("fifo") == Some(true))
    {
        diags.push(
            Diagnostic::error(
                "invalid-trigger",
                t.span_of("source"),
                format!("topic.{name} is FIFO: a FIFO topic cannot invoke a function"),
            )
            .with_help(
                "subscribe a FIFO queue to the topic and trigger the function from that queue",
            ),
        );
    }
}

/// Checks `METHOD /path`.
pub fn check_route(route: &str) -> Result<(), String> {
    // The catch-all route: requests no other route matches.
    if route == "$default" {
        return Ok(());
    }
    let Some((method, path)) = route.split_once(' ') else {
        return Err("expected \"METHOD /path\"".into());
    };
    if !HTTP_METHODS.contains(&method) {
        let upper = method.to_ascii_uppercase();
        return Err(if HTTP_METHODS.contains(&upper.as_str()) {
            format!("methods are upper case: {upper}")
        } else {
            format!("`{method}` is not an HTTP method")
        });
    }
    if !path.starts_with('/') {
        return Err("the path must start with `/`".into());
    }
    if path == "/" {
        return Ok(());
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    let mut names = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        if seg.is_empty() {
            return Err("empty path segment (`//` or a trailing `/`)".into());
        }
        if seg.starts_with('{') || seg.ends_with('}') {
            let inner = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
            let Some(inner) = inner else {
                return Err(format!(
                    "`{seg}` is not a well-formed parameter: write {{name}}"
                ));
            };
            let (name, greedy) = match inner.strip_suffix('+') {
                Some(n) => (n, true),
                None => (inner, false),
            };
            let valid = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid {
                return Err(format!(
                    "`{seg}` is not a well-formed parameter: write {{name}}"
                ));
            }
            if greedy && i + 1 != segments.len() {
                return Err(format!(
                    "the greedy parameter `{seg}` must be the last segment"
                ));
            }
            if names.contains(&name) {
                return Err(format!("the parameter `{name}` appears twice"));
            }
            names.push(name);
        } else if seg.contains('{') || seg.contains('}') {
            return Err(format!("`{seg}`: a parameter must be a whole segment"));
        } else if !seg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:@!$&'()*+,;=%".contains(c))
        {
            return Err(format!("`{seg}` contains characters not allowed in a path"));
        }
    }
    Ok(())
}

/// The route with parameter names erased: `/a/{id}` and `/a/{key}` are the same route.
fn route_shape(route: &str) -> String {
    let (method, path) = route.split_once(' ').unwrap_or((route, ""));
    let segs: Vec<String> = path
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with("+}") {
                "{+}".to_string()
            } else if s.starts_with('{') {
                "{}".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    format!("{method} {}", segs.join("/"))
}

fn validate_routes(model: &Model, diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, (&Block, Span)> = BTreeMap::new();
    for t in model.of_kind(BlockKind::Trigger) {
        let Some(route) = t.str("http") else { continue };
        if check_route(route).is_err() || !model.trigger_sources.contains_key(&t.name) {
            continue;
        }
        let shape = route_shape(route);
        if let Some((first, span)) = seen.get(&shape) {
            diags.push(
                Diagnostic::error(
                    "duplicate-route",
                    t.span_of("http"),
                    format!(
                        "route \"{route}\" is already served by trigger \"{}\"",
                        first.name
                    ),
                )
                .with_label(*span, "first declared here")
                .with_help(
                    "all routes share one HTTP API; parameter names do not distinguish routes",
                ),
            );
        } else {
            seen.insert(shape, (t, t.span_of("http")));
        }
    }
}

/// Checks `rate(…)` and `cron(…)` (EventBridge syntax). Returns the message and a help text.
pub fn check_schedule(s: &str) -> Result<(), (String, String)> {
    if let Some(inner) = s.strip_prefix("rate(").and_then(|x| x.strip_suffix(')')) {
        let help = "write rate(1 minute), rate(5 minutes), rate(1 hour), rate(2 days)…".to_string();
        let parts: Vec<&str> = inner.split_whitespace().collect();
        let [n, unit] = parts.as_slice() else {
            return Err(("a rate is a number and a unit".into(), help));
        };
        let Ok(n) = n.parse::<u64>() else {
            return Err((format!("`{n}` is not a positive whole number"), help));
        };
        if n == 0 {
            return Err(("the rate must be at least 1".into(), help));
        }
        let singular = ["minute", "hour", "day"];
        let plural = ["minutes", "hours", "days"];
        if n == 1 && plural.contains(unit) {
            return Err((
                format!(
                    "a rate of 1 takes a singular unit: rate(1 {})",
                    unit.trim_end_matches('s')
                ),
                help,
            ));
        }
        if n > 1 && singular.contains(unit) {
            return Err((
                format!("a rate over 1 takes a plural unit: rate({n} {unit}s)"),
                help,
            ));
        }
        if !singular.contains(unit) && !plural.contains(unit) {
            return Err((
                format!("`{unit}` is not a unit: use minute(s), hour(s) or day(s)"),
                help,
            ));
        }
        return Ok(());
    }
    if let Some(inner) = s.strip_prefix("cron(").and_then(|x| x.strip_suffix(')')) {
        let help = "cron(minutes hours day-of-month month day-of-week year), with `?` in day-of-month or day-of-week, e.g. cron(0 3 * * ? *)".to_string();
        let fields: Vec<&str> = inner.split_whitespace().collect();
        if fields.len() != 6 {
            return Err((
                format!("a cron expression has 6 fields, found {}", fields.len()),
                help,
            ));
        }
        let (dom, dow) = (fields[2], fields[4]);
        if (dom == "?") == (dow == "?") {
            return Err((
                "exactly one of day-of-month (3rd field) and day-of-week (5th field) must be `?`"
                    .into(),
                help,
            ));
        }
        let names = [
            "minutes",
            "hours",
            "day-of-month",
            "month",
            "day-of-week",
            "year",
        ];
        let ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199)];
        for (i, f) in fields.iter().enumerate() {
            if !f
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ",-*/?#".contains(c))
            {
                return Err((
                    format!(
                        "the {} field `{f}` has characters cron does not allow",
                        names[i]
                    ),
                    help,
                ));
            }
            if f.contains('?') && i != 2 && i != 4 {
                return Err((
                    format!(
                        "`?` is only allowed in day-of-month and day-of-week, not in {}",
                        names[i]
                    ),
                    help,
                ));
            }
            for tok in f.split([',', '-', '/', '#']) {
                if let Ok(n) = tok.parse::<u32>() {
                    let (lo, hi) = ranges[i];
                    let is_step = f.contains('/') && f.split('/').nth(1) == Some(tok);
                    if !is_step && (n < lo || n > hi) {
                        return Err((
                            format!("{n} is out of range for {} ({lo}–{hi})", names[i]),
                            help,
                        ));
                    }
                }
            }
        }
        return Ok(());
    }
    Err((
        "expected rate(…) or cron(…)".into(),
        "e.g. rate(5 minutes) or cron(0 3 * * ? *) (EventBridge syntax, UTC)".into(),
    ))
}

/// Two prefix/suffix filters overlap when one prefix starts with the other and one suffix ends
/// with the other (an empty filter matches everything).
fn filters_overlap(p1: &str, s1: &str, p2: &str, s2: &str) -> bool {
    (p1.starts_with(p2) || p2.starts_with(p1)) && (s1.ends_with(s2) || s2.ends_with(s1))
}

fn trigger_events(t: &Block) -> Vec<&str> {
    t.get("events")
        .map(|e| e.as_list().iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn validate_bucket_filters(model: &Model, diags: &mut Vec<Diagnostic>) {
    let mut by_bucket: BTreeMap<&str, Vec<&Block>> = BTreeMap::new();
    for (t, src) in model.triggers() {
        if let TriggerSource::Bucket(b) = src {
            by_bucket.entry(b.as_str()).or_default().push(t);
        }
    }
    for (bucket, triggers) in by_bucket {
        let all_events: Vec<Vec<&str>> = triggers.iter().map(|t| trigger_events(t)).collect();
        for (i, a) in triggers.iter().enumerate() {
            for (j, b) in triggers[..i].iter().enumerate() {
                let (ea, eb) = (&all_events[i], &all_events[j]);
                let Some(common) = ea.iter().find(|e| eb.contains(e)) else {
                    continue;
                };
                let (pa, sa) = (a.str("prefix").unwrap_or(""), a.str("suffix").unwrap_or(""));
                let (pb, sb) = (b.str("prefix").unwrap_or(""), b.str("suffix").unwrap_or(""));
                if filters_overlap(pa, sa, pb, sb) {
                    diags.push(
                        Diagnostic::error(
                            "invalid-trigger",
                            a.span_of("source"),
                            format!(
                                "triggers \"{}\" and \"{}\" both fire on \"{common}\" events of bucket.{bucket} with overlapping filters: S3 refuses this",
                                b.name, a.name
                            ),
                        )
                        .with_label(b.span_of("source"), "the other trigger")
                        .with_help("give them prefixes that do not start with one another (e.g. \"images/\" and \"videos/\"), or different suffixes"),
                    );
                    // One diagnostic per trigger, at the first trigger it overlaps.
                    break;
                }
            }
        }
    }
}

/// The logical-ID class of a block: the emitted ID suffix its logical IDs share.
fn validate_collisions(model: &Model, diags: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<String, &Block> = BTreeMap::new();
    for b in &model.blocks {
        let Some(suffix) = b.kind.info().logical_suffix else {
            continue;
        };
        let id = format!("{}{suffix}", pascal(&b.name));
        if let Some(first) = seen.get(&id) {
            diags.push(
                Diagnostic::error(
                    "name-collision",
                    b.name_span,
                    format!(
                        "{} and {} would both emit the logical ID `{id}`",
                        first.addr(),
                        b.addr()
                    ),
                )
                .with_label(first.name_span, "the other block")
                .with_help("logical IDs are the PascalCase of the name: rename one of the blocks"),
            );
        } else {
            seen.insert(id, b);
        }
    }
}

fn validate_moved(model: &Model, diags: &mut Vec<Diagnostic>) {
    let mut froms: BTreeMap<&Addr, Span> = BTreeMap::new();
    // A chain `a → b`, `b → c` is allowed: `b` is then the `from` of another `moved`.
    let chained: std::collections::BTreeSet<&Addr> = model.moved.iter().map(|m| &m.from).collect();
    for m in &model.moved {
        if model.resolve(&m.to).is_none() && !chained.contains(&m.to) {
            let cands: Vec<&str> = model
                .of_kind(m.to.kind.into())
                .map(|b| b.name.as_str())
                .collect();
            diags.push(
                Diagnostic::error(
                    "unresolved-reference",
                    m.span,
                    format!("moved to {}, but no such block is declared", m.to),
                )
                .with_help_opt(
                    suggest(&m.to.name, cands)
                        .map(|s| format!("did you mean `{}.{s}`?", m.to.kind.as_str())),
                ),
            );
        }
        if model.resolve(&m.from).is_some() {
            diags.push(
                Diagnostic::error(
                    "invalid-value",
                    m.span,
                    format!("moved from {}, but {} is still declared", m.from, m.from),
                )
                .with_help("a `moved` block records a rename: the old block must be gone"),
            );
        }
        if m.from == m.to {
            diags.push(Diagnostic::error(
                "invalid-value",
                m.span,
                "`from` and `to` are the same block",
            ));
        }
        if let Some(prev) = froms.get(&m.from) {
            diags.push(
                Diagnostic::error(
                    "duplicate-name",
                    m.span,
                    format!("{} is moved twice", m.from),
                )
                .with_label(*prev, "first moved here"),
            );
        } else {
            froms.insert(&m.from, m.span);
        }
    }
}
