#!/usr/bin/env bash
# bench/backup.sh - sfp backup and restore beside GNU tar (and pigz when installed), on the
# deterministic 200 MiB ~/.claude of make-claude-home.sh. Prints medians, ratios, archive sizes
# and peak RSS.
#
# Usage: bench/backup.sh [SIZE_MB]        (default 200)
#   env: RUNS (default 5) for full backups and restores, CONFIG_RUNS (default 15),
#        WORK (default /tmp/sfp-bench-backup), SFP (default target/release/sfp, built if missing),
#        MAKE_HOME (default ../shared/bench/make-claude-home.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MB="${1:-200}"
RUNS="${RUNS:-5}"
CONFIG_RUNS="${CONFIG_RUNS:-15}"
WORK="${WORK:-/tmp/sfp-bench-backup}"
SFP="${SFP:-$ROOT/target/release/sfp}"
MAKE_HOME="${MAKE_HOME:-$ROOT/../shared/bench/make-claude-home.sh}"

[ -x "$SFP" ] || (cd "$ROOT" && cargo build --release --locked)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

rm -rf "$WORK"
mkdir -p "$WORK"
"$MAKE_HOME" "$SIZE_MB" "$WORK/home" "$WORK/proj" >/dev/null
CLAUDE="$WORK/home/.claude"
# sfp's home at its default place inside the Claude dir, so its sfp.yaml is in every list too.
export HOME="$WORK/home" SFP_HOME="$CLAUDE/sfp" NO_COLOR=1
unset CLAUDE_CONFIG_DIR CLAUDE_PROJECT_DIR CLAUDE_PLUGIN_ROOT SFP_LOG_LEVEL
mkdir -p "$SFP_HOME"
printf 'backup:\n  keep: 0\n' >"$SFP_HOME/sfp.yaml"

# measure NAME CMD… : one timed run; appends "NAME ms rss_kb" to $WORK/runs.
measure() {
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -f '%M %U %S' -o "$WORK/rss" "$@" >/dev/null 2>&1
  t1=$(date +%s%N)
  echo "$name $(( (t1 - t0) / 1000000 )) $(tail -1 "$WORK/rss")" >>"$WORK/runs"
}

median() { awk -v n="$1" '$1 == n {print $2}' "$WORK/runs" | sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "-"}'; }
peak() { awk -v n="$1" '$1 == n {if ($3 > m) m = $3} END {printf "%.1f", m / 1024}' "$WORK/runs"; }
# Median CPU seconds (user + system): less sensitive than wall time to other load on the machine.
cpu() { awk -v n="$1" '$1 == n && NF >= 5 {print $4 + $5}' "$WORK/runs" | sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.2f", a[int((NR+1)/2)]; else print "-"}'; }

: >"$WORK/runs"
# Warm the page cache once.
tar -cf - -C "$CLAUDE" . >/dev/null

for _ in $(seq "$CONFIG_RUNS"); do measure "sfp-config" "$SFP" backup create --profile config; done
for i in $(seq "$CONFIG_RUNS"); do
  # A changed file, so that the hook writes a backup rather than skipping an unchanged state.
  mkdir -p "$CLAUDE/commands"
  echo "bench $i" >"$CLAUDE/commands/bench.md"
  t0=$(date +%s%N)
  echo '{"hook_event_name":"SessionEnd","session_id":"bench","reason":"other"}' \
    | /usr/bin/time -f '%M %U %S' -o "$WORK/rss" "$SFP" hook session-end >/dev/null 2>&1
  t1=$(date +%s%N)
  echo "hook-session-end $(( (t1 - t0) / 1000000 )) $(tail -1 "$WORK/rss")" >>"$WORK/runs"
done
rm -f "$CLAUDE/commands/bench.md"
HOOK_WRITES=$(grep -c 'session-end (other), session bench' "$SFP_HOME/logs/sfp.log" || true)

# The same files for every tool: the list in a full backup's metadata.
"$SFP" backup create --profile full --reason list >/dev/null 2>&1
LIST_ID=$("$SFP" backup list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$SFP" backup show "$LIST_ID" --json | python3 -c 'import json,sys; [print(f["path"]) for f in json.load(sys.stdin)["files"]]' >"$WORK/files"
FULL_BYTES=$("$SFP" backup show "$LIST_ID" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["bytes"])')

for _ in $(seq "$RUNS"); do
  measure "sfp-full" "$SFP" backup create --profile full
  measure "tar-czf" tar -czf "$WORK/ref.tar.gz" -C "$CLAUDE" -T "$WORK/files"
  if command -v pigz >/dev/null; then
    measure "tar+pigz" sh -c "tar -cf - -C '$CLAUDE' -T '$WORK/files' | pigz -6 >'$WORK/ref.pigz.tar.gz'"
  fi
done
SFP_ID=$("$SFP" backup list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
SFP_ARCHIVE="$SFP_HOME/backups/$SFP_ID/backup.tar.gz"

for _ in $(seq "$RUNS"); do
  rm -rf "$WORK/out"; mkdir -p "$WORK/out"
  measure "sfp-restore" "$SFP" restore "$SFP_ID" --to "$WORK/out" --yes
  rm -rf "$WORK/out"; mkdir -p "$WORK/out"
  measure "tar-xzf" tar -xzf "$WORK/ref.tar.gz" -C "$WORK/out"
  rm -rf "$WORK/out"; mkdir -p "$WORK/out"
  measure "sfp-verify" "$SFP" backup verify "$SFP_ID"
done
rm -rf "$WORK/out"; mkdir -p "$WORK/out"
"$SFP" restore "$SFP_ID" --to "$WORK/out" --yes >/dev/null 2>&1
SAME=$(cd "$WORK/out" && diff -r -q . "$CLAUDE" 2>/dev/null | grep -c '^Files' || true)

size() { stat -c %s "$1"; }
echo
echo "sfp backup benchmark: $(nproc) CPU(s), ~${SIZE_MB} MiB home, $(wc -l <"$WORK/files") files, $FULL_BYTES bytes in the full profile"
echo "medians of $RUNS runs (config and hook: $CONFIG_RUNS); wall ms, peak RSS MiB (max over runs)"
printf '%-18s %9s %9s %9s\n' "command" "median ms" "CPU s" "peak MiB"
for n in sfp-config hook-session-end sfp-full tar-czf tar+pigz sfp-restore tar-xzf sfp-verify; do
  grep -q "^$n " "$WORK/runs" || continue
  printf '%-18s %9s %9s %9s\n' "$n" "$(median "$n")" "$(cpu "$n")" "$(peak "$n")"
done
echo "(hook-session-end wrote a config backup in $HOOK_WRITES of $CONFIG_RUNS runs; load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo "full backup speed-up vs tar -czf:   $(ratio "$(median tar-czf)" "$(median sfp-full)")x  (target >= 1.5x; CPU time ratio $(ratio "$(cpu tar-czf)" "$(cpu sfp-full)"))"
grep -q '^tar+pigz ' "$WORK/runs" && echo "full backup speed-up vs tar | pigz: $(ratio "$(median tar+pigz)" "$(median sfp-full)")x"
echo "restore (with verification) vs tar -xzf: $(ratio "$(median tar-xzf)" "$(median sfp-restore)")x as fast (target >= 1.0x)"
echo "archive bytes: sfp $(size "$SFP_ARCHIVE"), tar -czf $(size "$WORK/ref.tar.gz")$([ -f "$WORK/ref.pigz.tar.gz" ] && echo ", pigz $(size "$WORK/ref.pigz.tar.gz")")"
echo "size ratio sfp / tar -czf: $(awk -v a="$(size "$SFP_ARCHIVE")" -v b="$(size "$WORK/ref.tar.gz")" 'BEGIN { printf "%.4f", a / b }')  (target <= 1.0000)"
echo "restored tree differs from the source in $SAME file(s)"
