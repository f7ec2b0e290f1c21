//! The emitted-resource model: what a target's emitter produces and every later step reads.
//!
//! Each emitter (cloudformation.rs, terraform.rs) turns the checked model into a list of
//! [`Resource`]s — a name (CloudFormation logical ID, Terraform `type.name` address), the block
//! that owns it ([`Owner`], recorded by the emitter, never read back from a name), its type, its
//! value rendered once (sorted keys, two-space indentation, at its place in the document) and the
//! resources it refers to. After emission nothing looks at the blocks again:
//! - the writers put documents together from it: one template or `main.tf.json`
//!   ([`document`]), or a root and nested templates (stacks.rs, which reads the references
//!   to partition and wire the stacks and re-renders only the resources whose references cross
//!   a stack);
//! - the name-collision check ([`collisions`]), `template-limits` (counts, sizes, inline policy
//!   sizes) and the owners `build` reports and the plan reads ([`owners`]).
//!
//! A value is rendered when its resource is added and its JSON tree dropped at once, so a
//! 10,000-function application never holds its template as one JSON tree.

use super::names::{Collision, Owner};
use serde_json::Value as J;

/// One emitted resource.
pub struct Resource<'m> {
    /// The CloudFormation logical ID, or the Terraform address (`aws_sqs_queue.jobs`).
    pub id: String,
    pub owner: Owner<'m>,
    /// `AWS::SQS::Queue`, or `aws_sqs_queue`.
    pub kind: String,
    /// The value (CloudFormation: the whole entry, `Type`, `Properties`, `DependsOn`…;
    /// Terraform: the body) rendered at [`Resource::indent`].
    pub text: String,
    /// The indentation (in two-space steps) `text` is rendered at.
    pub indent: usize,
    /// CloudFormation: every resource or parameter this one names by `Ref`, `Fn::GetAtt` or
    /// `${…}` in `Fn::Sub` (with the attribute), sorted, without duplicates.
    pub refs: Vec<(String, Option<String>)>,
    /// CloudFormation: the `DependsOn` entries.
    pub depends_on: Vec<String>,
    /// An IAM role's inline policy, as compact JSON: its size in bytes (`template-limits`).
    pub policy_bytes: Option<usize>,
}

impl<'m> Resource<'m> {
    /// A CloudFormation resource: its type and references read from the value, which is then
    /// rendered and dropped.
    pub fn cloudformation(id: String, owner: Owner<'m>, value: &J, scratch: &mut String) -> Self {
        let kind = value
            .get("Type")
            .and_then(J::as_str)
            .unwrap_or_default()
            .to_string();
        let policy_bytes = (kind == "AWS::IAM::Role")
            .then(|| value.pointer("/Properties/Policies/0/PolicyDocument"))
            .flatten()
            .map(json_len);
        let mut refs = Vec::new();
        references(value, &mut refs);
        refs.sort();
        refs.dedup();
        let depends_on = match value.get("DependsOn") {
            Some(J::String(s)) => vec![s.clone()],
            Some(J::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        Resource {
            id,
            owner,
            kind,
            text: render_exact(value, 2, scratch),
            indent: 2,
            refs,
            depends_on,
            policy_bytes,
        }
    }

    /// A Terraform resource (`kind.name`), rendered at its place under `resource.<kind>`.
    pub fn terraform(
        kind: &str,
        name: &str,
        owner: Owner<'m>,
        body: &J,
        scratch: &mut String,
    ) -> Self {
        Resource {
            id: format!("{kind}.{name}"),
            owner,
            kind: kind.to_string(),
            text: render_exact(body, 3, scratch),
            indent: 3,
            refs: Vec::new(),
            depends_on: Vec::new(),
            policy_bytes: None,
        }
    }

    /// The resource's name inside its type (Terraform: the address without the type).
    pub fn name(&self) -> &str {
        self.id
            .strip_prefix(self.kind.as_str())
            .and_then(|n| n.strip_prefix('.'))
            .unwrap_or(&self.id)
    }
}

/// `v` rendered at `indent` into a reused buffer, then copied into a string of exactly its size:
/// the entries of a large template are most of a build's memory, so no growth slack is kept.
fn render_exact(v: &J, indent: usize, scratch: &mut String) -> String {
    scratch.clear();
    write_sorted(v, indent, scratch);
    scratch.as_str().to_owned()
}

/// The references of a CloudFormation value (see [`Resource::refs`]); `AWS::` pseudo
/// parameters and an `Fn::Sub`'s own variables are not references.
fn references(v: &J, out: &mut Vec<(String, Option<String>)>) {
    match v {
        J::Object(o) => {
            if o.len() == 1 {
                match o.iter().next() {
                    Some((k, J::String(id))) if k == "Ref" => {
                        if !id.starts_with("AWS::") {
                            out.push((id.clone(), None));
                        }
                        return;
                    }
                    Some((k, J::Array(a))) if k == "Fn::GetAtt" => {
                        if let (Some(id), Some(attr)) =
                            (a.first().and_then(J::as_str), a.get(1).and_then(J::as_str))
                        {
                            out.push((id.to_string(), Some(attr.to_string())));
                            return;
                        }
                    }
                    Some((k, J::String(s))) if k == "Fn::Sub" => {
                        sub_references(s, &[], out);
                        return;
                    }
                    Some((k, J::Array(a))) if k == "Fn::Sub" => {
                        let vars: Vec<&str> = match a.get(1) {
                            Some(J::Object(m)) => m.keys().map(String::as_str).collect(),
                            _ => Vec::new(),
                        };
                        if let Some(J::String(s)) = a.first() {
                            sub_references(s, &vars, out);
                        }
                        a.iter().skip(1).for_each(|x| references(x, out));
                        return;
                    }
                    _ => {}
                }
            }
            o.iter()
                .filter(|(k, _)| k.as_str() != "DependsOn")
                .for_each(|(_, x)| references(x, out));
        }
        J::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

fn sub_references(s: &str, vars: &[&str], out: &mut Vec<(String, Option<String>)>) {
    super::shared::sub_parts(s, |_, reference| {
        if let Some((id, attr)) = reference {
            if !id.starts_with("AWS::") && !vars.contains(&id) {
                out.push((id.to_string(), attr.map(str::to_string)));
            }
        }
    });
}

/// The names two owners would both emit, among resources sorted by name.
pub fn collisions<'m>(resources: &[Resource<'m>]) -> Vec<Collision<'m>> {
    super::names::adjacent(resources.iter().map(|r| (r.id.as_str(), r.owner)))
}

/// Each resource's name and its owner's address (what `build` reports and the plan reads).
pub fn owners(resources: &[Resource]) -> std::collections::BTreeMap<String, String> {
    resources
        .iter()
        .map(|r| (r.id.clone(), r.owner.address()))
        .collect()
}

/// The inline policy sizes of the roles: (name, bytes).
pub fn policy_sizes(resources: &[Resource]) -> Vec<(String, usize)> {
    resources
        .iter()
        .filter_map(|r| Some((r.id.clone(), r.policy_bytes?)))
        .collect()
}

/// A document put together in pieces, written one after the other (never concatenated, so a
/// large template is not held twice).
#[derive(Default)]
pub struct Document {
    pub pieces: Vec<String>,
}

impl Document {
    pub fn push(&mut self, s: String) {
        self.pieces.push(s);
    }
    pub fn into_chunks(self) -> Vec<Vec<u8>> {
        self.pieces.into_iter().map(String::into_bytes).collect()
    }
    pub fn bytes(&self) -> usize {
        self.pieces.iter().map(String::len).sum()
    }
    /// Appends an object of `(key, rendered value)` entries at `indent` (the object's own
    /// indentation; entries are one step deeper), as `write_sorted` would render it. Each
    /// value becomes its own piece.
    pub fn object(&mut self, entries: impl IntoIterator<Item = (String, String)>, indent: usize) {
        let mut open = String::from("{");
        let mut any = false;
        for (k, text) in entries {
            open.push_str(if any { ",\n" } else { "\n" });
            any = true;
            pad(&mut open, indent + 1);
            push_json_str(&mut open, &k);
            open.push_str(": ");
            self.push(std::mem::take(&mut open));
            self.push(text);
        }
        if any {
            open.push('\n');
            pad(&mut open, indent);
        }
        open.push('}');
        self.push(open);
    }
    /// Appends a short text as a piece of its own.
    pub fn text(&mut self, s: &str) {
        self.push(s.to_string());
    }
}

/// A document whose top level is `head` (rendered by [`write_sorted`] at indent 0, without its
/// closing brace) followed by `"<key>": { resources }` — the resources' key sorts after every
/// key of the head (`Resources`, `resource`).
pub fn document(
    head: String,
    key: &str,
    resources: Vec<(String, String)>,
    indent: usize,
) -> Document {
    let mut d = Document::default();
    let mut head = head;
    head.push_str(",\n");
    pad(&mut head, 1);
    push_json_str(&mut head, key);
    head.push_str(": ");
    d.push(head);
    d.object(resources, indent);
    d.text("\n}\n");
    d
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push_str("  ");
    }
}

/// Sorts every object's keys (for byte-identical output) — only needed where a value is
/// serialised compactly by serde_json itself with `preserve_order` on.
pub fn sorted(v: J) -> J {
    match v {
        J::Object(m) => {
            let mut entries: Vec<(String, J)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            J::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        J::Array(a) => J::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Serialises a document: sorted keys, two-space indentation, a final newline — the same text
/// as `serde_json::to_string_pretty` of the key-sorted value, written without copying it.
pub fn to_text(t: &J) -> String {
    let mut out = String::with_capacity(1 << 12);
    write_sorted(t, 0, &mut out);
    out.push('\n');
    out
}

/// `v` as pretty JSON with sorted keys, its first line at the current position and the rest
/// indented `indent` steps.
pub fn write_sorted(v: &J, indent: usize, out: &mut String) {
    match v {
        J::Object(m) if m.is_empty() => out.push_str("{}"),
        J::Object(m) => {
            // serde_json's maps are sorted B-trees unless a crate in the build turns on its
            // `preserve_order`; then the keys are sorted here.
            let mut entries: Vec<(&String, &J)> = m.iter().collect();
            if !entries.is_sorted_by_key(|e| e.0) {
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            }
            out.push_str("{\n");
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                pad(out, indent + 1);
                push_json_str(out, k);
                out.push_str(": ");
                write_sorted(v, indent + 1, out);
            }
            out.push('\n');
            pad(out, indent);
            out.push('}');
        }
        J::Array(a) if a.is_empty() => out.push_str("[]"),
        J::Array(a) => {
            out.push_str("[\n");
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                pad(out, indent + 1);
                write_sorted(v, indent + 1, out);
            }
            out.push('\n');
            pad(out, indent);
            out.push(']');
        }
        J::String(s) => push_json_str(out, s),
        J::Number(n) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{n}");
        }
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Null => out.push_str("null"),
    }
}

/// The length of `v` as compact JSON, without writing it anywhere.
pub fn json_len(v: &J) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    serde_json::to_writer(&mut c, v).expect("JSON values serialise");
    c.0
}

/// `s` as a JSON string, without an allocation when nothing needs escaping (almost always).
pub fn push_json_str(out: &mut String, s: &str) {
    // No early exit: the loop vectorises, and almost every string is checked to its end.
    let escape = s
        .bytes()
        .fold(false, |e, c| e | (c < 0x20) | (c == b'"') | (c == b'\\'));
    if escape {
        out.push_str(&serde_json::to_string(s).expect("strings serialise"));
    } else {
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_are_read_from_every_form() {
        let v = json!({
            "Type": "AWS::Lambda::Permission",
            "DependsOn": ["Later"],
            "Properties": {
                "FunctionName": {"Fn::GetAtt": ["ApiFunction", "Arn"]},
                "SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"},
                "Other": {"Fn::Sub": ["${Queue.Arn}-${x}", {"x": {"Ref": "Bucket"}}]},
                "Code": {"S3Bucket": {"Ref": "ArtifactBucket"}, "Region": {"Ref": "AWS::Region"}},
                "Literal": {"Fn::Sub": "${!NotARef}"},
            }
        });
        let r = Resource::cloudformation("P".into(), Owner::HTTP_API, &v, &mut String::new());
        let refs: Vec<(&str, Option<&str>)> = r
            .refs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_deref()))
            .collect();
        assert_eq!(
            refs,
            [
                ("ApiFunction", Some("Arn")),
                ("ArtifactBucket", None),
                ("Bucket", None),
                ("HttpApi", None),
                ("Queue", Some("Arn")),
            ]
        );
        assert_eq!(r.depends_on, ["Later"]);
        assert_eq!(r.kind, "AWS::Lambda::Permission");
    }

    #[test]
    fn a_document_renders_as_the_value_would() {
        let resources = json!({"A": {"Type": "X", "Properties": {"n": 1}}, "B": {"Type": "Y"}});
        let whole = json!({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources});
        let mut scratch = String::new();
        let entries = ["A", "B"]
            .iter()
            .map(|k| (k.to_string(), render_exact(&resources[k], 2, &mut scratch)))
            .collect();
        let head = to_text(&json!({"AWSTemplateFormatVersion": "2010-09-09"}));
        let head = head.trim_end().trim_end_matches('}').trim_end().to_string();
        let d = document(head, "Resources", entries, 1);
        assert_eq!(d.pieces.concat(), to_text(&whole));
        let empty = document("{\n  \"A\": 1".into(), "Resources", Vec::new(), 1);
        assert_eq!(
            empty.pieces.concat(),
            to_text(&json!({"A": 1, "Resources": {}}))
        );
    }
}
