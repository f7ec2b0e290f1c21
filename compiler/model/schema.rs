//! Attribute schemas of every block kind (SPEC §3) and the type checker that applies them.
//!
//! A schema lists each attribute's type, whether it is required and its default. [`check`]
//! takes an evaluated value and the attribute's syntax (so errors inside lists and objects point
//! at the element, not the whole attribute) and returns the value normalised: durations become
//! seconds, sizes megabytes, loose strings (environment, tags) strings.

use super::value::{fmt_number, suggest, suggest_enum, RefKind, Value};
use crate::diagnostics::{Diagnostic, FileId, Span};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span as _;
use indexmap::IndexMap;

#[derive(Debug, Clone)]
pub enum Ty {
    Str,
    /// A string; numbers and bools are converted (environment values, tags).
    StrLoose,
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    Float {
        min: f64,
        max: f64,
    },
    /// Seconds, or `"30s"`, `"5m"`, `"2h"`, `"14d"`.
    Duration {
        min: u64,
        max: u64,
    },
    /// Megabytes, or `"512MB"`, `"1GB"`.
    Size {
        min: u64,
        max: u64,
    },
    Enum(&'static [&'static str]),
    /// One of a list of numbers (CloudWatch log retention).
    NumEnum(&'static [i64]),
    List(Box<Ty>),
    Map(Box<Ty>),
    Object(Vec<Field>),
    Ref(&'static [RefKind]),
    /// A reference, or a bucket narrowed with `prefix(bucket.X, "p/")`.
    RefOrPrefix(&'static [RefKind]),
    /// An environment value: a string (numbers and bools converted) or a deploy-time string.
    Env,
    /// Any compile-time value (schedule input).
    Plain,
    /// Any value, deploy-time included (output values).
    Any,
    /// `bool` or the CORS object.
    Cors,
    /// A string, or a reference to a block of these kinds (`layers`: an ARN or `layer.X`).
    StrOrRef(&'static [RefKind]),
    /// An IAM action: `service:Action`, wildcards allowed.
    IamAction,
    /// An IAM resource: an ARN or `*`, possibly with deploy-time parts.
    IamResource,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct AttrSpec {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
    pub default: Option<Value>,
}

pub const RUNTIMES: &[&str] = &[
    "nodejs18.x",
    "nodejs20.x",
    "nodejs22.x",
    "nodejs24.x",
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
    "java11",
    "java17",
    "java21",
    "java25",
    "dotnet8",
    "dotnet10",
    "ruby3.3",
    "ruby3.4",
    "ruby4.0",
    "provided.al2",
    "provided.al2023",
];

/// The methods an HTTP API's CORS configuration accepts.
pub const CORS_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*",
];

/// CloudWatch Logs' allowed retention values, in days.
pub const LOG_RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

fn a(name: &'static str, ty: Ty) -> AttrSpec {
    AttrSpec {
        name,
        ty,
        required: false,
        default: None,
    }
}
fn req(name: &'static str, ty: Ty) -> AttrSpec {
    AttrSpec {
        name,
        ty,
        required: true,
        default: None,
    }
}
fn d(name: &'static str, ty: Ty, default: Value) -> AttrSpec {
    AttrSpec {
        name,
        ty,
        required: false,
        default: Some(default),
    }
}
fn n(v: f64) -> Value {
    Value::Number(v)
}
fn s(v: &str) -> Value {
    Value::String(v.to_string())
}
fn field(name: &'static str, ty: Ty, required: bool) -> Field {
    Field { name, ty, required }
}
fn list(t: Ty) -> Ty {
    Ty::List(Box::new(t))
}
fn map(t: Ty) -> Ty {
    Ty::Map(Box::new(t))
}
/// `tags`: the same on every kind that takes them (validated in `target_checks.rs`).
fn tags() -> AttrSpec {
    d("tags", map(Ty::StrLoose), Value::Object(IndexMap::new()))
}
/// `name`: an explicit physical name (validated in `physical.rs`).
fn physical_name() -> AttrSpec {
    a("name", Ty::Str)
}
fn key_ty() -> Ty {
    Ty::Object(vec![
        field("name", Ty::Str, true),
        field("type", Ty::Enum(&["string", "number", "binary"]), true),
    ])
}

const MEMORY: Ty = Ty::Size {
    min: 128,
    max: 10240,
};
const TIMEOUT: Ty = Ty::Duration { min: 1, max: 900 };
const ARCH: Ty = Ty::Enum(&["x86_64", "arm64"]);
const BATCH_WINDOW: Ty = Ty::Duration { min: 0, max: 300 };

pub fn app() -> Vec<AttrSpec> {
    vec![
        d("region", Ty::Str, s("us-east-1")),
        d("stage", Ty::Str, s("dev")),
        d("runtime", Ty::Enum(RUNTIMES), s("nodejs24.x")),
        d(
            "account_concurrency",
            Ty::Int {
                min: 100,
                max: 10_000_000,
            },
            n(1000.0),
        ),
        tags(),
        d(
            "lint",
            map(Ty::Enum(&["deny", "warn", "allow"])),
            Value::Object(IndexMap::new()),
        ),
        d("memory", MEMORY, n(128.0)),
        d("timeout", TIMEOUT, n(6.0)),
        d("architecture", ARCH, s("x86_64")),
        d("tracing", Ty::Bool, Value::Bool(false)),
        d("environment", map(Ty::Env), Value::Object(IndexMap::new())),
        d("log_retention", Ty::NumEnum(LOG_RETENTION_DAYS), n(30.0)),
        d("cors", Ty::Cors, Value::Bool(false)),
        d("source_root", Ty::Str, s(".")),
        a("websocket_route_selection", Ty::Str),
        a("logical_ids", map(Ty::Str)),
        a("nested_stacks", Ty::Int { min: 1, max: 100 }),
        a("data_stacks", Ty::Int { min: 1, max: 100 }),
        // Security (docs/security.md): the profile, and the settings every block inherits.
        d("profile", Ty::Enum(&["default", "strict"]), s("default")),
        a("kms_key", Ty::Str),
        vpc(),
        a("code_signing_config", Ty::Str),
        a("access_logs_bucket", Ty::Str),
        d("api_access_logs", Ty::Bool, Value::Bool(true)),
    ]
}

/// A function's network: subnets and security groups (per function, or the app's for all).
fn vpc() -> AttrSpec {
    a(
        "vpc",
        Ty::Object(vec![
            field("subnet_ids", list(Ty::Str), true),
            field("security_group_ids", list(Ty::Str), true),
        ]),
    )
}

pub fn function() -> Vec<AttrSpec> {
    let permission = Ty::Object(vec![
        field("actions", list(Ty::IamAction), true),
        field("resources", list(Ty::IamResource), true),
    ]);
    vec![
        physical_name(),
        req("handler", Ty::Str),
        a("source", Ty::Str),
        d("exclude", list(Ty::Str), Value::List(vec![])),
        d("include", list(Ty::Str), Value::List(vec![])),
        a("artifact", Ty::Str),
        a("runtime", Ty::Enum(RUNTIMES)),
        a("memory", MEMORY),
        a("timeout", TIMEOUT),
        a(
            "concurrency",
            Ty::Int {
                min: 0,
                max: 10_000_000,
            },
        ),
        d("environment", map(Ty::Env), Value::Object(IndexMap::new())),
        d(
            "reads",
            list(Ty::RefOrPrefix(&[RefKind::Database, RefKind::Bucket])),
            Value::List(vec![]),
        ),
        d(
            "writes",
            list(Ty::RefOrPrefix(&[RefKind::Database, RefKind::Bucket])),
            Value::List(vec![]),
        ),
        d(
            "sends",
            list(Ty::Ref(&[RefKind::Queue, RefKind::Topic, RefKind::Stream])),
            Value::List(vec![]),
        ),
        d(
            "invokes",
            list(Ty::Ref(&[RefKind::Function])),
            Value::List(vec![]),
        ),
        a("on_failure", Ty::Ref(&[RefKind::Queue, RefKind::Topic])),
        d("permissions", list(permission), Value::List(vec![])),
        d(
            "layers",
            list(Ty::StrOrRef(&[RefKind::Layer])),
            Value::List(vec![]),
        ),
        vpc(),
        a("kms_key", Ty::Str),
        a("code_signing_config", Ty::Str),
        a("dead_letter", Ty::Ref(&[RefKind::Queue, RefKind::Topic])),
        d("retries", Ty::Int { min: 0, max: 2 }, n(2.0)),
        d(
            "recursion",
            Ty::Enum(&["terminate", "allow"]),
            s("terminate"),
        ),
        a("architecture", ARCH),
        a("tracing", Ty::Bool),
        a("description", Ty::Str),
        a("manages_connections", Ty::Bool),
        tags(),
    ]
}

pub fn queue() -> Vec<AttrSpec> {
    vec![
        physical_name(),
        d("fifo", Ty::Bool, Value::Bool(false)),
        a("visibility_timeout", Ty::Duration { min: 0, max: 43200 }),
        d(
            "retention",
            Ty::Duration {
                min: 60,
                max: 1_209_600,
            },
            n(345_600.0),
        ),
        d("delay", Ty::Duration { min: 0, max: 900 }, n(0.0)),
        a("dead_letter", Ty::Ref(&[RefKind::Queue])),
        a("max_receives", Ty::Int { min: 1, max: 1000 }),
        a("kms_key", Ty::Str),
        tags(),
    ]
}

pub fn database() -> Vec<AttrSpec> {
    let index = Ty::Object(vec![
        field("partition_key", key_ty(), true),
        field("sort_key", key_ty(), false),
        field("projection", Ty::Enum(&["all", "keys_only"]), false),
    ]);
    vec![
        physical_name(),
        req("partition_key", key_ty()),
        a("sort_key", key_ty()),
        d(
            "billing",
            Ty::Enum(&["on_demand", "provisioned"]),
            s("on_demand"),
        ),
        a(
            "read_capacity",
            Ty::Int {
                min: 1,
                max: 40_000,
            },
        ),
        a(
            "write_capacity",
            Ty::Int {
                min: 1,
                max: 40_000,
            },
        ),
        a(
            "stream",
            Ty::Enum(&["new_image", "old_image", "new_and_old_images", "keys_only"]),
        ),
        a("ttl", Ty::Str),
        d("indexes", map(index), Value::Object(IndexMap::new())),
        d("point_in_time_recovery", Ty::Bool, Value::Bool(true)),
        d("retain", Ty::Bool, Value::Bool(true)),
        a("kms_key", Ty::Str),
        tags(),
    ]
}

pub fn bucket() -> Vec<AttrSpec> {
    vec![
        physical_name(),
        d("versioning", Ty::Bool, Value::Bool(true)),
        d(
            "keep_versions",
            Ty::Duration {
                min: 86_400,
                max: 315_360_000,
            },
            n(2_592_000.0),
        ),
        d("retain", Ty::Bool, Value::Bool(true)),
        a("kms_key", Ty::Str),
        a("access_logs_bucket", Ty::Str),
        tags(),
    ]
}

pub fn topic() -> Vec<AttrSpec> {
    vec![
        physical_name(),
        d("fifo", Ty::Bool, Value::Bool(false)),
        d("encrypted", Ty::Bool, Value::Bool(true)),
        a("kms_key", Ty::Str),
        tags(),
    ]
}

pub fn alarm() -> Vec<AttrSpec> {
    vec![
        req(
            "watch",
            Ty::Ref(&[RefKind::Function, RefKind::Queue, RefKind::Database]),
        ),
        req(
            "metric",
            Ty::Enum(&[
                "errors",
                "throttles",
                "duration",
                "invocations",
                "age",
                "depth",
            ]),
        ),
        req(
            "threshold",
            Ty::Float {
                min: -1.0e12,
                max: 1.0e12,
            },
        ),
        d(
            "period",
            Ty::Duration {
                min: 60,
                max: 86_400,
            },
            n(60.0),
        ),
        d("evaluation_periods", Ty::Int { min: 1, max: 100 }, n(1.0)),
        d("notify", list(Ty::Str), Value::List(vec![])),
        a("kms_key", Ty::Str),
        tags(),
    ]
}

/// Every attribute a trigger may have; which ones are allowed depends on its source kind and is
/// checked after type checking (`invalid-trigger`).
pub fn trigger() -> Vec<AttrSpec> {
    vec![
        req("function", Ty::Ref(&[RefKind::Function])),
        a("http", Ty::Str),
        a("websocket", Ty::Str),
        a("schedule", Ty::Str),
        a(
            "source",
            Ty::Ref(&[
                RefKind::Queue,
                RefKind::Database,
                RefKind::Stream,
                RefKind::Bucket,
                RefKind::Topic,
                RefKind::Alarm,
            ]),
        ),
        a("parallelization", Ty::Int { min: 1, max: 10 }),
        a("auth", Ty::Enum(&["none", "iam", "jwt", "lambda"])),
        a(
            "authorizer",
            Ty::Object(vec![
                field("function", Ty::Ref(&[RefKind::Function]), true),
                field("identity", list(Ty::Str), false),
                field("ttl", Ty::Duration { min: 0, max: 3600 }, false),
                field("simple_responses", Ty::Bool, false),
            ]),
        ),
        a(
            "jwt",
            Ty::Object(vec![
                field("issuer", Ty::Str, true),
                field("audience", list(Ty::Str), true),
            ]),
        ),
        a("input", Ty::Plain),
        a(
            "batch_size",
            Ty::Int {
                min: 1,
                max: 10_000,
            },
        ),
        a("batch_window", BATCH_WINDOW),
        a("max_concurrency", Ty::Int { min: 2, max: 1000 }),
        a("partial_failures", Ty::Bool),
        a("starting_position", Ty::Enum(&["latest", "trim_horizon"])),
        a(
            "retries",
            Ty::Int {
                min: -1,
                max: 10_000,
            },
        ),
        a("on_failure", Ty::Ref(&[RefKind::Queue, RefKind::Topic])),
        a("events", list(Ty::Enum(&["created", "removed"]))),
        a("prefix", Ty::Str),
        a("suffix", Ty::Str),
        a("filter", map(list(Ty::Str))),
    ]
}

/// A Lambda layer: a directory packaged into a deterministic zip, like a function's `source`.
pub fn layer() -> Vec<AttrSpec> {
    vec![
        req("source", Ty::Str),
        d("exclude", list(Ty::Str), Value::List(vec![])),
        d("include", list(Ty::Str), Value::List(vec![])),
        a("compatible_runtimes", list(Ty::Enum(RUNTIMES))),
        a(
            "compatible_architectures",
            list(Ty::Enum(&["x86_64", "arm64"])),
        ),
        a("description", Ty::Str),
    ]
}

/// A Kinesis data stream: on-demand unless `shards` fixes its capacity.
pub fn stream() -> Vec<AttrSpec> {
    vec![
        a(
            "shards",
            Ty::Int {
                min: 1,
                max: 10_000,
            },
        ),
        d(
            "retention",
            Ty::Duration {
                min: 86_400,
                max: 31_536_000,
            },
            n(86_400.0),
        ),
        d("encrypted", Ty::Bool, Value::Bool(true)),
        a("kms_key", Ty::Str),
        d("retain", Ty::Bool, Value::Bool(false)),
        tags(),
    ]
}

/// A raw resource (the escape hatch): a CloudFormation body, a Terraform body, or both, passed
/// through as written (deploy-time values rendered for each target).
pub fn resource() -> Vec<AttrSpec> {
    vec![
        a(
            "cloudformation",
            Ty::Object(vec![
                field("type", Ty::Str, true),
                field("properties", Ty::Map(Box::new(Ty::Any)), false),
            ]),
        ),
        a(
            "terraform",
            Ty::Object(vec![
                field("type", Ty::Str, true),
                field("arguments", Ty::Map(Box::new(Ty::Any)), false),
            ]),
        ),
        d(
            "depends_on",
            list(Ty::Ref(&RefKind::ALL)),
            Value::List(vec![]),
        ),
    ]
}

pub fn output() -> Vec<AttrSpec> {
    vec![req("value", Ty::Any), a("description", Ty::Str)]
}

/// Where a value being checked came from: its file and, when available, its syntax (so nested
/// errors get precise spans).
#[derive(Clone, Copy)]
pub struct Site<'e> {
    pub file: FileId,
    pub span: Span,
    pub expr: Option<&'e Expression>,
}

impl<'e> Site<'e> {
    fn child_list(&self, i: usize, len: usize) -> Site<'e> {
        match self.expr {
            Some(Expression::Array(arr)) if arr.len() == len => {
                let e = arr.get(i);
                Site {
                    file: self.file,
                    span: e
                        .and_then(|e| e.span())
                        .map(|r| Span::new(self.file, r))
                        .unwrap_or(self.span),
                    expr: e,
                }
            }
            _ => Site {
                expr: None,
                ..*self
            },
        }
    }
    fn child_key(&self, key: &str) -> Site<'e> {
        if let Some(Expression::Object(obj)) = self.expr {
            for (k, v) in obj.iter() {
                let matches = match k {
                    ObjectKey::Ident(i) => i.value().as_str() == key,
                    ObjectKey::Expression(Expression::String(s)) => s.value() == key,
                    _ => false,
                };
                if matches {
                    let e = v.expr();
                    return Site {
                        file: self.file,
                        span: e
                            .span()
                            .map(|r| Span::new(self.file, r))
                            .unwrap_or(self.span),
                        expr: Some(e),
                    };
                }
            }
        }
        Site {
            expr: None,
            ..*self
        }
    }
    /// The span of an object key (for errors about the key itself).
    pub fn key_span(&self, key: &str) -> Span {
        if let Some(Expression::Object(obj)) = self.expr {
            for (k, _) in obj.iter() {
                let (matches, sp) = match k {
                    ObjectKey::Ident(i) => (i.value().as_str() == key, i.span()),
                    ObjectKey::Expression(e) => (
                        matches!(e, Expression::String(s) if s.value() == key),
                        e.span(),
                    ),
                };
                if matches {
                    return sp.map(|r| Span::new(self.file, r)).unwrap_or(self.span);
                }
            }
        }
        self.span
    }
}

fn mismatch(site: Site, want: &str, got: &Value) -> Diagnostic {
    let mut d = Diagnostic::error(
        "type-mismatch",
        site.span,
        format!("expected {want}, found {}", got.describe()),
    );
    if let Value::Deploy(_) = got {
        d = d.with_help(
            "this value is known only after deploy; deploy-time values are allowed only in \
             `environment` and `output` values and `permissions` resources",
        );
    } else if let Some(help) = shape_help(want, got) {
        d = d.with_help(help);
    }
    d
}

/// The fix for the common shape mistakes: a quoted number, bool or reference, a single value
/// where a list is expected.
fn shape_help(want: &str, got: &Value) -> Option<String> {
    match got {
        Value::String(s) if want.starts_with("a reference") && s.contains('.') => {
            Some(format!("write the reference without quotes: {s}"))
        }
        Value::String(s) if want.starts_with("a reference to a ") => {
            let kind = want["a reference to a ".len()..].split([' ', '|']).next()?;
            Some(format!("write a reference without quotes: {kind}.{s}"))
        }
        Value::String(s)
            if (want.contains("number")
                || want.starts_with("a duration")
                || want.starts_with("a size"))
                && s.trim().parse::<f64>().is_ok() =>
        {
            Some(format!("remove the quotes: {}", s.trim()))
        }
        Value::String(s) if want == "a bool" && (s == "true" || s == "false") => {
            Some(format!("remove the quotes: {s}"))
        }
        Value::Ref(a) if want == "a list" => Some(format!("this is a list: write [{a}]")),
        Value::Prefix(a, p) if want == "a list" => {
            Some(format!("this is a list: write [prefix({a}, \"{p}\")]"))
        }
        Value::String(s) if want == "a list" => Some(format!("this is a list: write [\"{s}\"]")),
        _ => None,
    }
}

fn invalid(site: Site, msg: String) -> Diagnostic {
    Diagnostic::error("invalid-value", site.span, msg)
}

fn ref_kinds(kinds: &[RefKind]) -> String {
    kinds
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Parses `"30s"`, `"5m"`, `"2h"`, `"14d"` into seconds.
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mul = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    n.checked_mul(mul)
}

/// Parses `"512MB"`, `"1GB"` into megabytes.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    match unit.to_ascii_uppercase().as_str() {
        "MB" => Some(n),
        "GB" => n.checked_mul(1024),
        _ => None,
    }
}

fn whole(site: Site, x: f64) -> Result<i64, Diagnostic> {
    if x.fract() != 0.0 {
        return Err(invalid(
            site,
            format!("expected a whole number, found {}", fmt_number(x)),
        ));
    }
    Ok(x as i64)
}

fn describe_seconds(s: u64) -> String {
    if s >= 86_400 && s.is_multiple_of(86_400) {
        format!("{} d", s / 86_400)
    } else if s >= 3600 && s.is_multiple_of(3600) {
        format!("{} h", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// Type-checks and normalises a value.
pub fn check(v: Value, ty: &Ty, site: Site) -> Result<Value, Diagnostic> {
    match ty {
        Ty::Str => match v {
            Value::String(_) => Ok(v),
            other => Err(mismatch(site, "a string", &other)),
        },
        Ty::StrLoose => check_str_loose(v, site),
        Ty::Env => match v {
            Value::Deploy(_) => Ok(v),
            other => check_str_loose(other, site),
        },
        Ty::Bool => match v {
            Value::Bool(_) => Ok(v),
            other => Err(mismatch(site, "a bool", &other)),
        },
        Ty::Int { min, max } => check_int(v, *min, *max, site),
        Ty::Float { min, max } => check_float(v, *min, *max, site),
        Ty::Duration { min, max } => check_duration(v, *min, *max, site),
        Ty::Size { min, max } => check_size(v, *min, *max, site),
        Ty::Enum(options) => check_enum(v, options, site),
        Ty::NumEnum(options) => check_num_enum(v, options, site),
        Ty::List(inner) => check_list(v, inner, site),
        Ty::Map(inner) => check_map(v, inner, site),
        Ty::Object(fields) => match v {
            Value::Object(o) => check_object(o, fields, site),
            other => Err(mismatch(
                site,
                &format!(
                    "an object {{ {} }}",
                    fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                ),
                &other,
            )),
        },
        Ty::Ref(kinds) => match &v {
            Value::Ref(a) if kinds.contains(&a.kind) => Ok(v),
            other => Err(ref_mismatch(site, kinds, other)),
        },
        Ty::RefOrPrefix(kinds) => match &v {
            Value::Ref(a) | Value::Prefix(a, _) if kinds.contains(&a.kind) => Ok(v),
            other => Err(ref_mismatch(site, kinds, other)),
        },
        Ty::Plain => check_plain(v, site),
        Ty::Any => check_any(v, site),
        Ty::Cors => check_cors(v, site),
        Ty::StrOrRef(kinds) => match v {
            Value::String(_) => Ok(v),
            Value::Ref(ref a) if kinds.contains(&a.kind) => Ok(v),
            other => Err(mismatch(
                site,
                &format!(
                    "a string or a reference to {}",
                    kinds.iter().map(|k| format!("{} {}", crate::diagnostics::article(k.as_str()), k.as_str())).collect::<Vec<_>>().join(" or ")
                ),
                &other,
            )),
        },
        Ty::IamAction => match v {
            Value::String(ref a) if super::iam_strings::is_action(a) => Ok(v),
            Value::String(a) => Err(Diagnostic::error(
                "invalid-value",
                site.span,
                format!("\"{a}\" is not an IAM action"),
            )
            .with_help("actions are `service:Action`, e.g. \"ses:SendEmail\" (a `*` may stand for part of the name)")),
            other => Err(mismatch(site, "an IAM action (a string)", &other)),
        },
        Ty::IamResource => {
            let problem = match &v {
                Value::String(r) => super::iam_strings::resource_problem(r),
                Value::Deploy(parts) => super::iam_strings::deploy_resource_problem(parts),
                other => return Err(mismatch(site, "an ARN (a string)", other)),
            };
            match problem {
                None => Ok(v),
                Some((msg, help)) => {
                    Err(Diagnostic::error("invalid-value", site.span, msg).with_help(help))
                }
            }
        }
    }
}

/// A string; numbers and bools are converted to their text.
fn check_str_loose(v: Value, site: Site) -> Result<Value, Diagnostic> {
    match v {
        Value::String(_) => Ok(v),
        Value::Number(x) => Ok(Value::String(fmt_number(x))),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        other => Err(mismatch(site, "a string", &other)),
    }
}

fn check_int(v: Value, min: i64, max: i64, site: Site) -> Result<Value, Diagnostic> {
    match v {
        Value::Number(x) => {
            let i = whole(site, x)?;
            if i < min || i > max {
                return Err(invalid(
                    site,
                    format!("{i} is out of range: allowed {min}–{max}"),
                ));
            }
            Ok(Value::Number(i as f64))
        }
        other => Err(mismatch(site, "a whole number", &other)),
    }
}

fn check_float(v: Value, min: f64, max: f64, site: Site) -> Result<Value, Diagnostic> {
    match v {
        Value::Number(x) => {
            if x < min || x > max {
                return Err(invalid(site, format!("{} is out of range", fmt_number(x))));
            }
            Ok(v)
        }
        other => Err(mismatch(site, "a number", &other)),
    }
}

/// A whole number that is not negative; `what` names it in the error ("a duration").
fn whole_non_negative(site: Site, x: f64, what: &str) -> Result<u64, Diagnostic> {
    let i = whole(site, x)?;
    if i < 0 {
        return Err(invalid(site, format!("{what} cannot be negative ({i})")));
    }
    Ok(i as u64)
}

/// Seconds, or a string such as `"30s"`; normalised to a number of seconds.
fn check_duration(v: Value, min: u64, max: u64, site: Site) -> Result<Value, Diagnostic> {
    let secs = match &v {
        Value::Number(x) => whole_non_negative(site, *x, "a duration")?,
        Value::String(s) => match parse_duration(s) {
            Some(x) => x,
            None => {
                return Err(invalid(site, format!("\"{s}\" is not a duration"))
                    .with_help("write a number of seconds, or a string such as \"30s\", \"5m\", \"2h\", \"14d\""))
            }
        },
        other => return Err(mismatch(site, "a duration (seconds, or \"30s\", \"5m\", \"2h\", \"14d\")", other)),
    };
    if secs < min || secs > max {
        return Err(invalid(
            site,
            format!(
                "{} is out of range: allowed {} – {}",
                describe_seconds(secs),
                describe_seconds(min),
                describe_seconds(max)
            ),
        ));
    }
    Ok(Value::Number(secs as f64))
}

/// Megabytes, or a string such as `"512MB"`; normalised to a number of MB.
fn check_size(v: Value, min: u64, max: u64, site: Site) -> Result<Value, Diagnostic> {
    let mb = match &v {
        Value::Number(x) => whole_non_negative(site, *x, "a size")?,
        Value::String(s) => match parse_size(s) {
            Some(x) => x,
            None => {
                return Err(invalid(site, format!("\"{s}\" is not a size"))
                    .with_help("write a number of MB, or a string such as \"512MB\" or \"1GB\""))
            }
        },
        other => return Err(mismatch(site, "a size (MB, or \"512MB\", \"1GB\")", other)),
    };
    if mb < min || mb > max {
        return Err(invalid(
            site,
            format!("{mb} MB is out of range: allowed {min}–{max} MB"),
        ));
    }
    Ok(Value::Number(mb as f64))
}

fn check_enum(v: Value, options: &[&str], site: Site) -> Result<Value, Diagnostic> {
    match &v {
        Value::String(s) if options.contains(&s.as_str()) => Ok(v),
        Value::String(s) => {
            let sug = suggest_enum(s, options);
            let list = options
                .iter()
                .map(|o| format!("\"{o}\""))
                .collect::<Vec<_>>()
                .join(", ");
            Err(invalid(site, format!("\"{s}\" is not one of {list}"))
                .with_help_opt(sug.map(|x| format!("did you mean \"{x}\"?"))))
        }
        other => Err(mismatch(site, "a string", other)),
    }
}

fn check_num_enum(v: Value, options: &[i64], site: Site) -> Result<Value, Diagnostic> {
    match v {
        Value::Number(x) => {
            let i = whole(site, x)?;
            if options.contains(&i) {
                Ok(v)
            } else {
                let near = options
                    .iter()
                    .min_by_key(|o| (*o - i).abs())
                    .copied()
                    .unwrap_or(30);
                Err(
                    invalid(site, format!("{i} is not an allowed value")).with_help(format!(
                        "allowed: {}; the nearest is {near}",
                        options
                            .iter()
                            .map(|o| o.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                )
            }
        }
        other => Err(mismatch(site, "a number", &other)),
    }
}

fn check_list(v: Value, inner: &Ty, site: Site) -> Result<Value, Diagnostic> {
    match v {
        Value::List(items) => {
            let len = items.len();
            let mut out = Vec::with_capacity(len);
            for (i, item) in items.into_iter().enumerate() {
                out.push(check(item, inner, site.child_list(i, len))?);
            }
            Ok(Value::List(out))
        }
        other => Err(mismatch(site, "a list", &other)),
    }
}

fn check_map(v: Value, inner: &Ty, site: Site) -> Result<Value, Diagnostic> {
    match v {
        Value::Object(o) => {
            let mut out = IndexMap::with_capacity(o.len());
            for (k, item) in o {
                let c = check(item, inner, site.child_key(&k))?;
                out.insert(k, c);
            }
            Ok(Value::Object(out))
        }
        other => Err(mismatch(site, "a map", &other)),
    }
}

fn ref_mismatch(site: Site, kinds: &[RefKind], got: &Value) -> Diagnostic {
    mismatch(site, &format!("a reference to a {}", ref_kinds(kinds)), got)
}

/// Compile-time data without block references.
fn check_plain(v: Value, site: Site) -> Result<Value, Diagnostic> {
    if v.is_deploy_time() {
        return Err(mismatch(
            site,
            "a value known at compile time",
            &Value::Deploy(vec![]),
        ));
    }
    if contains_ref(&v) {
        return Err(mismatch(site, "plain data (no block references)", &v));
    }
    Ok(v)
}

/// Any value, deploy-time included, but not a bare block reference.
fn check_any(v: Value, site: Site) -> Result<Value, Diagnostic> {
    if contains_ref(&v) {
        return Err(Diagnostic::error(
            "type-mismatch",
            site.span,
            format!("expected a value, found {}", v.describe()),
        )
        .with_help("a block reference has no value of its own; use one of its attributes, e.g. `queue.orders.url`"));
    }
    // A stack output is one string: a list or object is emitted as its JSON text, which
    // cannot hold a value known only after deploy.
    let inside = matches!(v, Value::List(_) | Value::Object(_)) && contains_deploy(&v);
    if inside {
        return Err(Diagnostic::error(
            "type-mismatch",
            site.span,
            format!("{} holding values known only after deploy cannot be an output", if matches!(v, Value::List(_)) { "a list" } else { "an object" }),
        )
        .with_help("an output is one string: write one `output` per deploy-time value (`value = function.api.name`), or embed them in a string template"));
    }
    Ok(v)
}

/// Whether a list or object holds a deploy-time value, at any depth.
fn contains_deploy(v: &Value) -> bool {
    match v {
        Value::Deploy(_) => true,
        Value::List(l) => l.iter().any(contains_deploy),
        Value::Object(o) => o.values().any(contains_deploy),
        _ => false,
    }
}

/// `true`/`false`, or the CORS object `{ origins, methods, headers, max_age }`.
fn check_cors(v: Value, site: Site) -> Result<Value, Diagnostic> {
    match v {
        Value::Bool(_) => Ok(v),
        Value::Object(o) => check_object(
            o,
            &[
                field("origins", list(Ty::Str), false),
                field("methods", list(Ty::Enum(CORS_METHODS)), false),
                field("headers", list(Ty::Str), false),
                field(
                    "max_age",
                    Ty::Duration {
                        min: 0,
                        max: 86_400,
                    },
                    false,
                ),
            ],
            site,
        ),
        other => Err(mismatch(
            site,
            "a bool or a cors object { origins, methods, headers, max_age }",
            &other,
        )),
    }
}

fn contains_ref(v: &Value) -> bool {
    match v {
        Value::Ref(_) | Value::Prefix(..) => true,
        Value::List(l) => l.iter().any(contains_ref),
        Value::Object(o) => o.values().any(contains_ref),
        _ => false,
    }
}

fn check_object(
    o: IndexMap<String, Value>,
    fields: &[Field],
    site: Site,
) -> Result<Value, Diagnostic> {
    let mut out = IndexMap::new();
    for (k, item) in o {
        let Some(f) = fields.iter().find(|f| f.name == k) else {
            let sug = suggest(&k, fields.iter().map(|f| f.name));
            return Err(Diagnostic::error(
                "unknown-attribute",
                site.key_span(&k),
                format!(
                    "unknown key `{k}` (expected {})",
                    fields
                        .iter()
                        .map(|f| format!("`{}`", f.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_help_opt(sug.map(|x| format!("did you mean `{x}`?"))));
        };
        let c = check(item, &f.ty, site.child_key(&k))?;
        out.insert(k, c);
    }
    for f in fields {
        if f.required && !out.contains_key(f.name) {
            return Err(Diagnostic::error(
                "missing-attribute",
                site.span,
                format!("missing key `{}` in this object", f.name),
            ));
        }
    }
    Ok(Value::Object(out))
}
