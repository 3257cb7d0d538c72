#!/usr/bin/env bash
# bench/tags.sh - wall time and peak memory of the TAG context hooks on a realistic ~/.claude.
#
# Usage: bench/tags.sh [SFP_BIN]        (default: target/release/sfp; build it with
#                                         `cargo build --release` first)
#   env: RUNS (default 200), MAKE_HOME (default /work/shared/bench/make-claude-home.sh)
#
# Builds a home with make-claude-home.sh (5 context files, ~19 KB, ~170 tags), starts a session
# (SessionStart), takes the first prompt (which also looks at the project evidence), then measures:
#   1. `sfp hook user-prompt-submit`, sources unchanged (the common case: stat and compare);
#   2. the same right after a context file changed (read, hash, extract, delta);
#   3. `sfp hook session-start` as a whole (health checks + the whole tag block).
# Prints median and p90 wall ms (hyperfine when installed, which subtracts its shell's start-up;
# else a date +%s%N loop) and peak RSS from /usr/bin/time.
set -euo pipefail

here=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
bin=$(realpath "${1:-$here/target/release/sfp}")
runs=${RUNS:-200}
make_home=${MAKE_HOME:-/work/shared/bench/make-claude-home.sh}
[ -x "$bin" ] || { echo "no binary at $bin: run cargo build --release" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$make_home" 5 "$work/home" "$work/proj" >/dev/null

# A clean environment: only what a hook would see.
run_env=(env -i "PATH=$PATH" "HOME=$work/home")
ctx="$work/home/.claude/.context"
printf '{"session_id":"bench","cwd":"%s","hook_event_name":"SessionStart","source":"startup"}' \
  "$work/proj" >"$work/start.json"
printf '{"session_id":"bench","cwd":"%s","hook_event_name":"UserPromptSubmit","prompt":"hi"}' \
  "$work/proj" >"$work/prompt.json"

"${run_env[@]}" "$bin" hook session-start <"$work/start.json" >"$work/start.out"
"${run_env[@]}" "$bin" hook user-prompt-submit <"$work/prompt.json" >"$work/first.out"
"${run_env[@]}" "$bin" hook user-prompt-submit <"$work/prompt.json" >"$work/second.out"
[ -s "$work/second.out" ] && { echo "unexpected output on an unchanged prompt:" >&2; cat "$work/second.out" >&2; exit 1; }
echo "home: $(ls "$ctx" | wc -l) context files, $(cat "$ctx"/*.md | wc -c) bytes;" \
  "SessionStart context $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["hookSpecificOutput"]["additionalContext"]))' "$work/start.out") chars"

# Median and p90 (ms) of a list of seconds, one per line.
stats() { sort -g | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; p=a[int(NR*0.9+0.5)]; printf "median %6.2f ms   p90 %6.2f ms", m*1000, p*1000}'; }

wall() { # name, input, [prepare command]
  local input=$1 prepare=${2:-}
  if command -v hyperfine >/dev/null; then
    local args=(--warmup 10 --runs "$runs" --style none --export-json "$work/h.json")
    [ -n "$prepare" ] && args+=(--prepare "$prepare")
    hyperfine "${args[@]}" "${run_env[*]} $bin hook user-prompt-submit <$input >/dev/null" >/dev/null 2>&1 \
      || hyperfine "${args[@]}" "${run_env[*]} $bin hook user-prompt-submit <$input >/dev/null"
    python3 -c 'import json,sys; [print(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]]' "$work/h.json" | stats
  else
    for _ in $(seq "$runs"); do
      [ -n "$prepare" ] && sh -c "$prepare"
      local t0 t1; t0=$(date +%s%N)
      "${run_env[@]}" "$bin" hook user-prompt-submit <"$input" >/dev/null
      t1=$(date +%s%N)
      echo "($t1 - $t0) / 1000000000" | bc -l
    done | stats
  fi
}

rss() { # event, input, [prepare command]: median and max peak RSS over 30 runs
  local event=$1 input=$2 prepare=${3:-}
  for _ in $(seq 30); do
    [ -n "$prepare" ] && sh -c "$prepare"
    /usr/bin/time -f %M "${run_env[@]}" "$bin" hook "$event" <"$input" 2>&1 >/dev/null | tail -1
  done | sort -n | awk '{a[NR]=$1} END {printf "peak RSS median %.2f MiB, max %.2f MiB", a[int((NR+1)/2)]/1024, a[NR]/1024}'
}

# Rewrites one rule so that every run sees a real change (content and tags).
change="sed -i 's/^- \\(.*\\)\$/- changed \\1/; 1!b' $ctx/rules.md; echo '- a rule added at '\$(date +%s%N) >> $ctx/rules.md"

wall_start() {
  if command -v hyperfine >/dev/null; then
    hyperfine --warmup 10 --runs "$runs" --style none --export-json "$work/s.json" \
      "${run_env[*]} $bin hook session-start <$work/start.json >/dev/null" >/dev/null 2>&1
    python3 -c 'import json,sys; [print(t) for t in json.load(open(sys.argv[1]))["results"][0]["times"]]' "$work/s.json" | stats
  else
    for _ in $(seq "$runs"); do
      local t0 t1; t0=$(date +%s%N)
      "${run_env[@]}" "$bin" hook session-start <"$work/start.json" >/dev/null
      t1=$(date +%s%N)
      echo "($t1 - $t0) / 1000000000" | bc -l
    done | stats
  fi
}

printf '%-44s %s   %s\n' "user-prompt-submit, sources unchanged" "$(wall "$work/prompt.json")" "$(rss user-prompt-submit "$work/prompt.json")"
printf '%-44s %s   %s\n' "user-prompt-submit, a context file changed" "$(wall "$work/prompt.json" "$change")" "$(rss user-prompt-submit "$work/prompt.json" "$change")"
printf '%-44s %s   %s\n' "session-start (health + whole tag block)" "$(wall_start)" "$(rss session-start "$work/start.json")"
echo "peer (the original plugin): prompt hook 69 ms / 14 MiB; SessionStart health check 84 ms / 16 MiB"
