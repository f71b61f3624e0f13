import Foundation
import NIOCore
import NIOPosix
import Testing

/// tls_inspector on real sockets: filter-chain selection by transport protocol and ALPN, and
/// robustness against bad first bytes.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct TLSInspectorIntegrationTests {
    /// A syntactically valid TLS 1.2-style ClientHello record naming `serverName` and offering
    /// `alpn`.
    static func clientHello(serverName: String, alpn: [String]) -> [UInt8] {
        func u16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        let name = Array(serverName.utf8)
        let sni = u16(name.count + 3) + [0] + u16(name.count) + name
        let protocols = alpn.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
        let alpnList = u16(protocols.count) + protocols
        let extensions = u16(0) + u16(sni.count) + sni + u16(16) + u16(alpnList.count) + alpnList
        var body: [UInt8] = [3, 3] + [UInt8](repeating: 0x42, count: 32) + [0]
        body += u16(2) + [0x13, 0x01] + [1, 0] + u16(extensions.count) + extensions
        let handshake = [1, 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        return [0x16, 3, 1] + u16(handshake.count) + handshake
    }

    /// A ClientHello whose handshake message is 20 000 bytes, split over two records: more
    /// than tls_inspector's 16 KiB limit.
    static func oversizedClientHello() -> [UInt8] {
        let messageLength = 20_000
        var message: [UInt8] = [1, 0, UInt8(messageLength >> 8), UInt8(messageLength & 0xFF), 3, 3]
        message += [UInt8](repeating: 0x41, count: messageLength - 2)
        let first = Array(message.prefix(16384))
        let second = Array(message.dropFirst(16384))
        return [0x16, 3, 1, 0x40, 0x00] + first + [0x16, 3, 3, UInt8(second.count >> 8), UInt8(second.count & 0xFF)] + second
    }

    @Test func chainsAreChosenByTransportProtocolAndALPN() async throws {
        let h2 = try await RecordingBackend.start()
        let http11 = try await RecordingBackend.start()
        let plain = try await RecordingBackend.start()
        // Envoy's tls-inspector example: TLS is passed through to the backends untouched.
        let yaml = """
            static_resources:
              listeners:
              - name: front
                stat_prefix: front
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            \(TLSYAML.tlsInspector)
                filter_chains:
                - filter_chain_match:
                    transport_protocol: tls
                    application_protocols: [h2]
                  filters:
            \(TLSYAML.tcpProxy("h2"))
                - filter_chain_match:
                    transport_protocol: tls
                    application_protocols: [http/1.1]
                  filters:
            \(TLSYAML.tcpProxy("http11"))
                - filter_chain_match:
                  filters:
            \(TLSYAML.tcpProxy("plain"))
              clusters:
            \(TLSYAML.cluster("h2", port: h2.port))
            \(TLSYAML.cluster("http11", port: http11.port))
            \(TLSYAML.cluster("plain", port: plain.port))
            """
        let relay = try await RunningRelay.start(yaml: yaml)
        let port = relay.port("front")

        // A real ClientHello from s_client. The chosen backend echoes it back, which s_client
        // rejects as a server message, so s_client ends by itself.
        for (alpn, backend) in [("h2", h2), ("http/1.1", http11)] {
            let client = try OpenSSLTool(["s_client", "-connect", "127.0.0.1:\(port)", "-alpn", alpn, "-servername", "svc.example"])
            let reached = try await eventually { backend.received.count > 5 }
            #expect(reached, "\(alpn): \(client.output)")
            #expect(backend.received.first == 0x16, "\(alpn): a TLS handshake record")
            await client.stopped()
        }
        let reply = try await TestClient.exchange(port: port, payload: ByteBuffer(string: "plain text"), group: MultiThreadedEventLoopGroup.singleton)
        #expect(String(buffer: reply) == "plain text")

        #expect(h2.connections == 1)
        #expect(http11.connections == 1)
        #expect(plain.connections == 1)
        #expect(String(decoding: plain.received, as: UTF8.self) == "plain text")
        #expect(relay.counter("tls_inspector.tls_found") == 2)
        #expect(relay.counter("tls_inspector.alpn_found") == 2)
        #expect(relay.counter("tls_inspector.sni_found") == 2)
        #expect(relay.counter("tls_inspector.tls_not_found") == 1)
        #expect(relay.counter("tls_inspector.client_hello_too_large") == 0)
        #expect(relay.counter("cluster.h2.upstream_cx_total") == 1)
        #expect(relay.counter("cluster.http11.upstream_cx_total") == 1)
        #expect(relay.counter("cluster.plain.upstream_cx_total") == 1)
        await relay.stop()
        for backend in [h2, http11, plain] { await backend.stop() }
    }

    @Test func badFirstBytesNeverDisturbAConcurrentGoodTLSConnection() async throws {
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let front = try await RunningRelay.start(
            yaml: """
                static_resources:
                  listeners:
                  - name: front
                    stat_prefix: front
                    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                \(TLSYAML.tlsInspector)
                    filter_chains:
                    - filter_chain_match:
                        transport_protocol: tls
                      filters:
                \(TLSYAML.tcpProxy("backend"))
                \(TLSYAML.downstream(certs: certs))
                  clusters:
                \(TLSYAML.cluster("backend", port: backend.port))
                """,
            concurrency: 2
        )
        // A second Relay is the good TLS client: plaintext in, TLS out to `front`.
        let upstream = TLSYAML.upstream(certs: certs, sni: "front.example", alpn: [], san: TLSYAML.mongodbSAN)
        let bridge = try await RunningRelay.start(
            yaml: """
                static_resources:
                  listeners:
                  - name: bridge
                    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    filter_chains:
                    - filters:
                \(TLSYAML.tcpProxy("front"))
                  clusters:
                \(TLSYAML.cluster("front", port: front.port("front"), transportSocket: upstream))
                """
        )
        let port = front.port("front")
        let rounds = 10
        let garbage = [UInt8]("GET / HTTP/1.1\r\n\r\n\u{0}\u{1}\u{2} not a ClientHello".utf8)
        let hello = Self.clientHello(serverName: "front.example", alpn: ["h2"])
        let truncated = Array(hello.prefix(hello.count / 2))
        let oversized = Self.oversizedClientHello()
        let payload = TestClient.payload(size: 4 << 20)

        let good = try await withThrowingTaskGroup(of: ByteBuffer?.self) { tasks in
            tasks.addTask {
                try await TestClient.exchange(port: bridge.port("bridge"), payload: payload, group: MultiThreadedEventLoopGroup.singleton)
            }
            for _ in 0..<rounds {
                tasks.addTask { _ = try await sendRaw(port: port, garbage); return nil }
                tasks.addTask { _ = try await sendRaw(port: port, truncated); return nil }
                tasks.addTask { _ = try await sendRaw(port: port, oversized, halfClose: false); return nil }
            }
            var good: ByteBuffer?
            for try await result in tasks where result != nil { good = result }
            return good
        }
        #expect(good?.readableBytes == payload.readableBytes)
        #expect(good.map(sha256Hex) == sha256Hex(payload))
        #expect(try await eventually { front.counter("tls_inspector.client_hello_too_large") == UInt64(rounds) })
        #expect(front.counter("tls_inspector.tls_not_found") == UInt64(rounds))
        #expect(front.counter("tls_inspector.tls_found") == 1)
        #expect(front.counter("listener.front.ssl.handshake") == 1)
        #expect(front.counter("cluster.backend.upstream_cx_total") == 1)

        // Still serving afterwards.
        let again = try await TestClient.exchange(port: bridge.port("bridge"), payload: ByteBuffer(string: "after"), group: MultiThreadedEventLoopGroup.singleton)
        #expect(String(buffer: again) == "after")
        await bridge.stop()
        await front.stop()
        await backend.stop()
    }
}
