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

#[path = "projects.rs"]
mod projects;
use projects::{generate, Project, Shape};

/// The pinned date, so `deprecated-runtime` never depends on when the bench runs.
const TODAY: &str = "2026-11-26";
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
    let sizes = projects::sizes(bench_mode);
    let largest = *sizes.last().unwrap();
    let runs = projects::env_usize("SLSC_BENCH_RUNS").unwrap_or(if bench_mode { 7 } else { 1 });
    let bin_runs = projects::env_usize("SLSC_BENCH_RUNS").unwrap_or(if bench_mode { 5 } else { 1 });
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
