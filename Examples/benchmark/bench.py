#!/usr/bin/env python3
"""Relay vs HAProxy vs nginx (stream) as L4 proxies, one worker each, in the same run.

Called by bench.sh (which installs the tools and builds Relay in release). Standard library only.
Every row is measured once per round for every proxy, the proxy order rotating from round to
round; the table shows medians over the rounds, ratios to HAProxy, the CPU seconds each proxy
spent during the row (utime+stime from /proc/<pid>/stat) and its peak RSS during the row
(VmHWM, reset through /proc/<pid>/clear_refs before the row). Certificates, configs and logs
live in a temporary directory that is removed at exit, with every process this script started.

    usage: bench.py --relay PATH [--seconds N] [--rounds N]
"""
import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import shutil
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CLK = os.sysconf("SC_CLK_TCK")
PROXIES = ["relay", "haproxy", "nginx"]
TITLES = {"relay": "Relay", "haproxy": "HAProxy", "nginx": "nginx",
          "istio": "2 Relays, Istio mTLS+MX+stats", "plain": "2 Relays, plain tcp_proxy",
          "hplain": "2 HAProxies, plain", "htls": "2 HAProxies, mTLS"}
# The two-proxy chains: (row title, Relay's chain, HAProxy's chain of the same shape). HAProxy's
# mTLS chain has the same certificates, ALPN and client-certificate check as the Istio chain,
# without metadata exchange and stats, which HAProxy has no equivalent of.
CHAINS = [("2 proxies, plain", "plain", "hplain"),
          ("2 proxies, mTLS (Relay: Istio mTLS+MX+stats; HAProxy: mTLS)", "istio", "htls")]
CHAIN_KINDS = ["plain", "istio", "hplain", "htls"]


# ---------------------------------------------------------------- processes

class Processes:
    """Every process this script starts, so that all of them can be stopped at exit."""

    def __init__(self, work):
        self.work = work
        self.popens = []

    def spawn(self, name, args, **kwargs):
        log = open(os.path.join(self.work, f"{name}.log"), "ab")
        popen = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, **kwargs)
        self.popens.append(popen)
        return popen

    def stop(self, popen):
        if popen.poll() is None:
            popen.terminate()
            try:
                popen.wait(5)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()

    def stop_all(self):
        for popen in reversed(self.popens):
            try:
                self.stop(popen)
            except Exception:
                pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what}: nothing listens on 127.0.0.1:{port}")


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLK


def status_kib(pids, key):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    total += int(line.split()[1])
    return total


def reset_peak_rss(pids):
    for pid in pids:
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass


def run(args, timeout, **kwargs):
    result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=timeout, **kwargs)
    return result


# ---------------------------------------------------------------- proxies

class Proxy:
    """One running proxy (or chain): the pids whose CPU and memory count, and its ports."""

    def __init__(self, kind, popens, pids, ports):
        self.kind, self.popens, self.pids, self.ports = kind, popens, pids, ports


def relay_yaml(listeners, cert_dir):
    lines = ["static_resources:", "  listeners:"]
    clusters = {}
    for name, port, backend, tls in listeners:
        cluster = f"backend_{backend}"
        clusters[cluster] = backend
        lines += [
            f"  - name: {name}",
            f"    address: {{ socket_address: {{ address: 127.0.0.1, port_value: {port} }} }}",
            "    filter_chains:",
        ]
        if tls:
            lines += [
                "    - transport_socket:",
                "        name: envoy.transport_sockets.tls",
                "        typed_config:",
                '          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
                "          common_tls_context:",
                "            tls_certificates:",
                f'            - certificate_chain: {{ filename: "{cert_dir}/mongodb.crt" }}',
                f'              private_key: {{ filename: "{cert_dir}/mongodb.key" }}',
                "      filters:",
            ]
        else:
            lines += ["    - filters:"]
        lines += [
            "      - name: envoy.filters.network.tcp_proxy",
            "        typed_config:",
            '          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
            f"          stat_prefix: {name}",
            f"          cluster: {cluster}",
        ]
    lines += ["  clusters:"]
    for cluster, backend in clusters.items():
        lines += [
            f"  - name: {cluster}",
            "    connect_timeout: 5s",
            # Envoy's default circuit breaker allows 1,024 upstream connections; HAProxy and nginx
            # get the same high limit (maxconn, worker_connections).
            "    circuit_breakers: { thresholds: [ { max_connections: 1000000, max_pending_requests: 1000000 } ] }",
            "    load_assignment:",
            f"      cluster_name: {cluster}",
            "      endpoints:",
            "      - lb_endpoints:",
            f"        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {backend} }} }} }}",
        ]
    return "\n".join(lines) + "\n"


def haproxy_cfg(listeners, cert_dir, maxconn):
    lines = ["global", "  nbthread 1", f"  maxconn {maxconn}", "defaults", "  mode tcp",
             "  timeout connect 5s", "  timeout client 10m", "  timeout server 10m"]
    for name, port, backend, tls in listeners:
        ssl = f" ssl crt {cert_dir}/mongodb.pem" if tls else ""
        lines += [f"frontend f_{name}", f"  bind 127.0.0.1:{port}{ssl}", f"  default_backend b_{name}",
                  f"backend b_{name}", f"  server s 127.0.0.1:{backend}"]
    return "\n".join(lines) + "\n"


def nginx_conf(listeners, cert_dir, work, tag, maxconn, nofile):
    servers = []
    for name, port, backend, tls in listeners:
        if tls:
            servers.append(f"  server {{ listen 127.0.0.1:{port} ssl; ssl_protocols TLSv1.2 TLSv1.3; "
                           f"ssl_certificate {cert_dir}/mongodb.crt; ssl_certificate_key {cert_dir}/mongodb.key; "
                           f"proxy_pass 127.0.0.1:{backend}; }}")
        else:
            servers.append(f"  server {{ listen 127.0.0.1:{port}; proxy_pass 127.0.0.1:{backend}; }}")
    return "\n".join([
        "load_module /usr/lib/nginx/modules/ngx_stream_module.so;",
        "worker_processes 1;", "daemon off;", f"pid {work}/nginx-{tag}.pid;",
        # worker_connections counts the client and the upstream side of a proxied connection.
        f"error_log {work}/nginx-{tag}.err crit;", f"worker_rlimit_nofile {nofile};",
        f"events {{ worker_connections {2 * maxconn}; }}",
        "stream {", *servers, "}",
    ]) + "\n"


class Bench:
    def __init__(self, args, work, procs):
        self.args, self.work, self.procs = args, work, procs
        self.certs = os.path.join(work, "certs")
        self.serial = 0
        soft, hard = __import__("resource").getrlimit(__import__("resource").RLIMIT_NOFILE)
        self.nofile = soft
        # A proxy holds two descriptors per proxied connection.
        self.idle_connections = min(args.idle, (soft - 400) // 2)
        self.maxconn = max(4096, self.idle_connections + 100)

    # --- backends and certificates

    def start_backends(self):
        subprocess.run([os.path.join(ROOT, "Examples/bookinfo-tcp/gen-certs.sh"), self.certs],
                       check=True, stdout=subprocess.DEVNULL)
        for name in ("mongodb", "ratings-v2"):
            with open(os.path.join(self.certs, f"{name}.pem"), "w") as pem:
                for part in (f"{name}.crt", f"{name}.key"):
                    with open(os.path.join(self.certs, part)) as f:
                        pem.write(f.read())
        self.redis_port = free_port()
        self.procs.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--maxclients", str(self.maxconn + 100),
                                   "--protected-mode", "no"])
        wait_port(self.redis_port, "redis-server")

    def start_iperf_server(self, name):
        """One iperf3 server per proxy: a server still tearing down the previous proxy's test
        ("the server is busy") must not fail the next proxy's."""
        port = free_port()
        self.procs.spawn(f"iperf3-server-{name}", ["iperf3", "-s", "-p", str(port), "-B", "127.0.0.1"])
        wait_port(port, f"iperf3 server for {name}")
        return port

    # --- proxies

    def start_proxy(self, kind, targets):
        """targets: list of (name, backend_port, tls). Returns a Proxy with ports by name."""
        self.serial += 1
        tag = f"{kind}-{self.serial}"
        listeners = [(name, free_port(), backend, tls) for name, backend, tls in targets]
        ports = {name: port for name, port, _, _ in listeners}
        if kind == "relay":
            path = os.path.join(self.work, f"{tag}.yaml")
            with open(path, "w") as f:
                f.write(relay_yaml(listeners, self.certs))
            popen = self.procs.spawn(tag, [self.args.relay, "-c", path, "--concurrency", "1", "-l", os.environ.get("RELAY_LOG", "error")])
            pids = [popen.pid]
        elif kind == "haproxy":
            path = os.path.join(self.work, f"{tag}.cfg")
            with open(path, "w") as f:
                f.write(haproxy_cfg(listeners, self.certs, self.maxconn))
            popen = self.procs.spawn(tag, ["haproxy", "-f", path, "-db"])
            pids = [popen.pid]
        else:
            path = os.path.join(self.work, f"{tag}.conf")
            with open(path, "w") as f:
                f.write(nginx_conf(listeners, self.certs, self.work, tag, self.maxconn, self.nofile))
            popen = self.procs.spawn(tag, ["nginx", "-c", path])
            pids = None
        for name, port in ports.items():
            wait_port(port, f"{tag} listener {name}")
        if pids is None:  # nginx: the master forks one worker, which does the work
            deadline = time.time() + 10
            while not children(popen.pid) and time.time() < deadline:
                time.sleep(0.05)
            pids = children(popen.pid)
            if not pids:
                raise RuntimeError("nginx started no worker")
        return Proxy(kind, [popen], pids, ports)

    def start_haproxy_chain(self, kind):
        """Two HAProxies: outbound -> inbound -> redis, plain or with mutual TLS between them."""
        self.serial += 1
        inbound_port, outbound_port = free_port(), free_port()
        c = self.certs
        bind_tls = server_tls = ""
        if kind == "htls":
            bind_tls = (f" ssl crt {c}/mongodb.pem ca-file {c}/ca.crt verify required"
                        " alpn istio-peer-exchange,istio")
            server_tls = (f" ssl crt {c}/ratings-v2.pem ca-file {c}/ca.crt verify required"
                          " alpn istio-peer-exchange,istio")
        popens = []
        for side, port, backend, bind, server in (("inbound", inbound_port, self.redis_port, bind_tls, ""),
                                                  ("outbound", outbound_port, inbound_port, "", server_tls)):
            text = "\n".join([
                "global", "  nbthread 1", f"  maxconn {self.maxconn}", "defaults", "  mode tcp",
                "  timeout connect 10s", "  timeout client 10m", "  timeout server 10m",
                "listen chain", f"  bind 127.0.0.1:{port}{bind}",
                f"  server s 127.0.0.1:{backend}{server}",
            ]) + "\n"
            path = os.path.join(self.work, f"{kind}-{side}-{self.serial}.cfg")
            with open(path, "w") as f:
                f.write(text)
            popens.append(self.procs.spawn(f"{kind}-{side}-{self.serial}", ["haproxy", "-f", path, "-db"]))
        wait_port(inbound_port, f"{kind} chain inbound")
        wait_port(outbound_port, f"{kind} chain outbound")
        return Proxy(kind, popens, [p.pid for p in popens], {"redis": outbound_port})

    def start_chain(self, kind):
        """Two Relays: outbound sidecar -> inbound sidecar -> redis, Istio-shaped or plain."""
        if kind in ("hplain", "htls"):
            return self.start_haproxy_chain(kind)
        self.serial += 1
        inbound_port, outbound_port = free_port(), free_port()
        if kind == "istio":
            def render(template, extra):
                with open(os.path.join(ROOT, "Examples/bookinfo-tcp", template)) as f:
                    text = f.read()
                text = (text.replace("@CERTS@", self.certs).replace("@INTERVAL@", "60s")
                        .replace("@DB_PORT@", str(self.redis_port)).replace("@INBOUND_PORT@", str(inbound_port))
                        # Istio's default connect timeout (10 s), which covers the TLS handshake; the
                        # demo's 1 s fails spuriously on a loaded machine.
                        .replace("connect_timeout: 1s", "connect_timeout: 10s"))
                # The admin address stays on port 0; the listener's port 0 (the second) is ours.
                first = text.index("port_value: 0")
                second = text.index("port_value: 0", first + 1)
                return text[:second] + f"port_value: {extra}" + text[second + len("port_value: 0"):]
            inbound = render("mongodb-sidecar.yaml.in", inbound_port)
            outbound = render("ratings-v2-sidecar.yaml.in", outbound_port)
        else:
            inbound = relay_yaml([("inbound", inbound_port, self.redis_port, False)], self.certs)
            outbound = relay_yaml([("outbound", outbound_port, inbound_port, False)], self.certs)
        popens = []
        for side, text in (("inbound", inbound), ("outbound", outbound)):
            path = os.path.join(self.work, f"{kind}-{side}-{self.serial}.yaml")
            with open(path, "w") as f:
                f.write(text)
            popens.append(self.procs.spawn(f"{kind}-{side}-{self.serial}",
                                           [self.args.relay, "-c", path, "--concurrency", "1", "-l", os.environ.get("RELAY_LOG", "error")]))
        wait_port(inbound_port, f"{kind} chain inbound")
        wait_port(outbound_port, f"{kind} chain outbound")
        return Proxy(kind, popens, [p.pid for p in popens], {"redis": outbound_port})

    # --- workloads (each returns (value, extra text))

    def iperf(self, port, streams):
        args = ["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", str(self.args.seconds), "-J"]
        if streams > 1:
            args += ["-P", str(streams)]
        for _ in range(20):
            result = run(args, timeout=self.args.seconds + 30)
            data = json.loads(result.stdout or "{}")
            if "busy" not in data.get("error", ""):
                break
            time.sleep(0.5)  # the server is still finishing this proxy's previous test
        if "error" in data or "end" not in data:
            raise RuntimeError(f"iperf3: {data.get('error', result.stderr.strip()[:120])}")
        return data["end"]["sum_received"]["bits_per_second"] / 1e9, ""

    def redis(self, port, test, clients, keepalive, requests, tls=False):
        args = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test, "-c", str(clients),
                "-n", str(requests), "--csv"]
        if not keepalive:
            args += ["-k", "0"]
        if tls:
            args += ["--tls", "--insecure"]
        result = run(args, timeout=max(120, self.args.seconds * 30))
        rows = [line for line in result.stdout.splitlines() if line.startswith('"') and "rps" not in line]
        if result.returncode != 0 or not rows:
            raise RuntimeError(f"redis-benchmark: rc {result.returncode} {result.stderr.strip()[-120:]}")
        header = [h.strip('"') for h in result.stdout.splitlines()[0].split(",")]
        values = [v.strip('"') for v in rows[-1].split(",")]
        fields = dict(zip(header, values))
        rps = float(fields["rps"])
        extra = {}
        if "p50_latency_ms" in fields:
            extra = {"p50": float(fields["p50_latency_ms"]), "p99": float(fields["p99_latency_ms"])}
        return rps, extra

    def tls_handshakes(self, port):
        clients = 2
        start = time.time()
        popens = [subprocess.Popen(["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new",
                                    "-time", str(self.args.seconds)],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True) for _ in range(clients)]
        total = 0
        for popen in popens:
            try:
                out, _ = popen.communicate(timeout=self.args.seconds + 30)
            except subprocess.TimeoutExpired:
                for p in popens:
                    p.kill()
                raise RuntimeError("openssl s_time hung")
            match = re.search(r"(\d+) connections in [\d.]+s", out)
            if not match or popen.returncode != 0:
                raise RuntimeError(f"openssl s_time: {out.strip()[-120:]}")
            total += int(match.group(1))
        if total == 0:
            raise RuntimeError("openssl s_time: no handshake completed")
        return total / (time.time() - start), ""

    def idle_connections_row(self, kind):
        """A fresh proxy; RSS growth per connection with N idle proxied connections open."""
        proxy = self.start_proxy(kind, [("redis", self.redis_port, False)])
        port = proxy.ports["redis"]
        try:
            ping = b"*1\r\n$4\r\nPING\r\n"
            with socket.create_connection(("127.0.0.1", port)) as warm:
                warm.sendall(ping)
                warm.recv(64)
            before = status_kib(proxy.pids, "VmRSS")
            cpu_before = cpu_seconds(proxy.pids)
            reset_peak_rss(proxy.pids)
            sockets = []
            try:
                n = self.idle_connections
                while len(sockets) < n:
                    batch = [socket.create_connection(("127.0.0.1", port), timeout=30)
                             for _ in range(min(500, n - len(sockets)))]
                    sockets += batch
                    for s in batch:
                        s.sendall(ping)
                    for s in batch:
                        if s.recv(64) != b"+PONG\r\n":
                            raise RuntimeError("no PONG through an idle connection")
                after = status_kib(proxy.pids, "VmRSS")
                peak = status_kib(proxy.pids, "VmHWM")
                cpu = cpu_seconds(proxy.pids) - cpu_before
            finally:
                for s in sockets:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    s.close()
            return (after - before) * 1024 / n / 1024, "", cpu, peak
        finally:
            for popen in proxy.popens:
                self.procs.stop(popen)

    # --- strace

    def syscalls_per_connection(self, proxy, connections=2000):
        """System calls per proxied connection, summed over the proxy's processes (both Relays
        of a chain: per client connection through the chain)."""
        out = os.path.join(self.work, f"strace-{proxy.kind}.txt")
        args = ["strace", "-c", "-f", "-o", out]
        for pid in proxy.pids:
            args += ["-p", str(pid)]
        tracer = self.procs.spawn(f"strace-{proxy.kind}", args)
        deadline = time.time() + 10
        while time.time() < deadline:  # wait until every thread of every process is traced
            untraced = 0
            for pid in proxy.pids:
                for task in os.listdir(f"/proc/{pid}/task"):
                    try:
                        with open(f"/proc/{pid}/task/{task}/status") as f:
                            untraced += any(line.startswith("TracerPid:") and line.split()[1] == "0"
                                            for line in f)
                    except OSError:
                        pass
            if untraced == 0:
                break
            time.sleep(0.05)
        try:
            self.redis(proxy.ports["redis"], "ping_inline", 20, False, connections)
        finally:
            tracer.send_signal(signal.SIGINT)
            tracer.wait(30)
        calls = {}
        with open(out) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 5 and re.fullmatch(r"[a-z_0-9]+", parts[-1]) and parts[0][0].isdigit():
                    if parts[-1] != "total":
                        calls[parts[-1]] = int(parts[3])
        # Every proxied connection connects upstream once in each process.
        accepted = calls.get("connect", 0) // len(proxy.pids)
        if accepted == 0:
            raise RuntimeError("strace saw no upstream connect")
        return {name: count / accepted for name, count in calls.items()}, accepted


# ---------------------------------------------------------------- table

def fmt(value, unit):
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if unit == "Gbit/s":
        return f"{value:.2f}"
    if unit in ("req/s", "handshakes/s"):
        return f"{value:,.0f}"
    if unit == "KiB/conn":
        return f"{value:.1f}"
    return f"{value:.1f}"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--relay", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=int, default=10000)
    parser.add_argument("--syscall-connections", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, configs)")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="relay-bench.")
    procs = Processes(work)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started in the background (SIGINT ignored)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        return bench(args, work, procs)
    finally:
        # Ctrl-C reaches the whole process group and bench.sh sends TERM as well: let no second
        # signal interrupt the cleanup.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        procs.stop_all()
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def bench(args, work, procs):
    b = Bench(args, work, procs)
    b.start_backends()
    proxies, errors = {}, {}  # errors: (row, kind) -> message
    for kind in PROXIES:
        try:
            iperf_port = b.start_iperf_server(kind)
            targets = [("iperf", iperf_port, False), ("redis", b.redis_port, False),
                       ("tls_iperf", iperf_port, True), ("tls_redis", b.redis_port, True)]
            proxies[kind] = b.start_proxy(kind, targets)
        except Exception as error:
            errors[("start", kind)] = f"{type(error).__name__}: {error}"
    # TLS bulk: iperf3 -> socat (TLS client) -> the proxy's TLS listener -> iperf3 server.
    wrappers = {}
    for kind, proxy in proxies.items():
        wrappers[kind] = free_port()
        procs.spawn(f"socat-{kind}", ["socat", "-b", "131072",
                                      f"TCP-LISTEN:{wrappers[kind]},bind=127.0.0.1,reuseaddr,fork",
                                      f"OPENSSL:127.0.0.1:{proxy.ports['tls_iperf']},verify=0"])
        wait_port(wrappers[kind], f"socat TLS client for {kind}")
    # The same cipher for everyone: record what each TLS listener negotiates.
    ciphers = {}
    for kind, proxy in proxies.items():
        result = run(["openssl", "s_client", "-connect", f"127.0.0.1:{proxy.ports['tls_redis']}", "-brief"],
                     timeout=10, input=None)
        match = re.search(r"Ciphersuite: (\S+)", result.stdout + result.stderr)
        version = re.search(r"Protocol version: (\S+)", result.stdout + result.stderr)
        ciphers[kind] = f"{version.group(1) if version else '?'} {match.group(1) if match else '?'}"
    chains = {}
    for kind in CHAIN_KINDS:
        try:
            chains[kind] = b.start_chain(kind)
        except Exception as error:
            errors[("start", kind)] = f"{type(error).__name__}: {error}"

    s = args.seconds
    keepalive_n = {}
    newconn_n = {}

    def keepalive(kind, port):
        n = keepalive_n.get(kind, 20000 * s)
        value, extra = b.redis(port, "ping_mbulk", 50, True, n)
        keepalive_n[kind] = max(5000, int(value * s))
        return value, extra

    def newconn(kind, port):
        n = newconn_n.get(kind, 2000 * s)
        value, extra = b.redis(port, "ping_inline", 20, False, n)
        newconn_n[kind] = max(1000, int(value * s))
        return value, extra

    tls_newconn_n = {}

    def tls_newconn(kind, port):
        n = tls_newconn_n.get(kind, 300 * s)
        value, extra = b.redis(port, "ping_inline", 20, False, n, tls=True)
        tls_newconn_n[kind] = max(300, int(value * s))
        return value, extra

    rows = [  # (key, label, unit, workload(kind, proxy) -> (value, extra), kinds)
        ("iperf1", "iperf3 bulk, 1 stream", "Gbit/s", lambda k, p: b.iperf(p.ports["iperf"], 1), PROXIES),
        ("iperf8", "iperf3 bulk, 8 streams", "Gbit/s", lambda k, p: b.iperf(p.ports["iperf"], 8), PROXIES),
        ("keep", "redis PING keep-alive, -c 50", "req/s", lambda k, p: keepalive(k, p.ports["redis"]), PROXIES),
        ("new", "new connection per request (ping_inline -c 20 -k 0)", "req/s",
         lambda k, p: newconn(k, p.ports["redis"]), PROXIES),
        ("tlshs", "TLS listener: full handshakes (2× s_time -new)", "handshakes/s",
         lambda k, p: b.tls_handshakes(p.ports["tls_redis"]), PROXIES),
        # The handshake row above proxies nothing: Relay, as Envoy's tcp_proxy, connects upstream
        # while the handshake runs, HAProxy only once the client sends. This row does the same
        # work in every proxy: handshake, upstream connect, one request, close.
        ("tlsnew", "TLS listener: new connection per request (ping_inline --tls -c 20 -k 0)", "req/s",
         lambda k, p: tls_newconn(k, p.ports["tls_redis"]), PROXIES),
        ("tlsbulk", "TLS listener: bulk (iperf3 via socat TLS client)", "Gbit/s",
         lambda k, p: b.iperf(wrappers[k], 1), PROXIES),
        ("chainkeep", "chain: redis PING keep-alive, -c 50", "req/s",
         lambda k, p: keepalive(k, p.ports["redis"]), CHAIN_KINDS),
        ("chainnew", "chain: new connection per request", "req/s",
         lambda k, p: newconn(k, p.ports["redis"]), CHAIN_KINDS),
    ]
    every = {**proxies, **chains}
    results = {}  # (row, kind) -> list of (value, extra, cpu, peak)
    for round_index in range(args.rounds):
        for key, label, unit, workload, kinds in rows:
            shift = round_index % len(kinds)
            for kind in kinds[shift:] + kinds[:shift]:
                if (key, kind) in errors:
                    continue
                if kind not in every:
                    errors[(key, kind)] = "did not start (see start)"
                    continue
                proxy = every[kind]
                try:
                    for pid in proxy.pids:
                        os.kill(pid, 0)
                    reset_peak_rss(proxy.pids)
                    cpu_before = cpu_seconds(proxy.pids)
                    value, extra = workload(kind, proxy)
                    cpu = cpu_seconds(proxy.pids) - cpu_before
                    peak = status_kib(proxy.pids, "VmHWM")
                    results.setdefault((key, kind), []).append((value, extra, cpu, peak))
                except Exception as error:  # a failing row is reported, the run goes on
                    errors[(key, kind)] = f"{type(error).__name__}: {error}"
                print(f"  round {round_index + 1}/{args.rounds} {key:9} {kind:8} "
                      f"{results.get((key, kind), [[errors.get((key, kind))]])[-1][0]}", file=sys.stderr)
        for kind in PROXIES[round_index % 3:] + PROXIES[:round_index % 3]:
            try:
                value, extra, cpu, peak = b.idle_connections_row(kind)
                results.setdefault(("idle", kind), []).append((value, extra, cpu, peak))
            except Exception as error:
                errors[("idle", kind)] = f"{type(error).__name__}: {error}"
            print(f"  round {round_index + 1}/{args.rounds} idle      {kind:8} "
                  f"{results.get(('idle', kind), [[errors.get(('idle', kind))]])[-1][0]}", file=sys.stderr)
    rows.append(("idle", f"{b.idle_connections:,} idle connections: RSS growth (lower is better)",
                 "KiB/conn", None, PROXIES))

    syscalls = {}
    for kind in [k for k in PROXIES + ["plain", "istio"] if k in every]:
        try:
            syscalls[kind] = b.syscalls_per_connection(every[kind], args.syscall_connections)
        except Exception as error:
            errors[("syscalls", kind)] = f"{type(error).__name__}: {error}"
        print(f"  syscalls {kind}: {syscalls.get(kind, (None, 0))[1]} connections", file=sys.stderr)

    # ------------------------------------------------------------ print
    def cell(key, kind):
        if (key, kind) in errors and (key, kind) not in results:
            return "FAIL¹", None
        samples = results.get((key, kind))
        if not samples:
            return "—", None
        value = median([s[0] for s in samples])
        return value, samples

    def fmt_cell(key, kind, value, unit):
        # A row that failed after some rounds succeeded shows the median of those, marked.
        if isinstance(value, str):
            return value
        return fmt(value, unit) + ("¹" if (key, kind) in errors else "")

    print(f"\nRelay vs HAProxy vs nginx, one worker each, loopback, {os.cpu_count()} cores, "
          f"{s} s per test, median of {args.rounds} round(s), order rotated per round; "
          f"load average at the end {os.getloadavg()[0]:.1f}.\n")
    print("| row | unit | Relay | HAProxy | nginx | Relay ÷ HAProxy | nginx ÷ HAProxy "
          "| CPU s (R / H / n) | peak RSS MiB (R / H / n) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for key, label, unit, _, kinds in rows:
        if kinds == PROXIES:
            values, texts, cpus, peaks = {}, {}, [], []
            for kind in PROXIES:
                value, samples = cell(key, kind)
                values[kind] = value if samples else None
                text = fmt_cell(key, kind, value, unit)
                if samples and samples[0][1] and isinstance(samples[0][1], dict) and "p50" in samples[0][1]:
                    p50 = median([x[1]["p50"] for x in samples])
                    p99 = median([x[1]["p99"] for x in samples])
                    text += f" (p50 {p50:.3f} / p99 {p99:.3f} ms)"
                texts[kind] = text
                cpus.append(f"{median([x[2] for x in samples]):.2f}" if samples else "—")
                peaks.append(f"{median([x[3] for x in samples]) / 1024:.0f}" if samples else "—")
            base = values["haproxy"]
            ratios = [f"{values[k] / base:.2f}×" if values[k] and base else "—" for k in ("relay", "nginx")]
            print(f"| {label} | {unit} | {texts['relay']} | {texts['haproxy']} | {texts['nginx']} | "
                  f"{ratios[0]} | {ratios[1]} | {' / '.join(cpus)} | {' / '.join(peaks)} |")
        else:
            # A chain row: Relay's chain beside HAProxy's of the same shape; the mTLS rows also
            # say what the mTLS chain costs against each proxy's own plain chain.
            for title, relay_kind, haproxy_kind in CHAINS:
                texts, values, cpus, peaks = {}, {}, [], []
                for kind in (relay_kind, haproxy_kind):
                    value, samples = cell(key, kind)
                    values[kind] = value if samples else None
                    text = fmt_cell(key, kind, value, unit)
                    if samples and "p50" in samples[0][1]:
                        text += (f" (p50 {median([x[1]['p50'] for x in samples]):.3f} / "
                                 f"p99 {median([x[1]['p99'] for x in samples]):.3f} ms)")
                    plain_kind = {"istio": "plain", "htls": "hplain"}.get(kind)
                    if plain_kind and samples:
                        _, plain = cell(key, plain_kind)
                        if plain:
                            text += f"; {value / median([x[0] for x in plain]):.2f}× its plain chain"
                    texts[kind] = text
                    cpus.append(f"{median([x[2] for x in samples]):.2f}" if samples else "—")
                    peaks.append(f"{median([x[3] for x in samples]) / 1024:.0f}" if samples else "—")
                base = values[haproxy_kind]
                ratio = f"{values[relay_kind] / base:.2f}×" if values[relay_kind] and base else "—"
                print(f"| {label.replace('chain', title)} | {unit} | {texts[relay_kind]} | {texts[haproxy_kind]} "
                      f"| — | {ratio} | — | {' / '.join(cpus)} / — | {' / '.join(peaks)} / — |")
    # System calls per proxied connection.
    groups = [("syscalls per proxied connection, total (lower is better)", None),
              ("· epoll_ctl", ["epoll_ctl"]),
              ("· getsockname + getpeername", ["getsockname", "getpeername"]),
              ("· setsockopt + getsockopt", ["setsockopt", "getsockopt"]),
              ("· mprotect + mmap + munmap + madvise + brk", ["mprotect", "mmap", "munmap", "madvise", "brk"]),
              ("· epoll_wait / epoll_pwait", ["epoll_wait", "epoll_pwait"])]
    for label, names in groups:
        values = {}
        for kind in PROXIES + ["plain", "istio"]:
            if kind in syscalls:
                per = syscalls[kind][0]
                values[kind] = sum(per.values()) if names is None else sum(per.get(n, 0) for n in names)
        texts = {k: (f"{values[k]:.1f}" if k in values else "FAIL¹") for k in PROXIES + ["plain", "istio"]}
        base = values.get("haproxy")
        ratios = [f"{values[k] / base:.2f}×" if k in values and base else "—" for k in ("relay", "nginx")]
        print(f"| {label} | calls/conn | {texts['relay']} | {texts['haproxy']} | {texts['nginx']} | "
              f"{ratios[0]} | {ratios[1]} | — | — |")
    for kind in ("plain", "istio"):
        if kind in syscalls:
            total = sum(syscalls[kind][0].values())
            ratio = "—"
            if kind == "istio" and "plain" in syscalls:
                ratio = f"{total / sum(syscalls['plain'][0].values()):.2f}× plain chain"
            text = f"{total:.1f}"
        else:
            text, ratio = "FAIL¹", "—"
        print(f"| {TITLES[kind]}: syscalls per client connection, both Relays | calls/conn | {text} | — | — "
              f"| {ratio} | — | — | — |")

    print()
    print("TLS: " + ", ".join(f"{TITLES[k]} {v}" for k, v in ciphers.items())
          + "; the same P-256 certificate everywhere.")
    print(f"syscalls: strace -c -f -p <pid> while {args.syscall_connections:,} requests run, each on a new "
          "connection; divided by the proxy's upstream connect() calls (one per proxied connection).")
    if b.idle_connections < args.idle:
        print(f"idle: {b.idle_connections:,} connections, not {args.idle:,}: the open-files limit is "
              f"{b.nofile} and a proxy holds two descriptors per connection.")
    for (key, kind), message in sorted(errors.items()):
        print(f"¹ {key} / {TITLES.get(kind, kind)}: {message}")
    if os.environ.get("BENCH_SYSCALL_DETAIL"):
        print("\nsyscalls per connection, in detail:")
        names = sorted({n for v in syscalls.values() for n in v[0]},
                       key=lambda n: -syscalls.get("relay", ({n: 0}, 0))[0].get(n, 0))
        print("| syscall | " + " | ".join(TITLES[k] for k in syscalls) + " |")
        print("| --- |" + " ---: |" * len(syscalls))
        for n in names:
            print(f"| {n} | " + " | ".join(f"{syscalls[k][0].get(n, 0):.2f}" for k in syscalls) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
