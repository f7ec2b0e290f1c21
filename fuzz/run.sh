#!/usr/bin/env bash
# Runs one fuzz target for a while (docs/fuzzing.md): bash fuzz/run.sh TARGET [SECONDS].
# Stable Rust is enough: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags (AddressSanitizer,
# coverage); SLSC_FUZZ_SANITIZER=none builds without a sanitizer. One libFuzzer process at a
# time; it stops at a crash, timeout or out-of-memory input (saved under fuzz/artifacts/TARGET/)
# and this script starts it again on the grown corpus until SECONDS have passed. Each session's
# log is fuzz/artifacts/TARGET/log-N.txt; the total of executions is printed at the end.
set -uo pipefail
target=${1:?usage: fuzz/run.sh parse_check|mutate_project|build_targets [SECONDS]}
seconds=${2:-1200}
cd "$(dirname "$0")"
mkdir -p "corpus/$target" "artifacts/$target"
dict=()
if [ "$target" = parse_check ]; then dict=(-dict=dict/sls.dict); fi
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
# Build once (what `cargo fuzz run` would do), then run the binary itself, so that the time
# budget is spent fuzzing. SLSC_FUZZ_NO_BUILD=1 skips the build.
if [ -z "${SLSC_FUZZ_NO_BUILD:-}" ]; then
  nice -n "${SLSC_FUZZ_NICE:-15}" cargo fuzz build --sanitizer "${SLSC_FUZZ_SANITIZER:-address}" \
    --target-dir "$CARGO_TARGET_DIR" "$target" || exit 1
fi
bin="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/$target"
end=$(($(date +%s) + seconds))
n=0
total=0
while left=$((end - $(date +%s))); [ "$left" -gt 5 ]; do
  n=$((n + 1))
  log="artifacts/$target/log-$n.txt"
  nice -n "${SLSC_FUZZ_NICE:-15}" "$bin" "corpus/$target" "../tests/fuzz_regressions/$target" \
    "${dict[@]}" -timeout=10 -rss_limit_mb=4096 -max_len=65536 -max_total_time="$left" \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" >"$log" 2>&1
  code=$?
  runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  total=$((total + ${runs:-0}))
  echo "session $n: exit $code, about ${runs:-0} executions; $(grep -m1 -oE 'panicked at [^ ]+|ERROR: libFuzzer: [a-z-]+|ERROR: AddressSanitizer: [a-z-]+' "$log" || echo 'no crash')"
done
echo "$target: $n session(s), about $total executions in $seconds s"
