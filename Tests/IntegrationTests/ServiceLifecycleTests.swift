import BundledFilters
import Logging
import NIOCore
import NIOPosix
import Relay
import RelayServer
import ServiceLifecycle
import Testing

/// `RelayServer` as a swift-service-lifecycle `Service`, and on a caller's event loops.
@Suite(.timeLimit(.minutes(1)))
struct ServiceLifecycleTests {
    static var quietLogger: Logger {
        var logger = Logger(label: "relay-service-test")
        logger.logLevel = .critical
        return logger
    }

    static func server(
        backend: EchoBackend,
        eventLoopGroup: (any EventLoopGroup)? = nil,
        drainTime: Duration = .seconds(600)
    ) throws -> RelayServer {
        let configuration = try ServerConfiguration.load(
            yaml: TCPProxyIntegrationTests.proxyYAML(backendPort: backend.port),
            registry: .bundled,
            logger: quietLogger
        )
        if let eventLoopGroup {
            return RelayServer(configuration: configuration, eventLoopGroup: eventLoopGroup, drainTime: drainTime, logger: quietLogger)
        }
        return RelayServer(configuration: configuration, concurrency: 1, drainTime: drainTime, logger: quietLogger)
    }

    /// The listener's port once the service has bound it.
    static func boundPort(_ server: RelayServer) async throws -> Int {
        // Generous: the whole suite starts servers at once on two cores; a bind that never
        // happens still fails.
        #expect(try await eventually(timeout: .seconds(30)) { server.listenerAddresses["front"] != nil })
        return try #require(server.listenerAddresses["front"]?.port)
    }

    @Test func aServiceGroupRunsRelayAndAGracefulShutdownEndsIt() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        // A drain time of ten minutes: with no connection open the drain ends at once.
        let server = try Self.server(backend: backend)
        let services = ServiceGroup(configuration: .init(services: [server], logger: Self.quietLogger))
        let running = Task { try await services.run() }
        let port = try await Self.boundPort(server)
        let reply = try await TestClient.exchange(port: port, payload: ByteBuffer(string: "through the service"), group: group)
        #expect(String(buffer: reply) == "through the service")
        await services.triggerGracefulShutdown()
        try await withDeadline(seconds: 10, "the service group's return") { try await running.value }
        #expect(server.listenerAddresses["front"] != nil)      // bound once; now closed:
        await #expect(throws: (any Error).self) { _ = try await EchoConnection.open(port: port) }
        await backend.stop()
    }

    @Test func aGracefulShutdownDrainsOpenConnectionsThenStops() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let server = try Self.server(backend: backend)
        let services = ServiceGroup(configuration: .init(services: [server], logger: Self.quietLogger))
        let running = Task { try await services.run() }
        let port = try await Self.boundPort(server)
        let open = try await EchoConnection.open(port: port)
        #expect(try await open.roundTrip("before") == "before")
        await services.triggerGracefulShutdown()
        // Draining, as Envoy's /drain_listeners?graceful: the open connection carries on and
        // the listener still accepts during the drain time.
        #expect(try await open.roundTrip("during") == "during")
        let reply = try await TestClient.exchange(port: port, payload: ByteBuffer(string: "new"), group: group)
        #expect(String(buffer: reply) == "new")
        // The last connection closing ends the drain (an event, not a poll) and the service.
        await open.close()
        try await withDeadline(seconds: 10, "the service group's return") { try await running.value }
        await backend.stop()
    }

    @Test func cancellingRunStopsTheServerAtOnce() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let backend = try await EchoBackend.start(group: group)
        let server = try Self.server(backend: backend)
        let running = Task { try await server.run() }
        let port = try await Self.boundPort(server)
        let open = try await EchoConnection.open(port: port)
        #expect(try await open.roundTrip("hello") == "hello")
        running.cancel()
        try await withDeadline(seconds: 10, "run's return") { try await running.value }
        await #expect(throws: (any Error).self) { _ = try await open.roundTrip("gone") }
        await open.close()
        await backend.stop()
    }

    @Test func runsOnACallerProvidedEventLoopGroupAndLeavesItRunning() async throws {
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let backend = try await EchoBackend.start(group: MultiThreadedEventLoopGroup.singleton)
        let server = try Self.server(backend: backend, eventLoopGroup: loops)
        try await server.start()
        let ours = Set(loops.makeIterator().map { ObjectIdentifier($0) })
        #expect(Set(server.eventLoops.map { ObjectIdentifier($0) }) == ours)
        #expect(server.listenerChannels(named: "front").allSatisfy { ours.contains(ObjectIdentifier($0.eventLoop)) })
        #expect(server.stats.existingGauge("server.concurrency")?.value == 2)
        let port = try #require(server.listenerAddresses["front"]?.port)
        for index in 0..<4 {
            let reply = try await TestClient.exchange(port: port, payload: ByteBuffer(string: "on your loops \(index)"), group: loops)
            #expect(String(buffer: reply) == "on your loops \(index)")
        }
        await server.stop()
        // Relay did not shut the caller's group down.
        #expect(try await loops.next().submit { 42 }.get() == 42)
        try await loops.shutdownGracefully()
        await backend.stop()
    }
}
