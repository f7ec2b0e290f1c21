//! `app.logical_ids`: the CloudFormation logical IDs a deployed stack already uses, for adopting
//! it without replacing what holds data.
//!
//! A stack created by another tool (the Serverless Framework names a table `UsersTable` and a
//! function `HelloLambdaFunction`) keeps its resources only if the new template uses the same
//! logical IDs: a resource whose logical ID changes is created anew and the old one deleted —
//! for a named table or bucket, data loss, or a deploy that fails on the name. The map says, for
//! an ID slsc would emit, the ID to emit instead (`slsc import` writes it). It is applied once,
//! where each resource is added: the resource is renamed and every reference to a renamed ID in
//! it (`Ref`, `Fn::GetAtt`, `${…}` in `Fn::Sub`, `DependsOn`) follows, so nothing else in the
//! emitter knows. Terraform addresses are not logical IDs: the map does not apply there
//! (docs/migrating.md).

use crate::diagnostics::Diagnostic;
use crate::model::value::suggest;
use crate::model::{Model, Value};
use serde_json::Value as J;
use std::collections::HashMap;

/// The renames of a model (`app.logical_ids`): slsc's logical ID → the ID emitted instead.
#[derive(Default)]
pub struct Renames {
    map: HashMap<String, String>,
}

impl Renames {
    pub fn of(model: &Model) -> Renames {
        let mut map = HashMap::new();
        if let Some(Value::Object(o)) = model.app.get("logical_ids") {
            for (k, v) in o {
                if let Some(v) = v.as_str() {
                    map.insert(k.clone(), v.to_string());
                }
            }
        }
        Renames { map }
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    /// The ID to emit for `id`.
    pub fn id<'s>(&'s self, id: &'s str) -> &'s str {
        self.map.get(id).map(String::as_str).unwrap_or(id)
    }
    /// Rewrites every reference to a renamed ID in a resource, output or condition.
    pub fn rewrite(&self, v: &mut J) {
        match v {
            J::Object(o) => {
                for (k, x) in o.iter_mut() {
                    match (k.as_str(), &mut *x) {
                        ("Ref", J::String(s)) => *s = self.id(s).to_string(),
                        ("Fn::GetAtt", J::Array(a)) => {
                            if let Some(J::String(s)) = a.first_mut() {
                                *s = self.id(s).to_string();
                            }
                        }
                        ("Fn::Sub", J::String(s)) => *s = self.sub(s),
                        ("Fn::Sub", J::Array(a)) => {
                            if let Some(J::String(s)) = a.first_mut() {
                                *s = self.sub(s);
                            }
                            a.iter_mut().skip(1).for_each(|x| self.rewrite(x));
                        }
                        ("DependsOn", J::String(s)) => *s = self.id(s).to_string(),
                        ("DependsOn", J::Array(a)) => {
                            for d in a.iter_mut() {
                                if let J::String(s) = d {
                                    *s = self.id(s).to_string();
                                }
                            }
                        }
                        _ => self.rewrite(x),
                    }
                }
            }
            J::Array(a) => a.iter_mut().for_each(|x| self.rewrite(x)),
            _ => {}
        }
    }
    /// Once every resource is added: the outputs' references follow the renames, and the
    /// mistakes of the map (`originals`: every logical ID before renaming).
    pub fn finish(
        &self,
        model: &Model,
        originals: &[String],
        outputs: &mut serde_json::Map<String, J>,
    ) -> Vec<Diagnostic> {
        if self.is_empty() {
            return Vec::new();
        }
        outputs.values_mut().for_each(|v| self.rewrite(v));
        diagnostics(model, originals.iter().map(String::as_str))
    }

    /// `${Id}` and `${Id.Attr}` in an `Fn::Sub` string (`${!…}` is literal text).
    fn sub(&self, s: &str) -> String {
        super::shared::map_sub(s, |id, attr| {
            let new = self.map.get(id)?;
            Some(match attr {
                Some(a) => format!("{new}.{a}"),
                None => new.clone(),
            })
        })
    }
}

/// The mistakes of `app.logical_ids`: a key that names no resource slsc emits (`emitted`: every
/// logical ID before renaming), with the closest emitted ID; a value CloudFormation refuses as a
/// logical ID; two keys renamed to one ID.
pub fn diagnostics<'a>(
    model: &Model,
    emitted: impl Iterator<Item = &'a str> + Clone,
) -> Vec<Diagnostic> {
    let Some(a) = model.app.attr("logical_ids") else {
        return Vec::new();
    };
    let Value::Object(o) = &a.value else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut targets: HashMap<&str, &str> = HashMap::new();
    for (k, v) in o {
        let Some(v) = v.as_str() else { continue };
        let valid = !v.is_empty() && v.len() <= 255 && v.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid {
            out.push(
                Diagnostic::error(
                    "invalid-value",
                    a.field_span(k),
                    format!("\"{v}\" is not a CloudFormation logical ID"),
                )
                .with_help("a logical ID is 1–255 letters and digits"),
            );
        }
        if let Some(first) = targets.insert(v, k) {
            out.push(
                Diagnostic::error(
                    "name-collision",
                    a.field_span(k),
                    format!("`{first}` and `{k}` would both be emitted as `{v}`: one would overwrite the other"),
                )
                .with_help("each logical ID names one resource: rename one of them to another ID"),
            );
        }
    }
    for k in o.keys() {
        if emitted.clone().any(|e| e == k) {
            continue;
        }
        let span = a.field_key_span(k).unwrap_or(a.span);
        let mut d = Diagnostic::error(
            "invalid-value",
            span,
            format!("`{k}` is not a logical ID this project emits, so it cannot be renamed"),
        );
        d = match suggest(k, emitted.clone()) {
            Some(s) => d.with_help(format!("did you mean `{s}`? The keys are slsc's own logical IDs (`slsc build --target cloudformation` shows them); the values are the IDs to emit instead")),
            None => d.with_help("the keys are slsc's own logical IDs (`slsc build --target cloudformation` shows them); the values are the IDs to emit instead"),
        };
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_follow_a_renamed_id() {
        let r = Renames {
            map: [("UsersTable".to_string(), "UsersDynamoDbTable".to_string())].into(),
        };
        let mut v = json!({"Properties": {
            "A": {"Ref": "UsersTable"},
            "B": {"Fn::GetAtt": ["UsersTable", "Arn"]},
            "C": {"Fn::Sub": "arn:${AWS::Partition}:x:${UsersTable}/${UsersTable.StreamArn}/${!UsersTable}"},
            "D": [{"Ref": "Other"}]
        }, "DependsOn": ["UsersTable", "Other"]});
        r.rewrite(&mut v);
        assert_eq!(v["Properties"]["A"], json!({"Ref": "UsersDynamoDbTable"}));
        assert_eq!(
            v["Properties"]["B"],
            json!({"Fn::GetAtt": ["UsersDynamoDbTable", "Arn"]})
        );
        assert_eq!(
            v["Properties"]["C"],
            json!({"Fn::Sub": "arn:${AWS::Partition}:x:${UsersDynamoDbTable}/${UsersDynamoDbTable.StreamArn}/${!UsersTable}"})
        );
        assert_eq!(v["Properties"]["D"], json!([{"Ref": "Other"}]));
        assert_eq!(v["DependsOn"], json!(["UsersDynamoDbTable", "Other"]));
    }
}
