import NIOCore

/// A filter that runs after accept and before a connection exists, to inspect the first
/// bytes (peeked, not consumed) and set facts used for filter-chain matching (Envoy's
/// `Network::ListenerFilter`). `tls_inspector` is one.
///
/// Confined to the accepting event loop; one instance per accepted socket.
public protocol ListenerFilter: AnyObject {
    /// The socket was accepted. Return `.stopIteration` to wait for bytes (then
    /// ``maxReadBytes`` must be positive).
    func onAccept(_ callbacks: any ListenerFilterCallbacks) -> FilterStatus

    /// Peeked bytes: everything received so far, up to ``maxReadBytes``. Return `.continue`
    /// when done, `.stopIteration` to wait for more.
    func onData(_ data: ByteBuffer) -> FilterStatus

    /// How many bytes the filter wants to see; 0 if it needs none.
    var maxReadBytes: Int { get }

    /// The socket closed while the filter was waiting.
    func onClose()
}

extension ListenerFilter {
    public func onData(_ data: ByteBuffer) -> FilterStatus { .continue }
    public var maxReadBytes: Int { 0 }
    public func onClose() {}
}

/// The accepted socket as listener filters see and annotate it.
public final class AcceptedSocket {
    /// The listener-side address.
    public let localAddress: SocketAddress?
    /// The peer.
    public let remoteAddress: SocketAddress?
    /// The SNI seen in a ClientHello (lowercase), or "".
    public var requestedServerName = ""
    /// The ALPN protocols offered in a ClientHello, in client order.
    public var requestedApplicationProtocols: [String] = []
    /// `tls` when a ClientHello was seen; `raw_buffer` is assumed otherwise.
    public var detectedTransportProtocol = ""

    /// Creates the socket description.
    public init(localAddress: SocketAddress?, remoteAddress: SocketAddress?) {
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
    }
}

@available(*, unavailable)
extension AcceptedSocket: Sendable {}

/// What a listener filter can do.
public protocol ListenerFilterCallbacks: AnyObject {
    /// The accepted socket.
    var socket: AcceptedSocket { get }
    /// Filter state that the connection will inherit.
    var filterState: FilterState { get }
    /// The accepting event loop.
    var dispatcher: Dispatcher { get }
    /// Resumes after an asynchronous `.stopIteration`; `success: false` closes the socket.
    func continueFilterChain(success: Bool)
    /// Closes the socket (a rejection).
    func reject()
}
