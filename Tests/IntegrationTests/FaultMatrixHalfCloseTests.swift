import NIOCore
import NIOPosix
import Relay
import Testing

/// The fault matrix's half-close cases (issue 9): each side sends its FIN first, over plain TCP
/// and over TLS (a plain client → relay A, which originates TLS → relay B, which terminates it
/// with the TLS transport socket → backend; so close_notify carries the half-close both
/// ways). The other direction keeps flowing after the first FIN, every byte is digested, and
/// both relays end with balanced stats. The same two paths also carry a reset on either side.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(2)))
struct FaultMatrixHalfCloseTests {
    enum Path: String, CaseIterable, CustomTestStringConvertible {
        case plain, tls
        var testDescription: String { rawValue }
    }

    enum FirstFIN: String, CaseIterable, CustomTestStringConvertible {
        case client, backend
        var testDescription: String { "\(rawValue) half-closes first" }
    }

    /// The relays of one path, outermost first; `front` is where the client connects.
    struct Relays {
        let all: [RunningRelay]
        var front: Int { all[0].port("front") }

        func stop() async {
            for relay in all { await relay.stop() }
        }
    }

    static func start(_ path: Path, backendPort: Int) async throws -> (Relays, TestCertificates?) {
        switch path {
        case .plain:
            let relay = try await RunningRelay.start(yaml: FaultMatrixTests.yaml(backendPorts: [backendPort]))
            return (Relays(all: [relay]), nil)
        case .tls:
            let certs = try await TestCertificates()
            let (originating, terminating) = try await RunningRelay.startTLSPair(certs: certs, backendPort: backendPort)
            return (Relays(all: [originating, terminating]), certs)
        }
    }

    @Test(arguments: Path.allCases, FirstFIN.allCases)
    func theOtherDirectionKeepsFlowingAfterAHalfClose(path: Path, first: FirstFIN) async throws {
        let backend = try await FaultBackend.start()
        let (relays, certs) = try await Self.start(path, backendPort: backend.port)
        let fromClient = TestClient.payload(size: 512 << 10, seed: 51)
        let fromBackend = TestClient.payload(size: 512 << 10, seed: 52)
        let client = try await FaultPeer.connect(port: relays.front)

        switch first {
        case .client:
            // Client sends and FINs; the backend sees all of it and the FIN, then answers.
            try await client.send(fromClient)
            try await client.halfClose()
            let server = try #require(try await backend.peer())
            #expect(try await server.awaitEnd() == .eof)
            #expect(server.received == fromClient.readableBytes)
            #expect(client.end == nil, "the client's read side ended early: \(client.end.map { "\($0)" } ?? "")")
            try await server.send(fromBackend)
            try await server.halfClose()
            #expect(try await client.awaitEnd() == .eof)
            #expect(server.receivedDigest == sha256Hex(fromClient))
            #expect(client.receivedDigest == sha256Hex(fromBackend))
        case .backend:
            // The backend sends and FINs first; the client sees it all, then sends its part.
            let server = try #require(try await backend.peer())
            try await server.send(fromBackend)
            try await server.halfClose()
            #expect(try await client.awaitEnd() == .eof)
            #expect(client.received == fromBackend.readableBytes)
            #expect(server.end == nil, "the backend's read side ended early: \(server.end.map { "\($0)" } ?? "")")
            try await client.send(fromClient)
            try await client.halfClose()
            #expect(try await server.awaitEnd() == .eof)
            #expect(server.receivedDigest == sha256Hex(fromClient))
            #expect(client.receivedDigest == sha256Hex(fromBackend))
        }
        // Both directions ended: each relay closes both of its sockets.
        for relay in relays.all {
            try await FaultMatrixTests.expectSettledAndBalanced(relay)
            #expect(relay.counter("listener.front.downstream_cx_total") == 1)
            #expect(relay.counter("cluster.backend.upstream_cx_total") == 1)
        }
        if path == .tls {
            #expect(relays.all[1].counter("listener.front.ssl.handshake") == 1)
        }
        await client.close()
        await relays.stop()
        await backend.stop()
        _ = certs
    }

    enum ResetSide: String, CaseIterable, CustomTestStringConvertible {
        case backend, client
        var testDescription: String { "\(rawValue) resets" }
    }

    /// A reset on either side after a two-way exchange, on both paths: the other side gets
    /// every byte and then a FIN (Envoy's FlushWrite; over TLS the relays pass it on as
    /// close_notify), and every relay balances once the other side closed too.
    @Test(arguments: Path.allCases, ResetSide.allCases)
    func aResetReachesTheOtherSideAsAFlushedClose(path: Path, side: ResetSide) async throws {
        let backend = try await FaultBackend.start()
        let (relays, certs) = try await Self.start(path, backendPort: backend.port)
        let fromClient = TestClient.payload(size: 256 << 10, seed: 61)
        let fromBackend = TestClient.payload(size: 256 << 10, seed: 62)
        let client = try await FaultPeer.connect(port: relays.front)
        try await client.send(fromClient)
        let server = try #require(try await backend.peer())
        #expect(try await server.awaitReceived(fromClient.readableBytes))
        try await server.send(fromBackend)
        #expect(try await client.awaitReceived(fromBackend.readableBytes))

        switch side {
        case .backend:
            await server.reset()
            #expect(try await client.awaitEnd() == .eof)
            await client.close()
        case .client:
            await client.reset()
            #expect(try await server.awaitEnd() == .eof)
            await server.close()
        }
        #expect(server.receivedDigest == sha256Hex(fromClient))
        #expect(client.receivedDigest == sha256Hex(fromBackend))
        for relay in relays.all {
            try await FaultMatrixTests.expectSettledAndBalanced(relay)
        }
        await relays.stop()
        await backend.stop()
        _ = certs
    }
}
