//! `slsc import serverless.yml`: a Serverless Framework (v3/v4, AWS provider) service turned
//! into a `.sls` project, with a report of everything that did not map.
//!
//! The file is read with positions (`yaml.rs`); Serverless variables and CloudFormation
//! intrinsics become expressions (`vars.rs`, `cfn.rs`); `provider` becomes the `app` block
//! (`provider.rs`), `resources.Resources` the blocks slsc models or raw resources
//! (`resources.rs`), each function a `function` block and its events `trigger` blocks
//! (`functions.rs`, `events.rs`), and the shared IAM statements `reads`/`writes`/`sends`/
//! `invokes` or `permissions` (`iam.rs`). What could not be said is a [`Finding`]: file, line,
//! key, why, and what to do — listed in `IMPORT.md` and on stderr, never dropped silently.
//!
//! Adoption: the imported project keeps the deployed stack's logical IDs for what holds data and
//! what is named (tables, buckets, queues, topics, functions and their log groups) through
//! `app.logical_ids`, and their physical names through `name` (docs/migrating.md).

mod cfn;
mod events;
mod functions;
mod hcl;
mod iam;
mod provider;
mod report;
mod resources;
mod vars;
pub mod yaml;

use hcl::{Block, H};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use yaml::{Node, Yaml};

pub use report::{lines, markdown};

/// Something that did not map, or needs the user: where, what, why, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub line: u32,
    pub col: u32,
    /// The key path (`functions.hello.events[0].http.authorizer`).
    pub key: String,
    pub why: String,
    pub todo: String,
}

/// How much mapped: the functions and events of the file, and those that became blocks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub functions: usize,
    pub functions_mapped: usize,
    pub events: usize,
    pub events_mapped: usize,
    /// Plugins, each with what slsc does about it.
    pub plugins: Vec<(String, String)>,
}

/// An imported project.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The `.sls` files (relative path, formatted text).
    pub files: Vec<(String, String)>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

/// Why nothing could be imported.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportError {
    Read(String),
    Yaml(yaml::YamlError),
    /// Another provider than AWS: (provider, line, column).
    NotAws(String, u32, u32),
    /// Not a Serverless service (no `service` or no `provider`).
    NotAService(String),
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::Read(e) => write!(f, "{e}"),
            ImportError::Yaml(e) => write!(f, "{}:{}: {}", e.line, e.col, e.message),
            ImportError::NotAws(p, l, c) => write!(f, "{l}:{c}: the provider is `{p}`: slsc builds for AWS only, so a `{p}` service cannot be imported"),
            ImportError::NotAService(why) => write!(f, "{why}"),
        }
    }
}

/// What a CloudFormation logical ID of the service is in the imported project.
#[derive(Debug, Clone)]
pub struct Target {
    /// `database`, `queue`, `topic`, `bucket`, `stream`, `function`, `resource`.
    pub kind: &'static str,
    pub name: String,
}

/// The import's state: the document, the findings, and what the blocks declared so far.
pub struct Cx<'a> {
    doc: &'a Node,
    /// The service's directory (files are read relative to it).
    dir: &'a Path,
    findings: Vec<Finding>,
    variables: BTreeMap<String, (H, String)>,
    locals: BTreeMap<String, H>,
    /// `self:custom.path` → its local's name.
    local_of: HashMap<String, String>,
    /// `self:` paths being resolved (cycle guard).
    resolving: Vec<String>,
    /// The service's logical IDs → the blocks they became.
    logical: BTreeMap<String, Target>,
    /// The stage, region and service as imported (for lookups that depend on them).
    stage: String,
    region: String,
    service: String,
    /// slsc's logical ID → the deployed stack's (`app.logical_ids`).
    adopt: BTreeMap<String, String>,
    /// Function keys → block names.
    functions: BTreeMap<String, String>,
    /// Trigger names taken.
    triggers: std::collections::BTreeSet<String>,
    events_mapped: usize,
    /// Some REST API event asked for CORS.
    http_cors: bool,
    /// Blocks events declare (the buckets and topics Serverless creates for them).
    extra: Vec<Block>,
    /// For runtime decisions (`--today`).
    today: String,
    /// Some environment value is a secret written in plain text.
    plaintext_secrets: bool,
}

impl<'a> Cx<'a> {
    fn new(doc: &'a Node, dir: &'a Path) -> Cx<'a> {
        Cx {
            doc,
            dir,
            findings: Vec::new(),
            variables: BTreeMap::new(),
            locals: BTreeMap::new(),
            local_of: HashMap::new(),
            resolving: Vec::new(),
            logical: BTreeMap::new(),
            stage: "dev".into(),
            region: "us-east-1".into(),
            service: String::new(),
            adopt: BTreeMap::new(),
            functions: BTreeMap::new(),
            triggers: Default::default(),
            events_mapped: 0,
            http_cors: false,
            extra: Vec::new(),
            today: String::new(),
            plaintext_secrets: false,
        }
    }

    /// Findings for environment entries that hold a secret in plain text (a name like
    /// `API_KEY` with a literal value): slsc's `plaintext-secret` refuses them, so the import
    /// lowers it to a warning and says what to do.
    fn secrets_in(&mut self, n: &Node, v: &H, key: &str) {
        let H::Obj(entries) = v else { return };
        for (k, x) in entries {
            if crate::checks::rules::plaintext_secret::is_secret_name(k) && !x.is_deploy_time() {
                self.plaintext_secrets = true;
                let at = n.get(k).unwrap_or(n).clone();
                self.finding(&at, &format!("{key}.{k}"), format!("`{k}` holds a secret in plain text (slsc's `plaintext-secret` is lowered to a warning for the import)"), format!("store it in Secrets Manager and write `{k} = secret(\"NAME\")` (the function then receives the secret's name), then remove the `lint` override"));
            }
        }
    }

    pub fn finding(
        &mut self,
        at: &Node,
        key: &str,
        why: impl Into<String>,
        todo: impl Into<String>,
    ) {
        self.findings.push(Finding {
            line: at.line,
            col: at.col,
            key: key.to_string(),
            why: why.into(),
            todo: todo.into(),
        });
    }

    /// Declares a variable (a new name when taken); returns its name.
    pub fn declare_variable(&mut self, base: &str, default: H, description: String) -> String {
        let name = unique(base, |n| self.variables.contains_key(n));
        self.variables.insert(name.clone(), (default, description));
        name
    }

    /// Declares a local (a new name when taken); returns its name.
    pub fn declare_local(&mut self, base: &str, value: H) -> String {
        if let Some((n, _)) = self.locals.iter().find(|(_, v)| **v == value) {
            return n.clone();
        }
        let name = unique(base, |n| self.locals.contains_key(n));
        self.locals.insert(name.clone(), value);
        name
    }

    /// A value of the file as `.sls`: variables resolved, intrinsics turned into references.
    /// `deploy_ok` where deploy-time values are allowed (environment, permissions, outputs,
    /// raw resources); elsewhere such a value is a finding and `None`.
    pub fn value(&mut self, n: &Node, key: &str, deploy_ok: bool) -> Option<H> {
        let v = self.value_any(n, key)?;
        if !deploy_ok && v.is_deploy_time() {
            self.finding(n, key, "the value is known only after deploy (a CloudFormation reference), and slsc needs it at compile time here", "write the value by hand");
            return None;
        }
        Some(v)
    }

    fn value_any(&mut self, n: &Node, key: &str) -> Option<H> {
        match &n.value {
            Yaml::Null => Some(H::Raw("null".into())),
            Yaml::Bool(b) => Some(H::bool(*b)),
            Yaml::Int(i) => Some(H::Raw(i.to_string())),
            Yaml::Float(f) => Some(H::num(*f)),
            Yaml::Str(s) => match self.string(s, n, key) {
                vars::Resolved::Tpl(t) => Some(H::Str(t)),
                vars::Resolved::Node(m) => self.value_any(&m, key),
            },
            Yaml::Seq(items) => {
                let mut out = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    out.push(self.value_any(x, &format!("{key}[{i}]"))?);
                }
                Some(H::List(out))
            }
            Yaml::Map(entries) => {
                if let [(k, v)] = entries.as_slice() {
                    if let Some(name) = k.as_str().filter(|k| *k == "Ref" || k.starts_with("Fn::"))
                    {
                        let name = name.strip_prefix("Fn::").unwrap_or(name).to_string();
                        return self.intrinsic(&name, v, key).map(H::Str);
                    }
                }
                let mut out = Vec::new();
                for (k, v) in entries {
                    let ks = k.scalar_text().unwrap_or_default();
                    let ks = match self.string(&ks, k, key) {
                        vars::Resolved::Tpl(t) => t.as_text().unwrap_or(ks),
                        vars::Resolved::Node(_) => ks,
                    };
                    out.push((ks.clone(), self.value_any(v, &format!("{key}.{ks}"))?));
                }
                Some(H::Obj(out))
            }
            Yaml::Tagged(tag, inner) => self.intrinsic(tag, inner, key).map(H::Str),
        }
    }

    /// A compile-time string (a name, a handler, a route): `None` (with a finding) otherwise.
    pub fn text(&mut self, n: &Node, key: &str) -> Option<H> {
        match self.value(n, key, false)? {
            v @ H::Str(_) => Some(v),
            H::Raw(r) if r != "null" => Some(H::str(r)),
            _ => {
                self.finding(n, key, "expected a string", "write the value by hand");
                None
            }
        }
    }

    /// A number, variables resolved; `None` with a finding when it is not one at import time.
    pub fn number(&mut self, n: &Node, key: &str) -> Option<f64> {
        if let Some(v) = n.as_f64() {
            return Some(v);
        }
        let v = self
            .plain(n, key)
            .and_then(|s| s.trim().parse::<f64>().ok());
        if v.is_none() {
            self.finding(
                n,
                key,
                "not a number slsc can read at import time",
                "write the number by hand",
            );
        }
        v
    }

    /// The plain text of a value, with the stage, region and service as imported.
    pub fn plain(&mut self, n: &Node, key: &str) -> Option<String> {
        match n.value {
            Yaml::Str(ref s) => match self.string(s, n, key) {
                vars::Resolved::Tpl(t) => self.known(&t),
                vars::Resolved::Node(m) => m.scalar_text(),
            },
            _ => n.scalar_text(),
        }
    }

    fn known(&self, t: &hcl::Tpl) -> Option<String> {
        let mut s = String::new();
        for seg in &t.0 {
            match seg {
                hcl::Seg::Text(x) => s.push_str(x),
                hcl::Seg::Expr { expr, .. } => match expr.as_str() {
                    "app.stage" => s.push_str(&self.stage),
                    "app.region" => s.push_str(&self.region),
                    "app.name" => s.push_str(&self.service),
                    e => match e.strip_prefix("local.").and_then(|l| self.locals.get(l)) {
                        Some(H::Str(inner)) => s.push_str(&self.known(&inner.clone())?),
                        _ => return None,
                    },
                },
            }
        }
        Some(s)
    }
}

/// `base`, or `base_2`, `base_3`… when taken.
fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| format!("{base}_{i}"))
        .find(|n| !taken(n))
        .expect("a free name")
}

/// A JSON file as a node tree (positions unknown: 1:1).
fn json_node(text: &str) -> Option<Node> {
    fn conv(v: &serde_json::Value) -> Node {
        let value = match v {
            serde_json::Value::Null => Yaml::Null,
            serde_json::Value::Bool(b) => Yaml::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Yaml::Int(i),
                None => Yaml::Float(n.as_f64().unwrap_or(0.0)),
            },
            serde_json::Value::String(s) => Yaml::Str(s.clone()),
            serde_json::Value::Array(a) => Yaml::Seq(a.iter().map(conv).collect()),
            serde_json::Value::Object(o) => Yaml::Map(
                o.iter()
                    .map(|(k, v)| {
                        (
                            Node {
                                value: Yaml::Str(k.clone()),
                                line: 1,
                                col: 1,
                            },
                            conv(v),
                        )
                    })
                    .collect(),
            ),
        };
        Node {
            value,
            line: 1,
            col: 1,
        }
    }
    serde_json::from_str(text).ok().map(|v| conv(&v))
}

/// The blocks of the imported project, by file.
#[derive(Default)]
struct Project {
    app: Block,
    functions: Vec<(Block, Vec<Block>)>,
    resources: Vec<Block>,
    outputs: Vec<Block>,
}

/// Imports `serverless.yml` (its directory is the service's). `out` is where the project will
/// be written: functions' `source` is relative to it.
pub fn import(yml: &Path, out: &Path, today: &str) -> Result<Imported, ImportError> {
    let text = std::fs::read_to_string(yml)
        .map_err(|e| ImportError::Read(format!("cannot read {}: {e}", yml.display())))?;
    let doc = yaml::parse(&text).map_err(ImportError::Yaml)?;
    let dir = yml.parent().unwrap_or(Path::new("."));
    let provider = doc.get("provider").ok_or_else(|| {
        ImportError::NotAService(format!(
            "{} has no `provider`: not a Serverless service",
            yml.display()
        ))
    })?;
    let pname = provider.get("name").and_then(Node::as_str).unwrap_or("aws");
    if pname != "aws" {
        let n = provider.get("name").unwrap_or(provider);
        return Err(ImportError::NotAws(pname.to_string(), n.line, n.col));
    }
    let mut cx = Cx::new(&doc, dir);
    cx.today = today.to_string();
    let source = relative(out, dir);
    // What other blocks refer to first: the service, stage and region, then every logical ID.
    provider::identity(&mut cx);
    functions::register(&mut cx);
    resources::register(&mut cx);
    let mut p = Project {
        app: provider::app(&mut cx, &source),
        ..Default::default()
    };

    p.resources = resources::blocks(&mut cx);
    p.resources.extend(resources::deployment_bucket(&mut cx));
    p.functions = functions::blocks(&mut cx, &source);
    p.resources.append(&mut cx.extra);
    if cx.plaintext_secrets {
        p.app.set_noted(
            "lint",
            H::Obj(vec![("plaintext-secret".into(), H::str("warn"))]),
            "serverless.yml holds secrets in plain text: move them to Secrets Manager (IMPORT.md), then remove this",
        );
    }
    if cx.http_cors && !p.app.has("cors") {
        p.app.set_noted(
            "cors",
            H::bool(true),
            "a REST API event asked for CORS: slsc's HTTP API has one CORS configuration",
        );
    }
    iam::grants(&mut cx, &mut p);
    p.outputs = resources::outputs(&mut cx);
    let summary = functions::summary(&cx, &p);
    let summary = Summary {
        plugins: provider::plugins(&mut cx),
        ..summary
    };
    provider::adopt(&mut cx, &mut p.app);
    cx.findings.sort();
    cx.findings.dedup();
    Ok(Imported {
        files: files(&cx, p),
        findings: cx.findings,
        summary,
    })
}

/// The path from the project directory to the service's, for `source` (`.` when the same).
fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|c| c.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (from, to) = (abs(from), abs(to));
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// The files: `app.sls` (app, variables, locals, outputs), `functions.sls`, `resources.sls`.
fn files(cx: &Cx, p: Project) -> Vec<(String, String)> {
    let mut app = String::from(
        "# Imported from serverless.yml by `slsc import`: see IMPORT.md for what did not map.\n\n",
    );
    p.app.render(&mut app);
    for (name, (default, description)) in &cx.variables {
        let mut b = Block::new("variable", Some(name));
        b.set("type", H::expr("string"));
        b.set("default", default.clone());
        b.set("description", H::str(description.clone()));
        app.push('\n');
        b.render(&mut app);
    }
    if !cx.locals.is_empty() {
        let mut b = Block::new("locals", None);
        for (k, v) in &cx.locals {
            b.set(k, v.clone());
        }
        app.push('\n');
        b.render(&mut app);
    }
    for o in &p.outputs {
        app.push('\n');
        o.render(&mut app);
    }
    let mut out = vec![("app.sls".to_string(), app)];
    if !p.functions.is_empty() {
        let mut s = String::new();
        for (f, triggers) in &p.functions {
            if !s.is_empty() {
                s.push('\n');
            }
            f.render(&mut s);
            for t in triggers {
                s.push('\n');
                t.render(&mut s);
            }
        }
        out.push(("functions.sls".to_string(), s));
    }
    if !p.resources.is_empty() {
        let mut s = String::new();
        for (i, b) in p.resources.iter().enumerate() {
            if i > 0 {
                s.push('\n');
            }
            b.render(&mut s);
        }
        out.push(("resources.sls".to_string(), s));
    }
    for (_, text) in out.iter_mut() {
        if let Some(f) = crate::fmt::format(text) {
            *text = f;
        }
    }
    out
}
