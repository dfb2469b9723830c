#!/usr/bin/env bash
# Idempotent setup of the etcd server the registry tests start on loopback (Debian's etcd-server).
# A second run takes well under a second. Prints where etcd is, or why it cannot be installed
# (the etcd tests then skip with that reason). Never fails the surrounding `npm test`.
set -uo pipefail

if command -v etcd >/dev/null 2>&1; then
  echo "==> etcd present: $(etcd --version 2>/dev/null | head -1)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "==> etcd not installed and no apt-get here: the etcd tests will skip"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "==> etcd not installed and no root to install it: the etcd tests will skip"
    exit 0
  fi
fi
echo "==> installing etcd-server (Debian)"
$SUDO apt-get update -qq >/dev/null 2>&1 || true
if DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends etcd-server >/dev/null; then
  # The package starts a system etcd on the default ports; the tests start their own on ephemeral ones.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now etcd >/dev/null 2>&1 || true; fi
  echo "    $(etcd --version 2>/dev/null | head -1)"
else
  echo "==> apt-get install etcd-server failed: the etcd tests will skip"
fi
exit 0
