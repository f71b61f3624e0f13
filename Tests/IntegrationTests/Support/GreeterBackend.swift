import NIOCore
import NIOPosix

/// A real TCP server on 127.0.0.1:0 standing in for the seed's database: it reads until the
/// client half-closes, answers `hello <what it read>`, and closes.
final class GreeterBackend: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func start(group: any EventLoopGroup) async throws -> GreeterBackend {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(GreeterHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return GreeterBackend(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

final class GreeterHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var received = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? ChannelEvent, event == .inputClosed else { return }
        var reply = ByteBuffer(string: "hello ")
        reply.writeBuffer(&received)
        context.writeAndFlush(wrapOutboundOut(reply)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
