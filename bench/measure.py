#!/usr/bin/env python3
"""Times one command: wall-clock statistics over many runs and its peak memory.

    measure.py --name NAME [--runs N] [--warmup N] [--stdin FILE] -- COMMAND [ARGS...]
    measure.py --spec SPEC.json [--runs N] [--warmup N]

Prints one JSON line per command: name, tool, runs, median_ms, p90_ms, min_ms, max_ms, mean_ms,
stdev_ms, iqr_ms, rss_kib (peak resident set size, the largest of 5 runs), rss_tool.

With --spec (a JSON list of {"name", "stdin", "cmd": [...]}) the commands are timed in
interleaved rounds — one run of each, then the next round — so a busy machine slows them all
alike and the ratios between them hold.

Wall time comes from hyperfine when it is installed and can feed stdin itself (`--input`, 1.16+;
`-N`, no shell), else from a loop here: posix_spawn, wait4, perf_counter_ns, which costs the same
fixed few hundred microseconds for every command (see `/bin/true` in the same report). Peak
memory comes from `/usr/bin/time -v` when present, else from wait4's rusage. Every command of one
report is measured the same way, so the ratios hold.
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def quantile(sorted_values, q):
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def stdin_of(path):
    return open(path or os.devnull, "rb")


def hyperfine_feeds_stdin():
    if not shutil.which("hyperfine"):
        return False
    help_text = subprocess.run(["hyperfine", "--help"], capture_output=True, text=True).stdout
    return "--input" in help_text


def with_hyperfine(cmd, stdin, runs, warmup):
    line = " ".join(shlex.quote(c) for c in cmd)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
             "--input", stdin or "/dev/null", "--export-json", out.name, line],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data = json.load(open(out.name))
    return [t * 1000.0 for t in data["results"][0]["times"]]


def spawn_once(cmd, stdin):
    """Runs cmd once with stdin from a file and output discarded; returns (wall ms, peak KiB,
    CPU ms user+sys)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    source = os.open(stdin or os.devnull, os.O_RDONLY)
    try:
        actions = [(os.POSIX_SPAWN_DUP2, source, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
                   (os.POSIX_SPAWN_DUP2, devnull, 2)]
        start = time.perf_counter_ns()
        pid = os.posix_spawn(cmd[0], cmd, os.environ, file_actions=actions)
        _, _, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter_ns() - start
    finally:
        os.close(devnull)
        os.close(source)
    return elapsed / 1e6, usage.ru_maxrss, (usage.ru_utime + usage.ru_stime) * 1000.0


def with_loop(cmd, stdin, runs, warmup):
    cmd = [shutil.which(cmd[0]) or cmd[0]] + cmd[1:]
    times = []
    for i in range(warmup + runs):
        ms, _, _ = spawn_once(cmd, stdin)
        if i >= warmup:
            times.append(ms)
    return times


def peak_rss(cmd, stdin):
    """Largest peak RSS in KiB over 5 runs, and how it was measured."""
    peaks = []
    gnu_time = "/usr/bin/time"
    use_time = os.access(gnu_time, os.X_OK)
    for _ in range(5):
        with stdin_of(stdin) as f:
            if use_time:
                done = subprocess.run([gnu_time, "-v"] + cmd, stdin=f, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True, errors="replace")
                for line in done.stderr.splitlines():
                    if "Maximum resident set size" in line:
                        peaks.append(int(line.rsplit(":", 1)[1]))
            else:
                peaks.append(spawn_once([shutil.which(cmd[0]) or cmd[0]] + cmd[1:], stdin)[1])
    return (max(peaks) if peaks else None), ("/usr/bin/time -v" if use_time else "wait4")


def stats(name, tool, times, cmd, stdin, cpu=None):
    times = sorted(times)
    rss, rss_tool = peak_rss(cmd, stdin)
    return {
        "name": name, "tool": tool, "runs": len(times),
        "median_ms": statistics.median(times), "p90_ms": quantile(times, 0.9),
        "min_ms": times[0], "max_ms": times[-1], "mean_ms": statistics.fmean(times),
        "stdev_ms": statistics.stdev(times) if len(times) > 1 else 0.0,
        "iqr_ms": quantile(times, 0.75) - quantile(times, 0.25),
        "rss_kib": rss, "rss_tool": rss_tool,
        "cpu_median_ms": statistics.median(cpu) if cpu else None,
    }


def interleaved(specs, runs, warmup):
    """Times every spec once per round; returns {name: ([wall ms, ...], [CPU ms, ...])}."""
    resolved = [[shutil.which(s["cmd"][0]) or s["cmd"][0]] + s["cmd"][1:] for s in specs]
    times = {s["name"]: ([], []) for s in specs}
    for i in range(warmup + runs):
        for spec, cmd in zip(specs, resolved):
            ms, _, cpu = spawn_once(cmd, spec.get("stdin"))
            if i >= warmup:
                times[spec["name"]][0].append(ms)
                times[spec["name"]][1].append(cpu)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name")
    ap.add_argument("--spec")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--stdin")
    ap.add_argument("--no-hyperfine", action="store_true")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    if args.spec:
        specs = json.load(open(args.spec))
        if hyperfine_feeds_stdin() and not args.no_hyperfine:
            for spec in specs:
                times = with_hyperfine(spec["cmd"], spec.get("stdin"), args.runs, args.warmup)
                print(json.dumps(stats(spec["name"], "hyperfine", times, spec["cmd"], spec.get("stdin"))))
            return
        all_times = interleaved(specs, args.runs, args.warmup)
        for spec in specs:
            wall, cpu = all_times[spec["name"]]
            print(json.dumps(stats(spec["name"], "loop (interleaved)", wall, spec["cmd"],
                                   spec.get("stdin"), cpu)))
        return
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    if not cmd or not args.name:
        ap.error("--name and a command, or --spec")
    tool = "hyperfine" if hyperfine_feeds_stdin() and not args.no_hyperfine else "loop"
    try:
        times = (with_hyperfine if tool == "hyperfine" else with_loop)(cmd, args.stdin, args.runs, args.warmup)
    except subprocess.CalledProcessError:
        tool, times = "loop", with_loop(cmd, args.stdin, args.runs, args.warmup)
    print(json.dumps(stats(args.name, tool, times, cmd, args.stdin)))


if __name__ == "__main__":
    sys.exit(main())
