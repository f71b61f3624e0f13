import NIOCore
import NIOPosix
import Testing

/// `transport_socket_connect_timeout` on a TLS filter chain: a client that connects and never
/// sends a ClientHello is closed at the deadline and counted; its upstream connection goes too.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct TLSHandshakeDeadlineTests {
    @Test func silentClientIsClosedAtTheDeadline() async throws {
        let certs = try await TestCertificates()
        let backend = try await RecordingBackend.start()
        let yaml = """
            static_resources:
              listeners:
              - name: tls
                stat_prefix: tls
                address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
                filter_chains:
                - transport_socket_connect_timeout: 0.2s
                  filters:
            \(TLSYAML.tcpProxy("backend"))
            \(TLSYAML.downstream(certs: certs))
              clusters:
            \(TLSYAML.cluster("backend", port: backend.port))
            """
        let relay = try await RunningRelay.start(yaml: yaml)
        let closed = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: relay.port("tls")).get()
        client.closeFuture.cascade(to: closed)
        // Sends nothing: Relay, not the client, must end it.
        try await closed.futureResult.get()
        #expect(relay.counter("listener.tls.downstream_cx_transport_socket_connect_timeout") == 1)
        #expect(try await eventually { relay.gauge("cluster.backend.upstream_cx_active") == 0 })
        #expect(backend.received.isEmpty)
        await relay.stop()
        await backend.stop()
    }
}
