import Foundation
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Testing

/// Istio's "collecting metrics for TCP services" task on loopback, without Prometheus: the
/// demo's two sidecar bootstraps (ratings-v2 outbound → mTLS + istio-peer-exchange → the
/// database's inbound sidecar → a database stand-in), checked against spec §2.4.
@Suite(.timeLimit(.minutes(1)))
struct SeedScenarioTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func render(_ template: String, _ values: [String: String]) throws -> String {
        var text = try String(contentsOf: root.appendingPathComponent("Examples/bookinfo-tcp/\(template)"), encoding: .utf8)
        for (key, value) in values {
            text = text.replacingOccurrences(of: "@\(key)@", with: value)
        }
        return text
    }

    struct Mesh {
        let inbound: RunningRelay
        let outbound: RunningRelay
        let backend: GreeterBackend
        let certificates: TestCertificates

        var outboundPort: Int { outbound.port("0.0.0.0_27017") }

        func stop() async {
            await outbound.stop()
            await inbound.stop()
            await backend.stop()
        }
    }

    static func startMesh(interval: String = "0s") async throws -> Mesh {
        let certificates = try await TestCertificates()
        let backend = try await GreeterBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let inbound = try await RunningRelay.start(
            yaml: render(
                "mongodb-sidecar.yaml.in",
                ["CERTS": certificates.directory, "INTERVAL": interval, "DB_PORT": "\(backend.port)"]
            )
        )
        let outbound = try await RunningRelay.start(
            yaml: render(
                "ratings-v2-sidecar.yaml.in",
                ["CERTS": certificates.directory, "INTERVAL": interval, "INBOUND_PORT": "\(inbound.port("virtualInbound"))"]
            )
        )
        return Mesh(inbound: inbound, outbound: outbound, backend: backend, certificates: certificates)
    }

    static func series(_ relay: RunningRelay, _ metric: String) -> [(labels: [String: String], value: UInt64)] {
        relay.server.stats.snapshot().counters
            .filter { $0.name.tagExtractedName == metric }
            .map { (Dictionary(uniqueKeysWithValues: $0.name.tags.map { ($0.name, $0.value) }), $0.value) }
    }

    @Test func tenConnectionsAreCountedOnBothSidecarsWithIstioLabels() async throws {
        let mesh = try await Self.startMesh()
        for _ in 0..<10 {
            let reply = try await TestClient.exchange(
                port: mesh.outboundPort,
                payload: ByteBuffer(string: "world\n"),
                group: MultiThreadedEventLoopGroup.singleton
            )
            #expect(String(buffer: reply) == "hello world\n")
        }
        for relay in [mesh.inbound, mesh.outbound] {
            let closed = try await eventually {
                Self.series(relay, "istio_tcp_connections_closed_total").reduce(0) { $0 + $1.value } == 10
            }
            #expect(closed)
        }

        let server = Self.series(mesh.inbound, "istio_tcp_connections_opened_total")
        #expect(server.count == 1)
        #expect(server.first?.value == 10)
        let s = server.first?.labels ?? [:]
        #expect(s["reporter"] == "destination")
        #expect(s["source_workload"] == "ratings-v2")
        #expect(s["source_canonical_service"] == "ratings")
        #expect(s["source_canonical_revision"] == "v2")
        #expect(s["source_workload_namespace"] == "default")
        #expect(s["source_principal"] == "spiffe://cluster.local/ns/default/sa/bookinfo-ratings-v2")
        #expect(s["source_app"] == "ratings")
        #expect(s["source_version"] == "v2")
        #expect(s["source_cluster"] == "Kubernetes")
        #expect(s["destination_workload"] == "mongodb-v1")
        #expect(s["destination_principal"] == "spiffe://cluster.local/ns/default/sa/default")
        #expect(s["destination_app"] == "mongodb")
        #expect(s["destination_version"] == "v1")
        #expect(s["destination_canonical_service"] == "mongodb")
        #expect(s["request_protocol"] == "tcp")
        #expect(s["response_flags"] == "-")
        #expect(s["connection_security_policy"] == "mutual_tls")

        let client = Self.series(mesh.outbound, "istio_tcp_connections_opened_total")
        #expect(client.count == 1)
        #expect(client.first?.value == 10)
        let c = client.first?.labels ?? [:]
        #expect(c["reporter"] == "source")
        #expect(c["source_workload"] == "ratings-v2")
        #expect(c["destination_workload"] == "mongodb-v1")
        #expect(c["destination_service"] == "mongodb.default.svc.cluster.local")
        #expect(c["destination_service_name"] == "mongodb")
        #expect(c["destination_principal"] == "spiffe://cluster.local/ns/default/sa/default")
        #expect(c["connection_security_policy"] == "unknown")

        for relay in [mesh.inbound, mesh.outbound] {
            #expect(Self.series(relay, "istio_tcp_received_bytes_total").reduce(0) { $0 + $1.value } == 60)
            #expect(Self.series(relay, "istio_tcp_sent_bytes_total").reduce(0) { $0 + $1.value } == 120)
            #expect(relay.counter("metadata_exchange.alpn_protocol_found") == 10)
            #expect(relay.counter("metadata_exchange.metadata_added") == 10)
        }
        #expect(mesh.inbound.counter("listener.127.0.0.1_0.ssl.handshake") == 10)
        await mesh.stop()
    }

    @Test func aLongLivedConnectionIsReportedWhileOpen() async throws {
        let mesh = try await Self.startMesh(interval: "0.2s")
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: mesh.outboundPort).get()
        try await channel.writeAndFlush(ByteBuffer(string: "still here\n")).get()
        // The connection stays open; periodic reports must show it on both sidecars.
        for relay in [mesh.inbound, mesh.outbound] {
            let opened = try await eventually {
                Self.series(relay, "istio_tcp_connections_opened_total").reduce(0) { $0 + $1.value } == 1
                    && Self.series(relay, "istio_tcp_received_bytes_total").reduce(0) { $0 + $1.value } == 11
            }
            #expect(opened)
            #expect(Self.series(relay, "istio_tcp_connections_closed_total").reduce(0) { $0 + $1.value } == 0)
        }
        try await channel.close()
        await mesh.stop()
    }
}
