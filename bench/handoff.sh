#!/usr/bin/env bash
# bench/handoff.sh - time `sfp hook pre-compact` and `sfp hook session-end` (the handoff; plus
# whatever else those events run in this build) on the real transcript and on a large generated
# one. Prints the median wall time and the peak RSS of each.
#
#   bench/handoff.sh [SFP_BIN]      (default: target/release/sfp; build it first)
#   env: SIZE_MB (default 60) for make-claude-home.sh, RUNS (default 30)
#
# For comparison: the original plugin's PreCompact handoff + backup took 86 ms, 15 MiB
# (../shared/baselines.md).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
SFP=${1:-$here/target/release/sfp}
SIZE_MB=${SIZE_MB:-60}
RUNS=${RUNS:-30}
MAKE_HOME=${MAKE_HOME:-$here/../shared/bench/make-claude-home.sh}
[ -x "$SFP" ] || { echo "no sfp binary at $SFP (cargo build --release)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/sfp-bench-handoff.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "building a ${SIZE_MB} MiB ~/.claude in $work ..." >&2
"$MAKE_HOME" "$SIZE_MB" "$work/home" "$work/proj" >/dev/null
export HOME="$work/home" CLAUDE_CONFIG_DIR="$work/home/.claude" SFP_HOME="$work/sfp"
unset CLAUDE_PROJECT_DIR CLAUDE_PLUGIN_ROOT CLAUDE_CODE_SESSION_ID

real="$here/tests/fixtures/transcripts/a1d3ea29-a3bb-470b-8c2d-47ba3d2ef5f9.jsonl"
large=$(find "$CLAUDE_CONFIG_DIR/projects" -name '*.jsonl' -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
# Some uncommitted work, so git status and diff have something to say.
echo "# changed" >>"$work/proj/README.md"
touch "$work/proj/new_file.py"

input() {  # input EVENT TRANSCRIPT FILE
  python3 - "$1" "$2" "$work/proj" >"$3" <<'PY'
import json, sys
event, transcript, cwd = sys.argv[1:4]
d = {"session_id": transcript.rsplit("/", 1)[-1][:-6], "transcript_path": transcript, "cwd": cwd,
     "hook_event_name": event}
d.update({"trigger": "auto", "custom_instructions": ""} if event == "PreCompact" else {"reason": "other"})
print(json.dumps(d))
PY
}

median_ms() {  # median_ms CMD... (stdin from $STDIN; PREPARE run untimed before each)
  local i t0 t1 times=()
  for ((i = 0; i < RUNS; i++)); do
    [ -n "${PREPARE:-}" ] && eval "$PREPARE"
    t0=$(date +%s%N)
    "$@" <"$STDIN" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'
}

peak_mib() {
  [ -n "${PREPARE:-}" ] && eval "$PREPARE"
  /usr/bin/time -f '%M' "$@" <"$STDIN" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1/1024}'
}

printf '%-34s %12s %10s %14s\n' "case" "transcript" "median ms" "peak RSS MiB"
for t in "$real" "$large"; do
  size=$(du -k "$t" | cut -f1)
  label=$([ "$t" = "$real" ] && echo real || echo large)
  for ev in PreCompact SessionEnd; do
    STDIN="$work/$label-$ev.json"
    input "$ev" "$t" "$STDIN"
    cli=$([ "$ev" = PreCompact ] && echo pre-compact || echo session-end)
    # SessionEnd skips a handoff equal to the latest one: start each run without handoffs so
    # every run writes.
    PREPARE=$([ "$ev" = SessionEnd ] && echo 'rm -rf "$SFP_HOME/handoffs"' || true)
    "$SFP" hook "$cli" <"$STDIN" >/dev/null 2>&1  # warm-up
    ms=$(median_ms "$SFP" hook "$cli")
    rss=$(peak_mib "$SFP" hook "$cli")
    printf '%-34s %9s KiB %10s %14s\n' "sfp hook $cli ($label)" "$size" "$ms" "$rss"
  done
done
# The handoff's own time, as sfp logs it (no process start, no config load).
grep -ho 'written at [A-Za-z]* ([a-z]*) in [0-9.]* ms' "$SFP_HOME"/logs/sfp.log* | awk '{print $NF == "ms" ? $(NF-1) : $NF}' |
  sort -n | awk '{a[NR]=$1} END {if (NR) printf "handoff itself (from the log, %d runs): median %.1f ms, max %.1f ms\n", NR, a[int((NR+1)/2)], a[NR]}'
count=$(find "$SFP_HOME/handoffs" -name '*.json' | wc -l)
echo "handoffs kept after the runs: $count (retention: 30 per project)"
STDIN=/dev/null
printf '%-34s %26s\n' "/bin/true (process floor)" "$(median_ms /bin/true) ms"
