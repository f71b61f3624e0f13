import Logging
import NIOCore
import NIOEmbedded
import Relay
import RelayServer
import Testing

/// A caller's event loop group must be able to run POSIX sockets.
@Suite struct EventLoopGroupTests {
    @Test func aGroupWithoutPOSIXSocketsIsAnErrorAtStart() async throws {
        var logger = Logger(label: "relay-test")
        logger.logLevel = .critical
        let configuration = try ServerConfiguration.load(yaml: "static_resources: {}", registry: FilterRegistry(), logger: logger)
        let loop = NIOAsyncTestingEventLoop()
        let server = RelayServer(configuration: configuration, eventLoopGroup: loop, logger: logger)
        await #expect(throws: UnsupportedEventLoopGroupError.self) { try await server.start() }
        await loop.shutdownGracefully()
    }
}
