import Foundation
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Testing

/// Relay's TLS against the real `openssl` tools: s_client as the downstream, s_server as the
/// upstream.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct TLSOpenSSLInteropTests {
    /// Flat names and values of the counters whose name starts with `prefix` (for messages).
    static func counters(_ relay: RunningRelay, _ prefix: String) -> [String: UInt64] {
        Dictionary(
            relay.server.stats.snapshot().counters.filter { $0.name.name.hasPrefix(prefix) }.map { ($0.name.name, $0.value) },
            uniquingKeysWith: { a, _ in a }
        )
    }

    /// The bytes of ClientHello extension `name` from s_server's `-tlsextdebug` dump
    /// (`TLS client extension "<name>" (id=…), len=…` followed by `0000 - 00 0f …   ascii` lines).
    static func extensionBytes(_ log: String, _ name: String) -> [UInt8]? {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("TLS client extension \"\(name)\"") }) else { return nil }
        var bytes: [UInt8] = []
        for line in lines[(start + 1)...] {
            guard line.count > 7, line.dropFirst(4).hasPrefix(" - ") else { break }
            // Hex column: after "0000 - ", 16 bytes as "xx " or "xx-" (at most 48 characters).
            let hex = line.dropFirst(7).prefix(48)
            for token in hex.split(whereSeparator: { $0 == " " || $0 == "-" }) {
                guard token.count == 2, let byte = UInt8(token, radix: 16) else { break }
                bytes.append(byte)
            }
        }
        return bytes
    }

    @Test func sClientNegotiatesTheMeshALPNAndGetsItsLineEchoed() async throws {
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let yaml = TLSYAML.front(
            cluster: "backend", port: backend.port,
            chain: TLSYAML.downstream(certs: certs, alpn: ["istio-peer-exchange", "h2", "http/1.1"])
        )
        let relay = try await RunningRelay.start(yaml: yaml)
        let client = try OpenSSLTool([
            "s_client", "-connect", "127.0.0.1:\(relay.port("front"))", "-alpn", "istio-peer-exchange,h2",
            "-servername", "x", "-CAfile", certs.path("ca.crt"),
        ])
        client.send("a line through relay\n")
        let echoed = try await eventually { client.output.contains("a line through relay") }
        #expect(echoed, "s_client output: \(client.output)")
        #expect(client.output.contains("ALPN protocol: istio-peer-exchange"))
        #expect(client.output.contains("Verify return code: 0 (ok)"))
        client.closeInput()
        #expect(try await client.exited())
        #expect(try await eventually { relay.counter("listener.front.ssl.handshake") == 1 })
        #expect(relay.counter("listener.front.ssl.connection_error") == 0)
        // s_client sent no certificate and none was required.
        #expect(relay.counter("listener.front.ssl.no_certificate") == 1, "\(Self.counters(relay, "listener.front.ssl"))")
        await client.stopped()
        await relay.stop()
        await backend.stop()
    }

    @Test func upstreamTLSCarriesSNIALPNAndTheClientCertificateToSServer() async throws {
        let certs = try await TestCertificates()
        // s_server picks its own port with -accept 127.0.0.1:0 and prints "ACCEPT 127.0.0.1:<port>".
        // -tlsextdebug dumps each ClientHello extension; -rev echoes each line reversed;
        // -Verify 1 with -verify_return_error demands a client certificate from the mesh CA.
        // (Not -cert2/-servername: s_server's SNI context switch drops its ALPN callback.)
        let server = try OpenSSLTool([
            "s_server", "-accept", "127.0.0.1:0",
            "-cert", certs.path("mongodb.crt"), "-key", certs.path("mongodb.key"),
            "-tlsextdebug", "-alpn", "h2", "-rev", "-naccept", "1",
            "-Verify", "1", "-verify_return_error", "-CAfile", certs.path("ca.crt"),
        ])
        defer { server.stop() }
        let serverPort = try #require(try await server.acceptedPort(), "s_server output: \(server.output)")
        let upstream = TLSYAML.upstream(certs: certs, sni: "test.example", alpn: ["h2"], san: TLSYAML.mongodbSAN)
        let yaml = TLSYAML.front(cluster: "sserver", port: serverPort, transportSocket: upstream)
        let relay = try await RunningRelay.start(yaml: yaml)
        let reply = try await TestClient.exchange(
            port: relay.port("front"),
            payload: ByteBuffer(string: "hello relay\n"),
            group: MultiThreadedEventLoopGroup.singleton
        )
        #expect(String(buffer: reply).contains("yaler olleh"), "s_server output: \(server.output)")
        #expect(try await server.exited())
        let log = server.output
        // server_name extension: list length, type host_name (0), name length, name.
        #expect(Self.extensionBytes(log, "server name") == [0, 15, 0, 0, 12] + Array("test.example".utf8), "\(log)")
        #expect(Self.extensionBytes(log, "application layer protocol negotiation") == [0, 3, 2] + Array("h2".utf8))
        #expect(log.contains("ALPN protocols advertised by the client: h2"), "\(log)")
        #expect(log.contains("ALPN protocols selected: h2"), "\(log)")
        // s_server verified Relay's client certificate (ratings-v2, issued by the mesh CA).
        #expect(log.contains("verify return:1"), "\(log)")
        #expect(!log.contains("verify error"), "\(log)")
        #expect(try await eventually { relay.counter("cluster.sserver.ssl.handshake") == 1 })
        #expect(relay.counter("cluster.sserver.ssl.fail_verify_san") == 0)
        #expect(relay.counter("cluster.sserver.ssl.connection_error") == 0, "\(Self.counters(relay, "cluster.sserver.ssl"))")
        await relay.stop()
    }
}
