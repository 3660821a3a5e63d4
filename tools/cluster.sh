#!/usr/bin/env bash
# A whole cluster on one machine, on loopback: three NATS nodes (JetStream + MQTT listener, joined by
# routes), PostgreSQL primary + synchronous streaming standby, 1-3 gateways in external-broker mode on
# the PostgreSQL ledger, and simulated fleets that know all three NATS nodes.
#
#   tools/cluster.sh up [--gateways N] [--meters M] [--dir DIR]   start it all, print where things are
#   tools/cluster.sh status [--dir DIR]                            what runs
#   tools/cluster.sh down [--dir DIR]                              stop everything and remove DIR
#
# DIR (default /tmp/metering-cluster, or $METERING_CLUSTER_DIR) holds every store, log and pid.
# Ports are free loopback ports picked at start. Binaries: nats-server, postgresql (initdb, postgres,
# pg_basebackup), mosquitto-clients, curl, and the built gateway and simulator
# (dotnet build gateway/Metering.Gateway tools/Metering.Simulator; $METERING_CONFIGURATION, default Debug).
# As root, PostgreSQL runs as the package's 'postgres' user (it refuses to run as root).
#
# --gateways 1 (default): one gateway owns community 'cluster' and its M meters. --gateways 2 or 3: that
# many instances on the same database and NATS cluster, each on its own HTTP port, share communities
# cluster-1 .. cluster-N through the lease (Metering:Cluster); each community has a fleet of M meters
# (ids numbered on across communities: one id is one device).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cmd=${1:-}; shift || true
dir=${METERING_CLUSTER_DIR:-/tmp/metering-cluster}
gateways=1
meters=12
while [ $# -gt 0 ]; do
  case $1 in
    --gateways) gateways=$2; shift 2 ;;
    --meters) meters=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
configuration=${METERING_CONFIGURATION:-Debug}
gateway_dll="$repo/gateway/Metering.Gateway/bin/$configuration/net10.0/Metering.Gateway.dll"
simulator_dll="$repo/tools/Metering.Simulator/bin/$configuration/net10.0/Metering.Simulator.dll"

need() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || { echo "error: '$1' not found: sudo apt-get install $2" >&2; exit 3; }; }
pg_bin() { local d; d=$(compgen -G "/usr/lib/postgresql/*/bin" | sort -V | tail -n1 || true); [ -n "$d" ] || { echo "error: PostgreSQL not found: sudo apt-get install postgresql" >&2; exit 3; }; echo "$d"; }

# A free loopback port: random in the dynamic range, not listening now, not handed out before.
declare -A handed=()
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    [ -z "${handed[$p]:-}" ] || continue
    if ! ss -Hltn "sport = :$p" | grep -q .; then handed[$p]=1; echo "$p"; return; fi
  done
}

# As root, PostgreSQL's programs run as its 'postgres' user (postgres(1) refuses root).
as_pg=()
[ "$(id -u)" -ne 0 ] || as_pg=(setpriv --reuid postgres --regid postgres --init-groups --)

start_bg() { # name, then the command: runs detached, its pid in DIR/NAME.pid, output in DIR/NAME.log
  local name=$1; shift
  setsid "$@" >"$dir/$name.log" 2>&1 < /dev/null &
  echo $! >"$dir/$name.pid"
}

wait_for() { # what, seconds, command...
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "error: $what not ready within ${seconds}s; logs in $dir" >&2; exit 4; fi
    sleep 0.2
  done
}

up() {
  need nats-server nats-server; need mosquitto_pub mosquitto-clients; need curl curl; need ss iproute2
  local bin; bin=$(pg_bin)
  case $gateways in
    1|2|3) ;;
    *) echo "error: --gateways $gateways: 1, 2 or 3 (three NATS nodes and one PostgreSQL pair serve up to three instances on one machine)" >&2; exit 2 ;;
  esac
  [[ $meters =~ ^[1-9][0-9]*$ ]] || { echo "error: --meters $meters: a positive number of meters per community" >&2; exit 2; }
  for f in "$gateway_dll" "$simulator_dll"; do
    [ -f "$f" ] || { echo "error: $f missing: dotnet build gateway/Metering.Gateway tools/Metering.Simulator" >&2; exit 3; }
  done
  if [ -e "$dir/state.env" ]; then echo "error: a cluster runs in $dir already (tools/cluster.sh down)" >&2; exit 2; fi
  mkdir -p "$dir"
  : >"$dir/state.env"

  # --- NATS: three nodes, each with its own JetStream store.
  local i mqtt=() route=() client=()
  for i in 0 1 2; do client[i]=$(free_port); route[i]=$(free_port); mqtt[i]=$(free_port); done
  local routes="\"nats-route://127.0.0.1:${route[0]}\", \"nats-route://127.0.0.1:${route[1]}\", \"nats-route://127.0.0.1:${route[2]}\""
  for i in 0 1 2; do
    mkdir -p "$dir/nats-$i"
    cat >"$dir/nats-$i.conf" <<EOF
server_name: n$i
listen: 127.0.0.1:${client[i]}
jetstream { store_dir: "$dir/nats-$i" }
cluster { name: metering, listen: 127.0.0.1:${route[i]}, routes: [$routes] }
mqtt { listen: 127.0.0.1:${mqtt[i]} }
EOF
    start_bg "nats-$i" nats-server -c "$dir/nats-$i.conf"
  done
  for i in 0 1 2; do
    # A persistent session answers once the cluster's JetStream can hold it.
    wait_for "NATS node $i" 30 timeout 5 mosquitto_pub -h 127.0.0.1 -p "${mqtt[i]}" -i "cluster-probe-$i" -c -q 1 -t metering/probe -m up
  done
  local servers="127.0.0.1:${mqtt[0]},127.0.0.1:${mqtt[1]},127.0.0.1:${mqtt[2]}"

  # --- PostgreSQL: primary, and a standby cloned from it streaming with synchronous commit, so a
  # commit the gateway confirms to a device is on both machines' disks before the device hears it.
  local pg1 pg2; pg1=$(free_port); pg2=$(free_port)
  mkdir -p "$dir/pg"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir/pg"
    "${as_pg[@]}" test -w "$dir/pg" || { echo "error: the 'postgres' user cannot reach $dir (a parent folder closed to others?); use --dir under /tmp" >&2; exit 2; }
  fi
  "${as_pg[@]}" "$bin/initdb" -D "$dir/pg/primary" --auth=trust --username=postgres --encoding=UTF8 --no-sync >"$dir/pg-initdb.log"
  cat >>"$dir/pg/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $pg1
unix_socket_directories = '$dir/pg'
wal_level = replica
max_wal_senders = 5
synchronous_standby_names = 'standby'
synchronous_commit = on
EOF
  start_bg pg-primary "${as_pg[@]}" "$bin/postgres" -D "$dir/pg/primary"
  wait_for "PostgreSQL primary" 30 "$bin/pg_isready" -h 127.0.0.1 -p "$pg1"
  "${as_pg[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p "$pg1" -U postgres -D "$dir/pg/standby" -R --wal-method=stream >"$dir/pg-basebackup.log" 2>&1
  echo "port = $pg2" >>"$dir/pg/standby/postgresql.conf"
  # pg_basebackup -R wrote primary_conninfo into postgresql.auto.conf, which wins over postgresql.conf;
  # a later line there names the standby as synchronous_standby_names expects (else every commit waits).
  echo "primary_conninfo = 'host=127.0.0.1 port=$pg1 user=postgres application_name=standby'" >>"$dir/pg/standby/postgresql.auto.conf"
  start_bg pg-standby "${as_pg[@]}" "$bin/postgres" -D "$dir/pg/standby"
  wait_for "PostgreSQL standby" 30 "$bin/pg_isready" -h 127.0.0.1 -p "$pg2"
  timeout 30 "$bin/psql" -h 127.0.0.1 -p "$pg1" -U postgres -qc "CREATE DATABASE metering" >/dev/null
  local pgconn="Host=127.0.0.1:$pg1,127.0.0.1:$pg2;Username=postgres;Database=metering;Target Session Attributes=primary"

  # --- The gateways: external mode over all three nodes, ledger on the primary (or whichever is primary).
  # One instance: community 'cluster', no lease. Several: each community's lease goes to one instance, all
  # with one broker client id (the community's session, {ClientId}-{community}, moves with its lease).
  local communities=cluster g https=() cluster_env=()
  if [ "$gateways" -gt 1 ]; then
    communities=$(seq -s, -f 'cluster-%g' 1 "$gateways")
    cluster_env=(Metering__Cluster__Communities="$communities")
  fi
  for g in $(seq 1 "$gateways"); do
    https[g]=$(free_port)
    mkdir -p "$dir/gateway-$g"
    local instance_env=()
    [ "$gateways" -eq 1 ] || instance_env=(Metering__Cluster__InstanceId="gateway-$g")
    start_bg "gateway-$g" env DOTNET_ENVIRONMENT=Production \
      Metering__Broker__Mode=External Metering__Broker__Servers="$servers" Metering__Broker__ClientId=cluster-gateway \
      Metering__Http__Port="${https[g]}" Metering__Storage__Provider=Postgres Metering__Storage__ConnectionString="$pgconn" \
      Metering__Storage__DataDirectory="$dir/gateway-$g" Metering__Registry__AutoRegister=true \
      "${cluster_env[@]}" "${instance_env[@]}" \
      dotnet "$gateway_dll"
  done
  for g in $(seq 1 "$gateways"); do wait_for "gateway $g" 90 curl -fsS "http://127.0.0.1:${https[g]}/healthz"; done

  # --- The fleets, one per community: every meter knows all three nodes and takes the next on each reconnect.
  local c=0 community
  for community in ${communities//,/ }; do
    start_bg "fleet-$((c + 1))" dotnet "$simulator_dll" fleet --broker "$servers" --community "$community" --meters "$meters" \
      --first-meter $((c * meters + 1)) --data "$dir/fleet-$((c + 1))"
    c=$((c + 1))
  done

  cat >>"$dir/state.env" <<EOF
NATS_MQTT="$servers"
PG_PRIMARY=$pg1
PG_STANDBY=$pg2
PG_CONNECTION="$pgconn"
COMMUNITIES=$communities
GATEWAY_HTTP=http://127.0.0.1:${https[1]}
EOF
  for g in $(seq 1 "$gateways"); do echo "GATEWAY_${g}_HTTP=http://127.0.0.1:${https[g]}" >>"$dir/state.env"; done
  cat <<EOF
Cluster up in $dir (logs: $dir/*.log):
  NATS MQTT listeners:  $servers   (kill one: kill -9 \$(cat $dir/nats-0.pid))
  PostgreSQL primary:   127.0.0.1:$pg1, synchronous standby 127.0.0.1:$pg2 (psql -h 127.0.0.1 -p $pg1 -U postgres metering)
$(for g in $(seq 1 "$gateways"); do echo "  gateway $g:            http://127.0.0.1:${https[g]}/api/v1/meters  /healthz  /metrics$([ "$gateways" -eq 1 ] || echo "  /api/v1/cluster")"; done)
  fleets:               $meters simulated meter(s) in each of $communities, over all three nodes
  stop it all:          tools/cluster.sh down$([ "$dir" = /tmp/metering-cluster ] || echo " --dir $dir")
EOF
}

# Running: its /proc entry exists and is not a zombie (a process whose parent has not reaped it yet).
alive() { [ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | grep -q '^Z'; }

# Stops these together: SIGTERM to each one's process group (each was started with setsid, so this
# ends it and its children only), up to 10 s for all, then SIGKILL to what is left. PostgreSQL gets
# SIGINT, its "fast" shutdown: on SIGTERM ("smart") it waits for every client to disconnect first.
stop() {
  local name f pids=() pid signal
  for name in "$@"; do
    f="$dir/$name.pid"; [ -f "$f" ] || continue
    pid=$(cat "$f"); pids+=("$pid")
    signal=TERM; [[ $name != pg-* ]] || signal=INT
    kill -"$signal" -- "-$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 100); do
    local left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    [ $left -eq 1 ] || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}

down() {
  [ -d "$dir" ] || { echo "no cluster in $dir"; return 0; }
  # The fleets first (they drain into a running broker), the gateways, the brokers and the standby
  # together, the primary last.
  local f fleets=() instances=()
  for f in "$dir"/fleet-*.pid; do [ -e "$f" ] && fleets+=("$(basename "$f" .pid)"); done
  for f in "$dir"/gateway-*.pid; do [ -e "$f" ] && instances+=("$(basename "$f" .pid)"); done
  [ ${#fleets[@]} -eq 0 ] || stop "${fleets[@]}"
  [ ${#instances[@]} -eq 0 ] || stop "${instances[@]}"
  stop nats-0 nats-1 nats-2 pg-standby
  stop pg-primary
  rm -rf "$dir"
  echo "cluster in $dir stopped and removed"
}

status() {
  [ -f "$dir/state.env" ] || { echo "no cluster in $dir"; return 1; }
  cat "$dir/state.env"
  local f
  for f in "$dir"/*.pid; do
    if alive "$(cat "$f")"; then echo "$(basename "$f" .pid): running"; else echo "$(basename "$f" .pid): stopped"; fi
  done
}

case $cmd in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
