#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [TARGET...] - run every cargo-fuzz target (or the named ones) for SECONDS
# each (default 60), growing the corpus kept in fuzz/corpus/<target>/.
#
# Works on stable Rust: cargo-fuzz needs nightly-only flags (-Zsanitizer, sancov), which
# RUSTC_BOOTSTRAP=1 unlocks on a stable toolchain. AddressSanitizer is used when it links
# (FUZZ_SANITIZER=none to turn it off); cargo-fuzz is installed with `cargo install` if missing.
#
# A crash is saved by libFuzzer under fuzz/artifacts/<target>/; this script copies it into
# fuzz/regressions/<target>/ (replayed by `cargo test --test fuzz_replay` from then on) and exits 1.
# FUZZ_CMIN=1 minimises each corpus afterwards (do that before committing a grown corpus).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
secs=${1:-60}
shift || true
export RUSTC_BOOTSTRAP=1
sanitizer=${FUZZ_SANITIZER:-address}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi
build_log=$(mktemp)
if ! cargo fuzz build -O --sanitizer "$sanitizer" >"$build_log" 2>&1; then
  if [ "$sanitizer" != none ]; then
    tail -5 "$build_log" >&2
    echo "fuzz/run.sh: build with --sanitizer $sanitizer failed; retrying without" >&2
    sanitizer=none
    cargo fuzz build -O --sanitizer none >"$build_log" 2>&1 || { cat "$build_log" >&2; exit 2; }
  else
    cat "$build_log" >&2
    exit 2
  fi
fi
rm -f "$build_log"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "regressions/$t" "artifacts/$t"
  before=$(find "corpus/$t" -type f | wc -l)
  started=$(date +%s)
  log=$(mktemp)
  # -timeout: an input taking over 5 s is a hang; -rss_limit_mb bounds memory per input.
  if cargo fuzz run -O --sanitizer "$sanitizer" "$t" "corpus/$t" -- \
      -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  after=$(find "corpus/$t" -type f | wc -l)
  printf '%-14s %-5s %4ss  %10s execs  corpus %d -> %d\n' "$t" "$result" "$(( $(date +%s) - started ))" "$runs" "$before" "$after"
  if [ "$result" = CRASH ]; then
    tail -40 "$log" >&2
    for a in "artifacts/$t"/*; do
      [ -f "$a" ] || continue
      cp "$a" "regressions/$t/"
      echo "  saved $(basename "$a") to fuzz/regressions/$t/ (replayed by cargo test --test fuzz_replay)" >&2
    done
  fi
  rm -f "$log"
  if [ "${FUZZ_CMIN:-0}" = 1 ]; then
    cargo fuzz cmin -O --sanitizer "$sanitizer" "$t" "corpus/$t" >/dev/null 2>&1 || true
    echo "  corpus minimised to $(find "corpus/$t" -type f | wc -l) files"
  fi
done
exit $status
