#if os(Linux)
import Logging
import NIOCore
import Relay
import RelayIO

/// The `native` I/O engine's counterpart of ``ConnectionChannelHandler``: it hosts the
/// transport socket (raw or TLS) and the `NetworkConnection` on a RelayIO ``StreamSocket``
/// instead of a NIO channel, with the same phases (listener filters, then the connection) and
/// the same close semantics, so filters cannot tell the engines apart.
///
/// Lifetime: the socket holds this handler until it closes; this handler holds the socket,
/// the connection and its transport socket until the connection has closed.
///
/// - Note: Confined to its socket's event loop.
final class NativeConnectionHandler: StreamSocketDelegate, DownstreamSocketHandler {
    private enum Phase {
        case accepting(ListenerFilterPhase)
        case connecting
        case connected
        case closed
    }

    private(set) var connection: NetworkConnection?
    private var transportSocket: (any TransportSocket)?
    private var socket: StreamSocket?
    private var phase: Phase
    private var outputClosed = false
    private var inputClosed = false
    private var sawError = false
    private var closeMode: TransportCloseMode?
    private var socketEndReported = false
    private let onClose: ((NetworkConnection?) -> Void)?
    private let logger: Logger
    private var onTransportReady: ((NetworkConnection) -> Void)?
    private var onTransportFailed: ((String) -> Void)?
    private var onConnectFailed: ((SocketError?) -> Void)?
    private let liveObject: LiveObjectToken
    let eventLoopForAttach: any EventLoop
    /// Called once when the socket has closed (the server's connection tracker).
    var whenSocketClosed: (() -> Void)?

    /// A downstream handler for an accepted `socket` that first runs listener filters.
    init(accepted socket: StreamSocket, phase: ListenerFilterPhase, logger: Logger, onClose: @escaping (NetworkConnection?) -> Void) {
        self.socket = socket
        self.phase = .accepting(phase)
        self.logger = logger
        self.onClose = onClose
        self.eventLoopForAttach = socket.loop
        self.liveObject = LiveObjectToken(.channelHandler, on: socket.loop)
    }

    /// An upstream handler; its connection is adopted before the connect finishes. `ready` is
    /// called when TCP (and TLS) are up, `failed` if the transport fails after TCP connected,
    /// `connectFailed` if TCP never connects.
    init(
        on loop: NativeEventLoop,
        upstreamReady ready: @escaping (NetworkConnection) -> Void,
        failed: @escaping (String) -> Void,
        connectFailed: @escaping (SocketError?) -> Void,
        logger: Logger,
        onClose: @escaping (NetworkConnection?) -> Void
    ) {
        self.phase = .connecting
        self.logger = logger
        self.onTransportReady = ready
        self.onTransportFailed = failed
        self.onConnectFailed = connectFailed
        self.onClose = onClose
        self.eventLoopForAttach = loop
        self.liveObject = LiveObjectToken(.channelHandler, on: loop)
    }

    /// Starts connecting (upstream handlers).
    func connect(to address: SocketAddress, options: [RawSocketOption], configuration: StreamSocket.Configuration) throws {
        guard let loop = eventLoopForAttach as? NativeEventLoop else { return }
        socket = try StreamSocket.connect(to: address, options: options, on: loop, configuration: configuration, delegate: self)
    }

    /// The local address of the socket (asked of the kernel).
    var localAddress: SocketAddress? { socket?.localAddress() }

    /// Starts the listener-filter phase (downstream handlers).
    func start() {
        guard case .accepting(let listenerPhase) = phase else { return }
        listenerPhase.start(handler: self)
    }

    // MARK: - DownstreamSocketHandler

    func adopt(connection: NetworkConnection, transportSocket: (any TransportSocket)?) {
        self.connection = connection
        self.transportSocket = transportSocket
        transportSocket?.setCallbacks(self)
    }

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

    func rejectSocket() {
        phase = .closed
        socket?.close(.immediately)
    }

    // MARK: - StreamSocketDelegate

    func streamSocketConnected() {
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
        onConnectFailed = nil
    }

    func streamSocketRead(_ data: ByteBuffer) {
        switch phase {
        case .accepting(let listenerPhase):
            listenerPhase.received(data)
        case .connected:
            deliverFromNetwork(data)
        case .connecting, .closed:
            break
        }
    }

    func streamSocketReadEOF() {
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

    func streamSocketOutputClosed() {}

    func streamSocketWritabilityChanged(isWritable: Bool) {
        connection?.transportWritabilityChanged(isWritable: isWritable)
    }

    func streamSocketClosed(error: SocketError?, whileConnecting: Bool) {
        if error != nil { sawError = true }
        if whileConnecting, let connectFailed = onConnectFailed {
            onConnectFailed = nil
            onTransportFailed = nil
            onTransportReady = nil
            connectFailed(error)
        }
        reportSocketEnd()
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

    /// The socket is gone: tells the listener phase or the connection, once, and tears the
    /// connection down when it has closed (as ``ConnectionChannelHandler`` does).
    private func reportSocketEnd() {
        guard !socketEndReported else { return }
        socketEndReported = true
        if let whenSocketClosed {
            self.whenSocketClosed = nil
            whenSocketClosed()
        }
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
        socket = nil
        guard let connection = self.connection else {
            onClose?(nil)
            return
        }
        // A FIN after our own FIN closes the socket without a separate end-of-input report:
        // an orderly end, and bytes held for a read-disabled chain are still delivered.
        let orderly = wasConnected && !sawError && !inputClosed && outputClosed && closeMode == nil
        connection.transportClosed(orderly: orderly)
        connection.whenClosed { [self] in
            onClose?(connection)
            connection.destroy()
            self.connection = nil
            self.transportSocket = nil
        }
    }
}

@available(*, unavailable)
extension NativeConnectionHandler: Sendable {}

// MARK: - ConnectionTransport (connection → socket)

extension NativeConnectionHandler: ConnectionTransport {
    func write(_ data: ByteBuffer) {
        if let transportSocket {
            transportSocket.write(data)
        } else if !outputClosed {
            socket?.write(data)
        }
    }

    func shutdownWrite() {
        guard let socket, socket.isOpen, !outputClosed else { return }
        transportSocket?.shutdownWrite()
        outputClosed = true
        socket.shutdownOutput()
    }

    func close(_ mode: TransportCloseMode) {
        guard let socket, socket.isOpen else {
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
            socket.close(.afterFlush)
        case .immediately:
            socket.close(.immediately)
        case .reset:
            socket.close(.reset)
        }
    }

    func setReadEnabled(_ enabled: Bool) {
        socket?.setReadEnabled(enabled)
    }
}

// MARK: - TransportSocketCallbacks (TLS ↔ socket and connection)

extension NativeConnectionHandler: TransportSocketCallbacks {
    func transportSocketWriteToNetwork(_ data: ByteBuffer) {
        socket?.write(data)
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
            metadata: ["reason": "\(reason)", "remote": "\(socket?.remoteAddress.map { "\($0)" } ?? "-")"]
        )
        if let failed = onTransportFailed {
            onTransportFailed = nil
            onTransportReady = nil
            failed(reason)
        }
        socket?.close(.immediately)
    }
}
#endif
