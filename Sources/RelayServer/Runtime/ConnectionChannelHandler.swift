import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif
import Relay

/// The `nio` engine's socket glue: the one NIO handler at the bottom of every proxied channel,
/// translating channel events for ``SocketConnectionHandler`` and carrying out its socket
/// operations on the channel.
///
/// Reads are gated here (the `read` outbound event is held while the connection has reading
/// disabled), which is how backpressure reaches the socket. Half-close and flushing closes
/// are ordered after pending writes with an empty write's promise, so no byte is dropped.
///
/// Lifetime: the pipeline's context holds this handler and this handler holds the context;
/// the link is cut when the pipeline removes the handler (`handlerRemoved`, which also covers
/// an upstream channel that closed without ever becoming active).
///
/// - Note: Confined to its channel's event loop.
final class ConnectionChannelHandler: SocketConnectionHandler, ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?
    private var readEnabled = true
    private var pendingRead = false

    // MARK: - Socket operations

    override var socketIsOpen: Bool { context != nil }

    override var socketRemoteAddress: SocketAddress? { context?.channel.remoteAddress }

    override func socketWrite(_ data: ByteBuffer) {
        context?.writeAndFlush(wrapOutboundOut(data), promise: nil)
    }

    override func socketShutdownOutput() {
        guard let context else { return }
        // An empty write completes after every earlier write, so the FIN follows the data.
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
        promise.futureResult.assumeIsolated().whenComplete { [weak self] _ in
            guard let self, let context = self.context, self.closeMode == nil else { return }
            context.close(mode: .output, promise: nil)
        }
    }

    override func socketClose(_ mode: TransportCloseMode) {
        guard let context else { return }
        switch mode {
        case .afterFlush:
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
            promise.futureResult.assumeIsolated().whenComplete { [weak self] _ in
                self?.context?.close(promise: nil)
            }
        case .immediately:
            context.close(promise: nil)
        case .reset:
            // SO_LINGER {on, 0}: close() sends RST instead of FIN.
            guard let provider = context.channel as? any SocketOptionProvider else {
                context.close(promise: nil)
                return
            }
            provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { [weak self] _ in
                self?.context?.close(promise: nil)
            }
        }
    }

    override func socketSetReadEnabled(_ enabled: Bool) {
        guard enabled != readEnabled else { return }
        readEnabled = enabled
        if enabled, pendingRead, let context {
            pendingRead = false
            context.read()
        }
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The pipeline is torn down (the channel closed). The context holds this handler
        // strongly, so drop it, or both (and all this handler holds) outlive the channel.
        self.context = nil
        // A channel that never became active (a failed or cancelled upstream connect) had no
        // channelInactive: report its end now.
        socketEnded()
    }

    func channelActive(context: ChannelHandlerContext) {
        socketAccepted()
        socketConnected()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        socketRead(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            socketReadEOF()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        socketWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Resets and I/O errors end the connection; the inactive event reports it.
        socketFailed()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        socketEnded()
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if readEnabled {
            context.read()
        } else {
            pendingRead = true
        }
    }
}

