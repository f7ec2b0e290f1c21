//! `cargo bench --bench check`: how long `slsc check` takes on large projects.
//!
//! A std-only benchmark (no criterion). It generates realistic projects of N functions, each
//! with one trigger (a fixed mix of six kinds), in two shapes:
//!
//! * **acyclic** — data edges only point forward; it must check with no diagnostic at all
//!   (0 errors, 0 warnings, 0 notes), every rule included;
//! * **loop** — the same project closed into one ring, so all N functions form ONE strongly
//!   connected component: with `recursion = "allow"` on every function it must give exactly one
//!   `bounded-recursion` note ("loop, allow"), without it exactly one `recursive-invocation`
//!   error naming all N functions ("loop, deny"). Only at the largest N.
//!
//! It asserts those diagnostics, then times
//!
//! * `compile_files` — the pure, in-memory entry point (parse, lower, graph, rules; files are
//!   parsed one after the other here), for each N and shape, and, on the compiled model,
//!   `graph::Graph::build` and `checks::run` on their own;
//! * `compile`       — the acyclic project written to a temporary directory (adds reading the
//!   files on all cores and the `source` directory checks), for the largest N;
//! * the release binary, end to end, for each shape at the largest N:
//!   `slsc check DIR --format json` (process start, reading, checking, rendering JSON to a
//!   pipe; the exit code and the diagnostics are asserted too).
//!
//! Each figure is the median of several runs after one warm-up run; the in-process rows also
//! give the peak heap and the number of allocation calls of one run (a counting wrapper around
//! the system allocator, switched on only for that run). Environment:
//!
//! * `SLSC_BENCH_N`    — comma-separated sizes (default `1000,10000`); the largest is used for the
//!   loop, on-disk and binary measurements;
//! * `SLSC_BENCH_RUNS` — runs per measurement (default 7 in process, 5 for the binary);
//! * `SLSC_BENCH_KEEP` — keep the generated project directories (their path is printed) instead
//!   of deleting them, e.g. to run `hyperfine` or a profiler on them.
//!
//! `cargo test --benches` runs a smoke mode: 120 functions, one run, same assertions.
//! See docs/performance.md for the recorded numbers and how to profile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use slsc::diagnostics::Severity;

/// The pinned date, so `deprecated-runtime` never depends on when the bench runs.
const TODAY: &str = "2026-11-26";
/// Functions per generated file.
const PER_FILE: usize = 100;
/// Trigger kinds, cycled over by function index.
const KINDS: [&str; 6] = ["http", "queue", "schedule", "database", "bucket", "topic"];

// ---------------------------------------------------------------------------------------------
// Project generator
// ---------------------------------------------------------------------------------------------

struct Project {
    /// (file name, text), `app.sls` first.
    files: Vec<(String, String)>,
    functions: usize,
    blocks: usize,
}

impl Project {
    fn bytes(&self) -> usize {
        self.files.iter().map(|(_, t)| t.len()).sum()
    }
    fn lines(&self) -> usize {
        self.files.iter().map(|(_, t)| t.lines().count()).sum()
    }
    fn as_refs(&self) -> Vec<(&str, &str)> {
        self.files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect()
    }
}

/// The shape of the causal graph of a generated project.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    /// Data edges only point forward: no loop. Checks with no diagnostics at all.
    Acyclic,
    /// The acyclic project closed into one ring: every function also causes the next one
    /// (`f{i}` → what triggers `f{i+1}`, the last → `f0`), so all functions, their queues,
    /// tables, topics and bucket prefixes form ONE strongly connected component. With `allow`,
    /// every function says `recursion = "allow"` (and has `concurrency`): exactly one
    /// `bounded-recursion` note. Without: exactly one `recursive-invocation` error.
    Loop { allow: bool },
}

impl Shape {
    fn label(self) -> &'static str {
        match self {
            Shape::Acyclic => "acyclic",
            Shape::Loop { allow: true } => "loop, allow",
            Shape::Loop { allow: false } => "loop, deny",
        }
    }
}

/// A project of `n` functions, each with exactly one trigger, `PER_FILE` functions per file.
///
/// Function `f{i}` gets the trigger kind `KINDS[i % 6]`:
/// * http     — `"METHOD /api/g{file}/r{i}/{id}"` (unique routes), `auth = "iam"`;
/// * queue    — `queue.q{i}` with dead letter `queue.dl{i}`, partial failures;
/// * schedule — `rate(N minutes)` or `cron(...)`, with an `input` object;
/// * database — `database.db{i}` stream (`stream` set on every other table, else defaulted),
///   `on_failure = queue.fq{i}`;
/// * bucket   — one `bucket.b{file}` per file, each trigger on its own prefix `in/{i}/`;
/// * topic    — `topic.tp{i}` with a `filter`.
///
/// Data edges only point forward (http f{i} writes database.db{i+3}, database f{i} sends to
/// queue.q{i+4}, queue f{i} publishes to topic.tp{i+4}: what triggers a later function), so the
/// graph is acyclic (no `recursive-invocation`). Every function has `concurrency` and an
/// `environment` with deploy-time references; every file has a variable and a locals block.
///
/// [`Shape::Loop`] adds one causal edge per function, from `f{i}` to the source of the trigger
/// of `f{j}`, `j = (i + 1) mod n`: `sends = [queue.q{j}]` / `[topic.tp{j}]`,
/// `writes = [database.db{j}]` / `[prefix(bucket.b{file}, "in/{j}/")]` (exactly the prefix of
/// `f{j}`'s bucket trigger), or `invokes = [function.f{j}]` for http and schedule functions.
fn generate(n: usize, shape: Shape) -> Project {
    let mut files = Vec::new();
    let mut blocks = 0;

    // -- app.sls: the app block, shared variables, locals and outputs --
    let mut app = String::new();
    app.push_str(
        r#"# Generated by benches/check.rs: a large, realistic project that checks clean.

app "bench" {
  region              = var.region
  runtime             = "nodejs22.x"
  architecture        = "arm64"
  memory              = 256
  timeout             = "10s"
  log_retention       = 14
  account_concurrency = 10000000 # the sum of reserved concurrency is 5 per function
  tags                = { team = "perf", service = "bench" }
  environment         = { LOG_LEVEL = var.log_level }
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "log_level" {
  type        = string
  default     = "info"
  description = "override with --var log_level=debug"
}

locals {
  service = "${app.name}-${app.stage}"
  owners  = ["perf@example.com"]
}

output "api_url" { value = http.url }
"#,
    );
    blocks += 5;
    files.push(("app.sls".to_string(), app));

    let nfiles = n.div_ceil(PER_FILE);
    for g in 0..nfiles {
        let mut s = String::with_capacity(PER_FILE * 900);
        let lo = g * PER_FILE;
        let hi = ((g + 1) * PER_FILE).min(n);
        writeln!(s, "# Part {g}: functions f{lo} to f{}.\n", hi - 1).unwrap();
        writeln!(
            s,
            "variable \"mem{g}\" {{\n  type    = number\n  default = {}\n}}\n",
            [256, 512, 1024][g % 3]
        )
        .unwrap();
        writeln!(
            s,
            "locals {{\n  part{g}   = \"${{local.service}}-part{g}\"\n  prefix{g} = \"in/\"\n}}\n"
        )
        .unwrap();
        writeln!(s, "bucket \"b{g}\" {{\n  versioning = true\n}}\n").unwrap();
        blocks += 3;
        if lo < hi {
            writeln!(
                s,
                "alarm \"a{g}\" {{\n  watch     = function.f{lo}\n  metric    = \"errors\"\n  threshold = 1\n  period    = \"5m\"\n  notify    = local.owners\n}}\n"
            )
            .unwrap();
            blocks += 1;
        }
        for i in lo..hi {
            blocks += function(&mut s, i, g, n, shape);
        }
        files.push((format!("part{g:04}.sls"), s));
    }
    Project {
        files,
        functions: n,
        blocks,
    }
}

/// Writes function `f{i}`, its trigger and what the trigger reads from; returns the block count.
fn function(s: &mut String, i: usize, g: usize, n: usize, shape: Shape) -> usize {
    let kind = KINDS[i % KINDS.len()];
    let mut blocks = 2; // function + trigger
    let mut env = vec![
        ("SERVICE".to_string(), "local.service".to_string()),
        ("PART".to_string(), format!("local.part{g}")),
        ("INDEX".to_string(), format!("{i}")),
    ];
    // Data edges, in the order `reads`, `writes`, `sends`, `invokes`.
    let mut data: Vec<(&str, Vec<String>)> = Vec::new();
    let mut add = |attr: &'static str, item: String| match data.iter_mut().find(|(a, _)| *a == attr)
    {
        Some((_, items)) => items.push(item),
        None => data.push((attr, vec![item])),
    };
    // Forward data edges only (acyclic): see `generate`.
    match kind {
        "http" if i + 3 < n => {
            add("writes", format!("database.db{}", i + 3));
            env.push(("TABLE".into(), format!("database.db{}.name", i + 3)));
        }
        "database" if i + 4 < n => {
            add("reads", format!("database.db{i}"));
            add("sends", format!("queue.q{}", i + 4));
            env.push(("NEXT_QUEUE_URL".into(), format!("queue.q{}.url", i + 4)));
        }
        "queue" if i + 4 < n => {
            add("sends", format!("topic.tp{}", i + 4));
            env.push(("TOPIC_ARN".into(), format!("topic.tp{}.arn", i + 4)));
        }
        _ => {}
    }
    // The ring (Shape::Loop): f{i} causes f{j} through f{j}'s trigger source.
    if let Shape::Loop { .. } = shape {
        let j = (i + 1) % n;
        match KINDS[j % KINDS.len()] {
            "queue" => add("sends", format!("queue.q{j}")),
            "topic" => add("sends", format!("topic.tp{j}")),
            "database" => add("writes", format!("database.db{j}")),
            "bucket" => add(
                "writes",
                format!("prefix(bucket.b{}, \"in/{j}/\")", j / PER_FILE),
            ),
            _ => add("invokes", format!("function.f{j}")), // http, schedule
        }
    }
    data.sort_by_key(|(a, _)| {
        ["reads", "writes", "sends", "invokes"]
            .iter()
            .position(|x| x == a)
    });
    let mut extra = String::new();
    for (attr, items) in &data {
        writeln!(extra, "  {attr:<11} = [{}]", items.join(", ")).unwrap();
    }
    if shape == (Shape::Loop { allow: true }) {
        extra.push_str("  recursion   = \"allow\"\n");
    }

    let mut trigger = String::new();
    match kind {
        "http" => {
            let method = ["GET", "POST", "PUT", "DELETE", "PATCH"][(i / 6) % 5];
            writeln!(
                trigger,
                "  http     = \"{method} /api/g{g}/r{i}/{{id}}\"\n  auth     = \"iam\""
            )
            .unwrap();
        }
        "queue" => {
            writeln!(
                s,
                "queue \"q{i}\" {{\n  visibility_timeout = \"2m\"\n  dead_letter        = queue.dl{i}\n  max_receives       = 3\n}}\n"
            )
            .unwrap();
            writeln!(s, "queue \"dl{i}\" {{\n  retention = \"14d\"\n}}\n").unwrap();
            blocks += 2;
            env.push(("QUEUE_URL".into(), format!("queue.q{i}.url")));
            env.push(("DLQ_URL".into(), format!("\"${{queue.dl{i}.url}}\"")));
            writeln!(
                trigger,
                "  source           = queue.q{i}\n  batch_size       = 10\n  partial_failures = true"
            )
            .unwrap();
        }
        "schedule" => {
            let sched = if i % 4 == 2 {
                format!("cron(0 {} * * ? *)", i % 24)
            } else {
                format!("rate({} minutes)", 2 + i % 50)
            };
            writeln!(
                trigger,
                "  schedule = \"{sched}\"\n  input    = {{ job = \"j{i}\", lookback_hours = {} }}",
                1 + i % 24
            )
            .unwrap();
        }
        "database" => {
            // Every other table leaves `stream` to its default (set because a trigger reads it).
            let stream = if i % 12 == 3 {
                "  stream        = \"new_image\"\n"
            } else {
                ""
            };
            writeln!(
                s,
                "database \"db{i}\" {{\n  partition_key = {{ name = \"pk\", type = \"string\" }}\n  sort_key      = {{ name = \"sk\", type = \"number\" }}\n{stream}  ttl           = \"expires_at\"\n}}\n"
            )
            .unwrap();
            writeln!(s, "queue \"fq{i}\" {{}}\n").unwrap();
            blocks += 2;
            env.push(("TABLE_NAME".into(), format!("database.db{i}.name")));
            writeln!(
                trigger,
                "  source            = database.db{i}\n  batch_size        = 100\n  starting_position = \"trim_horizon\"\n  on_failure        = queue.fq{i}"
            )
            .unwrap();
        }
        "bucket" => {
            env.push(("BUCKET".into(), format!("bucket.b{g}.name")));
            writeln!(
                trigger,
                "  source   = bucket.b{g}\n  events   = [\"created\"]\n  prefix   = \"${{local.prefix{g}}}{i}/\"\n  suffix   = \".json\""
            )
            .unwrap();
        }
        "topic" => {
            writeln!(s, "topic \"tp{i}\" {{}}\n").unwrap();
            blocks += 1;
            env.push(("TOPIC".into(), format!("topic.tp{i}.name")));
            writeln!(
                trigger,
                "  source   = topic.tp{i}\n  filter   = {{ type = [\"order\", \"refund\"] }}"
            )
            .unwrap();
        }
        _ => unreachable!(),
    }

    // Align `function` with the source's attributes, as `slsc fmt` would.
    let width = trigger
        .lines()
        .filter_map(|l| l.find(" = "))
        .max()
        .unwrap_or(10);
    let pad = " ".repeat(width.saturating_sub(10));
    writeln!(
        s,
        "trigger \"t{i}\" {{\n  function{pad} = function.f{i}\n{trigger}}}\n"
    )
    .unwrap();
    writeln!(
        s,
        "function \"f{i}\" {{\n  description = \"{kind} handler {i}\"\n  handler     = \"f{i}.handler\"\n  source      = \"src\"\n  memory      = var.mem{g}\n  timeout     = {}\n  concurrency = 5\n{extra}  environment = {{",
        5 + i % 15
    )
    .unwrap();
    let width = env.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &env {
        writeln!(s, "    {k:<width$} = {v}").unwrap();
    }
    s.push_str("  }\n}\n\n");
    blocks
}

/// Writes the project (plus the `src` directory the functions point at) under `dir`.
fn write_project(p: &Project, dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("src")).expect("create project dir");
    std::fs::write(
        dir.join("src/index.mjs"),
        "export const handler = async () => ({ ok: true });\n",
    )
    .unwrap();
    for (name, text) in &p.files {
        std::fs::write(dir.join(name), text).expect("write project file");
    }
}

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

fn options() -> slsc::Options {
    slsc::Options {
        today: TODAY.to_string(),
        ..Default::default()
    }
}

/// The one diagnostic a shape must produce (code, severity), besides which there must be none.
fn expected(shape: Shape) -> Option<(&'static str, Severity)> {
    match shape {
        Shape::Acyclic => None,
        Shape::Loop { allow: true } => Some(("bounded-recursion", Severity::Note)),
        Shape::Loop { allow: false } => Some(("recursive-invocation", Severity::Error)),
    }
}

/// Panics (with the first few diagnostics) unless the compilation has a model and exactly the
/// diagnostics `shape` expects: none at all for the acyclic project (0 errors, 0 warnings, 0
/// notes), one `bounded-recursion` note or one `recursive-invocation` error for the loop.
fn assert_expected(c: &slsc::Compilation, shape: Shape, n: usize, what: &str) {
    let got: Vec<(&str, Severity)> = c
        .diagnostics
        .iter()
        .map(|d| (d.code.as_str(), d.severity))
        .collect();
    let want: Vec<(&str, Severity)> = expected(shape).into_iter().collect();
    let mut ok = c.model.is_some() && got == want;
    if ok && shape == (Shape::Loop { allow: false }) {
        // The whole project is one component, reported once, starting at the first function.
        let m = &c.diagnostics[0].message;
        ok = m.starts_with("function.f0 re-triggers itself")
            && m.contains(&format!("({n} functions are in this loop"));
    }
    if ok {
        return;
    }
    let mut msg = format!(
        "{what}: expected {want:?}, got {} diagnostics ({} errors, {} warnings):\n",
        c.diagnostics.len(),
        c.errors(),
        c.warnings()
    );
    for d in c.diagnostics.iter().take(10) {
        let m: String = d.message.chars().take(300).collect();
        writeln!(msg, "  {} {}: {m}", d.severity.as_str(), d.code).unwrap();
    }
    panic!("{msg}");
}

/// The system allocator, counting live bytes, their peak and allocation calls while `ON` is set
/// (one relaxed load per call otherwise, so the timed runs are not slowed down).
struct Counting;
static ON: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ON.load(Relaxed) {
            grow(layout.size());
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ON.load(Relaxed) {
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ON.load(Relaxed) {
            grow(new_size);
            LIVE.fetch_sub(layout.size(), Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}

fn grow(size: usize) {
    let live = LIVE.fetch_add(size, Relaxed) + size;
    PEAK.fetch_max(live, Relaxed);
    CALLS.fetch_add(1, Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` once and returns (peak heap bytes, allocation calls) during it. The counters only
/// see what is allocated while counting, so run it when nothing else is live (or measure deltas).
fn heap_use(f: impl FnOnce()) -> (usize, usize) {
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    CALLS.store(0, Relaxed);
    ON.store(true, Relaxed);
    f();
    ON.store(false, Relaxed);
    (PEAK.load(Relaxed), CALLS.load(Relaxed))
}

struct Stats {
    median: Duration,
    min: Duration,
    max: Duration,
}

fn measure(runs: usize, mut f: impl FnMut()) -> Stats {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    Stats {
        median: times[times.len() / 2],
        min: times[0],
        max: times[times.len() - 1],
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// The `slsc` binary built alongside this bench: Cargo sets `CARGO_BIN_EXE_<name>` for benches
/// too, and `cargo bench` builds bin targets with the bench profile (which inherits `release`),
/// so this is the optimised `target/release/slsc`.
fn slsc_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_slsc"))
}

/// Runs `slsc check DIR --format json` once; asserts the exit code and the diagnostics `shape`
/// expects; returns the size of the JSON output.
fn run_binary(bin: &Path, dir: &Path, shape: Shape) -> usize {
    let out = Command::new(bin)
        .args([
            "check",
            dir.to_str().unwrap(),
            "--format",
            "json",
            "--today",
            TODAY,
        ])
        .output()
        .expect("run slsc");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let compact: String = stdout.chars().filter(|c| !c.is_whitespace()).collect();
    let want = expected(shape);
    let errors = usize::from(matches!(want, Some((_, Severity::Error))));
    let ok = out.status.code() == Some(if errors > 0 { 1 } else { 0 })
        && compact.contains(&format!("\"errors\":{errors},"))
        && compact.contains("\"warnings\":0")
        && compact.matches("\"code\":").count() == usize::from(want.is_some())
        && want.is_none_or(|(code, sev)| {
            compact.contains(&format!(
                "\"code\":\"{code}\",\"severity\":\"{}\"",
                sev.as_str()
            ))
        });
    assert!(
        ok,
        "slsc check on the {} project ({}): expected {want:?}:\n{}\n{}",
        shape.label(),
        out.status,
        &stdout[..stdout.len().min(2000)],
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.len()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs without it: then only check
    // that small projects give exactly the expected diagnostics, quickly.
    let bench_mode = std::env::args().any(|a| a == "--bench");
    let mut sizes: Vec<usize> = match std::env::var("SLSC_BENCH_N") {
        Ok(v) => v
            .split(',')
            .filter_map(|s| s.trim().replace('_', "").parse().ok())
            .filter(|&n| n > 0)
            .collect(),
        Err(_) if bench_mode => vec![1_000, 10_000],
        Err(_) => vec![120],
    };
    sizes.sort();
    sizes.dedup();
    assert!(!sizes.is_empty(), "SLSC_BENCH_N: no valid size");
    let largest = *sizes.last().unwrap();
    let runs = env_usize("SLSC_BENCH_RUNS").unwrap_or(if bench_mode { 7 } else { 1 });
    let bin_runs = env_usize("SLSC_BENCH_RUNS").unwrap_or(if bench_mode { 5 } else { 1 });
    let opts = options();

    println!(
        "slsc check benchmark: median/min/max wall time in ms over {runs} runs ({bin_runs} for the \
         binary) after one warm-up run; peak heap and allocation calls of one run\n"
    );
    println!(
        "{:<12} {:<27} {:>9} {:>6} {:>7} {:>8} {:>7} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "project",
        "measurement",
        "functions",
        "files",
        "blocks",
        "lines",
        "KiB",
        "median",
        "min",
        "max",
        "heap MiB",
        "allocs"
    );
    let row = |shape: Shape, what: &str, p: &Project, s: &Stats, heap: Option<(usize, usize)>| {
        let (peak, calls) = match heap {
            Some((peak, calls)) => (
                format!("{:.1}", peak as f64 / 1048576.0),
                format!("{:.2}M", calls as f64 / 1e6),
            ),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{:<12} {:<27} {:>9} {:>6} {:>7} {:>8} {:>7} {:>8} {:>8} {:>8} {:>9} {:>8}",
            shape.label(),
            what,
            p.functions,
            p.files.len(),
            p.blocks,
            p.lines(),
            p.bytes() / 1024,
            ms(s.median),
            ms(s.min),
            ms(s.max),
            peak,
            calls
        );
    };

    // (a) In process, in memory: every size for the acyclic project, the largest for the loop.
    //     The graph and the rules are also timed on their own, on the compiled model.
    let mut cases: Vec<(Shape, usize)> = sizes.iter().map(|&n| (Shape::Acyclic, n)).collect();
    cases.push((Shape::Loop { allow: true }, largest));
    cases.push((Shape::Loop { allow: false }, largest));
    let mut projects = Vec::new();
    let mut summary = Vec::new();
    for (shape, n) in cases {
        let p = generate(n, shape);
        let refs = p.as_refs();
        let what = format!("compile_files, {} project, {n} functions", shape.label());
        let c = slsc::compile_files(&refs, &opts).expect("compile_files");
        assert_expected(&c, shape, n, &what);
        summary.push((shape, n, c.errors(), c.warnings(), c.diagnostics.len()));
        let s = measure(runs, || {
            let c = slsc::compile_files(&refs, &opts).expect("compile_files");
            assert_eq!(c.diagnostics.len(), usize::from(expected(shape).is_some()));
            std::hint::black_box(c);
        });
        let heap = heap_use(|| {
            std::hint::black_box(slsc::compile_files(&refs, &opts).expect("compile_files"));
        });
        row(shape, "compile_files (in memory)", &p, &s, Some(heap));
        // Of which: the graph and the rules (they run after lowering, on the model).
        let model = c.model.as_ref().expect("model");
        let s = measure(runs, || {
            std::hint::black_box(slsc::graph::Graph::build(model));
        });
        row(shape, "  of which graph::build", &p, &s, None);
        let g = slsc::graph::Graph::build(model);
        let s = measure(runs, || {
            let checked = slsc::checks::run(model, &g, TODAY);
            assert_eq!(checked.diagnostics.len(), c.diagnostics.len());
            std::hint::black_box(checked);
        });
        row(shape, "  of which checks::run", &p, &s, None);
        drop(g);
        drop(c);
        if n == largest {
            projects.push((shape, p));
        }
    }

    // (b) In process, from disk (acyclic, largest size).
    let bench_dir = std::env::temp_dir().join(format!("slsc-bench-{}", std::process::id()));
    let dir_of = |shape: Shape| {
        bench_dir.join(match shape {
            Shape::Acyclic => format!("acyclic-{largest}"),
            Shape::Loop { allow: true } => format!("loop-allow-{largest}"),
            Shape::Loop { allow: false } => format!("loop-deny-{largest}"),
        })
    };
    for (shape, p) in &projects {
        write_project(p, &dir_of(*shape));
    }
    let (shape, p) = (Shape::Acyclic, &projects[0].1);
    let dir = dir_of(shape);
    let c = slsc::compile(&dir, &opts).expect("compile");
    assert_expected(&c, shape, largest, "compile (from disk)");
    drop(c);
    let s = measure(runs, || {
        let c = slsc::compile(&dir, &opts).expect("compile");
        assert!(c.diagnostics.is_empty());
        std::hint::black_box(c);
    });
    let heap = heap_use(|| {
        std::hint::black_box(slsc::compile(&dir, &opts).expect("compile"));
    });
    row(shape, "compile (from disk)", p, &s, Some(heap));

    // (c) The binary, end to end (a fresh process each time: this includes process start-up,
    // first-touch page faults of the heap and rendering the JSON; it exits without freeing).
    let bin = slsc_binary();
    let mut json_sizes = Vec::new();
    for (shape, p) in &projects {
        let dir = dir_of(*shape);
        json_sizes.push((*shape, run_binary(&bin, &dir, *shape)));
        let s = measure(bin_runs, || {
            std::hint::black_box(run_binary(&bin, &dir, *shape));
        });
        row(*shape, "slsc check --format json", p, &s, None);
    }

    println!();
    for (shape, n, e, w, all) in summary {
        let want = match expected(shape) {
            None => "nothing".to_string(),
            Some((code, sev)) => format!("one {code} {}", sev.as_str()),
        };
        println!(
            "{} project, {n} functions: {e} errors, {w} warnings, {all} diagnostics in all (expected {want})",
            shape.label()
        );
    }
    for (shape, bytes) in json_sizes {
        println!(
            "JSON output of the binary, {} project: {bytes} bytes",
            shape.label()
        );
    }
    println!("binary: {}", bin.display());
    if std::env::var_os("SLSC_BENCH_KEEP").is_some() {
        println!("projects kept in {}", bench_dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&bench_dir);
    }
    println!(
        "\nto time the binary with hyperfine (SLSC_BENCH_KEEP=1 keeps the projects):\n  \
         hyperfine --warmup 1 '{} check {} --format json --today {TODAY}'",
        bin.display(),
        dir_of(Shape::Acyclic).display()
    );
}
