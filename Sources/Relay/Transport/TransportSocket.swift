import NIOCore

/// The layer between the socket and a connection's filters: `raw_buffer` or TLS.
///
/// It turns network bytes into plaintext for the connection and plaintext into network
/// bytes. One per connection; confined to its event loop.
public protocol TransportSocket: AnyObject {
    /// The protocol name for filter-chain matching and logs (`tls`, `raw_buffer`).
    var protocolName: String { get }

    /// Installs the callbacks. Called once, before anything else.
    func setCallbacks(_ callbacks: any TransportSocketCallbacks)

    /// The TCP connection is up: a client starts its handshake, a server waits for one.
    func onConnected()

    /// Bytes arrived from the network.
    func receiveFromNetwork(_ data: ByteBuffer)

    /// The network reached end of file.
    func receiveNetworkEOF()

    /// Plaintext to send.
    func write(_ plaintext: ByteBuffer)

    /// Ends the write side cleanly (TLS `close_notify`).
    func shutdownWrite()

    /// The TLS facts after the handshake, or nil for plaintext.
    var connectionInfo: TLSConnectionInfo? { get }
}

/// How a ``TransportSocket`` talks to the socket below and the connection above.
public protocol TransportSocketCallbacks: AnyObject {
    /// Send these bytes on the network.
    func transportSocketWriteToNetwork(_ data: ByteBuffer)
    /// Plaintext for the connection.
    func transportSocketDeliver(_ plaintext: ByteBuffer)
    /// The handshake finished; the connection is ready.
    func transportSocketConnected()
    /// The peer ended its stream cleanly (close_notify or EOF).
    func transportSocketPeerEnded()
    /// The transport failed; the connection must be closed. `reason` is for logs.
    func transportSocketFailed(_ reason: String)
}

/// Per-connection inputs for making a transport socket.
public struct TransportSocketOptions: Sendable {
    /// Overrides the SNI an upstream TLS socket sends.
    public var serverNameOverride: String?
    /// Overrides the ALPN list an upstream TLS socket offers.
    public var applicationProtocolsOverride: [String]?
    /// The upstream host's hostname (for `auto_host_sni`).
    public var hostname: String?

    /// Creates options.
    public init(serverNameOverride: String? = nil, applicationProtocolsOverride: [String]? = nil, hostname: String? = nil) {
        self.serverNameOverride = serverNameOverride
        self.applicationProtocolsOverride = applicationProtocolsOverride
        self.hostname = hostname
    }
}

/// Makes transport sockets for one listener filter chain or cluster. Built once at config
/// load (expensive work, such as building an `SSL_CTX`, happens then, off the event loops).
public protocol TransportSocketFactory: Sendable {
    /// Whether sockets from this factory are TLS.
    var implementsSecureTransport: Bool { get }

    /// A new socket for one connection, on that connection's event loop.
    func makeTransportSocket(options: TransportSocketOptions) -> any TransportSocket
}
