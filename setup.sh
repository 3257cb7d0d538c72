#!/usr/bin/env bash
# setup.sh: build sfp, install it, register the plugin with Claude Code, and check its health.
#
#   ./setup.sh               build (release, --locked) and install; safe to re-run
#
# The plugin Claude Code loads is staged in dist/plugin (manifest, hooks, config, README and the
# binary), and that folder is registered as the local marketplace `sfp-local`: registering the
# checkout itself would make `plugin install` copy the whole build tree into Claude Code's cache.
#   ./setup.sh --uninstall   undo: unregister the plugin and remove the binary link
#                            (your backups and handoffs under $SFP_HOME are kept)
#
# Environment:
#   PREFIX          where the `sfp` command is linked: $PREFIX/bin/sfp (default: ~/.local)
#   CLAUDE_BIN      the claude CLI to register with (default: `claude` on PATH)
#   SFP_NO_REGISTER set to 1 to build and link only, without touching Claude Code's settings
set -euo pipefail

root=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
bindir="$PREFIX/bin"
stage="$root/dist/plugin"
marketplace=sfp-local
plugin="sfp@$marketplace"
claude=${CLAUDE_BIN:-$(command -v claude || true)}

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
[ -t 1 ] || say() { printf 'setup: %s\n' "$*"; }

registered() {
  "$claude" plugin marketplace list 2>/dev/null | grep -q "$marketplace"
}

uninstall() {
  if [ -n "$claude" ] && [ "${SFP_NO_REGISTER:-0}" != 1 ]; then
    "$claude" plugin uninstall "$plugin" >/dev/null 2>&1 && say "uninstalled $plugin" || true
    if registered; then
      "$claude" plugin marketplace remove "$marketplace" >/dev/null 2>&1 && say "removed marketplace $marketplace" || true
    fi
  fi
  case "$(readlink "$bindir/sfp" 2>/dev/null)" in
    "$root/bin/sfp" | "$stage/bin/sfp") rm -f "$bindir/sfp" && say "removed $bindir/sfp" ;;
  esac
  rm -rf "$root/bin" "$root/dist" && say "removed $root/bin and $root/dist"
  say "kept sfp's state (backups, handoffs, logs) in \${SFP_HOME:-~/.claude/sfp}; delete it yourself if you want it gone"
}

if [ "${1:-}" = "--uninstall" ]; then
  uninstall
  exit 0
elif [ $# -gt 0 ]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi

command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust from https://rustup.rs first" >&2; exit 1; }

say "building sfp (release)…"
cargo build --release --locked --manifest-path "$root/Cargo.toml" --bin sfp
mkdir -p "$root/bin"
tmp=$(mktemp "$root/bin/.sfp.XXXXXX")
cp "$root/target/release/sfp" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$root/bin/sfp"
say "installed $root/bin/sfp ($("$root/bin/sfp" --version))"

# Stage the plugin beside, then swap it in, so a running session never sees half a folder.
rm -rf "$stage.new"
mkdir -p "$stage.new/bin"
cp -R "$root/.claude-plugin" "$root/hooks" "$root/config" "$root/README.md" "$stage.new/"
cp "$root/bin/sfp" "$stage.new/bin/sfp"
rm -rf "$stage.old"
[ -d "$stage" ] && mv "$stage" "$stage.old"
mv "$stage.new" "$stage"
rm -rf "$stage.old"
say "staged the plugin in $stage"

mkdir -p "$bindir"
ln -sfn "$stage/bin/sfp" "$bindir/sfp"
say "linked $bindir/sfp"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) say "note: $bindir is not on your PATH; add it, e.g. export PATH=\"$bindir:\$PATH\"" ;;
esac

if [ "${SFP_NO_REGISTER:-0}" = 1 ]; then
  say "not registering the plugin (SFP_NO_REGISTER=1)"
elif [ -n "$claude" ]; then
  if registered && ! "$claude" plugin marketplace list --json 2>/dev/null | grep -qF "\"path\": \"$stage\""; then
    # Registered from another folder (an older setup, or the checkout by hand): point it here.
    "$claude" plugin uninstall "$plugin" >/dev/null 2>&1 || true
    "$claude" plugin marketplace remove "$marketplace" >/dev/null
  fi
  if registered; then
    "$claude" plugin marketplace update "$marketplace" >/dev/null
    say "marketplace $marketplace updated"
  else
    "$claude" plugin marketplace add "$stage" >/dev/null
    say "marketplace $marketplace added ($stage)"
  fi
  if "$claude" plugin list 2>/dev/null | grep -q "$plugin"; then
    "$claude" plugin update "$plugin" >/dev/null 2>&1 || true
    say "plugin $plugin up to date"
  else
    "$claude" plugin install "$plugin" >/dev/null
    say "plugin $plugin installed"
  fi
else
  say "claude is not on PATH; to register the plugin later, run:"
  echo "    claude plugin marketplace add \"$stage\""
  echo "    claude plugin install $plugin"
fi

say "health:"
"$stage/bin/sfp" health || say "sfp health found problems: fix what it says, then run \`sfp health\` again"
