import NIOCore
import NIOPosix
import Relay
import Testing

/// `outlier_detection` on loopback: a host that refuses connections is ejected after its
/// consecutive failures, and traffic goes to the healthy one.
@Suite(.enabled(if: bundledHas("envoy.filters.network.tcp_proxy")), .timeLimit(.minutes(1)))
struct OutlierDetectionIntegrationTests {
    static func yaml(healthyPort: Int) -> String {
        // Port 9 (discard) is never served on the test machine: every connect is refused.
        TestBootstrap.tcpProxy(
            backends: [9, healthyPort],
            cluster: """
                    outlier_detection:
                      consecutive_5xx: 3
                      max_ejection_percent: 50
                      interval: 60s
                """,
            connectTimeout: "5s"
        )
    }

    @Test func refusingHostIsEjectedAndTrafficGoesToTheHealthyOne() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let relay = try await RunningRelay.start(yaml: Self.yaml(healthyPort: backend.port))
        let prefix = "cluster.backend.outlier_detection."
        #expect(relay.gauge(prefix + "ejections_active") == 0)

        // Round robin alternates; the refusing host needs 3 consecutive failures.
        var refused = 0
        var attempts = 0
        while relay.gauge(prefix + "ejections_active") == 0 && attempts < 20 {
            attempts += 1
            // A refused upstream ends the downstream connection: a FIN or, when the client's
            // bytes are still unread, a reset.
            let received = try? await TestClient.exchange(port: relay.port("front"), payload: ByteBuffer(string: "x"), group: group)
            if (received?.readableBytes ?? 0) == 0 { refused += 1 }
        }
        #expect(refused == 3)
        #expect(relay.gauge(prefix + "ejections_active") == 1)
        #expect(relay.counter("cluster.backend.upstream_cx_connect_fail") == 3)

        // Every further connection reaches the echo backend.
        for index in 0..<8 {
            let received = try await TestClient.exchange(port: relay.port("front"), payload: ByteBuffer(string: "ping \(index)"), group: group)
            #expect(String(buffer: received) == "ping \(index)")
        }
        #expect(relay.counter("cluster.backend.upstream_cx_connect_fail") == 3)
        #expect(relay.counter(prefix + "ejections_enforced_total") == 1)
        #expect(relay.counter(prefix + "ejections_enforced_consecutive_5xx") == 1)
        #expect(relay.counter(prefix + "ejections_detected_consecutive_5xx") == 1)
        #expect(relay.counter(prefix + "ejections_total") == 1)
        #expect(relay.counter(prefix + "ejections_overflow") == 0)
        #expect(relay.gauge("cluster.backend.membership_healthy") == 1)
        #expect(relay.gauge("cluster.backend.membership_total") == 2)
        await relay.stop()
        await backend.stop()
    }
}
