#!/usr/bin/env bash
# bench/tags.sh - wall time, CPU time and peak memory of the TAG context hooks on a realistic
# ~/.claude, with floors measured in the same run.
#
# Usage: bench/tags.sh [SFP_BIN]        (default: target/release/sfp; build it with
#                                         `cargo build --release` first)
#   env: RUNS (default 300), MAKE_HOME (default ../shared/bench/make-claude-home.sh beside the checkout)
#
# Builds a home with make-claude-home.sh (5 context files, ~19 KB, ~170 tags), starts a session
# (SessionStart), takes the first prompt (which also looks at the project evidence), then runs
# each case RUNS times (after 20 warm-up runs) and prints median and p90 wall ms, median CPU ms
# (user + sys) and peak RSS of the process:
#   - `/bin/true` and `sfp hook notification` (process start + hook plumbing, no handler): floors;
#   - `sfp hook user-prompt-submit`, sources unchanged (the common case: stat and compare);
#   - the same right after a context file changed (read, hash, extract, delta);
#   - `sfp hook session-start` as a whole (health checks + the whole tag block).
# Each run is a fork/exec with stdin from a file, timed around the child, CPU time from wait4
# (python3 stdlib), so no shell start-up is counted. Peak RSS comes from 30 more runs under
# /usr/bin/time (a small parent: a child forked from python would report python's RSS). On a
# loaded machine compare against the floors of the same run rather than across runs.
set -euo pipefail

here=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
bin=$(realpath "${1:-$here/target/release/sfp}")
make_home=${MAKE_HOME:-$here/../shared/bench/make-claude-home.sh}
[ -x "$bin" ] || { echo "no binary at $bin: run cargo build --release" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$make_home" 5 "$work/home" "$work/proj" >/dev/null

RUNS=${RUNS:-300} python3 - "$bin" "$work" <<'PYEOF'
import json, os, subprocess, sys, time

binary, work = sys.argv[1], sys.argv[2]
runs = int(os.environ["RUNS"])
ctx = os.path.join(work, "home/.claude/.context")
env = {"PATH": os.environ["PATH"], "HOME": os.path.join(work, "home")}

def write_input(name, event, extra):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        json.dump({"session_id": "bench", "cwd": os.path.join(work, "proj"),
                   "hook_event_name": event, **extra}, f)
    return path

start = write_input("start.json", "SessionStart", {"source": "startup"})
prompt = write_input("prompt.json", "UserPromptSubmit", {"prompt": "hi"})
note = write_input("note.json", "Notification", {"message": "m"})

def once(argv, stdin_path):
    """Wall seconds, CPU seconds and ru_maxrss of one child, and its stdout."""
    with open(stdin_path, "rb") as stdin:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        out = p.stdout.read()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    assert p.returncode == 0, (argv, p.returncode)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, out

rule_no = [0]
def change_rules():
    rule_no[0] += 1
    with open(os.path.join(ctx, "rules.md"), "a") as f:
        f.write(f"- a rule added in run {rule_no[0]}\n")

def bench(label, argv, stdin_path, prepare=None, expect_silent=False):
    walls, cpus, rss = [], [], []
    for i in range(20 + runs):
        if prepare:
            prepare()
        wall, cpu, _, out = once(argv, stdin_path)
        if expect_silent:
            assert out.strip() == b"", out[:300]
        if i >= 20:
            walls.append(wall); cpus.append(cpu)
    rss_file = os.path.join(work, "rss")
    for _ in range(30):
        if prepare:
            prepare()
        once(["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv, stdin_path)
        with open(rss_file) as f:
            rss.append(int(f.read().split()[-1]))
    walls.sort(); cpus.sort(); rss.sort()
    med = lambda xs: xs[len(xs) // 2]
    p90 = lambda xs: xs[min(len(xs) - 1, int(len(xs) * 0.9))]
    print(f"{label:<46} median {med(walls)*1000:6.2f} ms  p90 {p90(walls)*1000:6.2f} ms  "
          f"cpu {med(cpus)*1000:5.2f} ms  peak RSS {med(rss)/1024:5.2f} MiB (max {rss[-1]/1024:.2f})")

# A session: SessionStart, then the first prompt (evidence), then the steady state.
_, _, _, out = once([binary, "hook", "session-start"], start)
chars = len(json.loads(out)["hookSpecificOutput"]["additionalContext"])
once([binary, "hook", "user-prompt-submit"], prompt)
files = sorted(os.listdir(ctx))
size = sum(os.path.getsize(os.path.join(ctx, f)) for f in files)
print(f"home: {len(files)} context files, {size} bytes; SessionStart context {chars} chars; {runs} runs each")

bench("/bin/true (floor)", ["/bin/true"], prompt)
bench("sfp hook notification (no handler: floor)", [binary, "hook", "notification"], note, expect_silent=True)
bench("user-prompt-submit, sources unchanged", [binary, "hook", "user-prompt-submit"], prompt, expect_silent=True)
bench("user-prompt-submit, a context file changed", [binary, "hook", "user-prompt-submit"], prompt, prepare=change_rules)
bench("session-start (health + whole tag block)", [binary, "hook", "session-start"], start)
print("peer (the original plugin): prompt hook 69 ms / 14 MiB; SessionStart health check 84 ms / 16 MiB")
PYEOF
