#!/bin/sh
# Runs a command with the project's toolchain: Node >= 22 (wrangler needs it),
# pnpm 12.4.2 and the locked dependencies, provisioning whatever is missing.
#
#   sh scripts/toolchain.sh <command> [args...]
#
# When the system Node is older than 22, Node 24 is installed into .tools/node
# from the npm registry (the `node` package ships the official binary); pnpm is
# installed into .tools/pnpm unless the exact version is already on PATH.
# Nothing is installed globally. Delete .tools/ to start over.
set -eu

ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
TOOLS="$ROOT/.tools"
NODE_MIN_MAJOR=22
NODE_PACKAGE="node@24"
PNPM_VERSION="12.4.2"

say() { printf 'toolchain: %s\n' "$*" >&2; }

node_major() {
  "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0
}

# npm itself runs on whatever Node the system has; it only downloads here.
npm_install_into() {
  dir=$1
  shift
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --no-package-lock --loglevel=error "$@" >&2
}

if ! command -v node >/dev/null 2>&1 || [ "$(node_major node)" -lt "$NODE_MIN_MAJOR" ]; then
  if [ "$(node_major "$TOOLS/node/node_modules/.bin/node")" -lt "$NODE_MIN_MAJOR" ]; then
    say "system Node $(node --version 2>/dev/null || echo 'missing') is older than $NODE_MIN_MAJOR (wrangler needs >= 22.12); installing $NODE_PACKAGE into .tools/node from the npm registry"
    npm_install_into "$TOOLS/node" "$NODE_PACKAGE"
  fi
  PATH="$TOOLS/node/node_modules/.bin:$PATH"
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  if [ "$("$TOOLS/pnpm/node_modules/.bin/pnpm" --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
    say "installing pnpm $PNPM_VERSION into .tools/pnpm"
    npm_install_into "$TOOLS/pnpm" "pnpm@$PNPM_VERSION"
  fi
  PATH="$TOOLS/pnpm/node_modules/.bin:$PATH"
fi
export PATH

# Install when the lockfile changed since the last install made here.
STAMP="$ROOT/node_modules/.installed-pnpm-lock.yaml"
if ! cmp -s "$ROOT/pnpm-lock.yaml" "$STAMP" 2>/dev/null; then
  say "installing dependencies (pnpm install --frozen-lockfile)"
  (cd "$ROOT" && pnpm install --frozen-lockfile >&2)
  cp "$ROOT/pnpm-lock.yaml" "$STAMP"
fi

exec "$@"
