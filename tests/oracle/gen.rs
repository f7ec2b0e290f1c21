//! The oracle's generator: random projects that are meant to be valid, driven by the compiler's
//! kind table and attribute registry (`BlockKind::ALL`, `BlockKind::schema()`).
//!
//! A project is planned first (names, which function each trigger runs, which resources each
//! function may cause to run) so that most projects check clean: data edges only go "forward"
//! in the order of the functions, so there is no recursive loop; routes and bucket filters are
//! distinct; FIFO queues get FIFO dead letters; the reserved concurrency fits the account. Then
//! every block is written attribute by attribute from its schema: an attribute with a meaning
//! (a handler, a reference, a route) has its own generator, anything else (and any attribute
//! added to the registry later) gets a value of its type from [`Gen::of_type`] — edges of its
//! range included. Names come near the length limits (`{app}-{stage}-{name}` at exactly the
//! service's limit) and near collisions (words the emitters use as suffixes: `role`, `dlq`,
//! `topic`…).
//!
//! [`Coverage`] records every `kind.attribute` and enum value written, so the sample test can
//! check that the generator reaches the whole registry.

use slsc::model::schema::{AttrSpec, Ty, CORS_METHODS, RUNTIMES};
use slsc::model::BlockKind;
use slsc::naming::pascal;
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// splitmix64: a tiny seeded PRNG (no crate needed, the same sequence everywhere).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// lo..=hi.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// What the generator wrote: `kind.attr` and `kind.attr=value` (enum values) entries.
#[derive(Default)]
pub struct Coverage(pub BTreeSet<String>);

impl Coverage {
    /// What the registry has that the generator must reach: every attribute of every kind and
    /// every enum value (at any depth) of the attributes' types.
    pub fn needed() -> BTreeSet<String> {
        fn walk(path: &str, ty: &Ty, out: &mut BTreeSet<String>) {
            match ty {
                Ty::Enum(vs) => out.extend(vs.iter().map(|v| format!("{path}={v}"))),
                Ty::List(t) | Ty::Map(t) => walk(path, t, out),
                Ty::Object(fields) => {
                    for f in fields {
                        walk(&format!("{path}.{}", f.name), &f.ty, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = BTreeSet::new();
        for k in BlockKind::ALL {
            for a in k.schema() {
                let path = format!("{}.{}", k.as_str(), a.name);
                out.insert(path.clone());
                walk(&path, &a.ty, &mut out);
            }
        }
        // A strict project must be written for it throughout (every asynchronous function with
        // a failure destination, no default turned off): tests/every_feature.rs generates one.
        out.remove("app.profile=strict");
        out
    }
    pub fn missing(&self) -> Vec<String> {
        Self::needed().difference(&self.0).cloned().collect()
    }
}

/// A VPC's subnets and security groups, as services accept their ids.
pub const VPC: &str = "{\n    subnet_ids         = [\"subnet-0a1b2c3d\", \"subnet-0a1b2c3d4e5f60718\"]\n    security_group_ids = [\"sg-0a1b2c3d4e5f60718\"]\n  }";

/// A generated project: files (path, bytes) and a one-line summary of its shape.
pub struct Project {
    pub files: Vec<(String, Vec<u8>)>,
}

const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "eu-north-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-south-1",
    "sa-east-1",
    "ca-central-1",
    "af-south-1",
    "me-south-1",
    "il-central-1",
];

/// Words that the emitters also use in derived names (near collisions), and ordinary ones.
const WORDS: &[&str] = &[
    "orders",
    "users",
    "images",
    "jobs",
    "events",
    "api",
    "worker",
    "errors",
    "role",
    "dlq",
    "alarm",
    "topic",
    "rule",
    "permission",
    "stream",
    "mapping",
    "log",
    "group",
    "function",
    "queue",
    "table",
    "bucket",
    "trigger",
    "policy",
    "route",
    "api_url",
    "x",
    "a1",
    "http",
    "schedule",
    "notify",
    "subscription",
    "integration",
    "stage",
    "output",
    "arn",
    "name",
];

#[derive(Clone)]
enum Src {
    Http(String),
    /// A WebSocket route key.
    Websocket(&'static str),
    Schedule(String),
    Queue(usize),
    Db(usize),
    Bucket(usize),
    Topic(usize),
    Alarm(usize),
    Kinesis(usize),
}

struct Func {
    name: String,
    /// Written when `Some`; else the app's.
    timeout: Option<i64>,
    runtime: &'static str,
}

struct Trig {
    name: String,
    func: usize,
    src: Src,
}

/// The plan of a project, decided before any block is written.
struct Plan {
    app: String,
    stage: String,
    region: &'static str,
    app_runtime: &'static str,
    app_timeout: i64,
    account: i64,
    funcs: Vec<Func>,
    queues: Vec<(String, bool)>,
    /// Name, whether a trigger reads its stream.
    dbs: Vec<(String, bool)>,
    /// The `stream` written for each table.
    streams: Vec<Option<&'static str>>,
    buckets: Vec<String>,
    topics: Vec<(String, bool)>,
    alarms: Vec<(String, usize)>,
    /// Kinesis data streams.
    kinesis: Vec<String>,
    /// Lambda layers (packaged from `src`).
    layers: Vec<String>,
    triggers: Vec<Trig>,
    outputs: Vec<String>,
    variables: Vec<String>,
    has_http: bool,
    has_websocket: bool,
}

pub struct Gen<'c> {
    pub rng: Rng,
    cov: &'c mut Coverage,
    today: &'static str,
    /// The type of each key attribute name used so far in the project's tables.
    key_types: std::collections::BTreeMap<&'static str, &'static str>,
    /// The project's region (keys and code-signing configurations live in it).
    region: &'static str,
}

fn hcl_str(s: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn seconds_text(rng: &mut Rng, s: i64) -> String {
    let units = [(86400, "d"), (3600, "h"), (60, "m"), (1, "s")];
    if rng.chance(0.5) {
        return s.to_string();
    }
    for (n, u) in units {
        if s >= n && s % n == 0 && rng.chance(0.7) {
            return format!("\"{}{u}\"", s / n);
        }
    }
    format!("\"{s}s\"")
}

impl<'c> Gen<'c> {
    pub fn new(seed: u64, cov: &'c mut Coverage, today: &'static str) -> Gen<'c> {
        Gen {
            rng: Rng::new(seed),
            cov,
            today,
            key_types: Default::default(),
            region: "us-east-1",
        }
    }

    fn saw(&mut self, what: String) {
        self.cov.0.insert(what);
    }

    fn ident_in(&mut self, lo: i64, hi: i64) -> String {
        let n = self.rng.range(lo, hi) as usize;
        self.ident(n)
    }

    fn text_in(&mut self, lo: i64, hi: i64) -> String {
        let n = self.rng.range(lo, hi) as usize;
        self.text(n)
    }

    fn secs(&mut self, v: i64) -> String {
        seconds_text(&mut self.rng, v)
    }

    fn ident(&mut self, len: usize) -> String {
        let len = len.max(1);
        let mut s = String::new();
        while s.len() < len {
            if !s.is_empty() && self.rng.chance(0.3) {
                s.push('_');
            } else {
                let w = *self.rng.pick(WORDS);
                s.push_str(w);
            }
        }
        s.truncate(len);
        if !s.as_bytes()[0].is_ascii_lowercase() {
            s.replace_range(0..1, "n");
        }
        s
    }

    /// A block name of at most `budget` characters (the room the physical name leaves): short
    /// mostly, exactly at the limit sometimes, one over it rarely (`name-too-long`).
    fn name_for(&mut self, budget: usize, taken: &mut BTreeSet<String>) -> String {
        let budget = budget.min(40);
        for _ in 0..50 {
            let len = match self.rng.below(100) {
                0..=74 => self.rng.range(1, 12.min(budget as i64).max(1)) as usize,
                75..=98 => budget,
                _ => (budget + 1).min(40),
            };
            let n = self.ident(len);
            if taken.insert(pascal(&n)) {
                return n;
            }
        }
        let n = format!("n{}", taken.len());
        taken.insert(pascal(&n));
        n
    }

    fn runtime(&mut self) -> &'static str {
        let supported = supported_runtimes(self.today);
        let r = if self.rng.chance(0.03) {
            *self.rng.pick(RUNTIMES)
        } else {
            *self.rng.pick(&supported)
        };
        self.saw(format!("function.runtime={r}"));
        self.saw(format!("app.runtime={r}"));
        r
    }

    fn plan(&mut self) -> Plan {
        let app_len = if self.rng.chance(0.2) {
            self.rng.range(12, 30)
        } else {
            self.rng.range(1, 10)
        } as usize;
        let app = self.ident(app_len);
        let stage_len = self.rng.range(1, 16) as usize;
        let mut stage = String::new();
        for _ in 0..stage_len {
            stage.push(
                *self
                    .rng
                    .pick(&['a', 'b', 'z', '0', '9', '-', 'p', 'r', 'o', 'd']),
            );
        }
        let used = app.len() + stage.len() + 2;
        let room = |limit: usize| limit.saturating_sub(used);
        let mut funcs = Vec::new();
        let mut taken = BTreeSet::new();
        for _ in 0..self.rng.range(1, 6) {
            let name = self.name_for(room(64), &mut taken);
            let timeout = self
                .rng
                .chance(0.7)
                .then(|| *self.rng.pick(&[1, 3, 6, 10, 30, 60, 300, 900]));
            let runtime = self.runtime();
            funcs.push(Func {
                name,
                timeout,
                runtime,
            });
        }
        let mut taken = BTreeSet::new();
        let mut queues = Vec::new();
        for _ in 0..self.rng.range(0, 4) {
            let fifo = self.rng.chance(0.3);
            queues.push((
                self.name_for(room(if fifo { 75 } else { 80 }), &mut taken),
                fifo,
            ));
        }
        let mut taken = BTreeSet::new();
        let dbs: Vec<_> = (0..self.rng.range(0, 3))
            .map(|_| (self.name_for(40, &mut taken), false))
            .collect();
        let mut taken = BTreeSet::new();
        let buckets: Vec<_> = (0..self.rng.range(0, 3))
            .map(|_| self.name_for(room(63 - 13), &mut taken))
            .collect();
        let mut taken = BTreeSet::new();
        let topics: Vec<_> = (0..self.rng.range(0, 3))
            .map(|_| (self.name_for(40, &mut taken), self.rng.chance(0.3)))
            .collect();
        let mut taken = BTreeSet::new();
        let mut alarms = Vec::new();
        for _ in 0..self.rng.range(0, 3) {
            // 0 function, 1 queue, 2 database.
            let mut kind = self.rng.below(3) as usize;
            if kind == 1 && queues.is_empty() || kind == 2 && dbs.is_empty() {
                kind = 0;
            }
            alarms.push((self.name_for(40, &mut taken), kind));
        }
        let mut taken = BTreeSet::new();
        let kinesis: Vec<_> = (0..self.rng.range(0, 2))
            .map(|_| self.name_for(room(128), &mut taken))
            .collect();
        let mut taken = BTreeSet::new();
        let layers: Vec<_> = (0..self.rng.range(0, 2))
            .map(|_| self.name_for(room(140), &mut taken))
            .collect();
        let mut plan = Plan {
            app,
            stage,
            region: self.rng.pick::<&str>(REGIONS),
            app_runtime: "nodejs24.x",
            app_timeout: 6,
            account: if self.rng.chance(0.7) {
                1000
            } else {
                self.rng.range(100, 10_000)
            },
            funcs,
            queues,
            dbs,
            streams: Vec::new(),
            buckets,
            topics,
            alarms,
            kinesis,
            layers,
            triggers: Vec::new(),
            outputs: Vec::new(),
            variables: Vec::new(),
            has_http: false,
            has_websocket: false,
        };
        self.plan_triggers(&mut plan, room(64));
        for d in 0..plan.dbs.len() {
            let write = if plan.dbs[d].1 { 0.3 } else { 0.5 };
            let s = self.rng.chance(write).then(|| {
                *self
                    .rng
                    .pick(&["new_image", "old_image", "new_and_old_images", "keys_only"])
            });
            if let Some(v) = s {
                self.saw(format!("database.stream={v}"));
            }
            plan.streams.push(s);
        }
        let mut taken = BTreeSet::new();
        plan.outputs = (0..self.rng.range(0, 4))
            .map(|_| self.name_for(40, &mut taken))
            .collect();
        plan
    }

    fn plan_triggers(&mut self, p: &mut Plan, room: usize) {
        let mut taken = BTreeSet::new();
        let mut routes = BTreeSet::new();
        for _ in 0..self.rng.range(0, 7) {
            let func = self.rng.below(p.funcs.len() as u64) as usize;
            let kinds: Vec<u8> = (0..9u8)
                .filter(|k| match k {
                    2 => !p.queues.is_empty(),
                    3 => !p.dbs.is_empty(),
                    4 => !p.buckets.is_empty(),
                    5 => p.topics.iter().any(|t| !t.1),
                    6 => !p.alarms.is_empty(),
                    7 => !p.kinesis.is_empty(),
                    _ => true,
                })
                .collect();
            let src = match *self.rng.pick(&kinds) {
                0 => {
                    let route = self.route();
                    let key = route
                        .split('/')
                        .map(|s| if s.starts_with('{') { "{}" } else { s })
                        .collect::<Vec<_>>()
                        .join("/");
                    if !routes.insert(key) {
                        continue;
                    }
                    p.has_http = true;
                    Src::Http(route)
                }
                1 => Src::Schedule(self.schedule()),
                2 => Src::Queue(self.rng.below(p.queues.len() as u64) as usize),
                3 => Src::Db(self.rng.below(p.dbs.len() as u64) as usize),
                4 => Src::Bucket(self.rng.below(p.buckets.len() as u64) as usize),
                5 => {
                    let std: Vec<usize> = (0..p.topics.len()).filter(|&i| !p.topics[i].1).collect();
                    Src::Topic(*self.rng.pick(&std))
                }
                6 => Src::Alarm(self.rng.below(p.alarms.len() as u64) as usize),
                8 => {
                    let key = *self.rng.pick(&[
                        "$connect",
                        "$disconnect",
                        "$default",
                        "sendMessage",
                        "ping",
                    ]);
                    if !routes.insert(format!("websocket {key}")) {
                        continue;
                    }
                    p.has_websocket = true;
                    Src::Websocket(key)
                }
                _ => Src::Kinesis(self.rng.below(p.kinesis.len() as u64) as usize),
            };
            if let Src::Db(i) = src {
                p.dbs[i].1 = true;
            }
            let name = self.name_for(room, &mut taken);
            p.triggers.push(Trig { name, func, src });
        }
    }

    fn route(&mut self) -> String {
        let method = *self.rng.pick(&[
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
        ]);
        let mut path = String::new();
        let segments = self.rng.range(0, 4);
        for i in 0..segments {
            path.push('/');
            match self.rng.below(6) {
                0 => path.push_str(&format!("{{id{i}}}")),
                1 if i == segments - 1 => path.push_str("{proxy+}"),
                2 => path.push_str(&format!("{{p{i}}}")),
                3 => path.push_str("v1.2-x_y~z"),
                _ => {
                    let w = self.ident_in(1, 12);
                    path.push_str(&w)
                }
            }
        }
        if path.is_empty() {
            path.push('/');
        }
        format!("{method} {path}")
    }

    fn schedule(&mut self) -> String {
        match self.rng.below(6) {
            0 => "rate(1 minute)".into(),
            1 => format!("rate({} minutes)", self.rng.range(2, 59)),
            2 => format!("rate({} hours)", self.rng.range(2, 24)),
            3 => "rate(1 day)".into(),
            4 => format!("cron(0 {} * * ? *)", self.rng.range(0, 23)),
            _ => format!("cron(0/5 {} ? * MON-FRI *)", self.rng.range(0, 23)),
        }
    }

    /// The functions a resource triggers.
    fn triggered(p: &Plan, is: impl Fn(&Src) -> bool) -> Vec<usize> {
        p.triggers
            .iter()
            .filter(|t| is(&t.src))
            .map(|t| t.func)
            .collect()
    }

    /// Whether function `i` may write, send to or invoke what triggers `fs` without a loop.
    fn forward(i: usize, fs: &[usize]) -> bool {
        fs.iter().all(|&j| j > i)
    }

    /// A project from the seed.
    pub fn project(&mut self) -> Project {
        let mut p = self.plan();
        self.region = p.region;
        let mut files: Vec<String> = vec![String::new(); self.rng.range(1, 3) as usize];
        let app = self.app_block(&mut p);
        files[0].push_str(&app);
        let mut blocks = Vec::new();
        for i in 0..p.funcs.len() {
            blocks.push(self.function_block(&p, i));
        }
        for i in 0..p.queues.len() {
            blocks.push(self.queue_block(&p, i));
        }
        for i in 0..p.dbs.len() {
            blocks.push(self.simple_block(&p, BlockKind::Database, &p.dbs[i].0.clone(), i));
        }
        for i in 0..p.buckets.len() {
            blocks.push(self.simple_block(&p, BlockKind::Bucket, &p.buckets[i].clone(), i));
        }
        for i in 0..p.topics.len() {
            blocks.push(self.simple_block(&p, BlockKind::Topic, &p.topics[i].0.clone(), i));
        }
        for i in 0..p.layers.len() {
            blocks.push(self.simple_block(&p, BlockKind::Layer, &p.layers[i].clone(), i));
        }
        for i in 0..p.kinesis.len() {
            blocks.push(self.simple_block(&p, BlockKind::Stream, &p.kinesis[i].clone(), i));
        }
        for i in 0..p.alarms.len() {
            blocks.push(self.alarm_block(&p, i));
        }
        for i in 0..p.triggers.len() {
            blocks.push(self.trigger_block(&p, i));
        }
        for i in 0..p.outputs.len() {
            blocks.push(self.output_block(&p, i));
        }
        if self.rng.chance(0.3) {
            blocks.push(self.raw_block(&p));
        }
        if self.rng.chance(0.1) {
            let old = self.ident_in(1, 8);
            let to = &p.funcs[0].name;
            if p.funcs.iter().all(|f| pascal(&f.name) != pascal(&old)) {
                blocks.push(format!(
                    "moved {{\n  from = function.{old}\n  to   = function.{to}\n}}\n"
                ));
            }
        }
        for b in blocks {
            let n = files.len() as u64;
            let f = self.rng.below(n) as usize;
            files[f].push('\n');
            files[f].push_str(&b);
        }
        let mut out: Vec<(String, Vec<u8>)> = files
            .into_iter()
            .enumerate()
            .map(|(i, t)| (format!("f{i}.sls"), t.into_bytes()))
            .collect();
        out.push((
            "src/index.js".into(),
            b"exports.handler = async () => ({});\n".to_vec(),
        ));
        out.push((
            "src/handler.py".into(),
            b"def handler(e, c):\n    return {}\n".to_vec(),
        ));
        out.push(("dist/app.zip".into(), tiny_zip()));
        Project { files: out }
    }

    fn app_block(&mut self, p: &mut Plan) -> String {
        let mut s = format!("app {} {{\n", hcl_str(&p.app));
        let _ = writeln!(s, "  region = {}", hcl_str(p.region));
        let _ = writeln!(s, "  stage  = {}", hcl_str(&p.stage));
        self.saw("app.region".into());
        self.saw("app.stage".into());
        for spec in BlockKind::App.schema() {
            if matches!(spec.name, "region" | "stage") {
                continue;
            }
            if !self.rng.chance(0.35) {
                continue;
            }
            let v = match spec.name {
                "runtime" => {
                    p.app_runtime = self.runtime();
                    hcl_str(p.app_runtime)
                }
                "timeout" => {
                    p.app_timeout = *self.rng.pick(&[1, 6, 29, 30, 120, 900]);
                    seconds_text(&mut self.rng, p.app_timeout)
                }
                "account_concurrency" => p.account.to_string(),
                "lint" => self.lint(),
                "environment" => self.environment(p, None),
                "tags" => self.tags(),
                "source_root" => "\".\"".into(),
                "websocket_route_selection" => {
                    let options = ["$request.body.action", "$request.body.route"];
                    let picked: &&str = self.rng.pick(&options);
                    hcl_str(picked)
                }
                "cors" => self.cors(),
                _ => self.attr_value("app", spec),
            };
            self.saw(format!("app.{}", spec.name));
            let _ = writeln!(s, "  {} = {v}", spec.name);
        }
        if self.rng.chance(0.3) {
            let v = format!("v{}", self.rng.below(100));
            let _ = writeln!(
                s,
                "}}\n\nvariable {} {{\n  type    = number\n  default = {}\n",
                hcl_str(&v),
                self.rng.range(1, 5)
            );
            p.variables.push(v);
            s.push_str("}\n\nlocals {\n  prefix = \"${app.name}-${app.stage}\"\n");
        }
        s.push_str("}\n");
        s
    }

    fn lint(&mut self) -> String {
        let rules: Vec<&str> = slsc::checks::RULES.iter().map(|r| r.name).collect();
        let mut s = String::from("{");
        let mut used = BTreeSet::new();
        for _ in 0..self.rng.range(0, 3) {
            let r = *self.rng.pick(&rules);
            if !used.insert(r) {
                continue;
            }
            let hard = slsc::checks::rule(r).is_some_and(|r| r.hard);
            let lv = if hard {
                *self.rng.pick(&["warn", "deny"])
            } else {
                *self.rng.pick(&["warn", "allow", "allow"])
            };
            self.saw(format!("app.lint={lv}"));
            let _ = write!(s, " {} = {},", hcl_str(r), hcl_str(lv));
        }
        if self.rng.chance(0.2) && used.insert("missing-concurrency") {
            self.saw("app.lint=deny".into());
            s.push_str(" \"missing-concurrency\" = \"deny\",");
        }
        s.push('}');
        s
    }

    fn cors(&mut self) -> String {
        if self.rng.chance(0.4) {
            return (*self.rng.pick(&["true", "false"])).into();
        }
        let mut methods = Vec::new();
        for m in CORS_METHODS {
            if self.rng.chance(0.4) {
                methods.push(hcl_str(m));
            }
        }
        let origins = *self.rng.pick(&[
            "[\"*\"]",
            "[\"https://example.com\", \"http://localhost:3000\"]",
            "[]",
        ]);
        let max_age = {
            let v = *self.rng.pick(&[0, 60, 3600, 86400]);
            self.secs(v)
        };
        format!(
            "{{\n    origins = {origins}\n    methods = [{}]\n    headers = [\"content-type\", \"x-api-key\"]\n    max_age = {max_age}\n  }}",
            methods.join(", ")
        )
    }

    /// An environment map: literals, numbers, bools, deploy-time values, `secret()`, `ssm()`.
    fn environment(&mut self, p: &Plan, own: Option<usize>) -> String {
        let mut s = String::from("{\n");
        for i in 0..self.rng.range(0, 5) {
            let (key, val) = match self.rng.below(9) {
                0 => (
                    format!("DB_PASSWORD_{i}"),
                    format!("secret({})", hcl_str("app/db-pass")),
                ),
                1 => (
                    format!("API_TOKEN_{i}"),
                    format!("ssm({})", hcl_str("/app/token")),
                ),
                2 => (format!("N{i}"), self.rng.range(-5, 100000).to_string()),
                3 => (format!("B{i}"), "true".into()),
                4 | 5 => match self.deploy_value(p, own) {
                    Some(v) => (format!("REF_{i}"), v),
                    None => continue,
                },
                6 if !p.variables.is_empty() => {
                    (format!("V{i}"), format!("var.{}", p.variables[0]))
                }
                6 if own.is_some() => (format!("P{i}"), "\"${app.name}\"".into()),
                _ => (format!("S_{i}"), self.text_in(0, 40)),
            };
            let _ = writeln!(s, "    {key} = {val}");
        }
        s.push_str("  }");
        s
    }

    /// A deploy-time value (`KIND.NAME.ATTR`, `http.url`, or a template embedding one).
    /// A raw resource (the escape hatch): a Parameter Store parameter holding a deploy-time
    /// value of the project (or a literal), in both targets, after one of the functions.
    fn raw_block(&mut self, p: &Plan) -> String {
        for what in [
            "resource.cloudformation",
            "resource.terraform",
            "resource.depends_on",
        ] {
            self.saw(what.to_string());
        }
        let value = self
            .deploy_value(p, None)
            .unwrap_or_else(|| "\"fixed\"".to_string());
        let name = format!("/{}/{}/raw-{}", p.app, p.stage, self.ident(6));
        let after = p
            .funcs
            .first()
            .map(|f| format!("function.{}", f.name))
            .unwrap_or_default();
        format!(
            "resource \"raw_param\" {{\n  cloudformation = {{\n    type       = \"AWS::SSM::Parameter\"\n    properties = {{ Type = \"String\", Value = {value} }}\n  }}\n  terraform = {{\n    type      = \"aws_ssm_parameter\"\n    arguments = {{ name = {}, type = \"String\", value = {value} }}\n  }}\n  depends_on = [{after}]\n}}\n",
            hcl_str(&name)
        )
    }

    fn deploy_value(&mut self, p: &Plan, own: Option<usize>) -> Option<String> {
        let mut options: Vec<String> = Vec::new();
        for f in &p.funcs {
            options.push(format!(
                "function.{}.{}",
                f.name,
                self.rng.pick(&["arn", "name"])
            ));
        }
        let _ = own;
        for q in &p.queues {
            options.push(format!(
                "queue.{}.{}",
                q.0,
                self.rng.pick(&["arn", "url", "name"])
            ));
        }
        for (i, d) in p.dbs.iter().enumerate() {
            let attrs: &[&str] = if d.1 || p.streams[i].is_some() {
                &["arn", "name", "stream_arn"]
            } else {
                &["arn", "name"]
            };
            options.push(format!("database.{}.{}", d.0, self.rng.pick(attrs)));
        }
        for b in &p.buckets {
            options.push(format!("bucket.{b}.{}", self.rng.pick(&["arn", "name"])));
        }
        for t in &p.topics {
            options.push(format!("topic.{}.{}", t.0, self.rng.pick(&["arn", "name"])));
        }
        for a in &p.alarms {
            options.push(format!("alarm.{}.{}", a.0, self.rng.pick(&["arn", "name"])));
        }
        if p.has_http {
            options.push("http.url".into());
        }
        if p.has_websocket {
            options.push("websocket.url".into());
            options.push("websocket.endpoint".into());
        }
        if options.is_empty() {
            return None;
        }
        let v = self.rng.pick(&options).clone();
        Some(if self.rng.chance(0.3) {
            format!("\"${{{v}}}?x=1\"")
        } else {
            v
        })
    }

    /// A string literal with the characters that need escaping (quotes, backslashes, `${`,
    /// unicode) now and then.
    fn text(&mut self, len: usize) -> String {
        let alphabet: &[&str] = &[
            "a", "b", "z", "0", "9", " ", "-", "_", ".", "/", ":", "=", "+", "@", "é", "\"", "\\",
            "${x}", "%{y}", "ü", "'", "#", "*", "?",
        ];
        let mut s = String::new();
        while s.chars().count() < len {
            let c = if self.rng.chance(0.8) {
                *self.rng.pick(&alphabet[..4])
            } else {
                *self.rng.pick(alphabet)
            };
            s.push_str(c);
        }
        let s: String = s.chars().take(len).collect();
        hcl_str(&s)
    }

    /// The value of an attribute with no meaning-specific generator: from its type.
    fn attr_value(&mut self, kind: &str, spec: &AttrSpec) -> String {
        // Security settings (model/profile.rs) take ARNs of the project's region.
        match spec.name {
            "kms_key" => {
                return hcl_str(&format!(
                    "arn:aws:kms:{}:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
                    self.region
                ))
            }
            "code_signing_config" => {
                return hcl_str(&format!(
                    "arn:aws:lambda:{}:123456789012:code-signing-config:csc-0a1b2c3d4e5f60718",
                    self.region
                ))
            }
            "access_logs_bucket" => return hcl_str("oracle-access-logs-123456789012"),
            "vpc" => return VPC.to_string(),
            // The strict profile needs the whole project written for it (tests/every_feature.rs
            // generates one); generated projects use the default.
            "profile" => {
                self.saw(format!("{kind}.profile=default"));
                return hcl_str("default");
            }
            _ => {}
        }
        let path = format!("{kind}.{}", spec.name);
        self.of_type(&path, &spec.ty)
    }

    pub fn of_type(&mut self, path: &str, ty: &Ty) -> String {
        match ty {
            Ty::Str | Ty::StrLoose | Ty::Env | Ty::Plain | Ty::Any => self.text_in(1, 20),
            Ty::IamAction => {
                let actions = [
                    "ses:SendEmail",
                    "kinesis:PutRecord",
                    "states:StartExecution",
                ];
                let a: &&str = self.rng.pick(&actions[..]);
                hcl_str(a)
            }
            // Written as templates: `${aws.…}` are deploy-time parts, not text.
            Ty::IamResource => (*self.rng.pick(&[
                "\"arn:${aws.partition}:kinesis:${aws.region}:${aws.account_id}:stream/events\"",
                "\"arn:aws:ses:eu-west-1:123456789012:identity/example.com\"",
                "\"*\"",
            ]))
            .to_string(),
            Ty::Bool => (*self.rng.pick(&["true", "false"])).into(),
            Ty::Int { min, max } => {
                let hi = (*max).min(min + 1000);
                match self.rng.below(4) {
                    0 => min.to_string(),
                    1 if *max < 100_000 => max.to_string(),
                    _ => self.rng.range(*min, hi).to_string(),
                }
            }
            Ty::Float { .. } => format!("{}.{}", self.rng.range(-10, 1000), self.rng.below(100)),
            Ty::Duration { min, max } => {
                let v = match self.rng.below(4) {
                    0 => *min as i64,
                    1 => *max as i64,
                    _ => self.rng.range(*min as i64, *max as i64),
                };
                seconds_text(&mut self.rng, v)
            }
            Ty::Size { min, max } => {
                let v = match self.rng.below(4) {
                    0 => *min as i64,
                    1 => *max as i64,
                    _ => self.rng.range(*min as i64, (*max as i64).min(4096)),
                };
                match self.rng.below(3) {
                    0 => v.to_string(),
                    1 if v % 1024 == 0 => format!("\"{}GB\"", v / 1024),
                    _ => format!("\"{v}MB\""),
                }
            }
            Ty::Enum(vs) => {
                let v = *self.rng.pick(vs);
                self.saw(format!("{path}={v}"));
                hcl_str(v)
            }
            Ty::NumEnum(vs) => self.rng.pick(vs).to_string(),
            Ty::List(t) => {
                let mut items: Vec<String> = (0..self.rng.range(0, 3))
                    .map(|_| self.of_type(path, t))
                    .collect();
                // A list of enum values is a set (a layer's runtimes, architectures).
                if matches!(**t, Ty::Enum(_)) {
                    let mut seen = BTreeSet::new();
                    items.retain(|v| seen.insert(v.clone()));
                }
                format!("[{}]", items.join(", "))
            }
            Ty::Map(t) => {
                let mut s = String::from("{");
                for i in 0..self.rng.range(0, 3) {
                    let v = self.of_type(path, t);
                    let _ = write!(s, " k{i} = {v},");
                }
                s.push('}');
                s
            }
            Ty::Object(fields) => {
                let mut s = String::from("{");
                for f in fields {
                    if f.required || self.rng.chance(0.5) {
                        let v = self.of_type(&format!("{path}.{}", f.name), &f.ty);
                        let _ = write!(s, " {} = {v},", f.name);
                    }
                }
                s.push('}');
                s
            }
            Ty::Ref(_) | Ty::RefOrPrefix(_) | Ty::StrOrRef(_) | Ty::Cors => {
                panic!("{path}: a reference needs its own generator (tests/oracle/gen.rs)")
            }
        }
    }
}

mod blocks;

/// The trigger extras of each source kind (what `invalid-trigger` allows), for [`blocks`].
pub fn extras_of(src: &str) -> &'static [&'static str] {
    use slsc::model::TriggerSource as T;
    let s = match src {
        "http" => T::Http {
            method: String::new(),
            path: String::new(),
        },
        "websocket" => T::Websocket(String::new()),
        "schedule" => T::Schedule(String::new()),
        "queue" => T::Queue(String::new()),
        "database" => T::Database(String::new()),
        "stream" => T::Stream(String::new()),
        "bucket" => T::Bucket(String::new()),
        "topic" => T::Topic(String::new()),
        _ => T::Alarm(String::new()),
    };
    s.extras()
}

/// Runtimes neither deprecated nor blocked on `today`.
fn supported_runtimes(today: &str) -> Vec<&'static str> {
    use slsc::model::runtimes::{status, Status};
    RUNTIMES
        .iter()
        .copied()
        .filter(|r| status(r, today) == Status::Supported)
        .collect()
}

/// A prebuilt zip with one stored entry (for `artifact`).
fn tiny_zip() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default());
    zip.start_file("bootstrap", options).unwrap();
    zip.write_all(b"#!/bin/sh\n").unwrap();
    zip.finish().unwrap().into_inner()
}
