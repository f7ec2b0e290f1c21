//! Nested stacks: a CloudFormation application too large for one stack (500 resources, 1 MB of
//! template) is emitted as a root stack and nested stacks (`AWS::CloudFormation::Stack`).
//!
//! ## The partition
//! - **Units.** A function's unit is the function and every resource its block owns (role, log
//!   group, invoke configuration) plus the resources of the triggers that invoke it (permissions,
//!   event source mappings, routes and integrations, subscriptions, rules). A unit is never split.
//! - **Data units.** Every other block's resources (a table, bucket, queue, topic, stream,
//!   layer, alarm and its topic, raw resource) are a unit of their own, keyed by the block's
//!   address — but a queue with a `dead_letter` is keyed by the address of the queue at the end
//!   of its redrive chain, so it is always in its dead-letter queue's stack (data stacks never
//!   depend on each other for a redrive; two that did both ways would be a cycle).
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
//!   names). Any cycle left between stacks — a raw resource that waits for a function while
//!   the function reads it — is found on the layout ([`Split::cycle`]) and reported by
//!   `template-limits`.
//!
//! ## How it is computed
//! From the emitted-resource model (emit/resources.rs) alone: each resource's owner gives its
//! unit and stack; its references (`Ref`, `Fn::GetAtt`, `${…}`, `DependsOn`, read when it was
//! emitted) give what crosses stacks — so trying a doubled count reads no value. Writing then
//! takes each resource's text as emitted, and parses and re-renders only the resources whose
//! references cross a stack.
//!
//! Each nested stack is then written on its own (the stacks are spread over the cores): its
//! text, rewrites and content hash depend on it alone, so the output never depends on the
//! threads.
//!
//! ## Invariants (tests/nested_stacks.rs proves them)
//! 1. A stateful resource is always in a data stack: no change to functions moves it.
//! 2. With `N` and `M` fixed, a unit's stack depends only on its own address (for a queue with
//!    a dead-letter queue: the end of its redrive chain's, so changing a queue's `dead_letter`
//!    moves that queue, and the plan says so): adding, removing or renaming a function or a
//!    table moves no other resource. `N` and `M` are derived from
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

use super::cloudformation::{template_head, Emitted};
use super::names::Owner;
use super::resources::{document, Document, Resource};
use crate::model::{BlockKind, Model};
use serde_json::{json, Map, Value as J};
use sha2::Digest;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    pub doc: Document,
    pub resources: usize,
    pub parameters: usize,
    pub outputs: usize,
}

/// A split application: the root template and the nested ones.
pub struct Split {
    pub root: Document,
    pub root_resources: usize,
    pub root_outputs: usize,
    pub nested: Vec<Nested>,
    /// Nested stacks that would depend on each other (a cycle, `A → B → A`), which
    /// CloudFormation refuses: reported by `template-limits`. Empty when there is none.
    pub cycle: Vec<String>,
    /// Where a dependency of that cycle was written (a raw resource's `depends_on`, when one is
    /// in the cycle).
    pub cycle_at: Option<crate::source::Span>,
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

/// Where every resource goes, and what crosses between stacks: computed from the resources'
/// owners and references alone (no value is read), so trying another stack count is cheap.
struct Layout<'p> {
    /// Each resource's index in the emission, by logical ID.
    index: &'p HashMap<String, usize>,
    /// Each resource's stack, in emission order.
    places: Vec<Place>,
    ids: Vec<String>,
    /// Per nested stack: parameter name → its value in the root.
    params: Vec<BTreeMap<String, J>>,
    /// Per nested stack: output name → its value in that stack.
    outputs: Vec<BTreeMap<String, J>>,
    /// Per nested stack: the root resources or nested stacks it must wait for.
    waits: Vec<BTreeSet<String>>,
    /// Per nested stack: the nested stacks it depends on (reads an output of, or waits for),
    /// each with where the first dependency was written (and whether by a raw resource).
    deps: Vec<BTreeMap<usize, Blame>>,
}

/// Where a dependency between stacks comes from: the span of the block (or of its
/// `depends_on`) that made it, and whether that block is a raw `resource`.
type Blame = (Option<crate::source::Span>, bool);

fn blame(r: &Resource, waiting: bool) -> Blame {
    match r.owner.block() {
        Some(b) => {
            let span = if waiting {
                b.span_of("depends_on")
            } else {
                b.name_span
            };
            (Some(span), b.kind == BlockKind::Resource)
        }
        None => (None, false),
    }
}

impl<'p> Layout<'p> {
    fn new(
        resources: &[Resource],
        index: &'p HashMap<String, usize>,
        units: &[Unit],
        counts: [usize; 3],
    ) -> Self {
        let [nf, nd, nb] = counts;
        let n = nf + nd + nb;
        let mut l = Layout {
            index,
            places: units.iter().map(|u| place_of(u, counts)).collect(),
            ids: nested_ids(nf, nd, nb),
            params: vec![BTreeMap::new(); n],
            outputs: vec![BTreeMap::new(); n],
            waits: vec![BTreeSet::new(); n],
            deps: vec![BTreeMap::new(); n],
        };
        for (k, r) in resources.iter().enumerate() {
            let at = l.places[k];
            for (id, attr) in &r.refs {
                l.cross(at, id, attr.as_deref(), blame(r, false));
            }
            for d in &r.depends_on {
                l.wait(at, d, blame(r, true));
            }
        }
        l
    }

    fn place_of(&self, id: &str) -> Place {
        // Parameters of the root (`ArtifactBucket`) and anything unknown live in the root.
        self.index.get(id).map_or(Place::Root, |&i| self.places[i])
    }

    /// Records a value of `id` (`attr` for `GetAtt`) used in stack `at`: a parameter of `at`
    /// and, when it lives in a nested stack, an output of that stack.
    fn cross(&mut self, at: Place, id: &str, attr: Option<&str>, why: Blame) {
        let from = self.place_of(id);
        if from == at {
            return;
        }
        self.depend(at, from, why);
        let name = crossing_name(id, attr);
        if let Place::Nested(j) = from {
            self.outputs[j].insert(name.clone(), local_value(id, attr));
        }
        if let Place::Nested(i) = at {
            let in_root = self.in_root(from, id, attr);
            self.params[i].insert(name, in_root);
        }
    }

    /// The expression in the root for a value of `id` that lives in `from`.
    fn in_root(&self, from: Place, id: &str, attr: Option<&str>) -> J {
        match from {
            Place::Root => local_value(id, attr),
            Place::Nested(j) => {
                json!({"Fn::GetAtt": [self.ids[j], format!("Outputs.{}", crossing_name(id, attr))]})
            }
        }
    }

    /// A `DependsOn` entry of a resource in a nested stack on another stack: the nested stack
    /// waits for it (in the root: the dependency is on the nested stack, see [`Layout::depends_on`]).
    fn wait(&mut self, at: Place, id: &str, why: Blame) {
        self.depend(at, self.place_of(id), why);
        match (at, self.place_of(id)) {
            (a, b) if a == b => {}
            (Place::Nested(i), Place::Root) => {
                self.waits[i].insert(id.to_string());
            }
            (Place::Nested(i), Place::Nested(j)) => {
                let stack = self.ids[j].clone();
                self.waits[i].insert(stack);
            }
            _ => {}
        }
    }

    /// Notes that nested stack `at` depends on nested stack `on` (the first reason is kept).
    fn depend(&mut self, at: Place, on: Place, why: Blame) {
        if let (Place::Nested(i), Place::Nested(j)) = (at, on) {
            if i != j {
                self.deps[i].entry(j).or_insert(why);
            }
        }
    }

    /// Whether a resource refers to anything outside its own stack (its value is rewritten).
    fn crosses(&self, r: &Resource) -> bool {
        let at = self.place_of(&r.id);
        r.refs.iter().any(|(id, _)| self.place_of(id) != at)
            || r.depends_on.iter().any(|d| self.place_of(d) != at)
    }

    /// The expression, in stack `at`, for a value of `id`; `None` when it is local.
    fn value_in(&self, at: Place, id: &str, attr: Option<&str>) -> Option<J> {
        let from = self.place_of(id);
        if from == at {
            return None;
        }
        Some(match at {
            Place::Root => self.in_root(from, id, attr),
            Place::Nested(_) => json!({"Ref": crossing_name(id, attr)}),
        })
    }

    /// Rewrites every reference of a value that lives in `at` to another stack.
    fn rewrite(&self, at: Place, v: &mut J) {
        match v {
            J::Object(o) => {
                if let Some(new) = self.reference(at, o) {
                    *v = new;
                    return;
                }
                for (k, x) in o.iter_mut() {
                    match (k.as_str(), &mut *x) {
                        ("DependsOn", _) => {}
                        ("Fn::Sub", J::String(s)) => *s = self.sub(at, s, &[]),
                        ("Fn::Sub", J::Array(a)) => {
                            let vars: Vec<String> = match a.get(1) {
                                Some(J::Object(m)) => m.keys().cloned().collect(),
                                _ => Vec::new(),
                            };
                            if let Some(J::String(s)) = a.first_mut() {
                                *s = self.sub(at, s, &vars);
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
    fn reference(&self, at: Place, o: &Map<String, J>) -> Option<J> {
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

    /// `${X}` / `${X.Attr}` to another stack, in an `Fn::Sub` string of stack `at` (not the
    /// `Fn::Sub`'s own variables).
    fn sub(&self, at: Place, s: &str, vars: &[String]) -> String {
        super::shared::map_sub(s, |id, attr| {
            if id.starts_with("AWS::") || vars.iter().any(|v| v == id) {
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

    /// `DependsOn` entries to other stacks: from the root, on the nested stack; from a nested
    /// stack, dropped (the root's nested-stack resource waits instead: [`Layout::wait`]).
    fn depends_on(&self, at: Place, r: &mut J) {
        let Some(d) = r.get("DependsOn") else {
            return;
        };
        let list: Vec<&str> = match d {
            J::String(s) => vec![s.as_str()],
            J::Array(a) => a.iter().filter_map(J::as_str).collect(),
            _ => return,
        };
        let mut kept = BTreeSet::new();
        for id in list {
            match (at, self.place_of(id)) {
                (a, b) if a == b => {
                    kept.insert(id.to_string());
                }
                (Place::Root, Place::Nested(j)) => {
                    kept.insert(self.ids[j].clone());
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

    /// A cycle among the nested stacks (their logical IDs, the first again at the end) and
    /// where one of its dependencies was written (a raw resource's, when one is in the cycle);
    /// no IDs when there is no cycle.
    fn cycle(&self) -> (Vec<String>, Option<crate::source::Span>) {
        // Depth-first search with colours: 0 unvisited, 1 on the path, 2 done.
        let mut colour = vec![0u8; self.deps.len()];
        let mut path: Vec<usize> = Vec::new();
        fn visit(
            i: usize,
            deps: &[BTreeMap<usize, Blame>],
            colour: &mut [u8],
            path: &mut Vec<usize>,
        ) -> Option<Vec<usize>> {
            colour[i] = 1;
            path.push(i);
            for &j in deps[i].keys() {
                if colour[j] == 1 {
                    let start = path.iter().position(|&x| x == j).unwrap_or(0);
                    let mut c = path[start..].to_vec();
                    c.push(j);
                    return Some(c);
                }
                if colour[j] == 0 {
                    if let Some(c) = visit(j, deps, colour, path) {
                        return Some(c);
                    }
                }
            }
            path.pop();
            colour[i] = 2;
            None
        }
        for i in 0..self.deps.len() {
            if colour[i] == 0 {
                if let Some(c) = visit(i, &self.deps, &mut colour, &mut path) {
                    let edges: Vec<Blame> = c.windows(2).map(|w| self.deps[w[0]][&w[1]]).collect();
                    let at = edges
                        .iter()
                        .find(|b| b.1)
                        .or(edges.first())
                        .and_then(|b| b.0);
                    return (c.into_iter().map(|k| self.ids[k].clone()).collect(), at);
                }
            }
        }
        (Vec::new(), None)
    }

    /// Whether a nested stack of a family passes [`ROOM`] parameters or outputs.
    fn crowded(&self, prefix: &str) -> bool {
        self.ids.iter().enumerate().any(|(i, id)| {
            id.starts_with(prefix)
                && (self.params[i].len() >= ROOM || self.outputs[i].len() >= ROOM)
        })
    }
}

/// A resource's unit: its family and the address its stack is hashed from (`None`: the root).
type Unit = Option<(Family, String)>;

fn unit_of(model: &Model, owner: Owner) -> Unit {
    let f = family(model, owner)?;
    let addr = match f {
        Family::Function => unit_function(model, owner)?,
        Family::Data => redrive_end(model, owner.block()?).addr(),
        Family::Bucket => owner.block()?.addr(),
    };
    Some((f, addr))
}

/// The queue at the end of a queue's redrive chain (`dead_letter`, followed; the block itself
/// when it is not a queue or has none). A queue is placed by it, so a queue and its dead-letter
/// queue are always in one stack: two data stacks whose queues redrive to each other's would
/// depend on each other, which CloudFormation refuses.
fn redrive_end<'m>(model: &'m Model, b: &'m crate::model::Block) -> &'m crate::model::Block {
    let mut cur = b;
    // Dead-letter cycles are refused before emitting; the bound only guards this loop.
    for _ in 0..64 {
        if cur.kind != BlockKind::Queue {
            break;
        }
        match cur
            .reference("dead_letter")
            .and_then(|d| model.find(BlockKind::Queue, &d.name))
        {
            Some(next) if next.name != cur.name => cur = next,
            _ => break,
        }
    }
    cur
}

/// The stack of a resource of this unit, with `[function, data, bucket]` stack counts.
fn place_of(unit: &Unit, [nf, nd, nb]: [usize; 3]) -> Place {
    match unit {
        Some((Family::Function, a)) => Place::Nested(stack_of(a, nf)),
        Some((Family::Data, a)) => Place::Nested(nf + stack_of(a, nd)),
        Some((Family::Bucket, a)) => Place::Nested(nf + nd + stack_of(a, nb)),
        None => Place::Root,
    }
}

/// Splits an emitted application into the root, the function stacks and the data stacks.
///
/// Unpinned counts also grow (doubling) until every stack passes fewer than [`ROOM`] parameters
/// and outputs: a data stack read by many function stacks has an output per value they read.
pub fn split(model: &Model, emitted: Emitted) -> Split {
    let units: Vec<Unit> = emitted
        .resources
        .iter()
        .map(|r| unit_of(model, r.owner))
        .collect();
    let count = |f: Family| {
        units
            .iter()
            .filter(|u| matches!(u, Some((x, _)) if *x == f))
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
    let index: HashMap<String, usize> = emitted
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();
    let mut tries = 0;
    loop {
        let l = Layout::new(&emitted.resources, &index, &units, [nf, nd, nb]);
        let (f, d, b) = (
            l.crowded("FunctionStack") && !pin_f,
            l.crowded("DataStack") && !pin_d,
            l.crowded("BucketStack") && !pin_d,
        );
        tries += 1;
        if !(f || d || b) || tries == 8 {
            let (cycle, at) = l.cycle();
            let mut out = write(model, emitted, l);
            out.cycle = cycle;
            out.cycle_at = at;
            return out;
        }
        nf *= if f { 2 } else { 1 };
        nd *= if d { 2 } else { 1 };
        nb *= if b { 2 } else { 1 };
    }
}

/// The parameters or outputs a derived stack count leaves room for (CloudFormation allows 200).
pub const ROOM: usize = 180;

/// Writes the templates of a layout: each resource's text as emitted, re-rendered only when it
/// refers to another stack.
fn write(model: &Model, emitted: Emitted, l: Layout) -> Split {
    let n = l.ids.len();
    // Each stack's resources, then each stack written on its own (spread over the cores: a
    // stack's text, rewrites and hash depend on it alone), in stack order.
    let mut per: Vec<Vec<Resource>> = (0..=n).map(|_| Vec::new()).collect();
    for (k, r) in emitted.resources.into_iter().enumerate() {
        let i = match l.places[k] {
            Place::Root => n,
            Place::Nested(i) => i,
        };
        per[i].push(r);
    }
    let root_resources = per.pop().unwrap_or_default();
    let (mut root_entries, root_owners) = render_stack(&l, Place::Root, root_resources);
    let stacks: Vec<(usize, Vec<Resource>)> = per
        .into_iter()
        .enumerate()
        .filter(|(_, rs)| !rs.is_empty())
        .collect();
    let threads = crate::syntax::worker_threads().min(stacks.len()).max(1);
    let mut shares: Vec<Vec<(usize, Vec<Resource>)>> = (0..threads).map(|_| Vec::new()).collect();
    for (k, s) in stacks.into_iter().enumerate() {
        shares[k % threads].push(s);
    }
    let l = &l;
    let mut written: Vec<(usize, Nested, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                scope.spawn(move || {
                    share
                        .into_iter()
                        .map(|(i, rs)| {
                            let (nested, entry) = nested_stack(model, l, i, rs);
                            (i, nested, entry)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    written.sort_by_key(|w| w.0);
    let mut root_outputs = emitted.outputs;
    for v in root_outputs.values_mut() {
        l.rewrite(Place::Root, v);
    }
    let mut out = Split {
        root: Document::default(),
        root_resources: 0,
        root_outputs: root_outputs.len(),
        nested: Vec::new(),
        cycle: Vec::new(),
        cycle_at: None,
    };
    for (i, nested, entry) in written {
        root_entries.push((l.ids[i].clone(), entry));
        out.nested.push(nested);
    }
    root_entries.sort_by(|a, b| a.0.cmp(&b.0));
    out.root_resources = root_entries.len();
    let metadata =
        super::names::owners_metadata(root_owners.iter().map(|(id, o)| (id.as_str(), *o)));
    let head = template_head(model, root_outputs, metadata);
    out.root = document(head, "Resources", root_entries, 1);
    out
}

/// A stack's entries (logical ID, text) and the owner of each.
type Rendered<'m> = (Vec<(String, String)>, Vec<(String, Owner<'m>)>);

/// The entries of one stack's resources: each one's text as emitted, re-rendered when it
/// refers to another stack; and their owners.
fn render_stack<'m>(l: &Layout, at: Place, resources: Vec<Resource<'m>>) -> Rendered<'m> {
    let mut scratch = String::new();
    let mut owners = Vec::with_capacity(resources.len());
    let entries = resources
        .into_iter()
        .map(|r| {
            owners.push((r.id.clone(), r.owner));
            let text = if l.crosses(&r) {
                let mut v: J = serde_json::from_str(&r.text).expect("emitted text is JSON");
                l.rewrite(at, &mut v);
                l.depends_on(at, &mut v);
                scratch.clear();
                super::resources::write_sorted(&v, r.indent, &mut scratch);
                scratch.clone()
            } else {
                r.text
            };
            (r.id, text)
        })
        .collect();
    (entries, owners)
}

/// Nested stack `i`: its template, and its `AWS::CloudFormation::Stack` entry in the root.
fn nested_stack(model: &Model, l: &Layout, i: usize, resources: Vec<Resource>) -> (Nested, String) {
    let (entries, owners) = render_stack(l, Place::Nested(i), resources);
    let metadata = super::names::owners_metadata(owners.iter().map(|(id, o)| (id.as_str(), *o)));
    let count = entries.len();
    let (file, doc) = nested_template(
        model,
        &l.ids[i],
        entries,
        &l.params[i],
        &l.outputs[i],
        metadata,
    );
    let entry = stack_resource(&file, &l.params[i], &l.waits[i], &mut String::new());
    let nested = Nested {
        id: l.ids[i].clone(),
        file,
        doc,
        resources: count,
        parameters: l.params[i].len(),
        outputs: l.outputs[i].len(),
    };
    (nested, entry)
}

/// The root's `AWS::CloudFormation::Stack` resource of a nested stack, rendered.
fn stack_resource(
    file: &str,
    params: &BTreeMap<String, J>,
    waits: &BTreeSet<String>,
    scratch: &mut String,
) -> String {
    let mut props = json!({
        "TemplateURL": {"Fn::Sub": format!("https://${{ArtifactBucket}}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}/{file}")},
    });
    if !params.is_empty() {
        props["Parameters"] = J::Object(params.clone().into_iter().collect());
    }
    // Explicit: a nested stack leaving the template is deleted (what it holds that must
    // survive — tables, buckets, streams — carries its own `Retain`).
    let mut r = json!({"Type": "AWS::CloudFormation::Stack", "Properties": props, "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"});
    if !waits.is_empty() {
        r["DependsOn"] = json!(waits.iter().collect::<Vec<_>>());
    }
    scratch.clear();
    super::resources::write_sorted(&r, 2, scratch);
    scratch.clone()
}

/// A nested stack's template and its file (named by its content's hash, so a changed template
/// is a new key and an unchanged one is not uploaded again).
fn nested_template(
    model: &Model,
    id: &str,
    entries: Vec<(String, String)>,
    params: &BTreeMap<String, J>,
    outputs: &BTreeMap<String, J>,
    metadata: J,
) -> (String, Document) {
    let mut t = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Metadata": metadata,
        "Description": format!("{} ({}) — {id}, generated by slsc", model.app.name, model.stage),
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
    let mut head = String::new();
    super::resources::write_sorted(&t, 0, &mut head);
    // Without the closing `\n}`: the resources follow.
    head.truncate(head.len() - 2);
    let doc = document(head, "Resources", entries, 1);
    let mut sha = sha2::Sha256::new();
    for p in &doc.pieces {
        sha.update(p.as_bytes());
    }
    let digest: [u8; 32] = sha.finalize().into();
    let hash = crate::emit::artifacts::hex(&digest);
    (format!("{NESTED_DIR}/{id}-{}.json", &hash[..16]), doc)
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
