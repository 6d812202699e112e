#!/usr/bin/env bash
# Installs everything the demo and the tests need on a fresh Debian machine with the .NET SDK.
# Idempotent: skips what is already there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

apt_packages=(liblmdb0 tinyproxy squid-openssl openssl redis-server)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages start system services we do not use; tests start their own instances on free ports.
  for svc in tinyproxy squid redis-server; do
    $sudo_cmd systemctl disable --now "$svc" >/dev/null 2>&1 || $sudo_cmd service "$svc" stop >/dev/null 2>&1 || true
  done
fi

if [ ! -x "$root/tools/s3rver/node_modules/.bin/s3rver" ]; then
  echo "setup: installing s3rver (npm)"
  (cd "$root/tools/s3rver" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

if [ ! -x "$root/tools/azurite/node_modules/.bin/azurite-blob" ]; then
  echo "setup: installing azurite (npm)"
  (cd "$root/tools/azurite" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi

echo "setup: ok"
