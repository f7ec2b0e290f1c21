//! The resource graph: the single source of truth for IAM grants, recursion, plan addresses and
//! emitted dependencies.
//!
//! Nodes are the resource blocks (functions, queues, databases, buckets, topics, alarms), the
//! shared HTTP API (one node, present when any `http` trigger exists) and one node per schedule
//! trigger. Edges carry their [`EdgeKind`] and the span of the syntax that created them, so every
//! check can point at the exact list entry or attribute:
//!
//! - data edges from a function: `writes` → database/bucket (with the key prefix when narrowed),
//!   `sends` → queue/topic, `invokes` → function, `on_failure` → queue/topic (the function's, and
//!   a stream trigger's), `reads` → database/bucket;
//! - trigger edges: queue/database/bucket/topic/alarm/HTTP API/schedule → function, one per
//!   `trigger` block, carrying the trigger's name and bucket filter;
//! - `watch` edges: alarm → what it watches (drawn, not causal);
//! - `dead_letter` edges: queue → its dead letter queue (drawn, not causal).
//!
//! Causal edges — the ones that can make a function run again — are writes, sends, invokes,
//! on_failure and trigger ([`EdgeKind::is_causal`]). Reads, watches and dead-letter redrives are
//! not.

pub mod render;

use crate::diagnostics::Span;
use crate::model::modules::Origin;
use crate::model::{BlockKind, Model, RefKind, TriggerSource, Value};
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Function,
    Queue,
    Database,
    Bucket,
    Topic,
    Alarm,
    /// A raw resource (opaque: no edges of its own).
    Resource,
    /// A Kinesis data stream.
    Stream,
    /// A Lambda layer (no edges: functions name it in `layers`).
    Layer,
    /// The shared HTTP API (name `api`).
    Http,
    /// The shared WebSocket API (name `api`).
    Websocket,
    /// A schedule trigger (named after the trigger).
    Schedule,
}

impl NodeKind {
    /// The node kinds of blocks (the others are the HTTP API and schedules).
    const BLOCKS: [NodeKind; 9] = [
        NodeKind::Function,
        NodeKind::Queue,
        NodeKind::Database,
        NodeKind::Bucket,
        NodeKind::Topic,
        NodeKind::Alarm,
        NodeKind::Resource,
        NodeKind::Stream,
        NodeKind::Layer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Function => "function",
            NodeKind::Queue => "queue",
            NodeKind::Database => "database",
            NodeKind::Bucket => "bucket",
            NodeKind::Topic => "topic",
            NodeKind::Alarm => "alarm",
            NodeKind::Resource => "resource",
            NodeKind::Stream => "stream",
            NodeKind::Layer => "layer",
            NodeKind::Http => "http",
            NodeKind::Websocket => "websocket",
            NodeKind::Schedule => "schedule",
        }
    }
    /// The node kind of a referenceable block kind (the same keyword).
    fn from_ref(k: RefKind) -> NodeKind {
        NodeKind::BLOCKS
            .into_iter()
            .find(|n| n.as_str() == k.as_str())
            .expect("every reference kind has a node kind")
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// The model's name (a module instance's blocks have prefixed names: `billing_worker`).
    pub name: String,
    /// The block's name label (the trigger's, for a schedule; the first route's, for the API).
    pub span: Span,
    /// Where a module instance's block was written.
    pub origin: Option<Box<Origin>>,
}

impl Node {
    /// `function.signup`, `http.api`, `schedule.nightly`, `module.billing.function.worker`.
    pub fn address(&self) -> String {
        crate::model::modules::address(self.origin.as_deref(), self.kind.as_str(), &self.name)
    }
    /// The name as written in its file (`worker` in a module instance).
    pub fn local_name(&self) -> &str {
        self.origin.as_ref().map_or(&self.name, |o| &o.local)
    }
    /// The instance the block belongs to (`module.billing`), if any.
    pub fn module(&self) -> Option<&str> {
        self.origin.as_ref().map(|o| o.module.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    Reads,
    Writes,
    Sends,
    Invokes,
    OnFailure,
    Trigger,
    Watch,
    DeadLetter,
    /// A function posts to (and may close) the WebSocket API's connections.
    Manages,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Reads => "reads",
            EdgeKind::Writes => "writes",
            EdgeKind::Sends => "sends",
            EdgeKind::Invokes => "invokes",
            EdgeKind::OnFailure => "on_failure",
            EdgeKind::Trigger => "triggers",
            EdgeKind::Watch => "watches",
            EdgeKind::DeadLetter => "dead_letter",
            EdgeKind::Manages => "manages_connections",
        }
    }
    /// Edges that can cause a function to run.
    pub fn is_causal(self) -> bool {
        matches!(
            self,
            EdgeKind::Writes
                | EdgeKind::Sends
                | EdgeKind::Invokes
                | EdgeKind::OnFailure
                | EdgeKind::Trigger
        )
    }
    /// "function.a sends to queue.q", "queue.q triggers function.a".
    pub fn describe(self, from: &str, to: &str) -> String {
        match self {
            EdgeKind::Reads => format!("{from} reads {to}"),
            EdgeKind::Writes => format!("{from} writes to {to}"),
            EdgeKind::Sends => format!("{from} sends to {to}"),
            EdgeKind::Invokes => format!("{from} invokes {to}"),
            EdgeKind::OnFailure => format!("{from} sends its failures to {to}"),
            EdgeKind::Trigger => format!("{from} triggers {to}"),
            EdgeKind::Watch => format!("{from} watches {to}"),
            EdgeKind::DeadLetter => format!("{from} moves failed messages to {to}"),
            EdgeKind::Manages => format!("{from} posts to the connections of {to}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub kind: EdgeKind,
    /// The syntax that created the edge: the list entry, attribute or trigger source.
    pub span: Span,
    /// For writes/reads of a bucket narrowed with `prefix()`: the key prefix.
    pub prefix: Option<String>,
    /// For trigger edges: the trigger block's name.
    pub trigger: Option<String>,
    /// For bucket trigger edges: the trigger's key prefix filter (empty = every key).
    pub filter_prefix: Option<String>,
}

/// The resource graph.
pub struct Graph {
    pub graph: DiGraph<Node, Edge>,
    /// Node lookup by kind, then name (looked up by `&str`, no allocation).
    index: BTreeMap<NodeKind, std::collections::HashMap<String, NodeIndex>>,
    /// The module instances, in the model's order: (address, `module.billing (std/…)`).
    pub instances: Vec<(String, String)>,
}

/// The name of the shared HTTP API's node (and of the WebSocket API's).
pub const HTTP_API: &str = "api";

impl Graph {
    /// Builds the graph from a model. Deterministic: nodes and edges are added in the model's
    /// order (blocks sorted by kind and name, attributes in source order).
    pub fn build(model: &Model) -> Graph {
        let mut g = Graph {
            graph: DiGraph::new(),
            index: BTreeMap::new(),
            instances: model
                .instances
                .iter()
                .map(|i| (i.addr.clone(), i.describe()))
                .collect(),
        };
        for b in &model.blocks {
            if let Some(rk) = b.kind.ref_kind() {
                let n = g.add_node(NodeKind::from_ref(rk), &b.name, b.name_span);
                g.graph[n].origin = b.origin.clone();
            }
        }
        // Trigger sources that are not blocks: the shared API and schedules.
        for t in model.of_kind(BlockKind::Trigger) {
            match model.trigger_sources.get(&t.name) {
                Some(TriggerSource::Http { .. }) if g.node(NodeKind::Http, HTTP_API).is_none() => {
                    g.add_node(NodeKind::Http, HTTP_API, t.span_of("http"));
                }
                Some(TriggerSource::Websocket(_))
                    if g.node(NodeKind::Websocket, HTTP_API).is_none() =>
                {
                    g.add_node(NodeKind::Websocket, HTTP_API, t.span_of("websocket"));
                }
                Some(TriggerSource::Schedule(_)) => {
                    let n = g.add_node(NodeKind::Schedule, &t.name, t.name_span);
                    g.graph[n].origin = t.origin.clone();
                }
                _ => {}
            }
        }
        for f in model.of_kind(BlockKind::Function) {
            let Some(from) = g.node(NodeKind::Function, &f.name) else {
                continue;
            };
            for (attr, kind) in [
                ("reads", EdgeKind::Reads),
                ("writes", EdgeKind::Writes),
                ("sends", EdgeKind::Sends),
                ("invokes", EdgeKind::Invokes),
            ] {
                let Some(a) = f.attr(attr) else { continue };
                for (i, v) in a.value.as_list().iter().enumerate() {
                    let (addr, prefix) = match v {
                        Value::Ref(addr) => (addr, None),
                        Value::Prefix(addr, p) => (addr, Some(p.clone())),
                        _ => continue,
                    };
                    if let Some(to) = g.node(NodeKind::from_ref(addr.kind), &addr.name) {
                        g.add_edge(from, to, kind, a.item_span(i), prefix, None, None);
                    }
                }
            }
            if let (Some(true), Some(to)) = (
                f.bool("manages_connections"),
                g.node(NodeKind::Websocket, HTTP_API),
            ) {
                let span = f.span_of("manages_connections");
                g.add_edge(from, to, EdgeKind::Manages, span, None, None, None);
            }
            // A dead-letter target receives failed asynchronous events as an `on_failure`
            // destination does: the same edge (grants, loops).
            for attr in ["on_failure", "dead_letter"] {
                if let Some(addr) = f.reference(attr) {
                    if let Some(to) = g.node(NodeKind::from_ref(addr.kind), &addr.name) {
                        let span = f.span_of(attr);
                        g.add_edge(from, to, EdgeKind::OnFailure, span, None, None, None);
                    }
                }
            }
        }
        for q in model.of_kind(BlockKind::Queue) {
            if let (Some(from), Some(dl)) =
                (g.node(NodeKind::Queue, &q.name), q.reference("dead_letter"))
            {
                if let Some(to) = g.node(NodeKind::Queue, &dl.name) {
                    g.add_edge(
                        from,
                        to,
                        EdgeKind::DeadLetter,
                        q.span_of("dead_letter"),
                        None,
                        None,
                        None,
                    );
                }
            }
        }
        for a in model.of_kind(BlockKind::Alarm) {
            if let (Some(from), Some(w)) = (g.node(NodeKind::Alarm, &a.name), a.reference("watch"))
            {
                if let Some(to) = g.node(NodeKind::from_ref(w.kind), &w.name) {
                    g.add_edge(
                        from,
                        to,
                        EdgeKind::Watch,
                        a.span_of("watch"),
                        None,
                        None,
                        None,
                    );
                }
            }
        }
        g.trigger_edges(model);
        g
    }

    /// The edges of the triggers: source → function (the HTTP API → a Lambda authorizer's
    /// function too), and function → a stream trigger's failure destination.
    fn trigger_edges(&mut self, model: &Model) {
        for (t, src) in model.triggers() {
            let Some(func) = t
                .reference("function")
                .and_then(|f| self.node(NodeKind::Function, &f.name))
            else {
                continue;
            };
            let (from, span) = match src {
                TriggerSource::Http { .. } => {
                    (self.node(NodeKind::Http, HTTP_API), t.span_of("http"))
                }
                TriggerSource::Websocket(_) => (
                    self.node(NodeKind::Websocket, HTTP_API),
                    t.span_of("websocket"),
                ),
                TriggerSource::Schedule(_) => (
                    self.node(NodeKind::Schedule, &t.name),
                    t.span_of("schedule"),
                ),
                TriggerSource::Queue(n) => (self.node(NodeKind::Queue, n), t.span_of("source")),
                TriggerSource::Database(n) => {
                    (self.node(NodeKind::Database, n), t.span_of("source"))
                }
                TriggerSource::Stream(n) => (self.node(NodeKind::Stream, n), t.span_of("source")),
                TriggerSource::Bucket(n) => (self.node(NodeKind::Bucket, n), t.span_of("source")),
                TriggerSource::Topic(n) => (self.node(NodeKind::Topic, n), t.span_of("source")),
                TriggerSource::Alarm(n) => (self.node(NodeKind::Alarm, n), t.span_of("source")),
            };
            let Some(from) = from else { continue };
            let filter = matches!(src, TriggerSource::Bucket(_))
                .then(|| t.str("prefix").unwrap_or("").to_string());
            self.add_edge(
                from,
                func,
                EdgeKind::Trigger,
                span,
                None,
                Some(t.name.clone()),
                filter,
            );
            // A Lambda authorizer: the API invokes its function for each request of the route.
            if let (TriggerSource::Http { .. } | TriggerSource::Websocket(_), Some(a)) =
                (src, t.get("authorizer"))
            {
                let auth = a
                    .get("function")
                    .and_then(Value::as_ref_addr)
                    .and_then(|f| self.node(NodeKind::Function, &f.name));
                if let (Some(to), true) = (auth, t.str("auth") == Some("lambda")) {
                    self.add_edge(
                        from,
                        to,
                        EdgeKind::Trigger,
                        t.span_of("authorizer"),
                        None,
                        Some(t.name.clone()),
                        None,
                    );
                }
            }
            // A stream trigger's failure destination: records the function failed on.
            if let Some(dest) = t.reference("on_failure") {
                if let Some(to) = self.node(NodeKind::from_ref(dest.kind), &dest.name) {
                    self.add_edge(
                        func,
                        to,
                        EdgeKind::OnFailure,
                        t.span_of("on_failure"),
                        None,
                        Some(t.name.clone()),
                        None,
                    );
                }
            }
        }
    }

    fn add_node(&mut self, kind: NodeKind, name: &str, span: Span) -> NodeIndex {
        let i = self.graph.add_node(Node {
            kind,
            name: name.to_string(),
            span,
            origin: None,
        });
        self.index
            .entry(kind)
            .or_default()
            .insert(name.to_string(), i);
        i
    }

    #[allow(clippy::too_many_arguments)]
    fn add_edge(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EdgeKind,
        span: Span,
        prefix: Option<String>,
        trigger: Option<String>,
        filter_prefix: Option<String>,
    ) -> EdgeIndex {
        self.graph.add_edge(
            from,
            to,
            Edge {
                kind,
                span,
                prefix,
                trigger,
                filter_prefix,
            },
        )
    }

    /// The node of a block (or of the HTTP API / a schedule).
    pub fn node(&self, kind: NodeKind, name: &str) -> Option<NodeIndex> {
        self.index.get(&kind).and_then(|m| m.get(name)).copied()
    }

    pub fn node_of(&self, addr: &crate::model::Addr) -> Option<NodeIndex> {
        self.node(NodeKind::from_ref(addr.kind), &addr.name)
    }

    /// Outgoing edges of a node, in insertion order, with their targets.
    pub fn outgoing(&self, n: NodeIndex) -> Vec<(EdgeIndex, NodeIndex, &Edge)> {
        let mut out: Vec<_> = self
            .graph
            .edges(n)
            .map(|e| {
                use petgraph::visit::EdgeRef;
                (e.id(), e.target(), e.weight())
            })
            .collect();
        out.sort_by_key(|(id, _, _)| *id);
        out
    }

    /// Incoming edges of a node, in insertion order, with their sources.
    pub fn incoming(&self, n: NodeIndex) -> Vec<(EdgeIndex, NodeIndex, &Edge)> {
        use petgraph::visit::EdgeRef;
        let mut out: Vec<_> = self
            .graph
            .edges_directed(n, petgraph::Direction::Incoming)
            .map(|e| (e.id(), e.source(), e.weight()))
            .collect();
        out.sort_by_key(|(id, _, _)| *id);
        out
    }

    /// The grants a function needs: its data edges (reads, writes, sends, invokes, on_failure),
    /// in source order — what the emitters turn into IAM statements.
    pub fn grants(&self, function: &str) -> Vec<(&Node, &Edge)> {
        let Some(f) = self.node(NodeKind::Function, function) else {
            return Vec::new();
        };
        self.outgoing(f)
            .into_iter()
            .filter(|(_, _, e)| e.kind != EdgeKind::Trigger)
            .map(|(_, to, e)| (&self.graph[to], e))
            .collect()
    }
}
