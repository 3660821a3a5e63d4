#!/usr/bin/env bash
# Installs what the tests need when it is missing, then runs every test in the solution.
# Real servers are started by the tests themselves on free loopback ports; this script only
# makes sure their binaries are installed (Debian/Ubuntu packages, through sudo when not root).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have mosquitto        || missing+=(mosquitto)
have mosquitto_pub    || missing+=(mosquitto-clients)
have influxd          || missing+=(influxdb)
have victoria-metrics || missing+=(victoria-metrics)
have chromium         || missing+=(chromium)
have nats-server      || missing+=(nats-server)
# PostgreSQL keeps initdb and postgres off PATH, under /usr/lib/postgresql/{major}/bin.
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
# The Debian package test: systemd-analyze verifies the unit, curl asks the installed gateway.
have systemd-analyze  || missing+=(systemd)
have curl             || missing+=(curl)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing test dependencies: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # On machines with systemd, the mosquitto package starts a system broker on port 1883 (and
  # nats-server one on 4222); the tests never use those ports.
  # The tests never use 1883 (they pick free ports), but `dotnet run` of the gateway does:
  # see README.md "Port 1883 is already in use".
fi

# "Metering.Gateway.Tests: 41.2 s (812 passed, 0 failed)" from one trx file; "?" when the file
# lacks a field (never fails the script: the closing line and the exit code decide).
project_duration() {
  local trx=$1 times codebase start finish ms name
  times=$(grep -o '<Times [^>]*>' "$trx" | head -n1 || true)
  codebase=$(grep -o 'codeBase="[^"]*"' "$trx" | head -n1 || true)
  start=$(sed -n 's/.* start="\([^"]*\)".*/\1/p' <<<"$times"); finish=$(sed -n 's/.* finish="\([^"]*\)".*/\1/p' <<<"$times")
  name=$(sed -n 's/codeBase="\(.*\)"/\1/p' <<<"$codebase"); name=$(basename "${name:-unknown}" .dll)
  start=$(date -d "${start:-none}" +%s%3N 2>/dev/null || true); finish=$(date -d "${finish:-none}" +%s%3N 2>/dev/null || true)
  if [[ $start =~ ^[0-9]+$ && $finish =~ ^[0-9]+$ ]]; then
    ms=$((finish - start))
    printf '%s: %d.%d s (%s passed, %s failed)\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) "$2" "$3"
  else
    printf '%s: ? s (%s passed, %s failed)\n' "$name" "$2" "$3"
  fi
}

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
# Build in parallel, then run the test projects one after the other (-m:1): the integration
# tests load both cores of a small machine, and side by side they would measure each other.
dotnet build Metering.sln
dotnet test Metering.sln --no-build -m:1 --logger "trx" --results-directory "$results" "$@" || status=$?

# Each test project's duration (its run's start to finish in the trx), so a slower suite shows
# where; then one closing line that any CI reader understands, summed over every test project.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line")
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
  project_duration "$trx" "${p:-0}" "${f:-0}"
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then echo "no test ran"; exit 1; fi
exit $status
