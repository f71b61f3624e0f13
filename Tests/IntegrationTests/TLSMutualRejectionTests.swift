import Foundation
import NIOCore
import NIOPosix
import Testing

/// A listener requiring a client certificate from the mesh CA with ratings-v2's SPIFFE SAN
/// turns away each kind of bad client with its own `ssl.*` stat, and nothing reaches the
/// backend.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct TLSMutualRejectionTests {
    struct Setup {
        let certs: TestCertificates
        let backend: RecordingBackend
        let relay: RunningRelay

        func stop() async {
            await relay.stop()
            await backend.stop()
        }

        func ssl(_ stat: String) -> UInt64 { relay.counter("listener.mtls.ssl." + stat) }

        var sslCounters: [String: UInt64] { TLSOpenSSLInteropTests.counters(relay, "listener.mtls.ssl") }

        /// Runs s_client with `extra` arguments, sends a line, and waits for Relay to end the
        /// connection (s_client exits by itself). Returns s_client's output.
        func attempt(_ extra: [String]) async throws -> String {
            let client = try OpenSSLTool(
                ["s_client", "-connect", "127.0.0.1:\(relay.port("mtls"))", "-CAfile", certs.path("ca.crt")] + extra
            )
            defer { client.stop() }
            client.send("must not reach the backend\n")
            let exited = try await client.exited()
            #expect(exited, "s_client still runs: \(client.output)")
            return client.output
        }
    }

    static func start() async throws -> Setup {
        let certs = try await TestCertificates()
        let backend = try await RecordingBackend.start()
        let yaml = """
            static_resources:
              listeners:
              - name: mtls
                stat_prefix: mtls
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains:
                - filters:
            \(TLSYAML.tcpProxy("backend"))
            \(TLSYAML.downstream(certs: certs, requireClientCertificate: true, san: TLSYAML.ratingsSAN))
              clusters:
            \(TLSYAML.cluster("backend", port: backend.port))
            """
        return Setup(certs: certs, backend: backend, relay: try await RunningRelay.start(yaml: yaml))
    }

    /// No byte reached the backend and the upstream connection is gone. As in Envoy (without
    /// tcp_proxy's `upstream_connect_mode`), tcp_proxy starts the upstream connection when the
    /// downstream connection is accepted, before the TLS handshake ends, so the backend may
    /// see one connection (depending on how far the connect got before the rejection), which
    /// carries nothing and is closed with the downstream.
    static func expectNothingReachedTheBackend(_ setup: Setup) async throws {
        #expect(setup.backend.received.isEmpty)
        #expect(setup.backend.connections <= 1)
        #expect(setup.relay.counter("cluster.backend.upstream_cx_total") <= 1)
        #expect(try await eventually { setup.relay.gauge("cluster.backend.upstream_cx_active") == 0 })
        #expect(setup.relay.counter("tcp.backend.downstream_cx_rx_bytes_total") == 0)
        #expect(setup.ssl("handshake") == 0)
    }

    @Test func clientWithoutCertificateIsCountedAsFailVerifyNoCert() async throws {
        let setup = try await Self.start()
        // TLS 1.3: s_client's handshake "completes" on its side before Relay has seen that its
        // Certificate message was empty; Relay's handshake fails on the client's flight and it
        // sends the certificate_required alert, which s_client reads as soon as it waits for data.
        let output = try await setup.attempt([])
        #expect(try await eventually { setup.ssl("fail_verify_no_cert") == 1 }, "\(setup.sslCounters)")
        #expect(setup.ssl("fail_verify_error") == 0)
        #expect(setup.ssl("fail_verify_san") == 0)
        #expect(setup.ssl("connection_error") == 0, "\(setup.sslCounters)\n\(output)")
        try await Self.expectNothingReachedTheBackend(setup)
        await setup.stop()
    }

    @Test func clientCertificateFromAnUntrustedCAIsCountedAsFailVerifyError() async throws {
        let setup = try await Self.start()
        // A second run of the demo script makes a different CA issuing a ratings-v2 certificate
        // with the very SAN the listener wants; only the issuer is wrong.
        let rogue = try await TestCertificates()
        let output = try await setup.attempt(["-cert", rogue.path("ratings-v2.crt"), "-key", rogue.path("ratings-v2.key")])
        #expect(try await eventually { setup.ssl("fail_verify_error") == 1 }, "\(setup.sslCounters)")
        #expect(setup.ssl("fail_verify_no_cert") == 0)
        #expect(setup.ssl("fail_verify_san") == 0)
        #expect(setup.ssl("connection_error") == 0, "\(setup.sslCounters)\n\(output)")
        try await Self.expectNothingReachedTheBackend(setup)
        await setup.stop()
    }

    @Test func trustedCertificateWithTheWrongSANIsCountedAsFailVerifySAN() async throws {
        let setup = try await Self.start()
        // mongodb.crt is from the mesh CA but names spiffe://cluster.local/ns/default/sa/default.
        let output = try await setup.attempt(["-cert", setup.certs.path("mongodb.crt"), "-key", setup.certs.path("mongodb.key")])
        #expect(try await eventually { setup.ssl("fail_verify_san") == 1 }, "\(setup.sslCounters)")
        #expect(setup.ssl("fail_verify_no_cert") == 0)
        #expect(setup.ssl("fail_verify_error") == 0)
        #expect(setup.ssl("connection_error") == 0, "\(setup.sslCounters)\n\(output)")
        try await Self.expectNothingReachedTheBackend(setup)
        await setup.stop()
    }

    @Test func theRightClientCertificateIsAcceptedAndReachesTheBackend() async throws {
        let setup = try await Self.start()
        let client = try OpenSSLTool([
            "s_client", "-connect", "127.0.0.1:\(setup.relay.port("mtls"))", "-CAfile", setup.certs.path("ca.crt"),
            "-cert", setup.certs.path("ratings-v2.crt"), "-key", setup.certs.path("ratings-v2.key"),
        ])
        client.send("allowed\n")
        #expect(try await eventually { client.output.contains("allowed") }, "\(client.output)")
        client.closeInput()
        #expect(try await client.exited())
        await client.stopped()
        #expect(try await eventually { setup.ssl("handshake") == 1 }, "\(setup.sslCounters)")
        #expect(setup.backend.connections == 1)
        #expect(String(decoding: setup.backend.received, as: UTF8.self) == "allowed\n")
        await setup.stop()
    }
}
