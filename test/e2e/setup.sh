#!/usr/bin/env bash
# Installs what the end-to-end tests (test/e2e/run.mjs) need, idempotently:
#   - Debian: chromium (driven by playwright-core), libkrb5-dev (code-server's
#     `kerberos` addon builds against it), ripgrep (see below), build tools;
#   - code-server (a real VS Code 1.100 served to the browser) in .e2e/code-server,
#     outside the repo's node_modules: it is large and has its own dependencies;
#   - playwright-core, a devDependency of the repo (normally already there from `npm ci`).
# Offline apart from the npm registry and Debian. A second run only checks and exits.
#
# Usage: bash test/e2e/setup.sh        (E2E_DIR overrides the install folder)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"

CODE_SERVER_VERSION=4.100.3
E2E_DIR="${E2E_DIR:-$ROOT/.e2e}"
CS_PREFIX="$E2E_DIR/code-server"
CS_PKG="$CS_PREFIX/node_modules/code-server"
STAMP="$CS_PREFIX/.installed-$CODE_SERVER_VERSION"

# code-server 4.100.3 pins @vscode/ripgrep 1.15.11 (lib/vscode/npm-shrinkwrap.json).
# Its postinstall (lib/postinstall.js + lib/download.js) asks the GitHub API for the
# release asset ripgrep-<VERSION>-<target>.tar.gz unless that file is already in
# path.join(os.tmpdir(), `vscode-ripgrep-cache-${packageVersion}`); it then runs
# `tar xvf` on it into bin/ and expects bin/rg. VERSION is 'v13.0.0-10' and the
# linux x64 target 'x86_64-unknown-linux-musl'. GitHub is out of reach here, so
# we pre-fill that cache with a tarball of Debian's /usr/bin/rg (ripgrep 13.0.0).
RG_PKG_VERSION=1.15.11
RG_RELEASE=v13.0.0-10

log() { printf '[e2e-setup] %s\n' "$*"; }
t0=$(date +%s)

# ---- Debian packages -------------------------------------------------------
# (scripts/package.mjs reads the VSIX with scripts/zip.mjs: no unzip needed.)
APT_PKGS=(chromium libkrb5-dev ripgrep python3 make g++ fonts-dejavu-core)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/e2e-apt.log 2>&1; then
    $SUDO apt-get update -q >>/tmp/e2e-apt.log 2>&1
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/e2e-apt.log 2>&1 \
      || { tail -30 /tmp/e2e-apt.log; exit 1; }
  fi
fi

# ---- code-server -----------------------------------------------------------
if [ -f "$STAMP" ] && [ -f "$CS_PKG/out/node/entry.js" ] \
   && [ -x "$CS_PKG/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]; then
  log "code-server $CODE_SERVER_VERSION already installed in $CS_PREFIX"
else
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$node_major" = 20 ] || { log "code-server $CODE_SERVER_VERSION needs Node 20, found $(node --version)"; exit 1; }

  rg_cache="$(node -p "require('path').join(require('os').tmpdir(), 'vscode-ripgrep-cache-$RG_PKG_VERSION')")"
  rg_asset="$rg_cache/ripgrep-$RG_RELEASE-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -s "$rg_asset" ]; then
    log "pre-filling ripgrep download cache: $rg_asset"
    mkdir -p "$rg_cache"
    tmp=$(mktemp -d)
    cp /usr/bin/rg "$tmp/rg"
    tar -czf "$rg_asset.part" -C "$tmp" rg && mv "$rg_asset.part" "$rg_asset"
    rm -rf "$tmp"
  fi

  log "installing code-server@$CODE_SERVER_VERSION into $CS_PREFIX (several minutes: native addons are compiled)"
  rm -rf "$CS_PREFIX"
  mkdir -p "$CS_PREFIX"
  printf '{ "name": "eci-sem-e2e-code-server", "private": true }\n' > "$CS_PREFIX/package.json"
  # flock: never two npm installs at once on this machine's shared cache/repo.
  if ! ( cd "$CS_PREFIX" && flock /tmp/npm.lock env npm_config_yes=true npm_config_fund=false \
        npm_config_audit=false npm_config_update_notifier=false ONNXRUNTIME_NODE_INSTALL=skip \
        npm install --unsafe-perm --no-package-lock --omit=dev "code-server@$CODE_SERVER_VERSION" \
        >"$CS_PREFIX/install.log" 2>&1 ); then
    tail -60 "$CS_PREFIX/install.log"
    log "code-server install failed; full log: $CS_PREFIX/install.log"
    exit 1
  fi
  [ -x "$CS_PKG/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] \
    || { log "ripgrep missing after install (see $CS_PREFIX/install.log)"; exit 1; }
  touch "$STAMP"
fi

# ---- playwright-core ---------------------------------------------------------
if ! node -e "require.resolve('playwright-core')" >/dev/null 2>&1; then
  log "playwright-core missing from node_modules: installing the version package.json names"
  want=$(node -p "require('./package.json').devDependencies['playwright-core'] || 'latest'")
  flock /tmp/npm.lock env ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save "playwright-core@$want" >/dev/null
fi

log "code-server $(node -p "require('$CS_PKG/package.json').version")"
log "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
log "ready in $(( $(date +%s) - t0 ))s"
