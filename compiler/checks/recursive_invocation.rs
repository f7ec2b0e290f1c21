//! `recursive-invocation`: a function that causes itself to run again.
//!
//! The algorithm, in three linear steps:
//!
//! 1. **The causal graph.** Take the resource graph's causal edges (writes, sends, invokes,
//!    on_failure, trigger; not reads, watches or dead-letter redrives). Buckets need care: a
//!    write narrowed with `prefix(bucket.b, "thumbs/")` only re-triggers the triggers on `b`
//!    whose key prefix can overlap it (one prefix starts with the other). So each bucket is
//!    split into one virtual node per distinct write prefix, connected to exactly the triggers
//!    that prefix can fire. The graph grows by (writers + distinct prefixes × triggers), never
//!    by writers × triggers.
//! 2. **Strongly connected components** (Kosaraju, iterative, so a 10,000-function loop cannot
//!    overflow the stack). A component with a function in it and a cycle (more than one node, or
//!    a self-edge) is a loop.
//! 3. **One concrete cycle per component**, for the message: a breadth-first search inside the
//!    component from its alphabetically first function back to itself gives the shortest such
//!    cycle. Cycles are never enumerated, so the cost stays linear however large the component.
//!
//! A component whose functions *all* say `recursion = "allow"` is an intended loop: a
//! `bounded-recursion` note instead, and a hard `missing-concurrency` error for each of its
//! functions that has no `concurrency` (the only thing that bounds it).

use super::{Adjust, Ctx, Level, Rule};
use crate::diagnostics::{Diagnostic, Severity};
use crate::graph::{EdgeKind, NodeKind};
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, VecDeque};

pub const RULE: Rule = Rule {
    name: "recursive-invocation",
    level: Level::Deny,
    hard: false,
    summary: "A function that, directly or through queues, streams, buckets, topics or other functions, causes itself to run again.",
    doc: r#"
## What it does
Finds loops in the resource graph: a function that sends to a queue that triggers it, writes a
table whose stream triggers it, writes into the bucket (and key prefix) that triggers it,
publishes to a topic it subscribes to, invokes itself — directly or through any chain of other
functions and resources. One diagnostic per loop, with one concrete cycle spelled out edge by
edge, starting at the alphabetically first function in it.

## Why is this bad?
A loop re-triggers itself on every event. Lambda scales it until the account's concurrency limit
or the bill stops it; AWS's own loop detection only steps in after about 16 round trips, and
only for some services. Every other function in the account is throttled meanwhile.

## Example
```hcl
function "resize" {
  handler = "resize.handler"
  writes  = [bucket.images]          # writes the thumbnail next to the original…
}
trigger "on_upload" {
  function = function.resize
  source   = bucket.images           # …which triggers resize again
}
```

## Use instead
Write where the trigger does not look — a key prefix that cannot overlap the trigger's:
```hcl
function "resize" {
  handler = "resize.handler"
  writes  = [prefix(bucket.images, "thumbs/")]
}
trigger "on_upload" {
  function = function.resize
  source   = bucket.images
  prefix   = "uploads/"
}
```
If the loop is intended (a crawler that feeds its own queue), set `recursion = "allow"` on every
function in it and give each a `concurrency` limit: slsc then reports a `bounded-recursion` note
instead, and Lambda's recursive loop detection is turned off for those functions.
"#,
};

/// Labels shown on one loop diagnostic: every edge of any realistic loop, while a
/// thousands-of-steps loop does not print thousands of labels (`slsc graph` shows all).
const MAX_LABELS: usize = 100;

/// A node of the causal graph: a resource-graph node, or a bucket seen through one write
/// prefix.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CNode {
    Real(NodeIndex),
    BucketPrefix(NodeIndex),
}

/// Two key prefixes can match the same key when one starts with the other.
pub fn prefixes_overlap(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

pub fn check(cx: &mut Ctx) {
    let g = &cx.graph.graph;
    // -- 1. The causal graph -------------------------------------------------------------
    let mut c: DiGraph<CNode, EdgeIndex> = DiGraph::with_capacity(g.node_count(), g.edge_count());
    for n in g.node_indices() {
        c.add_node(CNode::Real(n));
    }
    // Bucket virtual nodes: (bucket, prefix) → node.
    let mut virt: BTreeMap<(NodeIndex, String), NodeIndex> = BTreeMap::new();
    let mut edges: Vec<EdgeIndex> = g.edge_indices().collect();
    edges.sort();
    for e in &edges {
        let w = &g[*e];
        if !w.kind.is_causal() {
            continue;
        }
        let (from, to) = g.edge_endpoints(*e).expect("edge exists");
        let to_bucket = g[to].kind == NodeKind::Bucket;
        let from_bucket = g[from].kind == NodeKind::Bucket;
        if to_bucket && w.kind == EdgeKind::Writes {
            // writer → (bucket, prefix)
            let p = w.prefix.clone().unwrap_or_default();
            let v = *virt
                .entry((to, p))
                .or_insert_with(|| c.add_node(CNode::BucketPrefix(to)));
            c.add_edge(NodeIndex::new(from.index()), v, *e);
        } else if from_bucket {
            // Trigger edges out of buckets are connected below, per prefix.
        } else {
            c.add_edge(NodeIndex::new(from.index()), NodeIndex::new(to.index()), *e);
        }
    }
    for ((bucket, p), v) in &virt {
        for (eid, target, w) in cx.graph.outgoing(*bucket) {
            if w.kind == EdgeKind::Trigger
                && prefixes_overlap(p, w.filter_prefix.as_deref().unwrap_or(""))
            {
                c.add_edge(*v, NodeIndex::new(target.index()), eid);
            }
        }
    }

    // -- 2. Strongly connected components ---------------------------------------------
    let sccs = petgraph::algo::kosaraju_scc(&c);
    let mut loops: Vec<(String, Vec<NodeIndex>)> = Vec::new();
    let mut comp_of = vec![usize::MAX; c.node_count()];
    for (i, comp) in sccs.iter().enumerate() {
        for n in comp {
            comp_of[n.index()] = i;
        }
    }
    for comp in sccs.iter() {
        let is_cycle = comp.len() > 1 || c.edges_connecting(comp[0], comp[0]).next().is_some();
        if !is_cycle {
            continue;
        }
        let first = comp
            .iter()
            .filter_map(|n| match c[*n] {
                CNode::Real(r) if g[r].kind == NodeKind::Function => Some((g[r].name.clone(), *n)),
                _ => None,
            })
            .min();
        if let Some((name, _)) = first {
            loops.push((name, comp.clone()));
        }
    }
    loops.sort_by(|a, b| a.0.cmp(&b.0));

    // -- 3. One concrete cycle per component ------------------------------------------
    for (first_name, comp) in loops {
        let comp_id = comp_of[comp[0].index()];
        let start = comp
            .iter()
            .copied()
            .find(|n| matches!(c[*n], CNode::Real(r) if g[r].kind == NodeKind::Function && g[r].name == first_name))
            .expect("the first function is in the component");
        let cycle = shortest_cycle(&c, start, |n| comp_of[n.index()] == comp_id);
        let path: Vec<EdgeIndex> = cycle.iter().map(|ce| c[*ce]).collect();
        report(cx, &comp, &c, &path);
    }
}

/// Breadth-first search from `start` back to `start`, staying inside the component. Returns
/// the causal-graph edges of the cycle in order.
fn shortest_cycle(
    c: &DiGraph<CNode, EdgeIndex>,
    start: NodeIndex,
    inside: impl Fn(NodeIndex) -> bool,
) -> Vec<petgraph::graph::EdgeIndex> {
    let mut parent: Vec<Option<petgraph::graph::EdgeIndex>> = vec![None; c.node_count()];
    let mut seen = vec![false; c.node_count()];
    let mut queue = VecDeque::new();
    queue.push_back(start);
    seen[start.index()] = true;
    while let Some(n) = queue.pop_front() {
        let mut out: Vec<_> = c.edges(n).collect();
        out.sort_by_key(|e| e.id());
        for e in out {
            let t = e.target();
            if t == start {
                // Reconstruct start → … → n → start.
                let mut path = vec![e.id()];
                let mut cur = n;
                while cur != start {
                    let pe = parent[cur.index()].expect("visited nodes have a parent");
                    path.push(pe);
                    cur = c.edge_endpoints(pe).expect("edge exists").0;
                }
                path.reverse();
                return path;
            }
            if !seen[t.index()] && inside(t) {
                seen[t.index()] = true;
                parent[t.index()] = Some(e.id());
                queue.push_back(t);
            }
        }
    }
    Vec::new()
}

fn report(cx: &mut Ctx, comp: &[NodeIndex], c: &DiGraph<CNode, EdgeIndex>, path: &[EdgeIndex]) {
    let graph = cx.graph;
    let g = &graph.graph;
    let model = cx.model;
    if path.is_empty() {
        return;
    }
    let describe = |e: EdgeIndex| {
        let (a, b) = g.edge_endpoints(e).expect("edge exists");
        let w = &g[e];
        let mut s = w.kind.describe(&g[a].address(), &g[b].address());
        if let Some(p) = &w.prefix {
            s.push_str(&format!(" (under \"{p}\")"));
        }
        if let Some(f) = w.filter_prefix.as_deref().filter(|f| !f.is_empty()) {
            s.push_str(&format!(" (keys under \"{f}\")"));
        }
        s
    };
    let mut chain = vec![{
        let (a, _) = g.edge_endpoints(path[0]).expect("edge exists");
        g[a].address()
    }];
    for e in path {
        let (_, b) = g.edge_endpoints(*e).expect("edge exists");
        chain.push(g[b].address());
    }
    for e in path {
        cx.loop_edges.insert(*e);
    }
    let functions: Vec<String> = {
        let mut v: Vec<String> = comp
            .iter()
            .filter_map(|n| match c[*n] {
                CNode::Real(r) if g[r].kind == NodeKind::Function => Some(g[r].name.clone()),
                _ => None,
            })
            .collect();
        v.sort();
        v
    };
    let all_allow = functions.iter().all(|f| {
        model
            .find(crate::model::BlockKind::Function, f)
            .and_then(|b| b.str("recursion"))
            == Some("allow")
    });
    let on_cycle = chain.len() - 1;
    let extra = if functions.len()
        > chain
            .iter()
            .filter(|a| a.starts_with("function."))
            .count()
            .saturating_sub(1)
    {
        format!(
            " ({} functions are in this loop: {})",
            functions.len(),
            functions
                .iter()
                .take(10)
                .map(|f| format!("function.{f}"))
                .collect::<Vec<_>>()
                .join(", ")
                + if functions.len() > 10 { ", …" } else { "" }
        )
    } else {
        String::new()
    };
    let chain_text = if chain.len() > 12 {
        format!(
            "{} → … → {} ({on_cycle} steps)",
            chain[..6].join(" → "),
            chain[chain.len() - 3..].join(" → ")
        )
    } else {
        chain.join(" → ")
    };
    let first_span = g[path[0]].span;
    if !all_allow {
        let mut d = Diagnostic::error(
            RULE.name,
            first_span,
            format!("{} re-triggers itself: {chain_text}{extra}", chain[0]),
        )
        .with_primary_label(describe(path[0]));
        for e in path[1..].iter().take(MAX_LABELS) {
            d = d.with_label(g[*e].span, describe(*e));
        }
        let help = "break the loop: write or send somewhere that does not trigger this chain (for a bucket, \
            narrow the write with prefix(bucket.X, \"out/\") so it cannot overlap the trigger's prefix). \
            If the loop is intended, set recursion = \"allow\" on every function in it and give each a concurrency limit";
        d = d.with_help(if path.len() > MAX_LABELS + 1 {
            format!("{help}\n(the first {MAX_LABELS} of {} steps are labelled; `slsc graph` draws the whole loop)", path.len())
        } else {
            help.to_string()
        });
        let adjust = Adjust::Level;
        cx.push(d, adjust);
        return;
    }
    // An intended loop: a note, and a hard error for each function it cannot bound.
    let mut note = Diagnostic::new(
        "bounded-recursion",
        Severity::Note,
        first_span,
        format!("intended loop (every function has recursion = \"allow\"): {chain_text}"),
    )
    .with_primary_label(describe(path[0]));
    for e in path[1..].iter().take(MAX_LABELS) {
        note = note.with_label(g[*e].span, describe(*e));
    }
    note = note.with_help("each function's reserved concurrency is what bounds this loop; Lambda's loop detection is off for them");
    cx.push(note, Adjust::Fixed);
    for f in &functions {
        let Some(b) = model.find(crate::model::BlockKind::Function, f) else {
            continue;
        };
        if b.attrs.contains_key("concurrency") {
            continue;
        }
        cx.unbounded_in_loops.insert(f.clone());
        let mut d = Diagnostic::error(
            "missing-concurrency",
            b.header,
            format!("function.{f} is in an intended loop but has no concurrency limit: nothing bounds how far it scales"),
        )
        .with_help("set `concurrency = N`: with recursion = \"allow\", reserved concurrency is the only bound on the loop");
        // Label the function's own edges on the cycle.
        for e in path {
            let (a, bn) = g.edge_endpoints(*e).expect("edge exists");
            let touches =
                |n: petgraph::graph::NodeIndex| g[n].kind == NodeKind::Function && g[n].name == *f;
            if touches(a) || touches(bn) {
                d = d.with_label(g[*e].span, describe(*e));
            }
        }
        cx.push(d, Adjust::Fixed);
    }
}
