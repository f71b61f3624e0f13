#!/usr/bin/env bash
# Side-by-side L4 proxy benchmark on this machine: Relay vs HAProxy vs nginx (stream), each
# a plain TCP proxy with one worker in front of the same backends, measured by the same
# clients in the same run:
#   - bulk throughput: iperf3 through the proxy (Gbit/s)
#   - small request/response on persistent connections: redis-benchmark PING (req/s)
#   - a new connection per request: redis-benchmark -k 0 PING (req/s)
#
#   usage: Examples/benchmark/bench.sh [seconds-per-test]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-5}

packages=(haproxy nginx-light libnginx-mod-stream iperf3 redis-server redis-tools python3)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
(cd "$root" && swift build -c release --product relay 2>&1 | tail -1)

work=$(mktemp -d /tmp/relay-bench.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$1)).close()" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

iperf_port=$(free_port); redis_port=$(free_port)
iperf3 -s -p "$iperf_port" >/dev/null 2>&1 & pids+=($!)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 & pids+=($!)
wait_port "$iperf_port"; wait_port "$redis_port"

start_relay() {  # $1 = listen port, $2 = backend port
  cat >"$work/relay-$1.yaml" <<YAML
static_resources:
  listeners:
  - name: bench
    address: { socket_address: { address: 127.0.0.1, port_value: $1 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: bench
          cluster: backend
  clusters:
  - name: backend
    connect_timeout: 1s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $2 } } }
YAML
  "$root/.build/release/relay" -c "$work/relay-$1.yaml" --concurrency 1 -l error & pids+=($!)
}
start_haproxy() {
  cat >"$work/haproxy-$1.cfg" <<CFG
global
  nbthread 1
defaults
  mode tcp
  timeout connect 1s
  timeout client 1m
  timeout server 1m
frontend f
  bind 127.0.0.1:$1
  default_backend b
backend b
  server s 127.0.0.1:$2
CFG
  haproxy -f "$work/haproxy-$1.cfg" -db >/dev/null 2>&1 & pids+=($!)
}
start_nginx() {
  cat >"$work/nginx-$1.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
daemon off;
pid $work/nginx-$1.pid;
error_log /dev/null;
events { worker_connections 4096; }
stream { server { listen 127.0.0.1:$1; proxy_pass 127.0.0.1:$2; } }
CONF
  nginx -c "$work/nginx-$1.conf" >/dev/null 2>&1 & pids+=($!)
}

printf "%-8s %14s %16s %18s\n" proxy "bulk Gbit/s" "req/s (keepalive)" "req/s (new conn)"
for proxy in relay haproxy nginx; do
  p_iperf=$(free_port); p_redis=$(free_port)
  "start_$proxy" "$p_iperf" "$iperf_port"; "start_$proxy" "$p_redis" "$redis_port"
  wait_port "$p_iperf"; wait_port "$p_redis"
  gbits=$(iperf3 -c 127.0.0.1 -p "$p_iperf" -t "$seconds" -J 2>/dev/null | python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))')
  rps() { tr '\r' '\n' | grep 'requests per second' | tail -1 | awk '{print $2}'; }
  keep=$(redis-benchmark -p "$p_redis" -t ping_mbulk -c 50 -n $((40000 * seconds)) -q 2>/dev/null | rps)
  fresh=$(redis-benchmark -p "$p_redis" -t ping_mbulk -c 50 -n $((4000 * seconds)) -k 0 -q 2>/dev/null | rps)
  printf "%-8s %14s %16s %18s\n" "$proxy" "$gbits" "$keep" "$fresh"
done
