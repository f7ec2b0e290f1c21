//! The loops of the resource graph: computed once, before the rules run, and read by
//! `recursive-invocation` (which reports them), `missing-concurrency` (a function in an intended
//! loop without a limit is a hard error) and `slsc graph` (which highlights their edges).
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

use crate::graph::{EdgeKind, Graph, NodeKind};
use crate::model::{BlockKind, Model};
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One loop: a strongly connected component with a function in it.
#[derive(Debug, Clone)]
pub struct Loop {
    /// The resource-graph edges of one concrete cycle, in order, starting at the component's
    /// alphabetically first function.
    pub path: Vec<EdgeIndex>,
    /// Every function of the component, sorted by name.
    pub functions: Vec<String>,
    /// Every function of the component says `recursion = "allow"`.
    pub intended: bool,
}

/// The loops of a project, in the order of their first function's name.
#[derive(Debug, Clone, Default)]
pub struct Loops {
    pub loops: Vec<Loop>,
    /// The edges on the loops' cycles (highlighted by `slsc graph`).
    pub edges: BTreeSet<EdgeIndex>,
}

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

/// Finds every loop (see the module documentation).
pub fn find(model: &Model, graph: &Graph) -> Loops {
    let g = &graph.graph;
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
        for (eid, target, w) in graph.outgoing(*bucket) {
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
    let mut out = Loops::default();
    for (first_name, comp) in loops {
        let comp_id = comp_of[comp[0].index()];
        let start = comp
            .iter()
            .copied()
            .find(|n| matches!(c[*n], CNode::Real(r) if g[r].kind == NodeKind::Function && g[r].name == first_name))
            .expect("the first function is in the component");
        let cycle = shortest_cycle(&c, start, |n| comp_of[n.index()] == comp_id);
        let path: Vec<EdgeIndex> = cycle.iter().map(|ce| c[*ce]).collect();
        if path.is_empty() {
            continue;
        }
        let mut functions: Vec<String> = comp
            .iter()
            .filter_map(|n| match c[*n] {
                CNode::Real(r) if g[r].kind == NodeKind::Function => Some(g[r].name.clone()),
                _ => None,
            })
            .collect();
        functions.sort();
        let intended = functions.iter().all(|f| {
            model
                .find(BlockKind::Function, f)
                .and_then(|b| b.str("recursion"))
                == Some("allow")
        });
        out.edges.extend(path.iter().copied());
        out.loops.push(Loop {
            path,
            functions,
            intended,
        });
    }
    out
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

/// What an edge of a loop does, for messages and labels: "function.a sends to queue.q (under
/// \"p/\")".
pub fn describe(graph: &Graph, e: EdgeIndex) -> String {
    let g = &graph.graph;
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
}
