#!/usr/bin/env bash
# Installs a built metering-gateway .deb on this machine (apt-get install ./x.deb, as root) and starts
# the installed gateway exactly as its systemd unit would: as the user metering, with the unit's
# Environment= lines and /etc/metering/gateway.env, in /var/lib/metering. Checks it serves /healthz with
# the package's version and that `metering` is on the PATH, then stops it and purges the package (the
# state folder and user stay, as the package promises). Works without systemd running (containers, CI);
# with systemd, `systemctl start metering-gateway` is the real thing.
#   packaging/test-install.sh artifacts/deb/metering-gateway_0.1.0_amd64.deb [http-port] [broker-port]
set -euo pipefail
deb="$(realpath "$1")"; http="${2:-18080}"; broker="${3:-11883}"
[ "$(id -u)" -eq 0 ] || { echo "run as root (it installs a package and a system user)" >&2; exit 1; }
unit=/lib/systemd/system/metering-gateway.service

echo "== apt-get install $deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
version="$(dpkg-query -W -f='${Version}' metering-gateway)"
getent passwd metering >/dev/null || { echo "FAIL: no user metering" >&2; exit 1; }
[ "$(stat -c %U /var/lib/metering)" = metering ] || { echo "FAIL: /var/lib/metering not owned by metering" >&2; exit 1; }
[ "$(stat -c '%U:%G %a' /etc/metering/gateway.env)" = "root:metering 640" ] || { echo "FAIL: gateway.env mode" >&2; exit 1; }
metering --help >/dev/null || { echo "FAIL: metering not on the PATH" >&2; exit 1; }
if command -v systemd-analyze >/dev/null; then systemd-analyze verify "$unit"; fi

echo "== start as the unit would ($(sed -n 's/^ExecStart=//p' "$unit") as $(sed -n 's/^User=//p' "$unit"))"
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
workdir="$(sed -n 's/^WorkingDirectory=//p' "$unit")"
env_args=()
while IFS= read -r line; do env_args+=("${line#Environment=}"); done < <(grep '^Environment=' "$unit")
while IFS= read -r line; do env_args+=("$line"); done < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' /etc/metering/gateway.env)
# Free test ports instead of 1883/8080, and loopback only.
env_args+=("Metering__Http__Port=$http" "Metering__Broker__Port=$broker" "Metering__Broker__Host=127.0.0.1")
log="$(mktemp)"
( cd "$workdir" && exec setpriv --reuid=metering --regid=metering --init-groups env -i PATH=/usr/bin:/bin "${env_args[@]}" "$exec_start" ) >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
health=""
for _ in $(seq 1 120); do
  if health="$(curl -fsS "http://127.0.0.1:$http/healthz" 2>/dev/null)"; then break; fi
  kill -0 $pid 2>/dev/null || { echo "FAIL: the gateway exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$health" ] || { echo "FAIL: no /healthz within 60 s:" >&2; cat "$log" >&2; exit 1; }
echo "/healthz: $health"
grep -q "\"version\":\"$version+" <<<"$health" || { echo "FAIL: /healthz does not carry version $version" >&2; exit 1; }
[ "$(stat -c %U /var/lib/metering/metering.db)" = metering ] || { echo "FAIL: metering.db not owned by metering" >&2; exit 1; }
kill $pid; wait $pid 2>/dev/null || true
trap - EXIT

echo "== apt-get purge metering-gateway"
# Purge, not remove: the next run installs the settings file afresh. The ledger must survive even this.
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq metering-gateway >/dev/null
[ -f /var/lib/metering/metering.db ] || { echo "FAIL: purging the package deleted the ledger" >&2; exit 1; }
echo "OK: $deb installs, runs as metering and serves /healthz ($version)"
