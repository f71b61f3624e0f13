import Foundation
import NIOCore
import NIOPosix
import Testing

/// Two Relays back to back: A originates mutual TLS (client certificate, SAN check) to B, which
/// requires a client certificate and forwards plaintext to an echo server.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(2)))
struct TLSBackToBackTests {
    @Test func sixtyFourMebibytesThroughMutualTLSAreByteExact() async throws {
        let certs = try await TestCertificates()
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let inbound = try await RunningRelay.start(
            yaml: """
                static_resources:
                  listeners:
                  - name: inbound
                    stat_prefix: inbound
                    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    filter_chains:
                    - filters:
                \(TLSYAML.tcpProxy("echo"))
                \(TLSYAML.downstream(certs: certs, requireClientCertificate: true, alpn: ["istio-peer-exchange", "istio"], san: TLSYAML.ratingsSAN))
                  clusters:
                \(TLSYAML.cluster("echo", port: backend.port))
                """
        )
        let upstream = TLSYAML.upstream(
            certs: certs, sni: "outbound_.7_._.echo.default.svc.cluster.local",
            alpn: ["istio-peer-exchange", "istio"], san: TLSYAML.mongodbSAN
        )
        let outbound = try await RunningRelay.start(
            yaml: """
                static_resources:
                  listeners:
                  - name: outbound
                    stat_prefix: outbound
                    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                    filter_chains:
                    - filters:
                \(TLSYAML.tcpProxy("mesh"))
                  clusters:
                \(TLSYAML.cluster("mesh", port: inbound.port("inbound"), transportSocket: upstream))
                """
        )
        let payload = TestClient.payload(size: 64 << 20)
        let received = try await TestClient.exchange(port: outbound.port("outbound"), payload: payload, group: MultiThreadedEventLoopGroup.singleton)
        #expect(received.readableBytes == payload.readableBytes)
        #expect(sha256Hex(received) == sha256Hex(payload))
        #expect(try await eventually { outbound.counter("cluster.mesh.ssl.handshake") == 1 })
        #expect(try await eventually { inbound.counter("listener.inbound.ssl.handshake") == 1 })
        #expect(inbound.counter("listener.inbound.ssl.no_certificate") == 0)
        #expect(inbound.counter("listener.inbound.ssl.fail_verify_san") == 0)
        #expect(outbound.counter("cluster.mesh.ssl.fail_verify_san") == 0)
        await outbound.stop()
        await inbound.stop()
        await backend.stop()
    }
}
