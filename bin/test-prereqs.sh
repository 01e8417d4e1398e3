#!/usr/bin/env bash
# `npm test` runs this first (npm's pretest hook): the Debian packages some suites need — Chromium for the
# console's browser tests, Mosquitto and its clients plus curl and jq for the README commands that are run
# as tests, redis-server and PostgreSQL for the cluster and PostgreSQL-store suites (each suite starts its own
# server on a free port in a temp dir: test/helpers/servers.ts) — are installed when missing. As root it installs them with apt-get; otherwise it says what to
# install and fails, so a suite never skips silently.
set -euo pipefail
declare -A need=([chromium]=chromium [mosquitto]=mosquitto [mosquitto_sub]=mosquitto-clients [jq]=jq [curl]=curl [redis-server]=redis-server)
missing=()
for cmd in "${!need[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then missing+=("${need[$cmd]}"); fi
done
# PostgreSQL's server binaries are not on PATH on Debian: /usr/lib/postgresql/<n>/bin/initdb
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then missing+=(postgresql); fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "npm test needs these Debian packages: ${missing[*]} (sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "installing test prerequisites: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
