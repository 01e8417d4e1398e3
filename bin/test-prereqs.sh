#!/usr/bin/env bash
# `npm test` runs this first (npm's pretest hook): the Debian packages some suites need — Chromium for the
# console's browser tests, Mosquitto and its clients plus curl and jq for the README commands that are run
# as tests — are installed when missing. As root it installs them with apt-get; otherwise it says what to
# install and fails, so a suite never skips silently.
set -euo pipefail
declare -A need=([chromium]=chromium [mosquitto]=mosquitto [mosquitto_sub]=mosquitto-clients [jq]=jq [curl]=curl)
missing=()
for cmd in "${!need[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then missing+=("${need[$cmd]}"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "npm test needs these Debian packages: ${missing[*]} (sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "installing test prerequisites: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
