#!/usr/bin/env bash
# setup.sh: build sfp, install it, register the plugin with Claude Code, and check its health.
#
#   ./setup.sh               build (release, --locked) and install; safe to re-run
#   ./setup.sh --uninstall   undo what the install made for this HOME: the plugin and its copy in
#                            Claude Code's cache, the marketplace, the binary link, and bin/ and
#                            dist/ of the checkout once no other HOME's install uses them
#                            (your backups and handoffs under $SFP_HOME are kept)
#   ./setup.sh --package [ARGS]  build the release archive: scripts/package.sh ARGS (see there)
#
# The plugin Claude Code loads is staged in dist/plugin (manifest, hooks, config, commands, README
# and the binary), and that folder is registered as the local marketplace `sfp-local`: registering
# the checkout itself would make `plugin install` copy the whole build tree into Claude Code's cache.
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
claude_dir=${CLAUDE_CONFIG_DIR:-$HOME/.claude}
# One record per HOME that installed from this checkout: bin/ and dist/ stay while any is left.
installs="$root/dist/installs"
record="$installs/$(printf '%s\n%s\n' "$HOME" "$claude_dir" | cksum | cut -d' ' -f1)"

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
[ -t 1 ] || say() { printf 'setup: %s\n' "$*"; }

registered() {
  "$claude" plugin marketplace list 2>/dev/null | grep -q "$marketplace"
}

# Whether the `sfp-local` marketplace of this HOME is this checkout's (dist/plugin, or the
# checkout itself when it was added by hand).
ours() {
  local list
  list=$("$claude" plugin marketplace list --json 2>/dev/null) || return 1
  printf '%s' "$list" | grep -qF "\"path\": \"$stage\"" ||
    printf '%s' "$list" | grep -qF "\"path\": \"$root\""
}

uninstall() {
  if [ -n "$claude" ] && [ "${SFP_NO_REGISTER:-0}" != 1 ]; then
    if registered && ! ours; then
      say "marketplace $marketplace of this HOME is not this checkout's: left alone"
    else
      if "$claude" plugin uninstall "$plugin" >/dev/null 2>&1; then
        say "uninstalled $plugin"
      fi
      # Claude Code marks the cached copy orphaned and leaves it; remove it (only ever ours).
      local cache="$claude_dir/plugins/cache/$marketplace/sfp"
      if [ -d "$cache" ] && ! "$claude" plugin list 2>/dev/null | grep -q "$plugin"; then
        rm -rf "$cache" && say "removed Claude Code's cached copy $cache"
        rmdir "$claude_dir/plugins/cache/$marketplace" 2>/dev/null || true
      fi
      if registered; then
        "$claude" plugin marketplace remove "$marketplace" >/dev/null 2>&1 && say "removed marketplace $marketplace" || true
      fi
    fi
  fi
  case "$(readlink "$bindir/sfp" 2>/dev/null)" in
    "$root/bin/sfp" | "$stage/bin/sfp") rm -f "$bindir/sfp" && say "removed $bindir/sfp" ;;
  esac
  rm -f "$record"
  rmdir "$installs" 2>/dev/null || true
  if [ -d "$installs" ]; then
    say "kept $root/bin and $root/dist: the install of another HOME uses them ($(cat "$installs"/* 2>/dev/null | sed -n 's/^home=//p' | paste -sd, -))"
  elif [ -e "$root/bin" ] || [ -e "$root/dist" ]; then
    rm -rf "$root/bin" "$root/dist" && say "removed $root/bin and $root/dist"
  fi
  say "kept sfp's state (backups, handoffs, logs) in \${SFP_HOME:-~/.claude/sfp}; delete it yourself if you want it gone"
}

case "${1:-}" in
  --uninstall)
    [ $# -eq 1 ] || { sed -n '2,19p' "$0" >&2; exit 2; }
    uninstall
    exit 0
    ;;
  --package)
    shift
    exec "$root/scripts/package.sh" "$@"
    ;;
  "") ;;
  *)
    sed -n '2,19p' "$0" >&2
    exit 2
    ;;
esac

command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust from https://rustup.rs first" >&2; exit 1; }

say "building sfp (release)…"
cargo build --release --locked --manifest-path "$root/Cargo.toml" --bin sfp
mkdir -p "$root/bin"
tmp=$(mktemp "$root/bin/.sfp.XXXXXX")
cp "${CARGO_TARGET_DIR:-$root/target}/release/sfp" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$root/bin/sfp"
say "installed $root/bin/sfp ($("$root/bin/sfp" --version))"

# Stage the plugin beside, then swap it in, so a running session never sees half a folder.
rm -rf "$stage.new"
mkdir -p "$stage.new/bin"
cp -R "$root/.claude-plugin" "$root/hooks" "$root/config" "$root/commands" "$root/README.md" "$stage.new/"
cp "$root/bin/sfp" "$stage.new/bin/sfp"
rm -rf "$stage.old"
[ -d "$stage" ] && mv "$stage" "$stage.old"
mv "$stage.new" "$stage"
rm -rf "$stage.old"
say "staged the plugin in $stage"

mkdir -p "$installs"
printf 'home=%s\nclaude_config_dir=%s\nlink=%s\n' "$HOME" "$claude_dir" "$bindir/sfp" >"$record"

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
