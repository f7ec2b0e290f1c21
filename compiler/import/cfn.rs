//! CloudFormation intrinsics in a Serverless file (`Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`
//! and their `!Short` forms) as `.sls` references and templates, and the Serverless
//! Framework's logical-ID naming.

use super::hcl::{Seg, Tpl};
use super::yaml::{Node, Yaml};
use super::Cx;

/// The Serverless Framework's normalisation of a name in a logical ID: the first letter upper
/// case, `-` spelled `Dash` and `_` spelled `Underscore` (`get-user` → `GetDashuser`).
pub fn normalize(name: &str) -> String {
    let mut s = String::new();
    for (i, c) in name.chars().enumerate() {
        match c {
            '-' => s.push_str("Dash"),
            '_' => s.push_str("Underscore"),
            c if i == 0 => s.push(c.to_ascii_uppercase()),
            c => s.push(c),
        }
    }
    s
}

/// The first letter upper case, letters and digits only (how S3 bucket and SNS topic names
/// appear in logical IDs: `S3BucketMyuploadsbucket`).
pub fn normalize_resource(name: &str) -> String {
    let kept: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut c = kept.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

impl Cx<'_> {
    /// An intrinsic function's value as a (deploy-time) template; `None` with a finding when
    /// it has no `.sls` equivalent.
    pub fn intrinsic(&mut self, name: &str, arg: &Node, key: &str) -> Option<Tpl> {
        let r = match name {
            "Ref" => arg.as_str().and_then(|id| self.reference(id, None)),
            "GetAtt" => {
                let (id, attr) = match &arg.value {
                    Yaml::Str(s) => s
                        .split_once('.')
                        .map(|(a, b)| (a.to_string(), b.to_string()))?,
                    Yaml::Seq(v) if v.len() == 2 => (v[0].scalar_text()?, v[1].scalar_text()?),
                    _ => return self.no_equivalent(name, arg, key),
                };
                self.reference(&id, Some(&attr))
            }
            "Sub" => self.sub(arg, key),
            "Join" => self.join(arg, key),
            _ => None,
        };
        match r {
            Some(t) => Some(t),
            None => self.no_equivalent(name, arg, key),
        }
    }

    fn no_equivalent(&mut self, name: &str, arg: &Node, key: &str) -> Option<Tpl> {
        let what = match &arg.value {
            Yaml::Str(s) => format!("{name} {s}"),
            _ => name.to_string(),
        };
        self.finding(arg, key, format!("`{what}` has no `.sls` equivalent (it names something slsc does not declare, or a function slsc has no counterpart for)"), "replace it with a reference to a block (`queue.NAME.arn`…) or a literal value");
        None
    }

    /// `Ref ID` (`attr` None) or `Fn::GetAtt ID.ATTR`: a pseudo parameter, or an attribute of
    /// the block the logical ID became.
    pub fn reference(&mut self, id: &str, attr: Option<&str>) -> Option<Tpl> {
        let expr = |e: String| Some(Tpl::expr(e, true));
        if attr.is_none() {
            match id {
                "AWS::Region" => return expr("aws.region".into()),
                "AWS::AccountId" => return expr("aws.account_id".into()),
                "AWS::Partition" => return expr("aws.partition".into()),
                "AWS::URLSuffix" => return expr("aws.url_suffix".into()),
                "AWS::StackName" => {
                    let mut t = Tpl::expr("app.name", false);
                    t.push(Seg::Text("-".into()));
                    t.push(Seg::Expr {
                        expr: "app.stage".into(),
                        deploy: false,
                    });
                    return Some(t);
                }
                _ => {}
            }
        }
        let target = self.logical.get(id)?.clone();
        let (kind, name) = (target.kind, target.name);
        let a = match (kind, attr) {
            ("database", None) | ("bucket", None) | ("stream", None) | ("function", None) => "name",
            ("queue", None) => "url",
            ("topic", None) => "arn",
            ("resource", None) => "id",
            ("layer", None) => "arn",
            (_, Some("Arn")) => "arn",
            ("database", Some("StreamArn")) => "stream_arn",
            ("queue", Some("QueueName")) | ("topic", Some("TopicName")) => "name",
            ("queue", Some("QueueUrl")) => "url",
            _ => return None,
        };
        expr(format!("{kind}.{name}.{a}"))
    }

    /// `Fn::Sub "…${Id}…${Id.Attr}…"` (or `[text, {vars}]`).
    fn sub(&mut self, arg: &Node, key: &str) -> Option<Tpl> {
        let (text_node, vars) = match &arg.value {
            Yaml::Str(_) => (arg, None),
            Yaml::Seq(v) if !v.is_empty() => (&v[0], v.get(1)),
            _ => return None,
        };
        let s = text_node.as_str()?;
        // Serverless variables first (the framework resolves them before CloudFormation).
        let t = match self.string(s, text_node, key) {
            super::vars::Resolved::Tpl(t) => t,
            super::vars::Resolved::Node(n) => Tpl::text(n.scalar_text()?),
        };
        let mut out = Tpl::default();
        for seg in t.0 {
            let Seg::Text(text) = seg else {
                out.push(seg);
                continue;
            };
            let mut rest = text.as_str();
            while let Some(i) = rest.find("${") {
                out.push(Seg::Text(rest[..i].to_string()));
                let after = &rest[i + 2..];
                let end = after.find('}')?;
                let inner = &after[..end];
                if let Some(lit) = inner.strip_prefix('!') {
                    out.push(Seg::Text(format!("${{{lit}}}")));
                } else if let Some(v) = vars.and_then(|m| m.get(inner)) {
                    let v = v.clone();
                    match self.value_any(&v, key)? {
                        super::hcl::H::Str(t) => out.extend(t),
                        super::hcl::H::Raw(r) => out.push(Seg::Text(r)),
                        _ => return None,
                    }
                } else {
                    let (id, attr) = match inner.split_once('.') {
                        Some((a, b)) => (a, Some(b)),
                        None => (inner, None),
                    };
                    out.extend(self.reference(id, attr)?);
                }
                rest = &after[end + 1..];
            }
            out.push(Seg::Text(rest.to_string()));
        }
        Some(out)
    }

    /// `Fn::Join [separator, [parts]]`.
    fn join(&mut self, arg: &Node, key: &str) -> Option<Tpl> {
        let [sep, parts] = arg.items() else {
            return None;
        };
        let sep = sep.scalar_text().unwrap_or_default();
        let mut out = Tpl::default();
        for (i, p) in parts.items().iter().enumerate() {
            if i > 0 {
                out.push(Seg::Text(sep.clone()));
            }
            match self.value_any(p, key)? {
                super::hcl::H::Str(t) => out.extend(t),
                super::hcl::H::Raw(r) => out.push(Seg::Text(r)),
                _ => return None,
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serverless_normalises_names() {
        assert_eq!(normalize("hello"), "Hello");
        assert_eq!(normalize("get-user_x"), "GetDashuserUnderscorex");
        assert_eq!(normalize_resource("my-uploads.Bucket"), "MyuploadsBucket");
    }
}
