import BundledFilters
import Dispatch
import NIOCore
import NIOPosix
import Relay
import RelayServer
import Synchronization
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
        // The hostile regex would hold these for minutes; 20 s only absorbs a loaded machine.
        let echoed = try await withDeadline(seconds: 20, "a proxied exchange") {
            try await TestClient.exchange(port: proxy, payload: ByteBuffer(string: "still proxying"), group: group)
        }
        #expect(String(buffer: echoed) == "still proxying")
        let ready = try await withDeadline(seconds: 20, "/ready") { try await AdminClient.request(port: admin, "/ready") }
        #expect(ready.status == 200)
        let answer = try await withDeadline(seconds: 10, "the hostile /stats request") { try await hostile.value }
        #expect(answer.status == 200)
        #expect(answer.body.contains("tcp.front.downstream_cx_total: "))
        #expect(answer.body.split(separator: "\n").allSatisfy { $0.split(separator: ":")[0].contains("x") })

        // Shutdown (what SIGTERM does) completes with another hostile request in flight.
        let second = Task { try? await AdminClient.request(port: admin, Self.hostileFilter) }
        try await withDeadline(seconds: 10, "shutdown") { await relay.stop() }
        _ = await second.value
        await backend.stop()
    }

    /// A worker loop busy for as long as it takes (here: a filter that blocks it) cannot delay
    /// the admin server: every endpoint answers from the admin thread.
    @Test func adminAnswersWhileTheOnlyWorkerIsBlocked() async throws {
        let gate = StallGate()
        var registry = FilterRegistry.bundled
        registry.register(StallFilterFactory(gate: gate))
        let relay = try await RunningRelay.start(yaml: Self.stallYAML, registry: registry, concurrency: 1)
        let admin = try #require(relay.server.adminAddress?.port)
        let stalled = Task { try? await TestClient.exchange(port: relay.port("stall"), payload: ByteBuffer(string: "x"), group: MultiThreadedEventLoopGroup.singleton) }
        await gate.waitUntilEntered()
        for path in ["/ready", "/stats", "/server_info", "/listeners", "/clusters", "/config_dump", "/stats/prometheus"] {
            // A blocked worker would hold these forever; 20 s only absorbs a loaded machine.
            let response = try await withDeadline(seconds: 20, path) { try await AdminClient.request(port: admin, path) }
            #expect(response.status == 200, "\(path)")
        }
        gate.release()
        await relay.stop()  // closes the stalled connection, which has no filter to end it
        _ = await stalled.value
    }

    static let stallYAML = """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: stall
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: test.stall
                typed_config: { "@type": type.googleapis.com/test.Stall }
        """
}

/// Blocks the event loop that creates a connection's filters until released. The test side
/// never blocks a thread: it awaits the "entered" signal (the cooperative pool has as few
/// threads as cores).
final class StallGate: Sendable {
    private let entered = Mutex<(signalled: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    private let released = DispatchSemaphore(value: 0)

    /// On the worker loop: announce, then hold the loop until ``release()``.
    func block() {
        let waiter = entered.withLock { state -> CheckedContinuation<Void, Never>? in
            state.signalled = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
        released.wait()
    }

    func waitUntilEntered() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = entered.withLock { state -> Bool in
                if state.signalled { return true }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    func release() { released.signal() }
}

/// A terminal filter whose factory blocks the worker loop (through ``StallGate``).
struct StallFilterFactory: NetworkFilterFactory {
    struct Config: Decodable, Sendable {}
    static let name: FilterName = "test.stall"
    static let typeURLs = ["type.googleapis.com/test.Stall"]
    static var isTerminal: Bool { true }
    let gate: StallGate

    func makeFilters(_ prepared: Config, into chain: inout FilterChainBuilder) {
        gate.block()
    }
}
