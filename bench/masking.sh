#!/usr/bin/env bash
# bench/masking.sh - what masking at the boundaries costs a hook that has no secret to mask.
#
# Usage: bench/masking.sh [SFP_BIN [BASE_BIN]]
#   SFP_BIN   the binary measured (default: target/release/sfp; `cargo build --release` first)
#   BASE_BIN  optional: a build to compare with (e.g. one made before a change to masking); its
#             runs alternate with SFP_BIN's, so that both see the same load
#   env: RUNS (default 100), MAKE_HOME (default ../shared/bench/make-claude-home.sh beside the
#        checkout), BASE_BIN (as the second argument)
#
# Builds a 10 MB home with make-claude-home.sh (its transcripts and context files hold no secret),
# then runs each hook whose answer or files go through masking, RUNS times after 10 warm-up runs:
#   - SessionStart (startup): health, the whole TAG block, the handoff summary;
#   - UserPromptSubmit with a changed context file: the TAG delta in additionalContext;
#   - PostToolUse (Write of a Markdown file): the ledger line;
#   - Stop in a new session each run, one changed file: the gates (from the cache after the
#     first run), the Stop state, the KPI event;
#   - SessionEnd in a new session each run: a handoff of the largest transcript, JSON and
#     Markdown.
# Prints median wall ms and median CPU ms (user + sys, from wait4) per hook and binary, and the
# differences. Each run is a fork/exec with stdin from a file, timed around the child.
set -euo pipefail

here=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
bin=$(realpath "${1:-${SFP_BIN:-$here/target/release/sfp}}")
base=${2:-${BASE_BIN:-}}
[ -n "$base" ] && base=$(realpath "$base")
make_home=${MAKE_HOME:-$here/../shared/bench/make-claude-home.sh}
[ -x "$bin" ] || { echo "no binary at $bin: run cargo build --release" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$make_home" 10 "$work/home" "$work/proj" >/dev/null

RUNS=${RUNS:-100} python3 - "$work" "$bin" "$base" <<'PYEOF'
import glob, json, os, statistics, subprocess, sys, time

work, binary, base = sys.argv[1], sys.argv[2], sys.argv[3]
runs = int(os.environ["RUNS"])
home = os.path.join(work, "home")
proj = os.path.join(work, "proj")
ctx_file = os.path.join(home, ".claude/.context/rules.md")
env = {"PATH": os.environ["PATH"], "HOME": home, "LANG": "C.UTF-8"}
transcripts = sorted(glob.glob(os.path.join(home, ".claude/projects/*/*.jsonl")), key=os.path.getsize)
transcript = transcripts[-1]
doc = os.path.join(proj, "NOTES.md")

def write_input(name, data):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        json.dump({"cwd": proj, "transcript_path": transcript, **data}, f)
    return path

counter = [0]
def fresh_session(name, event, extra):
    def prepare():
        counter[0] += 1
        return write_input(name, {"session_id": "bench-%d" % counter[0], "hook_event_name": event, **extra})
    return prepare

def fixed(name, event, extra, before=None):
    path = write_input(name, {"session_id": "bench", "hook_event_name": event, **extra})
    def prepare():
        if before:
            before()
        return path
    return prepare

rule = [0]
def change_rules():
    rule[0] += 1
    with open(ctx_file, "a") as f:
        f.write("- a rule added in run %d\n" % rule[0])

with open(doc, "w") as f:
    f.write("# Notes\n\nnothing secret here\n")

cases = [
    ("session-start", fixed("start.json", "SessionStart", {"source": "startup"})),
    ("user-prompt-submit", fixed("prompt.json", "UserPromptSubmit", {"prompt": "go on"}, change_rules)),
    ("post-tool-use", fixed("post.json", "PostToolUse", {
        "tool_name": "Write", "tool_input": {"file_path": doc, "content": "x"},
        "tool_response": {"type": "create", "filePath": doc, "originalFile": None}})),
    ("stop", fresh_session("stop.json", "Stop", {"stop_hook_active": False,
        "last_assistant_message": "Done.", "background_tasks": [], "session_crons": []})),
    ("session-end", fresh_session("end.json", "SessionEnd", {"reason": "other"})),
]

def once(exe, event, stdin_path):
    with open(stdin_path, "rb") as stdin:
        t0 = time.perf_counter()
        p = subprocess.Popen([exe, "hook", event], stdin=stdin, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    assert os.waitstatus_to_exitcode(status) == 0, (exe, event)
    return wall * 1000, (ru.ru_utime + ru.ru_stime) * 1000

bins = [("sfp", binary)] + ([("base", base)] if base else [])
print("Hooks with nothing to mask, %d runs each (median ms)%s.\n" % (runs, ", runs of the two builds alternating" if base else ""))
head = "| hook | " + " | ".join("%s wall | %s CPU" % (n, n) for n, _ in bins)
if base:
    head += " | wall Δ | CPU Δ"
print(head + " |")
print("|---" * (1 + 2 * len(bins) + (2 if base else 0)) + "|")
for event, prepare in cases:
    walls = {n: [] for n, _ in bins}
    cpus = {n: [] for n, _ in bins}
    for i in range(10 + runs):
        for name, exe in (bins if i % 2 == 0 else bins[::-1]):
            wall, cpu = once(exe, event, prepare())
            if i >= 10:
                walls[name].append(wall)
                cpus[name].append(cpu)
    med = {n: (statistics.median(walls[n]), statistics.median(cpus[n])) for n, _ in bins}
    row = "| %s | " % event + " | ".join("%.2f | %.2f" % med[n] for n, _ in bins)
    if base:
        row += " | %+.2f | %+.2f" % (med["sfp"][0] - med["base"][0], med["sfp"][1] - med["base"][1])
    print(row + " |")
PYEOF
