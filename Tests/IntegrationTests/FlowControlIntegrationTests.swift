import NIOCore
import NIOPosix
import Synchronization
import Testing

/// Backpressure and timeouts through real sockets.
@Suite(.timeLimit(.minutes(1)))
struct FlowControlIntegrationTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    /// A backend that writes as fast as its socket takes bytes, counting them.
    final class Firehose: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let written = Atomic<Int>(0)
        static let chunk = ByteBuffer(repeating: 0x5A, count: 64 * 1024)

        func channelActive(context: ChannelHandlerContext) {
            pump(context: context)
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            pump(context: context)
        }

        private func pump(context: ChannelHandlerContext) {
            while context.channel.isWritable && written.load(ordering: .relaxed) < 512 << 20 {
                context.write(NIOAny(Self.chunk), promise: nil)
                written.wrappingAdd(Self.chunk.readableBytes, ordering: .relaxed)
            }
            context.flush()
        }
    }

    @Test func aSlowReaderKeepsTheProxyBounded() async throws {
        let firehose = Firehose()
        let backend = try await ServerBootstrap(group: Self.group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(firehose) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let relay = try await RunningRelay.start(yaml: TCPProxyIntegrationTests.proxyYAML(backendPort: backend.localAddress!.port!))
        // The client connects and never reads.
        let client = try await ClientBootstrap(group: Self.group)
            .channelOption(.autoRead, value: false)
            .connect(host: "127.0.0.1", port: relay.port("front")).get()
        // Wait until the backend cannot write any more: everything between it and the
        // client (two kernels' buffers and Relay) is full.
        var last = -1
        let stalled = try await eventually(timeout: .seconds(20)) {
            let now = firehose.written.load(ordering: .relaxed)
            defer { last = now }
            return now > 0 && now == last
        }
        #expect(stalled)
        let buffered = firehose.written.load(ordering: .relaxed)
        print("slow reader: the backend could write \(buffered >> 20) MiB before backpressure stopped it")
        #expect(buffered < 64 << 20, "unbounded buffering: \(buffered) bytes")
        #expect(relay.counter("cluster.backend.upstream_flow_control_paused_reading_total") >= 1)
        try await client.close()
        await relay.stop()
        try await backend.close()
    }

    @Test func idleTimeoutClosesASilentConnection() async throws {
        let backend = try await EchoBackend.start(group: Self.group)
        let relay = try await RunningRelay.start(
            yaml: TCPProxyIntegrationTests.proxyYAML(backendPort: backend.port, proxyExtra: "          idle_timeout: 0.2s")
        )
        let client = try await ClientBootstrap(group: Self.group)
            .connect(host: "127.0.0.1", port: relay.port("front")).get()
        try await client.writeAndFlush(ByteBuffer(string: "then silence")).get()
        try await client.closeFuture.get()
        #expect(relay.counter("tcp.front.idle_timeout") == 1)
        await relay.stop()
        await backend.stop()
    }
}
