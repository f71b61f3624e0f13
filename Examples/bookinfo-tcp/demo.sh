#!/usr/bin/env bash
# Istio's "Collecting metrics for TCP services" task, on one machine, with Relay as the two
# sidecars: ratings-v2 → (mTLS + istio-peer-exchange) → the database's sidecar → Redis.
# A real Prometheus scrapes both sidecars' /stats/prometheus; the demo then asks its HTTP
# API for istio_tcp_connections_opened_total / _closed_total and the byte counters.
#
#   usage: Examples/bookinfo-tcp/demo.sh [--keep-running]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
keep_running=false
[ "${1:-}" = "--keep-running" ] && keep_running=true
interval=2s

# 1. What the demo needs from Debian.
packages=(libssl-dev libyaml-dev pkg-config openssl prometheus redis-server redis-tools python3 curl)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Build Relay.
echo "==> building relay (release)"
(cd "$root" && swift build -c release --product relay 2>&1 | tail -1)
relay="$root/.build/release/relay"

work=$(mktemp -d /tmp/relay-bookinfo-tcp.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_for_file() { for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "timed out waiting for $1" >&2; return 1; }

# 3. Mesh certificates, made now.
"$here/gen-certs.sh" "$work/certs" >/dev/null

# 4. The database: Redis on loopback (MongoDB is not packaged for Debian).
db_port=$(free_port)
redis-server --port "$db_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do redis-cli -p "$db_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
echo "==> redis on 127.0.0.1:$db_port"

render() { sed -e "s|@CERTS@|$work/certs|g" -e "s|@INTERVAL@|$interval|g" -e "s|@DB_PORT@|$db_port|g" -e "s|@INBOUND_PORT@|${inbound_port:-0}|g" "$1" >"$2"; }

# 5. The database's sidecar (inbound).
render "$here/mongodb-sidecar.yaml.in" "$work/mongodb-sidecar.yaml"
"$relay" -c "$work/mongodb-sidecar.yaml" --admin-address-path "$work/mongodb-admin" --concurrency 1 -l warning &
pids+=($!)
wait_for_file "$work/mongodb-admin"
mongodb_admin=$(cat "$work/mongodb-admin")
inbound_port=$(curl -sf "http://$mongodb_admin/listeners" | head -1 | sed 's/.*://')
echo "==> mongodb-v1 sidecar: inbound 127.0.0.1:$inbound_port, admin $mongodb_admin"

# 6. ratings-v2's sidecar (outbound).
render "$here/ratings-v2-sidecar.yaml.in" "$work/ratings-v2-sidecar.yaml"
"$relay" -c "$work/ratings-v2-sidecar.yaml" --admin-address-path "$work/ratings-admin" --concurrency 1 -l warning &
pids+=($!)
wait_for_file "$work/ratings-admin"
ratings_admin=$(cat "$work/ratings-admin")
outbound_port=$(curl -sf "http://$ratings_admin/listeners" | head -1 | sed 's/.*://')
echo "==> ratings-v2 sidecar: outbound 127.0.0.1:$outbound_port, admin $ratings_admin"

# 7. Prometheus, scraping both sidecars as job istio-mesh.
prom_port=$(free_port)
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
scrape_configs:
- job_name: istio-mesh
  metrics_path: /stats/prometheus
  static_configs:
  - targets: ['$ratings_admin', '$mongodb_admin']
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prometheus-data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$prom_port/-/ready" >/dev/null 2>&1 && break; sleep 0.1; done
echo "==> prometheus on http://127.0.0.1:$prom_port"

# 8. Traffic from "ratings-v2": a long-lived connection held across two report intervals,
#    then short connections from the real Redis client.
echo "==> a long-lived connection (held open for 3 report intervals)"
python3 - "$outbound_port" "$prom_port" <<'PY' &
import socket, sys, time, json, urllib.request
port, prom = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
for _ in range(3):
    s.sendall(b"*1\r\n$4\r\nPING\r\n")
    assert s.recv(64) == b"+PONG\r\n"
    time.sleep(2.2)
# While it is still open, Prometheus must already show it as opened (periodic reporting).
q = urllib.request.quote('istio_tcp_connections_opened_total{reporter="destination"}')
seen = json.load(urllib.request.urlopen(f"http://127.0.0.1:{prom}/api/v1/query?query={q}"))["data"]["result"]
print("    opened while the connection is still open:", [r["value"][1] for r in seen])
s.close()
PY
long_lived=$!
wait "$long_lived"
echo "==> 20 short connections with redis-cli"
for i in $(seq 1 20); do redis-cli -p "$outbound_port" set "rating:$i" "$((i % 5 + 1))" >/dev/null; done
redis-cli -p "$outbound_port" get rating:7 | sed 's/^/    rating:7 = /'

# 9. What the client moved, in RESP bytes: 3 PING/PONG on the long-lived connection, the 20
#    SETs (+OK each) and one GET.
read -r client_sent client_received < <(python3 - <<'PY'
def resp(*args):
    out = f"*{len(args)}\r\n"
    for arg in args:
        out += f"${len(arg)}\r\n{arg}\r\n"
    return len(out.encode())
sent = 3 * resp("PING") + sum(resp("set", f"rating:{i}", str(i % 5 + 1)) for i in range(1, 21)) + resp("get", "rating:7")
received = 3 * len(b"+PONG\r\n") + 20 * len(b"+OK\r\n") + len(b"$1\r\n3\r\n")
print(sent, received)
PY
)
echo "==> the client sent $client_sent bytes and received $client_received bytes over 22 connections"

# 10. Let the last reports and scrapes land, then ask Prometheus.
python3 "$here/query-prometheus.py" "127.0.0.1:$prom_port" 22 "$client_sent" "$client_received"

if $keep_running; then
  echo "==> still running: Prometheus at http://127.0.0.1:$prom_port (Ctrl-C to stop)"
  trap 'cleanup; exit 0' INT TERM
  wait
fi
