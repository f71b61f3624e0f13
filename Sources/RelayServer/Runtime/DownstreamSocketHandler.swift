import NIOCore
import Relay

/// What the listener-filter phase and the listener need from the socket glue under a
/// downstream connection, whichever I/O engine runs it (``ConnectionChannelHandler`` on NIO
/// channels, ``NativeConnectionHandler`` on RelayIO sockets).
///
/// - Note: Confined to the socket's event loop.
protocol DownstreamSocketHandler: ConnectionTransport {
    /// The socket's event loop.
    var eventLoopForAttach: any EventLoop { get }
    /// Installs the connection chosen for this socket and its transport socket, before the
    /// filters are initialized.
    func adopt(connection: NetworkConnection, transportSocket: (any TransportSocket)?)
    /// Starts the connection and replays the bytes held during listener filters.
    func attach(held: ByteBuffer?, sawEOF: Bool)
    /// Closes a socket that never became a connection.
    func rejectSocket()
}
