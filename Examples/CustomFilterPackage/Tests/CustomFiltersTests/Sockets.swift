import NIOCore
import NIOPosix

/// A TCP echo server on 127.0.0.1 and a port the kernel picks: echoes bytes, and answers the
/// client's FIN with its own.
struct EchoServer {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    static func start(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> EchoServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return EchoServer(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(mode: .output, promise: nil)
        }
    }
}

/// Connects to `port`, sends `text` and a FIN at once, and returns everything the server
/// sent until it closed its side.
func exchange(_ text: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> String {
    let loop = group.next()
    let reply = loop.makePromise(of: ByteBuffer.self)
    let channel = try await ClientBootstrap(group: loop)
        .channelOption(.allowRemoteHalfClosure, value: true)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(CollectingHandler(reply: reply))
            }
        }
        .connect(host: "127.0.0.1", port: port)
        .get()
    try await channel.writeAndFlush(ByteBuffer(string: text))
    try await channel.close(mode: .output)
    let received = try await reply.futureResult.get()
    try? await channel.close()
    return String(buffer: received)
}

private final class CollectingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let reply: EventLoopPromise<ByteBuffer>
    private var received = ByteBuffer()
    private var done = false

    init(reply: EventLoopPromise<ByteBuffer>) {
        self.reply = reply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { finish() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !done else { return }
        done = true
        reply.fail(error)
        context.close(promise: nil)
    }

    private func finish() {
        guard !done else { return }
        done = true
        reply.succeed(received)
    }
}
