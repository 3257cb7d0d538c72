#!/usr/bin/env bash
# tests/e2e/handoff.sh - handoffs with the real Claude Code CLI, offline.
#
#   CLAUDE_BIN=… tests/e2e/handoff.sh [PLUGIN_DIR]    (default: this checkout; bin/sfp must exist)
#
# 1. A session writes src/app.py, edits it and answers "… Next: write tests for add().", then
#    `/compact`, then one more prompt: PreCompact must write a handoff naming src/app.py and the
#    next step, SessionStart(compact) must give it back, and the first model request after the
#    compaction must carry it.
# 2. The same session, then `/clear`: SessionEnd(clear) must complete (not be cancelled) and
#    SessionStart(clear) must give the handoff to the new session.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
PLUGIN=${1:-$here}
RUN_SH=${RUN_SH:-$here/../shared/tools/claude-e2e/run.sh}
[ -x "$PLUGIN/bin/sfp" ] || { echo "no $PLUGIN/bin/sfp: build it (cargo build --release; cp target/release/sfp bin/)" >&2; exit 2; }
scenario=$here/tests/fixtures/e2e/handoff-scenario.json
prompt="Please add an add() function in src/app.py"

run() {  # run THEN... ; prints the run dir
  "$RUN_SH" "$PLUGIN" --scenario "$scenario" --prompt "$prompt" "$@" 2>&1 | sed -n 's/.*run dir: //p' | head -1
}

compact_dir=$(run --then "/compact" --then "What is next?")
clear_dir=$(run --then "/clear")

python3 - "$compact_dir" "$clear_dir" <<'PY'
import glob, json, os, sys
compact_dir, clear_dir = sys.argv[1:3]
failures = []
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)

def handoff_context(hooks, name):
    for h in hooks:
        if h["name"] == name and "Handoff from " in (h["stdout"] or ""):
            return json.loads(h["stdout"])["hookSpecificOutput"]["additionalContext"]
    return None

# 1. /compact
s = json.load(open(os.path.join(compact_dir, "summary.json")))
run1 = s["runs"][1]
check({"name": "PreCompact:manual", "status": "completed with status 0"} in run1["debug_hooks"],
      "PreCompact ran and exited 0")
files = sorted(glob.glob(os.path.join(compact_dir, "home/.claude/sfp/handoffs/*/handoff-*.json")))
written = [json.load(open(f)) for f in files]
pre = [h for h in written if h["trigger"] == "PreCompact (manual)"]
check(len(pre) == 1, "PreCompact wrote one handoff (%d handoffs in all)" % len(written))
if pre:
    h = pre[0]
    check(any(f["path"] == "src/app.py" for f in h["files"]), "it lists src/app.py")
    check(h["next_steps"] == ["write tests for add()"], "its next step is 'write tests for add()'")
    check("Added src/app.py" in (h["last_message"] or ""), "it holds Claude's last message")
    check(os.path.exists(files[written.index(h)][:-5] + ".md"), "its Markdown is beside it")
ctx = handoff_context(run1["hooks"], "SessionStart:compact")
check(ctx is not None and "PreCompact (manual)" in ctx, "SessionStart(compact) gave back the PreCompact handoff")
check(ctx is not None and "\nHandoff from earlier in this session (" in "\n" + ctx,
      "after a compaction it is the handoff from earlier in this session")
check(ctx is not None and len(ctx) < 10000, "within Claude Code's 10,000-character cap")
reached = [x for x in s["injected"] if "Handoff from earlier in this session" in x["text"]
           and "PreCompact (manual)" in x["text"]]
check(bool(reached), "the handoff reached the model after the compaction (request %s)"
      % (reached[0]["request"] if reached else "-"))

# 2. /clear
s = json.load(open(os.path.join(clear_dir, "summary.json")))
run1 = s["runs"][1]
check({"name": "SessionEnd:clear", "status": "completed with status 0"} in run1["debug_hooks"],
      "SessionEnd(clear) completed, not cancelled: %s" % [d for d in run1["debug_hooks"] if d["name"].startswith("SessionEnd")])
cleared = handoff_context(run1["hooks"], "SessionStart:clear")
check(cleared is not None, "SessionStart(clear) gave the handoff to the new session")
check(cleared is not None and "\nHandoff from the previous session (" in "\n" + cleared,
      "after /clear it is the handoff from the previous session")
print("run dirs: %s %s" % (compact_dir, clear_dir))
sys.exit(1 if failures else 0)
PY
