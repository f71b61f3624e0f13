import NIOCore
import Relay
import RelayTestKit
import TCPProxy
import Testing

/// The tcp_proxy filter on one in-memory connection: connect, bytes, half-close, close
/// propagation and connect failures (spec §3.5, behaviour 1–6).
@Suite struct TCPProxyFilterTests {
    @Test func downstreamReadsWaitForTheUpstreamThenBufferedBytesAreForwarded() throws {
        let proxy = try ProxyFixture()
        #expect(proxy.harness.transport.isReadEnabled == false)
        #expect(proxy.cluster().connectCalls == 1)
        proxy.harness.receive("early bytes")
        #expect(proxy.upstream == nil)

        proxy.upstreamConnects()
        #expect(proxy.harness.transport.isReadEnabled)
        #expect(proxy.upstreamWrittenString == "early bytes")
        #expect(proxy.downstream.upstreamHost === proxy.cluster().host)
        #expect(proxy.downstream.streamInfo.upstreamHost === proxy.cluster().host)
        #expect(proxy.downstream.streamInfo.upstreamCluster === proxy.cluster().info)

        proxy.harness.receive(" and later ones")
        #expect(proxy.upstreamWrittenString == "early bytes and later ones")
    }

    @Test func earlyBytesAndFINBeforeTheUpstreamAreBothForwarded() throws {
        let proxy = try ProxyFixture()
        proxy.harness.receive("request")
        proxy.harness.receiveEndOfStream()
        #expect(proxy.downstream.state == .open)
        proxy.upstreamConnects()
        #expect(proxy.upstreamWrittenString == "request")
        #expect(proxy.upstreamTransport?.didShutdownWrite == true)
        proxy.upstreamSends("reply")
        #expect(proxy.harness.writtenString == "reply")
    }

    @Test func severalMebibytesEachWayAreByteExact() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        let size = 4 << 20
        let up = pattern(size: size, seed: 1)
        let down = pattern(size: size, seed: 2)
        let chunk = 61 * 1024
        var offset = 0
        while offset < size {
            let length = min(chunk, size - offset)
            proxy.harness.receive(up.getSlice(at: offset, length: length)!)
            proxy.upstreamSends(down.getSlice(at: offset, length: (length * 3) / 4)!)
            proxy.upstreamSends(down.getSlice(at: offset + (length * 3) / 4, length: length - (length * 3) / 4)!)
            offset += length
        }
        #expect(proxy.upstreamTransport!.written == up)
        #expect(proxy.harness.written == down)
        #expect(proxy.counter("tcp.front.downstream_cx_rx_bytes_total") == UInt64(size))
        #expect(proxy.counter("tcp.front.downstream_cx_tx_bytes_total") == UInt64(size))
        #expect(proxy.downstream.streamInfo.bytesReceived == UInt64(size))
        #expect(proxy.downstream.streamInfo.bytesSent == UInt64(size))
        #expect(proxy.counter("tcp.front.downstream_cx_total") == 1)
    }

    @Test func downstreamHalfCloseIsPassedOnAndTheReplyKeepsFlowing() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        proxy.harness.receive("question")
        proxy.harness.receiveEndOfStream()
        #expect(proxy.upstreamWrittenString == "question")
        #expect(proxy.upstreamTransport?.didShutdownWrite == true)
        #expect(proxy.upstream?.state == .open)
        #expect(proxy.downstream.state == .open)

        proxy.upstreamSends("answer, part 1;")
        proxy.upstreamSends(" part 2")
        #expect(proxy.harness.writtenString == "answer, part 1; part 2")
        #expect(proxy.harness.transport.didShutdownWrite == false)

        proxy.upstreamSendsEndOfStream()
        #expect(proxy.harness.transport.didShutdownWrite)
        // Both directions ended: both sockets close after flushing.
        #expect(proxy.harness.transport.closeMode == .afterFlush)
        #expect(proxy.upstreamTransport?.closeMode == .afterFlush)
        #expect(proxy.downstream.state == .closed)
        #expect(proxy.upstream?.state == .closed)
    }

    @Test func upstreamHalfCloseIsPassedOnAndTheRequestKeepsFlowing() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        proxy.upstreamSends("banner")
        proxy.upstreamSendsEndOfStream()
        #expect(proxy.harness.writtenString == "banner")
        #expect(proxy.harness.transport.didShutdownWrite)
        #expect(proxy.downstream.state == .open)

        proxy.harness.receive("still talking")
        #expect(proxy.upstreamWrittenString == "still talking")
        #expect(proxy.upstreamTransport?.didShutdownWrite == false)
        proxy.harness.receiveEndOfStream()
        #expect(proxy.upstreamTransport?.didShutdownWrite == true)
        #expect(proxy.downstream.state == .closed)
    }

    @Test func downstreamResetClosesTheUpstreamAfterFlushingWhatItWasGiven() throws {
        // Spec §3.5 (6): downstream RemoteClose ⇒ upstream close(FlushWrite). Relay's
        // transport does not tell a reset from a plain close, so a reset behaves the same.
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        proxy.harness.receive("last words")
        proxy.harness.receiveReset()
        #expect(proxy.harness.events.last == .remoteClose)
        #expect(proxy.upstreamWrittenString == "last words")
        #expect(proxy.upstreamTransport?.closeMode == .afterFlush)
        #expect(proxy.upstream?.state == .closed)
    }

    @Test func downstreamLocalCloseClosesTheUpstreamWithoutFlushing() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        proxy.downstream.close(.noFlush)
        proxy.harness.drain()
        #expect(proxy.upstreamTransport?.closeMode == .immediately)
        #expect(proxy.upstreamEvents.last == .localClose)
    }

    @Test func downstreamCloseWhileConnectingCancelsTheAttempt() throws {
        let proxy = try ProxyFixture()
        let attempt = try #require(proxy.cluster().attempts.first)
        proxy.harness.receiveReset()
        #expect(attempt.isCancelled)
        #expect(proxy.upstream == nil)
    }

    @Test func upstreamRemoteCloseFlushesAndClosesTheDownstream() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        proxy.upstreamSends("goodbye")
        proxy.upstreamCloses()
        #expect(proxy.upstreamEvents.last == .remoteClose)
        #expect(proxy.harness.writtenString == "goodbye")
        #expect(proxy.harness.transport.closeMode == .afterFlush)
        #expect(proxy.downstream.state == .closed)
        #expect(proxy.harness.events.last == .localClose)
    }

    @Test func downstreamRemoteCloseFlushesTheUpstream() throws {
        // Half-close is on, so a plain FIN is an end of stream; the socket going away is the
        // remote close.
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        proxy.harness.receive("flush me")
        proxy.downstream.transportClosed()
        proxy.harness.drain()
        #expect(proxy.upstreamWrittenString == "flush me")
        #expect(proxy.upstreamTransport?.closeMode == .afterFlush)
    }

    // MARK: - Connect outcomes

    @Test func overflowFlagsUOAndCloses() throws {
        let proxy = try ProxyFixture { manager, _ in manager.clusters["backend"]!.mode = .overflow }
        #expect(proxy.flags.contains(.upstreamOverflow))
        #expect(proxy.flags.description == "UO")
        #expect(proxy.harness.transport.closeMode == .immediately)
        #expect(proxy.harness.events.last == .localClose)
        #expect(proxy.counter("cluster.backend.upstream_cx_overflow") == 1)
    }

    @Test func noHealthyHostFlagsUHAndCloses() throws {
        let proxy = try ProxyFixture { manager, _ in manager.clusters["backend"]!.mode = .noHealthyHost }
        #expect(proxy.flags.description == "UH")
        #expect(proxy.harness.transport.closeMode == .immediately)
        #expect(proxy.downstream.state == .closed)
    }

    @Test func oneAttemptFailingFlagsUFOnly() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamFails(.timeout)
        #expect(proxy.cluster().connectCalls == 1)
        #expect(proxy.flags.description == "UF")
        #expect(proxy.counter("cluster.backend.upstream_cx_connect_attempts_exceeded") == 0)
        #expect(proxy.downstream.state == .closed)
        #expect(proxy.downstream.streamInfo.upstreamHost === proxy.cluster().host)
    }

    @Test func failuresAreRetriedUpToMaxConnectAttemptsThenUFAndURX() throws {
        let proxy = try ProxyFixture(config: TCPProxyConfig(statPrefix: "front", cluster: "backend", maxConnectAttempts: 3))
        proxy.upstreamFails()
        #expect(proxy.cluster().connectCalls == 2)
        #expect(proxy.downstream.state == .open)
        proxy.upstreamFails(.handshakeFailure)
        #expect(proxy.cluster().connectCalls == 3)
        #expect(proxy.downstream.state == .open)
        proxy.upstreamFails(.remoteClose)
        #expect(proxy.cluster().connectCalls == 3)
        #expect(proxy.downstream.state == .closed)
        #expect(proxy.flags.contains(.upstreamConnectionFailure))
        #expect(proxy.flags.contains(.upstreamRetryLimitExceeded))
        #expect(proxy.flags.description == "UF,URX")
        #expect(proxy.counter("cluster.backend.upstream_cx_connect_attempts_exceeded") == 1)
    }

    @Test func aRetryThatSucceedsProxiesNormally() throws {
        let proxy = try ProxyFixture(config: TCPProxyConfig(statPrefix: "front", cluster: "backend", maxConnectAttempts: 2))
        proxy.harness.receive("hello")
        proxy.upstreamFails()
        proxy.upstreamConnects()
        #expect(proxy.upstreamWrittenString == "hello")
        #expect(proxy.flags.description == "-")
    }

    // MARK: - Cluster choice

    @Test func filterStateClusterOverrideWins() throws {
        let proxy = try ProxyFixture(clusterNames: ["backend", "other"]) { _, connection in
            try connection.filterState.set(.tcpProxyCluster, "other")
        }
        #expect(proxy.cluster("backend").connectCalls == 0)
        #expect(proxy.cluster("other").connectCalls == 1)
        proxy.upstreamConnects(cluster: "other")
        proxy.harness.receive("x")
        #expect(proxy.upstreamWrittenString == "x")
        #expect(proxy.downstream.streamInfo.upstreamCluster?.name == "other")
    }

    @Test func filterStateOverrideToAnUnknownClusterIsNoRoute() throws {
        let proxy = try ProxyFixture { _, connection in
            try connection.filterState.set(.tcpProxyCluster, "nowhere")
        }
        #expect(proxy.cluster().connectCalls == 0)
        #expect(proxy.flags.description == "NR")
        #expect(proxy.counter("tcp.front.downstream_cx_no_route") == 1)
        #expect(proxy.downstream.state == .closed)
    }

    @Test func weightedClustersRoughlyFollowTheirWeights() throws {
        let stats = StatsStore()
        let config = TCPProxyConfig(
            statPrefix: "front",
            weightedClusters: .init(clusters: [.init(name: "light", weight: 1), .init(name: "heavy", weight: 3)])
        )
        let manager = FakeClusterManager(clusterNames: ["light", "heavy"], stats: stats)
        let prepared = try TCPProxyFilter.Factory().prepare(config, context: .testing(clusterManager: manager))
        let connections = 800
        for _ in 0..<connections {
            _ = FilterHarness(recordForwarded: false) { TCPProxyFilter.Factory().makeFilters(prepared, into: &$0) }
        }
        let heavy = manager.clusters["heavy"]!.connectCalls
        let light = manager.clusters["light"]!.connectCalls
        #expect(heavy + light == connections)
        // Expected 600 ± 12.2 (one σ); the bounds are about 8 σ wide.
        #expect((500...700).contains(heavy), "heavy got \(heavy) of \(connections)")
        #expect(stats.existingCounter("tcp.front.downstream_cx_total")?.value == UInt64(connections))
    }

    // MARK: - Stats

    @Test func statNamesAreEnvoys() throws {
        let proxy = try ProxyFixture()
        proxy.upstreamConnects()
        proxy.harness.receive("abc")
        proxy.upstreamSends("defgh")
        let names = Set(proxy.stats.snapshot().counters.map(\.name.name))
        for name in [
            "tcp.front.downstream_cx_total", "tcp.front.downstream_cx_no_route",
            "tcp.front.downstream_cx_rx_bytes_total", "tcp.front.downstream_cx_tx_bytes_total",
            "tcp.front.downstream_flow_control_paused_reading_total",
            "tcp.front.downstream_flow_control_resumed_reading_total",
            "tcp.front.idle_timeout", "tcp.front.max_downstream_connection_duration",
            "tcp.front.upstream_flush_total",
        ] {
            #expect(names.contains(name), "missing \(name)")
        }
        #expect(proxy.counter("tcp.front.downstream_cx_rx_bytes_total") == 3)
        #expect(proxy.counter("tcp.front.downstream_cx_tx_bytes_total") == 5)
        let total = try #require(proxy.stats.existingCounter("tcp.front.downstream_cx_total"))
        #expect(total.name.tagExtractedName == "tcp.downstream_cx_total")
        #expect(total.name.tags == [StatTag("envoy.tcp_prefix", "front")])
        let gauges = Set(proxy.stats.snapshot().gauges.map(\.name.name))
        #expect(gauges.isSuperset(of: [
            "tcp.front.downstream_cx_tx_bytes_buffered", "tcp.front.downstream_cx_rx_bytes_buffered",
            "tcp.front.upstream_flush_active",
        ]))
    }
}
