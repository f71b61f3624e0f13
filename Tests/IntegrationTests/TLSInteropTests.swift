import Foundation
import NIOCore
import NIOPosix
import Relay
import Testing

/// TLS against the real OpenSSL command-line tools, mutual-TLS rejections with their stats,
/// tls_inspector routing, hostile input, and two Relays back to back.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct TLSInteropTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    static func tlsListenerYAML(
        certs: TestCertificates,
        backendPort: Int,
        requireClientCertificate: Bool = false,
        sanMatch: String? = nil
    ) -> String {
        var validation = ""
        if requireClientCertificate {
            validation = """
                            validation_context:
                              trusted_ca: { filename: \(certs.path("ca.crt")) }
                """
            if let sanMatch {
                validation += """

                                  match_typed_subject_alt_names:
                                  - san_type: URI
                                    matcher: { exact: "\(sanMatch)" }
                    """
            }
        }
        return """
            static_resources:
              listeners:
              - name: tls
                stat_prefix: tls
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains:
                - transport_socket:
                    name: envoy.transport_sockets.tls
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                      require_client_certificate: \(requireClientCertificate)
                      common_tls_context:
                        alpn_protocols: [istio-peer-exchange, h2, http/1.1]
                        tls_certificates:
                        - certificate_chain: { filename: \(certs.path("mongodb.crt")) }
                          private_key: { filename: \(certs.path("mongodb.key")) }
            \(validation)
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: tls
                      cluster: backend
              clusters:
              - name: backend
                load_assignment:
                  cluster_name: backend
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(backendPort) } } }
            """
    }

    @Test func opensslClientNegotiatesServerPreferredALPN() async throws {
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: Self.group)
        let relay = try await RunningRelay.start(yaml: Self.tlsListenerYAML(certs: certs, backendPort: backend.port))
        let result = try await OpenSSLCLI.run(
            [
                "s_client", "-connect", "127.0.0.1:\(relay.port("tls"))", "-alpn", "h2,istio-peer-exchange",
                "-servername", "mongodb.default", "-CAfile", certs.path("ca.crt"),
            ],
            input: "hello over TLS\n"
        )
        // The server's own preference (istio-peer-exchange first) wins over the client's order.
        #expect(result.output.contains("ALPN protocol: istio-peer-exchange"), "\(result.output)")
        #expect(result.output.contains("Verify return code: 0 (ok)"))
        #expect(try await eventually { relay.counter("listener.tls.ssl.handshake") == 1 })
        await relay.stop()
        await backend.stop()
    }

    @Test func relayOriginatesTLSWithSNIAndALPNToOpensslServer() async throws {
        let certs = try await TestCertificates()
        let port = try await OpenSSLCLI.freePort()
        // s_server answers each line reversed and exits after two connections (a readiness
        // probe and Relay's), printing the ALPN it saw.
        let server = Task.detached {
            try await OpenSSLCLI.run(
                [
                    "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certs.path("mongodb.crt"), "-key",
                    certs.path("mongodb.key"), "-alpn", "h2", "-rev", "-tlsextdebug", "-naccept", "2",
                ],
                timeout: 20
            )
        }
        #expect(try await OpenSSLCLI.waitUntilListening(port: port))
        let yaml = """
            static_resources:
              listeners:
              - name: plain
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains:
                - filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: out
                      cluster: tls_upstream
              clusters:
              - name: tls_upstream
                connect_timeout: 2s
                transport_socket:
                  name: envoy.transport_sockets.tls
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                    sni: test.example
                    common_tls_context:
                      alpn_protocols: [h2, istio]
                      validation_context:
                        trusted_ca: { filename: \(certs.path("ca.crt")) }
                load_assignment:
                  cluster_name: tls_upstream
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(port) } } }
            """
        let relay = try await RunningRelay.start(yaml: yaml)
        let reply = try await TestClient.exchange(port: relay.port("plain"), payload: ByteBuffer(string: "hello\n"), group: Self.group)
        #expect(String(buffer: reply) == "olleh\n")
        let log = try await server.value.output
        #expect(log.contains("ALPN protocols advertised by the client: h2, istio"), "\(log)")
        #expect(log.contains("ALPN protocols selected: h2"))
        #expect(log.contains("test.exampl"), "SNI in the ClientHello")
        #expect(relay.counter("cluster.tls_upstream.ssl.handshake") == 1)
        await relay.stop()
    }

    /// Runs s_client with the given extra arguments (`@CERTS@` = this test's certificate
    /// directory) against a mutual-TLS listener; expects exactly one `stat` and no traffic.
    func rejectedClient(
        extra: [String],
        sanMatch: String? = nil,
        expect stat: String
    ) async throws {
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: Self.group)
        let relay = try await RunningRelay.start(
            yaml: Self.tlsListenerYAML(certs: certs, backendPort: backend.port, requireClientCertificate: true, sanMatch: sanMatch)
        )
        _ = try await OpenSSLCLI.run(
            ["s_client", "-connect", "127.0.0.1:\(relay.port("tls"))", "-CAfile", certs.path("ca.crt")]
                + extraArguments(extra, certs),
            input: "should not arrive\n"
        )
        #expect(try await eventually { relay.counter("listener.tls.ssl.\(stat)") == 1 }, "stat \(stat)")
        #expect(relay.counter("listener.tls.ssl.handshake") == 0)
        #expect(relay.counter("cluster.backend.upstream_cx_rx_bytes_total") == 0)
        #expect(relay.counter("tcp.tls.downstream_cx_rx_bytes_total") == 0)
        await relay.stop()
        await backend.stop()
    }

    private func extraArguments(_ extra: [String], _ certs: TestCertificates) -> [String] {
        extra.map { $0.replacingOccurrences(of: "@CERTS@", with: certs.directory) }
    }

    @Test func mutualTLSRejectsAClientWithoutCertificate() async throws {
        try await rejectedClient(extra: [], expect: "fail_verify_no_cert")
    }

    @Test func mutualTLSRejectsAnUntrustedCertificate() async throws {
        let other = try await TestCertificates()  // a second, unrelated mesh CA
        try await rejectedClient(
            extra: ["-cert", other.path("ratings-v2.crt"), "-key", other.path("ratings-v2.key")],
            expect: "fail_verify_error"
        )
    }

    @Test func mutualTLSRejectsAWrongSAN() async throws {
        try await rejectedClient(
            extra: ["-cert", "@CERTS@/ratings-v2.crt", "-key", "@CERTS@/ratings-v2.key"],
            sanMatch: "spiffe://cluster.local/ns/default/sa/productpage",
            expect: "fail_verify_san"
        )
    }

    @Test func tlsInspectorRoutesByALPNAndTransport() async throws {
        // Envoy's tls-inspector example: TLS passes through, chains split by the offered ALPN
        // and by transport. Each chain leads to its own backend; the stats show the routing.
        let backends = [
            try await EchoBackend.start(group: Self.group), try await EchoBackend.start(group: Self.group),
            try await EchoBackend.start(group: Self.group),
        ]
        func cluster(_ name: String, _ port: Int) -> String {
            """
              - name: \(name)
                load_assignment:
                  cluster_name: \(name)
                  endpoints:
                  - lb_endpoints:
                    - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: \(port) } } }
            """
        }
        func proxy(_ cluster: String) -> String {
            """
                  filters:
                  - name: envoy.filters.network.tcp_proxy
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                      stat_prefix: \(cluster)
                      cluster: \(cluster)
            """
        }
        let yaml = """
            static_resources:
              listeners:
              - name: split
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                listener_filters:
                - name: envoy.filters.listener.tls_inspector
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
                filter_chains:
                - filter_chain_match:
                    transport_protocol: tls
                    application_protocols: [h2]
            \(proxy("h2"))
                - filter_chain_match:
                    transport_protocol: tls
                    application_protocols: [http/1.1]
            \(proxy("http11"))
                - filter_chain_match:
            \(proxy("plain"))
              clusters:
            \(cluster("h2", backends[0].port))
            \(cluster("http11", backends[1].port))
            \(cluster("plain", backends[2].port))
            """
        let relay = try await RunningRelay.start(yaml: yaml)
        let listener = relay.port("split")
        // The backends are echo servers, not TLS servers: the handshakes fail, but only after
        // tls_inspector routed each ClientHello.
        _ = try await OpenSSLCLI.run(["s_client", "-connect", "127.0.0.1:\(listener)", "-alpn", "h2"], input: "", timeout: 5)
        _ = try await OpenSSLCLI.run(["s_client", "-connect", "127.0.0.1:\(listener)", "-alpn", "spdy/3,http/1.1"], input: "", timeout: 5)
        let echoed = try await TestClient.exchange(port: listener, payload: ByteBuffer(string: "plain text"), group: Self.group)
        #expect(String(buffer: echoed) == "plain text")
        #expect(try await eventually { relay.counter("tcp.h2.downstream_cx_total") == 1 })
        #expect(relay.counter("tcp.http11.downstream_cx_total") == 1)
        #expect(relay.counter("tcp.plain.downstream_cx_total") == 1)
        #expect(relay.counter("tls_inspector.tls_found") == 2)
        #expect(relay.counter("tls_inspector.alpn_found") == 2)
        #expect(relay.counter("tls_inspector.tls_not_found") == 1)
        await relay.stop()
        for backend in backends { await backend.stop() }
    }

    @Test func hostileClientHellosAreCountedAndTheListenerKeepsServing() async throws {
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: Self.group)
        var yaml = Self.tlsListenerYAML(certs: certs, backendPort: backend.port)
        yaml = yaml.replacingOccurrences(
            of: "    filter_chains:\n",
            with: """
                    listener_filters:
                    - name: envoy.filters.listener.tls_inspector
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
                    filter_chains:

                """
        )
        let relay = try await RunningRelay.start(yaml: yaml)
        let port = relay.port("tls")
        // Garbage that is not TLS: treated as plaintext, which this TLS-only listener has no chain for.
        var garbage = ByteBuffer()
        garbage.writeBytes((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        // Each hostile connection may be reset by the relay: that is the expected rejection.
        _ = try? await TestClient.exchange(port: port, payload: garbage, group: Self.group)
        // A TLS record header promising a ClientHello that never completes, then close.
        _ = try? await TestClient.exchange(port: port, payload: ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC]), group: Self.group)
        // A ClientHello larger than max_client_hello_size (16 KiB) across several records.
        var oversized = ByteBuffer()
        let helloLength = 20_000
        var handshake: [UInt8] = [0x01, UInt8(helloLength >> 16), UInt8((helloLength >> 8) & 0xFF), UInt8(helloLength & 0xFF), 0x03, 0x03]
        handshake += [UInt8](repeating: 0x41, count: helloLength - 2)
        var offset = 0
        while offset < handshake.count {
            let chunk = handshake[offset..<min(handshake.count, offset + 16_000)]
            oversized.writeBytes([0x16, 0x03, 0x01, UInt8(chunk.count >> 8), UInt8(chunk.count & 0xFF)])
            oversized.writeBytes(chunk)
            offset += chunk.count
        }
        _ = try? await TestClient.exchange(port: port, payload: oversized, group: Self.group)
        #expect(try await eventually { relay.counter("tls_inspector.client_hello_too_large") == 1 })
        // The garbage is not TLS, so the inspector calls it plaintext; the (only) chain still
        // terminates TLS, and the TLS socket rejects it: a counted connection error.
        #expect(try await eventually { relay.counter("listener.tls.ssl.connection_error") >= 1 })
        // The relay still serves a good client.
        let again = try await OpenSSLCLI.run(
            ["s_client", "-connect", "127.0.0.1:\(port)", "-alpn", "h2", "-CAfile", certs.path("ca.crt")],
            input: "x\n",
            timeout: 5
        )
        #expect(again.output.contains("Verify return code: 0 (ok)"), "\(again.output)")
        #expect(again.output.contains("ALPN protocol: h2"))
        #expect(try await eventually { relay.counter("listener.tls.ssl.handshake") == 1 })
        await relay.stop()
        await backend.stop()
    }

    @Test func twoRelaysBackToBackCarry64MiBOverMutualTLS() async throws {
        let mesh = try await SeedScenarioTests.startMesh()
        // Swap the database stand-in for an echo server: the mesh's inbound cluster points
        // at the greeter, so use a fresh pair aimed at an echo backend instead.
        await mesh.stop()
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: Self.group)
        let inbound = try await RunningRelay.start(
            yaml: SeedScenarioTests.render("mongodb-sidecar.yaml.in", ["CERTS": certs.directory, "INTERVAL": "0s", "DB_PORT": "\(backend.port)"])
        )
        let outbound = try await RunningRelay.start(
            yaml: SeedScenarioTests.render(
                "ratings-v2-sidecar.yaml.in",
                ["CERTS": certs.directory, "INTERVAL": "0s", "INBOUND_PORT": "\(inbound.port("virtualInbound"))"]
            )
        )
        let payload = TestClient.payload(size: 64 << 20, seed: 99)
        let received = try await TestClient.exchange(port: outbound.port("0.0.0.0_27017"), payload: payload, group: Self.group)
        #expect(received.readableBytes == payload.readableBytes)
        #expect(sha256Hex(received) == sha256Hex(payload))
        await outbound.stop()
        await inbound.stop()
        await backend.stop()
    }
}
