#!/usr/bin/env bash
# Benchmarks what ending a gate's process tree costs: `sfp gates run` on one gate, timed over RUNS
# runs (median, p90 in ms), for
#   1. a gate that leaves nothing behind (`true`): the cost of looking for its tree;
#   2. a gate that detaches a `sleep` (`setsid -f`), which SIGTERM ends;
#   3. a gate that detaches a `sleep` ignoring SIGTERM, which SIGKILL ends after the grace period
#      (500 ms).
# Case 1 runs beside a baseline binary (SFP_BASELINE, e.g. a build of main) when given; a baseline
# leaves the detached processes of cases 2 and 3 running, so it runs case 1 only. Each run is
# followed by a count of the processes left with the run's marker (it must be 0).
#
#   bench/processes.sh [RUNS]      (default 20; needs python3 and setsid)
#
# Uses target/release/sfp (cargo build --release), or $SFP_BIN. Prints Markdown.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_setup proc "$@"

python3 - "$work" "$RUNS" "$SFP" "$BASE" <<'PY'
import os, statistics, subprocess, sys, time

work, runs, sfp, base = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def left_with(marker):
    n = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state not in "ZX":
            n += 1
            print(f"left: {pid} {state} {cmdline!r}", file=sys.stderr)
    return n

def project(name, command):
    d = os.path.join(work, name)
    os.makedirs(os.path.join(d, ".claude/sfp"))
    with open(os.path.join(d, ".claude/sfp/gates.yaml"), "w") as f:
        f.write("tiers:\n  fast:\n    gates:\n"
                f"      - {{name: g, command: \"{command}\", cache: false, critical: false}}\n")
    with open(os.path.join(d, "a.txt"), "w") as f:
        f.write("a\n")
    return d

cases = []
n = 0
def case(label, binary, command):
    global n
    n += 1
    marker = f"3000.{os.getpid()}{n:02}"
    d = project(f"case{n}", command.replace("{m}", marker))
    cases.append((label, binary, d, marker))

case("nothing left (`true`)", sfp, "true")
if base:
    case("nothing left (`true`), baseline", base, "true")
case("`setsid -f sleep`, ended by SIGTERM", sfp, "setsid -f sleep {m} >/dev/null 2>&1")
case("`setsid -f` a sleep that ignores SIGTERM, ended by SIGKILL",
     sfp, "setsid -f sh -c 'trap \\\"\\\" TERM; exec sleep {m}' >/dev/null 2>&1")

samples = [[] for _ in cases]
leaks = [0 for _ in cases]
for i in range(runs + 2):
    for k, (label, binary, d, marker) in enumerate(cases):
        env = dict(os.environ, HOME=d, SFP_HOME=os.path.join(d, ".sfp-home"))
        t = time.perf_counter()
        subprocess.run([binary, "gates", "run", "--all-files"], cwd=d, env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        took = (time.perf_counter() - t) * 1000
        if i >= 2:
            samples[k].append(took)
        leaks[k] = max(leaks[k], left_with(marker))

print("| gate | median ms | p90 ms | most processes left after a run |")
print("|---|---:|---:|---:|")
for (label, _, _, _), s, left in zip(cases, samples, leaks):
    s.sort()
    print(f"| {label} | {statistics.median(s):.1f} | {s[int(0.9 * (len(s) - 1))]:.1f} | {left} |")
med = [statistics.median(s) for s in samples]
print()
print(f"Ending a detached tree: {med[-2] - med[0]:.1f} ms over a gate that leaves nothing "
      f"(SIGTERM); {med[-1] - med[0]:.1f} ms when SIGKILL must follow the 500 ms grace. "
      f"Medians over {runs} runs.")
PY
