//! `moved` blocks: a renamed block keeps the identity of its old name.
//!
//! `moved { from = function.old  to = function.new }` means: the block now written as
//! `function.new` *is* the deployed `function.old`. Everything the outputs derive from a block's
//! name — CloudFormation logical IDs, Terraform addresses, physical names (`{app}-{stage}-old`),
//! references from other blocks — keeps using the old name, so renaming a block in the source
//! changes nothing in the account (SPEC §9). Chains (`a → b`, `b → c`) resolve to the first name.
//!
//! Diagnostics, rules and `slsc graph` speak the names as written; only the emitters (and the
//! plan's ownership of resources) see [`Model::with_identities`].

use super::{Addr, Block, Model, Part, TriggerSource, Value};
use std::collections::{BTreeMap, BTreeSet};

impl Model {
    /// The identity (deployed) name of every renamed block, by its address as written.
    pub fn identities(&self) -> BTreeMap<Addr, String> {
        let by_to: BTreeMap<&Addr, &Addr> = self.moved.iter().map(|m| (&m.to, &m.from)).collect();
        let mut out = BTreeMap::new();
        for b in &self.blocks {
            let Some(kind) = b.kind.ref_kind() else {
                continue;
            };
            let addr = Addr {
                kind,
                name: b.name.clone(),
            };
            let mut cur = &addr;
            let mut seen: BTreeSet<&Addr> = BTreeSet::new();
            while let Some(prev) = by_to.get(cur) {
                if !seen.insert(*prev) {
                    break;
                }
                cur = prev;
            }
            if cur.name != addr.name {
                out.insert(addr.clone(), cur.name.clone());
            }
        }
        out
    }

    /// The model with every renamed block (and every reference to it) under its identity name,
    /// or `None` when no block is renamed.
    pub fn with_identities(&self) -> Option<Model> {
        let ids = self.identities();
        if ids.is_empty() {
            return None;
        }
        let rename = |a: &mut Addr| {
            if let Some(n) = ids.get(a) {
                a.name = n.clone();
            }
        };
        let mut m = self.clone();
        for b in &mut m.blocks {
            if let Some(kind) = b.kind.ref_kind() {
                let mut a = Addr {
                    kind,
                    name: std::mem::take(&mut b.name),
                };
                rename(&mut a);
                b.name = a.name;
            }
            rename_in_block(b, &rename);
        }
        let name_of = |kind: super::RefKind, n: &mut String| {
            let mut a = Addr {
                kind,
                name: std::mem::take(n),
            };
            rename(&mut a);
            *n = a.name;
        };
        for s in m.trigger_sources.values_mut() {
            use super::RefKind as K;
            match s {
                TriggerSource::Queue(n) => name_of(K::Queue, n),
                TriggerSource::Database(n) => name_of(K::Database, n),
                TriggerSource::Stream(n) => name_of(K::Stream, n),
                TriggerSource::Bucket(n) => name_of(K::Bucket, n),
                TriggerSource::Topic(n) => name_of(K::Topic, n),
                TriggerSource::Alarm(n) => name_of(K::Alarm, n),
                TriggerSource::Http { .. }
                | TriggerSource::Websocket(_)
                | TriggerSource::Schedule(_) => {}
            }
        }
        m.blocks
            .sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        m.moved.clear();
        Some(m)
    }
}

fn rename_in_block(b: &mut Block, rename: &dyn Fn(&mut Addr)) {
    for (_, attr) in b.attrs.iter_mut() {
        rename_in_value(&mut attr.value, rename);
    }
}

fn rename_in_value(v: &mut Value, rename: &dyn Fn(&mut Addr)) {
    match v {
        Value::Ref(a) | Value::Prefix(a, _) => rename(a),
        Value::Deploy(parts) => {
            for p in parts {
                if let Part::Attr(a, _) = p {
                    rename(a);
                }
            }
        }
        Value::List(items) => items.iter_mut().for_each(|i| rename_in_value(i, rename)),
        Value::Object(fields) => fields.values_mut().for_each(|i| rename_in_value(i, rename)),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}
