import NIOCore
import NIOPosix
import Relay
import Testing

/// The fault matrix (issue 9): resets on either side, refused and black-holed upstreams,
/// half-close first on either side (plain and TLS). Real RelayServer, real sockets on loopback
/// (port 0), SHA-256 over every byte that must arrive, and after every fault the stats balance
/// (`total == destroy + active` at rest, `destroy == destroy_local + destroy_remote`).
///
/// Close types are checked against Envoy's tcp_proxy (`source/common/tcp_proxy/tcp_proxy.cc`,
/// `Filter::onUpstreamEvent` / `TcpUpstream::onDownstreamEvent`): on a remote close of either
/// side, reset or FIN, the other side is closed with `FlushWrite` (a FIN after the pending
/// bytes). Envoy propagates an upstream RST as an RST only for tunneled upstreams (runtime
/// `propagate_upstream_rst_through_tunneled_tcp_proxy`), and a downstream RST not at all (a
/// TODO in `TcpUpstream::onDownstreamEvent`).
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(2)))
struct FaultMatrixTests {
    static func yaml(backendPorts: [Int], proxyExtra: String = "", cluster: String = "", connectTimeout: String = "5s") -> String {
        TestBootstrap.tcpProxy(
            backends: backendPorts, listener: TestBootstrap.listenerStatPrefix, proxy: proxyExtra, cluster: cluster,
            connectTimeout: connectTimeout
        )
    }

    /// Waits until nothing is active on `relay`, then checks the balance.
    static func expectSettledAndBalanced(
        _ relay: RunningRelay,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let settled = try await eventually(timeout: .seconds(10)) {
            relay.gauge("listener.front.downstream_cx_active") == 0 && relay.gauge("cluster.backend.upstream_cx_active") == 0
        }
        #expect(settled, "connections still active", sourceLocation: sourceLocation)
        ConnectionLeakTests.expectBalancedStats(relay, listener: "front", cluster: "backend", sourceLocation: sourceLocation)
    }

    // MARK: - 1. Upstream RST

    /// The backend resets after its bytes were delivered: the client has every byte (both
    /// directions digested) and then a FIN, as Envoy's FlushWrite close of the downstream.
    @Test func upstreamResetAfterDeliveryClosesTheDownstreamWithAFlushedFIN() async throws {
        let backend = try await FaultBackend.start()
        let relay = try await RunningRelay.start(yaml: Self.yaml(backendPorts: [backend.port]))
        let client = try await FaultPeer.connect(port: relay.port("front"))
        let request = TestClient.payload(size: 1 << 20, seed: 11)
        let response = TestClient.payload(size: 1 << 20, seed: 12)

        try await client.send(request)
        let server = try #require(try await backend.peer())
        #expect(try await server.awaitReceived(request.readableBytes))
        try await server.send(response)
        #expect(try await client.awaitReceived(response.readableBytes))
        await server.reset()

        let end = try await client.awaitEnd()
        #expect(end == .eof, "the downstream ended with \(end.map { "\($0)" } ?? "nothing")")
        #expect(client.received == response.readableBytes)
        #expect(client.receivedDigest == sha256Hex(response))
        #expect(server.received == request.readableBytes)
        #expect(server.receivedDigest == sha256Hex(request))
        try await Self.expectSettledAndBalanced(relay)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_remote") == 1)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_local") == 0)
        await client.close()
        await relay.stop()
        await backend.stop()
    }

    /// The backend writes 8 MiB and resets at once, while the relay is still moving the bytes
    /// (most are still in the backend's send buffer, so the kernel drops them): the client gets
    /// a prefix of the stream, byte-exact, then an end; nothing hangs and the stats balance.
    @Test func upstreamResetMidStreamDeliversAnExactPrefix() async throws {
        let backend = try await FaultBackend.start()
        let relay = try await RunningRelay.start(yaml: Self.yaml(backendPorts: [backend.port]))
        let client = try await FaultPeer.connect(port: relay.port("front"))
        let response = TestClient.payload(size: 8 << 20, seed: 13)

        let server = try #require(try await backend.peer())
        server.startSending(response)
        await server.reset()

        let end = try await client.awaitEnd()
        #expect(end != nil)
        let received = client.received
        #expect(received <= response.readableBytes)
        #expect(client.receivedDigest == sha256Hex(response.getSlice(at: response.readerIndex, length: received)!))
        try await Self.expectSettledAndBalanced(relay)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_remote") == 1)
        print("upstream RST mid-stream: client received \(received) of \(response.readableBytes) bytes, then \(end.map { "\($0)" } ?? "-")")
        await client.close()
        await relay.stop()
        await backend.stop()
    }

    /// The client reads nothing while the backend sends 8 MiB (the relay pauses the upstream
    /// with its downstream buffer full), then the backend resets. Once the client reads, it
    /// gets an exact prefix of the stream and a FIN: the relay's FlushWrite close delivers what
    /// it held and does not hang on the slow client.
    @Test func upstreamResetWhileTheClientIsNotReadingFlushesWhatTheRelayHeld() async throws {
        let backend = try await FaultBackend.start()
        let relay = try await RunningRelay.start(yaml: Self.yaml(backendPorts: [backend.port]))
        let client = try await FaultPeer.connect(port: relay.port("front"), reading: false)
        let response = TestClient.payload(size: 8 << 20, seed: 14)
        let server = try #require(try await backend.peer())
        server.startSending(response)
        #expect(try await eventually { relay.counter("cluster.backend.upstream_flow_control_paused_reading_total") >= 1 })
        await server.reset()
        #expect(try await eventually { relay.counter("cluster.backend.upstream_cx_destroy_remote") == 1 })

        try await client.startReading()
        let end = try await client.awaitEnd()
        #expect(end == .eof, "the downstream ended with \(end.map { "\($0)" } ?? "nothing")")
        let received = client.received
        #expect(received >= 1 << 20, "only \(received) bytes: the relay's held buffer was dropped")
        #expect(client.receivedDigest == sha256Hex(response.getSlice(at: response.readerIndex, length: received)!))
        try await Self.expectSettledAndBalanced(relay)
        print("upstream RST with a non-reading client: client then read \(received) of \(response.readableBytes) bytes, then \(end.map { "\($0)" } ?? "-")")
        await client.close()
        await relay.stop()
        await backend.stop()
    }

    // MARK: - 2. Downstream RST

    /// The client resets after a two-way exchange: the backend has every byte and then a FIN
    /// (Envoy closes the upstream with FlushWrite on a downstream remote close, reset or not);
    /// Relay closed the upstream, so it is a local destroy.
    @Test func downstreamResetClosesTheUpstreamAndCountsALocalDestroy() async throws {
        let backend = try await FaultBackend.start()
        let relay = try await RunningRelay.start(yaml: Self.yaml(backendPorts: [backend.port]))
        let client = try await FaultPeer.connect(port: relay.port("front"))
        let request = TestClient.payload(size: 1 << 20, seed: 21)
        let response = TestClient.payload(size: 64 << 10, seed: 22)

        try await client.send(request)
        let server = try #require(try await backend.peer())
        #expect(try await server.awaitReceived(request.readableBytes))
        try await server.send(response)
        #expect(try await client.awaitReceived(response.readableBytes))
        await client.reset()

        let end = try await server.awaitEnd()
        #expect(end == .eof, "the upstream ended with \(end.map { "\($0)" } ?? "nothing")")
        #expect(server.receivedDigest == sha256Hex(request))
        #expect(client.receivedDigest == sha256Hex(response))
        try await Self.expectSettledAndBalanced(relay)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_local") == 1)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_remote") == 0)
        #expect(relay.counter("listener.front.downstream_cx_destroy") == 1)
        await server.close()
        await relay.stop()
        await backend.stop()
    }

    /// The client resets while the backend is still sending 8 MiB to it: the upstream is
    /// closed (the backend's stream ends), and nothing stays active.
    @Test func downstreamResetWhileTheBackendFloodsClosesTheUpstream() async throws {
        let backend = try await FaultBackend.start()
        let relay = try await RunningRelay.start(yaml: Self.yaml(backendPorts: [backend.port]))
        let client = try await FaultPeer.connect(port: relay.port("front"))
        let server = try #require(try await backend.peer())
        server.startSending(TestClient.payload(size: 8 << 20, seed: 23))
        #expect(try await client.awaitReceived(1))
        await client.reset()

        #expect(try await server.awaitEnd() != nil)
        try await Self.expectSettledAndBalanced(relay)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_local") == 1)
        await server.close()
        await relay.stop()
        await backend.stop()
    }

    // MARK: - 3. Refused, then accepted

    /// Two hosts, the first refusing: with `max_connect_attempts: 2` the second attempt (round
    /// robin's next host) connects, and the exchange is byte-exact. One connect failure, no
    /// "attempts exceeded", and the refused attempt is a remote destroy.
    @Test func aRefusedAttemptIsRetriedOnTheNextHost() async throws {
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let relay = try await RunningRelay.start(
            yaml: Self.yaml(backendPorts: [refusing.port, backend.port], proxyExtra: "          max_connect_attempts: 2")
        )
        let payload = TestClient.payload(size: 256 << 10, seed: 31)
        let received = try await TestClient.exchange(port: relay.port("front"), payload: payload, group: MultiThreadedEventLoopGroup.singleton)
        #expect(received.readableBytes == payload.readableBytes)
        #expect(sha256Hex(received) == sha256Hex(payload))
        try await Self.expectSettledAndBalanced(relay)
        #expect(relay.counter("cluster.backend.upstream_cx_connect_fail") == 1)
        #expect(relay.counter("cluster.backend.upstream_cx_total") == 2)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_remote") >= 1)
        #expect(relay.counter("cluster.backend.upstream_cx_connect_attempts_exceeded") == 0)
        await relay.stop()
        await backend.stop()
    }

    /// One host that refuses until the test starts listening on it, after it saw the refusal:
    /// the refused connection is closed with UF and the next one goes through.
    @Test func aPortThatRefusesThenListensServesTheNextConnection() async throws {
        let refusing = try RefusingPort()
        defer { refusing.close() }
        let relay = try await RunningRelay.start(yaml: Self.yaml(backendPorts: [refusing.port]))
        let first = try await FaultPeer.connect(port: relay.port("front"))
        #expect(try await first.awaitEnd() == .eof)
        #expect(relay.counter("cluster.backend.upstream_cx_connect_fail") == 1)

        // Start listening on the refusing socket and serve one echo.
        let server = try await refusing.startEchoing()
        let payload = TestClient.payload(size: 256 << 10, seed: 32)
        let received = try await TestClient.exchange(port: relay.port("front"), payload: payload, group: MultiThreadedEventLoopGroup.singleton)
        #expect(sha256Hex(received) == sha256Hex(payload))
        try await Self.expectSettledAndBalanced(relay)
        #expect(relay.counter("cluster.backend.upstream_cx_connect_fail") == 1)
        #expect(relay.counter("cluster.backend.upstream_cx_total") == 2)
        await first.close()
        await relay.stop()
        try? await server.close()
    }

    // MARK: - 4. Black-holed SYN

    /// The upstream's SYNs are dropped: the 0.2 s `connect_timeout` fires, the downstream is
    /// closed, `upstream_cx_connect_timeout` counts it and the attempt is a local destroy (Relay
    /// gave up), as Envoy.
    @Test func aBlackHoledConnectTimesOutAndClosesTheDownstream() async throws {
        let hole = try BlackHolePort()
        defer { hole.close() }
        let relay = try await RunningRelay.start(yaml: Self.yaml(backendPorts: [hole.port], connectTimeout: "0.2s"))
        let started = NIODeadline.now()
        let client = try await FaultPeer.connect(port: relay.port("front"))
        let end = try await client.awaitEnd(timeout: .seconds(5))
        let elapsed = NIODeadline.now() - started
        #expect(end == .eof, "the downstream ended with \(end.map { "\($0)" } ?? "nothing")")
        #expect(elapsed >= .milliseconds(190), "closed after \(elapsed.nanoseconds / 1_000_000) ms")
        // Far below the kernel's own SYN retry limit (~127 s); the counters below say which
        // timer closed it, so a loaded machine's late timer cannot fail this.
        #expect(elapsed < .seconds(5), "closed after \(elapsed.nanoseconds / 1_000_000) ms")
        try await Self.expectSettledAndBalanced(relay)
        #expect(relay.counter("cluster.backend.upstream_cx_connect_timeout") == 1)
        #expect(relay.counter("cluster.backend.upstream_cx_connect_fail") == 0)
        #expect(relay.counter("cluster.backend.upstream_cx_destroy_local") == 1)
        print("black-holed SYN: downstream closed after \(elapsed.nanoseconds / 1_000_000) ms")
        await client.close()
        await relay.stop()
    }
}
