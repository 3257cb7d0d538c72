#!/usr/bin/env bash
# bench/run.sh - the one benchmark command: builds release, builds realistic homes, measures every
# hook beside its peers in the same run, runs each capability's bench/<name>.sh, and writes
# docs/PERFORMANCE.md.
#
#   bench/run.sh
#   env: BENCH_SIZES   sizes of ~/.claude in MB, one home each (default "10 50 200")
#        BENCH_RUNS    timed runs per command (default 50; 5 warm-up runs before)
#        BENCH_WORK    work directory (default a new /tmp/sfp-bench.XXXXXX, removed unless BENCH_KEEP=1)
#        BENCH_OUT     the report (default docs/PERFORMANCE.md)
#        BENCH_CAP_TIMEOUT  seconds each bench/<name>.sh may take (default 1800)
#
# Homes come from ../shared/bench/make-claude-home.sh (BENCH_MAKE_HOME to point elsewhere). Wall
# time is measured with hyperfine when installed (apt-get install -y hyperfine), else with a loop;
# peak memory with /usr/bin/time -v (see bench/measure.py).
#
# Capability benchmarks: every other bench/*.sh (but lib.sh, which they source) is run with
# these variables exported and its
# stdout (Markdown) is put into the report under its own heading:
#   SFP_BIN       the release binary          BENCH_PLUGIN  a plugin dir with bin/sfp = SFP_BIN
#   BENCH_WORK    the work directory          BENCH_SIZES   the sizes built
#   BENCH_HOME_<size>, BENCH_PROJ_<size>      each size's HOME (with .claude/) and git project
#   BENCH_HOME, BENCH_PROJ                    the largest size's
#   BENCH_RUNS    as above                    BENCH_MEASURE bench/measure.py
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SIZES=${BENCH_SIZES:-"10 50 200"}
RUNS=${BENCH_RUNS:-50}
OUT=${BENCH_OUT:-$root/docs/PERFORMANCE.md}
MAKE_HOME=${BENCH_MAKE_HOME:-$root/../shared/bench/make-claude-home.sh}
WORK=${BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/sfp-bench.XXXXXX")}
mkdir -p "$WORK"
if [ -z "${BENCH_WORK:-}" ] && [ "${BENCH_KEEP:-0}" != 1 ]; then trap 'rm -rf "$WORK"' EXIT; fi
say() { printf 'bench: %s\n' "$*" >&2; }

if ! command -v hyperfine >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "installing hyperfine"
  apt-get install -y -qq hyperfine >/dev/null 2>&1 || say "hyperfine not installed; timing with a loop"
fi

# The peers the gates benchmark runs beside sfp, from PyPI; pigz for the backup comparison.
for peer in lefthook prek; do
  if ! command -v "$peer" >/dev/null 2>&1; then
    say "installing $peer from PyPI"
    python3 -m pip install --quiet "$peer" >/dev/null 2>&1 || say "$peer not installed; its rows are left out"
  fi
done
if ! command -v pigz >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -qq pigz >/dev/null 2>&1 || say "pigz not installed; its rows are left out"
fi

say "building release"
cargo build --release --locked --quiet
SFP=$root/target/release/sfp
PLUGIN=$WORK/plugin
rm -rf "$PLUGIN" && mkdir -p "$PLUGIN/bin"
cp -r .claude-plugin hooks config "$PLUGIN/"
cp "$SFP" "$PLUGIN/bin/sfp"
# The interpreter itself, as in shared/baselines.md: the system one, else whatever python3 resolves
# to behind any pyenv shim.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(python3 -c 'import sys; print(sys.executable)')

for s in $SIZES; do
  if [ ! -d "$WORK/home-$s/.claude" ]; then
    say "building a ${s} MB home"
    "$MAKE_HOME" "$s" "$WORK/home-$s" "$WORK/proj-$s" >/dev/null
  fi
done

# Real hook inputs with the session's paths pointed at each home and project.
python3 - "$root/tests/fixtures/hook-input" "$WORK" $SIZES <<'PYEOF'
import glob, json, os, sys
fixtures, work, sizes = sys.argv[1], sys.argv[2], sys.argv[3:]
pick = {"session-start": "SessionStart-startup", "user-prompt-submit": "UserPromptSubmit",
        "post-tool-use": "PostToolUse-Write", "stop": "Stop", "pre-compact": "PreCompact-manual",
        "session-end": "SessionEnd-other"}
for size in sizes:
    home, proj = os.path.join(work, "home-" + size, ".claude"), os.path.join(work, "proj-" + size)
    transcripts = sorted(glob.glob(os.path.join(home, "projects", "*", "*.jsonl")), key=os.path.getsize)
    transcript = transcripts[-1] if transcripts else os.path.join(home, "none.jsonl")
    os.makedirs(os.path.join(work, "input"), exist_ok=True)
    for event, name in pick.items():
        text = open(os.path.join(fixtures, name + ".json")).read()
        data = json.loads(text)
        data["cwd"] = proj
        data["transcript_path"] = transcript
        data["session_id"] = "bench-" + size
        if "tool_input" in data:
            data["tool_input"]["file_path"] = os.path.join(proj, "src", "app.py")
        with open(os.path.join(work, "input", "%s-%s.json" % (event, size)), "w") as f:
            json.dump(data, f)
PYEOF

RESULTS=$WORK/results.jsonl
: >"$RESULTS"
EVENTS="session-start user-prompt-submit post-tool-use stop pre-compact session-end"
for s in $SIZES; do
  say "measuring hooks on the ${s} MB home"
  python3 - "$WORK" "$s" "$SFP" "$PY" $EVENTS >"$WORK/spec-$s.json" <<'PYEOF'
import json, sys
work, size, sfp, py, events = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
start = "%s/input/session-start-%s.json" % (work, size)
specs = [{"name": "/bin/true", "stdin": start, "cmd": ["/bin/true"]},
         {"name": "python3 -c pass", "stdin": start, "cmd": [py, "-c", "pass"]}]
specs += [{"name": "sfp hook " + e, "stdin": "%s/input/%s-%s.json" % (work, e, size),
           "cmd": [sfp, "hook", e]} for e in events]
print(json.dumps(specs))
PYEOF
  env -i PATH="$PATH" HOME="$WORK/home-$s" CLAUDE_CONFIG_DIR="$WORK/home-$s/.claude" \
      CLAUDE_PLUGIN_ROOT="$PLUGIN" CLAUDE_PROJECT_DIR="$WORK/proj-$s" \
      CLAUDE_CODE_SESSION_ID="bench-$s" LANG=C.UTF-8 \
      python3 "$root/bench/measure.py" --spec "$WORK/spec-$s.json" --runs "$RUNS" \
    | python3 -c 'import json,sys
for line in sys.stdin:
    d = json.loads(line); d["size_mb"] = int(sys.argv[1]); print(json.dumps(d))' "$s" >>"$RESULTS"
done

# Capability benchmarks.
largest=$(printf '%s\n' $SIZES | sort -n | tail -1)
export SFP_BIN=$SFP BENCH_PLUGIN=$PLUGIN BENCH_WORK=$WORK BENCH_SIZES=$SIZES BENCH_RUNS=$RUNS
export BENCH_MEASURE=$root/bench/measure.py
export BENCH_HOME=$WORK/home-$largest BENCH_PROJ=$WORK/proj-$largest
for s in $SIZES; do export "BENCH_HOME_$s=$WORK/home-$s" "BENCH_PROJ_$s=$WORK/proj-$s"; done
mkdir -p "$WORK/capabilities"
for script in "$root"/bench/*.sh; do
  name=$(basename "$script" .sh)
  case $name in run | lib) continue ;; esac
  say "running bench/$name.sh"
  start=$(date +%s)
  set +e
  timeout "${BENCH_CAP_TIMEOUT:-1800}" bash "$script" >"$WORK/capabilities/$name.md" 2>"$WORK/capabilities/$name.err"
  rc=$?
  set -e
  echo "$rc $(( $(date +%s) - start ))" >"$WORK/capabilities/$name.status"
done

python3 "$root/bench/report.py" "$RESULTS" "$WORK/capabilities" "$root/hooks/hooks.json" "$SIZES" >"$OUT"
say "wrote $OUT"
