//! The Serverless Framework's variables (`${self:custom.table}`, `${opt:stage, 'dev'}`,
//! `${sls:stage}`, `${env:KEY}`, `${file(./config.json):key}`, `${aws:accountId}`) turned into
//! `.sls` expressions, and CloudFormation intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Sub`,
//! `Fn::Join`, their `!Short` forms) turned into references.
//!
//! The stage, region and service become `app.stage`, `app.region` and `app.name`; a `custom`
//! value becomes a `local`; an environment variable, a variable slsc cannot read (`${ssm:…}`,
//! `${cf:…}`) or an unknown source becomes a `variable` (its fallback as the default) and a
//! finding in the report. `${file(…)}` is read at import time: a JSON or YAML file's key is
//! inlined.

use super::hcl::{Seg, Tpl, H};
use super::yaml::{Node, Yaml};
use super::Cx;

/// What a Serverless string resolves to.
pub enum Resolved {
    Tpl(Tpl),
    /// The whole string was one variable whose value is a collection or a typed scalar.
    Node(Node),
}

/// A `${…}` at the top level of a string: (start, end exclusive) byte offsets.
fn variables(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'$' && b[i + 1] == b'{' {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j] == b'{' {
                    depth += 1;
                } else if b[j] == b'}' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            if j >= b.len() {
                break;
            }
            out.push((i, j + 1));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether the inside of `${…}` is a Serverless variable (not a CloudFormation `${Id}`).
fn is_serverless(inner: &str) -> bool {
    const SOURCES: [&str; 14] = [
        "self:",
        "opt:",
        "sls:",
        "env:",
        "file(",
        "aws:",
        "ssm:",
        "cf:",
        "cf(",
        "s3:",
        "git:",
        "param:",
        "strToBool(",
        "sls(",
    ];
    let t = inner.trim_start();
    SOURCES.iter().any(|p| t.starts_with(p)) || t.starts_with('\'') || t.starts_with('"')
}

/// The text of a quoted source (`'dev'`, `"dev"`).
fn quoted_text(src: &str) -> Option<&str> {
    let q = |c: char| src.strip_prefix(c).and_then(|r| r.strip_suffix(c));
    q('\'').or_else(|| q('"'))
}

/// Splits `a, b, 'c, d'` at the top-level commas.
fn sources(inner: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut depth, mut quote) = (0i32, None::<char>);
    for c in inner.chars() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('(' | '{' | '[', None) => depth += 1,
            (')' | '}' | ']', None) => depth -= 1,
            (',', None) if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// A snake_case identifier from any key (`tableName` → `table_name`).
pub fn snake(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
            prev_lower = false;
        }
    }
    let mut out = out.trim_matches('_').to_string();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "x_");
    }
    out.truncate(40);
    out.trim_end_matches('_').to_string()
}

impl Cx<'_> {
    /// A Serverless string: its variables resolved.
    pub fn string(&mut self, s: &str, at: &Node, key: &str) -> Resolved {
        let vars = variables(s);
        if let [(0, end)] = vars.as_slice() {
            if *end == s.len() && is_serverless(&s[2..s.len() - 1]) {
                return self.variable(&s[2..s.len() - 1], at, key);
            }
        }
        let mut t = Tpl::default();
        let mut last = 0;
        for (a, b) in vars {
            t.push(Seg::Text(s[last..a].to_string()));
            let inner = &s[a + 2..b - 1];
            if is_serverless(inner) {
                match self.variable(inner, at, key) {
                    Resolved::Tpl(x) => t.extend(x),
                    Resolved::Node(n) => match n.scalar_text() {
                        Some(x) => t.push(Seg::Text(x)),
                        None => t.extend(self.unresolved(
                            inner,
                            at,
                            key,
                            "a collection inside a string",
                        )),
                    },
                }
            } else {
                t.push(Seg::Text(s[a..b].to_string()));
            }
            last = b;
        }
        t.push(Seg::Text(s[last..].to_string()));
        Resolved::Tpl(t)
    }

    /// A string whose variables must resolve to plain text (a key used for a lookup).
    fn literal(&mut self, s: &str, at: &Node, key: &str) -> Option<String> {
        match self.string(s, at, key) {
            Resolved::Tpl(t) => self.known(&t),
            Resolved::Node(n) => n.scalar_text(),
        }
    }

    /// One `${…}`: the first of its sources that resolves.
    fn variable(&mut self, inner: &str, at: &Node, key: &str) -> Resolved {
        // Nested variables in the inside are resolved first (to text).
        let inner = if variables(inner).is_empty() {
            inner.to_string()
        } else {
            match self.literal(inner, at, key) {
                Some(s) => s,
                None => {
                    return Resolved::Tpl(self.unresolved(
                        inner,
                        at,
                        key,
                        "a variable whose name depends on a deploy-time value",
                    ))
                }
            }
        };
        let srcs = sources(&inner);
        // `${env:KEY, 'default'}`: a variable with that default.
        if let [env, fallback] = srcs.as_slice() {
            if let (Some(name), Some(d)) = (env.strip_prefix("env:"), quoted_text(fallback)) {
                let description = format!("was ${{{inner}}}");
                if let Some((v, _)) = self.variables.iter().find(|(_, (_, d))| *d == description) {
                    return Resolved::Tpl(Tpl::expr(format!("var.{v}"), false));
                }
                let v = super::unique(&snake(name), |n| self.variables.contains_key(n));
                self.variables.insert(v.clone(), (H::str(d), description));
                return Resolved::Tpl(Tpl::expr(format!("var.{v}"), false));
            }
        }
        for (i, src) in srcs.iter().enumerate() {
            let fallback = srcs.get(i + 1).is_some();
            if let Some(r) = self.source(src, at, key, fallback) {
                return r;
            }
        }
        Resolved::Tpl(self.unresolved(
            &inner,
            at,
            key,
            "no source of it can be read at import time",
        ))
    }

    /// One source of a variable; `None` when it does not resolve (the next one is tried).
    fn source(&mut self, src: &str, at: &Node, key: &str, fallback: bool) -> Option<Resolved> {
        let quoted = |q: char| src.strip_prefix(q).and_then(|r| r.strip_suffix(q));
        if let Some(s) = quoted('\'').or_else(|| quoted('"')) {
            return Some(Resolved::Tpl(Tpl::text(s)));
        }
        if let Ok(n) = src.parse::<f64>() {
            return Some(Resolved::Node(Node {
                value: Yaml::Float(n),
                line: at.line,
                col: at.col,
            }));
        }
        let expr = |e: &str, deploy: bool| Some(Resolved::Tpl(Tpl::expr(e, deploy)));
        match src {
            "opt:stage" | "sls:stage" | "self:provider.stage" => return expr("app.stage", false),
            "opt:region" | "self:provider.region" | "aws:region" => {
                return expr("app.region", false)
            }
            // `app.name` is the service's name only when that is an slsc identifier.
            "self:service" | "self:service.name"
                if !self.service.is_empty() && snake(&self.service) != self.service =>
            {
                return Some(Resolved::Tpl(Tpl::text(self.service.clone())));
            }
            "self:service" | "self:service.name" => return expr("app.name", false),
            "aws:accountId" => return expr("aws.account_id", true),
            _ => {}
        }
        if let Some(path) = src.strip_prefix("self:") {
            return self.self_ref(path, at, key);
        }
        if let Some(name) = src.strip_prefix("env:") {
            if fallback {
                return None; // the fallback gives the value (and becomes the variable's default)
            }
            let v = self.declare_variable(
                &snake(name),
                H::str(""),
                format!("was ${{env:{name}}}: pass it with --var or a --var-file"),
            );
            self.finding(
                at,
                key,
                format!("`${{env:{name}}}` is read from the environment of the deploy"),
                format!("it is `var.{v}` (default \"\"): pass its value with `--var {v}=…`"),
            );
            return expr(&format!("var.{v}"), false);
        }
        if src.starts_with("file(") {
            return self.file_ref(src, at, key);
        }
        if fallback {
            return None;
        }
        None
    }

    /// `${self:a.b.c}`: the node at that path (a `custom` string becomes a local).
    fn self_ref(&mut self, path: &str, _at: &Node, key: &str) -> Option<Resolved> {
        if self.resolving.iter().any(|p| p == path) {
            return None;
        }
        let mut n = self.doc;
        for part in path.split('.') {
            n = match &n.value {
                Yaml::Seq(items) => items.get(part.parse::<usize>().ok()?)?,
                _ => n.get(part)?,
            };
        }
        let n = n.clone();
        if let (Some(rest), Yaml::Str(s)) = (path.strip_prefix("custom."), &n.value) {
            if let Some(name) = self.local_of.get(path) {
                return Some(Resolved::Tpl(Tpl::expr(format!("local.{name}"), false)));
            }
            self.resolving.push(path.to_string());
            let r = self.string(s, &n, key);
            self.resolving.pop();
            if let Resolved::Tpl(t) = &r {
                if !t.is_deploy_time() {
                    let name = self.declare_local(&snake(rest), H::Str(t.clone()));
                    self.local_of.insert(path.to_string(), name.clone());
                    return Some(Resolved::Tpl(Tpl::expr(format!("local.{name}"), false)));
                }
            }
            return Some(r);
        }
        match &n.value {
            Yaml::Str(s) => {
                self.resolving.push(path.to_string());
                let r = self.string(s, &n, key);
                self.resolving.pop();
                Some(r)
            }
            _ => Some(Resolved::Node(n)),
        }
    }

    /// `${file(./config.json):key.path}`: read now, the key's value inlined.
    fn file_ref(&mut self, src: &str, at: &Node, key: &str) -> Option<Resolved> {
        let close = src.find(')')?;
        let rel = src[5..close].trim().trim_matches(['\'', '"']);
        let sel = src[close + 1..].strip_prefix(':').unwrap_or("");
        let path = self.dir.join(rel);
        let Ok(text) = std::fs::read_to_string(&path) else {
            let why = format!("the file `{rel}` is not there");
            return Some(Resolved::Tpl(self.unresolved(src, at, key, &why)));
        };
        let root = if rel.ends_with(".json") {
            super::json_node(&text)
        } else {
            super::yaml::parse(&text).ok()
        }?;
        let mut n = &root;
        for part in sel.split('.').filter(|p| !p.is_empty()) {
            n = n.get(part)?;
        }
        Some(match &n.value {
            Yaml::Str(s) => Resolved::Tpl(Tpl::text(s.clone())),
            _ => Resolved::Node(n.clone()),
        })
    }

    /// A variable slsc cannot resolve: a `variable` to set, and a finding.
    /// The variable's default is its own name: a placeholder that is a valid name for most
    /// services, so the project checks until the real value is set.
    pub fn unresolved(&mut self, inner: &str, at: &Node, key: &str, why: &str) -> Tpl {
        let description = format!("was ${{{inner}}}");
        if let Some((v, _)) = self.variables.iter().find(|(_, (_, d))| *d == description) {
            return Tpl::expr(format!("var.{v}"), false);
        }
        let base = inner
            .split([':', ','])
            .nth(1)
            .map(snake)
            .filter(|s| s != "x")
            .unwrap_or_else(|| "value".into());
        let v = super::unique(&base, |n| self.variables.contains_key(n));
        self.variables
            .insert(v.clone(), (H::str(v.replace('_', "-")), description));
        self.finding(
            at,
            key,
            format!("`${{{inner}}}` cannot be resolved at import time: {why}"),
            format!("it is `var.{v}` (a placeholder default): set it with `--var {v}=…`"),
        );
        Tpl::expr(format!("var.{v}"), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_nest() {
        let s = "a-${self:custom.${opt:stage}.x}-b-${AWS::Region}";
        let v = variables(s);
        assert_eq!(&s[v[0].0..v[0].1], "${self:custom.${opt:stage}.x}");
        assert_eq!(&s[v[1].0..v[1].1], "${AWS::Region}");
        assert_eq!(sources("opt:stage, 'a, b'"), ["opt:stage", "'a, b'"]);
        assert_eq!(snake("tableName"), "table_name");
        assert_eq!(snake("hello-world"), "hello_world");
        assert_eq!(snake("DynamoDB_Table"), "dynamo_db_table");
        assert_eq!(snake("2fa"), "x_2fa");
    }
}
