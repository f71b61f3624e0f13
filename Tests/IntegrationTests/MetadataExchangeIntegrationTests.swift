import Foundation
import NIOCore
import NIOPosix
import Testing

/// `istio-peer-exchange` between two Relays over real sockets (the demo's outbound sidecar with
/// the upstream exchange on its cluster → mTLS → the inbound sidecar with the downstream
/// exchange, istio.stats and tcp_proxy), for server-first and client-first protocols, and
/// for the ways the exchange does not happen.
@Suite(.timeLimit(.minutes(1)))
struct MetadataExchangeIntegrationTests {
    static let group = MultiThreadedEventLoopGroup.singleton
    static let clientPrincipal = "spiffe://cluster.local/ns/default/sa/bookinfo-ratings-v2"
    static let serverPrincipal = "spiffe://cluster.local/ns/default/sa/default"

    /// Sends each message and reads its echo; then half-closes and returns what came after.
    static func echoEach(
        _ messages: [ByteBuffer],
        _ reader: inout ConversationClient.Reader,
        _ writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws -> ByteBuffer {
        for message in messages {
            try await writer.write(message)
            let echo = try await reader.read(message.readableBytes)
            #expect(echo == message)
        }
        writer.finish()
        return try await reader.readToEnd()
    }

    static func expectPeersExchanged(_ mesh: MetadataExchangeMesh) {
        for relay in [mesh.inbound, mesh.outbound] {
            #expect(
                MetadataExchangeMesh.mxCounters(relay) == [
                    "metadata_exchange.alpn_protocol_found": 1,
                    "metadata_exchange.metadata_added": 1,
                ]
            )
            #expect(relay.counter("metadata_exchange.alpn_protocol_found") == 1)
            #expect(relay.counter("metadata_exchange.metadata_added") == 1)
        }
        let server = MetadataExchangeMesh.openedLabels(mesh.inbound) ?? [:]
        #expect(server["reporter"] == "destination")
        #expect(server["source_workload"] == "ratings-v2")
        #expect(server["source_canonical_service"] == "ratings")
        #expect(server["source_canonical_revision"] == "v2")
        #expect(server["source_app"] == "ratings")
        #expect(server["source_version"] == "v2")
        #expect(server["source_cluster"] == "Kubernetes")
        #expect(server["source_principal"] == clientPrincipal)
        #expect(server["destination_workload"] == "mongodb-v1")
        #expect(server["connection_security_policy"] == "mutual_tls")
        let client = MetadataExchangeMesh.openedLabels(mesh.outbound) ?? [:]
        #expect(client["reporter"] == "source")
        #expect(client["source_workload"] == "ratings-v2")
        #expect(client["destination_workload"] == "mongodb-v1")
        #expect(client["destination_canonical_service"] == "mongodb")
        #expect(client["destination_canonical_revision"] == "v1")
        #expect(client["destination_app"] == "mongodb")
        #expect(client["destination_cluster"] == "Kubernetes")
        #expect(client["destination_principal"] == serverPrincipal)
    }

    // MARK: - 1. Server-first

    @Test func aServerFirstProtocolGetsItsGreetingFirstAndBothSidesLearnThePeer() async throws {
        let greeting = "220 mongodb-v1 ready, say something\r\n"
        let backend = try await GreetingEchoBackend.start(greeting: greeting, group: Self.group)
        let mesh = try await MetadataExchangeMesh.start(backendPort: backend.port)
        let messages = ["HELO ratings\r\n", "DATA\r\n", String(repeating: "x", count: 5000) + "\r\n"].map { ByteBuffer(string: $0) }
        let (received, rest) = try await ConversationClient.converse(port: mesh.outboundPort) { reader, writer in
            // The client says nothing until the server's greeting is there.
            let received = try await reader.read(greeting.utf8.count)
            let rest = try await Self.echoEach(messages, &reader, writer)
            return (received, rest)
        }
        #expect(String(buffer: received) == greeting)
        #expect(rest.readableBytes == 0)
        #expect(try await mesh.waitForClosed(1))
        Self.expectPeersExchanged(mesh)
        let appBytes = UInt64(messages.reduce(0) { $0 + $1.readableBytes })
        for relay in [mesh.inbound, mesh.outbound] {
            // Frames are not application bytes.
            #expect(SeedScenarioTests.series(relay, "istio_tcp_received_bytes_total").reduce(0) { $0 + $1.value } == appBytes)
            #expect(
                SeedScenarioTests.series(relay, "istio_tcp_sent_bytes_total").reduce(0) { $0 + $1.value }
                    == appBytes + UInt64(greeting.utf8.count)
            )
        }
        await mesh.stop()
        await backend.stop()
    }

    // MARK: - 2. Client-first, several messages both ways

    @Test func aClientFirstConversationIsByteExactWithNoFrameBytes() async throws {
        let backend = try await EchoBackend.start(group: Self.group)
        let mesh = try await MetadataExchangeMesh.start(backendPort: backend.port)
        // The first message starts with the exchange magic and a plausible length: after the
        // exchange it is application data like any other.
        var lookalike = ByteBuffer()
        lookalike.writeInteger(UInt32(0x3D23_0467), endianness: .big)
        lookalike.writeInteger(UInt32(4), endianness: .big)
        lookalike.writeString("abcd and more")
        let messages = [
            lookalike,
            ByteBuffer(string: "*1\r\n$4\r\nPING\r\n"),
            TestClient.payload(size: 200_000, seed: 7),
            ByteBuffer(bytes: [0]),
            ByteBuffer(string: "bye\n"),
        ]
        let rest = try await ConversationClient.converse(port: mesh.outboundPort) { reader, writer in
            try await Self.echoEach(messages, &reader, writer)
        }
        #expect(rest.readableBytes == 0)
        #expect(try await mesh.waitForClosed(1))
        Self.expectPeersExchanged(mesh)
        let appBytes = UInt64(messages.reduce(0) { $0 + $1.readableBytes })
        for relay in [mesh.inbound, mesh.outbound] {
            #expect(SeedScenarioTests.series(relay, "istio_tcp_received_bytes_total").reduce(0) { $0 + $1.value } == appBytes)
            #expect(SeedScenarioTests.series(relay, "istio_tcp_sent_bytes_total").reduce(0) { $0 + $1.value } == appBytes)
        }
        await mesh.stop()
        await backend.stop()
    }

    // MARK: - 3. ALPN `istio` only

    @Test func withOnlyTheIstioALPNTrafficPassesUntouchedAndPeersAreUnknown() async throws {
        let backend = try await EchoBackend.start(group: Self.group)
        let mesh = try await MetadataExchangeMesh.start(
            backendPort: backend.port,
            editInbound: { yaml in
                // The demo's inbound chain already matches [istio-peer-exchange, istio].
                _ = try YAMLEdit.replace(yaml, "application_protocols: [istio-peer-exchange, istio]", with: "")
                return yaml
            },
            editOutbound: { yaml in
                try YAMLEdit.replace(yaml, "alpn_protocols: [istio-peer-exchange, istio]", with: "alpn_protocols: [istio]")
            }
        )
        let payload = TestClient.payload(size: 10_000, seed: 3)
        let reply = try await TestClient.exchange(port: mesh.outboundPort, payload: payload, group: Self.group)
        #expect(reply == payload)
        #expect(try await mesh.waitForClosed(1))
        #expect(mesh.inbound.counter("listener.127.0.0.1_0.ssl.handshake") == 1)
        for relay in [mesh.inbound, mesh.outbound] {
            #expect(
                MetadataExchangeMesh.mxCounters(relay) == [
                    "metadata_exchange.alpn_protocol_not_found": 1,
                    "metadata_exchange.peer_not_found.alpn_not_negotiated": 1,
                ]
            )
        }
        let server = MetadataExchangeMesh.openedLabels(mesh.inbound) ?? [:]
        #expect(server["source_workload"] == "unknown")
        #expect(server["source_canonical_service"] == "unknown")
        #expect(server["source_canonical_revision"] == "latest")
        #expect(server["source_app"] == "unknown")
        #expect(server["source_version"] == "unknown")
        #expect(server["source_cluster"] == "unknown")
        // Still mutual TLS: the namespace and principal come from the client certificate.
        #expect(server["source_workload_namespace"] == "default")
        #expect(server["source_principal"] == Self.clientPrincipal)
        #expect(server["connection_security_policy"] == "mutual_tls")
        #expect(server["destination_workload"] == "mongodb-v1")
        let client = MetadataExchangeMesh.openedLabels(mesh.outbound) ?? [:]
        #expect(client["destination_workload"] == "unknown")
        #expect(client["destination_canonical_service"] == "unknown")
        #expect(client["destination_canonical_revision"] == "latest")
        #expect(client["destination_app"] == "unknown")
        #expect(client["destination_service"] == "mongodb.default.svc.cluster.local")
        #expect(client["destination_service_name"] == "mongodb")
        #expect(client["destination_principal"] == Self.serverPrincipal)
        #expect(client["source_workload"] == "ratings-v2")
        await mesh.stop()
        await backend.stop()
    }

    // MARK: - 4. Plaintext between the sidecars

    static func plaintextInbound(_ yaml: String) throws -> String {
        var yaml = try YAMLEdit.replace(yaml, from: "    listener_filters:\n", upTo: "    filter_chains:\n")
        yaml = try YAMLEdit.replace(
            yaml,
            from: "    - filter_chain_match:\n",
            upTo: "      - name: istio.metadata_exchange\n",
            with: "    - filters:\n"
        )
        return yaml
    }

    static func plaintextOutbound(_ yaml: String) throws -> String {
        try YAMLEdit.replace(yaml, from: "    transport_socket:\n", upTo: "    load_assignment:\n")
    }

    @Test func plaintextBetweenTheSidecarsPassesUntouched() async throws {
        let backend = try await EchoBackend.start(group: Self.group)
        let mesh = try await MetadataExchangeMesh.start(
            backendPort: backend.port,
            editInbound: Self.plaintextInbound,
            editOutbound: Self.plaintextOutbound
        )
        let payload = TestClient.payload(size: 10_000, seed: 4)
        let reply = try await TestClient.exchange(port: mesh.outboundPort, payload: payload, group: Self.group)
        #expect(reply == payload)
        #expect(try await mesh.waitForClosed(1))
        #expect(mesh.inbound.counter("listener.127.0.0.1_0.ssl.handshake") == 0)
        for relay in [mesh.inbound, mesh.outbound] {
            #expect(
                MetadataExchangeMesh.mxCounters(relay) == [
                    "metadata_exchange.alpn_protocol_not_found": 1,
                    "metadata_exchange.peer_not_found.alpn_not_negotiated": 1,
                ]
            )
        }
        let server = MetadataExchangeMesh.openedLabels(mesh.inbound) ?? [:]
        #expect(server["source_workload"] == "unknown")
        #expect(server["source_canonical_revision"] == "latest")
        #expect(server["source_workload_namespace"] == "unknown")
        #expect(server["source_principal"] == "unknown")
        #expect(server["connection_security_policy"] == "none")
        let client = MetadataExchangeMesh.openedLabels(mesh.outbound) ?? [:]
        #expect(client["destination_workload"] == "unknown")
        #expect(client["destination_canonical_revision"] == "latest")
        #expect(client["destination_principal"] == "unknown")
        #expect(client["destination_service"] == "mongodb.default.svc.cluster.local")
        await mesh.stop()
        await backend.stop()
    }

    // MARK: - 5. The exchange on one side only

    static func inboundWithoutExchange(_ yaml: String) throws -> String {
        try YAMLEdit.replace(yaml, from: "      - name: istio.metadata_exchange\n", upTo: "      - name: istio.stats\n")
    }

    /// Istio's behaviour, reproduced: the inbound negotiates `istio-peer-exchange` but has no
    /// exchange filter, so the outbound's frame reaches the server application (here it is
    /// echoed back to the client, after the greeting); the outbound reads the server's
    /// greeting where the frame should be, counts a magic mismatch and passes it on untouched.
    @Test func withTheExchangeOnlyOnTheClientSideTheFrameLeaksToTheServerApplication() async throws {
        let greeting = "220 mongodb-v1 ready, say something\r\n"
        let backend = try await GreetingEchoBackend.start(greeting: greeting, group: Self.group)
        let mesh = try await MetadataExchangeMesh.start(backendPort: backend.port, editInbound: Self.inboundWithoutExchange)
        let (received, leaked, rest) = try await ConversationClient.converse(port: mesh.outboundPort) { reader, writer in
            let received = try await reader.read(greeting.utf8.count)
            // The server echoed what it received: the outbound's frame.
            var header = try await reader.read(8)
            let magic = header.readInteger(endianness: .big, as: UInt32.self)
            let length = header.readInteger(endianness: .big, as: UInt32.self) ?? 0
            #expect(magic == 0x3D23_0467)
            let leaked = try await reader.read(Int(length))
            let rest = try await Self.echoEach([ByteBuffer(string: "after the leak\n")], &reader, writer)
            return (received, leaked, rest)
        }
        #expect(String(buffer: received) == greeting)
        #expect(String(decoding: leaked.readableBytesView, as: UTF8.self).contains("ratings-v2"))
        #expect(rest.readableBytes == 0)
        #expect(try await mesh.waitForClosed(1))
        #expect(
            MetadataExchangeMesh.mxCounters(mesh.outbound) == [
                "metadata_exchange.alpn_protocol_found": 1,
                "metadata_exchange.metadata_added": 1,
                "metadata_exchange.initial_header_not_found": 1,
                "metadata_exchange.peer_not_found.magic_mismatch": 1,
            ]
        )
        #expect(MetadataExchangeMesh.mxCounters(mesh.inbound).isEmpty)
        let server = MetadataExchangeMesh.openedLabels(mesh.inbound) ?? [:]
        #expect(server["source_workload"] == "unknown")
        #expect(server["source_canonical_revision"] == "latest")
        #expect(server["source_principal"] == Self.clientPrincipal)
        let client = MetadataExchangeMesh.openedLabels(mesh.outbound) ?? [:]
        #expect(client["destination_workload"] == "unknown")
        #expect(client["destination_canonical_revision"] == "latest")
        // Both sidecars keep serving.
        let again = try await TestClient.exchange(port: mesh.outboundPort, payload: ByteBuffer(string: "x"), group: Self.group)
        #expect(String(buffer: again).hasPrefix(greeting))
        await mesh.stop()
        await backend.stop()
    }

    /// The same one-sided setup with a client-first echo server: the server application
    /// receives the frame and echoes it, so the outbound's exchange reads its *own* frame
    /// back and takes itself for the peer; the client sees exactly its own bytes.
    @Test func withTheExchangeOnlyOnTheClientSideAnEchoServerReflectsTheFrame() async throws {
        let backend = try await EchoBackend.start(group: Self.group)
        let mesh = try await MetadataExchangeMesh.start(backendPort: backend.port, editInbound: Self.inboundWithoutExchange)
        let payload = ByteBuffer(string: "ping\n")
        let reply = try await TestClient.exchange(port: mesh.outboundPort, payload: payload, group: Self.group)
        #expect(reply == payload)
        #expect(try await mesh.waitForClosed(1))
        #expect(
            MetadataExchangeMesh.mxCounters(mesh.outbound) == [
                "metadata_exchange.alpn_protocol_found": 1,
                "metadata_exchange.metadata_added": 1,
            ]
        )
        #expect(MetadataExchangeMesh.mxCounters(mesh.inbound).isEmpty)
        let client = MetadataExchangeMesh.openedLabels(mesh.outbound) ?? [:]
        #expect(client["destination_workload"] == "ratings-v2")
        let server = MetadataExchangeMesh.openedLabels(mesh.inbound) ?? [:]
        #expect(server["source_workload"] == "unknown")
        await mesh.stop()
        await backend.stop()
    }
}
