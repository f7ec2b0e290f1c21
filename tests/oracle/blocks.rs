//! The block writers of the generator: one per kind, each walking its kind's schema.

use super::{extras_of, hcl_str, seconds_text, Gen, Plan, Src};
use slsc::model::BlockKind;
use std::fmt::Write as _;

const ATTR_NAMES: &[&str] = &[
    "id",
    "pk",
    "sk",
    "owner",
    "day",
    "email",
    "created_at",
    "expires",
    "n",
];

impl Gen<'_> {
    fn timeout_of(p: &Plan, i: usize) -> i64 {
        p.funcs[i].timeout.unwrap_or(p.app_timeout)
    }

    /// Writes `name = value` for each attribute of `kind` the closure gives a value for.
    fn block(
        &mut self,
        kind: BlockKind,
        header: String,
        mut value: impl FnMut(&mut Self, &str) -> Option<String>,
    ) -> String {
        let mut s = format!("{header} {{\n");
        for spec in kind.schema() {
            if let Some(v) = value(self, spec.name) {
                self.saw(format!("{}.{}", kind.as_str(), spec.name));
                let _ = writeln!(s, "  {} = {v}", spec.name);
            }
        }
        s.push_str("}\n");
        s
    }

    fn generic(&mut self, kind: BlockKind, name: &str) -> String {
        let spec = kind.schema().iter().find(|a| a.name == name).unwrap();
        self.attr_value(kind.as_str(), spec)
    }

    /// An explicit physical name the service accepts, unique per kind (the block name is) and
    /// never another block's derived name, with the stage in it (no `name-without-stage`).
    fn explicit_name(&mut self, p: &Plan, kind: BlockKind, block: &str, fifo: bool) -> String {
        let mut n = format!("{block}-{}-n{}", p.stage, self.rng.below(10));
        if kind == BlockKind::Bucket {
            n = n.replace('_', "-");
        }
        if fifo {
            n.push_str(".fifo");
        }
        hcl_str(&n)
    }

    pub(super) fn tags(&mut self) -> String {
        let mut s = String::from("{");
        for i in 0..self.rng.range(0, 4) {
            let key = match self.rng.below(4) {
                0 => format!("k{i}"),
                1 => format!("team:{i}/x.y=z+w-@ {i}"),
                2 => {
                    let n = if self.rng.chance(0.5) { 128 } else { 20 };
                    format!("{i}{}", "k".repeat(n - 1))
                }
                _ => format!("cost_center{i}"),
            };
            let val = match self.rng.below(4) {
                0 => self.rng.range(0, 99999).to_string(),
                // 256 characters: what every service but Kinesis takes.
                1 if self.rng.chance(0.3) => hcl_str(&"v".repeat(256)),
                2 if self.rng.chance(0.2) => "\"\"".into(),
                _ if self.rng.chance(0.03) => self.text(8),
                _ => hcl_str("a b_c.d:e/f=g+h-i@j"),
            };
            let _ = write!(s, " {} = {val},", hcl_str(&key));
        }
        s.push_str(" }");
        s
    }

    fn refs(&mut self, items: Vec<String>, max: usize) -> Option<String> {
        if items.is_empty() {
            return None;
        }
        let mut chosen = Vec::new();
        for _ in 0..self.rng.range(1, max as i64) {
            let it = self.rng.pick(&items).clone();
            if !chosen.contains(&it) {
                chosen.push(it);
            }
        }
        Some(format!("[{}]", chosen.join(", ")))
    }

    /// Databases and buckets (buckets sometimes narrowed with `prefix()`), those `ok` allows.
    fn data_refs(&mut self, p: &Plan, ok: impl Fn(&Src) -> bool) -> Vec<String> {
        let mut v = Vec::new();
        for (d, (name, _)) in p.dbs.iter().enumerate() {
            if ok(&Src::Db(d)) {
                v.push(format!("database.{name}"));
            }
        }
        for (b, name) in p.buckets.iter().enumerate() {
            if ok(&Src::Bucket(b)) {
                v.push(if self.rng.chance(0.3) {
                    format!("prefix(bucket.{name}, \"out/{b}/\")")
                } else {
                    format!("bucket.{name}")
                });
            }
        }
        v
    }

    /// Queues and topics function `i` may send to without a loop.
    fn sink_refs(&mut self, p: &Plan, i: usize) -> Vec<String> {
        let mut v = Vec::new();
        for (q, (name, _)) in p.queues.iter().enumerate() {
            if Self::forward(
                i,
                &Self::triggered(p, |s| matches!(s, Src::Queue(x) if *x == q)),
            ) {
                v.push(format!("queue.{name}"));
            }
        }
        for (t, (name, _)) in p.topics.iter().enumerate() {
            if Self::forward(
                i,
                &Self::triggered(p, |s| matches!(s, Src::Topic(x) if *x == t)),
            ) {
                v.push(format!("topic.{name}"));
            }
        }
        v
    }

    fn causes_loop(p: &Plan, i: usize, src: &Src) -> bool {
        let same = |s: &Src| match (s, src) {
            (Src::Db(a), Src::Db(b)) | (Src::Bucket(a), Src::Bucket(b)) => a == b,
            _ => false,
        };
        !Self::forward(i, &Self::triggered(p, same))
    }

    pub(super) fn function_block(&mut self, p: &Plan, i: usize) -> String {
        let f = &p.funcs[i];
        let runtime = if self.rng.chance(0.6) {
            f.runtime
        } else {
            p.app_runtime
        };
        let family = runtime.trim_end_matches(|c: char| !c.is_ascii_alphabetic());
        let handler = match family {
            "nodejs" => "index.handler",
            "python" => "handler.handler",
            "java" => "example.Handler::handleRequest",
            "dotnet" => "App::App.Function::Handler",
            _ => "bootstrap",
        };
        let use_artifact = self.rng.chance(0.3);
        let budget = (p.account - 100) / p.funcs.len() as i64;
        let header = format!("function {}", hcl_str(&f.name));
        self.block(BlockKind::Function, header, |g, attr| {
            let keep = g.rng.chance(0.4);
            match attr {
                "handler" => Some(hcl_str(handler)),
                "runtime" => (runtime != p.app_runtime || keep).then(|| hcl_str(runtime)),
                "source" => (!use_artifact && keep)
                    .then(|| hcl_str(g.rng.pick::<&str>(&["src", "./src", "src/"]))),
                "artifact" => use_artifact.then(|| hcl_str("dist/app.zip")),
                "timeout" => f.timeout.map(|t| seconds_text(&mut g.rng, t)),
                "concurrency" => g
                    .rng
                    .chance(0.85)
                    .then(|| g.rng.range(0, budget.min(50)).to_string()),
                "environment" => keep.then(|| g.environment(p, Some(i))),
                "reads" => {
                    let items = g.data_refs(p, |_| true);
                    keep.then(|| g.refs(items, 3)).flatten()
                }
                "writes" => {
                    let items = g.data_refs(p, |s| !Self::causes_loop(p, i, s));
                    keep.then(|| g.refs(items, 3)).flatten()
                }
                "sends" => {
                    let items = g.sink_refs(p, i);
                    keep.then(|| g.refs(items, 3)).flatten()
                }
                "invokes" => {
                    let items = p.funcs[i + 1..]
                        .iter()
                        .map(|f| format!("function.{}", f.name))
                        .collect();
                    keep.then(|| g.refs(items, 2)).flatten()
                }
                "on_failure" | "dead_letter" => {
                    let items = g.sink_refs(p, i);
                    (keep && !items.is_empty()).then(|| g.rng.pick(&items).clone())
                }
                "permissions" => keep.then(|| g.permissions(p)),
                "layers" => keep.then(|| {
                    let n = g.rng.range(0, 5);
                    let mut l: Vec<String> = (0..n)
                        .map(|k| {
                            hcl_str(&format!(
                                "arn:aws:lambda:{}:123456789012:layer:{}:{}",
                                p.region,
                                g.ident_in(1, 60),
                                k + 1
                            ))
                        })
                        .collect();
                    if let (Some(layer), true) = (p.layers.first(), n < 5) {
                        l.push(format!("layer.{layer}"));
                    }
                    format!("[{}]", l.join(", "))
                }),
                "manages_connections" => {
                    (keep && p.has_websocket).then(|| g.rng.chance(0.7).to_string())
                }
                "vpc" => g.rng.chance(0.2).then(|| super::VPC.to_string()),
                "description" => keep.then(|| {
                    let n = if g.rng.chance(0.3) {
                        256
                    } else {
                        g.rng.range(1, 60) as usize
                    };
                    g.text(n)
                }),
                "tags" => keep.then(|| g.tags()),
                "name" => keep.then(|| g.explicit_name(p, BlockKind::Function, &f.name, false)),
                _ => keep.then(|| g.generic(BlockKind::Function, attr)),
            }
        })
    }

    fn permissions(&mut self, p: &Plan) -> String {
        let actions = [
            "ses:SendEmail",
            "s3:GetObject",
            "dynamodb:Query",
            "secretsmanager:GetSecretValue",
            "rekognition:DetectLabels",
            "s3:Get*",
            "*",
        ];
        let resources = [
            format!("arn:aws:ses:{}:123456789012:identity/example.com", p.region),
            "arn:aws:s3:::some-bucket/*".to_string(),
            "*".to_string(),
            format!("arn:aws:dynamodb:{}:123456789012:table/t", p.region),
        ];
        let mut items = Vec::new();
        for _ in 0..self.rng.range(1, 2) {
            let a: Vec<String> = (0..self.rng.range(1, 3))
                .map(|_| hcl_str(self.rng.pick::<&str>(&actions)))
                .collect();
            let r: Vec<String> = (0..self.rng.range(1, 2))
                .map(|_| hcl_str(&self.rng.pick(&resources).clone()))
                .collect();
            items.push(format!(
                "{{ actions = [{}], resources = [{}] }}",
                a.join(", "),
                r.join(", ")
            ));
        }
        format!("[{}]", items.join(", "))
    }

    pub(super) fn queue_block(&mut self, p: &Plan, q: usize) -> String {
        let (name, fifo) = p.queues[q].clone();
        let consumers = Self::triggered(p, |s| matches!(s, Src::Queue(x) if *x == q));
        let longest = consumers.iter().map(|&i| Self::timeout_of(p, i)).max();
        let dlqs: Vec<String> = p.queues[q + 1..]
            .iter()
            .filter(|o| o.1 == fifo)
            .map(|o| format!("queue.{}", o.0))
            .collect();
        let dead_letter =
            (!dlqs.is_empty() && self.rng.chance(0.6)).then(|| self.rng.pick(&dlqs).clone());
        let header = format!("queue {}", hcl_str(&name));
        self.block(BlockKind::Queue, header, |g, attr| {
            let keep = g.rng.chance(0.4);
            match attr {
                "fifo" => (fifo || keep).then(|| fifo.to_string()),
                "visibility_timeout" => match longest {
                    Some(t) => keep.then(|| seconds_text(&mut g.rng, (t * 6).min(43200))),
                    None => keep.then(|| g.generic(BlockKind::Queue, attr)),
                },
                "dead_letter" => dead_letter.clone(),
                "name" => keep.then(|| g.explicit_name(p, BlockKind::Queue, &name, fifo)),
                "tags" => keep.then(|| g.tags()),
                "max_receives" => dead_letter
                    .is_some()
                    .then(|| g.generic(BlockKind::Queue, attr))
                    .filter(|_| keep),
                _ => keep.then(|| g.generic(BlockKind::Queue, attr)),
            }
        })
    }

    fn key(&mut self, path: &str, avoid: &str) -> (String, String) {
        let mut n = *self.rng.pick(ATTR_NAMES);
        if n == avoid {
            n = "other";
        }
        let mut ty = *self.rng.pick(&["string", "number", "binary"]);
        match self.key_types.get(n) {
            Some(t) if self.rng.chance(0.97) => ty = t,
            _ => {
                self.key_types.insert(n, ty);
            }
        }
        self.saw(format!("database.{path}.type={ty}"));
        (
            n.to_string(),
            format!("{{ name = {}, type = {} }}", hcl_str(n), hcl_str(ty)),
        )
    }

    /// Databases, buckets and topics.
    pub(super) fn simple_block(
        &mut self,
        p: &Plan,
        kind: BlockKind,
        name: &str,
        i: usize,
    ) -> String {
        let header = format!("{} {}", kind.as_str(), hcl_str(name));
        let provisioned = self.rng.chance(0.3);
        let mut pk = String::new();
        self.block(kind, header, |g, attr| {
            let keep = g.rng.chance(0.4);
            match (kind, attr) {
                (BlockKind::Database, "partition_key") => {
                    let (n, v) = g.key("partition_key", "");
                    pk = n;
                    Some(v)
                }
                (BlockKind::Database, "sort_key") => keep.then(|| g.key("sort_key", &pk).1),
                (BlockKind::Database, "billing") => (provisioned || keep).then(|| {
                    let b = if provisioned {
                        "provisioned"
                    } else {
                        "on_demand"
                    };
                    g.saw(format!("database.billing={b}"));
                    hcl_str(b)
                }),
                (BlockKind::Database, "read_capacity" | "write_capacity") => {
                    provisioned.then(|| g.generic(kind, attr))
                }
                (BlockKind::Database, "stream") => p.streams[i].map(hcl_str),
                (BlockKind::Database, "ttl") => {
                    keep.then(|| hcl_str(g.rng.pick::<&str>(ATTR_NAMES)))
                }
                (BlockKind::Database, "indexes") => keep.then(|| {
                    let mut s = String::from("{\n");
                    for k in 0..g.rng.range(1, 3) {
                        let n = g.rng.range(3, 12) as usize;
                        let iname = format!("by{k}{}", g.ident(n));
                        let (ipk, pkv) = g.key("indexes.partition_key", "");
                        let mut body = format!("partition_key = {pkv}");
                        if g.rng.chance(0.5) {
                            let avoid = if g.rng.chance(0.97) {
                                ipk
                            } else {
                                String::new()
                            };
                            let _ = write!(
                                body,
                                ", sort_key = {}",
                                g.key("indexes.sort_key", &avoid).1
                            );
                        }
                        if g.rng.chance(0.6) {
                            let v = g.of_type(
                                "database.indexes.projection",
                                &slsc::model::schema::Ty::Enum(&["all", "keys_only"]),
                            );
                            let _ = write!(body, ", projection = {v}");
                        }
                        let _ = writeln!(s, "    {iname} = {{ {body} }}");
                    }
                    s.push_str("  }");
                    s
                }),
                (BlockKind::Layer, "source") => Some("\"src\"".to_string()),
                (BlockKind::Topic, "fifo") => {
                    (p.topics[i].1 || keep).then(|| p.topics[i].1.to_string())
                }
                (_, "name") => {
                    let fifo = kind == BlockKind::Topic && p.topics[i].1;
                    keep.then(|| g.explicit_name(p, kind, name, fifo))
                }
                (_, "tags") => keep.then(|| g.tags()),
                _ => keep.then(|| g.generic(kind, attr)),
            }
        })
    }

    pub(super) fn alarm_block(&mut self, p: &Plan, a: usize) -> String {
        let (name, kind) = p.alarms[a].clone();
        let (watch, metrics): (String, &[&str]) = match kind {
            1 => (
                format!("queue.{}", self.rng.pick(&p.queues).0),
                &["age", "depth"],
            ),
            2 => (
                format!("database.{}", self.rng.pick(&p.dbs).0),
                &["throttles"],
            ),
            _ => (
                format!("function.{}", self.rng.pick(&p.funcs).name),
                &["errors", "throttles", "duration", "invocations"],
            ),
        };
        let header = format!("alarm {}", hcl_str(&name));
        self.block(BlockKind::Alarm, header, |g, attr| {
            let keep = g.rng.chance(0.5);
            match attr {
                "watch" => Some(watch.clone()),
                "metric" => {
                    let m = *g.rng.pick(metrics);
                    g.saw(format!("alarm.metric={m}"));
                    Some(hcl_str(m))
                }
                "threshold" => Some(g.generic(BlockKind::Alarm, attr)),
                "period" => keep.then(|| {
                    let v = 60 * g.rng.range(1, 1440);
                    g.secs(v)
                }),
                "evaluation_periods" => keep.then(|| g.rng.range(1, 5).to_string()),
                // CloudWatch refuses an empty tag value (a compile error, tested elsewhere).
                "tags" => keep.then(|| g.tags().replace("= \"\",", "= \"x\",")),
                "notify" => keep.then(|| {
                    let n = g.rng.range(0, 3);
                    let l: Vec<String> = (0..n)
                        .map(|k| hcl_str(&format!("ops{k}+{}@example.com", g.ident(5))))
                        .collect();
                    format!("[{}]", l.join(", "))
                }),
                _ => keep.then(|| g.generic(BlockKind::Alarm, attr)),
            }
        })
    }

    pub(super) fn trigger_block(&mut self, p: &Plan, t: usize) -> String {
        let tr = &p.triggers[t];
        let (src_attr, src_val, src_kind) = match &tr.src {
            Src::Http(r) => ("http", hcl_str(r), "http"),
            Src::Websocket(k) => ("websocket", hcl_str(k), "websocket"),
            Src::Schedule(s) => ("schedule", hcl_str(s), "schedule"),
            Src::Queue(q) => ("source", format!("queue.{}", p.queues[*q].0), "queue"),
            Src::Db(d) => ("source", format!("database.{}", p.dbs[*d].0), "database"),
            Src::Bucket(b) => ("source", format!("bucket.{}", p.buckets[*b]), "bucket"),
            Src::Topic(x) => ("source", format!("topic.{}", p.topics[*x].0), "topic"),
            Src::Alarm(a) => ("source", format!("alarm.{}", p.alarms[*a].0), "alarm"),
            Src::Kinesis(k) => ("source", format!("stream.{}", p.kinesis[*k]), "stream"),
        };
        let extras = extras_of(src_kind);
        let fifo = matches!(tr.src, Src::Queue(q) if p.queues[q].1);
        let shared_bucket = match tr.src {
            Src::Bucket(b) => {
                p.triggers
                    .iter()
                    .filter(|o| matches!(o.src, Src::Bucket(x) if x == b))
                    .count()
                    > 1
            }
            _ => false,
        };
        // A WebSocket API authorizes $connect alone, by IAM or a Lambda authorizer.
        let websocket = matches!(tr.src, Src::Websocket(_));
        let auth = match tr.src {
            Src::Websocket("$connect") => *self.rng.pick(&["none", "iam", "lambda", ""]),
            Src::Websocket(_) => *self.rng.pick(&["none", ""]),
            _ => *self.rng.pick(&["none", "iam", "jwt", "lambda", ""]),
        };
        let mut batch = 0;
        let func = tr.func;
        let header = format!("trigger {}", hcl_str(&tr.name));
        self.block(BlockKind::Trigger, header, |g, attr| {
            let keep = g.rng.chance(0.5);
            if attr == "function" {
                return Some(format!("function.{}", p.funcs[func].name));
            }
            if attr == src_attr {
                return Some(src_val.clone());
            }
            if !extras.contains(&attr) {
                return None;
            }
            match attr {
                "auth" => (!auth.is_empty()).then(|| {
                    g.saw(format!("trigger.auth={auth}"));
                    hcl_str(auth)
                }),
                "jwt" => (auth == "jwt").then(|| {
                    format!(
                        "{{ issuer = \"https://cognito-idp.{0}.amazonaws.com/{0}_AbC123\", audience = [\"client-{1}\"] }}",
                        p.region,
                        g.rng.below(100)
                    )
                }),
                "authorizer" => (auth == "lambda").then(|| {
                    let f = &p.funcs[g.rng.below(p.funcs.len() as u64) as usize].name;
                    let mut v = format!("{{ function = function.{f}");
                    if websocket {
                        if g.rng.chance(0.5) {
                            v.push_str(", identity = [\"route.request.header.Auth\"]");
                        }
                        v.push_str(" }");
                        return v;
                    }
                    if g.rng.chance(0.5) {
                        v.push_str(", identity = [\"$request.header.Authorization\", \"$request.querystring.key\"]");
                    }
                    if g.rng.chance(0.5) {
                        let ttl = g.rng.range(0, 3600);
                        let _ = write!(v, ", ttl = {}", g.secs(ttl));
                    }
                    if g.rng.chance(0.5) {
                        let _ = write!(v, ", simple_responses = {}", g.rng.chance(0.5));
                    }
                    v.push_str(" }");
                    v
                }),
                "parallelization" => keep.then(|| g.rng.range(1, 10).to_string()),
                "batch_size" => keep.then(|| {
                    batch = match (fifo, g.rng.below(3)) {
                        (true, _) => g.rng.range(1, 10),
                        (false, 0) => 10_000,
                        _ => g.rng.range(1, 100),
                    };
                    batch.to_string()
                }),
                "batch_window" => (keep && !fifo).then(|| {
                    let lo = if batch > 10 { 1 } else { 0 };
                    { let v = g.rng.range(lo, 300); g.secs(v) }
                }),
                "on_failure" => {
                    let items = g.sink_refs(p, func);
                    (keep && !items.is_empty()).then(|| g.rng.pick(&items).clone())
                }
                "events" => keep.then(|| {
                    let e = *g.rng.pick(&["[\"created\"]", "[\"removed\"]", "[\"created\", \"removed\"]"]);
                    g.saw("trigger.events=created".into());
                    g.saw("trigger.events=removed".into());
                    e.to_string()
                }),
                "prefix" => (keep || shared_bucket).then(|| hcl_str(&format!("in/{t}/"))),
                "suffix" => keep.then(|| hcl_str(g.rng.pick::<&str>(&[".jpg", ".json", "x", "é.png"]))),
                "filter" => keep.then(|| {
                    "{ event = [\"created\", \"updated\"], tier = [\"gold\"] }".to_string()
                }),
                "input" => keep.then(|| {
                    format!("{{ job = {}, n = {}, list = [1, \"two\", true], nested = {{ a = null }} }}", g.text(10), g.rng.below(1000))
                }),
                _ => keep.then(|| g.generic(BlockKind::Trigger, attr)),
            }
        })
    }

    pub(super) fn output_block(&mut self, p: &Plan, o: usize) -> String {
        let header = format!("output {}", hcl_str(&p.outputs[o]));
        self.block(BlockKind::Output, header, |g, attr| match attr {
            "value" => Some(match g.rng.below(5) {
                0 | 1 => g.deploy_value(p, None).unwrap_or_else(|| "\"none\"".into()),
                2 => format!("[{}, 2, true]", g.text(5)),
                3 => "{ a = \"b\", n = 1.5 }".into(),
                _ => "\"${app.name}-${app.stage}\"".into(),
            }),
            _ => g.rng.chance(0.5).then(|| g.text_in(0, 80)),
        })
    }
}
