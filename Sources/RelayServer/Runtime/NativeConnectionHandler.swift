#if os(Linux)
import Logging
import NIOCore
import Relay
import RelayIO

/// The `native` engine's socket glue: a ``SocketConnectionHandler`` on a RelayIO
/// ``StreamSocket``, which reports its events here and carries out the handler's socket
/// operations.
///
/// Lifetime: the socket holds this handler until it closes; this handler holds the socket
/// until then, and the connection until the connection has closed.
///
/// - Note: Confined to its socket's event loop.
final class NativeConnectionHandler: SocketConnectionHandler, StreamSocketDelegate {
    private var socket: StreamSocket?
    private var onConnectFailed: ((SocketError?) -> Void)?
    /// The server's connection tracker while it tracks this socket, and the socket's slot there.
    var tracker: ConnectionTracker?
    var trackingSlot = -1

    /// A downstream handler for an accepted `socket` that first runs listener filters.
    init(accepted socket: StreamSocket, phase: ListenerFilterPhase, logger: Logger, onClose: @escaping (NetworkConnection?) -> Void) {
        self.socket = socket
        super.init(accepting: phase, logger: logger, onClose: onClose)
    }

    /// An upstream handler; `connectFailed` is called if TCP never connects (then the end of
    /// the socket is reported as for any socket).
    init(
        on loop: NativeEventLoop,
        upstreamReady ready: @escaping (NetworkConnection) -> Void,
        failed: @escaping (String) -> Void,
        connectFailed: @escaping (SocketError?) -> Void,
        logger: Logger,
        onClose: @escaping (NetworkConnection?) -> Void
    ) {
        self.onConnectFailed = connectFailed
        super.init(on: loop, upstreamReady: ready, failed: failed, logger: logger, onClose: onClose)
    }

    /// Starts connecting (upstream handlers).
    func connect(to address: SocketAddress, options: [RawSocketOption], configuration: StreamSocket.Configuration) throws {
        guard let loop = eventLoopForAttach as? NativeEventLoop else { return }
        socket = try StreamSocket.connect(to: address, options: options, on: loop, configuration: configuration, delegate: self)
    }

    /// The local address of the socket (asked of the kernel).
    var localAddress: SocketAddress? { socket?.localAddress() }

    // MARK: - Socket operations

    override var socketIsOpen: Bool { socket?.isOpen ?? false }

    override var socketRemoteAddress: SocketAddress? { socket?.remoteAddress }

    override func socketWrite(_ data: ByteBuffer) {
        socket?.write(data)
    }

    override func socketShutdownOutput() {
        socket?.shutdownOutput()
    }

    override func socketClose(_ mode: TransportCloseMode) {
        switch mode {
        case .afterFlush: socket?.close(.afterFlush)
        case .immediately: socket?.close(.immediately)
        case .reset: socket?.close(.reset)
        }
    }

    override func socketSetReadEnabled(_ enabled: Bool) {
        socket?.setReadEnabled(enabled)
    }

    // MARK: - StreamSocketDelegate

    func streamSocketConnected() {
        onConnectFailed = nil
        socketConnected()
    }

    func streamSocketRead(_ data: ByteBuffer) {
        socketRead(data)
    }

    func streamSocketReadEOF() {
        socketReadEOF()
    }

    func streamSocketOutputClosed() {}

    func streamSocketWritabilityChanged(isWritable: Bool) {
        socketWritabilityChanged(isWritable: isWritable)
    }

    func streamSocketClosed(error: SocketError?, whileConnecting: Bool) {
        if error != nil { socketFailed() }
        if let tracker {
            self.tracker = nil
            tracker.remove(self)
        }
        if whileConnecting, let connectFailed = onConnectFailed {
            onConnectFailed = nil
            connectFailed(error)
        }
        socket = nil
        socketEnded()
    }
}

#endif
