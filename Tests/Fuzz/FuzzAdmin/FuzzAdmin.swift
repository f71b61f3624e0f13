import FuzzSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Relay

@testable import RelayServer

/// libFuzzer target for the admin server's request handling: the part Relay owns on top of
/// NIOHTTP1 (URL path and query-string splitting, percent-decoding, `/stats` parameters with
/// `filter=` regular expressions, `format=`, `type=`, `usedonly`, and endpoint dispatch),
/// against a populated stats store. Each input is used three ways:
///
/// 1. as the request target given to `AdminHandler.route`, with a method picked by its length;
/// 2. as the target of a `GET … HTTP/1.1` request sent through the real admin pipeline
///    (`configureHTTPServerPipeline` + `AdminHandler`) on an `EmbeddedChannel`;
/// 3. as raw bytes on that same pipeline (malformed HTTP must get a 400 and a close).
///
/// Built with `-D FUZZING -sanitize=fuzzer,address` by `Tests/Fuzz/run.sh admin`; a normal build
/// makes a replay tool instead: `FuzzAdmin <file>...`.
@main enum FuzzAdmin: FuzzTarget {
    static let methods: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .DELETE]
    static let context = makeContext()

    static func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        context.state.set(.live)
        context.state.setHealthCheckFailed(false)
        let target = String(decoding: bytes, as: UTF8.self)
        let method = methods[bytes.count % methods.count]
        _ = AdminHandler(admin: context).route(HTTPRequestHead(version: .http1_1, method: method, uri: target))

        var request = ByteBuffer(string: "GET ")
        request.writeBytes(bytes)
        request.writeString(" HTTP/1.1\r\nhost: fuzz\r\n\r\n")
        serve(request)
        serve(ByteBuffer(bytes: bytes))
    }

    /// Sends `request` through the admin pipeline and drains whatever it answers.
    static func serve(_ request: ByteBuffer) {
        let channel = EmbeddedChannel()
        do {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: false)
            try channel.pipeline.syncOperations.addHandler(AdminHandler(admin: context))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9901)).wait()
        } catch {
            fatalError("admin pipeline setup failed: \(error)")
        }
        _ = try? channel.writeInbound(request)
        while let response = try? channel.readOutbound(as: IOData.self) {
            _ = response.readableBytes
        }
        _ = try? channel.finish()
    }

    /// A context like a running server's: Envoy-named counters, gauges and histograms (with
    /// tags to extract), a custom-namespace metric, used and never-used stats.
    static func makeContext() -> AdminContext {
        let stats = StatsStore()
        let state = ServerState(stats: stats, concurrency: 2)
        let root = stats.root
        for cluster in ["backend", "outbound|9080||reviews.default.svc.cluster.local", "xds-grpc"] {
            let scope = root.scope("cluster").scope(cluster)
            scope.counter("upstream_cx_total").increment(by: 3)
            scope.counter("upstream_cx_connect_fail").increment()
            _ = scope.counter("upstream_cx_none_healthy")  // never used: usedonly hides it
            scope.gauge("upstream_cx_active").set(2)
            scope.histogram("upstream_cx_length_ms").record(12.5)
            _ = scope.histogram("upstream_cx_connect_ms")
        }
        for listener in ["0.0.0.0_15006", "127.0.0.1_8080", "[::1]_9000"] {
            let scope = root.scope("listener").scope(listener)
            scope.counter("downstream_cx_total").increment(by: 7)
            scope.gauge("downstream_cx_active").set(1)
            scope.histogram("downstream_cx_length_ms").record(3)
        }
        let tcp = root.scope("tcp").scope("inbound_9080")
        tcp.counter("downstream_cx_total").increment()
        _ = tcp.counter("downstream_cx_no_route")
        _ = tcp.counter("upstream_flush_total")
        let labels = [StatTag("reporter", "destination"), StatTag("source_workload", "productpage-v1"), StatTag("response_flags", "-")]
        stats.counter(.custom(namespace: "istiocustom", metric: "istio_tcp_connections_opened_total", tags: labels)).increment()
        stats.counter(.custom(namespace: "istiocustom", metric: "istio_tcp_sent_bytes_total", tags: labels)).increment(by: 4096)
        state.publish()
        return AdminContext(
            stats: stats,
            state: state,
            configDumpJSON: { "{\"configs\":[]}\n" },
            serverInfoJSON: { "{\"state\":\"LIVE\"}\n" },
            listenersText: { json in json ? "{\"listener_statuses\":[]}\n" : "" },
            clustersText: { json in json ? "{\"cluster_statuses\":[]}\n" : "" },
            quit: {},
            drainListeners: { _, _ in }
        )
    }
}
