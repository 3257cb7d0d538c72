#!/usr/bin/env bash
# Benchmarks sfp's gate runner beside lefthook and prek, in one run on this machine:
#   1. 8 gates of `sleep 0.5` in parallel (ideal ≈ 500 ms wall);
#   2. 8 gates of `true` (the runner's own overhead);
#   3. the Stop hook when nothing changed since the last gate run (the common turn);
# then peak RSS of sfp for case 2 and for a gate printing 100 MB.
#
#   bench/gates.sh [RUNS]      (default 20 runs per command; needs hyperfine, python3, git)
#
# Uses target/release/sfp (build it first: cargo build --release), or $SFP_BIN. lefthook and
# prek come from PyPI (`pip install lefthook prek`); their real binaries are used, not the pyenv
# shims, so that no interpreter start-up is counted.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-20}
SFP=${SFP_BIN:-$here/target/release/sfp}
[ -x "$SFP" ] || { echo "no sfp binary at $SFP (cargo build --release)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }

real_bin() {  # the binary behind a pyenv shim or a Python entry point
  local name=$1 path
  path=$( (pyenv which "$name" 2>/dev/null) || command -v "$name" || true)
  [ -n "$path" ] || return 0
  if head -c 2 "$path" | grep -q '#!'; then
    local pkg
    pkg=$(python3 -c "import $name, os; print(os.path.dirname($name.__file__))" 2>/dev/null || true)
    path=$(find "$pkg/bin" -type f -perm -u+x -name "$name*" 2>/dev/null | head -n 1 || true)
  fi
  echo "$path"
}
LEFTHOOK=$(real_bin lefthook)
PREK=$(real_bin prek)

work=$(mktemp -d "${TMPDIR:-/tmp}/sfp-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export SFP_HOME=$work/sfp-home NO_COLOR=1 LEFTHOOK_QUIET=meta,summary,success,execution_info

make_project() {  # make_project DIR COMMAND
  local dir=$1 cmd=$2 i
  mkdir -p "$dir/.claude/sfp"
  git -C "$dir" init -q
  echo "x" >"$dir/README.txt"
  {
    echo "tiers:"; echo "  bench:"; echo "    gates:"
    for i in 1 2 3 4 5 6 7 8; do echo "      - {name: g$i, command: '$cmd'}"; done
  } >"$dir/.claude/sfp/gates.yaml"
  {
    echo "bench:"; echo "  parallel: true"; echo "  commands:"
    for i in 1 2 3 4 5 6 7 8; do echo "    g$i:"; echo "      run: '$cmd'"; done
  } >"$dir/lefthook.yml"
  {
    echo "repos:"; echo "  - repo: local"; echo "    hooks:"
    for i in 1 2 3 4 5 6 7 8; do
      echo "      - {id: g$i, name: g$i, entry: '$cmd', language: system, pass_filenames: false, always_run: true, priority: 0}"
    done
  } >"$dir/.pre-commit-config.yaml"
  git -C "$dir" add -A
  git -C "$dir" -c user.name=b -c user.email=b@b commit -qm init
}

results=$work/results
mkdir -p "$results"
bench() {  # bench LABEL DIR COMMAND...
  local label=$1 dir=$2; shift 2
  (cd "$dir" && hyperfine --style none --warmup 3 --runs "$RUNS" --export-json "$results/$label.json" "$@" >/dev/null)
}

for case in sleep true; do
  cmd=$([ "$case" = sleep ] && echo "sleep 0.5" || echo "true")
  dir=$work/$case
  make_project "$dir" "$cmd"
  bench "$case-sfp" "$dir" "$SFP gates run --tier bench"
  [ -n "$LEFTHOOK" ] && bench "$case-lefthook" "$dir" "$LEFTHOOK run bench --force"
  [ -n "$PREK" ] && bench "$case-prek" "$dir" "PREK_CONCURRENT_HOOKS=8 $PREK run --all-files"
done

# The Stop hook on a turn that changed nothing since the last gate run: one changed file, gates
# already run on it, so the hook reads its state, asks git, and returns silently.
stop=$work/stop
make_project "$stop" "true"
echo "changed" >"$stop/notes.txt"
printf '{"session_id":"bench","cwd":"%s","hook_event_name":"Stop","stop_hook_active":false,"background_tasks":[]}' \
  "$stop" >"$work/stop.json"
(cd "$stop" && "$SFP" hook stop <"$work/stop.json" >/dev/null)
out=$(cd "$stop" && "$SFP" hook stop <"$work/stop.json")
[ -z "$out" ] || { echo "the Stop hook was not silent: $out" >&2; exit 1; }
bench stop-sfp "$stop" "$SFP hook stop < $work/stop.json"
# The floor under it: an sfp hook with nothing to do, and the git status it must ask.
bench stop-floor "$stop" "$SFP hook session-end < $work/stop.json"
bench stop-git "$stop" "git --no-optional-locks status --porcelain -z --no-renames --untracked-files=all"

rss() {  # peak RSS in MiB of a command run in DIR
  local dir=$1; shift
  (cd "$dir" && /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1) | awk '{printf "%.1f", $1/1024}'
}
flood=$work/flood
make_project "$flood" "head -c 100000000 /dev/zero | tr \"\\\\0\" x"
rss_true=$(rss "$work/true" "$SFP" gates run --tier bench)
rss_flood=$(rss "$flood" "$SFP" gates run --tier bench --gate g1)

python3 - "$results" "$rss_true" "$rss_flood" <<'PY'
import json, os, sys
res, rss_true, rss_flood = sys.argv[1:4]
def median(label):
    p = os.path.join(res, label + ".json")
    if not os.path.exists(p):
        return None
    return json.load(open(p))["results"][0]["median"] * 1000
print(f"{'case':<34}{'sfp':>10}{'lefthook':>12}{'prek':>10}   target")
rows = [("8 × sleep 0.5 (wall ms)", "sleep", 515), ("8 × true (wall ms)", "true", 15)]
for title, case, target in rows:
    s, l, p = median(case + "-sfp"), median(case + "-lefthook"), median(case + "-prek")
    fmt = lambda v: f"{v:10.1f}" if v is not None else f"{'-':>10}"
    print(f"{title:<34}{fmt(s)}{fmt(l):>12}{fmt(p)}   < {target}")
    ratios = [f"lefthook/sfp {l / s:.2f}×" if l else None, f"prek/sfp {p / s:.2f}×" if p else None]
    print(f"{'':<34}{'  '.join(r for r in ratios if r)}")
s, floor, git = median("stop-sfp"), median("stop-floor"), median("stop-git")
print(f"{'Stop hook, nothing changed (ms)':<34}{s:10.1f}{'':>12}{'':>10}   < 5")
print(f"{'':<34}floor: a hook with no handler {floor:.1f} ms, git status alone {git:.1f} ms")
print(f"peak RSS: sfp 8 × true {rss_true} MiB; sfp with a gate printing 100 MB {rss_flood} MiB")
PY
