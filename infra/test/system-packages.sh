#!/usr/bin/env bash
# Checks for the Debian packages the test suite needs, and installs the missing ones when run as root.
# Otherwise it stops with the exact command to run. The list is the single source of truth:
# "<command the tests run, or a file they need> <Debian package that provides it>".
set -euo pipefail

REQUIRED=(
  "mosquitto_pub mosquitto-clients"
  "mosquitto_sub mosquitto-clients"
  "redis-server redis-server"
  "openssl openssl"
  "chromium chromium"
  "stdbuf coreutils"
  "haproxy haproxy"
  "/usr/lib/python3/dist-packages/paho/mqtt/client.py python3-paho-mqtt"
)

missing=()
for entry in "${REQUIRED[@]}"; do
  read -r cmd pkg <<<"$entry"
  if [[ "$cmd" == /* ]]; then
    [ -e "$cmd" ] || missing+=("$pkg")
  else
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
install="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "tests need: ${missing[*]}; installing them"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  exit 0
fi
echo "tests need these Debian packages, which are missing: ${missing[*]}" >&2
echo "install them with:  sudo sh -c '$install'" >&2
exit 1
