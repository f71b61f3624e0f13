import NIOCore
import NIOPosix
import RelayServer
import Testing

/// An admin request can never stall proxying (issue 9 §2): the admin server runs on its own
/// event loop, and `/stats?filter=` evaluates its regex in bounded time.
@Suite(.timeLimit(.minutes(1)))
struct AdminIsolationTests {
    /// Backtracking engines take minutes on this over a few hundred stat names.
    static let hostileFilter = "/stats?filter=(.*)(.*)(.*)(.*)(.*)(.*)x"

    @Test func hostileFilterDoesNotStallProxyingReadyOrShutdown() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let relay = try await RunningRelay.start(yaml: AdminIntegrationTests.yaml(backend: backend.port), concurrency: 1)
        let admin = try #require(relay.server.adminAddress?.port)
        let proxy = relay.port("front")
        _ = try await TestClient.exchange(port: proxy, payload: ByteBuffer(string: "warm"), group: group)

        let hostile = Task { try await AdminClient.request(port: admin, Self.hostileFilter) }
        // With the hostile request sent, proxying and /ready on the same (single) worker still answer.
        let echoed = try await withDeadline(seconds: 5, "a proxied exchange") {
            try await TestClient.exchange(port: proxy, payload: ByteBuffer(string: "still proxying"), group: group)
        }
        #expect(String(buffer: echoed) == "still proxying")
        let ready = try await withDeadline(seconds: 5, "/ready") { try await AdminClient.request(port: admin, "/ready") }
        #expect(ready.status == 200)
        let answer = try await withDeadline(seconds: 10, "the hostile /stats request") { try await hostile.value }
        #expect(answer.status == 200)
        #expect(answer.body.contains("tcp.front.downstream_cx_total: 2"))
        #expect(answer.body.split(separator: "\n").allSatisfy { $0.split(separator: ":")[0].contains("x") })

        // Shutdown (what SIGTERM does) completes with another hostile request in flight.
        let second = Task { try? await AdminClient.request(port: admin, Self.hostileFilter) }
        try await withDeadline(seconds: 10, "shutdown") { await relay.stop() }
        _ = await second.value
        await backend.stop()
    }
}
