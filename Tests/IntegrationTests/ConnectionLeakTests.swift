import NIOCore
import NIOPosix
import Relay
import RelayServer
import Testing

/// Thousands of real short connections through a Relay (loopback, port 0): once they are all
/// closed, every per-connection object must be freed (live-object counts of the relay's event
/// loops back to zero) and every stat total must equal destroyed + active.
///
/// Serialized, so the suite adds one burst of connections at a time to a shared machine. The
/// relay may still be working through queued sockets when the clients are done (a client that
/// closes at once does not wait for the accept), so settling waits up to a minute; a leak
/// never settles.
@Suite(
    .enabled(if: bundledHas("envoy.filters.network.tcp_proxy") && LiveObjectCounter.isEnabled),
    .serialized,
    .timeLimit(.minutes(3))
)
struct ConnectionLeakTests {
    static func proxyYAML(backendPort: Int, cluster: String = "") -> String {
        TestBootstrap.tcpProxy(
            backends: [backendPort], listener: TestBootstrap.listenerStatPrefix, cluster: cluster, connectTimeout: "5s"
        )
    }

    /// Waits until nothing is open on `relay` and every counted object of its event loops is
    /// freed, then checks each count and the stats balance.
    static func expectEverythingFreed(
        _ relay: RunningRelay,
        listener: String = "front",
        cluster: String = "backend",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let loops = relay.server.eventLoops
        let settled = try await eventually(timeout: .seconds(60)) {
            relay.gauge("listener.\(listener).downstream_cx_active") == 0
                && relay.gauge("cluster.\(cluster).upstream_cx_active") == 0
                && LiveObjectCounter.snapshot(on: loops).values.allSatisfy { $0 == 0 }
        }
        #expect(settled, "live objects: \(LiveObjectCounter.snapshot(on: loops))", sourceLocation: sourceLocation)
        for kind in LiveObjectCounter.Kind.allCases {
            #expect(LiveObjectCounter.count(kind, on: loops) == 0, "\(kind) still alive", sourceLocation: sourceLocation)
        }
        expectBalancedStats(relay, listener: listener, cluster: cluster, sourceLocation: sourceLocation)
    }

    /// Every total equals destroyed + active (Envoy's invariant), and destroyed splits into
    /// local + remote.
    static func expectBalancedStats(
        _ relay: RunningRelay,
        listener: String,
        cluster: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let downstreamTotal = relay.counter("listener.\(listener).downstream_cx_total")
        let downstreamDestroy = relay.counter("listener.\(listener).downstream_cx_destroy")
        let downstreamActive = relay.gauge("listener.\(listener).downstream_cx_active")
        #expect(
            downstreamTotal == downstreamDestroy + UInt64(max(0, downstreamActive)),
            "listener: total \(downstreamTotal), destroy \(downstreamDestroy), active \(downstreamActive)",
            sourceLocation: sourceLocation
        )
        let prefix = "cluster.\(cluster)."
        let total = relay.counter(prefix + "upstream_cx_total")
        let destroy = relay.counter(prefix + "upstream_cx_destroy")
        let local = relay.counter(prefix + "upstream_cx_destroy_local")
        let remote = relay.counter(prefix + "upstream_cx_destroy_remote")
        let active = relay.gauge(prefix + "upstream_cx_active")
        #expect(
            total == destroy + UInt64(max(0, active)),
            "cluster: total \(total), destroy \(destroy), active \(active)",
            sourceLocation: sourceLocation
        )
        #expect(destroy == local + remote, "cluster: destroy \(destroy), local \(local), remote \(remote)", sourceLocation: sourceLocation)
        #expect(
            relay.gauge(prefix + "upstream_cx_active") >= 0 && relay.gauge("listener.\(listener).downstream_cx_active") >= 0,
            sourceLocation: sourceLocation
        )
    }

    @Test func echoedShortConnectionsFreeEveryObject() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let relay = try await RunningRelay.start(yaml: Self.proxyYAML(backendPort: backend.port))
        let count = 2000
        let good = try await ShortConnectionClient.run(count: count, port: relay.port("front"), .pingPong, group: group)
        #expect(good == count)
        try await Self.expectEverythingFreed(relay)
        #expect(relay.counter("listener.front.downstream_cx_total") == UInt64(count))
        #expect(relay.counter("cluster.backend.upstream_cx_total") == UInt64(count))
        await relay.stop()
        await backend.stop()
    }

    @Test func connectThenCloseFreesEveryObject() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let relay = try await RunningRelay.start(yaml: Self.proxyYAML(backendPort: backend.port))
        let count = 1000
        _ = try await ShortConnectionClient.run(count: count, port: relay.port("front"), .closeAtOnce, group: group)
        try await Self.expectEverythingFreed(relay)
        #expect(relay.counter("listener.front.downstream_cx_total") == UInt64(count))
        await relay.stop()
        await backend.stop()
    }

    @Test func refusedUpstreamFreesEveryObject() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        // A port that was just free: nothing listens there, so every connect is refused.
        let placeholder = try await EchoBackend.start(group: group)
        let refusedPort = placeholder.port
        await placeholder.stop()
        let relay = try await RunningRelay.start(yaml: Self.proxyYAML(backendPort: refusedPort))
        let count = 1000
        let closedByRelay = try await ShortConnectionClient.run(
            count: count, port: relay.port("front"), .awaitPeerClose, group: group
        )
        #expect(closedByRelay == count)
        try await Self.expectEverythingFreed(relay)
        #expect(relay.counter("cluster.backend.upstream_cx_connect_fail") == UInt64(count))
        #expect(relay.counter("cluster.backend.upstream_cx_total") == UInt64(count))
        #expect(relay.counter("cluster.backend.upstream_cx_destroy") == UInt64(count))
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_remote") == UInt64(count))
        await relay.stop()
    }

    /// Clients that reset right after connecting race the upstream connect: some resets land
    /// before it finishes, some after. Every upstream connection is still accounted for.
    @Test func clientResetsRacingTheUpstreamConnectBalanceTheStats() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let relay = try await RunningRelay.start(yaml: Self.proxyYAML(backendPort: backend.port))
        let count = 1000
        _ = try await ShortConnectionClient.run(count: count, port: relay.port("front"), .resetAtOnce, group: group)
        try await Self.expectEverythingFreed(relay)
        #expect(relay.counter("listener.front.downstream_cx_total") == UInt64(count))
        #expect(relay.counter("listener.front.downstream_cx_destroy") == UInt64(count))
        await relay.stop()
        await backend.stop()
    }

    /// The upstream is TLS to a server that never answers, so the upstream connect (TCP and
    /// handshake) is always still pending when the client resets: every attempt must end as a
    /// locally destroyed upstream connection.
    @Test func clientResetDuringAPendingUpstreamConnectCountsALocalDestroy() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let certs = try await TestCertificates()
        let silent = try await SilentBackend.start(group: group)
        let tls = TLSYAML.upstream(certs: certs, sni: "silent.test", alpn: [], san: TLSYAML.mongodbSAN)
        let relay = try await RunningRelay.start(yaml: Self.proxyYAML(backendPort: silent.port, cluster: tls))
        let count = 300
        _ = try await ShortConnectionClient.run(count: count, port: relay.port("front"), .resetAtOnce, group: group)
        try await Self.expectEverythingFreed(relay)
        let attempts = relay.counter("cluster.backend.upstream_cx_total")
        #expect(attempts > 0)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy") == attempts)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_local") == attempts)
        #expect(relay.counter("cluster.backend.upstream_cx_connect_fail") == 0)
        await relay.stop()
        await silent.stop()
    }

    /// Plain client → Relay A (originates TLS) → Relay B (tls_inspector, terminates TLS) →
    /// echo: both relays free every TLS connection's objects.
    @Test func tlsShortConnectionsFreeEveryObject() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: group)
        let (outbound, inbound) = try await RunningRelay.startTLSPair(certs: certs, backendPort: backend.port)
        let count = 200
        let good = try await ShortConnectionClient.run(count: count, parallel: 16, port: outbound.port("front"), .pingPong, group: group)
        #expect(good == count)
        try await Self.expectEverythingFreed(outbound)
        try await Self.expectEverythingFreed(inbound)
        #expect(inbound.counter("listener.front.ssl.handshake") == UInt64(count))
        await outbound.stop()
        await inbound.stop()
        await backend.stop()
    }
}

/// A TCP server on 127.0.0.1:0 that accepts and reads but never writes.
final class SilentBackend: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func start(group: any EventLoopGroup) async throws -> SilentBackend {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return SilentBackend(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}
