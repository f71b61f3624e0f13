#!/usr/bin/env python3
"""Waits until Prometheus has scraped the final TCP reports of both sidecars, then prints the
istio_tcp_* series the way Istio's task shows them.

usage: query-prometheus.py <prometheus host:port> <connections> <client sent bytes> <client received bytes>

Exits non-zero unless both sidecars report every connection opened and closed, and byte
counts equal to what the client moved (received_bytes = what the client sent, sent_bytes =
what it received).
"""
import json
import sys
import time
import urllib.parse
import urllib.request

prom = sys.argv[1]
connections, client_sent, client_received = (int(arg) for arg in sys.argv[2:5])
SHOWN = [
    "reporter", "source_workload", "source_app", "source_version", "source_canonical_service",
    "source_canonical_revision", "source_principal", "destination_workload", "destination_app",
    "destination_version", "destination_canonical_service", "destination_canonical_revision",
    "destination_service", "destination_principal", "connection_security_policy", "response_flags",
    "instance", "job",
]


def query(expr):
    url = f"http://{prom}/api/v1/query?query={urllib.parse.quote(expr)}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)["data"]["result"]


def total(metric, reporter):
    return sum(float(r["value"][1]) for r in query(f'{metric}{{reporter="{reporter}"}}'))


# Every connection is closed now: wait until both sidecars' closed counts agree with their
# opened counts and have been scraped (reports land within one interval, scrapes every 1s).
deadline = time.time() + 30
while time.time() < deadline:
    counts = [total(m, r) for m in ("istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total")
              for r in ("source", "destination")]
    if counts[0] >= connections and len(set(counts)) == 1:
        break
    time.sleep(0.5)

failed = False
for metric in ("istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total",
               "istio_tcp_sent_bytes_total", "istio_tcp_received_bytes_total"):
    series = query(metric)
    print(f"\n{metric}")
    if not series:
        print("  (no series)")
        failed = True
    for result in sorted(series, key=lambda r: r["metric"]["reporter"]):
        labels = result["metric"]
        print("  {")
        for key in SHOWN:
            if key in labels:
                print(f'    {key}="{labels[key]}",')
        print(f"  }} {result['value'][1]}")

print()
for reporter in ("source", "destination"):
    opened = total("istio_tcp_connections_opened_total", reporter)
    closed = total("istio_tcp_connections_closed_total", reporter)
    sent = total("istio_tcp_sent_bytes_total", reporter)
    received = total("istio_tcp_received_bytes_total", reporter)
    ok = opened == connections and closed == connections and received == client_sent and sent == client_received
    verdict = "matches the client" if ok else "MISMATCH"
    print(f"reporter={reporter}: opened={opened:.0f} closed={closed:.0f} "
          f"received_bytes={received:.0f} sent_bytes={sent:.0f} -> {verdict}")
    failed = failed or not ok
sys.exit(1 if failed else 0)
