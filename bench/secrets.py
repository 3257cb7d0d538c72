#!/usr/bin/env python3
"""sfp's secret scanner against detect-secrets, side by side in one run.

    python3 bench/secrets.py [--sfp PATH] [--tree DIR]… [--write-baseline]

For each part of the labelled corpus (tests/secrets-corpus/own and tests/secrets-corpus/public),
runs `sfp secrets scan --json` and
`detect-secrets scan --all-files` on it and prints, per kind, recall (positive files flagged),
false alarms, precision and time (each kind's files also scanned on their own, to time it); then
both on this repository's committed files (exported to a scratch directory) and on each --tree (a
directory without build output, such as an exported public project), with the speed ratio.
detect-secrets is installed from PyPI into a venv (bench/.venv, or $SFP_BENCH_VENV) when missing. --write-baseline stores detect-secrets' per-kind recall in
tests/secrets-corpus/detect-secrets-recall.tsv, which tests/secrets_corpus.rs reads.
"""
import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTS = [
    ("own", os.path.join(ROOT, "tests/secrets-corpus/own")),
    ("public", os.path.join(ROOT, "tests/secrets-corpus/public")),
]
BASELINE = os.path.join(ROOT, "tests/secrets-corpus/detect-secrets-recall.tsv")


def venv_detect_secrets():
    venv = os.environ.get("SFP_BENCH_VENV", os.path.join(ROOT, "bench/.venv"))
    exe = os.path.join(venv, "bin/detect-secrets")
    if not os.path.exists(exe):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([os.path.join(venv, "bin/pip"), "install", "-q", "detect-secrets"], check=True)
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    return exe, version


def export_head():
    """This repository's committed files, without build output, in a scratch directory."""
    out = tempfile.mkdtemp(prefix="sfp-bench-tree-")
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", out], input=archive, check=True)
    return without_ignore_files(out)


def without_ignore_files(tree):
    """`tree` copied to a scratch directory without its top-level ignore files, so that both
    scanners read the same files."""
    out = tempfile.mkdtemp(prefix="sfp-bench-tree-")
    shutil.copytree(tree, out, dirs_exist_ok=True, symlinks=True)
    for name in (".gitignore", ".secretsignore"):
        path = os.path.join(out, name)
        if os.path.exists(path):
            os.remove(path)
    return out


def labels(part_dir):
    rows = {}
    with open(os.path.join(part_dir, "SOURCES.tsv")) as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            rows[cols[0]] = (cols[1], cols[2])
    return rows


def run_sfp(sfp, target):
    start = time.perf_counter()
    out = subprocess.run([sfp, "secrets", "scan", "--json", "."], cwd=target,
                         capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if out.returncode not in (0, 1):
        sys.exit(f"sfp failed: {out.stderr}")
    report = json.loads(out.stdout)
    return {r["path"] for r in report["findings"]}, elapsed, report["files_scanned"]


def run_detect_secrets(exe, target):
    start = time.perf_counter()
    out = subprocess.run([exe, "scan", "--all-files", "."], cwd=target, capture_output=True,
                         text=True)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"detect-secrets failed: {out.stderr}")
    results = json.loads(out.stdout)["results"]
    return {p for p, found in results.items() if found}, elapsed


def kind_times(sfp, exe, part_dir, rows):
    """Seconds each scanner takes on the files of each kind alone."""
    by_kind = collections.defaultdict(list)
    for path, (_, kind) in rows.items():
        by_kind[kind].append(path)
    out = {}
    for kind, paths in by_kind.items():
        with tempfile.TemporaryDirectory(prefix="sfp-bench-kind-") as tmp:
            for i, p in enumerate(paths):
                shutil.copyfile(os.path.join(part_dir, p), os.path.join(tmp, f"{i:04d}-{os.path.basename(p)}"))
            _, st, _ = run_sfp(sfp, tmp)
            _, dt = run_detect_secrets(exe, tmp)
        out[kind] = (st, dt)
    return out


def score(rows, flagged):
    per = collections.defaultdict(lambda: [0, 0, 0])  # positives, caught, false alarms
    tp = fp = pos = 0
    for path, (label, kind) in rows.items():
        hit = path in flagged
        if label == "secret":
            per[kind][0] += 1
            pos += 1
            if hit:
                per[kind][1] += 1
                tp += 1
        elif hit:
            per[kind][2] += 1
            fp += 1
    recall = tp / pos if pos else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    return per, recall, precision, tp, fp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sfp", default=os.path.join(ROOT, "target/release/sfp"))
    ap.add_argument("--tree", action="append")
    ap.add_argument("--write-baseline", action="store_true")
    args = ap.parse_args()
    args.sfp = os.path.abspath(args.sfp)
    if not os.path.exists(args.sfp):
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe, version = venv_detect_secrets()
    print(f"sfp: {args.sfp}\ndetect-secrets: {version}\n")
    baseline = []
    for part, path in PARTS:
        if not os.path.exists(os.path.join(path, "SOURCES.tsv")):
            continue
        rows = labels(path)
        sfp_hits, sfp_t, _ = run_sfp(args.sfp, path)
        ds_hits, ds_t = run_detect_secrets(exe, path)
        s_per, s_r, s_p, s_tp, s_fp = score(rows, sfp_hits)
        d_per, d_r, d_p, d_tp, d_fp = score(rows, ds_hits)
        print(f"== corpus part `{part}`: {len(rows)} files")
        times = kind_times(args.sfp, exe, path, rows)
        print(f"{'kind':<16}{'files':>6}{'sfp recall':>12}{'ds recall':>11}{'sfp FP':>8}{'ds FP':>7}"
              f"{'sfp s':>8}{'ds s':>8}")
        for kind in sorted(set(s_per) | set(d_per)):
            n, sc, sf = s_per[kind]
            _, dc, df = d_per[kind]
            sr = f"{sc / n:.0%}" if n else "-"
            dr = f"{dc / n:.0%}" if n else "-"
            st, dt = times[kind]
            print(f"{kind:<16}{n:>6}{sr:>12}{dr:>11}{sf:>8}{df:>7}{st:>8.3f}{dt:>8.3f}")
            if n:
                baseline.append((part, kind, n, dc))
        print(f"{'overall':<16}{'':>6}{s_r:>12.1%}{d_r:>11.1%}{s_fp:>8}{d_fp:>7}")
        print(f"precision: sfp {s_p:.1%}, detect-secrets {d_p:.1%}")
        print(f"time: sfp {sfp_t:.3f} s, detect-secrets {ds_t:.3f} s ({ds_t / sfp_t:.0f}x)\n")
    trees = [export_head()] + [without_ignore_files(t) for t in args.tree or []]
    for tree in trees:
        sfp_hits, sfp_t, scanned = run_sfp(args.sfp, tree)
        ds_hits, ds_t = run_detect_secrets(exe, tree)
        print(f"== tree {tree}: {scanned} files")
        print(f"files flagged: sfp {len(sfp_hits)}, detect-secrets {len(ds_hits)}")
        print(f"time: sfp {sfp_t:.3f} s, detect-secrets {ds_t:.3f} s, ratio {ds_t / sfp_t:.0f}x\n")
    if args.write_baseline:
        with open(BASELINE, "w") as f:
            f.write(f"# detect-secrets {version}: per-kind recall (positive files flagged) on the\n")
            f.write("# secrets corpus, measured by: python3 bench/secrets.py --write-baseline\n")
            f.write("# part\tkind\tpositives\tflagged\n")
            for part, kind, n, dc in baseline:
                f.write(f"{part}\t{kind}\t{n}\t{dc}\n")
        print(f"wrote {BASELINE}")


if __name__ == "__main__":
    main()
