#!/usr/bin/env bash
# Side-by-side L4 proxy benchmark on this machine: Relay vs HAProxy vs nginx (stream), one
# worker each (Relay --concurrency 1, HAProxy nbthread 1, nginx worker_processes 1), the same
# backends and clients, in the same run, the proxy order rotated per round, medians of the
# rounds, ratios to HAProxy, CPU seconds and peak RSS per proxy and row, and system calls per
# proxied connection (strace -c). Rows: iperf3 bulk (1 and 8 streams), redis PING keep-alive,
# a new connection per request, a TLS-terminating listener (handshakes/s and bulk), idle
# connections (RSS per connection), and the Istio sidecar chain (two Relays, mTLS + metadata
# exchange + istio.stats) against the same two Relays with plain tcp_proxy.
# Prints one markdown table; certificates, configs and logs live in a temporary directory; every
# process started here is stopped at exit. The orchestration is bench.py (Python 3 stdlib).
#
#   usage: Examples/benchmark/bench.sh [seconds-per-test] [rounds]
#   BENCH_SYSCALL_DETAIL=1 also prints every system call per connection.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-5}
rounds=${2:-3}

packages=(haproxy nginx-light libnginx-mod-stream iperf3 redis-server redis-tools openssl socat strace python3)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "==> building relay (release)" >&2
(cd "$root" && swift build -c release --product relay 2>&1 | tail -1) >&2
relay="$root/.build/release/relay"

# 10,000 idle connections need ~20,000 descriptors in the proxy: raise the limit as far as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

orchestrator=""
cleanup() {
  if [ -n "$orchestrator" ]; then
    kill -TERM "$orchestrator" 2>/dev/null || true
    wait "$orchestrator" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "==> measuring: ${seconds}s per test, $rounds round(s)" >&2
python3 "$here/bench.py" --relay "$relay" --seconds "$seconds" --rounds "$rounds" &
orchestrator=$!
wait "$orchestrator"
status=$?
orchestrator=""
exit $status
