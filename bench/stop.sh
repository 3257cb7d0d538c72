#!/usr/bin/env bash
# Benchmarks the Stop hook's gate decisions, each case timed over RUNS runs (median, p90 in ms):
#   1. nothing changed since a run that passed (the common turn): no gate runs;
#   2. a change that was reverted: the content was checked before (a `sleep 0.5` gate stands for
#      a whole-project check such as clippy, tsc or mypy), so the result cache answers;
#   3. line attribution on a failing gate over 10 changed files of 300 lines (bases from the
#      ledger, and from HEAD through git), beside the same Stop with `attribution: off`.
# Cases 1 and 2 run beside a baseline binary (SFP_BASELINE, e.g. a build of main) when given.
#
#   bench/stop.sh [RUNS]      (default 20; needs python3 and git)
#
# Uses target/release/sfp (cargo build --release), or $SFP_BIN. Prints Markdown.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_setup stop "$@"

python3 - "$work" "$RUNS" "$SFP" "$BASE" <<'PY'
import json, os, re, statistics, subprocess, sys, time

work, runs, sfp, base = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
bins = [("this build", sfp)] + ([("baseline", base)] if base else [])

def git(d, *args):
    subprocess.run(["git", "-c", "user.email=b@b", "-c", "user.name=b", *args], cwd=d,
                   check=True, stdout=subprocess.DEVNULL)

def project(name, gates):
    d = os.path.join(work, name)
    os.makedirs(os.path.join(d, ".claude/sfp"))
    with open(os.path.join(d, ".claude/sfp/gates.yaml"), "w") as f:
        f.write(gates)
    git(d, "init", "-q")
    return d

def hook(binary, d, home, event, payload):
    env = dict(os.environ, SFP_HOME=home, HOME=os.path.join(work, "home"))
    out = subprocess.run([binary, "hook", event], cwd=d, input=json.dumps(payload).encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    return out.stdout.decode()

def stop(binary, d, home, session="s"):
    return hook(binary, d, home, "stop", {"session_id": session, "cwd": d,
                "hook_event_name": "Stop", "stop_hook_active": False, "background_tasks": []})

def timed_together(cases):
    """Times each (fn, prepare) case over `runs` rounds, interleaved (one run of each, then the
    next round), so that a busy machine slows them alike. Returns (median, p90) per case."""
    samples = [[] for _ in cases]
    for i in range(runs + 2):
        for k, (fn, prepare) in enumerate(cases):
            if prepare:
                prepare()
            t = time.perf_counter()
            fn()
            if i >= 2:
                samples[k].append((time.perf_counter() - t) * 1000)
    out = []
    for s in samples:
        s.sort()
        out.append((statistics.median(s), s[int(0.9 * (len(s) - 1))]))
    return out

def write(path, text):
    with open(path, "w") as f:
        f.write(text)

SLOW = "tiers:\n  fast:\n    gates:\n      - {name: whole, command: 'sleep 0.5', file_patterns: ['*.txt']}\n"
def sfp_home(name):
    # Outside the project, as in real use (inside it, git would report sfp's own state files).
    return os.path.join(work, "homes", name)

cases, labels = [], []
for label, binary in bins:
    name = label.replace(' ', '-')
    # 1. Nothing changed since a passing run.
    d = project(f"quiet-{name}", SLOW)
    git(d, "add", "-A"); git(d, "commit", "-qm", "init")
    write(os.path.join(d, "notes.txt"), "changed\n")
    home = sfp_home(f"quiet-{name}")
    stop(binary, d, home)
    assert stop(binary, d, home) == "", "not silent"
    cases.append((lambda b=binary, d=d, h=home: stop(b, d, h), None))
    labels.append(("Stop, nothing changed since a passing run", label))
    # 2. A change, then its revert: the reverted content was checked before.
    d = project(f"revert-{name}", SLOW)
    git(d, "add", "-A"); git(d, "commit", "-qm", "init")
    write(os.path.join(d, "notes.txt"), "changed\n")
    home = sfp_home(f"revert-{name}")
    stop(binary, d, home)
    def prepare(b=binary, d=d, h=home):
        write(os.path.join(d, "notes.txt"), "another change\n")
        stop(b, d, h)
        write(os.path.join(d, "notes.txt"), "changed\n")
    cases.append((lambda b=binary, d=d, h=home: stop(b, d, h), prepare))
    labels.append(("Stop on a reverted change (gate: sleep 0.5)", label))
rows = [(c, l, m, p) for (c, l), (m, p) in zip(labels, timed_together(cases))]

# 3. Attribution: 10 changed files, a failing gate naming old and new lines in each. The
# hook's own measure of the attribution step (a debug log line) is read beside the wall time.
att_cases, att_labels, att_homes = [], [], []
for mode, ledger in [("off", True), ("lines", True), ("lines", False)]:
    label = mode if ledger else "lines, base from HEAD"
    name = f"attr-{mode}-{'ledger' if ledger else 'head'}"
    gates = ("tiers:\n  fast:\n    gates:\n      - name: todo\n        command: '! grep -Hn TODO -- ${SFP_FILES}'\n"
             f"        file_patterns: ['*.txt']\n        critical: true\n        cache: false\n        attribution: {mode}\n")
    d = project(name, gates)
    old = {}
    for i in range(10):
        lines = [f"line {n} of file {i}" if n % 60 else f"TODO old {n}" for n in range(300)]
        old[i] = "\n".join(lines) + "\n"
        write(os.path.join(d, f"f{i}.txt"), old[i])
    git(d, "add", "-A"); git(d, "commit", "-qm", "debt")
    home = sfp_home(name)
    for i in range(10):
        path = os.path.join(d, f"f{i}.txt")
        lines = old[i].splitlines()
        lines.insert(150, "TODO new")
        lines[10] = "line 10, edited"
        write(path, "\n".join(lines) + "\n")
        if ledger:
            hook(sfp, d, home, "post-tool-use", {"session_id": "s", "cwd": d, "hook_event_name": "PostToolUse",
                 "tool_name": "Edit", "tool_input": {"file_path": path},
                 "tool_response": {"filePath": path, "originalFile": old[i]}})
    out = json.loads(stop(sfp, d, home))
    assert out.get("decision") == "block", out
    if mode == "lines":
        assert "TODO old" not in out["reason"] and "TODO new" in out["reason"], out["reason"]
    def reset(h=home):
        # A fresh Stop state each run, so that every run attributes and blocks.
        p = os.path.join(h, "sessions", "s", "gates.json")
        if os.path.exists(p):
            os.remove(p)
    att_cases.append((lambda d=d, h=home: stop(sfp, d, h), reset))
    att_labels.append(label)
    att_homes.append(home)
os.environ["SFP_LOG_LEVEL"] = "debug"
att = dict(zip(att_labels, timed_together(att_cases)))
inner = {}
for label, home in zip(att_labels, att_homes):
    try:
        log = open(os.path.join(home, "logs", "sfp.log")).read()
    except OSError:
        continue
    took = sorted(float(m) for m in re.findall(r"attribution over 10 file\(s\) took ([0-9.]+) ms", log))
    if took:
        inner[label] = (statistics.median(took), took[int(0.9 * (len(took) - 1))], len(took))

print("| case | binary | median ms | p90 ms |")
print("|---|---|---:|---:|")
for case, label, med, p90 in rows:
    print(f"| {case} | {label} | {med:.1f} | {p90:.1f} |")
for mode, (med, p90) in att.items():
    print(f"| Stop, failing gate on 10 changed files, attribution: {mode} | this build | {med:.1f} | {p90:.1f} |")
print()
for label, (med, p90, n) in inner.items():
    print(f"Line attribution itself (the hook's own timing of the step, {n} Stops), {label}: "
          f"median {med:.2f} ms, p90 {p90:.2f} ms for 10 changed files.")
print(f"Wall-time difference lines − off: {att['lines'][0] - att['off'][0]:.2f} ms (ledger), "
      f"{att['lines, base from HEAD'][0] - att['off'][0]:.2f} ms (HEAD), medians over {runs} runs "
      f"(on a busy machine this is within the noise).")
PY
