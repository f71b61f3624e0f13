import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Short real TCP connections to 127.0.0.1:`port`, for leak and stats tests. Each call
/// returns once the client's socket is closed.
enum ShortConnectionClient {
    /// What one connection does.
    enum Behaviour: Sendable {
        /// Sends `PING\r\n`, waits for the same bytes back, then closes.
        case pingPong
        /// Closes as soon as it is connected (FIN).
        case closeAtOnce
        /// Resets as soon as it is connected (SO_LINGER 0, then close: RST).
        case resetAtOnce
        /// Waits until the peer closes.
        case awaitPeerClose
    }

    /// Runs one connection. Returns whether it behaved as expected (for `pingPong`: the echo
    /// arrived).
    @discardableResult
    static func run(port: Int, _ behaviour: Behaviour, group: any EventLoopGroup) async throws -> Bool {
        let outcome = Outcome()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ShortConnectionHandler(behaviour: behaviour, outcome: outcome)
                    )
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        try? await channel.closeFuture.get()
        return outcome.succeeded.load(ordering: .relaxed)
    }

    /// Whether a connection behaved, set on its event loop and read after its close.
    final class Outcome: Sendable {
        let succeeded = Atomic<Bool>(false)
    }

    /// Runs `count` connections, at most `parallel` at a time. Returns how many behaved.
    static func run(
        count: Int,
        parallel: Int = 32,
        port: Int,
        _ behaviour: Behaviour,
        group: any EventLoopGroup
    ) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { tasks in
            var started = 0
            var good = 0
            while started < min(parallel, count) {
                tasks.addTask { try await run(port: port, behaviour, group: group) }
                started += 1
            }
            while let ok = try await tasks.next() {
                if ok { good += 1 }
                if started < count {
                    tasks.addTask { try await run(port: port, behaviour, group: group) }
                    started += 1
                }
            }
            return good
        }
    }
}

/// The client side of one short connection.
private final class ShortConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    static let ping = "PING\r\n"

    let behaviour: ShortConnectionClient.Behaviour
    let outcome: ShortConnectionClient.Outcome
    private var received = ByteBuffer()

    init(behaviour: ShortConnectionClient.Behaviour, outcome: ShortConnectionClient.Outcome) {
        self.behaviour = behaviour
        self.outcome = outcome
    }

    private func succeed(_ value: Bool = true) {
        outcome.succeeded.store(value, ordering: .relaxed)
    }

    func channelActive(context: ChannelHandlerContext) {
        switch behaviour {
        case .pingPong:
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: Self.ping)), promise: nil)
        case .closeAtOnce:
            succeed()
            context.close(promise: nil)
        case .resetAtOnce:
            succeed()
            let channel = context.channel
            if let provider = channel as? any SocketOptionProvider {
                provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in
                    channel.close(promise: nil)
                }
            } else {
                context.close(promise: nil)
            }
        case .awaitPeerClose:
            break
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        if case .pingPong = behaviour, received.readableBytes >= Self.ping.utf8.count {
            succeed(String(buffer: received) == Self.ping)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .awaitPeerClose = behaviour { succeed() }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
