import NIOCore

/// How a transport closes the socket under a ``NetworkConnection``.
public enum TransportCloseMode: Sendable, Hashable {
    /// After every pending write has gone out (FIN).
    case afterFlush
    /// Now, dropping pending writes.
    case immediately
    /// Now, with a TCP reset (SO_LINGER 0).
    case reset
}

/// The I/O underneath a ``NetworkConnection``: the runtime's socket glue, or the test kit's
/// in-memory peer. Bytes passed here are plaintext; TLS, if any, lives below.
///
/// A transport reports back by calling the `transport…` methods of its connection.
public protocol ConnectionTransport: AnyObject {
    /// Queue `data` for the peer and send it.
    func write(_ data: ByteBuffer)
    /// Half-close: send FIN (or TLS close_notify then FIN) after pending writes.
    func shutdownWrite()
    /// Close the socket.
    func close(_ mode: TransportCloseMode)
    /// Start or stop reading from the socket.
    func setReadEnabled(_ enabled: Bool)
}
