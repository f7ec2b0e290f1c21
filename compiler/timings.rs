//! Phase timings for performance work: with `SLSC_TIMINGS=1` in the environment, [`mark`]
//! prints the wall time since the first mark and since the previous one, and the resident
//! memory, to stderr (the phases of a build, in order). Without it, a mark costs one relaxed load.
//! docs/performance.md says how to read them.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// 0: not yet read; 1: off; 2: on.
static STATE: AtomicU8 = AtomicU8::new(0);
static LAST: Mutex<Option<(Instant, Instant)>> = Mutex::new(None);

fn enabled() -> bool {
    match STATE.load(Ordering::Relaxed) {
        0 => {
            let on = std::env::var_os("SLSC_TIMINGS").is_some_and(|v| v != "0" && !v.is_empty());
            STATE.store(if on { 2 } else { 1 }, Ordering::Relaxed);
            on
        }
        s => s == 2,
    }
}

/// Records the end of `phase`.
pub fn mark(phase: &str) {
    if !enabled() {
        return;
    }
    let now = Instant::now();
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    let (start, prev) = last.get_or_insert((now, now));
    let (total, step) = (now - *start, now - *prev);
    *prev = now;
    eprintln!(
        "[slsc timings] {:>8.2} ms  (+{:>7.2} ms)  {:>6} MB resident  {phase}",
        total.as_secs_f64() * 1e3,
        step.as_secs_f64() * 1e3,
        resident_mb().map_or("?".to_string(), |m| m.to_string()),
    );
}

/// The resident set now, in MB (Linux: /proc/self/statm, in pages of 4 KiB).
fn resident_mb() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1 << 20))
}
