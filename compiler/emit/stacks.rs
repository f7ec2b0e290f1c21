//! Nested stacks: a CloudFormation application too large for one stack (500 resources, 1 MB of
//! template) is emitted as a root stack and nested stacks (`AWS::CloudFormation::Stack`).
//!
//! ## The partition
//! - **Units.** A function's unit is the function and every resource its block owns (role, log
//!   group, invoke configuration) plus the resources of the triggers that invoke it (permissions,
//!   event source mappings, routes and integrations, subscriptions, rules). A unit is never split.
//! - **Data units.** Every other block's resources (a table, bucket, queue, topic, stream,
//!   layer, alarm and its topic, raw resource) are a unit of their own.
//! - **The root** holds what no block owns — the shared HTTP and WebSocket APIs and their
//!   stages — the user's outputs, and one `AWS::CloudFormation::Stack` per nested stack.
//! - **Function stack** of a function unit = `FunctionStackNN` with `NN - 1 = fnv1a64(address)
//!   mod N`, where `address` is the block's address as written (`function.api`,
//!   `module.billing.function.worker`) and `N` is `app.nested_stacks`, or, when it is not set,
//!   the smallest power of two that keeps each stack near [`TARGET_RESOURCES`] resources —
//!   doubled while a stack would pass [`ROOM`] parameters or outputs.
//! - **Data stack** of a data unit = `DataStackNN`, likewise with `M` = `app.data_stacks` (or
//!   derived the same way from the data units' resources); buckets have stacks of their own,
//!   `BucketStackNN` (same rule). Stateful resources are never in a function stack, so no
//!   change to functions can move one.
//! - **Order.** Function stacks read data stacks (queue and stream ARNs, table streams, layer
//!   versions, topics) and the root's APIs; a bucket's notifications need its functions'
//!   permissions first, so bucket stacks come after the function stacks — which never refer to
//!   a bucket by reference (grants and environment values name buckets by their physical
//!   names). A raw resource that refers to a function while a function refers to it (through
//!   the stacks they are in) would make the stacks depend on each other: that is reported
//!   (`template-limits`) instead of emitted.
//!
//! ## Invariants (tests/nested_stacks.rs proves them)
//! 1. A stateful resource is always in a data stack: no change to functions moves it.
//! 2. With `N` and `M` fixed, a unit's stack depends only on its own address: adding, removing
//!    or renaming a function or a table moves no other resource. `N` and `M` are derived from
//!    the size only while `app.nested_stacks` / `app.data_stacks` are unset; doubling one moves
//!    about half of its units (a unit's stack is its hash's low bits), so an application should
//!    pin them once split (docs/cloudformation.md, "Nested stacks").
//! 3. Logical IDs are the same whichever stack a resource is in: the plan compares resources
//!    by logical ID, and a move between stacks is a delete and a create.
//! 4. A value one stack uses from another flows through the root: a nested stack's
//!    `Parameters` (from the root's resources, or from another nested stack's `Outputs`), and
//!    the root reads a nested stack's `Outputs` (`Fn::GetAtt NestedStack.Outputs.X`).
//!    `DependsOn` across stacks becomes a dependency on the nested stack.
//! 5. Terraform has no such limit: its output is never split.

use super::cloudformation::{sorted, template_head, to_text, Kept};
use super::names::Owner;
use crate::model::{BlockKind, Model};
use serde_json::{json, Map, Value as J};
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet};

/// The resources a nested stack is sized for when `app.nested_stacks` is not set (CloudFormation
/// allows 500; the rest is room to grow without doubling).
pub const TARGET_RESOURCES: usize = 300;

/// Where each nested template is uploaded, relative to the artifact bucket (`slsc deploy`
/// uploads the build's `nested/` files under the same keys).
pub const NESTED_DIR: &str = "nested";

/// A nested stack's template.
pub struct Nested {
    /// Its logical ID in the root (`NestedStack03`).
    pub id: String,
    /// The build output file and S3 key: `nested/NestedStack03-<sha256 prefix>.json`.
    pub file: String,
    pub text: String,
    pub resources: usize,
    pub parameters: usize,
    pub outputs: usize,
}

/// A split application: the root template and the nested ones.
pub struct Split {
    pub root: String,
    pub root_resources: usize,
    pub root_outputs: usize,
    pub nested: Vec<Nested>,
}

/// FNV-1a, 64 bits: stable across platforms and releases (a function's stack must never
/// change because the compiler changed).
fn fnv1a64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The number of stacks for `resources` resources: `app.<pinned>`, or the smallest power of
/// two that keeps each near [`TARGET_RESOURCES`] (at least 1).
pub fn stack_count(model: &Model, pinned: &str, resources: usize) -> usize {
    if let Some(n) = model.app.num(pinned) {
        return (n as usize).max(1);
    }
    resources
        .div_ceil(TARGET_RESOURCES)
        .max(1)
        .next_power_of_two()
}

/// The nested stack (0-based) of a function, by its address.
pub fn stack_of(address: &str, n: usize) -> usize {
    (fnv1a64(address) % n as u64) as usize
}

/// The root's logical IDs of the nested stacks: function stacks, data stacks, bucket stacks
/// (`FunctionStack01`…, `DataStack01`…, `BucketStack01`…).
fn nested_ids(functions: usize, data: usize, buckets: usize) -> Vec<String> {
    (0..functions)
        .map(|i| format!("FunctionStack{:02}", i + 1))
        .chain((0..data).map(|i| format!("DataStack{:02}", i + 1)))
        .chain((0..buckets).map(|i| format!("BucketStack{:02}", i + 1)))
        .collect()
}

/// The family of a unit's stack.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Function,
    Data,
    Bucket,
}

fn family(model: &Model, owner: Owner) -> Option<Family> {
    let b = owner.block()?;
    Some(match b.kind {
        _ if unit_function(model, owner).is_some() => Family::Function,
        BlockKind::Bucket => Family::Bucket,
        _ => Family::Data,
    })
}

/// The function a resource's unit belongs to: its owner when that is a function, the invoked
/// function when it is a trigger.
fn unit_function(model: &Model, owner: Owner) -> Option<String> {
    let b = owner.block()?;
    match b.kind {
        BlockKind::Function => Some(b.addr()),
        BlockKind::Trigger => {
            let f = b.reference("function")?;
            model.find(BlockKind::Function, &f.name).map(|f| f.addr())
        }
        _ => None,
    }
}

/// Where a value lives: the root, or nested stack `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Root,
    Nested(usize),
}

/// A value crossing stacks: `Ref X` (attr None) or `Fn::GetAtt X.attr`; its name as a
/// parameter or output (`UsersTable`, `UsersTableStreamArn`).
fn crossing_name(id: &str, attr: Option<&str>) -> String {
    let mut n = id.to_string();
    if let Some(a) = attr {
        n.extend(a.chars().filter(char::is_ascii_alphanumeric));
    }
    n
}

fn local_value(id: &str, attr: Option<&str>) -> J {
    match attr {
        Some(a) => json!({"Fn::GetAtt": [id, a]}),
        None => json!({"Ref": id}),
    }
}

/// The state of the split while references are rewritten.
struct Wiring<'p> {
    place: &'p BTreeMap<String, Place>,
    ids: &'p [String],
    /// Per nested stack: parameter name → its value in the root.
    params: Vec<BTreeMap<String, J>>,
    /// Per nested stack: output name → its value in that stack.
    outputs: Vec<BTreeMap<String, J>>,
    /// Per nested stack: the root resources it must wait for.
    waits: Vec<BTreeSet<String>>,
}

impl Wiring<'_> {
    fn place_of(&self, id: &str) -> Place {
        // Parameters of the root (`ArtifactBucket`) and anything unknown live in the root.
        self.place.get(id).copied().unwrap_or(Place::Root)
    }

    /// The expression, in stack `at`, for a value of `id` (`attr` for `GetAtt`); `None` when
    /// it is local.
    fn value_in(&mut self, at: Place, id: &str, attr: Option<&str>) -> Option<J> {
        let from = self.place_of(id);
        if from == at {
            return None;
        }
        let name = crossing_name(id, attr);
        // In the root: an output of the nested stack that has it.
        let in_root = match from {
            Place::Root => local_value(id, attr),
            Place::Nested(j) => {
                self.outputs[j].insert(name.clone(), local_value(id, attr));
                json!({"Fn::GetAtt": [self.ids[j], format!("Outputs.{name}")]})
            }
        };
        Some(match at {
            Place::Root => in_root,
            Place::Nested(i) => {
                self.params[i].insert(name.clone(), in_root);
                json!({"Ref": name})
            }
        })
    }

    /// Rewrites every reference of a value that lives in `at` to another stack.
    fn rewrite(&mut self, at: Place, v: &mut J) {
        match v {
            J::Object(o) => {
                if let Some(new) = self.reference(at, o) {
                    *v = new;
                    return;
                }
                for (k, x) in o.iter_mut() {
                    match (k.as_str(), &mut *x) {
                        ("Fn::Sub", J::String(s)) => *s = self.sub(at, s),
                        ("Fn::Sub", J::Array(a)) => {
                            if let Some(J::String(s)) = a.first_mut() {
                                *s = self.sub(at, s);
                            }
                            a.iter_mut().skip(1).for_each(|x| self.rewrite(at, x));
                        }
                        _ => self.rewrite(at, x),
                    }
                }
            }
            J::Array(a) => a.iter_mut().for_each(|x| self.rewrite(at, x)),
            _ => {}
        }
    }

    /// A `Ref`/`Fn::GetAtt` object to another stack, as its value in `at`.
    fn reference(&mut self, at: Place, o: &Map<String, J>) -> Option<J> {
        if o.len() != 1 {
            return None;
        }
        match o.iter().next()? {
            (k, J::String(id)) if k == "Ref" && !id.starts_with("AWS::") => {
                self.value_in(at, id, None)
            }
            (k, J::Array(a)) if k == "Fn::GetAtt" => {
                let (id, attr) = (a.first()?.as_str()?, a.get(1)?.as_str()?);
                self.value_in(at, id, Some(attr))
            }
            _ => None,
        }
    }

    /// `${X}` / `${X.Attr}` to another stack, in an `Fn::Sub` string of stack `at`.
    fn sub(&mut self, at: Place, s: &str) -> String {
        super::shared::map_sub(s, |id, attr| {
            if id.starts_with("AWS::") {
                return None;
            }
            match self.value_in(at, id, attr)? {
                J::Object(o) if o.contains_key("Ref") => Some(o["Ref"].as_str()?.to_string()),
                J::Object(o) => {
                    let a = o.get("Fn::GetAtt")?;
                    Some(format!("{}.{}", a[0].as_str()?, a[1].as_str()?))
                }
                _ => None,
            }
        })
    }

    /// `DependsOn` entries to other stacks: to a nested stack (from the root: depend on the
    /// nested stack; from a nested stack: the root's nested-stack resource waits instead).
    fn depends_on(&mut self, at: Place, r: &mut J) {
        let Some(d) = r.get_mut("DependsOn") else {
            return;
        };
        let list: Vec<String> = match d {
            J::String(s) => vec![s.clone()],
            J::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => return,
        };
        let mut kept = BTreeSet::new();
        for id in list {
            match (at, self.place_of(&id)) {
                (a, b) if a == b => {
                    kept.insert(id);
                }
                (_, Place::Nested(j)) if at == Place::Root => {
                    kept.insert(self.ids[j].clone());
                }
                (Place::Nested(i), Place::Root) => {
                    self.waits[i].insert(id);
                }
                (Place::Nested(i), Place::Nested(j)) => {
                    self.waits[i].insert(self.ids[j].clone());
                }
                _ => {}
            }
        }
        if kept.is_empty() {
            if let J::Object(o) = r {
                o.remove("DependsOn");
            }
        } else {
            r["DependsOn"] = json!(kept.into_iter().collect::<Vec<_>>());
        }
    }
}

/// Splits the resources of a [`Kept`] emission into the root, the function stacks and the
/// data stacks.
///
/// Unpinned counts also grow (doubling) until every stack passes fewer than [`ROOM`] parameters
/// and outputs: a data stack read by many function stacks has an output per value they read.
pub fn split(model: &Model, kept: Kept) -> Split {
    let count = |f: Family| {
        kept.resources
            .iter()
            .filter(|(_, _, o)| family(model, *o) == Some(f))
            .count()
    };
    let (cf, cd, cb) = (
        count(Family::Function),
        count(Family::Data),
        count(Family::Bucket),
    );
    let mut nf = stack_count(model, "nested_stacks", cf);
    let derived = |n: usize, c: usize| if c == 0 { 0 } else { n };
    let mut nd = derived(stack_count(model, "data_stacks", cd), cd);
    let mut nb = derived(stack_count(model, "data_stacks", cb), cb);
    let (pin_f, pin_d) = (
        model.app.is_set("nested_stacks"),
        model.app.is_set("data_stacks"),
    );
    for _ in 0..8 {
        let s = split_with(model, &kept, nf, nd, nb);
        let crowded = |prefix: &str| {
            s.nested
                .iter()
                .any(|x| x.id.starts_with(prefix) && (x.parameters >= ROOM || x.outputs >= ROOM))
        };
        let (f, d, b) = (
            crowded("FunctionStack") && !pin_f,
            crowded("DataStack") && !pin_d,
            crowded("BucketStack") && !pin_d,
        );
        if !(f || d || b) {
            return s;
        }
        nf *= if f { 2 } else { 1 };
        nd *= if d { 2 } else { 1 };
        nb *= if b { 2 } else { 1 };
    }
    split_with(model, &kept, nf, nd, nb)
}

/// The parameters or outputs a derived stack count leaves room for (CloudFormation allows 200).
pub const ROOM: usize = 180;

/// [`split`] with the counts given.
fn split_with(model: &Model, kept: &Kept, nf: usize, nd: usize, nb: usize) -> Split {
    let ids = nested_ids(nf, nd, nb);
    let n = nf + nd + nb;
    let mut place = BTreeMap::new();
    for (id, _, owner) in &kept.resources {
        let p = match (family(model, *owner), owner) {
            (Some(Family::Function), _) => {
                let addr = unit_function(model, *owner).expect("a function unit");
                Place::Nested(stack_of(&addr, nf))
            }
            (Some(Family::Data), Owner::Block(b)) => Place::Nested(nf + stack_of(&b.addr(), nd)),
            (Some(Family::Bucket), Owner::Block(b)) => {
                Place::Nested(nf + nd + stack_of(&b.addr(), nb))
            }
            _ => Place::Root,
        };
        place.insert(id.clone(), p);
    }
    let mut w = Wiring {
        ids: &ids,
        place: &place,
        params: vec![BTreeMap::new(); n],
        outputs: vec![BTreeMap::new(); n],
        waits: vec![BTreeSet::new(); n],
    };
    let mut root: Map<String, J> = Map::new();
    let mut nested: Vec<Map<String, J>> = vec![Map::new(); n];
    for (id, r, _) in &kept.resources {
        let (id, mut r) = (id.clone(), r.clone());
        let at = place[&id];
        w.rewrite(at, &mut r);
        w.depends_on(at, &mut r);
        match at {
            Place::Root => root.insert(id, r),
            Place::Nested(i) => nested[i].insert(id, r),
        };
    }
    let mut outputs = kept.outputs.clone();
    for v in outputs.values_mut() {
        w.rewrite(Place::Root, v);
    }
    // References between nested stacks go through the root: a parameter whose root value is
    // another nested stack's output (already recorded by `value_in`).
    let mut out = Split {
        root: String::new(),
        root_resources: 0,
        root_outputs: outputs.len(),
        nested: Vec::new(),
    };
    for (i, resources) in nested.into_iter().enumerate() {
        if resources.is_empty() {
            continue;
        }
        let owners = super::names::owners_metadata(
            kept.resources
                .iter()
                .filter(|(id, _, _)| place[id] == Place::Nested(i))
                .map(|(id, _, o)| (id.as_str(), *o)),
        );
        let (id, file, text) = nested_template(
            model,
            &ids[i],
            &resources,
            &w.params[i],
            &w.outputs[i],
            owners,
        );
        let mut props = json!({
            "TemplateURL": {"Fn::Sub": format!("https://${{ArtifactBucket}}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/{file}")},
        });
        if !w.params[i].is_empty() {
            props["Parameters"] = J::Object(w.params[i].clone().into_iter().collect());
        }
        // Explicit: a nested stack leaving the template is deleted (what it holds that must
        // survive — tables, buckets, streams — carries its own `Retain`).
        let mut r = json!({"Type": "AWS::CloudFormation::Stack", "Properties": props, "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"});
        if !w.waits[i].is_empty() {
            r["DependsOn"] = json!(w.waits[i].iter().collect::<Vec<_>>());
        }
        root.insert(id.clone(), r);
        out.nested.push(Nested {
            id,
            file,
            text,
            resources: resources.len(),
            parameters: w.params[i].len(),
            outputs: w.outputs[i].len(),
        });
    }
    out.root_resources = root.len();
    let metadata = super::names::owners_metadata(
        kept.resources
            .iter()
            .filter(|(id, _, _)| place[id] == Place::Root)
            .map(|(id, _, o)| (id.as_str(), *o)),
    );
    out.root = root_template(&template_head(model, Map::new(), metadata), outputs, root);
    out
}

/// A nested stack's template, its root logical ID and its file (named by its content's hash,
/// so a changed template is a new key and an unchanged one is not uploaded again).
fn nested_template(
    model: &Model,
    id: &str,
    resources: &Map<String, J>,
    params: &BTreeMap<String, J>,
    outputs: &BTreeMap<String, J>,
    metadata: J,
) -> (String, String, String) {
    let id = id.to_string();
    let mut t = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Metadata": metadata,
        "Description": format!("{} ({}) — {id}, generated by slsc", model.app.name, model.stage),
        "Resources": resources,
    });
    if !params.is_empty() {
        t["Parameters"] = J::Object(
            params
                .keys()
                .map(|k| (k.clone(), json!({"Type": "String"})))
                .collect(),
        );
    }
    if !outputs.is_empty() {
        t["Outputs"] = J::Object(
            outputs
                .iter()
                .map(|(k, v)| (k.clone(), json!({"Value": v})))
                .collect(),
        );
    }
    let text = to_text(sorted(t));
    let digest: [u8; 32] = sha2::Sha256::digest(text.as_bytes()).into();
    let hash = crate::emit::artifacts::hex(&digest);
    let file = format!("{NESTED_DIR}/{id}-{}.json", &hash[..16]);
    (id, file, text)
}

/// The root template: the head written by the emitter (version, description, outputs,
/// parameters) is rebuilt with the rewritten outputs and the root's resources.
fn root_template(head: &str, outputs: Map<String, J>, resources: Map<String, J>) -> String {
    let mut t: J = serde_json::from_str(&format!("{head}}}")).unwrap_or_else(|_| json!({}));
    if outputs.is_empty() {
        if let J::Object(o) = &mut t {
            o.remove("Outputs");
        }
    } else {
        t["Outputs"] = J::Object(outputs);
    }
    t["Resources"] = J::Object(resources);
    to_text(sorted(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fnv1a() {
        // Reference values of FNV-1a 64: the partition must never change with the compiler.
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(stack_of("function.api", 8), stack_of("function.api", 8));
    }
}
