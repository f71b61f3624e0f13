import Logging
import NIOCore
import Relay

/// The socket glue under every proxied connection, whichever I/O engine carries it: it hosts
/// the transport socket (raw or TLS) and the `NetworkConnection` with its filters; filters never
/// see the engine. ``ConnectionChannelHandler`` (NIO channels) and ``NativeConnectionHandler``
/// (RelayIO sockets) supply the socket operations and report the socket's events here, so both
/// engines share one set of phases and close semantics.
///
/// Downstream sockets start in a listener-filter phase (bytes are held while listener filters
/// inspect them), then a filter chain is chosen and the connection is built; the held bytes are
/// replayed into it. Upstream sockets are built with their connection and connect first.
///
/// Lifetime: the engine holds the handler until the socket is gone; the handler holds the
/// connection and its transport socket until the connection has closed.
///
/// - Note: Confined to its socket's event loop.
class SocketConnectionHandler: ConnectionTransport {
    enum Phase {
        /// Downstream: listener filters run.
        case accepting(ListenerFilterPhase)
        /// Upstream: TCP is connecting.
        case connecting
        case connected
        case closed
    }

    private(set) var connection: NetworkConnection?
    private(set) var transportSocket: (any TransportSocket)?
    private(set) var phase: Phase
    /// Our FIN was asked for (after pending writes).
    private(set) var outputClosed = false
    /// The peer's FIN was reported.
    private var inputClosed = false
    private var sawError = false
    private(set) var closeMode: TransportCloseMode?
    /// Whether the socket's end was reported to the listener phase / connection.
    private(set) var socketEndReported = false
    private let onClose: ((NetworkConnection?) -> Void)?
    let logger: Logger
    private var onTransportReady: ((NetworkConnection) -> Void)?
    private var onTransportFailed: ((String) -> Void)?
    private let liveObject: LiveObjectToken
    /// The socket's event loop.
    let eventLoopForAttach: any EventLoop

    /// A downstream handler that first runs listener filters.
    init(accepting phase: ListenerFilterPhase, logger: Logger, onClose: @escaping (NetworkConnection?) -> Void) {
        self.phase = .accepting(phase)
        self.logger = logger
        self.onClose = onClose
        self.eventLoopForAttach = phase.dispatcher.eventLoop
        self.liveObject = LiveObjectToken(.channelHandler, on: phase.dispatcher.eventLoop)
    }

    /// An upstream handler; its connection is adopted before TCP connects. `ready` is called
    /// when TCP (and TLS) are up, `failed` if the socket ends or the transport fails first.
    init(
        on eventLoop: any EventLoop,
        upstreamReady ready: @escaping (NetworkConnection) -> Void,
        failed: @escaping (String) -> Void,
        logger: Logger,
        onClose: @escaping (NetworkConnection?) -> Void
    ) {
        self.phase = .connecting
        self.logger = logger
        self.onTransportReady = ready
        self.onTransportFailed = failed
        self.onClose = onClose
        self.eventLoopForAttach = eventLoop
        self.liveObject = LiveObjectToken(.channelHandler, on: eventLoop)
    }

    // MARK: - Socket operations (each engine's)

    /// Whether the socket can still be written and closed.
    var socketIsOpen: Bool { preconditionFailure("subclass") }
    /// The peer, for logs.
    var socketRemoteAddress: SocketAddress? { preconditionFailure("subclass") }
    /// Queues bytes for the network.
    func socketWrite(_ data: ByteBuffer) { preconditionFailure("subclass") }
    /// Sends FIN after the pending writes.
    func socketShutdownOutput() { preconditionFailure("subclass") }
    /// Closes the socket (after pending writes, now, or with RST).
    func socketClose(_ mode: TransportCloseMode) { preconditionFailure("subclass") }
    /// Starts or stops reading.
    func socketSetReadEnabled(_ enabled: Bool) { preconditionFailure("subclass") }

    // MARK: - Building the downstream connection

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
        phase = .connected
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
        socketClose(.immediately)
    }

    // MARK: - Socket events (reported by each engine)

    /// A downstream socket is open: listener filters start.
    func socketAccepted() {
        guard case .accepting(let listenerPhase) = phase else { return }
        listenerPhase.start(handler: self)
    }

    /// An upstream socket connected (TCP is up).
    func socketConnected() {
        guard case .connecting = phase else { return }
        phase = .connected
        if let transportSocket {
            transportSocket.onConnected()
        } else if let connection {
            connection.transportConnected()
            onTransportReady?(connection)
            onTransportReady = nil
            onTransportFailed = nil
        }
    }

    func socketRead(_ buffer: ByteBuffer) {
        switch phase {
        case .accepting(let listenerPhase):
            listenerPhase.received(buffer)
        case .connected:
            deliverFromNetwork(buffer)
        case .connecting, .closed:
            break
        }
    }

    /// The peer's FIN, with our output still open.
    func socketReadEOF() {
        inputClosed = true
        switch phase {
        case .accepting(let listenerPhase):
            listenerPhase.receivedEOF()
        case .connected:
            deliverNetworkEOF()
        case .connecting, .closed:
            break
        }
    }

    func socketWritabilityChanged(isWritable: Bool) {
        connection?.transportWritabilityChanged(isWritable: isWritable)
    }

    /// A reset or I/O error; the socket's end follows.
    func socketFailed() {
        sawError = true
    }

    /// The socket is gone: tells the listener phase or the connection, once, and tears the
    /// connection down when it has closed.
    func socketEnded() {
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
        // A FIN that arrives after our own FIN ends the socket without a separate end-of-input
        // report: that is still an orderly end, and bytes held for a read-disabled chain must
        // be delivered before the connection closes.
        let orderly = wasConnected && !sawError && !inputClosed && outputClosed && closeMode == nil
        connection.transportClosed(orderly: orderly)
        if connection.state == .closed {
            // The usual case: no closure to keep for later.
            tearDown(connection)
        } else {
            connection.whenClosed { [self] in tearDown(connection) }
        }
    }

    /// The connection has closed: reports it and lets go of it and its transport socket.
    private func tearDown(_ connection: NetworkConnection) {
        onClose?(connection)
        connection.destroy()
        self.connection = nil
        self.transportSocket = nil
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

    // MARK: - ConnectionTransport (connection → socket)

    func write(_ data: ByteBuffer) {
        if let transportSocket {
            transportSocket.write(data)
        } else if !outputClosed {
            socketWrite(data)
        }
    }

    func shutdownWrite() {
        guard socketIsOpen, !outputClosed else { return }
        transportSocket?.shutdownWrite()
        outputClosed = true
        socketShutdownOutput()
    }

    func close(_ mode: TransportCloseMode) {
        guard socketIsOpen else {
            // The socket is already gone (a connection that stayed open after it to deliver
            // held bytes): the close is complete as soon as it is asked for.
            if socketEndReported, let connection, connection.state != .closed {
                connection.dispatcher.post { connection.transportClosed() }
            }
            return
        }
        if let existing = closeMode, existing != .afterFlush || mode == .afterFlush { return }
        closeMode = mode
        if mode == .afterFlush, !outputClosed { transportSocket?.shutdownWrite() }
        socketClose(mode)
    }

    func setReadEnabled(_ enabled: Bool) {
        socketSetReadEnabled(enabled)
    }
}

@available(*, unavailable)
extension SocketConnectionHandler: Sendable {}

// MARK: - TransportSocketCallbacks (TLS ↔ socket and connection)

extension SocketConnectionHandler: TransportSocketCallbacks {
    func transportSocketWriteToNetwork(_ data: ByteBuffer) {
        socketWrite(data)
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
            metadata: ["reason": "\(reason)", "remote": "\(socketRemoteAddress.map { "\($0)" } ?? "-")"]
        )
        if let failed = onTransportFailed {
            onTransportFailed = nil
            onTransportReady = nil
            failed(reason)
        }
        socketClose(.immediately)
    }
}
