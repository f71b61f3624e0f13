import Logging
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif
import Relay

/// The one NIO handler at the bottom of every proxied channel. It hosts the transport socket
/// (raw or TLS) and the `NetworkConnection` with its filters; filters never see NIO.
///
/// Downstream channels start in a listener-filter phase (bytes are held while listener
/// filters inspect them), then a filter chain is chosen and the connection is built; the
/// held bytes are replayed into it. Upstream channels are built with their connection.
///
/// Reads are gated here (the `read` outbound event is held while the connection has reading
/// disabled), which is how backpressure reaches the socket. Half-close and flushing closes
/// are ordered after pending writes with an empty write's promise, so no byte is dropped.
///
/// Lifetime: the pipeline's context holds this handler and this handler holds the context, the
/// connection and its transport socket; the connection holds this handler as its transport.
/// All of these links are cut when the socket is gone: when the connection has closed (after
/// `channelInactive`) and when the pipeline removes the handler (`handlerRemoved`, which also
/// covers an upstream channel that closed without ever becoming active).
///
/// - Note: Confined to its channel's event loop.
final class ConnectionChannelHandler: ChannelDuplexHandler, DownstreamSocketHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never
    typealias OutboundIn = Never
    typealias OutboundOut = ByteBuffer

    /// Called once the connection exists (downstream: after chain selection).
    enum Phase {
        case accepting(ListenerFilterPhase)
        case connected
        case closed
    }

    private(set) var connection: NetworkConnection?
    private var transportSocket: (any TransportSocket)?
    private var context: ChannelHandlerContext?
    private var phase: Phase
    private var readEnabled = true
    private var pendingRead = false
    private var outputClosed = false
    private var inputClosed = false
    private var sawError = false
    private var closeMode: TransportCloseMode?
    /// Whether the socket's end was reported to the listener phase / connection.
    private var socketEndReported = false
    private let onClose: ((NetworkConnection?) -> Void)?
    private let logger: Logger
    private var onTransportReady: ((NetworkConnection) -> Void)?
    private var onTransportFailed: ((String) -> Void)?
    private let liveObject: LiveObjectToken

    /// A downstream handler that first runs listener filters.
    init(accepting phase: ListenerFilterPhase, logger: Logger, onClose: @escaping (NetworkConnection?) -> Void) {
        self.phase = .accepting(phase)
        self.logger = logger
        self.onClose = onClose
        self.liveObject = LiveObjectToken(.channelHandler, on: phase.dispatcher.eventLoop)
    }

    /// An upstream handler; its connection is adopted before the channel becomes active.
    /// `ready` is called when TCP (and TLS) are up, `failed` if the transport fails first.
    init(
        on eventLoop: any EventLoop,
        upstreamReady ready: @escaping (NetworkConnection) -> Void,
        failed: @escaping (String) -> Void,
        logger: Logger,
        onClose: @escaping (NetworkConnection?) -> Void
    ) {
        self.phase = .connected
        self.logger = logger
        self.onTransportReady = ready
        self.onTransportFailed = failed
        self.onClose = onClose
        self.liveObject = LiveObjectToken(.channelHandler, on: eventLoop)
    }

    // MARK: - Building the downstream connection

    /// The channel's event loop (valid once the handler is added).
    var eventLoopForAttach: any EventLoop { context!.eventLoop }

    /// Installs the connection chosen for this socket and its transport socket, before the
    /// filters are initialized (they may write or close in `onNewConnection`).
    func adopt(connection: NetworkConnection, transportSocket: (any TransportSocket)?) {
        self.connection = connection
        self.transportSocket = transportSocket
        transportSocket?.setCallbacks(self)
    }

    /// Starts the connection: the transport socket begins (TLS waits for the ClientHello,
    /// plaintext is connected at once) and the bytes held during listener filters are replayed.
    func attach(held: ByteBuffer?, sawEOF: Bool) {
        guard let connection, case .accepting = phase else { return }
        self.phase = .connected
        if let transportSocket {
            transportSocket.onConnected()
        } else {
            connection.transportConnected()
        }
        if let held, held.readableBytes > 0 {
            deliverFromNetwork(held)
        }
        if sawEOF { deliverNetworkEOF() }
    }

    /// Closes a socket that never became a connection (no chain matched, listener filter
    /// rejected it).
    func rejectSocket() {
        phase = .closed
        context?.close(promise: nil)
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
        reportSocketEnd()
    }

    func channelActive(context: ChannelHandlerContext) {
        switch phase {
        case .accepting(let listenerPhase):
            listenerPhase.start(handler: self)
        case .connected:
            // Upstream: TCP is up.
            if let transportSocket {
                transportSocket.setCallbacks(self)
                transportSocket.onConnected()
            } else if let connection {
                connection.transportConnected()
                onTransportReady?(connection)
                onTransportReady = nil
                onTransportFailed = nil
            }
        case .closed:
            break
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch phase {
        case .accepting(let listenerPhase):
            listenerPhase.received(buffer)
        case .connected:
            deliverFromNetwork(buffer)
        case .closed:
            break
        }
    }

    private func deliverFromNetwork(_ buffer: ByteBuffer) {
        if let transportSocket {
            transportSocket.receiveFromNetwork(buffer)
        } else {
            connection?.transportRead(buffer)
        }
    }

    private func deliverNetworkEOF() {
        if let transportSocket {
            transportSocket.receiveNetworkEOF()
        } else {
            connection?.transportReadEOF()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            inputClosed = true
            switch phase {
            case .accepting(let listenerPhase):
                listenerPhase.receivedEOF()
            case .connected:
                deliverNetworkEOF()
            case .closed:
                break
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection?.transportWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Resets and I/O errors end the connection; the inactive event reports it.
        sawError = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        reportSocketEnd()
        context.fireChannelInactive()
    }

    /// The socket is gone: tells the listener phase or the connection, once, and tears the
    /// connection down when it has closed.
    private func reportSocketEnd() {
        guard !socketEndReported else { return }
        socketEndReported = true
        if case .accepting(let listenerPhase) = phase {
            listenerPhase.socketClosed()
        }
        if let failed = onTransportFailed {
            onTransportFailed = nil
            onTransportReady = nil
            failed("upstream closed before it was ready")
        }
        let wasConnected: Bool
        if case .connected = phase { wasConnected = true } else { wasConnected = false }
        phase = .closed
        guard let connection = self.connection else {
            onClose?(nil)
            return
        }
        // NIO reports a FIN that arrives after our own FIN as a plain close (no inputClosed
        // event): that is still an orderly end, and bytes held for a read-disabled chain
        // must be delivered before the connection closes.
        let orderly = wasConnected && !sawError && !inputClosed && outputClosed && closeMode == nil
        connection.transportClosed(orderly: orderly)
        connection.whenClosed { [self] in
            onClose?(connection)
            connection.destroy()
            self.connection = nil
            self.transportSocket = nil
        }
    }

    func read(context: ChannelHandlerContext) {
        if readEnabled {
            context.read()
        } else {
            pendingRead = true
        }
    }
}

@available(*, unavailable)
extension ConnectionChannelHandler: Sendable {}

// MARK: - ConnectionTransport (connection → socket)

extension ConnectionChannelHandler: ConnectionTransport {
    func write(_ data: ByteBuffer) {
        if let transportSocket {
            transportSocket.write(data)
        } else {
            writeToNetwork(data)
        }
    }

    private func writeToNetwork(_ data: ByteBuffer) {
        guard let context, !outputClosed else { return }
        context.writeAndFlush(wrapOutboundOut(data), promise: nil)
    }

    func shutdownWrite() {
        guard let context, !outputClosed else { return }
        transportSocket?.shutdownWrite()
        outputClosed = true
        // An empty write completes after every earlier write, so the FIN follows the data.
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
        promise.futureResult.assumeIsolated().whenComplete { [weak self] _ in
            guard let self, let context = self.context, self.closeMode == nil else { return }
            context.close(mode: .output, promise: nil)
        }
    }

    func close(_ mode: TransportCloseMode) {
        guard let context else {
            // The socket is already gone (a connection that stayed open after it to deliver
            // held bytes): the close is complete as soon as it is asked for.
            if socketEndReported, let connection, connection.state != .closed {
                connection.dispatcher.post { connection.transportClosed() }
            }
            return
        }
        if let existing = closeMode, existing != .afterFlush || mode == .afterFlush { return }
        closeMode = mode
        switch mode {
        case .afterFlush:
            if !outputClosed { transportSocket?.shutdownWrite() }
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

    func setReadEnabled(_ enabled: Bool) {
        guard enabled != readEnabled else { return }
        readEnabled = enabled
        if enabled, pendingRead, let context {
            pendingRead = false
            context.read()
        }
    }
}

// MARK: - TransportSocketCallbacks (TLS ↔ socket and connection)

extension ConnectionChannelHandler: TransportSocketCallbacks {
    func transportSocketWriteToNetwork(_ data: ByteBuffer) {
        guard let context else { return }
        context.writeAndFlush(wrapOutboundOut(data), promise: nil)
    }

    func transportSocketDeliver(_ plaintext: ByteBuffer) {
        connection?.transportRead(plaintext)
    }

    func transportSocketConnected() {
        guard let connection else { return }
        connection.transportConnected(tls: transportSocket?.connectionInfo)
        if let ready = onTransportReady {
            onTransportReady = nil
            onTransportFailed = nil
            ready(connection)
        }
    }

    func transportSocketPeerEnded() {
        connection?.transportReadEOF()
    }

    func transportSocketFailed(_ reason: String) {
        logger.debug(
            "transport socket failed; closing",
            metadata: ["reason": "\(reason)", "remote": "\(context?.channel.remoteAddress.map { "\($0)" } ?? "-")"]
        )
        if let failed = onTransportFailed {
            onTransportFailed = nil
            onTransportReady = nil
            failed(reason)
        }
        context?.close(promise: nil)
    }
}
