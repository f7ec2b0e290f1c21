//! Values of the `.sls` expression language after evaluation.
//!
//! Besides HCL's usual values, three kinds exist only in slsc:
//! - [`Value::Ref`]: a reference to a block (`queue.orders`), typed by kind;
//! - [`Value::Prefix`]: a bucket narrowed to a key prefix (`prefix(bucket.media, "thumbs/")`);
//! - [`Value::Deploy`]: a string known only after deploy (`queue.orders.url`, `secret("x")`,
//!   templates embedding them), kept as symbolic parts for the emitters.

use indexmap::IndexMap;
use std::fmt;

/// Block kinds that can be referenced as `KIND.NAME`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RefKind {
    Function,
    Queue,
    Database,
    Bucket,
    Topic,
    Alarm,
    /// A raw resource (the escape hatch): opaque, referenced for its `arn` and `id`.
    Resource,
    /// A Kinesis data stream.
    Stream,
    /// A Lambda layer packaged from a directory.
    Layer,
}

impl RefKind {
    pub const ALL: [RefKind; 9] = [
        RefKind::Function,
        RefKind::Queue,
        RefKind::Database,
        RefKind::Bucket,
        RefKind::Topic,
        RefKind::Alarm,
        RefKind::Resource,
        RefKind::Stream,
        RefKind::Layer,
    ];
    pub fn as_str(self) -> &'static str {
        super::BlockKind::from(self).as_str()
    }
    pub fn parse(s: &str) -> Option<RefKind> {
        RefKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// The deploy-time attributes of SPEC §4 (from the kind table).
    pub fn deploy_attrs(self) -> &'static [&'static str] {
        super::BlockKind::from(self)
            .info()
            .reference
            .map(|(_, attrs)| attrs)
            .unwrap_or(&[])
    }
}

/// The address of a block: `queue.orders`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Addr {
    pub kind: RefKind,
    pub name: String,
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind.as_str(), self.name)
    }
}

/// One part of a deploy-time string.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    /// `KIND.NAME.ATTR`
    Attr(Addr, String),
    /// `http.url`, the shared HTTP API's URL.
    HttpUrl,
    /// `websocket.url`, the `wss://` URL clients connect to.
    WebsocketUrl,
    /// `websocket.endpoint`, the `https://` URL functions post to connected clients through.
    WebsocketEndpoint,
    /// `secret("name")`: a Secrets Manager secret's name.
    Secret(String),
    /// `ssm("/path")`: a Parameter Store parameter's name.
    Ssm(String),
    /// `aws.account_id`, `aws.partition`, …: where the stack is deployed.
    Aws(AwsValue),
}

impl Part {
    /// How the part reads in messages and in policies' `self`: its `${…}` text.
    pub fn text(&self) -> String {
        match self {
            Part::Lit(s) => s.clone(),
            Part::Attr(a, attr) => format!("${{{a}.{attr}}}"),
            Part::HttpUrl => "${http.url}".to_string(),
            Part::WebsocketUrl => "${websocket.url}".to_string(),
            Part::WebsocketEndpoint => "${websocket.endpoint}".to_string(),
            Part::Secret(s) => format!("${{secret(\"{s}\")}}"),
            Part::Ssm(s) => format!("${{ssm(\"{s}\")}}"),
            Part::Aws(v) => format!("${{aws.{}}}", v.name()),
        }
    }
}

/// What `aws.NAME` reads: a value of the account and partition the stack is deployed in,
/// known only after deploy (CloudFormation's pseudo parameters, Terraform's
/// `aws_caller_identity` / `aws_partition` / `aws_region`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsValue {
    AccountId,
    Partition,
    Region,
    UrlSuffix,
}

impl AwsValue {
    pub const ALL: [AwsValue; 4] = [
        AwsValue::AccountId,
        AwsValue::Partition,
        AwsValue::Region,
        AwsValue::UrlSuffix,
    ];
    pub fn name(self) -> &'static str {
        match self {
            AwsValue::AccountId => "account_id",
            AwsValue::Partition => "partition",
            AwsValue::Region => "region",
            AwsValue::UrlSuffix => "url_suffix",
        }
    }
    pub fn parse(s: &str) -> Option<AwsValue> {
        AwsValue::ALL.into_iter().find(|v| v.name() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Value>),
    Object(IndexMap<String, Value>),
    Ref(Addr),
    Prefix(Addr, String),
    Deploy(Vec<Part>),
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) => "object",
            Value::Ref(_) => "reference",
            Value::Prefix(..) => "prefix(bucket, …)",
            Value::Deploy(_) => "deploy-time string",
        }
    }
    /// A short description for messages: the type, plus the reference kind.
    pub fn describe(&self) -> String {
        match self {
            Value::Ref(a) => format!(
                "{a} ({} {})",
                crate::diagnostics::article(a.kind.as_str()),
                a.kind.as_str()
            ),
            Value::Prefix(a, p) => format!("prefix({}, \"{}\")", a, p),
            Value::Deploy(_) => "a deploy-time string (known only after deploy)".to_string(),
            Value::String(s) => format!("the string \"{}\"", truncate(s, 40)),
            Value::Number(n) => format!("the number {}", fmt_number(*n)),
            Value::Bool(b) => format!("the bool {b}"),
            Value::Null => "null".to_string(),
            Value::List(_) => "a list".to_string(),
            Value::Object(_) => "an object".to_string(),
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_list(&self) -> &[Value] {
        match self {
            Value::List(l) => l,
            _ => &[],
        }
    }
    pub fn as_ref_addr(&self) -> Option<&Addr> {
        match self {
            Value::Ref(a) | Value::Prefix(a, _) => Some(a),
            _ => None,
        }
    }
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(o) => o.get(key),
            _ => None,
        }
    }
    pub fn is_deploy_time(&self) -> bool {
        match self {
            Value::Deploy(_) => true,
            Value::List(l) => l.iter().any(Value::is_deploy_time),
            Value::Object(o) => o.values().any(Value::is_deploy_time),
            _ => false,
        }
    }
    /// Compact JSON form (used by `--format json` of the model and by tests).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => number_json(*n),
            Value::String(s) => J::String(s.clone()),
            Value::List(l) => J::Array(l.iter().map(Value::to_json).collect()),
            Value::Object(o) => {
                J::Object(o.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Ref(a) => J::String(a.to_string()),
            Value::Prefix(a, p) => serde_json::json!({"ref": a.to_string(), "prefix": p}),
            Value::Deploy(parts) => J::String(parts.iter().map(Part::text).collect()),
        }
    }
}

pub fn number_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

pub fn fmt_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let t: String = s.chars().take(max).collect();
        format!("{t}…")
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest candidate to `word`, if it is close enough to be a likely typo.
pub fn suggest<'a, I: IntoIterator<Item = &'a str>>(word: &str, candidates: I) -> Option<String> {
    let limit = (word.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(word, c);
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// The enum value `word` most likely means: the same value in another case (`"get"` →
/// `"GET"`, `"IAM"` → `"iam"`), the one value it abbreviates (`"arm"` → `"arm64"`), the one
/// value with its letters and its number (`"node22"` → `"nodejs22.x"`), else a close typo.
pub fn suggest_enum(word: &str, options: &[&str]) -> Option<String> {
    let lower = word.to_ascii_lowercase();
    if let Some(o) = options.iter().find(|o| o.to_ascii_lowercase() == lower) {
        return Some(o.to_string());
    }
    let unique = |hits: Vec<&&str>| (hits.len() == 1).then(|| hits[0].to_string());
    if !lower.is_empty() {
        let prefixed: Vec<&&str> = options
            .iter()
            .filter(|o| o.to_ascii_lowercase().starts_with(&lower))
            .collect();
        if let Some(s) = unique(prefixed) {
            return Some(s);
        }
    }
    let letters: String = lower
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let digits: String = lower
        .chars()
        .skip(letters.len())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if !letters.is_empty() && !digits.is_empty() {
        let hits: Vec<&&str> = options
            .iter()
            .filter(|o| {
                let o = o.to_ascii_lowercase();
                o.starts_with(&letters)
                    && o[letters.len()..]
                        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                        .starts_with(&digits)
            })
            .collect();
        if let Some(s) = unique(hits) {
            return Some(s);
        }
    }
    suggest(word, options.iter().copied())
}

#[cfg(test)]
mod suggest_tests {
    use super::suggest_enum;

    #[test]
    fn enum_suggestions() {
        let runtimes = ["nodejs20.x", "nodejs22.x", "python3.12", "provided.al2023"];
        assert_eq!(
            suggest_enum("node22", &runtimes).as_deref(),
            Some("nodejs22.x")
        );
        assert_eq!(
            suggest_enum("arm", &["x86_64", "arm64"]).as_deref(),
            Some("arm64")
        );
        assert_eq!(
            suggest_enum("IAM", &["none", "iam", "jwt"]).as_deref(),
            Some("iam")
        );
        assert_eq!(
            suggest_enum("get", &["GET", "POST"]).as_deref(),
            Some("GET")
        );
        assert_eq!(suggest_enum("nodejs", &runtimes), None, "ambiguous");
        assert_eq!(
            suggest_enum("FETCH", &["GET", "POST", "PATCH"]).as_deref(),
            None
        );
    }
}
