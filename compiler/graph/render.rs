//! `slsc graph`: the resource graph as Graphviz dot, Mermaid (pastes into a GitHub PR) or JSON.
//!
//! Kinds get their own shape and colour, edges are labelled with their kind (`sends`,
//! `triggers`, `writes "thumbs/"`…), and the edges of loops found by `recursive-invocation` are
//! drawn thick and red. The blocks of each module instance are drawn in a cluster of their own
//! (dot `subgraph cluster_…`, Mermaid `subgraph`), labelled `module.billing (std/queue_worker)`,
//! with the names written in the module. Output is deterministic: the project's nodes in the
//! model's order, then each instance's, edges in creation order.

use super::{EdgeKind, Graph, NodeKind};
use petgraph::graph::EdgeIndex;
use petgraph::visit::EdgeRef;
use serde_json::json;
use std::collections::BTreeSet;
use std::fmt::Write;

fn colour(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Function => "#f9d77e",
        NodeKind::Queue => "#a8d5ba",
        NodeKind::Database => "#9ecae1",
        NodeKind::Bucket => "#c6b6e0",
        NodeKind::Topic => "#f4b6c2",
        NodeKind::Alarm => "#f28b82",
        NodeKind::Resource => "#ffffff",
        NodeKind::Stream => "#8dd3c7",
        NodeKind::Layer => "#ffffb3",
        NodeKind::Http => "#d9d9d9",
        NodeKind::Websocket => "#cfcfe8",
        NodeKind::Schedule => "#e0e0e0",
    }
}

fn edge_label(kind: EdgeKind, prefix: Option<&str>, filter: Option<&str>) -> String {
    let mut s = kind.as_str().to_string();
    if let Some(p) = prefix {
        s.push_str(&format!(" {p}*"));
    }
    if let Some(f) = filter.filter(|f| !f.is_empty()) {
        s.push_str(&format!(" {f}*"));
    }
    s
}

/// The nodes in drawing order: the project's own (cluster `None`), then each instance's
/// (cluster `Some(i)`, an index into `g.instances`), each group in the model's order.
fn groups(g: &Graph) -> Vec<(Option<usize>, Vec<petgraph::graph::NodeIndex>)> {
    let mut own = Vec::new();
    let mut by_module: Vec<Vec<petgraph::graph::NodeIndex>> = vec![Vec::new(); g.instances.len()];
    for n in g.graph.node_indices() {
        match g.graph[n]
            .module()
            .and_then(|m| g.instances.iter().position(|(a, _)| a == m))
        {
            Some(i) => by_module[i].push(n),
            None => own.push(n),
        }
    }
    let mut out = vec![(None, own)];
    out.extend(
        by_module
            .into_iter()
            .enumerate()
            .filter(|(_, ns)| !ns.is_empty())
            .map(|(i, ns)| (Some(i), ns)),
    );
    out
}

fn edges(
    g: &Graph,
) -> Vec<(
    EdgeIndex,
    petgraph::graph::NodeIndex,
    petgraph::graph::NodeIndex,
)> {
    let mut v: Vec<_> = g
        .graph
        .edge_references()
        .map(|e| (e.id(), e.source(), e.target()))
        .collect();
    v.sort_by_key(|(id, _, _)| *id);
    v
}

/// Graphviz dot.
pub fn dot(g: &Graph, loops: &BTreeSet<EdgeIndex>) -> String {
    let mut out = String::from("digraph slsc {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11, style=filled];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (cluster, nodes) in groups(g) {
        let indent = match cluster {
            Some(i) => {
                let _ = writeln!(
                    out,
                    "  subgraph \"cluster_{i}\" {{\n    label=\"{}\";\n    style=dashed;",
                    g.instances[i].1.replace('"', "\\\"")
                );
                "    "
            }
            None => "  ",
        };
        for n in nodes {
            let node = &g.graph[n];
            let shape = match node.kind {
                NodeKind::Function => "box",
                NodeKind::Queue => "cds",
                NodeKind::Database => "cylinder",
                NodeKind::Bucket => "folder",
                NodeKind::Topic => "hexagon",
                NodeKind::Alarm => "octagon",
                NodeKind::Resource => "component",
                NodeKind::Stream => "cds",
                NodeKind::Layer => "tab",
                NodeKind::Http | NodeKind::Websocket => "ellipse",
                NodeKind::Schedule => "note",
            };
            let _ = writeln!(
                out,
                "{indent}\"{}\" [label=\"{}\\n{}\", shape={shape}, fillcolor=\"{}\"];",
                node.address().replace('"', "\\\""),
                node.kind.as_str(),
                node.local_name(),
                colour(node.kind)
            );
        }
        if cluster.is_some() {
            out.push_str("  }\n");
        }
    }
    for (id, a, b) in edges(g) {
        let e = &g.graph[id];
        let mut attrs = format!(
            "label=\"{}\"",
            edge_label(e.kind, e.prefix.as_deref(), e.filter_prefix.as_deref())
        );
        if !e.kind.is_causal() {
            attrs.push_str(", style=dashed");
        }
        if loops.contains(&id) {
            attrs.push_str(", color=\"#d93025\", fontcolor=\"#d93025\", penwidth=3");
        }
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [{attrs}];",
            g.graph[a].address().replace('"', "\\\""),
            g.graph[b].address().replace('"', "\\\"")
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart.
pub fn mermaid(g: &Graph, loops: &BTreeSet<EdgeIndex>) -> String {
    let id = |n: petgraph::graph::NodeIndex| {
        let node = &g.graph[n];
        format!("{}_{}", node.kind.as_str(), node.name)
    };
    let mut out = String::from("flowchart LR\n");
    for (cluster, nodes) in groups(g) {
        let indent = match cluster {
            Some(i) => {
                // Mermaid labels cannot hold a double quote: `module.t["a"]` shows as `module.t['a']`.
                let label = g.instances[i].1.replace('"', "'");
                let _ = writeln!(out, "  subgraph module_{i} [\"{label}\"]");
                "    "
            }
            None => "  ",
        };
        for n in nodes {
            let node = &g.graph[n];
            let label = format!("{} {}", node.kind.as_str(), node.local_name());
            let shape = match node.kind {
                NodeKind::Function => format!("[\"{label}\"]"),
                NodeKind::Queue => format!("[/\"{label}\"/]"),
                NodeKind::Database => format!("[(\"{label}\")]"),
                NodeKind::Bucket => format!("[\\\"{label}\"/]"),
                NodeKind::Topic => format!("{{{{\"{label}\"}}}}"),
                NodeKind::Alarm => format!(">\"{label}\"]"),
                NodeKind::Resource => format!("[[\"{label}\"]]"),
                NodeKind::Stream => format!("[/\"{label}\"\\]"),
                NodeKind::Layer => format!("[\"{label}\"]"),
                NodeKind::Http | NodeKind::Websocket => format!("((\"{label}\"))"),
                NodeKind::Schedule => format!("([\"{label}\"])"),
            };
            let _ = writeln!(out, "{indent}{}{shape}:::{}", id(n), node.kind.as_str());
        }
        if cluster.is_some() {
            out.push_str("  end\n");
        }
    }
    let mut loop_links = Vec::new();
    for (i, (eid, a, b)) in edges(g).into_iter().enumerate() {
        let e = &g.graph[eid];
        let arrow = if e.kind.is_causal() { "-->" } else { "-.->" };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            id(a),
            edge_label(e.kind, e.prefix.as_deref(), e.filter_prefix.as_deref()),
            id(b)
        );
        if loops.contains(&eid) {
            loop_links.push(i.to_string());
        }
    }
    for k in [
        NodeKind::Function,
        NodeKind::Queue,
        NodeKind::Database,
        NodeKind::Bucket,
        NodeKind::Topic,
        NodeKind::Alarm,
        NodeKind::Resource,
        NodeKind::Stream,
        NodeKind::Layer,
        NodeKind::Http,
        NodeKind::Websocket,
        NodeKind::Schedule,
    ] {
        let _ = writeln!(
            out,
            "  classDef {} fill:{},stroke:#555",
            k.as_str(),
            colour(k)
        );
    }
    if !loop_links.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:#d93025,stroke-width:3px",
            loop_links.join(",")
        );
    }
    out
}

/// JSON: `{"nodes":[{"id","kind","name"}],"edges":[{"from","to","kind","causal","loop",…}]}`.
pub fn json(g: &Graph, loops: &BTreeSet<EdgeIndex>) -> String {
    let nodes: Vec<_> = g
        .graph
        .node_indices()
        .map(|n| {
            let node = &g.graph[n];
            let mut v =
                json!({"id": node.address(), "kind": node.kind.as_str(), "name": node.name});
            if let Some(m) = node.module() {
                v["module"] = json!(m);
            }
            v
        })
        .collect();
    let edges: Vec<_> = edges(g)
        .into_iter()
        .map(|(id, a, b)| {
            let e = &g.graph[id];
            let mut v = json!({
                "from": g.graph[a].address(),
                "to": g.graph[b].address(),
                "kind": e.kind.as_str(),
                "causal": e.kind.is_causal(),
                "loop": loops.contains(&id),
            });
            if let Some(p) = &e.prefix {
                v["prefix"] = json!(p);
            }
            if let Some(t) = &e.trigger {
                v["trigger"] = json!(t);
            }
            if let Some(f) = &e.filter_prefix {
                v["filter_prefix"] = json!(f);
            }
            v
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({"nodes": nodes, "edges": edges}))
        .expect("JSON values serialise");
    s.push('\n');
    s
}
