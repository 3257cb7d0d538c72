# bench/lib.sh - what the benchmark scripts share; sourced, never run.
#
#   . "$(dirname "$0")/lib.sh"; bench_setup NAME "$@"
#
# Sets `here` (the checkout), RUNS (first argument, else $BENCH_RUNS, else 20), SFP (the binary
# measured: $SFP_BIN, else target/release/sfp), BASE ($SFP_BASELINE, a build to compare with, or
# empty) and `work` (a scratch directory removed on exit), and exports NO_COLOR.
bench_setup() {
  local name=$1
  shift
  here=$(cd "$(dirname "$0")/.." && pwd)
  RUNS=${1:-${BENCH_RUNS:-20}}
  SFP=$(realpath "${SFP_BIN:-$here/target/release/sfp}")
  BASE=${SFP_BASELINE:-}
  [ -x "$SFP" ] || { echo "no sfp binary at $SFP (cargo build --release)" >&2; exit 2; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/sfp-$name-bench.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  export NO_COLOR=1
}
