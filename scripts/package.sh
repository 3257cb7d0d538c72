#!/usr/bin/env bash
# package.sh: build a release archive of the plugin, ready to install without a Rust toolchain.
#
#   scripts/package.sh [--target TRIPLE] [--binary PATH] [--out DIR]
#
# Writes DIR/sfp-<version>-<target>.tar.gz and DIR/sfp-<version>-<target>.tar.gz.sha256
# (DIR defaults to dist/). The archive unpacks to one folder, sfp-<version>-<target>/, holding
# the plugin Claude Code loads: .claude-plugin/ (plugin.json and a marketplace.json listing it),
# hooks/, config/, commands/, README.md and bin/sfp. Install it with
#
#   claude plugin marketplace add /path/to/sfp-<version>-<target>
#   claude plugin install sfp@sfp-local
#
#   --target TRIPLE  build for this Rust target (`rustup target add TRIPLE` first); default: this
#                    machine's (`rustc -vV`)
#   --binary PATH    package this sfp binary instead of building one (it must be for --target)
#   --out DIR        where the archive goes (default: dist/ in the checkout)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
target="" binary="" out="$root/dist"
while [ $# -gt 0 ]; do
  case $1 in
    --target) target=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) sed -n '2,19p' "$0" >&2; exit 2 ;;
  esac
done

say() { printf 'package: %s\n' "$*"; }
die() { printf 'package: %s\n' "$*" >&2; exit 1; }

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
[ -n "$version" ] || die "no version in Cargo.toml"
grep -q "\"version\": \"$version\"" "$root/.claude-plugin/plugin.json" ||
  die "Cargo.toml says $version but .claude-plugin/plugin.json does not: make them equal"

host=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p' || true)
if [ -z "$target" ]; then
  [ -n "$host" ] || die "rustc not found: pass --target TRIPLE (and --binary PATH)"
  target=$host
fi

if [ -z "$binary" ]; then
  command -v cargo >/dev/null || die "cargo not found: install Rust from https://rustup.rs, or pass --binary"
  say "building sfp $version for $target (release, --locked)…"
  if [ "$target" = "$host" ]; then
    cargo build --release --locked --manifest-path "$root/Cargo.toml" --bin sfp
    binary="${CARGO_TARGET_DIR:-$root/target}/release/sfp"
  else
    cargo build --release --locked --manifest-path "$root/Cargo.toml" --bin sfp --target "$target"
    binary="${CARGO_TARGET_DIR:-$root/target}/$target/release/sfp"
  fi
fi
[ -f "$binary" ] && [ -x "$binary" ] || die "$binary is not an executable file"
if [ "$target" = "$host" ]; then
  got=$("$binary" --version 2>/dev/null || true)
  [ "$got" = "sfp $version" ] || die "$binary says '${got:-nothing}', not 'sfp $version'"
fi

name="sfp-$version-$target"
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/.package.XXXXXX")
trap 'rm -rf "$work"' EXIT
dir="$work/$name"
mkdir -p "$dir/.claude-plugin" "$dir/bin"
cp "$root/.claude-plugin/plugin.json" "$dir/.claude-plugin/"
[ -f "$root/.claude-plugin/icon.png" ] && cp "$root/.claude-plugin/icon.png" "$dir/.claude-plugin/"
cat >"$dir/.claude-plugin/marketplace.json" <<JSON
{
  "name": "sfp-local",
  "owner": { "name": "sfp maintainers" },
  "metadata": { "description": "sfp $version for $target, from a release archive" },
  "plugins": [
    {
      "name": "sfp",
      "source": "./",
      "description": "Health checks, TAG context, quality gates, handoff and backup for Claude Code."
    }
  ]
}
JSON
cp -R "$root/hooks" "$root/config" "$root/commands" "$dir/"
cp "$root/README.md" "$dir/"
cp "$binary" "$dir/bin/sfp"
chmod 0755 "$dir/bin/sfp" "$dir/hooks/sfp-hook"

archive="$name.tar.gz"
# Reproducible where GNU tar is there: sorted names, no owner, the commit's time.
if tar --version 2>/dev/null | grep -q 'GNU tar'; then
  epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)}
  tar -C "$work" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
    -cf - "$name" | gzip -n >"$work/$archive"
else
  tar -C "$work" -cf - "$name" | gzip -n >"$work/$archive"
fi
if command -v sha256sum >/dev/null; then
  (cd "$work" && sha256sum "$archive" >"$archive.sha256")
else
  (cd "$work" && shasum -a 256 "$archive" >"$archive.sha256")
fi
mv -f "$work/$archive" "$out/$archive"
mv -f "$work/$archive.sha256" "$out/$archive.sha256"
say "wrote $out/$archive ($(wc -c <"$out/$archive" | tr -d ' ') bytes)"
say "wrote $out/$archive.sha256"
