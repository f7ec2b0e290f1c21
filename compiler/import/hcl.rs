//! The `.sls` text `slsc import` writes: values, blocks and files, rendered as HCL (then laid
//! out by `slsc fmt`).

use std::fmt::Write;

/// A value to write.
#[derive(Debug, Clone, PartialEq)]
pub enum H {
    /// Written as is: a number, `true`, `null`, or an expression (`function.api`, `app.stage`).
    Raw(String),
    /// A string, with interpolations.
    Str(Tpl),
    List(Vec<H>),
    Obj(Vec<(String, H)>),
}

/// A string template: text and `${expression}` parts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tpl(pub Vec<Seg>);

#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Text(String),
    /// An expression; `deploy` when it is known only after deploy (`queue.q.url`).
    Expr {
        expr: String,
        deploy: bool,
    },
}

impl Tpl {
    pub fn text(s: impl Into<String>) -> Tpl {
        Tpl(vec![Seg::Text(s.into())])
    }
    pub fn expr(e: impl Into<String>, deploy: bool) -> Tpl {
        Tpl(vec![Seg::Expr {
            expr: e.into(),
            deploy,
        }])
    }
    pub fn push(&mut self, s: Seg) {
        match (self.0.last_mut(), s) {
            (Some(Seg::Text(a)), Seg::Text(b)) => a.push_str(&b),
            (_, s) => self.0.push(s),
        }
    }
    pub fn extend(&mut self, t: Tpl) {
        for s in t.0 {
            self.push(s);
        }
    }
    /// The text, when the template has no interpolation.
    pub fn as_text(&self) -> Option<String> {
        match self.0.as_slice() {
            [] => Some(String::new()),
            [Seg::Text(t)] => Some(t.clone()),
            _ => None,
        }
    }
    pub fn is_deploy_time(&self) -> bool {
        self.0
            .iter()
            .any(|s| matches!(s, Seg::Expr { deploy: true, .. }))
    }
}

impl H {
    pub fn str(s: impl Into<String>) -> H {
        H::Str(Tpl::text(s))
    }
    pub fn num(n: f64) -> H {
        H::Raw(crate::model::value::fmt_number(n))
    }
    pub fn bool(b: bool) -> H {
        H::Raw(b.to_string())
    }
    pub fn expr(e: impl Into<String>) -> H {
        H::Raw(e.into())
    }
    pub fn is_deploy_time(&self) -> bool {
        match self {
            H::Raw(_) => false,
            H::Str(t) => t.is_deploy_time(),
            H::List(l) => l.iter().any(H::is_deploy_time),
            H::Obj(o) => o.iter().any(|(_, v)| v.is_deploy_time()),
        }
    }
    /// The string's text when it is a plain string.
    pub fn as_text(&self) -> Option<String> {
        match self {
            H::Str(t) => t.as_text(),
            _ => None,
        }
    }
}

/// HCL string-literal escaping (`${` and `%{` doubled, so they stay text).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// An object key: bare when it is an identifier, else quoted.
fn key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ident {
        k.to_string()
    } else {
        format!("\"{}\"", escape(k))
    }
}

/// Renders a value at an indentation level (objects and long lists span lines).
pub fn render(v: &H, indent: usize, out: &mut String) {
    match v {
        H::Raw(r) => out.push_str(r),
        H::Str(t) => match t.0.as_slice() {
            [Seg::Expr { expr, .. }] => out.push_str(expr),
            segs => {
                out.push('"');
                for s in segs {
                    match s {
                        Seg::Text(x) => out.push_str(&escape(x)),
                        Seg::Expr { expr, .. } => {
                            let _ = write!(out, "${{{expr}}}");
                        }
                    }
                }
                out.push('"');
            }
        },
        H::List(items) => {
            let simple = items.iter().all(|i| matches!(i, H::Raw(_) | H::Str(_)));
            if simple {
                out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    render(x, indent, out);
                }
                out.push(']');
            } else {
                out.push_str("[\n");
                for x in items {
                    out.push_str(&"  ".repeat(indent + 1));
                    render(x, indent + 1, out);
                    out.push_str(",\n");
                }
                out.push_str(&"  ".repeat(indent));
                out.push(']');
            }
        }
        H::Obj(entries) => {
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            for (k, x) in entries {
                out.push_str(&"  ".repeat(indent + 1));
                out.push_str(&key(k));
                out.push_str(" = ");
                render(x, indent + 1, out);
                out.push('\n');
            }
            out.push_str(&"  ".repeat(indent));
            out.push('}');
        }
    }
}

/// A block to write.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Comment lines above the block (without `# `).
    pub comments: Vec<String>,
    pub kind: String,
    pub labels: Vec<String>,
    pub attrs: Vec<Attr>,
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub value: H,
    /// Comment lines above the attribute: why the mapping needed judgement.
    pub comments: Vec<String>,
}

impl Block {
    pub fn new(kind: &str, label: Option<&str>) -> Block {
        Block {
            kind: kind.to_string(),
            labels: label.map(|l| vec![l.to_string()]).unwrap_or_default(),
            ..Default::default()
        }
    }
    pub fn set(&mut self, name: &str, value: H) {
        self.attrs.retain(|a| a.name != name);
        self.attrs.push(Attr {
            name: name.to_string(),
            value,
            comments: Vec::new(),
        });
    }
    /// Sets an attribute with a comment line above it.
    pub fn set_noted(&mut self, name: &str, value: H, note: impl Into<String>) {
        self.set(name, value);
        if let Some(a) = self.attrs.last_mut() {
            a.comments.push(note.into());
        }
    }
    pub fn has(&self, name: &str) -> bool {
        self.attrs.iter().any(|a| a.name == name)
    }
    pub fn get(&self, name: &str) -> Option<&H> {
        self.attrs.iter().find(|a| a.name == name).map(|a| &a.value)
    }

    pub fn render(&self, out: &mut String) {
        for c in &self.comments {
            let _ = writeln!(out, "# {c}");
        }
        out.push_str(&self.kind);
        for l in &self.labels {
            let _ = write!(out, " \"{}\"", escape(l));
        }
        if self.attrs.is_empty() {
            out.push_str(" {}\n");
            return;
        }
        out.push_str(" {\n");
        for a in &self.attrs {
            for c in &a.comments {
                let _ = writeln!(out, "  # {c}");
            }
            let _ = write!(out, "  {} = ", a.name);
            render(&a.value, 1, out);
            out.push('\n');
        }
        out.push_str("}\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_render_as_hcl() {
        let mut t = Tpl::text("users-");
        t.push(Seg::Expr {
            expr: "app.stage".into(),
            deploy: false,
        });
        t.push(Seg::Text("-${x}\"".into()));
        let mut s = String::new();
        render(&H::Str(t), 0, &mut s);
        assert_eq!(s, "\"users-${app.stage}-$${x}\\\"\"");
        let mut b = Block::new("database", Some("users"));
        b.set("partition_key", H::Obj(vec![("name".into(), H::str("id"))]));
        b.set_noted("retain", H::bool(true), "kept");
        let mut s = String::new();
        b.render(&mut s);
        assert_eq!(s, "database \"users\" {\n  partition_key = {\n    name = \"id\"\n  }\n  # kept\n  retain = true\n}\n");
    }
}
