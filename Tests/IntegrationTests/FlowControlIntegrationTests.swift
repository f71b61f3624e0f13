import NIOCore
import NIOPosix
import Testing

/// Timeouts through real sockets (backpressure: SlowReaderTests).
@Suite(.timeLimit(.minutes(1)))
struct FlowControlIntegrationTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    @Test func idleTimeoutClosesASilentConnection() async throws {
        let backend = try await EchoBackend.start(group: Self.group)
        let relay = try await RunningRelay.start(
            yaml: TCPProxyIntegrationTests.proxyYAML(backendPort: backend.port, proxyExtra: "          idle_timeout: 0.2s")
        )
        let client = try await ClientBootstrap(group: Self.group)
            .connect(host: "127.0.0.1", port: relay.port("front")).get()
        // Under load the timeout may already have closed the connection: the write is optional.
        try? await client.writeAndFlush(ByteBuffer(string: "then silence")).get()
        try await client.closeFuture.get()
        #expect(relay.counter("tcp.front.idle_timeout") == 1)
        await relay.stop()
        await backend.stop()
    }
}
