#!/usr/bin/env bash
# Leak soak (not run in CI): many short connections through one proxy worker, then many idle
# ones, and the proxy's memory and file descriptors must come back to where they were.
#
# For Relay (release build, --concurrency 1) and, when installed, HAProxy (nbthread 1) in the
# same run, both in front of the same redis-server:
#   1. warm up with 2,000 short connections, wait until the proxy has no connection open,
#      take RSS and the open fd count;
#   2. run N short connections (redis-benchmark PING, a new connection per request: connect,
#      PING, PONG, close), wait until none is open, take RSS and fds again;
#   3. hold IDLE connections open (each has sent a PING and got its PONG, so its upstream is
#      up), take RSS; close them and wait.
# It prints RSS growth per short connection and RSS per idle connection, and fails when
# Relay's growth exceeds MAX_BYTES_PER_CONN (default 1024) or its fd count does not return.
#
#   usage: Examples/benchmark/soak.sh [connections=100000] [idle=5000]
#   env:   RELAY=path/to/relay (default: swift build -c release), MAX_BYTES_PER_CONN=1024,
#          CLIENTS=20 (parallel redis-benchmark clients), HAPROXY=0 to skip HAProxy
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
connections=${1:-100000}
idle=${2:-5000}
clients=${CLIENTS:-20}
max_bytes=${MAX_BYTES_PER_CONN:-1024}

packages=(redis-server redis-tools python3)
[ "${HAPROXY:-1}" = 1 ] && packages+=(haproxy)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ -z "${RELAY:-}" ]; then
  (cd "$root" && swift build -c release --product relay 2>&1 | tail -1)
  RELAY="$root/.build/release/relay"
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/relay-soak.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 200); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$1)).close()" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
fd_count() { ls "/proc/$1/fd" | wc -l; }
# TCP sockets a process still has open, in any state but LISTEN (what "no connection open"
# means for a proxy: a socket in CLOSE_WAIT is still an open descriptor).
tcp_count() {
  local inodes
  inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | tr -dc '0-9\n' | sort -u)
  [ -z "$inodes" ] && { echo 0; return; }
  awk 'NR>1 && $4!="0A" {print $10}' /proc/net/tcp /proc/net/tcp6 | sort -u | comm -12 - <(echo "$inodes") | wc -l
}
# Waits until the proxy has no TCP socket open but its listener (up to 60 s).
wait_quiet() {
  for _ in $(seq 1 600); do [ "$(tcp_count "$1")" -eq 0 ] && return 0; sleep 0.1; done
  echo "proxy $1 still has $(tcp_count "$1") connections open" >&2; return 1
}

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --maxclients 60000 >/dev/null 2>&1 &
pids+=($!)
wait_port "$redis_port"

start_relay() {  # $1 = listen port; sets proxy_pid
  cat >"$work/relay.yaml" <<YAML
static_resources:
  listeners:
  - name: soak
    address: { socket_address: { address: 127.0.0.1, port_value: $1 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: soak
          cluster: redis
  clusters:
  - name: redis
    connect_timeout: 1s
    circuit_breakers: { thresholds: [ { max_connections: 1000000 } ] }  # Envoy's default is 1024
    load_assignment:
      cluster_name: redis
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $redis_port } } }
YAML
  "$RELAY" -c "$work/relay.yaml" --concurrency 1 -l error >"$work/relay.log" 2>&1 &
  proxy_pid=$!
  pids+=("$proxy_pid")
}
start_haproxy() {  # $1 = listen port; sets proxy_pid
  cat >"$work/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn 9000
defaults
  mode tcp
  maxconn 9000
  timeout connect 1s
  timeout client 10m
  timeout server 10m
frontend f
  bind 127.0.0.1:$1
  default_backend b
backend b
  server s 127.0.0.1:$redis_port
CFG
  haproxy -f "$work/haproxy.cfg" -db >/dev/null 2>&1 &
  proxy_pid=$!
  pids+=("$proxy_pid")
}

# Opens $2 connections to port $1, PINGs on each and reads the PONG, then holds them until
# its stdin closes.
hold_idle() {
  python3 - "$1" "$2" <<'PY'
import socket, sys
port, count = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"PING\r\n")
    held.append(s)
for s in held:
    reply = b""
    while not reply.endswith(b"\r\n"):
        chunk = s.recv(64)
        if not chunk:
            raise SystemExit("a held connection closed")
        reply += chunk
print("ready", flush=True)
sys.stdin.read()
PY
}

short_connections() {  # $1 = port, $2 = count
  redis-benchmark -p "$1" -t ping_inline -n "$2" -c "$clients" -k 0 -q 2>/dev/null | tr '\r' '\n' | grep -i 'requests per second' | tail -1 || true
}

failed=0
echo "| proxy   | short cx  | time   | redis-benchmark        | RSS before | RSS after  | growth/cx  | fds b → a → idle-closed | RSS idle   | per idle  | RSS end    |"
echo "| ------- | --------- | ------ | ---------------------- | ---------- | ---------- | ---------- | ----------------------- | ---------- | --------- | ---------- |"
proxies=(relay)
[ "${HAPROXY:-1}" = 1 ] && command -v haproxy >/dev/null && proxies+=(haproxy)
for proxy in "${proxies[@]}"; do
  port=$(free_port)
  "start_$proxy" "$port"
  pid=$proxy_pid
  wait_port "$port"
  short_connections "$port" 2000 >/dev/null
  wait_quiet "$pid"
  rss0=$(rss_kb "$pid"); fd0=$(fd_count "$pid")
  start=$(date +%s)
  rate=$(short_connections "$port" "$connections")
  wait_quiet "$pid"
  rss1=$(rss_kb "$pid"); fd1=$(fd_count "$pid")
  elapsed=$(( $(date +%s) - start ))
  per_conn=$(( (rss1 - rss0) * 1024 / connections ))

  coproc HOLD { hold_idle "$port" "$idle"; }
  read -r ready <&"${HOLD[0]}" || ready=""
  [ "$ready" = ready ] || { echo "$proxy: could not hold $idle idle connections" >&2; exit 1; }
  rss2=$(rss_kb "$pid")
  per_idle=$(( (rss2 - rss1) * 1024 / idle ))
  eval "exec ${HOLD[1]}>&-"
  wait "$HOLD_PID" 2>/dev/null || true
  wait_quiet "$pid"
  rss3=$(rss_kb "$pid"); fd3=$(fd_count "$pid")

  mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
  printf "| %-7s | %9d | %5ds | %-22s | %7s MB | %7s MB | %8d B | %5d → %5d → %5d     | %7s MB | %7d B | %7s MB |\n" \
    "$proxy" "$connections" "$elapsed" "${rate:-?}" "$(mb "$rss0")" "$(mb "$rss1")" "$per_conn" \
    "$fd0" "$fd1" "$fd3" "$(mb "$rss2")" "$per_idle" "$(mb "$rss3")"
  if [ "$proxy" = relay ]; then
    [ "$per_conn" -le "$max_bytes" ] || { echo "FAIL: relay grew $per_conn B per short connection (limit $max_bytes)" >&2; failed=1; }
    [ "$fd1" -le "$fd0" ] && [ "$fd3" -le "$fd0" ] || { echo "FAIL: relay fds $fd0 → $fd1 → $fd3" >&2; failed=1; }
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

echo "(idle: $idle connections held open, each with its upstream connected)"
exit "$failed"
